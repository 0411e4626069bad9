//! A seeded generator of bit patterns for the differential tests: SplitMix64, with encodings
//! weighted towards the edges of a format.

/// SplitMix64: small, seeded, good enough to spread bit patterns.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An encoding of an IEEE-layout format of `exp_bits` exponent and `frac_bits` fraction
    /// bits, weighted towards zeros, subnormals, the smallest normals, values near 1, the
    /// largest finites, infinities and NaNs, with significands often all zeros or all ones.
    pub fn ieee(&mut self, exp_bits: u32, frac_bits: u32) -> u128 {
        let top = (1u128 << exp_bits) - 1;
        let bias = top >> 1;
        let sign = u128::from(self.below(2)) << (exp_bits + frac_bits);
        let exp = match self.below(10) {
            0 => 0,
            1 => top,
            2 => 1 + u128::from(self.below(2)),
            3 => top - 1 - u128::from(self.below(2)),
            4 => bias.saturating_sub(2) + u128::from(self.below(5)),
            5 => bias / 2 + u128::from(self.below(3)),
            _ => u128::from(self.next_u64()) % (top + 1),
        };
        let frac_mask = (1u128 << frac_bits) - 1;
        let random =
            ((u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())) & frac_mask;
        let frac = match self.below(6) {
            0 => 0,
            1 => frac_mask,
            2 => frac_mask ^ (random & 0xF),
            3 => random >> (frac_bits / 2),
            _ => random,
        };
        sign | (exp.min(top) << frac_bits) | frac
    }
}
