"""``fpx.mx``: OCP MX v1.0 blocks (docs/semantics.md §8), as ``fpx mx quantize``,
``fpx mx dequantize`` and ``fpx mx dot`` compute them.

A block is a shared E8M0 scale X and ``block`` elements of an element type: ``e4m3fn``
(MXFP8), ``e5m2``, ``e2m3fn`` (MXFP6), ``e3m2fn``, ``e2m1fn`` (MXFP4) or ``int8`` (MXINT8);
the MX names ``mxfp8_e4m3``, ``mxfp4``, ``mxint8`` ... work too. Arrays of blocks run along
the last axis: ``block`` consecutive values of the last axis form one block, so values of
shape ``(..., n)`` have scales of shape ``(..., n // block)``.

Scales are ``ml_dtypes.float8_e8m0fnu`` arrays, elements arrays of the element format's
ml_dtypes dtype (``int8`` for MXINT8's two's complement integers k, standing for k * 2^-6),
and values ``float32``; or, when the input holds unsigned integers, bit patterns: ``uint8``
scales and elements, ``uint32`` values.
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from . import _fpx
from ._formats import Format

#: The scale format, E8M0: X = 2^(code - 127), code 0xFF is NaN.
SCALE_FORMAT = "e8m0fnu"

Blocks = Tuple[np.ndarray, np.ndarray]


def _elem_format(elem: str) -> Any:
    """The element's fpx format (None for MXINT8); the extension checks the name."""
    name = _fpx.mx_elem_name(elem)
    return None if name == "int8" else Format(name)


def _native(array: np.ndarray) -> np.ndarray:
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return np.ascontiguousarray(array)


def _bytes_of(array: Any, fmt: Any, what: str, signed_ok: bool = False) -> Tuple[np.ndarray, bool]:
    """An array of one-byte encodings as uint8 and whether it held bit patterns."""
    array = _native(np.asarray(array))
    kind = array.dtype.kind
    if kind == "u":
        if array.dtype.itemsize != 1:
            raise ValueError(f"{what}: bit patterns are uint8, got {array.dtype.name}")
        return array, True
    if kind == "i" and signed_ok and array.dtype.itemsize == 1:
        return array.view(np.uint8), False
    if fmt is not None and fmt.dtype is not None and array.dtype == fmt.dtype:
        return array.view(np.uint8), False
    expected = "int8 or uint8" if signed_ok else (
        f"{fmt.dtype.name} or uint8" if fmt is not None and fmt.dtype is not None else "uint8")
    raise ValueError(f"{what}: expected {expected} arrays, got {array.dtype.name}")


def _typed(raw: Any, fmt: Any, shape: Tuple[int, ...], as_bits: bool,
           signed: bool = False) -> np.ndarray:
    """One-byte encodings as an array of ``fmt``'s dtype (int8 when ``signed``), or uint8."""
    out = np.frombuffer(raw, dtype=np.uint8).reshape(shape)
    if as_bits:
        return out
    if signed:
        return out.view(np.int8)
    if fmt is not None and fmt.dtype is not None:
        return out.view(fmt.dtype)
    return out


def quantize(x: Any, elem: str, *, block: int = 32) -> Blocks:
    """Quantizes binary32 values (``float32``, or ``uint32`` bit patterns) into MX blocks of
    ``block`` values along the last axis: ``(scales, elems)``. The scale of a block is
    2^(floor(log2(max |v|)) - emax of the element type) (2^-127 for an all-zero block; the NaN
    scale for a block holding a NaN or an infinity); each element is v / X rounded once to
    nearest even, saturated to the element type's largest magnitude."""
    fmt = _elem_format(elem)
    values = _native(np.asarray(x))
    if values.dtype == np.float32:
        as_bits = False
    elif values.dtype == np.uint32:
        as_bits = True
    else:
        raise ValueError(
            f"quantize takes binary32 values (float32, or uint32 bit patterns), got {values.dtype.name}"
        )
    if values.ndim == 0:
        raise ValueError("quantize takes an array of at least one dimension")
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    n = values.shape[-1]
    if n % block:
        raise ValueError(f"the last axis has {n} values, which do not split into blocks of {block}")
    scales, elems = _fpx.mx_quantize(elem, values.tobytes(), block)
    scale_shape = values.shape[:-1] + (n // block,)
    return (_typed(scales, Format(SCALE_FORMAT), scale_shape, as_bits),
            _typed(elems, fmt, values.shape, as_bits, signed=fmt is None))


def _blocks(blocks: Any, fmt: Any, what: str) -> Tuple[np.ndarray, np.ndarray, int, bool]:
    """Scales and elements as uint8 arrays, the block size, and whether both held bits."""
    try:
        scales, elems = blocks
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected a (scales, elems) pair, as quantize returns") from None
    scales, scale_bits = _bytes_of(scales, Format(SCALE_FORMAT), f"{what} scales")
    elems, elem_bits = _bytes_of(elems, fmt, f"{what} elems", signed_ok=fmt is None)
    if scales.ndim == 0 or elems.ndim != scales.ndim or elems.shape[:-1] != scales.shape[:-1] \
            or scales.shape[-1] == 0 or elems.shape[-1] % scales.shape[-1]:
        raise ValueError(
            f"{what}: scales of shape {scales.shape} do not match elements of shape {elems.shape} "
            "(the last axis of the elements must hold a whole block per scale)"
        )
    return scales, elems, elems.shape[-1] // scales.shape[-1], scale_bits and elem_bits


def _values(raw: Any, shape: Tuple[int, ...], as_bits: bool) -> np.ndarray:
    out = np.frombuffer(raw, dtype=np.uint32).reshape(shape)
    return out if as_bits else out.view(np.float32)


def dequantize(blocks: Blocks, elem: str) -> Tuple[np.ndarray, np.ndarray]:
    """Reads MX blocks (``(scales, elems)`` as :func:`quantize` returns them) back as binary32:
    each element times its block's scale, rounded once: ``(vals, flags)``, vals ``float32``
    (``uint32`` bit patterns when the blocks are bit patterns) of the elements' shape. A NaN
    scale makes its block NaN."""
    fmt = _elem_format(elem)
    scales, elems, block, as_bits = _blocks(blocks, fmt, "dequantize")
    vals, flags = _fpx.mx_dequantize(elem, scales.tobytes(), elems.tobytes(), block)
    return (_values(vals, elems.shape, as_bits),
            np.frombuffer(flags, dtype=np.uint8).reshape(elems.shape))


def dot(a: Blocks, b: Blocks, elem: str) -> Tuple[np.ndarray, np.ndarray]:
    """The dot product of each pair of blocks of ``a`` and ``b`` (``(scales, elems)`` pairs of
    the same shapes), computed exactly and rounded once to binary32: ``(vals, flags)`` of the
    scales' shape, vals ``float32`` (``uint32`` bit patterns when both hold bit patterns)."""
    fmt = _elem_format(elem)
    sa, ea, block, a_bits = _blocks(a, fmt, "a")
    sb, eb, _, b_bits = _blocks(b, fmt, "b")
    if ea.shape != eb.shape or sa.shape != sb.shape:
        raise ValueError(
            f"a has elements of shape {ea.shape}, b {eb.shape}: dot takes blocks of the same shapes"
        )
    vals, flags = _fpx.mx_dot(elem, sa.tobytes(), ea.tobytes(), sb.tobytes(), eb.tobytes(), block)
    return (_values(vals, sa.shape, a_bits and b_bits),
            np.frombuffer(flags, dtype=np.uint8).reshape(sa.shape))
