//! Test-vector generation in testfloat_gen's line layout for any format and operation: the
//! cross product of a per-format list of edge values, then seeded random cases.
//!
//! Deterministic for a given seed on any machine: the generator is SplitMix64 over integer
//! arithmetic only, and every list is built in a fixed order.

use std::io::Write;

use fpcore::{Env, Format, Specials};

use crate::error::Result;
use crate::oracle::Oracle;
use crate::protocol::Notation;

/// SplitMix64: a small generator whose output depends only on the seed.
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 128 random bits: the first 64 drawn are the high half.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }
    /// A number in `0..n` (`next_u64() % n`; `n` must not be zero).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Pushes `v` unless it is already in `list` (lists are short; order is kept).
fn push_unique(list: &mut Vec<u128>, v: u128) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// The edge values of a format, in a fixed order: for each sign, zero, the smallest and
/// largest subnormal, the smallest normal, one and its neighbours, the halfway patterns
/// 1.1000... and 1.0111..., two minus an ulp, the largest finite value and its lower
/// neighbour, infinity; then the NaNs (quiet, with payload, signaling). Level 2 adds the
/// neighbours of every finite edge and the powers of two at both ends of the exponent range.
pub fn edge_values(fmt: &Format, level: u8) -> Vec<u128> {
    let env = Env::default();
    let fb = fmt.frac_bits();
    let frac_mask = (1u128 << fb) - 1;
    let mut positive = vec![fmt.zero(false)];
    if fb > 0 {
        positive.push(fmt.min_positive(false));
        positive.push(frac_mask);
    }
    let min_normal = 1u128 << fb;
    positive.push(min_normal);
    let one = fpcore::from_u64(&env, fmt, 1);
    if one.flags.is_empty() {
        let one = one.value;
        positive.push(fpcore::next_down(&env, fmt, one).value);
        positive.push(one);
        positive.push(fpcore::next_up(&env, fmt, one).value);
        if fb >= 1 {
            positive.push(one | (1u128 << (fb - 1)));
        }
        if fb >= 2 {
            positive.push(one | ((1u128 << (fb - 1)) - 1));
            positive.push(one | frac_mask);
        }
    }
    let max = fmt.max_finite(false);
    positive.push(fpcore::next_down(&env, fmt, max).value);
    positive.push(max);
    if let Some(inf) = fmt.inf(false) {
        positive.push(inf);
    }
    if level >= 2 {
        let mut more = Vec::new();
        for v in &positive {
            if fmt.unpack(*v).is_inf() {
                continue;
            }
            more.push(fpcore::next_up(&env, fmt, *v).value);
            more.push(fpcore::next_down(&env, fmt, *v).value);
        }
        for code in [2u128, 3, 4] {
            more.push(code << fb);
        }
        let top = max >> fb;
        for code in [top.saturating_sub(2), top.saturating_sub(1)] {
            more.push(code << fb);
        }
        positive.extend(more);
    }
    let mut values = Vec::new();
    for sign in [false, true] {
        for v in &positive {
            let u = fmt.unpack(*v);
            if u.is_nan() || (v & (fmt.mask() >> 1)) != *v {
                // Negative neighbours of zero come out of next_down; keep magnitudes only.
                if !u.is_nan() {
                    let mag = v & (fmt.mask() >> 1);
                    push_unique(&mut values, if sign { fpcore::neg(fmt, mag) } else { mag });
                }
                continue;
            }
            push_unique(&mut values, if sign { fpcore::neg(fmt, *v) } else { *v });
        }
    }
    if let Some(nan) = fmt.canonical_nan() {
        push_unique(&mut values, nan);
        if fmt.specials() == Specials::Ieee && fb >= 2 {
            // A quiet NaN with a payload, a signaling NaN, and both negated.
            let quiet_payload = nan | 1;
            let signaling = (nan & !(1u128 << (fb - 1))) | 1;
            for v in [quiet_payload, signaling] {
                push_unique(&mut values, v);
                push_unique(&mut values, fpcore::neg(fmt, v));
            }
        } else if fmt.specials() == Specials::NanOnly {
            push_unique(&mut values, fpcore::neg(fmt, nan));
        }
    }
    values
}

/// A random operand: uniform bits half of the time, otherwise an exponent code near either
/// end of the range or near the middle with a random fraction.
pub fn random_operand(fmt: &Format, rng: &mut SplitMix) -> u128 {
    let raw = rng.next_u128() & fmt.mask();
    if rng.next_u64() % 2 == 0 {
        return raw;
    }
    let fb = fmt.frac_bits();
    let code_max = (1u128 << fmt.exp_bits()) - 1;
    let spread = u128::from(rng.next_u64() % 4);
    let code = match rng.next_u64() % 3 {
        0 => spread.min(code_max),
        1 => code_max.saturating_sub(spread),
        _ => (fmt.bias() as u128).saturating_sub(2).saturating_add(spread).min(code_max),
    };
    let sign_bit = raw & (1u128 << (fmt.bits() - 1));
    sign_bit | (code << fb) | (raw & ((1u128 << fb) - 1))
}

/// What `fpx gen` produces.
#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    /// 1: edge cross product and `count` random cases; 2: more edges (neighbours, range
    /// ends) and, by default, ten times more random cases.
    pub level: u8,
    /// Seed of the random cases.
    pub seed: u64,
    /// Number of random cases (default 1000 at level 1, 10000 at level 2).
    pub count: Option<u64>,
}

/// Writes test vectors for `oracle`'s format and operation: every tuple of edge values (for
/// three-operand operations, level 1 takes every third `c`), then the random cases.
///
/// # Errors
///
/// Only if writing fails.
pub fn generate<W: Write>(oracle: &Oracle, options: &GenOptions, mut out: W) -> Result<u64> {
    let fmt = oracle.fmt;
    let bits = Oracle { notation: Notation::Bits, ..*oracle };
    let edges = edge_values(&fmt, options.level);
    let mut lines = 0u64;
    let mut emit = |operands: &[u128], out: &mut W| -> Result<()> {
        bits.write_case(operands, out)?;
        lines += 1;
        Ok(())
    };
    match oracle.op.arity() {
        1 => {
            for a in &edges {
                emit(&[*a], &mut out)?;
            }
        }
        2 => {
            for a in &edges {
                for b in &edges {
                    emit(&[*a, *b], &mut out)?;
                }
            }
        }
        _ => {
            let step = if options.level >= 2 { 1 } else { 3 };
            for a in &edges {
                for b in &edges {
                    for c in edges.iter().step_by(step) {
                        emit(&[*a, *b, *c], &mut out)?;
                    }
                }
            }
        }
    }
    let count = options.count.unwrap_or(if options.level >= 2 { 10_000 } else { 1000 });
    let mut rng = SplitMix::new(options.seed);
    let mut operands = Vec::with_capacity(3);
    for _ in 0..count {
        operands.clear();
        for _ in 0..oracle.op.arity() {
            operands.push(random_operand(&fmt, &mut rng));
        }
        emit(&operands, &mut out)?;
    }
    out.flush()?;
    Ok(lines)
}
