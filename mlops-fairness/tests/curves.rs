//! The frontier equals independent fits; operating points sit where the policy says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{BinaryTask, Groups};
use mlops_fairness::{DEFAULT_FRONTIER, GroupRule, ThresholdSearch, roc_by_group};

fn data(n: usize) -> (Vec<f64>, Vec<bool>, Vec<String>) {
    let mut state = 7u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut s, mut y, mut g) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let bad = next() < 0.3;
        let group = ["a", "b", "c"][i % 3];
        let shift = [0.0, 0.08, -0.05][i % 3];
        s.push(((if bad { 0.3 } else { 0.0 } + 0.6 * next() + shift) * 100.0).round() / 100.0);
        y.push(bad);
        g.push(group.to_owned());
    }
    (s, y, g)
}

#[test]
fn frontier_points_equal_separate_fits_and_cost_falls_with_tolerance() {
    let (s, y, g) = data(3000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let search = ThresholdSearch::new();
    let frontier = search.frontier(&task, &groups, &DEFAULT_FRONTIER).unwrap();
    assert_eq!(frontier.len(), DEFAULT_FRONTIER.len());
    for w in frontier.windows(2) {
        assert!(
            w[1].cost <= w[0].cost,
            "cost must not rise as the tolerance loosens"
        );
    }
    for p in &frontier {
        let fit = search.tolerance(p.tolerance).fit(&task, &groups).unwrap();
        assert_eq!(fit.total_cost, p.cost);
        assert!((fit.max_gap - p.max_gap).abs() < 1e-15);
        assert!(p.max_gap <= p.tolerance);
    }
    let loosest = frontier.last().unwrap();
    let fit = search.fit(&task, &groups).unwrap();
    assert_eq!(loosest.cost, fit.baselines.unconstrained.cost);
    assert!(search.frontier(&task, &groups, &[1.5]).is_err());
}

#[test]
fn operating_points_match_the_policy_rates() {
    let (s, y, g) = data(3000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    for randomized in [false, true] {
        let policy = ThresholdSearch::new()
            .randomized(randomized)
            .fit(&task, &groups)
            .unwrap();
        let rules = policy.rules_for(&groups).unwrap();
        let rocs = roc_by_group(&task, &groups, Some(&rules)).unwrap();
        for (roc, fit) in rocs.iter().zip(&policy.groups) {
            assert_eq!(roc.name, fit.name);
            let pt = roc.point.unwrap();
            assert!(
                (pt.fpr - fit.rate).abs() < 1e-12,
                "{} vs {}",
                pt.fpr,
                fit.rate
            );
            assert!((pt.tpr - fit.confusion.tpr().unwrap()).abs() < 1e-12);
            let curve = roc.curve.as_ref().unwrap();
            assert_eq!(curve.fpr.first(), Some(&0.0));
            assert_eq!(curve.tpr.last(), Some(&1.0));
            assert!(roc.auc.unwrap() > 0.5);
        }
    }
    assert!(roc_by_group(&task, &groups, Some(&[GroupRule::at_least(0.5)])).is_err());
    let no_points = roc_by_group(&task, &groups, None).unwrap();
    assert!(no_points.iter().all(|r| r.point.is_none()));
}
