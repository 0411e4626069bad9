//! The known differences between the backends and IEEE 754 with canonical NaNs.
//!
//! Each [`Divergence`] says exactly when it applies and what the backend returns instead, so
//! that the test layer can excuse a mismatch explicitly, and count it, rather than loosen a
//! comparison. [`Divergence::explains`] checks a mismatch against a divergence by predicting
//! the backend's result independently: a mismatch is excused only when the backend returned
//! precisely what the divergence describes and the reference is of the kind it names (a NaN,
//! or the same bits with one flag more).
//!
//! "Reference" below is IEEE 754 round to nearest even with canonical NaNs (positive, quiet
//! bit only; `0x7F` in e4m3fn), as fpcore computes with `Env::default()` or with tininess
//! before rounding.

use fpcore::{Flags, Format, Specials, Tininess};

use crate::{apfloat, Op};

/// A documented way in which a backend departs from the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Divergence {
    /// SoftFloat (8086-SSE specialization) returns x86 SSE NaNs, not the canonical NaN.
    ///
    /// Applies to every SoftFloat operation whose reference result is NaN, except the
    /// bfloat16 conversions ([`Divergence::SoftFloatBf16NanPayload`]):
    /// - an invalid operation without NaN operands (∞ − ∞, 0 × ∞, 0 / 0, ∞ / ∞, sqrt of a
    ///   negative number, and fma(0, ∞, c) or fma(∞, 0, c) with a, b not NaN, even when c is
    ///   a quiet NaN) gives the negative default NaN with only the quiet bit set: `0xFE00`
    ///   (binary16), `0xFFC00000` (binary32), `0xFFF8000000000000` (binary64),
    ///   `0xFFFF8000...0` (binary128);
    /// - otherwise the result is the first NaN operand in operand order (a, b, c), signaling
    ///   or quiet, with its quiet bit set and its sign and payload kept; a conversion aligns
    ///   the payload at the top of the fraction (dropping low bits when narrowing).
    ///
    /// Flags equal the reference's. This is fpcore's `NanPolicy::X86Sse`.
    SoftFloatNan,

    /// SoftFloat's bfloat16 conversions misalign NaN payloads by one bit.
    ///
    /// Applies to conversions from or to bfloat16 (SoftFloat's `bf16_to_f32` and
    /// `f32_to_bf16`; this crate reaches binary16, binary64 and binary128 through binary32)
    /// whose reference result is NaN. SoftFloat takes the bfloat16 payload to be the low 8
    /// bits of the encoding, the 7 fraction bits plus the exponent's lowest bit (1 in every
    /// NaN), instead of the 7 fraction bits:
    /// - from bfloat16, the result is the quiet NaN whose fraction holds those 8 bits aligned
    ///   at the top (binary32 fraction `0x400000 | low8 << 15`): fraction bit i lands on bit
    ///   i + 15 instead of i + 16, and the quiet bit also sets the bit below the quiet bit, so
    ///   even `0x7FC0` becomes `0x7FE00000`;
    /// - to bfloat16, the result is `sign | 0x7FC0 | (top 8 bits of the source fraction)`, the
    ///   first of which falls on the exponent's lowest bit: binary32 fraction bit i lands on
    ///   bit i − 15 instead of i − 16 (`0x7FC10000` becomes `0x7FC2`).
    ///
    /// Signs and signaling NaNs (quieted, invalid) are as in [`Divergence::SoftFloatNan`];
    /// flags equal the reference's.
    SoftFloatBf16NanPayload,

    /// APFloat propagates NaN operands instead of returning the canonical NaN.
    ///
    /// Applies when the reference result is NaN and an operand is NaN, except fma(0, ∞, c)
    /// and fma(∞, 0, c) with a, b not NaN (there APFloat, like the reference, returns the
    /// canonical NaN with invalid). The result is the first NaN operand in operand order
    /// (a, b, c) with its quiet bit set and its sign and payload kept; a conversion aligns
    /// the payload at the top of the fraction (dropping low bits when narrowing). e4m3fn has
    /// no payload but keeps the sign: a negative NaN operand gives `0xFF` where the
    /// canonical NaN is `0x7F`, also when converting any negative NaN to e4m3fn. A NaN made
    /// from non-NaN operands is canonical, and flags equal the reference's.
    ApFloatNan,

    /// APFloat raises no underflow for a result that rounds up to the smallest normal.
    ///
    /// `IeeeFloat::normalize` rounds at the precision the delivered result has (subnormal
    /// precision below 2^emin) and raises underflow only when that rounded result is
    /// subnormal or zero, and inexact. The reference calls an inexact result tiny when, after
    /// rounding to p bits with an unbounded exponent, it is below 2^emin, which holds for
    /// |x| < 2^emin · (1 − 2^−(p+1)); or, with tininess before rounding, when |x| < 2^emin.
    /// The two agree everywhere except when the exact result x satisfies
    /// - tininess after rounding: 2^emin · (1 − 2^−p) ≤ |x| < 2^emin · (1 − 2^−(p+1)),
    /// - tininess before rounding: 2^emin · (1 − 2^−p) ≤ |x| < 2^emin,
    ///
    /// (p and emin of the result's format) where both deliver ±2^emin and APFloat's flags
    /// are the reference's without underflow. Addition and subtraction never fall in the
    /// band (a sum below 2^emin is exact); multiplication, division, fma and narrowing
    /// conversions do. See [`apfloat_underflow_band`].
    ApFloatUnderflowFlag,

    /// APFloat converts an infinity to e4m3fn with the inexact flag only.
    ///
    /// Applies to conversions of ±∞ to a format without infinities (APFloat's only one is
    /// e4m3fn): APFloat returns the NaN with the infinity's sign (`0x7F` or `0xFF`) and raises
    /// inexact alone, where the reference also returns a NaN but raises overflow and inexact.
    ApFloatInfToNanOnly,

    /// APFloat's overflow and division by zero in e4m3fn keep the sign in the NaN.
    ///
    /// Applies when a result overflows, or a nonzero is divided by zero, in a format without
    /// infinities (e4m3fn): APFloat returns the NaN with the result's sign (`0xFF` when
    /// negative), where the reference returns its NaN policy's NaN (`0x7F` when canonical);
    /// flags agree.
    ApFloatOverflowNanSign,
}

/// One mismatch between the reference and a backend, for [`Divergence::explains`].
#[derive(Clone, Copy, Debug)]
pub struct Case<'a> {
    /// Format of the operands.
    pub fmt: &'a Format,
    /// The operation.
    pub op: &'a Op,
    /// Encoded operands.
    pub operands: &'a [u128],
    /// Tininess detection of the reference.
    pub tininess: Tininess,
    /// The reference's result and flags.
    pub reference: (u128, Flags),
    /// The backend's result and flags.
    pub backend: (u128, Flags),
}

impl Divergence {
    /// Every divergence, in declaration order.
    pub const ALL: [Divergence; 6] = [
        Divergence::SoftFloatNan,
        Divergence::SoftFloatBf16NanPayload,
        Divergence::ApFloatNan,
        Divergence::ApFloatUnderflowFlag,
        Divergence::ApFloatInfToNanOnly,
        Divergence::ApFloatOverflowNanSign,
    ];

    /// Short kebab-case name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Divergence::SoftFloatNan => "softfloat-nan",
            Divergence::SoftFloatBf16NanPayload => "softfloat-bf16-nan-payload",
            Divergence::ApFloatNan => "apfloat-nan",
            Divergence::ApFloatUnderflowFlag => "apfloat-underflow-flag",
            Divergence::ApFloatInfToNanOnly => "apfloat-inf-to-nan-only",
            Divergence::ApFloatOverflowNanSign => "apfloat-overflow-nan-sign",
        }
    }

    /// The [`crate::Backend::name`] of the backend it concerns.
    pub fn backend(&self) -> &'static str {
        match self {
            Divergence::SoftFloatNan | Divergence::SoftFloatBf16NanPayload => "softfloat",
            Divergence::ApFloatNan
            | Divergence::ApFloatUnderflowFlag
            | Divergence::ApFloatInfToNanOnly
            | Divergence::ApFloatOverflowNanSign => "apfloat",
        }
    }

    /// One-sentence description of when it applies and what the backend does.
    pub fn describe(&self) -> &'static str {
        match self {
            Divergence::SoftFloatNan => {
                "SoftFloat returns x86 SSE NaNs: the negative default NaN (0xFE00, 0xFFC00000, ...) \
                 for an invalid operation without NaN operands, else the first NaN operand quieted \
                 with its sign and top-aligned payload, where the reference has the canonical NaN"
            }
            Divergence::SoftFloatBf16NanPayload => {
                "SoftFloat's bfloat16 conversions take the NaN payload as the low 8 encoding bits \
                 (exponent LSB included), so payloads land one bit off top alignment (0x7FC0 \
                 converts to 0x7FE00000), where the reference has the canonical NaN"
            }
            Divergence::ApFloatNan => {
                "APFloat returns the first NaN operand quieted with its sign and top-aligned \
                 payload (0xFF for a negative e4m3fn NaN), where the reference has the canonical NaN"
            }
            Divergence::ApFloatUnderflowFlag => {
                "APFloat raises no underflow when an inexact result rounds up to +-2^emin from \
                 2^emin*(1-2^-p) <= |x| < 2^emin*(1-2^-(p+1)) (tininess after rounding) or \
                 < 2^emin (before rounding), where the reference raises underflow"
            }
            Divergence::ApFloatInfToNanOnly => {
                "APFloat converts +-inf to e4m3fn as the signed NaN with inexact only, where the \
                 reference raises overflow and inexact"
            }
            Divergence::ApFloatOverflowNanSign => {
                "APFloat's overflow and division by zero in e4m3fn give the NaN with the result's \
                 sign (0xFF when negative), where the reference gives its NaN policy's NaN (0x7F)"
            }
        }
    }

    /// Whether this divergence accounts exactly for the difference in `case`: the backend's
    /// result and flags are those the divergence predicts for these operands, and the
    /// reference's are of the kind it names. False when the two agree.
    pub fn explains(&self, case: &Case) -> bool {
        if case.reference == case.backend {
            return false;
        }
        let dst = case.op.result_format(case.fmt);
        let (ref_bits, ref_flags) = case.reference;
        let (got_bits, got_flags) = case.backend;
        let nan_case = |predicted: Option<u128>| {
            is_nan(&dst, ref_bits) && ref_flags == got_flags && predicted == Some(got_bits)
        };
        match self {
            Divergence::SoftFloatNan => {
                !is_bf16_conversion(case.fmt, case.op)
                    && nan_case(x86_nan(case.fmt, case.op, case.operands, true))
            }
            Divergence::SoftFloatBf16NanPayload => {
                is_bf16_conversion(case.fmt, case.op)
                    && nan_case(softfloat_bf16_nan(case.fmt, &dst, case.operands[0]))
            }
            Divergence::ApFloatNan => {
                case.operands.iter().any(|&x| is_nan(case.fmt, x))
                    && nan_case(x86_nan(case.fmt, case.op, case.operands, false))
            }
            Divergence::ApFloatUnderflowFlag => {
                ref_bits == got_bits
                    && ref_bits & !sign_bit(&dst) == min_normal(&dst)
                    && !got_flags.contains(Flags::UNDERFLOW)
                    && got_flags.contains(Flags::INEXACT)
                    && ref_flags == got_flags.union(Flags::UNDERFLOW)
                    && in_underflow_band(case.fmt, case.op, case.operands, case.tininess)
            }
            Divergence::ApFloatInfToNanOnly => {
                matches!(case.op, Op::Cvt(_))
                    && dst.specials() == Specials::NanOnly
                    && is_inf(case.fmt, case.operands[0])
                    && is_nan(&dst, ref_bits)
                    && got_flags == Flags::INEXACT
                    && got_bits == signed_nan_only_nan(case.fmt, &dst, case.operands[0])
            }
            Divergence::ApFloatOverflowNanSign => {
                dst.specials() == Specials::NanOnly
                    && is_nan(&dst, ref_bits)
                    && is_nan(&dst, got_bits)
                    && ref_flags == got_flags
                    && (got_flags.contains(Flags::OVERFLOW) || got_flags.contains(Flags::INFINITE))
                    && got_bits == ref_bits | sign_bit(&dst)
            }
        }
    }
}

/// The first divergence of the backend named `backend` that [`Divergence::explains`] the
/// mismatch in `case`, if any.
pub fn explain(backend: &str, case: &Case) -> Option<Divergence> {
    Divergence::ALL.into_iter().find(|d| d.backend() == backend && d.explains(case))
}

/// The band of exact results where [`Divergence::ApFloatUnderflowFlag`] applies in `fmt`,
/// as `(low, high)` magnitudes encoded in binary128: the band is `low <= |x| < high`, with
/// `low = 2^emin · (1 − 2^−p)` and `high = 2^emin · (1 − 2^−(p+1))` for tininess after
/// rounding, `2^emin` before. `None` when p is outside `2..=112` or `2^(emin−1)` is below
/// binary128's normal range, where the bounds are not binary128 normal numbers.
pub fn apfloat_underflow_band(fmt: &Format, tininess: Tininess) -> Option<(u128, u128)> {
    let p = fmt.p();
    if !(2..=112).contains(&p) || fmt.emin() < -16381 {
        return None;
    }
    // 2^emin·(1 − 2^−k) = 2^(emin−1) · (1 + (1 − 2^−(k−1))): fraction with k − 1 leading ones.
    let below = |k: u32| -> u128 {
        let exp = u128::try_from(fmt.emin() - 1 + 16383).expect("emin checked against binary128");
        let frac = ((1u128 << (k - 1)) - 1) << (112 - (k - 1));
        (exp << 112) | frac
    };
    let low = below(p);
    let high = match tininess {
        Tininess::AfterRounding => below(p + 1),
        Tininess::BeforeRounding => {
            u128::try_from(fmt.emin() + 16383).expect("emin checked against binary128") << 112
        }
    };
    Some((low, high))
}

/// Whether the exact result of `op` lies in APFloat's underflow band of the result format.
/// Exact for every APFloat format but binary128 arithmetic, where only `|x| < 2^emin` is
/// checked (so the band is taken as the before-rounding one).
fn in_underflow_band(fmt: &Format, op: &Op, operands: &[u128], tininess: Tininess) -> bool {
    let dst = op.result_format(fmt);
    if let (Some(x), Some((low, high))) = (
        apfloat::toward_zero_in_binary128(fmt, op, operands),
        apfloat_underflow_band(&dst, tininess),
    ) {
        // Rounding toward zero keeps `low <= |x|` (low is a binary128 number) and `|x| < high`
        // (high is one too), and positive encodings order as their values.
        let mag = x & !(1u128 << 127);
        return low <= mag && mag < high;
    }
    // Rounded toward zero in the format itself, |x| < 2^emin leaves a subnormal.
    apfloat::toward_zero(fmt, op, operands).is_some_and(|x| x & !sign_bit(fmt) < min_normal(fmt))
}

fn sign_bit(fmt: &Format) -> u128 {
    1u128 << (fmt.bits() - 1)
}

fn exp_field(fmt: &Format, x: u128) -> u128 {
    (x >> fmt.frac_bits()) & ((1u128 << fmt.exp_bits()) - 1)
}

fn frac_field(fmt: &Format, x: u128) -> u128 {
    x & ((1u128 << fmt.frac_bits()) - 1)
}

fn min_normal(fmt: &Format) -> u128 {
    1u128 << fmt.frac_bits()
}

/// NaN test for the layouts the backends use (IEEE interchange and OCP E4M3).
fn is_nan(fmt: &Format, x: u128) -> bool {
    let top = (1u128 << fmt.exp_bits()) - 1;
    match fmt.specials() {
        Specials::Ieee => exp_field(fmt, x) == top && frac_field(fmt, x) != 0,
        Specials::NanOnly | Specials::NanInf => x & !sign_bit(fmt) == fmt.mask() >> 1,
        Specials::Fnuz | Specials::FnuzInf => x == sign_bit(fmt),
        Specials::FiniteOnly => false,
    }
}

fn is_inf(fmt: &Format, x: u128) -> bool {
    fmt.specials() == Specials::Ieee
        && exp_field(fmt, x) == (1u128 << fmt.exp_bits()) - 1
        && frac_field(fmt, x) == 0
}

/// The NaN of a NaN-only `dst` with the sign of `x` (in `src`).
fn signed_nan_only_nan(src: &Format, dst: &Format, x: u128) -> u128 {
    let sign = if x & sign_bit(src) != 0 { sign_bit(dst) } else { 0 };
    sign | (dst.mask() >> 1)
}

fn is_zero(fmt: &Format, x: u128) -> bool {
    x & !sign_bit(fmt) == 0
}

/// `frac` of width `from` re-aligned at the top of a field of width `to`.
fn align(frac: u128, from: u32, to: u32) -> u128 {
    if to >= from {
        frac << (to - from)
    } else {
        frac >> (from - to)
    }
}

/// A quiet NaN of `fmt` with the given sign and (already aligned) fraction bits.
fn quiet_nan(fmt: &Format, sign: bool, frac: u128) -> Option<u128> {
    let s = if sign { sign_bit(fmt) } else { 0 };
    match fmt.specials() {
        Specials::Ieee if fmt.frac_bits() == 0 => None,
        Specials::Ieee => {
            let fb = fmt.frac_bits();
            let quiet = 1u128 << (fb - 1);
            let exp = ((1u128 << fmt.exp_bits()) - 1) << fb;
            Some(s | exp | quiet | (frac & ((1u128 << fb) - 1)))
        }
        Specials::NanOnly | Specials::NanInf => Some(s | (fmt.mask() >> 1)),
        Specials::Fnuz | Specials::FnuzInf | Specials::FiniteOnly => None,
    }
}

/// The x86 SSE NaN rule shared by SoftFloat and APFloat, differing only in the default NaN's
/// sign: the first NaN operand quieted (payload top-aligned), or the default NaN when the
/// operation is invalid without NaN operands (fma(0, ∞, c) gives it even for a NaN c).
fn x86_nan(fmt: &Format, op: &Op, operands: &[u128], default_negative: bool) -> Option<u128> {
    let dst = op.result_format(fmt);
    if let [a, b, _] = operands {
        let product_invalid =
            (is_inf(fmt, *a) && is_zero(fmt, *b)) || (is_zero(fmt, *a) && is_inf(fmt, *b));
        if *op == Op::Fma && product_invalid {
            return quiet_nan(&dst, default_negative, 0);
        }
    }
    match operands.iter().find(|&&x| is_nan(fmt, x)) {
        Some(&x) => {
            let sign = x & sign_bit(fmt) != 0;
            quiet_nan(&dst, sign, align(frac_field(fmt, x), fmt.frac_bits(), dst.frac_bits()))
        }
        None => quiet_nan(&dst, default_negative, 0),
    }
}

fn is_bfloat16(fmt: &Format) -> bool {
    *fmt == Format::BF16
}

fn is_bf16_conversion(fmt: &Format, op: &Op) -> bool {
    matches!(op, Op::Cvt(dst) if is_bfloat16(fmt) || is_bfloat16(dst))
}

/// SoftFloat's NaN for a conversion from or to bfloat16: bfloat16's payload is taken as its
/// low 8 encoding bits.
fn softfloat_bf16_nan(src: &Format, dst: &Format, x: u128) -> Option<u128> {
    if !is_nan(src, x) {
        return None;
    }
    let sign = x & sign_bit(src) != 0;
    let (frac, from) =
        if is_bfloat16(src) { (x & 0xFF, 8) } else { (frac_field(src, x), src.frac_bits()) };
    if is_bfloat16(dst) {
        let s = if sign { sign_bit(dst) } else { 0 };
        Some(s | 0x7FC0 | align(frac, from, 8))
    } else {
        quiet_nan(dst, sign, align(frac, from, dst.frac_bits()))
    }
}
