//! fporacle: the oracle protocol of `fpx` as a library, over any reader and writer.
//!
//! - [`protocol`]: operation names ([`protocol::Op`]), operand notation and TestFloat's line
//!   layout (`operands... result flags`, flags as one hex byte).
//! - [`oracle`]: `batch` (compute results line by line) and `verify` (check expected results,
//!   count passes and failures), and their runs one line at a time.
//! - [`chunked`]: the runs that `batch` and `verify` use: blocks of lines across threads,
//!   output in input order, identical to the runs one line at a time.
//! - [`columns`]: the cases of a block as operand columns, evaluated in one call.
//! - [`wire`]: fields at the byte level (split, bit patterns, flag bytes) without allocating.
//! - [`gen`]: test vectors for any format and operation (edge values, seeded random cases).
//! - [`golden`]: the golden corpus (its file list, MANIFEST, check, deterministic regen).
//! - [`lines`]: line reading with a length limit, one line at a time or in blocks of lines.
//! - [`expr`]: an expression evaluator with one rounding per operation, left to right.
//! - [`show`]: the format table, and one value decoded or encoded, as text.
//! - [`targets`]: the line parsers of network targets (`x... y*... g*...`) and the output
//!   gradient rules (`one`, `y`, `y-C`).
//!
//! Errors are [`Error`]: a cause with the places it happened (file and line, field, option),
//! so that a chain reads `place: cause`. Nothing here prints or exits.

#![forbid(unsafe_code)]

pub mod chunked;
pub mod columns;
pub mod error;
pub mod expr;
pub mod gen;
pub mod golden;
pub mod lines;
pub mod oracle;
pub mod protocol;
pub mod show;
pub mod targets;
pub mod wire;

pub use error::{Context, Error, Result};
pub use fpcore;
