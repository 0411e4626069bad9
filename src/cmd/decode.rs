//! `fpx decode FMT HEX`: the fields, class and exact value of one encoding.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::Args;
use fporacle::show::decode;

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
    crate::cmd::print_in_format(&args.format, |fmt| {
        let bits = fpcore::text::bits::parse_bits(fmt, &args.bits).map_err(|e| {
            let env = fpcore::Env::default();
            if fpcore::text::parse_value(&env, fmt, &args.bits).is_ok() {
                anyhow!(
                    "{e} (decode takes an encoding; to round the number {} to {fmt}, run fpx encode {} {})",
                    args.bits,
                    args.format,
                    args.bits
                )
            } else {
                anyhow!("{e}")
            }
        })?;
        Ok(decode(fmt, bits))
    })
}
