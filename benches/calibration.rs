//! Platt scaling and the reliability curve at 1e6 rows (isotonic has its own bench), the
//! work compared in `benches/compare` with scikit-learn's `_SigmoidCalibration` and
//! `calibration_curve`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mlops_audit::BinaryTask;
use mlops_audit::calibration::{BinStrategy, PlattCalibrator, reliability_curve};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    let n = common::rows(1_000_000);
    let (p, y) = common::miscalibrated(n, 0x2545_F491_4F6C_DD1D);
    // Decision-function scores for Platt: centred, spread over a few units.
    let f: Vec<f64> = p.iter().map(|&p| 6.0 * p - 3.0).collect();
    let mut g = c.benchmark_group("calibration_1e6");
    g.sample_size(20);
    g.bench_function(BenchmarkId::new("PlattCalibrator::fit", n), |b| {
        b.iter(|| {
            let task = BinaryTask::new(&f[..], &y[..]).unwrap();
            black_box(PlattCalibrator::fit(&task).unwrap())
        })
    });
    for (name, strategy) in [
        ("reliability_curve uniform x10", BinStrategy::Uniform),
        ("reliability_curve quantile x10", BinStrategy::Quantile),
    ] {
        g.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter(|| {
                let task = BinaryTask::new(&p[..], &y[..]).unwrap();
                black_box(reliability_curve(&task, 10, strategy).unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
