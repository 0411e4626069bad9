"""One value at a time: ``decode`` (an encoding's exact value) and ``encode`` (a number
rounded once)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _fpx
from ._env import env_options
from ._formats import Format, decode_one


def decode(bits: Any, format: Any) -> Union[Fraction, float, np.ndarray]:
    """The exact value of an encoding of ``format``: a ``fractions.Fraction`` for zeros and
    finite values (negative zero decodes to 0), ``float('inf')``, ``float('-inf')`` or
    ``float('nan')`` for the specials. An array of bit patterns gives an object array of
    the same shape."""
    fmt = Format(format)
    if isinstance(bits, (int, np.integer)):
        return decode_one(int(bits), fmt)
    array = np.asarray(bits)
    if array.dtype.kind != "u":
        raise ValueError(f"decode takes unsigned bit patterns, got dtype {array.dtype.name}")
    out = np.empty(array.shape, dtype=object)
    for index, value in np.ndenumerate(array):
        out[index] = decode_one(int(value), fmt)
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ValueError("encode takes a number or its text, got a bool")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return float(value).hex()  # exact
    if isinstance(value, Fraction):
        d = value.denominator
        if d & (d - 1) == 0:  # a power of two: exact as a hex-float
            n = value.numerator
            sign = "-" if n < 0 else ""
            return f"{sign}{abs(n):#x}p-{d.bit_length() - 1}"
        raise ValueError(f"{value} is not a dyadic rational; pass its decimal text")
    raise ValueError(f"encode takes a number or its text, got {type(value).__name__}")


def encode(value: Any, format: Any, *, tininess: Optional[str] = None,
           nan: Optional[str] = None, overflow: Optional[str] = None, daz: bool = False,
           ftz: bool = False, via: Optional[Any] = None) -> Tuple[int, int]:
    """``value`` (decimal or hex-float text, an int, a float or a dyadic Fraction) rounded
    once to ``format``: ``(bits, flags)``, as ``fpx encode`` computes it with the same
    environment options (those of :func:`fpx.add`)."""
    options = env_options(tininess, nan, overflow, daz, ftz, via)
    return _fpx.encode(Format(format).name, _text(value), options)


def gen(op: str, format: Any, *, level: int = 1, seed: int = 1, count: Optional[int] = None,
        kink: Optional[str] = None, tininess: Optional[str] = None, nan: Optional[str] = None,
        overflow: Optional[str] = None, daz: bool = False, ftz: bool = False,
        via: Optional[Any] = None) -> Tuple[Tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """``fpx gen``'s vectors as arrays: ``(operands, results, flags)``, operands a tuple of
    one bit-pattern array per operand (the format's unsigned word), results in the result
    format's word, in the order ``fpx gen`` writes its lines (edge values, then ``count``
    seeded random cases: 1000 at level 1, 10000 at level 2 by default)."""
    from ._ops import elementwise

    fmt = Format(format)
    columns = _fpx.gen_cases(op, fmt.name, level, seed, count)
    operands = tuple(np.array(c, dtype=fmt.bits_dtype) for c in columns)
    to = op[4:] if op.startswith("cvt:") else None
    name = "cvt" if to else op
    options = env_options(tininess, nan, overflow, daz, ftz, via)
    results, flags = elementwise(name, operands, fmt, options, to=to, kink=kink)
    return operands, results, flags
