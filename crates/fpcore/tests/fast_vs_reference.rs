//! Every fast kernel against its reference twin: exhaustive over small formats, sampled wider.

mod common;

use common::{envs, Draw, SplitMix};
use fpcore::{reference, Env, Flags, Format, Rounded};

const SMALL_FORMATS: &[&str] = &[
    "e5m2",
    "e4m3fn",
    "e4m3fnuz",
    "e5m2fnuz",
    "e3m4",
    "e2m5",
    "e2m1fn",
    "e2m3fn",
    "e3m2fn",
    "p=1,emin=-3,emax=4",
    "p=4,emin=-6,emax=8",
    "p=2,emin=-2,emax=1",
];

fn describe(fmt: &Format, r: Rounded<u128>) -> String {
    format!("{:#x} [{}] ({:?})", r.value, r.flags, fmt.classify(r.value))
}

type Binary = fn(&Env, &Format, u128, u128) -> Rounded<u128>;

#[test]
fn binary_ops_small_formats_exhaustive_vs_reference() {
    let ops: [(&str, Binary, Binary); 4] = [
        ("add", fpcore::add, reference::add),
        ("sub", fpcore::sub, reference::sub),
        ("mul", fpcore::mul, reference::mul),
        ("div", fpcore::div, reference::div),
    ];
    for name in SMALL_FORMATS {
        let fmt = Format::parse(name).expect("format");
        let count = 1u128 << fmt.bits();
        for env in envs() {
            for (op, fast, slow) in ops {
                let mut mismatches = 0;
                for a in 0..count {
                    for b in 0..count {
                        let (x, y) = (fast(&env, &fmt, a, b), slow(&env, &fmt, a, b));
                        if x != y {
                            mismatches += 1;
                            if mismatches < 5 {
                                eprintln!(
                                    "{name} {op} {a:#x} {b:#x} {env:?}: fast {} reference {}",
                                    describe(&fmt, x),
                                    describe(&fmt, y)
                                );
                            }
                        }
                    }
                }
                assert_eq!(mismatches, 0, "{name} {op} {env:?}");
            }
        }
    }
}

#[test]
fn sqrt_and_fma_small_formats_exhaustive_vs_reference() {
    for name in SMALL_FORMATS {
        let fmt = Format::parse(name).expect("format");
        let count = 1u128 << fmt.bits();
        let env = Env::default();
        for a in 0..count {
            assert_eq!(
                fpcore::sqrt(&env, &fmt, a),
                reference::sqrt(&env, &fmt, a),
                "{name} sqrt {a:#x}"
            );
        }
        // fma over all triples is 2^24 for 8-bit formats: take every a, b and a stride of c.
        let stride = if fmt.bits() >= 8 { 7 } else { 1 };
        for a in 0..count {
            for b in 0..count {
                let mut c = a % stride;
                while c < count {
                    let (x, y) =
                        (fpcore::fma(&env, &fmt, a, b, c), reference::fma(&env, &fmt, a, b, c));
                    assert_eq!(x, y, "{name} fma {a:#x} {b:#x} {c:#x}");
                    c += stride;
                }
            }
        }
    }
}

#[test]
fn wide_formats_sampled_vs_reference() {
    let formats = [
        "binary16",
        "bf16",
        "binary32",
        "binary64",
        "binary128",
        "e10m20",
        "p=62,emin=-300,emax=300",
        "p=63,emin=-300,emax=300",
        "p=100,emin=-9000,emax=9000",
    ];
    let mut rng = SplitMix::new(0x5eed);
    for name in formats {
        let fmt = Format::parse(name).expect("format");
        for env in envs() {
            for _ in 0..3000 {
                let (a, b, c) = (rng.pattern(&fmt), rng.pattern(&fmt), rng.pattern(&fmt));
                let ctx = || format!("{name} {a:#x} {b:#x} {c:#x} {env:?}");
                assert_eq!(
                    fpcore::add(&env, &fmt, a, b),
                    reference::add(&env, &fmt, a, b),
                    "add {}",
                    ctx()
                );
                assert_eq!(
                    fpcore::sub(&env, &fmt, a, b),
                    reference::sub(&env, &fmt, a, b),
                    "sub {}",
                    ctx()
                );
                assert_eq!(
                    fpcore::mul(&env, &fmt, a, b),
                    reference::mul(&env, &fmt, a, b),
                    "mul {}",
                    ctx()
                );
                assert_eq!(
                    fpcore::div(&env, &fmt, a, b),
                    reference::div(&env, &fmt, a, b),
                    "div {}",
                    ctx()
                );
                assert_eq!(
                    fpcore::sqrt(&env, &fmt, a),
                    reference::sqrt(&env, &fmt, a),
                    "sqrt {}",
                    ctx()
                );
                assert_eq!(
                    fpcore::fma(&env, &fmt, a, b, c),
                    reference::fma(&env, &fmt, a, b, c),
                    "fma {}",
                    ctx()
                );
            }
        }
    }
    assert!(Flags::INEXACT.bits() == 1);
}

/// The normal-operand kernels of the named 16/32/64-bit formats: every binary16 and bfloat16
/// square root, and a large sample of operand pairs whose exponents are close enough for the
/// operations to interact (ties, carries, cancellation, results at the normal range's ends).
#[test]
fn named_format_kernels_vs_reference() {
    let env = Env::default();
    for name in ["binary16", "bf16"] {
        let fmt = Format::parse(name).expect("format");
        for a in 0..(1u128 << 16) {
            assert_eq!(
                fpcore::sqrt(&env, &fmt, a),
                reference::sqrt(&env, &fmt, a),
                "{name} sqrt {a:#x}"
            );
        }
    }
    let mut rng = SplitMix::new(0xFA57);
    for name in ["binary16", "bf16", "binary32", "binary64", "binary128"] {
        let fmt = Format::parse(name).expect("format");
        let code_max = (1u128 << fmt.exp_bits()) - 1;
        for i in 0..150_000u32 {
            let a = rng.pattern(&fmt);
            // b: a's exponent code plus a small offset (add/sub interplay), or a code that puts
            // a product or quotient near the ends of the normal range.
            let code_a = (a >> fmt.frac_bits()) & code_max;
            let bias = fmt.bias() as u128;
            let offset = u128::from(rng.next_u64() % 8);
            let code_b = match i % 4 {
                0 => code_a.saturating_sub(offset),
                1 => (bias + 1 + offset).saturating_sub(code_a).min(code_max),
                2 => (code_max - 2 + bias).saturating_sub(code_a + offset).min(code_max),
                _ => (rng.next_u64() as u128) & code_max,
            };
            let b =
                (rng.pattern(&fmt) & !(code_max << fmt.frac_bits())) | (code_b << fmt.frac_bits());
            for (op, fast, slow) in [
                ("add", fpcore::add as Binary, reference::add as Binary),
                ("sub", fpcore::sub, reference::sub),
                ("mul", fpcore::mul, reference::mul),
                ("div", fpcore::div, reference::div),
            ] {
                assert_eq!(
                    fast(&env, &fmt, a, b),
                    slow(&env, &fmt, a, b),
                    "{name} {op} {a:#x} {b:#x}"
                );
            }
            assert_eq!(
                fpcore::sqrt(&env, &fmt, a),
                reference::sqrt(&env, &fmt, a),
                "{name} sqrt {a:#x}"
            );
            // fma: c near -(a * b) for cancellation, or random.
            let c = match i % 3 {
                0 => fpcore::mul(&env, &fmt, a, b).value ^ (1u128 << (fmt.bits() - 1)),
                1 => {
                    fpcore::next_up(
                        &env,
                        &fmt,
                        fpcore::mul(&env, &fmt, a, b).value ^ (1u128 << (fmt.bits() - 1)),
                    )
                    .value
                }
                _ => rng.pattern(&fmt),
            };
            assert_eq!(
                fpcore::fma(&env, &fmt, a, b, c),
                reference::fma(&env, &fmt, a, b, c),
                "{name} fma {a:#x} {b:#x} {c:#x}"
            );
        }
    }
}

/// The multiply-add chain's host-f64 kernel against the integer loop: chains of every length
/// up to 64 over values drawn by class (zeros, subnormals, the ends of the range, specials),
/// including runs that overflow, underflow and cancel exactly.
#[test]
fn mul_add_chain_kernel_vs_integer_loop() {
    let env = Env::default();
    let mut rng = SplitMix::new(0xC4A1);
    for name in ["binary16", "bf16", "binary32", "e4m3fn", "binary64"] {
        let fmt = Format::parse(name).expect("format");
        let code_max = (1u128 << fmt.exp_bits()) - 1;
        for i in 0..20_000u32 {
            let len = (rng.next_u64() % 65) as usize;
            let moderate = i % 3 != 0;
            let draw = |rng: &mut SplitMix| -> u128 {
                let v = rng.pattern(&fmt);
                if moderate {
                    // Exponents near 1: long chains stay in range and exercise the kernel.
                    let code =
                        (fmt.bias() as u128 - 4 + (rng.next_u64() as u128 % 8)).min(code_max - 1);
                    (v & !(code_max << fmt.frac_bits())) | (code << fmt.frac_bits())
                } else {
                    v
                }
            };
            let terms: Vec<(u128, u128)> =
                (0..len).map(|_| (draw(&mut rng), draw(&mut rng))).collect();
            let acc = if i % 5 == 0 { draw(&mut rng) } else { fmt.zero(false) };
            let fast = fpcore::mul_add_chain(&env, &fmt, acc, terms.iter().copied());
            let slow = fpcore::mul_add_chain_integer(&env, &fmt, acc, terms.iter().copied());
            assert_eq!(fast, slow, "{name} chain {i}: {acc:#x} {terms:x?}");
        }
    }
}
