//! Fast kernels for the common case of the named formats: normal operands in, normal result
//! out, in plain `u64` arithmetic with the format's layout as compile-time constants.
//!
//! Every kernel returns `None` under an environment that is not [`Env::is_ieee`] (whose
//! operations are modelled compositions, docs/semantics.md §7) and whenever anything is not common (a zero, subnormal, infinite or
//! NaN operand; a result that is tiny, overflows, or lands on a code the format reserves); the
//! caller then takes the general path. A kernel's `Some` result is the correctly rounded
//! result with its flags, tested exhaustively (8-bit formats) and by sampling (wider ones)
//! against [`crate::reference`]. No integer kernel can raise underflow or overflow: those
//! cases return `None`. Multiplication, division and square root of the formats with
//! p <= 24 take the binary64 route of [`host`] first, which also rounds tiny results (and
//! raises underflow) and leaves overflow to the general path.
//!
//! Host floating point appears in [`isqrt`], as a first estimate that integer arithmetic then
//! corrects: the result is exact whatever the host rounding mode or flush-to-zero setting (the
//! estimate's operand is at least 1, so never subnormal); in [`dot`], the binary64 kernel
//! of the multiply-add chain, which runs only after checking that the host is in its default
//! state (its module docs give the exactness argument); in [`matvec`], the binary32 kernel of many
//! such chains side by side, under the same check and its own argument; and in [`act`], the binary64 fast
//! path of the activation functions, whose error bounds hold under any rounding mode and with
//! flush-to-zero (its module docs give the argument) and whose results are decided by
//! `round_pack` from exact enclosure ends.

pub(crate) mod act;
pub(crate) mod dot;
mod f128;
pub(crate) mod host;
mod layout;
pub(crate) mod matvec;

use crate::env::Env;
use crate::flags::Rounded;
use crate::format::{Format, Kernel};
use crate::sig::shift_right_jam;
use layout::narrow::{add_kernel, normal, round_normal};

/// Dispatches a kernel generic over `<FRAC, EXP>` on the format's layout.
macro_rules! dispatch {
    ($fmt:expr, $kernel:ident($($arg:expr),*)) => {
        match $fmt.kernel() {
            Kernel::F16 => $kernel::<10, 5>($($arg),*),
            Kernel::Bf16 => $kernel::<7, 8>($($arg),*),
            Kernel::F32 => $kernel::<23, 8>($($arg),*),
            Kernel::F64 => $kernel::<52, 11>($($arg),*),
            Kernel::E5m2 => $kernel::<2, 5>($($arg),*),
            Kernel::E4m3fn => $kernel::<3, 4>($($arg),*),
            Kernel::None | Kernel::F128 => None,
        }
    };
}

#[inline(always)]
fn mul_kernel<const FRAC: u32, const EXP: u32>(a: u64, b: u64) -> Option<Rounded<u128>> {
    let (sa, ca, ma) = normal::<FRAC, EXP>(a)?;
    let (sb, cb, mb) = normal::<FRAC, EXP>(b)?;
    let bias = (1i64 << (EXP - 1)) - 1;
    // The product is in [2^(2 FRAC), 2^(2 FRAC + 2)); `high` says which half (no branch).
    // With 3 guard bits appended, keep FRAC + 4 bits and jam the rest into the lowest.
    let (kept, high) = if 2 * FRAC + 5 <= 64 {
        let prod = (ma * mb) << 3;
        let high = (prod >> (2 * FRAC + 4)) as u32;
        let shift = FRAC + high;
        ((prod >> shift) | u64::from(prod & ((1u64 << shift) - 1) != 0), high)
    } else {
        let prod = (u128::from(ma) * u128::from(mb)) << 3;
        let high = (prod >> (2 * FRAC + 4)) as u32;
        let shift = FRAC + high;
        ((prod >> shift) as u64 | u64::from(prod & ((1u128 << shift) - 1) != 0), high)
    };
    let code = ca as i64 + cb as i64 - bias + i64::from(high);
    round_normal::<FRAC, EXP, 3>(sa ^ sb, code, kept)
}

#[inline(always)]
fn div_kernel<const FRAC: u32, const EXP: u32>(a: u64, b: u64) -> Option<Rounded<u128>> {
    let (sa, ca, ma) = normal::<FRAC, EXP>(a)?;
    let (sb, cb, mb) = normal::<FRAC, EXP>(b)?;
    let bias = (1i64 << (EXP - 1)) - 1;
    // ma / mb is in (1/2, 2): FRAC + 4 quotient bits give the leading bit, FRAC fraction bits
    // and three guard bits; the remainder is the sticky bit. `low` (no branch) says ma < mb.
    let low = u32::from(ma < mb);
    let num = u128::from(ma) << (FRAC + 3 + low);
    let code = ca as i64 - cb as i64 + bias - i64::from(low);
    let (quot, rem) = if 2 * FRAC + 5 <= 64 {
        let n = num as u64;
        (n / mb, n % mb)
    } else {
        let d = u128::from(mb);
        ((num / d) as u64, (num % d) as u64)
    };
    round_normal::<FRAC, EXP, 3>(sa ^ sb, code, quot | u64::from(rem != 0))
}

/// Integer square root of `n` (floor), exact: a host-float estimate corrected by integer steps.
#[allow(clippy::float_arithmetic, reason = "estimate only; corrected exactly below")]
#[inline(always)]
pub(crate) fn isqrt(n: u64) -> u64 {
    let mut r = (n as f64).sqrt() as u64;
    // The estimate is within a few units of the root under any rounding mode.
    while r > 0 && r.checked_mul(r).is_none_or(|sq| sq > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= n) {
        r += 1;
    }
    r
}

/// Integer square root of a `u128` of at most 120 bits (floor): a host-float estimate, one
/// integer Newton step, then exact integer correction.
#[allow(clippy::float_arithmetic, reason = "estimate only; corrected exactly below")]
#[inline(always)]
fn isqrt_wide(n: u128) -> u128 {
    let estimate = ((n as f64).sqrt() as u128).max(1);
    let mut r = (estimate + n / estimate) / 2;
    while r * r > n {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    r
}

#[inline(always)]
fn sqrt_kernel<const FRAC: u32, const EXP: u32>(a: u64) -> Option<Rounded<u128>> {
    let (sa, ca, ma) = normal::<FRAC, EXP>(a)?;
    if sa != 0 {
        return None;
    }
    let bias = (1i64 << (EXP - 1)) - 1;
    // value = ma * 2^(ca - bias - FRAC). With e = ca - bias made even by one extra shift, the
    // radicand ma << (FRAC + 4 + odd) has a root with FRAC + 1 bits and two guard bits.
    let e = ca as i64 - bias;
    let odd = (e & 1) as u32;
    let half_e = (e - i64::from(odd)) / 2;
    let (root, exact) = if 2 * FRAC + 6 <= 64 {
        let radicand = ma << (FRAC + 4 + odd);
        let root = isqrt(radicand);
        (root, root * root == radicand)
    } else {
        let radicand = u128::from(ma) << (FRAC + 4 + odd);
        let root = isqrt_wide(radicand);
        (root as u64, root * root == radicand)
    };
    round_normal::<FRAC, EXP, 2>(0, half_e + bias, root | u64::from(!exact))
}

/// `a * b + c` for normal operands, the exact sum of the exact product and the addend formed
/// in a 128-bit window (leading bits at bit 125, the smaller operand's lost bits jammed).
#[inline(always)]
fn fma_kernel<const FRAC: u32, const EXP: u32>(a: u64, b: u64, c: u64) -> Option<Rounded<u128>> {
    const TOP: i64 = 125;
    let (sa, ca, ma) = normal::<FRAC, EXP>(a)?;
    let (sb, cb, mb) = normal::<FRAC, EXP>(b)?;
    let (sc, cc, mc) = normal::<FRAC, EXP>(c)?;
    let bias = (1i64 << (EXP - 1)) - 1;
    let prod = u128::from(ma) * u128::from(mb);
    let prod_bits = 128 - i64::from(prod.leading_zeros());
    // Exponents of the leading bits.
    let lead_p = ca as i64 + cb as i64 - 2 * bias + prod_bits - 1 - 2 * i64::from(FRAC);
    let lead_c = cc as i64 - bias;
    let p_al = prod << (TOP + 1 - prod_bits);
    let c_al = u128::from(mc) << (TOP - i64::from(FRAC));
    let (sp, sc) = (sa ^ sb, sc);
    let ((sx, x, lead), (sy, y, d)) = if lead_p >= lead_c {
        ((sp, p_al, lead_p), (sc, c_al, lead_p - lead_c))
    } else {
        ((sc, c_al, lead_c), (sp, p_al, lead_c - lead_p))
    };
    let y = shift_right_jam(y, d.unsigned_abs());
    let (sign, sum) = if sx == sy {
        (sx, x + y)
    } else if x >= y {
        (sx, x - y)
    } else {
        (sy, y - x)
    };
    if sum == 0 {
        // Exact cancellation: +0 (docs/semantics.md §2).
        return Some(Rounded::exact(0));
    }
    let sum_bits = 128 - i64::from(sum.leading_zeros());
    let code = lead + (sum_bits - 1 - TOP) + bias;
    // Keep FRAC + 1 bits and 3 guard bits, jam the rest.
    let shift = sum_bits - i64::from(FRAC) - 4;
    let kept = if shift <= 0 {
        // Massive cancellation: the sum is exact and short.
        (sum << -shift) as u64
    } else {
        (sum >> shift) as u64 | u64::from(sum & ((1u128 << shift) - 1) != 0)
    };
    round_normal::<FRAC, EXP, 3>(sign, code, kept)
}

/// Fast `a ⊕ b` (or `a ⊖ b` with `negate_b`) for normal operands and a normal result.
#[inline]
pub(crate) fn add(
    env: &Env,
    fmt: &Format,
    a: u128,
    b: u128,
    negate_b: bool,
) -> Option<Rounded<u128>> {
    if !env.is_ieee() {
        return None;
    }
    if fmt.kernel() == Kernel::F128 {
        return f128::add(a, b, negate_b);
    }
    dispatch!(fmt, add_kernel(a as u64, b as u64, negate_b))
}

/// Fast `a ⊗ b` for normal operands and a normal result.
#[inline]
pub(crate) fn mul(env: &Env, fmt: &Format, a: u128, b: u128) -> Option<Rounded<u128>> {
    if !env.is_ieee() {
        return None;
    }
    if fmt.kernel() == Kernel::F128 {
        return f128::mul(a, b);
    }
    if let Some(r) = host_route(env, fmt, |l| l.mul(a as u64, b as u64)) {
        return r;
    }
    dispatch!(fmt, mul_kernel(a as u64, b as u64))
}

/// Fast `a ⊘ b` for normal operands and a normal result.
#[inline]
pub(crate) fn div(env: &Env, fmt: &Format, a: u128, b: u128) -> Option<Rounded<u128>> {
    if !env.is_ieee() {
        return None;
    }
    if let Some(r) = host_route(env, fmt, |l| l.div(a as u64, b as u64)) {
        return r;
    }
    dispatch!(fmt, div_kernel(a as u64, b as u64))
}

/// Fast fused `a * b + c` for normal operands and a normal result.
#[inline]
pub(crate) fn fma(env: &Env, fmt: &Format, a: u128, b: u128, c: u128) -> Option<Rounded<u128>> {
    if !env.is_ieee() {
        return None;
    }
    dispatch!(fmt, fma_kernel(a as u64, b as u64, c as u64))
}

/// Fast square root of a positive normal operand.
#[inline]
pub(crate) fn sqrt(env: &Env, fmt: &Format, a: u128) -> Option<Rounded<u128>> {
    if !env.is_ieee() {
        return None;
    }
    if let Some(r) = host_route(env, fmt, |l| l.sqrt(a as u64)) {
        return r;
    }
    dispatch!(fmt, sqrt_kernel(a as u64))
}

/// The binary64 route (`host`) of a scalar multiplication, division or square root of a
/// format with p <= 24, in an IEEE environment: `Some(result)` (`Some(None)`: the general path
/// decides), or `None` for a format without the route. These three operations need no probe
/// of the host state: their binary64 results are exact or faithful whatever the rounding
/// direction, and never subnormal (`host`'s module docs).
#[inline(always)]
fn host_route(
    env: &Env,
    fmt: &Format,
    op: impl FnOnce(host::Route) -> Option<(u64, crate::flags::Flags)>,
) -> Option<Option<Rounded<u128>>> {
    let layout = host::Route::of(fmt)?;
    if !env.is_ieee() {
        return Some(None);
    }
    let route = layout.with_tininess(env);
    Some(op(route).map(|(v, f)| Rounded::new(u128::from(v), f)))
}

/// The integer kernels of binary64 and binary128, one monomorphic function per operation (no
/// format dispatch), for the slice kernels: `None` where the general path decides.
pub(crate) mod wide_kernels {
    use super::{add_kernel, div_kernel, f128, fma_kernel, mul_kernel, sqrt_kernel};
    use crate::flags::Rounded;

    /// binary64 `a ⊕ b` (`a ⊖ b` with `negate_b`).
    #[inline(always)]
    pub(crate) fn add64(a: u128, b: u128, negate_b: bool) -> Option<Rounded<u128>> {
        add_kernel::<52, 11>(a as u64, b as u64, negate_b)
    }
    /// binary64 `a ⊗ b`.
    #[inline(always)]
    pub(crate) fn mul64(a: u128, b: u128) -> Option<Rounded<u128>> {
        mul_kernel::<52, 11>(a as u64, b as u64)
    }
    /// binary64 `a ⊘ b`.
    #[inline(always)]
    pub(crate) fn div64(a: u128, b: u128) -> Option<Rounded<u128>> {
        div_kernel::<52, 11>(a as u64, b as u64)
    }
    /// binary64 `√a`.
    #[inline(always)]
    pub(crate) fn sqrt64(a: u128) -> Option<Rounded<u128>> {
        sqrt_kernel::<52, 11>(a as u64)
    }
    /// binary64 `a * b + c`.
    #[inline(always)]
    pub(crate) fn fma64(a: u128, b: u128, c: u128) -> Option<Rounded<u128>> {
        fma_kernel::<52, 11>(a as u64, b as u64, c as u64)
    }
    /// binary128 `a ⊕ b` (`a ⊖ b` with `negate_b`).
    #[inline(always)]
    pub(crate) fn add128(a: u128, b: u128, negate_b: bool) -> Option<Rounded<u128>> {
        f128::add(a, b, negate_b)
    }
    /// binary128 `a ⊗ b`.
    #[inline(always)]
    pub(crate) fn mul128(a: u128, b: u128) -> Option<Rounded<u128>> {
        f128::mul(a, b)
    }
}
