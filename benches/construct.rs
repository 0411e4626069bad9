//! Speed of fpconstruct: building a 256-point bfloat16 construction (random full-range targets,
//! phi' = 1 and phi' = y) including its exhaustive check on the domain, and the check alone
//! (fpad's forward and backward pass at every point), against one forward pass of the same
//! network over the domain (fpnet's interpreter), all measured in the same run.
//!
//! `cargo bench --bench construct`.

#![allow(clippy::float_arithmetic, reason = "the summary prints times")]

mod common;

use std::hint::black_box;
use std::time::Duration;

use fpad::{Ad, BatchOptions, Loss, OutputGradient};
use fpconstruct::{construct, Options, Target};
use fpcore::{Env, Format};
use fpnet::interp::Interpreter;
use fporacle::gen::SplitMix;

const GROUP: &str = "construct-bf16-256";

/// A finite bf16 value other than -0, every encoding equally likely.
fn value(rng: &mut SplitMix, f: &Format) -> u128 {
    loop {
        let v = u128::from(rng.next_u64()) & f.mask();
        let u = f.unpack(v);
        if !(u.is_nan() || u.is_inf() || u.is_zero() && u.sign) {
            return v;
        }
    }
}

fn main() {
    let mut c = common::criterion(Duration::from_secs(5));
    let env = Env::default();
    let fmt = Format::BF16;
    let mut rng = SplitMix::new(0xC0457);
    let targets: Vec<Target> = (0x3f80..0x3f80 + 256)
        .map(|x| Target::one(x, value(&mut rng, &fmt), value(&mut rng, &fmt)))
        .collect();
    let xs: Vec<u128> = targets.iter().map(|t| t.x[0]).collect();
    let one = OutputGradient::Loss(Loss::Sum);
    let ident = OutputGradient::Identity;
    let options = Options::default();
    let built = construct(&fmt, &targets, &one, &options).expect("builds");
    assert_eq!(built.report.accepted(), 256, "phi' = 1 meets every target here");
    let ad = Ad::new(&built.graph, env);
    let interp = Interpreter::new(&built.graph, env);

    let mut group = c.benchmark_group(GROUP);
    group.bench_function("forward-pass", |b| {
        b.iter(|| interp.eval_batch(black_box(&xs)).expect("runs").values.len())
    });
    group.bench_function("check", |b| {
        b.iter(|| {
            ad.batch(black_box(&xs), &one, None, None, BatchOptions::default()).expect("runs").len()
        })
    });
    group.bench_function("build-and-check-phi-one", |b| {
        b.iter(|| {
            construct(&fmt, black_box(&targets), &one, &options).expect("builds").report.verified
        })
    });
    group.bench_function("build-and-check-phi-y", |b| {
        b.iter(|| {
            construct(&fmt, black_box(&targets), &ident, &options).expect("builds").report.verified
        })
    });
    group.finish();
    c.final_summary();

    let r = &built.report;
    let widths: Vec<String> = r.widths.iter().map(|w| w.to_string()).collect();
    println!(
        "\nbfloat16, 256 points, depth {}, widths {}, {} nonzero parameters, {} threads",
        r.depth,
        widths.join("-"),
        r.nonzero_params,
        rayon::current_num_threads()
    );
    println!("{:<26} {:>10} {:>14}", "run", "ms", "x forward-pass");
    let base = common::estimate_ns(GROUP, "forward-pass");
    for name in ["forward-pass", "check", "build-and-check-phi-one", "build-and-check-phi-y"] {
        let Some(ns) = common::estimate_ns(GROUP, name) else { continue };
        let ratio = base.map_or("-".to_string(), |b| format!("{:.2}", ns / b));
        println!("{name:<26} {:>10.1} {:>14}", ns / 1e6, ratio);
    }
}
