"""`fpx.Network` against `fpx net eval`, `fpx net grad` (with --params) and `fpx net check`
on the same inputs."""

import json
import struct

import ml_dtypes
import numpy as np
import pytest

import fpx
from conftest import ROOT, run_cli

TINY = ROOT / "examples" / "nets" / "tiny_bf16.json"
ONE = ROOT / "examples" / "nets" / "ad_demo_two_matrices.json"


def inputs():
    rng = np.random.default_rng(5)
    return rng.integers(0, 1 << 16, size=(40, 2), dtype=np.uint64).astype(np.uint16)


def lines_of(x):
    return "".join(" ".join(f"{v:04X}" for v in row) + "\n" for row in x)


def parse(text):
    return np.array([[int(v, 16) for v in line.split()] for line in text.splitlines()],
                    dtype=np.uint64)


def test_eval_equals_the_cli():
    net = fpx.Network.load(TINY)
    x = inputs()
    y, flags = net.eval(x)
    assert y.shape == (40, 1) and y.dtype == np.uint16
    cli = parse(run_cli("net", "eval", "--net", str(TINY), "--flags", input=lines_of(x)))
    np.testing.assert_array_equal(y.astype(np.uint64), cli[:, :1])
    np.testing.assert_array_equal(flags, cli[:, 1])
    values, _ = net.eval(x.view(ml_dtypes.bfloat16))
    assert values.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(values.view(np.uint16), y)


@pytest.mark.parametrize("how,cli_args", [
    ({}, []),
    ({"phi": "y"}, ["--phi", "y"]),
    ({"seed": np.array([0x4000], dtype=np.uint16)}, ["--out-grad", "4000"]),
])
def test_grad_equals_the_cli(how, cli_args, tmp_path):
    net = fpx.Network.load(TINY)
    x = inputs()
    y, gx = net.grad(x, **how)
    cli = parse(run_cli("net", "grad", "--net", str(TINY), *cli_args, input=lines_of(x)))
    np.testing.assert_array_equal(y.astype(np.uint64), cli[:, :1])
    np.testing.assert_array_equal(gx.astype(np.uint64), cli[:, 1:])
    for mean in (False, True):
        out = tmp_path / f"p{mean}.safetensors"
        run_cli("net", "grad", "--net", str(TINY), *cli_args, "--params", str(out),
                *(["--mean"] if mean else []), input=lines_of(x))
        tensors = read_safetensors(out.read_bytes())
        ours = net.param_grads(x, mean=mean, **how)
        assert sorted(ours) == ["layers[0]", "layers[2]"]
        typed = net.param_grads(x.view(ml_dtypes.bfloat16), mean=mean, **how)
        for name, (dw, db) in ours.items():
            # Bit patterns in the format's word for bit-pattern inputs, as grad gives them;
            # the format's dtype for dtype inputs.
            assert dw.dtype == db.dtype == np.uint16 and db.shape == (dw.shape[0],)
            np.testing.assert_array_equal(dw, tensors[name + ".weight"].reshape(dw.shape))
            np.testing.assert_array_equal(db, tensors[name + ".bias"])
            tw, tb = typed[name]
            assert tw.dtype == tb.dtype == ml_dtypes.bfloat16
            np.testing.assert_array_equal(tw.view(np.uint16), dw)
            np.testing.assert_array_equal(tb.view(np.uint16), db)


def read_safetensors(data):
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, stop = meta["data_offsets"]
        out[name] = np.frombuffer(body[start:stop], dtype="<u2").astype(np.uint64)
    return out


def test_check_equals_the_cli(tmp_path):
    net = fpx.Network.load(TINY)
    x = inputs()
    y, gx = net.grad(x)
    targets = np.concatenate([x, y, gx], axis=1).astype(np.uint64)
    targets[5, 2] ^= 1
    path = tmp_path / "targets.txt"
    path.write_text("".join(" ".join(f"{v:04X}" for v in row) + "\n" for row in targets))
    cli = run_cli("net", "check", "--net", str(TINY), "--targets", str(path))
    r = net.check(targets)
    assert str(r).splitlines()[-1] == cli.strip().splitlines()[-1] == "39 passed, 1 failed"
    assert r.mismatches[0][0] == 5 and "y*[0]" in r.mismatches[0][1]
    assert str(net.check(path)).endswith("39 passed, 1 failed")


def test_network_errors():
    with pytest.raises(ValueError, match="--net .*missing.json"):
        fpx.Network.load("missing.json")
    net = fpx.Network.load(TINY)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        net.eval(np.zeros((3, 3), np.uint16))
    with pytest.raises(ValueError, match="float32; the network's inputs are bfloat16"):
        net.eval(np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        net.grad(inputs(), loss="l1")
    with pytest.raises(ValueError, match="needs targets"):
        net.grad(inputs(), loss="mse")


def test_one_input_network_over_its_domain_equals_net_eval_all_inputs():
    net = fpx.Network.load(ONE)
    text = run_cli("net", "eval", "--net", str(ONE), "--all-inputs")
    rows = parse(text)
    y, _ = net.eval(rows[:, :1].astype(np.uint8))
    np.testing.assert_array_equal(y.astype(np.uint64), rows[:, 1:])
