//! Cramér-von Mises two-sample test against SciPy 1.17.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_drift::{CvmMethod, CvmPValueMethod, DriftError, cramervonmises_2samp};
use proptest::prelude::*;

#[test]
fn exact_and_asymptotic_match_scipy() {
    // scipy.stats.cramervonmises_2samp(x, y): exact, C(13, 6) = 1716 interleavings.
    let x = [1.2, 3.4, 0.7, 2.2, 5.1, 4.0, 2.9];
    let y = [4.8, 6.1, 5.5, 7.2, 3.9, 6.6];
    let r = cramervonmises_2samp(&x, &y, CvmMethod::Auto).unwrap();
    assert_eq!(r.method, CvmPValueMethod::Exact);
    assert_rel(r.statistic, 0.747_252_747_252_747_3, tol::SAME_FORMULA);
    assert_rel(r.pvalue, 0.008_158_508_158_508_158, tol::SCIPY);
    // 14 of the 1716 interleavings reach the observed U.
    assert_rel(r.pvalue, 14.0 / 1716.0, tol::SAME_FORMULA);

    // cramervonmises_2samp(np.arange(30.0) / 7, (np.arange(25.0) / 5) ** 1.3)
    let x: Vec<f64> = (0..30).map(|i| f64::from(i) / 7.0).collect();
    let y: Vec<f64> = (0..25).map(|i| (f64::from(i) / 5.0).powf(1.3)).collect();
    let r = cramervonmises_2samp(&x, &y, CvmMethod::Auto).unwrap();
    assert_eq!(r.method, CvmPValueMethod::Asymptotic);
    assert_rel(r.statistic, 0.490_121_212_121_211_5, tol::SCIPY);
    assert_rel(r.pvalue, 0.042_178_186_219_622_99, tol::SCIPY);
}

#[test]
fn too_small_samples_are_refused() {
    assert_eq!(
        cramervonmises_2samp(&[1.0], &[2.0, 3.0], CvmMethod::Auto),
        Err(DriftError::TooFewObservations {
            sample: "reference".into(),
            found: 1,
            needed: 2
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn exact_pvalue_counts_interleavings(
        x in prop::collection::vec(0.0f64..1.0, 2..7),
        y in prop::collection::vec(0.0f64..1.0, 2..7),
    ) {
        // Brute force: every split of the pooled ranks 1..N into m and n.
        let (m, n) = (x.len(), y.len());
        let big_n = m + n;
        let u_of = |rx: &[usize], ry: &[usize]| -> f64 {
            let sx: f64 = rx.iter().enumerate().map(|(i, &r)| ((r - i - 1) as f64).powi(2)).sum();
            let sy: f64 = ry.iter().enumerate().map(|(j, &r)| ((r - j - 1) as f64).powi(2)).sum();
            m as f64 * sx + n as f64 * sy
        };
        let r = cramervonmises_2samp(&x, &y, CvmMethod::Exact).unwrap();
        prop_assume!({
            let mut all: Vec<f64> = x.iter().chain(&y).copied().collect();
            all.sort_by(f64::total_cmp);
            all.windows(2).all(|w| w[0] < w[1])
        });
        let mut hits = 0u64;
        let mut total = 0u64;
        for mask in 0u32..(1 << big_n) {
            if mask.count_ones() as usize != m {
                continue;
            }
            let rx: Vec<usize> = (1..=big_n).filter(|r| mask & (1 << (r - 1)) != 0).collect();
            let ry: Vec<usize> = (1..=big_n).filter(|r| mask & (1 << (r - 1)) == 0).collect();
            total += 1;
            if u_of(&rx, &ry) >= r.u - 1e-9 {
                hits += 1;
            }
        }
        prop_assert!((r.pvalue - hits as f64 / total as f64).abs() < 1e-12);
    }
}
