//! Differential fuzzing of the arithmetic: a random format, operation and operands through
//! fpcore's fast path against its reference path (every format), and against SoftFloat and
//! APFloat wherever they cover the format, results and flags; known divergences are named.
#![no_main]

use fpcore::{reference, Env, Format, NanPolicy, OverflowPolicy, Rounded, Tininess};
use fpref::divergence::{explain, Case};
use fpref::{ApFloat, Backend, Op, SoftFloat};
use libfuzzer_sys::fuzz_target;

const FORMATS: &[&str] = &[
    "binary16", "bf16", "binary32", "binary64", "binary128", "e5m2", "e4m3fn", "e4m3fnuz",
    "e5m2fnuz", "e2m1fn", "e2m3fn", "e3m2fn", "e3m4", "e2m5", "e6m9", "e10m20",
    "p=1,emin=-5,emax=6", "p=4,emin=-6,emax=8", "p=30,emin=-200,emax=100",
    "p=62,emin=-1000,emax=1000", "p=63,emin=-1000,emax=1000", "p=100,emin=-20000,emax=20000",
];

fn take(data: &mut &[u8], n: usize) -> u128 {
    let mut v = 0u128;
    for _ in 0..n {
        let (first, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        v = (v << 8) | u128::from(first);
        *data = rest;
    }
    v
}

fn fpcore_op(env: &Env, fmt: &Format, op: u8, o: &[u128; 3]) -> (Rounded<u128>, Rounded<u128>, Op) {
    match op % 6 {
        0 => (fpcore::add(env, fmt, o[0], o[1]), reference::add(env, fmt, o[0], o[1]), Op::Add),
        1 => (fpcore::sub(env, fmt, o[0], o[1]), reference::sub(env, fmt, o[0], o[1]), Op::Sub),
        2 => (fpcore::mul(env, fmt, o[0], o[1]), reference::mul(env, fmt, o[0], o[1]), Op::Mul),
        3 => (fpcore::div(env, fmt, o[0], o[1]), reference::div(env, fmt, o[0], o[1]), Op::Div),
        4 => (fpcore::sqrt(env, fmt, o[0]), reference::sqrt(env, fmt, o[0]), Op::Sqrt),
        _ => (fpcore::fma(env, fmt, o[0], o[1], o[2]), reference::fma(env, fmt, o[0], o[1], o[2]), Op::Fma),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let selector = take(&mut data, 3) as u32;
    let fmt = Format::parse(FORMATS[(selector as usize) % FORMATS.len()]).expect("listed formats parse");
    let op = ((selector >> 8) & 0xff) as u8;
    let env = Env {
        tininess: if selector & (1 << 16) == 0 { Tininess::AfterRounding } else { Tininess::BeforeRounding },
        nan: if selector & (1 << 17) == 0 { NanPolicy::Canonical } else { NanPolicy::X86Sse },
        overflow: if selector & (1 << 18) == 0 { OverflowPolicy::Ieee } else { OverflowPolicy::Saturate },
        ..Env::default()
    };
    let width = fmt.bits().div_ceil(8) as usize;
    let operands = [take(&mut data, width) & fmt.mask(), take(&mut data, width) & fmt.mask(), take(&mut data, width) & fmt.mask()];
    let (fast, slow, backend_op) = fpcore_op(&env, &fmt, op, &operands);
    assert_eq!(fast, slow, "{fmt} op {} {operands:x?} {env:?}: fast vs reference", op % 6);
    // The backends round to nearest with IEEE overflow; SoftFloat's NaNs are x86's.
    if env.overflow != OverflowPolicy::Ieee {
        return;
    }
    let args = &operands[..backend_op.arity()];
    let backends: [(&dyn Backend, NanPolicy); 2] =
        [(&SoftFloat::new(env.tininess), NanPolicy::X86Sse), (&ApFloat, NanPolicy::Canonical)];
    for (backend, nan) in backends {
        if env.nan != nan {
            continue;
        }
        let Some(theirs) = backend.eval(&fmt, &backend_op, args) else { continue };
        if (fast.value, fast.flags) == theirs {
            continue;
        }
        let case = Case {
            fmt: &fmt,
            op: &backend_op,
            operands: args,
            tininess: env.tininess,
            reference: (fast.value, fast.flags),
            backend: theirs,
        };
        assert!(
            explain(backend.name(), &case).is_some(),
            "{} {fmt} {backend_op:?} {args:x?}: fpcore {:#x} {} vs {:#x} {}",
            backend.name(), fast.value, fast.flags, theirs.0, theirs.1
        );
    }
});
