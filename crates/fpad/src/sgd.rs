//! Stochastic gradient descent, bit-exact: `W ← W ⊖ (eta ⊗ dW)` and `b ← b ⊖ (eta ⊗ db)`
//! for every affine node, each in the node's format. Every step is a fixed sequence of fpcore
//! operations, so a training run is the same to the bit on every machine.

use fpcore::text::parse_value;
use fpcore::{Ctx, Env, Flags};
use fpnet::graph::Op;
use fpnet::{Graph, NodeId};

use crate::error::AdError;
use crate::params::ParamGrads;

/// One SGD step: a new graph whose affine parameters are updated with the gradients `grads`
/// (a sum or a mean, as the caller chose) and the learning rate `eta` (decimal or hex-float
/// text, rounded once to each node's format). Returns the graph and the flags raised.
///
/// # Evaluation order
///
/// For every weight, row by row, then every bias: u = eta ⊗ dw (eta first); w' = w ⊖ u.
///
/// # Errors
///
/// [`AdError::Params`] when `eta` is not a number or `grads` does not fit the graph.
pub fn sgd_step(
    env: &Env,
    graph: &Graph,
    grads: &ParamGrads,
    eta: &str,
) -> Result<(Graph, Flags), AdError> {
    if grads.nodes.len() != graph.nodes().len() {
        return Err(AdError::Params("the gradients belong to another network".to_string()));
    }
    let mut flags = Flags::NONE;
    let mut nodes = graph.nodes().to_vec();
    for (idx, node) in nodes.iter_mut().enumerate() {
        let fmt = node.format;
        let Op::Affine(a) = &mut node.op else { continue };
        let grad = grads.get(NodeId(idx)).filter(|g| {
            g.format == fmt && g.weights.len() == a.weights.len() && g.bias.len() == a.bias.len()
        });
        let Some(grad) = grad else {
            return Err(AdError::Params(format!(
                "no gradients of the shape and format of {}",
                graph.path_of(NodeId(idx))
            )));
        };
        let rate = parse_value(env, &fmt, eta)
            .map_err(|e| AdError::Params(format!("learning rate '{eta}': {e}")))?;
        let mut ctx = Ctx::new(*env, fmt);
        let rate = ctx.take(rate);
        for (w, &d) in
            a.weights.iter_mut().zip(&grad.weights).chain(a.bias.iter_mut().zip(&grad.bias))
        {
            let u = ctx.mul(rate, d);
            *w = ctx.sub(*w, u);
        }
        flags |= ctx.flags;
    }
    let graph = Graph::new(*graph.format(), nodes, graph.output())?;
    Ok((graph, flags))
}
