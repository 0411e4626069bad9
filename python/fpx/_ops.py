"""Elementwise operations over numpy arrays: operands are broadcast, turned into buffers of
bit patterns and computed by one call into the extension per operation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _fpx
from ._env import env_options
from ._formats import Format, _format_of_dtype

FormatLike = Union[str, Format, Any]

#: TestFloat's flag bits, as the ``flags`` arrays hold them.
FLAGS: Dict[str, int] = {"inexact": 1, "underflow": 2, "overflow": 4, "infinite": 8, "invalid": 16}

_NAMES = "abc"


def _env_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """The keyword options of a call as the extension's option dict (one mapping in Rust
    turns them into the environment and names unknown options and values)."""
    return {name: value for name, value in options.items() if value is not None}


class Operands:
    """Operand arrays of one format, broadcast to one shape."""

    def __init__(self, arrays: Sequence[Any], format: Optional[FormatLike], what: str) -> None:
        arrays = [np.asarray(x) for x in arrays]
        # Buffers cross as native-endian words: byte-swapped dtypes are converted first.
        arrays = [a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))
                  for a in arrays]
        first = arrays[0].dtype
        for name, array in zip(_NAMES, arrays):
            if array.dtype != first:
                raise ValueError(
                    f"{what}: dtype mismatch: a is {first.name}, {name} is {array.dtype.name}"
                )
        if first.kind == "u":
            if format is None:
                raise ValueError(
                    f"{what}: unsigned integer arrays are bit patterns and need format="
                )
            self.fmt = Format(format)
            self.is_bits = True
            self.fmt.bits_dtype  # formats wider than 64 bits are refused here
            if 8 * first.itemsize < self.fmt.bits:
                raise ValueError(
                    f"{what}: bit patterns of {self.fmt.name} need unsigned integers of at least "
                    f"{self.fmt.bits} bits, got {first.name}"
                )
        elif first.kind in "ib" or first.kind not in "fV":
            raise ValueError(
                f"{what}: dtype {first.name} is neither a floating-point format nor unsigned "
                "bit patterns"
            )
        else:
            self.fmt = _format_of_dtype(first)
            self.is_bits = False
            if format is not None and Format(format) != self.fmt:
                raise ValueError(
                    f"{what}: format={Format(format).name} does not match the dtype "
                    f"{first.name} ({self.fmt.name})"
                )
        self.fmt.bits_dtype  # formats wider than 64 bits are refused here
        if len(arrays) > 1 and any(a.shape != arrays[0].shape for a in arrays):
            try:
                arrays = list(np.broadcast_arrays(*arrays))
            except ValueError:
                shapes = ", ".join(
                    f"{name} {tuple(a.shape)}" for name, a in zip(_NAMES, arrays)
                )
                raise ValueError(f"{what}: shapes do not broadcast: {shapes}") from None
        self.arrays = arrays
        self.dtype = first
        self.shape = arrays[0].shape

    def buffers(self) -> List[bytes]:
        """Each operand's elements in C order as native-endian bytes."""
        return [a.tobytes() for a in self.arrays]

    def result_dtype(self, result_fmt: Format) -> np.dtype:
        """The dtype of the results: the operands' own when the format is the same, else the
        result format's dtype (bit patterns in its unsigned word when it has none)."""
        if result_fmt == self.fmt:
            return self.dtype
        if not self.is_bits and result_fmt.dtype is not None:
            return result_fmt.dtype
        return result_fmt.bits_dtype


def elementwise(
    op: str,
    arrays: Sequence[Any],
    format: Optional[FormatLike],
    options: Dict[str, Any],
    to: Optional[FormatLike] = None,
    kink: Optional[str] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """Computes ``op`` on broadcast operands: ``(vals, flags)``, flags as uint8."""
    return compute(op, Operands(arrays, format, op), options, to, kink)


def compute(
    op: str,
    operands: Operands,
    options: Dict[str, Any],
    to: Optional[FormatLike] = None,
    kink: Optional[str] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`elementwise` on operands already checked and broadcast."""
    result_fmt = operands.fmt if to is None else Format(to)
    out_dtype = operands.result_dtype(result_fmt)
    name = op if to is None else f"cvt:{result_fmt.name}"
    vals, flags = _fpx.eval(
        name,
        operands.fmt.name,
        operands.buffers(),
        operands.dtype.itemsize,
        out_dtype.itemsize,
        _env_options(options),
        kink,
    )
    vals = np.frombuffer(vals, dtype=out_dtype).reshape(operands.shape)
    flags = np.frombuffer(flags, dtype=np.uint8).reshape(operands.shape)
    return vals, flags


def nan_mask(values: np.ndarray, fmt: Format) -> np.ndarray:
    """Which elements of an array (of ``fmt``'s dtype or bit patterns) are NaNs."""
    values = np.asarray(values)
    mask = _fpx.nan_mask(fmt.name, values.tobytes(), values.dtype.itemsize)
    return np.frombuffer(mask, dtype=np.uint8).reshape(values.shape).astype(bool)


def as_bits(values: np.ndarray, fmt: Format) -> np.ndarray:
    """Bit patterns of an array of ``fmt``'s dtype, or the array itself when it holds bits."""
    values = np.asarray(values)
    if values.dtype.kind == "u":
        return values.astype(np.uint64)
    if _format_of_dtype(values.dtype) != fmt:
        raise ValueError(f"dtype {values.dtype.name} does not hold {fmt.name}")
    return values.view(f"u{values.dtype.itemsize}").astype(np.uint64)


ENV_DOC = """Keyword options (every call that computes takes them, as the command line does):
``tininess`` ``"after"`` | ``"before"``; ``nan`` ``"canonical"`` | ``"x86"`` | ``"arm"`` |
``"xla"`` | ``"ml_dtypes"``; ``overflow`` ``"ieee"`` | ``"saturate"`` (= ``"sat-propagate"``) |
``"sat-finite"`` | ``"sat-propagate"``; ``daz`` (subnormal operands read as zero); ``ftz``
(tiny results flushed to zero); ``via`` (a format: compute in it, then round to the
operation's format). Defaults: exact IEEE 754 arithmetic."""


def _documented(f):
    f.__doc__ = f"{f.__doc__}\n\n{ENV_DOC}"
    return f


@_documented
def add(a, b, *, format=None, tininess=None, nan=None, overflow=None, daz=False, ftz=False,
        via=None):
    """``a + b`` rounded once, elementwise with numpy broadcasting: ``(vals, flags)``."""
    return elementwise("add", (a, b), format,
                       env_options(tininess, nan, overflow, daz, ftz, via))


@_documented
def sub(a, b, *, format=None, tininess=None, nan=None, overflow=None, daz=False, ftz=False,
        via=None):
    """``a - b`` rounded once, elementwise with numpy broadcasting: ``(vals, flags)``."""
    return elementwise("sub", (a, b), format,
                       env_options(tininess, nan, overflow, daz, ftz, via))


@_documented
def mul(a, b, *, format=None, tininess=None, nan=None, overflow=None, daz=False, ftz=False,
        via=None):
    """``a * b`` rounded once, elementwise with numpy broadcasting: ``(vals, flags)``."""
    return elementwise("mul", (a, b), format,
                       env_options(tininess, nan, overflow, daz, ftz, via))


@_documented
def div(a, b, *, format=None, tininess=None, nan=None, overflow=None, daz=False, ftz=False,
        via=None):
    """``a / b`` rounded once, elementwise with numpy broadcasting: ``(vals, flags)``."""
    return elementwise("div", (a, b), format,
                       env_options(tininess, nan, overflow, daz, ftz, via))


@_documented
def fma(a, b, c, *, format=None, tininess=None, nan=None, overflow=None, daz=False, ftz=False,
        via=None):
    """``a * b + c`` rounded once, elementwise with numpy broadcasting: ``(vals, flags)``."""
    return elementwise("fma", (a, b, c), format,
                       env_options(tininess, nan, overflow, daz, ftz, via))


@_documented
def sqrt(a, *, format=None, tininess=None, nan=None, overflow=None, daz=False, ftz=False,
         via=None):
    """Square root, correctly rounded, elementwise: ``(vals, flags)``."""
    return elementwise("sqrt", (a,), format, env_options(tininess, nan, overflow, daz, ftz, via))


@_documented
def convert(x, to, *, format=None, tininess=None, nan=None, overflow=None, daz=False,
            ftz=False, via=None):
    """``x`` rounded once to the format ``to`` (a name, Format or dtype): ``(vals, flags)``;
    vals has ``to``'s dtype (bit patterns in its unsigned word when ``x`` holds bit patterns
    or ``to`` has no numpy dtype)."""
    return elementwise("cvt", (x,), format, env_options(tininess, nan, overflow, daz, ftz, via),
                       to=to)


@_documented
def apply(name, x, *, format=None, kink=None, tininess=None, nan=None, overflow=None,
          daz=False, ftz=False, via=None):
    """An activation or derivative by name (``relu``, ``gelu``, ``d_gelu``,
    ``gelu:composite`` ...), elementwise: ``(vals, flags)``. ``kink`` is the derivative's value
    at a kink (decimal or hex-float text, rounded to the format)."""
    if name.split(":")[0] in ("add", "sub", "mul", "div", "sqrt", "fma", "cvt", "muladd", "mulAdd"):
        raise ValueError(
            f"unknown activation '{name}' (apply takes activations and derivatives; "
            f"use fpx.{name.split(':')[0].lower()} for arithmetic)"
        )
    return elementwise(name, (x,), format, env_options(tininess, nan, overflow, daz, ftz, via),
                       kink=kink)
