//! Writing a graph as a network file (version 1): the graph as the serde types of
//! [`super::spec`], serialized by serde_json in the canonical layout (one layer per line, one
//! weight row per line), which reads back to the same graph.

use fpcore::text::bits::format_bits;
use fpcore::text::{format_hexfloat, parse_value};
use fpcore::{Env, Format};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use super::spec::{
    ActivationField, ActivationSpec, AffineSpec, FileSpec, InputSpec, InputsSpec, LayerSpec,
    Literal, Param, VERSION,
};
use crate::graph::{Graph, NodeId, Op, Rule, Sigma};
use crate::reduce::Order;

/// The literal that reads back to exactly `bits`: hex-float, or `bits:HEX` for the NaNs whose
/// payload or kind the hex-float spelling does not keep.
pub fn literal_text(fmt: &Format, bits: u128) -> String {
    let text = format_hexfloat(fmt, bits);
    match parse_value(&Env::default(), fmt, &text) {
        Ok(r) if r.value == bits => text,
        _ => format!("bits:{}", format_bits(fmt, bits)),
    }
}

fn literal(fmt: &Format, bits: u128) -> Literal {
    Literal(literal_text(fmt, bits))
}

fn literals(fmt: &Format, values: &[u128]) -> Vec<Literal> {
    values.iter().map(|&v| literal(fmt, v)).collect()
}

/// Writes `graph` in the canonical layout of the file format (version 1): every parameter as
/// a literal that reads back to the same bits, default fields left out, one layer per line
/// (one weight row per line). [`super::load_str`] of the result gives back an equal graph.
pub fn to_json(graph: &Graph) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Layout::default());
    file_spec(graph).serialize(&mut ser).expect("a network file serializes");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The document that describes `graph`.
fn file_spec(graph: &Graph) -> FileSpec {
    let net_fmt = graph.format();
    let first = graph.node(NodeId(0));
    let inputs = if graph.n_inputs() == 1
        && first.name.as_deref() == Some("input")
        && first.format == *net_fmt
    {
        InputsSpec::Count(graph.width(NodeId(0)) as u64)
    } else {
        let list = graph.inputs().map(|id| InputSpec {
            name: graph.name_of(id),
            size: graph.width(id) as u64,
            format: format_name(&graph.node(id).format, net_fmt),
        });
        InputsSpec::List(list.collect())
    };
    let layers = graph.layers().enumerate().map(|(k, id)| layer_spec(graph, k, id)).collect();
    let last = NodeId(graph.nodes().len() - 1);
    FileSpec {
        version: Some(VERSION),
        format: net_fmt.name(),
        tensors: None,
        strict: false,
        inputs,
        layers,
        output: (graph.output() != last).then(|| graph.name_of(graph.output())),
    }
}

/// A node's format name where it differs from the network's.
fn format_name(fmt: &Format, net_fmt: &Format) -> Option<String> {
    (fmt != net_fmt).then(|| fmt.name())
}

/// Layer `k` (node `id`).
fn layer_spec(graph: &Graph, k: usize, id: NodeId) -> LayerSpec {
    let node = graph.node(id);
    let fmt = &node.format;
    let input = match node.op.operands() {
        // The node before is implicit, except for a first layer after several inputs.
        [operand] if operand.0 + 1 == id.0 && (k > 0 || graph.n_inputs() == 1) => None,
        [operand] => Some(graph.name_of(*operand)),
        _ => None,
    };
    let mut layer = LayerSpec {
        name: node.name.clone(),
        input,
        format: format_name(fmt, graph.format()),
        ..LayerSpec::default()
    };
    match &node.op {
        Op::Input { .. } => unreachable!("layers are not inputs"),
        Op::Affine(a) => {
            let weights = a.weights.chunks(a.cols).map(|row| literals(fmt, row)).collect();
            layer.affine = Some(AffineSpec {
                weights: Param::Inline(weights),
                bias: Some(Param::Inline(literals(fmt, &a.bias))),
                order: (a.order != Order::Sequential).then(|| a.order.name()),
            });
        }
        Op::Activation(a) => layer.activation = Some(activation_field(fmt, &a.sigma)),
        Op::Add(ids) => layer.add = Some(ids.iter().map(|i| graph.name_of(*i)).collect()),
        Op::Concat(ids) => layer.concat = Some(ids.iter().map(|i| graph.name_of(*i)).collect()),
    }
    layer
}

/// An activation with the options that differ from the defaults.
fn activation_field(fmt: &Format, sigma: &Sigma) -> ActivationField {
    let rule = |r: Rule| (r != Rule::CorrectlyRounded).then(|| r.name().to_string());
    ActivationField(ActivationSpec {
        name: sigma.activation.name().to_string(),
        value: rule(sigma.value),
        derivative: rule(sigma.derivative),
        kink: (sigma.kink != fpcore::act::DEFAULT_KINK).then(|| literal(fmt, sigma.kink)),
    })
}

/// Where a JSON container is in the document, which decides its line breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// The document: one field per line, indented by 2.
    Root,
    /// `"layers"`: one layer per line, indented by 4.
    Layers,
    /// One layer: on its line.
    Layer,
    /// `"affine"`: on its line, except the bias, which starts a line indented by 6.
    Affine,
    /// `"weights"`: one row per line, indented by 6.
    Weights,
    /// Anything else: on one line.
    Inline,
}

/// One open container: where it is, and the key of its latest field (objects).
#[derive(Debug)]
struct Open {
    place: Place,
    key: Vec<u8>,
}

/// The canonical layout as a serde_json formatter: `", "` and `": "` separators, and line
/// breaks where [`Place`] says.
#[derive(Debug, Default)]
struct Layout {
    open: Vec<Open>,
    /// Whether an object key is being written (its text is kept in the innermost [`Open`]).
    in_key: bool,
}

impl Layout {
    /// The place of a container opened now.
    fn place(&self) -> Place {
        let Some(parent) = self.open.last() else { return Place::Root };
        match (parent.place, parent.key.as_slice()) {
            (Place::Root, b"layers") => Place::Layers,
            (Place::Layers, _) => Place::Layer,
            (Place::Layer, b"affine") => Place::Affine,
            (Place::Affine, b"weights") => Place::Weights,
            _ => Place::Inline,
        }
    }

    fn enter<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        let place = self.place();
        self.open.push(Open { place, key: Vec::new() });
        w.write_all(bracket)
    }

    fn leave<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        let place = self.open.pop().map_or(Place::Inline, |o| o.place);
        let before: &[u8] = match place {
            Place::Root => b"\n",
            Place::Layers => b"\n  ",
            _ => b"",
        };
        w.write_all(before)?;
        w.write_all(bracket)
    }

    /// The separator before an element or field of the innermost container.
    fn separator(&self, first: bool) -> &'static [u8] {
        let Some(open) = self.open.last() else { return b"" };
        match (open.place, first) {
            (Place::Root, true) => b"\n  ",
            (Place::Root, false) => b",\n  ",
            (Place::Layers, true) => b"\n    ",
            (Place::Layers, false) => b",\n    ",
            (Place::Weights, true) => b"\n      ",
            (Place::Weights, false) => b",\n      ",
            (Place::Affine, false) if open.key == b"weights" => b",\n      ",
            (_, true) => b"",
            (_, false) => b", ",
        }
    }
}

impl Formatter for Layout {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.enter(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.leave(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        w.write_all(self.separator(first))
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.enter(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.leave(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        w.write_all(self.separator(first))?;
        if let Some(open) = self.open.last_mut() {
            open.key.clear();
        }
        self.in_key = true;
        Ok(())
    }

    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.in_key = false;
        Ok(())
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if self.in_key {
            if let Some(open) = self.open.last_mut() {
                open.key.extend_from_slice(fragment.as_bytes());
            }
        }
        CompactFormatter.write_string_fragment(w, fragment)
    }
}
