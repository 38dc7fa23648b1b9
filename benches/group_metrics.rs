//! A group audit at 1e6 rows and 8 groups (counts, every rate and ROC AUC per group,
//! disparities): the work behind `mlops_audit.fairness.audit`, compared in
//! `benches/compare` with fairlearn's `MetricFrame`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::fairness::{AuditParams, Decision, audit};
use mlops_audit::{BinaryTask, Groups};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let n = common::rows(1_000_000);
    let (s, y, g) = common::lending(n, 8, 0x9E37_79B9_7F4A_7C15);
    let groups = Groups::from_strs("group", &g).unwrap();
    let mut grp = c.benchmark_group("group_metrics_8_groups");
    grp.sample_size(20);
    common::bench_sort(&mut grp, "sort_unstable_by (one sort)", &s);
    for (name, with_auc) in [("audit", true), ("audit without AUC", false)] {
        let params = AuditParams {
            with_auc,
            ..AuditParams::default()
        };
        grp.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter(|| {
                let task = BinaryTask::new(&s[..], &y[..]).unwrap();
                black_box(audit(&task, &groups, Decision::Threshold(0.5), params).unwrap())
            })
        });
    }
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
