//! The sequential multiply-add chain of docs/semantics.md §4, the inner loop of an affine layer, on
//! the host-f64 kernel of `fast/dot.rs` where its exactness argument holds and on the integer
//! operations elsewhere.

use crate::ctx::Ctx;
use crate::env::Env;
use crate::fast::dot::{host_is_plain, DotKernel};
use crate::fast::matvec::{HostMatrix, HostScratch, LANES};
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::ops::arith::{add, fma};

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

/// A matrix M (`rows × cols`) of binary32, bfloat16 or binary16 values whose rows run as
/// sequential multiply-add chains against one vector at a time ([`ChainMatrix::mul_add_rows`]):
/// an affine layer `W ⊗ x ⊕ b`, the row-vector-times-matrix `g ⊗ W` of its backward pass (with
/// M = Wᵀ), or the batch sums of its weight gradient.
#[derive(Clone, Debug)]
pub struct ChainMatrix {
    fmt: Format,
    steps: ChainSteps,
    host: HostMatrix,
}

/// The step of a [`ChainMatrix`]'s chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChainSteps {
    /// `s_j = s_(j-1) ⊕ (m_j ⊗ v_j)`: the product rounded, then the sum ([`mul_add_chain`]).
    MulAdd,
    /// `s_j = fma(m_j, v_j, s_(j-1))`: rounded once.
    Fma,
}

/// Working space of [`ChainMatrix::mul_add_rows`], reused across calls.
#[derive(Clone, Debug, Default)]
pub struct ChainScratch {
    host: HostScratch,
    row: Vec<u128>,
}

impl ChainMatrix {
    /// Prepares `entries` (`rows × cols`, row-major, encodings of `fmt`). `None` when `fmt` is
    /// not binary32, bfloat16 or binary16, when an entry is infinite or NaN, or when the
    /// lengths do not match: the caller then runs its chains with [`mul_add_chain`].
    pub fn new(
        fmt: &Format,
        steps: ChainSteps,
        rows: usize,
        cols: usize,
        entries: &[u128],
    ) -> Option<ChainMatrix> {
        Some(ChainMatrix { fmt: *fmt, steps, host: HostMatrix::new(fmt, rows, cols, entries)? })
    }

    /// Number of rows (chains).
    pub fn rows(&self) -> usize {
        self.host.rows()
    }

    /// Number of columns (terms of each chain).
    pub fn cols(&self) -> usize {
        self.host.cols()
    }

    /// Every row's chain against `vector` (one element per column), written into `out` (one
    /// value per row, replacing its contents), with the union of the flags of every
    /// operation; or `None`, writing nothing, when the host path does not apply here (the
    /// environment, the host's floating-point state, or an operand or magnitude outside the
    /// conditions of `fast/matvec.rs`): the caller then takes the general path.
    ///
    /// # Evaluation order
    ///
    /// For row r: s_0 = init_r (+0 without `init`); s_j = s_(j-1) ⊕ (m_rj ⊗ v_j)
    /// ([`ChainSteps::MulAdd`]) or s_j = fma(m_rj, v_j, s_(j-1)) ([`ChainSteps::Fma`]) for
    /// j = 1..n; y_r = s_n ⊕ b_r with `bias`, else y_r = s_n: bit for bit
    /// `add(mul_add_chain(init_r, (m_r1, v_1), …), b_r)`, or the same with a loop of
    /// [`fma`]. Every operand is finite here, so the operand order of the products (m ⊗ v or
    /// v ⊗ m) changes nothing.
    ///
    /// Rows run one by one through [`mul_add_chain`] until one of them raises inexact; the
    /// rest run on the host kernel of `fast/matvec.rs`, whose every step is exact up to the
    /// inexact flag already raised (its module docs give the argument).
    pub fn mul_add_rows(
        &self,
        env: &Env,
        vector: &[u128],
        init: Option<&[u128]>,
        bias: Option<&[u128]>,
        out: &mut Vec<u128>,
        scratch: &mut ChainScratch,
    ) -> Option<Flags> {
        if !env.is_ieee() || !host_is_plain() {
            return None;
        }
        let fused = self.steps == ChainSteps::Fma;
        let skip_zeros = init.is_none() && !fused;
        if !self.host.prepare(vector, init, bias, skip_zeros, fused, &mut scratch.host) {
            return None;
        }
        let fmt = &self.fmt;
        let rows = self.rows();
        out.clear();
        out.resize(rows, 0);
        let mut flags = Flags::NONE;
        let mut block = [0u128; LANES];
        for blk in 0..rows.div_ceil(LANES) {
            let (lo, hi) = (blk * LANES, rows.min((blk + 1) * LANES));
            let mut r = lo;
            while r < hi && !flags.contains(Flags::INEXACT) {
                self.host.row_bits(r, &mut scratch.row);
                let acc = init.map_or(fmt.zero(false), |v| v[r] & fmt.mask());
                let terms = scratch.row.iter().copied().zip(vector.iter().copied());
                let s = if fused {
                    let mut s = Rounded::exact(acc);
                    for (m, v) in terms {
                        let a = fma(env, fmt, m, v, s.value);
                        s = Rounded::new(a.value, s.flags | a.flags);
                    }
                    s
                } else {
                    mul_add_chain(env, fmt, acc, terms)
                };
                flags |= s.flags;
                out[r] = match bias {
                    Some(b) => {
                        let y = add(env, fmt, s.value, b[r]);
                        flags |= y.flags;
                        y.value
                    }
                    None => s.value,
                };
                r += 1;
            }
            if r < hi {
                self.host.block(blk, &scratch.host, fused, &mut block);
                out[r..hi].copy_from_slice(&block[r - lo..hi - lo]);
            }
        }
        Some(flags)
    }
}
