//! The verifier: on a domain of inputs, checks that a network's values f(x) and AD gradients
//! D^AD(phi ∘ f)(x) equal targets y*(x) and g*(x) bit for bit (NaNs included), and reports
//! the first mismatches. This is what checks the paper's theorems on concrete networks
//! (docs/semantics.md §6): the targets come from a list (`x y* g*` lines) or from another network
//! ("the same as that network").

use std::fmt;

use fpcore::text::bits::format_bits;
use fpcore::Format;
use fpnet::Graph;

use crate::backward::{Ad, BatchOptions};
use crate::error::AdError;
use crate::loss::OutputGradient;

/// The target of one input: the values y* and the input gradient g* it must give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// y*(x), in the output format.
    pub value: Vec<u128>,
    /// g*(x): the inputs' gradients one after the other, each in its input's format.
    pub gradient: Vec<u128>,
}

/// An entry of a mismatch: which output value or gradient entry differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Output value k (0-based).
    Value(usize),
    /// Input-gradient entry k (0-based).
    Gradient(usize),
}

/// One input whose value or gradient differs from its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The input's position in the domain (0-based).
    pub index: u64,
    /// The input.
    pub input: Vec<u128>,
    /// Its target.
    pub expected: Expected,
    /// What the network gives.
    pub got: Expected,
    /// The entries that differ, values first.
    pub fields: Vec<Field>,
}

/// The verifier's result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Inputs whose value and gradient both equal their targets.
    pub passed: u64,
    /// Inputs with a difference.
    pub failed: u64,
    /// The first mismatches, in domain order (at most the number asked for).
    pub mismatches: Vec<Mismatch>,
}

impl fmt::Display for Report {
    /// `N passed, M failed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// The formats of a network's input entries, one per entry.
pub fn input_formats(graph: &Graph) -> Vec<Format> {
    let mut formats = Vec::with_capacity(graph.input_width());
    for id in graph.inputs() {
        formats.extend(std::iter::repeat_n(graph.node(id).format, graph.width(id)));
    }
    formats
}

/// Checks a network's values and gradients against targets, a chunk of inputs at a time
/// (each chunk is computed in parallel), keeping the first mismatches.
pub struct Verifier<'a, 'g> {
    ad: &'a Ad<'g>,
    phi: &'a OutputGradient,
    max_mismatches: usize,
    next_index: u64,
    report: Report,
}

impl<'a, 'g> Verifier<'a, 'g> {
    /// A verifier of `ad`'s network with the output gradient `phi`, keeping at most
    /// `max_mismatches` mismatches (all are counted).
    pub fn new(ad: &'a Ad<'g>, phi: &'a OutputGradient, max_mismatches: usize) -> Verifier<'a, 'g> {
        Verifier { ad, phi, max_mismatches, next_index: 0, report: Report::default() }
    }

    /// Checks the next inputs of the domain: `inputs` holds them one after the other,
    /// `expected` their targets, `loss_targets` the loss's target vectors where it needs them.
    ///
    /// # Errors
    ///
    /// [`AdError::Batch`] when the lengths do not fit the network; as [`Ad::batch`].
    pub fn check(
        &mut self,
        inputs: &[u128],
        expected: &[Expected],
        loss_targets: Option<&[u128]>,
    ) -> Result<(), AdError> {
        let graph = self.ad.graph();
        let (d_in, d_out) = (graph.input_width(), graph.output_width());
        if inputs.len() != expected.len() * d_in {
            return Err(AdError::Batch(format!(
                "{} targets need {} input values, got {}",
                expected.len(),
                expected.len() * d_in,
                inputs.len()
            )));
        }
        for (k, e) in expected.iter().enumerate() {
            if e.value.len() != d_out || e.gradient.len() != d_in {
                return Err(AdError::Batch(format!(
                    "target {} has {} values and {} gradient entries; the network has {d_out} outputs and {d_in} inputs",
                    self.next_index + k as u64 + 1,
                    e.value.len(),
                    e.gradient.len()
                )));
            }
        }
        let got = self.ad.batch(inputs, self.phi, loss_targets, None, BatchOptions::default())?;
        for (k, e) in expected.iter().enumerate() {
            let index = self.next_index + k as u64;
            let (value, gradient) = (got.output(k), got.input_gradient(k));
            let mut fields: Vec<Field> = Vec::new();
            fields.extend((0..d_out).filter(|&i| value[i] != e.value[i]).map(Field::Value));
            fields.extend((0..d_in).filter(|&i| gradient[i] != e.gradient[i]).map(Field::Gradient));
            if fields.is_empty() {
                self.report.passed += 1;
                continue;
            }
            self.report.failed += 1;
            if self.report.mismatches.len() < self.max_mismatches {
                self.report.mismatches.push(Mismatch {
                    index,
                    input: inputs[k * d_in..(k + 1) * d_in].to_vec(),
                    expected: e.clone(),
                    got: Expected { value: value.to_vec(), gradient: gradient.to_vec() },
                    fields,
                });
            }
        }
        self.next_index += expected.len() as u64;
        Ok(())
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The final report.
    pub fn finish(self) -> Report {
        self.report
    }
}

/// Targets that are "the same as another network": its values and AD gradients on `inputs`
/// (one after the other), with the same output gradient rule.
///
/// # Errors
///
/// [`AdError::Batch`] when the two networks differ in their inputs' or outputs' widths or
/// formats; as [`Ad::batch`].
pub fn targets_from(
    reference: &Ad<'_>,
    checked: &Graph,
    phi: &OutputGradient,
    inputs: &[u128],
    loss_targets: Option<&[u128]>,
) -> Result<Vec<Expected>, AdError> {
    let other = reference.graph();
    if input_formats(other) != input_formats(checked) {
        return Err(AdError::Batch(
            "the two networks take different inputs (widths or formats)".to_string(),
        ));
    }
    if other.output_width() != checked.output_width()
        || other.output_format() != checked.output_format()
    {
        return Err(AdError::Batch(format!(
            "the two networks give different outputs: {} values of {} against {} values of {}",
            checked.output_width(),
            checked.output_format(),
            other.output_width(),
            other.output_format()
        )));
    }
    let got = reference.batch(inputs, phi, loss_targets, None, BatchOptions::default())?;
    Ok((0..got.len())
        .map(|k| Expected {
            value: got.output(k).to_vec(),
            gradient: got.input_gradient(k).to_vec(),
        })
        .collect())
}

/// The position of a non-NaN encoding in the increasing order of the format's values (-0
/// before +0), counted from the most negative value.
fn rank(fmt: &Format, top: u128, bits: u128) -> u128 {
    let sign_bit = 1u128 << (fmt.bits() - 1);
    let magnitude = bits & !sign_bit;
    if bits & sign_bit != 0 {
        top - magnitude
    } else {
        top + 1 + magnitude
    }
}

/// The encoding at a rank; `None` where that position holds a NaN (FNUZ's 0x80).
fn unrank(fmt: &Format, top: u128, r: u128) -> Option<u128> {
    let sign_bit = 1u128 << (fmt.bits() - 1);
    let bits = if r <= top { sign_bit | (top - r) } else { r - top - 1 };
    (!fmt.unpack(bits).is_nan()).then_some(bits)
}

/// Every float x of `fmt` with lo <= x <= hi, in increasing order (both zeros, -0 first; no
/// NaN). `lo` and `hi` are encodings of non-NaN values; the iterator is empty when lo > hi.
///
/// # Errors
///
/// [`AdError::Batch`] when an end is a NaN or not an encoding of the format.
pub fn floats(fmt: &Format, lo: u128, hi: u128) -> Result<impl Iterator<Item = u128>, AdError> {
    for end in [lo, hi] {
        if end & !fmt.mask() != 0 || fmt.unpack(end).is_nan() {
            return Err(AdError::Batch(format!(
                "{} is not a number of {fmt}; a range needs two numbers",
                format_bits(fmt, end & fmt.mask())
            )));
        }
    }
    let top = fmt.inf(false).unwrap_or_else(|| fmt.max_finite(false));
    let (first, last) = (rank(fmt, top, lo), rank(fmt, top, hi));
    let fmt = *fmt;
    Ok((first..=last).filter(move |_| first <= last).filter_map(move |r| unrank(&fmt, top, r)))
}

/// Every float of `fmt`, from the most negative to the most positive (see [`floats`]).
pub fn all_floats(fmt: &Format) -> impl Iterator<Item = u128> {
    let lo = fmt.inf(true).unwrap_or_else(|| fmt.max_finite(true));
    let hi = fmt.inf(false).unwrap_or_else(|| fmt.max_finite(false));
    floats(fmt, lo, hi).expect("the format's extremes are numbers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnuz_formats_skip_their_nan_and_have_one_zero() {
        let f = Format::E4M3FNUZ;
        let all: Vec<u128> = all_floats(&f).collect();
        // 255 encodings are numbers: 127 negative, one zero, 127 positive.
        assert_eq!(all.len(), 255);
        assert!(!all.contains(&0x80));
        assert_eq!(all[127], 0);
    }

    #[test]
    fn formats_with_infinities_start_and_end_with_them() {
        let f = Format::E5M2;
        let all: Vec<u128> = all_floats(&f).collect();
        assert_eq!((all[0], all[all.len() - 1]), (0xFC, 0x7C));
        // Two zeros, -0 first.
        let zeros: Vec<u128> = all.iter().copied().filter(|&v| v & 0x7F == 0).collect();
        assert_eq!(zeros, [0x80, 0x00]);
    }
}
