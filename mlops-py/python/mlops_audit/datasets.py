"""Built-in data, shipped inside the package so examples run anywhere.

- :func:`german_credit`: the UCI Statlog German Credit data (1,000 loans; CC BY 4.0,
  donor Hans Hofmann). The UCI cost matrix for it is this project's default: a bad loan
  classified as good costs 5, a good loan classified as bad costs 1.
- :func:`simulate_lending`: a seeded simulator of a lending portfolio with a protected
  attribute, the outcome, two models' scores and named drift scenarios.
"""

from __future__ import annotations

import typing as _typing

from mlops_audit._mlops_audit import _simulate_lending, german_credit

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = ["SCENARIOS", "german_credit", "simulate_lending"]

#: The drift scenarios :func:`simulate_lending` knows.
SCENARIOS = ("none", "downturn", "new_product", "pipeline_fault")


def simulate_lending(n: int, *, seed: int = 0, drift: str | None = None,
                     as_frame: bool = True) -> Any:
    """A simulated portfolio of ``n`` approved loans (the same for the same arguments).

    Columns: the protected attribute ``ethnicity`` (groups ``A``-``D`` of 55/25/12/8%,
    with different incomes, credit histories, regions and default rates); the features
    ``region``, ``home_ownership``, ``purpose`` (categorical), ``income``, ``loan_amount``,
    ``term_months``, ``debt_to_income``, ``credit_history_years``, ``employment_years``
    (numeric); the outcome ``default`` (1 = defaulted); and two fixed models' probabilities
    of default: ``champion_score`` (leans on region, a proxy for group, so one threshold for
    everyone fails equal FPR) and ``challenger_score`` (uses the credit history instead).

    ``drift`` names a production scenario: ``None``/``"none"``, ``"downturn"`` (incomes fall,
    debt-to-income and defaults rise), ``"new_product"`` (a purpose unseen in training),
    ``"pipeline_fault"`` (``employment_years`` missing for a quarter of the rows).

    Returns a pandas DataFrame (``as_frame=True``, needs pandas) or a ``dict`` of numpy
    columns (``as_frame=False``).
    """
    columns = _simulate_lending(n, seed=seed, drift="none" if drift is None else drift)
    if not as_frame:
        return columns
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "simulate_lending(as_frame=True) returns a pandas DataFrame and needs pandas; "
            "install it or pass as_frame=False for a dict of numpy arrays") from e
    frame = pd.DataFrame(columns)
    for name in ("ethnicity", "region", "home_ownership", "purpose"):
        frame[name] = frame[name].astype("category")
    return frame
