//! The shared entry of the correctly rounded functions: the binary64 fast path first, then the
//! multiprecision engine ([`fast_or`]); the engine's functions classify their operand once
//! ([`one_operand`]), NaNs propagating by the environment's NaN policy and zeros and infinities
//! taking the fixed results each function names in its [`Ends`]; and the exact results.

use super::mp::consts::{constant, Const};
use super::mp::Dy;
use super::ziv::ziv;
use crate::act_op::ActOp;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::ops::nan;
use crate::reference::round_big;
use crate::round::round_pack;
use crate::value::Kind;

/// The fast path first, then the multiprecision `slow` function where it does not decide.
#[inline]
pub(crate) fn fast_or(
    env: &Env,
    fmt: &Format,
    op: ActOp,
    x: u128,
    slow: fn(&Env, &Format, u128) -> Rounded<u128>,
) -> Rounded<u128> {
    crate::fast::act::eval(env, fmt, op, x).unwrap_or_else(|| slow(env, fmt, x))
}

/// An operand of a one-argument function, classified.
pub(crate) enum Arg {
    /// A NaN operand: the result is already known.
    Nan(Rounded<u128>),
    /// A zero with its sign.
    Zero(bool),
    /// An infinity with its sign.
    Inf(bool),
    /// A finite nonzero value.
    Finite(Dy),
}

/// Classifies the operand `x`; NaNs propagate by the environment's NaN policy.
pub(crate) fn arg(env: &Env, fmt: &Format, x: u128) -> Arg {
    let u = fmt.unpack(x);
    match u.kind {
        Kind::Nan { .. } => Arg::Nan(nan::propagate(env, fmt, &[(fmt, u)])),
        Kind::Zero => Arg::Zero(u.sign),
        Kind::Inf => Arg::Inf(u.sign),
        Kind::Finite { sig, exp } => Arg::Finite(Dy::from_parts(u.sign, sig, i64::from(exp))),
    }
}

/// A result fixed by the operand's class: a function's value at +-0 or at an infinity.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fixed {
    /// The operand's own zero (-0 at -0), at +-0.
    SignedZero,
    /// +0.
    PosZero,
    /// `(-1)^sign 2^exp`, rounded once (exact in most formats): +-1, 1/2, 1/4.
    Pow2 {
        /// Whether the value is negative.
        sign: bool,
        /// The power of two.
        exp: i64,
    },
    /// +inf (formats without infinities follow the overflow policy, as exact infinities do
    /// everywhere).
    PosInf,
    /// A constant of the engine, correctly rounded (softplus(0) = ln 2, inexact).
    Const(Const),
    /// The default NaN of an invalid operation.
    Invalid,
    /// An encoding in the format, returned as given (relu'(0), the kink).
    Bits(u128),
}

impl Fixed {
    /// 1.
    pub(crate) const ONE: Fixed = Fixed::Pow2 { sign: false, exp: 0 };
    /// -1.
    pub(crate) const MINUS_ONE: Fixed = Fixed::Pow2 { sign: true, exp: 0 };
    /// 1/2.
    pub(crate) const HALF: Fixed = Fixed::Pow2 { sign: false, exp: -1 };
    /// 1/4.
    pub(crate) const QUARTER: Fixed = Fixed::Pow2 { sign: false, exp: -2 };

    /// The result, for an operand of sign `sign`.
    pub(crate) fn result(self, env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
        match self {
            Fixed::SignedZero => zero(fmt, sign),
            Fixed::PosZero => zero(fmt, false),
            Fixed::Pow2 { sign, exp } => exact(env, fmt, sign, 1, exp),
            Fixed::PosInf => Rounded::exact(nan::infinity(env, fmt, false)),
            Fixed::Const(c) => ziv(env, fmt, |w| Some(constant(c, w))),
            Fixed::Invalid => nan::invalid(env, fmt),
            Fixed::Bits(bits) => Rounded::exact(bits & fmt.mask()),
        }
    }
}

/// A function's results at +-0, -inf and +inf.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ends {
    /// The result at +-0.
    pub(crate) zero: Fixed,
    /// The result at -inf.
    pub(crate) neg_inf: Fixed,
    /// The result at +inf.
    pub(crate) pos_inf: Fixed,
}

/// A one-operand function at `x`: a NaN operand propagates, zeros and infinities give their
/// fixed results `ends`, and a finite nonzero operand, as an exact dyadic, goes to `finite`.
pub(crate) fn one_operand(
    env: &Env,
    fmt: &Format,
    x: u128,
    ends: Ends,
    finite: impl FnOnce(&Dy) -> Rounded<u128>,
) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(sign) => ends.zero.result(env, fmt, sign),
        Arg::Inf(true) => ends.neg_inf.result(env, fmt, true),
        Arg::Inf(false) => ends.pos_inf.result(env, fmt, false),
        Arg::Finite(d) => finite(&d),
    }
}

/// The exact value `(-1)^sign * sig * 2^exp` rounded once (exact in most formats).
pub(crate) fn exact(env: &Env, fmt: &Format, sign: bool, sig: u128, exp: i64) -> Rounded<u128> {
    round_pack(env, fmt, sign, sig, exp, false)
}

/// The exact dyadic `x` rounded once.
pub(crate) fn exact_dy(env: &Env, fmt: &Format, x: &Dy) -> Rounded<u128> {
    if x.is_zero() {
        return Rounded::exact(fmt.zero(false));
    }
    round_big(env, fmt, x.is_neg(), x.m.magnitude(), x.e, false)
}

/// A signed zero.
fn zero(fmt: &Format, sign: bool) -> Rounded<u128> {
    Rounded::exact(fmt.zero(sign))
}
