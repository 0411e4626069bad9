//! The line parsers of networks' inputs and targets: input vectors (`x...`), target lines
//! (`x... y*... g*...`: an input, the outputs and the input gradient it must give), loss
//! targets (one line of output values per input), and the output-gradient rules
//! `one`, `y`, `y-C`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use fpad::verify::Expected;
use fpad::{Loss, OutputGradient};
use fpcore::{Env, Format};

use crate::error::{Context, Result};
use crate::invalid;
use crate::lines::{next_data_line, LineReader};
use crate::protocol::{parse_operand, Notation};

/// Opens a file for line reading; the error names it.
///
/// # Errors
///
/// The file cannot be opened.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).at(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(BufReader::new(file)))
}

/// The values of one line, each in its format; errors name the line (`at`) and the field
/// (`name(k)`).
///
/// # Errors
///
/// The first field that is not a value of its format.
pub fn parse_fields(
    env: &Env,
    notation: Notation,
    fields: &[&str],
    formats: &[Format],
    at: &str,
    name: impl Fn(usize) -> String,
) -> Result<Vec<u128>> {
    fields
        .iter()
        .zip(formats)
        .enumerate()
        .map(|(k, (text, fmt))| {
            parse_operand(env, fmt, notation, text).at(|| format!("{at}: {}", name(k)))
        })
        .collect()
}

/// One input vector of a network: a line of `formats.len()` values.
///
/// # Errors
///
/// A wrong number of values, or a value that is not one of its format.
pub fn parse_input_vector(
    env: &Env,
    notation: Notation,
    line: &str,
    formats: &[Format],
    at: &str,
) -> Result<Vec<u128>> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() != formats.len() {
        invalid!(
            "{at}: expected {} values (the network's input vector), found {}",
            formats.len(),
            fields.len()
        );
    }
    parse_fields(env, notation, &fields, formats, at, |k| format!("value {}", k + 1))
}

/// The layout of a target line `x... y*... g*...`: the input values, the output values, the
/// input gradient.
#[derive(Clone, Debug)]
pub struct TargetLayout {
    /// The format of each input value (and of each gradient entry).
    pub in_formats: Vec<Format>,
    /// The output format.
    pub out_fmt: Format,
    /// The number of output values.
    pub d_out: usize,
}

impl TargetLayout {
    /// The name of field `k`: `x[k]`, `y*[k]` or `g*[k]`.
    fn name(&self, k: usize) -> String {
        let d_in = self.in_formats.len();
        if k < d_in {
            format!("x[{k}]")
        } else if k < d_in + self.d_out {
            format!("y*[{}]", k - d_in)
        } else {
            format!("g*[{}]", k - d_in - self.d_out)
        }
    }

    /// Parses one target line: the input vector and what it must give.
    ///
    /// # Errors
    ///
    /// A wrong number of values (the message gives the layout), or a value that is not one
    /// of its format.
    pub fn parse(
        &self,
        env: &Env,
        notation: Notation,
        line: &str,
        at: &str,
    ) -> Result<(Vec<u128>, Expected)> {
        let (d_in, d_out) = (self.in_formats.len(), self.d_out);
        let width = 2 * d_in + d_out;
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != width {
            invalid!(
                "{at}: expected {width} values ({d_in} of x, {d_out} of y*, {d_in} of g*), found {}",
                fields.len()
            );
        }
        let formats: Vec<Format> = self
            .in_formats
            .iter()
            .copied()
            .chain(std::iter::repeat_n(self.out_fmt, d_out))
            .chain(self.in_formats.iter().copied())
            .collect();
        let mut v = parse_fields(env, notation, &fields, &formats, at, |k| self.name(k))?;
        let gradient = v.split_off(d_in + d_out);
        let value = v.split_off(d_in);
        Ok((v, Expected { value, gradient }))
    }
}

/// The targets of a loss, read one line per input: `width` values of the output format.
pub struct LossTargets {
    source: String,
    reader: LineReader<Box<dyn BufRead>>,
    format: Format,
    width: usize,
}

impl LossTargets {
    /// Reads targets from `reader`, named `source` in errors.
    pub fn new(
        source: String,
        reader: LineReader<Box<dyn BufRead>>,
        format: Format,
        width: usize,
    ) -> LossTargets {
        LossTargets { source, reader, format, width }
    }

    /// The target of the next input (named by `input_at` in errors).
    ///
    /// # Errors
    ///
    /// No line left, a wrong number of values, or a value that is not one of the format.
    pub fn next(&mut self, env: &Env, notation: Notation, input_at: &str) -> Result<Vec<u128>> {
        let Some((line_no, line)) = next_data_line(&mut self.reader, &self.source)? else {
            invalid!("{}: no target line for the input at {input_at}", self.source);
        };
        let at = format!("{}:{line_no}", self.source);
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != self.width {
            invalid!(
                "{at}: expected {} target values (one per output), found {}",
                self.width,
                fields.len()
            );
        }
        let formats = vec![self.format; self.width];
        parse_fields(env, notation, &fields, &formats, &at, |k| format!("target value {}", k + 1))
    }
}

/// The output-gradient rule `one`, `y` or `y-C` for `width` outputs of `fmt`: all ones (as
/// the loss `sum`), phi'(y) = y (no rounding), or phi'(y) = y ⊖ C (one rounding; C a decimal
/// or hex-float number exact in `fmt`, e.g. `y-3`, `y--0.5`, `y-0x1.8p1`).
///
/// # Errors
///
/// A message naming what is wrong: an unknown rule, a C that is not a number or not exact in
/// `fmt`.
pub fn phi_rule(
    env: &Env,
    fmt: &Format,
    width: usize,
    text: &str,
) -> Result<OutputGradient, String> {
    match text {
        "one" | "1" => return Ok(OutputGradient::Loss(Loss::Sum)),
        "y" => return Ok(OutputGradient::Identity),
        _ => {}
    }
    let Some(c) = text.strip_prefix("y-") else {
        return Err(format!("expected one, y or y-C, got '{text}'"));
    };
    let value = fpcore::text::parse_value(env, fmt, c)
        .map_err(|e| format!("C = '{c}' is not a number: {e}"))?;
    if !value.flags.is_empty() || fmt.unpack(value.value).is_nan() {
        return Err(format!("C = '{c}' is not exactly a value of {fmt}"));
    }
    Ok(OutputGradient::Shift(vec![value.value; width]))
}
