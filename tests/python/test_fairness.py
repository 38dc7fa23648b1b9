"""equal_opportunity and ThresholdPolicy: exactness against a brute-force enumerator written
here in numpy, input forms for groups, errors, serialisation and prediction."""

from __future__ import annotations

import itertools
import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_audit import errors
from mlops_audit.fairness import ThresholdOptimizer, ThresholdPolicy, equal_opportunity
from mlops_audit.metrics import CostMatrix


def group_points(y, s, w, constraint, fn_cost, fp_cost):
    """Every threshold of one group (flag nobody, then each distinct score), with the
    constrained rate and the cost 'fn_cost * FN + fp_cost * FP', by direct counting."""
    out = []
    for t in [np.inf, *sorted(set(s[w > 0]), reverse=True)]:
        flag = s >= t
        tp = w[flag & y].sum()
        fp = w[flag & ~y].sum()
        fn = w[~flag & y].sum()
        tn = w[~flag & ~y].sum()
        rate = {"fpr": fp / (fp + tn) if fp + tn > 0 else np.nan,
                "tpr": tp / (tp + fn) if tp + fn > 0 else np.nan,
                "selection_rate": (tp + fp) / (tp + fp + tn + fn)}[constraint]
        out.append((rate, fn_cost * fn + fp_cost * fp))
    return out


def brute_force(y, s, g, w, constraint, tolerance, fn_cost, fp_cost):
    points = [group_points(y[g == k], s[g == k], w[g == k], constraint, fn_cost, fp_cost)
              for k in sorted(set(g))]
    best = None
    for combo in itertools.product(*points):
        rates = [r for r, _ in combo]
        if max(rates) - min(rates) <= tolerance:
            cost = sum(c for _, c in combo)
            best = cost if best is None else min(best, cost)
    return best


rows = st.lists(
    st.tuples(st.integers(0, 4), st.booleans(), st.sampled_from([1.0, 2.0, 0.5]),
              st.sampled_from(["a", "b", "c"])),
    min_size=2, max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(rows, st.sampled_from(["fpr", "tpr", "selection_rate"]),
       st.sampled_from([0.0, 0.1, 0.3]), st.booleans())
def test_search_equals_brute_force(data, constraint, tolerance, weighted):
    s = np.array([r[0] / 4 for r in data])
    y = np.array([r[1] for r in data])
    w = np.array([r[2] if weighted else 1.0 for r in data])
    g = np.array([r[3] for r in data])
    try:
        policy = equal_opportunity(y, s, g, constraint=constraint, tolerance=tolerance,
                                   sample_weight=w)
    except errors.GroupError:
        # Only when a group's constrained rate is undefined.
        assert any(np.isnan(group_points(y[g == k], s[g == k], w[g == k], constraint, 5, 1)[0][0])
                   for k in set(g))
        return
    expected = brute_force(y, s, g, w, constraint, tolerance, 5.0, 1.0)
    assert policy.total_cost == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert policy.max_gap <= tolerance + 1e-12
    # Re-count each group's rule from scratch.
    for name, (threshold, p) in policy.rules.items():
        assert p == 1.0
        m = g == name
        flag = s[m] >= threshold
        fp = w[m][flag & ~y[m]].sum()
        negatives = w[m][~y[m]].sum()
        if constraint == "fpr":
            assert policy.rates[name] == pytest.approx(fp / negatives, abs=1e-12)


def lending_data(n=4000, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c", "d"], n, p=[0.5, 0.3, 0.15, 0.05])
    shift = {"a": 0.0, "b": 0.1, "c": -0.1, "d": 0.2}
    y = rng.random(n) < 0.25
    s = np.clip(0.35 * y + rng.random(n) * 0.6 + np.array([shift[k] for k in g]), 0, 1).round(3)
    return y, s, g


def test_fair_policy_is_never_cheaper_than_unconstrained_and_reports_baselines():
    y, s, g = lending_data()
    p = equal_opportunity(y, s, g, tolerance=0.02)
    d = p.to_dict()
    base = d["baselines"]
    assert p.total_cost >= base["unconstrained"]["cost"] - 1e-9
    assert p.price_of_fairness == pytest.approx(p.total_cost - base["single_threshold"]["cost"])
    # The single threshold shows the unfair gap the policy removes.
    assert base["single_threshold"]["max_gap"] > p.max_gap
    assert p.max_gap <= 0.02
    assert d["format_version"] == 2 and d["params"]["constraint"] == "fpr"
    assert {x["name"] for x in d["groups"]} == {"a", "b", "c", "d"}


def test_randomized_equalises_exactly_and_is_reproducible():
    y, s, g = lending_data()
    p = equal_opportunity(y, s, g, randomized=True, tolerance=0.0)
    assert p.max_gap <= 1e-12
    rates = list(p.rates.values())
    assert max(rates) - min(rates) <= 1e-12
    a = p.predict(s, g, seed=3)
    b = p.predict(s, g, seed=3)
    assert (a == b).all()
    # Row keys: the same row gets the same decision whatever the order.
    keys = np.arange(len(s)) * 7919
    order = np.random.default_rng(0).permutation(len(s))
    k1 = p.predict(s, g, seed=3, row_key=keys)
    k2 = p.predict(s[order], g[order], seed=3, row_key=keys[order])
    assert (k1[order] == k2).all()
    # Realised FPR in a large sample is close to the expected one.
    neg = ~y
    for name, rate in p.rates.items():
        m = (g == name) & neg
        assert abs(k1[m].mean() - rate) < 4 * np.sqrt(rate * (1 - rate) / m.sum()) + 1e-9


def test_json_round_trip_and_pickle_free_reload():
    y, s, g = lending_data(600)
    for randomized in (False, True):
        p = equal_opportunity(y, s, g, randomized=randomized)
        q = ThresholdPolicy.from_json(p.to_json())
        assert q.to_json() == p.to_json()
        assert (q.predict(s, g) == p.predict(s, g)).all()
        json.loads(p.to_json())  # valid JSON (no bare inf/nan)


def test_flag_nobody_threshold_round_trips_as_inf():
    # Group b has one negative scored highest: flagging nobody can be optimal there.
    y = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    s = np.array([0.9, 0.1, 0.8, 0.95, 0.2, 0.3])
    g = np.array(["a", "a", "a", "b", "b", "b"])
    p = equal_opportunity(y, s, g, tolerance=1.0, fn_cost=1.5, fp_cost=1.0)
    q = ThresholdPolicy.from_json(p.to_json())
    assert q.thresholds == p.thresholds
    assert "Infinity" not in p.to_json() and "NaN" not in p.to_json()


@pytest.mark.parametrize("make", [
    lambda g: g,
    lambda g: list(g),
    lambda g: __import__("pandas").Series(g, dtype="category"),
    lambda g: __import__("pandas").Categorical(g),
    lambda g: __import__("pandas").Series(g),
    lambda g: __import__("pandas").Series(g, dtype="string"),
    lambda g: __import__("polars").Series("eth", g),
    lambda g: __import__("polars").Series("eth", g, dtype=__import__("polars").Categorical),
    lambda g: __import__("pyarrow").array(g),
    lambda g: __import__("pyarrow").array(g).dictionary_encode(),
    lambda g: __import__("pyarrow").chunked_array([g[:100], g[100:]]),
])
def test_group_input_forms_agree(make):
    y, s, g = lending_data(500)
    expected = equal_opportunity(y, s, g).thresholds
    assert equal_opportunity(y, s, make(g)).thresholds == expected


def test_integer_groups_and_intersections():
    y, s, g = lending_data(800)
    codes = np.searchsorted(np.array(["a", "b", "c", "d"]), g).astype(np.int32)
    # Views are keyed by the groups' values: ints stay ints, intersections are tuples.
    assert list(equal_opportunity(y, s, codes).thresholds) == [0, 1, 2, 3]
    sex = np.where(np.arange(len(g)) % 2 == 0, "f", "m")
    p = equal_opportunity(y, s, [g, sex])
    assert set(p.thresholds) == {(a, b) for a in "abcd" for b in "fm"}
    import pandas as pd
    q = equal_opportunity(y, s, pd.DataFrame({"eth": g, "sex": sex}))
    assert q.thresholds == p.thresholds
    assert equal_opportunity(y, s, {"eth": g, "sex": sex}).thresholds == p.thresholds


def test_missing_group_keys_are_errors_naming_the_row():
    y, s, g = lending_data(50)
    bad = g.astype(object)
    bad[7] = None
    with pytest.raises(errors.MissingValueError) as e:
        equal_opportunity(y, s, bad)
    assert e.value.index == 7
    import pandas as pd
    cat = pd.Series(g, dtype="category")
    cat[3] = None
    with pytest.raises(errors.MissingValueError) as e:
        equal_opportunity(y, s, cat)
    assert e.value.index == 3
    with pytest.raises(errors.InputTypeError):
        equal_opportunity(y, s, np.linspace(0, 1, len(y)))  # float keys: bin them first


def test_bad_inputs_and_parameters():
    y, s, g = lending_data(200)
    with pytest.raises(errors.ParameterError):
        equal_opportunity(y, s, g, tolerance=-0.1)
    with pytest.raises(errors.ParameterError):
        equal_opportunity(y, s, g, constraint="equalised")
    with pytest.raises(errors.ParameterError):
        equal_opportunity(y, s, g, fn_cost=-5)
    with pytest.raises(errors.ParameterError):
        equal_opportunity(y, s, g, fp_cost=float("nan"))
    with pytest.raises(errors.LengthMismatchError):
        equal_opportunity(y, s, g[:-1])
    with pytest.raises(errors.NonFiniteError):
        equal_opportunity(y, np.where(np.arange(len(s)) == 3, np.nan, s), g)
    only_pos = g.copy()
    only_pos[y] = "z"
    with pytest.raises(errors.GroupError) as e:
        equal_opportunity(y, s, only_pos)  # group z has no negatives: FPR undefined
    assert e.value.group == "z"
    with pytest.raises(errors.GroupError):
        equal_opportunity(y, s, np.arange(len(y)) % 40, max_groups=20)
    p = equal_opportunity(y, s, g)
    with pytest.raises(errors.GroupError) as e:
        p.predict(s[:3], ["a", "b", "new"])
    assert e.value.group == "new" and e.value.index == 2
    assert p.predict(s[:3], ["a", "b", "new"], fallback=0.5).dtype == np.bool_
    with pytest.raises(errors.ParameterError):
        p.predict(s[:3], ["a", "b", "new"], fallback="median")


def test_single_group_and_constant_scores():
    y = np.array([0, 1, 0, 1, 1, 0], dtype=bool)
    p = equal_opportunity(y, np.full(6, 0.5), ["a"] * 6)
    assert p.max_gap == 0.0
    # Constant scores: flag everybody or nobody; 3 positives missed cost 15 > 3 reviews.
    assert p.total_cost == 3.0


def test_threshold_optimizer_with_and_without_estimator():
    y, s, g = lending_data(1000)
    t = ThresholdOptimizer(tolerance=0.05).fit(s, y, g)
    assert set(np.unique(t.predict(s, g))) <= {0, 1}
    assert t.get_params()["tolerance"] == 0.05
    assert t.set_params(tolerance=0.1).tolerance == 0.1

    class Model:
        def predict_proba(self, x):
            return np.column_stack([1 - x[:, 0], x[:, 0]])

    t2 = ThresholdOptimizer(Model(), prefit=True).fit(s[:, None], y, g)
    assert (t2.predict(s[:, None], g) == ThresholdOptimizer().fit(s, y, g).predict(s, g)).all()
    with pytest.raises(AttributeError):
        ThresholdOptimizer().predict(s, g)


def test_full_cost_matrix():
    y, s, g = lending_data(500)
    cost = CostMatrix(fn_cost=5.0, fp_cost=1.0, tp_cost=0.5, tn_cost=0.0)
    p = equal_opportunity(y, s, g, cost=cost, tolerance=1.0)
    # Unconstrained (tolerance 1): every group at its own optimum.
    assert p.total_cost == pytest.approx(p.to_dict()["baselines"]["unconstrained"]["cost"])


def test_policy_pickles_through_json():
    y, s, g = lending_data(100)
    p = equal_opportunity(y, s, g, randomized=True)
    q = pickle.loads(pickle.dumps(p))
    assert q.to_json() == p.to_json()


def test_fixed_width_string_groups_equal_object_and_list_groups():
    # numpy "<U" arrays are factorised by numpy.unique; object arrays and lists element by
    # element: both paths must give the same groups, including non-ASCII and empty names.
    y, s, g = lending_data(2000)
    names = np.array(["", "ä", "Ünïcode group", "d"])[np.searchsorted(np.array(list("abcd")), g)]
    expected = equal_opportunity(y, s, list(names)).thresholds
    assert equal_opportunity(y, s, names).thresholds == expected
    assert equal_opportunity(y, s, names.astype(object)).thresholds == expected
    assert set(expected) == {"", "ä", "Ünïcode group", "d"}
