//! The logistic function by the multiprecision engine: sigmoid(x) = 1 / (1 + e^-x), which is
//! also softplus'(x), and its pieces `s` and `1 - s`, each without cancellation, shared by
//! sigmoid', silu, silu' and gelu_tanh (whose `x/2 (1 + tanh(u))` is `x sigmoid(2u)`).

use super::entry::{one_operand, Ends, Fixed};
use super::mp::func::exp_point;
use super::mp::{Dy, Iv};
use super::ziv::{saturated, ziv, Limit};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `s = sigmoid(x)` and `1 - s = sigmoid(-x)`, each without cancellation.
pub(crate) struct SigmoidParts {
    /// `s = sigmoid(x)`.
    pub(crate) s: Iv,
    /// `1 - s = sigmoid(-x)`.
    pub(crate) one_minus_s: Iv,
}

/// The sigmoid pieces from `e = e^-|x|` in (0, 1], for `x > 0` if `positive`: `1 / (1 + e)`
/// (the larger) and `e / (1 + e)`.
pub(crate) fn split_by_exp(e: &Iv, w: i64, positive: bool) -> SigmoidParts {
    let den = e.add_int(1, w + 2);
    let big = den.recip(w).expect("1 + e > 0");
    let small = e.div(&den, w).expect("1 + e > 0");
    if positive {
        SigmoidParts { s: big, one_minus_s: small }
    } else {
        SigmoidParts { s: small, one_minus_s: big }
    }
}

/// The sigmoid pieces of an exact nonzero `x`.
pub(crate) fn sigmoid_parts(x: &Dy, w: i64) -> Option<SigmoidParts> {
    let e = exp_point(&x.abs().neg(), w + 4)?;
    Some(split_by_exp(&e, w, x.is_pos()))
}

/// `sigmoid(x)`, correctly rounded, by the multiprecision engine alone. sigmoid(+-0) = 1/2,
/// sigmoid(+inf) = 1, sigmoid(-inf) = +0.
pub(crate) fn sigmoid_mp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::HALF, neg_inf: Fixed::PosZero, pos_inf: Fixed::ONE };
    one_operand(env, fmt, x, ends, |d| {
        // 1 - sigmoid(x) < e^-x < 2^-x for x > 0, sigmoid(x) < 2^x for x < 0.
        let t = d.abs();
        let limit = if d.is_pos() { Limit::One(false) } else { Limit::Zero };
        saturated(env, fmt, limit, d.is_neg(), 0, &t)
            .unwrap_or_else(|| ziv(env, fmt, |w| Some(sigmoid_parts(d, w)?.s)))
    })
}

/// An enclosure of `sigmoid'(x) = e / (1 + e)^2` with `e = e^-|x|`, for an exact nonzero `x`
/// (`tanh'(x) = 4 sigmoid'(2x)` too).
pub(crate) fn d_sigmoid_iv(x: &Dy, w: i64) -> Option<Iv> {
    let ww = w + 6;
    let e = exp_point(&x.abs().neg(), ww)?;
    let den = e.add_int(1, ww).sqr(ww);
    e.div(&den, w + 2)
}
