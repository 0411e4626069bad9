//! The golden corpus: every committed file verifies against this build, regeneration
//! reproduces the committed bytes, corruption is detected, and a sample of the corpus agrees
//! with the second backends (SoftFloat for the IEEE formats, APFloat for the 8-bit tables).

use std::io::Read;
use std::path::PathBuf;

use fpcore::{Env, Format};
use fpref::{ApFloat, Backend, Op, SoftFloat};

use crate::support::backend::Tally;
use crate::support::cli;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/corpus")
}

/// A fresh directory for one test's corpus.
fn scratch(name: &str) -> PathBuf {
    cli::scratch(&format!("golden-{name}"))
}

fn read_gz(path: &std::path::Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("corpus file"))
        .read_to_string(&mut text)
        .expect("gzip");
    text
}

#[test]
fn committed_corpus_verifies_against_this_build() {
    let report = fporacle::golden::check(&corpus_dir()).expect("check runs");
    assert_eq!(report.failed, 0, "{:#?}", report.problems);
    assert_eq!(report.files as usize, fporacle::golden::corpus().len());
    assert!(report.passed > 2_000_000, "only {} lines", report.passed);
}

#[test]
fn regen_reproduces_the_committed_files_byte_for_byte() {
    let dir = scratch("regen");
    fporacle::golden::regen_from(&dir, std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .expect("regen");
    let mut names: Vec<String> = fporacle::golden::corpus().into_iter().map(|e| e.file).collect();
    names.push("MANIFEST".to_string());
    for name in names {
        let ours = std::fs::read(dir.join(&name)).expect("regenerated");
        let committed = std::fs::read(corpus_dir().join(&name)).expect("committed");
        assert!(ours == committed, "{name} differs from the committed corpus");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_detects_a_changed_line() {
    let dir = scratch("corrupt");
    fporacle::golden::regen_from(&dir, std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .expect("regen");
    let file = dir.join("e4m3fn_mul_all.tv.gz");
    let text = read_gz(&file);
    // Flip the last hex digit of the result of line 1000.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[999].split_whitespace().collect();
    let result = u8::from_str_radix(fields[2], 16).expect("hex") ^ 1;
    lines[999] = format!("{} {} {result:02X} {}", fields[0], fields[1], fields[3]);
    let changed = lines.join("\n") + "\n";
    std::fs::write(&file, fporacle::golden::compress(&changed).expect("gzip")).expect("write");
    let report =
        fporacle::golden::check_from(&dir, std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
            .expect("check runs");
    // One mismatching line, plus the digest.
    assert_eq!(report.failed, 2, "{:#?}", report.problems);
    assert!(
        report.problems.iter().any(|p| p.contains("e4m3fn_mul_all.tv.gz:1000")),
        "{:#?}",
        report.problems
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Parses a corpus file into (operands, result, flags) rows.
fn rows(text: &str, arity: usize) -> Vec<(Vec<u128>, u128, u8)> {
    text.lines()
        .map(|line| {
            let f: Vec<u128> = line
                .split_whitespace()
                .map(|x| u128::from_str_radix(x, 16).expect("hex"))
                .collect();
            (f[..arity].to_vec(), f[arity], u8::try_from(f[arity + 1]).expect("flag byte"))
        })
        .collect()
}

#[test]
fn corpus_sample_agrees_with_softfloat() {
    let sf = SoftFloat::default();
    for format in ["binary16", "binary32", "binary64", "binary128"] {
        let fmt = Format::parse(format).expect("named");
        for (name, op) in [
            ("add", Op::Add),
            ("mul", Op::Mul),
            ("div", Op::Div),
            ("sqrt", Op::Sqrt),
            ("fma", Op::Fma),
        ] {
            let text = read_gz(&corpus_dir().join(format!("{format}_{name}_level1.tv.gz")));
            for (operands, result, flags) in rows(&text, op.arity()) {
                let (bits, sf_flags) = sf.eval(&fmt, &op, &operands).expect("softfloat");
                let same =
                    bits == result || (fmt.unpack(bits).is_nan() && fmt.unpack(result).is_nan());
                assert!(same && sf_flags.bits() == flags, "{format} {name} {operands:x?}");
            }
        }
    }
}

#[test]
fn corpus_small_tables_agree_with_apfloat() {
    for format in ["e5m2", "e4m3fn", "e3m4", "e2m5"] {
        let fmt = Format::parse(format).expect("format");
        for (name, op) in [("add", Op::Add), ("sub", Op::Sub), ("mul", Op::Mul), ("div", Op::Div)] {
            let text = read_gz(&corpus_dir().join(format!("{format}_{name}_all.tv.gz")));
            let mut tally = Tally::default();
            for (operands, result, flags) in rows(&text, 2) {
                let ours = tally.check(&ApFloat, &Env::default(), &fmt, &op, &operands);
                assert_eq!(
                    (ours.value, ours.flags.bits()),
                    (result, flags),
                    "the file is this build's"
                );
            }
            tally.assert_clean(&format!("{format} {name}"));
            assert_eq!(tally.cases, 65536);
        }
    }
    assert!(ApFloat.supports(&Format::E4M3FN, &Op::Add));
}

/// The documented Python example runs against the corpus: numpy's float16 arithmetic must
/// agree with every binary16 add/sub/mul/div vector.
#[test]
fn python_numpy_example_passes_on_the_corpus() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // scripts/test sets FPX_PYTHON to the interpreter of its own virtual environment.
    let python = std::env::var_os("FPX_PYTHON").unwrap_or_else(|| "python3".into());
    let probe = std::process::Command::new(&python).args(["-c", "import numpy"]).output();
    let available = probe.is_ok_and(|o| o.status.success());
    if !available {
        // scripts/test installs numpy; without it this check cannot run, and says so.
        assert!(
            std::env::var_os("CI").is_none(),
            "numpy must be installed in CI (scripts/test does)"
        );
        eprintln!("numpy is not installed: the Python example was not run");
        return;
    }
    for op in ["add", "sub", "mul", "div"] {
        let file = root.join(format!("golden/corpus/binary16_{op}_level1.tv.gz"));
        let out = std::process::Command::new(&python)
            .arg(root.join("docs/examples/check_numpy_float16.py"))
            .arg(&file)
            .arg(op)
            .output()
            .expect("run python");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{op}: {stdout}");
        assert!(stdout.trim_end().ends_with(" 0 failed"), "{op}: {stdout}");
    }
}
