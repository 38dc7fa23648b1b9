"""Every public function works in a child forked after the parent used rayon's pool.

A forked child (``multiprocessing`` with fork, gunicorn and celery prefork workers) inherits
rayon's pool without its threads, so one parallel call that ignores the package's
parallelism switch waits for ever. The parent here starts the pool, forks, and has the child
call every public function and class of every ``mlops_audit`` submodule's ``__all__`` on
inputs past the parallel cut-offs (2^15 rows for sorts, 2^16 per side for KS and
Wasserstein, 20 000 rows for drift profiles, bootstrap and permutation replicates). The
parent watches each call through a pipe, kills the child when one runs past its deadline,
and goes on with the remaining cases in a new child; the test fails naming each call that
hung or raised.
"""

from __future__ import annotations

import importlib
import os
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import mlops_audit
from mlops_audit import (calibration, compare, datasets, drift, fairness, gate, metrics, report,
                         results)
from mlops_audit._mlops_audit import _parallelism_enabled, _result_types

# One call may take this long in a child before it counts as hung. Generous: a debug build
# on a busy two-core machine; a hang is for ever.
DEADLINE_SECONDS = 120.0
N = 1 << 17


@dataclass(frozen=True)
class Data:
    y: np.ndarray
    s: np.ndarray
    s2: np.ndarray
    w: np.ndarray
    g: np.ndarray
    half: int


def _data() -> Data:
    rng = np.random.default_rng(20240601)
    y = rng.random(N) < 0.3
    g = np.array(["A", "B", "C"])[rng.integers(0, 3, N)]
    s = np.clip(0.6 * rng.random(N) + 0.3 * y, 0.0, 1.0)
    s2 = np.clip(0.7 * rng.random(N) + 0.2 * y, 0.0, 1.0)
    w = rng.uniform(0.5, 2.0, N)
    return Data(y, s, s2, w, g, N // 2)


def _policy(d: Data) -> fairness.ThresholdPolicy:
    return fairness.equal_opportunity(d.y, d.s, d.g, tolerance=0.05, sample_weight=d.w)


def _audit(d: Data) -> fairness.GroupAudit:
    return fairness.audit(d.y, d.s, d.g, threshold=0.4, sample_weight=d.w, bootstrap=20, seed=3)


def _group_audit(d: Data) -> None:
    a = _audit(d)
    a.rate("fpr"), a.to_dict(), a.to_json(), a._repr_html_()


def _threshold_policy(d: Data) -> None:
    p = fairness.equal_opportunity(d.y, d.s, d.g, tolerance=0.05, randomized=True)
    p.predict(d.s, d.g, seed=1)
    p.predict(d.s, d.g, row_key=np.arange(N, dtype=np.int64))
    fairness.ThresholdPolicy.from_json(p.to_json()).to_dict()


def _threshold_optimizer(d: Data) -> None:
    opt = fairness.ThresholdOptimizer(tolerance=0.05).fit(d.s, d.y, d.g, sample_weight=d.w)
    opt.predict(d.s, d.g)


def _calibrator(cls: type) -> Callable[[Data], Any]:
    def run(d: Data) -> None:
        c = cls().fit(d.s, d.y, sample_weight=d.w)
        c.predict(d.s)
        type(c).from_json(c.to_json())
    return run


def _frame(d: Data, lo: int, hi: int) -> dict[str, Any]:
    return {"score": d.s[lo:hi], "other": d.s2[lo:hi], "group": d.g[lo:hi],
            "pred": (d.s[lo:hi] >= 0.5).astype(np.float64)}


def _profile(d: Data) -> drift.ReferenceProfile:
    return drift.ReferenceProfile.from_data(_frame(d, 0, d.half), categorical=["group"],
                                            prediction="pred", group="group")


def _reference_profile(d: Data) -> None:
    p = _profile(d)
    q = drift.ReferenceProfile.from_data(_frame(d, d.half, N), categorical=["group"],
                                         prediction="pred", group="group")
    drift.ReferenceProfile.from_json(p.merge(q).to_json()).to_dict()


def _drift_monitor(d: Data) -> None:
    m = drift.DriftMonitor(_profile(d))
    m.ingest(_frame(d, d.half, N))
    r = m.evaluate()
    r.drifted, r.to_json(), r._repr_html_()


def _drift_report(d: Data) -> None:
    drift.drift_report(_frame(d, 0, d.half), _frame(d, d.half, N), categorical=["group"],
                       prediction="pred", group="group").to_dict()


def _shadow(d: Data) -> None:
    acc = compare.ShadowAccumulator()
    ids = list(range(1 << 15))
    acc.record_many(ids, d.s[: 1 << 15], d.s2[: 1 << 15])
    acc.label_many(ids, d.y[: 1 << 15])
    acc.summary()
    compare.ShadowAccumulator.from_json(acc.to_json())


def _sequential(d: Data) -> None:
    t = compare.SequentialTest("means", tau2=0.01)
    t.update(d.s[:1000], d.s2[:1000])
    compare.SequentialTest.from_json(t.to_json()).result()


def _requirements(d: Data) -> gate.Requirements:
    return gate.Requirements.from_dict({"max_fpr_gap": 0.5, "min_auc": 0.5})


def _gate_report(d: Data) -> gate.GateReport:
    return gate.evaluate(_requirements(d), fpr_gap=0.1, auc=metrics.roc_auc(d.y, d.s))


def _report(d: Data) -> None:
    r = report.Report("fork", unix_seconds=0)
    r.add_audit(_audit(d))
    r.add_policy(_policy(d))
    r.add_drift(drift.drift_report(_frame(d, 0, d.half), _frame(d, d.half, N)))
    r.set_gate(_gate_report(d))
    r.add_input("y_score", d.s)
    report.Report.from_json(r.to_json()).to_html()


def _axes() -> Any:
    import matplotlib.pyplot as plt
    return plt.subplots()[1]


def _close_figures() -> None:
    import matplotlib.pyplot as plt
    plt.close("all")


# Each public name: a call (or a class's usual life cycle) that reaches its parallel paths.
CASES: dict[str, Callable[[Data], Any]] = {
    "metrics.ConfusionMatrix": lambda d: metrics.confusion_matrix(d.y, d.s, 0.5).to_dict(),
    "metrics.CostMatrix": lambda d: metrics.CostMatrix().total_cost(
        metrics.confusion_matrix(d.y, d.s, 0.5)),
    "metrics.CostOptimum": lambda d: metrics.min_cost_threshold(d.y, d.s).confusion,
    "metrics.average_precision": lambda d: metrics.average_precision(d.y, d.s, d.w),
    "metrics.confusion_from_predictions": lambda d: metrics.confusion_from_predictions(
        d.y, d.s >= 0.5, d.w),
    "metrics.confusion_matrix": lambda d: metrics.confusion_matrix(d.y, d.s, 0.5, d.w),
    "metrics.expected_cost": lambda d: metrics.expected_cost(d.y, d.s, 0.2, sample_weight=d.w),
    "metrics.total_cost": lambda d: metrics.total_cost(d.y, d.s, 0.2, sample_weight=d.w),
    "metrics.cost_per_decision":
        lambda d: metrics.cost_per_decision(d.y, d.s, 0.2, sample_weight=d.w),
    "metrics.min_cost_threshold": lambda d: metrics.min_cost_threshold(d.y, d.s,
                                                                       sample_weight=d.w),
    "metrics.precision_recall_curve": lambda d: metrics.precision_recall_curve(d.y, d.s, d.w),
    "metrics.roc_auc": lambda d: metrics.roc_auc(d.y, d.s, d.w),
    "metrics.roc_curve": lambda d: metrics.roc_curve(d.y, d.s, d.w),
    "fairness.GroupAudit": _group_audit,
    "fairness.ThresholdOptimizer": _threshold_optimizer,
    "fairness.ThresholdPolicy": _threshold_policy,
    "fairness.audit": _audit,
    "fairness.equal_opportunity": _policy,
    "fairness.ScoreSummary": lambda d: fairness.ScoreSummary.from_arrays(d.y, d.s, d.g).merge(
        fairness.ScoreSummary.from_arrays(d.y[::-1], d.s[::-1], d.g[::-1])).to_json(),
    "fairness.estimate_audit": lambda d: fairness.estimate_audit(
        d.s, d.g, threshold=0.5).to_json(),
    "fairness.frontier": lambda d: fairness.frontier(d.y, d.s, d.g, sample_weight=d.w),
    "fairness.frontier_svg": lambda d: fairness.frontier_svg(d.y, d.s, d.g),
    "fairness.plot_frontier": lambda d: (fairness.plot_frontier(d.y, d.s, d.g, ax=_axes()),
                                         _close_figures()),
    "fairness.plot_roc_by_group": lambda d: (fairness.plot_roc_by_group(
        d.y, d.s, d.g, policy=_policy(d), ax=_axes()), _close_figures()),
    "fairness.roc_by_group": lambda d: fairness.roc_by_group(d.y, d.s, d.g, policy=_policy(d)),
    "fairness.roc_by_group_svg": lambda d: fairness.roc_by_group_svg(d.y, d.s, d.g),
    "calibration.BetaCalibrator": _calibrator(calibration.BetaCalibrator),
    "calibration.CalibrationByGroup": lambda d: calibration.calibration_by_group(
        d.y, d.s, d.g).to_dict(),
    "calibration.HistogramCalibrator": _calibrator(calibration.HistogramCalibrator),
    "calibration.IsotonicCalibrator": _calibrator(calibration.IsotonicCalibrator),
    "calibration.PlattCalibrator": _calibrator(calibration.PlattCalibrator),
    "calibration.ReliabilityCurve": lambda d: calibration.reliability_curve(d.y, d.s).to_dict(),
    "calibration.brier_score": lambda d: calibration.brier_score(d.y, d.s, d.w),
    "calibration.calibration_by_group": lambda d: calibration.calibration_by_group(
        d.y, d.s, d.g, sample_weight=d.w),
    "calibration.debiased_squared_calibration_error":
        lambda d: calibration.debiased_squared_calibration_error(d.y, d.s, sample_weight=d.w),
    "calibration.expected_calibration_error": lambda d: calibration.expected_calibration_error(
        d.y, d.s, sample_weight=d.w),
    "calibration.hosmer_lemeshow": lambda d: calibration.hosmer_lemeshow(d.y, d.s,
                                                                         sample_weight=d.w),
    "calibration.log_loss": lambda d: calibration.log_loss(d.y, d.s, d.w),
    "calibration.max_calibration_error": lambda d: calibration.max_calibration_error(
        d.y, d.s, sample_weight=d.w),
    "calibration.plot_reliability_diagram": lambda d: (calibration.plot_reliability_diagram(
        d.y, d.s, groups=d.g, ax=_axes()), _close_figures()),
    "calibration.reliability_curve": lambda d: calibration.reliability_curve(d.y, d.s,
                                                                             sample_weight=d.w),
    "calibration.reliability_diagram_svg": lambda d: calibration.reliability_diagram_svg(
        d.y, d.s, groups=d.g),
    "calibration.spiegelhalter_z": lambda d: calibration.spiegelhalter_z(d.y, d.s,
                                                                         sample_weight=d.w),
    "compare.SequentialTest": _sequential,
    "compare.ShadowAccumulator": _shadow,
    "compare.cohens_h": lambda d: compare.cohens_h(0.3, 0.2),
    "compare.delong": lambda d: compare.delong(d.y, d.s, d.s2),
    "compare.fisher_exact": lambda d: compare.fisher_exact([[10, 20], [30, 5]]),
    "compare.mann_whitney": lambda d: compare.mann_whitney(d.s[: d.half], d.s2[d.half:]),
    "compare.mcnemar": lambda d: compare.mcnemar(d.y, d.s >= 0.5, d.s2 >= 0.5),
    "compare.paired_bootstrap": lambda d: (
        compare.paired_bootstrap(d.y, d.s, d.s2, n_resamples=20, sample_weight=d.w),
        compare.paired_bootstrap(d.y, d.s, d.s2, metric="max_fpr_gap", groups=d.g,
                                 threshold=0.4, n_resamples=20)),
    "compare.paired_ttest": lambda d: compare.paired_ttest(d.s, d.s2),
    "compare.power": lambda d: compare.power(0.1, 1000),
    "compare.sample_size": lambda d: compare.sample_size(0.1),
    "compare.two_proportion_ztest": lambda d: compare.two_proportion_ztest(30, 100, 40, 100),
    "compare.welch_ttest": lambda d: compare.welch_ttest(d.s[: d.half], d.s2[d.half:]),
    "compare.wilcoxon": lambda d: compare.wilcoxon(d.s, d.s2),
    "datasets.german_credit": lambda d: datasets.german_credit(),
    "datasets.simulate_lending": lambda d: datasets.simulate_lending(N, as_frame=False),
    "drift.DriftMonitor": _drift_monitor,
    "drift.DriftReport": _drift_report,
    "drift.KsResult": lambda d: drift.ks_2samp(d.s[: d.half], d.s2[d.half:]).to_dict(),
    "drift.ReferenceProfile": _reference_profile,
    "drift.anderson_ksamp": lambda d: drift.anderson_ksamp(
        [d.s[:2000], d.s2[:2000], d.s[2000:4000]], method="permutation", resamples=30),
    "drift.categorical_drift": lambda d: drift.categorical_drift({"a": 10, "b": 5},
                                                                 {"a": 7, "b": 9}),
    "drift.cramervonmises_2samp": lambda d: drift.cramervonmises_2samp(d.s[: d.half],
                                                                       d.s2[d.half:]),
    "drift.drift_report": _drift_report,
    "drift.ks_2samp": lambda d: drift.ks_2samp(d.s[: d.half], d.s2[d.half:]),
    "drift.missing_rate_drift": lambda d: drift.missing_rate_drift(3, 100, 9, 100),
    "drift.multipletests": lambda d: drift.multipletests(d.s[:1000]),
    "drift.numeric_missing_drift": lambda d: drift.numeric_missing_drift(
        np.where(d.y[: d.half], np.nan, d.s[: d.half]), d.s2[d.half:]),
    "drift.proportion_drift": lambda d: drift.proportion_drift(30, 100, 45, 100),
    "drift.psi": lambda d: drift.psi(d.s[: d.half], d.s2[d.half:]),
    "drift.unseen_category_drift": lambda d: drift.unseen_category_drift({"a": 10}, {"a": 3,
                                                                                     "z": 2}),
    "drift.wasserstein": lambda d: drift.wasserstein(d.s[: d.half], d.s2[d.half:]),
    "gate.GateReport": lambda d: (str(_gate_report(d)), _gate_report(d).to_json()),
    "gate.Requirements": lambda d: gate.Requirements.from_toml("max_fpr_gap = 0.1").to_dict(),
    "gate.assert_gate": lambda d: gate.assert_gate(_gate_report(d)),
    "gate.evaluate": _gate_report,
    "report.Chart": lambda d: report.Chart("roc", fairness.roc_by_group_svg(d.y, d.s,
                                                                            d.g)).to_dict(),
    "report.Report": _report,
    "report.Section": lambda d: report.Report("s", unix_seconds=0).add_section(
        "s", paragraphs=["p"]).sections[0].to_dict(),
    "report.Table": lambda d: report.Table("t", ["a"], [[1.0]]).to_dict(),
    "report.fingerprint": lambda d: report.fingerprint("y_score", d.s),
    "report.rate_bars_svg": lambda d: report.rate_bars_svg({"A": (0.1, 0.2)}),
    "results.from_json": lambda d: results.from_json(
        drift.ks_2samp(d.s[:40], d.s[40:80]).to_json()),
}

# Public names that compute nothing in Rust: constants, result containers filled elsewhere,
# the exception classes.
NOT_CALLS = {"datasets.SCENARIOS", "report.STATUSES", "results.TestResult",
             "calibration.TestResult", "compare.TestResult", "drift.TestResult",
             "results.Result", *(f"results.{name}" for name in _result_types()),
             # Need a Spark session; their per-partition work (ScoreSummary, profiles) and
             # everything they return have fork cases of their own.
             "spark.audit", "spark.drift_report", "spark.equal_opportunity", "spark.profile",
             "spark.summary"}
SKIPPED_MODULES = {"errors"}


def _public_names() -> set[str]:
    names = set()
    for module_name in mlops_audit.__all__:
        if module_name.startswith("_") or module_name in SKIPPED_MODULES:
            continue
        module = importlib.import_module(f"mlops_audit.{module_name}")
        for name in getattr(module, "__all__", ()):
            names.add(f"{module_name}.{name}")
    return names


def test_every_public_name_has_a_fork_case():
    public = _public_names()
    missing = sorted(public - set(CASES) - NOT_CALLS)
    stale = sorted(set(CASES) - public)
    assert not missing, f"public names without a fork case: {missing}"
    assert not stale, f"fork cases for names that are not public: {stale}"


def _child(w: int, names: list[str], d: Data) -> None:
    """Runs in the forked child: reports each case on the pipe, never returns."""
    try:
        os.write(w, f"enabled {_parallelism_enabled()}\n".encode())
        for name in names:
            os.write(w, f"start {name}\n".encode())
            try:
                CASES[name](d)
                os.write(w, f"ok {name}\n".encode())
            except BaseException as e:  # noqa: BLE001 - reported to the parent
                text = "".join(traceback.format_exception_only(type(e), e)).strip()
                os.write(w, f"error {name} {text!r}\n".encode())
    finally:
        os._exit(0)


def _watch(r: int, pid: int) -> tuple[list[str], str | None]:
    """Reads the child's lines until it exits or one case passes its deadline: the lines,
    and the case that hung (the child is then killed)."""
    lines: list[str] = []
    buffer = b""
    current: str | None = None
    started = time.monotonic()
    while True:
        ready, _, _ = select.select([r], [], [], 1.0)
        if ready:
            chunk = os.read(r, 65536)
            if not chunk:
                os.waitpid(pid, 0)
                return lines, None
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                line = raw.decode()
                lines.append(line)
                kind, _, rest = line.partition(" ")
                if kind == "start":
                    current, started = rest, time.monotonic()
                elif kind in ("ok", "error"):
                    current = None
        if current is not None and time.monotonic() - started > DEADLINE_SECONDS:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return lines, current


@pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"),
                    reason="needs os.fork")
def test_every_public_function_finishes_in_a_forked_child():
    import matplotlib

    matplotlib.use("Agg")  # imported in the parent: a child should not pay for it per case
    d = _data()
    # The parent uses rayon's pool first, so that the child inherits a started pool.
    assert _parallelism_enabled()
    _audit(d)
    metrics.roc_auc(d.y, d.s)
    assert _parallelism_enabled()

    remaining = sorted(CASES)
    hung: list[str] = []
    errors: list[str] = []
    enabled_in_child: set[str] = set()
    while remaining:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(w, remaining, d)
        os.close(w)
        try:
            lines, stuck = _watch(r, pid)
        finally:
            os.close(r)
        done = set()
        for line in lines:
            kind, _, rest = line.partition(" ")
            if kind == "enabled":
                enabled_in_child.add(rest)
            elif kind == "ok":
                done.add(rest)
            elif kind == "error":
                name, _, message = rest.partition(" ")
                done.add(name)
                errors.append(f"{name}: {message}")
        if stuck is not None:
            hung.append(stuck)
            done.add(stuck)
        elif set(remaining) - done:
            errors.append(f"the child died before {sorted(set(remaining) - done)}")
            break
        remaining = [n for n in remaining if n not in done]
    assert _parallelism_enabled()  # the parent keeps its parallelism
    assert not hung, f"hung in a forked child (killed after {DEADLINE_SECONDS} s): {hung}"
    assert not errors, "\n".join(errors)
    assert enabled_in_child == {"False"}, enabled_in_child
