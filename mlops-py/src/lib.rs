//! Python bindings for mlops-audit, built by maturin into `mlops_audit._mlops_audit`.
//!
//! A thin layer: convert Python inputs (borrowing numpy/Arrow memory), release the GIL,
//! call the pure-Rust crates, convert results and errors. No statistics live here.

use mlops_core::CoreError;
use pyo3::prelude::*;

mod args;
mod calibration;
mod compare;
mod convert;
mod datasets;
mod drift;
mod errors;
mod fairness;
mod gate;
mod groups;
mod metrics;
mod monitor;
mod plots;
mod report;

/// Runs `f` with the GIL released and maps its error to the `mlops_audit.errors` class.
pub(crate) fn detach<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, CoreError> + Send,
) -> PyResult<T> {
    py.detach(f).map_err(errors::core_err)
}

/// Turns the library's parallelism off or on; the package calls this with ``False`` in a
/// child process after ``os.fork()`` (rayon's pool does not survive a fork).
#[pyfunction]
fn _set_parallelism(enabled: bool) {
    mlops_core::parallel::set_enabled(enabled);
}

/// Whether the library may currently use several threads.
#[pyfunction]
fn _parallelism_enabled() -> bool {
    mlops_core::parallel::enabled()
}

/// A bare ``sort_unstable_by(f64::total_cmp)`` of a copy of ``values`` (float64, GIL
/// released): the lower bound in this library's own language for benchmarks of tasks that
/// must sort their scores (``benches/compare``). Returns nothing.
#[pyfunction]
fn _sort_lower_bound(py: Python<'_>, values: numpy::PyReadonlyArray1<'_, f64>) -> PyResult<()> {
    let view = values.as_array();
    py.detach(|| {
        let mut copy: Vec<f64> = view.iter().copied().collect();
        copy.sort_unstable_by(f64::total_cmp);
        std::hint::black_box(&copy);
    });
    Ok(())
}

#[pymodule]
fn _mlops_audit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(_set_parallelism, m)?)?;
    m.add_function(wrap_pyfunction!(_parallelism_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_sort_lower_bound, m)?)?;
    m.add_function(wrap_pyfunction!(convert::_column_info, m)?)?;
    m.add_function(wrap_pyfunction!(datasets::german_credit, m)?)?;
    m.add_function(wrap_pyfunction!(datasets::_simulate_lending, m)?)?;
    m.add_function(wrap_pyfunction!(gate::_gate_requirements, m)?)?;
    m.add_function(wrap_pyfunction!(gate::_gate_evaluate, m)?)?;
    m.add_class::<metrics::PyConfusionMatrix>()?;
    m.add_class::<metrics::PyCostMatrix>()?;
    m.add_class::<metrics::PyCostOptimum>()?;
    m.add_class::<fairness::PyThresholdPolicy>()?;
    m.add_function(wrap_pyfunction!(fairness::equal_opportunity, m)?)?;
    m.add_class::<fairness::PyGroupAudit>()?;
    m.add_function(wrap_pyfunction!(fairness::audit, m)?)?;
    m.add_function(wrap_pyfunction!(plots::roc_by_group_py, m)?)?;
    m.add_function(wrap_pyfunction!(plots::roc_by_group_svg_py, m)?)?;
    m.add_function(wrap_pyfunction!(plots::frontier_py, m)?)?;
    m.add_function(wrap_pyfunction!(plots::frontier_svg_py, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::brier_score_, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::log_loss_, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_reliability_curve_json, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_calibration_errors, m)?)?;
    m.add_class::<calibration::PyIsotonicCalibrator>()?;
    m.add_class::<calibration::PyPlattCalibrator>()?;
    m.add_function(wrap_pyfunction!(compare::_delong_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_mcnemar_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_paired_ttest_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_welch_ttest_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_wilcoxon_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_mann_whitney_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_two_proportion_ztest_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_fisher_exact_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_power_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_sample_size_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_cohens_h, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_paired_bootstrap_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_bootstrap_multiplicities, m)?)?;
    m.add_class::<compare::PyShadowAccumulator>()?;
    m.add_class::<compare::PySequentialTest>()?;
    m.add_class::<drift::PyKsResult>()?;
    m.add_function(wrap_pyfunction!(drift::ks_2samp, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_wasserstein_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_psi_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_categorical_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_proportion_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_multipletests_json, m)?)?;
    m.add_class::<monitor::PyReferenceProfile>()?;
    m.add_class::<monitor::PyDriftMonitor>()?;
    m.add_function(wrap_pyfunction!(monitor::_drift_report_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_anderson_ksamp_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_cramervonmises_2samp_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_rate_drift_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_numeric_missing_json, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_unseen_categories_json, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::roc_auc, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::roc_curve, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::precision_recall_curve, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::average_precision, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::confusion_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::confusion_from_predictions, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::expected_cost, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::min_cost_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_debiased_squared_ece, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_hosmer_lemeshow_json, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_spiegelhalter_json, m)?)?;
    m.add_function(wrap_pyfunction!(
        calibration::_calibration_by_group_json,
        m
    )?)?;
    m.add_class::<calibration::PyHistogramCalibrator>()?;
    m.add_class::<calibration::PyBetaCalibrator>()?;
    m.add_function(wrap_pyfunction!(calibration::reliability_diagram_svg, m)?)?;
    m.add_function(wrap_pyfunction!(report::_new_report_json, m)?)?;
    m.add_function(wrap_pyfunction!(report::_report_json, m)?)?;
    m.add_function(wrap_pyfunction!(report::_render_report_html, m)?)?;
    m.add_function(wrap_pyfunction!(report::_render_section_html, m)?)?;
    m.add_function(wrap_pyfunction!(report::_audit_section_json, m)?)?;
    m.add_function(wrap_pyfunction!(report::_policy_section_json, m)?)?;
    m.add_function(wrap_pyfunction!(report::_drift_section_json, m)?)?;
    m.add_function(wrap_pyfunction!(report::_fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(report::_rate_bars_svg, m)?)?;
    m.add_function(wrap_pyfunction!(report::_check_chart, m)?)?;
    Ok(())
}
