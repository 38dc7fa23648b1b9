//! Objects read back are inputs like any other.
//!
//! A fitted calibrator, a reference profile or an accumulator that comes back from JSON (or
//! a pickle, which goes through the JSON) may have been edited, truncated or corrupted on
//! the way. Every such type deserialises through a checked "raw" form
//! (`#[serde(try_from = "Raw")]`) that enforces the invariants its methods rely on: finite
//! numbers, probabilities in `[0, 1]`, monotone maps, sorted arrays of matching lengths,
//! counts that agree with the contents. A payload that breaks one is a
//! [`CoreError::InvalidState`] naming the object, the field and what is wrong, never an
//! object that answers with a probability of 7 or panics later.
//!
//! [`from_json`] reads such a type from JSON text with the path of the culprit: a nested
//! object's failure is reported at its place in the document (`columns[2].summary`).

use serde::de::DeserializeOwned;

use crate::error::{CoreError, Result};

/// The largest count a deserialised object may hold: `2^53`, the last integer up to which
/// every count is exactly an `f64` (rates and tests read counts as floats), and far beyond
/// any real data set. Bounding counts also keeps the sums of merges from overflowing.
pub const MAX_COUNT: u64 = 1 << 53;

/// Reads `T` from JSON text through its checked raw form `R`.
///
/// The top-level check returns the type's own error (with the field it names); a nested
/// object's check, which serde reports as text, becomes [`CoreError::InvalidState`] with the
/// nested object's path as `field`; so does malformed JSON (the path where parsing stopped).
///
/// # Errors
/// [`CoreError::InvalidState`] (inside `E`) for malformed JSON, a missing or mistyped field,
/// trailing characters, or a broken invariant.
pub fn from_json<R, T, E>(object: &str, text: &str) -> Result<T, E>
where
    R: DeserializeOwned,
    T: TryFrom<R, Error = E>,
    E: From<CoreError>,
{
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: R = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        CoreError::invalid_state(object, path, e.into_inner().to_string())
    })?;
    de.end()
        .map_err(|e| CoreError::invalid_state(object, ".", e.to_string()))?;
    T::try_from(raw)
}

/// Writes `value` as JSON.
///
/// # Errors
/// [`CoreError::InvalidState`] if serde fails (it does not for the types of this workspace,
/// whose non-finite floats are written as text).
pub fn to_json<T: serde::Serialize>(object: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| CoreError::invalid_state(object, ".", e.to_string()))
}

/// Builds the errors of one object's checks, each naming its field.
#[derive(Debug, Clone, Copy)]
pub struct Checker {
    object: &'static str,
}

impl Checker {
    /// Checks of `object` (the type's name, as reported).
    pub const fn new(object: &'static str) -> Self {
        Self { object }
    }

    /// The error for `field`.
    pub fn fail(&self, field: impl Into<String>, reason: impl Into<String>) -> CoreError {
        CoreError::invalid_state(self.object, field, reason)
    }

    /// `Err` naming `field` unless `ok`.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] when `ok` is false.
    pub fn ensure(
        &self,
        ok: bool,
        field: impl Into<String>,
        reason: impl FnOnce() -> String,
    ) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(self.fail(field, reason()))
        }
    }

    /// A finite number.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for NaN or an infinity.
    pub fn finite(&self, field: &str, value: f64) -> Result<()> {
        self.ensure(value.is_finite(), field, || {
            format!("is {value}; expected a finite number")
        })
    }

    /// A finite number in `[low, high]`.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] otherwise.
    pub fn within(&self, field: &str, value: f64, low: f64, high: f64) -> Result<()> {
        self.ensure((low..=high).contains(&value), field, || {
            format!("is {value}; expected a number in [{low}, {high}]")
        })
    }

    /// A probability: a number in `[0, 1]`.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] otherwise.
    pub fn probability(&self, field: &str, value: f64) -> Result<()> {
        self.within(field, value, 0.0, 1.0)
    }

    /// Every value finite, naming the first that is not by its index.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for the first non-finite value.
    pub fn all_finite(&self, field: &str, values: &[f64]) -> Result<()> {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(self.fail(
                format!("{field}[{i}]"),
                format!("is {}; expected a finite number", values[i]),
            )),
            None => Ok(()),
        }
    }

    /// Every value in `[low, high]`, naming the first that is not by its index.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for the first value outside.
    pub fn all_within(&self, field: &str, values: &[f64], low: f64, high: f64) -> Result<()> {
        match values.iter().position(|v| !(low..=high).contains(v)) {
            Some(i) => Err(self.fail(
                format!("{field}[{i}]"),
                format!("is {}; expected a number in [{low}, {high}]", values[i]),
            )),
            None => Ok(()),
        }
    }

    /// Values in ascending order (`strict`: no two equal), naming the first out of order.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] at the first value not above (or, not strict, below) its
    /// predecessor.
    pub fn ascending(&self, field: &str, values: &[f64], strict: bool) -> Result<()> {
        let bad = values
            .windows(2)
            .position(|w| if strict { w[0] >= w[1] } else { w[0] > w[1] });
        match bad {
            Some(i) => Err(self.fail(
                format!("{field}[{}]", i + 1),
                format!(
                    "is {} after {}; expected {} order",
                    values[i + 1],
                    values[i],
                    if strict {
                        "strictly ascending"
                    } else {
                        "ascending"
                    }
                ),
            )),
            None => Ok(()),
        }
    }

    /// Two lengths that must be equal.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] naming `field` when they differ.
    pub fn same_len(
        &self,
        field: &str,
        found: usize,
        reference: &str,
        expected: usize,
    ) -> Result<()> {
        self.ensure(found == expected, field, || {
            format!("has {found} entries but `{reference}` has {expected}; they must match")
        })
    }

    /// A count of at most [`MAX_COUNT`].
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for a larger count.
    pub fn count(&self, field: &str, value: u64) -> Result<()> {
        self.ensure(value <= MAX_COUNT, field, || {
            format!("is {value}; counts are at most 2^53")
        })
    }
}
