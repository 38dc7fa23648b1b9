//! The one error type of `mlops-core`.
//!
//! Every variant names its culprit (the input, the index, the value, the column or the group),
//! so a message read in a log or a Python traceback says what to fix.

use thiserror::Error;

/// Everything that can go wrong in `mlops-core`.
///
/// Input problems are detected once, when a checked input type is built
/// ([`crate::BinaryTask`], [`crate::Groups`], [`crate::CostMatrix`]); the computations on
/// checked inputs only fail where a result is mathematically undefined.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// An input had no rows.
    #[error("`{input}` is empty: at least one row is needed")]
    EmptyInput {
        /// The argument or column name.
        input: String,
    },

    /// Two inputs that must be aligned row by row have different lengths.
    #[error(
        "`{input}` has {found} rows but `{reference}` has {expected}: inputs must be aligned row by row"
    )]
    LengthMismatch {
        /// The argument or column whose length is off.
        input: String,
        /// The argument it was compared with.
        reference: String,
        /// The length of `reference`.
        expected: usize,
        /// The length of `input`.
        found: usize,
    },

    /// A value that must be a finite number is NaN or infinite.
    #[error("`{input}` has a non-finite value {value} at index {index}: remove or impute it first")]
    NotFinite {
        /// The argument or column name.
        input: String,
        /// The row index.
        index: usize,
        /// The offending value (NaN, inf or -inf).
        value: f64,
    },

    /// A value is missing (a null in an Arrow array or a masked entry).
    #[error("`{input}` has a missing value at index {index}: remove or impute it first")]
    MissingValue {
        /// The argument or column name.
        input: String,
        /// The row index.
        index: usize,
    },

    /// An integer cannot be converted to `f64` without losing precision (|v| > 2^53).
    #[error(
        "`{input}` has the value {value} at index {index}, which an f64 cannot hold exactly (|v| > 2^53)"
    )]
    NotRepresentable {
        /// The argument or column name.
        input: String,
        /// The row index.
        index: usize,
        /// The value, as text.
        value: String,
    },

    /// A label is neither 0 nor 1 (nor `false`/`true`).
    #[error(
        "`{input}` must hold binary labels 0/1 (or false/true), found {value} at index {index}"
    )]
    LabelNotBinary {
        /// The argument or column name.
        input: String,
        /// The row index.
        index: usize,
        /// The offending value, as text.
        value: String,
    },

    /// A value lies outside its allowed range (a probability outside `[0, 1]`, say).
    #[error("`{input}` has {value} at index {index}, outside [{low}, {high}]")]
    OutOfRange {
        /// The argument or column name.
        input: String,
        /// The row index.
        index: usize,
        /// The offending value.
        value: f64,
        /// Lower bound of the range.
        low: f64,
        /// Upper bound of the range.
        high: f64,
    },

    /// A sample weight is negative.
    #[error("`{input}` has a negative weight {value} at index {index}: weights must be >= 0")]
    NegativeWeight {
        /// The argument or column name.
        input: String,
        /// The row index.
        index: usize,
        /// The offending weight.
        value: f64,
    },

    /// All sample weights are zero, so every weighted quantity is undefined.
    #[error("`{input}` is zero everywhere: at least one row needs a positive weight")]
    AllWeightsZero {
        /// The argument or column name.
        input: String,
    },

    /// The weights add up to more than the library can sum without overflowing
    /// ([`crate::input::MAX_TOTAL_WEIGHT`]), or their total times a cost does.
    #[error(
        "`{input}` is too large: {reason}; divide every weight by a common factor (rates, AUC and other ratios do not change)"
    )]
    WeightsOverflow {
        /// The argument or column name.
        input: String,
        /// What overflows, with the numbers.
        reason: String,
    },

    /// A group column lists a code that has no level.
    #[error(
        "group column `{column}` has code {code} at index {index}, but only {levels} levels are named"
    )]
    GroupCodeOutOfRange {
        /// The group column name.
        column: String,
        /// The row index.
        index: usize,
        /// The code found.
        code: u32,
        /// The number of levels.
        levels: usize,
    },

    /// Two levels of a group column have the same name.
    #[error("group column `{column}` names the level `{level}` twice")]
    DuplicateGroupLevel {
        /// The group column name.
        column: String,
        /// The repeated level.
        level: String,
    },

    /// A group column holds both integers and strings, so that (for example) the int `1`
    /// and the str `"1"` would be two groups that print the same.
    #[error(
        "group column `{column}` mixes integers and strings (the int {int_value} and the str \
         {str_value:?}): convert it to one type first (for example every value to str)"
    )]
    MixedGroupTypes {
        /// The group column name.
        column: String,
        /// An integer level of the column.
        int_value: i64,
        /// A string level of the column.
        str_value: String,
    },

    /// No group columns were given where at least one is needed.
    #[error("no group columns were given: pass at least one sensitive column")]
    NoGroupColumns,

    /// A parameter is outside its domain.
    #[error("parameter `{name}` = {value} is invalid: {reason}")]
    InvalidParameter {
        /// The parameter name.
        name: String,
        /// The value given, as text.
        value: String,
        /// What the domain is.
        reason: String,
    },

    /// An object read back (from JSON, a pickle or any serde format) breaks an invariant its
    /// methods rely on: a probability outside `[0, 1]`, arrays of mismatched lengths, counts
    /// that contradict the contents, an unknown format version. `field` is the path of the
    /// culprit inside the object (`y_thresholds[3]`, `columns[0].summary.count`).
    #[error("invalid {object}: `{field}`: {reason}")]
    InvalidState {
        /// The type that was read (`IsotonicCalibrator`, `ReferenceProfile`, ...).
        object: String,
        /// The path of the offending field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A metric is undefined for this input (for example ROC AUC when only one class is
    /// present). Reported as an error where the caller asked for that metric alone; rates
    /// inside a result are reported as `None` instead.
    #[error("{metric} is undefined: {reason}")]
    UndefinedMetric {
        /// The metric asked for.
        metric: String,
        /// Why it is undefined.
        reason: String,
    },

    /// The computation was cancelled through its [`crate::cancel::CancelToken`] before it
    /// finished; there is no partial result.
    #[error("the computation was cancelled before it finished")]
    Cancelled,
}

/// Result alias for `mlops-core`.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

impl CoreError {
    /// A parameter error, for the common case of a value with a `Display`.
    pub fn invalid_parameter(
        name: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// A parameter given as text that names none of the `accepted` choices: the message
    /// quotes the text as given and lists the choices (`expected "a", "b" or "c"`).
    ///
    /// # Examples
    /// ```
    /// use mlops_core::CoreError;
    /// let e = CoreError::unknown_choice("method", "fast", &["auto", "exact", "asymp"]);
    /// assert_eq!(
    ///     e.to_string(),
    ///     "parameter `method` = \"fast\" is invalid: expected \"auto\", \"exact\" or \"asymp\""
    /// );
    /// ```
    pub fn unknown_choice(name: impl Into<String>, given: &str, accepted: &[&str]) -> Self {
        Self::InvalidParameter {
            name: name.into(),
            value: format!("{given:?}"),
            reason: expected_one_of(accepted),
        }
    }

    /// An invalid-state error: `field` of a deserialised `object` breaks an invariant.
    pub fn invalid_state(
        object: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidState {
            object: object.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An undefined-metric error.
    pub fn undefined(metric: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::UndefinedMetric {
            metric: metric.into(),
            reason: reason.into(),
        }
    }
}

/// `expected "a", "b" or "c"`: the accepted spellings of a parameter, quoted.
pub(crate) fn expected_one_of(accepted: &[&str]) -> String {
    let quoted: Vec<String> = accepted.iter().map(|a| format!("{a:?}")).collect();
    match quoted.split_last() {
        None => "no value is accepted".to_owned(),
        Some((last, [])) => format!("expected {last}"),
        Some((last, rest)) => format!("expected {} or {last}", rest.join(", ")),
    }
}
