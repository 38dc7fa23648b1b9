//! PSI and Jensen-Shannon distance against their definitions, brute-force binning and
//! hand-checked values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
use common::{assert_rel, tol};
use mlops_core::CoreError;
use mlops_drift::{Binning, DriftError, PsiParams, psi};
use proptest::prelude::*;

fn edges(e: &[f64]) -> PsiParams {
    PsiParams {
        binning: Binning::Edges(e.to_vec()),
        ..PsiParams::default()
    }
}

#[test]
fn quantile_edges_follow_numpy_linear_rule() {
    let reference: Vec<f64> = (0..100).map(f64::from).collect();
    let r = psi(&reference, &reference, PsiParams::default()).unwrap();
    // numpy.quantile(arange(100.0), [0.1, 0.2, ...]) = 9.9, 19.8, ...
    assert_eq!(r.edges.len(), 11);
    assert_eq!(r.edges[0], 0.0);
    assert_eq!(r.edges[10], 99.0);
    assert_rel(r.edges[1], 9.9, 1e-15);
    assert_eq!(r.reference_counts.len(), 12);
    assert_eq!(r.reference_counts[0], 0);
    assert_eq!(r.reference_counts[11], 0);
    assert_eq!(r.reference_counts.iter().sum::<u64>(), 100);
    assert!(r.psi.abs() < 1e-15 && r.js_distance.abs() < 1e-15);
    assert!(r.pvalue.is_none());
}

#[test]
fn overflow_bins_count_values_outside_the_reference_range() {
    let r = psi(
        &[0.0, 1.0, 2.0, 3.0],
        &[-5.0, 0.5, 3.0, 9.0, 10.0],
        edges(&[0.0, 1.5, 3.0]),
    )
    .unwrap();
    assert_eq!(r.reference_counts, vec![0, 2, 2, 0]);
    // 3.0 lies in the closed last interior bin; 9 and 10 overflow.
    assert_eq!(r.current_counts, vec![1, 1, 1, 2]);
}

#[test]
fn psi_and_js_match_their_definitions() {
    let r = psi(
        &[0.0, 1.0, 2.0, 3.0],
        &[-5.0, 0.5, 3.0, 9.0, 10.0],
        edges(&[0.0, 1.5, 3.0]),
    )
    .unwrap();
    let eps = 1e-4;
    let k = 4.0;
    let rp: [f64; 4] = [0.0, 0.5, 0.5, 0.0];
    let cp: [f64; 4] = [0.2, 0.2, 0.2, 0.4];
    let want_psi: f64 = rp
        .iter()
        .zip(&cp)
        .map(|(r, c)| {
            let (r, c) = ((r + eps) / (1.0 + k * eps), (c + eps) / (1.0 + k * eps));
            (c - r) * (c / r).ln()
        })
        .sum();
    assert_rel(r.psi, want_psi, tol::SAME_FORMULA);
    // scipy.spatial.distance.jensenshannon([0, .5, .5, 0], [.2, .2, .2, .4])
    let m: Vec<f64> = rp.iter().zip(&cp).map(|(a, b)| 0.5 * (a + b)).collect();
    let kl = |p: &[f64]| -> f64 {
        p.iter()
            .zip(&m)
            .map(|(a, b)| if *a > 0.0 { a * (a / b).ln() } else { 0.0 })
            .sum()
    };
    let want_js = (0.5 * (kl(&rp) + kl(&cp))).sqrt();
    assert_rel(r.js_distance, want_js, tol::SAME_FORMULA);
    assert!(r.js_distance <= 2f64.ln().sqrt());
}

#[test]
fn constant_reference_gives_one_interior_bin() {
    let r = psi(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0], PsiParams::default()).unwrap();
    assert_eq!(r.edges, vec![2.0]);
    assert_eq!(r.reference_counts, vec![0, 3, 0]);
    assert_eq!(r.current_counts, vec![1, 1, 1]);
}

#[test]
fn bad_parameters_are_named() {
    let name = |e: DriftError| match e {
        DriftError::Core(CoreError::InvalidParameter { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    let ps = |binning, epsilon| PsiParams { binning, epsilon };
    assert_eq!(
        name(psi(&[1.0], &[1.0], ps(Binning::Quantiles(0), 1e-4)).unwrap_err()),
        "bins"
    );
    assert_eq!(
        name(psi(&[1.0], &[1.0], edges(&[1.0, 1.0])).unwrap_err()),
        "edges"
    );
    assert_eq!(
        name(psi(&[1.0], &[1.0], edges(&[1.0])).unwrap_err()),
        "edges"
    );
    assert_eq!(
        name(psi(&[1.0], &[1.0], edges(&[0.0, f64::INFINITY])).unwrap_err()),
        "edges"
    );
    assert_eq!(
        name(psi(&[1.0], &[1.0], ps(Binning::Quantiles(3), 0.0)).unwrap_err()),
        "epsilon"
    );
    assert!(matches!(
        psi(&[1.0], &[], PsiParams::default()),
        Err(DriftError::Core(CoreError::EmptyInput { .. }))
    ));
    assert!(matches!(
        psi(&[f64::NEG_INFINITY], &[1.0], PsiParams::default()),
        Err(DriftError::Core(CoreError::NotFinite { .. }))
    ));
}

proptest! {
    #[test]
    fn counts_match_brute_force_and_psi_is_nonnegative(
        reference in proptest::collection::vec(-50.0..50.0f64, 1..60),
        current in proptest::collection::vec(-80.0..80.0f64, 1..60),
        bins in 1usize..12,
    ) {
        let p = PsiParams { binning: Binning::Quantiles(bins), ..PsiParams::default() };
        let r = psi(&reference, &current, p).unwrap();
        let e = &r.edges;
        let last = e.len() - 1;
        for (values, counts) in [(&reference, &r.reference_counts), (&current, &r.current_counts)] {
            let mut brute = vec![0u64; counts.len()];
            for &x in values.iter() {
                let slot = if x < e[0] {
                    0
                } else if x > e[last] {
                    counts.len() - 1
                } else {
                    // linear scan: the last interior bin whose left edge is <= x
                    let mut i = 0;
                    for (j, w) in e.iter().enumerate().take(last.max(1)) {
                        if *w <= x { i = j; }
                    }
                    1 + i
                };
                brute[slot] += 1;
            }
            prop_assert_eq!(&brute, counts);
        }
        prop_assert!(r.psi >= -1e-15);
        prop_assert!(r.js_distance >= 0.0 && r.js_distance <= 2f64.ln().sqrt() + 1e-12);
    }
}
