//! Group audits against direct counting, and the bootstrap's reproducibility.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{BinaryTask, ConfusionMatrix, Groups};
use mlops_fairness::{AuditParams, Constraint, Decision, FairnessError, audit};
use proptest::prelude::*;

fn direct(
    s: &[f64],
    y: &[bool],
    w: &[f64],
    g: &[String],
    name: &str,
    flag: &dyn Fn(usize) -> bool,
) -> ConfusionMatrix {
    let mut cm = ConfusionMatrix::default();
    for i in 0..s.len() {
        if g[i] != name {
            continue;
        }
        match (y[i], flag(i)) {
            (true, true) => cm.tp += w[i],
            (false, true) => cm.fp += w[i],
            (false, false) => cm.tn += w[i],
            (true, false) => cm.fn_ += w[i],
        }
    }
    cm
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn per_group_counts_and_gaps_match_direct_counting(
        rows in prop::collection::vec(((0u8..6).prop_map(|v| f64::from(v) / 5.0), any::<bool>(),
            prop::sample::select(vec![1.0, 0.5, 2.0, 0.0]), 0u8..3), 1..40),
        t in 0.0f64..1.0,
    ) {
        let s: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let g: Vec<String> = rows.iter().map(|r| format!("g{}", r.3)).collect();
        let Ok(task) = BinaryTask::new(&s[..], &y[..]).and_then(|t| t.with_weights(&w[..])) else { return Ok(()) };
        let groups = Groups::from_strs("g", &g).unwrap();
        let a = audit(&task, &groups, Decision::Threshold(t), AuditParams::default()).unwrap();
        let mut fprs = Vec::new();
        for gm in &a.groups {
            let cm = direct(&s, &y, &w, &g, &gm.name, &|i| s[i] >= t);
            prop_assert!((cm.tp - gm.confusion.tp).abs() < 1e-12);
            prop_assert!((cm.fp - gm.confusion.fp).abs() < 1e-12);
            prop_assert!((cm.tn - gm.confusion.tn).abs() < 1e-12);
            prop_assert!((cm.fn_ - gm.confusion.fn_).abs() < 1e-12);
            prop_assert_eq!(gm.rates, gm.confusion.rates());
            fprs.extend(gm.rates.fpr);
        }
        let gap = (fprs.len() >= 2).then(|| {
            fprs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - fprs.iter().copied().fold(f64::INFINITY, f64::min)
        });
        prop_assert_eq!(a.max_gap, gap);
        prop_assert_eq!(a.passed, gap.map(|x| x <= 0.05));
        // Hard predictions equal to the threshold rule give the same audit counts.
        let flags: Vec<bool> = s.iter().map(|&v| v >= t).collect();
        let b = audit(&task, &groups, Decision::Predictions(&flags), AuditParams::default()).unwrap();
        for (x, z) in a.groups.iter().zip(&b.groups) {
            prop_assert_eq!(x.confusion, z.confusion);
        }
    }
}

fn lending(n: usize) -> (Vec<f64>, Vec<bool>, Vec<String>) {
    let mut state = 42u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut s = Vec::new();
    let mut y = Vec::new();
    let mut g = Vec::new();
    for i in 0..n {
        let bad = next() < 0.3;
        let group = if i % 3 == 0 { "a" } else { "b" };
        let shift = if group == "a" { 0.1 } else { 0.0 };
        s.push((if bad { 0.3 } else { 0.0 } + 0.6 * next() + shift).min(1.0));
        y.push(bad);
        g.push(group.to_owned());
    }
    (s, y, g)
}

#[test]
fn bootstrap_is_reproducible_and_thread_independent() {
    let (s, y, g) = lending(3000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let d = Decision::Threshold(0.4);
    let run = || {
        audit(&task, &groups, d, AuditParams::default())
            .unwrap()
            .with_bootstrap(&task, &groups, d, 400, 0.95, 11)
            .unwrap()
    };
    let a = run();
    let b = run();
    assert_eq!(a, b);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let c = one_thread.install(run);
    assert_eq!(a.intervals, c.intervals);
    let ci = a.intervals.as_ref().unwrap();
    // Every point estimate lies inside its 95% interval here (n = 1000 and 2000 per group).
    for (gm, rates) in a.groups.iter().zip(&ci.groups) {
        for (name, iv) in rates {
            let point = match name.as_str() {
                "fpr" => gm.rates.fpr,
                "tpr" => gm.rates.tpr,
                _ => continue,
            }
            .unwrap();
            let iv = iv.unwrap();
            assert!(
                iv.low <= point && point <= iv.high,
                "{name}: {point} not in {iv:?}"
            );
            assert_eq!(iv.replicates, 400);
        }
    }
    let gap = ci.max_gap.unwrap();
    assert!(gap.low <= a.max_gap.unwrap() && a.max_gap.unwrap() <= gap.high);
    // A different seed gives different (but close) intervals.
    let e = audit(&task, &groups, d, AuditParams::default())
        .unwrap()
        .with_bootstrap(&task, &groups, d, 400, 0.95, 12)
        .unwrap();
    assert_ne!(e.intervals, a.intervals);
}

#[test]
fn bootstrap_interval_width_matches_the_binomial_standard_error() {
    // Unweighted FPR of one group is a binomial proportion: the 95% percentile interval
    // should be about 2 * 1.96 * sqrt(p (1 - p) / n) wide.
    let (s, y, g) = lending(6000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let d = Decision::Threshold(0.4);
    let a = audit(&task, &groups, d, AuditParams::default())
        .unwrap()
        .with_bootstrap(&task, &groups, d, 2000, 0.95, 5)
        .unwrap();
    let gm = &a.groups[1];
    let p = gm.rates.fpr.unwrap();
    let n = gm.negative_rows as f64;
    let expected = 2.0 * 1.959_964 * (p * (1.0 - p) / n).sqrt();
    let iv = a.intervals.as_ref().unwrap().groups[1]
        .iter()
        .find(|(k, _)| k == "fpr")
        .unwrap()
        .1
        .unwrap();
    let width = iv.high - iv.low;
    assert!(
        (width / expected - 1.0).abs() < 0.12,
        "width {width} vs {expected}"
    );
}

#[test]
fn small_groups_warn_and_undefined_rates_are_left_out() {
    let s = [0.9, 0.1, 0.8, 0.2, 0.7];
    let y = [1, 0, 1, 1, 1];
    let g = ["a", "a", "b", "b", "c"];
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let a = audit(
        &task,
        &groups,
        Decision::Threshold(0.5),
        AuditParams::default(),
    )
    .unwrap();
    assert!(a.groups.iter().all(|m| m.small));
    // b and c have no negatives: FPR undefined there, so only a is defined: no gap.
    let fpr = a.disparities.iter().find(|d| d.rate == "fpr").unwrap();
    assert_eq!(fpr.undefined_in, vec!["b".to_owned(), "c".to_owned()]);
    assert_eq!(fpr.max_diff, None);
    assert_eq!(a.passed, None);
    assert!(a.warnings.iter().any(|w| w.contains("undefined fpr")));
    let tpr = a.disparities.iter().find(|d| d.rate == "tpr").unwrap();
    assert_eq!(tpr.max_diff, Some(0.5)); // a: 1/1, b: 1/2, c: 1/1
    assert_eq!(tpr.diff_pair, Some(("a".to_owned(), "b".to_owned())));
    assert_eq!(tpr.min_ratio, Some(0.5));
}

#[test]
fn bad_rules_are_errors() {
    let task = BinaryTask::new(&[0.1, 0.2][..], &[0, 1][..]).unwrap();
    let groups = Groups::from_strs("g", &["a", "b"]).unwrap();
    let p = AuditParams::default();
    assert!(matches!(
        audit(&task, &groups, Decision::PerGroup(&[0.5]), p),
        Err(FairnessError::Core(
            mlops_core::CoreError::InvalidParameter { .. }
        ))
    ));
    assert!(matches!(
        audit(&task, &groups, Decision::Threshold(f64::NAN), p),
        Err(FairnessError::Core(
            mlops_core::CoreError::InvalidParameter { .. }
        ))
    ));
    assert!(matches!(
        audit(&task, &groups, Decision::Predictions(&[true]), p),
        Err(FairnessError::Core(_))
    ));
    let bad = AuditParams {
        tolerance: 2.0,
        ..p
    };
    assert!(audit(&task, &groups, Decision::Threshold(0.5), bad).is_err());
    let a = audit(&task, &groups, Decision::Threshold(0.5), p).unwrap();
    assert!(matches!(
        a.with_bootstrap(&task, &groups, Decision::Threshold(0.5), 0, 0.95, 1),
        Err(FairnessError::Core(
            mlops_core::CoreError::InvalidParameter { .. }
        ))
    ));
    let json = serde_json::to_string(
        &audit(
            &task,
            &groups,
            Decision::Threshold(f64::INFINITY),
            AuditParams {
                constraint: Constraint::Tpr,
                ..p
            },
        )
        .unwrap(),
    )
    .unwrap();
    let back: mlops_fairness::GroupAudit = serde_json::from_str(&json).unwrap();
    assert_eq!(back.groups[0].threshold, Some(f64::INFINITY));
}

#[test]
fn a_cancelled_audit_bootstrap_stops_with_cancelled() {
    use mlops_core::CoreError;
    use mlops_core::cancel::{CancelToken, with_token};
    use std::time::{Duration, Instant};
    let (s, y, g) = lending(3000);
    // Distinct weights: every replicate draws each row (no shortcut by kinds of rows).
    let w: Vec<f64> = (0..s.len()).map(|i| 1.0 + i as f64 * 1e-4).collect();
    let task = BinaryTask::new(&s[..], &y[..])
        .unwrap()
        .with_weights(&w[..])
        .unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let d = Decision::Threshold(0.4);
    let report = audit(&task, &groups, d, AuditParams::default()).unwrap();
    let token = CancelToken::new();
    let remote = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        remote.cancel();
    });
    let start = Instant::now();
    // A million replicates of 3000 rows: far longer than the test, unless cancelled.
    let r = with_token(&token, || {
        report.with_bootstrap(&task, &groups, d, 1_000_000, 0.95, 3)
    });
    canceller.join().unwrap();
    assert!(
        matches!(r, Err(FairnessError::Core(CoreError::Cancelled))),
        "{r:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}
