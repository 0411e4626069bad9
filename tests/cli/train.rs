//! `fpx train` against an independent training loop written here over fpcore's scalar
//! operations (docs/semantics.md §5.6): every loss, several formats, batch sizes 1 and more
//! (with a shorter last batch), the log's loss, distance, absorbed count and fixed-point flag
//! recomputed from the parameters, the trained networks; and bad input.

use std::path::Path;

use fpcore::act::{deriv, eval, Activation};
use fpcore::text::{format_shortest, parse_value};
use fpcore::{Env, Format};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use crate::support::cli::{fpx, scratch, stderr, stdout, temp_file};
use crate::support::SplitMix;

/// A layer of a chain network.
#[derive(Clone, Debug)]
enum Layer {
    Affine { rows: usize, cols: usize, w: Vec<u128>, b: Vec<u128> },
    Act(Activation),
}

/// An affine layer as text: (rows, cols, weights, biases).
type AffineText = (usize, usize, Vec<String>, Vec<String>);

/// Per affine layer, (dW, db); or the samples as (inputs, targets).
type Pairs = Vec<(Vec<u128>, Vec<u128>)>;

/// A chain network in one format, as text literals (so that it can be written as a file and
/// rounded once to each format).
struct Spec {
    inputs: usize,
    /// (rows, cols, weights, biases) or an activation name.
    layers: Vec<Result<AffineText, Activation>>,
}

impl Spec {
    fn json(&self, fmt: &str) -> String {
        let layers: Vec<String> = self
            .layers
            .iter()
            .map(|l| match l {
                Ok((rows, cols, w, b)) => {
                    let rows_text: Vec<String> = (0..*rows)
                        .map(|i| {
                            let row: Vec<String> = w[i * cols..(i + 1) * cols]
                                .iter()
                                .map(|v| format!("\"{v}\""))
                                .collect();
                            format!("[{}]", row.join(", "))
                        })
                        .collect();
                    let bias: Vec<String> = b.iter().map(|v| format!("\"{v}\"")).collect();
                    format!(
                        "{{\"affine\": {{\"weights\": [{}], \"bias\": [{}]}}}}",
                        rows_text.join(", "),
                        bias.join(", ")
                    )
                }
                Err(a) => format!("{{\"activation\": \"{}\"}}", a.name()),
            })
            .collect();
        format!(
            "{{\"format\": \"{fmt}\", \"inputs\": {}, \"layers\": [{}]}}\n",
            self.inputs,
            layers.join(",\n ")
        )
    }

    fn layers(&self, env: &Env, f: &Format) -> Vec<Layer> {
        let v = |t: &String| parse_value(env, f, t).expect("literal").value;
        self.layers
            .iter()
            .map(|l| match l {
                Ok((rows, cols, w, b)) => Layer::Affine {
                    rows: *rows,
                    cols: *cols,
                    w: w.iter().map(v).collect(),
                    b: b.iter().map(v).collect(),
                },
                Err(a) => Layer::Act(*a),
            })
            .collect()
    }
}

/// The independent loop: one format, a chain network, the data as text.
struct Loop {
    env: Env,
    f: Format,
    layers: Vec<Layer>,
}

impl Loop {
    fn add(&self, a: u128, b: u128) -> u128 {
        fpcore::add(&self.env, &self.f, a, b).value
    }
    fn sub(&self, a: u128, b: u128) -> u128 {
        fpcore::sub(&self.env, &self.f, a, b).value
    }
    fn mul(&self, a: u128, b: u128) -> u128 {
        fpcore::mul(&self.env, &self.f, a, b).value
    }
    fn int(&self, k: u64) -> u128 {
        fpcore::from_u64(&self.env, &self.f, k).value
    }

    /// The inputs of every layer, and the output.
    fn forward(&self, x: &[u128]) -> Vec<Vec<u128>> {
        let mut values = vec![x.to_vec()];
        for layer in &self.layers {
            let a = values.last().expect("an input");
            let next = match layer {
                Layer::Affine { rows, cols, w, b } => (0..*rows)
                    .map(|i| {
                        let mut acc = self.f.zero(false);
                        for j in 0..*cols {
                            let t = self.mul(w[i * cols + j], a[j]);
                            acc = self.add(acc, t);
                        }
                        self.add(acc, b[i])
                    })
                    .collect(),
                Layer::Act(act) => {
                    a.iter().map(|&z| eval(&self.env, &self.f, *act, z).value).collect()
                }
            };
            values.push(next);
        }
        values
    }

    fn seed(&self, loss: &str, y: &[u128], t: &[u128]) -> Vec<u128> {
        match loss {
            "sum" => vec![self.int(1); y.len()],
            "mse" => y
                .iter()
                .zip(t)
                .map(|(&a, &b)| {
                    let d = self.sub(a, b);
                    self.mul(self.int(2), d)
                })
                .collect(),
            _ => {
                let (m, e, s) = self.softmax_parts(y);
                let _ = m;
                e.iter()
                    .zip(t)
                    .map(|(&e_i, &t_i)| {
                        let p = fpcore::div(&self.env, &self.f, e_i, s).value;
                        self.sub(p, t_i)
                    })
                    .collect()
            }
        }
    }

    /// (the shifts y_i ⊖ m, their exps, the exps' sum).
    fn softmax_parts(&self, y: &[u128]) -> (Vec<u128>, Vec<u128>, u128) {
        let mut m = y[0];
        for &v in &y[1..] {
            m = fpcore::maximum(&self.env, &self.f, m, v).value;
        }
        let s: Vec<u128> = y.iter().map(|&v| self.sub(v, m)).collect();
        let e: Vec<u128> =
            s.iter().map(|&v| fpcore::act::exp(&self.env, &self.f, v).value).collect();
        let mut sum = self.f.zero(false);
        for &v in &e {
            sum = self.add(sum, v);
        }
        (s, e, sum)
    }

    fn loss(&self, loss: &str, y: &[u128], t: &[u128]) -> u128 {
        let terms: Vec<u128> = match loss {
            "sum" => y.to_vec(),
            "mse" => y
                .iter()
                .zip(t)
                .map(|(&a, &b)| {
                    let d = self.sub(a, b);
                    self.mul(d, d)
                })
                .collect(),
            _ => {
                let (s, _, sum) = self.softmax_parts(y);
                let shifted = self.sub(sum, self.int(1));
                let l = fpcore::act::log1p(&self.env, &self.f, shifted).value;
                s.iter()
                    .zip(t)
                    .map(|(&s_i, &t_i)| {
                        let nll = self.sub(l, s_i);
                        self.mul(t_i, nll)
                    })
                    .collect()
            }
        };
        let mut acc = self.f.zero(false);
        for v in terms {
            acc = self.add(acc, v);
        }
        acc
    }

    /// Per affine layer, (dW, db) of one sample.
    fn grads(&self, loss: &str, x: &[u128], t: &[u128]) -> (Pairs, u128) {
        let values = self.forward(x);
        let y = values.last().expect("output");
        let mut g = self.seed(loss, y, t);
        let mut out = Vec::new();
        for (k, layer) in self.layers.iter().enumerate().rev() {
            let a = &values[k];
            match layer {
                Layer::Act(act) => {
                    g = g
                        .iter()
                        .zip(a)
                        .map(|(&g_j, &z)| {
                            let d = deriv(&self.env, &self.f, *act, z, self.f.zero(false)).value;
                            self.mul(g_j, d)
                        })
                        .collect();
                }
                Layer::Affine { rows, cols, w, .. } => {
                    let mut dw = Vec::new();
                    for &g_i in &g {
                        for &x_j in a {
                            dw.push(self.mul(g_i, x_j));
                        }
                    }
                    let db = g.clone();
                    g = (0..*cols)
                        .map(|j| {
                            let mut acc = self.f.zero(false);
                            for i in 0..*rows {
                                let t = self.mul(g[i], w[i * cols + j]);
                                acc = self.add(acc, t);
                            }
                            acc
                        })
                        .collect();
                    out.push((dw, db));
                }
            }
        }
        out.reverse();
        (out, self.loss(loss, y, t))
    }

    fn params(&self) -> Vec<u128> {
        let mut p = Vec::new();
        for layer in &self.layers {
            if let Layer::Affine { w, b, .. } = layer {
                p.extend_from_slice(w);
                p.extend_from_slice(b);
            }
        }
        p
    }

    /// One step on the samples `batch`: (loss, nonzero, absorbed, fixed point).
    fn step(
        &mut self,
        loss: &str,
        lr: u128,
        batch: &[(Vec<u128>, Vec<u128>)],
    ) -> (u128, usize, usize, bool) {
        let mut sum: Option<Vec<(Vec<u128>, Vec<u128>)>> = None;
        let mut total = self.f.zero(false);
        for (x, t) in batch {
            let (g, l) = self.grads(loss, x, t);
            total = self.add(total, l);
            let acc = sum.get_or_insert_with(|| {
                g.iter()
                    .map(|(w, b)| {
                        (vec![self.f.zero(false); w.len()], vec![self.f.zero(false); b.len()])
                    })
                    .collect()
            });
            for ((sw, sb), (w, b)) in acc.iter_mut().zip(&g) {
                for (s, v) in sw.iter_mut().zip(w).chain(sb.iter_mut().zip(b)) {
                    *s = fpcore::add(&self.env, &self.f, *s, *v).value;
                }
            }
        }
        let sum = sum.expect("a nonempty batch");
        let flat: Vec<u128> = sum.iter().flat_map(|(w, b)| w.iter().chain(b).copied()).collect();
        let before = self.params();
        let (env, f) = (self.env, self.f);
        let mut k = 0;
        for layer in &mut self.layers {
            if let Layer::Affine { w, b, .. } = layer {
                for v in w.iter_mut().chain(b.iter_mut()) {
                    let u = fpcore::mul(&env, &f, lr, flat[k]).value;
                    *v = fpcore::sub(&env, &f, *v, u).value;
                    k += 1;
                }
            }
        }
        let after = self.params();
        let nonzero = flat.iter().filter(|&&g| !f.unpack(g).is_zero()).count();
        let absorbed = (0..flat.len())
            .filter(|&i| !f.unpack(flat[i]).is_zero() && before[i] == after[i])
            .count();
        (total, nonzero, absorbed, nonzero > 0 && absorbed == nonzero)
    }
}

/// The exact value of an encoding (finite).
fn exact(f: &Format, v: u128) -> BigRational {
    match fpcore::reference::exact_value(f, v) {
        None => BigRational::zero(),
        Some((sig, e)) => {
            let two = BigInt::from(2);
            if e >= 0 {
                BigRational::from_integer(sig * two.pow(e as u32))
            } else {
                BigRational::new(sig, two.pow((-e) as u32))
            }
        }
    }
}

/// max |w - r| / |r| (finite values, r nonzero where w differs), exactly.
fn distance(f: &Format, w: &[u128], rf: &Format, r: &[u128]) -> BigRational {
    let mut max = BigRational::zero();
    for (&a, &b) in w.iter().zip(r) {
        let (ea, eb) = (exact(f, a), exact(rf, b));
        if ea == eb {
            continue;
        }
        assert!(!eb.is_zero(), "finite distances only in these tests");
        let d = ((ea - &eb) / eb).abs();
        if d > max {
            max = d;
        }
    }
    max
}

/// Asserts that `v` is `d` rounded to nearest binary64, ties to even: d lies between the
/// midpoints of v and its neighbours (all exact rationals).
fn assert_rounds_to(d: &BigRational, v: f64, at: &str) {
    if d.is_zero() {
        assert_eq!(v.to_bits(), 0, "{at}");
        return;
    }
    let exact_f64 = |x: f64| BigRational::from_float(x).expect("finite");
    let bits = v.to_bits();
    assert!(v > 0.0 && v.is_finite(), "{at}");
    let two = BigRational::from_integer(BigInt::from(2));
    let here = exact_f64(v);
    let below = (exact_f64(f64::from_bits(bits - 1)) + &here) / &two;
    let above = (exact_f64(f64::from_bits(bits + 1)) + &here) / &two;
    let even = bits % 2 == 0;
    assert!(&below < d || (&below == d && even), "{at}: {d} below {v}");
    assert!(d < &above || (d == &above && even), "{at}: {d} above {v}");
}

/// The raw text of a field of a log line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    let key = format!("\"{name}\":");
    let start = line.find(&key).expect("field present") + key.len();
    let rest = &line[start..];
    let end = rest.find([',', '}']).expect("field ends");
    &rest[..end]
}

/// A random chain network 2 → 3 → act → 2 (→ act), literals multiples of 1/8, and samples.
fn random_case(rng: &mut SplitMix, act: Activation, last_act: bool) -> (Spec, Vec<String>) {
    let lit = |rng: &mut SplitMix| format!("{}", (rng.below(25) as i64 - 12) as f64 / 8.0);
    let mut layers = Vec::new();
    let w1: Vec<String> = (0..6).map(|_| lit(rng)).collect();
    let b1: Vec<String> = (0..3).map(|_| lit(rng)).collect();
    layers.push(Ok((3, 2, w1, b1)));
    layers.push(Err(act));
    let w2: Vec<String> = (0..6).map(|_| lit(rng)).collect();
    let b2: Vec<String> = (0..2).map(|_| lit(rng)).collect();
    layers.push(Ok((2, 3, w2, b2)));
    if last_act {
        layers.push(Err(Activation::Sigmoid));
    }
    let samples: Vec<String> = (0..5)
        .map(|_| {
            let x: Vec<String> = (0..2).map(|_| lit(rng)).collect();
            let a = rng.below(2);
            format!("{} {} {}", x.join(" "), a, 1 - a)
        })
        .collect();
    (Spec { inputs: 2, layers }, samples)
}

/// Runs fpx train and the independent loop on one case; compares every log line and the
/// trained networks.
#[allow(clippy::too_many_arguments)]
fn check_case(
    name: &str,
    spec: &Spec,
    samples: &[String],
    loss: &str,
    lr: &str,
    steps: u64,
    batch: Option<usize>,
    formats: &[&str],
    reference: &str,
) -> Vec<(Vec<u128>, Option<u64>)> {
    let env = Env::default();
    let dir = scratch(&format!("train-{name}"));
    let net = dir.join("net.json");
    std::fs::write(&net, spec.json("binary64")).expect("writes");
    let data_lines: Vec<String> = samples
        .iter()
        .map(|s| {
            if loss == "sum" {
                s.split_whitespace().take(spec.inputs).collect::<Vec<_>>().join(" ")
            } else {
                s.clone()
            }
        })
        .collect();
    let data = dir.join("data.txt");
    std::fs::write(&data, data_lines.join("\n") + "\n").expect("writes");
    let log = dir.join("log.jsonl");
    let out_dir = dir.join("out");
    let (net_s, data_s, log_s, out_s) = (
        net.display().to_string(),
        data.display().to_string(),
        log.display().to_string(),
        out_dir.display().to_string(),
    );
    let steps_s = steps.to_string();
    let formats_s = formats.join(",");
    let batch_s = batch.map(|b| b.to_string());
    let mut args = vec![
        "train",
        "--net",
        &net_s,
        "--data",
        &data_s,
        "--text",
        "--loss",
        loss,
        "--lr",
        lr,
        "--steps",
        &steps_s,
        "--formats",
        &formats_s,
        "--reference",
        reference,
        "--log",
        &log_s,
        "--out-dir",
        &out_s,
    ];
    if let Some(b) = &batch_s {
        args.extend(["--batch", b]);
    }
    let out = fpx(&args, "");
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let lines: Vec<String> =
        std::fs::read_to_string(&log).expect("log").lines().map(str::to_string).collect();
    assert_eq!(lines.len() as u64, steps * formats.len() as u64, "{name}");

    let run = |fname: &str| -> (Format, Loop, u128, Pairs) {
        let f = Format::parse(fname).expect("format");
        let lp = Loop { env, f, layers: spec.layers(&env, &f) };
        let lr_v = parse_value(&env, &f, lr).expect("lr").value;
        let parsed: Vec<(Vec<u128>, Vec<u128>)> = data_lines
            .iter()
            .map(|line| {
                let v: Vec<u128> = line
                    .split_whitespace()
                    .map(|t| parse_value(&env, &f, t).expect("value").value)
                    .collect();
                (v[..spec.inputs].to_vec(), v[spec.inputs..].to_vec())
            })
            .collect();
        (f, lp, lr_v, parsed)
    };
    let (rf, mut reference_loop, ref_lr, ref_data) = run(reference);
    let mut loops: Vec<_> = formats.iter().map(|n| run(n)).collect();
    let n = samples.len();
    let b = batch.unwrap_or(n).min(n);
    let n_batches = n.div_ceil(b);
    let mut line = lines.iter();
    let mut first_fixed: Vec<Option<u64>> = vec![None; formats.len()];
    for k in 0..steps {
        let start = (k as usize % n_batches) * b;
        let stop = (start + b).min(n);
        reference_loop.step(loss, ref_lr, &ref_data[start..stop]);
        let ref_params = reference_loop.params();
        for (idx, (fname, (f, lp, lr_v, data))) in formats.iter().zip(loops.iter_mut()).enumerate()
        {
            let (l, nonzero, absorbed, fixed) = lp.step(loss, *lr_v, &data[start..stop]);
            if fixed && first_fixed[idx].is_none() {
                first_fixed[idx] = Some(k + 1);
            }
            let text = line.next().expect("a line");
            let at = format!("{name} step {} {fname}: {text}", k + 1);
            let json: serde_json::Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(json["step"], k + 1, "{at}");
            assert_eq!(json["format"], *fname, "{at}");
            assert_eq!(field(text, "loss"), format_shortest(f, l), "{at}");
            assert_eq!(json["nonzero"], nonzero, "{at}");
            assert_eq!(json["absorbed"], absorbed, "{at}");
            assert_eq!(json["fixed_point"], fixed, "{at}");
            let d = distance(f, &lp.params(), &rf, &ref_params);
            // Rust's parser rounds correctly (serde_json's default parser need not).
            let v: f64 = field(text, "distance").parse().expect("a number");
            assert_rounds_to(&d, v, &at);
        }
    }
    for (fname, (f, lp, _, _)) in formats.iter().zip(&loops) {
        let path = out_dir.join(format!("{fname}.json"));
        let trained = fpnet::file::load_file(Path::new(&path), &Default::default())
            .expect("a network file")
            .graph;
        assert_eq!(trained.format(), f, "{name} {fname}");
        assert_eq!(fpad::train::parameters(&trained), lp.params(), "{name} {fname}");
    }
    loops.iter().zip(first_fixed).map(|(l, fixed)| (l.1.params(), fixed)).collect()
}

#[test]
fn training_matches_an_independent_loop() {
    let mut rng = SplitMix::new(17);
    let formats = ["bf16", "binary16", "e4m3fn", "binary32", "binary64"];
    for (case, loss) in ["sum", "mse", "softmax-xent"].into_iter().enumerate() {
        let (spec, samples) = random_case(&mut rng, Activation::Relu, loss == "mse");
        for batch in [None, Some(1), Some(2)] {
            let name = format!("{loss}-{case}-{batch:?}");
            check_case(&name, &spec, &samples, loss, "0.125", 4, batch, &formats, "binary64");
        }
    }
    // Another activation, and the default-precision reference (binary128).
    let (spec, samples) = random_case(&mut rng, Activation::Tanh, false);
    check_case(
        "tanh",
        &spec,
        &samples,
        "mse",
        "0.0625",
        3,
        Some(3),
        &["bf16", "binary32"],
        "binary128",
    );
}

#[test]
fn the_sigmoid_neuron_stops_in_bfloat16() {
    // One sigmoid neuron from w = 0.5, b = 0 trained towards 1 at x = 1 with lr 1: bfloat16
    // stops moving (every update absorbed), binary32 and binary64 do not.
    let mut spec = Spec { inputs: 1, layers: vec![] };
    spec.layers.push(Ok((1, 1, vec!["0.5".into()], vec!["0".into()])));
    spec.layers.push(Err(Activation::Sigmoid));
    let samples = vec!["1 1".to_string()];
    let runs = check_case(
        "sigmoid",
        &spec,
        &samples,
        "mse",
        "1",
        70,
        None,
        &["bf16", "binary32"],
        "binary64",
    );
    // The figures of docs/reproductions.md §5, from the independent loop: step 63 absorbs
    // every update, at w = 1.78125, b = 1.2734375.
    let bf = Format::BF16;
    let env = Env::default();
    let want = vec![
        parse_value(&env, &bf, "1.78125").expect("w").value,
        parse_value(&env, &bf, "1.2734375").expect("b").value,
    ];
    assert_eq!(runs[0], (want, Some(63)));
    assert_eq!(runs[1].1, None);
}

#[test]
fn bad_training_input_is_named() {
    let net = crate::support::cli::example("tiny_bf16.json");
    let good = temp_file("train-bad", "good.txt", "3F80 4000 3F80\n");
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (vec![], "4000 3F80\n", "expected 3 values"),
        (vec![], "3F80 4000 zz\n", "target 1"),
        (vec!["--text".into()], "1 2 abc\n", "target 1"),
        (vec![], "# only a comment\n", "no sample"),
        (vec!["--formats".into(), "bf16,nope".into()], "3F80 4000 3F80\n", "--formats"),
        (vec!["--formats".into(), "bf16,bf16".into()], "3F80 4000 3F80\n", "listed twice"),
        (vec!["--reference".into(), "nope".into()], "3F80 4000 3F80\n", "--reference"),
        (vec!["--batch".into(), "0".into()], "3F80 4000 3F80\n", "batch size"),
    ];
    for (k, (extra, data, needle)) in cases.iter().enumerate() {
        let path = temp_file("train-bad", &format!("d{k}.txt"), data);
        let mut args = vec!["train", "--net", &net, "--data", &path, "--lr", "0.5", "--steps", "2"];
        args.extend(extra.iter().map(String::as_str));
        let out = fpx(&args, "");
        assert_eq!(out.status.code(), Some(2), "{needle}: {}", stdout(&out));
        assert!(stderr(&out).contains(needle), "expected '{needle}' in {}", stderr(&out));
    }
    let out = fpx(&["train", "--net", &net, "--data", &good, "--lr", "fast", "--steps", "1"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("learning rate"), "{}", stderr(&out));
    let out = fpx(
        &["train", "--net", &net, "--data", "/nonexistent/d.txt", "--lr", "1", "--steps", "1"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/d.txt"), "{}", stderr(&out));
}

#[test]
fn absorbed_updates_cycle_with_the_batches() {
    // lr = 2^-100 is far below half an ulp of every parameter, so every update is absorbed
    // and the parameters never change; with three batches of one sample, the state (the
    // parameters and the next batch) first repeats after three steps.
    let net = temp_file(
        "train-cycle",
        "net.json",
        "{\"format\": \"bf16\", \"inputs\": 1, \"layers\": [{\"affine\": {\"weights\": [[\"1.5\"]], \"bias\": [\"0.75\"]}}]}",
    );
    // x then t, with w x + b != t for each sample (no zero gradient, no zero parameter).
    let data = temp_file("train-cycle", "d.txt", "3F80 0000\n4000 3F80\nBF80 4040\n");
    let args = [
        "train",
        "--net",
        &net,
        "--data",
        &data,
        "--lr",
        "0x1p-100",
        "--steps",
        "5",
        "--batch",
        "1",
        "--formats",
        "bf16,binary32",
    ];
    let out = fpx(&args, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for f in ["bf16", "binary32"] {
        let line = text.lines().find(|l| l.starts_with(&format!("{f}:"))).expect("a summary line");
        let tail = "fixed point: the parameters after step 0 (step 1 absorbs every update), cycle: the parameters after step 3 equal those after step 0 (period 3)";
        assert!(line.ends_with(tail), "{line}");
    }
}

#[test]
fn training_does_not_depend_on_the_thread_count() {
    // 80 samples per step are differentiated on rayon's threads; the log is the same with one
    // thread and with four.
    let mut rng = SplitMix::new(5);
    let (spec, _) = random_case(&mut rng, Activation::Relu, false);
    let dir = scratch("train-threads");
    let net = dir.join("net.json");
    std::fs::write(&net, spec.json("bf16")).expect("writes");
    let lines: Vec<String> = (0..80)
        .map(|k| format!("{}.25 -{}.5 {} {}", k % 9, (k * 7) % 5, k % 2, 1 - k % 2))
        .collect();
    let data = dir.join("data.txt");
    std::fs::write(&data, lines.join("\n") + "\n").expect("writes");
    let logs: Vec<String> = ["1", "4"]
        .iter()
        .map(|threads| {
            let log = dir.join(format!("log{threads}.jsonl"));
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_fpx"))
                .args(["train", "--net", &net.display().to_string(), "--data"])
                .arg(&data)
                .args(["--text", "--loss", "softmax-xent", "--lr", "0.01", "--steps", "3", "--log"])
                .arg(&log)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .expect("fpx runs");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            std::fs::read_to_string(&log).expect("a log")
        })
        .collect();
    assert_eq!(logs[0].lines().count(), 9);
    assert_eq!(logs[0], logs[1]);
}
