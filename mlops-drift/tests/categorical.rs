//! Categorical drift against SciPy 1.17.1 (`scipy.stats.chi2_contingency`) and the
//! definitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::CoreError;
use mlops_drift::{CategoricalParams, DriftError, categorical_drift};

fn example() -> mlops_drift::CategoricalResult {
    let training = [("rent", 300.0), ("own", 500.0), ("mortgage", 200.0)];
    let production = [
        ("own", 60.0),
        ("rent", 90.0),
        ("mortgage", 40.0),
        ("other", 10.0),
    ];
    categorical_drift(&training, &production, CategoricalParams::default()).unwrap()
}

#[test]
fn chi_square_and_g_match_scipy() {
    let r = example();
    // chi2_contingency([[300, 500, 200, 0], [90, 60, 40, 10]], correction=False)
    assert_rel(r.statistic, 75.824_175_824_175_82, tol::SCIPY);
    assert_rel(r.pvalue, 2.412_413_524_446_538_7e-16, tol::SCIPY);
    assert_eq!(r.dof, 3);
    // ... lambda_="log-likelihood"
    assert_rel(r.g_statistic, 62.358_538_072_139_01, tol::SCIPY);
    assert_rel(r.g_pvalue, 1.841_652_666_739_267_7e-13, tol::SCIPY);
    assert_rel(r.cramers_v, (r.statistic / 1200.0).sqrt(), 1e-15);
}

#[test]
fn categories_align_and_unseen_are_named() {
    let r = example();
    assert_eq!(r.categories, vec!["rent", "own", "mortgage", "other"]);
    assert_eq!(r.unseen_categories, vec!["other"]);
    assert_eq!(r.reference_counts, vec![300.0, 500.0, 200.0, 0.0]);
    assert_eq!(r.current_counts, vec![90.0, 60.0, 40.0, 10.0]);
}

#[test]
fn divergences_match_definitions() {
    let r = example();
    let rp = [0.3, 0.5, 0.2, 0.0];
    let cp = [0.45, 0.3, 0.2, 0.05];
    let (eps, k) = (1e-4, 4.0);
    let s = |p: f64| (p + eps) / (1.0 + k * eps);
    let kl: f64 = rp
        .iter()
        .zip(&cp)
        .map(|(&r, &c)| s(c) * (s(c) / s(r)).ln())
        .sum();
    let psi: f64 = rp
        .iter()
        .zip(&cp)
        .map(|(&r, &c)| (s(c) - s(r)) * (s(c) / s(r)).ln())
        .sum();
    assert_rel(r.kl_divergence, kl, tol::SAME_FORMULA);
    assert_rel(r.psi, psi, tol::SAME_FORMULA);
    assert_rel(r.total_variation, 0.2, 1e-14);
    // the unseen category dominates KL and stays finite
    assert!(r.kl_divergence.is_finite() && r.kl_divergence > 0.05 * (0.05f64 / 1e-4).ln() * 0.9);
}

#[test]
fn identical_distributions_show_no_drift() {
    let a = [("a", 10.0), ("b", 30.0), ("c", 0.0)];
    let b = [("a", 20.0), ("b", 60.0)];
    let r = categorical_drift(&a, &b, CategoricalParams::default()).unwrap();
    assert!(r.statistic.abs() < 1e-12 && r.kl_divergence.abs() < 1e-12);
    assert_eq!(r.dof, 1); // "c" has no count in either sample
    assert_rel(r.pvalue, 1.0, 1e-12);
    assert!(r.unseen_categories.is_empty());
}

#[test]
fn one_category_has_zero_dof() {
    let r = categorical_drift(&[("a", 3.0)], &[("a", 5.0)], CategoricalParams::default()).unwrap();
    assert_eq!((r.dof, r.statistic, r.pvalue), (0, 0.0, 1.0));
}

#[test]
fn bad_input_names_the_culprit() {
    let p = CategoricalParams::default();
    assert_eq!(
        categorical_drift(&[("a", 1.0), ("b", -2.0)], &[("a", 1.0)], p),
        Err(DriftError::InvalidCount {
            sample: "reference".into(),
            category: "b".into(),
            value: -2.0
        })
    );
    assert_eq!(
        categorical_drift(&[("a", 1.0)], &[("a", 1.0), ("a", 2.0)], p),
        Err(DriftError::DuplicateCategory {
            sample: "current".into(),
            category: "a".into()
        })
    );
    assert_eq!(
        categorical_drift(&[("a", 0.0)], &[("a", 1.0)], p),
        Err(DriftError::Core(CoreError::EmptyInput {
            input: "reference".into()
        }))
    );
    let nan = categorical_drift(&[("a", f64::NAN)], &[("a", 1.0)], p);
    assert!(matches!(nan, Err(DriftError::InvalidCount { .. })));
    let eps = categorical_drift(
        &[("a", 1.0)],
        &[("a", 1.0)],
        CategoricalParams { epsilon: -1.0 },
    );
    assert!(matches!(
        eps,
        Err(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
}
