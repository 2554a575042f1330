"""Sector metrics as tidy tables: NPS, CSAT, mean scores, shares, by domain and by year.

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
``n``         valid answers (missing values, user-missing codes and zero weights excluded)
``n_eff``     Kish effective sample size ``(Σw)² / Σw²``; equals ``n`` unweighted
``n_missing`` rows of the group whose answer is missing (system- or user-missing)
``method``    the interval method
``flag``      ``"n<30"`` when ``n_eff`` is below the reliability threshold
              (:data:`kirc.config.MIN_N` or the survey's own ``min_n``), else ``""``
============  ==============================================================================

and after them ``se`` (the design-based standard error, in the estimate's unit), ``deff`` (the
design effect, R's ``deff="replace"``) and ``df`` (the design's degrees of freedom for the
group). Rows whose ``by`` value is missing form a group of their own (its key is missing), so
that no respondent silently disappears.

The survey design
-----------------
Every estimator takes ``design=`` (a :class:`kirc.Design`: weights, strata, clusters, finite
population); by default the design the frame carries (:func:`kirc.design_of`; frames from
:func:`kirc.load_survey` carry the one of their definition), else a simple random sample.
``weights=`` and ``population=`` override that part of the design (``weights=None``: unweighted,
``weights="auto"``: the design's weight, else the frame's declared weight, else a column named
``weight``, ``gewicht``, ``weegfactor`` or ``wgt``).

Data flow: the answers are *tallied* into sums per (group, stratum, PSU) in one pass
(:mod:`kirc.estimate.tally`), the variance is computed from the tally by Taylor linearisation
(:mod:`kirc.estimate.variance`), and intervals come from :mod:`kirc.intervals`:

* An unweighted simple random sample (no weights, strata or clusters; with or without a finite
  population) keeps the count-based intervals: the interval formula gets the counts, and the
  sample size ``n / (1 − f)`` with ``f`` the sampling fraction of the design (for a subgroup,
  too, the whole sample's ``n/N``, as R's domain estimator), with the normal quantile.
* As soon as the design has weights, strata or clusters, the design's effective sample size
  ``p(1 − p)/Var̂`` (for the NPS ``σ²/Var̂`` with σ² the variance of the +1/0/−1 score) and
  the t quantile with the group's design degrees of freedom feed the same interval formulas,
  as R's ``svyciprop`` does. ``method="beta"`` is then the Korn–Graubard interval of
  ``svyciprop(method="beta")`` and ``method="logit"`` that of ``svyciprop(method="logit")``.

Validated against R ``survey`` 4.1.1 on the ``api`` data sets (simple random sample,
stratified with fpc, cluster sample with fpc): ``svymean``, ``svyby``, ``svyciprop`` (logit,
beta) and ``degf`` to 1e-6 in ``tests/test_design.py``.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .. import config, intervals
from .._frozen import FrozenList
from ..survey.design import Design, design_of
from ..errors import ColumnError, ParameterError, ScaleError
from .tally import Groups, factorize, groups_of, row_design, tally_rows
from .variance import domain_estimates

__all__ = ["nps", "csat", "mean_score", "share", "chatbot_success", "avg_readiness",
           "first_contact_resolution", "relation_quotient", "change", "trend",
           "STANDARD_COLUMNS", "DESIGN_COLUMNS"]

STANDARD_COLUMNS = ["estimate", "ci_low", "ci_high", "n", "n_eff", "n_missing", "method", "flag"]
#: Columns after the standard ones: design standard error, design effect, degrees of freedom.
DESIGN_COLUMNS = ["se", "deff", "df"]

_AUTO = "auto"


class _FromDesign:
    """Default of ``weights=`` and ``population=``: take it from the design."""

    def __repr__(self):
        return "<from the design>"


FROM_DESIGN = _FromDesign()

#: Column names that ``weights="auto"`` recognises when no design or file declares a weight.
WEIGHT_NAMES = ("weight", "gewicht", "weegfactor", "wgt", "weging", "weights")

# kept for code that imported the private names
_factorize = factorize
_groups = groups_of


# --------------------------------------------------------------------------------------------
# validation helpers


def _source(data: pd.DataFrame) -> str | None:
    attrs = getattr(data, "attrs", None) or {}
    return attrs.get("source") or attrs.get("survey")


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


# --------------------------------------------------------------------------------------------
# the design of a call


def _auto_weight(data: pd.DataFrame, design: Design) -> str | None:
    """``weights="auto"``: the design's weight, the frame's declared one, or a known name."""
    if design.weights is not None:
        return design.weights
    declared = data.attrs.get("weight")
    if isinstance(declared, str) and declared in data.columns:
        return declared
    by_lower = {str(c).lower(): c for c in data.columns}
    for name in WEIGHT_NAMES:
        if name in by_lower:
            return by_lower[name]
    return None


def resolve_design(data: pd.DataFrame, design: Design | None = None, weights=FROM_DESIGN,
                   population=FROM_DESIGN) -> Design:
    """The design of one call: ``design=`` (or the frame's), with ``weights=`` and
    ``population=`` overriding that part of it.

    A file that declares a weight (SPSS ``WEIGHT BY``) on a frame without a design is not
    weighted silently: a :class:`kirc.KircWarning` proposes ``weights="auto"``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> from kirc.estimate.metrics import resolve_design
    >>> df = pd.DataFrame({"ok": [1, 0], "gewicht": [0.5, 1.5]})
    >>> resolve_design(df, weights="auto").weights
    'gewicht'
    >>> resolve_design(df, kirc.Design(weights="gewicht"), weights=None).weights is None
    True
    """
    if design is not None and not isinstance(design, Design):
        raise ParameterError(f"design must be a kirc.Design, not {type(design).__name__}")
    base = design_of(data) if design is None else design
    if weights is FROM_DESIGN:
        declared = data.attrs.get("weight")
        if (base.weights is None and design is None and "design" not in data.attrs
                and isinstance(declared, str) and declared in data.columns):
            from ..io import KircWarning
            warnings.warn(KircWarning(
                f"{_source(data) or 'the data'} declares the weight {declared!r} (SPSS WEIGHT "
                f"BY); these figures are unweighted: pass weights={declared!r} (or "
                "weights='auto') to weight them, weights=None to silence this"), stacklevel=3)
    elif isinstance(weights, str) and weights == _AUTO:
        base = base.replace(weights=_auto_weight(data, base))
    else:
        if weights is not None and not isinstance(weights, str):
            raise ParameterError(f"weights must be a column name, None or 'auto', not "
                                 f"{weights!r}")
        base = base.replace(weights=weights)
    if population is FROM_DESIGN:
        # A frame whose attrs["population"] was emptied on purpose (a sector's segment of the
        # organisation survey, kirc.annual) has no whole-survey population to correct with.
        if design is None and "population" in data.attrs and not data.attrs["population"] \
                and base.by_year:
            base = base.replace(population=None)
    else:
        if isinstance(population, str) and population == _AUTO:
            if "population" in data.attrs:
                base = base.replace(population=data.attrs["population"] or None, fpc=None)
        else:
            base = base.replace(population=population, fpc=None)
    return base


def _prepare(data, columns, by, design, weights, population):
    by = _as_list(by)
    _require_columns(data, [*columns, *by])
    return by, resolve_design(data, design, weights, population)


# --------------------------------------------------------------------------------------------
# tally and design variance per group


#: ``data.attrs`` key under which :mod:`kirc.estimate.engines` hands an estimator the tally it computed
#: in another engine (or captures the tally of one chunk); see :func:`_estimates`.
TALLY_HOOK = "kirc.estimate.engines.tally"


def _tally(data, y, valid, by, design, classes, names, resolved=None):
    """The domain keys and the tally of the rows of an in-memory frame (the groups and the
    row design also into ``resolved``, for the calibrated variance)."""
    groups: Groups = groups_of(data, by)
    rows = row_design(data, design, valid)
    if resolved is not None:
        resolved.update(groups=groups, rows=rows)
    return groups.keys, tally_rows(y, valid, groups, rows, classes, names)


def _any_engine(function):
    """Let an estimator take what :mod:`kirc.estimate.engines` reads besides a pandas DataFrame.

    A Parquet or CSV path, a DuckDB relation, a Spark DataFrame or an iterator of DataFrames
    (chunks) is tallied by its engine and estimated by this very function, so that every
    argument means the same whatever holds the rows.
    """
    @functools.wraps(function)
    def estimator(data, *args, **kwargs):
        if isinstance(data, pd.DataFrame):
            from .engines.memory import estimate_fast
            fast = estimate_fast(function, data, args, kwargs)
            return function(data, *args, **kwargs) if fast is None else fast
        from . import engines
        return engines.estimate(function, data, args, kwargs)
    return estimator


def _estimates(data: pd.DataFrame, y: np.ndarray, valid: np.ndarray, by: list[str],
               design: Design, classes: np.ndarray | None = None, names=()) -> pd.DataFrame:
    """One row per group (every category, also empty ones): sizes, estimate and variance."""
    hook = data.attrs.get(TALLY_HOOK)
    resolved: dict = {}
    in_memory = functools.partial(_tally, data, y, valid, by, design, classes, names, resolved)
    keys, tally = in_memory() if hook is None else hook(in_memory)
    result = domain_estimates(tally)
    if hook is None and "calibration" in data.attrs:   # calibrated weights: residual variance
        from ..survey.calibrate import calibrated_estimates
        result = calibrated_estimates(result, data, y, valid, resolved["groups"],
                                      resolved["rows"], design)
    if by:
        result = keys.merge(result, on=by, how="left", sort=False)
    counts = ["n", "n_missing", "sum_w", "n_kish"] + [f"{p}_{c}" for c in names
                                                     for p in ("n", "w")]
    for column in counts:
        result[column] = result[column].fillna(0)
    for column in ("n", "n_missing", *(f"n_{c}" for c in names)):
        result[column] = result[column].astype(np.int64)
    # groups without rows (empty categories) lie in no stratum
    result["fraction"] = result["fraction"].where(result["n"] > 0, 0.0)
    return result


def _count_based(design: Design, est: pd.DataFrame) -> bool:
    """Count-based intervals: an unweighted simple random sample whose every group lies in one
    sample (a group pooling years of different sampling fractions is a stratified estimate)."""
    if not design.is_simple:
        return False
    fraction = est["fraction"].to_numpy(float)
    return not np.any(np.isnan(fraction) & (est["n"].to_numpy() > 0))


def _count_nobs(est: pd.DataFrame) -> np.ndarray:
    """Sample size of a simple random sample for an interval formula: ``n / (1 − f)``."""
    n = est["n"].to_numpy(float)
    fraction = est["fraction"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fraction < 1, n / (1 - fraction), np.inf)


def _design_nobs(sigma2: np.ndarray, est: pd.DataFrame) -> np.ndarray:
    """The design's effective sample size ``σ²/Var̂`` (svyciprop); Kish's where σ² = 0."""
    variance = est["variance"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(variance > 0, sigma2 / variance,
                        np.where(sigma2 > 0, np.inf, est["n_kish"].to_numpy(float)))


_SUPPORTS_DF = {}


def _has_df(function) -> bool:
    if function not in _SUPPORTS_DF:
        try:
            _SUPPORTS_DF[function] = "df" in inspect.signature(function).parameters
        except (TypeError, ValueError):
            _SUPPORTS_DF[function] = False
    return _SUPPORTS_DF[function]


def _t_over_z_squared(df: np.ndarray, confidence: float) -> np.ndarray:
    """``(t/z)²``: dividing a sample size by it turns a normal-quantile interval into the t one.

    For the Wilson, Wald, Agresti–Coull and logit formulas this is exact (z²/n' = t²/n).
    """
    z = stats.norm.isf((1 - confidence) / 2)
    with np.errstate(invalid="ignore"):
        t = stats.t.isf((1 - confidence) / 2, np.where(df > 0, df, np.nan))
    return (t / z) ** 2


def korn_graubard_nobs(n_eff, n, df, confidence):
    """R's ``svyciprop(method="beta")`` effective n: ``n_eff · (qt(α/2, n−1)/qt(α/2, df))²``."""
    helper = getattr(intervals, "korn_graubard_nobs", None)
    if helper is not None:
        return np.asarray(helper(n_eff, n, df, confidence), float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (stats.t.ppf(alpha / 2, np.where(n > 1, n - 1, np.nan))
                 / stats.t.ppf(alpha / 2, np.where(df > 0, df, np.nan)))
    return n_eff * ratio ** 2


def _proportion_limits(p, nobs, method, confidence, df=None, n=None):
    """Share interval at effective size ``nobs``; with ``df`` the design (t) version."""
    finite = np.isfinite(nobs) & ~np.isnan(p)
    size = np.where(finite, nobs, 0.0)
    canonical = method.lower() if isinstance(method, str) else method
    if df is not None and canonical in ("beta", "clopper-pearson"):
        size = np.where(finite, korn_graubard_nobs(size, n, df, confidence), 0.0)
        size = np.nan_to_num(size)
        low, high = intervals.proportion_interval(np.nan_to_num(p) * size, size,
                                                  method="clopper-pearson",
                                                  confidence=confidence)
    elif df is not None and _has_df(intervals.proportion_interval):
        low, high = intervals.proportion_interval(np.nan_to_num(p) * size, size, method=method,
                                                  confidence=confidence, df=df)
    else:
        if df is not None:
            size = np.nan_to_num(size / _t_over_z_squared(df, confidence))
        low, high = intervals.proportion_interval(np.nan_to_num(p) * size, size, method=method,
                                                  confidence=confidence)
    low, high = np.asarray(low, float).copy(), np.asarray(high, float).copy()
    census = ~np.isfinite(nobs)
    low[census], high[census] = p[census], p[census]        # a census: no sampling error
    if df is not None:
        undefined = finite & ~(df > 0)
        low[undefined] = high[undefined] = np.nan            # one PSU: no variance estimate
    return low, high


def _flags(n_eff: np.ndarray, min_n: int) -> np.ndarray:
    return np.where(n_eff < min_n, f"n<{min_n}", "")


def _min_n(data: pd.DataFrame, min_n: int | None) -> int:
    if min_n is not None:
        return int(min_n)
    return int(data.attrs.get("min_n", config.MIN_N))


def _frame(est: pd.DataFrame, by: list[str], estimate, low, high, method: str, min_n: int,
           unit: float, extra: dict | None = None, nobs=None,
           design_df: bool = False) -> pd.DataFrame:
    empty = est["n"].to_numpy() == 0
    columns = {}
    for name, array in (("estimate", estimate), ("ci_low", low), ("ci_high", high)):
        array = np.asarray(array, float).copy()
        array[empty] = np.nan
        columns[name] = array
    n_eff = est["n_kish"].to_numpy(float)
    columns.update({
        "n": est["n"].to_numpy(np.int64), "n_eff": n_eff,
        "n_missing": est["n_missing"].to_numpy(np.int64),
        "method": np.full(len(est), method, dtype=object), "flag": _flags(n_eff, min_n),
        "se": unit * est["se"].to_numpy(float), "deff": est["deff"].to_numpy(float),
        "df": est["df"].to_numpy(float)})
    columns.update(extra or {})
    values = pd.DataFrame(columns)
    out = pd.concat([est[by].reset_index(drop=True), values], axis=1) if by else values
    out = out.reset_index(drop=True)
    if nobs is not None:
        # the (effective) sample size behind the interval, for kirc.estimate.compare.change
        out.attrs["interval_n"] = FrozenList(np.asarray(nobs, float).tolist())
        out.attrs["interval_df"] = design_df         # t with the design's df, else z
    return out


_LOOKS_MISSING = (97, 98, 99, -1)


def _share_core(data, is_positive, valid, by, design, method, confidence, min_n):
    classes = np.where(valid, is_positive.astype(np.int64), -1)
    est = _estimates(data, is_positive.astype(float), valid, by, design, classes, ("no", "yes"))
    counted = _count_based(design, est)
    if method is None:
        method = "wilson" if counted else getattr(
            intervals, "DEFAULT_DESIGN_PROPORTION_METHOD", "wilson")
    p = est["estimate"].to_numpy(float)
    if counted:
        nobs = _count_nobs(est)
        low, high = _proportion_limits(p, nobs, method, confidence)
    else:
        nobs = _design_nobs(p * (1 - p), est)
        low, high = _proportion_limits(p, nobs, method, confidence,
                                       df=est["df"].to_numpy(float),
                                       n=est["n"].to_numpy(float))
    return _frame(est, by, 100 * p, 100 * low, 100 * high, method, _min_n(data, min_n), 100.0,
                  nobs=nobs, design_df=not counted)


# --------------------------------------------------------------------------------------------
# public metrics


@_any_engine
def share(data: pd.DataFrame, column: str, positive=1, by=None, weights=FROM_DESIGN,
          method: str | None = None, confidence: float = config.CONFIDENCE,
          population=FROM_DESIGN, min_n: int | None = None, *, negative=None,
          design: Design | None = None) -> pd.DataFrame:
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
        The value(s) that count as "yes". For a labelled categorical column give the label(s).
    by : str or list of str, optional
        Grouping columns; a categorical column yields a row for every category, also empty
        ones; rows with a missing value form a group of their own.
    weights : str, None or "auto", optional
        Column of survey weights; default the design's (see the module notes).
    method : {"wilson", "clopper-pearson", "beta", "jeffreys", "agresti-coull", "wald", "logit"}
        Interval method, see :func:`kirc.intervals.proportion_interval`; on a weighted,
        stratified or clustered design ``"beta"`` is Korn–Graubard and ``"logit"`` the
        logit interval of R's ``svyciprop``. Default ``"wilson"`` for an unweighted simple
        random sample, :data:`kirc.intervals.DEFAULT_DESIGN_PROPORTION_METHOD` (chosen by the
        coverage study of ``benchmarks/``, see :func:`kirc.intervals.design_proportion_interval`)
        for a weighted, stratified or clustered design.
    confidence : float, default 0.95
    population : int, dict or "auto", optional
        Population size for the finite population correction, overriding the design's; a dict
        ``{year: N}`` gives one per year (each year a sample of its own), "auto" takes
        ``data.attrs["population"]``, None none.
    min_n : int, optional
        Threshold of the effective ``n`` below which a row is flagged; default the survey's
        ``min_n`` or 30.
    negative : scalar or list, optional
        The value(s) that count as "no". With it, a value that is neither positive, negative
        nor missing raises :class:`kirc.ScaleError`. Without it every other value counts as
        "no" (a frame from :func:`kirc.load_survey` takes the negative codes of its
        definition), and a value that looks like an undeclared missing code (97–99, −1) gives
        a :class:`kirc.KircWarning`.
    design : kirc.Design, optional
        The survey design; default the frame's (:func:`kirc.design_of`).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``estimate``, ``ci_low``, ``ci_high`` (percent), ``n``, ``n_eff``,
        ``n_missing``, ``method``, ``flag``, ``se`` (percentage points), ``deff``, ``df``.

    Notes
    -----
    Unweighted simple random samples: validated against statsmodels' ``proportion_confint``
    (through :func:`kirc.intervals.proportion_interval`). Designs: against R ``survey`` 4.1.1
    ``svymean``, ``svyby`` and ``svyciprop`` on the ``api`` data (``tests/test_design.py``).

    In R: ``svyciprop(~I(fcr == 1), svydesign(ids=~1, weights=~weight, data=df), method="beta")``.

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
    by, design = _prepare(data, [column], by, design, weights, population)
    series = data[column]
    positives = list(positive) if isinstance(positive, (list, tuple, set)) else [positive]
    valid = series.notna().to_numpy()
    if negative is None:
        negative = _definition_negative(data, column, positives)
        declared = False
    else:
        declared = True
    negatives = None if negative is None else (
        list(negative) if isinstance(negative, (list, tuple, set)) else [negative])
    if isinstance(series.dtype, pd.CategoricalDtype):
        unknown = [v for v in positives + (negatives or []) if v not in series.cat.categories]
        if unknown:
            raise ParameterError(f"positive/negative {unknown!r} is not among the categories "
                                 f"{list(series.cat.categories)} of column {column!r}")
    is_positive = series.isin(positives).to_numpy()
    if negatives is not None:
        other = valid & ~is_positive & ~series.isin(negatives).to_numpy()
        if other.any():
            examples = ", ".join(repr(v) for v in pd.unique(series[other])[:5])
            raise ScaleError(f"{int(other.sum())} answers are neither positive {positives} nor "
                             f"negative {negatives} (for example {examples}); declare codes "
                             "such as 99 'weet niet' as missing",
                             file=_source(data), column=column)
    elif not declared:
        _warn_missing_like(series, valid & ~is_positive, data, column)
    return _share_core(data, is_positive, valid, by, design, method, confidence, min_n)


def _definition_negative(data, column, positives):
    """Negative codes of a harmonised binary construct (1 yes, 0 no) from its definition."""
    spec = (data.attrs.get("constructs") or {}).get(column)
    if isinstance(spec, Mapping) and spec.get("type") == "binary" and positives == [1]:
        return [0]
    return None


def _warn_missing_like(series, other, data, column):
    if not other.any():
        return
    values = series[other]
    numeric = pd.to_numeric(values, errors="coerce")
    suspicious = numeric.isin(_LOOKS_MISSING)
    if suspicious.any():
        warn_missing_like(pd.unique(numeric[suspicious]), int(suspicious.sum()), _source(data),
                          column, stacklevel=4)


def warn_missing_like(codes, count: int, source, column: str, stacklevel: int = 3) -> None:
    """The warning for answers that look like an undeclared missing code (97–99, −1).

    One text for every engine: the in-memory path and :mod:`kirc.estimate.engines` both call it.
    """
    from ..io import KircWarning

    codes = ", ".join(f"{v:g}" for v in sorted(codes))
    warnings.warn(KircWarning(
        f"{source + ', ' if source else ''}column {column!r}: {count} answers are {codes}, "
        "which looks like an undeclared missing code; they count as 'no'. Declare the code "
        "missing, or pass negative= so that unknown codes are an error"), stacklevel=stacklevel)


@_any_engine
def csat(data: pd.DataFrame, column: str, by=None, weights=FROM_DESIGN, method: str | None = None,
         confidence: float = config.CONFIDENCE, population=FROM_DESIGN, top: int = 2,
         scale: tuple[int, int] = (1, 5), min_n: int | None = None, *,
         design: Design | None = None) -> pd.DataFrame:
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
    statsmodels' ``proportion_confint`` and R's ``svyciprop``.

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
    by, design = _prepare(data, [column], by, design, weights, population)
    values = _numeric(data, column)
    _check_scale(values, low_end, high_end, data, column)
    valid = ~np.isnan(values)
    satisfied = valid & (values >= high_end - top + 1)
    return _share_core(data, satisfied, valid, by, design, method, confidence, min_n)


@_any_engine
def nps(data: pd.DataFrame, column: str, by=None, weights=FROM_DESIGN, method: str | None = None,
        confidence: float = config.CONFIDENCE, population=FROM_DESIGN,
        min_n: int | None = None, *, design: Design | None = None) -> pd.DataFrame:
    """Net Promoter Score with a confidence interval, and its composition.

    NPS = % promoters (9–10) − % detractors (0–6) of the answers on the 0–10 "would you recommend"
    question, in points from −100 to +100: the mean of the score +1 (promoter), 0 (passive),
    −1 (detractor), which is how its design-based variance is computed.

    Parameters
    ----------
    data : pandas.DataFrame
    column : str
        The 0–10 rating. Missing values are excluded; values outside 0–10 or not whole numbers
        raise :class:`kirc.ScaleError`.
    by, weights, confidence, population, min_n, design
        As in :func:`share`.
    method : {"score", "adjusted-wald", "wald", "bootstrap"}, optional
        The interval for the difference of two cells of a trinomial; default
        :data:`kirc.intervals.DEFAULT_NPS_METHOD`, chosen by the exact coverage study in
        ``benchmarks/coverage_nps.py`` (see :func:`kirc.intervals.nps_interval`). On a
        weighted, stratified or clustered design the counts are the design's effective
        counts and the quantile is t with the design's degrees of freedom.

    Returns
    -------
    pandas.DataFrame
        The standard columns (estimate, ci_low, ci_high in NPS points), ``se``, ``deff``,
        ``df``, plus ``promoters``, ``passives`` and ``detractors`` in percent.

    Notes
    -----
    The interval methods are validated in :mod:`kirc.intervals` (Tango 1998 worked values, exact
    coverage); the tally is checked against a plain pandas ``value_counts``, the estimate and
    its standard error against R's ``svymean`` of the score (``tests/test_design.py``).

    In R: ``svymean(~I((nps >= 9) - (nps <= 6)), design)``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"aanbeveling": [10, 9, 9, 8, 7, 6, 3, 10, 9, 0]})
    >>> out = kirc.nps(df, "aanbeveling")
    >>> out[["estimate", "promoters", "passives", "detractors", "n"]]
       estimate  promoters  passives  detractors   n
    0      20.0       50.0      20.0        30.0  10
    """
    by, design = _prepare(data, [column], by, design, weights, population)
    values = _numeric(data, column)
    _check_scale(values, 0, 10, data, column)
    valid = ~np.isnan(values)
    # 0 detractor (0–6), 1 passive (7–8), 2 promoter (9–10); -1 missing
    classes = np.full(len(values), -1, dtype=np.int64)
    classes[valid] = (values[valid] >= 7).astype(np.int64) + (values[valid] >= 9)
    est = _estimates(data, classes - 1.0, valid, by, design, classes,
                     ("detractor", "passive", "promoter"))
    counted = _count_based(design, est)
    method = method or (intervals.DEFAULT_NPS_METHOD if counted else getattr(
        intervals, "DEFAULT_DESIGN_NPS_METHOD", intervals.DEFAULT_NPS_METHOD))
    total = est["sum_w"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pro, pas, det = (est[f"w_{c}"].to_numpy(float) / total
                         for c in ("promoter", "passive", "detractor"))
    estimate = pro - det
    low, high, nobs = _nps_limits(pro, pas, det, est, counted, method, confidence)
    return _frame(est, by, 100 * estimate, 100 * low, 100 * high, method, _min_n(data, min_n),
                  100.0, extra={"promoters": 100 * pro, "passives": 100 * pas,
                                "detractors": 100 * det}, nobs=nobs,
                  design_df=not counted)


def _nps_limits(pro, pas, det, est, counted, method, confidence):
    estimate = pro - det
    df = None
    if counted:
        nobs = _count_nobs(est)
    else:
        nobs = _design_nobs(pro + det - estimate ** 2, est)
        df = est["df"].to_numpy(float)
    finite = np.isfinite(nobs) & ~np.isnan(estimate)
    size = np.where(finite, nobs, 0.0)
    options = {}
    if df is not None:
        if _has_df(intervals.nps_interval):
            options["df"] = df
        else:
            size = np.nan_to_num(size / _t_over_z_squared(df, confidence))
    low, high = intervals.nps_interval(np.nan_to_num(pro * size), np.nan_to_num(pas * size),
                                       np.nan_to_num(det * size), method=method,
                                       confidence=confidence, **options)
    low, high = np.asarray(low, float).copy(), np.asarray(high, float).copy()
    census = ~np.isfinite(nobs)
    low[census], high[census] = estimate[census], estimate[census]
    if df is not None:
        undefined = finite & ~(df > 0)
        low[undefined] = high[undefined] = np.nan
    return low, high, nobs


@_any_engine
def mean_score(data: pd.DataFrame, column: str, by=None, weights=FROM_DESIGN,
               confidence: float = config.CONFIDENCE, population=FROM_DESIGN, scale=None,
               min_n: int | None = None, *, design: Design | None = None) -> pd.DataFrame:
    """Mean rating with a t interval from the design-based (linearisation) standard error.

    Parameters
    ----------
    data : pandas.DataFrame
    column : str
        The rating.
    by, weights, confidence, population, min_n, design
        As in :func:`share`.
    scale : (low, high), optional
        When given, answers outside it raise :class:`kirc.ScaleError`.

    Returns
    -------
    pandas.DataFrame
        The standard columns (estimate = mean in scale units), ``se``, ``deff``, ``df`` and
        ``sd`` (the weighted standard deviation, divisor ``n − 1``).

    Notes
    -----
    ``mean ± t(df) · se`` with the linearised standard error of the design and its degrees of
    freedom: unweighted and without a finite population ``s/√n`` with ``n − 1`` degrees of
    freedom (validated against ``scipy.stats.t.interval``); weighted
    ``n/(n−1) · Σ w²(y − ȳ)² / (Σw)²``, with strata, clusters and fpc as R's ``svymean``, and
    ``confint(svymean(...), df=degf(design))`` (validated to 1e-10 on the ``api`` data). The
    method column reads ``"t"``.

    In R: ``confint(svyby(~y, ~group, design, svymean), df=degf(design))``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"tevredenheid": [5, 4, 4, 3, 1, 2, 5, 4]})
    >>> kirc.mean_score(df, "tevredenheid")[["estimate", "ci_low", "ci_high", "n"]].round(3)
       estimate  ci_low  ci_high  n
    0       3.5   2.318    4.682  8
    """
    by, design = _prepare(data, [column], by, design, weights, population)
    values = _numeric(data, column)
    if scale is not None:
        _check_scale(values, scale[0], scale[1], data, column, integer=False)
    valid = ~np.isnan(values)
    est = _estimates(data, values, valid, by, design)
    mean = est["estimate"].to_numpy(float)
    se = est["se"].to_numpy(float)
    df = est["df"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        tcrit = stats.t.isf((1 - confidence) / 2, np.where(df > 0, df, np.nan))
        sd = np.sqrt(est["variance_srs"].to_numpy(float) * est["n"].to_numpy(float))
    few = est["n"].to_numpy() < 2
    se = np.where(few, np.nan, se)
    sd = np.where(few, np.nan, sd)
    est["se"] = se
    out = _frame(est, by, mean, mean - tcrit * se, mean + tcrit * se, "t",
                 _min_n(data, min_n), 1.0, extra={"sd": sd})
    return out


# --------------------------------------------------------------------------------------------
# convenience names on a harmonised frame (kirc.load_survey)


def _construct_share(construct: str, description: str):
    def metric(data: pd.DataFrame, by=None, weights=_AUTO, method: str | None = None,
               confidence: float = config.CONFIDENCE, population=FROM_DESIGN,
               min_n: int | None = None, *, design: Design | None = None) -> pd.DataFrame:
        return share(data, construct, positive=1, by=by, weights=weights, method=method,
                     confidence=confidence, population=population, min_n=min_n,
                     design=design)

    metric.__name__ = metric.__qualname__ = _NAMES[construct]
    metric.__doc__ = f"""{description}

    A share (see :func:`kirc.share`) of the harmonised binary construct ``{construct}`` of a
    frame from :func:`kirc.load_survey`, whose survey definition says which answer codes count as
    yes. ``weights="auto"`` (default) weights by the design's weight (or the frame's declared
    weight, or a column named ``weight``/``gewicht``); pass ``weights=None`` for unweighted
    figures. The design (strata, clusters, population) is the frame's unless ``design=``.

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


def avg_readiness(data: pd.DataFrame, by=None, weights=_AUTO, method: str | None = None,
                  confidence: float = config.CONFIDENCE, population=_AUTO,
                  min_n: int | None = None, *, design: Design | None = None) -> pd.DataFrame:
    """AVG (GDPR) readiness: share of organisations that are ready, in percent.

    A share of the harmonised binary construct ``avg_ready`` of the organisation survey. Because
    the responding organisations are most of a small known population (about 170 member
    organisations), the finite population correction is applied by default with the population
    sizes of the survey definition (``population="auto"``); pass ``population=None`` to treat the
    organisations as a sample from an infinite population. A sector's interval uses the
    sampling fraction of the whole year's sample (``n_year / N_year``), as R's domain estimator.

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

    In R: ``svyby(~avg_ready, ~sector, svydesign(ids=~1, fpc=~N, data=orgs), svymean)``.
    """
    return _avg_ready_share(data, by=by, weights=weights, method=method, confidence=confidence,
                            population=population, min_n=min_n, design=design)


def __getattr__(name: str):
    # change and trend live in kirc.estimate.compare, which builds on the metrics above; this keeps
    # kirc.estimate.metrics.change and kirc.estimate.metrics.trend working without an import cycle.
    if name in ("change", "trend"):
        from . import compare
        return getattr(compare, name)
    raise AttributeError(f"module 'kirc.estimate.metrics' has no attribute {name!r}")
