//! Fixed-point power series with rigorous bounds.
//!
//! A value `v` at scale `f` is an integer near `v * 2^f`. Series of positive terms are summed
//! twice, once with every step rounded down and once with every step rounded up, so the two
//! sums bound the exact partial sum; the neglected tail is bounded by a geometric series. No
//! error analysis is needed beyond the monotonicity of each step.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::One;

/// Largest number of terms any series sums (a guard; every series of the engine stops far
/// earlier, since its term ratio tends to a value at most 1/2).
const MAX_TERMS: u64 = 1 << 22;

/// `ceil(t / 2^s)`.
fn ceil_shr(t: &BigUint, s: usize) -> BigUint {
    let q = t >> s;
    let exact = t.trailing_zeros().is_none_or(|tz| tz >= s as u64);
    if exact {
        q
    } else {
        q + 1u32
    }
}

/// `ceil(t / b)` for `b > 0`.
fn ceil_div_small(t: &BigUint, b: u64) -> BigUint {
    let q = t / b;
    if &q * b == *t {
        q
    } else {
        q + 1u32
    }
}

/// The magnitude of a nonnegative series argument.
fn nonneg(x: &BigInt) -> &BigUint {
    debug_assert!(x.sign() != Sign::Minus, "series argument must be nonnegative");
    x.magnitude()
}

/// Bounds `(lo, hi)` with `lo <= 2^f * sum_{n>=0} c_n <= hi`, where `c_0 = 1` and
/// `c_n = c_(n-1) * x * a(n) / b(n)` with `ratio(n) = (a(n), b(n))`, for an `x >= 0` known as
/// `xl <= x * 2^f <= xh`. `tail(n) = (a', b')` must bound `a(m) / b(m)` for every `m > n`.
/// Summation stops once the current term is below one unit at scale `f` (or below `2^-f`
/// times the sum) and the tail ratio times `x` is at most 1/2; the tail is then at most that
/// term, which is added to the upper bound.
///
/// Each step divides by `2^f` and then by `b(n)`: nested floors (ceilings) of divisions by
/// positive integers equal the floor (ceiling) of the whole quotient, so the lower (upper)
/// chain bounds every term from below (above).
pub(crate) fn pos_series(
    xl: &BigInt,
    xh: &BigInt,
    f: i64,
    ratio: impl Fn(u64) -> (u64, u64),
    tail: impl Fn(u64) -> (u64, u64),
) -> (BigInt, BigInt) {
    let (xl, xh) = (nonneg(xl), nonneg(xh));
    let fu = usize::try_from(f).expect("series scale is nonnegative");
    let f_bits = u64::try_from(f).expect("series scale is nonnegative");
    let one = BigUint::one() << fu;
    let (mut cl, mut ch) = (one.clone(), one);
    let (mut sl, mut sh) = (cl.clone(), ch.clone());
    for n in 1..MAX_TERMS {
        let (a, b) = ratio(n);
        cl = ((&cl * xl * a) >> fu) / b;
        ch = ceil_div_small(&ceil_shr(&(&ch * xh * a), fu), b);
        sl += &cl;
        sh += &ch;
        // Small enough: below one unit, or below 2^-f relative to the sum.
        let small = ch <= BigUint::one() || ch.bits() + f_bits + 2 <= sl.bits();
        if small {
            let (ta, tb) = tail(n);
            if xh * ta * 2u32 <= (BigUint::from(tb) << fu) {
                sh += &ch;
                return (BigInt::from(sl), BigInt::from(sh));
            }
        }
    }
    // Unreachable for the engine's series; the upper bound is made useless so that the
    // caller's Ziv loop cannot conclude from it.
    (BigInt::from(sl), BigInt::from(sh << 64usize))
}

/// Bounds at scale `f` on `A(v)`, the asymptotic series `sum_n (-1)^n (2n - 1)!! v^n` of the
/// Gaussian tail (`(-1)!! = 1`), for `v > 0` known as `vl <= v * 2^f <= vh`.
///
/// For the tail `T(t) = integral_t^inf e^(-s^2/2) ds`, integration by parts gives
/// `T(t) = e^(-t^2/2)/t * (sum_{n<N} (-1)^n (2n-1)!! / t^(2n) + (-1)^N r_N)` with
/// `0 < r_N < (2N-1)!! / t^(2N)`: the exact value lies between consecutive partial sums. The
/// sum stops at the first term below one unit, or where terms stop decreasing.
pub(crate) fn asym_series(vl: &BigInt, vh: &BigInt, f: i64) -> (BigInt, BigInt) {
    let (vl, vh) = (nonneg(vl), nonneg(vh));
    let fu = usize::try_from(f).expect("series scale is nonnegative");
    let one = BigInt::one() << fu;
    let (mut al, mut ah) = (BigUint::one() << fu, BigUint::one() << fu);
    let (mut sl, mut sh) = (one.clone(), one);
    let mut n: u64 = 1;
    loop {
        let k = 2 * n - 1;
        al = (&al * vl * k) >> fu;
        ah = ceil_shr(&(&ah * vh * k), fu);
        // Stop at term n (the first neglected one) if it is tiny, or if the next one would
        // not be smaller (its ratio (2n + 1) v reaches 1).
        let next_grows = vh * (2 * n + 1) >= BigUint::one() << fu;
        if ah <= BigUint::one() || next_grows || n >= MAX_TERMS {
            if n % 2 == 0 {
                sh += BigInt::from(ah);
            } else {
                sl -= BigInt::from(ah);
            }
            return (sl, sh);
        }
        if n % 2 == 0 {
            sl += BigInt::from(al.clone());
            sh += BigInt::from(ah.clone());
        } else {
            sl -= BigInt::from(ah.clone());
            sh -= BigInt::from(al.clone());
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_series_brackets_e() {
        // e = sum 1/n!, at scale 2^60: floor(e * 2^60) = 3133965575612453542.
        let f = 60;
        let x = BigInt::one() << 60usize;
        let (lo, hi) = pos_series(&x, &x, f, |n| (1, n), |n| (1, n + 1));
        let e_scaled = BigInt::from(3_133_965_575_612_453_542u64);
        assert!(lo <= e_scaled && e_scaled < hi, "{lo} {hi}");
        assert!(&hi - &lo < BigInt::from(64), "too wide: {}", &hi - &lo);
    }

    #[test]
    fn asymptotic_series_brackets_the_mills_ratio() {
        // t = 8, v = 1/64: t Q(t) / phi(t) = 0.985055706063458..., times 2^40 = 1083080202823.6.
        let f = 40;
        let v = BigInt::one() << 34usize;
        let (lo, hi) = asym_series(&v, &v, f);
        let target = BigInt::from(1_083_080_202_823u64);
        assert!(lo <= target && target < hi, "{lo} {hi}");
        assert!(&hi - &lo < BigInt::from(100), "too wide: {}", &hi - &lo);
    }
}
