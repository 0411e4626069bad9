//! fpconstruct's networks (the paper's Theorem 1): on bf16, binary16, e4m3fn and binary32
//! domains with random full-range targets and edge values, under phi' = 1, y and y ⊖ 3,
//! - every accepted point gives its y* and g* exactly (fpad), and so do an independent
//!   backpropagation over APFloat and SoftFloat on smaller constructions;
//! - f1 alone gives y* with gradient +0, f2 alone +0 with gradient g*;
//! - rejected points of the domain give +0 and +0, and each rejection's reason is checked
//!   against an independent computation of its condition;
//! - no forward or backward step overflows or is invalid anywhere on the domain;
//! - relu'(0) = 1 is refused, and f1's terms first give a mismatch on a crafted case.

mod support;

use std::path::PathBuf;
use std::process::Command;

use fpad::{Ad, BatchOptions, Loss, OutputGradient};
use fpconstruct::{construct, ConstructError, Construction, Options, Reason, Status, Target};
use fpcore::{Env, Flags, Format};
use fpnet::Graph;
use fpref::{ApFloat, SoftFloat};
use support::{Draw, Reference, SplitMix as Gen};

fn fmt(name: &str) -> Format {
    Format::parse(name).expect("named format")
}

fn value(f: &Format, v: u128) -> f64 {
    fpcore::to_f64(&Env::default(), f, v).value
}

/// A random finite value of any magnitude (every encoding equally likely), or an edge value:
/// ±largest, ±smallest subnormal, ±smallest normal, ±0, ±1.
fn target_value(g: &mut Gen, f: &Format) -> u128 {
    let one = fpcore::from_u64(&Env::default(), f, 1).value;
    let sign = g.below(2) == 1;
    let neg = |v: u128| if sign { fpcore::neg(f, v) } else { v };
    match g.below(20) {
        0 => f.max_finite(sign),
        1 => f.min_positive(sign),
        2 => neg(1u128 << f.frac_bits()),
        3 => f.zero(false),
        4 if g.below(4) == 0 => f.zero(true),
        5 => neg(one),
        _ => loop {
            let raw = u128::from(g.next_u64()) & f.mask();
            let u = f.unpack(raw);
            if !(u.is_nan() || u.is_inf() || u.is_zero() && u.sign) {
                break raw;
            }
        },
    }
}

fn targets_at(f: &Format, xs: &[u128], seed: u64) -> Vec<Target> {
    let mut g = Gen::new(seed);
    xs.iter().map(|&x| Target::one(x, target_value(&mut g, f), target_value(&mut g, f))).collect()
}

/// The three output-gradient rules of the tests.
fn rules(f: &Format) -> Vec<(&'static str, OutputGradient)> {
    let three = fpcore::from_u64(&Env::default(), f, 3).value;
    vec![
        ("one", OutputGradient::Loss(Loss::Sum)),
        ("y", OutputGradient::Identity),
        ("y-3", OutputGradient::Shift(vec![three])),
    ]
}

/// phi'(y) computed independently of fpad: 1, y, or y - 3 in binary64 rounded to the format
/// (exact here: y - 3 is exact in binary64 for every value these formats hold near 3, and
/// elsewhere the format's rounding of the binary64 result can only differ at ties that
/// binary64's own rounding created, which the magnitude checks below do not depend on).
fn phi_value(f: &Format, rule: &str, y: u128) -> f64 {
    match rule {
        "one" => 1.0,
        "y" => value(f, y),
        _ => {
            value(f, y) - rule.strip_prefix("y-").and_then(|c| c.parse::<f64>().ok()).expect("y-C")
        }
    }
}

fn is_neg_zero(f: &Format, v: u128) -> bool {
    let u = f.unpack(v);
    u.is_zero() && u.sign
}

/// Checks one construction on its whole domain (the targets' distinct finite x with
/// |x| <= Omega / 4) and every rejection's reason; returns the accepted count.
fn check(
    f: &Format,
    targets: &[Target],
    rule: &str,
    phi: &OutputGradient,
    c: &Construction,
) -> usize {
    let env = Env::default();
    let omega_quarter = value(f, f.max_finite(false)) / 4.0;
    let mut seen: Vec<f64> = Vec::new();
    let mut domain = Vec::new();
    let mut accepted = 0;
    assert_eq!(c.report.points.len(), targets.len());
    for (t, p) in targets.iter().zip(&c.report.points) {
        assert_eq!(p.target, *t);
        let (tx, tg) = (t.x[0], t.g[0]);
        let x = value(f, tx);
        let duplicate = seen.contains(&x);
        let out_of_range = x.abs() > omega_quarter;
        if !duplicate && !out_of_range {
            seen.push(x);
            domain.push((t, p));
        }
        let reasons = match &p.status {
            Status::Accepted { .. } => {
                assert!(!duplicate && !out_of_range, "x = {tx:#x} accepted");
                accepted += 1;
                continue;
            }
            Status::Rejected(r) => r.clone(),
        };
        let at = format!("{rule}: x {tx:#x} y {:#x} g {tg:#x}: {reasons:?}", t.y);
        if duplicate {
            assert_eq!(reasons, vec![Reason::DuplicatePoint], "{at}");
            continue;
        }
        if out_of_range {
            assert_eq!(reasons, vec![Reason::InputRange], "{at}");
            continue;
        }
        let definite: Vec<Reason> = [
            (is_neg_zero(f, t.y), Reason::NegativeZeroValue),
            (is_neg_zero(f, tg), Reason::NegativeZeroGradient),
        ]
        .into_iter()
        .filter_map(|(yes, r)| yes.then_some(r))
        .collect();
        if !definite.is_empty() {
            assert_eq!(reasons, definite, "{at}");
            continue;
        }
        assert_bound_reasons(f, rule, t.y, &t.g, &reasons, &at);
    }
    // The network on its domain: accepted points exact, rejected ones +0 and +0, no step
    // overflowing or invalid; f1 and f2 alone likewise.
    let xs: Vec<u128> = domain.iter().map(|(t, _)| t.x[0]).collect();
    let run = |graph: &Graph| {
        Ad::new(graph, env).batch(&xs, phi, None, None, BatchOptions::default()).expect("runs")
    };
    let whole = run(&c.graph);
    // f1 and f2 alone, each under the whole network's output gradient phi'(f(x)).
    let halves = |graph: &Graph| {
        let ad = Ad::new(graph, env);
        (0..xs.len())
            .map(|k| {
                let seed = phi.eval(&env, f, whole.output(k), None).expect("phi'").value;
                ad.gradient(&xs[k..=k], &OutputGradient::Seed(seed), None).expect("runs")
            })
            .collect::<Vec<_>>()
    };
    let (values, gradients) = (halves(&c.values), halves(&c.gradients));
    let zero = f.zero(false);
    let bad = Flags::OVERFLOW.union(Flags::INFINITE).union(Flags::INVALID);
    for (k, (t, p)) in domain.iter().enumerate() {
        let (y, g) = if p.accepted() { (t.y, t.g[0]) } else { (zero, zero) };
        let at = format!("{rule}: x {:#x} y {:#x} g {:#x}", t.x[0], t.y, t.g[0]);
        assert_eq!((whole.output(k)[0], whole.input_gradient(k)[0]), (y, g), "{at}: f");
        assert_eq!((values[k].output[0], values[k].input_gradient[0]), (y, zero), "{at}: f1");
        assert_eq!((gradients[k].output[0], gradients[k].input_gradient[0]), (zero, g), "{at}: f2");
        let (v, w) = (&values[k], &gradients[k]);
        for flags in [
            whole.flags[k],
            v.forward_flags.union(v.backward_flags),
            w.forward_flags.union(w.backward_flags),
        ] {
            assert_eq!(flags.bits() & bad.bits(), 0, "{at}: flags {flags}");
        }
    }
    accepted
}

/// Targets not excluded up front: the first of each x (by value), no -0 target.
fn reachable(f: &Format, targets: &[Target]) -> usize {
    let mut seen: Vec<f64> = Vec::new();
    let mut n = 0;
    for t in targets {
        let x = value(f, t.x[0]);
        if seen.contains(&x) {
            continue;
        }
        seen.push(x);
        n += usize::from(!is_neg_zero(f, t.y) && !is_neg_zero(f, t.g[0]));
    }
    n
}

/// The reasons that depend on phi' and the design's bounds, each against its condition
/// recomputed in binary64: phi-zero needs phi'(y*) = 0 and some g*_i != 0; phi-not-finite
/// needs |phi'(y*)| beyond the largest value; value-overflow needs |phi'(y*) y*| >=
/// 2^(2 emax - 1) (the masked product |phi'(y*) L| with L >= |y*| / 2^emax); the gradient
/// reasons need some g*_i != 0 and phi'(y*) != 0.
fn assert_bound_reasons(f: &Format, rule: &str, y: u128, g: &[u128], reasons: &[Reason], at: &str) {
    let d = phi_value(f, rule, y);
    let g_nonzero = g.iter().any(|&v| !f.unpack(v).is_zero());
    for r in reasons {
        match r {
            Reason::PhiZero => assert!(d == 0.0 && g_nonzero, "{at}"),
            Reason::PhiNotFinite => assert!(d.abs() > value(f, f.max_finite(false)), "{at}"),
            Reason::ValueOverflow => {
                let product = (d * value(f, y)).abs();
                assert!(product >= 2f64.powi(2 * f.emax() - 1), "{at}: |phi' y| = {product:e}");
            }
            Reason::GradientRange | Reason::GradientMultipliers | Reason::GradientGate => {
                assert!(g_nonzero && d != 0.0, "{at}");
            }
            other => panic!("{at}: unexpected reason {other:?}"),
        }
    }
}

fn build(f: &Format, targets: &[Target], phi: &OutputGradient) -> Construction {
    construct(f, targets, phi, &Options::default()).expect("builds")
}

fn window(start: u128, n: u128) -> Vec<u128> {
    (start..start + n).collect()
}

/// The finite values of a 16-bit format with |x| <= Omega / 4, drawn at random.
fn spread(f: &Format, n: usize, seed: u64) -> Vec<u128> {
    let mut g = Gen::new(seed);
    let limit = value(f, f.max_finite(false)) / 4.0;
    let mut out = Vec::new();
    while out.len() < n {
        let x = u128::from(g.next_u64()) & f.mask();
        let u = f.unpack(x);
        if !u.is_nan() && !u.is_inf() && value(f, x).abs() <= limit && !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn sixteen_bit_domains(name: &str, seed: u64) {
    let f = fmt(name);
    let sign = 1u128 << 15;
    let domains = [
        ("256 consecutive", window(0x3f80, 256)),
        // 128 negative and 128 positive values around 0 (both zeros: one point).
        ("subnormal window", (1..=127).rev().map(|v| sign | v).chain(window(0, 129)).collect()),
        ("wide spread", spread(&f, 256, seed)),
    ];
    for (label, xs) in domains {
        for (rule, phi) in rules(&f) {
            let targets = targets_at(&f, &xs, seed ^ xs[0] as u64);
            let c = build(&f, &targets, &phi);
            let accepted = check(&f, &targets, rule, &phi, &c);
            let possible = reachable(&f, &targets);
            println!("{name} {label} phi' = {rule}: {accepted} of {possible} accepted");
            if rule == "one" && label != "wide spread" {
                assert_eq!(accepted, possible, "{name} {label}: every reachable target is met");
            } else {
                assert!(
                    accepted * 4 >= possible * 3,
                    "{name} {label} {rule}: {accepted} of {possible}"
                );
            }
        }
    }
}

#[test]
fn bfloat16_domains() {
    sixteen_bit_domains("bfloat16", 0xBF16);
}

#[test]
fn binary16_domains() {
    sixteen_bit_domains("binary16", 0xF16);
}

#[test]
fn e4m3fn_every_value_up_to_112() {
    let f = fmt("e4m3fn");
    let xs: Vec<u128> =
        (0..=0xFFu128).filter(|&x| !f.unpack(x).is_nan() && value(&f, x).abs() <= 112.0).collect();
    assert_eq!(xs.len(), 222, "221 points, +0 and -0 being one");
    for (rule, phi) in rules(&f) {
        let targets = targets_at(&f, &xs, 0xE4);
        let c = build(&f, &targets, &phi);
        let accepted = check(&f, &targets, rule, &phi, &c);
        println!("e4m3fn |x| <= 112, phi' = {rule}: {accepted} of 221 accepted");
        assert!(accepted * 4 >= 221 * 3, "{rule}: {accepted}");
    }
}

#[test]
fn binary32_window() {
    let f = fmt("binary32");
    let xs: Vec<u128> = window(0x3F7F_FFE0, 64).into_iter().chain(window(1, 16)).collect();
    for (rule, phi) in rules(&f) {
        let targets = targets_at(&f, &xs, 0xF32);
        let c = build(&f, &targets, &phi);
        let accepted = check(&f, &targets, rule, &phi, &c);
        println!("binary32 window, phi' = {rule}: {accepted} of 80 accepted");
        if rule == "one" {
            assert_eq!(accepted, reachable(&f, &targets));
        }
    }
}

/// The network as an independent backpropagation (APFloat, and SoftFloat where it has the
/// format; dense loops, no zero skipping) computes it: the targets at accepted points.
#[test]
fn independent_backends_agree() {
    let softfloat = SoftFloat::default();
    for (name, start) in [("bfloat16", 0x4100u128), ("binary16", 0x0200)] {
        let f = fmt(name);
        let xs = window(start, 24);
        for (rule, phi) in rules(&f) {
            let targets = targets_at(&f, &xs, 0xAB);
            let c = build(&f, &targets, &phi);
            check(&f, &targets, rule, &phi, &c);
            let mut backends: Vec<Reference> =
                vec![Reference { backend: &ApFloat, env: Env::default(), flags: Flags::NONE }];
            if name == "binary16" {
                backends.push(Reference {
                    backend: &softfloat,
                    env: Env::default(),
                    flags: Flags::NONE,
                });
            }
            let mut checked = 0;
            for p in c.report.points.iter().filter(|p| p.accepted()) {
                for reference in &mut backends {
                    let s = reference.sample(&c.graph, &p.target.x, &phi, &[]);
                    assert_eq!(s.output, vec![p.target.y], "{name} {rule} x {:#x}", p.target.x[0]);
                    assert_eq!(
                        s.input_gradient, p.target.g,
                        "{name} {rule} x {:#x}",
                        p.target.x[0]
                    );
                    checked += 1;
                }
            }
            assert!(checked >= 20, "{name} {rule}: {checked}");
        }
    }
}

#[test]
fn relu_derivative_one_at_zero_is_refused() {
    let f = fmt("bfloat16");
    let targets = targets_at(&f, &window(0x3f80, 8), 1);
    let one = fpcore::from_u64(&Env::default(), &f, 1).value;
    let options = Options { kink: one, ..Options::default() };
    let e =
        construct(&f, &targets, &OutputGradient::Loss(Loss::Sum), &options).expect_err("refused");
    assert!(e.to_string().contains("relu'(0)"), "{e}");
}

/// With f1's terms first, (y ⊕ a ⊗ V) ⊕ (-a) ⊗ V loses y when a ⊗ V is large: a small y*
/// with a large g* at phi' = 1 shows it.
#[test]
fn f1_terms_first_give_a_mismatch() {
    let f = fmt("binary16");
    let env = Env::default();
    let small = fpcore::text::parse_value(&env, &f, "0x1p-14").expect("literal").value;
    let large = fpcore::text::parse_value(&env, &f, "60000").expect("literal").value;
    let targets: Vec<Target> =
        window(0x3c00, 8).into_iter().map(|x| Target::one(x, small, large)).collect();
    let phi = OutputGradient::Loss(Loss::Sum);
    let right = build(&f, &targets, &phi);
    assert_eq!(check(&f, &targets, "one", &phi, &right), 8);
    let options = Options { f1_first: true, ..Options::default() };
    let wrong = construct(&f, &targets, &phi, &options).expect("builds");
    let xs: Vec<u128> = targets.iter().map(|t| t.x[0]).collect();
    let got = Ad::new(&wrong.graph, env)
        .batch(&xs, &phi, None, None, BatchOptions::default())
        .expect("runs");
    let mismatches = (0..xs.len()).filter(|&k| got.output(k)[0] != small).count();
    assert!(mismatches > 0, "f1 first must lose y* somewhere");
}

/// More depth lengthens every gradient chain: points out of range at depth 6 are met.
#[test]
fn more_depth_meets_more_gradients() {
    let f = fmt("bfloat16");
    let xs = window(0x3f00, 256);
    let targets = targets_at(&f, &xs, 0xDEE);
    let phi = OutputGradient::Identity;
    let c6 = build(&f, &targets, &phi);
    let a6 = check(&f, &targets, "y", &phi, &c6);
    let c8 =
        construct(&f, &targets, &phi, &Options { depth: 8, ..Options::default() }).expect("builds");
    let a8 = check(&f, &targets, "y", &phi, &c8);
    println!("depth 6: {a6}, depth 8: {a8}");
    assert!(a8 > a6, "depth 8 ({a8}) meets more than depth 6 ({a6})");
    assert_eq!(c8.report.depth, 8);
    assert_eq!(c8.report.widths.len(), 9);
}

fn fpx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fpx"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fpx-construct-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `fpx construct` then `fpx net check` with the same targets and phi': every accepted point
/// passes; the rejected ones are the only failures.
#[test]
fn command_line_construct_then_check() {
    let f = fmt("bfloat16");
    let dir = scratch("cli");
    let targets = targets_at(&f, &window(0x3f80, 64), 0xC11);
    let text: String =
        targets.iter().map(|t| format!("{:04x} {:04x} {:04x}\n", t.x[0], t.y, t.g[0])).collect();
    let (file, net, report, accepted) =
        (dir.join("t.txt"), dir.join("net.json"), dir.join("r.json"), dir.join("acc.txt"));
    std::fs::write(&file, format!("# x y* g*\n{text}")).expect("write");
    for rule in ["one", "y", "y-3"] {
        let out = fpx()
            .args(["construct", "--format", "bf16", "--targets"])
            .arg(&file)
            .arg("--out")
            .arg(&net)
            .args(["--phi", rule, "--report"])
            .arg(&report)
            .arg("--accepted")
            .arg(&accepted)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{rule}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        let n_accepted = std::fs::read_to_string(&accepted).expect("accepted").lines().count();
        assert!(stdout.contains(&format!("{n_accepted} accepted")), "{stdout}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
        assert_eq!(doc["accepted"], n_accepted);
        assert_eq!(doc["depth"], 6);
        // --strict: every literal of the written network reads back exactly.
        let check = fpx()
            .args(["net", "check", "--strict", "--net"])
            .arg(&net)
            .arg("--targets")
            .arg(&accepted)
            .args(["--phi", rule])
            .output()
            .expect("runs");
        let check_out = String::from_utf8_lossy(&check.stdout);
        assert!(check.status.success(), "{check_out}");
        assert!(check_out.ends_with(&format!("{n_accepted} passed, 0 failed\n")), "{check_out}");
        let all = fpx()
            .args(["net", "check", "--net"])
            .arg(&net)
            .arg("--targets")
            .arg(&file)
            .args(["--phi", rule])
            .output()
            .expect("runs");
        let all_out = String::from_utf8_lossy(&all.stdout);
        assert!(
            all_out.ends_with(&format!("{n_accepted} passed, {} failed\n", 64 - n_accepted)),
            "{all_out}"
        );
    }
    // Bad input: a malformed line names the file, the line and the field; exit code 2.
    std::fs::write(&file, "3f80 3f80 3f80\n3f81 zz 0\n").expect("write");
    let out = fpx()
        .args(["construct", "--format", "bf16", "--targets"])
        .arg(&file)
        .arg("--out")
        .arg(&net)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("t.txt:2") && stderr.contains("y*"), "{stderr}");
    let out = fpx()
        .args(["construct", "--format", "bf16", "--phi", "y-0.1", "--targets"])
        .arg(&file)
        .arg("--out")
        .arg(&net)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not exactly"),
        "y-0.1 is not exact in bf16"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped example: y* = tanh(x) and g* = -tanh'(x) (fpcore's correctly rounded ones,
/// checked against MPFR in tests/activations.rs) at x = k/8, every point accepted and met.
#[test]
fn shipped_tanh_example() {
    let f = fmt("bfloat16");
    let env = Env::default();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("examples/construct/tanh_flip.txt")).expect("example");
    let targets: Vec<Target> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: Vec<u128> =
                l.split_whitespace().map(|h| u128::from_str_radix(h, 16).expect("hex")).collect();
            Target::one(v[0], v[1], v[2])
        })
        .collect();
    assert_eq!(targets.len(), 33);
    for (k, t) in targets.iter().enumerate() {
        assert_eq!(value(&f, t.x[0]), (k as f64 - 16.0) / 8.0);
        assert_eq!(t.y, fpcore::act::eval(&env, &f, fpcore::act::Activation::Tanh, t.x[0]).value);
        let d = fpcore::act::deriv(&env, &f, fpcore::act::Activation::Tanh, t.x[0], 0).value;
        assert_eq!(t.g[0], fpcore::neg(&f, d));
    }
    let phi = OutputGradient::Loss(Loss::Sum);
    let c = build(&f, &targets, &phi);
    assert_eq!(check(&f, &targets, "one", &phi, &c), 33);
}

// ---------------------------------------------------------------------------------------------
// d inputs.

/// A grid of points in d dimensions (coordinates from a few consecutive encodings and a
/// stride), with random full-range targets and edge values.
fn grid_targets(f: &Format, d: usize, side: u128, start: u128, seed: u64) -> Vec<Target> {
    let mut g = Gen::new(seed);
    let n = side.pow(d as u32);
    (0..n)
        .map(|k| {
            let x: Vec<u128> = (0..d)
                .map(|i| start + (k / side.pow(i as u32) % side) * (1 + 2 * i as u128))
                .collect();
            let y = target_value(&mut g, f);
            let grad = (0..d).map(|_| target_value(&mut g, f)).collect();
            Target { x, y, g: grad }
        })
        .collect()
}

/// As `check`, for d inputs: reasons recomputed, the whole network and its halves on the
/// domain, no overflow or invalid anywhere. Returns (accepted, reachable).
fn check_nd(
    f: &Format,
    targets: &[Target],
    rule: &str,
    phi: &OutputGradient,
    c: &Construction,
) -> (usize, usize) {
    let env = Env::default();
    let mut seen: Vec<Vec<f64>> = Vec::new();
    let mut domain = Vec::new();
    let (mut accepted, mut reachable) = (0, 0);
    for (t, p) in targets.iter().zip(&c.report.points) {
        assert_eq!(p.target, *t);
        let x: Vec<f64> = t.x.iter().map(|&v| value(f, v)).collect();
        let duplicate = seen.contains(&x);
        // |x_i| <= Omega / 2^k, 2^k the least power of two >= 4d.
        let range = value(f, f.max_finite(false)) / (4 * t.x.len()).next_power_of_two() as f64;
        let out_of_range = x.iter().any(|v| v.abs() > range);
        if duplicate || out_of_range {
            let want = if duplicate { Reason::DuplicatePoint } else { Reason::InputRange };
            assert_eq!(p.status, Status::Rejected(vec![want]), "x {:x?}", t.x);
            continue;
        }
        seen.push(x);
        domain.push((t, p));
        let neg_zero = is_neg_zero(f, t.y) || t.g.iter().any(|&v| is_neg_zero(f, v));
        reachable += usize::from(!neg_zero);
        let reasons = match &p.status {
            Status::Accepted { chains, .. } => {
                accepted += 1;
                let nonzero = t.g.iter().filter(|&&v| !f.unpack(v).is_zero()).count();
                assert_eq!(chains.len(), nonzero, "one chain per nonzero gradient entry");
                continue;
            }
            Status::Rejected(r) => r.clone(),
        };
        let at = format!("{rule}: x {:x?} y {:#x} g {:x?}: {reasons:?}", t.x, t.y, t.g);
        if neg_zero {
            assert!(
                reasons
                    .iter()
                    .all(|r| matches!(r, Reason::NegativeZeroValue | Reason::NegativeZeroGradient)),
                "{at}"
            );
            continue;
        }
        assert_bound_reasons(f, rule, t.y, &t.g, &reasons, &at);
    }
    let dim = targets[0].x.len();
    let xs: Vec<u128> = domain.iter().flat_map(|(t, _)| t.x.iter().copied()).collect();
    let whole =
        Ad::new(&c.graph, env).batch(&xs, phi, None, None, BatchOptions::default()).expect("runs");
    let (ad_values, ad_gradients) = (Ad::new(&c.values, env), Ad::new(&c.gradients, env));
    let zero = f.zero(false);
    let bad = Flags::OVERFLOW.union(Flags::INFINITE).union(Flags::INVALID);
    for (k, (t, p)) in domain.iter().enumerate() {
        let (y, g) = if p.accepted() { (t.y, t.g.clone()) } else { (zero, vec![zero; dim]) };
        let at = format!("{rule}: x {:x?}", t.x);
        assert_eq!((whole.output(k)[0], whole.input_gradient(k)), (y, g.as_slice()), "{at}: f");
        assert_eq!(whole.flags[k].bits() & bad.bits(), 0, "{at}");
        let seed =
            OutputGradient::Seed(phi.eval(&env, f, whole.output(k), None).expect("phi'").value);
        let x = &xs[k * dim..(k + 1) * dim];
        let v = ad_values.gradient(x, &seed, None).expect("runs");
        let w = ad_gradients.gradient(x, &seed, None).expect("runs");
        assert_eq!((v.output[0], v.input_gradient.clone()), (y, vec![zero; dim]), "{at}: f1");
        assert_eq!((w.output[0], w.input_gradient.clone()), (zero, g), "{at}: f2");
        for flags in [v.forward_flags, v.backward_flags, w.forward_flags, w.backward_flags] {
            assert_eq!(flags.bits() & bad.bits(), 0, "{at}");
        }
    }
    (accepted, reachable)
}

#[test]
fn two_and_three_inputs() {
    for (name, start) in [("bfloat16", 0x3f80u128), ("binary16", 0x3bf0), ("e4m3fn", 0x30)] {
        let f = fmt(name);
        for (d, side) in [(2usize, 10u128), (3, 4)] {
            for (rule, phi) in rules(&f) {
                let targets = grid_targets(&f, d, side, start, 0xD0 + d as u64);
                let c = construct(&f, &targets, &phi, &Options::default()).expect("builds");
                let (accepted, reachable) = check_nd(&f, &targets, rule, &phi, &c);
                println!("{name} d = {d}, phi' = {rule}: {accepted} of {reachable} accepted");
                if rule == "one" {
                    assert_eq!(accepted, reachable, "{name} d = {d}");
                } else {
                    assert!(
                        accepted * 3 >= reachable * 2,
                        "{name} d = {d} {rule}: {accepted} of {reachable}"
                    );
                }
            }
        }
    }
}

/// An independent backprop over APFloat gives the targets at every accepted point of a 2-D
/// bf16 construction, and over SoftFloat at a binary16 one.
#[test]
fn two_inputs_independent_backends() {
    let softfloat = SoftFloat::default();
    for (name, start) in [("bfloat16", 0x4100u128), ("binary16", 0x3c00)] {
        let f = fmt(name);
        let targets = grid_targets(&f, 2, 4, start, 0x2D);
        let phi = OutputGradient::Identity;
        let c = construct(&f, &targets, &phi, &Options::default()).expect("builds");
        check_nd(&f, &targets, "y", &phi, &c);
        let mut reference = if name == "binary16" {
            Reference { backend: &softfloat, env: Env::default(), flags: Flags::NONE }
        } else {
            Reference { backend: &ApFloat, env: Env::default(), flags: Flags::NONE }
        };
        let mut checked = 0;
        for p in c.report.points.iter().filter(|p| p.accepted()) {
            let s = reference.sample(&c.graph, &p.target.x, &phi, &[]);
            assert_eq!(s.output, vec![p.target.y], "{name} x {:x?}", p.target.x);
            assert_eq!(s.input_gradient, p.target.g, "{name} x {:x?}", p.target.x);
            checked += 1;
        }
        assert!(checked >= 10, "{name}: {checked}");
    }
}

/// Duplicated vectors, mismatched lengths and the number of inputs are handled as documented.
#[test]
fn d_inputs_bad_targets() {
    let f = fmt("bfloat16");
    let mut targets = grid_targets(&f, 2, 3, 0x3f80, 1);
    let copy = targets[4].clone();
    targets.push(copy);
    let phi = OutputGradient::Loss(Loss::Sum);
    let c = construct(&f, &targets, &phi, &Options::default()).expect("builds");
    assert_eq!(c.report.points[9].status, Status::Rejected(vec![Reason::DuplicatePoint]));
    let mut short = targets.clone();
    short[2].g.pop();
    let e = construct(&f, &short, &phi, &Options::default()).expect_err("lengths differ");
    assert!(e.to_string().contains("target 3"), "{e}");
    // One input is the same entry point (d = 1); no input, or more than MAX_INPUTS, is refused.
    let one: Vec<Target> =
        targets.iter().map(|t| Target { x: vec![t.x[0]], y: t.y, g: vec![t.g[0]] }).collect();
    assert!(construct(&f, &one, &phi, &Options::default()).is_ok(), "d = 1 builds");
    for d in [0, fpconstruct::MAX_INPUTS + 1] {
        let wrong: Vec<Target> = targets
            .iter()
            .map(|t| Target { x: vec![t.x[0]; d], y: t.y, g: vec![t.g[0]; d] })
            .collect();
        let e = construct(&f, &wrong, &phi, &Options::default()).expect_err("d out of range");
        assert!(e.to_string().contains(&format!("{d} inputs")), "{e}");
    }
}

/// `fpx construct --inputs 2` then `fpx net check` on the accepted lines.
#[test]
fn command_line_two_inputs() {
    let f = fmt("binary16");
    let dir = scratch("cli2");
    let targets = grid_targets(&f, 2, 6, 0x3c00, 0xC12);
    let text: String = targets
        .iter()
        .map(|t| {
            format!("{:04x} {:04x} {:04x} {:04x} {:04x}\n", t.x[0], t.x[1], t.y, t.g[0], t.g[1])
        })
        .collect();
    let (file, net, accepted) = (dir.join("t.txt"), dir.join("net.json"), dir.join("acc.txt"));
    std::fs::write(&file, text).expect("write");
    let out = fpx()
        .args(["construct", "--format", "binary16", "--inputs", "2", "--phi", "y-3", "--targets"])
        .arg(&file)
        .arg("--out")
        .arg(&net)
        .arg("--accepted")
        .arg(&accepted)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let n = std::fs::read_to_string(&accepted).expect("accepted").lines().count();
    assert!(n > 20, "{n}");
    let check = fpx()
        .args(["net", "check", "--net"])
        .arg(&net)
        .arg("--targets")
        .arg(&accepted)
        .args(["--phi", "y-3"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&check.stdout).ends_with(&format!("{n} passed, 0 failed\n")));
    std::fs::write(&file, "3c00 3c00 3c00 3c00\n").expect("write");
    let out = fpx()
        .args(["construct", "--format", "binary16", "--inputs", "2", "--targets"])
        .arg(&file)
        .arg("--out")
        .arg(&net)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected 5 values"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// phi' given as a table (one value per y*, and +0 for the rejected points): the chains use
/// each point's own entry, and a table without +0 is refused when some point needs it.
#[test]
fn phi_table() {
    let f = fmt("binary16");
    let env = Env::default();
    let targets = targets_at(&f, &window(0x3800, 64), 0x7AB);
    let mut g = Gen::new(0x7AB1);
    let mut pairs: Vec<(u128, u128)> = Vec::new();
    for t in &targets {
        if !pairs.iter().any(|(k, _)| *k == t.y) {
            // A nonzero phi' of moderate size, different for each y.
            let v = fpcore::from_u64(&env, &f, 1 + g.below(1000)).value;
            let v = if g.below(2) == 0 { fpcore::neg(&f, v) } else { v };
            pairs.push((t.y, v));
        }
    }
    if !pairs.iter().any(|(k, _)| *k == 0) {
        pairs.push((0, fpcore::from_u64(&env, &f, 5).value));
    }
    let phi = OutputGradient::Table(pairs.clone());
    let c = build(&f, &targets, &phi);
    let xs: Vec<u128> = targets.iter().map(|t| t.x[0]).collect();
    let got =
        Ad::new(&c.graph, env).batch(&xs, &phi, None, None, BatchOptions::default()).expect("runs");
    let mut accepted = 0;
    for (k, p) in c.report.points.iter().enumerate() {
        if p.accepted() {
            accepted += 1;
            assert_eq!((got.output(k)[0], got.input_gradient(k)[0]), (p.target.y, p.target.g[0]));
            let entry = pairs.iter().find(|(key, _)| *key == p.target.y).map(|e| e.1);
            assert_eq!(p.phi, entry, "phi' is the table's entry");
        }
    }
    assert_eq!(accepted, reachable(&f, &targets));
    // Without +0 in the table, a point rejected for a -0 target has no phi' at its value +0.
    let mut with_neg_zero = targets.clone();
    with_neg_zero[3].y = f.zero(true);
    let no_zero: Vec<(u128, u128)> = pairs.iter().copied().filter(|(k, _)| *k != 0).collect();
    let e = construct(&f, &with_neg_zero, &OutputGradient::Table(no_zero), &Options::default());
    assert!(e.expect_err("phi'(+0) is needed").to_string().contains("phi'(+0)"));
}

/// In a format without infinities, phi'(y*) = y* ⊖ c that overflows saturates to the largest
/// value with the overflow flag: it counts as not finite (the backward pass would raise the
/// flag), in one and in two dimensions.
#[test]
fn saturated_phi_is_not_finite() {
    let f = fmt("e3m2fn");
    let env = Env::default();
    let lit = |t: &str| fpcore::text::parse_value(&env, &f, t).expect("literal").value;
    let phi = OutputGradient::Shift(vec![lit("28")]);
    // y* = -5: -5 - 28 overflows; y* = 1: -27 rounds to -28 without overflow.
    let xs = [lit("0.5"), lit("0.75"), lit("1")];
    let ys = [lit("-5"), lit("1"), lit("2")];
    let targets: Vec<Target> =
        xs.iter().zip(ys).map(|(&x, y)| Target::one(x, y, lit("1"))).collect();
    let c = build(&f, &targets, &phi);
    assert_eq!(c.report.points[0].status, Status::Rejected(vec![Reason::PhiNotFinite]));
    assert!(c.report.points[1].accepted() && c.report.points[2].accepted());
    let nd: Vec<Target> = targets
        .iter()
        .map(|t| Target { x: vec![t.x[0], t.x[0]], y: t.y, g: vec![t.g[0], t.g[0]] })
        .collect();
    let c = construct(&f, &nd, &phi, &Options::default()).expect("builds");
    assert_eq!(c.report.points[0].status, Status::Rejected(vec![Reason::PhiNotFinite]));
    assert!(c.report.points[1].accepted() && c.report.points[2].accepted());
}

/// d inputs: |x_i| above Omega / 2^k (2^k >= 4d) leaves the domain with input-range, so that
/// the first layer's scales stay exact; the rest builds.
#[test]
fn d_inputs_range() {
    let f = fmt("e4m3fn");
    let env = Env::default();
    let lit = |t: &str| fpcore::text::parse_value(&env, &f, t).expect("literal").value;
    // d = 2: Omega / 8 = 56. 64 is out, 56 is in.
    let targets = vec![
        Target { x: vec![lit("64"), lit("1")], y: lit("1"), g: vec![lit("1"), lit("2")] },
        Target { x: vec![lit("56"), lit("1")], y: lit("1"), g: vec![lit("1"), lit("2")] },
        Target { x: vec![lit("52"), lit("1")], y: lit("2"), g: vec![lit("3"), lit("0")] },
    ];
    let phi = OutputGradient::Loss(Loss::Sum);
    let c = construct(&f, &targets, &phi, &Options::default()).expect("builds");
    assert_eq!(c.report.points[0].status, Status::Rejected(vec![Reason::InputRange]));
    assert!(c.report.points[1].accepted() && c.report.points[2].accepted());
    assert_eq!(c.report.verified, 2);
}

/// Random constructions (nine formats, FNUZ and finite-only ones and an abstract format among
/// them; 1 to 3 inputs; up to 60 points clustered or spread, specials among the targets; every
/// phi' rule; depth 6 to 9) all build: none fails the check the builder runs on its domain
/// (which would be a `ConstructError::Verify`), and none is refused as a whole.
#[test]
fn random_constructions_pass_their_own_check() {
    let mut g = Gen::new(12345);
    let mut built = 0;
    for round in 0..400u64 {
        let name = [
            "binary16",
            "bf16",
            "e4m3fn",
            "e5m2",
            "binary32",
            "e3m2fn",
            "e5m2fnuz",
            "e4m3fnuz",
            "p=5,emin=-10,emax=12",
        ][(round % 9) as usize];
        let f = Format::parse(name).unwrap();
        let d = 1 + (g.below(3) as usize);
        let n = 1 + g.below(60) as usize;
        let phi = match g.below(3) {
            0 => OutputGradient::Loss(Loss::Sum),
            1 => OutputGradient::Identity,
            _ => OutputGradient::Shift(vec![g.value(&f, false)]),
        };
        let depth = 6 + g.below(4) as usize;
        let options = Options { depth, ..Options::default() };
        // Points clustered (consecutive encodings) or spread.
        let base = g.value(&f, false);
        let clustered = g.below(2) == 0;
        let targets: Vec<Target> = (0..n)
            .map(|_| {
                let x = (0..d)
                    .map(|_| {
                        if clustered {
                            (base + g.below(40) as u128) & f.mask()
                        } else {
                            g.value(&f, true)
                        }
                    })
                    .collect();
                let sp = g.below(4) == 0;
                let y = g.value(&f, sp);
                let gs = (0..d)
                    .map(|_| {
                        let sp = g.below(4) == 0;
                        g.value(&f, sp)
                    })
                    .collect();
                Target { x, y, g: gs }
            })
            .collect();
        let r = construct(&f, &targets, &phi, &options).map(|c| c.report.accepted());
        match r {
            Ok(_) => built += 1,
            Err(e @ ConstructError::Verify { .. }) => {
                panic!("round {round} {name} d={d} n={n} depth={depth} {phi:?}: {e}")
            }
            Err(e) => panic!("round {round} {name} d={d}: {e}"),
        }
    }
    assert_eq!(built, 400);
}

/// A case the construct fuzz target found (e3m2fn, 3 inputs, 24 points, phi' = y ⊖ 28, depth
/// 8; decoded from the bytes as the target does): it builds, and its check passes.
#[test]
fn fuzz_case_e3m2fn_three_inputs() {
    const BYTES: &[u8] = &[
        0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f,
        0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f,
        0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x01, 0x00, 0xaf, 0x37,
        0xf8, 0x6c, 0xb9, 0x07, 0x87, 0x38, 0xc3, 0x70, 0xf0, 0x7e, 0x8d, 0x3b, 0x58, 0x3b, 0xad,
        0x38, 0xc2, 0x75, 0xf3, 0x2f, 0xed, 0x05, 0x6a, 0xd6, 0xea, 0x8e, 0xec, 0xa4, 0x19, 0x2f,
        0xa1, 0x78, 0x5a, 0xb6, 0x80, 0xef, 0xf7, 0x69, 0xff, 0xff, 0xff, 0x6c, 0x81, 0x05, 0x06,
        0xad, 0x8a, 0x02, 0xf0, 0xe1, 0xe1, 0xaf, 0x37, 0xf8, 0x87, 0xb9, 0xc3, 0x07, 0x78, 0x5a,
        0xb6, 0x80, 0xef, 0xf7, 0x6c, 0x81,
    ];
    let mut at = 0;
    let mut byte = || {
        let b = BYTES.get(at).copied().unwrap_or(0);
        at += 1;
        b
    };
    let f =
        fmt(["binary16", "bf16", "e4m3fn", "e5m2", "binary32", "e3m2fn"][usize::from(byte()) % 6]);
    let d = 1 + usize::from(byte() % 3);
    let n = 1 + usize::from(byte() % 24);
    assert_eq!((f.name().as_str(), d, n), ("e3m2fn", 3, 24));
    let value = |byte: &mut dyn FnMut() -> u8| u128::from(byte()) & f.mask();
    let phi = match byte() % 3 {
        0 => OutputGradient::Loss(Loss::Sum),
        1 => OutputGradient::Identity,
        _ => OutputGradient::Shift(vec![value(&mut byte)]),
    };
    let depth = 6 + usize::from(byte() % 3);
    let targets: Vec<Target> = (0..n)
        .map(|_| {
            let x = (0..d).map(|_| value(&mut byte)).collect();
            let y = value(&mut byte);
            let g = (0..d).map(|_| value(&mut byte)).collect();
            Target { x, y, g }
        })
        .collect();
    let c = construct(&f, &targets, &phi, &Options { depth, ..Options::default() })
        .expect("builds and passes its check");
    check_nd(&f, &targets, "y-28", &phi, &c);
}
