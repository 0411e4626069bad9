//! gelu(x) = x Phi(x) (Phi the standard normal CDF, the erf form) and its derivative
//! gelu'(x) = Phi(x) + x phi(x) (phi the standard normal density) (SEMANTICS §3).

use super::mp::func::{ncdf_point, ncdf_tail_factor, npdf_point};
use super::mp::{Dy, Iv};
use super::steps::{Literal, Steps};
use super::ziv::{
    arg, at_least, below_subnormals, beside_point, exact, grid_point_plus, infinity, one, p_qmin,
    zero, ziv, Arg,
};
use super::{fast_or, ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// An enclosure of `gelu(x)` for an exact nonzero `x`.
fn gelu_iv(x: &Dy, w: i64) -> Iv {
    ncdf_point(x, w + 4).mul_dy(x, w + 2)
}

/// An enclosure of `gelu'(x)` for an exact nonzero `x`.
fn d_gelu_iv(x: &Dy, w: i64) -> Iv {
    let ww = w + 6;
    if x.is_neg() {
        let t = x.abs();
        if let Some(a) = ncdf_tail_factor(&t, ww) {
            // Phi(x) + x phi(x) = phi(t) (A/t - t) for x = -t: the sign survives even when
            // phi(t) is only known to be below a tiny bound.
            let factor = a.div(&Iv::point(t.clone()), ww).expect("t > 0").sub(&Iv::point(t), ww);
            return npdf_point(x, ww).mul(&factor, w + 2);
        }
    }
    let cdf = ncdf_point(x, ww);
    let pdf = npdf_point(x, ww).mul_dy(x, ww);
    cdf.add(&pdf, w + 2)
}

/// gelu at a saturated argument, from `Q(t) = 1 - Phi(t) < e^(-t^2/2) < 2^(-t^2/2)` for
/// `t >= 1`: `x - gelu(x) = x Q(x) < 2^(top(x) - y)` for `x > 0` and
/// `|gelu(x)| = t Q(t) < 2^-y` for `x = -t`, with `y = x^2 / 2`.
fn gelu_saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    let y = d.mul_exact(d).scale(-1);
    if d.is_pos() {
        if at_least(&y, p + 4) {
            return beside_point(env, fmt, d, d.top() - p - 4, false);
        }
    } else if at_least(&y, 3 - qmin) {
        return below_subnormals(env, fmt, true);
    }
    None
}

/// gelu' at a saturated argument, from `phi(t) < 2^-y`: for `x >= 1`,
/// `gelu'(x) - 1 = phi(x) (x - R(x))` lies in `(0, x phi(x))`; for `x = -t <= -1`,
/// `gelu'(x) = -phi(t) (t - R(t))` lies in `(-t phi(t), 0)` (R the Mills ratio, below 1/t).
fn d_gelu_saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    let y = d.mul_exact(d).scale(-1);
    let top = d.top();
    if d.is_pos() {
        if at_least(&y, top + p + 4) && at_least(d, 1) {
            return beside_point(env, fmt, &Dy::int(1), -(p + 4), true);
        }
    } else if at_least(&y, top - qmin + 3) && at_least(&d.abs(), 1) {
        return below_subnormals(env, fmt, true);
    }
    None
}

/// `gelu(x) = x Phi(x)`, correctly rounded. gelu(+-0) = +-0, gelu(+inf) = +inf,
/// gelu(-inf) = +0 (the limit is 0 from below).
pub fn gelu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Gelu, derivative: false }, x, gelu_mp)
}

/// [`gelu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn gelu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
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
                // gelu(x) = x/2 + x (Phi(x) - 1/2) with 0 < x (Phi(x) - 1/2) < x^2: near 0 the
                // correction can be far below the spacing around x/2, which lies on the grid.
                if let Some(r) = grid_point_plus(env, fmt, &d.scale(-1), &d.mul_exact(&d), true) {
                    return r;
                }
            }
            gelu_saturated(env, fmt, &d).unwrap_or_else(|| ziv(env, fmt, |w| Some(gelu_iv(&d, w))))
        }
    }
}

/// `gelu'(x) = Phi(x) + x phi(x)`, correctly rounded. gelu'(+-0) = 1/2, gelu'(+inf) = 1,
/// gelu'(-inf) = +0.
pub fn d_gelu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Gelu, derivative: true }, x, d_gelu_mp)
}

/// [`d_gelu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_gelu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
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
        Arg::Finite(d) => d_gelu_saturated(env, fmt, &d)
            .unwrap_or_else(|| ziv(env, fmt, |w| Some(d_gelu_iv(&d, w)))),
    }
}

/// Composite gelu, as PyTorch's `gelu(approximate='none')` kernel writes it.
///
/// # Evaluation order
///
/// gelu(x) = (x ⊗ 0.5) ⊗ (1 ⊕ erf(x ⊗ r)), r = 1/sqrt(2) rounded to the format, erf correctly
/// rounded (SEMANTICS §3).
pub fn gelu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let (half, one, r) = (s.lit(Literal::Half), s.lit(Literal::One), s.lit(Literal::Frac1Sqrt2));
    let left = s.mul(x, half);
    let scaled = s.mul(x, r);
    let e = s.erf(scaled);
    let right = s.add(one, e);
    let y = s.mul(left, right);
    s.done(y)
}

/// Composite gelu', as PyTorch's gelu backward (approximate='none') writes it.
///
/// # Evaluation order
///
/// gelu'(x) = c ⊕ (x ⊗ p) with c = 0.5 ⊗ (1 ⊕ erf(x ⊗ r)) and
/// p = exp((x ⊗ x) ⊗ (-0.5)) ⊗ b, where r = 1/sqrt(2) and b = 1/sqrt(2 pi) are rounded to the
/// format and erf, exp are correctly rounded (SEMANTICS §3).
pub fn d_gelu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let (half, one) = (s.lit(Literal::Half), s.lit(Literal::One));
    let (r, b, minus_half) =
        (s.lit(Literal::Frac1Sqrt2), s.lit(Literal::Frac1Sqrt2Pi), s.lit(Literal::MinusHalf));
    let scaled = s.mul(x, r);
    let e = s.erf(scaled);
    let sum = s.add(one, e);
    let cdf = s.mul(half, sum);
    let sq = s.mul(x, x);
    let arg = s.mul(sq, minus_half);
    let ex = s.exp(arg);
    let pdf = s.mul(ex, b);
    let xp = s.mul(x, pdf);
    let y = s.add(cdf, xp);
    s.done(y)
}
