//! Bit-pattern hex in TestFloat's layout: exactly ceil(bits / 4) hex digits.

use crate::format::Format;

/// An error in a bit-pattern literal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BitsError {
    /// Not a hex number.
    #[error("'{0}' is not a hex bit pattern")]
    NotHex(String),
    /// Wider than the format.
    #[error("'{text}' does not fit the {bits}-bit format {format}")]
    TooWide {
        /// The literal.
        text: String,
        /// The format's width.
        bits: u32,
        /// The format's name.
        format: String,
    },
}

/// Parses a bit pattern in hex (an optional `0x` prefix; any number of digits as long as the
/// value fits the format's width).
pub fn parse_bits(fmt: &Format, text: &str) -> Result<u128, BitsError> {
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BitsError::NotHex(text.to_string()));
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > 32 {
        return Err(BitsError::TooWide {
            text: text.to_string(),
            bits: fmt.bits(),
            format: fmt.name(),
        });
    }
    let value = if digits.is_empty() {
        0
    } else {
        u128::from_str_radix(digits, 16).map_err(|_| BitsError::NotHex(text.to_string()))?
    };
    if value & !fmt.mask() != 0 {
        return Err(BitsError::TooWide {
            text: text.to_string(),
            bits: fmt.bits(),
            format: fmt.name(),
        });
    }
    Ok(value)
}

/// Formats a bit pattern as exactly ceil(bits / 4) upper-case hex digits.
pub fn format_bits(fmt: &Format, bits: u128) -> String {
    format!("{:0width$X}", bits & fmt.mask(), width = fmt.hex_digits())
}
