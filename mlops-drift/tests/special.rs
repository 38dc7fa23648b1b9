//! The special functions against SciPy 1.17.1 reference values (computed with
//! `scipy.special.gammaincc`, `scipy.special.betainc` and `scipy.stats.beta.ppf`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::special::{beta_inc, beta_ppf, chi2_sf, gamma_q, normal_ppf, normal_sf};

#[test]
fn gamma_q_matches_scipy_gammaincc() {
    let cases = [
        (0.5, 0.1, 0.654_720_846_018_576_8),
        (1.5, 3.0, 0.111_610_225_094_712_68),
        (5.0, 40.0, 5.020_464_318_829_132e-13),
        (50.0, 60.0, 0.084_406_681_093_691_77),
        (2.5, 100.0, 2.840_622_898_641_553_4e-41),
        (0.5, 700.0, 2.101_014_516_264_400_3e-306),
    ];
    for (a, x, want) in cases {
        assert_rel(gamma_q(a, x), want, tol::SCIPY);
    }
}

#[test]
fn gamma_q_edges_and_domain() {
    assert_eq!(gamma_q(2.0, 0.0), 1.0);
    assert_eq!(gamma_q(2.0, f64::INFINITY), 0.0);
    assert!(gamma_q(0.0, 1.0).is_nan());
    assert!(gamma_q(1.0, -1.0).is_nan());
    assert_eq!(chi2_sf(3.0, 0.0), 0.0);
    assert_eq!(chi2_sf(0.0, 4.0), 1.0);
    // Q(1, x) = exp(-x): a closed form.
    for x in [0.1, 1.0, 2.0, 10.0, 50.0] {
        assert_rel(gamma_q(1.0, x), (-x).exp(), 1e-14);
    }
    // chi2 with 2 dof: sf = exp(-x / 2).
    for x in [0.5, 3.0, 40.0] {
        assert_rel(chi2_sf(x, 2.0), (-x / 2.0).exp(), 1e-14);
    }
}

#[test]
fn beta_inc_matches_scipy_betainc() {
    let cases = [
        (2.0, 3.0, 0.4, 0.524_799_999_999_999_9),
        (10.0, 500.0, 0.01, 0.034_448_816_783_425_24),
        (0.5, 0.5, 0.999, 0.979_864_958_366_623_5),
        (50.0, 60.0, 0.5, 0.830_907_293_901_669_3),
    ];
    for (a, b, x, want) in cases {
        assert_rel(beta_inc(a, b, x), want, tol::SCIPY);
    }
    assert!(beta_inc(1.0, 1.0, 1.5).is_nan());
    // I_x(1, 1) = x.
    for x in [1e-300, 0.3, 0.9] {
        assert_rel(beta_inc(1.0, 1.0, x), x, 1e-13);
    }
}

#[test]
fn beta_ppf_matches_scipy_and_inverts() {
    let cases = [
        (0.025, 1.0, 1000.0, 2.531_748_749_129_404e-5),
        (0.975, 181.0, 220.0, 0.500_220_600_015_267_5),
        (0.025, 180.0, 221.0, 0.400_524_525_719_172_8),
    ];
    for (q, a, b, want) in cases {
        assert_rel(beta_ppf(q, a, b), want, tol::SCIPY);
    }
    for (q, a, b) in [(0.01, 3.0, 7.0), (0.5, 0.5, 2.0), (0.999, 40.0, 2.0)] {
        assert_rel(beta_inc(a, b, beta_ppf(q, a, b)), q, 1e-12);
    }
}

#[test]
fn normal_quantile_inverts_the_tail() {
    for q in [1e-12, 0.001, 0.025, 0.5, 0.975, 0.999] {
        let x = normal_ppf(q);
        let back = if x > 0.0 {
            1.0 - normal_sf(x)
        } else {
            normal_sf(-x)
        };
        assert_rel(back, q, 1e-13);
    }
    // scipy.special.ndtri(0.975)
    assert_rel(normal_ppf(0.975), 1.959_963_984_540_054, 1e-15);
}
