//! The reference path: every result computed as an exact value (arbitrary-precision integers),
//! then rounded once. Slow and obviously correct; the fast kernels are tested against it.
//!
//! `a (op) b = round(a op b)` (docs/semantics.md §2). Division and square root cannot be exact in
//! finitely many bits; they compute at least p + 2 quotient or root bits and a sticky bit
//! from the exact remainder, which determines the rounding exactly.
//!
//! Under a modelled environment (docs/semantics.md §7) each twin is the same composition of
//! its own IEEE operation as the operation it twins.

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::Zero;

use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::model;
use crate::ops::arith::{
    add_special, div_special, finite, fma_special, mul_special, sqrt_special, sub_operands,
    FmaSpecial, Special,
};
use crate::round::round_pack;
use crate::value::Finite;

/// Rounds `(-1)^sign * (sig + s) * 2^exp` (`0 < s < 1` iff `sticky`) once to `fmt`.
/// With `sticky` set, `sig` must have at least p + 1 bits.
pub fn round_big(
    env: &Env,
    fmt: &Format,
    sign: bool,
    sig: &BigUint,
    exp: i64,
    sticky: bool,
) -> Rounded<u128> {
    let n_bits = sig.bits();
    if n_bits <= 127 {
        let small = u128::try_from(sig).expect("at most 127 bits");
        return round_pack(env, fmt, sign, small, exp, sticky);
    }
    // Keep the top 127 bits (more than p + 1); everything below is sticky.
    let shift = n_bits - 127;
    let kept = u128::try_from(sig >> shift).expect("127 bits");
    let lost = sig.trailing_zeros().is_some_and(|tz| tz < shift);
    let shift = i64::try_from(shift).expect("shift fits");
    round_pack(env, fmt, sign, kept, exp + shift, sticky || lost)
}

fn big(f: Finite) -> BigInt {
    let mag = BigInt::from(f.sig);
    if f.sign {
        -mag
    } else {
        mag
    }
}

/// Rounds the exact value `v * 2^exp` (v a signed integer, nonzero) once.
fn round_signed(env: &Env, fmt: &Format, v: &BigInt, exp: i64) -> Rounded<u128> {
    if v.is_zero() {
        // An exact zero sum: +0 in round to nearest (docs/semantics.md §2).
        return crate::round::zero(env, fmt, false);
    }
    round_big(env, fmt, v.sign() == Sign::Minus, v.magnitude(), exp, false)
}

/// Exact sum of two finite nonzero values, rounded once.
fn add_exact(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    let base = x.exp.min(y.exp);
    let sum = (big(x) << (x.exp - base) as usize) + (big(y) << (y.exp - base) as usize);
    round_signed(env, fmt, &sum, i64::from(base))
}

/// Reference twin of [`crate::add`].
pub fn add(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| add(ieee, w, a, b));
    }
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    match add_special(env, fmt, ua, ub, false) {
        Special::Done(r) => r,
        Special::Finite => add_exact(env, fmt, finite(ua), finite(ub)),
    }
}

/// Reference twin of [`crate::sub`].
pub fn sub(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| sub(ieee, w, a, b));
    }
    let (ua, ub) = sub_operands(fmt, a, b);
    match add_special(env, fmt, ua, ub, true) {
        Special::Done(r) => r,
        Special::Finite => add_exact(env, fmt, finite(ua), finite(ub)),
    }
}

fn mul_exact(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    let prod = big(x) * big(y);
    round_signed(env, fmt, &prod, i64::from(x.exp) + i64::from(y.exp))
}

/// Reference twin of [`crate::mul`].
pub fn mul(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| mul(ieee, w, a, b));
    }
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    match mul_special(env, fmt, ua, ub) {
        Special::Done(r) => r,
        Special::Finite => mul_exact(env, fmt, finite(ua), finite(ub)),
    }
}

/// Quotient of two finite nonzero values: p + 2 or more quotient bits and an exact sticky bit.
fn div_finite(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    let (nx, ny) = (i64::from(128 - x.sig.leading_zeros()), i64::from(128 - y.sig.leading_zeros()));
    let shift = (ny - nx + i64::from(fmt.p()) + 2).max(0);
    let num = BigUint::from(x.sig) << shift as usize;
    let (quot, rem) = num.div_rem(&BigUint::from(y.sig));
    let exp = i64::from(x.exp) - i64::from(y.exp) - shift;
    round_big(env, fmt, x.sign != y.sign, &quot, exp, !rem.is_zero())
}

/// Reference twin of [`crate::div`].
pub fn div(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| div(ieee, w, a, b));
    }
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    match div_special(env, fmt, ua, ub) {
        Special::Done(r) => r,
        Special::Finite => div_finite(env, fmt, finite(ua), finite(ub)),
    }
}

/// Square root of a finite positive value: p + 2 or more root bits and an exact sticky bit.
fn sqrt_finite(env: &Env, fmt: &Format, x: Finite) -> Rounded<u128> {
    let nx = i64::from(128 - x.sig.leading_zeros());
    let mut shift = (2 * i64::from(fmt.p()) + 4 - nx).max(0);
    if (i64::from(x.exp) - shift) % 2 != 0 {
        shift += 1;
    }
    let radicand = BigUint::from(x.sig) << shift as usize;
    let root = radicand.sqrt();
    let exact = &root * &root == radicand;
    let exp = (i64::from(x.exp) - shift) / 2;
    round_big(env, fmt, false, &root, exp, !exact)
}

/// Reference twin of [`crate::sqrt`].
pub fn sqrt(env: &Env, fmt: &Format, a: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a], |ieee, w, _, [a]| sqrt(ieee, w, a));
    }
    let ua = fmt.unpack(a);
    match sqrt_special(env, fmt, ua) {
        Special::Done(r) => r,
        Special::Finite => sqrt_finite(env, fmt, finite(ua)),
    }
}

/// `x * y + z` exactly, rounded once.
fn fma_finite(env: &Env, fmt: &Format, x: Finite, y: Finite, z: Finite) -> Rounded<u128> {
    let pexp = x.exp + y.exp;
    let base = pexp.min(z.exp);
    let prod = (big(x) * big(y)) << (pexp - base) as usize;
    let sum = prod + (big(z) << (z.exp - base) as usize);
    round_signed(env, fmt, &sum, i64::from(base))
}

/// Reference twin of [`crate::fma`].
pub fn fma(env: &Env, fmt: &Format, a: u128, b: u128, c: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b, c], |ieee, w, _, [a, b, c]| fma(ieee, w, a, b, c));
    }
    let (ua, ub, uc) = (fmt.unpack(a), fmt.unpack(b), fmt.unpack(c));
    match fma_special(env, fmt, ua, ub, uc) {
        FmaSpecial::Done(r) => r,
        FmaSpecial::ProductOnly(x, y) => mul_exact(env, fmt, x, y),
        FmaSpecial::Finite => fma_finite(env, fmt, finite(ua), finite(ub), finite(uc)),
    }
}

/// The exact value of a finite nonzero operand as (signed integer, exponent): used by tests and
/// by the decimal printer.
pub fn exact_value(fmt: &Format, bits: u128) -> Option<(BigInt, i32)> {
    match fmt.unpack(bits).kind {
        crate::value::Kind::Finite { sig, exp } => {
            let v = BigInt::from(sig);
            Some((if fmt.unpack(bits).sign { -v } else { v }, exp))
        }
        _ => None,
    }
}
