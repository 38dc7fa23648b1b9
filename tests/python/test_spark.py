"""mlops_audit.spark on local[2]: every Spark result against the in-memory function on the
same rows (bit for bit for the score summaries; the drift tests to 1e-12), over several
partitionings: round robin, skewed with empty partitions, one group in one partition only,
and nulls.

One SparkSession for the module. Without Java or pyspark the tests skip, unless
MLOPS_REQUIRE_SPARK is set (scripts/test-all.sh sets it after installing a JRE), when they
fail.
"""

from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pytest

from mlops_audit import drift, errors, fairness

_REQUIRED = bool(os.environ.get("MLOPS_REQUIRE_SPARK"))


def _unavailable(reason: str):
    if _REQUIRED:
        pytest.fail(f"Spark tests required (MLOPS_REQUIRE_SPARK) but {reason}")
    pytest.skip(reason, allow_module_level=True)


try:
    import pyspark  # noqa: F401
except ImportError:
    _unavailable("pyspark is not installed")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    _unavailable("no Java runtime (java) found")

from mlops_audit import spark as mspark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    # The executors must import mlops_audit: run them on this interpreter. A host name that
    # resolves to a non-loopback address must not be used for local[2].
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("mlops_audit tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "97")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _data(n=1500, seed=3):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.4, 0.1]).astype(object)
    region = rng.integers(0, 3, size=n)
    y = rng.integers(0, 2, size=n)
    # Rounded scores: many ties, so block weights are sums of several rows.
    score = np.round(np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1), 2)
    weight = rng.choice([0.1, 0.2, 0.3, 1.0, 2.5, 0.0], size=n)
    return {"y": y, "score": score, "group": group, "region": region, "w": weight}


def _frame(spark, d, how):
    import pandas as pd
    from pyspark.sql import functions as F

    pdf = pd.DataFrame({k: v for k, v in d.items()})
    pdf["group"] = pdf["group"].astype(object)
    df = spark.createDataFrame(pdf)
    if how == "round_robin":
        return df.repartition(5)
    if how == "skewed":
        # Nearly everything in one partition, a few rows in another, the rest empty.
        key = F.when(F.col("score") < 0.9, F.lit(0)).otherwise(F.lit(1))
        return df.repartitionByRange(6, key)
    if how == "group_alone":
        # Group "c" lives in one partition only (partitioned by group).
        return df.repartition(3, "group")
    return df.coalesce(1)


PARTITIONINGS = ["round_robin", "skewed", "group_alone"]


@pytest.mark.parametrize("how", PARTITIONINGS)
def test_audit_and_search_equal_in_memory(spark, how):
    d = _data()
    df = _frame(spark, d, how).cache()
    groups = {"group": d["group"], "region": d["region"]}
    expected = fairness.audit(d["y"], d["score"], groups, threshold=0.5, sample_weight=d["w"])
    got = mspark.audit(df, label="y", score="score", groups=["group", "region"],
                       threshold=0.5, weight="w")
    assert got.to_json() == expected.to_json()

    policy = fairness.equal_opportunity(d["y"], d["score"], {"group": d["group"]},
                                        tolerance=0.02)
    got_policy = mspark.equal_opportunity(df, label="y", score="score", groups=["group"],
                                          tolerance=0.02)
    assert got_policy.to_json() == policy.to_json()
    if how == "round_robin":
        randomized = fairness.equal_opportunity(
            d["y"], d["score"], {"group": d["group"]}, sample_weight=d["w"], tolerance=0.0,
            randomized=True)
        got_r = mspark.equal_opportunity(df, label="y", score="score", groups=["group"],
                                         weight="w", tolerance=0.0, randomized=True)
        assert got_r.to_json() == randomized.to_json()
        # Auditing the fitted policy: per-group thresholds.
        a = fairness.audit(d["y"], d["score"], {"group": d["group"]}, thresholds=policy)
        b = mspark.audit(df, label="y", score="score", groups=["group"], policy=policy)
        assert b.to_json() == a.to_json()
    df.unpersist()


def test_nulls(spark):
    import pandas as pd

    d = _data(n=300, seed=5)
    pdf = pd.DataFrame(d)
    pdf["group"] = pdf["group"].astype(object)
    # A null group is refused, as in memory (MissingValueError naming the column).
    pdf.loc[[3, 50], "group"] = None
    df = spark.createDataFrame(pdf).repartition(3)
    with pytest.raises(errors.MissingValueError) as in_memory:
        fairness.audit(d["y"], d["score"], {"group": pdf["group"].to_numpy()}, threshold=0.5)
    with pytest.raises(errors.MissingValueError) as on_spark:
        mspark.audit(df, label="y", score="score", groups=["group"], threshold=0.5)
    assert on_spark.value.input == in_memory.value.input == "group"
    # A null score is an error raised on the driver, of the type the in-memory path raises.
    pdf2 = pd.DataFrame(d)
    pdf2["score"] = pdf2["score"].astype(object)
    pdf2.loc[7, "score"] = None
    df2 = spark.createDataFrame(pdf2, schema="y long, score double, group string, "
                                             "region long, w double").repartition(2)
    with pytest.raises(errors.MissingValueError):
        mspark.audit(df2, label="y", score="score", groups=["group"], threshold=0.5)
    with pytest.raises(errors.ParameterError, match="no column"):
        mspark.audit(df2, label="y", score="nope", groups=["group"], threshold=0.5)
    with pytest.raises(errors.EmptyInputError):
        mspark.audit(df2.limit(0), label="y", score="score", groups=["group"], threshold=0.5)


def test_profile_and_drift_report(spark):
    import pandas as pd

    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"x": rng.normal(size=600),
                        "c": rng.choice(["u", "v", "w"], size=600).astype(object)})
    cur = pd.DataFrame({"x": rng.normal(0.2, size=500),
                        "c": rng.choice(["u", "v"], size=500).astype(object)})
    sref = spark.createDataFrame(ref).repartition(4)
    scur = spark.createDataFrame(cur).repartition(3)
    profile = mspark.profile(sref, sample_cap=None)
    expected_profile = drift.ReferenceProfile.from_data(ref, sample_cap=None)
    assert profile.rows == expected_profile.rows == 600
    got = mspark.drift_report(profile, scur).to_dict()
    expected = drift.drift_report(ref, cur).to_dict()
    assert got["status"] == expected["status"]
    assert got["window"]["rows"] == 500
    ga = {f["name"]: f for f in got["features"]}
    gb = {f["name"]: f for f in expected["features"]}
    assert ga.keys() == gb.keys()
    for k in ga:
        _same_test(ga[k], gb[k])


def _same_test(a, b):
    for key in ("test", "drifted", "approximate", "reference_count", "current_count",
                "unseen_categories"):
        assert a[key] == b[key], key
    for key in ("statistic", "pvalue", "pvalue_corrected"):
        assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-15), key
