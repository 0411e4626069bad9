//! `fpx construct`: builds a ReLU network whose values and AD gradients equal the targets of a
//! file on its points (fpconstruct), writes it as a network file, and reports what it built.
//!
//! `fpx construct --format FMT --targets FILE --out NET.json [--phi one|y|y-C] [--depth L]
//! [--report R.json] [--accepted FILE]`. FILE holds one `x y* g*` line per point: hex bit
//! patterns of FMT (decimal or hex-float with `--text`); blank lines and `#` comments are
//! skipped. The network is checked on every point of the domain before it is written (see
//! fpconstruct); `fpx net check --net NET.json --targets FILE --phi …` then reports every
//! accepted point passed. `--accepted` writes the accepted lines alone, for that check.
//! Rejected points are listed with their reasons; they are not an error (exit code 0).

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use fpconstruct::{construct, Options, Target};
use fpcore::{Env, Format};

use crate::grad::{next_data_line, open, parse_fields, phi_rule};
use crate::lines::LineReader;
use crate::protocol::{format_value, Notation};

/// Options of `fpx construct`.
#[derive(Args)]
pub struct ConstructArgs {
    /// The network's format (any format name of `fpx formats`, or eXmY / p=..,emin=..,emax=..).
    #[arg(long)]
    pub format: String,
    /// Target lines `x y* g*`.
    #[arg(long, value_name = "FILE")]
    pub targets: PathBuf,
    /// Where to write the network (JSON, docs/network-format.md).
    #[arg(long, value_name = "NET.json")]
    pub out: PathBuf,
    /// The output-gradient rule phi': `one`, `y` or `y-C` (as `fpx net check --phi`).
    #[arg(long, value_name = "RULE", default_value = "one", allow_hyphen_values = true)]
    pub phi: String,
    /// Affine maps (6 to 16); each map beyond 6 lengthens every gradient chain by one layer.
    #[arg(long, default_value_t = fpconstruct::DEFAULT_DEPTH)]
    pub depth: usize,
    /// Write the report (shape, every point's status, reasons and parameters) as JSON.
    #[arg(long, value_name = "R.json")]
    pub report: Option<PathBuf>,
    /// Write the accepted target lines to this file.
    #[arg(long, value_name = "FILE")]
    pub accepted: Option<PathBuf>,
    /// Values are decimal or hex-float text instead of hex bit patterns.
    #[arg(long)]
    pub text: bool,
}

/// Runs `fpx construct`.
///
/// # Errors
///
/// Usage and input errors (exit code 2), naming the file, line and field.
pub fn run(args: &ConstructArgs) -> Result<ExitCode> {
    let env = Env::default();
    let fmt = Format::parse(&args.format).with_context(|| format!("--format {}", args.format))?;
    let notation = if args.text { Notation::Text } else { Notation::Bits };
    let phi = phi_rule(&env, &fmt, 1, &args.phi).map_err(|e| anyhow::anyhow!("--phi: {e}"))?;
    let source = args.targets.display().to_string();
    let mut reader = LineReader::new(open(&args.targets)?);
    let mut targets = Vec::new();
    let mut lines = Vec::new();
    let formats = [fmt; 3];
    while let Some((line_no, line)) = next_data_line(&mut reader, &source)? {
        let at = format!("{source}:{line_no}");
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 3 {
            bail!("{at}: expected 3 values (x y* g*), found {}", fields.len());
        }
        if targets.len() == fpconstruct::MAX_POINTS {
            bail!("{at}: more than {} points", fpconstruct::MAX_POINTS);
        }
        let v = parse_fields(&env, notation, &fields, &formats, &at, |k| {
            ["x", "y*", "g*"][k].to_string()
        })?;
        targets.push(Target { x: v[0], y: v[1], g: v[2] });
        lines.push(line_no);
    }
    if targets.is_empty() {
        bail!("{source}: no target lines");
    }
    let options = Options { depth: args.depth, ..Options::default() };
    let built = construct(&fmt, &targets, &phi, &options).context("construct")?;
    let json = fpnet::file::to_json(&built.graph);
    fs::write(&args.out, json).with_context(|| format!("cannot write {}", args.out.display()))?;
    if let Some(path) = &args.report {
        fs::write(path, fpconstruct::report::to_json(&built.report))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.accepted {
        let mut text = String::new();
        for p in built.report.points.iter().filter(|p| p.accepted()) {
            let t = p.target;
            let values: Vec<String> =
                [t.x, t.y, t.g].iter().map(|&v| format_value(&fmt, notation, v)).collect();
            text.push_str(&values.join(" "));
            text.push('\n');
        }
        fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = io::stdout().lock();
    let summary = fpconstruct::report::summary(&built.report);
    for line in summary.lines().take(2) {
        writeln!(out, "{line}")?;
    }
    for (p, line_no) in built.report.points.iter().zip(&lines) {
        if let fpconstruct::Status::Rejected(reasons) = &p.status {
            let names: Vec<&str> = reasons.iter().map(|r| r.name()).collect();
            let x = format_value(&fmt, notation, p.target.x);
            writeln!(out, "{source}:{line_no}: x = {x} rejected: {}", names.join(", "))?;
        }
    }
    writeln!(out, "wrote {}", args.out.display())?;
    Ok(ExitCode::SUCCESS)
}
