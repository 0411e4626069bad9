//! The five IEEE 754 exception flags, with TestFloat's bit values.

use std::fmt;

/// A set of IEEE 754-2019 §7 exception flags, stored as TestFloat's flag byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flags(u8);

impl Flags {
    /// No exception.
    pub const NONE: Flags = Flags(0);
    /// Inexact (IEEE 754-2019 §7.6).
    pub const INEXACT: Flags = Flags(0x01);
    /// Underflow: tiny and inexact (§7.5).
    pub const UNDERFLOW: Flags = Flags(0x02);
    /// Overflow (§7.4).
    pub const OVERFLOW: Flags = Flags(0x04);
    /// Division by zero, "infinite" in TestFloat's words (§7.3).
    pub const INFINITE: Flags = Flags(0x08);
    /// Invalid operation (§7.2).
    pub const INVALID: Flags = Flags(0x10);

    /// Builds flags from TestFloat's byte; bits above 0x1f are rejected.
    pub fn from_bits(bits: u8) -> Option<Flags> {
        (bits & !0x1f == 0).then_some(Flags(bits))
    }
    /// TestFloat's flag byte.
    pub fn bits(self) -> u8 {
        self.0
    }
    /// Union of two flag sets.
    #[must_use]
    pub fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
    /// `self` without the flags of `other`.
    #[must_use]
    pub fn without(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }
    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    /// Union of two flag sets.
    fn bitor(self, other: Flags) -> Flags {
        self.union(other)
    }
}

impl std::ops::BitOrAssign for Flags {
    /// Adds the flags of `other`.
    fn bitor_assign(&mut self, other: Flags) {
        *self = self.union(other);
    }
}

impl fmt::Display for Flags {
    /// Short names, e.g. `inexact|underflow`, or `-` for none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Flags, &str); 5] = [
            (Flags::INVALID, "invalid"),
            (Flags::INFINITE, "infinite"),
            (Flags::OVERFLOW, "overflow"),
            (Flags::UNDERFLOW, "underflow"),
            (Flags::INEXACT, "inexact"),
        ];
        let mut first = true;
        for (flag, name) in NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// A result together with the exception flags its computation raised.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rounded<T> {
    /// The result.
    pub value: T,
    /// Flags raised while computing it.
    pub flags: Flags,
}

impl<T> Rounded<T> {
    /// A result with the given flags.
    pub fn new(value: T, flags: Flags) -> Rounded<T> {
        Rounded { value, flags }
    }
    /// An exact result (no flags).
    pub fn exact(value: T) -> Rounded<T> {
        Rounded { value, flags: Flags::NONE }
    }
}
