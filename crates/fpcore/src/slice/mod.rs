//! Operations over slices of encodings: `out[i] = op(a[i], b[i])` for millions of elements,
//! each element bit for bit and flag for flag the scalar operation's result.
//!
//! Every function takes the environment and format(s), the operand slices, the output slice,
//! and optionally a slice that receives each element's flags; it returns the union of the
//! flags, or a [`SliceError`] when a length differs or the element type is narrower than the
//! format. Elements are bit patterns in any unsigned integer type ([`Bits`]: `u8` ... `u128`),
//! so that callers holding `u16` or `u8` arrays need no conversion; bits above the format's
//! width are ignored.
//!
//! Kernels, chosen once per call (never per element):
//!
//! - binary16, bfloat16, binary32, e5m2 and e4m3fn: the binary64 route (add, sub, mul, div,
//!   sqrt, fma, and conversions between them and binary64), whose exactness argument is in
//!   `fast/host.rs`, taken only in an IEEE environment ([`Env::is_ieee`]) and when the host
//!   floating-point state is round to nearest without flush-to-zero (checked once per chunk);
//! - formats of at most 8 bits, binary operations on slices of at least 2^18 elements: a
//!   65536-entry result table built for the call;
//! - binary64 and binary128: the integer kernels of the scalar operations;
//! - everything else, and every element a kernel leaves undecided (special operands,
//!   overflow): the scalar operation.
//!
//! Slices of 2^16 elements or more are cut into chunks of 2^14 (whatever the number of
//! threads) that rayon runs in parallel on the current thread pool; results and flags do not
//! depend on the thread count.
//!
//! ```
//! use fpcore::slice;
//! use fpcore::{Env, Flags, Format};
//!
//! // bfloat16: 1 + 1, 1 + 2^-8 (a tie, to even) and 2^127 * 2 (overflow).
//! let a: [u16; 3] = [0x3F80, 0x3F80, 0x7F00];
//! let b: [u16; 3] = [0x3F80, 0x3B80, 0x4000];
//! let mut out = [0u16; 3];
//! let mut flags = [Flags::NONE; 3];
//! let env = Env::default();
//! let sums = slice::add(&env, &Format::BF16, &a[..2], &b[..2], &mut out[..2], None)?;
//! assert_eq!(sums, Flags::INEXACT);
//! let all = slice::mul(&env, &Format::BF16, &a, &b, &mut out, Some(&mut flags))?;
//! assert_eq!(out, [0x3F80, 0x3B80, 0x7F80]);
//! assert_eq!(flags[2], Flags::OVERFLOW | Flags::INEXACT);
//! assert_eq!(all, Flags::OVERFLOW | Flags::INEXACT);
//! # Ok::<(), fpcore::slice::SliceError>(())
//! ```

/// Runs `$body` with the type alias `$l` set to the binary64-route layout named like `$fmt`'s
/// kernel, one of the listed kernels, or `$other` for any other format. The layouts are
/// resolved where the macro is used.
macro_rules! with_kernel {
    ($fmt:expr, [$($k:ident),*], $l:ident => $body:expr, _ => $other:expr) => {
        match $fmt.kernel() {
            $(Kernel::$k => {
                type $l = $k;
                $body
            })*
            _ => $other,
        }
    };
}

/// `with_kernel!` over the formats with p <= 24 that have the binary64 route.
macro_rules! with_narrow {
    ($fmt:expr, $l:ident => $body:expr, _ => $other:expr) => {
        with_kernel!($fmt, [F16, Bf16, F32, E5m2, E4m3fn], $l => $body, _ => $other)
    };
}

/// `with_kernel!` over the ends of a conversion's route: the narrow formats and binary64.
macro_rules! with_end {
    ($fmt:expr, $l:ident => $body:expr, _ => $other:expr) => {
        with_kernel!($fmt, [F16, Bf16, F32, F64, E5m2, E4m3fn], $l => $body, _ => $other)
    };
}

mod arith;
mod convert;
mod drive;
mod elem;
mod misc;

pub use arith::BinaryOp;
pub use elem::Bits;

use crate::act_op::ActOp;
use crate::env::Env;
use crate::flags::Flags;
use crate::format::Format;
use crate::ops::Ordering;
use crate::table8::Table8;

/// Why a slice operation was refused (nothing is written then).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SliceError {
    /// A slice's length differs from the output's.
    #[error("{slice} has {found} elements, the output has {expected}")]
    LengthMismatch {
        /// Which slice: `a`, `b`, `c` or `flags`.
        slice: &'static str,
        /// The output's length.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// The element type cannot hold the format's encodings.
    #[error("{format} has {needed}-bit encodings; the element type has {available} bits")]
    ElementTooNarrow {
        /// The format's name.
        format: String,
        /// The format's width.
        needed: u32,
        /// The element type's width.
        available: u32,
    },
}

/// Checks that `T` holds `fmt`'s encodings.
fn check_width(fmt: &Format, available: u32) -> Result<(), SliceError> {
    if fmt.bits() > available {
        return Err(SliceError::ElementTooNarrow {
            format: fmt.name(),
            needed: fmt.bits(),
            available,
        });
    }
    Ok(())
}

/// Checks that every named slice (and the flags, when given) has the output's length.
fn check_lengths(
    expected: usize,
    slices: &[(&'static str, usize)],
    flags: Option<&[Flags]>,
) -> Result<(), SliceError> {
    let flags = flags.map(|f| ("flags", f.len()));
    for &(slice, found) in slices.iter().chain(flags.iter()) {
        if found != expected {
            return Err(SliceError::LengthMismatch { slice, expected, found });
        }
    }
    Ok(())
}

/// `out[i] = op(a[i], b[i])` for a binary operation of [`BinaryOp`].
pub fn binary<T: Bits>(
    env: &Env,
    fmt: &Format,
    op: BinaryOp,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(fmt, T::BITS)?;
    check_lengths(out.len(), &[("a", a.len()), ("b", b.len())], flags.as_deref())?;
    Ok(arith::binary(env, fmt, op, a, b, out, flags))
}

/// `out[i] = a[i] ⊕ b[i]` (IEEE 754 addition).
pub fn add<T: Bits>(
    env: &Env,
    fmt: &Format,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    binary(env, fmt, BinaryOp::Add, a, b, out, flags)
}

/// `out[i] = a[i] ⊖ b[i]` (IEEE 754 subtraction).
pub fn sub<T: Bits>(
    env: &Env,
    fmt: &Format,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    binary(env, fmt, BinaryOp::Sub, a, b, out, flags)
}

/// `out[i] = a[i] ⊗ b[i]` (IEEE 754 multiplication).
pub fn mul<T: Bits>(
    env: &Env,
    fmt: &Format,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    binary(env, fmt, BinaryOp::Mul, a, b, out, flags)
}

/// `out[i] = a[i] ⊘ b[i]` (IEEE 754 division).
pub fn div<T: Bits>(
    env: &Env,
    fmt: &Format,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    binary(env, fmt, BinaryOp::Div, a, b, out, flags)
}

/// `out[i] = √a[i]` (IEEE 754 squareRoot).
pub fn sqrt<T: Bits>(
    env: &Env,
    fmt: &Format,
    a: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(fmt, T::BITS)?;
    check_lengths(out.len(), &[("a", a.len())], flags.as_deref())?;
    Ok(arith::sqrt(env, fmt, a, out, flags))
}

/// `out[i] = a[i] * b[i] + c[i]` rounded once (IEEE 754 fusedMultiplyAdd).
pub fn fma<T: Bits>(
    env: &Env,
    fmt: &Format,
    (a, b, c): (&[T], &[T], &[T]),
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(fmt, T::BITS)?;
    let lengths = [("a", a.len()), ("b", b.len()), ("c", c.len())];
    check_lengths(out.len(), &lengths, flags.as_deref())?;
    Ok(arith::fma(env, fmt, (a, b, c), out, flags))
}

/// `out[i]` = `a[i]` converted from `src` to `dst` (IEEE 754 convertFormat).
pub fn convert<X: Bits, Y: Bits>(
    env: &Env,
    (src, dst): (&Format, &Format),
    a: &[X],
    out: &mut [Y],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(src, X::BITS)?;
    check_width(dst, Y::BITS)?;
    check_lengths(out.len(), &[("a", a.len())], flags.as_deref())?;
    Ok(convert::convert(env, src, dst, a, out, flags))
}

/// `out[i] = compare(a[i], b[i])`: compareQuiet, or compareSignaling when `signaling`.
pub fn compare<T: Bits>(
    fmt: &Format,
    signaling: bool,
    (a, b): (&[T], &[T]),
    out: &mut [Ordering],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(fmt, T::BITS)?;
    check_lengths(out.len(), &[("a", a.len()), ("b", b.len())], flags.as_deref())?;
    Ok(misc::compare(fmt, signaling, (a, b), out, flags))
}

/// `out[i] = op(a[i])` for an activation or its derivative ([`ActOp::eval`], with `kink` the
/// derivative's value at a kink).
pub fn activation<T: Bits>(
    env: &Env,
    fmt: &Format,
    (op, kink): (ActOp, u128),
    a: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(fmt, T::BITS)?;
    check_lengths(out.len(), &[("a", a.len())], flags.as_deref())?;
    Ok(misc::activation(env, fmt, (op, kink), a, out, flags))
}

/// The result table of `op` over a format of at most 8 bits, for [`binary_table`] (a caller
/// that runs many short slices builds it once); `None` for a wider format.
pub fn table(env: &Env, fmt: &Format, op: BinaryOp) -> Option<Table8> {
    (fmt.bits() <= 8).then(|| arith::table(env, fmt, op))
}

/// `out[i] = op(a[i], b[i])` by lookup in a table from [`table`] (or [`Table8::new`]).
pub fn binary_table<T: Bits>(
    table: &Table8,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Result<Flags, SliceError> {
    check_width(table.format(), T::BITS)?;
    check_lengths(out.len(), &[("a", a.len()), ("b", b.len())], flags.as_deref())?;
    Ok(arith::with_table(table, a, b, out, flags))
}
