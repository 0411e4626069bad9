//! Every accumulation order of an affine layer, named (docs/semantics.md §4), and the layer kernel that
//! applies one to a whole weight matrix.
//!
//! Notation: F is the layer's format; for output row i of a layer with n inputs,
//! t_j = w_ij ⊗ x_j (j = 1..n) are the products rounded in F, b_i the bias; ⊕ ⊗ are rounded in F
//! unless subscripted with another format; fma(a, b, c) is a·b + c rounded once;
//! cvt_G(v) is the conversion of v to the format G (one rounding). Indices ascend.
//! Every reduction here is a plain loop in the written direction, one fpcore call per rounding.
//! Each rounding's flags are ORed into a local with `|=`. NOTE: not through `fpcore::Ctx`,
//! whose operations are calls across the crate boundary (the release profile has no LTO): one
//! more call per product in the layer kernels, while `|=` is inlined.

use std::borrow::Cow;

use fpcore::{ChainMatrix, ChainScratch, ChainSteps, Env, Flags, Format, Rounded};

/// How an affine layer accumulates `W ⊗ x ⊕ b` (docs/semantics.md §4). The default is
/// [`Order::Sequential`], the paper's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// `sequential`: products accumulated left to right from +0, bias last
    /// (see [`dot_sequential`]).
    #[default]
    Sequential,
    /// `fma`: a chain of fused multiply-adds from +0, bias last (see [`dot_fma`]).
    Fma,
    /// `pairwise`: products summed in a balanced binary tree, bias last (see [`dot_pairwise`]).
    Pairwise,
    /// `blocked:K`: sequential partial sums of K products each, summed sequentially, bias last
    /// (see [`dot_blocked`]). K >= 1.
    Blocked(usize),
    /// `wide:FMT`: products and sums in the wider format FMT, bias added in FMT, one final
    /// conversion to the layer's format (see [`dot_wide`]).
    Wide(Format),
}

impl Order {
    /// Parses `sequential`, `fma`, `pairwise`, `blocked:K` (K a decimal integer >= 1) or
    /// `wide:FMT` (FMT any format name fpcore parses).
    ///
    /// # Errors
    ///
    /// A message saying what is accepted.
    pub fn parse(text: &str) -> Result<Order, String> {
        let expected = "expected sequential, fma, pairwise, blocked:K or wide:FMT";
        match text {
            "sequential" => return Ok(Order::Sequential),
            "fma" => return Ok(Order::Fma),
            "pairwise" => return Ok(Order::Pairwise),
            _ => {}
        }
        if let Some(k) = text.strip_prefix("blocked:") {
            let k = k
                .parse::<usize>()
                .ok()
                .filter(|k| (1..=crate::limits::MAX_WIDTH).contains(k))
                .ok_or_else(|| {
                    format!(
                        "block width in '{text}' must be an integer in 1..={}",
                        crate::limits::MAX_WIDTH
                    )
                })?;
            return Ok(Order::Blocked(k));
        }
        if let Some(name) = text.strip_prefix("wide:") {
            let fmt = Format::parse(name).map_err(|e| format!("'{text}': {e}"))?;
            return Ok(Order::Wide(fmt));
        }
        Err(format!("unknown order '{text}' ({expected})"))
    }

    /// The name [`Order::parse`] reads back (`blocked:16`, `wide:binary32`).
    pub fn name(&self) -> String {
        match self {
            Order::Sequential => "sequential".to_string(),
            Order::Fma => "fma".to_string(),
            Order::Pairwise => "pairwise".to_string(),
            Order::Blocked(k) => format!("blocked:{k}"),
            Order::Wide(fmt) => format!("wide:{}", fmt.name()),
        }
    }
}

/// A sum from +0, left to right: `((+0 ⊕ v_1) ⊕ v_2) ⊕ … ⊕ v_n` (docs/semantics.md §4).
///
/// # Evaluation order
///
/// s_0 = +0; s_k = s_(k-1) ⊕ v_k for k = 1..n; the result is s_n (+0 for n = 0).
pub fn sum_left_to_right(env: &Env, fmt: &Format, terms: &[u128]) -> Rounded<u128> {
    let mut flags = Flags::NONE;
    let mut acc = fmt.zero(false);
    for &v in terms {
        let s = fpcore::add(env, fmt, acc, v);
        flags |= s.flags;
        acc = s.value;
    }
    Rounded::new(acc, flags)
}

/// One output of a layer in the default order: products accumulated left to right from +0,
/// bias last (docs/semantics.md §4, the paper's T(x) = W ⊗ x ⊕ b).
///
/// # Evaluation order
///
/// y = ((((+0 ⊕ w_1⊗x_1) ⊕ w_2⊗x_2) ⊕ … ⊕ w_n⊗x_n) ⊕ b); each product is rounded in F before
/// it is added. Since the sum starts from +0 it is never -0, so a -0 product leaves it as it is.
///
/// # Panics
///
/// When `w` and `x` have different lengths.
pub fn dot_sequential(env: &Env, fmt: &Format, w: &[u128], x: &[u128], b: u128) -> Rounded<u128> {
    assert_eq!(w.len(), x.len(), "a row of weights and the input have the same length");
    let mut flags = Flags::NONE;
    let mut acc = fmt.zero(false);
    for (&w_j, &x_j) in w.iter().zip(x) {
        let t_j = fpcore::mul(env, fmt, w_j, x_j);
        let s = fpcore::add(env, fmt, acc, t_j.value);
        flags |= t_j.flags | s.flags;
        acc = s.value;
    }
    let y = fpcore::add(env, fmt, acc, b);
    Rounded::new(y.value, flags | y.flags)
}

/// One output of a layer as a chain of fused multiply-adds, bias last.
///
/// # Evaluation order
///
/// a_0 = +0; a_j = fma(w_j, x_j, a_(j-1)) for j = 1..n (w_j·x_j + a_(j-1) rounded once);
/// y = a_n ⊕ b.
///
/// # Panics
///
/// When `w` and `x` have different lengths.
pub fn dot_fma(env: &Env, fmt: &Format, w: &[u128], x: &[u128], b: u128) -> Rounded<u128> {
    assert_eq!(w.len(), x.len(), "a row of weights and the input have the same length");
    let mut flags = Flags::NONE;
    let mut acc = fmt.zero(false);
    for (&w_j, &x_j) in w.iter().zip(x) {
        let a = fpcore::fma(env, fmt, w_j, x_j, acc);
        flags |= a.flags;
        acc = a.value;
    }
    let y = fpcore::add(env, fmt, acc, b);
    Rounded::new(y.value, flags | y.flags)
}

/// One output of a layer with the products summed in a balanced binary tree, bias last.
///
/// # Evaluation order
///
/// The products t_1..t_n (each w_j ⊗ x_j) are summed level by level: at each level, adjacent
/// pairs are added, (s_1 ⊕ s_2), (s_3 ⊕ s_4), …, and when the level has an odd count its last
/// element moves up unchanged; levels repeat until one value P remains. Equivalently, for
/// n >= 2, P(t_1..t_n) = P(t_1..t_m) ⊕ P(t_(m+1)..t_n) with m the largest power of two below n;
/// P(t_1) = t_1. Then y = P ⊕ b; with n = 0, y = +0 ⊕ b. Example, n = 5:
/// y = (((t_1 ⊕ t_2) ⊕ (t_3 ⊕ t_4)) ⊕ t_5) ⊕ b. Unlike the sequential order no +0 starts the
/// sum, so P can be -0 (when every product is -0).
///
/// `scratch` is working space (its contents are replaced).
///
/// # Panics
///
/// When `w` and `x` have different lengths.
pub fn dot_pairwise(
    env: &Env,
    fmt: &Format,
    w: &[u128],
    x: &[u128],
    b: u128,
    scratch: &mut Vec<u128>,
) -> Rounded<u128> {
    assert_eq!(w.len(), x.len(), "a row of weights and the input have the same length");
    let mut flags = Flags::NONE;
    scratch.clear();
    for (&w_j, &x_j) in w.iter().zip(x) {
        let t_j = fpcore::mul(env, fmt, w_j, x_j);
        flags |= t_j.flags;
        scratch.push(t_j.value);
    }
    let mut len = scratch.len();
    while len > 1 {
        let pairs = len / 2;
        for k in 0..pairs {
            let s = fpcore::add(env, fmt, scratch[2 * k], scratch[2 * k + 1]);
            flags |= s.flags;
            scratch[k] = s.value;
        }
        if len % 2 == 1 {
            scratch[pairs] = scratch[len - 1];
        }
        len = pairs + len % 2;
    }
    let p = scratch.first().copied().unwrap_or_else(|| fmt.zero(false));
    let y = fpcore::add(env, fmt, p, b);
    Rounded::new(y.value, flags | y.flags)
}

/// One output of a layer with blocked partial sums of width `k`, bias last.
///
/// # Evaluation order
///
/// The products t_1..t_n (each w_j ⊗ x_j) are cut into R = ceil(n/k) blocks of k consecutive
/// products (the last may be shorter). Block r is summed from +0:
/// S_r = ((+0 ⊕ t_((r-1)k+1)) ⊕ t_((r-1)k+2)) ⊕ … ⊕ t_(min(rk, n)); the block sums are summed
/// from +0: T = ((+0 ⊕ S_1) ⊕ S_2) ⊕ … ⊕ S_R; y = T ⊕ b. With k >= n this is
/// [`dot_sequential`]; so is k = 1.
///
/// # Panics
///
/// When `w` and `x` have different lengths or `k` is 0.
pub fn dot_blocked(
    env: &Env,
    fmt: &Format,
    k: usize,
    w: &[u128],
    x: &[u128],
    b: u128,
) -> Rounded<u128> {
    assert_eq!(w.len(), x.len(), "a row of weights and the input have the same length");
    assert!(k >= 1, "a block holds at least one product");
    let mut flags = Flags::NONE;
    let mut total = fmt.zero(false);
    for (w_block, x_block) in w.chunks(k).zip(x.chunks(k)) {
        let mut block = fmt.zero(false);
        for (&w_j, &x_j) in w_block.iter().zip(x_block) {
            let t_j = fpcore::mul(env, fmt, w_j, x_j);
            let s = fpcore::add(env, fmt, block, t_j.value);
            flags |= t_j.flags | s.flags;
            block = s.value;
        }
        let s = fpcore::add(env, fmt, total, block);
        flags |= s.flags;
        total = s.value;
    }
    let y = fpcore::add(env, fmt, total, b);
    Rounded::new(y.value, flags | y.flags)
}

/// One output of a layer accumulated in a wider format G, rounded once to the layer's format F
/// (mixed precision, e.g. e4m3fn weights with binary32 accumulation). The operands are given
/// already converted to G.
///
/// # Evaluation order
///
/// With w'_j = cvt_G(w_j), x'_j = cvt_G(x_j) and b' = cvt_G(b) (conversions done by the caller,
/// each one rounding in G, exact whenever G contains F; none at all when G = F):
/// A = ((+0 ⊕_G w'_1⊗_G x'_1) ⊕_G w'_2⊗_G x'_2) ⊕_G … ⊕_G w'_n⊗_G x'_n, then the bias is added in
/// G, and the only rounding to F is the last step: y = cvt_F(A ⊕_G b'). With G = F this is
/// [`dot_sequential`] (the final conversion is then skipped).
///
/// # Panics
///
/// When `w` and `x` have different lengths.
pub fn dot_wide(
    env: &Env,
    fmt: &Format,
    wide: &Format,
    w: &[u128],
    x: &[u128],
    b: u128,
) -> Rounded<u128> {
    let acc = dot_sequential(env, wide, w, x, b);
    if wide == fmt {
        return acc;
    }
    let y = fpcore::convert(env, wide, fmt, acc.value);
    Rounded::new(y.value, acc.flags | y.flags)
}

/// Converts every element of `values` from `src` to `dst` into `out` (one rounding each; a copy
/// when the formats are equal) and returns the flags raised.
pub fn convert_all(
    env: &Env,
    src: &Format,
    dst: &Format,
    values: &[u128],
    out: &mut Vec<u128>,
) -> Flags {
    out.clear();
    if src == dst {
        out.extend_from_slice(values);
        return Flags::NONE;
    }
    let mut flags = Flags::NONE;
    for &v in values {
        let r = fpcore::convert(env, src, dst, v);
        flags |= r.flags;
        out.push(r.value);
    }
    flags
}

/// Zero/finite classes of a vector's entries.
fn classify(fmt: &Format, values: &[u128], zero: &mut Vec<bool>) -> bool {
    zero.clear();
    let mut all_finite = true;
    for &v in values {
        let u = fmt.unpack(v);
        zero.push(u.is_zero());
        all_finite &= !u.is_nan() && !u.is_inf();
    }
    all_finite
}

/// The nonzero weights of each row (compressed sparse rows), for layers whose weights are
/// mostly zeros, such as the block-diagonal layers of a parallel sum.
#[derive(Clone, Debug)]
struct SparseRows {
    /// Row r's entries are `start[r]..start[r + 1]`.
    start: Vec<usize>,
    /// Column of each nonzero weight.
    cols: Vec<usize>,
    /// The nonzero weights.
    values: Vec<u128>,
}

/// How a layer may skip exactly-zero terms (see [`AffineKernel`] for why this is exact).
#[derive(Clone, Debug)]
enum Skip {
    /// Never skip: fma, pairwise and blocked orders, or weights with an infinity or NaN.
    Never,
    /// Weights all finite and mostly nonzero: skip the columns where the input is ±0.
    ZeroInputs,
    /// Weights all finite and mostly zero: visit the nonzero weights only, and skip the columns
    /// where the input is ±0.
    Sparse(SparseRows),
}

/// An affine layer ready to run: its weights (row-major, `rows × cols`) and bias, in the format
/// its order computes in (the layer's, or G for `wide:G`, converted once here).
///
/// [`AffineKernel::apply`] gives, bit for bit and flag for flag, the results of
/// [`dot_sequential`], [`dot_fma`], [`dot_pairwise`], [`dot_blocked`] or [`dot_wide`] row by
/// row. In the sequential and wide orders, when every weight and every input entry is finite,
/// it skips the terms `w_j ⊗ x_j` with `w_j = ±0` or `x_j = ±0`. This makes ReLU layers (about
/// half of whose inputs are +0) and the sparse layers of the paper's constructions cheaper,
/// and provably changes neither bits nor flags (docs/semantics.md §2, §4):
/// - the product of ±0 and a finite value is ±0 exactly, with no flag;
/// - the accumulator starts at +0 and is afterwards always the result of an fpcore addition of
///   two values of the format, so it is never -0: an exact zero sum is +0, -0 needs both
///   addends -0, and a nonzero sum is a nonzero multiple of the smallest subnormal, which
///   never rounds to zero; nor is it ever a signaling NaN;
/// - so `acc ⊕ ±0 = acc` with no flag: +0 ⊕ ±0 = +0, a nonzero finite or infinite `acc` passes
///   through exactly, and a quiet NaN `acc` is returned as it is under every NaN policy (being
///   an fpcore result, it already is the policy's NaN).
///
/// In the sequential, wide and fma orders the rows run on [`fpcore::ChainMatrix`] whenever it
/// accepts the input (binary32, bfloat16 or binary16 with finite operands of moderate size, in
/// an IEEE environment, with the host in its default floating-point state): the same chains
/// and bias steps, bit for bit and flag for flag.
///
/// The fma order never skips: an fma can round a tiny nonzero value to -0, and then
/// `fma(w, ±0, -0)` is not always -0. The pairwise and blocked orders never skip either (their
/// partial sums can start from a -0 product).
#[derive(Clone, Debug)]
pub struct AffineKernel<'a> {
    env: Env,
    fmt: Format,
    order: Order,
    rows: usize,
    cols: usize,
    weights: Cow<'a, [u128]>,
    bias: Cow<'a, [u128]>,
    /// Flags of converting each row's weights and bias to the wide format.
    row_flags: Vec<Flags>,
    skip: Skip,
    /// The weights on fpcore's host kernel of sequential chains (sequential, wide and fma
    /// orders computing in binary32, bfloat16 or binary16, with finite weights).
    host: Option<ChainMatrix>,
}

/// Working space of [`AffineKernel::apply`], reused across calls.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    terms: Vec<u128>,
    converted: Vec<u128>,
    zero: Vec<bool>,
    active: Vec<usize>,
    host: ChainScratch,
}

/// The sequential accumulation from +0 of the listed terms, by products and sums or by fma
/// (the order of [`dot_sequential`] and [`dot_fma`] without the bias).
#[inline]
fn accumulate(
    env: &Env,
    fmt: &Format,
    fused: bool,
    terms: impl Iterator<Item = (u128, u128)>,
    flags: &mut Flags,
) -> u128 {
    if !fused {
        // The chain acc ⊕ (w ⊗ x) of dot_sequential, as one fpcore call (its kernel is exact,
        // and identical to the product-then-sum loop bit for bit).
        let chain = fpcore::mul_add_chain(env, fmt, fmt.zero(false), terms);
        *flags |= chain.flags;
        return chain.value;
    }
    let mut acc = fmt.zero(false);
    for (w_j, x_j) in terms {
        let a = fpcore::fma(env, fmt, w_j, x_j, acc);
        *flags |= a.flags;
        acc = a.value;
    }
    acc
}

impl<'a> AffineKernel<'a> {
    /// Prepares a layer of format `fmt`: `weights` has `rows × cols` entries, row-major, and
    /// `bias` has `rows`, all encoded in `fmt`.
    ///
    /// # Panics
    ///
    /// When the lengths do not match `rows` and `cols` (a validated [`crate::Graph`] never
    /// does), or a `blocked:0` order.
    pub fn new(
        env: &Env,
        fmt: &Format,
        order: Order,
        rows: usize,
        cols: usize,
        weights: &'a [u128],
        bias: &'a [u128],
    ) -> AffineKernel<'a> {
        assert_eq!(Some(weights.len()), rows.checked_mul(cols), "weights hold rows × cols");
        assert_eq!(bias.len(), rows, "one bias per row");
        assert!(order != Order::Blocked(0), "blocks hold at least one product");
        let (weights, bias, row_flags) = match order {
            Order::Wide(wide) if wide != *fmt => {
                let mut row_flags = vec![Flags::NONE; rows];
                let mut w_wide = Vec::with_capacity(weights.len());
                let mut b_wide = Vec::with_capacity(rows);
                let mut row_wide = Vec::with_capacity(cols);
                for (row, (&b, flags)) in bias.iter().zip(row_flags.iter_mut()).enumerate() {
                    let row_weights = &weights[row * cols..(row + 1) * cols];
                    *flags |= convert_all(env, fmt, &wide, row_weights, &mut row_wide);
                    w_wide.extend_from_slice(&row_wide);
                    let b = fpcore::convert(env, fmt, &wide, b);
                    *flags |= b.flags;
                    b_wide.push(b.value);
                }
                (Cow::Owned(w_wide), Cow::Owned(b_wide), row_flags)
            }
            _ => (Cow::Borrowed(weights), Cow::Borrowed(bias), vec![Flags::NONE; rows]),
        };
        let compute = match order {
            Order::Wide(wide) => wide,
            _ => *fmt,
        };
        let skip = match order {
            Order::Fma | Order::Pairwise | Order::Blocked(_) => Skip::Never,
            Order::Sequential | Order::Wide(_) => {
                let mut zero = Vec::new();
                let finite = classify(&compute, &weights, &mut zero);
                let n_zero = zero.iter().filter(|z| **z).count();
                if !finite {
                    Skip::Never
                } else if n_zero * 2 > weights.len() {
                    let mut sparse =
                        SparseRows { start: vec![0], cols: Vec::new(), values: Vec::new() };
                    for row in 0..rows {
                        for col in 0..cols {
                            let k = row * cols + col;
                            if !zero[k] {
                                sparse.cols.push(col);
                                sparse.values.push(weights[k]);
                            }
                        }
                        sparse.start.push(sparse.cols.len());
                    }
                    Skip::Sparse(sparse)
                } else {
                    Skip::ZeroInputs
                }
            }
        };
        let host = match order {
            Order::Sequential | Order::Wide(_) => {
                ChainMatrix::new(&compute, ChainSteps::MulAdd, rows, cols, &weights)
            }
            Order::Fma => ChainMatrix::new(&compute, ChainSteps::Fma, rows, cols, &weights),
            Order::Pairwise | Order::Blocked(_) => None,
        };
        AffineKernel {
            env: *env,
            fmt: *fmt,
            order,
            rows,
            cols,
            weights,
            bias,
            row_flags,
            skip,
            host,
        }
    }

    /// Number of outputs.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of inputs.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Computes `y = W ⊗ x ⊕ b` in the layer's order, one output row at a time in increasing
    /// row order, writing `rows` values into `out` (replacing its contents). `x` is encoded in
    /// the layer's format. Returns the flags raised by every operation of the layer.
    ///
    /// # Panics
    ///
    /// When `x.len()` differs from the number of columns.
    pub fn apply(&self, x: &[u128], out: &mut Vec<u128>, scratch: &mut Scratch) -> Flags {
        assert_eq!(x.len(), self.cols, "the input has one entry per column");
        let env = &self.env;
        let fmt = &self.fmt;
        let mut flags = Flags::NONE;
        out.clear();
        let (x, compute) = match self.order {
            Order::Wide(wide) if wide != *fmt => {
                flags |= convert_all(env, fmt, &wide, x, &mut scratch.converted);
                (scratch.converted.as_slice(), wide)
            }
            _ => (x, *fmt),
        };
        if let Some(host) = &self.host {
            // The same chains and bias steps (`add(mul_add_chain(+0, …), b)` per row, or the
            // fma chain of `dot_fma`), when fpcore's host kernel applies to this input.
            if let Some(f) =
                host.mul_add_rows(env, x, None, Some(&self.bias), out, &mut scratch.host)
            {
                flags |= f;
                if compute != *fmt {
                    for (y, row_flags) in out.iter_mut().zip(&self.row_flags) {
                        let r = fpcore::convert(env, &compute, fmt, *y);
                        flags |= *row_flags | r.flags;
                        *y = r.value;
                    }
                }
                return flags;
            }
        }
        let skip = match &self.skip {
            Skip::Never => &Skip::Never,
            other => {
                if classify(&compute, x, &mut scratch.zero) {
                    other
                } else {
                    &Skip::Never
                }
            }
        };
        if let Skip::ZeroInputs = skip {
            scratch.active.clear();
            scratch
                .active
                .extend(scratch.zero.iter().enumerate().filter(|(_, z)| !**z).map(|(j, _)| j));
        }
        let fused = self.order == Order::Fma;
        for row in 0..self.rows {
            let w = &self.weights[row * self.cols..(row + 1) * self.cols];
            let b = self.bias[row];
            let mut row_flags = self.row_flags[row];
            let y = match (self.order, skip) {
                (Order::Pairwise, _) => dot_pairwise(env, fmt, w, x, b, &mut scratch.terms),
                (Order::Blocked(k), _) => dot_blocked(env, fmt, k, w, x, b),
                (_, skip) => {
                    let acc = match skip {
                        Skip::Never => {
                            let terms = w.iter().copied().zip(x.iter().copied());
                            accumulate(env, &compute, fused, terms, &mut row_flags)
                        }
                        Skip::ZeroInputs => {
                            let terms = scratch.active.iter().map(|&j| (w[j], x[j]));
                            accumulate(env, &compute, fused, terms, &mut row_flags)
                        }
                        Skip::Sparse(sparse) => {
                            let range = sparse.start[row]..sparse.start[row + 1];
                            let zero = &scratch.zero;
                            let terms = sparse.cols[range.clone()]
                                .iter()
                                .zip(&sparse.values[range])
                                .filter(|(j, _)| !zero[**j])
                                .map(|(&j, &w_j)| (w_j, x[j]));
                            accumulate(env, &compute, fused, terms, &mut row_flags)
                        }
                    };
                    let y = fpcore::add(env, &compute, acc, b);
                    if compute == *fmt {
                        y
                    } else {
                        let r = fpcore::convert(env, &compute, fmt, y.value);
                        Rounded::new(r.value, y.flags | r.flags)
                    }
                }
            };
            flags |= row_flags | y.flags;
            out.push(y.value);
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bf16() -> Format {
        Format::BF16
    }

    fn v(fmt: &Format, text: &str) -> u128 {
        fpcore::text::parse_value(&Env::default(), fmt, text).expect("literal").value
    }

    #[test]
    fn order_names_round_trip() {
        for text in ["sequential", "fma", "pairwise", "blocked:1", "blocked:16", "wide:binary32"] {
            let order = Order::parse(text).expect("valid");
            assert_eq!(order.name(), text);
        }
        assert_eq!(Order::parse("wide:f32").expect("alias").name(), "wide:binary32");
        for bad in ["", "seq", "blocked:0", "blocked:-1", "blocked:x", "wide:nope", "Fma"] {
            assert!(Order::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pairwise_tree_shape_matches_the_recursive_definition() {
        // Products of 1 ⊗ x are exact, so the tree is visible only through the additions. With
        // bf16 (p = 8), 256 + 1 + 1 differs by grouping: (256 ⊕ 1) ⊕ 1 = 256, 256 ⊕ (1 ⊕ 1) = 258.
        let f = bf16();
        let env = Env::default();
        let one = v(&f, "1");
        let x: Vec<u128> = ["256", "1", "1"].iter().map(|t| v(&f, t)).collect();
        let w = vec![one; 3];
        let zero = f.zero(false);
        let mut scratch = Vec::new();
        // n = 3: ((t1 ⊕ t2) ⊕ t3) = (256 ⊕ 1) ⊕ 1 = 256.
        let r = dot_pairwise(&env, &f, &w, &x, zero, &mut scratch);
        assert_eq!(r.value, v(&f, "256"));
        // n = 3 reordered so that the pair is (1 ⊕ 1): ((1 ⊕ 1) ⊕ 256) = 258.
        let x2: Vec<u128> = ["1", "1", "256"].iter().map(|t| v(&f, t)).collect();
        assert_eq!(dot_pairwise(&env, &f, &w, &x2, zero, &mut scratch).value, v(&f, "258"));
        // Sequential on the same: ((+0 ⊕ 1) ⊕ 1) ⊕ 256 = 258; on x: 256.
        assert_eq!(dot_sequential(&env, &f, &w, &x2, zero).value, v(&f, "258"));
        assert_eq!(dot_sequential(&env, &f, &w, &x, zero).value, v(&f, "256"));
    }

    #[test]
    fn empty_reductions_are_the_bias_added_to_plus_zero() {
        let f = bf16();
        let env = Env::default();
        let neg_zero = f.zero(true);
        let plus_zero = f.zero(false);
        let mut scratch = Vec::new();
        assert_eq!(dot_sequential(&env, &f, &[], &[], neg_zero).value, plus_zero);
        assert_eq!(dot_fma(&env, &f, &[], &[], neg_zero).value, plus_zero);
        assert_eq!(dot_pairwise(&env, &f, &[], &[], neg_zero, &mut scratch).value, plus_zero);
        assert_eq!(dot_blocked(&env, &f, 3, &[], &[], neg_zero).value, plus_zero);
        assert_eq!(sum_left_to_right(&env, &f, &[]).value, plus_zero);
        // A pairwise sum of a single -0 product keeps it: -0 ⊕ -0 = -0.
        let one = v(&f, "1");
        let r = dot_pairwise(&env, &f, &[one], &[neg_zero], neg_zero, &mut scratch);
        assert_eq!(r.value, neg_zero);
        assert_eq!(dot_sequential(&env, &f, &[one], &[neg_zero], neg_zero).value, plus_zero);
    }

    /// A fixed generator of encodings: mostly small normal values, with zeros of both signs,
    /// infinities, NaNs and subnormals mixed in.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn value(&mut self, fmt: &Format, zeros: u64, specials: bool) -> u128 {
            let r = self.next();
            let bits = u128::from(self.next()) & fmt.mask();
            match r % 100 {
                k if k < zeros => fmt.zero(r & 1 << 20 != 0),
                k if specials && k < zeros + 3 => fmt.inf(r & 1 << 20 != 0).unwrap_or(bits),
                k if specials && k < zeros + 5 => fmt.canonical_nan().unwrap_or(bits),
                k if k < zeros + 8 => bits,
                _ => {
                    // A value near 1: the exponent field close to the bias.
                    let code = (fmt.bias() as u128 + (r >> 8) as u128 % 7).saturating_sub(3);
                    let frac = bits & ((1u128 << fmt.frac_bits()) - 1);
                    (u128::from(r & 1 << 40 != 0) << (fmt.bits() - 1))
                        | (code << fmt.frac_bits())
                        | frac
                }
            }
        }
    }

    #[test]
    fn kernel_equals_the_reference_orders_bit_for_bit() {
        let env = Env::default();
        let mut g = Gen(7);
        let orders = |f: &Format| {
            let _ = f;
            [
                Order::Sequential,
                Order::Fma,
                Order::Pairwise,
                Order::Blocked(3),
                Order::Wide(Format::BINARY32),
                Order::Wide(Format::BINARY16),
            ]
        };
        for name in ["bf16", "binary16", "e4m3fn", "e5m2", "e4m3fnuz", "e2m1fn", "binary32"] {
            let fmt = Format::parse(name).expect("named");
            for case in 0..300 {
                let rows = 1 + (g.next() % 5) as usize;
                let cols = 1 + (g.next() % 9) as usize;
                // Alternate dense weights, mostly-zero weights (the sparse path) and specials.
                let w_zeros = [10, 70, 30][case % 3];
                let specials = case % 4 == 3;
                let w: Vec<u128> = (0..rows * cols)
                    .map(|_| g.value(&fmt, w_zeros, specials && case % 8 == 3))
                    .collect();
                let b: Vec<u128> = (0..rows).map(|_| g.value(&fmt, 20, false)).collect();
                let x: Vec<u128> = (0..cols).map(|_| g.value(&fmt, 50, specials)).collect();
                for order in orders(&fmt) {
                    let kernel = AffineKernel::new(&env, &fmt, order, rows, cols, &w, &b);
                    let mut out = Vec::new();
                    let mut scratch = Scratch::default();
                    let flags = kernel.apply(&x, &mut out, &mut scratch);
                    let mut want_flags = Flags::NONE;
                    let mut terms = Vec::new();
                    let mut xw = Vec::new();
                    for row in 0..rows {
                        let w_row = &w[row * cols..(row + 1) * cols];
                        let r = match order {
                            Order::Sequential => dot_sequential(&env, &fmt, w_row, &x, b[row]),
                            Order::Fma => dot_fma(&env, &fmt, w_row, &x, b[row]),
                            Order::Pairwise => {
                                dot_pairwise(&env, &fmt, w_row, &x, b[row], &mut terms)
                            }
                            Order::Blocked(k) => dot_blocked(&env, &fmt, k, w_row, &x, b[row]),
                            Order::Wide(wide) => {
                                let mut fl = convert_all(&env, &fmt, &wide, &x, &mut xw);
                                let mut ww = Vec::new();
                                fl = fl.union(convert_all(&env, &fmt, &wide, w_row, &mut ww));
                                let bw = fpcore::convert(&env, &fmt, &wide, b[row]);
                                fl = fl.union(bw.flags);
                                let r = dot_wide(&env, &fmt, &wide, &ww, &xw, bw.value);
                                Rounded::new(r.value, r.flags.union(fl))
                            }
                        };
                        want_flags = want_flags.union(r.flags);
                        assert_eq!(
                            out[row],
                            r.value,
                            "{name} {} case {case} row {row}: w={w_row:x?} x={x:x?} b={:x}",
                            order.name(),
                            b[row]
                        );
                    }
                    assert_eq!(flags, want_flags, "{name} {} case {case}", order.name());
                }
            }
        }
    }
}
