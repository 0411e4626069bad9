//! Comparisons (quiet and signaling) and totalOrder: every pair of every small format against exact
//! values decoded from the encodings, SoftFloat's six predicates with their flags, and totalOrder
//! on binary16 to binary128 against its rule.

use std::cmp::Ordering as CmpOrdering;

use fpcore::{Env, Flags, Format, NanPolicy, Rounded};
use fpref::misc::{softfloat_compare, SfPredicate};

use super::exact::{
    cmp_signed_zero, cmp_value, decode, gen_bits, matches_want, sign_bit, small_formats,
    snan_flags, specials, to_fp_ordering, Checks, Dec,
};
use super::min_max::{min_max_rule, MIN_MAX};
use crate::support::{fmt, SplitMix};

/// IEEE 754-2019 §5.10 totalOrder(a, b) from decoded values: NaNs by sign bit at the ends
/// (FNUZ's NaN 0x80 has its sign bit set, so it orders below everything), positive NaNs
/// signaling below quiet and then by payload (the encoding's exponent code and fraction, in
/// which the quiet NaNs lie above the signaling ones), negative NaNs the reverse; -0 below +0.
fn total_order_rule(f: &Format, a: u128, b: u128) -> bool {
    let (da, db) = (decode(f, a), decode(f, b));
    let (sa, sb) = (a & sign_bit(f) != 0, b & sign_bit(f) != 0);
    match (da, db) {
        (Dec::Nan { payload: fa, .. }, Dec::Nan { payload: fb, .. }) => {
            if sa != sb {
                sa
            } else if sa {
                fa >= fb
            } else {
                fa <= fb
            }
        }
        (Dec::Nan { .. }, _) => sa,
        (_, Dec::Nan { .. }) => !sb,
        _ => cmp_signed_zero(da, db) != CmpOrdering::Greater,
    }
}

#[test]
fn compare_total_order_min_max_small_formats_exhaustive_vs_exact_values() {
    let mut c = Checks::new("compare/totalOrder/min/max, every pair of every small format");
    for f in small_formats() {
        for env in [Env::default(), Env { nan: NanPolicy::X86Sse, ..Env::default() }] {
            for a in 0..(1u128 << f.bits()) {
                for b in 0..(1u128 << f.bits()) {
                    let (da, db) = (decode(&f, a), decode(&f, b));
                    let quiet_flags = snan_flags(&[da, db]);
                    let any_nan = da.is_nan() || db.is_nan();
                    let want = if any_nan {
                        fpcore::Ordering::Unordered
                    } else {
                        to_fp_ordering(cmp_value(da, db))
                    };
                    let got = fpcore::compare(&f, a, b);
                    c.check(got == Rounded::new(want, quiet_flags), || {
                        format!(
                            "{f} compare({a:#x}, {b:#x}) = {got:?}, want {want:?} {quiet_flags}"
                        )
                    });
                    let signaling = if any_nan { Flags::INVALID } else { Flags::NONE };
                    let got = fpcore::compare_signaling(&f, a, b);
                    c.check(got == Rounded::new(want, signaling), || {
                        format!("{f} compare_signaling({a:#x}, {b:#x}) = {got:?}, want {want:?}")
                    });
                    let (got, want) = (fpcore::total_order(&f, a, b), total_order_rule(&f, a, b));
                    c.check(got == want, || {
                        format!("{f} total_order({a:#x}, {b:#x}) = {got}, want {want}")
                    });
                    for (name, op, want_max, number) in MIN_MAX {
                        let want = min_max_rule(&f, a, b, want_max, number);
                        let got = op(&env, &f, a, b);
                        c.check(
                            matches_want(&env, &f, got.value, want) && got.flags == quiet_flags,
                            || format!("{f} {name}({a:#x}, {b:#x}) = {got:?}, want {want:?} {quiet_flags}"),
                        );
                    }
                }
            }
        }
    }
    c.finish();
}

/// One operand pair against SoftFloat's six comparison predicates, value and flags.
fn check_pair_vs_softfloat(c: &mut Checks, f: &Format, a: u128, b: u128) {
    let quiet = fpcore::compare(f, a, b);
    let signaling = fpcore::compare_signaling(f, a, b);
    for pred in SfPredicate::ALL {
        let (theirs, theirs_flags) = softfloat_compare(f, pred, a, b).expect("SoftFloat format");
        use fpcore::Ordering::{Equal, Less};
        let (r, holds) = match pred {
            SfPredicate::Eq => (quiet, quiet.value == Equal),
            SfPredicate::LeQuiet => (quiet, matches!(quiet.value, Less | Equal)),
            SfPredicate::LtQuiet => (quiet, quiet.value == Less),
            SfPredicate::EqSignaling => (signaling, signaling.value == Equal),
            SfPredicate::Le => (signaling, matches!(signaling.value, Less | Equal)),
            SfPredicate::Lt => (signaling, signaling.value == Less),
        };
        c.check(holds == theirs && r.flags == theirs_flags, || {
            format!(
                "{f} {pred:?}({a:#x}, {b:#x}): fpcore {:?} {} vs SoftFloat {theirs} {theirs_flags}",
                r.value, r.flags
            )
        });
    }
}

#[test]
fn compare_vs_softfloat_predicates_and_flags() {
    let mut c = Checks::new("compare/compare_signaling vs SoftFloat predicates");
    let f16 = fmt("binary16");
    let sp = specials(&f16);
    for a in 0..(1u128 << 16) {
        for &b in &sp {
            check_pair_vs_softfloat(&mut c, &f16, a, b);
            check_pair_vs_softfloat(&mut c, &f16, b, a);
        }
    }
    let mut rng = SplitMix::new(0x5eed_c0de);
    for name in ["binary16", "binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for _ in 0..40_000 {
            let a = gen_bits(&mut rng, &f);
            let b = match rng.next_u64() % 5 {
                0 => a,
                1 => a ^ sign_bit(&f),
                2 => a.wrapping_sub(1) & f.mask(),
                _ => gen_bits(&mut rng, &f),
            };
            check_pair_vs_softfloat(&mut c, &f, a, b);
        }
    }
    c.finish();
}

#[test]
fn total_order_wide_formats_vs_rule() {
    let mut c = Checks::new("total_order on binary16..binary128");
    let mut rng = SplitMix::new(0x7074_a10d);
    for name in ["binary16", "bf16", "binary32", "binary64", "binary128"] {
        let f = fmt(name);
        let sp = specials(&f);
        for &a in &sp {
            for &b in &sp {
                let (got, want) = (fpcore::total_order(&f, a, b), total_order_rule(&f, a, b));
                c.check(got == want, || format!("{f} total_order({a:#x}, {b:#x}) = {got}"));
            }
        }
        for _ in 0..40_000 {
            let a = gen_bits(&mut rng, &f);
            let b = if rng.next_u64() % 2 == 0 { a ^ sign_bit(&f) } else { gen_bits(&mut rng, &f) };
            let (got, want) = (fpcore::total_order(&f, a, b), total_order_rule(&f, a, b));
            c.check(got == want, || format!("{f} total_order({a:#x}, {b:#x}) = {got}"));
        }
    }
    c.finish();
}
