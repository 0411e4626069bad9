//! Independent references for the non-arithmetic operations: comparisons, minimum/maximum,
//! nextUp/nextDown, classification, sign operations, roundToIntegral and the integer
//! conversions, from Berkeley SoftFloat 3 (binary16/32/64/128) and LLVM APFloat (the formats of
//! [`crate::apfloat::FORMATS`] listed in [`apfloat_supports`]).
//!
//! Each function returns `None` when its backend lacks the format, and otherwise the backend's
//! result as it stands: encodings as `u128`, flags in TestFloat's order. Nothing here compares
//! against fpcore. SoftFloat results follow its 8086-SSE specialization (NaN results are x86
//! SSE NaNs; an invalid conversion to `i64` gives `i64::MIN` and to `u64` gives `u64::MAX`).
//!
//! NOTE: the SoftFloat calls of this module are `unsafe` FFI, like those of
//! [`crate::softfloat`]; each has its `SAFETY:` comment. SoftFloat's state is per thread (see
//! [`crate::softfloat`]), so every call sets it up and reads the flags back on the calling
//! thread.

use std::cmp::Ordering;

use fpcore::{Flags, Format, IntRound, Tininess};
use rustc_apfloat::ieee::{
    BFloat, Double, Float8E4M3FN, Float8E5M2, Half, IeeeFloat, Quad, Single,
};
use rustc_apfloat::{Float, Round};
use softfloat_sys as sf;

use crate::apfloat::{flags_from_status, ApFormat, E2M1, E2M3, E2M5, E3M2, E3M4, E4M3};
use crate::softfloat::{self, f128, f16, f32, f64, from_f128, Sf};

// ---------------------------------------------------------------------------------------------
// SoftFloat
// ---------------------------------------------------------------------------------------------

/// The SoftFloat format of `fmt` when SoftFloat has arithmetic in it (bfloat16 has
/// conversions only and is left out).
fn sf_format(fmt: &Format) -> Option<Sf> {
    softfloat::sf_format(fmt).filter(|sf| *sf != Sf::Bf16)
}

/// Whether the SoftFloat functions of this module cover `fmt` (binary16, binary32, binary64,
/// binary128).
pub fn softfloat_supports(fmt: &Format) -> bool {
    sf_format(fmt).is_some()
}

/// SoftFloat's rounding-mode enumerator for an integer rounding direction.
fn sf_mode(mode: IntRound) -> u8 {
    match mode {
        IntRound::NearestEven => sf::softfloat_round_near_even,
        IntRound::NearestAway => sf::softfloat_round_near_maxMag,
        IntRound::TowardZero => sf::softfloat_round_minMag,
        IntRound::TowardPositive => sf::softfloat_round_max,
        IntRound::TowardNegative => sf::softfloat_round_min,
    }
}

/// Runs `f` on SoftFloat's per-thread state (tininess after rounding) and returns its result
/// with the flags it raised.
fn with_state<T>(f: impl FnOnce() -> T) -> (T, Flags) {
    softfloat::with_state(Tininess::AfterRounding, f)
}

/// A SoftFloat comparison predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SfPredicate {
    /// `fN_eq`: a == b, invalid only for signaling NaNs (compareQuietEqual).
    Eq,
    /// `fN_le`: a <= b, invalid for any NaN (compareSignalingLessEqual).
    Le,
    /// `fN_lt`: a < b, invalid for any NaN (compareSignalingLess).
    Lt,
    /// `fN_eq_signaling`: a == b, invalid for any NaN (compareSignalingEqual).
    EqSignaling,
    /// `fN_le_quiet`: a <= b, invalid only for signaling NaNs (compareQuietLessEqual).
    LeQuiet,
    /// `fN_lt_quiet`: a < b, invalid only for signaling NaNs (compareQuietLess).
    LtQuiet,
}

impl SfPredicate {
    /// Every predicate, in declaration order.
    pub const ALL: [SfPredicate; 6] = [
        SfPredicate::Eq,
        SfPredicate::Le,
        SfPredicate::Lt,
        SfPredicate::EqSignaling,
        SfPredicate::LeQuiet,
        SfPredicate::LtQuiet,
    ];
}

macro_rules! sf_cmp {
    ($pred:expr, $a:expr, $b:expr, $eq:ident, $le:ident, $lt:ident, $eqs:ident, $leq:ident, $ltq:ident) => {
        match $pred {
            SfPredicate::Eq => sf::$eq($a, $b),
            SfPredicate::Le => sf::$le($a, $b),
            SfPredicate::Lt => sf::$lt($a, $b),
            SfPredicate::EqSignaling => sf::$eqs($a, $b),
            SfPredicate::LeQuiet => sf::$leq($a, $b),
            SfPredicate::LtQuiet => sf::$ltq($a, $b),
        }
    };
}

/// SoftFloat's comparison `pred(a, b)` with its flags.
pub fn softfloat_compare(
    fmt: &Format,
    pred: SfPredicate,
    a: u128,
    b: u128,
) -> Option<(bool, Flags)> {
    let sfmt = sf_format(fmt)?;
    Some(with_state(|| {
        // SAFETY: SoftFloat's comparisons are pure functions of their by-value operands apart
        // from the per-thread flag state; every bit pattern is a valid operand.
        unsafe {
            match sfmt {
                Sf::F16 => sf_cmp!(
                    pred,
                    f16(a),
                    f16(b),
                    f16_eq,
                    f16_le,
                    f16_lt,
                    f16_eq_signaling,
                    f16_le_quiet,
                    f16_lt_quiet
                ),
                Sf::F32 => sf_cmp!(
                    pred,
                    f32(a),
                    f32(b),
                    f32_eq,
                    f32_le,
                    f32_lt,
                    f32_eq_signaling,
                    f32_le_quiet,
                    f32_lt_quiet
                ),
                Sf::F64 => sf_cmp!(
                    pred,
                    f64(a),
                    f64(b),
                    f64_eq,
                    f64_le,
                    f64_lt,
                    f64_eq_signaling,
                    f64_le_quiet,
                    f64_lt_quiet
                ),
                Sf::F128 => sf_cmp!(
                    pred,
                    f128(a),
                    f128(b),
                    f128_eq,
                    f128_le,
                    f128_lt,
                    f128_eq_signaling,
                    f128_le_quiet,
                    f128_lt_quiet
                ),
                Sf::Bf16 => unreachable!("bfloat16 is left out by sf_format"),
            }
        }
    }))
}

/// SoftFloat's `fN_roundToInt(a, mode, exact)`: roundToIntegral, or roundToIntegralExact when
/// `exact` (inexact raised).
pub fn softfloat_round_to_int(
    fmt: &Format,
    a: u128,
    mode: IntRound,
    exact: bool,
) -> Option<(u128, Flags)> {
    let sfmt = sf_format(fmt)?;
    let m = sf_mode(mode);
    Some(with_state(|| {
        // SAFETY: a pure function of its by-value operands apart from the per-thread flags;
        // `m` is a valid rounding-mode enumerator.
        unsafe {
            match sfmt {
                Sf::F16 => u128::from(sf::f16_roundToInt(f16(a), m, exact).v),
                Sf::F32 => u128::from(sf::f32_roundToInt(f32(a), m, exact).v),
                Sf::F64 => u128::from(sf::f64_roundToInt(f64(a), m, exact).v),
                Sf::F128 => from_f128(sf::f128_roundToInt(f128(a), m, exact)),
                Sf::Bf16 => unreachable!("bfloat16 is left out by sf_format"),
            }
        }
    }))
}

/// SoftFloat's `fN_to_i64(a, mode, exact)`: convertToInteger (inexact raised only when
/// `exact`); NaN and out-of-range operands give `i64::MIN` with invalid.
pub fn softfloat_to_i64(
    fmt: &Format,
    a: u128,
    mode: IntRound,
    exact: bool,
) -> Option<(i64, Flags)> {
    let sfmt = sf_format(fmt)?;
    let m = sf_mode(mode);
    Some(with_state(|| {
        // SAFETY: as for `softfloat_round_to_int`.
        unsafe {
            match sfmt {
                Sf::F16 => sf::f16_to_i64(f16(a), m, exact),
                Sf::F32 => sf::f32_to_i64(f32(a), m, exact),
                Sf::F64 => sf::f64_to_i64(f64(a), m, exact),
                Sf::F128 => sf::f128_to_i64(f128(a), m, exact),
                Sf::Bf16 => unreachable!("bfloat16 is left out by sf_format"),
            }
        }
    }))
}

/// SoftFloat's `fN_to_ui64(a, mode, exact)`: as [`softfloat_to_i64`]; invalid gives
/// `u64::MAX`.
pub fn softfloat_to_u64(
    fmt: &Format,
    a: u128,
    mode: IntRound,
    exact: bool,
) -> Option<(u64, Flags)> {
    let sfmt = sf_format(fmt)?;
    let m = sf_mode(mode);
    Some(with_state(|| {
        // SAFETY: as for `softfloat_round_to_int`.
        unsafe {
            match sfmt {
                Sf::F16 => sf::f16_to_ui64(f16(a), m, exact),
                Sf::F32 => sf::f32_to_ui64(f32(a), m, exact),
                Sf::F64 => sf::f64_to_ui64(f64(a), m, exact),
                Sf::F128 => sf::f128_to_ui64(f128(a), m, exact),
                Sf::Bf16 => unreachable!("bfloat16 is left out by sf_format"),
            }
        }
    }))
}

/// SoftFloat's `i64_to_fN(v)`, rounded to nearest even.
pub fn softfloat_from_i64(fmt: &Format, v: i64) -> Option<(u128, Flags)> {
    let sfmt = sf_format(fmt)?;
    Some(with_state(|| {
        // SAFETY: a pure function of its by-value operand apart from the per-thread state set
        // up by `with_state`.
        unsafe {
            match sfmt {
                Sf::F16 => u128::from(sf::i64_to_f16(v).v),
                Sf::F32 => u128::from(sf::i64_to_f32(v).v),
                Sf::F64 => u128::from(sf::i64_to_f64(v).v),
                Sf::F128 => from_f128(sf::i64_to_f128(v)),
                Sf::Bf16 => unreachable!("bfloat16 is left out by sf_format"),
            }
        }
    }))
}

/// SoftFloat's `ui64_to_fN(v)`, rounded to nearest even.
pub fn softfloat_from_u64(fmt: &Format, v: u64) -> Option<(u128, Flags)> {
    let sfmt = sf_format(fmt)?;
    Some(with_state(|| {
        // SAFETY: as for `softfloat_from_i64`.
        unsafe {
            match sfmt {
                Sf::F16 => u128::from(sf::ui64_to_f16(v).v),
                Sf::F32 => u128::from(sf::ui64_to_f32(v).v),
                Sf::F64 => u128::from(sf::ui64_to_f64(v).v),
                Sf::F128 => from_f128(sf::ui64_to_f128(v)),
                Sf::Bf16 => unreachable!("bfloat16 is left out by sf_format"),
            }
        }
    }))
}

// ---------------------------------------------------------------------------------------------
// APFloat
// ---------------------------------------------------------------------------------------------

/// Runs `$body` with the type alias `$t` bound to the APFloat type of `$fmt`; returns `None`
/// from the enclosing function for formats outside [`apfloat_supports`].
macro_rules! ap_dispatch {
    ($fmt:expr, $t:ident => $body:expr) => {
        match ApFormat::of($fmt)? {
            ApFormat::Half => {
                type $t = Half;
                $body
            }
            ApFormat::Single => {
                type $t = Single;
                $body
            }
            ApFormat::Double => {
                type $t = Double;
                $body
            }
            ApFormat::Quad => {
                type $t = Quad;
                $body
            }
            ApFormat::BFloat => {
                type $t = BFloat;
                $body
            }
            ApFormat::Float8E5M2 => {
                type $t = Float8E5M2;
                $body
            }
            ApFormat::Float8E4M3FN => {
                type $t = Float8E4M3FN;
                $body
            }
            ApFormat::E2M1 => {
                type $t = IeeeFloat<E2M1>;
                $body
            }
            ApFormat::E3M2 => {
                type $t = IeeeFloat<E3M2>;
                $body
            }
            ApFormat::E2M3 => {
                type $t = IeeeFloat<E2M3>;
                $body
            }
            ApFormat::E2M5 => {
                type $t = IeeeFloat<E2M5>;
                $body
            }
            ApFormat::E3M4 => {
                type $t = IeeeFloat<E3M4>;
                $body
            }
            ApFormat::E4M3 => {
                type $t = IeeeFloat<E4M3>;
                $body
            }
            _ => return None,
        }
    };
}

/// Whether the APFloat functions of this module cover `fmt`: binary16/32/64/128, bfloat16,
/// e5m2, e4m3fn, and the IEEE layouts e2m1, e3m2, e2m3, e2m5, e3m4, e4m3.
pub fn apfloat_supports(fmt: &Format) -> bool {
    apfloat_class(fmt, 0).is_some()
}

fn ap_round(mode: IntRound) -> Round {
    match mode {
        IntRound::NearestEven => Round::NearestTiesToEven,
        IntRound::NearestAway => Round::NearestTiesToAway,
        IntRound::TowardZero => Round::TowardZero,
        IntRound::TowardPositive => Round::TowardPositive,
        IntRound::TowardNegative => Round::TowardNegative,
    }
}

/// APFloat's `partial_cmp`: `None` inside when either operand is NaN.
pub fn apfloat_compare(fmt: &Format, a: u128, b: u128) -> Option<Option<Ordering>> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).partial_cmp(&F::from_bits(b))))
}

/// APFloat's `minimum` (IEEE 754-2019 minimum: NaN operands propagate, -0 < +0).
pub fn apfloat_minimum(fmt: &Format, a: u128, b: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).minimum(F::from_bits(b)).to_bits()))
}

/// APFloat's `maximum` (IEEE 754-2019 maximum).
pub fn apfloat_maximum(fmt: &Format, a: u128, b: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).maximum(F::from_bits(b)).to_bits()))
}

/// APFloat's `min` (IEEE 754-2008 minNum: a NaN operand is ignored; for zeros of both signs
/// it returns `a`).
pub fn apfloat_min_num(fmt: &Format, a: u128, b: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).min(F::from_bits(b)).to_bits()))
}

/// APFloat's `max` (IEEE 754-2008 maxNum, see [`apfloat_min_num`]).
pub fn apfloat_max_num(fmt: &Format, a: u128, b: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).max(F::from_bits(b)).to_bits()))
}

/// APFloat's `next_up` with its status.
pub fn apfloat_next_up(fmt: &Format, a: u128) -> Option<(u128, Flags)> {
    ap_dispatch!(fmt, F => {
        let r = F::from_bits(a).next_up();
        Some((r.value.to_bits(), flags_from_status(r.status)))
    })
}

/// APFloat's `next_down` with its status.
pub fn apfloat_next_down(fmt: &Format, a: u128) -> Option<(u128, Flags)> {
    ap_dispatch!(fmt, F => {
        let r = F::from_bits(a).next_down();
        Some((r.value.to_bits(), flags_from_status(r.status)))
    })
}

/// APFloat's `round_to_integral` in direction `mode`, with its status (APFloat raises inexact
/// whenever the result differs from the operand, as roundToIntegralExact does).
///
/// NOTE: APFloat rounds by adding and subtracting 2^(p-1), and `|a| + 2^(p-1)` must stay
/// finite: formats with `emax < p` (e2m1, e2m3, e2m5, e3m4) give wrong results near their
/// largest values (e2m1: 1.5 becomes infinity with overflow); callers keep to the others.
pub fn apfloat_round_to_integral(fmt: &Format, a: u128, mode: IntRound) -> Option<(u128, Flags)> {
    let round = ap_round(mode);
    ap_dispatch!(fmt, F => {
        let r = F::from_bits(a).round_to_integral(round);
        Some((r.value.to_bits(), flags_from_status(r.status)))
    })
}

/// APFloat's `from_i128_r` rounded to nearest even, with its status.
pub fn apfloat_from_i128(fmt: &Format, v: i128) -> Option<(u128, Flags)> {
    ap_dispatch!(fmt, F => {
        let r = F::from_i128_r(v, Round::NearestTiesToEven);
        Some((r.value.to_bits(), flags_from_status(r.status)))
    })
}

/// APFloat's `from_u128_r` rounded to nearest even, with its status.
pub fn apfloat_from_u128(fmt: &Format, v: u128) -> Option<(u128, Flags)> {
    ap_dispatch!(fmt, F => {
        let r = F::from_u128_r(v, Round::NearestTiesToEven);
        Some((r.value.to_bits(), flags_from_status(r.status)))
    })
}

/// APFloat's negation (`-x`).
pub fn apfloat_neg(fmt: &Format, a: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some((-F::from_bits(a)).to_bits()))
}

/// APFloat's `abs`.
pub fn apfloat_abs(fmt: &Format, a: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).abs().to_bits()))
}

/// APFloat's `copy_sign(a, b)`.
pub fn apfloat_copysign(fmt: &Format, a: u128, b: u128) -> Option<u128> {
    ap_dispatch!(fmt, F => Some(F::from_bits(a).copy_sign(F::from_bits(b)).to_bits()))
}

/// APFloat's IEEE 754 predicates of one encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApClass {
    /// `is_nan`.
    pub nan: bool,
    /// `is_signaling`.
    pub signaling: bool,
    /// `is_infinite`.
    pub infinite: bool,
    /// `is_zero`.
    pub zero: bool,
    /// `is_denormal` (subnormal).
    pub denormal: bool,
    /// `is_normal`.
    pub normal: bool,
    /// `is_negative` (isSignMinus).
    pub negative: bool,
}

/// APFloat's predicates of `a`.
pub fn apfloat_class(fmt: &Format, a: u128) -> Option<ApClass> {
    ap_dispatch!(fmt, F => {
        let x = F::from_bits(a);
        Some(ApClass {
            nan: x.is_nan(),
            signaling: x.is_signaling(),
            infinite: x.is_infinite(),
            zero: x.is_zero(),
            denormal: x.is_denormal(),
            normal: x.is_normal(),
            negative: x.is_negative(),
        })
    })
}
