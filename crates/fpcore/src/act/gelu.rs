//! gelu(x) = x Phi(x) (Phi the standard normal CDF, the erf form) and its derivative
//! gelu'(x) = Phi(x) + x phi(x) (phi the standard normal density) (docs/semantics.md §3).

use super::entry::fast_or;
use super::gated::{Gated, Tail};
use super::literal::Literal;
use super::mp::func::{ncdf_point, ncdf_tail_factor, npdf_point};
use super::mp::{Dy, Iv};
use super::steps::Steps;
use super::ziv::at_least;
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// gelu as a gated activation, with the gate Phi.
const GELU: Gated = Gated { gate, tail, deriv: d_gelu_iv, deriv_tail: d_tail };

/// `Phi(x)`.
fn gate(x: &Dy, w: i64) -> Option<Iv> {
    Some(ncdf_point(x, w))
}

/// From `Q(t) = 1 - Phi(t) < e^(-t^2/2) < 2^(-t^2/2)` for `t >= 1`:
/// `x - gelu(x) = x Q(x) < 2^(top(x) - y)` for `x > 0` and `|gelu(x)| = t Q(t) < 2^-y` for
/// `x = -t`, with `y = x^2 / 2`. Near 0, `gelu(x) = x/2 + x (Phi(x) - 1/2)` with
/// `0 < x (Phi(x) - 1/2) < x^2`.
fn tail(x: &Dy) -> Tail {
    Tail { decay: x.mul_exact(x).scale(-1), pos_lead: x.top(), neg_lead: 0 }
}

/// An enclosure of `gelu'(x)` for an exact nonzero `x`.
fn d_gelu_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    if x.is_neg() {
        let t = x.abs();
        if let Some(a) = ncdf_tail_factor(&t, ww) {
            // Phi(x) + x phi(x) = phi(t) (A/t - t) for x = -t: the sign survives even when
            // phi(t) is only known to be below a tiny bound.
            let factor = a.div(&Iv::point(t.clone()), ww).expect("t > 0").sub(&Iv::point(t), ww);
            return Some(npdf_point(x, ww).mul(&factor, w + 2));
        }
    }
    let cdf = ncdf_point(x, ww);
    let pdf = npdf_point(x, ww).mul_dy(x, ww);
    Some(cdf.add(&pdf, w + 2))
}

/// From `phi(t) < 2^-y` (`y = x^2/2`): for `x >= 1`, `gelu'(x) - 1 = phi(x) (x - R(x))` lies in
/// `(0, x phi(x))`; for `x = -t <= -1`, `gelu'(x) = -phi(t) (t - R(t))` lies in
/// `(-t phi(t), 0)` (R the Mills ratio, below 1/t).
fn d_tail(x: &Dy) -> Option<Tail> {
    at_least(&x.abs(), 1).then(|| Tail {
        decay: x.mul_exact(x).scale(-1),
        pos_lead: x.top(),
        neg_lead: x.top(),
    })
}

/// `gelu(x) = x Phi(x)`, correctly rounded. gelu(+-0) = +-0, gelu(+inf) = +inf,
/// gelu(-inf) = +0 (the limit is 0 from below).
pub fn gelu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Gelu, derivative: false }, x, gelu_mp)
}

/// [`gelu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn gelu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    GELU.value(env, fmt, x)
}

/// `gelu'(x) = Phi(x) + x phi(x)`, correctly rounded. gelu'(+-0) = 1/2, gelu'(+inf) = 1,
/// gelu'(-inf) = +0.
pub fn d_gelu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::Gelu, derivative: true }, x, d_gelu_mp)
}

/// [`d_gelu`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_gelu_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    GELU.deriv(env, fmt, x)
}

/// `1 ⊕ erf(x ⊗ r)`, r = 1/sqrt(2) rounded to the format: twice the composite Phi(x).
fn one_plus_erf(c: &mut Ctx, x: u128) -> u128 {
    let (one, r) = (c.lit(Literal::One), c.lit(Literal::Frac1Sqrt2));
    let scaled = c.mul(x, r);
    let e = c.erf(scaled);
    c.add(one, e)
}

/// Composite gelu, as PyTorch's `gelu(approximate='none')` kernel writes it.
///
/// # Evaluation order
///
/// gelu(x) = (x ⊗ 0.5) ⊗ (1 ⊕ erf(x ⊗ r)), r = 1/sqrt(2) rounded to the format, erf correctly
/// rounded (docs/semantics.md §3).
pub fn gelu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let half = c.lit(Literal::Half);
    let left = c.mul(x, half);
    let right = one_plus_erf(&mut c, x);
    let y = c.mul(left, right);
    c.finish(y)
}

/// Composite gelu', as PyTorch's gelu backward (approximate='none') writes it.
///
/// # Evaluation order
///
/// gelu'(x) = c ⊕ (x ⊗ p) with c = 0.5 ⊗ (1 ⊕ erf(x ⊗ r)) and
/// p = exp((x ⊗ x) ⊗ (-0.5)) ⊗ b, where r = 1/sqrt(2) and b = 1/sqrt(2 pi) are rounded to the
/// format and erf, exp are correctly rounded (docs/semantics.md §3).
pub fn d_gelu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let (half, b, minus_half) =
        (c.lit(Literal::Half), c.lit(Literal::Frac1Sqrt2Pi), c.lit(Literal::MinusHalf));
    let sum = one_plus_erf(&mut c, x);
    let cdf = c.mul(half, sum);
    let sq = c.mul(x, x);
    let arg = c.mul(sq, minus_half);
    let ex = c.exp(arg);
    let pdf = c.mul(ex, b);
    let xp = c.mul(x, pdf);
    let y = c.add(cdf, xp);
    c.finish(y)
}
