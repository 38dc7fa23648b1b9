//! Deserialised objects are checked like inputs: fuzzing every fitted or mergeable type of
//! `mlops-core` with arbitrary JSON and with edits of valid serialised objects. Whatever the
//! payload, reading it either fails with an error, or gives an object whose own check
//! passes and whose methods neither panic nor return invalid values (probabilities outside
//! `[0, 1]`, non-monotone calibration maps, counts that contradict each other).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

#[path = "common/json_fuzz.rs"]
mod json_fuzz;

use json_fuzz::{apply, arbitrary_json, assert_probability, edits};
use mlops_core::calibration::{
    BetaCalibrator, BinStrategy, Calibrator, HistogramCalibrator, IsotonicCalibrator,
    PlattCalibrator,
};
use mlops_core::compare::{SequentialKind, SequentialTest, ShadowAccumulator, ShadowConfig};
use mlops_core::{BinaryTask, CoreError, CostMatrix};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type's own JSON reader.
type Reader<T> = fn(&str) -> Result<T, CoreError>;

/// Reads `text` as `T` through serde and through the type's typed reader: both must agree
/// on whether the payload is valid, and the typed reader fails only with `InvalidState`.
fn load<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
    text: &str,
    read: Reader<T>,
) -> Option<T> {
    let via_serde = serde_json::from_str::<T>(text).ok();
    match read(text) {
        Ok(v) => assert_eq!(via_serde.as_ref(), Some(&v), "serde and from_json disagree"),
        Err(e) => {
            assert!(
                matches!(e, CoreError::InvalidState { .. }),
                "from_json failed with {e:?}, not InvalidState"
            );
            assert!(
                via_serde.is_none(),
                "serde accepted what from_json refused: {e}"
            );
        }
    }
    via_serde
}

/// Scores a calibrator is asked about: both ends of `f64`, the unit interval's grid, and
/// the points given (thresholds, edges) with their midpoints.
fn grid(points: &[f64]) -> Vec<f64> {
    let mut g = vec![
        -1e308, -1.0, 0.0, 1e-300, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 2.0, 1e308,
    ];
    g.extend(points.iter().filter(|x| x.is_finite()));
    g.extend(
        points
            .windows(2)
            .map(|w| 0.5 * w[0] + 0.5 * w[1])
            .filter(|x| x.is_finite()),
    );
    g.sort_by(f64::total_cmp);
    g
}

fn assert_monotone(what: &str, p: &[f64]) {
    for w in p.windows(2) {
        assert!(w[0] <= w[1], "{what}: {} then {}: not monotone", w[0], w[1]);
    }
}

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let text = serde_json::to_string(v).unwrap();
    assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), v);
}

fn task_data() -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    prop::collection::vec(
        (
            (0u16..=1000).prop_map(|v| f64::from(v) / 1000.0),
            any::<bool>(),
        ),
        4..40,
    )
    .prop_map(|rows| rows.into_iter().unzip())
}

fn check_isotonic(text: &str) {
    let Some(c) = load::<IsotonicCalibrator>(text, IsotonicCalibrator::from_json) else {
        return;
    };
    let g = grid(&c.x_thresholds);
    let p = c
        .transform(&g[..])
        .expect("a loaded calibrator transforms finite scores");
    p.iter().for_each(|&x| assert_probability("isotonic", x));
    assert_monotone("isotonic", &p);
    round_trips(&c);
}

fn check_platt(text: &str) {
    let Some(c) = load::<PlattCalibrator>(text, PlattCalibrator::from_json) else {
        return;
    };
    let p = c.transform(&grid(&[])[..]).expect("finite scores");
    p.iter().for_each(|&x| assert_probability("platt", x));
    round_trips(&c);
}

fn check_histogram(text: &str) {
    let Some(c) = load::<HistogramCalibrator>(text, HistogramCalibrator::from_json) else {
        return;
    };
    let g = grid(&c.edges);
    let p = c
        .transform(&g[..])
        .expect("a loaded calibrator transforms finite scores");
    p.iter().for_each(|&x| assert_probability("histogram", x));
    assert!(c.n_bins() >= 1);
    round_trips(&c);
}

fn check_beta(text: &str) {
    let Some(c) = load::<BetaCalibrator>(text, BetaCalibrator::from_json) else {
        return;
    };
    let g: Vec<f64> = grid(&[])
        .into_iter()
        .filter(|s| (0.0..=1.0).contains(s))
        .collect();
    let p = c.transform(&g[..]).expect("scores in [0, 1]");
    p.iter().for_each(|&x| assert_probability("beta", x));
    assert_monotone("beta", &p);
    round_trips(&c);
}

fn check_cost(text: &str) {
    let Some(c) = load::<CostMatrix>(text, CostMatrix::from_json) else {
        return;
    };
    // In (0, 1) exactly; rounded, a cost of 1e308 against 0.01 gives 1.
    assert_probability("Bayes threshold", c.bayes_threshold());
    assert!(c.fn_cost() > c.tp_cost() && c.fp_cost() > c.tn_cost());
    round_trips(&c);
}

fn check_accumulator(text: &str) {
    let Some(mut acc) = load::<ShadowAccumulator>(text, ShadowAccumulator::from_json) else {
        return;
    };
    let s = acc.summary();
    assert_eq!(s.rows, s.positives + s.negatives);
    assert_eq!(s.rows, acc.labelled());
    assert!(s.pending <= acc.config().max_pending);
    for p in [
        s.delong.and_then(|d| d.pvalue),
        s.brier_ttest.and_then(|t| t.pvalue),
        s.brier_wilcoxon.map(|t| t.pvalue),
        s.cost_ttest.and_then(|t| t.pvalue),
        s.mcnemar.map(|t| t.pvalue),
    ]
    .into_iter()
    .flatten()
    {
        assert_probability("accumulator p-value", p);
    }
    round_trips(&acc);
    let other = acc.clone();
    acc.merge(&other).unwrap();
    acc.record(u64::MAX, 0.3, 0.6, "new group").unwrap();
    acc.label(u64::MAX, true);
    let s2 = acc.summary();
    assert_eq!(s2.rows, s2.positives + s2.negatives);
    assert!(s2.pending <= acc.config().max_pending);
}

fn check_sequential(text: &str) {
    let Some(mut t) = load::<SequentialTest>(text, SequentialTest::from_json) else {
        return;
    };
    let check = |t: &SequentialTest| {
        let r = t.result();
        assert_probability("sequential p-value", r.pvalue);
        // The running intersection of the confidence sequence may be empty (low > high):
        // that is reachable by updates, so only finiteness is required.
        assert!(r.ci_low.is_some() == r.ci_high.is_some());
        assert!(r.ci_low.into_iter().chain(r.ci_high).all(f64::is_finite));
        assert_eq!(r.rejected, r.pvalue <= r.alpha, "rejected vs pvalue");
        assert!(r.rejected_at.is_none_or(|k| k <= r.looks));
    };
    check(&t);
    round_trips(&t);
    // Updates work, or (an arm at 2^53 rows) refuse with a typed error and change nothing.
    let before = t.clone();
    match t.update(&[0.0, 1.0, 1.0], &[1.0, 0.0]) {
        Ok(()) => check(&t),
        Err(e) => {
            assert!(matches!(e, CoreError::InvalidParameter { .. }), "{e:?}");
            assert_eq!(t, before);
        }
    }
    if t.result().kind == SequentialKind::Proportions {
        match t.update_counts(3, 10, 5, 10) {
            Ok(()) => check(&t),
            Err(e) => assert!(matches!(e, CoreError::InvalidParameter { .. }), "{e:?}"),
        }
    }
}

fn isotonic() -> impl Strategy<Value = IsotonicCalibrator> {
    task_data().prop_map(|(s, y)| {
        IsotonicCalibrator::fit(&BinaryTask::new(&s[..], &y[..]).unwrap()).unwrap()
    })
}

fn platt() -> impl Strategy<Value = PlattCalibrator> {
    task_data().prop_filter_map("fits", |(s, y)| {
        PlattCalibrator::fit(&BinaryTask::new(&s[..], &y[..]).ok()?).ok()
    })
}

fn histogram() -> impl Strategy<Value = HistogramCalibrator> {
    (task_data(), 1usize..8, any::<bool>()).prop_map(|((s, y), bins, quantile)| {
        let strategy = if quantile {
            BinStrategy::Quantile
        } else {
            BinStrategy::Uniform
        };
        HistogramCalibrator::fit(&BinaryTask::new(&s[..], &y[..]).unwrap(), bins, strategy).unwrap()
    })
}

fn beta() -> impl Strategy<Value = BetaCalibrator> {
    task_data().prop_filter_map("fits", |(s, y)| {
        BetaCalibrator::fit(&BinaryTask::new(&s[..], &y[..]).ok()?).ok()
    })
}

fn cost() -> impl Strategy<Value = CostMatrix> {
    (0.0..10.0f64, 0.0..10.0f64, 0.01..10.0f64, 0.01..10.0f64)
        .prop_map(|(tp, tn, dfn, dfp)| CostMatrix::full(tp + dfn, tn + dfp, tp, tn).unwrap())
}

fn accumulator() -> impl Strategy<Value = ShadowAccumulator> {
    (
        1usize..6,
        prop::collection::vec((0u64..12, 0u8..8, 0u8..8, 0u8..3, 0u8..3), 0..30),
    )
        .prop_map(|(cap, ops)| {
            let config = ShadowConfig::new(cap, [0.4, 0.5], CostMatrix::default(), 0.9).unwrap();
            let mut acc = ShadowAccumulator::new(config);
            for (id, a, b, g, what) in ops {
                let (a, b) = (f64::from(a) / 7.0, f64::from(b) / 7.0);
                match what {
                    0 | 1 => acc.record(id, a, b, &format!("g{g}")).unwrap(),
                    _ => {
                        acc.label(id, a > 0.4);
                    }
                }
            }
            acc
        })
}

fn sequential() -> impl Strategy<Value = SequentialTest> {
    (
        any::<bool>(),
        prop::collection::vec((0u64..20, 0u64..20, 0u64..20, 0u64..20), 0..5),
    )
        .prop_map(|(means, batches)| {
            let kind = if means {
                SequentialKind::Means
            } else {
                SequentialKind::Proportions
            };
            let mut t = SequentialTest::new(kind, 0.05, 0.01).unwrap();
            for (sa, ta, sb, tb) in batches {
                let (ta, tb) = (sa + ta, sb + tb);
                if means {
                    let a: Vec<f64> = (0..ta).map(|i| (i % 5) as f64 * 0.3).collect();
                    let b: Vec<f64> = (0..tb).map(|i| (i % 3) as f64 * 0.5).collect();
                    t.update(&a, &b).unwrap();
                } else {
                    t.update_counts(sa, ta, sb, tb).unwrap();
                }
            }
            t
        })
}

fn value_of<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(json_fuzz::cases(512)))]

    #[test]
    fn isotonic_edited(c in isotonic(), e in edits()) { check_isotonic(&apply(&value_of(&c), &e)); }
    #[test]
    fn isotonic_arbitrary(v in arbitrary_json()) { check_isotonic(&v.to_string()); }

    #[test]
    fn platt_edited(c in platt(), e in edits()) { check_platt(&apply(&value_of(&c), &e)); }
    #[test]
    fn platt_arbitrary(v in arbitrary_json()) { check_platt(&v.to_string()); }

    #[test]
    fn histogram_edited(c in histogram(), e in edits()) {
        check_histogram(&apply(&value_of(&c), &e));
    }
    #[test]
    fn histogram_arbitrary(v in arbitrary_json()) { check_histogram(&v.to_string()); }

    #[test]
    fn beta_edited(c in beta(), e in edits()) { check_beta(&apply(&value_of(&c), &e)); }
    #[test]
    fn beta_arbitrary(v in arbitrary_json()) { check_beta(&v.to_string()); }

    #[test]
    fn cost_edited(c in cost(), e in edits()) { check_cost(&apply(&value_of(&c), &e)); }
    #[test]
    fn cost_arbitrary(v in arbitrary_json()) { check_cost(&v.to_string()); }

    #[test]
    fn accumulator_edited(a in accumulator(), e in edits()) {
        check_accumulator(&apply(&value_of(&a), &e));
    }
    #[test]
    fn accumulator_arbitrary(v in arbitrary_json()) { check_accumulator(&v.to_string()); }

    #[test]
    fn sequential_edited(t in sequential(), e in edits()) {
        check_sequential(&apply(&value_of(&t), &e));
    }
    #[test]
    fn sequential_arbitrary(v in arbitrary_json()) { check_sequential(&v.to_string()); }

    /// Unedited objects load back equal (the checks reject nothing a fit produces).
    #[test]
    fn valid_objects_load_back(
        i in isotonic(), p in platt(), h in histogram(), b in beta(), c in cost(),
        a in accumulator(), t in sequential(),
    ) {
        for text in [
            serde_json::to_string(&i).unwrap(), serde_json::to_string(&p).unwrap(),
            serde_json::to_string(&h).unwrap(), serde_json::to_string(&b).unwrap(),
            serde_json::to_string(&c).unwrap(),
        ] {
            prop_assert!(!text.is_empty());
        }
        prop_assert_eq!(IsotonicCalibrator::from_json(&serde_json::to_string(&i).unwrap()).unwrap(), i);
        prop_assert_eq!(PlattCalibrator::from_json(&serde_json::to_string(&p).unwrap()).unwrap(), p);
        prop_assert_eq!(HistogramCalibrator::from_json(&serde_json::to_string(&h).unwrap()).unwrap(), h);
        prop_assert_eq!(BetaCalibrator::from_json(&serde_json::to_string(&b).unwrap()).unwrap(), b);
        prop_assert_eq!(CostMatrix::from_json(&serde_json::to_string(&c).unwrap()).unwrap(), c);
        prop_assert_eq!(ShadowAccumulator::from_json(&serde_json::to_string(&a).unwrap()).unwrap(), a);
        prop_assert_eq!(SequentialTest::from_json(&serde_json::to_string(&t).unwrap()).unwrap(), t);
    }
}

/// The issue's example: a calibrator whose map returns 7.0 as a probability.
#[test]
fn a_calibrator_returning_seven_is_refused() {
    let text = r#"{"x_thresholds":[0.1,0.9],"y_thresholds":[0.2,7.0]}"#;
    assert!(serde_json::from_str::<IsotonicCalibrator>(text).is_err());
    match IsotonicCalibrator::from_json(text) {
        Err(CoreError::InvalidState { object, field, .. }) => {
            assert_eq!(object, "IsotonicCalibrator");
            assert_eq!(field, "y_thresholds[1]");
        }
        other => panic!("{other:?}"),
    }
}

/// Typed errors name the field, also inside a nested object (the accumulator's cost matrix).
#[test]
fn errors_name_the_field() {
    let bad = |text: &str| match BetaCalibrator::from_json(text) {
        Err(CoreError::InvalidState { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(bad(r#"{"a":-1.0,"b":1.0,"c":0.0}"#), "a");
    assert_eq!(bad(r#"{"a":1.0,"b":1.0}"#), ".");
    assert_eq!(bad(r#"{"a":1.0,"b":"x","c":0.0}"#), "b");
    assert_eq!(bad(r#"{"a":1.0,"b":1.0,"c":0.0} trailing"#), ".");
    let config = ShadowConfig::new(4, [0.5, 0.5], CostMatrix::default(), 0.95).unwrap();
    let mut v = serde_json::to_value(ShadowAccumulator::new(config)).unwrap();
    v["config"]["cost"]["fn_cost"] = serde_json::json!(-5.0);
    match ShadowAccumulator::from_json(&v.to_string()) {
        Err(CoreError::InvalidState {
            object,
            field,
            reason,
        }) => {
            assert_eq!(object, "ShadowAccumulator");
            assert_eq!(field, "config.cost");
            assert!(reason.contains("fn_cost"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// Counts that would pass 2^53 are refused, not overflowed (a panic in a debug build, a
/// wrapped count in a release build before).
#[test]
fn sequential_arms_refuse_more_than_two_to_the_53_rows() {
    let mut t = SequentialTest::new(SequentialKind::Proportions, 0.05, 0.01).unwrap();
    t.update_counts(1, 1 << 52, 1, 1 << 52).unwrap();
    let before = t.clone();
    for _ in 0..3 {
        assert!(matches!(
            t.update_counts(0, u64::MAX / 2, 0, 1),
            Err(CoreError::InvalidParameter { .. })
        ));
    }
    assert_eq!(t, before);
    t.update_counts(0, 1 << 52, 0, 0).unwrap();
    assert_eq!(t.result().n_champion, 1 << 53);
}
