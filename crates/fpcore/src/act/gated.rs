//! The shared shape of the gated activations `f(x) = x F(x)` (gelu, gelu_tanh, silu), whose
//! gate `F` rises from 0 at -inf through F(0) = 1/2 to 1 at +inf (Phi, sigmoid(2u), sigmoid),
//! by the multiprecision engine. Each activation gives its gate's enclosure, the enclosure of
//! its derivative `F + x F'` and the bounds of their tails in a [`Gated`]; the special operands,
//! the operands near 0, the saturated ones and the Ziv loop are handled here, alike for all.
//!
//! f(+-0) = +-0, f(-inf) = +0 (the limit is 0 from below), f(+inf) = +inf; f'(+-0) = 1/2,
//! f'(-inf) = +0, f'(+inf) = 1. The derivative overshoots: it exceeds 1 for large x and is
//! negative for x below some negative point.

use super::entry::{one_operand, Ends, Fixed};
use super::mp::{Dy, Iv};
use super::ziv::{grid_point_plus, saturated, ziv, Limit};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// The results of a gated function at +-0 and at the infinities.
const VALUE_ENDS: Ends =
    Ends { zero: Fixed::SignedZero, neg_inf: Fixed::PosZero, pos_inf: Fixed::PosInf };

/// The results of its derivative there.
const DERIV_ENDS: Ends = Ends { zero: Fixed::HALF, neg_inf: Fixed::PosZero, pos_inf: Fixed::ONE };

/// A bound on a tail at a saturated operand `x`: the distance to the limit (`x`, or 1 for the
/// derivative, for `x > 0`; 0 for `x < 0`) is below `2^(lead - decay)`, with the lead of
/// `x`'s side.
pub(crate) struct Tail {
    /// How fast the tail vanishes (`|x|`, or `x^2/2` for the Gaussian ones).
    pub(crate) decay: Dy,
    /// The lead for `x > 0`.
    pub(crate) pos_lead: i64,
    /// The lead for `x < 0`.
    pub(crate) neg_lead: i64,
}

/// What is specific to one gated activation.
pub(crate) struct Gated {
    /// An enclosure of the gate `F(x)` at an exact nonzero `x`, of relative width about
    /// `2^-w`.
    pub(crate) gate: fn(&Dy, i64) -> Option<Iv>,
    /// The bound of the tails of `f` at `x`.
    pub(crate) tail: fn(&Dy) -> Tail,
    /// An enclosure of `f'(x)` at an exact nonzero `x`.
    pub(crate) deriv: fn(&Dy, i64) -> Option<Iv>,
    /// The bound of the tails of `f'` at `x`, where the argument for it holds.
    pub(crate) deriv_tail: fn(&Dy) -> Option<Tail>,
}

impl Gated {
    /// `f(x)`, correctly rounded.
    pub(crate) fn value(&self, env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
        one_operand(env, fmt, x, VALUE_ENDS, |d| {
            near_zero(env, fmt, d)
                .or_else(|| {
                    // x - f(x) = x (1 - F(x)) above 0, |f(x)| below it.
                    let tail = (self.tail)(d);
                    if d.is_pos() {
                        saturated(env, fmt, Limit::Operand(d), false, tail.pos_lead, &tail.decay)
                    } else {
                        saturated(env, fmt, Limit::Zero, false, tail.neg_lead, &tail.decay)
                    }
                })
                .unwrap_or_else(|| ziv(env, fmt, |w| Some((self.gate)(d, w + 4)?.mul_dy(d, w + 2))))
        })
    }

    /// `f'(x)`, correctly rounded.
    pub(crate) fn deriv(&self, env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
        one_operand(env, fmt, x, DERIV_ENDS, |d| {
            (self.deriv_tail)(d)
                .and_then(|tail| {
                    // f'(x) - 1 > 0 above 0, f'(x) < 0 below it.
                    if d.is_pos() {
                        saturated(env, fmt, Limit::One(false), true, tail.pos_lead, &tail.decay)
                    } else {
                        saturated(env, fmt, Limit::Zero, false, tail.neg_lead, &tail.decay)
                    }
                })
                .unwrap_or_else(|| ziv(env, fmt, |w| (self.deriv)(d, w)))
        })
    }
}

/// `f(x)` for `|x| < 1` where that decides it: `f(x) = x/2 + x (F(x) - 1/2)`, and each gate
/// gives `0 < x (F(x) - 1/2) < x^2`, a correction that can be far below the spacing around
/// `x/2`, which lies on the rounding grid.
fn near_zero(env: &Env, fmt: &Format, d: &Dy) -> Option<Rounded<u128>> {
    if d.top() > 0 {
        return None;
    }
    grid_point_plus(env, fmt, &d.scale(-1), &d.mul_exact(d), true)
}
