//! Correctly rounded exp, expm1, log1p and erf (IEEE 754-2019 §9.2 recommended operations),
//! the elementary steps of the composite activation definitions. tanh lives with its
//! activation in `tanh.rs`; elu and elu' are expm1 and exp for x <= 0.

use super::entry::{one_operand, Ends, Fixed};
use super::mp::func::{erf_point, exp_point, expm1_point, log1p_point};
use super::mp::Dy;
use super::ziv::{saturated, ziv, Limit};
use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::ops::nan;
use crate::round::overflow;

/// Whether `e^a` (or `e^a - 1`, with `extra = 1`) surely exceeds `2^(emax + 2)`, so that it
/// overflows: `e^a >= 2^a >= 2^(emax + 2 + extra)` once `a >= max(emax + 2 + extra, 1)`.
fn surely_overflows(fmt: &Format, a: &Dy, extra: i64) -> bool {
    let bound = (i64::from(fmt.emax()) + 2 + extra).max(1);
    a.is_pos() && Dy::int(bound).le(a)
}

/// IEEE 754 `exp(x)`, correctly rounded: `e^x`. exp(+-0) = 1, exp(+inf) = +inf,
/// exp(-inf) = +0.
pub fn exp(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::ONE, neg_inf: Fixed::PosZero, pos_inf: Fixed::PosInf };
    one_operand(env, fmt, x, ends, |a| {
        if surely_overflows(fmt, a, 0) {
            return overflow(env, fmt, false);
        }
        // e^x < 2^x for x < 0.
        a.is_neg()
            .then(|| saturated(env, fmt, Limit::Zero, true, 0, &a.abs()))
            .flatten()
            .unwrap_or_else(|| ziv(env, fmt, |w| exp_point(a, w)))
    })
}

/// IEEE 754 `expm1(x)`, correctly rounded: `e^x - 1`. expm1(+-0) = +-0, expm1(+inf) = +inf,
/// expm1(-inf) = -1.
pub fn expm1(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::SignedZero, neg_inf: Fixed::MINUS_ONE, pos_inf: Fixed::PosInf };
    one_operand(env, fmt, x, ends, |a| {
        if surely_overflows(fmt, a, 1) {
            return overflow(env, fmt, false);
        }
        // e^x - 1 lies in (-1, -1 + 2^x) for x < 0.
        a.is_neg()
            .then(|| saturated(env, fmt, Limit::One(true), true, 0, &a.abs()))
            .flatten()
            .unwrap_or_else(|| ziv(env, fmt, |w| expm1_point(a, w)))
    })
}

/// IEEE 754 `logp1(x)` (log1p), correctly rounded: `ln(1 + x)`. log1p(+-0) = +-0,
/// log1p(-1) = -inf with the infinite (division by zero) flag, log1p(x < -1) and
/// log1p(-inf) are invalid, log1p(+inf) = +inf.
pub fn log1p(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::SignedZero, neg_inf: Fixed::Invalid, pos_inf: Fixed::PosInf };
    one_operand(env, fmt, x, ends, |a| match a.cmp_dy(&Dy::int(-1)) {
        std::cmp::Ordering::Less => nan::invalid(env, fmt),
        std::cmp::Ordering::Equal => Rounded::new(nan::infinity(env, fmt, true), Flags::INFINITE),
        std::cmp::Ordering::Greater => ziv(env, fmt, |w| Some(log1p_point(a, w))),
    })
}

/// `erf(x)`, correctly rounded: `(2/sqrt(pi)) integral_0^x e^(-t^2) dt`. erf(+-0) = +-0,
/// erf(+-inf) = +-1.
pub fn erf(env: &Env, fmt: &Format, x: u128) -> Rounded<u128> {
    let ends = Ends { zero: Fixed::SignedZero, neg_inf: Fixed::MINUS_ONE, pos_inf: Fixed::ONE };
    one_operand(env, fmt, x, ends, |a| {
        // 1 - erf(|x|) = erfc(|x|) < e^(-x^2) < 2^(-x^2).
        let neg = a.is_neg();
        saturated(env, fmt, Limit::One(neg), neg, 0, &a.mul_exact(a))
            .unwrap_or_else(|| ziv(env, fmt, |w| Some(erf_point(a, w))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_fmt() -> Format {
        Format::BINARY64
    }

    #[test]
    fn known_binary64_values() {
        let env = Env::default();
        let fmt = f64_fmt();
        let one_bits = 0x3ff0_0000_0000_0000;
        // e = 0x4005bf0a8b145769, ln 2 = 0x3fe62e42fefa39ef, erf(1) = 0x3feaf767a741088b.
        assert_eq!(exp(&env, &fmt, one_bits).value, 0x4005_bf0a_8b14_5769);
        assert_eq!(log1p(&env, &fmt, one_bits).value, 0x3fe6_2e42_fefa_39ef);
        assert_eq!(erf(&env, &fmt, one_bits).value, 0x3fea_f767_a741_088b);
        assert_eq!(expm1(&env, &fmt, 0).value, 0);
        assert_eq!(exp(&env, &fmt, 0x8000_0000_0000_0000).value, one_bits);
        assert_eq!(
            exp(&env, &fmt, 0x4090_0000_0000_0000).flags,
            Flags::OVERFLOW.union(Flags::INEXACT)
        );
        let r = exp(&env, &fmt, 0xc090_0000_0000_0000);
        assert_eq!((r.value, r.flags), (0, Flags::INEXACT.union(Flags::UNDERFLOW)));
        let r = log1p(&env, &fmt, 0xbff0_0000_0000_0000);
        assert_eq!((r.value, r.flags), (0xfff0_0000_0000_0000, Flags::INFINITE));
    }
}
