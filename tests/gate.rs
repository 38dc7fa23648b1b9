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
    assert_eq!(
        e,
        GateError::UnknownRequirement {
            name: "max_fpr_gp".into()
        }
    );
    assert!(e.to_string().contains("max_fpr_gp"), "{e}");
    let e = Requirements::from_json(r#"{"min_auc": "high"}"#).unwrap_err();
    assert_eq!(
        e,
        GateError::RequirementType {
            name: "min_auc",
            expected: "a number",
            found: "a string"
        }
    );
    let e = Requirements::from_toml("max_fpr_gap = ").unwrap_err();
    assert!(matches!(e, GateError::Parse { format: "toml", .. }), "{e}");
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
    let report = evaluate(&req, &good()).unwrap();
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
        let report = evaluate(&req, &e).unwrap();
        assert!(!report.passed);
        let failed: Vec<&str> = report.failures().map(|c| c.name.as_str()).collect();
        assert_eq!(failed, vec![name]);
        assert!(report.to_string().contains("[FAIL]"), "{report}");
    }
    // Limits are inclusive.
    let mut e = good();
    e.fpr_gap = Some(0.05);
    e.auc = Some(0.7);
    assert!(evaluate(&req, &e).unwrap().passed);
}

#[test]
fn missing_or_nan_evidence_never_passes() {
    let req = Requirements::from_toml(ALL).unwrap();
    let report = evaluate(&req, &Evidence::default()).unwrap();
    assert!(!report.passed);
    assert!(
        report
            .checks
            .iter()
            .all(|c| c.verdict == Verdict::NotMeasured)
    );
    let mut e = good();
    e.auc = Some(f64::NAN);
    let report = evaluate(&req, &e).unwrap();
    assert!(!report.passed);
    assert_eq!(
        report.failures().next().unwrap().verdict,
        Verdict::NotMeasured
    );
    // Alerts tolerated: a window with alerts passes.
    let req = Requirements::from_toml("allow_drift_alerts = true").unwrap();
    let mut e = good();
    e.drift_alerts = Some(vec!["purpose: unseen categories".into()]);
    assert!(evaluate(&req, &e).unwrap().passed);
}

#[test]
fn report_round_trips_through_json() {
    let req = Requirements::from_toml(ALL).unwrap();
    let report = evaluate(&req, &good()).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    let back: mlops_audit::gate::GateReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn requirements_are_a_table_with_typed_values_each_given_once() {
    // serde's derived reader took `[1]` as `max_fpr_gap = 1.0`: a gate passing everything.
    for (text, found) in [
        ("[1]", "an array"),
        ("[0.05, 0.7]", "an array"),
        ("0.05", "a number"),
        ("\"max_fpr_gap\"", "a string"),
        ("null", "null"),
        ("true", "a boolean"),
    ] {
        assert_eq!(
            Requirements::from_json(text).unwrap_err(),
            GateError::NotATable {
                format: "json",
                found
            },
            "{text}"
        );
    }
    let e = Requirements::from_json(r#"{"max_fpr_gap": 0.1, "max_fpr_gap": 0.9}"#).unwrap_err();
    assert_eq!(
        e,
        GateError::DuplicateRequirement {
            name: "max_fpr_gap".into()
        }
    );
    for (text, name, expected, found) in [
        (
            r#"{"max_fpr_gap": null}"#,
            "max_fpr_gap",
            "a number",
            "null",
        ),
        (
            r#"{"max_fpr_gap": true}"#,
            "max_fpr_gap",
            "a number",
            "a boolean",
        ),
        (
            r#"{"max_fpr_gap": [0.1]}"#,
            "max_fpr_gap",
            "a number",
            "an array",
        ),
        (r#"{"min_auc": {"v": 1}}"#, "min_auc", "a number", "a table"),
        (
            r#"{"allow_drift_alerts": 0}"#,
            "allow_drift_alerts",
            "true or false",
            "a number",
        ),
        (
            r#"{"allow_drift_alerts": "no"}"#,
            "allow_drift_alerts",
            "true or false",
            "a string",
        ),
    ] {
        assert_eq!(
            Requirements::from_json(text).unwrap_err(),
            GateError::RequirementType {
                name,
                expected,
                found
            },
            "{text}"
        );
    }
    assert!(matches!(
        Requirements::from_json(r#"{"min_auc": 0.7} x"#).unwrap_err(),
        GateError::Parse { .. }
    ));
    let e = Requirements::from_toml("max_ece = \"0.05\"").unwrap_err();
    assert!(
        matches!(
            e,
            GateError::RequirementType {
                name: "max_ece",
                ..
            }
        ),
        "{e}"
    );
    let e = Requirements::from_toml("max_fpr_gap = nan").unwrap_err();
    assert!(
        matches!(
            e,
            GateError::InvalidRequirement {
                name: "max_fpr_gap",
                ..
            }
        ),
        "{e}"
    );
    // The serde impl is the same strict reader.
    assert!(serde_json::from_str::<Requirements>("[1]").is_err());
    let r: Requirements = serde_json::from_str(r#"{"min_auc": 1}"#).unwrap();
    assert_eq!(r.min_auc, Some(1.0));
}

#[test]
fn evidence_outside_its_domain_is_refused_by_name() {
    for (spoil, name) in [
        (
            (|e: &mut Evidence| e.fpr_gap = Some(f64::INFINITY)) as fn(&mut Evidence),
            "fpr_gap",
        ),
        (|e| e.auc = Some(1.5), "auc"),
        (|e| e.ece = Some(-0.1), "ece"),
        (
            |e| e.cost_per_decision = Some(f64::INFINITY),
            "cost_per_decision",
        ),
        (
            |e| e.challenger_worse_pvalue = Some(f64::NEG_INFINITY),
            "challenger_worse_pvalue",
        ),
    ] {
        let mut e = good();
        spoil(&mut e);
        match e.clone().checked().unwrap_err() {
            GateError::InvalidEvidence { name: n, .. } => assert_eq!(n, name),
            other => panic!("{other:?}"),
        }
        // `evaluate` checks a hand-built struct too: never a verdict on impossible evidence.
        let req = Requirements::from_toml(ALL).unwrap();
        match evaluate(&req, &e).unwrap_err() {
            GateError::InvalidEvidence { name: n, .. } => assert_eq!(n, name),
            other => panic!("{other:?}"),
        }
    }
    // Hand-built requirements are checked by `evaluate` as by the readers.
    let bad = Requirements {
        max_fpr_gap: Some(1.5),
        ..Requirements::default()
    };
    assert!(matches!(
        evaluate(&bad, &good()),
        Err(GateError::InvalidRequirement {
            name: "max_fpr_gap",
            ..
        })
    ));
    assert!(matches!(
        evaluate(&Requirements::default(), &good()),
        Err(GateError::Empty)
    ));
    // NaN is "not measured", not an error.
    let mut e = good();
    e.auc = Some(f64::NAN);
    assert!(e.checked().is_ok());
    assert!(good().checked().is_ok());
}
