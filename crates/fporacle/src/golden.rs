//! The golden corpus: committed test-vector files (gzip-compressed, testfloat_gen's line
//! layout) with a MANIFEST, verified against the current build (`fpx golden check`) and
//! rewritten deterministically and atomically (`fpx golden regen`).
//!
//! MANIFEST lines: `FILE format=F op=OP tininess=after nan=canonical overflow=ieee lines=N
//! sha256=HEX`, where the digest is of the uncompressed text. The environment fields are the
//! command line's options ([`env_fields`] writes them, the MANIFEST reader reads them back):
//! `tininess=after|before`, `nan=canonical|x86|arm|xla|ml_dtypes`,
//! `overflow=ieee|sat-finite|sat-propagate` (also `saturate`), and, when set, `daz=on`,
//! `ftz=on` and `via=FMT`. The compressed bytes are also
//! reproducible: a fixed compression level, no file name and a zero time stamp in the header.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};
use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};
use sha2::{Digest, Sha256};

use crate::error::{Context, Error, Result};
use crate::gen::{generate, GenOptions};
use crate::invalid;
use crate::oracle::{Oracle, VerifyOptions};
use crate::protocol::{format_value, Notation, Op};

/// How a corpus file's cases are chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cases {
    /// A network (path relative to the repository root) on the input vectors of its case's
    /// `inputs.txt`, or on every non-NaN encoding of its one input when that is `None`: each
    /// line is `x... y... g...`, the input, the output f(x) and the input gradient
    /// D^AD(phi o f)(x) for the output gradient of ones (the loss `sum`), all in hex.
    Net {
        /// The network file, relative to the repository root.
        net: String,
        /// The inputs file, relative to the repository root.
        inputs: Option<String>,
    },
    /// Every operand (unary) or operand pair (binary), in increasing order.
    Exhaustive,
    /// `fpx gen` at a level with a seed.
    Gen {
        /// Generation level.
        level: u8,
        /// Seed.
        seed: u64,
    },
}

/// One file of the corpus.
#[derive(Clone, Debug)]
pub struct Entry {
    /// File name inside the corpus directory.
    pub file: String,
    /// Operand format name.
    pub format: String,
    /// Operation name (protocol spelling).
    pub op: String,
    /// Case selection.
    pub cases: Cases,
}

/// Formats of at most 8 bits whose binary operations are tabled exhaustively.
pub const SMALL_FORMATS: &[&str] =
    &["e5m2", "e4m3fn", "e4m3fnuz", "e5m2fnuz", "e3m4", "e2m5", "e2m1fn", "e2m3fn", "e3m2fn"];

/// The corpus, in a fixed order.
pub fn corpus() -> Vec<Entry> {
    let mut out = Vec::new();
    let entry = |format: &str, op: &str, cases: Cases| {
        let tag = op.replace(':', "-");
        let kind = match cases {
            Cases::Exhaustive => "all".to_string(),
            Cases::Gen { level, .. } => format!("level{level}"),
            Cases::Net { .. } => "net".to_string(),
        };
        Entry {
            file: format!("{format}_{tag}_{kind}.tv.gz"),
            format: format.to_string(),
            op: op.to_string(),
            cases,
        }
    };
    for format in SMALL_FORMATS {
        for op in ["add", "sub", "mul", "div", "sqrt"] {
            out.push(entry(format, op, Cases::Exhaustive));
        }
        for dst in ["binary16", "bf16", "binary32"] {
            out.push(entry(format, &format!("cvt:{dst}"), Cases::Exhaustive));
        }
        out.push(entry(format, "fma", Cases::Gen { level: 1, seed: 1 }));
    }
    for format in ["binary16", "bf16"] {
        out.push(entry(format, "sqrt", Cases::Exhaustive));
        for dst in [
            "binary16", "bf16", "binary32", "e5m2", "e4m3fn", "e4m3fnuz", "e5m2fnuz", "e2m1fn",
            "e3m2fn",
        ] {
            if dst != format {
                out.push(entry(format, &format!("cvt:{dst}"), Cases::Exhaustive));
            }
        }
    }
    for format in ["binary16", "bf16", "binary32", "binary64", "binary128"] {
        for op in ["add", "sub", "mul", "div", "sqrt", "fma"] {
            out.push(entry(format, op, Cases::Gen { level: 1, seed: 1 }));
        }
    }
    // Activations and derivatives (docs/semantics.md §3, correctly rounded, kink 0): every input of
    // the small and 16-bit formats, edge values and random cases of binary32 and binary64.
    for op in fpcore::act::ActOp::all() {
        for format in SMALL_FORMATS.iter().chain(&["binary16", "bf16"]) {
            out.push(entry(format, op.name(), Cases::Exhaustive));
        }
        for format in ["binary32", "binary64"] {
            out.push(entry(format, op.name(), Cases::Gen { level: 1, seed: 1 }));
        }
    }
    for case in ["tiny_bf16", "orders_bf16", "mixed_e4m3fn"] {
        out.push(Entry {
            file: format!("net_{case}.tv.gz"),
            format: String::new(),
            op: String::new(),
            cases: Cases::Net {
                net: format!("golden/nets/{case}/net.json"),
                inputs: Some(format!("golden/nets/{case}/inputs.txt")),
            },
        });
    }
    for case in ["ad_demo_one_matrix", "ad_demo_two_matrices"] {
        out.push(Entry {
            file: format!("net_{case}_all.tv.gz"),
            format: String::new(),
            op: String::new(),
            cases: Cases::Net { net: format!("examples/nets/{case}.json"), inputs: None },
        });
    }
    for (src, dst) in [
        ("binary32", "binary16"),
        ("binary32", "bf16"),
        ("binary64", "binary32"),
        ("binary128", "binary64"),
        ("binary32", "e4m3fn"),
        ("binary32", "e5m2"),
    ] {
        out.push(entry(src, &format!("cvt:{dst}"), Cases::Gen { level: 1, seed: 1 }));
    }
    out
}

/// An environment as MANIFEST fields, the command line's option names and values:
/// `tininess=… nan=… overflow=…`, then `daz=on`, `ftz=on` and `via=FMT` for the options that
/// are set (the default environment is `tininess=after nan=canonical overflow=ieee`, as every
/// corpus file has it).
pub fn env_fields(env: &Env) -> String {
    let tininess = match env.tininess {
        Tininess::AfterRounding => "after",
        Tininess::BeforeRounding => "before",
    };
    let nan = match env.nan {
        NanPolicy::Canonical => "canonical",
        NanPolicy::X86Sse => "x86",
        NanPolicy::ArmDefaultNan => "arm",
        NanPolicy::XlaCpu => "xla",
        NanPolicy::MlDtypes => "ml_dtypes",
    };
    let mut fields = format!("tininess={tininess} nan={nan} overflow={}", env.overflow.name());
    if env.daz {
        fields.push_str(" daz=on");
    }
    if env.ftz {
        fields.push_str(" ftz=on");
    }
    if let Some(via) = env.via {
        fields.push_str(&format!(" via={}", via.name()));
    }
    fields
}

/// Reads `on` or `off`, the value of the MANIFEST's switches.
fn switch(at: &str, key: &str, value: &str) -> Result<bool> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => invalid!("{at}: {key} must be on or off, got '{value}'"),
    }
}

/// Lines `x... y... g...` of a network on the given input vectors.
fn render_net(graph: &fpnet::Graph, inputs: &[Vec<u128>]) -> Result<String> {
    let ad = fpad::Ad::new(graph, Env::default());
    let phi = fpad::OutputGradient::Loss(fpad::Loss::Sum);
    let in_formats = fpad::verify::input_formats(graph);
    let out_fmt = *graph.output_format();
    let mut out = String::new();
    for x in inputs {
        let sample = ad.gradient(x, &phi, None)?;
        let mut fields: Vec<String> = Vec::new();
        fields.extend(x.iter().zip(&in_formats).map(|(v, f)| format_value(f, Notation::Bits, *v)));
        fields.extend(sample.output.iter().map(|v| format_value(&out_fmt, Notation::Bits, *v)));
        fields.extend(
            sample
                .input_gradient
                .iter()
                .zip(&in_formats)
                .map(|(v, f)| format_value(f, Notation::Bits, *v)),
        );
        out.push_str(&fields.join(" "));
        out.push('\n');
    }
    Ok(out)
}

/// The input vectors of a network case: the lines of its inputs file, or every non-NaN
/// encoding of a one-input network.
fn net_inputs(graph: &fpnet::Graph, inputs: Option<&Path>) -> Result<Vec<Vec<u128>>> {
    let formats = fpad::verify::input_formats(graph);
    match inputs {
        Some(path) => {
            let text = fs::read_to_string(path).at(|| format!("reading {}", path.display()))?;
            let mut rows = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let fields: Vec<&str> = line.split_whitespace().collect();
                if fields.len() != formats.len() {
                    invalid!("{}:{}: expected {} values", path.display(), i + 1, formats.len());
                }
                let mut row = Vec::with_capacity(fields.len());
                for (t, f) in fields.iter().zip(&formats) {
                    row.push(
                        fpcore::text::bits::parse_bits(f, t)
                            .at(|| format!("{}:{}", path.display(), i + 1))?,
                    );
                }
                rows.push(row);
            }
            Ok(rows)
        }
        None => {
            let [fmt] = formats.as_slice() else {
                invalid!("a network case without an inputs file needs exactly one input");
            };
            if fmt.bits() > 16 {
                invalid!(
                    "every input of a {}-bit format is too many for a corpus file",
                    fmt.bits()
                );
            }
            Ok((0..(1u128 << fmt.bits()))
                .filter(|x| !fmt.unpack(*x).is_nan())
                .map(|x| vec![x])
                .collect())
        }
    }
}

/// Loads a corpus network (path relative to `root`).
fn load_net(root: &Path, net: &str, limits: fpnet::Limits) -> Result<fpnet::Graph> {
    let path = root.join(net);
    let options = fpnet::LoadOptions { limits, ..fpnet::LoadOptions::default() };
    let loaded =
        fpnet::file::load_file(&path, &options).at(|| format!("loading {}", path.display()))?;
    Ok(loaded.graph)
}

/// The text of one corpus file; network entries resolve their paths against `root`.
pub fn render_in(root: &Path, entry: &Entry) -> Result<String> {
    render_with(root, entry, fpnet::Limits::default())
}

/// [`render_in`] with the network loader's limits given.
pub fn render_with(root: &Path, entry: &Entry, limits: fpnet::Limits) -> Result<String> {
    if let Cases::Net { net, inputs } = &entry.cases {
        let graph = load_net(root, net, limits)?;
        let rows = net_inputs(&graph, inputs.as_ref().map(|p| root.join(p)).as_deref())?;
        return render_net(&graph, &rows);
    }
    render(entry)
}

/// The text of one corpus file (arithmetic and activation entries).
pub fn render(entry: &Entry) -> Result<String> {
    if matches!(entry.cases, Cases::Net { .. }) {
        invalid!("{}: network entries are rendered with render_in", entry.file);
    }
    let fmt = Format::parse(&entry.format)?;
    let op = Op::parse(&entry.op)?;
    let oracle = Oracle { env: Env::default(), fmt, op, notation: Notation::Bits };
    let mut out = Vec::new();
    match entry.cases {
        Cases::Gen { level, seed } => {
            generate(&oracle, &GenOptions { level, seed, count: None }, &mut out)?;
        }
        Cases::Net { .. } => unreachable!("handled above"),
        Cases::Exhaustive => {
            if fmt.bits() > 16 || (op.arity() == 2 && fmt.bits() > 8) || op.arity() > 2 {
                invalid!(
                    "{}: exhaustive tables are for unary ops up to 16 bits and binary ops up to 8",
                    entry.file
                );
            }
            let count = 1u128 << fmt.bits();
            for a in 0..count {
                if op.arity() == 1 {
                    oracle.write_case(&[a], &mut out)?;
                } else {
                    for b in 0..count {
                        oracle.write_case(&[a, b], &mut out)?;
                    }
                }
            }
        }
    }
    Ok(String::from_utf8(out).expect("generated lines are ASCII"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compresses deterministically: level 9, no name, time stamp 0.
pub fn compress(text: &str) -> Result<Vec<u8>> {
    let mut encoder = GzBuilder::new().mtime(0).write(Vec::new(), Compression::new(9));
    encoder.write_all(text.as_bytes())?;
    Ok(encoder.finish()?)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over the target, so an interrupted run leaves the old file or the new one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::invalid(format!("{} has no parent directory", path.display())))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = fs::File::create(&tmp).at(|| format!("creating {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).at(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// The repository root of a corpus directory (`ROOT/golden/corpus`).
pub fn root_of(dir: &Path) -> PathBuf {
    dir.join("..").join("..")
}

/// Rewrites every corpus file and the MANIFEST in `dir` (network paths resolved against the
/// repository root that holds `dir` as `golden/corpus`); returns the number of files.
pub fn regen(dir: &Path) -> Result<usize> {
    regen_from(dir, &root_of(dir))
}

/// [`regen`] with the repository root given (to write a corpus elsewhere).
pub fn regen_from(dir: &Path, root: &Path) -> Result<usize> {
    regen_with(dir, root, fpnet::Limits::default())
}

/// [`regen_from`] with the network loader's limits given.
pub fn regen_with(dir: &Path, root: &Path, limits: fpnet::Limits) -> Result<usize> {
    fs::create_dir_all(dir).at(|| format!("creating {}", dir.display()))?;
    let mut manifest = String::from(
        "# fpx golden corpus: FILE format op options lines sha256 (of the uncompressed text).\n\
         # Lines: operands... result flags, hex bit patterns, TestFloat flag byte. See docs/golden.md.\n",
    );
    let entries = corpus();
    for entry in &entries {
        let text = render_with(root, entry, limits)?;
        write_atomic(&dir.join(&entry.file), &compress(&text)?)?;
        let what = match &entry.cases {
            Cases::Net { net, .. } => format!("net={net} phi=sum"),
            _ => format!("format={} op={}", entry.format, entry.op),
        };
        manifest.push_str(&format!(
            "{} {what} {} lines={} sha256={}\n",
            entry.file,
            env_fields(&Env::default()),
            text.lines().count(),
            sha256_hex(text.as_bytes())
        ));
    }
    write_atomic(&dir.join("MANIFEST"), manifest.as_bytes())?;
    Ok(entries.len())
}

/// What a MANIFEST line checks.
enum Check {
    /// An operation's vectors.
    Oracle(Oracle),
    /// A network's values and input gradients (`net=PATH phi=sum`).
    Net(String),
}

/// One parsed MANIFEST line.
struct ManifestLine {
    file: String,
    check: Check,
    lines: u64,
    sha256: String,
}

fn parse_manifest_line(line: &str, at: &str) -> Result<ManifestLine> {
    let mut fields = line.split_whitespace();
    let file =
        fields.next().ok_or_else(|| Error::invalid(format!("{at}: empty line")))?.to_string();
    if file.contains('/') || file.contains("..") {
        invalid!("{at}: file name '{file}' must be a plain name inside the corpus directory");
    }
    let (mut format, mut op, mut lines, mut sha256, mut net) = (None, None, None, None, None);
    let mut env = Env::default();
    for field in fields {
        let (key, value) = field
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("{at}: '{field}' is not KEY=VALUE")))?;
        match key {
            "format" => format = Some(Format::parse(value).at(|| format!("{at}: format"))?),
            "op" => op = Some(Op::parse(value).at(|| format!("{at}: op"))?),
            "tininess" => {
                env.tininess = match value {
                    "after" => Tininess::AfterRounding,
                    "before" => Tininess::BeforeRounding,
                    _ => invalid!("{at}: tininess must be after or before, got '{value}'"),
                }
            }
            "nan" => {
                let Some(nan) = NanPolicy::parse(value) else {
                    invalid!(
                        "{at}: nan must be canonical, x86, arm, xla or ml_dtypes, got '{value}'"
                    );
                };
                env.nan = nan;
            }
            "overflow" => {
                let Some(overflow) = OverflowPolicy::parse(value) else {
                    invalid!(
                        "{at}: overflow must be ieee, sat-finite or sat-propagate (or saturate), got '{value}'"
                    );
                };
                env.overflow = overflow;
            }
            "daz" => env.daz = switch(at, key, value)?,
            "ftz" => env.ftz = switch(at, key, value)?,
            "via" => env.via = Some(Format::parse(value).at(|| format!("{at}: via"))?),
            "net" => net = Some(value.to_string()),
            "phi" if value == "sum" => {}
            "phi" => invalid!("{at}: phi must be sum, got '{value}'"),
            "lines" => {
                let n = value.parse::<u64>().map_err(|e| Error::invalid(e.to_string()));
                lines = Some(n.at(|| format!("{at}: lines"))?);
            }
            "sha256" => sha256 = Some(value.to_string()),
            _ => invalid!("{at}: unknown key '{key}'"),
        }
    }
    let (Some(lines), Some(sha256)) = (lines, sha256) else {
        invalid!("{at}: a line needs lines and sha256");
    };
    let check = match (net, format, op) {
        (Some(net), None, None) => Check::Net(net),
        (None, Some(fmt), Some(op)) => {
            Check::Oracle(Oracle { env, fmt, op, notation: Notation::Bits })
        }
        _ => invalid!("{at}: a line needs either format and op, or net"),
    };
    Ok(ManifestLine { file, check, lines, sha256 })
}

/// Recomputes every `x... y... g...` line of a network case.
fn check_net(
    root: &Path,
    limits: fpnet::Limits,
    net: &str,
    file: &str,
    text: &str,
    report: &mut CheckReport,
) -> Result<()> {
    let graph = &load_net(root, net, limits)?;
    let d_in = graph.input_width();
    let formats = fpad::verify::input_formats(graph);
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(x_fields) = fields.get(..d_in) else {
            invalid!("{file}:{}: too few fields", i + 1);
        };
        let mut x = Vec::with_capacity(d_in);
        for (t, f) in x_fields.iter().zip(&formats) {
            x.push(fpcore::text::bits::parse_bits(f, t).at(|| format!("{file}:{}", i + 1))?);
        }
        rows.push(x);
    }
    let expected = render_net(graph, &rows)?;
    for (i, (want, got)) in text.lines().zip(expected.lines()).enumerate() {
        if want == got {
            report.passed += 1;
        } else {
            report.failed += 1;
            if report.problems.len() < 20 {
                report
                    .problems
                    .push(format!("mismatch at {file}:{}: expected {want} got {got}", i + 1));
            }
        }
    }
    Ok(())
}

/// Result of checking the corpus.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Files checked.
    pub files: u64,
    /// Vector lines that matched the current build, bits and flags.
    pub passed: u64,
    /// Lines that did not match, plus one per file whose digest or line count is wrong.
    pub failed: u64,
    /// One message per problem.
    pub problems: Vec<String>,
}

/// Largest decompressed size accepted for one corpus file.
const MAX_FILE_BYTES: u64 = 1 << 30;

/// Checks every file of the MANIFEST in `dir`: digest, line count, and every line recomputed
/// by the current build (NaNs compared bit for bit; networks' values and gradients likewise).
pub fn check(dir: &Path) -> Result<CheckReport> {
    check_from(dir, &root_of(dir))
}

/// [`check`] with the repository root (against which network paths resolve) given.
pub fn check_from(dir: &Path, root: &Path) -> Result<CheckReport> {
    check_with(dir, root, fpnet::Limits::default())
}

/// [`check_from`] with the network loader's limits given.
pub fn check_with(dir: &Path, root: &Path, limits: fpnet::Limits) -> Result<CheckReport> {
    let manifest_path = dir.join("MANIFEST");
    let manifest =
        fs::read_to_string(&manifest_path).at(|| format!("reading {}", manifest_path.display()))?;
    let mut report = CheckReport::default();
    for (i, line) in manifest.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{}:{}", manifest_path.display(), i + 1);
        let entry = parse_manifest_line(line, &at)?;
        let path: PathBuf = dir.join(&entry.file);
        let file = fs::File::open(&path).at(|| format!("opening {}", path.display()))?;
        let mut text = String::new();
        GzDecoder::new(file)
            .take(MAX_FILE_BYTES)
            .read_to_string(&mut text)
            .at(|| format!("decompressing {}", path.display()))?;
        report.files += 1;
        if sha256_hex(text.as_bytes()) != entry.sha256 {
            report.failed += 1;
            report.problems.push(format!("{}: sha256 differs from the MANIFEST", entry.file));
        }
        if text.lines().count() as u64 != entry.lines {
            report.failed += 1;
            report.problems.push(format!("{}: line count differs from the MANIFEST", entry.file));
        }
        match &entry.check {
            Check::Oracle(oracle) => {
                let mut mismatches = Vec::new();
                let summary = oracle.verify(
                    &VerifyOptions { exact_nan: true, ignore_flags: false },
                    &entry.file,
                    BufReader::new(text.as_bytes()),
                    &mut mismatches,
                )?;
                report.passed += summary.passed;
                report.failed += summary.failed;
                for line in BufReader::new(mismatches.as_slice()).lines().take(5) {
                    report.problems.push(line?);
                }
            }
            Check::Net(net) => check_net(root, limits, net, &entry.file, &text, &mut report)?,
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment a MANIFEST line with these environment fields selects.
    fn read_env(fields: &str) -> Result<Env> {
        let line = format!("f.tv.gz format=bf16 op=add {fields} lines=1 sha256=00");
        match parse_manifest_line(&line, "MANIFEST:1")?.check {
            Check::Oracle(oracle) => Ok(oracle.env),
            Check::Net(_) => unreachable!("an operation's line"),
        }
    }

    #[test]
    fn environment_fields_round_trip() {
        assert_eq!(env_fields(&Env::default()), "tininess=after nan=canonical overflow=ieee");
        let mut envs = Vec::new();
        for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
            for nan in ["canonical", "x86", "arm", "xla", "ml_dtypes"] {
                for overflow in ["ieee", "sat-finite", "sat-propagate"] {
                    for (daz, ftz) in [(false, false), (true, false), (false, true), (true, true)] {
                        for via in
                            [None, Some(Format::BINARY32), Format::parse("p=4,emin=-6,emax=8").ok()]
                        {
                            envs.push(Env {
                                tininess,
                                nan: NanPolicy::parse(nan).expect("a policy"),
                                overflow: OverflowPolicy::parse(overflow).expect("a mode"),
                                daz,
                                ftz,
                                via,
                            });
                        }
                    }
                }
            }
        }
        for env in envs {
            let fields = env_fields(&env);
            assert_eq!(read_env(&fields).expect("reads back"), env, "{fields}");
        }
        let old = read_env("tininess=after nan=canonical overflow=saturate").expect("old name");
        assert_eq!(old.overflow, OverflowPolicy::SatPropagate);
    }

    #[test]
    fn bad_environment_fields_are_named() {
        let message = |fields: &str| read_env(fields).expect_err("refused").to_string();
        assert!(message("nan=mips")
            .contains("nan must be canonical, x86, arm, xla or ml_dtypes, got 'mips'"));
        assert!(message("overflow=clamp")
            .contains("overflow must be ieee, sat-finite or sat-propagate"));
        assert!(message("daz=yes").contains("MANIFEST:1: daz must be on or off, got 'yes'"));
        assert!(message("via=e9m9x").contains("MANIFEST:1: via"));
    }
}
