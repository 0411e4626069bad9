//! Decimal text: correctly rounded parsing of any length, the shortest round-tripping decimal,
//! and the exact decimal expansion of a value.
//!
//! Parsing computes the exact rational value `D * 10^E` with arbitrary-precision integers and
//! rounds it once (IEEE 754-2019 §5.12.2, round to nearest even). Printing is exact: the
//! shortest form comes from the exact rounding interval of the value, not from host floats.

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};

use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::reference::round_big;
use crate::round::round_pack;

use super::hexfloat::{parse_exponent, parse_hexfloat, parse_special, printed_parts, split_sign};
use super::{shown, TextError};

/// Parses a decimal number and rounds it once to `fmt` (round to nearest, ties to even), with
/// the inexact, underflow and overflow flags of that single rounding.
///
/// Accepts `[+-]digits[.digits][(e|E)[+-]digits]` (at least one mantissa digit, on either side
/// of the point; any number of digits everywhere) and the spellings `inf`, `infinity`, `nan`,
/// `snan` (any case, optional sign) with the meaning given in [`super::parse_hexfloat`].
///
/// The result is exact for every input: digits are kept down to the position `10^-j`, where
/// `2^-j` is the finest rounding boundary of the format (`j = max(0, 2 - qmin)`), and anything
/// nonzero below becomes a sticky bit, which cannot change the rounding because every boundary
/// is a multiple of `10^-j`. Values whose decimal exponent puts them clearly beyond overflow or
/// below half the smallest subnormal are decided without building their digits.
///
/// # Errors
///
/// [`TextError::NotDecimal`] when the text is not of that form (empty, no mantissa digit, a
/// second point, an exponent without digits, any other character, surrounding spaces).
pub fn parse_decimal(env: &Env, fmt: &Format, text: &str) -> Result<Rounded<u128>, TextError> {
    if let Some(r) = parse_special(env, fmt, text) {
        return Ok(r);
    }
    let err = || TextError::NotDecimal(shown(text));
    let (sign, rest) = split_sign(text);
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..]).ok_or_else(err)?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(err());
    }
    Ok(round_decimal(env, fmt, sign, int_part.as_bytes(), frac_part.as_bytes(), exp))
}

/// Parses a hex float when the text (after an optional sign) starts with `0x` or `0X`, and a
/// decimal number otherwise; see [`parse_hexfloat`] and [`parse_decimal`].
///
/// # Errors
///
/// The error of the parser the text was given to.
pub fn parse_value(env: &Env, fmt: &Format, text: &str) -> Result<Rounded<u128>, TextError> {
    let (_, rest) = split_sign(text);
    if rest.starts_with("0x") || rest.starts_with("0X") {
        parse_hexfloat(env, fmt, text)
    } else {
        parse_decimal(env, fmt, text)
    }
}

/// A lower bound on `n * log2(10)`: `log2(10)` lies in (3.3219, 3.3220).
fn log2_10_lower(n: i64) -> i128 {
    let factor = if n >= 0 { 33_219 } else { 33_220 };
    (i128::from(n) * factor).div_euclid(10_000)
}

/// An upper bound on `n * log2(10)`.
fn log2_10_upper(n: i64) -> i128 {
    let factor = if n >= 0 { 33_220 } else { 33_219 };
    -(-(i128::from(n) * factor)).div_euclid(10_000)
}

/// Rounds `(-1)^sign * 0.ddd * 2^(2 + emax)`, a value past the overflow threshold.
fn overflow_result(env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
    round_pack(env, fmt, sign, 1, i64::from(fmt.emax()) + 2, false)
}

/// Rounds a nonzero value below a quarter of the smallest subnormal: zero with underflow and
/// inexact.
fn underflow_result(env: &Env, fmt: &Format, sign: bool) -> Rounded<u128> {
    round_pack(env, fmt, sign, 1, i64::from(fmt.qmin()) - 3, false)
}

/// Rounds the validated decimal `int_part.frac_part * 10^exp` once.
fn round_decimal(
    env: &Env,
    fmt: &Format,
    sign: bool,
    int_part: &[u8],
    frac_part: &[u8],
    exp: i64,
) -> Rounded<u128> {
    let digit =
        |i: usize| if i < int_part.len() { int_part[i] } else { frac_part[i - int_part.len()] };
    let n_digits = int_part.len() + frac_part.len();
    let Some(first) = (0..n_digits).find(|&i| digit(i) != b'0') else {
        return crate::round::zero(env, fmt, sign);
    };
    let last = (0..n_digits).rev().find(|&i| digit(i) != b'0').expect("a nonzero digit exists");
    let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    // Digit i stands for digit(i) * 10^power(i).
    let int_len = to_i64(int_part.len());
    let power = |i: usize| (int_len - 1 - to_i64(i)).saturating_add(exp);

    // 10^lead <= |value| < 10^(lead + 1).
    let lead = power(first);
    if log2_10_lower(lead) >= i128::from(fmt.emax()) + 2 {
        return overflow_result(env, fmt, sign);
    }
    if log2_10_upper(lead.saturating_add(1)) <= i128::from(fmt.qmin()) - 2 {
        return underflow_result(env, fmt, sign);
    }

    // Every rounding boundary (midpoints between neighbours, the overflow threshold and the
    // tininess threshold of round_pack) is a multiple of 2^(qmin - 2), hence of 10^-cut.
    let cut = (2 - i64::from(fmt.qmin())).max(0);
    let last_kept = match usize::try_from(int_len - 1 + exp + cut) {
        Ok(limit) => last.min(limit),
        Err(_) => return underflow_result(env, fmt, sign),
    };
    if last_kept < first {
        return underflow_result(env, fmt, sign);
    }
    let dropped = last_kept < last;
    let kept: Vec<u8> = (first..=last_kept).map(digit).collect();
    let d = digits_to_big(&kept);
    round_scaled(env, fmt, sign, &d, power(last_kept), dropped)
}

/// Rounds `(-1)^sign * (d + s) * 10^e` once, where `0 < s < 1` iff `sticky` (and then every
/// rounding boundary is a multiple of `10^e`).
fn round_scaled(
    env: &Env,
    fmt: &Format,
    sign: bool,
    d: &BigUint,
    e: i64,
    sticky: bool,
) -> Rounded<u128> {
    // d * 10^e = (num / den) * 2^e.
    let (num, den) = if e >= 0 {
        (d * pow5(e.unsigned_abs()), BigUint::one())
    } else {
        (d.clone(), pow5(e.unsigned_abs()))
    };
    // A quotient of at least p + 2 bits: floor(num * 2^shift / den) >= 2^(p + 1).
    let shift = i64::try_from(den.bits()).expect("bounded")
        - i64::try_from(num.bits()).expect("bounded")
        + i64::from(fmt.p())
        + 2;
    let (scaled, low_lost) = if shift >= 0 {
        (num << shift.unsigned_abs(), false)
    } else {
        let r = shift.unsigned_abs();
        let lost = num.trailing_zeros().is_some_and(|tz| tz < r);
        (num >> r, lost)
    };
    let (quot, rem) = scaled.div_rem(&den);
    let sticky = sticky || low_lost || !rem.is_zero();
    round_big(env, fmt, sign, &quot, e - shift, sticky)
}

/// `5^n` (n is bounded by the format's exponent range and the text's length).
fn pow5(n: u64) -> BigUint {
    BigUint::from(5u32).pow(u32::try_from(n).expect("decimal exponents are bounded"))
}

/// Digits converted by the quadratic parser at once; longer strings are split in halves.
const CHUNK: usize = 512;

/// The integer spelled by ASCII decimal digits, by divide and conquer, so that a million
/// digits take a few multiplications of large numbers rather than quadratic time.
fn digits_to_big(digits: &[u8]) -> BigUint {
    // powers[k] = 10^(CHUNK * 2^k).
    let mut powers = vec![BigUint::from(10u32).pow(CHUNK as u32)];
    while CHUNK << powers.len() < digits.len() {
        let last = powers.last().expect("powers is not empty");
        let square = last * last;
        powers.push(square);
    }
    combine_digits(digits, &powers)
}

/// [`digits_to_big`] with the powers of ten already computed.
fn combine_digits(digits: &[u8], powers: &[BigUint]) -> BigUint {
    if digits.len() <= CHUNK {
        return BigUint::parse_bytes(digits, 10).expect("validated decimal digits");
    }
    let mut k = 0;
    while CHUNK << (k + 1) < digits.len() {
        k += 1;
    }
    let split = digits.len() - (CHUNK << k);
    let high = combine_digits(&digits[..split], powers);
    let low = combine_digits(&digits[split..], powers);
    high * &powers[k] + low
}

/// Formats the exact decimal expansion of a value, in plain notation (no exponent): `0.1` in
/// binary32 is `0.100000001490116119384765625`. Zeros are `0` and `-0`; infinities and NaNs
/// print as in [`super::format_hexfloat`].
pub fn format_exact_decimal(fmt: &Format, bits: u128) -> String {
    let (minus, sig, exp) = match printed_parts(fmt, bits, "0") {
        Ok(parts) => parts,
        Err(text) => return text,
    };
    let sig = BigUint::from(sig);
    if exp >= 0 {
        return format!("{minus}{}", sig << exp.unsigned_abs());
    }
    // sig * 2^exp = sig * 5^m / 10^m.
    let m = exp.unsigned_abs() as usize;
    let digits = (sig * pow5(u64::from(exp.unsigned_abs()))).to_string();
    let (int_digits, frac_digits) = if digits.len() > m {
        let (i, f) = digits.split_at(digits.len() - m);
        (i.to_string(), f.to_string())
    } else {
        ("0".to_string(), format!("{}{digits}", "0".repeat(m - digits.len())))
    };
    let frac_digits = frac_digits.trim_end_matches('0');
    if frac_digits.is_empty() {
        format!("{minus}{int_digits}")
    } else {
        format!("{minus}{int_digits}.{frac_digits}")
    }
}

/// The rounding interval of a positive value: the reals `N * 2^e0` with `lo <= N <= hi` (each
/// end included or not) round to it, and `x * 2^e0` is the value itself.
struct Interval {
    lo: BigUint,
    x: BigUint,
    hi: BigUint,
    lo_closed: bool,
    hi_closed: bool,
    e0: i64,
}

impl Interval {
    /// The interval of the positive value `sig * 2^exp` of `fmt`: halfway to each neighbour,
    /// the upper one past the largest finite value being the next value of an unbounded
    /// exponent range (so the upper end is the overflow threshold). Whether an end belongs is
    /// decided by rounding it with the format's own rounding routine (ties to even), so the
    /// interval agrees with [`parse_decimal`] by construction.
    fn of(fmt: &Format, sig: u128, exp: i32) -> Interval {
        let p = fmt.p();
        let at_binade_bottom = sig == 1u128 << (p - 1) && exp > fmt.qmin();
        // In units of 2^(exp - 2): the value, and its neighbours.
        let x = sig << 2;
        let below = if at_binade_bottom { ((1u128 << p) - 1) << 1 } else { (sig - 1) << 2 };
        let above = (sig + 1) << 2;
        let (lo, hi) = ((below + x) / 2, (x + above) / 2);
        let e0 = i64::from(exp) - 2;
        let target = fmt.pack_finite(false, sig, exp);
        let env = Env::default();
        let rounds_to_x = |n: u128| {
            let r = round_pack(&env, fmt, false, n, e0, false);
            r.value == target && !r.flags.contains(Flags::OVERFLOW)
        };
        Interval {
            lo_closed: rounds_to_x(lo),
            hi_closed: rounds_to_x(hi),
            lo: BigUint::from(lo),
            x: BigUint::from(x),
            hi: BigUint::from(hi),
            e0,
        }
    }

    /// Factors `(mul, den)` such that comparing `c * 10^k` with `N * 2^e0` is comparing
    /// `c * den` with `N * mul`.
    fn scale(&self, k: i64) -> (BigUint, BigUint) {
        let (mut mul, mut den) = if k >= 0 {
            (BigUint::one(), pow5(k.unsigned_abs()))
        } else {
            (pow5(k.unsigned_abs()), BigUint::one())
        };
        // 10^k * 2^-e0 = 5^k * 2^(k - e0).
        let twos = k - self.e0;
        if twos >= 0 {
            den <<= twos.unsigned_abs();
        } else {
            mul <<= twos.unsigned_abs();
        }
        (mul, den)
    }

    /// The integers `c` with `c * 10^k` in the interval, as an inclusive range, or `None`.
    fn multiples(&self, k: i64) -> Option<(BigUint, BigUint)> {
        let (mul, den) = self.scale(k);
        let (q_lo, r_lo) = (&self.lo * &mul).div_rem(&den);
        let c_min = if r_lo.is_zero() && self.lo_closed { q_lo } else { q_lo + 1u32 };
        let (q_hi, r_hi) = (&self.hi * &mul).div_rem(&den);
        let c_max = if r_hi.is_zero() && !self.hi_closed {
            if q_hi.is_zero() {
                return None;
            }
            q_hi - 1u32
        } else {
            q_hi
        };
        (c_min <= c_max).then_some((c_min, c_max))
    }

    /// The `c` in `c_min..=c_max` whose `c * 10^k` is closest to the value (ties to even `c`).
    fn closest(&self, k: i64, c_min: &BigUint, c_max: &BigUint) -> BigUint {
        let (mul, den) = self.scale(k);
        let (q, r) = (&self.x * &mul).div_rem(&den);
        let twice = r << 1u32;
        let up = twice > den || (twice == den && q.is_odd());
        let c = if up { q + 1u32 } else { q };
        c.clamp(c_min.clone(), c_max.clone())
    }

    /// The distance from `c * 10^k` to the value, times a positive factor that depends only
    /// on `k`: comparable between candidates at the same `k`.
    fn distance(&self, k: i64, c: &BigUint) -> BigUint {
        let (mul, den) = self.scale(k);
        let (a, b) = (c * den, &self.x * mul);
        if a >= b {
            a - b
        } else {
            b - a
        }
    }
}

/// The shortest decimal `c * 10^k` (c not a multiple of 10) that rounds back to the positive
/// value `sig * 2^exp` of `fmt`; among equally short ones, the closest to the value.
fn shortest_digits(fmt: &Format, sig: u128, exp: i32) -> (BigUint, i64) {
    let iv = Interval::of(fmt, sig, exp);
    // Above: 10^k_above exceeds the interval, so no positive multiple fits.
    let hi_bits = i64::try_from(iv.hi.bits()).expect("at most 116 bits") + iv.e0;
    let mut k_above = (i128::from(hi_bits) * 30_103).div_euclid(100_000) + 2;
    // Below: a k whose multiples are dense enough to meet the interval.
    let mut k_fits = k_above - (i128::from(fmt.p()) + 4) * 30_103 / 100_000 - 4;
    let as_k = |k: i128| i64::try_from(k).expect("decimal exponents of a format fit i64");
    while iv.multiples(as_k(k_fits)).is_none() {
        k_fits -= 1;
    }
    // Multiples of 10^k exist in the interval for every k <= k_max and for no larger k.
    while k_above - k_fits > 1 {
        let mid = (k_fits + k_above) / 2;
        if iv.multiples(as_k(mid)).is_some() {
            k_fits = mid;
        } else {
            k_above = mid;
        }
    }
    let k = as_k(k_fits);
    let (c_min, c_max) = iv.multiples(k).expect("k_fits has multiples");
    let c = iv.closest(k, &c_min, &c_max);
    if c >= BigUint::from(10u32) {
        return (c, k);
    }
    // A one-digit result may have rivals one position lower (the interval then contains 10^k):
    // one-digit multiples of 10^(k-1), below 10^k.
    let Some((d_min, d_max)) = iv.multiples(k - 1) else { return (c, k) };
    let d_max = d_max.min(BigUint::from(9u32));
    if d_min > d_max {
        return (c, k);
    }
    let d = iv.closest(k - 1, &d_min, &d_max);
    let ten_c = &c * 10u32;
    let (dist_c, dist_d) = (iv.distance(k - 1, &ten_c), iv.distance(k - 1, &d));
    let prefer_d = dist_d < dist_c || (dist_d == dist_c && d.is_even() && c.is_odd());
    if prefer_d {
        (d, k - 1)
    } else {
        (c, k)
    }
}

/// Formats the shortest decimal that [`parse_decimal`] rounds back to the same bits (round to
/// nearest even), choosing among equally short ones the closest to the exact value.
///
/// Notation: plain for `1e-5 <= |x| < 1e17` (`1`, `0.1`, `-2.5`, `123456`, `0.00001`), else
/// scientific with one digit before the point and a signed exponent (`1e-7`, `1.5e+20`,
/// `-6.1035e-6`); zeros `0` and `-0`; infinities and NaNs as in [`super::format_hexfloat`].
/// The largest finite value prints as the shortest decimal below the overflow threshold.
pub fn format_shortest(fmt: &Format, bits: u128) -> String {
    let (minus, sig, exp) = match printed_parts(fmt, bits, "0") {
        Ok(parts) => parts,
        Err(text) => return text,
    };
    let (c, k) = shortest_digits(fmt, sig, exp);
    format!("{minus}{}", render(&c.to_string(), k))
}

/// Renders the digits `ds` times `10^k` in the notation of [`format_shortest`].
fn render(ds: &str, k: i64) -> String {
    let len = i64::try_from(ds.len()).expect("short digit strings");
    let sci = k + len - 1;
    if !(-5..17).contains(&sci) {
        let (head, tail) = ds.split_at(1);
        let point = if tail.is_empty() { "" } else { "." };
        return format!("{head}{point}{tail}e{sci:+}");
    }
    if k >= 0 {
        return format!("{ds}{}", "0".repeat(k.unsigned_abs() as usize));
    }
    if sci >= 0 {
        let (int_digits, frac_digits) = ds.split_at((sci + 1).unsigned_abs() as usize);
        return format!("{int_digits}.{frac_digits}");
    }
    format!("0.{}{ds}", "0".repeat((-sci - 1).unsigned_abs() as usize))
}
