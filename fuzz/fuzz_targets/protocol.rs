//! The oracle protocol never panics on input: arbitrary bytes as `fpx verify` and `fpx batch`
//! input (with the format and operation taken from the first byte) give results or errors.
#![no_main]

use fpcore::{Env, Format};
use fporacle::oracle::{Oracle, VerifyOptions};
use fporacle::protocol::{Notation, Op};
use libfuzzer_sys::fuzz_target;

const SETUPS: &[(&str, &str)] = &[
    ("binary16", "add"), ("binary32", "fma"), ("e4m3fn", "mul"), ("binary128", "div"),
    ("bf16", "sqrt"), ("binary32", "cvt:e5m2"), ("p=4,emin=-6,emax=8", "sub"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (format, op) = SETUPS[usize::from(selector & 0x3f) % SETUPS.len()];
    let oracle = Oracle {
        env: Env::default(),
        fmt: Format::parse(format).expect("listed formats parse"),
        op: Op::parse(op).expect("listed ops parse"),
        notation: if selector & 0x40 == 0 { Notation::Bits } else { Notation::Text },
    };
    let _ = oracle.batch("fuzz", rest, std::io::sink());
    let _ = oracle.verify(&VerifyOptions::default(), "fuzz", rest, std::io::sink());
});
