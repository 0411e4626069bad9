//! `fpx net pieces` against an independent computation of the pieces: a sweep along the real
//! line written here, which follows the ReLU activation pattern from x = -inf, finds the next
//! point where any neuron's pre-activation (affine under the current pattern) changes sign,
//! and records the network's affine map on each region, all in exact fractions. Random small
//! chain networks and the sawtooth family (2^L pieces at depth L).

use num_bigint::BigInt;
use num_rational::BigRational as Q;
use num_traits::{One, Signed, Zero};

use crate::support::cli::{fpx, stderr, stdout, temp_file};
use crate::support::SplitMix;

/// A chain network: affine layers (weights row-major, as integers over 4) with a ReLU
/// between consecutive ones.
struct Chain {
    /// (rows, cols, weights, biases), numerators over 4.
    layers: Vec<(usize, usize, Vec<i64>, Vec<i64>)>,
}

fn q(n: i64) -> Q {
    Q::new(BigInt::from(n), BigInt::from(4))
}

impl Chain {
    fn json(&self, fmt: &str) -> String {
        let lit = |n: i64| format!("\"{}\"", n as f64 / 4.0);
        let mut layers = Vec::new();
        for (k, (rows, cols, w, b)) in self.layers.iter().enumerate() {
            if k > 0 {
                layers.push("{\"activation\": \"relu\"}".to_string());
            }
            let rows_text: Vec<String> = (0..*rows)
                .map(|i| {
                    let r: Vec<String> =
                        w[i * cols..(i + 1) * cols].iter().map(|&v| lit(v)).collect();
                    format!("[{}]", r.join(", "))
                })
                .collect();
            let bias: Vec<String> = b.iter().map(|&v| lit(v)).collect();
            layers.push(format!(
                "{{\"affine\": {{\"weights\": [{}], \"bias\": [{}]}}}}",
                rows_text.join(", "),
                bias.join(", ")
            ));
        }
        format!("{{\"format\": \"{fmt}\", \"inputs\": 1, \"layers\": [{}]}}", layers.join(", "))
    }

    /// Pre-activations of every hidden layer and the output, as (slope, intercept) in x,
    /// under `pattern` (one Vec<bool> per hidden layer; missing layers are decided at `at`
    /// by the right-limit rule and appended).
    fn maps(&self, pattern: &mut Vec<Vec<bool>>, at: Option<&Q>) -> Vec<Vec<(Q, Q)>> {
        let mut a: Vec<(Q, Q)> = vec![(Q::one(), Q::zero())];
        let mut all = Vec::new();
        for (k, (rows, cols, w, b)) in self.layers.iter().enumerate() {
            let z: Vec<(Q, Q)> = (0..*rows)
                .map(|i| {
                    let mut s = Q::zero();
                    let mut c = q(b[i]);
                    for j in 0..*cols {
                        s += q(w[i * cols + j]) * &a[j].0;
                        c += q(w[i * cols + j]) * &a[j].1;
                    }
                    (s, c)
                })
                .collect();
            all.push(z.clone());
            if k + 1 == self.layers.len() {
                break;
            }
            if pattern.len() == k {
                // Active just right of `at` (or near -inf).
                let p = z
                    .iter()
                    .map(|(s, c)| match at {
                        None => s.is_negative() || (s.is_zero() && c.is_positive()),
                        Some(x) => {
                            let v = s * x + c;
                            v.is_positive() || (v.is_zero() && s.is_positive())
                        }
                    })
                    .collect();
                pattern.push(p);
            }
            a = z
                .into_iter()
                .zip(&pattern[k])
                .map(|(m, &on)| if on { m } else { (Q::zero(), Q::zero()) })
                .collect();
        }
        all
    }

    /// The sweep: (region starts, the output's map on each region), merged.
    fn sweep(&self) -> (Vec<Q>, Vec<Vec<(Q, Q)>>) {
        let mut pattern = Vec::new();
        let mut maps = self.maps(&mut pattern, None);
        let mut cuts: Vec<Q> = Vec::new();
        let mut outs = vec![maps.last().expect("output").clone()];
        let mut x: Option<Q> = None;
        loop {
            let mut next: Option<Q> = None;
            for layer in &maps[..maps.len() - 1] {
                for (s, c) in layer {
                    if s.is_zero() {
                        continue;
                    }
                    let r = -c / s;
                    if x.as_ref().is_none_or(|x| r > *x) && next.as_ref().is_none_or(|n| r < *n) {
                        next = Some(r);
                    }
                }
            }
            let Some(r) = next else { break };
            pattern.clear();
            maps = self.maps(&mut pattern, Some(&r));
            let out = maps.last().expect("output").clone();
            if outs.last() != Some(&out) {
                cuts.push(r.clone());
                outs.push(out);
            }
            x = Some(r);
        }
        (cuts, outs)
    }
}

fn show(v: &Q) -> String {
    if v.is_integer() {
        v.numer().to_string()
    } else {
        format!("{}/{}", v.numer(), v.denom())
    }
}

/// The lines fpx should print for these pieces.
fn expected(cuts: &[Q], outs: &[Vec<(Q, Q)>]) -> String {
    let mut s = String::from("exact pieces of the real function the stored weights define:\n");
    for (k, map) in outs.iter().enumerate() {
        let lo = if k == 0 { "-inf".to_string() } else { show(&cuts[k - 1]) };
        let hi = cuts.get(k).map_or("+inf".to_string(), show);
        let (a, b) = &map[0];
        let tail =
            if b.is_negative() { format!("- {}", show(&-b)) } else { format!("+ {}", show(b)) };
        s.push_str(&format!("  [{lo}, {hi}]: y = {} x {tail}\n", show(a)));
    }
    s.push_str(&format!("pieces: {}\n", outs.len()));
    s
}

fn sawtooth(depth: usize) -> Chain {
    // t(x) = |2x - 1| = relu(2x - 1) + relu(1 - 2x), composed `depth` times.
    let mut layers = vec![(2, 1, vec![8, -8], vec![-4, 4])];
    for _ in 1..depth {
        layers.push((2, 2, vec![8, 8, -8, -8], vec![-4, 4]));
    }
    layers.push((1, 2, vec![4, 4], vec![0]));
    Chain { layers }
}

fn run_pieces(chain: &Chain, name: &str, extra: &[&str]) -> String {
    let net = temp_file("pieces", &format!("{name}.json"), &chain.json("binary64"));
    let mut args = vec!["net", "pieces", "--net", &net];
    args.extend(extra);
    let out = fpx(&args, "");
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn random_networks_match_the_sweep() {
    let mut rng = SplitMix::new(29);
    for case in 0..40 {
        let h1 = 1 + rng.below(4) as usize;
        let h2 = 1 + rng.below(4) as usize;
        let draw = |n: usize, rng: &mut SplitMix| -> Vec<i64> {
            (0..n).map(|_| rng.below(17) as i64 - 8).collect()
        };
        let mut layers = vec![(h1, 1, draw(h1, &mut rng), draw(h1, &mut rng))];
        layers.push((h2, h1, draw(h1 * h2, &mut rng), draw(h2, &mut rng)));
        if case % 2 == 0 {
            layers.push((1, h2, draw(h2, &mut rng), draw(1, &mut rng)));
        } else {
            let h3 = 1 + rng.below(3) as usize;
            layers.push((h3, h2, draw(h2 * h3, &mut rng), draw(h3, &mut rng)));
            layers.push((1, h3, draw(h3, &mut rng), draw(1, &mut rng)));
        }
        let chain = Chain { layers };
        let (cuts, outs) = chain.sweep();
        assert_eq!(
            run_pieces(&chain, &format!("r{case}"), &[]),
            expected(&cuts, &outs),
            "case {case}"
        );
    }
}

#[test]
fn the_sawtooth_of_depth_l_has_two_to_the_l_pieces() {
    for depth in [1, 2, 3, 5, 8, 12] {
        let chain = sawtooth(depth);
        let (cuts, outs) = chain.sweep();
        assert_eq!(outs.len(), 1 << depth, "depth {depth}");
        assert_eq!(run_pieces(&chain, &format!("saw{depth}"), &[]), expected(&cuts, &outs));
    }
}

#[test]
fn float_pieces_of_relu_in_e4m3fn() {
    // y = relu(x) in e4m3fn: exact pieces (-inf, 0] and [0, inf); every finite input's value
    // is exact; the floating-point pieces are [-448, 0] and [2^-9, 448].
    let chain = Chain { layers: vec![(1, 1, vec![4], vec![0]), (1, 1, vec![4], vec![0])] };
    let net = temp_file("pieces", "relu8.json", &chain.json("e4m3fn"));
    let out = fpx(&["net", "pieces", "--net", &net, "--float"], "");
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains(
            "  [-448, 0]: 127 inputs\n  [0.001953125, 448]: 126 inputs\nfloat pieces: 2\n"
        ),
        "{text}"
    );
    assert!(text.contains("values differ from the exact function at 0 of 253 inputs\n"), "{text}");
    assert!(text.ends_with("pieces: 2\n"), "{text}");
}

#[test]
fn pieces_rejects_what_is_not_piecewise_affine() {
    let bad = temp_file(
        "pieces",
        "tanh.json",
        "{\"format\": \"bf16\", \"inputs\": 1, \"layers\": [{\"affine\": {\"weights\": [[\"1\"]], \"bias\": [\"0\"]}}, {\"activation\": \"tanh\"}]}",
    );
    let out = fpx(&["net", "pieces", "--net", &bad], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("layers[1]: tanh is not piecewise affine"), "{}", stderr(&out));
    let two = crate::support::cli::example("tiny_bf16.json");
    let out = fpx(&["net", "pieces", "--net", &two], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("one input value"), "{}", stderr(&out));
    let inf = temp_file(
        "pieces",
        "inf.json",
        "{\"format\": \"bf16\", \"inputs\": 1, \"layers\": [{\"affine\": {\"weights\": [[\"inf\"]], \"bias\": [\"0\"]}}]}",
    );
    let out = fpx(&["net", "pieces", "--net", &inf], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("weights[0][0]"), "{}", stderr(&out));
}
