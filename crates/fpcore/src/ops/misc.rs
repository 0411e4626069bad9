//! Sign operations (IEEE 754-2019 §5.5.1: quiet, no flags) and nextUp/nextDown (§5.3.1).

use crate::env::Env;
use crate::flags::Rounded;
use crate::format::{Format, Specials};
use crate::ops::nan;
use crate::value::Kind;

fn sign_bit(fmt: &Format) -> u128 {
    1u128 << (fmt.bits() - 1)
}

/// Whether the sign of this pattern can change (FNUZ zero and NaN have no sign).
fn signless(fmt: &Format, a: u128) -> bool {
    fmt.specials() == Specials::Fnuz && a & (fmt.mask() >> 1) == 0
}

/// negate: flips the sign bit (FNUZ zero and NaN are unchanged).
pub fn neg(fmt: &Format, a: u128) -> u128 {
    let a = a & fmt.mask();
    if signless(fmt, a) {
        a
    } else {
        a ^ sign_bit(fmt)
    }
}

/// abs: clears the sign bit (FNUZ NaN is unchanged).
pub fn abs(fmt: &Format, a: u128) -> u128 {
    let a = a & fmt.mask();
    if signless(fmt, a) {
        a
    } else {
        a & !sign_bit(fmt)
    }
}

/// copySign: `a` with the sign bit of `b` (FNUZ zero and NaN of `a` are unchanged).
pub fn copysign(fmt: &Format, a: u128, b: u128) -> u128 {
    let a = a & fmt.mask();
    if signless(fmt, a) {
        a
    } else {
        (a & !sign_bit(fmt)) | (b & sign_bit(fmt))
    }
}

fn step(env: &Env, fmt: &Format, a: u128, up: bool) -> Rounded<u128> {
    let u = fmt.unpack(a);
    let a = a & fmt.mask();
    let mag = a & (fmt.mask() >> 1);
    let value = match u.kind {
        Kind::Nan { .. } => return nan::propagate(env, fmt, &[(fmt, u)]),
        Kind::Inf if u.sign != up => a,
        // nextUp(-inf) is -max; nextDown(+inf) is +max.
        Kind::Inf => fmt.max_finite(u.sign),
        Kind::Zero => fmt.min_positive(!up),
        Kind::Finite { .. } if u.sign != up => {
            // Moving away from zero.
            if a == fmt.max_finite(u.sign) {
                nan::infinity(env, fmt, u.sign)
            } else {
                a + 1
            }
        }
        Kind::Finite { .. } if mag == 1 => fmt.zero(u.sign),
        Kind::Finite { .. } => a - 1,
    };
    Rounded::exact(value)
}

/// nextUp: the least value above `a`. Past the largest finite value: infinity where the format
/// has one, otherwise as an overflow would give (NaN, or the largest finite value when
/// saturating or finite-only). NaN operands propagate.
pub fn next_up(env: &Env, fmt: &Format, a: u128) -> Rounded<u128> {
    step(env, fmt, a, true)
}

/// nextDown: the greatest value below `a` (see [`next_up`]).
pub fn next_down(env: &Env, fmt: &Format, a: u128) -> Rounded<u128> {
    step(env, fmt, a, false)
}
