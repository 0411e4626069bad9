//! Reverse-mode AD on the command line (fpad): `fpx net grad`, `fpx net check` and `fpx demo`.
//!
//! `fpx net grad --net NET.json`: each input line holds the input vector (as for `fpx net
//! eval`); each output line holds the d_L outputs followed by the d_0 input-gradient values
//! D^AD(phi ∘ f)(x), hex bit patterns (hex-float with `--text`). The output gradient phi'(f(x))
//! is `--seed "V1 V2 …"` (d_L values of the output format), a loss (`--loss sum`, the
//! default: all ones; `--loss mse|softmax-xent --target FILE`, one line of d_L target values
//! per input line), or a rule of the output (`--phi one|y|y-C`). `--params OUT.safetensors` also writes the parameter gradients summed over
//! the input lines in line order from +0 (`--mean`: divided once by their number); `--tape`
//! prints each input's whole tape instead.
//!
//! `fpx net check --net NET.json --targets FILE`: FILE holds `x… y*… g*…` lines (the input
//! vector, the outputs it must give, the input gradient it must give); or `--against
//! OTHER.json` takes the targets from another network on a domain (`--inputs FILE`, or
//! `--all-inputs [--range LO,HI]` for every float of a one-value input format). Every value and
//! gradient entry is compared bit for bit; the first mismatches are printed with their line and
//! field, then `N passed, M failed` (exit code 1 when M > 0).
//!
//! `fpx demo`: two shipped networks that compute the same function but whose AD gradients
//! differ (see [`demo`]).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use fpad::verify::{all_floats, floats, input_formats, targets_from, Expected, Field, Verifier};
use fpad::{Ad, BatchOptions, Loss, OutputGradient, ParamGrads};
use fpcore::text::format_exact_decimal;
use fpcore::{Env, Format, NanPolicy, OverflowPolicy};
use fpnet::graph::{Node, Op};
use fpnet::{Graph, LoadOptions};

use crate::lines::LineReader;
use crate::net::NanArg;
use crate::protocol::{format_value, parse_operand, Notation};

/// Samples differentiated per parallel batch.
const CHUNK: usize = 1 << 12;
/// Most floats `--all-inputs` enumerates in one run.
const MAX_ALL_INPUTS: u128 = 1 << 32;

/// A loss on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum LossArg {
    /// phi(y) = Σ y_i: the output gradient is all ones.
    Sum,
    /// phi(y) = Σ (y_i - t_i)²: phi'(y)_i = 2 ⊗ (y_i ⊖ t_i).
    Mse,
    /// Softmax cross-entropy against a target distribution: phi'(y) = softmax(y) ⊖ t.
    SoftmaxXent,
}

impl LossArg {
    fn loss(self) -> Loss {
        match self {
            LossArg::Sum => Loss::Sum,
            LossArg::Mse => Loss::Mse,
            LossArg::SoftmaxXent => Loss::SoftmaxXent,
        }
    }
}

/// How the output gradient phi'(f(x)) is given.
#[derive(Args)]
pub struct PhiArgs {
    /// The output gradient phi'(f(x)): one value per output, in the output format (hex bit
    /// patterns; hex-float or decimal with --text). Default: all ones (--loss sum).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "loss")]
    pub seed: Option<String>,
    /// A loss whose derivative at the output is the output gradient.
    #[arg(long, value_enum, conflicts_with = "phi")]
    pub loss: Option<LossArg>,
    /// The output gradient as a rule: `one` (all ones, as --loss sum), `y` (phi'(y) = y, no
    /// rounding) or `y-C` (phi'(y) = y ⊖ C, one rounding; C a decimal or hex-float number
    /// exact in the output format, e.g. `y-3`, `y--0.5`, `y-0x1.8p1`).
    #[arg(long, value_name = "RULE", allow_hyphen_values = true, conflicts_with = "seed")]
    pub phi: Option<String>,
    /// The loss's targets: one line of output values per input line (mse, softmax-xent).
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
}

/// Options shared by `grad` and `check`: the network and how it is read and evaluated.
#[derive(Args)]
pub struct NetArgs {
    /// The network file (JSON, see docs/network-format.md).
    #[arg(long)]
    pub net: PathBuf,
    /// Values are hex-float or decimal text instead of hex bit patterns (results as hex-float).
    #[arg(long)]
    pub text: bool,
    /// Reject literals that are not exactly representable in their node's format.
    #[arg(long)]
    pub strict: bool,
    /// Clamp overflows to the largest finite value instead of infinity/NaN.
    #[arg(long)]
    pub saturate: bool,
    /// NaN result encoding.
    #[arg(long, value_enum, default_value = "canonical")]
    pub nan: NanArg,
    /// Size limits.
    #[command(flatten)]
    pub limits: crate::limits::NetInputLimitArgs,
}

impl NetArgs {
    fn env(&self) -> Env {
        Env {
            nan: match self.nan {
                NanArg::Canonical => NanPolicy::Canonical,
                NanArg::X86 => NanPolicy::X86Sse,
                NanArg::Arm => NanPolicy::ArmDefaultNan,
            },
            overflow: if self.saturate { OverflowPolicy::Saturate } else { OverflowPolicy::Ieee },
            ..Env::default()
        }
    }

    fn notation(&self) -> Notation {
        if self.text {
            Notation::Text
        } else {
            Notation::Bits
        }
    }
}

/// Options of `fpx net grad`.
#[derive(Args)]
pub struct GradArgs {
    /// The network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
    /// The output gradient.
    #[command(flatten)]
    pub phi: PhiArgs,
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
    /// Read input vectors from this file instead of standard input.
    #[arg(long)]
    pub input: Option<PathBuf>,
}

/// Options of `fpx net check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
    /// The output gradient.
    #[command(flatten)]
    pub phi: PhiArgs,
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
    /// (--inputs or --all-inputs).
    #[arg(long, value_name = "OTHER.json")]
    pub against: Option<PathBuf>,
    /// With --against: the domain, one input vector per line.
    #[arg(long, value_name = "FILE", requires = "against", conflicts_with = "all_inputs")]
    pub inputs: Option<PathBuf>,
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

fn load(net: &Path, strict: bool, env: Env, limits: fpnet::Limits) -> Result<Graph> {
    let options = LoadOptions { strict, env, base_dir: None, limits };
    let loaded = fpnet::file::load_file(net, &options)
        .with_context(|| format!("--net {}", net.display()))?;
    Ok(loaded.graph)
}

pub(crate) fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(BufReader::new(file)))
}

/// The values of one line, each in its format; errors name the line and the field.
pub(crate) fn parse_fields(
    env: &Env,
    notation: Notation,
    fields: &[&str],
    formats: &[Format],
    at: &str,
    name: impl Fn(usize) -> String,
) -> Result<Vec<u128>> {
    fields
        .iter()
        .zip(formats)
        .enumerate()
        .map(|(k, (text, fmt))| {
            parse_operand(env, fmt, notation, text).with_context(|| format!("{at}: {}", name(k)))
        })
        .collect()
}

/// The next non-blank, non-comment line of a reader, with its number.
pub(crate) fn next_data_line<R: BufRead>(
    reader: &mut LineReader<R>,
    source: &str,
) -> Result<Option<(u64, String)>> {
    while let Some((line_no, line)) = reader.next_line().with_context(|| source.to_string())? {
        let line = line.trim();
        if !line.is_empty() && !line.starts_with('#') {
            return Ok(Some((line_no, line.to_string())));
        }
    }
    Ok(None)
}

/// The loss targets, read line by line alongside the inputs.
struct TargetFile {
    source: String,
    reader: LineReader<Box<dyn BufRead>>,
    format: Format,
    width: usize,
}

impl TargetFile {
    /// The target of the next input (named by `input_at` in errors).
    fn next(&mut self, env: &Env, notation: Notation, input_at: &str) -> Result<Vec<u128>> {
        let Some((line_no, line)) = next_data_line(&mut self.reader, &self.source)? else {
            bail!("{}: no target line for the input at {input_at}", self.source);
        };
        let at = format!("{}:{line_no}", self.source);
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != self.width {
            bail!(
                "{at}: expected {} target values (one per output), found {}",
                self.width,
                fields.len()
            );
        }
        let formats = vec![self.format; self.width];
        parse_fields(env, notation, &fields, &formats, &at, |k| format!("target value {}", k + 1))
    }
}

impl PhiArgs {
    /// The output gradient rule, and the target file when the loss needs one.
    fn resolve(
        &self,
        env: &Env,
        graph: &Graph,
        notation: Notation,
        lines: &crate::limits::LineLimitArgs,
    ) -> Result<(OutputGradient, Option<TargetFile>)> {
        let out_fmt = *graph.output_format();
        let width = graph.output_width();
        let phi = match (&self.seed, self.loss) {
            _ if self.phi.is_some() => {
                let text = self.phi.as_deref().unwrap_or_default();
                phi_rule(env, &out_fmt, width, text).map_err(|e| anyhow::anyhow!("--phi: {e}"))?
            }
            (Some(text), _) => {
                let fields: Vec<&str> = text.split_whitespace().collect();
                if fields.len() != width {
                    bail!(
                        "--seed: expected {width} values (one per output of the network, in {out_fmt}), got {}",
                        fields.len()
                    );
                }
                let formats = vec![out_fmt; width];
                let seed = parse_fields(env, notation, &fields, &formats, "--seed", |k| {
                    format!("value {}", k + 1)
                })?;
                OutputGradient::Seed(seed)
            }
            (None, loss) => OutputGradient::Loss(loss.map_or(Loss::Sum, LossArg::loss)),
        };
        let target = match (&self.target, phi.needs_target()) {
            (Some(path), true) => Some(TargetFile {
                source: path.display().to_string(),
                reader: lines.reader(open(path)?),
                format: out_fmt,
                width,
            }),
            (None, true) => {
                let name = self.loss.map_or("sum", |l| l.loss().name());
                bail!(
                    "--loss {name} needs --target FILE (one line of {width} output values per input)"
                );
            }
            (Some(_), false) => bail!("--target applies to --loss mse and --loss softmax-xent"),
            (None, false) => None,
        };
        Ok((phi, target))
    }
}

/// The output-gradient rule `one`, `y` or `y-C` (see [`PhiArgs`]) for `width` outputs of `fmt`.
///
/// # Errors
///
/// A message naming what is wrong: an unknown rule, a C that is not a number or not exact in
/// `fmt`.
pub fn phi_rule(
    env: &Env,
    fmt: &Format,
    width: usize,
    text: &str,
) -> Result<OutputGradient, String> {
    match text {
        "one" | "1" => return Ok(OutputGradient::Loss(Loss::Sum)),
        "y" => return Ok(OutputGradient::Identity),
        _ => {}
    }
    let Some(c) = text.strip_prefix("y-") else {
        return Err(format!("expected one, y or y-C, got '{text}'"));
    };
    let value = fpcore::text::parse_value(env, fmt, c)
        .map_err(|e| format!("C = '{c}' is not a number: {e}"))?;
    if !value.flags.is_empty() || fmt.unpack(value.value).is_nan() {
        return Err(format!("C = '{c}' is not exactly a value of {fmt}"));
    }
    Ok(OutputGradient::Shift(vec![value.value; width]))
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
///
/// # Errors
///
/// Usage and input errors (exit code 2), naming the file, line and field.
pub fn grad(args: &GradArgs) -> Result<ExitCode> {
    let env = args.net.env();
    let notation = args.net.notation();
    let graph = load(&args.net.net, args.net.strict, env, args.net.limits.net.limits())?;
    let (phi, mut target_file) =
        args.phi.resolve(&env, &graph, notation, &args.net.limits.lines)?;
    let ad = Ad::new(&graph, env);
    let in_formats = input_formats(&graph);
    let out_formats = vec![*graph.output_format(); graph.output_width()];
    let (source, input): (String, Box<dyn BufRead>) = match &args.input {
        Some(path) => (path.display().to_string(), open(path)?),
        None => ("<stdin>".to_string(), Box::new(io::stdin().lock())),
    };
    let mut reader = args.net.limits.lines.reader(input);
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
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != in_formats.len() {
            bail!(
                "{at}: expected {} values (the network's input vector), found {}",
                in_formats.len(),
                fields.len()
            );
        }
        let x = parse_fields(&env, notation, &fields, &in_formats, &at, |k| {
            format!("value {}", k + 1)
        })?;
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
///
/// # Errors
///
/// Usage and input errors (exit code 2), naming the file, line and field.
pub fn check(args: &CheckArgs) -> Result<ExitCode> {
    let env = args.net.env();
    let notation = args.net.notation();
    let graph = load(&args.net.net, args.net.strict, env, args.net.limits.net.limits())?;
    let (phi, mut target_file) =
        args.phi.resolve(&env, &graph, notation, &args.net.limits.lines)?;
    let ad = Ad::new(&graph, env);
    let in_formats = input_formats(&graph);
    let out_fmt = *graph.output_format();
    let (d_in, d_out) = (in_formats.len(), graph.output_width());
    let other = match &args.against {
        Some(path) => Some(load(path, args.net.strict, env, args.net.limits.net.limits())?),
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
    let source = args.targets.as_ref().or(args.inputs.as_ref()).map(|p| p.display().to_string());
    let mut loss_target = |at: &str| -> Result<Option<Vec<u128>>> {
        match target_file.as_mut() {
            Some(file) => Ok(Some(file.next(&env, notation, at)?)),
            None => Ok(None),
        }
    };
    if let (Some(path), Some(source)) = (&args.targets, &source) {
        let mut reader = args.net.limits.lines.reader(open(path)?);
        let width = 2 * d_in + d_out;
        let formats: Vec<Format> = in_formats
            .iter()
            .copied()
            .chain(std::iter::repeat_n(out_fmt, d_out))
            .chain(in_formats.iter().copied())
            .collect();
        let name = |k: usize| -> String {
            if k < d_in {
                format!("x[{k}]")
            } else if k < d_in + d_out {
                format!("y*[{}]", k - d_in)
            } else {
                format!("g*[{}]", k - d_in - d_out)
            }
        };
        while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
            let at = format!("{source}:{line_no}");
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() != width {
                bail!(
                    "{at}: expected {width} values ({d_in} of x, {d_out} of y*, {d_in} of g*), found {}",
                    fields.len()
                );
            }
            let v = parse_fields(&env, notation, &fields, &formats, &at, name)?;
            let e = Expected {
                value: v[d_in..d_in + d_out].to_vec(),
                gradient: v[d_in + d_out..].to_vec(),
            };
            let t = loss_target(&at)?;
            pending.push(&v[..d_in], Some(e), t)?;
            lines.push(line_no);
        }
    } else if let (Some(path), Some(source)) = (&args.inputs, &source) {
        let mut reader = args.net.limits.lines.reader(open(path)?);
        while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
            let at = format!("{source}:{line_no}");
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() != d_in {
                bail!(
                    "{at}: expected {d_in} values (the network's input vector), found {}",
                    fields.len()
                );
            }
            let x = parse_fields(&env, notation, &fields, &in_formats, &at, |k| {
                format!("value {}", k + 1)
            })?;
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
                let Some((lo, hi)) = text.split_once(',') else {
                    bail!("--range: expected LO,HI, got '{text}'");
                };
                let (lo, hi) = (range_end(&env, fmt, lo)?, range_end(&env, fmt, hi)?);
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
        bail!("--against needs a domain: --inputs FILE or --all-inputs");
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

/// Parses one end of `--range`: an exact, non-NaN value of the format.
fn range_end(env: &Env, fmt: &Format, text: &str) -> Result<u128> {
    let text = text.trim();
    let r = fpcore::text::parse_value(env, fmt, text)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("--range: '{text}'"))?;
    if fmt.unpack(r.value).is_nan() {
        bail!("--range: '{text}' is a NaN; the range ends must be numbers or infinities");
    }
    if !r.flags.is_empty() {
        bail!("--range: '{text}' is not a value of {fmt}; give exact ends");
    }
    Ok(r.value)
}

/// The first demo network: a linear map R → R³ as one matrix.
const DEMO_ONE: &str = include_str!("../examples/nets/ad_demo_one_matrix.json");
/// The second: the same map as the product of two matrices.
const DEMO_TWO: &str = include_str!("../examples/nets/ad_demo_two_matrices.json");

/// A copy of `graph` in another format: every node's format, and every parameter converted
/// to it (exactly, when the format holds them).
fn in_format(env: &Env, graph: &Graph, fmt: Format) -> Result<Graph> {
    let mut nodes: Vec<Node> = graph.nodes().to_vec();
    for node in &mut nodes {
        let src = node.format;
        node.format = fmt;
        if let Op::Affine(a) = &mut node.op {
            for v in a.weights.iter_mut().chain(a.bias.iter_mut()) {
                *v = fpcore::convert(env, &src, &fmt, *v).value;
            }
        }
    }
    Ok(Graph::new(fmt, nodes, graph.output())?)
}

/// The demo's second part: two bf16 networks built by fpconstruct with the values of tanh on
/// 33 points of [-2, 2], one whose AD gradient is the true derivative with its sign flipped,
/// one whose AD gradient is zero.
fn demo_construct(s: &mut String) -> Result<()> {
    use fpconstruct::{construct, Options, Target};
    use fpcore::act::{deriv, eval, Activation, DEFAULT_KINK};
    let env = Env::default();
    let fmt = Format::parse("bfloat16").context("bfloat16")?;
    let eighth =
        fpcore::text::parse_value(&env, &fmt, "0.125").map_err(|e| anyhow::anyhow!("{e}"))?;
    let xs: Vec<u128> = (-16i64..=16)
        .map(|k| fpcore::mul(&env, &fmt, fpcore::from_i64(&env, &fmt, k).value, eighth.value).value)
        .collect();
    let phi = OutputGradient::Loss(Loss::Sum);
    let tanh = |x: u128| eval(&env, &fmt, Activation::Tanh, x).value;
    let d_tanh = |x: u128| deriv(&env, &fmt, Activation::Tanh, x, DEFAULT_KINK).value;
    let flipped: Vec<Target> =
        xs.iter().map(|&x| Target::one(x, tanh(x), fpcore::neg(&fmt, d_tanh(x)))).collect();
    let zeros: Vec<Target> = xs.iter().map(|&x| Target::one(x, tanh(x), fmt.zero(false))).collect();
    let options = Options::default();
    let c = construct(&fmt, &flipped, &phi, &options).context("the sign-flip construction")?;
    let d = construct(&fmt, &zeros, &phi, &options).context("the zero-gradient construction")?;
    let gc = Ad::new(&c.graph, env).batch(&xs, &phi, None, None, BatchOptions::default())?;
    let gd = Ad::new(&d.graph, env).batch(&xs, &phi, None, None, BatchOptions::default())?;
    let show = |v: u128| format_exact_decimal(&fmt, v);
    let n = xs.len();
    let values_ok = (0..n)
        .filter(|&k| gc.output(k)[0] == tanh(xs[k]) && gd.output(k)[0] == tanh(xs[k]))
        .count();
    let flip_ok = (0..n).filter(|&k| gc.input_gradient(k)[0] == flipped[k].g[0]).count();
    let zero_ok = (0..n).filter(|&k| gd.input_gradient(k)[0] == fmt.zero(false)).count();
    let shape = |r: &fpconstruct::Report| {
        let w: Vec<String> = r.widths.iter().map(|w| w.to_string()).collect();
        format!(
            "depth {}, widths {}, {} nonzero parameters",
            r.depth,
            w.join("-"),
            r.nonzero_params
        )
    };
    let _ =
        writeln!(s, "Any values, any gradients (fpx construct): two {fmt} ReLU networks C and D");
    let _ =
        writeln!(s, "with the values of tanh at x = -2, -1.875, ..., 2 (33 points), built so that");
    let _ = writeln!(
        s,
        "C's AD gradient is -tanh'(x) (the true derivative, sign flipped) and D's is 0."
    );
    let _ = writeln!(s, "C: {}", shape(&c.report));
    let _ = writeln!(s, "D: {}", shape(&d.report));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<8} {:<22} {:<22} {:<22} D: dx",
        "x", "C(x) = D(x) = tanh(x)", "tanh'(x)", "C: dx"
    );
    for k in (0..n).step_by(4) {
        let _ = writeln!(
            s,
            "  {:<8} {:<22} {:<22} {:<22} {}",
            show(xs[k]),
            show(gc.output(k)[0]),
            show(d_tanh(xs[k])),
            show(gc.input_gradient(k)[0]),
            show(gd.input_gradient(k)[0])
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "On all {n} points: values equal tanh(x) at {values_ok}, C's gradient is -tanh'(x) at {flip_ok}, D's is 0 at {zero_ok}."
    );
    if values_ok != n || flip_ok != n || zero_ok != n {
        bail!("the demo's constructions do not meet their targets");
    }
    Ok(())
}

/// `fpx demo`: one function, two networks, two gradients. Runs the shipped networks
/// `examples/nets/ad_demo_one_matrix.json` (y = W x) and `ad_demo_two_matrices.json`
/// (y = W2 (W1 x), with W2 W1 = W) on every input of e4m3fn, shows that their values agree bit
/// for bit, that their AD gradients of y1 + y2 + y3 do not (and why), and the same gradients
/// in binary64. The output is deterministic.
///
/// # Errors
///
/// Only if writing to standard output fails.
pub fn demo() -> Result<ExitCode> {
    let env = Env::default();
    let options = LoadOptions::default();
    let one = fpnet::file::load_str(DEMO_ONE, &options).context("the shipped demo network A")?;
    let two = fpnet::file::load_str(DEMO_TWO, &options).context("the shipped demo network B")?;
    let (a, b) = (&one.graph, &two.graph);
    let fmt = *a.format();
    let (ad_a, ad_b) = (Ad::new(a, env), Ad::new(b, env));
    let phi = OutputGradient::Loss(Loss::Sum);
    let xs: Vec<u128> = (0..=fmt.mask()).collect();
    let ga = ad_a.batch(&xs, &phi, None, None, BatchOptions::default())?;
    let gb = ad_b.batch(&xs, &phi, None, None, BatchOptions::default())?;
    let show = |f: &Format, v: u128| format_exact_decimal(f, v);
    let show_all = |f: &Format, vs: &[u128]| -> String {
        vs.iter().map(|&v| show(f, v)).collect::<Vec<_>>().join(" ")
    };
    let same_values = (0..xs.len()).filter(|&k| ga.output(k) == gb.output(k)).count();
    let differ: Vec<usize> =
        (0..xs.len()).filter(|&k| ga.input_gradient(k) != gb.input_gradient(k)).collect();
    let n = xs.len();
    let mut s = String::new();
    let _ = writeln!(s, "fpx demo: one function, two networks, two gradients");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "A  examples/nets/ad_demo_one_matrix.json    y = W x        W  = [1; 1/16; 1/16]"
    );
    let _ = writeln!(
        s,
        "B  examples/nets/ad_demo_two_matrices.json  y = W2 (W1 x)  W1 = [1; 1], W2 = [1 0; 0 1/16; 0 1/16]"
    );
    let _ = writeln!(s, "   W2 W1 = W; x and every weight, value and gradient in {fmt}, biases 0");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Values: A and B agree bit for bit on {same_values} of the {n} encodings of {fmt}."
    );
    let _ = writeln!(
        s,
        "Gradients: reverse-mode AD of y1 + y2 + y3 (output gradient 1 1 1), from the output to the input:"
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "  {:<12} {:<32} {:>6} {:>6}", "x", "y1 y2 y3 (A = B)", "A: dx", "B: dx");
    let sample = ["-448", "-1", "-0", "0", "0.001953125", "0.5", "1", "3", "448"];
    for text in sample {
        let x =
            fpcore::text::parse_value(&env, &fmt, text).map_err(|e| anyhow::anyhow!("{e}"))?.value;
        let k = usize::try_from(x).context("an 8-bit encoding")?;
        let _ = writeln!(
            s,
            "  {:<12} {:<32} {:>6} {:>6}",
            show(&fmt, x),
            show_all(&fmt, ga.output(k)),
            show_all(&fmt, ga.input_gradient(k)),
            show_all(&fmt, gb.input_gradient(k))
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "The gradients differ on {} of the {n} inputs (the maps are linear: dx does not depend on x).",
        differ.len()
    );
    let _ = writeln!(s, "A: dx = ((+0 ⊕ 1⊗1) ⊕ 1⊗1/16) ⊕ 1⊗1/16: 1 ⊕ 1/16 is a tie, which goes to the even 1, twice.");
    let _ = writeln!(
        s,
        "B: u = (1 1 1) ⊗ W2 = (1, 1/16 ⊕ 1/16) = (1, 1/8), then dx = u ⊗ W1 = 1 ⊕ 1/8 = 1.125, exact."
    );
    let x_one = fpcore::text::parse_value(&env, &fmt, "1").map_err(|e| anyhow::anyhow!("{e}"))?;
    let f64_fmt = Format::parse("binary64").context("binary64")?;
    let a64 = in_format(&env, a, f64_fmt)?;
    let b64 = in_format(&env, b, f64_fmt)?;
    let x64 = fpcore::convert(&env, &fmt, &f64_fmt, x_one.value).value;
    let da = Ad::new(&a64, env).gradient(&[x64], &phi, None)?;
    let db = Ad::new(&b64, env).gradient(&[x64], &phi, None)?;
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "The same networks in binary64 (every weight exact): A: dx = {}, B: dx = {}, the real derivative.",
        show_all(&f64_fmt, &da.input_gradient),
        show_all(&f64_fmt, &db.input_gradient)
    );
    let _ = writeln!(s);
    demo_construct(&mut s)?;
    let _ = writeln!(s);
    let _ =
        writeln!(s, "Try: echo 38 | fpx net grad --net examples/nets/ad_demo_two_matrices.json");
    let _ = writeln!(
        s,
        "     fpx construct --format bf16 --targets examples/construct/tanh_flip.txt --out C.json --report C.report.json"
    );
    let _ =
        writeln!(s, "     fpx net check --net C.json --targets examples/construct/tanh_flip.txt");
    let _ = writeln!(
        s,
        "     fpx net check --net examples/nets/ad_demo_one_matrix.json --against examples/nets/ad_demo_two_matrices.json --all-inputs"
    );
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
