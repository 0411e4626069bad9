//! fpcore's, fpnet's, fpad's and fpconstruct's results do not depend on the host
//! floating-point state: the same workload under flush-to-zero + denormals-are-zero and under
//! each directed rounding mode gives the same bits and flags as under the default state. The
//! workload goes through every fast kernel (their integer square roots start from a host-float
//! estimate) and the general paths, the activation functions, whose binary64 fast path
//! computes in host floating point, networks (the binary64 multiply-add kernel), gradients
//! and a construction.

mod support;

use fpcore::act::{ActOp, DEFAULT_KINK};
use fpcore::{Env, Format, Rounded};
use fpref::hostfp::{with_mxcsr, DAZ, FTZ, ROUND_DOWN, ROUND_TOWARD_ZERO, ROUND_UP};
use support::SplitMix;

fn workload() -> Vec<Rounded<u128>> {
    let env = Env::default();
    let mut rng = SplitMix::new(0xF7A2);
    let mut out = Vec::new();
    for name in [
        "binary16",
        "bf16",
        "binary32",
        "binary64",
        "binary128",
        "e4m3fn",
        "e5m2",
        "e3m4",
        "p=30,emin=-99,emax=99",
    ] {
        let fmt = Format::parse(name).expect("format");
        for _ in 0..4000 {
            let mut draw =
                || (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) & fmt.mask();
            let (a, b, c) = (draw(), draw(), draw());
            let a_pos = a & (fmt.mask() >> 1);
            out.push(fpcore::add(&env, &fmt, a, b));
            out.push(fpcore::sub(&env, &fmt, a, b));
            out.push(fpcore::mul(&env, &fmt, a, b));
            out.push(fpcore::div(&env, &fmt, a, b));
            out.push(fpcore::sqrt(&env, &fmt, a_pos));
            out.push(fpcore::fma(&env, &fmt, a, b, c));
            out.push(fpcore::convert(&env, &fmt, &Format::BINARY32, a));
            let terms: Vec<(u128, u128)> = (0..16).map(|_| (draw(), draw())).collect();
            out.push(fpcore::mul_add_chain(&env, &fmt, fmt.zero(false), terms.iter().copied()));
            let near_one: Vec<(u128, u128)> = terms
                .iter()
                .map(|(w, x)| (w & !(fmt.mask() >> 2), x & !(fmt.mask() >> 2) | 0x1))
                .collect();
            out.push(fpcore::mul_add_chain(&env, &fmt, fmt.zero(false), near_one.iter().copied()));
            let text = fpcore::text::format_shortest(&fmt, a_pos);
            out.push(fpcore::text::parse_decimal(&env, &fmt, &text).expect("own output parses"));
        }
    }
    out
}

#[test]
fn results_do_not_depend_on_ftz_daz_or_rounding_mode() {
    let expected = workload();
    for (name, bits) in [
        ("ftz+daz", FTZ | DAZ),
        ("round down", ROUND_DOWN),
        ("round up", ROUND_UP),
        ("round toward zero", ROUND_TOWARD_ZERO),
        ("ftz+daz+round up", FTZ | DAZ | ROUND_UP),
    ] {
        let (got, applied) = with_mxcsr(bits, workload);
        if cfg!(target_arch = "x86_64") {
            assert!(applied, "MXCSR must be settable on x86-64");
        }
        let mismatches = got.iter().zip(&expected).filter(|(g, e)| g != e).count();
        assert_eq!(mismatches, 0, "{name}: {mismatches} results changed");
    }
}

/// Operands for the activation workload: every fourth bfloat16 encoding, every e4m3fn
/// encoding, and binary32 encodings drawn at random and around the tails.
fn activation_operands() -> Vec<(Format, u128)> {
    let mut rng = SplitMix::new(0xAC7);
    let mut out = Vec::new();
    let bf16 = Format::BF16;
    out.extend((0..1u128 << 16).step_by(4).map(|x| (bf16, x)));
    let e4m3fn = Format::E4M3FN;
    out.extend((0..256).map(|x| (e4m3fn, x)));
    let f32f = Format::BINARY32;
    out.extend((0..20_000).map(|_| (f32f, u128::from(rng.next_u64() as u32))));
    // -14 (gelu's underflow), -103.3 (sigmoid's), tiny subnormals, the top of the range.
    for center in [0xc160_0000u128, 0xc2ce_8ed0, 0x0000_0100, 0x8000_0100, 0x7f7f_ff00] {
        out.extend((center - 256..center + 256).map(|x| (f32f, x)));
    }
    out
}

/// The activations' binary64 fast path gives the same results, and decides only results
/// equal to the default state's, under every host state (its error bounds hold for any
/// rounding mode and it never meets a subnormal).
#[test]
fn activations_do_not_depend_on_ftz_daz_or_rounding_mode() {
    let env = Env::default();
    let operands = activation_operands();
    let run = || {
        let mut out = Vec::new();
        for &(fmt, x) in &operands {
            for op in ActOp::all() {
                out.push((op.eval(&env, &fmt, x, DEFAULT_KINK), op.eval_fast(&env, &fmt, x)));
            }
        }
        out
    };
    let expected = run();
    let decided = expected.iter().filter(|(_, f)| f.is_some()).count();
    assert!(decided * 10 > expected.len() * 7, "the fast path decides most of the workload");
    for (name, bits) in [
        ("ftz+daz", FTZ | DAZ),
        ("round down", ROUND_DOWN),
        ("round up", ROUND_UP),
        ("round toward zero", ROUND_TOWARD_ZERO),
        ("ftz+daz+round down", FTZ | DAZ | ROUND_DOWN),
    ] {
        let (got, applied) = with_mxcsr(bits, run);
        if cfg!(target_arch = "x86_64") {
            assert!(applied, "MXCSR must be settable on x86-64");
        }
        let mut mismatches = 0;
        for ((r, fast), (r0, _)) in got.iter().zip(&expected) {
            if r != r0 || fast.is_some_and(|f| f != *r0) {
                mismatches += 1;
            }
        }
        assert_eq!(mismatches, 0, "{name}: {mismatches} activation results changed");
    }
}

/// The state change itself is real: host arithmetic does change under it (else the test above
/// proves nothing).
#[test]
#[allow(clippy::float_arithmetic, reason = "probing the host state")]
fn host_state_changes_are_observable() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let tiny = std::hint::black_box(f64::from_bits(1)); // smallest subnormal
    let (flushed, _) = with_mxcsr(FTZ | DAZ, || {
        std::hint::black_box(std::hint::black_box(tiny) * std::hint::black_box(1.0))
    });
    assert_eq!(flushed.to_bits(), 0, "DAZ must flush the subnormal operand");
    let third = |x: f64| std::hint::black_box(std::hint::black_box(x) / std::hint::black_box(3.0));
    let (up, _) = with_mxcsr(ROUND_UP, || third(1.0));
    let (down, _) = with_mxcsr(ROUND_DOWN, || third(1.0));
    assert_ne!(up.to_bits(), down.to_bits(), "directed rounding must change 1/3");
}

/// Networks (fpnet's forward pass, whose binary32 sums may use a host binary64 kernel), their
/// gradients (fpad, input and parameter gradients) and a construction (fpconstruct's builder
/// arithmetic) on the current thread, with subnormal inputs and weights among the values.
fn network_workload() -> Vec<Vec<u128>> {
    use fpad::{Ad, BatchOptions, Loss, OutputGradient, ParamGrads};
    use fpnet::builders::{paper_network, AffineMap, Variant};
    use fpnet::graph::Sigma;
    use fpnet::interp::Interpreter;
    let env = Env::default();
    let mut rng = SplitMix::new(0x0E7);
    let mut out = Vec::new();
    for (name, act) in [
        ("binary32", fpcore::act::Activation::Relu),
        ("binary32", fpcore::act::Activation::Tanh),
        ("bf16", fpcore::act::Activation::Gelu),
        ("binary16", fpcore::act::Activation::Relu),
        ("e4m3fn", fpcore::act::Activation::Sigmoid),
    ] {
        let fmt = Format::parse(name).expect("format");
        // Values of moderate size, with a quarter of them subnormal.
        let draw = |rng: &mut SplitMix| -> u128 {
            let r = rng.next_u64();
            let sign = u128::from(r & 1) << (fmt.bits() - 1);
            let frac = u128::from(r >> 8) & ((1u128 << fmt.frac_bits()) - 1);
            if r & 6 == 0 {
                sign | frac.max(1)
            } else {
                let code = fmt.bias() as u128 - 2 + u128::from((r >> 4) & 3);
                sign | code << fmt.frac_bits() | frac
            }
        };
        let widths = [8usize, 24, 24, 3];
        let maps: Vec<AffineMap> = widths
            .windows(2)
            .map(|w| {
                let weights = (0..w[0] * w[1]).map(|_| draw(&mut rng)).collect();
                let bias = (0..w[1]).map(|_| draw(&mut rng)).collect();
                AffineMap::new(w[1], w[0], weights, bias)
            })
            .collect();
        let graph = paper_network(fmt, widths[0], Sigma::new(act), maps, Variant::default())
            .expect("valid network");
        let inputs: Vec<u128> = (0..widths[0] * 64).map(|_| draw(&mut rng)).collect();
        let batch = Interpreter::new(&graph, env).eval_batch_serial(&inputs).expect("runs");
        out.push(batch.values);
        let ad = Ad::new(&graph, env);
        let mut params = ParamGrads::zeros(&graph);
        let serial = BatchOptions { parallel: false };
        let phi = OutputGradient::Loss(Loss::Sum);
        let g = ad.batch(&inputs, &phi, None, Some(&mut params), serial).expect("runs");
        out.push(g.input_gradients);
        for id in graph.layers() {
            if let Some(p) = params.get(id) {
                out.push(p.weights.clone());
                out.push(p.bias.clone());
            }
        }
        let sample =
            ad.gradient(&inputs[..widths[0]], &OutputGradient::Identity, None).expect("runs");
        out.push(sample.input_gradient);
    }
    // A construction: its parameters come from the builder's emulation on this thread.
    let fmt = Format::BINARY16;
    let targets: Vec<fpconstruct::Target> = (0u128..32)
        .map(|k| {
            fpconstruct::Target::one(
                0x0100 + 3 * k,
                (0x1234 * k) & 0x7BFF,
                (0x2345 * k + 1) & 0xFBFF,
            )
        })
        .collect();
    let built = fpconstruct::construct(
        &fmt,
        &targets,
        &fpad::OutputGradient::Identity,
        &fpconstruct::Options::default(),
    )
    .expect("builds");
    for id in built.graph.layers() {
        if let fpnet::graph::Op::Affine(a) = &built.graph.node(id).op {
            out.push(a.weights.clone());
            out.push(a.bias.clone());
        }
    }
    out
}

#[test]
fn networks_and_gradients_do_not_depend_on_ftz_daz_or_rounding_mode() {
    let expected = network_workload();
    for (name, bits) in [
        ("ftz+daz", FTZ | DAZ),
        ("round down", ROUND_DOWN),
        ("round toward zero", ROUND_TOWARD_ZERO),
        ("ftz+daz+round up", FTZ | DAZ | ROUND_UP),
    ] {
        let (got, applied) = with_mxcsr(bits, network_workload);
        if cfg!(target_arch = "x86_64") {
            assert!(applied, "MXCSR must be settable on x86-64");
        }
        assert_eq!(got.len(), expected.len());
        for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "{name}: result vector {k} changed");
        }
    }
}
