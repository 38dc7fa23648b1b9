//! mlops-audit: audit machine-learning models in production.
//!
//! One dependency for Rust services. The foundations of [`mlops_core`] (checked inputs,
//! confusion matrices, ROC/AUC, cost matrices) are re-exported at the top level; the other
//! crates as modules:
//! - [`fairness`]: group audits and equal-opportunity thresholds ([`mlops_fairness`]);
//! - [`drift`]: drift tests and monitoring ([`mlops_drift`]);
//! - [`datasets`]: built-in data for examples and tests;
//! - [`gate`]: the deployment gate (requirements as data, a report with verdicts);
//! - [`report`]: self-contained HTML and JSON reports with an audit trail;
//! - [`plot`]: self-contained SVG charts (ROC by group with operating points, the
//!   cost-versus-gap frontier).
//!
//! # Examples
//! ```
//! use mlops_audit::{BinaryTask, CostMatrix, SortedCounts};
//! let task = BinaryTask::new(&[0.1, 0.8, 0.3, 0.6][..], &[0, 1, 0, 1][..])?;
//! let counts = SortedCounts::new(&task);
//! assert_eq!(counts.roc_auc()?, 1.0);
//! let cm = counts.confusion_at(CostMatrix::default().bayes_threshold());
//! assert_eq!(cm.fpr(), Some(0.5)); // 0.3 >= 1/6 is flagged, 0.1 is not
//! # Ok::<(), mlops_audit::CoreError>(())
//! ```

pub use mlops_core;
pub use mlops_core::*;
pub use mlops_drift as drift;
pub use mlops_fairness as fairness;

pub mod datasets;
pub mod gate;
pub mod plot;
pub mod report;

/// The README's Rust example, compiled and run as a doctest so that it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
