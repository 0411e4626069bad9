//! The domain: the target lines whose x is a finite vector within range, distinct by value and
//! sorted, and the first layer's scale S_i per coordinate.

use std::cmp::Ordering;

use crate::arith::Arith;
use crate::error::{format_error, ConstructError};
use crate::targets::{Reason, Target};

/// Most distinct points of a domain with d >= 2 inputs (each point's indicator is checked
/// against every other point; the network's size limits the points with targets to fewer
/// anyway). With one input the neighbours on the sorted line suffice, and only
/// [`crate::MAX_POINTS`] applies.
pub const MAX_DOMAIN: usize = 4096;

/// A point of the domain with its place in the file.
#[derive(Clone, Debug)]
pub(crate) struct Point {
    /// Index into the target lines.
    pub(crate) line: usize,
    /// The input vector.
    pub(crate) x: Vec<u128>,
}

/// log2 of 2^k, the least power of two >= 4d: the domain is |x_i| <= Omega / 2^k.
fn range_shift(d: usize) -> i32 {
    (4 * d).next_power_of_two().trailing_zeros() as i32
}

/// Omega / 2^k with 2^k the least power of two >= 4d (Omega / 4 for one input): the largest
/// |x_i| of a domain point.
fn input_range(ar: &Arith, d: usize) -> Result<u128, ConstructError> {
    let shrink = ar.pow2(-range_shift(d)).ok_or_else(|| format_error(ar, "no Omega / 4d"))?;
    ar.mul_exact(ar.max_finite(), shrink).ok_or_else(|| format_error(ar, "Omega / 4d is not exact"))
}

/// The domain: the lines whose x is finite and within [`input_range`], sorted by value
/// (lexicographically, then by line), each value once. The other lines get their reason
/// (non-finite input, input range, duplicate point) in `reasons`.
pub(crate) fn domain(
    ar: &Arith,
    targets: &[Target],
    d: usize,
    reasons: &mut [Vec<Reason>],
) -> Result<Vec<Point>, ConstructError> {
    let range = input_range(ar, d)?;
    let mut domain: Vec<Point> = Vec::with_capacity(targets.len());
    for (line, t) in targets.iter().enumerate() {
        if t.x.iter().any(|&v| !ar.is_finite(v)) {
            reasons[line].push(Reason::NonFiniteInput);
        } else if t.x.iter().any(|&v| ar.cmp(ar.abs(v), range) == Ordering::Greater) {
            reasons[line].push(Reason::InputRange);
        } else {
            domain.push(Point { line, x: t.x.clone() });
        }
    }
    let cmp_vec = |a: &[u128], b: &[u128]| {
        a.iter()
            .zip(b)
            .map(|(&u, &v)| ar.cmp(u, v))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    };
    domain.sort_by(|a, b| cmp_vec(&a.x, &b.x).then(a.line.cmp(&b.line)));
    let mut kept: Vec<Point> = Vec::with_capacity(domain.len());
    for p in domain {
        match kept.last() {
            Some(q) if cmp_vec(&q.x, &p.x) == Ordering::Equal => {
                reasons[p.line].push(Reason::DuplicatePoint);
            }
            _ => kept.push(p),
        }
    }
    if d > 1 && kept.len() > MAX_DOMAIN {
        return Err(ConstructError::Targets(format!(
            "{} distinct points are more than the limit of {MAX_DOMAIN} for {d} inputs (every point's indicator is checked against every other point)",
            kept.len()
        )));
    }
    Ok(kept)
}

/// S_i, the first layer's scale of coordinate i: the largest power of two (at most 2^emax)
/// with S_i |x_i| <= Omega / 2 for every point with one input, <= Omega / 2^k (2^k >= 4d)
/// with d >= 2, so that each indicator sum (one nonzero term with one input, d in general)
/// stays finite. Every |x_i| is within [`input_range`], so S_i >= 1 and S_i ⊗ x_i is exact.
pub(crate) fn scales(ar: &Arith, domain: &[Point], d: usize) -> Result<Vec<u128>, ConstructError> {
    let shift = if d == 1 { 1 } else { range_shift(d) };
    let shrink = ar.pow2(-shift).ok_or_else(|| format_error(ar, "no Omega / 4d"))?;
    let limit = ar
        .mul_exact(ar.max_finite(), shrink)
        .ok_or_else(|| format_error(ar, "Omega / 4d is not exact"))?;
    let mut out = Vec::with_capacity(d);
    for i in 0..d {
        let mut max_abs = ar.zero();
        for p in domain {
            if ar.cmp(ar.abs(p.x[i]), max_abs) == Ordering::Greater {
                max_abs = ar.abs(p.x[i]);
            }
        }
        let mut s = ar.fmt().emax();
        loop {
            let scale = ar.pow2(s).ok_or_else(|| format_error(ar, "no first-layer scale fits"))?;
            let fits =
                ar.mul_exact(scale, max_abs).is_some_and(|v| ar.cmp(v, limit) != Ordering::Greater);
            if fits || ar.is_zero(max_abs) {
                out.push(scale);
                break;
            }
            s -= 1;
        }
    }
    Ok(out)
}
