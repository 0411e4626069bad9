"""The command line's environment options (`--daz`, `--ftz`, `--via`, `--overflow
sat-finite|sat-propagate`, `--nan xla|ml_dtypes`) as keyword options of every call that
computes, against the command line's answers on the same vectors and options."""

import ml_dtypes
import numpy as np
import pytest

import fpx
from conftest import ROOT, cli_vectors, run_cli

# (keyword options, the same options on the command line)
ENVS = [
    ({"daz": True}, ["--daz"]),
    ({"ftz": True}, ["--ftz"]),
    ({"ftz": True, "tininess": "before"}, ["--ftz", "--tininess", "before"]),
    ({"daz": True, "ftz": True, "via": "binary32", "nan": "xla"},
     ["--daz", "--ftz", "--via", "binary32", "--nan", "xla"]),
    ({"via": "binary16"}, ["--via", "binary16"]),
    ({"via": ml_dtypes.bfloat16, "ftz": True}, ["--via", "bf16", "--ftz"]),
    ({"overflow": "sat-finite"}, ["--overflow", "sat-finite"]),
    ({"overflow": "sat-propagate", "nan": "ml_dtypes"},
     ["--overflow", "sat-propagate", "--nan", "ml_dtypes"]),
]
FUNCS = {"add": fpx.add, "sub": fpx.sub, "mul": fpx.mul, "div": fpx.div, "sqrt": fpx.sqrt,
         "fma": fpx.fma}


def bits_of(fmt, col):
    return col.astype(fpx.Format(fmt).bits_dtype)


@pytest.mark.parametrize("env", range(len(ENVS)))
@pytest.mark.parametrize("fmt", ["bf16", "e4m3fn", "e5m2", "e3m4", "p3109_k8p3se", "binary16"])
@pytest.mark.parametrize("op", list(FUNCS))
def test_arithmetic_options_equal_the_cli(op, fmt, env):
    options, flags = ENVS[env]
    operands, results, expected_flags = cli_vectors(op, fmt, *flags, count=200)
    vals, got_flags = FUNCS[op](*[bits_of(fmt, c) for c in operands], format=fmt, **options)
    np.testing.assert_array_equal(vals.astype(np.uint64), results)
    np.testing.assert_array_equal(got_flags, expected_flags)


@pytest.mark.parametrize("env", range(len(ENVS)))
@pytest.mark.parametrize("op,fmt", [("gelu", "bf16"), ("d_silu", "e4m3fn"),
                                    ("cvt:e5m2", "binary32"), ("cvt:e4m3fn", "bf16")])
def test_activation_and_conversion_options_equal_the_cli(op, fmt, env):
    options, flags = ENVS[env]
    operands, results, expected_flags = cli_vectors(op, fmt, *flags, count=200)
    x = bits_of(fmt, operands[0])
    if op.startswith("cvt:"):
        vals, got_flags = fpx.convert(x, to=op[4:], format=fmt, **options)
    else:
        vals, got_flags = fpx.apply(op, x, format=fmt, **options)
    np.testing.assert_array_equal(vals.astype(np.uint64), results)
    np.testing.assert_array_equal(got_flags, expected_flags)


def test_options_change_results_as_documented():
    # Each option alone, on a case whose answer follows from its definition.
    b = ml_dtypes.bfloat16
    tiny = np.array([2.0 ** -130], dtype=b)  # a bfloat16 subnormal
    one = np.array([1.0], dtype=b)
    assert fpx.mul(tiny, one)[0].view(np.uint16)[0] == tiny.view(np.uint16)[0]
    assert fpx.mul(tiny, one, daz=True)[0].view(np.uint16)[0] == 0
    vals, flags = fpx.mul(tiny, one, ftz=True)
    assert vals.view(np.uint16)[0] == 0 and flags[0] == fpx.FLAGS["underflow"] | fpx.FLAGS["inexact"]
    big = np.array([448.0], dtype=ml_dtypes.float8_e4m3fn)
    inf = np.array([np.inf], dtype=ml_dtypes.float8_e5m2)
    assert fpx.mul(big, big)[0].view(np.uint8)[0] == 0x7F  # NaN: e4m3fn has no infinity
    assert fpx.mul(big, big, overflow="sat-finite")[0].view(np.uint8)[0] == 0x7E
    assert fpx.add(inf, inf, overflow="sat-propagate")[0].view(np.uint8)[0] == 0x7C
    assert fpx.add(inf, inf, overflow="sat-finite")[0].view(np.uint8)[0] == 0x7B
    # Double rounding: 1 + 2^-8 + 2^-20 in bfloat16 rounds up once, but through binary16
    # first (which drops 2^-20) it is a tie that rounds to even, down to 1.
    x = np.array([1.0 + 2.0 ** -8], dtype=np.float32)
    y = np.array([2.0 ** -20], dtype=np.float32)
    once = fpx.convert(fpx.add(x, y)[0], to="bf16")[0]
    assert once.view(np.uint16)[0] == 0x3F81
    twice = fpx.convert(fpx.add(x, y, via="binary16")[0], to="bf16")[0]
    assert twice.view(np.uint16)[0] == 0x3F80


def test_every_call_takes_the_options():
    fmt = "bf16"
    flags = ["--daz", "--ftz", "--via", "binary32"]
    options = {"daz": True, "ftz": True, "via": "binary32"}
    operands, results, expected_flags = cli_vectors("mul", fmt, *flags, count=300)
    a, b = (bits_of(fmt, c) for c in operands)
    # check
    r = fpx.check("mul", a, b, result=results.astype(np.uint16), flags=expected_flags,
                  format=fmt, exact_nan=True, **options)
    assert (r.passed, r.failed) == (len(a), 0)
    assert fpx.check("mul", a, b, result=results.astype(np.uint16), flags=expected_flags,
                     format=fmt, exact_nan=True).failed > 0
    # gen
    g_operands, g_results, g_flags = fpx.gen("mul", fmt, count=300, **options)
    np.testing.assert_array_equal(g_results.astype(np.uint64), results)
    np.testing.assert_array_equal(g_flags, expected_flags)
    # encode
    text = run_cli("encode", "e5m2", "1e10", "--overflow", "sat-finite")
    bits, fl = fpx.encode("1e10", "e5m2", overflow="sat-finite")
    assert text.split()[:2] == [f"{bits:02X}", f"{fl:02X}"] and bits == 0x7B
    # sweep
    s = fpx.sweep("sqrt", "bf16", shards=3, daz=True, ftz=True, via="binary32")
    domain = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    np.testing.assert_array_equal(s.vals, fpx.sqrt(domain, format="bf16", **options)[0])
    # Network.load: its environment is that of every later call
    tiny = ROOT / "examples" / "nets" / "tiny_bf16.json"
    net = fpx.Network.load(tiny, **options)
    x = np.stack([a[:50], b[:50]], axis=1)
    cli = run_cli("net", "eval", "--net", str(tiny), "--flags", *flags,
                  input="".join(f"{p:04X} {q:04X}\n" for p, q in x))
    y, yf = net.eval(x)
    rows = [[int(v, 16) for v in line.split()] for line in cli.splitlines()]
    assert y[:, 0].tolist() == [r[0] for r in rows] and yf.tolist() == [r[1] for r in rows]
    import pickle
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.eval(x)[0], y)


def test_bad_options_are_named():
    a = np.ones(2, dtype=np.float32)
    with pytest.raises(ValueError, match="option 'daz' takes True or False"):
        fpx.mul(a, a, daz="yes")
    with pytest.raises(ValueError, match="via: unknown format 'e9'"):
        fpx.mul(a, a, via="e9")
    with pytest.raises(ValueError, match=r"invalid value 'clamp' for 'overflow' \(possible "
                                         r"values: ieee, saturate, sat-finite, sat-propagate\)"):
        fpx.add(a, a, overflow="clamp")
    with pytest.raises(ValueError, match="invalid value 'mips' for 'nan'"):
        fpx.encode("1", "bf16", nan="mips")
    with pytest.raises(ValueError, match="a format is a name or a dtype"):
        fpx.mul(a, a, via=3.5)
