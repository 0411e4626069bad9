//! The cases of one chunk as columns (one per operand), and their evaluation in one call:
//! [`eval_columns`] is the only place the chunked runs compute, so a slice kernel replaces
//! the per-element loop there and nowhere else.

use fpcore::{Env, Flags, Format, Op};

/// The operands of a block of cases, one column per operand (only the first
/// [`Op::arity`] are used).
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// Operand `k` of every case, case by case.
    pub operands: [Vec<u128>; 3],
    /// The result of every case (filled by [`eval_columns`]).
    pub results: Vec<u128>,
    /// The flags of every case (filled by [`eval_columns`]).
    pub flags: Vec<Flags>,
}

impl Columns {
    /// Empties every column, keeping the memory.
    pub fn clear(&mut self) {
        for column in &mut self.operands {
            column.clear();
        }
        self.results.clear();
        self.flags.clear();
    }

    /// Keeps the operands of the first `n` cases.
    pub fn truncate(&mut self, n: usize) {
        for column in &mut self.operands {
            column.truncate(n);
        }
    }

    /// The number of cases (the length of the first operand column).
    pub fn len(&self) -> usize {
        self.operands[0].len()
    }

    /// Whether there is no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Evaluates `op` on every case of `columns` (operands of `fmt`) and fills the result and
/// flag columns, case by case exactly as [`Op::eval`] computes one case.
///
/// # Panics
///
/// When the used operand columns differ in length.
pub fn eval_columns(op: &Op, env: &Env, fmt: &Format, columns: &mut Columns) {
    let n = columns.len();
    let [a, b, c] = &columns.operands;
    let arity = op.arity();
    assert!(
        (arity < 2 || b.len() == n) && (arity < 3 || c.len() == n),
        "operand columns of one length"
    );
    columns.results.clear();
    columns.flags.clear();
    columns.results.reserve(n);
    columns.flags.reserve(n);
    for i in 0..n {
        let r = match arity {
            1 => op.eval(env, fmt, &[a[i]]),
            2 => op.eval(env, fmt, &[a[i], b[i]]),
            _ => op.eval(env, fmt, &[a[i], b[i], c[i]]),
        };
        columns.results.push(r.value);
        columns.flags.push(r.flags);
    }
}
