//! Invariants of the paired bootstrap: identical models differ by exactly 0 in every
//! replicate, swapping the models flips every sign, and each replicate's AUC difference
//! equals a brute-force pair count on the replicate's multiplicities.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::Groups;
use mlops_core::compare::{
    BootstrapMetric, BootstrapParams, bootstrap_multiplicities, paired_bootstrap,
};
use mlops_core::{CoreError, CostMatrix};
use proptest::prelude::*;

/// Rows of (label, champion, challenger, weight) with heavy ties; both classes present.
fn rows() -> impl Strategy<Value = Vec<(bool, f64, f64, f64)>> {
    prop::collection::vec(
        (
            any::<bool>(),
            (0u8..6).prop_map(|v| f64::from(v) / 5.0),
            (0u8..6).prop_map(|v| f64::from(v) / 5.0),
            prop::sample::select(vec![0.5, 1.0, 2.0, 3.0]),
        ),
        4..40,
    )
    .prop_map(|mut v| {
        v[0].0 = true;
        v[1].0 = false;
        v
    })
}

fn metrics() -> impl Strategy<Value = BootstrapMetric> {
    prop_oneof![
        Just(BootstrapMetric::Auc),
        Just(BootstrapMetric::Brier),
        Just(BootstrapMetric::Cost {
            cost: CostMatrix::default(),
            thresholds: [0.4, 0.4]
        }),
        Just(BootstrapMetric::MaxFprGap {
            thresholds: [0.4, 0.4]
        }),
    ]
}

type Cols = (Vec<bool>, Vec<f64>, Vec<f64>, Vec<f64>, Groups);

fn cols(rows: &[(bool, f64, f64, f64)]) -> Cols {
    let y = rows.iter().map(|r| r.0).collect();
    let a = rows.iter().map(|r| r.1).collect();
    let b = rows.iter().map(|r| r.2).collect();
    let w = rows.iter().map(|r| r.3).collect();
    // Groups alternate by row; the tests make rows 1 and 2 negative so both have one.
    let names: Vec<&str> = (0..rows.len())
        .map(|i| if i % 2 == 0 { "x" } else { "y" })
        .collect();
    (y, a, b, w, Groups::from_strs("g", &names).unwrap())
}

/// The groups for the metric that uses them, none for the others (which refuse them).
fn gap_groups(metric: BootstrapMetric, g: &Groups) -> Option<&Groups> {
    matches!(metric, BootstrapMetric::MaxFprGap { .. }).then_some(g)
}

/// AUC by counting pairs, with weights.
fn brute_auc(y: &[bool], s: &[f64], w: &[f64]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..y.len() {
        for j in 0..y.len() {
            if y[i] && !y[j] {
                let pair = w[i] * w[j];
                den += pair;
                num += pair
                    * if s[i] > s[j] {
                        1.0
                    } else if s[i] == s[j] {
                        0.5
                    } else {
                        0.0
                    };
            }
        }
    }
    (den > 0.0).then(|| num / den)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn identical_models_differ_by_zero(rows in rows(), metric in metrics(), seed in any::<u64>()) {
        let mut rows = rows;
        rows[2].0 = false; // a negative in group "x" (row 1 is one in "y")
        let (y, a, _, w, g) = cols(&rows);
        let p = BootstrapParams::new(metric, 50, seed, 0.9).unwrap();
        let r = paired_bootstrap(&y[..], &a[..], &a[..], Some((&w[..]).into()), gap_groups(metric, &g), &p).unwrap();
        prop_assert_eq!(r.difference, 0.0);
        prop_assert!(r.replicates.iter().flatten().all(|&d| d == 0.0));
        prop_assert_eq!(r.pvalue, Some(1.0));
    }

    #[test]
    fn swapping_models_flips_the_sign(rows in rows(), metric in metrics(), seed in any::<u64>()) {
        let mut rows = rows;
        rows[2].0 = false; // a negative in group "x" (row 1 is one in "y")
        let (y, a, b, w, g) = cols(&rows);
        let p = BootstrapParams::new(metric, 50, seed, 0.9).unwrap();
        let ab = paired_bootstrap(&y[..], &a[..], &b[..], Some((&w[..]).into()), gap_groups(metric, &g), &p).unwrap();
        let ba = paired_bootstrap(&y[..], &b[..], &a[..], Some((&w[..]).into()), gap_groups(metric, &g), &p).unwrap();
        prop_assert_eq!(ab.difference, -ba.difference);
        for (x, z) in ab.replicates.iter().zip(&ba.replicates) {
            prop_assert_eq!(x.map(|d| -d), *z);
        }
        prop_assert_eq!(ab.degenerate_resamples, ba.degenerate_resamples);
        prop_assert_eq!(ab.pvalue, ba.pvalue);
    }

    #[test]
    fn replicate_auc_equals_pair_count(rows in rows(), seed in any::<u64>()) {
        let (y, a, b, w, _) = cols(&rows);
        let p = BootstrapParams::new(BootstrapMetric::Auc, 20, seed, 0.95).unwrap();
        let r = paired_bootstrap(&y[..], &a[..], &b[..], Some((&w[..]).into()), None, &p).unwrap();
        for (k, got) in r.replicates.iter().enumerate() {
            let m = bootstrap_multiplicities(y.len(), seed, k);
            let wk: Vec<f64> = m.iter().zip(&w).map(|(&m, &w)| f64::from(m) * w).collect();
            let expected = brute_auc(&y, &b, &wk).zip(brute_auc(&y, &a, &wk)).map(|(x, z)| x - z);
            prop_assert_eq!(got.is_some(), expected.is_some());
            if let (Some(g), Some(e)) = (got, expected) {
                prop_assert!((g - e).abs() < 1e-12, "{} vs {}", g, e);
            }
        }
    }
}

#[test]
fn bad_parameters_and_inputs_are_errors() {
    let y = [0, 1, 0, 1];
    let s = [0.1, 0.2, 0.3, 0.4];
    assert!(matches!(
        BootstrapParams::new(BootstrapMetric::Auc, 1, 0, 0.95),
        Err(CoreError::InvalidParameter { .. })
    ));
    assert!(BootstrapParams::new(BootstrapMetric::Auc, 10, 0, 0.0).is_err());
    let p = BootstrapParams::new(
        BootstrapMetric::MaxFprGap {
            thresholds: [0.5, 0.5],
        },
        10,
        0,
        0.95,
    )
    .unwrap();
    assert!(matches!(
        paired_bootstrap(&y[..], &s[..], &s[..], None, None, &p),
        Err(CoreError::InvalidParameter { .. })
    ));
    let p = BootstrapParams::new(BootstrapMetric::Auc, 10, 0, 0.95).unwrap();
    let g = Groups::from_strs("g", &["a", "b", "a", "b"]).unwrap();
    assert!(matches!(
        paired_bootstrap(&y[..], &s[..], &s[..], None, Some(&g), &p),
        Err(CoreError::InvalidParameter { .. })
    ));
    assert!(matches!(
        paired_bootstrap(&[1, 1, 1, 1][..], &s[..], &s[..], None, None, &p),
        Err(CoreError::UndefinedMetric { .. })
    ));
    assert!(matches!(
        paired_bootstrap(&y[..], &s[..3], &s[..], None, None, &p),
        Err(CoreError::LengthMismatch { .. })
    ));
}

#[test]
fn a_cancelled_bootstrap_stops_with_cancelled_and_no_result() {
    use mlops_core::cancel::{CancelToken, with_token};
    use mlops_core::compare::MAX_RESAMPLES;
    use std::time::{Duration, Instant};
    let n = 2000;
    let y: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let a: Vec<f64> = (0..n)
        .map(|i| f64::from((i * 7 % 17) as u32) / 17.0)
        .collect();
    let b: Vec<f64> = (0..n)
        .map(|i| f64::from((i * 5 % 13) as u32) / 13.0)
        .collect();
    // A million replicates: minutes of work unless cancelled.
    let params = BootstrapParams::new(BootstrapMetric::Auc, MAX_RESAMPLES, 1, 0.95).unwrap();
    let run = || paired_bootstrap(&y[..], &a[..], &b[..], None, None, &params);
    let token = CancelToken::new();
    token.cancel();
    assert!(matches!(with_token(&token, run), Err(CoreError::Cancelled)));
    // Cancelled from another thread while the replicates run.
    let token = CancelToken::new();
    let remote = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        remote.cancel();
    });
    let start = Instant::now();
    let r = with_token(&token, run);
    canceller.join().unwrap();
    assert!(matches!(r, Err(CoreError::Cancelled)), "{r:?}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // A token that is never cancelled changes nothing.
    let few = BootstrapParams::new(BootstrapMetric::Auc, 50, 1, 0.95).unwrap();
    let plain = paired_bootstrap(&y[..], &a[..], &b[..], None, None, &few).unwrap();
    let under = with_token(&CancelToken::new(), || {
        paired_bootstrap(&y[..], &a[..], &b[..], None, None, &few)
    });
    assert_eq!(under.unwrap(), plain);
}
