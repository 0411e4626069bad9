//! nextUp and nextDown: every encoding of every small format against a scan for the nearest value
//! beyond it, and wide formats against APFloat.

use std::cmp::Ordering as CmpOrdering;

use fpcore::{Env, Format, OverflowPolicy};
use fpref::misc::{apfloat_class, apfloat_next_down, apfloat_next_up};

use super::exact::{
    cmp_value, decode, gen_bits, matches_want, overflow_result, same_or_both_nan, sign_bit,
    small_formats, snan_flags, specials, Checks, Dec, Want,
};
use crate::support::{fmt, SplitMix};

/// nextUp (`up`) or nextDown of `a` by scanning every encoding for the nearest value beyond
/// it. Past the largest finite value of a format without infinity the result is what an
/// overflow gives (the signed NaN, FNUZ's NaN, or the largest finite value when finite-only
/// or saturating): the choice documented on `fpcore::next_up`.
fn next_rule(env: &Env, f: &Format, a: u128, up: bool) -> Want {
    let da = decode(f, a);
    if da.is_nan() {
        return Want::Nan;
    }
    let beyond = |d: Dec| {
        let o = cmp_value(d, da);
        if up {
            o == CmpOrdering::Greater
        } else {
            o == CmpOrdering::Less
        }
    };
    let mut best: Option<(u128, Dec)> = None;
    for e in 0..(1u128 << f.bits()) {
        let d = decode(f, e);
        if d.is_nan() || !beyond(d) {
            continue;
        }
        let closer = match best {
            None => true,
            Some((_, bd)) => {
                let o = cmp_value(d, bd);
                if up {
                    o == CmpOrdering::Less
                } else {
                    o == CmpOrdering::Greater
                }
            }
        };
        // A zero result keeps the sign of the operand where the format has -0 (nextUp of the
        // negative smallest subnormal is -0, IEEE 754-2019 §5.3.1).
        let zero_tie = best.is_some_and(|(_, bd)| bd.is_zero() && d.is_zero())
            && (e & sign_bit(f) != 0) == (a & sign_bit(f) != 0);
        if closer || zero_tie {
            best = Some((e, d));
        }
    }
    match best {
        Some((e, _)) => Want::Bits(e),
        None if matches!(da, Dec::Inf { .. }) => Want::Bits(a),
        None => {
            let ov = overflow_result(env, f, !up);
            if decode(f, ov).is_nan() {
                Want::Nan
            } else {
                Want::Bits(ov)
            }
        }
    }
}

#[test]
fn next_up_down_small_formats_exhaustive_vs_scan() {
    let mut c = Checks::new("next_up/next_down, every encoding of every small format, by scan");
    let envs = [Env::default(), Env { overflow: OverflowPolicy::Saturate, ..Env::default() }];
    for f in small_formats() {
        for env in envs {
            for a in 0..(1u128 << f.bits()) {
                let flags = snan_flags(&[decode(&f, a)]);
                for up in [true, false] {
                    let want = next_rule(&env, &f, a, up);
                    let got = if up {
                        fpcore::next_up(&env, &f, a)
                    } else {
                        fpcore::next_down(&env, &f, a)
                    };
                    // Past the largest finite value of a NanOnly format, the NaN keeps the
                    // operand's sign (as overflow does), so only NaN-ness is required there.
                    let ok = match want {
                        Want::Nan if !decode(&f, a).is_nan() => decode(&f, got.value).is_nan(),
                        _ => matches_want(&env, &f, got.value, want),
                    };
                    c.check(ok && got.flags == flags, || {
                        format!("{f} {env:?} next(up={up}, {a:#x}) = {got:?}, want {want:?}")
                    });
                }
            }
        }
    }
    c.finish();
}

fn check_next_vs_apfloat(c: &mut Checks, f: &Format, a: u128) {
    let env = Env::default();
    for up in [true, false] {
        let theirs = if up { apfloat_next_up(f, a) } else { apfloat_next_down(f, a) };
        let (tb, tf) = theirs.expect("APFloat has the format");
        let got = if up { fpcore::next_up(&env, f, a) } else { fpcore::next_down(&env, f, a) };
        c.check(same_or_both_nan(f, got.value, tb) && got.flags == tf, || {
            format!("{f} next(up={up}, {a:#x}) = {got:?}, APFloat {tb:#x} {tf}")
        });
    }
}

#[test]
fn next_up_down_vs_apfloat() {
    let mut c = Checks::new("next_up/next_down vs APFloat");
    for f in small_formats().into_iter().filter(|f| apfloat_class(f, 0).is_some()) {
        for a in 0..(1u128 << f.bits()) {
            check_next_vs_apfloat(&mut c, &f, a);
        }
    }
    for name in ["binary16", "bf16"] {
        let f = fmt(name);
        for a in 0..(1u128 << 16) {
            check_next_vs_apfloat(&mut c, &f, a);
        }
    }
    let mut rng = SplitMix::new(0x0e27_0097);
    for name in ["binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for a in specials(&f) {
            check_next_vs_apfloat(&mut c, &f, a);
        }
        for _ in 0..50_000 {
            let a = gen_bits(&mut rng, &f);
            check_next_vs_apfloat(&mut c, &f, a);
        }
    }
    c.finish();
}
