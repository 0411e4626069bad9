//! The tests' one deterministic generator (SplitMix64) and the encodings drawn from it.

use fpcore::Format;

pub use fporacle::gen::SplitMix;

/// The tests' draws over [`SplitMix`] (property tests draw the seed, deterministic sweeps
/// count it).
pub trait Draw {
    /// An encoding of `f`: see the implementation.
    fn value(&mut self, f: &Format, specials: bool) -> u128;
}

impl Draw for SplitMix {
    /// An encoding of `f`: mostly values of moderate magnitude around 1 (so that sums see
    /// ties and cancellations), with zeros, subnormals, extremes and, when `specials`,
    /// infinities and NaNs.
    fn value(&mut self, f: &Format, specials: bool) -> u128 {
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
