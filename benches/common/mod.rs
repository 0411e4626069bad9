//! Shared by the benchmarks: the criterion configuration, reading back criterion's estimates
//! to print ratio tables, and the fixed generator of the inputs (the tests' SplitMix64).

#![allow(dead_code, reason = "each benchmark uses a subset")]
#![allow(clippy::float_arithmetic, reason = "inputs and timings are host floats")]

use std::time::Duration;

use criterion::Criterion;

#[path = "../../tests/support/rng.rs"]
mod rng;

pub use rng::SplitMix;

/// Criterion from the command line with 10 samples, half a second of warm-up and
/// `measurement` per benchmark.
pub fn criterion(measurement: Duration) -> Criterion {
    Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measurement)
        .sample_size(10)
}

/// Criterion's median estimate, in ns per iteration, of `group/function` from the run that
/// just finished (`None` when it did not run, e.g. filtered out).
pub fn estimate_ns(group: &str, function: &str) -> Option<f64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// `n` f32 values in [-scale, scale) from a fixed generator: the top 24 bits of each draw as
/// a fraction of 1.
pub fn f32_values(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    let mut rng = SplitMix::new(seed);
    (0..n)
        .map(|_| {
            let unit = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
            (2.0 * unit - 1.0) * scale
        })
        .collect()
}
