//! Conversions to and from 64-bit integers (convertToInteger, convertFromInt): binary16
//! exhaustively, wide formats at the integer boundaries and small formats against SoftFloat,
//! integers into small formats against a scan and APFloat.

use fpcore::{Env, Flags, Format, OverflowPolicy};
use fpref::misc::{
    apfloat_class, apfloat_from_i128, apfloat_from_u128, softfloat_from_i64, softfloat_from_u64,
    softfloat_to_i64, softfloat_to_u64,
};

use super::exact::{
    decode, gen_bits, gen_tie, max_finite, overflow_result, same_or_both_nan, sign_bit,
    small_formats, specials, Checks, Dec, Want, MODES,
};
use crate::support::{fmt, SplitMix};

fn check_to_int_vs_softfloat(c: &mut Checks, f: &Format, a: u128) {
    for mode in MODES {
        for exact in [false, true] {
            let theirs = softfloat_to_i64(f, a, mode, exact).expect("SoftFloat format");
            let got = fpcore::to_i64(f, a, mode, exact);
            c.check((got.value, got.flags) == theirs, || {
                format!(
                    "{f} to_i64({a:#x}, {mode:?}, exact={exact}) = {got:?}, SoftFloat {theirs:?}"
                )
            });
            let theirs = softfloat_to_u64(f, a, mode, exact).expect("SoftFloat format");
            let got = fpcore::to_u64(f, a, mode, exact);
            c.check((got.value, got.flags) == theirs, || {
                format!(
                    "{f} to_u64({a:#x}, {mode:?}, exact={exact}) = {got:?}, SoftFloat {theirs:?}"
                )
            });
        }
    }
}

#[test]
fn to_i64_to_u64_binary16_exhaustive_vs_softfloat() {
    let mut c = Checks::new("to_i64/to_u64, every binary16 x 5 modes x exact, vs SoftFloat");
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        check_to_int_vs_softfloat(&mut c, &f16, a);
    }
    c.finish();
}

/// Encodings at the 64-bit integer boundaries: ±2^63 and ±2^64 and their neighbours (one
/// and a few ulps away), and values in (-1, 0) that round to zero or to -1.
fn int_boundaries(f: &Format) -> Vec<u128> {
    let fb = f.frac_bits();
    let bias = f.bias() as u128;
    let frac_mask = (1u128 << fb) - 1;
    let mut v = Vec::new();
    for e in [62u128, 63, 64] {
        let base = (bias + e) << fb;
        for frac in [0, 1, 2, frac_mask, frac_mask - 1, 1 << (fb - 1)] {
            v.push(base | frac);
        }
    }
    for e in [1u128, 2, 3, 4] {
        // Values 2^-e .. just below 1.
        let base = (bias - e) << fb;
        for frac in [0, 1, frac_mask, 1 << (fb - 1)] {
            v.push(base | frac);
        }
    }
    let neg: Vec<u128> = v.iter().map(|x| x | sign_bit(f)).collect();
    v.extend(neg);
    v
}

#[test]
fn to_i64_to_u64_wide_formats_vs_softfloat() {
    let mut c = Checks::new("to_i64/to_u64 on binary32/64/128 vs SoftFloat");
    let mut rng = SplitMix::new(0x1264_0064);
    for name in ["binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for a in specials(&f).into_iter().chain(int_boundaries(&f)) {
            check_to_int_vs_softfloat(&mut c, &f, a);
        }
        for _ in 0..10_000 {
            let a = gen_bits(&mut rng, &f);
            check_to_int_vs_softfloat(&mut c, &f, a);
            let a = gen_tie(&mut rng, &f);
            check_to_int_vs_softfloat(&mut c, &f, a);
        }
    }
    c.finish();
}

#[test]
fn to_i64_to_u64_small_formats_exhaustive_vs_softfloat_on_exact_binary64() {
    let mut c = Checks::new("to_i64/to_u64, every small-format encoding, vs SoftFloat on binary64");
    let f64_fmt = fmt("binary64");
    for f in small_formats() {
        for a in 0..(1u128 << f.bits()) {
            // The exact value in binary64 (quiet NaN for every NaN: these formats' NaNs are
            // quiet, and the integer result of a NaN does not depend on its payload).
            let d = decode(&f, a);
            let x = u128::from(d.to_f64().to_bits());
            for mode in MODES {
                for exact in [false, true] {
                    let theirs = softfloat_to_i64(&f64_fmt, x, mode, exact).expect("binary64");
                    let got = fpcore::to_i64(&f, a, mode, exact);
                    c.check((got.value, got.flags) == theirs, || {
                        format!("{f} to_i64({a:#x}, {mode:?}, exact={exact}) = {got:?}, want {theirs:?}")
                    });
                    let theirs = softfloat_to_u64(&f64_fmt, x, mode, exact).expect("binary64");
                    let got = fpcore::to_u64(&f, a, mode, exact);
                    c.check((got.value, got.flags) == theirs, || {
                        format!("{f} to_u64({a:#x}, {mode:?}, exact={exact}) = {got:?}, want {theirs:?}")
                    });
                }
            }
        }
    }
    c.finish();
}

/// Rounds the integer `v` to a small format, ties to even, by scanning every encoding in
/// units of 2^qmin (a tie goes to the neighbour that is an even multiple of their distance);
/// overflow at `|v| >= Omega + ulp(Omega)/2` (at equality only when Omega's significand is
/// odd, docs/semantics.md §2). Returns the encoding (or NaN) and the flags.
fn round_int_rule(env: &Env, f: &Format, v: i128) -> (Want, Flags) {
    let qmin = f.emin() - f.frac_bits() as i32;
    assert!(qmin <= 0, "small formats have fractional subnormals");
    let scaled = |d: Dec| -> i128 {
        match d {
            Dec::Fin { neg, sig, exp } => {
                let m = (sig << (exp - qmin)) as i128;
                if neg {
                    -m
                } else {
                    m
                }
            }
            _ => panic!("finite values only"),
        }
    };
    let target = v << -qmin;
    let max = max_finite(f);
    let dmax = decode(f, max);
    let Dec::Fin { sig: max_sig, exp: max_exp, .. } = dmax else { panic!("max is finite") };
    let half_ulp = 1i128 << (max_exp - qmin - 1);
    let limit = scaled(dmax) + half_ulp;
    if target.abs() > limit || (target.abs() == limit && max_sig & 1 == 1) {
        let ov = overflow_result(env, f, v < 0);
        let want = if decode(f, ov).is_nan() { Want::Nan } else { Want::Bits(ov) };
        return (want, Flags::OVERFLOW.union(Flags::INEXACT));
    }
    if v == 0 {
        return (Want::Bits(0), Flags::NONE);
    }
    let mut best: Option<(u128, i128)> = None;
    for e in 0..(1u128 << f.bits()) {
        let d = decode(f, e);
        if !matches!(d, Dec::Fin { .. }) || (d.is_zero() && e != 0) {
            continue;
        }
        let dist = (scaled(d) - target).abs();
        let better = match best {
            None => true,
            Some((_, bd)) if dist != bd => dist < bd,
            // A tie between neighbours x and y goes to the one that is an even multiple of
            // y - x: the even significand for p >= 2, and the larger magnitude for p = 1,
            // where both have significand 1 (the carry into the next binade, as MPFR does).
            Some((be, _)) => {
                let step = (scaled(d) - scaled(decode(f, be))).abs();
                (scaled(d) / step) % 2 == 0
            }
        };
        if better {
            best = Some((e, dist));
        }
    }
    let (e, dist) = best.expect("some encoding is nearest");
    (Want::Bits(e), if dist == 0 { Flags::NONE } else { Flags::INEXACT })
}

/// Integers at every power of two, their neighbours, and the round-to-nearest ties and
/// near-ties of precisions 2..=113 (2^k + 2^(k-p) ± 1), plus the range ends and random ones.
fn hard_integers(rng: &mut SplitMix) -> Vec<u64> {
    let mut v = vec![0, 1, 2, 3, u64::MAX, u64::MAX - 1, i64::MAX as u64, 1 << 63];
    for k in 0..64u32 {
        let base = 1u64 << k;
        for d in [0u64, 1, 2, 3] {
            v.push(base.wrapping_add(d));
            v.push(base.wrapping_sub(d));
        }
        for p in [2u32, 3, 4, 8, 11, 24, 53] {
            if k > p {
                let half = 1u64 << (k - p);
                for d in [0u64, 1] {
                    v.push(base + half + d);
                    v.push(base + half - d);
                    v.push(base + 3 * half + d);
                    v.push((base | (base - 1)) - half + d);
                }
            }
        }
    }
    for _ in 0..3000 {
        let r = rng.next_u64();
        v.push(r >> (rng.next_u64() % 64));
    }
    v
}

#[test]
fn from_i64_from_u64_vs_softfloat() {
    let mut c = Checks::new("from_i64/from_u64 on binary16/32/64/128 vs SoftFloat");
    let mut rng = SplitMix::new(0xf201_1264);
    let ints = hard_integers(&mut rng);
    let env = Env::default();
    for name in ["binary16", "binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for &u in &ints {
            let theirs = softfloat_from_u64(&f, u).expect("SoftFloat format");
            let got = fpcore::from_u64(&env, &f, u);
            c.check((got.value, got.flags) == theirs, || {
                format!("{f} from_u64({u}) = {got:?}, SoftFloat {theirs:?}")
            });
            for i in [u as i64, (u as i64).wrapping_neg()] {
                let theirs = softfloat_from_i64(&f, i).expect("SoftFloat format");
                let got = fpcore::from_i64(&env, &f, i);
                c.check((got.value, got.flags) == theirs, || {
                    format!("{f} from_i64({i}) = {got:?}, SoftFloat {theirs:?}")
                });
            }
        }
    }
    c.finish();
}

#[test]
fn from_i64_from_u64_small_formats_vs_scan_and_apfloat() {
    let mut c = Checks::new("from_i64/from_u64 on small formats, by scan and vs APFloat");
    let mut rng = SplitMix::new(0x5a11_1264);
    let mut ints: Vec<u64> = (0..=1100).collect();
    ints.extend(hard_integers(&mut rng));
    for f in small_formats() {
        let has_ap = apfloat_class(&f, 0).is_some();
        for env in [Env::default(), Env { overflow: OverflowPolicy::Saturate, ..Env::default() }] {
            for &u in &ints {
                let (want, flags) = round_int_rule(&env, &f, i128::from(u));
                let got = fpcore::from_u64(&env, &f, u);
                let ok = match want {
                    // Overflow in NanOnly formats gives the NaN policy's NaN, whatever the sign of the
                    // overflowed value (docs/semantics.md §2): NaN-ness is what is compared.
                    Want::Nan => decode(&f, got.value).is_nan(),
                    Want::Bits(b) => got.value == b,
                };
                c.check(ok && got.flags == flags, || {
                    format!("{f} {env:?} from_u64({u}) = {got:?}, want {want:?} {flags}")
                });
                let i = (u as i64).wrapping_neg();
                let (want, flags) = round_int_rule(&env, &f, i128::from(i));
                let got = fpcore::from_i64(&env, &f, i);
                let ok = match want {
                    Want::Nan => decode(&f, got.value).is_nan(),
                    Want::Bits(b) => got.value == b,
                };
                c.check(ok && got.flags == flags, || {
                    format!("{f} {env:?} from_i64({i}) = {got:?}, want {want:?} {flags}")
                });
                if has_ap && env == Env::default() {
                    let (tb, tf) = apfloat_from_u128(&f, u128::from(u)).expect("APFloat format");
                    let got = fpcore::from_u64(&env, &f, u);
                    c.check(same_or_both_nan(&f, got.value, tb) && got.flags == tf, || {
                        format!("{f} from_u64({u}) = {got:?}, APFloat {tb:#x} {tf}")
                    });
                    let (tb, tf) = apfloat_from_i128(&f, i128::from(i)).expect("APFloat format");
                    let got = fpcore::from_i64(&env, &f, i);
                    c.check(same_or_both_nan(&f, got.value, tb) && got.flags == tf, || {
                        format!("{f} from_i64({i}) = {got:?}, APFloat {tb:#x} {tf}")
                    });
                }
            }
        }
    }
    c.finish();
}
