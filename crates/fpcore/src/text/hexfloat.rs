//! Hexadecimal floating-point text in the C99 `%a` style: parsing (rounded once to the format)
//! and exact printing, plus the infinity and NaN spellings shared with the decimal forms.
//!
//! Accepted: `[+-]0x` (or `0X`), hex digits with an optional `.`, then an optional binary
//! exponent `p[+-]digits` (or `P`); and `inf`, `infinity`, `nan`, `snan` in any case, with an
//! optional sign. Printed: `0x1.8p+1`, `-0x1p-149`, `0x0p+0`, `inf`, `nan`, `snan`.

use crate::env::{Env, OverflowPolicy};
use crate::flags::{Flags, Rounded};
use crate::format::{Format, Specials};
use crate::round::{overflow, round_pack};
use crate::value::{Kind, Unpacked};

use super::{shown, TextError};

/// Largest magnitude a parsed exponent keeps; larger ones saturate here. Any exponent this
/// large already puts every value of any format far past overflow or underflow, whatever the
/// number of digits (texts are far shorter than `10^17` digits).
pub(super) const EXP_CAP: i64 = 100_000_000_000_000_000;

/// Splits an optional leading `+` or `-` off `text`: (negative, rest).
pub(super) fn split_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = text.strip_prefix('+') {
        (false, rest)
    } else {
        (false, text)
    }
}

/// Parses a decimal exponent `[+-]digits` (at least one digit, any number of them), saturating
/// at [`EXP_CAP`] in magnitude. `None` when the text is not of that form.
pub(super) fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = (value * 10 + i64::from(b - b'0')).min(EXP_CAP);
    }
    Some(if negative { -value } else { value })
}

/// Whether the format has signaling NaNs: IEEE specials with a fraction wide enough for a quiet
/// bit and a nonzero payload below it.
fn has_snan(fmt: &Format) -> bool {
    fmt.specials() == Specials::Ieee && fmt.p() >= 3
}

/// The value of an infinity or NaN spelling (`inf`, `infinity`, `nan`, `snan`, any case, with an
/// optional sign), or `None` when `text` is none of them.
///
/// An infinity behaves as [`crate::convert`] of an infinity: exact where the format has
/// infinities (the largest finite value, with no flag, under
/// [`crate::OverflowPolicy::SatFinite`]); in a format without infinities an overflow (NaN, or the
/// largest finite value when saturating or finite-only, with overflow and inexact). `nan` is the canonical quiet NaN, with the sign bit set for `-nan` where the format
/// has signed NaNs. `snan` is the signaling NaN with payload 1; a format without signaling NaNs
/// gives its quiet NaN with invalid, as a conversion of a signaling NaN does. A format without
/// NaNs gives +0 with invalid for both, as [`crate::convert`] of a NaN does.
pub(super) fn parse_special(env: &Env, fmt: &Format, text: &str) -> Option<Rounded<u128>> {
    let (sign, word) = split_sign(text);
    if word.len() > 8 {
        return None;
    }
    let is = |name: &str| word.eq_ignore_ascii_case(name);
    if is("inf") || is("infinity") {
        return Some(match fmt.inf(sign) {
            Some(_) if env.overflow == OverflowPolicy::SatFinite => {
                Rounded::exact(fmt.max_finite(sign))
            }
            Some(bits) => Rounded::exact(bits),
            None => overflow(env, fmt, sign),
        });
    }
    let signaling = is("snan");
    if !signaling && !is("nan") {
        return None;
    }
    if !fmt.has_nan() {
        return Some(Rounded::new(fmt.zero(false), Flags::INVALID));
    }
    if !signaling {
        return Some(Rounded::exact(fmt.quiet_nan(sign, 0)));
    }
    if has_snan(fmt) {
        let inf = fmt.inf(sign).expect("IEEE formats have infinities");
        return Some(Rounded::exact(inf | 1));
    }
    Some(Rounded::new(fmt.quiet_nan(sign, 0), Flags::INVALID))
}

/// The text of an infinity or NaN (`inf`, `-inf`, `nan`, `-nan`, `snan`, `-snan`), or `None`
/// for zeros and finite values. FNUZ NaNs print unsigned (their sign bit is part of the code).
pub(super) fn special_text(fmt: &Format, u: Unpacked) -> Option<String> {
    let minus = if u.sign && !fmt.is_fnuz() { "-" } else { "" };
    match u.kind {
        Kind::Inf if u.sign => Some("-inf".to_string()),
        Kind::Inf => Some("inf".to_string()),
        Kind::Nan { quiet: true, .. } => Some(format!("{minus}nan")),
        Kind::Nan { quiet: false, .. } => Some(format!("{minus}snan")),
        Kind::Zero | Kind::Finite { .. } => None,
    }
}

/// A value to print: the sign prefix, significand and exponent of a finite nonzero value, or
/// the finished text of any other value (infinities and NaNs as [`special_text`], zeros as
/// `zero` after the sign).
pub(super) fn printed_parts(
    fmt: &Format,
    bits: u128,
    zero: &str,
) -> Result<(&'static str, u128, i32), String> {
    let u = fmt.unpack(bits);
    if let Some(text) = special_text(fmt, u) {
        return Err(text);
    }
    let minus = if u.sign { "-" } else { "" };
    match u.kind {
        Kind::Finite { sig, exp } => Ok((minus, sig, exp)),
        _ => Err(format!("{minus}{zero}")),
    }
}

/// Hex digits kept exactly; every later nonzero digit only sets the sticky bit. 31 digits hold
/// at least 121 significant bits, more than the p + 1 <= 114 that rounding with a sticky bit
/// needs, and fit in a `u128`.
const KEPT_DIGITS: u32 = 31;

/// Parses a hex float and rounds it once to `fmt` (IEEE 754-2019 §5.12.3, round to nearest
/// even), with the inexact, underflow and overflow flags of that rounding.
///
/// Accepts `[+-]0xH[.H][p[+-]D]` with any number of hex digits `H` (at least one in all) and
/// decimal exponent digits `D`, and the infinity and NaN spellings `inf`, `infinity`, `nan`,
/// `snan` (any case, optional sign). An infinity in a format without infinities is an overflow,
/// as in [`crate::convert`]; `nan` in a format without NaNs is +0 with invalid. Work is bounded
/// by the length of the text: huge exponents are clamped to a value that rounds the same way.
///
/// # Errors
///
/// [`TextError::NotHexFloat`] when the text is not of that form (empty, no `0x`, no digit, a
/// second point, an exponent without digits, any other character, surrounding spaces).
pub fn parse_hexfloat(env: &Env, fmt: &Format, text: &str) -> Result<Rounded<u128>, TextError> {
    if let Some(r) = parse_special(env, fmt, text) {
        return Ok(r);
    }
    let err = || TextError::NotHexFloat(shown(text));
    let (sign, rest) = split_sign(text);
    let body = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")).ok_or_else(err)?;
    let (mantissa, exp) = match body.find(['p', 'P']) {
        Some(at) => (&body[..at], parse_exponent(&body[at + 1..]).ok_or_else(err)?),
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    if int_part.len() + frac_part.len() == 0 || !all_hex(int_part) || !all_hex(frac_part) {
        return Err(err());
    }

    // The digits as one integer H, value H * 16^(-frac_len) * 2^exp. The first KEPT_DIGITS
    // significant digits go into `sig`; `n_after` counts the digits after them.
    let mut sig: u128 = 0;
    let mut n_kept: u32 = 0;
    let mut n_after: i64 = 0;
    let mut sticky = false;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        let digit = u128::from(hex_value(b));
        if n_kept < KEPT_DIGITS {
            if sig != 0 || digit != 0 {
                sig = (sig << 4) | digit;
                n_kept += 1;
            }
        } else {
            n_after += 1;
            sticky = sticky || digit != 0;
        }
    }
    if sig == 0 {
        return Ok(Rounded::exact(fmt.zero(sign)));
    }
    let frac_len = i64::try_from(frac_part.len()).unwrap_or(i64::MAX);
    let exp = exp.saturating_add(n_after.saturating_sub(frac_len).saturating_mul(4));
    let exp = clamp_exponent(fmt, sig, exp);
    Ok(round_pack(env, fmt, sign, sig, exp, sticky))
}

/// The value of an ASCII hex digit (the caller has checked it is one).
fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Moves the exponent of `sig * 2^exp` (sig nonzero) into a range where the arithmetic cannot
/// overflow, without changing how it rounds: a value whose leading bit is above `2^(emax+1)`
/// overflows and one whose leading bit is below `2^(qmin-2)` rounds to zero whatever its exact
/// size, so the leading bit is clamped to `emax + 2` or `qmin - 2`.
fn clamp_exponent(fmt: &Format, sig: u128, exp: i64) -> i64 {
    let top = i64::from(sig.ilog2());
    let lead = exp.saturating_add(top);
    let (low, high) = (i64::from(fmt.qmin()) - 2, i64::from(fmt.emax()) + 2);
    lead.clamp(low, high) - top
}

/// Formats a value exactly as a normalized hex float: `0x1.8p+1`, `-0x1p-149` (subnormals too
/// get a leading `1`), trailing zero digits trimmed; zeros as `0x0p+0` and `-0x0p+0`;
/// infinities and NaNs as `inf`, `-inf`, `nan`, `-nan`, `snan`, `-snan` (NaN payloads are not
/// shown). [`parse_hexfloat`] gives back the same bits for every non-NaN encoding.
pub fn format_hexfloat(fmt: &Format, bits: u128) -> String {
    let (minus, sig, exp) = match printed_parts(fmt, bits, "0x0p+0") {
        Ok(parts) => parts,
        Err(text) => return text,
    };
    let frac_bits = sig.ilog2();
    let lead = i64::from(exp) + i64::from(frac_bits);
    let frac = sig & ((1u128 << frac_bits) - 1);
    if frac == 0 {
        return format!("{minus}0x1p{lead:+}");
    }
    let n_digits = frac_bits.div_ceil(4);
    let aligned = frac << (n_digits * 4 - frac_bits);
    let digits = format!("{aligned:0width$x}", width = n_digits as usize);
    format!("{minus}0x1.{}p{lead:+}", digits.trim_end_matches('0'))
}
