//! The `fpx` command line: the oracle protocol (`batch`, `verify`) and format utilities.
//!
//! Exit codes: 0 success, 1 mismatches found, 2 usage or input error.

mod lines;
mod protocol;

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};

use crate::lines::LineReader;
use crate::protocol::{format_flags, format_value, parse_flags, parse_operand, Notation, Op};

#[derive(Parser)]
#[command(name = "fpx", version, about = "Bit-exact floating-point oracle for neural-network arithmetic")]
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

/// What the oracle commands need, parsed and checked.
struct Setup {
    env: Env,
    fmt: Format,
    op: Op,
    notation: Notation,
    source: String,
    reader: LineReader<Box<dyn BufRead>>,
}

fn setup(args: &OracleArgs) -> Result<Setup> {
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
    Ok(Setup { env, fmt, op, notation, source, reader: LineReader::new(input) })
}

/// Splits a line into fields and checks the count.
fn fields<'a>(line: &'a str, want: usize, what: &str) -> Result<Vec<&'a str>> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() != want {
        bail!("expected {want} fields ({what}), found {}", fields.len());
    }
    Ok(fields)
}

fn batch(args: &OracleArgs) -> Result<ExitCode> {
    let mut s = setup(args)?;
    let arity = s.op.arity();
    let res_fmt = s.op.result_format(&s.fmt);
    let mut out = BufWriter::new(io::stdout().lock());
    while let Some((line_no, line)) = s.reader.next_line()? {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{line_no}", s.source);
        let f = fields(line, arity, "the operands").with_context(at)?;
        let mut operands = Vec::with_capacity(arity);
        for (i, text) in f.iter().enumerate() {
            let v = parse_operand(&s.env, &s.fmt, s.notation, text)
                .with_context(|| format!("{}: operand {}", at(), i + 1))?;
            operands.push(v);
        }
        let r = s.op.eval(&s.env, &s.fmt, &operands);
        for v in &operands {
            write!(out, "{} ", format_value(&s.fmt, s.notation, *v))?;
        }
        writeln!(out, "{} {}", format_value(&res_fmt, s.notation, r.value), format_flags(r.flags))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let mut s = setup(&args.oracle)?;
    let arity = s.op.arity();
    let res_fmt = s.op.result_format(&s.fmt);
    let mut out = BufWriter::new(io::stdout().lock());
    let (mut passed, mut failed) = (0u64, 0u64);
    while let Some((line_no, line)) = s.reader.next_line()? {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{line_no}", s.source);
        let f = fields(line, arity + 2, "operands, expected result, expected flags")
            .with_context(at)?;
        let mut operands = Vec::with_capacity(arity);
        for (i, text) in f[..arity].iter().enumerate() {
            let v = parse_operand(&s.env, &s.fmt, s.notation, text)
                .with_context(|| format!("{}: operand {}", at(), i + 1))?;
            operands.push(v);
        }
        let expected = parse_operand(&s.env, &res_fmt, s.notation, f[arity])
            .with_context(|| format!("{}: expected result", at()))?;
        let expected_flags =
            parse_flags(f[arity + 1]).with_context(|| format!("{}: expected flags", at()))?;
        let r = s.op.eval(&s.env, &s.fmt, &operands);
        let same_value = r.value == expected
            || (!args.exact_nan
                && res_fmt.unpack(r.value).is_nan()
                && res_fmt.unpack(expected).is_nan());
        let same_flags = args.ignore_flags || r.flags == expected_flags;
        if same_value && same_flags {
            passed += 1;
        } else {
            failed += 1;
            writeln!(
                out,
                "mismatch at {}: {} expected {} {} got {} {}",
                at(),
                f[..arity].join(" "),
                format_value(&res_fmt, s.notation, expected),
                format_flags(expected_flags),
                format_value(&res_fmt, s.notation, r.value),
                format_flags(r.flags),
            )?;
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    out.flush()?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn formats() -> Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "{:<10} {:>4} {:>7} {:>6} {:>5} {:<10}", "name", "p", "emin", "emax", "bits", "specials")?;
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
