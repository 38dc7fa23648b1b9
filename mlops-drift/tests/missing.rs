//! Missing-value and unseen-category rates against statsmodels 0.15 and SciPy 1.17.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::CoreError;
use mlops_drift::missing::RateTest;
use mlops_drift::{DriftError, numeric_missing_drift, rate_drift, unseen_category_drift};

#[test]
fn rate_tests_match_statsmodels_and_scipy() {
    let r = rate_drift(200, 10_000, 50, 1000).unwrap();
    // statsmodels proportions_ztest([50, 200], [1000, 10000])
    assert_rel(r.statistic.unwrap(), 6.069_366_466_306_477_5, tol::SCIPY);
    assert_rel(r.z_pvalue.unwrap(), 1.284_158_146_600_401_3e-9, tol::SCIPY);
    // scipy.stats.fisher_exact([[50, 950], [200, 9800]])
    assert_rel(r.fisher_pvalue, 7.683_474_986_791_039e-8, tol::SCIPY);
    assert_eq!(r.pvalue_test, RateTest::Z);
    // scipy.stats.fisher_exact([[3, 17], [0, 40]]): expected counts 1 and 2 call for Fisher.
    let r = rate_drift(0, 40, 3, 20).unwrap();
    assert_eq!(r.pvalue_test, RateTest::Fisher);
    assert_rel(r.pvalue, 0.033_313_851_548_801_87, tol::SCIPY);
}

#[test]
fn nothing_missing_anywhere_is_not_a_signal() {
    let r = rate_drift(0, 100, 0, 50).unwrap();
    assert_eq!((r.statistic, r.z_pvalue, r.pvalue), (None, None, 1.0));
    assert_eq!(r.pvalue_test, RateTest::Fisher);
}

#[test]
fn numeric_missing_counts_each_kind() {
    let r = numeric_missing_drift(
        &[1.0, f64::NAN, 2.0],
        &[f64::NEG_INFINITY, f64::INFINITY, f64::NAN, 0.0],
    )
    .unwrap();
    assert_eq!(
        (r.reference.nan, r.reference.missing, r.reference.total),
        (1, 1, 3)
    );
    assert_eq!(
        (
            r.current.nan,
            r.current.pos_inf,
            r.current.neg_inf,
            r.current.missing
        ),
        (1, 1, 1, 3)
    );
    assert_eq!(
        numeric_missing_drift(&[], &[1.0]).unwrap_err(),
        DriftError::Core(CoreError::EmptyInput {
            input: "reference".into()
        })
    );
}

#[test]
fn unseen_categories_are_named() {
    let r = unseen_category_drift(&[("a", 5), ("b", 0)], &[("b", 2), ("c", 1), ("a", 3)]).unwrap();
    let names: Vec<_> = r
        .unseen
        .iter()
        .map(|u| (u.name.as_str(), u.count))
        .collect();
    assert_eq!(names, [("b", 2), ("c", 1)]);
    assert_eq!((r.test.current_count, r.test.current_total), (3, 6));
    assert_eq!(
        unseen_category_drift(&[("a", 1), ("a", 1)], &[("a", 1)]).unwrap_err(),
        DriftError::DuplicateCategory {
            sample: "reference".into(),
            category: "a".into()
        }
    );
}
