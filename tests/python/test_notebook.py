"""The example notebook runs headlessly, top to bottom, without a cell error, so it cannot
rot; it is committed without outputs."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "notebooks" / "loan_audit.ipynb"


def test_notebook_is_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_loan_audit_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=240, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    # A cell error raises CellExecutionError, failing the test with the traceback.
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs
            if o.output_type in ("execute_result", "display_data") and "text/html" in o.get("data", {})]
    # The audits, the policy, the gate and the report rendered themselves.
    assert any("Deployment gate" in h for h in html)
    assert any("Rates by group" in h for h in html)
    assert sum("<svg" in h for h in html) >= 1  # the report, with its charts inline
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # ROC + frontier, FPR bars, reliability, bootstrap replicates
