//! Parsers never panic: format names, decimal, hex-float and bit-pattern literals, for any
//! bytes. Whatever parses as a finite value prints back to text that parses to the same bits.
#![no_main]

use fpcore::text::{bits::parse_bits, format_hexfloat, format_shortest, parse_decimal, parse_hexfloat, parse_value};
use fpcore::{Env, Format};
use libfuzzer_sys::fuzz_target;

const FORMATS: &[&str] = &["binary16", "bf16", "binary32", "binary64", "binary128", "e4m3fn", "e5m2fnuz", "e2m1fn", "p=4,emin=-6,emax=8", "p=1,emin=-3,emax=3"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let _ = Format::parse(text);
    let fmt = Format::parse(FORMATS[usize::from(selector) % FORMATS.len()]).expect("listed formats parse");
    let env = Env::default();
    let _ = parse_bits(&fmt, text);
    let _ = parse_hexfloat(&env, &fmt, text);
    let _ = parse_decimal(&env, &fmt, text);
    if let Ok(r) = parse_value(&env, &fmt, text) {
        if !fmt.unpack(r.value).is_nan() {
            let shortest = format_shortest(&fmt, r.value);
            let back = parse_decimal(&env, &fmt, &shortest).expect("shortest output parses");
            assert_eq!(back.value, r.value, "{text} -> {shortest}");
            let hex = format_hexfloat(&fmt, r.value);
            let back = parse_hexfloat(&env, &fmt, &hex).expect("hex-float output parses");
            assert_eq!(back.value, r.value, "{text} -> {hex}");
        }
    }
});
