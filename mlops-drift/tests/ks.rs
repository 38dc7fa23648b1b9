//! The two-sample Kolmogorov-Smirnov test against independent oracles: reference values
//! with their sources, brute force on small samples (the statistic from its definition, the
//! exact p-value by enumerating every interleaving), and properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::CoreError;
use mlops_drift::{
    Alternative, DriftError, KsMethod, KsParams, KsResult, PValueMethod, ks_2samp, ksone_sf,
    kstwo_sf,
};
use proptest::prelude::*;

/// Tolerances, in one place.
mod tol {
    /// Same algorithm family, same arithmetic: exact p-values against exact fractions.
    pub const EXACT: f64 = 1e-12;
    /// Against SciPy's independent implementation.
    pub const SCIPY: f64 = 1e-10;
}

const ALTERNATIVES: [Alternative; 3] = [
    Alternative::TwoSided,
    Alternative::Less,
    Alternative::Greater,
];
const METHODS: [KsMethod; 3] = [KsMethod::Auto, KsMethod::Exact, KsMethod::Asymp];

fn rel_close(actual: f64, expected: f64, rtol: f64) -> bool {
    actual == expected || (actual - expected).abs() <= rtol * expected.abs()
}

#[track_caller]
fn assert_rel(actual: f64, expected: f64, rtol: f64) {
    assert!(
        rel_close(actual, expected, rtol),
        "{actual:e} vs {expected:e} (relative difference {:e})",
        ((actual - expected) / expected).abs()
    );
}

fn ks(x: &[f64], y: &[f64], alternative: Alternative, method: KsMethod) -> KsResult {
    ks_2samp(x, y, KsParams::new(alternative, method)).unwrap()
}

fn ints(v: &[i32]) -> Vec<f64> {
    v.iter().map(|&k| f64::from(k)).collect()
}

// ---------------------------------------------------------------------------------------
// Reference values.
// ---------------------------------------------------------------------------------------

/// Exact p-values as fractions. Source: enumeration of all C(m+n, m) interleavings with
/// Python integers (a lattice-path count, Hodges 1958); for m = n they equal the
/// Gnedenko-Korolyuk (1951) closed form 2 sum_k (-1)^(k+1) C(2n, n-kh) / C(2n, n), and
/// P(D >= 0.6) = 0.0524, P(D >= 0.7) = 0.0123 for m = n = 10 are the familiar table values.
#[test]
fn exact_p_values_match_published_fractions() {
    struct Case {
        x: Vec<f64>,
        y: Vec<f64>,
        alternative: Alternative,
        statistic: f64,
        pvalue: f64,
    }
    let range = |a: i32, b: i32| ints(&(a..b).collect::<Vec<_>>());
    let cases = [
        // m = n = 3, disjoint: 2 of the 20 interleavings reach D = 1.
        Case {
            x: ints(&[1, 2, 3]),
            y: ints(&[4, 5, 6]),
            alternative: Alternative::TwoSided,
            statistic: 1.0,
            pvalue: 0.1,
        },
        Case {
            x: ints(&[1, 2, 3]),
            y: ints(&[4, 5, 6]),
            alternative: Alternative::Greater,
            statistic: 1.0,
            pvalue: 0.05,
        },
        Case {
            x: ints(&[1, 2, 4]),
            y: ints(&[3, 5, 6]),
            alternative: Alternative::TwoSided,
            statistic: 2.0 / 3.0,
            pvalue: 0.6,
        },
        // m = n = 10.
        Case {
            x: range(0, 10),
            y: range(6, 16),
            alternative: Alternative::TwoSided,
            statistic: 0.6,
            pvalue: 15.0 / 286.0,
        },
        Case {
            x: range(0, 10),
            y: range(6, 16),
            alternative: Alternative::Greater,
            statistic: 0.6,
            pvalue: 15.0 / 572.0,
        },
        Case {
            x: range(0, 10),
            y: range(7, 17),
            alternative: Alternative::TwoSided,
            statistic: 0.7,
            pvalue: 30.0 / 2431.0,
        },
        // m = 5, n = 7 (lcm 35).
        Case {
            x: ints(&[1, 2, 3, 10, 11]),
            y: ints(&[4, 5, 6, 7, 8, 9, 12]),
            alternative: Alternative::TwoSided,
            statistic: 0.6,
            pvalue: 1.0 / 6.0,
        },
        Case {
            x: range(0, 5),
            y: range(5, 12),
            alternative: Alternative::TwoSided,
            statistic: 1.0,
            pvalue: 1.0 / 396.0,
        },
        // m = 8, n = 12 (lcm 24), with ties.
        Case {
            x: ints(&[2, 4, 14, 15, 23, 25, 26, 27]),
            y: ints(&[6, 9, 12, 15, 15, 15, 16, 23, 23, 23, 32, 39]),
            alternative: Alternative::TwoSided,
            statistic: 0.25,
            pvalue: 18834.0 / 20995.0,
        },
        Case {
            x: ints(&[0, 0, 3, 12, 19, 26, 26, 34]),
            y: ints(&[5, 5, 11, 19, 21, 22, 24, 33, 33, 36, 37, 38]),
            alternative: Alternative::Greater,
            statistic: 0.375,
            pvalue: 9467.0 / 41990.0,
        },
        // m = 20, n = 30 (lcm 60), with ties.
        Case {
            x: ints(&[
                0, 1, 1, 4, 4, 10, 10, 13, 14, 15, 17, 17, 19, 20, 20, 22, 22, 23, 28, 37,
            ]),
            y: ints(&[
                1, 5, 6, 7, 8, 9, 13, 16, 22, 24, 25, 25, 26, 27, 28, 28, 30, 30, 30, 31, 31, 31,
                31, 32, 34, 35, 38, 38, 38, 39,
            ]),
            alternative: Alternative::TwoSided,
            statistic: 0.6,
            pvalue: 204_950_367.0 / 1_178_230_306_099.0,
        },
    ];
    for c in &cases {
        for method in [KsMethod::Auto, KsMethod::Exact] {
            let r = ks(&c.x, &c.y, c.alternative, method);
            assert_eq!(r.method, PValueMethod::Exact);
            assert!((r.statistic - c.statistic).abs() < 1e-15, "{}", r.statistic);
            assert_rel(r.pvalue, c.pvalue, tol::EXACT);
        }
        // Swapping the samples mirrors the one-sided alternatives.
        let mirrored = match c.alternative {
            Alternative::Greater => Alternative::Less,
            other => other,
        };
        let r = ks(&c.y, &c.x, mirrored, KsMethod::Exact);
        assert_rel(r.pvalue, c.pvalue, tol::EXACT);
    }
}

/// `scipy.stats.kstwo.sf(d, n)` (SciPy 1.17.1), one case per region of its evaluation.
#[test]
fn kstwo_matches_scipy() {
    let cases = [
        (5, 0.3, 0.664),                          // Durbin matrix, n <= 140
        (20, 0.1, 0.976_255_094_592_155),         // Durbin matrix
        (100, 0.15, 0.019_839_242_125_641_813),   // Pomeranz region (exact)
        (500, 0.08, 0.003_130_505_819_935_626_8), // Miller: 2 * smirnov
        (500, 0.03, 0.747_316_670_045_702_1),     // Pelz-Good
        (1000, 0.02, 0.810_897_165_689_557_7),    // Pelz-Good
        (50_000, 0.004, 0.399_431_664_675_573_1), // Pelz-Good, large n
        (10, 0.05, 1.0),                          // n d <= 1/2
    ];
    for (n, d, expected) in cases {
        assert_rel(kstwo_sf(n, d), expected, tol::SCIPY);
    }
    // Closed forms: 2 (1 - d)^n for n d >= n - 1, and 0 / 1 at the ends.
    assert_rel(kstwo_sf(4, 0.8), 2.0 * 0.2_f64.powi(4), 1e-14);
    assert_eq!(kstwo_sf(10, 1.0), 0.0);
    assert_eq!(kstwo_sf(10, 0.0), 1.0);
    assert_eq!(kstwo_sf(1000, 0.7), 0.0); // underflows, as in SciPy
}

/// `scipy.special.smirnov(n, d)` (SciPy 1.17.1).
#[test]
fn ksone_matches_scipy() {
    let cases = [
        (5, 0.6, 0.015_040_000_000_000_005),
        (10, 0.3, 0.135_463_555_6),
        (1000, 0.05, 0.006_506_037_390_545_166),
        (50_000, 0.01, 4.509_024_405_921_801e-5),
    ];
    for (n, d, expected) in cases {
        assert_rel(ksone_sf(n, d), expected, tol::SCIPY);
    }
}

/// `scipy.stats.ks_2samp(x, y, alternative, method)` (SciPy 1.17.1) on
/// `x = [i/100 for i in range(100)]`, `y = [0.3 + j/150 for j in range(150)]`.
#[test]
fn two_sample_matches_scipy_example() {
    let x: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
    let y: Vec<f64> = (0..150).map(|j| 0.3 + f64::from(j) / 150.0).collect();
    // (alternative, method, statistic, pvalue, location, sign, method used)
    let cases = [
        (
            Alternative::TwoSided,
            KsMethod::Auto,
            0.31,
            1.463_113_339_987_072e-5,
            0.58,
            1,
            PValueMethod::Exact,
        ),
        (
            Alternative::TwoSided,
            KsMethod::Asymp,
            0.309_999_999_999_999_94,
            1.280_058_825_995_408e-5,
            0.58,
            1,
            PValueMethod::Asymp,
        ),
        (
            Alternative::Greater,
            KsMethod::Exact,
            0.31,
            7.315_566_699_935_443e-6,
            0.58,
            1,
            PValueMethod::Exact,
        ),
        (
            Alternative::Greater,
            KsMethod::Asymp,
            0.309_999_999_999_999_94,
            7.346_156_304_219_902e-6,
            0.58,
            1,
            PValueMethod::Asymp,
        ),
        (
            Alternative::Less,
            KsMethod::Auto,
            0.0,
            1.0,
            1.293_333_333_333_333_2,
            -1,
            PValueMethod::Exact,
        ),
    ];
    for (alternative, method, statistic, pvalue, location, sign, used) in cases {
        let r = ks(&x, &y, alternative, method);
        assert_eq!(r.statistic, statistic, "{alternative} {method}");
        assert_rel(r.pvalue, pvalue, tol::SCIPY);
        assert_eq!(r.statistic_location, location);
        assert_eq!(r.statistic_sign, sign);
        assert_eq!(r.method, used);
        assert_eq!((r.reference_size, r.current_size), (100, 150));
    }
}

// ---------------------------------------------------------------------------------------
// Brute force.
// ---------------------------------------------------------------------------------------

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `(D+, D-)` in units of `1 / lcm(m, n)`, from the definition: `F - G` at every pooled
/// value.
fn brute_units(x: &[f64], y: &[f64]) -> (i64, i64) {
    let (m, n) = (x.len(), y.len());
    let g = gcd(m, n);
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (mut plus, mut minus) = (0, 0);
    for &v in x.iter().chain(y) {
        let i = x.iter().filter(|&&a| a <= v).count() as i64;
        let j = y.iter().filter(|&&b| b <= v).count() as i64;
        let u = i * ng - j * mg;
        plus = plus.max(u);
        minus = minus.max(-u);
    }
    (plus, minus)
}

/// Statistic, location and sign by SciPy's definition: the first extreme of `F - G` over
/// `[sorted x, sorted y]`.
fn brute_statistic(x: &[f64], y: &[f64], alternative: Alternative) -> (f64, f64, i8) {
    let mut xs = x.to_vec();
    let mut ys = y.to_vec();
    xs.sort_by(f64::total_cmp);
    ys.sort_by(f64::total_cmp);
    let (m, n) = (x.len() as f64, y.len() as f64);
    let all: Vec<f64> = xs.iter().chain(&ys).copied().collect();
    let diffs: Vec<f64> = all
        .iter()
        .map(|&v| {
            let i = xs.iter().filter(|&&a| a <= v).count() as f64;
            let j = ys.iter().filter(|&&b| b <= v).count() as f64;
            i / m - j / n
        })
        .collect();
    let (mut arg_max, mut arg_min) = (0, 0);
    for k in 0..diffs.len() {
        if diffs[k] > diffs[arg_max] {
            arg_max = k;
        }
        if diffs[k] < diffs[arg_min] {
            arg_min = k;
        }
    }
    let max_s = diffs[arg_max];
    let min_s = (-diffs[arg_min]).max(0.0);
    let use_min = match alternative {
        Alternative::Less => true,
        Alternative::Greater => false,
        Alternative::TwoSided => min_s > max_s,
    };
    if use_min {
        (min_s, all[arg_min], -1)
    } else {
        (max_s, all[arg_max], 1)
    }
}

/// The null distribution of `(D+, D-)` (units of 1/lcm) over all C(m+n, m) interleavings.
fn null_distribution(m: usize, n: usize) -> Vec<(i64, i64)> {
    let total = m + n;
    let mut out = Vec::new();
    for mask in 0_u32..(1 << total) {
        if mask.count_ones() as usize != m {
            continue;
        }
        let x: Vec<f64> = (0..total)
            .filter(|k| mask >> k & 1 == 1)
            .map(|k| k as f64)
            .collect();
        let y: Vec<f64> = (0..total)
            .filter(|k| mask >> k & 1 == 0)
            .map(|k| k as f64)
            .collect();
        out.push(brute_units(&x, &y));
    }
    out
}

fn null_pvalue(null: &[(i64, i64)], observed: (i64, i64), alternative: Alternative) -> f64 {
    let count = null
        .iter()
        .filter(|&&(p, q)| match alternative {
            Alternative::TwoSided => p.max(q) >= observed.0.max(observed.1),
            Alternative::Greater => p >= observed.0,
            Alternative::Less => q >= observed.1,
        })
        .count();
    count as f64 / null.len() as f64
}

/// Every interleaving of every pair of sizes with m + n <= 12: the exact p-value is the
/// share of interleavings at least as extreme.
#[test]
fn exact_p_values_match_enumeration_of_all_interleavings() {
    for total in 2..=12 {
        for m in 1..total {
            let n = total - m;
            let null = null_distribution(m, n);
            for mask in 0_u32..(1 << total) {
                if mask.count_ones() as usize != m {
                    continue;
                }
                let x: Vec<f64> = (0..total)
                    .filter(|k| mask >> k & 1 == 1)
                    .map(|k| k as f64)
                    .collect();
                let y: Vec<f64> = (0..total)
                    .filter(|k| mask >> k & 1 == 0)
                    .map(|k| k as f64)
                    .collect();
                let observed = brute_units(&x, &y);
                for alternative in ALTERNATIVES {
                    let r = ks(&x, &y, alternative, KsMethod::Exact);
                    let expected = null_pvalue(&null, observed, alternative);
                    assert!(
                        (r.pvalue - expected).abs() <= tol::EXACT * expected,
                        "m={m} n={n} mask={mask:b} {alternative}: {} vs {expected}",
                        r.pvalue
                    );
                }
            }
        }
    }
}

/// With ties the statistic is exact and the p-value is that of the continuous null
/// distribution at the observed statistic.
#[test]
fn tied_samples_use_the_continuous_null_distribution() {
    // A fixed pseudo-random stream (a linear congruential generator) of values 0..4.
    let mut state = 0x2545_f491_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % 4) as f64
    };
    for total in 2..=12 {
        for m in 1..total {
            let n = total - m;
            let null = null_distribution(m, n);
            for _ in 0..20 {
                let x: Vec<f64> = (0..m).map(|_| next()).collect();
                let y: Vec<f64> = (0..n).map(|_| next()).collect();
                let observed = brute_units(&x, &y);
                for alternative in ALTERNATIVES {
                    let r = ks(&x, &y, alternative, KsMethod::Exact);
                    let expected = null_pvalue(&null, observed, alternative);
                    assert!(
                        (r.pvalue - expected).abs() <= tol::EXACT * expected,
                        "{x:?} {y:?} {alternative}: {} vs {expected}",
                        r.pvalue
                    );
                    let (stat, location, sign) = brute_statistic(&x, &y, alternative);
                    assert!((r.statistic - stat).abs() < 1e-15);
                    assert_eq!(r.statistic_location, location);
                    assert_eq!(r.statistic_sign, sign);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Methods, edge cases, errors, serialisation.
// ---------------------------------------------------------------------------------------

#[test]
fn auto_switches_to_asymptotic_above_ten_thousand() {
    let x: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.37 % 11.0).collect();
    let y: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.53 % 11.5).collect();
    assert_eq!(
        ks(&x, &y, Alternative::TwoSided, KsMethod::Auto).method,
        PValueMethod::Exact
    );
    let y2: Vec<f64> = (0..10_001).map(|i| f64::from(i) * 0.53 % 11.5).collect();
    assert_eq!(
        ks(&x, &y2, Alternative::TwoSided, KsMethod::Auto).method,
        PValueMethod::Asymp
    );
    // An explicit exact request beyond the cost limit falls back, and says so.
    let big_x: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 0.37 % 11.0).collect();
    let big_y: Vec<f64> = (0..99_999).map(|i| f64::from(i) * 0.53 % 11.5).collect();
    let r = ks(&big_x, &big_y, Alternative::Greater, KsMethod::Exact);
    assert_eq!(r.method, PValueMethod::Asymp);
}

#[test]
fn single_observations() {
    // SciPy's two-sided asymptotic p-value is NaN here (effective size rounds to 0); the
    // exact one is used instead and reported.
    let r = ks(&[1.0], &[2.0], Alternative::TwoSided, KsMethod::Asymp);
    assert_eq!(r.method, PValueMethod::Exact);
    assert_eq!((r.statistic, r.pvalue), (1.0, 1.0));
    let r = ks(&[1.0], &[2.0], Alternative::Greater, KsMethod::Exact);
    assert_eq!((r.statistic, r.pvalue, r.statistic_sign), (1.0, 0.5, 1));
    // SciPy: exp(-2 z^2 - ...) = 0.1353352832366127.
    let r = ks(&[1.0], &[2.0], Alternative::Greater, KsMethod::Asymp);
    assert_rel(r.pvalue, 0.135_335_283_236_612_7, 1e-14);
    let r = ks(&[1.0], &[1.0], Alternative::TwoSided, KsMethod::Auto);
    assert_eq!((r.statistic, r.pvalue), (0.0, 1.0));
}

#[test]
fn identical_samples_have_p_value_one() {
    let x: Vec<f64> = (0..500).map(|i| (f64::from(i) * 0.618).sin()).collect();
    for alternative in ALTERNATIVES {
        for method in METHODS {
            let r = ks(&x, &x, alternative, method);
            assert_eq!(r.statistic, 0.0);
            assert_eq!(r.pvalue, 1.0);
        }
    }
}

#[test]
fn negative_zero_ties_with_zero() {
    let r = ks(
        &[-0.0, 1.0],
        &[0.0, 2.0],
        Alternative::TwoSided,
        KsMethod::Exact,
    );
    assert_eq!(r.statistic, 0.5);
    assert_eq!(r.statistic_location, 1.0);
}

#[test]
fn errors_name_the_sample_and_index() {
    let p = KsParams::default();
    assert_eq!(
        ks_2samp(&[], &[1.0], p),
        Err(DriftError::Core(CoreError::EmptyInput {
            input: "reference".into()
        }))
    );
    assert_eq!(
        ks_2samp(&[1.0], &[], p),
        Err(DriftError::Core(CoreError::EmptyInput {
            input: "current".into()
        }))
    );
    match ks_2samp(&[1.0, 2.0], &[0.5, 1.0, 2.0, f64::NAN], p) {
        Err(DriftError::Core(CoreError::NotFinite {
            input: sample,
            index,
            value,
        })) => {
            assert_eq!((sample.as_str(), index), ("current", 3));
            assert!(value.is_nan());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ks_2samp(&[1.0, f64::NEG_INFINITY], &[1.0], p),
        Err(DriftError::Core(CoreError::NotFinite {
            input: "reference".into(),
            index: 1,
            value: f64::NEG_INFINITY
        }))
    );
    match KsParams::parse("two_sided", "auto") {
        Err(DriftError::Core(CoreError::InvalidParameter { name, value, .. })) => {
            assert_eq!(
                (name.as_str(), value.as_str()),
                ("alternative", "\"two_sided\"")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        KsParams::parse("less", "permutation"),
        Err(DriftError::Core(CoreError::InvalidParameter { name, .. })) if name == "method"
    ));
    let message = ks_2samp(&[1.0], &[f64::INFINITY], p)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`current`") && message.contains("index 0"),
        "{message}"
    );
}

#[test]
fn result_serialises_with_scipy_names() {
    let r = ks(
        &[1.0, 2.0, 3.0],
        &[4.0, 5.0],
        Alternative::TwoSided,
        KsMethod::Auto,
    );
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["method"], "exact");
    assert_eq!(json["alternative"], "two-sided");
    assert_eq!(json["statistic"], 1.0);
    assert_eq!(json["statistic_sign"], 1);
    assert_eq!(json["statistic_location"], 3.0);
    assert_eq!(json["reference_size"], 3);
    assert_eq!(json["current_size"], 2);
    let back: KsResult = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}

// ---------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------

fn sample(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        // heavy ties
        prop::collection::vec((0_i32..6).prop_map(f64::from), 1..max_len),
        // continuous
        prop::collection::vec(-1e3_f64..1e3, 1..max_len),
    ]
}

fn alternative() -> impl Strategy<Value = Alternative> {
    prop::sample::select(ALTERNATIVES.to_vec())
}

fn method() -> impl Strategy<Value = KsMethod> {
    prop::sample::select(METHODS.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn p_value_and_statistic_are_probabilities(
        x in sample(60), y in sample(60), alt in alternative(), method in method()
    ) {
        let r = ks(&x, &y, alt, method);
        prop_assert!((0.0..=1.0).contains(&r.pvalue));
        prop_assert!((0.0..=1.0).contains(&r.statistic));
        prop_assert!(r.statistic_sign == 1 || r.statistic_sign == -1);
    }

    #[test]
    fn swapping_samples_swaps_less_and_greater(
        x in sample(60), y in sample(60), method in method()
    ) {
        for (a, b) in [
            (Alternative::Less, Alternative::Greater),
            (Alternative::Greater, Alternative::Less),
            (Alternative::TwoSided, Alternative::TwoSided),
        ] {
            let r = ks(&x, &y, a, method);
            let s = ks(&y, &x, b, method);
            prop_assert_eq!(r.statistic, s.statistic);
            prop_assert_eq!(r.method, s.method);
            prop_assert!(
                rel_close(r.pvalue, s.pvalue, tol::EXACT),
                "{} {}: {} vs {}", a, method, r.pvalue, s.pvalue
            );
            if a != Alternative::TwoSided {
                prop_assert_eq!(r.statistic_sign, -s.statistic_sign);
            }
        }
    }

    #[test]
    fn statistic_is_invariant_under_a_monotone_transform(
        x in prop::collection::vec(-40_i32..40, 1..50),
        y in prop::collection::vec(-40_i32..40, 1..50),
        alt in alternative(),
        method in method(),
    ) {
        // exp(k / 10) is strictly increasing on these integers, also in floating point.
        let t = |k: i32| (f64::from(k) / 10.0).exp();
        let (xf, yf) = (ints(&x), ints(&y));
        let xt: Vec<f64> = x.iter().map(|&k| t(k)).collect();
        let yt: Vec<f64> = y.iter().map(|&k| t(k)).collect();
        let r = ks(&xf, &yf, alt, method);
        let s = ks(&xt, &yt, alt, method);
        prop_assert_eq!(r.statistic, s.statistic);
        prop_assert_eq!(r.pvalue, s.pvalue);
        prop_assert_eq!(r.statistic_sign, s.statistic_sign);
        prop_assert_eq!(t(r.statistic_location as i32), s.statistic_location);
    }

    #[test]
    fn statistic_location_and_sign_follow_the_definition(
        x in sample(40), y in sample(40), alt in alternative()
    ) {
        let r = ks(&x, &y, alt, KsMethod::Asymp);
        let (stat, location, sign) = brute_statistic(&x, &y, alt);
        prop_assert_eq!(r.statistic, stat);
        prop_assert_eq!(r.statistic_location, location);
        prop_assert_eq!(r.statistic_sign, sign);
    }
}
