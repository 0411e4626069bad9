//! The keyword options of every call (`tininess=`, `nan=`, `overflow=`) mapped to an
//! [`fpcore::Env`]: the one place where a Python option becomes part of the environment, so
//! that an option added to the command line is added here once.

use fpcore::{Env, NanPolicy, OverflowPolicy, Tininess};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The accepted options and their values, in the order error messages list them.
pub const OPTIONS: &[(&str, &[&str])] = &[
    ("tininess", &["after", "before"]),
    ("nan", &["canonical", "x86", "arm"]),
    ("overflow", &["ieee", "saturate"]),
];

/// Sets one option of `env` from its name and value.
///
/// # Errors
///
/// A message naming the option and the accepted values when either is unknown.
pub fn set_option(env: &mut Env, name: &str, value: &str) -> Result<(), String> {
    let Some((_, accepted)) = OPTIONS.iter().find(|(n, _)| *n == name) else {
        let names: Vec<&str> = OPTIONS.iter().map(|(n, _)| *n).collect();
        return Err(format!("unknown option '{name}' (expected one of: {})", names.join(", ")));
    };
    let invalid = || {
        format!("invalid value '{value}' for '{name}' (possible values: {})", accepted.join(", "))
    };
    match (name, value) {
        ("tininess", "after") => env.tininess = Tininess::AfterRounding,
        ("tininess", "before") => env.tininess = Tininess::BeforeRounding,
        ("nan", "canonical") => env.nan = NanPolicy::Canonical,
        ("nan", "x86") => env.nan = NanPolicy::X86Sse,
        ("nan", "arm") => env.nan = NanPolicy::ArmDefaultNan,
        ("overflow", "ieee") => env.overflow = OverflowPolicy::Ieee,
        ("overflow", "saturate") => env.overflow = OverflowPolicy::Saturate,
        _ => return Err(invalid()),
    }
    Ok(())
}

/// The environment of a call's keyword options (`None` values keep the default).
///
/// # Errors
///
/// `ValueError` with [`set_option`]'s message.
pub fn env_from(options: Option<&Bound<'_, PyDict>>) -> PyResult<Env> {
    let mut env = Env::default();
    let Some(options) = options else { return Ok(env) };
    for (key, value) in options.iter() {
        if value.is_none() {
            continue;
        }
        let name: String = key.extract()?;
        let value: String = value
            .extract()
            .map_err(|_| PyValueError::new_err(format!("option '{name}' takes a string")))?;
        set_option(&mut env, &name, &value).map_err(PyValueError::new_err)?;
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_value_is_accepted_and_others_are_named() {
        for (name, values) in OPTIONS {
            for value in *values {
                let mut env = Env::default();
                assert_eq!(set_option(&mut env, name, value), Ok(()), "{name}={value}");
            }
        }
        let mut env = Env::default();
        set_option(&mut env, "overflow", "saturate").expect("valid");
        assert_eq!(env.overflow, OverflowPolicy::Saturate);
        assert_eq!(
            set_option(&mut env, "nan", "mips"),
            Err("invalid value 'mips' for 'nan' (possible values: canonical, x86, arm)".into())
        );
        assert_eq!(
            set_option(&mut env, "rounding", "up"),
            Err("unknown option 'rounding' (expected one of: tininess, nan, overflow)".into())
        );
    }
}
