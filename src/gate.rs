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
//! let report = evaluate(&req, &evidence);
//! assert!(report.passed);
//! # Ok::<(), mlops_audit::gate::GateError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A requirements file that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GateError {
    /// The text is not valid TOML/JSON for [`Requirements`] (an unknown key, a wrong type).
    #[error("requirements ({format}) cannot be read: {reason}")]
    Parse {
        /// `"toml"` or `"json"`.
        format: &'static str,
        /// The parser's message, naming the key or line.
        reason: String,
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

/// What a model must meet to ship. Every field is optional; at least one must be set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    #[serde(
        default,
        alias = "max_expected_cost",
        skip_serializing_if = "Option::is_none"
    )]
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
        let r: Self = toml::from_str(text).map_err(|e| GateError::Parse {
            format: "toml",
            reason: e.to_string().trim().to_owned(),
        })?;
        r.checked()
    }

    /// Reads requirements from JSON (unknown keys are errors).
    ///
    /// # Errors
    /// As [`Requirements::from_toml`].
    pub fn from_json(text: &str) -> Result<Self, GateError> {
        let r: Self = serde_json::from_str(text).map_err(|e| GateError::Parse {
            format: "json",
            reason: e.to_string(),
        })?;
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

/// What the audit measured; `None` where it did not.
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
pub fn evaluate(requirements: &Requirements, evidence: &Evidence) -> GateReport {
    let r = requirements;
    let e = evidence;
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
    GateReport { checks, passed }
}
