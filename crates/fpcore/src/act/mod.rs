//! Activation functions and their derivatives (docs/semantics.md §3), for every format.
//!
//! Two families:
//! - **Correctly rounded** ([`eval`], [`deriv`] and the functions named after each activation,
//!   such as [`gelu`] and [`d_gelu`]): the exact real function rounded once to the format,
//!   round to nearest, ties to even, with the flags of that single rounding (inexact, underflow
//!   by the environment's tininess rule, overflow by its overflow policy). Values come from an
//!   interval enclosure in a pure-Rust multiprecision engine (`mp`), refined by a Ziv loop
//!   until the enclosure rounds to one value; exact results (relu, x > 0 in elu, the values at
//!   0) are found without it. For formats with p <= 24 whose values lie well inside binary64's
//!   range (binary32, bfloat16, binary16, the 8-bit formats), a binary64 fast path with proven
//!   error bounds comes first (crate-private `fast::act`); it returns a result only when its
//!   whole enclosure rounds to one value with the same flags, which is then the multiprecision
//!   result too, and leaves everything else to the engine. Results never depend on the host
//!   floating-point state. [`reference::eval`] and [`reference::deriv`] bypass it.
//! - **Composite** ([`eval_composite`], [`deriv_composite`] and the `*_composite` functions):
//!   the usual formula evaluated step by step in the format, as a framework does, each step
//!   one rounding, with the flags of every step. Each names its sequence in an
//!   `# Evaluation order` section. Their elementary steps are the correctly rounded [`exp`],
//!   [`expm1`], [`log1p`], [`erf`] and [`tanh`] of this module. Constants such as 1/sqrt(2)
//!   are rounded to the format once, as a framework's literal would be, and raise no flags.
//!
//! Conventions (docs/semantics.md §3): a NaN operand gives a NaN by the NaN policy; a zero result of a
//! finite nonzero operand has the sign of the exact value; sigma(-0) takes the sign sigma has
//! just left of 0 (-0 for tanh, gelu, gelu_tanh, silu, elu; +0 for relu); at +-inf the result is
//! the rounded limit (+0 for a zero limit). The derivative of relu at 0 (both zeros) is the
//! `kink` argument, returned as given ([`DEFAULT_KINK`] is +0, as in PyTorch and TensorFlow);
//! elu (alpha = 1) is differentiable at 0 with derivative 1, so it has no kink.
//!
//! gelu_tanh's constant 0.044715 is the exact decimal 44715/10^6, and sqrt(2/pi) is exact.
//!
//! # Layout
//!
//! Each module uses only those listed before it: `op.rs` (the names of the ops), `mp/`
//! (interval arithmetic on dyadic numbers), `ziv.rs` (rounding an enclosure once; saturated
//! tails from bounds), `entry.rs` (the fast path first; operand classes and each function's
//! fixed results at zeros and infinities), `literal.rs` (the composites' constants),
//! `elementary.rs`, `logistic.rs` (sigmoid and its pieces), `tanh.rs`, `steps.rs` (the
//! composites' steps on [`crate::Ctx`]), `gated.rs` (what gelu, gelu_tanh and silu share), the
//! other per-activation files, then `dispatch.rs` and `reference.rs`. This file only declares
//! and re-exports.

mod dispatch;
mod elementary;
mod elu;
mod entry;
mod gated;
mod gelu;
mod gelu_tanh;
mod literal;
mod logistic;
pub(crate) mod mp;
pub mod reference;
mod relu;
mod sigmoid;
mod silu;
mod softplus;
mod steps;
mod tanh;
mod ziv;

pub use crate::act_op::{ActOp, Activation};
pub use dispatch::{deriv, deriv_composite, eval, eval_composite};
pub use elementary::{erf, exp, expm1, log1p};
pub use elu::{d_elu, d_elu_composite, elu, elu_composite};
pub use gelu::{d_gelu, d_gelu_composite, gelu, gelu_composite};
pub use gelu_tanh::{d_gelu_tanh, d_gelu_tanh_composite, gelu_tanh, gelu_tanh_composite};
pub use relu::{d_relu, d_relu_composite, relu, relu_composite};
pub use sigmoid::{d_sigmoid, d_sigmoid_composite, sigmoid, sigmoid_composite};
pub use silu::{d_silu, d_silu_composite, silu, silu_composite};
pub use softplus::{d_softplus, d_softplus_composite, softplus, softplus_composite};
pub use tanh::{d_tanh, d_tanh_composite, tanh, tanh_composite};

/// The kink convention by default: relu'(0) = +0 (the encoding 0 is +0 in every format).
pub const DEFAULT_KINK: u128 = 0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::format::Format;

    /// Extreme operands of formats with huge exponent ranges: every result comes from bounds
    /// or short enclosures, with no number of 2^20 bits ever built.
    #[test]
    fn extreme_operands_of_wide_exponent_formats_are_decided() {
        let env = Env::default();
        for name in
            ["binary128", "p=64,emin=-1048575,emax=1048576", "p=2,emin=-1048575,emax=1048576"]
        {
            let fmt = Format::parse(name).expect("valid format");
            let one = elementary::exp(&env, &fmt, 0).value;
            let operands = [
                fmt.max_finite(false),
                fmt.max_finite(true),
                fmt.min_positive(false),
                fmt.min_positive(true),
                one,
                crate::ops::neg(&fmt, one),
            ];
            for x in operands {
                for op in ActOp::all() {
                    let r = op.eval(&env, &fmt, x, DEFAULT_KINK);
                    assert!(!fmt.unpack(r.value).is_nan(), "{name} {} at {x:#x}", op.name());
                    let _ = op.eval_composite(&env, &fmt, x, DEFAULT_KINK);
                }
                for f in [elementary::exp, elementary::expm1, elementary::erf, tanh] {
                    let _ = f(&env, &fmt, x);
                }
                let _ = elementary::log1p(&env, &fmt, x);
            }
            // gelu(-max) is a negative value far below the smallest subnormal.
            let r = gelu(&env, &fmt, fmt.max_finite(true));
            assert_eq!(r.value, fmt.zero(true), "{name}");
        }
    }

    #[test]
    fn names_round_trip() {
        for op in ActOp::all() {
            assert_eq!(ActOp::parse(op.name()), Some(op));
        }
        assert_eq!(ActOp::all().count(), 16);
        assert_eq!(Activation::parse("swish"), Some(Activation::Silu));
        assert_eq!(ActOp::parse("d_gelu_tanh").map(|o| o.act), Some(Activation::GeluTanh));
        assert!(ActOp::parse("d_").is_none() && ActOp::parse("relu6").is_none());
    }
}
