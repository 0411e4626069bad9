//! End-to-end tests of `fpx net grad`, `fpx net check` and `fpx demo`: output layout, the
//! parameter file, exit codes, and usage and input errors naming the option, file, line and
//! field (exit code 2).

use std::process::Output;

use crate::support::assert_golden;
use crate::support::cli::{self, example, fpx, stderr, stdout};

fn one() -> String {
    example("ad_demo_one_matrix.json")
}

fn two() -> String {
    example("ad_demo_two_matrices.json")
}

fn temp_file(name: &str, text: &str) -> String {
    cli::temp_file("ad-cli", name, text)
}

/// Asserts exit code 2 with a message containing `needle`.
fn assert_usage_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "stdout {} stderr {}", stdout(out), stderr(out));
    assert!(stderr(out).contains(needle), "expected '{needle}' in: {}", stderr(out));
}

#[test]
fn grad_prints_outputs_then_input_gradient() {
    // x = 1 (0x38): y = (1, 1/16, 1/16) = 38 18 18; dx = 1 in A, 1.125 (0x39) in B.
    let out = fpx(&["net", "grad", "--net", &one()], "38\n\n# comment\nB8\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "38 18 18 38\nB8 98 98 38\n");
    let out = fpx(&["net", "grad", "--net", &two(), "--text"], "1\n0.5\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0x1p+0 0x1p-4 0x1p-4 0x1.2p+0\n0x1p-1 0x1p-5 0x1p-5 0x1.2p+0\n");
    // A seed: (1, 0, -1) gives dx = ((+0 ⊕ 1) ⊕ 0) ⊕ (-1/16) = 0.9375 = 0x37 in A.
    let out = fpx(&["net", "grad", "--net", &one(), "--out-grad", "38 00 B8"], "38\n");
    assert_eq!(stdout(&out), "38 18 18 37\n");
    let out = fpx(&["net", "grad", "--net", &one(), "--text", "--out-grad", "1 0 -1"], "1\n");
    assert_eq!(stdout(&out), "0x1p+0 0x1p-4 0x1p-4 0x1.ep-1\n");
}

#[test]
fn grad_with_a_loss_and_parameter_gradients() {
    // mse against t = (0, 0, 0) at x = 1: phi' = 2 ⊗ y = (2, 1/8, 1/8); in B,
    // u = phi' ⊗ W2 = (2, 1/128 ⊕ 1/128 = 1/64), dx = 2 ⊕ 1/64 = 2 (p = 4).
    let target = temp_file("t0.txt", "00 00 00\n00 00 00\n");
    let params = temp_file("grads.safetensors", "");
    let args = [
        "net",
        "grad",
        "--net",
        &two(),
        "--loss",
        "mse",
        "--loss-target",
        &target,
        "--params",
        &params,
    ];
    let out = fpx(&args, "38\n40\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "38 18 18 40\n40 20 20 48\n");
    let bytes = std::fs::read(&params).expect("written");
    let st = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors");
    let mut names = st.names();
    names.sort();
    assert_eq!(names, ["W1.bias", "W1.weight", "W2.bias", "W2.weight"]);
    let w1 = st.tensor("W1.weight").expect("present");
    assert_eq!((w1.dtype(), w1.shape()), (safetensors::Dtype::F8_E4M3, &[2usize, 1][..]));
    // dW1 = Σ_k u_k ⊗ x_k: sample 1 u = (2, 1/64), x = 1; sample 2 y = (2, 1/8, 1/8),
    // phi' = (4, 1/4, 1/4), u = (4, 1/64 ⊕ 1/64 = 1/32), x = 2:
    // dW1 = ((+0 ⊕ 2) ⊕ 8, (+0 ⊕ 1/64) ⊕ 1/16) = (10, 5/64).
    assert_eq!(w1.data(), &[0x52, 0x1A]);
    // --mean divides once by 2: (5, 5/128).
    let args = [
        "net",
        "grad",
        "--net",
        &two(),
        "--loss",
        "mse",
        "--loss-target",
        &target,
        "--params",
        &params,
        "--mean",
    ];
    let out = fpx(&args, "38\n40\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&params).expect("written");
    let st = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors");
    assert_eq!(st.tensor("W1.weight").expect("present").data(), &[0x4A, 0x12]);
    // The tape shows every node.
    let out = fpx(&["net", "grad", "--net", &two(), "--tape"], "38\n");
    assert!(stdout(&out).contains("#1 W1: affine e4m3fn\n  value     38 38\n  gradient  38 20\n"));
}

#[test]
fn grad_errors_name_the_option_line_and_field() {
    let out = fpx(&["net", "grad", "--net", &one(), "--out-grad", "38"], "38\n");
    assert_usage_error(
        &out,
        "--out-grad: expected 3 values (one per output of the network, in e4m3fn), got 1",
    );
    let out = fpx(&["net", "grad", "--net", &one(), "--out-grad", "38 zz 38"], "38\n");
    assert_usage_error(&out, "--out-grad: value 2");
    let out = fpx(&["net", "grad", "--net", &one()], "38\n3G\n");
    assert_usage_error(&out, "<stdin>:2: value 1");
    let out = fpx(&["net", "grad", "--net", &one()], "38 38\n");
    assert_usage_error(&out, "<stdin>:1: expected 1 values (the network's input vector), found 2");
    let out = fpx(&["net", "grad", "--net", &one(), "--loss", "mse"], "38\n");
    assert_usage_error(&out, "--loss mse needs --loss-target FILE");
    let target = temp_file("t1.txt", "00 00 00\n");
    let out = fpx(&["net", "grad", "--net", &one(), "--loss-target", &target], "38\n");
    assert_usage_error(&out, "--loss-target applies to --loss mse and --loss softmax-xent");
    let args = ["net", "grad", "--net", &one(), "--loss", "mse", "--loss-target", &target];
    let out = fpx(&args, "38\n38\n");
    assert_usage_error(&out, &format!("{target}: no target line for the input at <stdin>:2"));
    let bad = temp_file("t2.txt", "00 00 00\n00 QQ 00\n");
    let args = ["net", "grad", "--net", &one(), "--loss", "softmax-xent", "--loss-target", &bad];
    let out = fpx(&args, "38\n38\n");
    assert_usage_error(&out, &format!("{bad}:2: target value 2"));
    let out = fpx(&["net", "grad", "--net", "/nonexistent.json"], "");
    assert_usage_error(&out, "--net /nonexistent.json");
    let out = fpx(&["net", "grad", "--net", &one(), "--out-grad", "38 38 38", "--loss", "sum"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_reports_mismatches_and_exit_codes() {
    // Against each other on every input: the values agree, every gradient differs.
    let args = [
        "net",
        "check",
        "--net",
        &one(),
        "--against",
        &two(),
        "--all-inputs",
        "--max-mismatches",
        "2",
    ];
    let out = fpx(&args, "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "x = FE: g*[0] expected 39, got 38\nx = FD: g*[0] expected 39, got 38\n(252 more mismatches not shown)\n0 passed, 254 failed\n"
    );
    // On a range, in text.
    let args = [
        "net",
        "check",
        "--net",
        &two(),
        "--against",
        &two(),
        "--all-inputs",
        "--range",
        "-1,1",
        "--text",
    ];
    let out = fpx(&args, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "114 passed, 0 failed\n");
    // A domain file.
    let inputs = temp_file("domain.txt", "38\n# comment\n40\n");
    let args = ["net", "check", "--net", &two(), "--against", &one(), "--input-file", &inputs];
    let out = fpx(&args, "");
    assert_eq!(stdout(&out), format!("{inputs}:1: g*[0] expected 38, got 39\n{inputs}:3: g*[0] expected 38, got 39\n0 passed, 2 failed\n"));
    // Targets files: values and gradients both checked.
    let targets = temp_file("targets.txt", "38 38 18 18 39\n40 40 20 20 39\n40 40 20 28 39\n");
    let out = fpx(&["net", "check", "--net", &two(), "--targets", &targets], "");
    assert_eq!(
        stdout(&out),
        format!("{targets}:3: y*[2] expected 28, got 20\n2 passed, 1 failed\n")
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn check_errors_name_the_file_line_and_field() {
    let targets = temp_file("short.txt", "38 38 18 18 39\n38 38 18 18\n");
    let out = fpx(&["net", "check", "--net", &two(), "--targets", &targets], "");
    assert_usage_error(
        &out,
        &format!("{targets}:2: expected 5 values (1 of x, 3 of y*, 1 of g*), found 4"),
    );
    let targets = temp_file("bad.txt", "38 38 18 18 39\n38 38 18 18 3Z\n");
    let out = fpx(&["net", "check", "--net", &two(), "--targets", &targets], "");
    assert_usage_error(&out, &format!("{targets}:2: g*[0]"));
    let out = fpx(&["net", "check", "--net", &two()], "");
    assert_eq!(out.status.code(), Some(2));
    let out = fpx(&["net", "check", "--net", &two(), "--against", &one()], "");
    assert_usage_error(&out, "--against needs a domain: --input-file FILE or --all-inputs");
    let args =
        ["net", "check", "--net", &two(), "--against", &example("tiny_bf16.json"), "--all-inputs"];
    let out = fpx(&args, "");
    assert_usage_error(&out, "the two networks take different inputs");
    let args =
        ["net", "check", "--net", &two(), "--against", &one(), "--all-inputs", "--range", "1"];
    assert_usage_error(&fpx(&args, ""), "--range: expected LO,HI");
}

#[test]
fn demo_shows_equal_values_and_different_gradients() {
    let start = std::time::Instant::now();
    let out = fpx(&["demo"], "");
    let elapsed = start.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Values: A and B agree bit for bit on 256 of the 256 encodings of e4m3fn.")
    );
    assert!(text.contains("The gradients differ on 256 of the 256 inputs"));
    assert!(text.contains("A: dx = 1.125, B: dx = 1.125"));
    assert!(text.contains(
        "On all 33 points: values equal tanh(x) at 33, C's gradient is -tanh'(x) at 33, D's is 0 at 33."
    ));
    assert!(elapsed.as_secs() < 10, "fpx demo took {elapsed:?}");
    assert_golden!("ad_demo", text);
}
