"""The type stubs (_mlops_audit.pyi) agree with the compiled module, checked by mypy's
stubtest against the installed extension."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_stubs_match_the_compiled_module(tmp_path):
    # Run outside the repository so mypy's cache does not land in it.
    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path / ".mypy_cache")}
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "mlops_audit._mlops_audit"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    print(out.stdout)
    print(out.stderr, file=sys.stderr)
    assert out.returncode == 0, out.stdout + out.stderr


def _accepts(annotation: str, value: object) -> bool:
    """Whether ``value`` has the stub type ``annotation`` (``float``, ``int | None``,
    ``list[Any]``, ...)."""
    kinds = {"Any": object, "float": float, "int": int, "bool": bool, "str": str,
             "list": list, "dict": dict}
    for part in annotation.split("|"):
        part = part.strip()
        if part == "None":
            if value is None:
                return True
            continue
        kind = kinds[part.split("[")[0]]
        if kind is int and isinstance(value, bool):
            continue
        if isinstance(value, kind):
            return True
    return False


def test_result_stub_lists_every_result_type_and_field():
    """``results.pyi`` names every result class of the library and, for each, exactly the
    fields a real result has, in order, with types its values have: a field added to or
    removed from a Rust result fails here until the stub is regenerated
    (``python scripts/gen_result_stubs.py``)."""
    import ast
    import pathlib

    import mlops_audit
    from mlops_audit._mlops_audit import _result_types
    from mlops_audit.results import _ALIASES
    from result_cases import CASES

    stub = pathlib.Path(mlops_audit.__file__).with_name("results.pyi")
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    classes = {
        node.name: [(a.target.id, ast.unparse(a.annotation)) for a in node.body
                    if isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name)]
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name != "Result"
    }
    assert sorted(classes) == sorted(_result_types())
    for name, fields in classes.items():
        r = CASES[name]()
        aliases = _ALIASES.get(name, {})
        assert [f for f, _ in fields] == list(r.keys()) + list(aliases), name
        for field, annotation in fields:
            value = r[aliases.get(field, field)]
            assert _accepts(annotation, value), (name, field, annotation, value)
