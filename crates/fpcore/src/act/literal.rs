//! The constants of the composite definitions, each rounded to the format once (round to
//! nearest even) and without flags, as a framework's literal is.

use super::entry::exact;
use super::mp::consts::{constant, Const};
use super::mp::Iv;
use super::ziv::ziv;
use crate::env::Env;
use crate::format::Format;

/// A constant of a composite definition.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Literal {
    /// 0.5.
    Half,
    /// -0.5.
    MinusHalf,
    /// 1.
    One,
    /// 3.
    Three,
    /// 1/sqrt(2) (`M_SQRT1_2`).
    Frac1Sqrt2,
    /// 1/sqrt(2 pi).
    Frac1Sqrt2Pi,
    /// sqrt(2/pi).
    Sqrt2OverPi,
    /// 0.044715.
    GeluTanhCoeff,
}

/// The literal rounded to the format (round to nearest even).
pub(crate) fn literal(env: &Env, fmt: &Format, c: Literal) -> u128 {
    let irrational = |k: Const| ziv(env, fmt, |w| Some(constant(k, w))).value;
    match c {
        Literal::Half => exact(env, fmt, false, 1, -1).value,
        Literal::MinusHalf => exact(env, fmt, true, 1, -1).value,
        Literal::One => exact(env, fmt, false, 1, 0).value,
        Literal::Three => exact(env, fmt, false, 3, 0).value,
        Literal::Frac1Sqrt2 => irrational(Const::Frac1Sqrt2),
        Literal::Frac1Sqrt2Pi => irrational(Const::Frac1Sqrt2Pi),
        Literal::Sqrt2OverPi => irrational(Const::Sqrt2OverPi),
        Literal::GeluTanhCoeff => ziv(env, fmt, gelu_tanh_coeff).value,
    }
}

/// An enclosure of 0.044715 = 8943 / 200000.
pub(crate) fn gelu_tanh_coeff(w: i64) -> Option<Iv> {
    Iv::int(8943).div(&Iv::int(200_000), w)
}
