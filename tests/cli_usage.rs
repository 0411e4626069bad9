//! The command line as a newcomer meets it: exact values in `formats`, `encode` and `eval`,
//! the note on `e4m3` vs `e4m3fn`, `verify` on empty input and without a flags column, one
//! name per option meaning, and the hints that point at the one flag that fixes an error.

#[allow(unused_imports, reason = "the shared harness re-exports what other test binaries use")]
mod support;

use std::process::Command;

use support::cli::{example, fpx, stderr, stdout, temp_file};

/// The row of `name` in `fpx formats`.
fn formats_row(table: &str, name: &str) -> String {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{table}"))
        .to_string()
}

#[test]
fn formats_prints_exact_extremes() {
    // Largest finite values by hand (docs/semantics.md §1): e4m3fn 1.75 * 2^8 = 448, e5m2
    // 1.75 * 2^15 = 57344, binary16 (2 - 2^-10) * 2^15 = 65504; smallest subnormals
    // 2^-9, 2^-16, 2^-24, exact in decimal and as hex-floats.
    let out = fpx(&["formats"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    for (name, max, min_sub) in [
        ("e4m3fn", "448 (0x1.cp+8)", "0.001953125 (0x1p-9)"),
        ("e5m2", "57344 (0x1.cp+15)", "0.0000152587890625 (0x1p-16)"),
        ("binary16", "65504 (0x1.ffcp+15)", "0.000000059604644775390625 (0x1p-24)"),
    ] {
        let row = formats_row(&table, name);
        assert!(row.contains(max), "{row}");
        assert!(row.contains(min_sub), "{row}");
    }
    // A long exact value is marked as the shortest decimal; its hex-float is exact.
    assert!(formats_row(&table, "binary64").contains("~5e-324 (0x1p-1074)"), "{table}");
    assert!(table.contains("e4m3fn"), "{table}");
    assert!(table.contains("note: e4m3"), "{table}");
}

#[test]
fn encode_and_eval_print_exact_values() {
    // 464 ties between 448 and 480 (the NaN pattern in e4m3fn): it rounds to 448, exactly.
    let out = fpx(&["encode", "e4m3fn", "464"], "");
    assert_eq!(stdout(&out), "7E 01  448 (0x1.cp+8)  [inexact]\n");
    // 0.1 in binary32 is 13421773 * 2^-27 = 0.100000001490116119384765625.
    let out = fpx(&["encode", "binary32", "0.1"], "");
    assert!(
        stdout(&out).starts_with("3DCCCCCD 01  0.100000001490116119384765625 "),
        "{}",
        stdout(&out)
    );
    // A value with a long exact expansion is labelled as the shortest decimal.
    let out = fpx(&["encode", "binary64", "1e300"], "");
    assert!(
        stdout(&out).contains("  shortest 1e+300 (0x1.7e43c8800759cp+996)"),
        "{}",
        stdout(&out)
    );
    let out = fpx(&["eval", "e4m3fn", "400 + 64"], "");
    assert!(stdout(&out).starts_with("7E 01  448 (0x1.cp+8)"), "{}", stdout(&out));
}

#[test]
fn generic_e4m3_names_get_a_note_about_e4m3fn() {
    // The generic e4m3 has infinities: 448 overflows there (largest finite 240).
    for name in ["e4m3", "E4M3"] {
        let out = fpx(&["encode", name, "448"], "");
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.starts_with("78 05  inf"), "{text}");
        assert!(text.contains("note: ") && text.contains("e4m3fn (largest finite 448)"), "{text}");
    }
    for (name, ocp) in [("e2m1", "e2m1fn"), ("e3m2", "e3m2fn")] {
        let text = stdout(&fpx(&["decode", name, "1"], ""));
        assert!(text.contains(&format!("is {ocp}")), "{text}");
    }
    let text = stdout(&fpx(&["eval", "e4m3", "1 + 1"], ""));
    assert!(text.contains("e4m3fn"), "{text}");
    for name in ["e4m3fn", "binary16", "e3m4"] {
        let text = stdout(&fpx(&["encode", name, "1"], ""));
        assert!(!text.contains("note:"), "{name}: {text}");
    }
}

#[test]
fn verify_without_vectors_fails_unless_allowed() {
    let args = ["verify", "--format", "binary16", "--op", "add"];
    for input in ["", "# only a comment\n\n"] {
        let out = fpx(&args, input);
        assert_eq!(out.status.code(), Some(1), "{input:?}");
        assert_eq!(stdout(&out), "0 passed, 0 failed\n");
        assert!(stderr(&out).contains("no vectors were read"), "{}", stderr(&out));
    }
    let mut allowed = args.to_vec();
    allowed.push("--allow-empty");
    let out = fpx(&allowed, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0 passed, 0 failed\n");
}

#[test]
fn verify_ignore_flags_takes_lines_without_flags() {
    // 1 + 1 = 2 in e4m3fn: 0x38 + 0x38 = 0x40.
    let args = ["verify", "--format", "e4m3fn", "--op", "add", "--ignore-flags"];
    let out = fpx(&args, "38 38 40\n38 38 40 00\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "2 passed, 0 failed\n");
    let out = fpx(&args, "38 38 41\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("mismatch at <stdin>:1: 38 38 expected 41 got 40 00"),
        "{}",
        stdout(&out)
    );
    // Without --ignore-flags the flags column stays required.
    let out = fpx(&["verify", "--format", "e4m3fn", "--op", "add"], "38 38 40\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected 4 fields"), "{}", stderr(&out));
}

#[test]
fn hints_name_the_missing_flag() {
    let out = fpx(&["batch", "--format", "binary16", "--op", "add"], "1.0 2\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("'1.0' is not a hex bit pattern") && err.contains("--text"), "{err}");
    // A hex pattern that is not a number gets no such hint.
    let out = fpx(&["batch", "--format", "binary16", "--op", "add"], "zz 2\n");
    assert!(!stderr(&out).contains("--text"), "{}", stderr(&out));
    // A verify line given to batch.
    let out = fpx(&["batch", "--format", "binary16", "--op", "add"], "3C00 3C00 4000 00\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("expected 2 fields") && err.contains("fpx verify"), "{err}");
    // decode takes an encoding; a number points at encode.
    let out = fpx(&["decode", "e4m3fn", "1.5"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fpx encode e4m3fn 1.5"), "{}", stderr(&out));
    // golden check away from the repository root names --dir.
    let out = Command::new(env!("CARGO_BIN_EXE_fpx"))
        .current_dir(std::env::temp_dir())
        .args(["golden", "check"])
        .output()
        .expect("fpx runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--dir"), "{}", stderr(&out));
    // An unknown identifier in an expression.
    for expr in ["foo + 1", "pi", "exp(1)"] {
        let out = fpx(&["eval", "binary32", expr], "");
        assert_eq!(out.status.code(), Some(2), "{expr}");
        assert!(stderr(&out).contains("unknown name"), "{expr}: {}", stderr(&out));
    }
    let help = stdout(&fpx(&["eval", "--help"], ""));
    assert!(help.contains("Precedence"), "{help}");
}

#[test]
fn option_names_have_one_meaning() {
    let net = example("ad_demo_one_matrix.json");
    // The output gradient is --out-grad; --seed is only the generator's seed.
    let out = fpx(&["net", "grad", "--net", &net, "--out-grad", "38 00 B8"], "38\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = fpx(&["net", "grad", "--net", &net, "--seed", "38 00 B8"], "38\n");
    assert_eq!(out.status.code(), Some(2));
    let out = fpx(&["gen", "--format", "e4m3fn", "--op", "add", "--seed", "3", "--count", "1"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    // net check's domain file is --input-file; --inputs is a count (construct's).
    let inputs = temp_file("cli-usage", "inputs.txt", "38\n40\n");
    let two = example("ad_demo_two_matrices.json");
    let args = ["net", "check", "--net", &two, "--against", &two, "--input-file", &inputs];
    let out = fpx(&args, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("2 passed, 0 failed\n"), "{}", stdout(&out));
    let args = ["net", "check", "--net", &two, "--against", &two, "--inputs", &inputs];
    assert_eq!(fpx(&args, "").status.code(), Some(2));
    // The loss's targets are --loss-target; --targets is a file of x y* g* lines.
    let target = temp_file("cli-usage", "target.txt", "38 38 38\n");
    let args = ["net", "grad", "--net", &net, "--loss", "mse", "--loss-target", &target];
    let out = fpx(&args, "38\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let args = ["net", "grad", "--net", &net, "--loss", "mse", "--target", &target];
    assert_eq!(fpx(&args, "38\n").status.code(), Some(2));
}

#[test]
fn every_computing_command_takes_the_environment_options() {
    let net = example("ad_demo_one_matrix.json");
    let env = ["--tininess", "before", "--nan", "x86", "--saturate"];
    let commands: Vec<(Vec<&str>, &str)> = vec![
        (vec!["batch", "--format", "e4m3fn", "--op", "add"], "38 38\n"),
        (vec!["verify", "--format", "e4m3fn", "--op", "add"], "38 38 40 00\n"),
        (vec!["gen", "--format", "e4m3fn", "--op", "add", "--count", "1"], ""),
        (vec!["encode", "e4m3fn", "1"], ""),
        (vec!["eval", "e4m3fn", "1 + 1"], ""),
        (vec!["net", "eval", "--net", &net], "38\n"),
        (vec!["net", "grad", "--net", &net], "38\n"),
        (vec!["net", "check", "--net", &net, "--against", &net, "--all-inputs"], ""),
    ];
    for (args, stdin) in commands {
        let mut a = args.clone();
        a.extend(env);
        let out = fpx(&a, stdin);
        assert_eq!(out.status.code(), Some(0), "{a:?}: {}", stderr(&out));
    }
}
