//! `fpx formats`: the table of named formats with exact extreme values.

use std::process::ExitCode;

use anyhow::Result;

/// Runs `fpx formats`.
pub fn run() -> Result<ExitCode> {
    crate::cmd::print(&fporacle::show::formats_table())
}
