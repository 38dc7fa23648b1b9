//! The monitor's missing-value checks and its refusal of empty references: a rise in a
//! feature's missing share alerts (one-sided rate test, corrected across features, with a
//! practical-size threshold), a feature entirely missing in the window alerts with its value
//! tests undefined, and a reference without rows, or a monitored column without a value in
//! it, is refused with a typed error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use mlops_core::CoreError;
use std::borrow::Cow;

use common::{assert_rel, tol};
use mlops_drift::missing::{Alternative, RateTest};
use mlops_drift::report::FeatureDrift;
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{
    AlertStatus, Correction, DriftError, DriftMonitor, DriftReport, MonitorConfig, ProfileParams,
    ReferenceProfile, drift_report, multipletests, rate_test,
};

/// A deterministic, irregular sample (a low-discrepancy sequence mapped through a cubic).
fn values(n: usize, offset: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let u = (i as f64 * 0.618_033_988_749_895).fract() - 0.5;
            20.0 * u * u * u + 3.0 * u + offset
        })
        .collect()
}

/// `values(n, 0)` with the first `missing` entries NaN.
fn with_nan(n: usize, missing: usize) -> Vec<f64> {
    let mut v = values(n, 0.0);
    v.iter_mut().take(missing).for_each(|x| *x = f64::NAN);
    v
}

fn categories(n: usize, missing: usize) -> Vec<Option<String>> {
    (0..n)
        .map(|i| (i >= missing).then(|| ["rent", "own", "mortgage"][i % 3].to_owned()))
        .collect()
}

fn table<'a>(x: &'a [f64], housing: &'a [Option<String>]) -> Table<'a> {
    Table::new(vec![
        ("x".into(), ColumnData::numeric(x)),
        (
            "housing".into(),
            ColumnData::Categorical(
                housing
                    .iter()
                    .map(|s| s.as_deref().map(Cow::Borrowed))
                    .collect(),
            ),
        ),
    ])
    .unwrap()
}

fn one_shot(
    reference: (&[f64], &[Option<String>]),
    current: (&[f64], &[Option<String>]),
    config: MonitorConfig,
) -> Result<DriftReport, DriftError> {
    drift_report(
        &table(reference.0, reference.1),
        &table(current.0, current.1),
        &ProfileParams::default(),
        config,
    )
}

/// The same through a monitor fed in three batches.
fn monitored(
    reference: (&[f64], &[Option<String>]),
    current: (&[f64], &[Option<String>]),
    config: MonitorConfig,
) -> DriftReport {
    let profile =
        ReferenceProfile::from_table(&table(reference.0, reference.1), &ProfileParams::default())
            .unwrap();
    let monitor = DriftMonitor::new(profile, config).unwrap();
    let n = current.0.len();
    for (lo, hi) in [(0, n / 3), (n / 3, n / 2), (n / 2, n)] {
        monitor
            .ingest(&table(&current.0[lo..hi], &current.1[lo..hi]))
            .unwrap();
    }
    monitor.evaluate().unwrap()
}

fn feature<'a>(r: &'a DriftReport, name: &str) -> &'a FeatureDrift {
    r.features.iter().find(|f| f.name == name).unwrap()
}

#[test]
fn a_rise_in_the_missing_share_alerts() {
    let (rx, rh) = (with_nan(2_000, 0), categories(2_000, 0));
    for share in [0.25, 0.9, 1.0] {
        let missing = (1_000.0 * share) as usize;
        let (cx, ch) = (with_nan(1_000, missing), categories(1_000, missing));
        let reports = [
            one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap(),
            monitored((&rx, &rh), (&cx, &ch), MonitorConfig::default()),
        ];
        for r in &reports {
            assert_eq!(r.status, AlertStatus::Alert, "{share}: {:?}", r.reasons);
            for name in ["x", "housing"] {
                let f = feature(r, name);
                assert!(f.missing_drifted, "{share} {name}");
                let t = f.missing_test.unwrap();
                assert_eq!(t.alternative, Alternative::Greater);
                assert_eq!((t.current_count, t.current_total), (missing as u64, 1_000));
                assert_eq!((t.reference_count, t.reference_total), (0, 2_000));
                assert_eq!(
                    t,
                    rate_test(0, 2_000, missing as u64, 1_000, Alternative::Greater).unwrap()
                );
                assert!(
                    r.reasons
                        .iter()
                        .any(|s| s.contains(&format!("`{name}`: missing share rose"))),
                    "{:?}",
                    r.reasons
                );
            }
        }
    }
}

#[test]
fn a_feature_entirely_missing_in_the_window_alerts_with_undefined_tests() {
    let (rx, rh) = (with_nan(500, 0), categories(500, 0));
    let (cx, ch) = (with_nan(40, 40), categories(40, 0));
    for r in [
        one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap(),
        monitored((&rx, &rh), (&cx, &ch), MonitorConfig::default()),
    ] {
        assert_eq!(r.status, AlertStatus::Alert);
        let f = feature(&r, "x");
        assert_eq!(
            (f.test.as_deref(), f.statistic, f.pvalue),
            (None, None, None)
        );
        assert_eq!(f.pvalue_corrected, None);
        assert!(!f.drifted);
        assert!(f.note.as_deref().unwrap().contains("all missing"));
        assert!(r.reasons.iter().any(|s| s.contains(
            "feature `x`: every value in the window is missing (40 rows), so its drift tests are undefined"
        )));
        // The categorical feature is complete and unchanged: no reason names it.
        assert!(!feature(&r, "housing").missing_drifted);
        assert!(r.reasons.iter().all(|s| !s.contains("`housing`")));
    }
    // Entirely missing even where the test alone could not reject: one row in the window,
    // against a reference that is mostly missing too.
    let (rx, rh) = (with_nan(100, 90), categories(100, 0));
    let (cx, ch) = (with_nan(1, 1), categories(1, 0));
    let r = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap();
    assert!(!feature(&r, "x").missing_drifted);
    assert_eq!(r.status, AlertStatus::Alert);
}

#[test]
fn the_missing_test_is_the_one_sided_rate_test_of_statsmodels_and_scipy() {
    // 200 of 10 000 missing in the reference, 50 of 1 000 in the window.
    let (rx, rh) = (with_nan(10_000, 200), categories(10_000, 0));
    let (cx, ch) = (with_nan(1_000, 50), categories(1_000, 0));
    let r = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap();
    let t = feature(&r, "x").missing_test.unwrap();
    assert_eq!(t.pvalue_test, RateTest::Z);
    // statsmodels proportions_ztest([50, 200], [1000, 10000], alternative="larger")
    assert_rel(t.statistic.unwrap(), 6.069_366_466_306_477_5, tol::SCIPY);
    assert_rel(t.pvalue, 6.420_790_733_002_006e-10, tol::SCIPY);
    // scipy.stats.fisher_exact([[50, 950], [200, 9800]], alternative="greater")
    assert_rel(t.fisher_pvalue, 6.493_600_055_911_931e-8, tol::SCIPY);
    // Small counts: Fisher's test. scipy.stats.fisher_exact([[3, 17], [0, 40]],
    // alternative="greater")
    let t = rate_test(0, 40, 3, 20, Alternative::Greater).unwrap();
    assert_eq!(t.pvalue_test, RateTest::Fisher);
    assert_rel(t.pvalue, 0.033_313_851_548_801_87, tol::SCIPY);
}

#[test]
fn a_clear_but_small_rise_alerts_only_below_the_threshold() {
    // 0.5% missing in a large window against none: overwhelming evidence, negligible size.
    let (rx, rh) = (with_nan(20_000, 0), categories(20_000, 0));
    let (cx, ch) = (with_nan(20_000, 100), categories(20_000, 0));
    let r = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap();
    let f = feature(&r, "x");
    assert!(f.missing_pvalue_corrected.unwrap() < 1e-20);
    assert!(!f.missing_drifted);
    assert_eq!(r.status, AlertStatus::Ok, "{:?}", r.reasons);
    let config = MonitorConfig {
        missing_rate_threshold: 0.004,
        ..MonitorConfig::default()
    };
    let r = one_shot((&rx, &rh), (&cx, &ch), config).unwrap();
    assert!(feature(&r, "x").missing_drifted);
    assert_eq!(r.status, AlertStatus::Alert);
    assert_eq!(r.missing_rate_threshold, 0.004);
}

#[test]
fn a_fall_in_the_missing_share_or_none_anywhere_does_not_alert() {
    let (rx, rh) = (with_nan(1_000, 300), categories(1_000, 300));
    let (cx, ch) = (with_nan(1_000, 0), categories(1_000, 0));
    let r = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap();
    for f in &r.features {
        assert!(f.missing_test.unwrap().pvalue > 0.999);
        assert!(!f.missing_drifted);
    }
    assert_eq!(r.status, AlertStatus::Ok, "{:?}", r.reasons);
    // Nothing missing on either side: Fisher's p-value is 1, never an alert.
    let (rx, rh) = (with_nan(1_000, 0), categories(1_000, 0));
    let r = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap();
    let t = feature(&r, "x").missing_test.unwrap();
    assert_eq!((t.statistic, t.pvalue), (None, 1.0));
    assert_eq!(r.status, AlertStatus::Ok);
}

#[test]
fn missing_p_values_are_corrected_across_features_as_their_own_family() {
    // A rise of 6 points in `x` (1% to 7%), of 2 points in `housing` (1% to 3%).
    let (rx, rh) = (with_nan(4_000, 40), categories(4_000, 40));
    let (cx, ch) = (with_nan(1_000, 70), categories(1_000, 30));
    for correction in [Correction::Holm, Correction::Bonferroni, Correction::FdrBh] {
        let config = MonitorConfig {
            correction,
            missing_alpha: Some(0.01),
            ..MonitorConfig::default()
        };
        let r = one_shot((&rx, &rh), (&cx, &ch), config).unwrap();
        let ps: Vec<f64> = r
            .features
            .iter()
            .map(|f| f.missing_test.unwrap().pvalue)
            .collect();
        let adjusted = multipletests(&ps, 0.01, correction).unwrap();
        for (f, (&pc, &reject)) in r
            .features
            .iter()
            .zip(adjusted.pvalues_corrected.iter().zip(&adjusted.reject))
        {
            assert_eq!(f.missing_pvalue_corrected, Some(pc));
            let big_enough = f.missing_test.unwrap().difference >= 0.01;
            assert_eq!(f.missing_drifted, reject && big_enough, "{}", f.name);
        }
        assert_eq!(r.missing_alpha, 0.01);
    }
}

#[test]
fn missing_alpha_defaults_to_alpha() {
    // 1% to 2.2% missing in `x`: one-sided p about 4e-3 (8e-3 after Holm), so it alerts at
    // alpha 0.05, not at alpha 1e-3.
    let (rx, rh) = (with_nan(2_000, 20), categories(2_000, 0));
    let (cx, ch) = (with_nan(1_000, 22), categories(1_000, 0));
    let r = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap();
    let p = feature(&r, "x").missing_pvalue_corrected.unwrap();
    assert!(p > 1e-3 && p < 0.05, "{p}");
    assert!(feature(&r, "x").missing_drifted);
    assert_eq!(r.missing_alpha, 0.05);
    let strict = MonitorConfig {
        alpha: 1e-3,
        ..MonitorConfig::default()
    };
    let r = one_shot((&rx, &rh), (&cx, &ch), strict.clone()).unwrap();
    assert!(!feature(&r, "x").missing_drifted);
    let own = MonitorConfig {
        missing_alpha: Some(0.05),
        ..strict
    };
    let r = one_shot((&rx, &rh), (&cx, &ch), own).unwrap();
    assert!(feature(&r, "x").missing_drifted);
}

#[test]
fn an_empty_reference_profile_is_refused() {
    let (rx, rh): (Vec<f64>, Vec<Option<String>>) = (Vec::new(), Vec::new());
    let cx = values(500, 100.0);
    let ch = categories(500, 0);
    assert_eq!(
        one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap_err(),
        DriftError::EmptyProfile
    );
    let profile =
        ReferenceProfile::from_table(&table(&rx, &rh), &ProfileParams::default()).unwrap();
    assert_eq!(
        DriftMonitor::new(profile, MonitorConfig::default()).unwrap_err(),
        DriftError::EmptyProfile
    );
}

#[test]
fn a_reference_column_without_values_is_refused_and_can_be_left_out() {
    let (rx, rh) = (with_nan(300, 300), categories(300, 0));
    let (cx, ch) = (values(200, 100.0), categories(200, 0));
    let err = one_shot((&rx, &rh), (&cx, &ch), MonitorConfig::default()).unwrap_err();
    assert_eq!(
        err,
        DriftError::NoReferenceValues {
            column: "x".into(),
            missing: 300
        }
    );
    assert!(err.to_string().contains("leave it out of `features`"));
    // Categorical columns too.
    let (rx2, rh2) = (values(300, 0.0), categories(300, 300));
    assert_eq!(
        one_shot((&rx2, &rh2), (&cx, &ch), MonitorConfig::default()).unwrap_err(),
        DriftError::NoReferenceValues {
            column: "housing".into(),
            missing: 300
        }
    );
    let config = MonitorConfig {
        features: Some(vec!["housing".into()]),
        ..MonitorConfig::default()
    };
    let r = one_shot((&rx, &rh), (&cx, &ch), config).unwrap();
    assert_eq!(r.features.len(), 1);
    assert_eq!(r.status, AlertStatus::Ok);
}

#[test]
fn missing_parameters_are_checked() {
    let (rx, rh) = (with_nan(10, 0), categories(10, 0));
    let profile =
        ReferenceProfile::from_table(&table(&rx, &rh), &ProfileParams::default()).unwrap();
    let name = |config: MonitorConfig| match DriftMonitor::new(profile.clone(), config) {
        Err(DriftError::Core(CoreError::InvalidParameter { name, .. })) => name,
        other => panic!("{other:?}"),
    };
    for a in [0.0, 1.0, f64::NAN, -0.1] {
        let c = MonitorConfig {
            missing_alpha: Some(a),
            ..MonitorConfig::default()
        };
        assert_eq!(name(c), "missing_alpha");
    }
    for t in [-0.01, 1.01, f64::NAN, f64::INFINITY] {
        let c = MonitorConfig {
            missing_rate_threshold: t,
            ..MonitorConfig::default()
        };
        assert_eq!(name(c), "missing_rate_threshold");
    }
}

#[test]
fn configurations_written_before_the_missing_checks_read_with_the_defaults() {
    let mut json: serde_json::Value = serde_json::to_value(MonitorConfig::default()).unwrap();
    let object = json.as_object_mut().unwrap();
    assert!(object.remove("missing_alpha").is_some());
    assert!(object.remove("missing_rate_threshold").is_some());
    let back: MonitorConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back, MonitorConfig::default());
    assert_eq!(
        back.missing_rate_threshold,
        mlops_drift::monitor::DEFAULT_MISSING_RATE_THRESHOLD
    );
}
