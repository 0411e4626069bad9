//! [`AdError`]: every way a differentiation request can be rejected, each saying what is
//! accepted. IEEE exceptions are never errors: they are flags on the results.

use fpnet::ModelError;
use thiserror::Error;

/// An error in a request to differentiate a network: its input, its output gradient, its
/// targets, or a batch or parameter operation that does not fit the network.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AdError {
    /// The network rejected the input (wrong length, encoding too wide).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The output gradient (seed) does not fit the network's output.
    #[error("seed: {0}")]
    Seed(String),
    /// A loss target is missing or does not fit the network's output.
    #[error("target: {0}")]
    Target(String),
    /// A batch does not fit the network (length, count of targets).
    #[error("batch: {0}")]
    Batch(String),
    /// Parameter gradients or a parameter update do not fit the network.
    #[error("parameters: {0}")]
    Params(String),
}
