"""Ctrl-C reaches a long call: a paired bootstrap or a fairness audit's bootstrap that would
run for minutes raises KeyboardInterrupt within about a second of SIGINT, and the process
carries on (a later call works).

The replicates stop at the next replicate; the set-up before them (sorting the scores) is
not interruptible, so the signal is sent once the call is past it: 0.5 s in, or later when
the same call with two replicates (set-up included) took longer than that (a debug build).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")

# Each call would take minutes (far more replicates than rows allow in the time).
CALLS = {
    "paired_bootstrap": """
        from mlops_audit.compare import paired_bootstrap
        def call(k=1_000_000):
            paired_bootstrap(y, a, b, n_resamples=k, seed=1)
        def quick():
            return paired_bootstrap(y[:500], a[:500], b[:500], n_resamples=50, seed=1)
    """,
    "audit_bootstrap": """
        from mlops_audit.fairness import audit
        w = rng.exponential(1.0, n)  # many kinds of rows: each replicate draws every row
        def call(k=1_000_000):
            audit(y, b, g, threshold=0.5, sample_weight=w, bootstrap=k, seed=1)
        def quick():
            return audit(y[:500], b[:500], g[:500], threshold=0.5, bootstrap=20, seed=1)
    """,
}

CHILD = """
import sys, time
import numpy as np
rng = np.random.default_rng(0)
n = 200_000
y = (rng.random(n) < 0.3).astype(np.int64)
a = rng.normal(y * 0.5, 1.0)
b = rng.normal(y * 1.0, 1.0)
g = rng.choice(np.array(["x", "z"]), n)
{call}
quick()  # everything imported and warm before the clock starts
start = time.perf_counter()
call(2)
print(f"ready {{time.perf_counter() - start!r}}", flush=True)
try:
    call()
except KeyboardInterrupt:
    caught = time.time()
    quick()  # the library still works after the interrupt
    print(f"interrupted {{caught!r}}", flush=True)
else:
    print("finished", flush=True)
"""


@pytest.mark.parametrize("name", list(CALLS))
def test_sigint_interrupts_a_long_call_within_a_second(name):
    code = CHILD.format(call=textwrap.dedent(CALLS[name]))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        word, _, setup = line.strip().partition(" ")
        assert word == "ready", (line, child.stderr.read() if child.stderr else "")
        time.sleep(max(0.5, 2 * float(setup)))  # the call is under way, past its set-up
        sent = time.time()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    word, _, stamp = out.strip().partition(" ")
    assert word == "interrupted", out
    latency = float(stamp) - sent
    assert 0.0 <= latency < 1.0, f"KeyboardInterrupt {latency:.3f} s after SIGINT"
