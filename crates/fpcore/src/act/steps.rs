//! The steps of the composite definitions beyond IEEE 754 arithmetic, as an extension of
//! [`Ctx`] (which runs the arithmetic steps and ORs their flags): the correctly rounded
//! elementary functions, each one step whose flags are ORed like any other; the definitions'
//! literals, rounded to the format once without flags (as a framework's literal is); and exact
//! comparisons with a real threshold.

use super::elementary;
use super::literal::{literal, Literal};
use super::mp::Dy;
use super::tanh::tanh;
use crate::ctx::Ctx;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::model;
use crate::value::Kind;

/// The composite definitions' steps on a [`Ctx`].
pub(crate) trait Steps {
    /// A literal of the definition, rounded to the format (no flags).
    fn lit(&self, c: Literal) -> u128;
    /// Correctly rounded `exp(a)`.
    fn exp(&mut self, a: u128) -> u128;
    /// Correctly rounded `log1p(a)`.
    fn log1p(&mut self, a: u128) -> u128;
    /// Correctly rounded `erf(a)`.
    fn erf(&mut self, a: u128) -> u128;
    /// Correctly rounded `tanh(a)`.
    fn tanh(&mut self, a: u128) -> u128;
    /// `a ⊘ (1 ⊕ exp(-x))`, exp correctly rounded: the composite sigmoid(x) for `a = 1`.
    fn div_one_plus_exp_neg(&mut self, a: u128, x: u128) -> u128;
    /// Whether `a > c` for the real number `c`, comparing exact values (false for NaN).
    fn greater_than(&self, a: u128, c: &Dy) -> bool;
}

/// One correctly rounded step `f(a)`, its flags ORed into the context's.
/// Under a modelled environment the step is modelled like every arithmetic step
/// (docs/semantics.md §7).
fn step(ctx: &mut Ctx, f: fn(&Env, &Format, u128) -> Rounded<u128>, a: u128) -> u128 {
    let r = if model::applies(&ctx.env) {
        model::run(&ctx.env, &ctx.fmt, &ctx.fmt, [a], |ieee, w, _, [a]| f(ieee, w, a))
    } else {
        f(&ctx.env, &ctx.fmt, a)
    };
    ctx.take(r)
}

impl Steps for Ctx {
    fn lit(&self, c: Literal) -> u128 {
        literal(&self.env, &self.fmt, c)
    }

    fn exp(&mut self, a: u128) -> u128 {
        step(self, elementary::exp, a)
    }

    fn log1p(&mut self, a: u128) -> u128 {
        step(self, elementary::log1p, a)
    }

    fn erf(&mut self, a: u128) -> u128 {
        step(self, elementary::erf, a)
    }

    fn tanh(&mut self, a: u128) -> u128 {
        step(self, tanh, a)
    }

    fn div_one_plus_exp_neg(&mut self, a: u128, x: u128) -> u128 {
        let one = self.lit(Literal::One);
        let minus_x = self.neg(x);
        let e = self.exp(minus_x);
        let den = self.add(one, e);
        self.div(a, den)
    }

    fn greater_than(&self, a: u128, c: &Dy) -> bool {
        let u = self.fmt.unpack(a);
        match u.kind {
            Kind::Nan { .. } => false,
            Kind::Inf => !u.sign,
            Kind::Zero => c.is_neg(),
            Kind::Finite { sig, exp } => c.lt(&Dy::from_parts(u.sign, sig, i64::from(exp))),
        }
    }
}
