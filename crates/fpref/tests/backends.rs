//! Sanity of both backends against results derived independently: the host's binary32 and
//! binary64 arithmetic (correctly rounded IEEE 754), exact binary64 products, and an integer
//! formula for binary32 to bfloat16 rounding; plus flag mapping on cases with known flags.

use fporacle::gen::SplitMix;
use fpref::{ApFloat, Backend, Flags, Format, Op, SoftFloat, Tininess};

/// The encodings these tests draw from [`SplitMix`].
trait Draw {
    /// An encoding of an IEEE-layout format: see the implementation.
    fn ieee(&mut self, exp_bits: u32, frac_bits: u32) -> u128;
}

impl Draw for SplitMix {
    /// An encoding of an IEEE-layout format of `exp_bits` exponent and `frac_bits` fraction
    /// bits, weighted towards zeros, subnormals, the smallest normals, values near 1, the
    /// largest finites, infinities and NaNs, with significands often all zeros or all ones.
    fn ieee(&mut self, exp_bits: u32, frac_bits: u32) -> u128 {
        let top = (1u128 << exp_bits) - 1;
        let bias = top >> 1;
        let sign = u128::from(self.below(2)) << (exp_bits + frac_bits);
        let exp = match self.below(10) {
            0 => 0,
            1 => top,
            2 => 1 + u128::from(self.below(2)),
            3 => top - 1 - u128::from(self.below(2)),
            4 => bias.saturating_sub(2) + u128::from(self.below(5)),
            5 => bias / 2 + u128::from(self.below(3)),
            _ => u128::from(self.next_u64()) % (top + 1),
        };
        let frac_mask = (1u128 << frac_bits) - 1;
        let random =
            ((u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())) & frac_mask;
        let frac = match self.below(6) {
            0 => 0,
            1 => frac_mask,
            2 => frac_mask ^ (random & 0xF),
            3 => random >> (frac_bits / 2),
            _ => random,
        };
        sign | (exp.min(top) << frac_bits) | frac
    }
}

/// The host's result of an arithmetic `op` in `$float` (binary32 or binary64, correctly
/// rounded IEEE 754 arithmetic) on the operand encodings `$x`: (encoding, whether NaN).
macro_rules! host {
    ($float:ty, $bits:ty, $op:expr, $x:expr) => {{
        let v = |i: usize| <$float>::from_bits(<$bits>::try_from($x[i]).expect("operand width"));
        let r = match $op {
            Op::Add => v(0) + v(1),
            Op::Sub => v(0) - v(1),
            Op::Mul => v(0) * v(1),
            Op::Div => v(0) / v(1),
            Op::Sqrt => v(0).sqrt(),
            Op::Fma => v(0).mul_add(v(1), v(2)),
            Op::Cvt(_) | Op::Act { .. } => unreachable!("arithmetic only"),
        };
        (u128::from(r.to_bits()), r.is_nan())
    }};
}

/// Compares a backend with the host on `n` operand tuples per operation; NaN results only
/// need to be NaN on both sides.
fn against_host(backend: &dyn Backend, fmt: &Format, n: usize, seed: u64) {
    let (exp_bits, frac_bits) = (fmt.exp_bits(), fmt.frac_bits());
    let mut rng = SplitMix::new(seed);
    for op in Op::ARITHMETIC {
        if !backend.supports(fmt, &op) {
            continue;
        }
        for _ in 0..n {
            let x: Vec<u128> = (0..op.arity()).map(|_| rng.ieee(exp_bits, frac_bits)).collect();
            let (got, _) = backend.eval(fmt, &op, &x).expect("supported");
            let ((want, want_nan), got_nan) = if fmt.bits() == 32 {
                let got32 = u32::try_from(got).expect("binary32 result");
                (host!(f32, u32, op, x), f32::from_bits(got32).is_nan())
            } else {
                let got64 = u64::try_from(got).expect("binary64 result");
                (host!(f64, u64, op, x), f64::from_bits(got64).is_nan())
            };
            assert_eq!(
                got_nan,
                want_nan,
                "{} {fmt} {} {x:x?}: {got:#x} vs host {want:#x}",
                backend.name(),
                op.name()
            );
            if !want_nan {
                assert_eq!(got, want, "{} {fmt} {} {x:x?}", backend.name(), op.name());
            }
        }
    }
}

#[test]
fn softfloat_binary32_matches_host() {
    against_host(&SoftFloat::default(), &Format::BINARY32, 4000, 1);
}

#[test]
fn softfloat_binary64_matches_host() {
    against_host(&SoftFloat::default(), &Format::BINARY64, 4000, 2);
}

#[test]
fn apfloat_binary32_matches_host() {
    against_host(&ApFloat, &Format::BINARY32, 4000, 3);
}

#[test]
fn apfloat_binary64_matches_host() {
    against_host(&ApFloat, &Format::BINARY64, 4000, 4);
}

/// Inexact and underflow of binary32 products, derived from the exact product in binary64
/// (24 x 24 bits fit in 53) and the IEEE definitions: tiny after rounding means
/// |x| < 2^-126 * (1 - 2^-25), before rounding |x| < 2^-126; APFloat's rule is a subnormal
/// or zero delivered result.
#[test]
fn binary32_product_flags_match_their_definitions() {
    let fmt = Format::BINARY32;
    let min_normal = f64::from(f32::MIN_POSITIVE);
    let after_bound = min_normal * (1.0 - 2f64.powi(-25));
    let mut rng = SplitMix::new(5);
    let mut band_hits = 0;
    for i in 0..20000 {
        // Operand exponents chosen so that products land around 2^-126, often in the band.
        let a_exp = 64 + rng.below(60) as u32;
        let b_exp = 127 + 127 - 126 - a_exp + rng.below(3) as u32 - 1;
        let frac = |rng: &mut SplitMix| match rng.below(3) {
            0 => 0x7F_FFFF ^ (rng.next_u64() as u32 & 0x3),
            1 => rng.next_u64() as u32 & 0x3,
            _ => rng.next_u64() as u32 & 0x7F_FFFF,
        };
        let a = f32::from_bits((a_exp << 23) | frac(&mut rng));
        let b = f32::from_bits((b_exp << 23) | frac(&mut rng));
        let b = if i % 2 == 0 { b } else { -b };
        let exact = f64::from(a) * f64::from(b);
        let r = a * b;
        let inexact = f64::from(r) != exact;
        let tiny_after = exact.abs() < after_bound;
        let tiny_before = exact.abs() < min_normal;
        let ap_tiny = r.abs() < f32::MIN_POSITIVE;
        if inexact && tiny_before && !ap_tiny {
            band_hits += 1;
        }
        let expect = |tiny: bool| {
            let mut f = Flags::NONE;
            if inexact {
                f = f.union(Flags::INEXACT);
                if tiny {
                    f = f.union(Flags::UNDERFLOW);
                }
            }
            (u128::from(r.to_bits()), f)
        };
        let x = [u128::from(a.to_bits()), u128::from(b.to_bits())];
        let sf_after = SoftFloat::new(Tininess::AfterRounding);
        let sf_before = SoftFloat::new(Tininess::BeforeRounding);
        assert_eq!(sf_after.eval(&fmt, &Op::Mul, &x), Some(expect(tiny_after)), "{a:e} * {b:e}");
        assert_eq!(sf_before.eval(&fmt, &Op::Mul, &x), Some(expect(tiny_before)), "{a:e} * {b:e}");
        assert_eq!(ApFloat.eval(&fmt, &Op::Mul, &x), Some(expect(ap_tiny)), "{a:e} * {b:e}");
    }
    assert!(band_hits > 100, "the generator reaches the underflow band ({band_hits} hits)");
}

/// One case per flag, with TestFloat's flag values, on both backends.
#[test]
fn flags_map_by_name() {
    let fmt = Format::BINARY32;
    let b = |x: f32| u128::from(x.to_bits());
    let cases: [(Op, Vec<u128>, Flags); 7] = [
        (Op::Div, vec![b(1.0), b(3.0)], Flags::from_bits(0x01).expect("inexact")),
        (Op::Mul, vec![b(1e-30), b(1e-10)], Flags::from_bits(0x03).expect("underflow|inexact")),
        (Op::Mul, vec![b(f32::MAX), b(2.0)], Flags::from_bits(0x05).expect("overflow|inexact")),
        (Op::Div, vec![b(1.0), b(0.0)], Flags::from_bits(0x08).expect("infinite")),
        (Op::Div, vec![b(0.0), b(0.0)], Flags::from_bits(0x10).expect("invalid")),
        (Op::Add, vec![b(f32::INFINITY), b(f32::NEG_INFINITY)], Flags::INVALID),
        (Op::Add, vec![b(1.0), b(2.0)], Flags::NONE),
    ];
    let backends: [&dyn Backend; 2] = [&SoftFloat::default(), &ApFloat];
    for backend in backends {
        for (op, x, flags) in &cases {
            let (_, got) = backend.eval(&fmt, op, x).expect("supported");
            assert_eq!(got, *flags, "{} {} {x:x?}", backend.name(), op.name());
        }
    }
    // A signaling NaN operand raises invalid and comes back quiet, payload kept.
    let snan = 0x7F80_0001u128;
    for backend in backends {
        let got = backend.eval(&fmt, &Op::Add, &[snan, b(1.0)]).expect("supported");
        assert_eq!(got, (0x7FC0_0001, Flags::INVALID), "{}", backend.name());
    }
}

#[test]
fn conversions_match_host() {
    let (f32f, f64f) = (Format::BINARY32, Format::BINARY64);
    let backends: [&dyn Backend; 2] = [&SoftFloat::default(), &ApFloat];
    let mut rng = SplitMix::new(6);
    for _ in 0..4000 {
        let x = rng.ieee(11, 52);
        let xf = f64::from_bits(u64::try_from(x).expect("binary64"));
        let narrow = xf as f32;
        let y = rng.ieee(8, 23);
        let yf = f32::from_bits(u32::try_from(y).expect("binary32"));
        for backend in backends {
            let (got, _) = backend.eval(&f64f, &Op::Cvt(f32f), &[x]).expect("supported");
            if narrow.is_nan() {
                assert!(f32::from_bits(u32::try_from(got).expect("binary32")).is_nan());
            } else {
                assert_eq!(got, u128::from(narrow.to_bits()), "{} {xf:e}", backend.name());
            }
            let (got, flags) = backend.eval(&f32f, &Op::Cvt(f64f), &[y]).expect("supported");
            if yf.is_nan() {
                assert!(f64::from_bits(u64::try_from(got).expect("binary64")).is_nan());
            } else {
                assert_eq!((got, flags), (u128::from(f64::from(yf).to_bits()), Flags::NONE));
            }
        }
    }
}

/// binary32 to bfloat16 by the integer formula for round to nearest even (the exponent
/// ranges agree, so subnormals and overflow fall out of the carry), on both backends.
#[test]
fn binary32_to_bfloat16_rounds_to_nearest_even() {
    let (f32f, bf16) = (Format::BINARY32, Format::BF16);
    let backends: [&dyn Backend; 2] = [&SoftFloat::default(), &ApFloat];
    let mut rng = SplitMix::new(7);
    for i in 0..20000u32 {
        let x = if i < 4096 { (i << 4) ^ 0x7F7F_0000 } else { rng.ieee(8, 23) as u32 };
        if f32::from_bits(x).is_nan() {
            continue;
        }
        let want = (x + 0x7FFF + ((x >> 16) & 1)) >> 16;
        let inexact = x & 0xFFFF != 0;
        for backend in backends {
            let (got, flags) = backend.eval(&f32f, &Op::Cvt(bf16), &[u128::from(x)]).expect("ok");
            assert_eq!(got, u128::from(want), "{} {x:#x}", backend.name());
            assert_eq!(flags.contains(Flags::INEXACT), inexact, "{} {x:#x}", backend.name());
        }
    }
}

/// SoftFloat's binary128 against APFloat's, two independent implementations: equal bits and
/// flags wherever the reference has no NaN and APFloat's underflow rule agrees.
#[test]
fn binary128_softfloat_and_apfloat_agree() {
    let fmt = Format::BINARY128;
    let sf = SoftFloat::default();
    let mut rng = SplitMix::new(8);
    for op in [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma] {
        for _ in 0..3000 {
            let x: Vec<u128> = (0..op.arity()).map(|_| rng.ieee(15, 112)).collect();
            let a = sf.eval(&fmt, &op, &x).expect("supported");
            let b = ApFloat.eval(&fmt, &op, &x).expect("supported");
            let nan = |v: u128| (v >> 112) & 0x7FFF == 0x7FFF && v & ((1u128 << 112) - 1) != 0;
            if nan(a.0) {
                assert!(nan(b.0) && a.1 == b.1, "{} {x:x?}", op.name());
                continue;
            }
            let band = a.0 & !(1u128 << 127) == 1u128 << 112 && a.1 == b.1.union(Flags::UNDERFLOW);
            assert!(a == b || band, "{} {x:x?}: softfloat {a:x?} apfloat {b:x?}", op.name());
        }
    }
}

/// SoftFloat's state is per thread: threads with different tininess modes run side by side.
#[test]
fn softfloat_state_is_per_thread() {
    let fmt = Format::BINARY32;
    // (1 - 2^-23) * 2^-126 * (1 + 2^-23) = 2^-126 * (1 - 2^-46): rounds to 2^-126 and is
    // tiny only before rounding.
    let x = [0x3F7F_FFFEu128, 0x0080_0001];
    let run = |tininess: Tininess, want: Flags| {
        move || {
            let backend = SoftFloat::new(tininess);
            for _ in 0..20000 {
                assert_eq!(backend.eval(&fmt, &Op::Mul, &x), Some((0x0080_0000, want)));
            }
        }
    };
    let inexact = Flags::INEXACT;
    let before = std::thread::spawn(run(Tininess::BeforeRounding, inexact.union(Flags::UNDERFLOW)));
    let after = std::thread::spawn(run(Tininess::AfterRounding, inexact));
    before.join().expect("before-rounding thread");
    after.join().expect("after-rounding thread");
}

#[test]
fn supports_and_arity() {
    let sf = SoftFloat::default();
    let f16 = Format::BINARY16;
    let bf16 = Format::BF16;
    let e4m3fn = Format::E4M3FN;
    let fnuz = Format::E4M3FNUZ;
    let e3m4 = Format::parse("e3m4").expect("generic");
    assert_eq!(
        [Op::Sqrt.arity(), Op::Add.arity(), Op::Fma.arity(), Op::Cvt(f16).arity()],
        [1, 2, 3, 1]
    );
    assert!(sf.supports(&f16, &Op::Sqrt) && !sf.supports(&bf16, &Op::Add));
    assert!(sf.supports(&bf16, &Op::Cvt(f16)) && sf.supports(&f16, &Op::Cvt(bf16)));
    assert!(!sf.supports(&Format::BINARY64, &Op::Cvt(bf16)) && !sf.supports(&f16, &Op::Cvt(f16)));
    assert!(!sf.supports(&e4m3fn, &Op::Add));
    assert!(ApFloat.supports(&e4m3fn, &Op::Fma) && ApFloat.supports(&e3m4, &Op::Cvt(e4m3fn)));
    assert!(!ApFloat.supports(&f16, &Op::Sqrt) && !ApFloat.supports(&fnuz, &Op::Add));
    assert!(!ApFloat.supports(&f16, &Op::Cvt(fnuz)));
    assert_eq!(sf.eval(&e4m3fn, &Op::Add, &[0, 0]), None);
    for f in fpref::apfloat::FORMATS {
        let fmt = f.format();
        assert_eq!(fmt.name(), f.name(), "{f:?}");
        assert_eq!(fpref::apfloat::ApFormat::of(&fmt), Some(*f));
    }
}
