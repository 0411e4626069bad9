//! The slice kernels do not depend on the host floating-point state or the number of
//! threads, and refuse bad arguments with an error: the same workload under flush-to-zero +
//! denormals-are-zero and under each directed rounding mode gives the same values, flags and
//! union as under the default state; slices of a million elements give the same results on
//! one thread as on four; mismatched lengths and too-narrow element types are errors.

mod common;
mod slice_support;

use common::{Draw, SplitMix};
use fpcore::slice::{self, BinaryOp, SliceError};
use fpcore::{Env, Flags, Format};
use fpref::hostfp::{with_mxcsr, DAZ, FTZ, ROUND_DOWN, ROUND_TOWARD_ZERO, ROUND_UP};
use slice_support::{check_binary, check_convert, check_fma, check_sqrt, envs};

const FORMATS: [Format; 6] = [
    Format::BINARY16,
    Format::BF16,
    Format::BINARY32,
    Format::E5M2,
    Format::E4M3FN,
    Format::BINARY64,
];

/// Every kernel of the formats with a host route, on slices short enough to stay on the
/// calling thread (whose floating-point state the caller sets), checked against the scalar
/// operations run in the same state.
fn workload() {
    let mut rng = SplitMix::new(0x40_57);
    for env in envs() {
        for fmt in FORMATS {
            let n = 20_000;
            let draw = |rng: &mut SplitMix| (0..n).map(|_| rng.pattern(&fmt)).collect::<Vec<_>>();
            let (a, b, c) = (draw(&mut rng), draw(&mut rng), draw(&mut rng));
            for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div] {
                check_binary(&env, &fmt, op, &a, &b);
            }
            check_sqrt(&env, &fmt, &a);
            check_fma(&env, &fmt, &a, &b, &c);
            for dst in FORMATS {
                check_convert(&env, &fmt, &dst, &a);
            }
        }
    }
}

#[test]
fn results_do_not_depend_on_the_host_state() {
    // The scalar operations are themselves independent of the host state (tests/host.rs at
    // the workspace root), so equality with them in each state is the claim.
    workload();
    for bits in [FTZ | DAZ, ROUND_UP, ROUND_DOWN, ROUND_TOWARD_ZERO, FTZ | DAZ | ROUND_UP] {
        let ((), applied) = with_mxcsr(bits, workload);
        if !applied {
            eprintln!("host state cannot be changed on this architecture");
            return;
        }
    }
}

/// A long slice run on a pool of `threads` threads: values, flags and union.
fn run_on(
    threads: usize,
    op: BinaryOp,
    fmt: &Format,
    a: &[u32],
    b: &[u32],
) -> (Vec<u32>, Vec<Flags>, Flags) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
    let mut out = vec![0u32; a.len()];
    let mut flags = vec![Flags::NONE; a.len()];
    let union = pool.install(|| {
        slice::binary(&Env::default(), fmt, op, a, b, &mut out, Some(&mut flags)).expect("lengths")
    });
    (out, flags, union)
}

#[test]
fn one_thread_equals_four() {
    let mut rng = SplitMix::new(0x7_4EAD);
    for fmt in [Format::BF16, Format::BINARY32, Format::E4M3FN, Format::E2M1FN] {
        // Not a multiple of the chunk length, so the last chunk is short.
        let n = 1_000_003;
        let a: Vec<u32> = (0..n).map(|_| rng.pattern(&fmt) as u32).collect();
        let b: Vec<u32> = (0..n).map(|_| rng.pattern(&fmt) as u32).collect();
        for op in [BinaryOp::Add, BinaryOp::Mul, BinaryOp::Div] {
            let one = run_on(1, op, &fmt, &a, &b);
            assert_eq!(one, run_on(4, op, &fmt, &a, &b), "{op:?} {}", fmt.name());
            let wide: Vec<u128> = a[..50_000].iter().map(|&x| u128::from(x)).collect();
            let wide_b: Vec<u128> = b[..50_000].iter().map(|&x| u128::from(x)).collect();
            check_binary(&Env::default(), &fmt, op, &wide, &wide_b);
        }
    }
}

#[test]
fn bad_arguments_are_errors() {
    let env = Env::default();
    let (a, b) = ([0u16; 3], [0u16; 2]);
    let mut out = [0u16; 3];
    assert_eq!(
        slice::add(&env, &Format::BF16, &a, &b, &mut out, None),
        Err(SliceError::LengthMismatch { slice: "b", expected: 3, found: 2 })
    );
    let mut flags = [Flags::NONE; 4];
    assert_eq!(
        slice::sqrt(&env, &Format::BF16, &a, &mut out, Some(&mut flags)),
        Err(SliceError::LengthMismatch { slice: "flags", expected: 3, found: 4 })
    );
    let narrow = [0u8; 3];
    let mut narrow_out = [0u8; 3];
    let err = slice::mul(&env, &Format::BINARY16, &narrow, &narrow, &mut narrow_out, None);
    assert_eq!(
        err,
        Err(SliceError::ElementTooNarrow { format: "binary16".into(), needed: 16, available: 8 })
    );
    assert_eq!(
        err.expect_err("too narrow").to_string(),
        "binary16 has 16-bit encodings; the element type has 8 bits"
    );
    let mut wide_out = [0u16; 3];
    assert!(slice::convert(&env, (&Format::BINARY32, &Format::BF16), &narrow, &mut wide_out, None)
        .is_err());
    // Nothing is written when a call is refused.
    assert_eq!(out, [0u16; 3]);
}
