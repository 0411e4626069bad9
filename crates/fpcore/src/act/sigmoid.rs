//! sigmoid(x) = 1 / (1 + e^-x) and its derivative sigmoid'(x) = s (1 - s) with
//! s = sigmoid(x) (SEMANTICS §3). Also the sigmoid pieces shared by silu and softplus'.

use super::mp::func::exp_point;
use super::mp::{Dy, Iv};
use super::steps::{Literal, Steps};
use super::ziv::{
    arg, at_least, below_subnormals, beside_point, exact, one, p_qmin, zero, ziv, Arg,
};
use super::{fast_or, ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `sigmoid(x)` and `1 - sigmoid(x)`, each without cancellation.
pub(crate) struct SigmoidParts {
    /// `s = sigmoid(x)`.
    pub(crate) s: Iv,
    /// `1 - s = sigmoid(-x)`.
    pub(crate) one_minus_s: Iv,
}

/// With `e = e^-|x|` in (0, 1]: `1 / (1 + e)` and `e / (1 + e)`.
pub(crate) fn split_by_exp(e: &Iv, w: i64) -> (Iv, Iv) {
    let den = e.add_int(1, w + 2);
    let big = den.recip(w).expect("1 + e > 0");
    let small = e.div(&den, w).expect("1 + e > 0");
    (big, small)
}

/// The sigmoid pieces of an exact nonzero `x`.
pub(crate) fn sigmoid_parts(x: &Dy, w: i64) -> Option<SigmoidParts> {
    let e = exp_point(&x.abs().neg(), w + 4)?;
    let (big, small) = split_by_exp(&e, w);
    Some(if x.is_pos() {
        SigmoidParts { s: big, one_minus_s: small }
    } else {
        SigmoidParts { s: small, one_minus_s: big }
    })
}

/// sigmoid at a saturated argument, decided from `e^-|x| < 2^-|x|` alone:
/// `1 - sigmoid(x) < 2^-x` for `x > 0`, `sigmoid(x) < 2^x` for `x < 0`.
pub(crate) fn sigmoid_saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    let t = d.abs();
    if d.is_pos() {
        if at_least(&t, p + 4) {
            return beside_point(env, fmt, &Dy::int(1), -(p + 4), false);
        }
    } else if at_least(&t, 3 - qmin) {
        return below_subnormals(env, fmt, false);
    }
    None
}

/// An enclosure of `sigmoid'(x) = e / (1 + e)^2` with `e = e^-|x|`.
fn d_sigmoid_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let e = exp_point(&x.abs().neg(), ww)?;
    let den = e.add_int(1, ww).sqr(ww);
    e.div(&den, w + 2)
}

/// `sigmoid(x) = 1 / (1 + e^-x)`, correctly rounded. sigmoid(+-0) = 1/2, sigmoid(+inf) = 1,
/// sigmoid(-inf) = +0.
pub fn sigmoid(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Sigmoid, derivative: false }, x, sigmoid_mp)
}

/// [`sigmoid`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn sigmoid_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
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

/// `sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))`, correctly rounded. sigmoid'(+-0) = 1/4,
/// sigmoid'(+-inf) = +0.
pub fn d_sigmoid(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Sigmoid, derivative: true }, x, d_sigmoid_mp)
}

/// [`d_sigmoid`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_sigmoid_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(_) => exact(env, fmt, false, 1, -2),
        Arg::Inf(_) => zero(fmt, false),
        Arg::Finite(d) => {
            // sigmoid'(x) < e^-|x| < 2^-|x|.
            let (_, qmin) = p_qmin(fmt);
            if at_least(&d.abs(), 3 - qmin) {
                if let Some(r) = below_subnormals(env, fmt, false) {
                    return r;
                }
            }
            ziv(env, fmt, |w| d_sigmoid_iv(&d, w))
        }
    }
}

/// Composite sigmoid, the textbook formula.
///
/// # Evaluation order
///
/// sigmoid(x) = 1 ⊘ (1 ⊕ exp(-x)), exp correctly rounded (SEMANTICS §3).
pub fn sigmoid_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let one = s.lit(Literal::One);
    let e = s.exp(s.neg(x));
    let den = s.add(one, e);
    let y = s.div(one, den);
    s.done(y)
}

/// Composite sigmoid', from the forward output as frameworks do.
///
/// # Evaluation order
///
/// sigmoid'(x) = s ⊗ (1 ⊖ s) with s = 1 ⊘ (1 ⊕ exp(-x)), exp correctly rounded
/// (SEMANTICS §3).
pub fn d_sigmoid_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let one = s.lit(Literal::One);
    let e = s.exp(s.neg(x));
    let den = s.add(one, e);
    let sig = s.div(one, den);
    let c = s.sub(one, sig);
    let y = s.mul(sig, c);
    s.done(y)
}
