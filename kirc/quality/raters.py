"""Quality-monitoring calibration: do raters score the same contacts the same way?

In a calibration session several quality monitors score the same recorded contacts (items).
Two questions follow, each answered by one function returning a tidy table:

- :func:`rater_agreement`: how reliable are the scores, as intraclass correlations (ICC) —
  computed by :func:`pingouin.intraclass_corr`;
- :func:`rater_bias`: which rater scores systematically higher or lower than the others, with
  a confidence interval, so that a calibration meeting knows whom to talk to.

- :func:`krippendorff_alpha`: Krippendorff's alpha for nominal, ordinal, interval or ratio
  ratings, any number of raters, missing ratings allowed, with a bootstrap interval, and
  Cohen's or Fleiss' kappa beside it;
- :func:`calibration_table`: per criterion of a quality-monitoring form, alpha with its
  interval and the rater who deviates most (from :func:`rater_bias`).

Input is long format: one row per (item, rater) with the score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .. import config, display
from ..report.texts import DISPLAY_TEXT
from ..errors import ColumnError, ParameterError, ScaleError

__all__ = ["rater_agreement", "rater_bias", "krippendorff_alpha", "calibration_table",
           "example_session", "load_scores", "criteria_of"]

# pingouin names the six ICC forms differently across versions (ICC1..ICC3k up to 0.5, the
# McGraw & Wong notation later) but always returns them in this order.
_ICC_FORMS = [
    ("ICC(1,1)", "one rater; raters interchangeable (one-way random)"),
    ("ICC(A,1)", "one rater; absolute agreement (two-way random)"),
    ("ICC(C,1)", "one rater; consistency (two-way mixed)"),
    ("ICC(1,k)", "mean of the raters; raters interchangeable"),
    ("ICC(A,k)", "mean of the raters; absolute agreement"),
    ("ICC(C,k)", "mean of the raters; consistency"),
]


def _check(data: pd.DataFrame, item: str, rater: str, score: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    source = data.attrs.get("source")
    for column in (item, rater, score):
        if column not in data.columns:
            raise ColumnError("no such column", file=source, column=column)
    frame = data[[item, rater, score]].copy()
    frame[score] = pd.to_numeric(frame[score], errors="coerce")
    bad = frame[score].isna() & data[score].notna()
    if bad.any():
        raise ScaleError(f"{int(bad.sum())} scores are not numbers", file=source, column=score)
    if frame.duplicated([item, rater]).any():
        raise ParameterError(f"some raters scored an item twice: one row per ({item}, {rater}) "
                             "is expected")
    return frame


def rater_agreement(data: pd.DataFrame, item: str, rater: str, score: str) -> pd.DataFrame:
    """Intraclass correlations of the raters' scores, with 95% confidence intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per (item, rater).
    item, rater, score : str
        Column names: the scored contact, the rater, the score.

    Returns
    -------
    pandas.DataFrame
        One row per ICC form: ``type`` (McGraw & Wong notation), ``description``,
        ``estimate``, ``ci_low``, ``ci_high``, ``n_items`` (items scored by every rater),
        ``n_raters``, ``method``. For a calibration session ``ICC(A,1)`` is the usual
        figure: do two raters give the same score to the same contact?

    Notes
    -----
    Computed by :func:`pingouin.intraclass_corr` with listwise deletion of items that not every
    rater scored; its intervals are at 95%. Validated against the worked example of Shrout &
    Fleiss (1979, Psychological Bulletin 86:420–428, Table 2 data; ICC(1,1) = .17, ICC(2,1) =
    .29, ICC(3,1) = .71, ICC(1,4) = .44, ICC(2,4) = .62, ICC(3,4) = .91).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"gesprek": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                        "beoordelaar": ["An", "Bo"] * 4,
    ...                        "score": [7, 8, 5, 5, 9, 9, 4, 6]})
    >>> out = rater_agreement(scores, "gesprek", "beoordelaar", "score")
    >>> out[["type", "estimate", "n_items", "n_raters"]].round(3).head(3)
           type  estimate  n_items  n_raters
    0  ICC(1,1)     0.851        4         2
    1  ICC(A,1)     0.854        4         2
    2  ICC(C,1)     0.889        4         2
    """
    import pingouin

    frame = _check(data, item, rater, score)
    complete = frame.pivot(index=item, columns=rater, values=score).dropna()
    n_items, n_raters = complete.shape
    if n_raters < 2 or n_items < 2:
        raise ParameterError(f"need at least two raters who scored the same two items; "
                             f"found {n_raters} raters and {n_items} items scored by all")
    long = complete.reset_index().melt(id_vars=item, var_name=rater, value_name=score)
    icc = pingouin.intraclass_corr(data=long, targets=item, raters=rater, ratings=score)
    if len(icc) != len(_ICC_FORMS):
        raise ParameterError(f"pingouin returned {len(icc)} ICC forms, expected six")
    ci = np.array([list(v) for v in icc["CI95" if "CI95" in icc else "CI95%"]], dtype=float)
    return _agreement(pd.DataFrame({
        "type": [name for name, _ in _ICC_FORMS],
        "description": [text for _, text in _ICC_FORMS],
        "estimate": icc["ICC"].to_numpy(float),
        "ci_low": ci[:, 0],
        "ci_high": ci[:, 1],
        "n_items": n_items,
        "n_raters": n_raters,
        "method": "pingouin.intraclass_corr",
    }), "ICC", ("type",), score, also=("n_items", "n_raters"))


def rater_bias(data: pd.DataFrame, item: str, rater: str, score: str,
               confidence: float = config.CONFIDENCE, min_n: int = 10) -> pd.DataFrame:
    """How far each rater scores from the others on the same items, with a t interval.

    For every item a rater scored, the deviation is the rater's score minus the mean of the
    other raters' scores on that item; the table gives the mean deviation per rater.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per (item, rater).
    item, rater, score : str
        Column names.
    confidence : float, default 0.95
    min_n : int, default 10
        Raters with fewer co-scored items are flagged.

    Returns
    -------
    pandas.DataFrame
        One row per rater: ``rater``, ``estimate`` (mean deviation in score points),
        ``ci_low``, ``ci_high``, ``n`` (items also scored by someone else), ``n_eff`` (= n),
        ``n_missing`` (items of the rater without a score), ``method`` ("t"), ``flag``,
        ``p_value`` (one-sample t-test of a mean deviation of 0).

    Notes
    -----
    The interval is the one-sample t interval of the deviations (validated against
    ``scipy.stats.ttest_1samp`` and its ``confidence_interval``); items are treated as
    independent, which holds for separately recorded contacts.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"gesprek": [1, 1, 2, 2, 3, 3],
    ...                        "beoordelaar": ["An", "Bo"] * 3,
    ...                        "score": [7, 8, 5, 6, 9, 9]})
    >>> rater_bias(scores, "gesprek", "beoordelaar", "score")[["beoordelaar", "estimate", "n"]]
      beoordelaar  estimate  n
    0          An -0.666667  3
    1          Bo  0.666667  3
    """
    frame = _check(data, item, rater, score)
    wide = frame.pivot(index=item, columns=rater, values=score)
    if wide.shape[1] < 2:
        raise ParameterError("need at least two raters")
    rows = []
    for name in wide.columns:
        others = wide.drop(columns=name)
        consensus = others.mean(axis=1)
        deviation = (wide[name] - consensus).dropna()
        n = len(deviation)
        missing = int(wide[name].isna().sum())
        if n >= 2:
            test = stats.ttest_1samp(deviation, 0.0)
            interval = test.confidence_interval(confidence)
            low, high, p_value = float(interval.low), float(interval.high), float(test.pvalue)
        else:
            low = high = p_value = np.nan
        rows.append({rater: name, "estimate": deviation.mean() if n else np.nan,
                     "ci_low": low, "ci_high": high, "n": n, "n_eff": float(n),
                     "n_missing": missing, "method": "t",
                     "flag": f"n<{min_n}" if n < min_n else "", "p_value": p_value})
    return _agreement(pd.DataFrame(rows), "deviation", (rater,), score, unit="score",
                      signed=True, also=("n",))


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha, Cohen's and Fleiss' kappa
# --------------------------------------------------------------------------------------------
LEVELS = ("nominal", "ordinal", "interval", "ratio")
BOOTSTRAP = ("pairs", "units")


def _long_ratings(data: pd.DataFrame, targets: str, raters: str, ratings: str,
                  level: str) -> pd.DataFrame:
    """The rated rows of the long table, ratings numeric (nominal ratings may be texts)."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    source = data.attrs.get("source")
    for column in (targets, raters, ratings):
        if column not in data.columns:
            raise ColumnError("no such column", file=source, column=column)
    frame = data[[targets, raters, ratings]]
    if frame.duplicated([targets, raters]).any():
        raise ParameterError(f"some raters rated a target twice: one row per ({targets}, "
                             f"{raters}) is expected")
    frame = frame[frame[ratings].notna()]
    if level != "nominal":
        values = pd.to_numeric(frame[ratings], errors="coerce")
        if values.isna().any():
            raise ScaleError(f"{int(values.isna().sum())} ratings are not numbers; a "
                             f"{level} alpha needs numbers (use level='nominal' for "
                             "categories)", file=source, column=ratings)
        if level == "ratio" and (values < 0).any():
            raise ScaleError("ratio ratings cannot be negative", file=source, column=ratings)
        frame = frame.assign(**{ratings: values})
    return frame


def _coincidences(unit: np.ndarray, value: np.ndarray, n_values: int) -> np.ndarray:
    """Coincidence matrix o_ck (Krippendorff 2011, section C): every ordered pair of values
    within a unit with m_u pairable values counts 1 / (m_u - 1)."""
    n_units = unit.max() + 1 if len(unit) else 0
    counts = np.zeros((n_units, n_values))
    np.add.at(counts, (unit, value), 1.0)
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep], m[keep]
    scale = 1.0 / (m - 1)
    pairs = np.einsum("u,uc,uk->ck", scale, counts, counts)
    pairs -= np.diag(np.einsum("u,uc->c", scale, counts))   # a value does not pair with itself
    return pairs


def _distances(values: np.ndarray, marginals: np.ndarray, level: str) -> np.ndarray:
    """δ²(c, k) of Krippendorff (2011, section E) for the sorted distinct values."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    if level == "ordinal":
        # δ²(c, k) = (n_c + ... + n_k - (n_c + n_k) / 2)² for c <= k; marginals may be a
        # stack (..., v) of bootstrap replicates
        cumulative = np.cumsum(marginals, axis=-1)
        before = np.concatenate([np.zeros(marginals.shape[:-1] + (1,)), cumulative], axis=-1)
        low = np.minimum.outer(np.arange(len(values)), np.arange(len(values)))
        high = np.maximum.outer(np.arange(len(values)), np.arange(len(values)))
        span = cumulative[..., high] - before[..., low]
        return (span - (marginals[..., :, None] + marginals[..., None, :]) / 2) ** 2
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return diff**2
    total = values[:, None] + values[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total == 0, 0.0, (diff / total) ** 2)


def _alpha_from(coincidences: np.ndarray, delta: np.ndarray) -> tuple[float, float, float]:
    """(alpha, observed disagreement, expected disagreement) from o_ck and δ²."""
    marginals = coincidences.sum(axis=1)
    n = marginals.sum()
    observed = float((coincidences * delta).sum() / n)
    expected = float((np.outer(marginals, marginals) * delta).sum() / (n * (n - 1)))
    return (1.0 - observed / expected if expected > 0 else np.nan), observed, expected


def _kappa(table: np.ndarray, weights: np.ndarray) -> float:
    """Cohen's (weighted) kappa from a two-rater contingency table and disagreement weights."""
    p = table / table.sum()
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    chance = (weights * expected).sum()
    return float(1.0 - (weights * p).sum() / chance) if chance > 0 else np.nan


def _fleiss(counts: np.ndarray) -> float:
    """Fleiss' kappa from the (targets × categories) counts, every target rated m times."""
    m = counts.sum(axis=1)[0]
    n = len(counts)
    p_j = counts.sum(axis=0) / (n * m)
    p_i = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    expected = (p_j**2).sum()
    return float((p_i.mean() - expected) / (1 - expected)) if expected < 1 else np.nan


def krippendorff_alpha(data: pd.DataFrame, targets: str, raters: str, ratings: str, *,
                       level: str = "ordinal", confidence: float = config.CONFIDENCE,
                       n_boot: int = 2000, bootstrap: str = "units",
                       seed: int | None = 2018) -> pd.DataFrame:
    """Krippendorff's alpha of the raters' agreement, with a bootstrap interval and the kappas.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per (target, rater); a missing rating (NaN, or no row) is allowed.
    targets, raters, ratings : str
        Column names: the rated contact, the rater, the rating (same order as
        :func:`rater_agreement`).
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement; it chooses the difference function δ² (Krippendorff 2011).
    confidence : float, default 0.95
    n_boot : int, default 2000
        Bootstrap replicates (0: no interval).
    bootstrap : {"units", "pairs"}, default "units"
        ``"units"``: the rated targets are resampled with replacement and alpha is recomputed
        in full (observed and expected disagreement). ``"pairs"``: the procedure of Hayes &
        Krippendorff (2007; Krippendorff's "Algorithm for bootstrapping a distribution of
        alpha"): pairs of values are drawn from the coincidences with the expected
        disagreement held fixed. It treats the pairs within a target as independent, and its
        intervals are far too narrow: in benchmarks/coverage_alpha.py (5 raters, ordinal,
        alpha 0.50, R = 200) its 95% interval covered the true alpha 59% of the time with 12
        targets and 70.5% with 40, against 88.5% and 93% for ``"units"`` (Hughes 2022 finds
        the customary bootstrap wanting too). Offered to compare with the KALPHA macro, not
        as the default. With a dozen contacts even ``"units"`` is somewhat too narrow.
    seed : int or None, default 2018

    Returns
    -------
    pandas.DataFrame
        First row ``Krippendorff's alpha`` (``estimate``, ``ci_low``, ``ci_high``), then
        ``Cohen's kappa`` when there are two raters or ``Fleiss' kappa`` when there are more
        (targets rated by every rater; no interval). Columns ``statistic``, ``estimate``,
        ``ci_low``, ``ci_high``, ``n`` (pairable values for alpha, targets for kappa),
        ``n_targets``, ``n_raters``, ``level``, ``method``, ``flag``.
        Cohen's kappa is unweighted for nominal ratings, linearly weighted for ordinal ones
        and quadratically weighted for interval and ratio ratings.

    Notes
    -----
    Alpha = 1 − D_o / D_e from the coincidence matrix. Validated against the worked example of
    Krippendorff (2011), "Computing Krippendorff's alpha-reliability" (4 observers × 12 units
    with missing values: nominal .743, ordinal .815, interval .849, ratio .797) and against the
    ``krippendorff`` package (Castro 2017) on random data with missing ratings. The kappas are
    checked against ``statsmodels.stats.inter_rater``. Computed here rather than by the
    ``krippendorff`` package because the bootstrap needs the coincidence matrix and pairs.

    in R: ``irr::kripp.alpha(t(wide), method = "ordinal")``.

    References
    ----------
    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability
    measure for coding data. *Communication Methods and Measures*, 1(1), 77–89.
    Hughes, J. (2022). Toward improved inference for Krippendorff's alpha agreement
    coefficient. arXiv:2210.13265.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"gesprek": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                        "monitor": ["An", "Bo"] * 5,
    ...                        "score": [4, 4, 2, 3, 5, 5, 1, 1, 3, 3]})
    >>> out = krippendorff_alpha(scores, "gesprek", "monitor", "score", n_boot=0)
    >>> out[["statistic", "estimate", "n", "n_raters"]].round(3)
                  statistic  estimate   n  n_raters
    0  Krippendorff's alpha     0.954  10         2
    1         Cohen's kappa     0.872   5         2
    """
    if level not in LEVELS:
        raise ParameterError(f"unknown level {level!r} (known: {', '.join(LEVELS)})")
    if bootstrap not in BOOTSTRAP:
        raise ParameterError(f"unknown bootstrap {bootstrap!r} (known: {', '.join(BOOTSTRAP)})")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie between 0 and 1, not {confidence!r}")
    frame = _long_ratings(data, targets, raters, ratings, level)
    unit, unit_names = pd.factorize(frame[targets])
    rater_codes, rater_names = pd.factorize(frame[raters])
    values, value = np.unique(frame[ratings].to_numpy(), return_inverse=True)
    per_unit = np.bincount(unit, minlength=len(unit_names))
    pairable_units = per_unit >= 2
    if pairable_units.sum() < 1 or len(values) < 1:
        raise ParameterError("no target was rated by two raters: alpha needs pairable ratings")
    coincidences = _coincidences(unit, value, len(values))
    marginals = coincidences.sum(axis=1)
    delta = _distances(values.astype(float) if level != "nominal" else values, marginals,
                       level)
    alpha, observed, expected = _alpha_from(coincidences, delta)
    n_pairable = int(round(marginals.sum()))
    low = high = np.nan
    if n_boot and np.isfinite(alpha):
        rng = np.random.default_rng(seed)
        if bootstrap == "pairs":
            boot = _pairs_bootstrap(rng, unit, value, delta, expected, n_boot)
        else:
            boot = _units_bootstrap(rng, unit, value, values, level, delta, n_boot)
        tail = 100 * (1 - confidence) / 2
        low, high = np.nanpercentile(boot, [tail, 100 - tail])
    n_raters = len(rater_names)
    rows = [{"statistic": "Krippendorff's alpha", "estimate": alpha, "ci_low": low,
             "ci_high": high, "n": n_pairable, "n_targets": int(pairable_units.sum()),
             "n_raters": n_raters, "level": level,
             "method": (f"bootstrap ({bootstrap}), {n_boot} replicates" if n_boot
                        else "no interval")}]
    # kappas on the targets every rater rated
    wide = np.full((len(unit_names), n_raters), -1)
    wide[unit, rater_codes] = value
    complete = wide[(wide >= 0).all(axis=1)]
    if n_raters == 2 and len(complete) >= 2:
        table = np.zeros((len(values), len(values)))
        np.add.at(table, (complete[:, 0], complete[:, 1]), 1.0)
        if level == "nominal":
            weights = 1.0 - np.eye(len(values))
        else:
            position = np.arange(len(values), dtype=float) if level == "ordinal" else values
            power = 1 if level == "ordinal" else 2
            weights = np.abs(position[:, None] - position[None, :]) ** power
        kind = {"nominal": "", "ordinal": " (linear weights)"}.get(level, " (quadratic weights)")
        rows.append({"statistic": "Cohen's kappa", "estimate": _kappa(table, weights),
                     "ci_low": np.nan, "ci_high": np.nan, "n": len(complete),
                     "n_targets": len(complete), "n_raters": 2, "level": level,
                     "method": f"Cohen{kind}"})
    elif n_raters > 2 and len(complete) >= 2:
        counts = np.zeros((len(complete), len(values)))
        np.add.at(counts, (np.repeat(np.arange(len(complete)), n_raters), complete.ravel()), 1)
        rows.append({"statistic": "Fleiss' kappa", "estimate": _fleiss(counts),
                     "ci_low": np.nan, "ci_high": np.nan, "n": len(complete),
                     "n_targets": len(complete), "n_raters": n_raters, "level": level,
                     "method": "Fleiss (nominal)"})
    out = pd.DataFrame(rows)
    out["flag"] = np.where(out["n_targets"] < 10, "n<10", "")
    if not expected > 0:
        # every pairable rating is the same value: alpha is undefined (0/0), not perfect
        # agreement, since the form did not discriminate between these contacts
        out.loc[0, "flag"] = "no variation"
    out.attrs = {"observed_disagreement": observed, "expected_disagreement": expected}
    return _agreement(out, "alpha", ("statistic",), ratings, also=("n_targets", "n_raters"))


def _units_bootstrap(rng, unit, value, values, level, delta, n_boot) -> np.ndarray:
    """Resample the pairable targets with replacement and recompute alpha in full.

    A target's contribution to the coincidences does not depend on the others, so a
    replicate's coincidence matrix is the draw counts times the per-target contributions:
    one matrix product for all replicates.
    """
    n_values = len(values)
    counts = np.zeros((unit.max() + 1, n_values))
    np.add.at(counts, (unit, value), 1.0)
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    n_units = len(counts)
    per_unit = counts[:, :, None] * counts[:, None, :]
    per_unit[:, np.arange(n_values), np.arange(n_values)] -= counts
    per_unit /= (m - 1)[:, None, None]
    draws = rng.integers(0, n_units, size=(n_boot, n_units))
    flat = (np.arange(n_boot)[:, None] * n_units + draws).ravel()
    weight = np.bincount(flat, minlength=n_boot * n_units).reshape(n_boot, n_units)
    coincidences = (weight @ per_unit.reshape(n_units, -1)).reshape(n_boot, n_values, n_values)
    marginals = coincidences.sum(axis=2)
    n = marginals.sum(axis=1)
    if level == "ordinal":   # the ordinal distances depend on the marginals
        delta = _distances(values, marginals, level)
    observed = (coincidences * delta).sum(axis=(1, 2)) / n
    expected = ((marginals[:, :, None] * marginals[:, None, :] * delta).sum(axis=(1, 2))
                / (n * (n - 1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1.0 - observed / expected, np.nan)


def _pairs_bootstrap(rng, unit, value, delta, expected, n_boot) -> np.ndarray:
    """Hayes & Krippendorff (2007): resample the pairable pairs, D_e fixed.

    Every unit with m_u pairable values holds m_u (m_u − 1) / 2 unordered pairs, each carrying
    the weight 2 / (m_u − 1) in the coincidences (the weights sum to n, the pairable values).
    A replicate draws as many pairs as there are, with probability proportional to the weight,
    and estimates D_o as the mean δ² of the drawn pairs.
    """
    order = np.argsort(unit, kind="stable")
    unit, value = unit[order], value[order]
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    ends = np.r_[starts[1:], len(unit)]
    first, second, weight = [], [], []
    for start, end in zip(starts, ends):
        m = end - start
        if m < 2:
            continue
        i, j = np.triu_indices(m, k=1)
        first.append(value[start + i])
        second.append(value[start + j])
        weight.append(np.full(len(i), 2.0 / (m - 1)))
    first, second, weight = map(np.concatenate, (first, second, weight))
    deviation = delta[first, second]
    probability = weight / weight.sum()
    draws = rng.choice(len(deviation), size=(n_boot, len(deviation)), p=probability)
    observed = deviation[draws].mean(axis=1)
    return 1.0 - observed / expected


def calibration_table(data: pd.DataFrame, targets: str, raters: str, criteria: Sequence[str],
                      *, level: str = "ordinal", confidence: float = config.CONFIDENCE,
                      n_boot: int = 2000, seed: int | None = 2018) -> pd.DataFrame:
    """Per criterion of a quality-monitoring form: alpha, its interval, who deviates most.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per (target, rater), one column per criterion of the form.
    targets, raters : str
        The scored contact and the rater (monitor, team leader, the employee).
    criteria : list of str
        The criterion columns ("empathie", "eigenaarschap", ...).
    level, confidence, n_boot, seed
        As in :func:`krippendorff_alpha`.

    Returns
    -------
    pandas.DataFrame
        One row per criterion, least agreement first: ``criterion``, ``estimate`` (alpha),
        ``ci_low``, ``ci_high``, ``n`` (pairable ratings), ``n_targets``, ``n_raters``,
        ``deviating_rater`` (largest absolute mean deviation from the others, by
        :func:`rater_bias`), ``deviation`` (its mean deviation in score points, + = scores
        higher), ``deviation_ci_low``, ``deviation_ci_high``, ``level``, ``method``, ``flag``
        (``"n<10"`` with fewer than ten pairable targets; ``"alpha<0.667"`` below the level
        under which Krippendorff (2004) advises against drawing even tentative conclusions).

    Examples
    --------
    >>> import pandas as pd
    >>> form = pd.DataFrame({"gesprek": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                      "monitor": ["An", "Bo", "Cas"] * 4,
    ...                      "empathie": [3, 4, 5, 2, 3, 4, 4, 4, 5, 1, 2, 3],
    ...                      "oplossing": [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0]})
    >>> table = calibration_table(form, "gesprek", "monitor", ["empathie", "oplossing"],
    ...                           n_boot=0)
    >>> table[["criterion", "estimate", "deviating_rater", "deviation"]].round(2)
       criterion  estimate deviating_rater  deviation
    0   empathie      0.46             Cas       1.38
    1  oplossing      1.00              An       0.00
    """
    if isinstance(criteria, str):
        criteria = [criteria]
    if not criteria:
        raise ParameterError("give at least one criterion column")
    rows = []
    for criterion in criteria:
        alpha = krippendorff_alpha(data, targets, raters, criterion, level=level,
                                   confidence=confidence, n_boot=n_boot, seed=seed).iloc[0]
        rated = data[data[criterion].notna()]
        bias = rater_bias(rated, targets, raters, criterion, confidence=confidence)
        bias = bias.dropna(subset=["estimate"])
        worst = bias.loc[bias["estimate"].abs().idxmax()] if len(bias) else None
        flag = []
        if alpha["flag"] == "no variation":
            flag.append("no variation")
        elif alpha["n_targets"] < 10:
            flag.append("n<10")
        if np.isfinite(alpha["estimate"]) and alpha["estimate"] < 0.667:
            flag.append("alpha<0.667")
        rows.append({
            "criterion": criterion, "estimate": alpha["estimate"],
            "ci_low": alpha["ci_low"], "ci_high": alpha["ci_high"], "n": alpha["n"],
            "n_targets": alpha["n_targets"], "n_raters": alpha["n_raters"],
            "deviating_rater": None if worst is None else worst[raters],
            "deviation": np.nan if worst is None else worst["estimate"],
            "deviation_ci_low": np.nan if worst is None else worst["ci_low"],
            "deviation_ci_high": np.nan if worst is None else worst["ci_high"],
            "level": level, "method": alpha["method"], "flag": ", ".join(flag)})
    out = pd.DataFrame(rows).sort_values("estimate", kind="stable", ignore_index=True)
    return _agreement(out, "alpha", ("criterion",), raters,
                      also=("n_targets", "n_raters", ("deviating_rater", "text"),
                            ("deviation", "signed"), ("flag", "text")))


def _agreement(table: pd.DataFrame, title: str, keys, caption: str, *, unit="coefficient",
               signed=False, also=()) -> pd.DataFrame:
    """A calibration result that shows itself as a table (:mod:`kirc.display`); rater
    sessions are small by design, so no figure is suppressed, a few-contact one is marked."""
    title = DISPLAY_TEXT["nl"].get(title, title)
    return display.with_view(table, display.View(
        kind="agreement", title=title, unit=unit, keys=tuple(keys), counts=(), also=also,
        signed=signed, caption=caption))


# --------------------------------------------------------------------------------------------
# A monthly calibration session: example data, reading the scores, two charts
# --------------------------------------------------------------------------------------------
#: Criteria of the example quality-monitoring form and how much they rest on "feel": the
#: standard deviation of a rater's noise on the 1-5 scale.
EXAMPLE_CRITERIA = {"begroeting": 0.25, "vraag_verhelderd": 0.45, "oplossing": 0.35,
                    "empathie": 0.85, "eigenaarschap": 0.8, "afsluiting": 0.3}
EXAMPLE_RATERS = ("monitor A", "monitor B", "monitor C", "teamleider", "medewerker")


def example_session(seed: int = 2018, n_contacts: int = 12) -> pd.DataFrame:
    """Synthetic scores of one calibration session, in long format.

    Five raters (three quality monitors, the team leader and the employee) score the same
    ``n_contacts`` recorded contacts on the six criteria of :data:`EXAMPLE_CRITERIA` (1–5).
    Criteria that rest on feel (empathy, ownership) carry more rater noise, and the employee
    rates their own empathy and ownership about a point higher (self-assessment); one
    monitor skipped two contacts. Columns ``gesprek``, ``beoordelaar`` and one per criterion.

    Examples
    --------
    >>> session = example_session()
    >>> session.shape, session["beoordelaar"].nunique()
    ((58, 8), 5)
    """
    rng = np.random.default_rng(seed)
    quality = rng.normal(3.2, 0.9, (n_contacts, len(EXAMPLE_CRITERIA)))
    rows = []
    for r, rater in enumerate(EXAMPLE_RATERS):
        for contact in range(n_contacts):
            if rater == "monitor C" and contact in (3, 8):
                continue   # not scored in time for the session
            row = {"gesprek": f"G{contact + 1:02d}", "beoordelaar": rater}
            for c, (criterion, noise) in enumerate(EXAMPLE_CRITERIA.items()):
                lenient = 1.0 if rater == "medewerker" and criterion in ("empathie",
                                                                          "eigenaarschap") else 0
                row[criterion] = float(np.clip(np.rint(quality[contact, c] + lenient
                                                       + rng.normal(0, noise)), 1, 5))
            rows.append(row)
    return pd.DataFrame(rows)


def load_scores(path=None, **options) -> pd.DataFrame:
    """The scores of a calibration session: a file (csv, xlsx, sav, ... via
    :func:`kirc.read_survey`, personal data kept: rater names are the point here) or, with
    ``path=None``, :func:`example_session`."""
    if path is None:
        return example_session(**options)
    from ..io import read_survey

    return read_survey(path, personal_data="keep", **options)


def criteria_of(data: pd.DataFrame, targets: str, raters: str) -> list[str]:
    """The criterion columns of a scores table: every numeric column but the target and rater.

    Examples
    --------
    >>> criteria_of(example_session(), "gesprek", "beoordelaar")[:3]
    ['begroeting', 'vraag_verhelderd', 'oplossing']
    """
    for column in (targets, raters):
        if column not in data.columns:
            raise ColumnError("no such column", file=data.attrs.get("source"), column=column)
    criteria = [c for c in data.columns if c not in (targets, raters)
                and pd.api.types.is_numeric_dtype(data[c])]
    if not criteria:
        raise ParameterError("the scores have no numeric criterion columns besides "
                             f"{targets!r} and {raters!r}")
    return criteria
