//! fpcore: IEEE 754 round-to-nearest-even arithmetic for any format F(p, emin, emax).
//!
//! Every operation takes the environment first, then the format, then operands as encoded bit
//! patterns (`u128`), and returns a [`Rounded`] value with the five IEEE exception flags.
//! See docs/semantics.md §1-2 for the model.
//!
//! Formats: binary16/32/64/128, bfloat16, e5m2, e4m3fn, e4m3fnuz, e5m2fnuz, the OCP MX element
//! types e2m1fn, e2m3fn, e3m2fn, every other ml_dtypes type (e3m4, e4m3, e4m3b11fnuz, the
//! unsigned, zero-less e8m0fnu), the IEEE P3109 binary8 family ([`Format::p3109`], signed or
//! unsigned, extended or finite; each named format also a constant such as [`Format::BF16`] or
//! a row of [`format::NAMED`]), generic IEEE-like `eXmY` and abstract `p=P,emin=A,emax=B` (p from 1 to
//! 113, exponents within ±2^20, at most 128 encoding bits).
//!
//! Operands: bits above a format's encoding width are ignored (masked off) by every
//! operation, fast path or not; results never have them.
//!
//! ```
//! use fpcore::{add, Env, Flags, Format};
//!
//! // 1 + 2^-8 in bfloat16: the exact sum 1.00390625 is halfway between 1 and 1 + 2^-7, and
//! // ties go to the even neighbour, 1.
//! let r = add(&Env::default(), &Format::BF16, 0x3F80, 0x3B80);
//! assert_eq!(r.value, 0x3F80);
//! assert_eq!(r.flags, Flags::INEXACT);
//! ```
//!
//! A [`Ctx`] runs several operations in one format and collects their flags:
//!
//! ```
//! use fpcore::{Ctx, Env, Flags, Format};
//!
//! let mut ctx = Ctx::new(Env::default(), Format::BINARY16);
//! let big = ctx.mul(0x7BFF, 0x4000); // 65504 * 2 overflows to +inf
//! let sum = ctx.add(big, 0x3C00); // inf + 1 is exact
//! assert_eq!(ctx.finish(sum).value, 0x7C00);
//! assert_eq!(ctx.flags, Flags::OVERFLOW | Flags::INEXACT);
//! ```
//!
//! An [`Env`] can also model another system's arithmetic (docs/semantics.md §7): subnormal
//! operands read as zero ([`Env::daz`]), tiny results flushed ([`Env::ftz`]), each operation
//! computed in a wider format and rounded again ([`Env::via`]), P3109's overflow modes
//! ([`OverflowPolicy`]) and the NaNs of XLA and ml_dtypes ([`NanPolicy`]). JAX on CPU computes
//! bfloat16 in binary32 with denormals read as zero and results flushed:
//!
//! ```
//! use fpcore::{add, Env, Flags, Format, NanPolicy};
//!
//! let xla = Env {
//!     via: Some(Format::BINARY32),
//!     daz: true,
//!     ftz: true,
//!     nan: NanPolicy::XlaCpu,
//!     ..Env::default()
//! };
//! // 1 + 2^-133 (a bfloat16 subnormal): the subnormal is read as zero, so the sum is exactly 1;
//! // IEEE bfloat16 rounds the same sum to 1 with inexact.
//! assert_eq!(add(&xla, &Format::BF16, 0x3F80, 0x0001).flags, Flags::NONE);
//! assert_eq!(add(&Env::default(), &Format::BF16, 0x3F80, 0x0001).flags, Flags::INEXACT);
//! ```
//!
//! Modules, bottom up: [`format`](mod@format), [`flags`], [`env`](mod@env) and [`value`] (formats, flags, options,
//! encodings); `sig` (wide-significand primitives) and `nan` (NaN results); `round` (the
//! single rounding routine); `model` (the modelled environments as compositions of IEEE
//! operations); `fast` (integer kernels of the named formats, and the binary64
//! kernels of the multiply-add chain and the activations); [`ops`] (every operation, re-exported
//! at the crate root) and [`reference`](mod@reference) (their exact twins); [`text`] (bit patterns, hex-float,
//! decimal); [`ctx`] (flag-collecting context); [`act`] (activation functions; their names in
//! [`act_op`]); [`op`] (the protocol's operations); [`table8`] (result tables of 8-bit
//! formats); [`slice`](mod@slice) (every operation over slices of encodings, with per-element flags);
//! [`mx`] (OCP MX blocks: quantize, dequantize, dot).

#![forbid(unsafe_code)]
#![deny(clippy::float_arithmetic)]

pub mod act;
pub mod act_op;
pub mod ctx;
pub mod env;
mod fast;
pub mod flags;
pub mod format;
mod model;
pub mod mx;
mod nan;
pub mod op;
pub mod ops;
pub mod reference;
mod round;
mod sig;
pub mod slice;
pub mod table8;
pub mod text;
pub mod value;

pub use ctx::Ctx;
pub use env::{Env, NanPolicy, OverflowPolicy, Tininess};
pub use flags::{Flags, Rounded};
pub use format::{Format, FormatError, NamedFormat, Specials};
pub use op::{Op, OpError, OP_NAMES};
pub use ops::*;
pub use value::{Class, Kind, Unpacked};
