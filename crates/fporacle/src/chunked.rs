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
        let ascii = utf8.filter(|text| text.is_ascii());
        let mut line_no = chunk.first_line;
        let mut start = 0;
        let mut fields = Fields::default();
        let fixed = self.fixed_line(mode);
        while start < bytes.len() {
            // A line in TestFloat's layout whose every field reads at the byte level is taken
            // as it stands; any other line goes the general way, which gives the same values
            // or names the error.
            if let Some((fixed, end)) = fixed
                .and_then(|fixed| Some((fixed, fixed.split(bytes, start)?)))
                .filter(|(_, end)| end - start <= max_line)
            {
                if self.take_fixed_line(mode, &fixed, &bytes[..end], start, cases) {
                    if matches!(mode, Mode::Verify(_)) {
                        cases.rows.push(Row { line_no, start, end });
                    }
                    start = end + 1;
                    line_no += 1;
                    continue;
                }
            }
            let end = match ascii {
                Some(text) => fields.read_ascii_line(text, start),
                None => bytes[start..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |i| start + i),
            };
            let raw = &bytes[start..end];
            let terminated = end < bytes.len();
            // A line within the limit as it stands passes `line_text`'s checks; trailing
            // carriage returns are whitespace to the split.
            if ascii.is_none() || raw.len() > max_line {
                let text = utf8.map(|text| &text[start..end]);
                match line_text(raw, terminated, text, line_no, max_line) {
                    Ok(text) if ascii.is_none() => fields.read_line(text),
                    Ok(_) => {}
                    Err(e) => return Err(Error::At { at: source.into(), source: Box::new(e) }),
                }
            }
            if !fields.is_blank_or_comment() {
                let at = || format!("{source}:{line_no}");
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

    /// The layout of a line in TestFloat's own layout (bit patterns of the format's width,
    /// flags as two digits), when the run reads bit patterns.
    fn fixed_line(&self, mode: Mode) -> Option<wire::FixedLine> {
        if self.notation != Notation::Bits {
            return None;
        }
        let arity = self.op.arity();
        let mut widths = [self.fmt.hex_digits(); wire::MAX_FIELDS];
        let count = match mode {
            Mode::Batch => arity,
            Mode::Verify(_) => {
                widths[arity] = self.op.result_format(&self.fmt).hex_digits();
                widths[arity + 1] = 2;
                arity + 2
            }
        };
        Some(wire::FixedLine::new(&widths[..count]))
    }

    /// Stores the case of the line at `start` that [`wire::FixedLine::split`] found in the
    /// layout `fixed` (`bytes` ends with it) when every field reads at the
    /// byte level (hex digits only, so no field holds whitespace and the split is the one
    /// `str::split_whitespace` makes); false, storing nothing, otherwise.
    #[inline]
    fn take_fixed_line(
        &self,
        mode: Mode,
        fixed: &wire::FixedLine,
        bytes: &[u8],
        start: usize,
        cases: &mut Cases,
    ) -> bool {
        let arity = self.op.arity();
        let mask = self.fmt.mask();
        let mut operands = [0u128; 3];
        for (k, operand) in operands.iter_mut().enumerate().take(arity) {
            match wire::parse_bits(fixed.field(bytes, start, k), mask) {
                Some(bits) => *operand = bits,
                None => return false,
            }
        }
        if let Mode::Verify(_) = mode {
            let res_mask = self.op.result_format(&self.fmt).mask();
            let field = fixed.field(bytes, start, arity);
            let Some(expected) = wire::parse_bits(field, res_mask) else { return false };
            let field = fixed.field(bytes, start, arity + 1);
            let flags = wire::parse_flag_byte(field).and_then(Flags::from_bits);
            let Some(flags) = flags else { return false };
            cases.expected.push(expected);
            cases.expected_flags.push(Some(flags));
        }
        for (column, operand) in cases.columns.operands.iter_mut().zip(operands).take(arity) {
            column.push(operand);
        }
        true
    }

    /// Field `k` as one value of `fmt` (whose mask is `mask`): the byte-level reader first,
    /// the text parser for the rest.
    #[inline]
    fn value(
        &self,
        fmt: &Format,
        mask: u128,
        fields: &Fields<'_>,
        k: usize,
        field: impl FnOnce() -> String,
    ) -> Result<u128> {
        if self.notation == Notation::Bits {
            if let Some(bits) = fields.bytes(k).and_then(|bytes| wire::parse_bits(bytes, mask)) {
                return Ok(bits);
            }
        }
        let text = fields.get(k).expect("the field count is checked");
        parse_operand(&self.env, fmt, self.notation, text).at(field)
    }

    /// Appends the operands of a line to the columns, in field order (the first bad field is
    /// the one named); on an error the columns are left as they were.
    #[inline]
    fn parse_operands(
        &self,
        fields: &Fields<'_>,
        at: &impl Fn() -> String,
        columns: &mut Columns,
    ) -> Result<()> {
        let (n, mask) = (columns.len(), self.fmt.mask());
        for k in 0..self.op.arity() {
            match self.value(&self.fmt, mask, fields, k, || format!("{}: operand {}", at(), k + 1))
            {
                Ok(operand) => columns.operands[k].push(operand),
                Err(e) => {
                    columns.truncate(n);
                    return Err(e);
                }
            }
        }
        Ok(())
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
        self.parse_operands(fields, at, columns)
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
        // kept only when the whole line is good.
        let n = cases.columns.len();
        self.parse_operands(fields, at, &mut cases.columns)?;
        let res_fmt = self.op.result_format(&self.fmt);
        let expected = self
            .value(&res_fmt, res_fmt.mask(), fields, arity, || format!("{}: expected result", at()))
            .and_then(|expected| {
                let flags = match fields.get(arity + 1) {
                    None => None,
                    Some(text) => Some(
                        match wire::parse_flag_byte(text.as_bytes()).and_then(Flags::from_bits) {
                            Some(flags) => flags,
                            None => parse_flags(text).at(|| format!("{}: expected flags", at()))?,
                        },
                    ),
                };
                Ok((expected, flags))
            });
        match expected {
            Ok((expected, flags)) => {
                cases.expected.push(expected);
                cases.expected_flags.push(flags);
                Ok(())
            }
            Err(e) => {
                cases.columns.truncate(n);
                Err(e)
            }
        }
    }

    /// Appends `operands... result flags` for every case of the block.
    fn print_batch(&self, work: &mut Work) {
        let arity = self.op.arity();
        let res_fmt = self.op.result_format(&self.fmt);
        let columns = &work.cases.columns;
        let operands = &columns.operands[..arity];
        let out = &mut work.out;
        if self.notation == Notation::Text {
            for (i, (&value, flags)) in columns.results.iter().zip(&columns.flags).enumerate() {
                for column in operands {
                    out.extend_from_slice(
                        format_value(&self.fmt, self.notation, column[i]).as_bytes(),
                    );
                    out.push(b' ');
                }
                out.extend_from_slice(format_value(&res_fmt, self.notation, value).as_bytes());
                out.push(b' ');
                out.extend_from_slice(&wire::flag_byte_text(flags.bits()));
                out.push(b'\n');
            }
            return;
        }
        // Bit patterns have one width per format, so every line has the same length and is
        // written in place.
        let (digits, res_digits) = (self.fmt.hex_digits(), res_fmt.hex_digits());
        let (mask, res_mask) = (self.fmt.mask(), res_fmt.mask());
        let line_len = arity * (digits + 1) + res_digits + 4;
        let start = out.len();
        out.resize(start + line_len * columns.results.len(), b' ');
        let lines = out[start..].chunks_exact_mut(line_len);
        for (i, (line, (&value, flags))) in
            lines.zip(columns.results.iter().zip(&columns.flags)).enumerate()
        {
            let mut at = 0;
            for column in operands {
                wire::write_bits(&mut line[at..at + digits], column[i] & mask);
                at += digits + 1;
            }
            wire::write_bits(&mut line[at..at + res_digits], value & res_mask);
            at += res_digits + 1;
            line[at..at + 2].copy_from_slice(&wire::flag_byte_text(flags.bits()));
            line[at + 2] = b'\n';
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
            let operands = Fields::split(&line).join(arity);
            let at = format!("{source}:{}", row.line_no);
            let line = self.mismatch_line(&at, &operands, expected, expected_flags, r);
            work.out.extend_from_slice(line.as_bytes());
            work.out.push(b'\n');
        }
    }
}

/// The tests' generator, shared with the workspace's tests and benches.
#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use fpcore::{Env, Format, Op};

    use super::*;

    use crate::gen::SplitMix;

    /// A number in `0..n` from the tests' generator.
    trait Pick {
        fn pick(&mut self, n: usize) -> usize;
    }

    impl Pick for SplitMix {
        fn pick(&mut self, n: usize) -> usize {
            self.below(n as u64) as usize
        }
    }

    /// Splits of the work that the output must not depend on: one thread and several, blocks
    /// smaller than a line, of a few lines, and the default.
    fn chunkings() -> Vec<Chunking> {
        let mut all = Vec::new();
        for threads in [1, 3] {
            for block_bytes in [1, 40, 1 << 18] {
                all.push(Chunking { threads: NonZeroUsize::new(threads), block_bytes });
            }
        }
        all
    }

    /// One field of an operand of `fmt`: mostly valid bit patterns, sometimes text that the
    /// byte-level reader leaves to the text parser or that is an error.
    fn field(rng: &mut SplitMix, fmt: &Format, notation: Notation) -> String {
        let bits = u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64());
        let value = bits & fmt.mask();
        let digits = fmt.hex_digits();
        match (rng.pick(6000), notation) {
            (0..=199, _) => format!("0x{value:X}"),
            (200..=399, _) => format!("000{value:0digits$x}"),
            (400, _) => "1.5".into(),
            (401, _) => "-0x1p-3".into(),
            (402, _) => format!("{:X}", bits),
            (403, _) => "zz".into(),
            (404, _) => "nan".into(),
            (_, Notation::Text) => format!("{}", rng.pick(2000) as i64 - 1000),
            (_, Notation::Bits) => format!("{value:0digits$X}"),
        }
    }

    /// A random input: good lines, blank lines, comments, odd whitespace and line endings,
    /// wrong field counts, bad fields, long lines and bytes that are not UTF-8.
    fn input(rng: &mut SplitMix, oracle: &Oracle, verify: bool, lines: usize) -> Vec<u8> {
        let arity = oracle.op.arity();
        let res_fmt = oracle.op.result_format(&oracle.fmt);
        let mut out = Vec::new();
        for _ in 0..lines {
            let mut fields: Vec<String> =
                (0..arity).map(|_| field(rng, &oracle.fmt, oracle.notation)).collect();
            if verify {
                let operands: Vec<u128> = fields
                    .iter()
                    .map(|f| {
                        parse_operand(&oracle.env, &oracle.fmt, oracle.notation, f).unwrap_or(0)
                    })
                    .collect();
                let r = oracle.op.eval(&oracle.env, &oracle.fmt, &operands);
                let value = if rng.pick(8) == 0 { r.value ^ 1 } else { r.value };
                fields.push(format_value(&res_fmt, oracle.notation, value & res_fmt.mask()));
                let flags = if rng.pick(8) == 0 { r.flags.bits() ^ 1 } else { r.flags.bits() };
                match rng.pick(3000) {
                    0..=5 => {}
                    6..=59 => fields.push("+1".into()),
                    60 => fields.push("3f".into()),
                    _ => fields.push(format!("{flags:02x}")),
                }
            }
            match rng.pick(3000) {
                0 => fields.push("extra".into()),
                1 => {
                    fields.pop();
                }
                _ => {}
            }
            let separator = [" ", " ", " ", "\t", "  ", "\u{a0}", "\x0b"][rng.pick(7)];
            let mut line = fields.join(separator);
            match rng.pick(40) {
                0 => line.clear(),
                1 => line = format!("# {line}"),
                2 => line = format!("  {line}\r"),
                3 => line.push_str("\r\r"),
                4 => line = format!("\u{2003}{line}"),
                5 if rng.pick(20) == 0 => line.push_str(&"0".repeat(40)),
                _ => {}
            }
            out.extend_from_slice(line.as_bytes());
            if rng.pick(2000) == 0 {
                out.push(0xff);
            }
            out.push(b'\n');
        }
        if rng.pick(2) == 0 {
            out.pop();
        }
        out
    }

    /// A reader that fails after `good` bytes.
    struct FailingAfter<'a> {
        bytes: &'a [u8],
        good: usize,
    }

    impl Read for FailingAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.good == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.good).min(self.bytes.len()).min(7);
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            self.good -= n;
            Ok(n)
        }
    }

    /// What a run wrote and returned, errors with their whole chain.
    fn outcome<T: std::fmt::Debug>(out: Vec<u8>, result: Result<T>) -> (String, String) {
        (String::from_utf8_lossy(&out).into_owned(), format!("{result:?}"))
    }

    fn reader(
        bytes: &[u8],
        max_line: usize,
        fail_at: Option<usize>,
    ) -> LineReader<Box<dyn BufRead + '_>> {
        let inner: Box<dyn BufRead> = match fail_at {
            Some(good) => Box::new(BufReader::with_capacity(5, FailingAfter { bytes, good })),
            None => Box::new(bytes),
        };
        LineReader::with_limit(inner, max_line)
    }

    /// Runs of `oracle` on random inputs, line by line and chunked; returns how many ended
    /// without an error and how many with one.
    fn check(oracle: &Oracle, seed: u64, lines: usize) -> [usize; 2] {
        let mut ends = [0; 2];
        let mut rng = SplitMix::new(seed);
        let options = [
            VerifyOptions::default(),
            VerifyOptions { exact_nan: true, ignore_flags: false },
            VerifyOptions { exact_nan: false, ignore_flags: true },
        ];
        for round in 0..6 {
            let verify = round % 2 == 1;
            let bytes = input(&mut rng, oracle, verify, lines);
            let max_line = [30, 1 << 20, 1 << 20, 1 << 20][rng.pick(4)];
            let fail_at = (rng.pick(5) == 0).then(|| rng.pick(bytes.len() + 1));
            let options = options[rng.pick(options.len())];
            let mut want_out = Vec::new();
            let want = if verify {
                let r = oracle.verify_serial(
                    &options,
                    "in",
                    reader(&bytes, max_line, fail_at),
                    &mut want_out,
                );
                outcome(want_out, r)
            } else {
                let r = oracle.batch_serial("in", reader(&bytes, max_line, fail_at), &mut want_out);
                outcome(want_out, r)
            };
            for chunking in chunkings() {
                let lines = reader(&bytes, max_line, fail_at);
                let mut out = Vec::new();
                let got = if verify {
                    let r = oracle.verify_chunked(&options, &chunking, "in", lines, &mut out);
                    outcome(out, r)
                } else {
                    let r = oracle.batch_chunked(&chunking, "in", lines, &mut out);
                    outcome(out, r)
                };
                assert_eq!(got, want, "{oracle:?} seed {seed} round {round} {chunking:?}");
            }
            ends[usize::from(want.1.starts_with("Err"))] += 1;
        }
        ends
    }

    fn oracles() -> Vec<Oracle> {
        let env = Env::default();
        let setups = [
            (Format::BINARY32, "add"),
            (Format::BF16, "mul"),
            (Format::E4M3FN, "div"),
            (Format::BINARY128, "fma"),
            (Format::BINARY16, "sqrt"),
            (Format::BINARY32, "cvt:bf16"),
            (Format::BF16, "relu"),
        ];
        let mut all = Vec::new();
        for (fmt, op) in setups {
            for notation in [Notation::Bits, Notation::Text] {
                let op = Op::parse(op).expect("listed operations parse");
                all.push(Oracle { env, fmt, op, notation });
            }
        }
        all
    }

    #[test]
    fn chunked_runs_write_what_line_by_line_runs_write_on_random_and_broken_input() {
        let mut ends = [0; 2];
        for (i, oracle) in oracles().iter().enumerate() {
            for seed in 0..4 {
                let [ok, err] = check(oracle, 0x5EED + 16 * i as u64 + seed, 100);
                ends = [ends[0] + ok, ends[1] + err];
            }
        }
        // Both endings are exercised, each many times.
        assert!(ends[0] > 50 && ends[1] > 50, "{ends:?}");
    }

    /// Long valid inputs, where every block holds thousands of lines: the output and the
    /// counts are the same with one thread and with four.
    #[test]
    fn one_and_four_threads_give_the_same_bytes_and_counts() {
        let mut rng = SplitMix::new(7);
        let env = Env::default();
        for (fmt, op) in [(Format::BINARY32, Op::Add), (Format::BF16, Op::Mul)] {
            let oracle = Oracle { env, fmt, op, notation: Notation::Bits };
            let mut text = String::new();
            for i in 0..60_000u64 {
                let (a, b) = (
                    u128::from(rng.next_u64()) & fmt.mask(),
                    u128::from(rng.next_u64()) & fmt.mask(),
                );
                let r = oracle.op.eval(&env, &fmt, &[a, b]);
                let value = if i % 997 == 0 { r.value ^ 1 } else { r.value };
                let d = fmt.hex_digits();
                text.push_str(&format!("{a:0d$X} {b:0d$X} {value:0d$X} {:02x}\n", r.flags.bits()));
            }
            let run = |threads: usize| {
                let chunking = Chunking { threads: NonZeroUsize::new(threads), block_bytes: 4096 };
                let (mut batch, mut mismatches) = (Vec::new(), Vec::new());
                let operands: String = text
                    .lines()
                    .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" ") + "\n")
                    .collect();
                oracle
                    .batch_chunked(
                        &chunking,
                        "in",
                        LineReader::new(operands.as_bytes()),
                        &mut batch,
                    )
                    .expect("valid input");
                let summary = oracle
                    .verify_chunked(
                        &VerifyOptions::default(),
                        &chunking,
                        "in",
                        LineReader::new(text.as_bytes()),
                        &mut mismatches,
                    )
                    .expect("valid input");
                (batch, mismatches, summary)
            };
            let one = run(1);
            assert_eq!(one.2, Summary { passed: 60_000 - 61, failed: 61 });
            assert_eq!(one.1.iter().filter(|b| **b == b'\n').count(), 61);
            assert_eq!(run(4), one);
        }
    }

    /// Lines around the limit, with and without carriage returns and a final line feed: the
    /// same line is refused, with the same output before it.
    #[test]
    fn lines_at_the_limit_are_refused_where_line_by_line_runs_refuse_them() {
        let oracle = Oracle {
            env: Env::default(),
            fmt: Format::BF16,
            op: Op::Sqrt,
            notation: Notation::Bits,
        };
        let mut runs = 0;
        for max_line in [3, 4, 5, 6, 7] {
            for pad in 0..4 {
                for ending in ["", "\r", "\r\r", "\r\r\r"] {
                    for last in [true, false] {
                        let line = format!("{}3F80{ending}", " ".repeat(pad));
                        let mut text = format!("4000\n{line}");
                        if !last {
                            text.push_str("\n0000\n");
                        }
                        let mut out = Vec::new();
                        let lines = LineReader::with_limit(text.as_bytes(), max_line);
                        let r = oracle.batch_serial("in", lines, &mut out);
                        let want = outcome(out, r);
                        for chunking in chunkings() {
                            let mut out = Vec::new();
                            let lines = LineReader::with_limit(text.as_bytes(), max_line);
                            let r = oracle.batch_chunked(&chunking, "in", lines, &mut out);
                            let got = outcome(out, r);
                            assert_eq!(got, want, "{text:?} {max_line} {chunking:?}");
                            runs += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(runs, 5 * 4 * 4 * 2 * 6);
    }
}
