//! The deployment gate: requirements read strictly, verdicts per requirement, and no pass
//! on missing evidence.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::gate::{Evidence, GateError, Requirements, Verdict, evaluate};

const ALL: &str = r#"
max_fpr_gap = 0.05
min_auc = 0.7
max_ece = 0.03
max_cost_per_decision = 0.9
challenger_not_worse_alpha = 0.05
allow_drift_alerts = false
"#;

fn good() -> Evidence {
    Evidence {
        fpr_gap: Some(0.02),
        auc: Some(0.75),
        ece: Some(0.01),
        cost_per_decision: Some(0.6),
        challenger_worse_pvalue: Some(0.4),
        drift_alerts: Some(vec![]),
    }
}

#[test]
fn toml_and_json_read_the_same_requirements() {
    let t = Requirements::from_toml(ALL).unwrap();
    let j = Requirements::from_json(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(t, j);
    assert_eq!(t.max_fpr_gap, Some(0.05));
    assert_eq!(t.allow_drift_alerts, Some(false));
}

#[test]
fn bad_requirements_are_errors_that_name_the_key() {
    let e = Requirements::from_toml("max_fpr_gp = 0.05").unwrap_err();
    assert!(matches!(e, GateError::Parse { format: "toml", .. }));
    assert!(e.to_string().contains("max_fpr_gp"), "{e}");
    let e = Requirements::from_json(r#"{"min_auc": "high"}"#).unwrap_err();
    assert!(matches!(e, GateError::Parse { format: "json", .. }), "{e}");
    let e = Requirements::from_toml("max_fpr_gap = 1.5").unwrap_err();
    assert_eq!(
        e,
        GateError::InvalidRequirement {
            name: "max_fpr_gap",
            value: 1.5,
            reason: "must be in [0, 1]"
        }
    );
    let e = Requirements::from_toml("max_cost_per_decision = -1.0").unwrap_err();
    assert!(matches!(
        e,
        GateError::InvalidRequirement {
            name: "max_cost_per_decision",
            ..
        }
    ));
    assert_eq!(Requirements::from_toml("").unwrap_err(), GateError::Empty);
}

#[test]
fn the_older_cost_keys_mean_cost_per_decision() {
    // `max_expected_cost` / `expected_cost` always meant per decision; files that use them
    // keep working under the names that say so.
    let old = Requirements::from_toml("max_expected_cost = 0.9").unwrap();
    assert_eq!(old.max_cost_per_decision, Some(0.9));
    let e: Evidence = serde_json::from_str(r#"{"expected_cost": 0.6}"#).unwrap();
    assert_eq!(e.cost_per_decision, Some(0.6));
    assert!(
        Requirements::from_toml("max_expected_cost = 0.9\nmax_cost_per_decision = 0.9").is_err()
    );
}

#[test]
fn a_good_model_passes_and_each_violation_fails_alone() {
    let req = Requirements::from_toml(ALL).unwrap();
    let report = evaluate(&req, &good());
    assert!(report.passed, "{report}");
    assert_eq!(report.checks.len(), 6);
    type Spoil = fn(&mut Evidence);
    let violations: [(&str, Spoil); 6] = [
        ("max_fpr_gap", |e| e.fpr_gap = Some(0.08)),
        ("min_auc", |e| e.auc = Some(0.65)),
        ("max_ece", |e| e.ece = Some(0.05)),
        ("max_cost_per_decision", |e| e.cost_per_decision = Some(1.2)),
        ("challenger_not_worse_alpha", |e| {
            e.challenger_worse_pvalue = Some(0.01)
        }),
        ("allow_drift_alerts", |e| {
            e.drift_alerts = Some(vec!["income: KS p=1e-9".into()])
        }),
    ];
    for (name, spoil) in violations {
        let mut e = good();
        spoil(&mut e);
        let report = evaluate(&req, &e);
        assert!(!report.passed);
        let failed: Vec<&str> = report.failures().map(|c| c.name.as_str()).collect();
        assert_eq!(failed, vec![name]);
        assert!(report.to_string().contains("[FAIL]"), "{report}");
    }
    // Limits are inclusive.
    let mut e = good();
    e.fpr_gap = Some(0.05);
    e.auc = Some(0.7);
    assert!(evaluate(&req, &e).passed);
}

#[test]
fn missing_or_nan_evidence_never_passes() {
    let req = Requirements::from_toml(ALL).unwrap();
    let report = evaluate(&req, &Evidence::default());
    assert!(!report.passed);
    assert!(
        report
            .checks
            .iter()
            .all(|c| c.verdict == Verdict::NotMeasured)
    );
    let mut e = good();
    e.auc = Some(f64::NAN);
    let report = evaluate(&req, &e);
    assert!(!report.passed);
    assert_eq!(
        report.failures().next().unwrap().verdict,
        Verdict::NotMeasured
    );
    // Alerts tolerated: a window with alerts passes.
    let req = Requirements::from_toml("allow_drift_alerts = true").unwrap();
    let mut e = good();
    e.drift_alerts = Some(vec!["purpose: unseen categories".into()]);
    assert!(evaluate(&req, &e).passed);
}

#[test]
fn report_round_trips_through_json() {
    let req = Requirements::from_toml(ALL).unwrap();
    let report = evaluate(&req, &good());
    let json = serde_json::to_string(&report).unwrap();
    let back: mlops_audit::gate::GateReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}
