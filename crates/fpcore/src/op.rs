//! [`Op`]: the operations of the oracle protocol (`fpx batch`, `fpx verify`, the golden
//! corpus) as one value: a name that parses and prints back, an arity, a result format and an
//! evaluation through the crate's operations.

use thiserror::Error;

use crate::act::{ActOp, DEFAULT_KINK};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::{Format, FormatError};
use crate::ops;

/// The operation names [`Op::parse`] accepts, for error messages.
pub const OP_NAMES: &str = "add sub mul div sqrt fma cvt:FMT relu elu gelu gelu_tanh silu sigmoid tanh softplus d_relu d_elu d_gelu d_gelu_tanh d_silu d_sigmoid d_tanh d_softplus (activations also as NAME:composite)";

/// An operation of the protocol. Operands are encodings of one format; the result is in
/// [`Op::result_format`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `a ⊕ b` (addition).
    Add,
    /// `a ⊖ b` (subtraction).
    Sub,
    /// `a ⊗ b` (multiplication).
    Mul,
    /// `a ⊘ b` (division).
    Div,
    /// Square root (squareRoot).
    Sqrt,
    /// `a * b + c`, rounded once (fusedMultiplyAdd).
    Fma,
    /// Conversion into another format (convertFormat).
    Cvt(Format),
    /// An activation function or its derivative (docs/semantics.md §3): correctly rounded, or the
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

/// An operation name that [`Op::parse`] does not accept.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OpError {
    /// Not an operation name.
    #[error("unknown operation '{0}' (expected one of: {OP_NAMES})")]
    Unknown(String),
    /// `cvt:FMT` with a format name that does not parse.
    #[error("in operation '{name}': {error}")]
    Format {
        /// The operation name.
        name: String,
        /// Why the format name was rejected.
        error: FormatError,
    },
}

impl Op {
    /// The arithmetic operations, in a fixed order (conversions take a destination and
    /// activations a function, so they are not listed).
    pub const ARITHMETIC: [Op; 6] = [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Sqrt, Op::Fma];

    /// Parses an operation name: `add`, `sub`, `mul`, `div`, `sqrt`, `fma` (also `mulAdd`,
    /// `muladd`), `cvt:FMT`, an activation or derivative name, optionally `NAME:composite`.
    ///
    /// # Errors
    ///
    /// [`OpError::Unknown`] for any other name, [`OpError::Format`] for `cvt:` followed by a
    /// format name that does not parse.
    pub fn parse(name: &str) -> Result<Op, OpError> {
        Ok(match name {
            "add" => Op::Add,
            "sub" => Op::Sub,
            "mul" => Op::Mul,
            "div" => Op::Div,
            "sqrt" => Op::Sqrt,
            "fma" | "mulAdd" | "muladd" => Op::Fma,
            _ => {
                if let Some(dst) = name.strip_prefix("cvt:") {
                    return Format::parse(dst)
                        .map(Op::Cvt)
                        .map_err(|error| OpError::Format { name: name.to_string(), error });
                }
                let (base, composite) = match name.strip_suffix(":composite") {
                    Some(base) => (base, true),
                    None => (name, false),
                };
                match ActOp::parse(base) {
                    Some(op) => Op::Act { op, composite, kink: DEFAULT_KINK },
                    None => return Err(OpError::Unknown(name.to_string())),
                }
            }
        })
    }

    /// The canonical protocol name, which [`Op::parse`] reads back as the same operation (the
    /// kink aside): `add` ... `fma`, `cvt:bfloat16`, `gelu`, `d_silu:composite`.
    pub fn name(&self) -> String {
        match self {
            Op::Add => "add".to_string(),
            Op::Sub => "sub".to_string(),
            Op::Mul => "mul".to_string(),
            Op::Div => "div".to_string(),
            Op::Sqrt => "sqrt".to_string(),
            Op::Fma => "fma".to_string(),
            Op::Cvt(dst) => format!("cvt:{dst}"),
            Op::Act { op, composite: false, .. } => op.name().to_string(),
            Op::Act { op, composite: true, .. } => format!("{}:composite", op.name()),
        }
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

    /// Evaluates the operation on operands of `fmt` (bits above the width are ignored).
    ///
    /// # Panics
    ///
    /// When `operands.len()` differs from [`Op::arity`].
    pub fn eval(&self, env: &Env, fmt: &Format, operands: &[u128]) -> Rounded<u128> {
        match (self, operands) {
            (Op::Add, &[a, b]) => ops::add(env, fmt, a, b),
            (Op::Sub, &[a, b]) => ops::sub(env, fmt, a, b),
            (Op::Mul, &[a, b]) => ops::mul(env, fmt, a, b),
            (Op::Div, &[a, b]) => ops::div(env, fmt, a, b),
            (Op::Sqrt, &[a]) => ops::sqrt(env, fmt, a),
            (Op::Fma, &[a, b, c]) => ops::fma(env, fmt, a, b, c),
            (Op::Cvt(dst), &[a]) => ops::convert(env, fmt, dst, a),
            (Op::Act { op, composite: false, kink }, &[a]) => op.eval(env, fmt, a, *kink),
            (Op::Act { op, composite: true, kink }, &[a]) => op.eval_composite(env, fmt, a, *kink),
            _ => {
                panic!("{} takes {} operand(s), got {}", self.name(), self.arity(), operands.len())
            }
        }
    }
}

impl std::fmt::Display for Op {
    /// The canonical protocol name ([`Op::name`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl std::str::FromStr for Op {
    type Err = OpError;
    fn from_str(s: &str) -> Result<Op, OpError> {
        Op::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let mut ops: Vec<Op> = Op::ARITHMETIC.to_vec();
        ops.push(Op::Cvt(Format::BF16));
        ops.push(Op::Cvt(Format::parse("p=4,emin=-6,emax=8").expect("abstract")));
        for op in ActOp::all() {
            ops.push(Op::Act { op, composite: false, kink: DEFAULT_KINK });
            ops.push(Op::Act { op, composite: true, kink: DEFAULT_KINK });
        }
        for op in ops {
            assert_eq!(Op::parse(&op.name()), Ok(op), "{op}");
        }
        assert_eq!(Op::parse("mulAdd"), Ok(Op::Fma));
        assert_eq!(Op::parse("cvt:bf16").map(|op| op.name()), Ok("cvt:bfloat16".to_string()));
        assert_eq!(Op::parse("gelu:composite").map(|op| op.name()), Ok("gelu:composite".into()));
    }

    #[test]
    fn errors_say_what_is_accepted() {
        let err = Op::parse("pow").expect_err("unknown");
        assert_eq!(
            err.to_string(),
            format!("unknown operation 'pow' (expected one of: {OP_NAMES})")
        );
        let err = Op::parse("cvt:binary17").expect_err("bad format");
        let text = err.to_string();
        assert!(
            text.starts_with("in operation 'cvt:binary17': unknown format 'binary17'"),
            "{text}"
        );
        assert!(std::error::Error::source(&err).is_none(), "the message holds the whole chain");
    }
}
