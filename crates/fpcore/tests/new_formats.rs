//! Every operation on the formats without an IEEE layout of their own (e4m3b11fnuz, e8m0fnu
//! and the P3109 binary8 family): the fast path against the exact reference twin on every
//! operand pair (add, sub, mul, div) and every operand (sqrt), under several environments;
//! subtraction in unsigned formats against exact comparison (a negative difference is NaN with
//! invalid); conversions through binary32 returning every value unchanged; and every
//! activation, correctly rounded and composite, on every encoding without a panic and with
//! a result inside the encoding width.

mod common;

use common::SplitMix;
use fpcore::act::{ActOp, DEFAULT_KINK};
use fpcore::format::NAMED;
use fpcore::{reference, Env, Flags, Format, NanPolicy, OverflowPolicy, Rounded, Tininess};
use num_bigint::BigInt;

fn formats() -> Vec<Format> {
    NAMED
        .iter()
        .filter(|n| n.name.starts_with("p3109") || n.name == "e8m0fnu" || n.name == "e4m3b11fnuz")
        .map(|n| n.format)
        .collect()
}

fn envs() -> [Env; 3] {
    [
        Env::default(),
        Env { tininess: Tininess::BeforeRounding, nan: NanPolicy::X86Sse, ..Env::default() },
        Env { overflow: OverflowPolicy::Saturate, ..Env::default() },
    ]
}

type Binary = fn(&Env, &Format, u128, u128) -> Rounded<u128>;

#[test]
fn arithmetic_of_new_formats_matches_the_reference() {
    let binary: [(&str, Binary, Binary); 4] = [
        ("add", fpcore::add, reference::add),
        ("sub", fpcore::sub, reference::sub),
        ("mul", fpcore::mul, reference::mul),
        ("div", fpcore::div, reference::div),
    ];
    let mut rng = SplitMix::new(15);
    for fmt in formats() {
        let n = 1u128 << fmt.bits();
        for env in envs() {
            for (name, fast, slow) in binary {
                for a in 0..n {
                    for b in 0..n {
                        let (x, y) = (fast(&env, &fmt, a, b), slow(&env, &fmt, a, b));
                        assert_eq!(x, y, "{fmt} {name} {a:#x} {b:#x} {env:?}");
                        assert_eq!(x.value & !fmt.mask(), 0, "{fmt} {name} {a:#x} {b:#x}");
                    }
                }
            }
            for a in 0..n {
                let x = fpcore::sqrt(&env, &fmt, a);
                assert_eq!(x, reference::sqrt(&env, &fmt, a), "{fmt} sqrt {a:#x} {env:?}");
            }
            for _ in 0..20_000 {
                let (a, b, c) = (rng.next_u128() % n, rng.next_u128() % n, rng.next_u128() % n);
                let x = fpcore::fma(&env, &fmt, a, b, c);
                assert_eq!(
                    x,
                    reference::fma(&env, &fmt, a, b, c),
                    "{fmt} fma {a:#x} {b:#x} {c:#x}"
                );
            }
        }
    }
}

/// The exact value of a finite encoding times 2^400 (an integer for every format here).
fn exact(fmt: &Format, bits: u128) -> Option<BigInt> {
    let u = fmt.unpack(bits);
    if u.is_zero() {
        return Some(BigInt::from(0));
    }
    let (v, exp) = reference::exact_value(fmt, bits)?;
    Some(v << usize::try_from(exp + 400).expect("exponents above -400"))
}

#[test]
fn unsigned_subtraction_is_nan_below_zero() {
    let env = Env::default();
    for fmt in formats().into_iter().filter(|f| !f.is_signed()) {
        let n = 1u128 << fmt.bits();
        let nan = fmt.canonical_nan().expect("unsigned formats have NaN");
        for a in 0..n {
            for b in 0..n {
                let (Some(x), Some(y)) = (exact(&fmt, a), exact(&fmt, b)) else { continue };
                let r = fpcore::sub(&env, &fmt, a, b);
                if x < y {
                    assert_eq!(r, Rounded::new(nan, Flags::INVALID), "{fmt} {a:#x} - {b:#x}");
                } else {
                    assert!(
                        !fmt.unpack(r.value).is_nan() || !fmt.has_zero(),
                        "{fmt} {a:#x} - {b:#x}"
                    );
                }
            }
        }
    }
}

#[test]
fn conversions_through_binary32_keep_every_value() {
    let env = Env::default();
    for fmt in formats() {
        for a in 0..1u128 << fmt.bits() {
            if fmt.unpack(a).is_nan() {
                continue;
            }
            let wide = fpcore::convert(&env, &fmt, &Format::BINARY32, a);
            assert_eq!(wide.flags, Flags::NONE, "{fmt} {a:#x}");
            let back = fpcore::convert(&env, &Format::BINARY32, &fmt, wide.value);
            assert_eq!(back, Rounded::exact(a), "{fmt} {a:#x}");
        }
    }
}

#[test]
fn activations_of_new_formats_stay_in_the_format() {
    let env = Env::default();
    for fmt in formats() {
        for a in 0..1u128 << fmt.bits() {
            for op in ActOp::all() {
                let r = op.eval(&env, &fmt, a, DEFAULT_KINK);
                assert_eq!(r.value & !fmt.mask(), 0, "{fmt} {op:?} {a:#x}");
                let r = op.eval_composite(&env, &fmt, a, DEFAULT_KINK);
                assert_eq!(r.value & !fmt.mask(), 0, "{fmt} {op:?} composite {a:#x}");
            }
        }
    }
}
