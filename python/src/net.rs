//! `fpx.Network`: a network file (fpnet's format, safetensors weights too) loaded once and
//! evaluated (`fpx net eval`), differentiated (`fpx net grad`, parameter gradients) and
//! checked against targets (`fpx net check`). Values cross as native-endian `u64` words.

use std::path::Path;

use fpad::verify::{input_formats, Expected, Field, Verifier};
use fpad::{Ad, BatchOptions, Loss, OutputGradient, ParamGrads};
use fpcore::Env;
use fpnet::{Graph, Interpreter, LoadOptions};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::error::value_error;
use crate::kernel::Word;
use crate::options::env_from;

/// Encodings from native-endian `u64` words.
fn words(bytes: &[u8]) -> Vec<u128> {
    u64::read(bytes).into_iter().map(u128::from).collect()
}

/// Encodings as native-endian `u64` bytes (formats of at most 64 bits).
fn to_bytes(values: &[u128]) -> Vec<u8> {
    let words: Vec<u64> = values.iter().map(|v| u64::from_bits(*v)).collect();
    u64::write(&words)
}

/// `check`'s answer: passed, failed, and the first mismatches as (sample index, description).
type CheckCounts = (u64, u64, Vec<(u64, String)>);

/// One affine node's parameter gradients: its name, its format's name, the rows and columns
/// of W, and dW (row-major) and db as `u64` words.
type NodeGrads<'py> = (String, String, usize, usize, Bound<'py, PyBytes>, Bound<'py, PyBytes>);

/// A loaded network with the environment it computes in.
#[pyclass(frozen, module = "fpx._fpx")]
pub struct Network {
    graph: Graph,
    env: Env,
}

impl Network {
    /// The output gradient of `grad` and `check`: a seed (one value per output), a loss by
    /// name, or a rule (`one`, `y`, `y-C`); the default is `--loss sum`.
    fn phi(
        &self,
        seed: Option<&[u8]>,
        loss: Option<&str>,
        rule: Option<&str>,
    ) -> PyResult<OutputGradient> {
        let out_fmt = *self.graph.output_format();
        let width = self.graph.output_width();
        match (seed, loss, rule) {
            (Some(seed), None, None) => {
                let values = words(seed);
                if values.len() != width {
                    return Err(PyValueError::new_err(format!(
                        "seed: expected {width} values (one per output of the network, in {out_fmt}), got {}",
                        values.len()
                    )));
                }
                Ok(OutputGradient::Seed(values))
            }
            (None, Some(name), None) => {
                Loss::parse(name).map(OutputGradient::Loss).ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "unknown loss '{name}' (expected one of: sum, mse, softmax-xent)"
                    ))
                })
            }
            (None, None, Some(text)) => {
                fporacle::targets::phi_rule(&self.env, &out_fmt, width, text)
                    .map_err(|e| PyValueError::new_err(format!("phi: {e}")))
            }
            (None, None, None) => Ok(OutputGradient::Loss(Loss::Sum)),
            _ => Err(PyValueError::new_err("give at most one of seed, loss and phi")),
        }
    }
}

#[pymethods]
impl Network {
    /// Loads a network file; literals are rounded under the options' environment.
    #[staticmethod]
    #[pyo3(signature = (path, strict=false, options=None))]
    fn load(path: &str, strict: bool, options: Option<&Bound<'_, PyDict>>) -> PyResult<Network> {
        let env = env_from(options)?;
        let load = LoadOptions { strict, env, ..LoadOptions::default() };
        let loaded = fpnet::file::load_file(Path::new(path), &load)
            .map_err(|e| PyValueError::new_err(format!("--net {path}: {e}")))?;
        Ok(Network { graph: loaded.graph, env })
    }

    /// The format name of each input value, in order.
    fn input_formats(&self) -> Vec<String> {
        input_formats(&self.graph).iter().map(|f| f.name()).collect()
    }

    /// The output format's name.
    fn output_format(&self) -> String {
        self.graph.output_format().name()
    }

    /// The number of output values.
    fn output_width(&self) -> usize {
        self.graph.output_width()
    }

    /// Outputs and flags of samples (`u64` words, the input vectors one after the other).
    fn eval<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyBytes>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let inputs = words(x.as_bytes());
        let batch = py.allow_threads(|| {
            Interpreter::new(&self.graph, self.env).eval_batch(&inputs).map_err(value_error)
        })?;
        let outputs: Vec<u128> = (0..batch.len()).flat_map(|k| batch.output(k).to_vec()).collect();
        let flags: Vec<u8> = batch.flags.iter().map(|f| f.bits()).collect();
        Ok((PyBytes::new(py, &to_bytes(&outputs)), PyBytes::new(py, &flags)))
    }

    /// Outputs, input gradients and (with `params`) the parameter gradients summed over the
    /// samples in order from +0 (`mean`: divided once by their number), per affine node:
    /// `(name, format, rows, cols, dW, db)`.
    #[pyo3(signature = (x, seed=None, loss=None, phi=None, targets=None, params=false, mean=false))]
    #[allow(clippy::too_many_arguments)]
    fn grad<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyBytes>,
        seed: Option<&Bound<'py, PyBytes>>,
        loss: Option<&str>,
        phi: Option<&str>,
        targets: Option<&Bound<'py, PyBytes>>,
        params: bool,
        mean: bool,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Vec<NodeGrads<'py>>)> {
        let phi = self.phi(seed.map(|s| s.as_bytes()), loss, phi)?;
        if phi.needs_target() != targets.is_some() {
            return Err(PyValueError::new_err(if targets.is_some() {
                "targets apply to loss='mse' and loss='softmax-xent'"
            } else {
                "this loss needs targets= (one row of output values per sample)"
            }));
        }
        let inputs = words(x.as_bytes());
        let targets = targets.map(|t| words(t.as_bytes()));
        let mut sums = params.then(|| ParamGrads::zeros(&self.graph));
        let batch = py.allow_threads(|| {
            let ad = Ad::new(&self.graph, self.env);
            let batch = ad
                .batch(&inputs, &phi, targets.as_deref(), sums.as_mut(), BatchOptions::default())
                .map_err(value_error)?;
            if mean {
                if let Some(sum) = sums.take() {
                    sums = Some(sum.mean(&self.env).map_err(value_error)?);
                }
            }
            Ok::<_, PyErr>(batch)
        })?;
        let outputs: Vec<u128> = (0..batch.len()).flat_map(|k| batch.output(k).to_vec()).collect();
        let grads: Vec<u128> =
            (0..batch.len()).flat_map(|k| batch.input_gradient(k).to_vec()).collect();
        let mut per_node = Vec::new();
        if let Some(sums) = sums {
            for (idx, grad) in sums.nodes.iter().enumerate() {
                if let Some(g) = grad {
                    per_node.push((
                        self.graph.name_of(fpnet::NodeId(idx)),
                        g.format.name(),
                        g.rows,
                        g.cols,
                        PyBytes::new(py, &to_bytes(&g.weights)),
                        PyBytes::new(py, &to_bytes(&g.bias)),
                    ));
                }
            }
        }
        Ok((PyBytes::new(py, &to_bytes(&outputs)), PyBytes::new(py, &to_bytes(&grads)), per_node))
    }

    /// `fpx net check`: each sample's outputs and input gradient against the targets (`y`
    /// and `g` rows); returns the counts and the first `max_mismatches` mismatches as
    /// `(index, description)`.
    #[pyo3(signature = (x, y, g, seed=None, loss=None, phi=None, max_mismatches=10))]
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyBytes>,
        y: &Bound<'_, PyBytes>,
        g: &Bound<'_, PyBytes>,
        seed: Option<&Bound<'_, PyBytes>>,
        loss: Option<&str>,
        phi: Option<&str>,
        max_mismatches: usize,
    ) -> PyResult<CheckCounts> {
        let phi = self.phi(seed.map(|s| s.as_bytes()), loss, phi)?;
        let (d_in, d_out) = (self.graph.input_width(), self.graph.output_width());
        let (inputs, values, grads) =
            (words(x.as_bytes()), words(y.as_bytes()), words(g.as_bytes()));
        let expected: Vec<Expected> = values
            .chunks(d_out.max(1))
            .zip(grads.chunks(d_in.max(1)))
            .map(|(v, g)| Expected { value: v.to_vec(), gradient: g.to_vec() })
            .collect();
        let report = py.allow_threads(|| {
            let ad = Ad::new(&self.graph, self.env);
            let mut verifier = Verifier::new(&ad, &phi, max_mismatches);
            verifier.check(&inputs, &expected, None).map_err(value_error)?;
            Ok::<_, PyErr>(verifier.finish())
        })?;
        let out_fmt = *self.graph.output_format();
        let in_formats = input_formats(&self.graph);
        let mismatches = report
            .mismatches
            .iter()
            .map(|m| {
                let parts: Vec<String> = m
                    .fields
                    .iter()
                    .map(|f| {
                        let (name, k, fmt, want, have) = match *f {
                            Field::Value(k) => {
                                ("y*", k, out_fmt, m.expected.value[k], m.got.value[k])
                            }
                            Field::Gradient(k) => {
                                ("g*", k, in_formats[k], m.expected.gradient[k], m.got.gradient[k])
                            }
                        };
                        let hex = |v| fpcore::text::bits::format_bits(&fmt, v);
                        format!("{name}[{k}] expected {}, got {}", hex(want), hex(have))
                    })
                    .collect();
                (m.index, parts.join("; "))
            })
            .collect();
        Ok((report.passed, report.failed, mismatches))
    }
}
