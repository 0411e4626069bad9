//! Committed data against SoftFloat and APFloat: the golden corpus (verification, byte-exact
//! regeneration, corruption detected, samples against the backends), the shipped vector files
//! and generated vectors, and the `gen`, `decode`, `encode` and `eval` utilities.

#[path = "../support/mod.rs"]
mod support;

mod corpus;
mod generated;
mod vectors;
