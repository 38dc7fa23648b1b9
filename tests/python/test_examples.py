"""The examples run (so they cannot rot) and print what they promise."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_python_quickstart_runs():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "quickstart.py")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "ROC AUC" in out.stdout
    assert "held-out loans: 300, bad: 90" in out.stdout  # stratified 30% of 1,000 (300 bad)


def test_german_credit_matches_published_counts():
    from mlops_audit import datasets

    d = datasets.german_credit()
    # UCI documentation: 1,000 loans, 700 good / 300 bad; status_sex A92 (female) = 310.
    assert len(d["bad_loan"]) == 1000
    assert int(d["bad_loan"].sum()) == 300
    assert d["status_sex"].count("A92") == 310
    assert d["sex"].count("female") == 310


def test_python_loan_audit_runs_and_writes_its_report(tmp_path):
    import json

    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "loan_audit.py"),
         "--out", str(tmp_path / "report")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr
    for promised in ("held-out ROC AUC", "one threshold", "equal-opportunity thresholds",
                     "price of fairness", "calibration: ECE",
                     "cost per loan, challenger - champion", "deployment gate: ", "report: "):
        assert promised in out.stdout, promised
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    doc = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert "<script" not in html.lower()
    titles = [s["title"] for s in doc["sections"]]
    assert titles == [
        "The model and the data", "One threshold for everyone",
        "Equal-opportunity thresholds (fitted on tuning loans)",
        "Equal-opportunity thresholds on held-out loans", "Cost per decision (held-out)",
        "Calibration", "Champion and challenger", "Outputs in production",
        "Production window (downturn): drift and outputs"]
    charts = [c["caption"] for s in doc["sections"] for c in s["charts"]]
    assert len(charts) == 6 and html.count("<svg") == 6
    # The printed gate verdict is the report's.
    verdict = "PASSED" if doc["gate"]["passed"] else "FAILED"
    assert f"deployment gate: {verdict}" in out.stdout
    assert {c["name"] for c in doc["gate"]["checks"]} == {
        "max_fpr_gap", "min_auc", "max_ece", "challenger_not_worse_alpha", "allow_drift_alerts"}
    # The downturn window drifts: the drift panel says so, and so does the gate.
    drift_section = next(s for s in doc["sections"] if s["title"].startswith("Production window"))
    assert drift_section["status"] == "fail"
    assert not doc["gate"]["passed"]
    trail = doc["trail"]
    assert trail["seeds"] == {"bootstrap": 7, "production data": 20261125,
                              "training data": 20261124}
    assert [i["name"] for i in trail["inputs"]] == [
        "y_test", "risk_test", "ethnicity_test", "champion_score_test", "risk_production"]
    assert trail["inputs"][0]["rows"] == 10_000
    assert trail["parameters"]["fn_cost"] == "5.0"


@pytest.mark.parametrize("scenario", ["pipeline_fault", "new_product"])
def test_python_loan_audit_survives_every_production_scenario(tmp_path, scenario):
    # Missing values and unseen categories in production must not stop the audit.
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "loan_audit.py"),
         "--out", str(tmp_path), "--rows", "8000", "--drift", scenario],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert f"production ({scenario})" in out.stdout
    assert (tmp_path / "report.html").is_file()
