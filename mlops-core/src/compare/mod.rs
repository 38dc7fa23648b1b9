//! Champion/challenger statistics: is the challenger better, and by how much?
//!
//! Paired tests compare two models scored on the same rows (shadow mode).

pub mod accumulator;
pub mod bootstrap;
pub mod common;
pub mod delong;
pub mod mannwhitney;
pub mod mcnemar;
pub mod power;
pub mod proportions;
pub mod sequential;
pub mod tdist;
pub mod ttest;
pub mod wilcoxon;

pub use crate::alternative::Alternative;
pub use accumulator::{ShadowAccumulator, ShadowConfig, ShadowGroupCounts, ShadowSummary};
pub use bootstrap::{
    BootstrapMetric, BootstrapParams, MAX_RESAMPLES, PairedBootstrapResult,
    bootstrap_multiplicities, paired_bootstrap,
};
pub use common::RankMethod;
pub use delong::{DelongResult, delong};
pub use mannwhitney::{MANN_WHITNEY_EXACT_MAX, MannWhitneyResult, mann_whitney_u};
pub use mcnemar::{McNemarResult, mcnemar, mcnemar_from_predictions};
pub use power::{PowerResult, cohens_h, power, sample_size};
pub use proportions::{
    FISHER_TIE_TOLERANCE, FisherExactResult, ProportionsZTestResult, fisher_exact,
    two_proportion_ztest,
};
pub use sequential::{
    ArmStats, SequentialDecision, SequentialKind, SequentialResult, SequentialTest,
};
pub use tdist::{student_t_quantile, student_t_sf};
pub use ttest::{TTestResult, paired_ttest, welch_ttest};
pub use wilcoxon::{WILCOXON_EXACT_MAX, WilcoxonMethod, WilcoxonResult, wilcoxon};

/// The normal tail and quantile used by every test here ([`crate::special`]).
pub(crate) use crate::special::{normal_ppf as normal_quantile, normal_sf};

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from mpmath at 30 digits: erfc(z / sqrt 2) / 2.
    #[test]
    fn normal_tail_to_a_few_ulps() {
        for (z, expected) in [
            (0.5, 0.308_537_538_725_986_9),
            (1.0, 0.158_655_253_931_457_05),
            (3.0, 0.001_349_898_031_630_094_5),
            (8.0, 6.220_960_574_271_784e-16),
        ] {
            let got = normal_sf(z);
            // Rounding z / sqrt(2) by half an ulp moves erfc by about z^2 ulps (its log
            // derivative is ~2x): that, not erfc, bounds the accuracy deep in the tail.
            let tol = (z * z + 4.0) * f64::EPSILON;
            assert!(
                (got / expected - 1.0).abs() < tol,
                "{z}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn normal_quantile_inverts_the_tail() {
        for q in [1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999_999] {
            let x = normal_quantile(q);
            let back = if x > 0.0 {
                1.0 - normal_sf(x)
            } else {
                normal_sf(-x)
            };
            assert!(
                (back - q).abs() <= 8.0 * f64::EPSILON * q.min(1.0 - q).max(1e-300) + 1e-16,
                "{q}: {back}"
            );
        }
        // 1.959963984540054 is the 0.975-quantile (mpmath).
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
    }
}
