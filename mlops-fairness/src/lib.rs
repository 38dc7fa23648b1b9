//! Fairness for binary decisions: cost-optimal per-group thresholds under an
//! equal-opportunity constraint, and group audits.
//!
//! The lending case drives the defaults: a flag sends a loan to a review that usually
//! rejects it, a missed bad loan costs 5 times a needless review, and fairness means equal
//! false-positive rates across groups. [`ThresholdSearch`] finds the exact cost-optimal
//! per-group thresholds under that constraint.
//!
//! The public surface is the crate root: [`ThresholdSearch`] (its [`SearchParams`],
//! [`Constraint`] and the fitted [`ThresholdPolicy`]), the group [`audit`] ([`AuditParams`],
//! [`GroupAudit`]), ROC curves by group ([`roc_by_group`]), label-free estimates from
//! calibrated probabilities ([`estimate`], [`LabelFreeAudit`]) and [`FairnessError`].

mod audit;
mod curves;
mod error;
mod estimate;
mod hull;
mod membership;
mod odds;
mod search;
mod threshold;

pub use audit::{
    AuditOptions, AuditParams, BootstrapIntervals, Decision, Disparity, GroupAudit, GroupMetrics,
    Interval, RATE_NAMES, audit, audit_summary, rate_by_name,
};
pub use curves::{
    DEFAULT_FRONTIER, FrontierPoint, GroupRoc, OperatingPoint, roc_by_group, roc_by_group_summary,
};
pub use error::{FairnessError, Result};
pub use estimate::{
    Estimate, EstimateParams, ExpectedCounts, FlagRule, GroupEstimate, LabelFreeAudit, MAX_ATOMS,
    PredictionInterval, estimate,
};
pub use membership::{
    MEMBERSHIP_SUM_TOLERANCE, MembershipExpansion, audit_membership, expand_membership,
};
pub use threshold::{
    Band, Baseline, Baselines, Constraint, DEFAULT_MAX_GROUPS, GroupFit, GroupRule,
    POLICY_FORMAT_VERSION, SearchOptions, SearchParams, ThresholdPolicy, ThresholdSearch,
    key_from_bytes, uniform_from_key, uniform_from_seed,
};
