//! `fpx net pieces`: the affine pieces of the real function that a one-input ReLU network's
//! stored weights define, in exact rational arithmetic (no rounding), and with `--float` the
//! pieces of the floating-point network over every finite input of its input format.
//!
//! The exact function is computed node by node as a piecewise-affine map of x: an input is
//! x itself, an affine node combines its operand's pieces with the exact values of its weights
//! and biases (the accumulation order does not matter without rounding, nor do conversions
//! between formats), a sum or concatenation refines its operands to their common breakpoints,
//! and a ReLU cuts each piece where an entry crosses 0. Adjacent pieces with equal slopes and
//! intercepts are merged, so that the pieces printed are the maximal intervals of the real line
//! on which the network's function is affine.
//!
//! The floating-point pieces are the maximal runs of consecutive finite inputs whose points
//! (x, f(x)) lie exactly on one line, taken greedily from the lowest input (a point whose output
//! is not finite ends a run and belongs to none).

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use fpad::{Ad, BatchOptions, Loss, OutputGradient};
use fpcore::{Env, Format};
use fpnet::graph::Op;
use fpnet::{Activation, Graph, Interpreter, NodeId};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use crate::args::{EnvArgs, NetArgs};

/// Most breakpoints a node may have.
const MAX_CUTS: usize = 1 << 22;

/// Most encodings of an input format that `--float` enumerates (formats of up to 20 bits).
const MAX_FLOAT_BITS: u32 = 20;

/// Most floating-point pieces listed one per line (all are counted).
const MAX_FLOAT_LINES: usize = 64;

/// Options of `fpx net pieces`.
#[derive(Args)]
pub struct PiecesArgs {
    /// The network and how it is read.
    #[command(flatten)]
    pub net: NetArgs,
    /// Also the pieces of the floating-point network over every finite input of its format,
    /// and the inputs where its values and AD gradients differ from the exact function's.
    #[arg(long)]
    pub float: bool,
    /// The environment (for reading literals and the floating-point evaluation).
    #[command(flatten)]
    pub env: EnvArgs,
}

type Q = BigRational;

/// A piecewise-affine map of x into R^width: `cuts` strictly increasing, piece k on
/// `[cuts[k-1], cuts[k]]` (unbounded at the ends), each a (slope, intercept) per entry.
#[derive(Clone, Debug)]
pub struct Pieces {
    /// The breakpoints, strictly increasing.
    pub cuts: Vec<Q>,
    /// One per interval (`cuts.len() + 1`): per entry, (slope, intercept).
    pub maps: Vec<Vec<(Q, Q)>>,
}

impl Pieces {
    /// x itself.
    fn identity() -> Pieces {
        Pieces { cuts: Vec::new(), maps: vec![vec![(Q::one(), Q::zero())]] }
    }

    /// The same map on a finer partition `cuts` (a superset of `self.cuts`, sorted).
    fn refine(&self, cuts: &[Q]) -> Pieces {
        let mut maps = Vec::with_capacity(cuts.len() + 1);
        let mut old = 0;
        for k in 0..=cuts.len() {
            // Interval k ends at cuts[k]; the old piece containing it is the first whose end
            // is at or after it.
            if let Some(end) = cuts.get(k) {
                while old < self.cuts.len() && self.cuts[old] < *end {
                    old += 1;
                }
            } else {
                old = self.cuts.len();
            }
            maps.push(self.maps[old].clone());
        }
        Pieces { cuts: cuts.to_vec(), maps }
    }

    /// A point strictly inside interval k.
    fn inner_point(&self, k: usize) -> Q {
        let lo = k.checked_sub(1).map(|i| &self.cuts[i]);
        match (lo, self.cuts.get(k)) {
            (Some(a), Some(b)) => (a + b) / Q::from_integer(BigInt::from(2)),
            (Some(a), None) => a + Q::one(),
            (None, Some(b)) => b - Q::one(),
            (None, None) => Q::zero(),
        }
    }

    /// Merges adjacent pieces with equal maps.
    fn merged(self) -> Pieces {
        let mut cuts = Vec::new();
        let mut maps: Vec<Vec<(Q, Q)>> = Vec::new();
        for (k, map) in self.maps.into_iter().enumerate() {
            if maps.last() != Some(&map) {
                if k > 0 {
                    cuts.push(self.cuts[k - 1].clone());
                }
                maps.push(map);
            }
        }
        Pieces { cuts, maps }
    }

    /// The piece that contains x (the left one at a breakpoint).
    pub fn piece_of(&self, x: &Q) -> usize {
        self.cuts.partition_point(|c| c < x)
    }
}

/// The sorted union of breakpoint lists.
fn union(lists: &[&[Q]]) -> Vec<Q> {
    let mut all: Vec<Q> = lists.iter().flat_map(|l| l.iter().cloned()).collect();
    all.sort();
    all.dedup();
    all
}

/// The exact value of a parameter; `what` names it in errors.
fn exact(fmt: &Format, bits: u128, what: impl Fn() -> String) -> Result<Q> {
    let u = fmt.unpack(bits);
    if u.is_nan() || u.is_inf() {
        bail!("{}: {} is not a real number", what(), fpcore::text::format_hexfloat(fmt, bits));
    }
    Ok(match fpcore::reference::exact_value(fmt, bits) {
        None => Q::zero(),
        Some((sig, e)) => {
            let two = BigInt::from(2);
            if e >= 0 {
                Q::from_integer(sig * two.pow(e.unsigned_abs()))
            } else {
                Q::new(sig, two.pow(e.unsigned_abs()))
            }
        }
    })
}

/// ReLU of every entry: each piece cut where an entry crosses 0.
fn relu(p: &Pieces) -> Result<Pieces> {
    let mut extra = Vec::new();
    for (k, map) in p.maps.iter().enumerate() {
        let lo = k.checked_sub(1).map(|i| &p.cuts[i]);
        let hi = p.cuts.get(k);
        for (a, b) in map {
            if a.is_zero() {
                continue;
            }
            let x0 = -b / a;
            if lo.is_none_or(|l| *l < x0) && hi.is_none_or(|h| x0 < *h) {
                extra.push(x0);
            }
        }
    }
    let cuts = union(&[&p.cuts, &extra]);
    if cuts.len() > MAX_CUTS {
        bail!("more than {MAX_CUTS} breakpoints");
    }
    let mut fine = p.refine(&cuts);
    for k in 0..fine.maps.len() {
        let t = fine.inner_point(k);
        for entry in &mut fine.maps[k] {
            let value = &entry.0 * &t + &entry.1;
            if !value.is_positive() {
                *entry = (Q::zero(), Q::zero());
            }
        }
    }
    Ok(fine)
}

/// The exact piecewise-affine function of a one-input ReLU network: its output node's map.
///
/// # Errors
///
/// When the network does not take exactly one input value, has an activation other than
/// ReLU, a parameter that is not a real number, or too many breakpoints.
pub fn exact_pieces(graph: &Graph) -> Result<Pieces> {
    if graph.input_width() != 1 {
        bail!(
            "net pieces needs a network of one input value; this one takes {}",
            graph.input_width()
        );
    }
    let mut nodes: Vec<Option<Pieces>> = Vec::with_capacity(graph.nodes().len());
    for (idx, node) in graph.nodes().iter().enumerate() {
        let id = NodeId(idx);
        let get = |i: NodeId| -> &Pieces { nodes[i.0].as_ref().expect("operands come first") };
        let p = match &node.op {
            Op::Input { .. } => Pieces::identity(),
            Op::Affine(a) => {
                let x = get(a.input);
                let path = graph.path_of(id);
                let w: Vec<Q> = (0..a.weights.len())
                    .map(|k| {
                        exact(&node.format, a.weights[k], || {
                            format!("{path}.affine.weights[{}][{}]", k / a.cols, k % a.cols)
                        })
                    })
                    .collect::<Result<_>>()?;
                let b: Vec<Q> = (0..a.rows)
                    .map(|i| exact(&node.format, a.bias[i], || format!("{path}.affine.bias[{i}]")))
                    .collect::<Result<_>>()?;
                let maps = x
                    .maps
                    .iter()
                    .map(|map| {
                        (0..a.rows)
                            .map(|i| {
                                let mut slope = Q::zero();
                                let mut icpt = b[i].clone();
                                for (j, (s, c)) in map.iter().enumerate() {
                                    slope += &w[i * a.cols + j] * s;
                                    icpt += &w[i * a.cols + j] * c;
                                }
                                (slope, icpt)
                            })
                            .collect()
                    })
                    .collect();
                Pieces { cuts: x.cuts.clone(), maps }
            }
            Op::Activation(a) => {
                if a.sigma.activation != Activation::Relu {
                    bail!(
                        "{}: {} is not piecewise affine; net pieces handles ReLU networks",
                        graph.path_of(id),
                        a.sigma.activation.name()
                    );
                }
                relu(get(a.input))?
            }
            Op::Add(ids) | Op::Concat(ids) => {
                let lists: Vec<&[Q]> = ids.iter().map(|i| get(*i).cuts.as_slice()).collect();
                let cuts = union(&lists);
                let parts: Vec<Pieces> = ids.iter().map(|i| get(*i).refine(&cuts)).collect();
                let maps = (0..=cuts.len())
                    .map(|k| {
                        if matches!(node.op, Op::Concat(_)) {
                            parts.iter().flat_map(|p| p.maps[k].iter().cloned()).collect()
                        } else {
                            let mut sum = parts[0].maps[k].clone();
                            for p in &parts[1..] {
                                for (s, t) in sum.iter_mut().zip(&p.maps[k]) {
                                    s.0 += &t.0;
                                    s.1 += &t.1;
                                }
                            }
                            sum
                        }
                    })
                    .collect();
                Pieces { cuts, maps }
            }
        };
        nodes.push(Some(p));
    }
    let out = nodes.swap_remove(graph.output().0).expect("the output is computed");
    Ok(out.merged())
}

/// A rational as text: `p/q`, or `p` for an integer.
fn show(q: &Q) -> String {
    if q.is_integer() {
        q.numer().to_string()
    } else {
        format!("{}/{}", q.numer(), q.denom())
    }
}

/// `a x + b` for each output entry.
fn show_map(map: &[(Q, Q)]) -> String {
    let one = map.len() == 1;
    map.iter()
        .enumerate()
        .map(|(i, (a, b))| {
            let name = if one { "y".to_string() } else { format!("y{}", i + 1) };
            if b.is_negative() {
                format!("{name} = {} x - {}", show(a), show(&-b))
            } else {
                format!("{name} = {} x + {}", show(a), show(b))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The finite inputs of a format in increasing order, -0 left out (it is +0's value).
fn finite_inputs(fmt: &Format) -> Result<Vec<u128>> {
    if fmt.bits() > MAX_FLOAT_BITS {
        bail!(
            "--float enumerates input formats of at most {MAX_FLOAT_BITS} bits; this one has {}",
            fmt.bits()
        );
    }
    let mut xs: Vec<u128> = (0..=fmt.mask())
        .filter(|&v| {
            let u = fmt.unpack(v);
            !(u.is_nan() || u.is_inf() || (u.is_zero() && u.sign))
        })
        .collect();
    xs.sort_by(|&a, &b| {
        let (qa, qb) = (exact(fmt, a, String::new), exact(fmt, b, String::new));
        qa.expect("finite").cmp(&qb.expect("finite"))
    });
    Ok(xs)
}

/// What `--float` found: the floating-point pieces and where values and gradients part from
/// the exact function.
struct FloatReport {
    inputs: usize,
    pieces: Vec<(usize, usize)>,
    value_differs: Vec<usize>,
    gradient_differs: Vec<usize>,
    gradient_checked: usize,
}

/// The floating-point network over every finite input of its input format.
fn float_pieces(graph: &Graph, env: &Env, exact_fn: &Pieces) -> Result<(Vec<u128>, FloatReport)> {
    let in_fmt = graph.node(NodeId(0)).format;
    let out_fmt = *graph.output_format();
    let xs = finite_inputs(&in_fmt)?;
    let batch = Interpreter::new(graph, *env).eval_batch(&xs)?;
    let single = graph.output_width() == 1;
    let grads = if single {
        let ad = Ad::new(graph, *env);
        Some(ad.batch(
            &xs,
            &OutputGradient::Loss(Loss::Sum),
            None,
            None,
            BatchOptions::default(),
        )?)
    } else {
        None
    };
    let qx: Vec<Q> = xs.iter().map(|&x| exact(&in_fmt, x, String::new)).collect::<Result<_>>()?;
    let finite = |k: usize| {
        batch.output(k).iter().all(|&v| {
            let u = out_fmt.unpack(v);
            !u.is_nan() && !u.is_inf()
        })
    };
    let qy = |k: usize| -> Vec<Q> {
        batch.output(k).iter().map(|&v| exact(&out_fmt, v, String::new).expect("finite")).collect()
    };
    let mut report = FloatReport {
        inputs: xs.len(),
        pieces: Vec::new(),
        value_differs: Vec::new(),
        gradient_differs: Vec::new(),
        gradient_checked: 0,
    };
    // Greedy runs of collinear points.
    let mut k = 0;
    while k < xs.len() {
        if !finite(k) {
            k += 1;
            continue;
        }
        let start = k;
        let y0 = qy(k);
        let mut slope: Option<Vec<Q>> = None;
        k += 1;
        while k < xs.len() && finite(k) {
            let y = qy(k);
            let dx = &qx[k] - &qx[start];
            let s: Vec<Q> = y.iter().zip(&y0).map(|(a, b)| (a - b) / &dx).collect();
            match &slope {
                None => slope = Some(s),
                Some(line) if *line == s => {}
                Some(_) => break,
            }
            k += 1;
        }
        report.pieces.push((start, k - 1));
    }
    for (k, x) in qx.iter().enumerate() {
        let piece = exact_fn.piece_of(x);
        let map = &exact_fn.maps[piece];
        let exact_y: Vec<Q> = map.iter().map(|(a, b)| a * x + b).collect();
        if !finite(k) || qy(k) != exact_y {
            report.value_differs.push(k);
        }
        let at_cut = exact_fn.cuts.get(piece).is_some_and(|c| c == x);
        if let (Some(g), false) = (&grads, at_cut) {
            report.gradient_checked += 1;
            let gv = g.input_gradient(k)[0];
            let derivative = &map[0].0;
            let ok = exact(&in_fmt, gv, String::new).is_ok_and(|q| q == *derivative);
            if !ok {
                report.gradient_differs.push(k);
            }
        }
    }
    Ok((xs, report))
}

/// Runs `fpx net pieces`.
pub fn run(args: &PiecesArgs) -> Result<ExitCode> {
    let env = args.env.env();
    let graph = args.net.load(env)?.graph;
    let pieces = exact_pieces(&graph)?;
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "exact pieces of the real function the stored weights define:")?;
    let n = pieces.maps.len();
    for (k, map) in pieces.maps.iter().enumerate() {
        let lo = k.checked_sub(1).map_or("-inf".to_string(), |i| show(&pieces.cuts[i]));
        let hi = pieces.cuts.get(k).map_or("+inf".to_string(), show);
        writeln!(out, "  [{lo}, {hi}]: {}", show_map(map))?;
    }
    if args.float {
        let in_fmt = graph.node(NodeId(0)).format;
        let (xs, r) = float_pieces(&graph, &env, &pieces)?;
        let show_x = |k: usize| fpcore::text::format_exact_decimal(&in_fmt, xs[k]);
        let mut s = String::new();
        let _ =
            writeln!(s, "floating-point pieces over the {} finite inputs of {in_fmt}:", r.inputs);
        for &(a, b) in r.pieces.iter().take(MAX_FLOAT_LINES) {
            let _ = writeln!(s, "  [{}, {}]: {} inputs", show_x(a), show_x(b), b - a + 1);
        }
        if r.pieces.len() > MAX_FLOAT_LINES {
            let _ = writeln!(s, "  ... {} more", r.pieces.len() - MAX_FLOAT_LINES);
        }
        let _ = writeln!(s, "float pieces: {}", r.pieces.len());
        let first = |v: &[usize]| {
            v.first().map_or(String::new(), |&k| format!(" (first at x = {})", show_x(k)))
        };
        let _ = writeln!(
            s,
            "values differ from the exact function at {} of {} inputs{}",
            r.value_differs.len(),
            r.inputs,
            first(&r.value_differs)
        );
        if graph.output_width() == 1 {
            let _ = writeln!(
                s,
                "AD gradients differ from the exact derivative at {} of {} inputs off the breakpoints{}",
                r.gradient_differs.len(),
                r.gradient_checked,
                first(&r.gradient_differs)
            );
        }
        out.write_all(s.as_bytes())?;
    }
    writeln!(out, "pieces: {n}")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
