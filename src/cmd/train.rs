//! `fpx train`: gradient descent in several formats side by side from the same starting
//! network (fpad::train, docs/semantics.md §5.6).
//!
//! DATA has one sample per line, the network's inputs then (for `mse` and `softmax-xent`) the
//! targets: hex bit patterns of the inputs' and the output's formats, or decimal and hex-float
//! with `--text` (then each value is rounded once to each training format). `--log` writes one
//! JSON object per (step, format); `--out-dir` writes each trained network as DIR/FORMAT.json.
//! Standard output closes with one line per format: the last loss and distance, the trained
//! parameters (exact decimals, for networks of at most 8), the first fixed point and the first
//! repeated state.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use fpad::train::{train, Data, DataValues, Distance, Outcome, Record, TrainOptions};
use fpad::verify::input_formats;
use fpad::Loss;
use fpcore::text::{format_exact_decimal, format_shortest};
use fpcore::{Env, Format};
use fporacle::lines::next_data_line;
use fporacle::protocol::Notation;
use fporacle::targets::parse_fields;

use crate::args::{EnvArgs, LineLimitArgs, LossArg, NetArgs, NotationArgs};

/// Options of `fpx train`.
#[derive(Args)]
pub struct TrainArgs {
    /// The starting network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
    /// The samples: one per line, the inputs then (for mse and softmax-xent) the targets: hex
    /// bit patterns of the network's formats, or decimal or hex-float with --text. `#` starts
    /// a comment line.
    #[arg(long, value_name = "DATA.txt")]
    pub data: PathBuf,
    /// The loss: its derivative is the output gradient, its value is logged.
    #[arg(long, value_enum, default_value = "mse")]
    pub loss: LossArg,
    /// The learning rate (decimal or hex-float), rounded once to each format.
    #[arg(long, allow_hyphen_values = true)]
    pub lr: String,
    /// Number of steps (updates).
    #[arg(long)]
    pub steps: u64,
    /// Samples per step: the data in consecutive batches of B, cycled (default: all).
    #[arg(long, value_name = "B")]
    pub batch: Option<usize>,
    /// The training formats, comma-separated.
    #[arg(long, default_value = "bf16,binary32,binary64")]
    pub formats: String,
    /// The format of the reference run that distances are measured from (p = 113).
    #[arg(long, value_name = "FMT", default_value = "binary128")]
    pub reference: String,
    /// Write one JSON object per step and format to this file (JSON Lines).
    #[arg(long, value_name = "LOG.jsonl")]
    pub log: Option<PathBuf>,
    /// Write each trained network to DIR/FORMAT.json (FORMAT as written in --formats).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// The notation of DATA.
    #[command(flatten)]
    pub notation: NotationArgs,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
    /// The line limit.
    #[command(flatten)]
    pub lines: LineLimitArgs,
}

/// Networks of at most this many parameters have them printed in the summary.
const MAX_SHOWN: usize = 8;

/// A number of the log: JSON's number spelling where the value is finite, a string
/// ("inf", "-inf", "nan") where it is not.
fn json_number(fmt: &Format, bits: u128) -> String {
    let u = fmt.unpack(bits);
    let text = format_shortest(fmt, bits);
    if u.is_nan() || u.is_inf() {
        format!("\"{text}\"")
    } else {
        text
    }
}

/// The distance as a log number: rounded once to binary64.
fn distance_number(d: &Distance) -> String {
    json_number(&Format::BINARY64, d.to_binary64())
}

/// Reads the samples of DATA, each line checked against the network's formats.
fn read_data(
    args: &TrainArgs,
    env: &Env,
    notation: Notation,
    in_formats: &[Format],
    out_formats: &[Format],
) -> Result<Data> {
    let source = args.data.display().to_string();
    let mut reader = args.lines.reader(fporacle::targets::open(&args.data)?);
    let formats: Vec<Format> = in_formats.iter().chain(out_formats).copied().collect();
    let (d_in, d_out) = (in_formats.len(), out_formats.len());
    let width = formats.len();
    let mut encoded = Vec::new();
    let mut texts = Vec::new();
    while let Some((line_no, line)) = next_data_line(&mut reader, &source)? {
        let at = format!("{source}:{line_no}");
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != width {
            bail!(
                "{at}: expected {width} values ({d_in} inputs then {d_out} targets), found {}",
                fields.len()
            );
        }
        let name = |k: usize| {
            if k < d_in {
                format!("input {}", k + 1)
            } else {
                format!("target {}", k - d_in + 1)
            }
        };
        // Both notations are checked here, against the network's own formats.
        let values = parse_fields(env, notation, &fields, &formats, &at, name)?;
        match notation {
            Notation::Bits => encoded.extend(values),
            Notation::Text => texts.extend(fields.iter().map(|f| f.to_string())),
        }
    }
    let values = match notation {
        Notation::Bits => DataValues::Encoded { formats, values: encoded },
        Notation::Text => DataValues::Text(texts),
    };
    let data = Data { inputs: d_in, targets: d_out, values };
    if data.is_empty() {
        bail!("{source}: no sample (one line per sample: {d_in} inputs then {d_out} targets)");
    }
    Ok(data)
}

/// The line of one format in the closing summary.
fn summary_line(name: &str, outcome: &Outcome, steps: u64) -> String {
    let mut s = format!("{name}:");
    if let Some(r) = &outcome.last {
        let _ = write!(
            s,
            " loss {}, distance {}",
            format_shortest(&outcome.format, r.step.loss),
            format_shortest(&Format::BINARY64, r.distance.to_binary64())
        );
    }
    let params = fpad::train::parameters(&outcome.graph);
    if params.len() <= MAX_SHOWN {
        let shown: Vec<String> =
            params.iter().map(|&v| format_exact_decimal(&outcome.format, v)).collect();
        let _ = write!(s, ", parameters {}", shown.join(" "));
    }
    match outcome.first_fixed_point {
        Some(k) => {
            let _ = write!(
                s,
                ", fixed point: the parameters after step {} (step {k} absorbs every update)",
                k - 1
            );
        }
        None => {
            let _ = write!(s, ", no fixed point in {steps} steps");
        }
    }
    match outcome.cycle {
        Some(c) => {
            let _ = write!(
                s,
                ", cycle: the parameters after step {} equal those after step {} (period {})",
                c.from + c.period,
                c.from,
                c.period
            );
        }
        None => s.push_str(", no cycle"),
    }
    s
}

/// Runs `fpx train`.
pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    let env = args.env.env();
    let notation = args.notation.notation();
    let graph = args.net.load(env)?.graph;
    let names: Vec<&str> = args.formats.split(',').map(str::trim).collect();
    let formats: Vec<Format> = names
        .iter()
        .map(|n| Format::parse(n).with_context(|| format!("--formats: '{n}'")))
        .collect::<Result<_>>()?;
    for (k, n) in names.iter().enumerate() {
        if names[..k].contains(n) {
            bail!("--formats: '{n}' is listed twice");
        }
        if n.contains(['/', '\\']) || n.starts_with('.') {
            bail!("--formats: '{n}' cannot name a file in --out-dir");
        }
    }
    let reference = Format::parse(&args.reference).context("--reference")?;
    let loss = match args.loss {
        LossArg::Sum => Loss::Sum,
        LossArg::Mse => Loss::Mse,
        LossArg::SoftmaxXent => Loss::SoftmaxXent,
    };
    let in_formats = input_formats(&graph);
    let out_formats = if loss.needs_target() {
        vec![*graph.output_format(); graph.output_width()]
    } else {
        vec![]
    };
    let data = read_data(args, &env, notation, &in_formats, &out_formats)?;
    let options = TrainOptions { loss, lr: args.lr.clone(), steps: args.steps, batch: args.batch };
    let mut log = match &args.log {
        Some(path) => Some(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("--log: cannot create {}", path.display()))?,
        )),
        None => None,
    };
    let write_record = |r: &Record| -> Result<()> {
        let Some(log) = log.as_mut() else { return Ok(()) };
        let fmt = &formats[r.format];
        writeln!(
            log,
            "{{\"step\":{},\"format\":\"{}\",\"loss\":{},\"distance\":{},\"nonzero\":{},\"absorbed\":{},\"fixed_point\":{}}}",
            r.step.step,
            names[r.format],
            json_number(fmt, r.step.loss),
            distance_number(&r.distance),
            r.step.nonzero,
            r.step.absorbed,
            r.step.fixed_point
        )
        .map_err(|e| anyhow!("--log: {e}"))
    };
    let outcomes = train(&env, &graph, &data, &options, &formats, reference, write_record)
        .context("training")?;
    if let (Some(mut log), Some(path)) = (log, &args.log) {
        log.flush().with_context(|| format!("--log: cannot write {}", path.display()))?;
    }
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--out-dir: cannot create {}", dir.display()))?;
        for (name, outcome) in names.iter().zip(&outcomes) {
            let path = dir.join(format!("{name}.json"));
            std::fs::write(&path, fpnet::file::to_json(&outcome.graph))
                .with_context(|| format!("--out-dir: cannot write {}", path.display()))?;
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let per_step = args.batch.map_or(data.len(), |b| b.min(data.len()));
    writeln!(
        out,
        "{} steps, {per_step} of {} samples per step ({} loss, lr {}); distances from {}",
        args.steps,
        data.len(),
        loss.name(),
        args.lr,
        args.reference
    )?;
    for (name, outcome) in names.iter().zip(&outcomes) {
        writeln!(out, "{}", summary_line(name, outcome, args.steps))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
