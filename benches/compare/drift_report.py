"""A 20-numeric-column x 1e6-row drift report from Python, against a loop of
``scipy.stats.ks_2samp`` over the same columns in the same run (answers checked), and the
monitor's ingestion throughput from two Python threads.

Run after ``maturin develop --release``:  python benches/compare/drift_report.py
"""

from __future__ import annotations

import threading
import time

import numpy as np
from scipy import stats

from mlops_audit.drift import DriftMonitor, ReferenceProfile, drift_report

COLUMNS, ROWS = 20, 1_000_000
PVALUE_RTOL = 1e-10  # the agreement documented for ks_2samp against SciPy


def best_of(f, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    rng = np.random.default_rng(2024)
    reference = {f"x{i}": rng.normal(0.0, 1.0, ROWS) for i in range(COLUMNS)}
    current = {f"x{i}": rng.normal(0.002 * i, 1.0, ROWS) for i in range(COLUMNS)}

    t_scipy, scipy_results = best_of(
        lambda: {k: stats.ks_2samp(reference[k], current[k]) for k in reference}
    )
    t_ours, report = best_of(lambda: drift_report(reference, current))
    for k, ref in scipy_results.items():
        f = report.feature(k)
        assert f["statistic"] == ref.statistic, (k, f["statistic"], ref.statistic)
        assert abs(f["pvalue"] - ref.pvalue) <= PVALUE_RTOL * ref.pvalue, (k, f["pvalue"], ref.pvalue)
    # The production path: the profile is built once (at training time); each report
    # ingests the window and evaluates it.
    profile = ReferenceProfile.from_data(reference, sample_cap=None)

    def monitor_report():
        m = DriftMonitor(profile, window_sample_cap=None)
        m.ingest(current)
        return m.evaluate()

    t_monitor, report2 = best_of(monitor_report)
    for k, ref in scipy_results.items():
        assert report2.feature(k)["statistic"] == ref.statistic
        assert abs(report2.feature(k)["pvalue"] - ref.pvalue) <= PVALUE_RTOL * ref.pvalue
    print(f"{COLUMNS} columns x {ROWS:.0e} rows (reference and current), best of 3:")
    print(f"  scipy.stats.ks_2samp loop            : {t_scipy:8.3f} s")
    print(f"  drift_report (profile+ingest+report) : {t_ours:8.3f} s  ratio {t_scipy / t_ours:5.1f}x")
    print(
        f"  DriftMonitor ingest+evaluate         : {t_monitor:8.3f} s  ratio "
        f"{t_scipy / t_monitor:5.1f}x  (profile built once beforehand)"
    )
    print("  (answers checked: statistics equal, p-values to 1e-10 relative)")

    # Ingestion: two threads, batches of 1000 rows x 20 columns, into one monitor.
    profile = ReferenceProfile.from_data({k: v[:100_000] for k, v in reference.items()})
    monitor = DriftMonitor(profile, window_sample_cap=10_000)
    batch_rows, batches = 1_000, 200
    data = [
        {k: v[b * batch_rows : (b + 1) * batch_rows] for k, v in current.items()}
        for b in range(batches)
    ]

    def work() -> None:
        for batch in data:
            monitor.ingest(batch)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    rows = 2 * batches * batch_rows
    r = monitor.evaluate()
    assert r.counters["rows"] == rows
    print(
        f"ingestion, 2 threads, batches of {batch_rows} rows x {COLUMNS} columns: "
        f"{rows / elapsed:,.0f} rows/s ({rows} rows in {elapsed:.3f} s)"
    )
    small = [{k: v[b * 10 : (b + 1) * 10] for k, v in current.items()} for b in range(2000)]
    t0 = time.perf_counter()
    for batch in small:
        monitor.ingest(batch)
    elapsed = time.perf_counter() - t0
    print(
        f"ingestion, 1 thread, batches of 10 rows (per-call overhead): "
        f"{len(small) / elapsed:,.0f} batches/s"
    )


if __name__ == "__main__":
    main()
