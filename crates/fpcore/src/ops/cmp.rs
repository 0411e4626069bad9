//! Comparisons (IEEE 754-2019 §5.11), totalOrder (§5.10) and minimum/maximum (§9.6).

use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::nan;
use crate::value::{Kind, Unpacked};

/// The result of comparing two values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ordering {
    /// a < b.
    Less,
    /// a == b (including +0 == -0).
    Equal,
    /// a > b.
    Greater,
    /// At least one operand is NaN.
    Unordered,
}

/// The ordering of two non-NaN encodings, via their sign-magnitude value. Encodings of one
/// format are monotonic in their magnitude bits (subnormals, normals, infinity).
fn order_non_nan(fmt: &Format, a: u128, ua: Unpacked, b: u128, ub: Unpacked) -> Ordering {
    if ua.is_zero() && ub.is_zero() {
        return Ordering::Equal;
    }
    let key = |bits: u128, u: Unpacked| -> i128 {
        if u.is_zero() {
            return 0;
        }
        let mag = (bits & fmt.mag_mask()) as i128;
        if u.sign {
            -mag
        } else {
            mag
        }
    };
    match key(a, ua).cmp(&key(b, ub)) {
        std::cmp::Ordering::Less => Ordering::Less,
        std::cmp::Ordering::Equal => Ordering::Equal,
        std::cmp::Ordering::Greater => Ordering::Greater,
    }
}

/// compareQuiet (IEEE 754-2019 §5.11, as used by ==, != and the quiet predicates): the
/// ordering of the values, +0 equal to -0; unordered when either operand is NaN, with invalid
/// only for signaling NaNs.
pub fn compare(fmt: &Format, a: u128, b: u128) -> Rounded<Ordering> {
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    if ua.is_nan() || ub.is_nan() {
        let flags = if ua.is_snan() || ub.is_snan() { Flags::INVALID } else { Flags::NONE };
        return Rounded::new(Ordering::Unordered, flags);
    }
    Rounded::exact(order_non_nan(fmt, a & fmt.mask(), ua, b & fmt.mask(), ub))
}

/// compareSignaling (IEEE 754-2019 §5.11, as used by <, <=, >, >=): as [`compare`], but
/// invalid whenever either operand is NaN, quiet or signaling.
pub fn compare_signaling(fmt: &Format, a: u128, b: u128) -> Rounded<Ordering> {
    let r = compare(fmt, a, b);
    if r.value == Ordering::Unordered {
        return Rounded::new(Ordering::Unordered, Flags::INVALID);
    }
    r
}

/// IEEE 754-2019 §5.10 totalOrder(a, b): whether a orders at or below b. Orders
/// -NaN < -inf < ... < -0 < +0 < ... < +inf < +NaN, NaNs by payload (signaling below quiet
/// for positive NaNs, above for negative ones), i.e. by the sign-magnitude value of the
/// encoding.
///
/// FNUZ formats (e4m3fnuz, e5m2fnuz): the single NaN `1000...0` has its sign bit set and
/// orders below every number, like a negative NaN (its sign-magnitude value, -0, would put it
/// between the negative numbers and +0). This is a choice: IEEE 754 has no unsigned NaN; it
/// agrees with the sign the NaN decodes to ([`crate::Unpacked::sign`]) and with
/// [`crate::copysign`].
pub fn total_order(fmt: &Format, a: u128, b: u128) -> bool {
    let sign_bit = fmt.sign_mask();
    // (0, !magnitude) for negative encodings, (1, magnitude) for positive ones; FNUZ's NaN
    // gets (0, 0), below every negative encoding (whose !magnitude is at least 2^127).
    let key = |bits: u128| -> (u8, u128) {
        let bits = bits & fmt.mask();
        let mag = bits & !sign_bit;
        if fmt.is_fnuz() && bits == sign_bit {
            (0, 0)
        } else if bits & sign_bit != 0 {
            (0, !mag)
        } else {
            (1, mag)
        }
    };
    key(a) <= key(b)
}

fn pick(env: &Env, fmt: &Format, a: u128, b: u128, want_max: bool, number: bool) -> Rounded<u128> {
    let (ua, ub) = (fmt.unpack(a), fmt.unpack(b));
    let signaling = ua.is_snan() || ub.is_snan();
    if ua.is_nan() || ub.is_nan() {
        if number && !(ua.is_nan() && ub.is_nan()) {
            let other = if ua.is_nan() { b } else { a };
            let flags = if signaling { Flags::INVALID } else { Flags::NONE };
            return Rounded::new(other & fmt.mask(), flags);
        }
        return nan::propagate(env, fmt, &[(fmt, ua), (fmt, ub)]);
    }
    let (a, b) = (a & fmt.mask(), b & fmt.mask());
    // -0 orders below +0 here (IEEE 754-2019 §9.6).
    let ord = match order_non_nan(fmt, a, ua, b, ub) {
        Ordering::Equal if ua.kind == Kind::Zero => {
            if ua.sign == ub.sign {
                Ordering::Equal
            } else if ua.sign {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        other => other,
    };
    let a_wins = match ord {
        Ordering::Less => !want_max,
        Ordering::Greater => want_max,
        _ => true,
    };
    Rounded::exact(if a_wins { a } else { b })
}

/// IEEE 754-2019 §9.6 minimum: the lesser operand, -0 below +0; `a` when both are equal.
/// NaN if either operand is NaN (the NaN of the environment's [`crate::NanPolicy`]); invalid
/// only for a signaling NaN operand.
pub fn minimum(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    pick(env, fmt, a, b, false, false)
}

/// IEEE 754-2019 §9.6 maximum: the greater operand, +0 above -0; otherwise as [`minimum`].
pub fn maximum(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    pick(env, fmt, a, b, true, false)
}

/// IEEE 754-2019 §9.6 minimumNumber: as [`minimum`], but a NaN operand is ignored unless both
/// are NaN: one NaN gives the other operand (unchanged), with invalid when the NaN is
/// signaling; two NaNs give a NaN as [`minimum`] does. Unlike 2008's minNum, -0 orders below
/// +0.
pub fn minimum_number(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    pick(env, fmt, a, b, false, true)
}

/// IEEE 754-2019 §9.6 maximumNumber: as [`minimum_number`] for the greater operand.
pub fn maximum_number(env: &Env, fmt: &Format, a: u128, b: u128) -> Rounded<u128> {
    pick(env, fmt, a, b, true, true)
}
