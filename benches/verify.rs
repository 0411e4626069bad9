//! Throughput of `fpx verify` on a 1M-line binary32 add file held in memory, against a named
//! baseline measured in the same run: reading and splitting the same lines into fields
//! without parsing or computing anything.
//!
//! `cargo bench --bench verify`.

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use fpcore::{Env, Format};
use fporacle::lines::LineReader;
use fporacle::oracle::{Oracle, VerifyOptions};
use fporacle::protocol::{Notation, Op};

const LINES: usize = 1_000_000;

fn vectors(fmt: &Format) -> String {
    let env = Env::default();
    let mut state = 0xC0FFEEu64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = String::with_capacity(LINES * 30);
    for _ in 0..LINES {
        let (a, b) = (u128::from(next() as u32), u128::from(next() as u32));
        let r = fpcore::add(&env, fmt, a, b);
        out.push_str(&format!("{a:08X} {b:08X} {:08X} {:02x}\n", r.value, r.flags.bits()));
    }
    out
}

fn median_ns(function: &str) -> Option<f64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/criterion/verify-binary32-add")
        .join(function)
        .join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    let fmt = Format::parse("binary32").expect("named");
    let data = vectors(&fmt);
    let oracle = Oracle { env: Env::default(), fmt, op: Op::Add, notation: Notation::Bits };
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let mut group = c.benchmark_group("verify-binary32-add");
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("read-and-split", |b| {
        b.iter(|| {
            let mut reader = LineReader::new(Cursor::new(black_box(data.as_bytes())));
            let mut fields = 0usize;
            while let Some((_, line)) = reader.next_line().expect("in-memory input") {
                fields += line.split_whitespace().count();
            }
            fields
        })
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            let summary = oracle
                .verify(
                    &VerifyOptions::default(),
                    "bench",
                    Cursor::new(black_box(data.as_bytes())),
                    std::io::sink(),
                )
                .expect("valid vectors");
            assert_eq!(summary.failed, 0);
            summary
        })
    });
    group.finish();
    c.final_summary();
    if let (Some(base), Some(full)) = (median_ns("read-and-split"), median_ns("verify")) {
        let rate = |ns: f64| LINES as f64 / (ns * 1e-9);
        println!("\nverify, 1M binary32 add lines:");
        println!("  read-and-split (baseline): {:>12.0} lines/s", rate(base));
        println!(
            "  fpx verify:                {:>12.0} lines/s ({:.2}x the baseline's time)",
            rate(full),
            full / base
        );
    }
}
