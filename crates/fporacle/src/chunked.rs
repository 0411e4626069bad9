//! `batch` and `verify` in blocks of lines across threads, with the output of the runs one
//! line at a time: blocks of whole lines are read in order, each block is parsed into operand
//! columns, computed in one call ([`eval_columns`]) and printed into its own buffer on any
//! thread, and the buffers are written in input order.
//!
//! Bit patterns are read and written at the byte level without allocating per line; any
//! field that the byte-level reader does not take (text notation, `0x` prefixes, errors) goes
//! to the text parser, so values and messages are the text parser's. A block stops at its
//! first bad line: its output up to that line is written, then the error is returned, and
//! blocks after it are not written, so the first error in line order is reported after
//! exactly the output a run one line at a time writes before it.

use std::io::{BufRead, Write};
use std::num::NonZeroUsize;

use fpcore::{Flags, Format, Rounded};
use rayon::prelude::*;

use crate::columns::{eval_columns, Columns};
use crate::error::{Context, Error, Result};
use crate::lines::{line_text, Chunk, ChunkReader, LineReader};
use crate::oracle::{Oracle, Summary, VerifyOptions};
use crate::protocol::{format_value, parse_flags, parse_operand, Notation};
use crate::wire::{self, Fields};

/// How a chunked run splits its work.
#[derive(Clone, Copy, Debug)]
pub struct Chunking {
    /// Threads: `None` for rayon's global pool (all cores, or `RAYON_NUM_THREADS`); one
    /// thread runs on the calling thread only.
    pub threads: Option<NonZeroUsize>,
    /// Bytes of input per block (a block holds at least one whole line).
    pub block_bytes: usize,
}

impl Default for Chunking {
    fn default() -> Chunking {
        Chunking { threads: None, block_bytes: 1 << 18 }
    }
}

/// Blocks read before each parallel step, per thread: enough for the threads to share the
/// work evenly.
const BLOCKS_PER_THREAD: usize = 4;

/// What a run does with each case.
#[derive(Clone, Copy)]
enum Mode {
    Batch,
    Verify(VerifyOptions),
}

/// A case of a verify block: its line and where that line lies in the block.
#[derive(Clone, Copy, Debug)]
struct Row {
    line_no: u64,
    start: usize,
    end: usize,
}

/// The cases read from a block.
#[derive(Default)]
struct Cases {
    columns: Columns,
    /// Verify only: the expected results, the expected flags and the lines.
    expected: Vec<u128>,
    expected_flags: Vec<Option<Flags>>,
    rows: Vec<Row>,
}

/// One block and everything computed from it; kept between steps to reuse the memory.
#[derive(Default)]
struct Work {
    chunk: Chunk,
    cases: Cases,
    out: Vec<u8>,
    summary: Summary,
    error: Option<Error>,
}

impl Oracle {
    /// [`Oracle::batch`] over a line reader (which sets the longest accepted line).
    ///
    /// # Errors
    ///
    /// As [`Oracle::batch`].
    pub fn batch_lines<R: BufRead, W: Write>(
        &self,
        source: &str,
        reader: LineReader<R>,
        out: W,
    ) -> Result<()> {
        self.batch_chunked(&Chunking::default(), source, reader, out)
    }

    /// [`Oracle::batch`] over a line reader, split as `chunking` says. The output does not
    /// depend on `chunking`.
    ///
    /// # Errors
    ///
    /// As [`Oracle::batch`]; also when the threads cannot be started.
    pub fn batch_chunked<R: BufRead, W: Write>(
        &self,
        chunking: &Chunking,
        source: &str,
        reader: LineReader<R>,
        out: W,
    ) -> Result<()> {
        self.run_chunked(Mode::Batch, chunking, source, reader, out).map(|_| ())
    }

    /// [`Oracle::verify`] over a line reader (which sets the longest accepted line).
    ///
    /// # Errors
    ///
    /// As [`Oracle::verify`].
    pub fn verify_lines<R: BufRead, W: Write>(
        &self,
        options: &VerifyOptions,
        source: &str,
        reader: LineReader<R>,
        out: W,
    ) -> Result<Summary> {
        self.verify_chunked(options, &Chunking::default(), source, reader, out)
    }

    /// [`Oracle::verify`] over a line reader, split as `chunking` says. The output and the
    /// counts do not depend on `chunking`.
    ///
    /// # Errors
    ///
    /// As [`Oracle::verify`]; also when the threads cannot be started.
    pub fn verify_chunked<R: BufRead, W: Write>(
        &self,
        options: &VerifyOptions,
        chunking: &Chunking,
        source: &str,
        reader: LineReader<R>,
        out: W,
    ) -> Result<Summary> {
        self.run_chunked(Mode::Verify(*options), chunking, source, reader, out)
    }

    fn run_chunked<R: BufRead, W: Write>(
        &self,
        mode: Mode,
        chunking: &Chunking,
        source: &str,
        lines: LineReader<R>,
        mut out: W,
    ) -> Result<Summary> {
        let pool = match chunking.threads {
            Some(n) if n.get() > 1 => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.get())
                    .build()
                    .map_err(|e| Error::invalid(format!("cannot start {n} threads: {e}")))?,
            ),
            _ => None,
        };
        let threads = chunking.threads.map_or_else(rayon::current_num_threads, NonZeroUsize::get);
        let mut reader = ChunkReader::new(lines);
        let max_line = reader.max_line();
        let block_bytes = chunking.block_bytes.max(1);
        let mut works: Vec<Work> = Vec::new();
        works.resize_with(threads * BLOCKS_PER_THREAD, Work::default);
        let mut summary = Summary::default();
        loop {
            let mut filled = 0;
            let mut more = true;
            while filled < works.len() {
                if !reader.read_chunk(&mut works[filled].chunk, block_bytes) {
                    more = false;
                    break;
                }
                filled += 1;
                if works[filled - 1].chunk.error_after.is_some() {
                    more = false;
                    break;
                }
            }
            let step = &mut works[..filled];
            let run = |work: &mut Work| self.run_block(mode, source, max_line, work);
            match (&pool, threads) {
                (_, 1) => step.iter_mut().for_each(run),
                (Some(pool), _) => pool.install(|| step.par_iter_mut().for_each(run)),
                (None, _) => step.par_iter_mut().for_each(run),
            }
            for work in step {
                out.write_all(&work.out)?;
                if let Some(error) = work.error.take() {
                    return Err(error);
                }
                summary.passed += work.summary.passed;
                summary.failed += work.summary.failed;
                if let Some(error) = work.chunk.error_after.take() {
                    return Err(Error::At { at: source.to_string(), source: Box::new(error) });
                }
            }
            if !more {
                break;
            }
        }
        out.flush()?;
        Ok(summary)
    }

    /// Parses, computes and prints one block; stops parsing at its first bad line.
    fn run_block(&self, mode: Mode, source: &str, max_line: usize, work: &mut Work) {
        let cases = &mut work.cases;
        cases.columns.clear();
        cases.expected.clear();
        cases.expected_flags.clear();
        cases.rows.clear();
        work.out.clear();
        work.summary = Summary::default();
        work.error = self.parse_block(mode, source, max_line, &work.chunk, cases).err();
        eval_columns(&self.op, &self.env, &self.fmt, &mut cases.columns);
        match mode {
            Mode::Batch => self.print_batch(work),
            Mode::Verify(options) => self.print_verify(&options, source, work),
        }
    }

    /// Reads the block's lines into the columns, up to the first bad line.
    fn parse_block(
        &self,
        mode: Mode,
        source: &str,
        max_line: usize,
        chunk: &Chunk,
        cases: &mut Cases,
    ) -> Result<()> {
        let bytes = &chunk.bytes;
        // A block of whole lines is checked as text at once; when that fails, line by line,
        // so that the first bad line is named.
        let utf8 = std::str::from_utf8(bytes).ok();
        let ascii = utf8.is_some_and(str::is_ascii);
        let mut line_no = chunk.first_line;
        let mut start = 0;
        while start < bytes.len() {
            let (end, terminated) = match bytes[start..].iter().position(|b| *b == b'\n') {
                Some(i) => (start + i, true),
                None => (bytes.len(), false),
            };
            let text = utf8.map(|text| &text[start..end]);
            let text =
                line_text(&bytes[start..end], terminated, text, line_no, max_line).at(|| source)?;
            let text = wire::trim(text, ascii);
            if !text.is_empty() && !text.starts_with('#') {
                let at = || format!("{source}:{line_no}");
                let fields = Fields::split(text, ascii);
                match mode {
                    Mode::Batch => self.parse_batch_line(&fields, &at, &mut cases.columns)?,
                    Mode::Verify(options) => {
                        self.parse_verify_line(&options, &fields, &at, cases)?;
                        cases.rows.push(Row { line_no, start, end });
                    }
                }
            }
            start = end + 1;
            line_no += 1;
        }
        Ok(())
    }

    /// One value of `fmt`: the byte-level reader first, the text parser for the rest.
    fn value(&self, fmt: &Format, text: &str, field: impl FnOnce() -> String) -> Result<u128> {
        if self.notation == Notation::Bits {
            if let Some(bits) = wire::parse_bits(text, fmt.mask()) {
                return Ok(bits);
            }
        }
        parse_operand(&self.env, fmt, self.notation, text).at(field)
    }

    /// The operands of a line, in field order (the first bad field is the one named).
    fn parse_operands(&self, fields: &Fields<'_>, at: &impl Fn() -> String) -> Result<[u128; 3]> {
        let mut operands = [0u128; 3];
        for (k, operand) in operands.iter_mut().enumerate().take(self.op.arity()) {
            let text = fields.get(k).expect("the field count is checked");
            *operand = self.value(&self.fmt, text, || format!("{}: operand {}", at(), k + 1))?;
        }
        Ok(operands)
    }

    /// Stores the operands of a good line.
    fn push_operands(&self, columns: &mut Columns, operands: [u128; 3]) {
        for (column, operand) in columns.operands.iter_mut().zip(operands).take(self.op.arity()) {
            column.push(operand);
        }
    }

    fn parse_batch_line(
        &self,
        fields: &Fields<'_>,
        at: &impl Fn() -> String,
        columns: &mut Columns,
    ) -> Result<()> {
        if fields.len() != self.op.arity() {
            return Err(self.batch_arity_error(&at(), fields.len()));
        }
        let operands = self.parse_operands(fields, at)?;
        self.push_operands(columns, operands);
        Ok(())
    }

    fn parse_verify_line(
        &self,
        options: &VerifyOptions,
        fields: &Fields<'_>,
        at: &impl Fn() -> String,
        cases: &mut Cases,
    ) -> Result<()> {
        let arity = self.op.arity();
        let flags_optional = options.ignore_flags && fields.len() == arity + 1;
        if fields.len() != arity + 2 && !flags_optional {
            return Err(self.verify_arity_error(options, &at(), fields.len()));
        }
        // Parsed in the order of the fields, so that the first bad field is the one named;
        // stored only when the whole line is good.
        let operands = self.parse_operands(fields, at)?;
        let res_fmt = self.op.result_format(&self.fmt);
        let text = fields.get(arity).expect("the field count is checked");
        let expected = self.value(&res_fmt, text, || format!("{}: expected result", at()))?;
        let expected_flags = match fields.get(arity + 1) {
            Some(text) => Some(match wire::parse_flag_byte(text).and_then(Flags::from_bits) {
                Some(flags) => flags,
                None => parse_flags(text).at(|| format!("{}: expected flags", at()))?,
            }),
            None => None,
        };
        self.push_operands(&mut cases.columns, operands);
        cases.expected.push(expected);
        cases.expected_flags.push(expected_flags);
        Ok(())
    }

    /// Appends one value of `fmt` in the run's notation.
    fn push_value(&self, out: &mut Vec<u8>, fmt: &Format, bits: u128) {
        match self.notation {
            Notation::Bits => wire::push_bits(out, bits & fmt.mask(), fmt.hex_digits()),
            Notation::Text => {
                out.extend_from_slice(format_value(fmt, self.notation, bits).as_bytes());
            }
        }
    }

    /// Appends `operands... result flags` for every case of the block.
    fn print_batch(&self, work: &mut Work) {
        let arity = self.op.arity();
        let res_fmt = self.op.result_format(&self.fmt);
        let columns = &work.cases.columns;
        let out = &mut work.out;
        for (i, (&value, flags)) in columns.results.iter().zip(&columns.flags).enumerate() {
            for column in &columns.operands[..arity] {
                self.push_value(out, &self.fmt, column[i]);
                out.push(b' ');
            }
            self.push_value(out, &res_fmt, value);
            out.push(b' ');
            wire::push_flag_byte(out, flags.bits());
            out.push(b'\n');
        }
    }

    /// Counts the block's passes and failures and appends a line per mismatch.
    fn print_verify(&self, options: &VerifyOptions, source: &str, work: &mut Work) {
        let arity = self.op.arity();
        let cases = &work.cases;
        let columns = &cases.columns;
        for (i, row) in cases.rows.iter().enumerate() {
            let r = Rounded::new(columns.results[i], columns.flags[i]);
            let (expected, expected_flags) = (cases.expected[i], cases.expected_flags[i]);
            if self.matches(options, r, expected, expected_flags) {
                work.summary.passed += 1;
                continue;
            }
            work.summary.failed += 1;
            let line = String::from_utf8_lossy(&work.chunk.bytes[row.start..row.end]);
            let fields = Fields::split(&line, line.is_ascii());
            let at = format!("{source}:{}", row.line_no);
            let line = self.mismatch_line(&at, fields.first(arity), expected, expected_flags, r);
            work.out.extend_from_slice(line.as_bytes());
            work.out.push(b'\n');
        }
    }
}
