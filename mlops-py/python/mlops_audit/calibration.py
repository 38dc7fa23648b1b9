"""Calibration metrics and calibrators.

Planned contents (being built): Platt, isotonic, histogram and beta calibrators; Brier score,
log loss, reliability curves, ECE, Hosmer-Lemeshow and Spiegelhalter tests, by group. Names
are added as they are implemented and tested.
"""

__all__: list[str] = []
