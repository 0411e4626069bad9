//! The indicator of a point x_k (in f1 and again in f2): 2d first-layer units
//! u±_(k,i) = relu(±S_i ⊗ x_i ∓ S_i ⊗ x_(k,i)), one weight each, then
//! s = relu(Σ_i ((-1) ⊗ u+_i ⊕ (-1) ⊗ u-_i) ⊕ c), s' = relu(A ⊗ s ⊕ +0), …,
//! v = relu(-K ⊗ s' ⊕ B): exactly +0 with a pre-activation +0 at x_k, B elsewhere.
//!
//! A sequential sum of terms of one sign is at least each term in magnitude, so the sum before
//! c is nonzero as soon as one coordinate differs; gamma_k, its smallest magnitude over the
//! other points, sets c_k = 2^floor(log2 gamma_k).

use std::cmp::Ordering;

use crate::arith::Arith;
use crate::domain::Point;
use crate::error::{format_error, ConstructError};
use crate::layers::Dense;

/// The indicator of a point: s = relu(-(u+) - (u-) ⊕ c), s' = relu(A ⊗ s ⊕ +0),
/// v = relu(-K ⊗ s' ⊕ B).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// c = 2^floor(log2 gamma), gamma the smallest distance to another point (scaled).
    pub c: u128,
    /// A: layer 3's weight, which lifts s' = A ⊗ c towards 1 when c < 1 (A <= 2^emax; else
    /// A = 1), so that B can be 2^emax.
    pub amp: u128,
    /// K with K ⊗ c = B.
    pub k: u128,
    /// B: the indicator's value away from the point.
    pub b: u128,
}

/// The first layer's indicator units of point `x_k` at `x`, in column order u+_1, u-_1, …
fn units(ar: &Arith, scales: &[u128], x_k: &[u128], x: &[u128]) -> Option<Vec<u128>> {
    let mut out = Vec::with_capacity(2 * x.len());
    for ((&s, &xk), &xi) in scales.iter().zip(x_k).zip(x) {
        let sx_k = ar.mul(s, xk)?;
        out.push(ar.relu(ar.unit1(s, xi, ar.neg(sx_k))?));
        out.push(ar.relu(ar.unit1(ar.neg(s), xi, sx_k)?));
    }
    Some(out)
}

/// The distance unit q_k(x) = relu((… (+0 ⊕ 1 ⊗ u_1) ⊕ 1 ⊗ u_2 …) ⊕ +0), which is also
/// |s_k's sum before c_k|: RNE is symmetric, so the sum of the negated terms is the negated
/// sum.
fn distance(ar: &Arith, scales: &[u128], x_k: &[u128], x: &[u128]) -> Option<u128> {
    let one = ar.one();
    let mut s = ar.zero();
    for u in units(ar, scales, x_k, x)? {
        s = ar.add(s, ar.mul(one, u)?)?;
    }
    let z = ar.add(s, ar.zero())?;
    Some(ar.relu(z))
}

/// q_k at every point of the domain.
pub(crate) fn distances(
    ar: &Arith,
    scales: &[u128],
    domain: &[Point],
    k: usize,
) -> Result<Vec<u128>, ConstructError> {
    domain.iter().map(|q| distance_or_error(ar, scales, &domain[k].x, &q.x)).collect()
}

fn distance_or_error(
    ar: &Arith,
    scales: &[u128],
    x_k: &[u128],
    x: &[u128],
) -> Result<u128, ConstructError> {
    distance(ar, scales, x_k, x).ok_or_else(|| format_error(ar, "an indicator sum overflows"))
}

/// Every point's indicator. gamma_k is the smallest distance q_k over the other points. With
/// one input the distance grows with |x - x_k| on the sorted domain, so the neighbours on
/// each side give it; with more, every point is compared (the domain is bounded by
/// [`crate::MAX_DOMAIN`], and the distances are computed per point: O(n) memory).
pub(crate) fn indicators(
    ar: &Arith,
    scales: &[u128],
    domain: &[Point],
) -> Result<Vec<Indicator>, ConstructError> {
    let mut out = Vec::with_capacity(domain.len());
    for (k, p) in domain.iter().enumerate() {
        let mut gamma: Option<u128> = None;
        let others: Vec<usize> = if scales.len() == 1 {
            [k.wrapping_sub(1), k + 1].into_iter().filter(|&j| j < domain.len()).collect()
        } else {
            (0..domain.len()).filter(|&j| j != k).collect()
        };
        for j in others {
            let q = distance_or_error(ar, scales, &p.x, &domain[j].x)?;
            if gamma.is_none_or(|g| ar.cmp(q, g) == Ordering::Less) {
                gamma = Some(q);
            }
        }
        out.push(indicator(ar, gamma)?);
    }
    Ok(out)
}

/// The indicator of a point whose smallest distance to the other points is `gamma` (none: the
/// domain has one point).
fn indicator(ar: &Arith, gamma: Option<u128>) -> Result<Indicator, ConstructError> {
    let emax = ar.fmt().emax();
    let e_c = match gamma {
        Some(g) => ar.exponent(g).ok_or_else(|| format_error(ar, "two points coincide"))?,
        None => 0,
    };
    let c = ar.pow2(e_c).ok_or_else(|| format_error(ar, "c out of range"))?;
    // s' = A ⊗ c = 2^e_s with A = 2^min(max(-e_c, 0), emax) (s' = 1 when A can lift c that
    // far); K ⊗ s' = B = 2^min(emax, emax + e_s).
    let e_amp = (-e_c).clamp(0, emax);
    let e_s = e_c + e_amp;
    let (e_k, e_b) = if e_s >= 0 { (emax - e_s, emax) } else { (emax, emax + e_s) };
    let (amp, k_w, b) = (ar.pow2(e_amp), ar.pow2(e_k), ar.pow2(e_b));
    let (Some(amp), Some(k_w), Some(b)) = (amp, k_w, b) else {
        return Err(format_error(ar, "an indicator's A, K or B is out of range"));
    };
    let s_k = ar.mul_exact(amp, c);
    if s_k.and_then(|s| ar.mul_exact(k_w, s)) != Some(b) {
        return Err(format_error(ar, "K ⊗ (A ⊗ c) is not B"));
    }
    Ok(Indicator { c, amp, k: k_w, b })
}

/// Layer 1 of a point's indicator: rows u+_1, u-_1, … from `row` on.
pub(crate) fn indicator_rows(
    ar: &Arith,
    l1: &mut Dense,
    row: usize,
    scales: &[u128],
    x: &[u128],
) -> Result<(), ConstructError> {
    for (i, (&s, &xi)) in scales.iter().zip(x).enumerate() {
        let sx = ar.mul(s, xi).ok_or_else(|| format_error(ar, "S x overflows"))?;
        l1.set(row + 2 * i, i, s);
        l1.bias[row + 2 * i] = ar.neg(sx);
        l1.set(row + 2 * i + 1, i, ar.neg(s));
        l1.bias[row + 2 * i + 1] = sx;
    }
    Ok(())
}

/// Layer 2 of a point's indicator: s = relu(Σ (-1) ⊗ u ⊕ c) at `row`, reading the 2d units
/// from column `col` on.
pub(crate) fn indicator_sum_row(
    ar: &Arith,
    l2: &mut Dense,
    row: usize,
    col: usize,
    ind: &Indicator,
    d: usize,
) {
    let minus_one = ar.neg(ar.one());
    for c in 0..2 * d {
        l2.set(row, col + c, minus_one);
    }
    l2.bias[row] = ind.c;
}
