//! Speed of the correctly rounded activation functions and derivatives: the binary64 fast
//! path (`ActOp::eval`, which falls back to the multiprecision engine where the fast path does
//! not decide) against the multiprecision engine alone (`fpcore::act::reference`), measured in
//! the same run.
//!
//! 1. Criterion: each of the 16 ops over all 65536 bfloat16 encodings, one sweep per
//!    iteration, fast and slow side by side; a table of sweep times and ratios follows.
//! 2. binary32: each op over 2^24 consecutive encodings from a few starting points, and over
//!    2^24 encodings spread evenly over all 2^32 (every 256th, offsets varying), timed in one
//!    pass: ns per call, the share the fast path decides, the fallbacks (finite nonzero
//!    operands with an inexact result that the multiprecision engine had to decide, and their
//!    rate), the multiprecision engine's ns per call on every 256th of the same inputs, and
//!    the projected time for all 2^32 encodings on 2 cores (from the spread sample, run on
//!    two threads).
//!
//! `cargo bench --bench act` (all), `cargo bench --bench act -- gelu` (ops whose name contains
//! `gelu`). The machine's other load shows in the figures; ratios come from one run.

#![allow(clippy::float_arithmetic, reason = "timings and ratios")]

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use fpcore::act::{self, ActOp, Activation, DEFAULT_KINK};
use fpcore::{Env, Format, Rounded};

/// The multiprecision engine alone.
fn slow(env: &Env, fmt: &Format, op: ActOp, x: u128) -> Rounded<u128> {
    if op.derivative {
        act::reference::deriv(env, fmt, op.act, x, DEFAULT_KINK)
    } else {
        act::reference::eval(env, fmt, op.act, x)
    }
}

/// The positional filter given after `--`, if any (criterion applies it to its own benches).
fn filter() -> Option<String> {
    std::env::args().skip(1).find(|a| !a.starts_with('-') && !a.is_empty())
}

fn selected(op: ActOp) -> bool {
    filter().is_none_or(|f| op.name().contains(f.as_str()) || f == "bf16" || f == "binary32")
}

fn bf16_sweeps(c: &mut Criterion) -> Vec<String> {
    let env = Env::default();
    let fmt = Format::BF16;
    let inputs: Vec<u128> = (0..1u128 << 16).collect();
    let mut ran = Vec::new();
    for op in ActOp::all().filter(|op| selected(*op)) {
        let group_name = format!("act-bf16-{}", op.name());
        let mut group = c.benchmark_group(&group_name);
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(200));
        group.measurement_time(Duration::from_millis(500));
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function("fast", |b| {
            b.iter(|| {
                let mut acc = 0u128;
                for &x in black_box(&inputs) {
                    acc ^= op.eval(&env, &fmt, x, DEFAULT_KINK).value;
                }
                acc
            })
        });
        group.bench_function("slow", |b| {
            b.iter(|| {
                let mut acc = 0u128;
                for &x in black_box(&inputs) {
                    acc ^= slow(&env, &fmt, op, x).value;
                }
                acc
            })
        });
        group.finish();
        ran.push(group_name);
    }
    ran
}

/// One timed pass of `ActOp::eval`'s logic over `inputs`, counting what the fast path decides.
/// Returns (seconds, decided, fallbacks, finite nonzero operands with an inexact result).
fn timed_pass(env: &Env, fmt: &Format, op: ActOp, inputs: &[u128]) -> (f64, u64, u64, u64) {
    let start = Instant::now();
    let mut acc = 0u128;
    let mut decided = 0u64;
    for &x in inputs {
        let r = match op.eval_fast(env, fmt, x) {
            Some(r) => {
                decided += 1;
                r
            }
            None => op.eval(env, fmt, x, DEFAULT_KINK),
        };
        acc ^= r.value;
    }
    let secs = start.elapsed().as_secs_f64();
    black_box(acc);
    // Counting (untimed): finite nonzero operands with an inexact result that the fast path
    // left to the engine (relu, relu' and elu, elu' at positive operands are exact and never
    // reach either).
    let mut finite = 0u64;
    let mut fallbacks = 0u64;
    for &x in inputs {
        let u = fmt.unpack(x);
        let exact = op.act == Activation::Relu || (op.act == Activation::Elu && !u.sign);
        if !(u.is_nan() || u.is_inf() || u.is_zero() || exact) {
            finite += 1;
            if op.eval_fast(env, fmt, x).is_none() {
                fallbacks += 1;
            }
        }
    }
    (secs, decided, fallbacks, finite)
}

/// The multiprecision engine's ns per call on every 256th input.
fn slow_ns(env: &Env, fmt: &Format, op: ActOp, inputs: &[u128]) -> f64 {
    let sample: Vec<u128> = inputs.iter().step_by(256).copied().collect();
    let start = Instant::now();
    let mut acc = 0u128;
    for &x in &sample {
        acc ^= slow(env, fmt, op, x).value;
    }
    black_box(acc);
    start.elapsed().as_secs_f64() * 1e9 / sample.len() as f64
}

/// Every 256th binary32 encoding, with the low byte varying: 2^24 inputs over all 2^32.
fn spread() -> Vec<u128> {
    (0..1u32 << 24).map(|i| u128::from((i << 8) | (i.wrapping_mul(0x9E37_79B9) >> 24))).collect()
}

fn binary32_runs() {
    let env = Env::default();
    let fmt = Format::BINARY32;
    let n = 1u128 << 24;
    let starts: [(&str, u128); 3] = [
        ("0x3F000000 (0.5..)", 0x3F00_0000),
        ("0xC1000000 (-8..)", 0xC100_0000),
        ("0x00000001 (subnormals)", 1),
    ];
    let spread = spread();
    println!(
        "\nbinary32, 2^24 inputs per row, one thread (2 threads for the projection):\n{:<12} {:<26} {:>9} {:>9} {:>11} {:>10} {:>9} {:>8} {:>13}",
        "op", "inputs", "fast ns", "decided", "fallbacks", "fb rate", "slow ns", "ratio", "2^32, 2 cores"
    );
    for op in ActOp::all().filter(|op| selected(*op)) {
        let mut rows: Vec<(String, Vec<u128>)> =
            starts.iter().map(|(name, s)| (name.to_string(), (*s..*s + n).collect())).collect();
        rows.push(("spread over all 2^32".to_string(), spread.clone()));
        for (name, inputs) in rows {
            let (secs, decided, fallbacks, finite) = timed_pass(&env, &fmt, op, &inputs);
            let fast_ns = secs * 1e9 / inputs.len() as f64;
            let slow = slow_ns(&env, &fmt, op, &inputs);
            let projection = if name.starts_with("spread") {
                // Both cores, each on half of the sample; all 2^32 is 256 times as many.
                let (a, b) = inputs.split_at(inputs.len() / 2);
                let start = Instant::now();
                std::thread::scope(|scope| {
                    let h = scope.spawn(|| timed_only(&env, &fmt, op, b));
                    black_box(timed_only(&env, &fmt, op, a));
                    black_box(h.join().expect("worker"));
                });
                let total = start.elapsed().as_secs_f64() * 256.0;
                format!("{:>6.0} s ({:.1} min)", total, total / 60.0)
            } else {
                "-".to_string()
            };
            println!(
                "{:<12} {:<26} {:>9.1} {:>8.3}% {:>11} {:>10.2e} {:>9.0} {:>7.1}x {:>13}",
                op.name(),
                name,
                fast_ns,
                100.0 * decided as f64 / inputs.len() as f64,
                fallbacks,
                fallbacks as f64 / finite.max(1) as f64,
                slow,
                slow / fast_ns,
                projection
            );
        }
    }
}

/// `ActOp::eval` over `inputs` (the two-thread projection runs this on each half).
fn timed_only(env: &Env, fmt: &Format, op: ActOp, inputs: &[u128]) -> u128 {
    let mut acc = 0u128;
    for &x in inputs {
        acc ^= op.eval(env, fmt, x, DEFAULT_KINK).value;
    }
    acc
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let ran = bf16_sweeps(&mut c);
    c.final_summary();
    println!(
        "\nbfloat16, all 65536 inputs per sweep (median of criterion's samples; target < 500 ms)"
    );
    println!("{:<14} {:>12} {:>12} {:>10}", "op", "fast ms", "slow ms", "slow/fast");
    for group in ran {
        let (fast, slow) = (
            common::estimate_ns(&group, "fast").map(|ns| ns / 1e6),
            common::estimate_ns(&group, "slow").map(|ns| ns / 1e6),
        );
        let cell = |v: Option<f64>| v.map_or("-".to_string(), |ms| format!("{ms:.2}"));
        let ratio = match (fast, slow) {
            (Some(f), Some(s)) => format!("{:.1}x", s / f),
            _ => "-".to_string(),
        };
        let name = group.trim_start_matches("act-bf16-");
        println!("{name:<14} {:>12} {:>12} {ratio:>10}", cell(fast), cell(slow));
    }
    binary32_runs();
}
