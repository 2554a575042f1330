"""Shared data and comparison for the engine tests (DuckDB, Spark, chunks)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import kirc


def survey(rows: int = 6000, seed: int = 0) -> pd.DataFrame:
    """A weighted, stratified, clustered sample with missing answers and zero weights."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "year": rng.choice([2024, 2025], rows),
        "sector": rng.choice(["energie", "telecom", "zorg"], rows),
        "stratum": rng.integers(1, 4, rows),
        "organisation": rng.integers(0, 25, rows),
        "weight": rng.gamma(2.0, 0.5, rows),
        "nps": rng.integers(0, 11, rows).astype(float),
        "tevredenheid": rng.integers(1, 6, rows),
        "fcr": rng.integers(0, 2, rows).astype(float),
        "score": rng.normal(7, 1.5, rows),
    })
    df.loc[::13, "nps"] = np.nan
    df.loc[::29, "fcr"] = np.nan
    df.loc[::41, "score"] = np.nan
    df.loc[::37, "weight"] = 0.0
    df["population"] = df["stratum"].map({1: 400.0, 2: 300.0, 3: 250.0})     # organisations
    df["units"] = df["stratum"].map({1: 40_000.0, 2: 9_000.0, 3: 25_000.0})  # respondents
    df["team"] = rng.integers(0, 4, rows)                  # second stage: teams of 12 each
    df["teams"] = 12.0
    df["client"] = rng.integers(0, 2500, rows)             # returning units across the years
    # replicate weights: the weight times a bootstrap count of the organisation
    counts = rng.poisson(1.0, (25, 12)).astype(float)
    for k in range(12):
        df[f"rep{k + 1}"] = df["weight"] * counts[df["organisation"].to_numpy(), k]
    return df


DESIGNS = {
    "unweighted": kirc.Design(),
    "weighted": kirc.Design(weights="weight"),
    "stratified fpc": kirc.Design(strata="stratum", fpc="units"),
    "population per year": kirc.Design(population={2024: 5000, 2025: 6000}),
    "stratified clustered": kirc.Design(weights="weight", strata="stratum",
                                        psu="organisation"),
    "stratified clustered fpc": kirc.Design(weights="weight", strata="stratum",
                                            psu="organisation", fpc="population"),
    "two stages": kirc.Design(weights="weight", strata="stratum", psu=["organisation", "team"],
                              fpc=["population", "teams"]),
    "replicates": kirc.Design(weights="weight", replicates=kirc.Replicates(
        columns="rep*", method="bootstrap")),
    "returning units": kirc.Design(weights="weight", strata="stratum", linked="client"),
}

#: (function, column, options) of every estimator
ESTIMATORS = [
    (kirc.nps, "nps", {}),
    (kirc.share, "fcr", {}),
    (kirc.csat, "tevredenheid", {}),
    (kirc.mean_score, "score", {}),
]


def assert_same(expected: pd.DataFrame, actual: pd.DataFrame, rtol: float = 1e-9) -> None:
    """Same columns, same rows in the same order, numbers equal to ``rtol``."""
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        a, b = expected[column], actual[column]
        if pd.api.types.is_numeric_dtype(a.dtype) and not pd.api.types.is_bool_dtype(a.dtype):
            np.testing.assert_allclose(b.to_numpy(float), a.to_numpy(float), rtol=rtol,
                                       atol=1e-12, equal_nan=True, err_msg=column)
        else:
            assert list(b.astype(object).where(b.notna(), None)) == \
                list(a.astype(object).where(a.notna(), None)), column
