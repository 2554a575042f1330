"""Speed of a replicate-weight estimate against its floor, as ratios measured in one run.

``kirc.nps(df, "q", by="g", design=Design(weights="w", replicates=Replicates(80 columns)))`` at
1,000,000 rows and 80 replicate columns, *with* everything it gives (the full-sample and 80
replicate estimates of every group, the replicate variance, R's degrees of freedom from the rank
of the replicate weights, the interval), against the floor: 80 weighted ``numpy.bincount`` of
the group × answer codes, one per replicate column (what any replicate estimate must at least
read), and the same 80 bincounts in DuckDB (``SUM(r_k)`` per group and answer in one
``GROUP BY``) for scale.

Target (issue 22): the estimate within a small multiple of the 80 bincounts (the degrees of
freedom cost one rank-k update of the replicate weights per group, about as much as the
bincounts themselves). Last run (2 shared cores): 2.3× with one group, 3.9× with 10 groups,
7.1× with 1,000 groups (each group's cross-products and rank); the Taylor estimate 0.1×.

Run: ``python benchmarks/speed_replicates.py [--rows 1000000] [--replicates 80]``. Times are the
best of ``--repeat`` runs; compare the ratios, not the seconds, between machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kirc  # noqa: E402
from timing import best_of  # noqa: E402  (benchmarks/timing.py)


def frame(rows: int, replicates: int, groups: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w = rng.gamma(2.0, 0.5, rows)
    columns = {"q": rng.integers(0, 11, rows).astype(np.int64),
               "g": rng.integers(0, groups, rows).astype(np.int64), "w": w}
    psu = rng.integers(0, replicates, rows)          # JK1-like: each replicate drops one PSU
    for k in range(replicates):
        columns[f"r{k + 1}"] = np.where(psu == k, 0.0, w * replicates / (replicates - 1))
    return pd.DataFrame(columns)


def measure(rows: int, replicates: int, groups: int, repeat: int, duck: bool) -> None:
    df = frame(rows, replicates, groups)
    names = [f"r{k + 1}" for k in range(replicates)]
    design = kirc.Design(weights="w", replicates=kirc.Replicates(columns=names, method="JK1"))
    survey = kirc.as_survey(df, design)
    by = "g" if groups > 1 else None
    codes = (df["g"].to_numpy() * 11 + df["q"].to_numpy())
    matrix = [df[name].to_numpy() for name in names]
    size = groups * 11

    def floor():
        for column in matrix:
            np.bincount(codes, weights=column, minlength=size)

    t_floor = best_of(floor, repeat)
    t_kirc = best_of(lambda: kirc.nps(survey, "q", by=by), repeat)
    t_plain = best_of(lambda: kirc.nps(df, "q", by=by, design=kirc.Design(weights="w")), repeat)
    print(f"{rows:,} rows, {replicates} replicate columns, {groups} group(s)")
    print(f"  {replicates} weighted bincounts (floor)      {t_floor:8.3f} s")
    print(f"  kirc.nps with replicate variance   {t_kirc:8.3f} s   ratio {t_kirc / t_floor:5.2f}")
    print(f"  kirc.nps, Taylor (no replicates)   {t_plain:8.3f} s   ratio {t_plain / t_floor:5.2f}")
    if not duck:
        return
    import duckdb
    con = duckdb.connect()
    con.register("df", df)
    sums = ", ".join(f"SUM({name})" for name in names)
    query = f"SELECT g, q, {sums} FROM df GROUP BY g, q"
    t_duck = best_of(lambda: con.execute(query).fetchall(), repeat)
    print(f"  DuckDB: the same sums, one GROUP BY {t_duck:8.3f} s   ratio {t_duck / t_floor:5.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--replicates", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        import duckdb  # noqa: F401
        duck = True
    except ImportError:                                    # pragma: no cover
        duck = False
    for groups in (1, 10, 1000):
        measure(args.rows, args.replicates, groups, args.repeat, duck and groups == 10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
