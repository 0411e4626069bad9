//! Shared helpers of fpcore's integration tests: a seeded generator of operands.

#![allow(dead_code, reason = "each test binary uses a subset")]

use fpcore::Format;

/// SplitMix64: a small deterministic generator, so that failures reproduce.
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

    /// 128 random bits.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next() % span) as i64
    }

    /// A random decimal digit.
    pub fn digit(&mut self) -> char {
        char::from(b'0' + (self.next() % 10) as u8)
    }

    /// A pattern biased towards interesting exponents: random fraction, and an exponent code
    /// drawn near the ends of the range half the time.
    pub fn pattern(&mut self, fmt: &Format) -> u128 {
        let raw = self.next_u128() & fmt.mask();
        let choice = self.next() % 4;
        let frac_mask = (1u128 << fmt.frac_bits()) - 1;
        let sign = raw & (1u128 << (fmt.bits() - 1));
        let code_max = (1u128 << fmt.exp_bits()) - 1;
        let code = match choice {
            0 => self.next() as u128 % 3,
            1 => code_max - (self.next() as u128 % 3).min(code_max),
            _ => (raw >> fmt.frac_bits()) & code_max,
        };
        let frac = match self.next() % 4 {
            0 => frac_mask,
            1 => frac_mask & (self.next() as u128 % 4),
            _ => raw & frac_mask,
        };
        sign | (code << fmt.frac_bits()) | frac
    }
}
