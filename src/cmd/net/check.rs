//! `fpx net check`: a network's values and AD gradients compared bit for bit with targets.
//!
//! `--targets FILE` holds `x… y*… g*…` lines (the input vector, the outputs it must give, the
//! input gradient it must give); or `--against OTHER.json` takes the targets from another
//! network on a domain (`--input-file FILE`, or `--all-inputs [--range LO,HI]` for every
//! float of a one-value input format). The first mismatches are printed with their line and
//! field, then `N passed, M failed` (exit code 1 when M > 0).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use fpad::verify::{all_floats, floats, input_formats, targets_from, Expected, Field, Verifier};
use fpad::{Ad, OutputGradient};
use fpcore::Format;
use fpnet::Graph;
use fporacle::lines::next_data_line;
use fporacle::protocol::{format_value, Notation};
use fporacle::targets::{open, parse_input_vector, TargetLayout};

use crate::args::{parse_range, AdArgs, AdSetup};

/// Samples checked per parallel batch.
const CHUNK: usize = 1 << 12;
/// Most floats `--all-inputs` enumerates in one run.
const MAX_ALL_INPUTS: u128 = 1 << 32;

/// Options of `fpx net check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The network, the environment, the notation and the output gradient.
    #[command(flatten)]
    pub ad: AdArgs,
    /// Target lines `x… y*… g*…`: an input vector, the outputs and the input gradient it must
    /// give.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "against",
        conflicts_with = "against"
    )]
    pub targets: Option<PathBuf>,
    /// Take the targets from another network: its values and AD gradients on the domain
    /// (--input-file or --all-inputs).
    #[arg(long, value_name = "OTHER.json")]
    pub against: Option<PathBuf>,
    /// With --against: the domain, one input vector per line.
    #[arg(long, value_name = "FILE", requires = "against", conflicts_with = "all_inputs")]
    pub input_file: Option<PathBuf>,
    /// With --against: every float of the input format (one-value networks), in increasing
    /// order, NaNs excluded.
    #[arg(long, requires = "against")]
    pub all_inputs: bool,
    /// With --all-inputs: only the floats x with LO <= x <= HI (exact values of the format).
    #[arg(long, value_name = "LO,HI", requires = "all_inputs", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Most mismatches printed (all are counted).
    #[arg(long, default_value_t = 10)]
    pub max_mismatches: usize,
}

/// Describes the entries of a mismatch: `y*[1] expected 3C00, got 3C01; g*[0] …`.
fn describe_fields(
    fields: &[Field],
    expected: &Expected,
    got: &Expected,
    out_fmt: &Format,
    in_formats: &[Format],
    notation: Notation,
) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|f| {
            let (name, k, fmt, want, have) = match *f {
                Field::Value(k) => ("y*", k, out_fmt, expected.value[k], got.value[k]),
                Field::Gradient(k) => {
                    ("g*", k, &in_formats[k], expected.gradient[k], got.gradient[k])
                }
            };
            format!(
                "{name}[{k}] expected {}, got {}",
                format_value(fmt, notation, want),
                format_value(fmt, notation, have)
            )
        })
        .collect();
    parts.join("; ")
}

/// The inputs of `fpx net check` waiting to be verified, a chunk at a time.
struct Pending<'a> {
    verifier: Verifier<'a, 'a>,
    /// The network the targets come from (`--against`).
    reference: Option<&'a Ad<'a>>,
    graph: &'a Graph,
    phi: &'a OutputGradient,
    with_loss_targets: bool,
    inputs: Vec<u128>,
    expected: Vec<Expected>,
    loss_targets: Vec<u128>,
    count: usize,
}

impl Pending<'_> {
    fn push(&mut self, x: &[u128], e: Option<Expected>, t: Option<Vec<u128>>) -> Result<()> {
        self.inputs.extend_from_slice(x);
        self.expected.extend(e);
        self.loss_targets.extend(t.unwrap_or_default());
        self.count += 1;
        if self.count == CHUNK {
            self.run()?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<()> {
        if self.count == 0 {
            return Ok(());
        }
        let t = self.with_loss_targets.then_some(self.loss_targets.as_slice());
        if let Some(reference) = self.reference {
            self.expected = targets_from(reference, self.graph, self.phi, &self.inputs, t)?;
        }
        self.verifier.check(&self.inputs, &self.expected, t)?;
        self.inputs.clear();
        self.expected.clear();
        self.loss_targets.clear();
        self.count = 0;
        Ok(())
    }
}

/// Runs `fpx net check`.
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let AdSetup { env, notation, graph, phi, loss_targets: mut target_file } = args.ad.setup()?;
    let ad = Ad::new(&graph, env);
    let in_formats = input_formats(&graph);
    let out_fmt = *graph.output_format();
    let (d_in, d_out) = (in_formats.len(), graph.output_width());
    let other = match &args.against {
        Some(path) => Some(args.ad.net.load_other(path, env)?.graph),
        None => None,
    };
    let other_ad = other.as_ref().map(|g| Ad::new(g, env));
    let mut pending = Pending {
        verifier: Verifier::new(&ad, &phi, args.max_mismatches),
        reference: other_ad.as_ref(),
        graph: &graph,
        phi: &phi,
        with_loss_targets: target_file.is_some(),
        inputs: Vec::new(),
        expected: Vec::new(),
        loss_targets: Vec::new(),
        count: 0,
    };
    // The line each checked input came from (file domains), for the mismatch lines.
    let mut lines: Vec<u64> = Vec::new();
    let source =
        args.targets.as_ref().or(args.input_file.as_ref()).map(|p| p.display().to_string());
    let mut loss_target = |at: &str| -> Result<Option<Vec<u128>>> {
        match target_file.as_mut() {
            Some(file) => Ok(Some(file.next(&env, notation, at)?)),
            None => Ok(None),
        }
    };
    if let (Some(path), Some(source)) = (&args.targets, &source) {
        let mut reader = args.ad.lines.reader(open(path)?);
        let layout = TargetLayout { in_formats: in_formats.clone(), out_fmt, d_out };
        while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
            let at = format!("{source}:{line_no}");
            let (x, e) = layout.parse(&env, notation, &line, &at)?;
            let t = loss_target(&at)?;
            pending.push(&x, Some(e), t)?;
            lines.push(line_no);
        }
    } else if let (Some(path), Some(source)) = (&args.input_file, &source) {
        let mut reader = args.ad.lines.reader(open(path)?);
        while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
            let at = format!("{source}:{line_no}");
            let x = parse_input_vector(&env, notation, &line, &in_formats, &at)?;
            let t = loss_target(&at)?;
            pending.push(&x, None, t)?;
            lines.push(line_no);
        }
    } else if args.all_inputs {
        let [fmt] = in_formats.as_slice() else {
            bail!("--all-inputs needs a network with one input value; this one takes {d_in}");
        };
        let domain: Box<dyn Iterator<Item = u128>> = match &args.range {
            None => Box::new(all_floats(fmt)),
            Some(text) => {
                let (lo, hi) = parse_range(&env, fmt, text, notation)?;
                Box::new(floats(fmt, lo, hi)?)
            }
        };
        for (count, x) in domain.enumerate() {
            if count as u128 >= MAX_ALL_INPUTS {
                bail!("--all-inputs: more than {MAX_ALL_INPUTS} values; narrow them with --range");
            }
            let at = format!("x = {}", format_value(fmt, notation, x));
            let t = loss_target(&at)?;
            pending.push(&[x], None, t)?;
        }
    } else {
        bail!("--against needs a domain: --input-file FILE or --all-inputs");
    }
    pending.run()?;
    let report = pending.verifier.finish();
    let mut out = BufWriter::new(io::stdout().lock());
    for m in &report.mismatches {
        let line = usize::try_from(m.index).ok().and_then(|i| lines.get(i));
        let label = match (&source, line) {
            (Some(source), Some(line)) => format!("{source}:{line}"),
            _ => {
                let x: Vec<String> = m
                    .input
                    .iter()
                    .zip(&in_formats)
                    .map(|(v, f)| format_value(f, notation, *v))
                    .collect();
                format!("x = {}", x.join(" "))
            }
        };
        let fields =
            describe_fields(&m.fields, &m.expected, &m.got, &out_fmt, &in_formats, notation);
        writeln!(out, "{label}: {fields}")?;
    }
    let shown = report.mismatches.len() as u64;
    if report.failed > shown {
        writeln!(out, "({} more mismatches not shown)", report.failed - shown)?;
    }
    writeln!(out, "{report}")?;
    out.flush()?;
    Ok(if report.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
