//! `fpx plot`: pictures of a one-input network (its values and AD gradients over every input
//! of its format, with the exact-arithmetic function and derivative beside them, breakpoints
//! marked) and of a training log (loss and distance per format and step), as SVG or PNG.
//!
//! The numbers are converted to host `f64` only to place them in the picture; nothing plotted
//! is computed in host floating point. SVG pictures carry their text; PNG pictures are drawn
//! without text (axes, ticks and curves only), because rasterizing text needs a font library
//! this project does not depend on.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use fpad::{Ad, BatchOptions, Loss, OutputGradient};
use fpcore::{Env, Format};
use fpnet::{Graph, Interpreter, NodeId};
use fporacle::protocol::Notation;
use num_traits::ToPrimitive;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::args::{parse_range, EnvArgs, NetArgs};
use crate::cmd::net::pieces::{exact_pieces, Pieces};

/// Picture size in pixels.
const SIZE: (u32, u32) = (960, 720);

/// Most inputs plotted.
const MAX_POINTS: u128 = 1 << 20;

/// Most breakpoints marked.
const MAX_MARKS: usize = 256;

/// Options of `fpx plot`.
#[derive(Args)]
pub struct PlotArgs {
    /// A one-input network: its values and AD gradients (`sum` loss) over its inputs.
    #[arg(long, conflicts_with = "log")]
    pub net: Option<PathBuf>,
    /// A training log of `fpx train --log`: loss and distance per format and step.
    #[arg(long, value_name = "LOG.jsonl", required_unless_present = "net")]
    pub log: Option<PathBuf>,
    /// The picture: FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// With --net: only the inputs x with LO <= x <= HI (exact values of the input format).
    #[arg(long, value_name = "LO,HI", requires = "net", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// The environment.
    #[command(flatten)]
    pub env: EnvArgs,
}

/// One curve: a name and its points.
struct Curve {
    name: String,
    points: Vec<(f64, f64)>,
    /// Drawn as dots (floating-point results) rather than a line (exact values).
    dots: bool,
}

/// A panel: a title, an x label and its curves, with vertical marks.
struct Panel {
    title: String,
    x_label: String,
    curves: Vec<Curve>,
    marks: Vec<f64>,
}

/// An encoding's value as a host double, for placing it in a picture.
fn to_f64(fmt: &Format, bits: u128) -> f64 {
    let b = fpcore::convert(&Env::default(), fmt, &Format::BINARY64, bits).value;
    f64::from_bits(u64::try_from(b).expect("64-bit encoding"))
}

/// Whether a host double can be placed.
fn finite(v: f64) -> bool {
    v.is_finite()
}

/// The inputs of the plot: every finite input of the format, or those in --range, in
/// increasing order.
fn inputs(args: &PlotArgs, env: &Env, fmt: &Format) -> Result<Vec<u128>> {
    let (lo, hi) = match &args.range {
        Some(text) => {
            let (lo, hi) = parse_range(env, fmt, text, Notation::Text)?;
            (Some(to_f64(fmt, lo)), Some(to_f64(fmt, hi)))
        }
        None => (None, None),
    };
    if fmt.bits() > 20 && args.range.is_none() {
        bail!("{fmt} has too many inputs to plot them all; choose some with --range LO,HI");
    }
    let mut xs: Vec<(f64, u128)> = Vec::new();
    if fmt.bits() <= 20 {
        for v in 0..=fmt.mask() {
            let u = fmt.unpack(v);
            if u.is_nan() || u.is_inf() || (u.is_zero() && u.sign) {
                continue;
            }
            xs.push((to_f64(fmt, v), v));
        }
    } else {
        // Walk from LO up to HI, one encoding at a time.
        let env = Env::default();
        let (lo_b, hi_b) =
            parse_range(&env, fmt, args.range.as_deref().expect("checked"), Notation::Text)?;
        let mut v = lo_b;
        let mut count = 0u128;
        loop {
            // The walk meets -0 and then skips +0 (next_up(-0) is the smallest subnormal).
            xs.push((to_f64(fmt, v), v));
            count += 1;
            if count > MAX_POINTS {
                bail!("--range holds more than {MAX_POINTS} inputs; narrow it");
            }
            if fpcore::compare(fmt, v, hi_b).value != fpcore::Ordering::Less {
                break;
            }
            v = fpcore::next_up(&env, fmt, v).value;
        }
    }
    xs.retain(|(x, _)| lo.is_none_or(|l| *x >= l) && hi.is_none_or(|h| *x <= h));
    xs.sort_by(|a, b| a.0.total_cmp(&b.0));
    if xs.is_empty() {
        bail!("no input to plot");
    }
    Ok(xs.into_iter().map(|(_, v)| v).collect())
}

/// The panels of a network plot.
fn net_panels(graph: &Graph, env: &Env, xs: &[u128]) -> Result<Vec<Panel>> {
    let in_fmt = graph.node(NodeId(0)).format;
    let out_fmt = *graph.output_format();
    let batch = Interpreter::new(graph, *env).eval_batch(xs)?;
    let grads = Ad::new(graph, *env).batch(
        xs,
        &OutputGradient::Loss(Loss::Sum),
        None,
        None,
        BatchOptions::default(),
    )?;
    let hx: Vec<f64> = xs.iter().map(|&x| to_f64(&in_fmt, x)).collect();
    let (lo, hi) = (hx[0], hx[hx.len() - 1]);
    let width = graph.output_width();
    let mut value_curves = Vec::new();
    for i in 0..width {
        let points = (0..xs.len())
            .map(|k| (hx[k], to_f64(&out_fmt, batch.output(k)[i])))
            .filter(|p| finite(p.1))
            .collect();
        value_curves.push(Curve { name: format!("y{} in {out_fmt}", i + 1), points, dots: true });
    }
    let points = (0..xs.len())
        .map(|k| (hx[k], to_f64(&in_fmt, grads.input_gradient(k)[0])))
        .filter(|p| finite(p.1))
        .collect();
    let mut grad_curves =
        vec![Curve { name: format!("AD gradient in {in_fmt}"), points, dots: true }];
    let mut marks = Vec::new();
    // The exact function where the network is piecewise affine.
    if let Ok(p) = exact_pieces(graph) {
        let (values, derivative) = exact_curves(&p, lo, hi, width);
        for (i, points) in values.into_iter().enumerate() {
            value_curves.push(Curve { name: format!("y{} exact", i + 1), points, dots: false });
        }
        grad_curves.push(Curve {
            name: "exact derivative".to_string(),
            points: derivative,
            dots: false,
        });
        marks = p.cuts.iter().filter_map(|c| c.to_f64()).filter(|c| *c >= lo && *c <= hi).collect();
        if marks.len() > MAX_MARKS {
            marks.clear();
        }
    } else {
        // Otherwise the network in binary128, every parameter converted exactly.
        let wide = fpad::train::in_format(env, graph, Format::BINARY128)?;
        let wx: Vec<u128> = xs
            .iter()
            .map(|&x| fpcore::convert(env, &in_fmt, &Format::BINARY128, x).value)
            .collect();
        let wb = Interpreter::new(&wide, *env).eval_batch(&wx)?;
        let wg = Ad::new(&wide, *env).batch(
            &wx,
            &OutputGradient::Loss(Loss::Sum),
            None,
            None,
            BatchOptions::default(),
        )?;
        let f128 = Format::BINARY128;
        for i in 0..width {
            let points = (0..xs.len())
                .map(|k| (hx[k], to_f64(&f128, wb.output(k)[i])))
                .filter(|p| finite(p.1))
                .collect();
            value_curves.push(Curve {
                name: format!("y{} in binary128", i + 1),
                points,
                dots: false,
            });
        }
        let points = (0..xs.len())
            .map(|k| (hx[k], to_f64(&f128, wg.input_gradient(k)[0])))
            .filter(|p| finite(p.1))
            .collect();
        grad_curves.push(Curve {
            name: "AD gradient in binary128".to_string(),
            points,
            dots: false,
        });
    }
    Ok(vec![
        Panel {
            title: "values".to_string(),
            x_label: "x".to_string(),
            curves: value_curves,
            marks: marks.clone(),
        },
        Panel {
            title: "gradients (sum of the outputs)".to_string(),
            x_label: "x".to_string(),
            curves: grad_curves,
            marks,
        },
    ])
}

/// Points of a polyline.
type Polyline = Vec<(f64, f64)>;

/// The exact function's entries and the derivative of their sum on [lo, hi], as polylines
/// through the breakpoints.
fn exact_curves(p: &Pieces, lo: f64, hi: f64, width: usize) -> (Vec<Polyline>, Polyline) {
    let mut values = vec![Vec::new(); width];
    let mut derivative = Vec::new();
    for (k, map) in p.maps.iter().enumerate() {
        let a = k.checked_sub(1).and_then(|i| p.cuts[i].to_f64()).map_or(lo, |v| v.max(lo));
        let b = p.cuts.get(k).and_then(|c| c.to_f64()).map_or(hi, |v| v.min(hi));
        if a > b {
            continue;
        }
        let mut slope_sum = 0.0;
        for (i, (s, c)) in map.iter().enumerate() {
            let (s, c) = (s.to_f64().unwrap_or(f64::NAN), c.to_f64().unwrap_or(f64::NAN));
            values[i].push((a, s * a + c));
            values[i].push((b, s * b + c));
            slope_sum += s;
        }
        derivative.push((a, slope_sum));
        derivative.push((b, slope_sum));
    }
    (values, derivative)
}

/// The panels of a training-log plot.
fn log_panels(path: &Path) -> Result<Vec<Panel>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--log: cannot read {}", path.display()))?;
    let mut names: Vec<String> = Vec::new();
    let mut loss: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut dist: Vec<Vec<(f64, f64)>> = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), k + 1);
        let v: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
        let step = v["step"].as_u64().ok_or_else(|| anyhow!("{}: no \"step\" number", at()))?;
        let name = v["format"].as_str().ok_or_else(|| anyhow!("{}: no \"format\" string", at()))?;
        let idx = match names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                names.push(name.to_string());
                loss.push(Vec::new());
                dist.push(Vec::new());
                names.len() - 1
            }
        };
        let step = step.to_f64().unwrap_or(f64::NAN);
        // Non-finite values are logged as strings and left out of the picture.
        if let Some(l) = v["loss"].as_f64() {
            loss[idx].push((step, l));
        }
        if let Some(d) = v["distance"].as_f64() {
            dist[idx].push((step, d));
        }
    }
    if names.is_empty() {
        bail!("--log: {} holds no record", path.display());
    }
    let curves = |series: Vec<Vec<(f64, f64)>>| -> Vec<Curve> {
        names
            .iter()
            .zip(series)
            .map(|(n, points)| Curve { name: n.clone(), points, dots: false })
            .collect()
    };
    Ok(vec![
        Panel {
            title: "loss".to_string(),
            x_label: "step".to_string(),
            curves: curves(loss),
            marks: vec![],
        },
        Panel {
            title: "distance from the reference run".to_string(),
            x_label: "step".to_string(),
            curves: curves(dist),
            marks: vec![],
        },
    ])
}

/// The colour of curve k.
fn colour(k: usize) -> RGBColor {
    const COLOURS: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(23, 190, 207),
    ];
    COLOURS[k % COLOURS.len()]
}

/// The range of a list of coordinates, widened when empty or flat.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    if lo == hi {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Draws the panels one above the other; `text` draws titles, labels and legends.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    text: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let areas = root.split_evenly((panels.len(), 1));
    for (area, panel) in areas.iter().zip(panels) {
        let (x0, x1) = span(panel.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)));
        let (y0, y1) = span(panel.curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)));
        let mut builder = ChartBuilder::on(area);
        builder.margin(12);
        if text {
            builder
                .caption(&panel.title, ("sans-serif", 20))
                .x_label_area_size(36)
                .y_label_area_size(72);
        }
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        let mut mesh = chart.configure_mesh();
        if text {
            mesh.x_desc(panel.x_label.as_str());
        } else {
            mesh.disable_x_mesh().disable_y_mesh().x_labels(0).y_labels(0);
        }
        mesh.draw().map_err(err)?;
        for &m in &panel.marks {
            chart
                .draw_series(LineSeries::new([(m, y0), (m, y1)], RGBColor(200, 200, 200)))
                .map_err(err)?;
        }
        for (k, curve) in panel.curves.iter().enumerate() {
            let c = colour(k);
            let series = if curve.dots {
                chart.draw_series(curve.points.iter().map(|&p| Circle::new(p, 2, c.filled())))
            } else {
                chart.draw_series(LineSeries::new(curve.points.iter().copied(), c.stroke_width(2)))
            }
            .map_err(err)?;
            if text {
                series.label(curve.name.as_str()).legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], c.stroke_width(2))
                });
            }
        }
        if text {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Writes the panels to `out` as SVG or PNG (by its extension).
fn write_picture(out: &Path, panels: &[Panel]) -> Result<()> {
    let ext = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("svg") => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
                draw(&root, panels, true)?;
            }
            std::fs::write(out, svg)
                .with_context(|| format!("--out: cannot write {}", out.display()))
        }
        Some("png") => {
            let mut buf = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
                draw(&root, panels, false)?;
            }
            let file = std::fs::File::create(out)
                .with_context(|| format!("--out: cannot write {}", out.display()))?;
            let mut enc = png::Encoder::new(std::io::BufWriter::new(file), SIZE.0, SIZE.1);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().context("--out: PNG")?;
            writer.write_image_data(&buf).context("--out: PNG")?;
            writer.finish().context("--out: PNG")?;
            Ok(())
        }
        _ => bail!("--out: {} should end in .svg or .png", out.display()),
    }
}

/// Runs `fpx plot`.
pub fn run(args: &PlotArgs) -> Result<ExitCode> {
    let env = args.env.env();
    let panels = match (&args.net, &args.log) {
        (Some(net), _) => {
            let net_args = NetArgs { net: net.clone(), strict: false, limits: default_limits() };
            let graph = net_args.load(env)?.graph;
            if graph.input_width() != 1 {
                bail!(
                    "--net: plot needs a network of one input value; this one takes {}",
                    graph.input_width()
                );
            }
            let xs = inputs(args, &env, &graph.node(NodeId(0)).format)?;
            net_panels(&graph, &env, &xs)?
        }
        (None, Some(log)) => log_panels(log)?,
        (None, None) => bail!("give --net NET.json or --log LOG.jsonl"),
    };
    write_picture(&args.out, &panels)?;
    Ok(ExitCode::SUCCESS)
}

/// The default limits on a network file.
fn default_limits() -> crate::args::NetLimitArgs {
    use fpnet::limits::{MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_NODES, MAX_PARAMS};
    crate::args::NetLimitArgs {
        max_file_bytes: MAX_FILE_BYTES,
        max_nodes: MAX_NODES,
        max_params: MAX_PARAMS,
        max_json_depth: MAX_JSON_DEPTH,
    }
}
