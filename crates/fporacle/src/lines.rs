//! Line reading with a length limit, so that a huge line is an error, not an out-of-memory.

use std::io::BufRead;

use crate::error::{Context, Error, Result};
use crate::invalid;

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
                invalid!(
                    "line {} is longer than the limit of {} bytes",
                    self.line_no,
                    self.max_line
                );
            }
            self.buf.extend_from_slice(chunk);
            let used = chunk.len();
            self.inner.consume(used);
            if done {
                break;
            }
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        if self.buf.len() > self.max_line {
            invalid!("line {} is longer than the limit of {} bytes", self.line_no, self.max_line);
        }
        let text = std::str::from_utf8(&self.buf)
            .map_err(|e| Error::invalid(e.to_string()))
            .at(|| format!("line {} is not valid UTF-8", self.line_no))?;
        Ok(Some((self.line_no, text.to_string())))
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
