//! The network file format (version 1): JSON, documented in `docs/network-format.md` with a
//! JSON Schema in `docs/network.schema.json`. [`load_file`] / [`load_str`] read it into a
//! validated [`Graph`](crate::Graph); [`to_json`] writes a graph back in the canonical layout,
//! which reads back to the same graph (and the same text).
//!
//! Literals are strings: decimal (`"0.1"`, `"-2.5e-3"`), hex-float (`"0x1.8p-1"`), `inf`,
//! `nan`, `snan`, or an exact bit pattern `"bits:7FC1"`. Each is rounded once to its node's
//! format; with the `strict` option a literal that is not exactly representable is an error.
//! Parameters may also name a tensor of a safetensors file (`"@fc1.weight"`), each element
//! converted once from the tensor's dtype to the node's format.
//!
//! - `spec`: the serde types of the document, shared by reading and writing.
//! - `read`: loading, limits, literal rounding, errors with JSON paths.
//! - [`tensors`]: safetensors reading and writing, with the one table of dtypes.
//! - `write`: [`to_json`] and [`literal_text`].

mod read;
mod spec;
pub mod tensors;
mod write;

pub use read::{load_file, load_str, InexactValue, LoadOptions, LoadReport, Loaded};
pub use spec::VERSION;
pub use write::{literal_text, to_json};
