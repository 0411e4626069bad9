//! `fpx batch`: one case per input line, printed as `operands... result flags`; with
//! `--shard K/N`, only the K-th of N contiguous parts of the input's lines.

use std::io::{self, BufRead, BufWriter, Read};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use fporacle::oracle::Oracle;

use crate::args::{EnvArgs, InputArgs, LineLimitArgs, NotationArgs, OpArgs, ShardArgs};

/// Options of `fpx batch` (and, flattened, of `fpx verify`).
#[derive(Args)]
pub struct OracleArgs {
    /// The format and the operation.
    #[command(flatten)]
    pub op: OpArgs,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
    /// The notation.
    #[command(flatten)]
    pub notation: NotationArgs,
    /// The input.
    #[command(flatten)]
    pub input: InputArgs,
    /// The line limit.
    #[command(flatten)]
    pub lines: LineLimitArgs,
}

impl OracleArgs {
    /// The oracle these options describe.
    pub fn oracle(&self) -> Result<Oracle> {
        let env = self.env.env();
        let (fmt, op) = self.op.resolve(&env)?;
        Ok(Oracle { env, fmt, op, notation: self.notation.notation() })
    }
}

/// Options of `fpx batch`.
#[derive(Args)]
pub struct BatchArgs {
    /// The operation, the environment and the input.
    #[command(flatten)]
    pub oracle: OracleArgs,
    /// The part of the input's lines to run: lines `(K-1)*L/N + 1 ..= K*L/N` of the L lines
    /// of `--input-file` (comments and blank lines count as lines).
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Runs `fpx batch`.
pub fn run(args: &BatchArgs) -> Result<ExitCode> {
    let oracle = args.oracle.oracle()?;
    let out = BufWriter::new(io::stdout().lock());
    let Some(shard) = args.shard.shard else {
        let (source, reader) = args.oracle.input.open(&args.oracle.lines)?;
        oracle.batch_lines(&source, reader, out)?;
        return Ok(ExitCode::SUCCESS);
    };
    let Some(path) = &args.oracle.input.input_file else {
        bail!("--shard needs --input-file (the input's lines are counted before a part is chosen)");
    };
    // The number of lines decides the split: a first pass counts them.
    let total = count_lines(fporacle::targets::open(path)?)?;
    let (start, stop) = shard.range(u128::from(total));
    let part = LinePart { inner: fporacle::targets::open(path)?, line: 0, start, stop };
    let reader = args.oracle.lines.reader(io::BufReader::new(part));
    oracle.batch_lines(&path.display().to_string(), reader, out)?;
    Ok(ExitCode::SUCCESS)
}

/// The number of lines of an input: its line feeds, and one more when it ends without one.
fn count_lines(mut input: impl BufRead) -> io::Result<u64> {
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let buf = input.fill_buf()?;
        let Some(&end) = buf.last() else { break };
        lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        last = end;
        let n = buf.len();
        input.consume(n);
    }
    Ok(lines + u64::from(last != b'\n'))
}

/// Lines `[start, stop)` (from 0) of an input, each line before `start` replaced by an empty
/// line, so that line numbers in messages stay those of the whole input and the skipped
/// lines print nothing. Skipped lines are not read as text: a line too long or not UTF-8 is
/// reported by the part that holds it.
struct LinePart<R> {
    inner: R,
    /// The number of the line at the read position (from 0).
    line: u128,
    start: u128,
    stop: u128,
}

impl<R: BufRead> Read for LinePart<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while self.line < self.start && written < buf.len() {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(written);
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.inner.consume(i + 1);
                    self.line += 1;
                    buf[written] = b'\n';
                    written += 1;
                }
                None => {
                    let n = available.len();
                    self.inner.consume(n);
                }
            }
        }
        if written > 0 || self.line >= self.stop {
            return Ok(written);
        }
        let available = self.inner.fill_buf()?;
        let mut take = available.len().min(buf.len());
        for (i, &b) in available[..take].iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                if self.line == self.stop {
                    take = i + 1;
                    break;
                }
            }
        }
        buf[..take].copy_from_slice(&available[..take]);
        self.inner.consume(take);
        Ok(take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &str, start: u128, stop: u128, buf: usize) -> String {
        let mut part = LinePart { inner: text.as_bytes(), line: 0, start, stop };
        let mut out = Vec::new();
        let mut chunk = vec![0u8; buf];
        loop {
            let n = part.read(&mut chunk).expect("in memory");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn parts_keep_line_numbers_and_cover_the_input() {
        for text in ["a\nbb\n\nccc\nd", "a\nbb\n\nccc\nd\n", "", "\n", "x"] {
            let total = count_lines(text.as_bytes()).expect("in memory");
            assert_eq!(u128::from(total), text.lines().count() as u128, "{text:?}");
            for n in 1..=6u128 {
                let mut whole = Vec::new();
                for k in 0..n {
                    let (start, stop) =
                        (k * u128::from(total) / n, (k + 1) * u128::from(total) / n);
                    for buf in [1, 2, 64] {
                        let got = part(text, start, stop, buf);
                        let expected: String = text
                            .split_inclusive('\n')
                            .enumerate()
                            .map(|(i, line)| match i as u128 {
                                i if i < start => "\n",
                                i if i < stop => line,
                                _ => "",
                            })
                            .collect();
                        assert_eq!(got, expected, "{text:?} {start}..{stop} buf {buf}");
                    }
                    let got = part(text, start, stop, 64);
                    whole.push(got[usize::try_from(start).expect("small")..].to_string());
                }
                assert_eq!(whole.concat(), text);
            }
        }
    }
}
