//! The modelled environments (docs/semantics.md §7): how an operation runs when its
//! environment reads subnormal operands as zero ([`Env::daz`]), flushes tiny results
//! ([`Env::ftz`]), computes in a wider format and rounds twice ([`Env::via`]) or saturates
//! infinities ([`OverflowPolicy::SatFinite`]). Each is a composition of IEEE 754 operations
//! of fpcore, each rounded once by `round_pack`: the operation itself is passed in and run
//! under [`Env::ieee_part`], where the fast paths may serve it.
//!
//! Also the IEEE 754 conversion between two formats ([`convert_ieee`]), which the model needs
//! for the operands and results of [`Env::via`] and which `ops::convert` runs when nothing is
//! modelled.

use crate::env::{Env, OverflowPolicy};
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::nan;
use crate::round::{overflow, round_pack};
use crate::value::Kind;

/// Whether an operation under `env` runs through [`run`]: some modelling option is set.
#[inline]
pub(crate) fn applies(env: &Env) -> bool {
    !env.is_ieee() || env.overflow == OverflowPolicy::SatFinite
}

/// convertFormat (IEEE 754-2019 §5.4.2): `a` from `src` to `dst`, rounded once. NaNs follow
/// the NaN policy; an infinity converted to a format without infinities is an overflow.
pub(crate) fn convert_ieee(env: &Env, src: &Format, dst: &Format, a: u128) -> Rounded<u128> {
    let u = src.unpack(a);
    match u.kind {
        Kind::Nan { .. } => nan::propagate(env, dst, &[(src, u)]),
        Kind::Inf => match dst.inf(u.sign) {
            Some(bits) => Rounded::exact(bits),
            None => overflow(env, dst, u.sign),
        },
        Kind::Zero => crate::round::zero(env, dst, u.sign),
        Kind::Finite { sig, exp } => round_pack(env, dst, u.sign, sig, i64::from(exp), false),
    }
}

/// Denormals are zero: a subnormal encoding of `fmt` becomes the zero of its sign (+0 in FNUZ
/// formats); every other encoding is kept.
pub(crate) fn daz(fmt: &Format, a: u128) -> u128 {
    let u = fmt.unpack(a);
    match u.kind {
        Kind::Finite { sig, .. } if sig >> fmt.frac_bits() == 0 => fmt.zero(u.sign),
        _ => a,
    }
}

/// Flush to zero: a tiny result `r` of `fmt` becomes the zero of its sign, with underflow and
/// inexact. A result is tiny when it is a nonzero subnormal (an exact subnormal result is tiny
/// under both tininess rules) or when its rounding raised underflow (which `round_pack` raises
/// exactly for inexact tiny results, per the environment's tininess rule; this includes a
/// result that rounded up to the smallest normal magnitude).
pub(crate) fn ftz(fmt: &Format, r: Rounded<u128>) -> Rounded<u128> {
    let u = fmt.unpack(r.value);
    let tiny = match u.kind {
        Kind::Finite { sig, .. } => {
            sig >> fmt.frac_bits() == 0 || r.flags.contains(Flags::UNDERFLOW)
        }
        Kind::Zero | Kind::Inf | Kind::Nan { .. } => false,
    };
    if !tiny {
        return r;
    }
    Rounded::new(fmt.zero(u.sign), r.flags.union(Flags::UNDERFLOW).union(Flags::INEXACT))
}

/// Saturates an infinite result to the largest finite value of its sign when the overflow
/// policy is [`OverflowPolicy::SatFinite`]; no flag is added.
fn sat_finite(env: &Env, fmt: &Format, r: Rounded<u128>) -> Rounded<u128> {
    if env.overflow != OverflowPolicy::SatFinite {
        return r;
    }
    let u = fmt.unpack(r.value);
    if u.is_inf() {
        return Rounded::new(fmt.max_finite(u.sign), r.flags);
    }
    r
}

/// Runs an operation under the modelled environment `env`. `op(ieee, in_fmt, out_fmt,
/// operands)` is the IEEE 754 operation itself (rounded once to `out_fmt`, operands encoded in
/// `in_fmt`); `src` is the operands' format and `dst` the result's.
///
/// # Evaluation order
///
/// With `w = env.via` (or `src`/`dst` when unset), every step under [`Env::ieee_part`]:
/// 1. operands converted to `w` (convertFormat; exact when `w` contains `src`), when `via`;
/// 2. subnormal operands of `w` read as zero, when `daz`;
/// 3. the operation, rounded once to `w`; a tiny result flushed when `ftz`; an infinity
///    saturated under sat-finite;
/// 4. that result converted to `dst` (convertFormat, never flushed), when `via`; an infinity
///    saturated under sat-finite.
///
/// The flags are the union of every step's.
pub(crate) fn run<const N: usize>(
    env: &Env,
    src: &Format,
    dst: &Format,
    operands: [u128; N],
    op: impl FnOnce(&Env, &Format, &Format, [u128; N]) -> Rounded<u128>,
) -> Rounded<u128> {
    let ieee = env.ieee_part();
    let mut flags = Flags::NONE;
    let (w_src, w_dst) = match &env.via {
        Some(w) => (*w, *w),
        None => (*src, *dst),
    };
    let mut xs = operands;
    if let Some(w) = &env.via {
        for x in &mut xs {
            let r = convert_ieee(&ieee, src, w, *x);
            flags |= r.flags;
            *x = r.value;
        }
    }
    if env.daz {
        for x in &mut xs {
            *x = daz(&w_src, *x);
        }
    }
    let mut r = op(&ieee, &w_src, &w_dst, xs);
    if env.ftz {
        r = ftz(&w_dst, r);
    }
    r = sat_finite(env, &w_dst, r);
    flags |= r.flags;
    let mut value = r.value;
    if let Some(w) = &env.via {
        let r = sat_finite(env, dst, convert_ieee(&ieee, w, dst, value));
        flags |= r.flags;
        value = r.value;
    }
    Rounded::new(value, flags)
}

/// A composite definition `f` (a sequence of operations, each modelled on its own) at `x`
/// under the modelled environment `env`: the operand is read as an operation reads it (DAZ in
/// the computing format) and the result goes through the model's last steps (FTZ,
/// saturation), so that an operand the definition returns unchanged (relu, elu of a positive
/// value) is treated as an exact operation's result.
pub(crate) fn composite(
    env: &Env,
    fmt: &Format,
    x: u128,
    f: impl FnOnce(u128) -> Rounded<u128>,
) -> Rounded<u128> {
    let identity = |_: &Env, _: &Format, _: &Format, [a]: [u128; 1]| Rounded::exact(a);
    let read = Env { ftz: false, overflow: env.ieee_part().overflow, ..*env };
    let x = if env.daz { run(&read, fmt, fmt, [x], identity).value } else { x };
    let r = f(x);
    let last = run(&Env { daz: false, ..*env }, fmt, fmt, [r.value], identity);
    Rounded::new(last.value, r.flags.union(last.flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftz_flushes_exact_and_rounded_tiny_results() {
        let fmt = Format::BINARY16;
        // 0x0001 is the smallest subnormal: exact, still flushed.
        let r = ftz(&fmt, Rounded::exact(0x8001));
        assert_eq!((r.value, r.flags), (0x8000, Flags::UNDERFLOW | Flags::INEXACT));
        // The smallest normal with underflow raised was tiny before it rounded up.
        let r = ftz(&fmt, Rounded::new(0x0400, Flags::UNDERFLOW | Flags::INEXACT));
        assert_eq!(r.value, 0x0000);
        // The smallest normal without underflow stays.
        let r = ftz(&fmt, Rounded::new(0x0400, Flags::INEXACT));
        assert_eq!(r.value, 0x0400);
    }

    #[test]
    fn daz_keeps_normals_and_specials() {
        let fmt = Format::E4M3FNUZ;
        // -subnormal in FNUZ reads as +0 (no negative zero); the NaN 0x80 stays.
        assert_eq!(daz(&fmt, 0x81), 0x00);
        assert_eq!(daz(&fmt, 0x80), 0x80);
        assert_eq!(daz(&fmt, 0x08), 0x08);
        assert_eq!(daz(&Format::BINARY32, 0x8000_0001), 0x8000_0000);
    }
}
