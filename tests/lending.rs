//! The lending simulator: reproducible, with the properties the loan audit relies on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::datasets::{DatasetError, LendingDrift, simulate_lending};
use mlops_audit::fairness::{AuditParams, Decision, audit};
use mlops_audit::{BinaryTask, CostMatrix, Groups, SortedCounts};
use strum::IntoEnumIterator;

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n as f64
}

#[test]
fn same_seed_same_portfolio_and_other_seeds_differ() {
    let a = simulate_lending(2_000, 42, LendingDrift::None);
    let b = simulate_lending(2_000, 42, LendingDrift::None);
    let c = simulate_lending(2_000, 43, LendingDrift::None);
    assert_eq!(a, b);
    assert_ne!(a.champion_score, c.champion_score);
    assert_eq!(a.len(), 2_000);
    assert!(simulate_lending(0, 1, LendingDrift::Downturn).is_empty());
    for (_, col) in a.numeric() {
        assert_eq!(col.len(), 2_000);
    }
    // Rounded values read as they print.
    assert!(
        a.champion_score
            .iter()
            .all(|&s| s == (s * 1e4).round() / 1e4)
    );
    assert!(a.champion_score.iter().all(|&s| (0.0..=1.0).contains(&s)));
}

#[test]
fn groups_differ_in_size_and_base_rate_and_one_threshold_fails_equal_fpr() {
    let d = simulate_lending(60_000, 7, LendingDrift::None);
    let groups = Groups::from_strs("ethnicity", &d.ethnicity).unwrap();
    let share = |g: &str| mean(d.ethnicity.iter().map(|&e| f64::from(u8::from(e == g))));
    for (g, expected) in [("A", 0.55), ("B", 0.25), ("C", 0.12), ("D", 0.08)] {
        assert!((share(g) - expected).abs() < 0.01, "{g}: {}", share(g));
    }
    let base = |g: &str| {
        mean(
            d.ethnicity
                .iter()
                .zip(&d.default)
                .filter(|(e, _)| **e == g)
                .map(|(_, &y)| f64::from(y)),
        )
    };
    assert!(
        base("C") > base("A") + 0.05,
        "{} vs {}",
        base("C"),
        base("A")
    );

    let mut aucs = Vec::new();
    for scores in [&d.champion_score, &d.challenger_score] {
        let task = BinaryTask::new(&scores[..], &d.default[..]).unwrap();
        let counts = SortedCounts::new(&task);
        aucs.push(counts.roc_auc().unwrap());
        let best = CostMatrix::default().min_cost_threshold(&counts);
        let a = audit(
            &task,
            &groups,
            Decision::Threshold(best.threshold),
            AuditParams::default(),
        )
        .unwrap();
        let fpr = a.disparities.iter().find(|x| x.rate == "fpr").unwrap();
        assert!(fpr.max_diff.unwrap() > 0.08, "{fpr:?}");
    }
    // A realistic, imperfect champion and a better challenger.
    assert!((0.65..0.8).contains(&aucs[0]), "{aucs:?}");
    assert!(aucs[1] > aucs[0] + 0.03, "{aucs:?}");
}

#[test]
fn drift_scenarios_do_what_they_say() {
    let base = simulate_lending(20_000, 3, LendingDrift::None);
    let rate = |d: &[u8]| mean(d.iter().map(|&y| f64::from(y)));

    let down = simulate_lending(20_000, 3, LendingDrift::Downturn);
    assert!(rate(&down.default) > rate(&base.default) + 0.05);
    assert!(mean(down.income.iter().copied()) < 0.9 * mean(base.income.iter().copied()));
    assert!(
        mean(down.debt_to_income.iter().copied())
            > mean(base.debt_to_income.iter().copied()) + 0.04
    );

    let new = simulate_lending(20_000, 3, LendingDrift::NewProduct);
    let unseen = mean(
        new.purpose
            .iter()
            .map(|&p| f64::from(u8::from(p == "green_energy"))),
    );
    assert!((unseen - 0.12).abs() < 0.01, "{unseen}");
    assert!(!base.purpose.contains(&"green_energy"));

    let fault = simulate_lending(20_000, 3, LendingDrift::PipelineFault);
    let missing = mean(
        fault
            .employment_years
            .iter()
            .map(|v| f64::from(u8::from(v.is_nan()))),
    );
    assert!((missing - 0.25).abs() < 0.01, "{missing}");
    assert!(base.employment_years.iter().all(|v| v.is_finite()));
    assert!(fault.champion_score.iter().all(|v| v.is_finite()));
}

#[test]
fn scenario_names_parse_and_unknown_ones_are_errors() {
    // The names Python passes as `drift=`; the error message lists the same four.
    let names: Vec<String> = LendingDrift::iter().map(|d| d.to_string()).collect();
    assert_eq!(names, ["none", "downturn", "new_product", "pipeline_fault"]);
    for d in LendingDrift::iter() {
        assert_eq!(d.to_string().parse::<LendingDrift>().unwrap(), d);
        assert_eq!(<&str>::from(d), d.to_string());
    }
    let err = "recession".parse::<LendingDrift>().unwrap_err();
    assert_eq!(
        err,
        DatasetError::UnknownScenario {
            name: "recession".into()
        }
    );
    assert!(err.to_string().contains("downturn"));
}
