"""The examples run (so they cannot rot) and print what they promise."""

import pathlib
import subprocess
import sys

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
