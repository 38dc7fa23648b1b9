"""pandas columns read without pyarrow, which mlops_audit does not require.

pandas exports a Series through the Arrow PyCapsule interface only with pyarrow installed;
without it the reader falls back to numpy and pandas' own ``isna()`` mask. Each case runs
in a subprocess that blocks ``import pyarrow`` before pandas and mlops_audit are imported,
and its results must equal those of the same call with pyarrow available (this process)
and of the same data as plain Python lists.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from mlops_audit import errors, metrics
from mlops_audit.drift import ReferenceProfile
from mlops_audit.fairness import audit

CASES = textwrap.dedent(
    """
    import json, sys
    sys.modules["pyarrow"] = None  # `import pyarrow` now raises ImportError
    import numpy as np
    import pandas as pd
    from mlops_audit import errors, metrics
    from mlops_audit.drift import ReferenceProfile
    from mlops_audit.fairness import audit

    def data():
        rng = np.random.default_rng(7)
        n = 300
        return (
            rng.integers(0, 2, n),
            rng.random(n),
            [str(v) for v in rng.choice(["a", "b", "c"], n)],
        )

    y, s, keys = data()
    out = {"pyarrow_blocked": True}
    try:
        import pyarrow  # noqa: F401
        out["pyarrow_blocked"] = False
    except ImportError:
        pass
    text = pd.Series(keys)  # pandas 3: the default `str` dtype
    out["dtype"] = str(text.dtype)
    out["audit_series"] = audit(y, s, text, threshold=0.5, min_count=1).to_json()
    out["audit_list"] = audit(y, s, keys, threshold=0.5, min_count=1).to_json()
    out["audit_string_dtype"] = audit(
        y, s, pd.Series(keys, dtype="string"), threshold=0.5, min_count=1
    ).to_json()

    def raised(f):
        try:
            f()
        except errors.MlopsError as e:
            return [type(e).__name__, e.details]
        return None

    with_missing = pd.Series(keys)
    with_missing[7] = None
    out["group_missing"] = raised(lambda: audit(y, s, with_missing, threshold=0.5))
    ints = pd.Series([1, 2, None, 1] * 75, dtype="Int64")
    out["int_group_missing"] = raised(lambda: audit(y, s, ints, threshold=0.5))
    scores = pd.Series(s, dtype="Float64")
    scores[5] = None
    out["score_missing"] = raised(lambda: metrics.roc_auc(y, scores))
    out["auc_float64_dtype"] = metrics.roc_auc(y, pd.Series(s, dtype="Float64"))
    table = pd.DataFrame({"x": s, "c": with_missing, "n": ints})
    profile = ReferenceProfile.from_data(table)
    out["profile_columns"] = profile.columns
    out["profile"] = json.loads(profile.to_json())
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def without_pyarrow() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CASES], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _data():
    rng = np.random.default_rng(7)
    n = 300
    return (
        rng.integers(0, 2, n),
        rng.random(n),
        [str(v) for v in rng.choice(["a", "b", "c"], n)],
    )


def test_pyarrow_is_blocked_in_the_subprocess(without_pyarrow):
    assert without_pyarrow["pyarrow_blocked"]


def test_text_group_column_needs_no_pyarrow(without_pyarrow):
    y, s, keys = _data()
    expected = audit(y, s, keys, threshold=0.5, min_count=1).to_json()
    assert without_pyarrow["audit_series"] == expected
    assert without_pyarrow["audit_list"] == expected
    assert without_pyarrow["audit_string_dtype"] == expected
    # and with pyarrow available, the same Series goes through Arrow to the same result
    assert audit(y, s, pd.Series(keys), threshold=0.5, min_count=1).to_json() == expected


def test_missing_values_are_found_the_same_way_without_pyarrow(without_pyarrow):
    y, s, keys = _data()
    with_missing = pd.Series(keys)
    with_missing[7] = None
    ints = pd.Series([1, 2, None, 1] * 75, dtype="Int64")
    scores = pd.Series(s, dtype="Float64")
    scores[5] = None
    for key, call, index in [
        ("group_missing", lambda: audit(y, s, with_missing, threshold=0.5), 7),
        ("int_group_missing", lambda: audit(y, s, ints, threshold=0.5), 2),
        ("score_missing", lambda: metrics.roc_auc(y, scores), 5),
    ]:
        with pytest.raises(errors.MissingValueError) as e:
            call()
        assert e.value.index == index
        assert without_pyarrow[key] == ["MissingValueError", e.value.details]


def test_nullable_numbers_without_missing_values(without_pyarrow):
    y, s, _ = _data()
    assert without_pyarrow["auc_float64_dtype"] == metrics.roc_auc(y, s)


def test_table_columns_without_pyarrow(without_pyarrow):
    y, s, keys = _data()
    with_missing = pd.Series(keys)
    with_missing[7] = None
    ints = pd.Series([1, 2, None, 1] * 75, dtype="Int64")
    profile = ReferenceProfile.from_data(pd.DataFrame({"x": s, "c": with_missing, "n": ints}))
    assert [list(c) for c in profile.columns] == without_pyarrow["profile_columns"]
    assert json.loads(profile.to_json()) == without_pyarrow["profile"]
