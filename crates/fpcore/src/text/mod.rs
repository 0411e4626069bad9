//! Text forms of values: bit-pattern hex, hex-float, decimal.

pub mod bits;
