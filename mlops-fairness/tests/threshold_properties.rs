//! The fast threshold search against brute force over every combination of per-group
//! thresholds, on small random inputs with ties and weights.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{BinaryTask, ConfusionMatrix, CoreError, CostMatrix, Groups};
use mlops_fairness::{Constraint, FairnessError, GroupRule, ThresholdSearch};
use proptest::prelude::*;

/// Rows (score, label, weight, group): few distinct scores so ties are common.
fn rows(max: usize) -> impl Strategy<Value = Vec<(f64, bool, f64, u8)>> {
    prop::collection::vec(
        (
            (0u8..5).prop_map(|v| f64::from(v) / 4.0),
            any::<bool>(),
            prop::sample::select(vec![1.0, 1.0, 2.0, 0.5, 0.0]),
            0u8..3,
        ),
        2..max,
    )
}

struct Data {
    s: Vec<f64>,
    y: Vec<bool>,
    w: Vec<f64>,
    g: Vec<String>,
}

fn data(rows: &[(f64, bool, f64, u8)], weighted: bool) -> Data {
    Data {
        s: rows.iter().map(|r| r.0).collect(),
        y: rows.iter().map(|r| r.1).collect(),
        w: rows
            .iter()
            .map(|r| if weighted { r.2 } else { 1.0 })
            .collect(),
        g: rows.iter().map(|r| format!("g{}", r.3)).collect(),
    }
}

/// The probability that `rule` flags `score`, read from the rule's public fields as its
/// documentation defines them.
fn flag_probability(rule: &GroupRule, score: f64) -> f64 {
    match &rule.band {
        _ if score == rule.threshold => rule.p_at_threshold,
        None if score > rule.threshold => 1.0,
        None => 0.0,
        Some(b) if score > rule.threshold => b.p_above,
        Some(b) if score >= b.lower => b.p_between,
        Some(b) => b.p_below,
    }
}

/// Confusion of one group under a rule, by direct counting (expected values where the rule
/// is random).
fn count(d: &Data, group: &str, rule: GroupRule) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::default();
    for i in 0..d.s.len() {
        if d.g[i] != group {
            continue;
        }
        let p = flag_probability(&rule, d.s[i]);
        let w = d.w[i];
        if d.y[i] {
            cm.tp += p * w;
            cm.fn_ += (1.0 - p) * w;
        } else {
            cm.fp += p * w;
            cm.tn += (1.0 - p) * w;
        }
    }
    cm
}

/// Distinct candidate thresholds of a group: +inf (flag nobody) and each score with weight.
fn candidates(d: &Data, group: &str) -> Vec<f64> {
    let mut t: Vec<f64> = (0..d.s.len())
        .filter(|&i| d.g[i] == group && d.w[i] > 0.0)
        .map(|i| d.s[i])
        .collect();
    t.push(f64::INFINITY);
    t.sort_by(|a, b| b.total_cmp(a));
    t.dedup();
    t
}

fn groups_of(d: &Data) -> Vec<String> {
    let mut g = d.g.clone();
    g.sort();
    g.dedup();
    g
}

/// Brute force: every combination of one threshold per group.
fn brute_deterministic(d: &Data, c: Constraint, cost: CostMatrix, tol: f64) -> Option<f64> {
    let names = groups_of(d);
    let options: Vec<Vec<(f64, f64)>> = names
        .iter()
        .map(|g| {
            candidates(d, g)
                .into_iter()
                .map(|t| {
                    let cm = count(d, g, GroupRule::at_least(t));
                    (c.rate(&cm).unwrap_or(f64::NAN), cost.total_cost(&cm))
                })
                .collect()
        })
        .collect();
    let mut best: Option<f64> = None;
    let mut idx = vec![0usize; names.len()];
    loop {
        let rates: Vec<f64> = idx.iter().zip(&options).map(|(&j, o)| o[j].0).collect();
        let gap = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - rates.iter().copied().fold(f64::INFINITY, f64::min);
        if gap <= tol {
            let total: f64 = idx.iter().zip(&options).map(|(&j, o)| o[j].1).sum();
            best = Some(best.map_or(total, |b: f64| b.min(total)));
        }
        let mut k = 0;
        loop {
            if k == idx.len() {
                return best;
            }
            idx[k] += 1;
            if idx[k] < options[k].len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

/// The cheapest mixture of a group's thresholds reaching rate `t` exactly: by definition
/// the minimum over every pair of thresholds (in one dimension a point of the convex hull
/// of the (rate, cost) points mixes at most two of them, adjacent or not).
fn cheapest_mixture_at(points: &[(f64, f64)], t: f64) -> f64 {
    let mut best = f64::INFINITY;
    for &(r1, c1) in points {
        if r1 == t {
            best = best.min(c1);
        }
        for &(r2, c2) in points {
            if r1 < t && t < r2 {
                let p = (t - r1) / (r2 - r1);
                best = best.min((1.0 - p) * c1 + p * c2);
            }
        }
    }
    best
}

/// Brute force for randomized mode over every mixture of every group's thresholds with
/// rates within `tol`: the rates lie in a window `[l, l + tol]`; each group's cheapest cost
/// is convex and piecewise linear in its rate with breakpoints at its thresholds' rates, so
/// it is reached at a window end or at one of those rates, and the best window starts or
/// ends at one of them.
fn brute_randomized(d: &Data, c: Constraint, cost: CostMatrix, tol: f64) -> Option<f64> {
    let names = groups_of(d);
    let points: Vec<Vec<(f64, f64)>> = names
        .iter()
        .map(|g| {
            candidates(d, g)
                .into_iter()
                .map(|t| {
                    let cm = count(d, g, GroupRule::at_least(t));
                    (c.rate(&cm).unwrap_or(f64::NAN), cost.total_cost(&cm))
                })
                .collect()
        })
        .collect();
    let mut best: Option<f64> = None;
    for v in points.iter().flatten().map(|p| p.0) {
        for (l, u) in [(v, v + tol), (v - tol, v)] {
            let mut total = 0.0;
            for pts in &points {
                let mut group_best = f64::INFINITY;
                for t in [l, u].into_iter().chain(pts.iter().map(|p| p.0)) {
                    if l <= t && t <= u {
                        group_best = group_best.min(cheapest_mixture_at(pts, t));
                    }
                }
                total += group_best;
            }
            if total.is_finite() {
                best = Some(best.map_or(total, |b: f64| b.min(total)));
            }
        }
    }
    best
}

fn fit(
    d: &Data,
    search: ThresholdSearch,
) -> Result<mlops_fairness::ThresholdPolicy, FairnessError> {
    let task = BinaryTask::new(&d.s[..], &d.y[..])?.with_weights(&d.w[..])?;
    let groups = Groups::from_strs("group", &d.g)?;
    search.fit(&task, &groups)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

fn constraints() -> impl Strategy<Value = Constraint> {
    prop::sample::select(vec![
        Constraint::Fpr,
        Constraint::Tpr,
        Constraint::SelectionRate,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn deterministic_search_is_the_brute_force_minimum(
        rows in rows(16),
        weighted in any::<bool>(),
        c in constraints(),
        tol in prop::sample::select(vec![0.0, 0.05, 0.1, 0.25, 1.0]),
        fn_cost in prop::sample::select(vec![5.0, 2.0, 1.5]),
    ) {
        let d = data(&rows, weighted);
        let cost = CostMatrix::new(fn_cost, 1.0).unwrap();
        let search = ThresholdSearch::new().constraint(c).tolerance(tol).cost(cost);
        match fit(&d, search) {
            Ok(policy) => {
                let brute = brute_deterministic(&d, c, cost, tol).expect("fast found a solution");
                if weighted {
                    prop_assert!(close(policy.total_cost, brute), "{} vs {}", policy.total_cost, brute);
                } else {
                    prop_assert_eq!(policy.total_cost, brute);
                }
                // The reported rules reproduce the reported rates and costs when recounted.
                let mut rates = Vec::new();
                for gf in &policy.groups {
                    let cm = count(&d, &gf.name, gf.rule);
                    prop_assert!(close(cost.total_cost(&cm), gf.cost));
                    let r = c.rate(&cm).unwrap();
                    prop_assert!(close(r, gf.rate));
                    rates.push(r);
                }
                let g = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    - rates.iter().copied().fold(f64::INFINITY, f64::min);
                prop_assert!(g <= tol + 1e-12, "gap {} > tol {}", g, tol);
                // The fair policy never costs less than the unconstrained optimum.
                prop_assert!(policy.total_cost >= policy.baselines.unconstrained.cost - 1e-9);
            }
            Err(FairnessError::GroupHasNoNegatives { .. }) => prop_assert_eq!(c, Constraint::Fpr),
            Err(FairnessError::GroupHasNoPositives { .. }) => prop_assert_eq!(c, Constraint::Tpr),
            Err(FairnessError::EmptyGroup { group }) => {
                prop_assert!((0..d.s.len()).all(|i| d.g[i] != group || d.w[i] == 0.0));
            }
            Err(FairnessError::Core(_)) => {} // e.g. all weights zero
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    #[test]
    fn randomized_search_is_the_brute_force_minimum(
        rows in rows(16),
        weighted in any::<bool>(),
        c in constraints(),
        tol in prop::sample::select(vec![0.0, 0.0, 0.05, 0.1, 0.25, 1.0]),
    ) {
        let d = data(&rows, weighted);
        let cost = CostMatrix::default();
        let search = ThresholdSearch::new().constraint(c).randomized(true).tolerance(tol);
        if let Ok(policy) = fit(&d, search) {
            let brute = brute_randomized(&d, c, cost, tol).expect("fast found a solution");
            prop_assert!(close(policy.total_cost, brute), "{} vs {}", policy.total_cost, brute);
            prop_assert_eq!(policy.params.tolerance, tol);
            // Rates within the tolerance (up to rounding of the mixing probability).
            prop_assert!(policy.max_gap <= tol + 1e-12, "gap {}", policy.max_gap);
            for gf in &policy.groups {
                let cm = count(&d, &gf.name, gf.rule);
                prop_assert!(close(cost.total_cost(&cm), gf.cost));
                prop_assert!((c.rate(&cm).unwrap() - gf.rate).abs() <= 1e-12);
            }
            // Randomizing can only help: never worse than the deterministic optimum.
            let det = fit(&d, ThresholdSearch::new().constraint(c).tolerance(tol)).unwrap();
            prop_assert!(policy.total_cost <= det.total_cost + 1e-9);
        }
    }
}

#[test]
fn single_group_is_its_own_optimum() {
    let s = [0.1, 0.4, 0.35, 0.8, 0.7];
    let y = [0, 0, 1, 1, 0];
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &["a"; 5]).unwrap();
    let p = ThresholdSearch::new()
        .tolerance(0.0)
        .fit(&task, &groups)
        .unwrap();
    assert_eq!(p.max_gap, 0.0);
    assert_eq!(p.total_cost, p.baselines.unconstrained.cost);
    assert_eq!(p.total_cost, p.baselines.single_threshold.cost);
}

#[test]
fn undefined_rates_and_bad_parameters_are_errors() {
    let s = [0.1, 0.4, 0.35, 0.8];
    let task = BinaryTask::new(&s[..], &[0, 1, 1, 1][..]).unwrap();
    let groups = Groups::from_strs("g", &["a", "a", "b", "b"]).unwrap();
    let e = ThresholdSearch::new().fit(&task, &groups).unwrap_err();
    assert_eq!(e, FairnessError::GroupHasNoNegatives { group: "b".into() });
    let task = BinaryTask::new(&s[..], &[0, 1, 0, 0][..]).unwrap();
    let e = ThresholdSearch::new()
        .constraint(Constraint::Tpr)
        .fit(&task, &groups)
        .unwrap_err();
    assert_eq!(e, FairnessError::GroupHasNoPositives { group: "b".into() });
    for tol in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            ThresholdSearch::new().tolerance(tol).fit(&task, &groups),
            Err(FairnessError::Core(CoreError::InvalidParameter { .. }))
        ));
    }
    assert!(matches!(
        ThresholdSearch::new().max_groups(1).fit(&task, &groups),
        Err(FairnessError::TooManyGroups { found: 2, limit: 1 })
    ));
    let short = Groups::from_strs("g", &["a"]).unwrap();
    assert!(matches!(
        ThresholdSearch::new().fit(&task, &short),
        Err(FairnessError::Core(_))
    ));
    assert!("equalised".parse::<Constraint>().is_err());
    assert_eq!(
        "selection_rate".parse::<Constraint>().unwrap(),
        Constraint::SelectionRate
    );
}

#[test]
fn policy_round_trips_through_json_and_predicts() {
    let s = [0.9, 0.8, 0.3, 0.2, 0.7, 0.6, 0.5, 0.1, 0.6, 0.4];
    let y = [1, 0, 0, 0, 1, 1, 0, 0, 0, 1];
    let g = ["a", "a", "a", "a", "b", "b", "b", "b", "a", "b"];
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("eth", &g).unwrap();
    for randomized in [false, true] {
        let p = ThresholdSearch::new()
            .randomized(randomized)
            .fit(&task, &groups)
            .unwrap();
        let json = serde_json::to_string(&p).unwrap();
        let back: mlops_fairness::ThresholdPolicy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.format_version, mlops_fairness::POLICY_FORMAT_VERSION);
        let flags = p
            .predict(&s, &groups, None, |i| {
                mlops_fairness::uniform_from_seed(7, i)
            })
            .unwrap();
        let again = p
            .predict(&s, &groups, None, |i| {
                mlops_fairness::uniform_from_seed(7, i)
            })
            .unwrap();
        assert_eq!(flags, again, "reproducible with a seed");
        // Unseen group: an error naming it, or the fallback.
        let new = Groups::from_strs("eth", &["c", "a"]).unwrap();
        let e = p.predict(&[0.5, 0.5], &new, None, |_| 0.0).unwrap_err();
        assert_eq!(
            e,
            FairnessError::UnseenGroup {
                group: "c".into(),
                index: 0
            }
        );
        let ok = p
            .predict(&[0.5, 0.5], &new, Some(GroupRule::at_least(0.4)), |_| 0.0)
            .unwrap();
        assert!(ok[0]);
    }
}
