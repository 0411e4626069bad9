//! The modelled environments of docs/semantics.md §7 against the systems they model, run
//! through the Python interpreter of `FPX_PYTHON` (scripts/test installs numpy, ml_dtypes and
//! jax in its virtual environment):
//!
//! - `--nan ml_dtypes` against ml_dtypes itself: every pair of every 8-bit-or-smaller type fpx
//!   has (e4m3b11fnuz and e8m0fnu included; e8m0fnu with `--via binary32`, as ml_dtypes
//!   computes it), for add, sub, mul and div; every operand for sqrt; conversions of binary32
//!   edge values to each type; bfloat16 on sampled pairs;
//! - `--via binary32 --daz --ftz --nan ml_dtypes` against JAX's own bfloat16 arithmetic on CPU
//!   (XLA computes bfloat16 in binary32 with denormals read as zero and results flushed).
//!
//! Without the interpreter or the packages the tests cannot run; they say so, and fail in CI.

use std::process::Command;

#[allow(dead_code, reason = "the generator's other draws serve other test binaries")]
#[path = "support/rng.rs"]
mod rng;

use fpcore::{convert, Env, Format, NanPolicy, Op};

/// The interpreter with numpy, ml_dtypes (and jax when `jax`), or `None` when there is none.
fn python(jax: bool) -> Option<std::ffi::OsString> {
    // scripts/test sets FPX_PYTHON to the interpreter of its own virtual environment.
    let python = std::env::var_os("FPX_PYTHON").unwrap_or_else(|| "python3".into());
    let import = if jax { "import numpy, ml_dtypes, jax" } else { "import numpy, ml_dtypes" };
    let probe = Command::new(&python).args(["-c", import]).output();
    if probe.is_ok_and(|o| o.status.success()) {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{import} must work in CI (scripts/test installs them)"
    );
    eprintln!("'{import}' failed: the comparison was not run");
    None
}

/// Runs `script` and returns its standard output.
fn run(python: &std::ffi::OsString, script: &str) -> String {
    let out = Command::new(python).args(["-c", script]).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("ASCII output")
}

/// The ml_dtypes types fpx has, with fpx's names for them.
const ML_DTYPES: [(&str, &str); 11] = [
    ("float8_e5m2", "e5m2"),
    ("float8_e4m3fn", "e4m3fn"),
    ("float8_e4m3fnuz", "e4m3fnuz"),
    ("float8_e5m2fnuz", "e5m2fnuz"),
    ("float8_e4m3", "e4m3"),
    ("float8_e3m4", "e3m4"),
    ("float4_e2m1fn", "e2m1fn"),
    ("float6_e2m3fn", "e2m3fn"),
    ("float6_e3m2fn", "e3m2fn"),
    ("float8_e4m3b11fnuz", "e4m3b11fnuz"),
    ("float8_e8m0fnu", "e8m0fnu"),
];

/// The environment that reproduces ml_dtypes' arithmetic on `fmt`: its NaNs, and for
/// e8m0fnu the binary32 computation ml_dtypes runs, whose range its products and quotients
/// leave (2^-254 ..= 2^254: 2^-127 * 2^-127 is +0 in binary32, which e8m0fnu reads as NaN).
/// For the other types that double rounding is innocuous (crates/fpcore/tests/ml_dtypes.rs),
/// and the exact operation's result is ml_dtypes'.
fn ml_dtypes_env(fmt: &Format) -> Env {
    let via = (*fmt == Format::E8M0FNU).then_some(Format::BINARY32);
    Env { nan: NanPolicy::MlDtypes, via, ..Env::default() }
}

/// For each type: `TYPE OP r0 r1 ...` with every pair (a, b) in order a * 2^bits + b (sqrt:
/// every a), and `TYPE cvt r0 ...` for the binary32 edge values; results in hex.
const ML_DTYPES_SCRIPT: &str = r#"
import sys, warnings
import numpy as np, ml_dtypes
warnings.simplefilter("ignore")
types = sys.argv[1].split(",")
edges = [int(x, 16) for x in sys.argv[2].split(",")]
for name in types:
    t = getattr(ml_dtypes, name)
    bits = ml_dtypes.finfo(t).bits
    n = 1 << bits
    codes = np.arange(n, dtype=np.uint8).view(t)
    a = np.repeat(codes, n)
    b = np.tile(codes, n)
    for op, f in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.divide)]:
        r = f(a, b).view(np.uint8)
        print(name, op, " ".join("%x" % v for v in r))
    r = np.sqrt(codes).view(np.uint8)
    print(name, "sqrt", " ".join("%x" % v for v in r))
    x = np.array(edges, dtype=np.uint32).view(np.float32).astype(t).view(np.uint8)
    print(name, "cvt", " ".join("%x" % v for v in x))
"#;

/// binary32 edge values: zeros, subnormals, normals near each type's ranges, ties, the
/// largest finite, infinities and NaNs with and without payloads, of both signs.
const EDGES: [u32; 24] = [
    0x0000_0000,
    0x8000_0000,
    0x0000_0001,
    0x8040_0000,
    0x3F80_0000,
    0xBF80_0000,
    0x3F88_0000,
    0x43E0_0000,
    0x43F0_0000,
    0xC3F0_0000,
    0x4780_0000,
    0x4770_0000,
    0x3B00_0000,
    0x3A80_0000,
    0x7F7F_FFFF,
    0xFF7F_FFFF,
    0x7F80_0000,
    0xFF80_0000,
    0x7FC0_0000,
    0xFFC0_0000,
    0x7FC1_2345,
    0xFF81_2345,
    0x7F80_0001,
    0x40C0_0000,
];

#[test]
fn nan_policy_ml_dtypes_matches_ml_dtypes_exhaustively() {
    let Some(python) = python(false) else { return };
    let types: Vec<&str> = ML_DTYPES.iter().map(|(name, _)| *name).collect();
    let edges: Vec<String> = EDGES.iter().map(|e| format!("{e:x}")).collect();
    let script = format!(
        "import sys; sys.argv = ['', '{}', '{}']\n{ML_DTYPES_SCRIPT}",
        types.join(","),
        edges.join(",")
    );
    let out = run(&python, &script);
    let mut checked = 0;
    for line in out.lines() {
        let mut fields = line.split(' ');
        let (Some(name), Some(op)) = (fields.next(), fields.next()) else { continue };
        let want: Vec<u128> =
            fields.map(|f| u128::from_str_radix(f, 16).expect("hex result")).collect();
        let fpx_name = ML_DTYPES.iter().find(|(n, _)| *n == name).expect("a listed type").1;
        let fmt = Format::parse(fpx_name).expect("fpx has the format");
        let env = ml_dtypes_env(&fmt);
        let n = 1u128 << fmt.bits();
        let mut mismatches = Vec::new();
        for (i, &want) in want.iter().enumerate() {
            let i = i as u128;
            let (operands, got) = match op {
                "cvt" => {
                    let x = u128::from(EDGES[i as usize]);
                    (vec![x], convert(&env, &Format::BINARY32, &fmt, x).value)
                }
                "sqrt" => (vec![i], Op::Sqrt.eval(&env, &fmt, &[i]).value),
                _ => {
                    let op = Op::parse(op).expect("an operation name");
                    let (a, b) = (i / n, i % n);
                    (vec![a, b], op.eval(&env, &fmt, &[a, b]).value)
                }
            };
            if got != want {
                mismatches.push(format!("{operands:x?}: fpx {got:#x}, ml_dtypes {want:#x}"));
            }
            checked += 1;
        }
        assert!(
            mismatches.is_empty(),
            "{name} {op}: {} differ, first: {:?}",
            mismatches.len(),
            &mismatches[..mismatches.len().min(8)]
        );
    }
    // Four operations on every pair, sqrt on every operand and the edge conversions.
    let expected: usize = ML_DTYPES
        .iter()
        .map(|(_, f)| {
            let n = 1usize << Format::parse(f).expect("format").bits();
            4 * n * n + n + EDGES.len()
        })
        .sum();
    assert_eq!(checked, expected, "every case was compared");
}

/// Random bfloat16 operand pairs (SplitMix64), half of them drawn from the special classes.
fn bf16_pairs(count: usize) -> Vec<(u128, u128)> {
    let mut rng = rng::SplitMix::new(0xBF16_BF16);
    let mut next = move || rng.next_u64();
    let special: [u16; 10] =
        [0x0000, 0x8000, 0x0001, 0x807F, 0x0080, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0, 0xFFC1];
    let mut draw = move || {
        let r = next();
        let v = (r >> 16) as u16;
        match r % 4 {
            0 => u128::from(special[(r >> 8) as usize % special.len()]),
            // Subnormals and the smallest normals.
            1 => u128::from(v & 0x80FF),
            _ => u128::from(v),
        }
    };
    (0..count).map(|_| (draw(), draw())).collect()
}

/// Operands in (hex, pairs flattened), results out: the bfloat16 operation `argv[1]` of
/// `argv[2]`, JAX's jitted operation on CPU or ml_dtypes' numpy ufunc.
const BF16_SCRIPT: &str = r#"
import sys, warnings
import numpy as np, ml_dtypes
warnings.simplefilter("ignore")
op, system = sys.argv[1], sys.argv[2]
data = sys.stdin.read().split()
vals = np.array([int(x, 16) for x in data], dtype=np.uint16).view(ml_dtypes.bfloat16)
if system == "jax":
    import jax, jax.numpy as jnp
    jax.config.update("jax_platforms", "cpu")
    ops = {"add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.divide}
    f = jax.jit(jnp.sqrt if op == "sqrt" else ops[op])
    args = [jnp.asarray(vals)] if op == "sqrt" else [jnp.asarray(vals[0::2]), jnp.asarray(vals[1::2])]
else:
    ops = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
    f = np.sqrt if op == "sqrt" else ops[op]
    args = [vals] if op == "sqrt" else [vals[0::2], vals[1::2]]
print(" ".join("%x" % v for v in np.asarray(f(*args)).view(np.uint16)))
"#;

/// The results of `system` (`jax` or `ml_dtypes`) for `op` on bfloat16 `operands`.
fn bf16_results(
    python: &std::ffi::OsString,
    system: &str,
    op: Op,
    operands: &[Vec<u128>],
) -> Vec<u128> {
    use std::io::Write as _;
    let input: Vec<String> = operands.iter().flatten().map(|x| format!("{x:x}")).collect();
    let mut child = Command::new(python)
        .arg("-c")
        .arg(BF16_SCRIPT)
        .arg(op.name())
        .arg(system)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.join(" ").as_bytes())
        .expect("write operands");
    let out = child.wait_with_output().expect("python output");
    assert!(out.status.success(), "{system}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("ASCII");
    let results: Vec<u128> =
        text.split_whitespace().map(|f| u128::from_str_radix(f, 16).expect("hex result")).collect();
    assert_eq!(results.len(), operands.len(), "{system} {op}: one result per case");
    results
}

/// Compares fpx under `env` with `system` on sampled bfloat16 operands for every arithmetic
/// operation; returns how many cases exact IEEE arithmetic gets wrong.
fn compare_bf16(python: &std::ffi::OsString, system: &str, env: &Env) -> usize {
    let fmt = Format::BF16;
    let pairs = bf16_pairs(50_000);
    let mut exact_differs = 0;
    for op in [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Sqrt] {
        let operands: Vec<Vec<u128>> =
            pairs.iter().map(|&(a, b)| if op == Op::Sqrt { vec![a] } else { vec![a, b] }).collect();
        let want = bf16_results(python, system, op, &operands);
        let mut mismatches = Vec::new();
        for (xs, &want) in operands.iter().zip(&want) {
            let got = op.eval(env, &fmt, xs).value;
            if got != want {
                mismatches.push(format!("{xs:x?}: fpx {got:#x}, {system} {want:#x}"));
            }
            if op.eval(&Env::default(), &fmt, xs).value != want {
                exact_differs += 1;
            }
        }
        assert!(
            mismatches.is_empty(),
            "{op}: {} of {} differ, first: {:?}",
            mismatches.len(),
            operands.len(),
            &mismatches[..mismatches.len().min(8)]
        );
    }
    exact_differs
}

#[test]
fn nan_policy_ml_dtypes_matches_ml_dtypes_bfloat16_sampled() {
    let Some(python) = python(false) else { return };
    let env = Env { nan: NanPolicy::MlDtypes, ..Env::default() };
    // ml_dtypes computes in binary32 and rounds (innocuous for bfloat16): only NaNs differ.
    let exact_differs = compare_bf16(&python, "ml_dtypes", &env);
    assert!(exact_differs > 100, "only {exact_differs} NaN cases tell the policies apart");
}

#[test]
fn via_binary32_daz_ftz_matches_jax_bfloat16_on_cpu() {
    let Some(python) = python(true) else { return };
    let env = Env {
        via: Some(Format::BINARY32),
        daz: true,
        ftz: true,
        nan: NanPolicy::XlaCpu,
        ..Env::default()
    };
    let exact_differs = compare_bf16(&python, "jax", &env);
    // The model matters: exact IEEE bfloat16 differs from JAX on these operands.
    assert!(exact_differs > 1000, "only {exact_differs} cases tell the model from IEEE");
}

/// The host's binary32 and binary64 arithmetic under x86's MXCSR.FTZ and MXCSR.DAZ, against
/// `--daz`, `--ftz` and `--nan x86` (values; the host's flags are not read).
#[test]
#[allow(clippy::float_arithmetic, reason = "the host's arithmetic is the system checked")]
fn daz_ftz_match_the_host_under_mxcsr() {
    use fpref::hostfp::{with_mxcsr, DAZ, FTZ};
    use std::hint::black_box;
    type HostOp = fn(f64, f64) -> f64;
    let ops: [(Op, HostOp); 5] = [
        (Op::Add, |a, b| a + b),
        (Op::Sub, |a, b| a - b),
        (Op::Mul, |a, b| a * b),
        (Op::Div, |a, b| a / b),
        (Op::Sqrt, |a, _| a.sqrt()),
    ];
    type HostOp32 = fn(f32, f32) -> f32;
    let ops32: [HostOp32; 5] =
        [|a, b| a + b, |a, b| a - b, |a, b| a * b, |a, b| a / b, |a, _| a.sqrt()];
    let mut rng = rng::SplitMix::new(0x0DA2_F122);
    let mut next = move || rng.next_u64();
    for (bits, daz, ftz) in [(DAZ | FTZ, true, true), (FTZ, false, true), (DAZ, true, false)] {
        let env = Env { daz, ftz, nan: NanPolicy::X86Sse, ..Env::default() };
        let mut checked = 0;
        for _ in 0..20_000 {
            let r = next();
            // Subnormal and near-subnormal operands half of the time.
            let (a32, b32) = if r % 2 == 0 {
                ((r >> 8) as u32 & 0x80FF_FFFF, (r >> 40) as u32 & 0x81FF_FFFF | 0x3E00_0000)
            } else {
                ((r >> 1) as u32, (r >> 33) as u32)
            };
            let (a64, b64) = if r % 2 == 0 {
                (r & 0x800F_FFFF_FFFF_FFFF, next() & 0x801F_FFFF_FFFF_FFFF | 0x3FC0_0000_0000_0000)
            } else {
                (r, next())
            };
            for (i, (op, host)) in ops.iter().enumerate() {
                let host32 = ops32[i];
                let ((h32, h64), changed) = with_mxcsr(bits, || {
                    let x = host32(black_box(f32::from_bits(a32)), black_box(f32::from_bits(b32)));
                    let y = host(black_box(f64::from_bits(a64)), black_box(f64::from_bits(b64)));
                    (black_box(x).to_bits(), black_box(y).to_bits())
                });
                if !changed {
                    eprintln!("not an x86-64 host: the MXCSR comparison was not run");
                    return;
                }
                let operands32: Vec<u128> =
                    [a32, b32][..op.arity()].iter().map(|&x| u128::from(x)).collect();
                let operands64: Vec<u128> =
                    [a64, b64][..op.arity()].iter().map(|&x| u128::from(x)).collect();
                let got32 = op.eval(&env, &Format::BINARY32, &operands32).value;
                let got64 = op.eval(&env, &Format::BINARY64, &operands64).value;
                assert_eq!(got32, u128::from(h32), "binary32 {op} {a32:#x} {b32:#x} {env:?}");
                assert_eq!(got64, u128::from(h64), "binary64 {op} {a64:#x} {b64:#x} {env:?}");
                checked += 2;
            }
        }
        assert_eq!(checked, 200_000);
    }
}

/// The options on the command line: `fpx batch` with each, on cases whose answers the systems
/// modelled give (x86 FTZ flushes the exact subnormal 2^-127 and sets underflow and
/// precision; JAX reads the bfloat16 subnormal as zero; P3109's sat-finite clamps inf + 1).
#[test]
fn batch_takes_the_modelling_options() {
    let cases: [(&[&str], &str, &str); 4] = [
        (&["--format", "binary32", "--op", "mul", "--ftz"], "00800000 3F000000", "00000000 03"),
        (
            &["--format", "bf16", "--op", "add", "--via", "binary32", "--daz", "--ftz"],
            "3F80 0001",
            "3F80 00",
        ),
        (&["--format", "e5m2", "--op", "add", "--overflow", "sat-finite"], "7C 3C", "7B 00"),
        (&["--format", "e5m2", "--op", "add", "--saturate"], "7C 3C", "7C 00"),
    ];
    for (args, input, want) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fpx"))
            .arg("batch")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run fpx");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            writeln!(stdin, "{input}").expect("write the case");
        }
        let out = child.wait_with_output().expect("fpx output");
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        assert_eq!(text.trim_end(), format!("{input} {want}"), "{args:?}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_fpx"))
        .args(["batch", "--format", "e5m2", "--op", "add", "--via", "binary17"])
        .output()
        .expect("run fpx");
    assert_eq!(out.status.code(), Some(2), "a bad --via format is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format 'binary17'"));
}
