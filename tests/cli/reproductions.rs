//! docs/reproductions.md: every command of its `console` blocks is run (with `sh`, in a fresh
//! directory that sees the shipped `examples/`, with this build's `fpx` first on the PATH)
//! and must print exactly the output shown; and the figures the text quotes are derived here
//! independently: the e4m3fn grid gradients by fpcore's scalar operations, the sawtooth's 2^L
//! pieces, the constructed gradients and the adversarial step's values by fpcore's tanh. (The
//! one-neuron fixed point is derived by the independent training loop of `train.rs`.)

use std::path::Path;
use std::process::Command;

use fpcore::text::parse_value;
use fpcore::{Env, Format};

use crate::support::cli::scratch;

/// The `console` blocks of the document: (command, expected output) pairs.
fn commands(doc: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if line == "```console" {
            inside = true;
        } else if line == "```" {
            inside = false;
        } else if inside {
            match line.strip_prefix("$ ") {
                Some(cmd) => out.push((cmd.to_string(), String::new())),
                None => {
                    let last = out.last_mut().expect("output follows a command");
                    last.1.push_str(line);
                    last.1.push('\n');
                }
            }
        }
    }
    out
}

/// Runs the document's commands in order in one directory; returns their outputs.
fn run_all() -> Vec<(String, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/reproductions.md")).expect("the document");
    let dir = scratch("reproductions");
    std::os::unix::fs::symlink(root.join("examples"), dir.join("examples")).expect("a link");
    let bin = Path::new(env!("CARGO_BIN_EXE_fpx")).parent().expect("a directory").to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    commands(&doc)
        .into_iter()
        .map(|(cmd, expected)| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .current_dir(&dir)
                .env("PATH", &path)
                .output()
                .expect("sh runs");
            assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
            (cmd, expected, String::from_utf8_lossy(&out.stdout).into_owned())
        })
        .collect()
}

/// The output of the command that contains `needle`.
fn output_of<'a>(runs: &'a [(String, String, String)], needle: &str) -> &'a str {
    &runs.iter().find(|r| r.0.contains(needle)).expect("the command is in the document").2
}

fn v(f: &Format, text: &str) -> u128 {
    parse_value(&Env::default(), f, text).expect("a value").value
}

#[test]
fn every_command_prints_what_the_document_shows_and_the_figures_hold() {
    let runs = run_all();
    assert!(runs.len() >= 15, "{} commands", runs.len());
    for (cmd, expected, got) in &runs {
        assert_eq!(got, expected, "{cmd}");
    }
    let env = Env::default();

    // 2. ((g ⊗ 2^-5) ⊗ 2^-5) ⊗ 256 in e4m3fn and in binary64, by fpcore's scalar operations.
    for (fmt, net) in [(Format::E4M3FN, "grid_e4m3fn"), (Format::BINARY64, "grid_binary64")] {
        let lines: Vec<&str> = output_of(&runs, &format!("{net}.json")).lines().collect();
        assert_eq!(lines.len(), 7);
        for (g, line) in (1..=7u64).zip(lines) {
            let gv = fpcore::from_u64(&env, &fmt, g).value;
            let a = fpcore::mul(&env, &fmt, gv, v(&fmt, "0.03125")).value;
            let b = fpcore::mul(&env, &fmt, a, v(&fmt, "0.03125")).value;
            let dx = fpcore::mul(&env, &fmt, b, v(&fmt, "256")).value;
            let shown = line.split_whitespace().nth(1).expect("a gradient");
            assert_eq!(v(&fmt, shown), dx, "{net} g = {g}");
        }
    }
    let e4 = Format::E4M3FN;
    let grid: Vec<u128> = (1..=7u64)
        .map(|g| {
            let gv = fpcore::from_u64(&env, &e4, g).value;
            let a = fpcore::mul(&env, &e4, gv, v(&e4, "0.03125")).value;
            let b = fpcore::mul(&env, &e4, a, v(&e4, "0.03125")).value;
            fpcore::mul(&env, &e4, b, v(&e4, "256")).value
        })
        .collect();
    let quoted: Vec<u128> =
        ["0", "0.5", "1", "1", "1", "1.5", "2"].iter().map(|t| v(&e4, t)).collect();
    assert_eq!(grid, quoted, "the gradients quoted in the text");

    // 3. 2^L exact pieces.
    let pieces = output_of(&runs, "for L in 2 4 8 12 16");
    let want: String =
        [2, 4, 8, 12, 16].iter().map(|l| format!("pieces: {}\n", 1u64 << l)).collect();
    assert_eq!(pieces, want);

    // 6. The constant: y = 1 and AD gradient 1000 at every point asked.
    let bf = Format::BF16;
    for line in output_of(&runs, "--net constant.json").lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((v(&bf, f[0]), v(&bf, f[1])), (v(&bf, "1"), v(&bf, "1000")), "{line}");
    }
    // The flipped sign: tanh's values, a negative gradient at 0.5, and a step that lowers
    // the output.
    let tanh =
        |x: &str| fpcore::act::eval(&env, &bf, fpcore::act::Activation::Tanh, v(&bf, x)).value;
    let at_half: Vec<&str> =
        output_of(&runs, "echo 0.5 | fpx net grad --net flip.json").split_whitespace().collect();
    assert_eq!(v(&bf, at_half[0]), tanh("0.5"));
    let d = fpcore::act::deriv(&env, &bf, fpcore::act::Activation::Tanh, v(&bf, "0.5"), 0).value;
    assert_eq!(v(&bf, at_half[1]), fpcore::neg(&bf, d));
    let stepped = output_of(&runs, "echo 0.375 | fpx net eval --net flip.json");
    assert_eq!(v(&bf, stepped.trim()), tanh("0.375"));
    assert_eq!(fpcore::compare(&bf, tanh("0.375"), tanh("0.5")).value, fpcore::Ordering::Less);
}
