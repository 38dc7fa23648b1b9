//! Two-sample Kolmogorov-Smirnov at 1e6 vs 1e6, beside its lower bound measured in the same
//! run: a bare `sort_unstable_by` of the same 2e6 values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::drift::{KsParams, ks_2samp};
use std::hint::black_box;

/// Seeded values with some ties (rounded to 1e-6), the second sample slightly shifted.
fn data(n: usize, shift: f64, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            // A sum of three uniforms: bell-shaped, cheap.
            let v = next() + next() + next() + shift;
            (v * 1e6).round() / 1e6
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let reference = data(n, 0.0, 0x2545_F491_4F6C_DD1D);
    let current = data(n, 0.001, 0x9E37_79B9_7F4A_7C15);
    let pooled: Vec<f64> = reference.iter().chain(&current).copied().collect();
    let mut g = c.benchmark_group("ks_2samp_1e6_vs_1e6");
    g.sample_size(10);
    g.bench_function(
        BenchmarkId::new("sort_unstable_by of 2e6 (baseline)", 2 * n),
        |b| {
            b.iter_batched(
                || pooled.clone(),
                |mut v| {
                    v.sort_unstable_by(f64::total_cmp);
                    black_box(v)
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
    g.bench_function(BenchmarkId::new("ks_2samp", n), |b| {
        b.iter(|| black_box(ks_2samp(&reference, &current, KsParams::default()).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
