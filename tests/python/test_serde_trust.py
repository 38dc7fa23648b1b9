"""Objects read back are checked like inputs (issue 13): ``from_json`` and pickles.

- Fuzzing (hypothesis): every fitted or mergeable object's ``from_json``, and its pickle
  payload, fed arbitrary JSON and edits of a valid serialisation (a number changed, a
  field dropped or written twice, a value's JSON type changed, an array truncated or
  reordered, the text cut). Loading either raises an exception from ``mlops_audit.errors``
  (nothing else), or gives an object whose methods work and return valid values
  (probabilities in [0, 1], monotone calibration maps, consistent counts).
- Pickle, ``copy`` and ``copy.deepcopy`` of ``ReferenceProfile``, ``GroupAudit`` and
  ``DriftMonitor``: equal results after the round trip, partition profiles sent back from a
  ``spawn`` process pool merge into the same drift report as in memory (its KS statistic
  checked against ``scipy.stats.ks_2samp``), a monitor pickled mid-stream goes on exactly
  as the original, and a tampered payload raises ``StateError`` naming the field.
"""

from __future__ import annotations

import copy
import json
import math
import multiprocessing
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from mlops_audit import errors as E
from mlops_audit.calibration import (
    BetaCalibrator,
    HistogramCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
)
from mlops_audit.compare import SequentialTest, ShadowAccumulator
from mlops_audit.drift import DriftMonitor, ReferenceProfile, drift_report
from mlops_audit.fairness import GroupAudit, audit

st = pytest.importorskip("scipy.stats")


# --------------------------------------------------------------------------------------
# Valid objects, built once.
# --------------------------------------------------------------------------------------
def _scores(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.int64)
    p = np.clip(0.3 * y + 0.7 * rng.random(n), 0.0, 1.0)
    return y, p


def _training(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 10, n)
    income[rng.random(n) < 0.05] = np.nan
    return {
        "income": income,
        "housing": rng.choice(np.array(["rent", "own", "other"], dtype=object), n),
        "group": rng.choice(np.array(["A", "B"], dtype=object), n),
        "pred": (rng.random(n) < 0.3).astype(np.int64),
    }


def _profile(data: dict[str, np.ndarray], sample_cap: int | None = 100_000) -> ReferenceProfile:
    return ReferenceProfile.from_data(
        data, group="group", prediction="pred", sample_cap=sample_cap, sketch_k=16
    )


def _valid_objects() -> dict[str, tuple[Any, Any]]:
    """name -> (reader, object): one object of each type that users load back."""
    # Seed 2: Platt's fit converges (on seed 1 it stops after 200 Newton steps).
    y, p = _scores(2)
    acc = ShadowAccumulator(max_pending=5, threshold=0.5)
    for i in range(12):
        acc.record(i, float(p[i]), float(p[i + 12]), group="AB"[i % 2])
        if i % 3:
            acc.label(i, int(y[i]))
    seq = SequentialTest("proportions", tau2=0.01)
    seq.update_counts(30, 100, 45, 100)
    seq.update_counts(5, 10, 9, 10)
    means = SequentialTest("means", tau2=0.5)
    means.update(p[:20], p[20:45] + 0.3)
    monitor = DriftMonitor(_profile(_training(2, 200), sample_cap=20), window_rows=40,
                           window_sample_cap=8, shards=2)
    for lo in range(0, 100, 25):
        monitor.ingest({k: v[lo:lo + 25] for k, v in _training(3, 100).items()})
    groups = np.array(["A", "B", "C"])[np.arange(60) % 3]
    return {
        "isotonic": (IsotonicCalibrator.from_json, IsotonicCalibrator().fit(p, y)),
        "platt": (PlattCalibrator.from_json, PlattCalibrator().fit(p, y)),
        "histogram": (HistogramCalibrator.from_json,
                      HistogramCalibrator(n_bins=6, strategy="quantile").fit(p, y)),
        "beta": (BetaCalibrator.from_json, BetaCalibrator().fit(p, y)),
        "accumulator": (ShadowAccumulator.from_json, acc),
        "sequential": (SequentialTest.from_json, seq),
        "sequential_means": (SequentialTest.from_json, means),
        "profile": (ReferenceProfile.from_json, _profile(_training(4, 300), sample_cap=50)),
        "audit": (GroupAudit.from_json,
                  audit(y, p, groups, threshold=0.5, bootstrap=20, seed=1, min_count=5)),
        "monitor": (DriftMonitor.from_json, monitor),
    }


VALID = _valid_objects()
GRID = np.array([0.0, 1e-12, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.55, 0.7, 0.8, 0.9, 0.99, 1.0])


# --------------------------------------------------------------------------------------
# What a loaded object must do.
# --------------------------------------------------------------------------------------
def _unit(x: Any, what: str) -> None:
    if x is not None:
        assert 0.0 <= x <= 1.0, f"{what} = {x}"


def _check_report(r: Any) -> None:
    for f in r.features:
        for key in ("pvalue", "pvalue_corrected", "reference_missing_rate",
                    "current_missing_rate"):
            _unit(f[key], key)
        for key in ("statistic", "effect_size"):
            assert f[key] is None or math.isfinite(f[key])
    for o in r.outputs:
        _unit(o["training_share"], "training_share")
        _unit(o["production_share"], "production_share")


def _batch(profile: ReferenceProfile) -> dict[str, Any]:
    """Rows for every profiled column: 0/1 numbers or "0"/"1" text, so that a prediction
    column of either kind reads as labels."""
    return {
        name: (np.array([0.0, 1.0, np.nan, 1.0]) if kind == "numeric"
               else np.array(["0", "1", "1", "0"], dtype=object))
        for name, kind in profile.columns
    }


def _exercise(name: str, obj: Any) -> None:
    """Calls the loaded object's methods and checks what they return."""
    if name in ("isotonic", "platt", "histogram", "beta"):
        q = obj.transform(GRID)
        assert np.all((q >= 0.0) & (q <= 1.0)), q
        if name in ("isotonic", "beta"):
            assert np.all(np.diff(q) >= 0.0), q
        assert type(obj).from_json(obj.to_json()).to_json() == obj.to_json()
    elif name == "accumulator":
        s = obj.summary()
        assert s.rows == s.positives + s.negatives
        for test in ("delong", "brier_ttest", "brier_wilcoxon", "cost_ttest", "mcnemar"):
            if getattr(s, test) is not None:
                _unit(getattr(s, test)["pvalue"], test)
        other = ShadowAccumulator.from_json(obj.to_json())
        obj.merge(other)
        obj.record(10**12, 0.2, 0.7, group="new")
        obj.label(10**12, 1)
        assert obj.summary().pending <= json.loads(obj.to_json())["config"]["max_pending"]
    elif name.startswith("sequential"):
        r = obj.result()
        _unit(r.pvalue, "pvalue")
        assert r.rejected == (r.pvalue <= r.alpha)
        try:
            obj.update([0.0, 1.0], [1.0])
        except E.ParameterError:  # an arm at 2^53 rows refuses more
            pass
        _unit(obj.result().pvalue, "pvalue")
    elif name == "profile":
        try:
            merged = obj.merge(obj)
        except E.ProfileError:  # more than 2^53 rows together
            merged = None
        if merged is not None:
            assert merged.rows == 2 * obj.rows
            assert ReferenceProfile.from_json(merged.to_json()) == merged
        try:
            monitor = DriftMonitor(obj)
        except E.MlopsError:  # e.g. no feature left to monitor
            return
        monitor.ingest(_batch(obj), timestamp=1.0)
        _check_report(monitor.evaluate(now=1.0))
    elif name == "audit":
        for rate in ("fpr", "tpr", "precision", "selection_rate"):
            for v in obj.rate(rate).values():
                _unit(v, rate)
        _unit(obj.max_gap, "max_gap")
        assert obj.passed == (None if obj.max_gap is None else obj.max_gap <= obj.tolerance)
        assert GroupAudit.from_json(obj.to_json()) == obj
    elif name == "monitor":
        _check_report(obj.evaluate(now=5.0))
        obj.ingest(_batch(obj.profile), timestamp=6.0)
        _check_report(obj.evaluate(now=6.0))
        DriftMonitor.from_json(obj.to_json())
    else:  # pragma: no cover
        raise AssertionError(name)


def _load(name: str, text: str, via_pickle: bool) -> None:
    reader = VALID[name][0]
    try:
        if via_pickle:
            obj = pickle.loads(pickle.dumps(_Payload(reader, text)))
        else:
            obj = reader(text)
    except Exception as e:  # noqa: BLE001 - the point: only our exceptions may come out
        assert isinstance(e, E.MlopsError) and type(e).__module__ == "mlops_audit.errors", (
            f"{type(e).__module__}.{type(e).__name__}: {e}"
        )
        return
    _exercise(name, obj)


class _Payload:
    """Pickles as a call of ``reader(text)``: what unpickling a tampered payload does."""

    def __init__(self, reader: Any, text: str) -> None:
        self.reader, self.text = reader, text

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.reader, (self.text,))


# --------------------------------------------------------------------------------------
# Edits of a JSON document.
# --------------------------------------------------------------------------------------
_DUP = "\x01dup\x01"


def _paths(doc: Any, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*here, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*here, i))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _retype(v: Any) -> Any:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return [v]
    if isinstance(v, list):
        return {str(i): x for i, x in enumerate(v)}
    return list(v.values())


def _nudge(x: float, how: int) -> Any:
    return [-x, x + 1, x * 2, x / 2, x + 1e-9 * max(abs(x), 1.0), 0, 7, -1, 2**64, x - 1,
            1e308, 0.5][how % 12]


def apply_edit(doc: Any, edit: tuple) -> Any:
    kind, at, arg = edit
    paths = _paths(doc)
    if kind == "replace":
        return _set(doc, paths[at % len(paths)], arg)
    if kind == "retype":
        p = paths[at % len(paths)]
        return _set(doc, p, _retype(_get(doc, p)))
    if kind == "nudge":
        nums = [p for p in paths
                if isinstance(_get(doc, p), (int, float)) and not isinstance(_get(doc, p), bool)]
        if nums:
            p = nums[at % len(nums)]
            doc = _set(doc, p, _nudge(float(_get(doc, p)), arg))
        return doc
    inner = [p for p in paths if p]
    if not inner:
        return doc
    p = inner[at % len(inner)]
    parent, last = _get(doc, p[:-1]), p[-1]
    if kind == "drop":
        del parent[last]
    elif kind == "duplicate":
        if isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        elif not last.startswith(_DUP):
            parent[_DUP + last] = copy.deepcopy(parent[last])
    elif kind == "truncate":
        arrays = [q for q in paths if isinstance(_get(doc, q), list)]
        if arrays:
            a = _get(doc, arrays[at % len(arrays)])
            del a[(arg % len(a)) if a else 0:]
    elif kind == "swap":
        arrays = [q for q in paths if isinstance(_get(doc, q), list) and _get(doc, q)]
        if arrays:
            a = _get(doc, arrays[at % len(arrays)])
            i, j = arg % len(a), (arg // 7) % len(a)
            a[i], a[j] = a[j], a[i]
    return doc


def render(doc: Any, cut: float | None) -> str:
    text = json.dumps(doc).replace('"\\u0001dup\\u0001', '"')
    return text if cut is None else text[: int(len(text) * cut)]


leaves = hs.one_of(
    hs.none(), hs.booleans(),
    hs.sampled_from([0, -1, 1, 7, 5, 2**53, 2**53 + 1, 2**64, 0.5, -0.0, 1e308, -1e308,
                     1e-300, 36.0, 1e7]),
    hs.floats(allow_nan=False, allow_infinity=False),
    hs.integers(-1000, 1000),
    hs.sampled_from(["", "inf", "-inf", "nan", "x", "uniform", "quantile", "numeric",
                     "categorical", "exact", "sketch", "proportions", "means", "(all)"]),
)
arbitrary_json = hs.recursive(
    leaves,
    lambda inner: hs.one_of(hs.lists(inner, max_size=5),
                            hs.dictionaries(hs.text("abcdefgh_", min_size=1, max_size=8),
                                            inner, max_size=5)),
    max_leaves=20,
)
edit = hs.one_of(
    hs.tuples(hs.just("replace"), hs.integers(0, 10**6), leaves),
    hs.tuples(hs.just("replace"), hs.integers(0, 10**6), arbitrary_json),
    hs.tuples(hs.sampled_from(["nudge", "drop", "duplicate", "retype", "truncate", "swap"]),
              hs.integers(0, 10**6), hs.integers(0, 10**6)),
)
edits = hs.lists(edit, min_size=1, max_size=4)
cuts = hs.one_of(hs.none(), hs.none(), hs.none(), hs.floats(0.0, 1.0))

NAMES = sorted(VALID)
# Ten types, three properties each: half the profile's examples per property keeps the file
# near a minute on two cores (the "thorough" profile scales it up).
FUZZ = settings(max_examples=max(75, settings.default.max_examples // 2))


@FUZZ
@pytest.mark.parametrize("name", NAMES)
@given(edits=edits, cut=cuts, via_pickle=hs.booleans())
def test_edited_payloads_load_checked_or_raise_typed_errors(name, edits, cut, via_pickle):
    doc = json.loads(VALID[name][1].to_json())
    for e in edits:
        doc = apply_edit(doc, e)
    _load(name, render(doc, cut), via_pickle)


@FUZZ
@pytest.mark.parametrize("name", NAMES)
@given(doc=arbitrary_json, via_pickle=hs.booleans())
def test_arbitrary_json_loads_checked_or_raises_typed_errors(name, doc, via_pickle):
    _load(name, json.dumps(doc), via_pickle)


@FUZZ
@pytest.mark.parametrize("name", NAMES)
@given(fields=hs.lists(hs.tuples(hs.integers(0, 100), arbitrary_json), min_size=1, max_size=3))
def test_arbitrary_values_in_the_right_fields(name, fields):
    doc = json.loads(VALID[name][1].to_json())
    keys = list(doc)
    for k, v in fields:
        doc[keys[k % len(keys)]] = v
    _load(name, json.dumps(doc), False)


@pytest.mark.parametrize("name", NAMES)
def test_valid_objects_load_back_and_work(name):
    reader, obj = VALID[name]
    text = obj.to_json()
    back = reader(text)
    assert json.loads(back.to_json()) == json.loads(text)  # maps may list keys in any order
    _exercise(name, reader(text))


# --------------------------------------------------------------------------------------
# The examples, with the field named.
# --------------------------------------------------------------------------------------
def test_a_calibrator_returning_seven_is_refused():
    text = '{"x_thresholds": [0.1, 0.9], "y_thresholds": [0.2, 7.0]}'
    with pytest.raises(E.StateError) as e:
        IsotonicCalibrator.from_json(text)
    assert (e.value.object, e.value.field) == ("IsotonicCalibrator", "y_thresholds[1]")
    assert isinstance(e.value, E.ParameterError) and isinstance(e.value, ValueError)
    with pytest.raises(E.StateError):
        pickle.loads(pickle.dumps(_Payload(IsotonicCalibrator.from_json, text)))
    # An edited (monotone, in-range) map is fine.
    ok = IsotonicCalibrator.from_json('{"x_thresholds": [0.1, 0.9], "y_thresholds": [0.2, 0.7]}')
    np.testing.assert_allclose(ok.transform(np.array([0.0, 0.5, 1.0])), [0.2, 0.45, 0.7])


def test_a_profile_whose_rows_contradict_its_contents_is_refused():
    profile = _profile(_training(5, 50))
    doc = profile.to_dict()
    doc["rows"] = 1000
    with pytest.raises(E.StateError) as e:
        ReferenceProfile.from_json(json.dumps(doc))
    assert e.value.object == "ReferenceProfile"
    assert e.value.field == "columns[0].summary"
    doc = profile.to_dict()
    doc["outputs"]["all"]["positives"] = doc["outputs"]["all"]["total"] + 1
    with pytest.raises(E.StateError, match="positives"):
        ReferenceProfile.from_json(json.dumps(doc))
    doc = profile.to_dict()
    doc["format_version"] = 99
    with pytest.raises(E.ProfileError):
        ReferenceProfile.from_json(json.dumps(doc))


# --------------------------------------------------------------------------------------
# Pickle and copies.
# --------------------------------------------------------------------------------------
def test_profile_pickles_and_copies():
    profile = _profile(_training(6, 400), sample_cap=100)  # one column sketched
    for back in (pickle.loads(pickle.dumps(profile, protocol=p))
                 for p in range(2, pickle.HIGHEST_PROTOCOL + 1)):
        assert back == profile and back.to_json() == profile.to_json()
    assert copy.copy(profile) == profile and copy.deepcopy(profile) == profile
    current = _training(7, 300)
    reports = []
    for p in (profile, pickle.loads(pickle.dumps(profile)), copy.deepcopy(profile)):
        m = DriftMonitor(p)
        m.ingest(current, timestamp=0.0)
        reports.append(m.evaluate(now=0.0).to_dict())
    assert reports[0] == reports[1] == reports[2]


def test_audit_pickles_copies_and_reads_json():
    y, p = _scores(8, 200)
    groups = np.array(["A", "B"])[np.arange(200) % 2]
    a = audit(y, p, groups, threshold=0.4, bootstrap=50, seed=2)
    for back in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a),
                 GroupAudit.from_json(a.to_json())):
        assert back == a
        assert back.to_dict() == a.to_dict()
        assert (back.max_gap, back.passed, back.rate("fpr")) == (a.max_gap, a.passed,
                                                                 a.rate("fpr"))
    inf = audit(y, p, groups, threshold=float("inf"))  # flags nobody: "inf" in the JSON
    assert pickle.loads(pickle.dumps(inf)) == inf


def test_tampered_audit_payload_raises_state_error():
    y, p = _scores(9, 100)
    a = audit(y, p, np.array(["A", "B"])[np.arange(100) % 2], threshold=0.4)
    doc = a.to_dict()
    doc["passed"] = not doc["passed"]
    with pytest.raises(E.StateError) as e:
        pickle.loads(pickle.dumps(_Payload(GroupAudit.from_json, json.dumps(doc))))
    assert e.value.field == "passed"
    doc = a.to_dict()
    doc["groups"][0]["rates"]["fpr"] = 5.0
    with pytest.raises(E.StateError) as e:
        GroupAudit.from_json(json.dumps(doc))
    assert e.value.field == "groups[0].rates"


def _partition_profile(seed: int) -> ReferenceProfile:
    """Run in a spawned process: profile one partition and send it back (pickled)."""
    return _profile(_training(seed, 700), sample_cap=10_000)


def test_partition_profiles_from_a_spawn_pool_merge_like_in_memory():
    seeds = [11, 12, 13]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        parts = pool.map(_partition_profile, seeds)
    local = [_partition_profile(s) for s in seeds]
    assert parts == local
    merged_pool, merged_local = parts[0], local[0]
    for a, b in zip(parts[1:], local[1:], strict=True):
        merged_pool, merged_local = merged_pool.merge(a), merged_local.merge(b)
    assert merged_pool == merged_local
    current = _training(14, 500)
    current["income"] = current["income"] + 3.0
    reports = []
    for profile in (merged_pool, merged_local):
        m = DriftMonitor(profile)
        m.ingest(current, timestamp=0.0)
        reports.append(m.evaluate(now=0.0))
    assert reports[0].to_dict() == reports[1].to_dict()
    # The merged profile holds every training value: its KS statistic is SciPy's on the
    # concatenated partitions.
    train = np.concatenate([_training(s, 700)["income"] for s in seeds])
    expected = st.ks_2samp(train[np.isfinite(train)], current["income"][np.isfinite(
        current["income"])])
    assert reports[0].feature("income")["statistic"] == pytest.approx(expected.statistic,
                                                                       rel=1e-12)


def test_monitor_pickled_mid_stream_goes_on_like_the_original():
    profile = _profile(_training(15, 500), sample_cap=60)
    monitor = DriftMonitor(profile, window_rows=150, window_sample_cap=20, shards=3)
    stream = _training(16, 600)
    batches = [{k: v[lo:lo + 50] for k, v in stream.items()} for lo in range(0, 600, 50)]
    for b in batches[:5]:
        monitor.ingest(b)
    monitor.record_error()
    copies = [pickle.loads(pickle.dumps(monitor)), copy.copy(monitor), copy.deepcopy(monitor),
              DriftMonitor.from_json(monitor.to_json())]
    for c in copies:
        assert c.to_json() == monitor.to_json()
        assert c.evaluate(now=0.0).to_dict() == monitor.evaluate(now=0.0).to_dict()
    for b in batches[5:]:
        for m in (monitor, *copies):
            m.ingest(b)
    r = monitor.evaluate(now=0.0).to_dict()
    assert r["counters"]["errors"] == 1 and r["counters"]["rows"] == 600
    for c in copies:
        assert c.evaluate(now=0.0).to_dict() == r
    # Copies are independent of the original.
    copies[0].ingest(batches[0])
    assert monitor.evaluate(now=0.0).to_dict() == r


def test_tampered_monitor_payload_raises_state_error():
    monitor = VALID["monitor"][1]
    doc = json.loads(monitor.to_json())
    doc["counters"]["rows"] = 3
    with pytest.raises(E.StateError) as e:
        pickle.loads(pickle.dumps(_Payload(DriftMonitor.from_json, json.dumps(doc))))
    assert e.value.object == "DriftMonitor"
    doc = json.loads(monitor.to_json())
    i = next(i for i, s in enumerate(doc["shards"]) if s["windows"])
    doc["shards"][i]["windows"][0]["columns"][0]["count"] += 1
    with pytest.raises(E.StateError) as e:
        DriftMonitor.from_json(json.dumps(doc))
    assert e.value.field.startswith(f"shards[{i}].windows[0].columns[0]")


def test_one_shot_report_is_unchanged_by_the_checks():
    train, current = _training(17, 400), _training(18, 300)
    r = drift_report(train, current, prediction="pred", group="group")
    assert r.status in ("ok", "alert")
    _check_report(r)
