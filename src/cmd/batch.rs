//! `fpx batch`: one case per input line, printed as `operands... result flags`.

use std::io::{self, BufWriter};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fporacle::oracle::Oracle;

use crate::args::{EnvArgs, InputArgs, LineLimitArgs, NotationArgs, OpArgs};

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

/// Runs `fpx batch`.
pub fn run(args: &OracleArgs) -> Result<ExitCode> {
    let oracle = args.oracle()?;
    let (source, reader) = args.input.open(&args.lines)?;
    oracle.batch_lines(&source, reader, BufWriter::new(io::stdout().lock()))?;
    Ok(ExitCode::SUCCESS)
}
