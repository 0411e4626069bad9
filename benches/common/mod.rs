//! Shared by the benchmarks: reading back criterion's estimates to print ratio tables.

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
