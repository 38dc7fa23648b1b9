"""Fairness audits and equal-opportunity thresholds.

Planned contents (being built): group audits with bootstrap intervals, and
``equal_opportunity(...)``, the exact cost-optimal per-group threshold search under an
equal false-positive-rate constraint. Nothing here yet pretends to work: the names are
added as they are implemented and tested.
"""

__all__: list[str] = []
