//! Throughput of `fpx batch` and `fpx verify`, against named baselines measured in the same
//! run:
//!
//! 1. In memory (criterion), 1M binary32 add lines: reading and splitting the lines into
//!    fields without parsing or computing (the baseline), `verify` one line at a time
//!    ([`Oracle::verify_serial`]), and the chunked `verify` on one thread and on all.
//! 2. The `fpx` binary on 2M-line files (binary32 add, bfloat16 mul), wall time of whole
//!    processes writing to /dev/null, the median of several rounds run in turn: `cut -d' '
//!    -f1,2` over the same file (the target: at most 2x its time), `wc -l` (reading only),
//!    and `fpx batch` and `fpx verify` on all cores and on one (`RAYON_NUM_THREADS=1`).
//!
//! `cargo bench --bench verify`.

mod common;

use std::hint::black_box;
use std::io::Cursor;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::SplitMix;
use criterion::Throughput;
use fpcore::{Env, Format};
use fporacle::chunked::Chunking;
use fporacle::lines::LineReader;
use fporacle::oracle::{Oracle, VerifyOptions};
use fporacle::protocol::{Notation, Op};

/// Lines of the in-memory benchmark.
const LINES: usize = 1_000_000;
/// Lines of the files given to the binary.
const FILE_LINES: usize = 2_000_000;
/// Rounds of the process timings (the median is reported).
const ROUNDS: usize = 7;

/// `lines` verify lines `a b result flags` of random operands of `fmt`, computed by fpcore.
fn vectors(fmt: &Format, op: Op, lines: usize, seed: u64) -> String {
    let env = Env::default();
    let mut rng = SplitMix::new(seed);
    let digits = fmt.hex_digits();
    let mut out = String::with_capacity(lines * (3 * digits + 6));
    for _ in 0..lines {
        let (a, b) =
            (u128::from(rng.next_u64()) & fmt.mask(), u128::from(rng.next_u64()) & fmt.mask());
        let r = op.eval(&env, fmt, &[a, b]);
        let (value, flags) = (r.value, r.flags.bits());
        out.push_str(&format!("{a:0digits$X} {b:0digits$X} {value:0digits$X} {flags:02x}\n"));
    }
    out
}

fn in_memory() {
    let fmt = Format::BINARY32;
    let data = vectors(&fmt, Op::Add, LINES, 0xC0FFEE);
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
    let options = VerifyOptions::default();
    group.bench_function("verify-line-by-line", |b| {
        b.iter(|| {
            let lines = LineReader::new(Cursor::new(black_box(data.as_bytes())));
            let summary = oracle
                .verify_serial(&options, "bench", lines, std::io::sink())
                .expect("valid vectors");
            assert_eq!(summary.failed, 0);
            summary
        })
    });
    for (name, threads) in [("verify-chunked-1-thread", NonZeroUsize::new(1)), ("verify", None)] {
        let chunking = Chunking { threads, ..Chunking::default() };
        group.bench_function(name, |b| {
            b.iter(|| {
                let lines = LineReader::new(Cursor::new(black_box(data.as_bytes())));
                let summary = oracle
                    .verify_chunked(&options, &chunking, "bench", lines, std::io::sink())
                    .expect("valid vectors");
                assert_eq!(summary.failed, 0);
                summary
            })
        });
    }
    group.finish();
    c.final_summary();
    let estimate = |name| common::estimate_ns("verify-binary32-add", name);
    if let Some(base) = estimate("read-and-split") {
        let rate = |ns: f64| LINES as f64 / (ns * 1e-9);
        println!("\nverify in memory, 1M binary32 add lines:");
        println!("  read-and-split (baseline):  {:>12.0} lines/s", rate(base));
        for name in ["verify-line-by-line", "verify-chunked-1-thread", "verify"] {
            if let Some(ns) = estimate(name) {
                println!(
                    "  {name:<27} {:>12.0} lines/s ({:.2}x the baseline's time)",
                    rate(ns),
                    ns / base
                );
            }
        }
    }
}

/// One command of the process timings.
struct Timed {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    one_thread: bool,
    seconds: Vec<f64>,
}

impl Timed {
    fn new(name: &str, program: impl Into<PathBuf>, args: &[&str], one_thread: bool) -> Timed {
        let args = args.iter().map(|a| a.to_string()).collect();
        Timed { name: name.into(), program: program.into(), args, one_thread, seconds: Vec::new() }
    }

    fn run(&mut self) {
        let mut command = Command::new(&self.program);
        command.args(&self.args).stdin(Stdio::null()).stdout(Stdio::null());
        if self.one_thread {
            command.env("RAYON_NUM_THREADS", "1");
        }
        let start = Instant::now();
        let status = command.status().expect("the command starts");
        self.seconds.push(start.elapsed().as_secs_f64());
        assert!(status.success(), "{} failed: {status}", self.name);
    }

    fn median(&self) -> f64 {
        let mut s = self.seconds.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }
}

/// Times `cut`, `wc -l` and `fpx batch`/`fpx verify` on one format and operation.
fn processes(dir: &Path, format: &str, fmt: &Format, op: Op) {
    let verify_file = dir.join(format!("{format}_{}.tv", op.name()));
    let batch_file = dir.join(format!("{format}_{}.in", op.name()));
    let text = vectors(fmt, op, FILE_LINES, 0x5EED);
    std::fs::write(&verify_file, &text).expect("write the verify file");
    let operands: String = text
        .lines()
        .map(|line| {
            let mut fields = line.split(' ');
            format!("{} {}\n", fields.next().unwrap_or(""), fields.next().unwrap_or(""))
        })
        .collect();
    std::fs::write(&batch_file, operands).expect("write the batch file");
    let fpx = env!("CARGO_BIN_EXE_fpx");
    let op_name = op.name();
    for (command, file) in [("batch", &batch_file), ("verify", &verify_file)] {
        let file = file.to_str().expect("a UTF-8 path");
        let fpx_args = [command, "--format", format, "--op", &op_name, "--input-file", file];
        let mut timed = [
            Timed::new("cut -d' ' -f1,2", "cut", &["-d", " ", "-f1,2", file], false),
            Timed::new("wc -l (read only)", "wc", &["-l", file], false),
            Timed::new(&format!("fpx {command}"), fpx, &fpx_args, false),
            Timed::new(&format!("fpx {command}, 1 thread"), fpx, &fpx_args, true),
        ];
        for _ in 0..ROUNDS {
            for t in &mut timed {
                t.run();
            }
        }
        let cut = timed[0].median();
        let read = timed[1].median();
        println!("\nfpx {command}, 2M {format} {op_name} lines (median of {ROUNDS} rounds, wall):");
        for t in &timed {
            let s = t.median();
            println!(
                "  {:<28} {:>8.3} s  {:>6.2}x cut  {:>6.2}x wc -l",
                t.name,
                s,
                s / cut,
                s / read
            );
        }
    }
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    if wanted("verify-binary32-add") {
        in_memory();
    }
    if wanted("files") {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-verify");
        std::fs::create_dir_all(&dir).expect("create the bench directory");
        println!("\nthreads: {}", std::thread::available_parallelism().map_or(1, |n| n.get()));
        processes(&dir, "binary32", &Format::BINARY32, Op::Add);
        processes(&dir, "bf16", &Format::BF16, Op::Mul);
    }
}
