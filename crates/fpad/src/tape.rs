//! The tape: one sample's forward and backward record, a `Vec` indexed by [`NodeId`]. It is
//! plain data, printable as text in hex bit patterns ([`Tape`]'s `Display`), so that a whole
//! differentiation can be read, diffed and kept as a snapshot.

use std::fmt;

use fpcore::text::bits::format_bits;
use fpcore::{Flags, Format};
use fpnet::NodeId;

use crate::params::{ParamGrad, ParamGrads};

/// One node's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapeEntry {
    /// The node's name (`layers[K]` for unnamed layers).
    pub name: String,
    /// `input`, `affine`, `activation`, `add` or `concat`.
    pub kind: &'static str,
    /// The node's format.
    pub format: Format,
    /// The forward values (z for an affine node, a for an activation node).
    pub value: Vec<u128>,
    /// For an activation node: sigma'(z_j) of each entry, as the backward pass used them.
    pub derivative: Option<Vec<u128>>,
    /// The gradient of the node's values (the adjoint); `None` when the output does not depend
    /// on the node.
    pub gradient: Option<Vec<u128>>,
    /// For an affine node: this sample's dW and db.
    pub params: Option<ParamGrad>,
    /// Flags raised by the node's forward step.
    pub forward_flags: Flags,
    /// Flags raised by the node's backward step (for the output, with the output gradient's).
    pub backward_flags: Flags,
}

/// One sample's forward and backward record, indexed by [`NodeId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tape {
    /// One entry per node, in node order.
    pub entries: Vec<TapeEntry>,
    /// The output node.
    pub output: NodeId,
    /// The output gradient phi'(f(x)) the backward pass started from.
    pub seed: Vec<u128>,
    /// Flags raised by the parameter gradients (the products g_i ⊗ x_j).
    pub param_flags: Flags,
}

impl Tape {
    /// A node's entry.
    ///
    /// # Panics
    ///
    /// When `id` is not a node of the taped graph.
    pub fn entry(&self, id: NodeId) -> &TapeEntry {
        &self.entries[id.0]
    }

    /// The network's output f(x).
    pub fn output(&self) -> &[u128] {
        &self.entry(self.output).value
    }

    /// This sample's parameter gradients (dW, db of every affine node).
    pub fn params(&self) -> ParamGrads {
        let flags = self.param_flags;
        let nodes = self.entries.iter().map(|e| e.params.clone()).collect();
        ParamGrads { nodes, samples: 1, flags }
    }
}

/// Hex bit patterns separated by spaces.
fn hex(fmt: &Format, values: &[u128]) -> String {
    values.iter().map(|&v| format_bits(fmt, v)).collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Tape {
    /// The tape as text, one block per node in node order:
    ///
    /// ```text
    /// #1 layers[0]: affine binary32
    ///   value     3F800000 40000000
    ///   gradient  3F800000 3F800000
    ///   dW[0]     3F800000 40000000
    ///   db        3F800000
    ///   flags     forward 00 backward 00
    /// ```
    ///
    /// `sigma'` lines show an activation's derivatives; a node the output does not depend on
    /// shows `gradient  -`. Flags are TestFloat's hex byte.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let out_fmt = self.entry(self.output).format;
        writeln!(
            f,
            "tape: {} nodes, output #{} {}, seed {}",
            self.entries.len(),
            self.output.0,
            self.entry(self.output).name,
            hex(&out_fmt, &self.seed)
        )?;
        for (idx, e) in self.entries.iter().enumerate() {
            writeln!(f, "#{idx} {}: {} {}", e.name, e.kind, e.format)?;
            writeln!(f, "  value     {}", hex(&e.format, &e.value))?;
            if let Some(d) = &e.derivative {
                writeln!(f, "  sigma'    {}", hex(&e.format, d))?;
            }
            match &e.gradient {
                Some(g) => writeln!(f, "  gradient  {}", hex(&e.format, g))?,
                None => writeln!(f, "  gradient  -")?,
            }
            if let Some(p) = &e.params {
                for (i, row) in p.weights.chunks(p.cols.max(1)).enumerate() {
                    let label = format!("dW[{i}]");
                    writeln!(f, "  {label:<9} {}", hex(&p.format, row))?;
                }
                writeln!(f, "  db        {}", hex(&p.format, &p.bias))?;
            }
            writeln!(
                f,
                "  flags     forward {:02x} backward {:02x}",
                e.forward_flags.bits(),
                e.backward_flags.bits()
            )?;
        }
        Ok(())
    }
}
