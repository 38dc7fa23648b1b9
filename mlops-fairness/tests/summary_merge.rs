//! A summary merged from any partitioning of the rows, in any merge order, gives every
//! result bit for bit as the rows in one process: the group audit, the deterministic and
//! randomized threshold searches, the frontier and the ROC curves by group.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{BinaryTask, CoreError, Groups, ScoreSummary, SortedCounts};
use mlops_fairness::{
    AuditParams, Constraint, Decision, ThresholdSearch, audit, audit_summary, roc_by_group,
    roc_by_group_summary,
};
use proptest::prelude::*;

/// Rows (score, label, weight, group): few distinct scores so ties are common, and weights
/// whose sums round differently in different orders.
fn rows() -> impl Strategy<Value = Vec<(f64, bool, f64, u8)>> {
    prop::collection::vec(
        (
            (0u8..6).prop_map(|v| f64::from(v) / 5.0),
            any::<bool>(),
            prop::sample::select(vec![1.0, 0.1, 0.2, 0.3, 0.7, 1e-9, 3.3e7, 0.0, 1.0 / 3.0]),
            0u8..4,
        ),
        1..60,
    )
}

/// Bits, with `-0.0` apart from `0.0`: `{:?}` prints every float so that it reads back
/// exactly.
fn bits<T: std::fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

fn summary_of(rows: &[(f64, bool, f64, u8)], weighted: bool) -> Option<ScoreSummary> {
    if rows.is_empty() {
        return None;
    }
    let s: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
    let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let g: Vec<String> = rows.iter().map(|r| format!("g{}", r.3)).collect();
    let groups = Groups::from_strs("group", &g).unwrap();
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let task = if weighted {
        match task.with_weights(&w[..]) {
            Ok(t) => t,
            Err(CoreError::AllWeightsZero { .. }) => return Some(ScoreSummary::of_keys(&groups)),
            Err(e) => panic!("{e}"),
        }
    } else {
        task
    };
    Some(ScoreSummary::new(&task, &groups).unwrap())
}

/// The rows split by `part[i]`, each part summarised, merged in the order `order` as a
/// left fold or as a balanced tree.
fn merged(
    rows: &[(f64, bool, f64, u8)],
    part: &[usize],
    order: &[usize],
    tree: bool,
    weighted: bool,
) -> ScoreSummary {
    let k = order.len();
    let mut parts: Vec<Vec<(f64, bool, f64, u8)>> = vec![Vec::new(); k];
    for (r, &p) in rows.iter().zip(part) {
        parts[p % k].push(*r);
    }
    let mut sums: Vec<ScoreSummary> = order
        .iter()
        .map(|&p| {
            summary_of(&parts[p], weighted)
                .unwrap_or_else(|| ScoreSummary::empty(vec!["group".to_owned()]).unwrap())
        })
        .collect();
    if tree {
        while sums.len() > 1 {
            let mut next = Vec::new();
            let mut it = sums.into_iter();
            while let Some(mut a) = it.next() {
                if let Some(b) = it.next() {
                    a.merge(&b).unwrap();
                }
                next.push(a);
            }
            sums = next;
        }
        sums.pop().unwrap()
    } else {
        let mut acc = sums.remove(0);
        for s in &sums {
            acc.merge(s).unwrap();
        }
        acc
    }
}

/// One row: (score, label, weight, group).
type Row = (f64, bool, f64, u8);

/// Rows, each row's partition, the order the partitions merge in, and whether they merge
/// as a balanced tree (else a left fold).
type Partitioned = (Vec<Row>, Vec<usize>, Vec<usize>, bool);

fn partitioning() -> impl Strategy<Value = Partitioned> {
    (rows(), 1usize..6, any::<bool>()).prop_flat_map(|(rows, k, tree)| {
        let n = rows.len();
        (
            Just(rows),
            prop::collection::vec(0..k, n),
            Just((0..k).collect::<Vec<usize>>()).prop_shuffle(),
            Just(tree),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn merged_summary_equals_rows_bit_for_bit(
        (rows, part, order, tree) in partitioning(),
        weighted in any::<bool>(),
        threshold in (0u8..7).prop_map(|v| f64::from(v) / 5.0 - 0.1),
        tolerance in prop::sample::select(vec![0.0, 0.05, 0.3]),
    ) {
        let s: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let g: Vec<String> = rows.iter().map(|r| format!("g{}", r.3)).collect();
        let groups = Groups::from_strs("group", &g).unwrap();
        let task = BinaryTask::new(&s[..], &y[..]).unwrap();
        let task = if weighted {
            match task.with_weights(&w[..]) {
                Ok(t) => t,
                Err(_) => return Ok(()), // all weights zero: no in-memory result to match
            }
        } else {
            task
        };
        let summary = merged(&rows, &part, &order, tree, weighted);

        // The sorted counts themselves.
        let whole = SortedCounts::by_group(&task, &groups).unwrap();
        prop_assert_eq!(bits(&summary.counts()), bits(&whole));

        // The group audit, one threshold and per-group thresholds.
        let params = AuditParams { tolerance, ..AuditParams::default() };
        let a = audit(&task, &groups, Decision::Threshold(threshold), params).unwrap();
        let b = audit_summary(&summary, Decision::Threshold(threshold), params).unwrap();
        prop_assert_eq!(bits(&a), bits(&b));
        let per: Vec<f64> = (0..groups.n_groups()).map(|i| threshold + 0.2 * i as f64).collect();
        let a = audit(&task, &groups, Decision::PerGroup(&per), params).unwrap();
        let b = audit_summary(&summary, Decision::PerGroup(&per), params).unwrap();
        prop_assert_eq!(bits(&a), bits(&b));

        // ROC by group.
        prop_assert_eq!(
            bits(&roc_by_group(&task, &groups, None).unwrap()),
            bits(&roc_by_group_summary(&summary, None).unwrap())
        );

        // Threshold searches: equal results, or the same error.
        for constraint in [Constraint::Fpr, Constraint::Tpr, Constraint::EqualizedOdds] {
            for randomized in [false, true] {
                let search = ThresholdSearch::new()
                    .constraint(constraint)
                    .tolerance(tolerance)
                    .randomized(randomized);
                let a = search.fit(&task, &groups);
                let b = search.fit_summary(&summary);
                prop_assert_eq!(bits(&a), bits(&b), "{} randomized={}", constraint, randomized);
                if !randomized && constraint != Constraint::EqualizedOdds {
                    let tols = [0.0, 0.1, 1.0];
                    prop_assert_eq!(
                        bits(&search.frontier(&task, &groups, &tols)),
                        bits(&search.frontier_summary(&summary, &tols))
                    );
                }
            }
        }

        // The summary reads back from JSON unchanged.
        let back = ScoreSummary::from_json(&summary.to_json().unwrap()).unwrap();
        prop_assert_eq!(bits(&back.counts()), bits(&summary.counts()));
    }
}
