//! The network file format: the issue's example, canonical JSON round trips, literal rounding
//! and strict mode, safetensors tensors written by the `safetensors` crate, errors that name
//! the node and field, limits; and the builders, traces and input checks of the interpreter.

use std::path::PathBuf;

use fpcore::act::Activation;
use fpcore::{Env, Format};
use fpnet::builders::{
    paper_network, parallel_sum, sequential, AffineMap, GraphBuilder, Stage, Variant,
};
use fpnet::file::{load_file, load_str, to_json};
use fpnet::graph::{Node, NodeId, Op, Rule, Sigma};
use fpnet::{Graph, Interpreter, LoadOptions, ModelError, Order};

use crate::support::cli;
use crate::support::{fmt, v, vs};

fn load(text: &str) -> Result<Graph, ModelError> {
    load_str(text, &LoadOptions::default()).map(|l| l.graph)
}

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/nets/tiny_bf16.json")
}

/// A directory for files a test writes.
fn temp_dir(name: &str) -> PathBuf {
    cli::temp_dir(&format!("net-{name}"))
}

#[test]
fn the_issue_example_loads_and_evaluates() {
    let loaded = load_file(&example_path(), &LoadOptions::default()).expect("example loads");
    let g = &loaded.graph;
    let bf16 = fmt("bf16");
    assert_eq!(g.format(), &bf16);
    assert_eq!((g.input_width(), g.output_width(), g.n_params()), (2, 1, 9));
    assert!(g.is_chain());
    assert_eq!(loaded.report.values, 9);
    assert!(loaded.report.all_exact());
    // x = (1, 1): layer 1 gives (0.5 - 1, 0.75 + 2) = (-0.5, 2.75); relu: (0, 2.75);
    // layer 2: 0 + 2.75 - 0.125 = 2.625.
    let out = Interpreter::new(g, Env::default()).eval(&vs(&bf16, &["1", "1"])).expect("input");
    assert_eq!(out.values, vs(&bf16, &["2.625"]));
    let Op::Affine(a) = &g.node(NodeId(1)).op else { panic!("layer 0 is affine") };
    assert_eq!(a.weights, vs(&bf16, &["0.5", "-1", "0x1.8p-1", "2"]));
    assert_eq!(a.order, Order::Sequential);
}

/// A graph with every feature the file format has.
fn feature_graph() -> Graph {
    let bf16 = fmt("bf16");
    let e4 = fmt("e4m3fn");
    let f16 = fmt("binary16");
    let nodes = vec![
        Node { name: Some("x".into()), format: bf16, op: Op::Input { size: 2 } },
        Node { name: Some("y".into()), format: f16, op: Op::Input { size: 2 } },
        Node {
            name: Some("fc1".into()),
            format: e4,
            op: Op::Affine(fpnet::Affine {
                input: NodeId(0),
                rows: 2,
                cols: 2,
                weights: vec![v(&e4, "0.5"), v(&e4, "-448"), 0x80, 0x7F],
                bias: vec![v(&e4, "0x1p-9"), 0],
                order: Order::Wide(fmt("binary32")),
            }),
        },
        Node {
            name: None,
            format: bf16,
            op: Op::Activation(fpnet::ActivationNode {
                input: NodeId(2),
                sigma: Sigma {
                    activation: Activation::Relu,
                    value: Rule::Composite,
                    derivative: Rule::Composite,
                    kink: v(&bf16, "0.5"),
                },
            }),
        },
        Node {
            name: None,
            format: bf16,
            op: Op::Activation(fpnet::ActivationNode {
                input: NodeId(1),
                sigma: Sigma::new(Activation::Tanh),
            }),
        },
        Node {
            name: Some("sum".into()),
            format: bf16,
            op: Op::Add(vec![NodeId(3), NodeId(4), NodeId(3)]),
        },
        Node { name: None, format: f16, op: Op::Concat(vec![NodeId(5), NodeId(1)]) },
        Node {
            name: Some("out".into()),
            format: f16,
            op: Op::Affine(fpnet::Affine {
                input: NodeId(6),
                rows: 1,
                cols: 4,
                // A NaN with a payload and a signaling NaN keep their bits through the file.
                weights: vec![0x7E01, 0x7C01, v(&f16, "-0"), v(&f16, "0x1p-24")],
                bias: vec![v(&f16, "inf")],
                order: Order::Blocked(3),
            }),
        },
        Node {
            name: None,
            format: f16,
            op: Op::Affine(fpnet::Affine {
                input: NodeId(6),
                rows: 1,
                cols: 4,
                weights: vs(&f16, &["1", "2", "3", "4"]),
                bias: vs(&f16, &["0"]),
                order: Order::Pairwise,
            }),
        },
    ];
    Graph::new(bf16, nodes, NodeId(7)).expect("valid graph")
}

#[test]
fn canonical_json_round_trips() {
    for graph in
        [feature_graph(), load_file(&example_path(), &LoadOptions::default()).expect("loads").graph]
    {
        let text = to_json(&graph);
        let back = load(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, graph, "{text}");
        assert_eq!(to_json(&back), text);
        // The canonical text is valid JSON with the documented top-level keys.
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(json["version"], 1);
    }
    let text = to_json(&feature_graph());
    assert!(text.contains("\"output\": \"out\""), "{text}");
    assert!(text.contains("\"order\": \"wide:binary32\""), "{text}");
    assert!(text.contains("\"bits:7E01\", \"snan\""), "{text}");
    assert!(text.contains("\"kink\": \"0x1p-1\""), "{text}");
}

#[test]
fn the_sequential_form_and_the_graph_form_are_one_format() {
    let seq = r#"{"format": "bf16", "inputs": 2, "layers": [
        {"affine": {"weights": [["1", "2"]], "bias": ["0"]}}, {"activation": "relu"}]}"#;
    let graph = r#"{"version": 1, "format": "bf16", "inputs": [{"name": "input", "size": 2}],
        "layers": [{"input": "input", "affine": {"weights": [["1", "2"]]}},
                   {"input": "layers[0]", "activation": {"name": "relu"}}], "output": "layers[1]"}"#;
    assert_eq!(load(seq).expect("sequential"), load(graph).expect("graph form"));
    assert_eq!(to_json(&load(graph).expect("graph form")), to_json(&load(seq).expect("seq")));
}

#[test]
fn inexact_literals_are_rounded_once_or_rejected_when_strict() {
    let text = r#"{"format": "bf16", "inputs": 1, "layers": [
        {"affine": {"weights": [["0.1"]], "bias": ["1e-50"]}}]}"#;
    let loaded = load_str(text, &LoadOptions::default()).expect("loads");
    let bf16 = fmt("bf16");
    let Op::Affine(a) = &loaded.graph.node(NodeId(1)).op else { panic!("affine") };
    assert_eq!(a.weights, vec![0x3DCD]); // 0.1 rounded once to bf16
    assert_eq!(a.bias, vec![v(&bf16, "1e-50")]);
    assert_eq!((loaded.report.values, loaded.report.inexact), (2, 2));
    assert_eq!(loaded.report.examples[0].path, "layers[0].affine.weights[0][0]");
    assert_eq!(loaded.report.per_node[1], (2, 2));
    let strict = LoadOptions { strict: true, ..LoadOptions::default() };
    let err = load_str(text, &strict).expect_err("strict rejects 0.1");
    assert_eq!(err.path(), "layers[0].affine.weights[0][0]");
    assert!(err.to_string().contains("not exactly representable in bfloat16"), "{err}");
    let in_file = text.replacen("\"format\"", "\"strict\": true, \"format\"", 1);
    assert!(load(&in_file).is_err());
    // An exact decimal or a bit pattern is fine in strict mode.
    let exact = r#"{"format": "bf16", "inputs": 1, "strict": true, "layers": [
        {"affine": {"weights": [["0.125"]], "bias": ["bits:8000"]}}]}"#;
    let g = load(exact).expect("exact literals");
    let Op::Affine(a) = &g.node(NodeId(1)).op else { panic!("affine") };
    assert_eq!(a.bias, vec![0x8000]);
}

/// Writes a safetensors file with the `safetensors` crate.
fn write_tensors(
    path: &std::path::Path,
    tensors: &[(&str, safetensors::Dtype, Vec<usize>, Vec<u8>)],
) {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| {
            let view = safetensors::tensor::TensorView::new(*dtype, shape.clone(), data)
                .expect("consistent tensor");
            (name.to_string(), view)
        })
        .collect();
    safetensors::tensor::serialize_to_file(views, None, path).expect("writes");
}

fn le_bytes(values: &[u128], size: usize) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()[..size].to_vec()).collect()
}

#[test]
fn safetensors_written_by_the_crate_load_exactly() {
    use safetensors::Dtype;
    let dir = temp_dir("tensors");
    let env = Env::default();
    let cases: [(Dtype, &str, usize); 6] = [
        (Dtype::F64, "binary64", 8),
        (Dtype::F32, "binary32", 4),
        (Dtype::F16, "binary16", 2),
        (Dtype::BF16, "bf16", 2),
        (Dtype::F8_E4M3, "e4m3fn", 1),
        (Dtype::F8_E5M2, "e5m2", 1),
    ];
    for (dtype, src_name, size) in cases {
        let src = fmt(src_name);
        // Six weights with a subnormal, a -0, an extreme and inexact-in-bf16 values.
        let w = vs(&src, &["0.1", "-0", "3.5", "-1e-3", "0x1p-10", "-2.75"]);
        let w = [w[0], w[1], w[2], w[3], w[4], src.max_finite(true)].to_vec();
        let b = vs(&src, &["1", "-0.5"]);
        let file = dir.join(format!("{src_name}.safetensors"));
        write_tensors(
            &file,
            &[
                ("fc.weight", dtype, vec![2, 3], le_bytes(&w, size)),
                ("fc.bias", dtype, vec![2], le_bytes(&b, size)),
            ],
        );
        for node_name in [src_name, "bf16", "binary32"] {
            let node = fmt(node_name);
            let text = format!(
                r#"{{"format": "{node_name}", "tensors": "{src_name}.safetensors", "inputs": 3,
                    "layers": [{{"affine": {{"weights": "@fc.weight", "bias": "@fc.bias"}}}}]}}"#
            );
            let path = dir.join(format!("{src_name}-{node_name}.json"));
            std::fs::write(&path, &text).expect("writes");
            let loaded = load_file(&path, &LoadOptions::default()).expect("loads");
            let Op::Affine(a) = &loaded.graph.node(NodeId(1)).op else { panic!("affine") };
            let convert = |x: &u128| {
                if node == src {
                    *x
                } else {
                    fpcore::convert(&env, &src, &node, *x).value
                }
            };
            assert_eq!(
                a.weights,
                w.iter().map(convert).collect::<Vec<_>>(),
                "{src_name} -> {node_name}"
            );
            assert_eq!(a.bias, b.iter().map(convert).collect::<Vec<_>>());
            assert_eq!((a.rows, a.cols), (2, 3));
            assert_eq!(loaded.report.values, 8);
            if node == src {
                assert!(loaded.report.all_exact());
            }
        }
    }
    // Errors: a missing tensor, a wrong shape, an unsupported dtype, no tensors file named.
    let file = dir.join("odd.safetensors");
    write_tensors(
        &file,
        &[("ints", Dtype::I32, vec![1, 1], vec![0; 4]), ("vec", Dtype::F32, vec![3], vec![0; 12])],
    );
    let net = |weights: &str, tensors: bool| {
        let t = if tensors { r#""tensors": "odd.safetensors","# } else { "" };
        let text = format!(
            r#"{{"format": "f32", {t} "inputs": 1, "layers": [{{"affine": {{"weights": "{weights}"}}}}]}}"#
        );
        let path = dir.join("odd.json");
        std::fs::write(&path, text).expect("writes");
        load_file(&path, &LoadOptions::default()).expect_err("rejected")
    };
    let e = net("@missing", true);
    assert_eq!(e.path(), "layers[0].affine.weights");
    assert!(e.to_string().contains("no tensor 'missing'"), "{e}");
    let e = net("@vec", true);
    assert!(e.to_string().contains("has shape [3], expected [N, N]"), "{e}");
    let e = net("@ints", true);
    assert!(e.to_string().contains("dtype I32"), "{e}");
    let e = net("@vec", false);
    assert!(e.to_string().contains("names no \"tensors\" file"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Loads `text` and expects an error at `path` whose message contains `needle`.
fn rejects(text: &str, path: &str, needle: &str) {
    match load(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => {
            assert_eq!(e.path(), path, "{e}");
            assert!(e.to_string().contains(needle), "'{e}' lacks '{needle}'");
        }
    }
}

#[test]
fn errors_name_the_node_and_the_field() {
    let layer = |l: &str| format!(r#"{{"format": "bf16", "inputs": 2, "layers": [{l}]}}"#);
    rejects("{\"format\": \"bf16\", \"inputs\": 2, \"layers\": [", "layers", "EOF while parsing");
    rejects(
        &layer(r#"{"affine": {"weights": [["1", "2"]], "bias": ["0", "0"]}}"#),
        "layers[0].affine.bias",
        "expected 1 entries (one per row of weights), got 2",
    );
    rejects(
        &layer(r#"{"affine": {"weights": [["1", "2"], ["1"]]}}"#),
        "layers[0].affine.weights[1]",
        "row has 1 entries, expected 2",
    );
    rejects(
        &layer(r#"{"affine": {"weights": [["1", "2", "3"]]}}"#),
        "layers[0].affine.weights",
        "weights have 3 columns but the input inputs[0] has 2 entries",
    );
    rejects(
        &layer(r#"{"affine": {"weights": [[1, 2]]}}"#),
        "layers[0].affine.weights[0][0]",
        "JSON numbers are not accepted",
    );
    rejects(
        &layer(r#"{"affine": {"weights": [["1", "x"]]}}"#),
        "layers[0].affine.weights[0][1]",
        "'x' is not a decimal number",
    );
    rejects(
        &layer(r#"{"format": "bf17", "activation": "relu"}"#),
        "layers[0].format",
        "unknown format 'bf17'",
    );
    rejects(r#"{"format": "nope", "inputs": 1, "layers": []}"#, "format", "unknown format 'nope'");
    rejects(
        &layer(r#"{"activation": "relu6"}"#),
        "layers[0].activation",
        "unknown activation 'relu6'",
    );
    rejects(
        &layer(r#"{"activation": {"name": "relu", "value": "fast"}}"#),
        "layers[0].activation.value",
        "unknown rule 'fast'",
    );
    rejects(
        &layer(r#"{"affine": {"weights": [["1", "2"]], "order": "random"}}"#),
        "layers[0].affine.order",
        "unknown order 'random'",
    );
    rejects(
        &layer(r#"{"affine": {"weights": [["1", "2"]], "order": "blocked:0"}}"#),
        "layers[0].affine.order",
        "block width",
    );
    rejects(
        &layer(r#"{"name": "h", "activation": "relu", "affine": {"weights": [["1"]]}}"#),
        "layers[0] (h)",
        "exactly one of",
    );
    rejects(
        &layer(r#"{"input": "nowhere", "activation": "relu"}"#),
        "layers[0].input",
        "no node called 'nowhere'",
    );
    rejects(
        &layer(r#"{"add": ["input", "later"]}, {"name": "later", "activation": "relu"}"#),
        "layers[0].add[1]",
        "no node called 'later'",
    );
    rejects(
        &layer(r#"{"name": "input", "activation": "relu"}"#),
        "layers[0] (input).name",
        "used twice",
    );
    rejects(
        &layer(r#"{"name": "a b", "activation": "relu"}"#),
        "layers[0] (a b).name",
        "not a valid name",
    );
    rejects(
        &layer(r#"{"activation": "relu", "colour": "red"}"#),
        "layers[0].colour",
        "unknown field `colour`",
    );
    rejects(
        r#"{"version": 2, "format": "bf16", "inputs": 1, "layers": []}"#,
        "version",
        "unsupported version 2",
    );
    rejects(
        r#"{"format": "bf16", "inputs": [{"name": "a", "size": 1}, {"name": "b", "size": 2}], "layers": [{"activation": "relu"}]}"#,
        "layers[0].input",
        "the network has 2 inputs",
    );
    rejects(
        r#"{"format": "bf16", "inputs": [{"name": "a", "size": 1}, {"name": "b", "size": 2}], "layers": [{"add": ["a", "b"]}]}"#,
        "layers[0].add[1]",
        "added branches have equal widths",
    );
    rejects(
        r#"{"format": "bf16", "inputs": 1, "layers": [], "output": "zz"}"#,
        "output",
        "no node called 'zz'",
    );
}

#[test]
fn absurd_sizes_are_errors_not_crashes() {
    rejects(
        r#"{"format": "bf16", "inputs": 1000000000000, "layers": []}"#,
        "inputs",
        "an input has 1 to",
    );
    rejects(r#"{"format": "bf16", "inputs": 0, "layers": []}"#, "inputs", "an input has 1 to");
    rejects(r#"{"format": "bf16", "inputs": -3, "layers": []}"#, "inputs", "a positive integer");
    rejects(
        r#"{"format": "bf16", "inputs": [{"name": "a", "size": 99999999999}], "layers": []}"#,
        "inputs[0].size",
        "an input has 1 to",
    );
    rejects(
        r#"{"format": "bf16", "inputs": 1, "layers": [{"affine": {"weights": [["1"]], "order": "blocked:99999999999999999999"}}]}"#,
        "layers[0].affine.order",
        "block width",
    );
    // Deep nesting is refused before the JSON is read, at the depth limit.
    let deep = format!(
        r#"{{"format": "bf16", "inputs": 1, "layers": [{{"affine": {{"weights": {}1{}}}}}]}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = load(&deep).expect_err("too deep");
    assert_eq!(e.path(), ".", "{e}");
    assert!(e.to_string().contains("deeper than the limit of 128 levels"), "{e}");
    // A concatenation that would grow beyond the per-node limit.
    let mut layers = vec![r#"{"name": "c0", "concat": ["input", "input"]}"#.to_string()];
    for k in 1..25 {
        layers.push(format!(r#"{{"name": "c{k}", "concat": ["c{}", "c{}"]}}"#, k - 1, k - 1));
    }
    let text = format!(r#"{{"format": "bf16", "inputs": 1, "layers": [{}]}}"#, layers.join(","));
    let e = load(&text).expect_err("too wide");
    assert!(matches!(e, ModelError::Limit { .. }), "{e}");
    assert!(e.path().starts_with("layers["), "{e}");
    // Too many layers.
    let many = vec![r#"{"activation": "relu"}"#; fpnet::limits::MAX_NODES + 1].join(",");
    let text = format!(r#"{{"format": "bf16", "inputs": 1, "layers": [{many}]}}"#);
    let e = load(&text).expect_err("too many");
    assert!(e.to_string().contains("exceed the limit"), "{e}");
}

#[test]
fn json_errors_carry_line_and_column() {
    let text = "{\n  \"format\": \"bf16\",\n  \"inputs\": 1,\n  \"layers\": [\n    {\"affine\": {\"weights\": [[\"1\"]], \"bias\": [true]}}\n  ]\n}";
    let e = load(text).expect_err("a boolean literal");
    let ModelError::Json { path, line, .. } = &e else { panic!("a JSON error: {e}") };
    assert_eq!(path, "layers[0].affine.bias[0]");
    assert_eq!(*line, 5);
}

fn map(f: &Format, rows: usize, cols: usize, w: &[&str], b: &[&str]) -> AffineMap {
    AffineMap::new(rows, cols, vs(f, w), vs(f, b))
}

#[test]
fn paper_variants_place_sigma_first_and_last() {
    let f = fmt("bf16");
    let sigma = Sigma::new(Activation::Relu);
    let maps =
        || vec![map(&f, 2, 1, &["1", "-1"], &["0", "0"]), map(&f, 1, 2, &["1", "1"], &["0"])];
    let kinds =
        |g: &Graph| -> Vec<&'static str> { g.layers().map(|id| g.node(id).op.kind()).collect() };
    let plain = paper_network(f, 1, sigma, maps(), Variant::default()).expect("valid");
    assert_eq!(kinds(&plain), ["affine", "activation", "affine"]);
    let both = paper_network(f, 1, sigma, maps(), Variant { sigma_first: true, sigma_last: true })
        .expect("valid");
    assert_eq!(kinds(&both), ["activation", "affine", "activation", "affine", "activation"]);
    // relu(x) + relu(-x) = |x|; with sigma first the negative input is clamped first.
    let eval = |g: &Graph, x: &str| {
        Interpreter::new(g, Env::default()).eval(&vs(&f, &[x])).expect("input").values
    };
    assert_eq!(eval(&plain, "-3"), vs(&f, &["3"]));
    assert_eq!(eval(&both, "-3"), vs(&f, &["0"]));
    assert!(paper_network(f, 1, sigma, vec![], Variant::default()).is_err());
}

#[test]
fn parallel_sum_is_block_diagonal_with_a_concatenated_last_layer() {
    let f = fmt("bf16");
    let sigma = Sigma::new(Activation::Relu);
    let first = paper_network(
        f,
        1,
        sigma,
        vec![
            map(&f, 2, 1, &["1", "-1"], &["0", "0.5"]),
            map(&f, 1, 2, &["3", "0.25"], &["-1"]),
            map(&f, 1, 1, &["1"], &["0"]),
        ],
        Variant::default(),
    )
    .expect("valid");
    let second = paper_network(
        f,
        1,
        sigma,
        vec![
            map(&f, 1, 1, &["2"], &["-0.5"]),
            map(&f, 2, 1, &["1", "-2"], &["0", "1"]),
            map(&f, 1, 2, &["0x1.02p+0", "-1"], &["0.125"]),
        ],
        Variant::default(),
    )
    .expect("valid");
    let sum = parallel_sum(&first, &second).expect("compatible");
    let layers: Vec<NodeId> = sum.layers().collect();
    let affine = |k: usize| match &sum.node(layers[k]).op {
        Op::Affine(a) => a.clone(),
        _ => panic!("affine"),
    };
    let z = f.zero(false);
    let (t1, t2, t3) = (affine(0), affine(2), affine(4));
    assert_eq!((t1.rows, t1.cols), (3, 1));
    assert_eq!(t1.weights, vs(&f, &["1", "-1", "2"]));
    assert_eq!(t1.bias, vs(&f, &["0", "0.5", "-0.5"]));
    assert_eq!((t2.rows, t2.cols), (3, 3));
    let want_t2 =
        [vs(&f, &["3", "0.25"]), vec![z], vec![z, z], vs(&f, &["1"]), vec![z, z], vs(&f, &["-2"])]
            .concat();
    assert_eq!(t2.weights, want_t2);
    assert_eq!(t2.bias, vs(&f, &["-1", "0", "1"]));
    assert_eq!((t3.rows, t3.cols), (1, 3));
    assert_eq!(t3.weights, vs(&f, &["1", "0x1.02p+0", "-1"]));
    assert_eq!(t3.bias, vs(&f, &["0.125"])); // first's last bias is zero, so second's is kept
                                             // Output = ((((+0 ⊕ first's terms) ⊕ second's terms) ⊕ b), with each network's hidden
                                             // values from its own trace.
    let env = Env::default();
    for x in ["-2", "-0.75", "0", "0.3", "1", "5"] {
        let input = vs(&f, &[x]);
        let h_first = Interpreter::new(&first, env).trace(&input).expect("input");
        let h_second = Interpreter::new(&second, env).trace(&input).expect("input");
        let a1 = h_first.value(NodeId(4)).to_vec();
        let a2 = h_second.value(NodeId(4)).to_vec();
        let mut acc = z;
        for (w, a) in t3.weights.iter().zip(a1.iter().chain(&a2)) {
            let p = fpcore::mul(&env, &f, *w, *a).value;
            acc = fpcore::add(&env, &f, acc, p).value;
        }
        let want = fpcore::add(&env, &f, acc, t3.bias[0]).value;
        let got = Interpreter::new(&sum, env).eval(&input).expect("input").values;
        assert_eq!(got, vec![want], "x = {x}");
    }
    // Mismatches are errors.
    let shallow = paper_network(
        f,
        1,
        sigma,
        vec![map(&f, 1, 1, &["1"], &["0"]), map(&f, 1, 1, &["1"], &["1"])],
        Variant::default(),
    )
    .expect("valid");
    assert!(parallel_sum(&first, &shallow)
        .expect_err("depths differ")
        .to_string()
        .contains("equal depth"));
    let nonzero = paper_network(
        f,
        1,
        sigma,
        vec![map(&f, 1, 1, &["1"], &["0"]), map(&f, 1, 1, &["1"], &["1"])],
        Variant::default(),
    )
    .expect("valid");
    let e = parallel_sum(&nonzero, &shallow).expect_err("two nonzero biases");
    assert!(e.to_string().contains("both last biases"), "{e}");
}

#[test]
fn trace_records_every_node_and_each_conversion() {
    let bf16 = fmt("bf16");
    let e4 = fmt("e4m3fn");
    let mut b = GraphBuilder::new(bf16);
    let x = b.input("x", 2);
    let h = b.push(Node {
        name: None,
        format: e4,
        op: Op::Affine(fpnet::Affine {
            input: x,
            rows: 2,
            cols: 2,
            weights: vs(&e4, &["1", "1", "1", "-1"]),
            bias: vs(&e4, &["0", "0"]),
            order: Order::Sequential,
        }),
    });
    let a = b.activation(h, Sigma::new(Activation::Relu));
    let out = b.concat(&[a, x]);
    let g = b.build(out).expect("valid");
    // In e4m3fn, the affine layer's input is converted: 0.3 -> 0x1.4p-2 (0.3125).
    let input = vs(&bf16, &["0.3", "-1"]);
    let trace = Interpreter::new(&g, Env::default()).trace(&input).expect("input");
    assert_eq!(trace.values.len(), 4);
    let converted = trace.converted[1][0].as_ref().expect("bf16 -> e4m3fn");
    assert_eq!(converted, &vs(&e4, &["0.3125", "-1"]));
    assert_eq!(trace.operand(NodeId(1), 0, x), converted.as_slice());
    // z = (0.3125 ⊕ -1, 0.3125 ⊕ 1) in e4m3fn: -0.6875 is exact; 1.3125 is a tie between 1.25
    // (significand 1010, even) and 1.375, so 1.25.
    assert_eq!(trace.value(h), vs(&e4, &["-0.6875", "1.25"]).as_slice());
    // The activation (bf16) converts z back exactly; relu gives (0, 1.25).
    assert_eq!(trace.value(a), vs(&bf16, &["0", "1.25"]).as_slice());
    assert_eq!(trace.output(), vs(&bf16, &["0", "1.25", "0.3", "-1"]).as_slice());
    assert!(trace.converted[3].iter().all(Option::is_none));
    assert!(trace.flags[1].contains(fpcore::Flags::INEXACT)); // 0.3 -> 0.3125
}

#[test]
fn interpreter_inputs_are_checked() {
    let g = load_file(&example_path(), &LoadOptions::default()).expect("loads").graph;
    let interp = Interpreter::new(&g, Env::default());
    let e = interp.eval(&[0x3F80]).expect_err("one value short");
    assert!(e.to_string().contains("expected 2 values, got 1"), "{e}");
    let e = interp.eval(&[0x3F80, 0x1_0000]).expect_err("too wide");
    assert!(e.to_string().contains("not an encoding of the 16-bit format bfloat16"), "{e}");
    let e = interp.eval_batch(&[0x3F80, 0x3F80, 0x3F80]).expect_err("not whole samples");
    assert!(e.to_string().contains("whole samples of 2 values"), "{e}");
    assert!(interp.eval_batch(&[]).expect("empty batch").is_empty());
}

#[test]
fn sequential_builder_matches_the_file() {
    let f = fmt("bf16");
    let g = sequential(
        f,
        2,
        vec![
            Stage::Affine(map(&f, 2, 2, &["0.5", "-1", "0x1.8p-1", "2"], &["0", "0"])),
            Stage::Activation(Sigma::new(Activation::Relu)),
            Stage::Affine(map(&f, 1, 2, &["1", "1"], &["-0x1p-3"])),
        ],
    )
    .expect("valid");
    assert_eq!(g, load_file(&example_path(), &LoadOptions::default()).expect("loads").graph);
}

#[test]
fn the_schema_lists_the_keys_the_reader_accepts() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/network.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("JSON");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> =
            v["properties"].as_object().expect("properties").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&schema),
        ["format", "inputs", "layers", "output", "strict", "tensors", "version"]
    );
    let defs = &schema["$defs"];
    assert_eq!(
        keys(&defs["layer"]),
        ["activation", "add", "affine", "concat", "format", "input", "name"]
    );
    assert_eq!(keys(&defs["affine"]), ["bias", "order", "weights"]);
    let names: Vec<&str> = defs["activationName"]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for act in Activation::ALL {
        assert!(names.contains(&act.name()), "{}", act.name());
    }
    // Every key the schema allows is read: a file using all of them loads.
    let text = r#"{"version": 1, "format": "bf16", "strict": false,
        "inputs": [{"name": "x", "size": 1, "format": "bf16"}],
        "layers": [{"name": "a", "input": "x", "format": "bf16",
                    "affine": {"weights": [["1"]], "bias": ["0"], "order": "fma"}},
                   {"activation": {"name": "relu", "value": "composite", "derivative": "composite", "kink": "1"}},
                   {"add": ["a", "layers[1]"]}, {"concat": ["a", "x"]}],
        "output": "layers[2]"}"#;
    load(text).expect("every key");
}
