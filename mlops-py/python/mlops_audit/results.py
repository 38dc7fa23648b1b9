"""Result objects: one family for every statistical test and summary.

Each result is an instance of a class named after the library's Rust result type
(``DelongResult``, ``KsResult``, ...), built from that type's fields, so a field added in
the library appears here with no other change. A result reads like scipy's
(``.statistic``, ``.pvalue`` where the test has them; ``statistic, pvalue = result``),
like a mapping (``result["pvalue"]``, ``keys()``), and like a dataclass (``to_dict()``, a
readable ``repr``); it renders as a table in notebooks (``_repr_html_``) and pickles.

Undefined values are ``None``, never NaN. ``to_json()`` writes valid JSON (no ``NaN`` or
``Infinity`` tokens): a non-finite float is written as the string ``"inf"``, ``"-inf"`` or
``"nan"``, as everywhere in this library, and :func:`from_json` (or ``Class.from_json``)
reads it back, checking the text against the result type like any other input.
"""

from __future__ import annotations

import html as _html
import json as _json
import math as _math
from typing import Any as _Any

from mlops_audit._mlops_audit import _result_from_json, _result_types

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = ["Result", "TestResult", "from_json"]

# Another name a field is also read by (scipy's ``statistic`` where the library's result
# names its estimate).
_ALIASES: dict[str, dict[str, str]] = {
    "PairedBootstrapResult": {"statistic": "difference"},
    "SequentialResult": {"statistic": "estimate"},
}


def _group_key(values: list[_Any]) -> _Any:
    """A group key read from JSON (a list, one value per sensitive column) as the key of
    dict views: the value itself for one column (int, str, or ``None`` for missing), a tuple
    for several."""
    return values[0] if len(values) == 1 else tuple(values)


def _to_json_value(v: _Any) -> _Any:
    """``v`` with every non-finite float written as its text."""
    if isinstance(v, float) and not _math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, dict):
        return {k: _to_json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_to_json_value(x) for x in v]
    return v


class Result:
    """A result of the library: its fields as attributes, items and a dict.

    Subclasses (one per result type) are created from the library's list of result types;
    construct them with :func:`from_json`, never directly.
    """

    __slots__ = ("_fields",)
    __test__ = False  # not a pytest test class

    _fields: dict[str, _Any]

    def __init__(self, *args: _Any, **kwargs: _Any) -> None:
        raise TypeError(f"{type(self).__name__} is returned by the library's functions; "
                        "rebuild one with mlops_audit.results.from_json(text)")

    @property
    def test(self) -> str:
        """The result type's name."""
        return type(self).__name__

    def __getattr__(self, name: str) -> _Any:
        if name.startswith("__"):
            raise AttributeError(name)
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        alias = _ALIASES.get(type(self).__name__, {}).get(name)
        if alias is not None:
            return fields[alias]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}; its fields: "
                             f"{', '.join(fields)}")

    def __setattr__(self, name: str, value: _Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._fields))

    def __getitem__(self, key: str) -> _Any:
        return self._fields[key]

    def __contains__(self, key: object) -> bool:
        return key in self._fields

    def keys(self) -> list[str]:
        """The field names, in the library's order."""
        return list(self._fields)

    def __iter__(self):
        # Unpacks like scipy's results: ``statistic, pvalue = result``.
        yield getattr(self, "statistic", None)
        yield self._fields.get("pvalue")

    def to_dict(self) -> dict[str, _Any]:
        """All fields as a plain dict, with ``"test"`` (the type's name) first."""
        return {"test": self.test, **self._fields}

    def to_json(self) -> str:
        """All fields as valid JSON (non-finite floats as ``"inf"``, ``"-inf"``, ``"nan"``);
        :func:`from_json` reads it back."""
        return _json.dumps(_to_json_value(self.to_dict()), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Result:
        """A result from :meth:`to_json` text (of this class, when called on a subclass)."""
        out = _result_from_json(text)
        if cls is not Result and not isinstance(out, cls):
            from mlops_audit.errors import ParameterError

            raise ParameterError(f"parameter `json` is invalid: the text holds a {out.test}, "
                                 f"not a {cls.__name__}", name="json", value=out.test,
                                 reason=f"not a {cls.__name__}")
        return out

    def __reduce__(self) -> tuple[_Any, ...]:
        return (from_json, (self.to_json(),))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._fields == other._fields  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.test, self.to_json()))

    def __repr__(self) -> str:
        def show(v: _Any) -> str:
            if isinstance(v, list) and len(v) > 6:
                return f"[{', '.join(show(x) for x in v[:3])}, ... ({len(v)} items)]"
            return repr(v)

        inner = ", ".join(f"{k}={show(v)}" for k, v in self._fields.items())
        return f"{self.test}({inner})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{_html.escape(str(k))}</th>"
            f"<td>{_html.escape(str(v))}</td></tr>"
            for k, v in self._fields.items()
        )
        return f"<table><caption>{_html.escape(self.test)}</caption>{rows}</table>"


#: The former name of :class:`Result`.
TestResult = Result


def from_json(text: str) -> Result:
    """A result from its :meth:`Result.to_json` text, of the type the text names."""
    return _result_from_json(text)


def _make(name: str, fields: dict[str, _Any]) -> Result:
    """The result of type ``name`` with ``fields`` (called by the library's Rust side)."""
    obj = object.__new__(_CLASSES[name])
    object.__setattr__(obj, "_fields", fields)
    return obj


def _extends(name: str):
    """Class decorator: ``cls`` (a subclass of the generic class ``name``, adding methods and
    properties) is returned for results of type ``name`` from now on."""
    def register(cls: type[Result]) -> type[Result]:
        if not issubclass(cls, _CLASSES[name]):
            raise TypeError(f"{cls.__name__} must subclass mlops_audit.results.{name}")
        _CLASSES[name] = cls
        return cls

    return register


_CLASSES: dict[str, type[Result]] = {
    _name: type(_name, (Result,), {"__slots__": (), "__module__": __name__,
                                   "__qualname__": _name,
                                   "__doc__": f"The library's ``{_name}``."})
    for _name in _result_types()
}
globals().update(_CLASSES)
__all__ += sorted(_CLASSES)
