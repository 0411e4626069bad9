//! Each documented divergence on hand-derived cases: the backend returns what the divergence
//! says, `explains` accepts the mismatch against the IEEE result with canonical NaNs, and it
//! rejects mismatches the divergence does not describe.

use fpref::divergence::{apfloat_underflow_band, explain, Case, Divergence};
use fpref::{ApFloat, Backend, Flags, Format, Op, SoftFloat, Tininess};

fn fmt(name: &str) -> Format {
    Format::parse(name).expect("known format")
}

const INV: Flags = Flags::INVALID;
const INX: Flags = Flags::INEXACT;

/// Evaluates on `backend`, checks the result is `got`, and returns the explaining divergence
/// for the mismatch with `reference`.
fn check(
    backend: &dyn Backend,
    f: &Format,
    op: Op,
    operands: &[u128],
    tininess: Tininess,
    reference: (u128, Flags),
    got: (u128, Flags),
) -> Option<Divergence> {
    assert_eq!(
        backend.eval(f, &op, operands),
        Some(got),
        "{} {} {operands:x?}",
        backend.name(),
        op.name()
    );
    let case = Case { fmt: f, op: &op, operands, tininess, reference, backend: got };
    explain(backend.name(), &case)
}

const AFTER: Tininess = Tininess::AfterRounding;
const BEFORE: Tininess = Tininess::BeforeRounding;

#[test]
fn softfloat_nan() {
    let sf = SoftFloat::default();
    let (f16, f32) = (fmt("binary16"), fmt("binary32"));
    let d = Some(Divergence::SoftFloatNan);
    // Invalid operations give the negative default NaN.
    assert_eq!(
        check(&sf, &f32, Op::Mul, &[0, 0x7F80_0000], AFTER, (0x7FC0_0000, INV), (0xFFC0_0000, INV)),
        d
    );
    assert_eq!(check(&sf, &f16, Op::Sqrt, &[0xBC00], AFTER, (0x7E00, INV), (0xFE00, INV)), d);
    // fma(0, inf, qNaN) is invalid and gives the default NaN, not c.
    let x = [0, 0x7F80_0000, 0x7FC0_0123];
    assert_eq!(check(&sf, &f32, Op::Fma, &x, AFTER, (0x7FC0_0000, INV), (0xFFC0_0000, INV)), d);
    // The first NaN operand, quieted, even when a later one is signaling.
    let x = [0xFFC0_0123, 0x7F80_0001];
    assert_eq!(check(&sf, &f32, Op::Add, &x, AFTER, (0x7FC0_0000, INV), (0xFFC0_0123, INV)), d);
    let x = [0x3F80_0000, 0x7F80_0001];
    assert_eq!(check(&sf, &f32, Op::Sub, &x, AFTER, (0x7FC0_0000, INV), (0x7FC0_0001, INV)), d);
    // Conversions align the payload at the top.
    let op = Op::Cvt(f32);
    assert_eq!(
        check(
            &sf,
            &f16,
            op,
            &[0xFE01],
            AFTER,
            (0x7FC0_0000, Flags::NONE),
            (0xFFC0_2000, Flags::NONE)
        ),
        d
    );
    let op = Op::Cvt(f16);
    assert_eq!(check(&sf, &f32, op, &[0x7F80_2001], AFTER, (0x7E00, INV), (0x7E01, INV)), d);
    // Not a NaN case: a wrong finite reference is not excused.
    let case = Case {
        fmt: &f32,
        op: &Op::Mul,
        operands: &[0, 0x7F80_0000],
        tininess: AFTER,
        reference: (0, INV),
        backend: (0xFFC0_0000, INV),
    };
    assert_eq!(explain("softfloat", &case), None);
    // Nor a reference with other flags.
    let case = Case { reference: (0x7FC0_0000, Flags::NONE), ..case };
    assert_eq!(explain("softfloat", &case), None);
}

#[test]
fn softfloat_bf16_nan_payload() {
    let sf = SoftFloat::default();
    let (bf16, f16, f32) = (fmt("bfloat16"), fmt("binary16"), fmt("binary32"));
    let d = Some(Divergence::SoftFloatBf16NanPayload);
    // bfloat16 fraction bit 0 lands on binary32 bit 15 (top-aligned would be bit 16), and
    // the quiet bit on bit 21 as well as on the quiet bit 22.
    let none = Flags::NONE;
    assert_eq!(
        check(&sf, &bf16, Op::Cvt(f32), &[0x7FC1], AFTER, (0x7FC0_0000, none), (0x7FE0_8000, none)),
        d
    );
    assert_eq!(
        check(&sf, &bf16, Op::Cvt(f32), &[0x7FC0], AFTER, (0x7FC0_0000, none), (0x7FE0_0000, none)),
        d
    );
    // A signaling bfloat16 NaN: quieted, invalid, payload bit 0 one place low.
    assert_eq!(check(&sf, &bf16, Op::Cvt(f16), &[0xFF81], AFTER, (0x7E00, INV), (0xFE04, INV)), d);
    // binary32 fraction bit 16 lands on bfloat16 bit 1 (top-aligned would be bit 0).
    assert_eq!(
        check(&sf, &f32, Op::Cvt(bf16), &[0x7FC1_0000], AFTER, (0x7FC0, none), (0x7FC2, none)),
        d
    );
    // A top-aligned result is not what SoftFloat does.
    let case = Case {
        fmt: &f32,
        op: &Op::Cvt(bf16),
        operands: &[0x7FC1_0000],
        tininess: AFTER,
        reference: (0x7FC0, none),
        backend: (0x7FC1, none),
    };
    assert_eq!(explain("softfloat", &case), None);
}

#[test]
fn apfloat_nan() {
    let ap = ApFloat;
    let (e4m3fn, f16, f32) = (fmt("e4m3fn"), fmt("binary16"), fmt("binary32"));
    let d = Some(Divergence::ApFloatNan);
    // e4m3fn keeps a negative NaN's sign.
    assert_eq!(
        check(
            &ap,
            &e4m3fn,
            Op::Add,
            &[0xFF, 0x38],
            AFTER,
            (0x7F, Flags::NONE),
            (0xFF, Flags::NONE)
        ),
        d
    );
    assert_eq!(
        check(
            &ap,
            &f32,
            Op::Cvt(e4m3fn),
            &[0xFFC0_0000],
            AFTER,
            (0x7F, Flags::NONE),
            (0xFF, Flags::NONE)
        ),
        d
    );
    // Propagation of the first NaN operand, quieted, payload kept and aligned.
    let x = [0x3C00, 0xFC01, 0x7E02];
    assert_eq!(check(&ap, &f16, Op::Fma, &x, AFTER, (0x7E00, INV), (0xFE01, INV)), d);
    assert_eq!(
        check(
            &ap,
            &f16,
            Op::Cvt(f32),
            &[0x7E01],
            AFTER,
            (0x7FC0_0000, Flags::NONE),
            (0x7FC0_2000, Flags::NONE)
        ),
        d
    );
    // Invalid operations give the canonical NaN, like the reference: nothing to explain.
    assert_eq!(ap.eval(&f16, &Op::Fma, &[0, 0x7C00, 0xFE01]), Some((0x7E00, INV)));
    assert_eq!(ap.eval(&f32, &Op::Div, &[0, 0]), Some((0x7FC0_0000, INV)));
}

#[test]
fn apfloat_underflow_flag() {
    let ap = ApFloat;
    let f32 = fmt("binary32");
    let d = Some(Divergence::ApFloatUnderflowFlag);
    let uf = INX.union(Flags::UNDERFLOW);
    // (1 - 2^-24) * 2^-126: the band's lower end, tiny in both modes, rounds to 2^-126.
    let x = [0x3F7F_FFFF, 0x0080_0000];
    assert_eq!(check(&ap, &f32, Op::Mul, &x, AFTER, (0x0080_0000, uf), (0x0080_0000, INX)), d);
    assert_eq!(check(&ap, &f32, Op::Mul, &x, BEFORE, (0x0080_0000, uf), (0x0080_0000, INX)), d);
    // (1 - 2^-23) * 2^-126 * (1 + 2^-23) = 2^-126 * (1 - 2^-46): tiny only before rounding.
    let x = [0x3F7F_FFFE, 0x0080_0001];
    assert_eq!(check(&ap, &f32, Op::Mul, &x, BEFORE, (0x0080_0000, uf), (0x0080_0000, INX)), d);
    assert_eq!(check(&ap, &f32, Op::Mul, &x, AFTER, (0x0080_0000, uf), (0x0080_0000, INX)), None);
    // (1 - 2^-24) * 2^-126 * (1 + 2^-23) = 2^-126 * (1 + 2^-24 - 2^-47): not tiny at all.
    let x = [0x3F7F_FFFF, 0x0080_0001];
    assert_eq!(check(&ap, &f32, Op::Mul, &x, BEFORE, (0x0080_0000, uf), (0x0080_0000, INX)), None);
    // Narrowing conversion: binary64 2^-126 * (1 - 2^-24) to binary32, in the band.
    let f64 = fmt("binary64");
    let below_min_normal = |k: u32| [u128::from(f64::from(f32::MIN_POSITIVE).to_bits() - (1 << k))];
    let op = Op::Cvt(f32);
    let x = below_min_normal(29);
    assert_eq!(check(&ap, &f64, op, &x, AFTER, (0x0080_0000, uf), (0x0080_0000, INX)), d);
    // 2^-126 * (1 - 2^-25) is the after-rounding band's excluded upper end.
    let x = below_min_normal(28);
    assert_eq!(check(&ap, &f64, op, &x, AFTER, (0x0080_0000, uf), (0x0080_0000, INX)), None);
    assert_eq!(check(&ap, &f64, op, &x, BEFORE, (0x0080_0000, uf), (0x0080_0000, INX)), d);
    // binary128 products, checked in the format itself: (1 - 2^-113) * 2^-16382 is tiny,
    // (1 - 2^-113) * 2^-16382 * (1 + 2^-112) = 2^-16382 * (1 + 2^-113 - 2^-225) is not.
    let q = fmt("binary128");
    let (min_normal, below_one) = (1u128 << 112, 0x3FFE_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFFu128);
    let x = [below_one, min_normal];
    assert_eq!(check(&ap, &q, Op::Mul, &x, AFTER, (min_normal, uf), (min_normal, INX)), d);
    let x = [below_one, min_normal + 1];
    assert_eq!(check(&ap, &q, Op::Mul, &x, BEFORE, (min_normal, uf), (min_normal, INX)), None);
}

#[test]
fn apfloat_underflow_band_bounds() {
    // Bounds derived from binary64 values: binary128 has binary64's fraction << 60.
    let quad = |x: f64| {
        let b = x.to_bits();
        let exp = u128::from((b >> 52) & 0x7FF) + 16383 - 1023;
        (exp << 112) | (u128::from(b & ((1 << 52) - 1)) << 60)
    };
    let m = f64::from(f32::MIN_POSITIVE);
    let f32 = fmt("binary32");
    let low = quad(m * (1.0 - 2f64.powi(-24)));
    assert_eq!(apfloat_underflow_band(&f32, AFTER), Some((low, quad(m * (1.0 - 2f64.powi(-25))))));
    assert_eq!(apfloat_underflow_band(&f32, BEFORE), Some((low, quad(m))));
    assert_eq!(apfloat_underflow_band(&fmt("binary128"), AFTER), None);
}

#[test]
fn apfloat_inf_to_nan_only() {
    let ap = ApFloat;
    let (e4m3fn, f32) = (fmt("e4m3fn"), fmt("binary32"));
    let d = Some(Divergence::ApFloatInfToNanOnly);
    let ovf = INX.union(Flags::OVERFLOW);
    assert_eq!(
        check(&ap, &f32, Op::Cvt(e4m3fn), &[0xFF80_0000], AFTER, (0xFF, ovf), (0xFF, INX)),
        d
    );
    assert_eq!(
        check(&ap, &f32, Op::Cvt(e4m3fn), &[0x7F80_0000], AFTER, (0x7F, ovf), (0x7F, INX)),
        d
    );
    // A finite overflow raises overflow in APFloat too: not this divergence.
    let got = ap.eval(&f32, &Op::Cvt(e4m3fn), &[0x4780_0000]).expect("supported");
    assert_eq!(got, (0x7F, ovf));
}

#[test]
fn divergences_are_listed_once_and_described() {
    let mut names: Vec<&str> = Divergence::ALL.iter().map(|d| d.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Divergence::ALL.len());
    for d in Divergence::ALL {
        assert!(d.describe().len() > 40, "{d:?}");
        assert!(["softfloat", "apfloat"].contains(&d.backend()));
    }
    // A divergence of one backend never explains the other's results.
    let f32 = fmt("binary32");
    let case = Case {
        fmt: &f32,
        op: &Op::Mul,
        operands: &[0, 0x7F80_0000],
        tininess: AFTER,
        reference: (0x7FC0_0000, INV),
        backend: (0xFFC0_0000, INV),
    };
    assert_eq!(explain("apfloat", &case), None);
    assert_eq!(explain("softfloat", &case), Some(Divergence::SoftFloatNan));
    assert!(!Divergence::SoftFloatNan.explains(&Case { backend: case.reference, ..case }));
}
