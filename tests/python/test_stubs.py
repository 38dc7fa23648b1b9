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
