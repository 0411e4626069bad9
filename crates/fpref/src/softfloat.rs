//! Berkeley SoftFloat 3 (8086-SSE specialization, through `softfloat-sys`) as a [`Backend`].
//!
//! Formats: binary16, binary32, binary64, binary128 for every operation, and bfloat16 for
//! conversions only (SoftFloat provides `f32_to_bf16` and `bf16_to_f32`; conversions between
//! bfloat16 and the other formats go through binary32, which is exact on one side and the
//! single rounding on the other, see [`SoftFloat::supports`]). NaN results follow the x86
//! SSE rules, and the bfloat16 conversions misplace NaN payloads by one bit: see
//! [`crate::divergence::Divergence::SoftFloatNan`] and
//! [`crate::divergence::Divergence::SoftFloatBf16NanPayload`].
//!
//! SoftFloat keeps its rounding mode, tininess mode and exception flags in the variables
//! `softfloat_roundingMode`, `softfloat_detectTininess` and `softfloat_exceptionFlags`.
//! `softfloat-sys` compiles SoftFloat with `THREAD_LOCAL` defined as `_Thread_local` (or
//! `__thread` for GCC before 4.9) and reaches them through C helper functions, so they are
//! per thread: every evaluation sets the rounding mode and tininess, clears the flags, runs
//! the operation and reads the flags back on the calling thread, with no lock.
//!
//! SoftFloat's flag values are TestFloat's (inexact 1, underflow 2, overflow 4, infinite 8,
//! invalid 16), so the flag byte is taken over unchanged.
//!
//! The crate's `unsafe` code (FFI calls into SoftFloat) is in this module and in the SoftFloat
//! wrappers of [`crate::misc`].

use fpcore::{Flags, Format, Tininess};
use softfloat_sys as sf;

use crate::{check_operands, Backend, Op};

/// Berkeley SoftFloat 3 with x86 SSE NaN rules, rounding to nearest even.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SoftFloat {
    /// Tininess detection used for the underflow flag (SoftFloat's `softfloat_detectTininess`).
    pub tininess: Tininess,
}

/// The SoftFloat formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sf {
    F16,
    Bf16,
    F32,
    F64,
    F128,
}

/// SoftFloat's formats as fpcore formats.
const SF_FORMATS: [(Format, Sf); 5] = [
    (Format::BINARY16, Sf::F16),
    (Format::BF16, Sf::Bf16),
    (Format::BINARY32, Sf::F32),
    (Format::BINARY64, Sf::F64),
    (Format::BINARY128, Sf::F128),
];

/// The SoftFloat format of `fmt`, if SoftFloat has it.
pub(crate) fn sf_format(fmt: &Format) -> Option<Sf> {
    SF_FORMATS.iter().find(|(f, _)| f == fmt).map(|&(_, sf)| sf)
}

impl SoftFloat {
    /// A SoftFloat backend with the given tininess detection.
    pub fn new(tininess: Tininess) -> SoftFloat {
        SoftFloat { tininess }
    }
}

impl Backend for SoftFloat {
    fn name(&self) -> &'static str {
        "softfloat"
    }

    /// Arithmetic: binary16, binary32, binary64, binary128. Conversions: between any two
    /// distinct formats of those four, binary32 or binary16 to bfloat16, and bfloat16 to
    /// any of the four.
    fn supports(&self, fmt: &Format, op: &Op) -> bool {
        let Some(src) = sf_format(fmt) else { return false };
        match op {
            Op::Cvt(dst) => match (src, sf_format(dst)) {
                (_, None) => false,
                (a, Some(b)) if a == b => false,
                (Sf::Bf16, Some(_)) => true,
                (Sf::F16 | Sf::F32, Some(Sf::Bf16)) => true,
                (_, Some(Sf::Bf16)) => false,
                (_, Some(_)) => true,
            },
            Op::Act { .. } => false,
            _ => src != Sf::Bf16,
        }
    }

    fn eval(&self, fmt: &Format, op: &Op, operands: &[u128]) -> Option<(u128, Flags)> {
        if !self.supports(fmt, op) {
            return None;
        }
        check_operands(fmt, op, operands);
        let src = sf_format(fmt).expect("supported formats are SoftFloat formats");
        let (bits, flags) = with_state(self.tininess, || match op {
            Op::Cvt(dst) => {
                convert(src, sf_format(dst).expect("supported destination"), operands[0])
            }
            _ => arith(src, op, operands),
        });
        Some((bits, flags))
    }
}

/// Sets SoftFloat's per-thread state (round to nearest even, the given tininess, no flags),
/// runs `f`, and returns its result with the flags it raised.
pub(crate) fn with_state<T>(tininess: Tininess, f: impl FnOnce() -> T) -> (T, Flags) {
    let detect = match tininess {
        Tininess::AfterRounding => sf::softfloat_tininess_afterRounding,
        Tininess::BeforeRounding => sf::softfloat_tininess_beforeRounding,
    };
    // SAFETY: the helpers only read or write SoftFloat's `_Thread_local` state variables of
    // the calling thread; the values written are valid SoftFloat enumerators.
    unsafe {
        sf::softfloat_roundingMode_write_helper(sf::softfloat_round_near_even);
        sf::softfloat_detectTininess_write_helper(detect);
        sf::softfloat_exceptionFlags_write_helper(0);
    }
    let value = f();
    // SAFETY: as above, a read of the calling thread's flag variable.
    let flag_byte = unsafe { sf::softfloat_exceptionFlags_read_helper() };
    (value, Flags::from_bits(flag_byte).expect("SoftFloat raises only the five IEEE flags"))
}

pub(crate) fn f16(x: u128) -> sf::float16_t {
    sf::float16_t { v: u16::try_from(x).expect("operand checked to fit 16 bits") }
}
pub(crate) fn bf16(x: u128) -> sf::bfloat16_t {
    sf::bfloat16_t { v: u16::try_from(x).expect("operand checked to fit 16 bits") }
}
pub(crate) fn f32(x: u128) -> sf::float32_t {
    sf::float32_t { v: u32::try_from(x).expect("operand checked to fit 32 bits") }
}
pub(crate) fn f64(x: u128) -> sf::float64_t {
    sf::float64_t { v: u64::try_from(x).expect("operand checked to fit 64 bits") }
}
/// `float128_t` is `uint64_t v[2]` in SoftFloat's little-endian word order: `v[0]` holds the
/// low 64 bits (sign and exponent are in `v[1]`).
pub(crate) fn f128(x: u128) -> sf::float128_t {
    sf::float128_t { v: [x as u64, (x >> 64) as u64] }
}
pub(crate) fn from_f128(x: sf::float128_t) -> u128 {
    u128::from(x.v[0]) | (u128::from(x.v[1]) << 64)
}

fn arith(fmt: Sf, op: &Op, x: &[u128]) -> u128 {
    // SAFETY: SoftFloat's arithmetic functions are pure functions of their by-value operands
    // apart from the per-thread rounding/tininess/flag state set up by `with_state`; every bit
    // pattern is a valid operand.
    unsafe {
        match fmt {
            Sf::F16 => u128::from(
                match op {
                    Op::Add => sf::f16_add(f16(x[0]), f16(x[1])),
                    Op::Sub => sf::f16_sub(f16(x[0]), f16(x[1])),
                    Op::Mul => sf::f16_mul(f16(x[0]), f16(x[1])),
                    Op::Div => sf::f16_div(f16(x[0]), f16(x[1])),
                    Op::Sqrt => sf::f16_sqrt(f16(x[0])),
                    Op::Fma => sf::f16_mulAdd(f16(x[0]), f16(x[1]), f16(x[2])),
                    Op::Cvt(_) | Op::Act { .. } => unreachable!("filtered by supports"),
                }
                .v,
            ),
            Sf::F32 => u128::from(
                match op {
                    Op::Add => sf::f32_add(f32(x[0]), f32(x[1])),
                    Op::Sub => sf::f32_sub(f32(x[0]), f32(x[1])),
                    Op::Mul => sf::f32_mul(f32(x[0]), f32(x[1])),
                    Op::Div => sf::f32_div(f32(x[0]), f32(x[1])),
                    Op::Sqrt => sf::f32_sqrt(f32(x[0])),
                    Op::Fma => sf::f32_mulAdd(f32(x[0]), f32(x[1]), f32(x[2])),
                    Op::Cvt(_) | Op::Act { .. } => unreachable!("filtered by supports"),
                }
                .v,
            ),
            Sf::F64 => u128::from(
                match op {
                    Op::Add => sf::f64_add(f64(x[0]), f64(x[1])),
                    Op::Sub => sf::f64_sub(f64(x[0]), f64(x[1])),
                    Op::Mul => sf::f64_mul(f64(x[0]), f64(x[1])),
                    Op::Div => sf::f64_div(f64(x[0]), f64(x[1])),
                    Op::Sqrt => sf::f64_sqrt(f64(x[0])),
                    Op::Fma => sf::f64_mulAdd(f64(x[0]), f64(x[1]), f64(x[2])),
                    Op::Cvt(_) | Op::Act { .. } => unreachable!("filtered by supports"),
                }
                .v,
            ),
            Sf::F128 => from_f128(match op {
                Op::Add => sf::f128_add(f128(x[0]), f128(x[1])),
                Op::Sub => sf::f128_sub(f128(x[0]), f128(x[1])),
                Op::Mul => sf::f128_mul(f128(x[0]), f128(x[1])),
                Op::Div => sf::f128_div(f128(x[0]), f128(x[1])),
                Op::Sqrt => sf::f128_sqrt(f128(x[0])),
                Op::Fma => sf::f128_mulAdd(f128(x[0]), f128(x[1]), f128(x[2])),
                Op::Cvt(_) | Op::Act { .. } => unreachable!("filtered by supports"),
            }),
            Sf::Bf16 => unreachable!("bfloat16 has conversions only"),
        }
    }
}

fn convert(src: Sf, dst: Sf, x: u128) -> u128 {
    // SAFETY: SoftFloat's conversion functions are pure functions of their by-value operand
    // apart from the per-thread state set up by `with_state`; every bit pattern is valid.
    unsafe {
        match (src, dst) {
            (Sf::F16, Sf::F32) => u128::from(sf::f16_to_f32(f16(x)).v),
            (Sf::F16, Sf::F64) => u128::from(sf::f16_to_f64(f16(x)).v),
            (Sf::F16, Sf::F128) => from_f128(sf::f16_to_f128(f16(x))),
            (Sf::F32, Sf::F16) => u128::from(sf::f32_to_f16(f32(x)).v),
            (Sf::F32, Sf::F64) => u128::from(sf::f32_to_f64(f32(x)).v),
            (Sf::F32, Sf::F128) => from_f128(sf::f32_to_f128(f32(x))),
            (Sf::F64, Sf::F16) => u128::from(sf::f64_to_f16(f64(x)).v),
            (Sf::F64, Sf::F32) => u128::from(sf::f64_to_f32(f64(x)).v),
            (Sf::F64, Sf::F128) => from_f128(sf::f64_to_f128(f64(x))),
            (Sf::F128, Sf::F16) => u128::from(sf::f128_to_f16(f128(x)).v),
            (Sf::F128, Sf::F32) => u128::from(sf::f128_to_f32(f128(x)).v),
            (Sf::F128, Sf::F64) => u128::from(sf::f128_to_f64(f128(x)).v),
            // binary32 to bfloat16 rounds once.
            (Sf::F32, Sf::Bf16) => u128::from(sf::f32_to_bf16(f32(x)).v),
            // binary16 to binary32 is exact (a signaling NaN is quieted with the invalid flag
            // there, and the quiet NaN then passes the second step without flags), so the
            // single rounding is the last step.
            (Sf::F16, Sf::Bf16) => u128::from(sf::f32_to_bf16(sf::f16_to_f32(f16(x))).v),
            // bfloat16 to binary32 is exact; the second step rounds once (or is exact).
            (Sf::Bf16, Sf::F32) => u128::from(sf::bf16_to_f32(bf16(x)).v),
            (Sf::Bf16, Sf::F16) => u128::from(sf::f32_to_f16(sf::bf16_to_f32(bf16(x))).v),
            (Sf::Bf16, Sf::F64) => u128::from(sf::f32_to_f64(sf::bf16_to_f32(bf16(x))).v),
            (Sf::Bf16, Sf::F128) => from_f128(sf::f32_to_f128(sf::bf16_to_f32(bf16(x)))),
            _ => unreachable!("unsupported conversion {src:?} -> {dst:?} filtered by supports"),
        }
    }
}

/// Direct calls into SoftFloat on raw bit patterns, without the adapter's state handling, for
/// benchmarks: the cost measured is SoftFloat's own. Rounding mode and tininess are whatever
/// the calling thread's SoftFloat state holds (round to nearest even unless changed), and
/// flags accumulate in that state.
pub mod raw {
    use softfloat_sys as sf;

    macro_rules! binary {
        ($($name:ident: $ty:ident($bits:ty) = $func:ident;)*) => {$(
            #[doc = concat!("SoftFloat's `", stringify!($func), "` on bit patterns.")]
            #[inline]
            pub fn $name(a: $bits, b: $bits) -> $bits {
                // SAFETY: a pure function of its by-value operands; it touches only SoftFloat's
                // thread-local state.
                unsafe { sf::$func(sf::$ty { v: a }, sf::$ty { v: b }).v }
            }
        )*};
    }
    macro_rules! unary {
        ($($name:ident: $ty:ident($bits:ty) = $func:ident;)*) => {$(
            #[doc = concat!("SoftFloat's `", stringify!($func), "` on a bit pattern.")]
            #[inline]
            pub fn $name(a: $bits) -> $bits {
                // SAFETY: as for the binary operations.
                unsafe { sf::$func(sf::$ty { v: a }).v }
            }
        )*};
    }
    macro_rules! ternary {
        ($($name:ident: $ty:ident($bits:ty) = $func:ident;)*) => {$(
            #[doc = concat!("SoftFloat's `", stringify!($func), "` on bit patterns.")]
            #[inline]
            pub fn $name(a: $bits, b: $bits, c: $bits) -> $bits {
                // SAFETY: as for the binary operations.
                unsafe { sf::$func(sf::$ty { v: a }, sf::$ty { v: b }, sf::$ty { v: c }).v }
            }
        )*};
    }
    binary! {
        f16_add: float16_t(u16) = f16_add;
        f16_mul: float16_t(u16) = f16_mul;
        f16_div: float16_t(u16) = f16_div;
        f32_add: float32_t(u32) = f32_add;
        f32_mul: float32_t(u32) = f32_mul;
        f32_div: float32_t(u32) = f32_div;
        f64_add: float64_t(u64) = f64_add;
        f64_mul: float64_t(u64) = f64_mul;
        f64_div: float64_t(u64) = f64_div;
        f128_add: float128_t([u64; 2]) = f128_add;
        f128_mul: float128_t([u64; 2]) = f128_mul;
        f128_div: float128_t([u64; 2]) = f128_div;
    }
    unary! {
        f16_sqrt: float16_t(u16) = f16_sqrt;
        f32_sqrt: float32_t(u32) = f32_sqrt;
        f64_sqrt: float64_t(u64) = f64_sqrt;
        f128_sqrt: float128_t([u64; 2]) = f128_sqrt;
    }
    ternary! {
        f16_fma: float16_t(u16) = f16_mulAdd;
        f32_fma: float32_t(u32) = f32_mulAdd;
        f64_fma: float64_t(u64) = f64_mulAdd;
        f128_fma: float128_t([u64; 2]) = f128_mulAdd;
    }
}
