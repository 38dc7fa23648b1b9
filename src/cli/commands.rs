//! The commands: read the files, call the library, print its result.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{Field, Schema};
use serde::Serialize;

use super::error::{CliError, Context};
use super::progress::step;
use super::read::{self, Data};
use super::{
    ApplyArgs, AuditArgs, Cli, Command, CompareArgs, CostArgs, DriftArgs, EvidenceArgs, FitArgs,
    GateArgs, Labelled, Outcome, ProfileArgs, ReportArgs, RuleArgs,
};
use crate::calibration::{BinStrategy, ReliabilityCurve, calibration_error, reliability_curve};
use crate::compare::{
    BootstrapMetric, BootstrapParams, DelongResult, McNemarResult, PairedBootstrapResult, delong,
    mcnemar_from_predictions, paired_bootstrap,
};
use crate::drift::profile::PredictionSpec;
use crate::drift::report::{AlertStatus, DriftReport};
use crate::drift::table::Table as DataTable;
use crate::drift::{DriftMonitor, MonitorConfig, ProfileParams, ReferenceProfile};
use crate::fairness::{
    AuditParams, Constraint, Decision, GroupAudit, GroupRule, ThresholdPolicy, ThresholdSearch,
    audit, roc_by_group, uniform_from_seed,
};
use crate::gate::{Evidence, GateReport, Requirements, evaluate};
use crate::plot::{reliability_diagram_svg, roc_by_group_svg};
use crate::report::{
    AuditTrail, Chart, InputFingerprint, Report, Section, Status, Table, audit_section,
    drift_section, policy_section,
};
use crate::{BinaryTask, CostMatrix, Groups, SortedCounts};

type Out<'a> = &'a mut dyn Write;

/// Runs the parsed command line.
pub(crate) fn run(cli: Cli, out: Out<'_>) -> Result<Outcome, CliError> {
    let json = cli.json;
    match cli.command {
        Command::Audit(a) => audit_cmd(&a, json, out),
        Command::Fit(a) => fit_cmd(&a, json, out),
        Command::Apply(a) => apply_cmd(&a, json, out),
        Command::Profile(a) => profile_cmd(&a, json, out),
        Command::Drift(a) => drift_cmd(&a, json, out),
        Command::Compare(a) => compare_cmd(&a, json, out),
        Command::Gate(a) => gate_cmd(&a, json, out),
        Command::Report(a) => report_cmd(&a, json, out),
    }
}

fn print(out: Out<'_>, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .map_err(|e| CliError::file(Path::new("stdout"), e))
}

fn to_json<T: Serialize>(value: &T, what: &str) -> Result<String, CliError> {
    serde_json::to_string_pretty(value).context(format!("writing the {what} as JSON"))
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| CliError::file(path, format!("cannot be written: {e}")))
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::file(path, e))
}

fn read_data(path: &Path) -> Result<Data, CliError> {
    step(format!("reading {}", path.display()), || read::read(path))
}

fn cost_matrix(c: CostArgs) -> Result<CostMatrix, CliError> {
    CostMatrix::new(c.fn_cost, c.fp_cost).context("--fn-cost/--fp-cost")
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_owned(), |r| format!("{r:.4}"))
}

/// A labelled file's columns, read and checked.
struct LabelledData {
    data: Data,
    scores: Vec<f64>,
    labels: Vec<bool>,
    weights: Option<Vec<f64>>,
    groups: Groups,
}

impl LabelledData {
    fn read(args: &Labelled) -> Result<Self, CliError> {
        let data = read_data(&args.data)?;
        let scores = data.floats(&args.score)?;
        let labels = data.labels(&args.label)?;
        let weights = args.weight.as_deref().map(|w| data.floats(w)).transpose()?;
        let groups = data.groups(&args.groups)?;
        Ok(Self {
            data,
            scores,
            labels,
            weights,
            groups,
        })
    }

    fn task(&self) -> Result<BinaryTask<'_>, CliError> {
        let where_ = || self.data.path.display().to_string();
        let task = BinaryTask::new(&self.scores[..], &self.labels[..]).context(where_())?;
        match &self.weights {
            Some(w) => task.with_weights(&w[..]).context(where_()),
            None => Ok(task),
        }
    }
}

fn read_policy(path: &Path) -> Result<ThresholdPolicy, CliError> {
    serde_json::from_str(&read_text(path)?)
        .map_err(|e| CliError::file(path, format!("is not a policy written by `fit`: {e}")))
}

fn read_requirements(path: &Path) -> Result<Requirements, CliError> {
    let text = read_text(path)?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if json {
        Requirements::from_json(&text)
    } else {
        Requirements::from_toml(&text)
    };
    parsed.context(path.display().to_string())
}

/// The decision rule the audit applies, owned.
enum Rule {
    Threshold(f64),
    PerGroup(Vec<f64>),
    Predictions(Vec<bool>),
}

impl Rule {
    fn decision(&self) -> Decision<'_> {
        match self {
            Self::Threshold(t) => Decision::Threshold(*t),
            Self::PerGroup(ts) => Decision::PerGroup(ts),
            Self::Predictions(p) => Decision::Predictions(p),
        }
    }

    /// Each group's rule, for the ROC chart's operating points.
    fn group_rules(
        &self,
        policy: Option<&ThresholdPolicy>,
        groups: &Groups,
    ) -> Option<Vec<GroupRule>> {
        match (self, policy) {
            (Self::Threshold(t), _) => Some(vec![GroupRule::at_least(*t); groups.n_groups()]),
            (_, Some(p)) => p.rules_for(groups),
            _ => None,
        }
    }

    fn describe(&self, policy: Option<&Path>) -> String {
        match (self, policy) {
            (Self::Threshold(t), _) => format!("one threshold {t}"),
            (_, Some(p)) => format!("the policy {}", p.display()),
            _ => "per-group thresholds".to_owned(),
        }
    }
}

/// The rule of `--threshold`, `--policy` or (neither) the cost-optimal threshold.
fn rule(
    args: &RuleArgs,
    cost: &CostMatrix,
    scores: &[f64],
    groups: &Groups,
) -> Result<(Rule, Option<ThresholdPolicy>), CliError> {
    if let Some(t) = args.threshold {
        return Ok((Rule::Threshold(t), None));
    }
    let Some(path) = &args.policy else {
        return Ok((Rule::Threshold(cost.bayes_threshold()), None));
    };
    let policy = read_policy(path)?;
    let rule = if policy.params.randomized {
        let seed = args.draw_seed;
        Rule::Predictions(
            policy
                .predict(scores, groups, None, |i| uniform_from_seed(seed, i))
                .context(format!("applying {}", path.display()))?,
        )
    } else {
        let thresholds = groups
            .keys()
            .iter()
            .map(|k| {
                policy.rule_for(k).map(|r| r.threshold).ok_or_else(|| {
                    CliError::file(
                        path,
                        format!(
                            "has no rule for group {k} of the data (was it fitted on other groups?)"
                        ),
                    )
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        Rule::PerGroup(thresholds)
    };
    Ok((rule, Some(policy)))
}

fn audit_summary(a: &GroupAudit) -> String {
    let mut s = String::new();
    let c: &str = a.params.constraint.into();
    let _ = writeln!(
        s,
        "{:<24} {:>8} {:>8} {:>8} {:>10}",
        "group", "rows", "FPR", "TPR", "threshold"
    );
    for g in std::iter::once(&a.overall).chain(&a.groups) {
        let _ = writeln!(
            s,
            "{:<24} {:>8} {:>8} {:>8} {:>10}",
            g.name,
            g.rows,
            rate(g.rates.fpr),
            rate(g.rates.tpr),
            g.threshold
                .map_or_else(|| "-".to_owned(), |t| format!("{t:.4}"))
        );
    }
    let _ = writeln!(
        s,
        "largest {c} gap {} (tolerance {}): {}",
        rate(a.max_gap),
        a.params.tolerance,
        match a.passed {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "UNDEFINED (counts as a failure)",
        }
    );
    if let Some(iv) = a.intervals.as_ref().and_then(|i| i.max_gap) {
        let _ = writeln!(
            s,
            "{:.0}% bootstrap interval of the gap: [{:.4}, {:.4}] ({} replicates)",
            a.intervals.as_ref().map_or(0.0, |i| 100.0 * i.level),
            iv.low,
            iv.high,
            iv.replicates
        );
    }
    for w in &a.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}

fn audit_cmd(a: &AuditArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let cost = cost_matrix(a.cost)?;
    let constraint: Constraint = a.constraint.parse().context("--constraint")?;
    let ld = LabelledData::read(&a.data)?;
    let (rule, _) = rule(&a.rule, &cost, &ld.scores, &ld.groups)?;
    let task = ld.task()?;
    let params = AuditParams {
        constraint,
        tolerance: a.tolerance,
        min_count: a.min_count,
        ..AuditParams::default()
    };
    let decision = rule.decision();
    let mut report = audit(&task, &ld.groups, decision, params).context("the audit")?;
    if a.bootstrap > 0 {
        report = step(format!("bootstrap ({} replicates)", a.bootstrap), || {
            report.with_bootstrap(&task, &ld.groups, decision, a.bootstrap, a.level, a.seed)
        })
        .context("the bootstrap")?;
    }
    if json {
        print(out, &report.to_json().context("writing the audit as JSON")?)?;
    } else {
        print(out, &audit_summary(&report))?;
    }
    Ok(if report.passed == Some(true) {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

fn fit_cmd(a: &FitArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let cost = cost_matrix(a.cost)?;
    let constraint: Constraint = a.constraint.parse().context("--constraint")?;
    let ld = LabelledData::read(&a.data)?;
    let task = ld.task()?;
    let search = ThresholdSearch::new()
        .cost(cost)
        .constraint(constraint)
        .tolerance(a.tolerance)
        .randomized(a.randomized);
    let policy = step("fitting the thresholds", || search.fit(&task, &ld.groups))
        .context("fitting the thresholds")?;
    let text = to_json(&policy, "policy")?;
    if let Some(path) = &a.out {
        write_file(path, &text)?;
    }
    if json {
        print(out, &text)?;
    } else {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<24} {:>10} {:>8} {:>10}",
            "group", "threshold", "rate", "cost"
        );
        for g in &policy.groups {
            let _ = writeln!(
                s,
                "{:<24} {:>10.4} {:>8.4} {:>10.1}{}",
                g.name,
                g.rule.threshold,
                g.rate,
                g.cost,
                if g.rule.is_randomized() {
                    " (randomized)"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(
            s,
            "largest gap {:.4} (tolerance {}); total cost {:.1}; price of fairness {:+.1}",
            policy.max_gap,
            policy.params.tolerance,
            policy.total_cost,
            policy.price_of_fairness()
        );
        if let Some(path) = &a.out {
            let _ = writeln!(s, "policy written to {}", path.display());
        }
        print(out, &s)?;
    }
    Ok(Outcome::Pass)
}

fn apply_cmd(a: &ApplyArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let policy = read_policy(&a.policy)?;
    let data = read_data(&a.data)?;
    let scores = data.floats(&a.score)?;
    let groups = data.groups(&a.groups)?;
    let fallback = a.fallback.map(GroupRule::at_least);
    if let Some(r) = &fallback {
        r.check().context("--fallback")?;
    }
    let seed = a.seed;
    let flags = policy
        .predict(&scores[..], &groups, fallback, |i| {
            uniform_from_seed(seed, i)
        })
        .context(format!("applying {}", a.policy.display()))?;
    if let Some(path) = &a.out {
        let batch = &data.batch;
        if batch.schema().index_of(&a.column).is_ok() {
            return Err(CliError::Usage(format!(
                "{} already has a column `{}`; name the decisions with --column",
                a.data.display(),
                a.column
            )));
        }
        let mut fields: Vec<Arc<Field>> = batch.schema().fields().iter().cloned().collect();
        fields.push(Arc::new(Field::new(
            &a.column,
            arrow_schema::DataType::Boolean,
            false,
        )));
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        columns.push(Arc::new(BooleanArray::from(flags.clone())));
        let with = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| CliError::file(path, format!("cannot be built: {e}")))?;
        read::write(path, &with)?;
    }
    if json {
        print(out, &to_json(&flags, "decisions")?)?;
    } else {
        let flagged = flags.iter().filter(|&&f| f).count();
        let mut s = format!("flagged {flagged} of {} rows\n", flags.len());
        let mut per_group = vec![(0usize, 0usize); groups.n_groups()];
        for (&g, &f) in groups.ids().iter().zip(&flags) {
            per_group[g as usize].0 += usize::from(f);
            per_group[g as usize].1 += 1;
        }
        for (k, (f, n)) in groups.keys().iter().zip(per_group) {
            let _ = writeln!(s, "  {k}: {f} of {n}");
        }
        if let Some(path) = &a.out {
            let _ = writeln!(s, "decisions written to {}", path.display());
        }
        print(out, &s)?;
    }
    Ok(Outcome::Pass)
}

/// The batch's columns chosen by `--columns` (all when empty) minus `--exclude`.
fn project(data: &Data, keep: &[String], exclude: &[String]) -> Result<RecordBatch, CliError> {
    for name in keep.iter().chain(exclude) {
        data.column(name)?;
    }
    let schema = data.batch.schema();
    let indices: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| keep.is_empty() || keep.contains(f.name()))
        .filter(|(_, f)| !exclude.contains(f.name()))
        .map(|(i, _)| i)
        .collect();
    data.batch
        .project(&indices)
        .map_err(|e| CliError::file(&data.path, e))
}

fn profile_cmd(a: &ProfileArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let data = read_data(&a.data)?;
    let batch = project(&data, &a.columns, &a.exclude)?;
    let where_ = a.data.display().to_string();
    let table = DataTable::from_record_batch(&batch).context(where_.clone())?;
    let defaults = ProfileParams::default();
    let params = ProfileParams {
        sample_cap: a.sample_cap.unwrap_or(defaults.sample_cap),
        seed: a.seed,
        categorical: a.categorical.clone(),
        group_columns: a.groups.clone(),
        prediction: a.prediction.clone().map(|column| PredictionSpec {
            column,
            threshold: a.prediction_threshold,
        }),
        ..defaults
    };
    let profile = step("profiling", || {
        ReferenceProfile::from_table(&table, &params)
    })
    .context(format!("profiling {where_}"))?;
    let text = profile.to_json().context("writing the profile as JSON")?;
    if let Some(path) = &a.out {
        write_file(path, &text)?;
    }
    if json {
        print(out, &text)?;
    } else {
        let mut s = format!(
            "profiled {} rows, {} columns\n",
            profile.rows,
            profile.columns.len()
        );
        for c in &profile.columns {
            let _ = writeln!(s, "  {} ({})", c.name, c.summary.kind());
        }
        if let Some(path) = &a.out {
            let _ = writeln!(s, "profile written to {}", path.display());
        }
        print(out, &s)?;
    }
    Ok(Outcome::Pass)
}

fn read_profile(path: &Path) -> Result<ReferenceProfile, CliError> {
    ReferenceProfile::from_json(&read_text(path)?).context(path.display().to_string())
}

/// Monitors `data` against `profile` in one cumulative window.
fn drift_of(
    profile: ReferenceProfile,
    data: &Data,
    features: &[String],
    alpha: f64,
) -> Result<DriftReport, CliError> {
    let where_ = data.path.display().to_string();
    let table = DataTable::from_record_batch(&data.batch).context(where_.clone())?;
    let config = MonitorConfig {
        features: (!features.is_empty()).then(|| features.to_vec()),
        alpha,
        ..MonitorConfig::default()
    };
    let monitor = DriftMonitor::new(profile, config).context("the drift monitor")?;
    step("testing for drift", || {
        monitor.ingest(&table)?;
        monitor.evaluate()
    })
    .context(format!("drift of {where_}"))
}

fn drift_summary(d: &DriftReport) -> String {
    let mut s = format!(
        "drift: {} ({} rows)\n",
        d.status.to_string().to_uppercase(),
        d.window.rows
    );
    for r in &d.reasons {
        let _ = writeln!(s, "  - {r}");
    }
    s
}

fn drift_cmd(a: &DriftArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let profile = read_profile(&a.profile)?;
    let data = read_data(&a.data)?;
    let report = drift_of(profile, &data, &a.features, a.alpha)?;
    if json {
        print(
            out,
            &report
                .to_json()
                .context("writing the drift report as JSON")?,
        )?;
    } else {
        print(out, &drift_summary(&report))?;
    }
    Ok(if report.status == AlertStatus::Alert {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}

/// The paired tests of `compare`, each the library's own result.
#[derive(Debug, Serialize)]
struct Comparison {
    /// DeLong's test of AUC(challenger) - AUC(champion).
    delong: DelongResult,
    /// The threshold of both models' decisions.
    threshold: f64,
    /// McNemar's exact test of the decisions' errors.
    mcnemar: McNemarResult,
    /// Paired bootstrap of the cost per decision (challenger - champion).
    bootstrap: Option<PairedBootstrapResult>,
}

fn compare_cmd(a: &CompareArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let cost = cost_matrix(a.cost)?;
    let data = read_data(&a.data)?;
    let labels = data.labels(&a.label)?;
    let champion = data.floats(&a.champion)?;
    let challenger = data.floats(&a.challenger)?;
    let d =
        delong(&labels[..], &champion[..], &challenger[..], a.level).context("DeLong's test")?;
    let t = a.threshold.unwrap_or_else(|| cost.bayes_threshold());
    let flag = |s: &[f64]| -> Vec<bool> { s.iter().map(|&v| v >= t).collect() };
    let m = mcnemar_from_predictions(
        &labels[..],
        &flag(&champion)[..],
        &flag(&challenger)[..],
        true,
        true,
    )
    .context("McNemar's test")?;
    let bootstrap = if a.bootstrap > 0 {
        let params = BootstrapParams::new(
            BootstrapMetric::Cost {
                cost,
                thresholds: [t, t],
            },
            a.bootstrap,
            a.seed,
            a.level,
        )
        .context("--bootstrap/--level")?;
        Some(
            step(
                format!("paired bootstrap ({} resamples)", a.bootstrap),
                || {
                    paired_bootstrap(
                        &labels[..],
                        &champion[..],
                        &challenger[..],
                        None,
                        None,
                        &params,
                    )
                },
            )
            .context("the paired bootstrap")?,
        )
    } else {
        None
    };
    let c = Comparison {
        delong: d,
        threshold: t,
        mcnemar: m,
        bootstrap,
    };
    if json {
        print(out, &to_json(&c, "comparison")?)?;
    } else {
        let p = |v: Option<f64>| v.map_or_else(|| "undefined".to_owned(), |p| format!("{p:.3e}"));
        let mut s = format!(
            "DeLong: AUC challenger {:.4} vs champion {:.4}, difference {:+.4} ({:.0}% CI {:+.4} .. {:+.4}), p {} (challenger worse: p {})\n",
            d.auc_challenger,
            d.auc_champion,
            d.difference,
            100.0 * d.level,
            d.ci_low,
            d.ci_high,
            p(d.pvalue),
            p(d.pvalue_less)
        );
        let _ = writeln!(
            s,
            "McNemar at {t:.4}: only challenger right {}, only champion right {}, p {:.3e}",
            m.challenger_only, m.champion_only, m.pvalue
        );
        if let Some(b) = &c.bootstrap {
            let _ = writeln!(
                s,
                "cost per decision: challenger {:.4} vs champion {:.4}, difference {:+.4} (BCa {} .. {}), p {}",
                b.challenger,
                b.champion,
                b.difference,
                b.bca_low
                    .map_or_else(|| "undefined".into(), |v| format!("{v:+.4}")),
                b.bca_high
                    .map_or_else(|| "undefined".into(), |v| format!("{v:+.4}")),
                p(b.pvalue)
            );
        }
        print(out, &s)?;
    }
    Ok(Outcome::Pass)
}

/// What the gate and the report measure on one labelled file.
struct Measured {
    ld: LabelledData,
    rule: Rule,
    policy: Option<ThresholdPolicy>,
    audit: GroupAudit,
    curve: Option<ReliabilityCurve>,
    delong: Option<DelongResult>,
    drift: Option<DriftReport>,
    evidence: Evidence,
}

/// Measures the evidence; the ECE when `ece` is `Some(required)` (an error then stops the
/// command only when it is required).
fn measure(e: &EvidenceArgs, ece: Option<bool>) -> Result<Measured, CliError> {
    let cost = cost_matrix(e.cost)?;
    let ld = LabelledData::read(&e.data)?;
    let (rule, policy) = rule(&e.rule, &cost, &ld.scores, &ld.groups)?;
    let task = ld.task()?;
    let params = AuditParams {
        constraint: Constraint::Fpr,
        tolerance: e.tolerance,
        ..AuditParams::default()
    };
    let group_audit = audit(&task, &ld.groups, rule.decision(), params).context("the audit")?;
    // Undefined (one class only) is not measured, never 0.
    let auc = SortedCounts::new(&task).roc_auc().ok();
    let curve = match ece {
        None => None,
        Some(required) => match reliability_curve(&task, e.bins, BinStrategy::Uniform) {
            Ok(c) => Some(c),
            Err(err) if required => {
                return Err(CliError::library("the expected calibration error")(
                    Box::new(err),
                ));
            }
            Err(_) => None,
        },
    };
    let overall = &group_audit.overall.confusion;
    let decided = overall.tp + overall.fp + overall.tn + overall.fn_;
    let cost_per_decision = (decided > 0.0).then(|| cost.total_cost(overall) / decided);
    let delong = match &e.champion {
        None => None,
        Some(col) => {
            let champion = ld.data.floats(col)?;
            Some(
                delong(&ld.labels[..], &champion[..], &ld.scores[..], 0.95)
                    .context("DeLong's test")?,
            )
        }
    };
    let drift = match (&e.profile, &e.production) {
        (Some(p), Some(d)) => {
            let profile = read_profile(p)?;
            let data = read_data(d)?;
            Some(drift_of(
                profile,
                &data,
                &[],
                MonitorConfig::default().alpha,
            )?)
        }
        _ => None,
    };
    let evidence = Evidence {
        fpr_gap: group_audit.max_gap,
        auc,
        ece: curve.as_ref().map(|c| calibration_error(c).0),
        cost_per_decision,
        challenger_worse_pvalue: delong.as_ref().and_then(|d| d.pvalue_less),
        drift_alerts: drift.as_ref().map(|d| {
            if d.status == AlertStatus::Alert {
                d.reasons.clone()
            } else {
                Vec::new()
            }
        }),
    };
    Ok(Measured {
        ld,
        rule,
        policy,
        audit: group_audit,
        curve,
        delong,
        drift,
        evidence,
    })
}

/// The gate's output: what was measured and the verdicts.
#[derive(Debug, Serialize)]
struct GateOutput<'a> {
    evidence: &'a Evidence,
    gate: &'a GateReport,
}

fn gate_cmd(a: &GateArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let requirements = read_requirements(&a.requirements)?;
    let m = measure(&a.evidence, requirements.max_ece.map(|_| true))?;
    let gate = evaluate(&requirements, &m.evidence).context("the gate")?;
    if json {
        let o = GateOutput {
            evidence: &m.evidence,
            gate: &gate,
        };
        print(out, &to_json(&o, "gate")?)?;
    } else {
        print(out, &gate.to_string())?;
    }
    Ok(if gate.passed {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

fn report_cmd(a: &ReportArgs, json: bool, out: Out<'_>) -> Result<Outcome, CliError> {
    let requirements = a
        .requirements
        .as_deref()
        .map(read_requirements)
        .transpose()?;
    let required_ece = requirements.as_ref().is_some_and(|r| r.max_ece.is_some());
    let e = &a.evidence;
    let m = measure(e, Some(required_ece))?;
    let gate = requirements
        .as_ref()
        .map(|r| evaluate(r, &m.evidence))
        .transpose()
        .context("the gate")?;

    let mut trail = AuditTrail::now();
    let d = &e.data;
    let cost = cost_matrix(e.cost)?;
    for (k, v) in [
        ("data", d.data.display().to_string()),
        ("label column", d.label.clone()),
        ("score column", d.score.clone()),
        ("group columns", d.groups.join(", ")),
        ("decision rule", m.rule.describe(e.rule.policy.as_deref())),
        (
            "cost",
            format!("fn_cost = {}, fp_cost = {}", cost.fn_cost(), cost.fp_cost()),
        ),
        ("audit tolerance", e.tolerance.to_string()),
        ("calibration bins", e.bins.to_string()),
    ] {
        trail.parameters.insert(k.to_owned(), v);
    }
    let optional = [
        ("weight column", d.weight.clone()),
        ("champion column", e.champion.clone()),
        (
            "requirements",
            a.requirements.as_ref().map(|p| p.display().to_string()),
        ),
        (
            "reference profile",
            e.profile.as_ref().map(|p| p.display().to_string()),
        ),
        (
            "production data",
            e.production.as_ref().map(|p| p.display().to_string()),
        ),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            trail.parameters.insert(k.to_owned(), v);
        }
    }
    if m.policy.as_ref().is_some_and(|p| p.params.randomized) {
        trail.seeds.insert("policy draws".into(), e.rule.draw_seed);
    }
    let ld = &m.ld;
    trail
        .inputs
        .push(InputFingerprint::of_f64(d.score.clone(), &ld.scores));
    let labels: Vec<u8> = ld.labels.iter().map(|&b| u8::from(b)).collect();
    trail
        .inputs
        .push(InputFingerprint::of_u8(d.label.clone(), &labels));
    let group_labels: Vec<String> = ld
        .groups
        .ids()
        .iter()
        .map(|&g| ld.groups.keys()[g as usize].to_string())
        .collect();
    trail.inputs.push(InputFingerprint::of_strs(
        d.groups.join(" & "),
        &group_labels,
    ));

    let mut report = Report::new(a.title.clone(), trail);
    let mut s = audit_section(&m.audit, &format!("Group audit of `{}`", d.score));
    let task = ld.task()?;
    if let Some(rules) = m.rule.group_rules(m.policy.as_ref(), &ld.groups) {
        let rocs = roc_by_group(&task, &ld.groups, Some(&rules)).context("ROC curves by group")?;
        s.charts.push(Chart {
            caption: "ROC curves by group, each group's operating point starred".into(),
            svg: roc_by_group_svg(&rocs, "ROC by group"),
        });
    }
    report.sections.push(s);
    if let Some(p) = &m.policy {
        report
            .sections
            .push(policy_section(p, "The policy's per-group thresholds"));
    }
    let mut cal = Section::new("Calibration and ranking");
    cal.paragraphs.push(format!(
        "ROC AUC {}; expected calibration error {} ({} equal-width bins); cost per decision {}.",
        rate(m.evidence.auc),
        rate(m.evidence.ece),
        e.bins,
        rate(m.evidence.cost_per_decision)
    ));
    if let Some(c) = &m.curve {
        cal.charts.push(Chart {
            caption: "Reliability diagram".into(),
            svg: reliability_diagram_svg(&[("all", c)], "Reliability"),
        });
    }
    report.sections.push(cal);
    if let (Some(dl), Some(col)) = (&m.delong, &e.champion) {
        let mut c = Section::new(format!(
            "`{}` (challenger) versus `{col}` (champion)",
            d.score
        ));
        c.status = Some(match dl.pvalue_less {
            Some(p) if p < 0.05 => Status::Fail,
            _ => Status::Pass,
        });
        c.tables.push(Table::new(
            "DeLong's test",
            [
                "AUC challenger",
                "AUC champion",
                "difference",
                "CI",
                "p (worse)",
            ],
            [[
                format!("{:.4}", dl.auc_challenger),
                format!("{:.4}", dl.auc_champion),
                format!("{:+.4}", dl.difference),
                format!("{:+.4} .. {:+.4}", dl.ci_low, dl.ci_high),
                rate(dl.pvalue_less),
            ]],
        ));
        report.sections.push(c);
    }
    if let Some(dr) = &m.drift {
        report.sections.push(drift_section(
            dr,
            "Production data against the reference profile",
        ));
    }
    report.gate.clone_from(&gate);
    report.check().context("the report")?;
    let (html, json_path) = report
        .write(&a.out)
        .map_err(|err| CliError::file(&a.out, format!("cannot be written: {err}")))?;
    if json {
        print(out, &report.to_json())?;
    } else {
        let mut s = format!("report: {} and {}\n", html.display(), json_path.display());
        if let Some(g) = &gate {
            s.push_str(&g.to_string());
        }
        print(out, &s)?;
    }
    Ok(match gate {
        Some(g) if !g.passed => Outcome::Fail,
        _ => Outcome::Pass,
    })
}
