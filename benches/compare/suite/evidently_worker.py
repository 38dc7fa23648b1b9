"""Times Evidently's DataDriftPreset on the drift-report workload, in Evidently's own
virtualenv (it needs pandas < 3), and prints one JSON line: the median time and each
column's p-value, for the suite to check against its own answers.

Run by the suite as ``python -m suite.evidently_worker --rows N`` from ``benches/compare``.
The data come from :mod:`suite.data` with the same seed, so they are the suite's data.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from suite import data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--numeric", type=int, default=20)
    ap.add_argument("--categorical", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0)
    args = ap.parse_args()

    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    ref, cur = data.drift_frames(args.rows, numeric=args.numeric, categorical=args.categorical)
    definition = DataDefinition(
        numerical_columns=[c for c in ref.columns if c.startswith("x")],
        categorical_columns=[c for c in ref.columns if c.startswith("c")],
    )

    def run():
        report = Report([DataDriftPreset(method="ks", cat_method="chisquare")])
        return report.run(Dataset.from_pandas(cur, data_definition=definition),
                          Dataset.from_pandas(ref, data_definition=definition))

    times = []
    while True:
        start = time.perf_counter()
        snapshot = run()
        times.append(time.perf_counter() - start)
        if len(times) >= args.repeats or sum(times) >= args.budget:
            break
    # A warm-up is worth dropping only when there are runs left to take the median of.
    seconds = statistics.median(times[1:] if len(times) > 2 else times)
    pvalues = {}
    for metric in snapshot.dict()["metrics"]:
        column = metric["config"].get("column")
        if metric["config"]["type"].endswith("ValueDrift") and column is not None:
            pvalues[column] = float(metric["value"])
    print(json.dumps({"seconds": seconds, "pvalues": pvalues}))


if __name__ == "__main__":
    main()
