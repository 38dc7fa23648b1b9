"""The package's public surface."""

from __future__ import annotations

import importlib.metadata
import types

import pytest

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


# Modules allowed to leak names they import (none); strict: a fixed one fails as an XPASS.
_LEAKY_FOR_NOW: set[str] = set()


def _package_and_submodules():
    mods = [mlops_audit] + [getattr(mlops_audit, name) for name in mlops_audit.__all__
                            if isinstance(getattr(mlops_audit, name), types.ModuleType)]
    return [
        pytest.param(mod, id=mod.__name__, marks=pytest.mark.xfail(
            strict=True, reason="rewritten on another branch; still leaks its imports"))
        if mod.__name__ in _LEAKY_FOR_NOW else pytest.param(mod, id=mod.__name__)
        for mod in mods
    ]


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


@pytest.mark.parametrize("mod", _package_and_submodules())
def test_module_exports_exactly_its_all(mod):
    """A module's public names are its ``__all__``: no helper import (``np``, ``json``,
    ``Any``, the ``annotations`` feature, ...) shows in ``dir()``, tab completion or
    ``help()``, and every name ``__all__`` promises exists."""
    assert len(mod.__all__) == len(set(mod.__all__)), mod.__all__
    for name in mod.__all__:
        # Also creates names a module builds on first access (fairness.ThresholdOptimizer).
        assert hasattr(mod, name), f"{mod.__name__}.{name}"
    public = {name for name in dir(mod) if not name.startswith("_")}
    exported = {name for name in mod.__all__ if not _is_dunder(name)}
    assert sorted(public - exported) == [], f"{mod.__name__} leaks these names"
    assert sorted(exported - public) == [], f"{mod.__name__} misses these names"
