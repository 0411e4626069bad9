//! Speed of fpcore's arithmetic against native hardware, Berkeley SoftFloat and LLVM APFloat,
//! measured in one run. Each measurement runs an operation over a batch of 256 operand tuples
//! of finite values (scalar calls, or one call of the slice kernel `fpcore::slice` over the
//! batch, with per-element flags); the summary table at the end gives ns/op and the ratios of
//! every implementation against fpcore's scalar fast path, and SoftFloat's time over the
//! slice kernel's.
//!
//! `cargo bench --bench ops` (all), `cargo bench --bench ops -- binary32` (a filter).

#![allow(clippy::float_arithmetic, reason = "the native baseline is host arithmetic")]

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::SplitMix;
use criterion::{Criterion, Throughput};
use fpcore::table8::Table8;
use fpcore::{reference, slice, Env, Flags, Format, Rounded};
use fpref::softfloat::raw;
use rustc_apfloat::ieee::{BFloat, Double, Float8E4M3FN, Float8E5M2, Half, Quad, Single};
use rustc_apfloat::{Float, Round};

const BATCH: usize = 256;
const FORMATS: [&str; 7] =
    ["binary16", "bf16", "binary32", "binary64", "binary128", "e4m3fn", "e5m2"];
const OPS: [&str; 5] = ["add", "mul", "div", "fma", "sqrt"];

/// Operand classes: `normal` keeps exponents within a quarter of the range around 1 (the
/// values networks carry; results stay normal), `finite` draws any finite pattern (products
/// and quotients then overflow or underflow about half the time).
const CLASSES: [&str; 2] = ["normal", "finite"];

/// Operands of a class (no NaN or infinity), positive for sqrt, from a fixed generator.
fn operands(fmt: &Format, op: &str, class: &str) -> Vec<[u128; 3]> {
    let mut rng = SplitMix::new(0x1234_5678_9abc_def0u64 ^ u64::from(fmt.bits()));
    let value = |rng: &mut SplitMix| loop {
        let bits = rng.next_u128() & fmt.mask();
        let bits = if op == "sqrt" { bits & (fmt.mask() >> 1) } else { bits };
        let u = fmt.unpack(bits);
        let code = (bits >> fmt.frac_bits()) & ((1u128 << fmt.exp_bits()) - 1);
        let quarter = (1u128 << fmt.exp_bits()) / 4;
        let bias = fmt.bias() as u128;
        let in_class =
            class == "finite" || (code + quarter / 2 > bias && code < bias + quarter / 2);
        if !u.is_nan() && !u.is_inf() && in_class {
            return bits;
        }
    };
    (0..BATCH).map(|_| [value(&mut rng), value(&mut rng), value(&mut rng)]).collect()
}

type Kernel = Box<dyn Fn(&[u128; 3]) -> u128>;

fn fpcore_kernel(fmt: Format, op: &str, reference_path: bool) -> Kernel {
    let env = Env::default();
    let r = |x: Rounded<u128>| x.value;
    match (op, reference_path) {
        ("add", false) => Box::new(move |o| r(fpcore::add(&env, &fmt, o[0], o[1]))),
        ("mul", false) => Box::new(move |o| r(fpcore::mul(&env, &fmt, o[0], o[1]))),
        ("div", false) => Box::new(move |o| r(fpcore::div(&env, &fmt, o[0], o[1]))),
        ("fma", false) => Box::new(move |o| r(fpcore::fma(&env, &fmt, o[0], o[1], o[2]))),
        ("sqrt", false) => Box::new(move |o| r(fpcore::sqrt(&env, &fmt, o[0]))),
        ("add", true) => Box::new(move |o| r(reference::add(&env, &fmt, o[0], o[1]))),
        ("mul", true) => Box::new(move |o| r(reference::mul(&env, &fmt, o[0], o[1]))),
        ("div", true) => Box::new(move |o| r(reference::div(&env, &fmt, o[0], o[1]))),
        ("fma", true) => Box::new(move |o| r(reference::fma(&env, &fmt, o[0], o[1], o[2]))),
        ("sqrt", true) => Box::new(move |o| r(reference::sqrt(&env, &fmt, o[0]))),
        _ => unreachable!("known op"),
    }
}

fn table_kernel(fmt: Format, op: &str) -> Option<Kernel> {
    let f: fn(&Env, &Format, u128, u128) -> Rounded<u128> = match op {
        "add" => fpcore::add,
        "mul" => fpcore::mul,
        "div" => fpcore::div,
        _ => return None,
    };
    let table = Table8::new(&Env::default(), &fmt, f)?;
    Some(Box::new(move |o| u128::from(table.get(o[0] as u8, o[1] as u8).value)))
}

/// SoftFloat's add, mul, div, sqrt and fma of one width, on operands of type `$t`.
macro_rules! softfloat_ieee {
    ($op:expr, $t:ty, $add:path, $mul:path, $div:path, $sqrt:path, $fma:path) => {
        match $op {
            "add" => Box::new(|o: &[u128; 3]| u128::from($add(o[0] as $t, o[1] as $t))) as Kernel,
            "mul" => Box::new(|o: &[u128; 3]| u128::from($mul(o[0] as $t, o[1] as $t))),
            "div" => Box::new(|o: &[u128; 3]| u128::from($div(o[0] as $t, o[1] as $t))),
            "sqrt" => Box::new(|o: &[u128; 3]| u128::from($sqrt(o[0] as $t))),
            "fma" => Box::new(|o: &[u128; 3]| u128::from($fma(o[0] as $t, o[1] as $t, o[2] as $t))),
            _ => return None,
        }
    };
}

fn softfloat_kernel(fmt: &Format, op: &str) -> Option<Kernel> {
    let w = |x: u128| -> [u64; 2] { [x as u64, (x >> 64) as u64] };
    let u = |x: [u64; 2]| u128::from(x[0]) | (u128::from(x[1]) << 64);
    Some(match (fmt.name().as_str(), op) {
        ("binary16", _) => {
            softfloat_ieee!(
                op,
                u16,
                raw::f16_add,
                raw::f16_mul,
                raw::f16_div,
                raw::f16_sqrt,
                raw::f16_fma
            )
        }
        ("binary32", _) => {
            softfloat_ieee!(
                op,
                u32,
                raw::f32_add,
                raw::f32_mul,
                raw::f32_div,
                raw::f32_sqrt,
                raw::f32_fma
            )
        }
        ("binary64", _) => {
            softfloat_ieee!(
                op,
                u64,
                raw::f64_add,
                raw::f64_mul,
                raw::f64_div,
                raw::f64_sqrt,
                raw::f64_fma
            )
        }
        ("binary128", "add") => Box::new(move |o| u(raw::f128_add(w(o[0]), w(o[1])))),
        ("binary128", "mul") => Box::new(move |o| u(raw::f128_mul(w(o[0]), w(o[1])))),
        ("binary128", "div") => Box::new(move |o| u(raw::f128_div(w(o[0]), w(o[1])))),
        ("binary128", "sqrt") => Box::new(move |o| u(raw::f128_sqrt(w(o[0])))),
        ("binary128", "fma") => Box::new(move |o| u(raw::f128_fma(w(o[0]), w(o[1]), w(o[2])))),
        _ => return None,
    })
}

fn apfloat_typed<F: Float + 'static>(op: &str) -> Option<Kernel> {
    let rn = Round::NearestTiesToEven;
    Some(match op {
        "add" => {
            Box::new(move |o| F::from_bits(o[0]).add_r(F::from_bits(o[1]), rn).value.to_bits())
        }
        "mul" => {
            Box::new(move |o| F::from_bits(o[0]).mul_r(F::from_bits(o[1]), rn).value.to_bits())
        }
        "div" => {
            Box::new(move |o| F::from_bits(o[0]).div_r(F::from_bits(o[1]), rn).value.to_bits())
        }
        "fma" => Box::new(move |o| {
            F::from_bits(o[0]).mul_add_r(F::from_bits(o[1]), F::from_bits(o[2]), rn).value.to_bits()
        }),
        _ => return None,
    })
}

fn apfloat_kernel(fmt: &Format, op: &str) -> Option<Kernel> {
    match fmt.name().as_str() {
        "binary16" => apfloat_typed::<Half>(op),
        "bfloat16" => apfloat_typed::<BFloat>(op),
        "binary32" => apfloat_typed::<Single>(op),
        "binary64" => apfloat_typed::<Double>(op),
        "binary128" => apfloat_typed::<Quad>(op),
        "e4m3fn" => apfloat_typed::<Float8E4M3FN>(op),
        "e5m2" => apfloat_typed::<Float8E5M2>(op),
        _ => None,
    }
}

/// The host's add, mul, div, sqrt and fma on `$t` (f32 or f64), whose bits are `$bits`.
macro_rules! native_ieee {
    ($op:expr, $t:ty, $bits:ty) => {{
        let f = |x: u128| <$t>::from_bits(x as $bits);
        Some(match $op {
            "add" => {
                Box::new(move |o: &[u128; 3]| u128::from((f(o[0]) + f(o[1])).to_bits())) as Kernel
            }
            "mul" => Box::new(move |o: &[u128; 3]| u128::from((f(o[0]) * f(o[1])).to_bits())),
            "div" => Box::new(move |o: &[u128; 3]| u128::from((f(o[0]) / f(o[1])).to_bits())),
            "sqrt" => Box::new(move |o: &[u128; 3]| u128::from(f(o[0]).sqrt().to_bits())),
            "fma" => Box::new(move |o: &[u128; 3]| {
                u128::from(f(o[0]).mul_add(f(o[1]), f(o[2])).to_bits())
            }),
            _ => return None,
        })
    }};
}

/// Host arithmetic: f32/f64 directly; binary16 and bfloat16 through f32 with the `half`
/// crate's conversions (exact for these operations since 24 >= 2p + 2).
fn native_kernel(fmt: &Format, op: &str) -> Option<Kernel> {
    fn via_f32(op: &str, to: fn(u16) -> f32, from: fn(f32) -> u16) -> Option<Kernel> {
        Some(match op {
            "add" => Box::new(move |o| u128::from(from(to(o[0] as u16) + to(o[1] as u16)))),
            "mul" => Box::new(move |o| u128::from(from(to(o[0] as u16) * to(o[1] as u16)))),
            "div" => Box::new(move |o| u128::from(from(to(o[0] as u16) / to(o[1] as u16)))),
            "sqrt" => Box::new(move |o| u128::from(from(to(o[0] as u16).sqrt()))),
            _ => return None,
        })
    }
    match (fmt.name().as_str(), op) {
        ("binary16", _) => {
            via_f32(op, |b| half::f16::from_bits(b).to_f32(), |x| half::f16::from_f32(x).to_bits())
        }
        ("bfloat16", _) => via_f32(
            op,
            |b| half::bf16::from_bits(b).to_f32(),
            |x| half::bf16::from_f32(x).to_bits(),
        ),
        ("binary32", _) => native_ieee!(op, f32, u32),
        ("binary64", _) => native_ieee!(op, f64, u64),
        _ => None,
    }
}

const IMPLS: [&str; 7] =
    ["fpcore", "fpcore-slice", "fpcore-table", "reference", "native", "softfloat", "apfloat"];

/// One call of the slice kernel over a whole batch, with per-element flags.
fn slice_batch(fmt: &Format, op: &str, data: &[[u128; 3]]) -> u128 {
    let env = Env::default();
    let column = |k: usize| data.iter().map(|o| o[k]).collect::<Vec<u128>>();
    let (a, b, c) = (column(0), column(1), column(2));
    let mut out = [0u128; BATCH];
    let mut flags = [Flags::NONE; BATCH];
    let (out, fl) = (&mut out[..data.len()], Some(&mut flags[..data.len()]));
    let r = match op {
        "add" => slice::add(&env, fmt, &a, &b, out, fl),
        "mul" => slice::mul(&env, fmt, &a, &b, out, fl),
        "div" => slice::div(&env, fmt, &a, &b, out, fl),
        "sqrt" => slice::sqrt(&env, fmt, &a, out, fl),
        "fma" => slice::fma(&env, fmt, (&a, &b, &c), out, fl),
        _ => unreachable!("known op"),
    };
    r.expect("equal lengths");
    out.iter().fold(0, |acc, x| acc ^ x)
}

fn kernel(name: &str, fmt: Format, op: &str) -> Option<Kernel> {
    match name {
        "fpcore" => Some(fpcore_kernel(fmt, op, false)),
        "reference" => Some(fpcore_kernel(fmt, op, true)),
        "fpcore-table" => table_kernel(fmt, op),
        "native" => native_kernel(&fmt, op),
        "softfloat" => softfloat_kernel(&fmt, op),
        "apfloat" => apfloat_kernel(&fmt, op),
        _ => None,
    }
}

fn estimate_ns(group: &str, function: &str) -> Option<f64> {
    Some(common::estimate_ns(group, function)? / BATCH as f64)
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(600))
        .sample_size(20);
    let mut ran = Vec::new();
    for name in FORMATS {
        let fmt = Format::parse(name).expect("named format");
        for (op, class) in OPS.iter().flat_map(|op| CLASSES.map(|c| (*op, c))) {
            let group_name = format!("{op}-{}-{class}", fmt.name());
            let data = operands(&fmt, op, class);
            let mut group = c.benchmark_group(&group_name);
            group.throughput(Throughput::Elements(BATCH as u64));
            let columns: Vec<[u128; 3]> = data.clone();
            group.bench_function("fpcore-slice", |b| {
                b.iter(|| slice_batch(&fmt, op, black_box(&columns)))
            });
            for imp in IMPLS {
                let Some(k) = kernel(imp, fmt, op) else { continue };
                group.bench_function(imp, |b| {
                    b.iter(|| {
                        let mut acc = 0u128;
                        for o in black_box(&data) {
                            acc ^= k(o);
                        }
                        acc
                    })
                });
            }
            group.finish();
            ran.push(group_name);
        }
    }
    c.final_summary();
    println!(
        "\nns/op (median of batch timings / {BATCH}); ratio = implementation time / fpcore time"
    );
    println!(
        "{:<24} {} {:>18}",
        "op-format-class",
        IMPLS.map(|i| format!("{i:>22}")).join(""),
        "softfloat/slice"
    );
    for group in ran {
        let base = estimate_ns(&group, "fpcore");
        let mut row = format!("{group:<24} ");
        for imp in IMPLS {
            let cell = match (estimate_ns(&group, imp), base) {
                (Some(ns), Some(b)) => format!("{ns:>9.2} ns ({:>6.2}x)", ns / b),
                _ => "-".to_string(),
            };
            row.push_str(&format!("{cell:>22}"));
        }
        let vs_slice = match (estimate_ns(&group, "softfloat"), estimate_ns(&group, "fpcore-slice"))
        {
            (Some(sf), Some(sl)) => format!("{:.2}x", sf / sl),
            _ => "-".to_string(),
        };
        println!("{row} {vs_slice:>18}");
    }
}
