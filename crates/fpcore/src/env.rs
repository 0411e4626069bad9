//! The rounding environment: options that change results, passed explicitly to every operation.
//!
//! There is no ambient mode: every operation takes an [`Env`] first. Besides the IEEE 754
//! options (tininess, NaN encoding, overflow), an environment can model another system's
//! arithmetic: subnormal operands read as zero ([`Env::daz`]), tiny results flushed to zero
//! ([`Env::ftz`]) and each operation computed in a wider format and rounded twice
//! ([`Env::via`]); docs/semantics.md §7 defines each.

use crate::format::Format;

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
    /// XLA on CPU (JAX's arithmetic on its narrow types, computed in binary32 on an x86
    /// host and converted as ml_dtypes converts): a NaN result is the quiet NaN with no
    /// payload and the sign of the first NaN operand (in operand order); a NaN made by an
    /// invalid operation is negative (x86's default NaN: 0xFFC0 in bfloat16, 0xFE in e5m2,
    /// 0xFF in e4m3fn); an overflow or an exact infinity in a format without infinities
    /// (e4m3fn) is the NaN with the result's sign; FNUZ formats have the one NaN 0x80.
    /// Finite-only formats (e2m1fn, e2m3fn, e3m2fn) have no NaN: a NaN converted to them
    /// becomes the zero of the opposite sign (+NaN gives -0), as ml_dtypes' conversion does.
    XlaCpu,
    /// ml_dtypes' own arithmetic (its x86-64 wheels): as [`NanPolicy::XlaCpu`], except which
    /// NaN operand's sign a binary operation keeps, which follows the operand order of its
    /// compiled binary32 code: in formats of at most 8 bits, add and sub keep the first
    /// operand's sign when it is a NaN and give +NaN otherwise; in wider formats (bfloat16)
    /// add keeps the last NaN operand's sign and sub the first's; mul keeps the last NaN
    /// operand's sign, div and sqrt the first's.
    MlDtypes,
}

impl NanPolicy {
    /// Parses a policy's name: `canonical`, `x86`, `arm`, `xla` or `ml_dtypes`.
    pub fn parse(name: &str) -> Option<NanPolicy> {
        Some(match name {
            "canonical" => NanPolicy::Canonical,
            "x86" => NanPolicy::X86Sse,
            "arm" => NanPolicy::ArmDefaultNan,
            "xla" => NanPolicy::XlaCpu,
            "ml_dtypes" => NanPolicy::MlDtypes,
            _ => return None,
        })
    }
}

/// What happens when a rounded result exceeds the largest finite value, named as IEEE P3109
/// names its saturation modes (`ieee`, `sat-finite`, `sat-propagate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OverflowPolicy {
    /// IEEE 754 (P3109's OvfInf): infinity with the result's sign; NaN in formats without
    /// infinities (as ml_dtypes and JAX do); the largest finite value in finite-only formats,
    /// which have neither.
    #[default]
    Ieee,
    /// P3109's SatPropagate (OCP OFP8's saturating mode, `--saturate`; also spelled
    /// [`OverflowPolicy::SatPropagate`]): a finite result beyond the largest finite value
    /// becomes that value with the result's sign. Infinite operands and exact infinite results
    /// (1/0) of formats that have infinities stay infinite; an infinity in a format without
    /// infinities (converted into it, or 1/0) becomes the largest finite value. The variant
    /// keeps the name it had before the P3109 names, so that printed environments stay the
    /// same.
    Saturate,
    /// P3109's SatFinite (gfloat's saturating rounding): as [`OverflowPolicy::SatPropagate`],
    /// and every infinite result, whether from an infinite operand or an exact infinity such
    /// as 1/0, becomes the largest finite value with its sign (no flag beyond the operation's
    /// own: 1/0 still raises divide-by-zero).
    SatFinite,
}

#[allow(non_upper_case_globals, reason = "P3109's name of a variant, spelled as a variant")]
impl OverflowPolicy {
    /// P3109's name of [`OverflowPolicy::Saturate`].
    pub const SatPropagate: OverflowPolicy = OverflowPolicy::Saturate;

    /// Parses a mode's name: `ieee`, `sat-finite` or `sat-propagate` (also `saturate`, the
    /// spelling of `sat-propagate` that `--saturate` keeps).
    pub fn parse(name: &str) -> Option<OverflowPolicy> {
        Some(match name {
            "ieee" => OverflowPolicy::Ieee,
            "sat-finite" => OverflowPolicy::SatFinite,
            "sat-propagate" | "saturate" => OverflowPolicy::Saturate,
            _ => return None,
        })
    }

    /// The mode's canonical name, which [`OverflowPolicy::parse`] reads back.
    pub fn name(self) -> &'static str {
        match self {
            OverflowPolicy::Ieee => "ieee",
            OverflowPolicy::SatFinite => "sat-finite",
            OverflowPolicy::Saturate => "sat-propagate",
        }
    }
}

/// The options an operation depends on. `Env::default()` is IEEE 754 round to nearest even
/// with tininess after rounding, canonical NaNs and IEEE overflow, operands read as they are
/// and every result rounded once in the operation's format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Env {
    /// Tininess detection.
    pub tininess: Tininess,
    /// NaN result encoding.
    pub nan: NanPolicy,
    /// Overflow handling.
    pub overflow: OverflowPolicy,
    /// Denormals are zero: a subnormal operand is read as the zero of its sign (+0 in FNUZ
    /// formats) before the operation, as x86's MXCSR.DAZ does. With [`Env::via`] it applies to
    /// the operands converted to the wider format (a binary16 subnormal is a binary32 normal).
    pub daz: bool,
    /// Flush to zero: a tiny result (per [`Env::tininess`], exact subnormal results included)
    /// is replaced by the zero of its sign, with underflow and inexact, as x86's MXCSR.FTZ
    /// does. With [`Env::via`] it applies to the rounding to the wider format, not to the final
    /// rounding to the operation's format.
    pub ftz: bool,
    /// Compute in this format, then round: each operation's operands are converted to it, the
    /// operation is rounded to it (with [`Env::daz`] and [`Env::ftz`] there), and that result
    /// is rounded to the operation's format; the flags are those of every step. `None`: one
    /// rounding, in the operation's format.
    pub via: Option<Format>,
}

impl Env {
    /// Whether every operation under this environment is an IEEE 754 operation of the format
    /// itself (rounded once, operands read as they are). The fast kernels and the slice kernels
    /// take their shortcuts only then; an option that models another system's arithmetic
    /// (reading subnormal operands as zero, flushing results, computing in a wider format)
    /// makes this false and sends every operation through the general path.
    #[inline]
    pub fn is_ieee(&self) -> bool {
        !self.daz && !self.ftz && self.via.is_none()
    }

    /// The environment's IEEE 754 options alone (tininess, NaN policy, overflow), with no
    /// modelling option: what each rounding step of a modelled operation runs under. Sat-finite
    /// becomes sat-propagate (the same for every finite result; the model saturates infinite
    /// results itself).
    #[must_use]
    pub fn ieee_part(&self) -> Env {
        let overflow = match self.overflow {
            OverflowPolicy::SatFinite => OverflowPolicy::Saturate,
            other => other,
        };
        Env { daz: false, ftz: false, via: None, overflow, ..*self }
    }
}
