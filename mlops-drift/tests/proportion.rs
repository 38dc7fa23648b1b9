//! Proportion drift against SciPy 1.17.1 (`binomtest(...).proportion_ci`) and statsmodels
//! (`proportions_ztest`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::CoreError;
use mlops_drift::{DriftError, proportion_drift};

#[test]
fn intervals_and_z_match_scipy_and_statsmodels() {
    let r = proportion_drift(300, 1000, 180, 400, 0.95).unwrap();
    // scipy.stats.binomtest(180, 400).proportion_ci(method="wilson")
    assert_rel(r.wilson_low, 0.401_952_228_014_041_85, tol::SCIPY);
    assert_rel(r.wilson_high, 0.498_999_001_419_387_8, tol::SCIPY);
    // method="exact" (scipy.stats.beta.ppf values; binomtest's brentq agrees to ~2e-14)
    assert_rel(r.exact_low, 0.400_524_525_719_172_8, tol::SCIPY);
    assert_rel(r.exact_high, 0.500_220_600_015_267_5, tol::SCIPY);
    // statsmodels proportions_ztest([180, 300], [400, 1000])
    assert_rel(r.statistic.unwrap(), 5.341_592_337_089_398, tol::SCIPY);
    assert_rel(r.pvalue.unwrap(), 9.213_366_505_442_789e-8, tol::SCIPY);
    assert!(r.out_of_wilson_interval && r.out_of_exact_interval);
    assert_rel(r.difference, 0.15, 1e-14);
}

#[test]
fn ends_of_the_range() {
    let r = proportion_drift(5, 100, 0, 50, 0.9).unwrap();
    assert_eq!(r.wilson_low, 0.0);
    assert_eq!(r.exact_low, 0.0);
    assert!(r.exact_high > 0.0 && r.exact_high < 0.1);
    let r = proportion_drift(0, 100, 0, 50, 0.9).unwrap();
    assert!(r.statistic.is_none() && r.pvalue.is_none());
    let r = proportion_drift(10, 10, 7, 7, 0.9).unwrap();
    assert_eq!((r.wilson_high, r.exact_high), (1.0, 1.0));
}

#[test]
fn exact_interval_covers_by_definition() {
    // At the Clopper-Pearson ends the binomial tails equal alpha / 2, so the interval
    // endpoints are consistent with the incomplete beta identity checked in special.rs;
    // here check the ordering and nesting with the confidence level.
    let narrow = proportion_drift(30, 100, 37, 120, 0.8).unwrap();
    let wide = proportion_drift(30, 100, 37, 120, 0.99).unwrap();
    assert!(wide.exact_low < narrow.exact_low && narrow.exact_high < wide.exact_high);
    assert!(wide.wilson_low < narrow.wilson_low && narrow.wilson_high < wide.wilson_high);
    let p = 37.0 / 120.0;
    assert!(narrow.exact_low < p && p < narrow.exact_high);
}

#[test]
fn bad_input_names_the_culprit() {
    assert_eq!(
        proportion_drift(1, 0, 1, 2, 0.95),
        Err(DriftError::Core(CoreError::EmptyInput {
            input: "training".into()
        }))
    );
    assert_eq!(
        proportion_drift(1, 2, 5, 4, 0.95),
        Err(DriftError::SuccessesExceedTrials {
            sample: "production".into(),
            successes: 5,
            trials: 4
        })
    );
    for level in [0.0, 1.0, f64::NAN] {
        assert!(matches!(
            proportion_drift(1, 2, 1, 2, level),
            Err(DriftError::Core(CoreError::InvalidParameter { .. }))
        ));
    }
}
