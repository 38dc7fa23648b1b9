//! The equal-opportunity threshold search at 1e6 rows and 4 groups, both modes, beside a
//! bare `sort_unstable_by` of the same scores in the same run (the lower bound: the search
//! must sort the scores once).

#![allow(clippy::unwrap_used, missing_docs)] // bench code: fail loudly

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::fairness::ThresholdSearch;
use mlops_audit::{BinaryTask, Groups};
use std::hint::black_box;

/// Seeded lending-like data: 4 groups of unequal size and base rate, scores to 1e-6
/// (nearly all distinct: the search's worst case).
fn data(n: usize) -> (Vec<f64>, Vec<u8>, Vec<&'static str>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let names = ["a", "b", "c", "d"];
    let mut s = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    let mut g = Vec::with_capacity(n);
    for _ in 0..n {
        let u = next();
        let k = if u < 0.5 {
            0
        } else if u < 0.8 {
            1
        } else if u < 0.95 {
            2
        } else {
            3
        };
        let bad = next() < [0.2, 0.25, 0.3, 0.35][k];
        let score = (if bad { 0.3 } else { 0.0 }) + 0.6 * next() + [0.0, 0.05, -0.05, 0.1][k];
        s.push((score * 1e6).round() / 1e6);
        y.push(u8::from(bad));
        g.push(names[k]);
    }
    (s, y, g)
}

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let (s, y, g) = data(n);
    let groups = Groups::from_strs("group", &g).unwrap();
    let mut grp = c.benchmark_group("threshold_search_1e6_4_groups");
    grp.sample_size(10);
    common::bench_sort(&mut grp, "sort_unstable_by (lower bound)", &s);
    // Deterministic within 0.01; randomized rules at gap 0.
    for (name, randomized, tolerance) in [
        ("deterministic fpr", false, 0.01),
        ("randomized fpr", true, 0.0),
    ] {
        grp.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter(|| {
                let task = BinaryTask::new(&s[..], &y[..]).unwrap();
                black_box(
                    ThresholdSearch::new()
                        .randomized(randomized)
                        .tolerance(tolerance)
                        .fit(&task, &groups)
                        .unwrap(),
                )
            })
        });
    }
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
