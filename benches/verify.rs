//! Throughput of `fpx verify` on a 1M-line binary32 add file held in memory, against a named
//! baseline measured in the same run: reading and splitting the same lines into fields
//! without parsing or computing anything.
//!
//! `cargo bench --bench verify`.

mod common;

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use common::SplitMix;
use criterion::Throughput;
use fpcore::{Env, Format};
use fporacle::lines::LineReader;
use fporacle::oracle::{Oracle, VerifyOptions};
use fporacle::protocol::{Notation, Op};

const LINES: usize = 1_000_000;

fn vectors(fmt: &Format) -> String {
    let env = Env::default();
    let mut rng = SplitMix(0xC0FFEE);
    let mut out = String::with_capacity(LINES * 30);
    for _ in 0..LINES {
        let (a, b) = (u128::from(rng.next() as u32), u128::from(rng.next() as u32));
        let r = fpcore::add(&env, fmt, a, b);
        out.push_str(&format!("{a:08X} {b:08X} {:08X} {:02x}\n", r.value, r.flags.bits()));
    }
    out
}

fn main() {
    let fmt = Format::BINARY32;
    let data = vectors(&fmt);
    let oracle = Oracle { env: Env::default(), fmt, op: Op::Add, notation: Notation::Bits };
    let mut c = common::criterion(Duration::from_secs(5));
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
    if let (Some(base), Some(full)) = (
        common::estimate_ns("verify-binary32-add", "read-and-split"),
        common::estimate_ns("verify-binary32-add", "verify"),
    ) {
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
