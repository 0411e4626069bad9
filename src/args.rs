//! The option groups shared by the commands: the environment (`--tininess`, `--nan`,
//! `--overflow`, `--saturate`, `--daz`, `--ftz`, `--via`) on every command that computes, the operation (`--format`, `--op`,
//! `--kink`), the notation (`--text`), the input file, the network file and its loading, and
//! the size limits: `--max-file-bytes`, `--max-nodes`, `--max-params` and `--max-json-depth`
//! for the commands that read network files, `--max-line-bytes` for those that read input
//! lines (defaults: [`fpnet::limits`]' constants and [`MAX_LINE`]); and the output gradient
//! of `net grad` and `net check`.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::builder::TypedValueParser as _;
use clap::{Args, ValueEnum};
use fpad::{Loss, OutputGradient};
use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};
use fpnet::limits::{Limits, MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_NODES, MAX_PARAMS};
use fpnet::{Graph, LoadOptions, Loaded};
use fporacle::lines::{LineReader, MAX_LINE};
use fporacle::protocol::{format_value, Notation, Op};
use fporacle::targets::{parse_fields, phi_rule, LossTargets};

/// The rounding environment (docs/semantics.md §2 and §6).
#[derive(Args, Clone, Copy, Debug)]
pub struct EnvArgs {
    /// When a result counts as tiny for the underflow flag (and for --ftz).
    #[arg(long, value_enum, default_value = "after")]
    pub tininess: TininessArg,
    /// NaN result encoding.
    #[arg(long, value_enum, default_value = "canonical")]
    pub nan: NanArg,
    /// Overflow handling, as IEEE P3109 names it: ieee (infinity, or NaN in formats without
    /// infinities), sat-finite (every overflow and every infinity becomes the largest finite
    /// value), sat-propagate (a finite overflow becomes the largest finite value; infinities
    /// stay where the format has them).
    #[arg(long, value_enum, default_value = "ieee", conflicts_with = "saturate")]
    pub overflow: OverflowArg,
    /// The same as --overflow sat-propagate: a finite overflow becomes the largest finite
    /// value (448 in e4m3fn); an infinite operand stays infinite where the format has
    /// infinities (e5m2), and becomes the largest finite value where it has none.
    #[arg(long)]
    pub saturate: bool,
    /// Denormals are zero: subnormal operands are read as zero of the same sign (x86
    /// MXCSR.DAZ); with --via, subnormals of the --via format.
    #[arg(long)]
    pub daz: bool,
    /// Flush to zero: a tiny result (per --tininess; exact subnormal results too) becomes zero
    /// of the same sign, raising underflow and inexact (x86 MXCSR.FTZ); with --via, applies to
    /// the rounding to the --via format.
    #[arg(long)]
    pub ftz: bool,
    /// Compute every operation in FMT, then round: the exact result is rounded to FMT (with
    /// --daz/--ftz there), then to the operation's format; flags of both roundings.
    /// `--via binary32 --daz --ftz` is XLA:CPU's bfloat16 arithmetic.
    #[arg(long, value_name = "FMT", value_parser = parse_via)]
    pub via: Option<Format>,
}

/// Parses the format of `--via`.
fn parse_via(name: &str) -> Result<Format, String> {
    Format::parse(name).map_err(|err| err.to_string())
}

impl EnvArgs {
    /// The environment these options select.
    pub fn env(&self) -> Env {
        let overflow = match (self.saturate, self.overflow) {
            (true, _) | (false, OverflowArg::SatPropagate) => OverflowPolicy::SatPropagate,
            (false, OverflowArg::Ieee) => OverflowPolicy::Ieee,
            (false, OverflowArg::SatFinite) => OverflowPolicy::SatFinite,
        };
        Env {
            tininess: match self.tininess {
                TininessArg::After => Tininess::AfterRounding,
                TininessArg::Before => Tininess::BeforeRounding,
            },
            nan: match self.nan {
                NanArg::Canonical => NanPolicy::Canonical,
                NanArg::X86 => NanPolicy::X86Sse,
                NanArg::Arm => NanPolicy::ArmDefaultNan,
                NanArg::Xla => NanPolicy::XlaCpu,
                NanArg::MlDtypes => NanPolicy::MlDtypes,
            },
            overflow,
            daz: self.daz,
            ftz: self.ftz,
            via: self.via,
        }
    }
}

/// Overflow handling (IEEE P3109's names).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OverflowArg {
    /// Infinity; NaN in formats without infinities; the largest finite value in finite-only
    /// formats.
    Ieee,
    /// Every overflow and every infinity becomes the largest finite value.
    SatFinite,
    /// A finite overflow becomes the largest finite value; infinities stay infinite.
    SatPropagate,
}

/// When tininess is detected.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TininessArg {
    /// Tiny when the result, rounded as if the exponent range were unbounded, is below the
    /// smallest normal magnitude.
    After,
    /// Tiny when the exact result is below the smallest normal magnitude.
    Before,
}

/// NaN result encoding.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum NanArg {
    /// Canonical per format (0x7E00 for binary16).
    Canonical,
    /// x86 SSE: first NaN operand quieted; invalid gives the negative default NaN.
    X86,
    /// ARM default-NaN mode.
    Arm,
    /// XLA (JAX) on CPU: the first NaN operand's sign, no payload; invalid gives the negative
    /// NaN; a NaN converted to a finite-only format gives the zero of the other sign.
    Xla,
    /// ml_dtypes' arithmetic: as xla, with the sign of the NaN operand its compiled code keeps
    /// (docs/semantics.md §7).
    #[value(name = "ml_dtypes")]
    MlDtypes,
}

/// The operand format and the operation of `batch`, `verify` and `gen`.
#[derive(Args, Clone, Debug)]
pub struct OpArgs {
    /// Operand format (binary32, bf16, e4m3fn, e3m4, p=P,emin=A,emax=B ...).
    #[arg(long)]
    pub format: String,
    /// Operation: add sub mul div sqrt fma cvt:FMT, an activation (relu elu gelu gelu_tanh silu
    /// sigmoid tanh softplus) or its derivative (d_relu ...), NAME:composite for the
    /// step-by-step framework formula.
    #[arg(long)]
    pub op: String,
    /// Value of an activation's derivative at its kink (relu'(0)), decimal or hex-float,
    /// rounded to the operand format (default 0).
    #[arg(long, allow_hyphen_values = true)]
    pub kink: Option<String>,
}

impl OpArgs {
    /// The format and the operation, with `--kink` applied (activations only).
    pub fn resolve(&self, env: &Env) -> Result<(Format, Op)> {
        let fmt = Format::parse(&self.format).context("--format")?;
        let op = Op::parse(&self.op).context("--op")?;
        let Some(text) = &self.kink else { return Ok((fmt, op)) };
        if !matches!(op, Op::Act { .. }) {
            bail!("--kink applies to activation operations only");
        }
        let value = fpcore::text::parse_value(env, &fmt, text).context("--kink")?.value;
        Ok((fmt, op.with_kink(value)))
    }
}

/// How values are written.
#[derive(Args, Clone, Copy, Debug)]
pub struct NotationArgs {
    /// Values are hex-float or decimal text instead of hex bit patterns (results as hex-float).
    #[arg(long)]
    pub text: bool,
}

impl NotationArgs {
    /// The notation these options select.
    pub fn notation(&self) -> Notation {
        if self.text {
            Notation::Text
        } else {
            Notation::Bits
        }
    }
}

/// Where input lines come from.
#[derive(Args, Clone, Debug)]
pub struct InputArgs {
    /// Read input lines from this file instead of standard input.
    #[arg(long = "input-file", alias = "input", value_name = "FILE")]
    pub input_file: Option<PathBuf>,
}

impl InputArgs {
    /// The input's name for messages and a reader over it with the line limit.
    pub fn open(&self, lines: &LineLimitArgs) -> Result<(String, LineReader<Box<dyn BufRead>>)> {
        let (source, input): (String, Box<dyn BufRead>) = match &self.input_file {
            Some(path) => (path.display().to_string(), fporacle::targets::open(path)?),
            None => ("<stdin>".to_string(), Box::new(io::stdin().lock())),
        };
        Ok((source, lines.reader(input)))
    }
}

/// A network file and how it is read.
#[derive(Args, Clone, Debug)]
pub struct NetArgs {
    /// The network file (JSON, see docs/network-format.md).
    #[arg(long)]
    pub net: PathBuf,
    /// Reject literals that are not exactly representable in their node's format.
    #[arg(long)]
    pub strict: bool,
    /// Limits on the network file.
    #[command(flatten)]
    pub limits: NetLimitArgs,
}

impl NetArgs {
    /// Loads the network, its literals rounded under `env`.
    pub fn load(&self, env: Env) -> Result<Loaded> {
        self.load_other(&self.net, env)
    }

    /// Loads another network file with the same options (`--against`).
    pub fn load_other(&self, path: &Path, env: Env) -> Result<Loaded> {
        let options =
            LoadOptions { strict: self.strict, env, base_dir: None, limits: self.limits.limits() };
        fpnet::file::load_file(path, &options).with_context(|| format!("--net {}", path.display()))
    }
}

/// Limits on a network file.
#[derive(Args, Clone, Copy, Debug)]
pub struct NetLimitArgs {
    /// Largest network file (JSON) in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_FILE_BYTES)]
    pub max_file_bytes: u64,
    /// Most nodes of a network (inputs and layers).
    #[arg(long, value_name = "N", default_value_t = MAX_NODES)]
    pub max_nodes: usize,
    /// Most parameters of a network (weights and biases), and most tensor elements read from
    /// its safetensors file.
    #[arg(long, value_name = "N", default_value_t = MAX_PARAMS)]
    pub max_params: usize,
    /// Deepest nesting of JSON arrays and objects in a network file (1 to 128).
    #[arg(
        long,
        value_name = "LEVELS",
        default_value_t = MAX_JSON_DEPTH,
        value_parser = clap::value_parser!(u16).range(1..=MAX_JSON_DEPTH as i64).map(usize::from)
    )]
    pub max_json_depth: usize,
}

impl NetLimitArgs {
    /// The loader's limits: these four, the others at their defaults.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_nodes: self.max_nodes,
            max_params: self.max_params,
            max_json_depth: self.max_json_depth,
            ..Limits::default()
        }
    }
}

/// The limit on input lines.
#[derive(Args, Clone, Copy, Debug)]
pub struct LineLimitArgs {
    /// Longest input line in bytes (without its line terminator).
    #[arg(long, value_name = "BYTES", default_value_t = MAX_LINE)]
    pub max_line_bytes: usize,
}

impl LineLimitArgs {
    /// A line reader over `input` with this limit.
    pub fn reader<R: BufRead>(&self, input: R) -> LineReader<R> {
        LineReader::with_limit(input, self.max_line_bytes)
    }
}

/// `--shard K/N`: run only the K-th of N contiguous parts of a job (K from 1), so that a
/// job array runs the whole job and the parts' outputs, concatenated in order K = 1..N, equal
/// one run without `--shard`.
#[derive(Args, Clone, Copy, Debug, Default)]
pub struct ShardArgs {
    /// Run only part K of N (K from 1); the parts' outputs in order equal the whole output
    /// (batch: part K of the lines of --input-file).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

/// Part `k` (from 1) of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, 1..=n.
    pub k: u64,
    /// How many parts.
    pub n: u64,
}

impl Shard {
    /// The items `[start, stop)` of this part of `size` items: `(k-1)*size/n .. k*size/n`.
    pub fn range(&self, size: u128) -> (u128, u128) {
        let at = |k: u64| size * u128::from(k) / u128::from(self.n);
        (at(self.k - 1), at(self.k))
    }
}

impl ShardArgs {
    /// The items of `size` this run handles: all of them without `--shard`.
    pub fn range(&self, size: u128) -> (u128, u128) {
        self.shard.map_or((0, size), |s| s.range(size))
    }
}

/// Parses `K/N` with `1 <= K <= N`.
fn parse_shard(text: &str) -> std::result::Result<Shard, String> {
    let bad = || format!("expected K/N with 1 <= K <= N, got '{text}'");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok(Shard { k, n })
}

/// Parses `--range LO,HI`: two exact, non-NaN values of `fmt`.
pub fn parse_range(
    env: &Env,
    fmt: &Format,
    text: &str,
    notation: Notation,
) -> Result<(u128, u128)> {
    let Some((lo, hi)) = text.split_once(',') else {
        bail!("--range: expected LO,HI, got '{text}'");
    };
    Ok((range_end(env, fmt, lo, notation)?, range_end(env, fmt, hi, notation)?))
}

/// Parses one end of `--range`: an exact, non-NaN value of the format.
fn range_end(env: &Env, fmt: &Format, text: &str, notation: Notation) -> Result<u128> {
    let text = text.trim();
    let r =
        fpcore::text::parse_value(env, fmt, text).with_context(|| format!("--range: '{text}'"))?;
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

/// A loss on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
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

/// How the output gradient phi'(f(x)) of `net grad` and `net check` is given.
#[derive(Args, Clone, Debug)]
pub struct PhiArgs {
    /// The output gradient phi'(f(x)): one value per output, in the output format (hex bit
    /// patterns; hex-float or decimal with --text). Default: all ones (--loss sum).
    #[arg(long, value_name = "VALUES", allow_hyphen_values = true, conflicts_with = "loss")]
    pub out_grad: Option<String>,
    /// A loss whose derivative at the output is the output gradient.
    #[arg(long, value_enum, conflicts_with = "phi")]
    pub loss: Option<LossArg>,
    /// The output gradient as a rule: `one` (all ones, as --loss sum), `y` (phi'(y) = y, no
    /// rounding) or `y-C` (phi'(y) = y ⊖ C, one rounding; C a decimal or hex-float number
    /// exact in the output format, e.g. `y-3`, `y--0.5`, `y-0x1.8p1`).
    #[arg(long, value_name = "RULE", allow_hyphen_values = true, conflicts_with = "out_grad")]
    pub phi: Option<String>,
    /// The loss's targets: one line of output values per input line (mse, softmax-xent).
    #[arg(long, value_name = "FILE")]
    pub loss_target: Option<PathBuf>,
}

impl PhiArgs {
    /// The output gradient rule, and the loss targets when the loss needs them.
    pub fn resolve(
        &self,
        env: &Env,
        graph: &Graph,
        notation: Notation,
        lines: &LineLimitArgs,
    ) -> Result<(OutputGradient, Option<LossTargets>)> {
        let out_fmt = *graph.output_format();
        let width = graph.output_width();
        let phi = match (&self.out_grad, self.loss, &self.phi) {
            (_, _, Some(text)) => {
                phi_rule(env, &out_fmt, width, text).map_err(|e| anyhow!("--phi: {e}"))?
            }
            (Some(text), _, None) => {
                let fields: Vec<&str> = text.split_whitespace().collect();
                if fields.len() != width {
                    bail!(
                        "--out-grad: expected {width} values (one per output of the network, in {out_fmt}), got {}",
                        fields.len()
                    );
                }
                let formats = vec![out_fmt; width];
                let values = parse_fields(env, notation, &fields, &formats, "--out-grad", |k| {
                    format!("value {}", k + 1)
                })?;
                OutputGradient::Seed(values)
            }
            (None, loss, None) => OutputGradient::Loss(loss.map_or(Loss::Sum, LossArg::loss)),
        };
        let targets = match (&self.loss_target, phi.needs_target()) {
            (Some(path), true) => Some(LossTargets::new(
                path.display().to_string(),
                lines.reader(fporacle::targets::open(path)?),
                out_fmt,
                width,
            )),
            (None, true) => {
                let name = self.loss.map_or("sum", |l| l.loss().name());
                bail!(
                    "--loss {name} needs --loss-target FILE (one line of {width} output values per input)"
                );
            }
            (Some(_), false) => {
                bail!("--loss-target applies to --loss mse and --loss softmax-xent")
            }
            (None, false) => None,
        };
        Ok((phi, targets))
    }
}

/// The options `net grad` and `net check` share: the network, the environment, the notation,
/// the output gradient and the line limit.
#[derive(Args, Clone, Debug)]
pub struct AdArgs {
    /// The network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
    /// The notation.
    #[command(flatten)]
    pub notation: NotationArgs,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
    /// The output gradient.
    #[command(flatten)]
    pub phi: PhiArgs,
    /// The line limit.
    #[command(flatten)]
    pub lines: LineLimitArgs,
}

/// What [`AdArgs`] select, the network loaded.
pub struct AdSetup {
    /// The environment.
    pub env: Env,
    /// The notation.
    pub notation: Notation,
    /// The network.
    pub graph: Graph,
    /// The output gradient.
    pub phi: OutputGradient,
    /// The loss's targets, when the loss needs them.
    pub loss_targets: Option<LossTargets>,
}

impl AdArgs {
    /// Loads the network and resolves the output gradient.
    pub fn setup(&self) -> Result<AdSetup> {
        let env = self.env.env();
        let notation = self.notation.notation();
        let graph = self.net.load(env)?.graph;
        let (phi, loss_targets) = self.phi.resolve(&env, &graph, notation, &self.lines)?;
        Ok(AdSetup { env, notation, graph, phi, loss_targets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_in_order_and_cover_everything() {
        assert_eq!(parse_shard("2/3"), Ok(Shard { k: 2, n: 3 }));
        for bad in ["0/3", "4/3", "1", "a/2", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        for (size, n) in [(0u128, 1u64), (10, 3), (7, 7), (3, 5), (65536, 16)] {
            let mut next = 0;
            for k in 1..=n {
                let (start, stop) = Shard { k, n }.range(size);
                assert_eq!(start, next, "{size} {k}/{n}");
                assert!(stop >= start);
                next = stop;
            }
            assert_eq!(next, size);
        }
        assert_eq!(ShardArgs::default().range(9), (0, 9));
    }
}
