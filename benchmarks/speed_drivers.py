"""Where exact LMG becomes too slow: :func:`kirc.drivers` by number of predictors.

Exact LMG needs the R² of all 2^p subsets of the p predictors, for the estimate and again for
every bootstrap replicate; Johnson's relative weights need one eigendecomposition. Timed on
n = 2,000 respondents with p correlated normal predictors, the estimate alone (``n_boot=0``)
and with the default 1,000 bootstrap replicates, for both methods; pingouin's
``linear_regression(relimp=True)`` (which fits 2^p regressions on the data) is the baseline
for the estimate, for p up to 12.

Printed as seconds and as ratios to relative weights measured in the same run. The switch
point is where an analysis with intervals no longer fits in an interactive budget of 10 s
(:data:`BUDGET`); :data:`kirc.drivers.MAX_LMG_PREDICTORS` is set above it, where even the
estimate alone becomes slow. Run as ``python benchmarks/speed_drivers.py`` (about two minutes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kirc.estimate.drivers import drivers  # noqa: E402

N = 2000
BUDGET = 10.0          # seconds, for an analysis with intervals
PINGOUIN_MAX_P = 12
BOOT = 1000


def sample(p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, p)) @ (np.eye(p) + 0.3)
    y = x @ rng.uniform(0, 1, p) + rng.standard_normal(N) * 2
    return pd.DataFrame(x, columns=[f"x{j}" for j in range(p)]).assign(y=y)


def timed(function, repeat: int = 1) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    import pingouin

    rows = []
    for p in (4, 6, 8, 10, 11, 12, 13, 14, 15, 16):
        frame = sample(p)
        names = [f"x{j}" for j in range(p)]
        row = {"p": p, "subsets": 2**p}
        row["rw"] = timed(lambda: drivers(frame, "y", names, method="relative-weights",
                                          n_boot=0), repeat=3)
        row["lmg"] = timed(lambda: drivers(frame, "y", names, n_boot=0), repeat=3 if p < 14 else 1)
        row["pingouin"] = (timed(lambda: pingouin.linear_regression(frame[names], frame["y"],
                                                                     relimp=True))
                           if p <= PINGOUIN_MAX_P else np.nan)
        row["rw_boot"] = timed(lambda: drivers(frame, "y", names, method="relative-weights",
                                               n_boot=BOOT))
        if p <= 14:
            row["lmg_boot"] = timed(lambda: drivers(frame, "y", names, n_boot=BOOT))
        else:  # extrapolated from 100 replicates: the cost is linear in the replicates
            row["lmg_boot"] = timed(lambda: drivers(frame, "y", names, n_boot=100)) * BOOT / 100
        rows.append(row)
        print(f"  p={p:2d}: LMG {row['lmg']:.3f} s, with {BOOT} replicates {row['lmg_boot']:.1f} s",
              flush=True)
    table = pd.DataFrame(rows)
    table["lmg / rw"] = table["lmg"] / table["rw"]
    table["pingouin / lmg"] = table["pingouin"] / table["lmg"]
    table["lmg_boot / rw_boot"] = table["lmg_boot"] / table["rw_boot"]
    print(f"\nSeconds on n = {N} ({BOOT} bootstrap replicates in the *_boot columns; "
          "p >= 15 extrapolated from 100):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    within = table.loc[table["lmg_boot"] <= BUDGET, "p"]
    print(f"\nExact LMG with intervals stays within {BUDGET:.0f} s up to p = {within.max()}; "
          "above that use method='relative-weights' (or fewer replicates).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
