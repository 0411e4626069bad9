//! `fpx mx quantize|dequantize|dot` end to end, on blocks whose results are worked out by hand
//! from OCP MX v1.0's definitions, their errors, and `fpx formats` listing every ml_dtypes and
//! P3109 name.

use crate::support::cli::{fpx, stderr, stdout};

#[test]
fn mx_quantize_dequantize_and_dot_by_hand() {
    // max |v| = 3: floor(log2 3) = 1, e2m1fn's emax is 2, so X = 2^-1 (E8M0 code 126 = 0x7E);
    // v / X = 2, 6, -1, 0 are e2m1fn 0x4, 0x7, 0xA, 0x0.
    let out =
        fpx(&["mx", "quantize", "--elem", "e2m1fn", "--block", "4", "--text"], "1 3 -0.5 0\n");
    assert_eq!(stdout(&out), "7E 4 7 A 0\n", "{}", stderr(&out));
    let out = fpx(&["mx", "dequantize", "--elem", "mxfp4", "--text"], "7E 4 7 A 0\n");
    assert_eq!(stdout(&out), "0x1p+0 0x1.8p+1 -0x1p-1 0x0p+0\n", "{}", stderr(&out));
    // max 7: floor(log2 7) = 2, so X = 2^(2 - 2) = 1 (0x7F); 5 is a tie between e2m1fn's 4
    // and 6 that goes to the even 4 (0x6), and 7 saturates to 6 (0x7).
    let out = fpx(&["mx", "quantize", "--elem", "e2m1fn", "--block", "2"], "40A00000 40E00000\n");
    assert_eq!(stdout(&out), "7F 6 7\n", "{}", stderr(&out));
    // A block holding an infinity gets the NaN scale.
    let out = fpx(&["mx", "quantize", "--elem", "e4m3fn", "--block", "2"], "3F800000 7F800000\n");
    assert_eq!(stdout(&out), "FF 00 00\n");
    // MXINT8: max 2 gives X = 2^(1 - 0); 1 / 2 = 32/64 (0x20), -2 / 2 = -64/64 (0xC0).
    let out = fpx(&["mx", "quantize", "--elem", "int8", "--block", "2"], "3F800000 C0000000\n");
    assert_eq!(stdout(&out), "80 20 C0\n");
    // (1 * 1 + 1 * -2) * 2^0 * 2^0 = -1, exact; 2^127 * 2^127 overflows binary32 (flags 05).
    let out = fpx(&["mx", "dot", "--elem", "e4m3fn"], "7F 38 38 7F 38 C0\nFE 38 FE 38\n");
    assert_eq!(stdout(&out), "BF800000 00\n7F800000 05\n", "{}", stderr(&out));
}

#[test]
fn mx_errors_name_the_line_and_what_is_expected() {
    let out = fpx(&["mx", "quantize", "--elem", "e4m3fn", "--block", "3"], "3F800000\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 1: expected a block of 3 values (--block 3), got 1"));
    let out = fpx(&["mx", "dot", "--elem", "e4m3fn"], "7F 38 7F\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected two blocks"), "{}", stderr(&out));
    let out = fpx(&["mx", "dot", "--elem", "e4m3fn"], "7F 38 38 7F 38\n7F 7F\n");
    assert_eq!(out.status.code(), Some(2));
    let out = fpx(&["mx", "dequantize", "--elem", "binary32"], "7F 38\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown MX element type 'binary32'"), "{}", stderr(&out));
    let out = fpx(&["mx", "dequantize", "--elem", "e2m1fn"], "7F 1F\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("element '1F'"), "{}", stderr(&out));
    let out = fpx(&["mx", "quantize", "--elem", "e4m3fn", "--block", "0"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn formats_lists_every_ml_dtypes_and_p3109_name() {
    let out = fpx(&["formats"], "");
    let table = stdout(&out);
    let names = ["float4_e2m1fn", "float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz"];
    let more = ["float8_e8m0fnu", "p3109_k8p1se", "p3109_k8p3sf", "p3109_k8p8uf"];
    for name in names.into_iter().chain(more) {
        let listed = table
            .lines()
            .any(|l| l.split(|c: char| c.is_whitespace() || c == ',').any(|w| w == name));
        assert!(listed, "{name} missing from\n{table}");
    }
}
