"""Formats: :class:`Format`, :func:`formats`, and the mapping between formats and numpy or
ml_dtypes dtypes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _fpx

try:  # ml_dtypes is optional: its dtypes are accepted when it is installed.
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - exercised only without ml_dtypes
    _ml_dtypes = None

#: dtype names of numpy and ml_dtypes that may hold an fpx format.
_DTYPE_NAMES = (
    "float16", "float32", "float64", "bfloat16", "float8_e5m2", "float8_e4m3fn",
    "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e4m3", "float8_e3m4", "float4_e2m1fn",
    "float6_e2m3fn", "float6_e3m2fn", "float8_e4m3b11fnuz", "float8_e8m0fnu",
)


def _dtype_by_name(name: str) -> Optional[np.dtype]:
    if hasattr(np, name) and name.startswith("float") and name[5:].isdigit():
        return np.dtype(getattr(np, name))
    if _ml_dtypes is not None and hasattr(_ml_dtypes, name):
        return np.dtype(getattr(_ml_dtypes, name))
    return None


def _exact(kind: str, sign: bool, sig: int, exp: int) -> Union[Fraction, float]:
    if kind == "inf":
        return float("-inf") if sign else float("inf")
    if kind == "nan":
        return float("nan")
    value = Fraction(sig) * (Fraction(2) ** exp)
    return -value if sign else value


class Format:
    """A floating-point format F(p, emin, emax) with its encoding.

    ``Format("e4m3fn")`` takes any name ``fpx formats`` lists, an alias (``bf16``), a generic
    ``eXmY`` or ``p=P,emin=A,emax=B``; ``Format(ml_dtypes.float8_e4m3fn)`` or
    ``Format(np.float16)`` takes a dtype. Attributes: ``name``, ``p`` (precision, hidden bit
    included), ``emin``, ``emax``, ``bits`` (encoding width), ``specials`` (``ieee``,
    ``nanonly``, ``fnuz``, ``finiteonly``), ``max`` (largest finite value as a float),
    ``max_bits`` (its bit pattern), ``max_exact`` (as a Fraction), ``dtype`` (the numpy or
    ml_dtypes dtype of the format, or None), ``bits_dtype`` (the unsigned integer dtype that
    holds its bit patterns).
    """

    __slots__ = ("_info",)

    def __init__(self, spec: Any) -> None:
        if isinstance(spec, Format):
            self._info: Dict[str, Any] = spec._info
            return
        if isinstance(spec, str):
            self._info = _fpx.format_info(spec)
            return
        try:
            dtype = np.dtype(spec)
        except TypeError:
            raise ValueError(f"a format is a name or a dtype, got {spec!r}") from None
        self._info = _format_of_dtype(dtype)._info

    name = property(lambda self: self._info["name"], doc="Canonical name.")
    p = property(lambda self: self._info["p"], doc="Precision in bits, hidden bit included.")
    emin = property(lambda self: self._info["emin"], doc="Exponent of the smallest normal.")
    emax = property(lambda self: self._info["emax"], doc="Exponent of the largest finite value.")
    bits = property(lambda self: self._info["bits"], doc="Encoding width in bits.")
    specials = property(lambda self: self._info["specials"], doc="Which specials it encodes.")
    max_bits = property(lambda self: self._info["max_bits"], doc="Largest finite value's bits.")

    @property
    def max_exact(self) -> Fraction:
        """The largest finite value, exactly."""
        value = decode_one(self.max_bits, self)
        assert isinstance(value, Fraction)
        return value

    @property
    def max(self) -> float:
        """The largest finite value as a Python float (inf when it exceeds binary64)."""
        try:
            return float(self.max_exact)
        except OverflowError:
            return float("inf")

    @property
    def dtype(self) -> Optional[np.dtype]:
        """The numpy or ml_dtypes dtype holding this format, None if there is none."""
        return _dtypes_by_format().get(self._key())

    @property
    def bits_dtype(self) -> np.dtype:
        """The narrowest unsigned integer dtype that holds the bit patterns."""
        for width in (8, 16, 32, 64):
            if self.bits <= width:
                return np.dtype(f"uint{width}")
        raise ValueError(
            f"{self.name} has {self.bits}-bit encodings; array calls take formats of at most 64 bits"
        )

    def _key(self) -> tuple:
        return (self.p, self.emin, self.emax, self.specials)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Format) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Format({self.name!r})"

    def __str__(self) -> str:
        return self.name


def decode_one(bits: int, fmt: Union[str, Format]) -> Union[Fraction, float]:
    """The exact value of one encoding (see :func:`fpx.decode`)."""
    return _exact(*_fpx.decode(Format(fmt).name, int(bits)))


_BY_FORMAT: Optional[Dict[tuple, np.dtype]] = None


def _dtypes_by_format() -> Dict[tuple, np.dtype]:
    global _BY_FORMAT
    if _BY_FORMAT is None:
        table: Dict[tuple, np.dtype] = {}
        for name in _DTYPE_NAMES:
            dtype = _dtype_by_name(name)
            if dtype is None:
                continue
            try:
                table.setdefault(_format_of_dtype(dtype)._key(), dtype)
            except ValueError:
                continue
        _BY_FORMAT = table
    return _BY_FORMAT


def _format_of_dtype(dtype: np.dtype) -> Format:
    """The format a floating-point dtype holds, checked against the dtype's own largest
    finite value and width."""
    name = dtype.name
    if dtype.kind in "ui":
        raise ValueError(
            f"dtype {name} holds integers; pass format= to read them as bit patterns"
        )
    candidates = [name]
    for prefix in ("float8_", "float6_", "float4_"):
        if name.startswith(prefix):
            candidates.append(name[len(prefix):])
    fmt = None
    for candidate in candidates:
        try:
            fmt = Format(candidate)
            break
        except ValueError:
            continue
    if fmt is None or fmt.bits > 8 * dtype.itemsize:
        raise ValueError(f"dtype {name} is not a format fpx knows")
    finfo = _ml_dtypes.finfo(dtype) if _ml_dtypes is not None else np.finfo(dtype)
    if Fraction(float(finfo.max)) != fmt.max_exact:
        raise ValueError(
            f"dtype {name} is not a format fpx knows (its largest value {finfo.max} differs from {fmt.name}'s)"
        )
    return fmt


def formats() -> List[Dict[str, Any]]:
    """The named formats, in the order ``fpx formats`` lists them: one dict each with
    ``name``, ``aliases``, ``p``, ``emin``, ``emax``, ``bits``, ``specials``, ``max`` (float),
    ``max_bits``, ``min_normal_bits``, ``min_subnormal_bits``, ``has_inf``, ``has_nan``."""
    rows = []
    for row in _fpx.formats():
        row["max"] = Format(row["name"]).max
        rows.append(row)
    return rows


def formats_table() -> str:
    """The table ``fpx formats`` prints, as text."""
    return _fpx.formats_table()
