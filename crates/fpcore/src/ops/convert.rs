//! Conversions: between any two formats (IEEE 754-2019 §5.4.2 convertFormat), from and to
//! `i64`/`u64` (§5.4.1 convertFromInt, §5.8 convertToInteger), roundToIntegral (§5.3.1), and
//! from and to the host `f32`/`f64` through their bit patterns (no host arithmetic).

use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::model;
use crate::nan;
use crate::round::round_pack;
use crate::value::Kind;

/// Rounding direction of the integer operations (IEEE 754-2019 §5.3.1, §5.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IntRound {
    /// Nearest, ties to even (roundToIntegralTiesToEven).
    #[default]
    NearestEven,
    /// Nearest, ties away from zero (roundToIntegralTiesToAway).
    NearestAway,
    /// Toward zero (roundToIntegralTowardZero, truncation).
    TowardZero,
    /// Toward +infinity (ceiling).
    TowardPositive,
    /// Toward -infinity (floor).
    TowardNegative,
}

impl IntRound {
    /// Parses `even`, `away`, `zero`, `up` or `down` (also the IEEE names).
    pub fn parse(s: &str) -> Option<IntRound> {
        Some(match s {
            "even" | "nearest" | "ties-even" | "near_even" => IntRound::NearestEven,
            "away" | "ties-away" | "near_maxMag" => IntRound::NearestAway,
            "zero" | "trunc" | "minMag" => IntRound::TowardZero,
            "up" | "ceil" | "max" => IntRound::TowardPositive,
            "down" | "floor" | "min" => IntRound::TowardNegative,
            _ => return None,
        })
    }
}

/// Converts `a` from `src` to `dst`, rounded once (convertFormat).
///
/// NaNs follow the NaN policy (finite-only destinations give +0 with invalid). An infinity
/// converted to a format without infinities behaves as an overflow: NaN, or the largest finite
/// value when saturating or finite-only, with overflow and inexact.
pub fn convert(env: &Env, src: &Format, dst: &Format, a: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, src, dst, [a], |ieee, s, d, [a]| {
            model::convert_ieee(ieee, s, d, a)
        });
    }
    model::convert_ieee(env, src, dst, a)
}

/// convertFromInt (IEEE 754-2019 §5.4.1): `v` rounded once to `fmt`, with inexact when
/// rounded; zero gives +0. Beyond the largest finite value (only small formats can be, e.g.
/// 61440 and above in e5m2) the result is an overflow, by format and
/// [`crate::OverflowPolicy`].
pub fn from_i64(env: &Env, fmt: &Format, v: i64) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [], |ieee, _, w, []| from_i64(ieee, w, v));
    }
    round_pack(env, fmt, v < 0, u128::from(v.unsigned_abs()), 0, false)
}

/// convertFromInt from an unsigned integer, as [`from_i64`].
pub fn from_u64(env: &Env, fmt: &Format, v: u64) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [], |ieee, _, w, []| from_u64(ieee, w, v));
    }
    round_pack(env, fmt, false, u128::from(v), 0, false)
}

/// `sig * 2^exp` rounded to an integer in direction `mode` (sign applies to directed modes):
/// the magnitude of the result and whether it differs from the exact value.
fn round_int(sign: bool, sig: u128, exp: i32, mode: IntRound) -> (u128, bool) {
    if exp >= 0 {
        // Callers only pass exponents for which the integer fits (they check the size first).
        return (sig << exp, false);
    }
    let shift = exp.unsigned_abs();
    let (kept, half, below) = if shift > 128 {
        (0, false, true)
    } else if shift == 128 {
        (0, sig >> 127 == 1, sig & (u128::MAX >> 1) != 0)
    } else {
        (sig >> shift, (sig >> (shift - 1)) & 1 == 1, sig & ((1u128 << (shift - 1)) - 1) != 0)
    };
    let inexact = half || below;
    let up = match mode {
        IntRound::NearestEven => half && (below || kept & 1 == 1),
        IntRound::NearestAway => half,
        IntRound::TowardZero => false,
        IntRound::TowardPositive => inexact && !sign,
        IntRound::TowardNegative => inexact && sign,
    };
    (kept + u128::from(up), inexact)
}

/// roundToIntegral (IEEE 754-2019 §5.3.1) in direction `mode`; with `exact`
/// (roundToIntegralExact) a result that differs from `a` raises inexact, otherwise no flag is
/// raised. A zero result keeps the operand's sign (-0.3 gives -0; +0 in FNUZ formats).
/// Infinities and zeros are returned unchanged; NaNs give the NaN of the environment's
/// [`crate::NanPolicy`], with invalid for a signaling NaN.
///
/// The integer is then rounded once to `fmt`, which is exact except in formats whose largest
/// finite value is not an integer (`emax < p - 1`, e.g. e2m3fn, whose largest value is 7.5):
/// there an integer beyond it overflows as any rounding would (e2m3fn: 7.5 to nearest gives 8,
/// which becomes the largest finite value 7.5 in that finite-only format, with overflow and
/// inexact, whatever `exact` is; an IEEE-layout format gives infinity). This is a choice: the
/// operation is "the integer, rounded once", as every operation of docs/semantics.md §2 is.
pub fn round_to_integral(
    env: &Env,
    fmt: &Format,
    a: u128,
    mode: IntRound,
    exact: bool,
) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a], |ieee, w, _, [a]| {
            round_to_integral(ieee, w, a, mode, exact)
        });
    }
    let u = fmt.unpack(a);
    match u.kind {
        Kind::Nan { .. } => nan::propagate(env, fmt, &[(fmt, u)]),
        Kind::Inf | Kind::Zero => Rounded::exact(a & fmt.mask()),
        Kind::Finite { exp, .. } if exp >= 0 => Rounded::exact(a & fmt.mask()),
        Kind::Finite { sig, exp } => {
            let (int, inexact) = round_int(u.sign, sig, exp, mode);
            let r = round_pack(env, fmt, u.sign, int, 0, false);
            let flags = if exact && inexact { Flags::INEXACT } else { Flags::NONE };
            Rounded::new(r.value, r.flags.union(flags))
        }
    }
}

/// The integer `a` rounds to in direction `mode`, as a sign and magnitude, or `None` when it
/// does not fit in 65 bits (beyond every 64-bit range).
fn to_int_parts(fmt: &Format, a: u128, mode: IntRound) -> Option<(bool, u128, bool)> {
    let u = fmt.unpack(a);
    match u.kind {
        Kind::Nan { .. } | Kind::Inf => None,
        Kind::Zero => Some((u.sign, 0, false)),
        Kind::Finite { sig, exp } => {
            let n_bits = 128 - i64::from(sig.leading_zeros());
            if i64::from(exp) + n_bits > 65 {
                return None;
            }
            let (int, inexact) = round_int(u.sign, sig, exp, mode);
            Some((u.sign, int, inexact))
        }
    }
}

/// convertToInteger (IEEE 754-2019 §5.8) to `i64` in direction `mode`; with `exact`
/// (convertToIntegerExact), an inexact conversion raises inexact, otherwise no flag is raised
/// for a value in range. NaN, infinities and values whose rounded integer is out of range
/// raise invalid (only) and give `i64::MIN` (x86's integer indefinite, also SoftFloat's
/// 8086-SSE rule).
pub fn to_i64(fmt: &Format, a: u128, mode: IntRound, exact: bool) -> Rounded<i64> {
    let invalid = Rounded::new(i64::MIN, Flags::INVALID);
    let Some((sign, mag, inexact)) = to_int_parts(fmt, a, mode) else { return invalid };
    let value = if sign {
        if mag > 1u128 << 63 {
            return invalid;
        }
        (mag as i128).wrapping_neg() as i64
    } else {
        match i64::try_from(mag) {
            Ok(v) => v,
            Err(_) => return invalid,
        }
    };
    Rounded::new(value, if exact && inexact { Flags::INEXACT } else { Flags::NONE })
}

/// convertToInteger to `u64`, as [`to_i64`]; invalid results are `u64::MAX` (SoftFloat's
/// 8086-SSE rule). Negative values that round to zero in direction `mode` give 0 (with
/// inexact when `exact`), not invalid: -0.3 gives 0 toward zero, to nearest and upward, and is
/// invalid downward (-1).
pub fn to_u64(fmt: &Format, a: u128, mode: IntRound, exact: bool) -> Rounded<u64> {
    let invalid = Rounded::new(u64::MAX, Flags::INVALID);
    let Some((sign, mag, inexact)) = to_int_parts(fmt, a, mode) else { return invalid };
    if sign && mag != 0 {
        return invalid;
    }
    let Ok(value) = u64::try_from(mag) else { return invalid };
    Rounded::new(value, if exact && inexact { Flags::INEXACT } else { Flags::NONE })
}

/// Converts a host `f64` (through its bit pattern, as binary64) to `fmt`, rounded once, as
/// [`convert`]. A NaN gives the NaN of the environment's [`crate::NanPolicy`] (the canonical
/// NaN by default: the payload is not kept), with invalid when signaling.
pub fn from_f64(env: &Env, fmt: &Format, x: f64) -> Rounded<u128> {
    convert(env, &Format::BINARY64, fmt, u128::from(x.to_bits()))
}

/// Converts a host `f32` (through its bit pattern, as binary32) to `fmt`, as [`from_f64`].
pub fn from_f32(env: &Env, fmt: &Format, x: f32) -> Rounded<u128> {
    convert(env, &Format::BINARY32, fmt, u128::from(x.to_bits()))
}

/// Converts a value of `fmt` to the host `f64`, rounded once to binary64 as [`convert`] and
/// built from its bits (no host arithmetic). NaNs as in [`from_f64`].
pub fn to_f64(env: &Env, fmt: &Format, a: u128) -> Rounded<f64> {
    let r = convert(env, fmt, &Format::BINARY64, a);
    Rounded::new(f64::from_bits(r.value as u64), r.flags)
}

/// Converts a value of `fmt` to the host `f32`, as [`to_f64`] with binary32.
pub fn to_f32(env: &Env, fmt: &Format, a: u128) -> Rounded<f32> {
    let r = convert(env, fmt, &Format::BINARY32, a);
    Rounded::new(f32::from_bits(r.value as u32), r.flags)
}
