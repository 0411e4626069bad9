//! `fpx gen`, `decode`, `encode` and `eval`: generated vectors are checked line by line against
//! SoftFloat, generation is deterministic, and the utilities agree with host arithmetic and
//! with values derived by hand from docs/semantics.md §1-2.

use std::process::Output;

use fpcore::Format;
use fporacle::gen::{edge_values, generate, GenOptions};
use fporacle::oracle::Oracle;
use fporacle::protocol::{Notation, Op as ProtoOp};
use fpref::{Backend, Op, SoftFloat};

use crate::support::cli::{self, stdout as text};

/// `fpx` with `args` and an empty standard input.
fn fpx(args: &[&str]) -> Output {
    cli::fpx(args, "")
}

fn vectors(format: &str, op: &str, level: u8, seed: u64) -> String {
    let fmt = Format::parse(format).expect("format");
    let oracle = Oracle {
        env: fpcore::Env::default(),
        fmt,
        op: ProtoOp::parse(op).expect("op"),
        notation: Notation::Bits,
    };
    let mut out = Vec::new();
    generate(&oracle, &GenOptions { level, seed, count: Some(300) }, &mut out).expect("generate");
    String::from_utf8(out).expect("ascii")
}

#[test]
fn generated_vectors_match_softfloat_line_by_line() {
    let sf = SoftFloat::default();
    for format in ["binary16", "binary32", "binary64", "binary128"] {
        let fmt = Format::parse(format).expect("format");
        for (op_name, op) in [
            ("add", Op::Add),
            ("sub", Op::Sub),
            ("mul", Op::Mul),
            ("div", Op::Div),
            ("sqrt", Op::Sqrt),
            ("fma", Op::Fma),
        ] {
            let mut lines = 0;
            for line in vectors(format, op_name, 1, 9).lines() {
                let fields: Vec<u128> = line
                    .split_whitespace()
                    .map(|f| u128::from_str_radix(f, 16).expect("hex"))
                    .collect();
                let arity = op.arity();
                let (result, flags) =
                    sf.eval(&fmt, &op, &fields[..arity]).expect("softfloat has it");
                let ours = fields[arity];
                let same =
                    ours == result || (fmt.unpack(ours).is_nan() && fmt.unpack(result).is_nan());
                assert!(same, "{format} {op_name}: {line} vs SoftFloat {result:x}");
                assert_eq!(
                    u128::from(flags.bits()),
                    fields[arity + 1],
                    "{format} {op_name}: {line}"
                );
                lines += 1;
            }
            assert!(lines > 300, "{format} {op_name}: only {lines} lines");
        }
    }
}

#[test]
fn generation_is_deterministic_and_seeded() {
    assert_eq!(vectors("bf16", "mul", 2, 5), vectors("bf16", "mul", 2, 5));
    assert_ne!(vectors("bf16", "mul", 1, 5), vectors("bf16", "mul", 1, 6));
    let cli = fpx(&[
        "gen", "--format", "bf16", "--op", "mul", "--level", "2", "--seed", "5", "--count", "300",
    ]);
    assert!(cli.status.success());
    assert_eq!(text(&cli), vectors("bf16", "mul", 2, 5));
}

#[test]
fn edge_lists_hold_the_documented_values() {
    // e4m3fn by hand (docs/semantics.md §1): 0, smallest subnormal 2^-9 = 0x01, largest subnormal 0x07,
    // smallest normal 0x08, one 0x38 and neighbours 0x37/0x39, 1.5 = 0x3C, largest 448 = 0x7E
    // and its neighbour 0x7D, NaN 0x7F; negatives with the sign bit.
    let edges = edge_values(&Format::E4M3FN, 1);
    for v in
        [0x00, 0x01, 0x07, 0x08, 0x37, 0x38, 0x39, 0x3C, 0x7D, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF]
    {
        assert!(edges.contains(&v), "e4m3fn edges miss {v:#x}: {edges:x?}");
    }
    // binary16: infinities and a signaling NaN are there.
    let edges = edge_values(&Format::BINARY16, 1);
    for v in [0x7C00, 0xFC00, 0x7E00, 0x7C01, 0x7BFF, 0x0001, 0x03FF, 0x0400] {
        assert!(edges.contains(&v), "binary16 edges miss {v:#x}");
    }
    // FNUZ: no negative zero, one NaN.
    let edges = edge_values(&Format::E4M3FNUZ, 2);
    assert_eq!(edges.iter().filter(|v| **v == 0x80).count(), 1);
    let mut sorted = edges.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), edges.len(), "no duplicates");
}

#[test]
fn decode_and_encode_follow_the_format_definitions() {
    // 448 = 1.75 * 2^8 is e4m3fn's largest value (0x7E); 464 ties to it (even), 465 overflows
    // to NaN (docs/semantics.md §2), and saturates to 0x7E with --saturate.
    let d = text(&fpx(&["decode", "e4m3fn", "7E"]));
    assert!(d.contains("value:       448\n") && d.contains("0x1.cp+8"), "{d}");
    assert!(text(&fpx(&["encode", "e4m3fn", "464"])).starts_with("7E 01"));
    assert!(text(&fpx(&["encode", "e4m3fn", "465"])).starts_with("7F 05"));
    assert!(text(&fpx(&["encode", "e4m3fn", "465", "--saturate"])).starts_with("7E 05"));
    assert!(text(&fpx(&["encode", "e4m3fn", "-464"])).starts_with("FE 01"));
    // 0.1 in binary32 is std's 0x3DCCCCCD.
    let e = text(&fpx(&["encode", "binary32", "0.1"]));
    assert!(e.starts_with(&format!("{:08X} 01", 0.1f32.to_bits())), "{e}");
    let d = text(&fpx(&["decode", "binary32", "00000001"]));
    assert!(d.contains("positiveSubnormal") && d.contains("0x1p-149"), "{d}");
    let bad = fpx(&["decode", "binary16", "1FFFF"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
#[allow(clippy::float_arithmetic, reason = "host binary32 arithmetic is the independent check")]
fn eval_is_left_to_right_like_host_arithmetic() {
    let cases = [
        ("0.1 + 0.2 + 0.3", 0.1f32 + 0.2f32 + 0.3f32),
        ("0.1 + (0.2 + 0.3)", 0.1f32 + (0.2f32 + 0.3f32)),
        ("1 / 3 * 3 - 1", 1f32 / 3f32 * 3f32 - 1f32),
        ("-2 * -0.5 + 16777216 + 1", -2f32 * -0.5f32 + 16_777_216f32 + 1f32),
        ("sqrt(2) * sqrt(2)", 2f32.sqrt() * 2f32.sqrt()),
        ("fma(0.1, 10, -1)", 0.1f32.mul_add(10f32, -1f32)),
    ];
    for (expr, host) in cases {
        let out = text(&fpx(&["eval", "binary32", expr]));
        assert!(
            out.starts_with(&format!("{:08X} ", host.to_bits())),
            "{expr}: {out} vs {:08X}",
            host.to_bits()
        );
    }
    // The two groupings differ in binary16 (a tie rounds to even twice, or not at all).
    assert!(text(&fpx(&["eval", "binary16", "1 + 0x1p-11 + 0x1p-11"])).starts_with("3C00 01"));
    assert!(text(&fpx(&["eval", "binary16", "1 + (0x1p-11 + 0x1p-11)"])).starts_with("3C01 00"));
}

#[test]
fn eval_rejects_bad_expressions_cleanly() {
    for expr in ["sqrt(2", "1 +", "2 $ 3", "foo(1)", "fma(1, 2)", "(1))", ""] {
        let out = fpx(&["eval", "binary32", expr]);
        assert_eq!(out.status.code(), Some(2), "{expr}");
        assert!(!out.stderr.is_empty(), "{expr}");
    }
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let out = fpx(&["eval", "binary32", &deep]);
    assert_eq!(out.status.code(), Some(2));
    let deep = format!("{}1", "-".repeat(20_000));
    assert_eq!(fpx(&["eval", "binary32", &deep]).status.code(), Some(2));
}
