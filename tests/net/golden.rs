//! Golden outputs of the networks in `golden/nets/<case>/` (`net.json` and `inputs.txt`, one
//! input vector of hex bit patterns per line): each case's outputs and flags are an insta
//! snapshot in `golden/snapshots/`, so that any change of an evaluation order or of a rounding
//! shows up as a reviewed diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use fpcore::text::bits::{format_bits, parse_bits};
use fpcore::text::format_hexfloat;
use fpcore::{Env, Format};
use fpnet::file::load_file;
use fpnet::{Interpreter, LoadOptions};

use crate::support::assert_golden;

fn run_case(dir: &std::path::Path) -> String {
    let loaded = load_file(&dir.join("net.json"), &LoadOptions::default()).expect("net loads");
    let graph = &loaded.graph;
    let interp = Interpreter::new(graph, Env::default());
    let formats: Vec<Format> = graph
        .inputs()
        .flat_map(|id| std::iter::repeat_n(graph.node(id).format, graph.width(id)))
        .collect();
    let out_fmt = *graph.output_format();
    let text = std::fs::read_to_string(dir.join("inputs.txt")).expect("inputs");
    let mut report = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let input: Vec<u128> = line
            .split_whitespace()
            .zip(&formats)
            .map(|(t, f)| parse_bits(f, t).expect("hex input"))
            .collect();
        let out = interp.eval(&input).expect("valid input");
        let values: Vec<String> = out
            .values
            .iter()
            .map(|v| format!("{} ({})", format_bits(&out_fmt, *v), format_hexfloat(&out_fmt, *v)))
            .collect();
        let _ = writeln!(report, "{line} -> {} flags {:02X}", values.join(" "), out.flags.bits());
    }
    report
}

#[test]
fn golden_networks_keep_their_outputs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/nets");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("golden/nets")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 3, "golden cases: {cases:?}");
    for dir in cases {
        let name = dir.file_name().and_then(|n| n.to_str()).expect("UTF-8 name").to_string();
        let report = run_case(&dir);
        assert_golden!(format!("net_{name}"), report);
    }
}
