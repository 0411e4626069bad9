//! softplus(x) = ln(1 + e^x) and its derivative softplus'(x) = sigmoid(x) (docs/semantics.md §3).

use super::entry::{fast_or, one_operand, Ends, Fixed};
use super::literal::Literal;
use super::logistic::sigmoid_mp;
use super::mp::consts::Const;
use super::mp::func::{exp_point, log1p_iv};
use super::mp::{Dy, Iv};
use super::steps::Steps;
use super::ziv::{saturated, ziv, Limit};
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// An enclosure of `softplus(x)` for an exact nonzero `x`: `log1p(e^x)` for `x < 0`,
/// `x + log1p(e^-x)` for `x > 0`.
fn softplus_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let e = exp_point(&x.abs().neg(), ww)?;
    let l = log1p_iv(&e, ww);
    Some(if x.is_pos() { l.add(&Iv::point(x.clone()), w + 2) } else { l.rounded(w + 2) })
}

/// `softplus(x) = ln(1 + e^x)`, correctly rounded. softplus(+-0) = ln 2 (inexact),
/// softplus(+inf) = +inf, softplus(-inf) = +0. Near the top of the range the result rounds
/// (and may overflow) like any other value.
pub fn softplus(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Softplus, derivative: false }, x, softplus_mp)
}

/// [`softplus`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn softplus_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends =
        Ends { zero: Fixed::Const(Const::Ln2), neg_inf: Fixed::PosZero, pos_inf: Fixed::PosInf };
    one_operand(env, fmt, x, ends, |d| {
        // softplus(x) - max(x, 0) = log1p(e^-|x|) lies in (0, 2^-|x|).
        let limit = if d.is_pos() { Limit::Operand(d) } else { Limit::Zero };
        saturated(env, fmt, limit, true, 0, &d.abs())
            .unwrap_or_else(|| ziv(env, fmt, |w| softplus_iv(d, w)))
    })
}

/// `softplus'(x) = sigmoid(x)`, correctly rounded. softplus'(+-0) = 1/2,
/// softplus'(+inf) = 1, softplus'(-inf) = +0.
pub fn d_softplus(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Softplus, derivative: true }, x, sigmoid_mp)
}

/// PyTorch's softplus threshold (beta = 1): above it, softplus returns its input.
const THRESHOLD: i64 = 20;

/// Composite softplus, as PyTorch's softplus (beta = 1, threshold = 20) writes it.
///
/// # Evaluation order
///
/// softplus(x) = x if x > 20, else log1p(exp(x)), exp and log1p correctly rounded; the test
/// x > 20 compares exact values (docs/semantics.md §3).
pub fn softplus_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    if c.greater_than(x, &Dy::int(THRESHOLD)) {
        return c.finish(x & fmt.mask());
    }
    let e = c.exp(x);
    let y = c.log1p(e);
    c.finish(y)
}

/// Composite softplus', as PyTorch's softplus backward (beta = 1, threshold = 20) writes it.
///
/// # Evaluation order
///
/// softplus'(x) = 1 if x > 20, else z ⊘ (z ⊕ 1) with z = exp(x) correctly rounded
/// (docs/semantics.md §3).
pub fn d_softplus_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let one = c.lit(Literal::One);
    if c.greater_than(x, &Dy::int(THRESHOLD)) {
        return c.finish(one);
    }
    let z = c.exp(x);
    let den = c.add(z, one);
    let y = c.div(z, den);
    c.finish(y)
}
