//! tanh(x) and its derivative tanh'(x) = 1 - tanh(x)^2 (SEMANTICS §3); tanh is also the
//! correctly rounded elementary function of IEEE 754-2019 §9.2.

use super::mp::func::{exp_point, expm1_point};
use super::mp::{Dy, Iv};
use super::steps::{Literal, Steps};
use super::ziv::{arg, at_least, below_subnormals, beside_point, one, p_qmin, zero, ziv, Arg};
use super::{fast_or, ActOp, Activation};
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

/// An enclosure of `tanh'(x) = 4e / (1 + e)^2` with `e = e^-2|x|`.
fn d_tanh_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let e = exp_point(&x.abs().scale(1).neg(), ww)?;
    let den = e.add_int(1, ww).sqr(ww);
    e.scale(2).div(&den, w + 2)
}

/// IEEE 754 `tanh(x)`, correctly rounded. tanh(+-0) = +-0, tanh(+-inf) = +-1.
pub fn tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Tanh, derivative: false }, x, tanh_mp)
}

/// [`tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(sign) => zero(fmt, sign),
        Arg::Inf(sign) => one(env, fmt, sign),
        Arg::Finite(d) => {
            // 1 - tanh(|x|) < 2 e^(-2|x|) < 2^(1 - 2|x|).
            let (p, _) = p_qmin(fmt);
            if at_least(&d.abs().scale(1), p + 5) {
                let one = Dy::int(if d.is_neg() { -1 } else { 1 });
                if let Some(r) = beside_point(env, fmt, &one, -(p + 4), d.is_neg()) {
                    return r;
                }
            }
            ziv(env, fmt, |w| tanh_iv(&d, w))
        }
    }
}

/// `tanh'(x) = 1 - tanh(x)^2`, correctly rounded. tanh'(+-0) = 1, tanh'(+-inf) = +0.
pub fn d_tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Tanh, derivative: true }, x, d_tanh_mp)
}

/// [`d_tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    match arg(env, fmt, x) {
        Arg::Nan(r) => r,
        Arg::Zero(_) => one(env, fmt, false),
        Arg::Inf(_) => zero(fmt, false),
        Arg::Finite(d) => {
            // tanh'(x) < 4 e^(-2|x|) < 2^(2 - 2|x|).
            let (_, qmin) = p_qmin(fmt);
            if at_least(&d.abs().scale(1), 5 - qmin) {
                if let Some(r) = below_subnormals(env, fmt, false) {
                    return r;
                }
            }
            ziv(env, fmt, |w| d_tanh_iv(&d, w))
        }
    }
}

/// Composite tanh: frameworks call a tanh primitive, so this is one correctly rounded step.
///
/// # Evaluation order
///
/// tanh(x), correctly rounded: the same as [`tanh`] (SEMANTICS §3).
pub fn tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let t = s.tanh(x);
    s.done(t)
}

/// Composite tanh', from the forward output as frameworks do.
///
/// # Evaluation order
///
/// tanh'(x) = 1 ⊖ (t ⊗ t) with t = tanh(x) correctly rounded (SEMANTICS §3).
pub fn d_tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let one = s.lit(Literal::One);
    let t = s.tanh(x);
    let sq = s.mul(t, t);
    let y = s.sub(one, sq);
    s.done(y)
}
