//! `ChainMatrix::mul_add_rows` (the host kernel of many sequential chains) against its
//! definition on the integer operations: `add(mul_add_chain_integer(init_r, row r), b_r)`,
//! values and flags, over binary16, bfloat16 and binary32 matrices drawn near 1, near the
//! tininess threshold of the products and near overflow, with and without initial values
//! and biases, under every environment.

mod common;

use common::{envs, Draw, SplitMix};
use fpcore::{ChainMatrix, ChainScratch, ChainSteps, Env, Flags, Format};

/// A value of `fmt` with an exponent code drawn in `center ± 3`, a random fraction and sign;
/// one in `zeros` is ±0, and with `wild` one in 20 an arbitrary pattern (specials and
/// subnormals included).
fn draw(
    rng: &mut SplitMix,
    fmt: &Format,
    center: i64,
    zeros: u64,
    exact: bool,
    wild: bool,
) -> u128 {
    let r = rng.next_u64();
    let sign = u128::from(r & 1) << (fmt.bits() - 1);
    if zeros > 0 && r % zeros == 1 {
        return sign;
    }
    if wild && r % 20 == 7 {
        return rng.next_u128() & fmt.mask();
    }
    let code_max = (1i64 << fmt.exp_bits()) - 2;
    let code = (center + rng.range(-3, 3)).clamp(1, code_max) as u128;
    let frac_mask = (1u128 << fmt.frac_bits()) - 1;
    // Exact runs: fractions with two significant bits, so products and short sums are exact.
    let frac = if exact {
        rng.next_u128() & (3 << (fmt.frac_bits() - 2))
    } else {
        rng.next_u128() & frac_mask
    };
    sign | (code << fmt.frac_bits()) | frac
}

/// One drawn case: a `rows × cols` matrix, a vector, and optional initial values and biases.
struct Case {
    steps: ChainSteps,
    rows: usize,
    cols: usize,
    m: Vec<u128>,
    v: Vec<u128>,
    init: Option<Vec<u128>>,
    bias: Option<Vec<u128>>,
}

/// The definition, on the integer operations.
fn expected(env: &Env, fmt: &Format, c: &Case) -> (Vec<u128>, Flags) {
    let mut flags = Flags::NONE;
    let mut out = Vec::new();
    for r in 0..c.rows {
        let row = &c.m[r * c.cols..(r + 1) * c.cols];
        let acc = c.init.as_ref().map_or(fmt.zero(false), |i| i[r]);
        let terms = row.iter().copied().zip(c.v.iter().copied());
        let s = match c.steps {
            ChainSteps::MulAdd => fpcore::mul_add_chain_integer(env, fmt, acc, terms),
            ChainSteps::Fma => {
                let mut s = fpcore::Rounded::exact(acc);
                for (m, v) in terms {
                    let a = fpcore::reference::fma(env, fmt, m, v, s.value);
                    s = fpcore::Rounded::new(a.value, s.flags | a.flags);
                }
                s
            }
        };
        flags |= s.flags;
        let y = match &c.bias {
            Some(b) => {
                let y = fpcore::add(env, fmt, s.value, b[r]);
                flags |= y.flags;
                y.value
            }
            None => s.value,
        };
        out.push(y);
    }
    (out, flags)
}

#[test]
fn mul_add_rows_equals_the_integer_chains() {
    let mut rng = SplitMix::new(0x3A7C);
    let mut scratch = ChainScratch::default();
    let mut out = Vec::new();
    for fmt in [Format::BINARY16, Format::BF16, Format::BINARY32] {
        let bias0 = i64::from(fmt.bias());
        // Centres of the exponent codes: near 1, products near 2^emin, products near overflow.
        let centers =
            [bias0, bias0 + i64::from(fmt.emin()) / 2 + 2, bias0 + i64::from(fmt.emax()) / 2 - 4];
        // Cases and host runs, per kind of step.
        let (mut taken, mut total) = ([0u32; 2], [0u32; 2]);
        for case in 0..3000u32 {
            let env = envs()[(case % 8) as usize];
            let steps = if rng.next_u64() % 2 == 0 { ChainSteps::MulAdd } else { ChainSteps::Fma };
            let rows = 1 + (rng.next_u64() % 20) as usize;
            let cols = if rng.next_u64() % 10 == 0 { 0 } else { (rng.next_u64() % 70) as usize };
            let center = centers[(rng.next_u64() % 3) as usize];
            let exact = case % 7 == 0;
            let wild = rng.next_u64() % 8 == 0;
            let zeros = [0, 3, 10][(case % 5 % 3) as usize];
            let m: Vec<u128> = (0..rows * cols)
                .map(|_| draw(&mut rng, &fmt, center, zeros, exact, wild))
                .collect();
            let v: Vec<u128> =
                (0..cols).map(|_| draw(&mut rng, &fmt, center, zeros, exact, wild)).collect();
            let init: Option<Vec<u128>> = (rng.next_u64() % 3 == 0)
                .then(|| (0..rows).map(|_| draw(&mut rng, &fmt, center, 4, exact, wild)).collect());
            let bias: Option<Vec<u128>> = (rng.next_u64() % 4 != 0)
                .then(|| (0..rows).map(|_| draw(&mut rng, &fmt, bias0, 4, exact, wild)).collect());
            let Some(matrix) = ChainMatrix::new(&fmt, steps, rows, cols, &m) else {
                // Only a matrix with an infinity or NaN is refused.
                assert!(m.iter().any(|&w| (w >> fmt.frac_bits()) & ((1 << fmt.exp_bits()) - 1)
                    == (1 << fmt.exp_bits()) - 1));
                continue;
            };
            let kind = usize::from(steps == ChainSteps::Fma);
            total[kind] += 1;
            let c = Case { steps, rows, cols, m, v, init, bias };
            let got = matrix.mul_add_rows(
                &env,
                &c.v,
                c.init.as_deref(),
                c.bias.as_deref(),
                &mut out,
                &mut scratch,
            );
            let (want, want_flags) = expected(&env, &fmt, &c);
            if let Some(flags) = got {
                taken[kind] += 1;
                assert_eq!(
                    out, want,
                    "{fmt} case {case}: m={:x?} v={:x?} init={:x?} bias={:x?}",
                    c.m, c.v, c.init, c.bias
                );
                assert_eq!(flags, want_flags, "{fmt} case {case} flags");
                // Bits above the encoding width are ignored (the operand contract).
                let high = |v: &[u128], rng: &mut SplitMix| -> Vec<u128> {
                    v.iter().map(|&x| x | (rng.next_u128() << fmt.bits())).collect()
                };
                let dirty_m = high(&c.m, &mut rng);
                let dirty_v = high(&c.v, &mut rng);
                let dirty_init = c.init.as_ref().map(|v| high(v, &mut rng));
                let dirty_bias = c.bias.as_ref().map(|v| high(v, &mut rng));
                let dirty = ChainMatrix::new(&fmt, steps, rows, cols, &dirty_m).expect("finite");
                let mut dirty_out = Vec::new();
                let dirty_flags = dirty.mul_add_rows(
                    &env,
                    &dirty_v,
                    dirty_init.as_deref(),
                    dirty_bias.as_deref(),
                    &mut dirty_out,
                    &mut scratch,
                );
                assert_eq!((dirty_out, dirty_flags), (want, Some(want_flags)), "{fmt} case {case}");
            }
        }
        // The host path must be taken on a good share of the draws, or this test checks little.
        for kind in 0..2 {
            assert!(
                taken[kind] * 10 > total[kind],
                "{fmt}: host path taken {taken:?} of {total:?} times (mul-add, fma)"
            );
        }
    }
}

/// Fused one-term chains `fma(m, v, init)` where init nearly cancels the product (its rounded
/// negation, moved by a few ulps) or sits where the exact sum is near a tie, against the
/// reference fma: the cases where rounding the binary64 sum once more would go wrong.
#[test]
fn fused_steps_on_cancellation_and_near_ties() {
    let env = Env::default();
    let mut rng = SplitMix::new(0xF3A1);
    let mut scratch = ChainScratch::default();
    let mut out = Vec::new();
    for fmt in [Format::BINARY16, Format::BF16, Format::BINARY32] {
        let bias0 = i64::from(fmt.bias());
        let mut taken = 0u32;
        for case in 0..20_000u32 {
            let rows = 8;
            let m: Vec<u128> =
                (0..rows).map(|_| draw(&mut rng, &fmt, bias0 + 1, 0, false, false)).collect();
            let v = vec![draw(&mut rng, &fmt, bias0 + 1, 0, false, false)];
            let init: Vec<u128> = m
                .iter()
                .map(|&w| {
                    let p = fpcore::mul(&env, &fmt, w, v[0]).value ^ (1 << (fmt.bits() - 1));
                    let shift = rng.range(-3, 3);
                    let sign = p & (1 << (fmt.bits() - 1));
                    let mag = (p & !(1 << (fmt.bits() - 1))) as i128 + i128::from(shift);
                    if case % 2 == 0 {
                        sign | mag.max(1) as u128
                    } else {
                        // A value half the product's size: the sum lands anywhere in a binade,
                        // on ties when the low bits line up.
                        let half = (mag.max(1) as u128).saturating_sub(1 << fmt.frac_bits());
                        sign | half
                    }
                })
                .collect();
            let matrix = ChainMatrix::new(&fmt, ChainSteps::Fma, rows, 1, &m).expect("finite");
            let c =
                Case { steps: ChainSteps::Fma, rows, cols: 1, m, v, init: Some(init), bias: None };
            if let Some(flags) =
                matrix.mul_add_rows(&env, &c.v, c.init.as_deref(), None, &mut out, &mut scratch)
            {
                taken += 1;
                let (want, want_flags) = expected(&env, &fmt, &c);
                assert_eq!(
                    out, want,
                    "{fmt} case {case}: m={:x?} v={:x?} init={:x?}",
                    c.m, c.v, c.init
                );
                assert_eq!(flags, want_flags, "{fmt} case {case} flags");
            }
        }
        assert!(taken > 10_000, "{fmt}: host path taken {taken} times");
    }
}
