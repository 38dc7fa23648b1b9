"""The loan audit, end to end, on simulated data: train a scikit-learn risk model, audit it,
make it fair, check its calibration, compare it with the champion, apply the deployment
gate and write the report.

    python examples/python/loan_audit.py --out loan-audit-report

Needs the package (``pip install .``), scikit-learn and pandas. Runs in seconds.

The story: a lender's model scores approved loans for risk; a flagged loan goes to a manual
review that usually rejects it. A bad loan waved through costs 5 times a good loan sent to
review, and because the flag is punitive, fairness means equal false-positive rates across
ethnic groups. The model never sees ethnicity, but the region it does see is a proxy for it.
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile
import time

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import mlops_audit
from mlops_audit import calibration, compare, datasets, drift, fairness, gate, metrics, report

CATEGORICAL = ["region", "home_ownership", "purpose"]
NUMERIC = ["income", "loan_amount", "term_months", "debt_to_income", "credit_history_years",
           "employment_years"]
SEEDS = {"training data": 20261124, "production data": 20261125, "bootstrap": 7}
FN_COST, FP_COST = 5.0, 1.0  # a missed default costs 5 needless reviews
TOLERANCE = 0.02  # the equal-opportunity fit: FPRs within 2 points on the tuning loans
REQUIREMENTS = {
    "max_fpr_gap": 0.05,  # on held-out loans, under the rule that would ship
    "min_auc": 0.70,
    "max_ece": 0.05,
    "challenger_not_worse_alpha": 0.05,
    "allow_drift_alerts": False,  # the production window the model would run on
}


def train_model(frame):
    """Logistic regression on the features (never the protected attribute): one-hot
    categories (unseen ones ignored), standardised numbers (missing ones imputed with the
    training median, so a production pipeline fault degrades the inputs silently, as it
    would in real life, instead of stopping the scoring)."""
    columns = ColumnTransformer([
        ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
    ])
    model = make_pipeline(columns, LogisticRegression(max_iter=2000))
    return model.fit(frame[CATEGORICAL + NUMERIC], frame["default"].to_numpy())


def risk(model, frame) -> np.ndarray:
    return model.predict_proba(frame[CATEGORICAL + NUMERIC])[:, 1]


def main(out: pathlib.Path, *, n: int = 40_000, production_rows: int = 8_000,
         production_drift: str = "downturn") -> report.Report:
    started = time.perf_counter()
    cost = metrics.CostMatrix(fn_cost=FN_COST, fp_cost=FP_COST)

    # -- data: history split three ways, and a production window ------------------------
    history = datasets.simulate_lending(n, seed=SEEDS["training data"])
    production = datasets.simulate_lending(production_rows, seed=SEEDS["production data"],
                                           drift=production_drift)
    part = np.arange(n) % 4  # the simulator's rows are independent: a fixed split is random
    train, tune, test = history[part < 2], history[part == 2], history[part == 3]
    model = train_model(train)
    y_tune, y_test = tune["default"].to_numpy(), test["default"].to_numpy()
    g_tune, g_test = tune["ethnicity"], test["ethnicity"]
    risk_tune, risk_test = risk(model, tune), risk(model, test)
    champion_tune, champion_test = (tune["champion_score"].to_numpy(),
                                    test["champion_score"].to_numpy())
    risk_production = risk(model, production)

    # -- one threshold for everyone: the cost-optimal one on the tuning loans ------------
    auc = metrics.roc_auc(y_test, risk_test)
    single = metrics.min_cost_threshold(y_tune, risk_tune, cost=cost)
    single_audit = fairness.audit(y_test, risk_test, g_test, threshold=single.threshold,
                                  tolerance=REQUIREMENTS["max_fpr_gap"])
    # Cost per decision (total_cost would give the sum, 5 * FN + FP).
    single_cost = metrics.cost_per_decision(y_test, risk_test, single.threshold, cost=cost)

    # -- equal-opportunity thresholds, fitted on tuning loans, audited on held-out ones --
    policy = fairness.equal_opportunity(y_tune, risk_tune, g_tune, fn_cost=FN_COST,
                                        fp_cost=FP_COST, tolerance=TOLERANCE)
    fair_audit = fairness.audit(y_test, risk_test, g_test, thresholds=policy,
                                tolerance=REQUIREMENTS["max_fpr_gap"], bootstrap=300,
                                seed=SEEDS["bootstrap"])
    flags_test = policy.predict(risk_test, g_test)
    fair_cost = cost.total_cost(metrics.confusion_from_predictions(y_test, flags_test)) / len(
        y_test)

    # -- calibration, overall and per group --------------------------------------------
    ece = calibration.expected_calibration_error(y_test, risk_test, n_bins=10)
    by_group = calibration.calibration_by_group(y_test, risk_test, g_test, n_bins=10)

    # -- champion / challenger on the same held-out loans -------------------------------
    # Every comparison takes (labels, champion, challenger) and reports challenger - champion.
    delong = compare.delong(y_test, champion_test, risk_test)
    champion_single = metrics.min_cost_threshold(y_tune, champion_tune, cost=cost)
    mcnemar = compare.mcnemar(y_test, (champion_test >= champion_single.threshold).astype(int),
                              (risk_test >= single.threshold).astype(int))
    # Cost per loan, each model at its own cost-optimal threshold; challenger - champion.
    cost_diff = compare.paired_bootstrap(
        y_test, champion_test, risk_test, metric="cost", cost=cost,
        threshold=(champion_single.threshold, single.threshold), n_resamples=1000,
        seed=SEEDS["bootstrap"])

    # -- production: the window against a profile of the held-out loans ---------------
    # No labels needed: the features, and the share each group gets flagged by the fair
    # thresholds. A service would keep a DriftMonitor and ingest batches; one call here.
    def monitored(frame, flags):
        table = {c: frame[c].to_numpy() for c in NUMERIC}
        table.update({c: frame[c].astype(str).to_numpy() for c in CATEGORICAL + ["ethnicity"]})
        table["flagged"] = flags.astype(np.int64)
        return table

    drift_window = drift.drift_report(
        monitored(test, flags_test),
        monitored(production, policy.predict(risk(model, production), production["ethnicity"],
                                             fallback="single_threshold")),
        categorical=CATEGORICAL, numeric=NUMERIC, group="ethnicity", prediction="flagged",
        features=CATEGORICAL + NUMERIC)
    drift_alerts = drift_window.reasons if drift_window.status == "alert" else []

    # -- the deployment gate -----------------------------------------------------------
    verdict = gate.evaluate(REQUIREMENTS, fpr_gap=fair_audit.max_gap, auc=auc, ece=ece,
                            challenger_worse_pvalue=delong.pvalue_less,
                            drift_alerts=drift_alerts)

    # -- the report --------------------------------------------------------------------
    r = report.Report("Loan risk model: fairness and deployment audit")
    r.set_gate(verdict)
    r.set_parameters(fn_cost=FN_COST, fp_cost=FP_COST, tolerance=TOLERANCE,
                     single_threshold=single.threshold, model=str(model[-1]),
                     training_rows=len(train), tuning_rows=len(tune), test_rows=len(test),
                     production_rows=len(production), production_drift=production_drift,
                     **{f"requirement {k}": v for k, v in REQUIREMENTS.items()})
    for purpose, seed in SEEDS.items():
        r.set_seed(purpose, seed)
    for name, values in [("y_test", y_test), ("risk_test", risk_test),
                         ("ethnicity_test", g_test), ("champion_score_test", champion_test),
                         ("risk_production", risk_production)]:
        r.add_input(name, values)

    r.add_section(
        "The model and the data",
        paragraphs=[
            f"Logistic regression on {len(CATEGORICAL)} categorical and {len(NUMERIC)} numeric "
            "features; the protected attribute (ethnicity) is not among them. Trained on "
            f"{len(train):,} simulated loans, thresholds fitted on {len(tune):,}, audited on "
            f"{len(test):,} held-out loans.",
            f"Held-out ROC AUC {auc:.4f} (champion {delong.auc_champion:.4f}).",
        ],
        tables=[report.Table("Loans by group (held-out)", ["group", "loans", "default rate"], [
            [g, int((g_test == g).sum()), float(y_test[np.asarray(g_test == g)].mean())]
            for g in fair_audit.group_keys])],
    )
    fpr_single, fpr_fair = single_audit.rate("fpr"), fair_audit.rate("fpr")
    r.add_audit(single_audit, title="One threshold for everyone", charts=[
        report.Chart("False-positive rate by group, before and after the fair thresholds",
                     report.rate_bars_svg(
                         {g: (fpr_single[g], fpr_fair[g]) for g in fair_audit.group_keys},
                         rate="false-positive rate",
                         before=f"one threshold ({single.threshold:.3f})",
                         after="equal-opportunity thresholds",
                         title="False-positive rate by group (held-out)")),
    ])
    r.add_policy(policy, title="Equal-opportunity thresholds (fitted on tuning loans)",
                 charts=[
        report.Chart("ROC by group, each group's threshold marked",
                     fairness.roc_by_group_svg(y_test, risk_test, g_test, policy=policy,
                                               title="ROC by group (held-out)")),
        report.Chart("Lowest cost at each allowed FPR gap (tuning loans)",
                     fairness.frontier_svg(y_tune, risk_tune, g_tune, fn_cost=FN_COST,
                                           fp_cost=FP_COST, chosen_tolerance=TOLERANCE,
                                           title="Cost versus FPR gap")),
    ])
    r.add_audit(fair_audit, title="Equal-opportunity thresholds on held-out loans")
    r.add_section(
        "Cost per decision (held-out)",
        paragraphs=["5 x missed defaults + needless reviews, per loan."],
        tables=[report.Table("Expected cost per decision", ["rule", "cost", "FPR gap"], [
            ["one threshold", single_cost, single_audit.max_gap],
            ["equal-opportunity thresholds", fair_cost, fair_audit.max_gap],
        ])],
    )
    r.add_section(
        "Calibration",
        status="pass" if ece <= REQUIREMENTS["max_ece"] else "fail",
        paragraphs=[f"Expected calibration error (10 equal-width bins) {ece:.4f}; worst "
                    f"group by ECE: {by_group.worst['ece']}."],
        tables=[report.Table("Calibration by group", [
            "group", "rows", "Brier", "ECE", "Hosmer-Lemeshow p", "Spiegelhalter p"], [
            [g, e["rows"], e["brier"], e["ece"],
             None if e["hosmer_lemeshow"] is None else e["hosmer_lemeshow"].pvalue,
             None if e["spiegelhalter"] is None else e["spiegelhalter"].pvalue]
            for g, e in by_group.groups.items()])],
        charts=[report.Chart("Reliability diagram by group (held-out)",
                             calibration.reliability_diagram_svg(
                                 y_test, risk_test, groups=g_test, n_bins=10,
                                 title="Reliability by group"))],
    )
    r.add_section(
        "Champion and challenger",
        status="pass" if delong.pvalue_less >= REQUIREMENTS["challenger_not_worse_alpha"]
        else "fail",
        paragraphs=["The challenger is this model; the champion is the score in production. "
                    "Paired tests on the same held-out loans, each model at its own "
                    "cost-optimal threshold where a decision is needed."],
        tables=[report.Table("Paired tests", ["test", "statistic", "p-value", "detail"], [
            ["DeLong (AUC)", delong.statistic, delong.pvalue,
             f"AUC {delong.auc_challenger:.4f} vs {delong.auc_champion:.4f}, 95% CI of the "
             "difference (challenger - champion) "
             f"[{delong.ci_low:.4f}, {delong.ci_high:.4f}]"],
            ["DeLong, H1: challenger worse", delong.statistic, delong.pvalue_less, ""],
            ["McNemar (errors at each model's cost-optimal threshold)", mcnemar.statistic,
             mcnemar.pvalue,
             f"only challenger right {mcnemar.challenger_only}, only champion right "
             f"{mcnemar.champion_only}"],
            ["Paired bootstrap (cost per loan, challenger - champion)", cost_diff.statistic,
             cost_diff.pvalue,
             f"{cost_diff.challenger:.4f} vs {cost_diff.champion:.4f}; 95% BCa interval "
             f"[{cost_diff.bca_low:.4f}, {cost_diff.bca_high:.4f}], "
             f"{cost_diff.valid_resamples} resamples, seed {cost_diff.seed}"],
        ])],
    )
    flag_test = {g: float(flags_test[np.asarray(g_test == g)].mean())
                 for g in fair_audit.group_keys}
    flags_production = policy.predict(risk_production, production["ethnicity"],
                                      fallback="single_threshold")
    g_production = np.asarray(production["ethnicity"])
    flag_production = {g: float(flags_production[g_production == g].mean())
                       if np.any(g_production == g) else None
                       for g in fair_audit.group_keys}
    r.add_section(
        "Outputs in production",
        paragraphs=[f"Share of loans flagged by the fair thresholds, held-out versus a "
                    f"production window of {len(production):,} loans (scenario: "
                    f"{production_drift}). Labels arrive months later; this panel needs none."],
        charts=[report.Chart("Flag rate by group: held-out versus production",
                             report.rate_bars_svg(
                                 {g: (flag_test[g], flag_production[g]) for g in flag_test},
                                 rate="share flagged", before="held-out", after="production",
                                 title="Flag rate by group"))],
    )
    r.add_drift(drift_window, title=f"Production window ({production_drift}): drift and outputs")

    html_path, json_path = r.write(out)
    elapsed = time.perf_counter() - started

    print(f"mlops_audit {mlops_audit.__version__}: loan audit on simulated data")
    print(f"loans: {len(train):,} training, {len(tune):,} tuning, {len(test):,} held-out, "
          f"{len(production):,} production ({production_drift})")
    print(f"held-out ROC AUC {auc:.4f} (champion {delong.auc_champion:.4f}; DeLong p = "
          f"{delong.pvalue:.3g})")
    print(f"one threshold {single.threshold:.4f}: FPR gap {single_audit.max_gap:.4f}, "
          f"cost per loan {single_cost:.4f}")
    for g in fair_audit.group_keys:
        before = "undefined" if fpr_single[g] is None else f"{fpr_single[g]:.3f}"
        fair = "undefined" if fpr_fair[g] is None else f"{fpr_fair[g]:.3f}"
        print(f"  {g}: FPR {before} -> {fair} (threshold {policy.thresholds[g]:.4f})")
    print(f"equal-opportunity thresholds: held-out FPR gap {fair_audit.max_gap:.4f}, cost per "
          f"loan {fair_cost:.4f}; price of fairness on the tuning loans "
          f"{policy.price_of_fairness:+.1f}")
    print(f"calibration: ECE {ece:.4f}")
    print(f"cost per loan, challenger - champion: {cost_diff.statistic:+.4f} (95% BCa "
          f"[{cost_diff.bca_low:+.4f}, {cost_diff.bca_high:+.4f}], p = {cost_diff.pvalue:.3g})")
    print(f"production window ({production_drift}): drift status {drift_window.status}"
          + "".join(f"\n  - {reason}" for reason in drift_window.reasons))
    print(verdict)
    print(f"report: {html_path}")
    print(f"        {json_path}")
    print(f"done in {elapsed:.1f} s")
    return r


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="directory for report.html and report.json (default: a new "
                             "temporary directory)")
    parser.add_argument("--rows", type=int, default=40_000, help="historical loans to simulate")
    parser.add_argument("--drift", default="downturn", choices=datasets.SCENARIOS,
                        help="the production window's drift scenario")
    args = parser.parse_args()
    out = args.out if args.out is not None else pathlib.Path(
        tempfile.mkdtemp(prefix="loan-audit-"))
    main(out, n=args.rows, production_drift=args.drift)
