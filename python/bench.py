"""Benchmark: fpx.mul against ml_dtypes' own multiply on 10M-element bfloat16 and
float8_e4m3fn arrays, in one run, and the array layer's overhead over the Rust kernel.

    python python/bench.py [--n 10000000] [--repeat 3]

Prints, per format, the best of --repeat timings of: ml_dtypes `a * b` (the baseline),
`fpx.mul(a, b)` (the whole call: broadcasting, buffers, kernel, result arrays) and the
kernel alone (`fpx._fpx.time_kernel`, the same elementwise function without the layer),
with the ratios fpx/ml_dtypes and the layer's share of the call.
"""

import argparse
import os
import sys
import time

# This file sits next to the package's sources, which lack the built extension: import the
# installed package (pip install ./python), not the directory.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import ml_dtypes  # noqa: E402
import numpy as np  # noqa: E402

import fpx  # noqa: E402
from fpx import _fpx  # noqa: E402


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@np.errstate(all="ignore")  # random patterns overflow and meet NaNs, as intended
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    print(f"{args.n} elements, best of {args.repeat}")
    print(f"{'format':<16}{'ml_dtypes s':>12}{'fpx.mul s':>12}{'kernel s':>12}"
          f"{'fpx/ml_dtypes':>15}{'layer share':>13}")
    for dtype, word in ((ml_dtypes.bfloat16, np.uint16), (ml_dtypes.float8_e4m3fn, np.uint8)):
        bits = rng.integers(0, np.iinfo(word).max + 1, size=(2, args.n), dtype=word)
        a, b = bits[0].view(dtype), bits[1].view(dtype)
        fmt = fpx.Format(dtype)
        baseline = best(lambda: a * b, args.repeat)
        call = best(lambda: fpx.mul(a, b), args.repeat)
        kernel = min(_fpx.time_kernel("mul", fmt.name, [a.tobytes(), b.tobytes()], a.itemsize)
                     for _ in range(args.repeat))
        print(f"{np.dtype(dtype).name:<16}{baseline:>12.4f}{call:>12.4f}{kernel:>12.4f}"
              f"{call / baseline:>14.2f}x{(call - kernel) / call:>12.1%}")
    print("kernel: the scalar path (fpcore::Op::eval per element); the slice kernels are not in yet")


if __name__ == "__main__":
    main()
