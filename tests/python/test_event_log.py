"""The prediction event log opens directly in pyarrow and polars (no mlops_audit needed).

The fixture is written by the Rust writer (mlops-drift/tests/events.rs,
`the_python_fixture_is_what_the_writer_writes`, which also checks it is current): events
0..11 in batches of 5. The expected values are recomputed here from the same rules.
"""

from __future__ import annotations

import pathlib

import pyarrow as pa
import pyarrow.ipc
import polars as pl

FIXTURE = (
    pathlib.Path(__file__).resolve().parents[2]
    / "mlops-drift"
    / "tests"
    / "fixtures"
    / "events-000000000000.arrows"
)


def expected(i: int) -> dict:
    return {
        "time_us": 1_700_000_000_000_000 + i * 1_000,
        "model_version": f"v{i % 2}",
        "request_id": f"req-{i:06d}",
        "income": None if i % 7 == 3 else 20_000.0 + (i % 97) * 731.5,
        "housing": None if i % 11 == 5 else ["rent", "own", "free"][i % 3],
        "score": (i % 100) / 100.0,
        "decision": i % 100 >= 70,
        "group": None if i % 5 == 0 else ["A", "B"][i % 2],
        "explanation": f'{{"income": {i % 13}}}' if i % 4 == 0 else None,
    }


def test_pyarrow_reads_the_stream_batches_and_values() -> None:
    with pa.ipc.open_stream(FIXTURE) as reader:
        assert reader.schema.metadata[b"mlops_audit.event_log"] == b"1"
        batches = list(reader)
    assert [b.num_rows for b in batches] == [5, 5, 2]
    table = pa.Table.from_batches(batches)
    assert table.schema.field("time").type == pa.timestamp("us", tz="UTC")
    features = table.column("features").combine_chunks()
    rows = table.to_pylist()
    for i, row in enumerate(rows):
        e = expected(i)
        assert row["request_id"] == e["request_id"]
        assert row["model_version"] == e["model_version"]
        assert row["score"] == e["score"]
        assert row["decision"] == e["decision"]
        assert row["group"] == e["group"]
        assert row["explanation"] == e["explanation"]
        assert row["features"] == {"income": e["income"], "housing": e["housing"]}
    times = table.column("time").cast(pa.int64()).to_pylist()
    assert times == [expected(i)["time_us"] for i in range(12)]
    assert features.type.num_fields == 2


def test_polars_reads_the_stream_and_unnests_the_features() -> None:
    df = pl.read_ipc_stream(FIXTURE).unnest("features")
    assert df.height == 12
    assert df["income"].to_list() == [expected(i)["income"] for i in range(12)]
    assert df["housing"].to_list() == [expected(i)["housing"] for i in range(12)]
    assert df["decision"].to_list() == [expected(i)["decision"] for i in range(12)]
