//! Independent tests of fpcore's non-arithmetic operations: comparisons, totalOrder,
//! minimum/maximum(Number), nextUp/nextDown, classify, neg/abs/copysign, roundToIntegral, the
//! integer conversions and the host f32/f64 conversions.
//!
//! Expected values come only from Berkeley SoftFloat and LLVM APFloat (through `fpref::misc`
//! and the `fpref` backends), from host f32/f64 bit-level behaviour, or from rules applied to
//! values decoded here from the encoding fields (never from fpcore's own results): exact
//! comparison of `sig * 2^exp`, scans over every encoding of a small format.
//!
//! Coverage: every encoding (pair) of the formats of at most 9 bits (IEEE layouts, e4m3fn,
//! FNUZ, finite-only, abstract), every binary16 encoding for the unary operations, and a
//! deterministic class-weighted generator with hard cases (ties, integer boundaries at 2^63
//! and 2^64, range ends, NaN and infinity) for binary32, binary64 and binary128.

mod common;

use std::cmp::Ordering as CmpOrdering;

use common::SplitMix;
use fpcore::{Class, Env, Flags, Format, IntRound, NanPolicy, OverflowPolicy, Rounded, Specials};
use fpref::misc::{
    apfloat_abs, apfloat_class, apfloat_compare, apfloat_copysign, apfloat_from_i128,
    apfloat_from_u128, apfloat_max_num, apfloat_maximum, apfloat_min_num, apfloat_minimum,
    apfloat_neg, apfloat_next_down, apfloat_next_up, apfloat_round_to_integral, softfloat_compare,
    softfloat_from_i64, softfloat_from_u64, softfloat_round_to_int, softfloat_to_i64,
    softfloat_to_u64, SfPredicate,
};
use fpref::{Backend, Op, SoftFloat};

// ---------------------------------------------------------------------------------------------
// Formats, decoding, exact values
// ---------------------------------------------------------------------------------------------

fn fmt(name: &str) -> Format {
    Format::parse(name).expect("test format names are valid")
}

/// Every format of at most 9 bits the tests enumerate: OCP FP8, FNUZ, the MX finite-only
/// element types, small IEEE layouts (some of which APFloat also has), and abstract formats
/// whose exponent field has codes past the infinity code (the paper's F(4, -6, 8), p = 1, and
/// p = 2 with 3 normal binades in a 4-bit exponent field).
fn small_formats() -> Vec<Format> {
    [
        "e5m2",
        "e4m3fn",
        "e4m3fnuz",
        "e5m2fnuz",
        "e2m1fn",
        "e2m3fn",
        "e3m2fn",
        "e2m1",
        "e3m2",
        "e2m3",
        "e3m4",
        "e4m3",
        "e2m5",
        "p=4,emin=-6,emax=8",
        "p=1,emin=-6,emax=7",
        "p=2,emin=-3,emax=3",
    ]
    .map(fmt)
    .to_vec()
}

const MODES: [IntRound; 5] = [
    IntRound::NearestEven,
    IntRound::NearestAway,
    IntRound::TowardZero,
    IntRound::TowardPositive,
    IntRound::TowardNegative,
];

fn sign_bit(f: &Format) -> u128 {
    1u128 << (f.bits() - 1)
}

/// A value decoded from the encoding fields, independently of `Format::unpack`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dec {
    Nan {
        quiet: bool,
        /// The encoding without its sign bit (exponent code and fraction).
        payload: u128,
    },
    Inf {
        neg: bool,
    },
    /// `(-1)^neg * sig * 2^exp`; `sig == 0` is a zero.
    Fin {
        neg: bool,
        sig: u128,
        exp: i32,
    },
}

impl Dec {
    fn is_nan(self) -> bool {
        matches!(self, Dec::Nan { .. })
    }
    fn is_snan(self) -> bool {
        matches!(self, Dec::Nan { quiet: false, .. })
    }
    fn is_zero(self) -> bool {
        matches!(self, Dec::Fin { sig: 0, .. })
    }
    /// The exact value as a host f64 (exact for every format of at most 16 bits).
    fn to_f64(self) -> f64 {
        match self {
            Dec::Nan { .. } => f64::NAN,
            Dec::Inf { neg } => {
                if neg {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Dec::Fin { neg, sig, exp } => {
                let mag = sig as f64 * 2f64.powi(exp);
                if neg {
                    -mag
                } else {
                    mag
                }
            }
        }
    }
}

/// Decodes `bits` from the layout described in SEMANTICS §1 and on `Format`: IEEE layouts
/// (the exponent code `emax + bias + 1` holds infinity and NaNs, every larger code is a quiet
/// NaN, as only abstract formats have), e4m3fn, FNUZ, finite-only.
fn decode(f: &Format, bits: u128) -> Dec {
    let fb = f.frac_bits();
    let neg = bits & sign_bit(f) != 0;
    let all_ones = (1u128 << f.exp_bits()) - 1;
    let code = (bits >> fb) & all_ones;
    let frac = bits & ((1u128 << fb) - 1);
    let inf_code = (f.emax() + f.bias() + 1) as u128;
    match f.specials() {
        Specials::Ieee if code == inf_code && frac == 0 => return Dec::Inf { neg },
        Specials::Ieee if code >= inf_code => {
            let quiet = fb == 0 || code > inf_code || (frac >> (fb - 1)) & 1 == 1;
            return Dec::Nan { quiet, payload: bits & !sign_bit(f) };
        }
        Specials::NanOnly if code == all_ones && frac == (1u128 << fb) - 1 => {
            return Dec::Nan { quiet: true, payload: bits & !sign_bit(f) };
        }
        Specials::Fnuz if bits == sign_bit(f) => return Dec::Nan { quiet: true, payload: 0 },
        _ => {}
    }
    let qmin = f.emin() - fb as i32;
    if code == 0 {
        Dec::Fin { neg, sig: frac, exp: qmin }
    } else {
        Dec::Fin { neg, sig: frac | (1u128 << fb), exp: code as i32 - 1 + qmin }
    }
}

/// Exact comparison of `sa * 2^ea` and `sb * 2^eb`, both significands nonzero.
fn cmp_mag(sa: u128, ea: i32, sb: u128, eb: i32) -> CmpOrdering {
    let lead = |s: u128, e: i32| i64::from(e) + i64::from(128 - s.leading_zeros());
    let (la, lb) = (lead(sa, ea), lead(sb, eb));
    if la != lb {
        return la.cmp(&lb);
    }
    // Same leading-bit position: aligning to the smaller exponent keeps both below 2^128.
    if ea >= eb {
        (sa << (ea - eb)).cmp(&sb)
    } else {
        sa.cmp(&(sb << (eb - ea)))
    }
}

/// Exact comparison of two non-NaN values (+0 == -0).
fn cmp_value(a: Dec, b: Dec) -> CmpOrdering {
    let rank = |d: Dec| -> i8 {
        match d {
            Dec::Inf { neg: true } => -2,
            Dec::Fin { sig: 0, .. } => 0,
            Dec::Fin { neg: true, .. } => -1,
            Dec::Fin { neg: false, .. } => 1,
            Dec::Inf { neg: false } => 2,
            Dec::Nan { .. } => panic!("cmp_value takes non-NaN values"),
        }
    };
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Dec::Fin { neg, sig: sa, exp: ea }, Dec::Fin { sig: sb, exp: eb, .. }) if sa != 0 => {
            let m = cmp_mag(sa, ea, sb, eb);
            if neg {
                m.reverse()
            } else {
                m
            }
        }
        _ => CmpOrdering::Equal,
    }
}

/// Comparison where -0 orders below +0 (IEEE 754-2019 §9.6).
fn cmp_signed_zero(a: Dec, b: Dec) -> CmpOrdering {
    match (a, b) {
        (Dec::Fin { neg: na, sig: 0, .. }, Dec::Fin { neg: nb, sig: 0, .. }) => nb.cmp(&na),
        _ => cmp_value(a, b),
    }
}

fn to_fp_ordering(o: CmpOrdering) -> fpcore::Ordering {
    match o {
        CmpOrdering::Less => fpcore::Ordering::Less,
        CmpOrdering::Equal => fpcore::Ordering::Equal,
        CmpOrdering::Greater => fpcore::Ordering::Greater,
    }
}

/// The flags of a quiet operation: invalid exactly when an operand is a signaling NaN.
fn snan_flags(ds: &[Dec]) -> Flags {
    if ds.iter().any(|d| d.is_snan()) {
        Flags::INVALID
    } else {
        Flags::NONE
    }
}

/// The result of an overflow with the given sign, by SEMANTICS §2 and the overflow policy.
fn overflow_result(env: &Env, f: &Format, neg: bool) -> u128 {
    let max = max_finite(f) | if neg { sign_bit(f) } else { 0 };
    match (f.specials(), env.overflow) {
        (Specials::FiniteOnly, _) | (_, OverflowPolicy::Saturate) => max,
        (Specials::Ieee, _) => {
            let inf_code = (f.emax() + f.bias() + 1) as u128;
            (if neg { sign_bit(f) } else { 0 }) | (inf_code << f.frac_bits())
        }
        (Specials::NanOnly, _) => (if neg { sign_bit(f) } else { 0 }) | (f.mask() >> 1),
        (Specials::Fnuz, _) => sign_bit(f),
    }
}

/// The largest finite positive encoding, found by scanning (small formats only).
fn max_finite(f: &Format) -> u128 {
    let mut best: Option<(u128, Dec)> = None;
    for e in 0..sign_bit(f) {
        let d = decode(f, e);
        if let Dec::Fin { .. } = d {
            if best.is_none_or(|(_, b)| cmp_value(d, b) == CmpOrdering::Greater) {
                best = Some((e, d));
            }
        }
    }
    best.expect("every format has finite values").0
}

// ---------------------------------------------------------------------------------------------
// Mismatch collection and generators
// ---------------------------------------------------------------------------------------------

/// Counts cases and keeps the first mismatches; `finish` fails with them.
struct Checks {
    what: &'static str,
    cases: u64,
    failed: u64,
    first: Vec<String>,
}

impl Checks {
    fn new(what: &'static str) -> Checks {
        Checks { what, cases: 0, failed: 0, first: Vec::new() }
    }
    fn check(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        self.cases += 1;
        if !ok {
            self.failed += 1;
            if self.first.len() < 20 {
                self.first.push(msg());
            }
        }
    }
    fn finish(self) {
        println!("{}: {} cases", self.what, self.cases);
        assert!(self.cases > 0, "{}: no cases ran", self.what);
        assert!(
            self.failed == 0,
            "{}: {} of {} cases failed, first: {:#?}",
            self.what,
            self.failed,
            self.cases,
            self.first
        );
    }
}

fn next_u128(rng: &mut SplitMix) -> u128 {
    (u128::from(rng.next()) << 64) | u128::from(rng.next())
}

/// An encoding of an IEEE-layout format drawn by class: exponent codes at the ends of the
/// range, around 1, around the integer boundary 2^(p-1), around 2^63 and 2^64; fractions 0,
/// all ones, the quiet bit, few low bits, or random.
fn gen_bits(rng: &mut SplitMix, f: &Format) -> u128 {
    let code_max = (1u128 << f.exp_bits()) - 1;
    let bias = f.bias() as u128;
    let p = u128::from(f.p());
    let r = rng.next();
    let wide = next_u128(rng);
    let code = match r % 12 {
        0 => 0,
        1 => code_max,
        2 => 1 + wide % 3,
        3 => code_max - 1 - wide % 3,
        4 | 5 => (bias - 4) + wide % (p + 8),
        6 => bias + 60 + wide % 6,
        7 => bias - 1 + wide % 3,
        _ => wide % (code_max + 1),
    }
    .min(code_max);
    let fb = f.frac_bits();
    let frac_mask = (1u128 << fb) - 1;
    let rand = next_u128(rng);
    let frac = match (r >> 8) % 8 {
        0 => 0,
        1 => frac_mask,
        2 => 1 << (fb - 1),
        3 => rand & 0xF,
        4 => frac_mask - (rand & 0xF),
        _ => rand & frac_mask,
    };
    (u128::from((r >> 16) & 1) << (f.bits() - 1)) | (code << fb) | frac
}

/// An encoding at or next to a half-integer: value k + 1/2 exactly (a tie for every rounding
/// to an integer), or one ulp below or above it; leading-bit exponents from 0 to p - 2, biased
/// to 61..=64 (the 64-bit integer boundaries) where the precision allows.
fn gen_tie(rng: &mut SplitMix, f: &Format) -> u128 {
    let p = i64::from(f.p());
    let r = rng.next();
    let top = (p - 2).min(70);
    let e = if r % 3 == 0 && p - 2 >= 61 {
        61 + (r >> 8) as i64 % 4
    } else {
        (r >> 8) as i64 % (top + 1)
    };
    let fb = i64::from(f.frac_bits());
    // Bit index of 2^-1 inside the fraction field.
    let k = fb - 1 - e;
    let above = next_u128(rng) & !((1u128 << (k + 1)) - 1) & ((1u128 << fb) - 1);
    let half = 1u128 << k;
    let frac = match (r >> 20) % 3 {
        0 => above | half,
        1 if k > 0 => above | half | 1,
        _ => above | (half - 1),
    };
    let code = (f.bias() as i64 + e) as u128;
    (u128::from((r >> 30) & 1) << (f.bits() - 1)) | (code << fb) | frac
}

/// Notable encodings of an IEEE-layout format: zeros, the extremes of each class, ±1, ±1.5,
/// ±2.5, infinities, quiet and signaling NaNs.
fn specials(f: &Format) -> Vec<u128> {
    let fb = f.frac_bits();
    let code_max = (1u128 << f.exp_bits()) - 1;
    let one = (f.bias() as u128) << fb;
    let inf = code_max << fb;
    let quiet = 1u128 << (fb - 1);
    let mut v = vec![
        0,
        1,
        quiet - 1,
        (1u128 << fb) - 1,
        1u128 << fb,
        one,
        one | quiet,
        one + (1u128 << fb) + (quiet >> 1),
        inf - 1,
        inf,
        inf | quiet,
        inf | 1,
        inf | (quiet - 1),
        inf | (quiet | 1),
    ];
    let neg: Vec<u128> = v.iter().map(|x| x | sign_bit(f)).collect();
    v.extend(neg);
    v
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

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

/// What a minimum/maximum operation must return: an operand's encoding or a NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Bits(u128),
    Nan,
}

/// IEEE 754-2019 §9.6 minimum/maximum (`number` false) and minimumNumber/maximumNumber
/// (`number` true).
fn min_max_rule(f: &Format, a: u128, b: u128, want_max: bool, number: bool) -> Want {
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

/// The encoding of the exact value `v` (host f64) with the sign of a zero `v` kept where the
/// format has -0, or `None` when no encoding holds it.
fn encode_exact(f: &Format, v: f64) -> Option<u128> {
    (0..(1u128 << f.bits())).find(|&e| {
        let d = decode(f, e);
        !d.is_nan()
            && d.to_f64() == v
            && (!f.has_neg_zero() || (e & sign_bit(f) != 0) == v.is_sign_negative())
    })
}

fn host_round(v: f64, mode: IntRound) -> f64 {
    match mode {
        IntRound::NearestEven => v.round_ties_even(),
        IntRound::NearestAway => v.round(),
        IntRound::TowardZero => v.trunc(),
        IntRound::TowardPositive => v.ceil(),
        IntRound::TowardNegative => v.floor(),
    }
}

/// Rounds the integer `v` to a small format, ties to even, by scanning every encoding in
/// units of 2^qmin (a tie goes to the neighbour that is an even multiple of their distance); overflow at `|v| >= Omega + ulp(Omega)/2` (at equality only when Omega's
/// significand is odd, SEMANTICS §2). Returns the encoding (or NaN) and the flags.
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

/// Whether an fpcore result matches a wanted encoding or NaN; NaN results must be the
/// canonical NaN under the default NaN policy.
fn matches_want(env: &Env, f: &Format, got: u128, want: Want) -> bool {
    match want {
        Want::Bits(b) => got == b,
        Want::Nan => {
            decode(f, got).is_nan()
                && (env.nan != NanPolicy::Canonical || Some(got) == f.canonical_nan())
        }
    }
}

/// Same bits, or both NaN (for references whose NaN encodings follow other rules).
fn same_or_both_nan(f: &Format, x: u128, y: u128) -> bool {
    x == y || (decode(f, x).is_nan() && decode(f, y).is_nan())
}

// ---------------------------------------------------------------------------------------------
// Comparisons, totalOrder, minimum/maximum
// ---------------------------------------------------------------------------------------------

type MinMaxFn = fn(&Env, &Format, u128, u128) -> Rounded<u128>;

/// (name, operation, max?, number?)
const MIN_MAX: [(&str, MinMaxFn, bool, bool); 4] = [
    ("minimum", fpcore::minimum, false, false),
    ("maximum", fpcore::maximum, true, false),
    ("minimum_number", fpcore::minimum_number, false, true),
    ("maximum_number", fpcore::maximum_number, true, true),
];

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
    let mut rng = SplitMix(0x0c0f_fee0);
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
            let b = match rng.next() % 4 {
                0 => a ^ sign_bit(&f),
                1 => a.wrapping_add(1) & f.mask(),
                _ => gen_bits(&mut rng, &f),
            };
            check_pair_vs_apfloat(&mut c, &f, a, b);
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
    let mut rng = SplitMix(0x5eed_c0de);
    for name in ["binary16", "binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for _ in 0..40_000 {
            let a = gen_bits(&mut rng, &f);
            let b = match rng.next() % 5 {
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
    let mut rng = SplitMix(0x7074_a10d);
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
            let b = if rng.next() % 2 == 0 { a ^ sign_bit(&f) } else { gen_bits(&mut rng, &f) };
            let (got, want) = (fpcore::total_order(&f, a, b), total_order_rule(&f, a, b));
            c.check(got == want, || format!("{f} total_order({a:#x}, {b:#x}) = {got}"));
        }
    }
    c.finish();
}

// ---------------------------------------------------------------------------------------------
// nextUp / nextDown
// ---------------------------------------------------------------------------------------------

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
    let mut rng = SplitMix(0x0e27_0097);
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

// ---------------------------------------------------------------------------------------------
// classify
// ---------------------------------------------------------------------------------------------

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
    let mut rng = SplitMix(0xc1a5_5000);
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

// ---------------------------------------------------------------------------------------------
// neg / abs / copysign
// ---------------------------------------------------------------------------------------------

/// The expected sign operations on a small format from values: neg(x) encodes -x, abs(x)
/// encodes |x|, copysign(x, y) encodes |x| with y's sign bit; NaN (and FNUZ's zero, which has
/// no sign) map to themselves where the format gives them no sign (FNUZ), and otherwise flip
/// or take the sign bit (IEEE 754-2019 §5.5.1: bit operations, NaNs included).
fn sign_rule(f: &Format, a: u128, neg: Option<bool>) -> u128 {
    let d = decode(f, a);
    let neg_a = a & sign_bit(f) != 0;
    let want_neg = match neg {
        None => !neg_a,
        Some(n) => n,
    };
    if f.specials() == Specials::Fnuz && (d.is_nan() || d.is_zero()) {
        return a;
    }
    match d {
        Dec::Nan { .. } => (a & !sign_bit(f)) | if want_neg { sign_bit(f) } else { 0 },
        _ => {
            let mag = (a & !sign_bit(f), decode(f, a & !sign_bit(f)));
            // The encoding whose value is the magnitude with the wanted sign, found by value.
            let target = if want_neg { -mag.1.to_f64() } else { mag.1.to_f64() };
            let found = (0..(1u128 << f.bits())).find(|&e| {
                let de = decode(f, e);
                !de.is_nan() && de.to_f64() == target && (e & sign_bit(f) != 0) == want_neg
            });
            found.expect("every finite value's negation is encodable in these formats")
        }
    }
}

#[test]
fn neg_abs_copysign_exhaustive_vs_rule_apfloat_and_host() {
    let mut c = Checks::new("neg/abs/copysign");
    for f in small_formats() {
        let has_ap = apfloat_class(&f, 0).is_some();
        for a in 0..(1u128 << f.bits()) {
            let (got, want) = (fpcore::neg(&f, a), sign_rule(&f, a, None));
            c.check(got == want, || format!("{f} neg({a:#x}) = {got:#x}, want {want:#x}"));
            let (got, want) = (fpcore::abs(&f, a), sign_rule(&f, a, Some(false)));
            c.check(got == want, || format!("{f} abs({a:#x}) = {got:#x}, want {want:#x}"));
            if has_ap {
                let theirs = apfloat_neg(&f, a).expect("APFloat format");
                let got = fpcore::neg(&f, a);
                c.check(got == theirs, || {
                    format!("{f} neg({a:#x}) = {got:#x}, APFloat {theirs:#x}")
                });
                let theirs = apfloat_abs(&f, a).expect("APFloat format");
                let got = fpcore::abs(&f, a);
                c.check(got == theirs, || {
                    format!("{f} abs({a:#x}) = {got:#x}, APFloat {theirs:#x}")
                });
            }
            for b in 0..(1u128 << f.bits()) {
                let got = fpcore::copysign(&f, a, b);
                let want = sign_rule(&f, a, Some(b & sign_bit(&f) != 0));
                c.check(got == want, || {
                    format!("{f} copysign({a:#x}, {b:#x}) = {got:#x}, want {want:#x}")
                });
                if has_ap {
                    let theirs = apfloat_copysign(&f, a, b).expect("APFloat format");
                    c.check(got == theirs, || {
                        format!("{f} copysign({a:#x}, {b:#x}) = {got:#x}, APFloat {theirs:#x}")
                    });
                }
            }
        }
    }
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        let theirs = apfloat_neg(&f16, a).expect("APFloat format");
        c.check(fpcore::neg(&f16, a) == theirs, || format!("binary16 neg({a:#x})"));
        let theirs = apfloat_abs(&f16, a).expect("APFloat format");
        c.check(fpcore::abs(&f16, a) == theirs, || format!("binary16 abs({a:#x})"));
        for b in [0u128, 0x8000, 0x7e00, 0xfe01, 0x3c00, 0xbc00] {
            let theirs = apfloat_copysign(&f16, a, b).expect("APFloat format");
            c.check(fpcore::copysign(&f16, a, b) == theirs, || {
                format!("binary16 copysign({a:#x}, {b:#x})")
            });
        }
    }
    // Host bit operations: `-x`, `abs`, `copysign` are sign-bit operations on f32/f64.
    let mut rng = SplitMix(0x5191_0000);
    let (f32_fmt, f64_fmt) = (fmt("binary32"), fmt("binary64"));
    for _ in 0..50_000 {
        let (a, b) = (gen_bits(&mut rng, &f32_fmt), gen_bits(&mut rng, &f32_fmt));
        let (x, y) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
        c.check(fpcore::neg(&f32_fmt, a) == u128::from((-x).to_bits()), || {
            format!("f32 neg {a:#x}")
        });
        c.check(fpcore::abs(&f32_fmt, a) == u128::from(x.abs().to_bits()), || {
            format!("f32 abs {a:#x}")
        });
        c.check(fpcore::copysign(&f32_fmt, a, b) == u128::from(x.copysign(y).to_bits()), || {
            format!("f32 copysign {a:#x} {b:#x}")
        });
        let (a, b) = (gen_bits(&mut rng, &f64_fmt), gen_bits(&mut rng, &f64_fmt));
        let (x, y) = (f64::from_bits(a as u64), f64::from_bits(b as u64));
        c.check(fpcore::neg(&f64_fmt, a) == u128::from((-x).to_bits()), || {
            format!("f64 neg {a:#x}")
        });
        c.check(fpcore::abs(&f64_fmt, a) == u128::from(x.abs().to_bits()), || {
            format!("f64 abs {a:#x}")
        });
        c.check(fpcore::copysign(&f64_fmt, a, b) == u128::from(x.copysign(y).to_bits()), || {
            format!("f64 copysign {a:#x} {b:#x}")
        });
    }
    c.finish();
}

// ---------------------------------------------------------------------------------------------
// roundToIntegral
// ---------------------------------------------------------------------------------------------

fn x86_env() -> Env {
    Env { nan: NanPolicy::X86Sse, ..Env::default() }
}

fn check_rti_vs_softfloat(c: &mut Checks, f: &Format, a: u128) {
    for mode in MODES {
        for exact in [false, true] {
            let (tb, tf) = softfloat_round_to_int(f, a, mode, exact).expect("SoftFloat format");
            // SoftFloat's NaNs are x86 SSE's.
            let got = fpcore::round_to_integral(&x86_env(), f, a, mode, exact);
            c.check((got.value, got.flags) == (tb, tf), || {
                format!("{f} round_to_integral({a:#x}, {mode:?}, exact={exact}) = {got:?}, SoftFloat {tb:#x} {tf}")
            });
            let canon = fpcore::round_to_integral(&Env::default(), f, a, mode, exact);
            let ok = if decode(f, tb).is_nan() {
                Some(canon.value) == f.canonical_nan() && canon.flags == tf
            } else {
                canon == got
            };
            c.check(ok, || format!("{f} round_to_integral({a:#x}) canonical NaN: {canon:?}"));
        }
    }
}

#[test]
fn round_to_integral_binary16_exhaustive_vs_softfloat() {
    let mut c = Checks::new("round_to_integral, every binary16 x 5 modes x exact, vs SoftFloat");
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        check_rti_vs_softfloat(&mut c, &f16, a);
    }
    c.finish();
}

#[test]
fn round_to_integral_wide_formats_vs_softfloat() {
    let mut c = Checks::new("round_to_integral on binary32/64/128 vs SoftFloat");
    let mut rng = SplitMix(0x0070_1a7e);
    for name in ["binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for a in specials(&f) {
            check_rti_vs_softfloat(&mut c, &f, a);
        }
        for _ in 0..15_000 {
            let a = gen_bits(&mut rng, &f);
            check_rti_vs_softfloat(&mut c, &f, a);
            let a = gen_tie(&mut rng, &f);
            check_rti_vs_softfloat(&mut c, &f, a);
        }
    }
    c.finish();
}

#[test]
fn round_to_integral_small_formats_exhaustive_vs_host_rounding_and_apfloat() {
    let mut c = Checks::new("round_to_integral, every encoding of every small format");
    for f in small_formats() {
        // APFloat rounds through |a| + 2^(p-1), which must stay finite in the format.
        let ap_ok = apfloat_class(&f, 0).is_some() && f.emax() >= f.p() as i32;
        for env in [Env::default(), Env { overflow: OverflowPolicy::Saturate, ..Env::default() }] {
            for a in 0..(1u128 << f.bits()) {
                let d = decode(&f, a);
                for mode in MODES {
                    for exact in [false, true] {
                        let got = fpcore::round_to_integral(&env, &f, a, mode, exact);
                        let (want, flags) = match d {
                            Dec::Nan { .. } => (Want::Nan, snan_flags(&[d])),
                            Dec::Inf { .. } => (Want::Bits(a), Flags::NONE),
                            Dec::Fin { neg, .. } => {
                                let v = d.to_f64();
                                let r = host_round(v, mode);
                                match encode_exact(&f, r) {
                                    Some(e) => {
                                        let inexact = exact && r != v;
                                        (
                                            Want::Bits(e),
                                            if inexact { Flags::INEXACT } else { Flags::NONE },
                                        )
                                    }
                                    // The integer is beyond the largest finite value (e2m3fn:
                                    // 7.5 rounds to 8): an overflow, as rounding 8 would give.
                                    None => {
                                        let ov = overflow_result(&env, &f, neg);
                                        let w = if decode(&f, ov).is_nan() {
                                            Want::Nan
                                        } else {
                                            Want::Bits(ov)
                                        };
                                        (w, Flags::OVERFLOW.union(Flags::INEXACT))
                                    }
                                }
                            }
                        };
                        let ok = match want {
                            Want::Nan if !d.is_nan() => decode(&f, got.value).is_nan(),
                            _ => matches_want(&env, &f, got.value, want),
                        };
                        c.check(ok && got.flags == flags, || {
                            format!("{f} {env:?} round_to_integral({a:#x}, {mode:?}, exact={exact}) = {got:?}, want {want:?} {flags}")
                        });
                    }
                    if ap_ok && env == Env::default() {
                        let (tb, tf) =
                            apfloat_round_to_integral(&f, a, mode).expect("APFloat format");
                        let got = fpcore::round_to_integral(&env, &f, a, mode, true);
                        c.check(same_or_both_nan(&f, got.value, tb) && got.flags == tf, || {
                            format!("{f} round_to_integral({a:#x}, {mode:?}) = {got:?}, APFloat {tb:#x} {tf}")
                        });
                    }
                }
            }
        }
    }
    c.finish();
}

// ---------------------------------------------------------------------------------------------
// convertToInteger (to_i64 / to_u64)
// ---------------------------------------------------------------------------------------------

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
    let mut rng = SplitMix(0x1264_0064);
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

// ---------------------------------------------------------------------------------------------
// convertFromInt (from_i64 / from_u64)
// ---------------------------------------------------------------------------------------------

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
        let r = rng.next();
        v.push(r >> (rng.next() % 64));
    }
    v
}

#[test]
fn from_i64_from_u64_vs_softfloat() {
    let mut c = Checks::new("from_i64/from_u64 on binary16/32/64/128 vs SoftFloat");
    let mut rng = SplitMix(0xf201_1264);
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
    let mut rng = SplitMix(0x5a11_1264);
    let mut ints: Vec<u64> = (0..=1100).collect();
    ints.extend(hard_integers(&mut rng));
    for f in small_formats() {
        let has_ap = apfloat_class(&f, 0).is_some();
        for env in [Env::default(), Env { overflow: OverflowPolicy::Saturate, ..Env::default() }] {
            for &u in &ints {
                let (want, flags) = round_int_rule(&env, &f, i128::from(u));
                let got = fpcore::from_u64(&env, &f, u);
                let ok = match want {
                    // Overflow NaNs carry the sign in NanOnly formats (SEMANTICS §2).
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

// ---------------------------------------------------------------------------------------------
// Host f32 / f64 conversions
// ---------------------------------------------------------------------------------------------

/// binary64 encodings around binary32's rounding points: midpoints between neighbouring
/// binary32 values and one binary64 ulp either side, the overflow threshold, and the
/// underflow region.
fn f64_near_f32_ties(rng: &mut SplitMix) -> Vec<u64> {
    let mut v = vec![
        0x47EF_FFFF_F000_0000, // f32::MAX + half an ulp: overflows (tie to even 2^128)
        0x47EF_FFFF_EFFF_FFFF,
        0x47EF_FFFF_F000_0001,
        0x36A0_0000_0000_0000, // 2^-149 / 2: tie between 0 and the smallest subnormal
        0x36A0_0000_0000_0001,
        0x369F_FFFF_FFFF_FFFF,
        0x36B8_0000_0000_0000, // 1.5 * 2^-149: tie between 1 and 2 subnormal ulps
        0x380F_FFFF_F000_0000, // just below 2^-126 by half a subnormal ulp
        0x380F_FFFF_E000_0000,
    ];
    for _ in 0..5000 {
        let x = f32::from_bits(rng.next() as u32 & 0x7F7F_FFFF);
        let base = f64::from(x).to_bits();
        let half = 1u64 << 28;
        for k in [half - 1, half, half + 1, 3 * half] {
            let s = if rng.next() & 1 == 1 { 1u64 << 63 } else { 0 };
            v.push((base + k) | s);
        }
    }
    v
}

#[test]
fn host_float_conversions_vs_host_casts_and_softfloat() {
    let mut c = Checks::new("from_f64/to_f64/from_f32/to_f32 vs host casts and SoftFloat flags");
    let env = Env::default();
    let (f32_fmt, f64_fmt, f16_fmt) = (fmt("binary32"), fmt("binary64"), fmt("binary16"));
    let sf = SoftFloat::default();
    let mut rng = SplitMix(0x4057_f10a);
    let mut f64s: Vec<u64> = f64_near_f32_ties(&mut rng);
    for _ in 0..30_000 {
        f64s.push(gen_bits(&mut rng, &f64_fmt) as u64);
    }
    f64s.extend(specials(&f64_fmt).into_iter().map(|x| x as u64));
    for &xb in &f64s {
        let x = f64::from_bits(xb);
        // f64 -> f32: host `as` rounds to nearest even; flags from SoftFloat.
        let got = fpcore::from_f64(&env, &f32_fmt, x);
        let (_, sf_flags) =
            sf.eval(&f64_fmt, &Op::Cvt(f32_fmt), &[u128::from(xb)]).expect("SoftFloat converts");
        let host = (x as f32).to_bits();
        let ok = if x.is_nan() {
            Some(got.value) == f32_fmt.canonical_nan()
        } else {
            got.value == u128::from(host)
        };
        c.check(ok && got.flags == sf_flags, || {
            format!(
                "from_f64(binary32, {xb:#x}) = {got:?}, host {host:#x}, SoftFloat flags {sf_flags}"
            )
        });
        // The same through to_f32 (binary64 operand).
        let got = fpcore::to_f32(&env, &f64_fmt, u128::from(xb));
        let ok = if x.is_nan() { got.value.is_nan() } else { got.value.to_bits() == host };
        c.check(ok && got.flags == sf_flags, || format!("to_f32(binary64, {xb:#x}) = {got:?}"));
        // Identity on binary64, from either side.
        let got = fpcore::from_f64(&env, &f64_fmt, x);
        let want_flags = snan_flags(&[decode(&f64_fmt, u128::from(xb))]);
        let ok = if x.is_nan() {
            Some(got.value) == f64_fmt.canonical_nan()
        } else {
            got.value == u128::from(xb)
        };
        c.check(ok && got.flags == want_flags, || format!("from_f64(binary64, {xb:#x}) = {got:?}"));
        let got = fpcore::to_f64(&env, &f64_fmt, u128::from(xb));
        let ok = if x.is_nan() { got.value.is_nan() } else { got.value.to_bits() == xb };
        c.check(ok && got.flags == want_flags, || format!("to_f64(binary64, {xb:#x}) = {got:?}"));
    }
    // f32 -> f64 is exact: host `as`, no flags but invalid for a signaling NaN.
    for _ in 0..50_000 {
        let a = gen_bits(&mut rng, &f32_fmt);
        let x = f32::from_bits(a as u32);
        let want_flags = snan_flags(&[decode(&f32_fmt, a)]);
        let host = f64::from(x).to_bits();
        let got = fpcore::from_f32(&env, &f64_fmt, x);
        let ok = if x.is_nan() {
            Some(got.value) == f64_fmt.canonical_nan()
        } else {
            got.value == u128::from(host)
        };
        c.check(ok && got.flags == want_flags, || format!("from_f32(binary64, {a:#x}) = {got:?}"));
        let got = fpcore::to_f64(&env, &f32_fmt, a);
        let ok = if x.is_nan() { got.value.is_nan() } else { got.value.to_bits() == host };
        c.check(ok && got.flags == want_flags, || format!("to_f64(binary32, {a:#x}) = {got:?}"));
        // f32 -> binary16 rounds once: SoftFloat is the reference.
        let (tb, tf) = sf.eval(&f32_fmt, &Op::Cvt(f16_fmt), &[a]).expect("SoftFloat converts");
        let got = fpcore::from_f32(&x86_env(), &f16_fmt, x);
        c.check((got.value, got.flags) == (tb, tf), || {
            format!("from_f32(binary16, {a:#x}) = {got:?}, SoftFloat {tb:#x} {tf}")
        });
    }
    // Widening every small-format and binary16 encoding to the host formats is exact.
    for f in small_formats().into_iter().chain([f16_fmt]) {
        for a in 0..(1u128 << f.bits()) {
            let d = decode(&f, a);
            let want = d.to_f64();
            let got = fpcore::to_f64(&env, &f, a);
            let ok =
                if d.is_nan() { got.value.is_nan() } else { got.value.to_bits() == want.to_bits() };
            c.check(ok && got.flags == snan_flags(&[d]), || {
                format!("{f} to_f64({a:#x}) = {got:?}, want {want:e}")
            });
            let got = fpcore::to_f32(&env, &f, a);
            let ok = if d.is_nan() {
                got.value.is_nan()
            } else {
                got.value.to_bits() == (want as f32).to_bits()
            };
            c.check(ok && got.flags == snan_flags(&[d]), || {
                format!("{f} to_f32({a:#x}) = {got:?}")
            });
            if !d.is_nan() {
                // And back: from_f64 of the exact value is the same encoding (FNUZ: +0 for -0).
                let back = fpcore::from_f64(&env, &f, want);
                c.check(back == Rounded::exact(a), || {
                    format!("{f} from_f64(to_f64({a:#x})) = {back:?}")
                });
            }
        }
    }
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        let h = half::f16::from_bits(a as u16);
        let got = fpcore::to_f32(&env, &f16, a);
        let ok = if h.is_nan() {
            got.value.is_nan()
        } else {
            got.value.to_bits() == h.to_f32().to_bits()
        };
        c.check(ok, || format!("binary16 to_f32({a:#x}) = {got:?}, half {}", h.to_f32()));
    }
    c.finish();
}
