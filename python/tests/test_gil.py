"""The GIL is released while the kernels run: another thread runs Python code while a call is
in flight.

Not a timing test. Forced GIL switches are pushed far beyond the length of the call
(``sys.setswitchinterval``), so a call that held the GIL would keep every other thread out of
the interpreter from its start to its return; a second thread, woken just before the call,
counts to a fixed number and records whether the call was still in flight when it finished.
Only a call that releases the GIL lets it finish first; a slow machine can delay that thread,
so each call gets a few tries, but a call holding the GIL never passes."""

import sys
import threading

import numpy as np
import pytest

import fpx
from conftest import ROOT

N = 1 << 21


def ran_during(call) -> bool:
    """Whether a second thread ran Python code to the end of a loop while ``call`` ran."""
    state = {"in_flight": False, "seen": None}
    go = threading.Event()

    def count():
        go.wait()
        n = 0
        for _ in range(1000):
            n += 1
        state["seen"] = state["in_flight"]

    thread = threading.Thread(target=count)
    thread.start()
    state["in_flight"] = True
    go.set()
    call()
    state["in_flight"] = False
    thread.join()
    return bool(state["seen"])


def calls():
    """The extension's entry points on prepared buffers: numpy, which may release the GIL
    itself while it copies large arrays, does not run during these calls."""
    from fpx import _fpx
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 1 << 16, size=N, dtype=np.uint64).astype(np.uint16).tobytes()
    floats = rng.standard_normal(N).astype(np.float32).tobytes()
    net = fpx.Network.load(ROOT / "examples" / "nets" / "tiny_bf16.json")
    samples = np.frombuffer(bits, np.uint16)[: N // 8].astype(np.uint64).tobytes()
    return {
        "mul": lambda: _fpx.eval("mul", "bf16", [bits, bits], 2, 2, {}),
        "fma": lambda: _fpx.eval("fma", "bf16", [bits] * 3, 2, 2, {"ftz": True}),
        "gelu": lambda: _fpx.eval("gelu", "bf16", [bits[: N // 2]], 2, 2, {}),
        "mx.quantize": lambda: _fpx.mx_quantize("e4m3fn", floats, 32),
        "Network.eval": lambda: net._inner.eval(samples),
        "nan_mask": lambda: _fpx.nan_mask("bf16", bits, 2),
    }


@pytest.mark.parametrize("name", ["mul", "fma", "gelu", "mx.quantize", "Network.eval",
                                  "nan_mask"])
def test_another_thread_runs_while_a_call_computes(name):
    call = calls()[name]
    old = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        assert any(ran_during(call) for _ in range(5)), f"{name} held the GIL"
    finally:
        sys.setswitchinterval(old)


@pytest.mark.skipif(not getattr(sys, "_is_gil_enabled", lambda: True)(),
                    reason="a free-threaded Python has no GIL to hold")
def test_the_probe_detects_a_call_that_holds_the_gil():
    # A pure-Python busy loop holds the GIL between forced switches, which are now 60 s
    # apart: the probe must report that the other thread did not run during it.
    def busy():
        total = 0
        for i in range(2_000_000):
            total += i
    old = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        assert not any(ran_during(busy) for _ in range(3))
    finally:
        sys.setswitchinterval(old)
