"""The ``mlops_audit`` evaluator through ``mlflow.models.evaluate`` on the simulated loans:
a scikit-learn model logged to the run and evaluated by its URI, and a static dataset of
predictions under a policy loaded from a run. What the run holds afterwards is compared with
the library's results and with scikit-learn's."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlops_audit.mlflow as mm
from mlops_audit import calibration, errors, fairness, gate

NUMERIC = ["income", "loan_amount", "term_months", "debt_to_income", "credit_history_years",
           "employment_years"]
REQUIREMENTS = {"max_fpr_gap": 0.05, "min_auc": 0.6, "max_ece": 0.1,
                "max_cost_per_decision": 0.9}


def _oracle(y, flags, fn_cost=5.0, fp_cost=1.0):
    tn, fp, fn, tp = confusion_matrix(np.asarray(y, bool), np.asarray(flags, bool),
                                      labels=[False, True]).ravel()
    return {"fpr": fp / (fp + tn), "cost_per_decision": (fn_cost * fn + fp_cost * fp) / len(y)}


@pytest.fixture(scope="module")
def model(loans):
    """Logistic regression on the numeric features; the protected attribute reaches the
    model with the data and is dropped by its ColumnTransformer."""
    train, _ = loans
    pipe = make_pipeline(ColumnTransformer([("num", StandardScaler(), NUMERIC)]),
                         LogisticRegression(max_iter=500))
    return pipe.fit(train[NUMERIC + ["ethnicity"]], train["default"])


def test_evaluate_a_logged_sklearn_model_with_the_plugin(tracking, loans, model):
    _, test = loans
    data = test[NUMERIC + ["ethnicity", "default"]]
    with mlflow.start_run() as run:
        # Requirements given: MLflow would otherwise infer them in a subprocess (seconds).
        info = mlflow.sklearn.log_model(model, name="model", pyfunc_predict_fn="predict_proba",
                                        pip_requirements=["scikit-learn"])
        result = mlflow.models.evaluate(
            info.model_uri, data, targets="default", model_type="classifier",
            evaluators=["mlops_audit"],
            evaluator_config={"mlops_audit": {"sensitive_features": "ethnicity",
                                              "requirements": REQUIREMENTS, "bootstrap": 30,
                                              "seed": 4}})
    run_data = tracking.get_run(run.info.run_id).data
    y = test["default"].to_numpy().astype(bool)
    score = model.predict_proba(data[NUMERIC + ["ethnicity"]])[:, 1]
    groups = test["ethnicity"]
    threshold = 1 / 6  # fp_cost / (fp_cost + fn_cost): the default
    expected = fairness.audit(y, score, groups, threshold=threshold, bootstrap=30, seed=4)

    # Every metric of the result is in the run, with the same value.
    assert result.metrics and all(run_data.metrics[k] == v for k, v in result.metrics.items())
    m = run_data.metrics
    assert m["audit.fpr_gap"] == pytest.approx(expected.max_gap, rel=1e-12)
    for g in "ABCD":
        rows = (groups == g).to_numpy()
        oracle = _oracle(y[rows], score[rows] >= threshold)
        assert m[f"audit.group.{g}.fpr"] == pytest.approx(oracle["fpr"], rel=1e-12)
    assert m["overall.auc"] == pytest.approx(roc_auc_score(y, score), rel=1e-12)
    ece = calibration.expected_calibration_error(y, score)
    assert m["overall.ece"] == pytest.approx(ece, rel=1e-12)
    assert m["overall.cost_per_decision"] == pytest.approx(
        _oracle(y, score >= threshold)["cost_per_decision"], rel=1e-12)
    by_group = calibration.calibration_by_group(y, score, groups).to_dict()["groups"]
    for g in by_group:
        assert m[f"calibration.group.{g['group']}.ece"] == pytest.approx(g["ece"], rel=1e-12)

    verdict = gate.evaluate(REQUIREMENTS, fpr_gap=expected.max_gap, auc=roc_auc_score(y, score),
                            ece=ece, cost_per_decision=m["overall.cost_per_decision"])
    assert run_data.tags["mlops_audit.gate"] == ("passed" if verdict.passed else "failed")
    for check in verdict.checks:
        assert run_data.tags[f"gate.{check['name']}"] == check["verdict"]
    assert run_data.params["overall.cost_ratio"] == "5.0"
    assert run_data.params["audit.seed"] == "4" and run_data.params["audit.bootstrap"] == "30"
    assert run_data.params["overall.threshold"] == repr(threshold)

    artifacts = {f.path for f in tracking.list_artifacts(run.info.run_id)}
    assert {"report.html", "report.json", "mlops_audit"} <= artifacts
    doc = json.loads(mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/report.json"))
    assert doc["gate"]["passed"] == verdict.passed
    assert set(result.artifacts) == {"report_html", "report_json"}
    assert result.artifacts["report_json"].content["gate"]["passed"] == verdict.passed


def test_evaluate_static_predictions_under_a_policy_loaded_from_a_run(tracking, loans, tmp_path):
    train, test = loans
    policy = fairness.equal_opportunity(train["default"], train["champion_score"],
                                        train["ethnicity"], tolerance=0.02)
    with mlflow.start_run() as training:
        mm.log_policy(policy)
    served = mm.load_policy(training.info.run_id)
    data = test[["ethnicity", "champion_score", "default"]].copy()
    data["default"] = np.where(data["default"] == 1, "bad", "good")
    requirements = tmp_path / "requirements.toml"
    requirements.write_text("max_fpr_gap = 0.05\nmax_cost_per_decision = 0.8\n")
    with mlflow.start_run() as run:
        result = mlflow.models.evaluate(
            data=data, targets="default", predictions="champion_score",
            model_type="classifier", evaluators="mlops_audit",
            evaluator_config={"sensitive_features": ["ethnicity"], "policy": served.to_json(),
                              "pos_label": "bad", "metric_prefix": "holdout",
                              "requirements": str(requirements)})
    run_data = tracking.get_run(run.info.run_id).data
    m = run_data.metrics
    assert result.metrics == {k: v for k, v in m.items() if k.startswith("holdout.")}
    y = test["default"].to_numpy().astype(bool)
    flags = policy.predict(test["champion_score"], test["ethnicity"])
    for g in "ABCD":
        rows = (test["ethnicity"] == g).to_numpy()
        assert m[f"holdout.audit.group.{g}.fpr"] == pytest.approx(
            _oracle(y[rows], flags[rows])["fpr"], rel=1e-12)
        assert m[f"holdout.policy.group.{g}.threshold"] == policy.thresholds[g]
    assert m["holdout.overall.cost_per_decision"] == pytest.approx(
        _oracle(y, flags)["cost_per_decision"], rel=1e-12)
    assert m["holdout.policy.price_of_fairness"] == policy.price_of_fairness
    audit = fairness.audit(y, test["champion_score"], test["ethnicity"], thresholds=policy)
    verdict = gate.evaluate({"max_fpr_gap": 0.05, "max_cost_per_decision": 0.8},
                            fpr_gap=audit.max_gap,
                            cost_per_decision=_oracle(y, flags)["cost_per_decision"])
    assert run_data.tags["mlops_audit.gate"] == ("passed" if verdict.passed else "failed")
    assert m["holdout.gate.passed"] == float(verdict.passed)
    assert run_data.tags["holdout.gate.max_fpr_gap"] == verdict.checks[0]["verdict"]


def test_bad_configurations_are_refused_by_name(tracking, loans):
    _, test = loans
    data = test[["ethnicity", "champion_score", "default"]]
    common = {"data": data, "targets": "default", "predictions": "champion_score",
              "model_type": "classifier", "evaluators": "mlops_audit"}
    with mlflow.start_run():
        with pytest.raises(errors.ParameterError, match="tolerence"):
            mlflow.models.evaluate(**common, evaluator_config={
                "sensitive_features": "ethnicity", "tolerence": 0.02})
        with pytest.raises(errors.ParameterError, match="region"):
            mlflow.models.evaluate(**common, evaluator_config={"sensitive_features": "region"})
        with pytest.raises(errors.ParameterError, match="threshold"):
            mlflow.models.evaluate(**common, evaluator_config={
                "sensitive_features": "ethnicity", "threshold": 0.2,
                "policy": fairness.equal_opportunity(test["default"], test["champion_score"],
                                                     test["ethnicity"])})
        with pytest.raises(errors.ParameterError, match="min_acu"):
            mlflow.models.evaluate(**common, evaluator_config={
                "sensitive_features": "ethnicity", "requirements": {"min_acu": 0.7}})
        relabelled = data.assign(default=np.where(data["default"] == 1, "bad", "good"))
        with pytest.raises(errors.ParameterError, match="pos_label"):
            mlflow.models.evaluate(**{**common, "data": relabelled},
                                   evaluator_config={"sensitive_features": "ethnicity"})
        gap = data.assign(default=data["default"].astype(float))
        gap.loc[17, "default"] = np.nan
        with pytest.raises(errors.ParameterError, match="index 17"):
            mlflow.models.evaluate(**{**common, "data": gap},
                                   evaluator_config={"sensitive_features": "ethnicity"})
        # Without sensitive features the evaluator declines (with evaluators=None it must not
        # break other evaluations), and MLflow says no evaluator could run.
        with pytest.raises(MlflowException, match="could not be evaluated"):
            mlflow.models.evaluate(**common, evaluator_config={})
