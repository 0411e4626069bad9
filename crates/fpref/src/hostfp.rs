//! Running code under a chosen host floating-point state (x86-64 MXCSR: flush-to-zero,
//! denormals-are-zero, rounding direction), to show that fpcore's results do not depend on it.
//! On other architectures [`with_mxcsr`] runs the closure unchanged and reports so.

/// MXCSR flush-to-zero bit.
pub const FTZ: u32 = 1 << 15;
/// MXCSR denormals-are-zero bit.
pub const DAZ: u32 = 1 << 6;
/// MXCSR rounding control: round toward -infinity.
pub const ROUND_DOWN: u32 = 1 << 13;
/// MXCSR rounding control: round toward +infinity.
pub const ROUND_UP: u32 = 2 << 13;
/// MXCSR rounding control: round toward zero.
pub const ROUND_TOWARD_ZERO: u32 = 3 << 13;

/// Runs `f` with `bits` set in MXCSR (on top of the current state), restores the state, and
/// returns `f`'s result and whether the state could be changed on this architecture.
pub fn with_mxcsr<T>(bits: u32, f: impl FnOnce() -> T) -> (T, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut saved: u32 = 0;
        // SAFETY: stmxcsr stores the 32-bit control register into the local variable.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack, preserves_flags));
        }
        let wanted = saved | bits;
        // SAFETY: ldmxcsr loads a valid MXCSR value (only control bits added to the current
        // one); the previous value is restored below before returning.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &wanted, options(nostack, preserves_flags));
        }
        // black_box keeps the computation between the two MXCSR writes.
        let out = std::hint::black_box(f());
        // SAFETY: restores the value read above.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &saved, options(nostack, preserves_flags));
        }
        (out, true)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = bits;
        (f(), false)
    }
}
