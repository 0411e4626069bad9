//! Sign operations (IEEE 754-2019 §5.5.1: quiet, no flags) and nextUp/nextDown (§5.3.1).

use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::nan;
use crate::value::Kind;

fn sign_bit(fmt: &Format) -> u128 {
    fmt.sign_mask()
}

/// Whether the sign of this pattern can change (FNUZ zero and NaN have no sign; nothing in an
/// unsigned format has one).
fn signless(fmt: &Format, a: u128) -> bool {
    !fmt.is_signed() || (fmt.is_fnuz() && a & fmt.mag_mask() == 0)
}

/// negate (IEEE 754-2019 §5.5.1): flips the sign bit, NaNs included; quiet (no flags, a
/// signaling NaN stays signaling). FNUZ formats have no -0 and one NaN (`1000...0`): their
/// zero and NaN are unchanged. Unsigned formats have no negative value: the negation of a
/// number other than zero is their NaN (zero and NaN are unchanged).
pub fn neg(fmt: &Format, a: u128) -> u128 {
    let a = a & fmt.mask();
    if !fmt.is_signed() {
        let u = fmt.unpack(a);
        return if u.is_zero() || u.is_nan() {
            a
        } else {
            fmt.canonical_nan().expect("unsigned formats have a NaN")
        };
    }
    if signless(fmt, a) {
        a
    } else {
        a ^ sign_bit(fmt)
    }
}

/// abs (IEEE 754-2019 §5.5.1): clears the sign bit, NaNs included; quiet. FNUZ's NaN
/// (`1000...0`) is unchanged; so is every value of an unsigned format.
pub fn abs(fmt: &Format, a: u128) -> u128 {
    let a = a & fmt.mask();
    if signless(fmt, a) {
        a
    } else {
        a & !sign_bit(fmt)
    }
}

/// copySign (IEEE 754-2019 §5.5.1): `a` with the sign bit of `b`, NaNs included; quiet.
///
/// FNUZ formats: a zero or NaN `a` is unchanged (neither has a sign), and `b`'s sign is its
/// sign bit, so FNUZ's NaN `b` (`1000...0`) counts as negative: `copysign(1, NaN)` is -1. This
/// is a choice (IEEE 754 has no unsigned NaN); it agrees with the sign the NaN decodes to
/// ([`crate::Unpacked::sign`]) and with [`crate::total_order`]. In unsigned formats every
/// value is positive: the result is `a`.
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
    let mag = a & fmt.mag_mask();
    let value = match u.kind {
        Kind::Nan { .. } => return nan::propagate(env, fmt, &[(fmt, u)]),
        Kind::Inf if u.sign != up => a,
        // nextUp(-inf) is -max; nextDown(+inf) is +max.
        Kind::Inf => fmt.max_finite(u.sign),
        // Below zero or the least value of an unsigned format lies no value: its NaN.
        Kind::Zero if !up && !fmt.is_signed() => nan::generated(env, fmt),
        Kind::Zero => fmt.min_positive(!up),
        Kind::Finite { .. } if !up && mag == 0 => nan::generated(env, fmt),
        Kind::Finite { .. } if u.sign != up => {
            // Moving away from zero.
            if a == fmt.max_finite(u.sign) {
                nan::infinity(env, fmt, u.sign)
            } else {
                a + 1
            }
        }
        Kind::Finite { .. } if mag == 1 && fmt.has_zero() => fmt.zero(u.sign),
        Kind::Finite { .. } => a - 1,
    };
    Rounded::exact(value)
}

/// nextUp (IEEE 754-2019 §5.3.1): the least value above `a`. nextUp(±0) is the smallest
/// positive subnormal, nextUp(-smallest subnormal) is -0 (+0 in FNUZ formats), nextUp(-inf) is
/// the most negative finite value and nextUp(+inf) is +inf. Quiet: no flags, except invalid
/// for a signaling NaN; NaN operands give the NaN of the environment's [`crate::NanPolicy`].
///
/// Past the largest finite value, in a format without infinities (a choice: IEEE 754 formats
/// always have one), the result is what an overflow gives ([`crate::OverflowPolicy`]): NaN
/// with the operand's sign in NanOnly formats (`0x7F` in e4m3fn, as APFloat's nextUp gives),
/// FNUZ's NaN, or the largest finite value itself in finite-only formats and when saturating.
/// No flag is raised there.
pub fn next_up(env: &Env, fmt: &Format, a: u128) -> Rounded<u128> {
    step(env, fmt, a, true)
}

/// nextDown (IEEE 754-2019 §5.3.1): the greatest value below `a`; nextDown(x) is
/// -nextUp(-x), with the same conventions as [`next_up`] (below the most negative finite value
/// of a format without infinities: `0xFF` in e4m3fn, FNUZ's NaN, or that value itself).
pub fn next_down(env: &Env, fmt: &Format, a: u128) -> Rounded<u128> {
    step(env, fmt, a, false)
}
