//! Floating-point formats F(p, emin, emax): their parameters, special values and bit encodings.
//!
//! docs/semantics.md §1. A [`Format`] is a plain runtime value, cheap to copy, checked once in
//! [`Format::new`] / [`Format::parse`].

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Largest supported precision (binary128's).
pub const MAX_P: u32 = 113;
/// Bounds on the exponent range: `emin >= MIN_EMIN` and `emax <= MAX_EMAX`.
pub const MIN_EMIN: i32 = -(1 << 20);
/// See [`MIN_EMIN`].
pub const MAX_EMAX: i32 = 1 << 20;
/// Largest supported encoding width in bits.
pub const MAX_BITS: u32 = 128;

/// How a format encodes values outside the finite set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Specials {
    /// IEEE 754: signed zeros, infinities, quiet and signaling NaNs (fraction MSB set means quiet).
    Ieee,
    /// OCP E4M3 style: no infinities; the all-ones exponent holds normals except the all-ones
    /// significand, which is NaN (both signs). Largest finite is `2^emax * (2 - 2^(2-p))`.
    NanOnly,
    /// "FNUZ" style: no infinities, no negative zero; the pattern `1000...0` is the only NaN.
    Fnuz,
    /// OCP MX element style: every pattern is a finite number; no infinities, no NaN.
    FiniteOnly,
    /// IEEE P3109 signed extended formats: as [`Specials::Fnuz`] (`1000...0` is the only NaN,
    /// no -0), and the all-ones magnitude is infinity with either sign.
    FnuzInf,
    /// IEEE P3109 unsigned extended formats: the all-ones magnitude is NaN and the magnitude
    /// one below it is infinity.
    NanInf,
}

impl Specials {
    /// How many magnitude patterns at the top of the encoding space are not finite (the NaN
    /// and infinity patterns of the non-IEEE kinds).
    const fn reserved(self) -> u32 {
        match self {
            Specials::Ieee | Specials::Fnuz | Specials::FiniteOnly => 0,
            Specials::NanOnly | Specials::FnuzInf => 1,
            Specials::NanInf => 2,
        }
    }
}

/// An error in a format name or in format parameters.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FormatError {
    /// The name is not a known format and not a generic `eXmY` or `p=P,emin=A,emax=B`.
    #[error("unknown format '{0}' (expected a named format such as binary32, bf16, e4m3fn, a generic eXmY such as e3m4, or p=P,emin=A,emax=B)")]
    Unknown(String),
    /// A parameter is outside what the implementation supports.
    #[error("{0}")]
    Unsupported(String),
}

/// A floating-point format F(p, emin, emax) together with its encoding.
///
/// Encoding (bits, most significant first): sign, exponent field of `exp_bits` bits holding
/// `exp + bias` for normals and 0 for zeros and subnormals, fraction field of `p - 1` bits.
/// For [`Specials::Ieee`] the exponent code `emax + bias + 1` holds infinities (fraction 0) and
/// NaNs; every larger code (only possible in abstract formats that are not IEEE-shaped) is NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    p: u32,
    emin: i32,
    emax: i32,
    specials: Specials,
    /// Whether the encoding has a sign bit (unsigned formats hold no negative value).
    signed: bool,
    /// Whether the format has a zero; without one (`e8m0fnu`), exponent code 0 is the normal
    /// 2^emin and there are no subnormals.
    zero: bool,
    /// Whether a tie between two values of a p = 1 format goes to the one with the even
    /// encoding (IEEE P3109) instead of away from zero (every other p = 1 format, whose
    /// significands are all 1 and so all odd).
    code_ties: bool,
    exp_bits: u32,
    bias: i32,
    kernel: Kernel,
}

/// Which compile-time layout of the fast kernels serves a format: a plain id, decided once
/// when the format is built (from [`NAMED`]), so that the fast path costs one comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    /// binary16.
    F16,
    /// bfloat16.
    Bf16,
    /// binary32.
    F32,
    /// binary64.
    F64,
    /// binary128 (add, sub and mul only).
    F128,
    /// OCP E5M2.
    E5m2,
    /// OCP E4M3 (`e4m3fn`): its top binade, which holds 256..448 and the NaN, takes the
    /// general path.
    E4m3fn,
    /// Any other format: the general path only.
    None,
}

/// A named format: its canonical name, the other names it is accepted under, and the format.
#[derive(Clone, Copy, Debug)]
pub struct NamedFormat {
    /// The canonical name ([`Format::name`] gives it back).
    pub name: &'static str,
    /// Other accepted spellings (all lowercase; parsing ignores case).
    pub aliases: &'static [&'static str],
    /// The format.
    pub format: Format,
}

/// A row of [`NAMED`].
const fn named(
    name: &'static str,
    aliases: &'static [&'static str],
    format: Format,
) -> NamedFormat {
    NamedFormat { name, aliases, format }
}

/// Every named format, in the order `fpx formats` lists them: the one table that
/// [`Format::parse`], [`Format::name`] and [`NAMED_FORMATS`] use.
pub const NAMED: &[NamedFormat] = &[
    named("binary16", &["f16", "half", "fp16", "float16"], Format::BINARY16),
    named("binary32", &["f32", "single", "fp32", "float32"], Format::BINARY32),
    named("binary64", &["f64", "double", "fp64", "float64"], Format::BINARY64),
    named("binary128", &["f128", "quad", "fp128", "float128"], Format::BINARY128),
    named("bfloat16", &["bf16"], Format::BF16),
    named("e5m2", &["float8_e5m2"], Format::E5M2),
    named("e4m3fn", &["float8_e4m3fn"], Format::E4M3FN),
    named("e4m3fnuz", &["float8_e4m3fnuz", "p3109_k8p4sf", "binary8p4sf"], Format::E4M3FNUZ),
    named("e5m2fnuz", &["float8_e5m2fnuz", "p3109_k8p3sf", "binary8p3sf"], Format::E5M2FNUZ),
    named("e2m1fn", &["float4_e2m1fn"], Format::E2M1FN),
    named("e2m3fn", &["float6_e2m3fn"], Format::E2M3FN),
    named("e3m2fn", &["float6_e3m2fn"], Format::E3M2FN),
    named("e3m4", &["float8_e3m4"], Format::E3M4),
    named("e4m3", &["float8_e4m3"], Format::E4M3),
    named("e4m3b11fnuz", &["float8_e4m3b11fnuz"], Format::E4M3B11FNUZ),
    named("e8m0fnu", &["float8_e8m0fnu"], Format::E8M0FNU),
    named("p3109_k8p1se", &["binary8p1se"], p3109(1, true, true)),
    named("p3109_k8p1sf", &["binary8p1sf"], p3109(1, true, false)),
    named("p3109_k8p1ue", &["binary8p1ue"], p3109(1, false, true)),
    named("p3109_k8p1uf", &["binary8p1uf"], p3109(1, false, false)),
    named("p3109_k8p2se", &["binary8p2se"], p3109(2, true, true)),
    named("p3109_k8p2sf", &["binary8p2sf"], p3109(2, true, false)),
    named("p3109_k8p2ue", &["binary8p2ue"], p3109(2, false, true)),
    named("p3109_k8p2uf", &["binary8p2uf"], p3109(2, false, false)),
    named("p3109_k8p3se", &["binary8p3se"], p3109(3, true, true)),
    named("p3109_k8p3ue", &["binary8p3ue"], p3109(3, false, true)),
    named("p3109_k8p3uf", &["binary8p3uf"], p3109(3, false, false)),
    named("p3109_k8p4se", &["binary8p4se"], p3109(4, true, true)),
    named("p3109_k8p4ue", &["binary8p4ue"], p3109(4, false, true)),
    named("p3109_k8p4uf", &["binary8p4uf"], p3109(4, false, false)),
    named("p3109_k8p5se", &["binary8p5se"], p3109(5, true, true)),
    named("p3109_k8p5sf", &["binary8p5sf"], p3109(5, true, false)),
    named("p3109_k8p5ue", &["binary8p5ue"], p3109(5, false, true)),
    named("p3109_k8p5uf", &["binary8p5uf"], p3109(5, false, false)),
    named("p3109_k8p6se", &["binary8p6se"], p3109(6, true, true)),
    named("p3109_k8p6sf", &["binary8p6sf"], p3109(6, true, false)),
    named("p3109_k8p6ue", &["binary8p6ue"], p3109(6, false, true)),
    named("p3109_k8p6uf", &["binary8p6uf"], p3109(6, false, false)),
    named("p3109_k8p7se", &["binary8p7se"], p3109(7, true, true)),
    named("p3109_k8p7sf", &["binary8p7sf"], p3109(7, true, false)),
    named("p3109_k8p7ue", &["binary8p7ue"], p3109(7, false, true)),
    named("p3109_k8p7uf", &["binary8p7uf"], p3109(7, false, false)),
    named("p3109_k8p8ue", &["binary8p8ue"], p3109(8, false, true)),
    named("p3109_k8p8uf", &["binary8p8uf"], p3109(8, false, false)),
];

/// A P3109 row of [`NAMED`] (every listed precision exists).
const fn p3109(p: u32, signed: bool, extended: bool) -> Format {
    match Format::p3109(p, signed, extended) {
        Some(f) => f,
        None => panic!("P3109 binary8 precisions are 1..=7 signed, 1..=8 unsigned"),
    }
}

/// The canonical names of [`NAMED`], in table order.
const NAMED_NAMES: [&str; NAMED.len()] = {
    let mut names = [""; NAMED.len()];
    let mut i = 0;
    while i < NAMED.len() {
        names[i] = NAMED[i].name;
        i += 1;
    }
    names
};

/// Canonical names of the named formats, in table order (used by `fpx formats`).
pub const NAMED_FORMATS: &[&str] = &NAMED_NAMES;

fn unsupported(msg: String) -> FormatError {
    FormatError::Unsupported(msg)
}

/// Number of bits needed to hold `v` (0 for 0).
const fn bit_width(v: u64) -> u32 {
    64 - v.leading_zeros()
}

/// The exponent bias: code `e + bias` holds exponent `e`, with code 0 for zeros and
/// subnormals (bias `1 - emin`), or for the normal 2^emin in a format without zero.
const fn bias(emin: i32, zero: bool) -> i32 {
    if zero {
        1 - emin
    } else {
        -emin
    }
}

/// How many whole exponent codes at the top of the field the reserved patterns of a non-IEEE
/// kind fill (they fill part of the top code when there are fewer than its 2^(p-1) patterns).
const fn reserved_codes(p: u32, specials: Specials) -> u64 {
    (specials.reserved() >> (p - 1)) as u64
}

/// Width of the exponent field of a format with valid parameters: IEEE formats need codes 0
/// (subnormal), 1 ..= top (normal), top + 1 (infinity, and NaN if p >= 2), and top + 2 (NaN)
/// when p == 1 (no fraction bit to tell NaN from infinity); the other kinds fill the field
/// with normals exactly, up to the codes their reserved patterns fill.
const fn exp_bits(p: u32, emin: i32, emax: i32, specials: Specials, zero: bool) -> u32 {
    let top_normal_code = (emax + bias(emin, zero)) as u64;
    match specials {
        Specials::Ieee if p == 1 => bit_width(top_normal_code + 2),
        Specials::Ieee => bit_width(top_normal_code + 1),
        _ => bit_width(top_normal_code + reserved_codes(p, specials)),
    }
}

impl Format {
    /// IEEE 754 binary16 (half precision).
    pub const BINARY16: Format = Format::known(11, -14, 15, Specials::Ieee, Kernel::F16);
    /// IEEE 754 binary32 (single precision).
    pub const BINARY32: Format = Format::known(24, -126, 127, Specials::Ieee, Kernel::F32);
    /// IEEE 754 binary64 (double precision).
    pub const BINARY64: Format = Format::known(53, -1022, 1023, Specials::Ieee, Kernel::F64);
    /// IEEE 754 binary128 (quadruple precision).
    pub const BINARY128: Format = Format::known(113, -16382, 16383, Specials::Ieee, Kernel::F128);
    /// bfloat16: binary32's exponent range with p = 8.
    pub const BF16: Format = Format::known(8, -126, 127, Specials::Ieee, Kernel::Bf16);
    /// OCP FP8 E5M2: IEEE layout, p = 3.
    pub const E5M2: Format = Format::known(3, -14, 15, Specials::Ieee, Kernel::E5m2);
    /// OCP FP8 E4M3 (`float8_e4m3fn`): no infinities, one NaN per sign.
    pub const E4M3FN: Format = Format::known(4, -6, 8, Specials::NanOnly, Kernel::E4m3fn);
    /// `float8_e4m3fnuz`: no infinities, no -0, one NaN.
    pub const E4M3FNUZ: Format = Format::known(4, -7, 7, Specials::Fnuz, Kernel::None);
    /// `float8_e5m2fnuz`: no infinities, no -0, one NaN.
    pub const E5M2FNUZ: Format = Format::known(3, -15, 15, Specials::Fnuz, Kernel::None);
    /// OCP MX FP4 E2M1: every pattern finite.
    pub const E2M1FN: Format = Format::known(2, 0, 2, Specials::FiniteOnly, Kernel::None);
    /// OCP MX FP6 E2M3: every pattern finite.
    pub const E2M3FN: Format = Format::known(4, 0, 2, Specials::FiniteOnly, Kernel::None);
    /// OCP MX FP6 E3M2: every pattern finite.
    pub const E3M2FN: Format = Format::known(3, -2, 4, Specials::FiniteOnly, Kernel::None);

    /// `float8_e3m4`: the IEEE layout with 3 exponent and 4 fraction bits (the generic `e3m4`).
    pub const E3M4: Format = Format::known(5, -2, 3, Specials::Ieee, Kernel::None);
    /// `float8_e4m3`: the IEEE layout with 4 exponent and 3 fraction bits (the generic `e4m3`,
    /// largest finite 240, infinities at 0x78), not OCP's `e4m3fn`.
    pub const E4M3: Format = Format::known(4, -6, 7, Specials::Ieee, Kernel::None);

    /// `float8_e4m3b11fnuz`: as e4m3fnuz with bias 11 (no infinities, no -0, one NaN).
    pub const E4M3B11FNUZ: Format = Format::known(4, -10, 4, Specials::Fnuz, Kernel::None);
    /// `float8_e8m0fnu` (the OCP MX scale E8M0): unsigned, exponent only, no zero; code c is
    /// 2^(c - 127) and 0xFF is NaN.
    pub const E8M0FNU: Format = Format {
        p: 1,
        emin: -127,
        emax: 127,
        specials: Specials::NanOnly,
        signed: false,
        zero: false,
        code_ties: false,
        exp_bits: 8,
        bias: 127,
        kernel: Kernel::None,
    };

    /// Builds a format with IEEE specials from its parameters, checking them.
    pub fn new(p: u32, emin: i32, emax: i32) -> Result<Format, FormatError> {
        Format::with_specials(p, emin, emax, Specials::Ieee)
    }

    /// Builds a signed format with the given specials kind, checking the parameters.
    ///
    /// For `NanOnly`, `Fnuz` and `FiniteOnly` the exponent range must fill the exponent field
    /// exactly (`emax - emin + 2` must be a power of two, at least 2).
    pub fn with_specials(
        p: u32,
        emin: i32,
        emax: i32,
        specials: Specials,
    ) -> Result<Format, FormatError> {
        Format::with_layout(p, emin, emax, specials, true)
    }

    /// Builds a signed or unsigned format with the given specials kind, checking the
    /// parameters. The non-IEEE kinds must fill the exponent field exactly: with `r` the codes
    /// their NaN and infinity patterns fill whole (`r = reserved >> (p - 1)`, where `reserved`
    /// is 1 for `NanOnly` and `FnuzInf`, 2 for `NanInf`), `emax - emin + 2 + r` must be a power
    /// of two. `emin == emax` is allowed for them. `Fnuz` and `FnuzInf` must be signed (their
    /// NaN is the would-be -0); `Ieee` formats are always signed.
    pub fn with_layout(
        p: u32,
        emin: i32,
        emax: i32,
        specials: Specials,
        signed: bool,
    ) -> Result<Format, FormatError> {
        if !(1..=MAX_P).contains(&p) {
            return Err(unsupported(format!("p must be in 1..={MAX_P}, got {p}")));
        }
        if emin < MIN_EMIN {
            return Err(unsupported(format!("emin must be >= {MIN_EMIN}, got {emin}")));
        }
        if emax > MAX_EMAX {
            return Err(unsupported(format!("emax must be <= {MAX_EMAX}, got {emax}")));
        }
        if emin > emax || (emin == emax && specials == Specials::Ieee) {
            return Err(unsupported(format!("emin must be < emax, got emin={emin}, emax={emax}")));
        }
        if !signed && matches!(specials, Specials::Ieee | Specials::Fnuz | Specials::FnuzInf) {
            return Err(unsupported(format!("a {specials:?} format must be signed")));
        }
        let top_normal_code =
            u64::try_from(emax + 1 - emin).expect("emax >= emin so the code is positive");
        if specials != Specials::Ieee {
            let filled = top_normal_code + reserved_codes(p, specials);
            if filled + 1 != 1 << bit_width(filled) {
                return Err(unsupported(format!(
                    "a {specials:?} format needs emax - emin + 2 (plus the exponent codes its NaN and infinity fill) to be a power of two, got emin={emin}, emax={emax}"
                )));
            }
            if specials == Specials::NanOnly && p < 2 && signed {
                return Err(unsupported("a signed NanOnly format needs p >= 2".to_string()));
            }
        }
        let exp_bits = exp_bits(p, emin, emax, specials, true);
        let total = u32::from(signed) + exp_bits + (p - 1);
        if total > MAX_BITS {
            return Err(unsupported(format!(
                "the encoding needs {total} bits (1 sign + {exp_bits} exponent + {} fraction); at most {MAX_BITS} are supported",
                p - 1
            )));
        }
        let kernel = NAMED
            .iter()
            .map(|named| named.format)
            .find(|f| {
                (f.p, f.emin, f.emax, f.specials, f.signed) == (p, emin, emax, specials, signed)
            })
            .map_or(Kernel::None, |f| f.kernel);
        Ok(Format::layout(p, emin, emax, specials, signed, kernel))
    }

    /// A signed format whose parameters are known to be valid, for the named constants; the
    /// tests check each against [`Format::with_specials`].
    const fn known(p: u32, emin: i32, emax: i32, specials: Specials, kernel: Kernel) -> Format {
        Format::layout(p, emin, emax, specials, true, kernel)
    }

    /// A format with a zero and ties to even significands, from checked parameters.
    const fn layout(
        p: u32,
        emin: i32,
        emax: i32,
        specials: Specials,
        signed: bool,
        kernel: Kernel,
    ) -> Format {
        let exp_bits = exp_bits(p, emin, emax, specials, true);
        let (zero, code_ties, bias) = (true, false, 1 - emin);
        Format { p, emin, emax, specials, signed, zero, code_ties, exp_bits, bias, kernel }
    }

    /// The IEEE P3109 binary8 format of precision `p` (K = 8), as gfloat's
    /// `format_info_p3109(8, p, signedness, domain)` defines it: signed formats (p in 1..=7)
    /// have a sign bit, 8 - p exponent bits and bias 2^(7-p), one NaN at 0x80 and no -0;
    /// unsigned ones (p in 1..=8) have 9 - p exponent bits, bias 2^(8-p) and their NaN at
    /// 0xFF. Extended formats have infinities at the largest magnitude below the NaN (0x7F and
    /// 0xFF signed, 0xFE unsigned); finite ones use those patterns for their largest values.
    /// Every P3109 format has subnormals; with p = 1, ties go to the even encoding.
    pub const fn p3109(p: u32, signed: bool, extended: bool) -> Option<Format> {
        if p == 0 || p > 8 || (signed && p == 8) {
            return None;
        }
        let exp_bits = 8 - p + if signed { 0 } else { 1 };
        let bias = 1i32 << (exp_bits - 1);
        let specials = match (signed, extended) {
            (true, true) => Specials::FnuzInf,
            (true, false) => Specials::Fnuz,
            (false, true) => Specials::NanInf,
            (false, false) => Specials::NanOnly,
        };
        let top_code = (1i32 << exp_bits) - 1 - reserved_codes(p, specials) as i32;
        Some(Format {
            p,
            emin: 1 - bias,
            emax: top_code - bias,
            specials,
            signed,
            zero: true,
            code_ties: p == 1,
            exp_bits,
            bias,
            kernel: Kernel::None,
        })
    }

    /// Parses a format name: a named format (`binary32`, `bf16`, `e4m3fn`, ...), a generic
    /// IEEE-like `eXmY` (X exponent bits, Y fraction bits), or `p=P,emin=A,emax=B`.
    pub fn parse(name: &str) -> Result<Format, FormatError> {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(named) =
            NAMED.iter().find(|n| n.name == lower || n.aliases.contains(&lower.as_str()))
        {
            return Ok(named.format);
        }
        if let Some(f) = parse_exmy(&lower)? {
            return Ok(f);
        }
        if lower.starts_with("p=") {
            return parse_abstract(&lower);
        }
        Err(FormatError::Unknown(name.to_string()))
    }

    /// Precision in bits, hidden bit included.
    pub fn p(&self) -> u32 {
        self.p
    }
    /// Smallest normal exponent.
    pub fn emin(&self) -> i32 {
        self.emin
    }
    /// Largest normal exponent.
    pub fn emax(&self) -> i32 {
        self.emax
    }
    /// How infinities and NaNs are encoded.
    pub fn specials(&self) -> Specials {
        self.specials
    }
    /// Width of the exponent field.
    pub fn exp_bits(&self) -> u32 {
        self.exp_bits
    }
    /// Exponent bias: a normal with exponent `e` has exponent code `e + bias`.
    pub fn bias(&self) -> i32 {
        self.bias
    }
    /// The fast kernel family serving this format.
    pub(crate) fn kernel(&self) -> Kernel {
        self.kernel
    }
    /// Whether the encoding has a sign bit. Unsigned formats hold no negative value: an
    /// operation whose rounded result is negative and nonzero gives NaN with invalid, and a
    /// negative result that rounds to zero gives +0 (docs/semantics.md §1.2).
    pub fn is_signed(&self) -> bool {
        self.signed
    }
    /// Whether the format has a zero (only `e8m0fnu` has none).
    pub fn has_zero(&self) -> bool {
        self.zero
    }
    /// Whether ties go to the even encoding in this p = 1 format (IEEE P3109) rather than
    /// away from zero.
    pub(crate) fn code_ties(&self) -> bool {
        self.code_ties
    }
    /// The sign bit (0 for unsigned formats).
    pub fn sign_mask(&self) -> u128 {
        if self.signed {
            1u128 << (self.bits() - 1)
        } else {
            0
        }
    }
    /// Every encoding bit but the sign.
    pub fn mag_mask(&self) -> u128 {
        self.mask() & !self.sign_mask()
    }
    /// Width of the fraction field (`p - 1`).
    pub fn frac_bits(&self) -> u32 {
        self.p - 1
    }
    /// Total encoding width in bits.
    pub fn bits(&self) -> u32 {
        u32::from(self.signed) + self.exp_bits + self.p - 1
    }
    /// Mask of all encoding bits.
    pub fn mask(&self) -> u128 {
        if self.bits() == 128 {
            u128::MAX
        } else {
            (1u128 << self.bits()) - 1
        }
    }
    /// Number of hex digits of an encoding (TestFloat's layout): ceil(bits / 4).
    pub fn hex_digits(&self) -> usize {
        self.bits().div_ceil(4) as usize
    }
    /// Whether the format has infinities.
    pub fn has_inf(&self) -> bool {
        matches!(self.specials, Specials::Ieee | Specials::FnuzInf | Specials::NanInf)
    }
    /// Whether the format has NaNs.
    pub fn has_nan(&self) -> bool {
        self.specials != Specials::FiniteOnly
    }
    /// Whether the format has a negative zero.
    pub fn has_neg_zero(&self) -> bool {
        self.signed && self.zero && !matches!(self.specials, Specials::Fnuz | Specials::FnuzInf)
    }
    /// Whether the format's NaN is the would-be -0 pattern `1000...0` (and so has no -0).
    pub fn is_fnuz(&self) -> bool {
        matches!(self.specials, Specials::Fnuz | Specials::FnuzInf)
    }
    /// Whether the format uses the IEEE interchange layout exactly (as binary16..binary128, bf16,
    /// eXmY do): the infinity code is the all-ones exponent.
    pub fn is_ieee_layout(&self) -> bool {
        self.specials == Specials::Ieee
            && self.p >= 2
            && i64::from(self.emax) + i64::from(self.bias) + 1 == (1i64 << self.exp_bits) - 1
    }
    /// Largest significand of a finite value: `2^p - 1`, less the reserved patterns that lie
    /// in the top binade (`2^p - 2` for e4m3fn).
    pub fn max_sig(&self) -> u128 {
        let full = (1u128 << self.p) - 1;
        let top_code = (1i64 << self.exp_bits) - 1;
        if self.specials != Specials::Ieee
            && i64::from(self.emax) + i64::from(self.bias) == top_code
        {
            full - u128::from(self.specials.reserved())
        } else {
            full
        }
    }
    /// Exponent of the least significant bit of subnormals: `emin - p + 1`.
    pub fn qmin(&self) -> i32 {
        self.emin - (self.p as i32) + 1
    }
    /// Exponent of the least significant bit of the top binade: `emax - p + 1`.
    pub fn qmax(&self) -> i32 {
        self.emax - (self.p as i32) + 1
    }

    /// The canonical name of this format if it is a named one, else a generic spelling.
    pub fn name(&self) -> String {
        if let Some(named) = NAMED.iter().find(|n| n.format == *self) {
            return named.name.to_string();
        }
        if self.is_ieee_layout() && 1 - self.emin == self.emax {
            return format!("e{}m{}", self.exp_bits, self.p - 1);
        }
        format!("p={},emin={},emax={}", self.p, self.emin, self.emax)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Format {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Format, FormatError> {
        Format::parse(s)
    }
}

/// `eXmY`: X exponent bits, Y fraction bits, IEEE layout.
fn parse_exmy(s: &str) -> Result<Option<Format>, FormatError> {
    let Some(rest) = s.strip_prefix('e') else { return Ok(None) };
    let Some((x, y)) = rest.split_once('m') else { return Ok(None) };
    if x.is_empty() || y.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    if !y.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let x: u32 =
        x.parse().map_err(|_| unsupported(format!("exponent width too large in '{s}'")))?;
    let y: u32 =
        y.parse().map_err(|_| unsupported(format!("fraction width too large in '{s}'")))?;
    if !(2..=20).contains(&x) {
        return Err(unsupported(format!(
            "eXmY needs 2 <= X <= 20 exponent bits, got {x} in '{s}'"
        )));
    }
    if y == 0 {
        return Err(unsupported(format!(
            "'{s}': an IEEE layout with no fraction bit cannot encode NaN; use p=1,emin=..,emax=.. instead"
        )));
    }
    if y + 1 > MAX_P {
        return Err(unsupported(format!("eXmY needs Y <= {} fraction bits, got {y}", MAX_P - 1)));
    }
    let emax = (1i32 << (x - 1)) - 1;
    Format::new(y + 1, 1 - emax, emax).map(Some)
}

/// `p=P,emin=A,emax=B` (any order of the three keys, each exactly once).
fn parse_abstract(s: &str) -> Result<Format, FormatError> {
    let mut p = None;
    let mut emin = None;
    let mut emax = None;
    for part in s.split(',') {
        let Some((key, value)) = part.split_once('=') else {
            return Err(unsupported(format!("'{part}' in '{s}' is not KEY=VALUE")));
        };
        let parse_int = |v: &str| -> Result<i64, FormatError> {
            v.trim()
                .parse::<i64>()
                .map_err(|_| unsupported(format!("'{v}' in '{s}' is not an integer")))
        };
        let slot = match key.trim() {
            "p" => &mut p,
            "emin" => &mut emin,
            "emax" => &mut emax,
            other => {
                return Err(unsupported(format!(
                    "unknown key '{other}' in '{s}' (expected p, emin, emax)"
                )))
            }
        };
        if slot.is_some() {
            return Err(unsupported(format!("key '{}' given twice in '{s}'", key.trim())));
        }
        *slot = Some(parse_int(value)?);
    }
    let (Some(p), Some(emin), Some(emax)) = (p, emin, emax) else {
        return Err(unsupported(format!("'{s}' must give all of p, emin and emax")));
    };
    let p = u32::try_from(p)
        .ok()
        .filter(|p| (1..=MAX_P).contains(p))
        .ok_or_else(|| unsupported(format!("p must be in 1..={MAX_P}, got {p}")))?;
    let emin = i32::try_from(emin)
        .ok()
        .filter(|e| *e >= MIN_EMIN)
        .ok_or_else(|| unsupported(format!("emin must be >= {MIN_EMIN}, got {emin}")))?;
    let emax = i32::try_from(emax)
        .ok()
        .filter(|e| *e <= MAX_EMAX)
        .ok_or_else(|| unsupported(format!("emax must be <= {MAX_EMAX}, got {emax}")))?;
    Format::new(p, emin, emax)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_formats_have_expected_layouts() {
        let f = Format::parse("binary32").expect("named");
        assert_eq!((f.bits(), f.exp_bits(), f.bias()), (32, 8, 127));
        assert!(f.is_ieee_layout());
        let f = Format::parse("e4m3fn").expect("named");
        assert_eq!((f.bits(), f.exp_bits(), f.bias()), (8, 4, 7));
        let f = Format::parse("e4m3fnuz").expect("named");
        assert_eq!((f.bits(), f.exp_bits(), f.bias()), (8, 4, 8));
        let f = Format::parse("e2m1fn").expect("named");
        assert_eq!((f.bits(), f.exp_bits(), f.bias()), (4, 2, 1));
        let f = Format::parse("e5m2").expect("generic");
        assert_eq!((f.p(), f.emin(), f.emax()), (3, -14, 15));
        let f = Format::parse("binary128").expect("named");
        assert_eq!(f.bits(), 128);
        for name in NAMED_FORMATS {
            let f = Format::parse(name).expect("named");
            assert_eq!(Format::parse(&f.name()).expect("reparse"), f, "{name}");
        }
    }

    #[test]
    fn named_constants_are_checked_formats() {
        for named in NAMED {
            let f = named.format;
            if f.has_zero() && !f.code_ties() {
                let checked =
                    Format::with_layout(f.p(), f.emin(), f.emax(), f.specials(), f.is_signed())
                        .expect("named formats are valid");
                assert_eq!(checked, f, "{}", named.name);
            }
            assert_eq!(Format::parse(named.name), Ok(f), "{}", named.name);
            for alias in named.aliases {
                assert_eq!(Format::parse(alias), Ok(f), "{alias}");
            }
            assert_eq!(f.name(), named.name);
        }
        assert_eq!(NAMED_FORMATS.len(), NAMED.len());
        assert_eq!(Format::parse("e5m2"), Ok(Format::E5M2));
        assert_eq!(Format::new(8, -126, 127), Ok(Format::BF16));
        assert_eq!(Format::parse("e4m3").map(|f| f.kernel()), Ok(Kernel::None));
    }

    #[test]
    fn abstract_formats_parse_and_check() {
        let f = Format::parse("p=4,emin=-6,emax=8").expect("abstract");
        assert!(!f.is_ieee_layout());
        assert_eq!(f.bits(), 1 + 5 + 3);
        assert!(Format::parse("p=0,emin=-6,emax=8").is_err());
        assert!(Format::parse("p=200,emin=-6,emax=8").is_err());
        assert!(Format::parse("p=4,emin=8,emax=8").is_err());
        assert!(Format::parse("p=4,emin=-6").is_err());
        assert!(Format::parse("p=4,emin=-6,emax=8,p=3").is_err());
        assert!(Format::parse("e9m0").is_err());
        assert!(Format::parse("nonsense").is_err());
        let f = Format::parse("p=1,emin=-6,emax=7").expect("p=1");
        assert_eq!(f.exp_bits(), 5);
    }
}
