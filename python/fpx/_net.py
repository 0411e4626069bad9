"""``fpx.Network``: network files (docs/network-format.md) evaluated, differentiated and
checked with the same code as ``fpx net eval``, ``fpx net grad`` and ``fpx net check``."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _fpx
from ._env import env_options
from ._formats import Format, _format_of_dtype


class NetCheckResult:
    """``fpx net check``'s outcome: ``passed``, ``failed``, ``mismatches`` (the first ones as
    ``(sample index, description)``); ``str()`` ends ``N passed, M failed``."""

    def __init__(self, passed: int, failed: int, mismatches: List[Tuple[int, str]]) -> None:
        self.passed, self.failed, self.mismatches = passed, failed, mismatches

    def __bool__(self) -> bool:
        return self.failed == 0

    def __str__(self) -> str:
        lines = [f"mismatch at sample {i + 1}: {text}" for i, text in self.mismatches]
        return "\n".join(lines + [f"{self.passed} passed, {self.failed} failed"])


class Network:
    """A network file loaded once. ``Network.load(path, strict=False, tininess=..., nan=...,
    overflow=..., daz=..., ftz=..., via=...)``; the options are the environment of every later call, as on the command
    line. Inputs ``X`` are ``(n, inputs)`` arrays of the input format's dtype, or unsigned
    bit patterns; outputs come back in the same kind (the output format's dtype, or bits)."""

    def __init__(self, inner: Any, path: str, load_args: Tuple[bool, Dict[str, str]]) -> None:
        self._inner = inner
        self.path = path
        self._load_args = load_args
        self.input_formats = [Format(name) for name in inner.input_formats()]
        self.output_format = Format(inner.output_format())
        self.outputs = inner.output_width()
        self.inputs = len(self.input_formats)

    @staticmethod
    def load(path: "os.PathLike[str] | str", *, strict: bool = False,
             tininess: Optional[str] = None, nan: Optional[str] = None,
             overflow: Optional[str] = None, daz: bool = False, ftz: bool = False,
             via: Any = None) -> "Network":
        """Reads a network file (JSON, safetensors weights resolved next to it); the
        environment options (those of :func:`fpx.add`) apply to every later call."""
        options = env_options(tininess, nan, overflow, daz, ftz, via)
        path = os.fspath(path)
        return Network(_fpx.Network.load(path, strict, options), path, (strict, options))

    def __reduce__(self) -> Any:
        # Pickled as the file and the load options (dask ships networks to its workers so):
        # the file is read again where it is unpickled.
        strict, options = self._load_args
        return (_reload, (self.path, strict, options))

    def _samples(self, x: Any, what: str = "X") -> Tuple[bytes, int, bool]:
        x = np.asarray(x)
        if x.ndim == 1 and self.inputs == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.inputs:
            raise ValueError(
                f"{what} must have shape (n, {self.inputs}) for this network, got {x.shape}"
            )
        if x.dtype.kind == "u":
            return x.astype(np.uint64).tobytes(), x.shape[0], True
        fmt = _format_of_dtype(x.dtype)
        if any(f != fmt for f in self.input_formats):
            names = ", ".join(sorted({f.name for f in self.input_formats}))
            raise ValueError(f"{what} has dtype {x.dtype.name}; the network's inputs are {names}")
        bits = x.view(f"u{x.dtype.itemsize}").astype(np.uint64)
        return bits.tobytes(), x.shape[0], False

    def _values(self, raw: bytes, fmt: Format, shape: Tuple[int, ...], as_bits: bool) -> np.ndarray:
        words = np.frombuffer(raw, dtype=np.uint64).reshape(shape)
        if as_bits or fmt.dtype is None:
            return words.astype(fmt.bits_dtype)
        return words.astype(fmt.bits_dtype).view(fmt.dtype)

    def _out_bits(self, values: Any, what: str) -> bytes:
        values = np.asarray(values)
        if values.dtype.kind != "u":
            if _format_of_dtype(values.dtype) != self.output_format:
                raise ValueError(f"{what} has dtype {values.dtype.name}; the outputs are "
                                 f"{self.output_format.name}")
            values = values.view(f"u{values.dtype.itemsize}")
        return values.astype(np.uint64).tobytes()

    def eval(self, x: Any) -> Tuple[np.ndarray, np.ndarray]:
        """``fpx net eval``: outputs ``(n, outputs)`` and flags ``(n,)`` (uint8)."""
        raw, n, as_bits = self._samples(x)
        out, flags = self._inner.eval(raw)
        return (self._values(out, self.output_format, (n, self.outputs), as_bits),
                np.frombuffer(flags, dtype=np.uint8).copy())

    def _phi(self, seed: Any, loss: Optional[str], phi: Optional[str],
             targets: Any) -> Dict[str, Any]:
        kwargs: Dict[str, Any] = {"loss": loss, "phi": phi}
        if seed is not None:
            kwargs["seed"] = self._out_bits(np.atleast_1d(np.asarray(seed)), "seed")
        if targets is not None:
            kwargs["targets"] = self._out_bits(targets, "targets")
        return kwargs

    def grad(self, x: Any, seed: Any = None, loss: Optional[str] = None, *,
             phi: Optional[str] = None, targets: Any = None) -> Tuple[np.ndarray, np.ndarray]:
        """``fpx net grad``: outputs ``(n, outputs)`` and input gradients ``(n, inputs)``.
        The output gradient is ``seed`` (one value per output), a ``loss`` (``sum``, the
        default; ``mse`` and ``softmax-xent`` with ``targets``, one row per sample), or a
        ``phi`` rule (``one``, ``y``, ``y-C``)."""
        raw, n, as_bits = self._samples(x)
        out, grads, _ = self._inner.grad(raw, **self._phi(seed, loss, phi, targets))
        fmt = self.input_formats[0] if self.input_formats else self.output_format
        return (self._values(out, self.output_format, (n, self.outputs), as_bits),
                self._values(grads, fmt, (n, self.inputs), as_bits))

    def param_grads(self, x: Any, seed: Any = None, loss: Optional[str] = None, *,
                    phi: Optional[str] = None, targets: Any = None,
                    mean: bool = False) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
        """The parameter gradients summed over the samples in order from +0 (``mean``:
        divided once by their number), as ``fpx net grad --params`` writes them: per affine
        node name, ``(dW, db)`` of shapes ``(rows, cols)`` and ``(rows,)`` in the node's
        format, of the same kind as ``grad``'s arrays: bit patterns (the format's unsigned
        word) when ``x`` holds bit patterns, else the format's dtype (bit patterns where the
        format has none)."""
        raw, _, as_bits = self._samples(x)
        _, _, nodes = self._inner.grad(raw, params=True, mean=mean,
                                       **self._phi(seed, loss, phi, targets))
        result = {}
        for name, fmt_name, rows, cols, dw, db in nodes:
            fmt = Format(fmt_name)
            result[name] = (self._values(dw, fmt, (rows, cols), as_bits),
                            self._values(db, fmt, (rows,), as_bits))
        return result

    def check(self, targets: Any, seed: Any = None, loss: Optional[str] = None, *,
              phi: Optional[str] = None, max_mismatches: int = 10) -> NetCheckResult:
        """``fpx net check``: ``targets`` is a file of ``x… y*… g*…`` lines (hex bit
        patterns) or an ``(n, inputs + outputs + inputs)`` array of bit patterns; each
        sample's outputs and input gradient must equal them bit for bit."""
        if isinstance(targets, (str, os.PathLike)):
            rows = []
            with open(targets) as f:
                for line in f:
                    line = line.split("#")[0].strip()
                    if line:
                        rows.append([int(v, 16) for v in line.split()])
            targets = np.array(rows, dtype=np.uint64).reshape(-1, 2 * self.inputs + self.outputs)
        t = np.asarray(targets)
        width = 2 * self.inputs + self.outputs
        if t.ndim != 2 or t.shape[1] != width or t.dtype.kind != "u":
            raise ValueError(f"targets must be unsigned bit patterns of shape (n, {width}), "
                             f"got {t.dtype.name} {t.shape}")
        t = t.astype(np.uint64)
        x, y, g = (t[:, :self.inputs], t[:, self.inputs:self.inputs + self.outputs],
                   t[:, self.inputs + self.outputs:])
        kwargs = self._phi(seed, loss, phi, None)
        passed, failed, mismatches = self._inner.check(
            np.ascontiguousarray(x).tobytes(), np.ascontiguousarray(y).tobytes(),
            np.ascontiguousarray(g).tobytes(), max_mismatches=max_mismatches, **kwargs)
        return NetCheckResult(passed, failed, mismatches)


def _reload(path: str, strict: bool, options: Dict[str, str]) -> Network:
    return Network(_fpx.Network.load(path, strict, options), path, (strict, options))
