//! `fpx net`: evaluate, describe, differentiate and check network files.

pub mod check;
pub mod eval;
pub mod grad;
pub mod info;
pub mod pieces;

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

/// The `fpx net` subcommands.
#[derive(Subcommand)]
pub enum NetCommand {
    /// Evaluate a network: one input vector per line, or every float with --all-inputs.
    Eval(eval::EvalArgs),
    /// Describe a network: layers, shapes, formats, parameters, literal exactness.
    Info(info::InfoArgs),
    /// Differentiate a network: per input line, the outputs then the input gradient (AD).
    Grad(grad::GradArgs),
    /// Check values and AD gradients against targets; closes with `N passed, M failed`.
    Check(check::CheckArgs),
    /// The exact affine pieces of a one-input ReLU network's real function, closing with
    /// `pieces: N`; with --float also the floating-point network's pieces.
    Pieces(pieces::PiecesArgs),
}

/// Runs an `fpx net` subcommand.
pub fn run(command: &NetCommand) -> Result<ExitCode> {
    match command {
        NetCommand::Eval(args) => eval::run(args),
        NetCommand::Info(args) => info::run(args),
        NetCommand::Grad(args) => grad::run(args),
        NetCommand::Check(args) => check::run(args),
        NetCommand::Pieces(args) => pieces::run(args),
    }
}
