//! The pieces of the fast kernels that depend only on the layout (`FRAC` fraction bits, `EXP`
//! exponent bits, as compile-time constants): splitting a normal operand, rounding and packing
//! a normal result, and addition. One copy per word type: `u64` for the formats up to
//! binary64, `u128` for binary128.

/// The kernel pieces that only depend on the layout, for one word type: `u64` serves the
/// formats up to binary64 ([`narrow`]), `u128` serves binary128 ([`wide`]).
macro_rules! layout_kernels {
    ($word:ty) => {
        use crate::flags::{Flags, Rounded};

        /// Splits a pattern whose exponent code is a normal one (1 ..= 2^EXP - 2) into sign,
        /// code and significand (hidden bit set); `None` for zeros, subnormals, infinities and
        /// NaNs. Bits above the encoding width are ignored.
        #[inline(always)]
        pub(crate) fn normal<const FRAC: u32, const EXP: u32>(
            x: $word,
        ) -> Option<($word, $word, $word)> {
            let x = x & (<$word>::MAX >> (<$word>::BITS - 1 - FRAC - EXP));
            let code_mask: $word = (1 << EXP) - 1;
            let code = (x >> FRAC) & code_mask;
            if code.wrapping_sub(1) >= code_mask - 1 {
                return None;
            }
            let sig = (x & ((1 << FRAC) - 1)) | (1 << FRAC);
            Some((x >> (FRAC + EXP), code, sig))
        }

        /// Rounds `sig` (with `GUARD` extra low bits, the leading bit at `FRAC + GUARD`) to
        /// nearest even and packs it with the given sign and code; `None` if the code leaves
        /// the normal range.
        #[inline(always)]
        pub(crate) fn round_normal<const FRAC: u32, const EXP: u32, const GUARD: u32>(
            sign: $word,
            code: i64,
            sig: $word,
        ) -> Option<Rounded<u128>> {
            if code < 1 {
                // Tiny before rounding: the general path rounds at subnormal precision.
                return None;
            }
            let half: $word = 1 << (GUARD - 1);
            let low = sig & ((1 << GUARD) - 1);
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
            let bits =
                (sign << (FRAC + EXP)) | ((code as $word) << FRAC) | (kept & ((1 << FRAC) - 1));
            let flags = if low != 0 { Flags::INEXACT } else { Flags::NONE };
            #[allow(clippy::useless_conversion, reason = "the identity for the u128 word")]
            Some(Rounded::new(u128::from(bits), flags))
        }

        /// `a ⊕ b`, or `a ⊖ b` with `negate_b`, for normal operands and a normal result.
        #[inline(always)]
        pub(crate) fn add_kernel<const FRAC: u32, const EXP: u32>(
            a: $word,
            b: $word,
            negate_b: bool,
        ) -> Option<Rounded<u128>> {
            const GUARD: u32 = 3;
            let (sa, ca, ma) = normal::<FRAC, EXP>(a)?;
            let (sb, cb, mb) = normal::<FRAC, EXP>(b)?;
            let sb = sb ^ <$word>::from(negate_b);
            let mag_mask: $word = (1 << (FRAC + EXP)) - 1;
            // x is the operand of larger magnitude.
            let ((sx, cx, mx), (sy, cy, my)) = if a & mag_mask >= b & mag_mask {
                ((sa, ca, ma), (sb, cb, mb))
            } else {
                ((sb, cb, mb), (sa, ca, ma))
            };
            let (mx, my) = (mx << GUARD, my << GUARD);
            // Exponent codes have at most 15 bits.
            let d = (cx - cy) as u32;
            let my = if d == 0 {
                my
            } else if d > FRAC + GUARD + 2 {
                1
            } else {
                (my >> d) | <$word>::from(my & ((1 << d) - 1) != 0)
            };
            let mut code = cx as i64;
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
                    // Exact cancellation: +0 (docs/semantics.md §2).
                    return Some(Rounded::exact(0));
                }
                let shift = diff.leading_zeros() - (<$word>::BITS - 1 - FRAC - GUARD);
                code -= i64::from(shift);
                diff << shift
            };
            round_normal::<FRAC, EXP, GUARD>(sx, code, sig)
        }
    };
}

/// The layout kernels on `u64`.
pub(super) mod narrow {
    layout_kernels!(u64);
}

/// The layout kernels on `u128`.
pub(super) mod wide {
    layout_kernels!(u128);
}
