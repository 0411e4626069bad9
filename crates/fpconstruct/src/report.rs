//! The construction's report as JSON and as a short text summary. Values are hex bit patterns
//! of the format, as in the target files.

use fpcore::text::bits::format_bits;
use fpcore::Format;
use serde_json::{json, Value};

use crate::{PointReport, Report, Side, Status};

fn bits(fmt: &Format, v: u128) -> Value {
    Value::String(format_bits(fmt, v))
}

fn list(fmt: &Format, values: &[u128]) -> Value {
    Value::Array(values.iter().map(|&v| bits(fmt, v)).collect())
}

/// Each reason with the number of points that carry it, in order of first appearance.
fn rejections<'a>(rejected: impl Iterator<Item = &'a [crate::Reason]>) -> Value {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for r in rejected.flatten() {
        match counts.iter_mut().find(|(name, _)| *name == r.name()) {
            Some(entry) => entry.1 += 1,
            None => counts.push((r.name(), 1)),
        }
    }
    counts.iter().map(|(name, n)| json!({"reason": name, "points": n})).collect()
}

fn point_json(fmt: &Format, index: usize, p: &PointReport) -> Value {
    let mut obj = json!({
        "line": index + 1,
        "x": bits(fmt, p.target.x),
        "y": bits(fmt, p.target.y),
        "g": bits(fmt, p.target.g),
    });
    if let Some(d) = p.phi {
        obj["phi_prime"] = bits(fmt, d);
    }
    match &p.status {
        Status::Rejected(reasons) => {
            obj["status"] = json!("rejected");
            obj["reasons"] = Value::Array(reasons.iter().map(|r| json!(r.name())).collect());
        }
        Status::Accepted { indicator, value, gradient } => {
            obj["status"] = json!("accepted");
            if let Some(ind) = indicator {
                obj["indicator"] = json!({"c": bits(fmt, ind.c), "A": bits(fmt, ind.amp), "K": bits(fmt, ind.k), "B": bits(fmt, ind.b)});
            }
            if let Some(v) = value {
                obj["value_block"] = json!({"L": bits(fmt, v.l), "out": bits(fmt, v.out)});
            }
            if let Some(g) = gradient {
                let mut block = gradient_json(fmt, g);
                block["E"] = bits(fmt, g.gate);
                obj["gradient_block"] = block;
            }
        }
    }
    obj
}

/// The report as a JSON document: the network's shape, then one object per target line with
/// its status, its reasons or its blocks' parameters and the multiplier chain (the backward
/// products from phi'(y*) to g*).
pub fn to_json(report: &Report) -> String {
    let fmt = &report.format;
    let reasons = rejections(report.points.iter().filter_map(|p| match &p.status {
        Status::Rejected(rs) => Some(rs.as_slice()),
        Status::Accepted { .. } => None,
    }));
    let doc = json!({
        "format": fmt.name(),
        "depth": report.depth,
        "widths": report.widths,
        "nonzero_params": report.nonzero_params,
        "scale": bits(fmt, report.scale),
        "points": report.points.len(),
        "accepted": report.accepted(),
        "rejected": report.rejected(),
        "verified": report.verified,
        "rejections": reasons,
        "targets": report.points.iter().enumerate().map(|(i, p)| point_json(fmt, i, p)).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A few lines for a terminal: the shape, the counts, and each rejected line with its reasons.
pub fn summary(report: &Report) -> String {
    let fmt = &report.format;
    let widths: Vec<String> = report.widths.iter().map(|w| w.to_string()).collect();
    let mut s = format!(
        "{fmt}: depth {}, widths {}, {} nonzero parameters\n{} accepted, {} rejected, {} domain points checked\n",
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
            s.push_str(&format!(
                "line {}: x = {} rejected: {}\n",
                i + 1,
                format_bits(fmt, p.target.x),
                names.join(", ")
            ));
        }
    }
    s
}

fn gradient_json(fmt: &Format, g: &crate::GradientBlock) -> Value {
    json!({
        "side": match g.side { Side::Up => "up", Side::Down => "down" },
        "delta": bits(fmt, g.delta),
        "a": bits(fmt, g.a),
        "multipliers": list(fmt, &g.multipliers),
        "biases": list(fmt, &g.biases),
        "V": bits(fmt, g.value),
        "L_shadow": bits(fmt, g.shadow),
        "chain": list(fmt, &g.products),
    })
}

/// The report of a d-dimensional construction as JSON (as [`to_json`], with vectors for x
/// and g*, one gradient chain per coordinate and its distance gate M).
pub fn to_json_nd(report: &crate::nd::ReportNd) -> String {
    use crate::nd::StatusNd;
    let fmt = &report.format;
    let mut targets = Vec::with_capacity(report.points.len());
    for (i, p) in report.points.iter().enumerate() {
        let mut obj = json!({
            "line": i + 1,
            "x": list(fmt, &p.target.x),
            "y": bits(fmt, p.target.y),
            "g": list(fmt, &p.target.g),
        });
        if let Some(d) = p.phi {
            obj["phi_prime"] = bits(fmt, d);
        }
        match &p.status {
            StatusNd::Rejected(rs) => {
                obj["status"] = json!("rejected");
                obj["reasons"] = Value::Array(rs.iter().map(|r| json!(r.name())).collect());
            }
            StatusNd::Accepted { indicator, value, chains } => {
                obj["status"] = json!("accepted");
                if let Some(ind) = indicator {
                    obj["indicator"] = json!({"c": bits(fmt, ind.c), "A": bits(fmt, ind.amp), "K": bits(fmt, ind.k), "B": bits(fmt, ind.b)});
                }
                if let Some(v) = value {
                    obj["value_block"] = json!({"L": bits(fmt, v.l), "out": bits(fmt, v.out)});
                }
                obj["gradient_chains"] = Value::Array(
                    chains
                        .iter()
                        .map(|c| {
                            let mut g = gradient_json(fmt, &c.block);
                            g["input"] = json!(c.input);
                            g["M"] = bits(fmt, c.gate);
                            g
                        })
                        .collect(),
                );
            }
        }
        targets.push(obj);
    }
    let doc = json!({
        "format": fmt.name(),
        "inputs": report.inputs,
        "depth": report.depth,
        "widths": report.widths,
        "nonzero_params": report.nonzero_params,
        "scales": list(fmt, &report.scales),
        "points": report.points.len(),
        "accepted": report.accepted(),
        "rejected": report.points.len() - report.accepted(),
        "verified": report.verified,
        "rejections": rejections(report.points.iter().filter_map(|p| match &p.status {
            StatusNd::Rejected(rs) => Some(rs.as_slice()),
            StatusNd::Accepted { .. } => None,
        })),
        "targets": targets,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
