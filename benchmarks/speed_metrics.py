"""Speed of the metric tally, as ratios against baselines measured in the same run.

1. ``kirc.nps(df, "q", by="g")`` for 10 million answers in 1,000 groups against a bare
   ``df.groupby("g")["q"].value_counts()`` (target: ratio at most 1.5).
2. The multinomial NPS bootstrap against resampling rows (n = 100,000, 2,000 replicates).

Run: ``python benchmarks/speed_metrics.py [--rows 10000000]``. Times are the best of a few runs;
only the ratios are meant to be compared between machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kirc  # noqa: E402
from timing import best_of  # noqa: E402  (benchmarks/timing.py)
from kirc import intervals  # noqa: E402



def tally_benchmark(rows: int, groups: int, repeat: int) -> dict:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": rng.integers(0, groups, rows),
                       "q": rng.integers(0, 11, rows).astype("int64")})
    baseline = best_of(lambda: df.groupby("g")["q"].value_counts(), repeat)
    ours = best_of(lambda: kirc.nps(df, "q", by="g"), repeat)
    return {"rows": rows, "groups": groups, "value_counts_s": baseline, "kirc_nps_s": ours,
            "ratio": ours / baseline}


def bootstrap_benchmark(n: int, replicates: int) -> dict:
    rng = np.random.default_rng(2)
    answers = rng.integers(0, 11, n)
    counts = np.bincount(np.digitize(answers, [7, 9]), minlength=3)   # det, pas, pro

    def resample_rows():
        draws = np.random.default_rng(3)
        scores = np.empty(replicates)
        for i in range(replicates):
            sample = answers[draws.integers(0, n, n)]
            scores[i] = np.mean(sample >= 9) - np.mean(sample <= 6)
        return np.quantile(scores, [0.025, 0.975])

    def multinomial():
        return intervals.nps_interval(counts[2], counts[1], counts[0], method="bootstrap",
                                      n_boot=replicates, seed=3)

    rows_s = best_of(resample_rows, 1)
    multi_s = best_of(multinomial, 3)
    return {"n": n, "replicates": replicates, "resample_rows_s": rows_s,
            "multinomial_s": multi_s, "speedup": rows_s / multi_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    t = tally_benchmark(args.rows, args.groups, args.repeat)
    print(f"nps tally, {t['rows']:,} answers in {t['groups']:,} groups")
    print(f"  groupby().value_counts() baseline  {t['value_counts_s']:.3f} s")
    print(f"  kirc.nps(df, 'q', by='g')          {t['kirc_nps_s']:.3f} s")
    print(f"  ratio kirc / baseline              {t['ratio']:.2f}  (target <= 1.5: "
          f"{'met' if t['ratio'] <= 1.5 else 'NOT met'})")
    b = bootstrap_benchmark(100_000, 2_000)
    print(f"NPS bootstrap, n = {b['n']:,}, {b['replicates']:,} replicates")
    print(f"  resampling rows                    {b['resample_rows_s']:.3f} s")
    print(f"  multinomial draws of three counts  {b['multinomial_s']:.4f} s")
    print(f"  speed-up                           {b['speedup']:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
