//! The arithmetic slice kernels (add, sub, mul, div, minimum/maximum, sqrt, fma): one
//! monomorphised loop per named format, chosen once per call. Formats with p <= 24 take the
//! binary64 route of `fast::host` (guarded by the host-state probe, once per chunk);
//! binary64 and binary128 the integer kernels; 8-bit formats a result table on long slices;
//! every element any of these leaves undecided, and every other format, the scalar operation.

use super::drive::{drive, fill};
use super::elem::Bits;
use crate::env::{Env, Tininess};
use crate::fast::dot::host_is_plain;
use crate::fast::host::{self, Bf16, E4m3fn, E5m2, Narrow, F16, F32};
use crate::fast::wide_kernels as wide;
use crate::flags::{Flags, Rounded};
use crate::format::{Format, Kernel};
use crate::table8::Table8;

/// A binary operation of the slice API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// IEEE 754 addition.
    Add,
    /// IEEE 754 subtraction.
    Sub,
    /// IEEE 754 multiplication.
    Mul,
    /// IEEE 754 division.
    Div,
    /// minimum (IEEE 754-2019 §9.6).
    Minimum,
    /// maximum (§9.6).
    Maximum,
    /// minimumNumber (§9.6).
    MinimumNumber,
    /// maximumNumber (§9.6).
    MaximumNumber,
}

/// A scalar binary operation.
type Scalar2 = fn(&Env, &Format, u128, u128) -> Rounded<u128>;

impl BinaryOp {
    /// The scalar operation every kernel of this op must equal.
    pub fn scalar(self) -> Scalar2 {
        match self {
            BinaryOp::Add => crate::ops::add,
            BinaryOp::Sub => crate::ops::sub,
            BinaryOp::Mul => crate::ops::mul,
            BinaryOp::Div => crate::ops::div,
            BinaryOp::Minimum => crate::ops::minimum,
            BinaryOp::Maximum => crate::ops::maximum,
            BinaryOp::MinimumNumber => crate::ops::minimum_number,
            BinaryOp::MaximumNumber => crate::ops::maximum_number,
        }
    }
}

/// Slices of at least this many elements of an 8-bit format use a result table (built for
/// the call from the element kernels: 65536 elements).
pub(crate) const TABLE_MIN: usize = 1 << 18;

/// The scalar operation's result as an element.
#[inline(always)]
fn element<T: Bits>(r: Rounded<u128>) -> (T, Flags) {
    (T::from_u128(r.value), r.flags)
}

/// Whether tininess is detected before rounding.
fn before(env: &Env) -> bool {
    env.tininess == Tininess::BeforeRounding
}

/// `out[i] = op(a[i], b[i])`: lengths already checked.
pub(crate) fn binary<T: Bits>(
    env: &Env,
    fmt: &Format,
    op: BinaryOp,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    if env.is_ieee() && fmt.bits() <= 8 && out.len() >= TABLE_MIN {
        let table = table(env, fmt, op);
        return with_table(&table, a, b, out, flags);
    }
    binary_direct(env, fmt, op, a, b, out, flags)
}

/// The table of `op` over `fmt` (at most 8 bits), computed by the element kernels.
pub(crate) fn table(env: &Env, fmt: &Format, op: BinaryOp) -> Table8 {
    let a: Vec<u8> = (0..=u16::MAX).map(|i| (i >> 8) as u8).collect();
    let b: Vec<u8> = (0..=u16::MAX).map(|i| i as u8).collect();
    let mut out = vec![0u8; a.len()];
    let mut flags = vec![Flags::NONE; a.len()];
    binary_direct(env, fmt, op, &a, &b, &mut out, Some(&mut flags));
    Table8::from_results(fmt, out.into_iter().zip(flags).collect())
}

/// `out[i] = table(a[i], b[i])`.
pub(crate) fn with_table<T: Bits>(
    table: &Table8,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let (a, b) = (&a[start..start + out.len()], &b[start..start + out.len()]);
        fill(out, fl, |i| {
            let (v, f) = table.lookup(a[i].to_u64() as u8, b[i].to_u64() as u8);
            (T::from_u128(u128::from(v)), f)
        })
    })
}

/// [`binary`] without the table.
fn binary_direct<T: Bits>(
    env: &Env,
    fmt: &Format,
    op: BinaryOp,
    a: &[T],
    b: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let scalar = op.scalar();
    let generic = |out: &mut [T], flags: Option<&mut [Flags]>| {
        drive(out, flags, |start, out, fl| {
            let (a, b) = (&a[start..start + out.len()], &b[start..start + out.len()]);
            fill(out, fl, |i| element(scalar(env, fmt, a[i].to_u128(), b[i].to_u128())))
        })
    };
    if !env.is_ieee() {
        return generic(out, flags);
    }
    let args = (env, fmt, scalar, a, b);
    match op {
        BinaryOp::Add => with_narrow!(fmt, L => host2::<T, L, _>(args, out, flags, host::add::<L>),
            _ => wide2(args, out, flags, add_wide(fmt))),
        BinaryOp::Sub => with_narrow!(fmt, L => host2::<T, L, _>(args, out, flags, host::sub::<L>),
            _ => wide2(args, out, flags, sub_wide(fmt))),
        BinaryOp::Mul => with_narrow!(fmt, L => host2::<T, L, _>(args, out, flags, host::mul::<L>),
            _ => wide2(args, out, flags, mul_wide(fmt))),
        BinaryOp::Div => with_narrow!(fmt, L => host2::<T, L, _>(args, out, flags, host::div::<L>),
            _ => wide2(args, out, flags, div_wide(fmt))),
        _ => generic(out, flags),
    }
}

/// The operands of a binary kernel: environment, format, scalar operation, operand slices.
type Args2<'a, T> = (&'a Env, &'a Format, Scalar2, &'a [T], &'a [T]);

/// An integer kernel of binary64 or binary128 on two operands.
type Wide2 = fn(u128, u128) -> Option<Rounded<u128>>;

fn add_wide(fmt: &Format) -> Option<Wide2> {
    match fmt.kernel() {
        Kernel::F64 => Some(|a, b| wide::add64(a, b, false)),
        Kernel::F128 => Some(|a, b| wide::add128(a, b, false)),
        _ => None,
    }
}

fn sub_wide(fmt: &Format) -> Option<Wide2> {
    match fmt.kernel() {
        Kernel::F64 => Some(|a, b| wide::add64(a, b, true)),
        Kernel::F128 => Some(|a, b| wide::add128(a, b, true)),
        _ => None,
    }
}

fn div_wide(fmt: &Format) -> Option<Wide2> {
    (fmt.kernel() == Kernel::F64).then_some(wide::div64 as Wide2)
}

fn mul_wide(fmt: &Format) -> Option<Wide2> {
    match fmt.kernel() {
        Kernel::F64 => Some(wide::mul64),
        Kernel::F128 => Some(wide::mul128),
        _ => None,
    }
}

/// The binary64 route of a format with p <= 24: the host kernel per element, the scalar
/// operation where it returns `None` or where the host state is not plain.
fn host2<T: Bits, L: Narrow, K>(
    (env, fmt, scalar, a, b): Args2<'_, T>,
    out: &mut [T],
    flags: Option<&mut [Flags]>,
    kernel: K,
) -> Flags
where
    K: Fn(bool, u64, u64) -> Option<(u64, Flags)> + Sync,
{
    let before = before(env);
    drive(out, flags, |start, out, fl| {
        let (a, b) = (&a[start..start + out.len()], &b[start..start + out.len()]);
        let scalar = |x: T, y: T| element(scalar(env, fmt, x.to_u128(), y.to_u128()));
        if !host_is_plain() {
            return fill(out, fl, |i| scalar(a[i], b[i]));
        }
        fill(out, fl, |i| {
            let (x, y) = (a[i], b[i]);
            match kernel(before, x.to_u64(), y.to_u64()) {
                Some((v, f)) => (T::from_u128(u128::from(v)), f),
                None => scalar(x, y),
            }
        })
    })
}

/// The integer kernel of binary64 or binary128 (when `kernel` is given) per element, the
/// scalar operation where it returns `None`.
fn wide2<T: Bits>(
    (env, fmt, scalar, a, b): Args2<'_, T>,
    out: &mut [T],
    flags: Option<&mut [Flags]>,
    kernel: Option<impl Fn(u128, u128) -> Option<Rounded<u128>> + Sync>,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let (a, b) = (&a[start..start + out.len()], &b[start..start + out.len()]);
        fill(out, fl, |i| {
            let (x, y) = (a[i].to_u128(), b[i].to_u128());
            let fast = kernel.as_ref().and_then(|k| k(x, y));
            element(fast.unwrap_or_else(|| scalar(env, fmt, x, y)))
        })
    })
}

/// `out[i] = √a[i]`: lengths already checked.
pub(crate) fn sqrt<T: Bits>(
    env: &Env,
    fmt: &Format,
    a: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let scalar = |x: u128| crate::ops::sqrt(env, fmt, x);
    if !env.is_ieee() {
        return unary_with(a, out, flags, |_| None, scalar);
    }
    let before = before(env);
    with_narrow!(fmt, L => host1::<T, L>(before, a, out, flags, scalar), _ => {
        let kernel = |x| (fmt.kernel() == Kernel::F64).then(|| wide::sqrt64(x)).flatten();
        unary_with(a, out, flags, kernel, scalar)
    })
}

/// The binary64 route of √ for a format with p <= 24.
fn host1<T: Bits, L: Narrow>(
    before: bool,
    a: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
    scalar: impl Fn(u128) -> Rounded<u128> + Sync,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let a = &a[start..start + out.len()];
        if !host_is_plain() {
            return fill(out, fl, |i| element(scalar(a[i].to_u128())));
        }
        fill(out, fl, |i| match host::sqrt::<L>(before, a[i].to_u64()) {
            Some((v, f)) => (T::from_u128(u128::from(v)), f),
            None => element(scalar(a[i].to_u128())),
        })
    })
}

/// A one-operand kernel (`None`: undecided) with its scalar fallback, per element.
pub(crate) fn unary_with<T: Bits>(
    a: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
    kernel: impl Fn(u128) -> Option<Rounded<u128>> + Sync,
    scalar: impl Fn(u128) -> Rounded<u128> + Sync,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let a = &a[start..start + out.len()];
        fill(out, fl, |i| {
            let x = a[i].to_u128();
            element(kernel(x).unwrap_or_else(|| scalar(x)))
        })
    })
}

/// `out[i] = a[i] * b[i] + c[i]` rounded once: lengths already checked.
pub(crate) fn fma<T: Bits>(
    env: &Env,
    fmt: &Format,
    (a, b, c): (&[T], &[T], &[T]),
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let args = (env, fmt, a, b, c);
    if !env.is_ieee() {
        return fma_with(args, out, flags, |_, _, _| None);
    }
    with_narrow!(fmt, L => host3::<T, L>(args, out, flags), _ => {
        let kernel =
            |x, y, z| (fmt.kernel() == Kernel::F64).then(|| wide::fma64(x, y, z)).flatten();
        fma_with(args, out, flags, kernel)
    })
}

/// The operands of the fma kernels.
type Args3<'a, T> = (&'a Env, &'a Format, &'a [T], &'a [T], &'a [T]);

/// The binary64 route of the fma for a format with p <= 24.
fn host3<T: Bits, L: Narrow>(
    (env, fmt, a, b, c): Args3<'_, T>,
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let before = before(env);
    drive(out, flags, |start, out, fl| {
        let n = out.len();
        let (a, b, c) = (&a[start..start + n], &b[start..start + n], &c[start..start + n]);
        let scalar = |x: T, y: T, z: T| {
            element(crate::ops::fma(env, fmt, x.to_u128(), y.to_u128(), z.to_u128()))
        };
        if !host_is_plain() {
            return fill(out, fl, |i| scalar(a[i], b[i], c[i]));
        }
        fill(out, fl, |i| {
            let (x, y, z) = (a[i], b[i], c[i]);
            match host::fma::<L>(before, x.to_u64(), y.to_u64(), z.to_u64()) {
                Some((v, f)) => (T::from_u128(u128::from(v)), f),
                None => scalar(x, y, z),
            }
        })
    })
}

/// An fma kernel (`None`: undecided) with the scalar fma as fallback, per element.
fn fma_with<T: Bits>(
    (env, fmt, a, b, c): Args3<'_, T>,
    out: &mut [T],
    flags: Option<&mut [Flags]>,
    kernel: impl Fn(u128, u128, u128) -> Option<Rounded<u128>> + Sync,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let n = out.len();
        let (a, b, c) = (&a[start..start + n], &b[start..start + n], &c[start..start + n]);
        fill(out, fl, |i| {
            let (x, y, z) = (a[i].to_u128(), b[i].to_u128(), c[i].to_u128());
            element(kernel(x, y, z).unwrap_or_else(|| crate::ops::fma(env, fmt, x, y, z)))
        })
    })
}
