//! gelu_tanh(x) = x/2 (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), the tanh
//! approximation of gelu, and its derivative
//! gelu_tanh'(x) = s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2) with s = sigmoid(2u)
//! (SEMANTICS §3). 0.044715 is the exact decimal; sqrt(2/pi) is exact.

use super::mp::consts::{constant, Const};
use super::mp::func::exp_iv;
use super::mp::{Dy, Iv};
use super::sigmoid::split_by_exp;
use super::steps::{gelu_tanh_coeff, Literal, Steps};
use super::ziv::{
    arg, at_least, below_subnormals, beside_point, exact, grid_point_plus, infinity, one, p_qmin,
    zero, ziv, Arg,
};
use super::{fast_or, ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `sigmoid(2u)` and `1 - sigmoid(2u)` for an exact nonzero `x`, from `e^-2|u|`:
/// `x/2 (1 + tanh(u)) = x sigmoid(2u)`.
fn parts(x: &Dy, w: i64) -> Option<(Iv, Iv)> {
    let ww = w + 8;
    let k = gelu_tanh_coeff(ww)?;
    let cube = x.mul_exact(x).mul_exact(x);
    let inner = k.mul_dy(&cube, ww).add(&Iv::point(x.clone()), ww);
    let two_u = inner.mul(&constant(Const::Sqrt2OverPi, ww), ww).scale(1);
    let minus_abs = if x.is_pos() { two_u.neg() } else { two_u };
    let e = exp_iv(&minus_abs, ww)?;
    let (big, small) = split_by_exp(&e, ww);
    Some(if x.is_pos() { (big, small) } else { (small, big) })
}

/// An enclosure of `gelu_tanh'(x) = s (1 + 2x (1 - s) sqrt(2/pi) (1 + 3k x^2))`, kept as a
/// product so its sign survives when `s` is only bounded.
fn d_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 8;
    let (s, one_minus_s) = parts(x, ww)?;
    let k3 = gelu_tanh_coeff(ww)?.mul(&Iv::int(3), ww);
    let poly = k3.mul_dy(&x.mul_exact(x), ww).add_int(1, ww);
    let c = constant(Const::Sqrt2OverPi, ww);
    let bracket = one_minus_s.mul(&poly, ww).mul(&c, ww).mul_dy(&x.scale(1), ww).add_int(1, ww);
    Some(s.mul(&bracket, w + 2))
}

/// gelu_tanh at a saturated argument: `2|u| >= 2 sqrt(2/pi) |x| > |x|`, so with `t = |x|`,
/// `1 - sigmoid(2|u|) < e^-t < 2^-t`: `x - gelu_tanh(x) < x 2^-x` for `x > 0` and
/// `|gelu_tanh(x)| < t 2^-t` for `x = -t`.
fn saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    if d.is_pos() {
        if at_least(d, p + 4) {
            return beside_point(env, fmt, d, d.top() - p - 4, false);
        }
    } else if at_least(&d.abs(), d.top() - qmin + 3) {
        return below_subnormals(env, fmt, true);
    }
    None
}

/// gelu_tanh' at a saturated argument, for `t = |x| >= 2`: the smaller of `s` and `1 - s`
/// is below `2^-t`, and `|2x c (1 + 3k x^2)| + 1 <= t^3`, so `gelu_tanh'(x) - 1` lies in
/// `(0, t^3 2^-t)` for `x > 0` and `gelu_tanh'(x)` in `(-t^3 2^-t, 0)` for `x < 0`.
fn d_saturated(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    let t = d.abs();
    if !at_least(&t, 2) {
        return None;
    }
    let cube_top = 3 * d.top();
    if d.is_pos() {
        if at_least(&t, cube_top + p + 4) {
            return beside_point(env, fmt, &Dy::int(1), -(p + 4), true);
        }
    } else if at_least(&t, cube_top - qmin + 3) {
        return below_subnormals(env, fmt, true);
    }
    None
}

/// `gelu_tanh(x)`, correctly rounded. gelu_tanh(+-0) = +-0, gelu_tanh(+inf) = +inf,
/// gelu_tanh(-inf) = +0.
pub fn gelu_tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::GeluTanh, derivative: false }, x, gelu_tanh_mp)
}

/// [`gelu_tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn gelu_tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
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
                // gelu_tanh(x) = x/2 + (x/2) tanh(u) with 0 < (x/2) tanh(u) <= (x/2) u < x^2.
                if let Some(r) = grid_point_plus(env, fmt, &d.scale(-1), &d.mul_exact(&d), true) {
                    return r;
                }
            }
            saturated(env, fmt, &d)
                .unwrap_or_else(|| ziv(env, fmt, |w| Some(parts(&d, w + 4)?.0.mul_dy(&d, w + 2))))
        }
    }
}

/// `gelu_tanh'(x)`, correctly rounded. gelu_tanh'(+-0) = 1/2, gelu_tanh'(+inf) = 1,
/// gelu_tanh'(-inf) = +0.
pub fn d_gelu_tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::GeluTanh, derivative: true }, x, d_gelu_tanh_mp)
}

/// [`d_gelu_tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_gelu_tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
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
        Arg::Finite(d) => {
            d_saturated(env, fmt, &d).unwrap_or_else(|| ziv(env, fmt, |w| d_iv(&d, w)))
        }
    }
}

/// Composite gelu_tanh, as PyTorch's `gelu(approximate='tanh')` kernel writes it.
///
/// # Evaluation order
///
/// gelu_tanh(x) = (0.5 ⊗ x) ⊗ (1 ⊕ tanh(b ⊗ (x ⊕ (k ⊗ ((x ⊗ x) ⊗ x))))) with b = sqrt(2/pi)
/// and k = 0.044715 rounded to the format, tanh correctly rounded (SEMANTICS §3).
pub fn gelu_tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let (half, one) = (s.lit(Literal::Half), s.lit(Literal::One));
    let (b, k) = (s.lit(Literal::Sqrt2OverPi), s.lit(Literal::GeluTanhCoeff));
    let sq = s.mul(x, x);
    let cube = s.mul(sq, x);
    let kc = s.mul(k, cube);
    let inner = s.add(x, kc);
    let u = s.mul(b, inner);
    let t = s.tanh(u);
    let left = s.mul(half, x);
    let right = s.add(one, t);
    let y = s.mul(left, right);
    s.done(y)
}

/// Composite gelu_tanh', as PyTorch's gelu backward (approximate='tanh') writes it.
///
/// # Evaluation order
///
/// With b = sqrt(2/pi) and k = 0.044715 rounded to the format and tanh correctly rounded:
/// q = x ⊗ x; t = tanh(b ⊗ (x ⊕ (k ⊗ (q ⊗ x)))); l = 0.5 ⊗ x;
/// gelu_tanh'(x) = (0.5 ⊗ (1 ⊕ t)) ⊕ ((l ⊗ (1 ⊖ (t ⊗ t))) ⊗ (b ⊗ (1 ⊕ ((3 ⊗ k) ⊗ q))))
/// (SEMANTICS §3).
pub fn d_gelu_tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut s = Steps::new(env, fmt);
    let (half, one, three) = (s.lit(Literal::Half), s.lit(Literal::One), s.lit(Literal::Three));
    let (b, k) = (s.lit(Literal::Sqrt2OverPi), s.lit(Literal::GeluTanhCoeff));
    let q = s.mul(x, x);
    let cube = s.mul(q, x);
    let kc = s.mul(k, cube);
    let inner = s.add(x, kc);
    let u = s.mul(b, inner);
    let t = s.tanh(u);
    let l = s.mul(half, x);
    let right = s.add(one, t);
    let left_d = s.mul(half, right);
    let tt = s.mul(t, t);
    let tanh_d = s.sub(one, tt);
    let k3 = s.mul(three, k);
    let k3q = s.mul(k3, q);
    let poly = s.add(one, k3q);
    let inner_d = s.mul(b, poly);
    let lt = s.mul(l, tanh_d);
    let right_d = s.mul(lt, inner_d);
    let y = s.add(left_d, right_d);
    s.done(y)
}
