//! The reverse sweep (docs/semantics.md §5) and its accumulation policy: [`Ad`] evaluates a network
//! forward with fpnet's interpreter, then visits the nodes from the last to the first, each one
//! turning its gradient into contributions to its operands by its rule in [`crate::rules`].
//!
//! # Which nodes receive a gradient
//!
//! The output node receives the output gradient phi'(f(x)) as it is (the seed). A node receives
//! contributions from its consumers that lead to the output (the nodes the output depends on);
//! nodes the output does not depend on receive none and have no gradient. An input the output
//! does not depend on has the gradient +0 (an empty sum), and so have the parameters of an
//! affine node the output does not depend on.
//!
//! # Accumulation policy (fan-out)
//!
//! A node read by several consumers, or several times by one consumer (`"add": ["h", "h"]`),
//! receives one contribution per (consumer, operand position). They are ordered by consumer in
//! declaration order (node order), then by operand position, and:
//! - a single contribution is **assigned**: g = c¹, bit for bit. Along a chain this makes the
//!   gradient exactly the left-to-right product of docs/semantics.md §5,
//!   phi' ⊗ W_L ⊗ Dsigma(z_(L-1)) ⊗ … ⊗ W_1, with no addition of +0 (which would turn a -0
//!   entry, for example of g ⊗ relu'(z) with g < 0 at a kink, into +0);
//! - two or more are **summed from +0**, as every sum of docs/semantics.md §4:
//!   g_j = ((+0 ⊕ c¹_j) ⊕ c²_j) ⊕ … (fpnet's `sum_left_to_right`), in the node's format.
//!
//! Contributions are converted to the operand's format by the consumer's rule (see
//! [`crate::rules`]) before they are summed.

use fpcore::{Ctx, Env, Flags, Format};
use fpnet::graph::Op;
use fpnet::reduce::sum_left_to_right;
use fpnet::{Graph, Interpreter, NodeId, Trace};
use rayon::prelude::*;

use crate::error::AdError;
use crate::loss::OutputGradient;
use crate::params::{ParamGrad, ParamGrads};
use crate::rules::affine::{AffineBackward, Scratch};
use crate::rules::{activation, add, concat, convert_back};
use crate::tape::{Tape, TapeEntry};

/// A graph prepared for differentiation in an environment: its forward interpreter, the
/// backward rule of each affine node (Wᵀ set up once), and who consumes whom.
pub struct Ad<'g> {
    graph: &'g Graph,
    env: Env,
    interp: Interpreter<'g>,
    affine: Vec<Option<AffineBackward>>,
    /// Whether the output depends on each node (the output included).
    live: Vec<bool>,
}

/// What one sample's backward sweep produced.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// Each node's gradient (indexed by [`NodeId`]), in the node's format; `None` for the
    /// nodes the output does not depend on.
    pub gradients: Vec<Option<Vec<u128>>>,
    /// For activation nodes, the derivative values sigma'(z) (when recorded).
    pub derivatives: Vec<Option<Vec<u128>>>,
    /// The flags raised by each node's backward rule (its conversions and, for the output,
    /// the output gradient's own operations included).
    pub flags: Vec<Flags>,
}

/// One sample's result: the network's output and the input gradient D^AD(phi ∘ f)(x).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// f(x), in the output format.
    pub output: Vec<u128>,
    /// The output gradient phi'(f(x)) that was propagated.
    pub seed: Vec<u128>,
    /// The input gradient, the inputs' gradients one after the other, each in its input's
    /// format.
    pub input_gradient: Vec<u128>,
    /// Flags of the forward pass.
    pub forward_flags: Flags,
    /// Flags of the output gradient and the backward pass.
    pub backward_flags: Flags,
}

/// The result of a batch: every sample's output and input gradient, and the parameter
/// gradients summed over the samples in sample order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchGradients {
    /// Entries per output.
    pub output_width: usize,
    /// Entries per input gradient.
    pub input_width: usize,
    /// The outputs, sample after sample.
    pub outputs: Vec<u128>,
    /// The input gradients, sample after sample.
    pub input_gradients: Vec<u128>,
    /// Per sample: the flags of its forward and backward passes.
    pub flags: Vec<Flags>,
}

impl BatchGradients {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.flags.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    /// The output of sample `k`.
    ///
    /// # Panics
    ///
    /// When `k >= self.len()`.
    pub fn output(&self, k: usize) -> &[u128] {
        &self.outputs[k * self.output_width..(k + 1) * self.output_width]
    }

    /// The input gradient of sample `k`.
    ///
    /// # Panics
    ///
    /// When `k >= self.len()`.
    pub fn input_gradient(&self, k: usize) -> &[u128] {
        &self.input_gradients[k * self.input_width..(k + 1) * self.input_width]
    }
}

/// How a batch is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    /// Spread samples (and rows of the parameter sums) over rayon's threads; the results are
    /// those of the serial run.
    pub parallel: bool,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions { parallel: true }
    }
}

/// What a batch keeps of each sample: its forward and backward results for the parameter
/// sums.
struct SampleRecord {
    sample: Sample,
    /// Per affine node: (its gradient, its input as read); `None` elsewhere.
    affine: Vec<Option<(Vec<u128>, Vec<u128>)>>,
}

impl<'g> Ad<'g> {
    /// Prepares `graph` for differentiation with the rounding environment `env`.
    pub fn new(graph: &'g Graph, env: Env) -> Ad<'g> {
        let affine = graph
            .nodes()
            .iter()
            .map(|node| match &node.op {
                Op::Affine(a) => Some(AffineBackward::new(&env, &node.format, a)),
                _ => None,
            })
            .collect();
        let n = graph.nodes().len();
        let mut live = vec![false; n];
        live[graph.output().0] = true;
        for idx in (0..n).rev() {
            if live[idx] {
                for id in graph.node(NodeId(idx)).op.operands() {
                    live[id.0] = true;
                }
            }
        }
        Ad { graph, env, interp: Interpreter::new(graph, env), affine, live }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The rounding environment.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The forward interpreter.
    pub fn interpreter(&self) -> &Interpreter<'g> {
        &self.interp
    }

    /// Whether the output depends on node `id`.
    pub fn is_live(&self, id: NodeId) -> bool {
        self.live.get(id.0).copied().unwrap_or(false)
    }

    /// The output gradient for an output `y` (and target), checked against the network.
    fn seed(
        &self,
        phi: &OutputGradient,
        y: &[u128],
        target: Option<&[u128]>,
    ) -> Result<(Vec<u128>, Flags), AdError> {
        let r = phi.eval(&self.env, self.graph.output_format(), y, target)?;
        Ok((r.value, r.flags))
    }

    /// The reverse sweep from the output gradient `seed` over a forward `trace` of this
    /// graph (see the module documentation). `record_derivatives` keeps the activations'
    /// sigma'(z) values.
    ///
    /// # Errors
    ///
    /// [`AdError::Seed`] when the seed does not fit the output; [`AdError::Batch`] when the
    /// trace is not one of this graph.
    pub fn sweep(
        &self,
        trace: &Trace,
        seed: &[u128],
        record_derivatives: bool,
    ) -> Result<Sweep, AdError> {
        let graph = self.graph;
        OutputGradient::Seed(seed.to_vec()).check(graph.output_format(), graph.output_width())?;
        let n = graph.nodes().len();
        let fits = trace.values.len() == n
            && trace.converted.len() == n
            && trace.output == graph.output()
            && (0..n).all(|idx| {
                let id = NodeId(idx);
                trace.values[idx].len() == graph.width(id)
                    && trace.converted[idx].len() == graph.node(id).op.operands().len()
                    && trace.converted[idx].iter().zip(graph.node(id).op.operands()).all(
                        |(c, operand)| c.as_ref().is_none_or(|v| v.len() == graph.width(*operand)),
                    )
            });
        if !fits {
            return Err(AdError::Batch("the trace is not one of this network".to_string()));
        }
        Ok(self.sweep_checked(trace, seed.to_vec(), record_derivatives))
    }

    /// [`Ad::sweep`] with a seed already checked.
    fn sweep_checked(&self, trace: &Trace, seed: Vec<u128>, record_derivatives: bool) -> Sweep {
        let graph = self.graph;
        let env = &self.env;
        let n = graph.nodes().len();
        let output = graph.output().0;
        let mut gradients: Vec<Option<Vec<u128>>> = vec![None; n];
        let mut derivatives: Vec<Option<Vec<u128>>> = vec![None; n];
        let mut flags = vec![Flags::NONE; n];
        // Contributions waiting for each node: (consumer, operand position, values).
        let mut pending: Vec<Vec<(usize, usize, Vec<u128>)>> = vec![Vec::new(); n];
        let mut scratch = Scratch::default();
        let mut seed = Some(seed);
        for idx in (0..n).rev() {
            if !self.live[idx] {
                continue;
            }
            let id = NodeId(idx);
            let node = graph.node(id);
            let fmt = &node.format;
            let mut node_flags = Flags::NONE;
            let g = if idx == output {
                seed.take().expect("the output is visited once")
            } else {
                let mut list = std::mem::take(&mut pending[idx]);
                list.sort_by_key(|&(consumer, position, _)| (consumer, position));
                accumulate(env, fmt, list, &mut node_flags)
            };
            let operands = node.op.operands();
            let operand_fmt = |k: usize| -> Format { graph.node(operands[k]).format };
            let mut send = |k: usize, mut c: Vec<u128>, node_flags: &mut Flags| {
                *node_flags |= convert_back(env, fmt, &operand_fmt(k), &mut c);
                pending[operands[k].0].push((idx, k, c));
            };
            match &node.op {
                Op::Input { .. } => {}
                Op::Affine(a) => {
                    let rule = self.affine[idx].as_ref().expect("affine nodes have a rule");
                    let mut c = Vec::with_capacity(a.cols);
                    node_flags |= rule.input_gradient(&g, &mut c, &mut scratch);
                    send(0, c, &mut node_flags);
                }
                Op::Activation(a) => {
                    let z = trace.operand(id, 0, a.input);
                    let mut c = Vec::with_capacity(z.len());
                    let mut d = Vec::new();
                    let f = activation::input_gradient(
                        env,
                        fmt,
                        &a.sigma,
                        &g,
                        z,
                        &mut c,
                        record_derivatives.then_some(&mut d),
                    );
                    node_flags |= f;
                    if record_derivatives {
                        derivatives[idx] = Some(d);
                    }
                    send(0, c, &mut node_flags);
                }
                Op::Add(ids) => {
                    for (k, c) in add::contributions(&g, ids.len()).into_iter().enumerate() {
                        send(k, c, &mut node_flags);
                    }
                }
                Op::Concat(ids) => {
                    let widths: Vec<usize> = ids.iter().map(|i| graph.width(*i)).collect();
                    for (k, c) in concat::contributions(&g, &widths).into_iter().enumerate() {
                        send(k, c, &mut node_flags);
                    }
                }
            }
            flags[idx] = node_flags;
            gradients[idx] = Some(g);
        }
        Sweep { gradients, derivatives, flags }
    }

    /// The inputs' gradients one after the other: each input's gradient, or +0 (an empty sum)
    /// for inputs the output does not depend on.
    fn input_gradient(&self, sweep: &Sweep) -> Vec<u128> {
        let graph = self.graph;
        let mut out = Vec::with_capacity(graph.input_width());
        for id in graph.inputs() {
            match &sweep.gradients[id.0] {
                Some(g) => out.extend_from_slice(g),
                None => {
                    let zero = graph.node(id).format.zero(false);
                    out.extend(std::iter::repeat_n(zero, graph.width(id)));
                }
            }
        }
        out
    }

    /// One sample: the forward pass, the output gradient by `phi` (with `target` where the loss
    /// needs one), and the reverse sweep; returns the output and the input gradient.
    ///
    /// # Errors
    ///
    /// [`AdError::Model`] for an input that does not fit; [`AdError::Seed`] or
    /// [`AdError::Target`] for an output gradient that does not.
    pub fn gradient(
        &self,
        input: &[u128],
        phi: &OutputGradient,
        target: Option<&[u128]>,
    ) -> Result<Sample, AdError> {
        let trace = self.interp.trace(input)?;
        Ok(self.sample(&trace, phi, target)?.0)
    }

    /// The sample's result and its sweep, from a trace.
    fn sample(
        &self,
        trace: &Trace,
        phi: &OutputGradient,
        target: Option<&[u128]>,
    ) -> Result<(Sample, Sweep), AdError> {
        let (seed, seed_flags) = self.seed(phi, trace.output(), target)?;
        let sweep = self.sweep_checked(trace, seed.clone(), false);
        let backward_flags = sweep.flags.iter().fold(seed_flags, |acc, f| acc.union(*f));
        let sample = Sample {
            output: trace.output().to_vec(),
            seed,
            input_gradient: self.input_gradient(&sweep),
            forward_flags: trace.all_flags(),
            backward_flags,
        };
        Ok((sample, sweep))
    }

    /// One sample with everything recorded: every node's forward values, gradient, activation
    /// derivatives and flags, and the parameter gradients of this sample, as a printable
    /// [`Tape`].
    ///
    /// # Errors
    ///
    /// As [`Ad::gradient`].
    pub fn tape(
        &self,
        input: &[u128],
        phi: &OutputGradient,
        target: Option<&[u128]>,
    ) -> Result<Tape, AdError> {
        let graph = self.graph;
        let trace = self.interp.trace(input)?;
        let (seed, seed_flags) = self.seed(phi, trace.output(), target)?;
        let mut sweep = self.sweep_checked(&trace, seed.clone(), true);
        let params = self.param_gradients(&trace, &sweep);
        let mut entries = Vec::with_capacity(graph.nodes().len());
        for (idx, node) in graph.nodes().iter().enumerate() {
            let id = NodeId(idx);
            let mut backward_flags = sweep.flags[idx];
            if idx == graph.output().0 {
                backward_flags |= seed_flags;
            }
            entries.push(TapeEntry {
                name: graph.name_of(id),
                kind: node.op.kind(),
                format: node.format,
                value: trace.value(id).to_vec(),
                derivative: sweep.derivatives[idx].take(),
                gradient: sweep.gradients[idx].take(),
                params: params.nodes[idx].clone(),
                forward_flags: trace.flags[idx],
                backward_flags,
            });
        }
        Ok(Tape { entries, output: graph.output(), seed, param_flags: params.flags })
    }

    /// The parameter gradients of one sample from its trace and sweep: dW = g ⊗ xᵀ and db = g
    /// for each affine node the output depends on, +0 for the others.
    fn param_gradients(&self, trace: &Trace, sweep: &Sweep) -> ParamGrads {
        let graph = self.graph;
        let mut params = ParamGrads::zeros(graph);
        params.samples = 1;
        let mut flags = Flags::NONE;
        let mut scratch = Scratch::default();
        for (idx, slot) in params.nodes.iter_mut().enumerate() {
            let (Some(grad), Some(rule), Some(g)) =
                (slot.as_mut(), self.affine[idx].as_ref(), sweep.gradients[idx].as_ref())
            else {
                continue;
            };
            let id = NodeId(idx);
            let input = graph.node(id).op.operands()[0];
            let x = trace.operand(id, 0, input);
            flags |= rule.weight_gradient(g, x, &mut grad.weights, &mut scratch);
            grad.bias.clone_from(g);
        }
        params.flags = flags;
        params
    }

    /// One sample's parameter gradients (dW = g ⊗ xᵀ, db = g per affine node; +0 for nodes the
    /// output does not depend on), with its output and input gradient.
    ///
    /// # Errors
    ///
    /// As [`Ad::gradient`].
    pub fn sample_params(
        &self,
        input: &[u128],
        phi: &OutputGradient,
        target: Option<&[u128]>,
    ) -> Result<(Sample, ParamGrads), AdError> {
        let trace = self.interp.trace(input)?;
        let (sample, sweep) = self.sample(&trace, phi, target)?;
        let params = self.param_gradients(&trace, &sweep);
        Ok((sample, params))
    }

    /// A batch: `inputs` holds the samples one after the other (each of the graph's input
    /// width), `targets` one target vector per sample when the loss needs one. Returns every
    /// sample's output and input gradient; when `params` is given, the samples' parameter
    /// gradients are added to it in sample order (start from [`ParamGrads::zeros`] for the
    /// batch sum of docs/semantics.md §5; passing the sum of earlier samples continues it exactly).
    ///
    /// # Errors
    ///
    /// [`AdError::Batch`] when `inputs` (or `targets`) do not hold whole samples or `params`
    /// does not fit the graph; as [`Ad::gradient`] for a sample (named by its number).
    pub fn batch(
        &self,
        inputs: &[u128],
        phi: &OutputGradient,
        targets: Option<&[u128]>,
        params: Option<&mut ParamGrads>,
        options: BatchOptions,
    ) -> Result<BatchGradients, AdError> {
        let graph = self.graph;
        let d_in = graph.input_width();
        let d_out = graph.output_width();
        if inputs.len() % d_in != 0 {
            return Err(AdError::Batch(format!(
                "a batch holds whole samples of {d_in} values, got {} values",
                inputs.len()
            )));
        }
        let n_samples = inputs.len() / d_in;
        if let Some(t) = targets {
            if t.len() != n_samples * d_out {
                return Err(AdError::Batch(format!(
                    "{n_samples} samples need {} target values ({d_out} each), got {}",
                    n_samples * d_out,
                    t.len()
                )));
            }
        }
        if let Some(p) = &params {
            if p.nodes.len() != graph.nodes().len() {
                return Err(AdError::Batch(
                    "the parameter gradients belong to another network".to_string(),
                ));
            }
        }
        let keep = params.is_some();
        let run = |k: usize, x: &[u128]| -> Result<SampleRecord, AdError> {
            let target = targets.map(|t| &t[k * d_out..(k + 1) * d_out]);
            self.record(x, phi, target, keep).map_err(|e| name_sample(k, e))
        };
        let records: Vec<SampleRecord> = if options.parallel {
            inputs.par_chunks(d_in).enumerate().map(|(k, x)| run(k, x)).collect::<Result<_, _>>()?
        } else {
            inputs.chunks(d_in).enumerate().map(|(k, x)| run(k, x)).collect::<Result<_, _>>()?
        };
        if let Some(p) = params {
            self.accumulate(&records, p, options.parallel)?;
        }
        let mut out = BatchGradients {
            output_width: d_out,
            input_width: d_in,
            outputs: Vec::with_capacity(n_samples * d_out),
            input_gradients: Vec::with_capacity(n_samples * d_in),
            flags: Vec::with_capacity(n_samples),
        };
        for r in records {
            out.outputs.extend_from_slice(&r.sample.output);
            out.input_gradients.extend_from_slice(&r.sample.input_gradient);
            out.flags.push(r.sample.forward_flags.union(r.sample.backward_flags));
        }
        Ok(out)
    }

    /// One sample of a batch, keeping what the parameter sums need.
    fn record(
        &self,
        input: &[u128],
        phi: &OutputGradient,
        target: Option<&[u128]>,
        keep: bool,
    ) -> Result<SampleRecord, AdError> {
        let graph = self.graph;
        let trace = self.interp.trace(input)?;
        let (sample, mut sweep) = self.sample(&trace, phi, target)?;
        let affine = if keep {
            (0..graph.nodes().len())
                .map(|idx| {
                    let id = NodeId(idx);
                    match &graph.node(id).op {
                        Op::Affine(a) => sweep.gradients[idx]
                            .take()
                            .map(|g| (g, trace.operand(id, 0, a.input).to_vec())),
                        _ => None,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(SampleRecord { sample, affine })
    }

    /// Adds the records' parameter gradients to `params`, in sample order.
    fn accumulate(
        &self,
        records: &[SampleRecord],
        params: &mut ParamGrads,
        parallel: bool,
    ) -> Result<(), AdError> {
        let graph = self.graph;
        let b = records.len();
        let mut flags = params.flags;
        for (idx, slot) in params.nodes.iter_mut().enumerate() {
            let Some(rule) = self.affine[idx].as_ref() else { continue };
            let Some(grad) = slot.as_mut() else {
                return Err(AdError::Batch(format!(
                    "the parameter gradients have no entry for {}",
                    graph.path_of(NodeId(idx))
                )));
            };
            check_shape(grad, &graph.node(NodeId(idx)).format, rule)?;
            if !self.live[idx] {
                // The output does not depend on this node: every sample adds +0. That leaves a
                // sum started at +0 as it is; a sum started elsewhere changes at the first +0
                // (-0 ⊕ +0 = +0, a signaling NaN is quieted) and not after it.
                if b > 0 {
                    let zero = grad.format.zero(false);
                    let mut ctx = Ctx::new(self.env, grad.format);
                    for v in grad.weights.iter_mut().chain(grad.bias.iter_mut()) {
                        *v = ctx.add(*v, zero);
                    }
                    flags |= ctx.flags;
                }
                continue;
            }
            let (rows, cols) = (rule.rows(), rule.cols());
            let mut gt = vec![0u128; rows * b];
            let mut xt = vec![0u128; cols * b];
            for (k, r) in records.iter().enumerate() {
                let (g, x) = r.affine[idx].as_ref().expect("live affine nodes are recorded");
                for (i, &v) in g.iter().enumerate() {
                    gt[i * b + k] = v;
                }
                for (j, &v) in x.iter().enumerate() {
                    xt[j * b + k] = v;
                }
            }
            let f = rule.accumulate_batch(b, &gt, &xt, &mut grad.weights, &mut grad.bias, parallel);
            flags |= f;
        }
        params.flags = flags;
        params.samples += b as u64;
        Ok(())
    }
}

/// Checks that a parameter gradient has the shape and format of its node.
fn check_shape(grad: &ParamGrad, fmt: &Format, rule: &AffineBackward) -> Result<(), AdError> {
    if grad.format != *fmt
        || grad.rows != rule.rows()
        || grad.cols != rule.cols()
        || grad.weights.len() != rule.rows() * rule.cols()
        || grad.bias.len() != rule.rows()
    {
        return Err(AdError::Batch(
            "the parameter gradients do not have the network's shapes and formats".to_string(),
        ));
    }
    Ok(())
}

/// Names the sample an error happened in.
fn name_sample(k: usize, e: AdError) -> AdError {
    AdError::Batch(format!("sample {}: {e}", k + 1))
}

/// Accumulates the contributions a node received (sorted by consumer, then operand position):
/// one is assigned, several are summed from +0 (see the module documentation).
fn accumulate(
    env: &Env,
    fmt: &Format,
    mut list: Vec<(usize, usize, Vec<u128>)>,
    flags: &mut Flags,
) -> Vec<u128> {
    if list.len() == 1 {
        return list.pop().expect("one contribution").2;
    }
    let width = list.first().map_or(0, |c| c.2.len());
    let mut terms = Vec::with_capacity(list.len());
    (0..width)
        .map(|j| {
            terms.clear();
            terms.extend(list.iter().map(|c| c.2[j]));
            let s = sum_left_to_right(env, fmt, &terms);
            *flags |= s.flags;
            s.value
        })
        .collect()
}
