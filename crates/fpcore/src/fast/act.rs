//! The binary64 fast path of the correctly rounded activation functions and their derivatives
//! (docs/semantics.md §3), for formats with `p <= 24` whose values lie well inside binary64's normal
//! range.
//!
//! # How a result is decided
//!
//! Each function is evaluated in host `f64` arithmetic together with a rigorous bound on the
//! absolute error: an enclosure `[y - err, y + err]` of the exact value (or, deep in a tail, an
//! interval `(0, 2^b)` with a known sign). Both ends of the enclosure are turned into exact
//! dyadic numbers (through the bits, no float operation) and rounded to the format by the
//! single rounding routine `round_pack`, each as a value just outside the enclosure, under the
//! caller's [`Env`]. When the two results agree (value and flags), every value inside rounds
//! alike, the exact value included: that is the correctly rounded result. Otherwise (an end
//! lies across a rounding boundary, a midpoint or the tininess threshold) the caller falls back
//! to the multiprecision engine. The exact function value at a nonzero float is never exactly
//! representable nor a midpoint (the multiprecision path makes the same assumption), so an
//! enclosure that holds a representable value strictly inside and rounds to it from both
//! sides gives that value, inexact, as the multiprecision path does.
//!
//! Exact cases (relu, relu', elu and elu' at positive operands) and special operands (zeros,
//! infinities, NaNs) are not handled here.
//!
//! # Error model: independent of the host floating-point state
//!
//! The bounds hold under every host rounding mode and with flush-to-zero and
//! denormals-are-zero:
//!
//! - Each operation is assumed to err by less than one ulp, in either direction:
//!   `|fl(z) - z| <= U |z|` and `<= U |fl(z)|` with `U = 2^-52`, for a normal result. Exact
//!   operations (products by powers of two, Sterbenz subtractions, conversions of short
//!   integers) are exact in every mode.
//! - No value computation ever has a subnormal operand or result: operands are format values
//!   with `qmin >= -300` and `emax <= 300`, so `2^-300 <= |x| < 2^301` and `x^2` is normal;
//!   every exponential is taken at `|a| <= 600` (so `e^a >= 2^-866`), and each function
//!   switches to a saturated bound (a tail interval or a constant with a proven error) well
//!   before its value or an intermediate could approach 2^-1022. The few places where a tiny
//!   nonzero intermediate could arise are argued at the point of use.
//! - [`Ev`] carries a value and a bound on its absolute error through `+`, `-`, `*` and `/`
//!   with the exact propagation formula of each operation (given at each method), and charges
//!   the operation's own rounding as `4 U` times the computed result: twice the proven bound.
//! - Error bounds themselves are computed in `f64` and may be rounded down or flushed; each is
//!   passed through [`bound`], which multiplies by `1 + 2^-40` and adds `2^-1000`. For an
//!   expression of at most a dozen operations on nonnegative terms (subtractions only of the
//!   form `d - e` with `e <= d/2`), the computed value is at least `(1 - 12 U)` times the exact
//!   one, so the result of `bound` is at least `(1 + 2^-42)` times the exact expression plus
//!   `2^-1001`. The factor covers the `(1 + U)` factors the formulas below leave out; the
//!   additive part covers every term that was flushed or rounded in the subnormal range
//!   (each less than `2^-1021`, at most a handful per operation; the only divisions have
//!   denominators at least 1/2).
//! - Nothing here calls the platform's libm: exp, expm1, log1p, the normal CDF and the Mills
//!   ratio are polynomial or continued-fraction kernels below, each with its own analysis, and
//!   every constant is written as bits and checked by a unit test against exact arithmetic.
//! - Comparisons, `abs`, `copysign`, `to_bits`/`from_bits` and the float-to-integer cast
//!   (truncation, defined by Rust and independent of the rounding mode) are exact.
//!
//! Each kernel's error is claimed with a margin of at least 2 bits over the proven bound. The
//! unit tests check every enclosure against the engine at 160 bits and report how much of the
//! bound is used: up to three quarters for the saturated tails, whose bounds are proven
//! inequalities such as `40 e^-40 < 2^-52`, and at most about an eighth elsewhere. The
//! integration tests compare every 8-bit, binary16 and bfloat16 input and millions of binary32
//! inputs with the multiprecision path, under the default and under altered host
//! floating-point states.

#![allow(
    clippy::float_arithmetic,
    reason = "the fast path evaluates in binary64 with proven error bounds; see the module docs"
)]

use crate::act_op::{ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::round::round_pack;
use crate::value::Kind;

/// The largest precision served: `x^2` is exact in binary64 (2p <= 53) and the enclosures
/// (relative width about 2^-42) are far narrower than the format's spacing.
const MAX_P: u32 = 24;
/// The smallest `qmin` served: operands are at least 2^-300 in magnitude.
const MIN_QMIN: i32 = -300;
/// The largest `emax` served: operands are below 2^301 in magnitude.
const MAX_EMAX: i32 = 300;

/// `2^k` for `-1022 <= k <= 1023`, built from its bits.
const fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// The relative error of one rounded operation in any rounding mode: 2^-52.
const U: f64 = pow2(-52);
/// The rounding error [`Ev`]'s operations charge per operation, relative to the computed
/// result: `4 U`, a margin of 2 bits over the proven `U`.
const ROUNDING: f64 = 4.0 * U;
/// Multiplier of every computed error bound: 1 + 2^-40.
const SLACK: f64 = f64::from_bits(0x3ff0_0000_0000_1000);
/// Added to every computed error bound: 2^-1000.
const FLOOR: f64 = pow2(-1000);

/// A computed value `v` and a bound `e` on the distance from it to the exact value it stands
/// for.
#[derive(Clone, Copy, Debug)]
struct Ev {
    v: f64,
    e: f64,
}

/// A computed error bound made safe against its own rounding (see the module docs).
#[inline(always)]
fn bound(e: f64) -> f64 {
    e * SLACK + FLOOR
}

impl Ev {
    /// An exact value.
    const fn exact(v: f64) -> Ev {
        Ev { v, e: 0.0 }
    }

    /// `v` with a relative error at most `r` (a proven bound).
    #[inline(always)]
    fn rel(v: f64, r: f64) -> Ev {
        Ev { v, e: bound(v.abs() * r) }
    }

    /// `x + y`: the errors add, plus one rounding of the sum.
    #[inline(always)]
    fn add(self, o: Ev) -> Ev {
        let v = self.v + o.v;
        Ev { v, e: bound(self.e + o.e + ROUNDING * v.abs()) }
    }

    /// `x - y`: as the sum.
    #[inline(always)]
    fn sub(self, o: Ev) -> Ev {
        let v = self.v - o.v;
        Ev { v, e: bound(self.e + o.e + ROUNDING * v.abs()) }
    }

    /// `x * y`: `|ab - a'b'| <= |a'| e_b + |b'| e_a + e_a e_b`, plus one rounding.
    #[inline(always)]
    fn mul(self, o: Ev) -> Ev {
        let v = self.v * o.v;
        Ev {
            v,
            e: bound(self.v.abs() * o.e + o.v.abs() * self.e + self.e * o.e + ROUNDING * v.abs()),
        }
    }

    /// `x / y` for `|y'| >= 1/2` and `e_y <= |y'|/2` (`None` otherwise):
    /// `|a/b - a'/b'| <= (e_a + |a'/b'| e_b) / (|b'| - e_b)`, plus one rounding; `|a'/b'|` is at
    /// most `(1 + U)` times the computed quotient, a factor [`bound`] covers.
    #[inline(always)]
    fn div(self, o: Ev) -> Option<Ev> {
        let d = o.v.abs();
        if !(d >= 0.5 && o.e <= 0.5 * d) {
            return None;
        }
        let v = self.v / o.v;
        Some(Ev { v, e: bound((self.e + v.abs() * o.e) / (d - o.e) + ROUNDING * v.abs()) })
    }

    /// `-x`, exact.
    #[inline(always)]
    fn neg(self) -> Ev {
        Ev { v: -self.v, e: self.e }
    }
}

const ONE: Ev = Ev::exact(1.0);
const HALF: Ev = Ev::exact(0.5);

// ---------------------------------------------------------------------------------------------
// exp
// ---------------------------------------------------------------------------------------------

/// log2(e), rounded (it only picks the reduction multiple).
const LOG2E: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
/// ln 2 cut to 32 significant bits (fdlibm's `ln2HI`), so `k * LN2_HI` is exact for
/// `|k| < 2^21`.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln 2 - LN2_HI` rounded to nearest (fdlibm's `ln2LO`), about 1.9e-10.
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `1/i!` for `i = 0..=13`, each rounded to nearest (relative error at most 2^-53).
const EXP_C: [f64; 14] = [
    f64::from_bits(0x3ff0_0000_0000_0000),
    f64::from_bits(0x3ff0_0000_0000_0000),
    f64::from_bits(0x3fe0_0000_0000_0000),
    f64::from_bits(0x3fc5_5555_5555_5555),
    f64::from_bits(0x3fa5_5555_5555_5555),
    f64::from_bits(0x3f81_1111_1111_1111),
    f64::from_bits(0x3f56_c16c_16c1_6c17),
    f64::from_bits(0x3f2a_01a0_1a01_a01a),
    f64::from_bits(0x3efa_01a0_1a01_a01a),
    f64::from_bits(0x3ec7_1de3_a556_c734),
    f64::from_bits(0x3e92_7e4f_b778_9f5c),
    f64::from_bits(0x3e5a_e645_67f5_44e4),
    f64::from_bits(0x3e21_eed8_eff8_d898),
    f64::from_bits(0x3de6_1246_13a8_6d09),
];

/// The claimed relative error of [`exp_kernel`] (proven: below 2^-46.2).
const EXP_REL: f64 = pow2(-44);

/// `e^a` for `|a| <= 600`, with relative error below 2^-46.2.
///
/// Analysis (U = 2^-52, every rounding mode):
/// 1. `k = trunc(a log2e + copysign(1/2, a))`. The two roundings move `a log2e` (at most 866
///    in magnitude) by less than 2^-39, so `|a/ln2 - k| <= 1/2 + 2^-39`,
///    `|a - k ln2| < 0.3466` and `|k| <= 866`.
/// 2. `hi = a - k LN2_HI` is exact: `k LN2_HI` has at most 42 significant bits, and for
///    `k != 0` Sterbenz's lemma applies: `|a|` lies between `(|k| - 1/2 - 2^-39) ln 2` and
///    `(|k| + 1/2 + 2^-39) ln 2`, within a factor 2 of `|k| LN2_HI` since `LN2_HI` is below
///    `ln 2` by 1.9e-10, far more than `2^-39 ln 2`. For `k = 0` it is `a`.
/// 3. `r = hi - k LN2_LO` (two roundings) differs from `a - k ln2` by at most
///    `U |r| + U |k LN2_LO| + |k| |LN2_LO - (ln2 - LN2_HI)| <= 2^-53.5 + 2^-74 + 2^-75`,
///    below 2^-53.4, and `|r| <= 0.3467`. `r` is never subnormal: for `k = 0` it is `a`
///    (every argument used here is at least 2^-601 in magnitude); otherwise `hi` and
///    `k LN2_LO` are multiples of 2^-85, so `r` is zero or at least 2^-85.
/// 4. Horner's rule on the degree-13 Taylor polynomial: truncation
///    `|r|^14/14! e^|r| / e^r <= 2^-56.7`; coefficient rounding
///    `2^-53 e^|r| / e^r <= 2^-52`; rounding `gamma_26 e^|r| / e^r <= 26.01 U * 2.0004`
///    (Higham, Accuracy and Stability of Numerical Algorithms, eq. (5.3), valid for any
///    rounding with relative error at most U). Intermediates stay above 2^-650 in magnitude.
///    Total relative to `e^r`: below 2^-46.27; the error of `r` adds a factor
///    `e^(2^-53.4)`, so relative to `e^(a - k ln 2)` below 2^-46.2.
/// 5. The product by `2^k` (built from bits, `|k| <= 866`) is exact: the polynomial lies in
///    [0.70, 1.42], so the result is normal.
#[inline(always)]
fn exp_kernel(a: f64) -> f64 {
    let k = (a * LOG2E + 0.5f64.copysign(a)) as i32;
    let kf = f64::from(k);
    let hi = a - kf * LN2_HI;
    let r = hi - kf * LN2_LO;
    let mut p = EXP_C[13];
    for c in EXP_C[..13].iter().rev() {
        p = *c + r * p;
    }
    p * pow2(k)
}

/// `e^a` as an enclosure, for `|a'| <= 600` and `e_a <= 2^-20` (`None` otherwise).
///
/// `|e^a - y| <= |e^a - e^a'| + |e^a' - y| <= e^a' (e^(e_a) - 1) + 2^-46.2 e^a'` with
/// `e^a' <= y / (1 - 2^-46.2)` and `e^(e_a) - 1 <= e_a (1 + 2^-19)`: below
/// `y (2^-46.1 + e_a (1 + 2^-18))`, so `y (EXP_REL + e_a (1 + 2^-10))` bounds it.
#[inline(always)]
fn exp_ev(a: Ev) -> Option<Ev> {
    if !(a.v.abs() <= 600.0 && a.e <= pow2(-20)) {
        return None;
    }
    let y = exp_kernel(a.v);
    Some(Ev { v: y, e: bound(y * (EXP_REL + a.e * (1.0 + pow2(-10)))) })
}

/// Bound of the argument of [`expm1_small`]: `0.3467 > ln(2)/2`.
const EXPM1_SMALL: f64 = 0.3467;

/// `e^a - 1` for an exact `-0.3467 <= a < 0`, relative error claimed 2^-44.
///
/// Analysis: `e^a - 1 = a q(a)` with `q(a) = sum_{i>=0} a^i/(i+1)!`, which is at least 0.845
/// on this range. Horner's rule on `q` truncated after `a^12` (coefficients `EXP_C[i+1]`):
/// truncation `|a|^13/14! e^|a| / q <= 2^-55.4`; coefficient rounding
/// `2^-53 ((e^|a| - 1)/|a|) / q <= 1.44 * 2^-53`; rounding
/// `gamma_24 ((e^|a| - 1)/|a|) / q <= 24.01 U * 1.432`; the product by `a`, one rounding.
/// Total below 36 U, that is 2^-46.8. Intermediates are at least `|a| 2^-40 >= 2^-340`.
#[inline(always)]
fn expm1_small(a: f64) -> Ev {
    let mut q = EXP_C[13];
    for c in EXP_C[1..13].iter().rev() {
        q = *c + a * q;
    }
    Ev::rel(a * q, pow2(-44))
}

// ---------------------------------------------------------------------------------------------
// log1p
// ---------------------------------------------------------------------------------------------

/// `1/(2i + 1)` for `i = 0..=16`, each rounded to nearest.
const LOG_C: [f64; 17] = [
    f64::from_bits(0x3ff0_0000_0000_0000),
    f64::from_bits(0x3fd5_5555_5555_5555),
    f64::from_bits(0x3fc9_9999_9999_999a),
    f64::from_bits(0x3fc2_4924_9249_2492),
    f64::from_bits(0x3fbc_71c7_1c71_c71c),
    f64::from_bits(0x3fb7_45d1_745d_1746),
    f64::from_bits(0x3fb3_b13b_13b1_3b14),
    f64::from_bits(0x3fb1_1111_1111_1111),
    f64::from_bits(0x3fae_1e1e_1e1e_1e1e),
    f64::from_bits(0x3faa_f286_bca1_af28),
    f64::from_bits(0x3fa8_6186_1861_8618),
    f64::from_bits(0x3fa6_42c8_590b_2164),
    f64::from_bits(0x3fa4_7ae1_47ae_147b),
    f64::from_bits(0x3fa2_f684_bda1_2f68),
    f64::from_bits(0x3fa1_a7b9_611a_7b96),
    f64::from_bits(0x3fa0_8421_0842_1084),
    f64::from_bits(0x3f9f_07c1_f07c_1f08),
];

/// `ln(1 + z)` as an enclosure, for `0 < z' <= 1 + 2^-30` (`None` otherwise).
///
/// Analysis: `ln(1 + z) = 2 atanh(w)` with `w = z/(2 + z)` in `(0, (1 + 2^-30)/3]`, and
/// `atanh(w) = w T(w^2)`, `T(s) = sum s^i/(2i + 1)`. Computed `w` has relative error at
/// most `2.01 U` (two roundings) and `w^2` at most `5.01 U`; `T` is evaluated by Horner's
/// rule in `w^2` (positive terms) with 17 terms (`w > 2^-5`: truncation
/// `9^-17 (1 + 2^-23) (9/8) / 35 <= 2^-58.8`), 6 terms (`2^-300 < w <= 2^-5`: truncation
/// `2^-60/13 (1 + 2^-9)`) or 1 term (`w <= 2^-300`: truncation below 2^-600, and no `w^2`
/// is formed, so nothing underflows). Horner rounding at most `gamma_32`, coefficient rounding
/// 2^-53, the sensitivity of `T` to `w^2` (`s T'(s)/T(s) <= 0.047`) times `5.01 U`, the
/// error of `w`, and the final product: below 36 U (2^-46.8), claimed 2^-44. The input error
/// adds at most `e_z` (the derivative `1/(1 + z)` is below 1).
#[inline(always)]
fn log1p_ev(z: Ev) -> Option<Ev> {
    if !(z.v > 0.0 && z.v <= 1.0 + pow2(-30)) {
        return None;
    }
    let w = z.v / (2.0 + z.v);
    let n = if w <= pow2(-300) {
        0
    } else if w <= pow2(-5) {
        5
    } else {
        16
    };
    let mut s = LOG_C[n];
    if n > 0 {
        let w2 = w * w;
        for c in LOG_C[..n].iter().rev() {
            s = *c + w2 * s;
        }
    }
    let l = (2.0 * w) * s;
    Some(Ev { v: l, e: bound(l * pow2(-44) + z.e) })
}

// ---------------------------------------------------------------------------------------------
// The standard normal distribution
// ---------------------------------------------------------------------------------------------

/// 1/sqrt(2 pi), rounded to nearest.
const INV_SQRT_2PI: f64 = f64::from_bits(0x3fd9_8845_33d4_3651);

/// `1/(2n + 1)!!` for `n = 0..=34`, each rounded to nearest.
const S_C: [f64; 35] = [
    f64::from_bits(0x3ff0_0000_0000_0000),
    f64::from_bits(0x3fd5_5555_5555_5555),
    f64::from_bits(0x3fb1_1111_1111_1111),
    f64::from_bits(0x3f83_8138_1381_3814),
    f64::from_bits(0x3f51_566a_bc01_1567),
    f64::from_bits(0x3f19_37e1_1175_f095),
    f64::from_bits(0x3edf_09b2_8ba4_d955),
    f64::from_bits(0x3ea0_8db4_8ebe_51c7),
    f64::from_bits(0x3e5f_28db_670b_e53b),
    f64::from_bits(0x3e1a_3d5a_71b9_2cd3),
    f64::from_bits(0x3dd3_fdfb_c45c_52ea),
    f64::from_bits(0x3d8b_d0ac_3296_b624),
    f64::from_bits(0x3d41_cd3b_01a8_22a6),
    f64::from_bits(0x3cf5_1929_7d39_0c9f),
    f64::from_bits(0x3ca7_47e7_2912_d023),
    f64::from_bits(0x3c58_0828_6c76_8445),
    f64::from_bits(0x3c07_4dba_97b8_be52),
    f64::from_bits(0x3bb5_4e61_74c6_2a5a),
    f64::from_bits(0x3b62_6d4d_5e13_2b8c),
    f64::from_bits(0x3b0e_3d36_c1c3_8faa),
    f64::from_bits(0x3ab7_99ec_4c4d_b4d0),
    f64::from_bits(0x3a61_9050_980a_3336),
    f64::from_bits(0x3a08_fac2_4452_c5fd),
    f64::from_bits(0x39b1_01e0_dcd0_ddf3),
    f64::from_bits(0x3956_36b2_c25f_2c57),
    f64::from_bits(0x38fb_e03f_b2a9_a10e),
    f64::from_bits(0x38a0_d4ad_b453_18ca),
    f64::from_bits(0x3843_95bc_2a44_c468),
    f64::from_bits(0x37e5_fd74_f512_d38c),
    f64::from_bits(0x3787_da87_8c03_10dd),
    f64::from_bits(0x3729_06d9_c10f_ce8b),
    f64::from_bits(0x36c9_6c8b_f0d3_1af7),
    f64::from_bits(0x3669_086a_47b4_49d0),
    f64::from_bits(0x3607_e978_a031_f273),
    f64::from_bits(0x35a6_2de2_e635_bf7d),
];

/// The parts of the normal distribution at `t = |x|` shared by gelu and gelu'.
struct Normal {
    /// The density `phi(t) = e^(-t^2/2) / sqrt(2 pi)`.
    pdf: Ev,
    /// `G(t) = Phi(t) - 1/2` (for `t <= 3`) or the Mills ratio `M(t) = Q(t)/phi(t)`
    /// (for `t > 3`), by [`Normal::series`].
    part: Ev,
    /// Which of the two `part` holds.
    series: bool,
}

/// `phi(t)` and the series or continued-fraction part, for `0 < t <= 34`.
///
/// `t^2` is exact (`t` has at most 24 significant bits) and `t^2/2 <= 578`, so the density is
/// [`exp_ev`] at an exact argument times the rounded constant (relative error 2^-53).
#[inline(always)]
fn normal(t: f64) -> Option<Normal> {
    let q = t * t;
    let pdf = exp_ev(Ev::exact(-0.5 * q))?.mul(Ev::rel(INV_SQRT_2PI, pow2(-53)));
    if t <= 3.0 {
        let g = pdf.mul(Ev::exact(t)).mul(Ev::rel(s_series(q), pow2(-44)));
        Some(Normal { pdf, part: g, series: true })
    } else {
        Some(Normal { pdf, part: Ev::rel(mills(t)?, pow2(-42)), series: false })
    }
}

/// `S(q) = sum_{n>=0} q^n / (2n + 1)!!` for `2^-600 <= q <= 9`, so that
/// `Phi(t) - 1/2 = phi(t) t S(t^2)`, relative error below 2^-45.8 (claimed 2^-44).
///
/// Analysis: positive terms. Truncation after `n = N`, bounded by the next term over
/// `1 - q/(2N + 5)`, relative to `S >= 1`: `N = 15` for `q <= 1` (2^-62.4), `N = 24` for
/// `q <= 4` (2^-61.1), `N = 34` for `q <= 9` (2^-59.5). Horner rounding at most `gamma_68`,
/// coefficient rounding 2^-53: in all below `69.6 U`. Intermediates are at least
/// `q / 69!! >= 2^-770`.
#[inline(always)]
fn s_series(q: f64) -> f64 {
    let n = if q <= 1.0 {
        15
    } else if q <= 4.0 {
        24
    } else {
        34
    };
    let mut s = S_C[n];
    for c in S_C[..n].iter().rev() {
        s = *c + q * s;
    }
    s
}

/// The most convergents [`mills`] computes.
const CF_MAX: u32 = 72;

/// The Mills ratio `M(t) = Q(t)/phi(t)` (Q the upper tail of the normal distribution) for
/// `3 <= t <= 34`, relative error below 2^-43.7 (claimed 2^-42); `None` if the continued
/// fraction has not converged after [`CF_MAX`] convergents (it converges by 62 at `t = 3`,
/// sooner beyond).
///
/// Analysis: Laplace's continued fraction `M(t) = 1/(t + 1/(t + 2/(t + 3/(t + ...))))`
/// (partial numerators `a_1 = 1`, `a_j = j - 1`, denominators `t`), evaluated forward:
/// `A_k = t A_(k-1) + a_k A_(k-2)`, `B_k = t B_(k-1) + a_k B_(k-2)`, `f_k = A_k / B_k`, with
/// `A_k B_(k-1) - A_(k-1) B_k = (-1)^(k-1) (k-1)!`. Writing `M = T_1(T_2(...T_k(tau)))` with
/// the decreasing maps `T_j(w) = a_j/(t + w)` and the tail value `tau` in `(0, inf)`, while
/// `f_k` and `f_(k-1)` are the same composition at `0` and at `inf`, `M` lies strictly
/// between consecutive convergents, so `|M - f_k| <= (k-1)! / (B_k B_(k-1))`. The loop stops
/// once `(k-1)! <= 2^-58 A_k B_(k-1)`, that is `|M - f_k| <= 2^-58 f_k` (2^-57.9 with the
/// rounding of the test). All terms are positive, so the computed `A_k`, `B_k` carry
/// relative errors at most `gamma_2k` and the quotient `gamma_(4k+1)`, below `289.1 U` for
/// `k <= 72`. No overflow: `B_k <= prod_(j<k) (t + j) <= 108!/36! < 2^440`, `A_k <= B_k`,
/// `(k-1)! < 2^340`.
#[inline(always)]
fn mills(t: f64) -> Option<f64> {
    // Convergents k - 2 and k - 1, starting from A_0 = 0, A_1 = 1, B_0 = 1, B_1 = t.
    let (mut a0, mut a1, mut b0, mut b1) = (0.0, 1.0, 1.0, t);
    let mut fact = 1.0;
    for k in 2..=CF_MAX {
        let ak = f64::from(k - 1);
        let a2 = t * a1 + ak * a0;
        let b2 = t * b1 + ak * b0;
        fact *= ak;
        if fact <= pow2(-58) * (a2 * b1) {
            return Some(a2 / b2);
        }
        (a0, a1, b0, b1) = (a1, a2, b1, b2);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The activations
// ---------------------------------------------------------------------------------------------

/// What the kernels know about an exact function value.
#[derive(Clone, Copy, Debug)]
enum Approx {
    /// The value lies within `e` of `v`.
    Near(Ev),
    /// The value lies strictly between 0 and `2^log2_bound` in magnitude, with sign `neg`.
    Tiny {
        /// Whether the value is negative.
        neg: bool,
        /// The exponent of the bound.
        log2_bound: i32,
    },
}

/// A value within `e` of `v`, from a proven saturation bound.
const fn near(v: f64, e: f64) -> Option<Approx> {
    Some(Approx::Near(Ev { v, e }))
}

/// A value in `(0, 2^log2_bound)` (or its negative).
const fn tiny(neg: bool, log2_bound: i32) -> Option<Approx> {
    Some(Approx::Tiny { neg, log2_bound })
}

/// `1 + e`, the denominator of the sigmoid family (at least 1).
#[inline(always)]
fn one_plus(e: Ev) -> Ev {
    ONE.add(e)
}

/// `sigmoid(x)`. Saturation: for `x >= 40`, `1 - sigmoid(x) < e^-40 < 2^-57.7`; for
/// `x <= -590`, `0 < sigmoid(x) < e^-590 < 2^-851.1`.
fn sigmoid(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 {
        if t >= 40.0 {
            return near(1.0, pow2(-57));
        }
        let e = exp_ev(Ev::exact(-t))?;
        Some(Approx::Near(ONE.div(one_plus(e))?))
    } else {
        if t >= 590.0 {
            return tiny(false, -851);
        }
        let e = exp_ev(Ev::exact(-t))?;
        Some(Approx::Near(e.div(one_plus(e))?))
    }
}

/// `sigmoid'(x) = e/(1 + e)^2`, `e = e^-|x|`. Saturation: below `e^-590 < 2^-851.1` for
/// `|x| >= 590`.
fn d_sigmoid(t: f64) -> Option<Approx> {
    if t >= 590.0 {
        return tiny(false, -851);
    }
    let e = exp_ev(Ev::exact(-t))?;
    let den = one_plus(e);
    Some(Approx::Near(e.div(den.mul(den))?))
}

/// `tanh(x) = sign(x) g/(2 - g)` with `g = 1 - e^-2|x|` (from [`expm1_small`] when
/// `2|x| <= 0.3467`, so that tiny arguments keep their relative accuracy; otherwise
/// `1 - e` loses at most 2 bits since `e <= 0.71`). Saturation: for `|x| >= 20`,
/// `1 - tanh|x| < 2 e^-40 < 2^-56.7`.
fn tanh(x: f64, t: f64) -> Option<Approx> {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    if t >= 20.0 {
        return near(sign, pow2(-56));
    }
    let two_t = 2.0 * t;
    let g = if two_t <= EXPM1_SMALL {
        expm1_small(-two_t).neg()
    } else {
        ONE.sub(exp_ev(Ev::exact(-two_t))?)
    };
    let th = g.div(Ev::exact(2.0).sub(g))?;
    Some(Approx::Near(if x < 0.0 { th.neg() } else { th }))
}

/// `tanh'(x) = 4e/(1 + e)^2`, `e = e^-2|x|`. Saturation: below `4 e^-590 < 2^-849.1` for
/// `2|x| >= 590`.
fn d_tanh(t: f64) -> Option<Approx> {
    let two_t = 2.0 * t;
    if two_t >= 590.0 {
        return tiny(false, -849);
    }
    let e = exp_ev(Ev::exact(-two_t))?;
    let den = one_plus(e);
    Some(Approx::Near(Ev::exact(4.0).mul(e).div(den.mul(den))?))
}

/// `silu(x) = x sigmoid(x)`. Saturation: for `x >= 40`, `x - silu(x) = x (1 - s) < x 2^-57`;
/// for `x <= -590`, `|silu(x)| < |x| e^-|x| <= 590 e^-590 < 2^-841.9` (decreasing).
fn silu(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 {
        if t >= 40.0 {
            return near(t, t * pow2(-57));
        }
        let e = exp_ev(Ev::exact(-t))?;
        Some(Approx::Near(Ev::exact(t).div(one_plus(e))?))
    } else {
        if t >= 590.0 {
            return tiny(true, -841);
        }
        let e = exp_ev(Ev::exact(-t))?;
        Some(Approx::Near(e.div(one_plus(e))?.mul(Ev::exact(t)).neg()))
    }
}

/// `silu'(x) = s (1 + x (1 - s))`, with `s` and `1 - s` from `e = e^-|x|` without
/// cancellation: for `x > 0`, `s = 1/(1 + e)`, `1 - s = e/(1 + e)`; for `x < 0` the two swap
/// and the bracket `1 - |x|/(1 + e)` cancels near the zero at `x = -1.28` (the enclosure
/// then widens and the caller falls back). Saturation: for `x >= 40`,
/// `0 < silu'(x) - 1 < x e^-x <= 40 e^-40 < 2^-52.3`; for `x <= -590`,
/// `0 < -silu'(x) < |x| e^-|x| < 2^-841.9`.
fn d_silu(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 {
        if t >= 40.0 {
            return near(1.0, pow2(-52));
        }
        let e = exp_ev(Ev::exact(-t))?;
        let den = one_plus(e);
        let s = ONE.div(den)?;
        let one_minus_s = e.div(den)?;
        Some(Approx::Near(s.mul(ONE.add(Ev::exact(t).mul(one_minus_s)))))
    } else {
        if t >= 590.0 {
            return tiny(true, -841);
        }
        let e = exp_ev(Ev::exact(-t))?;
        let den = one_plus(e);
        let s = e.div(den)?;
        let one_minus_s = ONE.div(den)?;
        Some(Approx::Near(s.mul(ONE.sub(Ev::exact(t).mul(one_minus_s)))))
    }
}

/// `softplus(x) = max(x, 0) + ln(1 + e^-|x|)`. Saturation: `ln(1 + e) < e`, so for `x >= 40`
/// the value is within 2^-57 of `x`, and for `x <= -590` it lies in `(0, 2^-851)`.
fn softplus(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 {
        if t >= 40.0 {
            return near(t, pow2(-57));
        }
        let l = log1p_ev(exp_ev(Ev::exact(-t))?)?;
        Some(Approx::Near(Ev::exact(t).add(l)))
    } else {
        if t >= 590.0 {
            return tiny(false, -851);
        }
        Some(Approx::Near(log1p_ev(exp_ev(Ev::exact(-t))?)?))
    }
}

/// `elu(x) = e^x - 1` for `x < 0` (from [`expm1_small`] near 0, else `e^x - 1` with at most
/// 1.3 bits of cancellation). Saturation: for `x <= -40` the value lies within
/// `e^-40 < 2^-57` above -1.
fn elu(t: f64) -> Option<Approx> {
    if t >= 40.0 {
        return near(-1.0, pow2(-57));
    }
    if t <= EXPM1_SMALL {
        return Some(Approx::Near(expm1_small(-t)));
    }
    Some(Approx::Near(exp_ev(Ev::exact(-t))?.sub(ONE)))
}

/// `elu'(x) = e^x` for `x < 0`. Saturation: below `e^-590 < 2^-851.1` for `x <= -590`.
fn d_elu(t: f64) -> Option<Approx> {
    if t >= 590.0 {
        return tiny(false, -851);
    }
    Some(Approx::Near(exp_ev(Ev::exact(-t))?))
}

/// `gelu(x) = x Phi(x)`: `Phi(x) = 1/2 + sign(x) G(t)` for `t <= 3`, `1 - phi(t) M(t)` or
/// `phi(t) M(t)` beyond. Saturation: `Q(t) < phi(t)/t`, so for `x >= 9`,
/// `x - gelu(x) = x Q(x) < phi(9) < 2^-59.7 <= x 2^-60`; for `x < -34`,
/// `|gelu(x)| = t Q(t) < phi(t) < phi(34) < 2^-835.2`.
fn gelu(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 && t >= 9.0 {
        return near(t, t * pow2(-60));
    }
    if x < 0.0 && t > 34.0 {
        return tiny(true, -835);
    }
    let n = normal(t)?;
    let cdf = match (n.series, x > 0.0) {
        (true, true) => HALF.add(n.part),
        (true, false) => HALF.sub(n.part),
        (false, true) => ONE.sub(n.pdf.mul(n.part)),
        (false, false) => n.pdf.mul(n.part),
    };
    let y = cdf.mul(Ev::exact(t));
    Some(Approx::Near(if x < 0.0 { y.neg() } else { y }))
}

/// `gelu'(x) = Phi(x) + x phi(x)`: for `t <= 3`, `1/2 + sign(x) (G(t) + t phi(t))`; beyond,
/// `1 + phi(t) (t - M(t))` for `x > 0` and `-phi(t) (t - M(t))` for `x < 0` (`M(t) < 1/3`,
/// no cancellation). Near the zero at `x = -0.75` the enclosure widens and the caller falls
/// back. Saturation: for `x >= 9`, `0 < gelu'(x) - 1 < t phi(t) <= 9 phi(9) < 2^-56.5`; for
/// `x < -34`, `0 < -gelu'(x) < t phi(t) < 34 phi(34) < 2^-830.1`.
fn d_gelu(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 && t >= 9.0 {
        return near(1.0, pow2(-56));
    }
    if x < 0.0 && t > 34.0 {
        return tiny(true, -830);
    }
    let n = normal(t)?;
    let y = if n.series {
        let odd = n.part.add(n.pdf.mul(Ev::exact(t)));
        if x > 0.0 {
            HALF.add(odd)
        } else {
            HALF.sub(odd)
        }
    } else {
        let tail = n.pdf.mul(Ev::exact(t).sub(n.part));
        if x > 0.0 {
            ONE.add(tail)
        } else {
            tail.neg()
        }
    };
    Some(Approx::Near(y))
}

/// `sqrt(8/pi) = 2 sqrt(2/pi)`, rounded to nearest.
const SQRT_8_OVER_PI: f64 = f64::from_bits(0x3ff9_8845_33d4_3651);
/// 0.044715, rounded to nearest.
const GELU_K: f64 = f64::from_bits(0x3fa6_e4e2_6d48_01f7);
/// 3 * 0.044715 = 0.134145, rounded to nearest.
const GELU_K3: f64 = f64::from_bits(0x3fc1_2ba9_d1f6_0179);

/// `|w| = 2|u| = sqrt(8/pi) t (1 + k t^2)` for gelu_tanh, where `x sigmoid(2u)` is the value;
/// its relative error is a few U (`t^2` is exact).
#[inline(always)]
fn gelu_tanh_w(t: f64) -> Ev {
    let kq = Ev::rel(GELU_K, pow2(-53)).mul(Ev::exact(t * t));
    ONE.add(kq).mul(Ev::exact(t)).mul(Ev::rel(SQRT_8_OVER_PI, pow2(-53)))
}

/// `gelu_tanh(x) = x sigmoid(w)`, `w = sqrt(8/pi) (x + k x^3)`. Saturation: `w` is odd and
/// increasing; for `x >= 8`, `w >= 49.29` and `x - gelu_tanh(x) < x e^-w < x 2^-71`; for
/// `x <= -18`, `|gelu_tanh(x)| < t e^-|w| <= 18 e^-444.8 < 2^-637.6` (decreasing).
fn gelu_tanh(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 {
        if t >= 8.0 {
            return near(t, t * pow2(-70));
        }
        let e = exp_ev(gelu_tanh_w(t).neg())?;
        Some(Approx::Near(Ev::exact(t).div(one_plus(e))?))
    } else {
        if t >= 18.0 {
            return tiny(true, -637);
        }
        let e = exp_ev(gelu_tanh_w(t).neg())?;
        Some(Approx::Near(e.div(one_plus(e))?.mul(Ev::exact(t)).neg()))
    }
}

/// `gelu_tanh'(x) = s (1 + x (1 - s) D)` with `s = sigmoid(w)` and
/// `D = w'(x) = sqrt(8/pi) (1 + 3k x^2)`; `s`, `1 - s` from `e = e^-|w|` as in silu'. Near the
/// zero at `x = -1.5` the enclosure widens and the caller falls back. Saturation:
/// `|gelu_tanh'(x) - [x > 0]| <= e max(1, t D)`, decreasing for `t >= 8`: below
/// `2^-64.1` for `x >= 8`; below `2^-631.4` (and negative) for `x <= -18`.
fn d_gelu_tanh(x: f64, t: f64) -> Option<Approx> {
    if x > 0.0 && t >= 8.0 {
        return near(1.0, pow2(-62));
    }
    if x < 0.0 && t >= 18.0 {
        return tiny(true, -631);
    }
    let e = exp_ev(gelu_tanh_w(t).neg())?;
    let den = one_plus(e);
    let slope = ONE
        .add(Ev::rel(GELU_K3, pow2(-53)).mul(Ev::exact(t * t)))
        .mul(Ev::rel(SQRT_8_OVER_PI, pow2(-53)));
    let t_slope = Ev::exact(t).mul(slope);
    let y = if x > 0.0 {
        let s = ONE.div(den)?;
        let one_minus_s = e.div(den)?;
        s.mul(ONE.add(t_slope.mul(one_minus_s)))
    } else {
        let s = e.div(den)?;
        let one_minus_s = ONE.div(den)?;
        s.mul(ONE.sub(t_slope.mul(one_minus_s)))
    };
    Some(Approx::Near(y))
}

/// The kernel of `op` at a nonzero binary64 `x` (a value of the format); `None` for the exact
/// cases this path leaves to the general code.
fn approx(op: ActOp, x: f64) -> Option<Approx> {
    let t = x.abs();
    match (op.act, op.derivative) {
        (Activation::Relu, _) => None,
        (Activation::Elu, false) => (x < 0.0).then(|| elu(t)).flatten(),
        (Activation::Elu, true) => (x < 0.0).then(|| d_elu(t)).flatten(),
        (Activation::Gelu, false) => gelu(x, t),
        (Activation::Gelu, true) => d_gelu(x, t),
        (Activation::GeluTanh, false) => gelu_tanh(x, t),
        (Activation::GeluTanh, true) => d_gelu_tanh(x, t),
        (Activation::Silu, false) => silu(x, t),
        (Activation::Silu, true) => d_silu(x, t),
        (Activation::Sigmoid, false) | (Activation::Softplus, true) => sigmoid(x, t),
        (Activation::Sigmoid, true) => d_sigmoid(t),
        (Activation::Tanh, false) => tanh(x, t),
        (Activation::Tanh, true) => d_tanh(t),
        (Activation::Softplus, false) => softplus(x, t),
    }
}

// ---------------------------------------------------------------------------------------------
// Deciding the rounding
// ---------------------------------------------------------------------------------------------

/// The significand (53 bits, hidden bit set) and the exponent of its last bit of a positive
/// normal binary64, or `None` for anything else.
#[inline(always)]
fn parts(v: f64) -> Option<(u128, i64)> {
    let bits = v.to_bits();
    let biased = (bits >> 52) & 0x7ff;
    if bits >> 63 != 0 || biased == 0 || biased == 0x7ff {
        return None;
    }
    let sig = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    Some((u128::from(sig), i64::try_from(biased).expect("11 bits") - 1075))
}

/// The binary64 value `(-1)^sign * sig * 2^exp` of a format value with `sig < 2^24` and
/// `2^-300 <= sig * 2^exp < 2^301`, built from bits.
#[inline(always)]
fn to_f64(sign: bool, sig: u128, exp: i32) -> f64 {
    let n = 128 - sig.leading_zeros();
    let frac = u64::try_from(sig << (53 - n)).expect("53 bits") & ((1u64 << 52) - 1);
    let biased = u64::try_from(i64::from(exp) + i64::from(n) - 1 + 1023).expect("normal range");
    f64::from_bits((u64::from(sign) << 63) | (biased << 52) | frac)
}

/// Turns a kernel's knowledge into the rounded result, if it decides it (see the module docs).
fn decide(env: &Env, fmt: &Format, approx: Approx) -> Option<Rounded<u128>> {
    let p = i64::from(fmt.p());
    let qmin = i64::from(fmt.qmin());
    match approx {
        Approx::Tiny { neg, log2_bound } => {
            // Every value in (0, 2^(qmin - 8)) rounds alike; so does every value just below
            // 2^log2_bound, represented by ((2^60 - 1) + s) 2^(log2_bound - 60).
            let lo = round_pack(env, fmt, neg, 1 << (p + 1), qmin - 8 - (p + 1), true);
            let hi = round_pack(env, fmt, neg, (1 << 60) - 1, i64::from(log2_bound) - 60, true);
            (lo == hi).then_some(lo)
        }
        Approx::Near(Ev { v, e }) => {
            if !(e.is_finite() && e <= 0.5 * v.abs()) {
                return None;
            }
            let neg = v < 0.0;
            let (mv, ev) = parts(v.abs())?;
            // The ends |v| -+ e as integers V -+ E in units of 2^base, rounded outward; the
            // unit is at most 2^-70 |v|, so both ends keep at least 52 significant bits.
            let (me, ee) = if e == 0.0 { (0, ev) } else { parts(e)? };
            let base = ev.min(ee).max(ev - 70);
            let big_v = mv << (ev - base);
            let big_e = if ee >= base {
                me << (ee - base)
            } else {
                let s = base - ee;
                if s >= 64 {
                    1
                } else {
                    (me >> s) + u128::from(me & ((1 << s) - 1) != 0)
                }
            };
            // Values just below the lower end and just above the upper end: each open unit
            // interval next to an end holds no rounding boundary, since the ends have far more
            // than p + 2 significant bits.
            let lo = round_pack(env, fmt, neg, big_v - big_e - 1, base, true);
            let hi = round_pack(env, fmt, neg, big_v + big_e, base, true);
            (lo == hi).then_some(lo)
        }
    }
}

/// The correctly rounded `op(x)` from the binary64 fast path, or `None` where it does not
/// decide (an environment that is not [`Env::is_ieee`], a format outside its range, a zero, infinite or NaN operand, an exact case, or an
/// enclosure that straddles a rounding boundary): the caller then takes the multiprecision
/// path. The result, when there is one, is the same as the multiprecision path's.
#[inline]
pub(crate) fn eval(env: &Env, fmt: &Format, op: ActOp, x: u128) -> Option<Rounded<u128>> {
    if !env.is_ieee() || fmt.p() > MAX_P || fmt.qmin() < MIN_QMIN || fmt.emax() > MAX_EMAX {
        return None;
    }
    let u = fmt.unpack(x);
    let Kind::Finite { sig, exp } = u.kind else {
        return None;
    };
    let approx = approx(op, to_f64(u.sign, sig, exp))?;
    decide(env, fmt, approx)
}

#[cfg(test)]
mod tests {
    use num_bigint::{BigInt, BigUint};

    use super::*;
    use crate::act::mp::consts::{constant, Const};
    use crate::act::mp::{Dy, Iv};

    /// The exact value of a positive finite binary64.
    fn dy(v: f64) -> Dy {
        let (m, e) = parts(v).expect("positive normal");
        Dy::new(BigInt::from(m), e)
    }

    /// Whether `c` is within `2^-53 |x|` of every point of `iv` (so it is `x` rounded to
    /// nearest, or as good).
    fn within_half_ulp(c: f64, iv: &Iv) -> bool {
        let c = dy(c);
        let lo = iv.lo.add_exact(&c.neg()).abs();
        let hi = iv.hi.add_exact(&c.neg()).abs();
        let tol = iv.lo.abs().mul_exact(&Dy::pow2(-53));
        lo.le(&tol) && hi.le(&tol)
    }

    /// The exact rational `num/den` as a point-width enclosure at 200 bits.
    fn ratio(num: &BigUint, den: &BigUint) -> Iv {
        let n = Iv::point(Dy::new(BigInt::from(num.clone()), 0));
        n.div(&Iv::point(Dy::new(BigInt::from(den.clone()), 0)), 200).expect("den > 0")
    }

    #[test]
    fn polynomial_coefficients_are_rounded_to_nearest() {
        let mut fact = BigUint::from(1u32);
        for (i, c) in EXP_C.iter().enumerate() {
            if i > 0 {
                fact *= u32::try_from(i).expect("small");
            }
            assert!(within_half_ulp(*c, &ratio(&BigUint::from(1u32), &fact)), "1/{i}!");
        }
        for (i, c) in LOG_C.iter().enumerate() {
            let den = BigUint::from(u32::try_from(2 * i + 1).expect("small"));
            assert!(within_half_ulp(*c, &ratio(&BigUint::from(1u32), &den)), "1/{}", 2 * i + 1);
        }
        let mut dfact = BigUint::from(1u32);
        for (n, c) in S_C.iter().enumerate() {
            dfact *= u32::try_from(2 * n + 1).expect("small");
            assert!(within_half_ulp(*c, &ratio(&BigUint::from(1u32), &dfact)), "1/{}!!", 2 * n + 1);
        }
        let k = ratio(&BigUint::from(44_715u32), &BigUint::from(1_000_000u32));
        assert!(within_half_ulp(GELU_K, &k));
        let k3 = ratio(&BigUint::from(134_145u32), &BigUint::from(1_000_000u32));
        assert!(within_half_ulp(GELU_K3, &k3));
    }

    #[test]
    fn transcendental_constants_are_rounded_to_nearest() {
        assert!(within_half_ulp(INV_SQRT_2PI, &constant(Const::Frac1Sqrt2Pi, 200)));
        assert!(within_half_ulp(SQRT_8_OVER_PI, &constant(Const::Sqrt2OverPi, 200).scale(1)));
        // LN2_HI has 32 significant bits and lies below ln 2; LN2_LO is ln 2 - LN2_HI rounded.
        let (m, _) = parts(LN2_HI).expect("normal");
        assert!(m.trailing_zeros() >= 21, "k * LN2_HI must be exact");
        let ln2 = constant(Const::Ln2, 200);
        assert!(dy(LN2_HI).lt(&ln2.lo));
        let rest =
            Iv::new(ln2.lo.add_exact(&dy(LN2_HI).neg()), ln2.hi.add_exact(&dy(LN2_HI).neg()));
        assert!(within_half_ulp(LN2_LO, &rest));
        assert_eq!(U, 2f64.powi(-52));
        assert_eq!(SLACK, 1.0 + 2f64.powi(-40));
        assert_eq!(FLOOR, 2f64.powi(-1000));
        assert_eq!(ROUNDING, 2f64.powi(-50));
    }

    #[test]
    fn kernels_meet_their_bounds_on_a_grid() {
        // exp against the engine's enclosure, at a spread of arguments.
        for i in -600..=600 {
            let a = f64::from(i) * 0.999_755_859_375; // 4095/4096, exact
            let y = exp_kernel(a);
            let exact = crate::act::mp::func::exp_point(&Dy::new(BigInt::from(i * 4095), -12), 120)
                .expect("in range");
            let err = Iv::new(exact.lo.add_exact(&dy(y).neg()), exact.hi.add_exact(&dy(y).neg()));
            let tol = exact.lo.mul_exact(&Dy::pow2(-46));
            assert!(err.lo.abs().le(&tol) && err.hi.abs().le(&tol), "exp({a})");
        }
        // The continued fraction converges within CF_MAX for the whole range it serves.
        for t in [3.0, 3.25, 4.0, 9.0, 20.0, 34.0] {
            assert!(mills(t).is_some(), "mills({t})");
        }
    }

    #[test]
    fn decide_rounds_only_unambiguous_enclosures() {
        use crate::env::Tininess;
        use crate::flags::Flags;
        let env = Env::default();
        let before = Env { tininess: Tininess::BeforeRounding, ..Env::default() };
        let bf16 = Format::BF16;
        let near = |v: f64, e: f64| Approx::Near(Ev { v, e });
        let inexact = |bits: u128| Some(Rounded::new(bits, Flags::INEXACT));
        // Around 1: a representable value strictly inside rounds to itself, inexact.
        assert_eq!(decide(&env, &bf16, near(1.0, pow2(-30))), inexact(0x3f80));
        assert_eq!(decide(&env, &bf16, near(-1.0, pow2(-30))), inexact(0xbf80));
        // Straddling the midpoint 1 + 2^-8: undecided; beside it: decided.
        assert_eq!(decide(&env, &bf16, near(1.0 + pow2(-8), pow2(-30))), None);
        assert_eq!(
            decide(&env, &bf16, near(1.0 + pow2(-8) + pow2(-20), pow2(-30))),
            inexact(0x3f81)
        );
        assert_eq!(
            decide(&env, &bf16, near(1.0 + pow2(-8) - pow2(-20), pow2(-30))),
            inexact(0x3f80)
        );
        // Too wide, or across zero.
        assert_eq!(decide(&env, &bf16, near(1.0, 0.75)), None);
        // Just around 2^emin: tiny before rounding on one side only, never after rounding.
        let at_emin = near(pow2(-126), pow2(-150));
        assert_eq!(decide(&before, &bf16, at_emin), None);
        assert_eq!(decide(&env, &bf16, at_emin), inexact(0x0080));
        // A far tail: a signed zero, inexact and underflow.
        let tiny_neg = Approx::Tiny { neg: true, log2_bound: -700 };
        let zero_flags = Flags::INEXACT.union(Flags::UNDERFLOW);
        assert_eq!(decide(&env, &bf16, tiny_neg), Some(Rounded::new(0x8000, zero_flags)));
    }

    /// An enclosure of the exact value of `op` at a nonzero `x`, from the multiprecision engine
    /// at working precision `w`.
    fn exact(op: ActOp, x: &Dy, w: i64) -> Iv {
        use crate::act::mp::func::{
            exp_iv, exp_point, expm1_point, log1p_iv, ncdf_point, npdf_point,
        };
        let t = x.abs();
        let xi = Iv::point(x.clone());
        // e^-a for a >= 0, then s = sigmoid(+-a) and 1 - s without cancellation.
        let sig = |a: &Iv| {
            let e = exp_iv(&a.neg(), w).expect("nonpositive argument");
            let den = e.add_int(1, w);
            let big = den.recip(w).expect("positive");
            let small = e.div(&den, w).expect("positive");
            if x.is_pos() {
                (e, big, small)
            } else {
                (e, small, big)
            }
        };
        let gelu_k = Iv::int(8943).div(&Iv::int(200_000), w).expect("nonzero");
        let c = constant(Const::Sqrt2OverPi, w).scale(1);
        let abs_w = {
            let cube = t.mul_exact(&t).mul_exact(&t);
            gelu_k.mul_dy(&cube, w).add(&Iv::point(t.clone()), w).mul(&c, w)
        };
        match (op.act, op.derivative) {
            (Activation::Sigmoid, false) | (Activation::Softplus, true) => sig(&Iv::point(t)).1,
            (Activation::Sigmoid, true) => {
                let (e, _, _) = sig(&Iv::point(t));
                let den = e.add_int(1, w).sqr(w);
                e.div(&den, w).expect("positive")
            }
            (Activation::Tanh, false) => {
                let g = expm1_point(&t.scale(1).neg(), w).expect("in range").neg();
                let th = g.div(&g.neg().add_int(2, w), w).expect("positive");
                if x.is_neg() {
                    th.neg()
                } else {
                    th
                }
            }
            (Activation::Tanh, true) => {
                let e = exp_point(&t.scale(1).neg(), w).expect("in range");
                e.scale(2).div(&e.add_int(1, w).sqr(w), w).expect("positive")
            }
            (Activation::Silu, false) => xi.mul(&sig(&Iv::point(t)).1, w),
            (Activation::Silu, true) => {
                let (_, s, one_minus_s) = sig(&Iv::point(t));
                s.mul(&one_minus_s.mul(&xi, w).add_int(1, w), w)
            }
            (Activation::Softplus, false) => {
                let (e, _, _) = sig(&Iv::point(t));
                let l = log1p_iv(&e, w);
                if x.is_pos() {
                    // Absolute precision 2^-w, whatever the size of x.
                    l.add(&xi, w + x.top().max(0))
                } else {
                    l
                }
            }
            (Activation::Elu, false) => expm1_point(x, w).expect("negative"),
            (Activation::Elu, true) => exp_point(x, w).expect("negative"),
            (Activation::Gelu, false) => ncdf_point(x, w).mul(&xi, w),
            (Activation::Gelu, true) => ncdf_point(x, w).add(&npdf_point(x, w).mul(&xi, w), w),
            (Activation::GeluTanh, false) => xi.mul(&sig(&abs_w).1, w),
            (Activation::GeluTanh, true) => {
                let (_, s, one_minus_s) = sig(&abs_w);
                let q = x.mul_exact(x);
                let slope = gelu_k.mul(&Iv::int(3), w).mul_dy(&q, w).add_int(1, w).mul(&c, w);
                s.mul(&one_minus_s.mul(&slope, w).mul(&xi, w).add_int(1, w), w)
            }
            (Activation::Relu, _) => unreachable!("relu is exact"),
        }
    }

    /// The distance from `v` to the farther end of `iv`, as a binary64 (for reporting).
    fn distance(iv: &Iv, v: f64) -> f64 {
        use num_traits::ToPrimitive;
        let v = if v < 0.0 { dy(-v).neg() } else { dy(v) };
        let far = |d: Dy| {
            let d = d.add_exact(&v.neg()).abs().rounded(60, crate::act::mp::Dir::Up);
            d.m.to_f64().expect("60 bits") * 2f64.powi(i32::try_from(d.e).expect("small"))
        };
        far(iv.lo.clone()).max(far(iv.hi.clone()))
    }

    /// binary32 operands: random encodings, and a few around every point where a kernel
    /// switches or saturates.
    fn operands() -> Vec<f64> {
        let fmt = Format::BINARY32;
        let mut state = 0x5EED_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 32) as u32
        };
        let mut bits: Vec<u32> = (0..6000).map(|_| next()).collect();
        let points: [f32; 30] = [
            0.17335, 0.3467, 0.7518, 1.2785, 1.5, 3.0, 8.0, 9.0, 14.0, 18.0, 20.0, 34.0, 40.0,
            295.0, 590.0, 1e-30, 2.5, 5.0, 12.0, 30.0, 100.0, 1e10, 0.01, 0.1, 0.5, 1.0, 2.0, 4.0,
            6.0, 7.0,
        ];
        for p in points {
            for d in 0..3u32 {
                for b in [p.to_bits() + d, p.to_bits() - d - 1] {
                    bits.push(b);
                    bits.push(b | 0x8000_0000);
                }
            }
        }
        bits.into_iter()
            .filter_map(|b| match fmt.unpack(u128::from(b)).kind {
                Kind::Finite { sig, exp } => Some(to_f64(b >> 31 == 1, sig, exp)),
                _ => None,
            })
            .collect()
    }

    /// Every enclosure the kernels claim contains the exact value (checked at 160 bits), and
    /// every tail bound holds. Prints the largest ratio of the actual error to the claimed
    /// bound, per op.
    #[test]
    fn kernel_enclosures_contain_the_exact_values() {
        for op in ActOp::all().filter(|op| op.act != Activation::Relu) {
            // Largest ratio overall (saturated tails included) and for 2^-20 <= |x| <= 2,
            // where every op evaluates its kernels.
            let (mut worst, mut worst_mid) = (0f64, 0f64);
            for x in operands() {
                let Some(a) = approx(op, x) else { continue };
                let xd = if x < 0.0 { dy(-x).neg() } else { dy(x) };
                let iv = exact(op, &xd, 160);
                match a {
                    Approx::Near(ev) => {
                        let d = distance(&iv, ev.v);
                        assert!(
                            d <= ev.e,
                            "{} at {x:e}: error {d:e} above bound {:e}",
                            op.name(),
                            ev.e
                        );
                        worst = worst.max(d / ev.e);
                        if (pow2(-20)..=2.0).contains(&x.abs()) {
                            worst_mid = worst_mid.max(d / ev.e);
                        }
                    }
                    Approx::Tiny { neg, log2_bound } => {
                        // The engine's enclosure of a far tail may straddle 0 (its sign is
                        // then only known from the analysis); its magnitude must be below
                        // the bound, and where it has a sign, that sign.
                        let b = Dy::pow2(i64::from(log2_bound));
                        let (lo, hi) =
                            if neg { (iv.hi.neg(), iv.lo.neg()) } else { (iv.lo, iv.hi) };
                        let straddles = lo.is_neg() && hi.is_pos();
                        assert!(
                            hi.lt(&b) && lo.neg().lt(&b) && (straddles || !lo.is_neg()),
                            "{} at {x:e}: tail bound",
                            op.name()
                        );
                    }
                }
            }
            eprintln!(
                "{}: largest error / bound = {worst:.3e} (for 2^-20 <= |x| <= 2: {worst_mid:.3e})",
                op.name()
            );
        }
    }
}
