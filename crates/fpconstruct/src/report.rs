//! What a construction reports: every target line's [`Status`] in a [`Report`] with the
//! network's shape, as JSON and as a short text summary. Values are hex bit patterns of the
//! format, as in the target files. With one input, x and g* are single values, the scale is
//! `scale` and a point's chain is its `gradient_block` (with the gate E); with d inputs they
//! are lists, `scales`, and `gradient_chains` (each with its `input` and distance weight M).

use fpcore::text::bits::format_bits;
use fpcore::Format;
use serde_json::{json, Value};

use crate::gradients::{Gate, GradientChain, Side};
use crate::indicator::Indicator;
use crate::targets::{Reason, Target};
use crate::values::ValueBlock;

/// What happened to one target line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Both targets are met.
    Accepted {
        /// The point's indicator (absent when no block is needed: y* = +0, g* = +0).
        indicator: Option<Indicator>,
        /// The value block (absent when y* = +0).
        value: Option<ValueBlock>,
        /// One gradient chain per coordinate with g*_i != +0.
        chains: Vec<GradientChain>,
    },
    /// The targets cannot be met; the reasons found (at least one).
    Rejected(Vec<Reason>),
}

/// One target line's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointReport {
    /// The target.
    pub target: Target,
    /// phi'(y*) (absent when it could not be evaluated).
    pub phi: Option<u128>,
    /// What happened.
    pub status: Status,
}

impl PointReport {
    /// Whether the point's targets are met.
    pub fn accepted(&self) -> bool {
        matches!(self.status, Status::Accepted { .. })
    }
}

/// The network's shape and every point's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The format.
    pub format: Format,
    /// Inputs d.
    pub inputs: usize,
    /// Affine maps.
    pub depth: usize,
    /// Units per layer: the input width, then each affine map's outputs.
    pub widths: Vec<usize>,
    /// Nonzero weights and biases.
    pub nonzero_params: usize,
    /// S_i, the first layer's scale per coordinate.
    pub scales: Vec<u128>,
    /// One entry per target line, in the file's order.
    pub points: Vec<PointReport>,
    /// Points of the domain checked after building (accepted and kept rejected points).
    pub verified: usize,
}

impl Report {
    /// Number of accepted points.
    pub fn accepted(&self) -> usize {
        self.points.iter().filter(|p| p.accepted()).count()
    }

    /// Number of rejected points.
    pub fn rejected(&self) -> usize {
        self.points.len() - self.accepted()
    }
}

fn bits(fmt: &Format, v: u128) -> Value {
    Value::String(format_bits(fmt, v))
}

fn list(fmt: &Format, values: &[u128]) -> Value {
    Value::Array(values.iter().map(|&v| bits(fmt, v)).collect())
}

/// A vector of the report: its one value with one input, else the list.
fn vector(fmt: &Format, values: &[u128]) -> Value {
    match values {
        [v] => bits(fmt, *v),
        _ => list(fmt, values),
    }
}

/// Each reason with the number of points that carry it, in order of first appearance.
fn rejections(report: &Report) -> Value {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for p in &report.points {
        let Status::Rejected(reasons) = &p.status else { continue };
        for r in reasons {
            match counts.iter_mut().find(|(name, _)| *name == r.name()) {
                Some(entry) => entry.1 += 1,
                None => counts.push((r.name(), 1)),
            }
        }
    }
    counts.iter().map(|(name, n)| json!({"reason": name, "points": n})).collect()
}

fn chain_json(fmt: &Format, c: &GradientChain) -> Value {
    let mut obj = json!({
        "side": match c.side { Side::Up => "up", Side::Down => "down" },
        "delta": bits(fmt, c.delta),
        "a": bits(fmt, c.a),
        "multipliers": list(fmt, &c.multipliers),
        "biases": list(fmt, &c.biases),
        "V": bits(fmt, c.value),
        "L_shadow": bits(fmt, c.shadow),
        "chain": list(fmt, &c.products),
    });
    match c.gate {
        Gate::Input(e) => obj["E"] = bits(fmt, e),
        Gate::Distance(m) => {
            obj["input"] = json!(c.input);
            obj["M"] = bits(fmt, m);
        }
    }
    obj
}

fn point_json(fmt: &Format, inputs: usize, index: usize, p: &PointReport) -> Value {
    let mut obj = json!({
        "line": index + 1,
        "x": vector(fmt, &p.target.x),
        "y": bits(fmt, p.target.y),
        "g": vector(fmt, &p.target.g),
    });
    if let Some(d) = p.phi {
        obj["phi_prime"] = bits(fmt, d);
    }
    match &p.status {
        Status::Rejected(reasons) => {
            obj["status"] = json!("rejected");
            obj["reasons"] = Value::Array(reasons.iter().map(|r| json!(r.name())).collect());
        }
        Status::Accepted { indicator, value, chains } => {
            obj["status"] = json!("accepted");
            if let Some(ind) = indicator {
                obj["indicator"] = json!({"c": bits(fmt, ind.c), "A": bits(fmt, ind.amp), "K": bits(fmt, ind.k), "B": bits(fmt, ind.b)});
            }
            if let Some(v) = value {
                obj["value_block"] = json!({"L": bits(fmt, v.l), "out": bits(fmt, v.out)});
            }
            let chains = chains.iter().map(|c| chain_json(fmt, c));
            if inputs == 1 {
                if let Some(block) = chains.into_iter().next() {
                    obj["gradient_block"] = block;
                }
            } else {
                obj["gradient_chains"] = Value::Array(chains.collect());
            }
        }
    }
    obj
}

/// The report as a JSON document: the network's shape, then one object per target line with
/// its status, its reasons or its blocks' parameters and the multiplier chains (the backward
/// products from phi'(y*) to g*_i).
pub fn to_json(report: &Report) -> String {
    let fmt = &report.format;
    let mut doc = json!({ "format": fmt.name() });
    if report.inputs == 1 {
        doc["depth"] = json!(report.depth);
        doc["widths"] = json!(report.widths);
        doc["nonzero_params"] = json!(report.nonzero_params);
        doc["scale"] = vector(fmt, &report.scales);
    } else {
        doc["inputs"] = json!(report.inputs);
        doc["depth"] = json!(report.depth);
        doc["widths"] = json!(report.widths);
        doc["nonzero_params"] = json!(report.nonzero_params);
        doc["scales"] = list(fmt, &report.scales);
    }
    doc["points"] = json!(report.points.len());
    doc["accepted"] = json!(report.accepted());
    doc["rejected"] = json!(report.rejected());
    doc["verified"] = json!(report.verified);
    doc["rejections"] = rejections(report);
    doc["targets"] = report
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| point_json(fmt, report.inputs, i, p))
        .collect();
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A few lines for a terminal: the shape, the counts, and each rejected line with its reasons.
pub fn summary(report: &Report) -> String {
    let fmt = &report.format;
    let widths: Vec<String> = report.widths.iter().map(|w| w.to_string()).collect();
    let inputs =
        if report.inputs == 1 { String::new() } else { format!("{} inputs, ", report.inputs) };
    let mut s = format!(
        "{fmt}: {inputs}depth {}, widths {}, {} nonzero parameters\n{} accepted, {} rejected, {} domain points checked\n",
        report.depth,
        widths.join("-"),
        report.nonzero_params,
        report.accepted(),
        report.rejected(),
        report.verified
    );
    for (i, p) in report.points.iter().enumerate() {
        if let Status::Rejected(reasons) = &p.status {
            let names: Vec<&str> = reasons.iter().map(|r| r.name()).collect();
            let x: Vec<String> = p.target.x.iter().map(|&v| format_bits(fmt, v)).collect();
            s.push_str(&format!(
                "line {}: x = {} rejected: {}\n",
                i + 1,
                x.join(" "),
                names.join(", ")
            ));
        }
    }
    s
}
