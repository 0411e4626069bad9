//! binary128 kernels for normal operands and normal results, on `u128` significands
//! (113 bits plus 3 guard bits and a carry fit in 117 bits); the product's 226 bits come from
//! a 128 x 128 -> 256 multiplication.

use crate::flags::{Flags, Rounded};
use crate::sig::mul_wide;

const FRAC: u32 = 112;
const EXP: u32 = 15;
const BIAS: i64 = 16383;
const GUARD: u32 = 3;

/// Sign, exponent code and significand (hidden bit set) of a normal operand.
#[inline(always)]
fn normal(x: u128) -> Option<(u128, i64, u128)> {
    let code_mask = (1u128 << EXP) - 1;
    let code = (x >> FRAC) & code_mask;
    if code.wrapping_sub(1) >= code_mask - 1 {
        return None;
    }
    let sig = (x & ((1u128 << FRAC) - 1)) | (1u128 << FRAC);
    Some((x >> (FRAC + EXP), code as i64, sig))
}

/// Rounds `sig` (leading bit at `FRAC + GUARD`) to nearest even and packs it.
#[inline(always)]
fn round_normal(sign: u128, code: i64, sig: u128) -> Option<Rounded<u128>> {
    if code < 1 {
        return None;
    }
    let half = 1u128 << (GUARD - 1);
    let low = sig & ((1u128 << GUARD) - 1);
    let mut kept = sig >> GUARD;
    if low > half || (low == half && kept & 1 == 1) {
        kept += 1;
    }
    let mut code = code;
    if kept >> (FRAC + 1) != 0 {
        kept >>= 1;
        code += 1;
    }
    if code > (1i64 << EXP) - 2 {
        return None;
    }
    let bits = (sign << (FRAC + EXP)) | ((code as u128) << FRAC) | (kept & ((1u128 << FRAC) - 1));
    Some(Rounded::new(bits, if low != 0 { Flags::INEXACT } else { Flags::NONE }))
}

/// `a ⊕ b`, or `a ⊖ b` with `negate_b`.
#[inline]
pub(crate) fn add(a: u128, b: u128, negate_b: bool) -> Option<Rounded<u128>> {
    let (sa, ca, ma) = normal(a)?;
    let (sb, cb, mb) = normal(b)?;
    let sb = sb ^ u128::from(negate_b);
    let mag_mask = (1u128 << (FRAC + EXP)) - 1;
    let ((sx, cx, mx), (sy, cy, my)) = if a & mag_mask >= b & mag_mask {
        ((sa, ca, ma), (sb, cb, mb))
    } else {
        ((sb, cb, mb), (sa, ca, ma))
    };
    let (mx, my) = (mx << GUARD, my << GUARD);
    let d = (cx - cy) as u32;
    let my = if d == 0 {
        my
    } else if d > FRAC + GUARD + 2 {
        1
    } else {
        (my >> d) | u128::from(my & ((1u128 << d) - 1) != 0)
    };
    let mut code = cx;
    let sig = if sx == sy {
        let sum = mx + my;
        if sum >> (FRAC + GUARD + 1) != 0 {
            code += 1;
            (sum >> 1) | (sum & 1)
        } else {
            sum
        }
    } else {
        let diff = mx - my;
        if diff == 0 {
            return Some(Rounded::exact(0));
        }
        let shift = diff.leading_zeros() - (127 - FRAC - GUARD);
        code -= i64::from(shift);
        diff << shift
    };
    round_normal(sx, code, sig)
}

/// `a ⊗ b`.
#[inline]
pub(crate) fn mul(a: u128, b: u128) -> Option<Rounded<u128>> {
    let (sa, ca, ma) = normal(a)?;
    let (sb, cb, mb) = normal(b)?;
    let (high, low) = mul_wide(ma, mb);
    // The product is in [2^224, 2^226): its leading bit is bit 96 or 97 of `high`.
    let top = u32::from(high >> 97 != 0);
    // Keep FRAC + 1 + GUARD = 116 bits: shift the 256-bit product right by 109 + top.
    let shift = 109 + top;
    let kept = (high << (128 - shift)) | (low >> shift);
    let sticky = low & ((1u128 << shift) - 1) != 0;
    let code = ca + cb - BIAS + i64::from(top);
    round_normal(sa ^ sb, code, kept | u128::from(sticky))
}
