//! The network file format (version 1): JSON, documented in `docs/network-format.md` with a
//! JSON Schema in `docs/network.schema.json`. [`load_file`] / [`load_str`] read it into a
//! validated [`Graph`]; [`to_json`] writes a graph back in the canonical layout, which reads
//! back to the same graph (and the same text).
//!
//! Literals are strings: decimal (`"0.1"`, `"-2.5e-3"`), hex-float (`"0x1.8p-1"`), `inf`,
//! `nan`, `snan`, or an exact bit pattern `"bits:7FC1"`. Each is rounded once to its node's
//! format; with the `strict` option a literal that is not exactly representable is an error.
//! Parameters may also name a tensor of a safetensors file (`"@fc1.weight"`), each element
//! converted once from the tensor's dtype to the node's format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use fpcore::act::Activation;
use fpcore::text::bits::{format_bits, parse_bits};
use fpcore::text::{format_hexfloat, parse_value};
use fpcore::{Env, Format};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::ModelError;
use crate::graph::{
    is_valid_name_within, ActivationNode, Affine, Graph, Node, NodeId, Op, Rule, Sigma,
};
use crate::limits::{Limits, MAX_JSON_DEPTH};
use crate::reduce::Order;

/// The file format version this crate reads and writes.
pub const VERSION: u64 = 1;

/// Options of [`load_file`] and [`load_str`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Reject every literal (and tensor element) that is not exactly representable in its
    /// node's format. A file can also ask for this with `"strict": true`.
    pub strict: bool,
    /// The environment literals and tensor elements are rounded in (overflow policy, NaN
    /// encoding); the default is IEEE round to nearest even.
    pub env: Env,
    /// Directory that a relative `"tensors"` path is resolved against ([`load_file`] uses the
    /// network file's directory; `None` means the current directory).
    pub base_dir: Option<PathBuf>,
    /// The sizes a file may reach: bytes, nesting depth, nodes, widths, parameters, names
    /// (the defaults of [`crate::limits`] unless changed).
    pub limits: Limits,
}

/// A value that was not exactly representable and was rounded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InexactValue {
    /// Where it was (a JSON path; tensor elements as `@name[i][j]`).
    pub path: String,
    /// Its text (a literal, cut after 64 characters) or its source encoding (a tensor element,
    /// as its dtype and hex bits).
    pub text: String,
    /// The rounded value, encoded in the node's format.
    pub value: u128,
    /// The node's format.
    pub format: Format,
}

/// How the literals and tensor elements of a file were read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Number of literals and tensor elements read.
    pub values: usize,
    /// How many of them were not exactly representable (and were rounded).
    pub inexact: usize,
    /// The first few inexact values (at most [`LoadReport::MAX_EXAMPLES`]).
    pub examples: Vec<InexactValue>,
    /// Per node (indexed by [`NodeId`]): values read and how many were inexact.
    pub per_node: Vec<(usize, usize)>,
    /// The safetensors file the parameters came from, if any.
    pub tensors: Option<PathBuf>,
}

impl LoadReport {
    /// How many inexact values [`LoadReport::examples`] keeps.
    pub const MAX_EXAMPLES: usize = 8;

    /// Whether every value was exactly representable.
    pub fn all_exact(&self) -> bool {
        self.inexact == 0
    }
}

/// A loaded network and how its values were read.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The validated graph.
    pub graph: Graph,
    /// The literals' report.
    pub report: LoadReport,
}

// ---------------------------------------------------------------------------------------------
// The document as serde reads it.

/// A literal: a JSON string (numbers are refused, since JSON readers round them to binary64
/// before this crate could round them to the node's format).
#[derive(Debug)]
struct Literal(String);

impl<'de> Deserialize<'de> for Literal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Literal, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Literal;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a literal string such as \"0.5\", \"-1e-3\" or \"0x1.8p-1\" (JSON numbers are not accepted: they would be rounded twice)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Literal, E> {
                Ok(Literal(v.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A parameter: inline literals, or `"@name"` of a tensor in the safetensors file.
#[derive(Debug)]
enum Param<T> {
    Tensor(String),
    Inline(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Param<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Param<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Param<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of literals or \"@NAME\" naming a tensor")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Param<T>, E> {
                match v.strip_prefix('@') {
                    Some(name) => Ok(Param::Tensor(name.to_string())),
                    None => Err(E::custom(format!(
                        "expected an array of literals or \"@NAME\" naming a tensor, got the string {v:?}"
                    ))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Param<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Param::Inline)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// `"inputs"`: a count (one input called `input` in the network's format) or a list.
#[derive(Debug)]
enum InputsSpec {
    Count(u64),
    List(Vec<InputSpec>),
}

impl<'de> Deserialize<'de> for InputsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<InputsSpec, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InputsSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a positive integer or an array of {\"name\", \"size\"} objects")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<InputsSpec, E> {
                Ok(InputsSpec::Count(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<InputsSpec, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(InputsSpec::List)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputSpec {
    name: String,
    size: u64,
    #[serde(default)]
    format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    version: Option<u64>,
    format: String,
    #[serde(default)]
    tensors: Option<String>,
    #[serde(default)]
    strict: bool,
    inputs: InputsSpec,
    layers: Vec<LayerSpec>,
    #[serde(default)]
    output: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerSpec {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    input: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    affine: Option<AffineSpec>,
    #[serde(default)]
    activation: Option<ActivationSpec>,
    #[serde(default)]
    add: Option<Vec<String>>,
    #[serde(default)]
    concat: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AffineSpec {
    weights: Param<Vec<Vec<Literal>>>,
    #[serde(default)]
    bias: Option<Param<Vec<Literal>>>,
    #[serde(default)]
    order: Option<String>,
}

/// `"activation"`: a name, or an object with the name and options.
#[derive(Debug)]
struct ActivationSpec {
    name: String,
    value: Option<String>,
    derivative: Option<String>,
    kink: Option<Literal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivationObject {
    name: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    derivative: Option<String>,
    #[serde(default)]
    kink: Option<Literal>,
}

impl<'de> Deserialize<'de> for ActivationSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ActivationSpec, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ActivationSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an activation name such as \"relu\", or an object {\"name\", \"value\", \"derivative\", \"kink\"}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ActivationSpec, E> {
                Ok(ActivationSpec {
                    name: v.to_string(),
                    value: None,
                    derivative: None,
                    kink: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ActivationSpec, A::Error> {
                let o = ActivationObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ActivationSpec {
                    name: o.name,
                    value: o.value,
                    derivative: o.derivative,
                    kink: o.kink,
                })
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Reads a file of at most `limit` bytes.
fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, ModelError> {
    use std::io::Read;
    let io_err = |e: std::io::Error| ModelError::Io {
        file: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(ModelError::limit(
            what,
            format!("{} is larger than the limit of {limit} bytes", path.display()),
        ));
    }
    Ok(bytes)
}

/// Reads a network file; a relative `"tensors"` path is resolved against the file's directory.
///
/// # Errors
///
/// A [`ModelError`] naming the JSON path of the first problem (and the line and column for
/// malformed JSON).
pub fn load_file(path: &Path, options: &LoadOptions) -> Result<Loaded, ModelError> {
    let bytes = read_limited(path, options.limits.max_file_bytes, ".")?;
    let mut options = options.clone();
    if options.base_dir.is_none() {
        options.base_dir = path.parent().map(Path::to_path_buf);
    }
    load_bytes(&bytes, &options)
}

/// Reads a network from JSON text.
///
/// # Errors
///
/// As [`load_file`].
pub fn load_str(text: &str, options: &LoadOptions) -> Result<Loaded, ModelError> {
    load_bytes(text.as_bytes(), options)
}

/// Splits serde's message from serde_json's position suffix.
fn json_error(path: String, e: &serde_json::Error) -> ModelError {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message).to_string();
    ModelError::Json { path, line: e.line(), column: e.column(), message }
}

/// Refuses JSON whose arrays and objects nest deeper than `max_depth`, before any recursive
/// reading: one pass over the bytes with a counter, strings skipped.
fn check_depth(bytes: &[u8], max_depth: usize) -> Result<(), ModelError> {
    let mut depth = 0usize;
    let (mut line, mut column) = (1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(ModelError::limit(
                        ".",
                        format!(
                            "arrays and objects nest deeper than the limit of {max_depth} levels at line {line} column {column}"
                        ),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn load_bytes(bytes: &[u8], options: &LoadOptions) -> Result<Loaded, ModelError> {
    let max_bytes = options.limits.max_file_bytes;
    if bytes.len() as u64 > max_bytes {
        return Err(ModelError::limit(
            ".",
            format!("the network is larger than the limit of {max_bytes} bytes"),
        ));
    }
    // NOTE: the JSON reader refuses more than 128 levels on its own; the explicit check runs
    // first so that the configured depth decides and the error names it.
    check_depth(bytes, options.limits.max_json_depth.min(MAX_JSON_DEPTH))?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let spec: FileSpec = match serde_path_to_error::deserialize(&mut de) {
        Ok(spec) => spec,
        Err(e) => {
            let path = e.path().to_string();
            return Err(json_error(path, e.inner()));
        }
    };
    de.end().map_err(|e| json_error(".".to_string(), &e))?;
    Reader::new(options, &spec)?.read(spec)
}

/// The tensors of a safetensors file, read once on first use.
struct Tensors {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// A tensor element type and the format it encodes.
fn dtype_format(dtype: safetensors::Dtype) -> Option<(Format, usize)> {
    use safetensors::Dtype;
    let (name, size) = match dtype {
        Dtype::F64 => ("binary64", 8),
        Dtype::F32 => ("binary32", 4),
        Dtype::F16 => ("binary16", 2),
        Dtype::BF16 => ("bfloat16", 2),
        Dtype::F8_E4M3 => ("e4m3fn", 1),
        Dtype::F8_E5M2 => ("e5m2", 1),
        _ => return None,
    };
    Some((Format::parse(name).expect("named format"), size))
}

/// A literal as error messages and reports show it: at most 64 characters, then `...`.
fn shown(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

struct Reader<'o> {
    options: &'o LoadOptions,
    strict: bool,
    format: Format,
    tensors_name: Option<String>,
    tensors: Option<Tensors>,
    report: LoadReport,
    /// Tensor elements read so far (bounded by [`Limits::max_params`] before any is converted).
    tensor_elements: usize,
}

impl<'o> Reader<'o> {
    fn new(options: &'o LoadOptions, spec: &FileSpec) -> Result<Reader<'o>, ModelError> {
        if let Some(v) = spec.version {
            if v != VERSION {
                return Err(ModelError::invalid(
                    "version",
                    format!("unsupported version {v} (this reader knows version {VERSION})"),
                ));
            }
        }
        let format = Format::parse(&spec.format)
            .map_err(|e| ModelError::invalid("format", e.to_string()))?;
        Ok(Reader {
            options,
            strict: options.strict || spec.strict,
            format,
            tensors_name: spec.tensors.clone(),
            tensors: None,
            report: LoadReport::default(),
            tensor_elements: 0,
        })
    }

    fn node_format(&self, text: &Option<String>, path: &str) -> Result<Format, ModelError> {
        match text {
            None => Ok(self.format),
            Some(name) => Format::parse(name)
                .map_err(|e| ModelError::invalid(format!("{path}.format"), e.to_string())),
        }
    }

    /// Counts one value for `node` and records it when inexact.
    fn note(&mut self, node: usize, inexact: Option<InexactValue>) {
        if self.report.per_node.len() <= node {
            self.report.per_node.resize(node + 1, (0, 0));
        }
        self.report.values += 1;
        self.report.per_node[node].0 += 1;
        if let Some(v) = inexact {
            self.report.inexact += 1;
            self.report.per_node[node].1 += 1;
            if self.report.examples.len() < LoadReport::MAX_EXAMPLES {
                self.report.examples.push(v);
            }
        }
    }

    /// Rounds one literal to `fmt`.
    fn literal(
        &mut self,
        node: usize,
        fmt: &Format,
        lit: &Literal,
        path: impl Fn() -> String,
    ) -> Result<u128, ModelError> {
        let text = lit.0.as_str();
        if let Some(hex) = text.strip_prefix("bits:") {
            let bits =
                parse_bits(fmt, hex).map_err(|e| ModelError::invalid(path(), e.to_string()))?;
            self.note(node, None);
            return Ok(bits);
        }
        let r = parse_value(&self.options.env, fmt, text)
            .map_err(|e| ModelError::invalid(path(), e.to_string()))?;
        if r.flags.is_empty() {
            self.note(node, None);
            return Ok(r.value);
        }
        if self.strict {
            return Err(ModelError::invalid(
                path(),
                format!(
                    "'{}' is not exactly representable in {fmt} (it rounds to {}); strict mode accepts exact literals only",
                    shown(text),
                    format_hexfloat(fmt, r.value)
                ),
            ));
        }
        let path = path();
        self.note(
            node,
            Some(InexactValue { path, text: shown(text), value: r.value, format: *fmt }),
        );
        Ok(r.value)
    }

    /// The elements of tensor `name` (expected `shape`), each converted once to `fmt`.
    fn tensor(
        &mut self,
        node: usize,
        fmt: &Format,
        name: &str,
        shape: &[Option<usize>],
        path: &str,
    ) -> Result<(Vec<usize>, Vec<u128>), ModelError> {
        let Some(file_name) = self.tensors_name.clone() else {
            return Err(ModelError::invalid(
                path,
                format!("'@{name}' refers to a tensor but the network names no \"tensors\" file"),
            ));
        };
        if self.tensors.is_none() {
            let file = PathBuf::from(&file_name);
            let file = match &self.options.base_dir {
                Some(dir) if file.is_relative() => dir.join(file),
                _ => file,
            };
            let bytes = read_limited(&file, self.options.limits.max_tensor_file_bytes, "tensors")?;
            self.report.tensors = Some(file.clone());
            self.tensors = Some(Tensors { path: file, bytes });
        }
        let tensors = self.tensors.as_ref().expect("read just above");
        let st = safetensors::SafeTensors::deserialize(&tensors.bytes).map_err(|e| {
            ModelError::invalid("tensors", format!("{}: {e}", tensors.path.display()))
        })?;
        let view = st.tensor(name).map_err(|_| {
            ModelError::invalid(path, format!("no tensor '{name}' in {}", tensors.path.display()))
        })?;
        let Some((src, size)) = dtype_format(view.dtype()) else {
            return Err(ModelError::invalid(
                path,
                format!(
                    "tensor '{name}' has dtype {:?}; supported: F64, F32, F16, BF16, F8_E4M3, F8_E5M2",
                    view.dtype()
                ),
            ));
        };
        let dims = view.shape().to_vec();
        let shape_ok = dims.len() == shape.len()
            && dims.iter().zip(shape).all(|(d, want)| want.is_none_or(|w| w == *d));
        if !shape_ok {
            let want: Vec<String> =
                shape.iter().map(|d| d.map_or("N".to_string(), |d| d.to_string())).collect();
            return Err(ModelError::invalid(
                path,
                format!("tensor '{name}' has shape {dims:?}, expected [{}]", want.join(", ")),
            ));
        }
        let count = dims.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
        let total = count.and_then(|c| c.checked_add(self.tensor_elements));
        let max_params = self.options.limits.max_params;
        let count = count.filter(|_| total.is_some_and(|t| t <= max_params)).ok_or_else(|| {
            ModelError::limit(
                path,
                format!(
                    "tensor '{name}' of {} takes the parameters beyond the limit of {max_params} parameters",
                    tensors.path.display()
                ),
            )
        })?;
        self.tensor_elements += count;
        let data = view.data();
        if data.len() != count * size {
            return Err(ModelError::invalid(
                path,
                format!("tensor '{name}' holds {} bytes, expected {}", data.len(), count * size),
            ));
        }
        let cols = dims.last().copied().unwrap_or(1).max(1);
        let mut out = Vec::with_capacity(count);
        let env = self.options.env;
        let mut inexact = Vec::new();
        for (k, chunk) in data.chunks_exact(size).enumerate() {
            let mut le = [0u8; 16];
            le[..size].copy_from_slice(chunk);
            let bits = u128::from_le_bytes(le);
            let value = if src == *fmt {
                bits
            } else {
                let r = fpcore::convert(&env, &src, fmt, bits);
                if !r.flags.is_empty() {
                    inexact.push((k, bits, r.value));
                }
                r.value
            };
            out.push(value);
        }
        let mut inexact = inexact.into_iter().peekable();
        for k in 0..count {
            let this = inexact.next_if(|(at, _, _)| *at == k);
            let Some((_, bits, value)) = this else {
                self.note(node, None);
                continue;
            };
            let where_ = if dims.len() == 2 {
                format!("{path} (@{name}[{}][{}])", k / cols, k % cols)
            } else {
                format!("{path} (@{name}[{k}])")
            };
            if self.strict {
                return Err(ModelError::invalid(
                    where_,
                    format!(
                        "{} {} is not exactly representable in {fmt} (it rounds to {}); strict mode accepts exact values only",
                        src,
                        format_bits(&src, bits),
                        format_hexfloat(fmt, value)
                    ),
                ));
            }
            let text = format!("{} {}", src, format_bits(&src, bits));
            self.note(node, Some(InexactValue { path: where_, text, value, format: *fmt }));
        }
        Ok((dims, out))
    }

    fn read(mut self, spec: FileSpec) -> Result<Loaded, ModelError> {
        let Limits { max_nodes, max_width, .. } = self.options.limits;
        let mut nodes: Vec<Node> = Vec::new();
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        match spec.inputs {
            InputsSpec::Count(n) => {
                let size = usize::try_from(n).ok().filter(|n| (1..=max_width).contains(n));
                let size = size.ok_or_else(|| {
                    ModelError::limit(
                        "inputs",
                        format!("an input has 1 to {max_width} entries, got {n}"),
                    )
                })?;
                names.insert("input".to_string(), 0);
                nodes.push(Node {
                    name: Some("input".to_string()),
                    format: self.format,
                    op: Op::Input { size },
                });
            }
            InputsSpec::List(list) => {
                if list.is_empty() {
                    return Err(ModelError::invalid(
                        "inputs",
                        "a network needs at least one input",
                    ));
                }
                if list.len() > max_nodes {
                    return Err(ModelError::limit(
                        "inputs",
                        format!("more than {max_nodes} inputs"),
                    ));
                }
                for (k, input) in list.into_iter().enumerate() {
                    let path = format!("inputs[{k}]");
                    let size =
                        usize::try_from(input.size).ok().filter(|n| (1..=max_width).contains(n));
                    let size = size.ok_or_else(|| {
                        ModelError::limit(
                            format!("{path}.size"),
                            format!("an input has 1 to {max_width} entries, got {}", input.size),
                        )
                    })?;
                    let format = self.node_format(&input.format, &path)?;
                    self.check_name(&input.name, &names, &format!("{path}.name"))?;
                    names.insert(input.name.clone(), nodes.len());
                    nodes.push(Node { name: Some(input.name), format, op: Op::Input { size } });
                }
            }
        }
        let n_inputs = nodes.len();
        if spec.layers.len() > max_nodes.saturating_sub(n_inputs) {
            return Err(ModelError::limit(
                "layers",
                format!(
                    "{} nodes ({n_inputs} inputs and {} layers) exceed the limit of {max_nodes} nodes",
                    n_inputs.saturating_add(spec.layers.len()),
                    spec.layers.len()
                ),
            ));
        }
        for (k, layer) in spec.layers.into_iter().enumerate() {
            let idx = nodes.len();
            let path = match &layer.name {
                Some(name) => format!("layers[{k}] ({name})"),
                None => format!("layers[{k}]"),
            };
            if let Some(name) = &layer.name {
                self.check_name(name, &names, &format!("{path}.name"))?;
            }
            let format = self.node_format(&layer.format, &path)?;
            let kinds = [
                layer.affine.is_some(),
                layer.activation.is_some(),
                layer.add.is_some(),
                layer.concat.is_some(),
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err(ModelError::invalid(
                    path,
                    "a layer has exactly one of \"affine\", \"activation\", \"add\", \"concat\"",
                ));
            }
            let lookup = |name: &str, field: &str| -> Result<NodeId, ModelError> {
                if let Some(&i) = names.get(name) {
                    return Ok(NodeId(i));
                }
                if let Some(j) = name.strip_prefix("layers[").and_then(|s| s.strip_suffix(']')) {
                    if let Ok(j) = j.parse::<usize>() {
                        if j < k {
                            return Ok(NodeId(n_inputs + j));
                        }
                    }
                }
                Err(ModelError::invalid(
                    format!("{path}.{field}"),
                    format!("no node called '{name}' before this layer"),
                ))
            };
            let single_input = |field: &Option<String>| -> Result<NodeId, ModelError> {
                match field {
                    Some(name) => lookup(name, "input"),
                    None if k == 0 && n_inputs > 1 => Err(ModelError::invalid(
                        format!("{path}.input"),
                        format!("the network has {n_inputs} inputs; name the one this layer reads"),
                    )),
                    None => Ok(NodeId(idx - 1)),
                }
            };
            let op = if let Some(a) = layer.affine {
                let input = single_input(&layer.input)?;
                self.affine(idx, &format, a, input, &path)?
            } else if let Some(a) = layer.activation {
                let input = single_input(&layer.input)?;
                let activation = Activation::parse(&a.name)
                    .filter(|act| act.name() == a.name || a.name == "swish")
                    .ok_or_else(|| {
                        ModelError::invalid(
                            format!("{path}.activation"),
                            format!(
                                "unknown activation '{}' (expected one of {})",
                                a.name,
                                Activation::ALL.map(Activation::name).join(", ")
                            ),
                        )
                    })?;
                let rule = |text: &Option<String>, field: &str| -> Result<Rule, ModelError> {
                    match text {
                        None => Ok(Rule::CorrectlyRounded),
                        Some(t) => Rule::parse(t).ok_or_else(|| {
                            ModelError::invalid(
                                format!("{path}.activation.{field}"),
                                format!(
                                    "unknown rule '{t}' (expected correctly_rounded or composite)"
                                ),
                            )
                        }),
                    }
                };
                let value = rule(&a.value, "value")?;
                let derivative = rule(&a.derivative, "derivative")?;
                let kink = match &a.kink {
                    None => fpcore::act::DEFAULT_KINK,
                    Some(lit) => {
                        self.literal(idx, &format, lit, || format!("{path}.activation.kink"))?
                    }
                };
                Op::Activation(ActivationNode {
                    input,
                    sigma: Sigma { activation, value, derivative, kink },
                })
            } else {
                let (field, list, is_add) = match (layer.add, layer.concat) {
                    (Some(list), _) => ("add", list, true),
                    (None, Some(list)) => ("concat", list, false),
                    (None, None) => unreachable!("exactly one kind was checked above"),
                };
                if layer.input.is_some() {
                    return Err(ModelError::invalid(
                        format!("{path}.input"),
                        format!("{field} lists its operands in \"{field}\", not in \"input\""),
                    ));
                }
                if list.len() > max_nodes {
                    return Err(ModelError::limit(
                        format!("{path}.{field}"),
                        format!("more than {max_nodes} operands"),
                    ));
                }
                let ids = list
                    .iter()
                    .enumerate()
                    .map(|(j, name)| lookup(name, &format!("{field}[{j}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                if is_add {
                    Op::Add(ids)
                } else {
                    Op::Concat(ids)
                }
            };
            if let Some(name) = &layer.name {
                names.insert(name.clone(), idx);
            }
            nodes.push(Node { name: layer.name, format, op });
        }
        let output = match &spec.output {
            None => NodeId(nodes.len() - 1),
            Some(name) => {
                let n_layers = nodes.len() - n_inputs;
                let by_index = name
                    .strip_prefix("layers[")
                    .and_then(|s| s.strip_suffix(']'))
                    .and_then(|j| j.parse::<usize>().ok())
                    .filter(|j| *j < n_layers)
                    .map(|j| n_inputs + j);
                let idx = names.get(name).copied().or(by_index).ok_or_else(|| {
                    ModelError::invalid("output", format!("no node called '{name}'"))
                })?;
                NodeId(idx)
            }
        };
        self.report.per_node.resize(nodes.len(), (0, 0));
        let graph = Graph::with_limits(self.format, nodes, output, &self.options.limits)?;
        Ok(Loaded { graph, report: self.report })
    }

    fn check_name(
        &self,
        name: &str,
        names: &BTreeMap<String, usize>,
        path: &str,
    ) -> Result<(), ModelError> {
        let max_len = self.options.limits.max_name_len;
        if !is_valid_name_within(name, max_len) {
            return Err(ModelError::invalid(
                path,
                format!(
                    "'{}' is not a valid name (1 to {max_len} ASCII letters, digits, '_', '.', '-', ':', '/')",
                    name.escape_debug(),
                ),
            ));
        }
        if names.contains_key(name) {
            return Err(ModelError::invalid(path, format!("name '{name}' is used twice")));
        }
        Ok(())
    }

    fn affine(
        &mut self,
        idx: usize,
        fmt: &Format,
        spec: AffineSpec,
        input: NodeId,
        path: &str,
    ) -> Result<Op, ModelError> {
        let order = match &spec.order {
            None => Order::Sequential,
            Some(text) => Order::parse(text)
                .map_err(|e| ModelError::invalid(format!("{path}.affine.order"), e))?,
        };
        let (rows, cols, weights) = match spec.weights {
            Param::Tensor(name) => {
                let (dims, values) =
                    self.tensor(idx, fmt, &name, &[None, None], &format!("{path}.affine.weights"))?;
                (dims[0], dims[1], values)
            }
            Param::Inline(matrix) => {
                let rows = matrix.len();
                let cols = matrix.first().map_or(0, Vec::len);
                if rows == 0 || cols == 0 {
                    return Err(ModelError::invalid(
                        format!("{path}.affine.weights"),
                        "weights need at least one row and one column",
                    ));
                }
                let mut values = Vec::with_capacity(
                    rows.saturating_mul(cols).min(self.options.limits.max_params),
                );
                for (i, row) in matrix.iter().enumerate() {
                    if row.len() != cols {
                        return Err(ModelError::invalid(
                            format!("{path}.affine.weights[{i}]"),
                            format!("row has {} entries, expected {cols} like row 0", row.len()),
                        ));
                    }
                    for (j, lit) in row.iter().enumerate() {
                        let at = || format!("{path}.affine.weights[{i}][{j}]");
                        values.push(self.literal(idx, fmt, lit, at)?);
                    }
                }
                (rows, cols, values)
            }
        };
        let bias = match spec.bias {
            None => vec![fmt.zero(false); rows],
            Some(Param::Tensor(name)) => {
                self.tensor(idx, fmt, &name, &[Some(rows)], &format!("{path}.affine.bias"))?.1
            }
            Some(Param::Inline(list)) => {
                let mut values = Vec::with_capacity(list.len());
                for (i, lit) in list.iter().enumerate() {
                    let at = || format!("{path}.affine.bias[{i}]");
                    values.push(self.literal(idx, fmt, lit, at)?);
                }
                values
            }
        };
        Ok(Op::Affine(Affine { input, rows, cols, weights, bias, order }))
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// The literal that reads back to exactly `bits`: hex-float, or `bits:HEX` for the NaNs whose
/// payload or kind the hex-float spelling does not keep.
pub fn literal_text(fmt: &Format, bits: u128) -> String {
    let text = format_hexfloat(fmt, bits);
    match parse_value(&Env::default(), fmt, &text) {
        Ok(r) if r.value == bits => text,
        _ => format!("bits:{}", format_bits(fmt, bits)),
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

fn literal_list(fmt: &Format, values: &[u128]) -> String {
    let items: Vec<String> = values.iter().map(|v| quote(&literal_text(fmt, *v))).collect();
    format!("[{}]", items.join(", "))
}

/// Writes `graph` in the canonical layout of the file format (version 1): every parameter as
/// a literal that reads back to the same bits, default fields left out, one layer per line
/// (one weight row per line). [`load_str`] of the result gives back an equal graph.
pub fn to_json(graph: &Graph) -> String {
    let net_fmt = graph.format();
    let mut s = String::new();
    let _ = writeln!(s, "{{");
    let _ = writeln!(s, "  \"version\": {VERSION},");
    let _ = writeln!(s, "  \"format\": {},", quote(&net_fmt.name()));
    let n_inputs = graph.n_inputs();
    let first = graph.node(NodeId(0));
    if n_inputs == 1 && first.name.as_deref() == Some("input") && first.format == *net_fmt {
        let _ = writeln!(s, "  \"inputs\": {},", graph.width(NodeId(0)));
    } else {
        let items: Vec<String> = graph
            .inputs()
            .map(|id| {
                let node = graph.node(id);
                let mut item = format!(
                    "{{\"name\": {}, \"size\": {}",
                    quote(&graph.name_of(id)),
                    graph.width(id)
                );
                if node.format != *net_fmt {
                    let _ = write!(item, ", \"format\": {}", quote(&node.format.name()));
                }
                item.push('}');
                item
            })
            .collect();
        let _ = writeln!(s, "  \"inputs\": [{}],", items.join(", "));
    }
    let layers: Vec<NodeId> = graph.layers().collect();
    let _ = write!(s, "  \"layers\": [");
    for (k, &id) in layers.iter().enumerate() {
        let node = graph.node(id);
        let fmt = &node.format;
        let mut head = Vec::new();
        if let Some(name) = &node.name {
            head.push(format!("\"name\": {}", quote(name)));
        }
        if let [operand] = node.op.operands() {
            let implicit = operand.0 + 1 == id.0 && (k > 0 || n_inputs == 1);
            if !implicit {
                head.push(format!("\"input\": {}", quote(&graph.name_of(*operand))));
            }
        }
        if fmt != net_fmt {
            head.push(format!("\"format\": {}", quote(&fmt.name())));
        }
        let body = match &node.op {
            Op::Input { .. } => unreachable!("layers are not inputs"),
            Op::Affine(a) => {
                let mut body = String::from("\"affine\": {");
                if a.order != Order::Sequential {
                    let _ = write!(body, "\"order\": {}, ", quote(&a.order.name()));
                }
                body.push_str("\"weights\": [");
                for (i, row) in a.weights.chunks(a.cols).enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    let _ = write!(body, "{sep}\n      {}", literal_list(fmt, row));
                }
                let _ = write!(body, "],\n      \"bias\": {}}}", literal_list(fmt, &a.bias));
                body
            }
            Op::Activation(a) => {
                let sigma = &a.sigma;
                if *sigma == Sigma::new(sigma.activation) {
                    format!("\"activation\": {}", quote(sigma.activation.name()))
                } else {
                    let mut body =
                        format!("\"activation\": {{\"name\": {}", quote(sigma.activation.name()));
                    if sigma.value != Rule::CorrectlyRounded {
                        let _ = write!(body, ", \"value\": {}", quote(sigma.value.name()));
                    }
                    if sigma.derivative != Rule::CorrectlyRounded {
                        let _ =
                            write!(body, ", \"derivative\": {}", quote(sigma.derivative.name()));
                    }
                    if sigma.kink != fpcore::act::DEFAULT_KINK {
                        let _ =
                            write!(body, ", \"kink\": {}", quote(&literal_text(fmt, sigma.kink)));
                    }
                    body.push('}');
                    body
                }
            }
            Op::Add(ids) | Op::Concat(ids) => {
                let names: Vec<String> = ids.iter().map(|i| quote(&graph.name_of(*i))).collect();
                format!("\"{}\": [{}]", node.op.kind(), names.join(", "))
            }
        };
        head.push(body);
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(s, "{sep}\n    {{{}}}", head.join(", "));
    }
    let _ = write!(s, "\n  ]");
    if graph.output().0 != graph.nodes().len() - 1 {
        let _ = write!(s, ",\n  \"output\": {}", quote(&graph.name_of(graph.output())));
    }
    let _ = writeln!(s, "\n}}");
    s
}
