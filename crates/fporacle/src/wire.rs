//! Fields of protocol lines at the byte level, for the chunked runs: splitting a line into
//! fields the way `str::split_whitespace` does, reading a bit pattern or a flag
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
    const SPACES: u64 =
        (1 << b'\t') | (1 << b'\n') | (1 << 0x0b) | (1 << 0x0c) | (1 << b'\r') | (1 << b' ');
    b <= b' ' && (SPACES >> b) & 1 == 1
}

/// The fields of one line: where the first [`MAX_FIELDS`] lie in the text, and how many
/// there are.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fields<'a> {
    text: &'a str,
    spans: [(usize, usize); MAX_FIELDS],
    count: usize,
}

impl<'a> Fields<'a> {
    /// The fields of `line` as `line.split_whitespace()` yields them.
    pub fn split(line: &'a str) -> Fields<'a> {
        let mut fields = Fields::default();
        fields.read_line(line);
        fields
    }

    /// Takes the fields of `line`, as `line.split_whitespace()` yields them.
    pub fn read_line(&mut self, line: &'a str) {
        if line.is_ascii() {
            self.read_ascii_line(line, 0);
            return;
        }
        self.text = line;
        self.count = 0;
        let base = line.as_ptr() as usize;
        for field in line.split_whitespace() {
            let start = field.as_ptr() as usize - base;
            self.push(start, start + field.len());
        }
    }

    /// Takes the fields of the line of the ASCII `text` that starts at byte `start`, and
    /// returns where the line ends (its line feed, or the end of the text).
    ///
    /// # Panics
    ///
    /// When `text` is not ASCII (a field would not end on a character boundary).
    pub fn read_ascii_line(&mut self, text: &'a str, start: usize) -> usize {
        assert!(start <= text.len(), "a line starts within the text");
        self.text = text;
        self.count = 0;
        let bytes = text.as_bytes();
        let mut field_start = None;
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            if is_space(b) {
                if let Some(s) = field_start.take() {
                    self.push(s, i);
                }
                if b == b'\n' {
                    return i;
                }
            } else if field_start.is_none() {
                field_start = Some(i);
            }
            i += 1;
        }
        if let Some(s) = field_start {
            self.push(s, i);
        }
        i
    }

    fn push(&mut self, start: usize, end: usize) {
        if let Some(span) = self.spans.get_mut(self.count) {
            *span = (start, end);
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
        let (start, end) = *self.spans.get(i).filter(|_| i < self.count)?;
        self.text.get(start..end)
    }

    /// The bytes of field `i` (0-based), when it is one of the first [`MAX_FIELDS`].
    #[inline]
    pub fn bytes(&self, i: usize) -> Option<&'a [u8]> {
        let (start, end) = *self.spans.get(i).filter(|_| i < self.count)?;
        self.text.as_bytes().get(start..end)
    }

    /// Whether the line is blank or a `#` comment (its first field starts with `#`, as the
    /// trimmed line does).
    pub fn is_blank_or_comment(&self) -> bool {
        self.bytes(0).is_none_or(|first| first.starts_with(b"#"))
    }

    /// The first `n` fields (at most [`MAX_FIELDS`]) joined by single spaces.
    pub fn join(&self, n: usize) -> String {
        let n = n.min(self.count).min(MAX_FIELDS);
        let fields: Vec<&str> = (0..n).filter_map(|i| self.get(i)).collect();
        fields.join(" ")
    }
}

/// A line in TestFloat's own layout: fields of fixed widths (one per value, as bit patterns
/// are written) separated by single spaces, nothing before or after. Most input is in this
/// layout (it is what `batch` writes), and such a line needs no split: the fields lie at
/// known places.
#[derive(Clone, Copy, Debug)]
pub struct FixedLine {
    /// Where each field starts in the line, and its width.
    fields: [(usize, usize); MAX_FIELDS],
    count: usize,
    len: usize,
}

impl FixedLine {
    /// A layout of fields of these widths (at most [`MAX_FIELDS`], each at least 1).
    ///
    /// # Panics
    ///
    /// With more than [`MAX_FIELDS`] widths or a zero width.
    pub fn new(widths: &[usize]) -> FixedLine {
        assert!(widths.len() <= MAX_FIELDS && !widths.contains(&0), "1 to 5 nonempty fields");
        let mut fields = [(0, 0); MAX_FIELDS];
        let mut at = 0;
        for (field, width) in fields.iter_mut().zip(widths) {
            *field = (at, *width);
            at += width + 1;
        }
        FixedLine { fields, count: widths.len(), len: at.saturating_sub(1) }
    }

    /// The length of such a line without its line feed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the layout has no field.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// When the line of `bytes` that starts at `start` has exactly this layout (single
    /// spaces between fields of these widths, then a line feed or the end of `bytes`): where
    /// it ends. The fields are not checked: a caller that finds a field byte that is
    /// whitespace must not rely on the split.
    #[inline]
    pub fn split(&self, bytes: &[u8], start: usize) -> Option<usize> {
        let end = start.checked_add(self.len)?;
        let line = bytes.get(start..end)?;
        if bytes.get(end).is_some_and(|b| *b != b'\n') {
            return None;
        }
        let mut separators = self.fields[1..self.count.max(1)].iter();
        separators.all(|(at, _)| line[at - 1] == b' ').then_some(end)
    }

    /// Field `k` of the line that starts at `start`, once [`FixedLine::split`] has found
    /// the line in this layout.
    ///
    /// # Panics
    ///
    /// When the line is not within `bytes`.
    #[inline]
    pub fn field<'a>(&self, bytes: &'a [u8], start: usize, k: usize) -> &'a [u8] {
        let (at, width) = self.fields[k];
        &bytes[start + at..start + at + width]
    }
}

/// The value of each byte as a hex digit, or 0xFF for a byte that is not one.
const HEX_VALUE: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            d @ b'0'..=b'9' => d - b'0',
            d @ b'a'..=b'f' => d - b'a' + 10,
            d @ b'A'..=b'F' => d - b'A' + 10,
            _ => 0xFF,
        };
        b += 1;
    }
    table
};

/// The value of one hex digit, or `None`.
fn hex_digit(b: u8) -> Option<u8> {
    Some(HEX_VALUE[usize::from(b)]).filter(|d| *d < 16)
}

/// A bit pattern of 1 to 32 hex digits without prefix whose value fits `mask`, as
/// `fpcore::text::bits::parse_bits` reads it; `None` for anything else (the text parser
/// decides those: a `0x` prefix is not a hex digit here).
#[inline]
pub fn parse_bits(bytes: &[u8], mask: u128) -> Option<u128> {
    if bytes.is_empty() || bytes.len() > 32 {
        return None;
    }
    if let Ok(digits) = <[u8; 8]>::try_from(bytes) {
        let value = u128::from(parse_hex8(u64::from_le_bytes(digits))?);
        return (value & !mask == 0).then_some(value);
    }
    if let Ok(digits) = <[u8; 4]>::try_from(bytes) {
        // Four leading zero digits, then the four digits.
        let word = 0x3030_3030 | u64::from(u32::from_le_bytes(digits)) << 32;
        let value = u128::from(parse_hex8(word)?);
        return (value & !mask == 0).then_some(value);
    }
    // Any byte that is not a digit sets the high bits of `bad`.
    let mut bad = 0u8;
    let value = if bytes.len() <= 16 {
        let mut value = 0u64;
        for b in bytes {
            let digit = HEX_VALUE[usize::from(*b)];
            bad |= digit;
            value = (value << 4) | u64::from(digit & 0xf);
        }
        u128::from(value)
    } else {
        let mut value = 0u128;
        for b in bytes {
            let digit = HEX_VALUE[usize::from(*b)];
            bad |= digit;
            value = (value << 4) | u128::from(digit & 0xf);
        }
        value
    };
    (bad < 16 && value & !mask == 0).then_some(value)
}

/// The bytes of a word (eight ASCII bytes, the first in the low byte) that lie in
/// `lo..=hi`, as 0x80 in their byte. Every byte must be below 0x80 (no carry between bytes).
fn bytes_in(word: u64, lo: u8, hi: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let at_least_lo = word + ONES * u64::from(0x80 - lo);
    let above_hi = word + ONES * u64::from(0x7f - hi);
    at_least_lo & !above_hi & HIGH
}

/// Eight hex digits held in a word (the first digit in the low byte), eight at once; `None`
/// when any byte is not a hex digit.
fn parse_hex8(word: u64) -> Option<u32> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if word & HIGH != 0 {
        return None;
    }
    // Digits as they are, letters folded to lower case ('A' | 0x20 = 'a'); a byte folded
    // into a digit (0x10..=0x19) is not counted, as the digits are checked unfolded.
    let digits = bytes_in(word, b'0', b'9');
    let letters = bytes_in(word | 0x2020_2020_2020_2020, b'a', b'f');
    if digits | letters != HIGH {
        return None;
    }
    // The value of each digit in its byte: the low four bits, plus 9 for a letter (bit 6).
    let nibbles = (word & 0x0f0f_0f0f_0f0f_0f0f) + ((word >> 6) & 0x0101_0101_0101_0101) * 9;
    // Pairs, then quads, then all eight: the earlier digit is the more significant.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = ((pairs << 8) | (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    let all = ((quads << 16) | (quads >> 32)) & 0xffff_ffff;
    Some(all as u32)
}

/// `value` as eight upper-case hex digits in a word (the first digit in the low byte).
fn hex8(value: u32) -> u64 {
    // Byte i of the swapped value holds digits 2i and 2i + 1; spread each byte over two.
    let mut spread = u64::from(value.swap_bytes());
    spread = (spread | (spread << 16)) & 0x0000_ffff_0000_ffff;
    spread = (spread | (spread << 8)) & 0x00ff_00ff_00ff_00ff;
    let nibbles = ((spread >> 4) & 0x000f_000f_000f_000f) | ((spread & 0x000f_000f_000f_000f) << 8);
    // '0' + n, and 7 more for n >= 10 ('A' = '0' + 17).
    let letters = ((nibbles + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    nibbles + 0x3030_3030_3030_3030 + letters * 7
}

/// A flag byte of one or two hex digits, as `crate::protocol::parse_flags` reads it before
/// checking the bits; `None` for anything else.
pub fn parse_flag_byte(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [d] => hex_digit(*d),
        [hi, lo] => Some((hex_digit(*hi)? << 4) | hex_digit(*lo)?),
        _ => None,
    }
}

/// Writes `bits` as exactly `dst.len()` upper-case hex digits (the low `4 * dst.len()` bits),
/// as `fpcore::text::bits::format_bits` writes a value already masked to its format.
#[inline]
pub fn write_bits(dst: &mut [u8], bits: u128) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if let Ok(digits) = <&mut [u8; 8]>::try_from(&mut *dst) {
        *digits = hex8(bits as u32).to_le_bytes();
    } else if let Ok(digits) = <&mut [u8; 4]>::try_from(&mut *dst) {
        let text = hex8(bits as u32).to_le_bytes();
        digits.copy_from_slice(&text[4..]);
    } else if dst.len() <= 16 {
        let mut rest = bits as u64;
        for digit in dst.iter_mut().rev() {
            *digit = HEX[(rest & 0xf) as usize];
            rest >>= 4;
        }
    } else {
        let mut rest = bits;
        for digit in dst.iter_mut().rev() {
            *digit = HEX[(rest & 0xf) as usize];
            rest >>= 4;
        }
    }
}

/// A flag byte as two lower-case hex digits (TestFloat's layout).
pub fn flag_byte_text(byte: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]
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
    fn split_matches_str_on_ascii_and_unicode_lines() {
        for line in LINES {
            let want: Vec<&str> = line.split_whitespace().collect();
            let got = Fields::split(line);
            assert_eq!(got.len(), want.len(), "{line:?}");
            for (i, field) in want.iter().enumerate().take(MAX_FIELDS) {
                assert_eq!(got.get(i), Some(*field));
                assert_eq!(got.bytes(i), Some(field.as_bytes()));
            }
            assert_eq!(got.get(want.len()), None);
            assert_eq!(got.join(3), want[..want.len().min(3)].join(" "));
            assert_eq!(
                got.is_blank_or_comment(),
                line.trim().is_empty() || line.trim().starts_with('#')
            );
        }
    }

    #[test]
    fn ascii_lines_split_up_to_their_line_feed() {
        let text = "a b\n\n  c\t# d \r\nlast";
        let mut start = 0;
        let mut lines = Vec::new();
        while start < text.len() {
            let mut fields = Fields::default();
            let end = fields.read_ascii_line(text, start);
            lines.push((fields.len(), fields.join(MAX_FIELDS)));
            start = end + 1;
        }
        let want = [(2, "a b"), (0, ""), (3, "c # d"), (1, "last")];
        assert_eq!(lines, want.map(|(n, s)| (n, s.to_string())));
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
                match parse_bits(text.as_bytes(), fmt.mask()) {
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
            match parse_flag_byte(text.as_bytes()) {
                Some(b) => assert_eq!(Some(b), want, "{text}"),
                None => assert!(want.is_none() || text.starts_with('+'), "{text}"),
            }
        }
    }

    #[test]
    fn pushed_bits_and_flags_match_the_text_formatters() {
        for fmt in [
            fpcore::Format::BINARY32,
            fpcore::Format::BF16,
            fpcore::Format::E4M3FN,
            fpcore::Format::BINARY128,
        ] {
            for bits in [0u128, 1, 0x3F80, 0xFF, 0x7F80_0000, fmt.mask()] {
                let bits = bits & fmt.mask();
                let mut out = vec![0; fmt.hex_digits()];
                write_bits(&mut out, bits);
                assert_eq!(out, fpcore::text::bits::format_bits(&fmt, bits).as_bytes());
            }
        }
        for byte in 0..=0x1f_u8 {
            assert_eq!(flag_byte_text(byte), format!("{byte:02x}").as_bytes());
        }
    }

    #[test]
    fn fixed_lines_split_only_in_their_layout() {
        let layout = FixedLine::new(&[4, 4, 2]);
        assert_eq!(layout.len(), 12);
        let text = b"3F80 4000 01\n3F80  4000 01\n3F80 4000 01";
        assert_eq!(layout.split(text, 0), Some(12));
        let fields: Vec<&[u8]> = (0..3).map(|k| layout.field(text, 0, k)).collect();
        assert_eq!(fields, [&b"3F80"[..], b"4000", b"01"]);
        assert!(layout.split(text, 13).is_none(), "two spaces");
        let last = text.len() - 12;
        assert_eq!(layout.split(text, last), Some(text.len()));
        assert_eq!(layout.field(text, last, 2), b"01");
        assert!(layout.split(b"3F80 4000 011\n", 0).is_none(), "a longer line");
        assert!(layout.split(b"3F80 4000 0", 0).is_none(), "a shorter line");
        assert!(layout.split(b"3F80\t4000 01", 0).is_none(), "a tab");
    }

    /// The word-at-a-time readers and writers against the byte-at-a-time ones: every 16-bit
    /// value and a sample of 32-bit values written, and strings over an alphabet with every
    /// kind of boundary byte read.
    #[test]
    fn eight_digits_at_once_match_one_digit_at_a_time() {
        fn one_at_a_time(bytes: &[u8]) -> Option<u64> {
            bytes.iter().try_fold(0u64, |v, b| Some((v << 4) | u64::from(hex_digit(*b)?)))
        }
        let mut rng = 0x1234_5678_9abc_def0_u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for value in (0..=0xffff_u32).chain((0..100_000).map(|_| next() as u32)) {
            let text = hex8(value).to_le_bytes();
            assert_eq!(text, format!("{value:08X}").as_bytes(), "{value:x}");
            assert_eq!(parse_hex8(u64::from_le_bytes(text)), Some(value));
            let lower = format!("{value:08x}");
            let word = u64::from_le_bytes(lower.as_bytes().try_into().expect("8 bytes"));
            assert_eq!(parse_hex8(word), Some(value));
        }
        let alphabet: Vec<u8> =
            b"0123456789abcdefABCDEF/:@G`g \x10\x19\x1a\x7f\x80\xb0\xc1\xe6\xff\x00".to_vec();
        for _ in 0..300_000 {
            let n = if next() % 2 == 0 { 8 } else { 4 };
            let bytes: Vec<u8> = (0..n)
                .map(|_| {
                    let r = next() as usize;
                    // Mostly digits, so that whole valid strings occur often.
                    if r % 4 == 0 {
                        alphabet[r / 4 % alphabet.len()]
                    } else {
                        alphabet[r / 4 % 22]
                    }
                })
                .collect();
            let want = one_at_a_time(&bytes).map(u128::from);
            assert_eq!(parse_bits(&bytes, u128::MAX), want, "{bytes:?}");
            assert_eq!(parse_bits(&bytes, 0xffff), want.filter(|v| *v <= 0xffff), "{bytes:?}");
        }
    }
}
