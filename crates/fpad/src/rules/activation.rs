//! Backward rule of an activation node `y_j = sigma(z_j)` (docs/semantics.md §3, §5): multiplication of
//! the gradient by Dsigma(z) = diag(sigma'(z)).
//!
//! (a) Real derivative: ∂y_j/∂z_j = sigma'(z_j), and ∂y_j/∂z_k = 0 for k ≠ j.
//!
//! (b) Rounded expression: c_j = g_j ⊗ d_j with d_j = sigma'(z_j), g first, one rounding. z_j is
//! the node's input as it was read (converted to the node's format). d_j is computed by the
//! node's derivative rule: correctly rounded (`fpcore::act::deriv`, the real derivative rounded
//! once; the default) or composite (`fpcore::act::deriv_composite`, the framework formula step
//! by step, e.g. d_sigmoid = s ⊗ (1 ⊖ s)). The zero off-diagonal terms of Dsigma are not
//! multiplied or added, so no inf ⊗ 0 arises from them (docs/semantics.md §5).
//!
//! (c) Conventions: at a kink (relu at ±0) d_j is the node's kink value, +0 by default
//! (PyTorch, TensorFlow), any value of the format when set. At ±inf, d_j is fpcore's rounded
//! limit of sigma' (relu'(+inf) = 1, relu'(-inf) = +0, sigmoid'(±inf) = +0); NaN in gives NaN.
//! The product is IEEE: an infinite g_j times d_j = 0 is NaN (inf ⊗ 0), a ±0 g_j gives a ±0
//! contribution with the sign of the product (so -1 ⊗ +0 = -0 reaches the operand as -0).
//!
//! (d) Accumulation: none; each contribution is one product.

use fpcore::act::{deriv, deriv_composite};
use fpcore::{Env, Flags, Format, Rounded};
use fpnet::graph::{Rule, Sigma};

/// sigma'(z) by the node's derivative rule and kink (see the module documentation).
pub fn derivative(env: &Env, fmt: &Format, sigma: &Sigma, z: u128) -> Rounded<u128> {
    match sigma.derivative {
        Rule::CorrectlyRounded => deriv(env, fmt, sigma.activation, z, sigma.kink),
        Rule::Composite => deriv_composite(env, fmt, sigma.activation, z, sigma.kink),
    }
}

/// The contribution `c_j = g_j ⊗ sigma'(z_j)` to the node's input, written into `out`
/// (replacing its contents); the derivatives d_j are also written into `derivatives` when it
/// is given. Returns the flags raised (by the derivatives and the products).
///
/// # Evaluation order
///
/// For j = 1..n: d_j = sigma'(z_j) (one rounding, or the composite's documented steps);
/// c_j = g_j ⊗ d_j (docs/semantics.md §5).
///
/// # Panics
///
/// When `g` and `z` have different lengths.
pub fn input_gradient(
    env: &Env,
    fmt: &Format,
    sigma: &Sigma,
    g: &[u128],
    z: &[u128],
    out: &mut Vec<u128>,
    mut derivatives: Option<&mut Vec<u128>>,
) -> Flags {
    assert_eq!(g.len(), z.len(), "the gradient has one entry per value");
    let mut flags = Flags::NONE;
    out.clear();
    if let Some(d) = derivatives.as_deref_mut() {
        d.clear();
    }
    for (&g_j, &z_j) in g.iter().zip(z) {
        let d_j = derivative(env, fmt, sigma, z_j);
        if let Some(d) = derivatives.as_deref_mut() {
            d.push(d_j.value);
        }
        let c_j = fpcore::mul(env, fmt, g_j, d_j.value);
        flags |= d_j.flags | c_j.flags;
        out.push(c_j.value);
    }
    flags
}
