//! Exhaustive: a small e4m3fn network (affine layers in the sequential, pairwise and fma
//! orders, relu and sigmoid) on every input of its 8-bit format. The independent backprop of
//! `tests/support/reference.rs` gives the targets; the verifier (library and `fpx net check`)
//! confirms that fpad's values and gradients equal them bit for bit on all 254 numbers;
//! `fpx net grad` on all 256 encodings matches them line by line and an insta snapshot in
//! golden/.

use fpad::verify::{all_floats, Expected, Verifier};
use fpad::{Ad, OutputGradient};
use fpcore::text::bits::format_bits;
use fpcore::{Env, Flags, Format};
use fpnet::{Graph, LoadOptions};
use fpref::ApFloat;

use crate::support::cli::{fpx, temp_file};
use crate::support::reference::same_all;
use crate::support::{assert_golden, Reference};

/// Every row's weights sum to at most 1 in magnitude, so no value overflows on any input.
const NET: &str = r#"{"format": "e4m3fn", "inputs": 1, "layers": [
    {"name": "fc1", "affine": {"weights": [["1"], ["-0.75"], ["0.5"], ["-0.3125"]],
                              "bias": ["0.125", "0.5", "-1", "0"]}},
    {"activation": "relu"},
    {"name": "fc2", "affine": {"order": "pairwise",
                              "weights": [["0.5", "-0.25", "0.125", "0.0625"],
                                          ["-0.375", "0.25", "0.25", "-0.125"],
                                          ["0.0625", "0.5", "-0.25", "0.1875"]],
                              "bias": ["0", "-0.0625", "0.25"]}},
    {"activation": "sigmoid"},
    {"name": "out", "affine": {"order": "fma",
                              "weights": [["0.75", "-0.125", "0.125"], ["-0.25", "0.5", "0.25"]],
                              "bias": ["0.03125", "0"]}}
]}"#;

/// The output gradient: (1, -0.5).
const SEED: &str = "38 B0";

fn graph() -> Graph {
    fpnet::file::load_str(NET, &LoadOptions::default()).expect("valid network").graph
}

fn seed(f: &Format) -> OutputGradient {
    let values = SEED
        .split_whitespace()
        .map(|t| fpcore::text::bits::parse_bits(f, t).expect("hex"))
        .collect();
    OutputGradient::Seed(values)
}

/// The reference's value and input gradient at x.
fn reference(g: &Graph, phi: &OutputGradient, x: u128) -> Expected {
    let mut r = Reference { backend: &ApFloat, env: Env::default(), flags: Flags::NONE };
    let s = r.sample(g, &[x], phi, &[]);
    Expected { value: s.output, gradient: s.input_gradient }
}

fn line(f: &Format, values: &[u128]) -> String {
    values.iter().map(|&v| format_bits(f, v)).collect::<Vec<_>>().join(" ")
}

#[test]
fn verifier_confirms_every_8bit_input_against_the_independent_backprop() {
    let g = graph();
    let f = *g.format();
    let phi = seed(&f);
    let ad = Ad::new(&g, Env::default());
    let xs: Vec<u128> = all_floats(&f).collect();
    assert_eq!(xs.len(), 254);
    let expected: Vec<Expected> = xs.iter().map(|&x| reference(&g, &phi, x)).collect();
    // No NaN anywhere, so the comparison below is bit for bit without exceptions.
    for e in &expected {
        assert!(e.value.iter().chain(&e.gradient).all(|&v| !f.unpack(v).is_nan()));
    }
    let mut verifier = Verifier::new(&ad, &phi, 5);
    verifier.check(&xs, &expected, None).expect("fits");
    let report = verifier.finish();
    assert_eq!(report.to_string(), "254 passed, 0 failed", "{:?}", report.mismatches);
    // Not a constant function: the gradients take many values.
    let mut grads: Vec<u128> = expected.iter().map(|e| e.gradient[0]).collect();
    grads.sort_unstable();
    grads.dedup();
    assert!(grads.len() > 20, "{} distinct gradients", grads.len());

    // The same through the command line, then with one target changed.
    let net = temp_file("ad-exhaustive", "net.json", NET);
    let mut targets = String::new();
    for (x, e) in xs.iter().zip(&expected) {
        targets.push_str(&format!(
            "{} {} {}\n",
            line(&f, &[*x]),
            line(&f, &e.value),
            line(&f, &e.gradient)
        ));
    }
    let file = temp_file("ad-exhaustive", "targets.txt", &targets);
    let out = fpx(&["net", "check", "--net", &net, "--targets", &file, "--out-grad", SEED], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "254 passed, 0 failed\n");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<String> = targets.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[100].split(' ').map(str::to_string).collect();
    let g_bits = u128::from_str_radix(&fields[3], 16).expect("hex") ^ 1;
    let wrong = format_bits(&f, g_bits);
    let right = std::mem::replace(&mut fields[3], wrong.clone());
    lines[100] = fields.join(" ");
    let file = temp_file("ad-exhaustive", "targets_wrong.txt", &(lines.join("\n") + "\n"));
    let out = fpx(&["net", "check", "--net", &net, "--targets", &file, "--out-grad", SEED], "");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{file}:101: g*[0] expected {wrong}, got {right}\n253 passed, 1 failed\n")
    );
    assert_eq!(out.status.code(), Some(1));
    // Against itself, on the whole domain.
    let args =
        ["net", "check", "--net", &net, "--against", &net, "--all-inputs", "--out-grad", SEED];
    let out = fpx(&args, "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "254 passed, 0 failed\n");
}

#[test]
fn grad_command_on_every_encoding_matches_the_reference_and_the_snapshot() {
    let g = graph();
    let f = *g.format();
    let phi = seed(&f);
    let net = temp_file("ad-exhaustive", "net_grad.json", NET);
    let input: String = (0..=f.mask()).map(|x| format!("{}\n", format_bits(&f, x))).collect();
    let out = fpx(&["net", "grad", "--net", &net, "--out-grad", SEED], &input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 256);
    for (x, l) in (0..=f.mask()).zip(&lines) {
        let got: Vec<u128> =
            l.split(' ').map(|t| u128::from_str_radix(t, 16).expect("hex")).collect();
        let e = reference(&g, &phi, x);
        let want: Vec<u128> = e.value.iter().chain(&e.gradient).copied().collect();
        assert!(same_all(&[f; 3], &got, &want), "x = {x:02X}: {l} against {want:02X?}");
    }
    let report: String =
        (0..=f.mask()).zip(&lines).map(|(x, l)| format!("{} {l}\n", format_bits(&f, x))).collect();
    assert_golden!("ad_exhaustive_e4m3fn", report);
}
