//! The mixture SPRT under repeated peeking: seeded simulations of the type-I error (at or
//! below alpha within binomial error) and of the power against a real effect, and the
//! always-valid p-value never increasing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::compare::{SequentialDecision, SequentialKind, SequentialTest};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const ALPHA: f64 = 0.05;

/// Runs `runs` tests of `looks` batches of `batch` rows per arm, peeking after every batch;
/// returns the share that rejected and the share that rejected towards arm b.
fn simulate(
    kind: SequentialKind,
    draw: impl Fn(&mut Xoshiro256PlusPlus, bool) -> f64,
    runs: usize,
    looks: usize,
    batch: usize,
    tau2: f64,
    seed: u64,
) -> (f64, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut rejected, mut towards_b) = (0usize, 0usize);
    for _ in 0..runs {
        let mut test = SequentialTest::new(kind, ALPHA, tau2).unwrap();
        let mut last_p = 1.0;
        for _ in 0..looks {
            let a: Vec<f64> = (0..batch).map(|_| draw(&mut rng, false)).collect();
            let b: Vec<f64> = (0..batch).map(|_| draw(&mut rng, true)).collect();
            test.update(&a, &b).unwrap();
            let r = test.result();
            assert!(r.pvalue <= last_p, "the always-valid p-value increased");
            last_p = r.pvalue;
            if r.rejected {
                break; // a peeker stops at the first rejection
            }
        }
        let r = test.result();
        rejected += usize::from(r.rejected);
        towards_b += usize::from(r.decision == SequentialDecision::ChallengerGreater);
    }
    (
        rejected as f64 / runs as f64,
        towards_b as f64 / runs as f64,
    )
}

/// alpha plus three binomial standard errors of a rate estimated from `runs` runs.
fn bound(runs: usize) -> f64 {
    ALPHA + 3.0 * (ALPHA * (1.0 - ALPHA) / runs as f64).sqrt()
}

#[test]
fn proportions_type_one_error_under_peeking() {
    // 2000 runs, 40 looks of 50 loans per arm, both arms defaulting at 20%.
    let bern = |p: f64| {
        move |rng: &mut Xoshiro256PlusPlus, _: bool| f64::from(u8::from(rng.random::<f64>() < p))
    };
    let (rate, _) = simulate(
        SequentialKind::Proportions,
        bern(0.2),
        2000,
        40,
        50,
        0.03 * 0.03,
        1,
    );
    eprintln!("type-I error {rate} (bound {})", bound(2000));
    assert!(rate <= bound(2000), "type-I error {rate}");
}

#[test]
fn means_type_one_error_under_peeking() {
    let normal = |rng: &mut Xoshiro256PlusPlus, _: bool| {
        // Box-Muller: one standard normal from two uniforms.
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let (rate, _) = simulate(SequentialKind::Means, normal, 2000, 40, 25, 0.1 * 0.1, 2);
    eprintln!("type-I error {rate} (bound {})", bound(2000));
    assert!(rate <= bound(2000), "type-I error {rate}");
}

#[test]
fn proportions_real_effect_is_detected() {
    // The challenger's arm defaults at 14% against 20%: detected, in the right direction.
    let draw = |rng: &mut Xoshiro256PlusPlus, is_b: bool| {
        let p = if is_b { 0.14 } else { 0.2 };
        f64::from(u8::from(rng.random::<f64>() < p))
    };
    let (rate, towards_b) = simulate(
        SequentialKind::Proportions,
        draw,
        500,
        40,
        50,
        0.03 * 0.03,
        3,
    );
    eprintln!("power {rate}");
    assert!(rate >= 0.9, "power {rate}");
    assert!(towards_b <= 0.01, "wrong direction {towards_b}");
}

#[test]
fn a_corrupted_state_is_an_error_not_a_panic() {
    let mut test = SequentialTest::new(SequentialKind::Means, ALPHA, 0.1).unwrap();
    test.update(&[1.0, 2.0], &[3.0, 5.0]).unwrap();
    let v = serde_json::to_value(&test).unwrap();
    assert_eq!(
        serde_json::from_value::<SequentialTest>(v.clone()).unwrap(),
        test
    );
    for (field, bad) in [("tau2", -1.0), ("alpha", 2.0), ("pvalue", 1.5)] {
        let mut w = v.clone();
        w[field] = serde_json::json!(bad);
        assert!(
            serde_json::from_value::<SequentialTest>(w).is_err(),
            "{field}"
        );
    }
}

#[test]
fn a_state_saved_with_the_old_arm_names_still_loads() {
    let mut test = SequentialTest::new(SequentialKind::Means, ALPHA, 0.1).unwrap();
    test.update(&[1.0, 2.0], &[3.0, 5.0]).unwrap();
    let mut v = serde_json::to_value(&test).unwrap();
    let obj = v.as_object_mut().unwrap();
    // Before the arms were named, the champion's was `a` and the challenger's `b`.
    let champion = obj.remove("champion").unwrap();
    let challenger = obj.remove("challenger").unwrap();
    obj.insert("a".into(), champion);
    obj.insert("b".into(), challenger);
    let back = serde_json::from_value::<SequentialTest>(v).unwrap();
    assert_eq!(back, test);
    let r = back.result();
    assert_eq!(
        (r.mean_champion, r.mean_challenger, r.estimate),
        (1.5, 4.0, 2.5)
    );
}
