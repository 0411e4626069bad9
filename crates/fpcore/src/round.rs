//! The single rounding routine: an exact (or exactly sticky) value in, an encoded result out.
//!
//! docs/semantics.md §2: round to nearest, ties to even; overflow to infinity, NaN or the largest
//! finite value by policy; underflow flagged when tiny and inexact, tininess per [`Env`].

use crate::env::{Env, OverflowPolicy, Tininess};
use crate::flags::{Flags, Rounded};
use crate::format::{Format, Specials};
use crate::nan;

/// Outcome of cutting a significand at a bit position.
struct Cut {
    /// The kept significand, already rounded to nearest even.
    sig: u128,
    /// Whether anything nonzero was discarded.
    inexact: bool,
}

/// Rounds `(sig + s) * 2^exp` (where `0 < s < 1` iff `sticky`) to an integer multiple of `2^q`,
/// ties to even: to the even multiple, or with `odd_code` (p = 1 formats whose ties go to the
/// even encoding, docs/semantics.md §2.1) away from a kept 1 exactly when it is odd. Requires
/// `q > exp` when `sticky`.
fn cut(sig: u128, exp: i64, sticky: bool, q: i64, odd_code: Option<bool>) -> Cut {
    if q <= exp {
        debug_assert!(!sticky, "sticky bits need a rounding position above them");
        let shift = exp - q;
        debug_assert!(shift < 128 && sig.leading_zeros() as i64 >= shift, "exact shift overflows");
        return Cut { sig: sig << shift, inexact: false };
    }
    let shift = q - exp;
    let (kept, half, below) = if shift > 128 {
        (0, false, sig != 0 || sticky)
    } else if shift == 128 {
        (0, sig >> 127 == 1, sig & (u128::MAX >> 1) != 0 || sticky)
    } else {
        let kept = sig >> shift;
        let half = (sig >> (shift - 1)) & 1 == 1;
        let below = sig & ((1u128 << (shift - 1)) - 1) != 0 || sticky;
        (kept, half, below)
    };
    let odd = match odd_code {
        Some(odd) => kept == 1 && odd,
        None => kept & 1 == 1,
    };
    let round_up = half && (below || odd);
    Cut { sig: kept + u128::from(round_up), inexact: half || below }
}

/// Rounds the value `(-1)^sign * (sig + s) * 2^exp` to `fmt`, where `0 < s < 1` exactly when
/// `sticky` is set, and encodes it. With `sticky` set, `sig` must have at least `p + 1`
/// significant bits so that the rounding position lies above the sticky bits.
/// A zero `sig` (and no sticky) gives a zero of the given sign.
///
/// Formats without zero (`e8m0fnu`) give their smallest value for a positive result that
/// rounds to zero, and NaN with invalid for an exact zero; unsigned formats give NaN with
/// invalid for a negative result that does not round to zero (docs/semantics.md §1.2).
pub(crate) fn round_pack(
    env: &Env,
    fmt: &Format,
    sign: bool,
    sig: u128,
    exp: i64,
    sticky: bool,
) -> Rounded<u128> {
    if sig == 0 {
        assert!(!sticky, "round_pack: sticky bits below a zero significand");
        return zero(env, fmt, sign);
    }
    let p = i64::from(fmt.p());
    let n_bits = i64::from(128 - sig.leading_zeros());
    // Exponent of the leading bit of the value (its binade).
    let lead = exp + n_bits - 1;
    let qmin = i64::from(fmt.qmin());
    let q = (lead - (p - 1)).max(qmin);
    assert!(!sticky || q > exp, "round_pack: sticky value with too few significant bits");
    let exact_sig = sig;
    // The parity of the encoding a kept 1 at position q has (p = 1: code q + bias).
    let odd_code = |q: i64| fmt.code_ties().then(|| (q + i64::from(fmt.bias())) & 1 == 1);
    let Cut { mut sig, inexact } = cut(exact_sig, exp, sticky, q, odd_code(q));
    let mut q = q;
    if sig >> fmt.p() == 1 {
        // Rounding carried into the next binade.
        sig >>= 1;
        q += 1;
    }
    let mut flags = if inexact { Flags::INEXACT } else { Flags::NONE };

    let emin = i64::from(fmt.emin());
    if inexact {
        let tiny = match env.tininess {
            Tininess::BeforeRounding => lead < emin,
            Tininess::AfterRounding => {
                if lead < emin - 1 {
                    true
                } else if lead == emin - 1 {
                    // Round to p bits with an unbounded exponent range: tiny unless that
                    // reaches 2^emin.
                    let q = lead - (p - 1);
                    let unbounded = cut(exact_sig, exp, sticky, q, odd_code(q));
                    unbounded.sig >> fmt.p() == 0
                } else {
                    false
                }
            }
        };
        if tiny {
            flags = flags.union(Flags::UNDERFLOW);
        }
    }

    if sign && (sig != 0 || !fmt.has_zero()) && !fmt.is_signed() {
        return nan::invalid(env, fmt);
    }
    if sig == 0 && !fmt.has_zero() {
        // The nearest value of a format without zero to a tiny positive one is its least.
        sig = 1;
    }
    let qmax = i64::from(fmt.qmax());
    if q > qmax || (q == qmax && sig > fmt.max_sig()) {
        return overflow(env, fmt, sign);
    }
    let q = i32::try_from(q).expect("exponent within the format's range");
    Rounded::new(fmt.pack_finite(sign, sig, q), flags)
}

/// An exact zero result with the given sign: the format's zero, or NaN with invalid in a
/// format without zero (`e8m0fnu`, as ml_dtypes gives NaN for zero).
pub(crate) fn zero(env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
    if fmt.has_zero() {
        Rounded::exact(fmt.zero(sign))
    } else {
        nan::invalid(env, fmt)
    }
}

/// The result of an overflow with the given sign, by format and policy. Unsigned formats
/// give NaN with invalid for a negative one.
pub(crate) fn overflow(env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
    if sign && !fmt.is_signed() {
        return nan::invalid(env, fmt);
    }
    let flags = Flags::OVERFLOW.union(Flags::INEXACT);
    let value = match (env.overflow, fmt.specials()) {
        (OverflowPolicy::Saturate | OverflowPolicy::SatFinite, _) | (_, Specials::FiniteOnly) => {
            fmt.max_finite(sign)
        }
        (OverflowPolicy::Ieee, Specials::Ieee | Specials::FnuzInf | Specials::NanInf) => {
            fmt.inf(sign).expect("formats of these kinds have infinities")
        }
        // The overflowed value is lost: the NaN follows the NaN policy like any made NaN.
        (OverflowPolicy::Ieee, Specials::NanOnly | Specials::Fnuz) => {
            nan::lost_infinity(env, fmt, sign)
        }
    };
    Rounded::new(value, flags)
}
