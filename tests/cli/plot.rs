//! `fpx plot`: pictures of a network and of a training log are written, non-empty, and the
//! SVG parses as XML with the curves' and panels' text in it; the PNG decodes to the
//! picture's size; bad input is named.

use crate::support::cli::{fpx, scratch, stderr};

/// The shipped one-neuron network and its data.
fn example(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/train")
        .join(name)
        .display()
        .to_string()
}

fn assert_svg(path: &std::path::Path, needles: &[&str]) {
    let text = std::fs::read_to_string(path).expect("written");
    let doc = roxmltree::Document::parse(&text).expect("the SVG parses");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: String = doc.descendants().filter_map(|n| n.text()).collect::<Vec<_>>().join("|");
    for needle in needles {
        assert!(texts.contains(needle), "'{needle}' in {texts}");
    }
    let drawn = doc
        .descendants()
        .filter(|n| matches!(n.tag_name().name(), "polyline" | "circle" | "path"))
        .count();
    assert!(drawn > 10, "{drawn} shapes");
}

fn assert_png(path: &std::path::Path) {
    let file = std::fs::File::open(path).expect("written");
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    assert_eq!((info.width, info.height), (960, 720));
}

#[test]
fn plots_of_a_network_and_a_log() {
    let dir = scratch("plot");
    let net = example("sigmoid_neuron.json");
    let svg = dir.join("net.svg");
    let range = "1,4";
    let out =
        fpx(&["plot", "--net", &net, "--range", range, "--out", &svg.display().to_string()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_svg(&svg, &["values", "gradients", "y1 in bfloat16", "AD gradient in binary128"]);
    let png = dir.join("net.png");
    let out =
        fpx(&["plot", "--net", &net, "--range", range, "--out", &png.display().to_string()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_png(&png);

    // A ReLU network over every input of e4m3fn: the exact function and its breakpoints.
    let relu = dir.join("relu.json");
    std::fs::write(&relu, "{\"format\": \"e4m3fn\", \"inputs\": 1, \"layers\": [{\"affine\": {\"weights\": [[\"1\"], [\"-1\"]], \"bias\": [\"0\", \"1\"]}}, {\"activation\": \"relu\"}, {\"affine\": {\"weights\": [[\"1\", \"1\"]], \"bias\": [\"0\"]}}]}").expect("writes");
    let svg2 = dir.join("relu.svg");
    let out = fpx(
        &["plot", "--net", &relu.display().to_string(), "--out", &svg2.display().to_string()],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_svg(&svg2, &["y1 exact", "exact derivative"]);

    let log = dir.join("log.jsonl");
    let out = fpx(
        &[
            "train",
            "--net",
            &net,
            "--data",
            &example("sigmoid_target_one.txt"),
            "--text",
            "--lr",
            "1",
            "--steps",
            "20",
            "--formats",
            "bf16,binary32",
            "--log",
            &log.display().to_string(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let svg3 = dir.join("log.svg");
    let out = fpx(
        &["plot", "--log", &log.display().to_string(), "--out", &svg3.display().to_string()],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_svg(&svg3, &["loss", "distance from the reference run", "bf16", "binary32"]);
    let png3 = dir.join("log.png");
    let out = fpx(
        &["plot", "--log", &log.display().to_string(), "--out", &png3.display().to_string()],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_png(&png3);
}

#[test]
fn bad_plot_requests_are_named() {
    let dir = scratch("plot-bad");
    let net = example("sigmoid_neuron.json");
    let out_gif = dir.join("x.gif").display().to_string();
    let out = fpx(&["plot", "--net", &net, "--range", "-1,1", "--out", &out_gif], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".svg or .png"), "{}", stderr(&out));
    let svg = dir.join("x.svg").display().to_string();
    let wide = dir.join("wide.json");
    std::fs::write(
        &wide,
        "{\"format\": \"binary32\", \"inputs\": 1, \"layers\": [{\"activation\": \"relu\"}]}",
    )
    .expect("writes");
    let out = fpx(&["plot", "--net", &wide.display().to_string(), "--out", &svg], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--range"), "{}", stderr(&out));
    let bad_log = dir.join("bad.jsonl");
    std::fs::write(&bad_log, "{\"step\": 1}\nnot json\n").expect("writes");
    let out = fpx(&["plot", "--log", &bad_log.display().to_string(), "--out", &svg], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.jsonl:1"), "{}", stderr(&out));
}
