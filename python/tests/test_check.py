"""`fpx.check` against `fpx verify` on the same vectors."""

import ml_dtypes
import numpy as np
import pytest

import fpx
from conftest import cli_vectors, run_cli


def test_check_counts_like_verify():
    operands, results, flags = cli_vectors("mul", "bf16", count=200)
    a, b = (c.astype(np.uint16) for c in operands)
    theirs = results.astype(np.uint16).copy()
    finite = np.flatnonzero((theirs & 0x7F80) != 0x7F80)
    wrong = finite[[3, 50, 150]]
    theirs[wrong] ^= 1  # three wrong results
    lines = "".join(
        f"{x:04X} {y:04X} {r:04X} {f:02X}\n" for x, y, r, f in zip(a, b, theirs, flags)
    )
    verify = run_cli("verify", "--op", "mul", "--format", "bf16", input=lines)
    r = fpx.check("mul", a, b, result=theirs, format="bf16", flags=flags)
    assert str(r).splitlines()[-1] == verify.splitlines()[-1]
    assert r.failed == 3 and r.passed == len(a) - 3 and not r
    assert r.mismatches.tolist() == wrong.tolist()
    cli_lines = [line for line in verify.splitlines() if line.startswith("mismatch")]
    ours = [line for line in str(r).splitlines() if line.startswith("mismatch")]
    strip = lambda line: line.split(": ", 1)[1]
    assert [strip(x) for x in ours] == [strip(x) for x in cli_lines]


def test_nan_rules_and_flags():
    a = np.array([np.nan, 1.0, 1.0], dtype=ml_dtypes.bfloat16)
    theirs = np.array([-np.nan, 1.0, 1.0], dtype=ml_dtypes.bfloat16)
    assert fpx.check("mul", a, a, result=theirs).failed == 0
    assert fpx.check("mul", a, a, result=theirs, exact_nan=True).mismatches.tolist() == [0]
    r = fpx.check("mul", a, a, result=theirs, flags=[16, 0, 1])
    assert r.mismatches.tolist() == [0, 2]
    assert str(r).endswith("1 passed, 2 failed")


def test_check_with_conversions_and_shape_errors():
    x = np.array([1.0, 3.4e38], dtype=np.float32)
    assert fpx.check("cvt:bf16", x, result=np.array([1.0, np.inf], dtype=ml_dtypes.bfloat16))
    with pytest.raises(ValueError, match="result has shape"):
        fpx.check("mul", x, x, result=np.zeros(3, np.float32))
