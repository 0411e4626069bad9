//! f2's gradient chains: per point and per coordinate i with g*_i != +0, a carrier
//! r = relu(±x_i ∓ pred/succ(x_(k,i))) that reads x_i alone, a chain of multipliers whose
//! backward product is exactly g*_i (module `chain`), and a gate that kills the chain at every
//! other point of the domain:
//!
//! - with one input, the gate e = relu(±E ⊗ x ∓ E ⊗ x_k) at layer 1, subtracted in
//!   c2 = relu((r ⊖ e) ⊕ +0): E is the least power of two that kills c2 at the other points
//!   on the carrier's live side;
//! - with d >= 2 inputs ("x > x_k" does not carry over), a distance unit
//!   q = relu(Σ_i (1 ⊗ u+_i ⊕ 1 ⊗ u-_i) ⊕ +0) at layer 2 (exactly +0 at x_k, at least gamma_k
//!   elsewhere; one copy per chain, so that no backward sum adds two masked products) enters
//!   the chain at layer 3 with the weight -M, M the least power of two that kills the chain at
//!   every other point while M ⊗ q stays finite there and the masked backward product at x_k,
//!   (backward value at layer 3) ⊗ (-M), stays finite.
//!
//! Component i of the input gradient then has one nonzero term, the carrier of (k, i).

use std::cmp::Ordering;

use crate::arith::Arith;
use crate::chain::{solve, Chain, ChainProblem};
use crate::domain::Point;
use crate::indicator::Indicator;
use crate::targets::Reason;

/// Which side of the point a chain's carrier looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// r = relu(x_i ⊖ pred(x_(k,i))): alive at and above the point.
    Up,
    /// r = relu(-x_i ⊕ succ(x_(k,i))): alive at and below the point.
    Down,
}

/// What kills a chain away from its point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// One input: E (a power of two), the weight magnitude of the gate unit
    /// e = relu(±E ⊗ x ∓ E ⊗ x_k), which c2 subtracts; it kills the points on the carrier's
    /// live side.
    Input(u128),
    /// d >= 2 inputs: M (a power of two), the weight magnitude of the point's distance unit on
    /// the chain's layer-3 unit.
    Distance(u128),
}

/// The gradient chain (f2) of one coordinate of a point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradientChain {
    /// The coordinate i whose gradient entry the chain carries.
    pub input: usize,
    /// The carrier's side.
    pub side: Side,
    /// The gate.
    pub gate: Gate,
    /// The carrier's value at the point (the gap to the neighbouring float).
    pub delta: u128,
    /// The output weight a (the shadow's is -a).
    pub a: u128,
    /// Chain multipliers M_3 … M_(L-1), forward order.
    pub multipliers: Vec<u128>,
    /// Chain biases b_3 … b_(L-1).
    pub biases: Vec<u128>,
    /// The chain's value V at the point (the shadow's bias).
    pub value: u128,
    /// The shadow's weight magnitude L' on the indicator.
    pub shadow: u128,
    /// The backward products at the point: phi'(y*), then after a, then after each multiplier
    /// (output towards input); the last is g*_i (or -g*_i on the down side).
    pub products: Vec<u128>,
}

/// A point whose gradient chains are searched.
pub(crate) struct ChainSite<'a> {
    /// The domain.
    pub(crate) domain: &'a [Point],
    /// The point's index in the domain.
    pub(crate) k: usize,
    /// The point's indicator.
    pub(crate) ind: Indicator,
    /// The largest |phi'(f(x))| over the domain.
    pub(crate) g_max: u128,
    /// Affine maps.
    pub(crate) depth: usize,
    /// With d >= 2 inputs: the distance q_k at every point of the domain (empty with one).
    pub(crate) sums: &'a [u128],
}

/// The carrier's weight and bias on x_i: r = relu(1 ⊗ x_i ⊕ -pred(x_(k,i))) (up) or
/// relu((-1) ⊗ x_i ⊕ succ(x_(k,i))) (down).
pub(crate) fn carrier(ar: &Arith, x_ki: u128, side: Side) -> Option<(u128, u128)> {
    let one = ar.one();
    Some(match side {
        Side::Up => (one, ar.neg(ar.pred(x_ki)?)),
        Side::Down => (ar.neg(one), ar.succ(x_ki)?),
    })
}

/// The one-input gate's weight and bias: e = relu(E ⊗ x ⊕ -(E ⊗ x_k)) (up) or
/// relu((-E) ⊗ x ⊕ E ⊗ x_k) (down).
pub(crate) fn input_gate(ar: &Arith, x_k: u128, side: Side, gate: u128) -> Option<(u128, u128)> {
    let e_xk = ar.mul(gate, x_k)?;
    Some(match side {
        Side::Up => (gate, ar.neg(e_xk)),
        Side::Down => (ar.neg(gate), e_xk),
    })
}

/// The chain of coordinate i of the site's point with the target t = g*_i, given g =
/// phi'(y*): the carrier sides are tried with the smaller carrier value first.
pub(crate) fn gradient_chain(
    ar: &Arith,
    site: &ChainSite<'_>,
    i: usize,
    g: u128,
    t: u128,
) -> Result<GradientChain, Reason> {
    let x_ki = site.domain[site.k].x[i];
    let mut sides: Vec<(Side, u128)> = Vec::new();
    for side in [Side::Up, Side::Down] {
        let Some((w, b)) = carrier(ar, x_ki, side) else { continue };
        if let Some(delta) = ar.unit1(w, x_ki, b) {
            if ar.live(delta) {
                sides.push((side, delta));
            }
        }
    }
    sides.sort_by(|a, b| ar.cmp(a.1, b.1));
    let mut failure = Reason::GradientGate;
    for (side, delta) in sides {
        let target = match side {
            Side::Up => t,
            Side::Down => ar.neg(t),
        };
        let problem = ChainProblem {
            g,
            target,
            delta,
            b_ind: site.ind.b,
            g_max: site.g_max,
            n_layers: site.depth - 3,
        };
        let solved = if site.sums.is_empty() {
            input_gated(ar, site, side, &problem)
        } else {
            distance_gated(ar, site, i, side, &problem)
        };
        match solved {
            None => {}
            Some(Ok((chain, gate))) => {
                let Some(gate) = gate else { return Err(Reason::GradientGate) };
                return Ok(GradientChain {
                    input: i,
                    side,
                    gate,
                    delta,
                    a: chain.a,
                    multipliers: chain.multipliers,
                    biases: chain.biases,
                    value: chain.value,
                    shadow: chain.shadow,
                    products: chain.products,
                });
            }
            Some(Err("multipliers")) => failure = failure.max(Reason::GradientMultipliers),
            Some(Err(_)) => failure = Reason::GradientRange,
        }
    }
    Err(failure)
}

/// A chain search's outcome on one side: `None` when the side has no gate (or a value that
/// is not finite), else the solver's answer with the gate it was accepted with.
type Solved = Option<Result<(Chain, Option<Gate>), &'static str>>;

/// One input: the gate E first, then any chain.
fn input_gated(ar: &Arith, site: &ChainSite<'_>, side: Side, problem: &ChainProblem) -> Solved {
    let gate = find_gate(ar, site.domain, site.k, side)?;
    Some(solve(ar, problem, &mut |_| true).map(|chain| (chain, Some(Gate::Input(gate)))))
}

/// d inputs: c2 = relu(1 ⊗ r ⊕ +0) must be finite on the domain; the chain is accepted with
/// the first distance weight M that gates it.
fn distance_gated(
    ar: &Arith,
    site: &ChainSite<'_>,
    i: usize,
    side: Side,
    problem: &ChainProblem,
) -> Solved {
    let (w_r, b_r) = carrier(ar, site.domain[site.k].x[i], side)?;
    let mut c2 = Vec::with_capacity(site.domain.len());
    for p in site.domain {
        let r = ar.unit1(w_r, p.x[i], b_r).map(|z| ar.relu(z));
        let z = r.and_then(|r| ar.unit1(ar.one(), r, ar.zero()))?;
        c2.push(ar.relu(z));
    }
    let mut gate = None;
    let mut accept = |chain: &Chain| {
        gate = distance_gate(ar, site, chain, &c2);
        gate.is_some()
    };
    let solved = solve(ar, problem, &mut accept);
    Some(solved.map(|chain| (chain, gate.map(Gate::Distance))))
}

/// c2's pre-activation at x with the one-input gate: ((+0 ⊕ 1 ⊗ r) ⊕ (-1) ⊗ e) ⊕ +0.
fn c2_at(ar: &Arith, carrier: (u128, u128), gate: (u128, u128), x: u128) -> Option<u128> {
    let r = ar.relu(ar.unit1(carrier.0, x, carrier.1)?);
    let e = ar.relu(ar.unit1(gate.0, x, gate.1)?);
    ar.unit2(ar.one(), r, ar.neg(ar.one()), e, ar.zero())
}

/// One input: the least E = 2^j (j >= 1) whose gate kills c2 at every other point on the
/// carrier's live side, with every value finite on the domain.
fn find_gate(ar: &Arith, domain: &[Point], k: usize, side: Side) -> Option<u128> {
    let x_k = domain[k].x[0];
    let (lo, hi) = (domain.first()?.x[0], domain.last()?.x[0]);
    let eight = ar.pow2(3)?;
    for j in 1..=ar.fmt().emax() {
        let gate = ar.pow2(j)?;
        // Finite everywhere: the extremes bound every carrier and gate value.
        let r = carrier(ar, x_k, side)?;
        let e = input_gate(ar, x_k, side, gate)?;
        if c2_at(ar, r, e, lo).is_none() || c2_at(ar, r, e, hi).is_none() {
            return None;
        }
        let delta = c2_at(ar, r, e, x_k)?;
        if !ar.live(delta) {
            return None;
        }
        let far = ar.mul(eight, delta)?;
        // Points on the live side, nearest first, until they are provably killed: once
        // |x - x_k| >= 4 delta, E |x - x_k| >= 2 |x - x_k| exceeds |x - x_k| + delta.
        let neighbours: Box<dyn Iterator<Item = &Point>> = match side {
            Side::Up => Box::new(domain[k + 1..].iter()),
            Side::Down => Box::new(domain[..k].iter().rev()),
        };
        let mut ok = true;
        for q in neighbours {
            match c2_at(ar, r, e, q.x[0]) {
                Some(z) if !ar.live(z) => {}
                _ => {
                    ok = false;
                    break;
                }
            }
            let gap = ar.abs(ar.sub(q.x[0], x_k)?);
            if ar.cmp(gap, far) != Ordering::Less {
                break;
            }
        }
        if ok {
            return Some(gate);
        }
    }
    None
}

/// d inputs: the least power of two M >= 1 with c3's pre-activation
/// ((+0 ⊕ (-M) ⊗ q) ⊕ M_3 ⊗ c2) ⊕ b_3 <= 0 at every other point, every value finite, and the
/// masked backward product at x_k, (backward value at c3) ⊗ (-M), finite.
fn distance_gate(ar: &Arith, site: &ChainSite<'_>, chain: &Chain, c2: &[u128]) -> Option<u128> {
    let (m3, b3) = (chain.multipliers[0], chain.biases[0]);
    // The backward value at c3's pre-activation: before the last multiplication (by M_3).
    let back3 = chain.products[chain.products.len() - 2];
    let z_at = |m: u128, j: usize| -> Option<u128> {
        let s = ar.add(ar.zero(), ar.mul(ar.neg(m), site.sums[j])?)?;
        let s = ar.add(s, ar.mul(m3, c2[j])?)?;
        ar.add(s, b3)
    };
    let mut e = 0;
    'search: while e <= ar.fmt().emax() {
        let m = ar.pow2(e)?;
        ar.back1(back3, ar.neg(m))?;
        for j in (0..site.domain.len()).filter(|&j| j != site.k) {
            match z_at(m, j) {
                Some(z) if !ar.live(z) => {}
                Some(_) => {
                    e += 1;
                    continue 'search;
                }
                None => return None,
            }
        }
        // At the point itself the gate is exactly +0 and the chain runs as solved.
        let z_k = z_at(m, site.k)?;
        let expected = ar.unit1(m3, c2[site.k], b3)?;
        return (z_k == expected).then_some(m);
    }
    None
}
