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
use fpconstruct::{construct, Options, Status, Target};
use fpcore::{Env, Format};

use fporacle::lines::{next_data_line, LineReader};
use fporacle::protocol::{format_value, Notation};
use fporacle::targets::{open, parse_fields, phi_rule};

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
    /// Inputs per point, d: each line is then `x_1 … x_d y* g*_1 … g*_d`.
    #[arg(long, default_value_t = 1)]
    pub inputs: usize,
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
    let d = args.inputs;
    if !(1..=fpconstruct::MAX_INPUTS).contains(&d) {
        bail!("--inputs: 1 to {} inputs, got {d}", fpconstruct::MAX_INPUTS);
    }
    let width = 2 * d + 1;
    let mut reader = LineReader::new(open(&args.targets)?);
    let mut targets: Vec<Target> = Vec::new();
    let mut lines = Vec::new();
    let formats = vec![fmt; width];
    let name = |k: usize| -> String {
        match (d, k) {
            (1, 0) => "x".to_string(),
            (1, _) if k == 1 => "y*".to_string(),
            (1, _) => "g*".to_string(),
            _ if k < d => format!("x[{k}]"),
            _ if k == d => "y*".to_string(),
            _ => format!("g*[{}]", k - d - 1),
        }
    };
    while let Some((line_no, line)) = next_data_line(&mut reader, &source)? {
        let at = format!("{source}:{line_no}");
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != width {
            let layout =
                if d == 1 { "x y* g*".to_string() } else { format!("{d} of x, y*, {d} of g*") };
            bail!("{at}: expected {width} values ({layout}), found {}", fields.len());
        }
        if targets.len() == fpconstruct::MAX_POINTS {
            bail!("{at}: more than {} points", fpconstruct::MAX_POINTS);
        }
        let v = parse_fields(&env, notation, &fields, &formats, &at, name)?;
        targets.push(Target { x: v[..d].to_vec(), y: v[d], g: v[d + 1..].to_vec() });
        lines.push(line_no);
    }
    if targets.is_empty() {
        bail!("{source}: no target lines");
    }
    let options = Options { depth: args.depth, ..Options::default() };
    let built = construct(&fmt, &targets, &phi, &options).context("construct")?;
    let summary = fpconstruct::report::summary(&built.report);
    let built = Built {
        json: fpnet::file::to_json(&built.graph),
        report: fpconstruct::report::to_json(&built.report),
        header: summary.lines().take(2).map(|l| format!("{l}\n")).collect(),
        outcomes: built
            .report
            .points
            .iter()
            .map(|p| match &p.status {
                Status::Accepted { .. } => None,
                Status::Rejected(reasons) => Some(reasons.iter().map(|r| r.name()).collect()),
            })
            .collect(),
    };
    write_network(&args.out, &built.json)?;
    if let Some(path) = &args.report {
        fs::write(path, &built.report)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let show = |values: &[u128]| -> String {
        values.iter().map(|&v| format_value(&fmt, notation, v)).collect::<Vec<_>>().join(" ")
    };
    if let Some(path) = &args.accepted {
        let mut text = String::new();
        for (t, _) in targets.iter().zip(&built.outcomes).filter(|(_, o)| o.is_none()) {
            text.push_str(&show(&[t.x.as_slice(), &[t.y], &t.g].concat()));
            text.push('\n');
        }
        fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = io::stdout().lock();
    write!(out, "{}", built.header)?;
    for ((t, outcome), line_no) in targets.iter().zip(&built.outcomes).zip(&lines) {
        if let Some(names) = outcome {
            writeln!(out, "{source}:{line_no}: x = {} rejected: {}", show(&t.x), names.join(", "))?;
        }
    }
    writeln!(out, "wrote {}", args.out.display())?;
    size_note(&mut out, &args.out, built.json.len() as u64)?;
    Ok(ExitCode::SUCCESS)
}

/// What a construction gives the command line, whatever its number of inputs.
struct Built {
    /// The network file.
    json: String,
    /// The JSON report.
    report: String,
    /// The shape and the counts, two lines.
    header: String,
    /// Per target line: `None` when accepted, else the names of its reasons.
    outcomes: Vec<Option<Vec<&'static str>>>,
}

fn write_network(path: &std::path::Path, json: &str) -> Result<()> {
    fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))
}

/// A network file larger than the loader's default limit reads back only with
/// `--max-file-bytes`: say so.
fn size_note(out: &mut impl Write, path: &std::path::Path, len: u64) -> Result<()> {
    let limit = fpnet::limits::MAX_FILE_BYTES;
    if len > limit {
        writeln!(
            out,
            "note: {} is {len} bytes, above the default --max-file-bytes of {limit}; pass --max-file-bytes {len} (or more) to fpx net check and eval",
            path.display()
        )?;
    }
    Ok(())
}
