//! The shadow accumulator: shards merged equal one accumulator fed everything, a serde
//! round trip keeps everything, and the summary equals the direct tests on the same rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::CostMatrix;
use mlops_core::compare::{Alternative, ShadowAccumulator, ShadowConfig, delong, paired_ttest};
use proptest::prelude::*;

fn config() -> ShadowConfig {
    ShadowConfig::new(1000, [0.4, 0.5], CostMatrix::default(), 0.9).unwrap()
}

/// Requests (label, champion, challenger, group) with ties.
fn requests() -> impl Strategy<Value = Vec<(bool, f64, f64, u8)>> {
    prop::collection::vec(
        (
            any::<bool>(),
            (0u8..8).prop_map(|v| f64::from(v) / 7.0),
            (0u8..8).prop_map(|v| f64::from(v) / 7.0),
            0u8..3,
        ),
        0..60,
    )
}

fn feed(acc: &mut ShadowAccumulator, rows: &[(bool, f64, f64, u8)], first_id: u64) {
    for (k, &(_, a, b, g)) in rows.iter().enumerate() {
        acc.record(first_id + k as u64, a, b, &format!("g{g}"))
            .unwrap();
    }
    for (k, &(y, ..)) in rows.iter().enumerate() {
        assert!(acc.label(first_id + k as u64, y));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merged_shards_equal_the_concatenation(rows in requests(), cut in 0usize..60) {
        let cut = cut.min(rows.len());
        let (left, right) = rows.split_at(cut);
        let mut a = ShadowAccumulator::new(config());
        let mut b = ShadowAccumulator::new(config());
        feed(&mut a, left, 0);
        feed(&mut b, right, 1000);
        a.merge(&b).unwrap();
        let mut whole = ShadowAccumulator::new(config());
        feed(&mut whole, left, 0);
        feed(&mut whole, right, 1000);
        prop_assert_eq!(a.summary(), whole.summary());
        let text = serde_json::to_string(&a).unwrap();
        let back: ShadowAccumulator = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, a);
    }
}

#[test]
fn summary_equals_direct_tests() {
    let rows: Vec<(bool, f64, f64, u8)> = (0..50u32)
        .map(|i| {
            let y = i % 3 == 0;
            let a = f64::from((i * 7) % 10) / 10.0;
            let b = f64::from((i * 3 + u32::from(y) * 4) % 10) / 10.0;
            (y, a, b, (i % 2) as u8)
        })
        .collect();
    let mut acc = ShadowAccumulator::new(config());
    feed(&mut acc, &rows, 0);
    let s = acc.summary();
    let y: Vec<bool> = rows.iter().map(|r| r.0).collect();
    let a: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let b: Vec<f64> = rows.iter().map(|r| r.2).collect();
    assert_eq!(s.delong, Some(delong(&y[..], &a[..], &b[..], 0.9).unwrap()));
    let loss = |s: &[f64]| -> Vec<f64> {
        s.iter()
            .zip(&y)
            .map(|(s, &y)| (s - f64::from(u8::from(y))).powi(2))
            .collect()
    };
    let t = paired_ttest(&loss(&b)[..], &loss(&a)[..], Alternative::TwoSided, 0.9).unwrap();
    assert_eq!(s.brier_ttest, Some(t));
    assert_eq!(s.groups.len(), 2);
    assert_eq!(s.groups.iter().map(|g| g.rows).sum::<usize>(), 50);
}

#[test]
fn a_corrupted_state_is_an_error_not_a_panic() {
    let mut acc = ShadowAccumulator::new(config());
    acc.record(1, 0.2, 0.3, "north").unwrap();
    acc.label(1, true);
    let mut v: serde_json::Value = serde_json::to_value(&acc).unwrap();
    v["rows"][0]["group"] = serde_json::json!(7);
    assert!(serde_json::from_value::<ShadowAccumulator>(v.clone()).is_err());
    v["rows"][0]["group"] = serde_json::json!(0);
    assert!(serde_json::from_value::<ShadowAccumulator>(v.clone()).is_ok());
    v["config"]["max_pending"] = serde_json::json!(0);
    assert!(serde_json::from_value::<ShadowAccumulator>(v).is_err());
}
