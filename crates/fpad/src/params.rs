//! Parameter gradients: dW and db of every affine node, for one sample or summed over a batch
//! (docs/semantics.md §5), their mean, and their export as a safetensors file.

use std::fmt;

use fpcore::text::bits::format_bits;
use fpcore::{Ctx, Env, Flags, Format};
use fpnet::file::tensors::{self, TensorOut};
use fpnet::graph::Op;
use fpnet::{Graph, NodeId};

use crate::error::AdError;

/// The gradients of one affine node's parameters, in the node's format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamGrad {
    /// The node's format.
    pub format: Format,
    /// Rows of W.
    pub rows: usize,
    /// Columns of W.
    pub cols: usize,
    /// dW, row-major (`weights[i * cols + j]` is dW_ij).
    pub weights: Vec<u128>,
    /// db, one per row.
    pub bias: Vec<u128>,
}

/// The parameter gradients of a network: one [`ParamGrad`] per affine node (indexed by
/// [`NodeId`], `None` for the other nodes), with the number of samples they sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamGrads {
    /// Per node: its parameters' gradients (affine nodes only).
    pub nodes: Vec<Option<ParamGrad>>,
    /// Number of samples summed (1 for one sample's gradients, 0 for [`ParamGrads::zeros`]).
    pub samples: u64,
    /// The flags raised while computing them.
    pub flags: Flags,
}

impl ParamGrads {
    /// The empty sum: +0 for every parameter of every affine node of `graph`, 0 samples.
    pub fn zeros(graph: &Graph) -> ParamGrads {
        let nodes = graph
            .nodes()
            .iter()
            .map(|node| match &node.op {
                Op::Affine(a) => Some(ParamGrad {
                    format: node.format,
                    rows: a.rows,
                    cols: a.cols,
                    weights: vec![node.format.zero(false); a.weights.len()],
                    bias: vec![node.format.zero(false); a.rows],
                }),
                _ => None,
            })
            .collect();
        ParamGrads { nodes, samples: 0, flags: Flags::NONE }
    }

    /// One node's gradients (`None` for nodes that are not affine or not in the graph).
    pub fn get(&self, id: NodeId) -> Option<&ParamGrad> {
        self.nodes.get(id.0).and_then(Option::as_ref)
    }

    /// Adds `other` (the next sample's or batch's gradients) to this sum, element by element:
    /// `s ← s ⊕ o`. Called in sample order from [`ParamGrads::zeros`], this is the batch sum of
    /// docs/semantics.md §5, ((+0 ⊕ d¹) ⊕ d²) ⊕ ….
    ///
    /// # Errors
    ///
    /// [`AdError::Params`] when the two do not belong to networks of the same shape.
    pub fn add(&mut self, env: &Env, other: &ParamGrads) -> Result<(), AdError> {
        if self.nodes.len() != other.nodes.len() {
            return Err(AdError::Params(format!(
                "gradients of {} and {} nodes cannot be added",
                self.nodes.len(),
                other.nodes.len()
            )));
        }
        let mut flags = self.flags | other.flags;
        for (k, (mine, theirs)) in self.nodes.iter_mut().zip(&other.nodes).enumerate() {
            match (mine, theirs) {
                (None, None) => {}
                (Some(s), Some(o))
                    if s.format == o.format && s.rows == o.rows && s.cols == o.cols =>
                {
                    let mut ctx = Ctx::new(*env, s.format);
                    let sums = s.weights.iter_mut().zip(&o.weights);
                    for (a, &b) in sums.chain(s.bias.iter_mut().zip(&o.bias)) {
                        *a = ctx.add(*a, b);
                    }
                    flags |= ctx.flags;
                }
                _ => {
                    return Err(AdError::Params(format!(
                        "node #{k} has parameters of different shapes or formats"
                    )))
                }
            }
        }
        self.flags = flags;
        self.samples += other.samples;
        Ok(())
    }

    /// The mean: every sum divided once by the number of samples B, `s ⊘ B`, with B exactly a
    /// value of each node's format (docs/semantics.md §5: the sum is divided by B once).
    ///
    /// # Errors
    ///
    /// [`AdError::Params`] when there are no samples, or B is not exactly representable in a
    /// node's format (e4m3fn holds no 1024, for example); dividing by a rounded B would not be
    /// the mean.
    pub fn mean(&self, env: &Env) -> Result<ParamGrads, AdError> {
        if self.samples == 0 {
            return Err(AdError::Params("the mean of no samples is undefined".to_string()));
        }
        let mut out = self.clone();
        let mut flags = self.flags;
        for grad in out.nodes.iter_mut().flatten() {
            let fmt = grad.format;
            let b = fpcore::from_u64(env, &fmt, self.samples);
            if !b.flags.is_empty() {
                return Err(AdError::Params(format!(
                    "the batch size {} is not a value of {fmt}, so the sum cannot be divided by it exactly once; use the sum",
                    self.samples
                )));
            }
            let mut ctx = Ctx::new(*env, fmt);
            for v in grad.weights.iter_mut().chain(grad.bias.iter_mut()) {
                *v = ctx.div(*v, b.value);
            }
            flags |= ctx.flags;
        }
        out.flags = flags;
        Ok(out)
    }

    /// The gradients as a safetensors file (bytes): for each affine node, in node order, the
    /// tensors `NAME.weight` (rows × cols) and `NAME.bias` (rows), NAME being the node's name or
    /// `layers[K]`. Formats with a safetensors dtype use it (F64, F32, F16, BF16, F8_E4M3,
    /// F8_E5M2); any other format is stored as its encodings in the smallest unsigned integer
    /// dtype that holds them (U8, U16, U32, U64; wider encodings as U8 with a last dimension of
    /// 16 little-endian bytes; see [`fpnet::file::tensors::storage`]). The metadata names each
    /// tensor's format (`format:NAME.weight`) and the number of samples. The layout is
    /// deterministic.
    pub fn to_safetensors(&self, graph: &Graph) -> Vec<u8> {
        let mut tensors = Vec::new();
        for (idx, grad) in self.nodes.iter().enumerate() {
            let Some(grad) = grad else { continue };
            let name = graph.name_of(NodeId(idx));
            let (format, rows, cols) = (grad.format, grad.rows, grad.cols);
            tensors.push(TensorOut {
                name: format!("{name}.weight"),
                format,
                shape: vec![rows, cols],
                values: &grad.weights,
            });
            tensors.push(TensorOut {
                name: format!("{name}.bias"),
                format,
                shape: vec![rows],
                values: &grad.bias,
            });
        }
        let mut metadata = vec![("samples".to_string(), self.samples.to_string())];
        for t in &tensors {
            metadata.push((format!("format:{}", t.name), t.format.name()));
        }
        tensors::write(&metadata, &tensors)
    }
}

impl fmt::Display for ParamGrads {
    /// One line per tensor: `NAME.weight dW[0][0] dW[0][1] …` in hex bit patterns (node ids
    /// stand for names, which the graph holds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, grad) in self.nodes.iter().enumerate() {
            let Some(grad) = grad else { continue };
            let hex = |values: &[u128]| -> String {
                values.iter().map(|&v| format_bits(&grad.format, v)).collect::<Vec<_>>().join(" ")
            };
            writeln!(f, "#{idx}.weight {}", hex(&grad.weights))?;
            writeln!(f, "#{idx}.bias {}", hex(&grad.bias))?;
        }
        Ok(())
    }
}
