//! Backward rule of a concat node `y = (u¹, u², …)` (its operands one after the other).
//!
//! (a) Real derivative: the identity on each operand's block of entries.
//!
//! (b) Rounded expression: none. Operand k receives the slice of g that its values occupy in
//! y: entries `o_k .. o_k + n_k`, where n_k is its width and o_k the sum of the widths before it,
//! bit for bit. An operand listed twice receives its two slices as two contributions.
//!
//! (c) Conventions: none needed (no arithmetic).
//!
//! (d) Accumulation: none here; see `crate::backward` for several contributions to one node.

/// The contribution to each operand: its slice of `g`, for operands of the given widths.
///
/// # Panics
///
/// When the widths do not add up to the length of `g` (a validated graph's concat nodes
/// always do).
pub fn contributions(g: &[u128], widths: &[usize]) -> Vec<Vec<u128>> {
    assert_eq!(widths.iter().sum::<usize>(), g.len(), "the operands fill the concatenation");
    let mut offset = 0;
    widths
        .iter()
        .map(|&n| {
            let slice = g[offset..offset + n].to_vec();
            offset += n;
            slice
        })
        .collect()
}
