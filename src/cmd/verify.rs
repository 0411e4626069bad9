//! `fpx verify`: checks `operands... expected_result expected_flags` lines and closes with
//! `N passed, M failed`; reading no vector at all is a failure unless `--allow-empty`.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fporacle::oracle::VerifyOptions;

use crate::cmd::batch::OracleArgs;

/// Options of `fpx verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// What is computed and from where.
    #[command(flatten)]
    pub oracle: OracleArgs,
    /// Compare NaN results bit for bit (by default any NaN matches any NaN).
    #[arg(long)]
    pub exact_nan: bool,
    /// Compare results only, not flags; the flags column may then be left out.
    #[arg(long)]
    pub ignore_flags: bool,
    /// Succeed on an input without any vector (by default no vectors checked is a failure).
    #[arg(long)]
    pub allow_empty: bool,
}

/// Runs `fpx verify`.
pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let oracle = args.oracle.oracle()?;
    let (source, reader) = args.oracle.input.open(&args.oracle.lines)?;
    let options = VerifyOptions { exact_nan: args.exact_nan, ignore_flags: args.ignore_flags };
    let mut out = BufWriter::new(io::stdout().lock());
    let summary = oracle.verify_lines(&options, &source, reader, &mut out)?;
    writeln!(out, "{} passed, {} failed", summary.passed, summary.failed)?;
    out.flush()?;
    if summary.total() == 0 && !args.allow_empty {
        eprintln!(
            "fpx: no vectors were read from {source}: nothing was checked (pass --allow-empty to accept an empty input)"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
