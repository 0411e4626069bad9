//! `fpx gen`: test vectors in testfloat_gen's layout for any format and operation.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fporacle::gen::{generate, GenOptions};
use fporacle::oracle::Oracle;
use fporacle::protocol::Notation;

use crate::args::{EnvArgs, OpArgs, ShardArgs};

/// Options of `fpx gen`.
#[derive(Args)]
pub struct GenArgs {
    /// The format and the operation (as for `batch`).
    #[command(flatten)]
    pub op: OpArgs,
    /// 1: edge-value cross product and 1000 random cases; 2: more of both.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub level: u8,
    /// Seed of the random cases.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of random cases (default 1000 at level 1, 10000 at level 2).
    #[arg(long)]
    pub count: Option<u64>,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
    /// Which part of the vectors to write.
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Passes on the lines `[start, stop)` of what is written to it (lines counted from 0).
struct LineRange<W> {
    inner: W,
    line: u128,
    start: u128,
    stop: u128,
}

impl<W: Write> Write for LineRange<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut from = 0;
        for (i, &b) in buf.iter().enumerate() {
            if b == b'\n' {
                if (self.start..self.stop).contains(&self.line) {
                    self.inner.write_all(&buf[from..=i])?;
                }
                self.line += 1;
                from = i + 1;
            }
        }
        if from < buf.len() && (self.start..self.stop).contains(&self.line) {
            self.inner.write_all(&buf[from..])?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Runs `fpx gen`.
pub fn run(args: &GenArgs) -> Result<ExitCode> {
    let env = args.env.env();
    let (fmt, op) = args.op.resolve(&env)?;
    let oracle = Oracle { env, fmt, op, notation: Notation::Bits };
    let options = GenOptions { level: args.level, seed: args.seed, count: args.count };
    let out = BufWriter::new(io::stdout().lock());
    if args.shard.shard.is_none() {
        generate(&oracle, &options, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    // The number of lines decides the split: a first pass counts them.
    let total = generate(&oracle, &options, io::sink())?;
    let (start, stop) = args.shard.range(u128::from(total));
    generate(&oracle, &options, LineRange { inner: out, line: 0, start, stop })?;
    Ok(ExitCode::SUCCESS)
}
