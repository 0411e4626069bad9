//! The modelled environments of docs/semantics.md §7 (denormals are zero, flush to zero,
//! compute in a wider format, sat-finite) against their definitions, built here from the
//! reference path's IEEE operations: exhaustive on the small formats, sampled on binary16,
//! bfloat16 and binary32. Tininess is decided independently of the rounding routine's flags:
//! from the operation computed in binary128 (before rounding) or in the same precision with an
//! exponent range 200 binades wider below (after rounding).

mod common;

use common::{Draw, SplitMix};
use fpcore::act::{ActOp, Activation};
use fpcore::{
    compare, convert, reference, Class, Env, Flags, Format, NanPolicy, Ordering, OverflowPolicy,
    Rounded, Tininess,
};

/// An operation of the reference path: name, arity, evaluation.
type RefOp = (&'static str, usize, fn(&Env, &Format, &[u128]) -> Rounded<u128>);

const OPS: [RefOp; 6] = [
    ("add", 2, |e, f, x| reference::add(e, f, x[0], x[1])),
    ("sub", 2, |e, f, x| reference::sub(e, f, x[0], x[1])),
    ("mul", 2, |e, f, x| reference::mul(e, f, x[0], x[1])),
    ("div", 2, |e, f, x| reference::div(e, f, x[0], x[1])),
    ("sqrt", 1, |e, f, x| reference::sqrt(e, f, x[0])),
    ("fma", 3, |e, f, x| reference::fma(e, f, x[0], x[1], x[2])),
];

/// The same operations through the crate's entry points (fast paths and models).
fn entry(name: &str, env: &Env, fmt: &Format, x: &[u128]) -> Rounded<u128> {
    match name {
        "add" => fpcore::add(env, fmt, x[0], x[1]),
        "sub" => fpcore::sub(env, fmt, x[0], x[1]),
        "mul" => fpcore::mul(env, fmt, x[0], x[1]),
        "div" => fpcore::div(env, fmt, x[0], x[1]),
        "sqrt" => fpcore::sqrt(env, fmt, x[0]),
        "fma" => fpcore::fma(env, fmt, x[0], x[1], x[2]),
        _ => unreachable!("the names of OPS"),
    }
}

/// The environment's IEEE options alone, spelled out (not through the code under test).
fn plain(env: &Env) -> Env {
    Env { tininess: env.tininess, nan: env.nan, overflow: env.overflow, ..Env::default() }
}

/// The positive smallest normal of `fmt` (exponent code 1, fraction 0) in `wide`.
fn min_normal_in(fmt: &Format, wide: &Format) -> u128 {
    convert(&Env::default(), fmt, wide, 1u128 << fmt.frac_bits()).value
}

/// Whether `value` (an encoding of `wide`) is finite, nonzero and below `fmt`'s smallest normal
/// magnitude.
fn below_min_normal(fmt: &Format, wide: &Format, value: u128) -> bool {
    let class = wide.classify(value);
    if matches!(class, Class::PositiveZero | Class::NegativeZero) {
        return false;
    }
    let abs = fpcore::abs(wide, value);
    compare(wide, abs, min_normal_in(fmt, wide)).value == Ordering::Less
}

/// Whether the exact `a * b + c` (encodings of `fmt`) is nonzero and below `fmt`'s smallest
/// normal magnitude m: binary128 cannot hold every such sum, but it gets the sign of
/// `a * b + (c - m)` and `a * b + (c + m)` right (a correctly rounded value keeps the exact
/// value's sign), and c ± m are exact in it.
fn fma_tiny_before(fmt: &Format, xs: &[u128]) -> bool {
    let wide = Format::BINARY128;
    let env = Env::default();
    let [a, b, c] = [xs[0], xs[1], xs[2]].map(|x| convert(&env, fmt, &wide, x).value);
    let m = min_normal_in(fmt, &wide);
    let sign = |addend: u128| {
        let r = reference::fma(&env, &wide, a, b, addend).value;
        compare(&wide, r, 0).value
    };
    let below = sign(reference::sub(&env, &wide, c, m).value) == Ordering::Less;
    let above = sign(reference::add(&env, &wide, c, m).value) == Ordering::Greater;
    let exact = reference::fma(&env, &wide, a, b, c).value;
    below && above && compare(&wide, exact, 0).value != Ordering::Equal
}

/// Whether `op` on `xs` (encodings of `fmt`) is tiny in `fmt` under `tininess`.
fn is_tiny(tininess: Tininess, fmt: &Format, op: &RefOp, xs: &[u128]) -> bool {
    if op.0 == "fma" && tininess == Tininess::BeforeRounding {
        return fma_tiny_before(fmt, xs);
    }
    let wide = match tininess {
        Tininess::BeforeRounding => Format::BINARY128,
        Tininess::AfterRounding => {
            Format::new(fmt.p(), fmt.emin() - 200, fmt.emax().max(fmt.emin() - 199))
                .expect("a valid wide-range format")
        }
    };
    let env = Env::default();
    let wide_xs: Vec<u128> = xs.iter().map(|&x| convert(&env, fmt, &wide, x).value).collect();
    let r = (op.2)(&env, &wide, &wide_xs);
    !matches!(wide.classify(r.value), Class::SignalingNan | Class::QuietNan)
        && below_min_normal(fmt, &wide, r.value)
}

/// Denormals are zero, from the operand's class.
fn daz_operand(fmt: &Format, x: u128) -> u128 {
    match fmt.classify(x) {
        Class::PositiveSubnormal => fmt.zero(false),
        Class::NegativeSubnormal => fmt.zero(true),
        _ => x,
    }
}

/// The definition of `op` under `env`'s daz and ftz (no via), on the reference path.
fn expected_flush(env: &Env, fmt: &Format, op: &RefOp, xs: &[u128]) -> Rounded<u128> {
    let xs: Vec<u128> = xs.iter().map(|&x| if env.daz { daz_operand(fmt, x) } else { x }).collect();
    let r = (op.2)(&plain(env), fmt, &xs);
    // A NaN result is not tiny, though the exact value may be (a negative difference in an
    // unsigned format).
    let nan = matches!(fmt.classify(r.value), Class::SignalingNan | Class::QuietNan);
    if env.ftz && !nan && is_tiny(env.tininess, fmt, op, &xs) {
        let negative = matches!(
            fmt.classify(r.value),
            Class::NegativeSubnormal | Class::NegativeNormal | Class::NegativeZero
        );
        return Rounded::new(fmt.zero(negative), r.flags | Flags::UNDERFLOW | Flags::INEXACT);
    }
    r
}

/// The definition of `op` under `env` with `via`: operands converted, the flushing
/// definition in the wider format, the result converted back; every step's flags.
fn expected(env: &Env, fmt: &Format, op: &RefOp, xs: &[u128]) -> Rounded<u128> {
    let Some(w) = env.via else { return expected_flush(env, fmt, op, xs) };
    let ieee = plain(env);
    let mut flags = Flags::NONE;
    let mut ws = Vec::new();
    for &x in xs {
        let r = convert(&ieee, fmt, &w, x);
        flags |= r.flags;
        ws.push(r.value);
    }
    let r = expected_flush(&Env { via: None, ..*env }, &w, op, &ws);
    flags |= r.flags;
    let back = convert(&ieee, &w, fmt, r.value);
    Rounded::new(back.value, flags | back.flags)
}

fn flush_envs() -> Vec<Env> {
    let mut envs = Vec::new();
    for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
        for (daz, ftz) in [(true, false), (false, true), (true, true)] {
            envs.push(Env { tininess, daz, ftz, ..Env::default() });
        }
    }
    envs.push(Env { daz: true, ftz: true, nan: NanPolicy::X86Sse, ..Env::default() });
    envs
}

/// Checks every operation on every operand tuple `cases` yields.
fn check(env: &Env, fmt: &Format, cases: &mut dyn FnMut(usize) -> Vec<Vec<u128>>) {
    for op in &OPS {
        let mut mismatches = Vec::new();
        let mut count = 0;
        for xs in cases(op.1) {
            count += 1;
            let want = expected(env, fmt, op, &xs);
            let got = entry(op.0, env, fmt, &xs);
            let twin = (op.2)(env, fmt, &xs);
            if got != want || twin != want {
                mismatches.push(format!(
                    "{xs:x?}: got {:#x} [{}], reference twin {:#x} [{}], want {:#x} [{}]",
                    got.value, got.flags, twin.value, twin.flags, want.value, want.flags
                ));
            }
        }
        assert!(count > 0, "no case generated");
        assert!(
            mismatches.is_empty(),
            "{} {fmt} {env:?}: {} of {count} differ, first: {:?}",
            op.0,
            mismatches.len(),
            &mismatches[..mismatches.len().min(4)]
        );
    }
}

fn exhaustive(fmt: Format) -> impl FnMut(usize) -> Vec<Vec<u128>> {
    move |arity| {
        let n = 1u128 << fmt.bits();
        match arity {
            1 => (0..n).map(|a| vec![a]).collect(),
            2 => (0..n).flat_map(|a| (0..n).map(move |b| vec![a, b])).collect(),
            // fma: every pair of factors, with an addend that runs through every encoding
            // (a different one for each pair).
            _ => {
                (0..n).flat_map(|a| (0..n).map(move |b| vec![a, b, (a * 7 + b * 13) % n])).collect()
            }
        }
    }
}

fn sampled(fmt: Format, seed: u64, count: usize) -> impl FnMut(usize) -> Vec<Vec<u128>> {
    let mut rng = SplitMix::new(seed);
    move |arity| {
        (0..count).map(|_| (0..arity).map(|_| rng.pattern(&fmt)).collect::<Vec<_>>()).collect()
    }
}

const SMALL: [Format; 6] = [
    Format::E5M2,
    Format::E4M3FN,
    Format::E4M3FNUZ,
    Format::E5M2FNUZ,
    Format::E3M2FN,
    Format::E2M3FN,
];

#[test]
fn daz_ftz_small_formats_exhaustive_vs_definition() {
    for fmt in SMALL {
        for env in flush_envs() {
            check(&env, &fmt, &mut exhaustive(fmt));
        }
    }
}

#[test]
fn daz_ftz_wide_formats_sampled_vs_definition() {
    for (i, fmt) in [Format::BINARY16, Format::BF16, Format::BINARY32].into_iter().enumerate() {
        for env in flush_envs() {
            check(&env, &fmt, &mut sampled(fmt, 0x5EED + i as u64, 20_000));
        }
    }
}

#[test]
fn via_small_formats_exhaustive_vs_definition() {
    let e5m3 = Format::parse("e5m3").expect("generic format");
    let pairs = [
        (Format::E5M2, e5m3),
        (Format::E4M3FN, Format::BINARY16),
        (Format::E3M2FN, Format::E4M3FN),
        (Format::E4M3FNUZ, Format::BF16),
        (Format::E2M3FN, Format::E5M2),
    ];
    for (fmt, w) in pairs {
        for (daz, ftz) in [(false, false), (true, true)] {
            for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
                let env = Env { via: Some(w), daz, ftz, tininess, ..Env::default() };
                check(&env, &fmt, &mut exhaustive(fmt));
            }
        }
    }
}

#[test]
fn via_wide_formats_sampled_vs_definition() {
    let cases = [
        (Format::BF16, Format::BINARY32, true),
        (Format::BINARY16, Format::BINARY32, true),
        (Format::BINARY16, Format::BINARY32, false),
        (Format::BINARY32, Format::BINARY64, false),
        (Format::BF16, Format::BINARY16, false),
    ];
    for (i, (fmt, w, flush)) in cases.into_iter().enumerate() {
        let env = Env { via: Some(w), daz: flush, ftz: flush, ..Env::default() };
        check(&env, &fmt, &mut sampled(fmt, 0xF1A + i as u64, 20_000));
    }
}

#[test]
fn ftz_flushes_exact_subnormal_results() {
    let env = Env { ftz: true, ..Env::default() };
    // binary32: 2^-126 * 0.5 = 2^-127 is an exact subnormal.
    let r = fpcore::mul(&env, &Format::BINARY32, 0x0080_0000, 0x3F00_0000);
    assert_eq!((r.value, r.flags), (0, Flags::UNDERFLOW | Flags::INEXACT));
    let r = fpcore::mul(&env, &Format::BINARY32, 0x8080_0000, 0x3F00_0000);
    assert_eq!((r.value, r.flags), (0x8000_0000, Flags::UNDERFLOW | Flags::INEXACT));
    // Without ftz it stays, exact.
    let r = fpcore::mul(&Env::default(), &Format::BINARY32, 0x0080_0000, 0x3F00_0000);
    assert_eq!((r.value, r.flags), (0x0040_0000, Flags::NONE));
    // daz: the subnormal 2^-149 is read as +0, so 2^-149 + 2^-149 = +0, exactly.
    let daz = Env { daz: true, ..Env::default() };
    let r = fpcore::add(&daz, &Format::BINARY32, 1, 1);
    assert_eq!((r.value, r.flags), (0, Flags::NONE));
}

#[test]
fn tininess_decides_the_flush_of_results_rounding_to_the_smallest_normal() {
    // binary16: 2^-14 - 2^-27 rounds to 2^-14 (the smallest normal) but its exact value is
    // below it: tiny before rounding, not after (rounded to 11 bits with an unbounded
    // exponent range it is 2^-14 too). It is 0x03FF (the largest subnormal, 2^-14 - 2^-24)
    // + 2^-24 * 0.875, computed with fma.
    let fmt = Format::BINARY16;
    let after = Env { ftz: true, ..Env::default() };
    let before = Env { ftz: true, tininess: Tininess::BeforeRounding, ..Env::default() };
    let r = fpcore::fma(&after, &fmt, 0x0001, 0x3B00, 0x03FF);
    assert_eq!((r.value, r.flags), (0x0400, Flags::INEXACT));
    let r = fpcore::fma(&before, &fmt, 0x0001, 0x3B00, 0x03FF);
    assert_eq!((r.value, r.flags), (0x0000, Flags::UNDERFLOW | Flags::INEXACT));
}

#[test]
fn overflow_modes_as_p3109_names_them() {
    let e5m2 = Format::E5M2;
    let finite = Env { overflow: OverflowPolicy::SatFinite, ..Env::default() };
    let propagate = Env { overflow: OverflowPolicy::SatPropagate, ..Env::default() };
    assert_eq!(OverflowPolicy::Saturate, OverflowPolicy::SatPropagate);
    // inf + 1: an infinite operand stays under sat-propagate, saturates under sat-finite.
    assert_eq!(fpcore::add(&propagate, &e5m2, 0x7C, 0x3C).value, 0x7C);
    assert_eq!(fpcore::add(&finite, &e5m2, 0x7C, 0x3C), Rounded::exact(0x7B));
    assert_eq!(fpcore::add(&finite, &e5m2, 0xFC, 0x3C), Rounded::exact(0xFB));
    // A finite overflow saturates under both, with overflow and inexact.
    for env in [finite, propagate] {
        let r = fpcore::mul(&env, &e5m2, 0x7B, 0x40);
        assert_eq!((r.value, r.flags), (0x7B, Flags::OVERFLOW | Flags::INEXACT));
    }
    // 1/0 keeps its flag.
    let r = fpcore::div(&finite, &e5m2, 0x3C, 0x00);
    assert_eq!((r.value, r.flags), (0x7B, Flags::INFINITE));
    // Conversions of binary32 infinity.
    let inf = 0x7F80_0000;
    assert_eq!(convert(&finite, &Format::BINARY32, &e5m2, inf).value, 0x7B);
    assert_eq!(convert(&propagate, &Format::BINARY32, &e5m2, inf).value, 0x7C);
    assert_eq!(convert(&finite, &Format::BINARY32, &Format::E4M3FN, inf).value, 0x7E);
    assert_eq!(convert(&propagate, &Format::BINARY32, &Format::E4M3FN, inf).value, 0x7E);
    // NaN stays NaN.
    assert_eq!(fpcore::add(&finite, &e5m2, 0x7E, 0x3C).value, 0x7E);
    for name in ["ieee", "sat-finite", "sat-propagate"] {
        let mode = OverflowPolicy::parse(name).expect("a mode name");
        assert_eq!(mode.name(), name);
    }
    assert_eq!(OverflowPolicy::parse("saturate"), Some(OverflowPolicy::SatPropagate));
    assert_eq!(OverflowPolicy::parse("clamp"), None);
}

#[test]
fn sat_finite_small_formats_exhaustive_vs_definition() {
    // sat-finite: the sat-propagate result, with an infinity replaced by the largest finite
    // value of its sign and no flag added.
    let finite = Env { overflow: OverflowPolicy::SatFinite, ..Env::default() };
    let propagate = Env { overflow: OverflowPolicy::SatPropagate, ..Env::default() };
    let fmt = Format::E5M2;
    for op in &OPS {
        for xs in exhaustive(fmt)(op.1) {
            let r = (op.2)(&propagate, &fmt, &xs);
            let want = match fmt.classify(r.value) {
                Class::PositiveInfinity => Rounded::new(fmt.max_finite(false), r.flags),
                Class::NegativeInfinity => Rounded::new(fmt.max_finite(true), r.flags),
                _ => r,
            };
            assert_eq!(entry(op.0, &finite, &fmt, &xs), want, "{} {xs:x?}", op.0);
        }
    }
}

#[test]
fn activations_under_models_vs_definition() {
    let fmt = Format::E4M3FN;
    let envs = [
        Env { daz: true, ftz: true, ..Env::default() },
        Env { via: Some(Format::BINARY16), ..Env::default() },
        Env { via: Some(Format::E5M2), daz: true, ftz: true, ..Env::default() },
    ];
    for env in envs {
        for op in [
            ActOp { act: Activation::Sigmoid, derivative: false },
            ActOp { act: Activation::Gelu, derivative: false },
            ActOp { act: Activation::Relu, derivative: false },
            ActOp { act: Activation::Tanh, derivative: true },
        ] {
            for x in 0..256u128 {
                let ieee = plain(&env);
                let w = env.via.unwrap_or(fmt);
                let xw = convert(&ieee, &fmt, &w, x);
                let xw_read = if env.daz { daz_operand(&w, xw.value) } else { xw.value };
                let mut r = op.eval(&ieee, &w, xw_read, 0);
                // Tiny: a subnormal result, or a nonzero one whose rounding raised underflow
                // (the correctly rounded functions have no exact twin to decide it from).
                let class = w.classify(r.value);
                let nonzero = !matches!(class, Class::PositiveZero | Class::NegativeZero);
                let subnormal =
                    matches!(class, Class::PositiveSubnormal | Class::NegativeSubnormal);
                if env.ftz && (subnormal || (nonzero && r.flags.contains(Flags::UNDERFLOW))) {
                    let negative =
                        matches!(class, Class::NegativeSubnormal | Class::NegativeNormal);
                    r = Rounded::new(w.zero(negative), r.flags | Flags::UNDERFLOW | Flags::INEXACT);
                }
                let back = convert(&ieee, &w, &fmt, r.value);
                let want = Rounded::new(back.value, xw.flags | r.flags | back.flags);
                assert_eq!(op.eval(&env, &fmt, x, 0), want, "{op:?} {x:#x} {env:?}");
                assert_eq!(op.eval_fast(&env, &fmt, x), None, "no fast path under a model");
            }
        }
    }
}

#[test]
fn chain_under_models_is_the_loop_of_modelled_steps() {
    let mut rng = SplitMix::new(0xC4A1);
    let envs = [
        Env { daz: true, ftz: true, ..Env::default() },
        Env { via: Some(Format::BINARY32), daz: true, ftz: true, ..Env::default() },
    ];
    for env in envs {
        for fmt in [Format::BF16, Format::BINARY16] {
            for _ in 0..2000 {
                let terms: Vec<(u128, u128)> =
                    (0..8).map(|_| (rng.pattern(&fmt), rng.pattern(&fmt))).collect();
                let acc = rng.pattern(&fmt);
                let mut flags = Flags::NONE;
                let mut want = acc;
                for &(w, x) in &terms {
                    let t = fpcore::mul(&env, &fmt, w, x);
                    let s = fpcore::add(&env, &fmt, want, t.value);
                    flags |= t.flags | s.flags;
                    want = s.value;
                }
                let got = fpcore::mul_add_chain(&env, &fmt, acc, terms.iter().copied());
                assert_eq!(got, Rounded::new(want, flags), "{fmt} {env:?} {terms:x?}");
            }
        }
    }
}

/// The newer formats: ml_dtypes' e3m4, e4m3 and e4m3b11fnuz, and IEEE P3109 binary8 formats
/// of every kind (signed and unsigned, extended and finite, precisions 1 to 8).
const NEWER: [&str; 8] = [
    "e3m4",
    "e4m3",
    "e4m3b11fnuz",
    "p3109_k8p3se",
    "p3109_k8p4sf",
    "p3109_k8p1ue",
    "p3109_k8p5uf",
    "p3109_k8p8ue",
];

fn named(name: &str) -> Format {
    Format::parse(name).expect("a named format")
}

#[test]
fn daz_ftz_newer_formats_exhaustive_vs_definition() {
    let envs = [
        Env { daz: true, ftz: true, ..Env::default() },
        Env { ftz: true, tininess: Tininess::BeforeRounding, ..Env::default() },
    ];
    for name in NEWER {
        let fmt = named(name);
        for env in envs {
            check(&env, &fmt, &mut exhaustive(fmt));
        }
    }
}

#[test]
fn via_newer_formats_exhaustive_vs_definition() {
    let pairs = [
        ("e3m4", "binary16"),
        ("e4m3", "bf16"),
        ("e4m3b11fnuz", "e5m2"),
        ("p3109_k8p3se", "binary16"),
        ("p3109_k8p5uf", "e3m4"),
        ("p3109_k8p1ue", "binary32"),
    ];
    for (fmt, w) in pairs {
        let (fmt, w) = (named(fmt), named(w));
        for (daz, ftz) in [(false, false), (true, true)] {
            let env = Env { via: Some(w), daz, ftz, ..Env::default() };
            check(&env, &fmt, &mut exhaustive(fmt));
        }
    }
    // e8m0fnu (no zero, no subnormals) computed in binary32 and rounded back: ml_dtypes'
    // arithmetic on it.
    let fmt = Format::E8M0FNU;
    check(&Env { via: Some(Format::BINARY32), ..Env::default() }, &fmt, &mut exhaustive(fmt));
}

#[test]
fn daz_reads_nothing_as_zero_in_formats_without_subnormals() {
    // p = 1: every finite encoding is normal, so denormals-are-zero changes no result.
    let daz = Env { daz: true, ..Env::default() };
    for name in ["e8m0fnu", "p3109_k8p1se", "p3109_k8p1sf", "p3109_k8p1ue", "p3109_k8p1uf"] {
        let fmt = named(name);
        for op in &OPS {
            for xs in exhaustive(fmt)(op.1) {
                let want = entry(op.0, &Env::default(), &fmt, &xs);
                assert_eq!(entry(op.0, &daz, &fmt, &xs), want, "{name} {} {xs:x?}", op.0);
            }
        }
    }
}
