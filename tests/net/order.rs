//! Evaluation order is semantics (docs/semantics.md §4): cases where the sequential, pairwise, blocked,
//! fma and wide orders give different bits, each checked against a hand derivation and against
//! the same order evaluated step by step with APFloat's scalar operations.

use fpcore::{Env, Format};
use fpnet::builders::{sequential, AffineMap, Stage};
use fpnet::{Interpreter, Order};
use fpref::{ApFloat, Backend, Op};

use crate::support::{fmt, v, vs};

/// fpnet's output of a one-row layer `w ⊗ x ⊕ b` in `order`.
fn fpnet_row(f: &Format, order: Order, w: &[u128], x: &[u128], b: u128) -> u128 {
    let map = AffineMap { rows: 1, cols: w.len(), weights: w.to_vec(), bias: vec![b], order };
    let g = sequential(*f, w.len(), vec![Stage::Affine(map)]).expect("valid layer");
    let out = Interpreter::new(&g, Env::default()).eval(x).expect("valid input");
    out.values[0]
}

/// One APFloat operation (NaNs are not involved in these cases).
fn ap(f: &Format, op: Op, operands: &[u128]) -> u128 {
    ApFloat.eval(f, &op, operands).expect("APFloat supports the format").0
}

/// The orders written out with APFloat scalar operations, from their documented definitions.
fn apfloat_row(f: &Format, order: Order, w: &[u128], x: &[u128], b: u128) -> u128 {
    let zero = f.zero(false);
    let seq = |f: &Format, w: &[u128], x: &[u128]| {
        let mut acc = zero;
        for (wj, xj) in w.iter().zip(x) {
            let t = ap(f, Op::Mul, &[*wj, *xj]);
            acc = ap(f, Op::Add, &[acc, t]);
        }
        acc
    };
    match order {
        Order::Sequential => ap(f, Op::Add, &[seq(f, w, x), b]),
        Order::Fma => {
            let mut acc = zero;
            for (wj, xj) in w.iter().zip(x) {
                acc = ap(f, Op::Fma, &[*wj, *xj, acc]);
            }
            ap(f, Op::Add, &[acc, b])
        }
        Order::Pairwise => {
            // The recursive form: split off the largest power of two below n on the left.
            fn tree(f: &Format, t: &[u128]) -> u128 {
                if t.len() == 1 {
                    return t[0];
                }
                let mut m = 1;
                while m * 2 < t.len() {
                    m *= 2;
                }
                ap(f, Op::Add, &[tree(f, &t[..m]), tree(f, &t[m..])])
            }
            let t: Vec<u128> = w.iter().zip(x).map(|(a, c)| ap(f, Op::Mul, &[*a, *c])).collect();
            ap(f, Op::Add, &[tree(f, &t), b])
        }
        Order::Blocked(k) => {
            let mut total = zero;
            for (wb, xb) in w.chunks(k).zip(x.chunks(k)) {
                total = ap(f, Op::Add, &[total, seq(f, wb, xb)]);
            }
            ap(f, Op::Add, &[total, b])
        }
        Order::Wide(g) => {
            let cvt = |a: u128| ap(f, Op::Cvt(g), &[a]);
            let wg: Vec<u128> = w.iter().map(|a| cvt(*a)).collect();
            let xg: Vec<u128> = x.iter().map(|a| cvt(*a)).collect();
            let acc = ap(&g, Op::Add, &[seq(&g, &wg, &xg), cvt(b)]);
            ap(&g, Op::Cvt(*f), &[acc])
        }
    }
}

/// Checks every (order, expected) pair against fpnet and APFloat.
fn check(f: &Format, w: &[u128], x: &[u128], b: u128, expected: &[(Order, &str)]) {
    for (order, want) in expected {
        let want = v(f, want);
        let got = fpnet_row(f, *order, w, x, b);
        assert_eq!(
            got,
            want,
            "{} in {f}: fpnet gave {}, the hand derivation {}",
            order.name(),
            fpcore::text::format_hexfloat(f, got),
            fpcore::text::format_hexfloat(f, want)
        );
        assert_eq!(apfloat_row(f, *order, w, x, b), want, "{} in {f}: APFloat", order.name());
    }
}

#[test]
fn grouping_changes_a_bf16_sum_of_exact_products() {
    // bf16 has p = 8, so the spacing at 256 is 2 and 256 + 1 is a tie, rounded to even (256).
    // Products are exact (weights 1). Terms t = 256, 1, 1, 1; bias +0.
    // - sequential: ((((+0 ⊕ 256) ⊕ 1) ⊕ 1) ⊕ 1) = 256: every step is the tie 257 -> 256.
    // - fma: the same sums with exact products: 256.
    // - pairwise: ((256 ⊕ 1) ⊕ (1 ⊕ 1)) = 256 ⊕ 2 = 258.
    // - blocked:2: S = (256 ⊕ 1), (1 ⊕ 1) = 256, 2; (+0 ⊕ 256) ⊕ 2 = 258.
    // - blocked:3: S = 256, 1; 256 ⊕ 1 = 256.
    // - wide:binary32: 259 exactly, a tie between 258 (odd significand 129) and 260 -> 260.
    let f = fmt("bf16");
    let w = vs(&f, &["1", "1", "1", "1"]);
    let x = vs(&f, &["256", "1", "1", "1"]);
    check(
        &f,
        &w,
        &x,
        f.zero(false),
        &[
            (Order::Sequential, "256"),
            (Order::Fma, "256"),
            (Order::Pairwise, "258"),
            (Order::Blocked(2), "258"),
            (Order::Blocked(3), "256"),
            (Order::Blocked(1), "256"),
            (Order::Wide(fmt("binary32")), "260"),
        ],
    );
}

#[test]
fn fusing_keeps_the_low_bits_of_a_product() {
    // a = 1 + 2^-7 (0x1.02p+0); a·a = 1 + 2^-6 + 2^-14, which bf16 rounds to 1 + 2^-6.
    // Terms: -1 · (1 + 2^-6), then a · a; bias +0.
    // - sequential: -(1 + 2^-6) ⊕ (1 + 2^-6) = +0 (exact cancellation), ⊕ +0 = +0.
    // - pairwise (n = 2): the same sum: +0.
    // - fma: acc = fma(-1, 1 + 2^-6, +0) = -(1 + 2^-6); fma(a, a, acc) = 2^-14 exactly.
    // - wide:binary32: a·a is exact in binary32, so the sum is 2^-14, exact in bf16.
    let f = fmt("bf16");
    let w = vs(&f, &["-1", "0x1.02p+0"]);
    let x = vs(&f, &["0x1.04p+0", "0x1.02p+0"]);
    check(
        &f,
        &w,
        &x,
        f.zero(false),
        &[
            (Order::Sequential, "0"),
            (Order::Pairwise, "0"),
            (Order::Fma, "0x1p-14"),
            (Order::Wide(fmt("binary32")), "0x1p-14"),
        ],
    );
}

#[test]
fn accumulating_wide_avoids_repeated_ties() {
    // Terms 1, 2^-8, 2^-8 (weights 1). In bf16 each 1 ⊕ 2^-8 is a tie between 1 and 1 + 2^-7,
    // rounded to even (1): sequential, fma and pairwise give 1. In binary32 the sum is
    // 1 + 2^-7 exactly, which bf16 holds: wide gives 0x1.02p+0.
    let f = fmt("bf16");
    let w = vs(&f, &["1", "1", "1"]);
    let x = vs(&f, &["1", "0x1p-8", "0x1p-8"]);
    check(
        &f,
        &w,
        &x,
        f.zero(false),
        &[
            (Order::Sequential, "1"),
            (Order::Fma, "1"),
            (Order::Pairwise, "1"),
            (Order::Wide(fmt("binary32")), "0x1.02p+0"),
        ],
    );
    // The order of the terms matters too: 2^-8, 2^-8, 1 sums to 2^-7 first, then 1 + 2^-7.
    let x = vs(&f, &["0x1p-8", "0x1p-8", "1"]);
    check(&f, &w, &x, f.zero(false), &[(Order::Sequential, "0x1.02p+0")]);
}

#[test]
fn e4m3fn_overflow_in_the_sum_is_avoided_by_binary32_accumulation() {
    // e4m3fn has no infinities; its largest value is 448 and 896 overflows to NaN.
    // Terms 448, 448, -448: sequentially 448 ⊕ 448 = NaN, and NaN stays. In binary32 the sum
    // is 448, which e4m3fn holds.
    let f = fmt("e4m3fn");
    let w = vs(&f, &["1", "1", "-1"]);
    let x = vs(&f, &["448", "448", "448"]);
    let nan = f.canonical_nan().expect("e4m3fn has a NaN");
    assert_eq!(fpnet_row(&f, Order::Sequential, &w, &x, f.zero(false)), nan);
    assert_eq!(fpnet_row(&f, Order::Pairwise, &w, &x, f.zero(false)), nan);
    check(&f, &w, &x, f.zero(false), &[(Order::Wide(fmt("binary32")), "448")]);
}

#[test]
fn the_bias_is_added_last() {
    // Terms 1 and -1 cancel to +0; adding a bias 2^-133 (a bf16 subnormal) last gives exactly
    // the bias. Adding it first would give (2^-133 ⊕ 1) = 1, then 1 ⊕ -1 = +0.
    let f = fmt("bf16");
    let w = vs(&f, &["1", "-1"]);
    let x = vs(&f, &["1", "1"]);
    let b = v(&f, "0x1p-133");
    check(&f, &w, &x, b, &[(Order::Sequential, "0x1p-133"), (Order::Fma, "0x1p-133")]);
}

#[test]
fn signed_zeros_follow_each_order() {
    // A single product -0 (1 · -0) with bias -0: the sequential sum starts from +0, so
    // (+0 ⊕ -0) ⊕ -0 = +0; the pairwise tree of one term is the term itself: -0 ⊕ -0 = -0.
    let f = fmt("bf16");
    let w = vs(&f, &["1"]);
    let x = vs(&f, &["-0"]);
    let b = f.zero(true);
    check(
        &f,
        &w,
        &x,
        b,
        &[
            (Order::Sequential, "0"),
            (Order::Fma, "0"),
            (Order::Blocked(1), "0"),
            (Order::Pairwise, "-0"),
        ],
    );
}

#[test]
fn pairwise_tree_for_five_and_seven_terms() {
    // n = 5: (((t1 ⊕ t2) ⊕ (t3 ⊕ t4)) ⊕ t5). With t = 256, 1, 1, 1, 1:
    // (256 ⊕ 1) = 256 (tie to even), (1 ⊕ 1) = 2, 256 ⊕ 2 = 258, 258 ⊕ 1 = 259, a tie between
    // 258 (significand 129, odd) and 260 (130, even): 260. Sequentially every step is the tie
    // 257 -> 256.
    let f = fmt("bf16");
    let w = vs(&f, &["1"; 5]);
    let x = vs(&f, &["256", "1", "1", "1", "1"]);
    check(&f, &w, &x, f.zero(false), &[(Order::Pairwise, "260"), (Order::Sequential, "256")]);
    // n = 7: ((t1 ⊕ t2) ⊕ (t3 ⊕ t4)) ⊕ ((t5 ⊕ t6) ⊕ t7). With t = 256, 1, 1, 1, 1, 1, 1:
    // (256 ⊕ 1) ⊕ (1 ⊕ 1) = 258 and (1 ⊕ 1) ⊕ 1 = 3; 258 ⊕ 3 = 261, a tie between 260 (even)
    // and 262: 260. Sequentially: 256.
    let w = vs(&f, &["1"; 7]);
    let x = vs(&f, &["256", "1", "1", "1", "1", "1", "1"]);
    check(&f, &w, &x, f.zero(false), &[(Order::Pairwise, "260"), (Order::Sequential, "256")]);
}

#[test]
fn an_fma_chain_can_reach_minus_zero() {
    // fma(-2^-100, 2^-40, +0) = round(-2^-140) = -0 in bf16 (below half the smallest subnormal
    // 2^-133). Alone: -0 ⊕ -0 (bias) = -0. Followed by the term 1 · +0: fma(1, +0, -0) = +0,
    // then +0 ⊕ -0 = +0. Sequentially the product rounds to -0 and +0 ⊕ -0 = +0 either way.
    let f = fmt("bf16");
    let b = f.zero(true);
    let w = vs(&f, &["-0x1p-100"]);
    let x = vs(&f, &["0x1p-40"]);
    check(&f, &w, &x, b, &[(Order::Fma, "-0"), (Order::Sequential, "0")]);
    let w = vs(&f, &["-0x1p-100", "1"]);
    let x = vs(&f, &["0x1p-40", "0"]);
    check(&f, &w, &x, b, &[(Order::Fma, "0"), (Order::Sequential, "0")]);
}
