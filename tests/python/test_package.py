"""The package's public surface."""

from __future__ import annotations

import importlib.metadata
import types

import mlops_audit


def test_import_exposes_submodules_and_version():
    for name in ("metrics", "fairness", "drift", "calibration", "compare", "errors"):
        assert isinstance(getattr(mlops_audit, name), types.ModuleType), name
        assert name in mlops_audit.__all__
    assert isinstance(mlops_audit.__version__, str)
    assert mlops_audit.__version__ == importlib.metadata.version("mlops-audit")


def test_every_public_name_exists():
    for mod in (mlops_audit, mlops_audit.metrics, mlops_audit.errors):
        for name in mod.__all__:
            assert hasattr(mod, name), f"{mod.__name__}.{name}"
    assert callable(mlops_audit.metrics.roc_auc)
