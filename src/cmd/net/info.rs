//! `fpx net info`: a network's layers, shapes, formats, parameter count and whether every
//! literal was exact.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fpcore::Env;
use fpnet::graph::{Op, Rule};
use fpnet::Graph;

use crate::args::NetArgs;

/// Options of `fpx net info`.
#[derive(Args)]
pub struct InfoArgs {
    /// The network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
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

/// Runs `fpx net info`.
pub fn run(args: &InfoArgs) -> Result<ExitCode> {
    let loaded = args.net.load(Env::default())?;
    let graph = &loaded.graph;
    let report = &loaded.report;
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "network: {}", args.net.net.display())?;
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
