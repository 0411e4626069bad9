//! fpad on hand-derived cases: the gradient of a one-layer network is the hand-computed
//! products; changing only the evaluation order of a sum changes the gradient exactly where
//! the rounding of its partial sums says it must, and nowhere else; kink, -0 and fan-out
//! conventions; the losses' operation sequences; batch sums and means; SGD steps; the
//! safetensors export; the verifier's reports.

use fpad::verify::{Expected, Field, Verifier};
use fpad::{sgd_step, Ad, BatchOptions, Loss, OutputGradient, ParamGrads};
use fpcore::act::Activation;
use fpcore::{Env, Format};
use fpnet::builders::{sequential, AffineMap, GraphBuilder, Stage};
use fpnet::graph::Sigma;
use fpnet::{Graph, NodeId, Order};

use crate::support::{assert_golden, fmt};

/// A decimal or hex-float literal rounded to `f` (the literals below are all exact).
fn v(f: &Format, text: &str) -> u128 {
    let r = fpcore::text::parse_value(&Env::default(), f, text).expect("a literal");
    assert!(r.flags.is_empty(), "{text} is exact in {f}");
    r.value
}

fn vs(f: &Format, texts: &[&str]) -> Vec<u128> {
    texts.iter().map(|t| v(f, t)).collect()
}

fn seed(f: &Format, texts: &[&str]) -> OutputGradient {
    OutputGradient::Seed(vs(f, texts))
}

/// One affine layer `rows × cols` in `order`, as a sequential network.
fn layer(f: Format, order: Order, rows: usize, cols: usize, w: &[&str], b: &[&str]) -> Graph {
    let map = AffineMap { rows, cols, weights: vs(&f, w), bias: vs(&f, b), order };
    sequential(f, cols, vec![Stage::Affine(map)]).expect("a valid layer")
}

#[test]
fn one_layer_gradient_is_the_hand_computed_products() {
    // bf16 (p = 8): W = [[256, 1, 0.5], [1, 3, -2]], b = (0, 1), x = (1, 2, 3), seed (1, 0.5).
    let f = fmt("bf16");
    let g = layer(f, Order::Sequential, 2, 3, &["256", "1", "0.5", "1", "3", "-2"], &["0", "1"]);
    let ad = Ad::new(&g, Env::default());
    let x = vs(&f, &["1", "2", "3"]);
    let (s, params) = ad.sample_params(&x, &seed(&f, &["1", "0.5"]), None).expect("valid");
    // Forward: y_1 = ((256 ⊕ 2) ⊕ 1.5) ⊕ 0 = 258 ⊕ 1.5 = 259.5 → 260 (ulp 2 at 256; 259.5 is
    // nearer 260); y_2 = ((1 ⊕ 6) ⊕ -6) ⊕ 1 = 2.
    assert_eq!(s.output, vs(&f, &["260", "2"]));
    // Backward, column by column: c_j = (+0 ⊕ 1⊗w_1j) ⊕ 0.5⊗w_2j.
    // c_1 = 256 ⊕ 0.5 = 256 (below half an ulp); c_2 = 1 ⊕ 1.5 = 2.5; c_3 = 0.5 ⊕ -1 = -0.5.
    assert_eq!(s.input_gradient, vs(&f, &["256", "2.5", "-0.5"]));
    // dW[i][j] = g_i ⊗ x_j, db = g.
    let p = params.get(NodeId(1)).expect("the layer's gradients");
    assert_eq!(p.weights, vs(&f, &["1", "2", "3", "0.5", "1", "1.5"]));
    assert_eq!(p.bias, vs(&f, &["1", "0.5"]));
    assert!(s.backward_flags.contains(fpcore::Flags::INEXACT), "256 ⊕ 0.5 is inexact");
}

/// The input gradient of a 4 × 1 layer W = (w_1, …, w_4)ᵀ with seed (1, 1, 1, 1): the sum
/// of the w_i in the layer's order.
fn column_sum(f: Format, order: Order, w: &[&str]) -> u128 {
    let g = layer(f, order, 4, 1, w, &["0", "0", "0", "0"]);
    let ad = Ad::new(&g, Env::default());
    let one = v(&f, "1");
    let s = ad.gradient(&[one], &OutputGradient::Loss(Loss::Sum), None).expect("valid");
    s.input_gradient[0]
}

#[test]
fn changing_only_the_order_of_a_sum_changes_the_gradient_where_theory_says() {
    // e4m3fn (p = 4). The layer's forward sums have one term each (one column), so no order
    // can change its values: they agree on every input. Its backward sums have four terms,
    // 16 + 1 + 1 + 1, and the order decides how they round:
    // - sequential ((+0 ⊕ 16) ⊕ 1) ⊕ 1) ⊕ 1: 17 is a tie between 16 and 18, to the even 16,
    //   three times: 16;
    // - fma: fma(1, 1, 16) = 17 → 16 likewise: 16;
    // - pairwise (16 ⊕ 1) ⊕ (1 ⊕ 1) = 16 ⊕ 2 = 18, and blocked:2 ((16 ⊕ 1) then (1 ⊕ 1)): 18;
    // - wide:binary32: 19 exactly, rounded once to e4m3fn: a tie between 18 and 20, to the
    //   even 20.
    let f = fmt("e4m3fn");
    let w = ["16", "1", "1", "1"];
    let orders = [
        (Order::Sequential, "16"),
        (Order::Fma, "16"),
        (Order::Pairwise, "18"),
        (Order::Blocked(2), "18"),
        (Order::Blocked(3), "16"),
        (Order::Wide(fmt("binary32")), "20"),
    ];
    for (order, want) in orders {
        assert_eq!(column_sum(f, order, &w), v(&f, want), "{}", order.name());
    }
    // Where every partial sum is exact (1 + 2 + 4 + 8 = 15 = 1.111b × 2^3), theory says the
    // order cannot matter, and it does not.
    for (order, _) in orders {
        assert_eq!(column_sum(f, order, &["1", "2", "4", "8"]), v(&f, "15"), "{}", order.name());
    }
    // And the forward values of the six layers agree on all 256 encodings.
    let graphs: Vec<Graph> =
        orders.iter().map(|(order, _)| layer(f, *order, 4, 1, &w, &["0", "0", "0", "0"])).collect();
    let xs: Vec<u128> = (0..=f.mask()).collect();
    let first = fpnet::Interpreter::new(&graphs[0], Env::default()).eval_batch(&xs).expect("ok");
    // (Overflows give NaN, whose sign differs between an overflowing product, 0x7F, and an
    // overflowing conversion from binary32, 0xFF: any NaN matches any NaN here.)
    let same = |a: u128, b: u128| a == b || (f.unpack(a).is_nan() && f.unpack(b).is_nan());
    for g in &graphs[1..] {
        let other = fpnet::Interpreter::new(g, Env::default()).eval_batch(&xs).expect("ok");
        assert!(other.values.iter().zip(&first.values).all(|(a, b)| same(*a, *b)));
    }
}

#[test]
fn fma_order_keeps_what_the_rounded_product_loses() {
    // bf16 (p = 8), a 2 × 1 layer W = (1 + 2^-6, 1 + 2^-7)ᵀ, seed (-1, 1 + 2^-7).
    // Sequential: t_1 = -(1 + 2^-6) exactly; t_2 = (1 + 2^-7)² = 1 + 2^-6 + 2^-14 → 1 + 2^-6;
    // their sum is +0. fma: a_1 = -(1 + 2^-6), a_2 = fma(1 + 2^-7, 1 + 2^-7, a_1) = 2^-14
    // exactly.
    let f = fmt("bf16");
    let w = ["0x1.04p0", "0x1.02p0"];
    let phi = seed(&f, &["-1", "0x1.02p0"]);
    for (order, want) in [(Order::Sequential, "0"), (Order::Fma, "0x1p-14")] {
        let g = layer(f, order, 2, 1, &w, &["0", "0"]);
        let ad = Ad::new(&g, Env::default());
        let s = ad.gradient(&[v(&f, "1")], &phi, None).expect("valid");
        assert_eq!(s.input_gradient, vec![v(&f, want)], "{}", order.name());
    }
}

/// x → relu → y (one value), with a kink value.
fn relu_net(f: Format, kink: Option<&str>) -> Graph {
    let mut sigma = Sigma::new(Activation::Relu);
    if let Some(k) = kink {
        sigma.kink = v(&f, k);
    }
    sequential(f, 1, vec![Stage::Activation(sigma)]).expect("valid")
}

#[test]
fn kink_and_signed_zero_conventions() {
    let f = fmt("bf16");
    let zero = v(&f, "0");
    let neg_zero = f.zero(true);
    let minus_one = seed(&f, &["-1"]);
    // relu'(0) = +0 by default: -1 ⊗ +0 = -0, assigned to the input as it is.
    let g = relu_net(f, None);
    let ad = Ad::new(&g, Env::default());
    for x in [zero, neg_zero] {
        assert_eq!(ad.gradient(&[x], &minus_one, None).expect("ok").input_gradient, [neg_zero]);
    }
    // relu'(-2) = +0 too; relu'(2) = 1.
    assert_eq!(
        ad.gradient(&[v(&f, "-2")], &minus_one, None).expect("ok").input_gradient,
        [neg_zero]
    );
    assert_eq!(
        ad.gradient(&[v(&f, "2")], &minus_one, None).expect("ok").input_gradient,
        [v(&f, "-1")]
    );
    // A kink value of 0.5 is used at both zeros.
    let g = relu_net(f, Some("0.5"));
    let ad = Ad::new(&g, Env::default());
    for x in [zero, neg_zero] {
        let s = ad.gradient(&[x], &minus_one, None).expect("ok");
        assert_eq!(s.input_gradient, [v(&f, "-0.5")]);
    }
    // An infinite output gradient times relu'(-2) = +0 is NaN (inf ⊗ 0).
    let inf = seed(&f, &["inf"]);
    let g = relu_net(f, None);
    let ad = Ad::new(&g, Env::default());
    let s = ad.gradient(&[v(&f, "-2")], &inf, None).expect("ok");
    assert!(f.unpack(s.input_gradient[0]).is_nan());
}

#[test]
fn fan_out_is_summed_from_plus_zero_in_declaration_order() {
    // x feeds two relus whose sum is the output. With seed -1 at x = 0 each relu contributes
    // -1 ⊗ +0 = -0, and the two contributions are summed from +0: (+0 ⊕ -0) ⊕ -0 = +0, where
    // a single contribution keeps its -0 (see kink_and_signed_zero_conventions).
    let f = fmt("bf16");
    let mut b = GraphBuilder::new(f);
    let x = b.input("x", 1);
    let r1 = b.activation(x, Sigma::new(Activation::Relu));
    let r2 = b.activation(x, Sigma::new(Activation::Relu));
    let y = b.add(&[r1, r2]);
    let g = b.build(y).expect("valid");
    let ad = Ad::new(&g, Env::default());
    let s = ad.gradient(&[v(&f, "0")], &seed(&f, &["-1"]), None).expect("ok");
    assert_eq!(s.input_gradient, [v(&f, "0")]);
    // Order: consumers in declaration order. x feeds three layers, multiplying by 256, 1 and 1,
    // summed by one add node [h256, h1, h1b]. Declared in that order, x's contributions are
    // summed as ((+0 ⊕ 256) ⊕ 1) ⊕ 1 = 256 in bf16 (each 257 a tie to the even 256); declared
    // with the 256 layer last (the add node unchanged, so the values are the same), as
    // ((+0 ⊕ 1) ⊕ 1) ⊕ 256 = 258.
    let build = |w256_first: bool| -> (Graph, NodeId) {
        let mut b = GraphBuilder::new(f);
        let x = b.input("x", 1);
        let map = |w: &str| AffineMap::new(1, 1, vs(&f, &[w]), vs(&f, &["0"]));
        let (h256, h1, h1b) = if w256_first {
            let h256 = b.affine(x, map("256"));
            (h256, b.affine(x, map("1")), b.affine(x, map("1")))
        } else {
            let h1 = b.affine(x, map("1"));
            let h1b = b.affine(x, map("1"));
            (b.affine(x, map("256")), h1, h1b)
        };
        let y = b.add(&[h256, h1, h1b]);
        (b.build(y).expect("valid"), h1)
    };
    let sum = OutputGradient::Loss(Loss::Sum);
    let one = v(&f, "1");
    let (g1, _) = build(true);
    let (g2, _) = build(false);
    let (ad1, ad2) = (Ad::new(&g1, Env::default()), Ad::new(&g2, Env::default()));
    let (s1, s2) = (
        ad1.gradient(&[one], &sum, None).expect("ok"),
        ad2.gradient(&[one], &sum, None).expect("ok"),
    );
    assert_eq!(s1.output, s2.output);
    assert_eq!(s1.input_gradient, [v(&f, "256")]);
    assert_eq!(s2.input_gradient, [v(&f, "258")]);
    // A node listed twice by one consumer receives two contributions: add [h, h] gives
    // h the gradient 1 ⊕ 1 = 2.
    let mut b = GraphBuilder::new(f);
    let x = b.input("x", 1);
    let h = b.affine(x, AffineMap::new(1, 1, vs(&f, &["3"]), vs(&f, &["0"])));
    let y = b.add(&[h, h]);
    let g = b.build(y).expect("valid");
    let tape = Ad::new(&g, Env::default()).tape(&[one], &sum, None).expect("ok");
    assert_eq!(tape.entry(h).gradient.as_deref(), Some(&[v(&f, "2")][..]));
    assert_eq!(tape.entry(x).gradient.as_deref(), Some(&[v(&f, "6")][..]));
}

#[test]
fn dead_nodes_have_no_gradient_and_zero_parameter_gradients() {
    // Two inputs; the output is the layer on x0, declared before a layer on x1 that nothing
    // reads: x1's gradient is +0 (an empty sum), and the later layer's parameters get +0.
    let f = fmt("binary32");
    let mut b = GraphBuilder::new(f);
    let x0 = b.input("x0", 1);
    let x1 = b.input("x1", 1);
    let y = b.affine(x0, AffineMap::new(1, 1, vs(&f, &["-3"]), vs(&f, &["0"])));
    let dead = b.affine(x1, AffineMap::new(1, 1, vs(&f, &["5"]), vs(&f, &["1"])));
    let g = b.build(y).expect("valid");
    let ad = Ad::new(&g, Env::default());
    let x = vs(&f, &["2", "-7"]);
    let (s, params) = ad.sample_params(&x, &OutputGradient::Loss(Loss::Sum), None).expect("ok");
    assert_eq!(s.input_gradient, vs(&f, &["-3", "0"]));
    let p = params.get(dead).expect("affine");
    assert_eq!((p.weights.as_slice(), p.bias.as_slice()), (&[0u128][..], &[0u128][..]));
    assert!(!ad.is_live(dead));
    let tape = ad.tape(&x, &OutputGradient::Loss(Loss::Sum), None).expect("ok");
    assert_eq!(tape.entry(dead).gradient, None);
}

#[test]
fn losses_follow_their_documented_sequences() {
    let f = fmt("bf16");
    let env = Env::default();
    // mse: 2 ⊗ (y ⊖ t): (3 - 1) → 4, (0.5 - 2) → -3.
    let mse = OutputGradient::Loss(Loss::Mse);
    let r = mse.eval(&env, &f, &vs(&f, &["3", "0.5"]), Some(&vs(&f, &["1", "2"]))).expect("ok");
    assert_eq!(r.value, vs(&f, &["4", "-3"]));
    // softmax-xent at y = (0, 0), t = (1, 0): e = (1, 1), S = 2, p = (0.5, 0.5), p - t.
    let xent = OutputGradient::Loss(Loss::SoftmaxXent);
    let r = xent.eval(&env, &f, &vs(&f, &["0", "0"]), Some(&vs(&f, &["1", "0"]))).expect("ok");
    assert_eq!(r.value, vs(&f, &["-0.5", "0.5"]));
    assert!(r.flags.is_empty());
    // Shifting y by its maximum first: y = (100, 100 + 0) gives the same as (0, 0).
    let r = xent.eval(&env, &f, &vs(&f, &["100", "100"]), Some(&vs(&f, &["1", "0"]))).expect("ok");
    assert_eq!(r.value, vs(&f, &["-0.5", "0.5"]));
    // y = (ln 2-ish, 0) in bf16: e_1 = exp(y_1 ⊖ y_1) = 1, e_2 = exp(0 ⊖ 0x1.62p-1) rounded,
    // every step one rounding; the result equals the step-by-step fpcore sequence.
    let y = vs(&f, &["0x1.62p-1", "0"]);
    let t = vs(&f, &["0", "1"]);
    let r = xent.eval(&env, &f, &y, Some(&t)).expect("ok");
    let e2 = fpcore::act::exp(&env, &f, fpcore::sub(&env, &f, y[1], y[0]).value).value;
    let sum = fpcore::add(&env, &f, fpcore::add(&env, &f, 0, v(&f, "1")).value, e2).value;
    let p1 = fpcore::div(&env, &f, v(&f, "1"), sum).value;
    let p2 = fpcore::div(&env, &f, e2, sum).value;
    let want = vec![p1, fpcore::sub(&env, &f, p2, v(&f, "1")).value];
    assert_eq!(r.value, want);
    // Errors: a missing target, a wrong length, a seed that does not fit.
    assert!(mse.eval(&env, &f, &vs(&f, &["1"]), None).is_err());
    assert!(mse.eval(&env, &f, &vs(&f, &["1"]), Some(&vs(&f, &["1", "2"]))).is_err());
    assert!(seed(&f, &["1", "2"]).check(&f, 3).is_err());
}

/// A bf16 network 2 → 3 → relu → 1.
fn small_net(f: Format) -> Graph {
    let w1 = vs(&f, &["0.5", "-1", "1.5", "0.25", "-0.75", "2"]);
    let w2 = vs(&f, &["1", "-0.5", "0.75"]);
    sequential(
        f,
        2,
        vec![
            Stage::Affine(AffineMap::new(3, 2, w1, vs(&f, &["0.125", "0", "-0.25"]))),
            Stage::Activation(Sigma::new(Activation::Relu)),
            Stage::Affine(AffineMap::new(1, 3, w2, vs(&f, &["0.5"]))),
        ],
    )
    .expect("valid")
}

#[test]
fn batch_sums_are_per_sample_gradients_added_in_sample_order() {
    let f = fmt("bf16");
    let g = small_net(f);
    let env = Env::default();
    let ad = Ad::new(&g, env);
    let xs = vs(&f, &["1", "2", "-0.5", "3", "0.25", "-7", "4", "4"]);
    let phi = OutputGradient::Loss(Loss::Mse);
    let targets = vs(&f, &["1", "-1", "0.5", "2"]);
    let mut sum = ParamGrads::zeros(&g);
    let batch = ad.batch(&xs, &phi, Some(&targets), Some(&mut sum), BatchOptions::default());
    let batch = batch.expect("valid");
    let mut by_hand = ParamGrads::zeros(&g);
    for k in 0..4 {
        let t = &targets[k..k + 1];
        let (s, p) = ad.sample_params(&xs[2 * k..2 * k + 2], &phi, Some(t)).expect("ok");
        assert_eq!(batch.input_gradient(k), s.input_gradient.as_slice());
        by_hand.add(&env, &p).expect("same shapes");
    }
    assert_eq!(sum.nodes, by_hand.nodes);
    assert_eq!(sum.samples, 4);
    // The mean divides each sum once by 4.
    let mean = sum.mean(&env).expect("4 is exact in bf16");
    let four = v(&f, "4");
    for (m, s) in mean.nodes.iter().flatten().zip(sum.nodes.iter().flatten()) {
        for (a, b) in m.weights.iter().zip(&s.weights) {
            assert_eq!(*a, fpcore::div(&env, &f, *b, four).value);
        }
    }
    // 17 samples have no exact e4m3fn value (p = 4): the mean is refused.
    let e = fmt("e4m3fn");
    let ge = small_net(e);
    let mut sum = ParamGrads::zeros(&ge);
    let xs: Vec<u128> = (0..34).map(|k| (k as u128 * 7) & 0x3F).collect();
    let ad = Ad::new(&ge, env);
    ad.batch(&xs, &OutputGradient::Loss(Loss::Sum), None, Some(&mut sum), BatchOptions::default())
        .expect("valid");
    assert!(sum.mean(&env).is_err());
    // Batch errors name what is wrong.
    let err =
        ad.batch(&xs[..3], &OutputGradient::Loss(Loss::Sum), None, None, BatchOptions::default());
    assert!(err.expect_err("3 values are not whole samples").to_string().contains("whole samples"));
}

#[test]
fn sgd_step_is_the_documented_update() {
    // y = w x + b in bf16 with w = 3, b = 1; x = 2 and the sum loss: dW = 1 ⊗ 2 = 2, db = 1.
    // With eta = 0.5: w' = 3 ⊖ (0.5 ⊗ 2) = 2, b' = 1 ⊖ (0.5 ⊗ 1) = 0.5.
    let f = fmt("bf16");
    let g = layer(f, Order::Sequential, 1, 1, &["3"], &["1"]);
    let env = Env::default();
    let ad = Ad::new(&g, env);
    let (_, grads) =
        ad.sample_params(&[v(&f, "2")], &OutputGradient::Loss(Loss::Sum), None).expect("ok");
    let (next, flags) = sgd_step(&env, &g, &grads, "0.5").expect("valid step");
    assert!(flags.is_empty());
    let fpnet::graph::Op::Affine(a) = &next.node(NodeId(1)).op else { panic!("affine") };
    assert_eq!((a.weights.as_slice(), a.bias.as_slice()), (&[v(&f, "2")][..], &[v(&f, "0.5")][..]));
    assert!(sgd_step(&env, &g, &grads, "fast").is_err());
}

/// Trains `small_net` in `format` for `steps` steps of SGD on a fixed data set (MSE, mean
/// over a batch of 4) and returns the final parameters as text.
fn train(format: &str, steps: usize, parallel: bool) -> String {
    let f = fmt(format);
    let env = Env::default();
    let mut g = small_net(f);
    let xs = vs(&f, &["1", "2", "-0.5", "3", "0.25", "-1", "2", "0.5"]);
    let targets = vs(&f, &["1", "-1", "0.5", "2"]);
    let phi = OutputGradient::Loss(Loss::Mse);
    for _ in 0..steps {
        let ad = Ad::new(&g, env);
        let mut sum = ParamGrads::zeros(&g);
        ad.batch(&xs, &phi, Some(&targets), Some(&mut sum), BatchOptions { parallel })
            .expect("valid batch");
        let mean = sum.mean(&env).expect("4 is exact");
        g = sgd_step(&env, &g, &mean, "0.125").expect("valid step").0;
    }
    fpnet::file::to_json(&g)
}

#[test]
fn short_training_runs_are_reproducible_to_the_bit() {
    for format in ["bf16", "e4m3fn"] {
        let serial = train(format, 25, false);
        let parallel = train(format, 25, true);
        assert_eq!(serial, parallel, "{format}");
        assert_golden!(format!("ad_sgd_{format}"), serial);
    }
}

#[test]
fn parameter_gradients_export_as_safetensors() {
    let f = fmt("bf16");
    let g = small_net(f);
    let ad = Ad::new(&g, Env::default());
    let mut sum = ParamGrads::zeros(&g);
    let xs = vs(&f, &["1", "2", "-0.5", "3"]);
    ad.batch(&xs, &OutputGradient::Loss(Loss::Sum), None, Some(&mut sum), BatchOptions::default())
        .expect("valid");
    let bytes = sum.to_safetensors(&g);
    assert_eq!(bytes, sum.to_safetensors(&g), "deterministic");
    let st = safetensors::SafeTensors::deserialize(&bytes).expect("a valid safetensors file");
    let mut names = st.names();
    names.sort();
    assert_eq!(names, ["layers[0].bias", "layers[0].weight", "layers[2].bias", "layers[2].weight"]);
    let w = st.tensor("layers[0].weight").expect("present");
    assert_eq!(w.dtype(), safetensors::Dtype::BF16);
    assert_eq!(w.shape(), [3, 2]);
    let p = sum.get(NodeId(1)).expect("affine");
    let want: Vec<u8> = p.weights.iter().flat_map(|&x| (x as u16).to_le_bytes()).collect();
    assert_eq!(w.data(), want.as_slice());
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).expect("header");
    let meta = meta.metadata().clone().expect("metadata");
    assert_eq!(meta.get("samples").map(String::as_str), Some("2"));
    assert_eq!(meta.get("format:layers[0].weight").map(String::as_str), Some("bfloat16"));
}

#[test]
fn verifier_counts_and_reports_the_first_mismatches() {
    let f = fmt("bf16");
    let g = small_net(f);
    let ad = Ad::new(&g, Env::default());
    let phi = OutputGradient::Loss(Loss::Sum);
    let xs = vs(&f, &["1", "2", "-0.5", "3", "0.25", "-1"]);
    let batch = ad.batch(&xs, &phi, None, None, BatchOptions::default()).expect("ok");
    let mut expected: Vec<Expected> = (0..3)
        .map(|k| Expected {
            value: batch.output(k).to_vec(),
            gradient: batch.input_gradient(k).to_vec(),
        })
        .collect();
    expected[1].gradient[1] ^= 1;
    expected[2].value[0] ^= 1;
    let mut verifier = Verifier::new(&ad, &phi, 1);
    verifier.check(&xs, &expected, None).expect("fits");
    let report = verifier.finish();
    assert_eq!((report.passed, report.failed), (1, 2));
    assert_eq!(report.to_string(), "1 passed, 2 failed");
    assert_eq!(report.mismatches.len(), 1);
    assert_eq!(report.mismatches[0].index, 1);
    assert_eq!(report.mismatches[0].fields, [Field::Gradient(1)]);
}

#[test]
fn every_float_in_a_range_in_increasing_order() {
    let f = fmt("e4m3fn");
    let all: Vec<u128> = fpad::verify::all_floats(&f).collect();
    assert_eq!(all.len(), 254);
    assert_eq!((all[0], all[126], all[127], all[253]), (0xFE, 0x80, 0x00, 0x7E));
    let some: Vec<u128> =
        fpad::verify::floats(&f, v(&f, "-0.5"), v(&f, "0.5")).expect("ok").collect();
    assert_eq!(some.first(), Some(&v(&f, "-0.5")));
    assert_eq!(some.last(), Some(&v(&f, "0.5")));
    assert_eq!(some.len(), 2 * (0x30 + 1));
    assert_eq!(fpad::verify::floats(&f, v(&f, "1"), v(&f, "-1")).expect("ok").count(), 0);
    assert!(fpad::verify::floats(&f, 0x7F, 0).is_err());
}

#[test]
fn the_tape_prints_every_node() {
    // examples/nets/tiny_bf16.json at x = (1, 2) with seed 3 (see tests/cli/net.rs for its
    // forward values): the tape is plain text, kept as a snapshot.
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/nets/tiny_bf16.json");
    let g = fpnet::file::load_file(&path, &fpnet::LoadOptions::default()).expect("valid").graph;
    let f = *g.format();
    let ad = Ad::new(&g, Env::default());
    let tape = ad.tape(&vs(&f, &["1", "2"]), &seed(&f, &["3"]), None).expect("valid");
    assert_golden!("ad_tape_tiny_bf16", tape.to_string());
}
