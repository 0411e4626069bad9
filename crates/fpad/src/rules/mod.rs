//! The backward rule of each kind of node, one file per op: [`affine`], [`activation`],
//! [`add`], [`concat`](mod@concat). Each rule turns the gradient g of a node (a row vector in the node's
//! format) into one contribution per operand, and documents (a) the real derivative, (b) the
//! exact rounded expression with its association and operand order, (c) its conventions at
//! kinks, zeros and infinities, and (d) its accumulation order (docs/semantics.md §5).
//!
//! Shared by every rule: **operand conversions**. A node that read an operand of another format
//! converted it to its own format first (one rounding per element, `graph` module of fpnet).
//! The derivative of that conversion is taken as 1, as every framework does (rounding is not
//! differentiated): the contribution is computed in the node's format F and then converted
//! back to the operand's format F_u, one rounding per element, `c_j ← cvt_(F_u)(c_j)`
//! ([`convert_back`]). Where the formats are equal nothing is converted.
//!
//! The contributions a node receives from its consumers are summed by
//! [`crate::backward`] (consumers' declaration order).
//!
//! Flags are ORed with `|=` after each rounding, as in fpnet's reductions (the per-element
//! loops here stay free of `fpcore::Ctx`'s cross-crate calls); the short sequences of the
//! losses, the parameter sums and SGD use `Ctx`.

pub mod activation;
pub mod add;
pub mod affine;
pub mod concat;

use fpcore::{Env, Flags, Format};

/// Converts a contribution computed in the consumer's format `node_fmt` to the operand's
/// format `operand_fmt`, element by element (one rounding each, `cvt_(F_u)(c_j)`), in place.
/// Nothing happens when the formats are equal. Returns the flags raised.
pub fn convert_back(
    env: &Env,
    node_fmt: &Format,
    operand_fmt: &Format,
    contribution: &mut [u128],
) -> Flags {
    let mut flags = Flags::NONE;
    if node_fmt == operand_fmt {
        return flags;
    }
    for c in contribution.iter_mut() {
        let r = fpcore::convert(env, node_fmt, operand_fmt, *c);
        flags |= r.flags;
        *c = r.value;
    }
    flags
}

/// Whether an encoding is a zero of either sign (without unpacking it).
#[inline]
pub(crate) fn is_zero(fmt: &Format, v: u128) -> bool {
    v == 0 || (fmt.has_neg_zero() && v == 1u128 << (fmt.bits() - 1))
}

/// Whether every entry of `values` is finite (no infinity, no NaN).
pub(crate) fn all_finite(fmt: &Format, values: &[u128]) -> bool {
    values.iter().all(|&v| {
        let u = fmt.unpack(v);
        !u.is_nan() && !u.is_inf()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(name: &str) -> Format {
        Format::parse(name).expect("named format")
    }

    #[test]
    fn zeros_are_recognized_from_their_bits() {
        let f = fmt("bf16");
        assert!(is_zero(&f, 0) && is_zero(&f, 0x8000));
        assert!(!is_zero(&f, 1) && !is_zero(&f, 0x8001));
        // FNUZ formats have no -0: 0x80 is their NaN.
        let fnuz = fmt("e4m3fnuz");
        assert!(is_zero(&fnuz, 0) && !is_zero(&fnuz, 0x80));
        assert!(all_finite(&f, &[0, 0x3F80, 0x8001]));
        assert!(!all_finite(&f, &[0x3F80, 0x7F80]));
        assert!(!all_finite(&f, &[0x7FC0]));
    }

    #[test]
    fn contributions_convert_back_to_the_operand_format() {
        let env = Env::default();
        let (f32_, bf16) = (fmt("binary32"), fmt("bf16"));
        // 1 + 2^-8 in binary32 is a tie in bf16 and goes to 1; 1 + 2^-7 is exact.
        let mut c = vec![0x3F80_8000, 0x3F81_0000];
        let flags = convert_back(&env, &f32_, &bf16, &mut c);
        assert_eq!(c, [0x3F80, 0x3F81]);
        assert!(flags.contains(Flags::INEXACT));
        let mut same = vec![0x3F80_8000];
        assert!(convert_back(&env, &f32_, &f32_, &mut same).is_empty());
        assert_eq!(same, [0x3F80_8000]);
    }

    #[test]
    fn add_and_concat_pass_the_gradient_on_bit_for_bit() {
        let g = [0x7F81, 0x8000, 1];
        assert_eq!(add::contributions(&g, 2), [g.to_vec(), g.to_vec()]);
        assert_eq!(concat::contributions(&g, &[1, 2]), [vec![0x7F81], vec![0x8000, 1]]);
    }
}
