//! The oracle commands as library functions: `batch` computes results line by line, `verify`
//! checks expected results and counts, both over any reader and writer.

use std::io::{BufRead, Write};

use anyhow::{bail, Context, Result};
use fpcore::{Env, Format};

use crate::lines::LineReader;
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
    /// Compare results only.
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

/// Splits a line into fields and checks the count.
fn fields<'a>(line: &'a str, want: usize, what: &str) -> Result<Vec<&'a str>> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() != want {
        bail!("expected {want} fields ({what}), found {}", fields.len());
    }
    Ok(fields)
}

impl Oracle {
    fn operands(&self, texts: &[&str], at: &dyn Fn() -> String) -> Result<Vec<u128>> {
        let mut operands = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let v = parse_operand(&self.env, &self.fmt, self.notation, text)
                .with_context(|| format!("{}: operand {}", at(), i + 1))?;
            operands.push(v);
        }
        Ok(operands)
    }

    /// Reads one case per line (`operands...`; blank lines and `#` comments skipped) and
    /// writes `operands... result flags`. An input error stops the run with the line named.
    pub fn batch<R: BufRead, W: Write>(&self, source: &str, input: R, out: W) -> Result<()> {
        self.batch_lines(source, LineReader::new(input), out)
    }

    /// [`Oracle::batch`] over a line reader (which sets the longest accepted line).
    pub fn batch_lines<R: BufRead, W: Write>(
        &self,
        source: &str,
        mut reader: LineReader<R>,
        mut out: W,
    ) -> Result<()> {
        let arity = self.op.arity();
        let res_fmt: Format = self.op.result_format(&self.fmt);
        while let Some((line_no, line)) = reader.next_line().with_context(|| source.to_string())? {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("{source}:{line_no}");
            let f = fields(line, arity, "the operands").with_context(at)?;
            let operands = self.operands(&f, &at)?;
            let r = self.op.eval(&self.env, &self.fmt, &operands);
            for v in &operands {
                write!(out, "{} ", format_value(&self.fmt, self.notation, *v))?;
            }
            writeln!(
                out,
                "{} {}",
                format_value(&res_fmt, self.notation, r.value),
                format_flags(r.flags)
            )?;
        }
        out.flush()?;
        Ok(())
    }

    /// Reads `operands... expected_result expected_flags` lines, writes one line per mismatch
    /// and returns the counts (the caller prints the closing line).
    pub fn verify<R: BufRead, W: Write>(
        &self,
        options: &VerifyOptions,
        source: &str,
        input: R,
        out: W,
    ) -> Result<Summary> {
        self.verify_lines(options, source, LineReader::new(input), out)
    }

    /// [`Oracle::verify`] over a line reader (which sets the longest accepted line).
    pub fn verify_lines<R: BufRead, W: Write>(
        &self,
        options: &VerifyOptions,
        source: &str,
        mut reader: LineReader<R>,
        mut out: W,
    ) -> Result<Summary> {
        let arity = self.op.arity();
        let res_fmt = self.op.result_format(&self.fmt);
        let mut summary = Summary::default();
        while let Some((line_no, line)) = reader.next_line().with_context(|| source.to_string())? {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("{source}:{line_no}");
            let f = fields(line, arity + 2, "operands, expected result, expected flags")
                .with_context(at)?;
            let operands = self.operands(&f[..arity], &at)?;
            let expected = parse_operand(&self.env, &res_fmt, self.notation, f[arity])
                .with_context(|| format!("{}: expected result", at()))?;
            let expected_flags =
                parse_flags(f[arity + 1]).with_context(|| format!("{}: expected flags", at()))?;
            let r = self.op.eval(&self.env, &self.fmt, &operands);
            let same_value = r.value == expected
                || (!options.exact_nan
                    && res_fmt.unpack(r.value).is_nan()
                    && res_fmt.unpack(expected).is_nan());
            let same_flags = options.ignore_flags || r.flags == expected_flags;
            if same_value && same_flags {
                summary.passed += 1;
            } else {
                summary.failed += 1;
                writeln!(
                    out,
                    "mismatch at {}: {} expected {} {} got {} {}",
                    at(),
                    f[..arity].join(" "),
                    format_value(&res_fmt, self.notation, expected),
                    format_flags(expected_flags),
                    format_value(&res_fmt, self.notation, r.value),
                    format_flags(r.flags),
                )?;
            }
        }
        out.flush()?;
        Ok(summary)
    }
}
