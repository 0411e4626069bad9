//! The oracle commands as library functions: `batch` computes results line by line, `verify`
//! checks expected results and counts, both over any reader and writer. This module holds
//! what a run is ([`Oracle`], [`VerifyOptions`], [`Summary`]), the messages both ways of
//! running share, and the runs one line at a time ([`Oracle::batch_serial`],
//! [`Oracle::verify_serial`]): the plain twins that `crate::chunked`'s runs, which
//! [`Oracle::batch`] and [`Oracle::verify`] use, must match byte for byte.

use std::io::{BufRead, Write};

use fpcore::{Env, Flags, Format, Rounded};

use crate::error::{Context, Error, Result};
use crate::lines::{next_data_line, LineReader};
use crate::protocol::{format_flags, format_value, parse_flags, parse_operand, Notation, Op};

/// What one oracle run computes: environment, operand format, operation and notation.
#[derive(Clone, Copy, Debug)]
pub struct Oracle {
    /// Rounding environment.
    pub env: Env,
    /// Operand format.
    pub fmt: Format,
    /// Operation.
    pub op: Op,
    /// How values are written.
    pub notation: Notation,
}

/// How `verify` compares.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions {
    /// Compare NaN results bit for bit (otherwise any NaN matches any NaN).
    pub exact_nan: bool,
    /// Compare results only; the flags column is then optional.
    pub ignore_flags: bool,
}

/// Counts of a `verify` run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines whose result (and flags) matched.
    pub passed: u64,
    /// Lines that did not match.
    pub failed: u64,
}

impl Summary {
    /// Lines checked.
    pub fn total(&self) -> u64 {
        self.passed + self.failed
    }
}

impl Oracle {
    fn operands(&self, texts: &[&str], at: &dyn Fn() -> String) -> Result<Vec<u128>> {
        let mut operands = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let v = parse_operand(&self.env, &self.fmt, self.notation, text)
                .at(|| format!("{}: operand {}", at(), i + 1))?;
            operands.push(v);
        }
        Ok(operands)
    }

    /// Evaluates one case and writes it as a line: `operands... result flags`.
    ///
    /// # Errors
    ///
    /// Only if writing fails.
    pub fn write_case<W: Write + ?Sized>(&self, operands: &[u128], out: &mut W) -> Result<()> {
        let r = self.op.eval(&self.env, &self.fmt, operands);
        for v in operands {
            write!(out, "{} ", format_value(&self.fmt, self.notation, *v))?;
        }
        let res_fmt = self.op.result_format(&self.fmt);
        writeln!(
            out,
            "{} {}",
            format_value(&res_fmt, self.notation, r.value),
            format_flags(r.flags)
        )?;
        Ok(())
    }

    /// Reads one case per line (`operands...`; blank lines and `#` comments skipped) and
    /// writes `operands... result flags`. An input error stops the run with the line named,
    /// after the output of every line before it.
    ///
    /// Lines are read in blocks and computed on all threads of rayon's pool (see
    /// [`Oracle::batch_chunked`]); the output is the same as [`Oracle::batch_serial`]'s.
    ///
    /// # Errors
    ///
    /// An input error, naming the source, line and field; or an I/O error.
    pub fn batch<R: BufRead, W: Write>(&self, source: &str, input: R, out: W) -> Result<()> {
        self.batch_lines(source, LineReader::new(input), out)
    }

    /// [`Oracle::batch`] one line at a time, on the calling thread: the plain twin of the
    /// chunked run.
    ///
    /// # Errors
    ///
    /// As [`Oracle::batch`].
    pub fn batch_serial<R: BufRead, W: Write>(
        &self,
        source: &str,
        mut reader: LineReader<R>,
        mut out: W,
    ) -> Result<()> {
        let arity = self.op.arity();
        while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
            let at = || format!("{source}:{line_no}");
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() != arity {
                return Err(self.batch_arity_error(&at(), fields.len()));
            }
            let operands = self.operands(&fields, &at)?;
            self.write_case(&operands, &mut out)?;
        }
        out.flush()?;
        Ok(())
    }

    /// The error of a batch line with `found` fields instead of the operation's arity, with
    /// a hint when the line looks like a verify line.
    pub(crate) fn batch_arity_error(&self, at: &str, found: usize) -> Error {
        let arity = self.op.arity();
        let hint = if found == arity + 2 {
            ": this looks like a verify line (operands, expected result, expected flags); check it with fpx verify"
        } else if found == arity + 1 {
            ": this looks like operands and a result; check it with fpx verify --ignore-flags"
        } else {
            ""
        };
        Error::invalid(format!("{at}: expected {arity} fields (the operands), found {found}{hint}"))
    }

    /// Reads `operands... expected_result expected_flags` lines (with
    /// [`VerifyOptions::ignore_flags`], the flags may be left out), writes one line per
    /// mismatch and returns the counts (the caller prints the closing line). An input error
    /// stops the run with the line named, after the mismatches of every line before it.
    ///
    /// Lines are read in blocks and checked on all threads of rayon's pool (see
    /// [`Oracle::verify_chunked`]); the output is the same as [`Oracle::verify_serial`]'s.
    ///
    /// # Errors
    ///
    /// An input error, naming the source, line and field; or an I/O error.
    pub fn verify<R: BufRead, W: Write>(
        &self,
        options: &VerifyOptions,
        source: &str,
        input: R,
        out: W,
    ) -> Result<Summary> {
        self.verify_lines(options, source, LineReader::new(input), out)
    }

    /// [`Oracle::verify`] one line at a time, on the calling thread: the plain twin of the
    /// chunked run.
    ///
    /// # Errors
    ///
    /// As [`Oracle::verify`].
    pub fn verify_serial<R: BufRead, W: Write>(
        &self,
        options: &VerifyOptions,
        source: &str,
        mut reader: LineReader<R>,
        mut out: W,
    ) -> Result<Summary> {
        let arity = self.op.arity();
        let res_fmt = self.op.result_format(&self.fmt);
        let mut summary = Summary::default();
        while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
            let at = || format!("{source}:{line_no}");
            let f: Vec<&str> = line.split_whitespace().collect();
            let flags_optional = options.ignore_flags && f.len() == arity + 1;
            if f.len() != arity + 2 && !flags_optional {
                return Err(self.verify_arity_error(options, &at(), f.len()));
            }
            let operands = self.operands(&f[..arity], &at)?;
            let expected = parse_operand(&self.env, &res_fmt, self.notation, f[arity])
                .at(|| format!("{}: expected result", at()))?;
            let expected_flags: Option<Flags> = match f.get(arity + 1) {
                Some(text) => Some(parse_flags(text).at(|| format!("{}: expected flags", at()))?),
                None => None,
            };
            let r = self.op.eval(&self.env, &self.fmt, &operands);
            if self.matches(options, r, expected, expected_flags) {
                summary.passed += 1;
            } else {
                summary.failed += 1;
                let line =
                    self.mismatch_line(&at(), &f[..arity].join(" "), expected, expected_flags, r);
                writeln!(out, "{line}")?;
            }
        }
        out.flush()?;
        Ok(summary)
    }

    /// The error of a verify line with `found` fields.
    pub(crate) fn verify_arity_error(
        &self,
        options: &VerifyOptions,
        at: &str,
        found: usize,
    ) -> Error {
        let arity = self.op.arity();
        Error::invalid(if options.ignore_flags {
            format!(
                "{at}: expected {} or {} fields (operands, expected result, optional expected flags), found {found}",
                arity + 1,
                arity + 2,
            )
        } else {
            format!(
                "{at}: expected {} fields (operands, expected result, expected flags), found {found}",
                arity + 2,
            )
        })
    }

    /// Whether a computed result passes against the expected result and flags.
    pub(crate) fn matches(
        &self,
        options: &VerifyOptions,
        r: Rounded<u128>,
        expected: u128,
        expected_flags: Option<Flags>,
    ) -> bool {
        let res_fmt = self.op.result_format(&self.fmt);
        let same_value = r.value == expected
            || (!options.exact_nan
                && res_fmt.unpack(r.value).is_nan()
                && res_fmt.unpack(expected).is_nan());
        let same_flags = options.ignore_flags || expected_flags == Some(r.flags);
        same_value && same_flags
    }

    /// The report of a mismatch (without its line feed): the place, the operands as written
    /// (joined by single spaces),
    /// the expected result (and flags, when given) and the computed ones.
    pub(crate) fn mismatch_line(
        &self,
        at: &str,
        operands: &str,
        expected: u128,
        expected_flags: Option<Flags>,
        r: Rounded<u128>,
    ) -> String {
        let res_fmt = self.op.result_format(&self.fmt);
        let expected_flags = expected_flags.map(|f| format!(" {}", format_flags(f)));
        format!(
            "mismatch at {}: {} expected {}{} got {} {}",
            at,
            operands,
            format_value(&res_fmt, self.notation, expected),
            expected_flags.unwrap_or_default(),
            format_value(&res_fmt, self.notation, r.value),
            format_flags(r.flags),
        )
    }
}
