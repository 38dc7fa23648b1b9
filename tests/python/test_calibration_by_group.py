"""calibration_by_group against the single-group functions and scikit-learn/numpy on each
group's rows, the worst group per metric against argmax/argmin, and the reliability
diagram plot."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

from conftest import assert_close
from mlops_audit import errors
from mlops_audit.calibration import (
    calibration_by_group,
    debiased_squared_calibration_error,
    expected_calibration_error,
    hosmer_lemeshow,
    max_calibration_error,
    plot_reliability_diagram,
    reliability_curve,
    spiegelhalter_z,
)


def data(seed, n=900):
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2])
    p = np.round(rng.beta(2, 4, n), 2)
    shift = np.where(g == "c", 0.15, 0.0)  # group c is miscalibrated
    y = (rng.random(n) < np.clip(p + shift, 0, 1)).astype(int)
    w = rng.choice([1.0, 2.0], n)
    return y, p, g, w


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_each_group_equals_the_single_group_functions(seed, weighted, strategy):
    y, p, g, w = data(seed)
    w = w if weighted else None
    report = calibration_by_group(y, p, g, n_bins=8, strategy=strategy, n_groups=6,
                                  sample_weight=w)
    assert list(report.groups) == ["a", "b", "c"]
    for name in ["a", "b", "c"]:
        m = g == name
        ym, pm, wm = y[m], p[m], None if w is None else w[m]
        entry = report.groups[name]
        assert entry["rows"] == m.sum()
        assert_close(entry["weight"], m.sum() if w is None else wm.sum())
        assert_close(entry["brier"], skm.brier_score_loss(ym, pm, sample_weight=wm))
        assert_close(entry["log_loss"], skm.log_loss(ym, pm, sample_weight=wm, labels=[0, 1]))
        kw = dict(n_bins=8, strategy=strategy, sample_weight=wm)
        assert_close(entry["ece"], expected_calibration_error(ym, pm, **kw))
        assert_close(entry["mce"], max_calibration_error(ym, pm, **kw))
        assert_close(entry["debiased_squared_ece"],
                     debiased_squared_calibration_error(ym, pm, **kw))
        hl = hosmer_lemeshow(ym, pm, n_groups=6, sample_weight=wm)
        assert entry["hosmer_lemeshow"] == hl
        assert entry["spiegelhalter"] == spiegelhalter_z(ym, pm, sample_weight=wm)
        curve = reliability_curve(ym, pm, **kw)
        assert report.reliability[name].to_dict() == curve.to_dict()
    for metric in ["brier", "log_loss", "ece", "mce", "debiased_squared_ece"]:
        values = report.metric(metric)
        assert report.worst[metric] == max(values, key=values.get)
    for test in ["hosmer_lemeshow", "spiegelhalter"]:
        pvalues = {k: v.pvalue for k, v in report.metric(test).items()}
        assert report.worst[test] == min(pvalues, key=pvalues.get)
    assert report.worst["spiegelhalter"] == "c"
    assert json.loads(report.to_json()) == report.to_dict()
    assert "CalibrationByGroup" in repr(report)
    assert report._repr_html_().count("<tr>") == 4  # header and three groups


def test_undefined_tests_are_none_and_left_out_of_worst():
    # Group "x" has probabilities 0 and 1 only: both tests are undefined there.
    y = np.array([0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1])
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.2, 0.4, 0.6, 0.3, 0.7, 0.1, 0.25, 0.8])
    g = np.array(["x"] * 4 + ["y"] * 8)
    report = calibration_by_group(y, p, g, n_groups=3)
    assert report.groups["x"]["spiegelhalter"] is None
    assert report.groups["x"]["hosmer_lemeshow"] is None
    assert report.worst["spiegelhalter"] == "y"
    assert report.worst["hosmer_lemeshow"] == "y"
    assert "undefined" in report._repr_html_()
    # A one-row group has no bin with a variance estimate: its debiased ECE is undefined.
    tiny = calibration_by_group([0, 1, 1, 0], [0.2, 0.52, 0.55, 0.58], ["a", "b", "b", "b"])
    assert tiny.groups["a"]["debiased_squared_ece"] is None
    assert tiny.worst["debiased_squared_ece"] == "b"


def test_intersectional_groups_and_errors():
    y, p, g, w = data(0, 300)
    sex = np.where(np.arange(300) % 2 == 0, "f", "m")
    report = calibration_by_group(y, p, {"g": g, "sex": sex})
    assert report.columns == ["g", "sex"]
    assert ("a", "f") in report.groups
    with pytest.raises(errors.LengthMismatchError):
        calibration_by_group(y, p, g[:-1])
    bad = p.copy()
    bad[7] = 1.5
    with pytest.raises(errors.OutOfRangeError) as e:
        calibration_by_group(y, bad, g)
    assert e.value.index == 7
    zero = w.copy()
    zero[g == "b"] = 0
    with pytest.raises(errors.ZeroWeightsError, match="group b"):
        calibration_by_group(y, p, g, sample_weight=zero)
    with pytest.raises(errors.ParameterError):
        calibration_by_group(y, p, g, n_bins=0)
    with pytest.raises(errors.ParameterError):
        calibration_by_group(y, p, g, strategy="equal")


@given(rows=st.lists(st.tuples(st.sampled_from([0.0, 0.1, 0.5, 0.5, 0.9, 1.0]),
                               st.integers(0, 1), st.sampled_from(["u", "v"])),
                     min_size=1, max_size=30))
def test_property_groups_match_single_group_functions(rows):
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    report = calibration_by_group(y, p, g, n_bins=3, strategy="quantile", n_groups=3)
    for name, entry in report.groups.items():
        m = g == name
        assert_close(entry["brier"], np.mean((p[m] - y[m]) ** 2))
        assert_close(entry["ece"], expected_calibration_error(y[m], p[m], n_bins=3,
                                                              strategy="quantile"))
        try:
            z = spiegelhalter_z(y[m], p[m])
        except errors.UndefinedMetricError:
            z = None
        assert entry["spiegelhalter"] == z


def test_plot_reliability_diagram():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y, p, g, _ = data(1)
    ax = plot_reliability_diagram(y, p, n_bins=5)
    curve = reliability_curve(y, p, n_bins=5)
    lines = ax.get_lines()
    assert len(lines) == 2  # the diagonal and one curve
    assert_close(lines[1].get_xdata(), curve.mean_predicted)
    assert_close(lines[1].get_ydata(), curve.fraction_positive)
    fig, ax2 = plt.subplots()
    assert plot_reliability_diagram(y, p, groups=g, n_bins=5, ax=ax2) is ax2
    assert [t.get_text() for t in ax2.get_legend().get_texts()][1:] == ["a", "b", "c"]
    plt.close("all")


def test_reliability_diagram_svg_parses_as_xml_with_one_dot_per_bin():
    import xml.etree.ElementTree as ET

    from mlops_audit.calibration import reliability_diagram_svg

    y, p, g, w = data(2)
    svg = reliability_diagram_svg(y, p, n_bins=6, groups=g, sample_weight=w,
                                  title="<b>by group</b>")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<b>" not in svg
    report = calibration_by_group(y, p, g, n_bins=6, sample_weight=w)
    dots = [e for e in root.iter() if e.tag.endswith("circle")]
    assert len(dots) == sum(len(c.weight) for c in report.reliability.values())
    single = ET.fromstring(reliability_diagram_svg(y, p, n_bins=4, strategy="quantile"))
    assert len([e for e in single.iter() if e.tag.endswith("circle")]) == len(
        reliability_curve(y, p, n_bins=4, strategy="quantile").weight)
    with pytest.raises(errors.ParameterError):
        reliability_diagram_svg(y, p, n_bins=0)
