//! Built-in data for examples and tests, shipped inside the crate so they run anywhere.
//!
//! - [`german_credit`]: the UCI Statlog German Credit data (CC BY 4.0, donor Hans Hofmann;
//!   attribution and checksums in `data/german_credit/SOURCE.md`);
//! - [`simulate_lending`]: a seeded simulator of a lending portfolio with a protected
//!   attribute, two models' scores and named drift scenarios.

use thiserror::Error;

mod lending;
pub use lending::{Lending, LendingDrift, simulate_lending};

const GERMAN_DATA: &str = include_str!("../../data/german_credit/german.data");

/// A problem reading a built-in dataset (only possible if the embedded file is damaged).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A field could not be read.
    #[error("{dataset}: line {line}, column `{column}`: {reason}")]
    Parse {
        /// The dataset.
        dataset: &'static str,
        /// 1-based line number.
        line: usize,
        /// The column name.
        column: &'static str,
        /// What was wrong.
        reason: String,
    },

    /// An unknown drift scenario name.
    #[error(
        "unknown drift scenario {name:?}: expected \"none\", \"downturn\", \"new_product\" or \
         \"pipeline_fault\""
    )]
    UnknownScenario {
        /// The name given.
        name: String,
    },
}

/// A small table: numeric and categorical feature columns, a binary target and sensitive
/// columns, all aligned by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Numeric feature columns, `(name, values)`.
    pub numeric: Vec<(&'static str, Vec<f64>)>,
    /// Categorical feature columns, `(name, values)`, in the source coding.
    pub categorical: Vec<(&'static str, Vec<String>)>,
    /// The target: `1` for the event the model predicts (a bad loan), `0` otherwise.
    pub target: Vec<u8>,
    /// What the target means.
    pub target_name: &'static str,
    /// Sensitive columns derived from the features, `(name, values)`.
    pub sensitive: Vec<(&'static str, Vec<String>)>,
}

impl Dataset {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.target.len()
    }

    /// `true` for a table without rows.
    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }

    /// A numeric column by name.
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        self.numeric
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// A categorical or sensitive column by name.
    pub fn categorical(&self, name: &str) -> Option<&[String]> {
        self.categorical
            .iter()
            .chain(&self.sensitive)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }
}

const GERMAN_COLUMNS: [&str; 21] = [
    "status",
    "duration",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "present_employment",
    "installment_rate",
    "status_sex",
    "other_debtors",
    "present_residence_since",
    "property",
    "age",
    "installment_plans",
    "housing",
    "number_of_existing_credits",
    "job",
    "number_of_people_liable_for",
    "telephone",
    "foreign_worker",
    "credit",
];

const GERMAN_NUMERIC: [usize; 7] = [1, 4, 7, 10, 12, 15, 17];

/// The UCI Statlog German Credit data: 1,000 loans, 300 of them bad.
///
/// The target is `1` for a bad loan (UCI's class 2), the event a lender's risk model flags.
/// Sensitive columns: `sex` (`female` for UCI code A92, `male` for A91/A93/A94) and
/// `age_group` (`<=25` / `>25`, the split common in the fairness literature).
///
/// # Errors
/// [`DatasetError::Parse`] only if the embedded file is damaged.
///
/// # Examples
/// ```
/// let data = mlops_audit::datasets::german_credit()?;
/// assert_eq!(data.len(), 1000);
/// assert_eq!(data.target.iter().filter(|&&y| y == 1).count(), 300);
/// # Ok::<(), mlops_audit::datasets::DatasetError>(())
/// ```
pub fn german_credit() -> Result<Dataset, DatasetError> {
    let err = |line: usize, column: usize, reason: String| DatasetError::Parse {
        dataset: "german_credit",
        line,
        column: GERMAN_COLUMNS[column],
        reason,
    };
    let mut numeric: Vec<(&'static str, Vec<f64>)> = GERMAN_NUMERIC
        .iter()
        .map(|&c| (GERMAN_COLUMNS[c], Vec::new()))
        .collect();
    let categorical_idx: Vec<usize> = (0..20).filter(|c| !GERMAN_NUMERIC.contains(c)).collect();
    let mut categorical: Vec<(&'static str, Vec<String>)> = categorical_idx
        .iter()
        .map(|&c| (GERMAN_COLUMNS[c], Vec::new()))
        .collect();
    let (mut target, mut sex, mut age_group) = (Vec::new(), Vec::new(), Vec::new());
    for (l, line) in GERMAN_DATA.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != GERMAN_COLUMNS.len() {
            return Err(err(
                l + 1,
                fields.len().min(20),
                format!("expected 21 fields, found {}", fields.len()),
            ));
        }
        for (slot, &c) in GERMAN_NUMERIC.iter().enumerate() {
            let v: f64 = fields[c]
                .parse()
                .map_err(|e| err(l + 1, c, format!("{e}: {:?}", fields[c])))?;
            numeric[slot].1.push(v);
        }
        for (slot, &c) in categorical_idx.iter().enumerate() {
            categorical[slot].1.push(fields[c].to_owned());
        }
        target.push(match fields[20] {
            "1" => 0,
            "2" => 1,
            other => return Err(err(l + 1, 20, format!("expected 1 or 2, found {other:?}"))),
        });
        sex.push(if fields[8] == "A92" { "female" } else { "male" }.to_owned());
        let age = numeric[4].1.last().copied().unwrap_or_default();
        age_group.push(if age <= 25.0 { "<=25" } else { ">25" }.to_owned());
    }
    Ok(Dataset {
        numeric,
        categorical,
        target,
        target_name: "bad_loan",
        sensitive: vec![("sex", sex), ("age_group", age_group)],
    })
}
