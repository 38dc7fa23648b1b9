//! Seeded false-alarm simulations: with no drift (both samples from one distribution), how
//! often does each test reject at `alpha = 0.05`? Over `R = 2000` replicates the count of
//! rejections is Binomial(R, size). For tests whose p-value is exact or asymptotically exact
//! for a continuous statistic, the rejection rate must lie in the central 99.98% binomial
//! band around 0.05. Tests on a discrete statistic whose p-value is exact are
//! **conservative** (`P(p <= alpha) <= alpha`, strictly below when no attainable p-value
//! equals alpha): for them only the upper end of the band is required, and a lower sanity
//! floor shows they can still reject.
//!
//! Conservative here: KS with exact p-values (the statistic takes values on the lattice
//! `1/lcm(m, n)`), Cramér-von Mises exact (finitely many values of `U`), Fisher's exact test
//! (conditional on both margins, a discrete hypergeometric tail), and the KS asymptotic
//! p-value at these sizes (Kolmogorov's limit overstates the tail for small samples, which
//! makes it conservative too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use mlops_drift::ks::Alternative;
use mlops_drift::{
    AndersonParams, CategoricalParams, CvmMethod, KsMethod, KsParams, anderson_ksamp,
    categorical_drift, cramervonmises_2samp, ks_2samp, proportion_drift, rate_drift,
};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const REPLICATES: u64 = 2000;
const ALPHA: f64 = 0.05;

/// The central band of Binomial(n, p) leaving at most `tail` in each tail, as counts.
fn binomial_band(n: u64, p: f64, tail: f64) -> (u64, u64) {
    // pmf by the ratio recurrence from k = 0, in log space to stay finite.
    let mut ln_pmf = vec![0.0_f64; n as usize + 1];
    ln_pmf[0] = n as f64 * (1.0 - p).ln();
    for k in 1..=n {
        ln_pmf[k as usize] =
            ln_pmf[k as usize - 1] + ((n - k + 1) as f64 / k as f64).ln() + (p / (1.0 - p)).ln();
    }
    let pmf: Vec<f64> = ln_pmf.iter().map(|v| v.exp()).collect();
    let mut lo = 0;
    let mut acc = 0.0;
    while acc + pmf[lo] <= tail {
        acc += pmf[lo];
        lo += 1;
    }
    let mut hi = n as usize;
    let mut acc = 0.0;
    while acc + pmf[hi] <= tail {
        acc += pmf[hi];
        hi -= 1;
    }
    (lo as u64, hi as u64)
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box-Muller.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn sample(rng: &mut Xoshiro256PlusPlus, n: usize) -> Vec<f64> {
    (0..n).map(|_| normal(rng)).collect()
}

fn binomial(rng: &mut Xoshiro256PlusPlus, n: u64, p: f64) -> u64 {
    (0..n).map(|_| u64::from(rng.random::<f64>() < p)).sum()
}

/// Rejection count of `test` (a p-value per replicate) over the replicates.
fn rejections(seed: u64, mut test: impl FnMut(&mut Xoshiro256PlusPlus) -> f64) -> u64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..REPLICATES)
        .map(|_| u64::from(test(&mut rng) <= ALPHA))
        .sum()
}

#[track_caller]
fn assert_nominal(name: &str, count: u64) {
    let (lo, hi) = binomial_band(REPLICATES, ALPHA, 1e-4);
    eprintln!("{name}: {count} / {REPLICATES} (band [{lo}, {hi}])");
    assert!(
        (lo..=hi).contains(&count),
        "{name}: {count} rejections of {REPLICATES}, outside [{lo}, {hi}]"
    );
}

#[track_caller]
fn assert_conservative(name: &str, count: u64) {
    let (_, hi) = binomial_band(REPLICATES, ALPHA, 1e-4);
    // A test that never rejects would pass the upper bound: require a fifth of the level.
    let floor = REPLICATES / 100;
    eprintln!("{name}: {count} / {REPLICATES} (conservative: [{floor}, {hi}])");
    assert!(
        (floor..=hi).contains(&count),
        "{name}: {count} rejections of {REPLICATES}, outside [{floor}, {hi}]"
    );
}

#[test]
fn band_is_right() {
    // Binomial(2000, 0.05) has mean 100 and sd 9.75: the 1e-4 tails are about 3.7 sd out.
    let (lo, hi) = binomial_band(REPLICATES, ALPHA, 1e-4);
    assert!(
        (60..=68).contains(&lo) && (134..=142).contains(&hi),
        "{lo} {hi}"
    );
}

#[test]
fn ks_exact_and_asymptotic() {
    let exact = KsParams::new(Alternative::TwoSided, KsMethod::Exact);
    let asymp = KsParams::new(Alternative::TwoSided, KsMethod::Asymp);
    let n = rejections(1, |r| {
        let (a, b) = (sample(r, 60), sample(r, 45));
        ks_2samp(&a, &b, exact).unwrap().pvalue
    });
    assert_conservative("KS exact", n);
    let n = rejections(2, |r| {
        let (a, b) = (sample(r, 60), sample(r, 45));
        ks_2samp(&a, &b, asymp).unwrap().pvalue
    });
    assert_conservative("KS asymptotic", n);
}

#[test]
fn anderson_darling_interpolated() {
    let n = rejections(3, |r| {
        let (a, b, c) = (sample(r, 50), sample(r, 40), sample(r, 30));
        anderson_ksamp(&[&a, &b, &c], AndersonParams::default())
            .unwrap()
            .pvalue
            .unwrap()
    });
    assert_nominal("Anderson-Darling", n);
}

#[test]
fn cramer_von_mises_exact_and_asymptotic() {
    let n = rejections(4, |r| {
        let (a, b) = (sample(r, 12), sample(r, 9));
        cramervonmises_2samp(&a, &b, CvmMethod::Exact)
            .unwrap()
            .pvalue
    });
    assert_conservative("CvM exact", n);
    let n = rejections(5, |r| {
        let (a, b) = (sample(r, 80), sample(r, 60));
        cramervonmises_2samp(&a, &b, CvmMethod::Asymptotic)
            .unwrap()
            .pvalue
    });
    assert_nominal("CvM asymptotic", n);
}

#[test]
fn chi_square_homogeneity() {
    let probs = [0.4, 0.25, 0.2, 0.1, 0.05];
    let names = ["a", "b", "c", "d", "e"];
    let n = rejections(6, |r| {
        let mut counts = [[0.0_f64; 5]; 2];
        for (row, size) in counts.iter_mut().zip([400, 300]) {
            for _ in 0..size {
                let u: f64 = r.random();
                let mut acc = 0.0;
                let k = probs
                    .iter()
                    .position(|p| {
                        acc += p;
                        u < acc
                    })
                    .unwrap_or(4);
                row[k] += 1.0;
            }
        }
        let pairs = |row: &[f64; 5]| -> Vec<(&str, f64)> {
            names.iter().copied().zip(row.iter().copied()).collect()
        };
        categorical_drift(
            &pairs(&counts[0]),
            &pairs(&counts[1]),
            CategoricalParams::default(),
        )
        .unwrap()
        .pvalue
    });
    assert_nominal("chi-square homogeneity", n);
}

#[test]
fn proportion_tests() {
    let n = rejections(7, |r| {
        let (x0, x) = (binomial(r, 800, 0.3), binomial(r, 500, 0.3));
        proportion_drift(x0, 800, x, 500, 0.95)
            .unwrap()
            .pvalue
            .unwrap()
    });
    assert_nominal("two-proportion z", n);
    let n = rejections(8, |r| {
        let (x0, x) = (binomial(r, 800, 0.1), binomial(r, 500, 0.1));
        rate_drift(x0, 800, x, 500).unwrap().z_pvalue.unwrap()
    });
    assert_nominal("missing-rate z", n);
    let n = rejections(9, |r| {
        let (x0, x) = (binomial(r, 60, 0.1), binomial(r, 40, 0.1));
        rate_drift(x0, 60, x, 40).unwrap().fisher_pvalue
    });
    assert_conservative("missing-rate Fisher", n);
}
