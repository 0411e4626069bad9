"""Type stubs of fpx: bit-exact IEEE 754 arithmetic over numpy and ml_dtypes arrays."""

import os
from fractions import Fraction
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

FormatLike = Union[str, "Format", DTypeLike]
from . import mx as mx

Tininess = Optional[str]  # "after" | "before"
Nan = Optional[str]  # "canonical" | "x86" | "arm" | "xla" | "ml_dtypes"
Overflow = Optional[str]  # "ieee" | "saturate" | "sat-finite" | "sat-propagate"
Via = Optional[FormatLike]  # compute in this format, then round to the operation's
Result = Tuple[np.ndarray, np.ndarray]

FLAGS: Dict[str, int]

class Format:
    """A format F(p, emin, emax) with its encoding, from a name or a dtype."""
    def __init__(self, spec: FormatLike) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def p(self) -> int: ...
    @property
    def emin(self) -> int: ...
    @property
    def emax(self) -> int: ...
    @property
    def bits(self) -> int: ...
    @property
    def specials(self) -> str: ...
    @property
    def max(self) -> float: ...
    @property
    def max_bits(self) -> int: ...
    @property
    def max_exact(self) -> Fraction: ...
    @property
    def dtype(self) -> Optional[np.dtype]: ...
    @property
    def bits_dtype(self) -> np.dtype: ...

def formats() -> List[Dict[str, Any]]:
    """The named formats as dicts, in `fpx formats` order."""
def formats_table() -> str:
    """The table `fpx formats` prints."""

# Every call that computes takes the environment options of the command line:
# tininess, nan, overflow, daz (subnormal operands read as zero), ftz (tiny results flushed
# to zero) and via (compute in that format, then round to the operation's).

def add(a: ArrayLike, b: ArrayLike, *, format: Optional[FormatLike] = ..., tininess: Tininess = ...,
        nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """a + b rounded once, elementwise with broadcasting: (vals, flags)."""
def sub(a: ArrayLike, b: ArrayLike, *, format: Optional[FormatLike] = ..., tininess: Tininess = ...,
        nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """a - b rounded once, elementwise with broadcasting: (vals, flags)."""
def mul(a: ArrayLike, b: ArrayLike, *, format: Optional[FormatLike] = ..., tininess: Tininess = ...,
        nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """a * b rounded once, elementwise with broadcasting: (vals, flags)."""
def div(a: ArrayLike, b: ArrayLike, *, format: Optional[FormatLike] = ..., tininess: Tininess = ...,
        nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """a / b rounded once, elementwise with broadcasting: (vals, flags)."""
def fma(a: ArrayLike, b: ArrayLike, c: ArrayLike, *, format: Optional[FormatLike] = ...,
        tininess: Tininess = ..., nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """a * b + c rounded once, elementwise with broadcasting: (vals, flags)."""
def sqrt(a: ArrayLike, *, format: Optional[FormatLike] = ..., tininess: Tininess = ...,
         nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """Square root, correctly rounded, elementwise: (vals, flags)."""
def convert(x: ArrayLike, to: FormatLike, *, format: Optional[FormatLike] = ...,
            tininess: Tininess = ..., nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """x rounded once to the format `to`: (vals, flags)."""
def apply(name: str, x: ArrayLike, *, format: Optional[FormatLike] = ..., kink: Optional[str] = ...,
          tininess: Tininess = ..., nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Result:
    """An activation or derivative by name (gelu, d_gelu, gelu:composite ...): (vals, flags)."""

class CheckResult:
    """fpx verify's outcome over arrays; str() ends "N passed, M failed"."""
    passed: int
    failed: int
    mismatches: np.ndarray
    lines: List[str]
    expected: np.ndarray
    expected_flags: np.ndarray
    def __bool__(self) -> bool: ...

def check(op: str, *operands: ArrayLike, result: ArrayLike, format: Optional[FormatLike] = ...,
          flags: Optional[ArrayLike] = ..., exact_nan: bool = ..., to: Optional[FormatLike] = ...,
          kink: Optional[str] = ..., tininess: Tininess = ..., nan: Nan = ...,
          overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> CheckResult:
    """Checks another implementation's results (and flags) against fpx, as fpx verify."""
def flag_names(flags: int) -> List[str]:
    """The names of the flags set in one flags byte."""

def decode(bits: Union[int, ArrayLike], format: FormatLike) -> Union[Fraction, float, np.ndarray]:
    """The exact value of an encoding (Fraction; inf/nan as floats)."""
def encode(value: Union[str, int, float, Fraction], format: FormatLike, *, tininess: Tininess = ...,
           nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Tuple[int, int]:
    """A value rounded once to the format: (bits, flags)."""
def gen(op: str, format: FormatLike, *, level: int = ..., seed: int = ..., count: Optional[int] = ...,
        kink: Optional[str] = ..., tininess: Tininess = ..., nan: Nan = ...,
        overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> Tuple[Tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """fpx gen's vectors as arrays: (operands, results, flags)."""

class NetCheckResult:
    """fpx net check's outcome; str() ends "N passed, M failed"."""
    passed: int
    failed: int
    mismatches: List[Tuple[int, str]]
    def __bool__(self) -> bool: ...

class Network:
    """A network file loaded once, with the environment of its later calls."""
    path: str
    input_formats: List[Format]
    output_format: Format
    inputs: int
    outputs: int
    @staticmethod
    def load(path: Union[str, os.PathLike], *, strict: bool = ..., tininess: Tininess = ...,
             nan: Nan = ..., overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> "Network": ...
    def eval(self, x: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
        """Outputs (n, outputs) and flags (n,)."""
    def grad(self, x: ArrayLike, seed: Optional[ArrayLike] = ..., loss: Optional[str] = ..., *,
             phi: Optional[str] = ..., targets: Optional[ArrayLike] = ...) -> Tuple[np.ndarray, np.ndarray]:
        """Outputs and input gradients."""
    def param_grads(self, x: ArrayLike, seed: Optional[ArrayLike] = ..., loss: Optional[str] = ..., *,
                    phi: Optional[str] = ..., targets: Optional[ArrayLike] = ...,
                    mean: bool = ...) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
        """Parameter gradients per affine node: (dW, db) in the node's format, bit patterns or
        its dtype as x is."""
    def check(self, targets: Union[str, os.PathLike, ArrayLike], seed: Optional[ArrayLike] = ...,
              loss: Optional[str] = ..., *, phi: Optional[str] = ...,
              max_mismatches: int = ...) -> NetCheckResult:
        """fpx net check against x y* g* rows."""

class SweepResult:
    """A merged sweep: vals and flags, or passed/failed/mismatches with a reference."""
    vals: Optional[np.ndarray]
    flags: Optional[np.ndarray]
    mismatches: Optional[np.ndarray]
    passed: Optional[int]
    failed: Optional[int]
    def operands_of(self, indices: ArrayLike) -> List[np.ndarray]: ...

def sweep(op: Union[str, Network], format: Optional[FormatLike] = ..., *, shards: int = ..., client: Any = ...,
          reference: Optional[Callable[..., Any]] = ..., exact_nan: bool = ...,
          kink: Optional[str] = ..., tininess: Tininess = ..., nan: Nan = ...,
          overflow: Overflow = ...,
        daz: bool = ..., ftz: bool = ..., via: Via = ...) -> SweepResult:
    """An operation over a format's whole domain in shards, on a dask client or serially."""
