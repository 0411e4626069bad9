//! Exact conversions from and to the host's f32 and f64 against host casts and SoftFloat, with
//! binary64 operands around binary32's rounding points.

use fpcore::{Env, Rounded};
use fpref::{Backend, Op, SoftFloat};

use super::exact::{decode, gen_bits, small_formats, snan_flags, specials, x86_env, Checks};
use crate::support::{fmt, SplitMix};

/// binary64 encodings around binary32's rounding points: midpoints between neighbouring
/// binary32 values and one binary64 ulp either side, the overflow threshold, and the
/// underflow region.
fn f64_near_f32_ties(rng: &mut SplitMix) -> Vec<u64> {
    let mut v = vec![
        0x47EF_FFFF_F000_0000, // f32::MAX + half an ulp: overflows (tie to even 2^128)
        0x47EF_FFFF_EFFF_FFFF,
        0x47EF_FFFF_F000_0001,
        0x36A0_0000_0000_0000, // 2^-149 / 2: tie between 0 and the smallest subnormal
        0x36A0_0000_0000_0001,
        0x369F_FFFF_FFFF_FFFF,
        0x36B8_0000_0000_0000, // 1.5 * 2^-149: tie between 1 and 2 subnormal ulps
        0x380F_FFFF_F000_0000, // just below 2^-126 by half a subnormal ulp
        0x380F_FFFF_E000_0000,
    ];
    for _ in 0..5000 {
        let x = f32::from_bits(rng.next_u64() as u32 & 0x7F7F_FFFF);
        let base = f64::from(x).to_bits();
        let half = 1u64 << 28;
        for k in [half - 1, half, half + 1, 3 * half] {
            let s = if rng.next_u64() & 1 == 1 { 1u64 << 63 } else { 0 };
            v.push((base + k) | s);
        }
    }
    v
}

#[test]
fn host_float_conversions_vs_host_casts_and_softfloat() {
    let mut c = Checks::new("from_f64/to_f64/from_f32/to_f32 vs host casts and SoftFloat flags");
    let env = Env::default();
    let (f32_fmt, f64_fmt, f16_fmt) = (fmt("binary32"), fmt("binary64"), fmt("binary16"));
    let sf = SoftFloat::default();
    let mut rng = SplitMix::new(0x4057_f10a);
    let mut f64s: Vec<u64> = f64_near_f32_ties(&mut rng);
    for _ in 0..30_000 {
        f64s.push(gen_bits(&mut rng, &f64_fmt) as u64);
    }
    f64s.extend(specials(&f64_fmt).into_iter().map(|x| x as u64));
    for &xb in &f64s {
        let x = f64::from_bits(xb);
        // f64 -> f32: host `as` rounds to nearest even; flags from SoftFloat.
        let got = fpcore::from_f64(&env, &f32_fmt, x);
        let (_, sf_flags) =
            sf.eval(&f64_fmt, &Op::Cvt(f32_fmt), &[u128::from(xb)]).expect("SoftFloat converts");
        let host = (x as f32).to_bits();
        let ok = if x.is_nan() {
            Some(got.value) == f32_fmt.canonical_nan()
        } else {
            got.value == u128::from(host)
        };
        c.check(ok && got.flags == sf_flags, || {
            format!(
                "from_f64(binary32, {xb:#x}) = {got:?}, host {host:#x}, SoftFloat flags {sf_flags}"
            )
        });
        // The same through to_f32 (binary64 operand).
        let got = fpcore::to_f32(&env, &f64_fmt, u128::from(xb));
        let ok = if x.is_nan() { got.value.is_nan() } else { got.value.to_bits() == host };
        c.check(ok && got.flags == sf_flags, || format!("to_f32(binary64, {xb:#x}) = {got:?}"));
        // Identity on binary64, from either side.
        let got = fpcore::from_f64(&env, &f64_fmt, x);
        let want_flags = snan_flags(&[decode(&f64_fmt, u128::from(xb))]);
        let ok = if x.is_nan() {
            Some(got.value) == f64_fmt.canonical_nan()
        } else {
            got.value == u128::from(xb)
        };
        c.check(ok && got.flags == want_flags, || format!("from_f64(binary64, {xb:#x}) = {got:?}"));
        let got = fpcore::to_f64(&env, &f64_fmt, u128::from(xb));
        let ok = if x.is_nan() { got.value.is_nan() } else { got.value.to_bits() == xb };
        c.check(ok && got.flags == want_flags, || format!("to_f64(binary64, {xb:#x}) = {got:?}"));
    }
    // f32 -> f64 is exact: host `as`, no flags but invalid for a signaling NaN.
    for _ in 0..50_000 {
        let a = gen_bits(&mut rng, &f32_fmt);
        let x = f32::from_bits(a as u32);
        let want_flags = snan_flags(&[decode(&f32_fmt, a)]);
        let host = f64::from(x).to_bits();
        let got = fpcore::from_f32(&env, &f64_fmt, x);
        let ok = if x.is_nan() {
            Some(got.value) == f64_fmt.canonical_nan()
        } else {
            got.value == u128::from(host)
        };
        c.check(ok && got.flags == want_flags, || format!("from_f32(binary64, {a:#x}) = {got:?}"));
        let got = fpcore::to_f64(&env, &f32_fmt, a);
        let ok = if x.is_nan() { got.value.is_nan() } else { got.value.to_bits() == host };
        c.check(ok && got.flags == want_flags, || format!("to_f64(binary32, {a:#x}) = {got:?}"));
        // f32 -> binary16 rounds once: SoftFloat is the reference.
        let (tb, tf) = sf.eval(&f32_fmt, &Op::Cvt(f16_fmt), &[a]).expect("SoftFloat converts");
        let got = fpcore::from_f32(&x86_env(), &f16_fmt, x);
        c.check((got.value, got.flags) == (tb, tf), || {
            format!("from_f32(binary16, {a:#x}) = {got:?}, SoftFloat {tb:#x} {tf}")
        });
    }
    // Widening every small-format and binary16 encoding to the host formats is exact.
    for f in small_formats().into_iter().chain([f16_fmt]) {
        for a in 0..(1u128 << f.bits()) {
            let d = decode(&f, a);
            let want = d.to_f64();
            let got = fpcore::to_f64(&env, &f, a);
            let ok =
                if d.is_nan() { got.value.is_nan() } else { got.value.to_bits() == want.to_bits() };
            c.check(ok && got.flags == snan_flags(&[d]), || {
                format!("{f} to_f64({a:#x}) = {got:?}, want {want:e}")
            });
            let got = fpcore::to_f32(&env, &f, a);
            let ok = if d.is_nan() {
                got.value.is_nan()
            } else {
                got.value.to_bits() == (want as f32).to_bits()
            };
            c.check(ok && got.flags == snan_flags(&[d]), || {
                format!("{f} to_f32({a:#x}) = {got:?}")
            });
            if !d.is_nan() {
                // And back: from_f64 of the exact value is the same encoding (FNUZ: +0 for -0).
                let back = fpcore::from_f64(&env, &f, want);
                c.check(back == Rounded::exact(a), || {
                    format!("{f} from_f64(to_f64({a:#x})) = {back:?}")
                });
            }
        }
    }
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        let h = half::f16::from_bits(a as u16);
        let got = fpcore::to_f32(&env, &f16, a);
        let ok = if h.is_nan() {
            got.value.is_nan()
        } else {
            got.value.to_bits() == h.to_f32().to_bits()
        };
        c.check(ok, || format!("binary16 to_f32({a:#x}) = {got:?}, half {}", h.to_f32()));
    }
    c.finish();
}
