//! The slice forms of the operations that run the scalar operation per element: comparisons
//! and the activation functions with their derivatives (whose scalar forms have their own
//! binary64 fast path).

use super::drive::{drive, fill};
use super::elem::Bits;
use crate::act_op::ActOp;
use crate::env::Env;
use crate::flags::Flags;
use crate::format::Format;
use crate::ops::Ordering;

/// `out[i] = compare(a[i], b[i])`, quiet or signaling: lengths already checked.
pub(crate) fn compare<T: Bits>(
    fmt: &Format,
    signaling: bool,
    (a, b): (&[T], &[T]),
    out: &mut [Ordering],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let op = if signaling { crate::ops::compare_signaling } else { crate::ops::compare };
    drive(out, flags, |start, out, fl| {
        let (a, b) = (&a[start..start + out.len()], &b[start..start + out.len()]);
        fill(out, fl, |i| {
            let r = op(fmt, a[i].to_u128(), b[i].to_u128());
            (r.value, r.flags)
        })
    })
}

/// `out[i] = op(a[i])` for an activation or derivative: lengths already checked.
pub(crate) fn activation<T: Bits>(
    env: &Env,
    fmt: &Format,
    (op, kink): (ActOp, u128),
    a: &[T],
    out: &mut [T],
    flags: Option<&mut [Flags]>,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let a = &a[start..start + out.len()];
        fill(out, fl, |i| {
            let r = op.eval(env, fmt, a[i].to_u128(), kink);
            (T::from_u128(r.value), r.flags)
        })
    })
}
