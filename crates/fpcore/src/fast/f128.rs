//! binary128 kernels for normal operands and normal results, on `u128` significands
//! (113 bits plus 3 guard bits and a carry fit in 117 bits); the product's 226 bits come from
//! a 128 x 128 -> 256 multiplication.

use super::layout::wide::{add_kernel, normal, round_normal};
use crate::flags::Rounded;
use crate::sig::mul_wide;

const FRAC: u32 = 112;
const EXP: u32 = 15;
const BIAS: i64 = 16383;
const GUARD: u32 = 3;

/// `a ⊕ b`, or `a ⊖ b` with `negate_b`.
#[inline]
pub(crate) fn add(a: u128, b: u128, negate_b: bool) -> Option<Rounded<u128>> {
    add_kernel::<FRAC, EXP>(a, b, negate_b)
}

/// `a ⊗ b`.
#[inline]
pub(crate) fn mul(a: u128, b: u128) -> Option<Rounded<u128>> {
    let (sa, ca, ma) = normal::<FRAC, EXP>(a)?;
    let (sb, cb, mb) = normal::<FRAC, EXP>(b)?;
    let (high, low) = mul_wide(ma, mb);
    // The product is in [2^224, 2^226): its leading bit is bit 96 or 97 of `high`.
    let top = u32::from(high >> 97 != 0);
    // Keep FRAC + 1 + GUARD = 116 bits: shift the 256-bit product right by 109 + top.
    let shift = 109 + top;
    let kept = (high << (128 - shift)) | (low >> shift);
    let sticky = low & ((1u128 << shift) - 1) != 0;
    let code = ca as i64 + cb as i64 - BIAS + i64::from(top);
    round_normal::<FRAC, EXP, GUARD>(sa ^ sb, code, kept | u128::from(sticky))
}
