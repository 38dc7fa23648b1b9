//! The drift monitor: ingestion throughput (rows per second) from two threads sharing one
//! monitor, and a one-shot report of 20 numeric + 5 categorical columns x 1e6 rows (the
//! report compared in `benches/compare` with a SciPy loop and Evidently) beside its lower
//! bound, twenty direct `ks_2samp` calls on the same numeric columns, measured in the same
//! run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::borrow::Cow;
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

mod common;

/// Seeded categorical columns of 4, 6, 10, 3 and 20 categories, the first category
/// `1 + shift * j` times as frequent as each other one in column `j`.
fn categories(seed: u64, n: usize, shift: f64) -> Vec<Vec<&'static str>> {
    const NAMES: [&str; 20] = [
        "c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12",
        "c13", "c14", "c15", "c16", "c17", "c18", "c19",
    ];
    let mut next = common::uniforms(seed);
    [4usize, 6, 10, 3, 20]
        .iter()
        .enumerate()
        .map(|(j, &k)| {
            let first = 1.0 + shift * j as f64;
            let total = first + (k - 1) as f64;
            (0..n)
                .map(|_| {
                    let u = next() * total;
                    if u < first {
                        NAMES[0]
                    } else {
                        NAMES[1 + ((u - first) as usize).min(k - 2)]
                    }
                })
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

/// Numeric columns `x0..` and categorical columns `c0..` as one table.
fn mixed_table<'a>(numeric: &'a [Vec<f64>], categorical: &[Vec<&'a str>]) -> Table<'a> {
    let mut cols: Vec<(String, ColumnData<'a>)> = numeric
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("x{i}"), ColumnData::numeric(c)))
        .collect();
    cols.extend(categorical.iter().enumerate().map(|(j, c)| {
        (
            format!("c{j}"),
            ColumnData::Categorical(c.iter().map(|s| Some(Cow::Borrowed(*s))).collect()),
        )
    }));
    Table::new(cols).unwrap()
}

fn report(c: &mut Criterion) {
    let n = common::rows(1_000_000);
    let reference = columns(7, 20, n, 0.0);
    let current = columns(8, 20, n, 0.002);
    let (ref_cats, cur_cats) = (categories(9, n, 0.0), categories(10, n, 0.01));
    let (rt, ct) = (
        mixed_table(&reference, &ref_cats),
        mixed_table(&current, &cur_cats),
    );
    let exact = ProfileParams {
        sample_cap: usize::MAX,
        ..ProfileParams::default()
    };
    let config = MonitorConfig {
        window_sample_cap: usize::MAX,
        ..MonitorConfig::default()
    };
    let mut g = c.benchmark_group("drift_report_20+5_columns_x1e6");
    g.sample_size(10);
    g.bench_function("20 x ks_2samp (numeric columns only: baseline)", |b| {
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
