//! The step-by-step evaluator of the composite definitions: each step is one rounded fpcore
//! operation whose flags are ORed into the result's, and constants are rounded to the format
//! once without flags (as a framework's literal is).

use super::mp::consts::{constant, Const};
use super::mp::{Dy, Iv};
use super::{elementary, tanh, ziv};
use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::ops;

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
    let irrational = |k: Const| ziv::ziv(env, fmt, |w| Some(constant(k, w))).value;
    match c {
        Literal::Half => ziv::exact(env, fmt, false, 1, -1).value,
        Literal::MinusHalf => ziv::exact(env, fmt, true, 1, -1).value,
        Literal::One => ziv::exact(env, fmt, false, 1, 0).value,
        Literal::Three => ziv::exact(env, fmt, false, 3, 0).value,
        Literal::Frac1Sqrt2 => irrational(Const::Frac1Sqrt2),
        Literal::Frac1Sqrt2Pi => irrational(Const::Frac1Sqrt2Pi),
        Literal::Sqrt2OverPi => irrational(Const::Sqrt2OverPi),
        Literal::GeluTanhCoeff => ziv::ziv(env, fmt, gelu_tanh_coeff).value,
    }
}

/// An enclosure of 0.044715 = 8943 / 200000.
pub(crate) fn gelu_tanh_coeff(w: i64) -> Option<Iv> {
    Iv::int(8943).div(&Iv::int(200_000), w)
}

/// Runs the steps of one composite evaluation, collecting flags.
pub(crate) struct Steps<'a> {
    env: &'a Env,
    fmt: &'a Format,
    flags: Flags,
}

impl<'a> Steps<'a> {
    /// A new evaluation with no flags raised.
    pub(crate) fn new(env: &'a Env, fmt: &'a Format) -> Steps<'a> {
        Steps { env, fmt, flags: Flags::NONE }
    }

    fn take(&mut self, r: Rounded<u128>) -> u128 {
        self.flags = self.flags.union(r.flags);
        r.value
    }

    /// A literal of the definition, rounded to the format.
    pub(crate) fn lit(&self, c: Literal) -> u128 {
        literal(self.env, self.fmt, c)
    }

    /// `a ⊕ b`.
    pub(crate) fn add(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::add(self.env, self.fmt, a, b);
        self.take(r)
    }

    /// `a ⊖ b`.
    pub(crate) fn sub(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::sub(self.env, self.fmt, a, b);
        self.take(r)
    }

    /// `a ⊗ b`.
    pub(crate) fn mul(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::mul(self.env, self.fmt, a, b);
        self.take(r)
    }

    /// `a ⊘ b`.
    pub(crate) fn div(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::div(self.env, self.fmt, a, b);
        self.take(r)
    }

    /// `-a` (exact, no flags).
    pub(crate) fn neg(&self, a: u128) -> u128 {
        ops::neg(self.fmt, a)
    }

    /// Correctly rounded `exp(a)`.
    pub(crate) fn exp(&mut self, a: u128) -> u128 {
        let r = elementary::exp(self.env, self.fmt, a);
        self.take(r)
    }

    /// Correctly rounded `log1p(a)`.
    pub(crate) fn log1p(&mut self, a: u128) -> u128 {
        let r = elementary::log1p(self.env, self.fmt, a);
        self.take(r)
    }

    /// Correctly rounded `erf(a)`.
    pub(crate) fn erf(&mut self, a: u128) -> u128 {
        let r = elementary::erf(self.env, self.fmt, a);
        self.take(r)
    }

    /// Correctly rounded `tanh(a)`.
    pub(crate) fn tanh(&mut self, a: u128) -> u128 {
        let r = tanh::tanh(self.env, self.fmt, a);
        self.take(r)
    }

    /// Whether `a > c` for the real number `c`, comparing exact values (false for NaN).
    pub(crate) fn greater_than(&self, a: u128, c: &Dy) -> bool {
        let u = self.fmt.unpack(a);
        match u.kind {
            crate::value::Kind::Nan { .. } => false,
            crate::value::Kind::Inf => !u.sign,
            crate::value::Kind::Zero => c.is_neg(),
            crate::value::Kind::Finite { sig, exp } => {
                c.lt(&Dy::from_parts(u.sign, sig, i64::from(exp)))
            }
        }
    }

    /// The final value with the flags of every step.
    pub(crate) fn done(self, value: u128) -> Rounded<u128> {
        Rounded::new(value, self.flags)
    }
}
