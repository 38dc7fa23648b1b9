"""Reference values of the Poisson-binomial distribution for the Rust tests
(`mlops-core/tests/poisson_binomial.rs`), from oracles independent of the library:

* exact rational arithmetic (``fractions.Fraction``; every float is a dyadic rational, so the
  probabilities are taken exactly) for small and medium ``n``;
* mpmath at 60 significant digits for ``n = 1000``;
* ``scipy.stats.binom`` when every probability is equal.

Each value is rounded once, to the nearest float. Run from the repository root:
``python scripts/poisson_binomial_oracle.py`` (rewrites
``mlops-core/tests/data/poisson_binomial_oracle.json``).
"""

from __future__ import annotations

import json
import pathlib
import random
from fractions import Fraction

import mpmath
import scipy.stats

OUT = pathlib.Path("mlops-core/tests/data/poisson_binomial_oracle.json")
LEVELS = [1e-12, 1e-6, 0.025, 0.05, 0.5, 0.95, 0.975, 1 - 1e-6]


def exact_pmf(p: list[float]) -> list[Fraction]:
    pmf = [Fraction(1)]
    for x in p:
        px = Fraction(x)
        qx = 1 - px
        nxt = [Fraction(0)] * (len(pmf) + 1)
        for k, m in enumerate(pmf):
            nxt[k] += m * qx
            nxt[k + 1] += m * px
        pmf = nxt
    return pmf


def mp_pmf(p: list[float]) -> list[mpmath.mpf]:
    pmf = [mpmath.mpf(1)]
    for x in p:
        px = mpmath.mpf(x)
        qx = 1 - px
        nxt = [mpmath.mpf(0)] * (len(pmf) + 1)
        for k, m in enumerate(pmf):
            nxt[k] += m * qx
            nxt[k + 1] += m * px
        pmf = nxt
    return pmf


def summarise(name: str, p: list[float], pmf: list) -> dict:
    cdf, acc = [], 0
    for m in pmf:
        acc += m
        cdf.append(acc)
    sf, acc = [0] * len(pmf), 0
    for k in range(len(pmf) - 1, -1, -1):
        sf[k] = acc  # P(X > k)
        acc += pmf[k]
    # quantile: smallest k with cdf >= q (exact comparison in the oracle's arithmetic)
    quantiles = []
    for q in LEVELS:
        qq = Fraction(q) if isinstance(pmf[0], Fraction) else mpmath.mpf(q)
        quantiles.append(next(k for k, c in enumerate(cdf) if c >= qq))
    return {
        "name": name,
        "p": p,
        "pmf": [float(m) for m in pmf],
        "cdf": [float(c) for c in cdf],
        "sf": [float(s) for s in sf],
        "levels": LEVELS,
        "quantiles": quantiles,
    }


def main() -> None:
    rng = random.Random(20261207)
    cases = []
    small = [rng.random() for _ in range(15)]
    cases.append(summarise("fractions_n15", small, exact_pmf(small)))
    # Skewed: many small probabilities, a few near 1, exact zeros and ones.
    skew = [rng.random() ** 6 for _ in range(120)] + [1 - rng.random() ** 8 for _ in range(30)]
    skew += [0.0, 1.0, 0.0]
    rng.shuffle(skew)
    cases.append(summarise("fractions_n153_skewed", skew, exact_pmf(skew)))
    medium = [rng.betavariate(0.5, 2.0) for _ in range(300)]
    cases.append(summarise("fractions_n300_beta", medium, exact_pmf(medium)))
    mpmath.mp.dps = 60
    big = [rng.random() for _ in range(1000)]
    cases.append(summarise("mpmath_n1000_uniform", big, mp_pmf(big)))
    binom = []
    for n, prob in [(500, 0.03), (4000, 0.5), (2500, 0.9)]:
        ks = list(range(n + 1))
        binom.append({
            "n": n,
            "p": prob,
            "pmf": [float(v) for v in scipy.stats.binom.pmf(ks, n, prob)],
            "cdf": [float(v) for v in scipy.stats.binom.cdf(ks, n, prob)],
            "sf": [float(v) for v in scipy.stats.binom.sf(ks, n, prob)],
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"cases": cases, "binomial": binom}) + "\n")


if __name__ == "__main__":
    main()
