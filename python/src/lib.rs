//! `fpx._fpx`: the extension module under the Python package `fpx`. It holds the calls that
//! compute (formats, elementwise operations over byte buffers of bit patterns, decode,
//! encode, generated vectors, networks, MX blocks); the package's Python modules turn numpy
//! arrays into those buffers and back.

use fpcore::{Format, Op};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict};

pub mod error;
pub mod gen;
pub mod kernel;
pub mod mx;
pub mod net;
pub mod options;

use error::value_error;
use kernel::eval_bytes;
use options::env_from;

/// Parses a format name, with the command line's message on failure.
fn parse_format(name: &str) -> PyResult<Format> {
    Format::parse(name).map_err(value_error)
}

/// The fields of one format as a dict: name, p, emin, emax, bits, specials and the bit
/// patterns of the largest finite value and the smallest normal and subnormal ones.
fn format_dict<'py>(py: Python<'py>, f: &Format) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", f.name())?;
    d.set_item("p", f.p())?;
    d.set_item("emin", f.emin())?;
    d.set_item("emax", f.emax())?;
    d.set_item("bits", f.bits())?;
    d.set_item("specials", format!("{:?}", f.specials()).to_lowercase())?;
    d.set_item("max_bits", f.max_finite(false))?;
    d.set_item("min_normal_bits", if f.has_zero() { 1u128 << f.frac_bits() } else { 0 })?;
    d.set_item("min_subnormal_bits", (f.p() > 1).then(|| f.min_positive(false)))?;
    d.set_item("has_inf", f.has_inf())?;
    d.set_item("has_nan", f.has_nan())?;
    Ok(d)
}

/// The named formats in the order `fpx formats` lists them, each as [`format_dict`] with its
/// other accepted names.
#[pyfunction]
fn formats(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    fpcore::format::NAMED
        .iter()
        .map(|named| {
            let d = format_dict(py, &named.format)?;
            d.set_item("aliases", named.aliases.to_vec())?;
            Ok(d)
        })
        .collect()
}

/// One format's fields ([`format_dict`]) from any name `Format::parse` accepts.
#[pyfunction]
fn format_info<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
    format_dict(py, &parse_format(name)?)
}

/// The operation of a name, with the kink (decimal or hex-float text in the operand format)
/// applied to activations.
fn parse_op(name: &str, fmt: &Format, kink: Option<&str>, env: &fpcore::Env) -> PyResult<Op> {
    let op = Op::parse(name).map_err(value_error)?;
    let Some(text) = kink else { return Ok(op) };
    if !matches!(op, Op::Act { .. }) {
        return Err(PyValueError::new_err("kink applies to activation operations only"));
    }
    let value = fpcore::text::parse_value(env, fmt, text).map_err(value_error)?.value;
    Ok(op.with_kink(value))
}

/// An error unless `op` takes `n` operands.
fn check_arity(op: &Op, n: usize) -> PyResult<()> {
    if n == op.arity() {
        return Ok(());
    }
    Err(PyValueError::new_err(format!("{op} takes {} operand(s), got {n}", op.arity())))
}

/// Applies an operation elementwise to equal-length native-endian buffers of bit patterns of
/// `fmt`, `width` bytes per operand word and `out_width` per result word; returns the
/// results and the flags (one byte each) as bytearrays. The GIL is released meanwhile.
#[pyfunction]
#[pyo3(signature = (op, fmt, operands, width, out_width, options=None, kink=None))]
#[allow(clippy::too_many_arguments)]
fn eval<'py>(
    py: Python<'py>,
    op: &str,
    fmt: &str,
    operands: Vec<Bound<'py, PyBytes>>,
    width: usize,
    out_width: usize,
    options: Option<&Bound<'py, PyDict>>,
    kink: Option<&str>,
) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
    let env = env_from(options)?;
    let format = parse_format(fmt)?;
    let op = parse_op(op, &format, kink, &env)?;
    check_arity(&op, operands.len())?;
    let bytes: Vec<&[u8]> = operands.iter().map(|b| b.as_bytes()).collect();
    let n = bytes.first().map_or(0, |b| b.len());
    if width == 0 || bytes.iter().any(|b| b.len() != n || b.len() % width != 0) {
        return Err(PyValueError::new_err("operand buffers differ in length"));
    }
    let (out, flags) = py
        .allow_threads(|| {
            macro_rules! by_out {
                ($a:ty) => {
                    match out_width {
                        1 => Ok(eval_bytes::<$a, u8>(&op, &env, &format, &bytes)),
                        2 => Ok(eval_bytes::<$a, u16>(&op, &env, &format, &bytes)),
                        4 => Ok(eval_bytes::<$a, u32>(&op, &env, &format, &bytes)),
                        8 => Ok(eval_bytes::<$a, u64>(&op, &env, &format, &bytes)),
                        w => Err(format!("result words of {w} bytes are not supported")),
                    }
                };
            }
            match width {
                1 => by_out!(u8),
                2 => by_out!(u16),
                4 => by_out!(u32),
                8 => by_out!(u64),
                w => Err(format!("operand words of {w} bytes are not supported")),
            }
        })
        .map_err(PyValueError::new_err)?;
    Ok((PyByteArray::new(py, &out), PyByteArray::new(py, &flags)))
}

/// Seconds the elementwise kernel alone takes on `width`-byte operand words (the benchmark's
/// baseline for the layer's overhead); results are discarded.
#[pyfunction]
fn time_kernel(
    py: Python<'_>,
    op: &str,
    fmt: &str,
    operands: Vec<Bound<'_, PyBytes>>,
    width: usize,
) -> PyResult<f64> {
    let env = fpcore::Env::default();
    let format = parse_format(fmt)?;
    let op = parse_op(op, &format, None, &env)?;
    check_arity(&op, operands.len())?;
    let bytes: Vec<&[u8]> = operands.iter().map(|b| b.as_bytes()).collect();
    py.allow_threads(|| match width {
        1 => Ok(kernel::time_slice::<u8>(&op, &env, &format, &bytes)),
        2 => Ok(kernel::time_slice::<u16>(&op, &env, &format, &bytes)),
        4 => Ok(kernel::time_slice::<u32>(&op, &env, &format, &bytes)),
        8 => Ok(kernel::time_slice::<u64>(&op, &env, &format, &bytes)),
        w => Err(PyValueError::new_err(format!("operand words of {w} bytes are not supported"))),
    })
}

/// One operation on scalar operands through [`Op::eval`], the scalar path the array calls
/// are tested against: `(bits, flags)`.
#[pyfunction]
#[pyo3(signature = (op, fmt, operands, options=None, kink=None))]
fn eval_scalar(
    op: &str,
    fmt: &str,
    operands: Vec<u128>,
    options: Option<&Bound<'_, PyDict>>,
    kink: Option<&str>,
) -> PyResult<(u128, u8)> {
    let env = env_from(options)?;
    let format = parse_format(fmt)?;
    let op = parse_op(op, &format, kink, &env)?;
    check_arity(&op, operands.len())?;
    let r = op.eval(&env, &format, &operands);
    Ok((r.value, r.flags.bits()))
}

/// One encoding of `fmt` taken apart: `(kind, sign, sig, exp)` with kind `"zero"`,
/// `"finite"` (value `(-1)^sign * sig * 2^exp`), `"inf"` or `"nan"`.
#[pyfunction]
fn decode(fmt: &str, bits: u128) -> PyResult<(&'static str, bool, u128, i32)> {
    let format = parse_format(fmt)?;
    let u = format.unpack(bits);
    Ok(match u.kind {
        fpcore::Kind::Zero => ("zero", u.sign, 0, 0),
        fpcore::Kind::Finite { sig, exp } => ("finite", u.sign, sig, exp),
        fpcore::Kind::Inf => ("inf", u.sign, 0, 0),
        fpcore::Kind::Nan { .. } => ("nan", u.sign, 0, 0),
    })
}

/// Decimal or hex-float text rounded once to `fmt`: `(bits, flags)`.
#[pyfunction]
#[pyo3(signature = (fmt, text, options=None))]
fn encode(fmt: &str, text: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<(u128, u8)> {
    let env = env_from(options)?;
    let format = parse_format(fmt)?;
    let r = fpcore::text::parse_value(&env, &format, text).map_err(value_error)?;
    Ok((r.value, r.flags.bits()))
}

/// Which of the bit patterns in a native-endian buffer of `width`-byte words are NaNs of
/// `fmt`: one byte each, 1 for a NaN. The GIL is released meanwhile.
#[pyfunction]
fn nan_mask<'py>(
    py: Python<'py>,
    fmt: &str,
    words: &Bound<'py, PyBytes>,
    width: usize,
) -> PyResult<Bound<'py, PyByteArray>> {
    let format = parse_format(fmt)?;
    if !matches!(width, 1 | 2 | 4 | 8) {
        return Err(PyValueError::new_err(format!("words of {width} bytes are not supported")));
    }
    let bytes = words.as_bytes();
    let mask: Vec<u8> = py.allow_threads(|| {
        bytes
            .chunks_exact(width)
            .map(|c| {
                let mut b = [0u8; 8];
                b[..width].copy_from_slice(c);
                let bits = if cfg!(target_endian = "little") {
                    u64::from_le_bytes(b)
                } else {
                    u64::from_be_bytes(b) >> (64 - 8 * width)
                };
                u8::from(format.unpack(u128::from(bits)).is_nan())
            })
            .collect()
    });
    Ok(PyByteArray::new(py, &mask))
}

/// `fpx gen`'s vectors: the operand columns (lists of bit patterns), in its line order.
#[pyfunction]
#[pyo3(signature = (op, fmt, level=1, seed=1, count=None))]
fn gen_cases(
    op: &str,
    fmt: &str,
    level: u8,
    seed: u64,
    count: Option<u64>,
) -> PyResult<Vec<Vec<u128>>> {
    let format = parse_format(fmt)?;
    let op = Op::parse(op).map_err(value_error)?;
    if !(1..=2).contains(&level) {
        return Err(PyValueError::new_err(format!("level must be 1 or 2, got {level}")));
    }
    let options = fporacle::gen::GenOptions { level, seed, count };
    Ok(gen::cases(&format, op.arity(), &options))
}

/// The table `fpx formats` prints.
#[pyfunction]
fn formats_table() -> String {
    fporacle::show::formats_table()
}

/// The extension module.
#[pymodule]
fn _fpx(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    m.add_function(wrap_pyfunction!(format_info, m)?)?;
    m.add_function(wrap_pyfunction!(eval, m)?)?;
    m.add_function(wrap_pyfunction!(eval_scalar, m)?)?;
    m.add_function(wrap_pyfunction!(time_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(formats_table, m)?)?;
    m.add_function(wrap_pyfunction!(nan_mask, m)?)?;
    m.add_function(wrap_pyfunction!(gen_cases, m)?)?;
    m.add_function(wrap_pyfunction!(mx::mx_elem_name, m)?)?;
    m.add_function(wrap_pyfunction!(mx::mx_quantize, m)?)?;
    m.add_function(wrap_pyfunction!(mx::mx_dequantize, m)?)?;
    m.add_function(wrap_pyfunction!(mx::mx_dot, m)?)?;
    m.add_class::<net::Network>()?;
    m.add("OP_NAMES", fpcore::OP_NAMES)?;
    Ok(())
}
