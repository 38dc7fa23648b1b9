"""datasets.simulate_lending: reproducible tables with the documented columns and
scenarios, and the one-threshold FPR gap the loan audit is about."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_audit import errors
from mlops_audit.datasets import SCENARIOS, simulate_lending
from mlops_audit.fairness import audit
from mlops_audit.metrics import min_cost_threshold, roc_auc

COLUMNS = ["region", "home_ownership", "purpose", "ethnicity", "income", "loan_amount",
           "term_months", "debt_to_income", "credit_history_years", "employment_years",
           "default", "champion_score", "challenger_score"]


def test_frame_and_dict_forms_agree_and_are_reproducible():
    df = simulate_lending(3000, seed=5)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == COLUMNS and len(df) == 3000
    assert df["ethnicity"].dtype == "category"
    d = simulate_lending(3000, seed=5, as_frame=False)
    assert set(d) == set(COLUMNS)
    assert d["default"].dtype == np.int8 and d["income"].dtype == np.float64
    np.testing.assert_array_equal(df["champion_score"].to_numpy(), d["champion_score"])
    again = simulate_lending(3000, seed=5, as_frame=False)
    for k in COLUMNS:
        np.testing.assert_array_equal(d[k], again[k])
    other = simulate_lending(3000, seed=6, as_frame=False)
    assert not np.array_equal(d["champion_score"], other["champion_score"])
    assert len(simulate_lending(0)) == 0


def test_the_story_holds_on_the_simulated_book():
    d = simulate_lending(40_000, seed=1, as_frame=False)
    y, g = d["default"], d["ethnicity"]
    shares = {k: float(np.mean(g == k)) for k in "ABCD"}
    assert shares == pytest.approx({"A": 0.55, "B": 0.25, "C": 0.12, "D": 0.08}, abs=0.01)
    champion, challenger = roc_auc(y, d["champion_score"]), roc_auc(y, d["challenger_score"])
    assert 0.65 < champion < 0.8 and challenger > champion + 0.03
    best = min_cost_threshold(y, d["champion_score"])
    a = audit(y, d["champion_score"], g, threshold=best.threshold, tolerance=0.05)
    assert not a.passed


@pytest.mark.parametrize("drift", SCENARIOS)
def test_scenarios(drift):
    base = simulate_lending(20_000, seed=2, as_frame=False)
    d = simulate_lending(20_000, seed=2, drift=drift, as_frame=False)
    if drift == "downturn":
        assert d["default"].mean() > base["default"].mean() + 0.05
        assert d["income"].mean() < 0.9 * base["income"].mean()
    elif drift == "new_product":
        assert np.mean(d["purpose"] == "green_energy") == pytest.approx(0.12, abs=0.01)
        assert "green_energy" not in set(base["purpose"])
    elif drift == "pipeline_fault":
        assert np.isnan(d["employment_years"]).mean() == pytest.approx(0.25, abs=0.01)
    else:
        for k in COLUMNS:
            np.testing.assert_array_equal(d[k], base[k])


def test_unknown_scenario_is_a_parameter_error():
    with pytest.raises(errors.ParameterError, match="downturn"):
        simulate_lending(10, drift="recession")
