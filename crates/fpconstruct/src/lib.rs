//! fpconstruct: builds ReLU networks whose values AND automatic-differentiation gradients equal
//! given targets on a finite domain, bit for bit (the paper's Theorem 1, SEMANTICS §6), and
//! proves each one by running it.
//!
//! Given a format, distinct points x_1 < … < x_n, target values y*_k, target gradients g*_k and
//! an output-gradient rule phi' (one, y, y ⊖ c or a table; [`fpad::OutputGradient`]),
//! [`construct`] returns a network f = f2 ⊕ f1 (fpnet's parallel sum, f2's output terms first)
//! of depth 6 (more on request) with
//! - f(x_k) = y*_k and D^AD(phi ∘ f)(x_k) = g*_k at every accepted point;
//! - f(x_j) = +0 and gradient +0 at every rejected point of the domain;
//! - no NaN and no infinity anywhere in the forward or backward pass on the domain.
//!
//! f1 carries the values with an AD gradient of exactly +0, f2 carries the gradients with an
//! output of exactly +0. The design, its facts and its limits are in CONSTRUCTIONS.md; each
//! target the design cannot meet is rejected up front with a named [`Reason`]. After building,
//! the network is evaluated on the whole domain with fpnet's interpreter and fpad's backward
//! pass; any difference from the promise above is an error, never a returned network.
//!
//! Every parameter is computed by emulating the very fpcore operations the interpreter will
//! perform (module `arith`), in the same order, so each prediction is exact.

#![forbid(unsafe_code)]
#![deny(clippy::float_arithmetic)]

mod arith;
mod chain;
pub mod nd;
pub mod report;

use std::cmp::Ordering;

use fpad::{Ad, BatchOptions, OutputGradient};
use fpcore::act::Activation;
use fpcore::{Flags, Format};
use fpnet::builders::{paper_network, parallel_sum, AffineMap, Variant};
use fpnet::graph::Sigma;
use fpnet::{Graph, ModelError};

use crate::arith::Arith;
use crate::chain::{cover, solve, ChainProblem};

/// Most target lines a construction reads. The network's size is bounded separately by
/// fpnet's parameter limit (about 1200 points with value and gradient targets).
pub const MAX_POINTS: usize = 1 << 16;
/// Most affine maps (the default is [`DEFAULT_DEPTH`]).
pub const MAX_DEPTH: usize = 16;
/// The construction's depth: six affine maps.
pub const DEFAULT_DEPTH: usize = 6;

/// One point of the domain with its targets, as encodings of the format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The input x.
    pub x: u128,
    /// The value y*(x) the network must give.
    pub y: u128,
    /// The AD gradient g*(x) = D^AD(phi ∘ f)(x) the network must give.
    pub g: u128,
}

/// How to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Number of affine maps, at least 6; each map beyond 6 adds one more layer to every
    /// gradient chain, which may divide its forward value by about 2^p (a wider range of
    /// |g* / phi'(y*)|).
    pub depth: usize,
    /// relu'(0) of the network's activations. The construction needs +0 (its masks are units
    /// whose pre-activation is exactly +0); anything else is refused.
    pub kink: u128,
    /// Put f1's output terms before f2's. The construction needs f2 first; this exists to show
    /// what goes wrong otherwise, and the result is not verified.
    pub f1_first: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { depth: DEFAULT_DEPTH, kink: fpcore::act::DEFAULT_KINK, f1_first: false }
    }
}

/// Why a point's targets cannot be met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// x is not a finite number (the point is not part of the domain).
    NonFiniteInput,
    /// x equals an earlier point's x (+0 and -0 are one point); the point is dropped.
    DuplicatePoint,
    /// |x| is above a quarter of the largest finite value: the first layer's scaled copies
    /// of x would overflow (the point is not part of the domain).
    InputRange,
    /// y* or g* is a NaN or an infinity (no network here produces them).
    NonFiniteTarget,
    /// y* = -0: an output that is a sequential sum from +0 is never -0.
    NegativeZeroValue,
    /// g* = -0: the input gradient is a sum from +0 and is never -0.
    NegativeZeroGradient,
    /// phi'(y*) is not a finite number: every backward pass at this point would carry it.
    PhiNotFinite,
    /// The phi' table has no entry for y*.
    PhiUndefined,
    /// g* is nonzero but phi'(y*) = 0: every AD gradient at this point is a zero.
    PhiZero,
    /// The value block's masked backward product phi'(y*) ⊗ L overflows (|phi'(y*) y*| too
    /// large for the point's indicator).
    ValueOverflow,
    /// No gate separates the point from its neighbours on either side.
    GradientGate,
    /// No multipliers give the gradient exactly.
    GradientMultipliers,
    /// Every split of the gradient chain overflows or underflows somewhere: |g* / phi'(y*)|
    /// times the gap below x is out of range, or the largest |phi'| over the domain forbids
    /// the output weight this point needs (cross-talk).
    GradientRange,
}

impl Reason {
    /// The reason's name (kebab case), as the report spells it.
    pub fn name(self) -> &'static str {
        match self {
            Reason::NonFiniteInput => "non-finite-input",
            Reason::DuplicatePoint => "duplicate-point",
            Reason::InputRange => "input-range",
            Reason::NonFiniteTarget => "non-finite-target",
            Reason::NegativeZeroValue => "negative-zero-value",
            Reason::NegativeZeroGradient => "negative-zero-gradient",
            Reason::PhiNotFinite => "phi-not-finite",
            Reason::PhiUndefined => "phi-undefined",
            Reason::PhiZero => "phi-zero",
            Reason::ValueOverflow => "value-overflow",
            Reason::GradientGate => "gradient-gate",
            Reason::GradientMultipliers => "gradient-multipliers",
            Reason::GradientRange => "gradient-range",
        }
    }

    /// Whether the point stays in the domain (the network is finite there and gives +0 with
    /// gradient +0), as opposed to being dropped from it.
    pub fn keeps_point(self) -> bool {
        !matches!(self, Reason::NonFiniteInput | Reason::DuplicatePoint | Reason::InputRange)
    }
}

/// The value block (f1) of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueBlock {
    /// L: the weight magnitude on the indicator (the weight is -L), L ⊗ B ≥ |y*|.
    pub l: u128,
    /// The output weight, ±1.
    pub out: u128,
}

/// Which side of the point the gradient block's carrier looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// r = relu(x ⊖ pred(x_k)): alive at and above the point; the gate kills the points above.
    Up,
    /// r = relu(-x ⊕ succ(x_k)): alive at and below the point; the gate kills the points below.
    Down,
}

/// The gradient block (f2) of a point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradientBlock {
    /// The carrier's side.
    pub side: Side,
    /// The gate's weight magnitude E (a power of two).
    pub gate: u128,
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
    /// (output towards input); the last is g* (or -g* on the down side).
    pub products: Vec<u128>,
}

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

/// What happened to one target line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Both targets are met.
    Accepted {
        /// The point's indicator (absent when neither block is needed: y* = +0, g* = +0).
        indicator: Option<Indicator>,
        /// The value block (absent when y* = +0).
        value: Option<ValueBlock>,
        /// The gradient block (absent when g* = +0).
        gradient: Option<Box<GradientBlock>>,
    },
    /// The targets cannot be met; the reasons found (at least one).
    Rejected(Vec<Reason>),
}

/// One target line's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointReport {
    /// The target.
    pub target: Target,
    /// phi'(y*) (absent when it could not be evaluated).
    pub phi: Option<u128>,
    /// What happened.
    pub status: Status,
}

impl PointReport {
    /// Whether the point's targets are met.
    pub fn accepted(&self) -> bool {
        matches!(self.status, Status::Accepted { .. })
    }
}

/// The network's shape and every point's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The format.
    pub format: Format,
    /// Affine maps.
    pub depth: usize,
    /// Units per layer: the input width, then each affine map's outputs.
    pub widths: Vec<usize>,
    /// Nonzero weights and biases.
    pub nonzero_params: usize,
    /// S, the first layer's scale.
    pub scale: u128,
    /// One entry per target line, in the file's order.
    pub points: Vec<PointReport>,
    /// Points of the domain checked after building (accepted and kept rejected points).
    pub verified: usize,
}

impl Report {
    /// Number of accepted points.
    pub fn accepted(&self) -> usize {
        self.points.iter().filter(|p| p.accepted()).count()
    }

    /// Number of rejected points.
    pub fn rejected(&self) -> usize {
        self.points.len() - self.accepted()
    }
}

/// A built network with its report.
#[derive(Clone, Debug)]
pub struct Construction {
    /// The network (one input, one output, relu between affine maps, sequential orders).
    pub graph: Graph,
    /// f1 alone: the value blocks (y* at accepted points, AD gradient +0 on the domain).
    pub values: Graph,
    /// f2 alone: the gradient blocks (+0 on the domain, AD gradient g* at accepted points).
    pub gradients: Graph,
    /// What was built.
    pub report: Report,
}

/// Why nothing could be built.
#[derive(Debug, thiserror::Error)]
pub enum ConstructError {
    /// The options cannot be built with (kink, depth).
    #[error("{0}")]
    Options(String),
    /// The format cannot hold the construction.
    #[error("format {format}: {message}")]
    Format {
        /// The format.
        format: String,
        /// What is missing.
        message: String,
    },
    /// The targets as a whole are unusable (too many, or phi' undefined where it must be).
    #[error("{0}")]
    Targets(String),
    /// The output-gradient rule does not fit one output of the format.
    #[error("phi': {0}")]
    Phi(String),
    /// fpnet refused the network (a limit).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The built network differs from its promise on a point of the domain: a defect of the
    /// construction, reported instead of returning a wrong network.
    #[error("the built network fails its own check at x = {x}: {message}")]
    Verify {
        /// The point, as bits.
        x: String,
        /// What differs.
        message: String,
    },
}

/// A point of the domain with its place in the file.
#[derive(Clone, Copy, Debug)]
struct Point {
    /// Index into the target lines.
    line: usize,
    x: u128,
}

/// The parameters of one block kind, gathered per layer while the points are processed.
struct Blocks {
    value: Vec<(Point, Indicator, ValueBlock, u128)>,
    gradient: Vec<(Point, Indicator, GradientBlock)>,
}

/// Builds the network; see the crate documentation.
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
    check_common(&ar, options, targets.len(), phi)?;
    check_format(&ar)?;
    for t in targets {
        for (name, v) in [("x", t.x), ("y*", t.y), ("g*", t.g)] {
            if v & !fmt.mask() != 0 {
                return Err(ConstructError::Targets(format!(
                    "{name} = {v:#x} is not an encoding of the {}-bit format {fmt}",
                    fmt.bits()
                )));
            }
        }
    }

    // 1. The domain: finite, in range, distinct (sorted by value).
    let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); targets.len()];
    let quarter = quarter(&ar)?;
    let mut domain: Vec<Point> = Vec::with_capacity(targets.len());
    for (line, t) in targets.iter().enumerate() {
        if !ar.is_finite(t.x) {
            reasons[line].push(Reason::NonFiniteInput);
        } else if ar.cmp(ar.abs(t.x), quarter) == Ordering::Greater {
            reasons[line].push(Reason::InputRange);
        } else {
            domain.push(Point { line, x: t.x });
        }
    }
    domain.sort_by(|a, b| ar.cmp(a.x, b.x).then(a.line.cmp(&b.line)));
    let mut kept: Vec<Point> = Vec::with_capacity(domain.len());
    for p in domain {
        match kept.last() {
            Some(q) if ar.cmp(q.x, p.x) == Ordering::Equal => {
                reasons[p.line].push(Reason::DuplicatePoint);
            }
            _ => kept.push(p),
        }
    }
    let domain = kept;

    // 2. Targets that are unreachable in themselves.
    let mut phi_at: Vec<Option<u128>> = vec![None; targets.len()];
    for p in &domain {
        let t = targets[p.line];
        (reasons[p.line], phi_at[p.line]) = target_reasons(&ar, phi, t.y, &[t.g]);
    }

    // 3. The first layer's scale and every point's indicator.
    let scale = first_scale(&ar, &domain)?;
    let indicators = indicators(&ar, &domain, scale)?;

    // 4. Blocks, until the set of rejected points is stable (a rejected point's value is +0,
    //    which changes its phi' and so the cross-talk bound of the others).
    let depth = options.depth;
    let phi_zero = phi_value(&ar, phi, ar.zero()).ok().flatten();
    let mut previous: Option<(u128, Blocks)> = None;
    let blocks = loop {
        let g_max = largest_phi(
            &ar,
            domain
                .iter()
                .map(|p| if reasons[p.line].is_empty() { phi_at[p.line] } else { phi_zero }),
        )?;
        // The points rejected last round only change the others' blocks through g_max.
        if let Some((_, mut blocks)) = previous.take().filter(|(prev, _)| *prev == g_max) {
            blocks.value.retain(|b| reasons[b.0.line].is_empty());
            blocks.gradient.retain(|b| reasons[b.0.line].is_empty());
            break blocks;
        }
        let mut blocks = Blocks { value: Vec::new(), gradient: Vec::new() };
        let mut changed = false;
        for (k, p) in domain.iter().enumerate() {
            if !reasons[p.line].is_empty() {
                continue;
            }
            let t = targets[p.line];
            let g = phi_at[p.line].unwrap_or_else(|| ar.zero());
            let ind = indicators[k];
            if !ar.is_zero(t.y) {
                match value_block(&ar, ind, t.y, g) {
                    Some(v) => blocks.value.push((*p, ind, v, t.y)),
                    None => {
                        reasons[p.line].push(Reason::ValueOverflow);
                        changed = true;
                        continue;
                    }
                }
            }
            if !ar.is_zero(t.g) {
                match gradient_block(&ar, &domain, k, g, t.g, ind, g_max, depth) {
                    Ok(b) => blocks.gradient.push((*p, ind, b)),
                    Err(reason) => {
                        reasons[p.line].push(reason);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break blocks;
        }
        previous = Some((g_max, blocks));
    };

    // 5. The network, once its size is known to be within fpnet's limits.
    check_size(blocks.value.len(), blocks.gradient.len(), depth)?;
    let (values, gradients) = halves(&ar, &blocks, scale, depth)?;
    let graph = if options.f1_first {
        parallel_sum(&values, &gradients)?
    } else {
        parallel_sum(&gradients, &values)?
    };

    // 6. The report, then the check on every point of the domain.
    let mut value_of = vec![None; targets.len()];
    for b in &blocks.value {
        value_of[b.0.line] = Some(b);
    }
    let mut gradient_of = vec![None; targets.len()];
    for b in &blocks.gradient {
        gradient_of[b.0.line] = Some(b);
    }
    let mut points = Vec::with_capacity(targets.len());
    for (line, t) in targets.iter().enumerate() {
        let status = if reasons[line].is_empty() {
            let (value, gradient) = (value_of[line], gradient_of[line]);
            Status::Accepted {
                indicator: value.map(|b| b.1).or(gradient.map(|b| b.1)),
                value: value.map(|b| b.2),
                gradient: gradient.map(|b| Box::new(b.2.clone())),
            }
        } else {
            Status::Rejected(sorted(&reasons[line]))
        };
        points.push(PointReport { target: *t, phi: phi_at[line], status });
    }
    let (widths, nonzero_params) = shape(&ar, &graph);
    let mut report =
        Report { format: *fmt, depth, widths, nonzero_params, scale, points, verified: 0 };
    if !options.f1_first {
        report.verified = verify(&graph, &report, &domain, phi)?;
    }
    Ok(Construction { graph, values, gradients, report })
}

/// The checks every construction starts with: relu'(0), depth, number of targets, phi'.
pub(crate) fn check_common(
    ar: &Arith,
    options: &Options,
    n_targets: usize,
    phi: &OutputGradient,
) -> Result<(), ConstructError> {
    let fmt = &ar.fmt;
    if options.kink & !fmt.mask() != 0 || !ar.is_zero(options.kink) || ar.sign(options.kink) {
        return Err(ConstructError::Options(format!(
            "relu'(0) = {} is refused: the construction's masks are units whose pre-activation is exactly +0, so relu'(0) must be +0",
            fpcore::text::bits::format_bits(fmt, options.kink & fmt.mask())
        )));
    }
    if !(DEFAULT_DEPTH..=MAX_DEPTH).contains(&options.depth) {
        return Err(ConstructError::Options(format!(
            "depth {} is out of range: the construction takes {DEFAULT_DEPTH} to {MAX_DEPTH} affine maps",
            options.depth
        )));
    }
    if n_targets > MAX_POINTS {
        return Err(ConstructError::Targets(format!(
            "{n_targets} points are more than the limit of {MAX_POINTS}"
        )));
    }
    phi.check(fmt, 1).map_err(|e| ConstructError::Phi(e.to_string()))?;
    if phi.needs_target() {
        return Err(ConstructError::Phi(
            "a loss with targets is not a rule of y alone; use one, y, y - c or a table"
                .to_string(),
        ));
    }
    Ok(())
}

/// Omega / 4, the largest |x| of a domain point.
pub(crate) fn quarter(ar: &Arith) -> Result<u128, ConstructError> {
    ar.mul_exact(ar.max_finite(), ar.pow2(-2).ok_or_else(|| format_error(ar, "no 1/4"))?)
        .ok_or_else(|| format_error(ar, "a quarter of the largest value is not exact"))
}

/// The largest |phi'(f(x))| over the domain, given phi' at each point (`None`: undefined,
/// an error: the value at a rejected point is +0, where phi' must then be finite).
pub(crate) fn largest_phi(
    ar: &Arith,
    values: impl Iterator<Item = Option<u128>>,
) -> Result<u128, ConstructError> {
    let mut g_max = ar.zero();
    for v in values {
        let Some(v) = v else {
            return Err(ConstructError::Targets(
                "phi'(+0) is not a finite number: the network's value at a rejected point (or where y* = +0) is +0, so phi' must be finite there".to_string(),
            ));
        };
        if ar.cmp(ar.abs(v), g_max) == Ordering::Greater {
            g_max = ar.abs(v);
        }
    }
    Ok(g_max)
}

/// The widths (input first, then each affine map's outputs) and the nonzero parameters.
pub(crate) fn shape(ar: &Arith, graph: &Graph) -> (Vec<usize>, usize) {
    let affine = || {
        graph.layers().filter_map(|id| match &graph.node(id).op {
            fpnet::graph::Op::Affine(a) => Some(a),
            _ => None,
        })
    };
    let widths = std::iter::once(graph.input_width()).chain(affine().map(|a| a.rows)).collect();
    let nonzero = affine()
        .map(|a| a.weights.iter().chain(&a.bias).filter(|&&w| !ar.is_zero(w)).count())
        .sum();
    (widths, nonzero)
}

pub(crate) fn format_error(ar: &Arith, message: &str) -> ConstructError {
    ConstructError::Format { format: ar.fmt.name(), message: message.to_string() }
}

/// The format must hold 1, 2, 1/4 and a few more powers of two.
pub(crate) fn check_format(ar: &Arith) -> Result<(), ConstructError> {
    let fmt = &ar.fmt;
    if fmt.p() < 2 {
        return Err(format_error(ar, "the construction needs at least 2 significand bits"));
    }
    if fmt.emax() < 3 || fmt.emin() > -2 {
        return Err(format_error(
            ar,
            "the construction needs 1/4, 1, 2 and 8 to be normal values (emin <= -2, emax >= 3)",
        ));
    }
    Ok(())
}

/// phi'(y) of the rule for one output.
pub(crate) fn phi_value(ar: &Arith, phi: &OutputGradient, y: u128) -> Result<Option<u128>, String> {
    let r = phi.eval(&ar.env, &ar.fmt, &[y], None).map_err(|e| e.to_string())?;
    let v = r.value.first().copied().ok_or_else(|| "no value".to_string())?;
    // An overflowing or invalid phi' (a saturated value in a format without infinities
    // included) counts as not finite (None): the backward pass would raise the flag.
    let bad = Flags::OVERFLOW.union(Flags::INFINITE).union(Flags::INVALID);
    Ok((r.flags.bits() & bad.bits() == 0 && ar.is_finite(v)).then_some(v))
}

/// S = 2^s, the largest power of two with S |x| <= Omega / 2 for every x of the domain (and
/// s <= emax).
fn first_scale(ar: &Arith, domain: &[Point]) -> Result<u128, ConstructError> {
    let mut max_abs = ar.zero();
    for p in domain {
        if ar.cmp(ar.abs(p.x), max_abs) == Ordering::Greater {
            max_abs = ar.abs(p.x);
        }
    }
    let half = ar.pow2(-1).ok_or_else(|| format_error(ar, "no 1/2"))?;
    let limit = ar.mul_exact(ar.max_finite(), half).ok_or_else(|| format_error(ar, "Omega/2"))?;
    let mut s = ar.fmt.emax();
    loop {
        let scale = ar.pow2(s).ok_or_else(|| format_error(ar, "no scale fits"))?;
        let fits =
            ar.mul_exact(scale, max_abs).is_some_and(|v| ar.cmp(v, limit) != Ordering::Greater);
        if fits || ar.is_zero(max_abs) {
            return Ok(scale);
        }
        s -= 1;
    }
}

/// The first layer's two units of an indicator at x: u+ = relu(S ⊗ x ⊕ -(S ⊗ x_k)) and
/// u- = relu((-S) ⊗ x ⊕ S ⊗ x_k), and s's sum before its bias,
/// (+0 ⊕ (-1) ⊗ u+) ⊕ (-1) ⊗ u-.
fn indicator_sum(ar: &Arith, scale: u128, x_k: u128, x: u128) -> Option<u128> {
    let sx_k = ar.mul(scale, x_k)?;
    let u_plus = ar.relu(ar.unit1(scale, x, ar.neg(sx_k))?);
    let u_minus = ar.relu(ar.unit1(ar.neg(scale), x, sx_k)?);
    let minus_one = ar.neg(ar.one());
    let s = ar.add(ar.zero(), ar.mul(minus_one, u_plus)?)?;
    ar.add(s, ar.mul(minus_one, u_minus)?)
}

/// Every point's indicator. gamma_k is the smallest |indicator sum| over the other points; the
/// sum's magnitude is the rounded |S x - S x_k|, which grows with |x - x_k|, so the nearest
/// neighbours on each side give it.
fn indicators(ar: &Arith, domain: &[Point], scale: u128) -> Result<Vec<Indicator>, ConstructError> {
    let mut out = Vec::with_capacity(domain.len());
    for (k, p) in domain.iter().enumerate() {
        let mut gamma: Option<u128> = None;
        for j in [k.wrapping_sub(1), k + 1] {
            let Some(q) = domain.get(j) else { continue };
            let sum = indicator_sum(ar, scale, p.x, q.x)
                .ok_or_else(|| format_error(ar, "an indicator sum overflows"))?;
            let d = ar.abs(sum);
            if gamma.is_none_or(|g| ar.cmp(d, g) == Ordering::Less) {
                gamma = Some(d);
            }
        }
        out.push(indicator(ar, gamma)?);
    }
    Ok(out)
}

/// The indicator of a point whose smallest indicator-sum magnitude over the other points is
/// `gamma` (none: the domain has one point).
pub(crate) fn indicator(ar: &Arith, gamma: Option<u128>) -> Result<Indicator, ConstructError> {
    let emax = ar.fmt.emax();
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

/// The value block: w = relu((-L) ⊗ v ⊕ |y|) with output weight sign(y). Needs L ⊗ B >= |y|
/// (w dead away from the point) and the masked backward product (g ⊗ ±1) ⊗ (-L) finite.
pub(crate) fn value_block(ar: &Arith, ind: Indicator, y: u128, g: u128) -> Option<ValueBlock> {
    let y_abs = ar.abs(y);
    let l = cover(ar, y_abs, ind.b)?;
    let out = if ar.sign(y) { ar.neg(ar.one()) } else { ar.one() };
    // Away from the point: z = (+0 ⊕ (-L) ⊗ B) ⊕ |y| <= 0.
    if ar.live(ar.unit1(ar.neg(l), ind.b, y_abs)?) {
        return None;
    }
    // At the point: w = |y| exactly, and the output term is y.
    let w = ar.unit1(ar.neg(l), ar.zero(), y_abs)?;
    if w != y_abs || ar.mul(out, w)? != y {
        return None;
    }
    let back = ar.back1(g, out)?;
    ar.back1(back, ar.neg(l))?;
    Some(ValueBlock { l, out })
}

/// The gradient block of domain point k.
#[allow(clippy::too_many_arguments)]
fn gradient_block(
    ar: &Arith,
    domain: &[Point],
    k: usize,
    g: u128,
    t: u128,
    ind: Indicator,
    g_max: u128,
    depth: usize,
) -> Result<GradientBlock, Reason> {
    let x_k = domain[k].x;
    let mut sides: Vec<(Side, u128)> = Vec::new();
    if let Some(pred) = ar.pred(x_k) {
        if let Some(delta) = ar.unit1(ar.one(), x_k, ar.neg(pred)) {
            sides.push((Side::Up, delta));
        }
    }
    if let Some(succ) = ar.succ(x_k) {
        if let Some(delta) = ar.unit1(ar.neg(ar.one()), x_k, succ) {
            sides.push((Side::Down, delta));
        }
    }
    // The smaller carrier value first.
    sides.sort_by(|a, b| ar.cmp(a.1, b.1));
    let mut failure = Reason::GradientGate;
    for (side, delta) in sides {
        if !ar.live(delta) {
            continue;
        }
        let Some(gate) = find_gate(ar, domain, k, side) else { continue };
        let target = match side {
            Side::Up => t,
            Side::Down => ar.neg(t),
        };
        let problem = ChainProblem { g, target, delta, b_ind: ind.b, g_max, n_layers: depth - 3 };
        match solve(ar, &problem, &mut |_| true) {
            Ok(chain) => {
                return Ok(GradientBlock {
                    side,
                    gate,
                    delta,
                    a: chain.a,
                    multipliers: chain.multipliers,
                    biases: chain.biases,
                    value: chain.value,
                    shadow: chain.shadow,
                    products: chain.products,
                })
            }
            Err("multipliers") => failure = failure.max(Reason::GradientMultipliers),
            Err(_) => failure = Reason::GradientRange,
        }
    }
    Err(failure)
}

/// The carrier and gate of a side at x: r = relu(w_r ⊗ x ⊕ b_r), e = relu(w_e ⊗ x ⊕ b_e).
pub(crate) fn carrier_gate(ar: &Arith, x_k: u128, side: Side, gate: u128) -> Option<[u128; 4]> {
    let (w_r, b_r) = carrier(ar, x_k, side)?;
    let e_xk = ar.mul(gate, x_k)?;
    Some(match side {
        Side::Up => [w_r, b_r, gate, ar.neg(e_xk)],
        Side::Down => [w_r, b_r, ar.neg(gate), e_xk],
    })
}

/// The carrier's weight and bias on its input: r = relu(1 ⊗ x ⊕ -pred(x_k)) (up) or
/// relu((-1) ⊗ x ⊕ succ(x_k)) (down).
pub(crate) fn carrier(ar: &Arith, x_k: u128, side: Side) -> Option<(u128, u128)> {
    let one = ar.one();
    Some(match side {
        Side::Up => (one, ar.neg(ar.pred(x_k)?)),
        Side::Down => (ar.neg(one), ar.succ(x_k)?),
    })
}

/// c2's pre-activation at x: ((+0 ⊕ 1 ⊗ r) ⊕ (-1) ⊗ e) ⊕ +0.
fn c2_at(ar: &Arith, params: [u128; 4], x: u128) -> Option<u128> {
    let [w_r, b_r, w_e, b_e] = params;
    let r = ar.relu(ar.unit1(w_r, x, b_r)?);
    let e = ar.relu(ar.unit1(w_e, x, b_e)?);
    ar.unit2(ar.one(), r, ar.neg(ar.one()), e, ar.zero())
}

/// The least E = 2^j (j >= 1) whose gate kills c2 at every other point on the carrier's live
/// side, with every value finite on the domain.
fn find_gate(ar: &Arith, domain: &[Point], k: usize, side: Side) -> Option<u128> {
    let x_k = domain[k].x;
    let (lo, hi) = (domain.first()?.x, domain.last()?.x);
    let eight = ar.pow2(3)?;
    for j in 1..=ar.fmt.emax() {
        let gate = ar.pow2(j)?;
        // Finite everywhere: the extremes bound every carrier and gate value.
        let params = carrier_gate(ar, x_k, side, gate)?;
        if c2_at(ar, params, lo).is_none() || c2_at(ar, params, hi).is_none() {
            return None;
        }
        let at_point = c2_at(ar, params, x_k)?;
        if !ar.live(at_point) {
            return None;
        }
        let delta = at_point;
        let far = ar.mul(eight, delta)?;
        // Points on the live side, nearest first, until they are provably killed: once
        // |x - x_k| >= 4 delta, E |x - x_k| >= 2 |x - x_k| exceeds |x - x_k| + delta.
        let mut ok = true;
        let neighbours: Box<dyn Iterator<Item = &Point>> = match side {
            Side::Up => Box::new(domain[k + 1..].iter()),
            Side::Down => Box::new(domain[..k].iter().rev()),
        };
        for q in neighbours {
            let Some(z) = c2_at(ar, params, q.x) else {
                ok = false;
                break;
            };
            if ar.live(z) {
                ok = false;
                break;
            }
            let gap = ar.abs(ar.sub(q.x, x_k)?);
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

/// A sequential layer under construction: rows × cols of +0 with a +0 bias.
pub(crate) struct Dense {
    rows: usize,
    cols: usize,
    weights: Vec<u128>,
    pub(crate) bias: Vec<u128>,
}

impl Dense {
    pub(crate) fn new(ar: &Arith, rows: usize, cols: usize) -> Dense {
        Dense { rows, cols, weights: vec![ar.zero(); rows * cols], bias: vec![ar.zero(); rows] }
    }

    pub(crate) fn set(&mut self, row: usize, col: usize, w: u128) {
        self.weights[row * self.cols + col] = w;
    }

    pub(crate) fn map(self) -> AffineMap {
        AffineMap::new(self.rows, self.cols, self.weights, self.bias)
    }
}

pub(crate) fn relu_sigma() -> Sigma {
    Sigma::new(Activation::Relu)
}

/// f2: per gradient block, layer 1 [u+, u-, r, e], layer 2 [s, c2], layers 3 … L-3 [s', c_l],
/// layer L-2 [v, c_(L-2)], layer L-1 [c_(L-1), h], output weights a, -a.
fn gradient_network(
    ar: &Arith,
    blocks: &[(Point, Indicator, GradientBlock)],
    scale: u128,
    depth: usize,
) -> Result<Graph, ConstructError> {
    let n = blocks.len();
    let one = ar.one();
    let minus_one = ar.neg(one);
    let mut maps = Vec::with_capacity(depth);
    let mut l1 = Dense::new(ar, 4 * n, 1);
    let mut l2 = Dense::new(ar, 2 * n, 4 * n);
    for (i, (p, ind, block)) in blocks.iter().enumerate() {
        let sx = ar.mul(scale, p.x).ok_or_else(|| format_error(ar, "S x overflows"))?;
        let [w_r, b_r, w_e, b_e] = carrier_gate(ar, p.x, block.side, block.gate)
            .ok_or_else(|| format_error(ar, "a gate overflows"))?;
        let rows = [(scale, ar.neg(sx)), (ar.neg(scale), sx), (w_r, b_r), (w_e, b_e)];
        for (r, (w, b)) in rows.into_iter().enumerate() {
            l1.set(4 * i + r, 0, w);
            l1.bias[4 * i + r] = b;
        }
        l2.set(2 * i, 4 * i, minus_one);
        l2.set(2 * i, 4 * i + 1, minus_one);
        l2.bias[2 * i] = ind.c;
        l2.set(2 * i + 1, 4 * i + 2, one);
        l2.set(2 * i + 1, 4 * i + 3, minus_one);
    }
    maps.push(l1.map());
    maps.push(l2.map());
    // Chain layer l (3 … L-1) is multipliers[l - 3].
    for l in 3..=depth - 3 {
        let mut m = Dense::new(ar, 2 * n, 2 * n);
        for (i, (_, ind, block)) in blocks.iter().enumerate() {
            m.set(2 * i, 2 * i, if l == 3 { ind.amp } else { one });
            m.set(2 * i + 1, 2 * i + 1, block.multipliers[l - 3]);
            m.bias[2 * i + 1] = block.biases[l - 3];
        }
        maps.push(m.map());
    }
    let mut lv = Dense::new(ar, 2 * n, 2 * n);
    let mut lh = Dense::new(ar, 2 * n, 2 * n);
    let mut out = Dense::new(ar, 1, 2 * n);
    let (lv_idx, lh_idx) = (depth - 2 - 3, depth - 1 - 3);
    for (i, (_, ind, block)) in blocks.iter().enumerate() {
        lv.set(2 * i, 2 * i, ar.neg(ind.k));
        lv.bias[2 * i] = ind.b;
        lv.set(2 * i + 1, 2 * i + 1, block.multipliers[lv_idx]);
        lv.bias[2 * i + 1] = block.biases[lv_idx];
        lh.set(2 * i, 2 * i + 1, block.multipliers[lh_idx]);
        lh.bias[2 * i] = block.biases[lh_idx];
        lh.set(2 * i + 1, 2 * i, ar.neg(block.shadow));
        lh.bias[2 * i + 1] = block.value;
        out.set(0, 2 * i, block.a);
        out.set(0, 2 * i + 1, ar.neg(block.a));
    }
    maps.push(lv.map());
    maps.push(lh.map());
    maps.push(out.map());
    Ok(paper_network(ar.fmt, 1, relu_sigma(), maps, Variant::default())?)
}

/// Refuses a network whose parameters (counted with their zeros, as the dense layers hold
/// them) exceed fpnet's limits, before anything is allocated.
fn check_size(n_value: usize, n_gradient: usize, depth: usize) -> Result<(), ConstructError> {
    let (n1, n2) = (n_value.max(1) as u128, n_gradient.max(1) as u128);
    let first = 2 * n1 + 4 * n2;
    let hidden = n1 + 2 * n2;
    let depth = depth as u128;
    // T_1: first × 1 and its bias; T_2: hidden × first; T_3 … T_(L-1): hidden × hidden;
    // T_L: 1 × hidden.
    let params =
        2 * first + hidden * first + hidden + (depth - 3) * (hidden * hidden + hidden) + hidden + 1;
    let widths = 1 + first + (depth - 2) * hidden + 1;
    let max_params = fpnet::limits::MAX_PARAMS as u128;
    let max_widths = fpnet::limits::MAX_TOTAL_WIDTH as u128;
    if params > max_params || widths > max_widths {
        return Err(ConstructError::Targets(format!(
            "{n_value} value blocks and {n_gradient} gradient blocks need {params} parameters and {widths} units, above the limits of {max_params} and {max_widths}; use fewer points"
        )));
    }
    Ok(())
}

/// f1 and f2 (a zero network stands in for a half without blocks).
fn halves(
    ar: &Arith,
    blocks: &Blocks,
    scale: u128,
    depth: usize,
) -> Result<(Graph, Graph), ConstructError> {
    let f1 = if blocks.value.is_empty() {
        nd::zero_network_nd(ar, 1, depth)?
    } else {
        let units: Vec<nd::ValueUnit<'_>> = blocks
            .value
            .iter()
            .map(|(p, ind, v, y)| (std::slice::from_ref(&p.x), *ind, *v, *y))
            .collect();
        nd::value_network_nd(ar, &units, &[scale], depth)?
    };
    let f2 = if blocks.gradient.is_empty() {
        nd::zero_network_nd(ar, 1, depth)?
    } else {
        gradient_network(ar, &blocks.gradient, scale, depth)?
    };
    Ok((f1, f2))
}

/// Runs the network on every point of the domain with fpnet and fpad: accepted points give
/// their targets, kept rejected points +0 and +0, and no step overflows or is invalid.
/// Returns the number of points checked.
fn verify(
    graph: &Graph,
    report: &Report,
    domain: &[Point],
    phi: &OutputGradient,
) -> Result<usize, ConstructError> {
    let zero = report.format.zero(false);
    let points = domain.iter().map(|p| {
        let point = &report.points[p.line];
        let (y, g) = if point.accepted() { (point.target.y, point.target.g) } else { (zero, zero) };
        (vec![p.x], y, vec![g])
    });
    verify_points(graph, &report.format, points, phi)
}

/// The check every construction ends with: the network on each point `(x, y, g)` must give the
/// value y and the input gradient g (fpnet's interpreter and fpad's backward pass, in one
/// batch), and no step may raise overflow or invalid. Returns the number of points.
pub(crate) fn verify_points(
    graph: &Graph,
    fmt: &Format,
    points: impl Iterator<Item = (Vec<u128>, u128, Vec<u128>)>,
    phi: &OutputGradient,
) -> Result<usize, ConstructError> {
    let ar = Arith::new(*fmt);
    let ad = Ad::new(graph, ar.env);
    let points: Vec<(Vec<u128>, u128, Vec<u128>)> = points.collect();
    let inputs: Vec<u128> = points.iter().flat_map(|p| p.0.iter().copied()).collect();
    let show = |v: &[u128]| -> String {
        v.iter().map(|&b| fpcore::text::bits::format_bits(fmt, b)).collect::<Vec<_>>().join(" ")
    };
    let fail = |x: &[u128], message: String| ConstructError::Verify { x: show(x), message };
    let got = ad
        .batch(&inputs, phi, None, None, BatchOptions::default())
        .map_err(|e| fail(points.first().map_or(&[][..], |p| &p.0), e.to_string()))?;
    let bad = Flags::OVERFLOW.union(Flags::INFINITE).union(Flags::INVALID);
    for (k, (x, want_y, want_g)) in points.iter().enumerate() {
        let (y, g) = (got.output(k)[0], got.input_gradient(k));
        if y != *want_y || g != want_g.as_slice() {
            let message = format!(
                "value {} gradient {}, expected {} and {}",
                show(&[y]),
                show(g),
                show(&[*want_y]),
                show(want_g)
            );
            return Err(fail(x, message));
        }
        let flags = got.flags[k];
        if flags.bits() & bad.bits() != 0 {
            return Err(fail(x, format!("a step raised {flags} (overflow or invalid)")));
        }
    }
    Ok(points.len())
}

/// A point's reasons, sorted, each once.
pub(crate) fn sorted(reasons: &[Reason]) -> Vec<Reason> {
    let mut r = reasons.to_vec();
    r.sort_unstable();
    r.dedup();
    r
}

/// The reasons a target is unreachable in itself (non-finite or -0 entries, phi'(y*) not
/// finite, undefined, or 0 while some g*_i is not), and phi'(y*) where it is a finite number.
pub(crate) fn target_reasons(
    ar: &Arith,
    phi: &OutputGradient,
    y: u128,
    gradient: &[u128],
) -> (Vec<Reason>, Option<u128>) {
    let mut r = Vec::new();
    if !ar.is_finite(y) || gradient.iter().any(|&v| !ar.is_finite(v)) {
        r.push(Reason::NonFiniteTarget);
    }
    if ar.is_neg_zero(y) {
        r.push(Reason::NegativeZeroValue);
    }
    if gradient.iter().any(|&v| ar.is_neg_zero(v)) {
        r.push(Reason::NegativeZeroGradient);
    }
    if !r.is_empty() {
        return (r, None);
    }
    match phi_value(ar, phi, y) {
        Ok(Some(d)) => {
            if ar.is_zero(d) && gradient.iter().any(|&v| !ar.is_zero(v)) {
                r.push(Reason::PhiZero);
            }
            (r, Some(d))
        }
        Ok(None) => (vec![Reason::PhiNotFinite], None),
        Err(_) => (vec![Reason::PhiUndefined], None),
    }
}
