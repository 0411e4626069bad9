"""Shared fixtures: the `fpx` command line built by scripts/test (its answers are the
expected values of the tests) and the repository paths."""

import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def cli_path() -> pathlib.Path:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return pathlib.Path(os.environ.get("FPX_BIN", target / "release" / "fpx"))


def run_cli(*args: str, input: str = "") -> str:
    """Runs the `fpx` binary and returns its standard output (fails the test on an error)."""
    path = cli_path()
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with cargo build --release (scripts/test does)")
    done = subprocess.run([str(path), *args], input=input, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def cli_vectors(op: str, fmt: str, *options: str, count: int = 300):
    """`fpx gen`'s vectors for an operation: (operands as uint64 arrays, results, flags)."""
    text = run_cli("gen", "--op", op, "--format", fmt, "--count", str(count), *options)
    rows = [line.split() for line in text.splitlines() if line.strip()]
    cols = list(zip(*rows))
    as_int = lambda col: np.array([int(x, 16) for x in col], dtype=np.uint64)
    operands = [as_int(c) for c in cols[:-2]]
    return operands, as_int(cols[-2]), as_int(cols[-1])
