//! `fpx decode FMT HEX`: the fields, class and exact value of one encoding.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use fpcore::Format;
use fporacle::show::{decode, with_fn_note};

/// Options of `fpx decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// Format name.
    pub format: String,
    /// Bit pattern in hex.
    pub bits: String,
}

/// Runs `fpx decode`.
pub fn run(args: &DecodeArgs) -> Result<ExitCode> {
    let fmt = Format::parse(&args.format).context("format")?;
    let bits = fpcore::text::bits::parse_bits(&fmt, &args.bits).map_err(|e| {
        let is_number = fpcore::text::parse_value(&fpcore::Env::default(), &fmt, &args.bits).is_ok();
        if is_number {
            anyhow::anyhow!(
                "{e} (decode takes an encoding; to round the number {} to {fmt}, run fpx encode {} {})",
                args.bits,
                args.format,
                args.bits
            )
        } else {
            anyhow::anyhow!("{e}")
        }
    })?;
    crate::cmd::print(&with_fn_note(decode(&fmt, bits), &args.format))
}
