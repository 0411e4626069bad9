//! The `fpx` command line.
fn main() {}
