"""The command line's `--shard K/N` (`gen`, `net eval --all-inputs`): the parts' outputs
concatenated in order equal one run without it, the same split as `fpx.sweep`."""

import pathlib

import pytest

from conftest import ROOT, run_cli

NET = str(ROOT / "examples" / "nets" / "ad_demo_two_matrices.json")


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_gen_shards_concatenate_to_the_whole(n):
    whole = run_cli("gen", "--op", "fma", "--format", "bf16", "--count", "100")
    parts = [run_cli("gen", "--op", "fma", "--format", "bf16", "--count", "100",
                     "--shard", f"{k}/{n}") for k in range(1, n + 1)]
    assert "".join(parts) == whole
    sizes = [p.count("\n") for p in parts]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("extra", [[], ["--range", "-1,1"], ["--flags"]])
def test_net_eval_shards_concatenate_to_the_whole(extra):
    whole = run_cli("net", "eval", "--net", NET, "--all-inputs", *extra)
    parts = [run_cli("net", "eval", "--net", NET, "--all-inputs", *extra, "--shard", f"{k}/4")
             for k in range(1, 5)]
    assert "".join(parts) == whole and whole


def test_sweep_split_matches_the_cli_split():
    import fpx
    from fpx._sweep import shard_range
    total = run_cli("gen", "--op", "mul", "--format", "e4m3fn").count("\n")
    for k in range(3):
        start, stop = shard_range(total, k, 3)
        part = run_cli("gen", "--op", "mul", "--format", "e4m3fn", "--shard", f"{k + 1}/3")
        assert part.count("\n") == stop - start
