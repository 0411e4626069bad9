//! The f2 block's gradient chain: the output weight a = ±2^alpha and the chain multipliers
//! whose backward product (((g ⊗ a) ⊗ M_(L-1)) ⊗ …) ⊗ M_3 is exactly the target t, while the
//! forward values along the chain stay positive and finite and every masked backward product
//! stays finite (docs/construct.md §3.4).

use std::cmp::Ordering;

use crate::arith::Arith;

/// The first multipliers tried around a quotient, in ulps either side.
const NEAR: i32 = 3;
/// The multipliers tried around 1 in the last resort of the search.
const NEAR_ONE: i32 = 16;

/// Two multipliers (m1, m2) with (G ⊗ m1) ⊗ m2 = t.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) m1: u128,
    pub(crate) m2: u128,
}

/// `count` values either side of `center` (itself first), positive and finite only.
fn around(ar: &Arith, center: u128, count: i32) -> Vec<u128> {
    let mut out = vec![center];
    let (mut up, mut down) = (center, center);
    for _ in 0..count {
        if let Some(u) = ar.succ(up) {
            up = u;
            out.push(u);
        }
        if let Some(d) = ar.pred(down) {
            down = d;
            out.push(d);
        }
    }
    out.retain(|&m| ar.live(m));
    out
}

/// Finds m1, m2 > 0 with (g2 ⊗ m1) ⊗ m2 = t, for g2 and t of the same sign: one step first
/// (m2 = 1), then through a power-of-two intermediate c = g2 ⊗ m1 (so m2 = t / c exactly),
/// then m1 near 1.
pub(crate) fn multipliers(ar: &Arith, g2: u128, t: u128) -> Option<Pair> {
    let one = ar.one();
    let hits = |m1: u128, m2: u128| -> bool {
        ar.mul(g2, m1).and_then(|c| ar.mul(c, m2)).is_some_and(|v| v == t)
    };
    if let Some(q) = ar.div(t, g2) {
        if ar.live(q) {
            for m1 in around(ar, q, NEAR) {
                if hits(m1, one) {
                    return Some(Pair { m1, m2: one });
                }
            }
        }
    }
    let e_t = ar.exponent(t)?;
    for e_c in [e_t, e_t + 1, e_t - 1] {
        let Some(c) = ar.pow2(e_c) else { continue };
        let c = if ar.sign(t) { ar.neg(c) } else { c };
        let Some(m2) = ar.div_exact(t, c) else { continue };
        let Some(q) = ar.div(c, g2) else { continue };
        if !ar.live(q) || !ar.live(m2) {
            continue;
        }
        for m1 in around(ar, q, NEAR) {
            if hits(m1, m2) {
                return Some(Pair { m1, m2 });
            }
        }
    }
    for m1 in around(ar, one, NEAR_ONE) {
        let Some(g3) = ar.mul(g2, m1) else { continue };
        let Some(q) = ar.div(t, g3) else { continue };
        if !ar.live(q) {
            continue;
        }
        for m2 in around(ar, q, NEAR) {
            if hits(m1, m2) {
                return Some(Pair { m1, m2 });
            }
        }
    }
    None
}

/// What the chain search needs to know about one f2 block.
pub(crate) struct ChainProblem {
    /// phi'(y*) at the block's point (finite, nonzero).
    pub(crate) g: u128,
    /// The value the chain must deliver at the carrier (t, or -t on the mirror side).
    pub(crate) target: u128,
    /// The carrier's value at the point (the forward input of the chain, > 0).
    pub(crate) delta: u128,
    /// B of the block's indicator (the indicator's value away from the point).
    pub(crate) b_ind: u128,
    /// The largest |phi'(f(x))| over the domain (cross-talk at the output layer).
    pub(crate) g_max: u128,
    /// Chain layers: L - 3 (layers 3 … L-1).
    pub(crate) n_layers: usize,
}

/// A solved chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chain {
    /// The output weight a (on c_(L-1); the shadow gets -a).
    pub(crate) a: u128,
    /// Multipliers M_3 … M_(L-1), forward order.
    pub(crate) multipliers: Vec<u128>,
    /// Biases b_3 … b_(L-1) (+0 or -pred(P_l)), forward order.
    pub(crate) biases: Vec<u128>,
    /// The chain's forward value at the point, V = c_(L-1)(x_k).
    pub(crate) value: u128,
    /// The shadow's weight magnitude L' on the indicator (the shadow's weight is -L').
    pub(crate) shadow: u128,
    /// Backward products g, g ⊗ a, then after each multiplier, the last equal to the target.
    pub(crate) products: Vec<u128>,
}

/// The smallest power of two (or the exact quotient) L with L ⊗ b ≥ v, as docs/construct.md §3.3-3.4 names
/// L_k and L'_k: v / b when exact, else 2^ceil(log2(v / b)) (at least the smallest subnormal).
pub(crate) fn cover(ar: &Arith, v: u128, b: u128) -> Option<u128> {
    if let Some(q) = ar.div_exact(v, b) {
        if ar.live(q) {
            return Some(q);
        }
    }
    let e_v = ar.exponent(v)?;
    let e_b = ar.exponent(b)?;
    let mut e = e_v - e_b + i32::from(!ar.is_pow2(v));
    if !ar.is_pow2(b) {
        e += 1;
    }
    let l = ar.pow2(e.max(ar.qmin()))?;
    let product = ar.mul(l, b)?;
    (ar.cmp(product, v) != Ordering::Less).then_some(l)
}

/// Searches the split of the power-of-two scale between a and the multipliers, and which chain
/// layers reduce their forward value with the bias -pred(P), for a chain meeting every bound
/// and accepted by `accept` (a caller's further condition, such as a gate that depends on
/// M_3).
pub(crate) fn solve(
    ar: &Arith,
    problem: &ChainProblem,
    accept: &mut dyn FnMut(&Chain) -> bool,
) -> Result<Chain, &'static str> {
    let ChainProblem { g, target, delta, b_ind, g_max, n_layers } = *problem;
    let (e_g, e_t) = match (ar.exponent(g), ar.exponent(target)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err("multipliers"),
    };
    let scale = e_t.max(ar.fmt().emin()) - e_g;
    // G2 = |g| 2^scale, with the target's sign; exact because it is normal.
    let Some(g2) = scale_exact(ar, ar.abs(g), scale) else { return Err("range") };
    let g2 = if ar.sign(target) { ar.neg(g2) } else { g2 };
    let Some(pair) = multipliers(ar, g2, target) else { return Err("multipliers") };
    // a's sign makes g ⊗ a carry the target's sign.
    let a_negative = ar.sign(g) != ar.sign(target);
    let e_gmax = ar.exponent(g_max).unwrap_or(e_g);
    // |g_max| 2^alpha <= Omega needs alpha <= emax - e_gmax - 1 (enough, not always needed).
    let alpha_hi = (ar.fmt().emax() - e_gmax).min(ar.fmt().emax());
    let alpha_lo = ar.qmin();
    let masks = bias_masks(n_layers);
    if n_layers < 3 {
        return Err("depth");
    }
    let mut reached = false;
    for alpha in (alpha_lo..=alpha_hi).rev() {
        let Some(a_mag) = ar.pow2(alpha) else { continue };
        let a = if a_negative { ar.neg(a_mag) } else { a_mag };
        // Cross-talk: every point's phi' times ±a is finite.
        if ar.mul(g_max, a).is_none() {
            continue;
        }
        let Some(back_a) = ar.back1(g, a) else { continue };
        for multipliers in splits(ar, scale - alpha, pair, n_layers) {
            // Backward products at the point: g, g ⊗ a, then M_(L-1), …, M_3.
            let mut products = vec![g, back_a];
            let mut back = Some(back_a);
            for &m in multipliers.iter().rev() {
                back = back.and_then(|b| ar.back1(b, m));
                if let Some(v) = back {
                    products.push(v);
                }
            }
            if back != Some(target) {
                continue;
            }
            for &mask in &masks {
                reached = true;
                let Some((biases, value)) = forward(ar, delta, &multipliers, mask) else {
                    continue;
                };
                if let Some(shadow) = check_output(ar, g, a, value, b_ind) {
                    let chain = Chain {
                        a,
                        multipliers: multipliers.clone(),
                        biases,
                        value,
                        shadow,
                        products: products.clone(),
                    };
                    if accept(&chain) {
                        return Ok(chain);
                    }
                }
            }
        }
    }
    Err(if reached { "range" } else { "multipliers" })
}

/// Which chain layers reduce their forward value with the bias -pred(P) (bit l-3 for layer
/// l): every subset of up to four layers, else the prefixes and suffixes.
fn bias_masks(n_layers: usize) -> Vec<u32> {
    if n_layers <= 4 {
        (0..1u32 << n_layers).collect()
    } else {
        // Prefixes and suffixes of the chain layers reduce.
        let mut m: Vec<u32> = (0..=n_layers).map(|r| (1u32 << r) - 1).collect();
        m.extend((1..=n_layers).map(|r| ((1u32 << r) - 1) << (n_layers - r)));
        m.sort_unstable();
        m.dedup();
        m
    }
}

/// Ways to spread the power of two 2^rest over the chain's multipliers (forward order M_3 …
/// M_(L-1)), with m2's significand on M_(L-3) and m1's on M_(L-2) (both normalized to
/// [1, 2), their exponents added to the power to spread): all of it on one layer (each layer
/// in turn, the last first), evenly over every layer, half on the last layer and half on
/// another. Multipliers that are not exact values of the format are skipped.
fn splits(ar: &Arith, rest: i32, pair: Pair, n_layers: usize) -> Vec<Vec<u128>> {
    let one = ar.one();
    let (Some(e1), Some(e2)) = (ar.exponent(pair.m1), ar.exponent(pair.m2)) else {
        return Vec::new();
    };
    let (Some(m1), Some(m2)) = (scale_exact(ar, pair.m1, -e1), scale_exact(ar, pair.m2, -e2))
    else {
        return Vec::new();
    };
    let total = rest + e1 + e2;
    let n = n_layers as i32;
    let top = n_layers - 1;
    let mut shares: Vec<Vec<i32>> = Vec::new();
    for layer in (0..n_layers).rev() {
        let mut share = vec![0; n_layers];
        share[layer] = total;
        shares.push(share);
    }
    let even = total.div_euclid(n);
    let mut spread = vec![even; n_layers];
    spread[top] = total - even * (n - 1);
    shares.push(spread);
    for layer in (0..top).rev() {
        let mut half = vec![0; n_layers];
        half[top] = total - total / 2;
        half[layer] = total / 2;
        shares.push(half);
    }
    let mut out: Vec<Vec<u128>> = Vec::new();
    for share in shares {
        let mut base = vec![one; n_layers];
        base[n_layers - 2] = m1;
        base[n_layers - 3] = m2;
        let scaled: Option<Vec<u128>> =
            base.iter().zip(&share).map(|(&m, &e)| scale_exact(ar, m, e)).collect();
        if let Some(m) = scaled {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

/// m · 2^e when exact (through two powers of two when 2^e itself is out of range).
fn scale_exact(ar: &Arith, m: u128, e: i32) -> Option<u128> {
    if e == 0 {
        return Some(m);
    }
    match ar.pow2(e) {
        Some(p) => ar.mul_exact(m, p),
        None => {
            let (p1, p2) = (ar.pow2(e / 2)?, ar.pow2(e - e / 2)?);
            ar.mul_exact(ar.mul_exact(m, p1)?, p2)
        }
    }
}

/// The chain's forward values at the point from the carrier value `delta`: layer l computes
/// P = M_l ⊗ c_(l-1) and z = (+0 ⊕ P) ⊕ b_l with b_l = -pred(P) where `mask` has bit l-3, else
/// +0. Every z must be > 0 (the chain stays alive). Returns the biases and the last value.
fn forward(ar: &Arith, delta: u128, multipliers: &[u128], mask: u32) -> Option<(Vec<u128>, u128)> {
    let mut c = delta;
    let mut biases = Vec::with_capacity(multipliers.len());
    for (l, &m) in multipliers.iter().enumerate() {
        let p = ar.mul(m, c)?;
        if !ar.live(p) {
            return None;
        }
        let b = if mask >> l & 1 == 1 { ar.neg(ar.pred(p)?) } else { ar.zero() };
        let z = ar.unit1(m, c, b)?;
        if !ar.live(z) {
            return None;
        }
        biases.push(b);
        c = z;
    }
    Some((biases, c))
}

/// The output pair a ⊗ V, (-a) ⊗ V and the shadow: L' with L' ⊗ B ≥ V (so the shadow is dead
/// away from the point), and the shadow's masked backward product (g ⊗ -a) ⊗ -L' finite.
fn check_output(ar: &Arith, g: u128, a: u128, value: u128, b_ind: u128) -> Option<u128> {
    ar.mul(a, value)?;
    let shadow = cover(ar, value, b_ind)?;
    // Away from the point the shadow's z = (+0 ⊕ -L' ⊗ B) ⊕ V must be <= 0.
    let z = ar.unit1(ar.neg(shadow), b_ind, value)?;
    if ar.live(z) {
        return None;
    }
    // At the point: the backward value reaching the indicator before its mask.
    let back = ar.back1(g, ar.neg(a))?;
    ar.back1(back, ar.neg(shadow))?;
    Some(shadow)
}
