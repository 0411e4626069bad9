//! Shared by the tests of the non-arithmetic operations: the formats they enumerate, values decoded
//! from the encoding fields independently of `Format::unpack` with exact comparison of `sig *
//! 2^exp`, the overflow result by rule, the class-weighted generators and special values, and the
//! collection of mismatches.
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

use std::cmp::Ordering as CmpOrdering;

use fpcore::{Env, Flags, Format, IntRound, NanPolicy, OverflowPolicy, Specials};

use crate::support::{fmt, SplitMix};

/// The OCP FP8 formats without infinities, the FNUZ formats and the MX finite-only element
/// types.
pub const FP8_MX: [&str; 6] = ["e4m3fn", "e4m3fnuz", "e5m2fnuz", "e2m1fn", "e2m3fn", "e3m2fn"];

/// Every format of at most 9 bits the tests enumerate: OCP FP8, FNUZ, the MX finite-only
/// element types, small IEEE layouts (some of which APFloat also has), and abstract formats
/// whose exponent field has codes past the infinity code (the paper's F(4, -6, 8), p = 1, and
/// p = 2 with 3 normal binades in a 4-bit exponent field).
pub fn small_formats() -> Vec<Format> {
    let ieee = ["e2m1", "e3m2", "e2m3", "e3m4", "e4m3", "e2m5"];
    let abstract_formats = ["p=4,emin=-6,emax=8", "p=1,emin=-6,emax=7", "p=2,emin=-3,emax=3"];
    ["e5m2"].into_iter().chain(FP8_MX).chain(ieee).chain(abstract_formats).map(fmt).collect()
}

pub const MODES: [IntRound; 5] = [
    IntRound::NearestEven,
    IntRound::NearestAway,
    IntRound::TowardZero,
    IntRound::TowardPositive,
    IntRound::TowardNegative,
];

pub fn sign_bit(f: &Format) -> u128 {
    1u128 << (f.bits() - 1)
}

/// A value decoded from the encoding fields, independently of `Format::unpack`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dec {
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
    pub fn is_nan(self) -> bool {
        matches!(self, Dec::Nan { .. })
    }
    pub fn is_snan(self) -> bool {
        matches!(self, Dec::Nan { quiet: false, .. })
    }
    pub fn is_zero(self) -> bool {
        matches!(self, Dec::Fin { sig: 0, .. })
    }
    /// The exact value as a host f64 (exact for every format of at most 16 bits).
    pub fn to_f64(self) -> f64 {
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

/// Decodes `bits` from the layout described in docs/semantics.md §1 and on `Format`: IEEE layouts
/// (the exponent code `emax + bias + 1` holds infinity and NaNs, every larger code is a quiet
/// NaN, as only abstract formats have), e4m3fn, FNUZ, finite-only.
pub fn decode(f: &Format, bits: u128) -> Dec {
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
pub fn cmp_mag(sa: u128, ea: i32, sb: u128, eb: i32) -> CmpOrdering {
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
pub fn cmp_value(a: Dec, b: Dec) -> CmpOrdering {
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
pub fn cmp_signed_zero(a: Dec, b: Dec) -> CmpOrdering {
    match (a, b) {
        (Dec::Fin { neg: na, sig: 0, .. }, Dec::Fin { neg: nb, sig: 0, .. }) => nb.cmp(&na),
        _ => cmp_value(a, b),
    }
}

pub fn to_fp_ordering(o: CmpOrdering) -> fpcore::Ordering {
    match o {
        CmpOrdering::Less => fpcore::Ordering::Less,
        CmpOrdering::Equal => fpcore::Ordering::Equal,
        CmpOrdering::Greater => fpcore::Ordering::Greater,
    }
}

/// The flags of a quiet operation: invalid exactly when an operand is a signaling NaN.
pub fn snan_flags(ds: &[Dec]) -> Flags {
    if ds.iter().any(|d| d.is_snan()) {
        Flags::INVALID
    } else {
        Flags::NONE
    }
}

/// The result of an overflow with the given sign, by docs/semantics.md §2 and the overflow policy.
/// In NanOnly and FNUZ formats the result is some NaN (callers compare NaN-ness only).
pub fn overflow_result(env: &Env, f: &Format, neg: bool) -> u128 {
    let max = max_finite(f) | if neg { sign_bit(f) } else { 0 };
    match (f.specials(), env.overflow) {
        (Specials::FiniteOnly, _) | (_, OverflowPolicy::Saturate) => max,
        (Specials::Ieee, _) => {
            let inf_code = (f.emax() + f.bias() + 1) as u128;
            (if neg { sign_bit(f) } else { 0 }) | (inf_code << f.frac_bits())
        }
        (Specials::NanOnly, _) => (if neg { sign_bit(f) } else { 0 }) | (f.mask() >> 1),
        (Specials::Fnuz, _) => sign_bit(f),
        // Signed layouts of the P3109 kinds: infinity at the all-ones magnitude, or below it.
        (Specials::FnuzInf, _) => (if neg { sign_bit(f) } else { 0 }) | (f.mask() >> 1),
        (Specials::NanInf, _) => (if neg { sign_bit(f) } else { 0 }) | ((f.mask() >> 1) - 1),
    }
}

/// The largest finite positive encoding, found by scanning (small formats only).
pub fn max_finite(f: &Format) -> u128 {
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

/// Counts cases and keeps the first mismatches; `finish` fails with them.
pub struct Checks {
    what: &'static str,
    cases: u64,
    failed: u64,
    first: Vec<String>,
}

impl Checks {
    pub fn new(what: &'static str) -> Checks {
        Checks { what, cases: 0, failed: 0, first: Vec::new() }
    }
    pub fn check(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        self.cases += 1;
        if !ok {
            self.failed += 1;
            if self.first.len() < 20 {
                self.first.push(msg());
            }
        }
    }
    pub fn finish(self) {
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

/// An encoding of an IEEE-layout format drawn by class: exponent codes at the ends of the
/// range, around 1, around the integer boundary 2^(p-1), around 2^63 and 2^64; fractions 0,
/// all ones, the quiet bit, few low bits, or random.
pub fn gen_bits(rng: &mut SplitMix, f: &Format) -> u128 {
    let code_max = (1u128 << f.exp_bits()) - 1;
    let bias = f.bias() as u128;
    let p = u128::from(f.p());
    let r = rng.next_u64();
    let wide = rng.next_u128();
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
    let rand = rng.next_u128();
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
pub fn gen_tie(rng: &mut SplitMix, f: &Format) -> u128 {
    let p = i64::from(f.p());
    let r = rng.next_u64();
    let top = (p - 2).min(70);
    let e = if r % 3 == 0 && p - 2 >= 61 {
        61 + (r >> 8) as i64 % 4
    } else {
        (r >> 8) as i64 % (top + 1)
    };
    let fb = i64::from(f.frac_bits());
    // Bit index of 2^-1 inside the fraction field.
    let k = fb - 1 - e;
    let above = rng.next_u128() & !((1u128 << (k + 1)) - 1) & ((1u128 << fb) - 1);
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
pub fn specials(f: &Format) -> Vec<u128> {
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

/// What a minimum/maximum operation must return: an operand's encoding or a NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Bits(u128),
    Nan,
}

/// Whether an fpcore result matches a wanted encoding or NaN; NaN results must be the
/// canonical NaN under the default NaN policy.
pub fn matches_want(env: &Env, f: &Format, got: u128, want: Want) -> bool {
    match want {
        Want::Bits(b) => got == b,
        Want::Nan => {
            decode(f, got).is_nan()
                && (env.nan != NanPolicy::Canonical || Some(got) == f.canonical_nan())
        }
    }
}

/// Same bits, or both NaN (for references whose NaN encodings follow other rules).
pub fn same_or_both_nan(f: &Format, x: u128, y: u128) -> bool {
    x == y || (decode(f, x).is_nan() && decode(f, y).is_nan())
}

pub fn x86_env() -> Env {
    Env { nan: NanPolicy::X86Sse, ..Env::default() }
}
