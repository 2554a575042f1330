"""Sector metrics as tidy tables: NPS, CSAT, mean scores, shares, year-over-year change, trends.

Every function takes a DataFrame and column names and returns a DataFrame with one row per group
and the same standard columns, whatever the metric:

============  ==============================================================================
column        meaning
============  ==============================================================================
``<by>``      the grouping columns, in the order given
``estimate``  the metric: shares in percent (0–100), NPS in points (−100 to +100), means in
              scale units
``ci_low``    lower limit of the confidence interval (same unit)
``ci_high``   upper limit
``n``         valid answers (missing values and user-missing codes excluded)
``n_eff``     Kish effective sample size ``(Σw)² / Σw²``; equals ``n`` unweighted
``n_missing`` rows of the group whose answer is missing (system- or user-missing)
``method``    the interval method
``flag``      ``"n<30"`` when ``n`` is below the reliability threshold (:data:`kirc.config.MIN_N`
              or the survey's own ``min_n``), else ``""``
============  ==============================================================================

Data flow: the answers are first *tallied* into counts per group in one pass
(:func:`numpy.bincount` on integer group codes), then intervals are *estimated* from the counts
by the vectorised functions of :mod:`kirc.intervals`. Weighted counts are turned into effective
counts (``share × n_eff``) before they reach an interval formula.

Weighting
---------
With ``weights=`` the estimates are weighted and the intervals use the Kish effective sample size
in place of ``n``. This treats the data as a simple random sample that was reweighted
(post-stratification): it does not account for clustering or stratification in the design, and it
assumes the weights are not strongly related to the answer. For a complex design use R's
``survey`` package.

Finite population
-----------------
With ``population=N`` the finite population correction is applied: the variance of an estimate
from ``n`` of ``N`` units shrinks by the factor ``(1 − n/N)``, so every interval is computed as if
the sample size were ``n_eff / (1 − n/N)``. For the Wald interval this reproduces exactly the
textbook standard error ``sqrt(p(1−p)/n · (1 − n/N))`` (Cochran 1977, eq. 3.8 with ``n`` in place of
``n − 1``); R's ``survey`` package, ``svydesign(ids=~1, fpc=~N)``, gives the same standard error up
to the factor ``sqrt(n/(n−1))`` from its unbiased sample variance (the tests compare both). When
the whole population answered (``n = N``) the interval collapses to the estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import config, intervals
from .errors import ColumnError, ParameterError, ScaleError

__all__ = ["nps", "csat", "mean_score", "share", "chatbot_success", "avg_readiness",
           "first_contact_resolution", "relation_quotient", "change", "trend",
           "STANDARD_COLUMNS"]

STANDARD_COLUMNS = ["estimate", "ci_low", "ci_high", "n", "n_eff", "n_missing", "method", "flag"]

_AUTO = "auto"


# --------------------------------------------------------------------------------------------
# validation helpers


def _source(data: pd.DataFrame) -> str | None:
    return data.attrs.get("source") or data.attrs.get("survey")


def _require_columns(data: pd.DataFrame, columns: Iterable[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    for column in columns:
        if column not in data.columns:
            raise ColumnError(
                f"no such column; the data has {', '.join(map(str, data.columns[:12]))}"
                + (", ..." if len(data.columns) > 12 else ""),
                file=_source(data), column=column)


def _as_list(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    """The column as float64; strings that are not numbers are a clear ScaleError."""
    series = data[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if pd.api.types.is_numeric_dtype(categories):
            return series.astype("float64").to_numpy()
        raise ScaleError(
            f"holds labelled categories ({', '.join(map(str, categories[:3]))}, ...), not "
            "numbers; read it without apply_value_labels", file=_source(data), column=column)
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in pd.unique(series[bad])[:3])
        raise ScaleError(f"{int(bad.sum())} values are not numbers (for example {examples})",
                         file=_source(data), column=column)
    return converted.to_numpy(dtype="float64", na_value=np.nan)


def _check_scale(values: np.ndarray, low: float, high: float, data: pd.DataFrame, column: str,
                 integer: bool = True) -> None:
    with np.errstate(invalid="ignore"):
        smallest, largest = np.nanmin(values, initial=np.inf), np.nanmax(values, initial=-np.inf)
    in_range = not (smallest < low or largest > high)
    if in_range and (not integer or pd.api.types.is_integer_dtype(data[column].dtype)
                     or np.array_equal(values, np.round(values), equal_nan=True)):
        return
    finite = values[~np.isnan(values)]
    outside = (finite < low) | (finite > high)
    if integer:
        outside |= finite != np.floor(finite)
    examples = ", ".join(f"{v:g}" for v in np.unique(finite[outside])[:5])
    raise ScaleError(
        f"{int(outside.sum())} answers are outside the scale {low:g}–{high:g} "
        f"(for example {examples}); declare codes such as 99 'weet niet' as missing",
        file=_source(data), column=column)


def _weights(data: pd.DataFrame, weights: str | None, valid: np.ndarray) -> np.ndarray | None:
    if weights is None:
        return None
    _require_columns(data, [weights])
    w = _numeric(data, weights)
    bad = valid & ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        raise ScaleError(f"{int(bad.sum())} weights of answering respondents are missing or "
                         "negative", file=_source(data), column=weights)
    return w


def _resolve_weights(data: pd.DataFrame, weights):
    """``weights="auto"`` means the harmonised ``weight`` construct when the frame has one."""
    if isinstance(weights, str) and weights == _AUTO:
        return "weight" if "weight" in data.columns else None
    return weights


# --------------------------------------------------------------------------------------------
# tally: one pass over the rows, counts per group


@dataclass
class _Groups:
    codes: np.ndarray          # int64 group code per row, -1 where a by-value is missing
    keys: pd.DataFrame         # one row per group, the by columns
    size: int


# Integer keys spanning at most this many values are coded by offset, not by hashing.
_DENSE_KEY_RANGE = 1 << 22


def _factorize(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Sorted codes of a key column, as ``pd.factorize(sort=True)`` gives them.

    Integer keys over a modest range (years, sector codes, organisation numbers) are coded as
    offsets from their minimum and compressed to the values that occur: a counting pass instead
    of a hash table, several times faster on millions of rows.
    """
    # numpy integer dtypes only: nullable Int64 columns can hold <NA> and go through pandas
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu" and len(series):
        values = series.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < _DENSE_KEY_RANGE:
            offsets = (values - low).astype(np.int64)
            present = np.bincount(offsets, minlength=high - low + 1) > 0
            remap = np.cumsum(present) - 1
            uniques = np.flatnonzero(present) + low
            return remap[offsets], pd.Index(uniques.astype(values.dtype), name=series.name)
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), uniques


def _groups(data: pd.DataFrame, by: list[str]) -> _Groups:
    n_rows = len(data)
    if not by:
        return _Groups(np.zeros(n_rows, dtype=np.int64), pd.DataFrame(index=range(1)), 1)
    level_codes, level_values = [], []
    for column in by:
        series = data[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            # All categories get a row, also those without answers: an empty group is news.
            codes = series.cat.codes.to_numpy().astype(np.int64)
            values = series.cat.categories
        else:
            codes, values = _factorize(series)
        level_codes.append(codes)
        level_values.append(values)
    sizes = [len(v) for v in level_values]
    codes = np.zeros(n_rows, dtype=np.int64)
    missing = np.zeros(n_rows, dtype=bool)
    for c, size in zip(level_codes, sizes):
        codes = codes * size + c
        missing |= c < 0
    codes[missing] = -1
    total = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    index = pd.MultiIndex.from_product(level_values, names=by) if len(by) > 1 else \
        pd.Index(level_values[0], name=by[0])
    keys = index.to_frame(index=False)
    for column in by:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            keys[column] = pd.Categorical(keys[column], dtype=data[column].dtype)
    if total > 100_000 and len(by) > 1:
        # Many combinations of non-categorical keys: keep only those observed.
        observed, codes_new = np.unique(codes[codes >= 0], return_inverse=True)
        remap = np.full(total, -1, dtype=np.int64)
        remap[observed] = np.arange(len(observed))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        keys = keys.iloc[observed].reset_index(drop=True)
        total = len(observed)
    return _Groups(codes, keys, total)


@dataclass
class _Tally:
    groups: _Groups
    counts: np.ndarray      # (G, K) weighted counts per class (unweighted: plain counts)
    n: np.ndarray           # (G,) valid answers (unweighted count)
    n_eff: np.ndarray       # (G,) Kish effective sample size
    n_missing: np.ndarray   # (G,) rows with a missing answer
    weighted: bool


def _tally(classes: np.ndarray, n_classes: int, groups: _Groups,
           weights: np.ndarray | None) -> _Tally:
    """Counts per (group, class); ``classes`` is -1 for a missing answer."""
    in_group = groups.codes >= 0
    valid = in_group & (classes >= 0)
    everything = bool(valid.all())
    g = groups.codes if everything else groups.codes[valid]
    flat = g * n_classes + (classes if everything else classes[valid])
    size = groups.size * n_classes
    n = np.bincount(g, minlength=groups.size).astype(float)
    n_missing = np.bincount(groups.codes[in_group & (classes < 0)],
                            minlength=groups.size).astype(float)
    if weights is None:
        counts = np.bincount(flat, minlength=size).astype(float)
        n_eff = n.copy()
    else:
        w = weights if everything else weights[valid]
        counts = np.bincount(flat, weights=w, minlength=size)
        sum_w = np.bincount(g, weights=w, minlength=groups.size)
        sum_w2 = np.bincount(g, weights=w * w, minlength=groups.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(sum_w2 > 0, sum_w ** 2 / sum_w2, 0.0)
    return _Tally(groups, counts.reshape(groups.size, n_classes), n, n_eff, n_missing,
                  weights is not None)


# --------------------------------------------------------------------------------------------
# estimate: effective counts, finite population correction


def _population_per_group(population, keys: pd.DataFrame, data: pd.DataFrame) -> np.ndarray:
    """Population size per group as floats (inf where no correction applies)."""
    size = len(keys)
    if population is None:
        return np.full(size, np.inf)
    if isinstance(population, str) and population == _AUTO:
        population = data.attrs.get("population")
        if not population:
            return np.full(size, np.inf)
    if isinstance(population, Mapping):
        population = {int(k) if str(k).isdigit() else k: v for k, v in population.items()}
        if "year" in keys.columns:
            values = [population.get(int(y)) for y in keys["year"]]
        elif "year" in data.columns and data["year"].nunique() == 1:
            values = [population.get(int(data["year"].iloc[0]))] * size
        else:
            raise ParameterError("population is given per year, so group by 'year' "
                                 "(or pass the data of one year)")
        return np.array([np.inf if v is None else float(v) for v in values])
    value = float(population)
    if not value > 0:
        raise ParameterError(f"population must be a positive number, not {population!r}")
    return np.full(size, value)


def _fpc_nobs(n: np.ndarray, n_eff: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Sample size to put into an interval formula: ``n_eff / (1 − n/N)``."""
    if np.any(n > population):
        raise ParameterError("more valid answers than the population size: check population=")
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(np.isfinite(population), n / population, 0.0)
        return np.where(fraction < 1, n_eff / (1 - fraction), np.inf)


def _flags(n: np.ndarray, min_n: int) -> np.ndarray:
    return np.where(n < min_n, f"n<{min_n}", "")


def _min_n(data: pd.DataFrame, min_n: int | None) -> int:
    if min_n is not None:
        return int(min_n)
    return int(data.attrs.get("min_n", config.MIN_N))


def _frame(tally: _Tally, estimate, low, high, method: str, min_n: int,
           extra: dict | None = None) -> pd.DataFrame:
    out = tally.groups.keys.copy()
    out["estimate"] = estimate
    out["ci_low"] = low
    out["ci_high"] = high
    out["n"] = tally.n.astype(np.int64)
    out["n_eff"] = tally.n_eff
    out["n_missing"] = tally.n_missing.astype(np.int64)
    out["method"] = method
    out["flag"] = _flags(tally.n, min_n)
    for name, values in (extra or {}).items():
        out[name] = values
    return out


def _share_from_tally(tally: _Tally, population: np.ndarray, method: str, confidence: float):
    positive = tally.counts[:, 1]
    total = tally.counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, positive / total, np.nan)
    nobs = _fpc_nobs(tally.n, tally.n_eff, population)
    finite = np.isfinite(nobs)
    count = np.where(finite, p * np.where(finite, nobs, 0), 0.0)
    low, high = intervals.proportion_interval(count, np.where(finite, nobs, 0.0),
                                              method=method, confidence=confidence)
    low, high = np.asarray(low, float).copy(), np.asarray(high, float).copy()
    low[~finite], high[~finite] = p[~finite], p[~finite]       # a census: no sampling error
    empty = tally.n == 0
    p[empty] = low[empty] = high[empty] = np.nan
    return p, low, high


# --------------------------------------------------------------------------------------------
# public metrics


def share(data: pd.DataFrame, column: str, positive=1, by=None, weights=None,
          method: str = "wilson", confidence: float = config.CONFIDENCE, population=None,
          min_n: int | None = None) -> pd.DataFrame:
    """Share of answers that are ``positive``, in percent, with a confidence interval.

    The building block of chatbot success, first-contact resolution, the Relatie Quotiënt and AVG
    readiness: any yes/no share.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    column : str
        The answer column. Missing values (NaN, and user-missing codes already turned into NaN by
        :func:`kirc.read_survey`) are excluded from ``n`` and counted in ``n_missing``.
    positive : scalar or list, default 1
        The value(s) that count as "yes"; every other non-missing value counts as "no". For a
        labelled categorical column give the label(s).
    by : str or list of str, optional
        Grouping columns; a categorical column yields a row for every category, also empty ones.
    weights : str, optional
        Column of survey weights. Estimates are weighted; intervals use the Kish effective sample
        size (see the module notes).
    method : {"wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald"}
        Interval method, see :func:`kirc.intervals.proportion_interval`.
    confidence : float, default 0.95
    population : int, dict or "auto", optional
        Population size for the finite population correction; a dict ``{year: N}`` gives one per
        year, "auto" takes ``data.attrs["population"]`` (set by :func:`kirc.load_survey`).
    min_n : int, optional
        Threshold below which a row is flagged; default the survey's ``min_n`` or 30.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``estimate``, ``ci_low``, ``ci_high`` (percent), ``n``, ``n_eff``,
        ``n_missing``, ``method``, ``flag``.

    Notes
    -----
    Validated against statsmodels' ``proportion_confint`` (through
    :func:`kirc.intervals.proportion_interval`), against R's ``survey`` package for the finite
    population correction, and: with all weights equal to 1 the result equals the unweighted one
    exactly.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"solved": [1, 1, 0, 1, None], "channel": list("aabbb")})
    >>> kirc.share(df, "solved")[["estimate", "n", "n_missing"]].round(2)
       estimate  n  n_missing
    0      75.0  4          1
    >>> kirc.share(df, "solved", by="channel")[["channel", "estimate", "n", "flag"]]
      channel  estimate  n  flag
    0       a     100.0  2  n<30
    1       b      50.0  2  n<30
    """
    by = _as_list(by)
    weights = _resolve_weights(data, weights)
    _require_columns(data, [column, *by])
    series = data[column]
    positives = list(positive) if isinstance(positive, (list, tuple, set)) else [positive]
    valid = series.notna().to_numpy()
    if isinstance(series.dtype, pd.CategoricalDtype):
        unknown = [v for v in positives if v not in series.cat.categories]
        if unknown:
            raise ParameterError(f"positive={unknown!r} is not among the categories "
                                 f"{list(series.cat.categories)} of column {column!r}")
    is_positive = series.isin(positives).to_numpy()
    classes = np.where(valid, is_positive.astype(np.int64), -1)
    groups = _groups(data, by)
    tally = _tally(classes, 2, groups, _weights(data, weights, valid))
    pop = _population_per_group(population, groups.keys, data)
    p, low, high = _share_from_tally(tally, pop, method, confidence)
    return _frame(tally, 100 * p, 100 * low, 100 * high, method, _min_n(data, min_n))


def csat(data: pd.DataFrame, column: str, by=None, weights=None, method: str = "wilson",
         confidence: float = config.CONFIDENCE, population=None, top: int = 2,
         scale: tuple[int, int] = (1, 5), min_n: int | None = None) -> pd.DataFrame:
    """Customer satisfaction: the share of answers in the top ``top`` boxes of ``scale``.

    With the default 1–5 scale and ``top=2``, answers 4 ("tevreden") and 5 ("zeer tevreden")
    count as satisfied. Answers outside the scale raise :class:`kirc.ScaleError`, so that a
    forgotten "99 = weet niet" code never counts as very satisfied.

    Parameters are those of :func:`share`, plus ``top`` and ``scale``.

    Returns
    -------
    pandas.DataFrame
        The standard columns (see :func:`share`), estimate in percent.

    Notes
    -----
    The top-box share is a proportion; intervals as in :func:`share`, validated against
    statsmodels' ``proportion_confint``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"tevredenheid": [5, 4, 4, 3, 1, 2, 5, 4]})
    >>> kirc.csat(df, "tevredenheid")[["estimate", "ci_low", "ci_high", "n"]].round(1)
       estimate  ci_low  ci_high  n
    0      62.5    30.6     86.3  8
    """
    low_end, high_end = scale
    if not 1 <= top <= high_end - low_end + 1:
        raise ParameterError(f"top={top} boxes does not fit the scale {low_end}–{high_end}")
    _require_columns(data, [column])
    values = _numeric(data, column)
    _check_scale(values, low_end, high_end, data, column)
    threshold = high_end - top + 1
    frame = data[[c for c in dict.fromkeys([*_as_list(by), *_weight_list(data, weights)])]].copy()
    frame["__satisfied"] = np.where(np.isnan(values), np.nan, (values >= threshold) * 1.0)
    frame.attrs = dict(data.attrs)
    return share(frame, "__satisfied", positive=1, by=by, weights=weights, method=method,
                 confidence=confidence, population=population, min_n=min_n)


def _weight_list(data, weights) -> list[str]:
    weights = _resolve_weights(data, weights)
    if weights is None:
        return []
    _require_columns(data, [weights])
    return [weights]


def nps(data: pd.DataFrame, column: str, by=None, weights=None, method: str | None = None,
        confidence: float = config.CONFIDENCE, population=None,
        min_n: int | None = None) -> pd.DataFrame:
    """Net Promoter Score with a confidence interval, and its composition.

    NPS = % promoters (9–10) − % detractors (0–6) of the answers on the 0–10 "would you recommend"
    question, in points from −100 to +100.

    Parameters
    ----------
    data : pandas.DataFrame
    column : str
        The 0–10 rating. Missing values are excluded; values outside 0–10 or not whole numbers
        raise :class:`kirc.ScaleError`.
    by, weights, confidence, population, min_n
        As in :func:`share`.
    method : {"score", "adjusted-wald", "wald", "bootstrap"}, optional
        The interval for the difference of two cells of a trinomial; default
        :data:`kirc.intervals.DEFAULT_NPS_METHOD`, chosen by the exact coverage study in
        ``benchmarks/coverage_nps.py`` (see :func:`kirc.intervals.nps_interval`).

    Returns
    -------
    pandas.DataFrame
        The standard columns (estimate, ci_low, ci_high in NPS points), plus ``promoters``,
        ``passives`` and ``detractors`` in percent.

    Notes
    -----
    The interval methods are validated in :mod:`kirc.intervals` (Tango 1998 worked values, exact
    coverage); the tally here is checked against a plain pandas ``value_counts``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"aanbeveling": [10, 9, 9, 8, 7, 6, 3, 10, 9, 0]})
    >>> out = kirc.nps(df, "aanbeveling")
    >>> out[["estimate", "promoters", "passives", "detractors", "n"]]
       estimate  promoters  passives  detractors   n
    0      20.0       50.0      20.0        30.0  10
    """
    method = method or intervals.DEFAULT_NPS_METHOD
    by = _as_list(by)
    weights = _resolve_weights(data, weights)
    _require_columns(data, [column, *by])
    values = _numeric(data, column)
    _check_scale(values, 0, 10, data, column)
    valid = ~np.isnan(values)
    # 0 detractor (0–6), 1 passive (7–8), 2 promoter (9–10); -1 missing
    classes = np.full(len(values), -1, dtype=np.int64)
    classes[valid] = (values[valid] >= 7).astype(np.int64) + (values[valid] >= 9)
    groups = _groups(data, by)
    tally = _tally(classes, 3, groups, _weights(data, weights, valid))
    total = tally.counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = tally.counts / total[:, None]
    det, pas, pro = shares[:, 0], shares[:, 1], shares[:, 2]
    estimate = pro - det
    nobs = _fpc_nobs(tally.n, tally.n_eff, _population_per_group(population, groups.keys, data))
    finite = np.isfinite(nobs)
    scale = np.where(finite, nobs, 0.0)
    low, high = intervals.nps_interval(np.nan_to_num(pro * scale), np.nan_to_num(pas * scale),
                                       np.nan_to_num(det * scale), method=method,
                                       confidence=confidence)
    low, high = np.asarray(low, float).copy(), np.asarray(high, float).copy()
    low[~finite], high[~finite] = estimate[~finite], estimate[~finite]
    empty = tally.n == 0
    for array in (estimate, low, high):
        array[empty] = np.nan
    return _frame(tally, 100 * estimate, 100 * low, 100 * high, method, _min_n(data, min_n),
                  extra={"promoters": 100 * pro, "passives": 100 * pas,
                         "detractors": 100 * det})


def mean_score(data: pd.DataFrame, column: str, by=None, weights=None,
               confidence: float = config.CONFIDENCE, population=None, scale=None,
               min_n: int | None = None) -> pd.DataFrame:
    """Mean rating with a t interval (weighted: linearisation standard error).

    Parameters
    ----------
    data : pandas.DataFrame
    column : str
        The rating.
    by, weights, confidence, population, min_n
        As in :func:`share`.
    scale : (low, high), optional
        When given, answers outside it raise :class:`kirc.ScaleError`.

    Returns
    -------
    pandas.DataFrame
        The standard columns (estimate = mean in scale units) plus ``sd`` and ``se``.

    Notes
    -----
    Unweighted: ``mean ± t(n−1) · s/√n``, validated against ``scipy.stats.t.interval``.
    Weighted: the weighted mean
    ``Σwy/Σw`` with the linearisation (sandwich) variance
    ``n/(n−1) · Σ w²(y − ȳ)² / (Σw)²``, which is what R's ``survey`` package gives for
    ``svymean(~y, svydesign(ids=~1, weights=~w))``; the interval uses t with ``n − 1`` degrees of
    freedom, as ``confint(svymean(...), df=degf(design))``. With all weights equal to 1 both
    coincide. The finite population correction multiplies the variance by ``1 − n/N``, as
    ``svydesign(ids=~1, fpc=~N)``. The method column reads ``"t"``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"tevredenheid": [5, 4, 4, 3, 1, 2, 5, 4]})
    >>> kirc.mean_score(df, "tevredenheid")[["estimate", "ci_low", "ci_high", "n"]].round(3)
       estimate  ci_low  ci_high  n
    0       3.5   2.318    4.682  8
    """
    by = _as_list(by)
    weights = _resolve_weights(data, weights)
    _require_columns(data, [column, *by])
    values = _numeric(data, column)
    if scale is not None:
        _check_scale(values, scale[0], scale[1], data, column, integer=False)
    valid = ~np.isnan(values)
    groups = _groups(data, by)
    w_all = _weights(data, weights, valid)
    classes = np.where(valid, 0, -1)
    tally = _tally(classes, 1, groups, w_all)
    in_group = groups.codes >= 0
    sel = valid & in_group
    g = groups.codes[sel]
    y = values[sel]
    w = np.ones_like(y) if w_all is None else w_all[sel]
    size = groups.size
    sum_w = np.bincount(g, weights=w, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=w * y, minlength=size) / sum_w
        resid = y - mean[g]
        n = tally.n
        # One formula for both cases, so that unit weights reproduce the unweighted result
        # exactly: with w = 1 it is s²/n and s.
        se2 = (n / (n - 1)) * np.bincount(g, weights=(w * resid) ** 2, minlength=size) \
            / sum_w ** 2
        sd = np.sqrt(np.bincount(g, weights=w * resid ** 2, minlength=size) / sum_w
                     * n / (n - 1))
    few = n < 2
    se2[few] = sd[few] = np.nan          # fewer than two answers: no variance to estimate from
    pop = _population_per_group(population, groups.keys, data)
    if np.any(n > pop):
        raise ParameterError("more valid answers than the population size: check population=")
    with np.errstate(invalid="ignore", divide="ignore"):
        fpc = np.where(np.isfinite(pop), 1 - n / pop, 1.0)
        se = np.sqrt(se2 * fpc)
        tcrit = stats.t.ppf(0.5 + confidence / 2, n - 1)
    low, high = mean - tcrit * se, mean + tcrit * se
    empty = n == 0
    mean[empty] = np.nan
    return _frame(tally, mean, low, high, "t", _min_n(data, min_n),
                  extra={"sd": sd, "se": se})


# --------------------------------------------------------------------------------------------
# convenience names on a harmonised frame (kirc.load_survey)


def _construct_share(construct: str, description: str):
    def metric(data: pd.DataFrame, by=None, weights=_AUTO, method: str = "wilson",
               confidence: float = config.CONFIDENCE, population=None,
               min_n: int | None = None) -> pd.DataFrame:
        return share(data, construct, positive=1, by=by, weights=weights, method=method,
                     confidence=confidence, population=population, min_n=min_n)

    metric.__name__ = metric.__qualname__ = _NAMES[construct]
    metric.__doc__ = f"""{description}

    A share (see :func:`kirc.share`) of the harmonised binary construct ``{construct}`` of a
    frame from :func:`kirc.load_survey`, whose survey definition says which answer codes count as
    yes. ``weights="auto"`` (default) weights by the frame's ``weight`` construct when it has one;
    pass ``weights=None`` for unweighted figures.

    Returns
    -------
    pandas.DataFrame
        The standard columns, estimate in percent.
    """
    return metric


_NAMES = {"chatbot_success": "chatbot_success", "fcr": "first_contact_resolution",
          "relation": "relation_quotient", "avg_ready": "avg_readiness"}

chatbot_success = _construct_share(
    "chatbot_success", "Chatbot success rate: share of chatbot contacts that solved the question.")
first_contact_resolution = _construct_share(
    "fcr", "First-contact resolution: share of contacts solved in the first contact.")
relation_quotient = _construct_share(
    "relation", "Relatie Quotiënt: share of contacts that kept or strengthened the relationship.")
_avg_ready_share = _construct_share(
    "avg_ready", "AVG (GDPR) readiness: share of organisations ready.")


def avg_readiness(data: pd.DataFrame, by=None, weights=_AUTO, method: str = "wilson",
                  confidence: float = config.CONFIDENCE, population=_AUTO,
                  min_n: int | None = None) -> pd.DataFrame:
    """AVG (GDPR) readiness: share of organisations that are ready, in percent.

    A share of the harmonised binary construct ``avg_ready`` of the organisation survey. Because
    the responding organisations are most of a small known population (about 170 member
    organisations), the finite population correction is applied by default with the population
    sizes of the survey definition (``population="auto"``); pass ``population=None`` to treat the
    organisations as a sample from an infinite population.

    Returns
    -------
    pandas.DataFrame
        The standard columns, estimate in percent.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> orgs = pd.DataFrame({"year": [2017] * 120, "avg_ready": [1.0] * 10 + [0.0] * 110})
    >>> out = kirc.avg_readiness(orgs, by="year", population={2017: 170})
    >>> out[["year", "estimate", "ci_low", "ci_high", "n"]].round(2)
       year  estimate  ci_low  ci_high    n
    0  2017      8.33    6.02    11.42  120
    """
    return _avg_ready_share(data, by=by, weights=weights, method=method, confidence=confidence,
                            population=population, min_n=min_n)


# --------------------------------------------------------------------------------------------
# across years


_METRICS: dict[str, Callable] = {"nps": nps, "csat": csat, "share": share, "mean": mean_score,
                                 "mean_score": mean_score}


def _metric_function(metric) -> Callable:
    if callable(metric):
        return metric
    try:
        return _METRICS[metric]
    except KeyError:
        raise ParameterError(f"unknown metric {metric!r}; use one of "
                             f"{', '.join(sorted(_METRICS))}") from None


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
        Passed to the metric (weights, method, positive, population, ...).

    Returns
    -------
    pandas.DataFrame
        The metric's tidy output with ``year`` as the first grouping column, sorted by year.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"year": [2018] * 4 + [2019] * 4, "ok": [1, 0, 1, 1, 1, 1, 1, 0]})
    >>> kirc.trend(df, "share", "ok")[["year", "estimate", "n"]]
       year  estimate  n
    0  2018      75.0  4
    1  2019      75.0  4
    """
    function = _metric_function(metric)
    _require_columns(data, [year])
    return function(data, column, by=[year, *_as_list(by)], **kwargs)


def change(data: pd.DataFrame, metric, column: str, year=None, by=None, weights=None,
           method: str | None = None, confidence: float = config.CONFIDENCE,
           year_column: str = "year", population=None, min_n: int | None = None,
           **kwargs) -> pd.DataFrame:
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
        One change per group.
    weights, confidence, population, min_n, **kwargs
        As for the metric (``positive=`` for share, ``top=``/``scale=`` for csat).
    method : str, optional
        Interval for the difference: for shares ``"newcombe"`` (default, Newcombe 1998 method 10)
        or ``"wald"``; for NPS ``"mover"`` (default) or ``"wald"``; for means Welch's t.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``year_from``, ``year_to``, ``estimate_from``, ``estimate_to``,
        ``estimate`` (the change ``to − from`` in points, or scale units for means), ``ci_low``,
        ``ci_high``, ``p_value``, ``significant`` (``p_value < 1 − confidence``), ``n_from``,
        ``n_to``, ``n`` (``n_from + n_to``), ``n_eff``, ``method``, ``flag`` (set when either
        year is below the threshold).

    Notes
    -----
    The two years are treated as independent samples. Shares: Newcombe's hybrid score interval
    (validated against Newcombe 1998 Table II and statsmodels ``confint_proportions_2indep``) and
    the pooled two-proportion z-test (equal to Pearson's chi-square without continuity
    correction, checked against ``scipy.stats.chi2_contingency``). NPS: the MOVER combination of
    the two single-year intervals and a Wald z-test. Means: Welch's t-test and interval, checked
    against ``scipy.stats.ttest_ind(equal_var=False)``. Weighted counts enter as effective
    counts, and the finite population correction as in the single-year metrics. The p-value and
    the interval come from different constructions and can, rarely and only at the margin,
    disagree about significance; ``significant`` follows the p-value.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"year": [2018] * 100 + [2019] * 100,
    ...                    "solved": [1] * 59 + [0] * 41 + [1] * 70 + [0] * 30})
    >>> out = kirc.change(df, "share", "solved", year=2019)
    >>> out[["year_from", "year_to", "estimate", "ci_low", "ci_high", "p_value"]].round(3)
       year_from  year_to  estimate  ci_low  ci_high  p_value
    0       2018     2019      11.0  -2.239   23.716    0.104
    """
    function = _metric_function(metric)
    _require_columns(data, [year_column])
    years = sorted(pd.unique(data[year_column].dropna()))
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
                                 file=_source(data), column=year_column)
    by = _as_list(by)
    common = dict(by=by, weights=weights, confidence=confidence, population=population,
                  min_n=min_n, **kwargs)
    kind = {nps: "nps", mean_score: "mean"}.get(function, "share")
    rows_from = data[data[year_column] == year_from]
    rows_to = data[data[year_column] == year_to]
    a = function(rows_from, column, **common)
    b = function(rows_to, column, **common)
    out = b[by].copy() if by else pd.DataFrame(index=b.index)
    out["year_from"] = year_from
    out["year_to"] = year_to
    out["estimate_from"] = a["estimate"].to_numpy()
    out["estimate_to"] = b["estimate"].to_numpy()
    diff = out["estimate_to"].to_numpy() - out["estimate_from"].to_numpy()

    def nobs_of(frame, rows):
        pop = _population_per_group(population, frame[by] if by else pd.DataFrame(index=[0]),
                                    rows)
        return _fpc_nobs(frame["n"].to_numpy(float), frame["n_eff"].to_numpy(float), pop)

    n_a, n_b = nobs_of(a, rows_from), nobs_of(b, rows_to)
    # A census year has no sampling error; a huge effective n stands in for infinity.
    n_a, n_b = np.minimum(n_a, 1e12), np.minimum(n_b, 1e12)
    if kind == "share":
        method = method or "newcombe"
        pa, pb = a["estimate"].to_numpy() / 100, b["estimate"].to_numpy() / 100
        low, high = intervals.difference_interval(np.nan_to_num(pb * n_b), n_b,
                                                  np.nan_to_num(pa * n_a), n_a,
                                                  method=method, confidence=confidence)
        p_value = intervals.difference_pvalue(np.nan_to_num(pb * n_b), n_b,
                                              np.nan_to_num(pa * n_a), n_a)
        low, high = 100 * np.asarray(low, float), 100 * np.asarray(high, float)
    elif kind == "nps":
        method = method or "mover"
        cells = []
        for frame, nn in ((b, n_b), (a, n_a)):
            cells += [np.nan_to_num(frame[c].to_numpy() / 100 * nn)
                      for c in ("promoters", "passives", "detractors")]
        low, high = intervals.nps_difference_interval(*cells, method=method,
                                                      confidence=confidence)
        p_value = intervals.nps_difference_pvalue(*cells)
        low, high = 100 * np.asarray(low, float), 100 * np.asarray(high, float)
    else:
        method = "welch"
        se_a, se_b = a["se"].to_numpy(), b["se"].to_numpy()
        na, nb = a["n"].to_numpy(float), b["n"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(se_a ** 2 + se_b ** 2)
            df = se ** 4 / (se_a ** 4 / (na - 1) + se_b ** 4 / (nb - 1))
            tcrit = stats.t.ppf(0.5 + confidence / 2, df)
            low, high = diff - tcrit * se, diff + tcrit * se
            p_value = 2 * stats.t.sf(np.abs(diff) / se, df)
    empty = (a["n"].to_numpy() == 0) | (b["n"].to_numpy() == 0)
    low, high, p_value = (np.where(empty, np.nan, np.asarray(x, float)) for x in
                          (low, high, p_value))
    out["estimate"] = np.where(empty, np.nan, diff)
    out["ci_low"] = low
    out["ci_high"] = high
    out["p_value"] = p_value
    out["significant"] = np.asarray(p_value < 1 - confidence)
    out["n_from"] = a["n"].to_numpy()
    out["n_to"] = b["n"].to_numpy()
    out["n"] = out["n_from"] + out["n_to"]
    out["n_eff"] = a["n_eff"].to_numpy() + b["n_eff"].to_numpy()
    out["n_missing"] = a["n_missing"].to_numpy() + b["n_missing"].to_numpy()
    out["method"] = method
    flagged = (a["flag"].to_numpy() != "") | (b["flag"].to_numpy() != "")
    out["flag"] = np.where(flagged, b["flag"].where(b["flag"] != "", a["flag"]).to_numpy(), "")
    return out.reset_index(drop=True)
