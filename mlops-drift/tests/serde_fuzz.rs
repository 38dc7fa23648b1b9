//! Deserialised drift objects are checked like inputs: fuzzing the reference profile (and
//! its sketches and column summaries) and the monitor's saved state with arbitrary JSON
//! and with edits of valid serialised objects. Whatever the payload, reading it fails with
//! an error, or gives an object that passes its own check and whose methods (merge,
//! monitoring, evaluation, quantiles) neither panic nor report invalid values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

#[path = "../../mlops-core/tests/common/json_fuzz.rs"]
mod json_fuzz;

use std::borrow::Cow;

use json_fuzz::{apply, arbitrary_json, assert_probability, edits};
use mlops_core::CoreError;
use mlops_drift::profile::{CategoricalSummary, ColumnSummary, NumericSummary};
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{
    DriftError, DriftMonitor, DriftReport, MonitorConfig, PredictionSpec, ProfileParams,
    QuantileSketch, ReferenceProfile, Window,
};
use proptest::prelude::*;
use serde::Serialize;

/// A typed error of a reader: an invalid state (or, for profiles, an unsupported version
/// or text without one).
fn assert_typed(e: &DriftError) {
    assert!(
        matches!(
            e,
            DriftError::Core(CoreError::InvalidState { .. })
                | DriftError::UnsupportedFormatVersion { .. }
                | DriftError::Serialization { .. }
        ),
        "unexpected error {e:?}"
    );
}

fn check_report(r: &DriftReport) {
    for f in &r.features {
        for p in [f.pvalue, f.pvalue_corrected].into_iter().flatten() {
            assert_probability("feature p-value", p);
        }
        for x in [f.statistic, f.effect_size, f.statistic_error_bound]
            .into_iter()
            .flatten()
        {
            assert!(x.is_finite(), "{}: {x}", f.name);
        }
        for m in [f.reference_missing_rate, f.current_missing_rate]
            .into_iter()
            .flatten()
        {
            assert_probability("missing rate", m);
        }
    }
    for o in &r.outputs {
        assert!(o.training.positives <= o.training.total);
        assert!(o.production.positives <= o.production.total);
        for x in [o.training_share, o.production_share].into_iter().flatten() {
            assert_probability("share", x);
        }
        if let Some(t) = &o.test {
            for x in [t.exact_low, t.exact_high, t.wilson_low, t.wilson_high] {
                assert_probability("interval", x);
            }
            if let Some(p) = t.pvalue {
                assert_probability("proportion p-value", p);
            }
        }
    }
}

/// A batch with every column of `p`: numbers 0/1 (and a NaN) in numeric columns,
/// "0"/"1" (and a missing entry) in categorical ones, so that a prediction column of either
/// kind reads as labels.
fn batch_values(p: &ReferenceProfile) -> Vec<(String, bool)> {
    p.columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                matches!(c.summary, ColumnSummary::Numeric(_)),
            )
        })
        .collect()
}

const NUMBERS: [f64; 5] = [0.0, 1.0, 1.0, f64::NAN, 0.0];
const TEXT: [Option<&str>; 5] = [Some("0"), Some("1"), None, Some("1"), Some("0")];

fn batch(cols: &[(String, bool)]) -> Table<'static> {
    Table::new(
        cols.iter()
            .map(|(name, numeric)| {
                let data = if *numeric {
                    ColumnData::numeric(&NUMBERS)
                } else {
                    ColumnData::Categorical(TEXT.iter().map(|t| t.map(Cow::Borrowed)).collect())
                };
                (name.clone(), data)
            })
            .collect(),
    )
    .unwrap()
}

fn check_profile(text: &str) {
    let via_serde = serde_json::from_str::<ReferenceProfile>(text).ok();
    let p = match ReferenceProfile::from_json(text) {
        Ok(p) => p,
        Err(e) => {
            assert_typed(&e);
            assert!(
                via_serde.is_none(),
                "serde accepted what from_json refused: {e}"
            );
            return;
        }
    };
    assert_eq!(via_serde.as_ref(), Some(&p));
    p.check().unwrap();
    assert_eq!(
        ReferenceProfile::from_json(&p.to_json().unwrap()).unwrap(),
        p
    );
    let mut merged = p.clone();
    match merged.merge(&p) {
        Ok(()) => {
            merged.check().unwrap();
            assert_eq!(merged.rows, 2 * p.rows);
        }
        Err(e) => assert!(matches!(e, DriftError::ProfileMismatch { .. }), "{e:?}"),
    }
    let Ok(monitor) = DriftMonitor::new(p.clone(), MonitorConfig::default()) else {
        return;
    };
    // A batch of every profiled column is accepted: the profile names no other column.
    let cols = batch_values(&p);
    monitor.ingest_at(&batch(&cols), 1.0).unwrap();
    let r = monitor.evaluate_at(1.0).unwrap();
    check_report(&r);
    let back = DriftMonitor::from_json(&monitor.to_json().unwrap()).unwrap();
    assert_eq!(back.evaluate_at(1.0).unwrap(), r);
}

fn check_sketch(text: &str) {
    let Ok(s) = serde_json::from_str::<QuantileSketch>(text) else {
        return;
    };
    let items = s.weighted_items();
    assert_eq!(items.iter().map(|i| i.1).sum::<u64>(), s.count());
    for q in [0.0, 0.01, 0.5, 0.99, 1.0] {
        if let Some(x) = s.quantile(q) {
            assert!(s.min().unwrap() <= x && x <= s.max().unwrap());
        }
    }
    let b = s.rank_error_bound(0.01);
    assert!(b.is_finite() && b >= 0.0);
    let mut m = s.clone();
    if m.merge(&s).is_ok() {
        assert_eq!(m.count(), 2 * s.count());
    }
    m.extend((0..50).map(f64::from));
    assert_eq!(
        m.weighted_items().iter().map(|i| i.1).sum::<u64>(),
        m.count()
    );
}

fn check_numeric(text: &str) {
    let Ok(s) = serde_json::from_str::<NumericSummary>(text) else {
        return;
    };
    s.check().unwrap();
    if let Some(v) = s.variance() {
        assert!(v.is_finite() && v >= 0.0);
    }
    if let Some(m) = s.missing_rate() {
        assert_probability("missing rate", m);
    }
    let mut m = s.clone();
    if m.merge(&s).is_ok() {
        assert_eq!(m.count, 2 * s.count);
    }
}

fn check_categorical(text: &str) {
    let Ok(s) = serde_json::from_str::<CategoricalSummary>(text) else {
        return;
    };
    s.check().unwrap();
    if let Some(m) = s.missing_rate() {
        assert_probability("missing rate", m);
    }
}

fn check_monitor(text: &str) {
    let m = match DriftMonitor::from_json(text) {
        Ok(m) => m,
        Err(e) => {
            assert!(
                matches!(e, DriftError::Core(CoreError::InvalidState { .. })),
                "{e:?}"
            );
            return;
        }
    };
    let r = m.evaluate_at(7.0).unwrap();
    check_report(&r);
    let back = DriftMonitor::from_json(&m.to_json().unwrap()).unwrap();
    assert_eq!(back.evaluate_at(7.0).unwrap(), r);
    let cols = batch_values(m.profile());
    for t in [7.0, 9.5] {
        m.ingest_at(&batch(&cols), t).unwrap();
        check_report(&m.evaluate_at(t).unwrap());
    }
    DriftMonitor::from_json(&m.to_json().unwrap()).unwrap();
}

/// Columns of a training table: numeric feature, categorical feature, group, prediction.
type Columns = (Vec<f64>, Vec<Option<String>>, Vec<Option<String>>, Vec<f64>);

/// Training data: a numeric feature (with NaN), a categorical one, a group and a 0/1
/// prediction.
fn table_data() -> impl Strategy<Value = Columns> {
    prop::collection::vec(
        (
            prop_oneof![
                (0u16..200).prop_map(|v| f64::from(v) / 8.0 - 5.0),
                Just(f64::NAN)
            ],
            prop::option::of(prop::sample::select(vec!["rent", "own", "other"])),
            prop::option::of(prop::sample::select(vec!["A", "B"])),
            any::<bool>(),
        ),
        1..40,
    )
    .prop_map(|rows| {
        let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (x, c, g, p) in rows {
            out.0.push(x);
            out.1.push(c.map(str::to_owned));
            out.2.push(g.map(str::to_owned));
            out.3.push(f64::from(u8::from(p)));
        }
        out
    })
}

fn profile() -> impl Strategy<Value = ReferenceProfile> {
    (
        table_data(),
        prop::sample::select(vec![3usize, 1000]),
        8u16..20,
        0u8..3,
    )
        .prop_map(|((x, c, g, p), sample_cap, sketch_k, outputs)| {
            fn cat(v: &[Option<String>]) -> ColumnData<'_> {
                ColumnData::Categorical(v.iter().map(|s| s.as_deref().map(Cow::Borrowed)).collect())
            }
            let table = Table::new(vec![
                ("x".into(), ColumnData::numeric(&x)),
                ("c".into(), cat(&c)),
                ("g".into(), cat(&g)),
                ("p".into(), ColumnData::numeric(&p)),
            ])
            .unwrap();
            let prediction = (outputs > 0).then(|| PredictionSpec {
                column: "p".into(),
                threshold: None,
            });
            let params = ProfileParams {
                sample_cap,
                sketch_k,
                seed: 7,
                group_columns: if outputs == 2 {
                    vec!["g".into()]
                } else {
                    Vec::new()
                },
                prediction,
                ..ProfileParams::default()
            };
            ReferenceProfile::from_table(&table, &params).unwrap()
        })
}

fn sketch() -> impl Strategy<Value = QuantileSketch> {
    (8u16..16, prop::collection::vec(-1000i32..1000, 0..300)).prop_map(|(k, v)| {
        let mut s = QuantileSketch::new(k, 3).unwrap();
        s.extend(v.into_iter().map(f64::from));
        s
    })
}

/// A monitor with a few batches in (cumulative, count or time windows; one to three shards).
fn monitor() -> impl Strategy<Value = DriftMonitor> {
    (
        profile(),
        0u8..3,
        1usize..4,
        prop::sample::select(vec![2usize, 1000]),
        prop::collection::vec(0.0..20.0f64, 0..5),
    )
        // Profiles with a column that has no non-missing value cannot be monitored (refused).
        .prop_filter_map(
            "a monitorable profile",
            |(p, window, shards, cap, times)| {
                let config = MonitorConfig {
                    window: match window {
                        0 => Window::Cumulative,
                        1 => Window::Count(7),
                        _ => Window::Time(5.0),
                    },
                    shards,
                    window_sample_cap: cap,
                    ..MonitorConfig::default()
                };
                let m = DriftMonitor::new(p, config).ok()?;
                let cols = batch_values(m.profile());
                for t in times {
                    m.ingest_at(&batch(&cols), t).unwrap();
                }
                Some(m)
            },
        )
}

fn value_of<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(json_fuzz::cases(384)))]

    #[test]
    fn profile_edited(p in profile(), e in edits()) { check_profile(&apply(&value_of(&p), &e)); }
    #[test]
    fn profile_arbitrary(v in arbitrary_json()) { check_profile(&v.to_string()); }
    /// Arbitrary values in the right places: every field of a valid profile replaced.
    #[test]
    fn profile_fields_arbitrary(p in profile(), v in prop::collection::vec(arbitrary_json(), 5)) {
        let mut doc = value_of(&p);
        let keys: Vec<String> = doc.as_object().unwrap().keys().cloned().collect();
        for (k, x) in keys.iter().zip(v) {
            doc[k] = x;
        }
        check_profile(&doc.to_string());
    }

    #[test]
    fn sketch_edited(s in sketch(), e in edits()) { check_sketch(&apply(&value_of(&s), &e)); }
    #[test]
    fn sketch_arbitrary(v in arbitrary_json()) { check_sketch(&v.to_string()); }

    #[test]
    fn summaries_edited(p in profile(), e in edits()) {
        for c in &p.columns {
            match &c.summary {
                ColumnSummary::Numeric(s) => check_numeric(&apply(&value_of(s), &e)),
                ColumnSummary::Categorical(s) => check_categorical(&apply(&value_of(s), &e)),
            }
        }
    }

    #[test]
    fn monitor_edited(m in monitor(), e in edits()) {
        check_monitor(&apply(&value_of(&m.state()), &e));
    }
    #[test]
    fn monitor_arbitrary(v in arbitrary_json()) { check_monitor(&v.to_string()); }

    /// A restored monitor is the same monitor: the same report now, and after the same
    /// further batches.
    #[test]
    fn monitor_round_trip(m in monitor()) {
        let back = DriftMonitor::from_json(&m.to_json().unwrap()).unwrap();
        prop_assert_eq!(back.state(), m.state());
        prop_assert_eq!(back.evaluate_at(30.0).unwrap(), m.evaluate_at(30.0).unwrap());
        let cols = batch_values(m.profile());
        for t in [30.0, 36.0] {
            m.ingest_at(&batch(&cols), t).unwrap();
            back.ingest_at(&batch(&cols), t).unwrap();
        }
        prop_assert_eq!(back.evaluate_at(40.0).unwrap(), m.evaluate_at(40.0).unwrap());
    }
}

/// The example: a profile whose row count contradicts its contents.
#[test]
fn a_profile_whose_rows_contradict_its_columns_is_refused() {
    let x = [1.0, 2.0, 3.0];
    let t = Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap();
    let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
    let mut doc = value_of(&p);
    doc["rows"] = serde_json::json!(1000);
    let text = doc.to_string();
    assert!(serde_json::from_str::<ReferenceProfile>(&text).is_err());
    match ReferenceProfile::from_json(&text) {
        Err(DriftError::Core(CoreError::InvalidState { object, field, .. })) => {
            assert_eq!(object, "ReferenceProfile");
            assert_eq!(field, "columns[0].summary");
        }
        other => panic!("{other:?}"),
    }
    // A nested summary that contradicts itself is reported at its place in the document.
    let mut doc = value_of(&p);
    doc["columns"][0]["summary"]["count"] = serde_json::json!(2);
    match ReferenceProfile::from_json(&doc.to_string()) {
        Err(DriftError::Core(CoreError::InvalidState { field, reason, .. })) => {
            assert_eq!(field, "columns[0].summary");
            assert!(reason.contains("values.data"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// What a restored monitor does not carry: the alert hook.
#[test]
fn the_alert_hook_is_not_restored() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let train: Vec<f64> = (0..300).map(|i| f64::from(i % 50)).collect();
    let live: Vec<f64> = (0..300).map(|i| f64::from(i % 50) + 40.0).collect();
    let table = |v| Table::new(vec![("x".into(), ColumnData::numeric(v))]).unwrap();
    let p = ReferenceProfile::from_table(&table(&train), &ProfileParams::default()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let m = DriftMonitor::new(p, MonitorConfig::default())
        .unwrap()
        .with_alert_hook(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
    m.ingest_at(&table(&live), 0.0).unwrap();
    let back = DriftMonitor::from_state(m.state()).unwrap();
    assert_eq!(back.evaluate_at(0.0).unwrap(), m.evaluate_at(0.0).unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 1); // only the original's hook ran
}
