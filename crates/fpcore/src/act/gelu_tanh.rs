//! gelu_tanh(x) = x/2 (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), the tanh
//! approximation of gelu, and its derivative
//! gelu_tanh'(x) = s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2) with s = sigmoid(2u)
//! (docs/semantics.md §3). 0.044715 is the exact decimal; sqrt(2/pi) is exact.

use super::entry::fast_or;
use super::gated::{Gated, Tail};
use super::literal::{gelu_tanh_coeff, Literal};
use super::logistic::{split_by_exp, SigmoidParts};
use super::mp::consts::{constant, Const};
use super::mp::func::exp_iv;
use super::mp::{Dy, Iv};
use super::steps::Steps;
use super::ziv::at_least;
use crate::act_op::{ActOp, Activation};
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// gelu_tanh as a gated activation: `x/2 (1 + tanh(u)) = x sigmoid(2u)`.
const GELU_TANH: Gated = Gated { gate, tail, deriv: d_iv, deriv_tail: d_tail };

/// `sigmoid(2u)` and `1 - sigmoid(2u)` for an exact nonzero `x`, from `e^-2|u|`.
fn parts(x: &Dy, w: i64) -> Option<SigmoidParts> {
    let ww = w + 8;
    let k = gelu_tanh_coeff(ww)?;
    let cube = x.mul_exact(x).mul_exact(x);
    let inner = k.mul_dy(&cube, ww).add(&Iv::point(x.clone()), ww);
    let two_u = inner.mul(&constant(Const::Sqrt2OverPi, ww), ww).scale(1);
    let minus_abs = if x.is_pos() { two_u.neg() } else { two_u };
    let e = exp_iv(&minus_abs, ww)?;
    Some(split_by_exp(&e, ww, x.is_pos()))
}

/// `sigmoid(2u)`.
fn gate(x: &Dy, w: i64) -> Option<Iv> {
    Some(parts(x, w)?.s)
}

/// `2|u| >= 2 sqrt(2/pi) |x| > |x|`, so with `t = |x|`, `1 - sigmoid(2|u|) < e^-t < 2^-t`:
/// `x - gelu_tanh(x) < x 2^-x` for `x > 0` and `|gelu_tanh(x)| < t 2^-t` for `x = -t`. Near
/// 0, `gelu_tanh(x) = x/2 + (x/2) tanh(u)` with `0 < (x/2) tanh(u) <= (x/2) u < x^2`.
fn tail(x: &Dy) -> Tail {
    Tail { decay: x.abs(), pos_lead: x.top(), neg_lead: x.top() }
}

/// An enclosure of `gelu_tanh'(x) = s (1 + 2x (1 - s) sqrt(2/pi) (1 + 3k x^2))`, kept as a
/// product so its sign survives when `s` is only bounded.
fn d_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 8;
    let SigmoidParts { s, one_minus_s } = parts(x, ww)?;
    let k3 = gelu_tanh_coeff(ww)?.mul(&Iv::int(3), ww);
    let poly = k3.mul_dy(&x.mul_exact(x), ww).add_int(1, ww);
    let c = constant(Const::Sqrt2OverPi, ww);
    let bracket = one_minus_s.mul(&poly, ww).mul(&c, ww).mul_dy(&x.scale(1), ww).add_int(1, ww);
    Some(s.mul(&bracket, w + 2))
}

/// For `t = |x| >= 2`: the smaller of `s` and `1 - s` is below `2^-t`, and
/// `|2x c (1 + 3k x^2)| + 1 <= t^3`, so `gelu_tanh'(x) - 1` lies in `(0, t^3 2^-t)` for
/// `x > 0` and `gelu_tanh'(x)` in `(-t^3 2^-t, 0)` for `x < 0`.
fn d_tail(x: &Dy) -> Option<Tail> {
    let t = x.abs();
    let cube_top = 3 * x.top();
    at_least(&t, 2).then_some(Tail { decay: t, pos_lead: cube_top, neg_lead: cube_top })
}

/// `gelu_tanh(x)`, correctly rounded. gelu_tanh(+-0) = +-0, gelu_tanh(+inf) = +inf,
/// gelu_tanh(-inf) = +0.
pub fn gelu_tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::GeluTanh, derivative: false }, x, gelu_tanh_mp)
}

/// [`gelu_tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn gelu_tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    GELU_TANH.value(env, fmt, x)
}

/// `gelu_tanh'(x)`, correctly rounded. gelu_tanh'(+-0) = 1/2, gelu_tanh'(+inf) = 1,
/// gelu_tanh'(-inf) = +0.
pub fn d_gelu_tanh(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    fast_or(env, fmt, ActOp { act: Activation::GeluTanh, derivative: true }, x, d_gelu_tanh_mp)
}

/// [`d_gelu_tanh`] by the multiprecision engine alone (no binary64 fast path).
pub(crate) fn d_gelu_tanh_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    GELU_TANH.deriv(env, fmt, x)
}

/// The literals and the shared first steps of both composites: with `b = sqrt(2/pi)` and
/// `k = 0.044715` rounded to the format, `q = x ⊗ x` and
/// `t = tanh(b ⊗ (x ⊕ (k ⊗ (q ⊗ x))))`, tanh correctly rounded.
struct Forward {
    /// 1.
    one: u128,
    /// 0.5.
    half: u128,
    /// sqrt(2/pi), rounded.
    b: u128,
    /// 0.044715, rounded.
    k: u128,
    /// `x ⊗ x`.
    q: u128,
    /// The tanh step.
    t: u128,
}

impl Forward {
    /// The steps up to `t`.
    fn run(c: &mut Ctx, x: u128) -> Forward {
        let (half, one) = (c.lit(Literal::Half), c.lit(Literal::One));
        let (b, k) = (c.lit(Literal::Sqrt2OverPi), c.lit(Literal::GeluTanhCoeff));
        let q = c.mul(x, x);
        let cube = c.mul(q, x);
        let kc = c.mul(k, cube);
        let inner = c.add(x, kc);
        let u = c.mul(b, inner);
        let t = c.tanh(u);
        Forward { one, half, b, k, q, t }
    }
}

/// Composite gelu_tanh, as PyTorch's `gelu(approximate='tanh')` kernel writes it.
///
/// # Evaluation order
///
/// gelu_tanh(x) = (0.5 ⊗ x) ⊗ (1 ⊕ tanh(b ⊗ (x ⊕ (k ⊗ ((x ⊗ x) ⊗ x))))) with b = sqrt(2/pi)
/// and k = 0.044715 rounded to the format, tanh correctly rounded (docs/semantics.md §3).
pub fn gelu_tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let Forward { one, half, t, .. } = Forward::run(&mut c, x);
    let left = c.mul(half, x);
    let right = c.add(one, t);
    let y = c.mul(left, right);
    c.finish(y)
}

/// Composite gelu_tanh', as PyTorch's gelu backward (approximate='tanh') writes it.
///
/// # Evaluation order
///
/// With b = sqrt(2/pi) and k = 0.044715 rounded to the format and tanh correctly rounded:
/// q = x ⊗ x; t = tanh(b ⊗ (x ⊕ (k ⊗ (q ⊗ x)))); l = 0.5 ⊗ x;
/// gelu_tanh'(x) = (0.5 ⊗ (1 ⊕ t)) ⊕ ((l ⊗ (1 ⊖ (t ⊗ t))) ⊗ (b ⊗ (1 ⊕ ((3 ⊗ k) ⊗ q))))
/// (docs/semantics.md §3).
pub fn d_gelu_tanh_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let mut c = Ctx::new(*env, *fmt);
    let Forward { one, half, b, k, q, t } = Forward::run(&mut c, x);
    let three = c.lit(Literal::Three);
    let l = c.mul(half, x);
    let right = c.add(one, t);
    let left_d = c.mul(half, right);
    let tt = c.mul(t, t);
    let tanh_d = c.sub(one, tt);
    let k3 = c.mul(three, k);
    let k3q = c.mul(k3, q);
    let poly = c.add(one, k3q);
    let inner_d = c.mul(b, poly);
    let lt = c.mul(l, tanh_d);
    let right_d = c.mul(lt, inner_d);
    let y = c.add(left_d, right_d);
    c.finish(y)
}
