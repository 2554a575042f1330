"""Agreement of the root-found intervals and p-values with those of another revision.

Compares :mod:`kirc.intervals` with ``kirc/intervals.py`` at git revision REV (the bisection
implementation before Chandrupatla's method: ``--against <commit>``) on

* NPS: every (promoters, passives, detractors) with n <= 40, random large samples (n up to
  100,000) and random weighted (non-integer) counts; the Tango score interval, and for pairs
  of such samples the MOVER interval and p-value with score, adjusted-Wald and Wald
  components;
* shares: every pair of tables with n1, n2 <= ``--max-n`` (default 40), random large and
  weighted tables; score, Miettinen-Nurminen and Newcombe intervals and p-values;

at confidence 0.90, 0.95 and 0.99, with the normal quantile and with t on 7 df. Prints the
largest absolute differences of limits and p-values, how many limits differ by more than
1e-12, and the number of samples where the decisions (p < 1 - confidence, interval excludes
0) differ between the revisions or between a revision's own interval and test.

Where a single-sample score limit (Tango, Mee, Miettinen-Nurminen) differs by more than 1e-12,
the statistic is evaluated in 60-digit decimal arithmetic (its restricted MLE by bisection on
the likelihood's derivative for shares) and its root found by 200 bisections, for the ten
largest differences of each setting: the last column gives the largest distance of either
revision's limit from that root. The float statistics have rounding noise of up to ~1e-8
there (the closed-form restricted MLE of a sample with 0 % or 100 %, or near a double root),
so differences of that size are the statistic's, not the root finder's.

Run: ``python benchmarks/roots_agreement.py --against REV`` (a few minutes).
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from kirc import intervals  # noqa: E402
from speed_intervals import module_at  # noqa: E402

LEVELS = (0.90, 0.95, 0.99)
DFS = (None, 7.0)
LOOSE = 1e-12          # differences above this are counted and checked against exact roots
CHECKED = 10           # the largest this many of them, per setting
getcontext().prec = 60


def decisions(a, b, p_old, p_new, level):
    """Decisions that differ: old vs new revision (interval and test), and new interval vs
    new test."""
    excl_old = ~((a[0] <= 0) & (0 <= a[1]))
    excl_new = ~((b[0] <= 0) & (0 <= b[1]))
    known = ~np.isnan(p_new)
    between = int(np.sum((excl_old != excl_new) & ~np.isnan(b[0])))
    between += int(np.sum(((p_old < 1 - level) != (p_new < 1 - level)) & known))
    own = int(np.sum((excl_new != (p_new < 1 - level)) & known))
    return between, own


def _tango_exact(delta, promoters, detractors, total):
    """Tango's statistic (kirc.intervals._tango_statistic's formula) in decimal arithmetic."""
    a = 2 * total
    b = -promoters - detractors + (2 * total - promoters + detractors) * delta
    c = -detractors * delta * (1 - delta)
    disc = b * b - 4 * a * c
    q = ((disc.sqrt() if disc > 0 else Decimal(0)) - b) / (2 * a)
    variance = total * (2 * q + delta * (1 - delta))
    numerator = promoters - detractors - total * delta
    if variance <= 0:
        return Decimal("Infinity") if numerator > 0 else Decimal("-Infinity")
    return numerator / variance.sqrt()


def _score_exact(delta, x1, n1, x2, n2, correction):
    """Mee's (Miettinen-Nurminen's) statistic with the restricted MLE by bisection."""
    lo, hi = max(Decimal(0), -delta), min(Decimal(1), 1 - delta)

    def term(count, share):
        return count / share if count > 0 else Decimal(0)

    def slope(p2):   # derivative of the log-likelihood along p1 = p2 + delta
        p1 = p2 + delta
        return (term(x1, p1) - term(n1 - x1, 1 - p1) + term(x2, p2) - term(n2 - x2, 1 - p2))

    for _ in range(220):
        middle = (lo + hi) / 2
        if slope(middle) > 0:
            lo = middle
        else:
            hi = middle
    p2 = (lo + hi) / 2
    p1 = p2 + delta
    variance = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    if correction:
        variance = variance * (n1 + n2) / (n1 + n2 - 1)
    return (x1 / n1 - x2 / n2 - delta) / variance.sqrt()


def _exact_root(statistic, target, lower, upper):
    lower, upper, target = Decimal(lower), Decimal(upper), Decimal(float(target))
    for _ in range(200):
        middle = (lower + upper) / 2
        if statistic(middle) > target:
            lower = middle
        else:
            upper = middle
    return (lower + upper) / 2


class Exactness:
    """Largest distance of either revision's limits from the exact root, where they differ."""

    def __init__(self):
        self.old = self.new = 0.0
        self.checked = 0

    def check(self, old, new, z, cells, kind):
        diff = np.abs(old - new)
        for k, limit in ((0, "low"), (1, "high")):
            for i in np.argsort(-np.nan_to_num(diff[k], nan=0.0))[:CHECKED]:
                if not diff[k][i] > LOOSE:
                    break
                args = [Decimal(float(x)) for x in cells[:, i]]
                zi = float(np.broadcast_to(z, diff[k].shape)[i])
                if kind == "nps":
                    p, _, d = args
                    n = sum(args)
                    f = lambda t: _tango_exact(t, p, d, n)  # noqa: E731
                    estimate = (p - d) / n
                else:
                    x1, n1, x2, n2 = args
                    f = lambda t: _score_exact(t, x1, n1, x2, n2, kind == "mn")  # noqa: E731
                    estimate = x1 / n1 - x2 / n2
                root = (_exact_root(f, zi, -1, estimate) if k == 0
                        else _exact_root(f, -zi, estimate, 1))
                self.old = max(self.old, abs(float(Decimal(float(old[k][i])) - root)))
                self.new = max(self.new, abs(float(Decimal(float(new[k][i])) - root)))
                self.checked += 1


def nps_samples(rng):
    small = np.array([(p, n - p - d, d) for n in range(1, 41) for p in range(n + 1)
                      for d in range(n - p + 1)], dtype=float)
    n = rng.integers(41, 100_001, 3000)
    shares = rng.dirichlet([1, 1, 1], 3000)
    large = np.array([rng.multinomial(k, s) for k, s in zip(n, shares)], dtype=float)
    weighted = rng.uniform(0, 1, (3000, 3)) ** 2 * rng.uniform(0.5, 300, (3000, 1))
    return {"n <= 40": small, "large n": large, "weighted": weighted}


def share_tables(rng, max_n):
    one = np.array([(x, n) for n in range(1, max_n + 1) for x in range(n + 1)], dtype=float)
    i, j = np.meshgrid(np.arange(len(one)), np.arange(len(one)), indexing="ij")
    small = np.c_[one[i.ravel()], one[j.ravel()]]
    n = rng.integers(41, 100_001, (3000, 2)).astype(float)
    large = np.c_[rng.binomial(n[:, 0].astype(int), rng.uniform(0, 1, 3000)), n[:, 0],
                  rng.binomial(n[:, 1].astype(int), rng.uniform(0, 1, 3000)), n[:, 1]]
    w = rng.uniform(0.5, 300, (3000, 2))
    weighted = np.c_[w[:, 0] * rng.uniform(0, 1, 3000), w[:, 0],
                     w[:, 1] * rng.uniform(0, 1, 3000), w[:, 1]]
    return {f"n <= {max_n}": small, "large n": large.astype(float), "weighted": weighted}


def nps_pairs(samples, rng, pairs=6000):
    out = {}
    for name, cells in samples.items():
        k = len(cells)
        first, second = rng.integers(0, k, pairs), rng.integers(0, k, pairs)
        out[name] = np.c_[cells[first], cells[second]]
    # equal NPS in both samples, and samples of one category only
    edge = np.array([[5, 0, 0, 5, 0, 0], [5, 0, 0, 0, 5, 0], [0, 0, 5, 0, 5, 0],
                     [3, 4, 3, 2, 6, 2], [0, 7, 0, 0, 0, 9], [1, 0, 0, 0, 0, 1]], dtype=float)
    out["n <= 40"] = np.r_[out["n <= 40"], edge]
    return out


class Worst:
    """Largest absolute difference, ignoring places where both are NaN."""

    def __init__(self):
        self.value, self.where = 0.0, None
        self.nan_mismatch = 0
        self.loose = 0
        self.exact = Exactness()

    def update(self, old, new, label):
        old, new = np.broadcast_arrays(np.asarray(old, float), np.asarray(new, float))
        self.nan_mismatch += int(np.sum(np.isnan(old) != np.isnan(new)))
        both = ~np.isnan(old) & ~np.isnan(new)
        if not both.any():
            return
        diff = np.abs(old - new)[both]
        self.loose += int(np.sum(diff > LOOSE))
        i = int(np.argmax(diff))
        if diff[i] > self.value:
            self.value, self.where = float(diff[i]), label


def compare(old, new, max_n, seed=5):
    rng = np.random.default_rng(seed)
    rows = []

    def record(group, worst_limits, worst_p, disagree_rev, disagree_own):
        rows.append((group, worst_limits, worst_p, disagree_rev, disagree_own))

    samples = nps_samples(rng)
    for name, cells in samples.items():
        limits = Worst()
        for level in LEVELS:
            for df in DFS:
                a = old.nps_interval(*cells.T, "score", level, df)
                b = new.nps_interval(*cells.T, "score", level, df)
                limits.update(a[0], b[0], (name, level, df))
                limits.update(a[1], b[1], (name, level, df))
                limits.exact.check(np.array(a), np.array(b),
                                   new._quantile(level, None if df is None else np.array(df)),
                                   cells.T, "nps")
        record(f"NPS score interval, {name} ({len(cells)})", limits, None, 0, 0)

    for component in ("score", "adjusted-wald", "wald"):
        for name, cells in nps_pairs(samples, rng).items():
            limits, pvalues = Worst(), Worst()
            disagree_rev = disagree_own = 0
            for df in DFS:
                p_old = old.nps_difference_pvalue(*cells.T, df=df, component=component)
                p_new = new.nps_difference_pvalue(*cells.T, df=df, component=component)
                pvalues.update(p_old, p_new, (name, df))
                for level in LEVELS:
                    a = old.nps_difference_interval(*cells.T, confidence=level, df=df,
                                                    component=component)
                    b = new.nps_difference_interval(*cells.T, confidence=level, df=df,
                                                    component=component)
                    limits.update(a[0], b[0], (name, level, df))
                    limits.update(a[1], b[1], (name, level, df))
                    rev, own = decisions(a, b, p_old, p_new, level)
                    disagree_rev += rev
                    disagree_own += own
            record(f"NPS change MOVER/{component}, {name} ({len(cells)})", limits, pvalues,
                   disagree_rev, disagree_own)

    for method in ("score", "miettinen-nurminen", "newcombe"):
        for name, tables in share_tables(rng, max_n).items():
            limits, pvalues = Worst(), Worst()
            disagree_rev = disagree_own = 0
            for df in DFS:
                p_old = old.difference_pvalue(*tables.T, method, df=df)
                p_new = new.difference_pvalue(*tables.T, method, df=df)
                pvalues.update(p_old, p_new, (name, df))
                for level in LEVELS:
                    a = old.difference_interval(*tables.T, method, level, df=df)
                    b = new.difference_interval(*tables.T, method, level, df=df)
                    limits.update(a[0], b[0], (name, level, df))
                    limits.update(a[1], b[1], (name, level, df))
                    if method != "newcombe":
                        limits.exact.check(
                            np.array(a), np.array(b),
                            new._quantile(level, None if df is None else np.array(df)),
                            tables.T, "mn" if method == "miettinen-nurminen" else "score")
                    rev, own = decisions(a, b, p_old, p_new, level)
                    disagree_rev += rev
                    disagree_own += own
            record(f"share change {method}, {name} ({len(tables)})", limits, pvalues,
                   disagree_rev, disagree_own)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--max-n", type=int, default=40)
    args = parser.parse_args(argv)
    rows = compare(module_at(args.against), intervals, args.max_n)
    print("samples | max |limit diff| (where) | limits > 1e-12 apart | max |p diff| (where) | "
          "decisions differing between revisions | own interval vs test | NaN mismatches | "
          "where > 1e-12 apart: max distance from the exact root, old / new (checked)")
    for group, limits, pvalues, rev, own in rows:
        p_text = "-" if pvalues is None else f"{pvalues.value:.2e} {pvalues.where}"
        nan = limits.nan_mismatch + (0 if pvalues is None else pvalues.nan_mismatch)
        exact = limits.exact
        exact_text = (f"{exact.old:.1e} / {exact.new:.1e} ({exact.checked})" if exact.checked
                      else "-")
        print(f"{group} | {limits.value:.2e} {limits.where} | {limits.loose} | {p_text} | {rev} "
              f"| {own} | {nan} | {exact_text}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
