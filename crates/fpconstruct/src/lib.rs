//! fpconstruct: builds ReLU networks whose values AND automatic-differentiation gradients equal
//! given targets on a finite domain, bit for bit (the paper's Theorem 1, docs/semantics.md §6, and its
//! extension to d inputs), and proves each one by running it.
//!
//! Given a format, distinct points x_1, …, x_n of d >= 1 inputs, target values y*_k, target
//! gradients g*_k (d values each) and an output-gradient rule phi' (one, y, y ⊖ c or a table;
//! [`fpad::OutputGradient`]), [`construct`] returns a network f = f2 ⊕ f1 (fpnet's parallel
//! sum, f2's output terms first) of depth 6 (more on request) with
//! - f(x_k) = y*_k and D^AD(phi ∘ f)(x_k) = g*_k at every accepted point;
//! - f(x_j) = +0 and gradient +0 at every rejected point of the domain;
//! - no NaN and no infinity anywhere in the forward or backward pass on the domain.
//!
//! f1 carries the values with an AD gradient of exactly +0, f2 carries the gradients with an
//! output of exactly +0. The design, its facts and its limits are in docs/construct.md; each
//! target the design cannot meet is rejected up front with a named [`Reason`]. After building,
//! the network is evaluated on the whole domain with fpnet's interpreter and fpad's backward
//! pass; any difference from the promise above is an error, never a returned network.
//!
//! The steps, one module each, from the bottom up: `arith` (every prediction computed with
//! the very fpcore operations the interpreter will perform, in the same order, so each is
//! exact), `targets` (validation and the rejections of a target in itself), `domain` (the
//! points and the first layer's scales), `indicator` (one per point), `values` (f1's value
//! blocks), `chain` and `gradients` (f2's chains and their gates), `gradient_network`,
//! `blocks` (every point's blocks until the rejected set is stable), `network` (the halves and
//! their sum), [`report`] and `verify` (the run over the whole domain).

#![forbid(unsafe_code)]
#![deny(clippy::float_arithmetic)]

mod arith;
mod blocks;
mod chain;
mod domain;
mod error;
mod gradient_network;
mod gradients;
mod indicator;
mod layers;
mod network;
pub mod report;
mod targets;
mod values;
mod verify;

use fpad::OutputGradient;
use fpcore::Format;
use fpnet::Graph;

pub use crate::domain::MAX_DOMAIN;
pub use crate::error::ConstructError;
pub use crate::gradients::{Gate, GradientChain, Side};
pub use crate::indicator::Indicator;
pub use crate::report::{PointReport, Report, Status};
pub use crate::targets::{
    Options, Reason, Target, DEFAULT_DEPTH, MAX_DEPTH, MAX_INPUTS, MAX_POINTS,
};
pub use crate::values::ValueBlock;

use crate::arith::Arith;
use crate::blocks::{blocks, point_reports, Plan};
use crate::domain::{domain, scales};
use crate::indicator::indicators;
use crate::network::{network, shape};
use crate::targets::{target_reasons, validate};
use crate::verify::verify;

/// A built network with its report.
#[derive(Clone, Debug)]
pub struct Construction {
    /// The network (d inputs, one output, relu between affine maps, sequential orders).
    pub graph: Graph,
    /// f1 alone: the value blocks (y* at accepted points, AD gradient +0 on the domain).
    pub values: Graph,
    /// f2 alone: the gradient chains (+0 on the domain, AD gradient g* at accepted points).
    pub gradients: Graph,
    /// What was built.
    pub report: Report,
}

/// Builds the network; see the crate documentation. Every target has the same number d of
/// inputs and gradient values (1 to [`MAX_INPUTS`]).
///
/// # Errors
///
/// [`ConstructError`] for options, formats or targets that cannot be built with at all (each
/// point that cannot be met is a rejection in the report instead), and if the built network
/// fails its own check.
pub fn construct(
    fmt: &Format,
    targets: &[Target],
    phi: &OutputGradient,
    options: &Options,
) -> Result<Construction, ConstructError> {
    let ar = Arith::new(*fmt);
    let d = validate(&ar, targets, phi, options)?;

    // 1. The domain: finite, in range, distinct (sorted by value).
    let mut reasons = vec![Vec::new(); targets.len()];
    let domain = domain(&ar, targets, d, &mut reasons)?;

    // 2. Targets that are unreachable in themselves.
    let mut phi_at = vec![None; targets.len()];
    for p in &domain {
        let t = &targets[p.line];
        (reasons[p.line], phi_at[p.line]) = target_reasons(&ar, phi, t.y, &t.g);
    }

    // 3. The first layer's scales and every point's indicator.
    let scales = scales(&ar, &domain, d)?;
    let indicators = indicators(&ar, &scales, &domain)?;

    // 4. Blocks, until the set of rejected points is stable.
    let depth = options.depth;
    let plan = Plan {
        ar: &ar,
        targets,
        domain: &domain,
        scales: &scales,
        indicators: &indicators,
        phi_at: &phi_at,
        depth,
    };
    let blocks = blocks(&plan, phi, &mut reasons)?;

    // 5. The network, once its size is known to be within fpnet's limits.
    let halves = network(&ar, &blocks, &scales, depth, options.f1_first)?;

    // 6. The report, then the check on every point of the domain.
    let points = point_reports(targets, &reasons, &phi_at, &blocks);
    let (widths, nonzero_params) = shape(&ar, &halves.graph);
    let mut report = Report {
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
        report.verified = verify(&halves.graph, &report, &domain, phi)?;
    }
    Ok(Construction {
        graph: halves.graph,
        values: halves.values,
        gradients: halves.gradients,
        report,
    })
}
