//! fpcore's formats against ml_dtypes itself: every ml_dtypes type parses under its ml_dtypes
//! name, every encoding decodes to the value ml_dtypes gives it, and every operand pair of add
//! and mul gives ml_dtypes' result.
//!
//! ml_dtypes computes an operation of its narrow types in binary32 and rounds that result to
//! the type (two roundings). Its answers are therefore compared with the same composition
//! computed by fpcore, cvt_T(cvt_32(a) ⊕_32 cvt_32(b)), on every pair; the pairs where that
//! double rounding differs from fpcore's exact, once-rounded a ⊕ b are counted. For these types
//! there are none: binary32 has q = 24 >= 2p + 2 bits for every p <= 5 and a wider exponent
//! range, and double rounding through such a format is innocuous for + and * (Figueroa, "When
//! is double rounding innocuous?", SIGNUM 1995), so the count is checked to be zero.
//! NaN results are compared as NaN (their encodings are a NaN policy's business).
//!
//! The expected values come from ml_dtypes through the Python of `FPX_PYTHON` (scripts/test
//! installs ml_dtypes in its virtual environment).

use std::process::Command;

use fpcore::{add, convert, mul, Env, Format, Kind, Rounded};

/// Every ml_dtypes floating-point type fpcore has, by its ml_dtypes name.
const TYPES: &[&str] = &[
    "float4_e2m1fn",
    "float6_e2m3fn",
    "float6_e3m2fn",
    "float8_e3m4",
    "float8_e4m3",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
];

/// Prints, per type, the exact value of every encoding and the result codes of add and mul on
/// every pair (a major, b minor), in hex.
const SCRIPT: &str = r#"
import sys
import numpy as np
import ml_dtypes

def show(v):
    v = float(v)
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "-0" if np.signbit(v) else "0"
    n, d = v.as_integer_ratio()
    return f"{n}/{d}"

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
"#;

/// The output of [`SCRIPT`], or `None` when ml_dtypes cannot be imported (allowed outside CI).
fn ml_dtypes_output() -> Option<String> {
    let python = std::env::var_os("FPX_PYTHON").unwrap_or_else(|| "python3".into());
    let probe = Command::new(&python).args(["-c", "import ml_dtypes"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "ml_dtypes must be installed in CI (scripts/test does)"
        );
        eprintln!("ml_dtypes is not installed: the comparison with ml_dtypes was not run");
        return None;
    }
    let out = Command::new(&python).args(["-c", SCRIPT]).args(TYPES).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("ascii output"))
}

/// fpcore's decoding of `bits` in the notation of [`SCRIPT`]'s `show`.
fn show(fmt: &Format, bits: u128) -> String {
    let u = fmt.unpack(bits);
    let minus = if u.sign { "-" } else { "" };
    match u.kind {
        Kind::Nan { .. } => "nan".to_string(),
        Kind::Inf => format!("{minus}inf"),
        Kind::Zero => format!("{minus}0"),
        Kind::Finite { mut sig, mut exp } => {
            while sig % 2 == 0 {
                sig /= 2;
                exp += 1;
            }
            if exp >= 0 {
                format!("{minus}{}/1", sig << exp)
            } else {
                format!("{minus}{sig}/{}", 1u128 << -exp)
            }
        }
    }
}

/// Whether two results agree: the same encoding, or both NaN.
fn same(fmt: &Format, x: u128, y: u128) -> bool {
    x == y || (fmt.unpack(x).is_nan() && fmt.unpack(y).is_nan())
}

#[test]
fn ml_dtypes_names_encodings_add_and_mul() {
    let Some(output) = ml_dtypes_output() else { return };
    let env = Env::default();
    let b32 = Format::BINARY32;
    let mut checked = 0;
    for line in output.lines() {
        let mut parts = line.splitn(3, ' ');
        let (what, name, rest) = (
            parts.next().expect("kind"),
            parts.next().expect("name"),
            parts.next().expect("values"),
        );
        let fmt = Format::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let n = 1u128 << fmt.bits();
        if what == "decode" {
            let expected: Vec<&str> = rest.split(' ').collect();
            assert_eq!(expected.len() as u128, n, "{name}");
            for (bits, want) in (0..n).zip(expected) {
                assert_eq!(show(&fmt, bits), want, "{name} {bits:#04x}");
            }
            checked += 1;
            continue;
        }
        let op: fn(&Env, &Format, u128, u128) -> Rounded<u128> = match what {
            "add" => add,
            "mul" => mul,
            other => panic!("unknown line {other}"),
        };
        let bytes: Vec<u128> = (0..rest.len() / 2)
            .map(|i| u128::from_str_radix(&rest[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        assert_eq!(bytes.len() as u128, n * n, "{name} {what}");
        let mut double_rounded = 0;
        for (i, &want) in bytes.iter().enumerate() {
            let (a, b) = (i as u128 / n, i as u128 % n);
            let (a32, b32v) =
                (convert(&env, &fmt, &b32, a).value, convert(&env, &fmt, &b32, b).value);
            let composed = convert(&env, &b32, &fmt, op(&env, &b32, a32, b32v).value).value;
            assert!(
                same(&fmt, composed, want),
                "{name} {what} {a:#04x} {b:#04x}: ml_dtypes {want:#04x}, cvt(binary32 result) {composed:#04x}"
            );
            if !same(&fmt, composed, op(&env, &fmt, a, b).value) {
                double_rounded += 1;
            }
        }
        assert_eq!(double_rounded, 0, "{name} {what}: pairs where the double rounding differs");
        checked += 1;
    }
    assert_eq!(checked, 3 * TYPES.len(), "every type decoded and both ops compared");
}
