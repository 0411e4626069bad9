//! The arithmetic operations add, sub, mul, div, sqrt and fma (IEEE 754-2019 §5.4.1).
//!
//! Each operation splits into its special cases (NaN, infinity, zero operands), shared with the
//! reference twin in [`crate::reference`], and a finite kernel that computes the exact result,
//! or enough of it plus a sticky bit, and rounds it once with the single rounding routine.
//! Kernels work on `u128` significands: add and mul for every p; div, sqrt and fma for
//! p <= 62 (where `2p + 4 <= 128` bits hold every intermediate), and the 256-bit kernels of
//! `ops/wide.rs` beyond.

use crate::env::Env;
use crate::fast;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::model;
use crate::nan::{self, MlSign};
use crate::ops::wide;
use crate::round::{self, round_pack};
use crate::sig::{bit_len, mul_wide, shift_right_jam};
use crate::value::{Finite, Kind, Unpacked};

/// Largest p for which the `u128` kernels of div, sqrt and fma are exact.
pub(crate) const NARROW_P: u32 = 62;

/// What the special-case analysis of an operation decided.
pub(crate) enum Special {
    /// The result is known.
    Done(Rounded<u128>),
    /// Both (all) operands are finite and nonzero: the kernel computes the result.
    Finite,
}

/// Re-encodes an operand exactly (canonical encoding of the same value). A negated operand
/// of an unsigned format (subtraction's) that is not zero gives NaN with invalid.
fn pass_through(env: &Env, fmt: &Format, u: Unpacked) -> Rounded<u128> {
    if u.sign && !fmt.is_signed() && !u.is_zero() {
        return nan::invalid(env, fmt);
    }
    Rounded::exact(match u.kind {
        Kind::Zero => fmt.zero(u.sign),
        Kind::Finite { sig, exp } => fmt.pack_finite(u.sign, sig, exp),
        Kind::Inf => fmt.inf(u.sign).expect("an infinite operand's format has infinities"),
        Kind::Nan { .. } => unreachable!("NaN operands are propagated, not passed through"),
    })
}

/// The special cases of addition; `sub` says the operation is a subtraction (whose `b` is
/// already negated), for the NaN rule of [`crate::NanPolicy::MlDtypes`].
pub(crate) fn add_special(env: &Env, fmt: &Format, a: Unpacked, b: Unpacked, sub: bool) -> Special {
    use Kind::*;
    let done = |bits| Special::Done(Rounded::exact(bits));
    let pass = |u| Special::Done(pass_through(env, fmt, u));
    match (a.kind, b.kind) {
        (Nan { .. }, _) | (_, Nan { .. }) => {
            Special::Done(nan::propagate2(env, fmt, a, b, MlSign::add(fmt, sub)))
        }
        (Inf, Inf) if a.sign != b.sign => Special::Done(nan::invalid(env, fmt)),
        (Inf, _) => pass(a),
        (_, Inf) => pass(b),
        // docs/semantics.md §2: an exact zero sum is +0, except (-0) + (-0) = -0.
        (Zero, Zero) => done(fmt.zero(a.sign && b.sign)),
        (Zero, _) => pass(b),
        (_, Zero) => pass(a),
        (Finite { .. }, Finite { .. }) => Special::Finite,
    }
}

pub(crate) fn finite(u: Unpacked) -> Finite {
    let Kind::Finite { sig, exp } = u.kind else { unreachable!("special cases handled first") };
    Finite { sign: u.sign, sig, exp }
}

/// Negation for subtraction: NaN operands keep their sign (they propagate as given).
fn negate_operand(mut u: Unpacked) -> Unpacked {
    if !u.is_nan() {
        u.sign = !u.sign;
    }
    u
}

/// Exact-or-jammed sum of two finite nonzero values with significands of at most 124 bits,
/// rounded once. Each significand is aligned with its leading bit at bit 125; the operand with
/// the smaller leading exponent is shifted right with its lost bits jammed into bit 0, which
/// lies far below the rounding position, so the rounded result is the exact sum's.
pub(crate) fn add_finite(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    const TOP: i64 = 125;
    let align = |f: Finite| -> (u128, i64) {
        let shift = TOP + 1 - bit_len(f.sig);
        debug_assert!(shift >= 2, "significand wider than 124 bits");
        (f.sig << shift, i64::from(f.exp) - shift)
    };
    let (mut sx, mut ex) = align(x);
    let (mut sy, mut ey) = align(y);
    let (mut sign_x, mut sign_y) = (x.sign, y.sign);
    if ey > ex {
        std::mem::swap(&mut sx, &mut sy);
        std::mem::swap(&mut ex, &mut ey);
        std::mem::swap(&mut sign_x, &mut sign_y);
    }
    let sy = shift_right_jam(sy, (ex - ey).unsigned_abs());
    let (sign, sum) = if sign_x == sign_y {
        (sign_x, sx + sy)
    } else if sx >= sy {
        (sign_x, sx - sy)
    } else {
        (sign_y, sy - sx)
    };
    if sum == 0 {
        // Exact cancellation: +0 in round to nearest (docs/semantics.md §2).
        return round::zero(env, fmt, false);
    }
    round_pack(env, fmt, sign, sum, ex, false)
}

/// IEEE 754 addition: `a ⊕ b`, rounded once.
pub fn add(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| add(ieee, w, a, b));
    }
    if let Some(r) = fast::add(env, fmt, a, b, false) {
        return r;
    }
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    match add_special(env, fmt, ua, ub, false) {
        Special::Done(r) => r,
        Special::Finite => add_finite(env, fmt, finite(ua), finite(ub)),
    }
}

/// IEEE 754 subtraction: `a ⊖ b`, rounded once.
pub fn sub(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| sub(ieee, w, a, b));
    }
    if let Some(r) = fast::add(env, fmt, a, b, true) {
        return r;
    }
    let (ua, ub) = (fmt.unpack(a), negate_operand(fmt.unpack(b)));
    match add_special(env, fmt, ua, ub, true) {
        Special::Done(r) => r,
        Special::Finite => add_finite(env, fmt, finite(ua), finite(ub)),
    }
}

/// Subtraction's operands for the reference twin.
pub(crate) fn sub_operands(fmt: &Format, a: u128, b: u128) -> (Unpacked, Unpacked) {
    (fmt.unpack(a), negate_operand(fmt.unpack(b)))
}

pub(crate) fn mul_special(env: &Env, fmt: &Format, a: Unpacked, b: Unpacked) -> Special {
    use Kind::*;
    let sign = a.sign != b.sign;
    match (a.kind, b.kind) {
        (Nan { .. }, _) | (_, Nan { .. }) => {
            Special::Done(nan::propagate2(env, fmt, a, b, MlSign::Last))
        }
        (Inf, Zero) | (Zero, Inf) => Special::Done(nan::invalid(env, fmt)),
        (Inf, _) | (_, Inf) => Special::Done(Rounded::exact(nan::infinity(env, fmt, sign))),
        (Zero, _) | (_, Zero) => Special::Done(Rounded::exact(fmt.zero(sign))),
        (Finite { .. }, Finite { .. }) => Special::Finite,
    }
}

fn mul_finite(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    let sign = x.sign != y.sign;
    let exp = i64::from(x.exp) + i64::from(y.exp);
    let (high, low) = mul_wide(x.sig, y.sig);
    if high == 0 {
        return round_pack(env, fmt, sign, low, exp, false);
    }
    // Keep the top 127 bits; the rest only matters as a sticky bit (p + 1 <= 127).
    let shift = 1 + bit_len(high) as u32;
    let sig = (high << (128 - shift)) | (low >> shift);
    let sticky = low & ((1u128 << shift) - 1) != 0;
    round_pack(env, fmt, sign, sig, exp + i64::from(shift), sticky)
}

/// IEEE 754 multiplication: `a ⊗ b`, rounded once.
pub fn mul(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| mul(ieee, w, a, b));
    }
    if let Some(r) = fast::mul(env, fmt, a, b) {
        return r;
    }
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    match mul_special(env, fmt, ua, ub) {
        Special::Done(r) => r,
        Special::Finite => mul_finite(env, fmt, finite(ua), finite(ub)),
    }
}

pub(crate) fn div_special(env: &Env, fmt: &Format, a: Unpacked, b: Unpacked) -> Special {
    use Kind::*;
    let sign = a.sign != b.sign;
    match (a.kind, b.kind) {
        (Nan { .. }, _) | (_, Nan { .. }) => {
            Special::Done(nan::propagate2(env, fmt, a, b, MlSign::First))
        }
        (Inf, Inf) | (Zero, Zero) => Special::Done(nan::invalid(env, fmt)),
        (Inf, _) => Special::Done(Rounded::exact(nan::infinity(env, fmt, sign))),
        (_, Inf) | (Zero, _) => Special::Done(Rounded::exact(fmt.zero(sign))),
        (Finite { .. }, Zero) => {
            Special::Done(Rounded::new(nan::infinity(env, fmt, sign), Flags::INFINITE))
        }
        (Finite { .. }, Finite { .. }) => Special::Finite,
    }
}

fn div_finite(env: &Env, fmt: &Format, x: Finite, y: Finite) -> Rounded<u128> {
    let sign = x.sign != y.sign;
    let p = i64::from(fmt.p());
    // The numerator gets bit_len(y) + p + 2 bits, so the quotient has at least p + 2.
    let shift = bit_len(y.sig) + p + 2 - bit_len(x.sig);
    let num = x.sig << shift;
    let (quot, rem) = if num >> 64 == 0 && y.sig >> 64 == 0 {
        let (n, d) = (num as u64, y.sig as u64);
        (u128::from(n / d), u128::from(n % d))
    } else {
        (num / y.sig, num % y.sig)
    };
    let exp = i64::from(x.exp) - i64::from(y.exp) - shift;
    round_pack(env, fmt, sign, quot, exp, rem != 0)
}

/// IEEE 754 division: `a ⊘ b`, rounded once.
pub fn div(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b], |ieee, w, _, [a, b]| div(ieee, w, a, b));
    }
    if let Some(r) = fast::div(env, fmt, a, b) {
        return r;
    }
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    match div_special(env, fmt, ua, ub) {
        Special::Done(r) => r,
        Special::Finite if fmt.p() <= NARROW_P => div_finite(env, fmt, finite(ua), finite(ub)),
        Special::Finite => wide::div_finite(env, fmt, finite(ua), finite(ub)),
    }
}

pub(crate) fn sqrt_special(env: &Env, fmt: &Format, a: Unpacked) -> Special {
    match a.kind {
        Kind::Nan { .. } => Special::Done(nan::propagate(env, fmt, &[(fmt, a)])),
        // IEEE 754-2019 §5.4.1: squareRoot(-0) is -0.
        Kind::Zero => Special::Done(Rounded::exact(fmt.zero(a.sign))),
        _ if a.sign => Special::Done(nan::invalid(env, fmt)),
        Kind::Inf => Special::Done(pass_through(env, fmt, a)),
        Kind::Finite { .. } => Special::Finite,
    }
}

fn sqrt_finite(env: &Env, fmt: &Format, x: Finite) -> Rounded<u128> {
    let p = i64::from(fmt.p());
    // Radicand of at least 2p + 3 bits with an even exponent: the root has at least p + 2 bits.
    let mut shift = (2 * p + 3 - bit_len(x.sig)).max(0);
    if (i64::from(x.exp) - shift) % 2 != 0 {
        shift += 1;
    }
    let radicand = x.sig << shift;
    let root =
        if radicand >> 64 == 0 { u128::from((radicand as u64).isqrt()) } else { radicand.isqrt() };
    let exp = (i64::from(x.exp) - shift) / 2;
    round_pack(env, fmt, false, root, exp, root * root != radicand)
}

/// IEEE 754 squareRoot, rounded once.
pub fn sqrt(env: &Env, fmt: &Format, a: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a], |ieee, w, _, [a]| sqrt(ieee, w, a));
    }
    if let Some(r) = fast::sqrt(env, fmt, a) {
        return r;
    }
    let ua = fmt.unpack(a);
    match sqrt_special(env, fmt, ua) {
        Special::Done(r) => r,
        Special::Finite if fmt.p() <= NARROW_P => sqrt_finite(env, fmt, finite(ua)),
        Special::Finite => wide::sqrt_finite(env, fmt, finite(ua)),
    }
}

/// What the special-case analysis of fma decided.
pub(crate) enum FmaSpecial {
    /// The result is known.
    Done(Rounded<u128>),
    /// `a * b` is an exact nonzero finite product and `c` is zero: round the product.
    ProductOnly(Finite, Finite),
    /// Everything finite and nonzero.
    Finite,
}

pub(crate) fn fma_special(
    env: &Env,
    fmt: &Format,
    a: Unpacked,
    b: Unpacked,
    c: Unpacked,
) -> FmaSpecial {
    use Kind::*;
    let prod_sign = a.sign != b.sign;
    let prod_invalid = matches!((a.kind, b.kind), (Inf, Zero) | (Zero, Inf));
    if a.is_nan() || b.is_nan() {
        return FmaSpecial::Done(nan::propagate(env, fmt, &[(fmt, a), (fmt, b), (fmt, c)]));
    }
    if prod_invalid {
        // 0 * inf + c is invalid even when c is a quiet NaN (as x86 FMA and SoftFloat do).
        let r = nan::invalid(env, fmt);
        return FmaSpecial::Done(Rounded::new(r.value, r.flags));
    }
    if c.is_nan() {
        return FmaSpecial::Done(nan::propagate(env, fmt, &[(fmt, a), (fmt, b), (fmt, c)]));
    }
    let prod_inf = a.is_inf() || b.is_inf();
    match (prod_inf, c.kind) {
        (true, Inf) if prod_sign != c.sign => return FmaSpecial::Done(nan::invalid(env, fmt)),
        (true, _) => return FmaSpecial::Done(Rounded::exact(nan::infinity(env, fmt, prod_sign))),
        (false, Inf) => return FmaSpecial::Done(pass_through(env, fmt, c)),
        _ => {}
    }
    let prod_zero = a.is_zero() || b.is_zero();
    match (prod_zero, c.kind) {
        (true, Zero) => FmaSpecial::Done(Rounded::exact(fmt.zero(prod_sign && c.sign))),
        (true, _) => FmaSpecial::Done(pass_through(env, fmt, c)),
        (false, Zero) => FmaSpecial::ProductOnly(finite(a), finite(b)),
        (false, _) => FmaSpecial::Finite,
    }
}

/// IEEE 754 fusedMultiplyAdd: `a * b + c` computed exactly and rounded once.
pub fn fma(env: &Env, fmt: &Format, a: u128, b: u128, c: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [a, b, c], |ieee, w, _, [a, b, c]| fma(ieee, w, a, b, c));
    }
    if let Some(r) = fast::fma(env, fmt, a, b, c) {
        return r;
    }
    let (ua, ub, uc) = (fmt.unpack(a), fmt.unpack(b), fmt.unpack(c));
    match fma_special(env, fmt, ua, ub, uc) {
        FmaSpecial::Done(r) => r,
        FmaSpecial::ProductOnly(x, y) => mul_finite(env, fmt, x, y),
        FmaSpecial::Finite if fmt.p() <= NARROW_P => {
            let (x, y, z) = (finite(ua), finite(ub), finite(uc));
            let prod = Finite { sign: x.sign != y.sign, sig: x.sig * y.sig, exp: x.exp + y.exp };
            add_finite(env, fmt, prod, z)
        }
        FmaSpecial::Finite => wide::fma_finite(env, fmt, finite(ua), finite(ub), finite(uc)),
    }
}
