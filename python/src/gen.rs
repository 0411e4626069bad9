//! `fpx gen`'s test vectors as operand lists, in the order `fpx gen` writes its lines: every
//! tuple of edge values (three-operand operations at level 1 take every third `c`), then
//! the seeded random cases.

use fpcore::Format;
use fporacle::gen::{edge_values, random_operand, GenOptions, SplitMix};

/// The operand columns of `fpx gen` for an operation of `arity` operands in `fmt`.
pub fn cases(fmt: &Format, arity: usize, options: &GenOptions) -> Vec<Vec<u128>> {
    let edges = edge_values(fmt, options.level);
    let mut columns: Vec<Vec<u128>> = vec![Vec::new(); arity];
    let mut push = |operands: &[u128]| {
        for (column, v) in columns.iter_mut().zip(operands) {
            column.push(*v);
        }
    };
    match arity {
        1 => edges.iter().for_each(|a| push(&[*a])),
        2 => edges.iter().for_each(|a| edges.iter().for_each(|b| push(&[*a, *b]))),
        _ => {
            let step = if options.level >= 2 { 1 } else { 3 };
            for a in &edges {
                for b in &edges {
                    edges.iter().step_by(step).for_each(|c| push(&[*a, *b, *c]));
                }
            }
        }
    }
    let count = options.count.unwrap_or(if options.level >= 2 { 10_000 } else { 1000 });
    let mut rng = SplitMix::new(options.seed);
    let mut operands = Vec::with_capacity(arity);
    for _ in 0..count {
        operands.clear();
        operands.extend((0..arity).map(|_| random_operand(fmt, &mut rng)));
        push(&operands);
    }
    columns
}
