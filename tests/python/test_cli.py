"""``python -m mlops_audit``: the command line from the wheel (the same Rust code as the
``mlops-audit`` binary). Its JSON must equal what the library's Python functions return on
the same data, written by pandas/pyarrow as Parquet, CSV and Feather; exit status 0 pass,
1 failed check, 2 bad input with one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from mlops_audit import datasets, fairness


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlops_audit", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return datasets.simulate_lending(3000, seed=7)


def _write(df: pd.DataFrame, path, fmt: str) -> None:
    if fmt == "parquet":
        df.to_parquet(path)  # pyarrow, Snappy by default
    elif fmt == "csv":
        df.to_csv(path, index=False)
    else:
        feather.write_feather(df, path)  # an Arrow IPC file, LZ4 by default


COLS = ("--label", "default", "--score", "challenger_score", "--group", "ethnicity")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "feather"])
def test_audit_json_equals_the_library(loans, tmp_path, fmt):
    path = tmp_path / f"loans.{fmt}"
    _write(loans, path, fmt)
    r = _cli("audit", path, *COLS, "--threshold", "0.2", "--bootstrap", "100", "--seed", "4",
             "--json")
    expected = fairness.audit(loans["default"], loans["challenger_score"], loans["ethnicity"],
                              threshold=0.2, bootstrap=100, seed=4)
    assert r.returncode == (0 if expected.passed else 1), r.stderr
    assert json.loads(r.stdout) == expected.to_dict()
    assert r.stderr == ""


def test_fit_and_apply_equal_the_library(loans, tmp_path):
    path = tmp_path / "loans.parquet"
    _write(loans, path, "parquet")
    policy_path = tmp_path / "policy.json"
    r = _cli("fit", path, *COLS, "--tolerance", "0.02", "--out", policy_path, "--json")
    assert r.returncode == 0, r.stderr
    policy = fairness.equal_opportunity(loans["default"], loans["challenger_score"],
                                        loans["ethnicity"], tolerance=0.02)
    assert json.loads(r.stdout) == policy.to_dict()
    r = _cli("apply", path, "--policy", policy_path, "--score", "challenger_score",
             "--group", "ethnicity", "--json")
    assert r.returncode == 0, r.stderr
    flags = policy.predict(loans["challenger_score"], loans["ethnicity"])
    assert json.loads(r.stdout) == flags.tolist()


def test_gate_exit_status(loans, tmp_path):
    path = tmp_path / "loans.parquet"
    _write(loans, path, "parquet")
    lenient, strict = tmp_path / "lenient.toml", tmp_path / "strict.toml"
    lenient.write_text("min_auc = 0.5\n")
    strict.write_text("min_auc = 0.99\n")
    assert _cli("gate", "--requirements", lenient, path, *COLS).returncode == 0
    r = _cli("gate", "--requirements", strict, path, *COLS)
    assert r.returncode == 1
    assert "[FAIL] min_auc" in r.stdout


def test_bad_input_exits_2_with_one_line(loans, tmp_path):
    path = tmp_path / "loans.csv"
    _write(loans.head(50), path, "csv")
    cases = [
        (("audit", tmp_path / "missing.csv", *COLS), "missing.csv"),
        (("audit", path, "--label", "nope", "--score", "challenger_score", "--group",
          "ethnicity"), "`nope`"),
        (("audit", path, *COLS, "--bogus"), "--bogus"),
    ]
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    cases.append((("audit", empty, *COLS), "empty"))
    # A table with a text score: the bad cell is named.
    bad = tmp_path / "bad.feather"
    feather.write_feather(pa.table({"default": [0, 1], "challenger_score": ["0.1", "x"],
                                    "ethnicity": ["A", "B"]}), bad)
    cases.append((("audit", bad, *COLS), '"x"'))
    for args, culprit in cases:
        r = _cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.splitlines()) == 1, r.stderr
        assert culprit in r.stderr, (culprit, r.stderr)
