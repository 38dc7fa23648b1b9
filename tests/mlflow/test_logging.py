"""mlops_audit.mlflow's log_* and load_* functions against a real tracking store: what is
read back from the run (metrics, params, tags, artifacts) equals the library's results, and
the per-group numbers equal an independent computation (scikit-learn, SciPy) for the group
their key names."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import mlflow
import numpy as np
import pytest
import scipy.stats
from mlflow.utils.validation import _validate_metric_name
from sklearn.metrics import brier_score_loss, confusion_matrix

import mlops_audit
import mlops_audit.mlflow as mm
from mlops_audit import calibration, datasets, drift, errors, fairness, gate, report


def _artifact(client, run_id, path):
    return mlflow.artifacts.load_text(f"runs:/{run_id}/{path}")


def _record(client, run_id, prefix):
    return json.loads(_artifact(client, run_id, f"mlops_audit/{prefix}.json"))


def _fpr_oracle(y, flags):
    """FPR = FP / (FP + TN) from scikit-learn's confusion matrix; None without negatives."""
    tn, fp, _fn, _tp = confusion_matrix(np.asarray(y, bool), np.asarray(flags, bool),
                                        labels=[False, True]).ravel()
    return None if fp + tn == 0 else fp / (fp + tn)


# -- the package and the module ----------------------------------------------------------


def test_importing_the_package_does_not_import_mlflow():
    code = "import sys, mlops_audit; assert 'mlflow' not in sys.modules, 'mlflow imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_without_mlflow_the_import_error_names_the_extra():
    code = ("import sys; sys.modules['mlflow'] = None\n"
            "try:\n    import mlops_audit.mlflow\nexcept ImportError as e:\n    print(e)\n"
            "else:\n    raise SystemExit('imported without mlflow')")
    out = subprocess.run([sys.executable, "-c", code], check=True, timeout=120,
                         capture_output=True, text=True).stdout
    assert "mlops-audit[mlflow]" in out and "`mlflow` extra" in out, out


def test_module_exports_exactly_its_all():
    public = {name for name in dir(mm) if not name.startswith("_")}
    assert sorted(public) == sorted(mm.__all__)
    for name in mm.__all__:
        assert getattr(mm, name) is not None


def test_the_extra_and_the_entry_point_are_declared():
    import importlib.metadata as md

    from packaging.requirements import Requirement

    requires = [Requirement(r) for r in md.requires("mlops-audit") or []]
    extra = [r for r in requires if r.name == "mlflow"]
    assert len(extra) == 1 and extra[0].marker.evaluate({"extra": "mlflow"}), requires
    assert not extra[0].marker.evaluate({"extra": ""})  # optional: not a plain dependency
    points = md.entry_points(group="mlflow.model_evaluator")
    ours = [p for p in points if p.name == "mlops_audit"]
    assert [p.value for p in ours] == ["mlops_audit.mlflow:AuditEvaluator"]
    assert ours[0].load() is mm.AuditEvaluator
    from mlflow.models import list_evaluators

    assert "mlops_audit" in list_evaluators()


# -- metric keys -------------------------------------------------------------------------


TRICKY = ["A", "a", "a b", "a_20b", "a_b", "a.b", "a/b", "a:b", "", "_", "__", "-", "é",
          "e\u0301", "\u00e9t\u00e9", "Black or African American", "../x", "x/..", "%",
          "a" * 64, "a" * 65, "a" * 300, "a" * 299 + "b", "\U0001F600", "None", "null",
          "_missing", "3", None, 3, -3, ("a", "b"), ("a__b",), ("a", None), (None, "a"),
          ("a_b", "c"), ("a", "b_c")]


def test_group_segments_are_distinct_valid_keys_and_deterministic():
    segments = [mm.group_segment(k) for k in TRICKY]
    # int 3 and text "3" are the one documented clash (a column never mixes them).
    clash = {TRICKY.index("3"), TRICKY.index(3)}
    assert segments[TRICKY.index("3")] == segments[TRICKY.index(3)]
    rest = [s for i, s in enumerate(segments) if i not in clash]
    assert len(set(rest)) == len(rest), [(k, s) for k, s in zip(TRICKY, segments)]
    for s in segments:
        key = f"audit.group.{s}.fpr"
        _validate_metric_name(key)  # MLflow's own check (raises on an invalid key)
        assert len(key) <= 250 and s.isascii() and "." not in s and "/" not in s
    assert [mm.group_segment(k) for k in TRICKY] == segments
    # The documented spellings.
    assert mm.group_segment("B 2") == "B_202"
    assert mm.group_segment("née") == "n_c3_a9e"
    assert mm.group_segment("") == "_"
    assert mm.group_segment(None) == "_missing"
    assert mm.group_segment(("a", "b")) == "a__b"
    assert mm.group_segment("a" * 65).startswith("_h") and len(mm.group_segment("a" * 65)) == 34


def test_group_segments_of_random_names_never_collide():
    rng = random.Random(20261207)
    alphabet = "aA_ .-/:é\u0301\U0001F600_5f20"
    names = {"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
             for _ in range(20000)}
    segments = {mm.group_segment(n) for n in names}
    assert len(segments) == len(names)


def test_two_groups_on_one_segment_are_refused_naming_both():
    with pytest.raises(errors.ParameterError, match=r"'3'.*'3'"):
        mm._segments([(3, "3"), ("3", "3")], "log_audit")


def test_an_audit_of_tricky_group_names_logs_each_group_under_its_own_key(tracking):
    rng = np.random.default_rng(5)
    names = ["a b", "a_20b", "a.b", "", "é", "e\u0301", "x" * 80, "x" * 79 + "y"]
    groups = np.array([names[i % len(names)] for i in range(4000)], dtype=object)
    y = rng.random(4000) < 0.3
    score = np.clip(0.3 * y + 0.7 * rng.random(4000), 0, 1)
    a = fairness.audit(y, score, groups, threshold=0.5)
    with mlflow.start_run() as run:
        mm.log_audit(a)
    metrics = tracking.get_run(run.info.run_id).data.metrics
    mapping = _record(tracking, run.info.run_id, "audit")["groups"]
    assert sorted(mapping.values()) == sorted(names)
    for seg, name in mapping.items():
        rows = groups == name
        assert metrics[f"audit.group.{seg}.fpr"] == pytest.approx(
            _fpr_oracle(y[rows], score[rows] >= 0.5), rel=1e-12)
        assert metrics[f"audit.group.{seg}.rows"] == rows.sum()


def test_intersectional_groups_are_logged_under_both_values(tracking, loans):
    _, test = loans
    a = fairness.audit(test["default"], test["champion_score"], test[["ethnicity", "region"]],
                       threshold=1 / 6)
    with mlflow.start_run() as run:
        mm.log_audit(a)
    metrics = tracking.get_run(run.info.run_id).data.metrics
    mapping = _record(tracking, run.info.run_id, "audit")["groups"]
    assert len(mapping) == len(a.group_keys) and mapping["A__east"] == "A & east"
    y = test["default"].to_numpy().astype(bool)
    flags = test["champion_score"].to_numpy() >= 1 / 6
    for ethnicity, region in a.group_keys:
        rows = ((test["ethnicity"] == ethnicity) & (test["region"] == region)).to_numpy()
        assert metrics[f"audit.group.{ethnicity}__{region}.fpr"] == pytest.approx(
            _fpr_oracle(y[rows], flags[rows]), rel=1e-12)


# -- log_audit ---------------------------------------------------------------------------


def test_log_audit_reads_back_as_the_library_and_the_oracle_give_it(tracking, loans):
    train, test = loans
    policy = fairness.equal_opportunity(train["default"], train["champion_score"],
                                        train["ethnicity"], tolerance=0.02)
    a = fairness.audit(test["default"], test["champion_score"], test["ethnicity"],
                       thresholds=policy, bootstrap=40, seed=9)
    with mlflow.start_run() as run:
        returned = mm.log_audit(a)
    data = tracking.get_run(run.info.run_id).data
    assert {k: v for k, v in data.metrics.items() if k.startswith("audit.")} == returned
    assert data.metrics["audit.fpr_gap"] == a.max_gap
    assert data.metrics["audit.max_gap"] == a.max_gap
    d = a.to_dict()
    assert data.metrics["audit.fpr_gap.low"] == d["intervals"]["max_gap"]["low"]
    assert data.metrics["audit.fpr_gap.high"] == d["intervals"]["max_gap"]["high"]
    flags = policy.predict(test["champion_score"], test["ethnicity"])
    y = test["default"].to_numpy().astype(bool)
    fprs = a.rate("fpr")
    for group in ("A", "B", "C", "D"):
        rows = (test["ethnicity"] == group).to_numpy()
        assert data.metrics[f"audit.group.{group}.fpr"] == fprs[group]
        assert data.metrics[f"audit.group.{group}.fpr"] == pytest.approx(
            _fpr_oracle(y[rows], flags[rows]), rel=1e-12)
    fpr_spread = next(x for x in d["disparities"] if x["rate"] == "fpr")
    assert data.metrics["audit.spread.fpr.max_diff"] == fpr_spread["max_diff"]
    assert data.metrics["audit.overall.selection_rate"] == pytest.approx(flags.mean(), rel=1e-12)
    assert data.params == {"audit.constraint": "fpr", "audit.tolerance": "0.05",
                           "audit.min_count": "30", "audit.bootstrap": "40",
                           "audit.level": "0.95", "audit.seed": "9"}
    assert data.tags["audit.passed"] == str(a.passed).lower()
    assert data.tags["mlops_audit.version"] == mlops_audit.__version__
    assert data.tags["audit.undefined"] == "0"
    record = _record(tracking, run.info.run_id, "audit")
    assert record["audit"] == json.loads(a.to_json())
    assert record["undefined"] == [] and record["groups"] == {g: g for g in "ABCD"}


def test_undefined_rates_are_left_out_and_recorded_not_logged_as_zero_or_nan(tracking):
    # Group "b" has no negatives: its FPR, and the FPR gap, are undefined.
    y = [0, 0, 1, 1, 1, 1]
    score = [0.1, 0.6, 0.3, 0.7, 0.8, 0.9]
    a = fairness.audit(y, score, ["a", "a", "a", "b", "b", "b"], threshold=0.5, min_count=1)
    assert a.rate("fpr")["b"] is None and a.max_gap is None and a.passed is None
    with mlflow.start_run() as run:
        mm.log_audit(a)
    data = tracking.get_run(run.info.run_id).data
    assert "audit.group.b.fpr" not in data.metrics
    assert "audit.fpr_gap" not in data.metrics and "audit.max_gap" not in data.metrics
    assert data.metrics["audit.group.a.fpr"] == 0.5
    assert all(math.isfinite(v) for v in data.metrics.values())
    record = _record(tracking, run.info.run_id, "audit")
    assert {"audit.group.b.fpr", "audit.max_gap", "audit.fpr_gap"} <= set(record["undefined"])
    assert data.tags["audit.undefined"] == str(len(record["undefined"]))
    assert data.tags["audit.passed"] == "undefined"
    # Every key left out is listed, and every key listed is left out.
    assert not set(record["undefined"]) & set(data.metrics)


# -- log_policy / load_policy ------------------------------------------------------------


@pytest.mark.parametrize("randomized", [False, True])
def test_a_logged_policy_loads_back_and_makes_the_same_decisions(tracking, loans, randomized):
    train, test = loans
    policy = fairness.equal_opportunity(train["default"], train["champion_score"],
                                        train["ethnicity"], tolerance=0.0 if randomized else 0.02,
                                        randomized=randomized, fn_cost=4.0, fp_cost=2.0)
    with mlflow.start_run() as run:
        mm.log_policy(policy)
    loaded = mm.load_policy(run.info.run_id)
    assert loaded.to_json() == policy.to_json()
    live = datasets.simulate_lending(3000, seed=99)
    for seed in (0, 7):
        before = policy.predict(live["champion_score"], live["ethnicity"], seed=seed)
        after = loaded.predict(live["champion_score"], live["ethnicity"], seed=seed)
        assert np.array_equal(before, after)
    data = tracking.get_run(run.info.run_id).data
    assert data.metrics["policy.price_of_fairness"] == policy.price_of_fairness
    assert data.metrics["policy.total_cost"] == policy.total_cost
    assert data.metrics["policy.fpr_gap"] == policy.max_gap
    for group in policy.to_dict()["groups"]:
        rule, name = group["rule"], group["name"]
        assert data.metrics[f"policy.group.{name}.threshold"] == rule["threshold"]
        if randomized:
            assert data.metrics[f"policy.group.{name}.probability"] == rule["p_at_threshold"]
            for field in ("lower", "p_above", "p_between", "p_below"):
                key = f"policy.group.{name}.band.{field}"
                if rule.get("band") is None:
                    assert key not in data.metrics
                else:
                    assert data.metrics[key] == rule["band"][field]
        else:
            assert data.metrics[f"policy.group.{name}.threshold"] == policy.thresholds[name]
    assert data.params["policy.cost_ratio"] == "2.0"
    assert data.params["policy.fn_cost"] == "4.0" and data.params["policy.fp_cost"] == "2.0"
    assert data.params["policy.constraint"] == "fpr"
    assert data.params["policy.randomized"] == str(randomized).lower()


def test_a_policy_under_another_artifact_name_loads_from_there(tracking, loans):
    train, _ = loans
    policy = fairness.equal_opportunity(train["default"], train["champion_score"],
                                        train["ethnicity"])
    with mlflow.start_run() as run:
        mm.log_policy(policy, prefix="policy.v2", artifact_file="serving/policy-v2.json")
    assert mm.load_policy(run.info.run_id,
                          artifact_file="serving/policy-v2.json").thresholds == policy.thresholds
    with pytest.raises(errors.ParameterError, match="artifact_file"):
        mm.load_policy(run.info.run_id, artifact_file="../policy.json")


# -- log_gate ----------------------------------------------------------------------------


def test_log_gate_tags_the_verdict_and_logs_measurements(tracking):
    verdict = gate.evaluate({"max_fpr_gap": 0.05, "min_auc": 0.7, "max_ece": 0.1},
                            fpr_gap=0.08, auc=0.74)
    assert not verdict.passed
    with mlflow.start_run() as run:
        mm.log_gate(verdict)
    data = tracking.get_run(run.info.run_id).data
    assert data.tags["mlops_audit.gate"] == "failed"
    assert data.tags["gate.max_fpr_gap"] == "fail" and data.tags["gate.min_auc"] == "pass"
    assert data.tags["gate.max_ece"] == "not_measured"
    assert data.metrics["gate.passed"] == 0.0
    assert data.metrics["gate.max_fpr_gap.measured"] == 0.08
    assert data.metrics["gate.min_auc.measured"] == 0.74
    assert "gate.max_ece.measured" not in data.metrics
    assert data.params["gate.max_fpr_gap"] == "<= 0.05"
    record = _record(tracking, run.info.run_id, "gate")
    assert record["gate"] == verdict.to_dict()
    assert record["undefined"] == ["gate.max_ece.measured"]

    passing = gate.evaluate({"max_fpr_gap": 0.05}, fpr_gap=0.01)
    with mlflow.start_run() as run:
        mm.log_gate(passing)
    assert tracking.get_run(run.info.run_id).data.tags["mlops_audit.gate"] == "passed"


# -- log_calibration ---------------------------------------------------------------------


def test_log_calibration_by_group_matches_the_library_and_sklearn(tracking, loans):
    _, test = loans
    by_group = calibration.calibration_by_group(test["default"], test["challenger_score"],
                                                test["ethnicity"])
    ece = calibration.expected_calibration_error(test["default"], test["challenger_score"])
    hl = calibration.hosmer_lemeshow(test["default"], test["challenger_score"])
    with mlflow.start_run() as run:
        mm.log_calibration(by_group)
        mm.log_calibration(ece, prefix="calibration.overall")
        mm.log_calibration(hl, prefix="calibration.hosmer_lemeshow")
    metrics = tracking.get_run(run.info.run_id).data.metrics
    assert metrics["calibration.overall.ece"] == ece
    assert metrics["calibration.hosmer_lemeshow.statistic"] == hl.statistic
    assert metrics["calibration.hosmer_lemeshow.pvalue"] == hl.pvalue
    for g in by_group.to_dict()["groups"]:
        name = g["group"]
        rows = (test["ethnicity"] == name).to_numpy()
        assert metrics[f"calibration.group.{name}.ece"] == g["ece"]
        assert metrics[f"calibration.group.{name}.brier"] == pytest.approx(brier_score_loss(
            test["default"][rows], test["challenger_score"][rows]), rel=1e-12)
        assert metrics[f"calibration.group.{name}.spiegelhalter.pvalue"] == \
            g["spiegelhalter"]["pvalue"]


def test_an_infinite_value_is_kept_out_of_the_metrics_and_written_in_the_record(tracking):
    # No missing value in training, 50 of 1000 in production: the odds ratio is infinite.
    result = drift.missing_rate_drift(0, 1000, 50, 1000)
    assert math.isinf(result.odds_ratio)
    with mlflow.start_run() as run:
        logged = mm.log_calibration(result, prefix="missing")
    metrics = tracking.get_run(run.info.run_id).data.metrics
    assert "missing.odds_ratio" not in metrics and metrics == logged
    assert metrics["missing.pvalue"] == result.pvalue
    record = _record(tracking, run.info.run_id, "missing")
    assert record["non_finite"] == {"missing.odds_ratio": "inf"} and record["undefined"] == []


# -- log_drift, log_profile / load_profile ------------------------------------------------


def test_log_drift_matches_the_report_and_scipy(tracking, loans):
    train, _ = loans
    reference = train.drop(columns=["default"])
    current = datasets.simulate_lending(3000, seed=12, drift="downturn").drop(columns=["default"])
    options = {"group": "ethnicity", "prediction": "champion_score", "threshold": 1 / 6}
    rep = drift.drift_report(reference, current, **options)
    with mlflow.start_run() as run:
        mm.log_drift(rep)
    data = tracking.get_run(run.info.run_id).data
    assert data.tags["drift.status"] == rep.status == "alert"
    assert data.metrics["drift.alert"] == 1.0
    assert data.metrics["drift.drifted_features"] == len(rep.drifted)
    income = rep.feature("income")
    assert data.metrics["drift.feature.income.statistic"] == income["statistic"]
    assert data.metrics["drift.feature.income.pvalue_corrected"] == income["pvalue_corrected"]
    ks = scipy.stats.ks_2samp(reference["income"], current["income"])
    assert data.metrics["drift.feature.income.statistic"] == pytest.approx(ks.statistic,
                                                                          rel=1e-12)
    for output in rep.outputs:
        assert (data.metrics[f"drift.output.group.{output['group']}.production_share"]
                == output["production_share"])
    shares = (current["champion_score"] >= 1 / 6).mean()
    assert data.metrics["drift.output.overall.production_share"] == pytest.approx(shares)
    assert data.params == {"drift.alpha": "0.05", "drift.correction": "holm"}


def test_a_logged_profile_loads_back_and_gives_the_same_drift_report(tracking, loans):
    train, _ = loans
    reference = train.drop(columns=["default"])
    options = {"group": "ethnicity", "prediction": "champion_score", "threshold": 1 / 6}
    profile = drift.ReferenceProfile.from_data(reference, **options)
    with mlflow.start_run() as run:
        mm.log_profile(profile)
    loaded = mm.load_profile(run.info.run_id)
    assert loaded.to_json() == profile.to_json()
    window = datasets.simulate_lending(2000, seed=13, drift="pipeline_fault")
    reports = []
    for p in (profile, loaded):
        monitor = drift.DriftMonitor(p)
        monitor.ingest(window.drop(columns=["default"]))
        reports.append(monitor.evaluate().to_dict())
    assert reports[0] == reports[1] and reports[0]["status"] == "alert"
    data = tracking.get_run(run.info.run_id).data
    assert data.metrics["profile.rows"] == 3000
    assert data.params["profile.format_version"] == str(profile.format_version)


# -- log_report --------------------------------------------------------------------------


def test_log_report_saves_the_html_and_json_and_tags_the_gate(tracking, loans):
    train, test = loans
    policy = fairness.equal_opportunity(train["default"], train["champion_score"],
                                        train["ethnicity"])
    a = fairness.audit(test["default"], test["champion_score"], test["ethnicity"],
                       thresholds=policy)
    doc = report.Report("Loan audit", unix_seconds=1_800_000_000)
    doc.set_gate(gate.evaluate({"max_fpr_gap": 0.05}, fpr_gap=a.max_gap))
    doc.add_policy(policy).add_audit(a)
    doc.set_parameters(fn_cost=5, fp_cost=1, tolerance=0.01).set_seed("bootstrap", 7)
    with mlflow.start_run() as run:
        mm.log_report(doc)
    data = tracking.get_run(run.info.run_id).data
    assert _artifact(tracking, run.info.run_id, "report.html") == doc.to_html()
    assert _artifact(tracking, run.info.run_id, "report.json") == doc.to_json()
    assert data.tags["mlops_audit.gate"] == ("passed" if doc.gate.passed else "failed")
    assert data.params == {"report.fn_cost": "5", "report.fp_cost": "1",
                           "report.tolerance": "0.01", "report.seed.bootstrap": "7"}


# -- bad input ---------------------------------------------------------------------------


def test_without_a_run_or_with_wrong_input_the_errors_name_the_culprit(tracking):
    a = fairness.audit([0, 1, 0, 1], [0.2, 0.8, 0.6, 0.4], ["a", "a", "b", "b"], threshold=0.5)
    with pytest.raises(errors.ParameterError, match="run_id"):
        mm.log_audit(a)
    with mlflow.start_run():
        with pytest.raises(errors.InputTypeError, match="GroupAudit"):
            mm.log_audit({"max_gap": 0.1})
        with pytest.raises(errors.InputTypeError, match="ThresholdPolicy"):
            mm.log_policy(a)
        with pytest.raises(errors.InputTypeError, match="GateReport"):
            mm.log_gate(a)
        with pytest.raises(errors.ParameterError, match="prefix"):
            mm.log_audit(a, prefix="audit/../x")
        with pytest.raises(errors.ParameterError, match="prefix"):
            mm.log_audit(a, prefix="")
    with pytest.raises(errors.InputTypeError, match="run_id"):
        mm.log_audit(a, run_id=42)
