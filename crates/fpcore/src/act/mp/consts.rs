//! Mathematical constants of the engine as enclosing intervals at any precision.
//!
//! The first 1024 bits of each constant are tabulated (floor of the constant times 2^1020);
//! beyond that precision they are computed: ln 2 from the series of atanh(1/3), pi from
//! Machin's formula, the rest from pi with outward-rounded square roots and quotients. A unit
//! test checks the tables against the series.

use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};

use super::series::pos_series;
use super::{bit_len, Dir, Dy, Iv};

/// A constant the engine knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Const {
    /// ln 2.
    Ln2,
    /// 1/sqrt(2 pi), the peak of the standard normal density.
    Frac1Sqrt2Pi,
    /// 2/sqrt(pi), the factor of erf.
    Frac2SqrtPi,
    /// sqrt(2/pi), the factor inside gelu_tanh.
    Sqrt2OverPi,
    /// 1/sqrt(2).
    Frac1Sqrt2,
}

/// Exponent of the last tabulated bit.
const TABLE_EXP: i64 = -1020;
/// Working precisions up to this use the tables.
const TABLE_PREC: i64 = 960;

/// floor(ln 2 * 2^1020), 1024 bits, most significant word first.
const LN2_WORDS: [u64; 16] = [
    0x0b17217f7d1cf79a,
    0xbc9e3b39803f2f6a,
    0xf40f343267298b62,
    0xd8a0d175b8baafa2,
    0xbe7b876206debac9,
    0x8559552fb4afa1b1,
    0x0ed2eae35c138214,
    0x427573b291169b82,
    0x53e96ca16224ae8c,
    0x51acbda11317c387,
    0xeb9ea9bc3b136603,
    0xb256fa0ec7657f74,
    0xb72ce87b19d6548c,
    0xaf5dfa6bd3830324,
    0x8655fa1872f20e3a,
    0x2da2d97c50f3fd5c,
];
/// floor(1/sqrt(2 pi) * 2^1020), 1024 bits, most significant word first.
const FRAC_1_SQRT_2PI_WORDS: [u64; 16] = [
    0x0662114cf50d9423,
    0x43f2cf1402eae38b,
    0xfd3829f30512706d,
    0x8c0471b4802639d2,
    0xe9df8ac55447d3db,
    0x723f5d3abb374e88,
    0xdeb14277970be151,
    0x3278e993445f08cf,
    0xf98282e1fd947ce4,
    0xb4ecdbd6e65c2339,
    0x5cacb544de69eea3,
    0x2c276937b1bc5676,
    0x91c1cec4882c77aa,
    0xcefe1f6708329ab3,
    0xfc8d2ab2435ee45c,
    0x9150c426bbb49487,
];
/// floor(2/sqrt(pi) * 2^1020), 1024 bits, most significant word first.
const FRAC_2_SQRT_PI_WORDS: [u64; 16] = [
    0x120dd750429b6d11,
    0xae3a914fed7fd868,
    0x8281341d7587cea2,
    0xe7342b06199cc416,
    0x180eb39f0b24e1e2,
    0x281806c12d98f35d,
    0x77a3e9ddc91c394f,
    0x0e9eedf0efffd84a,
    0x2a4ac3b98489b8cb,
    0xd3845e8fef6ff6af,
    0x92a45e5f27c2d654,
    0x7a4f46505b5b4e62,
    0xdd73fd6486de5e4e,
    0x5585911777503638,
    0xea0ea96813d29a65,
    0xa31a7d235b9fed80,
];
/// floor(sqrt(2/pi) * 2^1020), 1024 bits, most significant word first.
const SQRT_2_OVER_PI_WORDS: [u64; 16] = [
    0x0cc42299ea1b2846,
    0x87e59e2805d5c717,
    0xfa7053e60a24e0db,
    0x1808e369004c73a5,
    0xd3bf158aa88fa7b6,
    0xe47eba75766e9d11,
    0xbd6284ef2e17c2a2,
    0x64f1d32688be119f,
    0xf30505c3fb28f9c9,
    0x69d9b7adccb84672,
    0xb9596a89bcd3dd46,
    0x584ed26f6378aced,
    0x23839d891058ef55,
    0x9dfc3ece10653567,
    0xf91a556486bdc8b9,
    0x22a1884d7769290f,
];
/// floor(1/sqrt(2) * 2^1020), 1024 bits, most significant word first.
const FRAC_1_SQRT_2_WORDS: [u64; 16] = [
    0x0b504f333f9de648,
    0x4597d89b3754abe9,
    0xf1d6f60ba893ba84,
    0xced17ac858333991,
    0x54afc83043ab8a2c,
    0x3a8b1fe6fdc83db3,
    0x90f74a85e439c7b4,
    0xa780487363dfa276,
    0x8d2202e8742af1f4,
    0xe53059c6011bc337,
    0xbcab1bc911688458,
    0xa460abc722f7c4e3,
    0x3c6d5a8a38bb7e9d,
    0xccb2a634331f3c84,
    0xdf52f120f836e582,
    0xeeaa4a0899040ca4,
];

fn words(c: Const) -> &'static [u64; 16] {
    match c {
        Const::Ln2 => &LN2_WORDS,
        Const::Frac1Sqrt2Pi => &FRAC_1_SQRT_2PI_WORDS,
        Const::Frac2SqrtPi => &FRAC_2_SQRT_PI_WORDS,
        Const::Sqrt2OverPi => &SQRT_2_OVER_PI_WORDS,
        Const::Frac1Sqrt2 => &FRAC_1_SQRT_2_WORDS,
    }
}

/// The constant from its table, cut to about `w + 4` bits: `[n, n + 1] * 2^e`.
fn from_table(c: Const, w: i64) -> Iv {
    let table = words(c);
    // Only the words that hold the wanted bits are read.
    let n_words = usize::try_from((w + 8).div_euclid(64) + 2).expect("small").min(16);
    let mut n = BigUint::zero();
    for word in &table[..n_words] {
        n = (n << 64u32) | BigUint::from(*word);
    }
    let e = TABLE_EXP + 64 * i64::try_from(16 - n_words).expect("small");
    let n = BigInt::from(n);
    Iv::new(Dy::new(n.clone(), e), Dy::new(n + 1, e))
}

/// An enclosure of the constant with at least `w` correct bits.
pub(crate) fn constant(c: Const, w: i64) -> Iv {
    if w <= TABLE_PREC {
        return from_table(c, w);
    }
    computed(c, w)
}

/// The constant computed from its series, not from the table.
pub(crate) fn computed(c: Const, w: i64) -> Iv {
    let w2 = w + 16;
    match c {
        Const::Ln2 => ln2_series(w2),
        Const::Frac1Sqrt2Pi => {
            let root = sqrt_iv(&pi_machin(w2).scale(1), w2);
            root.recip(w2).expect("sqrt(2 pi) is positive")
        }
        Const::Frac2SqrtPi => {
            let root = sqrt_iv(&pi_machin(w2), w2);
            root.recip(w2).expect("sqrt(pi) is positive").scale(1)
        }
        Const::Sqrt2OverPi => {
            let q = Iv::int(2).div(&pi_machin(w2), w2).expect("pi is positive");
            sqrt_iv(&q, w2)
        }
        Const::Frac1Sqrt2 => sqrt_iv(&Iv::point(Dy::pow2(-1)), w2),
    }
}

/// `sqrt(x)` for `x >= 0`, rounded to `w` bits in direction `dir`.
pub(crate) fn sqrt_dir(x: &Dy, w: i64, dir: Dir) -> Dy {
    if x.is_zero() {
        return Dy::zero();
    }
    let mag = x.m.magnitude();
    let mut s = (2 * w + 4 - bit_len(mag)).max(0);
    if (x.e - s).rem_euclid(2) != 0 {
        s += 1;
    }
    let radicand = mag << usize::try_from(s).expect("sqrt shift");
    let mut root = radicand.sqrt();
    if dir == Dir::Up && &root * &root != radicand {
        root += 1u32;
    }
    Dy::round(BigInt::from(root), (x.e - s) / 2, w, dir)
}

/// `sqrt(X)` for `X >= 0`.
pub(crate) fn sqrt_iv(x: &Iv, w: i64) -> Iv {
    Iv::new(sqrt_dir(&x.lo, w, Dir::Down), sqrt_dir(&x.hi, w, Dir::Up))
}

/// ln 2 = 2 atanh(1/3) = (2/3) sum (1/9)^n / (2n + 1).
fn ln2_series(w: i64) -> Iv {
    let f = w + 8;
    let one = BigInt::one() << usize::try_from(f).expect("precision");
    let xl = &one / 9;
    let xh = &xl + 1;
    let (sl, sh) = pos_series(&xl, &xh, f, |n| (2 * n - 1, 2 * n + 1), |_| (1, 1));
    let s = Iv::new(Dy::new(sl, -f), Dy::new(sh, -f));
    s.mul(&Iv::int(2), w).div(&Iv::int(3), w).expect("3 is positive")
}

/// atan(1/k) for an integer k >= 2, from its alternating series, at scale 2^-f.
fn atan_inv(k: u64, f: i64) -> (BigInt, BigInt) {
    let one = BigInt::one() << usize::try_from(f).expect("precision");
    let k2 = BigInt::from(k) * BigInt::from(k);
    let mut power = BigInt::from(k);
    let (mut lo, mut hi) = (BigInt::zero(), BigInt::zero());
    let mut n: u64 = 0;
    loop {
        let den = &power * BigInt::from(2 * n + 1);
        let t_lo = &one / &den;
        let t_hi = &t_lo + 1;
        if t_lo.is_zero() {
            // Alternating series with decreasing terms: the tail is at most this term.
            lo -= &t_hi;
            hi += &t_hi;
            return (lo, hi);
        }
        if n % 2 == 0 {
            lo += &t_lo;
            hi += &t_hi;
        } else {
            lo -= &t_hi;
            hi -= &t_lo;
        }
        power *= &k2;
        n += 1;
    }
}

/// pi = 16 atan(1/5) - 4 atan(1/239).
fn pi_machin(w: i64) -> Iv {
    let f = w + 8;
    let (a_lo, a_hi) = atan_inv(5, f);
    let (b_lo, b_hi) = atan_inv(239, f);
    let lo = a_lo * 16 - b_hi * 4;
    let hi = a_hi * 16 - b_lo * 4;
    Iv::new(Dy::new(lo, -f), Dy::new(hi, -f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_the_series() {
        for c in [
            Const::Ln2,
            Const::Frac1Sqrt2Pi,
            Const::Frac2SqrtPi,
            Const::Sqrt2OverPi,
            Const::Frac1Sqrt2,
        ] {
            let t = from_table(c, 1100);
            let s = computed(c, 1100);
            // Both enclose the constant: they overlap, and each is narrow.
            assert!(t.lo.le(&s.hi) && s.lo.le(&t.hi), "{c:?}: table and series disagree");
            for iv in [&t, &s] {
                let width = iv.hi.add_exact(&iv.lo.neg());
                assert!(width.top() < -1000, "{c:?}: enclosure too wide");
            }
            // A short cut of the table still encloses the series value.
            let short = constant(c, 40);
            assert!(short.lo.le(&s.lo) && s.hi.le(&short.hi), "{c:?}: short cut");
        }
    }
}
