//! Multiple-testing corrections against statsmodels' `multipletests` and brute force.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use mlops_core::CoreError;
use mlops_drift::{Correction, DriftError, multipletests};
use proptest::prelude::*;

const P: [f64; 6] = [0.01, 0.04, 0.03, 0.20, 0.001, 0.04];

#[test]
fn matches_statsmodels() {
    // statsmodels.stats.multitest.multipletests(P, 0.05, method)
    let r = multipletests(&P, 0.05, Correction::Bonferroni).unwrap();
    assert_eq!(r.reject, vec![false, false, false, false, true, false]);
    assert_eq!(
        r.pvalues_corrected,
        vec![0.06, 0.24, 0.18, 1.0, 0.006, 0.24]
    );
    let r = multipletests(&P, 0.05, Correction::Holm).unwrap();
    assert_eq!(r.reject, vec![true, false, false, false, true, false]);
    assert_eq!(
        r.pvalues_corrected,
        vec![0.05, 0.12, 0.12, 0.2, 0.006, 0.12]
    );
    let r = multipletests(&P, 0.05, Correction::FdrBh).unwrap();
    assert_eq!(r.reject, vec![true, true, true, false, true, true]);
    assert_eq!(
        r.pvalues_corrected,
        vec![0.030_000_000_000_000_002, 0.048, 0.048, 0.2, 0.006, 0.048]
    );
}

#[test]
fn empty_and_bad_input() {
    let r = multipletests(&[], 0.05, Correction::Holm).unwrap();
    assert!(r.reject.is_empty());
    assert_eq!(
        multipletests(&[0.1, 1.5], 0.05, Correction::Holm),
        Err(DriftError::Core(CoreError::OutOfRange {
            input: "pvalues".into(),
            index: 1,
            value: 1.5,
            low: 0.0,
            high: 1.0
        }))
    );
    assert!(matches!(
        multipletests(&[f64::NAN], 0.05, Correction::Holm),
        Err(DriftError::Core(CoreError::OutOfRange { index: 0, .. }))
    ));
    for alpha in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(matches!(
            multipletests(&[0.1], alpha, Correction::FdrBh),
            Err(DriftError::Core(CoreError::InvalidParameter { .. }))
        ));
    }
    assert!("hommel".parse::<Correction>().is_err());
    assert_eq!("fdr_bh".parse::<Correction>().unwrap(), Correction::FdrBh);
}

/// Holm adjusted p-value by its definition: max over j <= rank of (m - j + 1) p_(j).
fn holm_brute(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    p.iter()
        .map(|&pi| {
            let mut sorted = p.to_vec();
            sorted.sort_by(f64::total_cmp);
            let rank = sorted.iter().position(|&v| v == pi).unwrap();
            (0..=rank)
                .map(|j| sorted[j] * (m - j) as f64)
                .fold(0.0, f64::max)
                .min(1.0)
        })
        .collect()
}

/// BH adjusted p-value by its definition: min over j >= rank of m p_(j) / j.
fn bh_brute(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    p.iter()
        .map(|&pi| {
            let rank = sorted.iter().rposition(|&v| v == pi).unwrap();
            (rank..m)
                .map(|j| sorted[j] / ((j + 1) as f64 / m as f64))
                .fold(f64::INFINITY, f64::min)
                .min(1.0)
        })
        .collect()
}

proptest! {
    #[test]
    fn adjusted_pvalues_match_definitions(p in proptest::collection::vec(0.0..=1.0f64, 1..30)) {
        let holm = multipletests(&p, 0.05, Correction::Holm).unwrap();
        for (a, b) in holm.pvalues_corrected.iter().zip(holm_brute(&p)) {
            prop_assert!((a - b).abs() <= 1e-15);
        }
        let bh = multipletests(&p, 0.05, Correction::FdrBh).unwrap();
        for (a, b) in bh.pvalues_corrected.iter().zip(bh_brute(&p)) {
            prop_assert!((a - b).abs() <= 1e-15);
        }
        // the adjusted p-values order: Bonferroni >= Holm >= BH, each >= raw
        let bonf = multipletests(&p, 0.05, Correction::Bonferroni).unwrap();
        for (i, &pi) in p.iter().enumerate() {
            prop_assert!(bonf.pvalues_corrected[i] >= holm.pvalues_corrected[i]);
            // (m - i + 1) p >= m p / i in exact arithmetic; the two roundings may differ by an ulp
            prop_assert!(holm.pvalues_corrected[i] * (1.0 + 1e-15) >= bh.pvalues_corrected[i]);
            prop_assert!(bh.pvalues_corrected[i] >= pi);
            // reject iff adjusted <= alpha (holds for these three methods)
            prop_assert_eq!(holm.reject[i], holm.pvalues_corrected[i] <= 0.05);
        }
    }
}
