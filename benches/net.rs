//! Speed of fpnet's interpreter on an MLP 256-256-256-10 (ReLU between the affine maps) over a
//! batch of 1024 inputs, in binary32 and bfloat16 with the sequential order, against a native
//! f32 loop that follows the same order (products rounded, then added left to right from +0,
//! bias last), and with the fma order against a native loop of `f32::mul_add` from +0, bias
//! last, all measured in the same run. The summary gives ns per multiply-add and ratios
//! against the native loop of the same order (`x native`) and the parallel native loop.
//!
//! `cargo bench --bench net`.

#![allow(clippy::float_arithmetic, reason = "the native baseline is host arithmetic")]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::Throughput;
use fpcore::{Env, Format};
use fpnet::builders::{paper_network, AffineMap, Variant};
use fpnet::graph::Sigma;
use fpnet::reduce::Order;
use fpnet::{Activation, Graph, Interpreter};
use rayon::prelude::*;

const WIDTHS: [usize; 4] = [256, 256, 256, 10];
const BATCH: usize = 1024;
const GROUP: &str = "mlp-256-256-256-10-batch-1024";

/// Multiply-adds of one forward pass of one sample.
fn madds_per_sample() -> usize {
    WIDTHS.windows(2).map(|w| w[0] * w[1]).sum()
}

/// The network's parameters as f32 (weights scaled like a standard initialization).
struct Params {
    layers: Vec<(usize, usize, Vec<f32>, Vec<f32>)>,
}

fn params() -> Params {
    let layers = WIDTHS
        .windows(2)
        .enumerate()
        .map(|(l, w)| {
            let (cols, rows) = (w[0], w[1]);
            let scale = 1.0 / (cols as f32).sqrt();
            let weights = common::f32_values(17 + l as u64, rows * cols, scale);
            let bias = common::f32_values(101 + l as u64, rows, 0.1);
            (rows, cols, weights, bias)
        })
        .collect();
    Params { layers }
}

fn graph(fmt: Format, order: Order, p: &Params) -> Graph {
    let env = Env::default();
    let enc = |v: &[f32]| -> Vec<u128> {
        v.iter().map(|x| fpcore::from_f32(&env, &fmt, *x).value).collect()
    };
    let maps = p
        .layers
        .iter()
        .map(|(rows, cols, w, b)| {
            let mut map = AffineMap::new(*rows, *cols, enc(w), enc(b));
            map.order = order;
            map
        })
        .collect();
    paper_network(fmt, WIDTHS[0], Sigma::new(Activation::Relu), maps, Variant::default())
        .expect("a valid MLP")
}

/// The native forward pass of one sample, in the sequential order, or with `fused` in the fma
/// order (`f32::mul_add`, one rounding per step).
fn native_forward(p: &Params, fused: bool, x: &[f32], out: &mut Vec<f32>) {
    let mut a = x.to_vec();
    for (l, (rows, cols, w, b)) in p.layers.iter().enumerate() {
        let mut z = Vec::with_capacity(*rows);
        for i in 0..*rows {
            let row = &w[i * cols..(i + 1) * cols];
            let mut acc = 0.0f32;
            if fused {
                for (w_ij, x_j) in row.iter().zip(&a) {
                    acc = w_ij.mul_add(*x_j, acc);
                }
            } else {
                for (w_ij, x_j) in row.iter().zip(&a) {
                    let t = w_ij * x_j;
                    acc += t;
                }
            }
            z.push(acc + b[i]);
        }
        if l + 1 < p.layers.len() {
            for v in &mut z {
                *v = if *v > 0.0 { *v } else { 0.0 };
            }
        }
        a = z;
    }
    out.clear();
    out.extend_from_slice(&a);
}

fn main() {
    let mut c = common::criterion(Duration::from_secs(4));
    let p = params();
    let inputs_f32 = common::f32_values(7, BATCH * WIDTHS[0], 1.0);
    let env = Env::default();
    let f32_fmt = Format::BINARY32;
    let bf16_fmt = Format::BF16;
    let g32 = graph(f32_fmt, Order::Sequential, &p);
    let g16 = graph(bf16_fmt, Order::Sequential, &p);
    let g32_fma = graph(f32_fmt, Order::Fma, &p);
    let g16_fma = graph(bf16_fmt, Order::Fma, &p);
    let enc = |fmt: &Format| -> Vec<u128> {
        inputs_f32.iter().map(|x| fpcore::from_f32(&env, fmt, *x).value).collect()
    };
    let (x32, x16) = (enc(&f32_fmt), enc(&bf16_fmt));
    let i32_ = Interpreter::new(&g32, env);
    let i16_ = Interpreter::new(&g16, env);
    let i32_fma = Interpreter::new(&g32_fma, env);
    let i16_fma = Interpreter::new(&g16_fma, env);

    // The native loops follow the same orders: their outputs equal fpnet's bit for bit.
    for (interp, fused) in [(&i32_, false), (&i32_fma, true)] {
        let batch = interp.eval_batch(&x32).expect("valid batch");
        let mut native = Vec::new();
        for (k, x) in inputs_f32.chunks(WIDTHS[0]).enumerate().take(16) {
            native_forward(&p, fused, x, &mut native);
            let bits: Vec<u128> = native.iter().map(|v| u128::from(v.to_bits())).collect();
            assert_eq!(bits, batch.output(k), "native and fpnet differ on sample {k} ({fused})");
        }
    }

    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements((BATCH * madds_per_sample()) as u64));
    group.bench_function("native-f32-serial", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            let mut acc = 0u32;
            for x in black_box(&inputs_f32).chunks(WIDTHS[0]) {
                native_forward(&p, false, x, &mut out);
                acc ^= out[0].to_bits();
            }
            acc
        })
    });
    group.bench_function("native-f32-fma-serial", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            let mut acc = 0u32;
            for x in black_box(&inputs_f32).chunks(WIDTHS[0]) {
                native_forward(&p, true, x, &mut out);
                acc ^= out[0].to_bits();
            }
            acc
        })
    });
    group.bench_function("native-f32-parallel", |b| {
        b.iter(|| {
            black_box(&inputs_f32)
                .par_chunks(WIDTHS[0])
                .map_init(Vec::new, |out, x| {
                    native_forward(&p, false, x, out);
                    out[0].to_bits()
                })
                .reduce(|| 0, |a, b| a ^ b)
        })
    });
    group.bench_function("fpnet-binary32-parallel", |b| {
        b.iter(|| i32_.eval_batch(black_box(&x32)).expect("valid batch"))
    });
    group.bench_function("fpnet-bfloat16-parallel", |b| {
        b.iter(|| i16_.eval_batch(black_box(&x16)).expect("valid batch"))
    });
    group.bench_function("fpnet-binary32-serial", |b| {
        b.iter(|| i32_.eval_batch_serial(black_box(&x32)).expect("valid batch"))
    });
    group.bench_function("fpnet-bfloat16-serial", |b| {
        b.iter(|| i16_.eval_batch_serial(black_box(&x16)).expect("valid batch"))
    });
    group.bench_function("fpnet-binary32-fma-serial", |b| {
        b.iter(|| i32_fma.eval_batch_serial(black_box(&x32)).expect("valid batch"))
    });
    group.bench_function("fpnet-bfloat16-fma-serial", |b| {
        b.iter(|| i16_fma.eval_batch_serial(black_box(&x16)).expect("valid batch"))
    });
    group.finish();
    c.final_summary();

    let madds = (BATCH * madds_per_sample()) as f64;
    println!(
        "\nMLP {WIDTHS:?}, batch {BATCH}: {} multiply-adds per batch; {} threads",
        BATCH * madds_per_sample(),
        rayon::current_num_threads()
    );
    println!("{:<26} {:>14} {:>14} {:>16}", "run", "ns/madd", "x native", "x native-par");
    let serial = common::estimate_ns(GROUP, "native-f32-serial");
    let serial_fma = common::estimate_ns(GROUP, "native-f32-fma-serial");
    let parallel = common::estimate_ns(GROUP, "native-f32-parallel");
    for name in [
        "native-f32-serial",
        "native-f32-parallel",
        "native-f32-fma-serial",
        "fpnet-binary32-parallel",
        "fpnet-bfloat16-parallel",
        "fpnet-binary32-serial",
        "fpnet-bfloat16-serial",
        "fpnet-binary32-fma-serial",
        "fpnet-bfloat16-fma-serial",
    ] {
        let Some(ns) = common::estimate_ns(GROUP, name) else { continue };
        let ratio = |base: Option<f64>| base.map_or("-".to_string(), |b| format!("{:.2}", ns / b));
        // Each run against the native loop of its own order.
        let same_order = if name.contains("fma") { serial_fma } else { serial };
        let versus_parallel = if name.contains("fma") { "-".to_string() } else { ratio(parallel) };
        println!(
            "{name:<26} {:>14.3} {:>14} {:>16}",
            ns / madds,
            ratio(same_order),
            versus_parallel
        );
    }
}
