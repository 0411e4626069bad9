//! A host-float kernel for many sequential multiply-add chains at once: row r of a matrix M
//! against one vector v, `s_r = ((init_r ⊕ m_r1⊗v_1) ⊕ …) ⊕ m_rn⊗v_n` (or the fused chain
//! `s_j = fma(m_rj, v_j, s_(j-1))`) and then `s_r ⊕ b_r`, for binary32, bfloat16 and binary16 (the affine layers of a network and the products of
//! their backward pass). Eight rows run side by side, each its own chain in its own order.
//!
//! The kernel computes values only. It runs only where [`HostMatrix::prepare`] has shown that
//! every step of every chain is an exact IEEE operation of the format whose only possible flag
//! is inexact; the caller (`ops/chain.rs`) raises that flag from a chain it has computed
//! exactly, and takes the integer path wherever `prepare` says no.
//!
//! # Exactness argument
//!
//! Let F be the format (p = 24, 8 or 11; emin = -126, -126 or -14), and assume what
//! [`HostMatrix::prepare`] checks: every entry, vector element, initial value and bias is
//! finite; `2^(emin_M + emin_v) >= 2^emin` where `emin_M`, `emin_v` are the smallest exponents
//! (floor of log2 of the magnitude) of the nonzero entries and elements; and
//! `T + ceil(log2 N) + S <= emax` where `2^T` bounds every product, initial value and bias,
//! N = n + 2 and S = ceil(2N / 2^p) (below). And assume the host state checked by
//! `fast::dot::host_is_plain`: round to nearest even, no flush-to-zero, no denormals-are-zero.
//!
//! - Values of F are exact binary32 values (bit shifts of the encodings), so loading them
//!   involves no rounding and no host conversion.
//! - A product of nonzero w and x has exact magnitude at least 2^(emin_M + emin_v) >= 2^emin:
//!   it is neither tiny before nor after rounding, so no product underflows. For binary32,
//!   `w * x` in f32 is the correctly rounded product (one IEEE operation, normal range). For
//!   bfloat16 (8 + 8 bits) and binary16 (11 + 11 bits) the exact product has at most 22
//!   significant bits and lies in binary32's normal range, so f32 holds it exactly and the
//!   one rounding to p bits is done on its bit pattern, ties to even, by integer arithmetic.
//!   A zero factor gives ±0 exactly, in both.
//! - A sum of two values of F is rounded to binary32 by the host and then, for bfloat16 and
//!   binary16, to p bits on its bit pattern. Since 24 >= 2p + 2 for p = 8 and p = 11, this
//!   double rounding equals the single rounding to p bits (Figueroa 1995: innocuous for
//!   addition of two p-bit numbers). A sum whose magnitude is below 2^emin is a multiple of
//!   F's smallest subnormal, hence exact in F and in binary32: nothing rounds and no
//!   underflow is raised (IEEE 754-2019 §7.5 raises it only for inexact results).
//! - Every rounded product is at most 2^T (RN is monotone and 2^T is representable). A
//!   rounded sum of magnitudes exceeds the exact one by a factor of at most (1 + 2^-p), so by
//!   induction every partial sum, bias step included, is at most
//!   N 2^T (1 + 2^-p)^N <= N 2^T e^(N 2^-p) <= 2^(T + ceil(log2 N) + S) <= 2^emax, with
//!   e^y <= 2^(2y) <= 2^S. So no step overflows, no infinity appears, and no operation is
//!   invalid (finite operands): every step's only possible flag is inexact, and every result
//!   is finite and equal to the correctly rounded one (no NaN, so no NaN policy is involved).
//! - Fused steps (`fused_chains`): the product of two values of F is exact in binary64 (at
//!   most 48 bits, magnitude within binary64's normal range), and `fma` is rounded once from
//!   the exact w·x + acc through rounding to odd at 53 bits (see `fused_chains`). For these
//!   `prepare` asks the stronger `2^(emin_M + emin_v) >= 2^(emin + p - 1)`: then w·x is a
//!   multiple of 2^(emin - p + 1), F's smallest subnormal, as is acc, so a tiny result is
//!   exact (no underflow), and a nonzero exact result never rounds to zero. The magnitude
//!   bound above holds as it is (one rounding per step, by a factor of at most 1 + 2^-p).
//! - Nothing here depends on thread count: each row is one chain in the written order.

#![allow(clippy::float_arithmetic, reason = "host f32 kernel with the exactness argument above")]

use crate::format::{Format, Kernel};

/// Rows computed side by side.
pub(crate) const LANES: usize = 16;

/// The layouts the kernel covers, all held as binary32 values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    F32,
    Bf16,
    F16,
}

impl Layout {
    fn of(fmt: &Format) -> Option<Layout> {
        match fmt.kernel() {
            Kernel::F32 => Some(Layout::F32),
            Kernel::Bf16 => Some(Layout::Bf16),
            Kernel::F16 => Some(Layout::F16),
            _ => None,
        }
    }

    fn p(self) -> i64 {
        match self {
            Layout::F32 => 24,
            Layout::Bf16 => 8,
            Layout::F16 => 11,
        }
    }

    fn emin(self) -> i64 {
        match self {
            Layout::F32 | Layout::Bf16 => -126,
            Layout::F16 => -14,
        }
    }

    fn emax(self) -> i64 {
        match self {
            Layout::F32 | Layout::Bf16 => 127,
            Layout::F16 => 15,
        }
    }

    /// The exact binary32 value of a finite encoding (bits above the width ignored); `None`
    /// for infinities and NaNs.
    #[inline]
    fn to_f32(self, bits: u128) -> Option<f32> {
        let v = match self {
            Layout::F32 => f32::from_bits(bits as u32),
            Layout::Bf16 => f32::from_bits(u32::from(bits as u16) << 16),
            Layout::F16 => {
                let b = u32::from(bits as u16);
                let sign = (b >> 15) << 31;
                let code = (b >> 10) & 0x1F;
                let frac = b & 0x3FF;
                if code == 0x1F {
                    return None;
                }
                let magnitude = if code != 0 {
                    ((code + 127 - 15) << 23) | (frac << 13)
                } else if frac == 0 {
                    0
                } else {
                    // frac * 2^-24 with the leading bit of frac at position `lead`.
                    let lead = 31 - frac.leading_zeros();
                    ((lead + 127 - 24) << 23) | ((frac << (23 - lead)) & 0x7F_FFFF)
                };
                f32::from_bits(sign | magnitude)
            }
        };
        v.is_finite().then_some(v)
    }

    /// The encoding of a finite binary32 value that is a value of the format.
    #[inline]
    fn to_bits(self, v: f32) -> u128 {
        let b = v.to_bits();
        match self {
            Layout::F32 => u128::from(b),
            Layout::Bf16 => u128::from(b >> 16),
            Layout::F16 => {
                let sign = (b >> 31) << 15;
                let code = (b >> 23) & 0xFF;
                let sig = (b & 0x7F_FFFF) | 0x80_0000;
                let magnitude = if b & 0x7FFF_FFFF == 0 {
                    0
                } else if code >= 127 - 14 {
                    ((code + 15 - 127) << 10) | ((b & 0x7F_FFFF) >> 13)
                } else {
                    // A subnormal of binary16: sig * 2^(code - 150) = frac * 2^-24.
                    sig >> (126 - code)
                };
                u128::from(sign | magnitude)
            }
        }
    }
}

/// Rounds a finite binary32 value to `24 - DROP` significant bits, ties to even, on its bit
/// pattern (a carry out of the fraction moves to the next binade). Exact when `DROP = 0`.
#[inline(always)]
fn round_to<const DROP: u32>(v: f32) -> f32 {
    if DROP == 0 {
        return v;
    }
    let b = v.to_bits();
    let half = (1u32 << (DROP - 1)) - 1;
    let odd = (b >> DROP) & 1;
    f32::from_bits((b + half + odd) & !((1u32 << DROP) - 1))
}

/// floor(log2 |v|) of a finite nonzero binary32 value.
fn exponent(v: f32) -> i64 {
    let b = v.to_bits() & 0x7FFF_FFFF;
    let code = i64::from(b >> 23);
    if code != 0 {
        code - 127
    } else {
        i64::from(31 - b.leading_zeros()) - 149
    }
}

/// The smallest and largest exponent of the nonzero values seen (`None` while all are zero).
#[derive(Clone, Copy, Debug, Default)]
struct Range(Option<(i64, i64)>);

impl Range {
    fn add(&mut self, v: f32) {
        if v != 0.0 {
            let e = exponent(v);
            self.0 = Some(self.0.map_or((e, e), |(lo, hi)| (lo.min(e), hi.max(e))));
        }
    }
}

/// A matrix of binary32, bfloat16 or binary16 values prepared for [`HostMatrix::block`]:
/// rows in blocks of [`LANES`], each block column by column (`blocked[(blk * cols + j) *
/// LANES + lane]`), rows past the last padded with +0.
#[derive(Clone, Debug)]
pub(crate) struct HostMatrix {
    layout: Layout,
    rows: usize,
    cols: usize,
    blocked: Vec<f32>,
    range: Range,
}

/// A vector, initial values and biases checked and loaded by [`HostMatrix::prepare`].
#[derive(Clone, Debug, Default)]
pub(crate) struct HostScratch {
    /// The vector elements the chains visit, in order.
    values: Vec<f32>,
    /// Their columns.
    cols: Vec<usize>,
    /// Initial value of each row's chain (+0 when none was given).
    init: Vec<f32>,
    /// Bias of each row (`None`: no bias step).
    bias: Option<Vec<f32>>,
}

impl HostMatrix {
    /// Prepares `entries` (`rows × cols`, row-major, encodings of `fmt`): `None` when the
    /// format is not binary32, bfloat16 or binary16, or an entry is not finite.
    pub(crate) fn new(fmt: &Format, rows: usize, cols: usize, entries: &[u128]) -> Option<Self> {
        let layout = Layout::of(fmt)?;
        if Some(entries.len()) != rows.checked_mul(cols) {
            return None;
        }
        let n_blocks = rows.div_ceil(LANES);
        let mut blocked = vec![0.0f32; n_blocks * cols * LANES];
        let mut range = Range::default();
        for r in 0..rows {
            let (blk, lane) = (r / LANES, r % LANES);
            for j in 0..cols {
                let v = layout.to_f32(entries[r * cols + j])?;
                range.add(v);
                blocked[(blk * cols + j) * LANES + lane] = v;
            }
        }
        Some(HostMatrix { layout, rows, cols, blocked, range })
    }

    /// Number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub(crate) fn cols(&self) -> usize {
        self.cols
    }

    /// Row `r` as encodings, into `out` (replacing its contents).
    pub(crate) fn row_bits(&self, r: usize, out: &mut Vec<u128>) {
        let (blk, lane) = (r / LANES, r % LANES);
        out.clear();
        out.extend(
            (0..self.cols)
                .map(|j| self.layout.to_bits(self.blocked[(blk * self.cols + j) * LANES + lane])),
        );
    }

    /// Checks the conditions of the exactness argument for `vector` (one element per column),
    /// `init` and `bias` (one per row, or none: +0 and no bias step) and loads them into
    /// `scratch`. With `skip_zeros`, columns whose element is ±0 are left out: a ±0 product
    /// leaves an accumulator that is not -0 unchanged with no flag, and only a chain started
    /// from a -0 initial value can hold -0 (the caller passes `skip_zeros` only without
    /// `init`). `fused` asks for the conditions of fused steps. Returns false, loading nothing
    /// useful, when a condition fails.
    pub(crate) fn prepare(
        &self,
        vector: &[u128],
        init: Option<&[u128]>,
        bias: Option<&[u128]>,
        skip_zeros: bool,
        fused: bool,
        scratch: &mut HostScratch,
    ) -> bool {
        let layout = self.layout;
        if vector.len() != self.cols
            || init.is_some_and(|v| v.len() != self.rows)
            || bias.is_some_and(|v| v.len() != self.rows)
        {
            return false;
        }
        scratch.values.clear();
        scratch.cols.clear();
        let mut v_range = Range::default();
        for (j, &bits) in vector.iter().enumerate() {
            let Some(v) = layout.to_f32(bits) else { return false };
            v_range.add(v);
            if !(skip_zeros && v == 0.0) {
                scratch.values.push(v);
                scratch.cols.push(j);
            }
        }
        // Bound of the products' magnitudes, 2^T, and the tininess condition.
        let mut top = None;
        if let (Some((m_lo, m_hi)), Some((v_lo, v_hi))) = (self.range.0, v_range.0) {
            // Fused steps round w·x + acc once: its quantum must be at least F's smallest
            // subnormal, 2^(emin - p + 1), so that tiny results are exact.
            let least = if fused { layout.emin() + layout.p() - 1 } else { layout.emin() };
            if m_lo + v_lo < least {
                return false;
            }
            top = Some(m_hi + v_hi + 2);
        }
        let mut load = |src: Option<&[u128]>, dst: &mut Vec<f32>| -> bool {
            dst.clear();
            let mut range = Range::default();
            match src {
                None => dst.resize(self.rows, 0.0),
                Some(src) => {
                    for &bits in src {
                        let Some(v) = layout.to_f32(bits) else { return false };
                        range.add(v);
                        dst.push(v);
                    }
                }
            }
            if let Some((_, hi)) = range.0 {
                top = Some(top.map_or(hi + 1, |t: i64| t.max(hi + 1)));
            }
            true
        };
        if !load(init, &mut scratch.init) {
            return false;
        }
        let mut bias_values = scratch.bias.take().unwrap_or_default();
        if !load(bias, &mut bias_values) {
            return false;
        }
        scratch.bias = bias.map(|_| bias_values);
        let Some(top) = top else { return true };
        let n = i64::try_from(self.cols).unwrap_or(i64::MAX - 2) + 2;
        let log2_n = i64::from(64 - (n - 1).leading_zeros());
        let slack = (2 * n + (1 << layout.p()) - 1) >> layout.p();
        top.saturating_add(log2_n).saturating_add(slack) <= layout.emax()
    }

    /// The rows of block `blk` (rows `blk * LANES ..`) on the loaded vector, as encodings into
    /// `out` (lanes past the last row are +0). Only after [`HostMatrix::prepare`] returned true
    /// for the loaded vector; then each is the correctly rounded chain of the module docs.
    pub(crate) fn block(
        &self,
        blk: usize,
        scratch: &HostScratch,
        fused: bool,
        out: &mut [u128; LANES],
    ) {
        let base = blk * LANES;
        let mut acc = [0.0f32; LANES];
        for (lane, a) in acc.iter_mut().enumerate() {
            *a = scratch.init.get(base + lane).copied().unwrap_or(0.0);
        }
        let cols = &self.blocked[blk * self.cols * LANES..(blk + 1) * self.cols * LANES];
        let acc = match (self.layout, fused) {
            (Layout::F32, false) => chains::<0>(cols, scratch, acc),
            (Layout::Bf16, false) => chains::<16>(cols, scratch, acc),
            (Layout::F16, false) => chains::<13>(cols, scratch, acc),
            (Layout::F32, true) => fused_chains::<29>(cols, scratch, acc),
            (Layout::Bf16, true) => fused_chains::<45>(cols, scratch, acc),
            (Layout::F16, true) => fused_chains::<42>(cols, scratch, acc),
        };
        let acc = match &scratch.bias {
            Some(bias) => {
                let mut y = acc;
                for (lane, y) in y.iter_mut().enumerate() {
                    let b = bias.get(base + lane).copied().unwrap_or(0.0);
                    *y = match self.layout {
                        Layout::F32 => *y + b,
                        Layout::Bf16 => round_to::<16>(*y + b),
                        Layout::F16 => round_to::<13>(*y + b),
                    };
                }
                y
            }
            None => acc,
        };
        for (o, a) in out.iter_mut().zip(acc) {
            *o = self.layout.to_bits(a);
        }
    }
}

/// The chains of one block: for each visited column j in order, in every lane,
/// `acc = round(acc + round(m_j * v_j))`.
#[inline(always)]
fn chains<const DROP: u32>(
    cols: &[f32],
    scratch: &HostScratch,
    mut acc: [f32; LANES],
) -> [f32; LANES] {
    for (&j, &x) in scratch.cols.iter().zip(&scratch.values) {
        let w: &[f32; LANES] =
            cols[j * LANES..(j + 1) * LANES].try_into().expect("a block column has LANES rows");
        for lane in 0..LANES {
            let t = round_to::<DROP>(w[lane] * x);
            acc[lane] = round_to::<DROP>(acc[lane] + t);
        }
    }
    acc
}

/// Rounds a finite binary64 value to `53 - DROP` significant bits, ties to even, on its bit
/// pattern (a carry out of the fraction moves to the next binade).
#[inline(always)]
fn round64_to<const DROP: u32>(v: f64) -> f64 {
    let b = v.to_bits();
    let half = (1u64 << (DROP - 1)) - 1;
    let odd = (b >> DROP) & 1;
    f64::from_bits((b + half + odd) & !((1u64 << DROP) - 1))
}

/// The fused chains of one block: for each visited column j in order, in every lane,
/// `acc = round(m_j · v_j + acc)` rounded once. The product is exact in binary64 (at most
/// 2 × 24 bits, exponents within binary64's normal range); TwoSum gives the binary64 sum s and
/// its exact error e; when e is nonzero, s + e truncated to 53 bits (s, or s one step lower in
/// magnitude when e and s differ in sign) with its last bit set is the sum rounded to odd at
/// 53 bits, and rounding that to p <= 24 bits gives the correctly rounded fma, since 53 >= p + 2 (Boldo and Melquiond, "Emulation of FMA and correctly
/// rounded sums: proved algorithms using rounding to odd", 2008). An exact zero sum gives
/// e = 0. The last rounding is done on the bit pattern; a tiny result is exact there (see
/// `prepare`), and the rounded value converts to binary32 exactly.
#[inline(always)]
fn fused_chains<const DROP: u32>(
    cols: &[f32],
    scratch: &HostScratch,
    acc: [f32; LANES],
) -> [f32; LANES] {
    // The accumulators as binary64 (exactly: they are values of F).
    let mut acc = acc.map(f64::from);
    for (&j, &x) in scratch.cols.iter().zip(&scratch.values) {
        let w: &[f32; LANES] =
            cols[j * LANES..(j + 1) * LANES].try_into().expect("a block column has LANES rows");
        let x = f64::from(x);
        for lane in 0..LANES {
            let p = f64::from(w[lane]) * x;
            let a = acc[lane];
            // TwoSum(p, a): s + e = p + a exactly.
            let s = p + a;
            let a_virtual = s - p;
            let e = (p - (s - a_virtual)) + (a - a_virtual);
            // Rounding to odd: when e is nonzero, the neighbour of p + a towards zero (s, or
            // one step below s in magnitude when e points the other way) with its last bit set.
            let bits = s.to_bits();
            let inexact = u64::from(e != 0.0);
            let overshoot = inexact & ((e.to_bits() ^ bits) >> 63);
            let odd = (bits - overshoot) | inexact;
            acc[lane] = round64_to::<DROP>(f64::from_bits(odd));
        }
    }
    // Exact: each is a value of F.
    acc.map(|a| a as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary16_values_round_trip_through_binary32() {
        for bits in 0u128..=0xFFFF {
            if let Some(v) = Layout::F16.to_f32(bits) {
                assert_eq!(Layout::F16.to_bits(v), bits, "{bits:#x}");
            } else {
                assert_eq!((bits >> 10) & 0x1F, 0x1F, "{bits:#x}");
            }
        }
    }

    #[test]
    fn exponent_of_normal_and_subnormal_values() {
        assert_eq!(exponent(1.0), 0);
        assert_eq!(exponent(-3.0), 1);
        assert_eq!(exponent(f32::from_bits(1)), -149);
        assert_eq!(exponent(f32::MIN_POSITIVE), -126);
    }
}
