"""Reference profiles, the drift monitor and drift_report.

Oracles:
- per-feature KS statistic and p-value against ``scipy.stats.ks_2samp`` on the same columns
  (NaN/inf dropped), to DRIFT_PVALUE_RTOL;
- per-feature chi-square and G statistics against ``scipy.stats.chi2_contingency``
  (``correction=False``; ``lambda_="log-likelihood"``) on the 2 x K count table;
- corrected p-values against ``statsmodels.stats.multitest.multipletests``;
- output-rate intervals against ``scipy.stats.binomtest(x, n).proportion_ci`` (Wilson and
  exact), the z-test against statsmodels' ``proportions_ztest``;
- profile summaries against numpy (counts, NaN/inf, mean, variance, min/max, sorted values);
  merged profiles against the profile of the concatenation.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections import Counter

import numpy as np
import pytest
from conftest import BRENTQ_ATOL, DRIFT_PVALUE_RTOL, RTOL, assert_close

from mlops_audit import errors as E
from mlops_audit.drift import (
    DriftMonitor,
    DriftReport,
    ReferenceProfile,
    categorical_drift,
    drift_report,
    ks_2samp,
)

st = pytest.importorskip("scipy.stats")
multitest = pytest.importorskip("statsmodels.stats.multitest")
sm_prop = pytest.importorskip("statsmodels.stats.proportion")


def loans(seed: int, n: int, shift: float = 0.0, rate: float = 0.3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    income = rng.normal(50 + shift, 10, n)
    income[rng.random(n) < 0.02] = np.nan
    income[rng.random(n) < 0.005] = np.inf
    return {
        "income": income,
        "age": np.round(rng.normal(35, 8, n)),
        "housing": rng.choice(np.array(["rent", "own", "mortgage"], dtype=object), n),
        "group": rng.choice(np.array(["A", "B"]), n),
        "pred": (rng.random(n) < rate).astype(np.int64),
    }


def finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]


def table2(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    cats = sorted(set(ref) | set(cur))
    return np.array([[np.sum(ref == c) for c in cats], [np.sum(cur == c) for c in cats]])


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


@pytest.mark.parametrize("seed", range(4))
def test_report_matches_scipy_and_statsmodels(seed):
    train = loans(seed, 1500)
    live = loans(100 + seed, 400 + 150 * seed, shift=seed * 0.8, rate=0.3 + 0.04 * seed)
    profile = ReferenceProfile.from_data(train, group="group", prediction="pred")
    monitor = DriftMonitor(profile, tests={"group": "g_test"}, correction="fdr_bh")
    monitor.ingest({k: v[:100] for k, v in live.items()})
    monitor.ingest({k: v[100:] for k, v in live.items()})
    r = monitor.evaluate()
    assert isinstance(r, DriftReport)

    for name in ("income", "age"):
        ref = st.ks_2samp(finite(train[name]), finite(live[name]))
        f = r.feature(name)
        assert f["test"] == "ks"
        assert_close(f["statistic"], ref.statistic)
        assert rel(f["pvalue"], ref.pvalue) <= DRIFT_PVALUE_RTOL
    chi = st.chi2_contingency(table2(train["housing"], live["housing"]), correction=False)
    f = r.feature("housing")
    assert f["test"] == "chi_square"
    assert_close(f["statistic"], chi.statistic)
    assert rel(f["pvalue"], chi.pvalue) <= DRIFT_PVALUE_RTOL
    g = st.chi2_contingency(
        table2(train["group"], live["group"]), correction=False, lambda_="log-likelihood"
    )
    assert_close(r.feature("group")["statistic"], g.statistic)
    assert rel(r.feature("group")["pvalue"], g.pvalue) <= DRIFT_PVALUE_RTOL

    pvals = [f["pvalue"] for f in r.features]
    rej, corrected, _, _ = multitest.multipletests(pvals, alpha=0.05, method="fdr_bh")
    assert_close([f["pvalue_corrected"] for f in r.features], corrected)
    assert [f["drifted"] for f in r.features] == list(rej)
    outputs = [r.output_overall, *r.outputs]
    assert r.status == ("alert" if any(rej) or any(o["out_of_interval"] for o in outputs) else "ok")

    n_nan = int(np.isnan(live["income"]).sum())
    n_inf = int(np.isinf(live["income"]).sum())
    f = r.feature("income")
    assert (f["current_nan"], f["current_infinite"]) == (n_nan, n_inf)
    assert_close(f["current_missing_rate"], (n_nan + n_inf) / len(live["income"]))

    assert [o["group"] for o in r.outputs] == ["A", "B"]
    for o in outputs:
        overall = o is r.output_overall
        mask_t = np.ones(len(train["pred"]), bool) if overall else train["group"] == o["group"]
        mask_l = np.ones(len(live["pred"]), bool) if overall else live["group"] == o["group"]
        x0, n0 = int(train["pred"][mask_t].sum()), int(mask_t.sum())
        x, n = int(live["pred"][mask_l].sum()), int(mask_l.sum())
        assert (o["training"]["positives"], o["training"]["total"]) == (x0, n0)
        assert (o["production"]["positives"], o["production"]["total"]) == (x, n)
        bt = st.binomtest(x, n)
        wil = bt.proportion_ci(confidence_level=0.95, method="wilson")
        ex = bt.proportion_ci(confidence_level=0.95, method="exact")
        t = o["test"]
        assert rel(t["wilson_low"], wil.low) <= DRIFT_PVALUE_RTOL
        assert rel(t["wilson_high"], wil.high) <= DRIFT_PVALUE_RTOL
        assert abs(t["exact_low"] - ex.low) <= BRENTQ_ATOL
        assert abs(t["exact_high"] - ex.high) <= BRENTQ_ATOL
        assert o["out_of_interval"] == (not ex.low <= x0 / n0 <= ex.high)
        z, p = sm_prop.proportions_ztest([x, x0], [n, n0])
        assert rel(t["statistic"], z) <= DRIFT_PVALUE_RTOL
        assert rel(t["pvalue"], p) <= DRIFT_PVALUE_RTOL
    # JSON round trip of the report.
    assert json.loads(r.to_json()) == r.to_dict()
    assert "DriftReport(status=" in repr(r)


def test_drift_report_one_shot_is_exact_and_accepts_every_table_type():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    train, live = loans(7, 800), loans(8, 600, shift=1.0)
    ref = st.ks_2samp(finite(train["income"]), finite(live["income"]))
    tables = [
        (train, live),
        (pd.DataFrame(train), pd.DataFrame(live)),
        (pl.DataFrame(train), pl.DataFrame(live)),
        (pa.table(train), pa.table(live)),
    ]
    reports = [drift_report(a, b, group="group", prediction="pred") for a, b in tables]
    for r in reports:
        f = r.feature("income")
        assert_close(f["statistic"], ref.statistic)
        assert rel(f["pvalue"], ref.pvalue) <= DRIFT_PVALUE_RTOL
        assert r.feature("housing")["kind"] == "categorical"
    # Every table type gives the same report.
    first = reports[0].to_dict()
    for r in reports[1:]:
        assert r.to_dict()["features"] == first["features"]
        assert r.to_dict()["outputs"] == first["outputs"]


def test_categorical_columns_of_every_storage_give_the_same_report():
    """numpy fixed-width strings and pandas/Arrow dictionaries are factorised, pandas
    strings read from Arrow in place: the report is the one of plain Python strings."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(7)
    cats = np.array(["a", "bb", "", "ccc", "dé", "a category name over sixteen bytes"])
    r = cats[rng.integers(0, 6, 5000)]
    c = cats[rng.integers(0, 5, 4000)]
    expected = drift_report({"c": r.astype(object)}, {"c": c.astype(object)}).to_dict()
    f = expected["features"][0]
    direct = categorical_drift(Counter(r.tolist()), Counter(c.tolist()))
    assert f["test"] == "chi_square"
    assert (f["statistic"], f["pvalue"]) == (direct.statistic, direct.pvalue)
    assert f["unseen_categories"] == []
    for a, b in [
        (r, c),
        (pd.Series(r).astype("category"), pd.Series(c).astype("category")),
        (pa.array(r).dictionary_encode(), pa.array(c).dictionary_encode()),
        (pd.Series(r, dtype="string[pyarrow]"), pd.Series(c, dtype="string[pyarrow]")),
    ]:
        assert drift_report({"c": a}, {"c": b}).to_dict() == expected


def test_profile_summaries_merge_and_json():
    data = loans(3, 1000)
    profile = ReferenceProfile.from_data(data)
    d = profile.to_dict()
    assert d["format_version"] == profile.format_version == 2
    assert profile.rows == 1000
    assert dict(profile.columns) == {
        "income": "numeric", "age": "numeric", "housing": "categorical",
        "group": "categorical", "pred": "numeric",
    }  # fmt: skip
    inc = next(c for c in d["columns"] if c["name"] == "income")["summary"]
    x = data["income"]
    fx = finite(x)
    assert inc["count"] == fx.size
    assert (inc["nan"], inc["infinite"]) == (int(np.isnan(x).sum()), int(np.isinf(x).sum()))
    assert_close(inc["mean"], fx.mean())
    assert_close(inc["m2"] / inc["count"], fx.var())
    assert (inc["min"], inc["max"]) == (fx.min(), fx.max())
    assert inc["values"]["data"] == sorted(fx.tolist())
    # Merge of partitions == profile of the whole; JSON round trip.
    parts = [ReferenceProfile.from_data({k: v[a:b] for k, v in data.items()}) for a, b in
             [(0, 10), (10, 500), (500, 1000)]]  # fmt: skip
    merged = parts[0].merge(parts[1]).merge(parts[2])
    md = merged.to_dict()
    for cm, cw in zip(md["columns"], d["columns"]):
        sm, sw = cm["summary"], cw["summary"]
        if sm["kind"] == "numeric":
            assert_close(sm.pop("mean"), sw.pop("mean"))
            assert_close(sm.pop("m2"), sw.pop("m2"))
        assert sm == sw
    assert ReferenceProfile.from_json(profile.to_json()) == profile
    assert "ReferenceProfile(rows=1000" in repr(profile)


def test_profile_above_the_cap_is_sketched_and_still_mergeable():
    rng = np.random.default_rng(11)
    x = rng.normal(size=30_000)
    a = ReferenceProfile.from_data({"x": x[:15_000]}, sample_cap=1000)
    b = ReferenceProfile.from_data({"x": x[15_000:]}, sample_cap=1000)
    m = a.merge(b).to_dict()["columns"][0]["summary"]
    assert m["values"]["kind"] == "sketch"
    assert m["count"] == 30_000 and (m["min"], m["max"]) == (x.min(), x.max())
    # A KS report with a sketched reference is approximate, with a stated error bound.
    r = DriftMonitor(a.merge(b))
    r.ingest({"x": rng.normal(0.3, 1, 2000)})
    f = r.evaluate().feature("x")
    exact = st.ks_2samp(x, np.random.default_rng(11 + 1).normal(0.3, 1, 2000)).statistic
    assert f["approximate"] and f["statistic_error_bound"] < 0.05
    assert f["drifted"]
    assert 0.0 < f["statistic"] and abs(f["statistic"] - exact) < 0.1


def test_concurrent_ingest_from_threads_counts_every_row():
    train = loans(21, 2000)
    live = loans(22, 8 * 40 * 25)
    profile = ReferenceProfile.from_data(train, group="group", prediction="pred")
    monitor = DriftMonitor(profile, shards=3, window_sample_cap=None)

    def work(t: int) -> None:
        for b in range(40):
            lo = (t * 40 + b) * 25
            monitor.ingest({k: v[lo : lo + 25] for k, v in live.items()})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    r = monitor.evaluate()
    n = len(live["pred"])
    assert r.counters["rows"] == n and r.counters["requests"] == 320
    assert r.counters["predictions"]["all"]["positives"] == int(live["pred"].sum())
    assert r.counters["predictions"]["groups"]["A"]["total"] == int((live["group"] == "A").sum())
    ref = st.ks_2samp(finite(train["income"]), finite(live["income"]))
    assert_close(r.feature("income")["statistic"], ref.statistic)


def test_windows_by_count_and_time():
    train = loans(31, 500)
    live = loans(32, 400)
    profile = ReferenceProfile.from_data(train)
    m = DriftMonitor(profile, window_rows=100)
    for k in range(5):  # batches of 30: window 0 holds first rows 0, 30, 60, 90
        m.ingest({c: v[30 * k : 30 * k + 30] for c, v in live.items()})
    w = m.evaluate().window
    assert (w["kind"], w["index"], w["complete"], w["rows"]) == ("count", 0, True, 120)
    t = DriftMonitor(profile, window_seconds=60.0)
    t.ingest({c: v[:50] for c, v in live.items()}, timestamp=10.0)
    t.ingest({c: v[50:80] for c, v in live.items()}, timestamp=70.0)
    w = t.evaluate(now=75.0).window
    assert (w["index"], w["complete"], w["rows"], w["start"], w["end"]) == (0, True, 50, 0.0, 60.0)


def test_bad_input():
    train = loans(41, 300)
    profile = ReferenceProfile.from_data(train, group="group", prediction="pred")
    m = DriftMonitor(profile)
    # Empty window: a documented no-data report.
    r = m.evaluate()
    assert r.status == "no_data" and r.features == []
    # A profiled column missing.
    with pytest.raises(E.ColumnError) as e:
        m.ingest({"income": np.array([1.0])})
    assert e.value.column in {"age", "housing", "group", "pred"}
    # Text in a numeric feature.
    bad = {k: v[:5] for k, v in train.items()}
    bad["age"] = np.array(["x"] * 5, dtype=object)
    with pytest.raises(E.ColumnTypeError) as e:
        m.ingest(bad)
    assert e.value.column == "age"
    # Mixed numbers and text.
    mixed = {k: v[:3] for k, v in train.items()}
    mixed["housing"] = np.array(["rent", 3, "own"], dtype=object)
    with pytest.raises(E.ColumnTypeError) as e:
        m.ingest(mixed)
    assert (e.value.column, e.value.index) == ("housing", 1)
    # Lengths differ.
    short = {k: v[:5] for k, v in train.items()}
    short["age"] = short["age"][:4]
    with pytest.raises(E.LengthMismatchError):
        m.ingest(short)
    # Prediction not 0/1.
    p = {k: v[:5] for k, v in train.items()}
    p["pred"] = np.array([0, 1, 2, 0, 1])
    with pytest.raises(E.LabelError):
        m.ingest(p)
    r = m.evaluate()
    assert r.counters["errors"] == 5 and r.counters["rows"] == 0
    # All-missing numeric column and an extra column: documented results.
    ok = {k: v[:20] for k, v in train.items()}
    ok["income"] = np.full(20, np.nan)
    ok["extra"] = np.zeros(20)
    m.ingest(ok)
    r = m.evaluate()
    f = r.feature("income")
    assert f["test"] is None and f["pvalue"] is None and f["current_missing_rate"] == 1.0
    assert "all missing" in f["note"]
    assert r.ignored_columns == ["extra"]
    # Configuration and profile errors.
    with pytest.raises(E.ParameterError):
        DriftMonitor(profile, tests={"housing": "ks"})
    with pytest.raises(E.ParameterError):
        DriftMonitor(profile, correction="nope")
    with pytest.raises(E.ParameterError):
        DriftMonitor(profile, window_rows=10, window_seconds=5.0)
    with pytest.raises(E.ColumnError):
        ReferenceProfile.from_data(train, categorical=["nope"])
    with pytest.raises(E.ParameterError):
        ReferenceProfile.from_data(train, group="group")  # no prediction column
    with pytest.raises(E.ProfileError):
        ReferenceProfile.from_json("{}")
    with pytest.raises(E.ProfileError):
        profile.merge(ReferenceProfile.from_data({"x": np.ones(3)}))
    with pytest.raises(E.InputTypeError):
        ReferenceProfile.from_data(42)


def test_numbers_as_categories():
    codes = np.array([1, 2, 2, 3, 1, 2])
    p = ReferenceProfile.from_data({"code": codes}, categorical=["code"])
    assert dict(p.columns) == {"code": "categorical"}
    counts = p.to_dict()["columns"][0]["summary"]["counts"]
    assert counts == {"1": 2, "2": 3, "3": 1}
    # Floats 1.0 and ints 1 are the same category; a new code is reported as unseen.
    m = DriftMonitor(p)
    m.ingest({"code": np.array([1.0, 2.0, 4.0])})
    f = m.evaluate().feature("code")
    assert f["unseen_categories"] == ["4"]
    chi = st.chi2_contingency(np.array([[2, 3, 1, 0], [1, 1, 0, 1]]), correction=False)
    assert_close(f["statistic"], chi.statistic)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

_values = hs.lists(
    hs.one_of(hs.sampled_from([0.0, 1.0, 2.5, np.nan, np.inf]), hs.floats(-5, 5)),
    min_size=0,
    max_size=40,
)


@given(_values, _values, _values)
def test_property_merge_is_profile_of_concatenation_and_ks_is_scipy(a, b, c):
    xs = [np.array(v, dtype=float) for v in (a, b, c)]
    whole = np.concatenate(xs)
    parts = [ReferenceProfile.from_data({"x": x}) for x in xs]
    merged = parts[0].merge(parts[1]).merge(parts[2]).to_dict()["columns"][0]["summary"]
    direct = ReferenceProfile.from_data({"x": whole}).to_dict()["columns"][0]["summary"]
    for key in ("count", "missing", "nan", "infinite", "min", "max", "values"):
        assert merged[key] == direct[key]
    if direct["mean"] is not None:
        assert_close(merged["mean"], direct["mean"])
    # The one-shot report's KS (ties, tiny samples) is scipy's.
    ref, cur = np.concatenate(xs[:2]), xs[2]
    if finite(ref).size == 0:
        # No reference value: every test would be undefined, so the report is refused
        # (tests/python/test_drift_trust.py).
        with pytest.raises(E.EmptyInputError):
            drift_report({"x": ref}, {"x": cur})
        return
    r = drift_report({"x": ref}, {"x": cur})
    if cur.size == 0:
        assert r.status == "no_data" and r.features == []
        return
    f = r.feature("x")
    if finite(ref).size and finite(cur).size:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = st.ks_2samp(finite(ref), finite(cur))
        assert_close(f["statistic"], s.statistic)
        if any("Exact calculation unsuccessful" in str(w.message) for w in caught):
            # SciPy gave up its exact p-value and fell back to the asymptotic one; ours is
            # exact there (found by hypothesis: all-zero reference, one 1 in production,
            # D = 1/7, exact p = 1, SciPy 0.99996), so compare with the direct ks_2samp,
            # itself checked against SciPy and exact enumeration in test_drift_ks.py.
            assert rel(f["pvalue"], ks_2samp(finite(ref), finite(cur)).pvalue) <= RTOL
        else:
            assert rel(f["pvalue"], s.pvalue) <= DRIFT_PVALUE_RTOL
    else:
        # Every window value missing: the tests are undefined, and that alerts.
        assert f["test"] is None and f["note"] and not f["drifted"]
        assert r.status == "alert"


def test_nulls_categoricals_and_mixed_sources():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    df = pd.DataFrame(
        {
            "c": pd.Categorical(["a", "b", "a", None]),
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "b": [True, False, True, True],
            "s": ["x", None, "y", "x"],
        }
    )
    p = ReferenceProfile.from_data(df)
    assert p.columns == [("c", "categorical"), ("n", "numeric"), ("b", "categorical"),
                         ("s", "categorical")]  # fmt: skip
    cols = {c["name"]: c["summary"] for c in p.to_dict()["columns"]}
    assert (cols["c"]["counts"], cols["c"]["missing"]) == ({"a": 2, "b": 1}, 1)
    assert (cols["n"]["count"], cols["n"]["nulls"], cols["n"]["mean"]) == (3, 1, 8 / 3)
    assert cols["b"]["counts"] == {"false": 1, "true": 3}
    assert (cols["s"]["counts"], cols["s"]["missing"]) == ({"x": 2, "y": 1}, 1)
    polars = ReferenceProfile.from_data(
        pl.DataFrame({"c": pl.Series(["a", "b", "a", None], dtype=pl.Categorical)})
    )
    assert polars.to_dict()["columns"][0]["summary"]["counts"] == {"a": 2, "b": 1}
    # A dict mixing Series and arrays of every origin.
    mixed = ReferenceProfile.from_data(
        {"x": pl.Series([1.0, None, 2.0]), "y": pa.array(["a", None, "b"]), "z": [1, 2, None],
         "w": ["u", "v", None]}  # fmt: skip
    )
    assert mixed.columns == [("x", "numeric"), ("y", "categorical"), ("z", "numeric"),
                             ("w", "categorical")]  # fmt: skip
    m = DriftMonitor(p)
    m.ingest(df)
    r = m.evaluate()
    assert r.status == "ok" and r.feature("c")["statistic"] == 0.0
