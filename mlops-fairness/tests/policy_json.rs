//! A policy read from JSON is checked like an input: tampered files are refused with an
//! error naming the field, and whatever is accepted behaves (probabilities in [0, 1], never
//! decreasing with the score, lookups that find every group).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{BinaryTask, Groups};
use mlops_fairness::{Constraint, FairnessError, ThresholdPolicy, ThresholdSearch};
use proptest::prelude::*;
use serde_json::Value;

/// A randomized FPR policy on three groups whose rules include a band.
fn policy() -> ThresholdPolicy {
    let y = [0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1];
    let s = [2.0, 3.0, 3.0, 0.0, 2.0, 2.0, 1.0, 0.0, 0.5, 0.9, 0.1, 0.7];
    let g = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"];
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("group", &g).unwrap();
    let policy = ThresholdSearch::new()
        .constraint(Constraint::Fpr)
        .randomized(true)
        .tolerance(0.0)
        .fit(&task, &groups)
        .unwrap();
    assert!(policy.groups.iter().any(|g| g.rule.band.is_some()));
    policy
}

fn json(p: &ThresholdPolicy) -> Value {
    serde_json::to_value(p).unwrap()
}

fn read(v: &Value) -> Result<ThresholdPolicy, serde_json::Error> {
    serde_json::from_value(v.clone())
}

fn refused(v: &Value, field: &str) {
    let e = read(v).expect_err("a tampered policy must be refused");
    assert!(e.to_string().contains(field), "{e} should name {field}");
}

#[test]
fn a_written_policy_reads_back_equal() {
    let p = policy();
    assert_eq!(read(&json(&p)).unwrap(), p);
}

#[test]
fn tampered_policies_are_refused_naming_the_field() {
    let p = json(&policy());
    let band = p["groups"]
        .as_array()
        .unwrap()
        .iter()
        .position(|g| g["rule"].get("band").is_some())
        .unwrap();

    let mut v = p.clone();
    v["groups"][0]["rule"]["p_at_threshold"] = 5.0.into();
    refused(&v, "p_at_threshold");

    let mut v = p.clone();
    v["groups"][band]["rule"]["band"]["p_between"] = 1.5.into();
    refused(&v, "p_between");

    let mut v = p.clone();
    v["groups"][band]["rule"]["band"]["p_below"] = 0.9.into();
    refused(&v, "p_between");

    let mut v = p.clone();
    v["groups"][band]["rule"]["threshold"] = 0.5.into();
    v["groups"][band]["rule"]["band"]["lower"] = 1.0.into();
    refused(&v, "lower");

    let mut v = p.clone();
    v["format_version"] = 3.into();
    refused(&v, "format_version");

    let mut v = p.clone();
    v["format_version"] = 1.into();
    refused(&v, "format 1 has no bands");

    let mut v = p.clone();
    let groups = v["groups"].as_array_mut().unwrap();
    groups.swap(0, 1);
    refused(&v, "increasing key order");

    let mut v = p.clone();
    let first = v["groups"][0].clone();
    v["groups"].as_array_mut().unwrap().push(first);
    refused(&v, "groups");

    let mut v = p.clone();
    v["groups"] = Value::Array(vec![]);
    refused(&v, "at least one group");

    let mut v = p.clone();
    v["groups"][0]["confusion"]["fp"] = (-1.0).into();
    refused(&v, "confusion");

    let mut v = p.clone();
    v["params"]["tolerance"] = 2.0.into();
    refused(&v, "tolerance");

    let mut v = p.clone();
    v["baselines"]["bayes"]["thresholds"]
        .as_array_mut()
        .unwrap()
        .pop();
    refused(&v, "baselines.bayes");

    let mut v = p;
    v["max_gap"] = 7.0.into();
    refused(&v, "max_gap");
}

/// Every number of the JSON, as a path to it.
fn number_paths(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Number(_) => out.push(path.clone()),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                number_paths(x, path, out);
                path.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                path.push(k.clone());
                number_paths(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        Value::Object(o) => o.get_mut(k).unwrap(),
        _ => unreachable!(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any number changed to any value: refused with an error, or accepted as a policy that
    /// passes its checks and flags sensibly.
    #[test]
    fn mutated_numbers_are_refused_or_harmless(
        pick in any::<prop::sample::Index>(),
        value in prop_oneof![
            Just(-1.0), Just(0.0), Just(0.5), Just(1.0), Just(1.5), Just(7.0), Just(1e300),
            any::<f64>().prop_filter("finite", |x| x.is_finite()),
        ],
    ) {
        let p = policy();
        let mut v = json(&p);
        let mut paths = Vec::new();
        number_paths(&v, &mut Vec::new(), &mut paths);
        let path = pick.get(&paths);
        *at(&mut v, path) = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        if let Ok(q) = read(&v) {
            prop_assert!(q.check().is_ok());
            let s = [-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 10.0];
            for g in &q.groups {
                let steps = g.rule.steps();
                prop_assert!(steps.windows(2).all(|w| w[0].1 <= w[1].1), "{steps:?}");
                for &x in &s {
                    let pr = g.rule.probability(x);
                    prop_assert!((0.0..=1.0).contains(&pr));
                }
                prop_assert_eq!(q.rule_for(&g.key), Some(g.rule));
            }
        }
    }

    /// Arbitrary JSON never panics the reader.
    #[test]
    fn arbitrary_json_is_refused_without_panic(text in ".{0,200}") {
        let r: Result<ThresholdPolicy, _> = serde_json::from_str(&text);
        prop_assert!(r.is_err());
    }
}

#[test]
fn format_1_without_bands_still_reads() {
    let y = [0, 1, 0, 1, 0, 0, 1, 0];
    let s = [0.1, 0.9, 0.4, 0.8, 0.2, 0.6, 0.7, 0.3];
    let g = ["a", "a", "a", "a", "b", "b", "b", "b"];
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("group", &g).unwrap();
    let p = ThresholdSearch::new().fit(&task, &groups).unwrap();
    let mut v = json(&p);
    v["format_version"] = 1.into();
    let q = read(&v).unwrap();
    assert_eq!(q.groups, p.groups);
    let e: FairnessError = {
        let mut bad = q.clone();
        bad.groups[0].rule.p_at_threshold = -0.5;
        bad.check().unwrap_err()
    };
    assert!(e.to_string().contains("p_at_threshold"));
}
