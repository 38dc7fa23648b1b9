//! mlops-audit: audit machine-learning models in production.
//!
//! One dependency for Rust services, one path to each item. The foundations of
//! [`mlops_core`] (checked inputs, groups, confusion matrices, ROC/AUC, cost matrices, the
//! parallelism switch [`set_parallelism`]) are re-exported at the top level; the rest as
//! modules:
//! - [`calibration`], [`compare`] (champion/challenger tests), [`cancel`] (cooperative
//!   cancellation) and [`special`] (the special functions behind the p-values), from
//!   [`mlops_core`];
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

// One path to each item: the foundations at the top level, the rest as modules.
pub use mlops_core::{
    ALL_ROWS_LABEL, BinaryLabel, BinaryTask, ConfusionMatrix, CoreError, CostMatrix, CostOptimum,
    GroupColumn, GroupKey, GroupValue, Groups, PrCurve, Rates, RocCurve, SortedCounts,
    average_precision, parallelism_enabled, precision_recall_curve, roc_auc, roc_curve,
    set_parallelism,
};
pub use mlops_core::{calibration, cancel, compare, special};
pub use mlops_drift as drift;
pub use mlops_fairness as fairness;

#[cfg(feature = "cli")]
pub mod cli;
pub mod datasets;
pub mod gate;
pub mod plot;
pub mod report;

/// The README's Rust example, compiled and run as a doctest so that it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
