//! DeLong against its O(m n) definition; McNemar against exact binomial sums and a
//! published example.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::CoreError;
use mlops_core::compare::{delong, mcnemar, mcnemar_from_predictions};
use proptest::prelude::*;

mod common;
use common::close;

/// DeLong's components by their definition: every (positive, negative) pair.
fn naive(y: &[bool], a: &[f64], b: &[f64]) -> (f64, f64, f64, f64, f64) {
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
    let psi = |x: f64, z: f64| {
        if x > z {
            1.0
        } else if x == z {
            0.5
        } else {
            0.0
        }
    };
    let (m, n) = (pos.len() as f64, neg.len() as f64);
    let v10 = |s: &[f64]| -> Vec<f64> {
        pos.iter()
            .map(|&i| neg.iter().map(|&j| psi(s[i], s[j])).sum::<f64>() / n)
            .collect()
    };
    let v01 = |s: &[f64]| -> Vec<f64> {
        neg.iter()
            .map(|&j| pos.iter().map(|&i| psi(s[i], s[j])).sum::<f64>() / m)
            .collect()
    };
    let (a10, a01, b10, b01) = (v10(a), v01(a), v10(b), v01(b));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let cov = |x: &[f64], z: &[f64]| {
        let (mx, mz) = (mean(x), mean(z));
        x.iter()
            .zip(z)
            .map(|(p, q)| (p - mx) * (q - mz))
            .sum::<f64>()
            / (x.len() as f64 - 1.0)
    };
    (
        mean(&a10),
        mean(&b10),
        cov(&a10, &a10) / m + cov(&a01, &a01) / n,
        cov(&b10, &b10) / m + cov(&b01, &b01) / n,
        cov(&a10, &b10) / m + cov(&a01, &b01) / n,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn delong_equals_the_pairwise_definition(
        rows in prop::collection::vec(((0u8..6).prop_map(|v| f64::from(v) / 5.0), (0u8..6).prop_map(|v| f64::from(v) / 5.0), any::<bool>()), 4..40),
    ) {
        let y: Vec<bool> = rows.iter().map(|r| r.2).collect();
        let a: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let b: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let (m, n) = (y.iter().filter(|&&v| v).count(), y.iter().filter(|&&v| !v).count());
        match delong(&y[..], &a[..], &b[..], 0.95) {
            Ok(r) => {
                let (auc_a, auc_b, var_a, var_b, cov) = naive(&y, &a, &b);
                prop_assert!(close(r.auc_champion, auc_a) && close(r.auc_challenger, auc_b));
                prop_assert!(close(r.var_champion, var_a) && close(r.var_challenger, var_b) && close(r.covariance, cov));
                prop_assert!(close(r.difference, auc_b - auc_a));
                if let (Some(z), Some(p)) = (r.statistic, r.pvalue) {
                    // Challenger minus champion.
                    prop_assert!(close(z, (auc_b - auc_a) / (var_a + var_b - 2.0 * cov).sqrt()));
                    prop_assert!((0.0..=1.0).contains(&p));
                    prop_assert!(close(r.pvalue_greater.unwrap() + r.pvalue_less.unwrap(), 1.0));
                }
                prop_assert!(r.ci_low <= r.difference && r.difference <= r.ci_high);
            }
            Err(CoreError::UndefinedMetric { .. }) => prop_assert!(m < 2 || n < 2),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    #[test]
    fn mcnemar_exact_equals_the_binomial_sum(b in 0u64..60, c in 0u64..60) {
        let r = mcnemar(b, c, true, true).unwrap();
        let n = b + c;
        let k = b.min(c);
        // sum_{i <= k} C(n, i) / 2^n with exact integer coefficients (n < 120: u128 is enough
        // for the coefficients; the division is one rounding).
        let mut coef: u128 = 1;
        let mut total: u128 = 0;
        for i in 0..=k {
            if i > 0 {
                coef = coef * u128::from(n - i + 1) / u128::from(i);
            }
            total += coef;
        }
        let exact = (2.0 * (total as f64) / 2f64.powi(n as i32)).min(1.0);
        // Each of the k terms is rounded once: a relative error of about k ulps.
        prop_assert!((r.pvalue - exact).abs() <= (k as f64 + 4.0) * f64::EPSILON * exact, "{} vs {exact}", r.pvalue);
        prop_assert_eq!(r.statistic, k as f64);
    }
}

/// Agresti (2002), Categorical Data Analysis, 2nd ed., section 10.1.1: presidential approval
/// of 1,600 people in two surveys, 150 approve -> disapprove and 86 disapprove -> approve;
/// McNemar's z^2 = (150 - 86)^2 / (150 + 86) = 17.36, p < 0.001.
#[test]
fn agresti_presidential_approval() {
    let r = mcnemar(150, 86, false, false).unwrap();
    assert!((r.statistic - 17.355_932_203_389_83).abs() < 1e-12);
    assert!(r.pvalue < 1e-3);
    let corrected = mcnemar(150, 86, false, true).unwrap();
    assert!((corrected.statistic - 63.0 * 63.0 / 236.0).abs() < 1e-12);
    assert!(matches!(
        mcnemar(0, 0, false, true),
        Err(CoreError::UndefinedMetric { .. })
    ));
    assert_eq!(mcnemar(0, 0, true, true).unwrap().pvalue, 1.0);
}

#[test]
fn mcnemar_counts_discordant_rows() {
    let y = [1, 1, 0, 0, 1, 0];
    let a = [1, 1, 0, 1, 0, 0]; // the champion is wrong on rows 3, 4
    let b = [1, 0, 0, 0, 0, 1]; // the challenger is wrong on rows 1, 4, 5
    let r = mcnemar_from_predictions(&y[..], &a[..], &b[..], true, true).unwrap();
    // Only the champion right: rows 1, 5; only the challenger right: row 3.
    assert_eq!(
        (r.champion_only, r.challenger_only, r.difference),
        (2, 1, -1)
    );
    let swapped = mcnemar_from_predictions(&y[..], &b[..], &a[..], true, true).unwrap();
    assert_eq!(swapped.difference, 1);
    assert!(matches!(
        mcnemar(u64::MAX, 1, true, true),
        Err(CoreError::InvalidParameter { .. })
    ));
    assert!(matches!(
        mcnemar_from_predictions(&y[..], &a[..3], &b[..], true, true),
        Err(CoreError::LengthMismatch { .. })
    ));
}

#[test]
fn delong_is_challenger_minus_champion() {
    // The challenger ranks every positive above every negative; the champion does not.
    let y = [1, 1, 1, 0, 0, 0];
    let champion = [0.9, 0.2, 0.6, 0.7, 0.1, 0.3];
    let challenger = [0.9, 0.8, 0.7, 0.3, 0.1, 0.2];
    let r = delong(&y[..], &champion[..], &challenger[..], 0.95).unwrap();
    // AUC(champion) = 6/9 (pairs won: 0.9 beats all 3, 0.6 beats 2, 0.2 beats 1).
    assert!(close(r.auc_champion, 6.0 / 9.0) && r.auc_challenger == 1.0);
    assert!(close(r.difference, 1.0 - 6.0 / 9.0));
    let (z, greater) = (r.statistic.unwrap(), r.pvalue_greater.unwrap());
    assert!(z > 0.0 && greater < 0.5 && greater < r.pvalue_less.unwrap());
}

#[test]
fn delong_needs_two_of_each_class() {
    let e = delong(
        &[1, 0, 0][..],
        &[0.9, 0.1, 0.2][..],
        &[0.8, 0.3, 0.1][..],
        0.95,
    )
    .unwrap_err();
    assert!(matches!(e, CoreError::UndefinedMetric { .. }), "{e}");
    assert!(delong(&[1, 0][..], &[0.9, 0.1][..], &[0.8][..], 0.95).is_err());
    assert!(
        delong(
            &[1, 1, 0, 0][..],
            &[0.9, 0.1, 0.3, 0.2][..],
            &[0.9, f64::NAN, 0.3, 0.2][..],
            0.95
        )
        .is_err()
    );
    assert!(
        delong(
            &[1, 1, 0, 0][..],
            &[0.9, 0.1, 0.3, 0.2][..],
            &[0.8, 0.2, 0.3, 0.1][..],
            1.0
        )
        .is_err()
    );
    // Identical scores: difference 0, standard error 0, no statistic rather than NaN.
    let r = delong(
        &[1, 1, 0, 0][..],
        &[0.9, 0.1, 0.3, 0.2][..],
        &[0.9, 0.1, 0.3, 0.2][..],
        0.95,
    )
    .unwrap();
    assert_eq!((r.difference, r.std_error, r.statistic), (0.0, 0.0, None));
}

proptest! {
    // O(m n) oracle on thousands of rows: a few cases.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn delong_equals_the_pairwise_definition_past_the_radix_threshold(
        rows in 2100usize..2600,
        levels in prop_oneof![Just(7u32), Just(300), Just(1 << 30)],
        seed in any::<u64>(),
    ) {
        // Past 2048 rows the placements come from the bucketed grouping; few levels give
        // heavy ties, many give nearly distinct scores.
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut y = Vec::with_capacity(rows);
        let (mut a, mut b) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        for _ in 0..rows {
            let label = next() % 3 == 0;
            let level = |r: u64| f64::from((r % u64::from(levels)) as u32) / f64::from(levels);
            a.push(level(next()) + if label { 0.2 } else { 0.0 });
            b.push(level(next()) - if label { 0.1 } else { 0.0 });
            y.push(label);
        }
        let r = delong(&y[..], &a[..], &b[..], 0.95).unwrap();
        let (auc_a, auc_b, var_a, var_b, cov) = naive(&y, &a, &b);
        prop_assert!(close(r.auc_champion, auc_a) && close(r.auc_challenger, auc_b));
        prop_assert!(close(r.var_champion, var_a) && close(r.var_challenger, var_b) && close(r.covariance, cov));
    }
}
