//! Line reading with a length limit, so that a huge line is an error, not an out-of-memory:
//! one line at a time ([`LineReader`]), or blocks of whole lines for the chunked runs
//! ([`ChunkReader`]), both with the same checks and messages ([`line_text`]).

use std::io::BufRead;

use crate::error::{Context, Error, Result};

/// The longest accepted input line, in bytes.
pub const MAX_LINE: usize = 1 << 20;

/// Reads numbered lines, refusing lines longer than a limit ([`MAX_LINE`] by default) and
/// invalid UTF-8.
pub struct LineReader<R> {
    inner: R,
    line_no: u64,
    buf: Vec<u8>,
    max_line: usize,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps a reader; lines up to [`MAX_LINE`] bytes.
    pub fn new(inner: R) -> LineReader<R> {
        LineReader::with_limit(inner, MAX_LINE)
    }

    /// Wraps a reader; lines up to `max_line` bytes (without the terminator).
    pub fn with_limit(inner: R, max_line: usize) -> LineReader<R> {
        LineReader { inner, line_no: 0, buf: Vec::new(), max_line }
    }

    /// The next line (without its terminator) and its 1-based number, or `None` at the end.
    ///
    /// # Errors
    ///
    /// A read error, a line longer than the limit, or a line that is not UTF-8.
    pub fn next_line(&mut self) -> Result<Option<(u64, String)>> {
        self.buf.clear();
        self.line_no += 1;
        loop {
            let available = self.inner.fill_buf().at(|| "reading input")?;
            if available.is_empty() {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                break;
            }
            let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            if self.buf.len() + chunk.len() > self.max_line.saturating_add(2) {
                return Err(too_long(self.line_no, self.max_line));
            }
            self.buf.extend_from_slice(chunk);
            let used = chunk.len();
            self.inner.consume(used);
            if done {
                break;
            }
        }
        let (raw, terminated) = match self.buf.strip_suffix(b"\n") {
            Some(raw) => (raw, true),
            None => (&self.buf[..], false),
        };
        let text = line_text(raw, terminated, None, self.line_no, self.max_line)?;
        Ok(Some((self.line_no, text.to_string())))
    }

    /// The wrapped reader, the line limit and the number of lines read so far.
    pub(crate) fn into_parts(self) -> (R, usize, u64) {
        (self.inner, self.max_line, self.line_no)
    }
}

/// The error of a line longer than the limit.
fn too_long(line_no: u64, max_line: usize) -> Error {
    Error::invalid(format!("line {line_no} is longer than the limit of {max_line} bytes"))
}

/// The text of line `line_no` from its bytes `raw` (without the line feed that ended it,
/// `terminated` saying whether there was one): trailing carriage returns dropped, at most
/// `max_line` bytes, valid UTF-8. `utf8` is the
/// line as text when the caller has already checked it (a block of whole lines checked at
/// once); otherwise it is checked here.
///
/// # Errors
///
/// A line longer than the limit, or a line that is not UTF-8.
pub fn line_text<'a>(
    raw: &'a [u8],
    terminated: bool,
    utf8: Option<&'a str>,
    line_no: u64,
    max_line: usize,
) -> Result<&'a str> {
    // A line whose bytes with its line feed exceed the limit by more than two (a CR LF
    // ending) is refused whatever is stripped afterwards: that is where the reader stops.
    if raw.len() + usize::from(terminated) > max_line.saturating_add(2) {
        return Err(too_long(line_no, max_line));
    }
    let mut len = raw.len();
    while len > 0 && raw[len - 1] == b'\r' {
        len -= 1;
    }
    if len > max_line {
        return Err(too_long(line_no, max_line));
    }
    match utf8 {
        Some(text) => Ok(&text[..len]),
        None => std::str::from_utf8(&raw[..len])
            .map_err(|e| Error::invalid(e.to_string()))
            .at(|| format!("line {line_no} is not valid UTF-8")),
    }
}

/// The next line of `reader` that is neither blank nor a `#` comment, trimmed, with its
/// number; errors name `source`.
///
/// # Errors
///
/// As [`LineReader::next_line`], with `source` as the place.
pub fn next_data_line<R: BufRead>(
    reader: &mut LineReader<R>,
    source: &str,
) -> Result<Option<(u64, String)>> {
    while let Some((line_no, line)) = reader.next_line().at(|| source)? {
        let line = line.trim();
        if !line.is_empty() && !line.starts_with('#') {
            return Ok(Some((line_no, line.to_string())));
        }
    }
    Ok(None)
}

/// A block of whole lines for a chunked run.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The number of the block's first line.
    pub first_line: u64,
    /// The lines, each ended by a line feed except perhaps the last line of the input.
    pub bytes: Vec<u8>,
    /// An error that the reader met after these lines (a line longer than the limit, a read
    /// error); it is reported after the lines' own errors, as a line-by-line run would.
    pub error_after: Option<Error>,
}

/// Reads blocks of whole lines of about a target size. A line longer than the limit ends the
/// input with its error as soon as its first `limit + 3` bytes are read, as [`LineReader`]
/// stops, so memory stays bounded by the block size and the limit.
pub struct ChunkReader<R> {
    inner: R,
    max_line: usize,
    next_line: u64,
    carry: Vec<u8>,
    ended: bool,
}

impl<R: BufRead> ChunkReader<R> {
    /// Continues where a line reader stopped, with its limit and its line numbers.
    pub fn new(lines: LineReader<R>) -> ChunkReader<R> {
        let (inner, max_line, line_no) = lines.into_parts();
        ChunkReader { inner, max_line, next_line: line_no + 1, carry: Vec::new(), ended: false }
    }

    /// The line limit.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Fills `chunk` with the next whole lines, about `target` bytes of them (more when a
    /// single line is longer). Returns false when the input is over: no lines and no error.
    pub fn read_chunk(&mut self, chunk: &mut Chunk, target: usize) -> bool {
        chunk.bytes.clear();
        chunk.bytes.append(&mut self.carry);
        chunk.first_line = self.next_line;
        chunk.error_after = None;
        if self.ended {
            return false;
        }
        let bytes = &mut chunk.bytes;
        // Where the unfinished line starts: after the last line feed read.
        let mut partial = 0;
        loop {
            if bytes.len() >= target && partial > 0 {
                self.carry.extend_from_slice(&bytes[partial..]);
                bytes.truncate(partial);
                break;
            }
            if bytes.len() - partial > self.max_line.saturating_add(2) {
                let line_no = self.next_line + count_lines(&bytes[..partial]);
                chunk.error_after = Some(too_long(line_no, self.max_line));
                bytes.truncate(partial);
                self.ended = true;
                break;
            }
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(e) => {
                    let source = Box::new(Error::Io(e));
                    chunk.error_after = Some(Error::At { at: "reading input".into(), source });
                    bytes.truncate(partial);
                    self.ended = true;
                    break;
                }
            };
            if available.is_empty() {
                self.ended = true;
                break;
            }
            if let Some(i) = available.iter().rposition(|b| *b == b'\n') {
                partial = bytes.len() + i + 1;
            }
            bytes.extend_from_slice(available);
            let used = available.len();
            self.inner.consume(used);
        }
        self.next_line += count_lines(bytes);
        !bytes.is_empty() || chunk.error_after.is_some()
    }
}

/// The number of line feeds in `bytes`.
fn count_lines(bytes: &[u8]) -> u64 {
    // Counted in bytes over blocks of at most 255, which vectorises.
    bytes
        .chunks(255)
        .map(|block| u64::from(block.iter().fold(0u8, |n, b| n + u8::from(*b == b'\n'))))
        .sum()
}
