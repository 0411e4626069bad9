//! Hex-float and decimal text: exhaustive round trips over small formats, and binary32/binary64
//! parsing and shortest printing against Rust's std (an independent, correctly rounded
//! implementation) and exact integer arithmetic.

mod common;

use common::{Draw, SplitMix, SMALL_FORMATS};
use fpcore::text::{
    format_exact_decimal, format_hexfloat, format_shortest, parse_decimal, parse_hexfloat,
    parse_value,
};
use fpcore::{Env, Flags, Format, Kind, OverflowPolicy};
use num_bigint::BigUint;
use num_traits::Zero;

fn fmt(name: &str) -> Format {
    Format::parse(name).expect("known format")
}

/// A decimal literal as (negative, significant digits without leading or trailing zeros,
/// exponent of the last digit); zero has empty digits. Accepts what the printers produce.
fn normalize(text: &str) -> (bool, String, i64) {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.split_once(['e', 'E']) {
        // Exponents past any format's range only need to stay past it.
        Some((m, e)) => (m, e.parse::<i128>().expect("exponent").clamp(-1 << 50, 1 << 50) as i64),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int_part}{frac_part}");
    let mut exp = exp - frac_part.len() as i64;
    let trimmed_end = all.trim_end_matches('0');
    exp += (all.len() - trimmed_end.len()) as i64;
    let digits = trimmed_end.trim_start_matches('0').to_string();
    if digits.is_empty() {
        exp = 0;
    }
    (negative, digits, exp)
}

/// The exact decimal of `m * 2^e` (m > 0) as `digits` `e` `exponent`, by integer arithmetic.
fn exact_decimal_of(m: &BigUint, e: i64) -> String {
    if e >= 0 {
        format!("{}", m << e as usize)
    } else {
        let scaled = m * BigUint::from(5u32).pow((-e) as u32);
        format!("{scaled}e{e}")
    }
}

/// `digits * 10^exp` as a literal, with `digits` adjusted by `delta` units in the last place.
fn bump(digits: &str, exp: i64, delta: i64) -> String {
    let n = BigUint::parse_bytes(digits.as_bytes(), 10).expect("digits");
    let n = if delta >= 0 { n + delta as u64 } else { n - (-delta) as u64 };
    format!("{n}e{exp}")
}

/// Whether parsing `text` gives `bits` without overflow (a real round trip).
fn round_trips(env: &Env, f: &Format, text: &str, bits: u128) -> bool {
    let r = parse_decimal(env, f, text).expect("printed text parses");
    r.value == bits && !r.flags.contains(Flags::OVERFLOW)
}

/// `|a - x|` for decimals given as (digits, exponent), scaled by `10^-base`.
fn distance(a: (&str, i64), x: (&str, i64), base: i64) -> BigUint {
    let (a, x) = (at_exponent(a.0, a.1, base), at_exponent(x.0, x.1, base));
    if a >= x {
        a - x
    } else {
        x - a
    }
}

/// No other decimal with as many significant digits as `short` round-trips and lies closer to
/// the exact value (on a tie, `short`'s last digit is even). Rivals: the neighbours in the last
/// digit and, for one digit, every one-digit decimal at the three nearest exponents.
fn check_closest(f: &Format, bits: u128, short: &str, exact: &str) {
    let env = Env::default();
    let (negative, digits, exp) = normalize(short);
    let (_, x_digits, x_exp) = normalize(exact);
    if digits.is_empty() {
        return;
    }
    let n = digits.len();
    let mut rivals = Vec::new();
    for delta in [-1, 1] {
        let rival = normalize(&bump(&digits, exp, delta));
        if rival.1.len() == n {
            rivals.push((rival.1, rival.2));
        }
    }
    if n == 1 {
        for e in exp - 1..=exp + 1 {
            rivals.extend((1..=9).map(|d| (d.to_string(), e)));
        }
    }
    let sign = if negative { "-" } else { "" };
    for (rival, rival_exp) in rivals {
        if (rival.as_str(), rival_exp) == (digits.as_str(), exp)
            || !round_trips(&env, f, &format!("{sign}{rival}e{rival_exp}"), bits)
        {
            continue;
        }
        let base = exp.min(rival_exp).min(x_exp);
        let ours = distance((&digits, exp), (&x_digits, x_exp), base);
        let theirs = distance((&rival, rival_exp), (&x_digits, x_exp), base);
        let even = digits.bytes().last().is_some_and(|d| d % 2 == 0);
        assert!(
            ours < theirs || (ours == theirs && even),
            "{f} {bits:#x}: '{rival}e{rival_exp}' is as short as '{short}' and closer to {exact}"
        );
    }
}

#[test]
fn small_formats_exhaustive_round_trips_and_shortest_is_shortest() {
    let env = Env::default();
    for name in ["binary16", "bfloat16"].into_iter().chain(SMALL_FORMATS) {
        let f = fmt(name);
        for bits in 0..1u128 << f.bits() {
            let u = f.unpack(bits);
            if u.is_nan() {
                continue;
            }
            let hex = format_hexfloat(&f, bits);
            let r = parse_hexfloat(&env, &f, &hex).expect("hex parses");
            assert_eq!((r.value, r.flags), (bits, Flags::NONE), "{name} {bits:#x} hex '{hex}'");
            assert_eq!(parse_value(&env, &f, &hex).expect("hex").value, bits, "{name} '{hex}'");

            let exact = format_exact_decimal(&f, bits);
            let r = parse_decimal(&env, &f, &exact).expect("exact parses");
            assert_eq!((r.value, r.flags), (bits, Flags::NONE), "{name} {bits:#x} exact '{exact}'");

            let short = format_shortest(&f, bits);
            let r = parse_decimal(&env, &f, &short).expect("shortest parses");
            assert_eq!(r.value, bits, "{name} {bits:#x} shortest '{short}'");
            assert!(!r.flags.contains(Flags::OVERFLOW), "{name} '{short}' overflows");
            if u.is_inf() {
                continue;
            }
            let (_, short_digits, _) = normalize(&short);
            let (negative, exact_digits, exact_exp) = normalize(&exact);
            assert_eq!(
                r.flags.contains(Flags::INEXACT),
                normalize(&short) != normalize(&exact),
                "{name} '{short}' inexact flag"
            );
            let n = short_digits.len();
            check_closest(&f, bits, &short, &exact);
            if n < 2 {
                continue;
            }
            // Both roundings of the exact value to n - 1 significant digits must fail.
            let lead = exact_exp + exact_digits.len() as i64 - 1;
            let exp = lead - (n as i64 - 2);
            let mut floor: String = exact_digits.chars().take(n - 1).collect();
            while floor.len() < n - 1 {
                floor.push('0');
            }
            let sign = if negative { "-" } else { "" };
            for candidate in
                [format!("{sign}{floor}e{exp}"), format!("{sign}{}", bump(&floor, exp, 1))]
            {
                assert!(
                    !round_trips(&env, &f, &candidate, bits),
                    "{name} {bits:#x}: '{candidate}' is shorter than '{short}' and round-trips"
                );
            }
        }
    }
}

#[test]
fn exact_decimal_matches_integer_arithmetic() {
    let mut rng = SplitMix::new(7);
    for name in ["binary64", "binary128", "binary16"] {
        let f = fmt(name);
        for _ in 0..2000 {
            let bits = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) & f.mask();
            let u = f.unpack(bits);
            let Kind::Finite { sig, exp } = u.kind else { continue };
            let want = exact_decimal_of(&BigUint::from(sig), i64::from(exp));
            let got = normalize(&format_exact_decimal(&f, bits));
            assert_eq!((got.0, got.1, got.2), (u.sign, normalize(&want).1, normalize(&want).2));
        }
    }
}

/// A random decimal literal: sign, 1 to 40 digits, a point somewhere or nowhere, an exponent.
fn random_literal(rng: &mut SplitMix, exp_lo: i64, exp_hi: i64) -> String {
    let n = rng.range(1, 40) as usize;
    let mut s = String::new();
    match rng.next_u64() % 3 {
        0 => s.push('-'),
        1 => s.push('+'),
        _ => {}
    }
    let point = rng.range(0, n as i64 + 3) as usize;
    for i in 0..n {
        if i == point {
            s.push('.');
        }
        s.push(rng.digit());
    }
    if point == n {
        s.push('.');
    }
    let e = rng.range(exp_lo, exp_hi) - n as i64 / 2;
    if rng.next_u64() % 8 != 0 {
        s.push(if rng.next_u64() % 2 == 0 { 'e' } else { 'E' });
        s.push_str(&e.to_string());
    }
    s
}

/// Checks `text` against std for binary32 and binary64: value, and the inexact and overflow
/// flags against the exact decimal of the result.
fn check_vs_std(text: &str) {
    let env = Env::default();
    let (f32_fmt, f64_fmt) = (fmt("binary32"), fmt("binary64"));
    let want64 = text.parse::<f64>().expect("std parses").to_bits();
    let got64 = parse_decimal(&env, &f64_fmt, text).expect("parses");
    assert_eq!(got64.value, u128::from(want64), "binary64 '{text}'");
    let want32 = text.parse::<f32>().expect("std parses").to_bits();
    let got32 = parse_decimal(&env, &f32_fmt, text).expect("parses");
    assert_eq!(got32.value, u128::from(want32), "binary32 '{text}'");
    for (f, r) in [(f64_fmt, got64), (f32_fmt, got32)] {
        let u = f.unpack(r.value);
        assert_eq!(r.flags.contains(Flags::OVERFLOW), u.is_inf(), "{f} '{text}' overflow");
        if !u.is_inf() {
            let (_, input, input_exp) = normalize(text.trim_start_matches('+'));
            let (_, result, result_exp) = normalize(&format_exact_decimal(&f, r.value));
            let exact = (input, input_exp) == (result, result_exp);
            assert_eq!(r.flags.contains(Flags::INEXACT), !exact, "{f} '{text}' inexact");
            // Tiny results are zeros, subnormals and (tininess after rounding) the smallest
            // normal; an inexact subnormal or zero must raise underflow.
            let magnitude = r.value & (f.mask() >> 1);
            let below_normal = magnitude < 1 << (f.p() - 1);
            if r.flags.contains(Flags::UNDERFLOW) {
                assert!(magnitude <= 1 << (f.p() - 1), "{f} '{text}' underflow far from tiny");
            }
            if below_normal && !exact {
                assert!(r.flags.contains(Flags::UNDERFLOW), "{f} '{text}' missing underflow");
            }
        }
    }
}

#[test]
fn random_decimal_literals_match_std() {
    let mut rng = SplitMix::new(1);
    for _ in 0..60_000 {
        check_vs_std(&random_literal(&mut rng, -345, 315));
    }
    for _ in 0..30_000 {
        check_vs_std(&random_literal(&mut rng, -50, 45));
    }
    for _ in 0..10_000 {
        check_vs_std(&random_literal(&mut rng, -20, 20));
    }
}

/// Positive finite binary64 bit patterns weighted towards subnormals and the extremes.
fn random_f64_bits(rng: &mut SplitMix) -> u64 {
    match rng.next_u64() % 4 {
        0 => rng.next_u64() % (1 << 53),
        1 => 0x7FEF_FFFF_FFFF_FFFF - rng.next_u64() % (1 << 20),
        _ => rng.next_u64() % 0x7FF0_0000_0000_0000,
    }
}

#[test]
fn halfway_cases_round_to_even_like_std() {
    let mut rng = SplitMix::new(2);
    // Midpoints between x and its successor (from 0 to the overflow threshold), as exact
    // decimals, and one unit in their last digit either side.
    let mut pairs: Vec<(u64, u32)> =
        vec![(0, 64), (0x000F_FFFF_FFFF_FFFF, 64), (0x7FEF_FFFF_FFFF_FFFF, 64)];
    pairs.extend([(0, 32), (0x007F_FFFF, 32), (0x7F7F_FFFF, 32)]);
    for _ in 0..3000 {
        pairs.push((random_f64_bits(&mut rng), 64));
        pairs.push((rng.next_u64() % 0x7F80_0000, 32));
    }
    for (bits, width) in pairs {
        let (p, qmin) = if width == 64 { (53, -1074) } else { (24, -149) };
        let hidden = 1u64 << (p - 1);
        let field = bits >> (p - 1);
        let (sig, exp) = if field == 0 {
            (bits, qmin)
        } else {
            ((bits & (hidden - 1)) | hidden, qmin + field as i64 - 1)
        };
        // (x + next) / 2 = (2 sig + 1) * 2^(exp - 1); the successor of the top binade's last
        // value is 2^p * 2^exp, which the formula also covers.
        let mid = BigUint::from(2 * sig + 1);
        let text = exact_decimal_of(&mid, exp - 1);
        let (_, digits, dexp) = normalize(&text);
        for candidate in [text.clone(), bump(&digits, dexp, 1), bump(&digits, dexp, -1)] {
            check_vs_std(&candidate);
        }
        // The midpoint plus or minus a tiny amount far below its last digit (past the last
        // digit any rounding boundary can have): rounds away from the midpoint.
        let zeros = rng.range(0, 1500) as usize;
        let tail_exp = dexp - zeros as i64 - 1;
        check_vs_std(&format!("{digits}{}1e{tail_exp}", "0".repeat(zeros)));
        let below = bump(&digits, 0, -1);
        let below = below.trim_end_matches("e0");
        check_vs_std(&format!("{below}{}9e{tail_exp}", "9".repeat(zeros)));
        let f = if width == 64 { fmt("binary64") } else { fmt("binary32") };
        let r = parse_decimal(&Env::default(), &f, &text).expect("parses");
        let u = f.unpack(r.value);
        if let Kind::Finite { sig, .. } = u.kind {
            assert_eq!(sig % 2, 0, "'{text}' rounds to odd");
        }
    }
}

#[test]
fn special_boundaries_match_std() {
    let texts = [
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e309",
        "2.2250738585072014e-308",
        "2.2250738585072011e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "1e-400000",
        "1e400000",
        "0.000000000000000000000000000000000000000000000000000000000000000000001",
        "3.4028235677973366e38",
        "3.4028235677973367e38",
        "1.4012984643248170709237295832899161312802619418765e-45",
        "7.006492321624085354618647916449580656401309709382578858785341419448955413429303e-46",
        "00000000000000000000000000001.5",
        "0e99999999999999999999999999",
        "-0",
        "123456789012345678901234567890e-999999999999999999999999",
        "123456789012345678901234567890e+999999999999999999999999",
    ];
    for text in texts {
        check_vs_std(text);
    }
    // Flags at the edges.
    let env = Env::default();
    let f = fmt("binary64");
    let r = parse_decimal(&env, &f, "1e400").expect("parses");
    assert_eq!(r.flags, Flags::OVERFLOW.union(Flags::INEXACT));
    let r = parse_decimal(&env, &f, "-1e-400").expect("parses");
    assert_eq!((r.value, r.flags), (1 << 63, Flags::UNDERFLOW.union(Flags::INEXACT)));
}

#[test]
fn specials_follow_convert() {
    let env = Env::default();
    let b32 = fmt("binary32");
    let inf32 = b32.inf(false).expect("inf");
    // An infinity parses as a conversion of binary32's infinity, under every overflow policy.
    for named in fpcore::format::NAMED {
        let f = named.format;
        let name = named.name;
        for overflow in
            [OverflowPolicy::Ieee, OverflowPolicy::SatPropagate, OverflowPolicy::SatFinite]
        {
            let env = Env { overflow, ..Env::default() };
            for (text, sign) in [("inf", false), ("-Infinity", true), ("+INF", false)] {
                let src = if sign { inf32 | 1 << 31 } else { inf32 };
                let want = fpcore::convert(&env, &b32, &f, src);
                for parse in [parse_decimal, parse_hexfloat, parse_value] {
                    let got = parse(&env, &f, text).expect("inf");
                    assert_eq!(got, want, "{name} '{text}' {overflow:?}");
                }
            }
        }
    }
    for name in ["binary32", "e4m3fn", "e4m3fnuz", "e2m1fn", "binary16"] {
        let f = fmt(name);
        let nan = parse_value(&env, &f, "nan").expect("nan");
        match f.canonical_nan() {
            Some(bits) => assert_eq!(nan, fpcore::Rounded::exact(bits), "{name}"),
            None => assert!(nan.flags.contains(Flags::INVALID), "{name}"),
        }
        let snan = parse_value(&env, &f, "-sNaN").expect("snan");
        if f.has_nan() {
            assert!(f.unpack(snan.value).is_nan(), "{name}");
        }
    }
    let r = parse_value(&env, &b32, "-snan").expect("snan");
    assert_eq!(r, fpcore::Rounded::exact(0xFF80_0001));
    assert_eq!(format_hexfloat(&b32, 0xFF80_0001), "-snan");
    assert_eq!(format_shortest(&b32, 0x7FC0_0000), "nan");
    assert_eq!(format_shortest(&b32, 0xFF80_0000), "-inf");
}

/// `digits * 10^exp` scaled to the exponent `base <= exp`.
fn at_exponent(digits: &str, exp: i64, base: i64) -> BigUint {
    let n = BigUint::parse_bytes(digits.as_bytes(), 10).unwrap_or_default();
    n * BigUint::from(10u32).pow((exp - base) as u32)
}

/// Our shortest digits against std's (`{:e}` prints the shortest round-trip digits): the same
/// count, and the same digits unless the exact value lies halfway between the two, where std
/// rounds the last digit up and we take the even one.
fn compare_with_std_digits(ours: &str, std_text: &str, exact: &str) {
    let (sign, digits, exp) = normalize(ours);
    let (std_sign, std_digits, std_exp) = normalize(std_text);
    assert_eq!((sign, digits.len()), (std_sign, std_digits.len()), "'{ours}' vs std '{std_text}'");
    if (&digits, exp) == (&std_digits, std_exp) {
        return;
    }
    let (_, x_digits, x_exp) = normalize(exact);
    let base = exp.min(std_exp).min(x_exp);
    let (a, b) = (at_exponent(&digits, exp, base), at_exponent(&std_digits, std_exp, base));
    let twice_x = at_exponent(&x_digits, x_exp, base) * 2u32;
    assert_eq!(a + b, twice_x, "'{ours}' vs std '{std_text}': not a tie around {exact}");
    let last = digits.bytes().last().expect("digits");
    assert_eq!(last % 2, 0, "'{ours}' vs std '{std_text}': the tie should go to the even digit");
}

#[test]
fn shortest_f64_and_f32_parse_back_with_std_digit_counts() {
    let mut rng = SplitMix::new(3);
    let (f64_fmt, f32_fmt) = (fmt("binary64"), fmt("binary32"));
    for i in 0..40_000 {
        let bits = random_f64_bits(&mut rng) | if i % 2 == 0 { 1 << 63 } else { 0 };
        let text = format_shortest(&f64_fmt, u128::from(bits));
        assert_eq!(text.parse::<f64>().expect("std parses").to_bits(), bits, "'{text}'");
        let exact = format_exact_decimal(&f64_fmt, u128::from(bits));
        compare_with_std_digits(&text, &format!("{:e}", f64::from_bits(bits)), &exact);

        let bits = (rng.next_u64() % 0x7F80_0000) as u32 | if i % 3 == 0 { 1 << 31 } else { 0 };
        let text = format_shortest(&f32_fmt, u128::from(bits));
        assert_eq!(text.parse::<f32>().expect("std parses").to_bits(), bits, "'{text}'");
        let exact = format_exact_decimal(&f32_fmt, u128::from(bits));
        compare_with_std_digits(&text, &format!("{:e}", f32::from_bits(bits)), &exact);
    }
    assert_eq!(format_shortest(&f64_fmt, 0x3FF0_0000_0000_0000), "1");
    assert_eq!(format_shortest(&f64_fmt, 0x8000_0000_0000_0000), "-0");
    assert_eq!(format_shortest(&f64_fmt, 1), "5e-324");
}

/// A random hex-float literal and its exact value as a decimal, by integer arithmetic.
fn random_hexfloat(rng: &mut SplitMix) -> (String, String) {
    let n = rng.range(1, 40) as usize;
    let point = rng.range(0, n as i64) as usize;
    let mut digits = String::new();
    let mut text = String::from("0x");
    for i in 0..n {
        if i == point {
            text.push('.');
        }
        let d = char::from_digit((rng.next_u64() % 16) as u32, 16).expect("hex digit");
        digits.push(d);
        text.push(if rng.next_u64() % 2 == 0 { d.to_ascii_uppercase() } else { d });
    }
    let e = rng.range(-1200, 1100);
    if e != 0 || rng.next_u64() % 2 == 0 {
        text.push_str(&format!("p{e}"));
    }
    let m = BigUint::parse_bytes(digits.as_bytes(), 16).expect("hex");
    let value_exp = e - 4 * (n - point) as i64;
    let decimal = if m.is_zero() { "0".to_string() } else { exact_decimal_of(&m, value_exp) };
    (text, decimal)
}

#[test]
fn hexfloats_round_like_std_decimal_of_their_exact_value() {
    let mut rng = SplitMix::new(4);
    let env = Env::default();
    for _ in 0..20_000 {
        let (text, decimal) = random_hexfloat(&mut rng);
        for (name, want) in [
            ("binary64", u128::from(decimal.parse::<f64>().expect("std").to_bits())),
            ("binary32", u128::from(decimal.parse::<f32>().expect("std").to_bits())),
        ] {
            let f = fmt(name);
            let got = parse_hexfloat(&env, &f, &text).expect("parses");
            assert_eq!(got.value, want, "{name} '{text}' = {decimal}");
            let neg = parse_value(&env, &f, &format!("-{text}")).expect("parses");
            assert_eq!(neg.value, want | 1 << (f.bits() - 1), "{name} '-{text}'");
        }
    }
    let f = fmt("binary64");
    for bits in [1u64, 0x000F_FFFF_FFFF_FFFF, 0x7FEF_FFFF_FFFF_FFFF, 0x3FF8_0000_0000_0000] {
        let text = format_hexfloat(&f, u128::from(bits));
        assert_eq!(parse_hexfloat(&env, &f, &text).expect("parses").value, u128::from(bits));
    }
    assert_eq!(format_hexfloat(&f, 0x4008_0000_0000_0000), "0x1.8p+1");
    assert_eq!(format_hexfloat(&f, 0x8000_0000_0000_0000), "-0x0p+0");
    assert_eq!(format_hexfloat(&fmt("binary32"), 0x8000_0001), "-0x1p-149");
    for text in
        ["0x1p99999999999999999999999", "0x0.0000001p-99999999999999999999", "0x0p99999999999"]
    {
        assert!(parse_hexfloat(&env, &f, text).is_ok(), "'{text}'");
    }
    let r = parse_hexfloat(&env, &f, "0x1p99999999999999999999999").expect("parses");
    assert_eq!(r.flags, Flags::OVERFLOW.union(Flags::INEXACT));
    let r = parse_hexfloat(&env, &f, "-0x1p-99999999999999999999999").expect("parses");
    assert_eq!((r.value, r.flags), (1 << 63, Flags::UNDERFLOW.union(Flags::INEXACT)));
}

#[test]
fn round_trips_in_wide_and_abstract_formats() {
    let env = Env::default();
    let mut rng = SplitMix::new(5);
    for name in ["binary128", "binary64", "p=64,emin=-1000,emax=1000", "p=1,emin=-3,emax=4", "e3m4"]
    {
        let f = fmt(name);
        for _ in 0..500 {
            let bits = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) & f.mask();
            if f.unpack(bits).is_nan() {
                continue;
            }
            for text in [
                format_shortest(&f, bits),
                format_hexfloat(&f, bits),
                format_exact_decimal(&f, bits),
            ] {
                let r = parse_value(&env, &f, &text).expect("parses");
                assert_eq!(r.value, bits, "{name} {bits:#x} '{text}'");
            }
        }
    }
}

#[test]
fn malformed_text_is_an_error_never_a_panic() {
    let env = Env::default();
    let f = fmt("binary32");
    let bad_decimal = [
        "", "+", "-", ".", "e5", "1e", "1e+", "1e-", "--1", "+-1", "1.2.3", "1..2", "1 ", " 1",
        "1e5.5", "0x", "0x1p3", "١", "1é", "１", "in", "infinit", "nana", "1_000", "1e5e5", "∞",
        "NaN(1)",
    ];
    for text in bad_decimal {
        assert!(parse_decimal(&env, &f, text).is_err(), "decimal '{text}'");
    }
    let bad_hex = [
        "", "0x", "0X", "0x.", "0xp1", "0x1p", "0x1p+", "--0x1", "0x1.2.3", "0x1g", "1.5",
        "0x1p1.5", "0x1 ", "0x１", "0xé", "x1", "00x1", "0x-1", "0x1q",
    ];
    for text in bad_hex {
        assert!(parse_hexfloat(&env, &f, text).is_err(), "hex '{text}'");
    }
    for text in ["", "0x", "--1", "1.2.3", "é", "0x1.2.3", "-0xg"] {
        assert!(parse_value(&env, &f, text).is_err(), "value '{text}'");
    }
    let message = parse_decimal(&env, &f, "1.2.3").expect_err("bad").to_string();
    assert!(message.starts_with("'1.2.3' is not a decimal number"), "{message}");

    // Random strings from a small alphabet: never a panic; decimal acceptance agrees with std
    // wherever std's grammar is ours (no signaling NaN spelling).
    let alphabet =
        ["0", "1", "9", ".", "e", "E", "+", "-", "x", "p", "a", "f", "i", "n", "inf", "nan", "é"];
    let mut rng = SplitMix::new(6);
    for _ in 0..50_000 {
        let len = rng.range(0, 8);
        let text: String =
            (0..len).map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize]).collect();
        for name in ["binary32", "e4m3fn", "e2m1fn"] {
            let g = fmt(name);
            let _ = parse_hexfloat(&env, &g, &text);
            let _ = parse_value(&env, &g, &text);
            let _ = parse_decimal(&env, &g, &text);
        }
        let ours = parse_decimal(&env, &f, &text);
        match text.parse::<f32>() {
            Ok(x) => {
                let r = ours.unwrap_or_else(|e| panic!("'{text}': std accepts, we say {e}"));
                if x.is_nan() {
                    assert!(f.unpack(r.value).is_nan(), "'{text}'");
                } else {
                    assert_eq!(r.value, u128::from(x.to_bits()), "'{text}'");
                }
            }
            Err(_) => {
                assert!(ours.is_err() || text.to_ascii_lowercase().contains("snan"), "'{text}'")
            }
        }
    }
}

#[test]
fn million_digit_decimals_parse() {
    let env = Env::default();
    let mut rng = SplitMix::new(8);
    let mut text = String::from("0.");
    for _ in 0..1_000_000 {
        text.push(rng.digit());
    }
    check_vs_std(&text);
    let with_exp = format!("{text}e-300");
    check_vs_std(&with_exp);
    // A format whose exponent range needs every one of the million digits.
    let wide = fmt("p=53,emin=-1000000,emax=1000000");
    let b64 = fmt("binary64");
    let r = parse_decimal(&env, &wide, &text).expect("parses");
    let back = fpcore::convert(&env, &wide, &b64, r.value);
    assert_eq!(
        back,
        fpcore::Rounded::exact(u128::from(text.parse::<f64>().expect("std").to_bits()))
    );
    let _ = parse_decimal(&env, &fmt("binary128"), &text).expect("parses");
    let r = parse_decimal(&env, &wide, &"1".repeat(300_000)).expect("parses");
    assert!(!r.flags.contains(Flags::OVERFLOW));
    let ones = "1".repeat(1_000_000);
    let r = parse_decimal(&env, &wide, &ones).expect("parses");
    assert_eq!(r.flags, Flags::OVERFLOW.union(Flags::INEXACT));
    let r = parse_decimal(&env, &b64, &ones).expect("parses");
    assert_eq!(r.flags, Flags::OVERFLOW.union(Flags::INEXACT));
    let tiny = format!("0.{}1", "0".repeat(1_000_000));
    let r = parse_decimal(&env, &b64, &tiny).expect("parses");
    assert_eq!((r.value, r.flags), (0, Flags::UNDERFLOW.union(Flags::INEXACT)));
    let r = parse_decimal(&env, &wide, &tiny).expect("parses");
    assert!(r.flags.contains(Flags::UNDERFLOW));
    // The smallest subnormal of the wide format and the midpoint below it.
    let min = wide.min_positive(false);
    let exact = format_exact_decimal(&wide, min);
    assert_eq!(parse_decimal(&env, &wide, &exact).expect("parses"), fpcore::Rounded::exact(min));
    let short = format_shortest(&wide, min);
    assert_eq!(parse_decimal(&env, &wide, &short).expect("parses").value, min);
}

#[test]
fn parsing_matches_conversion_from_binary64_in_every_env() {
    use fpcore::{NanPolicy, OverflowPolicy, Tininess};
    let b64 = fmt("binary64");
    let mut rng = SplitMix::new(9);
    let mut envs = Vec::new();
    for tininess in [Tininess::AfterRounding, Tininess::BeforeRounding] {
        for overflow in [OverflowPolicy::Ieee, OverflowPolicy::Saturate] {
            envs.push(Env { tininess, nan: NanPolicy::Canonical, overflow, ..Env::default() });
        }
    }
    for name in [
        "binary16",
        "e4m3fn",
        "e4m3fnuz",
        "e5m2",
        "e2m1fn",
        "p=4,emin=-6,emax=8",
        "p=1,emin=-3,emax=4",
    ] {
        let f = fmt(name);
        for _ in 0..4000 {
            // Few significant bits, so that ties and exact values are common; exponents from
            // below half the smallest subnormal to past the overflow threshold.
            let n_bits = rng.range(1, 8);
            let sig = (rng.next_u64() >> (64 - n_bits)) | 1 << (n_bits - 1);
            let exp = rng.range(i64::from(f.qmin()) - 4, i64::from(f.emax()) + 3) - (n_bits - 1);
            let field = (exp + n_bits - 1 + 1023) as u64;
            let frac = (sig << (53 - n_bits)) & ((1 << 52) - 1);
            let bits = u128::from(field << 52 | frac | (rng.next_u64() & 1) << 63);
            for env in &envs {
                let want = fpcore::convert(env, &b64, &f, bits);
                for text in [format_exact_decimal(&b64, bits), format_hexfloat(&b64, bits)] {
                    let got = parse_value(env, &f, &text).expect("parses");
                    assert_eq!(got, want, "{name} {env:?} '{text}'");
                }
            }
        }
    }
}
