"""Drift tests and production monitoring.

Planned contents (being built): KS, Wasserstein, Anderson-Darling, Cramer-von Mises, PSI,
KL/JS, chi-square and G tests, the per-group output-rate check, reference profiles and a
monitor. Names are added as they are implemented and tested.
"""

__all__: list[str] = []
