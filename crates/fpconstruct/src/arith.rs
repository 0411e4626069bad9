//! The builder's arithmetic: every value the construction predicts is computed with the same
//! fpcore operation, in the same order, as the interpreter and the backward pass will use, so a
//! prediction is a fact about the network, not an estimate.
//!
//! [`Arith`] is a thin layer over [`fpcore::Ctx`]: each prediction runs its steps in a fresh
//! context, and it fails (`None`) when its result is not a finite number or when some step
//! raised overflow, division by zero or invalid. The construction never relies on such a step.

use std::cmp::Ordering;

use fpcore::act::Activation;
use fpcore::{Ctx, Env, Flags, Format, Kind, Rounded};

/// The flags that make a step unusable for a prediction.
pub(crate) fn bad_flags() -> Flags {
    Flags::OVERFLOW | Flags::INFINITE | Flags::INVALID
}

/// The format and rounding environment of the network being built.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arith {
    /// The context every prediction starts from (no flags raised).
    ctx: Ctx,
}

impl Arith {
    pub(crate) fn new(fmt: Format) -> Arith {
        Arith { ctx: Ctx::new(Env::default(), fmt) }
    }

    /// The environment of the interpreter and the backward pass.
    pub(crate) fn env(&self) -> Env {
        self.ctx.env
    }

    /// The network's format.
    pub(crate) fn fmt(&self) -> Format {
        self.ctx.fmt
    }

    /// +0.
    pub(crate) fn zero(&self) -> u128 {
        self.ctx.fmt.zero(false)
    }

    /// Whether a rounded result can be relied on: finite, and no step overflowed, divided by
    /// zero or was invalid.
    fn usable(&self, r: Rounded<u128>) -> Option<u128> {
        let u = self.ctx.fmt.unpack(r.value);
        let ok = r.flags.bits() & bad_flags().bits() == 0 && !u.is_nan() && !u.is_inf();
        ok.then_some(r.value)
    }

    /// Runs `steps` in a fresh context: their result, when it is usable.
    fn finite(&self, steps: impl FnOnce(&mut Ctx) -> u128) -> Option<u128> {
        let mut ctx = self.ctx;
        let value = steps(&mut ctx);
        self.usable(ctx.finish(value))
    }

    /// Runs `steps` in a fresh context: their result, when it is usable and exact.
    fn exact(&self, steps: impl FnOnce(&mut Ctx) -> u128) -> Option<u128> {
        let mut ctx = self.ctx;
        let value = steps(&mut ctx);
        if ctx.flags.is_empty() {
            self.usable(ctx.finish(value))
        } else {
            None
        }
    }

    /// a ⊕ b.
    pub(crate) fn add(&self, a: u128, b: u128) -> Option<u128> {
        self.finite(|c| c.add(a, b))
    }

    /// a ⊖ b.
    pub(crate) fn sub(&self, a: u128, b: u128) -> Option<u128> {
        self.finite(|c| c.sub(a, b))
    }

    /// a ⊗ b.
    pub(crate) fn mul(&self, a: u128, b: u128) -> Option<u128> {
        self.finite(|c| c.mul(a, b))
    }

    /// a ⊘ b.
    pub(crate) fn div(&self, a: u128, b: u128) -> Option<u128> {
        self.finite(|c| c.div(a, b))
    }

    /// a · b when it is exactly a finite value of the format.
    pub(crate) fn mul_exact(&self, a: u128, b: u128) -> Option<u128> {
        self.exact(|c| c.mul(a, b))
    }

    /// a / b when it is exactly a finite value of the format.
    pub(crate) fn div_exact(&self, a: u128, b: u128) -> Option<u128> {
        self.exact(|c| c.div(a, b))
    }

    /// -a (exact; FNUZ formats keep +0).
    pub(crate) fn neg(&self, a: u128) -> u128 {
        self.ctx.neg(a)
    }

    /// |a|.
    pub(crate) fn abs(&self, a: u128) -> u128 {
        fpcore::abs(&self.ctx.fmt, a)
    }

    /// The next value below `a` (finite).
    pub(crate) fn pred(&self, a: u128) -> Option<u128> {
        self.finite(|c| {
            let r = fpcore::next_down(&c.env, &c.fmt, a);
            c.take(r)
        })
    }

    /// The next value above `a` (finite).
    pub(crate) fn succ(&self, a: u128) -> Option<u128> {
        self.finite(|c| {
            let r = fpcore::next_up(&c.env, &c.fmt, a);
            c.take(r)
        })
    }

    /// relu(z), as the interpreter evaluates it.
    pub(crate) fn relu(&self, z: u128) -> u128 {
        fpcore::act::eval(&self.ctx.env, &self.ctx.fmt, Activation::Relu, z).value
    }

    /// Whether relu'(z) = 1 with relu'(0) = 0, that is z > 0.
    pub(crate) fn live(&self, z: u128) -> bool {
        let u = self.ctx.fmt.unpack(z);
        !u.sign && matches!(u.kind, Kind::Finite { .. })
    }

    /// Whether `a` is a finite value (zeros included).
    pub(crate) fn is_finite(&self, a: u128) -> bool {
        matches!(self.ctx.fmt.unpack(a).kind, Kind::Finite { .. } | Kind::Zero)
    }

    /// Whether `a` is -0 (a format with a negative zero).
    pub(crate) fn is_neg_zero(&self, a: u128) -> bool {
        let u = self.ctx.fmt.unpack(a);
        u.is_zero() && u.sign
    }

    /// Whether `a` is a zero of either sign.
    pub(crate) fn is_zero(&self, a: u128) -> bool {
        self.ctx.fmt.unpack(a).is_zero()
    }

    /// The sign bit.
    pub(crate) fn sign(&self, a: u128) -> bool {
        self.ctx.fmt.unpack(a).sign
    }

    /// Numerical comparison of two numbers (-0 = +0).
    pub(crate) fn cmp(&self, a: u128, b: u128) -> Ordering {
        match fpcore::compare(&self.ctx.fmt, a, b).value {
            fpcore::Ordering::Less => Ordering::Less,
            fpcore::Ordering::Equal => Ordering::Equal,
            fpcore::Ordering::Greater | fpcore::Ordering::Unordered => Ordering::Greater,
        }
    }

    /// floor(log2 |a|) of a finite nonzero value.
    pub(crate) fn exponent(&self, a: u128) -> Option<i32> {
        match self.ctx.fmt.unpack(a).kind {
            Kind::Finite { sig, exp } => Some(exp + (127 - sig.leading_zeros() as i32)),
            _ => None,
        }
    }

    /// Whether a finite nonzero value is a power of two.
    pub(crate) fn is_pow2(&self, a: u128) -> bool {
        matches!(self.ctx.fmt.unpack(a).kind, Kind::Finite { sig, .. } if sig.is_power_of_two())
    }

    /// The smallest exponent of a positive value (the smallest subnormal's).
    pub(crate) fn qmin(&self) -> i32 {
        self.ctx.fmt.qmin()
    }

    /// +2^e when it is a finite value of the format.
    pub(crate) fn pow2(&self, e: i32) -> Option<u128> {
        let fmt = &self.ctx.fmt;
        if e < fmt.qmin() || e > fmt.emax() {
            return None;
        }
        let frac_bits = fmt.frac_bits();
        let bits = if e >= fmt.emin() {
            let code = u128::try_from(e + fmt.bias()).ok()?;
            code << frac_bits
        } else {
            1u128 << (e - fmt.qmin())
        };
        let u = fmt.unpack(bits);
        match u.kind {
            Kind::Finite { sig, exp } if !u.sign && sig.is_power_of_two() => {
                (exp + sig.trailing_zeros() as i32 == e).then_some(bits)
            }
            _ => None,
        }
    }

    /// 1.
    pub(crate) fn one(&self) -> u128 {
        self.pow2(0).unwrap_or_else(|| self.ctx.fmt.max_finite(false))
    }

    /// The largest finite value.
    pub(crate) fn max_finite(&self) -> u128 {
        self.ctx.fmt.max_finite(false)
    }

    /// One unit of an affine layer with a single nonzero weight, as the sequential order
    /// evaluates it (zero terms of other units leave the sum unchanged).
    ///
    /// # Evaluation order
    ///
    /// `(+0 ⊕ w ⊗ v) ⊕ b` (docs/semantics.md §4, the sequential sum from +0 with the bias last).
    pub(crate) fn unit1(&self, w: u128, v: u128, b: u128) -> Option<u128> {
        let zero = self.zero();
        self.finite(|c| {
            let p = c.mul(w, v);
            let s = c.add(zero, p);
            c.add(s, b)
        })
    }

    /// A unit with two nonzero weights.
    ///
    /// # Evaluation order
    ///
    /// `((+0 ⊕ w1 ⊗ v1) ⊕ w2 ⊗ v2) ⊕ b` (docs/semantics.md §4).
    pub(crate) fn unit2(&self, w1: u128, v1: u128, w2: u128, v2: u128, b: u128) -> Option<u128> {
        let zero = self.zero();
        self.finite(|c| {
            let p1 = c.mul(w1, v1);
            let s = c.add(zero, p1);
            let p2 = c.mul(w2, v2);
            let s = c.add(s, p2);
            c.add(s, b)
        })
    }

    /// The backward step through one weight into a unit's activation, as the sweep computes it
    /// for a column with a single nonzero weight.
    ///
    /// # Evaluation order
    ///
    /// `+0 ⊕ g ⊗ w` (docs/semantics.md §5).
    pub(crate) fn back1(&self, g: u128, w: u128) -> Option<u128> {
        let zero = self.zero();
        self.finite(|c| {
            let p = c.mul(g, w);
            c.add(zero, p)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary16() -> Arith {
        Arith::new(Format::BINARY16)
    }

    #[test]
    fn a_step_that_overflows_fails_the_prediction() {
        let ar = binary16();
        // 0x7BFF (65504) ⊗ 2 overflows, although (+0 ⊕ 65504 ⊗ 2) ⊕ -65504 would be finite
        // in exact arithmetic.
        assert_eq!(ar.unit1(0x7BFF, 0x4000, 0xFBFF), None);
        assert_eq!(ar.mul(0x7BFF, 0x4000), None);
        // (+0 ⊕ 1 ⊗ 2) ⊕ 1 = 3, every step exact.
        assert_eq!(ar.unit1(0x3C00, 0x4000, 0x3C00), Some(0x4200));
        assert_eq!(ar.unit2(0x3C00, 0x4000, 0xBC00, 0x3C00, 0x3C00), Some(0x4000));
        assert_eq!(ar.back1(0x4200, 0xBC00), Some(0xC200));
    }

    #[test]
    fn exact_predictions_refuse_a_rounded_result() {
        let ar = binary16();
        // 1 / 3 rounds (inexact); 3 / 2 = 1.5 is exact.
        assert_eq!(ar.div_exact(0x3C00, 0x4200), None);
        assert!(ar.div(0x3C00, 0x4200).is_some());
        assert_eq!(ar.div_exact(0x4200, 0x4000), Some(0x3E00));
        // The smallest subnormal halved underflows to +0: inexact.
        assert_eq!(ar.mul_exact(0x0001, 0x3800), None);
    }

    #[test]
    fn powers_of_two_cover_the_subnormals() {
        let ar = binary16();
        assert_eq!(ar.pow2(0), Some(0x3C00));
        assert_eq!(ar.pow2(-24), Some(0x0001));
        assert_eq!(ar.pow2(-25), None);
        assert_eq!(ar.pow2(15), Some(0x7800));
        assert_eq!(ar.pow2(16), None);
        assert_eq!(ar.exponent(0x3E00), Some(0));
    }
}
