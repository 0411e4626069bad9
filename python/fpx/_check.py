"""``fpx.check``: results of another implementation checked against fpx, as ``fpx verify``
checks lines."""

from __future__ import annotations

from typing import Any, List, Optional

import numpy as np

from ._env import env_options
from ._formats import Format
from ._ops import FLAGS, Operands, as_bits, compute, nan_mask

#: Mismatch lines kept in ``str(result)``; the counts and indices are always complete.
SHOWN_MISMATCHES = 20


class CheckResult:
    """The outcome of :func:`check`: ``passed`` and ``failed`` counts, ``mismatches`` (the
    failing elements' flat indices into the broadcast shape, ascending), ``expected`` and
    ``expected_flags`` (fpx's results). ``str()`` gives ``fpx verify``'s mismatch lines (at
    most 20) and its closing line ``N passed, M failed``."""

    def __init__(self, passed: int, failed: int, mismatches: np.ndarray, lines: List[str],
                 expected: np.ndarray, expected_flags: np.ndarray) -> None:
        self.passed = passed
        self.failed = failed
        self.mismatches = mismatches
        self.lines = lines
        self.expected = expected
        self.expected_flags = expected_flags

    def __bool__(self) -> bool:
        return self.failed == 0

    def __str__(self) -> str:
        more = self.failed - len(self.lines)
        lines = list(self.lines)
        if more > 0:
            lines.append(f"... {more} more mismatches")
        lines.append(f"{self.passed} passed, {self.failed} failed")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckResult {self.passed} passed, {self.failed} failed>"


def _hex(bits: int, fmt: Format) -> str:
    return format(int(bits), f"0{(fmt.bits + 3) // 4}X")


def check(op: str, *operands: Any, result: Any, format: Optional[Any] = None,
          flags: Optional[Any] = None, exact_nan: bool = False, to: Optional[Any] = None,
          kink: Optional[str] = None, tininess: Optional[str] = None,
          nan: Optional[str] = None, overflow: Optional[str] = None, daz: bool = False,
          ftz: bool = False, via: Optional[Any] = None) -> CheckResult:
    """Checks ``result`` (another implementation's values of ``op`` on ``operands``, the
    dtype of the result format or its bit patterns) and optionally ``flags`` against fpx,
    elementwise with broadcasting. Any NaN matches any NaN unless ``exact_nan``. ``op`` is
    any name ``fpx verify --op`` takes (``mul``, ``cvt:e5m2``, ``gelu:composite`` ...).
    The environment options are those of :func:`fpx.add`."""
    options = env_options(tininess, nan, overflow, daz, ftz, via)
    if op.startswith("cvt:"):
        op, to = "cvt", op[4:]
    checked = Operands(operands, format, op)
    ours, our_flags = compute(op, checked, options, to=to, kink=kink)
    fmt = checked.fmt
    res_fmt = fmt if to is None else Format(to)
    theirs = np.asarray(result)
    try:
        theirs = np.broadcast_to(theirs, ours.shape)
    except ValueError:
        raise ValueError(
            f"result has shape {tuple(np.shape(result))}, the operands broadcast to {ours.shape}"
        ) from None
    our_bits = as_bits(ours, res_fmt).ravel()
    their_bits = as_bits(theirs, res_fmt).ravel() & ((1 << res_fmt.bits) - 1)
    same = our_bits == their_bits
    if not exact_nan:
        same |= nan_mask(ours, res_fmt).ravel() & nan_mask(theirs, res_fmt).ravel()
    their_flags = None
    if flags is not None:
        their_flags = np.broadcast_to(np.asarray(flags), ours.shape).ravel().astype(np.uint8)
        same &= their_flags == our_flags.ravel()
    mismatches = np.flatnonzero(~same)
    lines = []
    shown = mismatches[:SHOWN_MISMATCHES]
    bits = [as_bits(a.reshape(-1)[shown], fmt) for a in checked.arrays]
    for n, i in enumerate(shown):
        args = " ".join(_hex(b[n], fmt) for b in bits)
        expected_flags = "" if their_flags is None else f" {int(their_flags[i]):02x}"
        lines.append(
            f"mismatch at {int(i)}: {args} expected {_hex(their_bits[i], res_fmt)}{expected_flags}"
            f" got {_hex(our_bits[i], res_fmt)} {int(our_flags.ravel()[i]):02x}"
        )
    return CheckResult(int(same.sum()), int(mismatches.size), mismatches, lines, ours, our_flags)


def flag_names(flags: int) -> List[str]:
    """The names of the flags set in one flags byte, in :data:`FLAGS` order."""
    return [name for name, bit in FLAGS.items() if flags & bit]
