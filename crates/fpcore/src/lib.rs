//! fpcore: IEEE 754 round-to-nearest-even arithmetic for any format F(p, emin, emax).
//!
//! Every operation takes the environment first, then the format, then operands as encoded bit
//! patterns (`u128`), and returns a [`Rounded`] value with the five IEEE exception flags.
//! See SEMANTICS.md §1-2 for the model.
//!
//! Formats: binary16/32/64/128, bfloat16, e5m2, e4m3fn, e4m3fnuz, e5m2fnuz, the OCP MX element
//! types e2m1fn, e2m3fn, e3m2fn, generic IEEE-like `eXmY` and abstract `p=P,emin=A,emax=B`
//! (p from 1 to 113, exponents within ±2^20, at most 128 encoding bits).

#![forbid(unsafe_code)]
#![deny(clippy::float_arithmetic)]

pub mod act;
pub mod ctx;
pub mod env;
mod fast;
pub mod flags;
pub mod format;
pub mod ops;
pub mod reference;
mod round;
pub mod table8;
pub mod text;
pub mod value;

pub use ctx::Ctx;
pub use env::{Env, NanPolicy, OverflowPolicy, Tininess};
pub use flags::{Flags, Rounded};
pub use format::{Format, FormatError, Specials};
pub use ops::*;
pub use value::{Class, Kind, Unpacked};
