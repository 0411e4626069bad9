"""docs/python.md's examples: every ```python block runs, in order, as one script, from the
repository root (blocks tagged `jax` run when JAX is installed; `no-run` blocks, which need a
remote cluster, are only compiled)."""

import os
import re

import pytest

from conftest import ROOT

BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.S | re.M)


def blocks():
    text = (ROOT / "docs" / "python.md").read_text()
    return [(tag.strip(), code) for tag, code in BLOCK.findall(text)]


def test_examples_run_as_written(monkeypatch):
    monkeypatch.chdir(ROOT)
    found = blocks()
    assert len(found) >= 10
    scope = {"__name__": "docs_example"}
    for number, (tag, code) in enumerate(found, 1):
        compiled = compile(code, f"docs/python.md block {number} ({tag or 'python'})", "exec")
        if tag == "no-run":
            continue
        if tag == "jax":
            try:
                import jax  # noqa: F401
            except ImportError:
                continue
        exec(compiled, scope)
