//! tanh(x) and its derivative tanh'(x) = 1 - tanh(x)^2 (docs/semantics.md §3); tanh is also the
//! correctly rounded elementary function of IEEE 754-2019 §9.2, a step of the composites.

use super::entry::{fast_or, one_operand, Ends, Fixed};
use super::literal::{literal, Literal};
use super::logistic::d_sigmoid_iv;
use super::mp::func::expm1_point;
use super::mp::{Dy, Iv};
use super::ziv::{saturated, ziv, Limit};
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// An enclosure of `tanh(x)` for an exact nonzero `x`: with `g = -expm1(-2|x|)` in (0, 1),
/// `tanh(|x|) = g / (2 - g)`, with relative precision for tiny `x`.
fn tanh_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let g = expm1_point(&x.abs().scale(1).neg(), ww)?.neg();
    let den = g.neg().add_int(2, ww);
    let t = g.div(&den, w + 2)?;
    Some(if x.is_neg() { t.neg() } else { t })
}

/// IEEE 754 `tanh(x)`, correctly rounded. tanh(+-0) = +-0, tanh(+-inf) = +-1.
pub fn tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Tanh, derivative: false }, x, tanh_mp)
}

/// [`tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::SignedZero, neg_inf: Fixed::MINUS_ONE, pos_inf: Fixed::ONE };
    one_operand(env, fmt, x, ends, |d| {
        // 1 - tanh(|x|) < 2 e^(-2|x|) < 2^(1 - 2|x|).
        let neg = d.is_neg();
        saturated(env, fmt, Limit::One(neg), neg, 1, &d.abs().scale(1))
            .unwrap_or_else(|| ziv(env, fmt, |w| tanh_iv(d, w)))
    })
}

/// `tanh'(x) = 1 - tanh(x)^2`, correctly rounded. tanh'(+-0) = 1, tanh'(+-inf) = +0.
pub fn d_tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Tanh, derivative: true }, x, d_tanh_mp)
}

/// [`d_tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::ONE, neg_inf: Fixed::PosZero, pos_inf: Fixed::PosZero };
    one_operand(env, fmt, x, ends, |d| {
        // tanh'(x) = 4 sigmoid'(2x) < 4 e^(-2|x|) < 2^(2 - 2|x|).
        let two_x = d.scale(1);
        saturated(env, fmt, Limit::Zero, true, 2, &two_x.abs())
            .unwrap_or_else(|| ziv(env, fmt, |w| Some(d_sigmoid_iv(&two_x, w)?.scale(2))))
    })
}

/// Composite tanh: frameworks call a tanh primitive, so this is one correctly rounded step.
///
/// # Evaluation order
///
/// tanh(x), correctly rounded: the same as [`tanh`] (docs/semantics.md §3).
pub fn tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    tanh(env, fmt, x)
}

/// Composite tanh', from the forward output as frameworks do.
///
/// # Evaluation order
///
/// tanh'(x) = 1 ⊖ (t ⊗ t) with t = tanh(x) correctly rounded (docs/semantics.md §3).
pub fn d_tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let one = literal(env, fmt, Literal::One);
    let t = c.take(tanh(env, fmt, x));
    let sq = c.mul(t, t);
    let y = c.sub(one, sq);
    c.finish(y)
}
