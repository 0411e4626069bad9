//! softplus(x) = ln(1 + e^x) and its derivative softplus'(x) = sigmoid(x) (SEMANTICS §3).

use super::mp::consts::{constant, Const};
use super::mp::func::{exp_point, log1p_iv};
use super::mp::{Dy, Iv};
use super::sigmoid::{sigmoid_parts, sigmoid_saturated};
use super::steps::{Literal, Steps};
use super::ziv::{
    arg, at_least, below_subnormals, beside_point, exact, infinity, one, p_qmin, zero, ziv, Arg,
};
use super::{fast_or, ActOp, Activation};
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
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(_) => ziv(env, fmt, |w| Some(constant(Const::Ln2, w))),
        Arg::Inf(sign) => {
            if sign {
                zero(fmt, false)
            } else {
                infinity(env, fmt, false)
            }
        }
        Arg::Finite(d) => {
            // softplus(x) - max(x, 0) = log1p(e^-|x|) lies in (0, 2^-|x|).
            let (p, qmin) = p_qmin(fmt);
            let t = d.abs();
            let saturated = if d.is_pos() {
                let g = d.top() - p - 4;
                at_least(&t, -g).then(|| beside_point(env, fmt, &d, g, true)).flatten()
            } else {
                at_least(&t, 3 - qmin).then(|| below_subnormals(env, fmt, false)).flatten()
            };
            saturated.unwrap_or_else(|| ziv(env, fmt, |w| softplus_iv(&d, w)))
        }
    }
}

/// `softplus'(x) = sigmoid(x)`, correctly rounded. softplus'(+-0) = 1/2,
/// softplus'(+inf) = 1, softplus'(-inf) = +0.
pub fn d_softplus(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Softplus, derivative: true }, x, d_softplus_mp)
}

/// [`d_softplus`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_softplus_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
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
        Arg::Finite(d) => sigmoid_saturated(env, fmt, &d)
            .unwrap_or_else(|| ziv(env, fmt, |w| Some(sigmoid_parts(&d, w)?.s))),
    }
}

/// PyTorch's softplus threshold (beta = 1): above it, softplus returns its input.
const THRESHOLD: i64 = 20;

/// Composite softplus, as PyTorch's softplus (beta = 1, threshold = 20) writes it.
///
/// # Evaluation order
///
/// softplus(x) = x if x > 20, else log1p(exp(x)), exp and log1p correctly rounded; the test
/// x > 20 compares exact values (SEMANTICS §3).
pub fn softplus_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    if s.greater_than(x, &Dy::int(THRESHOLD)) {
        return s.done(x & fmt.mask());
    }
    let e = s.exp(x);
    let y = s.log1p(e);
    s.done(y)
}

/// Composite softplus', as PyTorch's softplus backward (beta = 1, threshold = 20) writes it.
///
/// # Evaluation order
///
/// softplus'(x) = 1 if x > 20, else z ⊘ (z ⊕ 1) with z = exp(x) correctly rounded
/// (SEMANTICS §3).
pub fn d_softplus_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let one = s.lit(Literal::One);
    if s.greater_than(x, &Dy::int(THRESHOLD)) {
        return s.done(one);
    }
    let z = s.exp(x);
    let den = s.add(z, one);
    let y = s.div(z, den);
    s.done(y)
}
