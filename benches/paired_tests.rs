//! McNemar's test from predictions and the paired t-test at 1e6 rows: single passes, the
//! work compared in `benches/compare` with statsmodels' `mcnemar` and SciPy's `ttest_rel`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::compare::{Alternative, mcnemar_from_predictions, paired_ttest};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let n = common::rows(1_000_000);
    let (a, b, y) = common::two_models(n, 0x9E37_79B9_7F4A_7C15);
    let pred_a: Vec<u8> = a.iter().map(|&s| u8::from(s >= 0.5)).collect();
    let pred_b: Vec<u8> = b.iter().map(|&s| u8::from(s >= 0.5)).collect();
    // Per-row squared errors of the two models.
    let loss = |s: &[f64]| -> Vec<f64> {
        s.iter()
            .zip(&y)
            .map(|(&p, &t)| (p - f64::from(t)).powi(2))
            .collect()
    };
    let (loss_a, loss_b) = (loss(&a), loss(&b));
    let mut g = c.benchmark_group("paired_tests_1e6");
    g.sample_size(20);
    g.bench_function(BenchmarkId::new("mcnemar exact", n), |bench| {
        bench.iter(|| {
            black_box(
                mcnemar_from_predictions(&y[..], &pred_a[..], &pred_b[..], true, true).unwrap(),
            )
        })
    });
    g.bench_function(BenchmarkId::new("paired_ttest", n), |bench| {
        bench.iter(|| {
            black_box(paired_ttest(&loss_a[..], &loss_b[..], Alternative::TwoSided, 0.95).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
