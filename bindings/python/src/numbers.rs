//! Durations and counts from Python arguments, checked before they reach the core (issue 10,
//! point 6). Python ints are unbounded and `float('nan')` is a float, so a plain PyO3
//! extraction either raises `OverflowError` without naming the argument or lets NaN through
//! (serde turns a NaN parameter into JSON `null`, which silently drops it). Every refusal here
//! is an `InvalidRequestError` (a `FoundryError` and a `ValueError`) naming the argument, the
//! allowed range and the value given; the ranges are the core's.

use foundry_client::config::check_seconds;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt};

use crate::errors;

/// What the caller wrote, for the error message.
fn shown(value: &Bound<'_, PyAny>) -> String {
    value
        .repr()
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "<unprintable>".to_string())
}

/// A number of seconds (`timeout`): an int or a float the core's `check_seconds` accepts.
pub fn seconds(value: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    let py = value.py();
    let refuse = |why: String| errors::invalid_request(py, why);
    // `True` is an int to Python; as a timeout it is a mistake.
    if value.is_instance_of::<PyBool>()
        || !(value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>())
    {
        return Err(refuse(format!(
            "{name} must be a number of seconds, got {}",
            shown(value)
        )));
    }
    // An int too large for a float (10**400) overflows: report it as out of range.
    let seconds = value.extract::<f64>().unwrap_or(f64::INFINITY);
    check_seconds(seconds, name).map_err(|m| {
        refuse(
            if seconds.is_infinite() && value.is_instance_of::<PyInt>() {
                format!("{m} ({})", shown(value))
            } else {
                m
            },
        )
    })?;
    Ok(seconds)
}

/// A constructor's or `with_options`' number of seconds as a float; its range is the core's
/// to check (`ClientSettings`), so a bad value fails there under the caller's name.
pub fn float(value: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    if value.is_instance_of::<PyBool>()
        || !(value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>())
    {
        return Err(errors::invalid_request(
            value.py(),
            format!("{name} must be a number of seconds, got {}", shown(value)),
        ));
    }
    // An int too large for a float (10**400) becomes infinity, which the core refuses.
    Ok(value.extract::<f64>().unwrap_or(f64::INFINITY))
}

/// A whole number (`max_retries`) as an `i64`; its range is the core's to check.
pub fn whole(value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    let n = (!value.is_instance_of::<PyBool>() && value.is_instance_of::<PyInt>())
        .then(|| value.extract::<i64>().ok())
        .flatten();
    n.ok_or_else(|| {
        errors::invalid_request(
            value.py(),
            format!(
                "{name} must be a whole number (a 64-bit int), got {}",
                shown(value)
            ),
        )
    })
}

/// The top-level numbers of a request's keyword arguments: `timeout` goes through the core's
/// check; other ints must fit JSON's 64-bit integers and floats must be finite (the service
/// judges the value itself: `max_tokens=-1` is sent and refused there, as `openai` does).
pub fn check_request(kwargs: &Bound<'_, PyAny>) -> PyResult<()> {
    let Ok(dict) = kwargs.cast::<PyDict>() else {
        return Ok(());
    };
    for (key, value) in dict.iter() {
        if value.is_none() || value.is_instance_of::<PyBool>() {
            continue;
        }
        let name = key.str()?.to_string_lossy().into_owned();
        if name == "timeout" {
            seconds(&value, "timeout")?;
        } else if value.is_instance_of::<PyInt>() {
            if value.extract::<i64>().is_err() && value.extract::<u64>().is_err() {
                return Err(errors::invalid_request(
                    value.py(),
                    format!(
                        "{name} must be an integer from {} to {}, got {}",
                        i64::MIN,
                        u64::MAX,
                        shown(&value)
                    ),
                ));
            }
        } else if let Ok(f) = value.cast::<PyFloat>() {
            if !f.value().is_finite() {
                return Err(errors::invalid_request(
                    value.py(),
                    format!("{name} must be a finite number, got {}", shown(&value)),
                ));
            }
        }
    }
    Ok(())
}
