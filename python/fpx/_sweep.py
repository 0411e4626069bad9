"""``fpx.sweep``: an operation over a format's whole input domain, split into shards that run
on a ``dask.distributed`` client when one is given (serially otherwise) and are merged in
shard order, so that every run equals the serial one bit for bit.

The domain is every encoding for one-operand operations and one-input networks (formats of
at most 32 bits, encodings in increasing bit-pattern order) and every pair ``(a, b)`` in
row-major order (``a`` the slow index) for two-operand operations (formats of at most 16
bits). Shard ``k`` of ``n`` holds the domain indices
``[k * size // n, (k + 1) * size // n)``, the split ``fpx gen --shard K/N`` and
``fpx net eval --all-inputs --shard K/N`` use too.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ._env import env_options
from ._formats import Format
from ._ops import as_bits, elementwise, nan_mask

#: Two-operand sweeps take formats of at most this many bits (2^32 pairs).
MAX_PAIR_BITS = 16
#: One-operand sweeps take formats of at most this many bits.
MAX_SINGLE_BITS = 32


def shard_range(size: int, k: int, n: int) -> Tuple[int, int]:
    """The domain indices ``[start, stop)`` of shard ``k`` of ``n``."""
    if not (n >= 1 and 0 <= k < n):
        raise ValueError(f"shard {k + 1}/{n}: K must be in 1..=N")
    return k * size // n, (k + 1) * size // n


def _arity(op: Any) -> int:
    if not isinstance(op, str):
        return 1  # a one-input network
    base = op.split(":")[0]
    if base in ("add", "sub", "mul", "div"):
        return 2
    if base in ("fma", "muladd", "mulAdd"):
        raise ValueError("sweep takes one- and two-operand operations (fma has three)")
    return 1


def domain_size(op: str, fmt: Format) -> int:
    """How many operand tuples the sweep of ``op`` over ``fmt`` has."""
    arity = _arity(op)
    limit = MAX_PAIR_BITS if arity == 2 else MAX_SINGLE_BITS
    if fmt.bits > limit:
        raise ValueError(
            f"sweep over {fmt.name}: {arity}-operand domains take formats of at most {limit} bits"
        )
    return 1 << (arity * fmt.bits)


def shard_operands(op: str, fmt: Format, start: int, stop: int) -> List[np.ndarray]:
    """The operand arrays (bit patterns) of domain indices ``[start, stop)``."""
    index = np.arange(start, stop, dtype=np.uint64)
    if _arity(op) == 1:
        return [index.astype(fmt.bits_dtype)]
    mask = np.uint64((1 << fmt.bits) - 1)
    return [(index >> np.uint64(fmt.bits)).astype(fmt.bits_dtype),
            (index & mask).astype(fmt.bits_dtype)]


def run_shard(spec: Dict[str, Any], k: int, n: int) -> Dict[str, Any]:
    """One shard's results (module-level so that dask workers can import it): the values
    and flags, or with a ``reference`` the mismatching domain indices and the counts."""
    fmt = Format(spec["format"])
    op = spec["op"]
    start, stop = shard_range(domain_size(op, fmt), k, n)
    operands = shard_operands(op, fmt, start, stop)
    if not isinstance(op, str):
        vals, flags = op.eval(operands[0][:, None])
        return {"vals": vals, "flags": flags}
    to = op[4:] if op.startswith("cvt:") else None
    vals, flags = elementwise("cvt" if to else op, operands, fmt, spec["options"], to=to,
                              kink=spec.get("kink"))
    reference = spec.get("reference")
    if reference is None:
        return {"vals": vals, "flags": flags}
    res_fmt = Format(to) if to else fmt
    theirs = np.asarray(reference(*operands))
    same = as_bits(vals, res_fmt) == (as_bits(theirs, res_fmt) & np.uint64((1 << res_fmt.bits) - 1))
    if not spec.get("exact_nan"):
        same |= nan_mask(vals, res_fmt) & nan_mask(theirs, res_fmt)
    return {"mismatches": np.flatnonzero(~same).astype(np.int64) + start, "count": stop - start}


class SweepResult:
    """A merged sweep: ``vals`` and ``flags`` over the whole domain (domain order), or, when a
    ``reference`` was given, ``passed``, ``failed`` and ``mismatches`` (domain indices,
    ascending; :func:`operands_of` turns them into operands)."""

    def __init__(self, op: Any, fmt: Format, parts: List[Dict[str, Any]]) -> None:
        self.op, self.format = op, fmt
        self.vals: Optional[np.ndarray] = None
        self.flags: Optional[np.ndarray] = None
        self.mismatches: Optional[np.ndarray] = None
        if parts and "vals" in parts[0]:
            self.vals = np.concatenate([p["vals"] for p in parts])
            self.flags = np.concatenate([p["flags"] for p in parts])
            self.passed = self.failed = None
        else:
            self.mismatches = np.concatenate([p["mismatches"] for p in parts])
            self.failed = int(self.mismatches.size)
            self.passed = sum(p["count"] for p in parts) - self.failed

    def operands_of(self, indices: Any) -> List[np.ndarray]:
        """The operands (bit patterns) at domain indices."""
        indices = np.asarray(indices, dtype=np.uint64)
        if _arity(self.op) == 1:
            return [indices.astype(self.format.bits_dtype)]
        return [(indices >> np.uint64(self.format.bits)).astype(self.format.bits_dtype),
                (indices & np.uint64((1 << self.format.bits) - 1)).astype(self.format.bits_dtype)]

    def __str__(self) -> str:
        if self.vals is not None:
            return f"{self.op} over {self.format.name}: {len(self.vals)} results"
        return f"{self.passed} passed, {self.failed} failed"


def sweep(op: Any, format: Any = None, *, shards: int = 16, client: Any = None,
          reference: Optional[Callable[..., Any]] = None, exact_nan: bool = False,
          kink: Optional[str] = None, tininess: Optional[str] = None,
          nan: Optional[str] = None, overflow: Optional[str] = None, daz: bool = False,
          ftz: bool = False, via: Optional[Any] = None) -> SweepResult:
    """Runs ``op`` over ``format``'s whole domain in ``shards`` shards, on ``client`` (a
    ``dask.distributed.Client``) when given, serially otherwise; the merged result is the
    same either way. With ``reference`` (a function of the operand bit-pattern arrays
    returning another implementation's results, as values of the result dtype or bit
    patterns) each shard returns only its mismatches, so large domains fit in memory.

    ``op`` may be a one-input :class:`fpx.Network` (``format`` is then its input format):
    ``vals`` is ``(domain, outputs)``, one row per input encoding, as ``Network.eval``
    gives it for bit patterns."""
    if not isinstance(op, str):
        if op.inputs != 1:
            raise ValueError(
                f"sweep over a network needs one input value; this one takes {op.inputs}"
            )
        if reference is not None:
            raise ValueError("reference= applies to operations, not networks")
        format = op.input_formats[0] if format is None else format
        if Format(format) != op.input_formats[0]:
            raise ValueError(f"the network's input format is {op.input_formats[0].name}")
    fmt = Format(format)
    domain_size(op, fmt)  # refuses domains too large before anything runs
    options = env_options(tininess, nan, overflow, daz, ftz, via)
    spec = {"op": op, "format": fmt.name, "options": options, "kink": kink,
            "reference": reference, "exact_nan": exact_nan}
    if client is None:
        parts = [run_shard(spec, k, shards) for k in range(shards)]
    else:
        futures = [client.submit(run_shard, spec, k, shards, pure=False) for k in range(shards)]
        parts = client.gather(futures)  # in submission (shard) order
    return SweepResult(op, fmt, parts)
