//! Values as text for a reader: the table of named formats, one encoding decoded, one value
//! encoded, an expression's result. Values are exact (decimal when it is short, hex-float
//! always); a shortest round-trip decimal is labelled as such.

use fpcore::text::{format_exact_decimal, format_hexfloat, format_shortest, parse_value};
use fpcore::{Env, Format, Kind, Rounded};

use crate::error::Result;
use crate::expr::eval_expression;
use crate::protocol::format_flags;

/// Longest exact decimal printed in place of a shortest one, in a result line.
const MAX_EXACT_CHARS: usize = 40;
/// Longest exact decimal printed in the format table.
const MAX_TABLE_CHARS: usize = 26;

/// The exact decimal value when it has at most `max_chars` characters, else `None`.
fn short_exact(fmt: &Format, bits: u128, max_chars: usize) -> Option<String> {
    let exact = format_exact_decimal(fmt, bits);
    (exact.len() <= max_chars).then_some(exact)
}

/// The generic `eXmY` names whose OCP format is `eXmYfn`, as typed (any case, with or without
/// a `floatN_` prefix).
const FN_TWINS: &[&str] = &["e4m3", "e2m1", "e3m2", "e2m3"];

/// A note for a format name that means the IEEE-layout generic format while its reader most
/// likely means OCP's `fn` format (`e4m3` vs `e4m3fn`); `None` for every other name.
pub fn fn_note(name: &str) -> Option<String> {
    let lower = name.trim().to_ascii_lowercase();
    let base = ["float8_", "float6_", "float4_"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower);
    if !FN_TWINS.contains(&base) {
        return None;
    }
    let generic = Format::parse(base).ok()?;
    let ocp = Format::parse(&format!("{base}fn")).ok()?;
    let max = |f: &Format| format_exact_decimal(f, f.max_finite(false));
    Some(format!(
        "note: {name} is the generic IEEE-layout format p={},emin={},emax={} with infinities and NaNs (largest finite {}); OCP's FP{} {} is {base}fn (largest finite {})",
        generic.p(),
        generic.emin(),
        generic.emax(),
        max(&generic),
        ocp.bits(),
        base.to_ascii_uppercase(),
        max(&ocp)
    ))
}

/// `text` followed by [`fn_note`]'s line for `name`, if any.
pub fn with_fn_note(mut text: String, name: &str) -> String {
    if let Some(note) = fn_note(name) {
        text.push_str(&note);
        text.push('\n');
    }
    text
}

/// The table of named formats: parameters, largest finite value, smallest normal and
/// subnormal (exact decimal, or `~` and the shortest round-trip decimal when the exact one is
/// long; and the exact hex-float), and the specials kind.
pub fn formats_table() -> String {
    let show = |f: &Format, bits: u128| {
        let decimal = short_exact(f, bits, MAX_TABLE_CHARS)
            .unwrap_or_else(|| format!("~{}", format_shortest(f, bits)));
        format!("{decimal} ({})", format_hexfloat(f, bits))
    };
    let mut rows = Vec::new();
    for name in fpcore::format::NAMED_FORMATS {
        let f = Format::parse(name).expect("named formats parse");
        // The least normal: code 1, or code 0 in a format without zero (e8m0fnu).
        let min_normal = if f.has_zero() { 1u128 << f.frac_bits() } else { 0 };
        let min_sub = if f.p() > 1 { show(&f, f.min_positive(false)) } else { "-".to_string() };
        rows.push((f, show(&f, f.max_finite(false)), show(&f, min_normal), min_sub));
    }
    let width = |pick: fn(&(Format, String, String, String)) -> &String, title: &str| {
        rows.iter().map(|r| pick(r).len()).max().unwrap_or(0).max(title.len())
    };
    let (w_max, w_norm, w_sub) =
        (width(|r| &r.1, "max"), width(|r| &r.2, "min normal"), width(|r| &r.3, "min subnormal"));
    let mut out = format!(
        "{:<12} {:>4} {:>7} {:>6} {:>5}  {:<w_max$}  {:<w_norm$}  {:<w_sub$}  {:<16}  {}\n",
        "name",
        "p",
        "emin",
        "emax",
        "bits",
        "max",
        "min normal",
        "min subnormal",
        "specials",
        "aliases"
    );
    for (f, max, min_normal, min_sub) in &rows {
        let named = fpcore::format::NAMED.iter().find(|n| n.format == *f).expect("a named row");
        let specials = if f.is_signed() {
            format!("{:?}", f.specials())
        } else {
            format!("{:?},unsigned", f.specials())
        };
        out.push_str(&format!(
            "{:<12} {:>4} {:>7} {:>6} {:>5}  {max:<w_max$}  {min_normal:<w_norm$}  {min_sub:<w_sub$}  {specials:<16}  {}\n",
            f.name(),
            f.p(),
            f.emin(),
            f.emax(),
            f.bits(),
            named.aliases.join(", ")
        ));
    }
    out.push_str(
        "Values are exact: the decimal (or, after ~, the shortest decimal that reads back to the same value, when the exact one is longer than 26 characters) and the hex-float.\n",
    );
    out.push_str(
        "note: e4m3, e2m1, e3m2, e2m3 (without fn) are generic IEEE-layout formats with infinities; OCP's FP8 E4M3 and the MX types are e4m3fn, e2m1fn, e3m2fn, e2m3fn.\n",
    );
    out
}

/// Everything about one encoding: fields, class, exact value.
pub fn decode(fmt: &Format, bits: u128) -> String {
    let u = fmt.unpack(bits);
    let fb = fmt.frac_bits();
    let code = (bits >> fb) & ((1u128 << fmt.exp_bits()) - 1);
    let frac = bits & ((1u128 << fb) - 1);
    let mut out = format!(
        "format:      {} (p={}, emin={}, emax={}, {} bits)\nbits:        {}\n",
        fmt.name(),
        fmt.p(),
        fmt.emin(),
        fmt.emax(),
        fmt.bits(),
        fpcore::text::bits::format_bits(fmt, bits)
    );
    out.push_str(&format!(
        "sign:        {}\nexponent:    field {code:#x}\nfraction:    field {frac:#x}\nclass:       {}\n",
        u8::from(u.sign),
        fmt.classify(bits).name()
    ));
    if let Kind::Finite { sig, exp } = u.kind {
        let lead = i64::from(exp) + 127 - i64::from(sig.leading_zeros());
        out.push_str(&format!("significand: {sig:#x} (times 2^{exp}; leading bit at 2^{lead})\n"));
    }
    out.push_str(&format!(
        "value:       {}\nhex-float:   {}\nshortest:    {}\n",
        format_exact_decimal(fmt, bits),
        format_hexfloat(fmt, bits),
        format_shortest(fmt, bits)
    ));
    out
}

/// One rounded result as a line: bits, flag byte, the exact value (decimal when it has at
/// most 40 characters, else the shortest round-trip decimal, labelled `shortest`), the
/// hex-float, and the flags' names.
fn result_line(fmt: &Format, r: Rounded<u128>) -> String {
    let decimal = short_exact(fmt, r.value, MAX_EXACT_CHARS)
        .unwrap_or_else(|| format!("shortest {}", format_shortest(fmt, r.value)));
    format!(
        "{} {}  {decimal} ({})  [{}]\n",
        fpcore::text::bits::format_bits(fmt, r.value),
        format_flags(r.flags),
        format_hexfloat(fmt, r.value),
        r.flags
    )
}

/// A value (decimal or hex-float text) rounded once to `fmt`: bits, flags, and what it became.
///
/// # Errors
///
/// The text is not a number.
pub fn encode(env: &Env, fmt: &Format, text: &str) -> Result<String> {
    Ok(result_line(fmt, parse_value(env, fmt, text)?))
}

/// The printed result of `fpx eval`.
///
/// # Errors
///
/// As [`eval_expression`].
pub fn eval_report(env: &Env, fmt: &Format, text: &str) -> Result<String> {
    Ok(result_line(fmt, eval_expression(env, fmt, text)?))
}
