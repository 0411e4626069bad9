//! minimum, maximum, minimumNumber and maximumNumber (IEEE 754-2019 §9.6): their rule from decoded
//! values, and every pair of the small formats APFloat has plus sampled wide-format pairs against
//! APFloat.

use std::cmp::Ordering as CmpOrdering;

use fpcore::{Env, Format, Rounded};
use fpref::misc::{
    apfloat_class, apfloat_compare, apfloat_max_num, apfloat_maximum, apfloat_min_num,
    apfloat_minimum,
};

use super::exact::{
    cmp_signed_zero, decode, gen_bits, same_or_both_nan, sign_bit, small_formats, specials,
    to_fp_ordering, Checks, Want,
};
use crate::support::{fmt, SplitMix};

/// IEEE 754-2019 §9.6 minimum/maximum (`number` false) and minimumNumber/maximumNumber
/// (`number` true).
pub fn min_max_rule(f: &Format, a: u128, b: u128, want_max: bool, number: bool) -> Want {
    let (da, db) = (decode(f, a), decode(f, b));
    match (da.is_nan(), db.is_nan()) {
        (true, true) => Want::Nan,
        (true, false) | (false, true) if !number => Want::Nan,
        (true, false) => Want::Bits(b),
        (false, true) => Want::Bits(a),
        (false, false) => {
            let o = cmp_signed_zero(da, db);
            let a_wins = match o {
                CmpOrdering::Less => !want_max,
                CmpOrdering::Greater => want_max,
                CmpOrdering::Equal => true,
            };
            Want::Bits(if a_wins { a } else { b })
        }
    }
}

pub type MinMaxFn = fn(&Env, &Format, u128, u128) -> Rounded<u128>;

/// (name, operation, max?, number?)
pub const MIN_MAX: [(&str, MinMaxFn, bool, bool); 4] = [
    ("minimum", fpcore::minimum, false, false),
    ("maximum", fpcore::maximum, true, false),
    ("minimum_number", fpcore::minimum_number, false, true),
    ("maximum_number", fpcore::maximum_number, true, true),
];

/// One operand pair against APFloat: partial_cmp, minimum, maximum, and minNum/maxNum
/// (2008) with the 2019 rule for zeros of opposite signs (-0 < +0) applied on top.
fn check_pair_vs_apfloat(c: &mut Checks, f: &Format, a: u128, b: u128) {
    let env = Env::default();
    let ap = apfloat_compare(f, a, b).expect("APFloat has the format");
    let want = match ap {
        None => fpcore::Ordering::Unordered,
        Some(o) => to_fp_ordering(o),
    };
    let got = fpcore::compare(f, a, b).value;
    c.check(got == want, || format!("{f} compare({a:#x}, {b:#x}) = {got:?}, APFloat {want:?}"));
    let (da, db) = (decode(f, a), decode(f, b));
    let opposite_zeros = da.is_zero() && db.is_zero() && da != db;
    let neg_zero_first = a & sign_bit(f) != 0;
    for (name, op, want_max, number) in MIN_MAX {
        let theirs = match (want_max, number) {
            (false, false) => apfloat_minimum(f, a, b),
            (true, false) => apfloat_maximum(f, a, b),
            (false, true) => apfloat_min_num(f, a, b),
            (true, true) => apfloat_max_num(f, a, b),
        }
        .expect("APFloat has the format");
        let theirs = if number && opposite_zeros {
            // minNum/maxNum (2008) may return either zero; 2019 orders -0 below +0.
            if want_max == neg_zero_first {
                b
            } else {
                a
            }
        } else {
            theirs
        };
        let got = op(&env, f, a, b).value;
        c.check(same_or_both_nan(f, got, theirs), || {
            format!("{f} {name}({a:#x}, {b:#x}) = {got:#x}, APFloat {theirs:#x}")
        });
    }
}

#[test]
fn compare_min_max_vs_apfloat() {
    let mut c = Checks::new("compare/min/max vs APFloat");
    for f in small_formats().into_iter().filter(|f| apfloat_class(f, 0).is_some()) {
        for a in 0..(1u128 << f.bits()) {
            for b in 0..(1u128 << f.bits()) {
                check_pair_vs_apfloat(&mut c, &f, a, b);
            }
        }
    }
    let mut rng = SplitMix::new(0x0c0f_fee0);
    for name in ["binary16", "bf16", "binary32", "binary64", "binary128"] {
        let f = fmt(name);
        let sp = specials(&f);
        for &a in &sp {
            for &b in &sp {
                check_pair_vs_apfloat(&mut c, &f, a, b);
            }
        }
        for _ in 0..40_000 {
            let a = gen_bits(&mut rng, &f);
            let b = match rng.next_u64() % 4 {
                0 => a ^ sign_bit(&f),
                1 => a.wrapping_add(1) & f.mask(),
                _ => gen_bits(&mut rng, &f),
            };
            check_pair_vs_apfloat(&mut c, &f, a, b);
        }
    }
    c.finish();
}
