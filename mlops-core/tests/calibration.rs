//! Isotonic regression against the max-min formula; metrics against their definitions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::BinaryTask;
use mlops_core::calibration::{
    BinStrategy, Calibrator, IsotonicCalibrator, brier_score, calibration_error, reliability_curve,
};
use proptest::prelude::*;

/// The isotonic fit by the max-min formula (Barlow et al. 1972): at point i, the maximum
/// over j <= i of the minimum over k >= i of the weighted mean of y[j..=k].
fn max_min(y: &[f64], w: &[f64]) -> Vec<f64> {
    let n = y.len();
    (0..n)
        .map(|i| {
            (0..=i)
                .map(|j| {
                    (i..n)
                        .map(|k| {
                            let (s, t) =
                                (j..=k).fold((0.0, 0.0), |(s, t), m| (s + w[m] * y[m], t + w[m]));
                            s / t
                        })
                        .fold(f64::INFINITY, f64::min)
                })
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn isotonic_fit_equals_the_max_min_formula(
        rows in prop::collection::vec(((0u8..8).prop_map(f64::from), any::<bool>(), prop::sample::select(vec![0.5, 1.0, 2.0])), 1..25),
    ) {
        let s: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let task = BinaryTask::new(&s[..], &y[..]).unwrap().with_weights(&w[..]).unwrap();
        let cal = IsotonicCalibrator::fit(&task).unwrap();
        // Merge ties into weighted means at each distinct score, ascending.
        let mut xs: Vec<f64> = s.clone();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let (ym, wm): (Vec<f64>, Vec<f64>) = xs
            .iter()
            .map(|&x| {
                let (sy, sw) = (0..s.len()).filter(|&i| s[i] == x).fold((0.0, 0.0), |(a, b), i| (a + w[i] * f64::from(u8::from(y[i])), b + w[i]));
                (sy / sw, sw)
            })
            .unzip();
        let expected = max_min(&ym, &wm);
        let got = cal.transform(&xs[..]).unwrap();
        for (g, e) in got.iter().zip(&expected) {
            prop_assert!((g - e).abs() < 1e-12, "{got:?} vs {expected:?}");
        }
    }

    #[test]
    fn ece_is_zero_for_a_perfectly_calibrated_binning(n in 1usize..6) {
        // Each bin's mean prediction equals its event rate: p = 0.25 with 1 of 4 positive.
        let p = vec![0.25; 4 * n];
        let y: Vec<u8> = (0..4 * n).map(|i| u8::from(i % 4 == 0)).collect();
        let task = BinaryTask::new(&p[..], &y[..]).unwrap();
        let curve = reliability_curve(&task, 10, BinStrategy::Uniform).unwrap();
        prop_assert_eq!(calibration_error(&curve), (0.0, 0.0));
        prop_assert!((brier_score(&task).unwrap() - 0.1875).abs() < 1e-15); // (9/16 + 3/16) / 4
    }
}

#[test]
fn a_score_on_an_inner_edge_falls_in_the_lower_bin() {
    let task = BinaryTask::new(&[0.2, 0.2000001, 0.0, 1.0][..], &[0, 1, 0, 1][..]).unwrap();
    let curve = reliability_curve(&task, 5, BinStrategy::Uniform).unwrap();
    // Bins (0, 0.2] holds 0.0 and 0.2; (0.2, 0.4] holds 0.2000001; (0.8, 1] holds 1.0.
    let weights: Vec<f64> = curve.bins.iter().map(|b| b.weight).collect();
    assert_eq!(weights, vec![2.0, 1.0, 1.0]);
    assert!(reliability_curve(&task, 0, BinStrategy::Uniform).is_err());
}

/// Platt's fit is the minimum of its smoothed-target likelihood: moving A or B either way
/// does not lower it.
#[test]
fn platt_fit_is_a_minimum_of_its_likelihood() {
    use mlops_core::calibration::PlattCalibrator;
    let mut state = 11u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = 500;
    let f: Vec<f64> = (0..n).map(|_| 4.0 * next() - 2.0).collect();
    let y: Vec<u8> = f
        .iter()
        .map(|&v| u8::from(next() < 1.0 / (1.0 + (-2.0 * v).exp())))
        .collect();
    let task = BinaryTask::new(&f[..], &y[..]).unwrap();
    let cal = PlattCalibrator::fit(&task).unwrap();
    let (p1, p0) = (task.positive_weight(), task.negative_weight());
    let (tp, tn) = ((p1 + 1.0) / (p1 + 2.0), 1.0 / (p0 + 2.0));
    let loss = |a: f64, b: f64| -> f64 {
        f.iter()
            .zip(&y)
            .map(|(&s, &l)| {
                let t = if l == 1 { tp } else { tn };
                let p = 1.0 / (1.0 + (a * s + b).exp());
                -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
            })
            .sum()
    };
    let best = loss(cal.a, cal.b);
    for (da, db) in [(1e-4, 0.0), (-1e-4, 0.0), (0.0, 1e-4), (0.0, -1e-4)] {
        assert!(
            loss(cal.a + da, cal.b + db) >= best,
            "({da}, {db}) lowers the loss"
        );
    }
    assert!(cal.a < 0.0, "higher scores mean more positives here");
}
