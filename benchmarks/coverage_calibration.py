"""Coverage of calibrated NPS and share intervals when the sample is unbalanced on the margins.

Simulation (issue 13). A fixed population of N = 50,000 adults in 4 age groups x 4 regions (the
demo's joint population table, :data:`kirc.demo.POPULATION_AGE_REGION`). The 0–10 recommendation
score rises with age and differs by region (a rounded normal latent score), the yes/no item
(first-contact resolution) is logistic in age and region; their population NPS and share are the
targets. Each replicate draws n respondents by Poisson sampling with response propensities that
over-represent older people and the north (the demo's :data:`RESPONSE_PROPENSITY`, rescaled to
give n expected respondents), so the sample is unbalanced on both margins. Three estimators:

* ``unweighted``: equal weights (a simple random sample), ignoring the imbalance;
* ``raked, naive SE``: raked to the age and region totals, but the calibrated weights handed to
  the estimator as ordinary weights (the variance does not know about the calibration);
* ``raked (kirc)``: ``kirc.calibrate`` → estimators on the returned frame (residual variance
  of R's calibrated designs).

Printed: coverage of the nominal 95% interval (share of replicates whose interval holds the
population value), mean half-width, and bias, per n. The ratio "mean half-width / naive" shows
how much the residual variance narrows the interval. Monte Carlo SE of a coverage near 95% with
R replicates is sqrt(0.95·0.05/R) (1.3 points at the default R = 300).

Run: ``python benchmarks/coverage_calibration.py [--reps 300]`` (1–3 minutes on a shared
2-core machine at the default).

Measured (defaults: seed 2026, 300 replicates per n, 95% intervals, kirc's design defaults)::

      n metric       estimator  coverage %  half-width  bias  width / naive
    150    NPS      unweighted       54.33       12.01 11.30           0.96
    150  share      unweighted       67.67        7.89  6.06           0.86
    150    NPS raked, naive SE       99.00       12.48 -0.00           1.00
    150  share raked, naive SE       97.67        9.15 -0.17           1.00
    150    NPS    raked (kirc)       97.00       11.02 -0.00           0.88
    150  share    raked (kirc)       95.33        8.41 -0.17           0.92
    600    NPS      unweighted        3.33        5.98 11.29           0.99
    600  share      unweighted        7.67        3.95  6.44           0.90
    600    NPS raked, naive SE       95.33        6.05  0.08           1.00
    600  share raked, naive SE       97.00        4.38  0.10           1.00
    600    NPS    raked (kirc)       93.33        5.48  0.08           0.91
    600  share    raked (kirc)       95.33        4.10  0.10           0.94
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kirc  # noqa: E402
from kirc import demo  # noqa: E402

N = 50_000
AGES = list(demo.AGE_GROUPS.values())
REGIONS = list(demo.REGIONS.values())


def population(rng: np.random.Generator) -> pd.DataFrame:
    cells = demo.POPULATION_AGE_REGION.ravel() / demo.POPULATION_AGE_REGION.sum()
    cell = rng.choice(cells.size, size=N, p=cells)
    age, region = cell // 4, cell % 4
    latent = (6.2 + np.array([-1.2, -0.4, 0.4, 1.2])[age] + np.array([0.5, 0.2, 0.0, -0.4])[region]
              + rng.normal(0, 2.0, N))
    score = np.clip(np.round(latent), 0, 10)
    logit = -0.3 + np.array([-0.8, -0.3, 0.3, 0.8])[age] + np.array([0.4, 0.1, 0.0, -0.3])[region]
    fcr = (rng.random(N) < 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame({"age_group": np.array(AGES)[age], "region": np.array(REGIONS)[region],
                         "nps": score, "fcr": fcr, "propensity":
                         demo.RESPONSE_PROPENSITY["age"][age]
                         * demo.RESPONSE_PROPENSITY["region"][region]})


def one_replicate(frame: pd.DataFrame, margins: dict, n: int, rng: np.random.Generator):
    p = frame["propensity"].to_numpy()
    p = np.minimum(p * n / p.sum(), 1.0)
    sample = frame[rng.random(len(frame)) < p].reset_index(drop=True)
    start = kirc.Design(population=N)
    raked = kirc.calibrate(sample, margins, design=start, weight="w")
    naive = pd.DataFrame(raked)          # the same weights, without the calibration
    naive["w_plain"] = naive["w"]
    out = {}
    for label, data, design in (("unweighted", sample, start),
                                ("raked, naive SE", naive,
                                 kirc.Design(weights="w_plain", population=N)),
                                ("raked (kirc)", raked, None)):
        nps = kirc.nps(data, "nps", design=design).iloc[0]
        share = kirc.share(data, "fcr", design=design).iloc[0]
        out[label] = (nps["estimate"], nps["ci_low"], nps["ci_high"],
                      share["estimate"], share["ci_low"], share["ci_high"])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--n", type=int, nargs="+", default=[150, 600])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    frame = population(rng)
    margins = {"age_group": frame["age_group"].value_counts().to_dict(),
               "region": frame["region"].value_counts().to_dict()}
    true_nps = 100 * (np.mean(frame["nps"] >= 9) - np.mean(frame["nps"] <= 6))
    true_share = 100 * frame["fcr"].mean()
    print(f"population N = {N}: NPS {true_nps:.2f}, share {true_share:.2f}%; "
          f"{args.reps} replicates per n; seed {args.seed}")
    rows = []
    started = time.perf_counter()
    for n in args.n:
        results: dict[str, list] = {}
        for _ in range(args.reps):
            for label, values in one_replicate(frame, margins, n, rng).items():
                results.setdefault(label, []).append(values)
        for label, values in results.items():
            v = np.array(values)
            for metric, offset, truth in (("NPS", 0, true_nps), ("share", 3, true_share)):
                est, low, high = v[:, offset], v[:, offset + 1], v[:, offset + 2]
                rows.append({"n": n, "metric": metric, "estimator": label,
                             "coverage %": 100 * np.mean((low <= truth) & (truth <= high)),
                             "half-width": np.mean(high - low) / 2,
                             "bias": np.mean(est) - truth})
    table = pd.DataFrame(rows)
    naive = table[table.estimator == "raked, naive SE"].set_index(["n", "metric"])["half-width"]
    table["width / naive"] = [r["half-width"] / naive[r["n"], r["metric"]]
                              for _, r in table.iterrows()]
    print(table.round(2).to_string(index=False))
    print(f"({time.perf_counter() - started:.0f} s; Monte Carlo SE of a 95% coverage: "
          f"{100 * np.sqrt(0.95 * 0.05 / args.reps):.1f} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
