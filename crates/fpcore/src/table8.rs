//! Precomputed result tables for formats of at most 8 bits: every binary operation's result and
//! flags for all 65536 operand pairs, built once from the kernels and looked up in O(1).

use crate::env::Env;
use crate::flags::{Flags, Rounded};
use crate::format::Format;

/// A table of a binary operation over a format of at most 8 bits.
pub struct Table8 {
    /// `results[a << 8 | b]` holds the result bits and the flags.
    results: Vec<(u8, Flags)>,
    fmt: Format,
}

impl Table8 {
    /// Builds the table of `op` over every pair of encodings of `fmt`; `None` if `fmt` is wider
    /// than 8 bits.
    pub fn new(
        env: &Env,
        fmt: &Format,
        op: fn(&Env, &Format, u128, u128) -> Rounded<u128>,
    ) -> Option<Table8> {
        if fmt.bits() > 8 {
            return None;
        }
        let mut results = Vec::with_capacity(1 << 16);
        for a in 0..256u128 {
            for b in 0..256u128 {
                let r = op(env, fmt, a & fmt.mask(), b & fmt.mask());
                let value = u8::try_from(r.value).expect("an 8-bit format's result fits a byte");
                results.push((value, r.flags));
            }
        }
        Some(Table8 { results, fmt: *fmt })
    }

    /// A table from its 65536 results, `results[a << 8 | b]` for operands `a` and `b`.
    pub(crate) fn from_results(fmt: &Format, results: Vec<(u8, Flags)>) -> Table8 {
        assert_eq!(results.len(), 1 << 16, "a table has one result per operand pair");
        Table8 { results, fmt: *fmt }
    }

    /// The format the table was built for.
    pub fn format(&self) -> &Format {
        &self.fmt
    }

    /// The result of the operation on `a` and `b` (bits above the width are ignored).
    #[inline]
    pub fn get(&self, a: u8, b: u8) -> Rounded<u8> {
        let (value, flags) = self.lookup(a, b);
        Rounded::new(value, flags)
    }

    /// The result bits and flags of the operation on `a` and `b`.
    #[inline(always)]
    pub(crate) fn lookup(&self, a: u8, b: u8) -> (u8, Flags) {
        self.results[(usize::from(a) << 8) | usize::from(b)]
    }
}
