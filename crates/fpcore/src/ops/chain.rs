//! The sequential multiply-add chain of docs/semantics.md §4, the inner loop of an affine layer, on
//! the host-f64 kernel of `fast/dot.rs` where its exactness argument holds and on the integer
//! operations elsewhere.

use crate::ctx::Ctx;
use crate::env::Env;
use crate::fast::dot::DotKernel;
use crate::flags::{Flags, Rounded};
use crate::format::Format;

/// The sequential multiply-add chain of docs/semantics.md §4, the inner loop of an affine layer:
/// every product rounded, then added to the running sum, left to right.
///
/// # Evaluation order
///
/// a_0 = acc; a_j = a_(j-1) ⊕ (w_j ⊗ x_j) for j = 1..n in iteration order; the result is a_n
/// with the union of every step's flags. Bit for bit the loop
/// `acc = add(acc, mul(w, x))`; binary16, bfloat16 and binary32 run it on a host-f64 kernel
/// (see `fast/dot.rs` for why that is exact) when the host is in its default floating-point
/// state and the environment is [`Env::is_ieee`], and on the integer operations otherwise
/// (under a modelled environment every step is the modelled operation, docs/semantics.md §7).
pub fn mul_add_chain<I: IntoIterator<Item = (u128, u128)>>(
    env: &Env,
    fmt: &Format,
    acc: u128,
    terms: I,
) -> Rounded<u128> {
    let terms = terms.into_iter();
    let Some(kernel) = DotKernel::new(env, fmt, terms.size_hint().1) else {
        return mul_add_chain_integer(env, fmt, acc, terms);
    };
    let mut ctx = Ctx::new(*env, *fmt);
    // The accumulator as an encoding, and as binary64 when it is finite.
    let mut acc_bits = acc & fmt.mask();
    let mut acc_f = kernel.to_f64(acc_bits);
    for (w, x) in terms {
        match kernel.step(acc_f, w, x) {
            Some((r, r_bits, inexact)) => {
                acc_f = Some(r);
                acc_bits = r_bits;
                if inexact {
                    ctx.flags |= Flags::INEXACT;
                }
            }
            None => {
                let t = ctx.mul(w, x);
                acc_bits = ctx.add(acc_bits, t);
                acc_f = kernel.to_f64(acc_bits);
            }
        }
    }
    ctx.finish(acc_bits)
}

/// [`mul_add_chain`] on the integer operations only: its reference twin.
pub fn mul_add_chain_integer<I: IntoIterator<Item = (u128, u128)>>(
    env: &Env,
    fmt: &Format,
    acc: u128,
    terms: I,
) -> Rounded<u128> {
    let mut ctx = Ctx::new(*env, *fmt);
    let mut acc = acc & fmt.mask();
    for (w, x) in terms {
        let t = ctx.mul(w, x);
        acc = ctx.add(acc, t);
    }
    ctx.finish(acc)
}
