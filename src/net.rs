//! `fpx net`: evaluate a network file (fpnet's format) on input vectors or on every float of
//! an input format, and describe a network.
//!
//! `fpx net eval --net NET.json`: each input line holds the input vector (the inputs' values one
//! after the other, hex bit patterns, or hex-float/decimal with `--text`; blank lines and `#`
//! comments skipped); each output line holds the output vector in the same notation.
//! `--all-inputs [--range LO,HI]` evaluates a one-value network on every float of its input
//! format in increasing order (both zeros, -0 first; no NaN), printing `INPUT OUTPUT...` per
//! line, or with `--summary` counts only. `fpx net info --net NET.json` lists layers, shapes,
//! formats, the parameter count and whether every literal was exact.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use fpcore::{Env, Flags, Format, Kind, NanPolicy, OverflowPolicy};
use fpnet::graph::{Op, Rule};
use fpnet::{Graph, Interpreter, LoadOptions, Loaded};

use crate::lines::LineReader;
use crate::protocol::{format_flags, format_value, parse_operand, Notation};

/// Samples evaluated per parallel batch.
const CHUNK: usize = 1 << 14;
/// Most floats `--all-inputs` enumerates in one run.
const MAX_ALL_INPUTS: u64 = 1 << 32;
/// Runs with at least this many inputs show a progress bar (when stderr is a terminal).
const PROGRESS_MIN: u64 = 1 << 16;
/// Most distinct outputs `--summary` keeps track of.
const MAX_DISTINCT: usize = 1 << 20;

/// The `fpx net` subcommands.
#[derive(Subcommand)]
pub enum NetCommand {
    /// Evaluate a network: one input vector per line, or every float with --all-inputs.
    Eval(EvalArgs),
    /// Describe a network: layers, shapes, formats, parameters, literal exactness.
    Info(InfoArgs),
    /// Differentiate a network: per input line, the outputs then the input gradient (AD).
    Grad(crate::grad::GradArgs),
    /// Check values and AD gradients against targets; closes with `N passed, M failed`.
    Check(crate::grad::CheckArgs),
}

/// NaN result encoding.
#[derive(Clone, Copy, ValueEnum)]
pub enum NanArg {
    /// Canonical per format.
    Canonical,
    /// x86 SSE: first NaN operand quieted; invalid gives the negative default NaN.
    X86,
    /// ARM default-NaN mode.
    Arm,
}

/// Options of `fpx net eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// The network file (JSON, see docs/network-format.md).
    #[arg(long)]
    pub net: PathBuf,
    /// Values are hex-float or decimal text instead of hex bit patterns (outputs as hex-float).
    #[arg(long)]
    pub text: bool,
    /// Evaluate every float of the input format (one-value networks), in increasing order.
    #[arg(long)]
    pub all_inputs: bool,
    /// With --all-inputs: only the floats x with LO <= x <= HI (exact values of the format).
    #[arg(long, value_name = "LO,HI", requires = "all_inputs", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// With --all-inputs: print counts (distinct outputs, NaN, infinities, flags), not values.
    #[arg(long, requires = "all_inputs")]
    pub summary: bool,
    /// Append the flags raised by each evaluation (TestFloat's hex byte) to each line.
    #[arg(long)]
    pub flags: bool,
    /// Reject literals that are not exactly representable in their node's format.
    #[arg(long)]
    pub strict: bool,
    /// Clamp overflows to the largest finite value instead of infinity/NaN.
    #[arg(long)]
    pub saturate: bool,
    /// NaN result encoding.
    #[arg(long, value_enum, default_value = "canonical")]
    pub nan: NanArg,
    /// Read input vectors from this file instead of standard input.
    #[arg(long, conflicts_with = "all_inputs")]
    pub input: Option<PathBuf>,
    /// Size limits.
    #[command(flatten)]
    pub limits: crate::limits::NetInputLimitArgs,
}

/// Options of `fpx net info`.
#[derive(Args)]
pub struct InfoArgs {
    /// The network file (JSON, see docs/network-format.md).
    #[arg(long)]
    pub net: PathBuf,
    /// Reject literals that are not exactly representable in their node's format.
    #[arg(long)]
    pub strict: bool,
    /// Size limits.
    #[command(flatten)]
    pub limits: crate::limits::NetLimitArgs,
}

/// Runs an `fpx net` subcommand; errors are usage or input errors (exit code 2).
pub fn run(command: &NetCommand) -> Result<ExitCode> {
    match command {
        NetCommand::Eval(args) => eval(args),
        NetCommand::Info(args) => info(args),
        NetCommand::Grad(args) => crate::grad::grad(args),
        NetCommand::Check(args) => crate::grad::check(args),
    }
}

fn load(net: &Path, strict: bool, env: Env, limits: fpnet::Limits) -> Result<Loaded> {
    let options = LoadOptions { strict, env, base_dir: None, limits };
    fpnet::file::load_file(net, &options).with_context(|| format!("--net {}", net.display()))
}

fn eval(args: &EvalArgs) -> Result<ExitCode> {
    let env = Env {
        nan: match args.nan {
            NanArg::Canonical => NanPolicy::Canonical,
            NanArg::X86 => NanPolicy::X86Sse,
            NanArg::Arm => NanPolicy::ArmDefaultNan,
        },
        overflow: if args.saturate { OverflowPolicy::Saturate } else { OverflowPolicy::Ieee },
        ..Env::default()
    };
    let loaded = load(&args.net, args.strict, env, args.limits.net.limits())?;
    let graph = &loaded.graph;
    let interp = Interpreter::new(graph, env);
    let notation = if args.text { Notation::Text } else { Notation::Bits };
    let mut out = BufWriter::new(io::stdout().lock());
    if args.all_inputs {
        all_inputs(args, &interp, notation, &mut out)?;
    } else {
        let (source, input): (String, Box<dyn BufRead>) = match &args.input {
            Some(path) => {
                let file = std::fs::File::open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?;
                (path.display().to_string(), Box::new(io::BufReader::new(file)))
            }
            None => ("<stdin>".to_string(), Box::new(io::stdin().lock())),
        };
        let reader = args.limits.lines.reader(input);
        vectors(&interp, &env, notation, args.flags, &source, reader, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes one output vector (and the flags, when asked) as a line.
fn write_output(
    out: &mut (impl Write + ?Sized),
    fmt: &Format,
    notation: Notation,
    values: &[u128],
    flags: Option<Flags>,
) -> Result<()> {
    let mut first = true;
    for &v in values {
        if !first {
            out.write_all(b" ")?;
        }
        first = false;
        out.write_all(format_value(fmt, notation, v).as_bytes())?;
    }
    if let Some(f) = flags {
        write!(out, " {}", format_flags(f))?;
    }
    writeln!(out)?;
    Ok(())
}

/// Reads input vectors line by line and writes output vectors, evaluating chunks of lines in
/// parallel (the output order is the input order).
fn vectors(
    interp: &Interpreter<'_>,
    env: &Env,
    notation: Notation,
    show_flags: bool,
    source: &str,
    mut reader: LineReader<impl BufRead>,
    out: &mut impl Write,
) -> Result<()> {
    let graph = interp.graph();
    let entry_formats = fpad::verify::input_formats(graph);
    let out_fmt = *graph.output_format();
    let mut samples: Vec<u128> = Vec::new();
    let mut pending = 0usize;
    let flush = |samples: &mut Vec<u128>, pending: &mut usize, out: &mut dyn Write| -> Result<()> {
        if *pending == 0 {
            return Ok(());
        }
        let batch = interp.eval_batch(samples)?;
        for k in 0..batch.len() {
            let flags = show_flags.then(|| batch.flags[k]);
            write_output(out, &out_fmt, notation, batch.output(k), flags)?;
        }
        samples.clear();
        *pending = 0;
        Ok(())
    };
    while let Some((line_no, line)) = reader.next_line().with_context(|| source.to_string())? {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != entry_formats.len() {
            bail!(
                "{source}:{line_no}: expected {} values (the network's input vector), found {}",
                entry_formats.len(),
                fields.len()
            );
        }
        for (k, (text, fmt)) in fields.iter().zip(&entry_formats).enumerate() {
            let v = parse_operand(env, fmt, notation, text)
                .with_context(|| format!("{source}:{line_no}: value {}", k + 1))?;
            samples.push(v);
        }
        pending += 1;
        if pending == CHUNK {
            flush(&mut samples, &mut pending, out)?;
        }
    }
    flush(&mut samples, &mut pending, out)?;
    Ok(())
}

/// The position of a non-NaN value in the increasing order of the format's values (-0 before
/// +0): negative values count down from the largest magnitude, positive ones up from +0.
fn rank(fmt: &Format, top: u128, bits: u128) -> u128 {
    let sign_bit = 1u128 << (fmt.bits() - 1);
    let mag = bits & !sign_bit;
    if bits & sign_bit != 0 {
        top - mag
    } else {
        top + 1 + mag
    }
}

/// The encoding at a rank (see [`rank`]); `None` for positions that hold a NaN (FNUZ's 0x80).
fn unrank(fmt: &Format, top: u128, r: u128) -> Option<u128> {
    let sign_bit = 1u128 << (fmt.bits() - 1);
    let bits = if r <= top { sign_bit | (top - r) } else { r - top - 1 };
    (!fmt.unpack(bits).is_nan()).then_some(bits)
}

/// Parses one end of `--range`: an exact, non-NaN value of the format.
fn range_end(env: &Env, fmt: &Format, text: &str, notation: Notation) -> Result<u128> {
    let text = text.trim();
    let r = fpcore::text::parse_value(env, fmt, text)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("--range: '{text}'"))?;
    if fmt.unpack(r.value).is_nan() {
        bail!("--range: '{text}' is a NaN; the range ends must be numbers or infinities");
    }
    if !r.flags.is_empty() {
        bail!(
            "--range: '{text}' is not a value of {fmt} (the nearest is {}); give exact ends",
            format_value(fmt, notation, r.value)
        );
    }
    Ok(r.value)
}

/// Counts for `--summary`.
#[derive(Default)]
struct Summary {
    inputs: u64,
    distinct: BTreeSet<Vec<u128>>,
    distinct_overflowed: bool,
    with_nan: u64,
    with_inf: u64,
    finite: u64,
    flag_counts: [u64; 5],
}

const FLAG_NAMES: [(Flags, &str); 5] = [
    (Flags::INEXACT, "inexact"),
    (Flags::UNDERFLOW, "underflow"),
    (Flags::OVERFLOW, "overflow"),
    (Flags::INFINITE, "infinite"),
    (Flags::INVALID, "invalid"),
];

impl Summary {
    fn add(&mut self, fmt: &Format, values: &[u128], flags: Flags) {
        self.inputs += 1;
        let kinds: Vec<Kind> = values.iter().map(|v| fmt.unpack(*v).kind).collect();
        let nan = kinds.iter().any(|k| matches!(k, Kind::Nan { .. }));
        let inf = kinds.iter().any(|k| matches!(k, Kind::Inf));
        if nan {
            self.with_nan += 1;
        }
        if inf {
            self.with_inf += 1;
        }
        if !nan && !inf {
            self.finite += 1;
        }
        for (count, (flag, _)) in self.flag_counts.iter_mut().zip(FLAG_NAMES) {
            if flags.contains(flag) {
                *count += 1;
            }
        }
        if !self.distinct_overflowed && !self.distinct.contains(values) {
            if self.distinct.len() == MAX_DISTINCT {
                self.distinct_overflowed = true;
            } else {
                self.distinct.insert(values.to_vec());
            }
        }
    }

    fn write(&self, out: &mut impl Write) -> Result<()> {
        writeln!(out, "inputs: {}", self.inputs)?;
        if self.distinct_overflowed {
            writeln!(out, "distinct outputs: more than {MAX_DISTINCT}")?;
        } else {
            writeln!(out, "distinct outputs: {}", self.distinct.len())?;
        }
        writeln!(out, "outputs with a NaN: {}", self.with_nan)?;
        writeln!(out, "outputs with an infinity: {}", self.with_inf)?;
        writeln!(out, "finite outputs: {}", self.finite)?;
        let flags: Vec<String> = FLAG_NAMES
            .iter()
            .zip(self.flag_counts)
            .map(|((_, name), count)| format!("{name} {count}"))
            .collect();
        writeln!(out, "inputs raising each flag: {}", flags.join(", "))?;
        Ok(())
    }
}

fn all_inputs(
    args: &EvalArgs,
    interp: &Interpreter<'_>,
    notation: Notation,
    out: &mut impl Write,
) -> Result<()> {
    let graph = interp.graph();
    if graph.input_width() != 1 {
        bail!(
            "--all-inputs needs a network with one input value; this one takes {}",
            graph.input_width()
        );
    }
    let fmt = graph.node(fpnet::NodeId(0)).format;
    let env = Env::default();
    let top = fmt.inf(false).unwrap_or_else(|| fmt.max_finite(false));
    let (lo, hi) = match &args.range {
        None => (fmt.inf(true).unwrap_or_else(|| fmt.max_finite(true)), top),
        Some(text) => {
            let Some((lo, hi)) = text.split_once(',') else {
                bail!("--range: expected LO,HI, got '{text}'");
            };
            (range_end(&env, &fmt, lo, notation)?, range_end(&env, &fmt, hi, notation)?)
        }
    };
    let (first, last) = (rank(&fmt, top, lo), rank(&fmt, top, hi));
    if first > last {
        bail!("--range: LO is greater than HI");
    }
    let count = last - first + 1;
    if count > u128::from(MAX_ALL_INPUTS) {
        bail!("--all-inputs: {count} values exceed the limit of {MAX_ALL_INPUTS}; narrow them with --range");
    }
    let count = u64::try_from(count).expect("bounded above");
    let progress = if io::stderr().is_terminal() && count >= PROGRESS_MIN {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(count),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} inputs, {per_sec}, {eta} left",
            )
            .expect("valid template"),
        );
        Some(bar)
    } else {
        None
    };
    let out_fmt = *graph.output_format();
    let mut summary = Summary::default();
    let mut r = first;
    let mut inputs = Vec::with_capacity(CHUNK);
    while r <= last {
        inputs.clear();
        let end = last.min(r + CHUNK as u128 - 1);
        inputs.extend((r..=end).filter_map(|k| unrank(&fmt, top, k)));
        let batch = interp.eval_batch(&inputs)?;
        for (k, x) in inputs.iter().enumerate() {
            let values = batch.output(k);
            if args.summary {
                summary.add(&out_fmt, values, batch.flags[k]);
            } else {
                write!(out, "{} ", format_value(&fmt, notation, *x))?;
                write_output(out, &out_fmt, notation, values, args.flags.then(|| batch.flags[k]))?;
            }
        }
        if let Some(bar) = &progress {
            bar.inc(u64::try_from(end - r + 1).expect("a chunk fits"));
        }
        r = end + 1;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if args.summary {
        summary.write(out)?;
    }
    Ok(())
}

/// A short description of a node's operation.
fn describe(graph: &Graph, id: fpnet::NodeId) -> (String, String) {
    let node = graph.node(id);
    match &node.op {
        Op::Input { size } => ("input".to_string(), format!("{size}")),
        Op::Affine(a) => {
            let mut extra = a.order.name();
            if a.input.0 + 1 != id.0 {
                extra = format!("{extra}, reads {}", graph.name_of(a.input));
            }
            ("affine".to_string(), format!("{} -> {}  {extra}", a.cols, a.rows))
        }
        Op::Activation(a) => {
            let s = &a.sigma;
            let mut extra = vec![s.activation.name().to_string()];
            if s.value != Rule::CorrectlyRounded {
                extra.push(format!("value {}", s.value.name()));
            }
            if s.derivative != Rule::CorrectlyRounded {
                extra.push(format!("derivative {}", s.derivative.name()));
            }
            if s.kink != fpcore::act::DEFAULT_KINK {
                extra.push(format!("kink {}", fpcore::text::format_hexfloat(&node.format, s.kink)));
            }
            if a.input.0 + 1 != id.0 {
                extra.push(format!("reads {}", graph.name_of(a.input)));
            }
            ("activation".to_string(), format!("{}  {}", graph.width(id), extra.join(", ")))
        }
        Op::Add(ids) | Op::Concat(ids) => {
            let names: Vec<String> = ids.iter().map(|i| graph.name_of(*i)).collect();
            (node.op.kind().to_string(), format!("{}  [{}]", graph.width(id), names.join(", ")))
        }
    }
}

fn info(args: &InfoArgs) -> Result<ExitCode> {
    let loaded = load(&args.net, args.strict, Env::default(), args.limits.limits())?;
    let graph = &loaded.graph;
    let report = &loaded.report;
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "network: {}", args.net.display())?;
    writeln!(out, "format: {}", graph.format())?;
    if let Some(path) = &report.tensors {
        writeln!(out, "tensors: {}", path.display())?;
    }
    let ids: Vec<fpnet::NodeId> = graph.inputs().chain(graph.layers()).collect();
    let rows: Vec<(String, String, String, String, String)> = ids
        .iter()
        .map(|&id| {
            let node = graph.node(id);
            let (kind, shape) = describe(graph, id);
            let params = match &node.op {
                Op::Affine(a) => format!("{} parameters", a.weights.len() + a.bias.len()),
                _ => String::new(),
            };
            (graph.name_of(id), kind, node.format.name(), shape, params)
        })
        .collect();
    let name_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let fmt_w = rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
    writeln!(out, "nodes:")?;
    for (name, kind, fmt, shape, params) in &rows {
        let line = format!("  {name:<name_w$}  {kind:<10}  {fmt:<fmt_w$}  {shape}  {params}");
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "output: {} ({} values of {})",
        graph.name_of(graph.output()),
        graph.output_width(),
        graph.output_format()
    )?;
    writeln!(out, "parameters: {}", graph.n_params())?;
    if report.all_exact() {
        writeln!(out, "literals: {}, all exact", report.values)?;
    } else {
        writeln!(
            out,
            "literals: {}, {} inexact (each rounded once to its node's format)",
            report.values, report.inexact
        )?;
        for v in &report.examples {
            writeln!(
                out,
                "  {}: '{}' -> {}",
                v.path,
                v.text,
                fpcore::text::format_hexfloat(&v.format, v.value)
            )?;
        }
        if report.examples.len() < report.inexact {
            writeln!(out, "  ...")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
