//! Rounding an enclosure once: whether an interval determines the rounded result, the Ziv loop
//! that raises the working precision until it does, and the shared handling of operands and
//! exact results of the activation functions.
//!
//! Every result goes through the single rounding routine (`round_pack`, via
//! [`crate::reference::round_big`]), so overflow, underflow, saturation and formats without
//! infinities behave as in every other operation (SEMANTICS §2).

use num_bigint::BigUint;

use super::mp::{bit_len, Dir, Dy, Iv};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::ops::nan;
use crate::reference::round_big;
use crate::round::round_pack;
use crate::value::Kind;

/// The largest working precision the Ziv loop tries, in bits.
///
/// For the functions whose values at nonzero floats are transcendental (everything built from
/// exp and log at a rational point, by the Lindemann-Weierstrass theorem) the loop terminates
/// long before; the precision needed is about twice the format's precision plus a few dozen
/// bits. The Gaussian and gelu_tanh values (which involve pi and erf) have no such theorem; if
/// an enclosure of width `2^-MAX_PREC` still straddles a rounding boundary, the result is the
/// rounding of a value just above the enclosure's lower end, with the inexact flag.
pub(crate) const MAX_PREC: i64 = 1 << 14;

/// The rounding of a value just above (`Dir::Up`) or just below (`Dir::Down`) the magnitude
/// `mag >= 0`, with sign `sign`: every value strictly between `mag` and the next or previous
/// breakpoint rounds this way.
fn round_beside(env: &Env, fmt: &Format, sign: bool, mag: &Dy, side: Dir) -> Rounded<u128> {
    let p = i64::from(fmt.p());
    if mag.is_zero() {
        // Every value in (0, 2^(qmin - 8)) rounds to zero, tiny and inexact.
        let sig = 1u128 << (p + 1);
        return round_pack(env, fmt, sign, sig, i64::from(fmt.qmin()) - 8 - (p + 1), true);
    }
    let m = mag.m.magnitude();
    let k = (p + 3 - bit_len(m)).max(0);
    let mut sig: BigUint = m << usize::try_from(k).expect("small shift");
    if side == Dir::Down {
        sig -= 1u32;
    }
    round_big(env, fmt, sign, &sig, mag.e - k, true)
}

/// The correctly rounded result of a value known to lie strictly inside `iv` and to be
/// inexact, if all such values round alike (with the same flags); `None` otherwise.
pub(crate) fn decide(env: &Env, fmt: &Format, iv: &Iv) -> Option<Rounded<u128>> {
    let (sign, lo, hi) = if !iv.lo.is_neg() {
        (false, iv.lo.clone(), iv.hi.clone())
    } else if !iv.hi.is_pos() {
        (true, iv.hi.neg(), iv.lo.neg())
    } else {
        return None;
    };
    if hi.is_zero() {
        return None;
    }
    let a = round_beside(env, fmt, sign, &lo, Dir::Up);
    let b = round_beside(env, fmt, sign, &hi, Dir::Down);
    (a == b).then_some(a)
}

/// The Ziv loop: evaluates the enclosure `f(w)` at rising working precision `w` until it
/// decides the rounding. `f` must enclose a value that is not exactly representable and not a
/// midpoint (callers handle the exact cases first).
pub(crate) fn ziv(env: &Env, fmt: &Format, f: impl Fn(i64) -> Option<Iv>) -> Rounded<u128> {
    let mut w = i64::from(fmt.p()) + 20;
    let mut last = None;
    loop {
        if let Some(iv) = f(w) {
            if let Some(r) = decide(env, fmt, &iv) {
                return r;
            }
            last = Some(iv);
        }
        if w >= MAX_PREC {
            break;
        }
        w = (w * 2).min(MAX_PREC);
    }
    match last {
        Some(iv) if !iv.lo.is_neg() => round_beside(env, fmt, false, &iv.lo, Dir::Up),
        Some(iv) => round_beside(env, fmt, true, &iv.lo.neg(), Dir::Down),
        None => nan::invalid(env, fmt),
    }
}

/// An operand of a one-argument function, classified.
pub(crate) enum Arg {
    /// A NaN operand: the result is already known.
    Nan(Rounded<u128>),
    /// A zero with its sign.
    Zero(bool),
    /// An infinity with its sign.
    Inf(bool),
    /// A finite nonzero value.
    Finite(Dy),
}

/// Classifies the operand `x`; NaNs propagate by the environment's NaN policy.
pub(crate) fn arg(env: &Env, fmt: &Format, x: u128) -> Arg {
    let u = fmt.unpack(x);
    match u.kind {
        Kind::Nan { .. } => Arg::Nan(nan::propagate(env, fmt, &[(fmt, u)])),
        Kind::Zero => Arg::Zero(u.sign),
        Kind::Inf => Arg::Inf(u.sign),
        Kind::Finite { sig, exp } => Arg::Finite(Dy::from_parts(u.sign, sig, i64::from(exp))),
    }
}

/// The exact value `(-1)^sign * sig * 2^exp` rounded once (exact in most formats).
pub(crate) fn exact(env: &Env, fmt: &Format, sign: bool, sig: u128, exp: i64) -> Rounded<u128> {
    round_pack(env, fmt, sign, sig, exp, false)
}

/// The exact dyadic `x` rounded once.
pub(crate) fn exact_dy(env: &Env, fmt: &Format, x: &Dy) -> Rounded<u128> {
    if x.is_zero() {
        return Rounded::exact(fmt.zero(false));
    }
    round_big(env, fmt, x.is_neg(), x.m.magnitude(), x.e, false)
}

/// +-1, rounded once.
pub(crate) fn one(env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
    exact(env, fmt, sign, 1, 0)
}

/// An infinite result with the given sign (formats without infinities follow the overflow
/// policy, as exact infinities do everywhere).
pub(crate) fn infinity(env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
    Rounded::exact(nan::infinity(env, fmt, sign))
}

/// A signed zero.
pub(crate) fn zero(fmt: &Format, sign: bool) -> Rounded<u128> {
    Rounded::exact(fmt.zero(sign))
}

/// Whether `v >= k`.
pub(crate) fn at_least(v: &Dy, k: i64) -> bool {
    Dy::int(k).le(v)
}

/// The format's `p` and `qmin` (the exponent of the smallest subnormal) as `i64`.
pub(crate) fn p_qmin(fmt: &Format) -> (i64, i64) {
    (i64::from(fmt.p()), i64::from(fmt.qmin()))
}

/// The result of a value known to lie strictly between `a` and `a + 2^g` (`above`) or
/// between `a - 2^g` and `a`, if that decides it. This is how saturated arguments are handled
/// from a crude bound without any multiprecision work, for example `sigmoid(x)` in
/// `(1 - 2^-(p+4), 1)` once `e^-x < 2^-x <= 2^-(p+4)`.
pub(crate) fn beside_point(
    env: &Env,
    fmt: &Format,
    a: &Dy,
    g: i64,
    above: bool,
) -> Option<Rounded<u128>> {
    let step = Dy::pow2(g);
    let iv = if above {
        Iv::new(a.clone(), a.add_exact(&step))
    } else {
        Iv::new(a.add_exact(&step.neg()), a.clone())
    };
    decide(env, fmt, &iv)
}

/// A value strictly between 0 and `2^(qmin-3)` in magnitude (positive unless `negative`):
/// it rounds to a zero with the inexact and underflow flags.
pub(crate) fn below_subnormals(env: &Env, fmt: &Format, negative: bool) -> Option<Rounded<u128>> {
    let (_, qmin) = p_qmin(fmt);
    beside_point(env, fmt, &Dy::zero(), qmin - 3, !negative)
}

/// The result `x + d` for an exact `x` on the rounding grid of `fmt` (a value of the format
/// or a midpoint between two) and a correction `d` with `0 < d <= dh` (`positive`) or
/// `-dh <= d < 0`, when `dh` is far below the grid spacing: every value strictly between `x`
/// and `x + 2^g` (or `x - 2^g`) rounds like `x + d`. `None` when `dh` is not small enough.
pub(crate) fn grid_point_plus(
    env: &Env,
    fmt: &Format,
    x: &Dy,
    dh: &Dy,
    positive: bool,
) -> Option<Rounded<u128>> {
    let p = i64::from(fmt.p());
    // Breakpoints near x are multiples of 2^(q-2), q the quantum of x's binade.
    let g = (x.top() - p).max(i64::from(fmt.qmin())) - 3;
    if !dh.lt(&Dy::pow2(g)) {
        return None;
    }
    beside_point(env, fmt, x, g, positive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Flags;
    use num_bigint::BigInt;

    #[test]
    fn open_intervals_round_by_their_side() {
        let env = Env::default();
        let fmt = Format::parse("binary16").expect("named");
        // (1, 1 + 2^-20): rounds to 1, inexact.
        let iv = Iv::new(Dy::int(1), Dy::new(BigInt::from((1 << 20) + 1), -20));
        let r = decide(&env, &fmt, &iv).expect("decided");
        assert_eq!((r.value, r.flags), (0x3c00, Flags::INEXACT));
        // (1 + 2^-11 - 2^-30, 1 + 2^-11): just below the midpoint above 1: rounds to 1.
        let mid = Dy::new(BigInt::from((1 << 11) + 1), -11);
        let below = mid.add(&Dy::pow2(-30).neg(), 64, Dir::Down);
        let r = decide(&env, &fmt, &Iv::new(below, mid.clone())).expect("decided");
        assert_eq!(r.value, 0x3c00);
        // (mid, mid + 2^-30): rounds up.
        let above = mid.add(&Dy::pow2(-30), 64, Dir::Up);
        let r = decide(&env, &fmt, &Iv::new(mid.clone(), above)).expect("decided");
        assert_eq!(r.value, 0x3c01);
        // Straddling the midpoint: undecided.
        let lo = mid.add(&Dy::pow2(-30).neg(), 64, Dir::Down);
        let hi = mid.add(&Dy::pow2(-30), 64, Dir::Up);
        assert!(decide(&env, &fmt, &Iv::new(lo, hi)).is_none());
        // (-2^-40, 0): -0 with inexact and underflow.
        let r = decide(&env, &fmt, &Iv::new(Dy::pow2(-40).neg(), Dy::zero())).expect("decided");
        assert_eq!((r.value, r.flags), (0x8000, Flags::INEXACT.union(Flags::UNDERFLOW)));
    }
}
