//! Histogram and beta calibrators, the debiased ECE, Hosmer-Lemeshow, Spiegelhalter and
//! the per-group report against brute-force versions of their definitions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::calibration::{
    BetaCalibrator, BinStrategy, CalibrationByGroupParams, Calibrator, HistogramCalibrator,
    HosmerLemeshowParams, brier_score, calibration_by_group, debiased_squared_calibration_error,
    hosmer_lemeshow, spiegelhalter_z,
};
use mlops_core::{BinaryTask, CoreError, Groups};
use proptest::prelude::*;

/// The bin of `p` among `n` equal-width bins of [0, 1], right-closed, by a linear scan.
fn uniform_bin(p: f64, n: usize) -> usize {
    (1..n)
        .filter(|&k| (k as f64) * (1.0 / n as f64) < p)
        .count()
}

fn rows_strategy() -> impl Strategy<Value = Vec<(f64, bool, u32)>> {
    prop::collection::vec(
        (
            prop::sample::select(vec![0.0, 0.1, 0.2, 0.25, 0.5, 0.6, 0.9, 1.0]),
            any::<bool>(),
            1u32..4,
        ),
        1..40,
    )
}

fn unzip(rows: &[(f64, bool, u32)]) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    (
        rows.iter().map(|r| r.0).collect(),
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| f64::from(r.2)).collect(),
    )
}

/// The rows repeated by their integer weights.
fn repeat(rows: &[(f64, bool, u32)]) -> (Vec<f64>, Vec<bool>) {
    rows.iter()
        .flat_map(|&(p, y, w)| std::iter::repeat_n((p, y), w as usize))
        .unzip()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn histogram_values_are_per_bin_weighted_means(rows in rows_strategy(), n in 1usize..12) {
        let (p, y, w) = unzip(&rows);
        let task = BinaryTask::new(&p[..], &y[..]).unwrap().with_weights(&w[..]).unwrap();
        let cal = HistogramCalibrator::fit(&task, n, BinStrategy::Uniform).unwrap();
        for b in 0..n {
            let (sy, sw) = (0..p.len()).filter(|&i| uniform_bin(p[i], n) == b)
                .fold((0.0, 0.0), |(a, c), i| (a + w[i] * f64::from(u8::from(y[i])), c + w[i]));
            prop_assert!((cal.bin_weight[b] - sw).abs() < 1e-12);
            if sw > 0.0 {
                prop_assert!((cal.values[b] - sy / sw).abs() < 1e-12);
            }
        }
        // Weights are repeated rows.
        let (pr, yr) = repeat(&rows);
        let rep = HistogramCalibrator::fit(&BinaryTask::new(&pr[..], &yr[..]).unwrap(), n, BinStrategy::Uniform).unwrap();
        for (a, b) in cal.values.iter().zip(&rep.values) {
            prop_assert!((a - b).abs() < 1e-12);
        }
        // Every output is one of the bin values, and in [0, 1].
        let out = cal.transform(&[-1.0, 0.0, 0.3, 1.0, 7.0][..]).unwrap();
        prop_assert!(out.iter().all(|v| (0.0..=1.0).contains(v) && cal.values.contains(v)));
    }

    #[test]
    fn debiased_ece_is_its_formula(rows in rows_strategy(), n in 1usize..8) {
        let (p, y, w) = unzip(&rows);
        let task = BinaryTask::new(&p[..], &y[..]).unwrap().with_weights(&w[..]).unwrap();
        let got = debiased_squared_calibration_error(&task, n, BinStrategy::Uniform);
        let total: f64 = w.iter().sum();
        let mut expected = 0.0;
        let mut defined = false;
        for b in 0..n {
            let idx: Vec<usize> = (0..p.len()).filter(|&i| uniform_bin(p[i], n) == b).collect();
            let nb: f64 = idx.iter().map(|&i| w[i]).sum();
            if nb <= 1.0 {
                continue;
            }
            defined = true;
            let ybar = idx.iter().map(|&i| w[i] * f64::from(u8::from(y[i]))).sum::<f64>() / nb;
            let pbar = idx.iter().map(|&i| w[i] * p[i]).sum::<f64>() / nb;
            expected += nb / total * ((ybar - pbar).powi(2) - ybar * (1.0 - ybar) / (nb - 1.0));
        }
        if !defined {
            let undefined = matches!(got, Err(CoreError::UndefinedMetric { .. }));
            prop_assert!(undefined, "{:?}", got);
            return Ok(());
        }
        let got = got.unwrap();
        prop_assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        // Weights are repeated rows.
        let (pr, yr) = repeat(&rows);
        let rep = debiased_squared_calibration_error(&BinaryTask::new(&pr[..], &yr[..]).unwrap(), n, BinStrategy::Uniform).unwrap();
        prop_assert!((got - rep).abs() < 1e-12);
    }

    #[test]
    fn spiegelhalter_is_its_formula_or_undefined(rows in rows_strategy()) {
        let (p, y, w) = unzip(&rows);
        let task = BinaryTask::new(&p[..], &y[..]).unwrap().with_weights(&w[..]).unwrap();
        let num: f64 = (0..p.len()).map(|i| w[i] * (f64::from(u8::from(y[i])) - p[i]) * (1.0 - 2.0 * p[i])).sum();
        let var: f64 = (0..p.len()).map(|i| w[i] * (1.0 - 2.0 * p[i]).powi(2) * p[i] * (1.0 - p[i])).sum();
        match spiegelhalter_z(&task) {
            Ok(r) => {
                prop_assert!(var > 0.0);
                prop_assert!((r.statistic - num / var.sqrt()).abs() < 1e-12 * (1.0 + r.statistic.abs()));
                prop_assert!((0.0..=1.0).contains(&r.pvalue));
            }
            Err(CoreError::UndefinedMetric { .. }) => prop_assert!(var == 0.0),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn hosmer_lemeshow_is_its_formula_or_undefined(rows in rows_strategy(), n in 2usize..8) {
        let (p, y, w) = unzip(&rows);
        let task = BinaryTask::new(&p[..], &y[..]).unwrap().with_weights(&w[..]).unwrap();
        let params = HosmerLemeshowParams::new(n, BinStrategy::Uniform, None).unwrap();
        let mut stat = 0.0;
        let mut groups = 0usize;
        let mut degenerate = false;
        for b in 0..n {
            let idx: Vec<usize> = (0..p.len()).filter(|&i| uniform_bin(p[i], n) == b).collect();
            let ng: f64 = idx.iter().map(|&i| w[i]).sum();
            if ng == 0.0 {
                continue;
            }
            groups += 1;
            let o: f64 = idx.iter().map(|&i| w[i] * f64::from(u8::from(y[i]))).sum();
            let e: f64 = idx.iter().map(|&i| w[i] * p[i]).sum();
            let v = e * (1.0 - e / ng);
            if v <= 0.0 {
                degenerate = true;
            } else {
                stat += (o - e).powi(2) / v;
            }
        }
        match hosmer_lemeshow(&task, &params) {
            Ok(r) => {
                prop_assert!(!degenerate && groups >= 3);
                prop_assert_eq!(r.df, groups - 2);
                prop_assert!((r.statistic - stat).abs() < 1e-9 * (1.0 + stat));
            }
            Err(CoreError::UndefinedMetric { .. }) => prop_assert!(degenerate || groups < 3),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn by_group_equals_single_group_calls(rows in rows_strategy(), split in prop::collection::vec(any::<bool>(), 40)) {
        let (p, y, _) = unzip(&rows);
        let names: Vec<&str> = (0..p.len()).map(|i| if split[i] { "u" } else { "v" }).collect();
        let groups = Groups::from_strs("g", &names).unwrap();
        let task = BinaryTask::new(&p[..], &y[..]).unwrap();
        let report = calibration_by_group(&task, &groups, &CalibrationByGroupParams::default()).unwrap();
        for g in &report.groups {
            let idx: Vec<usize> = (0..p.len()).filter(|&i| names[i] == g.group).collect();
            let ps: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
            let ys: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
            let sub = BinaryTask::new(&ps[..], &ys[..]).unwrap();
            prop_assert_eq!(g.rows, idx.len());
            prop_assert_eq!(g.brier, brier_score(&sub).unwrap());
            prop_assert_eq!(g.spiegelhalter, spiegelhalter_z(&sub).ok());
            prop_assert_eq!(g.hosmer_lemeshow.clone(), hosmer_lemeshow(&sub, &HosmerLemeshowParams::default()).ok());
        }
        let worst = report.worst.iter().find(|w| w.metric == "brier").unwrap();
        let max = report.groups.iter().map(|g| g.brier).fold(f64::NEG_INFINITY, f64::max);
        prop_assert_eq!(worst.value, max);
    }
}

/// A seeded sample from a beta-calibrated model `logit q = a ln s - b ln(1 - s) + c`.
fn beta_sample(n: usize, a: f64, b: f64, c: f64, seed: u64) -> (Vec<f64>, Vec<u8>) {
    let mut state = seed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let s = 0.02 + 0.96 * next();
            let z = a * s.ln() - b * (1.0 - s).ln() + c;
            (s, u8::from(next() < 1.0 / (1.0 + (-z).exp())))
        })
        .unzip()
}

/// The beta fit is a stationary point of its likelihood in the free coefficients, and a
/// coefficient pinned at 0 could only improve the likelihood by going negative.
#[test]
fn beta_fit_satisfies_the_optimality_conditions() {
    for (i, &(a, b, c)) in [
        (2.0, 0.7, 0.3),
        (0.5, 3.0, -1.0),
        (-1.5, 2.0, 0.0),
        (2.0, -1.5, 0.5),
    ]
    .iter()
    .enumerate()
    {
        let (s, y) = beta_sample(3000, a, b, c, 7 + i as u64);
        let cal = BetaCalibrator::fit(&BinaryTask::new(&s[..], &y[..]).unwrap()).unwrap();
        assert!(cal.a >= 0.0 && cal.b >= 0.0);
        let q = cal.transform(&s[..]).unwrap();
        let mut grad = [0.0; 3];
        for i in 0..s.len() {
            let r = q[i] - f64::from(y[i]);
            grad[0] += r * s[i].ln();
            grad[1] += r * -(1.0 - s[i]).ln();
            grad[2] += r;
        }
        let free = [cal.a > 0.0, cal.b > 0.0, true];
        for j in 0..3 {
            if free[j] {
                assert!(grad[j].abs() < 1e-8, "{j}: {grad:?} for {cal:?}");
            } else {
                assert!(grad[j] > -1e-8, "{j}: {grad:?} for {cal:?}");
            }
        }
    }
}

/// Integer weights are repeated rows to the last bit, whatever the row order, including on
/// samples the full fit cannot fit: rows Hypothesis found in CI, quasi-separated by a bump
/// (a > 0, b < 0), where the weighted fit and the repeated rows used to disagree on
/// "undefined". The rule refits on ln s, whose slope is negative: the constant.
#[test]
fn beta_weights_are_repeated_rows_also_when_the_full_fit_diverges() {
    let rows = [
        (6, 1, 2),
        (19, 0, 3),
        (12, 0, 1),
        (11, 0, 1),
        (3, 0, 1),
        (8, 0, 2),
        (3, 1, 3),
        (3, 1, 1),
    ];
    let s: Vec<f64> = rows.iter().map(|r| f64::from(r.0) / 20.0).collect();
    let y: Vec<u8> = rows.iter().map(|r| r.1).collect();
    let w: Vec<f64> = rows.iter().map(|r| f64::from(r.2)).collect();
    let weighted = BetaCalibrator::fit(
        &BinaryTask::new(&s[..], &y[..])
            .unwrap()
            .with_weights(&w[..])
            .unwrap(),
    )
    .unwrap();
    let (mut sr, mut yr) = (Vec::new(), Vec::new());
    for r in rows.iter().rev() {
        for _ in 0..r.2 {
            sr.push(f64::from(r.0) / 20.0);
            yr.push(r.1);
        }
    }
    let repeated = BetaCalibrator::fit(&BinaryTask::new(&sr[..], &yr[..]).unwrap()).unwrap();
    assert_eq!(weighted, repeated);
    // 6 positive and 8 negative rows by weight.
    assert_eq!((weighted.a, weighted.b), (0.0, 0.0));
    assert!((weighted.c - (6.0f64 / 8.0).ln()).abs() < 1e-15);
}

/// Classes a monotone map separates (here with one score shared by both classes): no
/// maximum-likelihood fit, weighted or repeated.
#[test]
fn beta_separated_by_a_monotone_map_is_undefined() {
    let s = [0.1, 0.2, 0.3, 0.3, 0.7, 0.8, 0.9];
    let y = [0, 0, 0, 1, 1, 1, 1];
    let e = BetaCalibrator::fit(&BinaryTask::new(&s[..], &y[..]).unwrap()).unwrap_err();
    assert!(
        matches!(e, mlops_core::CoreError::UndefinedMetric { .. })
            && e.to_string().contains("separate"),
        "{e}"
    );
}

#[test]
fn calibrators_round_trip_through_json() {
    let (s, y) = beta_sample(500, 1.5, 0.8, 0.1, 3);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let beta = BetaCalibrator::fit(&task).unwrap();
    let back: BetaCalibrator =
        serde_json::from_str(&serde_json::to_string(&beta).unwrap()).unwrap();
    assert_eq!(back, beta);
    let hist = HistogramCalibrator::fit(&task, 12, BinStrategy::Quantile).unwrap();
    let back: HistogramCalibrator =
        serde_json::from_str(&serde_json::to_string(&hist).unwrap()).unwrap();
    assert_eq!(back, hist);
}

#[test]
fn undefined_and_invalid_inputs_are_typed_errors() {
    let task = BinaryTask::new(&[0.2, 0.2, 0.7][..], &[1, 1, 1][..]).unwrap();
    assert!(matches!(
        BetaCalibrator::fit(&task),
        Err(CoreError::UndefinedMetric { .. })
    ));
    assert!(matches!(
        HistogramCalibrator::fit(&task, 0, BinStrategy::Uniform),
        Err(CoreError::InvalidParameter { .. })
    ));
    let bad = BinaryTask::new(&[0.2, 1.5][..], &[0, 1][..]).unwrap();
    for r in [
        HistogramCalibrator::fit(&bad, 3, BinStrategy::Uniform).map(|_| ()),
        BetaCalibrator::fit(&bad).map(|_| ()),
        spiegelhalter_z(&bad).map(|_| ()),
        hosmer_lemeshow(&bad, &HosmerLemeshowParams::default()).map(|_| ()),
        debiased_squared_calibration_error(&bad, 3, BinStrategy::Uniform).map(|_| ()),
    ] {
        assert!(
            matches!(r, Err(CoreError::OutOfRange { index: 1, .. })),
            "{r:?}"
        );
    }
    assert!(HosmerLemeshowParams::new(1, BinStrategy::Quantile, None).is_err());
    assert!(HosmerLemeshowParams::new(10, BinStrategy::Quantile, Some(0)).is_err());
}

/// Spiegelhalter's z on a hand-computed case: p = (0.1, 0.2, 0.7, 0.9), y = (0, 0, 1, 1).
/// Numerator: -0.08 - 0.12 - 0.12 - 0.08 = -0.4; variance:
/// 0.64*0.09 + 0.36*0.16 + 0.16*0.21 + 0.64*0.09 = 0.2064; Z = -0.4 / sqrt(0.2064).
#[test]
fn spiegelhalter_by_hand() {
    let task = BinaryTask::new(&[0.1, 0.2, 0.7, 0.9][..], &[0, 0, 1, 1][..]).unwrap();
    let r = spiegelhalter_z(&task).unwrap();
    assert!((r.statistic - (-0.4 / 0.2064f64.sqrt())).abs() < 1e-12);
}
