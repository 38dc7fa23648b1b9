"""The harness: what a workload is, how it is timed, and how answers are checked.

A :class:`Workload` generates seeded data at a size, runs mlops_audit on it, and names its
peers: other ways of getting the same answer (a library, or plain numpy). For every size,
each side runs once untimed (the warm-up, whose answers are then checked against each
other: a timing of different answers is worthless), then a few timed runs whose median is
reported. Only ratios measured in the same run mean anything.
"""

from __future__ import annotations

import numpy as np

import gc
import importlib.util
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class External:
    """What a peer run in another process (another virtualenv) reports: its own median
    time, and its answer for the check."""

    seconds: float
    answer: Any


@dataclass
class Peer:
    """Another way of computing the same answer."""

    name: str
    run: Callable[[Any], Any]
    # check(data, ours, theirs) raises AssertionError when the answers disagree.
    check: Callable[[Any, Any, Any], None]
    # The speed-up over this peer (its time / ours) the project aims for, if any.
    target: float | None = None
    # Above this size the peer is skipped, for the reason given.
    max_n: int | None = None
    skip_reason: str = ""
    # Modules the peer needs; when one is missing the peer is skipped (and said so).
    needs: Sequence[str] = ()
    # The peer times itself in another process and returns an External.
    external: bool = False
    # Returns None when the peer can run, or why it cannot.
    unavailable: Callable[[], str | None] | None = None

    def why_not(self, n: int) -> str | None:
        for module in self.needs:
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed"
        if self.unavailable is not None:
            reason = self.unavailable()
            if reason:
                return reason
        if self.max_n is not None and n > self.max_n:
            return self.skip_reason or f"skipped above {self.max_n:.0e} rows"
        return None


@dataclass
class Workload:
    """One task, timed for mlops_audit and its peers at several sizes."""

    key: str
    title: str
    size: Callable[[int], str]  # "1e6 rows, 4 groups"
    generate: Callable[[int], Any]
    ours: Callable[[Any], Any]
    peers: list[Peer]
    # The scores the task must sort, if it must: the lower bounds are bare sorts of them,
    # in mlops_audit's language (Rust's sort_unstable_by, GIL released) and in numpy's
    # (np.sort, a SIMD sort).
    sort_input: Callable[[Any], Any] | None = None
    # The most mlops_audit may cost, as a multiple of the Rust sort, if a target.
    bound_target: float | None = None
    sizes: Sequence[int] = (10**4, 10**5, 10**6, 10**7)
    # The smallest sizes that make sense (e.g. enough rows per group).
    min_n: int = 1_000


@dataclass
class Measurement:
    """One workload at one size: our time, the lower bound's, and each peer's."""

    workload: Workload
    n: int
    ours: float
    bound: float | None = None  # np.sort
    rust_bound: float | None = None  # Rust's sort_unstable_by
    peers: dict[str, float | None] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def timed(f: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = f()
    return time.perf_counter() - start, out


def median_time(f: Callable[[], Any], warm: float, repeats: int, budget: float) -> float:
    """The median of up to ``repeats`` timed runs after a warm-up that took ``warm``
    seconds; slow functions get fewer runs, so a measurement costs about ``budget``
    seconds, and one slower than ``budget`` is not run again."""
    if warm >= budget:  # one run is the measurement: a few cold pages don't matter here
        return warm
    runs = max(1, min(repeats, int(budget / max(warm, 1e-9))))
    return statistics.median(timed(f)[0] for _ in range(runs))


def measure(workload: Workload, n: int, *, repeats: int = 5, budget: float = 6.0,
            log: Callable[[str], None] = print) -> Measurement:
    """Runs, checks and times ``workload`` at ``n`` rows."""
    data = workload.generate(n)
    warm, ours = timed(lambda: workload.ours(data))
    m = Measurement(workload, n, ours=0.0)
    answers: dict[str, Any] = {}
    warm_peer: dict[str, float] = {}
    for peer in workload.peers:
        reason = peer.why_not(n)
        if reason:
            m.skipped[peer.name] = reason
            continue
        t, theirs = timed(lambda peer=peer: peer.run(data))
        if peer.external:
            t, theirs = theirs.seconds, theirs.answer
        peer.check(data, ours, theirs)
        answers[peer.name], warm_peer[peer.name] = theirs, t
    m.ours = median_time(lambda: workload.ours(data), warm, repeats, budget)
    if workload.sort_input is not None:
        from mlops_audit._mlops_audit import _sort_lower_bound

        scores = np.ascontiguousarray(workload.sort_input(data), dtype=np.float64)
        for attr, sort in (("bound", np.sort), ("rust_bound", _sort_lower_bound)):
            t, _ = timed(lambda sort=sort: sort(scores))
            setattr(m, attr, median_time(lambda sort=sort: sort(scores), t, repeats, budget))
    for peer in workload.peers:
        if peer.name not in answers:
            continue
        if peer.external:
            m.peers[peer.name] = warm_peer[peer.name]
        else:
            m.peers[peer.name] = median_time(lambda peer=peer: peer.run(data),
                                             warm_peer[peer.name], repeats, budget)
    parts = [f"ours {m.ours * 1e3:,.1f} ms"]
    if m.bound is not None and m.rust_bound is not None:
        parts.append(f"Rust sort {m.rust_bound * 1e3:,.1f} ms, np.sort {m.bound * 1e3:,.1f} ms")
    for name, t in m.peers.items():
        parts.append(f"{name} {t * 1e3:,.1f} ms ({t / m.ours:,.1f}x)")
    for name, reason in m.skipped.items():
        parts.append(f"{name} skipped: {reason}")
    log(f"  {workload.key} n={n:.0e}: " + "; ".join(parts) + " [answers agree]")
    return m
