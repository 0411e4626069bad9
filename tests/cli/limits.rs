//! The size limits from the command line: each of `--max-file-bytes`, `--max-nodes`,
//! `--max-params`, `--max-json-depth` and `--max-line-bytes`, lowered below what an input
//! needs, is an input error (exit code 2) naming the limit and the file; and inputs far beyond
//! the default limits (a safetensors header claiming 2^40 elements, a 1 GB line on standard
//! input, JSON nested 100000 deep) are refused quickly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::cli::{self, example, fpx, stderr};

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    cli::scratch(&format!("limits-{name}"))
}

/// Runs `args` and checks exit code 2 with every one of `needles` in the error.
fn refused(args: &[&str], stdin: &str, needles: &[&str]) {
    let out = fpx(args, stdin);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: {needle:?} not in: {err}");
    }
}

/// tiny_bf16.json: one input of 2 entries and 3 layers (4 nodes), 6 + 3 = 9 parameters,
/// arrays and objects nested 6 deep.
#[test]
fn each_network_limit_lowered_is_an_input_error_naming_it_and_the_file() {
    let net = example("tiny_bf16.json");
    let line = "3F80 C000\n";
    for command in [&["net", "info"][..], &["net", "eval"], &["net", "grad"]] {
        let run = |extra: &[&str], needles: &[&str]| {
            let mut args: Vec<&str> = command.to_vec();
            args.extend(["--net", &net]);
            args.extend(extra);
            let mut all = vec![net.as_str()];
            all.extend(needles);
            refused(&args, line, &all);
        };
        run(&["--max-file-bytes", "100"], &["larger than the limit of 100 bytes"]);
        run(&["--max-nodes", "2"], &["exceed the limit of 2 nodes"]);
        run(&["--max-nodes", "3"], &["exceed the limit of 3 nodes"]);
        run(&["--max-params", "8"], &["exceed the limit of 8 parameters"]);
        run(&["--max-json-depth", "5"], &["nest deeper than the limit of 5 levels"]);
        // The defaults accept it, and so do limits it just meets.
        let mut args: Vec<&str> = command.to_vec();
        args.extend(["--net", &net, "--max-nodes", "4", "--max-params", "9"]);
        args.extend(["--max-json-depth", "6"]);
        let out = fpx(&args, line);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    // net check reads the network and, with --against, a second one.
    refused(
        &["net", "check", "--net", &net, "--against", &net, "--all-inputs", "--max-nodes", "2"],
        "",
        &[&net, "exceed the limit of 2 nodes"],
    );
}

/// Writes `t.safetensors` (the JSON `header`, then `data_bytes` zero bytes) and `net.json`, a
/// binary32 network of one affine layer whose weights `@w` and bias `@b` it reads, into `dir`;
/// returns the network's path.
fn tensor_net(dir: &Path, header: &str, data_bytes: usize) -> String {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend(vec![0u8; data_bytes]);
    std::fs::write(dir.join("t.safetensors"), bytes).expect("write");
    let net = dir.join("net.json");
    std::fs::write(
        &net,
        r#"{"format": "binary32", "inputs": 2, "tensors": "t.safetensors",
            "layers": [{"affine": {"weights": "@w", "bias": "@b"}}]}"#,
    )
    .expect("write");
    net.display().to_string()
}

/// A safetensors tensor beyond --max-params is refused, naming the tensor file.
#[test]
fn max_params_bounds_tensor_elements() {
    let dir = scratch("tensor-params");
    let header = r#"{"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#;
    let net = tensor_net(&dir, header, 12);
    let ok = fpx(&["net", "info", "--net", &net, "--max-params", "3"], "");
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    refused(
        &["net", "info", "--net", &net, "--max-params", "2"],
        "",
        &[&net, "t.safetensors", "beyond the limit of 2 parameters"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A header claiming a tensor of 2^40 elements is refused quickly from the command line.
#[test]
fn a_safetensors_header_claiming_2_pow_40_elements_is_refused_quickly() {
    let dir = scratch("tensor-huge");
    let header = r#"{"w":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let net = tensor_net(&dir, header, 16);
    let start = Instant::now();
    refused(&["net", "info", "--net", &net], "", &[&net]);
    assert!(start.elapsed() < Duration::from_secs(5), "refused quickly");
    let _ = std::fs::remove_dir_all(&dir);
}

/// --max-line-bytes on every command that reads lines: a line one byte over is refused with
/// the source and the limit named, a line at the limit is read.
#[test]
fn max_line_bytes_is_enforced_by_every_line_reader() {
    let dir = scratch("lines");
    let net = example("tiny_bf16.json");
    // "3F80 C000" is 9 bytes.
    let input = dir.join("in.txt");
    std::fs::write(&input, "3F80 C000\n").expect("write");
    let input = input.display().to_string();
    let batch = ["batch", "--format", "bf16", "--op", "add"];
    let verify_line = "3F80 C000 C000 00\n";
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (batch.to_vec(), "3F80 C000\n", "<stdin>"),
        (vec!["verify", "--format", "bf16", "--op", "add"], verify_line, "<stdin>"),
        (vec!["net", "eval", "--net", &net], "3F80 C000\n", "<stdin>"),
        (vec!["net", "grad", "--net", &net], "3F80 C000\n", "<stdin>"),
        (vec!["net", "grad", "--net", &net, "--input", &input], "", &input),
        (
            vec!["net", "check", "--net", &net, "--against", &net, "--input-file", &input],
            "",
            &input,
        ),
    ];
    for (args, stdin, source) in cases {
        let width = stdin.trim_end().len().max(9);
        let under = (width - 1).to_string();
        let mut a = args.clone();
        a.extend(["--max-line-bytes", &under]);
        let needle = format!("longer than the limit of {under} bytes");
        refused(&a, stdin, &[source, &needle]);
        let at = width.to_string();
        let mut a = args.clone();
        a.extend(["--max-line-bytes", &at]);
        let out = fpx(&a, stdin);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{a:?}: {}", stderr(&out));
    }
    // The loss's target file: its 12-byte line is refused under a limit of 11.
    let target = dir.join("target.txt");
    std::fs::write(&target, "        3F80\n").expect("write");
    let target = target.display().to_string();
    let grad = [
        "net",
        "grad",
        "--net",
        &net,
        "--input",
        &input,
        "--loss",
        "mse",
        "--loss-target",
        &target,
    ];
    let mut a = grad.to_vec();
    a.extend(["--max-line-bytes", "11"]);
    refused(&a, "", &[&target, "longer than the limit of 11 bytes"]);
    let mut a = grad.to_vec();
    a.extend(["--max-line-bytes", "12"]);
    assert_eq!(fpx(&a, "").status.code(), Some(0), "{a:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 1 GB line written to standard input is refused after the 1 MiB default, long before the
/// gigabyte: the writer stops when fpx exits, and fpx's memory stays bounded.
#[test]
fn a_1_gb_line_on_stdin_is_refused_quickly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fpx"))
        .args(["batch", "--format", "binary16", "--op", "sqrt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fpx runs");
    let mut input = child.stdin.take().expect("stdin");
    let start = Instant::now();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'7'; 1 << 16];
        let mut written = 0u64;
        while written < 1 << 30 {
            if input.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len() as u64;
        }
        written
    });
    let out = child.wait_with_output().expect("fpx finishes");
    let written = writer.join().expect("writer");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("<stdin>"), "{}", stderr(&out));
    assert!(stderr(&out).contains("longer than the limit of 1048576 bytes"), "{}", stderr(&out));
    assert!(written < 1 << 30, "fpx stopped reading before the end ({written} bytes written)");
    assert!(start.elapsed() < Duration::from_secs(20), "refused quickly");
}

/// A network file nested 100000 deep is refused quickly, with the depth limit named, never a
/// stack overflow; so is one nested just over a lowered limit.
#[test]
fn json_nested_100000_deep_is_refused_quickly() {
    let dir = scratch("deep");
    let net = dir.join("deep.json");
    let mut text = String::from("{\"format\": \"bf16\", \"inputs\": 1, \"layers\": ");
    text.push_str(&"[".repeat(100_000));
    text.push_str(&"]".repeat(100_000));
    text.push('}');
    std::fs::write(&net, &text).expect("write");
    let net = net.display().to_string();
    let start = Instant::now();
    refused(&["net", "info", "--net", &net], "", &[&net, "the limit of 128 levels"]);
    assert!(start.elapsed() < Duration::from_secs(5), "refused quickly");
    refused(&["net", "info", "--net", &net, "--max-json-depth", "1"], "", &["limit of 1 levels"]);
    // Out-of-range values are usage errors.
    refused(&["net", "info", "--net", &net, "--max-json-depth", "129"], "", &["max-json-depth"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `fpx golden check` reads the corpus's networks under the same limits: lowered, the check
/// stops with exit code 2 naming the network file and the limit.
#[test]
fn golden_check_obeys_the_network_limits() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/corpus");
    refused(
        &["golden", "check", "--dir", dir, "--max-nodes", "2"],
        "",
        &["tiny_bf16/net.json", "limit of 2 nodes"],
    );
    refused(
        &["golden", "regen", "--dir", "/nonexistent/fpx-corpus", "--max-json-depth", "0"],
        "",
        &["--max-json-depth"],
    );
}
