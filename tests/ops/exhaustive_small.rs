//! Exhaustive differential tests over every format of at most 8 bits that APFloat has: every
//! operand pair for add/sub/mul/div and every operand for conversions, fpcore against APFloat,
//! each difference a named divergence. A digest of each table is snapshotted in golden/.

use fpcore::Format;
use fpref::apfloat::FORMATS;
use fpref::{ApFloat, Op};

use crate::support::assert_golden;
use crate::support::backend::{envs, Digest256, Tally};

fn small_formats() -> Vec<Format> {
    FORMATS.iter().map(|f| f.format()).filter(|f| f.bits() <= 8).collect()
}

#[test]
fn binary_ops_every_small_format_exhaustive_vs_apfloat() {
    let mut report = String::new();
    for fmt in small_formats() {
        for env in envs() {
            for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
                let mut tally = Tally::default();
                let mut digest = Digest256::new();
                let count = 1u128 << fmt.bits();
                for a in 0..count {
                    for b in 0..count {
                        let r = tally.check(&ApFloat, &env, &fmt, &op, &[a, b]);
                        digest.line(&[a, b], r);
                    }
                }
                tally.assert_clean(&format!("{fmt} {op:?} {env:?}"));
                assert_eq!(u128::from(tally.cases), count * count, "apfloat must cover {fmt}");
                report.push_str(&format!("{fmt} {} {}\n", op.name(), tally.summary(&env, digest)));
            }
        }
    }
    assert_golden!("exhaustive_small_binary_ops", report);
}

#[test]
fn conversions_every_small_format_exhaustive_vs_apfloat() {
    let wide =
        ["binary16", "bf16", "binary32", "binary64"].map(|n| Format::parse(n).expect("named"));
    let mut report = String::new();
    for fmt in small_formats() {
        for env in envs() {
            // Widening from the small format: every encoding.
            for dst in wide.iter().chain(small_formats().iter()) {
                let op = Op::Cvt(*dst);
                let mut tally = Tally::default();
                let mut digest = Digest256::new();
                for a in 0..(1u128 << fmt.bits()) {
                    let r = tally.check(&ApFloat, &env, &fmt, &op, &[a]);
                    digest.line(&[a], r);
                }
                tally.assert_clean(&format!("{fmt} -> {dst} {env:?}"));
                report.push_str(&format!(
                    "{fmt}->{dst} tininess={:?} cases={} agree={} divergences={:?} sha256={}\n",
                    env.tininess,
                    tally.cases,
                    tally.agree,
                    tally.divergences,
                    digest.hex()
                ));
            }
            // Narrowing from binary16 and bf16: every 16-bit encoding.
            for src in &wide[..2] {
                let op = Op::Cvt(fmt);
                let mut tally = Tally::default();
                let mut digest = Digest256::new();
                for a in 0..(1u128 << 16) {
                    let r = tally.check(&ApFloat, &env, src, &op, &[a]);
                    digest.line(&[a], r);
                }
                tally.assert_clean(&format!("{src} -> {fmt} {env:?}"));
                report.push_str(&format!("{src}->{fmt} {}\n", tally.summary(&env, digest)));
            }
        }
    }
    assert_golden!("exhaustive_small_conversions", report);
}
