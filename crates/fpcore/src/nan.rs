//! NaN results and exact infinities: which bit pattern an operation returns when its result is
//! NaN or an exact infinity, by [`NanPolicy`] and by the format's specials.

use crate::env::{Env, NanPolicy, OverflowPolicy};
use crate::flags::{Flags, Rounded};
use crate::format::{Format, Specials};
use crate::value::{Kind, Unpacked};

/// The NaN result of an operation whose operands include at least one NaN. `operands` are in
/// operand order, each with its own format. Raises invalid when any operand is signaling.
///
/// Finite-only destinations have no NaN: the result is +0 with the invalid flag.
pub(crate) fn propagate(
    env: &Env,
    dst: &Format,
    operands: &[(&Format, Unpacked)],
) -> Rounded<u128> {
    let signaling = operands.iter().any(|(_, u)| u.is_snan());
    let mut flags = if signaling { Flags::INVALID } else { Flags::NONE };
    if !dst.has_nan() {
        flags = flags.union(Flags::INVALID);
        return Rounded::new(dst.zero(false), flags);
    }
    let value = match env.nan {
        NanPolicy::Canonical | NanPolicy::ArmDefaultNan => {
            dst.canonical_nan().expect("format has NaN")
        }
        NanPolicy::X86Sse => {
            let first = operands.iter().find(|(_, u)| u.is_nan());
            let (src, u) = first.expect("propagate is called with a NaN operand");
            let Kind::Nan { frac, .. } = u.kind else { unreachable!("found a NaN") };
            let (src_bits, dst_bits) = (src.frac_bits(), dst.frac_bits());
            // Payload aligned at the top of the fraction, as x86 conversions do.
            let payload = if dst_bits >= src_bits {
                frac << (dst_bits - src_bits)
            } else {
                frac >> (src_bits - dst_bits)
            };
            dst.quiet_nan(u.sign, payload)
        }
    };
    Rounded::new(value, flags)
}

/// The NaN an operation makes without a NaN operand, by policy: the canonical NaN, or x86's
/// negative default NaN. Finite-only destinations have none: +0.
pub(crate) fn generated(env: &Env, dst: &Format) -> u128 {
    if !dst.has_nan() {
        return dst.zero(false);
    }
    match env.nan {
        NanPolicy::Canonical | NanPolicy::ArmDefaultNan => {
            dst.canonical_nan().expect("format has NaN")
        }
        NanPolicy::X86Sse => dst.quiet_nan(true, 0),
    }
}

/// The NaN made by an invalid operation with no NaN operand (inf - inf, 0 * inf, sqrt(-1) ...).
/// Finite-only destinations give +0; the invalid flag is raised in every case.
pub(crate) fn invalid(env: &Env, dst: &Format) -> Rounded<u128> {
    Rounded::new(generated(env, dst), Flags::INVALID)
}

/// An exact infinite result (a finite nonzero divided by zero, an infinite operand passed
/// through) with the given sign, in a format that may lack infinities: infinity where the
/// format has it; otherwise the largest finite value when saturating or finite-only, and the
/// NaN policy's NaN when not (an infinity has no NaN encoding to keep its sign in).
///
/// Unsigned formats have no negative value: -inf gives the NaN policy's NaN.
pub(crate) fn infinity(env: &Env, dst: &Format, sign: bool) -> u128 {
    if sign && !dst.is_signed() {
        return generated(env, dst);
    }
    match (dst.specials(), env.overflow) {
        (Specials::Ieee | Specials::FnuzInf | Specials::NanInf, _) => {
            dst.inf(sign).expect("formats of these kinds have infinities")
        }
        (Specials::FiniteOnly, _) | (_, OverflowPolicy::Saturate) => dst.max_finite(sign),
        (Specials::NanOnly | Specials::Fnuz, OverflowPolicy::Ieee) => generated(env, dst),
    }
}
