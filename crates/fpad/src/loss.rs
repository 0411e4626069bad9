//! The output gradient phi'(f(x)) (docs/semantics.md §5): a constant seed vector, the derivative of a
//! loss phi at the network's output y, or a rule of y alone (y, y ⊖ c, a table), each with its
//! exact sequence of rounded operations.
//!
//! All values are in the output node's format F; ⊕ ⊖ ⊗ ⊘ are rounded in F.

use fpcore::act::exp;
use fpcore::{Ctx, Env, Format, Rounded};
use fpnet::reduce::sum_left_to_right;

use crate::error::AdError;

/// A loss whose derivative at the output is the output gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// `sum`: phi(y) = Σ_i y_i. phi'(y)_i = 1 (a seed of ones). The default.
    Sum,
    /// `mse`: phi(y) = Σ_i (y_i - t_i)² against a target t (no division by the width).
    /// phi'(y)_i = 2 ⊗ (y_i ⊖ t_i).
    Mse,
    /// `softmax-xent`: phi(y) = -Σ_i t_i log(softmax(y)_i) against a target distribution t.
    /// phi'(y)_i = p_i ⊖ t_i with p = softmax(y), by the composite sequence of
    /// [`softmax_xent_gradient`].
    SoftmaxXent,
}

impl Loss {
    /// Every loss, in the order of their names.
    pub const ALL: [Loss; 3] = [Loss::Sum, Loss::Mse, Loss::SoftmaxXent];

    /// The name on the command line: `sum`, `mse`, `softmax-xent`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Sum => "sum",
            Loss::Mse => "mse",
            Loss::SoftmaxXent => "softmax-xent",
        }
    }

    /// Parses [`Loss::name`]'s spellings.
    pub fn parse(name: &str) -> Option<Loss> {
        Loss::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Whether the loss compares the output with a target.
    pub fn needs_target(self) -> bool {
        !matches!(self, Loss::Sum)
    }
}

/// How the output gradient phi'(f(x)) of each sample is obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputGradient {
    /// A constant row vector, one encoding per output entry in the output format.
    Seed(Vec<u128>),
    /// The derivative of a loss at the output.
    Loss(Loss),
    /// phi'(y)_i = y_i, the derivative of phi(y) = Σ_i y_i² / 2 (no operation, exact).
    Identity,
    /// phi'(y)_i = y_i ⊖ c_i, the derivative of phi(y) = Σ_i (y_i - c_i)² / 2: one subtraction
    /// per entry, rounded in the output format. One value c_i per output.
    Shift(Vec<u128>),
    /// phi'(y)_i = the value the table lists for y_i (pairs `(y, phi'(y))` of encodings, matched
    /// bit for bit; +0 and -0 are different keys). A y_i that is not in the table is an error.
    Table(Vec<(u128, u128)>),
}

impl OutputGradient {
    /// Whether each sample needs a target vector.
    pub fn needs_target(&self) -> bool {
        match self {
            OutputGradient::Loss(loss) => loss.needs_target(),
            _ => false,
        }
    }

    /// Checks a seed or the shift constants against the output's width and format, and a
    /// table's encodings.
    ///
    /// # Errors
    ///
    /// [`AdError::Seed`] when a seed (or a shift) has the wrong length or an encoding too wide.
    pub fn check(&self, fmt: &Format, width: usize) -> Result<(), AdError> {
        match self {
            OutputGradient::Seed(values) | OutputGradient::Shift(values) => {
                if values.len() != width {
                    return Err(AdError::Seed(format!(
                        "expected {width} values (one per output), got {}",
                        values.len()
                    )));
                }
                check_encodings(fmt, values).map_err(AdError::Seed)?;
            }
            OutputGradient::Table(pairs) => {
                let flat: Vec<u128> = pairs.iter().flat_map(|&(y, d)| [y, d]).collect();
                check_encodings(fmt, &flat).map_err(AdError::Seed)?;
            }
            OutputGradient::Loss(_) | OutputGradient::Identity => {}
        }
        Ok(())
    }

    /// phi'(y) for the output `y` (and the target `t` where the loss needs one), with the
    /// flags of its operations.
    ///
    /// # Errors
    ///
    /// [`AdError::Seed`] for a seed that does not fit; [`AdError::Target`] when a target is
    /// missing, has the wrong length or an encoding too wide.
    pub fn eval(
        &self,
        env: &Env,
        fmt: &Format,
        y: &[u128],
        target: Option<&[u128]>,
    ) -> Result<Rounded<Vec<u128>>, AdError> {
        let loss = match self {
            OutputGradient::Seed(seed) => {
                self.check(fmt, y.len())?;
                return Ok(Rounded::exact(seed.clone()));
            }
            OutputGradient::Identity => return Ok(Rounded::exact(y.to_vec())),
            OutputGradient::Shift(c) => {
                self.check(fmt, y.len())?;
                return Ok(shift_gradient(env, fmt, y, c));
            }
            OutputGradient::Table(pairs) => {
                self.check(fmt, y.len())?;
                return table_gradient(fmt, pairs, y).map(Rounded::exact);
            }
            OutputGradient::Loss(loss) => *loss,
        };
        if loss == Loss::Sum {
            return Ok(ones(env, fmt, y.len()));
        }
        let Some(t) = target else {
            return Err(AdError::Target(format!("the {} loss needs a target", loss.name())));
        };
        if t.len() != y.len() {
            return Err(AdError::Target(format!(
                "expected {} values (one per output), got {}",
                y.len(),
                t.len()
            )));
        }
        check_encodings(fmt, t).map_err(AdError::Target)?;
        Ok(match loss {
            Loss::Mse => mse_gradient(env, fmt, y, t),
            Loss::SoftmaxXent => softmax_xent_gradient(env, fmt, y, t),
            Loss::Sum => unreachable!("handled above"),
        })
    }
}

fn check_encodings(fmt: &Format, values: &[u128]) -> Result<(), String> {
    match values.iter().position(|&v| v & !fmt.mask() != 0) {
        Some(k) => Err(format!(
            "value {} ({:#x}) is not an encoding of the {}-bit format {fmt}",
            k + 1,
            values[k],
            fmt.bits()
        )),
        None => Ok(()),
    }
}

/// The seed of the `sum` loss: `width` ones (1 rounded to F; exact in every format that holds 1).
pub fn ones(env: &Env, fmt: &Format, width: usize) -> Rounded<Vec<u128>> {
    let one = fpcore::from_u64(env, fmt, 1);
    Rounded::new(vec![one.value; width], one.flags)
}

/// phi'(y)_i = y_i ⊖ c_i, one rounded subtraction per entry.
///
/// # Panics
///
/// When `y` and `c` have different lengths.
pub fn shift_gradient(env: &Env, fmt: &Format, y: &[u128], c: &[u128]) -> Rounded<Vec<u128>> {
    assert_eq!(y.len(), c.len(), "one constant per output");
    let mut ctx = Ctx::new(*env, *fmt);
    let out = y.iter().zip(c).map(|(&y_i, &c_i)| ctx.sub(y_i, c_i)).collect();
    Rounded::new(out, ctx.flags)
}

/// phi'(y)_i looked up in a table of `(y, phi'(y))` pairs (the first pair whose key has y_i's
/// bits).
fn table_gradient(fmt: &Format, pairs: &[(u128, u128)], y: &[u128]) -> Result<Vec<u128>, AdError> {
    y.iter()
        .enumerate()
        .map(|(i, &y_i)| {
            pairs.iter().find(|&&(key, _)| key == y_i).map(|&(_, d)| d).ok_or_else(|| {
                AdError::Target(format!(
                    "the phi' table has no entry for output {} = {}",
                    i + 1,
                    fpcore::text::bits::format_bits(fmt, y_i)
                ))
            })
        })
        .collect()
}

/// The output gradient of the `mse` loss phi(y) = Σ_i (y_i - t_i)²: its real derivative is
/// 2 (y_i - t_i).
///
/// # Evaluation order
///
/// For i = 1..d: d_i = y_i ⊖ t_i; phi'_i = 2 ⊗ d_i (2 first; exact unless it overflows).
///
/// # Panics
///
/// When `y` and `t` have different lengths.
pub fn mse_gradient(env: &Env, fmt: &Format, y: &[u128], t: &[u128]) -> Rounded<Vec<u128>> {
    assert_eq!(y.len(), t.len(), "one target per output");
    let mut ctx = Ctx::new(*env, *fmt);
    let two = ctx.take(fpcore::from_u64(env, fmt, 2));
    let mut out = Vec::with_capacity(y.len());
    for (&y_i, &t_i) in y.iter().zip(t) {
        let d_i = ctx.sub(y_i, t_i);
        out.push(ctx.mul(two, d_i));
    }
    Rounded::new(out, ctx.flags)
}

/// The output gradient of softmax cross-entropy phi(y) = -Σ_i t_i log(softmax(y)_i), by the
/// framework's composite formula p - t. Its real derivative is p_i·Σ_k t_k - t_i, which is
/// p_i - t_i for a target distribution (Σ t = 1); the formula below is p - t for any t, as
/// PyTorch and TensorFlow compute it.
///
/// # Evaluation order
///
/// 1. m = maximum(…maximum(maximum(y_1, y_2), y_3)…, y_d) (IEEE 754-2019 maximum, left to
///    right: exact, NaN if any y_i is NaN, +0 above -0).
/// 2. For i = 1..d: s_i = y_i ⊖ m; e_i = exp(s_i), correctly rounded (`fpcore::act::exp`).
/// 3. S = ((+0 ⊕ e_1) ⊕ e_2) ⊕ … ⊕ e_d (docs/semantics.md §4).
/// 4. For i = 1..d: p_i = e_i ⊘ S; phi'_i = p_i ⊖ t_i.
///
/// # Panics
///
/// When `y` and `t` have different lengths.
pub fn softmax_xent_gradient(
    env: &Env,
    fmt: &Format,
    y: &[u128],
    t: &[u128],
) -> Rounded<Vec<u128>> {
    assert_eq!(y.len(), t.len(), "one target per output");
    let mut ctx = Ctx::new(*env, *fmt);
    let Some((&first, rest)) = y.split_first() else {
        return Rounded::exact(Vec::new());
    };
    let mut m = first;
    for &y_i in rest {
        m = ctx.take(fpcore::maximum(env, fmt, m, y_i));
    }
    let mut e = Vec::with_capacity(y.len());
    for &y_i in y {
        let s_i = ctx.sub(y_i, m);
        e.push(ctx.take(exp(env, fmt, s_i)));
    }
    let sum = ctx.take(sum_left_to_right(env, fmt, &e));
    let mut out = Vec::with_capacity(y.len());
    for (&e_i, &t_i) in e.iter().zip(t) {
        let p_i = ctx.div(e_i, sum);
        out.push(ctx.sub(p_i, t_i));
    }
    Rounded::new(out, ctx.flags)
}
