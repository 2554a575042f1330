"""Across years: a metric per year (:func:`trend`) and its change between two years (:func:`change`).

The samples of different years are treated as **independent** (each year a separate sample, as
the centre's yearly surveys are): a trend is the metric computed on each year's data with that
year's design (its weights, strata, clusters and population), and the variance of a change is
the sum of the two years' variances. Groups are joined on their ``by`` keys, never by position;
a group present in one year only gets a row whose ``note`` says so.

:func:`change` returns the comparison schema :data:`CHANGE_COLUMNS`. The significance decision
and the p-value come from the same method as the interval, so that they cannot disagree:
shares use the score interval that inverts the pooled z-test (``prop.test(correct=FALSE)``;
Miettinen–Nurminen-type score interval, statsmodels' ``confint_proportions_2indep(method=
"score")``), NPS the matching pair of :func:`kirc.intervals.nps_difference_interval` and
:func:`kirc.intervals.nps_difference_pvalue`, means Welch's t. On a weighted, stratified or
clustered design the counts are the design's effective counts (``p(1−p)/Var̂`` per year), so
that the standard error of the change is the one of R's ``svycontrast`` of the two years'
``svymean`` (validated in ``tests/test_design.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from .. import config, intervals
from . import metrics
from ..errors import ParameterError

__all__ = ["change", "change_of_estimates", "trend", "CHANGE_COLUMNS"]

#: Columns of :func:`change` after the ``by`` columns.
CHANGE_COLUMNS = ["year_from", "year_to", "estimate_from", "estimate_to", "estimate", "ci_low",
                  "ci_high", "se", "p_value", "significant", "n_from", "n_to", "n", "n_eff",
                  "n_missing", "method", "flag", "note"]


def _metrics() -> dict[str, Callable]:
    return {"nps": metrics.nps, "csat": metrics.csat, "share": metrics.share,
            "mean": metrics.mean_score, "mean_score": metrics.mean_score}


def _metric_function(metric) -> Callable:
    if callable(metric):
        return metric
    try:
        return _metrics()[metric]
    except KeyError:
        raise ParameterError(f"unknown metric {metric!r}; use one of "
                             f"{', '.join(sorted(_metrics()))}") from None


def _kind(function) -> str:
    if function is metrics.nps:
        return "nps"
    if function is metrics.mean_score:
        return "mean"
    return "share"


def _years(data, year_column):
    if not isinstance(data, pd.DataFrame):         # a Parquet path, DuckDB or Spark (engines)
        from . import engines
        return engines.years(data, year_column)
    metrics._require_columns(data, [year_column])
    return sorted(pd.unique(data[year_column].dropna()))


def _rows_of_year(data, year_column, value):
    if not isinstance(data, pd.DataFrame):
        from . import engines
        return engines.where_equal(data, year_column, value)
    return data[data[year_column] == value]


def trend(data: pd.DataFrame, metric, column: str, by=None, year: str = "year",
          **kwargs) -> pd.DataFrame:
    """A metric per year (and group), ready to plot.

    Parameters
    ----------
    data : pandas.DataFrame
        A frame with a year column, such as :func:`kirc.load_survey` returns.
    metric : {"nps", "csat", "share", "mean"} or callable
        The metric function (or its name).
    column : str
        The answer column.
    by : str or list of str, optional
        Further grouping besides the year.
    year : str, default "year"
        The year column.
    **kwargs
        Passed to the metric (design, weights, method, positive, population, ...).

    Returns
    -------
    pandas.DataFrame
        The metric's tidy output with ``year`` as the first grouping column, sorted by year.
        Each year is estimated as a sample of its own (with the year's design).

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"year": [2018] * 4 + [2019] * 4, "ok": [1, 0, 1, 1, 1, 1, 1, 0]})
    >>> kirc.trend(df, "share", "ok")[["year", "estimate", "n"]]
       year  estimate  n
    0  2018      75.0  4
    1  2019      75.0  4

    In R: ``svyby(~ok, ~year, svydesign(ids=~1, strata=~year, weights=~w, data=df), svymean)``.
    """
    function = _metric_function(metric)
    years = _years(data, year)
    by = metrics._as_list(by)
    frames = []
    for value in years:
        rows = _rows_of_year(data, year, value)
        out = function(rows, column, by=by, **kwargs)
        out.insert(0, year, value)
        frames.append(out)
    if not frames:
        raise ParameterError("the data has no years", file=metrics._source(data), column=year)
    result = pd.concat(frames, ignore_index=True)
    if pd.api.types.is_float_dtype(result[year]) and \
            np.all(result[year] == np.round(result[year])):
        result[year] = result[year].astype(np.int64)
    return result


def change(data: pd.DataFrame, metric, column: str, year=None, by=None,
           weights=metrics.FROM_DESIGN, method: str | None = None,
           confidence: float = config.CONFIDENCE, year_column: str = "year",
           population=metrics.FROM_DESIGN, min_n: int | None = None, **kwargs) -> pd.DataFrame:
    """Change of a metric between two years, with its confidence interval and p-value.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents of (at least) both years, with a year column.
    metric : {"nps", "csat", "share", "mean"} or one of the functions
    column : str
        The answer column.
    year : int or (int, int), optional
        ``(from, to)``; a single year ``Y`` means ``(Y − 1, Y)``; default the last two years in
        the data.
    by : str or list of str, optional
        One change per group; the years are joined on these keys.
    weights, confidence, population, min_n, design, **kwargs
        As for the metric (``positive=`` for share, ``top=``/``scale=`` for csat).
    method : str, optional
        The interval and test for the difference, always a matching pair: for shares
        ``"score"`` (default when :mod:`kirc.intervals` has it: the score interval inverting
        the pooled z-test), ``"newcombe"`` or ``"wald"``; for NPS one of
        :data:`kirc.intervals.NPS_DIFFERENCE_METHODS` (default ``"mover"``); for means
        Welch's t.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then :data:`CHANGE_COLUMNS`: ``estimate`` is the change
        ``to − from`` (points, or scale units for means), ``se`` its standard error,
        ``significant`` is ``p_value < 1 − confidence`` (the same decision as "the interval
        excludes 0"), ``flag`` is set when either year is below the threshold, ``note`` says
        when a group is present in one year only (its change is missing).

    Notes
    -----
    Assumes the two years are independent samples. Shares: the score interval and pooled
    z-test (checked against statsmodels ``confint_proportions_2indep(method="score")`` and
    ``scipy.stats.chi2_contingency`` in ``kirc.intervals``). NPS: the interval/test pair of
    :mod:`kirc.intervals`. Means: Welch's t-test and interval (``scipy.stats.ttest_ind
    (equal_var=False)``) with design standard errors and Satterthwaite degrees of freedom from
    the design degrees of freedom. Weighted, stratified or clustered data enter as the
    design's effective counts; the difference uses the normal quantile.

    In R: ``svycontrast(svyby(~y, ~year, design, svymean, covmat=TRUE), c(-1, 1))``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"year": [2018] * 100 + [2019] * 100,
    ...                    "solved": [1] * 59 + [0] * 41 + [1] * 70 + [0] * 30})
    >>> out = kirc.change(df, "share", "solved", year=2019, method="newcombe")
    >>> out[["year_from", "year_to", "estimate", "ci_low", "ci_high"]].round(3)
       year_from  year_to  estimate  ci_low  ci_high
    0       2018     2019      11.0  -2.239   23.716
    """
    function = _metric_function(metric)
    years = _years(data, year_column)
    if year is None:
        if len(years) < 2:
            raise ParameterError(f"change needs two years; the data has {years}")
        year_from, year_to = years[-2], years[-1]
    elif isinstance(year, (tuple, list)):
        year_from, year_to = year
    else:
        year_from, year_to = year - 1, year
    for y in (year_from, year_to):
        if y not in years:
            raise ParameterError(f"year {y} is not in the data (years: "
                                 f"{', '.join(str(int(v)) for v in years)})",
                                 file=metrics._source(data), column=year_column)
    by = metrics._as_list(by)
    common = dict(by=by, weights=weights, confidence=confidence, population=population,
                  min_n=min_n, **kwargs)
    kind = _kind(function)
    if kind == "nps":
        common["method"] = None
    a = function(_rows_of_year(data, year_column, year_from), column, **common)
    b = function(_rows_of_year(data, year_column, year_to), column, **common)
    return change_of_estimates(a, b, function, year=(year_from, year_to), by=by, method=method,
                               confidence=confidence)


def change_of_estimates(estimates_from: pd.DataFrame, estimates_to: pd.DataFrame, metric,
                        year, by=None, method: str | None = None,
                        confidence: float = config.CONFIDENCE) -> pd.DataFrame:
    """The change between two years' results of a metric, as :func:`change` returns it.

    For a caller that already holds each year's result (a report shows this year's figure
    and its change from two other years) and need not estimate a year twice. ``change`` is
    this function applied to the metric of each year's rows.

    Parameters
    ----------
    estimates_from, estimates_to : pandas.DataFrame
        The results of the metric (:func:`kirc.nps`, :func:`kirc.share`, ...) on the rows of
        the first and of the second year, called with the same arguments (for ``nps``:
        ``method=None``, the interval the change uses).
    metric : {"nps", "csat", "share", "mean"} or one of the functions
    year : (int, int)
        ``(from, to)``, written into ``year_from`` and ``year_to``.
    by, method, confidence :
        As for :func:`change`.

    Returns
    -------
    pandas.DataFrame
        As :func:`change`.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"year": [2018] * 100 + [2019] * 100,
    ...                    "solved": [1] * 59 + [0] * 41 + [1] * 70 + [0] * 30})
    >>> a = kirc.share(df[df.year == 2018], "solved")
    >>> b = kirc.share(df[df.year == 2019], "solved")
    >>> out = kirc.estimate.compare.change_of_estimates(a, b, "share", (2018, 2019), method="newcombe")
    >>> out.equals(kirc.change(df, "share", "solved", year=2019, method="newcombe"))
    True
    """
    function = _metric_function(metric)
    kind = _kind(function)
    year_from, year_to = year
    by = metrics._as_list(by)
    a, b = _with_nobs(estimates_from), _with_nobs(estimates_to)
    a, b = _join(a, b, by)
    out = a[by].copy() if by else pd.DataFrame(index=a.index)
    out["year_from"] = year_from
    out["year_to"] = year_to
    out["estimate_from"] = a["estimate"].to_numpy(float)
    out["estimate_to"] = b["estimate"].to_numpy(float)
    diff = out["estimate_to"].to_numpy() - out["estimate_from"].to_numpy()
    if kind == "mean":
        method, low, high, p_value, se = _mean_change(a, b, diff, confidence)
    else:
        n_a, n_b = _interval_n(a), _interval_n(b)
        if kind == "share":
            method, low, high, p_value = _share_change(a, b, n_a, n_b, method, confidence)
        else:
            method, low, high, p_value = _nps_change(a, b, n_a, n_b, method, confidence)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(a["se"].to_numpy(float) ** 2 + b["se"].to_numpy(float) ** 2)
    n_from = a["n"].fillna(0).to_numpy(np.int64)
    n_to = b["n"].fillna(0).to_numpy(np.int64)
    empty = (n_from == 0) | (n_to == 0)
    low, high, p_value, diff = (np.where(empty, np.nan, np.asarray(x, float))
                                for x in (low, high, p_value, diff))
    out["estimate"] = diff
    out["ci_low"] = low
    out["ci_high"] = high
    out["se"] = np.where(empty, np.nan, se)
    out["p_value"] = p_value
    alpha = 1 - confidence
    out["significant"] = np.asarray(p_value < alpha)
    out["n_from"] = n_from
    out["n_to"] = n_to
    out["n"] = n_from + n_to
    out["n_eff"] = a["n_eff"].fillna(0).to_numpy(float) + b["n_eff"].fillna(0).to_numpy(float)
    out["n_missing"] = (a["n_missing"].fillna(0).to_numpy(np.int64)
                        + b["n_missing"].fillna(0).to_numpy(np.int64))
    out["method"] = method
    flag_a, flag_b = a["flag"].fillna("").to_numpy(str), b["flag"].fillna("").to_numpy(str)
    out["flag"] = np.where(flag_b != "", flag_b, flag_a)
    out["note"] = _notes(a, b, year_from, year_to)
    return out.reset_index(drop=True)


def _with_nobs(frame: pd.DataFrame) -> pd.DataFrame:
    nobs = frame.attrs.get("interval_n")
    design_df = bool(frame.attrs.get("interval_df"))
    frame = frame.copy()
    frame["_nobs"] = np.nan if nobs is None else np.asarray(nobs, float)
    frame["_design_df"] = design_df
    return frame


def _combined_df(a: pd.DataFrame, b: pd.DataFrame):
    """Satterthwaite degrees of freedom of a difference of two design-based estimates.

    None (the normal quantile, as for count-based intervals) unless both years' intervals used
    the t quantile of their design.
    """
    if "_design_df" not in a or not (a["_design_df"].fillna(False).all()
                                     and b["_design_df"].fillna(False).all()):
        return None
    va, vb = a["se"].to_numpy(float) ** 2, b["se"].to_numpy(float) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (va + vb) ** 2 / (va ** 2 / a["df"].to_numpy(float)
                               + vb ** 2 / b["df"].to_numpy(float))
    return np.where(np.isnan(df), np.inf, df)


def _join(a: pd.DataFrame, b: pd.DataFrame, by: list[str]):
    """Both years' rows side by side, joined on the ``by`` keys (outer join, keys of b first)."""
    if not by:
        return a.reset_index(drop=True), b.reset_index(drop=True)
    a = a.assign(_in_from=True)
    b = b.assign(_in_to=True)
    keys = pd.concat([b[by], a[by]], ignore_index=True).drop_duplicates(ignore_index=True)
    for column in by:
        # categorical keys of different years may have different categories: compare values
        if isinstance(keys[column].dtype, pd.CategoricalDtype) and not (
                isinstance(a[column].dtype, pd.CategoricalDtype)
                and isinstance(b[column].dtype, pd.CategoricalDtype)
                and a[column].dtype == b[column].dtype):
            keys[column] = keys[column].astype(object)
            a[column] = a[column].astype(object)
            b[column] = b[column].astype(object)
    left = keys.merge(a, on=by, how="left", sort=False)
    right = keys.merge(b, on=by, how="left", sort=False)
    if len(left) != len(keys) or len(right) != len(keys):
        raise ParameterError(f"the groups of {', '.join(by)} are not unique within a year")
    return left, right


def _notes(a, b, year_from, year_to) -> np.ndarray:
    in_from = a["_in_from"].fillna(False).to_numpy(bool) if "_in_from" in a else \
        np.ones(len(a), bool)
    in_to = b["_in_to"].fillna(False).to_numpy(bool) if "_in_to" in b else np.ones(len(b), bool)
    n_from = a["n"].fillna(0).to_numpy()
    n_to = b["n"].fillna(0).to_numpy()
    notes = np.full(len(a), "", dtype=object)
    notes[(~in_from | (n_from == 0)) & (n_to > 0)] = f"alleen in {_year_text(year_to)}"
    notes[(~in_to | (n_to == 0)) & (n_from > 0)] = f"alleen in {_year_text(year_from)}"
    notes[(n_from == 0) & (n_to == 0)] = "geen antwoorden"
    return notes


def _year_text(year) -> str:
    try:
        return str(int(year))
    except (TypeError, ValueError):
        return str(year)


def _interval_n(frame: pd.DataFrame) -> np.ndarray:
    """The (effective) sample size behind each row's interval.

    The metrics of :mod:`kirc.estimate.metrics` report it (``n / (1 − f)`` for an unweighted simple
    random sample, the design's ``p(1−p)/Var̂`` otherwise); for another callable it is
    recovered from the standard error.
    """
    if "_nobs" in frame and frame["_nobs"].notna().any():
        nobs = frame["_nobs"].to_numpy(float)
    else:
        p = frame["estimate"].to_numpy(float) / 100
        se = frame["se"].to_numpy(float) / 100 if "se" in frame else np.full(len(p), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            nobs = np.where(se > 0, p * (1 - p) / se ** 2, frame["n_eff"].to_numpy(float))
    nobs = np.where(np.isnan(nobs), 0.0, nobs)
    return np.minimum(nobs, 1e12)       # a census has no sampling error: a huge n stands in


def _share_change(a, b, n_a, n_b, method, confidence):
    pa, pb = a["estimate"].to_numpy(float) / 100, b["estimate"].to_numpy(float) / 100
    available = getattr(intervals, "DIFFERENCE_METHODS", ("newcombe", "wald"))
    method = method or ("score" if "score" in available else "newcombe")
    xa, xb = np.nan_to_num(pa * n_a), np.nan_to_num(pb * n_b)
    options = _df_option(intervals.difference_interval, _combined_df(a, b))
    low, high = intervals.difference_interval(xb, n_b, xa, n_a, method=method,
                                              confidence=confidence, **options)
    p_value = _pvalue(intervals.difference_pvalue, method, xb, n_b, xa, n_a, **options)
    low, high = 100 * np.asarray(low, float), 100 * np.asarray(high, float)
    return method, low, high, p_value


def _nps_change(a, b, n_a, n_b, method, confidence):
    method = method or "mover"
    cells = []
    for frame, nn in ((b, n_b), (a, n_a)):
        cells += [np.nan_to_num(frame[c].to_numpy(float) / 100 * nn)
                  for c in ("promoters", "passives", "detractors")]
    options = _df_option(intervals.nps_difference_interval, _combined_df(a, b))
    low, high = intervals.nps_difference_interval(*cells, method=method, confidence=confidence,
                                                  **options)
    p_value = _pvalue(intervals.nps_difference_pvalue, method, *cells, **options)
    low, high = 100 * np.asarray(low, float), 100 * np.asarray(high, float)
    return method, low, high, p_value


def _df_option(function, df) -> dict:
    if df is None or not metrics._has_df(function):
        return {}
    return {"df": df}


def _pvalue(function, method, *counts, **options):
    import inspect
    if "method" in inspect.signature(function).parameters:
        return np.asarray(function(*counts, method=method, **options), float)
    return np.asarray(function(*counts), float)


def _mean_change(a, b, diff, confidence):
    se_a, se_b = a["se"].to_numpy(float), b["se"].to_numpy(float)
    df_a, df_b = a["df"].to_numpy(float), b["df"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(se_a ** 2 + se_b ** 2)
        df = se ** 4 / (se_a ** 4 / df_a + se_b ** 4 / df_b)
        tcrit = stats.t.isf((1 - confidence) / 2, df)
        low, high = diff - tcrit * se, diff + tcrit * se
        p_value = 2 * stats.t.sf(np.abs(diff) / se, df)
    return "welch", low, high, p_value, se
