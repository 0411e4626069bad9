//! Shared helpers of fpcore's integration tests: a seeded generator of operands and the
//! environments of the differential tests.

#![allow(dead_code, reason = "each test binary uses a subset")]

use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};

pub use fporacle::gen::SplitMix;

/// Formats of 8 bits or fewer whose every encoding the tests enumerate: the named 8-bit and
/// smaller types, and parameter-only formats with one to five significand bits and exponent
/// ranges that sit wholly above or below 1.
pub const SMALL_FORMATS: [&str; 18] = [
    "e5m2",
    "e4m3",
    "e3m4",
    "e2m5",
    "e4m3fn",
    "e4m3fnuz",
    "e5m2fnuz",
    "e2m1fn",
    "e2m3fn",
    "e3m2fn",
    "p=4,emin=-6,emax=8",
    "p=3,emin=1,emax=4",
    "p=5,emin=-3,emax=-1",
    "p=1,emin=-3,emax=3",
    "p=1,emin=-3,emax=4",
    "p=2,emin=-2,emax=1",
    "p=3,emin=2,emax=6",
    "p=3,emin=-12,emax=-3",
];

/// The draws of fpcore's tests over [`SplitMix`].
pub trait Draw {
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64;
    /// A random decimal digit.
    fn digit(&mut self) -> char;
    /// A pattern of `fmt` biased towards interesting exponents.
    fn pattern(&mut self, fmt: &Format) -> u128;
}

impl Draw for SplitMix {
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn digit(&mut self) -> char {
        char::from(b'0' + self.below(10) as u8)
    }

    /// A pattern biased towards interesting exponents: random fraction, and an exponent code
    /// drawn near the ends of the range half the time.
    fn pattern(&mut self, fmt: &Format) -> u128 {
        let raw = self.next_u128() & fmt.mask();
        let choice = self.next_u64() % 4;
        let frac_mask = (1u128 << fmt.frac_bits()) - 1;
        let sign = raw & (1u128 << (fmt.bits() - 1));
        let code_max = (1u128 << fmt.exp_bits()) - 1;
        let code = match choice {
            0 => self.next_u64() as u128 % 3,
            1 => code_max - (self.next_u64() as u128 % 3).min(code_max),
            _ => (raw >> fmt.frac_bits()) & code_max,
        };
        let frac = match self.next_u64() % 4 {
            0 => frac_mask,
            1 => frac_mask & (self.next_u64() as u128 % 4),
            _ => raw & frac_mask,
        };
        sign | (code << fmt.frac_bits()) | frac
    }
}

/// The standard output of the Python `script` run with `args` by the interpreter of
/// `FPX_PYTHON` (scripts/test sets it), or `None` when `module` cannot be imported there
/// (allowed outside CI, where scripts/test installs it).
pub fn python_output(module: &str, script: &str, args: &[&str]) -> Option<String> {
    use std::process::Command;
    let python = std::env::var_os("FPX_PYTHON").unwrap_or_else(|| "python3".into());
    let probe = Command::new(&python).args(["-c", &format!("import {module}")]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "{module} must be installed in CI (scripts/test does)"
        );
        eprintln!("{module} is not installed: the comparison with it was not run");
        return None;
    }
    let out = Command::new(&python).args(["-c", script]).args(args).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("ascii output"))
}

/// The exact value of `bits` as Python's tests print it: `nan`, `inf`, `-inf`, `0`, `-0`, or
/// `n/d` in lowest terms (d a power of two).
pub fn exact_text(fmt: &Format, bits: u128) -> String {
    unpacked_text(fmt.unpack(bits), 0)
}

/// [`exact_text`] of an unpacked value times 2^scale.
pub fn unpacked_text(u: fpcore::Unpacked, scale: i32) -> String {
    use fpcore::Kind;
    let minus = if u.sign { "-" } else { "" };
    match u.kind {
        Kind::Nan { .. } => "nan".to_string(),
        Kind::Inf => format!("{minus}inf"),
        Kind::Zero => format!("{minus}0"),
        Kind::Finite { mut sig, mut exp } => {
            exp += scale;
            while sig % 2 == 0 {
                sig /= 2;
                exp += 1;
            }
            let one = num_bigint::BigUint::from(1u8);
            if exp >= 0 {
                format!("{minus}{}/1", num_bigint::BigUint::from(sig) << exp.unsigned_abs())
            } else {
                format!("{minus}{sig}/{}", one << exp.unsigned_abs())
            }
        }
    }
}

/// A line `WHAT NAME REST` of a comparison script: what it holds, the format NAME parses to,
/// and the rest of the line.
pub fn split_line(line: &str) -> (&str, Format, &str) {
    let mut parts = line.splitn(3, ' ');
    let what = parts.next().expect("kind");
    let name = parts.next().expect("name");
    let rest = parts.next().expect("values");
    let fmt = Format::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    (what, fmt, rest)
}

/// The operation a comparison script's `add` or `mul` line holds.
pub fn add_or_mul(what: &str) -> fn(&fpcore::Env, &Format, u128, u128) -> fpcore::Rounded<u128> {
    match what {
        "add" => fpcore::add,
        "mul" => fpcore::mul,
        other => panic!("unknown line {other}"),
    }
}

/// Checks every encoding's [`exact_text`] against the space-separated `expected` values.
pub fn check_decode(fmt: &Format, expected: &str) {
    let expected: Vec<&str> = expected.split(' ').collect();
    assert_eq!(expected.len() as u128, 1u128 << fmt.bits(), "{fmt}");
    for (bits, want) in (0..).zip(expected) {
        assert_eq!(exact_text(fmt, bits), want, "{fmt} {bits:#04x}");
    }
}

/// The Python function printing a float as [`exact_text`] does, for the scripts.
pub const PY_EXACT_TEXT: &str = r#"
import math
def show(v):
    v = float(v)
    if v != v:
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    n, d = v.as_integer_ratio()
    return f"{n}/{d}"
"#;

/// The IEEE environments the differential tests run under: both tininess rules, the
/// canonical and x86 NaN policies, IEEE and saturating overflow.
pub fn envs() -> Vec<Env> {
    let mut out = Vec::new();
    for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
        for nan in [NanPolicy::Canonical, NanPolicy::X86Sse] {
            for overflow in [OverflowPolicy::Ieee, OverflowPolicy::Saturate] {
                out.push(Env { tininess, nan, overflow, ..Env::default() });
            }
        }
    }
    out
}
