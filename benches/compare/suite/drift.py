"""Drift: two-sample tests and a whole drift report.

- KS, n vs n: ``mlops_audit.drift.ks_2samp`` against ``scipy.stats.ks_2samp`` (statistic
  equal, p-value to 1e-10 relative, as the library documents).
- Wasserstein-1, n vs n: ``mlops_audit.drift.wasserstein`` against
  ``scipy.stats.wasserstein_distance``.
- Drift report, 20 numeric + 5 categorical columns (pandas DataFrames, strings in
  pandas' default string dtype): ``mlops_audit.drift.drift_report`` against a loop of
  ``scipy.stats.ks_2samp`` per numeric column and ``scipy.stats.chi2_contingency`` on
  ``value_counts`` per categorical column; and Evidently's ``DataDriftPreset`` with the
  same tests (``method="ks"``, ``cat_method="chisquare"``) when its virtualenv exists.
  Evidently runs in a virtualenv of its own (it needs pandas < 3), so it times itself
  in a child process on the same seeded data and reports its p-values for the check.

Lower bounds for KS and Wasserstein: bare sorts (Rust, numpy) of the pooled 2n values.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from . import data
from .runner import External, Peer, Workload

KS_RTOL = 1e-10  # the agreement with SciPy the library documents for ks_2samp
# Above n = 1e6, scipy.special.smirnov (behind ks_2samp's asymptotic p-value, 2 smirnov(n, D)
# when n D^2 >= 2.2) switches from the exact sum to an asymptotic series: relative error
# 1.3e-7 at n = 1e6 + 1, 1.1e-6 at the 1e7-row workload's n = 5e6 and p = 6.6e-4, 1.8e-5
# at p = 4e-13, 2.6e-3 at p = 3.5e-150 (measured against smirnov_exact below). There ours is
# checked against the exact sum instead of SciPy.
SMIRNOV_EXACT_MAX_N = 1_000_000
EXACT_SUM_RTOL = 1e-7  # the log-space sum's own rounding (lgamma of numbers near 1e7)
HERE = Path(__file__).resolve().parent


def generate_two(n: int):
    ref, cur = data.two_samples(n)
    return ref, cur, np.concatenate([ref, cur])


def pooled(d):
    return d[2]


def ours_ks(d):
    from mlops_audit.drift import ks_2samp

    return ks_2samp(d[0], d[1])


def scipy_ks(d):
    from scipy.stats import ks_2samp

    return ks_2samp(d[0], d[1])


def smirnov_exact(n: int, x: float) -> float:
    """P(D+_n >= x), the one-sided Kolmogorov-Smirnov survival function, by its exact finite
    sum (Smirnov 1944; Birnbaum & Tingey 1951) in log space, vectorised:
    x * sum_j C(n, j) (1 - x - j/n)^(n - j) (x + j/n)^(j - 1), j = 0..floor(n (1 - x))."""
    from scipy.special import gammaln

    j = np.arange(0, math.floor(n * (1.0 - x)) + 1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_terms = (gammaln(n + 1.0) - gammaln(j + 1.0) - gammaln(n - j + 1.0)
                     + (n - j) * np.log1p(-x - j / n) + (j - 1.0) * np.log(x + j / n))
    top = log_terms.max()
    return x * math.exp(top) * float(np.exp(log_terms - top).sum())


def check_ks_pvalue(ours: float, scipy_p: float, statistic: float, n1: int, n2: int,
                    where: str) -> None:
    """Our two-sided KS p-value against SciPy's to KS_RTOL where SciPy is exact, else against
    the exact sum."""
    n = round(n1 * n2 / (n1 + n2))
    if n <= SMIRNOV_EXACT_MAX_N or n * statistic**2 < 2.2:
        # SciPy's formula is exact here (or, below 2.2, the same Pelz-Good series as ours).
        assert math.isclose(ours, scipy_p, rel_tol=KS_RTOL), (where, ours, scipy_p)
        return
    exact = 2.0 * smirnov_exact(n, statistic)  # both compute 2 smirnov(n, D) here
    assert math.isclose(ours, exact, rel_tol=EXACT_SUM_RTOL), (where, ours, exact)


def check_ks(d, ours, theirs) -> None:
    assert ours.statistic == theirs.statistic, (ours.statistic, theirs.statistic)
    check_ks_pvalue(ours.pvalue, float(theirs.pvalue), float(ours.statistic), len(d[0]),
                    len(d[1]), "ks_2samp")


KS = Workload(
    key="ks",
    title="Kolmogorov-Smirnov two-sample test",
    size=lambda n: f"{n:.0e} vs {n:.0e}",
    generate=generate_two,
    ours=ours_ks,
    peers=[Peer("scipy.stats.ks_2samp", scipy_ks, check_ks, target=10.0, needs=("scipy",))],
    sort_input=pooled,
)


def ours_wasserstein(d):
    from mlops_audit.drift import wasserstein

    return wasserstein(d[0], d[1])


def scipy_wasserstein(d):
    from scipy.stats import wasserstein_distance

    return wasserstein_distance(d[0], d[1])


def check_wasserstein(d, ours, theirs) -> None:
    assert math.isclose(ours.statistic, theirs, rel_tol=1e-9), (ours.statistic, theirs)


WASSERSTEIN = Workload(
    key="wasserstein",
    title="Wasserstein-1 distance",
    size=lambda n: f"{n:.0e} vs {n:.0e}",
    generate=generate_two,
    ours=ours_wasserstein,
    peers=[Peer("scipy.stats.wasserstein_distance", scipy_wasserstein, check_wasserstein,
                needs=("scipy",))],
    sort_input=pooled,
)


# ---------------------------------------------------------------------------------------
# The drift report.
# ---------------------------------------------------------------------------------------

NUMERIC, CATEGORICAL = 20, 5


def generate_tables(n: int):
    ref, cur = data.drift_frames(n, numeric=NUMERIC, categorical=CATEGORICAL)
    return {"n": n, "reference": ref, "current": cur}


def is_categorical(column: str) -> bool:
    return column.startswith("c")


def ours_report(d):
    from mlops_audit.drift import drift_report

    return drift_report(d["reference"], d["current"])


def scipy_loop(d):
    """Per column: ks_2samp on numbers, chi2_contingency on the counts of categories."""
    import pandas as pd
    from scipy.stats import chi2_contingency, ks_2samp

    ref, cur = d["reference"], d["current"]
    out = {}
    for column in ref.columns:
        if is_categorical(column):
            counts = pd.concat([ref[column].value_counts(), cur[column].value_counts()],
                               axis=1).fillna(0)
            r = chi2_contingency(counts.to_numpy().T, correction=False)
            out[column] = (r.statistic, r.pvalue)
        else:
            r = ks_2samp(ref[column].to_numpy(), cur[column].to_numpy())
            out[column] = (r.statistic, r.pvalue)
    return out


def check_scipy_loop(d, ours, theirs) -> None:
    for column, (statistic, pvalue) in theirs.items():
        f = ours.feature(column)
        assert f["kind"] == ("categorical" if is_categorical(column) else "numeric"), f
        if is_categorical(column):
            assert math.isclose(f["statistic"], statistic, rel_tol=1e-9), (column, f, statistic)
            assert math.isclose(f["pvalue"], pvalue, rel_tol=1e-9), (column, f, pvalue)
        else:
            assert f["statistic"] == statistic, (column, f["statistic"], statistic)
            check_ks_pvalue(f["pvalue"], float(pvalue), float(statistic), len(d["reference"]),
                            len(d["current"]), column)


def evidently_python() -> str | None:
    """The Python of Evidently's virtualenv: $EVIDENTLY_PYTHON, or .venv-evidently at the
    root of the repository."""
    explicit = os.environ.get("EVIDENTLY_PYTHON")
    if explicit:
        return explicit
    candidate = HERE.parents[2] / ".venv-evidently" / "bin" / "python"
    return str(candidate) if candidate.exists() else None


@functools.cache
def evidently_unavailable() -> str | None:
    python = evidently_python()
    if python is None:
        return ("no Evidently virtualenv (.venv-evidently; scripts/bench-compare.sh makes "
                "one, or set EVIDENTLY_PYTHON)")
    probe = subprocess.run([python, "-c", "import evidently, pandas; print(evidently.__version__,"
                            " pandas.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        return f"Evidently does not import in its virtualenv: {last}"
    return None


def evidently_versions() -> str | None:
    python = evidently_python()
    if python is None or evidently_unavailable():
        return None
    probe = subprocess.run([python, "-c", "import evidently, pandas, numpy, scipy; print("
                            "f'evidently {evidently.__version__}, pandas {pandas.__version__}, "
                            "numpy {numpy.__version__}, scipy {scipy.__version__}')"],
                           capture_output=True, text=True, check=True)
    return probe.stdout.strip()


def run_evidently(d, repeats: int = 3) -> External:
    python = evidently_python()
    assert python is not None
    proc = subprocess.run(
        [python, "-m", "suite.evidently_worker", "--rows", str(d["n"]),
         "--numeric", str(NUMERIC), "--categorical", str(CATEGORICAL),
         "--repeats", str(repeats)],
        cwd=HERE.parent, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the Evidently worker failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return External(out["seconds"], out["pvalues"])


def check_evidently(d, ours, theirs) -> None:
    """Numeric columns: Evidently's KS p-value is SciPy's, so ours to 1e-10. Categorical
    columns: Evidently's "chisquare" is a goodness-of-fit test of the current counts
    against the reference proportions (not the test of homogeneity), so its p-values are
    checked against scipy.stats.chisquare on the same counts."""
    from scipy.stats import chisquare

    ref, cur = d["reference"], d["current"]
    for column, pvalue in theirs.items():
        if is_categorical(column):
            r, c = ref[column].value_counts(), cur[column].value_counts()
            keys = sorted(set(r.index) | set(c.index))
            f_obs = [c.get(k, 0) for k in keys]
            f_exp = [r.get(k, 0) * len(cur) / len(ref) for k in keys]
            expected = chisquare(f_obs, f_exp).pvalue
            assert math.isclose(pvalue, expected, rel_tol=1e-9), (column, pvalue, expected)
        else:
            f = ours.feature(column)
            check_ks_pvalue(f["pvalue"], float(pvalue), float(f["statistic"]),
                            len(ref), len(cur), column)


DRIFT_REPORT = Workload(
    key="drift_report",
    title=f"Drift report, {NUMERIC} numeric + {CATEGORICAL} categorical columns",
    size=lambda n: f"{NUMERIC}+{CATEGORICAL} columns x {n:.0e} rows",
    generate=generate_tables,
    ours=ours_report,
    peers=[
        Peer("scipy loop (ks_2samp, chi2_contingency)", scipy_loop, check_scipy_loop,
             target=10.0, needs=("scipy", "pandas")),
        Peer("Evidently DataDriftPreset (ks, chisquare)", run_evidently, check_evidently,
             target=100.0, external=True, unavailable=evidently_unavailable, max_n=10**6,
             skip_reason="Evidently skipped at 1e7 (minutes per run, many GB)"),
    ],
    sizes=(10**4, 10**5, 10**6, 10**7),
)

WORKLOADS = [KS, WASSERSTEIN, DRIFT_REPORT]

if __name__ == "__main__":  # pragma: no cover - a quick look at one size
    from .runner import measure

    for w in WORKLOADS:
        measure(w, int(sys.argv[1]) if len(sys.argv) > 1 else 10**5)
