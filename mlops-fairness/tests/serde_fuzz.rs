//! A deserialised group audit is checked like an input: fuzzing `GroupAudit` with arbitrary
//! JSON and with edits of valid audits. Reading either fails with a typed error, or gives an
//! audit that passes its own check, whose rates, gaps and intervals are in `[0, 1]`, and
//! whose verdict agrees with its groups.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

#[path = "../../mlops-core/tests/common/json_fuzz.rs"]
mod json_fuzz;

use json_fuzz::{apply, arbitrary_json, assert_probability, edits};
use mlops_core::{BinaryTask, CoreError, Groups};
use mlops_fairness::{
    AuditParams, Constraint, Decision, FairnessError, GroupAudit, RATE_NAMES, audit,
};
use proptest::prelude::*;

fn check_audit(text: &str) {
    let via_serde = serde_json::from_str::<GroupAudit>(text).ok();
    let a = match GroupAudit::from_json(text) {
        Ok(a) => a,
        Err(e) => {
            assert!(
                matches!(e, FairnessError::Core(CoreError::InvalidState { .. })),
                "{e:?}"
            );
            assert!(
                via_serde.is_none(),
                "serde accepted what from_json refused: {e}"
            );
            return;
        }
    };
    assert_eq!(via_serde.as_ref(), Some(&a));
    a.check().unwrap();
    assert_eq!(GroupAudit::from_json(&a.to_json().unwrap()).unwrap(), a);
    for g in a.groups.iter().chain([&a.overall]) {
        let r = g.rates;
        for x in [
            r.tpr,
            r.fpr,
            r.tnr,
            r.fnr,
            r.precision,
            r.selection_rate,
            r.accuracy,
        ]
        .into_iter()
        .flatten()
        {
            assert_probability("rate", x);
        }
        assert_eq!(g.rows, g.positive_rows + g.negative_rows);
    }
    for d in &a.disparities {
        if let Some(x) = d.max_diff {
            assert_probability("max_diff", x);
        }
        if let Some(x) = d.min_ratio {
            assert_probability("min_ratio", x);
        }
    }
    if let Some(g) = a.max_gap {
        assert_probability("max_gap", g);
        assert_eq!(a.passed, Some(g <= a.params.tolerance));
    } else {
        assert_eq!(a.passed, None);
    }
    if let Some(b) = &a.intervals {
        for iv in b
            .groups
            .iter()
            .flatten()
            .filter_map(|(_, i)| i.as_ref())
            .chain(&b.max_gap)
        {
            assert!(
                0.0 <= iv.low && iv.low <= iv.high && iv.high <= 1.0,
                "{iv:?}"
            );
        }
    }
}

/// Audits of random data: one threshold (possibly infinite), a threshold per group, or
/// hard decisions; FPR, TPR or equalized odds; with or without bootstrap intervals.
fn audits() -> impl Strategy<Value = GroupAudit> {
    (
        prop::collection::vec(
            (
                (0u8..6).prop_map(|v| f64::from(v) / 5.0),
                any::<bool>(),
                prop::sample::select(vec![1.0, 0.5, 2.0]),
                0u8..3,
                0u8..2,
            ),
            2..40,
        ),
        0u8..4,
        0u8..3,
        any::<bool>(),
        1usize..8,
    )
        .prop_filter_map(
            "a valid task",
            |(rows, rule, constraint, boot, min_count)| {
                let s: Vec<f64> = rows.iter().map(|r| r.0).collect();
                let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
                let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
                let g: Vec<String> = rows.iter().map(|r| format!("g{}", r.3)).collect();
                let z: Vec<String> = rows.iter().map(|r| format!("z{}", r.4)).collect();
                let task = BinaryTask::new(&s[..], &y[..])
                    .and_then(|t| t.with_weights(&w[..]))
                    .ok()?;
                let groups = if rule == 3 {
                    Groups::new(vec![
                        mlops_core::GroupColumn::from_strs("g", &g).ok()?,
                        mlops_core::GroupColumn::from_strs("z", &z).ok()?,
                    ])
                    .ok()?
                } else {
                    Groups::from_strs("g", &g).ok()?
                };
                let per_group: Vec<f64> = (0..groups.n_groups())
                    .map(|i| if i == 0 { f64::INFINITY } else { 0.4 })
                    .collect();
                let flags: Vec<bool> = s.iter().map(|&v| v > 0.5).collect();
                let decision = match rule {
                    0 => Decision::Threshold(0.5),
                    1 => Decision::PerGroup(&per_group),
                    2 => Decision::Predictions(&flags),
                    _ => Decision::Threshold(f64::INFINITY),
                };
                let params = AuditParams {
                    constraint: [Constraint::Fpr, Constraint::Tpr, Constraint::EqualizedOdds]
                        [usize::from(constraint)],
                    min_count,
                    ..AuditParams::default()
                };
                let a = audit(&task, &groups, decision, params).ok()?;
                if boot {
                    a.with_bootstrap(&task, &groups, decision, 20, 0.9, 3).ok()
                } else {
                    Some(a)
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(json_fuzz::cases(512)))]

    #[test]
    fn audit_edited(a in audits(), e in edits()) {
        check_audit(&apply(&serde_json::to_value(&a).unwrap(), &e));
    }

    #[test]
    fn audit_arbitrary(v in arbitrary_json()) { check_audit(&v.to_string()); }

    #[test]
    fn audits_load_back(a in audits()) {
        prop_assert_eq!(GroupAudit::from_json(&a.to_json().unwrap()).unwrap(), a);
    }
}

/// A tampered verdict or rate is refused, naming the field.
#[test]
fn tampered_audits_name_the_field() {
    let s = [0.9, 0.2, 0.7, 0.6, 0.1, 0.3];
    let y = [true, false, false, true, false, false];
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("group", &["a", "a", "a", "b", "b", "b"]).unwrap();
    let a = audit(
        &task,
        &groups,
        Decision::Threshold(0.5),
        AuditParams::default(),
    )
    .unwrap();
    let field_of = |doc: serde_json::Value| match GroupAudit::from_json(&doc.to_string()) {
        Err(FairnessError::Core(CoreError::InvalidState { object, field, .. })) => {
            assert_eq!(object, "GroupAudit");
            field
        }
        other => panic!("{other:?}"),
    };
    let mut doc = serde_json::to_value(&a).unwrap();
    doc["passed"] = serde_json::json!(true); // the gap is 0.5 > 0.05
    assert_eq!(field_of(doc), "passed");
    let mut doc = serde_json::to_value(&a).unwrap();
    doc["groups"][0]["rates"]["fpr"] = serde_json::json!(5.0);
    assert_eq!(field_of(doc), "groups[0].rates");
    let mut doc = serde_json::to_value(&a).unwrap();
    doc["groups"][1]["confusion"]["tn"] = serde_json::json!(7.0);
    assert_eq!(field_of(doc), "groups[1].rates");
    assert!(RATE_NAMES.contains(&"fpr"));
}
