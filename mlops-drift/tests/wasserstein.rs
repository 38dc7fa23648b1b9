//! Wasserstein-1 distance against SciPy 1.17.1 and the quantile-function definition; the
//! weighted distance against SciPy and against repeated values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::CoreError;
use mlops_drift::{DriftError, wasserstein, wasserstein_weighted};
use proptest::prelude::*;

#[test]
fn matches_scipy_reference() {
    // scipy.stats.wasserstein_distance([0.5, 1.5, 2.0, 7.25], [1.0, 3.0, 3.5])
    let r = wasserstein(&[0.5, 1.5, 2.0, 7.25], &[1.0, 3.0, 3.5]).unwrap();
    assert_rel(r.distance, 1.645_833_333_333_333_5, tol::SAME_FORMULA);
    assert_eq!(r.statistic, r.distance);
    assert!(r.pvalue.is_none());
    // numpy.std([0.5, 1.5, 2.0, 7.25]) (ddof = 0)
    assert_rel(r.reference_std, 2.618_295_008_206_676_5, 1e-14);
    assert_rel(r.normalized.unwrap(), r.distance / r.reference_std, 1e-15);
}

#[test]
fn shift_by_one_std_scores_one() {
    let reference = [1.0, 2.0, 3.0, 4.0, 5.0];
    let sd = 2.0_f64.sqrt(); // population sd of 1..5
    let current: Vec<f64> = reference.iter().map(|v| v + sd).collect();
    let r = wasserstein(&reference, &current).unwrap();
    assert_rel(r.normalized.unwrap(), 1.0, 1e-14);
}

#[test]
fn constant_reference_has_no_normalized_value() {
    let r = wasserstein(&[2.0, 2.0], &[3.0]).unwrap();
    assert_eq!(r.distance, 1.0);
    assert!(r.normalized.is_none());
}

#[test]
fn bad_input_names_the_culprit() {
    assert_eq!(
        wasserstein(&[], &[1.0]),
        Err(DriftError::Core(CoreError::EmptyInput {
            input: "reference".into()
        }))
    );
    match wasserstein(&[1.0], &[0.0, f64::NAN]) {
        Err(DriftError::Core(CoreError::NotFinite {
            input: sample,
            index,
            ..
        })) => {
            assert_eq!((sample.as_str(), index), ("current", 1));
        }
        other => panic!("{other:?}"),
    }
}

/// For equal sizes, W1 is the mean absolute difference of the sorted samples.
fn brute_equal_sizes(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

proptest! {
    #[test]
    fn equal_sizes_match_the_sorted_matching(
        pairs in proptest::collection::vec((-100.0..100.0f64, -100.0..100.0f64), 1..40)
    ) {
        let (a, b): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        let r = wasserstein(&a, &b).unwrap();
        let want = brute_equal_sizes(&a, &b);
        prop_assert!((r.distance - want).abs() <= 1e-9 * (1.0 + want));
    }

    #[test]
    fn symmetric_and_repeat_invariant(
        a in proptest::collection::vec(-10.0..10.0f64, 1..20),
        b in proptest::collection::vec(-10.0..10.0f64, 1..20),
    ) {
        let ab = wasserstein(&a, &b).unwrap().distance;
        let ba = wasserstein(&b, &a).unwrap().distance;
        prop_assert!((ab - ba).abs() <= 1e-12 * (1.0 + ab));
        let aa: Vec<f64> = a.iter().chain(a.iter()).copied().collect();
        let twice = wasserstein(&aa, &b).unwrap().distance;
        prop_assert!((ab - twice).abs() <= 1e-12 * (1.0 + ab));
    }
}

#[test]
fn weighted_matches_scipy_reference() {
    // scipy.stats.wasserstein_distance([0.5, 1.5, 2.0, 7.25], [1.0, 3.0, 3.5],
    //     [1, 0, 2.5, 0.5], [3, 1, 0]) (SciPy 1.17.1)
    let r = wasserstein_weighted(
        &[0.5, 1.5, 2.0, 7.25],
        &[1.0, 3.0, 3.5],
        Some(&[1.0, 0.0, 2.5, 0.5]),
        Some(&[3.0, 1.0, 0.0]),
    )
    .unwrap();
    assert_rel(r.distance, 1.281_25, tol::SAME_FORMULA);
    // numpy: sqrt(average((u - average(u, weights=w))**2, weights=w))
    assert_rel(r.reference_std, 1.982_097_610_487_435, 1e-14);
    assert_eq!((r.reference_size, r.current_size), (4, 3));
    // Without weights it is the unweighted distance, to the bit.
    let plain = wasserstein(&[0.5, 1.5, 2.0, 7.25], &[1.0, 3.0, 3.5]).unwrap();
    let none = wasserstein_weighted(&[0.5, 1.5, 2.0, 7.25], &[1.0, 3.0, 3.5], None, None).unwrap();
    assert_eq!(plain, none);
}

#[test]
fn weight_errors_name_the_parameter() {
    let err = |rw: Option<&[f64]>, cw: Option<&[f64]>| match wasserstein_weighted(
        &[0.0, 1.0, 2.0],
        &[0.5, 3.0],
        rw,
        cw,
    )
    .unwrap_err()
    {
        DriftError::Core(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err(Some(&[1.0, -2.0, 1.0]), None),
        CoreError::NegativeWeight {
            input: "reference_weights".into(),
            index: 1,
            value: -2.0
        }
    );
    assert!(matches!(
        err(None, Some(&[1.0, f64::NAN])),
        CoreError::NotFinite { input, index: 1, .. } if input == "current_weights"
    ));
    assert_eq!(
        err(None, Some(&[0.0, 0.0])),
        CoreError::AllWeightsZero {
            input: "current_weights".into()
        }
    );
    assert_eq!(
        err(Some(&[1.0, 1.0]), None),
        CoreError::LengthMismatch {
            input: "reference_weights".into(),
            reference: "reference".into(),
            expected: 3,
            found: 2
        }
    );
    // The samples are checked first, as in the unweighted function.
    assert_eq!(
        wasserstein_weighted(&[], &[1.0], Some(&[]), None).unwrap_err(),
        DriftError::Core(CoreError::EmptyInput {
            input: "reference".into()
        })
    );
}

proptest! {
    #[test]
    fn integer_weights_are_repetitions(
        a in proptest::collection::vec((-5i32..5, 0u8..4), 1..25),
        b in proptest::collection::vec((-5i32..5, 0u8..4), 1..25),
    ) {
        prop_assume!(a.iter().any(|p| p.1 > 0) && b.iter().any(|p| p.1 > 0));
        let values = |v: &[(i32, u8)]| v.iter().map(|p| f64::from(p.0)).collect::<Vec<f64>>();
        let weights = |v: &[(i32, u8)]| v.iter().map(|p| f64::from(p.1)).collect::<Vec<f64>>();
        let repeated = |v: &[(i32, u8)]| {
            v.iter()
                .flat_map(|p| std::iter::repeat_n(f64::from(p.0), usize::from(p.1)))
                .collect::<Vec<f64>>()
        };
        let (wa, wb) = (weights(&a), weights(&b));
        let w = wasserstein_weighted(&values(&a), &values(&b), Some(&wa), Some(&wb)).unwrap();
        let r = wasserstein(&repeated(&a), &repeated(&b)).unwrap();
        prop_assert!((w.distance - r.distance).abs() <= 1e-12 * (1.0 + r.distance));
        prop_assert!((w.reference_std - r.reference_std).abs() <= 1e-12 * (1.0 + r.reference_std));
        // Scaling every weight of a sample changes nothing.
        let wa3: Vec<f64> = wa.iter().map(|x| 3.0 * x).collect();
        let s = wasserstein_weighted(&values(&a), &values(&b), Some(&wa3), Some(&wb)).unwrap();
        prop_assert!((s.distance - w.distance).abs() <= 1e-12 * (1.0 + w.distance));
    }
}
