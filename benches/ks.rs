//! Two-sample Kolmogorov-Smirnov and the Wasserstein-1 distance at 1e6 vs 1e6, beside their
//! lower bound measured in the same run: a bare `sort_unstable_by` of the same 2e6 values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::drift::{KsParams, ks_2samp, wasserstein};
use std::hint::black_box;

mod common;

/// Seeded bell-shaped values with some ties (rounded to 1e-6).
fn data(n: usize, shift: f64, seed: u64) -> Vec<f64> {
    common::bell(n, shift, seed)
        .into_iter()
        .map(|v| ((v + 1.5) * 1e6).round() / 1e6)
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = common::rows(1_000_000);
    let reference = data(n, 0.0, 0x2545_F491_4F6C_DD1D);
    let current = data(n, 0.001, 0x9E37_79B9_7F4A_7C15);
    let pooled: Vec<f64> = reference.iter().chain(&current).copied().collect();
    let mut g = c.benchmark_group("ks_2samp_1e6_vs_1e6");
    g.sample_size(10);
    common::bench_sort(&mut g, "sort_unstable_by of 2e6 (baseline)", &pooled);
    g.bench_function(BenchmarkId::new("ks_2samp", n), |b| {
        b.iter(|| black_box(ks_2samp(&reference, &current, KsParams::default()).unwrap()))
    });
    g.bench_function(BenchmarkId::new("wasserstein", n), |b| {
        b.iter(|| black_box(wasserstein(&reference, &current).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
