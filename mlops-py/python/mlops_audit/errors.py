"""Exceptions raised by mlops_audit.

Every exception is an :class:`MlopsError`, and also a :class:`ValueError` (the input's
value was wrong) or a :class:`TypeError` (the input's type or shape was wrong), so existing
``except ValueError`` blocks keep working. Structured details name the culprit and are
attributes of the exception, for example::

    try:
        roc_auc(y, scores)
    except NonFiniteError as e:
        print(e.input, e.index, e.value)   # 'y_score', 17, nan

``e.details`` holds the same as a dict.
"""

from __future__ import annotations

import typing as _typing

if _typing.TYPE_CHECKING:
    # The names as annotations spell them (annotations are not evaluated: __future__ import).
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = [
    "MlopsError",
    "InputError",
    "InputTypeError",
    "EmptyInputError",
    "LengthMismatchError",
    "NonFiniteError",
    "MissingValueError",
    "NotRepresentableError",
    "OutOfRangeError",
    "LabelError",
    "NegativeWeightError",
    "ZeroWeightsError",
    "WeightOverflowError",
    "GroupError",
    "ParameterError",
    "StateError",
    "UndefinedMetricError",
    "InfeasibleError",
    "ChartError",
    "NotSvgError",
    "UnsafeSvgError",
    "ColumnError",
    "ColumnTypeError",
    "ProfileError",
    "NoVariationError",
    "TooFewObservationsError",
]


def _rebuild(cls: type[MlopsError], message: str, details: dict[str, Any]) -> MlopsError:
    return cls(message, **details)


class MlopsError(Exception):
    """Base class of every mlops_audit error."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = details
        for key, value in details.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.details))


class InputError(MlopsError, ValueError):
    """An input's values are unusable (see the subclasses for which problem)."""


class InputTypeError(MlopsError, TypeError):
    """An input has the wrong type, dtype or shape (``e.input`` names it)."""


class EmptyInputError(InputError):
    """An input has no rows (``e.input``)."""


class LengthMismatchError(InputError):
    """Inputs that must be aligned row by row differ in length
    (``e.input``, ``e.reference``, ``e.expected``, ``e.found``)."""


class NonFiniteError(InputError):
    """A value is NaN or infinite (``e.input``, ``e.index``, ``e.value``)."""


class MissingValueError(InputError):
    """A value is missing, e.g. an Arrow null or pandas NA (``e.input``, ``e.index``)."""


class NotRepresentableError(InputError):
    """An integer cannot be held exactly by a float64 (``e.input``, ``e.index``, ``e.value``)."""


class OutOfRangeError(InputError):
    """A value lies outside its range, e.g. a probability outside [0, 1]
    (``e.input``, ``e.index``, ``e.value``, ``e.low``, ``e.high``)."""


class LabelError(InputError):
    """A label is not 0/1 or False/True (``e.input``, ``e.index``, ``e.value``)."""


class NegativeWeightError(InputError):
    """A sample weight is negative (``e.input``, ``e.index``, ``e.value``)."""


class ZeroWeightsError(InputError):
    """Every sample weight is zero (``e.input``)."""


class WeightOverflowError(InputError):
    """Sample weights too large to add up: their total exceeds half the largest float64, or
    the largest cost times it does (``e.input``, ``e.reason``). Divide every weight by a
    common factor; rates, AUC and the other ratios do not change."""


class GroupError(InputError):
    """A group column is unusable (``e.column``, and ``e.index``/``e.group`` where known;
    ``e.int_value``/``e.str_value`` for a column mixing ints and strings, ``e.found``/
    ``e.expected`` for a group of another type than a policy was fitted on)."""


class ParameterError(MlopsError, ValueError):
    """A parameter is outside its domain (``e.name``, ``e.value``, ``e.reason``)."""


class StateError(ParameterError):
    """A saved object (``from_json`` text or a pickle) is malformed or contradicts itself: a
    probability outside [0, 1], arrays of mismatched lengths, counts that disagree with the
    contents (``e.object``: the type read, ``e.field``: the path of the culprit inside it,
    e.g. ``"columns[0].summary"``, ``e.reason``; ``e.name`` is ``e.field``)."""


class UndefinedMetricError(MlopsError, ValueError):
    """The metric asked for is undefined on this input, e.g. ROC AUC with one class
    (``e.metric``, ``e.reason``)."""


class InfeasibleError(MlopsError, ValueError):
    """No choice meets the constraint (``e.rate``, ``e.tolerance``, ``e.smallest_gap``)."""


class ChartError(MlopsError, ValueError):
    """A chart cannot go into a report (``e.chart``: its caption); see the subclasses."""


class NotSvgError(ChartError):
    """A chart is not a well-formed SVG document a report can embed (``e.chart``,
    ``e.reason``)."""


class UnsafeSvgError(ChartError):
    """A chart's SVG holds something that could run code or fetch a resource when the
    report is opened: a script, an event handler, a link (``e.chart``, ``e.what``)."""


class ColumnError(InputError):
    """A table column is missing, unknown or repeated (``e.column``; ``e.available`` lists
    the columns that exist when a name was not found)."""


class ColumnTypeError(MlopsError, TypeError):
    """A column's type does not fit: text where numbers are expected, numbers and text
    mixed (``e.index`` names the first row of the other type), or a type that is neither
    (``e.column``, ``e.expected``/``e.found`` or ``e.data_type``)."""


class ProfileError(InputError):
    """A reference profile cannot be used: profiles that do not merge, an unsupported
    format version, output counts of a format 1 profile that cannot be told apart, or
    malformed JSON (``e.column``/``e.reason``, ``e.group``/``e.reason``, or ``e.found``/
    ``e.supported``)."""


class NoVariationError(InputError):
    """Every observation has the same value, so a rank-based test has nothing to compare
    (``e.value``)."""


class TooFewObservationsError(InputError):
    """A sample is smaller than the test needs (``e.input``, ``e.found``, ``e.needed``)."""
