//! fpnet against a small independent interpreter written over fpref's backends, on random
//! layer graphs (inputs of several formats, affine layers in every order, ReLU, sums of
//! branches, concatenations, per-node formats with conversions) and random inputs with zeros,
//! subnormals, infinities and NaNs. Values must agree bit for bit (any NaN matches any NaN,
//! since APFloat and SoftFloat propagate payloads where fpcore gives the canonical NaN); with
//! SoftFloat, on binary16/binary32 networks, the flags must agree too.
//!
//! The reference is the forward pass of `tests/support/reference.rs`: the definitions of
//! docs/network-format.md and docs/semantics.md §4 written out directly (dense loops, no skipping of
//! zero terms, its own pairwise recursion).

use fpcore::{Env, Flags, Format};
use fpnet::Interpreter;
use fpref::{ApFloat, SoftFloat};
use proptest::prelude::*;

use crate::support::graph::{random_graph, uses_only, RELU_ONLY};
use crate::support::reference::same;
use crate::support::{Draw, Reference, SplitMix};

fn check_seed(seed: u64) -> Result<(), TestCaseError> {
    let mut g = SplitMix::new(seed);
    let graph = random_graph(&mut g, &RELU_ONLY);
    let interp = Interpreter::new(&graph, Env::default());
    let in_formats: Vec<Format> = graph
        .inputs()
        .flat_map(|id| std::iter::repeat_n(graph.node(id).format, graph.width(id)))
        .collect();
    let specials = g.below(2) == 0;
    let softfloat = SoftFloat::default();
    let with_softfloat = uses_only(&graph, &["binary16", "binary32"]);
    let out_fmt = *graph.output_format();
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for _ in 0..6 {
        let input: Vec<u128> = in_formats.iter().map(|f| g.value(f, specials)).collect();
        let ours = interp.eval(&input).expect("valid input");
        let mut ap = Reference { backend: &ApFloat, env: Env::default(), flags: Flags::NONE };
        let theirs = ap.output(&graph, &input);
        let agree = ours.values.iter().zip(&theirs).all(|(a, b)| same(&out_fmt, *a, *b));
        prop_assert!(
            agree,
            "seed {seed}: fpnet {:x?} apfloat {:x?}\ninput {input:x?}\n{}",
            ours.values,
            theirs,
            fpnet::file::to_json(&graph)
        );
        if with_softfloat {
            let mut sf = Reference { backend: &softfloat, env: Env::default(), flags: Flags::NONE };
            let theirs = sf.output(&graph, &input);
            let agree = ours.values.iter().zip(&theirs).all(|(a, b)| same(&out_fmt, *a, *b));
            prop_assert!(
                agree,
                "seed {seed}: softfloat values differ\n{}",
                fpnet::file::to_json(&graph)
            );
            prop_assert_eq!(
                ours.flags,
                sf.flags,
                "seed {}: flags differ\n{}",
                seed,
                fpnet::file::to_json(&graph)
            );
        }
        batch.extend_from_slice(&input);
        expected.push(ours.values);
    }
    // A batch (parallel and serial) gives each sample's single evaluation.
    let par = interp.eval_batch(&batch).expect("valid batch");
    let ser = interp.eval_batch_serial(&batch).expect("valid batch");
    prop_assert_eq!(&par, &ser);
    for (k, want) in expected.iter().enumerate() {
        prop_assert_eq!(par.output(k), want.as_slice());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn fpnet_agrees_with_an_independent_interpreter(seed in any::<u64>()) {
        check_seed(seed)?;
    }
}

#[test]
fn fixed_seeds_cover_every_format_and_order() {
    // A deterministic sweep on top of the property test, so that the coverage does not depend
    // on the drawn seeds.
    for seed in 0..3000 {
        check_seed(seed).expect("agreement");
    }
}
