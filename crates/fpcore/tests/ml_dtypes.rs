//! fpcore's formats against ml_dtypes itself: every ml_dtypes type parses under its ml_dtypes
//! name, every encoding decodes to the value ml_dtypes gives it, and every operand pair of add
//! and mul gives ml_dtypes' result, and so does the conversion from binary32 of edge values,
//! every value of the type, the midpoints between its neighbours and the binary32 values next
//! to them (NaN operands are left to the NaN policy's own comparison).
//!
//! ml_dtypes computes an operation of its narrow types in binary32 and rounds that result to
//! the type (two roundings). Its answers are therefore compared with the same composition
//! computed by fpcore, cvt_T(cvt_32(a) ⊕_32 cvt_32(b)), on every pair; the pairs where that
//! double rounding differs from fpcore's exact, once-rounded a ⊕ b are counted. binary32 has
//! q = 24 >= 2p + 2 bits for every p <= 5, and double rounding through such a format is
//! innocuous for + and * (Figueroa, "When is double rounding innocuous?", SIGNUM 1995) as long
//! as the first rounding stays within binary32's exponent range. Only e8m0fnu's products leave
//! it (2^-254 ..= 2^254): every differing pair is checked to have an inexact binary32 step,
//! and only e8m0fnu's mul is allowed any.
//! NaN results are compared as NaN (their encodings are a NaN policy's business).
//!
//! The expected values come from ml_dtypes through the Python of `FPX_PYTHON` (scripts/test
//! installs ml_dtypes in its virtual environment).

use fpcore::{convert, Env, Format};

/// Every ml_dtypes floating-point type fpcore has, by its ml_dtypes name.
const TYPES: &[&str] = &[
    "float4_e2m1fn",
    "float6_e2m3fn",
    "float6_e3m2fn",
    "float8_e3m4",
    "float8_e4m3",
    "float8_e4m3b11fnuz",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
];

mod common;

/// Prints, per type, the exact value of every encoding and the result codes of add and mul on
/// every pair (a major, b minor), in hex.
const SCRIPT: &str = r#"
import sys
import numpy as np
import ml_dtypes

for name in sys.argv[1:]:
    t = getattr(ml_dtypes, name)
    bits = ml_dtypes.finfo(t).bits
    codes = np.arange(2 ** bits, dtype=np.uint8)
    vals = codes.view(t)
    print("decode", name, " ".join(show(v) for v in vals.astype(np.float64)))
    a = np.repeat(vals, 2 ** bits)
    b = np.tile(vals, 2 ** bits)
    with np.errstate(all="ignore"):
        for op, res in (("add", a + b), ("mul", a * b)):
            print(op, name, res.view(np.uint8).tobytes().hex())
    # binary32 edge values, every value of the type, the midpoints between neighbours (ties)
    # and the binary32 values next to those midpoints, both signs.
    edges = np.array([0, 1, 0x7FFFFF, 0x800000, 0x3F800000, 0x7F7FFFFF, 0x7F800000],
                     dtype=np.uint32).view(np.float32)
    wide = vals.astype(np.float32)
    finite = np.unique(wide[np.isfinite(wide)])
    mids = ((finite[1:].astype(np.float64) + finite[:-1]) / 2).astype(np.float32)
    up = np.nextafter(mids, np.float32(np.inf))
    down = np.nextafter(mids, np.float32(-np.inf))
    xs = np.concatenate([edges, finite, mids, up, down])
    xs = np.concatenate([xs, -xs]).astype(np.float32)
    with np.errstate(all="ignore"):
        ys = xs.astype(t).view(np.uint8)
    pairs = " ".join(f"{x:08X}:{y:02X}" for x, y in zip(xs.view(np.uint32), ys))
    print("cvt", name, pairs)
"#;

/// Whether two results agree: the same encoding, or both NaN.
fn same(fmt: &Format, x: u128, y: u128) -> bool {
    x == y || (fmt.unpack(x).is_nan() && fmt.unpack(y).is_nan())
}

#[test]
fn ml_dtypes_names_encodings_add_and_mul() {
    let script = format!("{}{SCRIPT}", common::PY_EXACT_TEXT);
    let Some(output) = common::python_output("ml_dtypes", &script, TYPES) else { return };
    let env = Env::default();
    let b32 = Format::BINARY32;
    let mut checked = 0;
    for line in output.lines() {
        let (what, fmt, rest) = common::split_line(line);
        let name = fmt.name();
        let n = 1u128 << fmt.bits();
        if what == "decode" {
            common::check_decode(&fmt, rest);
            checked += 1;
            continue;
        }
        if what == "cvt" {
            for pair in rest.split(' ') {
                let (x, y) = pair.split_once(':').expect("X:Y");
                let x = u128::from_str_radix(x, 16).expect("hex");
                let want = u128::from_str_radix(y, 16).expect("hex");
                let got = convert(&env, &b32, &fmt, x).value;
                assert!(
                    same(&fmt, got, want),
                    "{name} cvt {x:#010x}: ml_dtypes {want:#04x}, fpcore {got:#04x}"
                );
            }
            checked += 1;
            continue;
        }
        let op = common::add_or_mul(what);
        let bytes: Vec<u128> = (0..rest.len() / 2)
            .map(|i| u128::from_str_radix(&rest[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        assert_eq!(bytes.len() as u128, n * n, "{name} {what}");
        let mut double_rounded = 0;
        for (i, &want) in bytes.iter().enumerate() {
            let (a, b) = (i as u128 / n, i as u128 % n);
            let (a32, b32v) =
                (convert(&env, &fmt, &b32, a).value, convert(&env, &fmt, &b32, b).value);
            let wide = op(&env, &b32, a32, b32v);
            let composed = convert(&env, &b32, &fmt, wide.value).value;
            assert!(
                same(&fmt, composed, want),
                "{name} {what} {a:#04x} {b:#04x}: ml_dtypes {want:#04x}, cvt(binary32 result) {composed:#04x}"
            );
            if !same(&fmt, composed, op(&env, &fmt, a, b).value) {
                assert!(
                    wide.flags.contains(fpcore::Flags::INEXACT),
                    "{name} {what} {a:#04x} {b:#04x}: exact in binary32"
                );
                double_rounded += 1;
            }
        }
        if (fmt, what) != (Format::E8M0FNU, "mul") {
            assert_eq!(double_rounded, 0, "{name} {what}: pairs where the double rounding differs");
        }
        eprintln!("{name} {what}: {double_rounded} pairs where ml_dtypes' double rounding differs");
        checked += 1;
    }
    assert_eq!(checked, 4 * TYPES.len(), "every type decoded, converted and both ops compared");
}
