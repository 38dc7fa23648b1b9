//! The loan audit, end to end, on built-in data: the README's first command.
//!
//! ```text
//! cargo run --release --example loan_audit [-- --out DIR] [--requirements FILE]
//! ```
//!
//! A lender's risk model flags approved loans; a flagged loan goes to a manual review that
//! usually rejects it. A failing loan waved through costs 5 times a good loan sent to
//! review, and fairness means Equal Opportunity on the false-positive rate: applicants who
//! would repay are flagged at the same rate in every group.
//!
//! On a simulated loan book (`datasets::simulate_lending`) this example audits the live
//! model (the champion) at one cost-optimal threshold, finds the equal-opportunity
//! thresholds and the price of fairness, checks calibration overall and per group, compares
//! the retrained challenger with the champion, applies the deployment gate to the
//! challenger with its fair thresholds, and writes `report.html` and `report.json` (default
//! `target/loan-audit/`). It exits with status 1 when the gate fails, so a CI pipeline can
//! stop a bad model.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use mlops_audit::calibration::{
    BinStrategy, CalibrationByGroupParams, brier_score, calibration_by_group, calibration_error,
    reliability_curve,
};
use mlops_audit::compare::{
    BootstrapMetric, BootstrapParams, delong, mcnemar_from_predictions, paired_bootstrap,
};
use mlops_audit::datasets::{Lending, LendingDrift, simulate_lending};
use mlops_audit::drift::profile::PredictionSpec;
use mlops_audit::drift::report::AlertStatus;
use mlops_audit::drift::table::{ColumnData, Table as DataTable};
use mlops_audit::drift::{DriftMonitor, MonitorConfig, ProfileParams, ReferenceProfile};
use mlops_audit::fairness::{
    AuditParams, DEFAULT_FRONTIER, Decision, GroupAudit, ThresholdPolicy, ThresholdSearch, audit,
    roc_by_group,
};
use mlops_audit::gate::{Evidence, Requirements, evaluate};
use mlops_audit::plot::{
    RatePair, frontier_svg, rate_bars_svg, reliability_diagram_svg, roc_by_group_svg,
};
use mlops_audit::report::{
    AuditTrail, Chart, InputFingerprint, Report, Section, Status, Table, audit_section,
    drift_section, policy_section,
};
use mlops_audit::{BinaryTask, CostMatrix, Groups, SortedCounts};

/// The requirements the challenger must meet to ship (also in
/// `examples/loan_audit_requirements.toml`, which `--requirements` can replace).
const REQUIREMENTS: &str = include_str!("loan_audit_requirements.toml");

const TRAIN_SEED: u64 = 20_261_124;
const TEST_SEED: u64 = 20_261_125;
const STABLE_SEED: u64 = 20_261_126;
const DOWNTURN_SEED: u64 = 20_261_127;
const BOOTSTRAP_SEED: u64 = 7;
/// The tolerance the thresholds are fitted with: tighter than the audit's, so that sampling
/// noise on new loans leaves the audited gap within the audit's tolerance.
const TOLERANCE: f64 = 0.02;
/// The audit's tolerance for the FPR gap on held-out loans (the gate's `max_fpr_gap`).
const AUDIT_TOLERANCE: f64 = 0.05;

type AnyError = Box<dyn std::error::Error>;

#[allow(dead_code)] // tests/loan_audit_example.rs includes this file and calls `loan_audit`
fn main() -> ExitCode {
    let outcome = args().and_then(|a| loan_audit(&a));
    match outcome {
        Ok(o) if o.gate_passed => ExitCode::SUCCESS,
        Ok(_) => {
            eprintln!("the deployment gate FAILED: the challenger must not ship (exit status 1)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("loan_audit failed: {e}");
            ExitCode::from(2)
        }
    }
}

/// What the audit found, for the integration test.
pub struct Outcome {
    /// Held-out FPR gap of the champion at one threshold for everyone.
    pub champion_single_gap: Option<f64>,
    /// Held-out FPR gap of the challenger with its equal-opportunity thresholds.
    pub challenger_fair_gap: Option<f64>,
    /// The gate's report.
    pub gate: mlops_audit::gate::GateReport,
    /// Whether the gate passed.
    pub gate_passed: bool,
    /// Where the HTML report was written.
    pub html: PathBuf,
    /// Where the JSON report was written.
    pub json: PathBuf,
}

/// Where to write the report, and which requirements to gate on.
pub struct Args {
    /// Output directory.
    pub out: PathBuf,
    /// A requirements file instead of the built-in one.
    pub requirements: Option<PathBuf>,
}

#[allow(dead_code)]
fn args() -> Result<Args, AnyError> {
    let mut out = PathBuf::from("target/loan-audit");
    let mut requirements = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().ok_or("--out needs a directory")?.into(),
            "--requirements" => {
                requirements = Some(it.next().ok_or("--requirements needs a file")?.into());
            }
            other => {
                return Err(
                    format!("unknown argument {other:?} (--out DIR, --requirements FILE)").into(),
                );
            }
        }
    }
    Ok(Args { out, requirements })
}

/// Prints a step's name, runs it, and prints how long it took.
fn step<T>(
    i: usize,
    n: usize,
    name: &str,
    f: impl FnOnce() -> Result<T, AnyError>,
) -> Result<T, AnyError> {
    println!("\n[{i}/{n}] {name}");
    let t = Instant::now();
    let out = f()?;
    let s = t.elapsed().as_secs_f64();
    if s >= 0.05 {
        println!("      ({s:.2} s)");
    }
    Ok(out)
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_owned(), |r| format!("{r:.3}"))
}

fn group_rates(a: &GroupAudit) -> Vec<(String, Option<f64>)> {
    a.groups
        .iter()
        .map(|g| (g.name.clone(), g.rates.fpr))
        .collect()
}

/// Per-group thresholds of a deterministic policy, in the order of `groups`.
fn thresholds(policy: &ThresholdPolicy, groups: &Groups) -> Result<Vec<f64>, AnyError> {
    groups
        .keys()
        .iter()
        .map(|k| {
            policy
                .rule_for(k)
                .map(|r| r.threshold)
                .ok_or_else(|| format!("no threshold for group {k}").into())
        })
        .collect()
}

/// The whole audit: prints the summary, writes the report, applies the gate.
pub fn loan_audit(args: &Args) -> Result<Outcome, AnyError> {
    let (requirements, requirements_source) = match &args.requirements {
        Some(p) => (
            Requirements::from_toml(&std::fs::read_to_string(p)?)?,
            p.display().to_string(),
        ),
        None => (
            Requirements::from_toml(REQUIREMENTS)?,
            "examples/loan_audit_requirements.toml".to_owned(),
        ),
    };
    let n_steps = 7;
    let cost = CostMatrix::default();
    println!(
        "Loan audit: a simulated loan book, the live model (champion) and a retrained challenger"
    );
    println!(
        "Costs: a missed default costs {} x a needless review; fairness: equal FPR across ethnicity groups",
        cost.fn_cost() / cost.fp_cost()
    );

    let (train, test) = step(1, n_steps, "Simulating the loan book", || {
        let train = simulate_lending(40_000, TRAIN_SEED, LendingDrift::None);
        let test = simulate_lending(20_000, TEST_SEED, LendingDrift::None);
        println!(
            "      training {} loans, held-out {} loans; default rate {:.1}%",
            train.len(),
            test.len(),
            100.0 * test.default.iter().map(|&y| f64::from(y)).sum::<f64>() / test.len() as f64
        );
        Ok((train, test))
    })?;
    let train_groups = Groups::from_strs("ethnicity", &train.ethnicity)?;
    let test_groups = Groups::from_strs("ethnicity", &test.ethnicity)?;

    let mut trail = AuditTrail::now();
    for (k, v) in [
        ("cost", "fn_cost = 5, fp_cost = 1".to_owned()),
        (
            "constraint",
            "fpr (equal opportunity on the false-positive rate)".to_owned(),
        ),
        ("fit tolerance", TOLERANCE.to_string()),
        ("audit tolerance", AUDIT_TOLERANCE.to_string()),
        ("requirements", requirements_source.clone()),
        (
            "training data",
            format!("simulate_lending({}, seed {TRAIN_SEED})", train.len()),
        ),
        (
            "held-out data",
            format!("simulate_lending({}, seed {TEST_SEED})", test.len()),
        ),
    ] {
        trail.parameters.insert(k.to_owned(), v);
    }
    trail.seeds.insert("training data".into(), TRAIN_SEED);
    trail.seeds.insert("held-out data".into(), TEST_SEED);
    trail.seeds.insert("stable window".into(), STABLE_SEED);
    trail.seeds.insert("downturn window".into(), DOWNTURN_SEED);
    trail.seeds.insert("bootstrap".into(), BOOTSTRAP_SEED);
    for (name, d) in [("training", &train), ("held-out", &test)] {
        trail.inputs.push(InputFingerprint::of_u8(
            format!("{name} default"),
            &d.default,
        ));
        trail.inputs.push(InputFingerprint::of_f64(
            format!("{name} champion_score"),
            &d.champion_score,
        ));
        trail.inputs.push(InputFingerprint::of_f64(
            format!("{name} challenger_score"),
            &d.challenger_score,
        ));
        trail.inputs.push(InputFingerprint::of_strs(
            format!("{name} ethnicity"),
            &d.ethnicity,
        ));
    }
    let mut report = Report::new("Loan model audit", trail);

    // 2. The champion at one threshold for everyone, then with equal-opportunity thresholds.
    let (champion_single, _, _) = step(
        2,
        n_steps,
        "Champion: one cost-optimal threshold, then equal-opportunity thresholds",
        || {
            fairness(
                &train,
                &test,
                &train_groups,
                &test_groups,
                &cost,
                &mut report,
                Model::Champion,
            )
        },
    )?;
    let (_, challenger_fair, challenger_policy) = step(
        3,
        n_steps,
        "Challenger: the same, on the retrained model",
        || {
            fairness(
                &train,
                &test,
                &train_groups,
                &test_groups,
                &cost,
                &mut report,
                Model::Challenger,
            )
        },
    )?;

    // 4. Calibration of the challenger, overall and per group.
    let ece = step(
        4,
        n_steps,
        "Calibration (challenger, held-out loans)",
        || calibration(&test, &test_groups, &mut report),
    )?;

    // 5. Champion versus challenger on the same held-out loans.
    let worse_p = step(
        5,
        n_steps,
        "Champion vs challenger (paired, held-out loans)",
        || comparison(&test, &mut report),
    )?;

    // 6. Production: a stable window and a downturn, monitored against the training data.
    let drift_alerts = step(
        6,
        n_steps,
        "Monitoring two production windows (stable, downturn)",
        || monitoring(&train, &challenger_policy, &mut report),
    )?;

    // 7. The gate, on the challenger with its fair thresholds.
    step(
        7,
        n_steps,
        "Deployment gate (challenger with equal-opportunity thresholds)",
        || {
            let task = BinaryTask::new(&test.challenger_score[..], &test.default[..])?;
            let auc = SortedCounts::new(&task).roc_auc()?;
            let total = challenger_fair
                .groups
                .iter()
                .map(|g| cost.total_cost(&g.confusion))
                .sum::<f64>();
            let evidence = Evidence {
                fpr_gap: challenger_fair.max_gap,
                auc: Some(auc),
                ece: Some(ece),
                cost_per_decision: Some(total / test.len() as f64),
                challenger_worse_pvalue: worse_p,
                drift_alerts: Some(drift_alerts),
            };
            let gate = evaluate(&requirements, &evidence)?;
            print!("{}", indent(&gate.to_string()));
            report.gate = Some(gate.clone());
            let (html, json) = report.write(&args.out)?;
            println!("      report: {} and {}", html.display(), json.display());
            Ok(Outcome {
                champion_single_gap: champion_single.max_gap,
                challenger_fair_gap: challenger_fair.max_gap,
                gate_passed: gate.passed,
                gate,
                html,
                json,
            })
        },
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}\n")).collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Model {
    Champion,
    Challenger,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Self::Champion => "champion",
            Self::Challenger => "challenger",
        }
    }
    fn scores(self, d: &Lending) -> &[f64] {
        match self {
            Self::Champion => &d.champion_score,
            Self::Challenger => &d.challenger_score,
        }
    }
}

/// One threshold for everyone against equal-opportunity thresholds: fitted on the training
/// loans, audited on the held-out ones; adds the model's fairness section to the report.
fn fairness(
    train: &Lending,
    test: &Lending,
    train_groups: &Groups,
    test_groups: &Groups,
    cost: &CostMatrix,
    report: &mut Report,
    model: Model,
) -> Result<(GroupAudit, GroupAudit, ThresholdPolicy), AnyError> {
    let train_task = BinaryTask::new(model.scores(train), &train.default[..])?;
    let test_task = BinaryTask::new(model.scores(test), &test.default[..])?;
    let single = cost.min_cost_threshold(&SortedCounts::new(&train_task));
    let params = AuditParams {
        tolerance: AUDIT_TOLERANCE,
        ..AuditParams::default()
    };
    let single_audit = audit(
        &test_task,
        test_groups,
        Decision::Threshold(single.threshold),
        params,
    )?;
    let search = ThresholdSearch::new().cost(*cost).tolerance(TOLERANCE);
    let policy = search.fit(&train_task, train_groups)?;
    let per_group = thresholds(&policy, test_groups)?;
    let fair_audit = audit(
        &test_task,
        test_groups,
        Decision::PerGroup(&per_group),
        params,
    )?
    .with_bootstrap(
        &test_task,
        test_groups,
        Decision::PerGroup(&per_group),
        1000,
        0.95,
        BOOTSTRAP_SEED,
    )?;
    let verdict = |p: Option<bool>| match p {
        Some(true) => "passes",
        Some(false) => "FAILS",
        None => "undefined",
    };
    let total = |a: &GroupAudit| {
        a.groups
            .iter()
            .map(|g| cost.total_cost(&g.confusion))
            .sum::<f64>()
    };
    println!(
        "      one threshold ({:.4}) for everyone: held-out FPR gap {} ({} the {AUDIT_TOLERANCE} test), cost {:.0}",
        single.threshold,
        rate(single_audit.max_gap),
        verdict(single_audit.passed),
        total(&single_audit)
    );
    for (g, f) in single_audit.groups.iter().zip(&fair_audit.groups) {
        println!(
            "        {:<2} FPR {} -> {} with threshold {}",
            g.name,
            rate(g.rates.fpr),
            rate(f.rates.fpr),
            f.threshold
                .map_or_else(|| "?".into(), |t| format!("{t:.4}"))
        );
    }
    println!(
        "      equal-opportunity thresholds: held-out FPR gap {} ({}), cost {:.0}; price of fairness on the training loans {:+.0}",
        rate(fair_audit.max_gap),
        verdict(fair_audit.passed),
        total(&fair_audit),
        policy.price_of_fairness()
    );
    if let Some(iv) = fair_audit.intervals.as_ref().and_then(|i| i.max_gap) {
        println!(
            "      95% bootstrap interval of the held-out FPR gap: [{:.3}, {:.3}] (1,000 replicates, seed {BOOTSTRAP_SEED})",
            iv.low, iv.high
        );
    }

    // The report: ROC curves with each group's threshold, FPR before/after, the frontier.
    let rocs = roc_by_group(
        &test_task,
        test_groups,
        policy.rules_for(test_groups).as_deref(),
    )?;
    let pairs: Vec<RatePair> = group_rates(&single_audit)
        .into_iter()
        .zip(group_rates(&fair_audit))
        .map(|((group, before), (_, after))| RatePair {
            group,
            before,
            after,
        })
        .collect();
    let frontier = search.frontier(&train_task, train_groups, &DEFAULT_FRONTIER)?;
    let name = model.name();
    let mut s = Section::new(format!("Fairness of the {name}: equal FPR across groups"));
    s.status = Some(match fair_audit.passed {
        Some(true) => Status::Pass,
        _ => Status::Fail,
    });
    s.paragraphs.push(format!(
        "With one cost-optimal threshold for everyone ({:.4}, fitted on the training loans) the \
         held-out FPR gap between groups is {}: the test at tolerance {AUDIT_TOLERANCE} {}. With the \
         equal-opportunity thresholds (5:1 costs, fitted on the training loans within \
         {TOLERANCE}) it is {} and the test {}; the price of fairness on the training loans is {:+.0} cost units.",
        single.threshold,
        rate(single_audit.max_gap),
        verdict(single_audit.passed),
        rate(fair_audit.max_gap),
        verdict(fair_audit.passed),
        policy.price_of_fairness()
    ));
    s.charts.push(Chart {
        caption: format!("ROC curves by group ({name}, held-out), each group's threshold starred"),
        svg: roc_by_group_svg(&rocs, &format!("ROC by group: {name}")),
    });
    s.charts.push(Chart {
        caption: "False-positive rate by group, before and after (held-out)".into(),
        svg: rate_bars_svg(
            &pairs,
            "false-positive rate",
            "one threshold",
            "equal-opportunity thresholds",
            &format!("FPR by group: {name}"),
        ),
    });
    s.charts.push(Chart {
        caption: "Cost against the largest FPR gap, for a range of tolerances (training loans)"
            .into(),
        svg: frontier_svg(
            &frontier,
            Some(TOLERANCE),
            &format!("Price of fairness: {name}"),
        ),
    });
    report.sections.push(s);
    report.sections.push(policy_section(
        &policy,
        &format!("Equal-opportunity thresholds of the {name}"),
    ));
    report.sections.push(audit_section(
        &fair_audit,
        &format!("Held-out audit of the {name} with its fair thresholds"),
    ));
    Ok((single_audit, fair_audit, policy))
}

/// Calibration of the challenger overall and per group; returns its ECE.
fn calibration(test: &Lending, groups: &Groups, report: &mut Report) -> Result<f64, AnyError> {
    let task = BinaryTask::new(&test.challenger_score[..], &test.default[..])?;
    let curve = reliability_curve(&task, 10, BinStrategy::Uniform)?;
    let (ece, mce) = calibration_error(&curve);
    let brier = brier_score(&task)?;
    println!("      overall: Brier {brier:.4}, ECE {ece:.4}, MCE {mce:.4} (10 equal-width bins)");
    let by_group = calibration_by_group(&task, groups, &CalibrationByGroupParams::default())?;
    for g in &by_group.groups {
        println!(
            "        {:<2} ECE {:.4}  Hosmer-Lemeshow p {}  Spiegelhalter p {}",
            g.group,
            g.ece,
            g.hosmer_lemeshow
                .as_ref()
                .map_or_else(|| "undefined".into(), |h| format!("{:.3}", h.pvalue)),
            g.spiegelhalter
                .as_ref()
                .map(|s| s.pvalue)
                .map_or_else(|| "undefined".into(), |p| format!("{p:.3}")),
        );
    }
    let worst = by_group.worst.iter().find(|w| w.metric == "ece");
    let mut s = Section::new("Calibration of the challenger (held-out loans)");
    s.status = Some(if ece <= 0.05 {
        Status::Pass
    } else {
        Status::Warn
    });
    s.paragraphs.push(format!(
        "Overall Brier score {brier:.4}, expected calibration error {ece:.4}, maximum {mce:.4} \
         (10 equal-width bins). The 1/6 cut for 5:1 costs assumes probabilities that mean what they say.{}",
        worst.map_or_else(String::new, |w| format!(" Worst group by ECE: {} ({:.4}).", w.group, w.value))
    ));
    let mut curves: Vec<(&str, &mlops_audit::calibration::ReliabilityCurve)> =
        vec![("all", &curve)];
    curves.extend(
        by_group
            .groups
            .iter()
            .map(|g| (g.group.as_str(), &g.reliability)),
    );
    s.charts.push(Chart {
        caption: "Reliability diagram, overall and per group".into(),
        svg: reliability_diagram_svg(&curves, "Reliability: challenger"),
    });
    s.tables.push(Table::new(
        "Calibration by group",
        [
            "group",
            "rows",
            "Brier",
            "ECE",
            "MCE",
            "Hosmer-Lemeshow p",
            "Spiegelhalter p",
        ],
        by_group.groups.iter().map(|g| {
            [
                g.group.clone(),
                g.rows.to_string(),
                format!("{:.4}", g.brier),
                format!("{:.4}", g.ece),
                format!("{:.4}", g.mce),
                g.hosmer_lemeshow
                    .as_ref()
                    .map_or_else(|| "undefined".into(), |h| format!("{:.4}", h.pvalue)),
                g.spiegelhalter
                    .as_ref()
                    .map(|s| s.pvalue)
                    .map_or_else(|| "undefined".into(), |p| format!("{p:.4}")),
            ]
        }),
    ));
    report.sections.push(s);
    Ok(ece)
}

/// DeLong, McNemar and a paired bootstrap of the cost on the held-out loans; returns the
/// one-sided p-value of "the challenger ranks worse than the champion".
fn comparison(test: &Lending, report: &mut Report) -> Result<Option<f64>, AnyError> {
    let d = delong(
        &test.default[..],
        &test.champion_score[..],
        &test.challenger_score[..],
        0.95,
    )?;
    println!(
        "      DeLong: AUC challenger {:.4} vs champion {:.4}, difference {:+.4} (95% CI {:+.4} .. {:+.4}), p {}",
        d.auc_challenger,
        d.auc_champion,
        d.difference,
        d.ci_low,
        d.ci_high,
        d.pvalue
            .map_or_else(|| "undefined".into(), |p| format!("{p:.2e}"))
    );
    let bayes = CostMatrix::default().bayes_threshold();
    let flag = |s: &[f64]| -> Vec<bool> { s.iter().map(|&v| v >= bayes).collect() };
    let m = mcnemar_from_predictions(
        &test.default[..],
        &flag(&test.champion_score)[..],
        &flag(&test.challenger_score)[..],
        false,
        true,
    )?;
    println!(
        "      McNemar at the 1/6 cut: only challenger right {}, only champion right {}, chi-square {:.2}, p {:.2e}",
        m.challenger_only, m.champion_only, m.statistic, m.pvalue
    );
    // The expected cost per loan, both models at the 1/6 cut, as a paired bootstrap.
    let params = BootstrapParams::new(
        BootstrapMetric::Cost {
            cost: CostMatrix::default(),
            thresholds: [bayes, bayes],
        },
        1000,
        BOOTSTRAP_SEED,
        0.95,
    )?;
    let boot = paired_bootstrap(
        &test.default[..],
        &test.champion_score[..],
        &test.challenger_score[..],
        None,
        None,
        &params,
    )?;
    let show = |v: Option<f64>| v.map_or_else(|| "undefined".to_owned(), |x| format!("{x:+.4}"));
    println!(
        "      paired bootstrap of the cost per loan at 1/6 (challenger - champion): {:+.4} \
         (95% BCa {} .. {}, p {}; 1,000 resamples, seed {BOOTSTRAP_SEED})",
        boot.difference,
        show(boot.bca_low),
        show(boot.bca_high),
        boot.pvalue
            .map_or_else(|| "undefined".into(), |p| format!("{p:.3}"))
    );
    let mut s = Section::new("Champion versus challenger (same held-out loans)");
    s.status = Some(match d.pvalue_less {
        Some(p) if p < 0.05 => Status::Fail,
        _ => Status::Pass,
    });
    s.tables.push(Table::new(
        "Paired tests",
        ["test", "result", "p-value"],
        [
            [
                "DeLong (ROC AUC)".to_owned(),
                format!(
                    "challenger {:.4} vs champion {:.4}: {:+.4} (95% CI {:+.4} .. {:+.4})",
                    d.auc_challenger, d.auc_champion, d.difference, d.ci_low, d.ci_high
                ),
                d.pvalue
                    .map_or_else(|| "undefined".into(), |p| format!("{p:.3e}")),
            ],
            [
                "Paired bootstrap (cost per loan at 1/6, challenger - champion)".to_owned(),
                format!(
                    "{:.4} vs {:.4}: {:+.4} (95% BCa {} .. {}; {} resamples, seed {})",
                    boot.challenger,
                    boot.champion,
                    boot.difference,
                    show(boot.bca_low),
                    show(boot.bca_high),
                    boot.valid_resamples,
                    boot.seed
                ),
                boot.pvalue
                    .map_or_else(|| "undefined".into(), |p| format!("{p:.3e}")),
            ],
            [
                "McNemar (decisions at 1/6, chi-square with continuity correction)".to_owned(),
                format!(
                    "only challenger right {}, only champion right {}",
                    m.challenger_only, m.champion_only
                ),
                format!("{:.3e}", m.pvalue),
            ],
        ],
    ));
    report.sections.push(s);
    Ok(d.pvalue_less)
}

/// The loan book as a table for the drift monitor: the features, the group, and the
/// challenger's decisions under its fair thresholds (0/1).
fn lending_table<'a>(
    d: &'a Lending,
    cats: &'a [Vec<Option<&'a str>>],
    flagged: &'a [f64],
) -> Result<DataTable<'a>, AnyError> {
    let mut columns: Vec<(String, ColumnData<'a>)> = d
        .numeric()
        .into_iter()
        .map(|(name, values)| (name.to_owned(), ColumnData::numeric(values)))
        .collect();
    for ((name, _), values) in d.categorical().into_iter().zip(cats) {
        columns.push((name.to_owned(), ColumnData::categorical(values)));
    }
    columns.push(("flagged".to_owned(), ColumnData::numeric(flagged)));
    Ok(DataTable::new(columns)?)
}

fn categorical_columns(d: &Lending) -> Vec<Vec<Option<&str>>> {
    d.categorical()
        .into_iter()
        .map(|(_, values)| values.iter().map(|&v| Some(v)).collect())
        .collect()
}

/// Flags under the policy's per-group thresholds, as 0/1.
fn flags(d: &Lending, policy: &ThresholdPolicy) -> Result<Vec<f64>, AnyError> {
    let groups = Groups::from_strs("ethnicity", &d.ethnicity)?;
    let thresholds = thresholds(policy, &groups)?;
    Ok(d.challenger_score
        .iter()
        .zip(groups.ids())
        .map(|(&s, &g)| f64::from(u8::from(s >= thresholds[g as usize])))
        .collect())
}

/// Profiles the training data once, then monitors a stable and a downturn window; adds the
/// drift and output panels to the report. Returns the stable window's alerts (the gate's
/// evidence: the model would ship into that window).
fn monitoring(
    train: &Lending,
    policy: &ThresholdPolicy,
    report: &mut Report,
) -> Result<Vec<String>, AnyError> {
    let train_cats = categorical_columns(train);
    let train_flags = flags(train, policy)?;
    let params = ProfileParams {
        group_columns: vec!["ethnicity".into()],
        prediction: Some(PredictionSpec {
            column: "flagged".into(),
            threshold: None,
        }),
        ..ProfileParams::default()
    };
    let profile =
        ReferenceProfile::from_table(&lending_table(train, &train_cats, &train_flags)?, &params)?;
    let mut stable_alerts = Vec::new();
    for (name, seed, scenario) in [
        ("stable", STABLE_SEED, LendingDrift::None),
        ("downturn", DOWNTURN_SEED, LendingDrift::Downturn),
    ] {
        let live = simulate_lending(20_000, seed, scenario);
        let cats = categorical_columns(&live);
        let live_flags = flags(&live, policy)?;
        let config = MonitorConfig {
            features: Some(
                live.numeric()
                    .iter()
                    .map(|(n, _)| (*n).to_owned())
                    .chain(["region", "home_ownership", "purpose"].map(str::to_owned))
                    .collect(),
            ),
            ..MonitorConfig::default()
        };
        let monitor = DriftMonitor::new(profile.clone(), config)?;
        // A service would send many small batches from many threads; two halves will do here.
        let table = lending_table(&live, &cats, &live_flags)?;
        monitor.ingest(&table)?;
        let drift = monitor.evaluate()?;
        println!(
            "      {name} window ({} loans): {}",
            drift.window.rows,
            drift.status.to_string().to_uppercase()
        );
        for reason in &drift.reasons {
            println!("        - {reason}");
        }
        if name == "stable" {
            stable_alerts.clone_from(&drift.reasons);
            if drift.status != AlertStatus::Alert {
                stable_alerts.clear();
            }
        }
        report
            .sections
            .push(drift_section(&drift, &format!("Production window: {name}")));
    }
    Ok(stable_alerts)
}
