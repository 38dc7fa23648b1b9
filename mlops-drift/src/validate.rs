//! Checks shared by the modules: run once at the edge, so the computations can trust their
//! input.

use crate::DriftError;

/// `values` is non-empty and finite.
pub(crate) fn finite_sample(sample: &str, values: &[f64]) -> Result<(), DriftError> {
    if values.is_empty() {
        return Err(DriftError::empty(sample));
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(DriftError::not_finite(sample, index, value));
    }
    Ok(())
}

/// `value` lies strictly inside `(0, 1)`.
pub(crate) fn open_unit(name: &str, value: f64) -> Result<(), DriftError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(DriftError::invalid_parameter(
            name,
            value.to_string(),
            "expected a number strictly between 0 and 1",
        ))
    }
}

/// `x` successes of `n` trials: `n >= 1` and `x <= n`.
pub(crate) fn successes(sample: &str, x: u64, n: u64) -> Result<(), DriftError> {
    if n == 0 {
        return Err(DriftError::empty(sample));
    }
    if x > n {
        return Err(DriftError::SuccessesExceedTrials {
            sample: sample.to_owned(),
            successes: x,
            trials: n,
        });
    }
    Ok(())
}
