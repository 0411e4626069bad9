//! The construction for d >= 2 inputs (CONSTRUCTIONS.md, "Extension to d inputs").
//!
//! - The indicator of point x_k has 2d first-layer units u±_(k,i) = relu(±S_i ⊗ x_i ∓ S_i ⊗
//!   x_(k,i)), one weight each, and s_k = relu(Σ_i ((-1) ⊗ u+_(k,i) ⊕ (-1) ⊗ u-_(k,i)) ⊕ c_k)
//!   summed in column order. A sequential sum of terms of one sign is at least each term in
//!   magnitude, so gamma_k > 0 as soon as one coordinate differs. The rest of the indicator
//!   and the value block are the 1-D ones.
//! - Each coordinate i with g*_i != 0 gets its own gradient chain, whose carrier
//!   r_(k,i) = relu(±x_i ∓ pred/succ(x_(k,i))) reads x_i alone. The 1-D gate "x > x_k" does
//!   not carry over; instead a distance unit q_k = relu(Σ_i (1 ⊗ u+_(k,i) ⊕ 1 ⊗ u-_(k,i)) ⊕ 0)
//!   at layer 2 (exactly +0 with z = +0 at x_k, at least gamma_k elsewhere; one copy per
//!   chain, so that no backward sum adds two masked products) enters the chain at layer 3
//!   with the weight -M, M the least power of two that kills the
//!   chain at every other point while M ⊗ q stays finite there and the masked backward product
//!   at x_k, (backward value at layer 3) ⊗ (-M), stays finite.
//! - Component i of the input gradient has one nonzero term, the carrier of (k, i).

use std::cmp::Ordering;

use fpad::OutputGradient;
use fpcore::Format;
use fpnet::builders::{paper_network, parallel_sum, Variant};
use fpnet::Graph;

use crate::arith::Arith;
use crate::carrier;
use crate::chain::{solve, Chain, ChainProblem};
use crate::{
    check_format, format_error, indicator, phi_value, relu_sigma, value_block, ConstructError,
    Dense, GradientBlock, Indicator, Options, Reason, Side, ValueBlock,
};

/// Most inputs of a d-dimensional construction.
pub const MAX_INPUTS: usize = 64;
/// Most distinct points of a d-dimensional domain (each point's indicator is checked against
/// every other point; the network's size limits the points with targets to fewer anyway).
pub const MAX_DOMAIN: usize = 4096;

/// One point of a d-dimensional domain with its targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetNd {
    /// The input vector x (d values).
    pub x: Vec<u128>,
    /// y*(x).
    pub y: u128,
    /// g*(x), the input gradient (d values).
    pub g: Vec<u128>,
}

/// A gradient chain of one coordinate, with the weight of its distance gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinateChain {
    /// The coordinate.
    pub input: usize,
    /// The chain (its `gate` field is unused here: 0).
    pub block: GradientBlock,
    /// M: the weight magnitude of the point's distance unit on the chain's layer-3 unit.
    pub gate: u128,
}

/// What happened to one target line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusNd {
    /// Both targets are met.
    Accepted {
        /// The point's indicator (absent when no block is needed).
        indicator: Option<Indicator>,
        /// The value block (absent when y* = +0).
        value: Option<ValueBlock>,
        /// One chain per coordinate with g*_i != +0.
        chains: Vec<CoordinateChain>,
    },
    /// The targets cannot be met.
    Rejected(Vec<Reason>),
}

/// One target line's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointReportNd {
    /// The target.
    pub target: TargetNd,
    /// phi'(y*).
    pub phi: Option<u128>,
    /// What happened.
    pub status: StatusNd,
}

impl PointReportNd {
    /// Whether the point's targets are met.
    pub fn accepted(&self) -> bool {
        matches!(self.status, StatusNd::Accepted { .. })
    }
}

/// The network's shape and every point's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportNd {
    /// The format.
    pub format: Format,
    /// Inputs.
    pub inputs: usize,
    /// Affine maps.
    pub depth: usize,
    /// Units per layer (the input width first).
    pub widths: Vec<usize>,
    /// Nonzero weights and biases.
    pub nonzero_params: usize,
    /// S_i, the first layer's scale per coordinate.
    pub scales: Vec<u128>,
    /// One entry per target line.
    pub points: Vec<PointReportNd>,
    /// Points of the domain checked after building.
    pub verified: usize,
}

impl ReportNd {
    /// Number of accepted points.
    pub fn accepted(&self) -> usize {
        self.points.iter().filter(|p| p.accepted()).count()
    }
}

/// A built d-dimensional network with its report.
#[derive(Clone, Debug)]
pub struct ConstructionNd {
    /// The network: one input of d values, one output.
    pub graph: Graph,
    /// f1 alone.
    pub values: Graph,
    /// f2 alone.
    pub gradients: Graph,
    /// What was built.
    pub report: ReportNd,
}

#[derive(Clone, Debug)]
struct PointNd {
    line: usize,
    x: Vec<u128>,
}

struct BlockNd {
    point: PointNd,
    ind: Indicator,
    value: Option<(ValueBlock, u128)>,
    chains: Vec<CoordinateChain>,
}

/// Builds a network on d >= 2 inputs; see the module documentation. Every target has d input
/// values and d gradient values.
///
/// # Errors
///
/// As [`crate::construct`]; also when the targets' lengths differ or d is out of range.
pub fn construct_nd(
    fmt: &Format,
    targets: &[TargetNd],
    phi: &OutputGradient,
    options: &Options,
) -> Result<ConstructionNd, ConstructError> {
    let ar = Arith::new(*fmt);
    let d = targets.first().map_or(0, |t| t.x.len());
    if !(2..=MAX_INPUTS).contains(&d) {
        return Err(ConstructError::Targets(format!(
            "{d} inputs: a d-dimensional construction takes 2 to {MAX_INPUTS} (use construct for one)"
        )));
    }
    if let Some((k, _)) = targets.iter().enumerate().find(|(_, t)| t.x.len() != d || t.g.len() != d)
    {
        return Err(ConstructError::Targets(format!(
            "target {} has {} inputs and {} gradient values; the first has {d}",
            k + 1,
            targets[k].x.len(),
            targets[k].g.len()
        )));
    }
    crate::check_common(&ar, options, targets.len(), phi)?;
    check_format(&ar)?;
    for t in targets {
        for v in t.x.iter().chain([&t.y]).chain(&t.g) {
            if v & !fmt.mask() != 0 {
                return Err(ConstructError::Targets(format!(
                    "{v:#x} is not an encoding of the {}-bit format {fmt}",
                    fmt.bits()
                )));
            }
        }
    }

    // 1. The domain: finite vectors with |x_i| <= Omega / 2^k, 2^k >= 4d (so that the
    //    first-layer scales are at least 1 and exact), distinct (numerically).
    let range = input_range(&ar, d)?;
    let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); targets.len()];
    let mut domain: Vec<PointNd> = Vec::new();
    for (line, t) in targets.iter().enumerate() {
        if t.x.iter().any(|&v| !ar.is_finite(v)) {
            reasons[line].push(Reason::NonFiniteInput);
        } else if t.x.iter().any(|&v| ar.cmp(ar.abs(v), range) == Ordering::Greater) {
            reasons[line].push(Reason::InputRange);
        } else {
            domain.push(PointNd { line, x: t.x.clone() });
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
    let mut kept: Vec<PointNd> = Vec::with_capacity(domain.len());
    for p in domain {
        match kept.last() {
            Some(q) if cmp_vec(&q.x, &p.x) == Ordering::Equal => {
                reasons[p.line].push(Reason::DuplicatePoint);
            }
            _ => kept.push(p),
        }
    }
    let domain = kept;

    // 2. Targets unreachable in themselves.
    let mut phi_at: Vec<Option<u128>> = vec![None; targets.len()];
    for p in &domain {
        let t = &targets[p.line];
        (reasons[p.line], phi_at[p.line]) = crate::target_reasons(&ar, phi, t.y, &t.g);
    }

    // 3. Scales, and each point's indicator. A point's distances to every other point are
    //    computed where they are needed (O(n) memory; the domain is bounded by MAX_DOMAIN).
    let n = domain.len();
    if n > MAX_DOMAIN {
        return Err(ConstructError::Targets(format!(
            "{n} distinct points are more than the limit of {MAX_DOMAIN} for {d} inputs (every point's indicator is checked against every other point)"
        )));
    }
    let scales = scales(&ar, &domain, d)?;
    let mut indicators = Vec::with_capacity(n);
    for k in 0..n {
        let row = distances(&ar, &scales, &domain, k)?;
        let gamma = row
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .map(|(_, &q)| q)
            .min_by(|a, b| ar.cmp(*a, *b));
        indicators.push(indicator(&ar, gamma)?);
    }

    // 4. Blocks, until the rejected set is stable.
    let depth = options.depth;
    let phi_zero = phi_value(&ar, phi, ar.zero()).ok().flatten();
    let mut previous: Option<(u128, Vec<BlockNd>)> = None;
    let blocks = loop {
        let g_max =
            crate::largest_phi(
                &ar,
                domain.iter().map(|p| {
                    if reasons[p.line].is_empty() {
                        phi_at[p.line]
                    } else {
                        phi_zero
                    }
                }),
            )?;
        // The points rejected last round only change the others' blocks through g_max.
        if let Some((_, blocks)) = previous.take().filter(|(prev, _)| *prev == g_max) {
            break blocks;
        }
        let mut blocks: Vec<BlockNd> = Vec::new();
        let mut changed = false;
        for (k, p) in domain.iter().enumerate() {
            if !reasons[p.line].is_empty() {
                continue;
            }
            let t = &targets[p.line];
            let g = phi_at[p.line].unwrap_or_else(|| ar.zero());
            let ind = indicators[k];
            let value = if ar.is_zero(t.y) {
                None
            } else if let Some(v) = value_block(&ar, ind, t.y, g) {
                Some((v, t.y))
            } else {
                reasons[p.line].push(Reason::ValueOverflow);
                changed = true;
                continue;
            };
            let mut chains = Vec::new();
            let mut failed = None;
            let row = if t.g.iter().all(|&v| ar.is_zero(v)) {
                Vec::new()
            } else {
                distances(&ar, &scales, &domain, k)?
            };
            for (i, &t_i) in t.g.iter().enumerate() {
                if ar.is_zero(t_i) {
                    continue;
                }
                let env = ChainEnv { domain: &domain, sums: &row, k, i, ind, g_max, depth };
                match coordinate_chain(&ar, &env, g, t_i) {
                    Ok(c) => chains.push(c),
                    Err(r) => {
                        failed = Some(r);
                        break;
                    }
                }
            }
            if let Some(r) = failed {
                reasons[p.line].push(r);
                changed = true;
                continue;
            }
            if value.is_some() || !chains.is_empty() {
                blocks.push(BlockNd { point: p.clone(), ind, value, chains });
            }
        }
        if !changed {
            break blocks;
        }
        previous = Some((g_max, blocks));
    };

    // 5. The network.
    let n_values = blocks.iter().filter(|b| b.value.is_some()).count();
    let n_chain_blocks = blocks.iter().filter(|b| !b.chains.is_empty()).count();
    let n_chains: usize = blocks.iter().map(|b| b.chains.len()).sum();
    check_size_nd(d, n_values, n_chain_blocks, n_chains, depth)?;
    let values = if n_values == 0 {
        zero_network_nd(&ar, d, depth)?
    } else {
        let units: Vec<ValueUnit<'_>> = blocks
            .iter()
            .filter_map(|b| b.value.map(|(v, y)| (b.point.x.as_slice(), b.ind, v, y)))
            .collect();
        value_network_nd(&ar, &units, &scales, depth)?
    };
    let gradients = if n_chains == 0 {
        zero_network_nd(&ar, d, depth)?
    } else {
        gradient_network_nd(&ar, &blocks, &scales, d, depth)?
    };
    let graph = if options.f1_first {
        parallel_sum(&values, &gradients)?
    } else {
        parallel_sum(&gradients, &values)?
    };

    // 6. Report and check.
    let mut block_of = vec![None; targets.len()];
    for b in &blocks {
        block_of[b.point.line] = Some(b);
    }
    let mut points = Vec::with_capacity(targets.len());
    for (line, t) in targets.iter().enumerate() {
        let status = if reasons[line].is_empty() {
            let block = block_of[line];
            StatusNd::Accepted {
                indicator: block.map(|b| b.ind),
                value: block.and_then(|b| b.value.map(|v| v.0)),
                chains: block.map(|b| b.chains.clone()).unwrap_or_default(),
            }
        } else {
            StatusNd::Rejected(crate::sorted(&reasons[line]))
        };
        points.push(PointReportNd { target: t.clone(), phi: phi_at[line], status });
    }
    let (widths, nonzero_params) = crate::shape(&ar, &graph);
    let mut report = ReportNd {
        format: *fmt,
        inputs: d,
        depth,
        widths,
        nonzero_params,
        scales,
        points,
        verified: 0,
    };
    if !options.f1_first {
        report.verified = verify_nd(&graph, &report, &domain, phi)?;
    }
    Ok(ConstructionNd { graph, values, gradients, report })
}

/// Omega / 2^k with 2^k the least power of two >= 4d: the largest |x_i| of a domain point.
pub(crate) fn input_range(ar: &Arith, d: usize) -> Result<u128, ConstructError> {
    let k = (4 * d).next_power_of_two().trailing_zeros() as i32;
    let shrink = ar.pow2(-k).ok_or_else(|| format_error(ar, "no Omega / 4d"))?;
    ar.mul_exact(ar.max_finite(), shrink).ok_or_else(|| format_error(ar, "Omega / 4d is not exact"))
}

/// S_i: the largest power of two (at most 2^emax) with S_i |x_i| <= Omega / 2^k for every
/// point, 2^k >= 4d, so that each indicator sum of d nonzero terms stays below Omega / 2.
/// Every |x_i| is at most Omega / 2^k, so S_i >= 1 and S_i ⊗ x_i is exact.
fn scales(ar: &Arith, domain: &[PointNd], d: usize) -> Result<Vec<u128>, ConstructError> {
    let limit = input_range(ar, d)?;
    let mut out = Vec::with_capacity(d);
    for i in 0..d {
        let mut max_abs = ar.zero();
        for p in domain {
            if ar.cmp(ar.abs(p.x[i]), max_abs) == Ordering::Greater {
                max_abs = ar.abs(p.x[i]);
            }
        }
        let mut s = ar.fmt.emax();
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

/// q_k(x) = relu((… (+0 ⊕ 1 ⊗ u_1) ⊕ 1 ⊗ u_2 …) ⊕ +0), which is also -(s_k's sum before c_k):
/// RNE is symmetric, so the sum of the negated terms is the negated sum.
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
fn distances(
    ar: &Arith,
    scales: &[u128],
    domain: &[PointNd],
    k: usize,
) -> Result<Vec<u128>, ConstructError> {
    domain
        .iter()
        .map(|q| {
            distance(ar, scales, &domain[k].x, &q.x)
                .ok_or_else(|| format_error(ar, "an indicator sum overflows"))
        })
        .collect()
}

struct ChainEnv<'a> {
    domain: &'a [PointNd],
    /// q_k at every point of the domain.
    sums: &'a [u128],
    k: usize,
    i: usize,
    ind: Indicator,
    g_max: u128,
    depth: usize,
}

fn coordinate_chain(
    ar: &Arith,
    env: &ChainEnv<'_>,
    g: u128,
    t: u128,
) -> Result<CoordinateChain, Reason> {
    let x_k = &env.domain[env.k].x;
    let x_ki = x_k[env.i];
    let mut sides: Vec<(Side, u128, u128, u128)> = Vec::new();
    for side in [Side::Up, Side::Down] {
        let Some((w, b)) = carrier(ar, x_ki, side) else { continue };
        if let Some(delta) = ar.unit1(w, x_ki, b) {
            if ar.live(delta) {
                sides.push((side, w, b, delta));
            }
        }
    }
    sides.sort_by(|a, b| ar.cmp(a.3, b.3));
    let mut failure = Reason::GradientGate;
    for (side, w_r, b_r, delta) in sides {
        // c2 = relu(1 ⊗ r ⊕ +0) at every point.
        let mut c2 = Vec::with_capacity(env.domain.len());
        let mut finite = true;
        for p in env.domain {
            let r = ar.unit1(w_r, p.x[env.i], b_r).map(|z| ar.relu(z));
            match r.and_then(|r| ar.unit1(ar.one(), r, ar.zero())) {
                Some(z) => c2.push(ar.relu(z)),
                None => {
                    finite = false;
                    break;
                }
            }
        }
        if !finite {
            continue;
        }
        let target = match side {
            Side::Up => t,
            Side::Down => ar.neg(t),
        };
        let problem = ChainProblem {
            g,
            target,
            delta,
            b_ind: env.ind.b,
            g_max: env.g_max,
            n_layers: env.depth - 3,
        };
        let mut gate = None;
        let mut accept = |chain: &Chain| {
            gate = distance_gate(ar, env, chain, &c2);
            gate.is_some()
        };
        match solve(ar, &problem, &mut accept) {
            Ok(chain) => {
                let block = GradientBlock {
                    side,
                    gate: ar.zero(),
                    delta,
                    a: chain.a,
                    multipliers: chain.multipliers,
                    biases: chain.biases,
                    value: chain.value,
                    shadow: chain.shadow,
                    products: chain.products,
                };
                let gate = gate.ok_or(Reason::GradientGate)?;
                return Ok(CoordinateChain { input: env.i, block, gate });
            }
            Err("multipliers") => failure = failure.max(Reason::GradientMultipliers),
            Err(_) => failure = Reason::GradientRange,
        }
    }
    Err(failure)
}

/// The least power of two M >= 1 with c3's pre-activation ((+0 ⊕ (-M) ⊗ q) ⊕ M_3 ⊗ c2) ⊕ b_3
/// <= 0 at every other point, every value finite, and the masked backward product at x_k,
/// (backward value at c3) ⊗ (-M), finite.
fn distance_gate(ar: &Arith, env: &ChainEnv<'_>, chain: &Chain, c2: &[u128]) -> Option<u128> {
    let (m3, b3) = (chain.multipliers[0], chain.biases[0]);
    // The backward value at c3's pre-activation: before the last multiplication (by M_3).
    let back3 = chain.products[chain.products.len() - 2];
    let z_at = |m: u128, j: usize| -> Option<u128> {
        let s = ar.add(ar.zero(), ar.mul(ar.neg(m), env.sums[j])?)?;
        let s = ar.add(s, ar.mul(m3, c2[j])?)?;
        ar.add(s, b3)
    };
    let mut e = 0;
    'search: while e <= ar.fmt.emax() {
        let m = ar.pow2(e)?;
        ar.back1(back3, ar.neg(m))?;
        for j in 0..env.domain.len() {
            if j == env.k {
                continue;
            }
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
        let z_k = z_at(m, env.k)?;
        let expected = ar.unit1(m3, c2[env.k], b3)?;
        return (z_k == expected).then_some(m);
    }
    None
}

fn check_size_nd(
    d: usize,
    n_values: usize,
    n_chain_blocks: usize,
    n_chains: usize,
    depth: usize,
) -> Result<(), ConstructError> {
    let (d, n1, nb, nc) =
        (d as u128, n_values.max(1) as u128, n_chain_blocks as u128, n_chains.max(1) as u128);
    let first = 2 * d * n1 + 2 * d * nb + nc;
    let second = n1 + nb + 2 * nc;
    let hidden = n1 + nb + nc;
    let last = n1 + 2 * nc;
    let depth = depth as u128;
    let params = first * (d + 1)
        + second * (first + 1)
        + (depth - 5) * (hidden * (second.max(hidden) + 1))
        + hidden * (hidden + 1)
        + last * (hidden + 1)
        + last
        + 1;
    let max_params = fpnet::limits::MAX_PARAMS as u128;
    if params > max_params {
        return Err(ConstructError::Targets(format!(
            "the network would hold about {params} parameters, above the limit of {max_params}; use fewer points"
        )));
    }
    Ok(())
}

/// A d-input network of the given depth whose output is +0 with gradient +0 at every finite
/// input: one unit per layer, every weight and bias +0 (the stand-in for an empty half).
pub(crate) fn zero_network_nd(ar: &Arith, d: usize, depth: usize) -> Result<Graph, ConstructError> {
    let maps = (0..depth).map(|l| Dense::new(ar, 1, if l == 0 { d } else { 1 }).map()).collect();
    Ok(paper_network(ar.fmt, d, relu_sigma(), maps, Variant::default())?)
}

/// Layer 1 of a block's indicator: rows u+_1, u-_1, … at `row`.
fn indicator_rows(
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

/// A value block as the network needs it: the point, its indicator, the block, y*.
pub(crate) type ValueUnit<'a> = (&'a [u128], Indicator, ValueBlock, u128);

/// f1 (for any number of inputs d): per value block, layer 1 [u±_1 … u±_d], layer 2 [s],
/// layers 3 … L-3 [s'] (layer 3 with the weight A, later ones 1), L-2 [v], L-1 [w], output ±1.
pub(crate) fn value_network_nd(
    ar: &Arith,
    blocks: &[ValueUnit<'_>],
    scales: &[u128],
    depth: usize,
) -> Result<Graph, ConstructError> {
    let (n, d) = (blocks.len(), scales.len());
    let minus_one = ar.neg(ar.one());
    let mut maps = Vec::with_capacity(depth);
    let mut l1 = Dense::new(ar, 2 * d * n, d);
    let mut l2 = Dense::new(ar, n, 2 * d * n);
    for (b, (x, ind, _, _)) in blocks.iter().enumerate() {
        indicator_rows(ar, &mut l1, 2 * d * b, scales, x)?;
        for c in 0..2 * d {
            l2.set(b, 2 * d * b + c, minus_one);
        }
        l2.bias[b] = ind.c;
    }
    maps.push(l1.map());
    maps.push(l2.map());
    for l in 3..=depth - 3 {
        let mut id = Dense::new(ar, n, n);
        for (b, (_, ind, _, _)) in blocks.iter().enumerate() {
            id.set(b, b, if l == 3 { ind.amp } else { ar.one() });
        }
        maps.push(id.map());
    }
    let mut lv = Dense::new(ar, n, n);
    let mut lw = Dense::new(ar, n, n);
    let mut out = Dense::new(ar, 1, n);
    for (b, (_, ind, v, y)) in blocks.iter().enumerate() {
        lv.set(b, b, ar.neg(ind.k));
        lv.bias[b] = ind.b;
        lw.set(b, b, ar.neg(v.l));
        lw.bias[b] = ar.abs(*y);
        out.set(0, b, v.out);
    }
    maps.push(lv.map());
    maps.push(lw.map());
    maps.push(out.map());
    Ok(paper_network(ar.fmt, d, relu_sigma(), maps, Variant::default())?)
}

/// f2: per block with chains (m chains), layer 1 [u±_1 … u±_d, r_1 … r_m], layer 2
/// [s, q_1, c2_1, …, q_m, c2_m] (each chain has its own distance unit, so that no backward
/// sum adds two masked products), layers 3 … L-3 [s', c_l…], L-2 [v, c_(L-2)…], L-1 [c_(L-1), h] per
/// chain, output a, -a per chain.
fn gradient_network_nd(
    ar: &Arith,
    blocks: &[BlockNd],
    scales: &[u128],
    d: usize,
    depth: usize,
) -> Result<Graph, ConstructError> {
    let gb: Vec<&BlockNd> = blocks.iter().filter(|b| !b.chains.is_empty()).collect();
    let one = ar.one();
    let minus_one = ar.neg(one);
    // Offsets of each block in layers 1, 2 (and 3 … L-2, which have one unit fewer), L-1.
    let (mut o1, mut o2, mut o3, mut o5) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut w1, mut w2, mut w3, mut w5) = (0, 0, 0, 0);
    for b in &gb {
        let m = b.chains.len();
        o1.push(w1);
        o2.push(w2);
        o3.push(w3);
        o5.push(w5);
        w1 += 2 * d + m;
        w2 += 1 + 2 * m;
        w3 += 1 + m;
        w5 += 2 * m;
    }
    let mut maps = Vec::with_capacity(depth);
    let mut l1 = Dense::new(ar, w1, d);
    let mut l2 = Dense::new(ar, w2, w1);
    for (bi, b) in gb.iter().enumerate() {
        indicator_rows(ar, &mut l1, o1[bi], scales, &b.point.x)?;
        let (r1, r2) = (o1[bi], o2[bi]);
        // s (row r2), then per chain its distance unit q (row r2 + 1 + 2m) and c2.
        for c in 0..2 * d {
            l2.set(r2, r1 + c, minus_one);
        }
        l2.bias[r2] = b.ind.c;
        for (m, chain) in b.chains.iter().enumerate() {
            let x_ki = b.point.x[chain.input];
            let (w, bias) = carrier(ar, x_ki, chain.block.side)
                .ok_or_else(|| format_error(ar, "a carrier overflows"))?;
            l1.set(r1 + 2 * d + m, chain.input, w);
            l1.bias[r1 + 2 * d + m] = bias;
            for c in 0..2 * d {
                l2.set(r2 + 1 + 2 * m, r1 + c, one);
            }
            l2.set(r2 + 2 + 2 * m, r1 + 2 * d + m, one);
        }
    }
    maps.push(l1.map());
    maps.push(l2.map());
    // Layers 3 … L-2: [s' or v, c_l per chain]; layer 3 also reads q.
    for l in 3..=depth - 2 {
        let cols = if l == 3 { w2 } else { w3 };
        let mut layer = Dense::new(ar, w3, cols);
        for (bi, b) in gb.iter().enumerate() {
            let (row, col_base) = (o3[bi], if l == 3 { o2[bi] } else { o3[bi] });
            if l == depth - 2 {
                layer.set(row, col_base, ar.neg(b.ind.k));
                layer.bias[row] = b.ind.b;
            } else {
                layer.set(row, col_base, if l == 3 { b.ind.amp } else { one });
            }
            for (m, chain) in b.chains.iter().enumerate() {
                let (src, mult, bias) = if l == 3 {
                    (col_base + 2 + 2 * m, chain.block.multipliers[0], chain.block.biases[0])
                } else {
                    (col_base + 1 + m, chain.block.multipliers[l - 3], chain.block.biases[l - 3])
                };
                if l == 3 {
                    layer.set(row + 1 + m, col_base + 1 + 2 * m, ar.neg(chain.gate));
                }
                layer.set(row + 1 + m, src, mult);
                layer.bias[row + 1 + m] = bias;
            }
        }
        maps.push(layer.map());
    }
    let mut l5 = Dense::new(ar, w5, w3);
    let mut out = Dense::new(ar, 1, w5);
    let top = depth - 1 - 3;
    for (bi, b) in gb.iter().enumerate() {
        for (m, chain) in b.chains.iter().enumerate() {
            let row = o5[bi] + 2 * m;
            l5.set(row, o3[bi] + 1 + m, chain.block.multipliers[top]);
            l5.bias[row] = chain.block.biases[top];
            l5.set(row + 1, o3[bi], ar.neg(chain.block.shadow));
            l5.bias[row + 1] = chain.block.value;
            out.set(0, row, chain.block.a);
            out.set(0, row + 1, ar.neg(chain.block.a));
        }
    }
    maps.push(l5.map());
    maps.push(out.map());
    Ok(paper_network(ar.fmt, d, relu_sigma(), maps, Variant::default())?)
}

fn verify_nd(
    graph: &Graph,
    report: &ReportNd,
    domain: &[PointNd],
    phi: &OutputGradient,
) -> Result<usize, ConstructError> {
    let zero = report.format.zero(false);
    let points = domain.iter().map(|p| {
        let point = &report.points[p.line];
        let (y, g) = if point.accepted() {
            (point.target.y, point.target.g.clone())
        } else {
            (zero, vec![zero; report.inputs])
        };
        (p.x.clone(), y, g)
    });
    crate::verify_points(graph, &report.format, points, phi)
}
