//! Audits with probabilities of group membership: equal, bit for bit, to the audit of the
//! data expanded into one weighted row per (row, group); typed errors for bad probabilities.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{BinaryTask, CoreError, GroupValue, Groups};
use mlops_fairness::{
    AuditParams, Decision, FairnessError, audit, audit_membership, expand_membership,
};
use ndarray::Array2;

fn levels() -> Vec<GroupValue> {
    vec!["a".into(), "b".into(), "c".into()]
}

#[test]
fn equals_the_audit_of_the_expanded_rows() {
    let scores = [0.9, 0.1, 0.4, 0.7, 0.3, 0.55, 0.2, 0.8];
    let labels = [1, 0, 0, 1, 0, 1, 0, 0];
    let weights = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 1.0, 2.0];
    let proba = Array2::from_shape_vec(
        (8, 3),
        vec![
            0.7, 0.2, 0.1, 0.0, 1.0, 0.0, 0.3, 0.3, 0.4, 0.5, 0.5, 0.0, 0.1, 0.6, 0.3, 0.9, 0.05,
            0.05, 0.2, 0.2, 0.6, 0.0, 0.0, 1.0,
        ],
    )
    .unwrap();
    let task = BinaryTask::new(&scores[..], &labels[..])
        .unwrap()
        .with_weights(&weights[..])
        .unwrap();
    let params = AuditParams::default();
    let got = audit_membership(
        &task,
        proba.view(),
        levels(),
        "group",
        Decision::Threshold(0.5),
        params,
    )
    .unwrap();
    // The expansion written out by hand: (row, group) with a positive probability.
    let (mut s, mut y, mut w, mut g) = (vec![], vec![], vec![], vec![]);
    for i in 0..8 {
        for (k, name) in ["a", "b", "c"].iter().enumerate() {
            let p = proba[[i, k]];
            if p > 0.0 {
                s.push(scores[i]);
                y.push(labels[i]);
                w.push(weights[i] * p);
                g.push(*name);
            }
        }
    }
    let expanded = BinaryTask::new(&s[..], &y[..])
        .unwrap()
        .with_weights(&w[..])
        .unwrap();
    let groups = Groups::from_strs("group", &g).unwrap();
    let want = audit(&expanded, &groups, Decision::Threshold(0.5), params).unwrap();
    assert_eq!(got, want);
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        serde_json::to_string(&want).unwrap()
    );
}

#[test]
fn bad_probabilities_are_typed_errors() {
    let ok = |v: Vec<f64>| Array2::from_shape_vec((2, 3), v).unwrap();
    let err = |m: Array2<f64>| expand_membership(m.view(), levels(), "group", None).unwrap_err();
    assert!(matches!(
        err(ok(vec![0.5, 0.5, 0.0, f64::NAN, 0.5, 0.5])),
        FairnessError::Core(CoreError::NotFinite { index: 1, .. })
    ));
    assert!(matches!(
        err(ok(vec![0.5, 0.6, -0.1, 0.2, 0.3, 0.5])),
        FairnessError::Core(CoreError::OutOfRange { index: 0, .. })
    ));
    // Sums: 1 + 2e-6 is refused, 1 + 5e-7 accepted (tolerance 1e-6).
    assert!(matches!(
        err(ok(vec![0.5, 0.5, 0.0, 0.2, 0.3, 0.500002])),
        FairnessError::Core(mlops_core::CoreError::InvalidParameter { .. })
    ));
    assert!(
        expand_membership(
            ok(vec![0.5, 0.5, 0.0, 0.2, 0.3, 0.5000005]).view(),
            levels(),
            "group",
            None
        )
        .is_ok()
    );
    assert!(matches!(
        err(ok(vec![0.5, 0.5, 0.0, 0.2, 0.8, 0.0])),
        FairnessError::EmptyGroup { ref group } if group == "c"
    ));
}
