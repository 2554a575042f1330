"""Across years: a measure per year (:func:`trend`), its change between two years
(:func:`change`) and its linear trend over the years (:func:`trend_test`).

The years of a survey are separate samples: each year is an outermost stratum of the design
(:meth:`kirc.Design.over`), so a year's figure is the same whether it is estimated alone, in a
trend or in a change. A trend is one tally of the years as domains; a change is a comparison of
two of them (:func:`kirc.estimate.contrast.compare_sides`), per group of ``by``; a trend test is
the slope of a regression of the measure on the year (:mod:`kirc.estimate.regress`), per group.
Groups are joined on their keys, never by position; a group present in one year only gets a
row whose ``note`` says so.

**Returning units.** Independent yearly samples have no covariance. When the same units
(organisations) answer in several years, ``linked=`` (or the design's ``linked``, declared in a
definition's ``[design]``) names the column that identifies them, and the comparisons take the
covariance that the units answering in both years create (:mod:`kirc.estimate.variance`: Tam
1984's covariance of two samples of one population with units in common, Kish 1965 §12.4), so
that a change of a panel of organisations is not tested as if two unrelated samples had been
drawn. A fully linked panel gives exactly the variance of the mean of the units' differences
(R's ``svymean(~I(y2 - y1))`` of the wide design).

:func:`change` returns :data:`CHANGE_COLUMNS`. The significance decision and the p-value come
from the same method as the interval, so that they cannot disagree: on an unweighted simple
random sample the two-sample methods of the measure (the score interval that inverts the pooled
z-test for shares, ``prop.test(correct=FALSE)``; MOVER for the NPS; Welch for means), otherwise
the design's Wald-t interval and test, whose standard error is R's ``svycontrast`` of the two
years' ``svymean`` (validated in ``tests/test_design.py``).

References
----------
Kish, L. (1965). *Survey Sampling*, §12.4. Wiley. Tam, S. M. (1984). On covariances from
overlapping samples. *The American Statistician*, 38, 288–289.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config, disclose, display
from .._compat import keyword_only
from .._keys import groups_of
from ..errors import ParameterError
from ..measures import measure_of
from ..survey.survey import FROM_DESIGN, min_n_of, resolve_design
from . import engines
from .contrast import compare_sides
from .metrics import as_list, design_method, for_column, require_columns, result
from .regress import Model, coefficients
from .variance import domain_estimates, domain_totals

__all__ = ["change", "trend", "trend_test", "CHANGE_COLUMNS", "TREND_TEST_COLUMNS"]

#: Columns of :func:`trend_test` after the ``by`` columns.
TREND_TEST_COLUMNS = ["slope", "se", "ci_low", "ci_high", "df", "p_value", "significant",
                      "n_periods", "method"]
#: Columns of :func:`change` after the ``by`` columns.
CHANGE_COLUMNS = ["year_from", "year_to", "estimate_from", "estimate_to", "estimate", "ci_low",
                  "ci_high", "se", "df", "p_value", "significant", "n_from", "n_to", "n",
                  "n_eff", "n_missing", "method", "flag", "note"]


def _yearly(data, metric, column, by, year, design, weights, population, options,
            linked=FROM_DESIGN):
    """The measure, the call (the years as outermost strata) and the tally of the years."""
    measure = measure_of(metric, **options)
    call = resolve_design(data, design, weights, population)
    if linked is not FROM_DESIGN:
        if linked is not None and not isinstance(linked, str):
            raise ParameterError(f"linked= must name the column of the units that return, or "
                                 f"be None, not {linked!r}")
        require_columns(data, [linked] if linked else [], call.source)
        call.design = call.design.replace(linked=linked)
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
    yearly = _yearly(data, metric, column, by, year, design, weights, population, options)
    return _trend_of(data, column, by, year, yearly, method, confidence, min_n)


def _trend_of(data, column, by, year, yearly, method=None, confidence=config.CONFIDENCE,
              min_n=None) -> pd.DataFrame:
    """:func:`trend` from the tally of the years (:func:`_yearly`), which a change of the same
    data, measure and groups shares (:func:`kirc.report.spec.Indicator.yearly`)."""
    measure, call, tally = yearly
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
           linked=FROM_DESIGN, **options) -> pd.DataFrame:
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
    linked : str or None, optional
        The column that identifies units answering in both years (default the design's
        ``linked``; None: the years as unrelated samples). Their covariance enters the
        variance (see the module notes); ``method`` then says so.
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
    In R: ``svycontrast(svyby(~y, ~year, design, svymean, covmat=TRUE), c(-1, 1))``. With
    ``linked``, a fully linked panel gives R's ``svymean(~I(y2 - y1), wide)`` of the wide
    design (``tests/test_linked.py``); with partial overlap the covariance is Tam's (1984).
    ``benchmarks/coverage_linked.py`` simulates the test (overlap 0–100 %, within-unit
    correlation 0–0.8, 20–200 units, 1,000 replications per cell): type-I error 3.4–6.3 %,
    coverage 92.3–97.0 % (nominal 5 % and 95 %); as unrelated samples the type-I error falls to
    0.0–0.1 % at correlation 0.8 and full overlap (see :func:`trend_test`).

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
    by = as_list(by)
    yearly = _yearly(data, metric, column, by, year_column, design, weights, population,
                     options, linked)
    return _change_of(data, column, year, by, year_column, yearly, method, confidence, min_n)


def _change_of(data, column, year, by, year_column, yearly, method=None,
               confidence=config.CONFIDENCE, min_n=None) -> pd.DataFrame:
    """:func:`change` from the tally of the years (:func:`_yearly`): the changes between
    several pairs of years, and the trend, of the same data, measure and groups share one
    tally (:func:`kirc.report.spec.Indicator.yearly`)."""
    from ..report.texts import words

    measure, call, tally = yearly
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


def trend_test(data, metric, column: str, *, over: str = "year", by=None, design=None,
               weights=FROM_DESIGN, population=FROM_DESIGN, linked=FROM_DESIGN,
               confidence: float = config.CONFIDENCE, **options) -> pd.DataFrame:
    """Is it going up? The linear trend of a measure across the periods, with its test.

    The slope of the design-based regression of the measure's answer on the period: the NPS
    as its score (+1 promoter, 0 passive, −1 detractor), a share or top box as 1/0, a mean as
    the rating. Each period is a sample of its own (each period × the design's strata a
    stratum); with ``linked`` units returning across the periods add their covariance.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        Respondents of several periods (also the engines' sources).
    metric : {"nps", "csat", "top_box", "share", "mean"} or a kirc.measures.Measure
    column : str
        The answer column.
    over : str, default "year"
        The period column (numbers: the slope is per unit of it).
    by : str or list of str, optional
        One trend per group (a domain of every period's sample).
    design, weights, population, **options
        As for the estimators (``positive=`` for a share, ``top=``/``scale=`` for a top box).
    linked : str or None, optional
        The units returning across periods (default the design's ``linked``).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then :data:`TREND_TEST_COLUMNS`: ``slope`` (per period unit, in
        the measure's unit: points for the NPS and shares, scale units for means), ``se``,
        ``ci_low``, ``ci_high`` (``slope ± t(df)·se``), ``df`` (R's ``svyglm`` residual
        degrees of freedom: the design's minus one), ``p_value``, ``significant``,
        ``n_periods`` (periods with answers) and ``method``. A group with answers in fewer
        than two periods has no slope.

    Notes
    -----
    In R: ``svyglm(score ~ year, svydesign(ids=~1, strata=~interaction(year, stratum),
    weights=~w, fpc=~N, data=pooled))`` on the pooled yearly samples, per group on
    ``subset(design, group == g)``; checked to 1e-8 in ``tests/test_regress.py``.

    The covariance of returning units is that of :func:`change`; the simulation of
    ``benchmarks/coverage_linked.py`` (two yearly simple random samples of one population of
    2,000 units, a share of the second year's units returning from the first; 1,000
    replications per cell of overlap 0, 25, 50, 75 and 100 %, within-unit correlation 0, 0.4
    and 0.8, n 20, 50 and 200) gives for ``change(..., linked=)`` a type-I error of 3.4–6.3 %
    and coverage of 92.3–97.0 % (nominal 5 % and 95 %; Monte Carlo SE 0.7 points); the lowest
    coverage is at no overlap with n = 200 of 2,000 and correlation 0.8, where two disjoint
    samples have the negative covariance −S₁₂/N that no common unit can estimate. Tested as
    unrelated samples instead, the type-I error falls to 0.0–0.1 % at correlation 0.8 and full
    overlap, and the interval is up to 2.2 times too wide.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"year": [2021] * 4 + [2022] * 4 + [2023] * 4,
    ...                    "score": [6, 7, 7, 8, 7, 8, 8, 9, 8, 9, 9, 10]})
    >>> out = kirc.trend_test(df, "mean", "score")
    >>> out[["slope", "se", "df", "n_periods"]].round(4)
       slope      se   df  n_periods
    0    1.0  0.2887  8.0          3

    In R: ``svyglm(score ~ year, svydesign(ids=~1, strata=~year, data=df))`` gives the slope
    1 with SE 0.2887 (``df.residual`` 8).
    """
    by = as_list(by)
    measure, call, tally = _yearly(data, metric, column, by, over, design, weights,
                                   population, options, linked)
    keys = tally.domains
    W, _ = domain_totals(tally)
    present = keys[over].notna().to_numpy() & (W[:, 0] > 0)
    periods = pd.to_numeric(keys[over], errors="coerce").to_numpy(float)
    if np.isnan(periods[present]).any():
        raise ParameterError("the periods must be numbers (years) for a trend",
                             file=call.source, column=over)
    if by:
        tuples = list(keys[by].astype(object).where(keys[by].notna(), None)
                      .itertuples(index=False, name=None))
        codes, labels = pd.factorize(pd.Series(tuples, dtype=object))
        # the groups in the order of their keys (as every table of the package)
        first = pd.Series(np.arange(len(keys)))[present].groupby(codes[present]).first()
        ranked = groups_of(keys.iloc[first.to_numpy()][by].reset_index(drop=True), by).codes
        order = first.index.to_numpy()[np.argsort(ranked, kind="stable")]
        groups = [(labels[code], code) for code in order]
    else:
        codes = np.zeros(len(keys), dtype=np.int64)
        groups = [((), 0)]
    models, rows = [], []
    for group, code in groups:
        members = np.flatnonzero(present & (codes == code))
        n_periods = len(np.unique(periods[members]))
        rows.append((group, n_periods, len(models) if n_periods >= 2 else None))
        if n_periods >= 2:
            # centred periods: the same slope, a well-conditioned fit (years are large)
            centred = periods[members] - periods[members].mean()
            models.append(Model(members, np.column_stack([np.ones(len(members)), centred]),
                                "gaussian"))
    fitted = coefficients(models, tally, confidence) if models else None
    factor = measure.factor
    name = "linear trend (WLS), " + design_method(call.design, tally)
    records = []
    for group, n_periods, position in rows:
        record = dict(zip(by, group))
        if position is None:
            values = {c: np.nan for c in ("slope", "se", "ci_low", "ci_high", "df", "p_value")}
            values["significant"] = False
        else:
            slope = fitted.iloc[2 * position + 1]
            values = {"slope": factor * slope["estimate"], "se": factor * slope["se"],
                      "ci_low": factor * slope["ci_low"], "ci_high": factor * slope["ci_high"],
                      "df": slope["df"], "p_value": slope["p_value"],
                      "significant": bool(slope["significant"])}
        record.update(values, n_periods=n_periods, method=name)
        records.append(record)
    out = pd.DataFrame.from_records(records, columns=[*by, *TREND_TEST_COLUMNS])
    for column in by:
        if isinstance(keys[column].dtype, pd.CategoricalDtype):
            out[column] = pd.Categorical(out[column], dtype=keys[column].dtype)
    out["n_periods"] = out["n_periods"].astype(np.int64)
    return out
