//! `fpx net eval`: a network file (fpnet's format) evaluated on input vectors or on every
//! float of its input format.
//!
//! Each input line holds the input vector (the inputs' values one after the other, hex bit
//! patterns, or hex-float/decimal with `--text`; blank lines and `#` comments skipped); each
//! output line holds the output vector in the same notation. `--all-inputs [--range LO,HI]`
//! evaluates a one-value network on every float of its input format in increasing order (both
//! zeros, -0 first; no NaN), printing `INPUT OUTPUT...` per line, or with `--summary` counts
//! only.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use fpcore::{Env, Flags, Format, Kind};
use fpnet::Interpreter;
use fporacle::lines::{next_data_line, LineReader};
use fporacle::protocol::{format_flags, format_value, Notation};
use fporacle::targets::parse_input_vector;

use crate::args::{
    parse_range, EnvArgs, InputArgs, LineLimitArgs, NetArgs, NotationArgs, ShardArgs,
};

/// Samples evaluated per parallel batch.
const CHUNK: usize = 1 << 14;
/// Most floats `--all-inputs` enumerates in one run.
const MAX_ALL_INPUTS: u64 = 1 << 32;
/// Runs with at least this many inputs show a progress bar (when stderr is a terminal).
const PROGRESS_MIN: u64 = 1 << 16;
/// Most distinct outputs `--summary` keeps track of.
const MAX_DISTINCT: usize = 1 << 20;

/// Options of `fpx net eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// The network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
    /// The notation (outputs as hex-float with --text).
    #[command(flatten)]
    pub notation: NotationArgs,
    /// Evaluate every float of the input format (one-value networks), in increasing order.
    #[arg(long, conflicts_with = "input_file")]
    pub all_inputs: bool,
    /// With --all-inputs: only the floats x with LO <= x <= HI (exact values of the format).
    #[arg(long, value_name = "LO,HI", requires = "all_inputs", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// With --all-inputs: print counts (distinct outputs, NaN, infinities, flags), not values.
    #[arg(long, requires = "all_inputs")]
    pub summary: bool,
    /// With --all-inputs: which part of the inputs (in increasing order) to evaluate; with
    /// --summary the counts are the part's.
    #[command(flatten)]
    pub shard: ShardArgs,
    /// Append the flags raised by each evaluation (TestFloat's hex byte) to each line.
    #[arg(long)]
    pub flags: bool,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
    /// The input vectors.
    #[command(flatten)]
    pub input: InputArgs,
    /// The line limit.
    #[command(flatten)]
    pub lines: LineLimitArgs,
}

/// Runs `fpx net eval`.
pub fn run(args: &EvalArgs) -> Result<ExitCode> {
    if args.shard.shard.is_some() && !args.all_inputs {
        bail!("--shard applies to --all-inputs");
    }
    let env = args.env.env();
    let loaded = args.net.load(env)?;
    let graph = &loaded.graph;
    let interp = Interpreter::new(graph, env);
    let notation = args.notation.notation();
    let mut out = BufWriter::new(io::stdout().lock());
    if args.all_inputs {
        all_inputs(args, &interp, notation, &mut out)?;
    } else {
        let (source, reader) = args.input.open(&args.lines)?;
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
    while let Some((line_no, line)) = next_data_line(&mut reader, source)? {
        let at = format!("{source}:{line_no}");
        samples.extend(parse_input_vector(env, notation, &line, &entry_formats, &at)?);
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
        Some(text) => parse_range(&env, &fmt, text, notation)?,
    };
    let (first, last) = (rank(&fmt, top, lo), rank(&fmt, top, hi));
    if first > last {
        bail!("--range: LO is greater than HI");
    }
    let (shard_start, shard_stop) = args.shard.range(last - first + 1);
    let (first, last) = (first + shard_start, first + shard_stop);
    if first == last {
        if args.summary {
            Summary::default().write(out)?;
        }
        return Ok(());
    }
    let last = last - 1;
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
