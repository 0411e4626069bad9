//! The layer graph: [`Graph`], [`Node`], [`NodeId`], and the validation that every graph passes
//! when it is built, so that evaluating it can neither fail nor panic.
//!
//! A graph is a list of nodes in evaluation order: first its inputs, then its layers, each of
//! which reads only nodes before it. Each node has its own format (by default the network's).
//! A node first converts every operand vector whose format differs from its own to its own
//! format, one rounding per element (an operand already in the node's format is used as it is,
//! without a conversion), then computes its values (docs/semantics.md §4):
//! - input: the values given, in the input's format;
//! - affine: `W ⊗ x ⊕ b` in the node's accumulation [`Order`];
//! - activation: sigma(x) elementwise, correctly rounded or by fpcore's composite definition;
//! - add: the elementwise sum of its operands, left to right from +0:
//!   `y_j = ((+0 ⊕ u_j) ⊕ v_j) ⊕ …`;
//! - concat: its operands one after the other.
//!
//! The graph's output is one node (the last layer unless chosen otherwise).

use std::collections::BTreeMap;
use std::fmt;

use fpcore::act::Activation;
use fpcore::Format;

use crate::error::ModelError;
use crate::limits::{Limits, MAX_NAME_LEN};
use crate::reduce::Order;

/// The index of a node in its graph's node list (inputs first, then layers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub usize);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Which definition of an activation (or of its derivative) a node uses (docs/semantics.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Rule {
    /// `correctly_rounded`: the real function rounded once (the default).
    #[default]
    CorrectlyRounded,
    /// `composite`: fpcore's composite definition, the framework formula evaluated step by
    /// step in the format (see `fpcore::act::eval_composite` and `deriv_composite`).
    Composite,
}

impl Rule {
    /// `correctly_rounded` or `composite`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::CorrectlyRounded => "correctly_rounded",
            Rule::Composite => "composite",
        }
    }

    /// Parses [`Rule::name`]'s spellings.
    pub fn parse(text: &str) -> Option<Rule> {
        match text {
            "correctly_rounded" => Some(Rule::CorrectlyRounded),
            "composite" => Some(Rule::Composite),
            _ => None,
        }
    }
}

/// An activation with its options: how its value and its derivative are defined, and the
/// derivative's value at a kink (relu'(0); stored for automatic differentiation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sigma {
    /// The function.
    pub activation: Activation,
    /// How the forward value is computed.
    pub value: Rule,
    /// How the derivative is computed (used by automatic differentiation).
    pub derivative: Rule,
    /// The derivative at a kink, encoded in the node's format (+0 by default, as in PyTorch).
    pub kink: u128,
}

impl Sigma {
    /// The activation with the default options: correctly rounded value and derivative, kink +0.
    pub fn new(activation: Activation) -> Sigma {
        Sigma {
            activation,
            value: Rule::CorrectlyRounded,
            derivative: Rule::CorrectlyRounded,
            kink: fpcore::act::DEFAULT_KINK,
        }
    }
}

/// An affine layer `W ⊗ x ⊕ b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affine {
    /// The node it reads.
    pub input: NodeId,
    /// Number of outputs (rows of W).
    pub rows: usize,
    /// Number of inputs (columns of W).
    pub cols: usize,
    /// W, row-major (`weights[i * cols + j]` is w_ij), encoded in the node's format.
    pub weights: Vec<u128>,
    /// b, one per row, encoded in the node's format.
    pub bias: Vec<u128>,
    /// The accumulation order.
    pub order: Order,
}

/// An activation layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivationNode {
    /// The node it reads.
    pub input: NodeId,
    /// The activation and its options.
    pub sigma: Sigma,
}

/// What a node computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// An input vector of `size` entries.
    Input {
        /// Number of entries.
        size: usize,
    },
    /// An affine layer.
    Affine(Affine),
    /// An elementwise activation.
    Activation(ActivationNode),
    /// The elementwise sum of equally wide operands, left to right from +0.
    Add(Vec<NodeId>),
    /// The concatenation of the operands, in order.
    Concat(Vec<NodeId>),
}

impl Op {
    /// The nodes this one reads, in operand order.
    pub fn operands(&self) -> &[NodeId] {
        match self {
            Op::Input { .. } => &[],
            Op::Affine(a) => std::slice::from_ref(&a.input),
            Op::Activation(a) => std::slice::from_ref(&a.input),
            Op::Add(ids) | Op::Concat(ids) => ids,
        }
    }

    /// The kind's name: `input`, `affine`, `activation`, `add`, `concat`.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Input { .. } => "input",
            Op::Affine(_) => "affine",
            Op::Activation(_) => "activation",
            Op::Add(_) => "add",
            Op::Concat(_) => "concat",
        }
    }
}

/// A node: an optional name, its format and what it computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The node's name (inputs always have one). Unnamed layers are called `layers[K]`, K their
    /// position among the layers.
    pub name: Option<String>,
    /// The format of the node's values (and parameters).
    pub format: Format,
    /// What it computes.
    pub op: Op,
}

/// A validated layer graph: see the module documentation for what each node computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    format: Format,
    nodes: Vec<Node>,
    n_inputs: usize,
    output: NodeId,
    widths: Vec<usize>,
}

/// Whether a name is acceptable: 1 to [`MAX_NAME_LEN`] bytes of ASCII letters, digits and
/// `_ . - : /`. Brackets are excluded so that no name looks like a default `layers[K]`.
pub fn is_valid_name(name: &str) -> bool {
    is_valid_name_within(name, MAX_NAME_LEN)
}

/// [`is_valid_name`] with another length limit: 1 to `max_len` bytes.
pub fn is_valid_name_within(name: &str, max_len: usize) -> bool {
    !name.is_empty()
        && name.len() <= max_len
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-:/".contains(&b))
}

/// The path that names a node in errors, in the file format's terms (`inputs[0]`,
/// `layers[3]`, with the name in parentheses where the node has one).
fn node_path(nodes: &[Node], n_inputs: usize, idx: usize) -> String {
    let base = if idx < n_inputs {
        format!("inputs[{idx}]")
    } else {
        format!("layers[{}]", idx - n_inputs)
    };
    match nodes.get(idx).and_then(|n| n.name.as_deref()) {
        Some(name) if idx >= n_inputs => format!("{base} ({name})"),
        _ => base,
    }
}

fn check_bits(path: impl Fn() -> String, fmt: &Format, bits: u128) -> Result<(), ModelError> {
    if bits & !fmt.mask() != 0 || !fmt.is_canonical(bits) {
        return Err(ModelError::invalid(
            path(),
            format!("{bits:#x} is not an encoding of the {}-bit format {fmt}", fmt.bits()),
        ));
    }
    Ok(())
}

/// The checks of [`Graph::with_limits`], node by node in order, with what the nodes before
/// have established: their widths, names and parameter count.
struct Validator<'n> {
    nodes: &'n [Node],
    n_inputs: usize,
    limits: &'n Limits,
    /// The width of each node checked so far.
    widths: Vec<usize>,
    /// The sum of `widths`.
    total_width: usize,
    /// Parameters of the affine nodes checked so far.
    n_params: usize,
    /// The names used so far, with their nodes.
    names: BTreeMap<&'n str, usize>,
}

impl<'n> Validator<'n> {
    /// The path of `field` of node `idx` in errors (the node's own path for an empty field).
    fn at(&self, idx: usize, field: &str) -> String {
        let base = node_path(self.nodes, self.n_inputs, idx);
        if field.is_empty() {
            base
        } else {
            format!("{base}.{field}")
        }
    }

    /// The path of node `idx` in errors.
    fn path(&self, idx: usize) -> String {
        node_path(self.nodes, self.n_inputs, idx)
    }

    /// The width of an earlier node.
    fn width_of(&self, id: NodeId) -> usize {
        self.widths.get(id.0).copied().expect("operands are earlier")
    }

    /// Checks node `idx` and records its width.
    fn node(&mut self, idx: usize) -> Result<(), ModelError> {
        self.check_name(idx)?;
        self.check_operands(idx)?;
        let node = &self.nodes[idx];
        let width = match &node.op {
            Op::Input { size } => self.input_width(idx, *size)?,
            Op::Affine(a) => self.affine_width(idx, &node.format, a)?,
            Op::Activation(a) => {
                check_bits(|| self.at(idx, "activation.kink"), &node.format, a.sigma.kink)?;
                self.width_of(a.input)
            }
            Op::Add(ids) => self.add_width(idx, ids)?,
            Op::Concat(ids) => self.concat_width(idx, ids)?,
        };
        let max_total_width = self.limits.max_total_width;
        self.total_width = self.total_width.saturating_add(width);
        if self.total_width > max_total_width {
            return Err(ModelError::limit(
                self.at(idx, ""),
                format!("the nodes' values together exceed the limit of {max_total_width} entries"),
            ));
        }
        self.widths.push(width);
        Ok(())
    }

    /// A valid name, used once; every input has one.
    fn check_name(&mut self, idx: usize) -> Result<(), ModelError> {
        let max_name_len = self.limits.max_name_len;
        let Some(name) = self.nodes[idx].name.as_deref() else {
            if idx < self.n_inputs {
                return Err(ModelError::invalid(self.at(idx, "name"), "an input needs a name"));
            }
            return Ok(());
        };
        if !is_valid_name_within(name, max_name_len) {
            return Err(ModelError::invalid(
                self.at(idx, "name"),
                format!(
                    "'{}' is not a valid name (1 to {max_name_len} ASCII letters, digits, '_', '.', '-', ':', '/')",
                    name.escape_debug()
                ),
            ));
        }
        if let Some(first) = self.names.insert(name, idx) {
            return Err(ModelError::invalid(
                self.at(idx, "name"),
                format!("name '{name}' is already used by {}", self.path(first)),
            ));
        }
        Ok(())
    }

    /// Every operand is an earlier node.
    fn check_operands(&self, idx: usize) -> Result<(), ModelError> {
        let op = &self.nodes[idx].op;
        for (k, operand) in op.operands().iter().enumerate() {
            if operand.0 >= idx {
                let field = match op {
                    Op::Add(_) => format!("add[{k}]"),
                    Op::Concat(_) => format!("concat[{k}]"),
                    _ => "input".to_string(),
                };
                return Err(ModelError::invalid(
                    self.at(idx, &field),
                    format!(
                        "refers to node {operand}, which is not evaluated before this one (a node reads only earlier nodes)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An input: before every layer, with 1 to `max_width` entries.
    fn input_width(&self, idx: usize, size: usize) -> Result<usize, ModelError> {
        let max_width = self.limits.max_width;
        if idx >= self.n_inputs {
            return Err(ModelError::invalid(
                self.at(idx, ""),
                "inputs must come before every layer",
            ));
        }
        if size == 0 || size > max_width {
            return Err(ModelError::limit(
                self.at(idx, "size"),
                format!("an input has 1 to {max_width} entries, got {size}"),
            ));
        }
        Ok(size)
    }

    /// An affine layer: its shape, its input's width, its order, its encodings and the
    /// parameter limit.
    fn affine_width(&mut self, idx: usize, fmt: &Format, a: &Affine) -> Result<usize, ModelError> {
        let max_width = self.limits.max_width;
        if a.rows == 0 || a.rows > max_width || a.cols == 0 || a.cols > max_width {
            return Err(ModelError::limit(
                self.at(idx, "affine.weights"),
                format!(
                    "weights have 1 to {max_width} rows and columns, got {} × {}",
                    a.rows, a.cols
                ),
            ));
        }
        if a.rows.checked_mul(a.cols) != Some(a.weights.len()) {
            return Err(ModelError::invalid(
                self.at(idx, "affine.weights"),
                format!(
                    "{} × {} weights need {} entries, got {}",
                    a.rows,
                    a.cols,
                    a.rows.saturating_mul(a.cols),
                    a.weights.len()
                ),
            ));
        }
        if a.bias.len() != a.rows {
            return Err(ModelError::invalid(
                self.at(idx, "affine.bias"),
                format!(
                    "expected {} entries (one per row of weights), got {}",
                    a.rows,
                    a.bias.len()
                ),
            ));
        }
        let input_width = self.width_of(a.input);
        if input_width != a.cols {
            return Err(ModelError::invalid(
                self.at(idx, "affine.weights"),
                format!(
                    "weights have {} columns but the input {} has {input_width} entries",
                    a.cols,
                    self.path(a.input.0)
                ),
            ));
        }
        if a.order == Order::Blocked(0) {
            return Err(ModelError::invalid(
                self.at(idx, "affine.order"),
                "block width must be at least 1",
            ));
        }
        for (k, &w) in a.weights.iter().enumerate() {
            let at = || self.at(idx, &format!("affine.weights[{}][{}]", k / a.cols, k % a.cols));
            check_bits(at, fmt, w)?;
        }
        for (k, &b) in a.bias.iter().enumerate() {
            check_bits(|| self.at(idx, &format!("affine.bias[{k}]")), fmt, b)?;
        }
        let max_params = self.limits.max_params;
        self.n_params = self.n_params.saturating_add(a.weights.len() + a.bias.len());
        if self.n_params > max_params {
            return Err(ModelError::limit(
                self.at(idx, "affine"),
                format!("the network's parameters exceed the limit of {max_params} parameters"),
            ));
        }
        Ok(a.rows)
    }

    /// A sum of branches: at least one, all of the same width.
    fn add_width(&self, idx: usize, ids: &[NodeId]) -> Result<usize, ModelError> {
        let Some(first) = ids.first() else {
            return Err(ModelError::invalid(self.at(idx, "add"), "add needs at least one operand"));
        };
        let w0 = self.width_of(*first);
        for (k, id) in ids.iter().enumerate() {
            if self.width_of(*id) != w0 {
                return Err(ModelError::invalid(
                    self.at(idx, &format!("add[{k}]")),
                    format!(
                        "{} has {} entries but {} has {w0}; added branches have equal widths",
                        self.path(id.0),
                        self.width_of(*id),
                        self.path(first.0)
                    ),
                ));
            }
        }
        Ok(w0)
    }

    /// A concatenation: at least one operand, at most `max_width` entries in all.
    fn concat_width(&self, idx: usize, ids: &[NodeId]) -> Result<usize, ModelError> {
        let max_width = self.limits.max_width;
        if ids.is_empty() {
            return Err(ModelError::invalid(
                self.at(idx, "concat"),
                "concat needs at least one operand",
            ));
        }
        let sum = ids.iter().fold(0usize, |s, id| s.saturating_add(self.width_of(*id)));
        if sum > max_width {
            return Err(ModelError::limit(
                self.at(idx, "concat"),
                format!("{sum} entries exceed the limit of {max_width} per node"),
            ));
        }
        Ok(sum)
    }
}

impl Graph {
    /// Validates and builds a graph of the network format `format`. `nodes` lists the inputs
    /// first, then the layers; `output` is the node whose values the network returns.
    ///
    /// # Errors
    ///
    /// A [`ModelError`] naming the node (`inputs[K]`, `layers[K] (name)`) and the field when a
    /// rule is broken: inputs not first, a reference to a later node, a shape mismatch, an
    /// encoding wider than the node's format, an invalid or repeated name, or a size beyond
    /// [`crate::limits`].
    pub fn new(format: Format, nodes: Vec<Node>, output: NodeId) -> Result<Graph, ModelError> {
        Graph::with_limits(format, nodes, output, &Limits::default())
    }

    /// [`Graph::new`] with other size limits than the defaults of [`crate::limits`].
    ///
    /// # Errors
    ///
    /// As [`Graph::new`], with the sizes of `limits`.
    pub fn with_limits(
        format: Format,
        nodes: Vec<Node>,
        output: NodeId,
        limits: &Limits,
    ) -> Result<Graph, ModelError> {
        let max_nodes = limits.max_nodes;
        if nodes.len() > max_nodes {
            return Err(ModelError::limit(
                "layers",
                format!("{} nodes exceed the limit of {max_nodes} nodes", nodes.len()),
            ));
        }
        let n_inputs = nodes.iter().take_while(|n| matches!(n.op, Op::Input { .. })).count();
        if n_inputs == 0 {
            return Err(ModelError::invalid("inputs", "a network needs at least one input"));
        }
        let mut check = Validator {
            nodes: &nodes,
            n_inputs,
            limits,
            widths: Vec::with_capacity(nodes.len()),
            total_width: 0,
            n_params: 0,
            names: BTreeMap::new(),
        };
        for idx in 0..nodes.len() {
            check.node(idx)?;
        }
        let widths = check.widths;
        if output.0 >= nodes.len() {
            return Err(ModelError::invalid(
                "output",
                format!("node {output} does not exist (the graph has {} nodes)", nodes.len()),
            ));
        }
        Ok(Graph { format, nodes, n_inputs, output, widths })
    }

    /// The network's format (the default of every node).
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// Every node, inputs first, in evaluation order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// One node.
    ///
    /// # Panics
    ///
    /// When `id` is not a node of this graph.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    /// Number of input nodes (they are nodes `0..n_inputs`).
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    /// The input nodes.
    pub fn inputs(&self) -> impl Iterator<Item = NodeId> {
        (0..self.n_inputs).map(NodeId)
    }

    /// The layers (every node but the inputs), in evaluation order.
    pub fn layers(&self) -> impl Iterator<Item = NodeId> {
        (self.n_inputs..self.nodes.len()).map(NodeId)
    }

    /// The output node.
    pub fn output(&self) -> NodeId {
        self.output
    }

    /// Number of entries of a node's values.
    ///
    /// # Panics
    ///
    /// When `id` is not a node of this graph.
    pub fn width(&self, id: NodeId) -> usize {
        self.widths[id.0]
    }

    /// Total number of input entries: the widths of all inputs, in order.
    pub fn input_width(&self) -> usize {
        self.widths.iter().take(self.n_inputs).sum()
    }

    /// Number of output entries.
    pub fn output_width(&self) -> usize {
        self.width(self.output)
    }

    /// Format of the output values.
    pub fn output_format(&self) -> &Format {
        &self.node(self.output).format
    }

    /// Number of weights and biases.
    pub fn n_params(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| match &n.op {
                Op::Affine(a) => a.weights.len() + a.bias.len(),
                _ => 0,
            })
            .sum()
    }

    /// The name of a node: its own, or `layers[K]` for an unnamed layer.
    ///
    /// # Panics
    ///
    /// When `id` is not a node of this graph.
    pub fn name_of(&self, id: NodeId) -> String {
        match &self.node(id).name {
            Some(name) => name.clone(),
            None => format!("layers[{}]", id.0 - self.n_inputs),
        }
    }

    /// The node called `name` (its own name, or `layers[K]` for any layer).
    pub fn find(&self, name: &str) -> Option<NodeId> {
        if let Some(k) = name.strip_prefix("layers[").and_then(|s| s.strip_suffix(']')) {
            let k: usize = k.parse().ok()?;
            let idx = self.n_inputs.checked_add(k)?;
            return (idx < self.nodes.len()).then_some(NodeId(idx));
        }
        self.nodes.iter().position(|n| n.name.as_deref() == Some(name)).map(NodeId)
    }

    /// The path naming a node in error messages (`inputs[0]`, `layers[2] (fc2)`).
    pub fn path_of(&self, id: NodeId) -> String {
        node_path(&self.nodes, self.n_inputs, id.0)
    }

    /// Whether the graph is a plain chain: one input, every layer reading the node just
    /// before it, the output the last layer (the sequential shorthand of the file format).
    pub fn is_chain(&self) -> bool {
        self.n_inputs == 1
            && self.output.0 == self.nodes.len() - 1
            && self.layers().all(|id| self.node(id).op.operands() == [NodeId(id.0 - 1)])
    }
}
