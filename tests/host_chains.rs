//! The host kernel of sequential multiply-add chains (`fpcore::ChainMatrix`, used by fpnet's
//! affine layers and fpad's backward products) does not depend on the host floating-point
//! state or the thread count: on networks whose values keep every chain on that kernel in the
//! default state, the forward pass, the input gradients and the batch sums of the parameter
//! gradients are the same under flush-to-zero + denormals-are-zero and under each directed
//! rounding mode (where the kernel's probe sends every chain to the integer path), and the same
//! on rayon's threads as on one.

mod support;

use fpad::{Ad, BatchOptions, Loss, OutputGradient, ParamGrads};
use fpcore::{ChainMatrix, ChainScratch, ChainSteps, Env, Format};
use fpnet::builders::{paper_network, AffineMap, Variant};
use fpnet::graph::Sigma;
use fpnet::interp::Interpreter;
use fpnet::reduce::Order;
use fpref::hostfp::{with_mxcsr, DAZ, FTZ, ROUND_DOWN, ROUND_TOWARD_ZERO, ROUND_UP};
use support::SplitMix;

/// A value of moderate size (exponent within ±3 of 1), one in eight ±0.
fn draw(rng: &mut SplitMix, fmt: &Format) -> u128 {
    let r = rng.next_u64();
    let sign = u128::from(r & 1) << (fmt.bits() - 1);
    if r & 0xE == 0 {
        return sign;
    }
    let frac = u128::from(r >> 8) & ((1u128 << fmt.frac_bits()) - 1);
    let code = fmt.bias() as u128 - 3 + u128::from((r >> 4) % 7);
    sign | code << fmt.frac_bits() | frac
}

/// Forward values, input gradients and parameter-gradient sums of small ReLU networks in
/// binary32, bfloat16 and binary16 (sequential order, the middle layer fma), serial or parallel; and rows of a
/// `ChainMatrix` with initial values and biases, with whether its host path was taken.
fn workload(parallel: bool) -> (Vec<Vec<u128>>, usize) {
    let env = Env::default();
    let mut rng = SplitMix::new(0x5EC7);
    let mut out = Vec::new();
    let mut taken = 0;
    for fmt in [Format::BINARY32, Format::BF16, Format::BINARY16] {
        let widths = [12usize, 40, 33, 4];
        let maps: Vec<AffineMap> = widths
            .windows(2)
            .enumerate()
            .map(|(l, w)| {
                let weights = (0..w[0] * w[1]).map(|_| draw(&mut rng, &fmt)).collect();
                let bias = (0..w[1]).map(|_| draw(&mut rng, &fmt)).collect();
                let mut map = AffineMap::new(w[1], w[0], weights, bias);
                // The middle layer accumulates by fma.
                if l == 1 {
                    map.order = Order::Fma;
                }
                map
            })
            .collect();
        let graph = paper_network(
            fmt,
            widths[0],
            Sigma::new(fpcore::act::Activation::Relu),
            maps,
            Variant::default(),
        )
        .expect("valid network");
        let inputs: Vec<u128> = (0..widths[0] * 40).map(|_| draw(&mut rng, &fmt)).collect();
        let interp = Interpreter::new(&graph, env);
        let batch =
            if parallel { interp.eval_batch(&inputs) } else { interp.eval_batch_serial(&inputs) };
        let batch = batch.expect("runs");
        out.push(batch.values);
        out.push(batch.flags.iter().map(|f| u128::from(f.bits())).collect());
        let ad = Ad::new(&graph, env);
        let mut params = ParamGrads::zeros(&graph);
        let phi = OutputGradient::Loss(Loss::Sum);
        let g = ad
            .batch(&inputs, &phi, None, Some(&mut params), BatchOptions { parallel })
            .expect("runs");
        out.push(g.input_gradients);
        out.push(g.flags.iter().map(|f| u128::from(f.bits())).collect());
        for id in graph.layers() {
            if let Some(p) = params.get(id) {
                out.push(p.weights.clone());
                out.push(p.bias.clone());
            }
        }
        // The kernel itself, with initial values and biases.
        let (rows, cols) = (19, 37);
        let m: Vec<u128> = (0..rows * cols).map(|_| draw(&mut rng, &fmt)).collect();
        let v: Vec<u128> = (0..cols).map(|_| draw(&mut rng, &fmt)).collect();
        let init: Vec<u128> = (0..rows).map(|_| draw(&mut rng, &fmt)).collect();
        let bias: Vec<u128> = (0..rows).map(|_| draw(&mut rng, &fmt)).collect();
        let matrix =
            ChainMatrix::new(&fmt, ChainSteps::MulAdd, rows, cols, &m).expect("finite entries");
        let mut scratch = ChainScratch::default();
        let mut rows_out = Vec::new();
        let flags = match matrix.mul_add_rows(
            &env,
            &v,
            Some(&init),
            Some(&bias),
            &mut rows_out,
            &mut scratch,
        ) {
            Some(flags) => {
                taken += 1;
                flags
            }
            None => {
                // The general path: the same chains on the integer operations.
                rows_out.clear();
                let mut flags = fpcore::Flags::NONE;
                for r in 0..rows {
                    let terms = m[r * cols..(r + 1) * cols].iter().copied().zip(v.iter().copied());
                    let s = fpcore::mul_add_chain_integer(&env, &fmt, init[r], terms);
                    let y = fpcore::add(&env, &fmt, s.value, bias[r]);
                    flags |= s.flags | y.flags;
                    rows_out.push(y.value);
                }
                flags
            }
        };
        out.push(rows_out);
        out.push(vec![u128::from(flags.bits())]);
    }
    (out, taken)
}

#[test]
fn chains_do_not_depend_on_ftz_daz_rounding_mode_or_threads() {
    let (expected, taken) = workload(false);
    // In the default state the kernel runs (else this test would check the integer path only).
    assert_eq!(taken, 3, "the host path must be taken in the default state");
    let (parallel, _) = workload(true);
    assert_eq!(parallel, expected, "parallel run differs from the serial one");
    for (name, bits) in [
        ("ftz+daz", FTZ | DAZ),
        ("round down", ROUND_DOWN),
        ("round up", ROUND_UP),
        ("round toward zero", ROUND_TOWARD_ZERO),
        ("ftz+daz+round up", FTZ | DAZ | ROUND_UP),
    ] {
        let ((got, taken), applied) = with_mxcsr(bits, || workload(false));
        if cfg!(target_arch = "x86_64") {
            assert!(applied, "MXCSR must be settable on x86-64");
            assert_eq!(taken, 0, "{name}: the probe must refuse the host path");
        }
        assert_eq!(got.len(), expected.len());
        for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "{name}: result vector {k} changed");
        }
    }
}
