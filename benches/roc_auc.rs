//! ROC AUC and the ROC curve at 1e6 rows, beside the lower bound that matters: a bare
//! `sort_unstable_by` of the same scores, measured in the same run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::{BinaryTask, SortedCounts};
use std::hint::black_box;

/// Seeded scores with ties (rounded to 1e-4) and labels correlated with them.
fn data(n: usize) -> (Vec<f64>, Vec<u8>) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let s = (next() * 1e4).round() / 1e4;
            (s, u8::from(next() < s))
        })
        .unzip()
}

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let (scores, labels) = data(n);
    let mut g = c.benchmark_group("roc_1e6");
    g.sample_size(20);
    common::bench_sort(&mut g, "sort_unstable_by (lower bound)", &scores);
    g.bench_function(BenchmarkId::new("roc_auc", n), |b| {
        b.iter(|| {
            let task = BinaryTask::new(&scores[..], &labels[..]).unwrap();
            black_box(SortedCounts::new(&task).roc_auc().unwrap())
        })
    });
    g.bench_function(BenchmarkId::new("roc_curve", n), |b| {
        b.iter(|| {
            let task = BinaryTask::new(&scores[..], &labels[..]).unwrap();
            black_box(SortedCounts::new(&task).roc_curve().unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
