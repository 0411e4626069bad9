//! The oracle protocol: operation names, operand parsing, and TestFloat's line layout.
//!
//! A line is `operands... result flags`: values as bit patterns of ceil(bits / 4) hex digits
//! (or hex-float/decimal text with `--text`), flags as TestFloat's 2-digit hex byte
//! (01 inexact, 02 underflow, 04 overflow, 08 infinite, 10 invalid).

use fpcore::text::bits::{format_bits, parse_bits, BitsError};
use fpcore::text::decimal::parse_value;
use fpcore::text::hexfloat::format_hexfloat;
use fpcore::{Env, Flags, Format};

use crate::error::{Error, Result};

pub use fpcore::{Op, OpError, OP_NAMES};

/// How values are written on a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notation {
    /// Bit patterns in hex (TestFloat's layout).
    Bits,
    /// Hex-float or decimal text; results printed as hex-float.
    Text,
}

/// Parses one value of `fmt` in the given notation. A bit pattern that reads as a number
/// (`1.0`, `0x1p-3`) is an [`Error::NumberNotBits`], which names `--text`.
///
/// # Errors
///
/// The literal's error.
pub fn parse_operand(env: &Env, fmt: &Format, notation: Notation, text: &str) -> Result<u128> {
    match notation {
        Notation::Bits => parse_bits(fmt, text).map_err(|error| match error {
            BitsError::NotHex(_) if parse_value(env, fmt, text).is_ok() => {
                Error::NumberNotBits { error }
            }
            error => Error::Bits(error),
        }),
        Notation::Text => Ok(parse_value(env, fmt, text)?.value),
    }
}

/// Writes one value of `fmt` in the given notation.
pub fn format_value(fmt: &Format, notation: Notation, bits: u128) -> String {
    match notation {
        Notation::Bits => format_bits(fmt, bits),
        Notation::Text => format_hexfloat(fmt, bits),
    }
}

/// Parses a flag byte (TestFloat's two hex digits).
///
/// # Errors
///
/// Not two hex digits, or bits outside `1f`.
pub fn parse_flags(text: &str) -> Result<Flags> {
    let byte = u8::from_str_radix(text, 16)
        .ok()
        .filter(|_| !text.is_empty() && text.len() <= 2)
        .ok_or_else(|| {
            Error::invalid(format!("'{text}' is not a flag byte (two hex digits, e.g. 01)"))
        })?;
    Flags::from_bits(byte).ok_or_else(|| {
        Error::invalid(format!("flag byte '{text}' has bits outside 1f (inexact..invalid)"))
    })
}

/// Formats flags as TestFloat's two hex digits.
pub fn format_flags(flags: Flags) -> String {
    format!("{:02x}", flags.bits())
}
