//! `fpx encode FMT VALUE`: a decimal or hex-float value rounded once to a format.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use fpcore::Format;
use fporacle::show::{encode, with_fn_note};

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
    let fmt = Format::parse(&args.format).context("format")?;
    let text = encode(&args.env.env(), &fmt, &args.value)?;
    crate::cmd::print(&with_fn_note(text, &args.format))
}
