//! The binary64 fast path of the activation functions against the multiprecision engine alone
//! (`fpcore::act::reference`): every input of binary16, bfloat16 and the 8-bit formats, and a
//! large deterministic sample of binary32 inputs with the hard regions (underflow and
//! saturation thresholds, the zeros of the derivatives, the kernels' own switch points,
//! subnormal inputs, the top of the range). Wherever the fast path decides a result, it must
//! be the reference's, bits and flags; everywhere, `ActOp::eval` must be the reference's.
//! `FPX_SLOW=1` widens the binary32 sample.

mod common;

use common::{SplitMix, SMALL_FORMATS};
use fpcore::act::{self, ActOp, DEFAULT_KINK};
use fpcore::{Env, Format, OverflowPolicy, Rounded, Tininess};

fn parse(name: &str) -> Format {
    Format::parse(name).expect("a known format")
}

/// The multiprecision-only result.
fn slow(env: &Env, fmt: &Format, op: ActOp, x: u128) -> Rounded<u128> {
    if op.derivative {
        act::reference::deriv(env, fmt, op.act, x, DEFAULT_KINK)
    } else {
        act::reference::eval(env, fmt, op.act, x)
    }
}

/// Counts of one comparison run.
#[derive(Default)]
struct Tally {
    cases: u64,
    decided: u64,
    mismatches: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.cases += other.cases;
        self.decided += other.decided;
        for m in other.mismatches {
            if self.mismatches.len() < 20 {
                self.mismatches.push(m);
            }
        }
    }
}

/// Compares the fast path (where it decides) and `ActOp::eval` with the reference on `inputs`.
fn compare(env: &Env, fmt: &Format, op: ActOp, inputs: &[u128]) -> Tally {
    let mut tally = Tally::default();
    for &x in inputs {
        let reference = slow(env, fmt, op, x);
        tally.cases += 1;
        let fast = op.eval_fast(env, fmt, x);
        if fast.is_some() {
            tally.decided += 1;
        }
        let full = fast.unwrap_or_else(|| op.eval(env, fmt, x, DEFAULT_KINK));
        if (fast.is_some_and(|f| f != reference) || full != reference)
            && tally.mismatches.len() < 20
        {
            tally.mismatches.push(format!(
                "{fmt} {} {env:?} x={x:#x}: fast {fast:x?} eval {full:x?} reference {reference:x?}",
                op.name()
            ));
        }
    }
    tally
}

/// [`compare`] on two threads.
fn compare_par(env: &Env, fmt: &Format, op: ActOp, inputs: &[u128]) -> Tally {
    let (a, b) = inputs.split_at(inputs.len() / 2);
    std::thread::scope(|scope| {
        let upper = scope.spawn(|| compare(env, fmt, op, b));
        let mut tally = compare(env, fmt, op, a);
        tally.merge(upper.join().expect("worker thread"));
        tally
    })
}

fn assert_clean(what: &str, tally: &Tally) {
    assert!(
        tally.mismatches.is_empty(),
        "{what}: fast path differs from the reference:\n{}",
        tally.mismatches.join("\n")
    );
}

fn envs() -> [Env; 3] {
    [
        Env::default(),
        Env { tininess: Tininess::BeforeRounding, ..Env::default() },
        Env { overflow: OverflowPolicy::Saturate, ..Env::default() },
    ]
}

#[test]
fn activations_fast_path_small_formats_exhaustive_vs_reference() {
    for name in SMALL_FORMATS {
        let fmt = parse(name);
        let inputs: Vec<u128> = (0..1u128 << fmt.bits()).collect();
        for env in envs() {
            for op in ActOp::all() {
                let tally = compare(&env, &fmt, op, &inputs);
                assert_clean(name, &tally);
            }
        }
    }
}

#[test]
fn activations_fast_path_binary16_bfloat16_exhaustive_vs_reference() {
    let mut report = Vec::new();
    for name in ["binary16", "bfloat16"] {
        let fmt = parse(name);
        let inputs: Vec<u128> = (0..1u128 << 16).collect();
        for env in [Env::default(), Env { tininess: Tininess::BeforeRounding, ..Env::default() }] {
            for op in ActOp::all() {
                let tally = compare_par(&env, &fmt, op, &inputs);
                assert_clean(name, &tally);
                report.push((name, op, tally.decided, tally.cases));
            }
        }
    }
    // The fast path must carry the load: every op but relu and relu' decides nearly all
    // finite nonzero inputs (65536 minus zeros, infinities and NaNs, and the exact halves
    // of elu and elu').
    for (name, op, decided, cases) in report {
        let expected = match op.act {
            act::Activation::Relu => 0,
            act::Activation::Elu => cases * 45 / 100,
            _ => cases * 95 / 100,
        };
        assert!(decided >= expected, "{name} {}: only {decided} of {cases} decided", op.name());
    }
}

/// binary32 encodings `n` on each side of `center` (clamped to the encoding range).
fn around(center: u32, n: u32) -> impl Iterator<Item = u128> {
    let lo = center.saturating_sub(n);
    let hi = center.saturating_add(n);
    (lo..=hi).map(u128::from)
}

/// The binary32 bit pattern of a value (exact conversion through the bits).
fn f32_bits(v: f32) -> u32 {
    v.to_bits()
}

/// Hard regions of binary32, `n` encodings on each side of each point.
fn hard_binary32(n: u32) -> Vec<u128> {
    let mut centers: Vec<u32> = vec![
        0x0000_0000, // +0 and the smallest subnormals
        0x8000_0000, // -0 and the smallest negative subnormals
        0x0080_0000, // the smallest normal
        0x8080_0000,
        0x7f7f_ffff, // the largest finite values (softplus, gelu, silu near the top)
        0xff7f_ffff,
    ];
    let points: [f32; 38] = [
        // gelu and gelu' underflow near -14, and deeper tails.
        -13.0, -14.0, -14.5, -17.5, -34.0, -38.5,
        // sigmoid, exp, elu' and softplus underflow near -103.3 and -87.3 (2^-126).
        -87.3, -103.28, -104.0,
        // Saturation towards 1 or x: sigmoid near 17.3, tanh near 9, gelu near 5.5.
        17.33, 9.01, 5.5, 16.6,
        // Zeros of the derivatives: silu' at -1.278, gelu' at -0.7518, gelu_tanh' at -1.5.
        -1.2785, -0.7518, -1.5, -1.4,
        // The kernels' switch points: expm1 series (0.3467, 0.17335), normal series / continued
        // fraction (3), saturations (8, 9, 18, 20, 34, 40, 295, 590).
        0.3467, -0.3467, 0.17335, -0.17335, 3.0, -3.0, 8.0, -8.0, 9.0, 18.0, -18.0, 20.0, -20.0,
        34.0, -34.0, 40.0, -40.0, 295.0, -295.0, 590.0, -590.0,
    ];
    centers.extend(points.iter().map(|&v| f32_bits(v)));
    let mut out: Vec<u128> = centers.into_iter().flat_map(|c| around(c, n)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Random binary32 encodings (every exponent equally likely) and consecutive runs at every
/// exponent code.
fn spread_binary32(n_random: usize, run: u32) -> Vec<u128> {
    let mut rng = SplitMix::new(0xAC7_FA57);
    let mut out: Vec<u128> = (0..n_random).map(|_| u128::from(rng.next_u64() as u32)).collect();
    for code in 0..256u32 {
        for sign in [0u32, 1] {
            let start = (sign << 31) | (code << 23) | ((rng.next_u64() as u32) & 0x7f_ffff);
            out.extend((0..run).map(|i| u128::from(start.wrapping_add(i))));
        }
    }
    out
}

fn slow_mode() -> bool {
    std::env::var("FPX_SLOW").is_ok_and(|v| v == "1")
}

#[test]
fn activations_fast_path_binary32_sample_vs_reference() {
    let fmt = parse("binary32");
    let (n_random, run, n_hard) =
        if slow_mode() { (2_000_000, 4096, 4096) } else { (400_000, 256, 1024) };
    let mut inputs = spread_binary32(n_random, run);
    inputs.extend(hard_binary32(n_hard));
    for op in ActOp::all() {
        let tally = compare_par(&Env::default(), &fmt, op, &inputs);
        assert_clean("binary32", &tally);
    }
    // Tininess before rounding and saturation change flags and values near the thresholds.
    let hard = hard_binary32(n_hard / 4);
    for env in &envs()[1..] {
        for op in ActOp::all() {
            let tally = compare_par(env, &fmt, op, &hard);
            assert_clean("binary32", &tally);
        }
    }
}

/// Formats outside the fast path's range are left alone (same result as the reference,
/// never decided by the fast path).
#[test]
fn activations_fast_path_declines_wide_formats() {
    let env = Env::default();
    for name in
        ["binary64", "p=25,emin=-126,emax=127", "p=8,emin=-400,emax=127", "p=8,emin=-126,emax=400"]
    {
        let fmt = parse(name);
        let mut rng = SplitMix::new(7);
        for _ in 0..200 {
            let x = u128::from(rng.next_u64()) & fmt.mask();
            for op in ActOp::all() {
                assert!(op.eval_fast(&env, &fmt, x).is_none(), "{name} {}", op.name());
            }
        }
    }
}
