//! Drift detection for models in production: two-sample tests on features and the share of
//! positive predictions per group, reference profiles and a monitor.
//!
//! Contents:
//! * [`ks_2samp`]: the two-sample Kolmogorov-Smirnov test of a numeric feature between
//!   training (`reference`) and production (`current`) data;
//! * [`wasserstein`](mod@wasserstein): the Wasserstein-1 distance, raw and in units of the
//!   reference standard deviation;
//! * [`psi`](mod@psi): the population stability index and Jensen-Shannon distance of a
//!   numeric feature on bins fixed from the reference;
//! * [`categorical`]: KL, JS, PSI, total variation, chi-square and G tests for a
//!   categorical feature given as counts per category;
//! * [`proportion`]: Wilson and Clopper-Pearson intervals and the two-proportion z-test for
//!   the share of positive predictions;
//! * [`correction`]: Bonferroni, Holm and Benjamini-Hochberg adjusted p-values;
//! * the accurate special functions behind these p-values are [`mlops_core::special`];
//! * [`anderson`]: the Anderson-Darling k-sample test (interpolated or permutation p-value);
//! * [`cvm`]: the two-sample Cramér-von Mises test (exact or asymptotic p-value);
//! * [`missing`]: missing-value rates and unseen categories as drift signals;
//! * [`profile`] and [`sketch`]: mergeable reference profiles of training data (exact
//!   categories; numeric values exact up to a cap, then a KLL quantile sketch);
//! * [`monitor`] and [`report`]: the [`DriftMonitor`] a service feeds batches from many
//!   threads, with windows, alerts and a JSON [`report::DriftReport`];
//! * [`events`]: the prediction event log (Arrow IPC files) replayed into a monitor, and
//!   outcomes joined to it later.
//!
//! The main types and functions of each module are re-exported at the crate root; every
//! failure is a [`DriftError`] (input problems shared with the other crates arrive as
//! [`DriftError::Core`]), and [`Result`] is the alias.
//!
//! # Examples
//! ```
//! use mlops_drift::{ks_2samp, KsParams};
//! let training = [0.2, 0.4, 0.5, 0.7, 0.9, 1.1, 1.3];
//! let production = [0.3, 0.6, 0.8, 1.0, 1.2];
//! let r = ks_2samp(&training, &production, KsParams::default())?;
//! assert!(r.pvalue > 0.5); // no evidence of drift
//! # Ok::<(), mlops_drift::DriftError>(())
//! ```

pub mod anderson;
pub mod categorical;
pub mod correction;
pub mod cvm;
mod error;
pub mod events;
pub mod ks;
pub mod missing;
pub mod monitor;
pub mod options;
pub mod profile;
pub mod proportion;
pub mod psi;
pub mod report;
pub mod sketch;
pub mod table;
mod validate;
pub mod wasserstein;

pub use anderson::{
    AdMethod, AdPValueMethod, AdVariant, AndersonParams, AndersonResult, PValueLimit,
    anderson_ksamp,
};
pub use categorical::{CategoricalParams, CategoricalResult, categorical_drift};
pub use correction::{Correction, CorrectionResult, multipletests};
pub use cvm::{CvmMethod, CvmPValueMethod, CvmResult, cramervonmises_2samp};
pub use error::{DriftError, Result};
pub use ks::{
    Alternative, KsMethod, KsParams, KsResult, PValueMethod, ks_2samp, ksone_sf, kstwo_sf,
};
pub use missing::{
    MissingCounts, MissingDriftResult, RateDriftResult, UnseenCategory, UnseenCategoryResult,
    numeric_missing_drift, rate_drift, rate_test, unseen_category_drift,
};
pub use monitor::{
    DriftMonitor, EvaluationHistory, FeatureTest, MonitorConfig, MonitorState, Window,
    WindowEvaluation, drift_report, drift_report_profiles,
};
pub use options::{Columns, DriftReportOptions, MonitorOptions, ProfileOptions, TestOptions};
pub use profile::{
    ColumnKind, OutputCounts, OutputTally, PredictionSpec, ProfileParams, ReferenceProfile,
};
pub use proportion::{ProportionResult, proportion_drift};
pub use psi::{Binning, PsiOptions, PsiParams, PsiResult, psi};
pub use report::{AlertStatus, DriftReport};
pub use sketch::QuantileSketch;
pub use table::{ColumnData, MISSING_CODE, Table, TextColumn};
pub use wasserstein::{WassersteinResult, wasserstein, wasserstein_weighted};
