//! silu(x) = x sigmoid(x) (swish) and its derivative silu'(x) = s (1 + x (1 - s)) with
//! s = sigmoid(x) (docs/semantics.md §3).

use super::entry::fast_or;
use super::gated::{Gated, Tail};
use super::literal::Literal;
use super::logistic::{sigmoid_parts, SigmoidParts};
use super::mp::{Dy, Iv};
use super::steps::Steps;
use super::ziv::at_least;
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// silu as a gated activation, with the gate sigmoid.
const SILU: Gated = Gated { gate, tail, deriv: d_silu_iv, deriv_tail: d_tail };

/// `sigmoid(x)`, from `e^-|x|`.
fn gate(x: &Dy, w: i64) -> Option<Iv> {
    Some(sigmoid_parts(x, w)?.s)
}

/// From `sigmoid(-t) < e^-t < 2^-t`: `x - silu(x) < x 2^-x` for `x > 0` and
/// `|silu(x)| < t 2^-t` for `x = -t`. Near 0, `silu(x) = x/2 + (x/2) tanh(x/2)` with
/// `0 < (x/2) tanh(x/2) < x^2`.
fn tail(x: &Dy) -> Tail {
    Tail { decay: x.abs(), pos_lead: x.top(), neg_lead: x.top() }
}

/// An enclosure of `silu'(x) = s (1 + x (1 - s))` for an exact nonzero `x`, with `s` and
/// `1 - s` each from `e^-|x|` (no cancellation), kept as a product so its sign survives.
fn d_silu_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let SigmoidParts { s, one_minus_s } = sigmoid_parts(x, ww)?;
    let bracket = one_minus_s.mul_dy(x, ww).add_int(1, ww);
    Some(s.mul(&bracket, w + 2))
}

/// With `e = e^-|x| < 2^-|x|` and `|x| >= 2`, `silu'(x) - 1 = e (x - 1 - e) / (1 + e)^2` lies
/// in `(0, x e)` for `x > 0`, and `silu'(x) = s (1 + x (1 - s))` lies in `(-2t e, 0)` for
/// `x = -t`.
fn d_tail(x: &Dy) -> Option<Tail> {
    let t = x.abs();
    at_least(&t, 2).then(|| Tail { decay: t, pos_lead: x.top(), neg_lead: x.top() + 1 })
}

/// `silu(x) = x sigmoid(x)`, correctly rounded. silu(+-0) = +-0, silu(+inf) = +inf,
/// silu(-inf) = +0.
pub fn silu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Silu, derivative: false }, x, silu_mp)
}

/// [`silu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn silu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    SILU.value(env, fmt, x)
}

/// `silu'(x) = s (1 + x (1 - s))`, correctly rounded. silu'(+-0) = 1/2, silu'(+inf) = 1,
/// silu'(-inf) = +0.
pub fn d_silu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Silu, derivative: true }, x, d_silu_mp)
}

/// [`d_silu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_silu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    SILU.deriv(env, fmt, x)
}

/// Composite silu, as PyTorch's silu kernel writes it.
///
/// # Evaluation order
///
/// silu(x) = x ⊘ (1 ⊕ exp(-x)), exp correctly rounded (docs/semantics.md §3). At x = -inf this is
/// -inf ⊘ +inf = NaN (invalid), as in the framework.
pub fn silu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let y = c.div_one_plus_exp_neg(x, x);
    c.finish(y)
}

/// Composite silu', as PyTorch's silu backward writes it.
///
/// # Evaluation order
///
/// silu'(x) = s ⊗ (1 ⊕ (x ⊗ (1 ⊖ s))) with s = 1 ⊘ (1 ⊕ exp(-x)), exp correctly rounded
/// (docs/semantics.md §3).
pub fn d_silu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let one = c.lit(Literal::One);
    let s = c.div_one_plus_exp_neg(one, x);
    let complement = c.sub(one, s);
    let xc = c.mul(x, complement);
    let bracket = c.add(one, xc);
    let y = c.mul(s, bracket);
    c.finish(y)
}
