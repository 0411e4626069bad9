//! The binary64 route of the formats with p <= 24 (binary16, bfloat16, binary32, e5m2, e4m3fn):
//! decode both operands exactly into host `f64`, do one host operation, and round its result
//! once to the format on the bit pattern, with the flags derived from the exact relation
//! between the binary64 result and the rounded one.
//!
//! # Exactness argument
//!
//! Let p <= 24 be the format's precision; every finite value of these formats is a multiple of
//! 2^-149 of magnitude below 2^128.
//!
//! - **Operands.** [`decode`] builds the binary64 value with integer code (normals: the fields
//!   re-biased; subnormals: a small integer, converted exactly, times a power of two, an exact
//!   product). Every nonzero operand is a *normal* binary64 number.
//! - **No binary64 intermediate is subnormal, and none overflows.** A nonzero sum or
//!   difference is a multiple of 2^-149; a nonzero product has magnitude in [2^-298, 2^256];
//!   a quotient in [2^-277, 2^277]; a square root in [2^-75, 2^64]; the fma's sum a multiple
//!   of 2^-298 below 2^257, and its TwoSum error term (below) either zero or a multiple of
//!   2^-298. All are far inside binary64's normal range, so flush-to-zero and
//!   denormals-are-zero cannot change any of them; only the rounding direction could, for the
//!   additions (below). The slice kernels check the whole state with
//!   [`crate::fast::dot::host_is_plain`] once per chunk, on the thread that runs the chunk
//!   (the state is per thread), and use the scalar operations where it is not plain.
//! - **Products** of two p-bit values have at most 2p <= 48 bits: exact in binary64.
//! - **Quotients and square roots.** Rounding to nearest binary64 and then to p bits gives the
//!   correctly rounded result because 53 >= 2p + 2 (Figueroa 1995). More precisely, for
//!   p-bit operands a quotient or square root that is not itself a number of at most p + 1
//!   bits lies at a relative distance of at least 2^-(2p+3) >= 2^-51 from every such number,
//!   more than binary64's half ulp (2^-53). So the binary64 result is a rounding boundary of
//!   the format (a p-bit number or a midpoint, at normal or subnormal precision) exactly when
//!   the exact result is that same number, it is on the same side of every boundary as the
//!   exact result, and it is exact in the format exactly when the exact result is. The
//!   distance bound is twice binary64's largest relative ulp (2^-52), so this holds for a
//!   faithful binary64 result too, i.e. in every rounding direction: the products, quotients
//!   and square roots of this route (and the conversions, which round on the bit pattern
//!   only) do not depend on the host state at all, and the scalar operations use them
//!   without a probe ([`Route`]).
//! - **Sums and the fma** do not rely on that theorem: TwoSum (Knuth) gives the exact error
//!   `err` of the binary64 addition `s = fl(x + y)` (exact in round to nearest without
//!   overflow or underflow, both excluded above), so the exact result is `s + err` with
//!   |err| <= half an ulp of `s`. [`encode`] rounds `s` to p bits and uses the sign of `err`
//!   only when `s` is exactly a midpoint: every boundary of the format is a binary64 number,
//!   so none lies strictly between `s` and `s + err`. For the fma, `x * y` is an exact product
//!   (above) and the same TwoSum adds the addend. TwoSum needs round to nearest: these
//!   kernels run only after the probe.
//! - **Flags.** Inexact: the result discards nonzero bits of `s` or `err != 0`. Underflow:
//!   inexact and tiny, with tininess after rounding read from `s` rounded to p bits with an
//!   unbounded exponent (the same for `s + err`, by the argument above), and tininess before
//!   rounding from |s| < 2^emin, or |s| = 2^emin with the exact value below it (`err` of the
//!   opposite sign). Overflow, and every operand or result that is not finite (or an invalid
//!   operation, a division by zero, the square root of a negative number or of -0) return
//!   `None`: the caller's scalar operation decides those, with the environment's policies.

#![allow(clippy::float_arithmetic, reason = "host f64 route with the exactness argument above")]

use crate::env::{Env, Tininess};
use crate::flags::Flags;
use crate::format::{Format, Kernel};

/// The layout of a format of the binary64 route, as compile-time constants.
pub(crate) trait Narrow: Copy + Send + Sync + 'static {
    /// Fraction bits (p - 1).
    const FRAC: u32;
    /// Exponent bits.
    const EXP: u32;
    /// The largest finite magnitude's encoding (sign bit clear).
    const MAX_FINITE: u64;
    /// The exponent bias.
    const BIAS: i64 = (1 << (Self::EXP - 1)) - 1;
    /// The smallest normal exponent.
    const EMIN: i64 = 1 - Self::BIAS;
    /// The mask of the encoding's bits.
    const MASK: u64 = (1 << (1 + Self::EXP + Self::FRAC)) - 1;
}

macro_rules! narrow {
    ($name:ident, $frac:expr, $exp:expr, $max:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy)]
        pub(crate) struct $name;
        impl Narrow for $name {
            const FRAC: u32 = $frac;
            const EXP: u32 = $exp;
            const MAX_FINITE: u64 = $max;
        }
    };
}

narrow!(F16, 10, 5, 0x7BFF, "binary16.");
narrow!(Bf16, 7, 8, 0x7F7F, "bfloat16.");
narrow!(F32, 23, 8, 0x7F7F_FFFF, "binary32.");
narrow!(E5m2, 2, 5, 0x7B, "OCP E5M2.");
narrow!(E4m3fn, 3, 4, 0x7E, "OCP E4M3 (`e4m3fn`): the top code holds normals up to 448.");

/// The exact binary64 value of a finite encoding (bits above the width ignored); `None` for
/// infinities and NaNs.
#[inline(always)]
pub(crate) fn decode<L: Narrow>(bits: u64) -> Option<f64> {
    let bits = bits & L::MASK;
    let mag = bits & (L::MASK >> 1);
    if mag > L::MAX_FINITE {
        return None;
    }
    let sign = (bits >> (L::FRAC + L::EXP)) << 63;
    let rebias = ((1023 - L::BIAS) as u64) << 52;
    let v = if mag >> L::FRAC != 0 {
        f64::from_bits((mag << (52 - L::FRAC)) + rebias)
    } else {
        // A subnormal (or zero) is frac * 2^(emin - FRAC): an exact integer conversion and an
        // exact product with a power of two whose result is a normal binary64 number (or 0).
        let scale = f64::from_bits(((1023 + L::EMIN - i64::from(L::FRAC)) as u64) << 52);
        mag as f64 * scale
    };
    Some(f64::from_bits(v.to_bits() | sign))
}

/// The exact value of a finite binary64 encoding that is zero or normal; `None` for
/// subnormals, infinities and NaNs (the scalar conversion takes those).
#[inline(always)]
pub(crate) fn decode_f64(bits: u64) -> Option<f64> {
    let code = (bits >> 52) & 0x7FF;
    let zero = bits << 1 == 0;
    (code != 0x7FF && (code != 0 || zero)).then(|| f64::from_bits(bits))
}

/// Rounds the 53-bit significand `sig` at bit `shift` (1 ..= 54), ties to even, where the
/// exact value is `sig` plus a tail far below bit 0 whose sign relative to the magnitude is
/// `below` (-1, 0 or 1): the kept bits (rounded) and whether anything nonzero was discarded.
#[inline(always)]
fn round_at(sig: u64, shift: u32, below: i8) -> (u64, bool) {
    let kept = sig >> shift;
    let rem = sig & ((1 << shift) - 1);
    let half = 1u64 << (shift - 1);
    let tie_up = below > 0 || (below == 0 && kept & 1 == 1);
    let up = rem > half || (rem == half && tie_up);
    (kept + u64::from(up), rem != 0 || below != 0)
}

/// Rounds the binary64 value `s` (zero or normal), plus an exact tail of sign `err_sign`
/// relative to zero (0: none), once to the format: the encoding and flags, or `None` on
/// overflow. `before` selects tininess before rounding.
#[inline(always)]
pub(crate) fn encode<L: Narrow>(before: bool, s: f64, err_sign: i8) -> Option<(u64, Flags)> {
    let bits = s.to_bits();
    let sign_bit = bits >> 63;
    let mag = bits & !(1u64 << 63);
    let sign = sign_bit << (L::FRAC + L::EXP);
    if mag == 0 {
        return Some((sign, Flags::NONE));
    }
    // The tail's sign relative to the magnitude.
    let below = if sign_bit == 0 { err_sign } else { -err_sign };
    let e = (mag >> 52) as i64 - 1023;
    let sig = (mag & ((1 << 52) - 1)) | (1 << 52);
    let normal_shift = 52 - L::FRAC;
    let extra = (L::EMIN - e).clamp(0, 54) as u32;
    let (kept, inexact) = round_at(sig, (normal_shift + extra).min(54), below);
    // Normal: code e + bias, the hidden bit of `kept` adds one; subnormal: code 0. A carry
    // moves into the next code by itself.
    let code_base = (e.max(L::EMIN) + L::BIAS - 1) as u64;
    let enc = (code_base << L::FRAC) + kept;
    if enc > L::MAX_FINITE {
        return None;
    }
    if !inexact {
        return Some((sign | enc, Flags::NONE));
    }
    let tiny = if before {
        e < L::EMIN || (e == L::EMIN && sig == 1 << 52 && below < 0)
    } else {
        e < L::EMIN - 1
            || (e == L::EMIN - 1 && round_at(sig, normal_shift, below).0 >> (L::FRAC + 1) == 0)
    };
    let flags = if tiny { Flags::INEXACT | Flags::UNDERFLOW } else { Flags::INEXACT };
    Some((sign | enc, flags))
}

/// The sign (-1, 0, 1) of the exact error of `s = fl(x + y)` (TwoSum).
#[inline(always)]
fn two_sum_err_sign(x: f64, y: f64, s: f64) -> i8 {
    let y_virtual = s - x;
    let x_virtual = s - y_virtual;
    let err = (x - x_virtual) + (y - y_virtual);
    i8::from(err > 0.0) - i8::from(err < 0.0)
}

/// `a ⊕ b`.
#[inline(always)]
pub(crate) fn add<L: Narrow>(before: bool, a: u64, b: u64) -> Option<(u64, Flags)> {
    let (x, y) = (decode::<L>(a)?, decode::<L>(b)?);
    let s = x + y;
    encode::<L>(before, s, two_sum_err_sign(x, y, s))
}

/// `a ⊖ b`.
#[inline(always)]
pub(crate) fn sub<L: Narrow>(before: bool, a: u64, b: u64) -> Option<(u64, Flags)> {
    let (x, y) = (decode::<L>(a)?, -decode::<L>(b)?);
    let s = x + y;
    encode::<L>(before, s, two_sum_err_sign(x, y, s))
}

/// `a ⊗ b` (the binary64 product is exact).
#[inline(always)]
pub(crate) fn mul<L: Narrow>(before: bool, a: u64, b: u64) -> Option<(u64, Flags)> {
    encode::<L>(before, decode::<L>(a)? * decode::<L>(b)?, 0)
}

/// `a ⊘ b`; `None` for a zero divisor.
#[inline(always)]
pub(crate) fn div<L: Narrow>(before: bool, a: u64, b: u64) -> Option<(u64, Flags)> {
    let (x, y) = (decode::<L>(a)?, decode::<L>(b)?);
    if y == 0.0 {
        return None;
    }
    encode::<L>(before, x / y, 0)
}

/// `√a`; `None` for any operand with the sign bit set.
#[inline(always)]
pub(crate) fn sqrt<L: Narrow>(before: bool, a: u64) -> Option<(u64, Flags)> {
    let x = decode::<L>(a)?;
    if x.is_sign_negative() {
        return None;
    }
    encode::<L>(before, x.sqrt(), 0)
}

/// Fused `a * b + c`: the exact product plus the addend by TwoSum.
#[inline(always)]
pub(crate) fn fma<L: Narrow>(before: bool, a: u64, b: u64, c: u64) -> Option<(u64, Flags)> {
    let (x, y, z) = (decode::<L>(a)?, decode::<L>(b)?, decode::<L>(c)?);
    let p = x * y;
    let s = p + z;
    encode::<L>(before, s, two_sum_err_sign(p, z, s))
}

/// A format of the binary64 route with the environment's tininess rule, chosen once per
/// scalar call: the operations that need no probe of the host state (see
/// [`crate::fast::mul`]).
#[derive(Clone, Copy)]
pub(crate) struct Route {
    layout: Kernel,
    before: bool,
}

/// Calls `$f::<L>` with `L` the layout of `$route`.
macro_rules! on_layout {
    ($route:expr, $f:ident($($arg:expr),*)) => {
        match $route.layout {
            Kernel::F16 => $f::<F16>($route.before, $($arg),*),
            Kernel::Bf16 => $f::<Bf16>($route.before, $($arg),*),
            Kernel::F32 => $f::<F32>($route.before, $($arg),*),
            Kernel::E5m2 => $f::<E5m2>($route.before, $($arg),*),
            _ => $f::<E4m3fn>($route.before, $($arg),*),
        }
    };
}

impl Route {
    /// The route of `fmt`, if it has one (tininess after rounding until
    /// [`Route::with_tininess`]).
    #[inline(always)]
    pub(crate) fn of(fmt: &Format) -> Option<Route> {
        let layout = fmt.kernel();
        matches!(layout, Kernel::F16 | Kernel::Bf16 | Kernel::F32 | Kernel::E5m2 | Kernel::E4m3fn)
            .then_some(Route { layout, before: false })
    }

    /// The route with `env`'s tininess rule.
    #[inline(always)]
    pub(crate) fn with_tininess(self, env: &Env) -> Route {
        Route { before: env.tininess == Tininess::BeforeRounding, ..self }
    }

    /// [`mul`] in this format.
    #[inline(always)]
    pub(crate) fn mul(self, a: u64, b: u64) -> Option<(u64, Flags)> {
        on_layout!(self, mul(a, b))
    }

    /// [`div`] in this format.
    #[inline(always)]
    pub(crate) fn div(self, a: u64, b: u64) -> Option<(u64, Flags)> {
        on_layout!(self, div(a, b))
    }

    /// [`sqrt`] in this format.
    #[inline(always)]
    pub(crate) fn sqrt(self, a: u64) -> Option<(u64, Flags)> {
        on_layout!(self, sqrt(a))
    }
}
