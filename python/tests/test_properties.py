"""Property tests: array calls (the slice path) against the Rust scalar path
(`fpcore::Op::eval` one operand tuple at a time), on drawn bit patterns, shapes and options."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import fpx
from fpx import _fpx

FORMATS = ["bf16", "binary16", "e4m3fn", "e5m2", "e4m3fnuz", "e2m1fn", "e3m2fn", "binary32",
           "binary64", "e3m4", "p=5,emin=-9,emax=9", "e4m3b11fnuz", "e8m0fnu", "p3109_k8p3se",
           "p3109_k8p5uf"]
OPS = {"add": 2, "sub": 2, "mul": 2, "div": 2, "sqrt": 1, "fma": 3, "gelu": 1, "d_silu": 1,
       "tanh:composite": 1, "cvt:e5m2": 1, "cvt:binary64": 1}
OPTIONS = st.fixed_dictionaries({}, optional={
    "tininess": st.sampled_from(["after", "before"]),
    "nan": st.sampled_from(["canonical", "x86", "arm", "xla", "ml_dtypes"]),
    "overflow": st.sampled_from(["ieee", "saturate", "sat-finite", "sat-propagate"]),
    "daz": st.booleans(),
    "ftz": st.booleans(),
    "via": st.sampled_from(["binary32", "bf16", "e5m2", "binary64"]),
})


@st.composite
def cases(draw):
    fmt = fpx.Format(draw(st.sampled_from(FORMATS)))
    op = draw(st.sampled_from(sorted(OPS)))
    n = draw(st.integers(0, 12))
    word = fmt.bits_dtype
    patterns = st.integers(0, (1 << fmt.bits) - 1)
    operands = [np.array(draw(st.lists(patterns, min_size=n, max_size=n)), dtype=word)
                for _ in range(OPS[op])]
    return fmt, op, operands, draw(OPTIONS)


@settings(max_examples=400, deadline=None)
@given(cases())
def test_arrays_equal_the_scalar_path(case):
    fmt, op, operands, options = case
    if op.startswith("cvt:"):
        vals, flags = fpx.convert(operands[0], to=op[4:], format=fmt, **options)
    elif op in ("add", "sub", "mul", "div", "sqrt", "fma"):
        vals, flags = getattr(fpx, op)(*operands, format=fmt, **options)
    else:
        vals, flags = fpx.apply(op, operands[0], format=fmt, **options)
    for i in range(len(operands[0])):
        args = [int(x[i]) for x in operands]
        assert (int(vals[i]), int(flags[i])) == _fpx.eval_scalar(op, fmt.name, args, options)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_broadcast_operands_equal_the_scalar_path(data):
    shape_a = data.draw(st.sampled_from([(), (1,), (3,), (2, 1), (2, 3)]))
    shape_b = data.draw(st.sampled_from([(), (3,), (1, 3), (2, 1)]))
    draw = lambda shape: np.array(
        data.draw(st.lists(st.integers(0, 0xFFFF), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape)))), dtype=np.uint16).reshape(shape)
    a, b = draw(shape_a), draw(shape_b)
    vals, flags = fpx.mul(a, b, format="bf16")
    ea, eb = np.broadcast_arrays(a, b)
    assert vals.shape == ea.shape
    for idx in np.ndindex(ea.shape):
        assert (int(vals[idx]), int(flags[idx])) == _fpx.eval_scalar(
            "mul", "bfloat16", [int(ea[idx]), int(eb[idx])])
