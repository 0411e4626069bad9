//! fpad: against an independent backpropagation over SoftFloat, APFloat and MPFR on random
//! networks and on every input of an 8-bit network (through the verifier and `fpx net grad`),
//! and on hand-derived cases (orders, kinks, fan-out, losses, batches, SGD, the tape).

#[path = "../support/mod.rs"]
mod support;

mod differential;
mod exhaustive;
mod rules;
