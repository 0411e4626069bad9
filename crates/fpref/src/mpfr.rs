//! MPFR (through rug) as an independent reference for fpcore's correctly rounded activation
//! functions, their derivatives, and the elementary functions exp, expm1, log1p, erf, tanh.
//!
//! Each function is evaluated by interval arithmetic on MPFR numbers: every MPFR operation is
//! correctly rounded in a chosen direction, so rounding lower ends down and upper ends up
//! gives an interval that contains the exact value. The formulas are written independently of
//! fpcore's engine (erfc for the normal CDF, tanh and cosh where fpcore uses exp). The
//! precision starts at `2p + 64` bits and doubles until both ends of the interval round to the
//! same value of the format with the same underflow status; the ends are rounded with fpcore's
//! single rounding routine ([`fpcore::reference::round_big`]), the tininess test is done here
//! with MPFR. The special values (NaN, infinities, zeros, and the exact cases) come from this
//! module's own table of docs/semantics.md §3.
//!
//! NaN results are the format's canonical NaN: compare under `NanPolicy::Canonical`.

use std::cmp::Ordering;

use fpcore::act::{ActOp, Activation};
use fpcore::value::Kind;
use fpcore::{Env, Flags, Format, Rounded, Tininess};
use num_bigint::BigUint;
use rug::float::{Constant, Round};
use rug::ops::NegAssign;
use rug::{Float, Integer};

/// A function MPFR can evaluate as a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// An activation or its derivative (the correctly rounded definition).
    Act(ActOp),
    /// `e^x`.
    Exp,
    /// `e^x - 1`.
    Expm1,
    /// `ln(1 + x)`.
    Log1p,
    /// `erf(x)`.
    Erf,
    /// `tanh(x)`.
    Tanh,
}

impl Func {
    /// The protocol name.
    pub fn name(self) -> &'static str {
        match self {
            Func::Act(op) => op.name(),
            Func::Exp => "exp",
            Func::Expm1 => "expm1",
            Func::Log1p => "log1p",
            Func::Erf => "erf",
            Func::Tanh => "tanh_elementary",
        }
    }
}

/// The largest MPFR precision tried before giving up.
const MAX_PREC: u32 = 1 << 16;

/// The correctly rounded value of `f(x)` in `fmt` with its flags, or `None` when the interval
/// evaluation cannot decide it (a value too close to a rounding boundary for `MAX_PREC` bits,
/// or an argument beyond MPFR's exponent range).
pub fn eval(env: &Env, fmt: &Format, f: Func, x: u128, kink: u128) -> Option<(u128, Flags)> {
    let u = fmt.unpack(x);
    if let Some(r) = special(env, fmt, f, u.sign, u.kind, kink) {
        return Some(r);
    }
    let (sig, exp) = match u.kind {
        Kind::Finite { sig, exp } => (sig, exp),
        // Zeros that are not special (softplus(0) = ln 2) are evaluated as 0.
        _ => (0, 0),
    };
    let mut xf = Float::with_val(128, Integer::from(sig));
    xf <<= exp;
    if u.sign {
        xf.neg_assign();
    }
    let mut prec = 2 * fmt.p() + 64;
    loop {
        let iv = enclose(f, &xf, prec)?;
        if let Some(r) = decide(env, fmt, &iv) {
            return Some(r);
        }
        if prec >= MAX_PREC {
            return None;
        }
        prec = (prec * 2).min(MAX_PREC);
    }
}

/// The exact value `(-1)^sign * sig * 2^exp` rounded to `fmt`.
fn exact(env: &Env, fmt: &Format, sign: bool, sig: u32, exp: i64) -> (u128, Flags) {
    let r = fpcore::reference::round_big(env, fmt, sign, &BigUint::from(sig), exp, false);
    (r.value, r.flags)
}

/// Special operands and exact results (docs/semantics.md §3), or `None` for the general path.
fn special(
    env: &Env,
    fmt: &Format,
    f: Func,
    sign: bool,
    kind: Kind,
    kink: u128,
) -> Option<(u128, Flags)> {
    let plus_zero = (fmt.zero(false), Flags::NONE);
    let signed_zero = (fmt.zero(sign), Flags::NONE);
    let inf =
        |s: bool| (fmt.inf(s).expect("infinite operands exist only with infinities"), Flags::NONE);
    let one = |s: bool| exact(env, fmt, s, 1, 0);
    let half = exact(env, fmt, false, 1, -1);
    match kind {
        Kind::Nan { quiet, .. } => {
            let flags = if quiet { Flags::NONE } else { Flags::INVALID };
            return Some((
                fmt.canonical_nan().expect("a NaN operand means the format has NaN"),
                flags,
            ));
        }
        Kind::Inf | Kind::Zero | Kind::Finite { .. } => {}
    }
    let is_zero = kind == Kind::Zero;
    let is_inf = kind == Kind::Inf;
    let positive = !sign;
    let act = match f {
        Func::Exp => {
            return match (is_zero, is_inf) {
                (true, _) => Some(one(false)),
                (_, true) => Some(if positive { inf(false) } else { plus_zero }),
                _ => None,
            }
        }
        Func::Expm1 => {
            return match (is_zero, is_inf) {
                (true, _) => Some(signed_zero),
                (_, true) => Some(if positive { inf(false) } else { one(true) }),
                _ => None,
            }
        }
        Func::Log1p => {
            let invalid = (fmt.canonical_nan().unwrap_or(0), Flags::INVALID);
            if let Kind::Finite { sig, exp } = kind {
                // log1p(-1) = -inf (division by zero); below -1 it is invalid.
                let mut v = Float::with_val(128, Integer::from(sig));
                v <<= exp;
                return match (sign, v.partial_cmp(&1u32)) {
                    (true, Some(Ordering::Equal)) => {
                        // An exact -inf, encoded as the division -1 / +0 encodes it (formats
                        // without infinities follow the overflow policy).
                        let minus_one = one(true).0;
                        let r = fpcore::div(env, fmt, minus_one, fmt.zero(false));
                        Some((r.value, r.flags))
                    }
                    (true, Some(Ordering::Greater)) => Some(invalid),
                    _ => None,
                };
            }
            return match (is_zero, is_inf) {
                (true, _) => Some(signed_zero),
                (_, true) => Some(if positive { inf(false) } else { invalid }),
                _ => None,
            };
        }
        Func::Erf | Func::Tanh => {
            return match (is_zero, is_inf) {
                (true, _) => Some(signed_zero),
                (_, true) => Some(one(sign)),
                _ => None,
            }
        }
        Func::Act(op) => op,
    };
    use Activation::*;
    let act_kind = act.act;
    if !act.derivative {
        return if is_zero {
            match act_kind {
                Relu => Some(plus_zero),
                Sigmoid => Some(half),
                Softplus => None,
                Elu | Gelu | GeluTanh | Silu | Tanh => Some(signed_zero),
            }
        } else if is_inf {
            match (act_kind, positive) {
                (Sigmoid | Tanh, true) => Some(one(false)),
                (_, true) => Some(inf(false)),
                (Tanh | Elu, false) => Some(one(true)),
                (_, false) => Some(plus_zero),
            }
        } else {
            match (act_kind, positive) {
                (Relu, false) => Some(plus_zero),
                (Relu | Elu, true) => Some(pass(fmt, kind)),
                _ => None,
            }
        };
    }
    if is_zero {
        Some(match act_kind {
            Relu => (kink & fmt.mask(), Flags::NONE),
            Elu | Tanh => one(false),
            Sigmoid => exact(env, fmt, false, 1, -2),
            Gelu | GeluTanh | Silu | Softplus => half,
        })
    } else if is_inf {
        Some(match (act_kind, positive) {
            (Sigmoid | Tanh, _) | (_, false) => plus_zero,
            (_, true) => one(false),
        })
    } else {
        match (act_kind, positive) {
            (Relu, false) => Some(plus_zero),
            (Relu | Elu, true) => Some(one(false)),
            _ => None,
        }
    }
}

/// A finite operand returned unchanged (canonically encoded).
fn pass(fmt: &Format, kind: Kind) -> (u128, Flags) {
    let Kind::Finite { sig, exp } = kind else { unreachable!("pass is for finite operands") };
    let r = fpcore::reference::round_big(
        &Env::default(),
        fmt,
        false,
        &BigUint::from(sig),
        i64::from(exp),
        false,
    );
    (r.value, r.flags)
}

/// A closed interval of MPFR numbers.
#[derive(Clone, Debug)]
struct I {
    lo: Float,
    hi: Float,
}

/// Interval operations at one precision.
struct Ctx {
    prec: u32,
}

macro_rules! rnd {
    ($prec:expr, $val:expr, $round:expr) => {
        Float::with_val_round($prec, $val, $round).0
    };
}

impl Ctx {
    fn pt(&self, x: &Float) -> I {
        I { lo: x.clone(), hi: x.clone() }
    }

    fn int(&self, v: i32) -> I {
        let f = Float::with_val(64, v);
        I { lo: f.clone(), hi: f }
    }

    fn add(&self, a: &I, b: &I) -> I {
        I {
            lo: rnd!(self.prec, &a.lo + &b.lo, Round::Down),
            hi: rnd!(self.prec, &a.hi + &b.hi, Round::Up),
        }
    }

    fn sub(&self, a: &I, b: &I) -> I {
        I {
            lo: rnd!(self.prec, &a.lo - &b.hi, Round::Down),
            hi: rnd!(self.prec, &a.hi - &b.lo, Round::Up),
        }
    }

    fn neg(&self, a: &I) -> I {
        I { lo: Float::with_val(a.hi.prec(), -&a.hi), hi: Float::with_val(a.lo.prec(), -&a.lo) }
    }

    fn mul(&self, a: &I, b: &I) -> I {
        let pairs = [(&a.lo, &b.lo), (&a.lo, &b.hi), (&a.hi, &b.lo), (&a.hi, &b.hi)];
        let los = pairs.map(|(x, y)| rnd!(self.prec, x * y, Round::Down));
        let his = pairs.map(|(x, y)| rnd!(self.prec, x * y, Round::Up));
        I { lo: min_of(los), hi: max_of(his) }
    }

    /// `a / b`; `None` when `b` contains zero.
    fn div(&self, a: &I, b: &I) -> Option<I> {
        let positive = b.lo.cmp0() == Some(Ordering::Greater);
        let negative = b.hi.cmp0() == Some(Ordering::Less);
        if !(positive || negative) {
            return None;
        }
        let pairs = [(&a.lo, &b.lo), (&a.lo, &b.hi), (&a.hi, &b.lo), (&a.hi, &b.hi)];
        let los = pairs.map(|(x, y)| rnd!(self.prec, x / y, Round::Down));
        let his = pairs.map(|(x, y)| rnd!(self.prec, x / y, Round::Up));
        Some(I { lo: min_of(los), hi: max_of(his) })
    }

    /// An increasing function applied end by end.
    fn inc(&self, a: &I, f: impl Fn(&Float, Round) -> Float) -> I {
        I { lo: f(&a.lo, Round::Down), hi: f(&a.hi, Round::Up) }
    }

    /// A decreasing function applied end by end.
    fn dec(&self, a: &I, f: impl Fn(&Float, Round) -> Float) -> I {
        I { lo: f(&a.hi, Round::Down), hi: f(&a.lo, Round::Up) }
    }

    fn exp(&self, a: &I) -> I {
        self.inc(a, |v, r| rnd!(self.prec, v.exp_ref(), r))
    }

    fn constant(&self, c: Constant) -> I {
        I { lo: rnd!(self.prec, c, Round::Down), hi: rnd!(self.prec, c, Round::Up) }
    }

    fn sqrt(&self, a: &I) -> I {
        self.inc(a, |v, r| rnd!(self.prec, v.sqrt_ref(), r))
    }

    /// `sigmoid(x)` for an exact `x`: `1 / (1 + e^-x)` for `x >= 0`, `e^x / (1 + e^x)` else.
    fn sigmoid(&self, x: &Float) -> Option<I> {
        let one = self.int(1);
        if x.is_sign_positive() {
            let e = self.exp(&self.neg(&self.pt(x)));
            self.div(&one, &self.add(&one, &e))
        } else {
            let e = self.exp(&self.pt(x));
            self.div(&e, &self.add(&one, &e))
        }
    }

    /// `1 / cosh(u)^2` for an interval `u` of one sign.
    fn sech2(&self, u: &I) -> Option<I> {
        let cosh = |v: &Float, r: Round| rnd!(self.prec, v.cosh_ref(), r);
        let c = if u.lo.is_sign_positive() { self.inc(u, cosh) } else { self.dec(u, cosh) };
        self.div(&self.int(1), &self.mul(&c, &c))
    }
}

/// Whether a nonnegative MPFR number is below `2^-(2^29)`, where results have underflowed
/// MPFR's exponent range (or nearly).
fn below_range(v: &Float) -> bool {
    v.is_zero() || v.get_exp().is_some_and(|e| e < -(1 << 29))
}

fn min_of(v: [Float; 4]) -> Float {
    let [a, b, c, d] = v;
    let ab = if a < b { a } else { b };
    let cd = if c < d { c } else { d };
    if ab < cd {
        ab
    } else {
        cd
    }
}

fn max_of(v: [Float; 4]) -> Float {
    let [a, b, c, d] = v;
    let ab = if a > b { a } else { b };
    let cd = if c > d { c } else { d };
    if ab > cd {
        ab
    } else {
        cd
    }
}

/// gelu_tanh's pieces for an exact nonzero `x`: `u = sqrt(2/pi) (x + 0.044715 x^3)`,
/// `(1 + tanh(u)) / 2`, and `sqrt(2/pi) (1 + 3 * 0.044715 x^2)`.
fn gelu_tanh_pieces(c: &Ctx, x: &Float) -> Option<(I, I, I)> {
    let k = c.div(&c.int(8943), &c.int(200_000))?;
    let two_over_pi = c.div(&c.int(2), &c.constant(Constant::Pi))?;
    let b = c.sqrt(&two_over_pi);
    let xi = c.pt(x);
    let x2 = c.mul(&xi, &xi);
    let x3 = c.mul(&x2, &xi);
    let u = c.mul(&b, &c.add(&xi, &c.mul(&k, &x3)));
    let tanh = |v: &Float, r: Round| rnd!(c.prec, v.tanh_ref(), r);
    // Above -1, 1 + tanh(u) loses at most two bits; below, 1 + tanh(u) = 2 / (1 + e^(-2u)).
    let minus_one = Float::with_val(8, -1);
    let half_one_plus_t = if u.lo > minus_one {
        let t = c.inc(&u, tanh);
        let s = c.add(&c.int(1), &t);
        I {
            lo: Float::with_val(s.lo.prec(), &s.lo / 2u32),
            hi: Float::with_val(s.hi.prec(), &s.hi / 2u32),
        }
    } else {
        let two_u = c.add(&u, &u);
        let e = c.exp(&two_u);
        c.div(&e, &c.add(&c.int(1), &e))?
    };
    let poly = c.add(&c.int(1), &c.mul(&c.mul(&c.int(3), &k), &x2));
    Some((u, half_one_plus_t, c.mul(&b, &poly)))
}

/// An enclosure of `f(x)` for an exact `x` at precision `prec` (the non-special cases).
fn enclose(f: Func, x: &Float, prec: u32) -> Option<I> {
    let c = Ctx { prec };
    let xi = c.pt(x);
    let one = c.int(1);
    let unary = |g: &dyn Fn(&Float, Round) -> Float| c.inc(&xi, g);
    Some(match f {
        Func::Exp => unary(&|v, r| rnd!(prec, v.exp_ref(), r)),
        Func::Expm1 => unary(&|v, r| rnd!(prec, v.exp_m1_ref(), r)),
        Func::Log1p => {
            if *x <= -1 {
                return None;
            }
            unary(&|v, r| rnd!(prec, v.ln_1p_ref(), r))
        }
        Func::Erf => unary(&|v, r| rnd!(prec, v.erf_ref(), r)),
        Func::Tanh => unary(&|v, r| rnd!(prec, v.tanh_ref(), r)),
        Func::Act(op) => match (op.act, op.derivative) {
            (Activation::Relu, _) => return None,
            (Activation::Elu, false) => unary(&|v, r| rnd!(prec, v.exp_m1_ref(), r)),
            (Activation::Elu, true) => unary(&|v, r| rnd!(prec, v.exp_ref(), r)),
            (Activation::Gelu, deriv) => {
                // Phi(x) = erfc(-x / sqrt(2)) / 2.
                let sqrt2 = c.sqrt(&c.int(2));
                let z = c.div(&c.neg(&xi), &sqrt2)?;
                let erfc = c.dec(&z, |v, r| rnd!(prec, v.erfc_ref(), r));
                let cdf = c.div(&erfc, &c.int(2))?;
                if !deriv {
                    c.mul(&xi, &cdf)
                } else {
                    let two_pi = c.mul(&c.int(2), &c.constant(Constant::Pi));
                    let half_sq = c.div(&c.mul(&xi, &xi), &c.int(2))?;
                    let e = c.exp(&c.neg(&half_sq));
                    let pdf = c.div(&e, &c.sqrt(&two_pi))?;
                    let sum = c.add(&cdf, &c.mul(&xi, &pdf));
                    if x.is_sign_negative() && below_range(&pdf.hi) {
                        // Both terms are below MPFR's exponent range, so their sum has lost its
                        // sign. For t = -x > 1, Phi(x) + x phi(x) = phi(t) (R(t) - t) with the
                        // Mills ratio R(t) = Q(t)/phi(t) in (t/(t^2 + 1), 1/t) (Gordon's bounds).
                        let t = c.neg(&xi);
                        let t2p1 = c.add(&c.mul(&t, &t), &one);
                        let factor = I {
                            lo: c.sub(&c.div(&t, &t2p1)?, &t).lo,
                            hi: c.sub(&c.div(&one, &t)?, &t).hi,
                        };
                        return Some(c.mul(&pdf, &factor));
                    }
                    sum
                }
            }
            (Activation::GeluTanh, false) => {
                let (_, s, _) = gelu_tanh_pieces(&c, x)?;
                c.mul(&xi, &s)
            }
            (Activation::GeluTanh, true) => {
                let (u, s, dpoly) = gelu_tanh_pieces(&c, x)?;
                if *x < -1 {
                    // s (1 + 2x (1 - s) dpoly) with 1 - s = 1 / (1 + e^(2u)): a product, so the
                    // sign survives where s is below MPFR's exponent range.
                    let e = c.exp(&c.add(&u, &u));
                    let one_minus_s = c.div(&one, &c.add(&one, &e))?;
                    let two_x = c.add(&xi, &xi);
                    let bracket = c.add(&one, &c.mul(&c.mul(&two_x, &one_minus_s), &dpoly));
                    c.mul(&s, &bracket)
                } else {
                    let half_x = c.div(&xi, &c.int(2))?;
                    let right = c.mul(&c.mul(&half_x, &c.sech2(&u)?), &dpoly);
                    c.add(&s, &right)
                }
            }
            (Activation::Silu, false) => c.mul(&xi, &c.sigmoid(x)?),
            (Activation::Silu, true) => {
                let s = c.sigmoid(x)?;
                let one_minus_s = c.sigmoid(&Float::with_val(x.prec(), -x))?;
                c.mul(&s, &c.add(&one, &c.mul(&xi, &one_minus_s)))
            }
            (Activation::Sigmoid, false) => c.sigmoid(x)?,
            (Activation::Sigmoid, true) => {
                let minus_x = Float::with_val(x.prec(), -x);
                c.mul(&c.sigmoid(x)?, &c.sigmoid(&minus_x)?)
            }
            (Activation::Tanh, false) => unary(&|v, r| rnd!(prec, v.tanh_ref(), r)),
            (Activation::Tanh, true) => c.sech2(&xi)?,
            (Activation::Softplus, false) => {
                let ln1p = |v: &Float, r: Round| rnd!(prec, v.ln_1p_ref(), r);
                if x.is_sign_positive() && !x.is_zero() {
                    let e = c.exp(&c.neg(&xi));
                    c.add(&xi, &c.inc(&e, ln1p))
                } else {
                    c.inc(&c.exp(&xi), ln1p)
                }
            }
            (Activation::Softplus, true) => c.sigmoid(x)?,
        },
    })
}

/// Whether `|v| < 2^emin` under the environment's tininess rule (after rounding: the value
/// rounded to p bits with an unbounded exponent range).
fn tiny(env: &Env, fmt: &Format, v: &Float) -> bool {
    let mut threshold = Float::with_val(8, 1);
    threshold <<= fmt.emin();
    let rounded = match env.tininess {
        Tininess::BeforeRounding => v.clone(),
        Tininess::AfterRounding => Float::with_val(fmt.p(), v),
    };
    rounded.abs() < threshold
}

/// The rounding of one end of an enclosure (a magnitude with the interval's sign).
fn round_end(env: &Env, fmt: &Format, sign: bool, v: &Float) -> Option<(Rounded<u128>, bool)> {
    if v.is_zero() {
        return Some((Rounded::exact(fmt.zero(sign)), true));
    }
    let (int, exp) = v.to_integer_exp()?;
    let mag = BigUint::from_slice(&int.abs().to_digits::<u32>(rug::integer::Order::Lsf));
    let r = fpcore::reference::round_big(env, fmt, sign, &mag, i64::from(exp), false);
    Some((r, tiny(env, fmt, v)))
}

/// The result if every value strictly inside `iv` rounds alike (it is then inexact).
fn decide(env: &Env, fmt: &Format, iv: &I) -> Option<(u128, Flags)> {
    if iv.lo.is_nan() || iv.hi.is_nan() || iv.lo.is_infinite() {
        return None;
    }
    if iv.hi.is_infinite() {
        // Above MPFR's range: decided only if the lower end already overflows the format.
        let (a, _) = round_end(env, fmt, false, &iv.lo)?;
        let overflows = iv.lo.is_sign_positive() && a.flags.contains(Flags::OVERFLOW);
        return overflows.then_some((a.value, a.flags));
    }
    let sign = match (iv.lo.cmp0(), iv.hi.cmp0()) {
        (Some(Ordering::Greater | Ordering::Equal), Some(Ordering::Greater)) => false,
        (Some(Ordering::Less), Some(Ordering::Less | Ordering::Equal)) => true,
        _ => return None,
    };
    let (a, tiny_a) = round_end(env, fmt, sign, &iv.lo)?;
    let (b, tiny_b) = round_end(env, fmt, sign, &iv.hi)?;
    if a.value != b.value || tiny_a != tiny_b {
        return None;
    }
    let mut flags = Flags::INEXACT.union(a.flags.union(b.flags).intersect_overflow());
    if tiny_a {
        flags = flags.union(Flags::UNDERFLOW);
    }
    Some((a.value, flags))
}

/// Only the overflow flag of a set of flags.
trait OverflowOnly {
    fn intersect_overflow(self) -> Flags;
}

impl OverflowOnly for Flags {
    fn intersect_overflow(self) -> Flags {
        if self.contains(Flags::OVERFLOW) {
            Flags::OVERFLOW
        } else {
            Flags::NONE
        }
    }
}
