"""Side-by-side performance of mlops_audit and its peers, in one process, on the same data.

Every workload is generated with a fixed seed, run by mlops_audit and by each peer (fairlearn,
scikit-learn, SciPy, statsmodels, numpy, Evidently in a virtualenv of its own), the answers
are checked against each other, and only then timed (median of repeats after a warm-up).
Writes ``benches/RESULTS.md`` (every size, ratios, targets met or not) and the performance
table of ``README.md`` between ``<!-- perf:begin -->`` and ``<!-- perf:end -->``.

The one documented command builds the release wheel and the peers' virtualenvs first::

    bash scripts/bench-compare.sh            # 1e4 .. 1e7 rows
    bash scripts/bench-compare.sh --quick    # small sizes: a smoke test of the suite

or, in an environment that has them: ``python benches/compare/run.py [--sizes 1e5 1e6]
[--only ks delong] [--repeats 5] [--no-write]``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from suite import calibration, compare, drift, fairness, threshold  # noqa: E402
from suite.runner import Measurement, Workload, measure  # noqa: E402

WORKLOADS: list[Workload] = [
    *threshold.WORKLOADS,
    *fairness.WORKLOADS,
    *drift.WORKLOADS,
    *calibration.WORKLOADS,
    *compare.WORKLOADS,
]
QUICK_SIZES = (10_000, 100_000)
HEADLINE = 10**6  # the size the README quotes (the bootstrap's is 1e5, as in the issue)
HEADLINE_OF = {"bootstrap_fpr_gap": 10**5}
BEGIN, END = "<!-- perf:begin -->", "<!-- perf:end -->"


def seconds(t: float | None) -> str:
    if t is None:
        return "-"
    if t >= 1.0:
        return f"{t:,.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:,.1f} ms"
    return f"{t * 1e6:,.0f} µs"


def ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:,.1f}x"


def verdict(value: float, target: float | None, at_least: bool = True) -> str:
    if target is None:
        return ""
    met = value >= target if at_least else value <= target
    op = ">=" if at_least else "<="
    return f"{op} {target:g}x: {'met' if met else '**not met**'}"


def versions() -> str:
    out = []
    for module in ("mlops_audit", "numpy", "scipy", "sklearn", "pandas", "fairlearn",
                   "statsmodels"):
        try:
            mod = __import__(module)
            out.append(f"{module} {getattr(mod, '__version__', '?')}")
        except ImportError:
            out.append(f"{module} (not installed)")
    return ", ".join(out)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def comparison_rows(results: Sequence[Measurement]) -> list[str]:
    rows = ["| workload | size | mlops_audit | peer | peer time | peer / ours | target "
            "| Rust sort (lower bound) | ours / Rust sort | np.sort | ours / np.sort |",
            "|---|---|---:|---|---:|---:|---|---:|---:|---:|---:|"]
    for m in results:
        w = m.workload
        tail_first = ["", "", "", ""]
        if m.bound is not None and m.rust_bound is not None:
            over = ratio(m.ours / m.rust_bound)
            if w.bound_target is not None:
                over += f" ({verdict(m.ours / m.rust_bound, w.bound_target, at_least=False)})"
            tail_first = [seconds(m.rust_bound), over, seconds(m.bound), ratio(m.ours / m.bound)]
        peers = [(p.name, p.target) for p in w.peers]
        for i, (name, target) in enumerate(peers):
            lead = [w.title, w.size(m.n), seconds(m.ours)] if i == 0 else ["", "", ""]
            tail = tail_first if i == 0 else ["", "", "", ""]
            if name in m.peers:
                t = m.peers[name]
                cells = [name, seconds(t), ratio(t / m.ours), verdict(t / m.ours, target)]
            else:
                cells = [name, "skipped", "", m.skipped.get(name, "")]
            rows.append("| " + " | ".join(lead + cells + tail) + " |")
    return rows


def scaling_rows(results: Sequence[Measurement]) -> list[str]:
    sizes = sorted({m.n for m in results})
    rows = ["| workload | " + " | ".join(f"{n:.0e}" for n in sizes)
            + " | growth per 10x rows (last step) |",
            "|---|" + "---:|" * len(sizes) + "---:|"]
    by_key: dict[str, dict[int, Measurement]] = {}
    for m in results:
        by_key.setdefault(m.workload.key, {})[m.n] = m
    for key, ms in by_key.items():
        title = next(iter(ms.values())).workload.title
        cells = [seconds(ms[n].ours) if n in ms else "" for n in sizes]
        done = sorted(ms)
        growth = ""
        if len(done) >= 2 and done[-1] == 10 * done[-2]:
            growth = f"{ms[done[-1]].ours / ms[done[-2]].ours:.1f}x"
        rows.append(f"| {title} | " + " | ".join(cells) + f" | {growth} |")
    return rows


def headline(results: Sequence[Measurement]) -> list[Measurement]:
    """Per workload, the measurement at its headline size (or the largest below it)."""
    best: dict[str, Measurement] = {}
    for m in results:
        want = HEADLINE_OF.get(m.workload.key, HEADLINE)
        cur = best.get(m.workload.key)
        if m.n <= want and (cur is None or m.n > cur.n):
            best[m.workload.key] = m
    return list(best.values())


def readme_table(results: Sequence[Measurement]) -> list[str]:
    rows = ["| workload | size | mlops_audit | peer | peer / ours | target |",
            "|---|---|---:|---|---:|---|"]
    for m in headline(results):
        for p in m.workload.peers:
            if p.name in m.peers:
                r = m.peers[p.name] / m.ours
                rows.append(f"| {m.workload.title} | {m.workload.size(m.n)} | "
                            f"{seconds(m.ours)} | {p.name} | {ratio(r)} | "
                            f"{verdict(r, p.target)} |")
        if m.bound is not None and m.rust_bound is not None:
            # Here the ratio is ours over the bound: how many sorts the task costs.
            rows.append(f"| {m.workload.title} | {m.workload.size(m.n)} | {seconds(m.ours)} "
                        f"| lower bound: Rust sort_unstable_by of the same scores "
                        f"({seconds(m.rust_bound)}; np.sort {seconds(m.bound)}) | "
                        f"ours = {ratio(m.ours / m.rust_bound)} a sort | "
                        f"{verdict(m.ours / m.rust_bound, m.workload.bound_target, False)} |")
    return rows


def evidently_note() -> str:
    reason = drift.evidently_unavailable()
    if reason:
        return f"Evidently did not run: {reason}."
    return (f"Evidently ran in its own virtualenv ({drift.evidently_versions()}): it needs "
            "pandas < 3, which this suite's environment does not have; it timed itself "
            "in a child process on the same seeded data, and its p-values were checked.")


def write_results(results: Sequence[Measurement], path: Path, argv: Sequence[str],
                  note: str | None = None) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance against peers",
        "",
        "Generated by `bash scripts/bench-compare.sh` (benches/compare/run.py"
        f"{' ' + ' '.join(argv) if argv else ''}); do not edit by hand.",
        "",
        f"- When: {now}; commit {git_commit()}; {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}.",
        f"- Versions: {versions()}.",
        "- Method: every workload is generated with a fixed seed; mlops_audit and each "
        "peer run once untimed and their answers are checked against each other (the "
        "suite stops on any disagreement); then each is timed, the median of up to 5 runs "
        "(fewer for slow ones; one run for anything over 6 s). Ratios are peer time over "
        "mlops_audit time in the same run: above 1 means mlops_audit is faster.",
        "- Lower bounds, where the task must sort its scores (threshold search, KS, "
        "Wasserstein, isotonic, DeLong): a bare sort of the same scores, timed from Python "
        "like everything else, in mlops_audit's language (Rust's `sort_unstable_by`, the "
        "GIL released; the `<= 2x a sort` target is against it) and in numpy's (`np.sort`, "
        "a SIMD sort, 2-4x faster than Rust's standard sort on this machine).",
        f"- {evidently_note()}",
        *([f"- Note: {note}"] if note else []),
        "",
        "## Side by side",
        "",
        *comparison_rows(results),
        "",
        "## Scaling (mlops_audit's time)",
        "",
        "An O(n log n) task grows a little over 10x per 10x rows; the scaling table is the "
        "place to spot a cliff.",
        "",
        *scaling_rows(results),
        "",
        "## Notes on the peers",
        "",
    ]
    for w in {m.workload.key: m.workload for m in results}.values():
        module = sys.modules[w.generate.__module__]
        first = (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        lines.append(f"- **{w.title}** ({module.__name__.split('.')[-1]}.py): {first}")
    lines.append("")
    lines.append("Per-module details (what is checked, why the peer is the natural one) are "
                 "in the docstrings of `benches/compare/suite/*.py`.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def update_readme(results: Sequence[Measurement], readme: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = ["", "Measured by `bash scripts/bench-compare.sh` (full table and the scaling from "
             "1e4 to 1e7 rows in [benches/RESULTS.md](benches/RESULTS.md)); peer time over "
             "ours, same process, same data, answers checked:", "", *readme_table(results), ""]
    readme.write_text(head + BEGIN + "\n".join(block) + END + tail, encoding="utf-8")


def parse_size(text: str) -> int:
    return int(float(text))


def run(workloads: Sequence[Workload], sizes: Sequence[int] | None, repeats: int,
        budget: float = 6.0) -> list[Measurement]:
    results = []
    for w in workloads:
        for n in sizes if sizes is not None else w.sizes:
            if n < w.min_n:
                continue
            results.append(measure(w, n, repeats=repeats, budget=budget))
    return results


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"sizes {QUICK_SIZES} only, and nothing written unless asked")
    ap.add_argument("--sizes", type=parse_size, nargs="+", help="e.g. 1e5 1e6")
    ap.add_argument("--only", nargs="+", metavar="KEY",
                    help="workloads: " + ", ".join(w.key for w in WORKLOADS))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--output", type=Path, default=ROOT / "benches" / "RESULTS.md")
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--write", action="store_true", help="write even with --quick")
    ap.add_argument("--note", help="a line for RESULTS.md about this run (e.g. a busy machine)")
    args = ap.parse_args(argv)

    workloads = WORKLOADS
    if args.only:
        unknown = set(args.only) - {w.key for w in WORKLOADS}
        if unknown:
            ap.error(f"unknown workloads {sorted(unknown)}")
        workloads = [w for w in WORKLOADS if w.key in args.only]
    sizes = args.sizes or (QUICK_SIZES if args.quick else None)
    print(f"mlops_audit performance suite: {versions()}")
    results = run(workloads, sizes, args.repeats)
    write = args.write or not (args.quick or args.no_write)
    if write:
        write_results(results, args.output, sys.argv[1:] if argv is None else list(argv),
                      args.note)
        print(f"wrote {args.output}")
        if not args.only:
            update_readme(results, args.readme)
            print(f"updated the performance table of {args.readme}")


if __name__ == "__main__":
    main()
