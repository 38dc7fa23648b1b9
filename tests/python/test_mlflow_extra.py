"""The optional MLflow integration seen from the main test environment, which does not
install MLflow: the package imports without it, and ``import mlops_audit.mlflow`` names the
extra to install. (tests/mlflow tests the integration itself, in a virtualenv with MLflow.)"""

from __future__ import annotations

import subprocess
import sys

# Runs in a fresh interpreter: MLflow is made unimportable there if this environment has it.
_CODE = """
import importlib.util, sys
if importlib.util.find_spec("mlflow") is not None:
    sys.modules["mlflow"] = None
import mlops_audit
assert "mlflow" not in mlops_audit.__all__ and not hasattr(mlops_audit, "mlflow")
try:
    import mlops_audit.mlflow
except ImportError as e:
    print(e)
else:
    raise SystemExit("mlops_audit.mlflow imported without MLflow")
"""


def test_without_mlflow_the_package_imports_and_the_mlflow_module_names_the_extra():
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    message = out.stdout.strip()
    assert "pip install 'mlops-audit[mlflow]'" in message and "`mlflow` extra" in message, message
