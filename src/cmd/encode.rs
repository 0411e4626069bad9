//! `fpx encode FMT VALUE`: a decimal or hex-float value rounded once to a format.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fporacle::show::encode;

use crate::args::EnvArgs;

/// Options of `fpx encode`.
#[derive(Args)]
pub struct EncodeArgs {
    /// Format name.
    pub format: String,
    /// Decimal or hex-float text.
    #[arg(allow_hyphen_values = true)]
    pub value: String,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
}

/// Runs `fpx encode`.
pub fn run(args: &EncodeArgs) -> Result<ExitCode> {
    crate::cmd::print_in_format(&args.format, |fmt| Ok(encode(&args.env.env(), fmt, &args.value)?))
}
