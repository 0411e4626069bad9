//! OCP Microscaling (MX) v1.0 blocks: a shared E8M0 scale and k elements of an MX element type
//! (MXFP8 e4m3/e5m2, MXFP6 e2m3/e3m2, MXFP4 e2m1, MXINT8); quantizing binary32 values into a
//! block, reading a block back as binary32, and the exact dot product of two blocks.
//!
//! docs/semantics.md §8. Quantizing follows the spec's conversion: the shared exponent is
//! floor(log2(max |v_i|)) - emax_elem, clamped to E8M0's range, and each element is v_i / X
//! rounded once to nearest even with saturation to the element's largest magnitude.
//!
//! ```
//! use fpcore::mx::{dot, quantize, MxElem};
//!
//! // 1.0, 3.0, -0.5, 0 in MXFP4: max 3 gives X = 2^(1 - 2) (E8M0 code 126), and the
//! // elements 2, 6, -1, 0 are e2m1fn 0x4, 0x7, 0xA, 0x0.
//! let block = quantize(MxElem::E2m1, &[0x3F80_0000, 0x4040_0000, 0xBF00_0000, 0]);
//! assert_eq!((block.scale, block.elems.clone()), (126, vec![0x4, 0x7, 0xA, 0x0]));
//! // Its dot product with itself, exactly: 1 + 9 + 0.25 = 10.25 (0x41240000).
//! assert_eq!(dot(MxElem::E2m1, &block, &block).expect("same length").value, 0x4124_0000);
//! ```

use num_bigint::{BigInt, Sign};
use thiserror::Error;

use crate::env::{Env, OverflowPolicy};
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::reference::round_big;
use crate::round::round_pack;
use crate::value::{Kind, Unpacked};

/// An MX element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MxElem {
    /// MXFP8 with FP8 E4M3 elements (`e4m3fn`).
    E4m3,
    /// MXFP8 with FP8 E5M2 elements (`e5m2`).
    E5m2,
    /// MXFP6 with FP6 E2M3 elements (`e2m3fn`).
    E2m3,
    /// MXFP6 with FP6 E3M2 elements (`e3m2fn`).
    E3m2,
    /// MXFP4 with FP4 E2M1 elements (`e2m1fn`).
    E2m1,
    /// MXINT8: two's complement 8-bit integers k standing for k * 2^-6.
    Int8,
}

/// An error in an MX element name or block.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MxError {
    /// The element type name is not known.
    #[error("unknown MX element type '{0}' (expected one of: {MX_ELEM_NAMES})")]
    UnknownElem(String),
    /// The two blocks of a dot product have different lengths.
    #[error("the blocks of a dot product must have the same length, got {0} and {1}")]
    LengthMismatch(usize, usize),
}

/// The names [`MxElem::parse`] accepts (the element formats' names and the MX names).
pub const MX_ELEM_NAMES: &str = "e4m3fn (mxfp8_e4m3), e5m2 (mxfp8_e5m2), e2m3fn (mxfp6_e2m3), e3m2fn (mxfp6_e3m2), e2m1fn (mxfp4), int8 (mxint8)";

/// The largest magnitude of an MXINT8 element, 127 (1.984375); -128 (-2) is encoded too.
const INT8_MAX: i64 = 127;

impl MxElem {
    /// Every element type, in the order of [`MX_ELEM_NAMES`].
    pub const ALL: [MxElem; 6] =
        [MxElem::E4m3, MxElem::E5m2, MxElem::E2m3, MxElem::E3m2, MxElem::E2m1, MxElem::Int8];

    /// Parses an element type: its format name (as [`Format::parse`] spells it, any alias) or
    /// its MX name (`mxfp8_e4m3`, `mxfp4`, `mxint8`, ...), without regard to case.
    pub fn parse(name: &str) -> Result<MxElem, MxError> {
        let lower = name.trim().to_ascii_lowercase();
        let by_mx_name = match lower.as_str() {
            "mxfp8_e4m3" => Some(MxElem::E4m3),
            "mxfp8_e5m2" => Some(MxElem::E5m2),
            "mxfp6_e2m3" => Some(MxElem::E2m3),
            "mxfp6_e3m2" => Some(MxElem::E3m2),
            "mxfp4" | "mxfp4_e2m1" => Some(MxElem::E2m1),
            "int8" | "mxint8" => Some(MxElem::Int8),
            _ => None,
        };
        if let Some(elem) = by_mx_name {
            return Ok(elem);
        }
        let fmt = Format::parse(&lower).map_err(|_| MxError::UnknownElem(name.to_string()))?;
        MxElem::ALL
            .into_iter()
            .find(|e| e.format() == Some(fmt))
            .ok_or_else(|| MxError::UnknownElem(name.to_string()))
    }

    /// The element's floating-point format (`None` for MXINT8).
    pub fn format(self) -> Option<Format> {
        match self {
            MxElem::E4m3 => Some(Format::E4M3FN),
            MxElem::E5m2 => Some(Format::E5M2),
            MxElem::E2m3 => Some(Format::E2M3FN),
            MxElem::E3m2 => Some(Format::E3M2FN),
            MxElem::E2m1 => Some(Format::E2M1FN),
            MxElem::Int8 => None,
        }
    }

    /// The canonical name (the element format's, or `int8`).
    pub fn name(self) -> String {
        self.format().map_or_else(|| "int8".to_string(), |f| f.name())
    }

    /// emax_elem: the exponent of the element type's largest normal (0 for MXINT8).
    pub fn emax(self) -> i32 {
        self.format().map_or(0, |f| f.emax())
    }

    /// Width of an element encoding in bits.
    pub fn bits(self) -> u32 {
        self.format().map_or(8, |f| f.bits())
    }

    /// The element `bits` (bits above the width ignored) as a sign and kind, MXINT8's k as the
    /// finite value k * 2^-6.
    pub fn unpack(self, bits: u128) -> Unpacked {
        if let Some(fmt) = self.format() {
            return fmt.unpack(bits);
        }
        let k = i64::from((bits & 0xFF) as u8 as i8);
        let kind = if k == 0 {
            Kind::Zero
        } else {
            Kind::Finite { sig: u128::from(k.unsigned_abs()), exp: -6 }
        };
        Unpacked { sign: k < 0, kind }
    }
}

/// An MX block: the E8M0 encoding of its scale X and the encodings of its elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxBlock {
    /// The scale's `e8m0fnu` encoding: X = 2^(scale - 127); 0xFF is NaN.
    pub scale: u8,
    /// The element encodings (MXINT8: the two's complement byte).
    pub elems: Vec<u128>,
}

/// The E8M0 NaN: a block with this scale is NaN in every element.
pub const SCALE_NAN: u8 = 0xFF;

/// Quantizes binary32 values (bit patterns) into one block (OCP MX v1.0 §6.3):
///
/// - a block with a NaN or an infinity gets the NaN scale 0xFF (its elements are then
///   meaningless and set to 0);
/// - otherwise the shared exponent is floor(log2(max |v_i|)) - emax_elem, clamped below at
///   -127 (an all-zero block gets -127, the smallest scale, as gfloat's `compute_scale_amax`
///   does); it never exceeds 127 for binary32 values;
/// - each element is v_i / X rounded once to nearest even, saturated to the largest finite
///   magnitude of the element type (MXINT8: to -128 ..= 127, as gfloat does); zeros keep their
///   sign where the element format has -0.
pub fn quantize(elem: MxElem, values: &[u32]) -> MxBlock {
    let b32 = Format::BINARY32;
    let unpacked: Vec<Unpacked> = values.iter().map(|v| b32.unpack(u128::from(*v))).collect();
    if unpacked.iter().any(|u| u.is_nan() || u.is_inf()) {
        return MxBlock { scale: SCALE_NAN, elems: vec![0; values.len()] };
    }
    // floor(log2 |v|) of a finite nonzero value sig * 2^exp is exp + bit_len(sig) - 1.
    let max_log2 = unpacked
        .iter()
        .filter_map(|u| match u.kind {
            Kind::Finite { sig, exp } => Some(exp + (127 - sig.leading_zeros() as i32)),
            _ => None,
        })
        .max();
    let shared = max_log2.map_or(-127, |e| (e - elem.emax()).clamp(-127, 127));
    let env = Env { overflow: OverflowPolicy::Saturate, ..Env::default() };
    let elems = unpacked
        .iter()
        .map(|u| match (u.kind, elem.format()) {
            (Kind::Finite { sig, exp }, Some(fmt)) => {
                round_pack(&env, &fmt, u.sign, sig, i64::from(exp - shared), false).value
            }
            (_, Some(fmt)) => fmt.zero(u.sign),
            (Kind::Finite { sig, exp }, None) => int8_element(u.sign, sig, exp - shared),
            (_, None) => 0,
        })
        .collect();
    let scale = u8::try_from(shared + 127).expect("the shared exponent lies in -127..=127");
    MxBlock { scale, elems }
}

/// The MXINT8 encoding of `(-1)^sign * sig * 2^exp`: the integer nearest to it times 2^6
/// (ties to even), saturated to -128 ..= 127.
fn int8_element(sign: bool, sig: u128, exp: i32) -> u128 {
    let shift = exp + 6;
    let k = if shift >= 0 {
        // |v / X| < 2, so sig * 2^shift < 128 whenever shift >= 0.
        i64::try_from(sig << shift).expect("below 2^7")
    } else {
        let drop = shift.unsigned_abs();
        let (kept, half, below) = if drop >= 128 {
            (0, false, true)
        } else {
            let kept = sig >> drop;
            let half = (sig >> (drop - 1)) & 1 == 1;
            let below = sig & ((1u128 << (drop - 1)) - 1) != 0;
            (kept, half, below)
        };
        let up = half && (below || kept & 1 == 1);
        i64::try_from(kept + u128::from(up)).expect("below 2^8")
    };
    let k = if sign { (-k).max(-INT8_MAX - 1) } else { k.min(INT8_MAX) };
    u128::from(k as i8 as u8)
}

/// Reads a block back as binary32 values: X * P_i rounded once to binary32 (exact unless it
/// leaves binary32's range). A NaN scale makes every element NaN; NaN and infinite elements
/// stay NaN and infinite.
pub fn dequantize(elem: MxElem, block: &MxBlock) -> Vec<Rounded<u32>> {
    let env = Env::default();
    let b32 = Format::BINARY32;
    let nan = b32.canonical_nan().expect("binary32 has NaN");
    let to_u32 = |r: Rounded<u128>| Rounded::new(r.value as u32, r.flags);
    block
        .elems
        .iter()
        .map(|&bits| {
            if block.scale == SCALE_NAN {
                return Rounded::exact(nan as u32);
            }
            let u = elem.unpack(bits);
            let shared = i64::from(block.scale) - 127;
            to_u32(match u.kind {
                Kind::Nan { .. } => Rounded::exact(nan),
                Kind::Inf => Rounded::exact(b32.inf(u.sign).expect("binary32 has infinities")),
                Kind::Zero => Rounded::exact(b32.zero(u.sign)),
                Kind::Finite { sig, exp } => {
                    round_pack(&env, &b32, u.sign, sig, i64::from(exp) + shared, false)
                }
            })
        })
        .collect()
}

/// The dot product of two blocks of the same element type, computed exactly and rounded once
/// to binary32 (OCP MX v1.0 §6.4's Dot, without its accumulation freedom):
/// X_a * X_b * sum_i P_a,i * P_b,i.
///
/// NaN when a scale or an element is NaN, when an infinite element meets a zero, or when
/// infinite products of both signs meet; otherwise infinite products give that infinity.
/// An exact zero sum is +0, except that a sum of zero products that are all -0 is -0 (as an
/// IEEE sum of them would be).
pub fn dot(elem: MxElem, a: &MxBlock, b: &MxBlock) -> Result<Rounded<u32>, MxError> {
    if a.elems.len() != b.elems.len() {
        return Err(MxError::LengthMismatch(a.elems.len(), b.elems.len()));
    }
    let b32 = Format::BINARY32;
    let nan = b32.canonical_nan().expect("binary32 has NaN") as u32;
    if a.scale == SCALE_NAN || b.scale == SCALE_NAN {
        return Ok(Rounded::exact(nan));
    }
    // Every element value is m * 2^e with e >= -16 (e5m2's smallest; e4m3fn's is -9, MXINT8's
    // -6): products are integers times 2^BASE.
    const BASE: i32 = -32;
    let mut sum = BigInt::from(0);
    let (mut pos_inf, mut neg_inf, mut all_neg_zero) = (false, false, true);
    for (&x, &y) in a.elems.iter().zip(&b.elems) {
        let (ux, uy) = (elem.unpack(x), elem.unpack(y));
        let sign = ux.sign != uy.sign;
        match (ux.kind, uy.kind) {
            (Kind::Nan { .. }, _) | (_, Kind::Nan { .. }) => return Ok(Rounded::exact(nan)),
            (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) => {
                return Ok(Rounded::new(nan, Flags::INVALID))
            }
            (Kind::Inf, _) | (_, Kind::Inf) => {
                pos_inf |= !sign;
                neg_inf |= sign;
            }
            (Kind::Zero, _) | (_, Kind::Zero) => all_neg_zero &= sign,
            (Kind::Finite { sig: sx, exp: ex }, Kind::Finite { sig: sy, exp: ey }) => {
                all_neg_zero = false;
                let shift =
                    usize::try_from(ex + ey - BASE).expect("element exponents above BASE / 2");
                let product = BigInt::from(sx * sy) << shift;
                sum = if sign { sum - product } else { sum + product };
            }
        }
    }
    let exact = |bits: u128| Ok(Rounded::exact(bits as u32));
    match (pos_inf, neg_inf) {
        (true, true) => return Ok(Rounded::new(nan, Flags::INVALID)),
        (true, false) => return exact(b32.inf(false).expect("binary32 has infinities")),
        (false, true) => return exact(b32.inf(true).expect("binary32 has infinities")),
        (false, false) => {}
    }
    if sum.sign() == Sign::NoSign {
        return exact(b32.zero(all_neg_zero && !a.elems.is_empty()));
    }
    let exp = i64::from(BASE) + i64::from(a.scale) - 127 + i64::from(b.scale) - 127;
    let r =
        round_big(&Env::default(), &b32, sum.sign() == Sign::Minus, sum.magnitude(), exp, false);
    Ok(Rounded::new(r.value as u32, r.flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_blocks_follow_the_spec() {
        // 1.0 = 0x3F800000, 3.0 = 0x40400000, inf = 0x7F800000, NaN = 0x7FC00000.
        let nan_block = quantize(MxElem::E4m3, &[0x3F80_0000, 0x7F80_0000]);
        assert_eq!(nan_block, MxBlock { scale: SCALE_NAN, elems: vec![0, 0] });
        assert_eq!(quantize(MxElem::E2m1, &[0x7FC0_0000]).scale, SCALE_NAN);
        // All zeros: the smallest scale 2^-127, zeros keep their sign.
        let zeros = quantize(MxElem::E4m3, &[0, 0x8000_0000]);
        assert_eq!(zeros, MxBlock { scale: 0, elems: vec![0x00, 0x80] });
        // max 3.0: floor(log2 3) = 1 and e2m1fn's emax is 2, so X = 2^-1 (code 126) and the
        // elements 2 and 6 are exact: they read back as 1.0 and 3.0.
        let block = quantize(MxElem::E2m1, &[0x3F80_0000, 0x4040_0000]);
        assert_eq!(block.scale, 126);
        let values: Vec<u32> = dequantize(MxElem::E2m1, &block).iter().map(|r| r.value).collect();
        assert_eq!(values, vec![0x3F80_0000, 0x4040_0000]);
        // A NaN scale reads back as NaN.
        let back = dequantize(MxElem::E4m3, &nan_block);
        assert!(back.iter().all(|r| r.value == 0x7FC0_0000));
    }

    #[test]
    fn dot_special_cases() {
        // e5m2: 0x7C is +inf, 0xFC -inf, 0x00 +0, 0x3C 1.0.
        let block = |elems: &[u128]| MxBlock { scale: 127, elems: elems.to_vec() };
        let e = MxElem::E5m2;
        let inf_zero = dot(e, &block(&[0x7C]), &block(&[0x00])).expect("same length");
        assert_eq!(inf_zero, Rounded::new(0x7FC0_0000, Flags::INVALID));
        let both = dot(e, &block(&[0x7C, 0xFC]), &block(&[0x3C, 0x3C])).expect("same length");
        assert_eq!(both, Rounded::new(0x7FC0_0000, Flags::INVALID));
        let inf = dot(e, &block(&[0x7C, 0x3C]), &block(&[0x3C, 0x3C])).expect("same length");
        assert_eq!(inf, Rounded::exact(0x7F80_0000));
        // 1 * 1 + (-1) * 1 = +0 exactly.
        let zero = dot(e, &block(&[0x3C, 0xBC]), &block(&[0x3C, 0x3C])).expect("same length");
        assert_eq!(zero, Rounded::exact(0));
        assert_eq!(dot(e, &block(&[0x3C]), &block(&[])), Err(MxError::LengthMismatch(1, 0)));
        // Scales 2^127 * 2^127 times 1: overflow to +inf with overflow and inexact.
        let big = MxBlock { scale: 254, elems: vec![0x3C] };
        let r = dot(e, &big, &big).expect("same length");
        assert_eq!(r, Rounded::new(0x7F80_0000, Flags::OVERFLOW | Flags::INEXACT));
    }

    #[test]
    fn element_names_parse() {
        assert_eq!(MxElem::parse("mxfp8_e4m3"), Ok(MxElem::E4m3));
        assert_eq!(MxElem::parse("float8_e4m3fn"), Ok(MxElem::E4m3));
        assert_eq!(MxElem::parse("E2M1FN"), Ok(MxElem::E2m1));
        assert_eq!(MxElem::parse("mxint8"), Ok(MxElem::Int8));
        assert!(MxElem::parse("binary32").is_err());
        for elem in MxElem::ALL {
            assert_eq!(MxElem::parse(&elem.name()), Ok(elem));
        }
    }
}
