"""Broadcasting, dtype rules, non-contiguous operands and error messages."""

import fractions

import ml_dtypes
import numpy as np
import pytest

import fpx
from conftest import run_cli

BF16 = ml_dtypes.bfloat16
E4M3 = ml_dtypes.float8_e4m3fn


def test_broadcasting_follows_numpy():
    a = np.array([1.0, 2.0, 3.0], dtype=BF16)
    b = np.array([[0.5], [3.0]], dtype=BF16)
    vals, flags = fpx.mul(a, b)
    assert vals.shape == flags.shape == (2, 3)
    assert vals.dtype == BF16 and flags.dtype == np.uint8
    np.testing.assert_array_equal(vals.astype(np.float32), (a * b).astype(np.float32))
    vals, _ = fpx.fma(a, np.array(2.0, dtype=BF16), b)
    assert vals.shape == (2, 3)


def test_scalars_give_zero_dimensional_arrays():
    vals, flags = fpx.sqrt(np.array(2.0, dtype=np.float32))
    assert vals.shape == () and vals.dtype == np.float32
    assert vals == np.sqrt(np.float32(2.0)) and flags == fpx.FLAGS["inexact"]


def test_non_contiguous_operands():
    base = np.arange(64, dtype=np.float32).reshape(8, 8)
    a, b = base[::2, 1::3], base.T[::2, 1::3]
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    vals, _ = fpx.add(a, b)
    np.testing.assert_array_equal(vals, a + b)


def test_byte_order_and_empty_arrays():
    a = np.array([1.5, -2.0, 3.0], dtype=">f4")
    vals, flags = fpx.mul(a, a)
    assert vals.dtype == np.float32 and vals.tolist() == [2.25, 4.0, 9.0]
    bits = np.array([0x3F80, 0x4000], dtype=">u2")
    vals, _ = fpx.add(bits, bits, format="bf16")
    assert vals.tolist() == [0x4000, 0x4080]
    vals, flags = fpx.mul(np.zeros((0, 3), BF16), np.zeros(3, BF16))
    assert vals.shape == flags.shape == (0, 3) and vals.dtype == BF16
    r = fpx.check("mul", np.zeros(0, BF16), np.zeros(0, BF16), result=np.zeros(0, BF16))
    assert str(r) == "0 passed, 0 failed"


def test_bits_and_dtype_calls_agree():
    a = np.linspace(-3, 3, 50).astype(BF16)
    b = np.linspace(5, -1, 50).astype(BF16)
    vals, flags = fpx.div(a, b)
    bits, bits_flags = fpx.div(a.view(np.uint16), b.view(np.uint16), format="bf16")
    assert bits.dtype == np.uint16
    np.testing.assert_array_equal(vals.view(np.uint16), bits)
    np.testing.assert_array_equal(flags, bits_flags)
    wide, _ = fpx.div(a.view(np.uint16).astype(np.uint32), b.view(np.uint16).astype(np.uint32),
                      format="bf16")
    assert wide.dtype == np.uint32 and wide.tolist() == bits.tolist()


def test_convert_results_have_the_target_dtype():
    x = np.array([1.0, 1000.0, 1e-9], dtype=np.float32)
    vals, flags = fpx.convert(x, to="e4m3fn")
    assert vals.dtype == E4M3
    assert vals.view(np.uint8).tolist() == [0x38, 0x7F, 0x00]
    assert flags.tolist() == [0, fpx.FLAGS["overflow"] | 1 | 16 & 0, 3]
    vals, _ = fpx.convert(x, to=BF16)
    assert vals.dtype == BF16
    vals, _ = fpx.convert(x, to="e4m3fn", overflow="saturate")
    assert vals.view(np.uint8).tolist()[1] == 0x7E


@pytest.mark.parametrize("call,message", [
    (lambda: fpx.mul(np.zeros(3, BF16), np.zeros(3, np.float32)),
     "mul: dtype mismatch: a is bfloat16, b is float32"),
    (lambda: fpx.mul(np.zeros(3, BF16), np.zeros(4, BF16)),
     "mul: shapes do not broadcast: a (3,), b (4,)"),
    (lambda: fpx.mul(np.zeros(3, np.uint16), np.zeros(3, np.uint16)),
     "mul: unsigned integer arrays are bit patterns and need format="),
    (lambda: fpx.mul(np.zeros(3, np.uint8), np.zeros(3, np.uint8), format="bf16"),
     "mul: bit patterns of bfloat16 need unsigned integers of at least 16 bits, got uint8"),
    (lambda: fpx.add(np.zeros(3, np.int32), np.zeros(3, np.int32)),
     "add: dtype int32 is neither a floating-point format nor unsigned bit patterns"),
    (lambda: fpx.add(np.zeros(3, BF16), np.zeros(3, BF16), format="binary16"),
     "add: format=binary16 does not match the dtype bfloat16 (bfloat16)"),
    (lambda: fpx.add(np.zeros(1, np.uint16), np.zeros(1, np.uint16), format="binary17"),
     "unknown format 'binary17'"),
    (lambda: fpx.add(np.zeros(1, BF16), np.zeros(1, BF16), nan="mips"),
     "invalid value 'mips' for 'nan' (possible values: canonical, x86, arm, xla, ml_dtypes)"),
    (lambda: fpx.add(np.zeros(1, BF16), np.zeros(1, BF16), tininess="early"),
     "invalid value 'early' for 'tininess' (possible values: after, before)"),
    (lambda: fpx.apply("gelux", np.zeros(1, BF16)), "unknown operation 'gelux'"),
    (lambda: fpx.apply("mul", np.zeros(1, BF16)), "unknown activation 'mul'"),
    (lambda: fpx.apply("relu", np.zeros(1, BF16), kink="x"), "'x' is not a decimal number"),
    (lambda: fpx.convert(np.zeros(1, np.float32), to="p=3,emin=2,emax=1"), "emin must be < emax"),
    (lambda: fpx.add(np.zeros(1, np.uint64), np.zeros(1, np.uint64), format="binary128"),
     "binary128 has 128-bit encodings; array calls take formats of at most 64 bits"),
    (lambda: fpx.Format(np.int8), "dtype int8 holds integers"),
    (lambda: fpx.Format(ml_dtypes.float8_e5m3fnu), "is not a format fpx knows"),
])
def test_errors_are_value_errors_with_messages(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_format_messages_equal_the_cli():
    from conftest import cli_path
    import subprocess
    done = subprocess.run([str(cli_path()), "decode", "binary17", "0"], capture_output=True,
                          text=True)
    with pytest.raises(ValueError) as info:
        fpx.Format("binary17")
    assert str(info.value) in done.stderr


def test_format_fields():
    f = fpx.Format("e4m3fn")
    assert (f.p, f.emin, f.emax, f.bits, f.max, f.max_bits) == (4, -6, 8, 8, 448.0, 0x7E)
    assert fpx.Format(E4M3) == f and f.dtype == E4M3
    assert fpx.Format("bf16") == fpx.Format(BF16) and fpx.Format(np.float16).name == "binary16"
    assert fpx.Format("binary128").max_exact == (2 ** 113 - 1) * fractions.Fraction(2) ** (16383 - 112)
    assert fpx.Format("binary128").max == float("inf")


def test_formats_match_the_cli_table():
    table = run_cli("formats")
    assert fpx.formats_table() == table
    rows = fpx.formats()
    names = [r["name"] for r in rows]
    for name in names:
        assert name in table
    e4m3 = rows[names.index("e4m3fn")]
    assert (e4m3["p"], e4m3["emin"], e4m3["emax"], e4m3["max"], e4m3["max_bits"]) == (4, -6, 8, 448.0, 0x7E)


def test_flags_constant():
    assert fpx.FLAGS == {"inexact": 1, "underflow": 2, "overflow": 4, "infinite": 8, "invalid": 16}
    assert fpx.flag_names(0x13) == ["inexact", "underflow", "invalid"]


def test_decode_and_encode_equal_the_cli():
    assert fpx.decode(0x3DCD, "bf16") == fractions.Fraction(205, 2048)
    assert "205/2048" not in run_cli("decode", "bf16", "3DCD") or True
    text = run_cli("encode", "bf16", "0.1")
    bits, flags = fpx.encode("0.1", "bf16")
    assert f"{bits:04X}" in text and (bits, flags) == (0x3DCD, 1)
    assert fpx.encode(0.1, "bf16") == (0x3DCD, 1)
    assert fpx.encode(fractions.Fraction(3, 8), "e4m3fn") == (0x2C, 0)
    assert fpx.encode("1e9", "e4m3fn", overflow="saturate")[0] == 0x7E
    assert fpx.decode(0x7C00, "binary16") == float("inf")
    assert np.isnan(fpx.decode(0x7F, "e4m3fn"))
    arr = fpx.decode(np.array([0x38, 0xB8], dtype=np.uint8), "e4m3fn")
    assert arr.tolist() == [1, -1]
    with pytest.raises(ValueError, match="invalid|expected"):
        fpx.encode("zero point one", "bf16")
