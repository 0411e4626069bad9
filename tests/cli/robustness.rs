//! Bad input never panics, hangs or exhausts memory: random bytes and random mutations of valid
//! inputs go to every parser (format names, numbers, protocol lines, network files, safetensors
//! files); absurd declared sizes and endless lines fail fast with bounded memory; and the same
//! workload gives byte-identical output with 1 and with 2 threads.

use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::process::Command;

use fpcore::{Env, Format};
use fpnet::file::{load_file, load_str, LoadOptions};
use fporacle::lines::LineReader;
use fporacle::oracle::{Oracle, VerifyOptions};
use fporacle::protocol::{Notation, Op};

use crate::support::{cli, SplitMix};

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    cli::scratch(&format!("robust-{name}"))
}

/// A copy of `bytes` with a few random edits: byte flips, deletions, insertions of
/// structure characters and duplicated spans.
fn mutate(bytes: &[u8], rng: &mut SplitMix) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let edits = 1 + rng.next_u64() % 4;
    for _ in 0..edits {
        if out.is_empty() {
            out.push(b'{');
        }
        let at = (rng.next_u64() as usize) % out.len();
        match rng.next_u64() % 5 {
            0 => out[at] = rng.next_u64() as u8,
            1 => {
                out.remove(at);
            }
            2 => {
                let pick = b"{}[]\",:-0123456789.e+x@\\ ";
                out.insert(at, pick[(rng.next_u64() as usize) % pick.len()]);
            }
            3 => {
                let end = (at + 1 + (rng.next_u64() as usize) % 16).min(out.len());
                let span = out[at..end].to_vec();
                out.splice(at..at, span);
            }
            _ => out.truncate(at),
        }
    }
    out
}

#[test]
fn random_text_to_every_text_parser_is_an_error_or_a_value() {
    let mut rng = SplitMix::new(0xBAD);
    let env = Env::default();
    let formats: Vec<Format> = ["binary16", "binary128", "e4m3fn", "e2m1fn", "p=1,emin=-3,emax=3"]
        .iter()
        .map(|n| Format::parse(n).expect("named"))
        .collect();
    let seeds = [
        "binary32",
        "e4m3fnuz",
        "p=4,emin=-6,emax=8",
        "0x1.8p+3",
        "-1e-400",
        "inf",
        "7FC0",
        "3.14159",
    ];
    for i in 0..60_000u32 {
        let bytes: Vec<u8> = if i % 2 == 0 {
            (0..(rng.next_u64() % 24)).map(|_| rng.next_u64() as u8).collect()
        } else {
            mutate(seeds[i as usize % seeds.len()].as_bytes(), &mut rng)
        };
        let text = String::from_utf8_lossy(&bytes);
        let _ = Format::parse(&text);
        let fmt = &formats[i as usize % formats.len()];
        let _ = fpcore::text::parse_value(&env, fmt, &text);
        let _ = fpcore::text::parse_hexfloat(&env, fmt, &text);
        let _ = fpcore::text::bits::parse_bits(fmt, &text);
        let _ = fporacle::expr::eval_expression(&env, fmt, &text);
    }
}

#[test]
fn random_protocol_input_is_an_error_or_a_result() {
    let mut rng = SplitMix::new(0x1_0000);
    let valid = "3C00 3C00 4000 00\n7C00 FC00 7E00 10\n0001 8001 0000 00\n".as_bytes();
    for i in 0..3_000u32 {
        let input = if i % 3 == 0 {
            (0..(rng.next_u64() % 200)).map(|_| rng.next_u64() as u8).collect()
        } else {
            mutate(valid, &mut rng)
        };
        for (format, op) in [("binary16", "add"), ("binary16", "cvt:e4m3fn"), ("binary16", "gelu")]
        {
            let oracle = Oracle {
                env: Env::default(),
                fmt: Format::parse(format).expect("named"),
                op: Op::parse(op).expect("op"),
                notation: if i % 2 == 0 { Notation::Bits } else { Notation::Text },
            };
            let _ = oracle.batch("fuzz", input.as_slice(), std::io::sink());
            let _ =
                oracle.verify(&VerifyOptions::default(), "fuzz", input.as_slice(), std::io::sink());
        }
    }
}

#[test]
fn mutated_network_files_load_or_fail_cleanly() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sources =
        vec![std::fs::read(root.join("examples/nets/tiny_bf16.json")).expect("example")];
    for case in ["tiny_bf16", "orders_bf16", "mixed_e4m3fn"] {
        sources.push(
            std::fs::read(root.join("golden/nets").join(case).join("net.json"))
                .expect("golden net"),
        );
    }
    let mut rng = SplitMix::new(0x7E7);
    let mut loaded = 0;
    for i in 0..20_000usize {
        let bytes = mutate(&sources[i % sources.len()], &mut rng);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(model) = load_str(&text, &LoadOptions::default()) {
            loaded += 1;
            // Whatever loads also evaluates, on any input of the right width.
            let graph = &model.graph;
            let fmt = graph.output_format();
            let width = graph.input_width();
            let x: Vec<u128> =
                (0..width).map(|_| u128::from(rng.next_u64()) & fmt.mask()).collect();
            let interp = fpnet::interp::Interpreter::new(graph, Env::default());
            let _ = interp.eval(&x);
        }
    }
    assert!(loaded > 0, "some mutations keep the file valid");
}

/// A safetensors file whose header claims a tensor of 2^40 elements, and random mutations of a
/// valid header, fail quickly without allocating what they claim.
#[test]
fn safetensors_headers_that_lie_are_refused() {
    let dir = scratch("safetensors");
    let net = r#"{"format": "binary32", "inputs": 2, "tensors": "t.safetensors",
        "layers": [{"affine": {"weights": "@w", "bias": "@b"}}]}"#;
    let write = |header: &str, data_len: usize| {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend(std::iter::repeat_n(0u8, data_len));
        std::fs::write(dir.join("t.safetensors"), bytes).expect("write");
        std::fs::write(dir.join("net.json"), net).expect("write");
        load_file(&dir.join("net.json"), &LoadOptions::default())
    };
    let huge = r#"{"w":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let start = std::time::Instant::now();
    let e = write(huge, 16).expect_err("a 2^40-element tensor cannot load");
    assert!(start.elapsed().as_secs() < 5, "refused quickly");
    assert!(!e.to_string().is_empty());
    let valid = r#"{"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#;
    assert!(write(valid, 12).is_ok(), "the unmutated file loads");
    let mut rng = SplitMix::new(0x5AFE);
    for _ in 0..2_000 {
        let header = String::from_utf8_lossy(&mutate(valid.as_bytes(), &mut rng)).into_owned();
        let _ = write(&header, (rng.next_u64() % 40) as usize);
    }
    // A header length field far beyond the file.
    let mut bytes = u64::MAX.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    std::fs::write(dir.join("t.safetensors"), bytes).expect("write");
    assert!(load_file(&dir.join("net.json"), &LoadOptions::default()).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// An endless line (a stream of digits with no newline) is refused after 1 MiB, whatever the
/// stream's length: memory stays bounded.
#[test]
fn an_endless_line_is_refused_after_the_limit() {
    let endless = BufReader::new(std::io::repeat(b'7').take(1 << 34));
    let mut reader = LineReader::new(endless);
    let e = reader.next_line().expect_err("no line ends");
    assert!(e.to_string().contains("longer than"), "{e}");
}

/// The same network run over every binary16 input gives the same bytes with 1 and 2 threads.
#[test]
fn output_is_identical_with_one_and_two_threads() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = scratch("threads");
    let net = dir.join("net.json");
    std::fs::write(
        &net,
        r#"{"format": "binary16", "inputs": 1, "layers": [
            {"affine": {"weights": [["0.1"], ["-3"], ["7.5"]], "bias": ["0.25", "1", "-2"]}},
            {"activation": "gelu"},
            {"affine": {"weights": [["1", "-0.5", "0.125"]], "bias": ["0"]}},
            {"activation": "tanh"}]}"#,
    )
    .expect("write");
    let run = |threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_fpx"))
            .args(["net", "eval", "--all-inputs", "--net"])
            .arg(&net)
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(&root)
            .output()
            .expect("run fpx");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    let two = run("2");
    assert!(one.len() > 60_000 * 8, "every input is printed");
    assert!(one == two, "1 and 2 threads differ");
    let _ = std::fs::remove_dir_all(&dir);
}
