#!/usr/bin/env bash
# The side-by-side performance suite (benches/compare/run.py) from a fresh clone:
#   - .venv-bench: the peers pinned in benches/compare/requirements.txt and the package
#     built by `pip install .` (maturin's release profile, as a user would get it);
#   - .venv-evidently: Evidently, which needs pandas < 3, in a virtualenv of its own (its
#     benchmark rows say why when it cannot be installed or run);
#   - then the suite: answers checked, timings, benches/RESULTS.md and the README table.
# Arguments go to run.py: --quick (small sizes, a smoke test), --sizes 1e5 1e6, --only KEY...
# Set SKIP_EVIDENTLY=1 to leave Evidently out.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_VENV=${BENCH_VENV:-.venv-bench}
EVIDENTLY_VENV=${EVIDENTLY_VENV:-.venv-evidently}
step() { printf '\n==> %s\n' "$*"; }

step "peers in $BENCH_VENV"
if [ ! -x "$BENCH_VENV/bin/python" ]; then
    python3 -m venv "$BENCH_VENV"
fi
PY="$(cd "$BENCH_VENV" && pwd)/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -r benches/compare/requirements.txt

step "pip install . (release wheel)"
"$PY" -m pip install --quiet --force-reinstall --no-deps .

if [ "${SKIP_EVIDENTLY:-0}" != "1" ]; then
    step "Evidently in $EVIDENTLY_VENV"
    if [ ! -x "$EVIDENTLY_VENV/bin/python" ]; then
        python3 -m venv "$EVIDENTLY_VENV"
    fi
    if "$EVIDENTLY_VENV/bin/python" -m pip install --quiet -r benches/compare/requirements-evidently.txt \
        > "$EVIDENTLY_VENV/install.log" 2>&1; then
        export EVIDENTLY_PYTHON="$(cd "$EVIDENTLY_VENV" && pwd)/bin/python"
    else
        # The suite then reports Evidently as not run, with the reason.
        echo "Evidently did not install; see $EVIDENTLY_VENV/install.log" >&2
        tail -n 3 "$EVIDENTLY_VENV/install.log" >&2
    fi
fi

step "the suite"
"$PY" benches/compare/run.py "$@"
