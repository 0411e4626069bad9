//! fpad: reverse-mode automatic differentiation of fpnet's networks, bit for bit, in the
//! paper's order (docs/semantics.md §5): D^AD(phi ∘ f)(x) = phi'(f(x)) ⊗ W_L ⊗ Dsigma(z_(L-1)) ⊗ … ⊗ W_1,
//! evaluated from the output towards the input, every step an fpcore operation.
//!
//! - [`backward`]: [`Ad`], the reverse sweep over any fpnet graph (affine layers in every
//!   order, activations, sums of branches, concatenations, per-node formats), per sample or
//!   over a batch, and its accumulation policy (fan-out summed in the consumers' order).
//! - [`rules`]: one file per op ([`rules::affine`], [`rules::activation`], [`rules::add`],
//!   [`rules::concat`](mod@rules::concat)), each documenting its derivative, rounded expression, conventions and
//!   accumulation order, including the backward of the `fma`, `pairwise`, `blocked:K` and
//!   `wide:FMT` orders.
//! - [`loss`]: the output gradient: a seed vector, the `sum`, `mse` and `softmax-xent` losses
//!   with their exact operation sequences, or a rule of y (phi' = y, y ⊖ c, a table).
//! - [`params`]: parameter gradients dW, db per sample and summed over a batch (in sample
//!   order from +0), their mean, and a safetensors export.
//! - [`sgd`]: a bit-exact SGD step W ← W ⊖ (eta ⊗ dW).
//! - [`train`](mod@train): gradient descent in several formats side by side from the same start, with
//!   the distance from a reference run, absorbed updates, fixed points and cycles.
//! - [`tape`]: one sample's record of every node's values, derivatives and gradients,
//!   printable as hex.
//! - [`verify`]: checks values and gradients against targets (a list, or another network) on
//!   a domain of inputs, bit for bit.
//!
//! This crate never rounds on its own and never re-associates: each rounding is an fpcore call
//! in the order the rule documents. Activation derivatives come from fpcore (correctly rounded
//! by default, composite where a node asks, with the node's kink value).
//!
//! # Example
//!
//! The input gradient of the bfloat16 layer y = 2 ⊗ x ⊕ 1 at x = 3 under the `sum` loss
//! (phi'(y) = 1): 1 ⊗ 2 = 2. Values are encodings: in bfloat16, 3 is `0x4040`, 7 is `0x40E0`
//! and 2 is `0x4000`.
//!
//! ```
//! use fpad::{Ad, Loss, OutputGradient};
//! use fpcore::{Env, Flags};
//! use fpnet::file::{load_str, LoadOptions};
//!
//! let text = r#"{
//!   "format": "bf16",
//!   "inputs": 1,
//!   "layers": [{"affine": {"weights": [["2"]], "bias": ["1"]}}]
//! }"#;
//! let graph = load_str(text, &LoadOptions::default())?.graph;
//! let ad = Ad::new(&graph, Env::default());
//! let sample = ad.gradient(&[0x4040], &OutputGradient::Loss(Loss::Sum), None)?;
//! assert_eq!(sample.output, [0x40E0]);
//! assert_eq!(sample.input_gradient, [0x4000]);
//! assert_eq!(sample.backward_flags, Flags::NONE);
//! # Ok::<(), fpad::AdError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(clippy::float_arithmetic)]

pub mod backward;
pub mod error;
pub mod loss;
pub mod params;
pub mod rules;
pub mod sgd;
pub mod tape;
pub mod train;
pub mod verify;

pub use backward::{Ad, BatchGradients, BatchOptions, Sample, Sweep};
pub use error::AdError;
pub use loss::{Loss, OutputGradient};
pub use params::{ParamGrad, ParamGrads};
pub use sgd::sgd_step;
pub use tape::{Tape, TapeEntry};
pub use train::{train, Cycle, Data, DataValues, Distance, Record, Step, TrainOptions, Trainer};
pub use verify::{Expected, Mismatch, Report, Verifier};
