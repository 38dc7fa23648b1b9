//! Group identity in audits and policies: adversarial names never merge two groups, and a
//! policy answers only for keys of the type it was fitted on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::collections::{BTreeMap, BTreeSet};

use mlops_core::{BinaryTask, ConfusionMatrix, GroupColumn, GroupKey, GroupValue, Groups};
use mlops_fairness::{
    AuditParams, Decision, FairnessError, GroupRule, ThresholdSearch, audit, uniform_from_seed,
};
use proptest::prelude::*;

/// Names built to collide under a naive label: separators, the overall row's name, the
/// old placeholder for missing values, quotes.
const NAMES: [&str; 8] = [
    "a",
    "b",
    "a & b",
    "b & c",
    "c",
    "overall",
    "(missing)",
    "\"q\"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Two string columns drawn from [`NAMES`]: one group per distinct pair, each with its
    /// own name, counts equal to direct counting by pair, and the overall row the whole data.
    #[test]
    fn adversarial_intersections_stay_apart(
        rows in prop::collection::vec((0usize..8, 0usize..8, any::<bool>(), 0u8..5), 1..60),
        t in 0.0f64..1.0,
    ) {
        let a: Vec<&str> = rows.iter().map(|r| NAMES[r.0]).collect();
        let b: Vec<&str> = rows.iter().map(|r| NAMES[r.1]).collect();
        let y: Vec<bool> = rows.iter().map(|r| r.2).collect();
        let s: Vec<f64> = rows.iter().map(|r| f64::from(r.3) / 4.0).collect();
        let task = BinaryTask::new(&s[..], &y[..]).unwrap();
        let groups = Groups::new(vec![
            GroupColumn::from_strs("a", &a).unwrap(),
            GroupColumn::from_strs("b", &b).unwrap(),
        ]).unwrap();
        let report = audit(&task, &groups, Decision::Threshold(t), AuditParams::default()).unwrap();
        let mut direct: BTreeMap<GroupKey, ConfusionMatrix> = BTreeMap::new();
        for i in 0..rows.len() {
            let cm = direct
                .entry(GroupKey(vec![GroupValue::from(a[i]), GroupValue::from(b[i])]))
                .or_default();
            match (y[i], s[i] >= t) {
                (true, true) => cm.tp += 1.0,
                (false, true) => cm.fp += 1.0,
                (false, false) => cm.tn += 1.0,
                (true, false) => cm.fn_ += 1.0,
            }
        }
        prop_assert_eq!(report.groups.len(), direct.len());
        let names: BTreeSet<&str> = report.groups.iter().map(|g| g.name.as_str()).collect();
        prop_assert_eq!(names.len(), direct.len());
        for g in &report.groups {
            let key = g.key.as_ref().unwrap();
            prop_assert_eq!(g.name.clone(), key.to_string());
            prop_assert_eq!(g.confusion, direct[key]);
        }
        prop_assert_eq!(report.groups.iter().map(|g| g.rows).sum::<usize>(), rows.len());
        prop_assert_eq!(report.overall.rows, rows.len());
        prop_assert!(report.overall.key.is_none());
        let total = direct.values().fold(ConfusionMatrix::default(), |a, &b| a + b);
        prop_assert_eq!(report.overall.confusion, total);
    }
}

fn int_policy() -> (Vec<f64>, mlops_fairness::ThresholdPolicy) {
    let s: Vec<f64> = (0..40).map(|i| f64::from(i) / 40.0).collect();
    let y: Vec<bool> = (0..40).map(|i| i % 3 == 0).collect();
    let g: Vec<i64> = (0..40).map(|i| i % 2).collect();
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::new(vec![GroupColumn::from_ints("g", &g).unwrap()]).unwrap();
    let policy = ThresholdSearch::new()
        .tolerance(0.2)
        .fit(&task, &groups)
        .unwrap();
    (s, policy)
}

#[test]
fn a_policy_fitted_on_ints_refuses_strings_even_with_a_fallback() {
    let (s, policy) = int_policy();
    let as_text = Groups::from_strs("g", &["0", "1", "1"]).unwrap();
    let draw = |i| uniform_from_seed(0, i);
    for fallback in [None, Some(GroupRule::at_least(0.5))] {
        let e = policy
            .predict(&s[..3], &as_text, fallback, draw)
            .unwrap_err();
        assert_eq!(
            e,
            FairnessError::GroupTypeMismatch {
                column: "g".into(),
                index: 0,
                value: "\"0\"".into(),
                found: "str".into(),
                expected: "int".into(),
            }
        );
    }
    // The same values as ints get the fitted rules.
    let as_ints = Groups::new(vec![GroupColumn::from_ints("g", &[0, 1, 1]).unwrap()]).unwrap();
    let flags = policy.predict(&s[..3], &as_ints, None, draw).unwrap();
    let expected: Vec<bool> = [0, 1, 1]
        .iter()
        .zip(&s[..3])
        .map(|(&g, &x)| {
            let rule = policy
                .rule_for(&GroupKey(vec![GroupValue::Int(g)]))
                .unwrap();
            rule.probability(x) >= 1.0
        })
        .collect();
    assert_eq!(flags, expected);
    // An unseen int is unseen, not a type error.
    let unseen = Groups::new(vec![GroupColumn::from_ints("g", &[7]).unwrap()]).unwrap();
    assert!(matches!(
        policy.predict(&s[..1], &unseen, None, draw),
        Err(FairnessError::UnseenGroup { index: 0, .. })
    ));
    // Another number of columns can never match.
    let two = Groups::new(vec![
        GroupColumn::from_ints("g", &[0]).unwrap(),
        GroupColumn::from_ints("h", &[0]).unwrap(),
    ])
    .unwrap();
    assert!(matches!(
        policy.predict(&s[..1], &two, Some(GroupRule::at_least(0.5)), draw),
        Err(FairnessError::Core(
            mlops_core::CoreError::InvalidParameter { .. }
        ))
    ));
}
