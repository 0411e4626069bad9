//! OCP MX blocks over byte buffers (`fpx.mx`): quantizing binary32 values into blocks,
//! reading blocks back as binary32 and the exact dot product of two blocks, through
//! [`fpcore::mx`] as `fpx mx quantize|dequantize|dot` computes them. Values cross as
//! native-endian `u32` words (binary32 bit patterns), scales and elements as one byte each
//! (E8M0 scale encodings; element encodings, MXINT8's as its two's complement byte). The GIL
//! is released while the blocks are computed.

use fpcore::mx::{dequantize, dot, quantize, MxBlock, MxElem};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::error::value_error;

/// Native-endian `u32` words of a buffer (a length not a multiple of 4 is cut).
fn read_words(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_ne_bytes(c.try_into().expect("4 bytes"))).collect()
}

/// `u32` words as native-endian bytes.
fn write_words(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// The element type of a name, with the command line's message on failure.
fn parse_elem(name: &str) -> PyResult<MxElem> {
    MxElem::parse(name).map_err(value_error)
}

/// An error unless `block` is positive.
fn check_block(block: usize) -> PyResult<()> {
    if block == 0 {
        return Err(PyValueError::new_err("block must be at least 1"));
    }
    Ok(())
}

/// The blocks of `scales` (one byte per block) and `elems` (`block` bytes per block),
/// each element checked to fit the element type's width.
fn blocks(
    elem: MxElem,
    what: &str,
    scales: &[u8],
    elems: &[u8],
    block: usize,
) -> PyResult<Vec<MxBlock>> {
    if elems.len() != scales.len() * block {
        return Err(PyValueError::new_err(format!(
            "{what}: {} scales of blocks of {block} need {} elements, got {}",
            scales.len(),
            scales.len() * block,
            elems.len()
        )));
    }
    let bits = elem.bits();
    if let Some(i) = elems.iter().position(|&e| bits < 8 && u32::from(e) >> bits != 0) {
        return Err(PyValueError::new_err(format!(
            "{what}: element {i} is 0x{:02X}, not an encoding of {} ({bits} bits)",
            elems[i],
            elem.name()
        )));
    }
    Ok(scales
        .iter()
        .zip(elems.chunks_exact(block))
        .map(|(&scale, chunk)| MxBlock { scale, elems: chunk.iter().map(|&e| e.into()).collect() })
        .collect())
}

/// The canonical name of an MX element type (`e4m3fn`, ..., `int8`) from any name the
/// command line's `--elem` takes.
#[pyfunction]
pub fn mx_elem_name(elem: &str) -> PyResult<String> {
    Ok(parse_elem(elem)?.name())
}

/// Quantizes native-endian binary32 words, `block` values per block, into blocks: the E8M0
/// scales (one byte per block) and the element encodings (one byte each).
#[pyfunction]
pub fn mx_quantize<'py>(
    py: Python<'py>,
    elem: &str,
    values: &Bound<'py, PyBytes>,
    block: usize,
) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
    let elem = parse_elem(elem)?;
    check_block(block)?;
    let words = read_words(values.as_bytes());
    if words.len() % block != 0 {
        return Err(PyValueError::new_err(format!(
            "{} values do not split into blocks of {block}",
            words.len()
        )));
    }
    let (scales, elems) = py.allow_threads(|| {
        let mut scales = Vec::with_capacity(words.len() / block);
        let mut elems = Vec::with_capacity(words.len());
        for chunk in words.chunks_exact(block) {
            let b = quantize(elem, chunk);
            scales.push(b.scale);
            // Element encodings have at most 8 bits.
            elems.extend(b.elems.iter().map(|&e| e as u8));
        }
        (scales, elems)
    });
    Ok((PyByteArray::new(py, &scales), PyByteArray::new(py, &elems)))
}

/// Reads blocks back: each element times its block's scale, rounded once to binary32, as
/// native-endian `u32` words, and the flags (one byte per element).
#[pyfunction]
pub fn mx_dequantize<'py>(
    py: Python<'py>,
    elem: &str,
    scales: &Bound<'py, PyBytes>,
    elems: &Bound<'py, PyBytes>,
    block: usize,
) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
    let elem = parse_elem(elem)?;
    check_block(block)?;
    let blocks = blocks(elem, "dequantize", scales.as_bytes(), elems.as_bytes(), block)?;
    let (values, flags) = py.allow_threads(|| {
        let mut values = Vec::with_capacity(blocks.len() * block);
        let mut flags = Vec::with_capacity(blocks.len() * block);
        for b in &blocks {
            for r in dequantize(elem, b) {
                values.push(r.value);
                flags.push(r.flags.bits());
            }
        }
        (write_words(&values), flags)
    });
    Ok((PyByteArray::new(py, &values), PyByteArray::new(py, &flags)))
}

/// The dot product of each pair of blocks, computed exactly and rounded once to binary32:
/// native-endian `u32` words and the flags, one per pair.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn mx_dot<'py>(
    py: Python<'py>,
    elem: &str,
    scales_a: &Bound<'py, PyBytes>,
    elems_a: &Bound<'py, PyBytes>,
    scales_b: &Bound<'py, PyBytes>,
    elems_b: &Bound<'py, PyBytes>,
    block: usize,
) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
    let elem = parse_elem(elem)?;
    check_block(block)?;
    let a = blocks(elem, "a", scales_a.as_bytes(), elems_a.as_bytes(), block)?;
    let b = blocks(elem, "b", scales_b.as_bytes(), elems_b.as_bytes(), block)?;
    if a.len() != b.len() {
        return Err(PyValueError::new_err(format!("a has {} blocks, b has {}", a.len(), b.len())));
    }
    let products = py.allow_threads(|| {
        a.iter().zip(&b).map(|(x, y)| dot(elem, x, y)).collect::<Result<Vec<_>, _>>()
    });
    let products = products.map_err(value_error)?;
    let values: Vec<u32> = products.iter().map(|r| r.value).collect();
    let flags: Vec<u8> = products.iter().map(|r| r.flags.bits()).collect();
    Ok((PyByteArray::new(py, &write_words(&values)), PyByteArray::new(py, &flags)))
}
