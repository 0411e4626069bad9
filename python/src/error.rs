//! Errors as Python exceptions: a `ValueError` with the message the command line prints.

use pyo3::exceptions::PyValueError;
use pyo3::PyErr;

/// A `ValueError` with an error's message.
pub fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}
