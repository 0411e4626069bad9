//! An independent forward pass and backpropagation over fpref's scalar backends, the
//! reference of the fpnet, fpad and fpconstruct tests: docs/semantics.md §4 and §5 written out
//! directly (dense loops, no skipping of zero terms, its own pairwise recursion, liveness and
//! fan-out sums). Activation values and derivatives other than relu's come from MPFR
//! (correctly rounded) or, for the composite rule, from fpcore's composite definitions
//! (themselves checked against MPFR in tests/ops/activations.rs).

use fpad::{Loss, OutputGradient};
use fpcore::act::{ActOp, Activation};
use fpcore::{Env, Flags, Format};
use fpnet::graph::{NodeId, Op, Rule, Sigma};
use fpnet::{Graph, Order};
use fpref::mpfr::{self, Func};
use fpref::{Backend, Op as BOp};

/// What the reference computes for one sample.
pub struct RefSample {
    pub output: Vec<u128>,
    pub input_gradient: Vec<u128>,
    /// Per node: (dW, db) for affine nodes.
    pub params: Vec<Option<(Vec<u128>, Vec<u128>)>>,
    pub forward_flags: Flags,
    pub backward_flags: Flags,
    pub param_flags: Flags,
}

/// The independent implementation: every operation through `backend`, flags ORed.
pub struct Reference<'b> {
    pub backend: &'b dyn Backend,
    pub env: Env,
    pub flags: Flags,
}

impl Reference<'_> {
    pub fn op(&mut self, f: &Format, op: BOp, operands: &[u128]) -> u128 {
        let (bits, flags) = self.backend.eval(f, &op, operands).expect("supported by the backend");
        self.flags = self.flags.union(flags);
        bits
    }

    fn cvt(&mut self, src: &Format, dst: &Format, x: u128) -> u128 {
        if src == dst {
            x
        } else {
            self.op(src, BOp::Cvt(*dst), &[x])
        }
    }

    fn mpfr(&mut self, f: &Format, func: Func, x: u128, kink: u128) -> u128 {
        let (bits, flags) = mpfr::eval(&self.env, f, func, x, kink).expect("MPFR decides");
        self.flags = self.flags.union(flags);
        bits
    }

    /// sigma(x): relu by its definition, the others correctly rounded by MPFR.
    fn act(&mut self, f: &Format, sigma: &Sigma, x: u128) -> u128 {
        if sigma.activation != Activation::Relu {
            let op = ActOp { act: sigma.activation, derivative: false };
            return self.mpfr(f, Func::Act(op), x, sigma.kink);
        }
        let u = f.unpack(x);
        if u.is_snan() {
            // IEEE 754 §6.2: a signaling NaN operand gives a quiet NaN, with invalid.
            self.flags = self.flags.union(Flags::INVALID);
            quiet(f, x)
        } else if u.is_nan() {
            x
        } else if u.sign || u.is_zero() {
            f.zero(false)
        } else {
            x
        }
    }

    /// sigma'(z): relu' by its definition (the kink at ±0), composites by fpcore, the others
    /// correctly rounded by MPFR.
    fn dact(&mut self, f: &Format, sigma: &Sigma, z: u128) -> u128 {
        if sigma.derivative == Rule::Composite {
            let r = fpcore::act::deriv_composite(&self.env, f, sigma.activation, z, sigma.kink);
            self.flags = self.flags.union(r.flags);
            return r.value;
        }
        if sigma.activation != Activation::Relu {
            let op = ActOp { act: sigma.activation, derivative: true };
            return self.mpfr(f, Func::Act(op), z, sigma.kink);
        }
        let u = f.unpack(z);
        if u.is_snan() {
            self.flags = self.flags.union(Flags::INVALID);
            quiet(f, z)
        } else if u.is_nan() {
            z
        } else if u.is_zero() {
            sigma.kink
        } else if u.sign {
            f.zero(false)
        } else {
            fpcore::from_u64(&self.env, f, 1).value
        }
    }

    fn seq(&mut self, f: &Format, a: &[u128], b: &[u128]) -> u128 {
        let mut acc = f.zero(false);
        for (x, y) in a.iter().zip(b) {
            let t = self.op(f, BOp::Mul, &[*x, *y]);
            acc = self.op(f, BOp::Add, &[acc, t]);
        }
        acc
    }

    fn tree(&mut self, f: &Format, t: &[u128]) -> u128 {
        if t.len() == 1 {
            return t[0];
        }
        let mut m = 1;
        while m * 2 < t.len() {
            m *= 2;
        }
        let left = self.tree(f, &t[..m]);
        let right = self.tree(f, &t[m..]);
        self.op(f, BOp::Add, &[left, right])
    }

    /// A sum of products a_k ⊗ b_k in a layer's order, without a bias (the backward rule of
    /// docs/semantics.md §5 for each order); `bias` adds one at the end (the forward).
    fn dot(
        &mut self,
        f: &Format,
        order: Order,
        a: &[u128],
        b: &[u128],
        bias: Option<u128>,
    ) -> u128 {
        let add_bias = |r: &mut Self, f: &Format, s: u128| match bias {
            Some(c) => r.op(f, BOp::Add, &[s, c]),
            None => s,
        };
        match order {
            Order::Sequential => {
                let s = self.seq(f, a, b);
                add_bias(self, f, s)
            }
            Order::Fma => {
                let mut acc = f.zero(false);
                for (x, y) in a.iter().zip(b) {
                    acc = self.op(f, BOp::Fma, &[*x, *y, acc]);
                }
                add_bias(self, f, acc)
            }
            Order::Pairwise => {
                let t: Vec<u128> =
                    a.iter().zip(b).map(|(x, y)| self.op(f, BOp::Mul, &[*x, *y])).collect();
                let p = self.tree(f, &t);
                add_bias(self, f, p)
            }
            Order::Blocked(k) => {
                let mut total = f.zero(false);
                for (ab, bb) in a.chunks(k).zip(b.chunks(k)) {
                    let s = self.seq(f, ab, bb);
                    total = self.op(f, BOp::Add, &[total, s]);
                }
                add_bias(self, f, total)
            }
            Order::Wide(g) => {
                let ag: Vec<u128> = a.iter().map(|v| self.cvt(f, &g, *v)).collect();
                let bg: Vec<u128> = b.iter().map(|v| self.cvt(f, &g, *v)).collect();
                let mut s = self.seq(&g, &ag, &bg);
                if let Some(c) = bias {
                    let cg = self.cvt(f, &g, c);
                    s = self.op(&g, BOp::Add, &[s, cg]);
                }
                self.cvt(&g, f, s)
            }
        }
    }

    /// The forward pass: every node's values and every node's operands as read.
    pub fn forward(
        &mut self,
        graph: &Graph,
        input: &[u128],
    ) -> (Vec<Vec<u128>>, Vec<Vec<Vec<u128>>>) {
        let mut values: Vec<Vec<u128>> = Vec::new();
        let mut read: Vec<Vec<Vec<u128>>> = Vec::new();
        let mut offset = 0;
        for node in graph.nodes() {
            let f = node.format;
            let operands: Vec<Vec<u128>> = node
                .op
                .operands()
                .iter()
                .map(|id| {
                    let src = graph.node(*id).format;
                    values[id.0].iter().map(|x| self.cvt(&src, &f, *x)).collect()
                })
                .collect();
            let value = match &node.op {
                Op::Input { size } => {
                    offset += size;
                    input[offset - size..offset].to_vec()
                }
                Op::Affine(a) => (0..a.rows)
                    .map(|i| {
                        let w = &a.weights[i * a.cols..(i + 1) * a.cols];
                        self.dot(&f, a.order, w, &operands[0], Some(a.bias[i]))
                    })
                    .collect(),
                Op::Activation(a) => {
                    operands[0].iter().map(|v| self.act(&f, &a.sigma, *v)).collect()
                }
                Op::Add(_) => (0..operands[0].len())
                    .map(|j| {
                        let mut acc = f.zero(false);
                        for x in &operands {
                            acc = self.op(&f, BOp::Add, &[acc, x[j]]);
                        }
                        acc
                    })
                    .collect(),
                Op::Concat(_) => operands.concat(),
            };
            values.push(value);
            read.push(operands);
        }
        (values, read)
    }

    /// The output of the forward pass.
    pub fn output(&mut self, graph: &Graph, input: &[u128]) -> Vec<u128> {
        let (mut values, _) = self.forward(graph, input);
        values.swap_remove(graph.output().0)
    }

    /// The output gradient of the reference, by the same definitions as fpad's losses.
    fn seed(&mut self, f: &Format, phi: &OutputGradient, y: &[u128], t: &[u128]) -> Vec<u128> {
        match phi {
            OutputGradient::Seed(s) => s.clone(),
            OutputGradient::Identity => y.to_vec(),
            OutputGradient::Shift(c) => {
                y.iter().zip(c).map(|(a, b)| self.op(f, BOp::Sub, &[*a, *b])).collect()
            }
            OutputGradient::Table(pairs) => y
                .iter()
                .map(|v| pairs.iter().find(|(k, _)| k == v).expect("table covers the outputs").1)
                .collect(),
            OutputGradient::Loss(Loss::Sum) => {
                vec![fpcore::from_u64(&self.env, f, 1).value; y.len()]
            }
            OutputGradient::Loss(Loss::Mse) => {
                let two = fpcore::from_u64(&self.env, f, 2).value;
                y.iter()
                    .zip(t)
                    .map(|(a, b)| {
                        let d = self.op(f, BOp::Sub, &[*a, *b]);
                        self.op(f, BOp::Mul, &[two, d])
                    })
                    .collect()
            }
            OutputGradient::Loss(Loss::SoftmaxXent) => {
                // IEEE 754-2019 maximum, left to right.
                let mut m = y[0];
                for &v in &y[1..] {
                    let (um, uv) = (f.unpack(m), f.unpack(v));
                    if um.is_nan() || uv.is_nan() {
                        if um.is_snan() || uv.is_snan() {
                            self.flags = self.flags.union(Flags::INVALID);
                        }
                        m = f.canonical_nan().expect("NaN formats");
                    } else {
                        let less = fpcore::compare(f, m, v).value == fpcore::Ordering::Less;
                        let zeros = um.is_zero() && uv.is_zero();
                        if less || (zeros && um.sign && !uv.sign) {
                            m = v;
                        }
                    }
                }
                let e: Vec<u128> = y
                    .iter()
                    .map(|v| {
                        let s = self.op(f, BOp::Sub, &[*v, m]);
                        self.mpfr(f, Func::Exp, s, 0)
                    })
                    .collect();
                let mut sum = f.zero(false);
                for &e_i in &e {
                    sum = self.op(f, BOp::Add, &[sum, e_i]);
                }
                e.iter()
                    .zip(t)
                    .map(|(e_i, t_i)| {
                        let p = self.op(f, BOp::Div, &[*e_i, sum]);
                        self.op(f, BOp::Sub, &[p, *t_i])
                    })
                    .collect()
            }
        }
    }

    /// Forward, output gradient and backward of one sample.
    pub fn sample(
        &mut self,
        graph: &Graph,
        input: &[u128],
        phi: &OutputGradient,
        target: &[u128],
    ) -> RefSample {
        let n = graph.nodes().len();
        self.flags = Flags::NONE;
        let (values, read) = self.forward(graph, input);
        let forward_flags = self.flags;
        self.flags = Flags::NONE;
        let out_id = graph.output().0;
        let out_fmt = graph.node(graph.output()).format;
        let seed = self.seed(&out_fmt, phi, &values[out_id], target);
        // Liveness: the nodes the output depends on, by a search from the output.
        let mut live = vec![false; n];
        let mut stack = vec![out_id];
        while let Some(i) = stack.pop() {
            if !live[i] {
                live[i] = true;
                stack.extend(graph.node(NodeId(i)).op.operands().iter().map(|id| id.0));
            }
        }
        let mut contributions: Vec<Vec<(usize, usize, Vec<u128>)>> = vec![Vec::new(); n];
        let mut grads: Vec<Option<Vec<u128>>> = vec![None; n];
        for idx in (0..n).rev().filter(|&i| live[i]) {
            let node = graph.node(NodeId(idx));
            let f = node.format;
            let g = if idx == out_id {
                seed.clone()
            } else {
                let mut list = std::mem::take(&mut contributions[idx]);
                list.sort_by_key(|c| (c.0, c.1));
                if list.len() == 1 {
                    list.remove(0).2
                } else {
                    (0..list[0].2.len())
                        .map(|j| {
                            let mut acc = f.zero(false);
                            for c in &list {
                                acc = self.op(&f, BOp::Add, &[acc, c.2[j]]);
                            }
                            acc
                        })
                        .collect()
                }
            };
            let per_operand: Vec<Vec<u128>> = match &node.op {
                Op::Input { .. } => Vec::new(),
                Op::Affine(a) => {
                    let c = (0..a.cols)
                        .map(|j| {
                            let col: Vec<u128> =
                                (0..a.rows).map(|i| a.weights[i * a.cols + j]).collect();
                            self.dot(&f, a.order, &g, &col, None)
                        })
                        .collect();
                    vec![c]
                }
                Op::Activation(a) => {
                    let c = g
                        .iter()
                        .zip(&read[idx][0])
                        .map(|(g_j, z_j)| {
                            let d = self.dact(&f, &a.sigma, *z_j);
                            self.op(&f, BOp::Mul, &[*g_j, d])
                        })
                        .collect();
                    vec![c]
                }
                Op::Add(ids) => ids.iter().map(|_| g.clone()).collect(),
                Op::Concat(ids) => {
                    let mut offset = 0;
                    ids.iter()
                        .map(|id| {
                            let w = graph.width(*id);
                            offset += w;
                            g[offset - w..offset].to_vec()
                        })
                        .collect()
                }
            };
            for (k, c) in per_operand.into_iter().enumerate() {
                let target = node.op.operands()[k];
                let tf = graph.node(target).format;
                let c: Vec<u128> = c.iter().map(|v| self.cvt(&f, &tf, *v)).collect();
                contributions[target.0].push((idx, k, c));
            }
            grads[idx] = Some(g);
        }
        let backward_flags = self.flags;
        self.flags = Flags::NONE;
        let mut input_gradient = Vec::new();
        for id in graph.inputs() {
            match &grads[id.0] {
                Some(g) => input_gradient.extend_from_slice(g),
                None => input_gradient.extend(std::iter::repeat_n(
                    graph.node(id).format.zero(false),
                    graph.width(id),
                )),
            }
        }
        let params = (0..n)
            .map(|idx| {
                let node = graph.node(NodeId(idx));
                let Op::Affine(a) = &node.op else { return None };
                let f = node.format;
                let Some(g) = &grads[idx] else {
                    return Some((
                        vec![f.zero(false); a.weights.len()],
                        vec![f.zero(false); a.rows],
                    ));
                };
                let x = &read[idx][0];
                let mut dw = Vec::new();
                for &g_i in g {
                    for &x_j in x {
                        dw.push(match a.order {
                            Order::Wide(wide) if wide != f => {
                                let gw = self.cvt(&f, &wide, g_i);
                                let xw = self.cvt(&f, &wide, x_j);
                                let p = self.op(&wide, BOp::Mul, &[gw, xw]);
                                self.cvt(&wide, &f, p)
                            }
                            _ => self.op(&f, BOp::Mul, &[g_i, x_j]),
                        });
                    }
                }
                Some((dw, g.clone()))
            })
            .collect();
        RefSample {
            output: values[out_id].clone(),
            input_gradient,
            params,
            forward_flags,
            backward_flags,
            param_flags: self.flags,
        }
    }
}

/// Same bits, or both NaN (the backends propagate payloads where fpcore gives the canonical
/// NaN).
pub fn same(f: &Format, a: u128, b: u128) -> bool {
    a == b || (f.unpack(a).is_nan() && f.unpack(b).is_nan())
}

/// [`same`] elementwise, each element in its format.
pub fn same_all(formats: &[Format], a: &[u128], b: &[u128]) -> bool {
    a.len() == b.len() && a.iter().zip(b).zip(formats).all(|((x, y), f)| same(f, *x, *y))
}

/// A signaling NaN with its quiet bit set (IEEE layouts; other NaNs are quiet already).
fn quiet(f: &Format, x: u128) -> u128 {
    if f.specials() == fpcore::Specials::Ieee && f.frac_bits() >= 1 {
        x | (1u128 << (f.frac_bits() - 1))
    } else {
        x
    }
}
