//! The `fpx` command line: argument parsing (clap) and exit codes on top of the fporacle,
//! fpnet, fpad and fpconstruct libraries. Each command lives in `cmd/`; the option groups
//! they share live in `args`.
//!
//! Exit codes: 0 success, 1 mismatches found (or nothing checked), 2 usage or input error.

#![forbid(unsafe_code)]

mod args;
mod cmd;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

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
    Batch(cmd::batch::BatchArgs),
    /// Check `operands... expected_result expected_flags` lines; closes with `N passed, M failed`.
    Verify(cmd::verify::VerifyArgs),
    /// Generate test vectors (testfloat_gen's layout) for any format and operation.
    Gen(cmd::gen::GenArgs),
    /// Check the golden corpus against this build, or rewrite it.
    #[command(subcommand)]
    Golden(cmd::golden::GoldenCommand),
    /// Print the table of named formats.
    Formats,
    /// Show the fields, class and exact value of one encoding: `fpx decode FMT HEX`.
    Decode(cmd::decode::DecodeArgs),
    /// Round a decimal or hex-float value once to a format: `fpx encode FMT VALUE`.
    Encode(cmd::encode::EncodeArgs),
    /// Evaluate a network file or describe it: `fpx net eval --net FILE`, `fpx net info`.
    #[command(subcommand)]
    Net(cmd::net::NetCommand),
    /// Two networks with the same values on every input and different AD gradients.
    Demo,
    /// Build a ReLU network with given values and AD gradients on a finite domain:
    /// `fpx construct --format FMT --targets FILE --out NET.json [--phi one|y|y-C]`.
    Construct(cmd::construct::ConstructArgs),
    /// Evaluate an expression in a format, every operation rounded, left to right:
    /// `fpx eval bf16 "0.1 + 0.2 * 3"`.
    Eval(cmd::eval::EvalArgs),
    /// Time one operation over slices: ns per element of fpx (scalar, slice on one and on
    /// every thread), native hardware and the reference path, with their ratios:
    /// `fpx bench --format bf16 --op mul [--n N] [--threads T]`.
    Bench(cmd::bench::BenchArgs),
    /// OCP MX blocks: `fpx mx quantize --elem FMT [--block 32]`, `fpx mx dequantize --elem FMT`,
    /// `fpx mx dot --elem FMT` (exact dot product rounded once to binary32).
    #[command(subcommand)]
    Mx(cmd::mx::MxCommand),
    /// Gradient descent in several formats side by side from the same network:
    /// `fpx train --net NET.json --data DATA.txt --loss mse --lr LR --steps N
    /// [--formats bf16,binary32,binary64] [--log LOG.jsonl] [--out-dir DIR]`.
    Train(cmd::train::TrainArgs),
    /// Pictures (SVG or PNG): a one-input network's values and AD gradients beside the exact
    /// function (`fpx plot --net NET.json --out FILE.svg [--range LO,HI]`), or a training log's
    /// loss and distance per format (`fpx plot --log LOG.jsonl --out FILE.svg`).
    Plot(cmd::plot::PlotArgs),
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
        Command::Batch(args) => cmd::batch::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Gen(args) => cmd::gen::run(args),
        Command::Golden(command) => cmd::golden::run(command),
        Command::Formats => cmd::formats::run(),
        Command::Decode(args) => cmd::decode::run(args),
        Command::Encode(args) => cmd::encode::run(args),
        Command::Net(command) => cmd::net::run(command),
        Command::Demo => cmd::demo::run(),
        Command::Construct(args) => cmd::construct::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Bench(args) => cmd::bench::run(args),
        Command::Mx(command) => cmd::mx::run(command),
        Command::Train(args) => cmd::train::run(args),
        Command::Plot(args) => cmd::plot::run(args),
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
