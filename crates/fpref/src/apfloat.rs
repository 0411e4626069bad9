//! LLVM APFloat (through `rustc_apfloat`) as a [`Backend`].
//!
//! Formats: APFloat's IEEE-layout formats (binary16/32/64/128, bfloat16, e5m2) and OCP
//! E4M3 (`e4m3fn`, APFloat's `Float8E4M3FN`), plus IEEE-layout formats defined here as
//! [`Semantics`] markers (see [`FORMATS`]). A format is found by its (p, emin, emax,
//! specials); FNUZ and finite-only formats have no APFloat counterpart.
//!
//! Operations: add, sub, mul, div, fma (`mul_add_r`) and conversions between any two
//! supported formats (`convert_r`), all with [`Round::NearestTiesToEven`]. APFloat has no
//! square root.
//!
//! `rustc_apfloat::Status` numbers the flags in the reverse of TestFloat's order
//! (`INVALID_OP` = 0x01 ... `INEXACT` = 0x10), so flags are mapped one by one by name.
//!
//! Where APFloat departs from IEEE 754 with canonical NaNs (NaN propagation, the underflow
//! flag just below 2^emin, infinities converted to e4m3fn), see [`crate::divergence`].

use std::marker::PhantomData;

use fpcore::{Flags, Format, Specials};
use rustc_apfloat::ieee::{
    BFloat, Double, Float8E4M3FN, Float8E5M2, Half, IeeeFloat, NonfiniteBehavior, Quad, Semantics,
    Single,
};
use rustc_apfloat::{Float, FloatConvert, Round, Status, StatusAnd};

use crate::{check_operands, Backend, Op};

/// LLVM APFloat, rounding to nearest even.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ApFloat;

/// Defines a marker type with IEEE semantics for an `eXmY` layout.
macro_rules! ieee_layout {
    ($(#[$doc:meta])* $name:ident, $bits:expr, $exp_bits:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl Semantics for $name {
            const BITS: usize = $bits;
            const EXP_BITS: usize = $exp_bits;
        }
    };
}

ieee_layout!(
    /// `e2m1`: 4 bits, IEEE layout (p = 2, emin = 0, emax = 1).
    E2M1, 4, 2
);
ieee_layout!(
    /// `e3m2`: 6 bits, IEEE layout (p = 3, emin = -2, emax = 3).
    E3M2, 6, 3
);
ieee_layout!(
    /// `e2m3`: 6 bits, IEEE layout (p = 4, emin = 0, emax = 1).
    E2M3, 6, 2
);
ieee_layout!(
    /// `e2m5`: 8 bits, IEEE layout (p = 6, emin = 0, emax = 1).
    E2M5, 8, 2
);
ieee_layout!(
    /// `e3m4`: 8 bits, IEEE layout (p = 5, emin = -2, emax = 3).
    E3M4, 8, 3
);
ieee_layout!(
    /// `e4m3`: 8 bits, IEEE layout with infinities (p = 4, emin = -6, emax = 7); not OCP E4M3.
    E4M3, 8, 4
);
ieee_layout!(
    /// `e6m9`: 16 bits, IEEE layout (p = 10, emin = -30, emax = 31).
    E6M9, 16, 6
);
ieee_layout!(
    /// `e8m10`: 19 bits, IEEE layout (p = 11, emin = -126, emax = 127), TensorFloat-32's values.
    E8M10, 19, 8
);
ieee_layout!(
    /// `e10m20`: 31 bits, IEEE layout (p = 21, emin = -510, emax = 511).
    E10M20, 31, 10
);

/// Visits the semantics type of a format.
trait Visit {
    type Out;
    fn visit<S: Semantics>(self) -> Self::Out;
}

/// Declares [`ApFormat`] with one variant per semantics type, and its dispatch.
macro_rules! formats {
    ($($variant:ident => $sem:ty, $name:literal;)*) => {
        /// A format APFloat can evaluate.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ApFormat {
            $(
                #[doc = concat!("`", $name, "`.")]
                $variant,
            )*
        }

        /// Every format of [`ApFormat`], in declaration order.
        pub const FORMATS: &[ApFormat] = &[$(ApFormat::$variant),*];

        impl ApFormat {
            fn visit<V: Visit>(self, v: V) -> V::Out {
                match self {
                    $(ApFormat::$variant => v.visit::<<$sem as SemanticsOf>::S>(),)*
                }
            }

            /// The fpcore name of the format.
            pub fn name(self) -> &'static str {
                match self {
                    $(ApFormat::$variant => $name,)*
                }
            }
        }
    };
}

/// Maps an APFloat float type (`IeeeFloat<S>`) or a marker back to its semantics.
trait SemanticsOf {
    type S: Semantics;
}
impl<S: Semantics> SemanticsOf for IeeeFloat<S> {
    type S = S;
}

formats! {
    Half => Half, "binary16";
    Single => Single, "binary32";
    Double => Double, "binary64";
    Quad => Quad, "binary128";
    BFloat => BFloat, "bfloat16";
    Float8E5M2 => Float8E5M2, "e5m2";
    Float8E4M3FN => Float8E4M3FN, "e4m3fn";
    E2M1 => IeeeFloat<E2M1>, "e2m1";
    E3M2 => IeeeFloat<E3M2>, "e3m2";
    E2M3 => IeeeFloat<E2M3>, "e2m3";
    E2M5 => IeeeFloat<E2M5>, "e2m5";
    E3M4 => IeeeFloat<E3M4>, "e3m4";
    E4M3 => IeeeFloat<E4M3>, "e4m3";
    E6M9 => IeeeFloat<E6M9>, "e6m9";
    E8M10 => IeeeFloat<E8M10>, "e8m10";
    E10M20 => IeeeFloat<E10M20>, "e10m20";
}

/// The parameters of a semantics type as fpcore sees them: (p, emin, emax, specials, bits).
struct Params;
impl Visit for Params {
    type Out = (u32, i32, i32, Specials, u32);
    fn visit<S: Semantics>(self) -> Self::Out {
        let specials = match S::NONFINITE_BEHAVIOR {
            NonfiniteBehavior::IEEE754 => Specials::Ieee,
            NonfiniteBehavior::NanOnly => Specials::NanOnly,
        };
        let p = u32::try_from(S::PRECISION).expect("precision fits u32");
        let bits = u32::try_from(S::BITS).expect("width fits u32");
        (p, S::MIN_EXP, S::MAX_EXP, specials, bits)
    }
}

impl ApFormat {
    /// The APFloat format with the same values and encoding as `fmt`, if any.
    pub fn of(fmt: &Format) -> Option<ApFormat> {
        let key = (fmt.p(), fmt.emin(), fmt.emax(), fmt.specials(), fmt.bits());
        FORMATS.iter().copied().find(|f| f.visit(Params) == key)
    }

    /// The fpcore format with the same values and encoding.
    pub fn format(self) -> Format {
        let (p, emin, emax, specials, _) = self.visit(Params);
        Format::with_specials(p, emin, emax, specials).expect("APFloat formats are valid formats")
    }
}

/// Maps APFloat's status to TestFloat's flags, flag by flag.
pub fn flags_from_status(status: Status) -> Flags {
    const MAP: [(Status, Flags); 5] = [
        (Status::INVALID_OP, Flags::INVALID),
        (Status::DIV_BY_ZERO, Flags::INFINITE),
        (Status::OVERFLOW, Flags::OVERFLOW),
        (Status::UNDERFLOW, Flags::UNDERFLOW),
        (Status::INEXACT, Flags::INEXACT),
    ];
    MAP.iter().filter(|(s, _)| status.contains(*s)).fold(Flags::NONE, |acc, (_, f)| acc.union(*f))
}

fn finish<F: Float>(r: StatusAnd<F>) -> (u128, Status) {
    (r.value.to_bits(), r.status)
}

/// Arithmetic in one format, or in binary128 after widening the operands (exactly).
struct Arith<'a> {
    op: Op,
    operands: &'a [u128],
    round: Round,
    widen: bool,
}
impl Visit for Arith<'_> {
    type Out = (u128, Status);
    fn visit<S: Semantics>(self) -> Self::Out {
        if self.widen {
            let wide = |i: usize| {
                let mut loses_info = false;
                let r: StatusAnd<Quad> = IeeeFloat::<S>::from_bits(self.operands[i])
                    .convert_r(Round::NearestTiesToEven, &mut loses_info);
                r.value.to_bits()
            };
            let operands: Vec<u128> = (0..self.operands.len()).map(wide).collect();
            let arith = Arith { op: self.op, operands: &operands, round: self.round, widen: false };
            return arith.visit::<<Quad as SemanticsOf>::S>();
        }
        let x = |i: usize| IeeeFloat::<S>::from_bits(self.operands[i]);
        let round = self.round;
        match self.op {
            Op::Add => finish(x(0).add_r(x(1), round)),
            Op::Sub => finish(x(0).sub_r(x(1), round)),
            Op::Mul => finish(x(0).mul_r(x(1), round)),
            Op::Div => finish(x(0).div_r(x(1), round)),
            Op::Fma => finish(x(0).mul_add_r(x(1), x(2), round)),
            Op::Sqrt | Op::Cvt(_) | Op::Act { .. } => unreachable!("filtered by supports"),
        }
    }
}

/// The exact result of `op` on `operands` (in `fmt`, an APFloat format), rounded toward zero
/// to binary128, as a binary128 encoding: exact for conversions, and for arithmetic in every
/// format but binary128 itself (precision and range of binary128 hold these results rounded
/// toward zero with at least p + 1 bits, which is all [`crate::divergence`] needs).
/// `None` for binary128 arithmetic, sqrt, the activations, and formats APFloat lacks.
pub(crate) fn toward_zero_in_binary128(fmt: &Format, op: &Op, operands: &[u128]) -> Option<u128> {
    let src = ApFormat::of(fmt)?;
    match op {
        Op::Sqrt | Op::Act { .. } => None,
        Op::Cvt(_) => Some(src.visit(CvtFrom { dst: ApFormat::Quad, x: operands[0] }).0),
        _ if src == ApFormat::Quad => None,
        _ => Some(src.visit(Arith { op: *op, operands, round: Round::TowardZero, widen: true }).0),
    }
}

/// The result of `op` rounded toward zero in `fmt` itself. `None` for sqrt, conversions, the
/// activations and formats APFloat lacks.
pub(crate) fn toward_zero(fmt: &Format, op: &Op, operands: &[u128]) -> Option<u128> {
    let src = ApFormat::of(fmt)?;
    match op {
        Op::Sqrt | Op::Cvt(_) | Op::Act { .. } => None,
        _ => Some(src.visit(Arith { op: *op, operands, round: Round::TowardZero, widen: false }).0),
    }
}

/// Conversion from `S` (picked by the outer visit) to a destination picked by the inner one.
struct CvtFrom {
    dst: ApFormat,
    x: u128,
}
struct CvtTo<S> {
    x: u128,
    src: PhantomData<S>,
}
impl<S> CvtTo<S> {
    fn new(x: u128) -> CvtTo<S> {
        CvtTo { x, src: PhantomData }
    }
}
impl Visit for CvtFrom {
    type Out = (u128, Status);
    fn visit<S: Semantics>(self) -> Self::Out {
        self.dst.visit(CvtTo::<S>::new(self.x))
    }
}
impl<S: Semantics> Visit for CvtTo<S> {
    type Out = (u128, Status);
    fn visit<T: Semantics>(self) -> Self::Out {
        let mut loses_info = false;
        let r: StatusAnd<IeeeFloat<T>> =
            IeeeFloat::<S>::from_bits(self.x).convert_r(Round::NearestTiesToEven, &mut loses_info);
        finish(r)
    }
}

impl Backend for ApFloat {
    fn name(&self) -> &'static str {
        "apfloat"
    }

    /// Every operation but sqrt in the formats of [`FORMATS`]; conversions between any two
    /// of them, the identity conversion included.
    fn supports(&self, fmt: &Format, op: &Op) -> bool {
        if ApFormat::of(fmt).is_none() {
            return false;
        }
        match op {
            Op::Sqrt | Op::Act { .. } => false,
            Op::Cvt(dst) => ApFormat::of(dst).is_some(),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Fma => true,
        }
    }

    fn eval(&self, fmt: &Format, op: &Op, operands: &[u128]) -> Option<(u128, Flags)> {
        if !self.supports(fmt, op) {
            return None;
        }
        check_operands(fmt, op, operands);
        let src = ApFormat::of(fmt).expect("supported");
        let (bits, status) = match op {
            Op::Cvt(dst) => src.visit(CvtFrom {
                dst: ApFormat::of(dst).expect("supported destination"),
                x: operands[0],
            }),
            _ => src.visit(Arith {
                op: *op,
                operands,
                round: Round::NearestTiesToEven,
                widen: false,
            }),
        };
        Some((bits, flags_from_status(status)))
    }
}
