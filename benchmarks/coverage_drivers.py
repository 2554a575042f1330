"""Coverage of the bootstrap intervals of :func:`kirc.drivers` (LMG importance), by simulation.

Each scenario draws samples from a population whose covariance matrix is known, so that the
true LMG shares are computed exactly from it (:func:`kirc.drivers.lmg_shares`), and counts how
often the 95% percentile-bootstrap interval of each predictor's importance covers the truth.

Scenarios (four correlated normal predictors, true shares about 50 / 27 / 15 / 8 %, R² 0.4):

* ``srs``: simple random sample, unweighted.
* ``weighted``: the same population, with non-informative log-normal weights (CV about 0.6,
  as after post-stratification); weighted LMG, weight-aware bootstrap.
* ``clustered``: 60 PSUs of 10 in 6 strata with a PSU random effect (intra-cluster
  correlation about 0.3 in every variable); the PSUs-within-strata bootstrap, and for
  contrast the same data analysed as if they were a simple random sample.

* ``demo``: the demo Klantcontact Monitor of 2025 (about 1,600 employee contacts, weighted,
  seven drivers, answers rounded to whole grades) redrawn with seeds 1..R, against the truth
  the generator stores (``attrs["driver_truth"]``, about the latent, unrounded answers).

Monte Carlo error: with R replications a coverage of 95% has a standard error of
sqrt(0.95 · 0.05 / R), 1.1 points at R = 400. Printed: coverage per predictor and its mean,
for each scenario and n. Run as ``python benchmarks/coverage_drivers.py`` (about five minutes
on two busy cores; ``--quick`` for R = 100).
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

from kirc.estimate.drivers import drivers, lmg_shares  # noqa: E402

P = 4
CORRELATION = np.array([[1.0, 0.4, 0.3, 0.2],
                        [0.4, 1.0, 0.3, 0.2],
                        [0.3, 0.3, 1.0, 0.2],
                        [0.2, 0.2, 0.2, 1.0]])
EFFECTS = np.array([0.45, 0.25, 0.2, 0.1])
ICC = 0.3
N_BOOT = 400
CONFIDENCE = 0.95


def population_covariance() -> np.ndarray:
    """Covariance of (y, x1..x4): y = EFFECTS @ x + e with R² 0.4."""
    explained = EFFECTS @ CORRELATION @ EFFECTS
    noise = explained * (1 - 0.4) / 0.4
    cov = np.empty((P + 1, P + 1))
    cov[0, 0] = explained + noise
    cov[0, 1:] = cov[1:, 0] = CORRELATION @ EFFECTS
    cov[1:, 1:] = CORRELATION
    return cov


def true_importance() -> np.ndarray:
    parts = lmg_shares(population_covariance())
    return 100 * parts / parts.sum()


def draw(rng: np.random.Generator, n: int, scenario: str) -> pd.DataFrame:
    cov = population_covariance()
    root = np.linalg.cholesky(cov)
    if scenario == "clustered":
        n_psu = n // 10
        psu = np.repeat(np.arange(n_psu), 10)
        # between- and within-PSU parts with the same correlation structure: the total
        # covariance (what the LMG truth is about) stays ``cov``
        between = rng.standard_normal((n_psu, P + 1)) @ root.T * np.sqrt(ICC)
        within = rng.standard_normal((n, P + 1)) @ root.T * np.sqrt(1 - ICC)
        values = between[psu] + within
    else:
        psu = np.arange(n)
        values = rng.standard_normal((n, P + 1)) @ root.T
    frame = pd.DataFrame(values, columns=["y", *[f"x{j}" for j in range(P)]])
    frame["psu"] = psu
    frame["stratum"] = psu % 6
    frame["w"] = rng.lognormal(0.0, 0.55, n) if scenario == "weighted" else 1.0
    return frame


class Design:
    """Stands in for kirc.Design (read by attribute) before the design branch is merged."""

    def __init__(self, weights=None, strata=None, psu=None):
        self.weights, self.strata, self.psu = weights, strata, psu


ANALYSES = {
    "srs": Design(),
    "weighted": Design(weights="w"),
    "clustered": Design(weights="w", strata="stratum", psu="psu"),
    "clustered as SRS": Design(weights="w"),
}


def coverage(scenario: str, analysis: str, n: int, reps: int, seed: int) -> dict:
    truth = true_importance()
    rng = np.random.default_rng(seed)
    hits = np.zeros(P)
    widths = np.zeros(P)
    for r in range(reps):
        frame = draw(rng, n, scenario)
        out = drivers(frame, "y", [f"x{j}" for j in range(P)], design=ANALYSES[analysis],
                      n_boot=N_BOOT, seed=r, confidence=CONFIDENCE)
        hits += (out["ci_low"].to_numpy() <= truth) & (truth <= out["ci_high"].to_numpy())
        widths += (out["ci_high"] - out["ci_low"]).to_numpy()
    row = {"scenario": analysis, "n": n}
    row.update({f"x{j} ({truth[j]:.0f}%)": 100 * hits[j] / reps for j in range(P)})
    row["mean"] = 100 * hits.mean() / reps
    row["mean width"] = widths.mean() / reps
    return row


def demo_coverage(reps: int, year: int = 2025) -> dict:
    """Coverage of the demo survey's driver intervals against the generator's truth."""
    from kirc import demo

    names = [*demo.DRIVER_ITEMS, "fcr"]
    version = 0 if demo.questionnaire(year) == "v2017" else 1
    columns = {name: demo.COLUMNS["klantcontact"][name][version]
               for name in (*names, "csat", "weight")}
    hits = np.zeros(len(names))
    order_recovered = 0
    for seed in range(1, reps + 1):
        raw = demo.generate(seed, surveys=["klantcontact"])["klantcontact", year]
        frame = pd.DataFrame({name: raw[column] for name, column in columns.items()})
        frame["csat"] = frame["csat"].where(frame["csat"] != demo.DONT_KNOW)
        frame["fcr"] = (frame["fcr"] == 1).astype(float).where(frame["fcr"].notna())
        truth = np.array([raw.attrs["driver_truth"][name] for name in names])
        out = drivers(frame, "csat", names, weights="weight", n_boot=N_BOOT, seed=seed)
        hits += (out["ci_low"].to_numpy() <= truth) & (truth <= out["ci_high"].to_numpy())
        order_recovered += list(np.argsort(-out["importance"].to_numpy())) == list(
            np.argsort(-truth))
    row = {"scenario": f"demo {year}", "n": int(out["n"].iloc[0])}
    row.update({f"{name} ({raw.attrs['driver_truth'][name]:.0f}%)": 100 * hits[j] / reps
                for j, name in enumerate(names)})
    row["mean"] = 100 * hits.mean() / reps
    row["exact order %"] = 100 * order_recovered / reps
    return row


def main(argv: list[str]) -> int:
    reps = 100 if "--quick" in argv else 400
    start = time.perf_counter()
    rows = []
    plan = [("srs", "srs", 200), ("srs", "srs", 800), ("weighted", "weighted", 200),
            ("weighted", "weighted", 800), ("clustered", "clustered", 600),
            ("clustered", "clustered as SRS", 600)]
    for i, (scenario, analysis, n) in enumerate(plan):
        rows.append(coverage(scenario, analysis, n, reps, seed=1000 + i))
        print(f"  {analysis:17s} n={n:4d}: mean coverage {rows[-1]['mean']:.1f}%", flush=True)
    table = pd.DataFrame(rows)
    print(f"\nCoverage (%) of the {CONFIDENCE:.0%} percentile-bootstrap intervals of the LMG "
          f"importances, R = {reps} samples, {N_BOOT} replicates each "
          f"(Monte Carlo SE {100 * np.sqrt(0.95 * 0.05 / reps):.1f} points):")
    print(table.round(1).to_string(index=False))
    demo_row = demo_coverage(reps // 4 if "--quick" in argv else 100)
    print("\nThe demo survey (2025) against the generator's truth "
          f"(R = {reps // 4 if '--quick' in argv else 100} seeds):")
    print(pd.DataFrame([demo_row]).round(1).to_string(index=False))
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
