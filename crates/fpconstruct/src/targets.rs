//! What a construction is asked for: the [`Target`] lines, the [`Options`], the checks that
//! refuse a whole build up front, and the [`Reason`]s a single target line is rejected for
//! before any block is built (non-finite or -0 entries, phi'(y*) unusable).

use std::cmp::Ordering;

use fpad::OutputGradient;

use crate::arith::{bad_flags, Arith};
use crate::error::{format_error, ConstructError};

/// Most target lines a construction reads. The network's size is bounded separately by
/// fpnet's parameter limit (about 1200 points with value and gradient targets).
pub const MAX_POINTS: usize = 1 << 16;
/// Most affine maps (the default is [`DEFAULT_DEPTH`]).
pub const MAX_DEPTH: usize = 16;
/// The construction's depth: six affine maps.
pub const DEFAULT_DEPTH: usize = 6;
/// Most inputs d of a construction.
pub const MAX_INPUTS: usize = 64;

/// One point of the domain with its targets, as encodings of the format. Every target of a
/// construction has the same number of inputs d.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The input vector x (d values).
    pub x: Vec<u128>,
    /// The value y*(x) the network must give.
    pub y: u128,
    /// The AD input gradient g*(x) = D^AD(phi ∘ f)(x) the network must give (d values).
    pub g: Vec<u128>,
}

impl Target {
    /// A target of a one-input domain: x, y*(x) and g*(x).
    pub fn one(x: u128, y: u128, g: u128) -> Target {
        Target { x: vec![x], y, g: vec![g] }
    }
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
    /// Some x_i is not a finite number (the point is not part of the domain).
    NonFiniteInput,
    /// x equals an earlier point's x (+0 and -0 are one value); the point is dropped.
    DuplicatePoint,
    /// Some |x_i| is above the domain's range (a quarter of the largest finite value with one
    /// input, Omega / 2^k with 2^k >= 4d in general): the first layer's scaled copies of x
    /// would overflow (the point is not part of the domain).
    InputRange,
    /// y* or some g*_i is a NaN or an infinity (no network here produces them).
    NonFiniteTarget,
    /// y* = -0: an output that is a sequential sum from +0 is never -0.
    NegativeZeroValue,
    /// Some g*_i = -0: the input gradient is a sum from +0 and is never -0.
    NegativeZeroGradient,
    /// phi'(y*) is not a finite number: every backward pass at this point would carry it.
    PhiNotFinite,
    /// The phi' table has no entry for y*.
    PhiUndefined,
    /// Some g*_i is nonzero but phi'(y*) = 0: every AD gradient at this point is a zero.
    PhiZero,
    /// The value block's masked backward product phi'(y*) ⊗ L overflows (|phi'(y*) y*| too
    /// large for the point's indicator).
    ValueOverflow,
    /// No gate separates the point from the others.
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

/// The checks that refuse a whole build: the number of inputs d (that of the first target; 1
/// when there is none) and every target's lengths, the options, phi', the format, and every
/// value's encoding. Returns d.
pub(crate) fn validate(
    ar: &Arith,
    targets: &[Target],
    phi: &OutputGradient,
    options: &Options,
) -> Result<usize, ConstructError> {
    let d = targets.first().map_or(1, |t| t.x.len());
    if !(1..=MAX_INPUTS).contains(&d) {
        return Err(ConstructError::Targets(format!(
            "{d} inputs: a construction takes 1 to {MAX_INPUTS}"
        )));
    }
    if let Some((k, t)) = targets.iter().enumerate().find(|(_, t)| t.x.len() != d || t.g.len() != d)
    {
        return Err(ConstructError::Targets(format!(
            "target {} has {} inputs and {} gradient values; the first has {d}",
            k + 1,
            t.x.len(),
            t.g.len()
        )));
    }
    check_options(ar, options, targets.len(), phi)?;
    check_format(ar)?;
    let fmt = ar.fmt();
    let name = |k: usize| match (d, k) {
        (_, k) if k == d => "y*".to_string(),
        (1, 0) => "x".to_string(),
        (1, _) => "g*".to_string(),
        (_, k) if k < d => format!("x[{k}]"),
        _ => format!("g*[{}]", k - d - 1),
    };
    for t in targets {
        for (k, &v) in t.x.iter().chain([&t.y]).chain(&t.g).enumerate() {
            if v & !fmt.mask() != 0 {
                return Err(ConstructError::Targets(format!(
                    "{} = {v:#x} is not an encoding of the {}-bit format {fmt}",
                    name(k),
                    fmt.bits()
                )));
            }
        }
    }
    Ok(d)
}

/// relu'(0), depth, number of targets, phi'.
fn check_options(
    ar: &Arith,
    options: &Options,
    n_targets: usize,
    phi: &OutputGradient,
) -> Result<(), ConstructError> {
    let fmt = ar.fmt();
    if options.kink & !fmt.mask() != 0 || !ar.is_zero(options.kink) || ar.sign(options.kink) {
        return Err(ConstructError::Options(format!(
            "relu'(0) = {} is refused: the construction's masks are units whose pre-activation is exactly +0, so relu'(0) must be +0",
            fpcore::text::bits::format_bits(&fmt, options.kink & fmt.mask())
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
    phi.check(&fmt, 1).map_err(|e| ConstructError::Phi(e.to_string()))?;
    if phi.needs_target() {
        return Err(ConstructError::Phi(
            "a loss with targets is not a rule of y alone; use one, y, y - c or a table"
                .to_string(),
        ));
    }
    Ok(())
}

/// The format must hold 1, 2, 1/4 and a few more powers of two.
fn check_format(ar: &Arith) -> Result<(), ConstructError> {
    let fmt = ar.fmt();
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

/// phi'(y) of the rule for one output.
pub(crate) fn phi_value(ar: &Arith, phi: &OutputGradient, y: u128) -> Result<Option<u128>, String> {
    let r = phi.eval(&ar.env(), &ar.fmt(), &[y], None).map_err(|e| e.to_string())?;
    let v = r.value.first().copied().ok_or_else(|| "no value".to_string())?;
    // An overflowing or invalid phi' (a saturated value in a format without infinities
    // included) counts as not finite (None): the backward pass would raise the flag.
    Ok((r.flags.bits() & bad_flags().bits() == 0 && ar.is_finite(v)).then_some(v))
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

/// A point's reasons, sorted, each once.
pub(crate) fn sorted(reasons: &[Reason]) -> Vec<Reason> {
    let mut r = reasons.to_vec();
    r.sort_unstable();
    r.dedup();
    r
}
