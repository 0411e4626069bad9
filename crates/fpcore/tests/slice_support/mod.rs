//! Shared checks of the slice tests: run a slice operation with `u128` elements and with the
//! narrowest element type that holds the format, and compare every element's value and flags
//! and the returned union with the scalar operation, element by element.

#![allow(dead_code, reason = "each test binary uses a subset")]

use fpcore::slice::{self, BinaryOp, Bits};
use fpcore::{Env, Flags, Format, Rounded};

/// What a slice call returned: values (as `u128`), per-element flags, union.
pub type Run = (Vec<u128>, Vec<Flags>, Flags);

fn widen<T: Bits>(v: &[T]) -> Vec<u128> {
    v.iter().map(|x| x.to_u128()).collect()
}

fn narrow<T: Bits>(v: &[u128]) -> Vec<T> {
    v.iter().map(|&x| T::from_u128(x)).collect()
}

/// A slice call over operand columns of `T`, writing values and flags.
type Call<'a, T> = &'a dyn Fn(&[Vec<T>], &mut [T], &mut [Flags]) -> Flags;

/// Runs `call` with elements of type `T`.
fn typed<T: Bits>(operands: &[&[u128]], call: Call<'_, T>) -> Run {
    let ops: Vec<Vec<T>> = operands.iter().map(|o| narrow::<T>(o)).collect();
    let n = operands[0].len();
    let mut out = vec![T::default(); n];
    let mut flags = vec![Flags::NONE; n];
    let union = call(&ops, &mut out, &mut flags);
    (widen(&out), flags, union)
}

/// The slice operation `call` (generic over the element type through the macro below) run
/// with `u128` elements and with the narrowest type holding `bits`-bit encodings.
macro_rules! both_types {
    ($bits:expr, $operands:expr, |$ops:ident, $out:ident, $flags:ident| $body:expr) => {{
        let wide = typed::<u128>($operands, &|$ops, $out, $flags| $body);
        let narrow = match $bits {
            0..=8 => typed::<u8>($operands, &|$ops, $out, $flags| $body),
            9..=16 => typed::<u16>($operands, &|$ops, $out, $flags| $body),
            17..=32 => typed::<u32>($operands, &|$ops, $out, $flags| $body),
            33..=64 => typed::<u64>($operands, &|$ops, $out, $flags| $body),
            _ => typed::<u128>($operands, &|$ops, $out, $flags| $body),
        };
        assert_eq!(wide, narrow, "u128 and narrow elements differ");
        wide
    }};
}

/// Compares a run with the scalar results, element by element, and the union.
pub fn assert_matches(what: &str, operands: &[&[u128]], run: &Run, expected: &[Rounded<u128>]) {
    let (values, flags, union) = run;
    let mut all = Flags::NONE;
    for (i, want) in expected.iter().enumerate() {
        let args: Vec<String> = operands.iter().map(|o| format!("{:#x}", o[i])).collect();
        assert_eq!(
            (values[i], flags[i]),
            (want.value, want.flags),
            "{what}: element {i} of ({})",
            args.join(", ")
        );
        all |= want.flags;
    }
    assert_eq!(*union, all, "{what}: union of the flags");
}

/// Checks `op` over the pairs `(a[i], b[i])` against its scalar operation.
pub fn check_binary(env: &Env, fmt: &Format, op: BinaryOp, a: &[u128], b: &[u128]) {
    let run = both_types!(fmt.bits(), &[a, b], |ops, out, flags| {
        slice::binary(env, fmt, op, &ops[0], &ops[1], out, Some(flags)).expect("lengths agree")
    });
    let scalar = op.scalar();
    let expected: Vec<_> = a.iter().zip(b).map(|(&x, &y)| scalar(env, fmt, x, y)).collect();
    assert_matches(&format!("{op:?} {}", fmt.name()), &[a, b], &run, &expected);
}

/// Checks `sqrt` over `a` against the scalar square root.
pub fn check_sqrt(env: &Env, fmt: &Format, a: &[u128]) {
    let run = both_types!(fmt.bits(), &[a], |ops, out, flags| {
        slice::sqrt(env, fmt, &ops[0], out, Some(flags)).expect("lengths agree")
    });
    let expected: Vec<_> = a.iter().map(|&x| fpcore::sqrt(env, fmt, x)).collect();
    assert_matches(&format!("sqrt {}", fmt.name()), &[a], &run, &expected);
}

/// Checks the fma over `(a[i], b[i], c[i])` against the scalar fma.
pub fn check_fma(env: &Env, fmt: &Format, a: &[u128], b: &[u128], c: &[u128]) {
    let run = both_types!(fmt.bits(), &[a, b, c], |ops, out, flags| {
        slice::fma(env, fmt, (&ops[0], &ops[1], &ops[2]), out, Some(flags)).expect("lengths agree")
    });
    let expected: Vec<_> = (0..a.len()).map(|i| fpcore::fma(env, fmt, a[i], b[i], c[i])).collect();
    assert_matches(&format!("fma {}", fmt.name()), &[a, b, c], &run, &expected);
}

/// Checks the conversion of `a` from `src` to `dst` against the scalar conversion (`u128`
/// elements on both sides, then `u64` source elements where they hold `src`).
pub fn check_convert(env: &Env, src: &Format, dst: &Format, a: &[u128]) {
    let mut out = vec![0u128; a.len()];
    let mut flags = vec![Flags::NONE; a.len()];
    let union = slice::convert(env, (src, dst), a, &mut out, Some(&mut flags)).expect("lengths");
    let expected: Vec<_> = a.iter().map(|&x| fpcore::convert(env, src, dst, x)).collect();
    let what = format!("convert {} -> {}", src.name(), dst.name());
    let run = (out, flags, union);
    assert_matches(&what, &[a], &run, &expected);
    if src.bits() <= 64 {
        let narrow: Vec<u64> = a.iter().map(|&x| x as u64).collect();
        let mut out2 = vec![0u128; a.len()];
        let mut flags2 = vec![Flags::NONE; a.len()];
        let union2 = slice::convert(env, (src, dst), &narrow, &mut out2, Some(&mut flags2))
            .expect("lengths");
        assert_eq!(run, (out2, flags2, union2), "{what}: u64 source elements");
    }
}

/// Every environment the kernels distinguish: both tininess rules.
pub fn envs() -> [Env; 2] {
    let before = Env { tininess: fpcore::Tininess::BeforeRounding, ..Env::default() };
    [Env::default(), before]
}

/// A set of encodings of an IEEE-layout or 8-bit format that covers its structure: every
/// exponent code near the ends and the middle, with fractions 0, 1, 2, half, half + 1,
/// all ones and all ones - 1, both signs.
pub fn structured(fmt: &Format) -> Vec<u128> {
    let code_max = (1u128 << fmt.exp_bits()) - 1;
    let mid = code_max / 2;
    let frac_max = (1u128 << fmt.frac_bits()) - 1;
    let half = frac_max.div_ceil(2);
    let codes = [0, 1, 2, mid - 1, mid, mid + 1, code_max - 2, code_max - 1, code_max];
    let fracs = [0, 1, 2, half, half + 1, frac_max - 1, frac_max];
    let mut out = Vec::new();
    for sign in [0, 1u128 << (fmt.bits() - 1)] {
        for code in codes {
            for frac in fracs {
                out.push(sign | (code << fmt.frac_bits()) | (frac & frac_max));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
