//! The paired and two-sample tests against their definitions: exact null distributions by
//! enumerating every sign pattern, assignment or table; the t tail against scipy reference
//! values; and the typed errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::CoreError;
use mlops_core::compare::{
    Alternative, RankMethod, WilcoxonMethod, fisher_exact, mann_whitney_u, paired_ttest,
    student_t_quantile, student_t_sf, two_proportion_ztest, welch_ttest, wilcoxon,
};
use proptest::prelude::*;

mod common;
use common::close;

/// Tolerances of this file, in one place.
mod tol {
    /// Exact enumeration vs. the library's exact distributions (sums of a few thousand
    /// probabilities).
    pub const EXACT: f64 = 1e-13;
    /// Student's t tail against scipy's `t.sf` (relative; df up to 1e5).
    pub const T_TAIL: f64 = 1e-11;
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a - b).abs() <= tol * a.abs().max(b.abs())
}

const ALTERNATIVES: [Alternative; 3] = [
    Alternative::TwoSided,
    Alternative::Greater,
    Alternative::Less,
];

/// Sum of the ranks (doubled) of `|d|` for positive `d`, zeros dropped; all doubled ranks.
fn signed_ranks(d: &[f64]) -> (u64, Vec<u64>) {
    let nz: Vec<f64> = d.iter().copied().filter(|&x| x != 0.0).collect();
    let ranks: Vec<u64> = nz
        .iter()
        .map(|x| {
            let below = nz.iter().filter(|y| y.abs() < x.abs()).count() as u64;
            let equal = nz.iter().filter(|y| y.abs() == x.abs()).count() as u64;
            // Average of ranks below+1 ..= below+equal, doubled.
            2 * below + equal + 1
        })
        .collect();
    let plus = nz
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    (plus, ranks)
}

/// p-values by enumerating all 2^n sign patterns (`<=` and `>=` counts).
fn wilcoxon_brute(d: &[f64]) -> (f64, f64) {
    let (plus, ranks) = signed_ranks(d);
    let n = ranks.len();
    let (mut le, mut ge) = (0u64, 0u64);
    for mask in 0u64..1 << n {
        let s: u64 = (0..n)
            .filter(|&i| mask >> i & 1 == 1)
            .map(|i| ranks[i])
            .sum();
        le += u64::from(s <= plus);
        ge += u64::from(s >= plus);
    }
    let t = (1u64 << n) as f64;
    (le as f64 / t, ge as f64 / t)
}

fn pick(alt: Alternative, less: f64, greater: f64) -> f64 {
    match alt {
        Alternative::Less => less,
        Alternative::Greater => greater,
        Alternative::TwoSided => (2.0 * less.min(greater)).min(1.0),
    }
}

proptest! {
    #[test]
    fn wilcoxon_exact_matches_enumeration(
        d in prop::collection::vec(-1000i32..1000, 1..=12),
    ) {
        // Distinct non-zero magnitudes: the exact (tie-free) distribution applies.
        let mut seen = std::collections::HashSet::new();
        let d: Vec<f64> = d.into_iter()
            .filter(|x| *x != 0 && seen.insert(x.abs()))
            .map(f64::from)
            .collect();
        prop_assume!(!d.is_empty());
        let zeros = vec![0.0; d.len()];
        let (less, greater) = wilcoxon_brute(&d);
        for alt in ALTERNATIVES {
            let r = wilcoxon(&d[..], &zeros[..], alt, RankMethod::Auto).unwrap();
            prop_assert_eq!(r.method, WilcoxonMethod::Exact);
            prop_assert!(rel_close(r.pvalue, pick(alt, less, greater), tol::EXACT));
        }
    }

    #[test]
    fn wilcoxon_with_ties_and_zeros_enumerates_sign_flips(
        d in prop::collection::vec(-3i32..=3, 1..=12),
    ) {
        let d: Vec<f64> = d.into_iter().map(f64::from).collect();
        prop_assume!(d.iter().any(|&x| x != 0.0));
        let zeros = vec![0.0; d.len()];
        let (less, greater) = wilcoxon_brute(&d);
        let (_, ranks) = signed_ranks(&d);
        let tied = d.contains(&0.0)
            || ranks.len() != ranks.iter().collect::<std::collections::HashSet<_>>().len();
        for alt in ALTERNATIVES {
            let r = wilcoxon(&d[..], &zeros[..], alt, RankMethod::Auto).unwrap();
            if tied {
                prop_assert_eq!(r.method, WilcoxonMethod::Permutation);
                prop_assert!(rel_close(r.pvalue, pick(alt, less, greater), tol::EXACT));
            }
            prop_assert!((r.r_plus + r.r_minus - (r.n_nonzero * (r.n_nonzero + 1)) as f64 / 2.0).abs() < 1e-12);
        }
    }

    #[test]
    fn mann_whitney_exact_matches_enumeration(
        a in prop::collection::vec(0u32..10_000, 1..=6),
        b in prop::collection::vec(0u32..10_000, 1..=7),
    ) {
        let mut pooled: Vec<u32> = a.iter().chain(&b).copied().collect();
        pooled.sort_unstable();
        pooled.dedup();
        prop_assume!(pooled.len() == a.len() + b.len());
        let (af, bf): (Vec<f64>, Vec<f64>) = (
            a.iter().map(|&x| f64::from(x)).collect(),
            b.iter().map(|&x| f64::from(x)).collect(),
        );
        let u_of = |xs: &[f64], ys: &[f64]| -> usize {
            xs.iter().map(|x| ys.iter().filter(|y| x > *y).count()).sum()
        };
        let u_obs = u_of(&af, &bf);
        // Enumerate every way to split the ranks 1..=N into sizes (m, n).
        let (m, n) = (a.len(), b.len());
        let total = m + n;
        let (mut le, mut ge, mut count) = (0u64, 0u64, 0u64);
        for mask in 0u32..1 << total {
            if mask.count_ones() as usize != m {
                continue;
            }
            let xs: Vec<f64> = (0..total).filter(|i| mask >> i & 1 == 1).map(|i| i as f64).collect();
            let ys: Vec<f64> = (0..total).filter(|i| mask >> i & 1 == 0).map(|i| i as f64).collect();
            let u = u_of(&xs, &ys);
            le += u64::from(u <= u_obs);
            ge += u64::from(u >= u_obs);
            count += 1;
        }
        let (pl, pg) = (le as f64 / count as f64, ge as f64 / count as f64);
        for alt in ALTERNATIVES {
            let r = mann_whitney_u(&af[..], &bf[..], alt, RankMethod::Exact).unwrap();
            prop_assert_eq!(r.statistic, u_obs as f64);
            prop_assert!(rel_close(r.pvalue, pick(alt, pl, pg), tol::EXACT), "{alt:?}: {} vs {}", r.pvalue, pick(alt, pl, pg));
            // auto picks the exact distribution here (a sample of at most 8, no ties).
            let auto = mann_whitney_u(&af[..], &bf[..], alt, RankMethod::Auto).unwrap();
            prop_assert!(auto.exact);
        }
    }

    #[test]
    fn fisher_matches_table_enumeration(
        t in prop::array::uniform4(0u64..15),
    ) {
        let table = [[t[0], t[1]], [t[2], t[3]]];
        let (n1, n2, n) = (t[0] + t[1], t[2] + t[3], t[0] + t[2]);
        let r = fisher_exact(table, Alternative::TwoSided).unwrap();
        if n1 == 0 || n2 == 0 || n == 0 || t[1] + t[3] == 0 {
            prop_assert!(r.degenerate && r.pvalue == 1.0 && r.statistic.is_none());
            return Ok(());
        }
        // Hypergeometric probabilities from exact binomial coefficients.
        let binom = |n: u64, k: u64| -> f64 {
            let mut c = 1u128;
            for i in 0..k { c = c * u128::from(n - i) / u128::from(i + 1); }
            c as f64
        };
        let lo = n.saturating_sub(n2);
        let hi = n1.min(n);
        let pmf = |x: u64| binom(n1, x) * binom(n2, n - x) / binom(n1 + n2, n);
        let pobs = pmf(t[0]);
        let two: f64 = (lo..=hi).map(pmf).filter(|&p| p <= pobs * (1.0 + 1e-7)).sum();
        let less: f64 = (lo..=t[0]).map(pmf).sum();
        let greater: f64 = (t[0]..=hi).map(pmf).sum();
        prop_assert!(rel_close(r.pvalue, two.min(1.0), 1e-12), "{} vs {}", r.pvalue, two);
        let rl = fisher_exact(table, Alternative::Less).unwrap();
        let rg = fisher_exact(table, Alternative::Greater).unwrap();
        prop_assert!(rel_close(rl.pvalue, less.min(1.0), 1e-12));
        prop_assert!(rel_close(rg.pvalue, greater.min(1.0), 1e-12));
        let or = r.statistic.unwrap();
        if t[1] * t[2] == 0 { prop_assert!(or.is_infinite()); }
        else { prop_assert_eq!(or, (t[0] * t[3]) as f64 / (t[1] * t[2]) as f64); }
    }

    #[test]
    fn paired_ttest_is_its_definition(
        pairs in prop::collection::vec((-100i32..100, -100i32..100), 2..40),
    ) {
        let a: Vec<f64> = pairs.iter().map(|p| f64::from(p.0) / 8.0).collect();
        let b: Vec<f64> = pairs.iter().map(|p| f64::from(p.1) / 8.0).collect();
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let r = paired_ttest(&a[..], &b[..], Alternative::TwoSided, 0.9).unwrap();
        prop_assert!(close(r.difference, mean));
        if sd > 0.0 {
            let t = mean / (sd / n.sqrt());
            prop_assert!(close(r.statistic.unwrap(), t));
            let p = 2.0 * student_t_sf(t.abs(), n - 1.0).unwrap();
            // t itself differs in the last bits (sd / sqrt(n) vs sqrt(var / n)).
            prop_assert!(rel_close(r.pvalue.unwrap(), p.min(1.0), 1e-11));
            // The interval is where the two-sided test at 1 - level does not reject.
            let q = student_t_quantile(0.95, n - 1.0).unwrap();
            prop_assert!(close(r.ci_high - r.ci_low, 2.0 * q * sd / n.sqrt()));
        } else {
            prop_assert!(r.statistic.is_none() && r.pvalue.is_none());
        }
    }
}

/// scipy.stats.t.sf(t, df), printed with repr (scipy 1.17, Boost's incomplete beta).
#[test]
#[allow(clippy::excessive_precision)] // the reference digits, as printed
fn t_tail_matches_scipy() {
    for (t, df, expected) in [
        (0.5, 3.0, 0.325_723_982_424_075_5),
        (3.0, 7.5, 0.009_195_469_304_102_253),
        (10.0, 4.0, 0.000_281_001_811_357_995_5),
        (40.0, 30.0, 6.863_022_597_203_209e-28),
        (2.5, 1e5, 0.006_210_459_596_279_529_5),
        (1.0, 1.0, 0.250_000_000_000_000_06),
        (8.0, 200.0, 4.939_600_454_665_298e-14),
        (0.01, 2.5, 0.496_381_997_178_954_15),
    ] {
        let got = student_t_sf(t, df).unwrap();
        assert!(
            rel_close(got, expected, tol::T_TAIL),
            "t={t} df={df}: {got} vs {expected}"
        );
        let back = -student_t_quantile(expected, df).unwrap();
        assert!(
            (back / t - 1.0).abs() < 1e-9,
            "quantile at t={t} df={df}: {back}"
        );
    }
    assert_eq!(student_t_sf(0.0, 3.0).unwrap(), 0.5);
    assert!(student_t_sf(1.0, 0.0).is_err());
    assert!(student_t_quantile(1.0, 3.0).is_err());
}

#[test]
fn wilcoxon_auto_switches_like_scipy() {
    let a: Vec<f64> = (1..=51).map(f64::from).collect();
    let zeros = vec![0.0; 51];
    let r = wilcoxon(
        &a[..50],
        &zeros[..50],
        Alternative::TwoSided,
        RankMethod::Auto,
    )
    .unwrap();
    assert_eq!(r.method, WilcoxonMethod::Exact);
    let r = wilcoxon(&a[..], &zeros[..], Alternative::TwoSided, RankMethod::Auto).unwrap();
    assert_eq!(r.method, WilcoxonMethod::Asymptotic);
    // Ties beyond 13 rows: the normal approximation.
    let tied: Vec<f64> = (0..14).map(|i| f64::from(i % 3 + 1)).collect();
    let r = wilcoxon(
        &tied[..],
        &zeros[..14],
        Alternative::TwoSided,
        RankMethod::Auto,
    )
    .unwrap();
    assert_eq!(r.method, WilcoxonMethod::Asymptotic);
    assert!(r.z.is_some());
}

#[test]
fn errors_are_typed() {
    let nan = [1.0, f64::NAN, 2.0];
    let ok = [1.0, 2.0, 3.0];
    let e = paired_ttest(&ok[..], &nan[..], Alternative::TwoSided, 0.95).unwrap_err();
    assert!(
        matches!(e, CoreError::NotFinite { ref input, index: 1, .. } if input == "b"),
        "{e}"
    );
    let e = welch_ttest(&[f64::INFINITY][..], &ok[..], Alternative::TwoSided, 0.95).unwrap_err();
    assert!(matches!(e, CoreError::NotFinite { ref input, index: 0, .. } if input == "a"));
    let e = paired_ttest(&ok[..], &ok[..2], Alternative::TwoSided, 0.95).unwrap_err();
    assert!(matches!(e, CoreError::LengthMismatch { .. }));
    let e = wilcoxon(&ok[..], &ok[..2], Alternative::TwoSided, RankMethod::Auto).unwrap_err();
    assert!(matches!(e, CoreError::LengthMismatch { .. }));
    let e = paired_ttest(&[1.0][..], &[2.0][..], Alternative::TwoSided, 0.95).unwrap_err();
    assert!(matches!(e, CoreError::UndefinedMetric { .. }));
    let e = welch_ttest(&ok[..], &[2.0][..], Alternative::TwoSided, 0.95).unwrap_err();
    assert!(matches!(e, CoreError::UndefinedMetric { .. }));
    let empty: [f64; 0] = [];
    let e =
        mann_whitney_u(&empty[..], &ok[..], Alternative::TwoSided, RankMethod::Auto).unwrap_err();
    assert!(matches!(e, CoreError::EmptyInput { ref input } if input == "a"));
    let e = wilcoxon(&ok[..], &ok[..], Alternative::TwoSided, RankMethod::Auto).unwrap_err();
    assert!(matches!(e, CoreError::UndefinedMetric { .. }));
    assert!(matches!(
        Alternative::parse("two_sided"),
        Err(CoreError::InvalidParameter { .. })
    ));
    assert!(matches!(
        RankMethod::parse("approx"),
        Err(CoreError::InvalidParameter { .. })
    ));
    assert!(paired_ttest(&ok[..], &ok[..], Alternative::TwoSided, 1.0).is_err());
    assert!(two_proportion_ztest(5, 4, 1, 3, Alternative::TwoSided).is_err());
    assert!(two_proportion_ztest(0, 0, 1, 3, Alternative::TwoSided).is_err());
    let r = two_proportion_ztest(0, 4, 0, 3, Alternative::TwoSided).unwrap();
    assert!(r.statistic.is_none() && r.pvalue.is_none());
}

#[test]
fn sample_size_inverts_power() {
    use mlops_core::compare::{cohens_h, power, sample_size};
    let h = cohens_h(0.12, 0.10).unwrap();
    for alt in [Alternative::TwoSided, Alternative::Greater] {
        for (target, alpha, ratio) in [(0.8, 0.05, 1.0), (0.9, 0.01, 2.0), (0.3, 0.1, 0.5)] {
            let s = sample_size(h, target, alpha, ratio, alt).unwrap();
            let p = power(h, s.nobs1, alpha, ratio, alt).unwrap();
            assert!(
                rel_close(p.power, target, 1e-13),
                "{alt:?}: {} vs {target}",
                p.power
            );
            assert!(close(s.nobs2, ratio * s.nobs1));
        }
    }
    // statsmodels: NormalIndPower().solve_power(proportion_effectsize(0.12, 0.10),
    // power=0.8, alpha=0.05) = 3834.595739884031 (its root finder stops near 1e-9).
    let s = sample_size(h, 0.8, 0.05, 1.0, Alternative::TwoSided).unwrap();
    assert!(
        (s.nobs1 / 3_834.595_739_884_031 - 1.0).abs() < 1e-8,
        "{}",
        s.nobs1
    );
    // Out of reach: wrong direction, no effect, power below alpha.
    assert!(sample_size(h, 0.8, 0.05, 1.0, Alternative::Less).is_err());
    assert!(sample_size(0.0, 0.8, 0.05, 1.0, Alternative::TwoSided).is_err());
    assert!(sample_size(h, 0.01, 0.05, 1.0, Alternative::TwoSided).is_err());
    assert!(cohens_h(1.2, 0.1).is_err());
    assert!(power(h, 0.0, 0.05, 1.0, Alternative::TwoSided).is_err());
}
