//! Conversion between formats: the binary64 route between binary16, bfloat16, binary32, e5m2,
//! e4m3fn and binary64 (decode exactly, round once; one monomorphised loop per pair), the
//! scalar conversion for every other pair and every element the route leaves undecided.

use super::drive::{drive, fill};
use super::elem::Bits;
use crate::env::{Env, Tininess};
use crate::fast::dot::host_is_plain;
use crate::fast::host::{self, Bf16, E4m3fn, E5m2, F16, F32};
use crate::flags::Flags;
use crate::format::{Format, Kernel};

/// One end of the route: the exact binary64 value of an encoding (`None`: undecided) and the
/// encoding of a binary64 value rounded once, with flags (`None`: undecided).
trait End: Sync {
    fn decode(bits: u64) -> Option<f64>;
    fn encode(before: bool, v: f64) -> Option<(u64, Flags)>;
}

macro_rules! narrow_end {
    ($($l:ty),*) => {$(
        impl End for $l {
            #[inline(always)]
            fn decode(bits: u64) -> Option<f64> {
                host::decode::<$l>(bits)
            }
            #[inline(always)]
            fn encode(before: bool, v: f64) -> Option<(u64, Flags)> {
                host::encode::<$l>(before, v, 0)
            }
        }
    )*};
}

narrow_end!(F16, Bf16, F32, E5m2, E4m3fn);

/// binary64 as an end of the route (its values convert to themselves).
struct F64;

impl End for F64 {
    #[inline(always)]
    fn decode(bits: u64) -> Option<f64> {
        host::decode_f64(bits)
    }
    #[inline(always)]
    fn encode(_before: bool, v: f64) -> Option<(u64, Flags)> {
        Some((v.to_bits(), Flags::NONE))
    }
}

/// `out[i] = convert(a[i])` from `src` to `dst`: lengths already checked.
pub(crate) fn convert<X: Bits, Y: Bits>(
    env: &Env,
    src: &Format,
    dst: &Format,
    a: &[X],
    out: &mut [Y],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let formats = (env, src, dst);
    if !env.is_ieee() {
        return generic(formats, a, out, flags);
    }
    with_end!(src, S => with_end!(dst, D => route::<S, D, X, Y>(formats, a, out, flags),
        _ => generic(formats, a, out, flags)), _ => generic(formats, a, out, flags))
}

/// The environment and the source and destination formats.
type Formats<'a> = (&'a Env, &'a Format, &'a Format);

/// The scalar conversion of one element.
#[inline(always)]
fn scalar<X: Bits, Y: Bits>((env, src, dst): Formats<'_>, x: X) -> (Y, Flags) {
    let r = crate::ops::convert(env, src, dst, x.to_u128());
    (Y::from_u128(r.value), r.flags)
}

/// The scalar conversion per element.
fn generic<X: Bits, Y: Bits>(
    formats: Formats<'_>,
    a: &[X],
    out: &mut [Y],
    flags: Option<&mut [Flags]>,
) -> Flags {
    drive(out, flags, |start, out, fl| {
        let a = &a[start..start + out.len()];
        fill(out, fl, |i| scalar(formats, a[i]))
    })
}

/// The binary64 route from `S` to `D`, guarded by the host-state probe once per chunk.
fn route<S: End, D: End, X: Bits, Y: Bits>(
    formats: Formats<'_>,
    a: &[X],
    out: &mut [Y],
    flags: Option<&mut [Flags]>,
) -> Flags {
    let before = formats.0.tininess == Tininess::BeforeRounding;
    drive(out, flags, |start, out, fl| {
        let a = &a[start..start + out.len()];
        if !host_is_plain() {
            return fill(out, fl, |i| scalar(formats, a[i]));
        }
        fill(out, fl, |i| match S::decode(a[i].to_u64()).and_then(|v| D::encode(before, v)) {
            Some((v, f)) => (Y::from_u128(u128::from(v)), f),
            None => scalar(formats, a[i]),
        })
    })
}
