//! The dense sequential layers both halves are assembled from, and the zero network that stands
//! in for a half without blocks.

use fpcore::act::Activation;
use fpnet::builders::{paper_network, AffineMap, Variant};
use fpnet::graph::Sigma;
use fpnet::Graph;

use crate::arith::Arith;
use crate::error::ConstructError;

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

/// A network of `d` inputs with relu between its affine maps and sequential orders.
pub(crate) fn relu_network(
    ar: &Arith,
    d: usize,
    maps: Vec<AffineMap>,
) -> Result<Graph, ConstructError> {
    Ok(paper_network(ar.fmt(), d, Sigma::new(Activation::Relu), maps, Variant::default())?)
}

/// A d-input network of the given depth whose output is +0 with gradient +0 at every finite
/// input: one unit per layer, every weight and bias +0 (the stand-in for an empty half).
pub(crate) fn zero_network(ar: &Arith, d: usize, depth: usize) -> Result<Graph, ConstructError> {
    let maps = (0..depth).map(|l| Dense::new(ar, 1, if l == 0 { d } else { 1 }).map()).collect();
    relu_network(ar, d, maps)
}
