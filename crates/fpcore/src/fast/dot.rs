//! A host-f64 kernel for the sequential multiply-add chain `acc ⊕ (w ⊗ x)` of formats with
//! p <= 24 and exponents inside binary32's range (binary16, bfloat16, binary32).
//!
//! # Exactness argument
//!
//! - Operands are built from their bits with integer code, so they are exact binary64 values
//!   (subnormals of these formats are normal binary64 numbers), and no flag or mode of the
//!   host's conversions is involved.
//! - The product of two p-bit values has at most 2p <= 48 significant bits and a magnitude in
//!   [2^-298, 2^256] or zero: binary64 holds it exactly, so `w * x` in f64 is exact in every
//!   rounding mode and never subnormal.
//! - The sum `acc + t` of two values of the format is rounded once to binary64. Rounding that
//!   to p bits gives the correctly rounded p-bit sum, because 53 >= 2p + 2 (double rounding is
//!   innocuous for addition, Figueroa 1995). It is inexact exactly when the binary64 sum was
//!   inexact (the TwoSum error term is nonzero) or the p-bit rounding discards bits.
//! - TwoSum and the binary64 addition assume round-to-nearest without flush-to-zero or
//!   denormals-are-zero. [`host_is_plain`] checks that state at run time before every chain; in
//!   any other host state the chain takes the integer path, so results never depend on it.
//! - Rounding a binary64 value to p bits is done on its bit pattern with integer arithmetic.
//!   Whenever a rounded product or sum falls outside the format's normal range (tiny, or at or
//!   beyond 2^(emax+1)), or an operand is not finite, that one step is done by the integer
//!   operations instead, which also raise underflow and overflow as they should.

#![allow(clippy::float_arithmetic, reason = "host f64 kernel with the exactness argument above")]

use std::hint::black_box;

use crate::env::Env;
use crate::format::{Format, Kernel};

/// Whether the host floating-point state is round-to-nearest without flush-to-zero and
/// denormals-are-zero: the state [`chain`]'s argument needs. Probed with operations whose
/// results differ in every other state.
#[inline(never)]
pub(crate) fn host_is_plain() -> bool {
    let one = black_box(1.0f64);
    let three_quarters_ulp = black_box(f64::EPSILON * 0.75);
    let up = black_box(one + three_quarters_ulp);
    let down = black_box(-one - three_quarters_ulp);
    let nearest = up == 1.0 + f64::EPSILON && down == -1.0 - f64::EPSILON;
    let no_ftz = black_box(black_box(f64::MIN_POSITIVE) * black_box(0.5)) != 0.0;
    let no_daz = black_box(black_box(f64::from_bits(1)) + black_box(0.0)) != 0.0;
    nearest && no_ftz && no_daz
}

/// Chains with fewer terms than this skip the host-f64 kernel.
const SHORT_CHAIN: usize = 4;

/// The host-f64 kernel of the multiply-add chain for one format: its layout (fraction bits,
/// exponent bits, bias). Built by [`DotKernel::new`] only where the exactness argument holds.
#[derive(Clone, Copy)]
pub(crate) struct DotKernel {
    frac: u32,
    exp_bits: u32,
    bias: i64,
}

impl DotKernel {
    /// The kernel for a chain of at most `max_terms` terms (when known) in `fmt`: `None` when
    /// the format has no f64 layout (binary16, bfloat16 and binary32 have one), when the chain
    /// is known to be shorter than [`SHORT_CHAIN`] terms (cheaper on the integer path than the
    /// probe of the host state; the sparse rows of the constructions have one or two), or when
    /// the host state is not plain.
    #[inline]
    pub(crate) fn new(env: &Env, fmt: &Format, max_terms: Option<usize>) -> Option<DotKernel> {
        if !env.is_ieee() {
            return None;
        }
        if !matches!(fmt.kernel(), Kernel::F16 | Kernel::Bf16 | Kernel::F32) {
            return None;
        }
        if max_terms.is_some_and(|n| n < SHORT_CHAIN) || !host_is_plain() {
            return None;
        }
        Some(DotKernel {
            frac: fmt.frac_bits(),
            exp_bits: fmt.exp_bits(),
            bias: i64::from(fmt.bias()),
        })
    }

    /// The exact binary64 value of a finite encoding; `None` for infinities and NaNs.
    /// Bits above the encoding width are ignored.
    #[inline(always)]
    pub(crate) fn to_f64(self, bits: u128) -> Option<f64> {
        let width = 1 + self.exp_bits + self.frac;
        let bits = bits as u64 & ((1u64 << width) - 1);
        let code_mask = (1u64 << self.exp_bits) - 1;
        let code = (bits >> self.frac) & code_mask;
        let frac = bits & ((1u64 << self.frac) - 1);
        let sign = (bits >> (self.frac + self.exp_bits)) << 63;
        if code == code_mask {
            return None;
        }
        let magnitude = if code != 0 {
            // Normal: re-bias the exponent, widen the fraction.
            let e = code as i64 - self.bias + 1023;
            ((e as u64) << 52) | (frac << (52 - self.frac))
        } else if frac == 0 {
            0
        } else {
            // Subnormal: frac * 2^(1 - bias - FRAC), normalized for binary64.
            let lead = 63 - frac.leading_zeros() as i64;
            let e = lead + 1 - self.bias - i64::from(self.frac) + 1023;
            let shifted = (frac << (52 - lead)) & ((1u64 << 52) - 1);
            ((e as u64) << 52) | shifted
        };
        Some(f64::from_bits(sign | magnitude))
    }

    /// Rounds a finite binary64 value to p bits, ties to even: the rounded value (as binary64),
    /// its encoding, and whether bits were discarded. `None` when the rounded value is not a
    /// normal of the format (tiny nonzero, or overflowing), which the integer path handles.
    #[inline(always)]
    fn round(self, v: f64) -> Option<(f64, u128, bool)> {
        let b = v.to_bits();
        let sign = b >> 63;
        let mag = b & !(1u64 << 63);
        if mag == 0 {
            return Some((v, u128::from(sign) << (self.frac + self.exp_bits), false));
        }
        let shift = 52 - self.frac;
        let low = mag & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        // Ties to even on the bit pattern: a carry out of the fraction bumps the exponent.
        let rounded = (mag + (half - 1) + ((mag >> shift) & 1)) & !((1u64 << shift) - 1);
        let e = (rounded >> 52) as i64 - 1023;
        let emin = 1 - self.bias;
        let emax = ((1i64 << self.exp_bits) - 2) - self.bias;
        if e < emin || e > emax {
            return None;
        }
        let code = (e + self.bias) as u64;
        let frac = (rounded >> shift) & ((1u64 << self.frac) - 1);
        let bits = (sign << (self.frac + self.exp_bits)) | (code << self.frac) | frac;
        Some((f64::from_bits(rounded | (sign << 63)), u128::from(bits), low != 0))
    }

    /// One step `acc ⊕ (w ⊗ x)` on the host-f64 path: the rounded sum as binary64 and as an
    /// encoding, and whether the step was inexact. `None` (nothing computed) when an operand is
    /// not finite (`acc` is `None` then) or a rounded product or sum is not a normal of the
    /// format: the integer operations take that step.
    #[inline(always)]
    pub(crate) fn step(self, acc: Option<f64>, w: u128, x: u128) -> Option<(f64, u128, bool)> {
        let (a, wf, xf) = (acc?, self.to_f64(w)?, self.to_f64(x)?);
        let p = wf * xf;
        let (t, _, t_inexact) = self.round(p)?;
        let s = a + t;
        // TwoSum: the exact error of the binary64 addition.
        let t_virtual = s - a;
        let err = (a - (s - t_virtual)) + (t - t_virtual);
        let (r, r_bits, r_inexact) = self.round(s)?;
        Some((r, r_bits, t_inexact || r_inexact || err != 0.0))
    }
}
