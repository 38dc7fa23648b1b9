"""mlops_audit.gate: requirements from TOML/JSON/dict/file, verdicts, assert_gate."""

from __future__ import annotations

import pytest

from mlops_audit import errors, gate

TOML = """
max_fpr_gap = 0.05
min_auc = 0.7
challenger_not_worse_alpha = 0.05
allow_drift_alerts = false
"""


def test_sources_agree(tmp_path):
    t = gate.Requirements.from_toml(TOML)
    assert t == gate.Requirements.from_dict(t.to_dict())
    p = tmp_path / "req.toml"
    p.write_text(TOML)
    assert gate.Requirements.from_file(p) == t
    j = tmp_path / "req.json"
    j.write_text(gate.Requirements.from_toml(TOML).values.__repr__().replace("'", '"')
                 .replace("False", "false"))
    assert gate.Requirements.from_file(j) == t


def test_pass_fail_and_not_measured():
    req = gate.Requirements.from_toml(TOML)
    ok = gate.evaluate(req, fpr_gap=0.01, auc=0.8, challenger_worse_pvalue=0.3, drift_alerts=[])
    assert ok.passed and not ok.failures
    gate.assert_gate(ok)
    bad = gate.evaluate(req, fpr_gap=0.2, auc=0.8, challenger_worse_pvalue=0.3,
                        drift_alerts=["income: KS p < 1e-6"])
    assert not bad.passed
    assert [c["name"] for c in bad.failures] == ["max_fpr_gap", "allow_drift_alerts"]
    with pytest.raises(AssertionError, match=r"\[FAIL\] max_fpr_gap <= 0.05"):
        gate.assert_gate(bad)
    missing = gate.evaluate({"min_auc": 0.7})
    assert not missing.passed and missing.failures[0]["verdict"] == "not_measured"
    assert "NOT MEASURED" in str(missing)
    html = gate.evaluate({"min_auc": 0.7}, auc=float("nan"))._repr_html_()
    assert "NOT MEASURED" in html


def test_bad_requirements_are_parameter_errors():
    with pytest.raises(errors.ParameterError, match="max_fpr_gp"):
        gate.Requirements.from_toml("max_fpr_gp = 0.1")
    with pytest.raises(errors.ParameterError, match="max_fpr_gap"):
        gate.Requirements.from_dict({"max_fpr_gap": 2.0})
    with pytest.raises(errors.ParameterError, match="empty"):
        gate.Requirements.from_dict({})


def test_the_cost_requirement_is_per_decision():
    import numpy as np

    from mlops_audit import metrics

    rng = np.random.default_rng(4)
    y = (rng.random(400) < 0.3).astype(int)
    s = np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1)
    total = metrics.total_cost(y, s, 1 / 6)
    per = metrics.cost_per_decision(y, s, 1 / 6)
    # Numpy's count: 5 per missed positive, 1 per flagged negative, over the 400 loans.
    flagged = s >= 1 / 6
    expected_total = 5.0 * np.sum((y == 1) & ~flagged) + np.sum((y == 0) & flagged)
    assert total == expected_total and per == pytest.approx(expected_total / 400, rel=1e-15)
    req = {"max_cost_per_decision": per}
    assert gate.evaluate(req, cost_per_decision=per).passed
    assert not gate.evaluate(req, cost_per_decision=total).passed
    # The older names still mean per decision, with a warning where one can be given.
    assert gate.Requirements.from_dict({"max_expected_cost": 0.5}).values == {
        "max_cost_per_decision": 0.5}
    with pytest.warns(DeprecationWarning, match="cost_per_decision"):
        old = gate.evaluate(req, expected_cost=per)
    assert old.passed and old.checks[0]["name"] == "max_cost_per_decision"
    with pytest.raises(errors.ParameterError):
        gate.evaluate(req, expected_cost=per, cost_per_decision=per)
    with pytest.warns(DeprecationWarning, match="total"):
        assert metrics.expected_cost(y, s, 1 / 6) == total
