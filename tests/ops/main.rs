//! fpcore's operations against independent references: the arithmetic against SoftFloat and
//! APFloat (exhaustive on the small formats, property tests on the wide ones), the
//! non-arithmetic operations against SoftFloat, APFloat, the host and rules applied to
//! decoded values, and the activations against MPFR.

#[path = "../support/mod.rs"]
mod support;

mod activations;
mod backends;
mod classify;
mod compare;
mod exact;
mod exhaustive_small;
mod host_conversions;
mod int_conversions;
mod min_max;
mod next;
mod round_integral;
mod sign;
