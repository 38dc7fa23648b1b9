//! Shared foundations of the mlops-audit toolkit: checked inputs, errors, the sorted
//! cumulative-count primitive, confusion matrices, ROC/PR curves and AUC, and cost matrices.
//!
//! Inputs are validated once, into [`BinaryTask`] and [`Groups`]; computations on checked
//! inputs fail only where a result is mathematically undefined.
//!
//! # Examples
//! ```
//! use mlops_core::{BinaryTask, CostMatrix, SortedCounts};
//! let scores = [0.05, 0.2, 0.3, 0.7, 0.9, 0.15];
//! let defaulted = [0, 0, 1, 1, 1, 0];
//! let task = BinaryTask::new(&scores[..], &defaulted[..])?;
//! let counts = SortedCounts::new(&task); // one sort
//! assert_eq!(counts.roc_auc()?, 1.0);
//! let cost = CostMatrix::default(); // a missed default costs 5, a needless review 1
//! let best = cost.min_cost_threshold(&counts);
//! assert_eq!(best.threshold, 0.3);
//! assert_eq!(best.cost, 0.0);
//! # Ok::<(), mlops_core::CoreError>(())
//! ```

pub mod alternative;
pub mod bound;
pub mod calibration;
pub mod cancel;
pub mod compare;
pub mod confusion;
pub mod cost;
pub mod error;
pub mod groups;
pub mod input;
pub mod integer;
pub mod merge;
pub mod parallel;
pub mod quantile;
pub mod radix;
pub mod rng;
pub mod roc;
pub mod serde_float;
pub mod sorted;
pub mod special;
pub mod state;

pub use alternative::Alternative;
pub use confusion::{ConfusionMatrix, Rates};
pub use cost::{CostMatrix, CostOptimum};
pub use error::{CoreError, Result};
pub use groups::{ALL_ROWS_LABEL, GroupColumn, GroupKey, GroupValue, Groups};
pub use input::{
    BinaryLabel, BinaryTask, LosslessF64, check_finite, check_len, check_weights, to_f64_lossless,
    to_labels,
};
pub use roc::{PrCurve, RocCurve, average_precision, precision_recall_curve, roc_auc, roc_curve};
pub use sorted::SortedCounts;
