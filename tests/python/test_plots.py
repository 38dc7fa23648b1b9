"""Plots: per-group ROC data against scikit-learn, operating points against the policy,
the frontier against separate fits, SVG well-formed and escaped, matplotlib plots render."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from conftest import assert_close
from mlops_audit import errors
from mlops_audit.fairness import (
    equal_opportunity,
    frontier,
    frontier_svg,
    plot_frontier,
    plot_roc_by_group,
    roc_by_group,
    roc_by_group_svg,
)

HOSTILE = "<script>alert(1)</script>"
SVG_NS = "{http://www.w3.org/2000/svg}"
# The Rust crate's DEFAULT_FRONTIER, written out as an independent record.
DEFAULT_TOLERANCES = [0.0, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,
                      0.5, 1.0]


def lending_data(n=3000, seed=1, names=("a", "b", "c", "d")):
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(names, dtype=object), n, p=[0.45, 0.3, 0.15, 0.1])
    shift = dict(zip(names, (0.0, 0.1, -0.1, 0.2)))
    y = rng.random(n) < 0.25
    s = np.clip(0.35 * y + rng.random(n) * 0.6 + np.array([shift[k] for k in g]), 0, 1).round(2)
    return y, s, g.astype(str)


def svg_texts(root):
    return [(t.text or "").strip() for t in root.iter(f"{SVG_NS}text")]


def star_polygons(root):
    return [p for p in root.iter(f"{SVG_NS}polygon") if len(p.get("points", "").split()) == 10]


# ----------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_by_group_agrees_with_sklearn_per_group(seed, weighted):
    y, s, g = lending_data(seed=seed)
    w = np.random.default_rng(seed + 100).uniform(0.5, 2.0, len(y)) if weighted else None
    rocs = roc_by_group(y, s, g, sample_weight=w)
    assert [r["name"] for r in rocs] == sorted(set(g))
    for r in rocs:
        m = g == r["name"]
        wm = None if w is None else w[m]
        fpr, tpr, thr = sk_roc_curve(y[m], s[m], sample_weight=wm, drop_intermediate=False)
        assert_close(r["fpr"], fpr)
        assert_close(r["tpr"], tpr)
        assert_close(r["thresholds"], thr)
        assert r["auc"] == pytest.approx(roc_auc_score(y[m], s[m], sample_weight=wm), abs=1e-12)
        assert r["point"] is None
        assert isinstance(r["fpr"], np.ndarray) and r["fpr"].dtype == np.float64


def test_one_class_group_has_no_curve_and_is_listed_as_undefined():
    y, s, g = lending_data()
    g = g.astype(object)
    g[np.flatnonzero(~y)[:5]] = "solo"
    rocs = {r["name"]: r for r in roc_by_group(y, s, g)}
    solo = rocs["solo"]
    assert solo["fpr"] is None and solo["tpr"] is None and solo["thresholds"] is None
    assert solo["auc"] is None and solo["point"] is None
    root = ET.fromstring(roc_by_group_svg(y, s, g))
    assert "solo: undefined (one class only)" in svg_texts(root)


@pytest.mark.parametrize("randomized", [False, True])
@pytest.mark.parametrize("constraint", ["fpr", "tpr"])
def test_points_are_where_the_policy_puts_each_group(randomized, constraint):
    y, s, g = lending_data(seed=4)
    tolerance = 0.0 if randomized else 0.01
    policy = equal_opportunity(y, s, g, randomized=randomized, constraint=constraint,
                               tolerance=tolerance)
    rocs = roc_by_group(y, s, g, policy=policy)
    assert [r["name"] for r in rocs] == list(policy.rates)
    rules = {grp["name"]: grp["rule"] for grp in policy.to_dict()["groups"]}
    for r in rocs:
        m = g == r["name"]
        p = r["point"]
        rule = rules[r["name"]]
        assert (p["threshold"], p["p_at_threshold"]) == (rule["threshold"],
                                                        rule["p_at_threshold"])
        assert p["steps"] == policy.steps[r["name"]]
        # Brute force: the flag probability of each score from the step function.
        cuts = np.array([c for c, _ in p["steps"]])
        probs = np.array([q for _, q in p["steps"]])
        flag = probs[np.searchsorted(cuts, s[m], side="right") - 1]
        pos, neg = y[m], ~y[m]
        fpr, tpr = flag[neg].sum() / neg.sum(), flag[pos].sum() / pos.sum()
        assert p["fpr"] == pytest.approx(fpr, abs=1e-12)
        assert p["tpr"] == pytest.approx(tpr, abs=1e-12)
        achieved = p["fpr"] if constraint == "fpr" else p["tpr"]
        assert achieved == pytest.approx(policy.rates[r["name"]], abs=1e-12)
    if randomized:
        assert any(0 < q < 1 for r in rocs for _, q in r["point"]["steps"])


def test_policy_must_be_a_policy_covering_every_group():
    y, s, g = lending_data()
    with pytest.raises(errors.InputTypeError, match="ThresholdPolicy"):
        roc_by_group(y, s, g, policy={"a": 0.5})
    keep = g != "d"
    partial = equal_opportunity(y[keep], s[keep], g[keep])
    with pytest.raises(errors.ParameterError, match='"d"'):
        roc_by_group(y, s, g, policy=partial)


def test_frontier_falls_with_tolerance_and_each_point_is_a_fit():
    y, s, g = lending_data(seed=5)
    points = frontier(y, s, g)
    assert [p["tolerance"] for p in points] == DEFAULT_TOLERANCES
    costs = [p["cost"] for p in points]
    assert all(b <= a for a, b in zip(costs, costs[1:])), costs
    for p in points:
        fit = equal_opportunity(y, s, g, tolerance=p["tolerance"])
        assert p["cost"] == fit.total_cost
        assert p["max_gap"] == pytest.approx(fit.max_gap, abs=1e-12)
        assert p["max_gap"] <= p["tolerance"] + 1e-12


def test_frontier_parameters_reach_the_search():
    y, s, g = lending_data(seed=6)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    tolerances = np.array([0.05, 0.0, 0.01])
    points = frontier(y, s, g, tolerances=tolerances, fn_cost=3.0, fp_cost=2.0, constraint="tpr",
                      sample_weight=w)
    assert [p["tolerance"] for p in points] == list(tolerances)
    for p in points:
        fit = equal_opportunity(y, s, g, tolerance=p["tolerance"], fn_cost=3.0, fp_cost=2.0,
                                constraint="tpr", sample_weight=w)
        assert p["cost"] == pytest.approx(fit.total_cost, rel=1e-12)
    with pytest.raises(errors.ParameterError):
        frontier(y, s, g, tolerances=[1.5])
    with pytest.raises(ValueError):
        frontier(y, s, g, constraint="accuracy")


# ----------------------------------------------------------------------------------------
# SVG
# ----------------------------------------------------------------------------------------
def test_roc_svg_is_xml_with_curves_stars_and_escaped_names():
    y, s, g = lending_data(names=("a", "b", HOSTILE, "d & e"))
    policy = equal_opportunity(y, s, g, randomized=True)
    svg = roc_by_group_svg(y, s, g, policy=policy, title=f"ROC {HOSTILE}")
    assert HOSTILE not in svg and "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg" and (root.get("width"), root.get("height")) == ("640", "480")
    assert not any(el.tag.endswith("script") for el in root.iter())
    texts = svg_texts(root)
    assert f"ROC {HOSTILE}" in texts
    assert any(t.startswith(f"{HOSTILE}: AUC") for t in texts), texts
    assert any(t.startswith("d & e: AUC") for t in texts), texts
    for axis in ("False-positive rate", "True-positive rate"):
        assert axis in texts
    curves = [p for p in root.iter(f"{SVG_NS}polyline") if p.get("stroke-width") == "2"]
    rocs = roc_by_group(y, s, g)
    lengths = sorted(len(c.get("points").split()) for c in curves)
    assert lengths == sorted(len(r["fpr"]) for r in rocs)
    # Two polygons (outline and fill) per group's star, one in the legend.
    assert len(star_polygons(root)) == 2 * len(rocs) + 1
    assert svg == roc_by_group_svg(y, s, g, policy=policy, title=f"ROC {HOSTILE}")


def test_frontier_svg_marks_the_chosen_tolerance():
    y, s, g = lending_data(seed=5)
    svg = frontier_svg(y, s, g, chosen_tolerance=0.02, title=HOSTILE)
    assert HOSTILE not in svg
    root = ET.fromstring(svg)
    texts = svg_texts(root)
    assert HOSTILE in texts
    assert any(t.startswith("tolerance 0.02: cost") for t in texts), texts
    assert "Total cost" in texts
    assert len(star_polygons(root)) == 3
    assert len(list(root.iter(f"{SVG_NS}circle"))) == len(DEFAULT_TOLERANCES)
    plain = ET.fromstring(frontier_svg(y, s, g))
    assert not star_polygons(plain)


# ----------------------------------------------------------------------------------------
# matplotlib
# ----------------------------------------------------------------------------------------
@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plot_roc_by_group_renders(pyplot, tmp_path):
    names = ("a", "_hidden", "$x$ costs $5", HOSTILE)
    y, s, g = lending_data(names=names)
    policy = equal_opportunity(y, s, g, randomized=True)
    ax = plot_roc_by_group(y, s, g, policy=policy)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for name in names:
        assert any(t.startswith(f"{name}: AUC") for t in legend), legend
    assert "operating point at the threshold" in legend
    assert ax.get_xlabel() == "False-positive rate" and ax.get_ylabel() == "True-positive rate"
    out = tmp_path / "roc.png"
    ax.figure.savefig(out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)

    fig, given = pyplot.subplots()
    assert plot_roc_by_group(y, s, g, ax=given) is given


def test_plot_frontier_renders_from_points_or_data(pyplot, tmp_path):
    y, s, g = lending_data(seed=5)
    points = frontier(y, s, g)
    ax = plot_frontier(points, chosen_tolerance=0.02)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("tolerance 0.02: cost") for t in legend), legend
    out = tmp_path / "frontier.png"
    ax.figure.savefig(out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)

    same = plot_frontier(y, s, g, chosen_tolerance=0.02)
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), same.lines[0].get_xydata())
    with pytest.raises(TypeError):
        plot_frontier(y, s)


def test_plots_without_matplotlib_say_how_to_install_it(monkeypatch):
    y, s, g = lending_data()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install .*roc_by_group_svg"):
        plot_roc_by_group(y, s, g)
    with pytest.raises(ImportError, match=r"pip install .*frontier_svg"):
        plot_frontier(frontier(y, s, g))
