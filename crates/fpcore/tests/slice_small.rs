//! The slice kernels of the formats of at most 8 bits against the scalar operations: every
//! operand pair of every binary operation (the element kernels, and the result table that
//! long slices use), every operand of the square root and of the conversions to every named
//! format, and sampled fma triples; under both tininess rules.

mod common;
mod slice_support;

use common::SplitMix;
use fpcore::format::NAMED;
use fpcore::slice::{self, BinaryOp};
use fpcore::{Flags, Format};
use slice_support::{check_binary, check_convert, check_fma, check_sqrt, envs};

const OPS: [BinaryOp; 8] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Minimum,
    BinaryOp::Maximum,
    BinaryOp::MinimumNumber,
    BinaryOp::MaximumNumber,
];

fn small_formats() -> impl Iterator<Item = Format> {
    NAMED.iter().map(|n| n.format).filter(|f| f.bits() <= 8)
}

/// Every pair `(a, b)` of 8-bit patterns, `a` major.
fn all_pairs() -> (Vec<u128>, Vec<u128>) {
    (0..1u128 << 16).map(|i| (i >> 8, i & 0xFF)).unzip()
}

#[test]
fn binary_ops_all_pairs() {
    let (a, b) = all_pairs();
    for env in envs() {
        for fmt in small_formats() {
            for op in OPS {
                check_binary(&env, &fmt, op, &a, &b);
            }
        }
    }
}

#[test]
fn binary_ops_through_the_table_all_pairs() {
    // Four copies of every pair reach the table's length threshold.
    let (a, b) = all_pairs();
    let (a4, b4) = (a.repeat(4), b.repeat(4));
    for env in envs() {
        for fmt in small_formats() {
            for op in [BinaryOp::Add, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Minimum] {
                check_binary(&env, &fmt, op, &a4, &b4);
                let table = slice::table(&env, &fmt, op).expect("an 8-bit format");
                let a8: Vec<u8> = a.iter().map(|&x| x as u8).collect();
                let b8: Vec<u8> = b.iter().map(|&x| x as u8).collect();
                let mut out = vec![0u8; a.len()];
                let mut flags = vec![Flags::NONE; a.len()];
                slice::binary_table(&table, &a8, &b8, &mut out, Some(&mut flags)).expect("lengths");
                for i in 0..a.len() {
                    let want = op.scalar()(&env, &fmt, a[i], b[i]);
                    assert_eq!((u128::from(out[i]), flags[i]), (want.value, want.flags));
                }
            }
        }
    }
}

#[test]
fn unary_ops_all_inputs() {
    // Bits above the width must be ignored: 0..=0x1FF covers every pattern twice.
    let a: Vec<u128> = (0..0x200).collect();
    for env in envs() {
        for fmt in small_formats() {
            check_sqrt(&env, &fmt, &a);
            for dst in NAMED.iter().map(|n| n.format) {
                check_convert(&env, &fmt, &dst, &a);
            }
        }
    }
}

#[test]
fn fma_sampled_triples() {
    let mut rng = SplitMix::new(0x5_11CE);
    for env in envs() {
        for fmt in small_formats() {
            let n = 200_000;
            let mut draw = || (0..n).map(|_| u128::from(rng.next_u64()) & 0xFF).collect::<Vec<_>>();
            let (a, b, c) = (draw(), draw(), draw());
            check_fma(&env, &fmt, &a, &b, &c);
        }
    }
}
