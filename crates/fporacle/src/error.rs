//! The library's error type: a cause (an I/O error, a bad format name, literal or network, or
//! input that does not follow the protocol) wrapped in the places it happened.

use std::fmt::Display;

/// An error of the oracle library. [`Error::At`] wraps another error with its place, so the
/// chain of sources reads `place: place: cause` (anyhow's `{:#}` prints it that way).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading input or writing output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A format name or its parameters.
    #[error(transparent)]
    Format(#[from] fpcore::FormatError),
    /// An operation name.
    #[error(transparent)]
    Op(#[from] fpcore::OpError),
    /// A bit pattern.
    #[error(transparent)]
    Bits(#[from] fpcore::text::bits::BitsError),
    /// A decimal or hex-float number.
    #[error(transparent)]
    Text(#[from] fpcore::text::TextError),
    /// A network file or an input given to a network.
    #[error(transparent)]
    Model(#[from] fpnet::ModelError),
    /// A request to differentiate a network.
    #[error(transparent)]
    Ad(#[from] fpad::AdError),
    /// Input that does not follow the protocol; the message says what was expected.
    #[error("{0}")]
    Invalid(String),
    /// A bit pattern that reads as a decimal or hex-float number.
    #[error("{error} (values are hex bit patterns; --text reads decimal and hex-float numbers)")]
    NumberNotBits {
        /// The bit-pattern error.
        error: fpcore::text::bits::BitsError,
    },
    /// Where the cause happened.
    #[error("{at}")]
    At {
        /// The place: a file and line, a field, an option.
        at: String,
        /// What went wrong there.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// An [`Error::Invalid`] with this message.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(message.into())
    }
}

/// A result of the oracle library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds the place of an error: `.at(|| format!("{file}:{line}"))`.
pub trait Context<T> {
    /// Wraps the error, if any, in [`Error::At`] with the place `at` returns.
    ///
    /// # Errors
    ///
    /// The wrapped error.
    fn at<D: Display>(self, at: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn at<D: Display>(self, at: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::At { at: at().to_string(), source: Box::new(e.into()) })
    }
}

/// Returns early with an [`Error::Invalid`] built by `format!`.
#[macro_export]
macro_rules! invalid {
    ($($arg:tt)*) => {
        return Err($crate::Error::Invalid(format!($($arg)*)))
    };
}
