//! `fpx bench`: nanoseconds per element of one operation in one format, for fpcore's scalar
//! calls, the slice kernels on one thread and on every thread, the host's native arithmetic
//! where it exists (f32 and f64 loops; the `half` crate's f16 and bf16) and the reference
//! path, all measured in the same run over the same operands, with their ratios.

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::Args;
use fpcore::slice::{self, Bits};
use fpcore::{reference, Env, Flags, Format, Op, Rounded};
use fporacle::gen::SplitMix;

/// Options of `fpx bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// The format (any name `fpx formats` lists, `eXmY`, or `p=..,emin=..,emax=..`).
    #[arg(long)]
    pub format: String,
    /// The operation: add, sub, mul, div, sqrt or fma.
    #[arg(long)]
    pub op: String,
    /// Elements per slice.
    #[arg(long, default_value_t = 1_000_000)]
    pub n: usize,
    /// Threads of the "all threads" row (default: the machine's available parallelism).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The largest `--n` (each element holds up to six 16-byte patterns).
const MAX_N: usize = 50_000_000;

/// The reference path is timed on at most this many elements.
const REFERENCE_N: usize = 100_000;

/// The operations `fpx bench` measures: fpcore's arithmetic [`Op`]s, timed through their scalar
/// calls, their reference twins and their slice kernels.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Measured(Op);

impl Measured {
    fn parse(name: &str) -> Result<Measured> {
        let op = Op::parse(name)?;
        match op {
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Sqrt | Op::Fma => Ok(Measured(op)),
            _ => bail!("fpx bench measures add, sub, mul, div, sqrt or fma, not {name:?}"),
        }
    }

    /// The scalar fast path (`reference: false`) or the reference twin.
    fn scalar(self, env: &Env, fmt: &Format, o: [u128; 3], reference: bool) -> Rounded<u128> {
        let [a, b, c] = o;
        if !reference {
            return self.0.eval(env, fmt, &o[..self.0.arity()]);
        }
        match self.0 {
            Op::Add => reference::add(env, fmt, a, b),
            Op::Sub => reference::sub(env, fmt, a, b),
            Op::Mul => reference::mul(env, fmt, a, b),
            Op::Div => reference::div(env, fmt, a, b),
            Op::Sqrt => reference::sqrt(env, fmt, a),
            _ => reference::fma(env, fmt, a, b, c),
        }
    }

    /// The slice operation over `ops` into `out` with per-element flags.
    fn slice<T: Bits>(
        self,
        env: &Env,
        fmt: &Format,
        ops: &[Vec<T>; 3],
        out: &mut [T],
        flags: &mut [Flags],
    ) -> Result<Flags> {
        let [a, b, c] = ops;
        let flags = Some(flags);
        Ok(match self.0 {
            Op::Add => slice::add(env, fmt, a, b, out, flags),
            Op::Sub => slice::sub(env, fmt, a, b, out, flags),
            Op::Mul => slice::mul(env, fmt, a, b, out, flags),
            Op::Div => slice::div(env, fmt, a, b, out, flags),
            Op::Sqrt => slice::sqrt(env, fmt, a, out, flags),
            _ => slice::fma(env, fmt, (a, b, c), out, flags),
        }?)
    }
}

/// Runs `fpx bench`.
pub fn run(args: &BenchArgs) -> Result<std::process::ExitCode> {
    let fmt = Format::parse(&args.format).context("format")?;
    let op = Measured::parse(&args.op)?;
    ensure!((1..=MAX_N).contains(&args.n), "--n must be between 1 and {MAX_N}");
    let threads = match args.threads {
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    ensure!((1..=1024).contains(&threads), "--threads must be between 1 and 1024");
    let setup = Setup { fmt, op, n: args.n, threads };
    let table = match fmt.bits() {
        0..=8 => bench::<u8>(&setup),
        9..=16 => bench::<u16>(&setup),
        17..=32 => bench::<u32>(&setup),
        33..=64 => bench::<u64>(&setup),
        _ => bench::<u128>(&setup),
    }?;
    super::print(&table)
}

/// What one run measures.
struct Setup {
    fmt: Format,
    op: Measured,
    n: usize,
    threads: usize,
}

/// `n` finite operands with exponents within a quarter of the range around 1 (the values
/// networks carry), non-negative for sqrt.
fn operands(fmt: &Format, op: Measured, n: usize, seed: u64) -> Vec<u128> {
    let mut rng = SplitMix::new(seed);
    let quarter = (1u128 << fmt.exp_bits()) / 4;
    let bias = u128::try_from(fmt.bias()).unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let bits = rng.next_u128() & fmt.mask();
        let bits = if op.0 == Op::Sqrt { bits & (fmt.mask() >> 1) } else { bits };
        let code = (bits >> fmt.frac_bits()) & ((1u128 << fmt.exp_bits()) - 1);
        let u = fmt.unpack(bits);
        if !u.is_nan() && !u.is_inf() && code + quarter / 2 > bias && code < bias + quarter / 2 {
            out.push(bits);
        }
    }
    out
}

/// The best of three runs of `f`.
fn best_of_3(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .expect("three runs")
}

fn ns_per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e9 / n as f64
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("thread pool")
}

/// Measures every row for element type `T` and returns the table.
fn bench<T: Bits>(s: &Setup) -> Result<String> {
    let (fmt, op, n, env) = (s.fmt, s.op, s.n, Env::default());
    let wide: [Vec<u128>; 3] = [1u64, 2, 3].map(|k| operands(&fmt, op, n, 0xF00D ^ k));
    let typed: [Vec<T>; 3] = [0, 1, 2].map(|k| wide[k].iter().map(|&x| T::from_u128(x)).collect());
    let mut rows: Vec<(String, f64)> = Vec::new();

    let mut scalar_out = vec![0u128; n];
    let d = best_of_3(|| {
        for (i, o) in scalar_out.iter_mut().enumerate() {
            let operands = [wide[0][i], wide[1][i], wide[2][i]];
            *o = black_box(op.scalar(&env, &fmt, black_box(operands), false)).value;
        }
    });
    rows.push(("fpx scalar".into(), ns_per(d, n)));

    let mut out = vec![T::default(); n];
    let mut flags = vec![Flags::NONE; n];
    for (name, threads) in [
        ("fpx slice, 1 thread".to_string(), 1),
        (format!("fpx slice, {} threads", s.threads), s.threads),
    ] {
        let pool = pool(threads)?;
        let mut result = Ok(Flags::NONE);
        let d = best_of_3(|| {
            result = pool.install(|| op.slice(&env, &fmt, &typed, &mut out, &mut flags));
        });
        result?;
        rows.push((name, ns_per(d, n)));
        let agree = out.iter().zip(&scalar_out).all(|(x, &y)| x.to_u128() == y);
        ensure!(agree, "slice and scalar results differ (a bug: please report it)");
    }

    if let Some(d) = native(&fmt, op, &wide) {
        rows.push((format!("native ({})", native_name(&fmt)), ns_per(d, n)));
    }

    let m = n.min(REFERENCE_N);
    let d = best_of_3(|| {
        let columns = wide[0].iter().zip(&wide[1]).zip(&wide[2]).take(m);
        for ((&a, &b), &c) in columns {
            let _ = black_box(op.scalar(&env, &fmt, black_box([a, b, c]), true));
        }
    });
    rows.push((format!("reference ({m} elements)"), ns_per(d, m)));
    Ok(render(s, &rows))
}

/// The table: ns per element and each row's ratio to the one-thread slice and to native.
fn render(s: &Setup, rows: &[(String, f64)]) -> String {
    let base = rows[1].1;
    let native = rows.iter().find(|r| r.0.starts_with("native")).map(|r| r.1);
    let mut out = format!(
        "{} {} over {} elements (ratios: time / time of the row named)\n{:<28} {:>10} {:>16} {:>10}\n",
        s.fmt.name(),
        s.op.0.name(),
        s.n,
        "",
        "ns/elem",
        "/ slice 1 thread",
        "/ native"
    );
    for (name, ns) in rows {
        let vs_native = native.map_or("-".to_string(), |nat| format!("{:.2}", ns / nat));
        out.push_str(&format!("{name:<28} {ns:>10.3} {:>16.2} {vs_native:>10}\n", ns / base));
    }
    out
}

fn native_name(fmt: &Format) -> &'static str {
    match fmt.name().as_str() {
        "binary32" => "f32",
        "binary64" => "f64",
        "binary16" => "half::f16",
        _ => "half::bf16",
    }
}

/// The host's own arithmetic over the same operands, where the format has a host type.
fn native(fmt: &Format, op: Measured, wide: &[Vec<u128>; 3]) -> Option<Duration> {
    fn columns<T>(wide: &[Vec<u128>; 3], from: impl Fn(u128) -> T) -> [Vec<T>; 3] {
        [0, 1, 2].map(|k| wide[k].iter().map(|&x| from(x)).collect())
    }
    match fmt.name().as_str() {
        "binary32" => Some(native_typed(op, &columns(wide, |x| f32::from_bits(x as u32)))),
        "binary64" => Some(native_typed(op, &columns(wide, |x| f64::from_bits(x as u64)))),
        "binary16" if op.0 != Op::Fma => {
            Some(native_typed(op, &columns(wide, |x| half::f16::from_bits(x as u16))))
        }
        "bfloat16" if op.0 != Op::Fma => {
            Some(native_typed(op, &columns(wide, |x| half::bf16::from_bits(x as u16))))
        }
        _ => None,
    }
}

/// The host types' arithmetic: `f32` and `f64` in hardware, `half`'s types through `f32`
/// (no fma for those: it would round twice).
trait Native:
    Copy
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
{
    fn sqrt(self) -> Self;
    fn fma(self, b: Self, c: Self) -> Self;
}

#[allow(clippy::float_arithmetic, reason = "the native baseline is host arithmetic")]
mod native_impls {
    use super::Native;

    impl Native for f32 {
        fn sqrt(self) -> f32 {
            f32::sqrt(self)
        }
        fn fma(self, b: f32, c: f32) -> f32 {
            self.mul_add(b, c)
        }
    }
    impl Native for f64 {
        fn sqrt(self) -> f64 {
            f64::sqrt(self)
        }
        fn fma(self, b: f64, c: f64) -> f64 {
            self.mul_add(b, c)
        }
    }
    impl Native for half::f16 {
        fn sqrt(self) -> half::f16 {
            half::f16::from_f32(self.to_f32().sqrt())
        }
        fn fma(self, b: half::f16, c: half::f16) -> half::f16 {
            self * b + c
        }
    }
    impl Native for half::bf16 {
        fn sqrt(self) -> half::bf16 {
            half::bf16::from_f32(self.to_f32().sqrt())
        }
        fn fma(self, b: half::bf16, c: half::bf16) -> half::bf16 {
            self * b + c
        }
    }
}

/// Times `out[i] = f(a[i], b[i])` over the first two columns (as many as `ARITY` says).
fn native_loop<T: Native, const ARITY: usize>(
    v: &[Vec<T>; 3],
    f: impl Fn(T, T, T) -> T,
) -> Duration {
    let mut out = v[0].clone();
    best_of_3(|| {
        let (a, b, c) = (black_box(&v[0]), black_box(&v[1]), black_box(&v[2]));
        match ARITY {
            1 => out.iter_mut().zip(a).for_each(|(o, &x)| *o = f(x, x, x)),
            2 => out.iter_mut().zip(a).zip(b).for_each(|((o, &x), &y)| *o = f(x, y, y)),
            _ => {
                for (((o, &x), &y), &z) in out.iter_mut().zip(a).zip(b).zip(c) {
                    *o = f(x, y, z);
                }
            }
        }
        black_box(&out);
    })
}

#[allow(clippy::float_arithmetic, reason = "the native baseline is host arithmetic")]
fn native_typed<T: Native>(op: Measured, v: &[Vec<T>; 3]) -> Duration {
    match op.0 {
        Op::Add => native_loop::<T, 2>(v, |x, y, _| x + y),
        Op::Sub => native_loop::<T, 2>(v, |x, y, _| x - y),
        Op::Mul => native_loop::<T, 2>(v, |x, y, _| x * y),
        Op::Div => native_loop::<T, 2>(v, |x, y, _| x / y),
        Op::Sqrt => native_loop::<T, 1>(v, |x, _, _| x.sqrt()),
        _ => native_loop::<T, 3>(v, |x, y, z| x.fma(y, z)),
    }
}
