//! The elementwise kernel: one call per operation over whole slices of bit patterns, each
//! slice in the narrowest unsigned word that holds the format (`u8`, `u16`, `u32`, `u64`).
//!
//! [`eval_slice`] is the single place where array calls compute; today it loops over
//! [`fpcore::Op::eval`], the scalar path, and it is where slice kernels plug in.

use fpcore::{Env, Format, Op};

/// An unsigned word holding one encoding, read from and written to native-endian bytes.
pub trait Word: Copy + Default + Send + Sync {
    /// Bytes per word.
    const BYTES: usize;
    /// The word as an encoding.
    fn to_bits(self) -> u128;
    /// The low bits of an encoding as a word.
    fn from_bits(bits: u128) -> Self;
    /// Words from native-endian bytes (a length not a multiple of [`Word::BYTES`] is cut).
    fn read(bytes: &[u8]) -> Vec<Self>;
    /// Words as native-endian bytes.
    fn write(words: &[Self]) -> Vec<u8>;
}

macro_rules! word {
    ($t:ty) => {
        impl Word for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            #[inline]
            fn to_bits(self) -> u128 {
                u128::from(self)
            }
            #[inline]
            fn from_bits(bits: u128) -> Self {
                // Results fit the format's width, which fits the word.
                bits as $t
            }
            fn read(bytes: &[u8]) -> Vec<Self> {
                bytes
                    .chunks_exact(Self::BYTES)
                    .map(|c| <$t>::from_ne_bytes(c.try_into().expect("chunk of the word's size")))
                    .collect()
            }
            fn write(words: &[Self]) -> Vec<u8> {
                words.iter().flat_map(|w| w.to_ne_bytes()).collect()
            }
        }
    };
}
word!(u8);
word!(u16);
word!(u32);
word!(u64);

/// Evaluates `op` elementwise: `out[i], flags[i] = op(operands[0][i], operands[1][i], ...)`.
///
/// Every operand slice and `out` and `flags` have the same length and `operands.len()` is
/// the operation's arity (the caller checks both); operands are encodings of `fmt`, results
/// encodings of `op.result_format(fmt)`, flags TestFloat's bits.
pub fn eval_slice<A: Word, R: Word>(
    op: &Op,
    env: &Env,
    fmt: &Format,
    operands: &[&[A]],
    out: &mut [R],
    flags: &mut [u8],
) {
    let mut put = |i: usize, r: fpcore::Rounded<u128>| {
        out[i] = R::from_bits(r.value);
        flags[i] = r.flags.bits();
    };
    match operands {
        [a] => {
            for (i, &x) in a.iter().enumerate() {
                put(i, op.eval(env, fmt, &[x.to_bits()]));
            }
        }
        [a, b] => {
            for (i, (&x, &y)) in a.iter().zip(b.iter()).enumerate() {
                put(i, op.eval(env, fmt, &[x.to_bits(), y.to_bits()]));
            }
        }
        [a, b, c] => {
            for (i, ((&x, &y), &z)) in a.iter().zip(b.iter()).zip(c.iter()).enumerate() {
                put(i, op.eval(env, fmt, &[x.to_bits(), y.to_bits(), z.to_bits()]));
            }
        }
        _ => unreachable!("operations take one to three operands"),
    }
}

/// [`eval_slice`] over native-endian byte buffers of `A` words, returning the results as
/// bytes of `R` words and the flags.
pub fn eval_bytes<A: Word, R: Word>(
    op: &Op,
    env: &Env,
    fmt: &Format,
    operands: &[&[u8]],
) -> (Vec<u8>, Vec<u8>) {
    let words: Vec<Vec<A>> = operands.iter().map(|b| A::read(b)).collect();
    let slices: Vec<&[A]> = words.iter().map(Vec::as_slice).collect();
    let n = slices.first().map_or(0, |s| s.len());
    let mut out = vec![R::default(); n];
    let mut flags = vec![0u8; n];
    eval_slice(op, env, fmt, &slices, &mut out, &mut flags);
    (R::write(&out), flags)
}

/// Seconds that [`eval_slice`] alone takes over the operands (decoded beforehand), for the
/// benchmark's overhead figure: a whole array call minus this is the layer's cost.
pub fn time_slice<A: Word>(op: &Op, env: &Env, fmt: &Format, operands: &[&[u8]]) -> f64 {
    let words: Vec<Vec<A>> = operands.iter().map(|b| A::read(b)).collect();
    let slices: Vec<&[A]> = words.iter().map(Vec::as_slice).collect();
    let n = slices.first().map_or(0, |s| s.len());
    let mut out = vec![A::default(); n];
    let mut flags = vec![0u8; n];
    let start = std::time::Instant::now();
    eval_slice(op, env, fmt, &slices, &mut out, &mut flags);
    std::hint::black_box((&out, &flags));
    start.elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_equal_the_scalar_path() {
        let env = Env::default();
        let fmt = Format::BF16;
        let a: Vec<u16> = (0..=u16::MAX).step_by(97).collect();
        let b: Vec<u16> = a.iter().rev().copied().collect();
        let mut out = vec![0u16; a.len()];
        let mut flags = vec![0u8; a.len()];
        eval_slice(&Op::Mul, &env, &fmt, &[&a, &b], &mut out, &mut flags);
        for i in 0..a.len() {
            let r = fpcore::mul(&env, &fmt, a[i].into(), b[i].into());
            assert_eq!((u128::from(out[i]), flags[i]), (r.value, r.flags.bits()), "{i}");
        }
    }

    #[test]
    fn bytes_round_trip_and_conversions_change_width() {
        let env = Env::default();
        let one_bf16 = 0x3F80u16.to_ne_bytes();
        let (out, flags) =
            eval_bytes::<u16, u32>(&Op::Cvt(Format::BINARY32), &env, &Format::BF16, &[&one_bf16]);
        assert_eq!(out, 0x3F80_0000u32.to_ne_bytes().to_vec());
        assert_eq!(flags, vec![0]);
    }
}
