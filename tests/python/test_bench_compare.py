"""The performance suite (benches/compare/run.py) runs every workload at a tiny size with
its answer checks on, and writes its tables: so the suite cannot rot between the runs
that time it. Timings are not looked at. Peers missing from this environment are
skipped by the suite itself; Evidently (another virtualenv, seconds per run) is left out.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = 5_000


def load_suite():
    spec = importlib.util.spec_from_file_location("bench_compare_run",
                                                  ROOT / "benches" / "compare" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUITE = load_suite()


@pytest.fixture(scope="module")
def measurements():
    from suite.runner import measure

    out = []
    for w in SUITE.WORKLOADS:
        local = dataclasses.replace(w, peers=[p for p in w.peers if not p.external])
        out.append(measure(local, ROWS, repeats=1, budget=0.0, log=lambda _: None))
    return out


def test_every_workload_runs_and_answers_agree(measurements):
    assert {m.workload.key for m in measurements} == {w.key for w in SUITE.WORKLOADS}
    for m in measurements:
        assert m.ours > 0
        for name, t in m.peers.items():
            assert t is not None and t > 0, name


def test_results_and_readme_are_written(measurements, tmp_path):
    results = tmp_path / "RESULTS.md"
    SUITE.write_results(measurements, results, ["--test"])
    text = results.read_text(encoding="utf-8")
    for m in measurements:
        assert m.workload.title in text
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{SUITE.BEGIN}\nstale table\n{SUITE.END}\n\nafter\n", encoding="utf-8")
    SUITE.update_readme(measurements, readme)
    updated = readme.read_text(encoding="utf-8")
    assert "stale table" not in updated and updated.endswith(f"{SUITE.END}\n\nafter\n")
    assert "| workload | size | mlops_audit | peer | peer / ours | target |" in updated
