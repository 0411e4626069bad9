//! Property tests: fpcore against SoftFloat (results, NaN bits and flags, x86 NaN rules) and
//! APFloat on binary16, bfloat16, binary32, binary64 and binary128, with operands drawn by class
//! and constructed around the hard cases (ties, overflow and underflow thresholds,
//! cancellation, NaN and infinity operands).

use fpcore::Format;
use fpref::{ApFloat, Backend, Op, SoftFloat};
use proptest::prelude::*;

use crate::support::backend::{envs, x86, Tally};
use crate::support::{edge_values, fmt};

const FORMATS: [&str; 5] = ["binary16", "bf16", "binary32", "binary64", "binary128"];

/// An encoding drawn by class: sign, an exponent code biased to the ends and the middle of
/// the range, and a fraction biased to 0, 1, all ones, the half pattern, or random.
fn operand(f: Format) -> impl Strategy<Value = u128> {
    let code_max = (1u128 << f.exp_bits()) - 1;
    let bias = f.bias() as u128;
    let frac_mask = (1u128 << f.frac_bits()) - 1;
    let code = prop_oneof![
        3 => Just(0u128),
        2 => 1u128..4,
        2 => (code_max - 3)..code_max,
        1 => Just(code_max),
        2 => (bias - 3)..(bias + 3),
        6 => 0..=code_max,
    ];
    let frac = prop_oneof![
        1 => Just(0u128),
        1 => Just(frac_mask),
        1 => Just(1u128),
        1 => Just(1u128 << (f.frac_bits() - 1)),
        1 => (0u128..8).prop_map(move |k| (1u128 << (f.frac_bits() - 1)) | k),
        1 => (0u128..8).prop_map(move |k| frac_mask - k),
        6 => any::<u128>().prop_map(move |v| v & frac_mask),
    ];
    (any::<bool>(), code, frac)
        .prop_map(move |(s, c, fr)| (u128::from(s) << (f.bits() - 1)) | (c << f.frac_bits()) | fr)
}

/// Pairs for addition whose smaller operand sits around half an ulp of the larger: ties,
/// near-ties and cancellation.
fn add_pair(f: Format) -> impl Strategy<Value = (u128, u128)> {
    let p = f.p() as u128;
    let code_max = (1u128 << f.exp_bits()) - 2;
    let frac_mask = (1u128 << f.frac_bits()) - 1;
    (
        any::<bool>(),
        any::<bool>(),
        1..=code_max,
        any::<u128>(),
        0u128..(p + 3),
        any::<u128>(),
        0u8..4,
    )
        .prop_map(move |(sa, sb, ca, fa, gap, fb, kind)| {
            let cb = ca.saturating_sub(gap);
            let fb = match kind {
                0 => 0,
                1 => fb & 7,
                2 => frac_mask,
                _ => fb & frac_mask,
            };
            let sign = |s: bool| u128::from(s) << (f.bits() - 1);
            let a = sign(sa) | (ca << f.frac_bits()) | (fa & frac_mask);
            let b = sign(sb) | (cb << f.frac_bits()) | fb;
            (a, b)
        })
}

/// Pairs for mul/div whose result lands near the underflow or the overflow threshold.
fn extreme_pair(f: Format, div: bool) -> impl Strategy<Value = (u128, u128)> {
    let code_max = (1u128 << f.exp_bits()) - 2;
    let bias = f.bias() as i128;
    let frac_mask = (1u128 << f.frac_bits()) - 1;
    let p = f.p() as i128;
    (
        any::<bool>(),
        any::<bool>(),
        1..=code_max,
        any::<u128>(),
        any::<u128>(),
        -p - 3..4i128,
        any::<bool>(),
    )
        .prop_map(move |(sa, sb, ca, fa, fb, off, high)| {
            // Target result code: near 1 (underflow) or near code_max (overflow).
            let target = if high { code_max as i128 + off.clamp(-3, 2) } else { 1 + off };
            // For mul: ca + cb - bias = target; for div: ca - cb + bias = target.
            let cb = if div { ca as i128 + bias - target } else { target + bias - ca as i128 };
            let cb = cb.clamp(0, code_max as i128 + 1) as u128;
            let sign = |s: bool| u128::from(s) << (f.bits() - 1);
            (
                sign(sa) | (ca << f.frac_bits()) | (fa & frac_mask),
                sign(sb) | (cb << f.frac_bits()) | (fb & frac_mask),
            )
        })
}

fn check_all(backend: &dyn Backend, f: &Format, op: &Op, operands: &[u128], nan_x86: bool) {
    for env in envs() {
        let env = if nan_x86 { x86(env) } else { env };
        let b: &dyn Backend =
            if backend.name() == "softfloat" { &SoftFloat::new(env.tininess) } else { backend };
        let mut tally = Tally::default();
        let _ = tally.check(b, &env, f, op, operands);
        assert_eq!(
            tally.cases,
            u64::from(b.supports(f, op)),
            "{} must compare what it supports",
            b.name()
        );
        tally.assert_clean(&format!("{} {f} {op:?}", b.name()));
    }
}

fn check_both(f: &Format, op: &Op, operands: &[u128]) {
    check_all(&SoftFloat::default(), f, op, operands, true);
    check_all(&ApFloat, f, op, operands, false);
}

fn one(f: &Format) -> u128 {
    fpcore::from_u64(&fpcore::Env::default(), f, 1).value
}

fn with_format<S: Strategy>(
    make: impl Fn(Format) -> S + Clone + 'static,
) -> impl Strategy<Value = (Format, S::Value)> {
    (0usize..FORMATS.len()).prop_flat_map(move |i| {
        let f = fmt(FORMATS[i]);
        (Just(f), make(f))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn binary_ops_match_backends((f, (a, b, c)) in with_format(|f| (operand(f), operand(f), operand(f)))) {
        for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
            check_both(&f, &op, &[a, b]);
        }
        check_both(&f, &Op::Fma, &[a, b, c]);
        check_all(&SoftFloat::default(), &f, &Op::Sqrt, &[a], true);
    }

    #[test]
    fn additions_around_ties_match_backends((f, (a, b)) in with_format(add_pair)) {
        check_both(&f, &Op::Add, &[a, b]);
        check_both(&f, &Op::Sub, &[a, b]);
        check_both(&f, &Op::Fma, &[a, one(&f), b]);
    }

    #[test]
    fn products_and_quotients_near_thresholds_match_backends(
        (f, ((a, b), (c, d))) in with_format(|f| (extreme_pair(f, false), extreme_pair(f, true)))
    ) {
        check_both(&f, &Op::Mul, &[a, b]);
        check_both(&f, &Op::Div, &[c, d]);
        check_both(&f, &Op::Fma, &[a, b, d]);
    }

    #[test]
    fn conversions_match_backends((f, (di, a)) in with_format(|f| (0usize..FORMATS.len(), operand(f)))) {
        check_both(&f, &Op::Cvt(fmt(FORMATS[di])), &[a]);
    }
}

/// binary16 is small enough to cover completely for the unary operations.
#[test]
fn binary16_sqrt_and_conversions_exhaustive_vs_softfloat() {
    let f16 = fmt("binary16");
    for env in envs() {
        let env = x86(env);
        let sf = SoftFloat::new(env.tininess);
        let mut tally = Tally::default();
        for a in 0..(1u128 << 16) {
            let _ = tally.check(&sf, &env, &f16, &Op::Sqrt, &[a]);
            for dst in ["binary32", "binary64", "binary128", "bf16"] {
                let _ = tally.check(&sf, &env, &f16, &Op::Cvt(fmt(dst)), &[a]);
            }
        }
        tally.assert_clean("binary16 unary");
        assert!(tally.cases >= 5 * 65536 - 65536, "softfloat covered {} cases", tally.cases);
    }
}

/// The special values of a format: ±0, ±smallest and ±largest subnormal, ±smallest normal,
/// ±1 and its neighbours, ±largest finite, ±infinity, quiet and signaling NaNs of both signs.
fn specials(f: &Format) -> Vec<u128> {
    edge_values(f, 5, 3)
}

/// Every operation over the cross product of special values (triples for fma), against
/// SoftFloat bit for bit (x86 NaN rule) with flags, and against APFloat.
#[test]
fn special_value_cross_product_matches_backends() {
    for name in FORMATS {
        let f = fmt(name);
        let values = specials(&f);
        for a in &values {
            check_all(&SoftFloat::default(), &f, &Op::Sqrt, &[*a], true);
            for b in &values {
                for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
                    check_both(&f, &op, &[*a, *b]);
                }
                for c in &values {
                    check_both(&f, &Op::Fma, &[*a, *b, *c]);
                }
            }
            for dst in FORMATS {
                check_both(&f, &Op::Cvt(fmt(dst)), &[*a]);
            }
        }
    }
}

/// Square roots of every encoding of the ≤ 8-bit formats APFloat has, checked without fpcore:
/// SoftFloat's binary32 square root of the exactly widened value, narrowed by APFloat. The
/// double rounding is innocuous (24 >= 2p + 2 for p <= 11), so this is the correctly rounded
/// result; its inexact flag is the OR of both steps'.
#[test]
fn small_format_sqrt_exhaustive_vs_softfloat_then_apfloat() {
    let f32 = fmt("binary32");
    let sf = SoftFloat::default();
    for small in fpref::apfloat::FORMATS.iter().map(|f| f.format()).filter(|f| f.bits() <= 8) {
        let env = fpcore::Env::default();
        for a in 0..(1u128 << small.bits()) {
            let (wide, wide_flags) =
                ApFloat.eval(&small, &Op::Cvt(f32), &[a]).expect("apfloat widens to binary32");
            assert!(wide_flags.is_empty() || small.unpack(a).is_snan(), "widening is exact");
            let (root, root_flags) = sf.eval(&f32, &Op::Sqrt, &[wide]).expect("softfloat sqrt");
            let (narrow, narrow_flags) =
                ApFloat.eval(&f32, &Op::Cvt(small), &[root]).expect("apfloat narrows");
            let ours = fpcore::sqrt(&env, &small, a);
            let expected_nan = small.unpack(narrow).is_nan();
            if expected_nan {
                assert!(small.unpack(ours.value).is_nan(), "{small} sqrt {a:#x}: NaN expected");
            } else {
                assert_eq!(ours.value, narrow, "{small} sqrt {a:#x}");
                let inexact = root_flags.union(narrow_flags).contains(fpcore::Flags::INEXACT);
                assert_eq!(
                    ours.flags.contains(fpcore::Flags::INEXACT),
                    inexact,
                    "{small} sqrt {a:#x}"
                );
            }
        }
    }
}
