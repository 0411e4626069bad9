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
    // relu' is 1 for z > 0 and +0 for z < 0 under both rules, exact with no flag
    // (docs/semantics.md §3): for finite nonzero z it is fpcore's derivative at the value of the
    // same sign nearest zero, computed once; zeros (the kink), infinities and NaNs go through
    // fpcore at each element. Only where `Env::is_ieee` holds (no subnormal read as zero).
    let relu = (sigma.activation == fpcore::act::Activation::Relu && env.is_ieee()).then(|| {
        let sign = 1u128 << (fmt.bits() - 1);
        (derivative(env, fmt, sigma, 1), derivative(env, fmt, sigma, sign | 1))
    });
    for (&g_j, &z_j) in g.iter().zip(z) {
        let d_j = match relu {
            Some((positive, negative)) => {
                let u = fmt.unpack(z_j);
                match u.kind {
                    fpcore::Kind::Finite { .. } if u.sign => negative,
                    fpcore::Kind::Finite { .. } => positive,
                    _ => derivative(env, fmt, sigma, z_j),
                }
            }
            None => derivative(env, fmt, sigma, z_j),
        };
        if let Some(d) = derivatives.as_deref_mut() {
            d.push(d_j.value);
        }
        let c_j = fpcore::mul(env, fmt, g_j, d_j.value);
        flags |= d_j.flags | c_j.flags;
        out.push(c_j.value);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use fpcore::act::Activation;

    #[test]
    fn relu_derivative_shortcut_equals_the_derivative_on_every_encoding() {
        let env = Env::default();
        for fmt in
            [Format::BINARY16, Format::BF16, Format::E4M3FN, Format::E4M3FNUZ, Format::E2M1FN]
        {
            let z: Vec<u128> = (0..=fmt.mask()).collect();
            let g: Vec<u128> = z.iter().map(|&v| v.wrapping_mul(0x9E37) & fmt.mask()).collect();
            for (value, kink) in [(Rule::CorrectlyRounded, 0), (Rule::Composite, z[z.len() / 3])] {
                let mut sigma = Sigma::new(Activation::Relu);
                sigma.derivative = value;
                sigma.kink = kink;
                let (mut out, mut d) = (Vec::new(), Vec::new());
                let flags = input_gradient(&env, &fmt, &sigma, &g, &z, &mut out, Some(&mut d));
                let mut want_flags = Flags::NONE;
                for (j, (&g_j, &z_j)) in g.iter().zip(&z).enumerate() {
                    let d_j = derivative(&env, &fmt, &sigma, z_j);
                    let c_j = fpcore::mul(&env, &fmt, g_j, d_j.value);
                    want_flags |= d_j.flags | c_j.flags;
                    assert_eq!((d[j], out[j]), (d_j.value, c_j.value), "{fmt} z={z_j:#x}");
                }
                assert_eq!(flags, want_flags, "{fmt}");
            }
        }
    }
}
