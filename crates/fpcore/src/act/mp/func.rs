//! Enclosures of the elementary functions at dyadic points and on intervals: exp, expm1,
//! log1p, atanh (for log1p), the standard normal CDF and density, and erf.
//!
//! Each `*_point` function takes an exact argument and a working precision `w` and returns an
//! interval that contains the exact function value, with a relative width of about `2^-w`.
//! `None` means the argument is outside what the function handles (only exp of a huge positive
//! argument); callers decide those cases from bounds before calling.

use num_bigint::BigInt;

use super::consts::{constant, Const};
use super::series::{asym_series, pos_series};
use super::{Dir, Dy, Iv};

/// Exponent bound of the arguments exp reduces: `|a| < 2^EXP_TOP`. Beyond it a negative
/// argument gives `[0, 2^-(2^EXP_TOP)]`, since `e^a < 2^a <= 2^-(2^EXP_TOP)`; a positive one is
/// refused.
const EXP_TOP: i64 = 41;

/// log2(e) * 2^60, rounded down (only used to pick the reduction multiple).
const LOG2E_Q60: i128 = 0x1715_4765_2b82_fe17;

/// Number of squarings after the Taylor series of exp, by precision.
fn squarings(w: i64) -> i64 {
    let root = u64::try_from(w.max(1)).expect("positive").isqrt();
    i64::try_from(root / 2).expect("small").clamp(1, 24)
}

/// `e^x` for `0 <= lo <= x <= hi <= 1/2`, as an interval.
fn exp_pos(lo: &Dy, hi: &Dy, w: i64) -> Iv {
    let s = squarings(w);
    // The series runs on t = x / 2^s at scale g = f + s, so t * 2^g = x * 2^f.
    let f = w + s + 12;
    let g = f + s;
    let xl = lo.to_fixed(f, Dir::Down);
    let xh = hi.to_fixed(f, Dir::Up);
    let (mut sl, mut sh) = pos_series(&xl, &xh, g, |n| (1, n), |n| (1, n + 1));
    let g_usize = usize::try_from(g).expect("scale");
    for _ in 0..s {
        sl = (&sl * &sl) >> g_usize;
        let sq = &sh * &sh;
        let up = (&sq >> g_usize) + 1;
        sh = up;
    }
    Iv::new(Dy::new(sl, -g), Dy::new(sh, -g)).rounded(w + 4)
}

/// `e^r` for `|r| <= 1/2`, `r` in an interval that may contain 0.
fn exp_small(r: &Iv, w: i64) -> Iv {
    if r.nonneg() {
        return exp_pos(&r.lo, &r.hi, w);
    }
    if r.nonpos() {
        let e = exp_pos(&r.hi.neg(), &r.lo.neg(), w + 2);
        return e.recip(w + 2).expect("e^x is positive");
    }
    // r straddles 0: 1 + x <= e^x <= 1 + 2x on [r.lo, r.hi] (the upper bound holds for x <= 1).
    let one = Dy::int(1);
    Iv::new(one.add(&r.lo, w + 4, Dir::Down), one.add(&r.hi.scale(1), w + 4, Dir::Up))
}

/// The multiple of ln 2 nearest `a` (approximately), for `|a| < 2^EXP_TOP`.
fn reduction_multiple(a: &Dy) -> i64 {
    let fixed = a.to_fixed(20, Dir::Down);
    let fixed = i128::try_from(fixed).expect("|a| < 2^41, so a * 2^20 fits");
    let prod = fixed * LOG2E_Q60;
    let k = (prod + (1i128 << 79)) >> 80;
    i64::try_from(k).expect("k fits")
}

/// `e^a` for an exact `a`; `None` when `a >= 2^EXP_TOP`.
pub(crate) fn exp_point(a: &Dy, w: i64) -> Option<Iv> {
    if a.is_zero() {
        return Some(Iv::int(1));
    }
    if a.top() > EXP_TOP {
        if a.is_neg() {
            // e^a < 2^a <= 2^(-2^EXP_TOP) for a <= -2^EXP_TOP.
            return Some(Iv::new(Dy::zero(), Dy::pow2(-(1i64 << EXP_TOP))));
        }
        return None;
    }
    let ww = w + 6;
    let k = reduction_multiple(a);
    let k_bits = i64::from(64 - k.unsigned_abs().leading_zeros());
    let wr = ww + k_bits + 8;
    let ln2 = constant(Const::Ln2, wr);
    let r = Iv::point(a.clone()).sub(&ln2.mul_dy(&Dy::int(k), wr), wr);
    let e = exp_small(&r, ww);
    Some(e.scale(k).rounded(w + 2))
}

/// `e^X` for an interval `X`; `None` when its upper end is at least `2^EXP_TOP`.
pub(crate) fn exp_iv(x: &Iv, w: i64) -> Option<Iv> {
    let low = exp_point(&x.lo, w)?;
    if x.lo == x.hi {
        return Some(low);
    }
    let d = x.hi.sub(&x.lo, w, Dir::Up);
    if d.le(&Dy::pow2(-1)) {
        // e^hi = e^lo e^d <= e^lo (1 + 2d) for 0 <= d <= 1.
        let factor = Iv::point(Dy::int(1).add(&d.scale(1), w + 4, Dir::Up));
        let hi = low.mul(&factor, w + 2).hi;
        return Some(Iv::new(low.lo, hi));
    }
    let high = exp_point(&x.hi, w)?;
    Some(Iv::new(low.lo, high.hi))
}

/// `e^a - 1` for an exact `a`; `None` when `a >= 2^EXP_TOP`.
pub(crate) fn expm1_point(a: &Dy, w: i64) -> Option<Iv> {
    if a.is_zero() {
        return Some(Iv::int(0));
    }
    if a.top() <= -1 {
        // |a| < 1/2: expm1(t) = t * sum t^n / (n + 1)! for t = |a|, no cancellation.
        let ww = w + 8;
        let f = ww + 4;
        let t = a.abs();
        let xl = t.to_fixed(f, Dir::Down);
        let xh = t.to_fixed(f, Dir::Up);
        let (sl, sh) = pos_series(&xl, &xh, f, |n| (1, n + 1), |n| (1, n + 2));
        let g = Iv::new(Dy::new(sl, -f), Dy::new(sh, -f)).mul_dy(&t, ww);
        if a.is_pos() {
            return Some(g.rounded(w + 2));
        }
        // expm1(-t) = -g / (1 + g), and g / (1 + g) increases with g.
        let one = Dy::int(1);
        let lo = g.lo.div(&one.add(&g.lo, ww, Dir::Up), ww, Dir::Down);
        let hi = g.hi.div(&one.add(&g.hi, ww, Dir::Down), ww, Dir::Up);
        return Some(Iv::new(lo, hi).neg().rounded(w + 2));
    }
    // |a| >= 1/2: |e^a - 1| >= 0.39, so subtracting 1 loses at most two bits.
    let e = exp_point(a, w + 4)?;
    Some(e.add_int(-1, w + 2))
}

/// `atanh(U)` for `|U| <= 1/5` (slightly more is fine): `u * sum u^(2n) / (2n + 1)`.
fn atanh_iv(u: &Iv, w: i64) -> Iv {
    let v = u.sqr(w + 4);
    let f = w + 6;
    let vl = v.lo.to_fixed(f, Dir::Down);
    let vh = v.hi.to_fixed(f, Dir::Up);
    let (sl, sh) = pos_series(&vl, &vh, f, |n| (2 * n - 1, 2 * n + 1), |_| (1, 1));
    let s = Iv::new(Dy::new(sl, -f), Dy::new(sh, -f));
    u.mul(&s, w)
}

/// `ln(Z)` for `Z > 0`: `Z = 2^k m` with `m` in `[3/4, 3/2]`, `ln m = 2 atanh((m-1)/(m+1))`.
fn log_iv(z: &Iv, w: i64) -> Iv {
    let mut k = z.lo.top() - 1;
    if Dy::new(BigInt::from(3), -1).lt(&z.lo.scale(-k)) {
        k += 1;
    }
    let (m_lo, m_hi) = (z.lo.scale(-k), z.hi.scale(-k));
    let one = Dy::int(1);
    let u_at = |m: &Dy, dir: Dir| -> Dy {
        let num = m.add_exact(&one.neg());
        let den = m.add_exact(&one);
        num.div(&den, w + 4, dir)
    };
    let u = Iv::new(u_at(&m_lo, Dir::Down), u_at(&m_hi, Dir::Up));
    let at = atanh_iv(&u, w + 4).scale(1);
    if k == 0 {
        return at.rounded(w + 2);
    }
    let k_bits = i64::from(64 - k.unsigned_abs().leading_zeros());
    let ln2 = constant(Const::Ln2, w + k_bits + 8);
    ln2.mul_dy(&Dy::int(k), w + k_bits + 8).add(&at, w + 4).rounded(w + 2)
}

/// `ln(1 + y)` for an exact `y > -1`.
pub(crate) fn log1p_point(y: &Dy, w: i64) -> Iv {
    if y.is_zero() {
        return Iv::int(0);
    }
    let ww = w + 8;
    if y.top() <= -2 {
        // |y| < 1/4: ln(1 + y) = 2 atanh(y / (2 + y)), relative precision for tiny y.
        let two = Dy::int(2);
        let den = Iv::new(two.add(y, ww + 4, Dir::Down), two.add(y, ww + 4, Dir::Up));
        let u = Iv::point(y.clone()).div(&den, ww + 4).expect("2 + y > 0");
        return atanh_iv(&u, ww).scale(1).rounded(w + 2);
    }
    let one = Dy::int(1);
    let z = if y.is_neg() {
        // -1 < y <= -1/4: 1 + y is exact and short.
        Iv::point(one.add_exact(y))
    } else {
        Iv::new(one.add(y, ww + 4, Dir::Down), one.add(y, ww + 4, Dir::Up))
    };
    log_iv(&z, ww).rounded(w + 2)
}

/// `ln(1 + Y)` for an interval with `Y.lo > -1`: by concavity,
/// `ln(1 + hi) <= ln(1 + lo) + (hi - lo) / (1 + lo)`.
pub(crate) fn log1p_iv(y: &Iv, w: i64) -> Iv {
    let low = log1p_point(&y.lo, w);
    if y.lo == y.hi {
        return low;
    }
    let d = y.hi.sub(&y.lo, w, Dir::Up);
    let den = Dy::int(1).add(&y.lo, w + 4, Dir::Down);
    let q = d.div(&den, w + 4, Dir::Up);
    Iv::new(low.lo, low.hi.add(&q, w + 2, Dir::Up))
}

/// `lambda t^2` for `lambda = 2^-lam`, exactly.
fn gauss_y(t: &Dy, lam: i64) -> Dy {
    t.mul_exact(t).scale(-lam)
}

/// Whether the asymptotic series of the Gaussian tail reaches `w` bits at `y = lambda t^2`:
/// its smallest term is about `e^-y`, so `y >= 0.7 (w + 8)` suffices.
fn use_asymptotic(y: &Dy, w: i64) -> bool {
    Dy::int((7 * (w + 8)).div_euclid(10) + 1).le(y)
}

/// `J(t) = integral_0^t e^(-lambda s^2) ds` for `t > 0`, as `t e^-y P(y)` with
/// `y = lambda t^2` and `P(y) = sum (2y)^n / (2n + 1)!!` (positive terms).
fn gauss_head(t: &Dy, lam: i64, w: i64) -> Iv {
    let y = gauss_y(t, lam);
    let ww = w + 8;
    let f = ww + 4;
    let two_y = y.scale(1);
    let xl = two_y.to_fixed(f, Dir::Down);
    let xh = two_y.to_fixed(f, Dir::Up);
    let (pl, ph) = pos_series(&xl, &xh, f, |n| (1, 2 * n + 1), |n| (1, 2 * n + 3));
    let p = Iv::new(Dy::new(pl, -f), Dy::new(ph, -f));
    let e = exp_point(&y.neg(), ww).expect("e^-y with y >= 0");
    p.mul(&e, ww).mul_dy(t, ww).rounded(w + 2)
}

/// `T(t) = integral_t^inf e^(-lambda s^2) ds` for large `t`, as
/// `e^-y / (2 lambda t) A(1 / (2y))` with the bracketing asymptotic series `A`.
fn gauss_tail(t: &Dy, lam: i64, w: i64) -> Iv {
    let y = gauss_y(t, lam);
    let ww = w + 8;
    let a = tail_factor(&y, ww);
    let e = exp_point(&y.neg(), ww).expect("e^-y with y >= 0");
    let den = Iv::point(t.scale(1 - lam));
    a.mul(&e, ww).div(&den, ww).expect("t > 0").rounded(w + 2)
}

/// The asymptotic factor `A(1 / (2y))` of the Gaussian tail at `y = lambda t^2` (see
/// [`asym_series`]), for `y` large enough that it is close to 1.
fn tail_factor(y: &Dy, w: i64) -> Iv {
    let f = w + 4;
    let one = Dy::int(1);
    let two_y = y.scale(1);
    let vl = one.div(&two_y, w + 4, Dir::Down).to_fixed(f, Dir::Down);
    let vh = one.div(&two_y, w + 4, Dir::Up).to_fixed(f, Dir::Up);
    let (al, ah) = asym_series(&vl, &vh, f);
    Iv::new(Dy::new(al, -f), Dy::new(ah, -f))
}

/// For `t > 0` large enough for the asymptotic series at precision `w`: the factor
/// `A = t Q(t) / phi(t)` of the normal tail `Q(t) = 1 - Phi(t)`, which lies near 1.
pub(crate) fn ncdf_tail_factor(t: &Dy, w: i64) -> Option<Iv> {
    let y = gauss_y(t, 1);
    use_asymptotic(&y, w + 8).then(|| tail_factor(&y, w + 8))
}

/// The standard normal CDF `Phi(x)` for an exact nonzero `x`.
pub(crate) fn ncdf_point(x: &Dy, w: i64) -> Iv {
    let t = x.abs();
    let y = gauss_y(&t, 1);
    let ww = w + 8;
    if use_asymptotic(&y, ww) {
        let c = constant(Const::Frac1Sqrt2Pi, ww + 4);
        let q = gauss_tail(&t, 1, ww).mul(&c, ww);
        return if x.is_neg() { q.rounded(w + 2) } else { q.neg().add_int(1, w + 2) };
    }
    let half = Iv::point(Dy::pow2(-1));
    if x.is_pos() {
        let c = constant(Const::Frac1Sqrt2Pi, ww + 4);
        let h = gauss_head(&t, 1, ww).mul(&c, ww);
        return half.add(&h, w + 2);
    }
    // Phi(-t) = 1/2 - J(t)/sqrt(2 pi) loses about 1.44 y + log2(t) bits to cancellation.
    let y_ceil = i64::try_from(y.to_fixed(0, Dir::Up)).expect("y is below the asymptotic bound");
    let guard = (3 * y_ceil) / 2 + t.top().max(0) + 8;
    let wg = ww + guard;
    let c = constant(Const::Frac1Sqrt2Pi, wg + 4);
    let h = gauss_head(&t, 1, wg).mul(&c, wg);
    half.sub(&h, wg).rounded(w + 2)
}

/// The standard normal density `phi(x) = e^(-x^2/2) / sqrt(2 pi)` for an exact `x`.
pub(crate) fn npdf_point(x: &Dy, w: i64) -> Iv {
    let ww = w + 6;
    let e = exp_point(&gauss_y(x, 1).neg(), ww).expect("e^-y with y >= 0");
    e.mul(&constant(Const::Frac1Sqrt2Pi, ww), w + 2)
}

/// `erf(x)` for an exact nonzero `x`.
pub(crate) fn erf_point(x: &Dy, w: i64) -> Iv {
    let t = x.abs();
    let y = gauss_y(&t, 0);
    let ww = w + 8;
    let c = constant(Const::Frac2SqrtPi, ww + 4);
    let r = if use_asymptotic(&y, ww) {
        gauss_tail(&t, 0, ww).mul(&c, ww).neg().add_int(1, ww)
    } else {
        gauss_head(&t, 0, ww).mul(&c, ww)
    };
    let r = r.rounded(w + 2);
    if x.is_neg() {
        r.neg()
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that `iv` contains `num / 2^60` up to one unit and is narrow.
    fn assert_near(iv: &Iv, num: i128, what: &str) {
        let v = Dy::new(BigInt::from(num), -60);
        let ulp = Dy::pow2(-59);
        let lo = iv.lo.sub(&ulp, 200, Dir::Down);
        let hi = iv.hi.add(&ulp, 200, Dir::Up);
        assert!(lo.le(&v) && v.le(&hi), "{what}: {iv:?} misses {num}");
        let width = iv.hi.add_exact(&iv.lo.neg());
        assert!(width.top() < -55, "{what}: too wide {iv:?}");
    }

    // Reference values times 2^60, rounded down.
    #[test]
    fn elementary_enclosures_contain_known_values() {
        let one = Dy::int(1);
        assert_near(&exp_point(&one, 64).expect("finite"), 3_133_965_575_612_453_542, "exp(1)");
        assert_near(
            &exp_point(&one.neg(), 64).expect("finite"),
            424_136_118_829_305_329,
            "exp(-1)",
        );
        assert_near(&log1p_point(&one, 64), 799_144_290_325_165_978, "log1p(1)");
        assert_near(&erf_point(&one, 64), 971_567_866_140_968_291, "erf(1)");
        assert_near(&ncdf_point(&one.neg(), 64), 182_917_054_076_436_837, "Phi(-1)");
        assert_near(
            &expm1_point(&Dy::pow2(-3), 64).expect("finite"),
            153_509_714_845_879_545,
            "expm1(1/8)",
        );
    }
}
