//! Compatibility re-exports for code written against the former `fpx` library: the oracle
//! protocol, its runs, the generator, the golden corpus and the utilities live in the
//! `fporacle` crate now; new code uses it directly. The `fpx` binary does not use this library.

#![forbid(unsafe_code)]

pub use fpcore;
pub use fporacle::{gen, golden, lines, oracle, protocol};

/// The former `fpx::util`: the expression evaluator and the value display.
pub mod util {
    pub use fporacle::expr::*;
    pub use fporacle::show::*;
}
