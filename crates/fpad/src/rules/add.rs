//! Backward rule of an add node `y_j = ((+0 ⊕ u¹_j) ⊕ u²_j) ⊕ …` (the elementwise sum of
//! equally wide operands, docs/semantics.md §4).
//!
//! (a) Real derivative: ∂y/∂uᵏ = I for every operand k.
//!
//! (b) Rounded expression: none. Each operand position k receives the node's gradient g as it
//! is, bit for bit (no ⊗ 1, which would quiet a signaling NaN and raise invalid). An operand
//! listed twice (`"add": ["h", "h"]`) receives g twice, as two contributions.
//!
//! (c) Conventions: the rounding of the forward sum is not differentiated (as everywhere in
//! AD); g passes whatever the forward's overflow, cancellation or NaN.
//!
//! (d) Accumulation: none here; the contributions an operand receives from several consumers
//! (or positions) are summed by `crate::backward` in declaration order.

/// The contribution to each of `n_operands` operand positions: g itself, once per position.
pub fn contributions(g: &[u128], n_operands: usize) -> Vec<Vec<u128>> {
    (0..n_operands).map(|_| g.to_vec()).collect()
}
