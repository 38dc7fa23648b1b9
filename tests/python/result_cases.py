"""One result of every registered result type, each from a real call of the library: the
cases of ``test_result_family.py`` and of the result-stub check (``test_stubs.py``)."""

from __future__ import annotations

import numpy as np

from mlops_audit import calibration, compare, drift, fairness, gate

RNG = np.random.default_rng(3)
Y = RNG.random(300) < 0.4
S1 = np.clip(0.3 * Y + RNG.random(300) * 0.7, 0, 1)
S2 = np.clip(0.25 * Y + RNG.random(300) * 0.75, 0, 1)
A = RNG.normal(size=60)
B = A + RNG.normal(0.2, 1.0, size=60)
G = np.array(["a", "b", "c"] * 100)


def _shadow_summary():
    acc = compare.ShadowAccumulator()
    acc.record_many(np.arange(300), S1, S2)
    acc.label_many(np.arange(300), Y)
    return acc.summary()


def sequential():
    t = compare.SequentialTest(tau2=0.01)
    t.update_counts(30, 100, 40, 100)
    return t.result()


CASES = {
    "DelongResult": lambda: compare.delong(Y, S1, S2),
    "McNemarResult": lambda: compare.mcnemar(Y, S1 > 0.5, S2 > 0.5),
    "TTestResult": lambda: compare.paired_ttest(A, B, alternative="greater"),
    "WilcoxonResult": lambda: compare.wilcoxon(A, B),
    "MannWhitneyResult": lambda: compare.mann_whitney(A, B),
    "ProportionsZTestResult": lambda: compare.two_proportion_ztest(30, 100, 45, 120),
    "FisherExactResult": lambda: compare.fisher_exact([[3, 0], [5, 7]]),
    "PowerResult": lambda: compare.power(0.2, 400),
    "PairedBootstrapResult": lambda: compare.paired_bootstrap(Y, S1, S2, n_resamples=50),
    "ShadowSummary": _shadow_summary,
    "SequentialResult": sequential,
    "HosmerLemeshowResult": lambda: calibration.hosmer_lemeshow(Y, S1),
    "SpiegelhalterResult": lambda: calibration.spiegelhalter_z(Y, S1),
    "ReliabilityCurve": lambda: calibration.reliability_curve(Y, S1),
    "CalibrationByGroup": lambda: calibration.calibration_by_group(Y, S1, G),
    "KsResult": lambda: drift.ks_2samp(A, B),
    "WassersteinResult": lambda: drift.wasserstein(A, B),
    "PsiResult": lambda: drift.psi(A, B),
    "CategoricalResult": lambda: drift.categorical_drift({"a": 5, "b": 7}, {"a": 9, "c": 2}),
    "ProportionResult": lambda: drift.proportion_drift(30, 100, 45, 120),
    "CorrectionResult": lambda: drift.multipletests([0.01, 0.2, 0.04]),
    "AndersonResult": lambda: drift.anderson_ksamp([A, B]),
    "CvmResult": lambda: drift.cramervonmises_2samp(A, B),
    "RateDriftResult": lambda: drift.missing_rate_drift(3, 100, 9, 100),
    "MissingDriftResult": lambda: drift.numeric_missing_drift(
        [1.0, np.nan, 2.0], [np.inf, 1.0, np.nan, 4.0]),
    "UnseenCategoryResult": lambda: drift.unseen_category_drift({"a": 5}, {"a": 4, "z": 3}),
    "LabelFreeAudit": lambda: fairness.estimate_audit(S1 * 0.9, G, threshold=0.5),
    "DriftReport": lambda: drift.drift_report(
        {"x": A, "g": np.array(["a", "b"] * 30), "p": (A > 0).astype(float)},
        {"x": B, "g": np.array(["a", "b"] * 30), "p": (B > 0).astype(float)},
        group="g", prediction="p"),
    "GateReport": lambda: gate.evaluate({"max_fpr_gap": 0.05, "min_auc": 0.7},
                                        fpr_gap=0.03, auc=0.65),
}
