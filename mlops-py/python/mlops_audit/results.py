"""Result objects shared by the statistical tests: they read like scipy's results
(``.statistic``, ``.pvalue``) and like dataclasses (``to_dict()``, ``to_json()``, a readable
``repr``), and render as a table in notebooks."""

from __future__ import annotations

import html
import json
import math
from typing import Any

__all__ = ["TestResult"]


def _group_key(values: list[Any]) -> Any:
    """A group key read from JSON (a list, one value per sensitive column) as the key of
    dict views: the value itself for one column (int, str, or ``None`` for missing), a tuple
    for several."""
    return values[0] if len(values) == 1 else tuple(values)


class TestResult:
    """The result of a statistical test.

    Every field is an attribute; ``statistic`` and ``pvalue`` exist where the test has
    them, and are ``None`` where they are undefined (never NaN).
    """

    __test__ = False  # not a pytest test class

    def __init__(self, test: str, fields: dict[str, Any]) -> None:
        self._test = test
        self._fields = dict(fields)
        for key, value in self._fields.items():
            setattr(self, key, value)

    @property
    def test(self) -> str:
        """The test's name."""
        return self._test

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (with ``"test"``)."""
        return {"test": self._test, **self._fields}

    def to_json(self) -> str:
        """All fields as JSON."""
        return json.dumps(self.to_dict())

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self):
        # Unpacks like scipy's results: ``statistic, pvalue = result``.
        yield self._fields.get("statistic")
        yield self._fields.get("pvalue")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TestResult) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        def show(v: Any) -> str:
            if isinstance(v, float) and math.isfinite(v):
                return f"{v:.6g}"
            return repr(v)

        inner = ", ".join(f"{k}={show(v)}" for k, v in self._fields.items())
        return f"{self._test}({inner})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self._fields.items()
        )
        return f"<table><caption>{html.escape(self._test)}</caption>{rows}</table>"
