//! fpad against a straightforward backpropagation written here over fpcore's scalar operations,
//! on small graphs drawn from the bytes: one format (binary16, bfloat16, binary32, e4m3fn, e5m2
//! or the 5-bit e3m1), 1 to 3 inputs, 1 to 4 layers of affine maps (widths up to 4, weights
//! and biases as raw encodings, sequential or fma order), activations (relu with relu'(0) = 0
//! or 1, and a few smooth ones with either rule), sums of branches and concatenations. The
//! input and the output gradient are raw encodings too. `Ad::gradient` and `Ad::tape` must
//! agree with the reference on the output and the input gradient (bit for bit, any NaN
//! matching any NaN as in tests/ad/differential.rs) and on the forward and backward flags.
//!
//! The reference follows docs/semantics.md §4 and §5 literally: every sum left to right from +0 (the
//! bias last), the backward product g ⊗ W from the output towards the input with the sum over
//! the rows in increasing order, g_j ⊗ sigma'(z_j) elementwise, and a value read by several
//! consumers gets their contributions summed from +0 in the consumers' declaration order.
#![no_main]

use fpad::{Ad, OutputGradient};
use fpcore::act::Activation;
use fpcore::{Env, Flags, Format};
use fpnet::graph::{ActivationNode, Affine, Node, NodeId, Op, Rule, Sigma};
use fpnet::{Graph, Order};
use libfuzzer_sys::fuzz_target;

const FORMATS: [&str; 6] = ["binary16", "bf16", "binary32", "e4m3fn", "e5m2", "e3m1"];
const SMOOTH: [Activation; 5] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Elu,
    Activation::Silu,
    Activation::Softplus,
];

/// The fuzz bytes, read front to back; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn below(&mut self, n: u8) -> usize {
        usize::from(self.byte() % n)
    }

    /// A raw encoding of `f`, little-endian.
    fn bits(&mut self, f: &Format) -> u128 {
        let mut x = 0u128;
        for k in 0..f.bits().div_ceil(8) {
            x |= u128::from(self.byte()) << (8 * k);
        }
        x & f.mask()
    }
}

/// A graph of format `f` drawn from the bytes, or `None` when validation refuses it (a
/// non-canonical encoding).
fn graph(b: &mut Bytes, f: Format) -> Option<Graph> {
    let env = Env::default();
    let one = fpcore::from_u64(&env, &f, 1).value;
    let mut nodes = Vec::new();
    let mut widths = Vec::new();
    for k in 0..1 + b.below(3) {
        let size = 1 + b.below(4);
        nodes.push(Node { name: Some(format!("x{k}")), format: f, op: Op::Input { size } });
        widths.push(size);
    }
    for _ in 0..1 + b.below(4) {
        let last = nodes.len() - 1;
        // Mostly the previous node, sometimes any earlier one (fan-out, dead nodes).
        let pick = |b: &mut Bytes| if b.below(4) == 0 { b.below(nodes.len() as u8) } else { last };
        let choice = b.below(8);
        let op = match choice {
            0..=3 => {
                let input = pick(b);
                let rows = 1 + b.below(4);
                let cols = widths[input];
                let weights = (0..rows * cols).map(|_| b.bits(&f)).collect();
                let bias = (0..rows).map(|_| b.bits(&f)).collect();
                let order = if b.below(4) == 0 { Order::Fma } else { Order::Sequential };
                Op::Affine(Affine { input: NodeId(input), rows, cols, weights, bias, order })
            }
            4 | 5 => {
                let input = pick(b);
                let r = b.byte();
                let mut sigma = if r % 2 == 0 {
                    Sigma::new(Activation::Relu)
                } else {
                    Sigma::new(SMOOTH[usize::from(r / 2) % SMOOTH.len()])
                };
                sigma.kink = if r & 4 == 0 { f.zero(false) } else { one };
                if r & 8 != 0 {
                    sigma.value = Rule::Composite;
                }
                if r & 16 != 0 {
                    sigma.derivative = Rule::Composite;
                }
                Op::Activation(ActivationNode { input: NodeId(input), sigma })
            }
            6 => {
                let first = pick(b);
                let same: Vec<usize> =
                    (0..nodes.len()).filter(|&i| widths[i] == widths[first]).collect();
                let mut ids = vec![NodeId(first)];
                for _ in 0..b.below(3) {
                    ids.push(NodeId(same[b.below(same.len() as u8)]));
                }
                Op::Add(ids)
            }
            _ => {
                let ids: Vec<NodeId> = (0..1 + b.below(3)).map(|_| NodeId(pick(b))).collect();
                Op::Concat(ids)
            }
        };
        let width = match &op {
            Op::Affine(a) => a.rows,
            Op::Activation(a) => widths[a.input.0],
            Op::Add(ids) => widths[ids[0].0],
            Op::Concat(ids) => ids.iter().map(|i| widths[i.0]).sum(),
            Op::Input { .. } => unreachable!("layers are not inputs"),
        };
        nodes.push(Node { name: None, format: f, op });
        widths.push(width);
    }
    let output = NodeId(nodes.len() - 1);
    Graph::new(f, nodes, output).ok()
}

/// The reference: fpcore's scalar operations, flags ORed.
struct Reference {
    env: Env,
    f: Format,
    flags: Flags,
}

impl Reference {
    fn add(&mut self, a: u128, b: u128) -> u128 {
        let r = fpcore::add(&self.env, &self.f, a, b);
        self.flags = self.flags.union(r.flags);
        r.value
    }

    fn mul(&mut self, a: u128, b: u128) -> u128 {
        let r = fpcore::mul(&self.env, &self.f, a, b);
        self.flags = self.flags.union(r.flags);
        r.value
    }

    fn fma(&mut self, a: u128, b: u128, c: u128) -> u128 {
        let r = fpcore::fma(&self.env, &self.f, a, b, c);
        self.flags = self.flags.union(r.flags);
        r.value
    }

    /// sum_k a_k ⊗ b_k in `order`, from +0, left to right.
    fn dot(&mut self, order: Order, a: &[u128], b: &[u128]) -> u128 {
        let mut acc = self.f.zero(false);
        for (x, y) in a.iter().zip(b) {
            acc = match order {
                Order::Fma => self.fma(*x, *y, acc),
                _ => {
                    let t = self.mul(*x, *y);
                    self.add(acc, t)
                }
            };
        }
        acc
    }

    fn sigma(&mut self, sigma: &Sigma, x: u128) -> u128 {
        let r = match sigma.value {
            Rule::Composite => fpcore::act::eval_composite(&self.env, &self.f, sigma.activation, x),
            _ => fpcore::act::eval(&self.env, &self.f, sigma.activation, x),
        };
        self.flags = self.flags.union(r.flags);
        r.value
    }

    fn d_sigma(&mut self, sigma: &Sigma, z: u128) -> u128 {
        let (env, f, act, kink) = (&self.env, &self.f, sigma.activation, sigma.kink);
        let r = match sigma.derivative {
            Rule::Composite => fpcore::act::deriv_composite(env, f, act, z, kink),
            _ => fpcore::act::deriv(env, f, act, z, kink),
        };
        self.flags = self.flags.union(r.flags);
        r.value
    }

    /// Every node's values.
    fn forward(&mut self, graph: &Graph, input: &[u128]) -> Vec<Vec<u128>> {
        let mut values: Vec<Vec<u128>> = Vec::new();
        let mut offset = 0;
        for node in graph.nodes() {
            let value = match &node.op {
                Op::Input { size } => {
                    offset += size;
                    input[offset - size..offset].to_vec()
                }
                Op::Affine(a) => (0..a.rows)
                    .map(|i| {
                        let w = &a.weights[i * a.cols..(i + 1) * a.cols];
                        let s = self.dot(a.order, w, &values[a.input.0]);
                        self.add(s, a.bias[i])
                    })
                    .collect(),
                Op::Activation(a) => {
                    let z = values[a.input.0].clone();
                    z.iter().map(|x| self.sigma(&a.sigma, *x)).collect()
                }
                Op::Add(ids) => (0..values[ids[0].0].len())
                    .map(|j| {
                        let mut acc = self.f.zero(false);
                        for id in ids {
                            acc = self.add(acc, values[id.0][j]);
                        }
                        acc
                    })
                    .collect(),
                Op::Concat(ids) => ids.iter().flat_map(|id| values[id.0].clone()).collect(),
            };
            values.push(value);
        }
        values
    }

    /// The input gradient for the output gradient `seed`, from the forward `values`.
    fn backward(&mut self, graph: &Graph, values: &[Vec<u128>], seed: &[u128]) -> Vec<u128> {
        let n = graph.nodes().len();
        let out = graph.output().0;
        let mut live = vec![false; n];
        live[out] = true;
        for idx in (0..n).rev() {
            if live[idx] {
                for id in graph.node(NodeId(idx)).op.operands() {
                    live[id.0] = true;
                }
            }
        }
        // Contributions to each node, in the order they arrive: consumers are visited from the
        // last to the first, so the list is reversed before summing (declaration order).
        let mut pending: Vec<Vec<Vec<u128>>> = vec![Vec::new(); n];
        let mut grads: Vec<Option<Vec<u128>>> = vec![None; n];
        for idx in (0..n).rev().filter(|&i| live[i]) {
            let g = if idx == out {
                seed.to_vec()
            } else {
                let mut list = std::mem::take(&mut pending[idx]);
                list.reverse();
                if list.len() == 1 {
                    list.remove(0)
                } else {
                    (0..list[0].len())
                        .map(|j| {
                            let mut acc = self.f.zero(false);
                            for c in &list {
                                acc = self.add(acc, c[j]);
                            }
                            acc
                        })
                        .collect()
                }
            };
            match &graph.node(NodeId(idx)).op {
                Op::Input { .. } => {}
                Op::Affine(a) => {
                    let c = (0..a.cols)
                        .map(|j| {
                            let col: Vec<u128> =
                                (0..a.rows).map(|i| a.weights[i * a.cols + j]).collect();
                            self.dot(a.order, &g, &col)
                        })
                        .collect();
                    pending[a.input.0].push(c);
                }
                Op::Activation(a) => {
                    let z = values[a.input.0].clone();
                    let c = g
                        .iter()
                        .zip(&z)
                        .map(|(g_j, z_j)| {
                            let d = self.d_sigma(&a.sigma, *z_j);
                            self.mul(*g_j, d)
                        })
                        .collect();
                    pending[a.input.0].push(c);
                }
                // Within one consumer, operands in increasing position: pushed in reverse so
                // that the final reversal restores their order.
                Op::Add(ids) => {
                    for id in ids.iter().rev() {
                        pending[id.0].push(g.clone());
                    }
                }
                Op::Concat(ids) => {
                    let mut parts = Vec::new();
                    let mut offset = 0;
                    for id in ids {
                        let w = graph.width(*id);
                        parts.push((id.0, g[offset..offset + w].to_vec()));
                        offset += w;
                    }
                    for (target, part) in parts.into_iter().rev() {
                        pending[target].push(part);
                    }
                }
            }
            grads[idx] = Some(g);
        }
        let mut input_gradient = Vec::new();
        for id in graph.inputs() {
            match &grads[id.0] {
                Some(g) => input_gradient.extend_from_slice(g),
                None => {
                    input_gradient.extend(std::iter::repeat_n(self.f.zero(false), graph.width(id)))
                }
            }
        }
        input_gradient
    }
}

fn same_all(f: &Format, a: &[u128], b: &[u128]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| x == y || (f.unpack(*x).is_nan() && f.unpack(*y).is_nan()))
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let f = Format::parse(FORMATS[b.below(FORMATS.len() as u8)]).expect("named format");
    let Some(graph) = graph(&mut b, f) else { return };
    let input: Vec<u128> = (0..graph.input_width()).map(|_| b.bits(&f)).collect();
    let seed: Vec<u128> = (0..graph.output_width()).map(|_| b.bits(&f)).collect();
    let env = Env::default();
    let ad = Ad::new(&graph, env);
    let phi = OutputGradient::Seed(seed.clone());
    let Ok(ours) = ad.gradient(&input, &phi, None) else { return };
    let mut r = Reference { env, f, flags: Flags::NONE };
    let values = r.forward(&graph, &input);
    let forward_flags = r.flags;
    r.flags = Flags::NONE;
    let input_gradient = r.backward(&graph, &values, &seed);
    let json = fpnet::file::to_json(&graph);
    let output = &values[graph.output().0];
    assert!(
        same_all(&f, &ours.output, output),
        "outputs differ: fpad {:x?} reference {output:x?}\ninput {input:x?}\n{json}",
        ours.output
    );
    assert!(
        same_all(&f, &ours.input_gradient, &input_gradient),
        "input gradients differ: fpad {:x?} reference {input_gradient:x?}\ninput {input:x?} seed {seed:x?}\n{json}",
        ours.input_gradient
    );
    assert_eq!(ours.forward_flags, forward_flags, "forward flags differ\n{json}");
    assert_eq!(ours.backward_flags, r.flags, "backward flags differ\n{json}");
    // The tape records the same sample.
    let tape = ad.tape(&input, &phi, None).expect("the sample ran");
    assert_eq!(tape.output(), &ours.output[..], "tape output differs\n{json}");
    let mut from_tape = Vec::new();
    for id in graph.inputs() {
        match &tape.entry(id).gradient {
            Some(g) => from_tape.extend_from_slice(g),
            None => from_tape.extend(std::iter::repeat_n(f.zero(false), graph.width(id))),
        }
    }
    assert_eq!(from_tape, ours.input_gradient, "tape input gradient differs\n{json}");
});
