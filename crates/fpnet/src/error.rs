//! [`ModelError`]: every way a model can be rejected, each naming where (a JSON path such as
//! `layers[2].affine.bias[1]`, with the node's name where it has one) and what is accepted.

use thiserror::Error;

/// An error in a network: its file, its structure, its values, or an input given to it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ModelError {
    /// A file could not be read.
    #[error("cannot read {file}: {reason}")]
    Io {
        /// The file.
        file: String,
        /// What the operating system said.
        reason: String,
    },
    /// The JSON text is malformed or does not have the documented structure.
    #[error("{path}: {message} at line {line} column {column}")]
    Json {
        /// JSON path of the offending value (`.` for the document itself).
        path: String,
        /// 1-based line of the error in the file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A value breaks a rule of the model (a shape, a name, a format, a literal).
    #[error("{path}: {message}")]
    Invalid {
        /// Where: a JSON path, with the node's name where it has one.
        path: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// A declared or derived size exceeds one of the [`crate::limits`].
    #[error("{path}: {message}")]
    Limit {
        /// Where.
        path: String,
        /// The size and the limit.
        message: String,
    },
    /// An input vector given to the interpreter does not fit the network.
    #[error("input: {message}")]
    Input {
        /// What is wrong.
        message: String,
    },
}

impl ModelError {
    /// A [`ModelError::Invalid`] at `path`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> ModelError {
        ModelError::Invalid { path: path.into(), message: message.into() }
    }

    /// A [`ModelError::Limit`] at `path`.
    pub fn limit(path: impl Into<String>, message: impl Into<String>) -> ModelError {
        ModelError::Limit { path: path.into(), message: message.into() }
    }

    /// The location the error names (empty for I/O and input errors).
    pub fn path(&self) -> &str {
        match self {
            ModelError::Json { path, .. }
            | ModelError::Invalid { path, .. }
            | ModelError::Limit { path, .. } => path,
            ModelError::Io { .. } | ModelError::Input { .. } => "",
        }
    }
}
