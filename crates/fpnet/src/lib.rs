//! fpnet: floating-point networks as layer graphs, a documented JSON file format, and a forward
//! interpreter that follows the strict evaluation order of docs/semantics.md §4 bit for bit.
//!
//! - [`graph`]: [`Graph`], [`Node`], [`NodeId`] and their validation: inputs, affine layers,
//!   activations, elementwise sums of branches and concatenations, each with its own format.
//! - [`builders`]: the sequential networks of the paper (optionally starting and/or ending with
//!   an activation) and the parallel sum of two networks of equal depth.
//! - [`reduce`]: every accumulation order of an affine layer ([`Order`]), each defined in an
//!   `# Evaluation order` section: `sequential` (the default), `fma`, `pairwise`, `blocked:K`
//!   and `wide:FMT`.
//! - [`mod@file`]: the versioned JSON format (`docs/network-format.md`, `docs/network.schema.json`),
//!   literals rounded once to each node's format, tensors from safetensors files.
//! - [`interp`]: evaluation of one input, a batch (in parallel, identical to the serial run) or
//!   a full trace of every node's value for automatic differentiation.
//!
//! Every rounding is an fpcore operation; this crate never rounds on its own. Limits on sizes
//! ([`limits`]) turn absurd inputs into errors instead of panics, hangs or memory exhaustion.
//!
//! # Example
//!
//! A network with one bfloat16 input and one affine layer, y = 2 ⊗ x ⊕ 1, read from JSON and
//! evaluated at x = 3 (values are encodings: in bfloat16, 3 is `0x4040` and 7 is `0x40E0`):
//!
//! ```
//! use fpcore::{Env, Flags};
//! use fpnet::file::{load_str, LoadOptions};
//! use fpnet::Interpreter;
//!
//! let text = r#"{
//!   "format": "bf16",
//!   "inputs": 1,
//!   "layers": [{"affine": {"weights": [["2"]], "bias": ["1"]}}]
//! }"#;
//! let graph = load_str(text, &LoadOptions::default())?.graph;
//! let out = Interpreter::new(&graph, Env::default()).eval(&[0x4040])?;
//! assert_eq!(out.values, [0x40E0]); // (+0 ⊕ 2 ⊗ 3) ⊕ 1 = 7, exact
//! assert_eq!(out.flags, Flags::NONE);
//! # Ok::<(), fpnet::ModelError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(clippy::float_arithmetic)]

pub mod builders;
pub mod error;
pub mod file;
pub mod graph;
pub mod interp;
pub mod limits;
pub mod reduce;

pub use error::ModelError;
pub use file::{LoadOptions, LoadReport, Loaded};
pub use fpcore::act::Activation;
pub use graph::{ActivationNode, Affine, Graph, Node, NodeId, Op, Rule, Sigma};
pub use interp::{Batch, Interpreter, Output, Trace};
pub use limits::Limits;
pub use reduce::Order;
