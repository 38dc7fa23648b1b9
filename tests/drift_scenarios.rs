//! The drift monitor on the simulated loan book's scenarios: a pipeline fault that blanks a
//! quarter of `employment_years` alerts on that feature's missing share (and on nothing
//! else), a stable window does not alert at all, and the report marks such features.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::borrow::Cow;

use mlops_audit::datasets::{Lending, LendingDrift, simulate_lending};
use mlops_audit::drift::report::AlertStatus;
use mlops_audit::drift::table::{ColumnData, Table};
use mlops_audit::drift::{DriftMonitor, MonitorConfig, ProfileParams, ReferenceProfile};
use mlops_audit::report::drift_section;

/// The model's inputs: the six numeric features and three categorical ones.
fn table(d: &Lending) -> Table<'_> {
    let mut columns: Vec<(String, ColumnData<'_>)> = d
        .numeric()
        .into_iter()
        .map(|(name, values)| (name.to_owned(), ColumnData::numeric(values)))
        .collect();
    for (name, values) in d.categorical().into_iter().take(3) {
        let values = values.iter().map(|&v| Some(Cow::Borrowed(v))).collect();
        columns.push((name.to_owned(), ColumnData::Categorical(values)));
    }
    Table::new(columns).unwrap()
}

#[test]
fn a_pipeline_fault_alerts_on_the_missing_share_and_a_stable_window_does_not() {
    let train = simulate_lending(20_000, 21, LendingDrift::None);
    let profile = ReferenceProfile::from_table(&table(&train), &ProfileParams::default()).unwrap();
    assert_eq!(profile.columns.len(), 9);

    let stable = simulate_lending(20_000, 22, LendingDrift::None);
    let monitor = DriftMonitor::new(profile.clone(), MonitorConfig::default()).unwrap();
    monitor.ingest(&table(&stable)).unwrap();
    let r = monitor.evaluate().unwrap();
    assert_eq!(r.status, AlertStatus::Ok, "{:?}", r.reasons);
    assert!(r.features.iter().all(|f| !f.missing_drifted && !f.drifted));

    let fault = simulate_lending(20_000, 22, LendingDrift::PipelineFault);
    let monitor = DriftMonitor::new(profile, MonitorConfig::default()).unwrap();
    monitor.ingest(&table(&fault)).unwrap();
    let r = monitor.evaluate().unwrap();
    assert_eq!(r.status, AlertStatus::Alert);
    let missing: Vec<&str> = r
        .features
        .iter()
        .filter(|f| f.missing_drifted)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(missing, ["employment_years"]);
    assert!(r.drifted_features().is_empty(), "{:?}", r.reasons);
    assert_eq!(r.reasons.len(), 1);
    assert!(
        r.reasons[0].starts_with("feature `employment_years`: missing share rose from 0.0000"),
        "{}",
        r.reasons[0]
    );
    let t = r
        .features
        .iter()
        .find(|f| f.name == "employment_years")
        .and_then(|f| f.missing_test)
        .unwrap();
    assert_eq!((t.reference_count, t.reference_total), (0, 20_000));
    assert!((t.current_rate - 0.25).abs() < 0.01, "{}", t.current_rate);

    // The reviewer's report marks the feature, not only the reasons.
    let section = drift_section(&r, "Production window: pipeline fault");
    let features = &section.tables[0];
    let status = features.header.iter().position(|h| h == "status").unwrap();
    let row = |name: &str| features.rows.iter().find(|row| row[0] == name).unwrap();
    assert_eq!(row("employment_years")[status], "MISSING");
    assert_eq!(row("income")[status], "ok");
}

#[test]
fn a_feature_missing_from_every_row_of_the_window_is_not_ok_in_the_report() {
    let train = simulate_lending(2_000, 23, LendingDrift::None);
    let profile = ReferenceProfile::from_table(&table(&train), &ProfileParams::default()).unwrap();
    let mut live = simulate_lending(500, 24, LendingDrift::None);
    live.income.iter_mut().for_each(|v| *v = f64::NAN);
    let monitor = DriftMonitor::new(profile, MonitorConfig::default()).unwrap();
    monitor.ingest(&table(&live)).unwrap();
    let r = monitor.evaluate().unwrap();
    assert_eq!(r.status, AlertStatus::Alert);
    let income = r.features.iter().find(|f| f.name == "income").unwrap();
    assert_eq!((income.test.as_deref(), income.pvalue), (None, None));
    let section = drift_section(&r, "all missing");
    let features = &section.tables[0];
    let status = features.header.iter().position(|h| h == "status").unwrap();
    let income_row = features.rows.iter().find(|row| row[0] == "income").unwrap();
    assert_eq!(income_row[status], "MISSING");
    // Income nearly always missing in training too: the rise (0.25 points) is below the
    // missing-rate threshold, yet with no value in the window the feature is not "ok".
    let mut train = simulate_lending(2_000, 23, LendingDrift::None);
    train.income.iter_mut().skip(5).for_each(|v| *v = f64::NAN);
    let profile = ReferenceProfile::from_table(&table(&train), &ProfileParams::default()).unwrap();
    let monitor = DriftMonitor::new(profile, MonitorConfig::default()).unwrap();
    monitor.ingest(&table(&live)).unwrap();
    let r = monitor.evaluate().unwrap();
    assert_eq!(r.status, AlertStatus::Alert);
    assert!(!r.features.iter().any(|f| f.missing_drifted));
    assert_eq!(r.reasons.len(), 1, "{:?}", r.reasons);
    let section = drift_section(&r, "all missing");
    let income_row = section.tables[0]
        .rows
        .iter()
        .find(|row| row[0] == "income")
        .unwrap();
    assert_eq!(income_row[status], "undefined");
}
