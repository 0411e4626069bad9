//! Kernels for division, square root and fma at precisions 63..=113, where intermediates need
//! up to 256 bits: a small two-word integer type, Knuth's long division on 64-bit digits, and
//! Newton's iteration for the integer square root. Each computes the exact quotient, root or
//! sum (or enough of it and a sticky bit) and rounds once with the single rounding routine.

use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::round::round_pack;
use crate::sig::{bit_len, mul_wide};
use crate::value::Finite;

/// A 256-bit unsigned integer as (high, low) 128-bit halves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct U256 {
    hi: u128,
    lo: u128,
}

impl U256 {
    const ZERO: U256 = U256 { hi: 0, lo: 0 };

    fn from_u128(v: u128) -> U256 {
        U256 { hi: 0, lo: v }
    }

    fn bits(self) -> u32 {
        if self.hi != 0 {
            256 - self.hi.leading_zeros()
        } else {
            128 - self.lo.leading_zeros()
        }
    }

    fn is_zero(self) -> bool {
        self.hi == 0 && self.lo == 0
    }

    /// `self << n` for `n < 256`; bits shifted past 256 are lost (callers keep them in range).
    fn shl(self, n: u32) -> U256 {
        match n {
            0 => self,
            1..=127 => U256 { hi: (self.hi << n) | (self.lo >> (128 - n)), lo: self.lo << n },
            128..=255 => U256 { hi: self.lo << (n - 128), lo: 0 },
            _ => U256::ZERO,
        }
    }

    /// `self >> n` and whether any 1 bit was shifted out.
    fn shr_sticky(self, n: u32) -> (U256, bool) {
        match n {
            0 => (self, false),
            1..=127 => (
                U256 { hi: self.hi >> n, lo: (self.lo >> n) | (self.hi << (128 - n)) },
                self.lo & ((1u128 << n) - 1) != 0,
            ),
            128 => (U256 { hi: 0, lo: self.hi }, self.lo != 0),
            129..=255 => (
                U256 { hi: 0, lo: self.hi >> (n - 128) },
                self.lo != 0 || self.hi & ((1u128 << (n - 128)) - 1) != 0,
            ),
            _ => (U256::ZERO, !self.is_zero()),
        }
    }

    fn add(self, other: U256) -> U256 {
        let (lo, carry) = self.lo.overflowing_add(other.lo);
        U256 { hi: self.hi + other.hi + u128::from(carry), lo }
    }

    /// `self - other`, requires `self >= other`.
    fn sub(self, other: U256) -> U256 {
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        U256 { hi: self.hi - other.hi - u128::from(borrow), lo }
    }

    fn mul(a: u128, b: u128) -> U256 {
        let (hi, lo) = mul_wide(a, b);
        U256 { hi, lo }
    }

    /// The value's top 127 bits as a `u128`, the shift applied, and a sticky bit for the rest.
    fn top127(self) -> (u128, u32, bool) {
        let bits = self.bits();
        if bits <= 127 {
            return (self.lo, 0, false);
        }
        let shift = bits - 127;
        let (kept, sticky) = self.shr_sticky(shift);
        (kept.lo, shift, sticky)
    }
}

/// Quotient and remainder of `n / d` where the quotient fits in 128 bits (`n < d * 2^128`)
/// and `d != 0`: Knuth's algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit digits. With a two-digit
/// divisor the refined test on qhat is exact, so the add-back step is a safeguard only.
fn div_rem(n: U256, d: u128) -> (u128, u128) {
    debug_assert!(d != 0 && n.hi < d, "quotient must fit 128 bits");
    if d >> 64 == 0 {
        // One-digit divisor: schoolbook division by a u64, digit by digit.
        let d64 = d;
        let digits =
            [n.hi >> 64, n.hi & u128::from(u64::MAX), n.lo >> 64, n.lo & u128::from(u64::MAX)];
        let mut rem = 0u128;
        let mut quot = 0u128;
        for digit in digits {
            let cur = (rem << 64) | digit;
            quot = (quot << 64) | (cur / d64);
            rem = cur % d64;
        }
        return (quot, rem);
    }
    // Normalize: the divisor's top bit at bit 127 (the quotient is unchanged, the remainder
    // scaled by 2^s). n < d * 2^128 still holds, so n fits 256 bits.
    let s = d.leading_zeros();
    let d = d << s;
    let n = n.shl(s);
    let mask = u128::from(u64::MAX);
    let base = 1u128 << 64;
    let (v1, v0) = (d >> 64, d & mask);
    // Numerator digits, least significant first.
    let mut u = [n.lo & mask, n.lo >> 64, n.hi & mask, n.hi >> 64];
    let mut q = [0u128; 2];
    for j in (0..2).rev() {
        // The window (u[j+2], u[j+1], u[j]) is below d * 2^64: one quotient digit.
        let num = (u[j + 2] << 64) | u[j + 1];
        let mut qhat = num / v1;
        let mut rhat = num % v1;
        while qhat >= base || qhat * v0 > ((rhat << 64) | u[j]) {
            qhat -= 1;
            rhat += v1;
            if rhat >= base {
                break;
            }
        }
        // Multiply and subtract: window -= qhat * (v1, v0).
        let p0 = qhat * v0;
        let p1 = qhat * v1 + (p0 >> 64);
        let t0 = u[j] as i128 - (p0 & mask) as i128;
        u[j] = (t0 as u128) & mask;
        let t1 = u[j + 1] as i128 - (p1 & mask) as i128 - i128::from(t0 < 0);
        u[j + 1] = (t1 as u128) & mask;
        let t2 = u[j + 2] as i128 - (p1 >> 64) as i128 - i128::from(t1 < 0);
        u[j + 2] = (t2 as u128) & mask;
        if t2 < 0 {
            // qhat was one too large: add the divisor back.
            qhat -= 1;
            let c0 = u[j] + v0;
            u[j] = c0 & mask;
            let c1 = u[j + 1] + v1 + (c0 >> 64);
            u[j + 1] = c1 & mask;
            u[j + 2] = (u[j + 2] + (c1 >> 64)) & mask;
        }
        q[j] = qhat;
    }
    let rem = ((u[1] << 64) | u[0]) >> s;
    ((q[1] << 64) | q[0], rem)
}

/// `x ⊘ y` for finite nonzero operands, p <= 113.
pub(crate) fn div_finite(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    let p = i64::from(fmt.p());
    // Numerator of bit_len(y) + p + 2 bits: the quotient has p + 2 or p + 3 bits.
    let shift = bit_len(y.sig) + p + 2 - bit_len(x.sig);
    let num = U256::from_u128(x.sig).shl(shift as u32);
    let (quot, rem) = div_rem(num, y.sig);
    let exp = i64::from(x.exp) - i64::from(y.exp) - shift;
    round_pack(env, fmt, x.sign != y.sign, quot, exp, rem != 0)
}

/// Integer square root of a 256-bit value below 2^232 (the root fits 116 bits): Newton's
/// iteration from an estimate of the top bits, then exact correction.
fn isqrt256(n: U256) -> (u128, bool) {
    if n.is_zero() {
        return (0, true);
    }
    let bits = n.bits();
    // Estimate from the top (at most) 120 bits, shifted by an even amount.
    let shift = bits.saturating_sub(120) & !1;
    let (top, _) = n.shr_sticky(shift);
    let mut r = (top.lo.isqrt() + 1) << (shift / 2);
    // From above, Newton's iteration decreases monotonically to floor(sqrt(n)).
    loop {
        let (q, _) = div_rem(n, r);
        let next = (r + q) / 2;
        if next >= r {
            break;
        }
        r = next;
    }
    while U256::mul(r, r) > n {
        r -= 1;
    }
    while U256::mul(r + 1, r + 1) <= n {
        r += 1;
    }
    (r, U256::mul(r, r) == n)
}

/// Square root of a finite positive value, p <= 113.
pub(crate) fn sqrt_finite(env: &Env, fmt: &Format, x: Finite) -> Rounded<u128> {
    let p = i64::from(fmt.p());
    let mut shift = (2 * p + 4 - bit_len(x.sig)).max(0);
    if (i64::from(x.exp) - shift) % 2 != 0 {
        shift += 1;
    }
    let radicand = U256::from_u128(x.sig).shl(shift as u32);
    let (root, exact) = isqrt256(radicand);
    let exp = (i64::from(x.exp) - shift) / 2;
    round_pack(env, fmt, false, root, exp, !exact)
}

/// `x * y + z` for finite nonzero operands, p <= 113: the exact product and the addend
/// aligned in a 256-bit window (leading bits at bit 253), the smaller one's lost bits jammed.
pub(crate) fn fma_finite(
    env: &Env,
    fmt: &Format,
    x: Finite,
    y: Finite,
    z: Finite,
) -> Rounded<u128> {
    const TOP: i64 = 253;
    let prod = U256::mul(x.sig, y.sig);
    let prod_sign = x.sign != y.sign;
    let align = |v: U256, exp: i64| -> (U256, i64) {
        let bits = i64::from(v.bits());
        let shift = TOP + 1 - bits;
        (v.shl(shift as u32), exp - shift)
    };
    let (pv, pe) = align(prod, i64::from(x.exp) + i64::from(y.exp));
    let (zv, ze) = align(U256::from_u128(z.sig), i64::from(z.exp));
    let ((sx, vx, ex), (sy, vy, ey)) = if pe >= ze {
        ((prod_sign, pv, pe), (z.sign, zv, ze))
    } else {
        ((z.sign, zv, ze), (prod_sign, pv, pe))
    };
    let d = ex - ey;
    let vy = if d >= 255 {
        U256::from_u128(u128::from(!vy.is_zero()))
    } else {
        let (shifted, sticky) = vy.shr_sticky(d as u32);
        U256 { hi: shifted.hi, lo: shifted.lo | u128::from(sticky) }
    };
    let (sign, sum) = if sx == sy {
        (sx, vx.add(vy))
    } else if vx >= vy {
        (sx, vx.sub(vy))
    } else {
        (sy, vy.sub(vx))
    };
    if sum.is_zero() {
        // Exact cancellation: +0 (docs/semantics.md §2).
        return Rounded::exact(fmt.zero(false));
    }
    let (sig, shift, sticky) = sum.top127();
    round_pack(env, fmt, sign, sig, ex + i64::from(shift), sticky)
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;

    use super::*;

    fn big(v: U256) -> BigUint {
        (BigUint::from(v.hi) << 128u32) + BigUint::from(v.lo)
    }

    /// SplitMix64, for reproducible operands.
    fn rng(state: &mut u64) -> u128 {
        let mut next = || {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        (u128::from(next()) << 64) | u128::from(next())
    }

    /// Divisors and numerators of every width, with runs of ones and zeros (the digit
    /// boundaries of Knuth's algorithm), against arbitrary-precision division.
    #[test]
    fn div_rem_matches_bigint() {
        let mut state = 7;
        for i in 0..200_000u32 {
            let width = 1 + rng(&mut state) % 128;
            let mut d = rng(&mut state) >> (128 - width);
            match i % 4 {
                0 => d |= 1u128 << (width - 1),
                1 => d = (1u128 << (width - 1)) | 1,
                2 => d = u128::MAX >> (128 - width),
                _ => {}
            }
            if d == 0 {
                continue;
            }
            // A numerator below d * 2^128, sometimes just below it.
            let hi = if i % 3 == 0 { d - 1 } else { rng(&mut state) % d };
            let lo = if i % 5 == 0 { u128::MAX } else { rng(&mut state) };
            let n = U256 { hi, lo };
            let (q, r) = div_rem(n, d);
            let (bq, br) = (big(n) / BigUint::from(d), big(n) % BigUint::from(d));
            assert_eq!((BigUint::from(q), BigUint::from(r)), (bq, br), "{n:x?} / {d:#x}");
        }
    }

    #[test]
    fn isqrt256_matches_bigint() {
        let mut state = 11;
        for i in 0..50_000u32 {
            let bits = 1 + (rng(&mut state) % 231) as u32;
            let raw = U256 { hi: rng(&mut state), lo: rng(&mut state) };
            let (mut n, _) = raw.shr_sticky(256 - bits);
            if i % 3 == 0 {
                // A perfect square and its neighbours.
                let r = rng(&mut state) >> 13;
                n = U256::mul(r, r);
                if i % 2 == 0 && !n.is_zero() {
                    n = n.sub(U256::from_u128(1));
                }
            }
            let (root, exact) = isqrt256(n);
            let expected = big(n).sqrt();
            assert_eq!(BigUint::from(root), expected, "isqrt {n:x?}");
            assert_eq!(exact, &expected * &expected == big(n), "exactness {n:x?}");
        }
    }
}
