//! The keyword options of every call (`tininess=`, `nan=`, `overflow=`, `daz=`, `ftz=`,
//! `via=`) mapped to an [`fpcore::Env`]: the one place where a Python option becomes part of
//! the environment, so that an option added to the command line is added here once. The
//! names and values are the command line's (`--overflow sat-finite`, `--nan ml_dtypes`,
//! `--via binary32`); `saturate` is `sat-propagate`, as `--saturate` is.

use fpcore::{Env, Format, NanPolicy, OverflowPolicy, Tininess};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

/// The options that take a name, and their accepted values in the order error messages list
/// them (`via` takes any format name `Format::parse` accepts).
pub const OPTIONS: &[(&str, &[&str])] = &[
    ("tininess", &["after", "before"]),
    ("nan", &["canonical", "x86", "arm", "xla", "ml_dtypes"]),
    ("overflow", &["ieee", "saturate", "sat-finite", "sat-propagate"]),
    ("via", &[]),
];

/// The options that are on or off (`True` / `False`).
pub const SWITCHES: &[&str] = &["daz", "ftz"];

/// Every option name, in the order error messages list them.
fn all_names() -> String {
    let names: Vec<&str> =
        OPTIONS.iter().map(|(n, _)| *n).chain(SWITCHES.iter().copied()).collect();
    names.join(", ")
}

/// Sets one option of `env` that takes a name.
///
/// # Errors
///
/// A message naming the option and the accepted values when either is unknown (for `via`,
/// the format parser's message).
pub fn set_option(env: &mut Env, name: &str, value: &str) -> Result<(), String> {
    let Some((_, accepted)) = OPTIONS.iter().find(|(n, _)| *n == name) else {
        if SWITCHES.contains(&name) {
            return Err(format!("option '{name}' takes True or False, got '{value}'"));
        }
        return Err(format!("unknown option '{name}' (expected one of: {})", all_names()));
    };
    let invalid = || {
        format!("invalid value '{value}' for '{name}' (possible values: {})", accepted.join(", "))
    };
    match name {
        "tininess" => {
            env.tininess = match value {
                "after" => Tininess::AfterRounding,
                "before" => Tininess::BeforeRounding,
                _ => return Err(invalid()),
            }
        }
        "nan" => env.nan = NanPolicy::parse(value).ok_or_else(invalid)?,
        "overflow" => env.overflow = OverflowPolicy::parse(value).ok_or_else(invalid)?,
        _ => {
            let via = Format::parse(value).map_err(|e| format!("via: {e}"))?;
            env.via = Some(via);
        }
    }
    Ok(())
}

/// Sets one on/off option of `env`.
///
/// # Errors
///
/// A message naming the option when it is not one of [`SWITCHES`].
pub fn set_switch(env: &mut Env, name: &str, on: bool) -> Result<(), String> {
    match name {
        "daz" => env.daz = on,
        "ftz" => env.ftz = on,
        _ if OPTIONS.iter().any(|(n, _)| *n == name) => {
            return Err(format!("option '{name}' takes a string, got {on}"));
        }
        _ => return Err(format!("unknown option '{name}' (expected one of: {})", all_names())),
    }
    Ok(())
}

/// The environment of a call's keyword options (`None` values keep the default).
///
/// # Errors
///
/// `ValueError` with [`set_option`]'s or [`set_switch`]'s message, or naming an option whose
/// value is neither a string nor a bool.
pub fn env_from(options: Option<&Bound<'_, PyDict>>) -> PyResult<Env> {
    let mut env = Env::default();
    let Some(options) = options else { return Ok(env) };
    for (key, value) in options.iter() {
        if value.is_none() {
            continue;
        }
        let name: String = key.extract()?;
        let set = if let Ok(on) = value.downcast::<PyBool>() {
            set_switch(&mut env, &name, on.is_true())
        } else if let Ok(text) = value.extract::<String>() {
            set_option(&mut env, &name, &text)
        } else {
            let kind = if SWITCHES.contains(&name.as_str()) { "True or False" } else { "a string" };
            Err(format!("option '{name}' takes {kind}"))
        };
        set.map_err(PyValueError::new_err)?;
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
        assert_eq!(env.overflow, OverflowPolicy::SatPropagate);
        set_option(&mut env, "overflow", "sat-finite").expect("valid");
        assert_eq!(env.overflow, OverflowPolicy::SatFinite);
        set_option(&mut env, "nan", "ml_dtypes").expect("valid");
        assert_eq!(env.nan, NanPolicy::MlDtypes);
        set_option(&mut env, "via", "binary32").expect("valid");
        assert_eq!(env.via, Some(Format::BINARY32));
        set_switch(&mut env, "daz", true).expect("valid");
        set_switch(&mut env, "ftz", true).expect("valid");
        assert!(env.daz && env.ftz);
        assert_eq!(
            set_option(&mut env, "nan", "mips"),
            Err("invalid value 'mips' for 'nan' (possible values: canonical, x86, arm, xla, ml_dtypes)"
                .into())
        );
        assert_eq!(
            set_option(&mut env, "rounding", "up"),
            Err("unknown option 'rounding' (expected one of: tininess, nan, overflow, via, daz, ftz)"
                .into())
        );
        assert!(set_option(&mut env, "via", "e9m9x").expect_err("unknown").starts_with("via: "));
        assert_eq!(
            set_switch(&mut env, "nan", true),
            Err("option 'nan' takes a string, got true".into())
        );
    }
}
