//! f1, the value half: per point with y* != +0 a value block
//! w = relu((-L) ⊗ v ⊕ |y*|) behind the point's indicator, with output weight sign(y*). It
//! gives y* at the point and +0 elsewhere, and its AD gradient is +0 on the whole domain (the
//! backward path is masked at v, whose pre-activation is +0 at the point).

use fpnet::Graph;

use crate::arith::Arith;
use crate::chain::cover;
use crate::error::ConstructError;
use crate::indicator::{indicator_rows, indicator_sum_row, Indicator};
use crate::layers::{relu_network, Dense};

/// The value block (f1) of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueBlock {
    /// L: the weight magnitude on the indicator (the weight is -L), L ⊗ B ≥ |y*|.
    pub l: u128,
    /// The output weight, ±1.
    pub out: u128,
}

/// The value block: w = relu((-L) ⊗ v ⊕ |y|) with output weight sign(y). Needs L ⊗ B >= |y|
/// (w dead away from the point) and the masked backward product (g ⊗ ±1) ⊗ (-L) finite.
pub(crate) fn value_block(ar: &Arith, ind: Indicator, y: u128, g: u128) -> Option<ValueBlock> {
    let y_abs = ar.abs(y);
    let l = cover(ar, y_abs, ind.b)?;
    let out = if ar.sign(y) { ar.neg(ar.one()) } else { ar.one() };
    // Away from the point: z = (+0 ⊕ (-L) ⊗ B) ⊕ |y| <= 0.
    if ar.live(ar.unit1(ar.neg(l), ind.b, y_abs)?) {
        return None;
    }
    // At the point: w = |y| exactly, and the output term is y.
    let w = ar.unit1(ar.neg(l), ar.zero(), y_abs)?;
    if w != y_abs || ar.mul(out, w)? != y {
        return None;
    }
    let back = ar.back1(g, out)?;
    ar.back1(back, ar.neg(l))?;
    Some(ValueBlock { l, out })
}

/// A value block as the network needs it: the point, its indicator, the block, y*.
pub(crate) type ValueUnit<'a> = (&'a [u128], Indicator, ValueBlock, u128);

/// f1 for d inputs (the zero network when there is no block): per value block, layer 1
/// [u±_1 … u±_d], layer 2 [s], layers 3 … L-3 [s'] (layer 3 with the weight A, later ones 1),
/// L-2 [v], L-1 [w], output ±1.
pub(crate) fn value_network(
    ar: &Arith,
    blocks: &[ValueUnit<'_>],
    scales: &[u128],
    depth: usize,
) -> Result<Graph, ConstructError> {
    let (n, d) = (blocks.len(), scales.len());
    if n == 0 {
        return crate::layers::zero_network(ar, d, depth);
    }
    let mut maps = Vec::with_capacity(depth);
    let mut l1 = Dense::new(ar, 2 * d * n, d);
    let mut l2 = Dense::new(ar, n, 2 * d * n);
    for (b, (x, ind, _, _)) in blocks.iter().enumerate() {
        indicator_rows(ar, &mut l1, 2 * d * b, scales, x)?;
        indicator_sum_row(ar, &mut l2, b, 2 * d * b, ind, d);
    }
    maps.push(l1.map());
    maps.push(l2.map());
    for l in 3..=depth - 3 {
        let mut id = Dense::new(ar, n, n);
        for (b, (_, ind, _, _)) in blocks.iter().enumerate() {
            id.set(b, b, if l == 3 { ind.amp } else { ar.one() });
        }
        maps.push(id.map());
    }
    let mut lv = Dense::new(ar, n, n);
    let mut lw = Dense::new(ar, n, n);
    let mut out = Dense::new(ar, 1, n);
    for (b, (_, ind, v, y)) in blocks.iter().enumerate() {
        lv.set(b, b, ar.neg(ind.k));
        lv.bias[b] = ind.b;
        lw.set(b, b, ar.neg(v.l));
        lw.bias[b] = ar.abs(*y);
        out.set(0, b, v.out);
    }
    maps.push(lv.map());
    maps.push(lw.map());
    maps.push(out.map());
    relu_network(ar, d, maps)
}
