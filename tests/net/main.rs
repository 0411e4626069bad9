//! fpnet: the interpreter against an independent forward pass over SoftFloat and APFloat on
//! random graphs, evaluation orders derived by hand, the network file format and builders,
//! and the golden networks' snapshots.

#[path = "../support/mod.rs"]
mod support;

mod differential;
mod file;
mod golden;
mod order;
