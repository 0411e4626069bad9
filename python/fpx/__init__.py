"""fpx: bit-exact IEEE 754 round-to-nearest-even arithmetic over numpy and ml_dtypes arrays.

Every call computes with the same Rust code as the ``fpx`` command line, in process: the
results and flags equal ``fpx batch``'s for the same operands and options. See
docs/python.md.
"""

from ._check import CheckResult, check, flag_names
from ._formats import Format, formats, formats_table
from ._ops import FLAGS, add, apply, convert, div, fma, mul, sqrt, sub
from ._net import NetCheckResult, Network
from ._sweep import SweepResult, sweep
from ._values import decode, encode, gen
from . import mx

__all__ = [
    "FLAGS", "CheckResult", "Format", "add", "apply", "check", "convert", "decode", "div",
    "encode", "flag_names", "fma", "formats", "formats_table", "gen", "mul", "sqrt", "sub",
    "sweep", "SweepResult", "Network", "NetCheckResult", "mx",
]
