"""`fpx.gen` against `fpx gen`, and `fpx.sweep` serially and on a dask LocalCluster with two
worker processes (equal bit for bit), against elementwise calls over the enumerated domain."""

import ml_dtypes
import numpy as np
import pytest

import fpx
from conftest import ROOT, cli_vectors, run_cli


@pytest.mark.parametrize("op,fmt,level", [("add", "e4m3fn", 1), ("fma", "bf16", 1),
                                          ("sqrt", "binary16", 2), ("gelu", "bf16", 1),
                                          ("cvt:e5m2", "binary32", 1)])
def test_gen_equals_the_cli(op, fmt, level):
    operands, results, flags = fpx.gen(op, fmt, level=level, seed=7, count=50)
    cli_operands, cli_results, cli_flags = cli_vectors(op, fmt, "--level", str(level),
                                                       "--seed", "7", count=50)
    assert len(operands) == len(cli_operands)
    for ours, theirs in zip(operands, cli_operands):
        np.testing.assert_array_equal(ours.astype(np.uint64), theirs)
    np.testing.assert_array_equal(results.astype(np.uint64), cli_results)
    np.testing.assert_array_equal(flags, cli_flags)


def test_sweep_covers_the_domain_in_order():
    r = fpx.sweep("mul", "e4m3fn", shards=7)
    a, b = (x.ravel() for x in np.meshgrid(np.arange(256, dtype=np.uint8),
                                            np.arange(256, dtype=np.uint8), indexing="ij"))
    vals, flags = fpx.mul(a, b, format="e4m3fn")
    np.testing.assert_array_equal(r.vals, vals)
    np.testing.assert_array_equal(r.flags, flags)
    one = fpx.sweep("sqrt", "bf16", shards=3)
    np.testing.assert_array_equal(
        one.vals, fpx.sqrt(np.arange(65536, dtype=np.uint32).astype(np.uint16), format="bf16")[0])


def test_sweep_with_a_reference_reports_mismatches():
    e4m3 = ml_dtypes.float8_e4m3fn
    ref = lambda a, b: a.view(e4m3) * b.view(e4m3)
    r = fpx.sweep("mul", "e4m3fn", shards=4, reference=ref)
    assert (r.passed, r.failed) == (65536, 0)
    exact = fpx.sweep("mul", "e4m3fn", shards=4, reference=ref, exact_nan=True)
    assert exact.failed == 5570  # the NaN-sign cases of test_ml_dtypes
    a, b = exact.operands_of(exact.mismatches)
    assert np.all(fpx.mul(a, b, format="e4m3fn")[0] == 0x7F)


def test_sweep_errors():
    with pytest.raises(ValueError, match="at most 16 bits"):
        fpx.sweep("mul", "binary32")
    with pytest.raises(ValueError, match="fma has three"):
        fpx.sweep("fma", "e4m3fn")


NET = ROOT / "examples" / "nets" / "ad_demo_two_matrices.json"


def test_network_sweep_equals_eval_over_every_encoding():
    net = fpx.Network.load(NET)
    r = fpx.sweep(net, shards=3)
    y, flags = net.eval(np.arange(256, dtype=np.uint8)[:, None])
    np.testing.assert_array_equal(r.vals, y)
    np.testing.assert_array_equal(r.flags, flags)
    rows = [line.split() for line in run_cli("net", "eval", "--net", str(NET), "--all-inputs",
                                             "--flags").splitlines()]
    assert len(rows) == 254  # every non-NaN input, as the command line evaluates it
    for x, *outs, fl in rows:
        assert r.vals[int(x, 16)].tolist() == [int(v, 16) for v in outs]
        assert int(r.flags[int(x, 16)]) == int(fl, 16)
    with pytest.raises(ValueError, match="needs one input value"):
        fpx.sweep(fpx.Network.load(ROOT / "examples" / "nets" / "tiny_bf16.json"))


def test_dask_sweep_equals_the_serial_one():
    distributed = pytest.importorskip("distributed")
    serial = fpx.sweep("div", "e5m2", shards=5, nan="x86")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        parallel = fpx.sweep("div", "e5m2", shards=5, nan="x86", client=client)
        checked = fpx.sweep("mul", "e4m3fn", shards=3, client=client,
                            reference=_ml_dtypes_mul, exact_nan=True)
        net = fpx.Network.load(NET)
        net_parallel = fpx.sweep(net, shards=4, client=client)
    net_serial = fpx.sweep(net, shards=4)
    assert net_parallel.vals.tobytes() == net_serial.vals.tobytes()
    assert net_parallel.flags.tobytes() == net_serial.flags.tobytes()
    assert parallel.vals.tobytes() == serial.vals.tobytes()
    assert parallel.flags.tobytes() == serial.flags.tobytes()
    assert checked.failed == 5570


def _ml_dtypes_mul(a, b):
    e4m3 = ml_dtypes.float8_e4m3fn
    return a.view(e4m3) * b.view(e4m3)
