//! The forward interpreter: evaluates a [`Graph`] on one input, on a batch (in parallel across
//! samples, with results identical to the serial run), or with a [`Trace`] of every node's
//! values (z_l and a_l) for automatic differentiation.
//!
//! Nodes are evaluated one after the other in the graph's order, each exactly as the graph
//! module defines it (docs/semantics.md §4); the accumulation of affine layers is [`crate::reduce`]'s.

use fpcore::{Env, Flags, Format, Rounded};
use rayon::prelude::*;

use crate::error::ModelError;
use crate::graph::{Graph, NodeId, Op, Rule};
use crate::reduce::{convert_all, sum_left_to_right, AffineKernel, Scratch};

/// The values a network returns for one input, with every flag raised while computing them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The output node's values, in its format.
    pub values: Vec<u128>,
    /// The union of the flags raised by every operation of the evaluation (all nodes).
    pub flags: Flags,
}

/// The outputs of a batch, one row of `width` values per sample, in sample order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Entries per output.
    pub width: usize,
    /// All outputs, sample after sample.
    pub values: Vec<u128>,
    /// The flags of each sample's evaluation.
    pub flags: Vec<Flags>,
}

impl Batch {
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
        &self.values[k * self.width..(k + 1) * self.width]
    }
}

/// Every node's values for one input, as the interpreter computed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The values of each node (indexed by [`NodeId`]), in the node's format: for an affine
    /// node this is z_l, for an activation node a_l.
    pub values: Vec<Vec<u128>>,
    /// For each node and each of its operands, the operand converted to the node's format, or
    /// `None` where the formats were equal and the operand was used as it is.
    pub converted: Vec<Vec<Option<Vec<u128>>>>,
    /// The flags raised by each node (its conversions included).
    pub flags: Vec<Flags>,
    /// The output node.
    pub output: NodeId,
}

impl Trace {
    /// A node's values.
    ///
    /// # Panics
    ///
    /// When `id` is not a node of the traced graph.
    pub fn value(&self, id: NodeId) -> &[u128] {
        &self.values[id.0]
    }

    /// Operand `k` of node `id` exactly as the node read it: converted to the node's format
    /// where the formats differ. `operand_id` is `graph.node(id).op.operands()[k]`.
    ///
    /// # Panics
    ///
    /// When the node has no operand `k`.
    pub fn operand(&self, id: NodeId, k: usize, operand_id: NodeId) -> &[u128] {
        match &self.converted[id.0][k] {
            Some(v) => v,
            None => self.value(operand_id),
        }
    }

    /// The network's output.
    pub fn output(&self) -> &[u128] {
        self.value(self.output)
    }

    /// The union of every node's flags.
    pub fn all_flags(&self) -> Flags {
        self.flags.iter().fold(Flags::NONE, |acc, f| acc.union(*f))
    }
}

/// Per-evaluation working space, reused across the samples one thread evaluates.
#[derive(Default)]
struct Workspace {
    values: Vec<Vec<u128>>,
    operands: Vec<Vec<u128>>,
    scratch: Scratch,
    terms: Vec<u128>,
}

/// A graph prepared for evaluation in an environment: its affine kernels are set up once.
pub struct Interpreter<'g> {
    graph: &'g Graph,
    env: Env,
    kernels: Vec<Option<AffineKernel<'g>>>,
}

impl<'g> Interpreter<'g> {
    /// Prepares `graph` for evaluation with the rounding environment `env`.
    pub fn new(graph: &'g Graph, env: Env) -> Interpreter<'g> {
        let kernels = graph
            .nodes()
            .iter()
            .map(|node| match &node.op {
                Op::Affine(a) => Some(AffineKernel::new(
                    &env,
                    &node.format,
                    a.order,
                    a.rows,
                    a.cols,
                    &a.weights,
                    &a.bias,
                )),
                _ => None,
            })
            .collect();
        Interpreter { graph, env, kernels }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// Checks that `input` holds one encoding per input entry, in each input's format.
    fn check_input(&self, input: &[u128]) -> Result<(), ModelError> {
        let want = self.graph.input_width();
        if input.len() != want {
            return Err(ModelError::Input {
                message: format!("expected {want} values, got {}", input.len()),
            });
        }
        let mut offset = 0;
        for id in self.graph.inputs() {
            let fmt = &self.graph.node(id).format;
            let width = self.graph.width(id);
            for (k, &v) in input.iter().skip(offset).take(width).enumerate() {
                if v & !fmt.mask() != 0 {
                    return Err(ModelError::Input {
                        message: format!(
                            "value {} ({v:#x}) is not an encoding of the {}-bit format {fmt} of input '{}'",
                            offset + k + 1,
                            fmt.bits(),
                            self.graph.name_of(id)
                        ),
                    });
                }
            }
            offset += width;
        }
        Ok(())
    }

    /// Evaluates the network on one input (the inputs' values one after the other, each in its
    /// input's format).
    ///
    /// # Errors
    ///
    /// [`ModelError::Input`] when the input has the wrong length or an encoding too wide.
    pub fn eval(&self, input: &[u128]) -> Result<Output, ModelError> {
        self.check_input(input)?;
        let mut ws = Workspace::default();
        Ok(self.run(&mut ws, input, None))
    }

    /// Evaluates the network on one input and records every node's values.
    ///
    /// # Errors
    ///
    /// As [`Interpreter::eval`].
    pub fn trace(&self, input: &[u128]) -> Result<Trace, ModelError> {
        self.check_input(input)?;
        let mut ws = Workspace::default();
        let mut trace = Trace {
            values: Vec::new(),
            converted: Vec::new(),
            flags: Vec::new(),
            output: self.graph.output(),
        };
        self.run(&mut ws, input, Some(&mut trace));
        trace.values = ws.values;
        Ok(trace)
    }

    /// Evaluates a batch: `inputs` holds the samples one after the other, each of
    /// [`Graph::input_width`] values. Samples are spread over rayon's threads; each is
    /// evaluated exactly as [`Interpreter::eval`] would, so the result equals the serial run's.
    ///
    /// # Errors
    ///
    /// [`ModelError::Input`] when the length is not a multiple of the input width or an
    /// encoding is too wide (naming the sample).
    pub fn eval_batch(&self, inputs: &[u128]) -> Result<Batch, ModelError> {
        let d = self.check_batch(inputs)?;
        let outputs: Vec<Output> = inputs
            .par_chunks(d)
            .map_init(Workspace::default, |ws, x| self.run(ws, x, None))
            .collect();
        Ok(self.collect_batch(outputs))
    }

    /// [`Interpreter::eval_batch`] on the calling thread only.
    ///
    /// # Errors
    ///
    /// As [`Interpreter::eval_batch`].
    pub fn eval_batch_serial(&self, inputs: &[u128]) -> Result<Batch, ModelError> {
        let d = self.check_batch(inputs)?;
        let mut ws = Workspace::default();
        let outputs: Vec<Output> = inputs.chunks(d).map(|x| self.run(&mut ws, x, None)).collect();
        Ok(self.collect_batch(outputs))
    }

    fn check_batch(&self, inputs: &[u128]) -> Result<usize, ModelError> {
        let d = self.graph.input_width();
        if inputs.len() % d != 0 {
            return Err(ModelError::Input {
                message: format!(
                    "a batch holds whole samples of {d} values, got {} values",
                    inputs.len()
                ),
            });
        }
        for (k, x) in inputs.chunks(d).enumerate() {
            self.check_input(x).map_err(|e| ModelError::Input {
                message: format!(
                    "sample {}: {}",
                    k + 1,
                    e.to_string().trim_start_matches("input: ")
                ),
            })?;
        }
        Ok(d)
    }

    fn collect_batch(&self, outputs: Vec<Output>) -> Batch {
        let width = self.graph.output_width();
        let mut values = Vec::with_capacity(outputs.len() * width);
        let mut flags = Vec::with_capacity(outputs.len());
        for out in outputs {
            values.extend_from_slice(&out.values);
            flags.push(out.flags);
        }
        Batch { width, values, flags }
    }

    /// Evaluates every node in order; `input` has been checked.
    fn run(&self, ws: &mut Workspace, input: &[u128], mut trace: Option<&mut Trace>) -> Output {
        let graph = self.graph;
        let env = &self.env;
        let n_nodes = graph.nodes().len();
        ws.values.resize_with(n_nodes, Vec::new);
        let mut all_flags = Flags::NONE;
        let mut offset = 0;
        for (idx, node) in graph.nodes().iter().enumerate() {
            let fmt = &node.format;
            let mut flags = Flags::NONE;
            // Operands converted to the node's format where formats differ (one rounding each).
            let operands = node.op.operands();
            ws.operands.resize_with(operands.len(), Vec::new);
            let mut converted = Vec::new();
            for (k, id) in operands.iter().enumerate() {
                let src = &graph.node(*id).format;
                if src != fmt {
                    let out = &mut ws.operands[k];
                    flags = flags.union(convert_all(env, src, fmt, &ws.values[id.0], out));
                }
                if trace.is_some() {
                    converted.push((src != fmt).then(|| ws.operands[k].clone()));
                }
            }
            let mut value = std::mem::take(&mut ws.values[idx]);
            value.clear();
            {
                let operand = |k: usize| -> &[u128] {
                    let id = operands[k];
                    if graph.node(id).format == *fmt {
                        &ws.values[id.0]
                    } else {
                        &ws.operands[k]
                    }
                };
                match &node.op {
                    Op::Input { size } => {
                        value.extend_from_slice(&input[offset..offset + size]);
                        offset += size;
                    }
                    Op::Affine(_) => {
                        let kernel = self.kernels[idx].as_ref().expect("affine nodes have kernels");
                        flags = flags.union(kernel.apply(operand(0), &mut value, &mut ws.scratch));
                    }
                    Op::Activation(a)
                        if a.sigma.activation == fpcore::act::Activation::Relu && env.is_ieee() =>
                    {
                        flags = flags.union(relu_all(env, fmt, &a.sigma, operand(0), &mut value));
                    }
                    Op::Activation(a) => {
                        for &x in operand(0) {
                            let r = activate(env, fmt, &a.sigma, x);
                            flags = flags.union(r.flags);
                            value.push(r.value);
                        }
                    }
                    Op::Add(ids) => {
                        let width = graph.width(NodeId(idx));
                        for j in 0..width {
                            ws.terms.clear();
                            for k in 0..ids.len() {
                                ws.terms.push(operand(k)[j]);
                            }
                            let r = sum_left_to_right(env, fmt, &ws.terms);
                            flags = flags.union(r.flags);
                            value.push(r.value);
                        }
                    }
                    Op::Concat(ids) => {
                        for k in 0..ids.len() {
                            value.extend_from_slice(operand(k));
                        }
                    }
                }
            }
            ws.values[idx] = value;
            all_flags = all_flags.union(flags);
            if let Some(t) = trace.as_deref_mut() {
                t.converted.push(converted);
                t.flags.push(flags);
            }
        }
        Output { values: ws.values[graph.output().0].clone(), flags: all_flags }
    }
}

/// Evaluates `graph` on one input with the environment `env` (see [`Interpreter::eval`]).
///
/// # Errors
///
/// As [`Interpreter::eval`].
pub fn eval(graph: &Graph, env: &Env, input: &[u128]) -> Result<Output, ModelError> {
    Interpreter::new(graph, *env).eval(input)
}

/// The activation of a node applied to one value, as the interpreter computes it.
pub fn activate(env: &Env, fmt: &Format, sigma: &crate::graph::Sigma, x: u128) -> Rounded<u128> {
    match sigma.value {
        Rule::CorrectlyRounded => fpcore::act::eval(env, fmt, sigma.activation, x),
        Rule::Composite => fpcore::act::eval_composite(env, fmt, sigma.activation, x),
    }
}

/// [`activate`] with a relu node over a vector, appended to `out`; returns the flags. Both of
/// relu's rules are `x` for x > 0 and +0 for x < 0, exact with no flag (docs/semantics.md §3):
/// a finite nonzero operand is therefore answered here, a positive one by itself and a negative
/// one by fpcore's result at the negative value nearest zero; zeros, infinities and NaNs go
/// through [`activate`]. Only for environments where [`Env::is_ieee`] holds (operands read as
/// they are: no subnormal is read as zero).
fn relu_all(
    env: &Env,
    fmt: &Format,
    sigma: &crate::graph::Sigma,
    x: &[u128],
    out: &mut Vec<u128>,
) -> Flags {
    let negative = activate(env, fmt, sigma, (1u128 << (fmt.bits() - 1)) | 1);
    let mut flags = Flags::NONE;
    for &x in x {
        let u = fmt.unpack(x);
        let r = match u.kind {
            fpcore::Kind::Finite { .. } if u.sign => negative,
            fpcore::Kind::Finite { .. } => Rounded::exact(x & fmt.mask()),
            _ => activate(env, fmt, sigma, x),
        };
        flags = flags.union(r.flags);
        out.push(r.value);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Rule, Sigma};
    use fpcore::act::Activation;
    use fpcore::{NanPolicy, OverflowPolicy, Tininess};

    #[test]
    fn relu_shortcut_equals_the_activation_on_every_encoding() {
        let mut envs = Vec::new();
        for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
            for nan in [NanPolicy::Canonical, NanPolicy::X86Sse] {
                for overflow in [OverflowPolicy::Ieee, OverflowPolicy::Saturate] {
                    envs.push(Env { tininess, nan, overflow, ..Env::default() });
                }
            }
        }
        let mut sigmas = vec![Sigma::new(Activation::Relu)];
        let mut composite = Sigma::new(Activation::Relu);
        composite.value = Rule::Composite;
        sigmas.push(composite);
        for fmt in [
            Format::BINARY16,
            Format::BF16,
            Format::E4M3FN,
            Format::E5M2,
            Format::E4M3FNUZ,
            Format::E2M1FN,
            Format::BINARY32,
        ] {
            // Every encoding of the narrow formats; for binary32 a stride through all of them,
            // with bits above the width set on some.
            let step = if fmt.bits() > 16 { 65_537 } else { 1 };
            let xs: Vec<u128> = (0..=fmt.mask())
                .step_by(step)
                .map(|x| if x % 3 == 0 { x | (x << fmt.bits()) } else { x })
                .collect();
            for env in &envs {
                for sigma in &sigmas {
                    let mut got = Vec::new();
                    let flags = relu_all(env, &fmt, sigma, &xs, &mut got);
                    let mut want_flags = Flags::NONE;
                    for (&x, &g) in xs.iter().zip(&got) {
                        let r = activate(env, &fmt, sigma, x);
                        want_flags = want_flags.union(r.flags);
                        assert_eq!(g, r.value, "{fmt} {x:#x} {env:?}");
                    }
                    assert_eq!(flags, want_flags, "{fmt} {env:?}");
                }
            }
        }
    }
}
