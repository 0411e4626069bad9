//! relu(x) = max(x, 0) and its derivative relu'(x) = [x > 0], with a selectable kink value
//! at 0 (docs/semantics.md §3). Both are exact: no rounding happens.

use super::entry::{exact_dy, one_operand, Ends, Fixed};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `relu(x) = max(x, 0)`: `x` for `x > 0`, +0 otherwise (relu(-0) = +0, relu(-inf) = +0).
/// Exact, so no flags except invalid for a signaling NaN.
pub fn relu(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::PosZero, neg_inf: Fixed::PosZero, pos_inf: Fixed::PosInf };
    one_operand(env, fmt, x, ends, |d| {
        if d.is_neg() {
            Fixed::PosZero.result(env, fmt, false)
        } else {
            exact_dy(env, fmt, d)
        }
    })
}

/// `relu'(x)`: 1 for `x > 0` (and +inf), +0 for `x < 0` (and -inf), and `kink` at +-0,
/// returned as given (its encoding in `fmt`; [`super::DEFAULT_KINK`] is +0).
pub fn d_relu(env: &Env, fmt: &Format, x: u128, kink: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::Bits(kink), neg_inf: Fixed::PosZero, pos_inf: Fixed::ONE };
    one_operand(env, fmt, x, ends, |d| {
        let step = if d.is_neg() { Fixed::PosZero } else { Fixed::ONE };
        step.result(env, fmt, false)
    })
}

/// Composite relu: `x > 0 ? x : +0`, the same as [`relu`] (no rounding step).
///
/// # Evaluation order
///
/// relu(x) = x if x > 0, else +0; no rounded operation (docs/semantics.md §3).
pub fn relu_composite(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    relu(env, fmt, x)
}

/// Composite relu': `x > 0 ? 1 : 0`, `kink` at +-0, the same as [`d_relu`].
///
/// # Evaluation order
///
/// relu'(x) = 1 if x > 0, kink if x = +-0, else +0; no rounded operation (docs/semantics.md §3).
pub fn d_relu_composite(env: &Env, fmt: &Format, x: u128, kink: u128) -> Rounded<u128> {
    d_relu(env, fmt, x, kink)
}
