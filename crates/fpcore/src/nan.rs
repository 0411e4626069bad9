//! NaN results and exact infinities: which bit pattern an operation returns when its result is
//! NaN or an exact infinity, by [`NanPolicy`] and by the format's specials.

use crate::env::{Env, NanPolicy, OverflowPolicy};
use crate::flags::{Flags, Rounded};
use crate::format::{Format, Specials};
use crate::value::{Kind, Unpacked};

impl NanPolicy {
    /// Whether the policy models binary32 arithmetic converted by ml_dtypes: NaN signs kept,
    /// payloads dropped ([`NanPolicy::XlaCpu`], [`NanPolicy::MlDtypes`]).
    fn drops_payload(self) -> bool {
        matches!(self, NanPolicy::XlaCpu | NanPolicy::MlDtypes)
    }
}

/// Which NaN operand's sign a binary operation of ml_dtypes keeps ([`NanPolicy::MlDtypes`]).
/// ml_dtypes computes in binary32 with compiled code whose operand order is the compiler's,
/// so the rule depends on the operation and, between bfloat16 and the narrow types, on the
/// build; these are the rules of its x86-64 wheels, checked exhaustively in the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MlSign {
    /// The first NaN operand's sign (IEEE operand order).
    First,
    /// The last NaN operand's sign.
    Last,
    /// The first operand's sign when it is a NaN; otherwise positive.
    FirstElsePositive,
}

impl MlSign {
    /// The rule of addition (`sub` false) or subtraction in `fmt`.
    pub(crate) fn add(fmt: &Format, sub: bool) -> MlSign {
        match (fmt.bits() <= 8, sub) {
            (true, _) => MlSign::FirstElsePositive,
            (false, false) => MlSign::Last,
            (false, true) => MlSign::First,
        }
    }
}

/// The NaN result of a binary operation with at least one NaN operand: as [`propagate`], with
/// `rule` choosing the sign under [`NanPolicy::MlDtypes`].
pub(crate) fn propagate2(
    env: &Env,
    fmt: &Format,
    a: Unpacked,
    b: Unpacked,
    rule: MlSign,
) -> Rounded<u128> {
    let r = propagate(env, fmt, &[(fmt, a), (fmt, b)]);
    if env.nan != NanPolicy::MlDtypes || !fmt.has_nan() {
        return r;
    }
    let sign = match rule {
        MlSign::First => {
            if a.is_nan() {
                a.sign
            } else {
                b.sign
            }
        }
        MlSign::Last => {
            if b.is_nan() {
                b.sign
            } else {
                a.sign
            }
        }
        MlSign::FirstElsePositive => a.is_nan() && a.sign,
    };
    Rounded::new(fmt.quiet_nan(sign, 0), r.flags)
}

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
    let first = operands.iter().find(|(_, u)| u.is_nan());
    let (_, first_nan) = first.expect("propagate is called with a NaN operand");
    if !dst.has_nan() {
        flags = flags.union(Flags::INVALID);
        // ml_dtypes' conversion of a NaN to a finite-only format: the zero of the other sign.
        let sign = env.nan.drops_payload() && !first_nan.sign;
        return Rounded::new(dst.zero(sign), flags);
    }
    let value = match env.nan {
        NanPolicy::Canonical | NanPolicy::ArmDefaultNan => {
            dst.canonical_nan().expect("format has NaN")
        }
        NanPolicy::XlaCpu | NanPolicy::MlDtypes => dst.quiet_nan(first_nan.sign, 0),
        NanPolicy::X86Sse => {
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
        NanPolicy::X86Sse | NanPolicy::XlaCpu | NanPolicy::MlDtypes => dst.quiet_nan(true, 0),
    }
}

/// The NaN that stands for an infinite result of the given sign (an overflow, or an exact
/// infinity) in a format without infinities that has NaNs: the NaN policy's made NaN, except
/// under [`NanPolicy::XlaCpu`] and [`NanPolicy::MlDtypes`], whose NaN keeps the result's sign.
pub(crate) fn lost_infinity(env: &Env, dst: &Format, sign: bool) -> u128 {
    if env.nan.drops_payload() && dst.has_nan() {
        return dst.quiet_nan(sign, 0);
    }
    generated(env, dst)
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
        (Specials::FiniteOnly, _) | (_, OverflowPolicy::Saturate | OverflowPolicy::SatFinite) => {
            dst.max_finite(sign)
        }
        (Specials::NanOnly | Specials::Fnuz, OverflowPolicy::Ieee) => lost_infinity(env, dst, sign),
    }
}
