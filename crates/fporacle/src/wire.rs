//! Fields of protocol lines at the byte level, for the chunked runs: splitting a line into
//! fields the way `str::trim` and `str::split_whitespace` do, reading a bit pattern or a flag
//! byte without allocating, and appending them to an output buffer in TestFloat's layout.
//!
//! The readers are conservative: they accept a subset of what the text parsers of
//! [`crate::protocol`] accept and return exactly the same value on it; anything else
//! (`0x` prefixes, leading zeros beyond 32 digits, too-wide patterns, malformed text) returns
//! `None`, and the caller asks the text parser, which gives the value or the error message.

/// Most fields a line keeps ([`Fields::get`]); later fields are only counted. A verify line
/// of a ternary operation has five.
pub const MAX_FIELDS: usize = 5;

/// The whitespace of `char::is_whitespace` within ASCII: tab, line feed, vertical tab, form
/// feed, carriage return and space (`u8::is_ascii_whitespace` leaves out the vertical tab).
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// The fields of one line: the first [`MAX_FIELDS`] as text, and how many there are.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fields<'a> {
    first: [&'a str; MAX_FIELDS],
    count: usize,
}

impl<'a> Fields<'a> {
    /// The fields of `line` as `line.split_whitespace()` yields them. `ascii` says that the
    /// line is ASCII, which allows the byte-level split.
    pub fn split(line: &'a str, ascii: bool) -> Fields<'a> {
        let mut fields = Fields::default();
        if ascii {
            let bytes = line.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                while i < bytes.len() && is_space(bytes[i]) {
                    i += 1;
                }
                let start = i;
                while i < bytes.len() && !is_space(bytes[i]) {
                    i += 1;
                }
                if start < i {
                    // Both ends sit next to ASCII bytes (or the ends of the line), so they
                    // are character boundaries.
                    fields.push(&line[start..i]);
                }
            }
        } else {
            for field in line.split_whitespace() {
                fields.push(field);
            }
        }
        fields
    }

    fn push(&mut self, field: &'a str) {
        if let Some(slot) = self.first.get_mut(self.count) {
            *slot = field;
        }
        self.count += 1;
    }

    /// How many fields the line has.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the line has no field.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Field `i` (0-based), when it is one of the first [`MAX_FIELDS`].
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.first.get(i).filter(|_| i < self.count).copied()
    }

    /// The first `n` fields (at most [`MAX_FIELDS`]).
    pub fn first(&self, n: usize) -> &[&'a str] {
        &self.first[..n.min(self.count).min(MAX_FIELDS)]
    }
}

/// `line` without leading and trailing whitespace, as `str::trim` gives it; `ascii` says
/// that the line is ASCII, which allows the byte-level trim.
pub fn trim(line: &str, ascii: bool) -> &str {
    if !ascii {
        return line.trim();
    }
    let bytes = line.as_bytes();
    let start = bytes.iter().position(|b| !is_space(*b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_space(*b)).map_or(start, |i| i + 1);
    // Both ends sit next to ASCII bytes (or the ends of the line): character boundaries.
    &line[start..end]
}

/// The value of one hex digit, or `None`.
fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A bit pattern of 1 to 32 hex digits without prefix whose value fits `mask`, as
/// `fpcore::text::bits::parse_bits` reads it; `None` for anything else (the text parser
/// decides those).
pub fn parse_bits(text: &str, mask: u128) -> Option<u128> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 32 || bytes.starts_with(b"0x") || bytes.starts_with(b"0X")
    {
        return None;
    }
    let mut value: u128 = 0;
    for b in bytes {
        value = (value << 4) | u128::from(hex_digit(*b)?);
    }
    (value & !mask == 0).then_some(value)
}

/// A flag byte of one or two hex digits, as `crate::protocol::parse_flags` reads it before
/// checking the bits; `None` for anything else.
pub fn parse_flag_byte(text: &str) -> Option<u8> {
    match text.as_bytes() {
        [d] => hex_digit(*d),
        [hi, lo] => Some((hex_digit(*hi)? << 4) | hex_digit(*lo)?),
        _ => None,
    }
}

/// Appends `bits` as exactly `digits` upper-case hex digits (the low `4 * digits` bits), as
/// `fpcore::text::bits::format_bits` writes a value already masked to its format.
pub fn push_bits(out: &mut Vec<u8>, bits: u128, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for i in (0..digits).rev() {
        let nibble = (bits >> (4 * i)) & 0xf;
        out.push(HEX[nibble as usize]);
    }
}

/// Appends a flag byte as two lower-case hex digits (TestFloat's layout).
pub fn push_flag_byte(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(HEX[usize::from(byte >> 4)]);
    out.push(HEX[usize::from(byte & 0xf)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines that exercise every ASCII whitespace byte, Unicode spaces, empty fields and
    /// more fields than are kept.
    const LINES: &[&str] = &[
        "",
        " ",
        "a",
        "  a  b\tc ",
        "a\x0bb\x0cc\rd",
        "a b c d e f g",
        "\u{a0}a\u{2003}b\u{85}",
        "x\u{3000}",
        "\t# comment",
    ];

    #[test]
    fn split_and_trim_match_str_on_ascii_and_unicode_lines() {
        for line in LINES {
            for ascii in [false, line.is_ascii()] {
                let want: Vec<&str> = line.split_whitespace().collect();
                let got = Fields::split(line, ascii);
                assert_eq!(got.len(), want.len(), "{line:?}");
                assert_eq!(got.first(MAX_FIELDS), &want[..want.len().min(MAX_FIELDS)]);
                for (i, field) in want.iter().enumerate().take(MAX_FIELDS) {
                    assert_eq!(got.get(i), Some(*field));
                }
                assert_eq!(got.get(want.len()), None);
                assert_eq!(trim(line, ascii), line.trim(), "{line:?}");
            }
        }
    }

    #[test]
    fn bit_patterns_read_as_the_text_parser_reads_them_or_are_left_to_it() {
        let formats = [fpcore::Format::BINARY32, fpcore::Format::BF16, fpcore::Format::BINARY128];
        let texts = [
            "0",
            "00000000",
            "7F800000",
            "7f800000",
            "FFFFFFFF",
            "100000000",
            "0x3F80",
            "0X3F80",
            "",
            "1.0",
            "g",
            "FFFF",
            "10000",
            "-1",
            "+1",
            "0000000000000000000000000000000001",
            "ffffffffffffffffffffffffffffffff",
        ];
        for fmt in &formats {
            for text in texts {
                let want = fpcore::text::bits::parse_bits(fmt, text).ok();
                match parse_bits(text, fmt.mask()) {
                    Some(v) => assert_eq!(Some(v), want, "{fmt} {text}"),
                    None => {
                        // Left to the text parser: only the prefixed, overlong or invalid.
                        let prefixed = text.starts_with("0x") || text.starts_with("0X");
                        assert!(want.is_none() || prefixed || text.len() > 32, "{fmt} {text}");
                    }
                }
            }
        }
    }

    #[test]
    fn flag_bytes_read_as_from_str_radix_reads_them() {
        for text in ["0", "1", "1f", "1F", "ff", "00", "", "100", "+1", "g", "-1"] {
            let want = u8::from_str_radix(text, 16).ok().filter(|_| text.len() <= 2);
            match parse_flag_byte(text) {
                Some(b) => assert_eq!(Some(b), want, "{text}"),
                None => assert!(want.is_none() || text.starts_with('+'), "{text}"),
            }
        }
    }

    #[test]
    fn pushed_bits_and_flags_match_the_text_formatters() {
        for fmt in [fpcore::Format::BINARY32, fpcore::Format::BF16, fpcore::Format::E4M3FN] {
            for bits in [0u128, 1, 0x3F80, 0xFF, 0x7F80_0000, fmt.mask()] {
                let bits = bits & fmt.mask();
                let mut out = Vec::new();
                push_bits(&mut out, bits, fmt.hex_digits());
                assert_eq!(out, fpcore::text::bits::format_bits(&fmt, bits).as_bytes());
            }
        }
        for byte in 0..=0x1f_u8 {
            let mut out = Vec::new();
            push_flag_byte(&mut out, byte);
            assert_eq!(out, format!("{byte:02x}").as_bytes());
        }
    }
}
