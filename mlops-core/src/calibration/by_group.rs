//! Every calibration metric per group, with the worst group named per metric: does a
//! score of 0.2 mean the same risk in every protected group?

use serde::{Deserialize, Serialize};

use crate::calibration::check_probabilities;
use crate::calibration::hosmer_lemeshow::{
    HosmerLemeshowParams, HosmerLemeshowResult, hosmer_lemeshow,
};
use crate::calibration::metrics::{
    BinStrategy, ReliabilityCurve, brier_score, calibration_error,
    debiased_squared_calibration_error, log_loss, reliability_curve,
};
use crate::calibration::spiegelhalter::{SpiegelhalterResult, spiegelhalter_z};
use crate::error::{CoreError, Result};
use crate::groups::Groups;
use crate::input::BinaryTask;

/// Checked parameters of [`calibration_by_group`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationByGroupParams {
    /// Bins of the reliability curve, ECE, MCE and debiased ECE.
    pub n_bins: usize,
    /// Their layout.
    pub strategy: BinStrategy,
    /// The Hosmer-Lemeshow test's grouping.
    pub hosmer_lemeshow: HosmerLemeshowParams,
}

impl CalibrationByGroupParams {
    /// Checks the parameters.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `n_bins` outside `1..=MAX_BINS`.
    pub fn new(
        n_bins: usize,
        strategy: BinStrategy,
        hosmer_lemeshow: HosmerLemeshowParams,
    ) -> Result<Self> {
        crate::calibration::check_bins("n_bins", n_bins, 1)?;
        Ok(Self {
            n_bins,
            strategy,
            hosmer_lemeshow,
        })
    }
}

impl Default for CalibrationByGroupParams {
    /// 10 equal-width bins; Hosmer-Lemeshow on deciles of risk.
    fn default() -> Self {
        Self {
            n_bins: 10,
            strategy: BinStrategy::Uniform,
            hosmer_lemeshow: HosmerLemeshowParams::default(),
        }
    }
}

/// The calibration of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupCalibration {
    /// The group's name (its key, as text).
    pub group: String,
    /// Rows in the group.
    pub rows: usize,
    /// Their total weight.
    pub weight: f64,
    /// Brier score.
    pub brier: f64,
    /// Log loss.
    pub log_loss: f64,
    /// Expected calibration error.
    pub ece: f64,
    /// Maximum calibration error.
    pub mce: f64,
    /// Debiased squared calibration error (Kumar et al. 2019); `None` where undefined (no
    /// bin of this group holds more than one row).
    pub debiased_squared_ece: Option<f64>,
    /// The Hosmer-Lemeshow test; `None` where it is undefined in this group.
    pub hosmer_lemeshow: Option<HosmerLemeshowResult>,
    /// Spiegelhalter's z; `None` where it is undefined in this group.
    pub spiegelhalter: Option<SpiegelhalterResult>,
    /// The reliability curve.
    pub reliability: ReliabilityCurve,
}

/// The worst group for one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorstGroup {
    /// The metric: `brier`, `log_loss`, `ece`, `mce`, `debiased_squared_ece` (largest value
    /// is worst), `hosmer_lemeshow`, `spiegelhalter` (smallest p-value is worst).
    pub metric: String,
    /// The worst group (the first in group order at a tie).
    pub group: String,
    /// Its value of the metric (the p-value for the two tests).
    pub value: f64,
}

/// The result of [`calibration_by_group`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationByGroup {
    /// The names of the group columns.
    pub columns: Vec<String>,
    /// One entry per group, in the groups' (sorted key) order.
    pub groups: Vec<GroupCalibration>,
    /// The worst group per metric; a metric undefined in every group is left out.
    pub worst: Vec<WorstGroup>,
}

/// An undefined statistic becomes `None`; any other error stays an error.
fn undefined_is_none<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(CoreError::UndefinedMetric { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn one_group(
    name: String,
    task: &BinaryTask<'_>,
    params: &CalibrationByGroupParams,
) -> Result<GroupCalibration> {
    let reliability = reliability_curve(task, params.n_bins, params.strategy)?;
    let (ece, mce) = calibration_error(&reliability);
    Ok(GroupCalibration {
        group: name,
        rows: task.len(),
        weight: task.positive_weight() + task.negative_weight(),
        brier: brier_score(task)?,
        log_loss: log_loss(task)?,
        ece,
        mce,
        debiased_squared_ece: undefined_is_none(debiased_squared_calibration_error(
            task,
            params.n_bins,
            params.strategy,
        ))?,
        hosmer_lemeshow: undefined_is_none(hosmer_lemeshow(task, &params.hosmer_lemeshow))?,
        spiegelhalter: undefined_is_none(spiegelhalter_z(task))?,
        reliability,
    })
}

/// Every calibration metric of this module per group: Brier score, log loss, ECE and MCE,
/// the debiased squared ECE, the Hosmer-Lemeshow test, Spiegelhalter's z and the
/// reliability curve, each computed on the group's rows alone exactly as the single-group
/// function does (quantile bin edges are the group's own percentiles), plus the worst group
/// per metric. Groups run in parallel.
///
/// # Errors
/// [`CoreError::LengthMismatch`] between the task and the groups;
/// [`CoreError::OutOfRange`] for a probability outside `[0, 1]` (the index is the row's in
/// the whole input); [`CoreError::AllWeightsZero`] naming a group whose weights are all
/// zero.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, Groups, calibration::{CalibrationByGroupParams, calibration_by_group}};
/// let p = [0.1, 0.3, 0.6, 0.8, 0.2, 0.4, 0.7, 0.9];
/// let y = [0, 0, 1, 1, 1, 1, 1, 0];
/// let groups = Groups::from_strs("sex", &["f", "f", "f", "f", "m", "m", "m", "m"])?;
/// let task = BinaryTask::new(&p[..], &y[..])?;
/// let report = calibration_by_group(&task, &groups, &CalibrationByGroupParams::default())?;
/// assert_eq!(report.groups.len(), 2);
/// let worst_brier = report.worst.iter().find(|w| w.metric == "brier").unwrap();
/// assert_eq!(worst_brier.group, "m");
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub fn calibration_by_group(
    task: &BinaryTask<'_>,
    groups: &Groups,
    params: &CalibrationByGroupParams,
) -> Result<CalibrationByGroup> {
    crate::input::check_len(
        "groups",
        groups.len(),
        crate::input::names::Y_SCORE,
        task.len(),
    )?;
    check_probabilities(task)?;
    let k = groups.n_groups();
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut labels: Vec<Vec<bool>> = vec![Vec::new(); k];
    let mut weights: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (&g, (s, y, w)) in groups.ids().iter().zip(task.rows()) {
        let g = g as usize;
        scores[g].push(s);
        labels[g].push(y);
        weights[g].push(w);
    }
    let weighted = task.weights().is_some();
    let run = |g: usize| -> Result<GroupCalibration> {
        let name = groups.keys()[g].to_string();
        let sub = BinaryTask::new(&scores[g][..], &labels[g][..])?;
        let sub = if weighted {
            sub.with_weights(&weights[g][..]).map_err(|e| match e {
                CoreError::AllWeightsZero { .. } => CoreError::AllWeightsZero {
                    input: format!("sample_weight of group {name}"),
                },
                other => other,
            })?
        } else {
            sub
        };
        one_group(name, &sub, params)
    };
    let per_group: Vec<GroupCalibration> = crate::parallel::try_map_range(k > 1, k, run)?;
    let mut worst = Vec::new();
    let mut pick = |metric: &str, value: &dyn Fn(&GroupCalibration) -> Option<f64>, max: bool| {
        let mut best: Option<(&str, f64)> = None;
        for g in &per_group {
            if let Some(v) = value(g) {
                let better = match best {
                    None => true,
                    Some((_, b)) => (max && v > b) || (!max && v < b),
                };
                if better {
                    best = Some((&g.group, v));
                }
            }
        }
        if let Some((group, value)) = best {
            worst.push(WorstGroup {
                metric: metric.to_owned(),
                group: group.to_owned(),
                value,
            });
        }
    };
    pick("brier", &|g| Some(g.brier), true);
    pick("log_loss", &|g| Some(g.log_loss), true);
    pick("ece", &|g| Some(g.ece), true);
    pick("mce", &|g| Some(g.mce), true);
    pick("debiased_squared_ece", &|g| g.debiased_squared_ece, true);
    pick(
        "hosmer_lemeshow",
        &|g| g.hosmer_lemeshow.as_ref().map(|h| h.pvalue),
        false,
    );
    pick(
        "spiegelhalter",
        &|g| g.spiegelhalter.map(|s| s.pvalue),
        false,
    );
    Ok(CalibrationByGroup {
        columns: groups.columns().to_vec(),
        groups: per_group,
        worst,
    })
}
