//! `fpx golden check|regen`: the golden corpus verified against this build, or rewritten.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use fporacle::golden;

use crate::args::NetLimitArgs;

/// The `fpx golden` subcommands.
#[derive(Subcommand)]
pub enum GoldenCommand {
    /// Recompute every line of every corpus file; closes with `N passed, M failed`.
    Check(GoldenArgs),
    /// Rewrite every corpus file and the MANIFEST, deterministically and atomically.
    Regen(GoldenArgs),
}

/// Options of `fpx golden check` and `regen`.
#[derive(Args)]
pub struct GoldenArgs {
    /// Corpus directory (holds MANIFEST; network paths resolve against the directory two
    /// levels up, the repository root).
    #[arg(long, default_value = "golden/corpus")]
    pub dir: PathBuf,
    /// Limits on the corpus's network files.
    #[command(flatten)]
    pub limits: NetLimitArgs,
}

/// Refuses a corpus directory without a MANIFEST, naming `--dir`.
fn require_manifest(dir: &Path) -> Result<()> {
    if !dir.join("MANIFEST").is_file() {
        bail!(
            "{} holds no MANIFEST: run fpx golden from the repository root, or pass --dir PATH/golden/corpus",
            dir.display()
        );
    }
    Ok(())
}

/// Runs an `fpx golden` subcommand.
pub fn run(command: &GoldenCommand) -> Result<ExitCode> {
    match command {
        GoldenCommand::Check(args) => {
            require_manifest(&args.dir)?;
            let root = golden::root_of(&args.dir);
            let report = golden::check_with(&args.dir, &root, args.limits.limits())?;
            let mut out = io::stdout().lock();
            for problem in &report.problems {
                writeln!(out, "{problem}")?;
            }
            writeln!(out, "{} files", report.files)?;
            writeln!(out, "{} passed, {} failed", report.passed, report.failed)?;
            Ok(if report.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        GoldenCommand::Regen(args) => {
            let root = golden::root_of(&args.dir);
            let files = golden::regen_with(&args.dir, &root, args.limits.limits())?;
            println!("wrote {files} files and MANIFEST to {}", args.dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
