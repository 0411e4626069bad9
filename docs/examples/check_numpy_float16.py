#!/usr/bin/env python3
"""Check numpy's float16 add/sub/mul/div against an fpx golden file.

Usage: python3 docs/examples/check_numpy_float16.py golden/corpus/binary16_add_level1.tv.gz add

Reads the gzip-compressed vectors with the standard library, computes each case with numpy's
float16 arithmetic, and compares result bits (any NaN matches any NaN; numpy has no flags).
Prints mismatches and a closing "N passed, M failed" line; exits 1 if anything failed.
"""
import gzip
import sys

import numpy as np

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


def half(bits):
    return np.array([bits], dtype=np.uint16).view(np.float16)[0]


def is_nan(bits):
    return (bits & 0x7C00) == 0x7C00 and (bits & 0x03FF) != 0


def main():
    path, op = sys.argv[1], sys.argv[2]
    fn = OPS[op]
    passed = failed = 0
    with np.errstate(all="ignore"), gzip.open(path, "rt") as lines:
        for number, line in enumerate(lines, 1):
            a, b, expected, _flags = (int(field, 16) for field in line.split())
            got = int(np.array([fn(half(a), half(b))], dtype=np.float16).view(np.uint16)[0])
            if got == expected or (is_nan(got) and is_nan(expected)):
                passed += 1
            else:
                failed += 1
                print(f"mismatch at {path}:{number}: {a:04X} {b:04X} expected {expected:04X} got {got:04X}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
