//! roundToIntegral in every rounding direction, exact and inexact: binary16 exhaustively and wide
//! formats against SoftFloat, every small-format encoding against host rounding of the exact value
//! and APFloat.

use fpcore::{Env, Flags, Format, IntRound, OverflowPolicy};
use fpref::misc::{apfloat_class, apfloat_round_to_integral, softfloat_round_to_int};

use super::exact::{
    decode, gen_bits, gen_tie, matches_want, overflow_result, same_or_both_nan, sign_bit,
    small_formats, snan_flags, specials, x86_env, Checks, Dec, Want, MODES,
};
use crate::support::{fmt, SplitMix};

/// The encoding of the exact value `v` (host f64) with the sign of a zero `v` kept where the
/// format has -0, or `None` when no encoding holds it.
fn encode_exact(f: &Format, v: f64) -> Option<u128> {
    (0..(1u128 << f.bits())).find(|&e| {
        let d = decode(f, e);
        !d.is_nan()
            && d.to_f64() == v
            && (!f.has_neg_zero() || (e & sign_bit(f) != 0) == v.is_sign_negative())
    })
}

fn host_round(v: f64, mode: IntRound) -> f64 {
    match mode {
        IntRound::NearestEven => v.round_ties_even(),
        IntRound::NearestAway => v.round(),
        IntRound::TowardZero => v.trunc(),
        IntRound::TowardPositive => v.ceil(),
        IntRound::TowardNegative => v.floor(),
    }
}

fn check_rti_vs_softfloat(c: &mut Checks, f: &Format, a: u128) {
    for mode in MODES {
        for exact in [false, true] {
            let (tb, tf) = softfloat_round_to_int(f, a, mode, exact).expect("SoftFloat format");
            // SoftFloat's NaNs are x86 SSE's.
            let got = fpcore::round_to_integral(&x86_env(), f, a, mode, exact);
            c.check((got.value, got.flags) == (tb, tf), || {
                format!("{f} round_to_integral({a:#x}, {mode:?}, exact={exact}) = {got:?}, SoftFloat {tb:#x} {tf}")
            });
            let canon = fpcore::round_to_integral(&Env::default(), f, a, mode, exact);
            let ok = if decode(f, tb).is_nan() {
                Some(canon.value) == f.canonical_nan() && canon.flags == tf
            } else {
                canon == got
            };
            c.check(ok, || format!("{f} round_to_integral({a:#x}) canonical NaN: {canon:?}"));
        }
    }
}

#[test]
fn round_to_integral_binary16_exhaustive_vs_softfloat() {
    let mut c = Checks::new("round_to_integral, every binary16 x 5 modes x exact, vs SoftFloat");
    let f16 = fmt("binary16");
    for a in 0..(1u128 << 16) {
        check_rti_vs_softfloat(&mut c, &f16, a);
    }
    c.finish();
}

#[test]
fn round_to_integral_wide_formats_vs_softfloat() {
    let mut c = Checks::new("round_to_integral on binary32/64/128 vs SoftFloat");
    let mut rng = SplitMix::new(0x0070_1a7e);
    for name in ["binary32", "binary64", "binary128"] {
        let f = fmt(name);
        for a in specials(&f) {
            check_rti_vs_softfloat(&mut c, &f, a);
        }
        for _ in 0..15_000 {
            let a = gen_bits(&mut rng, &f);
            check_rti_vs_softfloat(&mut c, &f, a);
            let a = gen_tie(&mut rng, &f);
            check_rti_vs_softfloat(&mut c, &f, a);
        }
    }
    c.finish();
}

#[test]
fn round_to_integral_small_formats_exhaustive_vs_host_rounding_and_apfloat() {
    let mut c = Checks::new("round_to_integral, every encoding of every small format");
    for f in small_formats() {
        // APFloat rounds through |a| + 2^(p-1), which must stay finite in the format.
        let ap_ok = apfloat_class(&f, 0).is_some() && f.emax() >= f.p() as i32;
        for env in [Env::default(), Env { overflow: OverflowPolicy::Saturate, ..Env::default() }] {
            for a in 0..(1u128 << f.bits()) {
                let d = decode(&f, a);
                for mode in MODES {
                    for exact in [false, true] {
                        let got = fpcore::round_to_integral(&env, &f, a, mode, exact);
                        let (want, flags) = match d {
                            Dec::Nan { .. } => (Want::Nan, snan_flags(&[d])),
                            Dec::Inf { .. } => (Want::Bits(a), Flags::NONE),
                            Dec::Fin { neg, .. } => {
                                let v = d.to_f64();
                                let r = host_round(v, mode);
                                match encode_exact(&f, r) {
                                    Some(e) => {
                                        let inexact = exact && r != v;
                                        (
                                            Want::Bits(e),
                                            if inexact { Flags::INEXACT } else { Flags::NONE },
                                        )
                                    }
                                    // The integer is beyond the largest finite value (e2m3fn:
                                    // 7.5 rounds to 8): an overflow, as rounding 8 would give.
                                    None => {
                                        let ov = overflow_result(&env, &f, neg);
                                        let w = if decode(&f, ov).is_nan() {
                                            Want::Nan
                                        } else {
                                            Want::Bits(ov)
                                        };
                                        (w, Flags::OVERFLOW.union(Flags::INEXACT))
                                    }
                                }
                            }
                        };
                        let ok = match want {
                            Want::Nan if !d.is_nan() => decode(&f, got.value).is_nan(),
                            _ => matches_want(&env, &f, got.value, want),
                        };
                        c.check(ok && got.flags == flags, || {
                            format!("{f} {env:?} round_to_integral({a:#x}, {mode:?}, exact={exact}) = {got:?}, want {want:?} {flags}")
                        });
                    }
                    if ap_ok && env == Env::default() {
                        let (tb, tf) =
                            apfloat_round_to_integral(&f, a, mode).expect("APFloat format");
                        let got = fpcore::round_to_integral(&env, &f, a, mode, true);
                        c.check(same_or_both_nan(&f, got.value, tb) && got.flags == tf, || {
                            format!("{f} round_to_integral({a:#x}, {mode:?}) = {got:?}, APFloat {tb:#x} {tf}")
                        });
                    }
                }
            }
        }
    }
    c.finish();
}
