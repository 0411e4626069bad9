//! The tests' one deterministic generator (SplitMix64) and the encodings drawn from it.

use fpcore::Format;

/// SplitMix64: a small generator whose output depends only on the seed (property tests draw
/// the seed, deterministic sweeps count it).
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 128 random bits: the first 64 drawn are the high half.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }

    /// A number in `0..n` (`next() % n`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An encoding of `f`: mostly values of moderate magnitude around 1 (so that sums see
    /// ties and cancellations), with zeros, subnormals, extremes and, when `specials`,
    /// infinities and NaNs.
    pub fn value(&mut self, f: &Format, specials: bool) -> u128 {
        let r = self.below(100);
        let sign = self.below(2) == 1;
        let raw = self.next_u128() & f.mask();
        let frac = raw & ((1u128 << f.frac_bits()) - 1);
        let sign_bit = u128::from(sign) << (f.bits() - 1);
        match r {
            0..=14 => f.zero(sign),
            15..=19 => sign_bit | (frac.max(1)), // subnormal
            20..=22 => f.max_finite(sign),
            23..=25 if specials => f.inf(sign).unwrap_or_else(|| f.max_finite(sign)),
            26..=27 if specials => f.canonical_nan().unwrap_or(0),
            28..=32 => {
                if f.unpack(raw).is_nan() && !specials {
                    f.zero(false)
                } else {
                    raw
                }
            }
            _ => {
                // Exponent code within ±3 of the bias, a few fraction bits.
                let code = (f.bias() as u128 + self.below(7) as u128).saturating_sub(3);
                let keep = f.frac_bits().min(3);
                let frac = frac >> (f.frac_bits() - keep) << (f.frac_bits() - keep);
                sign_bit | (code << f.frac_bits()) | frac
            }
        }
    }
}
