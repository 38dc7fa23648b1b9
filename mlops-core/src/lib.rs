//! Shared foundations of the mlops-audit toolkit: checked inputs, errors, the sorted
//! cumulative-count primitive, confusion matrices, ROC/PR curves and AUC, and cost matrices.
//!
//! Inputs are validated once, into [`BinaryTask`] and [`Groups`]; computations on checked
//! inputs fail only where a result is mathematically undefined.
//!
//! # Public surface
//! * at the top level: the checked inputs ([`BinaryTask`], [`Groups`] and their parts), the
//!   one primitive [`SortedCounts`], [`ConfusionMatrix`], ROC/PR curves and AUC,
//!   [`CostMatrix`], the [`PoissonBinomial`] distribution, the error [`CoreError`], the
//!   names of inputs as errors report them ([`names`]) and the process-wide parallelism switch ([`set_parallelism`]);
//! * [`calibration`]: calibrators and calibration metrics;
//! * [`compare`]: champion/challenger tests;
//! * [`cancel`]: cooperative cancellation of long computations;
//! * [`special`]: the special functions behind every p-value of the workspace.
//!
//! The other public modules are hidden plumbing shared with `mlops-drift` and
//! `mlops-fairness`, not part of the API.
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

// The public surface: the root items below, and the modules `calibration`, `cancel`,
// `compare` and `special`. Each item has one path.
pub mod calibration;
pub mod cancel;
pub mod compare;
pub mod special;

mod alternative;
mod confusion;
mod cost;
mod error;
mod exact;
mod groups;
mod input;
mod poisson_binomial;
mod roc;
mod sorted;
mod summary;

// Workspace plumbing, public only because mlops-drift and mlops-fairness share it (the
// parallel helpers behind the one switch, sorting and merging of scores, bounds for the
// threshold sweeps, the serde form of non-finite floats, checks of deserialised state).
// Hidden from the documentation: not part of the API, and no semver promise.
#[doc(hidden)]
pub mod bound;
#[doc(hidden)]
pub mod integer;
#[doc(hidden)]
pub mod merge;
#[doc(hidden)]
pub mod parallel;
#[doc(hidden)]
pub mod quantile;
#[doc(hidden)]
pub mod radix;
#[doc(hidden)]
pub mod rng;
#[doc(hidden)]
pub mod serde_float;
#[doc(hidden)]
pub mod state;

pub use alternative::Alternative;
pub use confusion::{ConfusionMatrix, Rates};
pub use cost::{CostMatrix, CostOptimum};
pub use error::{CoreError, Result};
pub use exact::ExactSum;
pub use groups::{ALL_ROWS_LABEL, GroupColumn, GroupKey, GroupValue, Groups};
pub use input::{
    BinaryLabel, BinaryTask, LosslessF64, MAX_EXACT_INT, MAX_TOTAL_WEIGHT, check_finite, check_len,
    check_weights, names, to_f64_lossless, to_labels,
};
pub use parallel::{enabled as parallelism_enabled, set_enabled as set_parallelism};
pub use poisson_binomial::{PoissonBinomial, TRIM_PER_SIDE};
pub use roc::{PrCurve, RocCurve, average_precision, precision_recall_curve, roc_auc, roc_curve};
pub use sorted::SortedCounts;
pub use summary::{GroupScores, SUMMARY_FORMAT_VERSION, ScoreSummary};
