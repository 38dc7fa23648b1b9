//! Python bindings for mlops-audit, built by maturin into `mlops_audit._mlops_audit`.
//!
//! A thin layer: convert Python inputs (borrowing numpy/Arrow memory), release the GIL,
//! call the pure-Rust crates, convert results and errors. No statistics live here.

use pyo3::prelude::*;

use crate::errors::{BindError, BindResult};

mod args;
mod calibration;
mod compare;
mod datasets;
mod drift;
mod errors;
mod fairness;
mod gate;
mod input;
mod metrics;
mod monitor;
mod options;
mod plots;
mod report;
mod results;
mod summary;
mod value;

/// Runs `f` with the GIL released; its error, of any core error type, becomes a
/// [`BindError`] (raised as its `mlops_audit.errors` class when it reaches Python).
pub(crate) fn detach<T: Send, E: Into<BindError> + Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, E> + Send,
) -> BindResult<T> {
    py.detach(f).map_err(Into::into)
}

/// How often a long call looks for signals (Ctrl-C) while it runs.
const SIGNAL_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Runs a long, cancellable computation so that Ctrl-C interrupts it promptly.
///
/// `f` runs on a scoped helper thread under a [`mlops_core::cancel::CancelToken`], while
/// this thread waits with the GIL released and, every [`SIGNAL_POLL`], runs Python's
/// signal handlers (`check_signals`). When a handler raises (KeyboardInterrupt for
/// Ctrl-C), the token is cancelled, the helper stops at its next checkpoint (about one
/// replicate), and that exception is raised; `f`'s result, incomplete, is dropped. Without
/// a signal, `f`'s result or error is returned as soon as it is ready.
/// Worth a thread only for calls that can last seconds: the bootstraps.
pub(crate) fn detach_interruptible<T: Send, E: Into<BindError> + Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, E> + Send,
) -> BindResult<T> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let token = mlops_core::cancel::CancelToken::new();
    let done = AtomicBool::new(false);
    let waiter = std::thread::current();
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("mlops-audit-worker".into())
            .spawn_scoped(scope, || {
                let out = mlops_core::cancel::with_token(&token, f);
                done.store(true, Ordering::Release);
                waiter.unpark();
                out
            })
            .map_err(|e| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "could not start a thread for the computation: {e}"
                ))
            })?;
        let mut interrupted = None;
        while !done.load(Ordering::Acquire) {
            // Woken early by the worker when it finishes; spurious wake-ups just loop.
            py.detach(|| std::thread::park_timeout(SIGNAL_POLL));
            if done.load(Ordering::Acquire) {
                break;
            }
            if let Err(signal) = py.check_signals() {
                token.cancel();
                interrupted = Some(signal);
                break;
            }
        }
        let joined = py.detach(|| worker.join());
        if let Some(signal) = interrupted {
            return Err(signal.into());
        }
        match joined {
            Ok(out) => out.map_err(Into::into),
            Err(_) => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the computation panicked (a bug in mlops_audit: please report it)",
            )
            .into()),
        }
    })
}

/// Turns the library's parallelism off or on; the package calls this with ``False`` in a
/// child process after ``os.fork()`` (rayon's pool does not survive a fork).
#[pyfunction]
fn _set_parallelism(enabled: bool) {
    mlops_core::set_parallelism(enabled);
}

/// Whether the library may currently use several threads.
#[pyfunction]
fn _parallelism_enabled() -> bool {
    mlops_core::parallelism_enabled()
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

/// Runs the ``mlops-audit`` command line with ``argv`` (the arguments after the program
/// name) and returns its exit status: the same code as the binary, which writes to the
/// process's stdout and stderr itself. The GIL is released; Ctrl-C stops a bootstrap.
#[pyfunction]
fn _cli_main(py: Python<'_>, argv: Vec<String>) -> BindResult<u8> {
    crate::detach_interruptible(py, || Ok::<u8, BindError>(mlops_audit::cli::main(argv)))
}

#[pymodule]
fn _mlops_audit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(_set_parallelism, m)?)?;
    m.add_function(wrap_pyfunction!(_cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(_parallelism_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_sort_lower_bound, m)?)?;
    m.add_function(wrap_pyfunction!(results::_result_types, m)?)?;
    m.add_function(wrap_pyfunction!(results::_result_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(input::_column_info, m)?)?;
    m.add_function(wrap_pyfunction!(datasets::german_credit, m)?)?;
    m.add_function(wrap_pyfunction!(datasets::_simulate_lending, m)?)?;
    m.add_function(wrap_pyfunction!(gate::_gate_requirements, m)?)?;
    m.add_function(wrap_pyfunction!(gate::_gate_evaluate, m)?)?;
    m.add_class::<metrics::PyConfusionMatrix>()?;
    m.add_class::<metrics::PyCostMatrix>()?;
    m.add_class::<metrics::PyCostOptimum>()?;
    m.add_class::<fairness::PyThresholdPolicy>()?;
    m.add_function(wrap_pyfunction!(fairness::_equal_opportunity, m)?)?;
    m.add_class::<fairness::PyGroupAudit>()?;
    m.add_class::<summary::PyScoreSummary>()?;
    m.add_function(wrap_pyfunction!(fairness::_audit, m)?)?;
    m.add_function(wrap_pyfunction!(fairness::_estimate_audit, m)?)?;
    m.add_function(wrap_pyfunction!(plots::roc_by_group_py, m)?)?;
    m.add_function(wrap_pyfunction!(plots::roc_by_group_svg_py, m)?)?;
    m.add_function(wrap_pyfunction!(plots::frontier_py, m)?)?;
    m.add_function(wrap_pyfunction!(plots::frontier_svg_py, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::brier_score_, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::log_loss_, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_reliability_curve, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_calibration_errors, m)?)?;
    m.add_class::<calibration::PyIsotonicCalibrator>()?;
    m.add_class::<calibration::PyPlattCalibrator>()?;
    m.add_function(wrap_pyfunction!(compare::_delong, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_mcnemar, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_paired_ttest, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_welch_ttest, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_wilcoxon, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_mann_whitney, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_two_proportion_ztest, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_fisher_exact, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_power, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_sample_size, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_cohens_h, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_paired_bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(compare::_bootstrap_multiplicities, m)?)?;
    m.add_class::<compare::PyShadowAccumulator>()?;
    m.add_class::<compare::PySequentialTest>()?;
    m.add_function(wrap_pyfunction!(drift::ks_2samp, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_wasserstein, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_psi, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_categorical, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_proportion, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_multipletests, m)?)?;
    m.add_class::<monitor::PyReferenceProfile>()?;
    m.add_class::<monitor::PyDriftMonitor>()?;
    m.add_function(wrap_pyfunction!(monitor::_drift_report, m)?)?;
    m.add_function(wrap_pyfunction!(options::_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_anderson_ksamp, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_cramervonmises_2samp, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_rate_drift, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_numeric_missing, m)?)?;
    m.add_function(wrap_pyfunction!(drift::_unseen_categories, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::roc_auc, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::roc_curve, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::precision_recall_curve, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::average_precision, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::confusion_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::confusion_from_predictions, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::total_cost, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::cost_per_decision, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::min_cost_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_debiased_squared_ece, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_hosmer_lemeshow, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_spiegelhalter, m)?)?;
    m.add_function(wrap_pyfunction!(calibration::_calibration_by_group, m)?)?;
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
