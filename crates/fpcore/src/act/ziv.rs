//! Rounding an enclosure once: whether an interval determines the rounded result, the Ziv loop
//! that raises the working precision until it does, and the results decided from a crude
//! bound without it (saturated arguments, a correction far below the spacing of a grid point).
//!
//! Every result goes through the single rounding routine (`round_pack`, via
//! [`crate::reference::round_big`]), so overflow, underflow, saturation and formats without
//! infinities behave as in every other operation (docs/semantics.md §2).

use num_bigint::BigUint;

use super::mp::{bit_len, Dir, Dy, Iv};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::ops::nan;
use crate::reference::round_big;
use crate::round::round_pack;

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

/// Whether `v >= k`.
pub(crate) fn at_least(v: &Dy, k: i64) -> bool {
    Dy::int(k).le(v)
}

/// The format's `p` and `qmin` (the exponent of the smallest subnormal) as `i64`.
fn p_qmin(fmt: &Format) -> (i64, i64) {
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

/// The value a function approaches at a saturated argument.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Limit<'a> {
    /// 0, with tolerance `2^(qmin-3)`: such values round to a zero, inexact and tiny.
    Zero,
    /// 1 (or -1 with `true`), with tolerance `2^-(p+4)`.
    One(bool),
    /// The operand `x` itself, with tolerance `2^(top(x) - p - 4)`.
    Operand(&'a Dy),
}

/// The result of a value known to lie strictly between `limit` and `limit +- 2^(lead - decay)`
/// (above `limit` if `above`), when that bound decides it: once `decay >= lead - g`, with
/// `2^g` the limit's tolerance (see [`Limit`]), the value lies beside the limit by less than
/// `2^g` and [`beside_point`] rounds it. This is how saturated arguments are handled from
/// `e^-t < 2^-t` alone, without multiprecision work; `None` when the bound is too wide or does
/// not decide.
pub(crate) fn saturated(
    env: &Env,
    fmt: &Format,
    limit: Limit<'_>,
    above: bool,
    lead: i64,
    decay: &Dy,
) -> Option<Rounded<u128>> {
    let (p, qmin) = p_qmin(fmt);
    let (point, g) = match limit {
        Limit::Zero => (Dy::zero(), qmin - 3),
        Limit::One(negative) => (Dy::int(if negative { -1 } else { 1 }), -(p + 4)),
        Limit::Operand(x) => (x.clone(), x.top() - p - 4),
    };
    if !at_least(decay, lead - g) {
        return None;
    }
    beside_point(env, fmt, &point, g, above)
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
        let fmt = Format::BINARY16;
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

    #[test]
    fn saturated_tails_need_a_decay_beyond_the_tolerance() {
        let env = Env::default();
        let fmt = Format::BINARY16;
        let (p, qmin) = (11, -24);
        // Below 1 by less than 2^-(p+4): 1, inexact; one short of the decay: undecided.
        let r = saturated(&env, &fmt, Limit::One(false), false, 0, &Dy::int(p + 4));
        assert_eq!(r.map(|r| (r.value, r.flags)), Some((0x3c00, Flags::INEXACT)));
        assert!(saturated(&env, &fmt, Limit::One(false), false, 0, &Dy::int(p + 3)).is_none());
        // Above -1: -1, inexact.
        let r = saturated(&env, &fmt, Limit::One(true), true, 0, &Dy::int(p + 4));
        assert_eq!(r.map(|r| r.value), Some(0xbc00));
        // Just below 0, with a lead of 2: -0, inexact and tiny.
        let r = saturated(&env, &fmt, Limit::Zero, false, 2, &Dy::int(2 - qmin + 3));
        assert_eq!(
            r.map(|r| (r.value, r.flags)),
            Some((0x8000, Flags::INEXACT | Flags::UNDERFLOW))
        );
        assert!(saturated(&env, &fmt, Limit::Zero, false, 2, &Dy::int(1 - qmin + 3)).is_none());
        // Just below x = 96 (top 7), within 2^(7 - decay): 96, inexact.
        let x = Dy::int(96);
        let r = saturated(&env, &fmt, Limit::Operand(&x), false, 7, &Dy::int(p + 4));
        assert_eq!(r.map(|r| (r.value, r.flags)), Some((0x5600, Flags::INEXACT)));
    }
}
