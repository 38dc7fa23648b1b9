//! Weights near `f64::MAX`: refused when their total exceeds `MAX_TOTAL_WEIGHT` (or a total
//! cost could overflow), otherwise the same answer as on the weights divided by a power of
//! two (exactly: scaling by 2^k is exact), never NaN or infinity.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::MAX_TOTAL_WEIGHT;
use mlops_core::calibration::{PlattCalibrator, brier_score, log_loss};
use mlops_core::compare::{BootstrapMetric, BootstrapParams, paired_bootstrap};
use mlops_core::{BinaryTask, ConfusionMatrix, CoreError, CostMatrix, roc_auc};

const SCORES: [f64; 6] = [0.9, 0.1, 0.8, 0.35, 0.2, 0.7];
const LABELS: [bool; 6] = [true, false, true, false, true, false];

fn scaled(w: &[f64], k: i32) -> Vec<f64> {
    w.iter().map(|&x| libm::scalbn(x, k)).collect()
}

fn overflow_input(e: &CoreError) -> &str {
    match e {
        CoreError::WeightsOverflow { input, .. } => input,
        other => panic!("expected WeightsOverflow, got {other:?}"),
    }
}

#[test]
fn a_total_above_the_limit_is_refused_naming_sample_weight() {
    let task = BinaryTask::new(&SCORES[..], &LABELS[..]).unwrap();
    // The sum overflows to infinity.
    let e = task.clone().with_weights(&[f64::MAX; 6][..]).unwrap_err();
    assert_eq!(overflow_input(&e), "sample_weight");
    assert!(e.to_string().contains("overflows"), "{e}");
    // A finite total just above the limit.
    let w = [MAX_TOTAL_WEIGHT / 5.0; 6];
    let e = task.clone().with_weights(&w[..]).unwrap_err();
    assert_eq!(overflow_input(&e), "sample_weight");
    // Exactly at the limit: accepted.
    let w = [
        MAX_TOTAL_WEIGHT / 2.0,
        0.0,
        MAX_TOTAL_WEIGHT / 4.0,
        MAX_TOTAL_WEIGHT / 4.0,
        0.0,
        0.0,
    ];
    assert!(task.with_weights(&w[..]).is_ok());
}

#[test]
fn ratios_below_the_limit_equal_those_of_the_scaled_weights_bit_for_bit() {
    let task = BinaryTask::new(&SCORES[..], &LABELS[..]).unwrap();
    let w = [
        MAX_TOTAL_WEIGHT / 3.0,
        MAX_TOTAL_WEIGHT / 7.0,
        MAX_TOTAL_WEIGHT / 5.0,
        1e300,
        MAX_TOTAL_WEIGHT / 11.0,
        MAX_TOTAL_WEIGHT / 9.0,
    ];
    let small = scaled(&w, -1000);
    let huge = task.clone().with_weights(&w[..]).unwrap();
    let tame = task.with_weights(&small[..]).unwrap();
    assert_eq!(roc_auc(&huge).unwrap(), roc_auc(&tame).unwrap());
    assert_eq!(brier_score(&huge).unwrap(), brier_score(&tame).unwrap());
    // Before: the log loss's numerator overflowed to inf.
    let ll = log_loss(&huge).unwrap();
    assert!(ll.is_finite());
    assert_eq!(ll, log_loss(&tame).unwrap());
}

#[test]
fn log_loss_keeps_its_bits_for_ordinary_weights() {
    // The 1/64 share is a power of two: the result is the plain formula's, to the bit.
    let task = BinaryTask::new(&SCORES[..], &LABELS[..]).unwrap();
    let w = [1.0, 2.5, 0.25, 3.0, 1.5, 0.75];
    let t = task.with_weights(&w[..]).unwrap();
    let (mut num, mut den) = (0.0, 0.0);
    for (p, y, wi) in t.rows() {
        num -= wi * if y { p.ln() } else { (-p).ln_1p() };
        den += wi;
    }
    assert_eq!(log_loss(&t).unwrap(), num / den);
}

#[test]
fn a_total_cost_that_could_overflow_is_refused_and_the_mean_cost_is_not() {
    let cost = CostMatrix::default(); // 5:1
    assert!(
        cost.check_total_weight("sample_weight", MAX_TOTAL_WEIGHT / 5.0)
            .is_ok()
    );
    let e = cost
        .check_total_weight("sample_weight", MAX_TOTAL_WEIGHT / 4.0)
        .unwrap_err();
    assert_eq!(overflow_input(&e), "sample_weight");
    assert!(e.to_string().contains("cost"), "{e}");
    // The mean cost is a ratio: finite and exact where the total cost would overflow.
    let cm = ConfusionMatrix {
        tp: 0.0,
        fp: MAX_TOTAL_WEIGHT / 4.0,
        tn: MAX_TOTAL_WEIGHT / 4.0,
        fn_: MAX_TOTAL_WEIGHT / 2.0,
    };
    assert!(cost.total_cost(&cm).is_infinite());
    // (5 * 2 + 1 * 1) / 4 = 2.75
    assert_eq!(cost.mean_cost(&cm), Some(2.75));
    let big = CostMatrix::new(f64::MAX, 1.0).unwrap();
    let cm = ConfusionMatrix {
        tp: 0.0,
        fp: 0.0,
        tn: 1.0,
        fn_: 3.0,
    };
    assert_eq!(big.mean_cost(&cm), Some(f64::MAX * 0.75));
}

#[test]
fn confusion_counts_are_checked_like_weights() {
    assert!(ConfusionMatrix::from_counts(1.0, 2.0, 3.0, 4.0).is_ok());
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        let e = ConfusionMatrix::from_counts(1.0, bad, 3.0, 4.0).unwrap_err();
        assert!(
            matches!(e, CoreError::InvalidParameter { ref name, .. } if name == "fp"),
            "{e:?}"
        );
    }
    let e = ConfusionMatrix::from_counts(f64::MAX, f64::MAX, 0.0, 0.0).unwrap_err();
    assert!(matches!(e, CoreError::WeightsOverflow { .. }), "{e:?}");
}

#[test]
fn the_bootstrap_of_huge_weights_equals_that_of_the_scaled_weights() {
    let w = [
        MAX_TOTAL_WEIGHT / 3.0,
        MAX_TOTAL_WEIGHT / 7.0,
        MAX_TOTAL_WEIGHT / 5.0,
        2.0,
        MAX_TOTAL_WEIGHT / 11.0,
        MAX_TOTAL_WEIGHT / 9.0,
    ];
    let small = scaled(&w, -900);
    let challenger: Vec<f64> = SCORES.iter().map(|s| s * s).collect();
    for metric in [
        BootstrapMetric::Auc,
        BootstrapMetric::Brier,
        BootstrapMetric::Cost {
            cost: CostMatrix::default(),
            thresholds: [0.5, 0.5],
        },
    ] {
        let p = BootstrapParams::new(metric, 64, 7, 0.9).unwrap();
        let run = |w: &[f64]| {
            paired_bootstrap(
                &LABELS[..],
                &SCORES[..],
                &challenger[..],
                Some(w.into()),
                None,
                &p,
            )
            .unwrap()
        };
        let (a, b) = (run(&w), run(&small));
        // Before: AUC's product of class totals overflowed, every replicate was NaN.
        assert!(a.difference.is_finite() && a.champion.is_finite());
        assert_eq!(a, b, "{metric:?}");
    }
}

#[test]
fn platt_says_it_did_not_converge_rather_than_stopping_short() {
    // Found by the Python property test: with one row carrying almost all the weight the
    // Hessian is singular to working precision; its determinant's rounding noise used to
    // pass for a Newton step of zero, ending the fit far from the optimum.
    let scores = [0.0, 0.0, 0.0, 0.05, 0.0];
    let labels = [true, false, true, false, true];
    let w = [0.0, 1.0, 1.0, 5.99231045e307, 9.36298508e305];
    let task = BinaryTask::new(&scores[..], &labels[..])
        .unwrap()
        .with_weights(&w[..])
        .unwrap();
    match PlattCalibrator::fit(&task) {
        Err(CoreError::UndefinedMetric { .. }) => {}
        Ok(p) => {
            // If it converges, it must be at the optimum: the gradient vanishes.
            let (pos, neg) = (task.positive_weight(), task.negative_weight());
            let (t1, t0) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
            let k = -libm::ilogb(pos + neg); // brings the total into [1, 2), as the fit does
            let (mut ga, mut gb) = (0.0, 0.0);
            for (s, y, wi) in task.rows() {
                let q = 1.0 / (1.0 + (p.a * s + p.b).exp());
                let r = libm::scalbn(wi, k) * (q - if y { t1 } else { t0 });
                ga += r * s;
                gb += r;
            }
            assert!(ga.abs() < 1e-9 && gb.abs() < 1e-9, "{p:?}: {ga} {gb}");
        }
        Err(other) => panic!("{other:?}"),
    }
}
