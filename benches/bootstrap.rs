//! A 1000-replicate paired bootstrap of the AUC difference at 1e5 rows (each model sorted
//! once, then one O(n) sweep per replicate and model), beside a bare `sort_unstable_by` of
//! the same scores, measured in the same run: re-sorting per replicate would cost about
//! 2000 of those. And the audit's 1000-replicate stratified bootstrap of the largest
//! per-group FPR gap at 1e5 rows and 4 groups (rows resampled within each group).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::compare::{BootstrapMetric, BootstrapParams, paired_bootstrap};
use mlops_audit::fairness::{AuditParams, Decision, audit};
use mlops_audit::{BinaryTask, Groups};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let n = common::rows(100_000);
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

fn fpr_gap(c: &mut Criterion) {
    let n = common::rows(100_000);
    let (s, y, g) = common::lending(n, 4, 0x2545_F491_4F6C_DD1D);
    let groups = Groups::from_strs("group", &g).unwrap();
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let params = AuditParams {
        with_auc: false,
        ..AuditParams::default()
    };
    let report = audit(&task, &groups, Decision::Threshold(0.5), params).unwrap();
    let replicates = if n >= 100_000 { 1000 } else { 10 };
    let mut grp = c.benchmark_group("bootstrap_fpr_gap_1e5_4_groups");
    grp.sample_size(10);
    grp.bench_function(
        BenchmarkId::new(format!("audit bootstrap x{replicates}"), n),
        |bench| {
            bench.iter(|| {
                black_box(
                    report
                        .clone()
                        .with_bootstrap(
                            &task,
                            &groups,
                            Decision::Threshold(0.5),
                            replicates,
                            0.95,
                            7,
                        )
                        .unwrap(),
                )
            })
        },
    );
    grp.finish();
}

criterion_group!(benches, bench, fpr_gap);
criterion_main!(benches);
