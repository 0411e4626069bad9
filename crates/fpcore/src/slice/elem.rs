//! The element types of the slice operations: unsigned integers holding bit patterns.

/// An unsigned integer type that holds encodings: `u8`, `u16`, `u32`, `u64` or `u128`. Bits
/// above a format's width are ignored on input; results fill the low bits.
pub trait Bits: Copy + Default + Send + Sync + 'static + private::Sealed {
    /// The number of bits of the type.
    const BITS: u32;
    /// The pattern as a `u64` (truncated for `u128`).
    fn to_u64(self) -> u64;
    /// The pattern as a `u128`.
    fn to_u128(self) -> u128;
    /// The low bits of `v` (a result of a format that fits the type).
    fn from_u128(v: u128) -> Self;
}

mod private {
    /// Only the unsigned integer types implement [`super::Bits`].
    pub trait Sealed {}
}

macro_rules! bits {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl Bits for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn to_u64(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn to_u128(self) -> u128 {
                self as u128
            }
            #[inline(always)]
            fn from_u128(v: u128) -> Self {
                v as $t
            }
        }
    )*};
}

bits!(u8, u16, u32, u64, u128);
