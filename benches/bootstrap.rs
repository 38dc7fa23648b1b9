//! A 1000-replicate paired bootstrap of the AUC difference at 1e5 rows (each model sorted
//! once, then one O(n) sweep per replicate and model), beside a bare `sort_unstable_by` of
//! the same scores, measured in the same run: re-sorting per replicate would cost about
//! 2000 of those.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::compare::{BootstrapMetric, BootstrapParams, paired_bootstrap};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let n = 100_000;
    let (a, b, y) = common::two_models(n, 0x9E37_79B9_7F4A_7C15);
    let mut g = c.benchmark_group("paired_bootstrap_auc_1e5");
    g.sample_size(10);
    g.bench_function(
        BenchmarkId::new("sort_unstable_by (one sort)", n),
        |bench| {
            bench.iter_batched(
                || a.clone(),
                |mut v| {
                    v.sort_unstable_by(f64::total_cmp);
                    black_box(v)
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
    let params = BootstrapParams::new(BootstrapMetric::Auc, 1000, 7, 0.95).unwrap();
    g.bench_function(BenchmarkId::new("paired_bootstrap x1000", n), |bench| {
        bench.iter(|| {
            black_box(paired_bootstrap(&y[..], &a[..], &b[..], None, None, &params).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
