//! The deployment gate: a model ships only if it meets written requirements.
//!
//! Requirements are data ([`Requirements`], read from TOML or JSON) so that a risk
//! committee can sign them off and a CI pipeline can enforce them. The audit collects
//! [`Evidence`]; [`evaluate`] checks each requirement against it and gives a
//! [`GateReport`] with every requirement, its measured value and verdict, and the overall
//! verdict. A requirement whose evidence is missing **fails** ("not measured"): a gate
//! never passes a model on a number nobody computed.
//!
//! ```
//! use mlops_audit::gate::{Evidence, Requirements, evaluate};
//! let req = Requirements::from_toml(
//!     r#"
//!     max_fpr_gap = 0.05
//!     min_auc = 0.70
//!     allow_drift_alerts = false
//!     "#,
//! )?;
//! let evidence = Evidence {
//!     fpr_gap: Some(0.031),
//!     auc: Some(0.74),
//!     drift_alerts: Some(vec![]),
//!     ..Evidence::default()
//! };
//! let report = evaluate(&req, &evidence)?;
//! assert!(report.passed);
//! # Ok::<(), mlops_audit::gate::GateError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A requirements file that cannot be used, or evidence outside its domain.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GateError {
    /// The text is not valid TOML/JSON.
    #[error("requirements ({format}) cannot be read: {reason}")]
    Parse {
        /// `"toml"` or `"json"`.
        format: &'static str,
        /// The parser's message, naming the line.
        reason: String,
    },
    /// The requirements are not a table (a JSON object): `[0.05]` is not `max_fpr_gap = 0.05`.
    #[error(
        "requirements ({format}) must be a table of named requirements (a JSON object), got {found}"
    )]
    NotATable {
        /// `"toml"` or `"json"`.
        format: &'static str,
        /// What was given instead (`"an array"`, `"a number"`, ...).
        found: &'static str,
    },
    /// A key that names no requirement (a typo would otherwise drop a requirement).
    #[error("`{name}` is not a requirement; the requirements are {}", REQUIREMENT_NAMES.join(", "))]
    UnknownRequirement {
        /// The key given.
        name: String,
    },
    /// A requirement given twice.
    #[error("requirement `{name}` is given twice")]
    DuplicateRequirement {
        /// The key given twice.
        name: String,
    },
    /// A requirement's value has the wrong type (a string where a number belongs, say).
    #[error("requirement `{name}` must be {expected}, got {found}")]
    RequirementType {
        /// The requirement's key.
        name: &'static str,
        /// The type it takes.
        expected: &'static str,
        /// The type given.
        found: &'static str,
    },
    /// A measurement outside the domain of what it measures.
    #[error("evidence `{name}` = {value} is invalid: {reason}")]
    InvalidEvidence {
        /// The measurement's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// Its domain.
        reason: &'static str,
    },
    /// A requirement's value is outside its domain.
    #[error("requirement `{name}` = {value} is invalid: {reason}")]
    InvalidRequirement {
        /// The requirement's key.
        name: &'static str,
        /// The value given.
        value: f64,
        /// Its domain.
        reason: &'static str,
    },
    /// No requirement was given: such a gate would pass anything.
    #[error("the requirements are empty: a gate without requirements would pass any model")]
    Empty,
}

/// The keys of [`Requirements`].
pub const REQUIREMENT_NAMES: [&str; 6] = [
    "max_fpr_gap",
    "min_auc",
    "max_ece",
    "max_cost_per_decision",
    "challenger_not_worse_alpha",
    "allow_drift_alerts",
];

/// Older requirement keys still read, each with the key it now is.
const REQUIREMENT_ALIASES: [(&str, &str); 1] = [("max_expected_cost", "max_cost_per_decision")];

/// What a model must meet to ship. Every field is optional; at least one must be set.
///
/// Read strictly, from TOML, JSON or any serde format: a table (JSON object) only (serde's
/// derived readers would also take `[0.05]` as the first field), every key a requirement,
/// each given once, numbers for the limits and `true`/`false` for `allow_drift_alerts`
/// (no `null`), then the values checked ([`Requirements::checked`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Requirements {
    /// Largest allowed gap of the false-positive rate between groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fpr_gap: Option<f64>,
    /// Smallest allowed ROC AUC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_auc: Option<f64>,
    /// Largest allowed expected calibration error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ece: Option<f64>,
    /// Largest allowed cost per decision (the total cost divided by the number of
    /// decisions, or by their total weight), in the cost matrix's units. Read also from the
    /// older key `max_expected_cost`, which meant the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost_per_decision: Option<f64>,
    /// The challenger must not be significantly worse than the champion at this level: the
    /// one-sided p-value of "challenger worse" must be at least `alpha`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenger_not_worse_alpha: Option<f64>,
    /// Whether drift alerts on the latest production window are tolerated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_drift_alerts: Option<bool>,
}

impl Requirements {
    /// Reads requirements from TOML (unknown keys are errors, so a typo cannot silently
    /// drop a requirement).
    ///
    /// # Errors
    /// [`GateError::Parse`], [`GateError::InvalidRequirement`], [`GateError::Empty`].
    pub fn from_toml(text: &str) -> Result<Self, GateError> {
        let entries: Table = toml::from_str(text).map_err(|e| GateError::Parse {
            format: "toml",
            reason: e.to_string().trim().to_owned(),
        })?;
        Self::from_table("toml", entries)
    }

    /// Reads requirements from JSON: an object (unknown keys are errors).
    ///
    /// # Errors
    /// As [`Requirements::from_toml`].
    pub fn from_json(text: &str) -> Result<Self, GateError> {
        let parse = |e: serde_json::Error| GateError::Parse {
            format: "json",
            reason: e.to_string(),
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let entries = Table::deserialize(&mut de).map_err(parse)?;
        de.end().map_err(parse)?;
        Self::from_table("json", entries)
    }

    /// The requirements of a parsed table, typed and checked.
    fn from_table(format: &'static str, table: Table) -> Result<Self, GateError> {
        let entries = table
            .0
            .map_err(|found| GateError::NotATable { format, found })?;
        let mut r = Self::default();
        let mut seen = BTreeSet::new();
        for (key, value) in entries {
            let current = REQUIREMENT_ALIASES
                .iter()
                .find(|&&(old, _)| old == key)
                .map_or(key.as_str(), |&(_, now)| now);
            let Some(&name) = REQUIREMENT_NAMES.iter().find(|&&n| n == current) else {
                return Err(GateError::UnknownRequirement { name: key });
            };
            if !seen.insert(name) {
                return Err(GateError::DuplicateRequirement { name: key });
            }
            let wrong = |expected: &'static str| GateError::RequirementType {
                name,
                expected,
                found: value.describe(),
            };
            if name == "allow_drift_alerts" {
                match value {
                    Value::Bool(b) => r.allow_drift_alerts = Some(b),
                    _ => return Err(wrong("true or false")),
                }
                continue;
            }
            let Value::Number(x) = value else {
                return Err(wrong("a number"));
            };
            let slot = match name {
                "max_fpr_gap" => &mut r.max_fpr_gap,
                "min_auc" => &mut r.min_auc,
                "max_ece" => &mut r.max_ece,
                "max_cost_per_decision" => &mut r.max_cost_per_decision,
                _ => &mut r.challenger_not_worse_alpha,
            };
            *slot = Some(x);
        }
        r.checked()
    }

    /// Checks the values: rates, AUC and `alpha` in `[0, 1]`, a finite non-negative cost,
    /// and at least one requirement.
    ///
    /// # Errors
    /// [`GateError::InvalidRequirement`] naming the key, or [`GateError::Empty`].
    pub fn checked(self) -> Result<Self, GateError> {
        let unit = |name: &'static str, v: Option<f64>| match v {
            Some(x) if !(0.0..=1.0).contains(&x) => Err(GateError::InvalidRequirement {
                name,
                value: x,
                reason: "must be in [0, 1]",
            }),
            _ => Ok(()),
        };
        unit("max_fpr_gap", self.max_fpr_gap)?;
        unit("min_auc", self.min_auc)?;
        unit("max_ece", self.max_ece)?;
        unit(
            "challenger_not_worse_alpha",
            self.challenger_not_worse_alpha,
        )?;
        if let Some(c) = self.max_cost_per_decision
            && !(c.is_finite() && c >= 0.0)
        {
            return Err(GateError::InvalidRequirement {
                name: "max_cost_per_decision",
                value: c,
                reason: "must be finite and non-negative",
            });
        }
        if self == Self::default() {
            return Err(GateError::Empty);
        }
        Ok(self)
    }
}

impl<'de> Deserialize<'de> for Requirements {
    /// As [`Requirements::from_json`], for any serde format.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = Table::deserialize(deserializer)?;
        Self::from_table("serde", table).map_err(de::Error::custom)
    }
}

/// A requirement's value as read, before its type is checked against its key.
enum Value {
    Number(f64),
    Bool(bool),
    /// Anything else, by name (`"a string"`, `"null"`, ...).
    Other(&'static str),
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Self::Number(_) => "a number",
            Self::Bool(_) => "a boolean",
            Self::Other(what) => what,
        }
    }
}

/// Reads any self-describing value, keeping only its kind (and a number's or boolean's
/// value): the type check then names the requirement, which serde's messages do not.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a requirement's value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        #[allow(clippy::cast_precision_loss)]
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        #[allow(clippy::cast_precision_loss)]
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Other("a string"))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Value, E> {
        Ok(Value::Other("bytes"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Other("null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Other("a table"))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// The top level of a requirements file: its entries in order (duplicates kept, to be
/// reported), or what it was instead of a table.
struct Table(Result<Vec<(String, Value)>, &'static str>);

struct TableVisitor;

impl<'de> Visitor<'de> for TableVisitor {
    type Value = Table;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of requirements")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            entries.push(entry);
        }
        Ok(Table(Ok(entries)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Table, A::Error> {
        ValueVisitor.visit_seq(seq).map(|_| Table(Err("an array")))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Table, E> {
        Ok(Table(Err("a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Table, E> {
        Ok(Table(Err("a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Table, E> {
        Ok(Table(Err("a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Table, E> {
        Ok(Table(Err("a number")))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Table, E> {
        Ok(Table(Err("a string")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Table, E> {
        Ok(Table(Err("null")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Table, E> {
        Ok(Table(Err("null")))
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TableVisitor)
    }
}

/// What the audit measured; `None` where it did not.
///
/// A NaN measurement counts as not measured. [`Evidence::checked`] refuses values outside
/// what they measure (a rate outside `[0, 1]`, an infinite cost).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Largest FPR gap between groups under the decision rule that would ship.
    pub fpr_gap: Option<f64>,
    /// ROC AUC of the model.
    pub auc: Option<f64>,
    /// Expected calibration error of the model.
    pub ece: Option<f64>,
    /// Cost per decision (total cost over the number or total weight of the decisions;
    /// not the total). Read also from the older key `expected_cost`.
    #[serde(alias = "expected_cost")]
    pub cost_per_decision: Option<f64>,
    /// One-sided p-value of "the challenger is worse than the champion" (for example a
    /// DeLong test on AUC, `alternative = less`).
    pub challenger_worse_pvalue: Option<f64>,
    /// The drift alerts raised on the latest production window (empty: none).
    pub drift_alerts: Option<Vec<String>>,
}

impl Evidence {
    /// Checks the measurements: the FPR gap, AUC, ECE and p-value in `[0, 1]`, the
    /// cost per decision finite and non-negative (NaN is allowed: not measured).
    ///
    /// # Errors
    /// [`GateError::InvalidEvidence`] naming the measurement.
    pub fn checked(self) -> Result<Self, GateError> {
        let check = |name: &'static str, v: Option<f64>, ok: bool, reason: &'static str| match v {
            Some(x) if !x.is_nan() && !ok => Err(GateError::InvalidEvidence {
                name,
                value: x,
                reason,
            }),
            _ => Ok(()),
        };
        let unit = |v: Option<f64>| v.is_none_or(|x| (0.0..=1.0).contains(&x));
        let in_unit = "a rate, an AUC or a p-value lies in [0, 1]";
        check("fpr_gap", self.fpr_gap, unit(self.fpr_gap), in_unit)?;
        check("auc", self.auc, unit(self.auc), in_unit)?;
        check("ece", self.ece, unit(self.ece), in_unit)?;
        check(
            "challenger_worse_pvalue",
            self.challenger_worse_pvalue,
            unit(self.challenger_worse_pvalue),
            in_unit,
        )?;
        check(
            "cost_per_decision",
            self.cost_per_decision,
            self.cost_per_decision
                .is_none_or(|c| c.is_finite() && c >= 0.0),
            "a cost per decision is finite and non-negative",
        )?;
        Ok(self)
    }
}

/// A requirement's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Met.
    Pass,
    /// Not met.
    Fail,
    /// Not measured (counts as a failure).
    NotMeasured,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::NotMeasured => "NOT MEASURED",
        })
    }
}

/// One requirement checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The requirement's key.
    pub name: String,
    /// The requirement as text (`<= 0.05`).
    pub requirement: String,
    /// What was measured, as text (`0.031`), when it was.
    pub measured: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    /// Every requirement, in a fixed order.
    pub checks: Vec<Check>,
    /// `true` when every requirement passed.
    pub passed: bool,
}

impl GateReport {
    /// The checks that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.verdict != Verdict::Pass)
    }
}

impl fmt::Display for GateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "deployment gate: {}",
            if self.passed { "PASSED" } else { "FAILED" }
        )?;
        for c in &self.checks {
            writeln!(
                f,
                "  [{}] {} {} (measured: {})",
                c.verdict,
                c.name,
                c.requirement,
                c.measured.as_deref().unwrap_or("not measured")
            )?;
        }
        Ok(())
    }
}

fn bound(name: &str, limit: f64, measured: Option<f64>, at_most: bool, checks: &mut Vec<Check>) {
    let verdict = match measured {
        None => Verdict::NotMeasured,
        Some(v) if v.is_nan() => Verdict::NotMeasured,
        Some(v) if (at_most && v <= limit) || (!at_most && v >= limit) => Verdict::Pass,
        Some(_) => Verdict::Fail,
    };
    checks.push(Check {
        name: name.to_owned(),
        requirement: format!("{} {limit}", if at_most { "<=" } else { ">=" }),
        measured: measured.filter(|v| !v.is_nan()).map(|v| format!("{v:.6}")),
        verdict,
    });
}

/// Checks every requirement against the evidence.
///
/// Both are checked first (a struct built by hand skips the readers' checks): a requirement
/// or a measurement outside its domain is an error, never a verdict.
///
/// # Errors
/// [`GateError::InvalidRequirement`], [`GateError::Empty`] or [`GateError::InvalidEvidence`].
pub fn evaluate(requirements: &Requirements, evidence: &Evidence) -> Result<GateReport, GateError> {
    let r = &requirements.clone().checked()?;
    let e = &evidence.clone().checked()?;
    let mut checks = Vec::new();
    if let Some(t) = r.max_fpr_gap {
        bound("max_fpr_gap", t, e.fpr_gap, true, &mut checks);
    }
    if let Some(t) = r.min_auc {
        bound("min_auc", t, e.auc, false, &mut checks);
    }
    if let Some(t) = r.max_ece {
        bound("max_ece", t, e.ece, true, &mut checks);
    }
    if let Some(t) = r.max_cost_per_decision {
        bound(
            "max_cost_per_decision",
            t,
            e.cost_per_decision,
            true,
            &mut checks,
        );
    }
    if let Some(alpha) = r.challenger_not_worse_alpha {
        // Not worse: the evidence that it is worse is not significant at alpha.
        bound(
            "challenger_not_worse_alpha",
            alpha,
            e.challenger_worse_pvalue,
            false,
            &mut checks,
        );
        if let Some(c) = checks.last_mut() {
            c.requirement = format!("p(challenger worse) >= {alpha}");
        }
    }
    if let Some(allowed) = r.allow_drift_alerts {
        let (measured, verdict) = match &e.drift_alerts {
            None => (None, Verdict::NotMeasured),
            Some(alerts) if alerts.is_empty() => (Some("no alerts".to_owned()), Verdict::Pass),
            Some(alerts) => (
                Some(format!("{} alert(s): {}", alerts.len(), alerts.join("; "))),
                if allowed {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                },
            ),
        };
        checks.push(Check {
            name: "allow_drift_alerts".to_owned(),
            requirement: if allowed {
                "alerts tolerated".to_owned()
            } else {
                "no drift alerts".to_owned()
            },
            measured,
            verdict,
        });
    }
    let passed = checks.iter().all(|c| c.verdict == Verdict::Pass);
    Ok(GateReport { checks, passed })
}
