"""``python -m mlops_audit``: the ``mlops-audit`` command line from the wheel.

The same code as the ``mlops-audit`` binary (the Rust ``mlops_audit::cli``), so a CI step
behaves alike whichever is installed; ``python -m mlops_audit --help`` lists the commands.
"""

import sys as _sys

from mlops_audit._mlops_audit import _cli_main as _run

__all__: list[str] = []


def _main() -> int:
    # Rust writes to the process's file descriptors: flush what Python holds first.
    _sys.stdout.flush()
    _sys.stderr.flush()
    return _run(_sys.argv[1:])


if __name__ == "__main__":
    _sys.exit(_main())
