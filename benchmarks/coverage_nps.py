"""Exact coverage of the NPS confidence intervals of :mod:`kirc.intervals`.

For a sample of ``n`` respondents with true shares of promoters ``p_P`` and detractors
``p_D`` (passives ``1 - p_P - p_D``), the numbers of promoters and detractors ``(b, c)``
follow a trinomial distribution. The coverage of an interval method is

    P(low(b, c) <= p_P - p_D <= high(b, c)) = sum over all b + c <= n of pmf(b, c) * covers(b, c)

which is computed exactly: the intervals of all (n+1)(n+2)/2 outcomes are computed once per
``n`` (vectorised), and dotted with the trinomial pmf of each true parameter point. Intervals
are closed, so a zero-width Wald interval [0, 0] (a sample of passives only) counts as
covering a true NPS of exactly 0; this flatters Wald on the grid points with p_P = p_D.

Parameter grid (:data:`DEFAULT_GRID`): p_P and p_D each in {0.05, 0.10, 0.20, 0.35, 0.50,
0.65, 0.80} with p_P + p_D <= 0.95 (at least 5 % passives): 34 points, from NPS -0.75 to
+0.75, including the extreme ones (5 % / 80 %).

The bootstrap interval is itself a seeded Monte Carlo procedure: its "exact" coverage is that
of the procedure with the fixed default seed, enumerated over all outcomes in the same way.
It costs 2000 resamples per outcome (about 35 s for the 45,451 outcomes of n = 300, most of
the run time); :data:`BOOTSTRAP_NS` says at which n it is enumerated (all four by default)
and the other n are reported as skipped.

Criterion for the default method (``kirc.intervals.DEFAULT_NPS_METHOD``): mean coverage over
the grid within 94.5-95.8 % for every n, and no grid point below 93.5 %, from n = 20 up.

Run as ``python benchmarks/coverage_nps.py`` (from a fresh clone; no install needed; about a
minute on one core). ``python benchmarks/coverage_nps.py --dense`` instead scans every n from
20 to 100 (and 120-500) for the score and adjusted-Wald methods, to check that the criterion
does not hold only at the four tabulated n.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kirc.intervals import DEFAULT_NPS_METHOD, NPS_METHODS, nps_interval  # noqa: E402

SHARES = (0.05, 0.10, 0.20, 0.35, 0.50, 0.65, 0.80)
MIN_PASSIVES = 0.05

#: (p_promoter, p_detractor) pairs of the study.
DEFAULT_GRID = tuple(
    (p, d) for p in SHARES for d in SHARES if p + d <= 1.0 - MIN_PASSIVES + 1e-12
)
DEFAULT_NS = (20, 50, 100, 300)
#: Sample sizes at which the (expensive) bootstrap coverage is enumerated.
BOOTSTRAP_NS = DEFAULT_NS
CONFIDENCE = 0.95

#: The acceptance criterion for the default method, in percent.
MEAN_RANGE = (94.5, 95.8)
MINIMUM = 93.5


def outcomes(n):
    """All (promoters, detractors) with promoters + detractors <= n, as two int arrays."""
    b, c = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = b + c <= n
    return b[keep], c[keep]


def trinomial_pmf(n, promoters, detractors, p_promoter, p_detractor):
    """pmf of every outcome (rows) under every parameter point (columns)."""
    passives = n - promoters - detractors
    p_promoter = np.asarray(p_promoter, dtype=float)[None, :]
    p_detractor = np.asarray(p_detractor, dtype=float)[None, :]
    log_coefficient = (gammaln(n + 1) - gammaln(promoters + 1) - gammaln(detractors + 1)
                       - gammaln(passives + 1))[:, None]
    log_pmf = (log_coefficient + promoters[:, None] * np.log(p_promoter)
               + detractors[:, None] * np.log(p_detractor)
               + passives[:, None] * np.log1p(-p_promoter - p_detractor))
    return np.exp(log_pmf)


def coverage_table(methods=NPS_METHODS, ns=DEFAULT_NS, grid=DEFAULT_GRID, *,
                   confidence=CONFIDENCE, bootstrap_ns=BOOTSTRAP_NS):
    """Exact coverage of each NPS method at each n and true (promoter, detractor) share.

    Parameters
    ----------
    methods : sequence of str
        Methods of :func:`kirc.intervals.nps_interval`.
    ns : sequence of int
        Sample sizes.
    grid : sequence of (float, float)
        True (promoter share, detractor share) points.
    confidence : float
        Nominal confidence level.
    bootstrap_ns : sequence of int
        The n at which ``"bootstrap"`` is enumerated; it is left out at other n.

    Returns
    -------
    pandas.DataFrame
        One row per method, n and grid point: ``method``, ``n``, ``p_promoter``,
        ``p_detractor``, ``nps`` (true value) and ``coverage`` (probability, 0-1).
    """
    p_promoter = np.array([point[0] for point in grid], dtype=float)
    p_detractor = np.array([point[1] for point in grid], dtype=float)
    true_nps = p_promoter - p_detractor
    frames = []
    for n in ns:
        promoters, detractors = outcomes(n)
        pmf = trinomial_pmf(n, promoters, detractors, p_promoter, p_detractor)
        for method in methods:
            if method == "bootstrap" and n not in bootstrap_ns:
                continue
            low, high = nps_interval(promoters, n - promoters - detractors, detractors,
                                     method=method, confidence=confidence)
            covers = (low[:, None] <= true_nps[None, :]) & (true_nps[None, :] <= high[:, None])
            frames.append(pd.DataFrame({
                "method": method, "n": n, "p_promoter": p_promoter,
                "p_detractor": p_detractor, "nps": true_nps,
                "coverage": (pmf * covers).sum(axis=0),
            }))
    return pd.concat(frames, ignore_index=True)


def summarise(table):
    """Mean and minimum coverage (in %) per method and n, from :func:`coverage_table`."""
    percent = table.assign(coverage=table["coverage"] * 100.0)
    return (percent.groupby(["method", "n"], sort=False)["coverage"]
            .agg(mean="mean", min="min").reset_index())


def meets_criterion(table, method=DEFAULT_NPS_METHOD):
    """Whether ``method`` meets the criterion at every n in ``table`` (and a reason)."""
    rows = summarise(table[table["method"] == method])
    if rows.empty:
        return False, f"no coverage computed for {method!r}"
    failures = []
    for row in rows.itertuples():
        if not MEAN_RANGE[0] <= row.mean <= MEAN_RANGE[1]:
            failures.append(f"n={row.n}: mean {row.mean:.2f}% outside {MEAN_RANGE}")
        if row.min < MINIMUM:
            failures.append(f"n={row.n}: minimum {row.min:.2f}% below {MINIMUM}%")
    return not failures, "; ".join(failures) or "all n within the criterion"


DENSE_NS = tuple(range(20, 101)) + (120, 150, 200, 250, 300, 400, 500)


def dense_scan():
    """Criterion check of the closed-form methods at every n of :data:`DENSE_NS`."""
    started = time.perf_counter()
    table = coverage_table(methods=("score", "adjusted-wald"), ns=DENSE_NS, bootstrap_ns=())
    summary = summarise(table)
    for method in ("score", "adjusted-wald"):
        rows = summary[summary["method"] == method]
        worst = rows.loc[rows["min"].idxmin()]
        ok, reason = meets_criterion(table, method)
        print(f"{method}: mean coverage {rows['mean'].min():.2f}-{rows['mean'].max():.2f}%, "
              f"lowest point {worst['min']:.2f}% (n={worst['n']}); "
              f"{'PASS' if ok else 'FAIL'} ({reason})")
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--dense" in argv:
        return dense_scan()
    started = time.perf_counter()
    print(f"Exact coverage of nominal {CONFIDENCE:.0%} NPS intervals over {len(DEFAULT_GRID)} "
          f"true (promoter, detractor) shares {SHARES} with at least {MIN_PASSIVES:.0%} "
          "passives.\n")
    table = coverage_table()
    summary = summarise(table)
    for method in NPS_METHODS:
        rows = summary[summary["method"] == method]
        label = " (default)" if method == DEFAULT_NPS_METHOD else ""
        print(f"{method}{label}")
        print(f"{'n':>6} {'mean %':>8} {'min %':>8}")
        for row in rows.itertuples():
            print(f"{row.n:>6} {row.mean:>8.2f} {row.min:>8.2f}")
        points = table[table["method"] == method]["coverage"] * 100
        print(f"{'all':>6} {points.mean():>8.2f} {points.min():>8.2f}")
        if method == "bootstrap":
            skipped = [n for n in DEFAULT_NS if n not in BOOTSTRAP_NS]
            if skipped:
                print(f"  bootstrap not enumerated at n = {skipped}: 2000 resamples per "
                      "outcome would exceed the time budget")
        worst = table[table["method"] == method].nsmallest(1, "coverage").iloc[0]
        print(f"  worst point: n={worst.n}, p_P={worst.p_promoter}, p_D={worst.p_detractor}: "
              f"{worst.coverage * 100:.2f}%\n")
    ok, reason = meets_criterion(table)
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: default method {DEFAULT_NPS_METHOD!r} against mean "
          f"{MEAN_RANGE[0]}-{MEAN_RANGE[1]}% and minimum >= {MINIMUM}% ({reason})")
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
