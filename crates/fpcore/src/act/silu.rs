//! silu(x) = x sigmoid(x) (swish) and its derivative silu'(x) = s (1 + x (1 - s)) with
//! s = sigmoid(x) (SEMANTICS §3).

use super::mp::{Dy, Iv};
use super::sigmoid::{sigmoid_parts, SigmoidParts};
use super::steps::{Literal, Steps};
use super::ziv::{
    arg, at_least, below_subnormals, beside_point, exact, grid_point_plus, infinity, one, p_qmin,
    zero, ziv, Arg,
};
use super::{fast_or, ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// An enclosure of `silu'(x) = s (1 + x (1 - s))` for an exact nonzero `x`, with `s` and
/// `1 - s` each from `e^-|x|` (no cancellation), kept as a product so its sign survives.
fn d_silu_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let SigmoidParts { s, one_minus_s } = sigmoid_parts(x, ww)?;
    let bracket = one_minus_s.mul_dy(x, ww).add_int(1, ww);
    Some(s.mul(&bracket, w + 2))
}

/// silu at a saturated argument, from `sigmoid(-t) < e^-t < 2^-t`: `x - silu(x) < x 2^-x`
/// for `x > 0`, `|silu(x)| < t 2^-t` for `x = -t`.
fn silu_saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    if d.is_pos() {
        if at_least(d, p + 4) {
            return beside_point(env, fmt, d, d.top() - p - 4, false);
        }
    } else if at_least(&d.abs(), d.top() - qmin + 3) {
        return below_subnormals(env, fmt, true);
    }
    None
}

/// silu' at a saturated argument: with `e = e^-|x| < 2^-|x|` and `|x| >= 2`,
/// `silu'(x) - 1 = e (x - 1 - e) / (1 + e)^2` lies in `(0, x e)` for `x > 0`, and
/// `silu'(x) = s (1 + x (1 - s))` lies in `(-2t e, 0)` for `x = -t`.
fn d_silu_saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    let t = d.abs();
    if !at_least(&t, 2) {
        return None;
    }
    if d.is_pos() {
        if at_least(&t, d.top() + p + 4) {
            return beside_point(env, fmt, &Dy::int(1), -(p + 4), true);
        }
    } else if at_least(&t, d.top() + 1 - qmin + 3) {
        return below_subnormals(env, fmt, true);
    }
    None
}

/// `silu(x) = x sigmoid(x)`, correctly rounded. silu(+-0) = +-0, silu(+inf) = +inf,
/// silu(-inf) = +0.
pub fn silu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Silu, derivative: false }, x, silu_mp)
}

/// [`silu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn silu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(sign) => zero(fmt, sign),
        Arg::Inf(sign) => {
            if sign {
                zero(fmt, false)
            } else {
                infinity(env, fmt, false)
            }
        }
        Arg::Finite(d) => {
            if d.top() <= 0 {
                // silu(x) = x/2 + (x/2) tanh(x/2) with 0 < (x/2) tanh(x/2) < x^2.
                if let Some(r) = grid_point_plus(env, fmt, &d.scale(-1), &d.mul_exact(&d), true) {
                    return r;
                }
            }
            silu_saturated(env, fmt, &d).unwrap_or_else(|| {
                ziv(env, fmt, |w| Some(sigmoid_parts(&d, w + 4)?.s.mul_dy(&d, w + 2)))
            })
        }
    }
}

/// `silu'(x) = s (1 + x (1 - s))`, correctly rounded. silu'(+-0) = 1/2, silu'(+inf) = 1,
/// silu'(-inf) = +0.
pub fn d_silu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Silu, derivative: true }, x, d_silu_mp)
}

/// [`d_silu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_silu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(_) => exact(env, fmt, false, 1, -1),
        Arg::Inf(sign) => {
            if sign {
                zero(fmt, false)
            } else {
                one(env, fmt, false)
            }
        }
        Arg::Finite(d) => {
            d_silu_saturated(env, fmt, &d).unwrap_or_else(|| ziv(env, fmt, |w| d_silu_iv(&d, w)))
        }
    }
}

/// Composite silu, as PyTorch's silu kernel writes it.
///
/// # Evaluation order
///
/// silu(x) = x ⊘ (1 ⊕ exp(-x)), exp correctly rounded (SEMANTICS §3). At x = -inf this is
/// -inf ⊘ +inf = NaN (invalid), as in the framework.
pub fn silu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let one = s.lit(Literal::One);
    let e = s.exp(s.neg(x));
    let den = s.add(one, e);
    let y = s.div(x, den);
    s.done(y)
}

/// Composite silu', as PyTorch's silu backward writes it.
///
/// # Evaluation order
///
/// silu'(x) = s ⊗ (1 ⊕ (x ⊗ (1 ⊖ s))) with s = 1 ⊘ (1 ⊕ exp(-x)), exp correctly rounded
/// (SEMANTICS §3).
pub fn d_silu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let one = s.lit(Literal::One);
    let e = s.exp(s.neg(x));
    let den = s.add(one, e);
    let sig = s.div(one, den);
    let c = s.sub(one, sig);
    let xc = s.mul(x, c);
    let bracket = s.add(one, xc);
    let y = s.mul(sig, bracket);
    s.done(y)
}
