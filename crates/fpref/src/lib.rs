//! fpref: second soft-float backends (Berkeley SoftFloat 3, LLVM APFloat) behind one trait.
//!
//! This crate is the adapter layer used by tests and benches to compare fpcore against
//! independent implementations. A [`Backend`] evaluates one operation on encoded operands and
//! returns the result encoding together with the five IEEE exception flags in TestFloat's bit
//! order ([`Flags`]). It never decides pass or fail: the known, documented ways in which a
//! backend departs from IEEE 754 with canonical NaNs are listed in [`divergence`], for the
//! test layer to apply explicitly and count.
//!
//! Every operation rounds to nearest, ties to even. Encodings are those of [`Format`]: the
//! IEEE interchange layout for IEEE formats, OCP E4M3 for `e4m3fn`.

pub mod apfloat;
pub mod divergence;
pub mod hostfp;
pub mod misc;
#[cfg(feature = "mpfr")]
pub mod mpfr;
pub mod softfloat;

pub use apfloat::ApFloat;
pub use divergence::{Case, Divergence};
pub use fpcore::{Flags, Format, Specials, Tininess};
pub use softfloat::SoftFloat;

/// An operation a backend can evaluate. Operands and result are in the operation's format,
/// except for [`Op::Cvt`], whose result is in the destination format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// Square root of `a`.
    Sqrt,
    /// Fused multiply-add `a * b + c` with a single rounding.
    Fma,
    /// Conversion of `a` to the given destination format (IEEE 754 `convertFormat`).
    Cvt(Format),
}

impl Op {
    /// The arithmetic operations, in a fixed order (conversions take a destination, so they
    /// are not listed).
    pub const ARITHMETIC: [Op; 6] = [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Sqrt, Op::Fma];

    /// Number of operands the operation takes.
    pub fn arity(&self) -> usize {
        match self {
            Op::Sqrt | Op::Cvt(_) => 1,
            Op::Add | Op::Sub | Op::Mul | Op::Div => 2,
            Op::Fma => 3,
        }
    }

    /// Short lowercase name (`add`, `sub`, `mul`, `div`, `sqrt`, `fma`, `cvt`).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::Sqrt => "sqrt",
            Op::Fma => "fma",
            Op::Cvt(_) => "cvt",
        }
    }

    /// The format of the result when the operands are in `fmt`.
    pub fn result_format(&self, fmt: &Format) -> Format {
        match self {
            Op::Cvt(dst) => *dst,
            _ => *fmt,
        }
    }
}

/// A second implementation of floating-point arithmetic, evaluated one operation at a time.
///
/// Implementations are stateless between calls and safe to call from several threads.
pub trait Backend {
    /// Short name used in reports (`softfloat`, `apfloat`).
    fn name(&self) -> &'static str;

    /// Whether [`Backend::eval`] can evaluate `op` with operands in `fmt`.
    fn supports(&self, fmt: &Format, op: &Op) -> bool;

    /// Evaluates `op` on the encoded `operands` (in `fmt`), rounding to nearest even, and
    /// returns the encoded result (in [`Op::result_format`]) with the flags raised. `None`
    /// when [`Backend::supports`] is false.
    ///
    /// # Panics
    ///
    /// When `operands.len()` differs from [`Op::arity`] or an operand has bits set above
    /// the format's width.
    fn eval(&self, fmt: &Format, op: &Op, operands: &[u128]) -> Option<(u128, Flags)>;
}

/// Both backends with their default settings (SoftFloat with tininess after rounding).
pub fn backends() -> Vec<Box<dyn Backend + Send + Sync>> {
    vec![Box::new(SoftFloat::default()), Box::new(ApFloat)]
}

/// Checks the operand count and widths; shared by the backends.
fn check_operands(fmt: &Format, op: &Op, operands: &[u128]) {
    assert_eq!(
        operands.len(),
        op.arity(),
        "{} takes {} operand(s), got {}",
        op.name(),
        op.arity(),
        operands.len()
    );
    for &x in operands {
        assert!(
            x & !fmt.mask() == 0,
            "operand {x:#x} has bits above the {}-bit format {fmt}",
            fmt.bits()
        );
    }
}
