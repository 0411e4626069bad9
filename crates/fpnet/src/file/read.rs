//! Reading a network file: the byte and depth limits, serde's reading with JSON paths in every
//! error, name resolution, literals rounded once to each node's format (strict mode, the
//! report of inexact values) and tensor elements converted once from their dtype.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fpcore::act::Activation;
use fpcore::text::bits::{format_bits, parse_bits};
use fpcore::text::{format_hexfloat, parse_value};
use fpcore::{Env, Format};

use super::spec::{
    ActivationField, ActivationSpec, AffineSpec, FileSpec, InputsSpec, LayerSpec, Literal, Param,
    VERSION,
};
use super::tensors::{RawTensor, TensorFile};
use crate::error::ModelError;
use crate::graph::{
    is_valid_name_within, ActivationNode, Affine, Graph, Node, NodeId, Op, Rule, Sigma,
};
use crate::limits::{Limits, MAX_JSON_DEPTH};
use crate::reduce::Order;

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

/// A literal as error messages and reports show it: at most 64 characters, then `...`.
fn shown(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// `J` of a reference `layers[J]` to a layer by its index.
fn layer_index(name: &str) -> Option<usize> {
    name.strip_prefix("layers[")?.strip_suffix(']')?.parse::<usize>().ok()
}

/// The size of an input (`n` entries, at JSON path `path`), within `1..=max_width`.
fn input_size(n: u64, max_width: usize, path: impl Into<String>) -> Result<usize, ModelError> {
    usize::try_from(n).ok().filter(|n| (1..=max_width).contains(n)).ok_or_else(|| {
        ModelError::limit(path, format!("an input has 1 to {max_width} entries, got {n}"))
    })
}

/// An activation's value or derivative rule (`correctly_rounded` when left out).
fn rule(text: &Option<String>, path: &str, field: &str) -> Result<Rule, ModelError> {
    match text {
        None => Ok(Rule::CorrectlyRounded),
        Some(t) => Rule::parse(t).ok_or_else(|| {
            ModelError::invalid(
                format!("{path}.activation.{field}"),
                format!("unknown rule '{t}' (expected correctly_rounded or composite)"),
            )
        }),
    }
}

/// The node `"output"` names (the last node when it is left out).
fn output_node(
    output: Option<&str>,
    names: &BTreeMap<String, usize>,
    n_inputs: usize,
    n_nodes: usize,
) -> Result<NodeId, ModelError> {
    let Some(name) = output else {
        return Ok(NodeId(n_nodes - 1));
    };
    let n_layers = n_nodes - n_inputs;
    let by_index = layer_index(name).filter(|j| *j < n_layers).map(|j| n_inputs + j);
    let idx = names
        .get(name)
        .copied()
        .or(by_index)
        .ok_or_else(|| ModelError::invalid("output", format!("no node called '{name}'")))?;
    Ok(NodeId(idx))
}

/// Checks a tensor's shape `dims` against the expected `shape` (`None`: any size).
fn check_shape(
    name: &str,
    dims: &[usize],
    shape: &[Option<usize>],
    path: &str,
) -> Result<(), ModelError> {
    let shape_ok = dims.len() == shape.len()
        && dims.iter().zip(shape).all(|(d, want)| want.is_none_or(|w| w == *d));
    if shape_ok {
        return Ok(());
    }
    let want: Vec<String> =
        shape.iter().map(|d| d.map_or("N".to_string(), |d| d.to_string())).collect();
    Err(ModelError::invalid(
        path,
        format!("tensor '{name}' has shape {dims:?}, expected [{}]", want.join(", ")),
    ))
}

/// A tensor's elements converted to a node's format.
struct Converted {
    /// The format of the stored elements.
    src: Format,
    /// The tensor's shape.
    dims: Vec<usize>,
    /// The converted elements.
    values: Vec<u128>,
    /// The inexact conversions: element index, stored encoding, rounded value.
    inexact: Vec<(usize, u128, u128)>,
}

/// Converts every element of `raw` once to `fmt` (a copy where the formats are equal).
fn convert_elements(env: &Env, raw: RawTensor<'_>, fmt: &Format) -> Converted {
    let src = raw.format;
    let mut values = Vec::with_capacity(raw.data.len() / raw.size);
    let mut inexact = Vec::new();
    for (k, bits) in raw.encodings().enumerate() {
        let value = if src == *fmt {
            bits
        } else {
            let r = fpcore::convert(env, &src, fmt, bits);
            if !r.flags.is_empty() {
                inexact.push((k, bits, r.value));
            }
            r.value
        };
        values.push(value);
    }
    Converted { src, dims: raw.dims, values, inexact }
}

/// The names a layer may refer to: named nodes, and `layers[J]` for the layers before it.
struct Scope<'a> {
    names: &'a BTreeMap<String, usize>,
    n_inputs: usize,
    /// The index of the layer being read (its node is `n_inputs + k`).
    k: usize,
    /// The layer's JSON path.
    path: &'a str,
}

impl Scope<'_> {
    /// The node `name` (found at `field` of the layer).
    fn lookup(&self, name: &str, field: &str) -> Result<NodeId, ModelError> {
        if let Some(&i) = self.names.get(name) {
            return Ok(NodeId(i));
        }
        if let Some(j) = layer_index(name).filter(|j| *j < self.k) {
            return Ok(NodeId(self.n_inputs + j));
        }
        Err(ModelError::invalid(
            format!("{}.{field}", self.path),
            format!("no node called '{name}' before this layer"),
        ))
    }

    /// The operand of a layer with one: `"input"`, or the node before it.
    fn single_input(&self, field: &Option<String>) -> Result<NodeId, ModelError> {
        let n_inputs = self.n_inputs;
        match field {
            Some(name) => self.lookup(name, "input"),
            None if self.k == 0 && n_inputs > 1 => Err(ModelError::invalid(
                format!("{}.input", self.path),
                format!("the network has {n_inputs} inputs; name the one this layer reads"),
            )),
            None => Ok(NodeId(n_inputs + self.k - 1)),
        }
    }

    /// An `"add"` or `"concat"` layer: its listed operands, in order.
    fn combine(
        &self,
        layer: &LayerSpec,
        field: &str,
        list: &[String],
        max_nodes: usize,
    ) -> Result<Vec<NodeId>, ModelError> {
        let path = self.path;
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
        list.iter()
            .enumerate()
            .map(|(j, name)| self.lookup(name, &format!("{field}[{j}]")))
            .collect::<Result<Vec<_>, _>>()
    }
}

struct Reader<'o> {
    options: &'o LoadOptions,
    strict: bool,
    format: Format,
    tensors_name: Option<String>,
    tensors: Option<TensorFile>,
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

    /// Reads the safetensors file the network names, once; `path` is the parameter asking
    /// for tensor `name`.
    fn load_tensors(&mut self, name: &str, path: &str) -> Result<&TensorFile, ModelError> {
        let Some(file_name) = &self.tensors_name else {
            return Err(ModelError::invalid(
                path,
                format!("'@{name}' refers to a tensor but the network names no \"tensors\" file"),
            ));
        };
        if self.tensors.is_none() {
            let file = PathBuf::from(file_name);
            let file = match &self.options.base_dir {
                Some(dir) if file.is_relative() => dir.join(file),
                _ => file,
            };
            let bytes = read_limited(&file, self.options.limits.max_tensor_file_bytes, "tensors")?;
            self.report.tensors = Some(file.clone());
            self.tensors = Some(TensorFile { path: file, bytes });
        }
        Ok(self.tensors.as_ref().expect("read just above"))
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
        let (max_params, env, read_before) =
            (self.options.limits.max_params, self.options.env, self.tensor_elements);
        let tensors = self.load_tensors(name, path)?;
        let raw = tensors.tensor(name, path)?;
        check_shape(name, &raw.dims, shape, path)?;
        let count = raw.dims.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
        let total = count.and_then(|c| c.checked_add(read_before));
        let count = count.filter(|_| total.is_some_and(|t| t <= max_params)).ok_or_else(|| {
            ModelError::limit(
                path,
                format!(
                    "tensor '{name}' of {} takes the parameters beyond the limit of {max_params} parameters",
                    tensors.path.display()
                ),
            )
        })?;
        if raw.data.len() != count * raw.size {
            return Err(ModelError::invalid(
                path,
                format!(
                    "tensor '{name}' holds {} bytes, expected {}",
                    raw.data.len(),
                    count * raw.size
                ),
            ));
        }
        let converted = convert_elements(&env, raw, fmt);
        self.tensor_elements += count;
        self.note_elements(node, fmt, name, path, &converted)?;
        Ok((converted.dims, converted.values))
    }

    /// Counts a tensor's elements for `node` and records the inexact ones (an error in strict
    /// mode).
    fn note_elements(
        &mut self,
        node: usize,
        fmt: &Format,
        name: &str,
        path: &str,
        converted: &Converted,
    ) -> Result<(), ModelError> {
        let Converted { src, dims, values, inexact } = converted;
        let cols = dims.last().copied().unwrap_or(1).max(1);
        let mut inexact = inexact.iter().peekable();
        for k in 0..values.len() {
            let this = inexact.next_if(|(at, _, _)| *at == k);
            let Some(&(_, bits, value)) = this else {
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
                        format_bits(src, bits),
                        format_hexfloat(fmt, value)
                    ),
                ));
            }
            let text = format!("{} {}", src, format_bits(src, bits));
            self.note(node, Some(InexactValue { path: where_, text, value, format: *fmt }));
        }
        Ok(())
    }

    /// The input nodes, with their names entered in `names`.
    fn read_inputs(
        &self,
        inputs: InputsSpec,
        names: &mut BTreeMap<String, usize>,
    ) -> Result<Vec<Node>, ModelError> {
        let Limits { max_nodes, max_width, .. } = self.options.limits;
        let list = match inputs {
            InputsSpec::Count(n) => {
                let size = input_size(n, max_width, "inputs")?;
                names.insert("input".to_string(), 0);
                let op = Op::Input { size };
                return Ok(vec![Node { name: Some("input".to_string()), format: self.format, op }]);
            }
            InputsSpec::List(list) => list,
        };
        if list.is_empty() {
            return Err(ModelError::invalid("inputs", "a network needs at least one input"));
        }
        if list.len() > max_nodes {
            return Err(ModelError::limit("inputs", format!("more than {max_nodes} inputs")));
        }
        let mut nodes = Vec::with_capacity(list.len());
        for (k, input) in list.into_iter().enumerate() {
            let path = format!("inputs[{k}]");
            let size = input_size(input.size, max_width, format!("{path}.size"))?;
            let format = self.node_format(&input.format, &path)?;
            self.check_name(&input.name, names, &format!("{path}.name"))?;
            names.insert(input.name.clone(), nodes.len());
            nodes.push(Node { name: Some(input.name), format, op: Op::Input { size } });
        }
        Ok(nodes)
    }

    fn read(mut self, spec: FileSpec) -> Result<Loaded, ModelError> {
        let max_nodes = self.options.limits.max_nodes;
        let FileSpec { inputs, layers, output, .. } = spec;
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut nodes = self.read_inputs(inputs, &mut names)?;
        let n_inputs = nodes.len();
        if layers.len() > max_nodes.saturating_sub(n_inputs) {
            return Err(ModelError::limit(
                "layers",
                format!(
                    "{} nodes ({n_inputs} inputs and {} layers) exceed the limit of {max_nodes} nodes",
                    n_inputs.saturating_add(layers.len()),
                    layers.len()
                ),
            ));
        }
        for (k, layer) in layers.into_iter().enumerate() {
            let node = self.read_layer(&names, n_inputs, k, layer)?;
            if let Some(name) = &node.name {
                names.insert(name.clone(), nodes.len());
            }
            nodes.push(node);
        }
        let output = output_node(output.as_deref(), &names, n_inputs, nodes.len())?;
        self.report.per_node.resize(nodes.len(), (0, 0));
        let graph = Graph::with_limits(self.format, nodes, output, &self.options.limits)?;
        Ok(Loaded { graph, report: self.report })
    }

    /// Layer `k` (node `n_inputs + k`); `names` holds the nodes before it.
    fn read_layer(
        &mut self,
        names: &BTreeMap<String, usize>,
        n_inputs: usize,
        k: usize,
        layer: LayerSpec,
    ) -> Result<Node, ModelError> {
        let idx = n_inputs + k;
        let path = match &layer.name {
            Some(name) => format!("layers[{k}] ({name})"),
            None => format!("layers[{k}]"),
        };
        if let Some(name) = &layer.name {
            self.check_name(name, names, &format!("{path}.name"))?;
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
        let scope = Scope { names, n_inputs, k, path: &path };
        let max_nodes = self.options.limits.max_nodes;
        let op = match (&layer.add, &layer.concat) {
            (Some(list), _) => Op::Add(scope.combine(&layer, "add", list, max_nodes)?),
            (None, Some(list)) => Op::Concat(scope.combine(&layer, "concat", list, max_nodes)?),
            (None, None) => {
                let input = scope.single_input(&layer.input)?;
                match (layer.affine, layer.activation) {
                    (Some(a), _) => self.affine(idx, &format, a, input, &path)?,
                    (None, Some(ActivationField(a))) => {
                        self.activation(idx, &format, a, input, &path)?
                    }
                    (None, None) => unreachable!("exactly one kind was checked above"),
                }
            }
        };
        Ok(Node { name: layer.name, format, op })
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

    fn activation(
        &mut self,
        idx: usize,
        format: &Format,
        a: ActivationSpec,
        input: NodeId,
        path: &str,
    ) -> Result<Op, ModelError> {
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
        let value = rule(&a.value, path, "value")?;
        let derivative = rule(&a.derivative, path, "derivative")?;
        let kink = match &a.kink {
            None => fpcore::act::DEFAULT_KINK,
            Some(lit) => self.literal(idx, format, lit, || format!("{path}.activation.kink"))?,
        };
        Ok(Op::Activation(ActivationNode {
            input,
            sigma: Sigma { activation, value, derivative, kink },
        }))
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
