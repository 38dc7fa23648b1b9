//! Property tests: every fast computation against a brute-force oracle written from the
//! definition, on small random inputs with heavy ties and weights.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::radix::TaggedRow;
use mlops_core::{BinaryTask, ConfusionMatrix, CostMatrix, Groups, SortedCounts};
use proptest::prelude::*;

mod common;
use common::{TOL, close};

/// Rows of (score, label, weight): scores from a handful of values so ties are common,
/// weights including zero.
fn rows(max: usize) -> impl Strategy<Value = Vec<(f64, bool, f64)>> {
    prop::collection::vec(
        (
            (0u8..6).prop_map(|v| f64::from(v) / 4.0 - 0.5),
            any::<bool>(),
            prop::sample::select(vec![0.0, 0.5, 1.0, 2.0, 3.7]),
        ),
        1..max,
    )
}

fn unzip(rows: &[(f64, bool, f64)]) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let mut s = Vec::new();
    let mut y = Vec::new();
    let mut w = Vec::new();
    for &(a, b, c) in rows {
        s.push(a);
        y.push(b);
        w.push(c);
    }
    (s, y, w)
}

/// AUC by its definition: every (positive, negative) pair, ties count one half.
fn brute_auc(s: &[f64], y: &[bool], w: &[f64]) -> Option<f64> {
    let (mut num, mut p, mut n) = (0.0, 0.0, 0.0);
    for i in 0..s.len() {
        if y[i] {
            p += w[i];
        } else {
            n += w[i];
        }
        for j in 0..s.len() {
            if y[i] && !y[j] {
                let v = if s[i] > s[j] {
                    1.0
                } else if s[i] == s[j] {
                    0.5
                } else {
                    0.0
                };
                num += w[i] * w[j] * v;
            }
        }
    }
    (p > 0.0 && n > 0.0).then(|| num / (p * n))
}

fn brute_confusion(s: &[f64], y: &[bool], w: &[f64], t: f64) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::default();
    for i in 0..s.len() {
        match (y[i], s[i] >= t) {
            (true, true) => cm.tp += w[i],
            (false, true) => cm.fp += w[i],
            (false, false) => cm.tn += w[i],
            (true, false) => cm.fn_ += w[i],
        }
    }
    cm
}

fn cm_close(a: &ConfusionMatrix, b: &ConfusionMatrix) -> bool {
    close(a.tp, b.tp) && close(a.fp, b.fp) && close(a.tn, b.tn) && close(a.fn_, b.fn_)
}

fn weighted(s: &[f64], y: &[bool], w: &[f64]) -> Option<SortedCounts> {
    BinaryTask::new(s, y)
        .and_then(|t| t.with_weights(w))
        .ok()
        .map(|t| SortedCounts::new(&t))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn auc_matches_pair_counting(rows in rows(40)) {
        let (s, y, w) = unzip(&rows);
        let Some(counts) = weighted(&s, &y, &w) else { return Ok(()) }; // all-zero weights
        match (counts.roc_auc(), brute_auc(&s, &y, &w)) {
            (Ok(a), Some(b)) => prop_assert!((a - b).abs() <= TOL, "{a} vs {b}"),
            (Err(_), None) => {}
            (a, b) => prop_assert!(false, "fast {a:?} vs brute {b:?}"),
        }
    }

    #[test]
    fn roc_points_match_direct_counts(rows in rows(40)) {
        let (s, y, w) = unzip(&rows);
        let Some(counts) = weighted(&s, &y, &w) else { return Ok(()) };
        let Ok(roc) = counts.roc_curve() else { return Ok(()) };
        // Distinct scores of rows with weight, descending: exactly the thresholds.
        let mut distinct: Vec<f64> = s.iter().zip(&w).filter(|(_, w)| **w > 0.0).map(|(s, _)| *s).collect();
        distinct.sort_by(|a, b| b.total_cmp(a));
        distinct.dedup();
        prop_assert_eq!(&roc.thresholds[1..], &distinct[..]);
        prop_assert_eq!(roc.thresholds[0], f64::INFINITY);
        for (i, &t) in roc.thresholds.iter().enumerate() {
            let cm = brute_confusion(&s, &y, &w, t);
            prop_assert!(close(roc.tpr[i], cm.tp / cm.positives()));
            prop_assert!(close(roc.fpr[i], cm.fp / cm.negatives()));
        }
        // The trapezoid under the curve is the AUC.
        let trapezoid: f64 = (1..roc.fpr.len())
            .map(|i| (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) / 2.0)
            .sum();
        prop_assert!((trapezoid - counts.roc_auc().unwrap_or(f64::NAN)).abs() <= TOL);
    }

    #[test]
    fn dropping_intermediate_points_follows_the_second_differences(rows in rows(40)) {
        // Dyadic weights: every sum below is exact, so the rule is decided without rounding.
        let rows: Vec<_> = rows.into_iter().map(|(s, y, w)| (s, y, if w == 3.7 { 3.75 } else { w })).collect();
        let (s, y, w) = unzip(&rows);
        let Some(counts) = weighted(&s, &y, &w) else { return Ok(()) };
        let (Ok(full), Ok(sparse)) = (counts.roc_curve(), counts.roc_curve_dropping_intermediate()) else {
            return Ok(());
        };
        // scikit-learn's rule on the direct counts at each distinct score (point 0, +inf,
        // aside): keep the first, the last, and every point where tp or fp turns.
        let t = &full.thresholds[1..];
        let at: Vec<(f64, f64)> = t.iter().map(|&x| { let cm = brute_confusion(&s, &y, &w, x); (cm.tp, cm.fp) }).collect();
        let mut expected = vec![f64::INFINITY];
        for j in 0..t.len() {
            let turns = j == 0 || j + 1 == t.len() || {
                let (a, b, c) = (at[j - 1], at[j], at[j + 1]);
                (c.0 - b.0) - (b.0 - a.0) != 0.0 || (c.1 - b.1) - (b.1 - a.1) != 0.0
            };
            if turns {
                expected.push(t[j]);
            }
        }
        prop_assert_eq!(&sparse.thresholds, &expected);
        for (i, &x) in sparse.thresholds.iter().enumerate() {
            let k = full.thresholds.iter().position(|&f| f == x).unwrap();
            prop_assert_eq!((sparse.fpr[i], sparse.tpr[i]), (full.fpr[k], full.tpr[k]));
        }
    }

    #[test]
    fn confusion_lookup_equals_one_pass(rows in rows(40), t in -1.0f64..1.0) {
        let (s, y, w) = unzip(&rows);
        let Ok(task) = BinaryTask::new(&s[..], &y[..]).and_then(|t| t.with_weights(&w[..])) else { return Ok(()) };
        let counts = SortedCounts::new(&task);
        for thr in [t, f64::INFINITY, f64::NEG_INFINITY, s[0]] {
            let direct = brute_confusion(&s, &y, &w, thr);
            prop_assert!(cm_close(&counts.confusion_at(thr), &direct));
            let one_pass = ConfusionMatrix::at_threshold(&task, thr).unwrap_or_default();
            prop_assert!(cm_close(&one_pass, &direct));
        }
    }

    #[test]
    fn integer_weights_equal_repeated_rows(rows in rows(30), reps in prop::collection::vec(1usize..4, 30)) {
        let (s, y, _) = unzip(&rows);
        let w: Vec<f64> = (0..s.len()).map(|i| reps[i] as f64).collect();
        let (mut s2, mut y2) = (Vec::new(), Vec::new());
        for i in 0..s.len() {
            for _ in 0..reps[i] {
                s2.push(s[i]);
                y2.push(y[i]);
            }
        }
        let a = weighted(&s, &y, &w).map(|c| (c.roc_curve().ok(), c.roc_auc().ok(), c.average_precision().ok()));
        let b = BinaryTask::new(&s2[..], &y2[..]).ok().map(|t| {
            let c = SortedCounts::new(&t);
            (c.roc_curve().ok(), c.roc_auc().ok(), c.average_precision().ok())
        });
        prop_assert_eq!(a, b);
    }

    #[test]
    fn permutation_invariant(rows in rows(40), seed in any::<u64>()) {
        let (s, y, w) = unzip(&rows);
        // A seeded Fisher-Yates shuffle.
        let mut idx: Vec<usize> = (0..s.len()).collect();
        let mut state = seed | 1;
        for i in (1..idx.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            idx.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let yb: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        let a = weighted(&s, &y, &w);
        let b = weighted(&pick(&s), &yb, &pick(&w));
        match (a, b) {
            (Some(a), Some(b)) => {
                prop_assert_eq!(a.thresholds(), b.thresholds());
                match (a.roc_auc(), b.roc_auc()) {
                    (Ok(x), Ok(z)) => prop_assert!((x - z).abs() <= TOL),
                    (x, z) => prop_assert_eq!(x.is_ok(), z.is_ok()),
                }
            }
            (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
        }
    }

    #[test]
    fn min_cost_threshold_is_the_brute_force_minimum(rows in rows(40), fn_cost in 1.5f64..10.0) {
        let (s, y, w) = unzip(&rows);
        let Some(counts) = weighted(&s, &y, &w) else { return Ok(()) };
        let cost = CostMatrix::new(fn_cost, 1.0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let best = cost.min_cost_threshold(&counts);
        let mut candidates = s.clone();
        candidates.push(f64::INFINITY);
        let brute = candidates
            .iter()
            .map(|&t| cost.total_cost(&brute_confusion(&s, &y, &w, t)))
            .fold(f64::INFINITY, f64::min);
        prop_assert!((best.cost - brute).abs() <= TOL * (1.0 + brute));
        prop_assert!(close(cost.total_cost(&brute_confusion(&s, &y, &w, best.threshold)), best.cost));
    }

    #[test]
    fn average_precision_matches_definition(rows in rows(40)) {
        let (s, y, w) = unzip(&rows);
        let Some(counts) = weighted(&s, &y, &w) else { return Ok(()) };
        let Ok(ap) = counts.average_precision() else { return Ok(()) };
        // sum over distinct thresholds (descending) of (R_k - R_{k-1}) * P_k.
        let mut distinct = s.clone();
        distinct.sort_by(|a, b| b.total_cmp(a));
        distinct.dedup();
        let (mut prev_recall, mut brute) = (0.0, 0.0);
        for &t in &distinct {
            let cm = brute_confusion(&s, &y, &w, t);
            let recall = cm.tp / cm.positives();
            if cm.tp + cm.fp > 0.0 {
                brute += (recall - prev_recall) * cm.tp / (cm.tp + cm.fp);
            }
            prev_recall = recall;
        }
        prop_assert!((ap - brute).abs() <= TOL, "{ap} vs {brute}");
    }

    #[test]
    fn by_group_equals_filtering(rows in rows(40), g in prop::collection::vec(0usize..3, 40)) {
        let (s, y, w) = unzip(&rows);
        let names: Vec<String> = (0..s.len()).map(|i| format!("g{}", g[i])).collect();
        let Ok(task) = BinaryTask::new(&s[..], &y[..]).and_then(|t| t.with_weights(&w[..])) else { return Ok(()) };
        let groups = Groups::from_strs("group", &names).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let per = SortedCounts::by_group(&task, &groups).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (id, key) in groups.keys().iter().enumerate() {
            let rows_in: Vec<usize> = (0..s.len()).filter(|&i| names[i] == key.to_string()).collect();
            let sub = |v: &[f64]| rows_in.iter().map(|&i| v[i]).collect::<Vec<_>>();
            let yb: Vec<bool> = rows_in.iter().map(|&i| y[i]).collect();
            match weighted(&sub(&s), &yb, &sub(&w)) {
                Some(direct) => prop_assert_eq!(&per[id], &direct),
                None => prop_assert!(per[id].is_empty()),
            }
        }
        // The streamed pooled optimum equals the optimum of the pooled counts.
        let cost = mlops_core::CostMatrix::default();
        let streamed = cost.min_cost_threshold_of_parts(&per.iter().collect::<Vec<_>>());
        let direct = cost.min_cost_threshold(&SortedCounts::new(&task));
        // The same threshold, unless two thresholds tie up to the rounding of weighted sums
        // taken in a different order (then both are optimal).
        let pooled_counts = SortedCounts::new(&task);
        prop_assert!(
            streamed.threshold == direct.threshold
                || close(
                    cost.total_cost(&pooled_counts.confusion_at(streamed.threshold)),
                    direct.cost
                ),
            "{streamed:?} vs {direct:?}"
        );
        prop_assert!(close(streamed.cost, direct.cost));
        // Merging the groups back gives the pooled counts (up to the summation order).
        let merged = SortedCounts::merge(&per.iter().collect::<Vec<_>>());
        let pooled = SortedCounts::new(&task);
        prop_assert_eq!(merged.thresholds(), pooled.thresholds());
        prop_assert_eq!(merged.positive_rows(), pooled.positive_rows());
        for (a, b) in merged.cum_pos().iter().zip(pooled.cum_pos()).chain(merged.cum_neg().iter().zip(pooled.cum_neg())) {
            prop_assert!(close(*a, *b), "{a} vs {b}");
        }
    }
}

/// Finite floats of every kind (both signs, tiny, huge, infinite, many ties), with `-0.0`
/// folded into `0.0` as the sorted-counts primitive does.
fn floats() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("no NaN", |x| !x.is_nan()),
        (0u16..50).prop_map(|v| f64::from(v) / 7.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
    ]
    .prop_map(|x| x + 0.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(25))]

    #[test]
    fn radix_sort_equals_comparison_sort(v in prop::collection::vec(floats(), 0..9000)) {
        let mut a = v.clone();
        let mut b = v.clone();
        mlops_core::radix::sort_desc(&mut a);
        b.sort_unstable_by(|x, y| y.total_cmp(x));
        prop_assert_eq!(a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), b.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        let mut pairs: Vec<(f64, f64)> = v.iter().enumerate().map(|(i, &x)| (x, i as f64)).collect();
        mlops_core::radix::sort_pairs_desc(&mut pairs);
        // Scores in order, and the pairs are a permutation of the input.
        prop_assert!(pairs.windows(2).all(|w| w[0].0 >= w[1].0));
        let mut seen: Vec<usize> = pairs.iter().map(|p| p.1 as usize).collect();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..v.len()).collect::<Vec<_>>());
        for p in &pairs {
            prop_assert_eq!(p.0.to_bits(), v[p.1 as usize].to_bits());
        }
    }

    #[test]
    fn tie_blocks_group_the_rows_of_equal_scores_in_ascending_order(
        v in prop::collection::vec(prop_oneof![floats(), Just(-0.0)], 0..9000),
    ) {
        // Tags: a row's parity, checked on the way out. Both row widths, same blocks.
        let tag = |i: usize| i % 3 == 1;
        let tags: Vec<bool> = (0..v.len()).map(tag).collect();
        let mut blocks32: Vec<Vec<usize>> = Vec::new();
        mlops_core::radix::tie_blocks_asc::<u32>(&v, &tags, |b| {
            blocks32.push(b.iter().map(|r| { assert_eq!(r.tag(), tag(r.row())); r.row() }).collect());
        });
        let mut blocks64: Vec<Vec<usize>> = Vec::new();
        mlops_core::radix::tie_blocks_asc::<u64>(&v, &tags, |b| {
            blocks64.push(b.iter().map(|r| { assert_eq!(r.tag(), tag(r.row())); r.row() }).collect());
        });
        for b in blocks32.iter_mut().chain(blocks64.iter_mut()) {
            b.sort_unstable();
        }
        prop_assert_eq!(&blocks32, &blocks64);
        // The same blocks as a comparison sort's runs of equal scores (0.0 == -0.0).
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| (v[i] + 0.0).total_cmp(&(v[j] + 0.0)).then(i.cmp(&j)));
        let mut expected: Vec<Vec<usize>> = Vec::new();
        for &i in &order {
            match expected.last_mut() {
                Some(b) if v[b[0]] == v[i] => b.push(i),
                _ => expected.push(vec![i]),
            }
        }
        prop_assert_eq!(blocks32, expected);
    }
}
