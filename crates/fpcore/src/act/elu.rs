//! elu(x) = x for x > 0, e^x - 1 otherwise (alpha = 1), and its derivative elu'(x) = 1 for
//! x > 0, e^x otherwise (SEMANTICS §3). With alpha = 1 both one-sided derivatives at 0 are 1,
//! so elu has no kink.

use super::mp::func::{exp_point, expm1_point};
use super::mp::Dy;
use super::steps::{Literal, Steps};
use super::ziv::{
    arg, at_least, below_subnormals, beside_point, exact_dy, infinity, one, p_qmin, zero, ziv, Arg,
};
use super::{fast_or, ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `elu(x)`, correctly rounded: `x` for `x > 0` (exact), `expm1(x)` otherwise.
/// elu(+-0) = +-0, elu(+inf) = +inf, elu(-inf) = -1.
pub fn elu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Elu, derivative: false }, x, elu_mp)
}

/// [`elu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn elu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(sign) => zero(fmt, sign),
        Arg::Inf(sign) => {
            if sign {
                one(env, fmt, true)
            } else {
                infinity(env, fmt, false)
            }
        }
        Arg::Finite(d) => {
            if d.is_pos() {
                exact_dy(env, fmt, &d)
            } else {
                // e^x - 1 lies in (-1, -1 + 2^x).
                let (p, _) = p_qmin(fmt);
                if at_least(&d.abs(), p + 4) {
                    if let Some(r) = beside_point(env, fmt, &Dy::int(-1), -(p + 4), true) {
                        return r;
                    }
                }
                ziv(env, fmt, |w| expm1_point(&d, w))
            }
        }
    }
}

/// `elu'(x)`, correctly rounded: 1 for `x > 0` and at +-0, `e^x` for `x < 0`.
/// elu'(+inf) = 1, elu'(-inf) = +0.
pub fn d_elu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Elu, derivative: true }, x, d_elu_mp)
}

/// [`d_elu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_elu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(_) => one(env, fmt, false),
        Arg::Inf(sign) => {
            if sign {
                zero(fmt, false)
            } else {
                one(env, fmt, false)
            }
        }
        Arg::Finite(d) => {
            if d.is_pos() {
                one(env, fmt, false)
            } else {
                // e^x < 2^x.
                let (_, qmin) = p_qmin(fmt);
                if at_least(&d.abs(), 3 - qmin) {
                    if let Some(r) = below_subnormals(env, fmt, false) {
                        return r;
                    }
                }
                ziv(env, fmt, |w| exp_point(&d, w))
            }
        }
    }
}

/// Composite elu: the textbook formula with exp.
///
/// # Evaluation order
///
/// elu(x) = x if x > 0, else (exp(x) ⊖ 1), exp correctly rounded (SEMANTICS §3). Unlike
/// [`elu`], this gives +0 at -0 and loses the low bits of e^x - 1 near 0.
pub fn elu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    if s.greater_than(x, &Dy::zero()) {
        return s.done(x & fmt.mask());
    }
    let e = s.exp(x);
    let one = s.lit(Literal::One);
    let r = s.sub(e, one);
    s.done(r)
}

/// Composite elu': exp of the input, as PyTorch's elu backward computes it from the input.
///
/// # Evaluation order
///
/// elu'(x) = 1 if x > 0, else exp(x), exp correctly rounded (SEMANTICS §3). One rounding, so
/// it agrees with [`d_elu`] everywhere.
pub fn d_elu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    if s.greater_than(x, &Dy::zero()) {
        let one = s.lit(Literal::One);
        return s.done(one);
    }
    let e = s.exp(x);
    s.done(e)
}
