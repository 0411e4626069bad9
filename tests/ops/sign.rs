//! neg, abs and copysign: bit operations on every encoding of the small formats against their rule,
//! APFloat and the host.

use fpcore::{Format, Specials};
use fpref::misc::{apfloat_abs, apfloat_class, apfloat_copysign, apfloat_neg};

use super::exact::{decode, gen_bits, sign_bit, small_formats, Checks, Dec};
use crate::support::{fmt, SplitMix};

/// The expected sign operations on a small format from values: neg(x) encodes -x, abs(x)
/// encodes |x|, copysign(x, y) encodes |x| with y's sign bit; NaN (and FNUZ's zero, which has
/// no sign) map to themselves where the format gives them no sign (FNUZ), and otherwise flip
/// or take the sign bit (IEEE 754-2019 §5.5.1: bit operations, NaNs included).
fn sign_rule(f: &Format, a: u128, neg: Option<bool>) -> u128 {
    let d = decode(f, a);
    let neg_a = a & sign_bit(f) != 0;
    let want_neg = match neg {
        None => !neg_a,
        Some(n) => n,
    };
    if f.specials() == Specials::Fnuz && (d.is_nan() || d.is_zero()) {
        return a;
    }
    match d {
        Dec::Nan { .. } => (a & !sign_bit(f)) | if want_neg { sign_bit(f) } else { 0 },
        _ => {
            let mag = (a & !sign_bit(f), decode(f, a & !sign_bit(f)));
            // The encoding whose value is the magnitude with the wanted sign, found by value.
            let target = if want_neg { -mag.1.to_f64() } else { mag.1.to_f64() };
            let found = (0..(1u128 << f.bits())).find(|&e| {
                let de = decode(f, e);
                !de.is_nan() && de.to_f64() == target && (e & sign_bit(f) != 0) == want_neg
            });
            found.expect("every finite value's negation is encodable in these formats")
        }
    }
}

#[test]
fn neg_abs_copysign_exhaustive_vs_rule_apfloat_and_host() {
    let mut c = Checks::new("neg/abs/copysign");
    for f in small_formats() {
        let has_ap = apfloat_class(&f, 0).is_some();
        for a in 0..(1u128 << f.bits()) {
            let (got, want) = (fpcore::neg(&f, a), sign_rule(&f, a, None));
            c.check(got == want, || format!("{f} neg({a:#x}) = {got:#x}, want {want:#x}"));
            let (got, want) = (fpcore::abs(&f, a), sign_rule(&f, a, Some(false)));
            c.check(got == want, || format!("{f} abs({a:#x}) = {got:#x}, want {want:#x}"));
            if has_ap {
                let theirs = apfloat_neg(&f, a).expect("APFloat format");
                let got = fpcore::neg(&f, a);
                c.check(got == theirs, || {
                    format!("{f} neg({a:#x}) = {got:#x}, APFloat {theirs:#x}")
                });
                let theirs = apfloat_abs(&f, a).expect("APFloat format");
                let got = fpcore::abs(&f, a);
                c.check(got == theirs, || {
                    format!("{f} abs({a:#x}) = {got:#x}, APFloat {theirs:#x}")
                });
            }
            for b in 0..(1u128 << f.bits()) {
                let got = fpcore::copysign(&f, a, b);
                let want = sign_rule(&f, a, Some(b & sign_bit(&f) != 0));
                c.check(got == want, || {
                    format!("{f} copysign({a:#x}, {b:#x}) = {got:#x}, want {want:#x}")
                });
                if has_ap {
                    let theirs = apfloat_copysign(&f, a, b).expect("APFloat format");
                    c.check(got == theirs, || {
                        format!("{f} copysign({a:#x}, {b:#x}) = {got:#x}, APFloat {theirs:#x}")
                    });
                }
            }
        }
    }
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        let theirs = apfloat_neg(&f16, a).expect("APFloat format");
        c.check(fpcore::neg(&f16, a) == theirs, || format!("binary16 neg({a:#x})"));
        let theirs = apfloat_abs(&f16, a).expect("APFloat format");
        c.check(fpcore::abs(&f16, a) == theirs, || format!("binary16 abs({a:#x})"));
        for b in [0u128, 0x8000, 0x7e00, 0xfe01, 0x3c00, 0xbc00] {
            let theirs = apfloat_copysign(&f16, a, b).expect("APFloat format");
            c.check(fpcore::copysign(&f16, a, b) == theirs, || {
                format!("binary16 copysign({a:#x}, {b:#x})")
            });
        }
    }
    // Host bit operations: `-x`, `abs`, `copysign` are sign-bit operations on f32/f64.
    let mut rng = SplitMix::new(0x5191_0000);
    let (f32_fmt, f64_fmt) = (fmt("binary32"), fmt("binary64"));
    for _ in 0..50_000 {
        let (a, b) = (gen_bits(&mut rng, &f32_fmt), gen_bits(&mut rng, &f32_fmt));
        let (x, y) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
        c.check(fpcore::neg(&f32_fmt, a) == u128::from((-x).to_bits()), || {
            format!("f32 neg {a:#x}")
        });
        c.check(fpcore::abs(&f32_fmt, a) == u128::from(x.abs().to_bits()), || {
            format!("f32 abs {a:#x}")
        });
        c.check(fpcore::copysign(&f32_fmt, a, b) == u128::from(x.copysign(y).to_bits()), || {
            format!("f32 copysign {a:#x} {b:#x}")
        });
        let (a, b) = (gen_bits(&mut rng, &f64_fmt), gen_bits(&mut rng, &f64_fmt));
        let (x, y) = (f64::from_bits(a as u64), f64::from_bits(b as u64));
        c.check(fpcore::neg(&f64_fmt, a) == u128::from((-x).to_bits()), || {
            format!("f64 neg {a:#x}")
        });
        c.check(fpcore::abs(&f64_fmt, a) == u128::from(x.abs().to_bits()), || {
            format!("f64 abs {a:#x}")
        });
        c.check(fpcore::copysign(&f64_fmt, a, b) == u128::from(x.copysign(y).to_bits()), || {
            format!("f64 copysign {a:#x} {b:#x}")
        });
    }
    c.finish();
}
