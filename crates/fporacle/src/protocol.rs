//! The oracle protocol: operation names, operand parsing, and TestFloat's line layout.
//!
//! A line is `operands... result flags`: values as bit patterns of ceil(bits / 4) hex digits
//! (or hex-float/decimal text with `--text`), flags as TestFloat's 2-digit hex byte
//! (01 inexact, 02 underflow, 04 overflow, 08 infinite, 10 invalid).

use fpcore::act::ActOp;
use fpcore::text::bits::{format_bits, parse_bits, BitsError};
use fpcore::text::decimal::parse_value;
use fpcore::text::hexfloat::format_hexfloat;
use fpcore::{Env, Flags, Format, Rounded};

use crate::error::{Context, Error, Result};
use crate::invalid;

/// An operation of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `a ⊕ b`.
    Add,
    /// `a ⊖ b`.
    Sub,
    /// `a ⊗ b`.
    Mul,
    /// `a ⊘ b`.
    Div,
    /// Square root.
    Sqrt,
    /// `a * b + c`, rounded once.
    Fma,
    /// Conversion into another format.
    Cvt(Format),
    /// An activation function or its derivative (SEMANTICS §3): correctly rounded, or the
    /// documented composite sequence (`NAME:composite`). `kink` is the derivative's value at
    /// a kink (relu'(0)), as an encoding of the operand format.
    Act {
        /// Which function.
        op: ActOp,
        /// Step-by-step composite evaluation instead of the correctly rounded one.
        composite: bool,
        /// Value at a kink.
        kink: u128,
    },
}

/// The operation names `fpx batch` and `fpx verify` accept, for error messages.
pub const OP_NAMES: &str = "add sub mul div sqrt fma cvt:FMT relu elu gelu gelu_tanh silu sigmoid tanh softplus d_relu d_elu d_gelu d_gelu_tanh d_silu d_sigmoid d_tanh d_softplus (activations also as NAME:composite)";

impl Op {
    /// Parses an operation name.
    ///
    /// # Errors
    ///
    /// An unknown name (the message lists the known ones) or a bad `cvt:` format.
    pub fn parse(name: &str) -> Result<Op> {
        Ok(match name {
            "add" => Op::Add,
            "sub" => Op::Sub,
            "mul" => Op::Mul,
            "div" => Op::Div,
            "sqrt" => Op::Sqrt,
            "fma" | "mulAdd" | "muladd" => Op::Fma,
            _ => {
                if let Some(dst) = name.strip_prefix("cvt:") {
                    let dst = Format::parse(dst).at(|| format!("in operation '{name}'"))?;
                    return Ok(Op::Cvt(dst));
                }
                let (base, composite) = match name.strip_suffix(":composite") {
                    Some(base) => (base, true),
                    None => (name, false),
                };
                match ActOp::parse(base) {
                    Some(op) => Op::Act { op, composite, kink: fpcore::act::DEFAULT_KINK },
                    None => invalid!("unknown operation '{name}' (expected one of: {OP_NAMES})"),
                }
            }
        })
    }

    /// The same operation with another kink value (activations only; others unchanged).
    #[must_use]
    pub fn with_kink(self, value: u128) -> Op {
        match self {
            Op::Act { op, composite, .. } => Op::Act { op, composite, kink: value },
            other => other,
        }
    }

    /// Number of operands.
    pub fn arity(&self) -> usize {
        match self {
            Op::Sqrt | Op::Cvt(_) | Op::Act { .. } => 1,
            Op::Add | Op::Sub | Op::Mul | Op::Div => 2,
            Op::Fma => 3,
        }
    }

    /// The format of the result, given the operands' format.
    pub fn result_format(&self, fmt: &Format) -> Format {
        match self {
            Op::Cvt(dst) => *dst,
            _ => *fmt,
        }
    }

    /// Evaluates the operation.
    pub fn eval(&self, env: &Env, fmt: &Format, operands: &[u128]) -> Rounded<u128> {
        match (self, operands) {
            (Op::Add, [a, b]) => fpcore::add(env, fmt, *a, *b),
            (Op::Sub, [a, b]) => fpcore::sub(env, fmt, *a, *b),
            (Op::Mul, [a, b]) => fpcore::mul(env, fmt, *a, *b),
            (Op::Div, [a, b]) => fpcore::div(env, fmt, *a, *b),
            (Op::Sqrt, [a]) => fpcore::sqrt(env, fmt, *a),
            (Op::Fma, [a, b, c]) => fpcore::fma(env, fmt, *a, *b, *c),
            (Op::Cvt(dst), [a]) => fpcore::convert(env, fmt, dst, *a),
            (Op::Act { op, composite: false, kink }, [a]) => op.eval(env, fmt, *a, *kink),
            (Op::Act { op, composite: true, kink }, [a]) => op.eval_composite(env, fmt, *a, *kink),
            _ => unreachable!("operand count checked by the caller"),
        }
    }
}

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
