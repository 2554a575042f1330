"""Speed of the root-found intervals and inverted p-values of :mod:`kirc.intervals`.

Times (median of repeats) the Tango score NPS interval, the MOVER NPS-change interval and
p-value, and the Newcombe share-change p-value for 1, 10 and 1,000 groups (random counts,
50-2,000 respondents a group and year), and counts the evaluations of Tango's statistic per
call. With ``--against REV`` the same is measured for ``kirc/intervals.py`` as it was at git
revision REV (e.g. the last commit before the root finder) and printed side by side.

Run: ``python benchmarks/speed_intervals.py [--against REV] [--groups 1 10 1000]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kirc import intervals  # noqa: E402


def module_at(revision: str):
    """``kirc/intervals.py`` as it was at a git revision, imported under another name."""
    source = subprocess.run(["git", "show", f"{revision}:kirc/intervals.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "intervals_at_revision.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("intervals_at_revision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def samples(groups: int, seed: int = 3):
    """Promoter, passive and detractor counts of two years for ``groups`` groups."""
    rng = np.random.default_rng(seed)
    cells = []
    for _ in range(2):
        n = rng.integers(50, 2001, groups)
        shares = rng.dirichlet([4, 3, 3], groups)
        counts = np.array([rng.multinomial(k, s) for k, s in zip(n, shares)], dtype=float)
        cells += [counts[:, 0], counts[:, 1], counts[:, 2]]
    return cells


def cases(module, cells):
    p1, pa1, d1, p2, pa2, d2 = cells
    n1, n2 = p1 + pa1 + d1, p2 + pa2 + d2
    return {
        "nps_interval score": lambda: module.nps_interval(p1, pa1, d1, "score"),
        "nps_difference_interval": lambda: module.nps_difference_interval(*cells),
        "nps_difference_pvalue": lambda: module.nps_difference_pvalue(*cells),
        "nps_difference_pvalue df=12": lambda: module.nps_difference_pvalue(*cells, df=12),
        "difference_pvalue newcombe": lambda: module.difference_pvalue(p1, n1, p2, n2,
                                                                       "newcombe"),
    }


def median_time(function, budget: float = 1.0, least: int = 3, most: int = 25) -> float:
    """Median of repeated calls: at least ``least``, more while within ``budget`` seconds."""
    times = []
    while len(times) < least or (sum(times) < budget and len(times) < most):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tango_calls(module, function) -> int:
    """Evaluations of ``_tango_statistic`` in one call of ``function``."""
    original = module._tango_statistic
    count = 0

    def counted(*args):
        nonlocal count
        count += 1
        return original(*args)

    module._tango_statistic = counted
    try:
        function()
    finally:
        module._tango_statistic = original
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="git revision to compare with")
    parser.add_argument("--groups", type=int, nargs="+", default=[1, 10, 1000])
    args = parser.parse_args(argv)
    modules = {"now": intervals}
    if args.against:
        modules = {args.against: module_at(args.against), "now": intervals}
    names = list(modules)
    header = ["case", "groups"] + [f"{n} ms" for n in names] + [f"{n} Tango calls"
                                                                 for n in names]
    if len(names) == 2:
        header.append("speed-up")
    print(" | ".join(header))
    for groups in args.groups:
        cells = samples(groups)
        per_module = {name: cases(module, cells) for name, module in modules.items()}
        for case in per_module["now"]:
            times = [median_time(per_module[n][case]) for n in names]
            calls = [tango_calls(modules[n], per_module[n][case]) for n in names]
            row = [case, str(groups)] + [f"{1e3 * t:.2f}" for t in times] + [str(c)
                                                                              for c in calls]
            if len(names) == 2:
                row.append(f"{times[0] / times[1]:.0f}x")
            print(" | ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
