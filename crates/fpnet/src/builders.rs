//! Ways to build graphs: a general [`GraphBuilder`], sequential networks ([`sequential`]), the
//! paper's networks with their variants ([`paper_network`]), and the parallel sum of two
//! networks of equal depth ([`parallel_sum`], the shape of the constructions in
//! docs/construct.md). Every builder ends in [`Graph::new`], so its result is validated.

use fpcore::Format;

use crate::error::ModelError;
use crate::graph::{ActivationNode, Affine, Graph, Node, NodeId, Op, Sigma};
use crate::reduce::Order;

/// One affine map `T(x) = W ⊗ x ⊕ b` of a sequential network, in the network's format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffineMap {
    /// Number of outputs.
    pub rows: usize,
    /// Number of inputs.
    pub cols: usize,
    /// W, row-major.
    pub weights: Vec<u128>,
    /// b.
    pub bias: Vec<u128>,
    /// The accumulation order.
    pub order: Order,
}

impl AffineMap {
    /// A map in the default (sequential) order.
    pub fn new(rows: usize, cols: usize, weights: Vec<u128>, bias: Vec<u128>) -> AffineMap {
        AffineMap { rows, cols, weights, bias, order: Order::Sequential }
    }
}

/// One stage of a sequential network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// An affine map.
    Affine(AffineMap),
    /// An elementwise activation.
    Activation(Sigma),
}

/// Builds a graph node by node; [`GraphBuilder::build`] validates it.
#[derive(Clone, Debug)]
pub struct GraphBuilder {
    format: Format,
    nodes: Vec<Node>,
}

impl GraphBuilder {
    /// An empty graph of the network format `format`.
    pub fn new(format: Format) -> GraphBuilder {
        GraphBuilder { format, nodes: Vec::new() }
    }

    /// Appends a node (inputs must come first).
    pub fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        NodeId(self.nodes.len() - 1)
    }

    /// Appends an input of `size` entries in the network's format.
    pub fn input(&mut self, name: &str, size: usize) -> NodeId {
        let format = self.format;
        self.push(Node { name: Some(name.to_string()), format, op: Op::Input { size } })
    }

    /// Appends an affine layer in the network's format reading `input`.
    pub fn affine(&mut self, input: NodeId, map: AffineMap) -> NodeId {
        let format = self.format;
        let AffineMap { rows, cols, weights, bias, order } = map;
        let op = Op::Affine(Affine { input, rows, cols, weights, bias, order });
        self.push(Node { name: None, format, op })
    }

    /// Appends an activation layer in the network's format reading `input`.
    pub fn activation(&mut self, input: NodeId, sigma: Sigma) -> NodeId {
        let format = self.format;
        self.push(Node { name: None, format, op: Op::Activation(ActivationNode { input, sigma }) })
    }

    /// Appends the elementwise sum of `operands` (left to right from +0).
    pub fn add(&mut self, operands: &[NodeId]) -> NodeId {
        let format = self.format;
        self.push(Node { name: None, format, op: Op::Add(operands.to_vec()) })
    }

    /// Appends the concatenation of `operands`.
    pub fn concat(&mut self, operands: &[NodeId]) -> NodeId {
        let format = self.format;
        self.push(Node { name: None, format, op: Op::Concat(operands.to_vec()) })
    }

    /// The node list so far (to set names or formats before building).
    pub fn nodes_mut(&mut self) -> &mut [Node] {
        &mut self.nodes
    }

    /// Validates the graph with `output` as its output node.
    ///
    /// # Errors
    ///
    /// See [`Graph::new`].
    pub fn build(self, output: NodeId) -> Result<Graph, ModelError> {
        Graph::new(self.format, self.nodes, output)
    }
}

/// A sequential network: one input called `input` of `n_inputs` entries, then `stages` in
/// order, all in `format`. The output is the last stage (the input itself when there is none).
///
/// # Errors
///
/// See [`Graph::new`].
pub fn sequential(
    format: Format,
    n_inputs: usize,
    stages: Vec<Stage>,
) -> Result<Graph, ModelError> {
    let mut b = GraphBuilder::new(format);
    let mut last = b.input("input", n_inputs);
    for stage in stages {
        last = match stage {
            Stage::Affine(map) => b.affine(last, map),
            Stage::Activation(sigma) => b.activation(last, sigma),
        };
    }
    b.build(last)
}

/// Where the paper's variants put extra activations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Variant {
    /// The network starts with sigma (applied to the input before T_1).
    pub sigma_first: bool,
    /// The network ends with sigma (applied after T_L).
    pub sigma_last: bool,
}

/// The paper's network `f = T_L ∘ sigma ∘ T_(L-1) ∘ … ∘ sigma ∘ T_1` (docs/semantics.md §4), with one
/// activation between consecutive affine maps, and optionally one before T_1 and one after T_L.
/// The layer count L is the number of affine maps.
///
/// # Errors
///
/// When `maps` is empty, or see [`Graph::new`].
pub fn paper_network(
    format: Format,
    n_inputs: usize,
    sigma: Sigma,
    maps: Vec<AffineMap>,
    variant: Variant,
) -> Result<Graph, ModelError> {
    if maps.is_empty() {
        return Err(ModelError::invalid("layers", "a network needs at least one affine map"));
    }
    let n_maps = maps.len();
    let mut stages = Vec::with_capacity(2 * n_maps + 1);
    if variant.sigma_first {
        stages.push(Stage::Activation(sigma));
    }
    for (l, map) in maps.into_iter().enumerate() {
        if l > 0 {
            stages.push(Stage::Activation(sigma));
        }
        stages.push(Stage::Affine(map));
    }
    if variant.sigma_last {
        stages.push(Stage::Activation(sigma));
    }
    sequential(format, n_inputs, stages)
}

/// The layers of a sequential graph (a chain of affine and activation nodes).
fn chain_layers<'g>(g: &'g Graph, which: &str) -> Result<Vec<&'g Node>, ModelError> {
    if !g.is_chain() {
        return Err(ModelError::invalid(
            which,
            "a parallel sum takes sequential networks (one input, each layer reading the one before)",
        ));
    }
    let layers: Vec<&Node> = g.layers().map(|id| g.node(id)).collect();
    for (k, node) in layers.iter().enumerate() {
        if !matches!(node.op, Op::Affine(_) | Op::Activation(_)) {
            return Err(ModelError::invalid(
                format!("{which}.layers[{k}]"),
                format!(
                    "a parallel sum takes affine and activation layers, found {}",
                    node.op.kind()
                ),
            ));
        }
    }
    Ok(layers)
}

/// Where an affine map is in a parallel sum: it decides how the two maps are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MapPosition {
    /// T_1: rows stacked (both read the same input).
    First,
    /// T_l, 1 < l < L: block-diagonal.
    Middle,
    /// T_L: columns side by side, one bias kept.
    Last,
}

/// The shape, weights and bias of the join of two affine maps `fa` (of `first`) and `ga` (of
/// `second`) of format `fmt` at `position` (see [`parallel_sum`]); `at` gives the error path
/// of a field.
fn joined_map(
    position: MapPosition,
    fmt: &Format,
    fa: &Affine,
    ga: &Affine,
    at: impl Fn(&str) -> String,
) -> Result<(usize, usize, Vec<u128>, Vec<u128>), ModelError> {
    let zero = fmt.zero(false);
    let stacked_bias = || [fa.bias.as_slice(), &ga.bias].concat();
    match position {
        MapPosition::First => {
            let weights = [fa.weights.as_slice(), &ga.weights].concat();
            Ok((fa.rows + ga.rows, fa.cols, weights, stacked_bias()))
        }
        MapPosition::Middle => {
            let (rows, cols) = (fa.rows + ga.rows, fa.cols + ga.cols);
            let mut w = Vec::with_capacity(rows * cols);
            for row in fa.weights.chunks(fa.cols) {
                w.extend_from_slice(row);
                w.extend(std::iter::repeat_n(zero, ga.cols));
            }
            for row in ga.weights.chunks(ga.cols) {
                w.extend(std::iter::repeat_n(zero, fa.cols));
                w.extend_from_slice(row);
            }
            Ok((rows, cols, w, stacked_bias()))
        }
        MapPosition::Last => {
            if fa.rows != ga.rows {
                return Err(ModelError::invalid(
                    at(".affine.weights"),
                    format!(
                        "the last affine maps have {} and {} outputs; they must be equal",
                        fa.rows, ga.rows
                    ),
                ));
            }
            let (rows, cols) = (fa.rows, fa.cols + ga.cols);
            let mut w = Vec::with_capacity(rows * cols);
            for (f_row, g_row) in fa.weights.chunks(fa.cols).zip(ga.weights.chunks(ga.cols)) {
                w.extend_from_slice(f_row);
                w.extend_from_slice(g_row);
            }
            let all_zero = |v: &[u128]| v.iter().all(|&x| fmt.unpack(x).is_zero());
            let bias = if all_zero(&fa.bias) {
                ga.bias.clone()
            } else if all_zero(&ga.bias) {
                fa.bias.clone()
            } else {
                return Err(ModelError::invalid(
                    at(".affine.bias"),
                    "both last biases have nonzero entries; a parallel sum keeps one of them, so the other must be all zeros",
                ));
            };
            Ok((rows, cols, w, bias))
        }
    }
}

/// The parallel sum of two sequential networks of equal depth, as the constructions use it:
/// the hidden units of `first` come first, then those of `second`.
///
/// Both networks must have the same input (width and format) and the same layer pattern:
/// at every position the same kind of layer in the same format, the same activation with the
/// same options, and affine layers with the same order; the last affine maps must have the
/// same number of outputs, and at least one of their two biases must be all zeros. With L >= 2
/// affine maps, the result has
/// - T_1: the rows of `first`'s W_1 then those of `second`'s (both read the same input), the
///   biases one after the other;
/// - T_l, 1 < l < L: the block-diagonal `[[W_l, 0], [0, W'_l]]` (zeros are +0), biases one
///   after the other;
/// - T_L: each row is `first`'s row followed by `second`'s (concatenated columns), and the bias
///   is the one that is not all zeros (`second`'s when both are).
///
/// In the default order output i is therefore
/// `((((+0 ⊕ first's terms) ⊕ second's terms) …) ⊕ b_i)`: `first`'s terms are accumulated
/// before `second`'s, which is not in general `f(x) ⊕ g(x)`. A +0 weight times an infinite
/// hidden value of the other block gives NaN (inf ⊗ 0), as in any dense layer.
///
/// # Errors
///
/// When either network is not sequential, they differ in pattern, they have fewer than two
/// affine maps, or both last biases have a nonzero entry; or see [`Graph::new`].
pub fn parallel_sum(first: &Graph, second: &Graph) -> Result<Graph, ModelError> {
    let f_layers = chain_layers(first, "first")?;
    let g_layers = chain_layers(second, "second")?;
    let f_in = first.node(NodeId(0));
    let g_in = second.node(NodeId(0));
    if f_in.format != g_in.format || first.input_width() != second.input_width() {
        return Err(ModelError::invalid(
            "second.inputs[0]",
            format!(
                "inputs differ: {} entries of {} against {} entries of {}",
                first.input_width(),
                f_in.format,
                second.input_width(),
                g_in.format
            ),
        ));
    }
    if f_layers.len() != g_layers.len() {
        return Err(ModelError::invalid(
            "second.layers",
            format!(
                "the networks have {} and {} layers; a parallel sum needs equal depth",
                f_layers.len(),
                g_layers.len()
            ),
        ));
    }
    let n_maps = f_layers.iter().filter(|n| matches!(n.op, Op::Affine(_))).count();
    if n_maps < 2 {
        return Err(ModelError::invalid(
            "first.layers",
            format!("a parallel sum needs at least 2 affine maps, found {n_maps}"),
        ));
    }
    let mut b = GraphBuilder::new(*first.format());
    let mut last = b.push(Node {
        name: Some("input".to_string()),
        format: f_in.format,
        op: Op::Input { size: first.input_width() },
    });
    let mut map_idx = 0;
    for (k, (f, g)) in f_layers.iter().zip(&g_layers).enumerate() {
        let at = |field: &str| format!("second.layers[{k}]{field}");
        if f.format != g.format {
            return Err(ModelError::invalid(
                at(".format"),
                format!("formats differ: {} against {}", f.format, g.format),
            ));
        }
        let fmt = f.format;
        let op = match (&f.op, &g.op) {
            (Op::Activation(fa), Op::Activation(ga)) => {
                if fa.sigma != ga.sigma {
                    return Err(ModelError::invalid(
                        at(".activation"),
                        "activations or their options differ",
                    ));
                }
                Op::Activation(ActivationNode { input: last, sigma: fa.sigma })
            }
            (Op::Affine(fa), Op::Affine(ga)) => {
                map_idx += 1;
                if fa.order != ga.order {
                    return Err(ModelError::invalid(
                        at(".affine.order"),
                        format!("orders differ: {} against {}", fa.order.name(), ga.order.name()),
                    ));
                }
                let position = match map_idx {
                    1 => MapPosition::First,
                    m if m < n_maps => MapPosition::Middle,
                    _ => MapPosition::Last,
                };
                let (rows, cols, weights, bias) = joined_map(position, &fmt, fa, ga, at)?;
                Op::Affine(Affine { input: last, rows, cols, weights, bias, order: fa.order })
            }
            _ => {
                return Err(ModelError::invalid(
                    at(""),
                    format!("layer kinds differ: {} against {}", f.op.kind(), g.op.kind()),
                ))
            }
        };
        last = b.push(Node { name: None, format: fmt, op });
    }
    b.build(last)
}
