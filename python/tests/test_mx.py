"""`fpx.mx` against `fpx mx quantize|dequantize|dot` on the same blocks, quantizing against
gfloat's `quantize_block` with `compute_scale_amax`, and dot products against exact
fractions; dtypes, shapes and errors."""

from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

import fpx
from conftest import run_cli

ELEMS = ["e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn", "int8"]


def blocks(seed, n_blocks, block, specials=True):
    """Random binary32 bit patterns: moderate magnitudes around a per-block exponent, with
    zeros, subnormals, the largest finite value and (with ``specials``) NaNs and infinities."""
    rng = np.random.default_rng(seed)
    base = rng.integers(100, 150, size=(n_blocks, 1))
    exp = np.clip(base + rng.integers(-12, 3, size=(n_blocks, block)), 1, 254)
    bits = (exp.astype(np.uint32) << 23) | rng.integers(0, 1 << 23, size=(n_blocks, block),
                                                        dtype=np.uint32)
    kind = rng.integers(0, 40, size=(n_blocks, block))
    bits[kind == 0] = 0
    bits[kind == 1] = rng.integers(1, 1 << 23, size=int((kind == 1).sum()), dtype=np.uint32)
    bits[kind == 2] = 0x7F7FFFFF
    if specials:
        bits[kind == 3] = 0x7F800000
        bits[kind == 4] = 0x7FC00001
    bits[0] = 0  # an all-zero block
    sign = rng.integers(0, 2, size=(n_blocks, block), dtype=np.uint32) << np.uint32(31)
    return bits | sign


def hex_lines(rows, width):
    return "".join(" ".join(f"{int(v):0{width}X}" for v in row) + "\n" for row in rows)


def parse(text):
    return np.array([[int(v, 16) for v in line.split()] for line in text.splitlines()],
                    dtype=np.uint64)


@pytest.mark.parametrize("elem", ELEMS)
@pytest.mark.parametrize("block", [32, 5])
def test_blocks_equal_the_cli(elem, block):
    x = blocks(7, 60, block)
    scales, elems = fpx.mx.quantize(x, elem, block=block)
    assert scales.dtype == np.uint8 and elems.dtype == np.uint8
    assert scales.shape == (60, 1) and elems.shape == (60, block)
    cli = parse(run_cli("mx", "quantize", "--elem", elem, "--block", str(block),
                        input=hex_lines(x, 8)))
    np.testing.assert_array_equal(scales[:, 0], cli[:, 0])
    np.testing.assert_array_equal(elems, cli[:, 1:])

    lines = hex_lines(np.concatenate([scales, elems], axis=1), 2)
    vals, flags = fpx.mx.dequantize((scales, elems), elem)
    assert vals.dtype == np.uint32 and vals.shape == (60, block)
    np.testing.assert_array_equal(vals, parse(run_cli("mx", "dequantize", "--elem", elem,
                                                      input=lines)))
    other = fpx.mx.quantize(blocks(8, 60, block), elem, block=block)
    dots, dot_flags = fpx.mx.dot((scales, elems), other, elem)
    assert dots.shape == (60, 1)
    pairs = np.concatenate([scales, elems, other[0], other[1]], axis=1)
    cli = parse(run_cli("mx", "dot", "--elem", elem, input=hex_lines(pairs, 2)))
    np.testing.assert_array_equal(dots[:, 0], cli[:, 0])
    np.testing.assert_array_equal(dot_flags[:, 0], cli[:, 1])


GFLOAT = {"e4m3fn": "format_info_ocp_e4m3", "e5m2": "format_info_ocp_e5m2",
          "e2m3fn": "format_info_ocp_e2m3", "e3m2fn": "format_info_ocp_e3m2",
          "e2m1fn": "format_info_ocp_e2m1", "int8": "format_info_ocp_int8"}


@pytest.mark.parametrize("elem", ELEMS)
def test_quantized_values_equal_gfloat(elem):
    gfloat = pytest.importorskip("gfloat")
    from gfloat.block import BlockFormatInfo, compute_scale_amax, quantize_block
    import gfloat.formats
    fi = BlockFormatInfo("mx", getattr(gfloat.formats, GFLOAT[elem]), 32,
                         gfloat.formats.format_info_ocp_e8m0)
    x = blocks(11, 40, 32, specials=False).view(np.float32)
    values, _ = fpx.mx.dequantize(fpx.mx.quantize(x, elem), elem)
    assert values.dtype == np.float32
    for row, ours in zip(x, values):
        theirs = quantize_block(fi, row.astype(np.float64), compute_scale_amax)
        # X * P is exact in binary32 unless it leaves its range: MXINT8's -2 * 2^127 is
        # -2^128, which rounds to -inf.
        theirs = np.where(np.abs(theirs) >= 2.0 ** 128, np.copysign(np.inf, theirs), theirs)
        np.testing.assert_array_equal(ours.astype(np.float64), theirs)


@pytest.mark.parametrize("elem", ELEMS)
def test_dot_is_the_exact_sum_rounded_once(elem):
    a = fpx.mx.quantize(blocks(3, 30, 16, specials=False), elem, block=16)
    b = fpx.mx.quantize(blocks(4, 30, 16, specials=False), elem, block=16)
    dots, _ = fpx.mx.dot(a, b, elem)
    fmt = None if elem == "int8" else fpx.Format(elem)

    def value(code):
        if fmt is None:
            return Fraction(int(np.uint8(code).astype(np.int8)), 64)
        return fpx.decode(int(code), fmt)

    for k in range(30):
        total = sum(value(p) * value(q) for p, q in zip(a[1][k], b[1][k]))
        exact = total * Fraction(2) ** (int(a[0][k, 0]) - 127 + int(b[0][k, 0]) - 127)
        expected, _ = fpx.encode(exact, "binary32")
        if exact == 0:
            expected = int(dots[k, 0]) & 0x80000000  # the sign of a zero sum is checked by the CLI
        assert int(dots[k, 0]) == expected, k


def test_dtypes_follow_the_input():
    x = np.array([[1.0, 3.0, -0.5, 0.0]], dtype=np.float32)
    scales, elems = fpx.mx.quantize(x, "mxfp4", block=4)
    assert scales.dtype == ml_dtypes.float8_e8m0fnu and elems.dtype == ml_dtypes.float4_e2m1fn
    assert float(scales[0, 0]) == 0.5 and elems.astype(np.float32).tolist() == [[2, 6, -1, 0]]
    vals, flags = fpx.mx.dequantize((scales, elems), "e2m1fn")
    assert vals.dtype == np.float32 and vals.tolist() == x.tolist() and not flags.any()
    assert fpx.mx.dot((scales, elems), (scales, elems), "e2m1fn")[0].tolist() == [[10.25]]
    s8, e8 = fpx.mx.quantize(x, "mxint8", block=2)
    assert e8.dtype == np.int8 and e8.tolist() == [[32, 96, -64, 0]]
    assert fpx.mx.dequantize((s8, e8), "int8")[0].tolist() == x.tolist()
    # Bit patterns in, bit patterns out; non-contiguous and byte-swapped input is read as is.
    wide = np.zeros((2, 8), dtype=">f4")
    wide[:, ::2] = x
    s, e = fpx.mx.quantize(wide[:, ::2], "e2m1fn", block=4)
    np.testing.assert_array_equal(e.view(np.uint8), elems.view(np.uint8).repeat(2, axis=0))
    sb, eb = fpx.mx.quantize(x.view(np.uint32), "e2m1fn", block=2)
    assert sb.dtype == np.uint8 and fpx.mx.dequantize((sb, eb), "e2m1fn")[0].dtype == np.uint32


def test_mx_errors():
    x = np.ones((2, 6), dtype=np.float32)
    with pytest.raises(ValueError, match="unknown MX element type 'fp8'"):
        fpx.mx.quantize(x, "fp8")
    with pytest.raises(ValueError, match="do not split into blocks of 4"):
        fpx.mx.quantize(x, "e4m3fn", block=4)
    with pytest.raises(ValueError, match="got float64"):
        fpx.mx.quantize(x.astype(np.float64), "e4m3fn", block=2)
    scales = np.full((2, 1), 127, dtype=np.uint8)
    with pytest.raises(ValueError, match="element 3 is 0x10, not an encoding of e2m1fn"):
        fpx.mx.dequantize((scales, np.array([[0, 1, 2, 16], [0, 0, 0, 0]], np.uint8)), "e2m1fn")
    with pytest.raises(ValueError, match=r"scales of shape \(2, 1\) do not match"):
        fpx.mx.dequantize((scales, np.zeros((3, 4), np.uint8)), "e2m1fn")
    with pytest.raises(ValueError, match="a has elements of shape"):
        fpx.mx.dot((scales, np.zeros((2, 4), np.uint8)), (scales, np.zeros((2, 2), np.uint8)),
                   "e2m1fn")
    with pytest.raises(ValueError, match="expected float8_e4m3fn or uint8"):
        fpx.mx.dequantize((scales, np.zeros((2, 4), ml_dtypes.float8_e5m2)), "e4m3fn")
