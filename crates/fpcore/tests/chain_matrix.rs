//! `ChainMatrix::mul_add_rows` (the host kernel of many sequential chains) against its
//! definition on the integer operations: `add(mul_add_chain_integer(init_r, row r), b_r)`,
//! values and flags, over binary16, bfloat16 and binary32 matrices drawn near 1, near the
//! tininess threshold of the products and near overflow, with and without initial values
//! and biases, under every environment.

mod common;

use common::SplitMix;
use fpcore::{ChainMatrix, ChainScratch, Env, Flags, Format, NanPolicy, OverflowPolicy, Tininess};

fn envs() -> Vec<Env> {
    let mut out = Vec::new();
    for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
        for nan in [NanPolicy::Canonical, NanPolicy::X86Sse] {
            for overflow in [OverflowPolicy::Ieee, OverflowPolicy::Saturate] {
                out.push(Env { tininess, nan, overflow });
            }
        }
    }
    out
}

/// A value of `fmt` with an exponent code drawn in `center ± 3`, a random fraction and sign;
/// one in `zeros` is ±0, one in 50 an arbitrary pattern (specials and subnormals included).
fn draw(rng: &mut SplitMix, fmt: &Format, center: i64, zeros: u64, exact: bool) -> u128 {
    let r = rng.next();
    let sign = u128::from(r & 1) << (fmt.bits() - 1);
    if zeros > 0 && r % zeros == 1 {
        return sign;
    }
    if r % 50 == 7 {
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

/// The definition, on the integer operations.
fn expected(
    env: &Env,
    fmt: &Format,
    m: &[u128],
    rows: usize,
    cols: usize,
    v: &[u128],
    init: Option<&[u128]>,
    bias: Option<&[u128]>,
) -> (Vec<u128>, Flags) {
    let mut flags = Flags::NONE;
    let mut out = Vec::new();
    for r in 0..rows {
        let row = &m[r * cols..(r + 1) * cols];
        let acc = init.map_or(fmt.zero(false), |i| i[r]);
        let s = fpcore::mul_add_chain_integer(
            env,
            fmt,
            acc,
            row.iter().copied().zip(v.iter().copied()),
        );
        flags |= s.flags;
        let y = match bias {
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
    let mut rng = SplitMix(0x3A7C);
    let mut scratch = ChainScratch::default();
    let mut out = Vec::new();
    for fmt in [Format::BINARY16, Format::BF16, Format::BINARY32] {
        let bias0 = i64::from(fmt.bias());
        // Centres of the exponent codes: near 1, products near 2^emin, products near overflow.
        let centers =
            [bias0, bias0 + i64::from(fmt.emin()) / 2 + 2, bias0 + i64::from(fmt.emax()) / 2 - 4];
        let (mut taken, mut total) = (0u32, 0u32);
        for case in 0..3000u32 {
            let env = envs()[(case % 8) as usize];
            let rows = 1 + (rng.next() % 20) as usize;
            let cols = if case % 3 == 0 { 0 } else { (rng.next() % 70) as usize };
            let center = centers[(case % 3) as usize];
            let exact = case % 7 == 0;
            let zeros = [0, 3, 10][(case % 5 % 3) as usize];
            let m: Vec<u128> =
                (0..rows * cols).map(|_| draw(&mut rng, &fmt, center, zeros, exact)).collect();
            let v: Vec<u128> =
                (0..cols).map(|_| draw(&mut rng, &fmt, center, zeros, exact)).collect();
            let init: Option<Vec<u128>> = (case % 4 == 1)
                .then(|| (0..rows).map(|_| draw(&mut rng, &fmt, center, 4, exact)).collect());
            let bias: Option<Vec<u128>> = (case % 4 != 2)
                .then(|| (0..rows).map(|_| draw(&mut rng, &fmt, bias0, 4, exact)).collect());
            let Some(matrix) = ChainMatrix::new(&fmt, rows, cols, &m) else {
                // Only a matrix with an infinity or NaN is refused.
                assert!(m.iter().any(|&w| (w >> fmt.frac_bits()) & ((1 << fmt.exp_bits()) - 1)
                    == (1 << fmt.exp_bits()) - 1));
                continue;
            };
            total += 1;
            let got = matrix.mul_add_rows(
                &env,
                &v,
                init.as_deref(),
                bias.as_deref(),
                &mut out,
                &mut scratch,
            );
            let (want, want_flags) =
                expected(&env, &fmt, &m, rows, cols, &v, init.as_deref(), bias.as_deref());
            if cols == 0 {
                assert_eq!(m.len(), 0);
            }
            if let Some(flags) = got {
                taken += 1;
                assert_eq!(
                    out, want,
                    "{fmt} case {case}: m={m:x?} v={v:x?} init={init:x?} bias={bias:x?}"
                );
                assert_eq!(flags, want_flags, "{fmt} case {case} flags");
            }
        }
        // The host path must be taken on a good share of the draws, or this test checks little.
        assert!(taken * 4 > total, "{fmt}: host path taken {taken} of {total} times");
    }
}
