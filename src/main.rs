//! The `fpx` command line: the oracle protocol (`batch`, `verify`) and format utilities.
//!
//! Exit codes: 0 success, 1 mismatches found, 2 usage or input error.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};

use fpx::oracle::{Oracle, VerifyOptions};
use fpx::protocol::{Notation, Op};

#[derive(Parser)]
#[command(
    name = "fpx",
    version,
    about = "Bit-exact floating-point oracle for neural-network arithmetic"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute results: one case per input line, printed as `operands... result flags`.
    Batch(OracleArgs),
    /// Check `operands... expected_result expected_flags` lines; closes with `N passed, M failed`.
    Verify(VerifyArgs),
    /// Print the table of named formats.
    Formats,
}

#[derive(Clone, Copy, ValueEnum)]
enum TininessArg {
    After,
    Before,
}

#[derive(Clone, Copy, ValueEnum)]
enum NanArg {
    /// Canonical per format (0x7E00 for binary16).
    Canonical,
    /// x86 SSE: first NaN operand quieted; invalid gives the negative default NaN.
    X86,
    /// ARM default-NaN mode.
    Arm,
}

#[derive(Args)]
struct OracleArgs {
    /// Operand format (binary32, bf16, e4m3fn, e3m4, p=P,emin=A,emax=B ...).
    #[arg(long)]
    format: String,
    /// Operation: add sub mul div sqrt fma cvt:FMT.
    #[arg(long)]
    op: String,
    /// When a result counts as tiny for the underflow flag.
    #[arg(long, value_enum, default_value = "after")]
    tininess: TininessArg,
    /// NaN result encoding.
    #[arg(long, value_enum, default_value = "canonical")]
    nan: NanArg,
    /// Clamp overflows to the largest finite value instead of infinity/NaN.
    #[arg(long)]
    saturate: bool,
    /// Values are hex-float or decimal text instead of hex bit patterns (results as hex-float).
    #[arg(long)]
    text: bool,
    /// Read cases from this file instead of standard input.
    #[arg(long)]
    input: Option<PathBuf>,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    oracle: OracleArgs,
    /// Compare NaN results bit for bit (by default any NaN matches any NaN).
    #[arg(long)]
    exact_nan: bool,
    /// Compare results only, not flags.
    #[arg(long)]
    ignore_flags: bool,
}

/// Parses the oracle options and opens the input.
fn setup(args: &OracleArgs) -> Result<(Oracle, String, Box<dyn BufRead>)> {
    let fmt = Format::parse(&args.format).context("--format")?;
    let op = Op::parse(&args.op).context("--op")?;
    let env = Env {
        tininess: match args.tininess {
            TininessArg::After => Tininess::AfterRounding,
            TininessArg::Before => Tininess::BeforeRounding,
        },
        nan: match args.nan {
            NanArg::Canonical => NanPolicy::Canonical,
            NanArg::X86 => NanPolicy::X86Sse,
            NanArg::Arm => NanPolicy::ArmDefaultNan,
        },
        overflow: if args.saturate { OverflowPolicy::Saturate } else { OverflowPolicy::Ieee },
    };
    let (source, input): (String, Box<dyn BufRead>) = match &args.input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            (path.display().to_string(), Box::new(io::BufReader::new(file)))
        }
        None => ("<stdin>".to_string(), Box::new(io::stdin().lock())),
    };
    let notation = if args.text { Notation::Text } else { Notation::Bits };
    Ok((Oracle { env, fmt, op, notation }, source, input))
}

fn batch(args: &OracleArgs) -> Result<ExitCode> {
    let (oracle, source, input) = setup(args)?;
    oracle.batch(&source, input, BufWriter::new(io::stdout().lock()))?;
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let (oracle, source, input) = setup(&args.oracle)?;
    let options = VerifyOptions { exact_nan: args.exact_nan, ignore_flags: args.ignore_flags };
    let mut out = BufWriter::new(io::stdout().lock());
    let summary = oracle.verify(&options, &source, input, &mut out)?;
    writeln!(out, "{} passed, {} failed", summary.passed, summary.failed)?;
    out.flush()?;
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn formats() -> Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(
        out,
        "{:<10} {:>4} {:>7} {:>6} {:>5} {:<10}",
        "name", "p", "emin", "emax", "bits", "specials"
    )?;
    for name in fpcore::format::NAMED_FORMATS {
        let f = Format::parse(name).expect("named formats parse");
        writeln!(
            out,
            "{:<10} {:>4} {:>7} {:>6} {:>5} {:<10?}",
            f.name(),
            f.p(),
            f.emin(),
            f.emax(),
            f.bits(),
            f.specials()
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run() -> Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            e.print().context("printing usage")?;
            return Ok(ExitCode::from(code));
        }
    };
    match &cli.command {
        Command::Batch(args) => batch(args),
        Command::Verify(args) => verify(args),
        Command::Formats => formats(),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fpx: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
