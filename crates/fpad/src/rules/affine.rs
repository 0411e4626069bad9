//! Backward rule of an affine node `y = W ⊗ x ⊕ b` (docs/semantics.md §4, §5): the contribution
//! `g ⊗ W` to its input, and the parameter gradients `dW = g ⊗ xᵀ`, `db = g`, per sample and
//! summed over a batch.
//!
//! Notation: F is the node's format, W has m rows and n columns, g (m entries) is the node's
//! gradient, x (n entries) its input as it was read (converted to F), ⊕ ⊗ are rounded in F
//! unless subscripted with another format, cvt_G is a conversion (one rounding).
//!
//! # The rule
//!
//! (a) Real derivative: ∂y_i/∂x_j = w_ij, ∂y_i/∂w_ij = x_j, ∂y_i/∂b_i = 1. So the input's
//! contribution is the row vector g·W, and dW_ij = g_i·x_j, db = g.
//!
//! (b) Rounded expressions. The contribution `c = g ⊗ W` is one row-vector-times-matrix sum per
//! column j, `c_j = Σ_i g_i ⊗ w_ij`, with the product written g first (operand order matters for
//! NaN propagation under the x86 policy): every product is `g_i ⊗ w_ij`, every fma is
//! `fma(g_i, w_ij, acc)`. `dW[i][j] = g_i ⊗ x_j` (one rounding, g first) and `db_i = g_i`
//! (no rounding: the derivative is exactly 1 and g is passed on as it is).
//!
//! (c) Conventions: IEEE 754 throughout. A zero g_i times an infinite weight is NaN
//! (0 ⊗ inf), as is an infinite g_i times a zero weight; there is no special case. A
//! gradient of ±0 is multiplied like any other value, so dW_ij = ±0 ⊗ x_j can be -0.
//!
//! (d) Accumulation: each c_j is accumulated in **the forward order of the layer** applied to
//! the products g_i ⊗ w_ij over i = 1..m (the forward's products w_ij ⊗ x_j over j), with the
//! forward's bias replaced by nothing:
//! - `sequential`: c_j = ((+0 ⊕ g_1⊗w_1j) ⊕ g_2⊗w_2j) ⊕ … ⊕ g_m⊗w_mj, from +0 (docs/semantics.md §4),
//!   so c_j is never -0; computed by [`fpcore::mul_add_chain`].
//! - `fma`: a_0 = +0, a_i = fma(g_i, w_ij, a_(i-1)), c_j = a_m.
//! - `pairwise`: the balanced tree of fpnet's `dot_pairwise` over t_i = g_i ⊗ w_ij (for m = 5:
//!   c_j = ((t_1 ⊕ t_2) ⊕ (t_3 ⊕ t_4)) ⊕ t_5); no +0 starts it, so c_j is -0 when every t_i is.
//! - `blocked:K`: blocks of K consecutive i, each summed from +0, the block sums summed from +0.
//! - `wide:G`: g'_i = cvt_G(g_i), w'_ij = cvt_G(w_ij) (as the forward converts W), the
//!   sequential sum in G, and one final conversion: c_j = cvt_F(((+0 ⊕_G g'_1⊗_G w'_1j) ⊕_G …)).
//!   With G = F this is `sequential`. The weight gradient follows the same rule, products in G
//!   and one rounding to F: dW_ij = cvt_F(g'_i ⊗_G x'_j) with x'_j = cvt_G(x_j); it equals
//!   g_i ⊗ x_j whenever G holds the exact product (p_G >= 2 p_F and a wide enough range).
//!
//! The sequential and fma chains of the input contribution, and the batch sums of dW below, run
//! on [`fpcore::ChainMatrix`] (with Wᵀ, or the samples' inputs, as its matrix) whenever it
//! accepts the operands: bit for bit the same chains, with every operand finite, so the operand
//! order of the products does not show.
//!
//! The fma, pairwise and blocked sums are fpnet's own reductions (`dot_fma`, `dot_pairwise`,
//! `dot_blocked`) called with g as the first vector, column j of W as the second, and -0 as the
//! bias: `s ⊕ -0 = s` exactly, with no flag, for every s that is not a signaling NaN, and these
//! sums are results of fpcore operations (never signaling). In formats without -0 (FNUZ) the
//! bias is +0, which is then the identity.
//!
//! Over a batch, the parameter gradients of the samples are summed in sample order from +0
//! (docs/semantics.md §5): dW_ij = ((+0 ⊕ dW¹_ij) ⊕ dW²_ij) ⊕ …, whatever the layer's order
//! (each sample's dWᵏ is already rounded to F). For the non-wide orders this is the chain
//! `mul_add_chain(+0, (g¹_i, x¹_j), (g²_i, x²_j), …)`; db_i = ((+0 ⊕ g¹_i) ⊕ g²_i) ⊕ ….
//!
//! # Skipping zero terms
//!
//! In the sequential chains (the input contribution of `sequential` and `wide` layers, and the
//! batch sums of dW), a term g ⊗ w with one factor ±0 and the other finite is skipped when every
//! factor of the chain is finite. This changes neither bits nor flags, for the reasons fpnet's
//! `AffineKernel` gives: such a product is ±0 exactly with no flag, and an accumulator that
//! starts at +0 and is afterwards always an fpcore sum is never -0, so adding ±0 leaves it as it
//! is. A batch sum continued from an accumulator that is -0 or a NaN is never skipped (a NaN
//! given from outside need not be the NaN the policy would produce).

use fpcore::{ChainMatrix, ChainScratch, ChainSteps, Env, Flags, Format, Rounded};
use fpnet::graph::Affine;
use fpnet::reduce::{convert_all, dot_blocked, dot_fma, dot_pairwise, Order};
use rayon::prelude::*;

use super::{all_finite, is_zero};

/// The nonzero weights of each column of W (compressed sparse columns), for layers whose
/// weights are mostly zeros.
#[derive(Clone, Debug)]
struct SparseCols {
    /// Column j's entries are `start[j]..start[j + 1]`.
    start: Vec<usize>,
    /// Row of each nonzero weight.
    rows: Vec<usize>,
    /// The nonzero weights, in the compute format.
    values: Vec<u128>,
}

/// How the sequential chains of the input contribution may skip zero terms.
#[derive(Clone, Debug)]
enum Skip {
    /// Never: fma, pairwise and blocked orders, or weights with an infinity or NaN.
    Never,
    /// Weights finite and mostly nonzero: skip the rows where g is ±0.
    ZeroGradients,
    /// Weights finite and mostly zero: visit the nonzero weights only, skipping rows where g
    /// is ±0.
    Sparse(SparseCols),
}

/// Working space of [`AffineBackward`], reused across calls.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    converted: Vec<u128>,
    converted_x: Vec<u128>,
    terms: Vec<u128>,
    active: Vec<usize>,
    host: ChainScratch,
}

/// The backward rule of one affine node, prepared once: Wᵀ in the format the order computes in
/// (F, or G for `wide:G`), so that each column of W is contiguous.
#[derive(Clone, Debug)]
pub struct AffineBackward {
    env: Env,
    fmt: Format,
    compute: Format,
    order: Order,
    rows: usize,
    cols: usize,
    /// Wᵀ: column j of W is `wt[j * rows..(j + 1) * rows]`, in the compute format.
    wt: Vec<u128>,
    /// Flags of converting W to the compute format (wide orders).
    weight_flags: Flags,
    skip: Skip,
    /// Wᵀ on fpcore's host kernel of sequential chains (sequential, wide and fma orders
    /// computing in binary32, bfloat16 or binary16, with finite weights).
    host: Option<ChainMatrix>,
}

impl AffineBackward {
    /// Prepares the rule of an affine node of format `fmt`.
    ///
    /// # Panics
    ///
    /// When the layer's shapes are inconsistent (a validated `fpnet::Graph` never has such a
    /// layer).
    pub fn new(env: &Env, fmt: &Format, affine: &Affine) -> AffineBackward {
        let (rows, cols) = (affine.rows, affine.cols);
        assert_eq!(Some(affine.weights.len()), rows.checked_mul(cols), "weights hold rows × cols");
        let compute = match affine.order {
            Order::Wide(wide) => wide,
            _ => *fmt,
        };
        let mut weight_flags = Flags::NONE;
        let mut wt = vec![0u128; affine.weights.len()];
        for (k, &w) in affine.weights.iter().enumerate() {
            let (i, j) = (k / cols, k % cols);
            wt[j * rows + i] = if compute == *fmt {
                w
            } else {
                let r = fpcore::convert(env, fmt, &compute, w);
                weight_flags |= r.flags;
                r.value
            };
        }
        let skip = match affine.order {
            Order::Fma | Order::Pairwise | Order::Blocked(_) => Skip::Never,
            Order::Sequential | Order::Wide(_) => {
                let n_zero = wt.iter().filter(|&&w| is_zero(&compute, w)).count();
                if !all_finite(&compute, &wt) {
                    Skip::Never
                } else if n_zero * 2 > wt.len() {
                    let mut sparse =
                        SparseCols { start: vec![0], rows: Vec::new(), values: Vec::new() };
                    for col in wt.chunks(rows) {
                        for (i, &w) in col.iter().enumerate() {
                            if !is_zero(&compute, w) {
                                sparse.rows.push(i);
                                sparse.values.push(w);
                            }
                        }
                        sparse.start.push(sparse.rows.len());
                    }
                    Skip::Sparse(sparse)
                } else {
                    Skip::ZeroGradients
                }
            }
        };
        let host = match affine.order {
            Order::Sequential | Order::Wide(_) => {
                ChainMatrix::new(&compute, ChainSteps::MulAdd, cols, rows, &wt)
            }
            // dot_fma's bias here is -0, and s ⊕ -0 = s exactly (module docs): no bias step.
            Order::Fma => ChainMatrix::new(&compute, ChainSteps::Fma, cols, rows, &wt),
            Order::Pairwise | Order::Blocked(_) => None,
        };
        AffineBackward {
            host,
            env: *env,
            fmt: *fmt,
            compute,
            order: affine.order,
            rows,
            cols,
            wt,
            weight_flags,
            skip,
        }
    }

    /// Number of rows of W (entries of g).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns of W (entries of x and of the contribution).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The format the layer's sums are computed in (F, or G for `wide:G`).
    pub fn compute_format(&self) -> &Format {
        &self.compute
    }

    /// The contribution `c = g ⊗ W` to the node's input, in the layer's order (see the module
    /// documentation), written into `out` (n entries, in F, replacing its contents). Returns
    /// the flags raised.
    ///
    /// # Evaluation order
    ///
    /// Column by column, j = 1..n; within a column, over i = 1..m in the layer's order:
    /// `sequential`: c_j = ((+0 ⊕ g_1⊗w_1j) ⊕ g_2⊗w_2j) ⊕ … ⊕ g_m⊗w_mj; the other orders as
    /// listed in the module documentation (docs/semantics.md §4, §5).
    ///
    /// # Panics
    ///
    /// When `g` does not have one entry per row.
    pub fn input_gradient(&self, g: &[u128], out: &mut Vec<u128>, scratch: &mut Scratch) -> Flags {
        assert_eq!(g.len(), self.rows, "the gradient has one entry per row");
        let env = &self.env;
        let fmt = &self.fmt;
        let compute = &self.compute;
        let rows = self.rows;
        let mut flags = Flags::NONE;
        out.clear();
        let g = if compute == fmt {
            g
        } else {
            flags |= self.weight_flags;
            flags |= convert_all(env, fmt, compute, g, &mut scratch.converted);
            scratch.converted.as_slice()
        };
        if let Some(host) = &self.host {
            // The same chains, c_j = mul_add_chain(+0, (g_i, w_ij) over i) or the fma chain,
            // when fpcore's host kernel applies to this gradient.
            if let Some(f) = host.mul_add_rows(env, g, None, None, out, &mut scratch.host) {
                flags |= f;
                if compute != fmt {
                    for c in out.iter_mut() {
                        let r = fpcore::convert(env, compute, fmt, *c);
                        flags |= r.flags;
                        *c = r.value;
                    }
                }
                return flags;
            }
        }
        // The additive identity that stands in for the forward's bias.
        let neg_zero = compute.zero(true);
        let skip = match &self.skip {
            Skip::Never => &Skip::Never,
            other if all_finite(compute, g) => other,
            _ => &Skip::Never,
        };
        if let Skip::ZeroGradients = skip {
            scratch.active.clear();
            scratch.active.extend((0..rows).filter(|&i| !is_zero(compute, g[i])));
        }
        for (j, col) in self.wt.chunks(rows).enumerate() {
            let c = match self.order {
                Order::Fma => dot_fma(env, compute, g, col, neg_zero),
                Order::Pairwise => dot_pairwise(env, compute, g, col, neg_zero, &mut scratch.terms),
                Order::Blocked(k) => dot_blocked(env, compute, k, g, col, neg_zero),
                Order::Sequential | Order::Wide(_) => {
                    let plus_zero = compute.zero(false);
                    let r = match skip {
                        Skip::Never => {
                            let terms = g.iter().copied().zip(col.iter().copied());
                            fpcore::mul_add_chain(env, compute, plus_zero, terms)
                        }
                        Skip::ZeroGradients => {
                            let terms = scratch.active.iter().map(|&i| (g[i], col[i]));
                            fpcore::mul_add_chain(env, compute, plus_zero, terms)
                        }
                        Skip::Sparse(sparse) => {
                            let range = sparse.start[j]..sparse.start[j + 1];
                            let terms = sparse.rows[range.clone()]
                                .iter()
                                .zip(&sparse.values[range])
                                .filter(|(i, _)| !is_zero(compute, g[**i]))
                                .map(|(&i, &w)| (g[i], w));
                            fpcore::mul_add_chain(env, compute, plus_zero, terms)
                        }
                    };
                    if compute == fmt {
                        r
                    } else {
                        let c = fpcore::convert(env, compute, fmt, r.value);
                        Rounded::new(c.value, r.flags | c.flags)
                    }
                }
            };
            flags |= c.flags;
            out.push(c.value);
        }
        flags
    }

    /// The weight gradient of one sample, `dW[i][j] = g_i ⊗ x_j` (for `wide:G`,
    /// `cvt_F(cvt_G(g_i) ⊗_G cvt_G(x_j))`), row-major into `dw` (replacing its contents).
    /// `x` is the node's input as it was read (in F). The bias gradient is g itself. Returns
    /// the flags raised.
    ///
    /// # Panics
    ///
    /// When `g` or `x` do not fit the layer.
    pub fn weight_gradient(
        &self,
        g: &[u128],
        x: &[u128],
        dw: &mut Vec<u128>,
        scratch: &mut Scratch,
    ) -> Flags {
        assert_eq!(g.len(), self.rows, "the gradient has one entry per row");
        assert_eq!(x.len(), self.cols, "the input has one entry per column");
        let env = &self.env;
        let fmt = &self.fmt;
        let compute = &self.compute;
        let mut flags = Flags::NONE;
        dw.clear();
        if compute == fmt {
            for &g_i in g {
                for &x_j in x {
                    let p = fpcore::mul(env, fmt, g_i, x_j);
                    flags |= p.flags;
                    dw.push(p.value);
                }
            }
            return flags;
        }
        flags |= convert_all(env, fmt, compute, g, &mut scratch.converted);
        flags |= convert_all(env, fmt, compute, x, &mut scratch.converted_x);
        for &g_i in &scratch.converted {
            for &x_j in &scratch.converted_x {
                let p = fpcore::mul(env, compute, g_i, x_j);
                let d = fpcore::convert(env, compute, fmt, p.value);
                flags |= p.flags | d.flags;
                dw.push(d.value);
            }
        }
        flags
    }

    /// Continues the batch sums of the parameter gradients over the samples `k = 1..B`, in
    /// sample order: `dw[i][j] ← ((dw[i][j] ⊕ dW¹[i][j]) ⊕ dW²[i][j]) ⊕ …` and
    /// `db[i] ← ((db[i] ⊕ g¹_i) ⊕ g²_i) ⊕ …`, where dWᵏ is [`AffineBackward::weight_gradient`]
    /// of sample k. Start from +0 for the sums of docs/semantics.md §5.
    ///
    /// `gt` holds the samples' gradients transposed (`gt[i * B + k]` = gᵏ_i) and `xt` their
    /// inputs as read, transposed (`xt[j * B + k]` = xᵏ_j). Rows are independent and may be
    /// computed in parallel (`parallel`); the result is the serial one. Returns the flags.
    ///
    /// # Evaluation order
    ///
    /// For each (i, j): s_0 = dw_ij; s_k = s_(k-1) ⊕ (gᵏ_i ⊗ xᵏ_j) for k = 1..B (non-wide
    /// orders, one [`fpcore::mul_add_chain`]); `wide:G`: s_k = s_(k-1) ⊕ cvt_F(cvt_G(gᵏ_i) ⊗_G
    /// cvt_G(xᵏ_j)).
    ///
    /// # Panics
    ///
    /// When the lengths do not fit the layer and `n_samples`.
    pub fn accumulate_batch(
        &self,
        n_samples: usize,
        gt: &[u128],
        xt: &[u128],
        dw: &mut [u128],
        db: &mut [u128],
        parallel: bool,
    ) -> Flags {
        let (rows, cols, b) = (self.rows, self.cols, n_samples);
        assert_eq!(gt.len(), rows * b, "one gradient entry per row and sample");
        assert_eq!(xt.len(), cols * b, "one input entry per column and sample");
        assert_eq!(dw.len(), rows * cols, "one sum per weight");
        assert_eq!(db.len(), rows, "one sum per bias");
        let env = &self.env;
        let fmt = &self.fmt;
        let mut flags = Flags::NONE;
        // Bias sums: ((db_i ⊕ g¹_i) ⊕ g²_i) ⊕ …
        for (i, acc) in db.iter_mut().enumerate() {
            for &g in &gt[i * b..(i + 1) * b] {
                let s = fpcore::add(env, fmt, *acc, g);
                flags |= s.flags;
                *acc = s.value;
            }
        }
        if b == 0 {
            return flags;
        }
        let wide = self.compute != *fmt;
        // Per sample: whether its whole input is finite (then a ±0 gradient entry is skipped).
        let x_finite: Vec<bool> = (0..b)
            .map(|k| {
                (0..cols).all(|j| {
                    let u = fmt.unpack(xt[j * b + k]);
                    !u.is_nan() && !u.is_inf()
                })
            })
            .collect();
        let xt_wide = if wide {
            let mut v = Vec::with_capacity(xt.len());
            flags |= convert_all(env, fmt, &self.compute, xt, &mut v);
            v
        } else {
            Vec::new()
        };
        // The inputs as a matrix (row j: xᵏ_j over the samples) on fpcore's host kernel: row i
        // of the sums is then the chains of that matrix against gᵏ_i, started from dw_i.
        let host = if wide { None } else { ChainMatrix::new(fmt, ChainSteps::MulAdd, cols, b, xt) };
        let row = |(i, dw_row): (usize, &mut [u128])| -> Flags {
            let g_row = &gt[i * b..(i + 1) * b];
            if let Some(host) = &host {
                let mut out = Vec::new();
                let mut scratch = ChainScratch::default();
                if let Some(f) =
                    host.mul_add_rows(env, g_row, Some(dw_row), None, &mut out, &mut scratch)
                {
                    dw_row.copy_from_slice(&out);
                    return f;
                }
            }
            if wide {
                self.accumulate_row_wide(g_row, &xt_wide, dw_row)
            } else {
                self.accumulate_row(g_row, xt, &x_finite, dw_row)
            }
        };
        let row_flags: Vec<Flags> = if parallel {
            dw.par_chunks_mut(cols).enumerate().map(row).collect()
        } else {
            dw.chunks_mut(cols).enumerate().map(row).collect()
        };
        row_flags.into_iter().fold(flags, Flags::union)
    }

    /// One row of [`AffineBackward::accumulate_batch`] in a non-wide order.
    fn accumulate_row(
        &self,
        g_row: &[u128],
        xt: &[u128],
        x_finite: &[bool],
        dw_row: &mut [u128],
    ) -> Flags {
        let env = &self.env;
        let fmt = &self.fmt;
        let b = g_row.len();
        let mut flags = Flags::NONE;
        // The samples whose term cannot be skipped because of a ±0 gradient entry, with
        // whether that entry is finite (then a ±0 input entry is skipped).
        let active: Vec<(usize, u128, bool)> = g_row
            .iter()
            .enumerate()
            .filter(|&(k, &g)| !(is_zero(fmt, g) && x_finite[k]))
            .map(|(k, &g)| {
                let u = fmt.unpack(g);
                (k, g, !u.is_nan() && !u.is_inf())
            })
            .collect();
        for (j, acc) in dw_row.iter_mut().enumerate() {
            let x_col = &xt[j * b..(j + 1) * b];
            let u = fmt.unpack(*acc);
            let r = if u.is_nan() || (u.is_zero() && u.sign) {
                // No skipping from such a start (see the module documentation).
                let terms = g_row.iter().copied().zip(x_col.iter().copied());
                fpcore::mul_add_chain(env, fmt, *acc, terms)
            } else {
                let terms = active
                    .iter()
                    .filter(|&&(k, _, g_finite)| !(g_finite && is_zero(fmt, x_col[k])))
                    .map(|&(k, g, _)| (g, x_col[k]));
                fpcore::mul_add_chain(env, fmt, *acc, terms)
            };
            flags |= r.flags;
            *acc = r.value;
        }
        flags
    }

    /// One row of [`AffineBackward::accumulate_batch`] in a `wide:G` order (no skipping).
    fn accumulate_row_wide(&self, g_row: &[u128], xt_wide: &[u128], dw_row: &mut [u128]) -> Flags {
        let env = &self.env;
        let fmt = &self.fmt;
        let compute = &self.compute;
        let b = g_row.len();
        let mut flags = Flags::NONE;
        let mut g_wide = Vec::with_capacity(b);
        flags |= convert_all(env, fmt, compute, g_row, &mut g_wide);
        for (j, acc) in dw_row.iter_mut().enumerate() {
            for (&g, &x) in g_wide.iter().zip(&xt_wide[j * b..(j + 1) * b]) {
                let p = fpcore::mul(env, compute, g, x);
                let d = fpcore::convert(env, compute, fmt, p.value);
                let s = fpcore::add(env, fmt, *acc, d.value);
                flags |= p.flags | d.flags | s.flags;
                *acc = s.value;
            }
        }
        flags
    }
}
