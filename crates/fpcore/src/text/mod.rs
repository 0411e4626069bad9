//! Text forms of values: bit-pattern hex, hex-float, decimal.

pub mod bits;
pub mod decimal;
pub mod hexfloat;

pub use decimal::{format_exact_decimal, format_shortest, parse_decimal, parse_value};
pub use hexfloat::{format_hexfloat, parse_hexfloat};

/// An error in a hex-float or decimal number literal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Not a decimal number, an infinity or a NaN.
    #[error(
        "'{0}' is not a decimal number (expected [+-]digits[.digits][e[+-]digits], inf, infinity, nan or snan)"
    )]
    NotDecimal(String),
    /// Not a hex float, an infinity or a NaN.
    #[error(
        "'{0}' is not a hex float (expected [+-]0xhex[.hex][p[+-]digits], inf, infinity, nan or snan)"
    )]
    NotHexFloat(String),
}

/// The text shown in an error message: at most 64 characters, then `...`.
fn shown(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}
