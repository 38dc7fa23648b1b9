"""Each bad input raises its own exception class (an MlopsError and a ValueError/TypeError)
carrying the culprit as attributes; exceptions pickle; no input makes the extension panic."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlops_audit import errors as E
from mlops_audit import metrics as m

# Every (y_true, y_score, sample_weight) function, with its other arguments fixed.
FUNCS = {
    "roc_auc": lambda y, s, w=None: m.roc_auc(y, s, w),
    "roc_curve": lambda y, s, w=None: m.roc_curve(y, s, w),
    "precision_recall_curve": lambda y, s, w=None: m.precision_recall_curve(y, s, w),
    "average_precision": lambda y, s, w=None: m.average_precision(y, s, w),
    "confusion_matrix": lambda y, s, w=None: m.confusion_matrix(y, s, 0.5, w),
    "total_cost": lambda y, s, w=None: m.total_cost(y, s, 0.5, sample_weight=w),
    "cost_per_decision": lambda y, s, w=None: m.cost_per_decision(y, s, 0.5, sample_weight=w),
    "min_cost_threshold": lambda y, s, w=None: m.min_cost_threshold(y, s, sample_weight=w),
}

Y = [0, 1, 0, 1, 1]
S = [0.1, 0.9, 0.8, 0.3, 0.2]
W = [1.0, 2.0, 0.5, 1.0, 3.0]

# name: (y, s, w, exception class, base builtin, expected attributes)
INPUT_ERRORS = {
    "labels_shorter": ([0, 1], S, None, E.LengthMismatchError, ValueError,
                       dict(input="y_true", reference="y_score", expected=5, found=2)),
    "weights_longer": (Y, S, W + [1.0], E.LengthMismatchError, ValueError,
                       dict(input="sample_weight", reference="y_score", expected=5, found=6)),
    "nan_score": (Y, [0.1, 0.9, np.nan, 0.3, 0.2], None, E.NonFiniteError, ValueError,
                  dict(input="y_score", index=2, value=math.nan)),
    "inf_score": (Y, [0.1, 0.9, 0.8, np.inf, 0.2], None, E.NonFiniteError, ValueError,
                  dict(input="y_score", index=3, value=math.inf)),
    "minus_inf_score": (Y, [-np.inf, 0.9, 0.8, 0.3, 0.2], None, E.NonFiniteError, ValueError,
                        dict(input="y_score", index=0, value=-math.inf)),
    "nan_weight": (Y, S, [1.0, 1.0, 1.0, 1.0, np.nan], E.NonFiniteError, ValueError,
                   dict(input="sample_weight", index=4, value=math.nan)),
    "inf_weight": (Y, S, [1.0, np.inf, 1.0, 1.0, 1.0], E.NonFiniteError, ValueError,
                   dict(input="sample_weight", index=1, value=math.inf)),
    "empty": ([], [], None, E.EmptyInputError, ValueError, dict(input="y_score")),
    "empty_float_arrays": (np.array([]), np.array([]), np.array([]), E.EmptyInputError, ValueError, {}),
    "label_2": ([0, 1, 2, 1, 0], S, None, E.LabelError, ValueError,
                dict(input="y_true", index=2, value="2")),
    "label_minus_1": ([0, -1, 0, 1, 0], S, None, E.LabelError, ValueError,
                      dict(input="y_true", index=1, value="-1")),
    "label_half": ([0, 1, 0, 1, 0.5], S, None, E.LabelError, ValueError,
                   dict(input="y_true", index=4)),
    "label_nan": ([0, 1, np.nan, 1, 0], S, None, E.LabelError, ValueError,
                  dict(input="y_true", index=2)),
    "negative_weight": (Y, S, [1.0, 1.0, -0.5, 1.0, 1.0], E.NegativeWeightError, ValueError,
                        dict(input="sample_weight", index=2, value=-0.5)),
    "all_zero_weights": (Y, S, [0.0] * 5, E.ZeroWeightsError, ValueError,
                         dict(input="sample_weight")),
    "int64_too_big": (Y, np.array([1, 2, 3, 2**60, 5]), None, E.NotRepresentableError, ValueError,
                      dict(input="y_score", index=3, value=str(2**60))),
    "arrow_null": (Y, pa.array([0.1, None, 0.8, 0.3, 0.2]), None, E.MissingValueError, ValueError,
                   dict(input="y_score", index=1)),
    "pandas_na": (pd.Series([0, 1, 0, None, 1], dtype="Int64"), S, None, E.MissingValueError, ValueError,
                  dict(input="y_true", index=3)),
    "2d_scores": (Y, np.ones((5, 2)), None, E.InputTypeError, TypeError, dict(input="y_score")),
    "object_weights": (Y, S, np.array(W, dtype=object), E.InputTypeError, TypeError,
                       dict(input="sample_weight")),
}  # fmt: skip


def _check_attrs(exc, attrs):
    for key, expected in attrs.items():
        got = getattr(exc, key)
        if isinstance(expected, float) and math.isnan(expected):
            assert isinstance(got, float) and math.isnan(got), (key, got)
        else:
            assert got == expected, (key, got, expected)
        assert key in exc.details


@pytest.mark.parametrize("func", list(FUNCS))
@pytest.mark.parametrize("case", list(INPUT_ERRORS))
def test_each_bad_input_raises_its_own_class_with_attributes(func, case):
    y, s, w, cls, builtin, attrs = INPUT_ERRORS[case]
    with pytest.raises(cls) as e:
        FUNCS[func](y, s, w)
    exc = e.value
    assert type(exc) is cls
    assert isinstance(exc, E.MlopsError) and isinstance(exc, builtin)
    if builtin is ValueError:
        assert isinstance(exc, E.InputError)
    _check_attrs(exc, attrs)
    assert str(exc)  # a human-readable message


@pytest.mark.parametrize("func", ["roc_auc", "roc_curve"])
@pytest.mark.parametrize("only", [0, 1])
def test_one_class_makes_roc_undefined(func, only):
    with pytest.raises(E.UndefinedMetricError) as e:
        FUNCS[func]([only] * 5, S)
    assert isinstance(e.value, ValueError) and isinstance(e.value, E.MlopsError)
    assert e.value.metric and e.value.reason


@pytest.mark.parametrize("func", ["roc_auc", "roc_curve", "average_precision", "precision_recall_curve"])
def test_a_class_with_only_zero_weights_counts_as_absent(func):
    with pytest.raises(E.UndefinedMetricError):
        FUNCS[func]([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [1.0, 0.0, 2.0, 0.0])


@pytest.mark.parametrize("func", ["average_precision", "precision_recall_curve"])
def test_no_positives_makes_precision_recall_undefined(func):
    with pytest.raises(E.UndefinedMetricError):
        FUNCS[func]([0] * 5, S)


def test_only_positives_average_precision_is_one_like_sklearn():
    from sklearn.metrics import average_precision_score

    assert m.average_precision([1] * 5, S) == average_precision_score([1] * 5, S) == 1.0


@pytest.mark.parametrize("call", [
    lambda: m.confusion_matrix(Y, S, math.nan),
    lambda: m.total_cost(Y, S, math.nan),
    lambda: m.cost_per_decision(Y, S, math.nan),
    lambda: m.confusion_matrix(Y, S, float(np.float32("nan"))),
], ids=["confusion_matrix", "total_cost", "cost_per_decision", "float32_nan"])  # fmt: skip
def test_nan_threshold_is_a_parameter_error(call):
    with pytest.raises(E.ParameterError) as e:
        call()
    assert isinstance(e.value, ValueError) and isinstance(e.value, E.MlopsError)
    assert e.value.name == "threshold"


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(fn_cost=-1.0), "fn_cost"),
        (dict(fp_cost=-0.5), "fp_cost"),
        (dict(tp_cost=-1.0), "tp_cost"),
        (dict(tn_cost=-1.0), "tn_cost"),
        (dict(fn_cost=math.nan), "fn_cost"),
        (dict(fp_cost=math.inf), "fp_cost"),
        (dict(tp_cost=math.inf), "tp_cost"),
        (dict(tn_cost=-math.inf), "tn_cost"),
        (dict(fn_cost=1.0, tp_cost=1.0), "fn_cost"),  # fn_cost <= tp_cost
        (dict(fn_cost=1.0, tp_cost=2.0), "fn_cost"),
        (dict(fp_cost=1.0, tn_cost=1.0), "fp_cost"),  # fp_cost <= tn_cost
        (dict(fn_cost=0.0), "fn_cost"),
    ],
)
def test_invalid_cost_matrix_is_a_parameter_error(kwargs, name):
    with pytest.raises(E.ParameterError) as e:
        m.CostMatrix(**kwargs)
    assert isinstance(e.value, ValueError) and isinstance(e.value, E.MlopsError)
    assert e.value.name == name
    assert e.value.reason


def test_confusion_from_predictions_errors():
    with pytest.raises(E.LabelError) as e:
        m.confusion_from_predictions([0, 1, 0], [0, 1, 3])
    assert (e.value.input, e.value.index, e.value.value) == ("y_pred", 2, "3")
    with pytest.raises(E.LengthMismatchError) as e:
        m.confusion_from_predictions([0, 1, 0], [0, 1])
    assert (e.value.input, e.value.found, e.value.expected) == ("y_pred", 2, 3)
    with pytest.raises(E.EmptyInputError):
        m.confusion_from_predictions([], [])
    with pytest.raises(E.NegativeWeightError) as e:
        m.confusion_from_predictions([0, 1, 0], [0, 1, 1], [1.0, -1.0, 1.0])
    assert e.value.index == 1
    with pytest.raises(E.ZeroWeightsError):
        m.confusion_from_predictions([0, 1, 0], [0, 1, 1], [0.0, 0.0, 0.0])
    with pytest.raises(E.NonFiniteError):
        m.confusion_from_predictions([0, 1, 0], [0, 1, 1], [1.0, math.nan, 1.0])


# --- the exception hierarchy -------------------------------------------------------------
@pytest.mark.parametrize("name", E.__all__)
def test_exception_hierarchy(name):
    # Documented rule: every exception is an MlopsError and also exactly one of
    # ValueError (bad value) or TypeError (bad type/shape).
    cls = getattr(E, name)
    assert issubclass(cls, E.MlopsError)
    if name == "MlopsError":
        return
    assert issubclass(cls, ValueError) != issubclass(cls, TypeError), cls.__mro__
    input_errors = {"EmptyInputError", "LengthMismatchError", "NonFiniteError",
                    "MissingValueError", "NotRepresentableError", "LabelError",
                    "NegativeWeightError", "ZeroWeightsError", "GroupError"}  # fmt: skip
    if name in input_errors:
        assert issubclass(cls, E.InputError)
    if name == "InputTypeError":
        assert issubclass(cls, TypeError)


@pytest.mark.parametrize("case", list(INPUT_ERRORS))
def test_raised_exceptions_pickle_round_trip_with_attributes(case):
    y, s, w, cls, _, attrs = INPUT_ERRORS[case]
    with pytest.raises(cls) as e:
        m.roc_auc(y, s, w)
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is cls
    assert str(back) == str(e.value)
    assert back.details.keys() == e.value.details.keys()
    _check_attrs(back, attrs)
    _check_attrs(back, {k: v for k, v in e.value.details.items() if not (isinstance(v, float) and math.isnan(v))})


def test_parameter_and_undefined_errors_pickle():
    for call, cls in [(lambda: m.CostMatrix(fn_cost=-1), E.ParameterError), (lambda: m.roc_auc([1, 1], [0.1, 0.2]), E.UndefinedMetricError)]:
        with pytest.raises(cls) as e:
            call()
        back = pickle.loads(pickle.dumps(e.value))
        assert type(back) is cls and back.details == e.value.details and str(back) == str(e.value)


# --- fuzzing: only MlopsError, never a panic ----------------------------------------------
FUZZ_DTYPES = [
    np.float64, np.float32, np.float16, np.int8, np.int16, np.int32, np.int64, np.uint8,
    np.uint16, np.uint32, np.uint64, np.bool_, np.complex128, np.dtype(">f8"), np.dtype("<U3"),
    np.dtype("datetime64[ns]"), np.longdouble,
]  # fmt: skip


@st.composite
def fuzz_column(draw, n):
    kind = draw(st.sampled_from(["numpy", "numpy", "numpy", "list", "object", "pyarrow", "none", "other"]))
    length = draw(st.one_of(st.just(n), st.integers(0, 8)))
    if kind == "none":
        return None
    if kind == "other":
        return draw(st.sampled_from([{"a": 1}, "abc", 3.5, 7, object(), b"\x00\x01", range(3)]))
    if kind == "object":
        return np.array(draw(st.lists(st.one_of(st.none(), st.floats(), st.sampled_from(["", "1", "a"])), min_size=length, max_size=length)) + [None], dtype=object)[:length]
    dtype = np.dtype(draw(st.sampled_from(FUZZ_DTYPES)))
    shape = draw(st.one_of(st.just((length,)), hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4)))
    if dtype.kind == "U":  # explicit strings: no unicode tables needed
        arr = draw(hnp.arrays(dtype, shape, elements=st.sampled_from(["", "0", "1", "0.5", "abc"])))
    else:
        arr = draw(hnp.arrays(dtype, shape))
    if draw(st.booleans()) and arr.ndim == 1:
        arr = arr[::-1]
    if kind == "list":
        return arr.tolist()
    if kind == "pyarrow" and arr.ndim == 1 and dtype.kind in "fiub" and dtype.itemsize <= 8:
        mask = draw(hnp.arrays(np.bool_, arr.shape))
        return pa.array(arr.astype(dtype.newbyteorder("=")), mask=mask)
    return arr


def _call_expecting_only_mlops_errors(f):
    try:
        f()
    except E.MlopsError:
        pass
    except BaseException as exc:  # noqa: BLE001 - PanicException derives from BaseException
        if type(exc).__name__ == "PanicException":
            pytest.fail(f"the extension panicked: {exc!r}")
        pytest.fail(f"{type(exc).__name__} is not an MlopsError: {exc!r}")


@given(
    st.integers(0, 6).flatmap(lambda n: st.tuples(fuzz_column(n), fuzz_column(n), fuzz_column(n))),
    st.floats(),
)
def test_fuzzed_inputs_raise_only_mlops_errors(cols, threshold):
    y, s, w = cols
    if y is None or s is None:  # y_true/y_score are required (None is a pyo3 TypeError)
        y = [0, 1] if y is None else y
        s = [0.2, 0.4] if s is None else s
    calls = [
        lambda: m.roc_auc(y, s, w),
        lambda: m.roc_curve(y, s, w),
        lambda: m.precision_recall_curve(y, s, w),
        lambda: m.average_precision(y, s, w),
        lambda: m.confusion_matrix(y, s, threshold, w),
        lambda: m.confusion_from_predictions(y, s, w),
        lambda: m.total_cost(y, s, threshold, sample_weight=w),
        lambda: m.cost_per_decision(y, s, threshold, sample_weight=w),
        lambda: m.min_cost_threshold(y, s, sample_weight=w),
    ]
    for f in calls:
        _call_expecting_only_mlops_errors(f)


@given(hnp.arrays(np.float64, st.integers(1, 30)), hnp.arrays(np.float64, st.integers(1, 30)))
def test_fuzzed_float_values_raise_only_mlops_errors(s, w):
    # NaN, +-inf, huge, subnormal and negative values, lengths that usually differ.
    y = (np.arange(s.size) % 2).astype(bool)
    for f in FUNCS.values():
        _call_expecting_only_mlops_errors(lambda: f(y, s))
        _call_expecting_only_mlops_errors(lambda: f(y, s, w))
        _call_expecting_only_mlops_errors(lambda: f(s, s, w))
