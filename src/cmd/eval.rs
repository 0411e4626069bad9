//! `fpx eval FMT EXPR`: an expression evaluated in a format, every operation rounded once.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fporacle::show::eval_report;

use crate::args::EnvArgs;

/// Options of `fpx eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// Format name.
    pub format: String,
    /// Expression: numbers (decimal, hex-float, inf, nan), + - * /, parentheses, and the
    /// functions sqrt(x), fma(a,b,c), abs(x), min(a,b), max(a,b). Precedence, tightest first:
    /// function calls and parentheses, unary minus, then * and /, then + and -; operators of
    /// one level associate to the left (a - b - c is (a - b) - c), each step rounded once.
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
}

/// Runs `fpx eval`.
pub fn run(args: &EvalArgs) -> Result<ExitCode> {
    crate::cmd::print_in_format(&args.format, |fmt| {
        Ok(eval_report(&args.env.env(), fmt, &args.expr)?)
    })
}
