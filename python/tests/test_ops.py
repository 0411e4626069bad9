"""Elementwise calls against the command line's answers on the same vectors
(`fpx gen` computes results and flags with `fpx batch`'s code path), in several formats and
environments."""

import numpy as np
import pytest

import fpx
from conftest import cli_vectors

ACTIVATIONS = [
    "relu", "elu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "softplus",
]
OPS = ["add", "sub", "mul", "div", "sqrt", "fma"]
FORMATS = ["bf16", "e4m3fn", "binary16", "e2m1fn", "e5m2fnuz", "binary32"]
ENVS = [
    ({}, []),
    ({"tininess": "before", "nan": "x86", "overflow": "saturate"},
     ["--tininess", "before", "--nan", "x86", "--saturate"]),
    ({"nan": "arm"}, ["--nan", "arm"]),
]
FUNCS = {"add": fpx.add, "sub": fpx.sub, "mul": fpx.mul, "div": fpx.div, "sqrt": fpx.sqrt,
         "fma": fpx.fma}


def bits_of(fmt, col):
    return col.astype(fpx.Format(fmt).bits_dtype)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("env", range(len(ENVS)))
def test_arithmetic_equals_cli(op, fmt, env):
    options, flags = ENVS[env]
    operands, results, expected_flags = cli_vectors(op, fmt, *flags)
    vals, got_flags = FUNCS[op](*[bits_of(fmt, c) for c in operands], format=fmt, **options)
    assert vals.dtype == fpx.Format(fmt).bits_dtype
    np.testing.assert_array_equal(vals.astype(np.uint64), results)
    np.testing.assert_array_equal(got_flags, expected_flags)


@pytest.mark.parametrize("fmt", ["bf16", "e4m3fn", "binary16"])
@pytest.mark.parametrize("name", ACTIVATIONS + ["d_" + a for a in ACTIVATIONS])
@pytest.mark.parametrize("composite", [False, True])
def test_activations_equal_cli(name, fmt, composite):
    op = name + (":composite" if composite else "")
    operands, results, expected_flags = cli_vectors(op, fmt, count=100)
    vals, got_flags = fpx.apply(op, bits_of(fmt, operands[0]), format=fmt)
    np.testing.assert_array_equal(vals.astype(np.uint64), results)
    np.testing.assert_array_equal(got_flags, expected_flags)


def test_kink_equals_cli():
    from conftest import run_cli
    text = run_cli("batch", "--op", "d_relu", "--format", "bf16", "--kink", "0.5", input="0000\n8000\n")
    expected = [int(line.split()[1], 16) for line in text.splitlines()]
    vals, _ = fpx.apply("d_relu", np.array([0, 0x8000], dtype=np.uint16), format="bf16", kink="0.5")
    assert vals.tolist() == expected


@pytest.mark.parametrize("src,dst", [("bf16", "e5m2"), ("binary32", "e4m3fn"),
                                     ("e4m3fn", "binary16"), ("binary16", "e2m1fn")])
def test_convert_equals_cli(src, dst):
    operands, results, expected_flags = cli_vectors("cvt:" + dst, src, "--saturate")
    vals, got_flags = fpx.convert(bits_of(src, operands[0]), to=dst, format=src,
                                  overflow="saturate")
    assert vals.dtype == fpx.Format(dst).bits_dtype
    np.testing.assert_array_equal(vals.astype(np.uint64), results)
    np.testing.assert_array_equal(got_flags, expected_flags)
