//! `fpx demo`: two shipped networks that compute the same function but whose AD gradients
//! differ, then two networks built by fpconstruct with given values and gradients.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use fpad::{Ad, BatchOptions, Loss, OutputGradient};
use fpcore::text::format_exact_decimal;
use fpcore::{Env, Format};
use fpnet::graph::{Node, Op};
use fpnet::{Graph, LoadOptions};

/// The demo's closing lines: commands to try next.
const TRY: &str = concat!(
    "Try: echo 38 | fpx net grad --net examples/nets/ad_demo_two_matrices.json\n",
    "     fpx construct --format bf16 --targets examples/construct/tanh_flip.txt --out C.json --report C.report.json\n",
    "     fpx net check --net C.json --targets examples/construct/tanh_flip.txt\n",
    "     fpx net check --net examples/nets/ad_demo_one_matrix.json --against examples/nets/ad_demo_two_matrices.json --all-inputs\n",
);

/// The first demo network: a linear map R → R³ as one matrix.
const DEMO_ONE: &str = include_str!("../../examples/nets/ad_demo_one_matrix.json");
/// The second: the same map as the product of two matrices.
const DEMO_TWO: &str = include_str!("../../examples/nets/ad_demo_two_matrices.json");

/// A copy of `graph` in another format: every node's format, and every parameter converted
/// to it (exactly, when the format holds them).
fn in_format(env: &Env, graph: &Graph, fmt: Format) -> Result<Graph> {
    let mut nodes: Vec<Node> = graph.nodes().to_vec();
    for node in &mut nodes {
        let src = node.format;
        node.format = fmt;
        if let Op::Affine(a) = &mut node.op {
            for v in a.weights.iter_mut().chain(a.bias.iter_mut()) {
                *v = fpcore::convert(env, &src, &fmt, *v).value;
            }
        }
    }
    Ok(Graph::new(fmt, nodes, graph.output())?)
}

/// The demo's second part: two bf16 networks built by fpconstruct with the values of tanh on
/// 33 points of [-2, 2], one whose AD gradient is the true derivative with its sign flipped,
/// one whose AD gradient is zero.
fn demo_construct(s: &mut String) -> Result<()> {
    use fpconstruct::{construct, Options, Target};
    use fpcore::act::{deriv, eval, Activation, DEFAULT_KINK};
    let env = Env::default();
    let fmt = Format::BF16;
    let eighth = fpcore::text::parse_value(&env, &fmt, "0.125")?;
    let xs: Vec<u128> = (-16i64..=16)
        .map(|k| fpcore::mul(&env, &fmt, fpcore::from_i64(&env, &fmt, k).value, eighth.value).value)
        .collect();
    let phi = OutputGradient::Loss(Loss::Sum);
    let tanh = |x: u128| eval(&env, &fmt, Activation::Tanh, x).value;
    let d_tanh = |x: u128| deriv(&env, &fmt, Activation::Tanh, x, DEFAULT_KINK).value;
    let flipped: Vec<Target> =
        xs.iter().map(|&x| Target::one(x, tanh(x), fpcore::neg(&fmt, d_tanh(x)))).collect();
    let zeros: Vec<Target> = xs.iter().map(|&x| Target::one(x, tanh(x), fmt.zero(false))).collect();
    let options = Options::default();
    let c = construct(&fmt, &flipped, &phi, &options).context("the sign-flip construction")?;
    let d = construct(&fmt, &zeros, &phi, &options).context("the zero-gradient construction")?;
    let gc = Ad::new(&c.graph, env).batch(&xs, &phi, None, None, BatchOptions::default())?;
    let gd = Ad::new(&d.graph, env).batch(&xs, &phi, None, None, BatchOptions::default())?;
    let show = |v: u128| format_exact_decimal(&fmt, v);
    let n = xs.len();
    let values_ok = (0..n)
        .filter(|&k| gc.output(k)[0] == tanh(xs[k]) && gd.output(k)[0] == tanh(xs[k]))
        .count();
    let flip_ok = (0..n).filter(|&k| gc.input_gradient(k)[0] == flipped[k].g[0]).count();
    let zero_ok = (0..n).filter(|&k| gd.input_gradient(k)[0] == fmt.zero(false)).count();
    let shape = |r: &fpconstruct::Report| {
        let w: Vec<String> = r.widths.iter().map(|w| w.to_string()).collect();
        format!(
            "depth {}, widths {}, {} nonzero parameters",
            r.depth,
            w.join("-"),
            r.nonzero_params
        )
    };
    let _ = writeln!(
        s,
        "Any values, any gradients (fpx construct): two {fmt} ReLU networks C and D\n\
         with the values of tanh at x = -2, -1.875, ..., 2 (33 points), built so that\n\
         C's AD gradient is -tanh'(x) (the true derivative, sign flipped) and D's is 0."
    );
    let _ = writeln!(s, "C: {}", shape(&c.report));
    let _ = writeln!(s, "D: {}", shape(&d.report));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<8} {:<22} {:<22} {:<22} D: dx",
        "x", "C(x) = D(x) = tanh(x)", "tanh'(x)", "C: dx"
    );
    for k in (0..n).step_by(4) {
        let _ = writeln!(
            s,
            "  {:<8} {:<22} {:<22} {:<22} {}",
            show(xs[k]),
            show(gc.output(k)[0]),
            show(d_tanh(xs[k])),
            show(gc.input_gradient(k)[0]),
            show(gd.input_gradient(k)[0])
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "On all {n} points: values equal tanh(x) at {values_ok}, C's gradient is -tanh'(x) at {flip_ok}, D's is 0 at {zero_ok}."
    );
    if values_ok != n || flip_ok != n || zero_ok != n {
        bail!("the demo's constructions do not meet their targets");
    }
    Ok(())
}

/// `fpx demo`: one function, two networks, two gradients. Runs the shipped networks
/// `examples/nets/ad_demo_one_matrix.json` (y = W x) and `ad_demo_two_matrices.json`
/// (y = W2 (W1 x), with W2 W1 = W) on every input of e4m3fn, shows that their values agree bit
/// for bit, that their AD gradients of y1 + y2 + y3 do not (and why), and the same gradients
/// in binary64. The output is deterministic.
///
/// # Errors
///
/// Only if writing to standard output fails.
pub fn run() -> Result<ExitCode> {
    let env = Env::default();
    let options = LoadOptions::default();
    let one = fpnet::file::load_str(DEMO_ONE, &options).context("the shipped demo network A")?;
    let two = fpnet::file::load_str(DEMO_TWO, &options).context("the shipped demo network B")?;
    let (a, b) = (&one.graph, &two.graph);
    let fmt = *a.format();
    let (ad_a, ad_b) = (Ad::new(a, env), Ad::new(b, env));
    let phi = OutputGradient::Loss(Loss::Sum);
    let xs: Vec<u128> = (0..=fmt.mask()).collect();
    let ga = ad_a.batch(&xs, &phi, None, None, BatchOptions::default())?;
    let gb = ad_b.batch(&xs, &phi, None, None, BatchOptions::default())?;
    let show = |f: &Format, v: u128| format_exact_decimal(f, v);
    let show_all = |f: &Format, vs: &[u128]| -> String {
        vs.iter().map(|&v| show(f, v)).collect::<Vec<_>>().join(" ")
    };
    let same_values = (0..xs.len()).filter(|&k| ga.output(k) == gb.output(k)).count();
    let differ: Vec<usize> =
        (0..xs.len()).filter(|&k| ga.input_gradient(k) != gb.input_gradient(k)).collect();
    let n = xs.len();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "fpx demo: one function, two networks, two gradients\n\
         \n\
         A  examples/nets/ad_demo_one_matrix.json    y = W x        W  = [1; 1/16; 1/16]\n\
         B  examples/nets/ad_demo_two_matrices.json  y = W2 (W1 x)  W1 = [1; 1], W2 = [1 0; 0 1/16; 0 1/16]\n\
         \x20  W2 W1 = W; x and every weight, value and gradient in {fmt}, biases 0\n\
         \n\
         Values: A and B agree bit for bit on {same_values} of the {n} encodings of {fmt}.\n\
         Gradients: reverse-mode AD of y1 + y2 + y3 (output gradient 1 1 1), from the output to the input:\n"
    );
    let _ = writeln!(s, "  {:<12} {:<32} {:>6} {:>6}", "x", "y1 y2 y3 (A = B)", "A: dx", "B: dx");
    let sample = ["-448", "-1", "-0", "0", "0.001953125", "0.5", "1", "3", "448"];
    for text in sample {
        let x = fpcore::text::parse_value(&env, &fmt, text)?.value;
        let k = usize::try_from(x).context("an 8-bit encoding")?;
        let _ = writeln!(
            s,
            "  {:<12} {:<32} {:>6} {:>6}",
            show(&fmt, x),
            show_all(&fmt, ga.output(k)),
            show_all(&fmt, ga.input_gradient(k)),
            show_all(&fmt, gb.input_gradient(k))
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "The gradients differ on {} of the {n} inputs (the maps are linear: dx does not depend on x).",
        differ.len()
    );
    let _ = writeln!(s, "A: dx = ((+0 ⊕ 1⊗1) ⊕ 1⊗1/16) ⊕ 1⊗1/16: 1 ⊕ 1/16 is a tie, which goes to the even 1, twice.");
    let _ = writeln!(
        s,
        "B: u = (1 1 1) ⊗ W2 = (1, 1/16 ⊕ 1/16) = (1, 1/8), then dx = u ⊗ W1 = 1 ⊕ 1/8 = 1.125, exact."
    );
    let x_one = fpcore::text::parse_value(&env, &fmt, "1")?;
    let f64_fmt = Format::BINARY64;
    let a64 = in_format(&env, a, f64_fmt)?;
    let b64 = in_format(&env, b, f64_fmt)?;
    let x64 = fpcore::convert(&env, &fmt, &f64_fmt, x_one.value).value;
    let da = Ad::new(&a64, env).gradient(&[x64], &phi, None)?;
    let db = Ad::new(&b64, env).gradient(&[x64], &phi, None)?;
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "The same networks in binary64 (every weight exact): A: dx = {}, B: dx = {}, the real derivative.",
        show_all(&f64_fmt, &da.input_gradient),
        show_all(&f64_fmt, &db.input_gradient)
    );
    let _ = writeln!(s);
    demo_construct(&mut s)?;
    let _ = writeln!(s);
    s.push_str(TRY);
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
