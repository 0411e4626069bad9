//! Gradient descent, bit for bit, in several formats side by side (docs/semantics.md §5.6).
//!
//! A [`Trainer`] holds one run: the network with every node in one format F (its parameters and
//! kinks converted once from the network's own formats by [`in_format`]), the data converted
//! once to F ([`Data::convert`]), the learning rate rounded once to F, and the number of updates
//! made so far. [`Trainer::step`] makes one update:
//!
//! 1. the batch of step k (steps are numbered from 1) is batch (k - 1) mod n_b of the data cut
//!    into n_b = ceil(N / B) consecutive batches of B samples (the last one holds the rest);
//! 2. every sample's forward pass and reverse sweep with the output gradient of the loss, at the
//!    parameters after k - 1 updates, and the per-sample parameter gradients summed in sample
//!    order from +0: g = ((+0 ⊕ g¹) ⊕ g²) ⊕ … (no division by B);
//! 3. the update of every parameter, node by node, weights row by row then biases:
//!    w' = w ⊖ (lr ⊗ g) (fpad's [`crate::sgd_step`]), two roundings;
//! 4. the batch's loss at the same parameters (see [`sample_loss`]), summed in sample order
//!    from +0.
//!
//! A parameter is **absorbed** when its gradient g is nonzero (a NaN counts as nonzero) and the
//! update left its encoding unchanged; a step is a **fixed point** when at least one gradient
//! is nonzero and every parameter with a nonzero gradient was absorbed.
//!
//! [`train`] runs one trainer per format and one in a reference format from the same starting
//! network, step by step, and reports for each step and format the loss, the distance from the
//! reference ([`Distance`]), the absorbed count and whether the step was a fixed point; for each
//! format, the first fixed point and the first repeated state ([`Cycle`]).

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use fpcore::act::{exp, log1p};
use fpcore::reference::{exact_value, round_big};
use fpcore::text::parse_value;
use fpcore::{Ctx, Env, Flags, Format, Rounded};
use fpnet::graph::Op;
use fpnet::reduce::sum_left_to_right;
use fpnet::Graph;
use num_bigint::{BigInt, BigUint};
use num_traits::{Signed, Zero};

use crate::backward::{Ad, BatchOptions};
use crate::error::AdError;
use crate::loss::{Loss, OutputGradient};
use crate::params::ParamGrads;
use crate::sgd::sgd_step;

/// Most states remembered per run for cycle detection (a cycle whose first state comes later
/// is not reported).
const MAX_STATES: usize = 1 << 20;

/// Batches of at least this many samples are differentiated on rayon's threads (the results
/// are those of the serial run).
const PARALLEL_BATCH: usize = 64;

/// A copy of `graph` with every node in `fmt`: each weight, bias and activation kink converted
/// once from its node's format to `fmt` (rounded where `fmt` does not hold it).
///
/// # Errors
///
/// [`AdError::Params`] when the converted graph is not valid (an accumulation order `wide:G`
/// that does not suit `fmt`).
pub fn in_format(env: &Env, graph: &Graph, fmt: Format) -> Result<Graph, AdError> {
    let mut nodes = graph.nodes().to_vec();
    for node in &mut nodes {
        let src = node.format;
        node.format = fmt;
        match &mut node.op {
            Op::Affine(a) => {
                for v in a.weights.iter_mut().chain(a.bias.iter_mut()) {
                    *v = fpcore::convert(env, &src, &fmt, *v).value;
                }
            }
            Op::Activation(a) => {
                a.sigma.kink = fpcore::convert(env, &src, &fmt, a.sigma.kink).value;
            }
            Op::Input { .. } | Op::Add(_) | Op::Concat(_) => {}
        }
    }
    Graph::new(fmt, nodes, graph.output())
        .map_err(|e| AdError::Params(format!("the network in {fmt}: {e}")))
}

/// Every parameter of `graph`, node by node, each node's weights row by row then its biases
/// (the order of [`crate::sgd_step`]).
pub fn parameters(graph: &Graph) -> Vec<u128> {
    let mut out = Vec::with_capacity(graph.n_params());
    for node in graph.nodes() {
        if let Op::Affine(a) = &node.op {
            out.extend_from_slice(&a.weights);
            out.extend_from_slice(&a.bias);
        }
    }
    out
}

/// The training samples: each one `inputs` values then `targets` values, as encodings of
/// given formats or as text, converted once to each training format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Data {
    /// Input values per sample.
    pub inputs: usize,
    /// Target values per sample (0 for the `sum` loss).
    pub targets: usize,
    /// The values, sample after sample.
    pub values: DataValues,
}

/// The values of [`Data`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataValues {
    /// Encodings; `formats` holds the format of each of a sample's `inputs + targets` columns.
    Encoded {
        /// The format of each column.
        formats: Vec<Format>,
        /// The encodings, sample after sample.
        values: Vec<u128>,
    },
    /// Decimal or hex-float text, rounded once to each training format.
    Text(Vec<String>),
}

impl Data {
    /// Values per sample.
    pub fn width(&self) -> usize {
        self.inputs + self.targets
    }

    /// Number of samples (0 when a sample has no values).
    pub fn len(&self) -> usize {
        let n = match &self.values {
            DataValues::Encoded { values, .. } => values.len(),
            DataValues::Text(values) => values.len(),
        };
        n.checked_div(self.width()).unwrap_or(0)
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The inputs and the targets, sample after sample, converted once to `fmt`.
    ///
    /// # Errors
    ///
    /// [`AdError::Batch`] naming the sample and value when the values do not hold whole
    /// samples, a column has no format, an encoding is too wide for its format, or a text is
    /// not a number.
    pub fn convert(&self, env: &Env, fmt: &Format) -> Result<(Vec<u128>, Vec<u128>), AdError> {
        let width = self.width();
        let count = match &self.values {
            DataValues::Encoded { values, .. } => values.len(),
            DataValues::Text(values) => values.len(),
        };
        if width == 0 || count % width != 0 {
            return Err(AdError::Batch(format!(
                "the data holds {count} values, not whole samples of {width} values"
            )));
        }
        let at = |k: usize| format!("sample {}, value {}", k / width + 1, k % width + 1);
        let converted: Vec<u128> = match &self.values {
            DataValues::Encoded { formats, values } => {
                if formats.len() != width {
                    return Err(AdError::Batch(format!(
                        "{} column formats for samples of {width} values",
                        formats.len()
                    )));
                }
                values
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| {
                        let src = &formats[k % width];
                        if v & !src.mask() != 0 {
                            return Err(AdError::Batch(format!(
                                "{}: {v:#x} is not an encoding of {src}",
                                at(k)
                            )));
                        }
                        Ok(fpcore::convert(env, src, fmt, v).value)
                    })
                    .collect::<Result<_, _>>()?
            }
            DataValues::Text(values) => values
                .iter()
                .enumerate()
                .map(|(k, text)| {
                    parse_value(env, fmt, text)
                        .map(|r| r.value)
                        .map_err(|e| AdError::Batch(format!("{}: '{text}': {e}", at(k))))
                })
                .collect::<Result<_, _>>()?,
        };
        let mut inputs = Vec::with_capacity(self.len() * self.inputs);
        let mut targets = Vec::with_capacity(self.len() * self.targets);
        for sample in converted.chunks(width) {
            inputs.extend_from_slice(&sample[..self.inputs]);
            targets.extend_from_slice(&sample[self.inputs..]);
        }
        Ok((inputs, targets))
    }
}

/// The options of a training run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainOptions {
    /// The loss; its derivative is the output gradient, its value is logged.
    pub loss: Loss,
    /// The learning rate, decimal or hex-float text, rounded once to each format.
    pub lr: String,
    /// Number of updates.
    pub steps: u64,
    /// Samples per batch; `None` for the whole data set in every step.
    pub batch: Option<usize>,
}

/// The loss of one sample, in `fmt`, by a fixed sequence of rounded operations.
///
/// # Evaluation order
///
/// - `sum`: L = ((+0 ⊕ y_1) ⊕ y_2) ⊕ … ⊕ y_d.
/// - `mse`: d_i = y_i ⊖ t_i; L = ((+0 ⊕ d_1 ⊗ d_1) ⊕ d_2 ⊗ d_2) ⊕ … (each product rounded).
/// - `softmax-xent`: m, s_i = y_i ⊖ m, e_i = exp(s_i) and S = ((+0 ⊕ e_1) ⊕ e_2) ⊕ … as in
///   [`crate::loss::softmax_xent_gradient`]; l = log1p(S ⊖ 1) (correctly rounded, so
///   l = log S rounded when S ⊖ 1 is exact); L = ((+0 ⊕ t_1 ⊗ (l ⊖ s_1)) ⊕ t_2 ⊗ (l ⊖ s_2)) ⊕ …
///   (-log p_i = log S - s_i).
///
/// # Panics
///
/// When the loss needs a target and `y` and `t` have different lengths.
pub fn sample_loss(env: &Env, fmt: &Format, loss: Loss, y: &[u128], t: &[u128]) -> Rounded<u128> {
    let mut ctx = Ctx::new(*env, *fmt);
    let terms: Vec<u128> = match loss {
        Loss::Sum => y.to_vec(),
        Loss::Mse => {
            assert_eq!(y.len(), t.len(), "one target per output");
            y.iter()
                .zip(t)
                .map(|(&y_i, &t_i)| {
                    let d_i = ctx.sub(y_i, t_i);
                    ctx.mul(d_i, d_i)
                })
                .collect()
        }
        Loss::SoftmaxXent => {
            assert_eq!(y.len(), t.len(), "one target per output");
            let Some((&first, rest)) = y.split_first() else {
                return Rounded::exact(fmt.zero(false));
            };
            let mut m = first;
            for &y_i in rest {
                m = ctx.take(fpcore::maximum(env, fmt, m, y_i));
            }
            let s: Vec<u128> = y.iter().map(|&y_i| ctx.sub(y_i, m)).collect();
            let e: Vec<u128> = s.iter().map(|&s_i| ctx.take(exp(env, fmt, s_i))).collect();
            let sum = ctx.take(sum_left_to_right(env, fmt, &e));
            let one = ctx.take(fpcore::from_u64(env, fmt, 1));
            let shifted = ctx.sub(sum, one);
            let l = ctx.take(log1p(env, fmt, shifted));
            s.iter()
                .zip(t)
                .map(|(&s_i, &t_i)| {
                    let nll = ctx.sub(l, s_i);
                    ctx.mul(t_i, nll)
                })
                .collect()
        }
    };
    let total = ctx.take(sum_left_to_right(env, fmt, &terms));
    Rounded::new(total, ctx.flags)
}

/// What one update did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The step's number (from 1).
    pub step: u64,
    /// The batch's loss at the parameters the step started from, in the run's format.
    pub loss: u128,
    /// Parameters whose summed gradient is nonzero (NaN included).
    pub nonzero: usize,
    /// Parameters with a nonzero gradient that the update left unchanged (same encoding).
    pub absorbed: usize,
    /// At least one nonzero gradient, and every parameter with one absorbed.
    pub fixed_point: bool,
    /// Flags of the forward and backward passes, the loss and the update.
    pub flags: Flags,
}

/// One training run in one format (see the module documentation).
#[derive(Clone, Debug)]
pub struct Trainer {
    env: Env,
    format: Format,
    graph: Graph,
    phi: OutputGradient,
    loss: Loss,
    lr: String,
    inputs: Vec<u128>,
    targets: Vec<u128>,
    n_samples: usize,
    batch: usize,
    updates: u64,
}

impl Trainer {
    /// A run of `graph` converted to `fmt` ([`in_format`]) on `data` converted to `fmt`.
    ///
    /// # Errors
    ///
    /// [`AdError::Batch`] when the data is empty, does not have the network's input width
    /// (and output width for a loss with targets) or does not convert; [`AdError::Params`]
    /// when the learning rate is not a number, the batch size is 0, or the network does not
    /// convert.
    pub fn new(
        env: &Env,
        graph: &Graph,
        data: &Data,
        fmt: Format,
        options: &TrainOptions,
    ) -> Result<Trainer, AdError> {
        let d_in = graph.input_width();
        let d_out = graph.output_width();
        let want_targets = if options.loss.needs_target() { d_out } else { 0 };
        if data.inputs != d_in || data.targets != want_targets {
            return Err(AdError::Batch(format!(
                "a sample of this network and the {} loss holds {d_in} inputs and {want_targets} targets, got {} and {}",
                options.loss.name(),
                data.inputs,
                data.targets
            )));
        }
        let graph = in_format(env, graph, fmt)?;
        let (inputs, targets) = data.convert(env, &fmt)?;
        let n_samples = data.len();
        if n_samples == 0 {
            return Err(AdError::Batch("the data holds no sample".to_string()));
        }
        let batch = options.batch.unwrap_or(n_samples);
        if batch == 0 {
            return Err(AdError::Params("the batch size must be at least 1".to_string()));
        }
        let _ = parse_value(env, &fmt, &options.lr)
            .map_err(|e| AdError::Params(format!("learning rate '{}': {e}", options.lr)))?;
        Ok(Trainer {
            env: *env,
            format: fmt,
            graph,
            phi: OutputGradient::Loss(options.loss),
            loss: options.loss,
            lr: options.lr.clone(),
            inputs,
            targets,
            n_samples,
            batch: batch.min(n_samples),
            updates: 0,
        })
    }

    /// The run's format.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The network after the updates made so far.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Number of updates made.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Number of batches the data is cut into.
    pub fn n_batches(&self) -> usize {
        self.n_samples.div_ceil(self.batch)
    }

    /// The samples `[start, stop)` of the next step's batch.
    pub fn next_batch(&self) -> (usize, usize) {
        let n_batches = self.n_batches() as u64;
        let b = usize::try_from(self.updates % n_batches).expect("fewer batches than samples");
        let start = b * self.batch;
        (start, (start + self.batch).min(self.n_samples))
    }

    /// One step: the batch's gradients, the update and what it did (see the module
    /// documentation).
    ///
    /// # Errors
    ///
    /// As [`Ad::batch`] and [`crate::sgd_step`] (not for data and networks that
    /// [`Trainer::new`] accepted).
    pub fn step(&mut self) -> Result<Step, AdError> {
        let env = self.env;
        let fmt = self.format;
        let (start, stop) = self.next_batch();
        let d_in = self.graph.input_width();
        let d_out = if self.loss.needs_target() { self.graph.output_width() } else { 0 };
        let inputs = &self.inputs[start * d_in..stop * d_in];
        let targets = &self.targets[start * d_out..stop * d_out];
        let mut grads = ParamGrads::zeros(&self.graph);
        let options = BatchOptions { parallel: stop - start >= PARALLEL_BATCH };
        let ad = Ad::new(&self.graph, env);
        let t = self.loss.needs_target().then_some(targets);
        let batch = ad.batch(inputs, &self.phi, t, Some(&mut grads), options)?;
        let mut flags = batch.flags.iter().fold(grads.flags, |acc, f| acc.union(*f));
        let mut losses = Vec::with_capacity(batch.len());
        for k in 0..batch.len() {
            let target = &targets[k * d_out..(k + 1) * d_out];
            let l = sample_loss(&env, &fmt, self.loss, batch.output(k), target);
            flags |= l.flags;
            losses.push(l.value);
        }
        let loss = sum_left_to_right(&env, &fmt, &losses);
        flags |= loss.flags;
        let (next, update_flags) = sgd_step(&env, &self.graph, &grads, &self.lr)?;
        flags |= update_flags;
        let before = parameters(&self.graph);
        let after = parameters(&next);
        let gradient: Vec<u128> = grads
            .nodes
            .iter()
            .flatten()
            .flat_map(|g| g.weights.iter().chain(&g.bias).copied())
            .collect();
        let mut nonzero = 0;
        let mut absorbed = 0;
        for ((&g, &w), &w_next) in gradient.iter().zip(&before).zip(&after) {
            if !fmt.unpack(g).is_zero() {
                nonzero += 1;
                if w == w_next {
                    absorbed += 1;
                }
            }
        }
        self.graph = next;
        self.updates += 1;
        Ok(Step {
            step: self.updates,
            loss: loss.value,
            nonzero,
            absorbed,
            fixed_point: nonzero > 0 && absorbed == nonzero,
            flags,
        })
    }

    /// A hash of the state the next step starts from: the parameters' encodings and the next
    /// batch.
    fn state_hash(&self) -> u64 {
        let mut h = DefaultHasher::new();
        parameters(&self.graph).hash(&mut h);
        self.next_batch().hash(&mut h);
        h.finish()
    }

    /// Whether two runs of the same data are in the same state: the same parameters and the
    /// same next batch.
    fn same_state(&self, other: &Trainer) -> bool {
        self.next_batch() == other.next_batch()
            && parameters(&self.graph) == parameters(&other.graph)
    }
}

/// The distance of a run's parameters from the reference run's: the largest relative distance
/// |w - r| / |r| over the parameters, exactly. A pair with the same value (both NaN, or equal
/// numbers; +0 equals -0) is at distance 0; a pair that differs where either is a NaN or an
/// infinity, or r is 0, is at an infinite distance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Distance {
    /// num / den exactly (den > 0).
    Finite {
        /// The numerator.
        num: BigUint,
        /// The denominator, positive.
        den: BigUint,
    },
    /// Infinitely far.
    Infinite,
}

impl Distance {
    /// The distance of `params` (in `fmt`) from `reference` (in `ref_fmt`), parameter by
    /// parameter.
    ///
    /// # Panics
    ///
    /// When the two lists have different lengths.
    pub fn between(fmt: &Format, params: &[u128], ref_fmt: &Format, reference: &[u128]) -> Self {
        assert_eq!(params.len(), reference.len(), "the same network's parameters");
        let mut max = Distance::Finite { num: BigUint::zero(), den: BigUint::from(1u8) };
        for (&w, &r) in params.iter().zip(reference) {
            let d = Distance::one(fmt, w, ref_fmt, r);
            if d.exceeds(&max) {
                max = d;
            }
        }
        max
    }

    /// The distance of one pair.
    fn one(fmt: &Format, w: u128, ref_fmt: &Format, r: u128) -> Distance {
        let (uw, ur) = (fmt.unpack(w), ref_fmt.unpack(r));
        let zero = || Distance::Finite { num: BigUint::zero(), den: BigUint::from(1u8) };
        if uw.is_nan() || ur.is_nan() {
            return if uw.is_nan() && ur.is_nan() { zero() } else { Distance::Infinite };
        }
        if uw.is_inf() || ur.is_inf() {
            return if uw == ur { zero() } else { Distance::Infinite };
        }
        let Some((r_sig, r_exp)) = exact_value(ref_fmt, r) else {
            return if uw.is_zero() { zero() } else { Distance::Infinite };
        };
        let (w_sig, w_exp) = exact_value(fmt, w).unwrap_or((BigInt::zero(), r_exp));
        let base = w_exp.min(r_exp);
        let shift = |e: i32| usize::try_from(e - base).expect("nonnegative shift");
        let diff = (w_sig << shift(w_exp)) - (&r_sig << shift(r_exp));
        let den = r_sig.abs() << shift(r_exp);
        Distance::Finite {
            num: diff.abs().to_biguint().expect("nonnegative"),
            den: den.to_biguint().expect("positive"),
        }
    }

    /// Whether `self` is larger than `other`.
    fn exceeds(&self, other: &Distance) -> bool {
        match (self, other) {
            (Distance::Infinite, Distance::Infinite)
            | (Distance::Finite { .. }, Distance::Infinite) => false,
            (Distance::Infinite, Distance::Finite { .. }) => true,
            (Distance::Finite { num: a, den: b }, Distance::Finite { num: c, den: d }) => {
                a * d > c * b
            }
        }
    }

    /// Whether the distance is 0.
    pub fn is_zero(&self) -> bool {
        matches!(self, Distance::Finite { num, .. } if num.is_zero())
    }

    /// The distance rounded once to binary64 (round to nearest even; +inf when infinite or
    /// beyond binary64's range).
    pub fn to_binary64(&self) -> u128 {
        let fmt = Format::BINARY64;
        let env = Env::default();
        match self {
            Distance::Infinite => fmt.inf(false).expect("binary64 has infinities"),
            Distance::Finite { num, .. } if num.is_zero() => fmt.zero(false),
            Distance::Finite { num, den } => {
                // q = floor(num 2^s / den) with at least 55 bits, the rest sticky.
                let s = (55 + den.bits()).saturating_sub(num.bits());
                let scaled = num << usize::try_from(s).expect("shift fits");
                let q = &scaled / den;
                let sticky = !(&scaled % den).is_zero();
                let exp = -i64::try_from(s).expect("shift fits");
                round_big(&env, &fmt, false, &q, exp, sticky).value
            }
        }
    }
}

/// A repeated state: the parameters after `from + period` updates, with the same next batch,
/// equal those after `from` updates, so that the run repeats with this period from there on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The earlier number of updates.
    pub from: u64,
    /// The period, at least 1.
    pub period: u64,
}

/// One record of [`train`]: one step of one format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Which of the formats (its position in the list given to [`train`]).
    pub format: usize,
    /// What the step did.
    pub step: Step,
    /// The distance of the parameters after the step from the reference run's after as many
    /// steps.
    pub distance: Distance,
}

/// What [`train`] found for one format.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The format.
    pub format: Format,
    /// The trained network.
    pub graph: Graph,
    /// The first step that was a fixed point.
    pub first_fixed_point: Option<u64>,
    /// The first repeated state.
    pub cycle: Option<Cycle>,
    /// The last step's record.
    pub last: Option<Record>,
}

/// A run with its cycle detection: the hashes of the states seen (state after k updates → k)
/// and the run as it started, replayed to confirm a repeat.
struct Tracked {
    trainer: Trainer,
    start: Trainer,
    seen: BTreeMap<u64, u64>,
    first_fixed_point: Option<u64>,
    cycle: Option<Cycle>,
    last: Option<Record>,
}

impl Tracked {
    fn new(trainer: Trainer) -> Tracked {
        let mut seen = BTreeMap::new();
        seen.insert(trainer.state_hash(), 0);
        Tracked {
            start: trainer.clone(),
            trainer,
            seen,
            first_fixed_point: None,
            cycle: None,
            last: None,
        }
    }

    /// Records the state after the latest step, and a cycle when it repeats an earlier one
    /// (confirmed by replaying the run to the earlier state and comparing).
    fn note_state(&mut self) -> Result<(), AdError> {
        if self.cycle.is_some() {
            return Ok(());
        }
        let k = self.trainer.updates();
        let h = self.trainer.state_hash();
        match self.seen.get(&h) {
            Some(&j) => {
                let mut replay = self.start.clone();
                for _ in 0..j {
                    replay.step()?;
                }
                if replay.same_state(&self.trainer) {
                    self.cycle = Some(Cycle { from: j, period: k - j });
                }
            }
            None if self.seen.len() < MAX_STATES => {
                self.seen.insert(h, k);
            }
            None => {}
        }
        Ok(())
    }
}

/// Trains `graph` on `data` in every format of `formats` and in `reference`, each from the
/// network converted once, step by step; calls `on_record` with each step's record of each
/// format (formats in list order within a step) and returns what each format reached.
///
/// # Errors
///
/// As [`Trainer::new`] and [`Trainer::step`], and whatever `on_record` returns.
pub fn train<E: From<AdError>>(
    env: &Env,
    graph: &Graph,
    data: &Data,
    options: &TrainOptions,
    formats: &[Format],
    reference: Format,
    mut on_record: impl FnMut(&Record) -> Result<(), E>,
) -> Result<Vec<Outcome>, E> {
    let mut runs: Vec<Tracked> = formats
        .iter()
        .map(|fmt| Trainer::new(env, graph, data, *fmt, options).map(Tracked::new))
        .collect::<Result<_, _>>()?;
    let mut reference = Trainer::new(env, graph, data, reference, options)?;
    for _ in 0..options.steps {
        reference.step()?;
        let ref_params = parameters(reference.graph());
        for (idx, run) in runs.iter_mut().enumerate() {
            let step = run.trainer.step()?;
            if step.fixed_point && run.first_fixed_point.is_none() {
                run.first_fixed_point = Some(step.step);
            }
            run.note_state()?;
            let params = parameters(run.trainer.graph());
            let distance =
                Distance::between(run.trainer.format(), &params, reference.format(), &ref_params);
            let record = Record { format: idx, step, distance };
            on_record(&record)?;
            run.last = Some(record);
        }
    }
    Ok(runs
        .into_iter()
        .map(|run| Outcome {
            format: *run.trainer.format(),
            graph: run.trainer.graph().clone(),
            first_fixed_point: run.first_fixed_point,
            cycle: run.cycle,
            last: run.last,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(fmt: &Format, text: &str) -> u128 {
        parse_value(&Env::default(), fmt, text).expect("a value").value
    }

    #[test]
    fn distances_are_exact_and_round_once() {
        let (b, q) = (Format::BF16, Format::BINARY128);
        // |1 - 1.5| / 1.5 = 1/3, rounded once to binary64: 0x3FD5555555555555.
        let d = Distance::between(&b, &[v(&b, "1")], &q, &[v(&q, "1.5")]);
        assert_eq!(d.to_binary64(), 0x3FD5_5555_5555_5555);
        // The largest pair wins; equal values (+0 and -0, two NaNs) are at distance 0.
        let d = Distance::between(
            &b,
            &[v(&b, "1"), v(&b, "-0"), v(&b, "nan"), v(&b, "3")],
            &q,
            &[v(&q, "1"), v(&q, "0"), v(&q, "nan"), v(&q, "2")],
        );
        assert_eq!(d.to_binary64(), 0x3FE0_0000_0000_0000); // 1/2
        assert!(Distance::between(&b, &[v(&b, "0")], &q, &[v(&q, "-0")]).is_zero());
        // r = 0 with w != 0, a NaN against a number, different infinities: infinitely far.
        for (w, r) in [("1", "0"), ("nan", "1"), ("inf", "-inf"), ("inf", "1")] {
            let d = Distance::between(&b, &[v(&b, w)], &q, &[v(&q, r)]);
            assert_eq!(d, Distance::Infinite, "{w} {r}");
            assert_eq!(d.to_binary64(), 0x7FF0_0000_0000_0000);
        }
        // Beyond binary64's range: +inf; below it: rounded to a subnormal or 0.
        let huge =
            Distance::Finite { num: BigUint::from(1u8) << 1100usize, den: BigUint::from(1u8) };
        assert_eq!(huge.to_binary64(), 0x7FF0_0000_0000_0000);
        let tiny =
            Distance::Finite { num: BigUint::from(1u8), den: BigUint::from(1u8) << 1074usize };
        assert_eq!(tiny.to_binary64(), 1);
    }

    #[test]
    fn data_errors_name_the_sample_and_value() {
        let env = Env::default();
        let bad_bits = Data {
            inputs: 1,
            targets: 1,
            values: DataValues::Encoded {
                formats: vec![Format::E4M3FN, Format::E4M3FN],
                values: vec![0x38, 0x38, 0x38, 0x1FF],
            },
        };
        let err = bad_bits.convert(&env, &Format::BF16).expect_err("too wide").to_string();
        assert!(err.contains("sample 2, value 2"), "{err}");
        let bad_text = Data {
            inputs: 1,
            targets: 0,
            values: DataValues::Text(vec!["1".into(), "one".into()]),
        };
        let err = bad_text.convert(&env, &Format::BF16).expect_err("not a number").to_string();
        assert!(err.contains("sample 2, value 1"), "{err}");
        let ragged = Data { inputs: 2, targets: 0, values: DataValues::Text(vec!["1".into()]) };
        assert!(ragged.convert(&env, &Format::BF16).is_err());
        // Each value is converted once: 1 + 2^-8 from binary32 to bf16 ties to 1.
        let once = Data {
            inputs: 1,
            targets: 0,
            values: DataValues::Encoded {
                formats: vec![Format::BINARY32],
                values: vec![0x3F80_8000],
            },
        };
        assert_eq!(once.convert(&env, &Format::BF16).expect("converts").0, [0x3F80]);
    }
}
