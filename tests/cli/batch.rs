//! End-to-end tests of the `fpx` binary: output layout, exit codes and error messages.

use crate::support::cli::{fpx, stderr, stdout};

#[test]
fn batch_output_feeds_verify() {
    // Results derived by hand: 1 + 1 = 2 exactly; max + max overflows (05 = overflow|inexact);
    // min subnormal + its negation is +0 exactly; inf + -inf is invalid (10).
    let input = "3C00 3C00\n7BFF 7BFF\n0001 8001\n7C00 FC00\n";
    let out = fpx(&["batch", "--format", "binary16", "--op", "add"], input);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "3C00 3C00 4000 00\n7BFF 7BFF 7C00 05\n0001 8001 0000 00\n7C00 FC00 7E00 10\n"
    );
    let verified = fpx(&["verify", "--format", "binary16", "--op", "add"], &stdout(&out));
    assert!(verified.status.success());
    assert_eq!(stdout(&verified), "4 passed, 0 failed\n");
}

#[test]
fn verify_reports_mismatches_and_exits_one() {
    let out = fpx(
        &["verify", "--format", "binary16", "--op", "add"],
        "3C00 3C00 4001 00\n3C00 3C00 4000 01\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("mismatch at <stdin>:1"), "{text}");
    assert!(text.ends_with("0 passed, 2 failed\n"), "{text}");
    let ignored = fpx(
        &["verify", "--format", "binary16", "--op", "add", "--ignore-flags"],
        "3C00 3C00 4000 01\n",
    );
    assert_eq!(stdout(&ignored), "1 passed, 0 failed\n");
}

#[test]
fn nan_results_match_any_nan_unless_exact() {
    // SoftFloat's x86 default NaN FE00 against the canonical 7E00.
    let line = "7C00 FC00 FE00 10\n";
    let loose = fpx(&["verify", "--format", "binary16", "--op", "add"], line);
    assert_eq!(stdout(&loose), "1 passed, 0 failed\n");
    let exact = fpx(&["verify", "--format", "binary16", "--op", "add", "--exact-nan"], line);
    assert_eq!(exact.status.code(), Some(1));
    let x86 = fpx(
        &["verify", "--format", "binary16", "--op", "add", "--exact-nan", "--nan", "x86"],
        line,
    );
    assert_eq!(stdout(&x86), "1 passed, 0 failed\n");
}

#[test]
fn malformed_input_names_the_line_and_exits_two() {
    let out = fpx(
        &["verify", "--format", "binary16", "--op", "add"],
        "3C00 3C00 4000 00\n3C00 zz 4000 00\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("<stdin>:2") && err.contains("operand 2"), "{err}");
    let out = fpx(&["batch", "--format", "binary16", "--op", "add"], "3C00\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected 2 fields"), "{}", stderr(&out));
    let out = fpx(&["batch", "--format", "binary16", "--op", "add"], "13C00 0\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not fit"), "{}", stderr(&out));
}

#[test]
fn bad_formats_and_ops_are_usage_errors() {
    let out = fpx(&["batch", "--format", "binary17", "--op", "add"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown format 'binary17'"), "{}", stderr(&out));
    let out = fpx(&["batch", "--format", "p=200,emin=-6,emax=8", "--op", "add"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("p must be in 1..=113"), "{}", stderr(&out));
    let out = fpx(&["batch", "--format", "binary16", "--op", "pow"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown operation 'pow'"), "{}", stderr(&out));
    let out = fpx(&["frobnicate"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn huge_lines_are_refused() {
    let line = "1".repeat(3 << 20);
    let out = fpx(&["batch", "--format", "binary16", "--op", "sqrt"], &line);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("longer than"), "{}", stderr(&out));
}

#[test]
fn conversions_and_text_operands() {
    // 1/3 in binary32 is 0x3EAAAAAB; 0.1 rounds to 0x3DCCCCCD (std's parser agrees).
    let out = fpx(&["batch", "--format", "binary32", "--op", "cvt:binary16", "--text"], "0x1p-1\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0x1p-1 0x1p-1 00\n");
    let out = fpx(
        &["batch", "--format", "binary32", "--op", "add"],
        &format!("{:08X} 00000000\n", 0.1f32.to_bits()),
    );
    assert_eq!(
        stdout(&out),
        format!("{:08X} 00000000 {:08X} 00\n", 0.1f32.to_bits(), 0.1f32.to_bits())
    );
    let out =
        fpx(&["batch", "--format", "p=4,emin=-6,emax=8", "--op", "add", "--text"], "448 32\n");
    assert!(out.status.success(), "{}", stderr(&out));
    // 480 is in the abstract F(4,-6,8) (no reserved NaN code), unlike e4m3fn.
    assert_eq!(stdout(&out), "0x1.cp+8 0x1p+5 0x1.ep+8 00\n");
    let out = fpx(&["batch", "--format", "e4m3fn", "--op", "add", "--text"], "448 32\n");
    assert_eq!(stdout(&out), "0x1.cp+8 0x1p+5 nan 05\n");
    let out =
        fpx(&["batch", "--format", "e4m3fn", "--op", "add", "--text", "--saturate"], "448 32\n");
    assert_eq!(stdout(&out), "0x1.cp+8 0x1p+5 0x1.cp+8 05\n");
}

/// `fpx batch` on every binary16 input of every activation and derivative agrees with MPFR
/// (the independent correctly rounded reference), values and flags.
#[test]
fn activation_ops_through_the_protocol_match_mpfr() {
    use fpcore::act::ActOp;
    use fpref::mpfr::{eval, Func};
    let fmt = fpcore::Format::BINARY16;
    let env = fpcore::Env::default();
    let input: String = (0..(1u32 << 16)).step_by(7).map(|x| format!("{x:04X}\n")).collect();
    for op in ActOp::all() {
        let out = fpx(&["batch", "--format", "binary16", "--op", op.name()], &input);
        assert!(out.status.success(), "{}: {}", op.name(), stderr(&out));
        for line in stdout(&out).lines() {
            let f: Vec<u128> = line
                .split_whitespace()
                .map(|x| u128::from_str_radix(x, 16).expect("hex"))
                .collect();
            let (value, flags) =
                eval(&env, &fmt, Func::Act(op), f[0], 0).expect("MPFR decides binary16");
            let same = value == f[1] || (fmt.unpack(value).is_nan() && fmt.unpack(f[1]).is_nan());
            assert!(
                same && u128::from(flags.bits()) == f[2],
                "{} {line}: MPFR {value:04X} {flags}",
                op.name()
            );
        }
    }
}

#[test]
fn kink_and_composite_options() {
    // relu'(0) is 0 by default and any value with --kink (docs/semantics.md §3); -0 is a kink too.
    let out = fpx(&["batch", "--format", "binary16", "--op", "d_relu"], "0000\n8000\n3C00\nBC00\n");
    assert_eq!(stdout(&out), "0000 0000 00\n8000 0000 00\n3C00 3C00 00\nBC00 0000 00\n");
    let out = fpx(&["batch", "--format", "binary16", "--op", "d_relu", "--kink", "0.5"], "0000\n");
    assert_eq!(stdout(&out), "0000 3800 00\n");
    let out = fpx(&["batch", "--format", "binary16", "--op", "add", "--kink", "1"], "");
    assert_eq!(out.status.code(), Some(2));
    // The composite sigmoid'(x) = s ⊗ (1 ⊖ s) with s the composite sigmoid, recomputed by
    // host binary32 arithmetic on binary16 values (exact for these steps: 24 >= 2*11 + 2).
    let out = fpx(&["batch", "--format", "binary16", "--op", "sigmoid:composite"], "4000\n");
    let sig_bits = u16::from_str_radix(stdout(&out).split_whitespace().nth(1).expect("result"), 16)
        .expect("hex");
    let s = half::f16::from_bits(sig_bits).to_f32();
    #[allow(clippy::float_arithmetic, reason = "host arithmetic is the independent check")]
    let one_minus = half::f16::from_f32(1.0 - s).to_f32();
    #[allow(clippy::float_arithmetic, reason = "host arithmetic is the independent check")]
    let expected = half::f16::from_f32(s * one_minus).to_bits();
    let out = fpx(&["batch", "--format", "binary16", "--op", "d_sigmoid:composite"], "4000\n");
    let got = stdout(&out).split_whitespace().nth(1).map(str::to_string).expect("result");
    assert_eq!(got, format!("{expected:04X}"));
}
