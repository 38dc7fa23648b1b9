"""Every fitted or stateful object of the package pickles, and its ``to_json`` is valid JSON
(no ``Infinity`` or ``NaN`` tokens) that loads back to the same object, on data drawn by
hypothesis: calibrators, the threshold policy, the group audit, the reference profile, the
drift monitor, the shadow accumulator, the sequential test, the cost and confusion matrices
and the gate report. (Results of the tests are covered by test_result_family.py.)"""

from __future__ import annotations

import json
import pickle

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from mlops_audit import gate
from mlops_audit.calibration import (
    BetaCalibrator,
    HistogramCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
)
from mlops_audit.compare import SequentialTest, ShadowAccumulator
from mlops_audit.drift import DriftMonitor, ReferenceProfile
from mlops_audit.fairness import ScoreSummary, audit, equal_opportunity
from mlops_audit.metrics import CostMatrix, confusion_matrix


def _strict_json(text: str) -> object:
    def refuse(token: str) -> None:
        raise AssertionError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _objects(seed: int, n: int, flag_nobody: bool) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    # Overlapping classes (beta calibration has no fit on separable scores).
    p = np.clip(0.2 * y + 0.8 * rng.random(n), 0.0, 1.0)
    p[:4] = [0.9, 0.1, 0.2, 0.8]
    g = np.array(["a", "b"], dtype=object)[np.arange(n) % 2]
    y[:4] = [0, 1, 1, 0]  # both classes in both groups
    table = {"income": rng.normal(50, 10, n), "housing": rng.choice(["rent", "own"], n),
             "group": g, "pred": (p >= 0.5).astype(np.int64)}
    profile = ReferenceProfile.from_data(table, group="group", prediction="pred",
                                         sample_cap=n // 2 + 1, sketch_k=8)
    monitor = DriftMonitor(profile, window_rows=max(n // 3, 1), shards=2)
    monitor.ingest({k: v[: n // 2] for k, v in table.items()})
    acc = ShadowAccumulator(max_pending=max(n // 4, 1), threshold=0.5)
    for i in range(min(n, 30)):
        acc.record(i, float(p[i]), float(p[-1 - i]), group=str(g[i]))
        if i % 2:
            acc.label(i, int(y[i]))
    seq = SequentialTest("proportions", tau2=0.01)
    seq.update_counts(int(y.sum()), n, int((p >= 0.5).sum()), n)
    threshold = np.inf if flag_nobody else 0.5
    return {
        "IsotonicCalibrator": IsotonicCalibrator().fit(p, y),
        "PlattCalibrator": PlattCalibrator().fit(p, y),
        "HistogramCalibrator": HistogramCalibrator(n_bins=4).fit(p, y),
        "BetaCalibrator": BetaCalibrator().fit(p, y),
        "ThresholdPolicy": equal_opportunity(y, p, g, tolerance=0.5),
        "ScoreSummary": ScoreSummary.from_arrays(y, p, g).merge(
            ScoreSummary.from_arrays(y[::-1], p[::-1], g[::-1])),
        "GroupAudit": audit(y, p, g, threshold=threshold, bootstrap=5, seed=seed, min_count=1),
        "ReferenceProfile": profile,
        "DriftMonitor": monitor,
        "ShadowAccumulator": acc,
        "SequentialTest": seq,
        "CostMatrix": CostMatrix(fn_cost=float(rng.integers(1, 9)), fp_cost=1.0),
        "ConfusionMatrix": confusion_matrix(y, p, threshold),
        "GateReport": gate.evaluate({"max_fpr_gap": 0.05, "min_auc": 0.6},
                                    fpr_gap=None if flag_nobody else 0.01, auc=0.7),
    }


NAMES = sorted(_objects(0, 20, False))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.integers(0, 2**32 - 1), hs.integers(12, 80), hs.booleans())
def test_every_fitted_object_pickles_and_its_json_round_trips(seed, n, flag_nobody):
    for name, obj in _objects(seed, n, flag_nobody).items():
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj), name
        if not hasattr(obj, "to_json"):  # plain values: pickling keeps them equal
            assert back == obj, name
            continue
        text = obj.to_json()
        doc = _strict_json(text)
        assert _strict_json(back.to_json()) == doc, name
        if hasattr(type(obj), "from_json"):
            loaded = type(obj).from_json(text)
            assert _strict_json(loaded.to_json()) == doc, name


def test_every_public_class_with_json_state_is_covered():
    import mlops_audit
    from mlops_audit import results

    found = set()
    for module in ("calibration", "compare", "drift", "fairness", "gate", "metrics"):
        mod = getattr(mlops_audit, module)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if (isinstance(obj, type) and hasattr(obj, "from_json") and hasattr(obj, "to_json")
                    and not (issubclass(obj, results.Result) and name != "GateReport")):
                found.add(name)
    assert len(found) >= 10 and found - {"Requirements"} <= set(NAMES)
