//! [`Ctx`]: an environment and a format that run several rounded operations in a row and
//! collect the union of their flags. Multi-step code (composite activations, a network layer,
//! an expression, a construction's predictions) uses it instead of ORing flags by hand.

use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;
use crate::ops;

/// An evaluation context: every operation is one rounding in `fmt` under `env`, and its flags
/// are ORed into [`Ctx::flags`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ctx {
    /// The environment every operation runs under.
    pub env: Env,
    /// The format of operands and results.
    pub fmt: Format,
    /// The union of the flags raised so far.
    pub flags: Flags,
}

impl Ctx {
    /// A context with no flags raised.
    #[inline]
    pub fn new(env: Env, fmt: Format) -> Ctx {
        Ctx { env, fmt, flags: Flags::NONE }
    }

    /// Keeps `r`'s value and ORs its flags into the context's.
    #[inline]
    pub fn take(&mut self, r: Rounded<u128>) -> u128 {
        self.flags |= r.flags;
        r.value
    }

    /// `value` with the flags raised so far.
    #[inline]
    pub fn finish(&self, value: u128) -> Rounded<u128> {
        Rounded { value, flags: self.flags }
    }

    /// `a ⊕ b` (IEEE 754-2019 addition).
    #[inline]
    pub fn add(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::add(&self.env, &self.fmt, a, b);
        self.take(r)
    }

    /// `a ⊖ b` (subtraction).
    #[inline]
    pub fn sub(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::sub(&self.env, &self.fmt, a, b);
        self.take(r)
    }

    /// `a ⊗ b` (multiplication).
    #[inline]
    pub fn mul(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::mul(&self.env, &self.fmt, a, b);
        self.take(r)
    }

    /// `a ⊘ b` (division).
    #[inline]
    pub fn div(&mut self, a: u128, b: u128) -> u128 {
        let r = ops::div(&self.env, &self.fmt, a, b);
        self.take(r)
    }

    /// Square root, rounded once.
    #[inline]
    pub fn sqrt(&mut self, a: u128) -> u128 {
        let r = ops::sqrt(&self.env, &self.fmt, a);
        self.take(r)
    }

    /// `fma(a, b, c)` = a * b + c rounded once (fusedMultiplyAdd).
    #[inline]
    pub fn fma(&mut self, a: u128, b: u128, c: u128) -> u128 {
        let r = ops::fma(&self.env, &self.fmt, a, b, c);
        self.take(r)
    }

    /// `a` (an encoding of `src`) converted to the context's format (convertFormat).
    #[inline]
    pub fn convert_from(&mut self, src: &Format, a: u128) -> u128 {
        let r = ops::convert(&self.env, src, &self.fmt, a);
        self.take(r)
    }

    /// `a` (an encoding of the context's format) converted to `dst` (convertFormat).
    #[inline]
    pub fn convert_to(&mut self, dst: &Format, a: u128) -> u128 {
        let r = ops::convert(&self.env, &self.fmt, dst, a);
        self.take(r)
    }

    /// `-a`: exact, no flags (negate).
    #[inline]
    pub fn neg(&self, a: u128) -> u128 {
        ops::neg(&self.fmt, a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_of_every_step_are_collected() {
        let mut ctx = Ctx::new(Env::default(), Format::BINARY16);
        // 0x7BFF is the largest finite binary16 value: doubling it overflows.
        let big = ctx.add(0x7BFF, 0x7BFF);
        assert_eq!(big, 0x7C00);
        assert_eq!(ctx.flags, Flags::OVERFLOW | Flags::INEXACT);
        // 1 / 0 raises infinite; the earlier flags stay.
        let inf = ctx.div(0x3C00, 0x0000);
        assert_eq!(inf, 0x7C00);
        assert_eq!(ctx.finish(inf).flags, Flags::OVERFLOW | Flags::INEXACT | Flags::INFINITE);
    }
}
