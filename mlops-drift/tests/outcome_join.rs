//! Outcomes joined to predictions: every counter exact, by hand and against a naive model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;

use mlops_core::CostMatrix;
use mlops_drift::events::outcome::JoinStatus;
use mlops_drift::events::{
    EventSchema, EventWriter, FeatureKind, FeatureValue, JoinConfig, JoinCounters, Outcome,
    OutcomeCounts, OutcomeJoiner, PredictionEvent, PredictionRecord, WriterConfig,
};
use proptest::prelude::*;

fn p(id: &str, time_us: i64, group: Option<&str>, decision: bool) -> PredictionRecord {
    PredictionRecord {
        request_id: id.into(),
        time_us,
        group: group.map(Into::into),
        decision,
    }
}

fn o(id: &str, label: bool) -> Outcome {
    Outcome {
        request_id: id.into(),
        label,
    }
}

#[test]
fn duplicates_unknowns_and_evictions_are_counted_exactly() {
    let mut j = OutcomeJoiner::new(JoinConfig {
        capacity: 2,
        ..JoinConfig::default()
    })
    .unwrap();
    assert!(j.record_prediction(p("a", 0, Some("A"), true)));
    assert!(j.record_prediction(p("b", 0, Some("A"), false)));
    assert!(!j.record_prediction(p("a", 5, Some("B"), false))); // duplicate: first kept
    assert_eq!(j.record_outcome(&o("a", false)), JoinStatus::Joined);
    assert_eq!(j.record_outcome(&o("a", true)), JoinStatus::Duplicate);
    assert!(j.record_prediction(p("c", 0, None, true))); // evicts a (joined)
    assert!(j.record_prediction(p("d", 0, None, true))); // evicts b (not joined)
    assert_eq!(j.record_outcome(&o("a", true)), JoinStatus::Unknown); // evicted
    assert_eq!(j.record_outcome(&o("zz", true)), JoinStatus::Unknown); // never seen
    assert_eq!(j.record_outcome(&o("d", true)), JoinStatus::Joined);
    assert_eq!(
        j.counters(),
        JoinCounters {
            predictions: 5,
            indexed: 4,
            duplicate_predictions: 1,
            evicted: 2,
            evicted_unjoined: 1,
            outcomes: 5,
            joined: 2,
            unknown_outcomes: 2,
            duplicate_outcomes: 1,
        }
    );
    assert_eq!(j.len(), 2);
    // "a" joined as the first prediction said: flagged, group A, label false: a false
    // positive; the duplicate outcome did not count.
    let t = j.tallies();
    assert_eq!(
        t[&0][&Some("A".to_owned())],
        OutcomeCounts {
            fp: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        t[&0][&None],
        OutcomeCounts {
            tp: 1,
            ..Default::default()
        }
    );
}

#[test]
fn realised_fpr_and_cost_per_group_and_window() {
    let day = 86_400_000_000_i64;
    let mut j = OutcomeJoiner::new(JoinConfig {
        window_us: day,
        ..JoinConfig::default()
    })
    .unwrap();
    // Day 0, group A: TP 2, FP 1, TN 3, FN 1. Group B: TN 2, TP 1.
    let rows: [(&str, bool, bool); 10] = [
        ("A", true, true),
        ("A", true, true),
        ("A", true, false),
        ("A", false, false),
        ("A", false, false),
        ("A", false, false),
        ("A", false, true),
        ("B", false, false),
        ("B", false, false),
        ("B", true, true),
    ];
    for (k, (g, d, l)) in rows.iter().enumerate() {
        let id = format!("r{k}");
        j.record_prediction(p(&id, 1000 + k as i64, Some(g), *d));
        j.record_outcome(&o(&id, *l));
    }
    // Day 1 (and day -1: times before the epoch), one false positive each.
    j.record_prediction(p("late", day + 5, Some("A"), true));
    j.record_outcome(&o("late", false));
    j.record_prediction(p("early", -1, Some("B"), true));
    j.record_outcome(&o("early", false));
    let w = j.realised().unwrap();
    assert_eq!(
        w.iter().map(|w| w.index).collect::<Vec<_>>(),
        vec![-1, 0, 1]
    );
    assert_eq!((w[0].start_us, w[0].end_us), (-day, 0));
    let d0 = &w[1];
    let a = &d0.groups[0];
    assert_eq!(a.group.as_deref(), Some("A"));
    assert_eq!(
        a.counts,
        OutcomeCounts {
            tp: 2,
            fp: 1,
            tn: 3,
            fn_: 1
        }
    );
    assert_eq!(a.fpr, Some(0.25));
    assert_eq!(a.tpr, Some(2.0 / 3.0));
    assert_eq!(a.total_cost, 5.0 * 1.0 + 1.0 * 1.0);
    assert_eq!(a.mean_cost, Some(6.0 / 7.0));
    let b = &d0.groups[1];
    assert_eq!(b.fpr, Some(0.0));
    assert_eq!(b.total_cost, 0.0);
    assert_eq!(d0.fpr_gap, Some(0.25));
    assert_eq!(
        d0.overall.counts,
        OutcomeCounts {
            tp: 3,
            fp: 1,
            tn: 5,
            fn_: 1
        }
    );
    assert_eq!(d0.overall.fpr, Some(1.0 / 6.0));
    assert_eq!(d0.overall.total_cost, 6.0);
    // A window where a group has no negatives: FPR undefined, not 0.
    let d1 = &w[2];
    assert_eq!(d1.groups.len(), 1);
    assert_eq!(d1.fpr_gap, None);
    // Another cost matrix.
    let mut j2 = OutcomeJoiner::new(JoinConfig {
        cost: CostMatrix::new(10.0, 2.0).unwrap(),
        ..JoinConfig::default()
    })
    .unwrap();
    j2.record_prediction(p("x", 0, None, false));
    j2.record_outcome(&o("x", true));
    let r = j2.realised().unwrap();
    assert_eq!(r[0].overall.total_cost, 10.0);
    assert_eq!(r[0].overall.fpr, None);
}

#[test]
fn bad_settings_are_refused() {
    assert!(
        OutcomeJoiner::new(JoinConfig {
            capacity: 0,
            ..JoinConfig::default()
        })
        .is_err()
    );
    assert!(
        OutcomeJoiner::new(JoinConfig {
            window_us: 0,
            ..JoinConfig::default()
        })
        .is_err()
    );
}

#[test]
fn joins_from_the_event_log() {
    let dir = std::env::temp_dir().join(format!("mlops-join-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let schema = EventSchema::new(vec![("x".into(), FeatureKind::Numeric)]).unwrap();
    let w = EventWriter::open(&dir, schema, WriterConfig::default()).unwrap();
    for i in 0..50_i64 {
        w.append(PredictionEvent {
            time_us: i,
            model_id: "m".into(),
            model_version: "1".into(),
            request_id: format!("id{i}"),
            features: vec![FeatureValue::Numeric(i as f64)],
            score: 0.5,
            decision: i % 2 == 0,
            policy_rule: "r".into(),
            group: Some(if i < 25 { "A" } else { "B" }.into()),
            action: "a".into(),
            explanation: None,
        })
        .unwrap();
    }
    w.close().unwrap();
    let (mut j, report) = OutcomeJoiner::from_log(&dir, "events", JoinConfig::default()).unwrap();
    assert_eq!(report.events(), 50);
    for i in 0..60 {
        j.record_outcome(&o(&format!("id{i}"), false));
    }
    let c = j.counters();
    assert_eq!((c.indexed, c.joined, c.unknown_outcomes), (50, 50, 10));
    let r = j.realised().unwrap();
    // Every outcome negative: FPR = share flagged = 13/25 in A (0, 2, ..., 24), 12/25 in B.
    assert_eq!(r[0].groups[0].fpr, Some(13.0 / 25.0));
    assert_eq!(r[0].groups[1].fpr, Some(12.0 / 25.0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The obvious implementation: a list in insertion order, linear scans.
#[derive(Default)]
struct Naive {
    items: Vec<(String, i64, Option<String>, bool, bool)>,
    c: JoinCounters,
    tallies: HashMap<(i64, Option<String>), OutcomeCounts>,
}

#[derive(Debug, Clone)]
enum Op {
    Predict(u8, i64, Option<u8>, bool),
    Outcome(u8, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            0u8..12,
            -20i64..20,
            proptest::option::of(0u8..3),
            any::<bool>()
        )
            .prop_map(|(i, t, g, d)| Op::Predict(i, t, g, d)),
        (0u8..14, any::<bool>()).prop_map(|(i, l)| Op::Outcome(i, l)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn joiner_matches_a_naive_model(
        ops in proptest::collection::vec(op(), 0..120),
        capacity in 1usize..8,
        window_us in 1i64..7,
    ) {
        let mut j = OutcomeJoiner::new(JoinConfig { capacity, window_us, ..JoinConfig::default() }).unwrap();
        let mut n = Naive::default();
        for op in &ops {
            match op {
                Op::Predict(i, t, g, d) => {
                    let id = format!("r{i}");
                    let g = g.map(|g| format!("g{g}"));
                    j.record_prediction(p(&id, *t, g.as_deref(), *d));
                    n.c.predictions += 1;
                    if n.items.iter().any(|x| x.0 == id) {
                        n.c.duplicate_predictions += 1;
                    } else {
                        if n.items.len() == capacity {
                            let old = n.items.remove(0);
                            n.c.evicted += 1;
                            if !old.4 {
                                n.c.evicted_unjoined += 1;
                            }
                        }
                        n.items.push((id, *t, g, *d, false));
                        n.c.indexed += 1;
                    }
                }
                Op::Outcome(i, l) => {
                    let id = format!("r{i}");
                    j.record_outcome(&o(&id, *l));
                    n.c.outcomes += 1;
                    match n.items.iter_mut().find(|x| x.0 == id) {
                        None => n.c.unknown_outcomes += 1,
                        Some(x) if x.4 => n.c.duplicate_outcomes += 1,
                        Some(x) => {
                            x.4 = true;
                            n.c.joined += 1;
                            let w = (x.1 as f64 / window_us as f64).floor() as i64;
                            let t = n.tallies.entry((w, x.2.clone())).or_default();
                            match (x.3, *l) {
                                (true, true) => t.tp += 1,
                                (true, false) => t.fp += 1,
                                (false, false) => t.tn += 1,
                                (false, true) => t.fn_ += 1,
                            }
                        }
                    }
                }
            }
        }
        let c = j.counters();
        prop_assert_eq!(c, n.c);
        prop_assert_eq!(c.outcomes, c.joined + c.unknown_outcomes + c.duplicate_outcomes);
        prop_assert_eq!(c.predictions, c.indexed + c.duplicate_predictions);
        prop_assert_eq!(j.len(), n.items.len());
        let mut got = HashMap::new();
        for (w, groups) in j.tallies() {
            for (g, t) in groups {
                got.insert((*w, g.clone()), *t);
            }
        }
        prop_assert_eq!(got, n.tallies);
        // The realised windows add up to the joined rows.
        let total: u64 = j
            .realised()
            .unwrap()
            .iter()
            .map(|w| w.overall.counts.tp + w.overall.counts.fp + w.overall.counts.tn + w.overall.counts.fn_)
            .sum();
        prop_assert_eq!(total, c.joined);
    }
}
