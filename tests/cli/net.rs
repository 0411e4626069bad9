//! End-to-end tests of `fpx net eval` and `fpx net info`: output layout, --all-inputs over an
//! 8-bit network, --summary, --range, exit codes and error messages.

use crate::support::cli::{self, fpx, stderr, stdout};

fn example() -> String {
    cli::example("tiny_bf16.json")
}

/// Writes a network file for one test and returns its path.
fn net_file(name: &str, text: &str) -> String {
    cli::temp_file("net-cli", name, text)
}

/// |x| in e4m3fn as relu(x) + relu(-x): exact for every finite input.
const ABS_E4M3FN: &str = r#"{"format": "e4m3fn", "inputs": 1, "layers": [
    {"affine": {"weights": [["1"], ["-1"]], "bias": ["0", "0"]}},
    {"activation": "relu"},
    {"affine": {"weights": [["1", "1"]], "bias": ["0"]}}]}"#;

#[test]
fn eval_prints_one_output_vector_per_input_line() {
    // (1, 1) -> 2.625 = 0x4028 (derived in tests/net/file.rs); (2, -1): layer 1 gives
    // (1 + 1, 1.5 - 2) = (2, -0.5), relu (2, 0), output 2 - 0.125 = 1.875 = 0x3FF0;
    // (+0, -0): (+0, +0) -> -0.125 = 0xBE00.
    let out = fpx(
        &["net", "eval", "--net", &example()],
        "3F80 3F80\n\n# comment\n4000 BF80\n0000 8000\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "4028\n3FF0\nBE00\n");
    let out = fpx(&["net", "eval", "--net", &example(), "--text", "--flags"], "1 1\n0.1 0.2\n");
    assert!(out.status.success(), "{}", stderr(&out));
    // 0.1 and 0.2 are rounded to bf16 on input; the sum is inexact.
    assert_eq!(stdout(&out), "0x1.5p+1 00\n0x1.68p-2 01\n");
}

#[test]
fn info_describes_the_network() {
    let out = fpx(&["net", "info", "--net", &example()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "format: bfloat16",
        "  input      input       bfloat16  2",
        "  layers[0]  affine      bfloat16  2 -> 2  sequential  6 parameters",
        "  layers[1]  activation  bfloat16  2  relu",
        "  layers[2]  affine      bfloat16  2 -> 1  sequential  3 parameters",
        "output: layers[2] (1 values of bfloat16)",
        "parameters: 9",
        "literals: 9, all exact",
    ] {
        assert!(text.lines().any(|l| l == line), "missing '{line}' in\n{text}");
    }
    let inexact = net_file(
        "inexact.json",
        r#"{"format": "bf16", "inputs": 1, "layers": [{"affine": {"weights": [["0.1"]]}}]}"#,
    );
    let out = fpx(&["net", "info", "--net", &inexact], "");
    assert!(stdout(&out).contains("literals: 1, 1 inexact"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("layers[0].affine.weights[0][0]: '0.1' -> 0x1.9ap-4"),
        "{}",
        stdout(&out)
    );
    let out = fpx(&["net", "info", "--net", &inexact, "--strict"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("layers[0].affine.weights[0][0]: '0.1' is not exactly representable"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn all_inputs_covers_every_e4m3fn_value_in_increasing_order() {
    let net = net_file("abs_e4m3fn.json", ABS_E4M3FN);
    let out = fpx(&["net", "eval", "--net", &net, "--all-inputs"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // 256 patterns less the two NaNs (0x7F, 0xFF); -0 comes before +0.
    assert_eq!(lines.len(), 254);
    let mut expected_inputs: Vec<u8> = (0x80..=0xFEu8).rev().collect();
    expected_inputs.extend(0x00..=0x7Eu8);
    for (line, x) in lines.iter().zip(&expected_inputs) {
        // |x| is x without its sign bit (relu(x) + relu(-x) is exact here).
        assert_eq!(*line, format!("{x:02X} {:02X}", x & 0x7F));
    }
    let out = fpx(&["net", "eval", "--net", &net, "--all-inputs", "--summary"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "inputs: 254\ndistinct outputs: 127\noutputs with a NaN: 0\noutputs with an infinity: 0\n\
         finite outputs: 254\ninputs raising each flag: inexact 0, underflow 0, overflow 0, infinite 0, invalid 0\n"
    );
    // [-1, 1]: the 57 magnitudes 0x00..=0x38 on each side.
    let out = fpx(&["net", "eval", "--net", &net, "--all-inputs", "--range", "-1,1", "--text"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 114);
    assert_eq!(text.lines().next(), Some("-0x1p+0 0x1p+0"));
    assert_eq!(text.lines().last(), Some("0x1p+0 0x1p+0"));
}

#[test]
fn all_inputs_summary_on_a_binary16_network() {
    // 2x in binary16 overflows to infinity for |x| >= 32768 - 8 (half the top spacing).
    let net = net_file(
        "double_f16.json",
        r#"{"format": "binary16", "inputs": 1, "layers": [{"affine": {"weights": [["2"]]}}]}"#,
    );
    let out = fpx(&["net", "eval", "--net", &net, "--all-inputs", "--summary"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // 65536 patterns less 2 × 1023 NaNs.
    assert!(text.starts_with("inputs: 63490\n"), "{text}");
    // Infinite outputs: ±inf themselves and the 2 × 1024 finite values of magnitude >= 2^15.
    assert!(text.contains("outputs with an infinity: 2050\n"), "{text}");
    assert!(text.contains("overflow 2048"), "{text}");
}

#[test]
fn input_and_usage_errors_exit_with_two_and_say_where() {
    let out = fpx(&["net", "eval", "--net", &example()], "3F80 3F80\n3F80\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<stdin>:2: expected 2 values"), "{}", stderr(&out));
    let out = fpx(&["net", "eval", "--net", &example()], "3F80 XYZ\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<stdin>:1: value 2"), "{}", stderr(&out));
    let out = fpx(&["net", "eval", "--net", &example(), "--all-inputs"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("one input value; this one takes 2"), "{}", stderr(&out));
    let net = net_file("abs.json", ABS_E4M3FN);
    let out = fpx(&["net", "eval", "--net", &net, "--all-inputs", "--range", "0.1,1"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'0.1' is not a value of e4m3fn"), "{}", stderr(&out));
    let out = fpx(&["net", "eval", "--net", &net, "--all-inputs", "--range", "1,-1"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = fpx(&["net", "eval", "--net", &net, "--summary"], "");
    assert_eq!(out.status.code(), Some(2), "--summary needs --all-inputs");
    let bad = net_file(
        "bad.json",
        r#"{"format": "bf16", "inputs": 2, "layers": [{"name": "fc", "affine": {"weights": [["1", "2"]], "bias": ["0", "1"]}}]}"#,
    );
    let out = fpx(&["net", "info", "--net", &bad], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "layers[0] (fc).affine.bias: expected 1 entries (one per row of weights), got 2"
        ),
        "{}",
        stderr(&out)
    );
    let out = fpx(&["net", "eval", "--net", "/nonexistent/net.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read /nonexistent/net.json"), "{}", stderr(&out));
}
