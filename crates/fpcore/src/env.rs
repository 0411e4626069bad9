//! The rounding environment: options that change results, passed explicitly to every operation.
//!
//! There is no ambient mode: every operation takes an [`Env`] first.

/// When a result counts as tiny for the underflow flag (IEEE 754-2019 §7.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tininess {
    /// Tiny if the result rounded to precision p with an unbounded exponent range is below
    /// 2^emin in magnitude (the default, as on x86 SSE, ARM and RISC-V).
    #[default]
    AfterRounding,
    /// Tiny if the exact result is below 2^emin in magnitude.
    BeforeRounding,
}

/// Which bit pattern a NaN result gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NanPolicy {
    /// Always the format's canonical NaN: positive, quiet bit only (0x7E00 for binary16,
    /// 0x7FC00000 for binary32); `0x7F` for NanOnly formats; `0x80` for FNUZ formats.
    #[default]
    Canonical,
    /// x86 SSE: the first NaN operand (in operand order), quieted, keeps its sign and payload
    /// (payload bits aligned at the top of the fraction when formats differ); a NaN made by an
    /// invalid operation is the negative "indefinite" NaN (0xFE00 for binary16).
    X86Sse,
    /// ARM's default-NaN mode (FPCR.DN = 1): every NaN result is the positive quiet NaN with
    /// only the quiet bit set. For every format this equals [`NanPolicy::Canonical`]; it is
    /// kept as its own name so that a caller can say which hardware rule it means.
    ArmDefaultNan,
}

/// What happens when a rounded result exceeds the largest finite value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OverflowPolicy {
    /// IEEE 754: infinity with the result's sign; NaN in formats without infinities (as
    /// ml_dtypes and JAX do); the largest finite value in finite-only formats, which have neither.
    #[default]
    Ieee,
    /// Clamp to the largest finite value with the result's sign (OCP OFP8's saturating mode).
    /// Infinite operands of formats that have infinities stay infinite; an infinity converted
    /// to a format without infinities becomes the largest finite value.
    Saturate,
}

/// The options an operation depends on. `Env::default()` is IEEE 754 round to nearest even
/// with tininess after rounding, canonical NaNs and IEEE overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Env {
    /// Tininess detection.
    pub tininess: Tininess,
    /// NaN result encoding.
    pub nan: NanPolicy,
    /// Overflow handling.
    pub overflow: OverflowPolicy,
}

impl Env {
    /// Whether every operation under this environment is an IEEE 754 operation of the format
    /// itself (rounded once, operands read as they are). The fast kernels and the slice kernels
    /// take their shortcuts only then; an option that models another system's arithmetic
    /// (reading subnormal operands as zero, flushing results, computing in a wider format)
    /// makes this false and sends every operation through the general path.
    #[inline]
    pub fn is_ieee(&self) -> bool {
        true
    }
}
