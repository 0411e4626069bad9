//! classify (IEEE 754-2019 §5.7.2) against the class of the decoded value, APFloat and the host's
//! f64.

use std::cmp::Ordering as CmpOrdering;

use fpcore::{Class, Format};
use fpref::misc::apfloat_class;

use super::exact::{cmp_mag, decode, gen_bits, sign_bit, small_formats, Checks, Dec};
use crate::support::{fmt, SplitMix};

/// IEEE 754-2019 §5.7.2 class from the decoded value: subnormal when 0 < |x| < 2^emin.
fn class_rule(f: &Format, a: u128) -> Class {
    let neg = a & sign_bit(f) != 0;
    match decode(f, a) {
        Dec::Nan { quiet: true, .. } => Class::QuietNan,
        Dec::Nan { quiet: false, .. } => Class::SignalingNan,
        Dec::Inf { neg: true } => Class::NegativeInfinity,
        Dec::Inf { neg: false } => Class::PositiveInfinity,
        Dec::Fin { sig: 0, .. } if neg => Class::NegativeZero,
        Dec::Fin { sig: 0, .. } => Class::PositiveZero,
        Dec::Fin { sig, exp, .. } => {
            let sub = cmp_mag(sig, exp, 1, f.emin()) == CmpOrdering::Less;
            match (sub, neg) {
                (true, true) => Class::NegativeSubnormal,
                (true, false) => Class::PositiveSubnormal,
                (false, true) => Class::NegativeNormal,
                (false, false) => Class::PositiveNormal,
            }
        }
    }
}

fn class_from_apfloat(f: &Format, a: u128) -> Class {
    let k = apfloat_class(f, a).expect("APFloat has the format");
    match (k.nan, k.signaling, k.infinite, k.zero, k.denormal, k.normal, k.negative) {
        (true, true, ..) => Class::SignalingNan,
        (true, false, ..) => Class::QuietNan,
        (_, _, true, _, _, _, neg) => {
            if neg {
                Class::NegativeInfinity
            } else {
                Class::PositiveInfinity
            }
        }
        (_, _, _, true, _, _, neg) => {
            if neg {
                Class::NegativeZero
            } else {
                Class::PositiveZero
            }
        }
        (_, _, _, _, true, _, neg) => {
            if neg {
                Class::NegativeSubnormal
            } else {
                Class::PositiveSubnormal
            }
        }
        (_, _, _, _, _, true, neg) => {
            if neg {
                Class::NegativeNormal
            } else {
                Class::PositiveNormal
            }
        }
        other => panic!("APFloat predicates {other:?} name no class"),
    }
}

fn class_from_host_f64(x: f64, bits: u64) -> Class {
    use std::num::FpCategory;
    let neg = x.is_sign_negative();
    match (x.classify(), neg) {
        (FpCategory::Nan, _) if bits & (1 << 51) == 0 => Class::SignalingNan,
        (FpCategory::Nan, _) => Class::QuietNan,
        (FpCategory::Infinite, true) => Class::NegativeInfinity,
        (FpCategory::Infinite, false) => Class::PositiveInfinity,
        (FpCategory::Zero, true) => Class::NegativeZero,
        (FpCategory::Zero, false) => Class::PositiveZero,
        (FpCategory::Subnormal, true) => Class::NegativeSubnormal,
        (FpCategory::Subnormal, false) => Class::PositiveSubnormal,
        (FpCategory::Normal, true) => Class::NegativeNormal,
        (FpCategory::Normal, false) => Class::PositiveNormal,
    }
}

#[test]
fn classify_vs_exact_values_apfloat_and_host() {
    let mut c = Checks::new("classify");
    for f in small_formats().into_iter().chain([fmt("binary16"), fmt("bf16")]) {
        let has_ap = apfloat_class(&f, 0).is_some();
        for a in 0..(1u128 << f.bits()) {
            let got = f.classify(a);
            let want = class_rule(&f, a);
            c.check(got == want, || format!("{f} classify({a:#x}) = {got:?}, want {want:?}"));
            if has_ap {
                let theirs = class_from_apfloat(&f, a);
                c.check(got == theirs, || {
                    format!("{f} classify({a:#x}) = {got:?}, APFloat {theirs:?}")
                });
            }
        }
    }
    let mut rng = SplitMix::new(0xc1a5_5000);
    let (f32_fmt, f64_fmt, f128_fmt) = (fmt("binary32"), fmt("binary64"), fmt("binary128"));
    for _ in 0..50_000 {
        let a = gen_bits(&mut rng, &f32_fmt);
        let x = f32::from_bits(a as u32);
        let (got, want) = (f32_fmt.classify(a), class_from_host_f64(f64::from(x), 0));
        // f32 -> f64 quiets NaNs and makes f32 subnormals normal: compare the rest, then NaNs
        // and subnormals by their own host predicates.
        let want = match want {
            _ if x.is_nan() => class_rule(&f32_fmt, a),
            Class::PositiveNormal | Class::NegativeNormal if x.is_subnormal() => {
                if x.is_sign_negative() {
                    Class::NegativeSubnormal
                } else {
                    Class::PositiveSubnormal
                }
            }
            w => w,
        };
        c.check(got == want, || format!("binary32 classify({a:#x}) = {got:?}, host {want:?}"));
        let a = gen_bits(&mut rng, &f64_fmt);
        let (got, want) =
            (f64_fmt.classify(a), class_from_host_f64(f64::from_bits(a as u64), a as u64));
        c.check(got == want, || format!("binary64 classify({a:#x}) = {got:?}, host {want:?}"));
        let a = gen_bits(&mut rng, &f128_fmt);
        let (got, theirs) = (f128_fmt.classify(a), class_from_apfloat(&f128_fmt, a));
        c.check(got == theirs, || {
            format!("binary128 classify({a:#x}) = {got:?}, APFloat {theirs:?}")
        });
    }
    c.finish();
}
