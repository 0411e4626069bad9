//! The harness shared by the integration tests (each test binary declares `mod support`):
//! the generator and value generators, random layer graphs, the independent reference of the
//! network tests, the fpcore-against-backend comparison, the `fpx` runner, format and literal
//! helpers, and the golden snapshot assertion.

#![allow(dead_code, reason = "each test binary uses a subset")]

pub mod backend;
pub mod cli;
pub mod graph;
pub mod reference;
pub mod rng;

#[allow(unused_imports, reason = "each test binary uses a subset")]
pub use reference::Reference;
pub use rng::{Draw, SplitMix};

use fpcore::{Env, Format};

/// A format by name.
pub fn fmt(name: &str) -> Format {
    Format::parse(name).expect("named format")
}

/// The encoding of a literal in `f`, rounded once.
pub fn v(f: &Format, text: &str) -> u128 {
    fpcore::text::parse_value(&Env::default(), f, text).expect("literal").value
}

/// [`v`] of each literal.
pub fn vs(f: &Format, texts: &[&str]) -> Vec<u128> {
    texts.iter().map(|t| v(f, t)).collect()
}

/// Edge encodings of an IEEE-layout format, each followed by its negation: ±0, ±smallest and
/// ±largest subnormal, ±smallest normal, ±1 and its neighbours, ±largest finite, ±infinity, a
/// quiet NaN with `quiet_payload` and a signaling NaN with `signaling_payload` (nonzero) in
/// the low fraction bits.
pub fn edge_values(f: &Format, quiet_payload: u128, signaling_payload: u128) -> Vec<u128> {
    let fb = f.frac_bits();
    let inf_code = (1u128 << f.exp_bits()) - 1;
    let one = (f.bias() as u128) << fb;
    let positive = [
        0,
        1,
        (1u128 << fb) - 1,
        1u128 << fb,
        one - 1,
        one,
        one + 1,
        (inf_code << fb) - 1,
        inf_code << fb,
        (inf_code << fb) | (1u128 << (fb - 1)) | quiet_payload,
        (inf_code << fb) | signaling_payload,
    ];
    let sign = 1u128 << (f.bits() - 1);
    positive.iter().flat_map(|v| [*v, v | sign]).collect()
}

/// Asserts `report` against `golden/snapshots/<name>.snap`. The name is given in full (no
/// module prefix), so a test keeps its snapshot file wherever it moves.
#[allow(unused_macros, reason = "each test binary uses a subset")]
macro_rules! assert_golden {
    ($name:expr, $report:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/golden/snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $report);
        })
    };
}
#[allow(unused_imports, reason = "each test binary uses a subset")]
pub(crate) use assert_golden;
