//! The operand contract: bits above a format's encoding width are ignored. Every operation,
//! on its fast path and on its reference path, gives on operands with stray high bits exactly
//! what it gives on the same operands masked to the width (bits and flags), and its encoded
//! results never carry such bits. Random operands biased towards the ends of the exponent
//! range, in bfloat16, binary16, binary32, binary64, e4m3fn, e2m1fn and an abstract format,
//! under several environments.

mod common;

use std::fmt::Debug;

use common::{Draw, SplitMix};
use fpcore::act::{self, ActOp};
use fpcore::text::bits::format_bits;
use fpcore::text::{format_exact_decimal, format_hexfloat, format_shortest};
use fpcore::{reference, Env, Format, IntRound, NanPolicy, Op, OverflowPolicy, Rounded, Tininess};

/// Operand tuples per format for the arithmetic, comparisons, conversions and the rest.
const N_CASES: usize = 2000;
/// Operands per format for the activations (their reference path is multiprecision).
const N_ACT_CASES: usize = 120;

fn formats() -> Vec<Format> {
    vec![
        Format::BF16,
        Format::BINARY16,
        Format::BINARY32,
        Format::BINARY64,
        Format::E4M3FN,
        Format::E2M1FN,
        Format::parse("p=5,emin=-9,emax=6").expect("abstract format"),
    ]
}

fn envs() -> [Env; 3] {
    [
        Env::default(),
        Env { tininess: Tininess::BeforeRounding, nan: NanPolicy::X86Sse, ..Env::default() },
        Env { overflow: OverflowPolicy::Saturate, nan: NanPolicy::X86Sse, ..Env::default() },
    ]
}

/// Conversion destinations: the formats above and an FNUZ one.
fn destinations() -> Vec<Format> {
    let mut dsts = formats();
    dsts.push(Format::E5M2FNUZ);
    dsts
}

/// `clean` with random nonzero bits set above the width of `fmt`.
fn dirty(rng: &mut SplitMix, fmt: &Format, clean: &[u128]) -> Vec<u128> {
    let width = fmt.bits();
    assert!(width < 128, "{fmt} has no bits above its width");
    clean
        .iter()
        .map(|&c| {
            let stray = (rng.next_u128() << width) | (1u128 << width);
            c | stray
        })
        .collect()
}

/// Checks that `f` gives the same on the masked and on the dirty operands.
fn same<R: PartialEq + Debug>(
    label: &str,
    fmt: &Format,
    clean: &[u128],
    dirty: &[u128],
    f: impl Fn(&[u128]) -> R,
) {
    let want = f(clean);
    let got = f(dirty);
    assert_eq!(got, want, "{label} in {fmt}: operands {dirty:#x?} (masked: {clean:#x?})");
}

/// As [`same`] for an operation whose result is an encoding of `dst`, which must also lie
/// within the width.
fn same_enc(
    label: &str,
    fmt: &Format,
    dst: &Format,
    clean: &[u128],
    dirty: &[u128],
    f: impl Fn(&[u128]) -> Rounded<u128>,
) {
    let want = f(clean);
    assert_eq!(want.value & !dst.mask(), 0, "{label} in {fmt}: result {:#x} too wide", want.value);
    same(label, fmt, clean, dirty, f);
}

/// An operation whose result is an encoding of the operands' format.
type EncOp = fn(&Env, &Format, &[u128]) -> Rounded<u128>;

/// The operations with results in the operands' format besides the arithmetic ones (checked
/// through [`Op::eval`]): the arithmetic's reference twins, and the rest.
fn encoding_ops() -> Vec<(&'static str, usize, EncOp)> {
    vec![
        ("reference::add", 2, |e, f, x| reference::add(e, f, x[0], x[1])),
        ("reference::sub", 2, |e, f, x| reference::sub(e, f, x[0], x[1])),
        ("reference::mul", 2, |e, f, x| reference::mul(e, f, x[0], x[1])),
        ("reference::div", 2, |e, f, x| reference::div(e, f, x[0], x[1])),
        ("reference::sqrt", 1, |e, f, x| reference::sqrt(e, f, x[0])),
        ("reference::fma", 3, |e, f, x| reference::fma(e, f, x[0], x[1], x[2])),
        ("minimum", 2, |e, f, x| fpcore::minimum(e, f, x[0], x[1])),
        ("maximum", 2, |e, f, x| fpcore::maximum(e, f, x[0], x[1])),
        ("minimum_number", 2, |e, f, x| fpcore::minimum_number(e, f, x[0], x[1])),
        ("maximum_number", 2, |e, f, x| fpcore::maximum_number(e, f, x[0], x[1])),
        ("next_up", 1, |e, f, x| fpcore::next_up(e, f, x[0])),
        ("next_down", 1, |e, f, x| fpcore::next_down(e, f, x[0])),
        ("neg", 1, |_, f, x| Rounded::exact(fpcore::neg(f, x[0]))),
        ("abs", 1, |_, f, x| Rounded::exact(fpcore::abs(f, x[0]))),
        ("copysign", 2, |_, f, x| Rounded::exact(fpcore::copysign(f, x[0], x[1]))),
        ("round_to_integral", 1, |e, f, x| {
            fpcore::round_to_integral(e, f, x[0], IntRound::NearestEven, false)
        }),
        ("round_to_integral_exact_floor", 1, |e, f, x| {
            fpcore::round_to_integral(e, f, x[0], IntRound::TowardNegative, true)
        }),
        ("round_to_integral_away", 1, |e, f, x| {
            fpcore::round_to_integral(e, f, x[0], IntRound::NearestAway, true)
        }),
        ("mul_add_chain", 7, |e, f, x| {
            fpcore::mul_add_chain(e, f, x[0], [(x[1], x[2]), (x[3], x[4]), (x[5], x[6])].repeat(2))
        }),
        ("mul_add_chain_integer", 7, |e, f, x| {
            let terms = [(x[1], x[2]), (x[3], x[4]), (x[5], x[6])].repeat(2);
            fpcore::mul_add_chain_integer(e, f, x[0], terms)
        }),
    ]
}

/// Runs `check(env, fmt, case index, clean, dirty)` on `n_cases` random tuples of
/// `n_operands` operands per format, each masked and with stray high bits, the environments
/// taken in turn.
fn for_each_case(
    seed: u64,
    n_cases: usize,
    n_operands: usize,
    mut check: impl FnMut(&Env, &Format, usize, &[u128], &[u128]),
) {
    let mut rng = SplitMix::new(seed);
    let envs = envs();
    for fmt in formats() {
        for i in 0..n_cases {
            let clean: Vec<u128> = (0..n_operands).map(|_| rng.pattern(&fmt)).collect();
            let dirty = dirty(&mut rng, &fmt, &clean);
            check(&envs[i % envs.len()], &fmt, i, &clean, &dirty);
        }
    }
}

#[test]
fn operations_ignore_bits_above_the_width_on_every_path() {
    for_each_case(0x0DD_B175, N_CASES, 7, |env, fmt, i, clean, dirty| {
        let (env, fmt) = (*env, *fmt);
        for (name, arity, op) in encoding_ops() {
            let (c, d) = (&clean[..arity], &dirty[..arity]);
            same_enc(name, &fmt, &fmt, c, d, |x| op(&env, &fmt, x));
        }
        for op in Op::ARITHMETIC {
            let (c, d) = (&clean[..op.arity()], &dirty[..op.arity()]);
            same_enc(&op.name(), &fmt, &fmt, c, d, |x| op.eval(&env, &fmt, x));
        }
        for dst in destinations() {
            let op = Op::Cvt(dst);
            same_enc(&op.name(), &fmt, &dst, &clean[..1], &dirty[..1], |x| op.eval(&env, &fmt, x));
        }
        let (c1, d1, c2, d2) = (&clean[..1], &dirty[..1], &clean[..2], &dirty[..2]);
        same("to_f64", &fmt, c1, d1, |x| {
            let r = fpcore::to_f64(&env, &fmt, x[0]);
            (r.value.to_bits(), r.flags)
        });
        same("to_f32", &fmt, c1, d1, |x| {
            let r = fpcore::to_f32(&env, &fmt, x[0]);
            (r.value.to_bits(), r.flags)
        });
        same("compare", &fmt, c2, d2, |x| fpcore::compare(&fmt, x[0], x[1]));
        same("compare_signaling", &fmt, c2, d2, |x| fpcore::compare_signaling(&fmt, x[0], x[1]));
        same("total_order", &fmt, c2, d2, |x| fpcore::total_order(&fmt, x[0], x[1]));
        same("classify", &fmt, c1, d1, |x| fmt.classify(x[0]));
        same("unpack", &fmt, c1, d1, |x| fmt.unpack(x[0]));
        for mode in [IntRound::NearestEven, IntRound::TowardZero, IntRound::TowardPositive] {
            same("to_i64", &fmt, c1, d1, |x| fpcore::to_i64(&fmt, x[0], mode, true));
            same("to_u64", &fmt, c1, d1, |x| fpcore::to_u64(&fmt, x[0], mode, false));
        }
        same("format_bits", &fmt, c1, d1, |x| format_bits(&fmt, x[0]));
        same("format_hexfloat", &fmt, c1, d1, |x| format_hexfloat(&fmt, x[0]));
        same("format_shortest", &fmt, c1, d1, |x| format_shortest(&fmt, x[0]));
        if i % 8 == 0 {
            same("format_exact_decimal", &fmt, c1, d1, |x| format_exact_decimal(&fmt, x[0]));
        }
    });
}

#[test]
fn activations_ignore_bits_above_the_width_on_every_path() {
    // The operand, and the kink value of relu' (an encoding too).
    for_each_case(0xAC7_B175, N_ACT_CASES, 2, |env, fmt, _, clean, dirty| {
        let (env, fmt) = (*env, *fmt);
        for act_op in ActOp::all() {
            for composite in [false, true] {
                let label = Op::Act { op: act_op, composite, kink: 0 }.name();
                same_enc(&label, &fmt, &fmt, clean, dirty, |x| {
                    Op::Act { op: act_op, composite, kink: x[1] }.eval(&env, &fmt, &x[..1])
                });
            }
            let label = format!("{} (fast path)", act_op.name());
            same(&label, &fmt, clean, dirty, |x| act_op.eval_fast(&env, &fmt, x[0]));
            let label = format!("{} (reference)", act_op.name());
            same_enc(&label, &fmt, &fmt, clean, dirty, |x| {
                if act_op.derivative {
                    act::reference::deriv(&env, &fmt, act_op.act, x[0], x[1])
                } else {
                    act::reference::eval(&env, &fmt, act_op.act, x[0])
                }
            });
        }
    });
}
