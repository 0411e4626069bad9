//! [`ConstructError`]: why nothing could be built (a point that cannot be met is a rejection in
//! the report instead).

use fpnet::ModelError;

use crate::arith::Arith;

/// Why nothing could be built.
#[derive(Debug, thiserror::Error)]
pub enum ConstructError {
    /// The options cannot be built with (kink, depth).
    #[error("{0}")]
    Options(String),
    /// The format cannot hold the construction.
    #[error("format {format}: {message}")]
    Format {
        /// The format.
        format: String,
        /// What is missing.
        message: String,
    },
    /// The targets as a whole are unusable (too many, lengths that differ, or phi' undefined
    /// where it must be).
    #[error("{0}")]
    Targets(String),
    /// The output-gradient rule does not fit one output of the format.
    #[error("phi': {0}")]
    Phi(String),
    /// fpnet refused the network (a limit).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The built network differs from its promise on a point of the domain: a defect of the
    /// construction, reported instead of returning a wrong network.
    #[error("the built network fails its own check at x = {x}: {message}")]
    Verify {
        /// The point, as bits.
        x: String,
        /// What differs.
        message: String,
    },
}

/// A [`ConstructError::Format`] for the builder's format.
pub(crate) fn format_error(ar: &Arith, message: &str) -> ConstructError {
    ConstructError::Format { format: ar.fmt().name(), message: message.to_string() }
}
