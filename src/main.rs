//! The `fpx` command line: the oracle protocol (`batch`, `verify`) and format utilities.
//!
//! Exit codes: 0 success, 1 mismatches found, 2 usage or input error.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};

use fpx::gen::{generate, GenOptions};
use fpx::oracle::{Oracle, VerifyOptions};
use fpx::protocol::{Notation, Op};
use fpx::util::{decode, encode, eval_report, formats_table};

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
    /// Generate test vectors (testfloat_gen's layout) for any format and operation.
    Gen(GenArgs),
    /// Check the golden corpus against this build, or rewrite it.
    #[command(subcommand)]
    Golden(GoldenCommand),
    /// Print the table of named formats.
    Formats,
    /// Show the fields, class and exact value of one encoding: `fpx decode FMT HEX`.
    Decode {
        /// Format name.
        format: String,
        /// Bit pattern in hex.
        bits: String,
    },
    /// Round a decimal or hex-float value once to a format: `fpx encode FMT VALUE`.
    Encode {
        /// Format name.
        format: String,
        /// Decimal or hex-float text.
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[command(flatten)]
        env: EnvArgs,
    },
    /// Evaluate a network file or describe it: `fpx net eval --net NET.json`, `fpx net info`.
    #[command(subcommand)]
    Net(fpx::net::NetCommand),
    /// Two networks with the same values on every input and different AD gradients.
    Demo,
    /// Build a ReLU network with given values and AD gradients on a finite domain:
    /// `fpx construct --format FMT --targets FILE --out NET.json [--phi one|y|y-C]`.
    Construct(fpx::construct::ConstructArgs),
    /// Evaluate an expression in a format, every operation rounded, left to right:
    /// `fpx eval bf16 "0.1 + 0.2 * 3"`.
    Eval {
        /// Format name.
        format: String,
        /// Expression: numbers, + - * /, parentheses, sqrt, fma, abs, min, max.
        #[arg(allow_hyphen_values = true)]
        expr: String,
        #[command(flatten)]
        env: EnvArgs,
    },
}

#[derive(Subcommand)]
enum GoldenCommand {
    /// Recompute every line of every corpus file; closes with `N passed, M failed`.
    Check {
        /// Corpus directory (holds MANIFEST).
        #[arg(long, default_value = "golden/corpus")]
        dir: PathBuf,
        /// Limits on the corpus's network files.
        #[command(flatten)]
        limits: fpx::limits::NetLimitArgs,
    },
    /// Rewrite every corpus file and the MANIFEST, deterministically and atomically.
    Regen {
        /// Corpus directory.
        #[arg(long, default_value = "golden/corpus")]
        dir: PathBuf,
        /// Limits on the corpus's network files.
        #[command(flatten)]
        limits: fpx::limits::NetLimitArgs,
    },
}

fn golden(command: &GoldenCommand) -> Result<ExitCode> {
    match command {
        GoldenCommand::Check { dir, limits } => {
            let report = fpx::golden::check_with(dir, &fpx::golden::root_of(dir), limits.limits())?;
            let mut out = io::stdout().lock();
            for problem in &report.problems {
                writeln!(out, "{problem}")?;
            }
            writeln!(out, "{} files", report.files)?;
            writeln!(out, "{} passed, {} failed", report.passed, report.failed)?;
            Ok(if report.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        GoldenCommand::Regen { dir, limits } => {
            let files = fpx::golden::regen_with(dir, &fpx::golden::root_of(dir), limits.limits())?;
            println!("wrote {files} files and MANIFEST to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Args)]
struct EnvArgs {
    /// When a result counts as tiny for the underflow flag.
    #[arg(long, value_enum, default_value = "after")]
    tininess: TininessArg,
    /// NaN result encoding.
    #[arg(long, value_enum, default_value = "canonical")]
    nan: NanArg,
    /// Clamp overflows to the largest finite value instead of infinity/NaN.
    #[arg(long)]
    saturate: bool,
}

impl EnvArgs {
    fn env(&self) -> Env {
        make_env(self.tininess, self.nan, self.saturate)
    }
}

#[derive(Args)]
struct GenArgs {
    /// Operand format.
    #[arg(long)]
    format: String,
    /// Operation (as for `batch`).
    #[arg(long)]
    op: String,
    /// 1: edge-value cross product and 1000 random cases; 2: more of both.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    level: u8,
    /// Seed of the random cases.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of random cases (default 1000 at level 1, 10000 at level 2).
    #[arg(long)]
    count: Option<u64>,
    /// Value of an activation's derivative at its kink (decimal or hex-float, default 0).
    #[arg(long, allow_hyphen_values = true)]
    kink: Option<String>,
    #[command(flatten)]
    env: EnvArgs,
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
    /// Operation: add sub mul div sqrt fma cvt:FMT, an activation (relu elu gelu gelu_tanh silu
    /// sigmoid tanh softplus) or its derivative (d_relu ...), NAME:composite for the
    /// step-by-step framework formula.
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
    /// Value of an activation's derivative at its kink (relu'(0)), decimal or hex-float,
    /// rounded to the operand format (default 0).
    #[arg(long, allow_hyphen_values = true)]
    kink: Option<String>,
    #[command(flatten)]
    lines: fpx::limits::LineLimitArgs,
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

fn make_env(tininess: TininessArg, nan: NanArg, saturate: bool) -> Env {
    Env {
        tininess: match tininess {
            TininessArg::After => Tininess::AfterRounding,
            TininessArg::Before => Tininess::BeforeRounding,
        },
        nan: match nan {
            NanArg::Canonical => NanPolicy::Canonical,
            NanArg::X86 => NanPolicy::X86Sse,
            NanArg::Arm => NanPolicy::ArmDefaultNan,
        },
        overflow: if saturate { OverflowPolicy::Saturate } else { OverflowPolicy::Ieee },
    }
}

/// Applies `--kink` to an activation operation; refuses it for other operations.
fn with_kink(op: Op, env: &Env, fmt: &Format, kink: Option<&str>) -> Result<Op> {
    let Some(text) = kink else { return Ok(op) };
    if !matches!(op, Op::Act { .. }) {
        anyhow::bail!("--kink applies to activation operations only");
    }
    let value = fpcore::text::parse_value(env, fmt, text)
        .map_err(|e| anyhow::anyhow!("--kink: {e}"))?
        .value;
    Ok(op.with_kink(value))
}

fn gen(args: &GenArgs) -> Result<ExitCode> {
    let fmt = Format::parse(&args.format).context("--format")?;
    let env = args.env.env();
    let op = with_kink(Op::parse(&args.op).context("--op")?, &env, &fmt, args.kink.as_deref())?;
    let oracle = Oracle { env, fmt, op, notation: Notation::Bits };
    let options = GenOptions { level: args.level, seed: args.seed, count: args.count };
    generate(&oracle, &options, BufWriter::new(io::stdout().lock()))?;
    Ok(ExitCode::SUCCESS)
}

fn print(text: &str) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Parses the oracle options and opens the input.
fn setup(args: &OracleArgs) -> Result<(Oracle, String, Box<dyn BufRead>)> {
    let fmt = Format::parse(&args.format).context("--format")?;
    let env = make_env(args.tininess, args.nan, args.saturate);
    let op = with_kink(Op::parse(&args.op).context("--op")?, &env, &fmt, args.kink.as_deref())?;
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
    let reader = args.lines.reader(input);
    oracle.batch_lines(&source, reader, BufWriter::new(io::stdout().lock()))?;
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let (oracle, source, input) = setup(&args.oracle)?;
    let options = VerifyOptions { exact_nan: args.exact_nan, ignore_flags: args.ignore_flags };
    let mut out = BufWriter::new(io::stdout().lock());
    let reader = args.oracle.lines.reader(input);
    let summary = oracle.verify_lines(&options, &source, reader, &mut out)?;
    writeln!(out, "{} passed, {} failed", summary.passed, summary.failed)?;
    out.flush()?;
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
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
        Command::Gen(args) => gen(args),
        Command::Golden(command) => golden(command),
        Command::Formats => print(&formats_table()),
        Command::Decode { format, bits } => {
            let fmt = Format::parse(format).context("format")?;
            let bits =
                fpcore::text::bits::parse_bits(&fmt, bits).map_err(|e| anyhow::anyhow!("{e}"))?;
            print(&decode(&fmt, bits))
        }
        Command::Encode { format, value, env } => {
            let fmt = Format::parse(format).context("format")?;
            print(&encode(&env.env(), &fmt, value)?)
        }
        Command::Net(command) => fpx::net::run(command),
        Command::Demo => fpx::grad::demo(),
        Command::Construct(args) => fpx::construct::run(args),
        Command::Eval { format, expr, env } => {
            let fmt = Format::parse(format).context("format")?;
            print(&eval_report(&env.env(), &fmt, expr)?)
        }
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
