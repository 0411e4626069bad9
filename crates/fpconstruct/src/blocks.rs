//! The blocks of every point: its value block (f1) and one gradient chain per nonzero g*_i
//! (f2), searched until the set of rejected points is stable (a rejected point's value is +0,
//! which changes its phi' and so the cross-talk bound g_max of the others).

use fpad::OutputGradient;

use crate::arith::Arith;
use crate::domain::Point;
use crate::error::ConstructError;
use crate::gradients::{gradient_chain, ChainSite, GradientChain};
use crate::indicator::{distances, Indicator};
use crate::report::{PointReport, Status};
use crate::targets::{largest_phi, phi_value, sorted, Reason, Target};
use crate::values::{value_block, ValueBlock};

/// The blocks of one accepted point.
pub(crate) struct Block {
    /// The point.
    pub(crate) point: Point,
    /// Its indicator.
    pub(crate) ind: Indicator,
    /// Its value block and y* (absent when y* = +0).
    pub(crate) value: Option<(ValueBlock, u128)>,
    /// One chain per coordinate with g*_i != +0.
    pub(crate) chains: Vec<GradientChain>,
}

/// Everything the block search reads.
pub(crate) struct Plan<'a> {
    pub(crate) ar: &'a Arith,
    pub(crate) targets: &'a [Target],
    pub(crate) domain: &'a [Point],
    pub(crate) scales: &'a [u128],
    pub(crate) indicators: &'a [Indicator],
    /// phi'(y*) per target line, where it is a finite number.
    pub(crate) phi_at: &'a [Option<u128>],
    pub(crate) depth: usize,
}

/// The blocks of the points that are not rejected, in domain order; each point whose blocks
/// cannot be built gets its reason in `reasons`.
pub(crate) fn blocks(
    plan: &Plan<'_>,
    phi: &OutputGradient,
    reasons: &mut [Vec<Reason>],
) -> Result<Vec<Block>, ConstructError> {
    let ar = plan.ar;
    let phi_zero = phi_value(ar, phi, ar.zero()).ok().flatten();
    let mut previous: Option<(u128, Vec<Block>)> = None;
    loop {
        let g_max = largest_phi(
            ar,
            plan.domain.iter().map(|p| {
                if reasons[p.line].is_empty() {
                    plan.phi_at[p.line]
                } else {
                    phi_zero
                }
            }),
        )?;
        // The points rejected last round only change the others' blocks through g_max.
        if let Some((_, blocks)) = previous.take().filter(|(prev, _)| *prev == g_max) {
            return Ok(blocks);
        }
        let mut blocks = Vec::new();
        let mut changed = false;
        for (k, p) in plan.domain.iter().enumerate() {
            if !reasons[p.line].is_empty() {
                continue;
            }
            match point_blocks(plan, k, g_max)? {
                Ok(Some(block)) => blocks.push(block),
                Ok(None) => {}
                Err(reason) => {
                    reasons[p.line].push(reason);
                    changed = true;
                }
            }
        }
        if !changed {
            return Ok(blocks);
        }
        previous = Some((g_max, blocks));
    }
}

/// The blocks of domain point k (none when y* = +0 and g* = +0), or the reason they cannot be
/// built: the value block first, then the chains in coordinate order.
fn point_blocks(
    plan: &Plan<'_>,
    k: usize,
    g_max: u128,
) -> Result<Result<Option<Block>, Reason>, ConstructError> {
    let ar = plan.ar;
    let p = &plan.domain[k];
    let t = &plan.targets[p.line];
    let g = plan.phi_at[p.line].unwrap_or_else(|| ar.zero());
    let ind = plan.indicators[k];
    let value = if ar.is_zero(t.y) {
        None
    } else if let Some(v) = value_block(ar, ind, t.y, g) {
        Some((v, t.y))
    } else {
        return Ok(Err(Reason::ValueOverflow));
    };
    // With d >= 2 inputs the chains are gated by the distance to every other point.
    let sums = if plan.scales.len() > 1 && t.g.iter().any(|&v| !ar.is_zero(v)) {
        distances(ar, plan.scales, plan.domain, k)?
    } else {
        Vec::new()
    };
    let site = ChainSite { domain: plan.domain, k, ind, g_max, depth: plan.depth, sums: &sums };
    let mut chains = Vec::new();
    for (i, &t_i) in t.g.iter().enumerate() {
        if ar.is_zero(t_i) {
            continue;
        }
        match gradient_chain(ar, &site, i, g, t_i) {
            Ok(chain) => chains.push(chain),
            Err(reason) => return Ok(Err(reason)),
        }
    }
    let needed = value.is_some() || !chains.is_empty();
    Ok(Ok(needed.then(|| Block { point: p.clone(), ind, value, chains })))
}

/// One report entry per target line: accepted with its blocks, or rejected with its reasons.
pub(crate) fn point_reports(
    targets: &[Target],
    reasons: &[Vec<Reason>],
    phi_at: &[Option<u128>],
    blocks: &[Block],
) -> Vec<PointReport> {
    let mut block_of = vec![None; targets.len()];
    for b in blocks {
        block_of[b.point.line] = Some(b);
    }
    let mut points = Vec::with_capacity(targets.len());
    for (line, t) in targets.iter().enumerate() {
        let status = if reasons[line].is_empty() {
            let block = block_of[line];
            Status::Accepted {
                indicator: block.map(|b| b.ind),
                value: block.and_then(|b| b.value.map(|v| v.0)),
                chains: block.map(|b| b.chains.clone()).unwrap_or_default(),
            }
        } else {
            Status::Rejected(sorted(&reasons[line]))
        };
        points.push(PointReport { target: t.clone(), phi: phi_at[line], status });
    }
    points
}
