//! Label-free estimates: against brute-force enumeration of every labelling (small groups),
//! and the coverage of the intervals by labels drawn from the probabilities.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{CoreError, CostMatrix, Groups};
use mlops_fairness::{Decision, EstimateParams, FairnessError, FlagRule, LabelFreeAudit, estimate};
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn run(
    proba: &[f64],
    groups: &Groups,
    rule: FlagRule<'_>,
    params: &EstimateParams,
) -> LabelFreeAudit {
    estimate(proba, None, None, groups, rule, params).unwrap()
}

/// Every labelling of a few rows, with its probability: the definition of the distribution.
fn labellings(p: &[f64]) -> Vec<(Vec<bool>, f64)> {
    let n = p.len();
    (0u32..(1 << n))
        .map(|mask| {
            let y: Vec<bool> = (0..n).map(|i| mask >> i & 1 == 1).collect();
            let prob = p
                .iter()
                .zip(&y)
                .map(|(&pi, &yi)| if yi { pi } else { 1.0 - pi })
                .product();
            (y, prob)
        })
        .collect()
}

/// Realised FPR of rows `idx` under flags and labels; None without negatives.
fn realised_fpr(idx: &[usize], flag: &[bool], y: &[bool]) -> Option<f64> {
    let fp = idx.iter().filter(|&&i| flag[i] && !y[i]).count();
    let neg = idx.iter().filter(|&&i| !y[i]).count();
    (neg > 0).then(|| fp as f64 / neg as f64)
}

/// The central interval of a discrete distribution given as (value, probability) pairs.
fn central(mut atoms: Vec<(f64, f64)>, level: f64) -> (f64, f64) {
    atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = atoms.iter().map(|a| a.1).sum();
    let q = |t: f64| {
        let mut acc = 0.0;
        for &(v, m) in &atoms {
            acc += m / total;
            if acc >= t * (1.0 - 1e-12) {
                return v;
            }
        }
        atoms.last().unwrap().0
    };
    let tail = (1.0 - level) / 2.0;
    (q(tail), q(1.0 - tail))
}

#[test]
fn matches_enumeration_of_every_labelling() {
    // Two groups of 7 rows: 2^14 labellings, each with its probability.
    let proba = [
        0.05, 0.3, 0.62, 0.15, 0.8, 0.4, 0.22, 0.11, 0.5, 0.71, 0.02, 0.35, 0.9, 0.27,
    ];
    let names: Vec<&str> = (0..14).map(|i| if i < 7 { "a" } else { "b" }).collect();
    let groups = Groups::from_strs("g", &names).unwrap();
    let threshold = 0.33;
    let params = EstimateParams {
        level: 0.8,
        tolerance: 0.2,
        cost: CostMatrix::full(5.0, 1.0, 0.5, 0.1).unwrap(),
    };
    let est = run(
        &proba,
        &groups,
        FlagRule::Decision(Decision::Threshold(threshold)),
        &params,
    );
    assert_eq!(est.interval_method, "exact");
    let flag: Vec<bool> = proba.iter().map(|&p| p >= threshold).collect();
    let idx = [(0..7).collect::<Vec<_>>(), (7..14).collect::<Vec<_>>()];
    let all = labellings(&proba);
    for (g, rows) in idx.iter().enumerate() {
        let atoms: Vec<(f64, f64)> = all
            .iter()
            .filter_map(|(y, m)| realised_fpr(rows, &flag, y).map(|v| (v, *m)))
            .collect();
        let (lo, hi) = central(atoms, params.level);
        let got = est.groups[g].fpr.unwrap().interval.unwrap();
        assert_eq!((got.low, got.high), (lo, hi), "group {g} FPR interval");
        // The point estimate is the ratio of expected counts.
        let efp: f64 = rows
            .iter()
            .filter(|&&i| flag[i])
            .map(|&i| 1.0 - proba[i])
            .sum();
        let en: f64 = rows.iter().map(|&i| 1.0 - proba[i]).sum();
        assert!((est.groups[g].fpr.unwrap().value - efp / en).abs() < 1e-15);
        // Cost: 5 FN + 1 FP + 0.5 TP + 0.1 TN.
        let cost_atoms: Vec<(f64, f64)> = all
            .iter()
            .map(|(y, m)| {
                let c: f64 = rows
                    .iter()
                    .map(|&i| match (flag[i], y[i]) {
                        (true, true) => 0.5,
                        (true, false) => 1.0,
                        (false, true) => 5.0,
                        (false, false) => 0.1,
                    })
                    .sum();
                (c, *m)
            })
            .collect();
        let mean: f64 = cost_atoms.iter().map(|(c, m)| c * m).sum();
        assert!((est.groups[g].cost.value - mean).abs() < 1e-12);
        let (lo, hi) = central(cost_atoms, params.level);
        let got = est.groups[g].cost.interval.unwrap();
        assert!(
            (got.low - lo).abs() < 1e-9 && (got.high - hi).abs() < 1e-9,
            "cost {g}"
        );
    }
    // The gap: its distribution and P(gap > tolerance), enumerated.
    let mut exceeds = 0.0;
    let mut defined = 0.0;
    let mut gap_atoms = Vec::new();
    for (y, m) in &all {
        if let (Some(a), Some(b)) = (
            realised_fpr(&idx[0], &flag, y),
            realised_fpr(&idx[1], &flag, y),
        ) {
            defined += m;
            let gap = (a - b).abs();
            if gap > params.tolerance {
                exceeds += m;
            }
            gap_atoms.push((gap, *m));
        }
    }
    let p = est.gap_exceeds_tolerance.unwrap();
    assert!(
        (p - exceeds / defined).abs() < 1e-12,
        "{p} vs {}",
        exceeds / defined
    );
    let (lo, hi) = central(gap_atoms, params.level);
    let got = est.fpr_gap.unwrap().interval.unwrap();
    assert!(
        (got.low - lo).abs() < 1e-12 && (got.high - hi).abs() < 1e-12,
        "{got:?} vs {lo} {hi}"
    );
}

/// Draws `y_i ~ Bernoulli(p_i)`.
fn draw(rng: &mut impl Rng, p: &[f64]) -> Vec<bool> {
    p.iter().map(|&pi| rng.random::<f64>() < pi).collect()
}

#[test]
fn intervals_cover_realised_values_at_their_level() {
    // CI size: 3 groups of 150-400 rows, 2000 labellings drawn from the probabilities. The
    // full-size run is scripts/label_free_coverage.py.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(18);
    let sizes = [150usize, 250, 400];
    let mut proba = Vec::new();
    let mut names = Vec::new();
    for (g, &n) in sizes.iter().enumerate() {
        for _ in 0..n {
            // Skewed towards small default probabilities, differently per group.
            let u: f64 = rng.random();
            proba.push(u.powf(2.0 + g as f64) * 0.9);
            names.push(["a", "b", "c"][g]);
        }
    }
    let groups = Groups::from_strs("g", &names).unwrap();
    let threshold = 0.2;
    let rule = FlagRule::Decision(Decision::Threshold(threshold));
    // The tolerance at the estimated gap, so that P(gap > tolerance) is far from 0 and 1.
    let first = run(&proba, &groups, rule, &EstimateParams::default());
    let params = EstimateParams {
        tolerance: first.fpr_gap.unwrap().value,
        ..EstimateParams::default()
    };
    let est = run(
        &proba,
        &groups,
        FlagRule::Decision(Decision::Threshold(threshold)),
        &params,
    );
    let flag: Vec<bool> = proba.iter().map(|&p| p >= threshold).collect();
    let mut idx: Vec<Vec<usize>> = vec![Vec::new(); 3];
    for (i, &g) in groups.ids().iter().enumerate() {
        idx[g as usize].push(i);
    }
    let replicates = 2000;
    let (mut covered_fpr, mut covered_cost, mut covered_gap, mut exceeded) = ([0; 3], [0; 3], 0, 0);
    let mut covered_overall = 0;
    let all: Vec<usize> = (0..proba.len()).collect();
    for _ in 0..replicates {
        let y = draw(&mut rng, &proba);
        let mut fprs = Vec::new();
        for g in 0..3 {
            let f = realised_fpr(&idx[g], &flag, &y).unwrap();
            let iv = est.groups[g].fpr.unwrap().interval.unwrap();
            covered_fpr[g] += usize::from(iv.low <= f && f <= iv.high);
            let cost: f64 = idx[g]
                .iter()
                .map(|&i| match (flag[i], y[i]) {
                    (true, false) => 1.0,
                    (false, true) => 5.0,
                    _ => 0.0,
                })
                .sum();
            let iv = est.groups[g].cost.interval.unwrap();
            covered_cost[g] += usize::from(iv.low <= cost && cost <= iv.high);
            fprs.push(f);
        }
        let f = realised_fpr(&all, &flag, &y).unwrap();
        let iv = est.overall.fpr.unwrap().interval.unwrap();
        covered_overall += usize::from(iv.low <= f && f <= iv.high);
        let gap = fprs.iter().copied().fold(f64::MIN, f64::max)
            - fprs.iter().copied().fold(f64::MAX, f64::min);
        let iv = est.fpr_gap.unwrap().interval.unwrap();
        covered_gap += usize::from(iv.low <= gap && gap <= iv.high);
        exceeded += usize::from(gap > params.tolerance);
    }
    let rate = |c: usize| c as f64 / replicates as f64;
    // Discrete distributions: coverage at least the level, up to the simulation's noise
    // (3 standard errors of a proportion near 0.95 over 2000 draws: 0.015).
    let floor = params.level - 3.0 * (0.05_f64 * 0.95 / replicates as f64).sqrt();
    for g in 0..3 {
        println!(
            "group {g}: FPR coverage {:.4}, cost coverage {:.4}",
            rate(covered_fpr[g]),
            rate(covered_cost[g])
        );
        assert!(rate(covered_fpr[g]) >= floor, "FPR coverage of group {g}");
        assert!(rate(covered_cost[g]) >= floor, "cost coverage of group {g}");
    }
    println!(
        "overall FPR coverage {:.4}, gap coverage {:.4}",
        rate(covered_overall),
        rate(covered_gap)
    );
    assert!(rate(covered_overall) >= floor);
    assert!(rate(covered_gap) >= floor);
    // P(gap > tolerance) is a probability of the realised gap: the share of draws where it
    // happened agrees within 4 standard errors.
    let p = est.gap_exceeds_tolerance.unwrap();
    let se = (p * (1.0 - p) / replicates as f64).sqrt();
    println!(
        "P(gap > tol) predicted {p:.4}, observed {:.4}",
        rate(exceeded)
    );
    assert!(
        (rate(exceeded) - p).abs() <= 4.0 * se + 1e-3,
        "{p} vs {}",
        rate(exceeded)
    );
}

#[test]
fn undefined_rates_are_none() {
    // Group b is all certain defaults: no expected negatives, so its FPR is undefined (not
    // 0, not NaN), and the gap has one group only.
    let proba = [0.1, 0.5, 0.7, 1.0, 1.0];
    let groups = Groups::from_strs("g", &["a", "a", "a", "b", "b"]).unwrap();
    let est = run(
        &proba,
        &groups,
        FlagRule::Decision(Decision::Threshold(0.4)),
        &EstimateParams::default(),
    );
    assert!(est.groups[1].fpr.is_none());
    assert!(est.groups[1].tpr.is_some());
    assert!(est.fpr_gap.is_none() && est.passed.is_none() && est.gap_exceeds_tolerance.is_none());
    assert!(
        est.warnings
            .iter()
            .any(|w| w.contains("no expected negatives"))
    );
}

#[test]
fn randomized_flags_give_expected_counts_and_no_intervals() {
    let proba = [0.1, 0.5, 0.7, 0.2];
    let q = [0.0, 0.5, 1.0, 0.25];
    let groups = Groups::from_strs("g", &["a", "a", "b", "b"]).unwrap();
    let est = run(
        &proba,
        &groups,
        FlagRule::Probability(&q),
        &EstimateParams::default(),
    );
    let a = &est.groups[0];
    assert!((a.expected.fp - 0.5 * 0.5).abs() < 1e-15);
    assert!((a.expected.tn - (0.9 + 0.5 * 0.5)).abs() < 1e-15);
    assert!(a.fpr.unwrap().interval.is_none());
    assert_eq!(est.interval_method, "none");
    assert!((est.groups[1].selection_rate.unwrap().value - 0.625).abs() < 1e-15);
}

#[test]
fn frequency_weights_equal_repeated_rows() {
    let proba = [0.1, 0.5, 0.7, 0.2, 0.3];
    let w = [2.0, 1.0, 3.0, 0.0, 1.0];
    let names = ["a", "a", "b", "b", "b"];
    let mut rep_p = Vec::new();
    let mut rep_g = Vec::new();
    for i in 0..5 {
        for _ in 0..w[i] as usize {
            rep_p.push(proba[i]);
            rep_g.push(names[i]);
        }
    }
    let rule = FlagRule::Decision(Decision::Threshold(0.25));
    let params = EstimateParams::default();
    let weighted = estimate(
        &proba,
        None,
        Some(&w),
        &Groups::from_strs("g", &names).unwrap(),
        rule,
        &params,
    )
    .unwrap();
    let repeated = run(
        &rep_p,
        &Groups::from_strs("g", &rep_g).unwrap(),
        rule,
        &params,
    );
    for (a, b) in weighted.groups.iter().zip(&repeated.groups) {
        assert_eq!(a.fpr.unwrap().interval, b.fpr.unwrap().interval);
        assert_eq!(a.cost.interval, b.cost.interval);
        assert!((a.expected.fp - b.expected.fp).abs() < 1e-12);
    }
    assert!(weighted.gap_exceeds_tolerance.is_some());
    let d = weighted.gap_exceeds_tolerance.unwrap() - repeated.gap_exceeds_tolerance.unwrap();
    assert!(d.abs() < 1e-12);
    // Fractional weights: point estimates, no intervals, and a warning naming the row.
    let frac = [2.0, 1.5, 3.0, 0.0, 1.0];
    let est = estimate(
        &proba,
        None,
        Some(&frac),
        &Groups::from_strs("g", &names).unwrap(),
        rule,
        &params,
    )
    .unwrap();
    assert!(est.overall.fpr.unwrap().interval.is_none());
    assert!(est.warnings.iter().any(|w| w.contains("index 1")));
}

#[test]
fn bad_input_is_a_typed_error() {
    let groups = Groups::from_strs("g", &["a", "b", "a"]).unwrap();
    let rule = FlagRule::Decision(Decision::Threshold(0.5));
    let p = EstimateParams::default();
    let err = |proba: &[f64]| estimate(proba, None, None, &groups, rule, &p).unwrap_err();
    assert!(matches!(
        err(&[0.1, f64::NAN, 0.3]),
        FairnessError::Core(CoreError::NotFinite { index: 1, .. })
    ));
    assert!(matches!(
        err(&[0.1, 0.2, 1.3]),
        FairnessError::Core(CoreError::OutOfRange { index: 2, .. })
    ));
    assert!(matches!(
        err(&[0.1, 0.2]),
        FairnessError::Core(CoreError::LengthMismatch { .. })
    ));
    let bad_q = estimate(
        &[0.1, 0.2, 0.3],
        None,
        None,
        &groups,
        FlagRule::Probability(&[0.0, 2.0, 1.0]),
        &p,
    );
    assert!(matches!(
        bad_q,
        Err(FairnessError::Core(
            mlops_core::CoreError::InvalidParameter { .. }
        ))
    ));
    let bad_level = EstimateParams { level: 1.0, ..p };
    assert!(matches!(
        estimate(&[0.1, 0.2, 0.3], None, None, &groups, rule, &bad_level),
        Err(FairnessError::Core(
            mlops_core::CoreError::InvalidParameter { .. }
        ))
    ));
    let w = [1.0, -1.0, 1.0];
    assert!(matches!(
        estimate(&[0.1, 0.2, 0.3], None, Some(&w), &groups, rule, &p),
        Err(FairnessError::Core(CoreError::NegativeWeight {
            index: 1,
            ..
        }))
    ));
}

#[test]
fn large_groups_summarised_on_a_grid_still_cover() {
    // 2 x 15,000 rows: the FPR distributions have more distinct values than MAX_ATOMS and
    // are summarised on a grid (resolution > 0); the intervals still cover at the level.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let n = 30_000;
    let proba: Vec<f64> = (0..n).map(|_| 0.5 * rng.random::<f64>()).collect();
    let names: Vec<&str> = (0..n).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect();
    let groups = Groups::from_strs("g", &names).unwrap();
    let rule = FlagRule::Decision(Decision::Threshold(0.1));
    let est = run(&proba, &groups, rule, &EstimateParams::default());
    assert!(est.resolution > 0.0, "no grid: {}", est.resolution);
    let flag: Vec<bool> = proba.iter().map(|&p| p >= 0.1).collect();
    let idx: Vec<Vec<usize>> = (0..2).map(|g| (g..n).step_by(2).collect()).collect();
    let reps = 400;
    let mut covered = [0usize; 2];
    for _ in 0..reps {
        let y = draw(&mut rng, &proba);
        for g in 0..2 {
            let f = realised_fpr(&idx[g], &flag, &y).unwrap();
            let iv = est.groups[g].fpr.unwrap().interval.unwrap();
            covered[g] += usize::from(iv.low <= f && f <= iv.high);
        }
    }
    for c in covered {
        let rate = c as f64 / reps as f64;
        // 0.95 less 3 standard errors of 400 draws.
        assert!(
            rate >= 0.95 - 3.0 * (0.05_f64 * 0.95 / reps as f64).sqrt(),
            "{rate}"
        );
    }
}
