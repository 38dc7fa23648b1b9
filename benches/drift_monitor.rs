//! The drift monitor: ingestion throughput (rows per second) from two threads sharing one
//! monitor, and a one-shot report of 20 numeric columns x 1e6 rows beside its lower bound,
//! twenty direct `ks_2samp` calls on the same columns, measured in the same run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mlops_audit::drift::table::{ColumnData, Table};
use mlops_audit::drift::{
    DriftMonitor, KsParams, MonitorConfig, ProfileParams, ReferenceProfile, drift_report, ks_2samp,
};

/// Seeded normal-ish columns (sum of uniforms), `shift` added to every value.
fn columns(seed: u64, k: usize, n: usize, shift: f64) -> Vec<Vec<f64>> {
    let mut state = seed | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..k)
        .map(|_| {
            (0..n)
                .map(|_| next() + next() + next() - 1.5 + shift)
                .collect()
        })
        .collect()
}

fn table(cols: &[Vec<f64>]) -> Table<'_> {
    Table::new(
        cols.iter()
            .enumerate()
            .map(|(i, c)| (format!("x{i}"), ColumnData::numeric(c)))
            .collect(),
    )
    .unwrap()
}

fn ingestion(c: &mut Criterion) {
    let reference = columns(1, 20, 100_000, 0.0);
    let profile =
        ReferenceProfile::from_table(&table(&reference), &ProfileParams::default()).unwrap();
    let monitor = DriftMonitor::new(
        profile,
        MonitorConfig {
            window_sample_cap: 10_000,
            ..MonitorConfig::default()
        },
    )
    .unwrap();
    // Batches of 100 rows x 20 columns, as a service would send them.
    let batch_rows = 100;
    let batches: Vec<Vec<Vec<f64>>> = (0..50)
        .map(|b| columns(100 + b, 20, batch_rows, 0.1))
        .collect();
    let per_iter = 2 * batches.len() * batch_rows;
    let mut g = c.benchmark_group("drift_monitor_ingest");
    g.throughput(Throughput::Elements(per_iter as u64));
    g.sample_size(20);
    g.bench_function(
        BenchmarkId::new("2 threads, rows of 20 columns", per_iter),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for _ in 0..2 {
                            s.spawn(|| {
                                for cols in &batches {
                                    monitor.ingest(&table(cols)).unwrap();
                                }
                            });
                        }
                    });
                    total += start.elapsed();
                }
                total
            })
        },
    );
    g.finish();
    black_box(monitor.evaluate().unwrap());
}

fn report(c: &mut Criterion) {
    let n = 1_000_000;
    let reference = columns(7, 20, n, 0.0);
    let current = columns(8, 20, n, 0.002);
    let (rt, ct) = (table(&reference), table(&current));
    let exact = ProfileParams {
        sample_cap: usize::MAX,
        ..ProfileParams::default()
    };
    let config = MonitorConfig {
        window_sample_cap: usize::MAX,
        ..MonitorConfig::default()
    };
    let mut g = c.benchmark_group("drift_report_20x1e6");
    g.sample_size(10);
    g.bench_function("20 x ks_2samp (baseline)", |b| {
        b.iter(|| {
            for (r, c) in reference.iter().zip(&current) {
                black_box(ks_2samp(r, c, KsParams::default()).unwrap());
            }
        })
    });
    g.bench_function("drift_report", |b| {
        b.iter(|| black_box(drift_report(&rt, &ct, &exact, config.clone()).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, ingestion, report);
criterion_main!(benches);
