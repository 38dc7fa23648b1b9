"""Drift tests and production monitoring.

:func:`ks_2samp` is the two-sample Kolmogorov-Smirnov test: has the distribution of a
numeric feature moved between ``reference`` (the training data) and ``current`` (what the
model sees in production)? It has the meaning, parameters and ``method="auto"`` rule of
``scipy.stats.ks_2samp`` and agrees with it to 1e-10 (relative) on p-values; where SciPy
abandons the exact p-value with a warning, it is still computed exactly when affordable,
and :attr:`KsResult.method` always says how the p-value was obtained. The result unpacks
like SciPy's (``statistic, pvalue = ks_2samp(reference, current)``).

Planned contents (being built): Wasserstein, Anderson-Darling, Cramer-von Mises, PSI,
KL/JS, chi-square and G tests, the per-group output-rate check, reference profiles and a
monitor. Names are added as they are implemented and tested.
"""

from mlops_audit._mlops_audit import KsResult, ks_2samp

__all__: list[str] = ["KsResult", "ks_2samp"]
