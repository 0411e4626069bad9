//! Decoding and encoding bit patterns: `unpack` a pattern into sign and kind, `pack` back.
//!
//! A finite nonzero value is `(-1)^sign * sig * 2^exp` with `sig` the integer significand
//! (hidden bit included for normals) and `exp` the exponent of its least significant bit.
//!
//! Operand contract: an encoding is the low [`Format::bits`] bits of a `u128`; bits above the
//! width are ignored. [`Format::unpack`] masks them off, and so does every operation that
//! reads its operands otherwise (the fast kernels, comparisons, sign operations, text
//! printing), so a result never depends on them and encoded results never carry them.
//! [`Format::is_canonical`] is the one place that looks at them: such an encoding is not
//! canonical.

use crate::format::{Format, Specials};

/// The kind of an unpacked value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A zero (its sign is in [`Unpacked::sign`]).
    Zero,
    /// A finite nonzero value `sig * 2^exp`, `0 < sig < 2^p`.
    Finite {
        /// Integer significand.
        sig: u128,
        /// Exponent of the significand's least significant bit.
        exp: i32,
    },
    /// An infinity.
    Inf,
    /// A NaN. `frac` is the fraction field (the payload, quiet bit included).
    Nan {
        /// Whether the NaN is quiet.
        quiet: bool,
        /// The raw fraction field.
        frac: u128,
    },
}

/// A finite nonzero value `(-1)^sign * sig * 2^exp`, as the kernels take their operands.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Finite {
    /// Sign bit.
    pub sign: bool,
    /// Integer significand, nonzero.
    pub sig: u128,
    /// Exponent of the significand's least significant bit.
    pub exp: i32,
}

/// A decoded value: its sign and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unpacked {
    /// Sign bit.
    pub sign: bool,
    /// What the value is.
    pub kind: Kind,
}

impl Unpacked {
    /// Whether the value is a NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self.kind, Kind::Nan { .. })
    }
    /// Whether the value is a signaling NaN.
    pub fn is_snan(&self) -> bool {
        matches!(self.kind, Kind::Nan { quiet: false, .. })
    }
    /// Whether the value is an infinity.
    pub fn is_inf(&self) -> bool {
        self.kind == Kind::Inf
    }
    /// Whether the value is a zero.
    pub fn is_zero(&self) -> bool {
        self.kind == Kind::Zero
    }
}

/// IEEE 754-2019 §5.7.2 classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Signaling NaN.
    SignalingNan,
    /// Quiet NaN.
    QuietNan,
    /// Negative infinity.
    NegativeInfinity,
    /// Negative normal.
    NegativeNormal,
    /// Negative subnormal.
    NegativeSubnormal,
    /// Negative zero.
    NegativeZero,
    /// Positive zero.
    PositiveZero,
    /// Positive subnormal.
    PositiveSubnormal,
    /// Positive normal.
    PositiveNormal,
    /// Positive infinity.
    PositiveInfinity,
}

impl Class {
    /// The class's name as IEEE 754 spells it (`negativeNormal` ...).
    pub fn name(self) -> &'static str {
        match self {
            Class::SignalingNan => "signalingNaN",
            Class::QuietNan => "quietNaN",
            Class::NegativeInfinity => "negativeInfinity",
            Class::NegativeNormal => "negativeNormal",
            Class::NegativeSubnormal => "negativeSubnormal",
            Class::NegativeZero => "negativeZero",
            Class::PositiveZero => "positiveZero",
            Class::PositiveSubnormal => "positiveSubnormal",
            Class::PositiveNormal => "positiveNormal",
            Class::PositiveInfinity => "positiveInfinity",
        }
    }
}

impl Format {
    /// The exponent code of infinities (IEEE specials only).
    pub(crate) fn inf_code(&self) -> u128 {
        (self.emax() + self.bias() + 1) as u128
    }

    /// Decodes a bit pattern. Bits above the encoding width are ignored.
    pub fn unpack(&self, bits: u128) -> Unpacked {
        let bits = bits & self.mask();
        let frac_bits = self.frac_bits();
        let sign = bits & self.sign_mask() != 0;
        let code = (bits >> frac_bits) & ((1u128 << self.exp_bits()) - 1);
        let frac = bits & ((1u128 << frac_bits) - 1);
        let mag = bits & self.mag_mask();
        let top = self.mag_mask();
        let kind = match self.specials() {
            Specials::Ieee => {
                let inf_code = self.inf_code();
                if code == inf_code && frac == 0 {
                    Kind::Inf
                } else if code >= inf_code {
                    // Every code past the infinity code (abstract layouts only) is a quiet NaN.
                    let quiet = frac_bits == 0 || code > inf_code || frac >> (frac_bits - 1) == 1;
                    Kind::Nan { quiet, frac }
                } else {
                    self.finite_kind(code, frac)
                }
            }
            Specials::NanOnly | Specials::NanInf if mag == top => Kind::Nan { quiet: true, frac },
            Specials::NanInf if mag == top - 1 => Kind::Inf,
            Specials::Fnuz | Specials::FnuzInf if bits == self.sign_mask() => {
                return Unpacked { sign: true, kind: Kind::Nan { quiet: true, frac: 0 } };
            }
            Specials::FnuzInf if mag == top => Kind::Inf,
            Specials::NanOnly
            | Specials::NanInf
            | Specials::Fnuz
            | Specials::FnuzInf
            | Specials::FiniteOnly => self.finite_kind(code, frac),
        };
        Unpacked { sign, kind }
    }

    fn finite_kind(&self, code: u128, frac: u128) -> Kind {
        if code == 0 && self.has_zero() {
            if frac == 0 {
                Kind::Zero
            } else {
                Kind::Finite { sig: frac, exp: self.qmin() }
            }
        } else {
            let exp = code as i32 - self.bias() - self.frac_bits() as i32;
            Kind::Finite { sig: frac | (1u128 << self.frac_bits()), exp }
        }
    }

    /// Encodes a signed zero (FNUZ and unsigned formats have only +0). A format without zero
    /// (`e8m0fnu`) gives its NaN, as ml_dtypes does for a zero.
    pub fn zero(&self, sign: bool) -> u128 {
        if !self.has_zero() {
            self.mag_mask()
        } else if sign && self.has_neg_zero() {
            self.sign_mask()
        } else {
            0
        }
    }

    /// Encodes a signed infinity. Formats without infinities, and unsigned formats asked for
    /// -inf, have none: `None`.
    pub fn inf(&self, sign: bool) -> Option<u128> {
        if !self.has_inf() || (sign && !self.is_signed()) {
            return None;
        }
        Some(match self.specials() {
            Specials::FnuzInf => self.sign_bit(sign) | self.mag_mask(),
            Specials::NanInf => self.sign_bit(sign) | (self.mag_mask() - 1),
            _ => self.sign_bit(sign) | (self.inf_code() << self.frac_bits()),
        })
    }

    /// The largest finite value with the given sign.
    pub fn max_finite(&self, sign: bool) -> u128 {
        self.pack_finite(sign, self.max_sig(), self.qmax())
    }

    /// The smallest positive subnormal (or normal, for p = 1) with the given sign.
    pub fn min_positive(&self, sign: bool) -> u128 {
        self.pack_finite(sign, 1, self.qmin())
    }

    /// The format's canonical NaN (see [`crate::NanPolicy::Canonical`]); `None` for finite-only
    /// formats.
    pub fn canonical_nan(&self) -> Option<u128> {
        match self.specials() {
            Specials::Ieee => Some(self.quiet_nan(false, 0)),
            Specials::NanOnly | Specials::NanInf => Some(self.mag_mask()),
            Specials::Fnuz | Specials::FnuzInf => Some(self.sign_mask()),
            Specials::FiniteOnly => None,
        }
    }

    /// A quiet NaN with the given sign and payload (payload bits below the quiet bit, truncated
    /// to the fraction width). Formats whose NaNs carry no payload ignore it; FNUZ NaNs have
    /// no sign. Finite-only formats have no NaN: the result is +0 (callers check `has_nan`).
    pub(crate) fn quiet_nan(&self, sign: bool, payload: u128) -> u128 {
        match self.specials() {
            Specials::Ieee => {
                if self.p() == 1 {
                    self.sign_bit(sign) | ((self.inf_code() + 1) << self.frac_bits())
                } else {
                    let quiet = 1u128 << (self.frac_bits() - 1);
                    let frac = quiet | (payload & (quiet - 1));
                    self.sign_bit(sign) | (self.inf_code() << self.frac_bits()) | frac
                }
            }
            Specials::NanOnly | Specials::NanInf => self.sign_bit(sign) | self.mag_mask(),
            Specials::Fnuz | Specials::FnuzInf => self.sign_mask(),
            Specials::FiniteOnly => 0,
        }
    }

    /// The sign bit for `sign` (nothing in unsigned formats, which callers never ask for a
    /// negative value).
    fn sign_bit(&self, sign: bool) -> u128 {
        if sign {
            self.sign_mask()
        } else {
            0
        }
    }

    /// Encodes the finite value `(-1)^sign * sig * 2^exp`, which must be exactly representable
    /// with `sig < 2^p` and `exp >= qmin`, either normal (`sig >= 2^(p-1)`) or subnormal
    /// (`exp == qmin`). A zero `sig` encodes a signed zero.
    pub(crate) fn pack_finite(&self, sign: bool, sig: u128, exp: i32) -> u128 {
        if sig == 0 {
            return self.zero(sign);
        }
        let hidden = 1u128 << self.frac_bits();
        debug_assert!(sig < hidden << 1, "significand too wide");
        if sig < hidden {
            debug_assert_eq!(exp, self.qmin(), "subnormal at the wrong exponent");
            return self.sign_bit(sign) | sig;
        }
        debug_assert!(!sign || self.is_signed(), "negative value in an unsigned format");
        let code = i64::from(exp) + i64::from(self.frac_bits()) + i64::from(self.bias());
        debug_assert!(code >= i64::from(self.has_zero()), "normal below emin");
        self.sign_bit(sign) | ((code as u128) << self.frac_bits()) | (sig - hidden)
    }

    /// IEEE 754-2019 §5.7.2 class of a bit pattern.
    pub fn classify(&self, bits: u128) -> Class {
        let u = self.unpack(bits);
        let hidden = 1u128 << self.frac_bits();
        match (u.kind, u.sign) {
            (Kind::Nan { quiet: false, .. }, _) => Class::SignalingNan,
            (Kind::Nan { quiet: true, .. }, _) => Class::QuietNan,
            (Kind::Inf, false) => Class::PositiveInfinity,
            (Kind::Inf, true) => Class::NegativeInfinity,
            (Kind::Zero, false) => Class::PositiveZero,
            (Kind::Zero, true) => Class::NegativeZero,
            (Kind::Finite { sig, .. }, false) if sig < hidden => Class::PositiveSubnormal,
            (Kind::Finite { sig, .. }, true) if sig < hidden => Class::NegativeSubnormal,
            (Kind::Finite { .. }, false) => Class::PositiveNormal,
            (Kind::Finite { .. }, true) => Class::NegativeNormal,
        }
    }

    /// Whether `bits` is a canonical encoding: within the width, and not one of the NaN codes
    /// past the infinity code that only abstract layouts have.
    pub fn is_canonical(&self, bits: u128) -> bool {
        if bits & !self.mask() != 0 {
            return false;
        }
        if self.specials() == Specials::Ieee && !self.is_ieee_layout() {
            let code = (bits >> self.frac_bits()) & ((1u128 << self.exp_bits()) - 1);
            let nan_code = if self.p() == 1 { self.inf_code() + 1 } else { self.inf_code() };
            return code <= nan_code;
        }
        true
    }
}
