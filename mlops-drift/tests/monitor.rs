//! The drift monitor: per-feature statistics against the direct functions on the same data,
//! exact counts under concurrent ingestion, window semantics, bounded memory, alerts and
//! bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use mlops_core::CoreError;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{assert_rel, tol};
use mlops_core::{GroupKey, GroupValue};
use mlops_drift::monitor::FeatureTest;
use mlops_drift::report::FeatureDrift;
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{
    AlertStatus, CategoricalParams, Correction, DriftError, DriftMonitor, KsParams, MonitorConfig,
    PredictionSpec, ProfileParams, ReferenceProfile, Window, categorical_drift, drift_report,
    drift_report_profiles, ks_2samp, multipletests, proportion_drift,
};

struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// Columns of a loan table: income (numeric, with NaN), age (numeric), housing
/// (categorical), group (categorical), pred (0/1).
struct Data {
    income: Vec<f64>,
    age: Vec<f64>,
    housing: Vec<Option<String>>,
    group: Vec<Option<String>>,
    pred: Vec<f64>,
}

impl Data {
    fn new(seed: u64, n: usize, shift: f64, positive_rate: f64) -> Self {
        let mut r = Rng(seed);
        let mut d = Data {
            income: Vec::new(),
            age: Vec::new(),
            housing: Vec::new(),
            group: Vec::new(),
            pred: Vec::new(),
        };
        for _ in 0..n {
            d.income.push(if r.next_u64().is_multiple_of(50) {
                f64::NAN
            } else {
                50.0 + 10.0 * r.normal() + shift
            });
            d.age.push((30.0 + 8.0 * r.normal()).round());
            let h = ["rent", "own", "mortgage"][(r.next_u64() % 3) as usize];
            d.housing
                .push((!r.next_u64().is_multiple_of(40)).then(|| h.to_owned()));
            d.group
                .push(Some(["A", "B"][(r.next_u64() % 2) as usize].to_owned()));
            d.pred
                .push(f64::from(u8::from(r.uniform() < positive_rate)));
        }
        d
    }

    fn table(&self, lo: usize, hi: usize) -> Table<'_> {
        fn cat(v: &[Option<String>]) -> ColumnData<'_> {
            ColumnData::Categorical(v.iter().map(|s| s.as_deref().map(Cow::Borrowed)).collect())
        }
        Table::new(vec![
            ("income".into(), ColumnData::numeric(&self.income[lo..hi])),
            ("age".into(), ColumnData::numeric(&self.age[lo..hi])),
            ("housing".into(), cat(&self.housing[lo..hi])),
            ("group".into(), cat(&self.group[lo..hi])),
            ("pred".into(), ColumnData::numeric(&self.pred[lo..hi])),
        ])
        .unwrap()
    }

    fn len(&self) -> usize {
        self.income.len()
    }
}

fn params() -> ProfileParams {
    ProfileParams {
        group_columns: vec!["group".into()],
        prediction: Some(PredictionSpec {
            column: "pred".into(),
            threshold: None,
        }),
        ..ProfileParams::default()
    }
}

fn profile(d: &Data) -> ReferenceProfile {
    ReferenceProfile::from_table(&d.table(0, d.len()), &params()).unwrap()
}

fn feature<'a>(r: &'a mlops_drift::DriftReport, name: &str) -> &'a FeatureDrift {
    r.features.iter().find(|f| f.name == name).unwrap()
}

fn finite(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| x.is_finite()).collect()
}

fn counts(v: &[Option<String>]) -> Vec<(String, f64)> {
    let mut m: BTreeMap<String, f64> = BTreeMap::new();
    for s in v.iter().flatten() {
        *m.entry(s.clone()).or_default() += 1.0;
    }
    m.into_iter().collect()
}

#[test]
fn feature_statistics_equal_the_direct_functions() {
    let train = Data::new(1, 3_000, 0.0, 0.3);
    let live = Data::new(2, 800, 1.5, 0.36);
    let config = MonitorConfig {
        tests: [("housing".to_owned(), FeatureTest::GTest)].into(),
        ..MonitorConfig::default()
    };
    let monitor = DriftMonitor::new(profile(&train), config).unwrap();
    // In several batches: the window is their union.
    for (lo, hi) in [(0, 100), (100, 101), (101, 800)] {
        monitor.ingest(&live.table(lo, hi)).unwrap();
    }
    let r = monitor.evaluate().unwrap();
    assert_eq!(r.features.len(), 4, "pred is the prediction, not a feature");

    let ks_income = ks_2samp(
        &finite(&train.income),
        &finite(&live.income),
        KsParams::default(),
    )
    .unwrap();
    let f = feature(&r, "income");
    assert_eq!(f.test.as_deref(), Some("ks"));
    assert_eq!(f.statistic, Some(ks_income.statistic));
    assert_eq!(f.pvalue, Some(ks_income.pvalue));
    assert!(!f.approximate);
    assert_eq!(f.reference_count as usize, finite(&train.income).len());
    let nan = live.income.iter().filter(|v| v.is_nan()).count();
    assert_eq!(f.current_nan as usize, nan);
    assert_eq!(f.current_missing_rate, Some(nan as f64 / 800.0));

    let ks_age = ks_2samp(&train.age, &live.age, KsParams::default()).unwrap();
    assert_eq!(feature(&r, "age").statistic, Some(ks_age.statistic));
    assert_eq!(feature(&r, "age").pvalue, Some(ks_age.pvalue));

    let g = categorical_drift(
        &counts(&train.housing),
        &counts(&live.housing),
        CategoricalParams::default(),
    )
    .unwrap();
    let f = feature(&r, "housing");
    assert_eq!(f.test.as_deref(), Some("g_test"));
    assert_eq!(
        (f.statistic, f.pvalue),
        (Some(g.g_statistic), Some(g.g_pvalue))
    );
    assert_eq!(f.effect_size, Some(g.total_variation));
    let c = categorical_drift(
        &counts(&train.group),
        &counts(&live.group),
        CategoricalParams::default(),
    )
    .unwrap();
    let f = feature(&r, "group");
    assert_eq!((f.statistic, f.pvalue), (Some(c.statistic), Some(c.pvalue)));

    // Holm across the four features, in report order.
    let ps: Vec<f64> = r.features.iter().map(|f| f.pvalue.unwrap()).collect();
    let holm = multipletests(&ps, 0.05, Correction::Holm).unwrap();
    for (f, (&pc, &rej)) in r
        .features
        .iter()
        .zip(holm.pvalues_corrected.iter().zip(&holm.reject))
    {
        assert_eq!(f.pvalue_corrected, Some(pc));
        assert_eq!(f.drifted, rej);
    }
    assert!(feature(&r, "income").drifted);
    assert_eq!(r.status, AlertStatus::Alert);
    assert!(r.reasons.iter().any(|s| s.contains("`income`")));

    // Output rates per group against proportion_drift on the same counts.
    let share = |d: &Data, lo: usize, hi: usize, g: Option<&str>| {
        let rows = (lo..hi).filter(|&i| g.is_none_or(|g| d.group[i].as_deref() == Some(g)));
        let (x, n) = rows.fold((0u64, 0u64), |(x, n), i| (x + d.pred[i] as u64, n + 1));
        (x, n)
    };
    for g in [None, Some("A"), Some("B")] {
        let (x0, n0) = share(&train, 0, train.len(), g);
        let (x, n) = share(&live, 0, live.len(), g);
        let direct = proportion_drift(x0, n0, x, n, 0.95).unwrap();
        let o = match g {
            None => r.output_overall.as_ref().unwrap(),
            Some(g) => r
                .outputs
                .iter()
                .find(|o| o.group == Some(GroupKey(vec![GroupValue::from(g)])))
                .unwrap(),
        };
        assert_eq!(o.test, Some(direct));
        assert_eq!((o.training.positives, o.training.total), (x0, n0));
        assert_eq!(o.out_of_interval, direct.out_of_exact_interval);
    }
    assert!(r.outputs.iter().all(|o| o.group.is_some()));
    // The report is JSON.
    let json: serde_json::Value = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    assert_eq!(json["status"], "alert");
}

#[test]
fn drift_report_one_shot_matches_the_monitor() {
    let train = Data::new(3, 500, 0.0, 0.3);
    let live = Data::new(4, 400, 0.0, 0.3);
    let r = drift_report(
        &train.table(0, 500),
        &live.table(0, 400),
        &params(),
        MonitorConfig::default(),
    )
    .unwrap();
    let ks = ks_2samp(
        &finite(&train.income),
        &finite(&live.income),
        KsParams::default(),
    )
    .unwrap();
    assert_eq!(feature(&r, "income").pvalue, Some(ks.pvalue));
    assert_eq!(r.window.rows, 400);

    // The whole report, field for field, is what a monitor ingesting the batch at time 0
    // reports: exact values, sketched values (a cap below the sizes), every test, and a
    // column the profile lacks.
    let extra: Vec<f64> = (0..400).map(f64::from).collect();
    let mut columns = live.table(0, 400).columns().to_vec();
    columns.push(("extra".into(), ColumnData::numeric(&extra)));
    let batch = Table::new(columns).unwrap();
    for cap in [usize::MAX, 100] {
        let profile_params = ProfileParams {
            sample_cap: cap,
            ..params()
        };
        for tests in [
            BTreeMap::new(),
            BTreeMap::from([
                ("income".to_owned(), FeatureTest::Psi),
                ("age".to_owned(), FeatureTest::Wasserstein),
                ("housing".to_owned(), FeatureTest::GTest),
            ]),
        ] {
            let config = MonitorConfig {
                tests,
                window_sample_cap: cap,
                ..MonitorConfig::default()
            };
            let one_shot = drift_report(
                &train.table(0, 500),
                &batch,
                &profile_params,
                config.clone(),
            )
            .unwrap();
            let profile =
                ReferenceProfile::from_table(&train.table(0, 500), &profile_params).unwrap();
            let monitor = DriftMonitor::new(
                profile,
                MonitorConfig {
                    shards: 1,
                    ..config
                },
            )
            .unwrap();
            monitor.ingest_at(&batch, 0.0).unwrap();
            assert_eq!(one_shot, monitor.evaluate_at(0.0).unwrap());
            assert_eq!(one_shot.ignored_columns, vec!["extra".to_owned()]);
        }
    }
}

#[test]
fn concurrent_ingestion_loses_no_rows() {
    let train = Data::new(5, 2_000, 0.0, 0.3);
    let live = Arc::new(Data::new(6, 7_400, 0.0, 0.3));
    let config = MonitorConfig {
        shards: 3,
        window_sample_cap: 1_000_000,
        ..MonitorConfig::default()
    };
    let monitor = Arc::new(DriftMonitor::new(profile(&train), config).unwrap());
    let threads = 8;
    let per_thread = live.len() / threads; // 925 rows each, in batches of 37
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (m, d) = (Arc::clone(&monitor), Arc::clone(&live));
            std::thread::spawn(move || {
                let mut lo = t * per_thread;
                let hi = (t + 1) * per_thread;
                while lo < hi {
                    let end = (lo + 37).min(hi);
                    m.ingest(&d.table(lo, end)).unwrap();
                    lo = end;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let r = monitor.evaluate().unwrap();
    let n = threads * per_thread;
    assert_eq!(r.counters.rows as usize, n);
    assert_eq!(
        r.counters.requests as usize,
        threads * per_thread.div_ceil(37)
    );
    assert_eq!(r.window.rows as usize, n);
    assert_eq!(r.window.batches, r.counters.requests);
    let positives: u64 = live.pred[..n].iter().map(|&p| p as u64).sum();
    let predictions = r.counters.predictions.as_ref().unwrap();
    assert_eq!(predictions.all.positives, positives);
    assert_eq!(
        r.output_overall.as_ref().unwrap().production.positives,
        positives
    );
    let a = (0..n)
        .filter(|&i| live.group[i].as_deref() == Some("A"))
        .count() as u64;
    assert_eq!(
        predictions.groups[&GroupKey(vec![GroupValue::from("A")])].total,
        a
    );
    // Every value arrived: the KS test equals the direct one on all rows.
    let ks = ks_2samp(
        &finite(&train.income),
        &finite(&live.income[..n]),
        KsParams::default(),
    )
    .unwrap();
    assert_eq!(feature(&r, "income").statistic, Some(ks.statistic));
    assert_eq!(
        feature(&r, "housing").current_count as usize,
        live.housing[..n].iter().flatten().count()
    );
}

#[test]
fn count_windows_are_tumbling_by_first_row() {
    let train = Data::new(7, 500, 0.0, 0.3);
    let live = Data::new(8, 1_000, 0.0, 0.3);
    let config = MonitorConfig {
        window: Window::Count(100),
        ..MonitorConfig::default()
    };
    let m = DriftMonitor::new(profile(&train), config).unwrap();
    // Batches of 30: rows 0..30, 30..60, 60..90, 90..120 belong to window 0 (first rows
    // 0, 30, 60, 90); 120..150 is window 1.
    for k in 0..4 {
        m.ingest(&live.table(30 * k, 30 * k + 30)).unwrap();
    }
    let r = m.evaluate().unwrap();
    assert_eq!(
        (r.window.index, r.window.complete, r.window.rows),
        (0, true, 120)
    );
    m.ingest(&live.table(120, 150)).unwrap();
    let r = m.evaluate().unwrap();
    assert_eq!(
        (r.window.index, r.window.rows),
        (0, 120),
        "window 1 is still open"
    );
    for k in 5..8 {
        m.ingest(&live.table(30 * k, 30 * k + 30)).unwrap(); // first rows 150, 180, 210
    }
    let r = m.evaluate().unwrap();
    assert_eq!(
        (r.window.index, r.window.complete, r.window.rows),
        (1, true, 90)
    );
    let ks = ks_2samp(
        &finite(&train.age),
        &live.age[120..210],
        KsParams::default(),
    )
    .unwrap();
    assert_eq!(feature(&r, "age").statistic, Some(ks.statistic));
    assert_eq!(r.counters.rows, 240);
}

#[test]
fn time_windows_and_late_rows() {
    let train = Data::new(9, 500, 0.0, 0.3);
    let live = Data::new(10, 300, 0.0, 0.3);
    let config = MonitorConfig {
        window: Window::Time(60.0),
        shards: 1,
        ..MonitorConfig::default()
    };
    let m = DriftMonitor::new(profile(&train), config).unwrap();
    m.ingest_at(&live.table(0, 50), 10.0).unwrap(); // window 0
    let r = m.evaluate_at(30.0).unwrap();
    assert_eq!(
        (r.window.index, r.window.complete, r.window.rows),
        (0, false, 50)
    );
    m.ingest_at(&live.table(50, 120), 59.9).unwrap(); // window 0
    m.ingest_at(&live.table(120, 200), 61.0).unwrap(); // window 1
    let r = m.evaluate_at(70.0).unwrap();
    assert_eq!(
        (r.window.index, r.window.complete, r.window.rows),
        (0, true, 120)
    );
    assert_eq!((r.window.start, r.window.end), (Some(0.0), Some(60.0)));
    m.ingest_at(&live.table(200, 250), 130.0).unwrap(); // window 2: window 0 is dropped
    m.ingest_at(&live.table(250, 300), 5.0).unwrap(); // late: window 0
    let r = m.evaluate_at(125.0).unwrap();
    assert_eq!((r.window.index, r.window.rows), (1, 80));
    assert_eq!(r.counters.late_rows, 50);
    // Nothing in window 3 or 4 yet: the report for window 3 has no data.
    let r = m.evaluate_at(250.0).unwrap();
    assert_eq!(r.status, AlertStatus::NoData);
    assert!(m.ingest_at(&live.table(0, 1), f64::NAN).is_err());
}

#[test]
fn memory_is_bounded_and_sketched_ks_is_close() {
    let train = Data::new(11, 20_000, 0.0, 0.3);
    let params = ProfileParams {
        sample_cap: 2_000,
        ..params()
    };
    let profile = ReferenceProfile::from_table(&train.table(0, 20_000), &params).unwrap();
    let config = MonitorConfig {
        window_sample_cap: 1_000,
        shards: 2,
        ..MonitorConfig::default()
    };
    let m = DriftMonitor::new(profile, config).unwrap();
    let live = Data::new(12, 40_000, 0.5, 0.3);
    let mut held = Vec::new();
    for k in 0..40 {
        m.ingest(&live.table(1_000 * k, 1_000 * (k + 1))).unwrap();
        held.push(m.retained_values());
    }
    // Two numeric features, one shard used by this thread: exact up to 1000, then O(k).
    assert!(*held.iter().max().unwrap() <= 2 * 2 * 1_000, "{held:?}");
    let r = m.evaluate().unwrap();
    let f = feature(&r, "income");
    assert!(f.approximate);
    let exact = ks_2samp(
        &finite(&train.income),
        &finite(&live.income),
        KsParams::default(),
    )
    .unwrap();
    let bound = f.statistic_error_bound.unwrap();
    assert!(bound < 0.05, "bound {bound}");
    assert!((f.statistic.unwrap() - exact.statistic).abs() <= bound);
    assert!(f.drifted);
}

#[test]
fn alert_hook_runs_on_alerts_only() {
    let train = Data::new(13, 1_000, 0.0, 0.3);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let m = DriftMonitor::new(profile(&train), MonitorConfig::default())
        .unwrap()
        .with_alert_hook(move |r| {
            assert_eq!(r.status, AlertStatus::Alert);
            c.fetch_add(1, Ordering::SeqCst);
        });
    let same = Data::new(14, 1_000, 0.0, 0.3);
    m.ingest(&same.table(0, 1_000)).unwrap();
    assert_eq!(m.evaluate().unwrap().status, AlertStatus::Ok);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let shifted = Data::new(15, 1_000, 0.0, 0.6); // twice the positive rate
    m.ingest(&shifted.table(0, 1_000)).unwrap();
    let r = m.evaluate().unwrap();
    assert_eq!(r.status, AlertStatus::Alert);
    assert!(
        r.reasons
            .iter()
            .any(|s| s.contains("positive-prediction share"))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn bad_input_gives_typed_errors_or_documented_results() {
    let train = Data::new(16, 500, 0.0, 0.3);
    let m = DriftMonitor::new(profile(&train), MonitorConfig::default()).unwrap();
    // Empty window.
    let r = m.evaluate().unwrap();
    assert_eq!(r.status, AlertStatus::NoData);
    assert!(r.features.is_empty());
    // A profiled column missing from the batch.
    let x = [1.0, 2.0];
    let t = Table::new(vec![("income".into(), ColumnData::numeric(&x))]).unwrap();
    assert!(matches!(
        m.ingest(&t),
        Err(DriftError::MissingColumn { .. })
    ));
    // Text in a numeric feature.
    let live = Data::new(17, 10, 0.0, 0.3);
    let mut t = live.table(0, 10);
    let text: Vec<Option<&str>> = vec![Some("1"); 10];
    let cols: Vec<(String, ColumnData<'_>)> = t
        .columns()
        .iter()
        .map(|(n, c)| {
            if n == "age" {
                (n.clone(), ColumnData::categorical(&text))
            } else {
                (n.clone(), c.clone())
            }
        })
        .collect();
    t = Table::new(cols).unwrap();
    assert!(matches!(
        m.ingest(&t),
        Err(DriftError::ColumnTypeMismatch { ref column, .. }) if column == "age"
    ));
    // A prediction that is not 0/1.
    let mut bad = Data::new(18, 10, 0.0, 0.3);
    bad.pred[3] = 0.7;
    assert!(matches!(
        m.ingest(&bad.table(0, 10)),
        Err(DriftError::InvalidPrediction { index: 3, .. })
    ));
    let r = m.evaluate().unwrap();
    assert_eq!(
        (r.counters.errors, r.counters.rows),
        (3, 0),
        "rejected batches change nothing"
    );
    m.record_error();
    // All-missing numeric column in the window, plus an extra column.
    let mut all_nan = Data::new(19, 20, 0.0, 0.3);
    all_nan.income = vec![f64::NAN; 20];
    let extra = [0.0; 20];
    let mut cols = all_nan.table(0, 20).columns().to_vec();
    cols.push(("surprise".into(), ColumnData::numeric(&extra)));
    m.ingest(&Table::new(cols).unwrap()).unwrap();
    let r = m.evaluate().unwrap();
    assert_eq!(r.counters.errors, 4);
    let f = feature(&r, "income");
    assert_eq!(
        (f.test.clone(), f.pvalue, f.current_missing_rate),
        (None, None, Some(1.0))
    );
    assert!(f.note.as_deref().unwrap().contains("all missing"));
    assert_eq!(r.ignored_columns, vec!["surprise".to_owned()]);
    // Configuration errors.
    let p = profile(&train);
    let cfg = |c: MonitorConfig| DriftMonitor::new(p.clone(), c).err();
    assert!(matches!(
        cfg(MonitorConfig {
            tests: [("housing".to_owned(), FeatureTest::Ks)].into(),
            ..MonitorConfig::default()
        }),
        Some(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
    assert!(matches!(
        cfg(MonitorConfig {
            features: Some(vec!["nope".into()]),
            ..MonitorConfig::default()
        }),
        Some(DriftError::UnknownColumn { .. })
    ));
    assert!(matches!(
        cfg(MonitorConfig {
            alpha: 1.5,
            ..MonitorConfig::default()
        }),
        Some(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
    assert!(matches!(
        cfg(MonitorConfig {
            window: Window::Count(0),
            ..MonitorConfig::default()
        }),
        Some(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
    assert!(matches!(
        cfg(MonitorConfig {
            window: Window::Time(-1.0),
            ..MonitorConfig::default()
        }),
        Some(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
}

#[test]
fn psi_and_wasserstein_tests_use_their_thresholds() {
    let train = Data::new(20, 2_000, 0.0, 0.3);
    let config = MonitorConfig {
        tests: [
            ("income".to_owned(), FeatureTest::Psi),
            ("age".to_owned(), FeatureTest::Wasserstein),
        ]
        .into(),
        ..MonitorConfig::default()
    };
    let m = DriftMonitor::new(profile(&train), config).unwrap();
    let live = Data::new(21, 1_000, 8.0, 0.3);
    m.ingest(&live.table(0, 1_000)).unwrap();
    let r = m.evaluate().unwrap();
    let p = mlops_drift::psi(
        &finite(&train.income),
        &finite(&live.income),
        mlops_drift::PsiParams::default(),
    )
    .unwrap();
    let f = feature(&r, "income");
    assert_eq!(
        (f.statistic, f.pvalue, f.drifted),
        (Some(p.psi), None, p.psi >= 0.25)
    );
    let w = mlops_drift::wasserstein(&train.age, &live.age).unwrap();
    let f = feature(&r, "age");
    // The profile stores the reference sorted: the standard deviation sums in another order.
    assert_rel(
        f.effect_size.unwrap(),
        w.normalized.unwrap(),
        tol::SAME_FORMULA,
    );
    assert_eq!(f.drifted, w.normalized.unwrap() >= 0.1);
}

#[test]
fn monitor_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<DriftMonitor>();
}

/// Large samples take the monitor's own asymptotic path (the reference already sorted);
/// it must equal `ks_2samp` bit for bit, ties included.
#[test]
fn large_sample_ks_equals_ks_2samp_exactly() {
    for (seed, m, n, round) in [
        (1, 12_000, 15_000, false),
        (2, 30_000, 10_001, true),
        (3, 20_000, 20_000, true),
    ] {
        let mut r = Rng(seed);
        let mut draw = |k: usize, shift: f64| -> Vec<f64> {
            (0..k)
                .map(|_| {
                    let v = r.normal() + shift;
                    if round { (v * 20.0).round() / 20.0 } else { v }
                })
                .collect()
        };
        let a = draw(m, 0.0);
        let b = draw(n, 0.03);
        fn t(v: &[f64]) -> Table<'_> {
            Table::new(vec![("x".into(), ColumnData::numeric(v))]).unwrap()
        }
        let exact = ProfileParams {
            sample_cap: usize::MAX,
            ..ProfileParams::default()
        };
        let config = MonitorConfig {
            window_sample_cap: usize::MAX,
            ..MonitorConfig::default()
        };
        let rep = drift_report(&t(&a), &t(&b), &exact, config).unwrap();
        let direct = ks_2samp(&a, &b, KsParams::default()).unwrap();
        assert_eq!(direct.method, mlops_drift::PValueMethod::Asymp);
        let f = feature(&rep, "x");
        assert_eq!(
            (f.statistic, f.pvalue),
            (Some(direct.statistic), Some(direct.pvalue))
        );
        // And with explicit asymptotic p-values on small samples.
        let config = MonitorConfig {
            ks: KsParams::new(
                mlops_drift::Alternative::TwoSided,
                mlops_drift::KsMethod::Asymp,
            ),
            ..MonitorConfig::default()
        };
        let rep = drift_report(
            &t(&a[..50]),
            &t(&b[..70]),
            &ProfileParams::default(),
            config.clone(),
        )
        .unwrap();
        let direct = ks_2samp(&a[..50], &b[..70], config.ks).unwrap();
        let f = feature(&rep, "x");
        assert_eq!(
            (f.statistic, f.pvalue),
            (Some(direct.statistic), Some(direct.pvalue))
        );
    }
}

/// Evaluations running while four threads ingest: every report is consistent (window rows
/// never exceed the rows counted, batches are whole) and the final counts are exact.
#[test]
fn evaluate_while_ingesting_sees_consistent_counts() {
    let train = Data::new(30, 1_000, 0.0, 0.3);
    let live = Arc::new(Data::new(31, 4 * 50 * 20, 0.0, 0.3));
    let config = MonitorConfig {
        window: Window::Count(500),
        shards: 2,
        ..MonitorConfig::default()
    };
    let monitor = Arc::new(DriftMonitor::new(profile(&train), config).unwrap());
    let done = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let (m, d, done) = (Arc::clone(&monitor), Arc::clone(&live), Arc::clone(&done));
            std::thread::spawn(move || {
                for b in 0..50 {
                    let lo = (t * 50 + b) * 20;
                    m.ingest(&d.table(lo, lo + 20)).unwrap();
                }
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let mut evaluations = 0;
    while done.load(Ordering::SeqCst) < 4 {
        let r = monitor.evaluate().unwrap();
        assert!(r.window.rows <= r.counters.rows);
        assert_eq!(r.window.rows, 20 * r.window.batches);
        if r.window.complete {
            // A complete count window holds the batches whose first row falls in it.
            assert_eq!(r.window.rows, 500);
        }
        evaluations += 1;
    }
    for w in writers {
        w.join().unwrap();
    }
    let r = monitor.evaluate().unwrap();
    assert_eq!(r.counters.rows, 4000);
    assert_eq!(r.counters.requests, 200);
    assert_eq!(
        (r.window.index, r.window.complete, r.window.rows),
        (7, true, 500)
    );
    assert!(evaluations > 0);
}

/// A production window profiled elsewhere, in parts merged in any order, reports what the
/// rows report: every test, count and output rate (exact values; KS and chi-square do not
/// depend on the order of the values).
#[test]
fn report_from_a_current_profile_matches_the_rows() {
    let train = Data::new(3, 500, 0.0, 0.3);
    let live = Data::new(4, 400, 0.2, 0.3);
    let profile_params = ProfileParams {
        sample_cap: usize::MAX,
        ..params()
    };
    let config = MonitorConfig {
        window_sample_cap: usize::MAX,
        ..MonitorConfig::default()
    };
    let rows = drift_report(
        &train.table(0, 500),
        &live.table(0, 400),
        &profile_params,
        config.clone(),
    )
    .unwrap();
    let reference = ReferenceProfile::from_table(&train.table(0, 500), &profile_params).unwrap();
    let part = |lo, hi| ReferenceProfile::from_table(&live.table(lo, hi), &profile_params).unwrap();
    let mut current = part(250, 400);
    current.merge(&part(0, 120)).unwrap();
    current.merge(&part(120, 250)).unwrap();
    let from_profiles = drift_report_profiles(&reference, &current, config.clone()).unwrap();
    assert_eq!(from_profiles, rows);
    assert_eq!(rows.window.rows, 400);
    // A profile built with other parameters is refused, naming the mismatch.
    let other = ReferenceProfile::from_table(
        &live.table(0, 400),
        &ProfileParams {
            sample_cap: usize::MAX,
            ..ProfileParams::default()
        },
    )
    .unwrap();
    assert!(matches!(
        drift_report_profiles(&reference, &other, config),
        Err(DriftError::ProfileMismatch { .. })
    ));
}
