"""Every supported input type gives the answer of the same data as a contiguous float64 /
bool numpy array (the oracle), zero-copy claims hold, and unsupported types are rejected
with InputTypeError (a TypeError)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from conftest import assert_close
from mlops_audit import metrics as m
from mlops_audit._mlops_audit import _column_info
from mlops_audit.errors import (
    InputError,
    InputTypeError,
    MissingValueError,
    MlopsError,
    NonFiniteError,
    NotRepresentableError,
)


@pytest.fixture(scope="module")
def data():
    """Integer-valued scores (exact in every dtype), bool labels, weights."""
    rng = np.random.default_rng(7)
    n = 300
    y = rng.random(n) < 0.4
    s = rng.integers(0, 100, n).astype(np.float64) + 20 * y
    w = rng.integers(0, 5, n).astype(np.float64)
    return y, s, w


def _all_results(y, s, w=None):
    """Every statistic on (y, s, w), as plain floats/arrays, for comparison."""
    t = 60.0
    return [
        m.roc_auc(y, s, w),
        *m.roc_curve(y, s, w),
        *m.precision_recall_curve(y, s, w),
        m.average_precision(y, s, w),
        np.asarray(m.confusion_matrix(y, s, t, w)),
        m.total_cost(y, s, t, sample_weight=w),
        m.cost_per_decision(y, s, t, sample_weight=w),
        m.min_cost_threshold(y, s, sample_weight=w).cost,
    ]


def _assert_same_results(a, b):
    assert len(a) == len(b)
    for x, z in zip(a, b):
        assert np.shape(x) == np.shape(z)
        assert_close(x, z)


NUMERIC_DTYPES = [
    np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.uint16, np.uint32, np.uint64,
    np.float32, np.float64,
]  # fmt: skip


# --- numpy dtypes ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=lambda d: np.dtype(d).name)
def test_scores_of_every_numeric_dtype_match_float64(data, dtype):
    y, s, w = data
    expected = _all_results(y, s, w)
    _assert_same_results(_all_results(y, s.astype(dtype), w), expected)
    # weights of the same dtype
    _assert_same_results(_all_results(y, s, w.astype(dtype)), expected)
    kind = "borrowed" if np.dtype(dtype) == np.float64 else "converted"
    assert _column_info(s.astype(dtype), "scores") == kind


def test_float32_scores_are_converted_exactly(rng):
    y = rng.random(500) < 0.5
    s32 = rng.random(500).astype(np.float32)
    _assert_same_results(_all_results(y, s32), _all_results(y, s32.astype(np.float64)))


def test_bool_scores_and_weights(data):
    y, s, w = data
    sb = s > 60
    _assert_same_results(_all_results(y, sb, w > 1), _all_results(y, sb.astype(float), (w > 1).astype(float)))


@pytest.mark.parametrize("dtype", [*NUMERIC_DTYPES, np.bool_], ids=lambda d: np.dtype(d).name)
def test_labels_of_every_dtype_match_bool(data, dtype):
    y, s, w = data
    _assert_same_results(_all_results(y.astype(dtype), s, w), _all_results(y, s, w))
    kind = "borrowed" if np.dtype(dtype) == np.bool_ else "converted"
    assert _column_info(y.astype(dtype), "labels") == kind


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
@pytest.mark.parametrize("where", ["y_score", "sample_weight"])
def test_int64_beyond_2_pow_53_is_not_representable(dtype, where):
    y = np.array([0, 1, 0, 1])
    s = np.array([1, 2, 3, 4], dtype=dtype)
    w = np.array([1, 1, 1, 1], dtype=dtype)
    # 2**53 itself is exact and accepted
    ok = s.copy() if where == "y_score" else w.copy()
    ok[2] = 2**53
    m.roc_auc(y, *((ok,) if where == "y_score" else (s, ok)))
    bad = ok.copy()
    bad[2] = 2**53 + 1
    with pytest.raises(NotRepresentableError) as e:
        m.roc_auc(y, *((bad,) if where == "y_score" else (s, bad)))
    assert isinstance(e.value, ValueError) and isinstance(e.value, MlopsError)
    assert (e.value.input, e.value.index, e.value.value) == (where, 2, str(2**53 + 1))


def test_negative_int64_beyond_2_pow_53_is_not_representable():
    s = np.array([0, -(2**53), -(2**53) - 1], dtype=np.int64)
    with pytest.raises(NotRepresentableError) as e:
        m.roc_auc([0, 1, 0], s)
    assert (e.value.index, e.value.value) == (2, str(-(2**53) - 1))


# --- strides, views, read-only -----------------------------------------------------------
def _views(base):
    """Non-contiguous and reversed views of a 1-D array (and a column of a 2-D one)."""
    two_d = np.stack([base, base[::-1], base], axis=1)  # C order: columns are strided
    return {
        "reversed": base[::-1],
        "step3": base[::3],
        "reversed_step2": base[::-2],
        "offset_step2": base[5:-5:2],
        "column_of_2d": two_d[:, 1],
        "fortran_row": np.asfortranarray(np.stack([base, base]))[0],
    }


@pytest.mark.parametrize(
    "view", ["reversed", "step3", "reversed_step2", "offset_step2", "column_of_2d", "fortran_row"]
)
def test_strided_views_match_contiguous_copies_and_are_borrowed(rng, view):
    n = 3000
    y_base = rng.random(n) < 0.4
    s_base = np.round(rng.random(n) + 0.3 * y_base, 2)
    w_base = rng.exponential(1.0, n)
    y, s, w = _views(y_base)[view], _views(s_base)[view], _views(w_base)[view]
    assert not (s.flags.c_contiguous and y.flags.c_contiguous)
    assert _column_info(s, "scores") == "borrowed"
    assert _column_info(w, "scores") == "borrowed"
    assert _column_info(y, "labels") == "borrowed"
    copies = (np.ascontiguousarray(y), np.ascontiguousarray(s), np.ascontiguousarray(w))
    _assert_same_results(_all_results(y, s, w), _all_results(*copies))
    _assert_same_results(_all_results(y, s), _all_results(*copies[:2]))


def test_error_index_refers_to_the_logical_position_in_a_reversed_view():
    base = np.array([0.1, 0.2, np.nan, 0.4, 0.5, 0.6])
    view = base[::-1]  # NaN at logical index 3
    with pytest.raises(NonFiniteError) as e:
        m.roc_auc([0, 1, 0, 1, 0, 1], view)
    assert e.value.index == 3


def test_zero_stride_broadcast_array_is_accepted():
    s = np.broadcast_to(np.float64(0.5), 6)
    assert s.strides == (0,)
    assert_close(m.roc_auc([0, 1, 0, 1, 0, 1], s), 0.5)


def test_read_only_arrays_work_and_are_borrowed(data):
    y, s, w = (a.copy() for a in data)
    expected = _all_results(y, s, w)
    for a in (y, s, w):
        a.flags.writeable = False
    assert _column_info(s, "scores") == "borrowed"
    assert _column_info(y, "labels") == "borrowed"
    _assert_same_results(_all_results(y, s, w), expected)


def test_the_same_array_may_be_passed_as_several_arguments():
    s = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    assert_close(m.roc_auc(s, s), 1.0)
    # as labels, scores and weights at once: the negatives weigh 0
    cm = m.confusion_matrix(s, s, 0.5, s)
    assert_close(np.asarray(cm), [[0.0, 0.0], [0.0, 3.0]])


# --- pandas ------------------------------------------------------------------------------
def test_pandas_numpy_backed_series(data):
    y, s, w = data
    expected = _all_results(y, s, w)
    idx = np.arange(y.size)[::-1] * 3  # a non-default index must not matter
    _assert_same_results(
        _all_results(pd.Series(y, index=idx), pd.Series(s, index=idx), pd.Series(w, index=idx)),
        expected,
    )
    _assert_same_results(
        _all_results(pd.Series(y.astype(np.int64)), pd.Series(s.astype(np.int64)), pd.Series(w)),
        expected,
    )
    assert _column_info(pd.Series(s), "scores") == "borrowed"


def test_pandas_nullable_dtypes_without_missing_values(data):
    y, s, w = data
    expected = _all_results(y, s, w)
    _assert_same_results(
        _all_results(pd.Series(y, dtype="boolean"), pd.Series(s.astype(int), dtype="Int64"), pd.Series(w, dtype="Float64")),
        expected,
    )
    _assert_same_results(_all_results(pd.Series(y.astype(int), dtype="Int64"), s, w), expected)
    _assert_same_results(_all_results(y, pd.Series(s, dtype="float64[pyarrow]"), w), expected)


@pytest.mark.parametrize(
    "labels,scores,culprit,index",
    [
        (pd.Series([0, 1, None, 1], dtype="Int64"), [0.1, 0.2, 0.3, 0.4], "y_true", 2),
        (pd.Series([False, True, True, None], dtype="boolean"), [0.1, 0.2, 0.3, 0.4], "y_true", 3),
        ([0, 1, 0, 1], pd.Series([1, pd.NA, 3, 4], dtype="Int64"), "y_score", 1),
        ([0, 1, 0, 1], pd.Series([0.1, 0.2, pd.NA, 0.4], dtype="Float64"), "y_score", 2),
    ],
    ids=["Int64-labels", "boolean-labels", "Int64-scores", "Float64-scores"],
)
def test_pandas_na_raises_missing_value_error(labels, scores, culprit, index):
    with pytest.raises(MissingValueError) as e:
        m.roc_auc(labels, scores)
    assert (e.value.input, e.value.index) == (culprit, index)
    assert isinstance(e.value, ValueError)


def test_pandas_float64_nan_is_rejected_with_its_index():
    # pandas treats NaN as missing; either NonFiniteError or MissingValueError is an honest
    # answer (currently MissingValueError, from pandas' Arrow export), but it must be an
    # input error naming the row.
    with pytest.raises(InputError) as e:
        m.roc_auc([0, 1, 0, 1], pd.Series([0.1, 0.2, np.nan, 0.4]))
    assert (e.value.input, e.value.index) == ("y_score", 2)


def test_pandas_bool_series_labels_are_borrowed():
    assert _column_info(pd.Series([True, False, True]), "labels") == "borrowed"


# --- polars --------------------------------------------------------------------------------
def test_polars_series(data):
    y, s, w = data
    expected = _all_results(y, s, w)
    _assert_same_results(_all_results(pl.Series(y), pl.Series(s), pl.Series(w)), expected)
    _assert_same_results(
        _all_results(pl.Series(y.astype(np.int8)), pl.Series(s.astype(np.int64)), pl.Series(w.astype(np.float32))),
        expected,
    )
    assert _column_info(pl.Series(s), "scores") == "borrowed"


def test_polars_multi_chunk_series(data):
    y, s, w = data
    cuts = [0, 7, 100, 101, y.size]
    chunked = [
        pl.concat([pl.Series(a[i:j]) for i, j in zip(cuts, cuts[1:])], rechunk=False) for a in (y, s, w)
    ]
    assert all(c.n_chunks() == 4 for c in chunked)
    _assert_same_results(_all_results(*chunked), _all_results(y, s, w))
    assert _column_info(chunked[1], "scores") == "converted"


def test_polars_null_raises_missing_value_error_with_global_index():
    s = pl.concat([pl.Series([0.1, 0.2]), pl.Series([0.3, None, 0.5])], rechunk=False)
    assert s.n_chunks() == 2
    with pytest.raises(MissingValueError) as e:
        m.roc_auc([0, 1, 0, 1, 0], s)
    assert (e.value.input, e.value.index) == ("y_score", 3)
    with pytest.raises(MissingValueError) as e:
        m.roc_auc(pl.Series([True, None, False]), [0.1, 0.2, 0.3])
    assert (e.value.input, e.value.index) == ("y_true", 1)


# --- pyarrow -------------------------------------------------------------------------------
def test_pyarrow_array_and_chunked_array(data):
    y, s, w = data
    expected = _all_results(y, s, w)
    _assert_same_results(_all_results(pa.array(y), pa.array(s), pa.array(w)), expected)
    cuts = [0, 1, 50, 50, 299, y.size]  # includes an empty chunk
    chunked = [pa.chunked_array([a[i:j] for i, j in zip(cuts, cuts[1:])]) for a in (y, s, w)]
    assert chunked[1].num_chunks == 5
    _assert_same_results(_all_results(*chunked), expected)
    _assert_same_results(_all_results(pa.array(y.astype(np.uint8)), pa.array(s.astype(np.int32)), w), expected)
    assert _column_info(pa.array(s), "scores") == "borrowed"
    assert _column_info(pa.chunked_array([s]), "scores") == "borrowed"
    assert _column_info(chunked[1], "scores") == "converted"


def test_pyarrow_sliced_array_respects_its_offset():
    arr = pa.array([99.0, 0.1, 0.9, 0.2, 0.8, -99.0])[1:5]
    assert_close(m.roc_auc([0, 1, 0, 1], arr), m.roc_auc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]))


@pytest.mark.parametrize("as_labels", [False, True])
def test_pyarrow_null_in_a_later_chunk_names_the_global_index(as_labels):
    if as_labels:
        col = pa.chunked_array([[True, False], [False], [True, None, True]])
        args = (col, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    else:
        col = pa.chunked_array([[0.1, 0.2], [0.3], [0.4, None, 0.6]])
        args = ([0, 1, 0, 1, 0, 1], col)
    with pytest.raises(MissingValueError) as e:
        m.roc_auc(*args)
    assert e.value.index == 4
    assert e.value.input == ("y_true" if as_labels else "y_score")


# --- Python sequences ----------------------------------------------------------------------
def test_python_lists_and_tuples(data):
    y, s, w = data
    expected = _all_results(y, s, w)
    _assert_same_results(_all_results(y.tolist(), s.tolist(), w.tolist()), expected)
    _assert_same_results(_all_results(tuple(y.tolist()), tuple(s.astype(int).tolist()), tuple(w.tolist())), expected)


# --- rejected types -----------------------------------------------------------------------
REJECTED = {
    "2d": np.ones((4, 1)),
    "2d_square": np.ones((4, 4)),
    "0d": np.array(0.5),
    "object": np.array([0.1, 0.2, 0.3, 0.4], dtype=object),
    "str": np.array(["a", "b", "c", "d"]),
    "float16": np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float16),
    "complex": np.array([0.1, 0.2, 0.3, 0.4], dtype=complex),
    "datetime": np.arange(4).astype("datetime64[D]"),
    "dict": {"a": 1},
    "str_scalar": "abcd",
    "float_scalar": 0.5,
    "list_with_none": [0.1, None, 0.3, 0.4],
    "nested_list": [[0.1], [0.2], [0.3], [0.4]],
    "pa_string": pa.array(["a", "b", "c", "d"]),
    "pa_float16": pa.array(np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float16)),
    "pl_string": pl.Series(["a", "b", "c", "d"]),
    "pd_string": pd.Series(["a", "b", "c", "d"]),
    "pd_dataframe": pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4]}),
}


@pytest.mark.parametrize("name", list(REJECTED))
@pytest.mark.parametrize("position", ["y_true", "y_score", "sample_weight"])
def test_unsupported_types_raise_input_type_error(name, position):
    obj = REJECTED[name]
    args = {"y_true": [0, 1, 0, 1], "y_score": [0.1, 0.2, 0.3, 0.4], "sample_weight": [1.0, 1, 1, 1]}
    args[position] = obj
    with pytest.raises(InputTypeError) as e:
        m.roc_auc(args["y_true"], args["y_score"], args["sample_weight"])
    assert isinstance(e.value, TypeError) and isinstance(e.value, MlopsError)
    assert e.value.input == position


# --- known bugs ---------------------------------------------------------------------------
def test_structured_array_field_view_matches_its_copy():
    rec = np.zeros(4, dtype=[("score", "<f8"), ("flag", "u1")])  # 9-byte records
    rec["score"] = [0.1, 0.4, 0.35, 0.8]
    view = rec["score"]
    assert view.strides == (9,)
    y = [0, 0, 1, 1]
    assert_close(m.roc_curve(y, view)[2], m.roc_curve(y, view.copy())[2])


def test_big_endian_float64_is_accepted():
    s = np.array([0.1, 0.4, 0.35, 0.8])
    assert_close(m.roc_auc([0, 0, 1, 1], s.astype(">f8")), m.roc_auc([0, 0, 1, 1], s))


def test_masked_array_entries_are_not_silently_used():
    s = np.ma.masked_array([0.1, 0.4, 0.0, 0.8], mask=[False, False, True, False])
    y = [0, 0, 1, 1]
    try:
        got = m.roc_auc(y, s)
    except MissingValueError:
        return  # reporting the masked entry as missing is a correct answer
    # so is leaving the masked row out; using its hidden value is not
    assert_close(got, m.roc_auc([0, 0, 1], [0.1, 0.4, 0.8]))
