"""Speed of the tally step against honest baselines, as ratios measured in one run.

1. In memory, ``kirc.nps(df, "q", by=...)`` *with its interval* (counted in pieces, in one
   thread per core: :mod:`kirc._pieces`) against

   * the numpy floor: one single-threaded pass over integer codes (group × answer), the
     faster of ``numpy.bincount`` and ``numpy.add.at``, plus :mod:`kirc.intervals`
     (weighted: the same pass with the weights and squared weights, the linearised variance
     and the design interval);
   * DuckDB and polars computing the same counts (no interval) as a user would write them;
   * pandas ``groupby().value_counts()`` (weighted: ``groupby([g, q])[w].sum()``),

   unweighted and weighted, 100, 1,000 and 100,000 groups, one key and two keys.
2. A Parquet file through the DuckDB engine (``kirc.nps(path, ...)``) against a bare DuckDB
   ``GROUP BY`` of the same counts, both warm, and the engine's peak memory (a fresh process
   with kirc's default DuckDB settings, resident set size).
3. The NPS bootstrap over many groups against numpy drawing the same resamples.

Targets (issue 15): nps + interval at 10M answers / 1,000 groups <= 2.0x the floor unweighted,
<= 2.5x weighted, faster than polars and value_counts at every shape; the DuckDB engine
<= 1.3x the bare GROUP BY with peak memory <= 1 GiB; the bootstrap over 20,000 groups <= 1.5x
numpy drawing the same 2,000 resamples per group.

Measured on the quiet 2-core machine (2026-12-07, 10M rows), nps + interval at 100,000 groups
against the floor: one key 1.58-1.59x unweighted, 1.80x weighted; two keys 1.42-1.47x and
1.65-1.75x (two runs, after the tally's sums became three matrix products). Before that, with
bincount in equal pieces: one key 1.66-1.74x unweighted in four runs (1.95x in one run started
right after the test suite), 1.72-1.81x weighted. Issue 24's target: <= 2x; 2.05-2.22x one key
unweighted with add.at in unequal pieces, 2.5-5.9x when the issue was written.

Run: ``python benchmarks/speed_engines.py [--rows 10000000] [--parquet-rows 100000000]``.
Times are the best of ``--repeat`` runs; compare the ratios, not the seconds, between machines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kirc  # noqa: E402
from timing import best_of  # noqa: E402  (benchmarks/timing.py)
from kirc import intervals  # noqa: E402



# --------------------------------------------------------------------------------------------
# 1. in memory


def frame(rows: int, groups: int, keys: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, rows)
    df = pd.DataFrame({"q": rng.integers(0, 11, rows).astype(np.int64),
                       "w": rng.gamma(2.0, 0.5, rows)})
    if keys == 1:
        df["g"] = g
    else:
        df["g"] = g // 10
        df["h"] = g % 10
    return df


def _sums(codes, size, weights=None, adder="bincount"):
    if adder == "bincount":
        return np.bincount(codes, weights=weights, minlength=size)
    out = np.zeros(size, dtype=np.int64 if weights is None else float)
    np.add.at(out, codes, 1 if weights is None else weights)
    return out


def numpy_floor(df: pd.DataFrame, by: list[str], groups: int, weighted: bool,
                adder: str = "bincount"):
    """The least work: integer codes of group × answer, one sum each (``numpy.bincount``,
    or ``numpy.add.at``, faster on few codes), the interval."""
    q = df["q"].to_numpy()
    g = df["g"].to_numpy() if len(by) == 1 else df["g"].to_numpy() * 10 + df["h"].to_numpy()
    codes = g * 11 + q
    size = groups * 11
    counts = _sums(codes, size, adder=adder).reshape(groups, 11)
    if not weighted:
        det, pas, pro = counts[:, :7].sum(1), counts[:, 7:9].sum(1), counts[:, 9:].sum(1)
        return intervals.nps_interval(pro, pas, det)
    w = df["w"].to_numpy()
    sw = _sums(codes, size, w, adder).reshape(groups, 11)
    sw2 = _sums(codes, size, w * w, adder).reshape(groups, 11)
    y = np.array([-1.0] * 7 + [0.0] * 2 + [1.0] * 2)
    n = counts.sum(1)
    total = sw.sum(1)
    pro, pas, det = sw[:, 9:].sum(1) / total, sw[:, 7:9].sum(1) / total, sw[:, :7].sum(1) / total
    mean = pro - det
    # linearised variance of the ratio mean: n/(n-1) Σ w²(y - ȳ)² / (Σw)²
    spread = (sw2 * (y[None, :] - mean[:, None]) ** 2).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = n / (n - 1) * spread / total ** 2
        nobs = np.nan_to_num((pro + det - mean ** 2) / variance)
    return intervals.nps_interval(pro * nobs, pas * nobs, det * nobs, df=n - 1.0)


def duckdb_counts(df: pd.DataFrame, by: list[str], weighted: bool):
    import duckdb
    keys = ", ".join(by)
    if weighted:
        sql = (f"SELECT {keys}, SUM(w) FILTER (q >= 9), SUM(w) FILTER (q BETWEEN 7 AND 8), "
               f"SUM(w) FILTER (q <= 6), SUM(w * w), COUNT(*) FROM df GROUP BY {keys}")
    else:
        sql = (f"SELECT {keys}, COUNT(*) FILTER (q >= 9), COUNT(*) FILTER (q BETWEEN 7 AND 8),"
               f" COUNT(*) FILTER (q <= 6), COUNT(*) FROM df GROUP BY {keys}")
    return duckdb.sql(sql).df()


def polars_counts(pl_df, by: list[str], weighted: bool):
    import polars as pl
    q = pl.col("q")
    if weighted:
        w = pl.col("w")
        aggs = [w.filter(q >= 9).sum(), w.filter((q >= 7) & (q <= 8)).sum().alias("pas"),
                w.filter(q <= 6).sum().alias("det"), (w * w).sum().alias("w2"),
                pl.len()]
    else:
        aggs = [(q >= 9).sum().alias("pro"), ((q >= 7) & (q <= 8)).sum().alias("pas"),
                (q <= 6).sum().alias("det"), pl.len()]
    return pl_df.group_by(by).agg(aggs)


def pandas_counts(df: pd.DataFrame, by: list[str], weighted: bool):
    if weighted:
        return df.groupby([*by, "q"])["w"].sum()
    return df.groupby(by)["q"].value_counts()


def in_memory(rows: int, repeat: int, shapes) -> list[dict]:
    import polars as pl
    results = []
    for groups, keys in shapes:
        df = frame(rows, groups, keys)
        pl_df = pl.from_numpy(np.column_stack([df[c].to_numpy(float) for c in df.columns]),
                              schema=list(df.columns)).with_columns(
            [pl.col(c).cast(pl.Int64) for c in df.columns if c != "w"])
        by = ["g"] if keys == 1 else ["g", "h"]
        for weighted in (False, True):
            weights = "w" if weighted else None
            row = {"rows": rows, "groups": groups, "keys": keys,
                   "weighted": weighted,
                   "kirc": best_of(lambda: kirc.nps(df, "q", by=by, weights=weights), repeat),
                   # the faster single-threaded numpy pass of the two
                   "floor": min(best_of(lambda: numpy_floor(df, by, groups, weighted), repeat),
                                best_of(lambda: numpy_floor(df, by, groups, weighted,
                                                            "add.at"), repeat)),
                   "duckdb": best_of(lambda: duckdb_counts(df, by, weighted), repeat),
                   "polars": best_of(lambda: polars_counts(pl_df, by, weighted), repeat),
                   "pandas": best_of(lambda: pandas_counts(df, by, weighted), repeat)}
            results.append(row)
            print_row(row)
    return results


def print_row(r):
    print(f"  {r['rows']:>11,} {r['groups']:>8,} {r['keys']:>4} {'w' if r['weighted'] else '-':>3}"
          f" {r['kirc']:8.3f} {r['kirc'] / r['floor']:7.2f} {r['kirc'] / r['duckdb']:7.2f}"
          f" {r['kirc'] / r['polars']:7.2f} {r['kirc'] / r['pandas']:7.2f}", flush=True)


# --------------------------------------------------------------------------------------------
# 2. a Parquet file through the DuckDB engine


def make_parquet(path: Path, rows: int, groups: int) -> None:
    import duckdb
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT (hash(i) % 11)::TINYINT AS q,
                                 (hash(i + 7) % {groups})::INTEGER AS g,
                                 0.2 + (hash(i + 13) % 1000) / 500.0 AS w
                          FROM range({rows}) t(i))
                    TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.close()


_PEAK = """
import sys, time
sys.path.insert(0, {root!r})
import kirc
start = time.perf_counter()
kirc.nps({path!r}, "q", by="g", weights={weights!r})
# VmHWM, not ru_maxrss: after fork + exec, ru_maxrss still counts the parent's pages
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(time.perf_counter() - start, peak.split()[1])
"""


def parquet_engine(rows: int, groups: int, repeat: int, directory: Path) -> list[dict]:
    import duckdb
    import kirc.estimate.engines
    path = directory / f"nps_{rows}.parquet"
    start = time.perf_counter()
    make_parquet(path, rows, groups)
    print(f"  wrote {rows:,} rows ({path.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    con = kirc.estimate.engines.connect()                 # the engine's defaults (memory_limit 1GB)
    bare_con = duckdb.connect(config={"memory_limit": "1GB"})
    results = []
    for weighted in (False, True):
        if weighted:
            bare = (f"SELECT g, SUM(w) FILTER (q >= 9), SUM(w) FILTER (q BETWEEN 7 AND 8), "
                    f"SUM(w) FILTER (q <= 6), SUM(w * w), COUNT(*) FROM '{path}' GROUP BY g")
        else:
            bare = (f"SELECT g, COUNT(*) FILTER (q >= 9), COUNT(*) FILTER (q BETWEEN 7 AND 8), "
                    f"COUNT(*) FILTER (q <= 6), COUNT(*) FROM '{path}' GROUP BY g")
        weights = "w" if weighted else None
        bare_con.execute(bare).fetchall()                            # warm
        kirc.nps(path, "q", by="g", weights=weights)                  # warm
        bare_s = best_of(lambda: bare_con.execute(bare).fetchall(), repeat)
        # the query kirc itself sends (counts per group and answer value), run bare
        pairs = ("SELECT g, q, COUNT(*)" + (", SUM(w), SUM(w * w)" if weighted else "")
                 + f" FROM '{path}' GROUP BY g, q")
        bare_con.execute(pairs).fetchall()
        pairs_s = best_of(lambda: bare_con.execute(pairs).fetchall(), repeat)
        kirc_s = best_of(lambda: kirc.nps(path, "q", by="g", weights=weights), repeat)
        child = subprocess.run([sys.executable, "-c", _PEAK.format(
            root=str(ROOT), path=str(path), weights=weights)], capture_output=True, text=True,
            check=True)
        _, peak_kib = child.stdout.strip().splitlines()[-1].split()
        row = {"rows": rows, "weighted": weighted, "bare_s": bare_s, "pairs_s": pairs_s,
               "kirc_s": kirc_s, "ratio": kirc_s / bare_s, "peak_mib": int(peak_kib) / 1024}
        results.append(row)
        print(f"  {'weighted' if weighted else 'unweighted':>10}  bare GROUP BY g {bare_s:6.2f} s"
              f"  bare GROUP BY g, q {pairs_s:6.2f} s  kirc.nps(path) {kirc_s:6.2f} s"
              f"  ratios {kirc_s / bare_s:4.2f} / {kirc_s / pairs_s:4.2f}"
              f"  peak RSS {row['peak_mib']:5.0f} MiB", flush=True)
    del con
    path.unlink()
    return results


# --------------------------------------------------------------------------------------------
# 3. the bootstrap


def bootstrap(groups: int, per_group: int, replicates: int) -> dict:
    rng = np.random.default_rng(5)
    counts = rng.multinomial(per_group, [0.45, 0.25, 0.30], size=groups)    # pro, pas, det
    pro, pas, det = counts.T

    def numpy_draws():
        for i in range(groups):
            draw = np.random.default_rng(3)
            draw.multinomial(per_group, counts[i] / per_group, size=replicates)

    def kirc_bootstrap():
        intervals.nps_interval(pro, pas, det, method="bootstrap", n_boot=replicates, seed=3)

    floor = best_of(numpy_draws, 1)
    ours = best_of(kirc_bootstrap, 1)
    return {"groups": groups, "floor_s": floor, "kirc_s": ours, "ratio": ours / floor}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--parquet-rows", type=int, default=100_000_000)
    parser.add_argument("--boot-groups", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["memory", "parquet", "boot"])
    args = parser.parse_args(argv)
    if "memory" not in args.skip:
        print("1. in memory: kirc.nps + interval; ratios kirc / baseline")
        from kirc._pieces import _threads
        pool = _threads()
        print(f"  kirc counts in pieces on {pool._max_workers if pool else 1} thread(s) "
              "(kirc._pieces); the floor is one single-threaded numpy pass (the faster of "
              "bincount and add.at); DuckDB and "
              f"polars use their own threads ({os.cpu_count()} cores)")
        print(f"  {'rows':>11} {'groups':>8} {'keys':>4} {'w':>3} {'kirc s':>8} {'/floor':>7}"
              f" {'/duckdb':>7} {'/polars':>7} {'/pandas':>7}")
        shapes = [(100, 1), (1_000, 1), (100_000, 1), (1_000, 2), (100_000, 2)]
        in_memory(args.rows, args.repeat, shapes)
    if "parquet" not in args.skip:
        print("2. Parquet through the DuckDB engine, 1,000 groups")
        with tempfile.TemporaryDirectory() as directory:
            parquet_engine(args.parquet_rows, 1_000, args.repeat, Path(directory))
    if "boot" not in args.skip:
        b = bootstrap(args.boot_groups, 200, 2_000)
        print(f"3. NPS bootstrap, {b['groups']:,} groups of 200, 2,000 resamples each")
        print(f"  numpy multinomial draws {b['floor_s']:.2f} s  kirc {b['kirc_s']:.2f} s  "
              f"ratio {b['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
