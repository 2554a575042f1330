"""Quality-monitoring calibration: do raters score the same contacts the same way?

In a calibration session several quality monitors score the same recorded contacts (items).
Two questions follow, each answered by one function returning a tidy table:

- :func:`rater_agreement`: how reliable are the scores, as intraclass correlations (ICC) —
  computed by :func:`pingouin.intraclass_corr`;
- :func:`rater_bias`: which rater scores systematically higher or lower than the others, with
  a confidence interval, so that a calibration meeting knows whom to talk to.

Input is long format: one row per (item, rater) with the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import config
from .errors import ColumnError, ParameterError, ScaleError

__all__ = ["rater_agreement", "rater_bias"]

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
    return pd.DataFrame({
        "type": [name for name, _ in _ICC_FORMS],
        "description": [text for _, text in _ICC_FORMS],
        "estimate": icc["ICC"].to_numpy(float),
        "ci_low": ci[:, 0],
        "ci_high": ci[:, 1],
        "n_items": n_items,
        "n_raters": n_raters,
        "method": "pingouin.intraclass_corr",
    })


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
    return pd.DataFrame(rows)
