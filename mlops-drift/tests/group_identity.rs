//! Output counts per group keyed by typed keys: a group called `"(all)"` is not all rows, a
//! missing value is not a group called `"(missing)"`, and `col=value` text cannot merge two
//! intersections; format 1 profiles load where their text keys are unambiguous.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::borrow::Cow;
use std::collections::BTreeMap;

use mlops_core::{ALL_ROWS_LABEL, GroupKey, GroupValue};
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{
    DriftError, MonitorConfig, OutputCounts, PredictionSpec, ProfileParams, ReferenceProfile,
    drift_report,
};
use proptest::prelude::*;

fn text(values: &[Option<&str>]) -> ColumnData<'static> {
    ColumnData::Categorical(
        values
            .iter()
            .map(|v| v.map(|s| Cow::Owned(s.to_owned())))
            .collect(),
    )
}

fn params(groups: &[&str]) -> ProfileParams {
    ProfileParams {
        group_columns: groups.iter().map(|&g| g.to_owned()).collect(),
        prediction: Some(PredictionSpec {
            column: "pred".into(),
            threshold: None,
        }),
        ..ProfileParams::default()
    }
}

fn key(values: &[Option<&str>]) -> GroupKey {
    GroupKey(
        values
            .iter()
            .map(|v| v.map_or(GroupValue::Missing, GroupValue::from))
            .collect(),
    )
}

/// Direct counting: all rows with a prediction, and per tuple of group values.
fn direct(
    cols: &[Vec<Option<&str>>],
    pred: &[f64],
) -> (OutputCounts, BTreeMap<GroupKey, OutputCounts>) {
    let mut all = OutputCounts::default();
    let mut groups: BTreeMap<GroupKey, OutputCounts> = BTreeMap::new();
    for (i, &p) in pred.iter().enumerate() {
        if p.is_nan() {
            continue;
        }
        let c = OutputCounts {
            positives: u64::from(p == 1.0),
            total: 1,
        };
        all.add(c);
        let k: Vec<Option<&str>> = cols.iter().map(|c| c[i]).collect();
        groups.entry(key(&k)).or_default().add(c);
    }
    (all, groups)
}

#[test]
fn a_group_called_all_is_not_all_rows() {
    // 1000 rows in a group called "(all)", 1000 in "x": all rows are 2000, not 3000.
    let g: Vec<Option<&str>> = (0..2000)
        .map(|i| Some(if i % 2 == 0 { "(all)" } else { "x" }))
        .collect();
    let pred: Vec<f64> = (0..2000).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
    let t = Table::new(vec![
        ("g".into(), text(&g)),
        ("pred".into(), ColumnData::numeric(&pred)),
    ])
    .unwrap();
    let p = ReferenceProfile::from_table(&t, &params(&["g"])).unwrap();
    let (all, groups) = direct(std::slice::from_ref(&g), &pred);
    assert_eq!(p.outputs.all, all);
    assert_eq!(p.outputs.all.total, 2000);
    assert_eq!(p.outputs.groups, groups);
    let r = drift_report(&t, &t, &params(&["g"]), MonitorConfig::default()).unwrap();
    assert_eq!(r.output_overall.as_ref().unwrap().production.total, 2000);
    assert_eq!(r.outputs.len(), 2);
    let counters = r.counters.predictions.unwrap();
    assert_eq!(counters.all.total, 2000);
    assert_eq!(counters.groups[&key(&[Some("(all)")])].total, 1000);
}

#[test]
fn a_missing_value_is_not_a_group_called_missing() {
    let g: Vec<Option<&str>> = (0..30)
        .map(|i| if i % 3 == 0 { None } else { Some("(missing)") })
        .collect();
    let pred = vec![1.0; 30];
    let t = Table::new(vec![
        ("g".into(), text(&g)),
        ("pred".into(), ColumnData::numeric(&pred)),
    ])
    .unwrap();
    let p = ReferenceProfile::from_table(&t, &params(&["g"])).unwrap();
    assert_eq!(p.outputs.groups.len(), 2);
    assert_eq!(p.outputs.groups[&key(&[None])].total, 10);
    assert_eq!(p.outputs.groups[&key(&[Some("(missing)")])].total, 20);
    let back = ReferenceProfile::from_json(&p.to_json().unwrap()).unwrap();
    assert_eq!(back, p);
    let r = drift_report(&t, &t, &params(&["g"]), MonitorConfig::default()).unwrap();
    let names: Vec<&str> = r.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["\"(missing)\"", "(missing)"]);
}

/// Adversarial names: the old separators and placeholders.
const NAMES: [Option<&str>; 7] = [
    Some("a"),
    Some("a, b=c"),
    Some("c"),
    Some("(all)"),
    Some("(missing)"),
    Some(" & "),
    None,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Every view holds one entry per distinct tuple, the groups add up to all rows, and all
    /// rows are the whole data; the JSON round trip keeps it.
    #[test]
    fn every_distinct_tuple_is_one_group(
        rows in prop::collection::vec((0usize..7, 0usize..7, prop::sample::select(vec![0.0, 1.0, f64::NAN])), 1..80),
        two in any::<bool>(),
    ) {
        let a: Vec<Option<&str>> = rows.iter().map(|r| NAMES[r.0]).collect();
        let b: Vec<Option<&str>> = rows.iter().map(|r| NAMES[r.1]).collect();
        let pred: Vec<f64> = rows.iter().map(|r| r.2).collect();
        // With one group column, `b` is left out of the table.
        let mut columns = vec![("a".into(), text(&a))];
        if two {
            columns.push(("b".into(), text(&b)));
        }
        columns.push(("pred".into(), ColumnData::numeric(&pred)));
        let t = Table::new(columns).unwrap();
        let (names, cols): (&[&str], Vec<Vec<Option<&str>>>) =
            if two { (&["a", "b"], vec![a, b]) } else { (&["a"], vec![a]) };
        let p = ReferenceProfile::from_table(&t, &params(names)).unwrap();
        let (all, groups) = direct(&cols, &pred);
        prop_assert_eq!(p.outputs.all, all);
        prop_assert_eq!(&p.outputs.groups, &groups);
        let mut sum = OutputCounts::default();
        for c in p.outputs.groups.values() {
            sum.add(*c);
        }
        prop_assert_eq!(sum, all);
        prop_assert_eq!(ReferenceProfile::from_json(&p.to_json().unwrap()).unwrap(), p);
        // Group columns are monitored as features too, so one without any value is refused.
        let report = drift_report(&t, &t, &params(names), MonitorConfig::default());
        if let Some(k) = cols.iter().position(|c| c.iter().all(Option::is_none)) {
            let is_refusal = matches!(
                report,
                Err(DriftError::NoReferenceValues { ref column, .. }) if column == names[k]
            );
            prop_assert!(is_refusal, "{:?}", report.map(|r| r.outputs.len()));
            return Ok(());
        }
        let r = report.unwrap();
        prop_assert_eq!(r.outputs.len(), groups.len());
        let labels: std::collections::BTreeSet<&str> =
            r.outputs.iter().map(|o| o.name.as_str()).collect();
        prop_assert_eq!(labels.len(), groups.len());
        for o in &r.outputs {
            prop_assert_eq!(o.production, groups[o.group.as_ref().unwrap()]);
            prop_assert_ne!(o.name.as_str(), ALL_ROWS_LABEL);
        }
        prop_assert_eq!(r.output_overall.unwrap().production, all);
    }
}

/// A format 1 profile: `p` rewritten with output counts keyed by `outputs`.
fn v1(p: &ReferenceProfile, outputs: &[(&str, u64, u64)]) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&p.to_json().unwrap()).unwrap();
    v["format_version"] = 1.into();
    v["outputs"] = outputs
        .iter()
        .map(|&(k, positives, total)| {
            (
                k.to_owned(),
                serde_json::json!({"positives": positives, "total": total}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    v.to_string()
}

#[test]
fn format_1_profiles_load_where_unambiguous() {
    let a = [Some("x"), Some("y, b=z"), Some("x")];
    let b = [Some("u"), Some("v"), Some("v")];
    let pred = [1.0, 0.0, 1.0];
    let t = Table::new(vec![
        ("a".into(), text(&a)),
        ("b".into(), text(&b)),
        ("pred".into(), ColumnData::numeric(&pred)),
    ])
    .unwrap();
    let one = ReferenceProfile::from_table(&t, &params(&["a"])).unwrap();
    let two = ReferenceProfile::from_table(&t, &params(&["a", "b"])).unwrap();

    // One column: text keys are the values; "(all)" is all rows.
    let old = v1(&one, &[("(all)", 2, 3), ("x", 2, 2), ("y, b=z", 0, 1)]);
    assert_eq!(ReferenceProfile::from_json(&old).unwrap(), one);
    // Two columns: `a=x, b=u` splits one way only.
    let old = v1(
        &two,
        &[
            ("(all)", 2, 3),
            ("a=x, b=u", 1, 1),
            ("a=x, b=v", 1, 1),
            ("a=y, b=z, b=v", 0, 1),
        ],
    );
    let ambiguous = |json: &str| match ReferenceProfile::from_json(json) {
        Err(DriftError::AmbiguousGroups { group, .. }) => group,
        other => panic!("expected AmbiguousGroups, got {other:?}"),
    };
    // "a=y, b=z, b=v" is a=y|b="z, b=v" or a="y, b=z"|b=v.
    assert_eq!(ambiguous(&old), "a=y, b=z, b=v");
    let old = v1(
        &two,
        &[("(all)", 2, 3), ("a=x, b=u", 1, 1), ("a=x, b=v", 1, 2)],
    );
    let back = ReferenceProfile::from_json(&old).unwrap();
    assert_eq!(back.outputs.groups[&key(&[Some("x"), Some("v")])].total, 2);
    // A group called "(all)" was added into all rows: the sum gives it away.
    let old = v1(&one, &[("(all)", 3, 4), ("x", 2, 2), ("y, b=z", 0, 1)]);
    assert_eq!(ambiguous(&old), "(all)");
    // "(missing)" was both a missing value and a group of that name.
    let old = v1(&one, &[("(all)", 2, 3), ("x", 2, 2), ("(missing)", 0, 1)]);
    assert_eq!(ambiguous(&old), "(missing)");
    // A format 1 profile without outputs loads.
    let plain = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&plain.to_json().unwrap()).unwrap();
    v["format_version"] = 1.into();
    v["outputs"] = serde_json::json!({});
    assert_eq!(ReferenceProfile::from_json(&v.to_string()).unwrap(), plain);
    // A group listed twice in the current format is an error, not one count kept.
    let mut v: serde_json::Value = serde_json::from_str(&one.to_json().unwrap()).unwrap();
    let first = v["outputs"]["groups"][0].clone();
    v["outputs"]["groups"].as_array_mut().unwrap().push(first);
    assert!(matches!(
        ReferenceProfile::from_json(&v.to_string()),
        Err(DriftError::Serialization { .. } | DriftError::Core(_))
    ));
}
