//! The vector files shipped under examples/vectors are SoftFloat's answers: this test rebuilds
//! each file from SoftFloat (operands from a fixed generator plus an edge-case cross product)
//! and requires the committed file to match byte for byte, then runs `fpx verify` on it.
//! `FPX_REGEN_VECTORS=1` rewrites the files.

use std::path::PathBuf;

use fpcore::Format;
use fpref::{Backend, Op, SoftFloat};

use crate::support::cli::{fpx, stdout};
use crate::support::{edge_values, SplitMix};

/// (file stem, format, op)
const FILES: &[(&str, &str, &str)] = &[
    ("binary16_mul", "binary16", "mul"),
    ("binary32_add", "binary32", "add"),
    ("binary64_div", "binary64", "div"),
    ("binary32_fma", "binary32", "fma"),
    ("binary16_sqrt", "binary16", "sqrt"),
    ("binary128_sub", "binary128", "sub"),
];

fn op_of(name: &str) -> Op {
    match name {
        "add" => Op::Add,
        "sub" => Op::Sub,
        "mul" => Op::Mul,
        "div" => Op::Div,
        "sqrt" => Op::Sqrt,
        "fma" => Op::Fma,
        _ => panic!("unknown op {name}"),
    }
}

/// Edge values of a format: zeros, subnormal ends, normal ends, one and neighbours, infinity,
/// quiet and signaling NaN, each with both signs.
fn edges(fmt: &Format) -> Vec<u128> {
    edge_values(fmt, 0, 1)
}

fn generate(fmt: &Format, op: &Op) -> String {
    let sf = SoftFloat::default();
    let mut rng = SplitMix::new(0xF0F0 + u64::from(fmt.bits()));
    let e = edges(fmt);
    let mut cases: Vec<Vec<u128>> = Vec::new();
    match op.arity() {
        1 => cases.extend(e.iter().map(|a| vec![*a])),
        2 => {
            for a in &e {
                for b in &e {
                    cases.push(vec![*a, *b]);
                }
            }
        }
        _ => {
            for a in e.iter().step_by(3) {
                for b in e.iter().step_by(2) {
                    cases.push(vec![*a, *b, e[cases.len() % e.len()]]);
                }
            }
        }
    }
    let random = |rng: &mut SplitMix| rng.next_u128() & fmt.mask();
    for _ in 0..1500 {
        cases.push((0..op.arity()).map(|_| random(&mut rng)).collect());
    }
    let digits = fmt.hex_digits();
    let mut out = String::new();
    for operands in cases {
        let (r, flags) = sf.eval(fmt, op, &operands).expect("SoftFloat has this format");
        for v in &operands {
            out.push_str(&format!("{v:0digits$X} "));
        }
        out.push_str(&format!("{r:0digits$X} {:02x}\n", flags.bits()));
    }
    out
}

fn path(stem: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/vectors").join(format!("{stem}.tv"))
}

#[test]
fn shipped_vector_files_are_softfloat_answers() {
    let regen = std::env::var_os("FPX_REGEN_VECTORS").is_some();
    for (stem, fmt, op) in FILES {
        let fmt = Format::parse(fmt).expect("named");
        let expected = generate(&fmt, &op_of(op));
        let file = path(stem);
        if regen {
            std::fs::write(&file, &expected).expect("write vectors");
        }
        let committed = std::fs::read_to_string(&file).expect("shipped vector file");
        assert!(committed == expected, "{} differs from SoftFloat's answers", file.display());
    }
}

#[test]
fn fpx_verify_passes_every_shipped_vector_file() {
    for (stem, fmt, op) in FILES {
        let file = path(stem).display().to_string();
        let out = fpx(&["verify", "--format", fmt, "--op", op, "--input", &file], "");
        let stdout = stdout(&out);
        let lines = std::fs::read_to_string(path(stem)).expect("vectors").lines().count();
        assert!(out.status.success(), "{stem}: {stdout}");
        assert_eq!(stdout.trim_end(), format!("{lines} passed, 0 failed"), "{stem}");
    }
}
