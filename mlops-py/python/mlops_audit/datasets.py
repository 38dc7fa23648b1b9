"""Built-in data, shipped inside the package so examples run anywhere.

- :func:`german_credit`: the UCI Statlog German Credit data (1,000 loans; CC BY 4.0,
  donor Hans Hofmann). The UCI cost matrix for it is this project's default: a bad loan
  classified as good costs 5, a good loan classified as bad costs 1.
"""

from mlops_audit._mlops_audit import german_credit

__all__ = ["german_credit"]
