//! Speed of fpad's forward + backward pass (input gradients and parameter gradients summed over
//! the batch) on an MLP 256-256-256-10 (ReLU between the affine maps) over a batch of 1024
//! inputs in binary32 and bfloat16 with the MSE loss, against a native f32 loop that follows the same order
//! (products rounded, then added left to right from +0; g ⊗ W column by column; relu' with
//! relu'(0) = +0; dW and db accumulated over the samples in sample order from +0), all measured
//! in the same run. The native loop's results equal fpad's binary32 results bit for bit (checked
//! before timing); the bfloat16 runs are the same network with every value rounded to bfloat16,
//! measured against the same native f32 loop.
//! The summary gives ns per multiply-add (three per weight and sample: forward, g ⊗ W, dW) and
//! ratios.
//!
//! `cargo bench --bench ad`.

#![allow(clippy::float_arithmetic, reason = "the native baseline is host arithmetic")]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::Throughput;
use fpad::{Ad, BatchOptions, Loss, OutputGradient, ParamGrads};
use fpcore::{Env, Format};
use fpnet::builders::{paper_network, AffineMap, Variant};
use fpnet::graph::Sigma;
use fpnet::{Activation, Graph, NodeId};

const WIDTHS: [usize; 4] = [256, 256, 256, 10];
const BATCH: usize = 1024;
const GROUP: &str = "ad-mlp-256-256-256-10-batch-1024";

/// Multiply-adds of one sample's forward and backward passes (forward, g ⊗ W, dW).
fn madds_per_sample() -> usize {
    3 * WIDTHS.windows(2).map(|w| w[0] * w[1]).sum::<usize>()
}

/// One affine map: rows, cols, W row-major, b.
type Layer = (usize, usize, Vec<f32>, Vec<f32>);

fn params() -> Vec<Layer> {
    WIDTHS
        .windows(2)
        .enumerate()
        .map(|(l, w)| {
            let (cols, rows) = (w[0], w[1]);
            let scale = 1.0 / (cols as f32).sqrt();
            (
                rows,
                cols,
                common::f32_values(17 + l as u64, rows * cols, scale),
                common::f32_values(101 + l as u64, rows, 0.1),
            )
        })
        .collect()
}

fn graph(fmt: Format, p: &[Layer]) -> Graph {
    let env = Env::default();
    let enc = |v: &[f32]| -> Vec<u128> {
        v.iter().map(|x| fpcore::from_f32(&env, &fmt, *x).value).collect()
    };
    let maps =
        p.iter().map(|(rows, cols, w, b)| AffineMap::new(*rows, *cols, enc(w), enc(b))).collect();
    paper_network(fmt, WIDTHS[0], Sigma::new(Activation::Relu), maps, Variant::default())
        .expect("a valid MLP")
}

/// The native pass over a batch: the input gradients of every sample, and the parameter
/// gradients summed in sample order from +0 (into `dw`, `db`, which are reset).
struct Native {
    /// Per layer: the layer's input a_l and its output's gradient g_l for the current sample.
    acts: Vec<Vec<f32>>,
    zs: Vec<Vec<f32>>,
    dw: Vec<Vec<f32>>,
    db: Vec<Vec<f32>>,
    input_grads: Vec<f32>,
}

impl Native {
    fn new(p: &[Layer]) -> Native {
        Native {
            acts: Vec::new(),
            zs: Vec::new(),
            dw: p.iter().map(|l| vec![0.0; l.0 * l.1]).collect(),
            db: p.iter().map(|l| vec![0.0; l.0]).collect(),
            input_grads: Vec::new(),
        }
    }

    fn run(&mut self, p: &[Layer], xs: &[f32], targets: &[f32]) {
        for v in self.dw.iter_mut().chain(self.db.iter_mut()) {
            v.fill(0.0);
        }
        self.input_grads.clear();
        let d_out = WIDTHS[WIDTHS.len() - 1];
        for (x, t) in xs.chunks(WIDTHS[0]).zip(targets.chunks(d_out)) {
            // Forward: z = ((+0 + w_1 x_1) + …) + b; a = relu(z) between the maps.
            self.acts.clear();
            self.zs.clear();
            let mut a = x.to_vec();
            for (l, (rows, cols, w, b)) in p.iter().enumerate() {
                let mut z = Vec::with_capacity(*rows);
                for i in 0..*rows {
                    let mut acc = 0.0f32;
                    for (w_ij, a_j) in w[i * cols..(i + 1) * cols].iter().zip(&a) {
                        let t = w_ij * a_j;
                        acc += t;
                    }
                    z.push(acc + b[i]);
                }
                self.acts.push(a);
                a = if l + 1 < p.len() {
                    z.iter().map(|v| if *v > 0.0 { *v } else { 0.0 }).collect()
                } else {
                    z.clone()
                };
                self.zs.push(z);
            }
            // MSE: g = 2 (y - t).
            let mut g: Vec<f32> = a.iter().zip(t).map(|(y, t)| 2.0 * (y - t)).collect();
            for l in (0..p.len()).rev() {
                let (_, cols, w, _) = &p[l];
                let x = &self.acts[l];
                // dW += g xᵀ, db += g, in sample order.
                let (dw, db) = (&mut self.dw[l], &mut self.db[l]);
                for ((g_i, dw_row), db_i) in g.iter().zip(dw.chunks_mut(*cols)).zip(db.iter_mut()) {
                    for (dw_ij, x_j) in dw_row.iter_mut().zip(x) {
                        let t = g_i * x_j;
                        *dw_ij += t;
                    }
                    *db_i += g_i;
                }
                // c = g W, column by column, from +0; then relu' of the layer below.
                let mut c = vec![0.0f32; *cols];
                for (j, c_j) in c.iter_mut().enumerate() {
                    let mut acc = 0.0f32;
                    for (g_i, w_row) in g.iter().zip(w.chunks(*cols)) {
                        let t = g_i * w_row[j];
                        acc += t;
                    }
                    *c_j = acc;
                }
                if l > 0 {
                    for (c_j, z_j) in c.iter_mut().zip(&self.zs[l - 1]) {
                        let d = if *z_j > 0.0 { 1.0 } else { 0.0 };
                        *c_j *= d;
                    }
                }
                g = c;
            }
            self.input_grads.extend_from_slice(&g);
        }
    }
}

fn main() {
    let mut c = common::criterion(Duration::from_secs(6));
    let p = params();
    let xs = common::f32_values(7, BATCH * WIDTHS[0], 1.0);
    let d_out = WIDTHS[WIDTHS.len() - 1];
    let targets = common::f32_values(9, BATCH * d_out, 1.0);
    let env = Env::default();
    let fmt = Format::BINARY32;
    let g = graph(fmt, &p);
    let enc = |v: &[f32]| -> Vec<u128> { v.iter().map(|x| u128::from(x.to_bits())).collect() };
    let (x32, t32) = (enc(&xs), enc(&targets));
    let ad = Ad::new(&g, env);
    let phi = OutputGradient::Loss(Loss::Mse);
    let run = |parallel: bool| {
        let mut sum = ParamGrads::zeros(&g);
        let b = ad.batch(&x32, &phi, Some(&t32), Some(&mut sum), BatchOptions { parallel });
        (b.expect("valid batch"), sum)
    };
    let bf16 = Format::BF16;
    let g16 = graph(bf16, &p);
    let enc16 = |v: &[f32]| -> Vec<u128> {
        v.iter().map(|x| fpcore::from_f32(&env, &bf16, *x).value).collect()
    };
    let (x16, t16) = (enc16(&xs), enc16(&targets));
    let ad16 = Ad::new(&g16, env);
    let run16 = |parallel: bool| {
        let mut sum = ParamGrads::zeros(&g16);
        let b = ad16.batch(&x16, &phi, Some(&t16), Some(&mut sum), BatchOptions { parallel });
        (b.expect("valid batch"), sum)
    };

    // The native loop follows the same order: its results equal fpad's bit for bit.
    let (batch, sum) = run(true);
    let mut native = Native::new(&p);
    native.run(&p, &xs, &targets);
    assert_eq!(enc(&native.input_grads), batch.input_gradients, "input gradients differ");
    for (l, id) in [1, 3, 5].into_iter().enumerate() {
        let grad = sum.get(NodeId(id)).expect("affine");
        assert_eq!(enc(&native.dw[l]), grad.weights, "dW of layer {l} differs");
        assert_eq!(enc(&native.db[l]), grad.bias, "db of layer {l} differs");
    }

    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements((BATCH * madds_per_sample()) as u64));
    group.bench_function("native-f32-serial", |b| {
        b.iter(|| {
            native.run(&p, black_box(&xs), &targets);
            native.dw[0][0].to_bits()
        })
    });
    group.bench_function("fpad-binary32-serial", |b| b.iter(|| run(false)));
    group.bench_function("fpad-binary32-parallel", |b| b.iter(|| run(true)));
    group.bench_function("fpad-bfloat16-serial", |b| b.iter(|| run16(false)));
    group.bench_function("fpad-bfloat16-parallel", |b| b.iter(|| run16(true)));
    group.finish();
    c.final_summary();

    let madds = (BATCH * madds_per_sample()) as f64;
    println!(
        "\nforward + backward of MLP {WIDTHS:?}, batch {BATCH}: {} multiply-adds per batch; {} threads",
        BATCH * madds_per_sample(),
        rayon::current_num_threads()
    );
    println!("{:<26} {:>12} {:>10} {:>10}", "run", "ms/batch", "ns/madd", "x native");
    let native_ns = common::estimate_ns(GROUP, "native-f32-serial");
    for name in [
        "native-f32-serial",
        "fpad-binary32-serial",
        "fpad-binary32-parallel",
        "fpad-bfloat16-serial",
        "fpad-bfloat16-parallel",
    ] {
        let Some(ns) = common::estimate_ns(GROUP, name) else { continue };
        let ratio = native_ns.map_or("-".to_string(), |b| format!("{:.2}", ns / b));
        println!("{name:<26} {:>12.1} {:>10.3} {:>10}", ns / 1e6, ns / madds, ratio);
    }
}
