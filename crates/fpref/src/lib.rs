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
/// The operations: fpcore's protocol operations. The backends evaluate the arithmetic ones
/// and conversions; [`Backend::supports`] is false for the activations.
pub use fpcore::Op;
pub use fpcore::{Flags, Format, Specials, Tininess};
pub use softfloat::SoftFloat;

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
