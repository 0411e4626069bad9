//! The slice kernels of the formats wider than 8 bits against the scalar operations: every
//! input of the square root and the conversions of binary16 and bfloat16; all pairs of a
//! structured subset and large edge-weighted random samples of the binary operations and the
//! fma (with addends that cancel the product) for binary16, bfloat16, binary32, binary64,
//! binary128 and a generic format; conversions from binary32 and binary64 samples.

mod common;
mod slice_support;

use common::{Draw, SplitMix};
use fpcore::format::NAMED;
use fpcore::slice::BinaryOp;
use fpcore::{Env, Format};
use slice_support::{check_binary, check_convert, check_fma, check_sqrt, envs, structured};

const ARITH: [BinaryOp; 4] = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div];

fn formats() -> Vec<Format> {
    let mut v: Vec<Format> = NAMED.iter().map(|n| n.format).filter(|f| f.bits() > 8).collect();
    v.push(Format::parse("p=30,emin=-99,emax=99").expect("a generic format"));
    v
}

/// `n` edge-weighted random encodings of `fmt`.
fn sample(rng: &mut SplitMix, fmt: &Format, n: usize) -> Vec<u128> {
    (0..n).map(|_| rng.pattern(fmt)).collect()
}

/// Samples per format: more for the narrow formats, whose kernels are cheap.
fn sample_len(fmt: &Format) -> usize {
    if fmt.p() <= 24 {
        400_000
    } else {
        60_000
    }
}

#[test]
fn unary_ops_of_16_bit_formats_all_inputs() {
    let a: Vec<u128> = (0..1u128 << 16).collect();
    for env in envs() {
        for fmt in [Format::BINARY16, Format::BF16] {
            check_sqrt(&env, &fmt, &a);
            for dst in NAMED.iter().map(|n| n.format) {
                check_convert(&env, &fmt, &dst, &a);
            }
        }
    }
}

#[test]
fn binary_ops_structured_pairs() {
    for env in envs() {
        for fmt in formats() {
            let s = structured(&fmt);
            let (a, b): (Vec<u128>, Vec<u128>) =
                s.iter().flat_map(|&x| s.iter().map(move |&y| (x, y))).unzip();
            for op in ARITH.into_iter().chain([BinaryOp::Minimum, BinaryOp::MaximumNumber]) {
                check_binary(&env, &fmt, op, &a, &b);
            }
        }
    }
}

#[test]
fn binary_ops_random_samples() {
    let mut rng = SplitMix::new(0xB1_4A27);
    for env in envs() {
        for fmt in formats() {
            let n = sample_len(&fmt);
            let a = sample(&mut rng, &fmt, n);
            let mut b = sample(&mut rng, &fmt, n);
            // Every fourth pair has close exponents: cancellation and carries.
            for i in (0..n).step_by(4) {
                b[i] = (a[i] ^ (rng.pattern(&fmt) & 0xF))
                    ^ (u128::from(rng.next_u64() & 1) << (fmt.bits() - 1));
            }
            for op in ARITH {
                check_binary(&env, &fmt, op, &a, &b);
            }
            check_sqrt(&env, &fmt, &a);
        }
    }
}

#[test]
fn fma_random_and_cancelling() {
    let mut rng = SplitMix::new(0xF3A);
    for env in envs() {
        for fmt in formats() {
            let n = sample_len(&fmt) / 2;
            let a = sample(&mut rng, &fmt, n);
            let b = sample(&mut rng, &fmt, n);
            let mut c = sample(&mut rng, &fmt, n);
            // Half the addends are the negated rounded product, nudged by a few units.
            for i in (0..n).step_by(2) {
                let p = fpcore::mul(&Env::default(), &fmt, a[i], b[i]).value;
                let nudge = u128::from(rng.next_u64() % 5);
                c[i] = (p ^ (1u128 << (fmt.bits() - 1))).wrapping_add(nudge) & fmt.mask();
            }
            check_fma(&env, &fmt, &a, &b, &c);
        }
    }
}

#[test]
fn conversions_from_wide_samples() {
    let mut rng = SplitMix::new(0xC0_4E27);
    for env in envs() {
        for src in [Format::BINARY32, Format::BINARY64, Format::BINARY128] {
            let a = sample(&mut rng, &src, 100_000);
            for dst in NAMED.iter().map(|n| n.format) {
                check_convert(&env, &src, &dst, &a);
            }
        }
    }
}
