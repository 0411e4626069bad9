//! One module per command: its options and its `run`, which returns the exit code (0 success,
//! 1 mismatches found); errors are usage or input errors (exit code 2).

pub mod batch;
pub mod bench;
pub mod construct;
pub mod decode;
pub mod demo;
pub mod encode;
pub mod eval;
pub mod formats;
pub mod gen;
pub mod golden;
pub mod mx;
pub mod net;
pub mod plot;
pub mod train;
pub mod verify;

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use fpcore::Format;
use fporacle::show::with_fn_note;

/// Writes `text` to standard output.
pub fn print(text: &str) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Parses the format name, prints what `show` makes of the format, and after it the note on
/// generic names such as `e4m3` (see [`fporacle::show::fn_note`]).
pub fn print_in_format(
    name: &str,
    show: impl FnOnce(&Format) -> Result<String>,
) -> Result<ExitCode> {
    let fmt = Format::parse(name).context("format")?;
    print(&with_fn_note(show(&fmt)?, name))
}
