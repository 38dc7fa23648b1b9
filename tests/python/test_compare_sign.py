"""One sign convention for every champion/challenger comparison: arguments in the order
(labels, champion, challenger), differences challenger minus champion. On one data set where
the challenger is clearly better, every entry point must agree in sign with scikit-learn's
``roc_auc_score(challenger) - roc_auc_score(champion)`` (and, for decisions, with the
accuracy difference counted by numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import ATOL, RTOL
from mlops_audit.compare import (
    SequentialTest,
    ShadowAccumulator,
    delong,
    mcnemar,
    paired_bootstrap,
)

roc_auc_score = pytest.importorskip("sklearn.metrics").roc_auc_score


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2024)
    n = 4000
    y = (rng.random(n) < 0.3).astype(int)
    # The challenger separates the classes far better than the champion.
    champion = 1 / (1 + np.exp(-(0.4 * y + rng.normal(0, 1, n))))
    challenger = 1 / (1 + np.exp(-(2.0 * y + rng.normal(0, 1, n))))
    return y, champion, challenger


def test_every_comparison_reports_challenger_minus_champion(data):
    y, champion, challenger = data
    expected = roc_auc_score(y, challenger) - roc_auc_score(y, champion)
    assert expected > 0.2  # clearly better, so every test must agree on the sign

    d = delong(y, score_champion=champion, score_challenger=challenger)
    assert math.isclose(d.difference, expected, rel_tol=RTOL, abs_tol=ATOL)
    assert d.auc_challenger > d.auc_champion
    assert d.statistic > 0 and d.ci_low > 0
    assert d.pvalue_greater < 1e-10 < d.pvalue_less

    b = paired_bootstrap(y, score_champion=champion, score_challenger=challenger,
                         metric="auc", n_resamples=200, seed=3)
    assert math.isclose(b.statistic, expected, rel_tol=RTOL, abs_tol=ATOL)
    assert b.percentile_low > 0 and b.bca_low > 0

    acc = ShadowAccumulator(threshold=0.5)
    acc.record_many(range(len(y)), champion=champion, challenger=challenger)
    acc.label_many(range(len(y)), y)
    s = acc.summary()
    assert math.isclose(s.delong["difference"], expected, rel_tol=RTOL, abs_tol=ATOL)
    assert s.delong["statistic"] > 0

    # Decisions at 0.5: the challenger gets more rows right.
    right_champion = (champion >= 0.5) == y
    right_challenger = (challenger >= 0.5) == y
    more_right = int(right_challenger.sum()) - int(right_champion.sum())
    assert more_right > 0
    m = mcnemar(y, pred_champion=(champion >= 0.5).astype(int),
                pred_challenger=(challenger >= 0.5).astype(int))
    assert m.difference == more_right == s.mcnemar["difference"]

    # The sequential test on each row's correctness (a success rate: higher is better).
    seq = SequentialTest("proportions", tau2=0.05**2)
    r = seq.update(champion=right_champion.astype(float), challenger=right_challenger.astype(float))
    assert math.isclose(r.estimate, more_right / len(y), rel_tol=RTOL, abs_tol=ATOL)
    assert r.statistic > 0 and r.decision == "challenger_greater"
    assert r.mean_challenger > r.mean_champion


def test_swapping_the_models_flips_every_sign(data):
    y, champion, challenger = data
    ab = delong(y, champion, challenger)
    ba = delong(y, challenger, champion)
    assert ba.difference == -ab.difference and ba.statistic == -ab.statistic
    assert (ba.auc_champion, ba.auc_challenger) == (ab.auc_challenger, ab.auc_champion)
    assert ba.pvalue_less == ab.pvalue_greater
    pa, pb = (champion >= 0.5).astype(int), (challenger >= 0.5).astype(int)
    assert mcnemar(y, pb, pa).difference == -mcnemar(y, pa, pb).difference
