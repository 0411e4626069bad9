//! Operations on encoded values, one file per family. Every operation takes `(env, fmt, ...)`
//! and returns a [`crate::Rounded`] result with its flags.

pub(crate) mod arith;
mod chain;
mod cmp;
mod convert;
mod misc;
mod wide;

/// NaN results live below the rounding routine; this path is kept for the activations.
pub(crate) use crate::nan;

pub use arith::{add, div, fma, mul, sqrt, sub};
pub use chain::{mul_add_chain, mul_add_chain_integer, ChainMatrix, ChainScratch, ChainSteps};
pub use cmp::{
    compare, compare_signaling, maximum, maximum_number, minimum, minimum_number, total_order,
    Ordering,
};
pub use convert::{
    convert, from_f32, from_f64, from_i64, from_u64, round_to_integral, to_f32, to_f64, to_i64,
    to_u64, IntRound,
};
pub use misc::{abs, copysign, neg, next_down, next_up};
