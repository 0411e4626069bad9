//! The multiprecision engine of the activation functions: dyadic numbers `m * 2^e` and closed
//! intervals of them, rounded outward to a working precision.
//!
//! Every operation on an [`Iv`] returns an interval that contains every result of the exact
//! operation on points of the operands: the lower end is rounded toward -inf and the upper end
//! toward +inf, each to `w` significant bits. The functions built on top ([`func`]) return such
//! enclosures for exp, expm1, log1p, the Gaussian integrals, and so on; the Ziv loop in
//! `act::ziv` raises `w` until an enclosure rounds to a single value of the format.

pub(crate) mod consts;
pub(crate) mod func;
pub(crate) mod series;

use std::cmp::Ordering;

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// A rounding direction for one end of an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Toward -inf (lower ends).
    Down,
    /// Toward +inf (upper ends).
    Up,
}

/// Number of significant bits of a magnitude, as `i64`.
pub(crate) fn bit_len(m: &BigUint) -> i64 {
    i64::try_from(m.bits()).expect("bit length fits in i64")
}

/// `m / 2^s` rounded in direction `dir` (`s >= 0`), for a signed `m`.
pub(crate) fn shr_dir(m: &BigInt, s: i64, dir: Dir) -> BigInt {
    debug_assert!(s >= 0, "right shift by a negative amount");
    if s == 0 || m.is_zero() {
        return m.clone();
    }
    let mag = m.magnitude();
    let s_bits = u64::try_from(s).expect("nonnegative shift");
    let (q, exact) = if s_bits >= mag.bits() {
        (BigUint::zero(), false)
    } else {
        let q = mag >> s_bits;
        let exact = mag.trailing_zeros().is_some_and(|tz| tz >= s_bits);
        (q, exact)
    };
    let q = BigInt::from_biguint(Sign::Plus, q);
    let negative = m.sign() == Sign::Minus;
    match (negative, exact, dir) {
        (false, true, _) => q,
        (false, false, Dir::Down) => q,
        (false, false, Dir::Up) => q + 1,
        (true, true, _) => -q,
        (true, false, Dir::Down) => -q - 1,
        (true, false, Dir::Up) => -q,
    }
}

/// `m * 2^s` for `s >= 0`, or `m / 2^-s` rounded in direction `dir`.
pub(crate) fn shift_dir(m: &BigInt, s: i64, dir: Dir) -> BigInt {
    if s >= 0 {
        m << usize::try_from(s).expect("left shift fits in usize")
    } else {
        shr_dir(m, -s, dir)
    }
}

/// `a / b` rounded in direction `dir` (`b` nonzero).
pub(crate) fn div_dir(a: &BigInt, b: &BigInt, dir: Dir) -> BigInt {
    match dir {
        Dir::Down => a.div_floor(b),
        Dir::Up => -((-a).div_floor(b)),
    }
}

/// A dyadic number `m * 2^e`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dy {
    /// Signed integer significand.
    pub(crate) m: BigInt,
    /// Exponent of its least significant bit.
    pub(crate) e: i64,
}

impl Dy {
    /// Zero.
    pub(crate) fn zero() -> Dy {
        Dy { m: BigInt::zero(), e: 0 }
    }

    /// The integer `v`.
    pub(crate) fn int(v: i64) -> Dy {
        Dy { m: BigInt::from(v), e: 0 }
    }

    /// `m * 2^e`.
    pub(crate) fn new(m: BigInt, e: i64) -> Dy {
        Dy { m, e }
    }

    /// `2^k`.
    pub(crate) fn pow2(k: i64) -> Dy {
        Dy { m: BigInt::one(), e: k }
    }

    /// `(-1)^sign * sig * 2^exp`.
    pub(crate) fn from_parts(sign: bool, sig: u128, exp: i64) -> Dy {
        let m = BigInt::from(sig);
        Dy { m: if sign { -m } else { m }, e: exp }
    }

    /// Whether the value is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.m.is_zero()
    }

    /// Whether the value is negative.
    pub(crate) fn is_neg(&self) -> bool {
        self.m.is_negative()
    }

    /// Whether the value is positive.
    pub(crate) fn is_pos(&self) -> bool {
        self.m.is_positive()
    }

    /// The least `t` with `|x| < 2^t` (so `2^(t-1) <= |x|`); `i64::MIN` for zero.
    pub(crate) fn top(&self) -> i64 {
        if self.m.is_zero() {
            i64::MIN
        } else {
            self.e + bit_len(self.m.magnitude())
        }
    }

    /// `-x`.
    pub(crate) fn neg(&self) -> Dy {
        Dy { m: -&self.m, e: self.e }
    }

    /// `|x|`.
    pub(crate) fn abs(&self) -> Dy {
        Dy { m: self.m.abs(), e: self.e }
    }

    /// `x * 2^k`, exactly.
    pub(crate) fn scale(&self, k: i64) -> Dy {
        Dy { m: self.m.clone(), e: self.e + k }
    }

    /// Total order of the values.
    pub(crate) fn cmp_dy(&self, other: &Dy) -> Ordering {
        let (sa, sb) = (self.m.sign(), other.m.sign());
        let rank = |s: Sign| match s {
            Sign::Minus => 0,
            Sign::NoSign => 1,
            Sign::Plus => 2,
        };
        if sa != sb {
            return rank(sa).cmp(&rank(sb));
        }
        if sa == Sign::NoSign {
            return Ordering::Equal;
        }
        let (ta, tb) = (self.top(), other.top());
        let mag_order = if ta != tb {
            ta.cmp(&tb)
        } else {
            // Same leading exponent: the exponents differ by at most the longer significand.
            let base = self.e.min(other.e);
            let a = self.m.magnitude() << usize::try_from(self.e - base).expect("small shift");
            let b = other.m.magnitude() << usize::try_from(other.e - base).expect("small shift");
            a.cmp(&b)
        };
        if sa == Sign::Minus {
            mag_order.reverse()
        } else {
            mag_order
        }
    }

    /// Whether `self < other`.
    pub(crate) fn lt(&self, other: &Dy) -> bool {
        self.cmp_dy(other) == Ordering::Less
    }

    /// Whether `self <= other`.
    pub(crate) fn le(&self, other: &Dy) -> bool {
        self.cmp_dy(other) != Ordering::Greater
    }

    /// The exact sum. Only for operands whose exponents are not far apart (the result has
    /// about `|e_a - e_b|` more bits than the longer operand).
    pub(crate) fn add_exact(&self, other: &Dy) -> Dy {
        if self.is_zero() {
            return other.clone();
        }
        if other.is_zero() {
            return self.clone();
        }
        let base = self.e.min(other.e);
        let a = &self.m << usize::try_from(self.e - base).expect("exact add shift");
        let b = &other.m << usize::try_from(other.e - base).expect("exact add shift");
        Dy { m: a + b, e: base }
    }

    /// The exact product.
    pub(crate) fn mul_exact(&self, other: &Dy) -> Dy {
        Dy { m: &self.m * &other.m, e: self.e + other.e }
    }

    /// `m * 2^e` rounded to `w` significant bits in direction `dir`.
    pub(crate) fn round(m: BigInt, e: i64, w: i64, dir: Dir) -> Dy {
        let n = bit_len(m.magnitude());
        if n <= w {
            return Dy { m, e };
        }
        let s = n - w;
        Dy { m: shr_dir(&m, s, dir), e: e + s }
    }

    /// This value rounded to `w` bits in direction `dir`.
    pub(crate) fn rounded(&self, w: i64, dir: Dir) -> Dy {
        Dy::round(self.m.clone(), self.e, w, dir)
    }

    /// `floor` or `ceil` of `x * 2^f`, by `dir`.
    pub(crate) fn to_fixed(&self, f: i64, dir: Dir) -> BigInt {
        shift_dir(&self.m, self.e + f, dir)
    }

    /// `x` as the multiple of `2^base` next to it in direction `dir` (the integer multiplier).
    fn at_base(&self, base: i64, dir: Dir) -> BigInt {
        shift_dir(&self.m, self.e - base, dir)
    }

    /// `x + y` rounded to `w` bits in direction `dir`.
    pub(crate) fn add(&self, other: &Dy, w: i64, dir: Dir) -> Dy {
        if self.is_zero() {
            return other.rounded(w, dir);
        }
        if other.is_zero() {
            return self.rounded(w, dir);
        }
        // Operands are cut (in direction dir) at 2^base, far below the rounding position of
        // the larger one; this moves the sum in direction dir by less than 2^(base+1).
        let top = self.top().max(other.top());
        let base = (top - w - 4).max(self.e.min(other.e));
        let sum = self.at_base(base, dir) + other.at_base(base, dir);
        Dy::round(sum, base, w, dir)
    }

    /// `x - y` rounded to `w` bits in direction `dir`.
    pub(crate) fn sub(&self, other: &Dy, w: i64, dir: Dir) -> Dy {
        self.add(&other.neg(), w, dir)
    }

    /// `x * y` rounded to `w` bits in direction `dir`.
    pub(crate) fn mul(&self, other: &Dy, w: i64, dir: Dir) -> Dy {
        Dy::round(&self.m * &other.m, self.e + other.e, w, dir)
    }

    /// `x / y` rounded to `w` bits in direction `dir`; `y` must be nonzero.
    pub(crate) fn div(&self, other: &Dy, w: i64, dir: Dir) -> Dy {
        debug_assert!(!other.is_zero(), "division by zero in the engine");
        if self.is_zero() {
            return Dy::zero();
        }
        let (na, nb) = (bit_len(self.m.magnitude()), bit_len(other.m.magnitude()));
        let s = (w + 2 + nb - na).max(0);
        let num = &self.m << usize::try_from(s).expect("division shift");
        let q = div_dir(&num, &other.m, dir);
        Dy::round(q, self.e - s - other.e, w, dir)
    }
}

/// A closed interval `[lo, hi]` of dyadic numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Iv {
    /// Lower end.
    pub(crate) lo: Dy,
    /// Upper end.
    pub(crate) hi: Dy,
}

impl Iv {
    /// `[lo, hi]`.
    pub(crate) fn new(lo: Dy, hi: Dy) -> Iv {
        debug_assert!(lo.le(&hi), "interval ends out of order");
        Iv { lo, hi }
    }

    /// The point interval `[x, x]`.
    pub(crate) fn point(x: Dy) -> Iv {
        Iv { lo: x.clone(), hi: x }
    }

    /// The integer `v` as a point interval.
    pub(crate) fn int(v: i64) -> Iv {
        Iv::point(Dy::int(v))
    }

    /// Whether every point is >= 0.
    pub(crate) fn nonneg(&self) -> bool {
        !self.lo.is_neg()
    }

    /// Whether every point is <= 0.
    pub(crate) fn nonpos(&self) -> bool {
        !self.hi.is_pos()
    }

    /// Whether every point is > 0.
    pub(crate) fn pos(&self) -> bool {
        self.lo.is_pos()
    }

    /// `-X`.
    pub(crate) fn neg(&self) -> Iv {
        Iv { lo: self.hi.neg(), hi: self.lo.neg() }
    }

    /// `X * 2^k`, exactly.
    pub(crate) fn scale(&self, k: i64) -> Iv {
        Iv { lo: self.lo.scale(k), hi: self.hi.scale(k) }
    }

    /// `X + Y`.
    pub(crate) fn add(&self, other: &Iv, w: i64) -> Iv {
        Iv { lo: self.lo.add(&other.lo, w, Dir::Down), hi: self.hi.add(&other.hi, w, Dir::Up) }
    }

    /// `X - Y`.
    pub(crate) fn sub(&self, other: &Iv, w: i64) -> Iv {
        Iv { lo: self.lo.sub(&other.hi, w, Dir::Down), hi: self.hi.sub(&other.lo, w, Dir::Up) }
    }

    /// `X + c` for an integer `c`.
    pub(crate) fn add_int(&self, c: i64, w: i64) -> Iv {
        self.add(&Iv::int(c), w)
    }

    /// `X * Y`.
    pub(crate) fn mul(&self, other: &Iv, w: i64) -> Iv {
        let (a, b) = (self, other);
        if a.nonneg() && b.nonneg() {
            return Iv { lo: a.lo.mul(&b.lo, w, Dir::Down), hi: a.hi.mul(&b.hi, w, Dir::Up) };
        }
        if a.nonpos() && b.nonpos() {
            return Iv { lo: a.hi.mul(&b.hi, w, Dir::Down), hi: a.lo.mul(&b.lo, w, Dir::Up) };
        }
        if a.nonneg() && b.nonpos() {
            return Iv { lo: a.hi.mul(&b.lo, w, Dir::Down), hi: a.lo.mul(&b.hi, w, Dir::Up) };
        }
        if a.nonpos() && b.nonneg() {
            return Iv { lo: a.lo.mul(&b.hi, w, Dir::Down), hi: a.hi.mul(&b.lo, w, Dir::Up) };
        }
        let ends = [(&a.lo, &b.lo), (&a.lo, &b.hi), (&a.hi, &b.lo), (&a.hi, &b.hi)];
        let mut lo: Option<Dy> = None;
        let mut hi: Option<Dy> = None;
        for (x, y) in ends {
            let d = x.mul(y, w, Dir::Down);
            let u = x.mul(y, w, Dir::Up);
            if lo.as_ref().is_none_or(|l| d.lt(l)) {
                lo = Some(d);
            }
            if hi.as_ref().is_none_or(|h| h.lt(&u)) {
                hi = Some(u);
            }
        }
        Iv { lo: lo.expect("four products"), hi: hi.expect("four products") }
    }

    /// `X * x` for a point `x`.
    pub(crate) fn mul_dy(&self, x: &Dy, w: i64) -> Iv {
        self.mul(&Iv::point(x.clone()), w)
    }

    /// `X^2`.
    pub(crate) fn sqr(&self, w: i64) -> Iv {
        if self.nonneg() || self.nonpos() {
            return self.mul(self, w);
        }
        let m = if self.lo.neg().lt(&self.hi) { &self.hi } else { &self.lo };
        Iv { lo: Dy::zero(), hi: m.mul(m, w, Dir::Up) }
    }

    /// `1 / X`, or `None` when `X` contains zero.
    pub(crate) fn recip(&self, w: i64) -> Option<Iv> {
        if !(self.pos() || self.hi.is_neg()) {
            return None;
        }
        let one = Dy::int(1);
        Some(Iv { lo: one.div(&self.hi, w, Dir::Down), hi: one.div(&self.lo, w, Dir::Up) })
    }

    /// `X / Y`, or `None` when `Y` contains zero.
    pub(crate) fn div(&self, other: &Iv, w: i64) -> Option<Iv> {
        if other.pos() && self.nonneg() {
            return Some(Iv {
                lo: self.lo.div(&other.hi, w, Dir::Down),
                hi: self.hi.div(&other.lo, w, Dir::Up),
            });
        }
        Some(self.mul(&other.recip(w + 2)?, w))
    }

    /// The interval rounded outward to `w` bits.
    pub(crate) fn rounded(&self, w: i64) -> Iv {
        Iv { lo: self.lo.rounded(w, Dir::Down), hi: self.hi.rounded(w, Dir::Up) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dy(m: i64, e: i64) -> Dy {
        Dy::new(BigInt::from(m), e)
    }

    #[test]
    fn shifts_round_in_the_given_direction() {
        let m = BigInt::from(-5);
        assert_eq!(shr_dir(&m, 1, Dir::Down), BigInt::from(-3));
        assert_eq!(shr_dir(&m, 1, Dir::Up), BigInt::from(-2));
        assert_eq!(shr_dir(&BigInt::from(5), 1, Dir::Down), BigInt::from(2));
        assert_eq!(shr_dir(&BigInt::from(5), 1, Dir::Up), BigInt::from(3));
        assert_eq!(shr_dir(&BigInt::from(4), 1, Dir::Up), BigInt::from(2));
        assert_eq!(shr_dir(&BigInt::from(5), 100, Dir::Up), BigInt::from(1));
        assert_eq!(shr_dir(&BigInt::from(-5), 100, Dir::Down), BigInt::from(-1));
        assert_eq!(shr_dir(&BigInt::from(-5), 100, Dir::Up), BigInt::from(0));
    }

    #[test]
    fn comparisons_and_sums_are_exact_where_they_must_be() {
        assert!(dy(3, -1).lt(&dy(2, 0)));
        assert!(dy(-3, 0).lt(&dy(-1, 1)));
        assert_eq!(dy(4, 0).cmp_dy(&dy(1, 2)), Ordering::Equal);
        assert!(Dy::pow2(-1 << 40).lt(&dy(1, -3)));
        // 1 + 2^-100 at 10 bits: down gives 1, up gives the next 10-bit number above 1.
        let a = dy(1, 0);
        let b = Dy::pow2(-100);
        assert_eq!(a.add(&b, 10, Dir::Down).cmp_dy(&a), Ordering::Equal);
        assert_eq!(a.add(&b, 10, Dir::Up).cmp_dy(&dy(513, -9)), Ordering::Equal);
        assert_eq!(a.sub(&b, 10, Dir::Down).cmp_dy(&dy(1023, -10)), Ordering::Equal);
        assert_eq!(a.sub(&b, 10, Dir::Up).cmp_dy(&a), Ordering::Equal);
        // 1/3 at 8 bits.
        let third_lo = dy(1, 0).div(&dy(3, 0), 8, Dir::Down);
        let third_hi = dy(1, 0).div(&dy(3, 0), 8, Dir::Up);
        assert!(third_lo.mul_exact(&dy(3, 0)).lt(&dy(1, 0)));
        assert!(dy(1, 0).lt(&third_hi.mul_exact(&dy(3, 0))));
    }

    #[test]
    fn interval_products_cover_every_sign_pattern() {
        let a = Iv::new(dy(-2, 0), dy(3, 0));
        let b = Iv::new(dy(-5, 0), dy(1, 0));
        let p = a.mul(&b, 16);
        assert_eq!(p.lo.cmp_dy(&dy(-15, 0)), Ordering::Equal);
        assert_eq!(p.hi.cmp_dy(&dy(10, 0)), Ordering::Equal);
        let s = a.sqr(16);
        assert_eq!(s.lo.cmp_dy(&Dy::zero()), Ordering::Equal);
        assert_eq!(s.hi.cmp_dy(&dy(9, 0)), Ordering::Equal);
    }
}
