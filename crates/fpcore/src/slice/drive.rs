//! Running an element kernel over slices: fixed chunks whose boundaries do not depend on the
//! number of threads, rayon across chunks for long slices, per-element flags and their union.
//! Every element is computed on its own, so a parallel run equals a serial one bit for bit.

use rayon::prelude::*;

use crate::flags::Flags;

/// Elements per chunk: the unit of parallel work and of the host-state probe.
pub(crate) const CHUNK: usize = 1 << 14;

/// Slices shorter than this run on the calling thread.
const PARALLEL_MIN: usize = 1 << 16;

/// Runs `kernel(start, out_chunk, flags_chunk)` over `out` (and `flags`, of the same length)
/// in chunks of [`CHUNK`] elements starting at `start`, in parallel for long slices, and
/// returns the union of the flags the chunks return.
pub(crate) fn drive<T, K>(out: &mut [T], flags: Option<&mut [Flags]>, kernel: K) -> Flags
where
    T: Send,
    K: Fn(usize, &mut [T], Option<&mut [Flags]>) -> Flags + Sync,
{
    if out.len() < PARALLEL_MIN {
        return kernel(0, out, flags);
    }
    let union = |x: Flags, y: Flags| x | y;
    match flags {
        None => out
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(i, o)| kernel(i * CHUNK, o, None))
            .reduce(|| Flags::NONE, union),
        Some(f) => out
            .par_chunks_mut(CHUNK)
            .zip(f.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(i, (o, g))| kernel(i * CHUNK, o, Some(g)))
            .reduce(|| Flags::NONE, union),
    }
}

/// Writes `element(i)` for every index of `out` (and its flags into `flags` when given) and
/// returns the union of the flags.
#[inline(always)]
pub(crate) fn fill<T, F>(out: &mut [T], flags: Option<&mut [Flags]>, mut element: F) -> Flags
where
    F: FnMut(usize) -> (T, Flags),
{
    let mut all = Flags::NONE;
    match flags {
        Some(g) => {
            for (i, (o, fl)) in out.iter_mut().zip(g.iter_mut()).enumerate() {
                let (v, f) = element(i);
                *o = v;
                *fl = f;
                all |= f;
            }
        }
        None => {
            for (i, o) in out.iter_mut().enumerate() {
                let (v, f) = element(i);
                *o = v;
                all |= f;
            }
        }
    }
    all
}
