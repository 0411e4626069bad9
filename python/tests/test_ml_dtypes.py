"""The exhaustive ml_dtypes example: every float8_e4m3fn product (256 x 256 pairs) from
fpx.mul against ml_dtypes' own multiply; and nan="ml_dtypes" against every ml_dtypes type of
at most 8 bits, every pair, NaNs bit for bit.

ml_dtypes multiplies in float32 (exact for two 4-bit significands) and rounds once, so the
values agree everywhere. The one documented difference is the sign of NaN results: fpx's
default (canonical) NaN is 0x7F, while ml_dtypes' NaN takes the sign of a NaN operand (b when
both are NaNs: its float32 multiply propagates that one), and, for a product that overflows (e4m3fn has no infinity), the product's sign.
The test asserts that exactly the NaN results with that sign negative differ (ml_dtypes 0xFF).
"""

import ml_dtypes
import numpy as np
import pytest

import fpx

E4M3 = ml_dtypes.float8_e4m3fn


def pairs():
    values = np.arange(256, dtype=np.uint8).view(E4M3)
    return np.meshgrid(values, values, indexing="ij")


def test_e4m3fn_products_equal_ml_dtypes_but_for_the_nan_sign():
    a, b = pairs()
    ours, flags = fpx.mul(a, b)
    theirs = a * b
    ours_bits, their_bits = ours.view(np.uint8), theirs.view(np.uint8)
    differ = ours_bits != their_bits
    abits, bbits = a.view(np.uint8), b.view(np.uint8)
    a_nan, b_nan = (abits & 0x7F) == 0x7F, (bbits & 0x7F) == 0x7F
    sign = np.where(b_nan, bbits >> 7, np.where(a_nan, abits >> 7, (abits ^ bbits) >> 7))
    documented = (ours_bits == 0x7F) & (sign == 1)
    np.testing.assert_array_equal(differ, documented)
    assert np.all(their_bits[documented] == 0xFF)
    assert int(differ.sum()) == 5570  # 5060 negative overflows, 510 NaN operands
    # Apart from NaN's sign bit, every product is equal.
    r = fpx.check("mul", a, b, result=theirs)
    assert (r.passed, r.failed) == (65536, 0)
    assert str(r).endswith("65536 passed, 0 failed")
    # Quiet NaN operands raise no flag (e4m3fn has no infinity, so no invalid product).
    assert np.all(flags[a_nan | b_nan] == 0)


# Every ml_dtypes type of at most 8 bits, by its dtype name.
SMALL_TYPES = ["float8_e5m2", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2fnuz",
               "float8_e4m3", "float8_e3m4", "float8_e4m3b11fnuz", "float8_e8m0fnu",
               "float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn"]


@pytest.mark.parametrize("name", SMALL_TYPES)
def test_nan_ml_dtypes_reproduces_ml_dtypes_bit_for_bit(name):
    # Every pair, NaN encodings compared bit for bit. ml_dtypes computes in float32; for
    # e8m0fnu, whose products and quotients leave float32's range, so does via="binary32".
    t = getattr(ml_dtypes, name)
    bits = ml_dtypes.finfo(t).bits
    values = (np.arange(1 << bits, dtype=np.uint8)).view(t)
    a, b = np.meshgrid(values, values, indexing="ij")
    via = "binary32" if name == "float8_e8m0fnu" else None
    with np.errstate(all="ignore"):
        for op, f in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                      ("div", np.divide)):
            r = fpx.check(op, a, b, result=f(a, b), exact_nan=True, nan="ml_dtypes", via=via)
            assert r.failed == 0, (op, str(r))
        r = fpx.check("sqrt", values, result=np.sqrt(values), exact_nan=True, nan="ml_dtypes",
                      via=via)
        assert r.failed == 0, ("sqrt", str(r))
