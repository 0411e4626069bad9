//! fpx: the bit-exact floating-point oracle. This library holds the command line's protocol
//! (operation names, TestFloat's line layout) and its oracle runs, and re-exports fpcore.

#![forbid(unsafe_code)]

pub mod construct;
pub mod gen;
pub mod golden;
pub mod grad;
pub mod limits;
pub mod lines;
pub mod net;
pub mod oracle;
pub mod protocol;
pub mod util;

pub use fpcore;
