//! `fpx net grad`: reverse-mode AD of a network file (fpad) on input vectors.
//!
//! Each input line holds the input vector (as for `fpx net eval`); each output line holds the
//! d_L outputs followed by the d_0 input-gradient values D^AD(phi ∘ f)(x), hex bit patterns
//! (hex-float with `--text`). The output gradient phi'(f(x)) is `--out-grad "V1 V2 …"` (d_L
//! values of the output format), a loss (`--loss sum`, the default: all ones; `--loss
//! mse|softmax-xent --loss-target FILE`, one line of d_L target values per input line), or a
//! rule of the output (`--phi one|y|y-C`). `--params OUT.safetensors` also writes the
//! parameter gradients summed over the input lines in line order from +0 (`--mean`: divided
//! once by their number); `--tape` prints each input's whole tape instead.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use fpad::verify::input_formats;
use fpad::{Ad, BatchOptions, ParamGrads};
use fpcore::Format;
use fporacle::lines::next_data_line;
use fporacle::protocol::{format_value, Notation};
use fporacle::targets::parse_input_vector;

use crate::args::{AdArgs, AdSetup, InputArgs};

/// Samples differentiated per parallel batch.
const CHUNK: usize = 1 << 12;

/// Options of `fpx net grad`.
#[derive(Args)]
pub struct GradArgs {
    /// The network, the environment, the notation and the output gradient.
    #[command(flatten)]
    pub ad: AdArgs,
    /// Also write the parameter gradients (dW, db of every affine node), summed over the input
    /// lines in line order from +0, to this safetensors file.
    #[arg(long, value_name = "OUT.safetensors")]
    pub params: Option<PathBuf>,
    /// With --params: write the mean, the sum divided once by the number of input lines.
    #[arg(long, requires = "params")]
    pub mean: bool,
    /// Print each input's whole tape (every node's values, derivatives, gradients, flags).
    #[arg(long, conflicts_with = "params")]
    pub tape: bool,
    /// The input vectors.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Writes values separated by spaces (no newline).
fn write_values(out: &mut String, formats: &[Format], notation: Notation, values: &[u128]) {
    for (v, fmt) in values.iter().zip(formats) {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(&format_value(fmt, notation, *v));
    }
}

/// Runs `fpx net grad`.
pub fn run(args: &GradArgs) -> Result<ExitCode> {
    let AdSetup { env, notation, graph, phi, loss_targets: mut target_file } = args.ad.setup()?;
    let ad = Ad::new(&graph, env);
    let in_formats = input_formats(&graph);
    let out_formats = vec![*graph.output_format(); graph.output_width()];
    let (source, mut reader) = args.input.open(&args.ad.lines)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut params = args.params.as_ref().map(|_| ParamGrads::zeros(&graph));
    let mut samples: Vec<u128> = Vec::new();
    let mut targets: Vec<u128> = Vec::new();
    let mut pending = 0usize;
    let with_targets = target_file.is_some();
    let flush = |samples: &mut Vec<u128>,
                 targets: &mut Vec<u128>,
                 pending: &mut usize,
                 params: &mut Option<ParamGrads>,
                 out: &mut dyn Write|
     -> Result<()> {
        if *pending == 0 {
            return Ok(());
        }
        let t = with_targets.then_some(targets.as_slice());
        let batch = ad.batch(samples, &phi, t, params.as_mut(), BatchOptions::default())?;
        let mut line = String::new();
        for k in 0..batch.len() {
            line.clear();
            write_values(&mut line, &out_formats, notation, batch.output(k));
            write_values(&mut line, &in_formats, notation, batch.input_gradient(k));
            writeln!(out, "{line}")?;
        }
        samples.clear();
        targets.clear();
        *pending = 0;
        Ok(())
    };
    while let Some((line_no, line)) = next_data_line(&mut reader, &source)? {
        let at = format!("{source}:{line_no}");
        let x = parse_input_vector(&env, notation, &line, &in_formats, &at)?;
        let t = match target_file.as_mut() {
            Some(file) => Some(file.next(&env, notation, &at)?),
            None => None,
        };
        if args.tape {
            let tape = ad.tape(&x, &phi, t.as_deref()).with_context(|| at.clone())?;
            writeln!(out, "# {at}")?;
            write!(out, "{tape}")?;
            continue;
        }
        samples.extend_from_slice(&x);
        targets.extend(t.unwrap_or_default());
        pending += 1;
        if pending == CHUNK {
            flush(&mut samples, &mut targets, &mut pending, &mut params, &mut out)?;
        }
    }
    flush(&mut samples, &mut targets, &mut pending, &mut params, &mut out)?;
    out.flush()?;
    if let (Some(path), Some(sum)) = (&args.params, params) {
        let grads = if args.mean { sum.mean(&env)? } else { sum };
        std::fs::write(path, grads.to_safetensors(&graph))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
