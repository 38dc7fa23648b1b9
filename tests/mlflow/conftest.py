"""A real MLflow tracking store: one SQLite database in a temporary directory for the session
(creating its tables takes seconds), a new experiment per test with its artifacts in the
test's temporary directory; never the user's ./mlruns. These tests run in a virtualenv of their own
(scripts/test-all.sh: .venv-mlflow with tests/mlflow/requirements.txt)."""

from __future__ import annotations

import os
import uuid

# No usage reports from test runs (MLflow 3 sends them by default).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow  # noqa: E402
import pytest  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

from mlops_audit import datasets  # noqa: E402


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture
def tracking(tracking_uri, tmp_path, monkeypatch, request):
    """The tracking store with a new, empty experiment active; yields its client."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    mlflow.set_tracking_uri(tracking_uri)
    experiment = mlflow.create_experiment(
        f"{request.node.name}-{uuid.uuid4().hex}",
        artifact_location=(tmp_path / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield MlflowClient(tracking_uri)
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture(scope="session")
def loans():
    """Simulated loans: a training half and a held-out half."""
    frame = datasets.simulate_lending(6000, seed=11)
    return frame.iloc[:3000].reset_index(drop=True), frame.iloc[3000:].reset_index(drop=True)
