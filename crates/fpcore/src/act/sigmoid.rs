//! sigmoid(x) = 1 / (1 + e^-x) and its derivative sigmoid'(x) = s (1 - s) with
//! s = sigmoid(x) (docs/semantics.md §3). The multiprecision sigmoid, shared with softplus', is in
//! `logistic.rs`.

use super::entry::{fast_or, one_operand, Ends, Fixed};
use super::literal::Literal;
use super::logistic::{d_sigmoid_iv, sigmoid_mp};
use super::steps::Steps;
use super::ziv::{saturated, ziv, Limit};
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `sigmoid(x) = 1 / (1 + e^-x)`, correctly rounded. sigmoid(+-0) = 1/2, sigmoid(+inf) = 1,
/// sigmoid(-inf) = +0.
pub fn sigmoid(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Sigmoid, derivative: false }, x, sigmoid_mp)
}

/// `sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))`, correctly rounded. sigmoid'(+-0) = 1/4,
/// sigmoid'(+-inf) = +0.
pub fn d_sigmoid(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Sigmoid, derivative: true }, x, d_sigmoid_mp)
}

/// [`d_sigmoid`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_sigmoid_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::QUARTER, neg_inf: Fixed::PosZero, pos_inf: Fixed::PosZero };
    one_operand(env, fmt, x, ends, |d| {
        // sigmoid'(x) < e^-|x| < 2^-|x|.
        saturated(env, fmt, Limit::Zero, true, 0, &d.abs())
            .unwrap_or_else(|| ziv(env, fmt, |w| d_sigmoid_iv(d, w)))
    })
}

/// Composite sigmoid, the textbook formula.
///
/// # Evaluation order
///
/// sigmoid(x) = 1 ⊘ (1 ⊕ exp(-x)), exp correctly rounded (docs/semantics.md §3).
pub fn sigmoid_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let one = c.lit(Literal::One);
    let y = c.div_one_plus_exp_neg(one, x);
    c.finish(y)
}

/// Composite sigmoid', from the forward output as frameworks do.
///
/// # Evaluation order
///
/// sigmoid'(x) = s ⊗ (1 ⊖ s) with s = 1 ⊘ (1 ⊕ exp(-x)), exp correctly rounded
/// (docs/semantics.md §3).
pub fn d_sigmoid_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let one = c.lit(Literal::One);
    let s = c.div_one_plus_exp_neg(one, x);
    let complement = c.sub(one, s);
    let y = c.mul(s, complement);
    c.finish(y)
}
