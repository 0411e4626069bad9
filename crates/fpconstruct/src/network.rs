//! The network f = f2 ⊕ f1 from the blocks: the size check before anything is allocated, the
//! two halves, fpnet's parallel sum (f2's output terms first), and the report's shape.

use fpnet::builders::parallel_sum;
use fpnet::Graph;

use crate::arith::Arith;
use crate::blocks::Block;
use crate::error::ConstructError;
use crate::gradient_network::{gradient_network, ChainUnit};
use crate::gradients::Gate;
use crate::values::{value_network, ValueUnit};

/// The whole network, f1 (the values) and f2 (the gradients).
pub(crate) struct Halves {
    pub(crate) graph: Graph,
    pub(crate) values: Graph,
    pub(crate) gradients: Graph,
}

/// Builds f1, f2 and their parallel sum (f1's terms first when `f1_first`).
pub(crate) fn network(
    ar: &Arith,
    blocks: &[Block],
    scales: &[u128],
    depth: usize,
    f1_first: bool,
) -> Result<Halves, ConstructError> {
    check_size(blocks, scales.len(), depth)?;
    let value_units: Vec<ValueUnit<'_>> = blocks
        .iter()
        .filter_map(|b| b.value.map(|(v, y)| (b.point.x.as_slice(), b.ind, v, y)))
        .collect();
    let values = value_network(ar, &value_units, scales, depth)?;
    let chain_units: Vec<ChainUnit<'_>> = blocks
        .iter()
        .filter(|b| !b.chains.is_empty())
        .map(|b| (b.point.x.as_slice(), b.ind, b.chains.as_slice()))
        .collect();
    let gradients = gradient_network(ar, &chain_units, scales, depth)?;
    let graph = if f1_first {
        parallel_sum(&values, &gradients)?
    } else {
        parallel_sum(&gradients, &values)?
    };
    Ok(Halves { graph, values, gradients })
}

/// Refuses a network whose parameters (counted with their zeros, as the dense layers hold
/// them; layers 4 … L-3 at most as wide in their inputs as layer 3) or units exceed fpnet's
/// limits, before anything is allocated. An empty half counts as one block.
fn check_size(blocks: &[Block], d: usize, depth: usize) -> Result<(), ConstructError> {
    let n_values = blocks.iter().filter(|b| b.value.is_some()).count();
    let n_gradient = blocks.iter().filter(|b| !b.chains.is_empty()).count();
    let chains = || blocks.iter().flat_map(|b| &b.chains);
    let n_chains = chains().count();
    let n_input_gates = chains().filter(|c| matches!(c.gate, Gate::Input(_))).count();
    let floor = |n: usize| n.max(1) as u128;
    let (d, n1, nb, nc) = (d as u128, floor(n_values), floor(n_gradient), floor(n_chains));
    let ni = if n_chains == 0 { nc } else { n_input_gates as u128 };
    let nq = nc - ni;
    // Layer 1: 2d units per indicator, a carrier per chain and a gate per one-input chain;
    // layer 2: s per indicator, c2 per chain and a distance unit per d-input chain; layers
    // 3 … L-2: s' or v per indicator and a unit per chain; layer L-1: w per value block and
    // two units per chain.
    let first = 2 * d * n1 + 2 * d * nb + nc + ni;
    let second = n1 + nb + nc + nq;
    let hidden = n1 + nb + nc;
    let last = n1 + 2 * nc;
    let depth = depth as u128;
    let params = first * (d + 1)
        + second * (first + 1)
        + (depth - 5) * (hidden * (second.max(hidden) + 1))
        + hidden * (hidden + 1)
        + last * (hidden + 1)
        + last
        + 1;
    let widths = d + first + second + (depth - 4) * hidden + last + 1;
    let max_params = fpnet::limits::MAX_PARAMS as u128;
    let max_widths = fpnet::limits::MAX_TOTAL_WIDTH as u128;
    if params > max_params || widths > max_widths {
        return Err(ConstructError::Targets(format!(
            "{n_values} value blocks and {n_gradient} gradient blocks need {params} parameters and {widths} units, above the limits of {max_params} and {max_widths}; use fewer points"
        )));
    }
    Ok(())
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
