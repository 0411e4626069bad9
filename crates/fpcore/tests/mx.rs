//! OCP MX blocks against independent sources: quantizing random binary32 blocks against
//! gfloat's `quantize_block` with `compute_scale_amax` (every element type, the scale and every
//! element's value), and the dot product of random blocks against exact fractions (Python's
//! fractions module, rounded to binary32 by integer arithmetic in the script).

mod common;

use common::{Draw, SplitMix};
use fpcore::mx::{dot, quantize, MxBlock, MxElem};

/// gfloat's element FormatInfo of each element type, by [`MxElem::name`].
const PY_ELEMS: &str = r#"
import sys
from fractions import Fraction
import numpy as np
from gfloat import decode_float
from gfloat.block import BlockFormatInfo, quantize_block, compute_scale_amax
from gfloat.formats import (format_info_ocp_e4m3, format_info_ocp_e5m2, format_info_ocp_e2m3,
    format_info_ocp_e3m2, format_info_ocp_e2m1, format_info_ocp_int8, format_info_ocp_e8m0)
ELEMS = {"e4m3fn": format_info_ocp_e4m3, "e5m2": format_info_ocp_e5m2,
         "e2m3fn": format_info_ocp_e2m3, "e3m2fn": format_info_ocp_e3m2,
         "e2m1fn": format_info_ocp_e2m1, "int8": format_info_ocp_int8}
"#;

/// Reads `ELEM hex32...` lines on argv and prints gfloat's quantized values of each block.
const PY_QUANTIZE: &str = r#"
for line in sys.argv[1:]:
    name, *words = line.split()
    vals = np.array([np.uint32(int(w, 16)) for w in words], dtype=np.uint32).view(np.float32)
    fi = BlockFormatInfo("mx", ELEMS[name], len(vals), format_info_ocp_e8m0)
    out = quantize_block(fi, vals.astype(np.float64), compute_scale_amax)
    print(" ".join(show(v) for v in out))
"#;

/// Reads `ELEM SCALE_A SCALE_B a... b...` lines and prints the exact dot product rounded once
/// to binary32, as the binary32 bits in hex.
const PY_DOT: &str = r#"
def round32(q):
    if q == 0:
        return 0
    sign = 0x80000000 if q < 0 else 0
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    ulp = max(e - 23, -149)
    scaled = a / Fraction(2) ** ulp
    n = scaled.numerator // scaled.denominator
    rem = scaled - n
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and n % 2 == 1):
        n += 1
    v = Fraction(n) * Fraction(2) ** ulp
    if v >= Fraction(2) ** 128:
        return sign | 0x7F800000
    return sign | int(np.array([float(v)], dtype=np.float32).view(np.uint32)[0])

for line in sys.argv[1:]:
    name, sa, sb, *codes = line.split()
    k = len(codes) // 2
    fi = ELEMS[name]
    val = lambda c: Fraction(decode_float(fi, int(c, 16)).fval)
    total = sum(val(x) * val(y) for x, y in zip(codes[:k], codes[k:]))
    scale = Fraction(2) ** (int(sa, 16) - 127) * Fraction(2) ** (int(sb, 16) - 127)
    print(f"{round32(total * scale):08X}")
"#;

/// A binary32 pattern: mostly moderate magnitudes, with zeros, subnormals and extremes.
fn value(rng: &mut SplitMix, base_exp: i64) -> u32 {
    let sign = (rng.next_u64() as u32 & 1) << 31;
    match rng.next_u64() % 16 {
        0 => sign,
        1 => sign | (rng.next_u64() as u32 & 0x7F_FFFF),
        2 => sign | 0x7F7F_FFFF,
        _ => {
            let exp = (base_exp + rng.range(-12, 3)).clamp(1, 254) as u32;
            sign | (exp << 23) | (rng.next_u64() as u32 & 0x7F_FFFF)
        }
    }
}

#[test]
fn quantize_matches_gfloat_quantize_block() {
    let mut rng = SplitMix::new(0x3C);
    let mut lines = Vec::new();
    let mut blocks = Vec::new();
    for elem in MxElem::ALL {
        for case in 0..60 {
            let base = [1, 127, 254, 20][case % 4] + rng.range(-8, 8);
            let n = [32, 1, 7, 32][case % 4];
            let mut vals: Vec<u32> = (0..n).map(|_| value(&mut rng, base)).collect();
            if case == 5 {
                vals.iter_mut().for_each(|v| *v &= 0x8000_0000);
            }
            let words: Vec<String> = vals.iter().map(|v| format!("{v:08X}")).collect();
            lines.push(format!("{} {}", elem.name(), words.join(" ")));
            blocks.push((elem, vals));
        }
    }
    let args: Vec<&str> = lines.iter().map(String::as_str).collect();
    let script = format!("{}{PY_ELEMS}{PY_QUANTIZE}", common::PY_EXACT_TEXT);
    let Some(output) = common::python_output("gfloat", &script, &args) else { return };
    let expected: Vec<&str> = output.lines().collect();
    assert_eq!(expected.len(), blocks.len());
    for ((elem, vals), want) in blocks.iter().zip(expected) {
        let block = quantize(*elem, vals);
        // X * P_i exactly (dequantize's binary32 cannot hold MXINT8's -2 * 2^127).
        let shared = i32::from(block.scale) - 127;
        let got: Vec<String> =
            block.elems.iter().map(|&p| common::unpacked_text(elem.unpack(p), shared)).collect();
        assert_eq!(got.join(" "), want, "{elem:?} {vals:08X?} -> {block:X?}");
    }
}

#[test]
fn dot_matches_exact_fractions() {
    let mut rng = SplitMix::new(0xD07);
    let mut lines = Vec::new();
    let mut cases = Vec::new();
    for elem in MxElem::ALL {
        let fmt = elem.format();
        for case in 0..80 {
            let n = [32, 1, 16, 32][case % 4];
            let scale = |rng: &mut SplitMix| {
                [rng.range(0, 254), rng.range(110, 144), 0, 254][case % 4] as u8
            };
            let element = |rng: &mut SplitMix| loop {
                let bits = u128::from(rng.next_u64()) & ((1 << elem.bits()) - 1);
                let special = fmt.is_some_and(|f| {
                    let u = f.unpack(bits);
                    u.is_nan() || u.is_inf()
                });
                if !special {
                    return bits;
                }
            };
            let a = MxBlock {
                scale: scale(&mut rng),
                elems: (0..n).map(|_| element(&mut rng)).collect(),
            };
            let b = MxBlock {
                scale: scale(&mut rng),
                elems: (0..n).map(|_| element(&mut rng)).collect(),
            };
            let codes: Vec<String> =
                a.elems.iter().chain(&b.elems).map(|c| format!("{c:02X}")).collect();
            lines.push(format!(
                "{} {:02X} {:02X} {}",
                elem.name(),
                a.scale,
                b.scale,
                codes.join(" ")
            ));
            cases.push((elem, a, b));
        }
    }
    let args: Vec<&str> = lines.iter().map(String::as_str).collect();
    let script = format!("{PY_ELEMS}{PY_DOT}");
    let Some(output) = common::python_output("gfloat", &script, &args) else { return };
    let expected: Vec<&str> = output.lines().collect();
    assert_eq!(expected.len(), cases.len());
    for ((elem, a, b), want) in cases.iter().zip(expected) {
        let got = dot(*elem, a, b).expect("equal lengths");
        // An exact zero sum is +0 unless every product is -0, which fractions cannot tell:
        // the script prints +0 for both.
        let got_bits = if want == "00000000" { got.value & 0x7FFF_FFFF } else { got.value };
        assert_eq!(format!("{got_bits:08X}"), want, "{elem:?} {a:X?} {b:X?}");
    }
}
