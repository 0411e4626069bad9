//! `fpx gen`: test vectors in testfloat_gen's layout for any format and operation.

use std::io::{self, BufWriter};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fporacle::gen::{generate, GenOptions};
use fporacle::oracle::Oracle;
use fporacle::protocol::Notation;

use crate::args::{EnvArgs, OpArgs};

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
}

/// Runs `fpx gen`.
pub fn run(args: &GenArgs) -> Result<ExitCode> {
    let env = args.env.env();
    let (fmt, op) = args.op.resolve(&env)?;
    let oracle = Oracle { env, fmt, op, notation: Notation::Bits };
    let options = GenOptions { level: args.level, seed: args.seed, count: args.count };
    generate(&oracle, &options, BufWriter::new(io::stdout().lock()))?;
    Ok(ExitCode::SUCCESS)
}
