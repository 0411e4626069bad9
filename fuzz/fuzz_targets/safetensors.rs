//! Safetensors files never make the loader panic or allocate what they claim: the bytes are a
//! tensor file that a small network reads its weights and bias from (the first byte picks the
//! network's format and shapes). Loading gives a network or an error naming the tensor file;
//! a network that loads evaluates on an input.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use fpcore::Env;
use fpnet::file::{load_file, LoadOptions};
use fpnet::interp::Interpreter;
use libfuzzer_sys::fuzz_target;

const FORMATS: [&str; 4] = ["binary32", "binary16", "bf16", "e4m3fn"];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fpx-fuzz-safetensors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let format = FORMATS[usize::from(selector & 3)];
    let inputs = 1 + usize::from((selector >> 2) & 3);
    let dir = dir();
    let tensors = dir.join("t.safetensors");
    let net = dir.join("net.json");
    std::fs::write(&tensors, bytes).expect("write tensors");
    let json = format!(
        r#"{{"format": "{format}", "inputs": {inputs}, "tensors": "t.safetensors",
            "layers": [{{"affine": {{"weights": "@w", "bias": "@b"}}}}, {{"activation": "relu"}}]}}"#
    );
    std::fs::write(&net, json).expect("write net");
    match load_file(&net, &LoadOptions::default()) {
        Ok(model) => {
            let graph = &model.graph;
            let x = vec![0u128; graph.input_width()];
            let out = Interpreter::new(graph, Env::default()).eval(&x).expect("a loaded network evaluates");
            assert_eq!(out.values.len(), graph.output_width());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
