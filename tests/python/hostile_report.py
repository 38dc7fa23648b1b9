"""A report built from hostile names everywhere a caller can put text, shared by the report
tests (escaping, JSON) and the browser test (rendering)."""

from __future__ import annotations

import numpy as np

from mlops_audit import calibration, fairness, gate, report

# Markup a careless renderer would execute or break on: a script, an event handler, a
# closing tag of the style element, an entity and a CDATA end, quotes of both kinds.
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</style><b>bold</b>",
    "Ann & Bob's &amp; ]]> 'quoted'",
)
UNIX_SECONDS = 1_795_478_400  # 2026-11-24T00:00:00Z


def data(n: int = 1200, seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded labels, scores and groups named by the hostile strings (plus a plain one)."""
    rng = np.random.default_rng(seed)
    names = np.array([*HOSTILE, "plain"])
    groups = names[rng.integers(0, names.size, n)]
    y = (rng.random(n) < 0.3).astype(np.int64)
    score = np.clip(rng.normal(0.3 + 0.3 * y, 0.2, n), 0.0, 1.0)
    return y, score, groups


def build() -> tuple[report.Report, fairness.ThresholdPolicy, fairness.GroupAudit]:
    """The hostile report: every text field a caller sets is one of :data:`HOSTILE`."""
    y, score, groups = data()
    policy = fairness.equal_opportunity(y, score, groups, tolerance=0.05)
    single = fairness.audit(y, score, groups, threshold=1 / 6, tolerance=0.05)
    fair = fairness.audit(y, score, groups, thresholds=policy, tolerance=0.05, bootstrap=30,
                          seed=11)
    h0, h1, h2, h3 = HOSTILE
    r = report.Report(f"Audit {h0}", unix_seconds=UNIX_SECONDS)
    r.set_parameters({h1: h2, "tolerance": 0.05}).set_seed(h3, 11)
    r.add_input(h0, score).add_input("groups", groups)
    r.set_gate(gate.evaluate({"max_fpr_gap": 0.05, "min_auc": 0.7}, fpr_gap=fair.max_gap,
                             auc=0.71))
    roc = fairness.roc_by_group_svg(y, score, groups, policy=policy, title=h1)
    bars = report.rate_bars_svg(
        {name: (single.rate("fpr")[k], fair.rate("fpr")[k])
         for name, k in zip(fair.group_names, fair.group_keys)},
        before=h2, after=h3, title=h0)
    frontier = fairness.frontier_svg(y, score, groups, chosen_tolerance=0.05, title=h2)
    reliability = calibration.reliability_diagram_svg(y, score, groups=groups, title=h3)
    r.add_policy(policy, title=f"Policy {h1}", charts=[(h0, roc)])
    r.add_audit(fair, title=f"Audit {h2}", charts=[report.Chart(h1, bars)])
    r.add_section(f"Section {h3}", status="warn", paragraphs=[h0, h1],
                  tables=[report.Table(h2, [h3, "value"], [[h0, 0.5], [h1, None]]),
                          {"caption": h0, "header": [h1], "rows": [[h2]]}],
                  charts=[{"caption": h2, "svg": frontier}, (h3, reliability)])
    return r, policy, fair
