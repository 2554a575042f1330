"""Across years: a measure per year (:func:`trend`) and its change between two years (:func:`change`).

The years of a survey are separate samples: each year is an outermost stratum of the design
(:meth:`kirc.Design.over`), so a year's figure is the same whether it is estimated alone, in a
trend or in a change, and the covariance of two years' figures is zero (unless the same
organisations return; a later release treats that overlap). A trend is one tally of the years
as domains; a change is a comparison of two of them (:func:`kirc.estimate.contrast.
compare_sides`), per group of ``by``. Groups are joined on their keys, never by position; a
group present in one year only gets a row whose ``note`` says so.

:func:`change` returns :data:`CHANGE_COLUMNS`. The significance decision and the p-value come
from the same method as the interval, so that they cannot disagree: on an unweighted simple
random sample the two-sample methods of the measure (the score interval that inverts the pooled
z-test for shares, ``prop.test(correct=FALSE)``; MOVER for the NPS; Welch for means), otherwise
the design's Wald-t interval and test, whose standard error is R's ``svycontrast`` of the two
years' ``svymean`` (validated in ``tests/test_design.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config, disclose, display
from .._compat import keyword_only
from ..errors import ParameterError
from ..measures import measure_of
from ..survey.survey import FROM_DESIGN, min_n_of, resolve_design
from . import engines
from .contrast import compare_sides
from .metrics import as_list, for_column, require_columns, result
from .variance import domain_estimates

__all__ = ["change", "trend", "CHANGE_COLUMNS"]

#: Columns of :func:`change` after the ``by`` columns.
CHANGE_COLUMNS = ["year_from", "year_to", "estimate_from", "estimate_to", "estimate", "ci_low",
                  "ci_high", "se", "df", "p_value", "significant", "n_from", "n_to", "n",
                  "n_eff", "n_missing", "method", "flag", "note"]


def _yearly(data, metric, column, by, year, design, weights, population, options):
    """The measure, the call (the years as outermost strata) and the tally of the years."""
    measure = measure_of(metric, **options)
    call = resolve_design(data, design, weights, population)
    require_columns(data, [column, *by, year], call.source)
    call.design = call.design.over(year)
    measure = for_column(measure, call, column)
    tally = engines.tally_measure(data, measure, column, [year, *by], call)
    return measure, call, tally


def _int_years(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values) and np.all(values.dropna() == np.round(
            values.dropna())) and not values.isna().any():
        return values.astype(np.int64)
    return values


@keyword_only("by", "year")
def trend(data, metric, column: str, *, by=None, year: str = "year", design=None,
          weights=FROM_DESIGN, population=FROM_DESIGN, method: str | None = None,
          confidence: float = config.CONFIDENCE, min_n: int | None = None,
          **options) -> pd.DataFrame:
    """A measure per year (and group), ready to plot.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        Respondents with a year column (also a path, relation, Spark DataFrame or chunks).
    metric : {"nps", "csat", "top_box", "share", "mean"} or a kirc.measures.Measure
    column : str
        The answer column.
    by : str or list of str, optional
        Further grouping besides the year.
    year : str, default "year"
        The year column.
    design, weights, population, method, confidence, min_n, **options
        As for the estimators (``positive=`` for a share, ``top=``/``scale=`` for a top box).

    Returns
    -------
    pandas.DataFrame
        The estimator's columns with ``year`` as the first grouping column, sorted by year.
        Each year is a sample of its own (an outermost stratum of the design).

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
    by = as_list(by)
    measure, call, tally = _yearly(data, metric, column, by, year, design, weights,
                                   population, options)
    est = domain_estimates(tally)
    est = est[est[year].notna() & (est["n"] + est["n_missing"] > 0)]
    out = result(measure, column, est.reset_index(drop=True), tally, call, [year, *by], method,
                 confidence, min_n_of(data, min_n if min_n is not None
                                                else call.min_n))
    if out.empty:
        raise ParameterError("the data has no years", file=call.source, column=year)
    out[year] = _int_years(out[year])
    return out.sort_values(year, kind="stable").reset_index(drop=True)


@keyword_only("year", "by", "weights", "method", "confidence", "year_column", "population",
              "min_n")
def change(data, metric, column: str, *, year=None, by=None, year_column: str = "year",
           design=None, weights=FROM_DESIGN, population=FROM_DESIGN, method: str | None = None,
           confidence: float = config.CONFIDENCE, min_n: int | None = None,
           **options) -> pd.DataFrame:
    """Change of a measure between two years, with its confidence interval and p-value.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        Respondents of (at least) both years, with a year column.
    metric : {"nps", "csat", "top_box", "share", "mean"} or a kirc.measures.Measure
    column : str
        The answer column.
    year : int or (int, int), optional
        ``(from, to)``; a single year ``Y`` means ``(Y − 1, Y)``; default the last two years in
        the data.
    by : str or list of str, optional
        One change per group; the years are joined on these keys.
    year_column : str, default "year"
    method : str, optional
        The count-based difference (on an unweighted simple random sample): for shares
        ``"score"`` (default: the score interval inverting the pooled z-test), ``"newcombe"``
        or ``"wald"``; for the NPS one of :data:`kirc.intervals.NPS_DIFFERENCE_METHODS`
        (default ``"mover"``); means are Welch's t. Designs: the Wald-t of their variance.
    design, weights, population, confidence, min_n, **options
        As for the estimators.

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
    from ..report.texts import words

    by = as_list(by)
    measure, call, tally = _yearly(data, metric, column, by, year_column, design, weights,
                                   population, options)
    cells = tally.table
    years = sorted(pd.unique(cells.loc[(cells["n"] + cells["n_missing"] > 0)
                                       & cells[year_column].notna(), year_column]))
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
                                 file=call.source, column=year_column)
    est = domain_estimates(tally)
    present = est[est[year_column].notna() & (est["n"] + est["n_missing"] > 0)]
    keys = present[present[year_column].isin([year_from, year_to])]
    groups = keys[by].drop_duplicates(ignore_index=True) if by else pd.DataFrame(index=[0])
    position = {}
    for index, row in est.iterrows():
        key = tuple(_key(row[c]) for c in [year_column, *by])
        position[key] = index
    pairs, rows_from, rows_to = [], [], []
    for _, group in groups.iterrows():
        values = tuple(_key(group[c]) for c in by)
        a = position.get((_key(year_to), *values))
        b = position.get((_key(year_from), *values))
        rows_to.append(a)
        rows_from.append(b)
        if a is not None and b is not None:
            pairs.append(([a], [b]))
    compared = compare_sides(measure, est, tally, call, pairs, method, confidence)
    threshold = min_n_of(data, min_n if min_n is not None else call.min_n)
    language = display.language_of(call.info)
    text = words(language)
    factor = measure.factor
    out = groups.copy() if by else pd.DataFrame(index=range(len(groups)))
    records = {name: [] for name in CHANGE_COLUMNS}
    k = 0
    for a, b in zip(rows_to, rows_from):
        from_row = est.loc[b] if b is not None else None
        to_row = est.loc[a] if a is not None else None
        n_from = int(from_row["n"]) if from_row is not None else 0
        n_to = int(to_row["n"]) if to_row is not None else 0
        both = a is not None and b is not None
        values = {name: compared[name][k] for name in
                  ("estimate", "ci_low", "ci_high", "se", "df", "p_value", "method")} \
            if both else {}
        k += int(both)
        kish = [float(row["n_kish"]) if row is not None else 0.0 for row in (from_row, to_row)]
        flags = disclose.flag(kish, threshold)
        records["year_from"].append(year_from)
        records["year_to"].append(year_to)
        records["estimate_from"].append(factor * from_row["estimate"] if n_from else np.nan)
        records["estimate_to"].append(factor * to_row["estimate"] if n_to else np.nan)
        for name in ("estimate", "ci_low", "ci_high", "se"):
            records[name].append(factor * values[name] if values else np.nan)
        records["df"].append(values.get("df", np.nan))
        p_value = values.get("p_value", np.nan)
        records["p_value"].append(p_value)
        records["significant"].append(bool(p_value < 1 - confidence))
        records["n_from"].append(n_from)
        records["n_to"].append(n_to)
        records["n"].append(n_from + n_to)
        records["n_eff"].append(sum(kish))
        records["n_missing"].append(sum(int(row["n_missing"]) for row in (from_row, to_row)
                                        if row is not None))
        records["method"].append(values.get("method", ""))
        records["flag"].append(flags[1] if flags[1] else flags[0])
        if n_from and n_to:
            note = ""
        elif n_to:
            note = text["only_in"].format(year=_year_text(year_to))
        elif n_from:
            note = text["only_in"].format(year=_year_text(year_from))
        else:
            note = text["no_answers"]
        records["note"].append(note)
    for name in CHANGE_COLUMNS:
        out[name] = records[name]
    for name in ("n_from", "n_to", "n", "n_missing"):
        out[name] = out[name].astype(np.int64)
    return display.with_view(out.reset_index(drop=True), display.estimates_view(
        measure, column, call, by, min_n=threshold, confidence=confidence, kind="change",
        counts=("n_from", "n_to")))


def _key(value):
    if pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _year_text(year) -> str:
    try:
        return str(int(year))
    except (TypeError, ValueError):
        return str(year)
