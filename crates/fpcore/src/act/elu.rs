//! elu(x) = x for x > 0, e^x - 1 otherwise (alpha = 1), and its derivative elu'(x) = 1 for
//! x > 0, e^x otherwise (docs/semantics.md §3). With alpha = 1 both one-sided derivatives at 0 are 1,
//! so elu has no kink.

use super::elementary::{exp, expm1};
use super::entry::{arg, exact_dy, fast_or, Arg, Fixed};
use super::literal::Literal;
use super::mp::Dy;
use super::steps::Steps;
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `elu(x)`, correctly rounded: `x` for `x > 0` (exact), `expm1(x)` otherwise.
/// elu(+-0) = +-0, elu(+inf) = +inf, elu(-inf) = -1.
pub fn elu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Elu, derivative: false }, x, elu_mp)
}

/// [`elu`] by the multiprecision engine alone (no binary64 fast path): [`expm1`] except at
/// finite positive operands, where it is exact.
pub(crate) fn elu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Finite(d) if d.is_pos() => exact_dy(env, fmt, &d),
        _ => expm1(env, fmt, x),
    }
}

/// `elu'(x)`, correctly rounded: 1 for `x > 0` and at +-0, `e^x` for `x < 0`.
/// elu'(+inf) = 1, elu'(-inf) = +0.
pub fn d_elu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Elu, derivative: true }, x, d_elu_mp)
}

/// [`d_elu`] by the multiprecision engine alone (no binary64 fast path): [`exp`] except at
/// positive operands (+inf included), where it is 1.
pub(crate) fn d_elu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Finite(d) if d.is_pos() => Fixed::ONE.result(env, fmt, false),
        Arg::Inf(false) => Fixed::ONE.result(env, fmt, false),
        _ => exp(env, fmt, x),
    }
}

/// Composite elu: the textbook formula with exp.
///
/// # Evaluation order
///
/// elu(x) = x if x > 0, else (exp(x) ⊖ 1), exp correctly rounded (docs/semantics.md §3). Unlike
/// [`elu`], this gives +0 at -0 and loses the low bits of e^x - 1 near 0.
pub fn elu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    if c.greater_than(x, &Dy::zero()) {
        return c.finish(x & fmt.mask());
    }
    let e = c.exp(x);
    let one = c.lit(Literal::One);
    let y = c.sub(e, one);
    c.finish(y)
}

/// Composite elu': exp of the input, as PyTorch's elu backward computes it from the input.
///
/// # Evaluation order
///
/// elu'(x) = 1 if x > 0, else exp(x), exp correctly rounded (docs/semantics.md §3). One rounding, so
/// it agrees with [`d_elu`] everywhere.
pub fn d_elu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    if c.greater_than(x, &Dy::zero()) {
        let one = c.lit(Literal::One);
        return c.finish(one);
    }
    let e = c.exp(x);
    c.finish(e)
}
