//! The monitor's service surface: counters without tests, the last evaluation, and the
//! bounded, mergeable history of evaluations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use mlops_core::{GroupKey, GroupValue};
use mlops_drift::monitor::history::{FeatureEvaluation, GroupEvaluation};
use mlops_drift::report::{ServiceCounters, WindowInfo};
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{
    AlertStatus, DriftMonitor, EvaluationHistory, MonitorConfig, PredictionSpec, ProfileParams,
    ReferenceProfile, Window, WindowEvaluation,
};
use proptest::prelude::*;

fn profile() -> ReferenceProfile {
    let x: Vec<f64> = (0..300).map(|i| f64::from(i % 50)).collect();
    let pred: Vec<f64> = (0..300).map(|i| f64::from(i % 4 == 0)).collect();
    let grp: Vec<Option<&str>> = (0..300).map(|i| Some(["A", "B", "C"][i % 3])).collect();
    let t = Table::new(vec![
        ("x".into(), ColumnData::numeric(&x)),
        ("pred".into(), ColumnData::numeric(&pred)),
        ("grp".into(), ColumnData::categorical(&grp)),
    ])
    .unwrap();
    ReferenceProfile::from_table(
        &t,
        &ProfileParams {
            group_columns: vec!["grp".into()],
            prediction: Some(PredictionSpec {
                column: "pred".into(),
                threshold: None,
            }),
            ..ProfileParams::default()
        },
    )
    .unwrap()
}

/// Batch `(thread, k)`: `rows` rows; row `r` is positive when `(r + k).is_multiple_of(3)`, in group
/// `["A", "B", "C"][r % 3]`.
fn batch_values(k: usize, rows: usize) -> (Vec<f64>, Vec<f64>, Vec<Option<&'static str>>) {
    let x = (0..rows).map(|r| (r % 50) as f64).collect();
    let pred = (0..rows)
        .map(|r| f64::from((r + k).is_multiple_of(3)))
        .collect();
    let grp = (0..rows).map(|r| Some(["A", "B", "C"][r % 3])).collect();
    (x, pred, grp)
}

fn key(g: &str) -> GroupKey {
    GroupKey(vec![GroupValue::Str(g.into())])
}

#[test]
fn counters_are_exact_under_concurrent_ingestion() {
    let m = Arc::new(
        DriftMonitor::new(
            profile(),
            MonitorConfig {
                window: Window::Count(500),
                shards: 3,
                ..MonitorConfig::default()
            },
        )
        .unwrap(),
    );
    assert_eq!(m.counters().requests, 0);
    let threads = 6;
    let per = 40;
    std::thread::scope(|s| {
        for t in 0..threads {
            let m = Arc::clone(&m);
            s.spawn(move || {
                for k in 0..per {
                    let rows = 1 + (t * 7 + k) % 23;
                    let (x, pred, grp) = batch_values(k, rows);
                    let batch = Table::new(vec![
                        ("x".into(), ColumnData::numeric(&x)),
                        ("pred".into(), ColumnData::numeric(&pred)),
                        ("grp".into(), ColumnData::categorical(&grp)),
                    ])
                    .unwrap();
                    m.ingest(&batch).unwrap();
                    if k % 10 == 0 {
                        // Rejected: no prediction column.
                        let bad = Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap();
                        assert!(m.ingest(&bad).is_err());
                    }
                    if k % 13 == 0 {
                        m.record_error();
                    }
                    // Reading the counters while others ingest is always consistent: the
                    // positives never exceed the rows counted.
                    let c = m.counters();
                    let p = c.predictions.unwrap();
                    assert!(p.all.total == c.rows && p.all.positives <= c.rows);
                }
            });
        }
    });
    // The exact expectation, computed independently of the monitor.
    let (mut rows, mut pos, mut by_group) = (0u64, 0u64, [(0u64, 0u64); 3]);
    for t in 0..threads {
        for k in 0..per {
            let n = 1 + (t * 7 + k) % 23;
            for r in 0..n {
                rows += 1;
                let p = u64::from((r + k).is_multiple_of(3));
                pos += p;
                by_group[r % 3].0 += p;
                by_group[r % 3].1 += 1;
            }
        }
    }
    let c = m.counters();
    assert_eq!(c.requests, (threads * per) as u64);
    assert_eq!(c.rows, rows);
    let rejected = threads * per.div_ceil(10);
    let recorded = threads * per.div_ceil(13);
    assert_eq!(c.errors, (rejected + recorded) as u64);
    let p = c.predictions.clone().unwrap();
    assert_eq!((p.all.positives, p.all.total), (pos, rows));
    for (i, g) in ["A", "B", "C"].iter().enumerate() {
        let got = p.groups[&key(g)];
        assert_eq!((got.positives, got.total), by_group[i], "group {g}");
    }
    // The same counters as an evaluation reports, which counters() did not run.
    assert!(m.last_evaluation().is_none());
    let r = m.evaluate().unwrap();
    assert_eq!(r.counters, c);
    assert_eq!(*m.last_evaluation().unwrap(), r);
}

#[test]
fn a_profile_without_predictions_has_no_prediction_counters() {
    let x: Vec<f64> = (0..100).map(f64::from).collect();
    let t = Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap();
    let m = DriftMonitor::new(
        ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap(),
        MonitorConfig::default(),
    )
    .unwrap();
    m.ingest(&t).unwrap();
    let c = m.counters();
    assert_eq!((c.requests, c.rows, c.errors), (1, 100, 0));
    assert_eq!(c.predictions, None);
}

fn ingest_rows(m: &DriftMonitor, rows: usize, t: f64) {
    let (x, pred, grp) = batch_values(0, rows);
    let batch = Table::new(vec![
        ("x".into(), ColumnData::numeric(&x)),
        ("pred".into(), ColumnData::numeric(&pred)),
        ("grp".into(), ColumnData::categorical(&grp)),
    ])
    .unwrap();
    m.ingest_at(&batch, t).unwrap();
}

#[test]
fn the_history_keeps_the_latest_windows_and_the_best_evaluation_of_each() {
    let m = DriftMonitor::new(
        profile(),
        MonitorConfig {
            window: Window::Time(10.0),
            ..MonitorConfig::default()
        },
    )
    .unwrap()
    .with_history("pod-1", 3)
    .unwrap();
    for w in 0..6 {
        let t = f64::from(w) * 10.0 + 1.0;
        ingest_rows(&m, 30, t);
        // The open window, then more rows; then, once the next window starts, complete.
        m.evaluate_at(t + 1.0).unwrap();
        ingest_rows(&m, 12, t + 2.0);
        m.evaluate_at(t + 3.0).unwrap();
    }
    m.evaluate_at(61.0).unwrap(); // window 5 complete
    let h = m.history();
    assert_eq!(h.capacity(), 3);
    let idx: Vec<u64> = h.entries().iter().map(|e| e.window.index).collect();
    assert_eq!(idx, vec![3, 4, 5]);
    for e in h.entries() {
        assert_eq!(e.replica, "pod-1");
        assert_eq!(e.window.rows, 42);
    }
    assert!(h.entries()[2].window.complete);
    let last = m.last_evaluation().unwrap();
    assert_eq!(last.window.index, 5);
    // Each entry's per-group shares are the report's.
    let g = &h.entries()[2].outputs;
    assert_eq!(g[0].group, None);
    assert_eq!(g[0].total, 42);
    let json = h.to_json().unwrap();
    assert_eq!(EvaluationHistory::from_json(&json).unwrap(), h);
}

fn entry(index: u64, replica: &str, complete: bool, rows: u64, at: f64) -> WindowEvaluation {
    WindowEvaluation {
        replica: replica.into(),
        evaluated_at: at,
        window: WindowInfo {
            kind: "time".into(),
            index,
            complete,
            rows,
            batches: 1,
            start: Some(index as f64 * 10.0),
            end: Some(index as f64 * 10.0 + 10.0),
        },
        status: AlertStatus::Ok,
        counters: ServiceCounters::default(),
        features: vec![FeatureEvaluation {
            name: "x".into(),
            test: Some("ks".into()),
            statistic: Some(0.1),
            pvalue_corrected: Some(0.5),
            effect_size: Some(0.1),
            drifted: false,
            missing_drifted: false,
        }],
        outputs: vec![GroupEvaluation {
            group: None,
            name: "(all)".into(),
            positives: rows / 2,
            total: rows,
            share: (rows > 0).then(|| (rows / 2) as f64 / rows as f64),
            low: Some(0.0),
            high: Some(1.0),
            training_share: Some(0.25),
            out_of_interval: false,
        }],
    }
}

fn history(capacity: usize, entries: &[WindowEvaluation]) -> EvaluationHistory {
    let mut h = EvaluationHistory::new(Window::Time(10.0), capacity).unwrap();
    for e in entries {
        h.record(e.clone()).unwrap();
    }
    h
}

#[test]
fn tampered_histories_are_refused_naming_the_field() {
    let h = history(
        4,
        &[entry(1, "a", true, 10, 5.0), entry(2, "a", false, 4, 6.0)],
    );
    let good = h.to_json().unwrap();
    let cases = [
        ("\"capacity\":4", "\"capacity\":0", "capacity"),
        ("\"capacity\":4", "\"capacity\":1", "entries"),
        (
            "\"positives\":5",
            "\"positives\":50",
            "entries[0].outputs[0].positives",
        ),
        (
            "\"share\":0.5",
            "\"share\":1.5",
            "entries[0].outputs[0].share",
        ),
        (
            "\"pvalue_corrected\":0.5",
            "\"pvalue_corrected\":-0.5",
            "entries[0].features[0].pvalue_corrected",
        ),
        (
            "\"window_kind\":\"time\"",
            "\"window_kind\":\"count\"",
            "entries[0].window.kind",
        ),
        ("\"index\":2", "\"index\":1", "entries[1]"),
        ("\"low\":0.0", "\"low\":null", "entries[0].outputs[0].high"),
    ];
    for (from, to, field) in cases {
        assert!(good.contains(from), "{from} not in {good}");
        let bad = good.replacen(from, to, 1);
        let err = EvaluationHistory::from_json(&bad).unwrap_err().to_string();
        assert!(err.contains(field), "{to}: {err}");
    }
    let bad = good.replacen("\"format_version\":1", "\"format_version\":9", 1);
    assert!(matches!(
        EvaluationHistory::from_json(&bad),
        Err(mlops_drift::DriftError::UnsupportedFormatVersion { found: 9, .. })
    ));
    // Different window kinds do not merge.
    let mut c = EvaluationHistory::new(Window::Count(5), 4).unwrap();
    assert!(c.merge(&h).is_err());
    assert!(EvaluationHistory::new(Window::Cumulative, 0).is_err());
}

/// The naive merge: every entry, per identity the preferred one, the `k` latest windows.
fn naive(all: &[WindowEvaluation], k: usize) -> Vec<WindowEvaluation> {
    let mut best: Vec<WindowEvaluation> = Vec::new();
    for e in all {
        match best
            .iter_mut()
            .find(|b| b.window.index == e.window.index && b.replica == e.replica)
        {
            Some(b) => {
                let better = (e.window.complete, e.window.rows, e.evaluated_at)
                    > (b.window.complete, b.window.rows, b.evaluated_at)
                    || ((e.window.complete, e.window.rows, e.evaluated_at)
                        == (b.window.complete, b.window.rows, b.evaluated_at)
                        && serde_json::to_string(e).unwrap() > serde_json::to_string(&*b).unwrap());
                if better {
                    *b = e.clone();
                }
            }
            None => best.push(e.clone()),
        }
    }
    let mut windows: Vec<u64> = best.iter().map(|e| e.window.index).collect();
    windows.sort_unstable();
    windows.dedup();
    let keep: Vec<u64> = windows.iter().rev().take(k).copied().collect();
    best.retain(|e| keep.contains(&e.window.index));
    best.sort_by(|a, b| (a.window.index, &a.replica).cmp(&(b.window.index, &b.replica)));
    best
}

fn arb_entry() -> impl Strategy<Value = WindowEvaluation> {
    (0u64..8, 0usize..3, any::<bool>(), 0u64..4, 0u8..3)
        .prop_map(|(i, r, c, rows, at)| entry(i, ["a", "b", "c"][r], c, rows, f64::from(at)))
}

fn arb_history() -> impl Strategy<Value = (usize, Vec<WindowEvaluation>)> {
    (1usize..6, proptest::collection::vec(arb_entry(), 0..12))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn merge_is_associative_commutative_idempotent_and_naive(
        a in arb_history(), b in arb_history(), c in arb_history(),
    ) {
        let (ha, hb, hc) = (history(a.0, &a.1), history(b.0, &b.1), history(c.0, &c.1));
        let merge = |x: &EvaluationHistory, y: &EvaluationHistory| {
            let mut m = x.clone();
            m.merge(y).unwrap();
            m
        };
        prop_assert_eq!(merge(&merge(&ha, &hb), &hc), merge(&ha, &merge(&hb, &hc)));
        prop_assert_eq!(merge(&ha, &hb), merge(&hb, &ha));
        prop_assert_eq!(merge(&ha, &ha), ha.clone());
        // A single history is the naive model of its entries.
        let expected = naive(&a.1, a.0);
        prop_assert_eq!(ha.entries(), expected.as_slice());
        // Merging is the naive model of everything seen, at the smallest capacity; the
        // histories were truncated before merging, which the union may not undo.
        let all: Vec<WindowEvaluation> = [a.1.clone(), b.1.clone(), c.1.clone()].concat();
        let k = a.0.min(b.0).min(c.0);
        let merged = merge(&merge(&ha, &hb), &hc);
        let expected = naive(&all, k);
        prop_assert_eq!(merged.entries(), expected.as_slice());
        // Serde round trip.
        let h = merge(&ha, &hb);
        prop_assert_eq!(EvaluationHistory::from_json(&h.to_json().unwrap()).unwrap(), h);
    }
}
