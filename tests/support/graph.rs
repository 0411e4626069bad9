//! Random layer graphs for the differential tests of fpnet and fpad: inputs of several
//! formats, affine layers in every order (some mostly zero), activations, sums of branches,
//! concatenations and per-node formats, all drawn from one [`SplitMix`].

use fpcore::act::Activation;
use fpcore::Format;
use fpnet::graph::{ActivationNode, Affine, Node, NodeId, Op, Rule, Sigma};
use fpnet::{Graph, Order};

use super::fmt;
use super::rng::{Draw, SplitMix};

/// The formats a random graph's nodes and wide accumulators are drawn from.
pub const FORMATS: [&str; 5] = ["binary16", "bf16", "binary32", "e4m3fn", "e5m2"];

/// What differs between the graphs of the fpnet and of the fpad tests. Each choice keeps its
/// draws from the generator, so a seed gives the same graph as it always has.
pub struct Shape {
    /// The activation of an activation node in a node of the given format.
    pub sigma: fn(&mut SplitMix, &Format) -> Sigma,
    /// Whether the output is sometimes an earlier layer (one more draw per graph), so that
    /// some nodes are dead.
    pub dead_nodes: bool,
}

/// The fpnet tests' graphs: relu only (no draw), the output always the last node.
pub const RELU_ONLY: Shape = Shape { sigma: relu, dead_nodes: false };

/// The fpad tests' graphs: every activation and derivative option, sometimes dead nodes.
pub const ANY_ACTIVATION: Shape = Shape { sigma: random_sigma, dead_nodes: true };

/// relu with its default options, drawing nothing.
fn relu(_: &mut SplitMix, _: &Format) -> Sigma {
    Sigma::new(Activation::Relu)
}

/// A random activation with random options: mostly relu (with a random kink value half of
/// the time), sometimes a smooth activation with either derivative rule.
fn random_sigma(g: &mut SplitMix, f: &Format) -> Sigma {
    let activation = match g.below(10) {
        0..=5 => Activation::Relu,
        6 => Activation::Sigmoid,
        7 => Activation::Tanh,
        8 => Activation::Elu,
        _ => Activation::Silu,
    };
    let mut sigma = Sigma::new(activation);
    if activation == Activation::Relu && g.below(2) == 0 {
        sigma.kink = g.value(f, false);
    }
    if g.below(4) == 0 {
        sigma.derivative = Rule::Composite;
    }
    sigma
}

/// A random graph of the given shape.
pub fn random_graph(g: &mut SplitMix, shape: &Shape) -> Graph {
    let net = fmt(FORMATS[g.below(5) as usize]);
    let pick_fmt = |g: &mut SplitMix| -> Format {
        if g.below(4) == 0 {
            fmt(FORMATS[g.below(5) as usize])
        } else {
            net
        }
    };
    let specials = g.below(3) == 0;
    let mut nodes: Vec<Node> = Vec::new();
    let mut widths: Vec<usize> = Vec::new();
    let n_inputs = 1 + g.below(2) as usize;
    for k in 0..n_inputs {
        let size = 1 + g.below(4) as usize;
        let format = pick_fmt(g);
        nodes.push(Node { name: Some(format!("x{k}")), format, op: Op::Input { size } });
        widths.push(size);
    }
    let n_layers = 1 + g.below(8) as usize;
    for _ in 0..n_layers {
        let format = pick_fmt(g);
        let last = NodeId(nodes.len() - 1);
        let any = |g: &mut SplitMix| NodeId(g.below(nodes.len() as u64) as usize);
        let op = match g.below(10) {
            0..=4 => {
                let input = if g.below(3) == 0 { any(g) } else { last };
                let rows = 1 + g.below(7) as usize;
                let cols = widths[input.0];
                let order = match g.below(7) {
                    0 | 1 => Order::Sequential,
                    2 => Order::Fma,
                    3 => Order::Pairwise,
                    4 => Order::Blocked(1 + g.below(4) as usize),
                    5 => Order::Wide(fmt("binary32")),
                    _ => Order::Wide(fmt(FORMATS[g.below(5) as usize])),
                };
                // Mostly-zero weights exercise the sparse paths.
                let sparse = g.below(4) == 0;
                let weights = (0..rows * cols)
                    .map(|_| {
                        if sparse && g.below(4) != 0 {
                            format.zero(g.below(2) == 1)
                        } else {
                            let special = specials && g.below(4) == 0;
                            g.value(&format, special)
                        }
                    })
                    .collect();
                let bias = (0..rows).map(|_| g.value(&format, false)).collect();
                Op::Affine(Affine { input, rows, cols, weights, bias, order })
            }
            5..=6 => {
                let input = if g.below(3) == 0 { any(g) } else { last };
                Op::Activation(ActivationNode { input, sigma: (shape.sigma)(g, &format) })
            }
            7..=8 => {
                let first = any(g);
                let same: Vec<NodeId> = (0..nodes.len())
                    .filter(|&i| widths[i] == widths[first.0])
                    .map(NodeId)
                    .collect();
                let n = 1 + g.below(3) as usize;
                Op::Add((0..n).map(|_| same[g.below(same.len() as u64) as usize]).collect())
            }
            _ => {
                let n = 1 + g.below(3) as usize;
                Op::Concat((0..n).map(|_| any(g)).collect())
            }
        };
        let width = match &op {
            Op::Affine(a) => a.rows,
            Op::Activation(a) => widths[a.input.0],
            Op::Add(ids) => widths[ids[0].0],
            Op::Concat(ids) => ids.iter().map(|i| widths[i.0]).sum(),
            Op::Input { .. } => unreachable!(),
        };
        nodes.push(Node { name: None, format, op });
        widths.push(width);
    }
    let output = if shape.dead_nodes && g.below(5) == 0 {
        NodeId(n_inputs + g.below(n_layers as u64) as usize)
    } else {
        NodeId(nodes.len() - 1)
    };
    Graph::new(net, nodes, output).expect("generated graphs are valid")
}

/// Whether every node's format and every wide accumulator is one of `names`.
pub fn uses_only(graph: &Graph, names: &[&str]) -> bool {
    let ok = |f: &Format| names.iter().any(|n| fmt(n) == *f);
    graph.nodes().iter().all(|n| {
        ok(&n.format)
            && match &n.op {
                Op::Affine(a) => match a.order {
                    Order::Wide(g) => ok(&g),
                    _ => true,
                },
                _ => true,
            }
    })
}
