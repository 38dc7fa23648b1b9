//! DeLong's test at 1e6 rows (two models, one bucketed grouping of the rows each), beside
//! the lower bound that matters: a bare `sort_unstable_by` of the same scores, measured in
//! the same run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::compare::delong;
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let (a, b, y) = common::two_models(n, 0x2545_F491_4F6C_DD1D);
    let mut g = c.benchmark_group("delong_1e6");
    g.sample_size(20);
    common::bench_sort(&mut g, "sort_unstable_by (lower bound)", &a);
    g.bench_function(BenchmarkId::new("delong", n), |bench| {
        bench.iter(|| black_box(delong(&y[..], &a[..], &b[..], 0.95).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
