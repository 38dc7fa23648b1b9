"""Audits, threshold searches and drift reports over a Spark DataFrame.

The rows stay in the executors: each partition is summarised where it lives
(``mapInArrow``: one :class:`~mlops_audit.fairness.ScoreSummary` or
:class:`~mlops_audit.drift.ReferenceProfile` per partition, serialised), the summaries are
combined by a tree reduction (``treeReduce``), and only the final summary reaches the
driver. No row is collected (no ``toPandas()``, no ``collect()`` of rows).

The score summaries are exact, so :func:`audit` and :func:`equal_opportunity` return the
same objects as :func:`mlops_audit.fairness.audit` and
:func:`mlops_audit.fairness.equal_opportunity` on the same rows, bit for bit, whatever the
partitioning. :func:`profile` and :func:`drift_report` are exact while every column fits
``sample_cap`` (the default keeps every value); above it they use the profiles' sketches.

Results for unusual input:

- a null in the label or score column raises
  :class:`~mlops_audit.errors.MissingValueError` on the driver (its ``index`` counts rows
  within the Arrow batch of the executor that found it, not within the DataFrame);
- a null in a group column raises :class:`~mlops_audit.errors.MissingValueError`, as in
  memory;
- empty partitions add nothing; an empty DataFrame raises
  :class:`~mlops_audit.errors.EmptyInputError`.

Known traps: the executors import ``mlops_audit``, so their Python must have it
(``PYSPARK_PYTHON`` pointing at an environment with the package, or the package shipped
to the cluster); on a host whose name resolves to a non-loopback address that is not
reachable, set ``SPARK_LOCAL_IP`` (``127.0.0.1`` for ``local[*]``). Needs pyspark
(``pip install mlops-audit[spark]``) and pyarrow.
"""

from __future__ import annotations

import pickle as _pickle
import typing as _typing

from mlops_audit import drift as _drift
from mlops_audit import errors as _errors
from mlops_audit import fairness as _fairness

if _typing.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

del annotations  # bound by the __future__ import; not part of the module's API

__all__ = ["audit", "drift_report", "equal_opportunity", "profile", "summary"]

# The schema of what each partition hands on: a serialised summary, or the exception that
# stopped it (pickled, so the driver raises the very exception the executor met).
_SCHEMA = "summary binary, error binary"


def _pack(kind: str, obj: Any) -> bytes:
    return kind.encode() + b"\0" + obj.to_json().encode()


def _unpack(data: bytes) -> Any:
    kind, _, text = data.partition(b"\0")
    if kind == b"scores":
        return _fairness.ScoreSummary.from_json(text.decode())
    return _drift.ReferenceProfile.from_json(text.decode())


def _merge_packed(a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None:
        return b
    if b is None:
        return a
    kind = a.partition(b"\0")[0].decode()
    return _pack(kind, _unpack(a).merge(_unpack(b)))


def _error_row(exc: BaseException) -> Any:
    import pyarrow as pa

    try:
        payload = _pickle.dumps(exc)
        _pickle.loads(payload)
    except Exception:  # an exception that does not pickle: its type name and message
        payload = _pickle.dumps(_errors.MlopsError(f"{type(exc).__name__}: {exc}"))
    return pa.RecordBatch.from_pydict(
        {"summary": [None], "error": [payload]},
        schema=pa.schema([("summary", pa.binary()), ("error", pa.binary())]),
    )


def _summary_row(packed: bytes) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_pydict(
        {"summary": [packed], "error": [None]},
        schema=pa.schema([("summary", pa.binary()), ("error", pa.binary())]),
    )


def _reduce(df: Any, per_partition: Any, depth: int) -> Any:
    """Runs ``per_partition`` in the executors and tree-reduces the summaries; raises the
    first executor exception on the driver."""
    out = df.mapInArrow(per_partition, _SCHEMA)

    def combine(a: Any, b: Any) -> Any:
        # Rows are (summary, error); an error wins, so that it reaches the driver.
        if a[1] is not None:
            return a
        if b[1] is not None:
            return b
        return (_merge_packed(a[0], b[0]), None)

    rows = out.rdd.map(lambda r: (r.summary, r.error))
    try:
        packed, error = rows.treeReduce(combine, depth=depth)
    except ValueError:  # no partition had a row: Spark refuses to reduce nothing
        return None
    if error is not None:
        raise _pickle.loads(error)
    return None if packed is None else _unpack(packed)


def _check_columns(df: Any, names: Sequence[str], what: str) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise _errors.ParameterError(
            f"{what}: the DataFrame has no column {missing[0]!r} (columns: {df.columns})",
            name=what, value=missing[0], reason="no such column")


def summary(df: Any, *, label: str, score: str, groups: Sequence[str],
            weight: str | None = None, depth: int = 2) -> _fairness.ScoreSummary:
    """The :class:`~mlops_audit.fairness.ScoreSummary` of a DataFrame's rows, built in the
    executors (one per partition) and merged by a tree reduction of depth ``depth``."""
    groups = [groups] if isinstance(groups, str) else list(groups)
    if not groups:
        raise _errors.ParameterError(
            "groups: give at least one group column", name="groups", value=groups,
            reason="empty")
    columns = [label, score, *groups] + ([weight] if weight is not None else [])
    _check_columns(df, columns, "columns")

    def per_partition(batches: Iterator[Any]) -> Iterator[Any]:
        acc = None
        try:
            for b in batches:
                if b.num_rows == 0:
                    continue
                s = _fairness.ScoreSummary.from_arrays(
                    b.column(label), b.column(score), {g: b.column(g) for g in groups},
                    sample_weight=None if weight is None else b.column(weight))
                acc = s if acc is None else acc.merge(s)
        except Exception as exc:  # handed to the driver, raised there
            yield _error_row(exc)
            return
        if acc is not None:
            yield _summary_row(_pack("scores", acc))

    result = _reduce(df.select(*columns), per_partition, depth)
    if result is None:
        raise _errors.EmptyInputError(
            "the DataFrame has no rows: at least one row is needed", input=score)
    return result


def audit(df: Any, *, label: str, score: str, groups: Sequence[str],
          threshold: float | None = None, policy: Any = None,
          thresholds: dict[Any, float] | None = None, weight: str | None = None,
          constraint: str = "fpr", tolerance: float = 0.05, min_count: int = 30,
          depth: int = 2) -> _fairness.GroupAudit:
    """:func:`mlops_audit.fairness.audit` of a DataFrame: ``threshold`` (one for everyone),
    ``policy`` (a deterministic :class:`~mlops_audit.fairness.ThresholdPolicy`) or
    ``thresholds`` (``{group: threshold}``). The same :class:`GroupAudit`, bit for bit,
    as in memory on the same rows."""
    if policy is not None and thresholds is not None:
        raise _errors.ParameterError(
            "give policy= or thresholds=, not both", name="policy", value="given",
            reason="given together with thresholds")
    s = summary(df, label=label, score=score, groups=groups, weight=weight, depth=depth)
    return _fairness.audit(s, threshold=threshold,
                           thresholds=policy if policy is not None else thresholds,
                           constraint=constraint, tolerance=tolerance, min_count=min_count)


def equal_opportunity(df: Any, *, label: str, score: str, groups: Sequence[str],
                      weight: str | None = None, depth: int = 2,
                      **options: Any) -> _fairness.ThresholdPolicy:
    """:func:`mlops_audit.fairness.equal_opportunity` of a DataFrame (``options``: its
    keyword options, ``fn_cost``, ``fp_cost``, ``constraint``, ``tolerance``,
    ``randomized``, ``cost``, ``max_groups``). The same policy, bit for bit, as in memory
    on the same rows."""
    s = summary(df, label=label, score=score, groups=groups, weight=weight, depth=depth)
    return _fairness.equal_opportunity(s, **options)


def profile(df: Any, *, columns: Sequence[str] | None = None, depth: int = 2,
            **options: Any) -> _drift.ReferenceProfile:
    """:meth:`mlops_audit.drift.ReferenceProfile.from_data` of a DataFrame (``options``:
    its keyword options), built per partition in the executors and merged."""
    if columns is not None:
        _check_columns(df, list(columns), "columns")
        df = df.select(*columns)

    def per_partition(batches: Iterator[Any]) -> Iterator[Any]:
        acc = None
        try:
            for b in batches:
                if b.num_rows == 0:
                    continue
                p = _drift.ReferenceProfile.from_data(b, **options)
                acc = p if acc is None else acc.merge(p)
        except Exception as exc:
            yield _error_row(exc)
            return
        if acc is not None:
            yield _summary_row(_pack("profile", acc))

    result = _reduce(df, per_partition, depth)
    if result is None:
        raise _errors.EmptyInputError(
            "the DataFrame has no rows: at least one row is needed", input="df")
    return result


def drift_report(reference: Any, df: Any, *, depth: int = 2,
                 **options: Any) -> Any:
    """:func:`mlops_audit.drift.drift_report` of a DataFrame's rows against ``reference``
    (a :class:`~mlops_audit.drift.ReferenceProfile`, or a DataFrame profiled the same way):
    the current rows are profiled in the executors with the reference's parameters and
    compared with :func:`mlops_audit.drift.drift_report` of the two profiles (``options``:
    its test options)."""
    params = _profile_options(reference) if isinstance(
        reference, _drift.ReferenceProfile) else {}
    if not isinstance(reference, _drift.ReferenceProfile):
        reference = profile(reference, depth=depth)
        params = _profile_options(reference)
    current = profile(df, depth=depth, **params)
    return _drift.drift_report(reference, current, **options)


def _profile_options(p: Any) -> dict[str, Any]:
    """The options of :meth:`ReferenceProfile.from_data` that built ``p``."""
    params = p.to_dict()["params"]
    options: dict[str, Any] = {
        "categorical": params["categorical"] or None,
        "numeric": params["numeric"] or None,
        "sketch_k": params["sketch_k"],
        "seed": params["seed"],
        "group": params["group_columns"] or None,
    }
    cap = params["sample_cap"]
    options["sample_cap"] = None if cap >= 2**63 else cap
    prediction = params.get("prediction")
    if prediction is not None:
        options["prediction"] = prediction["column"]
        options["threshold"] = prediction.get("threshold")
    return options
