//! f2, the gradient half, as layers: per point with chains (m of them),
//!
//! - layer 1: [u±_1 … u±_d, then per chain r (and, with one input, its gate e)];
//! - layer 2: [s, then per chain (with d inputs, its distance unit q) c2];
//! - layers 3 … L-2: [s' (v at L-2), then c_l per chain] (layer 3 also reads q with -M);
//! - layer L-1: per chain [c_(L-1), h]; output weights a, -a per chain.

use fpnet::Graph;

use crate::arith::Arith;
use crate::error::{format_error, ConstructError};
use crate::gradients::{carrier, input_gate, Gate, GradientChain};
use crate::indicator::{indicator_rows, indicator_sum_row, Indicator};
use crate::layers::{relu_network, Dense};

/// A point with its indicator and its chains, as f2 needs them.
pub(crate) type ChainUnit<'a> = (&'a [u128], Indicator, &'a [GradientChain]);

/// Where one point's units sit in each layer.
#[derive(Clone, Copy, Default)]
struct Offsets {
    /// Layer 1.
    l1: usize,
    /// Layer 2.
    l2: usize,
    /// Layers 3 … L-2.
    mid: usize,
    /// Layer L-1 and the output's columns.
    top: usize,
}

/// Units a chain adds to layer 1 (r, and e with the one-input gate) and to layer 2 (c2, and
/// q with the distance gate).
fn chain_units(chain: &GradientChain) -> (usize, usize) {
    match chain.gate {
        Gate::Input(_) => (2, 1),
        Gate::Distance(_) => (1, 2),
    }
}

/// Each point's offsets, and the widths of layers 1, 2, 3 … L-2 and L-1.
fn layout(units: &[ChainUnit<'_>], d: usize) -> (Vec<Offsets>, Offsets) {
    let mut offsets = Vec::with_capacity(units.len());
    let mut width = Offsets::default();
    for (_, _, chains) in units {
        offsets.push(width);
        width.l1 += 2 * d;
        width.l2 += 1;
        for chain in chains.iter() {
            let (n1, n2) = chain_units(chain);
            width.l1 += n1;
            width.l2 += n2;
        }
        width.mid += 1 + chains.len();
        width.top += 2 * chains.len();
    }
    (offsets, width)
}

/// f2 for d inputs (the zero network when there is no chain).
pub(crate) fn gradient_network(
    ar: &Arith,
    units: &[ChainUnit<'_>],
    scales: &[u128],
    depth: usize,
) -> Result<Graph, ConstructError> {
    let d = scales.len();
    if units.is_empty() {
        return crate::layers::zero_network(ar, d, depth);
    }
    let (offsets, width) = layout(units, d);
    let mut maps = Vec::with_capacity(depth);
    let mut l1 = Dense::new(ar, width.l1, d);
    let mut l2 = Dense::new(ar, width.l2, width.l1);
    for (unit, at) in units.iter().zip(&offsets) {
        first_layers(ar, &mut l1, &mut l2, unit, *at, scales)?;
    }
    maps.push(l1.map());
    maps.push(l2.map());
    for l in 3..=depth - 2 {
        let cols = if l == 3 { width.l2 } else { width.mid };
        let mut layer = Dense::new(ar, width.mid, cols);
        for (unit, at) in units.iter().zip(&offsets) {
            chain_layer(ar, &mut layer, unit, *at, l, depth);
        }
        maps.push(layer.map());
    }
    let mut top = Dense::new(ar, width.top, width.mid);
    let mut out = Dense::new(ar, 1, width.top);
    for ((_, _, chains), at) in units.iter().zip(&offsets) {
        for (m, chain) in chains.iter().enumerate() {
            let row = at.top + 2 * m;
            top.set(row, at.mid + 1 + m, chain.multipliers[depth - 1 - 3]);
            top.bias[row] = chain.biases[depth - 1 - 3];
            top.set(row + 1, at.mid, ar.neg(chain.shadow));
            top.bias[row + 1] = chain.value;
            out.set(0, row, chain.a);
            out.set(0, row + 1, ar.neg(chain.a));
        }
    }
    maps.push(top.map());
    maps.push(out.map());
    relu_network(ar, d, maps)
}

/// Layers 1 and 2 of one point: its indicator, then per chain the carrier (and gate e), and
/// c2 (and the distance unit q).
fn first_layers(
    ar: &Arith,
    l1: &mut Dense,
    l2: &mut Dense,
    unit: &ChainUnit<'_>,
    at: Offsets,
    scales: &[u128],
) -> Result<(), ConstructError> {
    let (x, ind, chains) = *unit;
    let d = scales.len();
    let one = ar.one();
    indicator_rows(ar, l1, at.l1, scales, x)?;
    indicator_sum_row(ar, l2, at.l2, at.l1, &ind, d);
    let (mut r1, mut r2) = (at.l1 + 2 * d, at.l2 + 1);
    for chain in chains {
        let x_ki = x[chain.input];
        let (w, bias) =
            carrier(ar, x_ki, chain.side).ok_or_else(|| format_error(ar, "a carrier overflows"))?;
        l1.set(r1, chain.input, w);
        l1.bias[r1] = bias;
        if let Gate::Distance(_) = chain.gate {
            for c in 0..2 * d {
                l2.set(r2, at.l1 + c, one);
            }
            r2 += 1;
        }
        l2.set(r2, r1, one);
        if let Gate::Input(e) = chain.gate {
            let (w, bias) = input_gate(ar, x_ki, chain.side, e)
                .ok_or_else(|| format_error(ar, "a gate overflows"))?;
            l1.set(r1 + 1, chain.input, w);
            l1.bias[r1 + 1] = bias;
            l2.set(r2, r1 + 1, ar.neg(one));
        }
        r1 += chain_units(chain).0;
        r2 += 1;
    }
    Ok(())
}

/// Layer l (3 … L-2) of one point: s' (v at L-2) and each chain's c_l; at layer 3 the chain
/// reads c2 (and q with the weight -M), later ones the chain's previous unit.
fn chain_layer(
    ar: &Arith,
    layer: &mut Dense,
    unit: &ChainUnit<'_>,
    at: Offsets,
    l: usize,
    depth: usize,
) {
    let (_, ind, chains) = *unit;
    let col = if l == 3 { at.l2 } else { at.mid };
    if l == depth - 2 {
        layer.set(at.mid, col, ar.neg(ind.k));
        layer.bias[at.mid] = ind.b;
    } else {
        layer.set(at.mid, col, if l == 3 { ind.amp } else { ar.one() });
    }
    let mut c2 = at.l2 + 1;
    for (m, chain) in chains.iter().enumerate() {
        let row = at.mid + 1 + m;
        let src = if l == 3 {
            if let Gate::Distance(gate) = chain.gate {
                layer.set(row, c2, ar.neg(gate));
                c2 += 1;
            }
            c2
        } else {
            at.mid + 1 + m
        };
        c2 += 1;
        layer.set(row, src, chain.multipliers[l - 3]);
        layer.bias[row] = chain.biases[l - 3];
    }
}
