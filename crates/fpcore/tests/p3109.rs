//! The IEEE P3109 binary8 formats against gfloat's definitions of them
//! (`format_info_p3109(8, p, signedness, domain)`): every encoding of every format decodes to
//! gfloat's value, and add and mul on every operand pair give gfloat's rounding of the exact
//! result (`round_float` ties to even, then `encode_float`).
//!
//! gfloat rounds a binary64 argument. A product of two binary8 values is exact in binary64
//! (at most 16 significant bits, exponents within ±254). A sum is exact in binary64 unless the
//! operands' exponents are far apart; then (the script checks that the smaller magnitude is
//! below 2^-40 times the larger) the exact sum and its binary64 rounding lie strictly closer to
//! the larger operand, a value of the format, than half its spacing at p <= 8, and both round
//! to it: gfloat's answer is the exact sum's. NaN results are compared as NaN.

mod common;

use fpcore::Env;

/// Prints, per format, every encoding's value and the codes of add and mul on every pair.
const SCRIPT: &str = r#"
import sys
from fractions import Fraction
from gfloat import decode_float, encode_float, round_float, Domain, Signedness
from gfloat.formats import format_info_p3109

for name in sys.argv[1:]:
    p, s, d = int(name[9]), name[10], name[11]
    fi = format_info_p3109(8, p, Signedness.Signed if s == "s" else Signedness.Unsigned,
                           Domain.Extended if d == "e" else Domain.Finite)
    assert fi.name == name, (fi.name, name)
    vals = [decode_float(fi, c).fval for c in range(256)]
    print("decode", name, " ".join(show(v) for v in vals))
    memo = {}
    def encode(r):
        key = repr(r)
        if key not in memo:
            memo[key] = encode_float(fi, round_float(fi, r))
        return memo[key]
    for op in ("add", "mul"):
        codes = []
        for a in vals:
            for b in vals:
                r = a + b if op == "add" else a * b
                if op == "add" and a == a and b == b and abs(a) != float("inf") and abs(b) != float("inf"):
                    if Fraction(r) != Fraction(a) + Fraction(b):
                        small, big = sorted((abs(a), abs(b)))
                        assert small < big * 2.0 ** -40, (name, a, b)
                codes.append(encode(r))
        print(op, name, bytes(codes).hex())
"#;

/// The canonical names of every P3109 binary8 format.
fn names() -> Vec<String> {
    let mut names = Vec::new();
    for p in 1..=8 {
        for signed in ["s", "u"] {
            for domain in ["e", "f"] {
                if !(signed == "s" && p == 8) {
                    names.push(format!("p3109_k8p{p}{signed}{domain}"));
                }
            }
        }
    }
    names
}

#[test]
fn p3109_encodings_add_and_mul_vs_gfloat() {
    let names = names();
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    let script = format!("{}{SCRIPT}", common::PY_EXACT_TEXT);
    let Some(output) = common::python_output("gfloat", &script, &args) else { return };
    let env = Env::default();
    let mut checked = 0;
    for line in output.lines() {
        let (what, fmt, rest) = common::split_line(line);
        let name = fmt.name();
        assert_eq!(fmt.bits(), 8, "{name}");
        if what == "decode" {
            common::check_decode(&fmt, rest);
            checked += 1;
            continue;
        }
        let op = common::add_or_mul(what);
        for i in 0..65536u128 {
            let (a, b) = (i / 256, i % 256);
            let want =
                u128::from_str_radix(&rest[2 * i as usize..2 * i as usize + 2], 16).expect("hex");
            let got = op(&env, &fmt, a, b).value;
            let both_nan = fmt.unpack(got).is_nan() && fmt.unpack(want).is_nan();
            assert!(
                got == want || both_nan,
                "{name} {what} {a:#04x} {b:#04x}: gfloat {want:#04x}, fpcore {got:#04x}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 3 * names.len(), "every format decoded and both ops compared");
}
