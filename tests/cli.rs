//! The `mlops-audit` binary, run as a subprocess on files these tests write (the simulated
//! loan book and the German credit data, as CSV, Parquet and Arrow IPC): its JSON must equal
//! the library's results computed here in-process, its exit status must follow the verdict,
//! and every bad input must give exit status 2 with one line naming the culprit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use mlops_audit::calibration::{BinStrategy, calibration_error, reliability_curve};
use mlops_audit::compare::{
    BootstrapMetric, BootstrapParams, delong, mcnemar_from_predictions, paired_bootstrap,
};
use mlops_audit::datasets::{Lending, LendingDrift, german_credit, simulate_lending};
use mlops_audit::drift::report::AlertStatus;
use mlops_audit::drift::table::Table;
use mlops_audit::drift::{DriftMonitor, MonitorConfig, ProfileParams, ReferenceProfile};
use mlops_audit::fairness::{AuditParams, Decision, ThresholdSearch, audit, uniform_from_seed};
use mlops_audit::gate::{Evidence, Requirements, evaluate};
use mlops_audit::{BinaryTask, CostMatrix, Groups, SortedCounts};
use serde_json::Value;

type Res = Result<(), Box<dyn std::error::Error>>;

/// A fresh directory for one test's files.
fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::create_dir_all(&d);
    d
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mlops-audit"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run mlops-audit: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            r.stdout, r.stderr
        )
    })
}

fn value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn lending_batch(l: &Lending) -> RecordBatch {
    let mut cols: Vec<(&str, ArrayRef)> = l
        .numeric()
        .into_iter()
        .map(|(n, v)| (n, Arc::new(Float64Array::from(v.to_vec())) as ArrayRef))
        .collect();
    for (n, v) in l.categorical() {
        cols.push((n, Arc::new(StringArray::from(v.to_vec()))));
    }
    cols.push((
        "default",
        Arc::new(Int64Array::from(
            l.default.iter().map(|&y| i64::from(y)).collect::<Vec<_>>(),
        )),
    ));
    cols.push((
        "champion_score",
        Arc::new(Float64Array::from(l.champion_score.clone())),
    ));
    cols.push((
        "challenger_score",
        Arc::new(Float64Array::from(l.challenger_score.clone())),
    ));
    RecordBatch::try_from_iter(cols).unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `batch` in the format of `path`'s extension.
fn write(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let r: Result<(), Box<dyn std::error::Error>> = (|| {
        match ext {
            "csv" => arrow_csv::Writer::new(file).write(batch)?,
            "parquet" => {
                // polars writes Zstandard by default (pandas/pyarrow: Snappy).
                let props = path.to_string_lossy().contains("zstd").then(|| {
                    parquet::file::properties::WriterProperties::builder()
                        .set_compression(parquet::basic::Compression::ZSTD(
                            parquet::basic::ZstdLevel::default(),
                        ))
                        .build()
                });
                let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), props)?;
                w.write(batch)?;
                w.close()?;
            }
            "arrow" => {
                // pyarrow writes Feather (IPC) files with LZ4 by default.
                let options = arrow_ipc::writer::IpcWriteOptions::default().try_with_compression(
                    path.to_string_lossy()
                        .contains("lz4")
                        .then_some(arrow_ipc::CompressionType::LZ4_FRAME),
                )?;
                let mut w = arrow_ipc::writer::FileWriter::try_new_with_options(
                    file,
                    &batch.schema(),
                    options,
                )?;
                w.write(batch)?;
                w.finish()?;
            }
            _ => {
                let mut w = arrow_ipc::writer::StreamWriter::try_new(file, &batch.schema())?;
                w.write(batch)?;
                w.finish()?;
            }
        }
        Ok(())
    })();
    r.unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

#[test]
fn audit_matches_the_library_in_every_format() -> Res {
    let d = dir("audit");
    let l = simulate_lending(3000, 11, LendingDrift::None);
    let batch = lending_batch(&l);
    let task = BinaryTask::new(&l.challenger_score[..], &l.default[..])?;
    let groups = Groups::from_strs("ethnicity", &l.ethnicity)?;
    let expected = audit(
        &task,
        &groups,
        Decision::Threshold(0.2),
        AuditParams::default(),
    )?
    .with_bootstrap(&task, &groups, Decision::Threshold(0.2), 200, 0.9, 3)?;
    for ext in [
        "csv",
        "parquet",
        "zstd.parquet",
        "arrow",
        "lz4.arrow",
        "arrows",
    ] {
        let path = d.join(format!("loans.{ext}"));
        write(&path, &batch);
        let r = run(&[
            "audit",
            s(&path),
            "--label",
            "default",
            "--score",
            "challenger_score",
            "--group",
            "ethnicity",
            "--threshold",
            "0.2",
            "--bootstrap",
            "200",
            "--level",
            "0.9",
            "--seed",
            "3",
            "--json",
        ]);
        assert_eq!(json(&r), value(&expected), "{ext}");
        let want = if expected.passed == Some(true) { 0 } else { 1 };
        assert_eq!(r.code, want, "{ext}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{ext}: stderr not quiet: {}", r.stderr);
    }
    // Sample weights from a column.
    let weighted = task.clone().with_weights(&l.income[..])?;
    let expected = audit(
        &weighted,
        &groups,
        Decision::Threshold(0.2),
        AuditParams::default(),
    )?;
    let r = run(&[
        "audit",
        s(&d.join("loans.csv")),
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--threshold",
        "0.2",
        "--weight",
        "income",
        "--json",
    ]);
    assert_eq!(json(&r), value(&expected));
    // Without --threshold: the cost-optimal 1/6 for the default 5:1 costs.
    let r = run(&[
        "audit",
        s(&d.join("loans.parquet")),
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--json",
    ]);
    let bayes = CostMatrix::default().bayes_threshold();
    let expected = audit(
        &task,
        &groups,
        Decision::Threshold(bayes),
        AuditParams::default(),
    )?;
    assert_eq!(json(&r), value(&expected));
    Ok(())
}

#[test]
fn fit_apply_and_audit_a_policy() -> Res {
    let d = dir("fit");
    let train = simulate_lending(4000, 21, LendingDrift::None);
    let test = simulate_lending(3000, 22, LendingDrift::None);
    let (train_path, test_path) = (d.join("train.parquet"), d.join("test.csv"));
    write(&train_path, &lending_batch(&train));
    write(&test_path, &lending_batch(&test));
    let policy_path = d.join("policy.json");
    let r = run(&[
        "fit",
        s(&train_path),
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--tolerance",
        "0.02",
        "--out",
        s(&policy_path),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let task = BinaryTask::new(&train.challenger_score[..], &train.default[..])?;
    let groups = Groups::from_strs("ethnicity", &train.ethnicity)?;
    let policy = ThresholdSearch::new().tolerance(0.02).fit(&task, &groups)?;
    assert_eq!(json(&r), value(&policy));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&policy_path)?)?;
    assert_eq!(written, value(&policy));

    // apply: the decisions as JSON and as a file.
    let test_groups = Groups::from_strs("ethnicity", &test.ethnicity)?;
    let flags = policy.predict(&test.challenger_score[..], &test_groups, None, |i| {
        uniform_from_seed(0, i)
    })?;
    let out = d.join("decisions.parquet");
    let r = run(&[
        "apply",
        s(&test_path),
        "--policy",
        s(&policy_path),
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--out",
        s(&out),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r), value(&flags));
    let file = std::fs::File::open(&out)?;
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
    let mut written = Vec::new();
    for b in reader {
        let b = b?;
        let col = b
            .column_by_name("flagged")
            .and_then(|c| {
                c.as_any()
                    .downcast_ref::<arrow_array::BooleanArray>()
                    .cloned()
            })
            .ok_or("no boolean column `flagged`")?;
        written.extend(col.iter().map(|v| v.unwrap_or(false)));
        assert!(b.column_by_name("income").is_some());
    }
    assert_eq!(written, flags);

    // A randomized policy: rows draw uniform_from_seed(seed, row) at their rule's boundary.
    let random_path = d.join("random.json");
    let r = run(&[
        "fit",
        s(&train_path),
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--tolerance",
        "0",
        "--randomized",
        "--out",
        s(&random_path),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let random = ThresholdSearch::new()
        .tolerance(0.0)
        .randomized(true)
        .fit(&task, &groups)?;
    assert!(random.groups.iter().any(|g| g.rule.is_randomized()));
    let expected = random.predict(&test.challenger_score[..], &test_groups, None, |i| {
        uniform_from_seed(9, i)
    })?;
    let r = run(&[
        "apply",
        s(&test_path),
        "--policy",
        s(&random_path),
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--seed",
        "9",
        "--json",
    ]);
    assert_eq!(json(&r), value(&expected));
    let test_task0 = BinaryTask::new(&test.challenger_score[..], &test.default[..])?;
    let expected_audit = audit(
        &test_task0,
        &test_groups,
        Decision::Predictions(&expected),
        AuditParams::default(),
    )?;
    let r = run(&[
        "audit",
        s(&test_path),
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--policy",
        s(&random_path),
        "--draw-seed",
        "9",
        "--json",
    ]);
    assert_eq!(json(&r), value(&expected_audit));

    // audit with the policy: its per-group thresholds.
    let test_task = BinaryTask::new(&test.challenger_score[..], &test.default[..])?;
    let thresholds: Vec<f64> = test_groups
        .keys()
        .iter()
        .map(|k| policy.rule_for(k).map_or(f64::NAN, |r| r.threshold))
        .collect();
    let expected = audit(
        &test_task,
        &test_groups,
        Decision::PerGroup(&thresholds),
        AuditParams::default(),
    )?;
    let r = run(&[
        "audit",
        s(&test_path),
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
        "--policy",
        s(&policy_path),
        "--json",
    ]);
    assert_eq!(json(&r), value(&expected));
    assert_eq!(r.code, if expected.passed == Some(true) { 0 } else { 1 });
    Ok(())
}

fn features(l: &Lending) -> RecordBatch {
    let b = lending_batch(l);
    let keep: Vec<usize> = (0..10).collect(); // the numeric and categorical features
    b.project(&keep).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn profile_and_drift_match_the_library() -> Res {
    let d = dir("drift");
    let train = simulate_lending(4000, 31, LendingDrift::None);
    let train_batch = lending_batch(&train);
    let train_path = d.join("train.arrow");
    write(&train_path, &train_batch);
    let profile_path = d.join("profile.json");
    let r = run(&[
        "profile",
        s(&train_path),
        "--exclude",
        "default,champion_score,challenger_score",
        "--out",
        s(&profile_path),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let profile = ReferenceProfile::from_table(
        &Table::from_record_batch(&features(&train))?,
        &ProfileParams::default(),
    )?;
    assert_eq!(
        json(&r),
        serde_json::from_str::<Value>(&profile.to_json()?)?
    );

    for (scenario, seed) in [(LendingDrift::None, 32), (LendingDrift::Downturn, 33)] {
        let live = simulate_lending(3000, seed, scenario);
        let path = d.join(format!("live-{seed}.parquet"));
        write(&path, &lending_batch(&live));
        let r = run(&["drift", s(&path), "--profile", s(&profile_path), "--json"]);
        let monitor = DriftMonitor::new(profile.clone(), MonitorConfig::default())?;
        let whole = lending_batch(&live);
        monitor.ingest(&Table::from_record_batch(&whole)?)?;
        let expected = monitor.evaluate()?;
        assert_eq!(
            json(&r),
            serde_json::from_str::<Value>(&expected.to_json()?)?
        );
        let want = if expected.status == AlertStatus::Alert {
            1
        } else {
            0
        };
        assert_eq!(r.code, want, "{scenario:?}: {}", r.stderr);
        if scenario == LendingDrift::Downturn {
            assert_eq!(r.code, 1, "a downturn must raise a drift alert");
        }
    }
    Ok(())
}

#[test]
fn compare_matches_the_library() -> Res {
    let d = dir("compare");
    let l = simulate_lending(3000, 41, LendingDrift::None);
    let path = d.join("loans.csv");
    write(&path, &lending_batch(&l));
    let r = run(&[
        "compare",
        s(&path),
        "--label",
        "default",
        "--champion",
        "champion_score",
        "--challenger",
        "challenger_score",
        "--bootstrap",
        "200",
        "--seed",
        "5",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = CostMatrix::default().bayes_threshold();
    let dl = delong(
        &l.default[..],
        &l.champion_score[..],
        &l.challenger_score[..],
        0.95,
    )?;
    let flag = |s: &[f64]| s.iter().map(|&v| v >= t).collect::<Vec<bool>>();
    let m = mcnemar_from_predictions(
        &l.default[..],
        &flag(&l.champion_score)[..],
        &flag(&l.challenger_score)[..],
        true,
        true,
    )?;
    let params = BootstrapParams::new(
        BootstrapMetric::Cost {
            cost: CostMatrix::default(),
            thresholds: [t, t],
        },
        200,
        5,
        0.95,
    )?;
    let b = paired_bootstrap(
        &l.default[..],
        &l.champion_score[..],
        &l.challenger_score[..],
        None,
        None,
        &params,
    )?;
    let expected = serde_json::json!({
        "delong": value(&dl), "threshold": t, "mcnemar": value(&m), "bootstrap": value(&b),
    });
    assert_eq!(json(&r), expected);
    Ok(())
}

/// The loan audit's gate: the challenger with its fair thresholds, against the champion,
/// with the drift of a production window; evidence and verdicts as the library gives them.
#[test]
fn gate_and_report_follow_the_library() -> Res {
    let d = dir("gate");
    let train = simulate_lending(6000, 51, LendingDrift::None);
    let test = simulate_lending(4000, 52, LendingDrift::None);
    let live = simulate_lending(4000, 53, LendingDrift::None);
    let paths = [
        d.join("train.parquet"),
        d.join("test.parquet"),
        d.join("live.csv"),
    ];
    for (p, l) in paths.iter().zip([&train, &test, &live]) {
        write(p, &lending_batch(l));
    }
    let policy_path = d.join("policy.json");
    let profile_path = d.join("profile.json");
    let common = [
        "--label",
        "default",
        "--score",
        "challenger_score",
        "--group",
        "ethnicity",
    ];
    let mut fit = vec!["fit", s(&paths[0])];
    fit.extend(common);
    fit.extend(["--tolerance", "0.02", "--out", s(&policy_path)]);
    assert_eq!(run(&fit).code, 0);
    let r = run(&[
        "profile",
        s(&paths[0]),
        "--exclude",
        "default,champion_score,challenger_score",
        "--out",
        s(&profile_path),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("loan_audit_requirements.toml");
    let mut gate = vec!["gate", "--requirements", s(&requirements), s(&paths[1])];
    gate.extend(common);
    gate.extend([
        "--policy",
        s(&policy_path),
        "--champion",
        "champion_score",
        "--profile",
        s(&profile_path),
        "--production",
        s(&paths[2]),
        "--json",
    ]);
    let r = run(&gate);

    // The same evidence, in-process.
    let policy: mlops_audit::fairness::ThresholdPolicy =
        serde_json::from_str(&std::fs::read_to_string(&policy_path)?)?;
    let task = BinaryTask::new(&test.challenger_score[..], &test.default[..])?;
    let groups = Groups::from_strs("ethnicity", &test.ethnicity)?;
    let thresholds: Vec<f64> = groups
        .keys()
        .iter()
        .map(|k| policy.rule_for(k).map_or(f64::NAN, |r| r.threshold))
        .collect();
    let a = audit(
        &task,
        &groups,
        Decision::PerGroup(&thresholds),
        AuditParams::default(),
    )?;
    let cost = CostMatrix::default();
    let c = &a.overall.confusion;
    let profile = ReferenceProfile::from_json(&std::fs::read_to_string(&profile_path)?)?;
    let monitor = DriftMonitor::new(profile, MonitorConfig::default())?;
    let live_batch = lending_batch(&live);
    monitor.ingest(&Table::from_record_batch(&live_batch)?)?;
    let drift = monitor.evaluate()?;
    let evidence = Evidence {
        fpr_gap: a.max_gap,
        auc: Some(SortedCounts::new(&task).roc_auc()?),
        ece: Some(calibration_error(&reliability_curve(&task, 10, BinStrategy::Uniform)?).0),
        cost_per_decision: Some(cost.total_cost(c) / (c.tp + c.fp + c.tn + c.fn_)),
        challenger_worse_pvalue: delong(
            &test.default[..],
            &test.champion_score[..],
            &test.challenger_score[..],
            0.95,
        )?
        .pvalue_less,
        drift_alerts: Some(if drift.status == AlertStatus::Alert {
            drift.reasons.clone()
        } else {
            vec![]
        }),
    };
    let req = Requirements::from_toml(&std::fs::read_to_string(&requirements)?)?;
    let verdict = evaluate(&req, &evidence)?;
    let got = json(&r);
    assert_eq!(got["evidence"], value(&evidence));
    assert_eq!(got["gate"], value(&verdict));
    assert_eq!(r.code, if verdict.passed { 0 } else { 1 }, "{}", r.stderr);

    // A requirement the model cannot meet fails the gate: exit 1, the failure printed.
    let strict = d.join("strict.json");
    std::fs::write(&strict, r#"{"min_auc": 0.99}"#)?;
    let mut g = vec!["gate", "--requirements", s(&strict), s(&paths[1])];
    g.extend(common);
    let r = run(&g);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("[FAIL] min_auc"), "{}", r.stdout);

    // The report: written files, and the same gate.
    let out = d.join("report");
    let mut rep = vec!["report", "--requirements", s(&requirements), s(&paths[1])];
    rep.extend(common);
    rep.extend([
        "--policy",
        s(&policy_path),
        "--champion",
        "champion_score",
        "--profile",
        s(&profile_path),
        "--production",
        s(&paths[2]),
        "--out",
        s(&out),
    ]);
    let r = run(&rep);
    assert_eq!(r.code, if verdict.passed { 0 } else { 1 }, "{}", r.stderr);
    let html = std::fs::read_to_string(out.join("report.html"))?;
    assert!(html.contains("<svg"));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json"))?)?;
    assert_eq!(report["gate"], value(&verdict));
    Ok(())
}

/// The German credit data (real, shipped under data/): an intersectional audit (sex x age
/// group) of a fixed score, and the drift of the second half against the first.
#[test]
fn german_credit_audit_and_drift() -> Res {
    let d = dir("german");
    let g = german_credit()?;
    let duration = g.numeric("duration").ok_or("duration")?;
    let amount = g.numeric("credit_amount").ok_or("credit_amount")?;
    // A fixed score rising with duration and amount (any score will do: the test compares
    // the command with the library on the same score).
    let score: Vec<f64> = duration
        .iter()
        .zip(amount)
        .map(|(&m, &a)| 1.0 / (1.0 + (-(0.04 * m + 0.0001 * a - 2.0)).exp()))
        .collect();
    let mut cols: Vec<(&str, ArrayRef)> = g
        .numeric
        .iter()
        .map(|(n, v)| (*n, Arc::new(Float64Array::from(v.clone())) as ArrayRef))
        .collect();
    for (n, v) in g.categorical.iter().chain(&g.sensitive) {
        cols.push((n, Arc::new(StringArray::from(v.clone()))));
    }
    cols.push((
        "bad_loan",
        Arc::new(Int64Array::from(
            g.target.iter().map(|&y| i64::from(y)).collect::<Vec<_>>(),
        )),
    ));
    cols.push(("score", Arc::new(Float64Array::from(score.clone()))));
    let batch = RecordBatch::try_from_iter(cols)?;
    let path = d.join("german.csv");
    write(&path, &batch);
    let r = run(&[
        "audit",
        s(&path),
        "--label",
        "bad_loan",
        "--score",
        "score",
        "--group",
        "sex",
        "--group",
        "age_group",
        "--threshold",
        "0.3",
        "--json",
    ]);
    let task = BinaryTask::new(&score[..], &g.target[..])?;
    let sex = mlops_audit::GroupColumn::from_strs("sex", g.categorical("sex").ok_or("sex")?)?;
    let age = mlops_audit::GroupColumn::from_strs(
        "age_group",
        g.categorical("age_group").ok_or("age_group")?,
    )?;
    let groups = Groups::new(vec![sex, age])?;
    let expected = audit(
        &task,
        &groups,
        Decision::Threshold(0.3),
        AuditParams::default(),
    )?;
    assert_eq!(expected.groups.len(), 4);
    assert_eq!(json(&r), value(&expected));
    assert_eq!(r.code, if expected.passed == Some(true) { 0 } else { 1 });

    // Drift: the second 500 applicants against a profile of the first 500.
    let (first, second) = (batch.slice(0, 500), batch.slice(500, 500));
    let (p1, p2) = (d.join("first.parquet"), d.join("second.arrows"));
    write(&p1, &first);
    write(&p2, &second);
    let profile_path = d.join("profile.json");
    let r = run(&[
        "profile",
        s(&p1),
        "--exclude",
        "bad_loan,score",
        "--out",
        s(&profile_path),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["drift", s(&p2), "--profile", s(&profile_path), "--json"]);
    let keep: Vec<usize> = (0..batch.num_columns() - 2).collect();
    let profile = ReferenceProfile::from_table(
        &Table::from_record_batch(&first.project(&keep)?)?,
        &ProfileParams::default(),
    )?;
    let monitor = DriftMonitor::new(profile, MonitorConfig::default())?;
    monitor.ingest(&Table::from_record_batch(&second)?)?;
    let expected = monitor.evaluate()?;
    assert_eq!(
        json(&r),
        serde_json::from_str::<Value>(&expected.to_json()?)?
    );
    assert_eq!(
        r.code,
        if expected.status == AlertStatus::Alert {
            1
        } else {
            0
        }
    );
    Ok(())
}

/// Exit status 2 and one line on stderr naming the culprit.
fn assert_bad(r: &Run, culprits: &[&str]) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "not one line: {:?}", r.stderr);
    assert!(r.stderr.starts_with("mlops-audit: error: "), "{}", r.stderr);
    for c in culprits {
        assert!(r.stderr.contains(c), "{:?} does not name {c:?}", r.stderr);
    }
    assert!(r.stdout.is_empty(), "stdout: {}", r.stdout);
}

#[test]
fn bad_inputs_exit_2_with_one_line_naming_the_culprit() -> Res {
    let d = dir("bad");
    let csv = |name: &str, text: &str| -> PathBuf {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    };
    let audit_of = |p: &Path| {
        run(&[
            "audit",
            s(p),
            "--label",
            "y",
            "--score",
            "s",
            "--group",
            "g",
            "--threshold",
            "0.5",
        ])
    };
    let good = csv("good.csv", "y,s,g\n0,0.1,a\n1,0.9,a\n0,0.2,b\n1,0.7,b\n");
    assert!(audit_of(&good).code < 2);

    let missing = d.join("nowhere.csv");
    assert_bad(&audit_of(&missing), &["nowhere.csv"]);
    assert_bad(&audit_of(&csv("empty.csv", "")), &["empty.csv", "empty"]);
    assert_bad(
        &audit_of(&csv("header.csv", "y,s,g\n")),
        &["header.csv", "no rows"],
    );
    assert_bad(
        &audit_of(&csv("nocol.csv", "y,score,g\n0,0.1,a\n1,0.9,b\n")),
        &["nocol.csv", "`s`", "y, score, g"],
    );
    assert_bad(
        &audit_of(&csv("text.csv", "y,s,g\n0,0.1,a\n1,abc,b\n")),
        &["text.csv", "`s`", "row 1", "\"abc\"", "not a number"],
    );
    assert_bad(
        &audit_of(&csv("hole.csv", "y,s,g\n0,0.1,a\n1,,b\n0,0.3,b\n")),
        &["hole.csv", "`s`", "row 1", "missing"],
    );
    assert_bad(
        &audit_of(&csv("label.csv", "y,s,g\n0,0.1,a\n2,0.9,b\n")),
        &["label.csv", "`y`", "row 1", "0 or 1"],
    );
    assert_bad(
        &audit_of(&csv("nogroup.csv", "y,s,g\n0,0.1,a\n1,0.9,\n")),
        &["nogroup.csv", "`g`", "row 1"],
    );
    assert_bad(
        &run(&[
            "audit",
            s(&good),
            "--label",
            "y",
            "--score",
            "s",
            "--group",
            "g",
            "--bogus",
        ]),
        &["--bogus"],
    );
    assert_bad(
        &run(&["audit", s(&good), "--score", "s", "--group", "g"]),
        &["--label"],
    );
    assert_bad(&run(&["frobnicate"]), &["frobnicate"]);
    assert_bad(&run(&[]), &["no command"]);
    assert_bad(
        &run(&[
            "gate",
            "--requirements",
            s(&csv("req.toml", "max_fpr_gapp = 0.1\n")),
            s(&good),
            "--label",
            "y",
            "--score",
            "s",
            "--group",
            "g",
        ]),
        &["req.toml", "max_fpr_gapp"],
    );
    assert_bad(
        &run(&["drift", s(&good), "--profile", s(&good)]),
        &["good.csv"],
    );
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("gate"));
    Ok(())
}
