//! `fpx mx quantize|dequantize|dot`: OCP MX blocks (docs/semantics.md §8), one block (or, for
//! `dot`, two blocks) per input line, through `fpcore::mx`.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use fpcore::mx::{dequantize, dot, quantize, MxBlock, MxElem};
use fpcore::text::bits::{format_bits, parse_bits};
use fpcore::text::{format_hexfloat, parse_value};
use fpcore::{Env, Format};
use fporacle::lines::{next_data_line, LineReader};

use crate::args::{InputArgs, LineLimitArgs, NotationArgs};

/// Largest accepted `--block`.
const MAX_BLOCK: usize = 1 << 16;

/// The `fpx mx` subcommands.
#[derive(Subcommand)]
pub enum MxCommand {
    /// Quantize blocks: each input line holds one block of binary32 values (hex bit patterns,
    /// or decimal / hex-float with --text); each output line is `SCALE E1 ... EN` in hex (the
    /// E8M0 scale, then the elements). The scale is 2^(floor(log2 max|v|) - emax of the element
    /// type); elements are v / scale rounded to nearest even, saturated to the element's
    /// largest value; a block with NaN or infinity gets the NaN scale FF.
    Quantize(QuantizeArgs),
    /// Read `SCALE E1 ... EN` lines back: each element times the scale, rounded once to
    /// binary32 (hex, or hex-float with --text).
    Dequantize(BlockArgs),
    /// Dot products: each line holds two blocks, `SCALE_A A1 ... AN SCALE_B B1 ... BN`; prints
    /// the dot product computed exactly and rounded once to binary32, and its flags, in hex.
    Dot(BlockArgs),
}

/// Options shared by the `fpx mx` subcommands.
#[derive(Args)]
pub struct BlockArgs {
    /// The element type: e4m3fn, e5m2, e2m3fn, e3m2fn, e2m1fn or int8 (also mxfp8_e4m3,
    /// mxfp8_e5m2, mxfp6_e2m3, mxfp6_e3m2, mxfp4, mxint8, and the formats' aliases).
    #[arg(long)]
    pub elem: String,
    /// How binary32 values are written.
    #[command(flatten)]
    pub notation: NotationArgs,
    /// Where the lines come from.
    #[command(flatten)]
    pub input: InputArgs,
    /// Line length limit.
    #[command(flatten)]
    pub lines: LineLimitArgs,
}

/// Options of `fpx mx quantize`.
#[derive(Args)]
pub struct QuantizeArgs {
    /// The number of values of each block (each input line must hold exactly this many).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=MAX_BLOCK as i64))]
    pub block: u32,
    /// Element type, notation and input.
    #[command(flatten)]
    pub common: BlockArgs,
}

/// Runs an `fpx mx` subcommand.
pub fn run(command: &MxCommand) -> Result<ExitCode> {
    match command {
        MxCommand::Quantize(args) => each_line(&args.common, |elem, words| {
            let n = usize::try_from(args.block).expect("at most 2^16");
            if words.len() != n {
                bail!("expected a block of {n} values (--block {n}), got {}", words.len());
            }
            let values = words
                .iter()
                .map(|w| read_binary32(&args.common.notation, w))
                .collect::<Result<Vec<u32>>>()?;
            Ok(show_block(elem, &quantize(elem, &values)))
        }),
        MxCommand::Dequantize(args) => each_line(args, |elem, words| {
            let block = read_block(elem, words)?;
            let values: Vec<String> = dequantize(elem, &block)
                .iter()
                .map(|r| show_binary32(&args.notation, r.value))
                .collect();
            Ok(values.join(" "))
        }),
        MxCommand::Dot(args) => each_line(args, |elem, words| {
            if words.len() % 2 != 0 || words.len() < 2 {
                bail!(
                    "expected two blocks of the same length (SCALE_A A1..AN SCALE_B B1..BN), got {} words",
                    words.len()
                );
            }
            let (a, b) = words.split_at(words.len() / 2);
            let r = dot(elem, &read_block(elem, a)?, &read_block(elem, b)?)?;
            Ok(format!("{} {:02X}", show_binary32(&args.notation, r.value), r.flags.bits()))
        }),
    }
}

/// Runs `line` on every data line of the input and prints what it returns; errors name the
/// input and the line.
fn each_line(
    args: &BlockArgs,
    mut line: impl FnMut(MxElem, &[&str]) -> Result<String>,
) -> Result<ExitCode> {
    let elem = MxElem::parse(&args.elem).context("--elem")?;
    let (source, mut reader): (String, LineReader<Box<dyn BufRead>>) =
        args.input.open(&args.lines)?;
    let mut out = io::stdout().lock();
    while let Some((line_no, text)) = next_data_line(&mut reader, &source)? {
        let words: Vec<&str> = text.split_whitespace().collect();
        let printed = line(elem, &words).with_context(|| format!("{source}: line {line_no}"))?;
        writeln!(out, "{printed}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A binary32 value: hex bits, or with --text a decimal or hex-float rounded once to binary32.
fn read_binary32(notation: &NotationArgs, word: &str) -> Result<u32> {
    let b32 = Format::BINARY32;
    let bits = if notation.text {
        parse_value(&Env::default(), &b32, word).with_context(|| format!("value '{word}'"))?.value
    } else {
        parse_bits(&b32, word).with_context(|| format!("value '{word}'"))?
    };
    Ok(u32::try_from(bits).expect("binary32 encodings have 32 bits"))
}

/// A binary32 value as hex bits, or with --text as a hex-float.
fn show_binary32(notation: &NotationArgs, bits: u32) -> String {
    let b32 = Format::BINARY32;
    if notation.text {
        format_hexfloat(&b32, u128::from(bits))
    } else {
        format_bits(&b32, u128::from(bits))
    }
}

/// `SCALE E1 ... EN` as read from words: the E8M0 scale and the elements, all in hex.
fn read_block(elem: MxElem, words: &[&str]) -> Result<MxBlock> {
    let Some((scale, elems)) = words.split_first() else {
        bail!("expected SCALE E1 ... EN, got an empty line");
    };
    let scale = parse_bits(&Format::E8M0FNU, scale).with_context(|| format!("scale '{scale}'"))?;
    let elem_format = elem.format().unwrap_or(INT8);
    let elems = elems
        .iter()
        .map(|w| parse_bits(&elem_format, w).with_context(|| format!("element '{w}'")))
        .collect::<Result<Vec<u128>>>()?;
    Ok(MxBlock { scale: u8::try_from(scale).expect("e8m0fnu has 8 bits"), elems })
}

/// An 8-bit format whose hex bit patterns read and print MXINT8's bytes.
const INT8: Format = Format::E4M3FN;

/// `SCALE E1 ... EN` in hex.
fn show_block(elem: MxElem, block: &MxBlock) -> String {
    let elem_format = elem.format().unwrap_or(INT8);
    let mut words = vec![format!("{:02X}", block.scale)];
    words.extend(block.elems.iter().map(|&e| format_bits(&elem_format, e)));
    words.join(" ")
}
