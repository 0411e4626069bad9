//! Wide-significand primitives shared by the rounding routine's callers, the general kernels
//! and the fast ones: bit lengths, jamming right shifts and the full 128 x 128 -> 256-bit
//! product.

/// Number of significant bits of `v` (0 for 0).
#[inline(always)]
pub(crate) fn bit_len(v: u128) -> i64 {
    i64::from(128 - v.leading_zeros())
}

/// `v >> d` with every 1 bit shifted out ORed into bit 0 (SoftFloat's `shiftRightJam`): the
/// result rounds like `v * 2^-d` as long as the rounding position lies above bit 1.
#[inline(always)]
pub(crate) fn shift_right_jam(v: u128, d: u64) -> u128 {
    if d == 0 {
        v
    } else if d >= 128 {
        u128::from(v != 0)
    } else {
        (v >> d) | u128::from(v & ((1u128 << d) - 1) != 0)
    }
}

/// Full 256-bit product of two `u128` values, as (high, low).
#[inline(always)]
pub(crate) fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let mask = u128::from(u64::MAX);
    let (a_hi, a_lo) = (a >> 64, a & mask);
    let (b_hi, b_lo) = (b >> 64, b & mask);
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let mid = (lo_lo >> 64) + (hi_lo & mask) + (lo_hi & mask);
    let low = (lo_lo & mask) | (mid << 64);
    let high = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (mid >> 64);
    (high, low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_right_jam_keeps_a_sticky_bit() {
        assert_eq!(shift_right_jam(0b1011, 0), 0b1011);
        assert_eq!(shift_right_jam(0b1011, 2), 0b11);
        assert_eq!(shift_right_jam(0b1000, 2), 0b10);
        assert_eq!(shift_right_jam(1, 127), 1);
        assert_eq!(shift_right_jam(u128::MAX, 127), 1);
        assert_eq!(shift_right_jam(5, 1000), 1);
        assert_eq!(shift_right_jam(0, 1000), 0);
    }

    #[test]
    fn mul_wide_is_the_full_product() {
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(mul_wide(1 << 100, 1 << 100), (1 << 72, 0));
        assert_eq!(mul_wide(3, 5), (0, 15));
    }
}
