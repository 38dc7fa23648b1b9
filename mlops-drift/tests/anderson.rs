//! Anderson-Darling k-sample test against Scholz and Stephens (1987) and SciPy 1.17.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::CoreError;
use mlops_drift::anderson::{PValueLimit, sample_name};
use mlops_drift::{
    AdMethod, AdPValueMethod, AdVariant, AndersonParams, DriftError, anderson_ksamp,
};
use proptest::prelude::*;

// Scholz and Stephens (1987), Table 3: smoothness of paper, four laboratories.
const A: [f64; 8] = [38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0];
const B: [f64; 8] = [39.2, 39.3, 39.7, 41.4, 41.8, 42.9, 43.3, 45.8];
const C: [f64; 8] = [34.0, 35.0, 39.0, 40.0, 43.0, 43.0, 44.0, 45.0];
const D: [f64; 8] = [34.0, 34.8, 34.8, 35.4, 37.2, 37.8, 41.2, 42.8];

fn params(variant: AdVariant) -> AndersonParams {
    AndersonParams {
        variant,
        ..AndersonParams::default()
    }
}

#[test]
fn paper_example_matches_published_and_scipy_values() {
    let samples = [&A[..], &B[..], &C[..], &D[..]];
    let mid = anderson_ksamp(&samples, params(AdVariant::Midrank)).unwrap();
    let right = anderson_ksamp(&samples, params(AdVariant::Right)).unwrap();
    // The paper reports standardised values 4.480 (mid-ranks) and 4.449 (eq. 6).
    assert!((mid.statistic.unwrap() - 4.480).abs() < 5e-4);
    assert!((right.statistic.unwrap() - 4.449).abs() < 5e-4);
    // scipy.stats.anderson_ksamp([a, b, c, d], midrank=True / False)
    assert_rel(mid.statistic.unwrap(), 4.479_780_627_135_335, tol::SCIPY);
    assert_rel(mid.pvalue.unwrap(), 0.002_225_442_310_933_588_6, tol::SCIPY);
    assert_rel(right.statistic.unwrap(), 4.449_262_232_403_134, tol::SCIPY);
    assert_rel(
        right.pvalue.unwrap(),
        0.002_311_750_079_827_179_6,
        tol::SCIPY,
    );
    let scipy_critical = [
        0.498_549_184_048_541_8,
        1.323_670_900_630_739_9,
        1.915_776_815_843_899_7,
        2.493_042_125_965_547,
        3.245_932_190_463_498,
        3.822_856_036_364_275,
        5.120_787_889_787_164,
    ];
    for (c, s) in mid.critical_values.iter().zip(scipy_critical) {
        assert_rel(*c, s, tol::SAME_FORMULA);
    }
    assert_eq!(mid.pvalue_limit, None);
    assert_eq!(mid.pvalue_method, Some(AdPValueMethod::Interpolated));
}

#[test]
fn limits_of_the_table_are_reported() {
    let far = [100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0];
    let r = anderson_ksamp(&[&A[..], &far[..]], AndersonParams::default()).unwrap();
    assert_eq!(
        (r.pvalue, r.pvalue_limit),
        (Some(0.001), Some(PValueLimit::Floored))
    );
    let r = anderson_ksamp(&[&A[..], &A[..]], AndersonParams::default()).unwrap();
    assert_eq!(
        (r.pvalue, r.pvalue_limit),
        (Some(0.25), Some(PValueLimit::Capped))
    );
}

#[test]
fn permutation_pvalue_is_seeded_and_exact_when_small() {
    let p = AndersonParams {
        method: AdMethod::Permutation,
        resamples: 2000,
        seed: 5,
        ..AndersonParams::default()
    };
    let samples = [&A[..], &B[..], &C[..], &D[..]];
    let a = anderson_ksamp(&samples, p).unwrap();
    let b = anderson_ksamp(&samples, p).unwrap();
    assert_eq!(a.pvalue, b.pvalue);
    assert_eq!(a.pvalue_method, Some(AdPValueMethod::RandomPermutation));
    assert!(a.pvalue.unwrap() < 0.02);
    // 5 values in samples of 2 and 3: C(5, 2) = 10 orderings, all enumerated. The observed
    // ordering is the most extreme one together with its mirror image: p = 2/10.
    let r = anderson_ksamp(&[&[1.0, 2.0][..], &[3.0, 4.0, 5.0][..]], p).unwrap();
    assert_eq!(r.pvalue_method, Some(AdPValueMethod::ExactPermutation));
    assert_eq!(r.resamples, Some(10));
    // (scipy.stats.anderson_ksamp(..., method=PermutationMethod()) gives 0.2 as well.)
    assert_rel(r.pvalue.unwrap(), 0.2, tol::SAME_FORMULA);
}

#[test]
fn bad_input_names_the_culprit() {
    let p = AndersonParams::default();
    assert!(matches!(
        anderson_ksamp(&[&A[..]], p),
        Err(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
    assert_eq!(
        anderson_ksamp(&[&A[..], &[][..]], p),
        Err(DriftError::Core(CoreError::EmptyInput {
            input: sample_name(1)
        }))
    );
    assert!(matches!(
        anderson_ksamp(&[&A[..], &[1.0, f64::NAN][..]], p),
        Err(DriftError::Core(CoreError::NotFinite { index: 1, .. }))
    ));
    assert_eq!(
        anderson_ksamp(&[&[2.0, 2.0][..], &[2.0][..]], p),
        Err(DriftError::NoVariation { value: 2.0 })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn statistic_invariant_under_reordering(
        a in prop::collection::vec(0u8..6, 2..20),
        b in prop::collection::vec(0u8..6, 2..20),
    ) {
        let a: Vec<f64> = a.into_iter().map(f64::from).collect();
        let b: Vec<f64> = b.into_iter().map(f64::from).collect();
        prop_assume!(a.iter().chain(&b).any(|v| *v != a[0]));
        let mut ar = a.clone();
        ar.reverse();
        for v in [AdVariant::Midrank, AdVariant::Right, AdVariant::Continuous] {
            let x = anderson_ksamp(&[&a, &b], params(v)).unwrap();
            let y = anderson_ksamp(&[&b, &ar], params(v)).unwrap();
            prop_assert!((x.a2 - y.a2).abs() <= 1e-12 * x.a2.abs().max(1.0));
            prop_assert!(x.a2 >= 0.0 && x.distance >= 0.0);
        }
    }
}
