//! The `fpx` binary end to end: batch (and its `--shard` parts) and verify, `net eval`/`info`,
//! `net grad`/`check` and `demo` (output layout, exit codes, errors that name the file, line
//! and field), the size limits, and bad input to every parser and the command line.

#[path = "../support/mod.rs"]
mod support;

mod ad;
mod batch;
mod limits;
mod mx;
mod net;
mod pieces;
mod plot;
mod reproductions;
mod robustness;
mod shard;
mod train;
