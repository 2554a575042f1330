"""Weighting to the population: raking and calibration, and what the variance needs to know.

:func:`calibrate` turns starting weights (the design weights, or equal weights) into weights
whose totals per category of every margin variable equal known population counts, as R
``survey::calibrate`` / ``survey::rake`` do; :func:`weighting_report` shows what the weighting
did (weighting efficiency, adjustment factors, margins before and after).

Methods (Deville & Särndal 1992; Deville, Särndal & Sautory 1993). Write ``d`` for the starting
weights, ``x`` for a respondent's row of margin indicators (an intercept and, per margin
variable, an indicator of every category but the first, as R's ``model.matrix``) and ``g`` for
the adjustment factor, so the calibrated weight is ``w = g·d``. The factor is ``g = F(x'λ)`` with
``λ`` solved by Newton's method so that ``Σ w x`` equals the population totals:

* ``"raking"``: ``F(u) = exp(u)``, iterative proportional fitting's fixed point (multiplicative
  distance). Same weights as R ``calibrate(calfun="raking")`` and ``rake()``.
* ``"linear"``: ``F(u) = 1 + u``, the generalised regression (GREG) estimator, chi-square
  distance; R ``calibrate(calfun="linear")``. Weights can become negative when unbounded.
* ``"logit"``: logit calibration with finite ``bounds = (L, U)``; R ``calibrate(calfun="logit")``.

``bounds = (L, U)`` keep ``L ≤ g ≤ U``: raking and linear are truncated at the bounds as R does
(``calfun="raking"/"linear", bounds=``); when the margins cannot be reached within the bounds the
call fails with :class:`CalibrationError` (R: "Calibration failed"). Without starting weights every
respondent starts from ``N / n``. As in R's ``grake``, when every population total is more than 20
times the weighted sample total (design weights of a sample from a much larger population than
they describe, say), the starting weights are first scaled by the mean of those ratios, so ``g``
and the bounds refer to weights already scaled up to the population.

Variance. A calibrated estimate is (to first order) the estimate from the residuals of the
variable on the calibration variables: its linearisation variance replaces every influence value
``z_i`` by ``g_i d_i e_i``, where ``e`` are the residuals of the weighted (``d``) least-squares
regression of ``z/w`` on ``x`` — R's ``svyrecvar`` does ``qr.resid(qr(x·√d), z/(g√d))·g√d``
for the ``greg_calibration`` that ``calibrate`` stores in ``design$postStrata``.
:func:`residualise` is that step; :func:`calibrated_estimates` (called by every estimator of
:mod:`kirc.estimate.metrics` on a calibrated frame) applies it to the influence values of each domain
and sums them by the stratum and cluster of the whole calibrated sample, with its finite
population correction. Strata, clusters and fpc of the starting design are kept. Validated
against R ``survey`` 4.1.1 on the ``api`` data (``tests/test_weighting.py``).

References
----------
Deville, J.-C., & Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA*, 87,
376–382. Deville, J.-C., Särndal, C.-E., & Sautory, O. (1993). Generalized raking procedures in
survey sampling. *JASA*, 88, 1013–1020. Lumley, T. (2010). *Complex Surveys*, ch. 7. Wiley.
Kish, L. (1965). *Survey Sampling*, §11.7 (the design effect of weighting).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
import pandas as pd

from .._frozen import Shared
from ..errors import ColumnError, KircError, ParameterError, ScaleError

__all__ = ["calibrate", "weighting_report", "residualise", "calibration_of", "methods_note",
           "combine", "Calibration", "CalibrationError", "METHODS"]

METHODS = ("raking", "linear", "logit")
#: R grake: rescale the starting weights when every population/sample ratio exceeds this.
_RESCALE_THRESHOLD = 20.0
_QUANTILES = {"min": 0.0, "p01": 0.01, "p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75,
              "p95": 0.95, "p99": 0.99, "max": 1.0}


class CalibrationError(KircError, ValueError):
    """The margins cannot be reached (within the bounds), or the margins do not fit the data."""


@dataclass(frozen=True, eq=False)
class Calibration(Shared):
    """What a calibrated frame remembers about its calibration.

    Attributes
    ----------
    method, bounds, weight, start_weights :
        The call: method, bounds on ``g`` (or None), the name of the calibrated weight column and
        the name of the starting weight column (None: equal starting weights).
    margins : dict
        ``{column: {category: population count}}`` as used (shares already scaled).
    index : pandas.Index
        The rows that were calibrated (the frame's index at calibration time).
    model_matrix : numpy.ndarray
        ``(n, p)`` intercept plus category indicators (first category of each margin left out).
    start : numpy.ndarray
        Starting weights ``d`` (after R's rescaling, when it applied).
    g : numpy.ndarray
        Adjustment factors, calibrated weight ``w = g · start``.
    design_columns : pandas.DataFrame
        The strata, cluster and fpc columns of the starting design for those rows (possibly no
        columns), so that a domain of the calibrated frame can still be given the variance of
        the whole calibrated sample.
    design : object or None
        The starting design (a :class:`kirc.Design` when available).
    iterations : int
        Newton steps taken.
    """

    method: str
    bounds: tuple | None
    weight: str
    start_weights: str | None
    margins: dict
    index: pd.Index
    model_matrix: np.ndarray
    start: np.ndarray
    g: np.ndarray
    design_columns: pd.DataFrame
    design: object = None
    iterations: int = 0
    columns: tuple = field(default=())
    parts: tuple = field(default=())
    by: str | None = None

    def __repr__(self) -> str:
        years = (f", calibrated per {self.by} ({len(self.parts)} parts)" if self.parts else "")
        bounds = f", bounds={self.bounds}" if self.bounds else ""
        return (f"Calibration({self.method}{bounds}, margins={list(self.columns)}, "
                f"weight={self.weight!r}, n={len(self.index)}{years})")

    def __post_init__(self):
        for array in (self.model_matrix, self.start, self.g):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False

    @property
    def weights(self) -> np.ndarray:
        """The calibrated weights ``g · start``."""
        return self.g * self.start

    def _projection(self):
        """Orthonormal basis of the column space of ``X·√d`` (rows with d > 0), cached.

        From the SVD with R's ``qr`` tolerance on the singular values (1e-7 relative), so a
        rank-deficient model matrix is handled as ``qr.resid`` does.
        """
        cached = self.__dict__.get("_basis")
        if cached is None:
            inside = self.start > 0
            root = np.sqrt(self.start)
            u, singular, _ = np.linalg.svd(self.model_matrix[inside] * root[inside, None],
                                           full_matrices=False)
            rank = int(np.sum(singular > 1e-7 * singular[0])) if len(singular) else 0
            cached = (u[:, :rank], inside, self.g * root)
            self.__dict__["_basis"] = cached
        return cached


def combine(parts, by: str) -> Calibration:
    """One calibration for a frame whose groups (years) were calibrated separately.

    Parameters
    ----------
    parts : list of (label, Calibration)
        In the order of the rows of the combined frame.
    by : str
        Column that tells the groups apart (``"year"``).

    The variance of the combined calibration residualises within each part: a projection on the
    margin indicators of every year separately, i.e. on margin × year.
    """
    calibrations = [c for _, c in parts]
    first = calibrations[0]
    return Calibration(
        method=first.method, bounds=first.bounds, weight=first.weight,
        start_weights=first.start_weights, margins=first.margins,
        index=calibrations[0].index.append([c.index for c in calibrations[1:]]),
        model_matrix=None, start=np.concatenate([c.start for c in calibrations]),
        g=np.concatenate([c.g for c in calibrations]),
        design_columns=pd.concat([c.design_columns for c in calibrations]),
        design=first.design, iterations=max(c.iterations for c in calibrations),
        columns=first.columns, parts=tuple(parts), by=by)


# --------------------------------------------------------------------------------------------
# calibration functions F(u) - 1 and their derivatives, as R survey's cal.linear / cal.raking /
# cal.logit (the "- 1" is R's convention: g = 1 + Fm1(x'eta))
# --------------------------------------------------------------------------------------------
def _fm1(method, u, lower, upper):
    if method == "linear":
        return np.clip(u + 1.0, lower, upper) - 1.0
    if method == "raking":
        with np.errstate(over="ignore"):
            return np.clip(np.exp(u), lower, upper) - 1.0
    a = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        return (lower * (upper - 1.0) + upper * (1.0 - lower) * e) / (upper - 1.0
                                                                       + (1.0 - lower) * e) - 1.0


def _dF(method, u, lower, upper):
    inside = (u < upper - 1.0) & (u > lower - 1.0)
    if method == "linear":
        return inside.astype(float)
    if method == "raking":
        with np.errstate(over="ignore"):
            return np.where(inside, np.exp(u), 0.0)
    a = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        d = upper - 1.0 + (1.0 - lower) * e
        return (upper * (1.0 - lower) * e * a / d
                - (lower * (upper - 1.0) + upper * (1.0 - lower) * e) * ((1.0 - lower) * e * a)
                / d ** 2)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _key(value) -> str:
    """How a category is matched between data and margins (TOML keys are always text)."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (Real, np.number)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _source(data: pd.DataFrame):
    return data.attrs.get("source") or data.attrs.get("definition") or data.attrs.get("survey")


def _population_counts(margins, total, data) -> dict:
    if not isinstance(margins, Mapping) or not margins:
        raise ParameterError("margins must be a non-empty mapping {column: {category: count}}")
    file = _source(data)
    out = {}
    for column, counts in margins.items():
        if isinstance(counts, pd.Series):
            counts = counts.to_dict()
        if not isinstance(counts, Mapping) or not counts:
            raise ParameterError(f"the margin of {column!r} must be a non-empty mapping "
                                 f"{{category: population count}}, not {counts!r}")
        cleaned = {}
        for category, count in counts.items():
            if (isinstance(count, bool) or not isinstance(count, (Real, np.number))
                    or not math.isfinite(float(count)) or float(count) <= 0):
                raise CalibrationError(f"the population count of category {category!r} must "
                                       f"be a positive number, not {count!r}", file=file,
                                       column=column)
            if _key(category) in {_key(c) for c in cleaned}:
                raise CalibrationError(f"category {category!r} is given twice in the margins",
                                       file=file, column=column)
            cleaned[category] = float(count)
        size = sum(cleaned.values())
        if total is not None and abs(size - 1.0) < 1e-6:
            cleaned = {k: v * float(total) for k, v in cleaned.items()}
        out[column] = cleaned
    if total is not None and (isinstance(total, bool) or not isinstance(total, Real)
                              or not float(total) > 0):
        raise ParameterError(f"total must be a positive number, not {total!r}")
    sizes = {column: sum(c.values()) for column, c in out.items()}
    reference = float(total) if total is not None else next(iter(sizes.values()))
    for column, size in sizes.items():
        if abs(size - reference) > 1e-6 * reference:
            first = "total" if total is not None else repr(next(iter(sizes)))
            raise CalibrationError(
                f"the population counts add up to {size:,.6g}, but {first} is {reference:,.6g}; "
                f"every margin must describe the same population (give shares with total=)",
                file=file, column=column)
    return out


def _margin_codes(data: pd.DataFrame, column: str, counts: dict) -> np.ndarray:
    """Index of every row's category in ``counts`` (validated)."""
    file = _source(data)
    if column not in data.columns:
        raise ColumnError(f"the margin variable {column!r} is not in the data", file=file,
                          column=column)
    values = data[column]
    missing = values.isna().to_numpy()
    if missing.any():
        rows = list(data.index[missing][:5])
        raise CalibrationError(f"{int(missing.sum())} row(s) have no value for this margin "
                               f"variable (rows {rows}{', ...' if missing.sum() > 5 else ''}); "
                               f"impute or drop them before calibrating", file=file,
                               column=column)
    keys = {_key(c): i for i, c in enumerate(counts)}
    seen = values.astype(object).map(_key)
    unknown = sorted(set(seen) - set(keys))
    if unknown:
        raise CalibrationError(f"category {unknown[0]!r} occurs in the data but has no "
                               f"population count in the margins"
                               + (f" (also {unknown[1:]})" if len(unknown) > 1 else ""),
                               file=file, column=column)
    absent = [c for c in counts if _key(c) not in set(seen)]
    if absent:
        raise CalibrationError(f"category {absent[0]!r} has a population count but no "
                               f"respondent in the data (with a positive weight); merge it "
                               f"with a neighbouring category", file=file, column=column)
    return seen.map(keys).to_numpy(dtype=np.int64)


def _start_weights(data, design, start_weights, population_size):
    file = _source(data)
    column = start_weights if start_weights is not None else getattr(design, "weights", None)
    if column is None:
        # Equal expansion weights N/n: the weights of a simple random sample (R's
        # svydesign(fpc = ~N)), so that g and its bounds are relative to them.
        return None, np.full(len(data), population_size / len(data))
    if column not in data.columns:
        raise ColumnError("the starting weight column is not in the data", file=file,
                          column=column)
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise ScaleError(f"{int(bad.sum())} starting weight(s) are missing, not numbers or "
                         f"negative", file=file, column=column)
    return column, values


def _bounds(method, bounds):
    if bounds is None:
        if method == "logit":
            raise ParameterError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2)")
        return None, -np.inf, np.inf
    try:
        lower, upper = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ParameterError(f"bounds must be (lower, upper), not {bounds!r}") from None
    if not (lower < 1.0 < upper) or lower < 0:
        raise ParameterError(f"bounds on the adjustment factor must satisfy 0 ≤ lower < 1 < "
                             f"upper, not {bounds!r}")
    if method == "logit" and not math.isfinite(upper):
        raise ParameterError("logit calibration needs finite bounds")
    return (lower, upper), lower, upper


# --------------------------------------------------------------------------------------------
# the calibration itself
# --------------------------------------------------------------------------------------------
def _solve(X, d, population, method, lower, upper, max_iter, tolerance, file):
    """R survey's grake: Newton steps on eta, step halving when g is not finite."""
    sample_total = X.T @ d
    scale = None
    ratios = population / sample_total
    if ratios.min() > _RESCALE_THRESHOLD:
        scale = float(ratios.mean())
        d = d * scale
        sample_total = sample_total * scale
    eta = np.zeros(X.shape[1])
    xeta = X @ eta
    deriv = _dF(method, xeta, lower, upper)
    iterations = 0
    while True:
        iterations += 1
        T = (X * (d * deriv)[:, None]).T @ X
        misfit = population - sample_total - X.T @ (d * _fm1(method, xeta, lower, upper))
        step = np.linalg.pinv(T, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + step
        xeta = X @ eta
        g = 1.0 + _fm1(method, xeta, lower, upper)
        deriv = _dF(method, xeta, lower, upper)
        halvings = 0
        while (not (np.isfinite(g).all() and np.isfinite(deriv).all())
               and halvings < max_iter):
            halvings += 1
            step = step / 2
            eta = eta - step
            xeta = X @ eta
            g = 1.0 + _fm1(method, xeta, lower, upper)
            deriv = _dF(method, xeta, lower, upper)
        misfit = population - sample_total - X.T @ (d * (g - 1.0))
        achieved = float(np.max(np.abs(misfit) / (1.0 + np.abs(population))))
        if achieved < tolerance:
            break
        if iterations >= max_iter:
            raise CalibrationError(
                f"calibration failed: the margins are not reached within {max_iter} "
                f"iterations (largest relative misfit {achieved:.3g})"
                + (f"; the bounds {lower:g}–{upper:g} on the adjustment factor are probably too "
                   f"tight for these margins" if math.isfinite(lower) or math.isfinite(upper)
                   else "")
                + ("; bounded raking (as R's) often fails where a solution exists: "
                   "method='logit' keeps the factors within the same bounds"
                   if method == "raking" and math.isfinite(upper) else ""), file=file)
    return g, d, iterations


def calibrate(data: pd.DataFrame, margins: Mapping, *, design=None, method: str = "raking",
              bounds=None, weight: str = "weight_calibrated", start_weights: str | None = None,
              total: float | None = None, max_iter: int = 100,
              tolerance: float = 1e-10) -> pd.DataFrame:
    """Calibrate weights to population margins (raking, linear/GREG or logit).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents. Not modified.
    margins : mapping
        ``{column: {category: population count}}``, one entry per margin variable, e.g.
        ``{"age_group": {"18-34": 3.9e6, ...}, "region": {...}}``. Categories are matched to the
        data's values as text (so TOML keys ``"1"`` match codes 1). Shares (adding up to 1) are
        accepted with ``total=``.
    design : kirc.Design, optional
        The starting design; default the design the frame carries (if any). Its weights are the
        starting weights; its strata, clusters and fpc are kept in the returned frame's design.
    method : {"raking", "linear", "logit"}
        Distance function, see the module documentation.
    bounds : (float, float), optional
        Lower and upper bound of the adjustment factor ``g = calibrated / starting weight``.
    weight : str, default "weight_calibrated"
        Name of the column that receives the calibrated weights; the returned frame's design
        (and ``attrs["weight"]``) point at it. An existing column of that name is replaced in the
        copy.
    start_weights : str, optional
        Column of starting weights, overriding the design's weights. Without either, every
        respondent starts from the same weight ``N / n`` (population size over sample size).
    total : float, optional
        Population size, needed when ``margins`` are shares; with counts it is checked.
    max_iter : int, default 100
        Newton iterations before giving up.
    tolerance : float, default 1e-10
        Convergence when every ``|population − calibrated total| / (1 + population)`` is below it
        (R's ``epsilon``, default 1e-7 there).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with the calibrated weights in the column named by ``weight``
        (``"weight_calibrated"`` unless you choose ``weight="weight"``, say; survey definitions
        default to ``weight``). ``attrs["design"]`` is the starting design with its weights
        replaced by that column (strata, clusters and fpc kept), ``attrs["weight"]`` names it,
        and ``attrs["calibration"]`` holds a :class:`Calibration` (model matrix, starting
        weights, adjustment factors, the design columns). Every estimator of :mod:`kirc.estimate.metrics`
        called on the frame (or a filtered part of it) without ``design=`` uses the calibrated
        weights and the calibration-adjusted variance, as R's calibrated designs do.

    Raises
    ------
    CalibrationError
        Missing values in a margin variable, a category in the data without a population count
        or the reverse, a zero or negative population count, margins that describe populations
        of different sizes, or margins that cannot be reached (within the bounds).
    ColumnError
        A margin variable or the starting weight column is not in the data.
    ParameterError
        An unknown method, bounds that are not ``lower < 1 < upper``.

    Notes
    -----
    Validated against R ``survey`` 4.1.1: the calibrated weights of ``rake()`` (epsilon 1e-13)
    and ``calibrate(calfun = "raking" / "linear", bounds =)`` on ``apisrs`` and ``apiclus1``
    agree to 1e-9 (``tests/test_weighting.py``, R script pasted there).

    in R: ``calibrate(design, ~stype + sch.wide, c(6194, 755, 1018, 5122), calfun = "raking")``

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["m", "m", "f", "f", "f"], "age": ["y", "o", "y", "o", "o"]})
    >>> out = calibrate(df, {"sex": {"m": 50, "f": 50}, "age": {"y": 40, "o": 60}})
    >>> out.groupby("sex")["weight_calibrated"].sum().round(6).to_dict()
    {'f': 50.0, 'm': 50.0}
    >>> out.groupby("age")["weight_calibrated"].sum().round(6).to_dict()
    {'o': 60.0, 'y': 40.0}
    >>> "weight_calibrated" in df.columns   # the input is not modified
    False
    >>> from kirc import design_of
    >>> design_of(out).weights
    'weight_calibrated'
    """
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if method not in METHODS:
        raise ParameterError(f"unknown calibration method {method!r} (choose from "
                             f"{', '.join(METHODS)})")
    if not isinstance(weight, str) or not weight:
        raise ParameterError(f"weight must name the new weight column, not {weight!r}")
    if len(data) == 0:
        raise ParameterError("there are no rows to calibrate")
    if design is None:
        design = _design_of(data)
    from .design import Design
    if not isinstance(design, Design):
        raise ParameterError(f"design must be a kirc.Design, not {type(design).__name__}")
    file = _source(data)
    bound_pair, lower, upper = _bounds(method, bounds)
    population = _population_counts(margins, total, data)
    population_size = sum(next(iter(population.values())).values())
    start_column, d = _start_weights(data, design, start_weights, population_size)
    positive = d > 0
    # Rows with zero starting weight are out of the sample (R's semantics); they keep weight 0
    # and do not need a margin category.
    sub = data[positive] if not positive.all() else data
    blocks = [np.ones((int(positive.sum()), 1))]
    targets = [population_size]
    for column, counts in population.items():
        codes = _margin_codes(sub, column, counts)
        indicator = np.zeros((len(codes), len(counts)))
        indicator[np.arange(len(codes)), codes] = 1.0
        blocks.append(indicator[:, 1:])
        targets.extend(list(counts.values())[1:])
    X_sub = np.hstack(blocks)
    target = np.asarray(targets, dtype=float)
    g_sub, d_sub, iterations = _solve(X_sub, d[positive], target, method, lower, upper,
                                      max_iter, tolerance, file)
    X = np.zeros((len(data), X_sub.shape[1]))
    X[positive] = X_sub
    g = np.ones(len(data))
    g[positive] = g_sub
    start = d.copy()
    start[positive] = d_sub
    if np.any(g[positive] * start[positive] < 0):
        import warnings
        warnings.warn(f"{int(np.sum(g * start < 0))} calibrated weight(s) are negative (linear "
                      f"calibration without bounds); consider bounds=", stacklevel=2)
    strata = getattr(design, "strata", None)
    strata = [strata] if isinstance(strata, str) else list(strata or [])
    design_cols = [c for c in (*strata, getattr(design, "psu", None), getattr(design, "fpc", None),
                               "year" if "year" in data.columns else None) if c]
    calibration = Calibration(
        method=method, bounds=bound_pair, weight=weight, start_weights=start_column,
        margins=population, index=data.index.copy(), model_matrix=X, start=start, g=g,
        design_columns=data[list(dict.fromkeys(design_cols))].copy(), design=design,
        iterations=iterations, columns=tuple(population))
    out = data.copy()
    out[weight] = g * start
    out.attrs = dict(data.attrs)
    out.attrs["weight"] = weight
    out.attrs["calibration"] = calibration
    # the frame's design points at the calibrated weights; strata, clusters, fpc are kept
    out.attrs["design"] = design.replace(weights=weight)
    return out


def _design_of(data):
    from .design import design_of
    return design_of(data)


def calibrated_estimates(result: pd.DataFrame, data: pd.DataFrame, y: np.ndarray,
                         valid: np.ndarray, groups, rows, design) -> pd.DataFrame:
    """Replace the variance of domain estimates by the calibration-adjusted one.

    The hook of :func:`kirc.estimate.metrics` (its ``_estimates``): ``result`` is what
    :func:`kirc.estimate.variance.domain_estimates` returned for ``data`` (one row per domain of
    ``groups``), ``rows`` the :class:`kirc.estimate.tally.RowDesign` of the call. When the frame carries a
    calibration whose weight column is the weight of ``design``, the linearised values of every
    domain mean, ``z_i = w_i (y_i − ȳ_d) / Σ_d w``, are residualised on the calibration
    variables (:func:`residualise`) over the whole calibrated sample (rows filtered out of
    ``data`` count as outside every domain, as R's ``subset`` of a calibrated design), and the
    variance is summed by the design's strata and PSUs of that sample, with its fpc (a frame
    calibrated per year, as :func:`kirc.load_survey` does, is that many samples: the years the
    frame holds no row of are left out). ``se`` and
    ``deff`` follow; estimates, sizes and degrees of freedom are unchanged. Otherwise
    ``result`` is returned as it is.

    in R: ``svymean(~y, calibrate(design, ~margins, population))``, ``svyby(..., svymean)``
    """
    calibration = calibration_of(data)
    if calibration is None or design.weights != calibration.weight:
        return result
    if calibration.parts:
        # Separately calibrated samples (years) that the frame does not touch are other
        # samples, not part of this one: ks[ks.year == 2025] is the 2025 sample, as loading
        # 2025 alone; within a year a filter is a domain of the year's calibrated sample.
        present = [(label, part) for label, part in calibration.parts
                   if data.index.isin(part.index).any()]
        if not present:
            return result            # no rows: nothing was estimated, nothing to adjust
        if len(present) < len(calibration.parts):
            calibration = combine(present, by=calibration.by)
    position = calibration.index.get_indexer(data.index)
    if (position < 0).any():
        raise ParameterError("the frame holds rows that were not calibrated together with the "
                             "rest (a concatenation?); calibrate the combined frame again")
    w = data[calibration.weight].to_numpy(dtype=float)
    if not np.allclose(w, calibration.weights[position], rtol=1e-12, atol=0.0,
                       equal_nan=False):
        raise ParameterError(f"the calibrated weights in {calibration.weight!r} were changed "
                             f"after calibration; calibrate again")
    full = calibration.design_columns.copy()
    full[calibration.weight] = calibration.weights
    missing = [c for c in design.columns() if c not in full.columns]
    if missing:
        raise ParameterError(f"the design of this call needs column(s) {missing} that the "
                             f"calibration did not keep; give the design when calibrating")
    from ..estimate.tally import row_design

    codes = groups.codes
    size = max(int(groups.size), 1)
    inside = valid & rows.keep & (codes >= 0)
    weights = w if rows.weights is None else rows.weights
    wy = np.where(inside, weights * np.where(inside, y, 0.0), 0.0)
    wv = np.where(inside, weights, 0.0)
    code = np.where(inside, codes, 0)
    sum_w = np.bincount(code, weights=wv, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(code, weights=wy, minlength=size) / sum_w
    z = np.zeros((len(data), size))
    rows_in = np.flatnonzero(inside)
    with np.errstate(divide="ignore", invalid="ignore"):
        z[rows_in, code[rows_in]] = (weights[rows_in] * (y[rows_in] - mean[code[rows_in]])
                                     / sum_w[code[rows_in]])
    z = np.nan_to_num(z)
    residual = residualise(pd.DataFrame(z, index=data.index), calibration)
    variance = _design_variance(residual, row_design(full, design), design.lonely_psu)
    keys = groups.keys.copy() if groups.keys.shape[1] else pd.DataFrame(index=range(size))
    keys["__variance"] = variance[:len(keys)]
    out = result.copy()
    by = list(groups.keys.columns)
    if by:
        matched = out[by].merge(keys, on=by, how="left", sort=False)["__variance"].to_numpy()
    else:
        matched = np.repeat(variance[0], len(out))
    present = out["n"].to_numpy() > 0
    out["variance"] = np.where(present, matched, np.nan)
    out["se"] = np.sqrt(out["variance"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deff"] = out["variance"] / out["variance_srs"]
    return out


def _design_variance(z: np.ndarray, rows, lonely_psu: str) -> np.ndarray:
    """Variance of the totals of the columns of ``z`` (one per domain) under a one-stage design:
    Σ_h (1 − f_h) m_h/(m_h − 1) Σ_j (t_hj − t̄_h)² over PSU totals ``t_hj``."""
    keep = rows.keep
    h = rows.stratum_codes
    n_strata = len(rows.strata)
    psu = rows.psu_codes if rows.psu_codes is not None else np.arange(len(z))
    sel = keep & (h >= 0)
    cell, inverse = np.unique(h[sel] * (int(psu.max()) + 1 if len(psu) else 1) + psu[sel],
                              return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
    totals = np.add.reduceat(z[sel][order], starts, axis=0)
    cell_stratum = cell // (int(psu.max()) + 1 if len(psu) else 1)
    m = np.bincount(cell_stratum, minlength=n_strata).astype(float)
    fpc = rows.strata["fpc"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(fpc <= 1, fpc, np.where(np.isfinite(fpc), m / fpc, 0.0))
    s1 = np.zeros((n_strata, z.shape[1]))
    s2 = np.zeros((n_strata, z.shape[1]))
    for column in range(z.shape[1]):
        s1[:, column] = np.bincount(cell_stratum, weights=totals[:, column], minlength=n_strata)
        s2[:, column] = np.bincount(cell_stratum, weights=totals[:, column] ** 2,
                                    minlength=n_strata)
    keep_share = (1 - fraction)[:, None]
    mh = m[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        contribution = keep_share * mh / (mh - 1) * (s2 - s1 ** 2 / mh)
    lonely = m == 1
    if lonely.any():
        if lonely_psu == "fail":
            raise ParameterError("a stratum has only one PSU; choose how to treat it with "
                                 "Design(lonely_psu=...)")
        if lonely_psu in ("remove", "certainty"):
            contribution[lonely] = 0.0
        elif lonely_psu == "adjust":
            contribution[lonely] = keep_share[lonely] * s1[lonely] ** 2
        else:   # average: the mean contribution of the other strata
            others = contribution[~lonely & (m > 0)]
            contribution[lonely] = others.mean(axis=0) if len(others) else 0.0
    contribution = np.where(m[:, None] > 0, contribution, 0.0)
    return np.maximum(contribution.sum(axis=0), 0.0)


def calibration_of(data: pd.DataFrame) -> Calibration | None:
    """The :class:`Calibration` a frame carries (kept when the frame is filtered), or None.

    A calibration is only used while the frame still holds its calibrated weight column with
    the calibrated values; a frame whose weights were changed afterwards has none.
    """
    calibration = getattr(data, "attrs", {}).get("calibration")
    if not isinstance(calibration, Calibration) or calibration.weight not in data.columns:
        return None
    return calibration


# --------------------------------------------------------------------------------------------
# variance
# --------------------------------------------------------------------------------------------
def residualise(influence, calibration: Calibration):
    """Influence values of a calibrated estimator: residuals on the calibration variables.

    Parameters
    ----------
    influence : array-like or pandas.Series (or 2-D array / DataFrame, one column per estimate)
        The linearised values ``z_i`` of the estimator under the calibrated weights (for a mean
        ``w_i (y_i − ȳ) / Σw``). A Series (or DataFrame) is matched to the calibrated rows by
        index; rows of the calibrated sample that it does not hold (a domain, a filtered frame)
        count as 0, as R's domain estimation does. An array must have one value per calibrated
        row.
    calibration : Calibration
        From :func:`calibration_of`.

    Returns
    -------
    numpy.ndarray
        ``(n_calibrated,)`` or ``(n_calibrated, k)``: ``g d e`` with ``e`` the residuals of the
        ``d``-weighted least-squares regression of ``z / (g d)`` on the model matrix, in the order
        of ``calibration.index``. Sum them by stratum and cluster with the design columns in
        ``calibration.design_columns`` for the variance.

    Notes
    -----
    Equals R ``survey:::svyrecvar``'s ``qr.resid(psvar$qr, x / psvar$w) * psvar$w`` for a
    ``greg_calibration`` at stage 0 (``qr = qr(mm * sqrt(d))``, ``w = g * sqrt(d)``).

    in R: ``svymean(~y, calibrate(design, ~x, population))`` (via ``svyrecvar``)

    Examples
    --------
    >>> df = pd.DataFrame({"x": ["a", "a", "b", "b"], "y": [1.0, 2.0, 3.0, 5.0]})
    >>> cal = calibration_of(calibrate(df, {"x": {"a": 10, "b": 10}}))
    >>> w = cal.weights
    >>> z = w * (df.y - np.sum(w * df.y) / w.sum()) / w.sum()   # influence of the mean of y
    >>> residualise(z.to_numpy(), cal).round(4)   # minus the mean of its own category
    array([-0.125,  0.125, -0.25 ,  0.25 ])
    """
    n = len(calibration.index)
    if isinstance(influence, (pd.Series, pd.DataFrame)):
        aligned = influence.reindex(calibration.index)
        extra = influence.index.difference(calibration.index)
        if len(extra):
            raise ParameterError(f"{len(extra)} row(s) of the influence values are not rows of "
                                 f"the calibrated sample (e.g. {list(extra[:3])})")
        z = aligned.fillna(0.0).to_numpy(dtype=float)
    else:
        z = np.asarray(influence, dtype=float)
        if z.shape[0] != n:
            raise ParameterError(f"influence has {z.shape[0]} values, the calibrated sample "
                                 f"{n} rows")
    one = z.ndim == 1
    z = z.reshape(n, -1)
    if calibration.parts:
        out = np.zeros_like(z)
        offset = 0
        for _, part in calibration.parts:
            size = len(part.index)
            out[offset:offset + size] = residualise(z[offset:offset + size], part)
            offset += size
        return out[:, 0] if one else out
    basis, inside, w = calibration._projection()
    out = np.zeros_like(z)
    b = z[inside] / w[inside, None]
    # einsum, not BLAS: these thin products are ~100x slower through a threaded BLAS on a
    # loaded machine (measured: 2.3 s against 0.02 s for 9 years x 63 domains)
    fitted = np.einsum("ik,kj->ij", basis, np.einsum("ik,ij->kj", basis, b))
    out[inside] = (b - fitted) * w[inside, None]
    return out[:, 0] if one else out


def _taylor_variance(values, strata=None, psu=None, fpc=None) -> np.ndarray:
    """Linearisation variance of a total of ``values`` (one stage, as R's ``svyrecvar``).

    ``Σ_h (1 − f_h) n_h/(n_h − 1) Σ_i (z_hi − z̄_h)²`` over the PSU totals ``z_hi`` of stratum
    ``h``;
    ``fpc`` holds the population size per stratum (PSUs when clustered) or the sampling fraction.
    A stratum with a single PSU fails (R's ``lonely.psu = "fail"``). Used by the tests and the
    benchmark of this module as the reference one-stage variance.
    """
    z = np.asarray(values, dtype=float)
    z = z.reshape(len(z), -1)
    n = len(z)
    strata = np.zeros(n, dtype=int) if strata is None else pd.factorize(np.asarray(strata))[0]
    psu = np.arange(n) if psu is None else pd.factorize(np.asarray(psu))[0]
    total = np.zeros((z.shape[1], z.shape[1]))
    for h in np.unique(strata):
        rows = strata == h
        labels, codes = np.unique(psu[rows], return_inverse=True)
        k = len(labels)
        if k < 2:
            raise ParameterError("a stratum has a single PSU")
        sums = np.zeros((k, z.shape[1]))
        np.add.at(sums, codes, z[rows])
        centred = sums - sums.mean(axis=0)
        factor = k / (k - 1)
        if fpc is not None:
            f = np.asarray(fpc, dtype=float)[rows][0]
            factor *= 1.0 - (f if f <= 1 else k / f)
        total += factor * centred.T @ centred
    return total


# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------
def _kish(w) -> tuple[float, float]:
    w = np.asarray(w, dtype=float)
    w = w[w > 0]
    n_eff = w.sum() ** 2 / np.sum(w * w)
    return len(w) / n_eff, n_eff


def weighting_report(calibrated: pd.DataFrame) -> pd.DataFrame:
    """What the calibration did, as one tidy table.

    Parameters
    ----------
    calibrated : pandas.DataFrame
        A frame returned by :func:`calibrate` (or :func:`kirc.load_survey` for a survey whose
        definition declares a calibration).

    Returns
    -------
    pandas.DataFrame
        Columns ``part``, ``variable``, ``category``, ``population``, ``before``, ``after``,
        ``population_share``, ``before_share``, ``after_share``. Rows:

        * ``part="weights"``: ``n`` (respondents with a positive weight), ``sum``, ``kish_deff``
          (Kish's design effect of weighting ``n Σw² / (Σw)²``), ``efficiency`` (its inverse, in
          percent), ``n_eff`` (``(Σw)²/Σw²``), ``min``, ``max`` — for the starting weights
          (``before``) and the calibrated weights (``after``).
        * ``part="adjustment"``: the distribution of the adjustment factors ``g`` (calibrated /
          starting weight): ``min``, ``p01``, ``p05``, ``p25``, ``median``, ``p75``, ``p95``,
          ``p99``, ``max`` (``after``), and the bounds when there were (``before`` = lower,
          ``after`` = upper, in row ``bounds``).
        * ``part="margin"``: per margin variable and category the population count, the weighted
          total before (starting weights) and after calibration, and the three as shares.

        Only the calibrated rows still in the frame are described, so the report of a filtered
        frame is the report of that part.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["m", "m", "f", "f", "f"]})
    >>> report = weighting_report(calibrate(df, {"sex": {"m": 50, "f": 50}}))
    >>> report.loc[report.part == "margin", ["category", "population", "before", "after"]]
      category  population  before  after
    0        m        50.0    40.0   50.0
    1        f        50.0    60.0   50.0
    >>> round(float(report.query("variable == 'efficiency'")["after"].iloc[0]), 1)
    96.0
    """
    calibration = calibration_of(calibrated)
    if calibration is None:
        raise ParameterError("the frame carries no calibration (use kirc.calibrate, or a survey "
                             "definition with a [calibration] table)")
    if not calibration.parts:
        return _report(calibrated, calibration)
    tables = []
    for label, part in calibration.parts:
        rows = calibrated.index.intersection(part.index, sort=False)
        if len(rows):
            table = _report(calibrated.loc[rows], part)
            table.insert(0, calibration.by, label)
            tables.append(table)
    if not tables:
        raise ParameterError("the frame holds no calibrated rows")
    return pd.concat(tables, ignore_index=True)


def _report(calibrated: pd.DataFrame, calibration: Calibration) -> pd.DataFrame:
    here = calibration.index.get_indexer(calibrated.index)
    if (here < 0).any():
        raise ParameterError("the frame holds rows that were not calibrated")
    d = calibration.start[here]
    g = calibration.g[here]
    w = calibrated[calibration.weight].to_numpy(dtype=float)
    rows = []

    def add(part, variable, category=None, population=np.nan, before=np.nan, after=np.nan):
        rows.append({"part": part, "variable": variable, "category": category,
                     "population": population, "before": before, "after": after})

    weights = {"before": d, "after": w}
    for name, f in (("n", lambda v: float(np.sum(v > 0))), ("sum", np.sum),
                    ("kish_deff", lambda v: _kish(v)[0]),
                    ("efficiency", lambda v: 100.0 / _kish(v)[0]),
                    ("n_eff", lambda v: _kish(v)[1]),
                    ("min", lambda v: float(np.min(v[v > 0]))),
                    ("max", lambda v: float(np.max(v)))):
        add("weights", name, before=float(f(weights["before"])),
            after=float(f(weights["after"])))
    factors = g[d > 0]
    for name, q in _QUANTILES.items():
        add("adjustment", name, after=float(np.quantile(factors, q)))
    if calibration.bounds is not None:
        add("adjustment", "bounds", before=calibration.bounds[0], after=calibration.bounds[1])
    part_rows = len(rows)
    for column, counts in calibration.margins.items():
        keys = calibrated[column].astype(object).map(_key).to_numpy()
        for category, count in counts.items():
            hit = keys == _key(category)
            add("margin", column, category, count, float(np.sum(d[hit])),
                float(np.sum(w[hit])))
    table = pd.DataFrame(rows)
    margin = table.index >= part_rows
    for what in ("population", "before", "after"):
        share = np.full(len(table), np.nan)
        sums = table.loc[margin].groupby("variable", sort=False)[what].transform("sum")
        share[margin] = 100.0 * table.loc[margin, what] / sums
        table[f"{what}_share"] = share
    table.loc[margin, "category"] = table.loc[margin, "category"].map(str)
    return _order(table)


def _order(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["part"] = pd.Categorical(table["part"], ["margin", "weights", "adjustment"])
    table = table.sort_values("part", kind="stable").reset_index(drop=True)
    table["part"] = table["part"].astype(str)
    return table


_METHOD_TEXT = {
    "nl": {"raking": "raking (iteratieve proportionele aanpassing)",
           "linear": "lineaire kalibratie (GREG)", "logit": "logit-kalibratie"},
    "en": {"raking": "raking (iterative proportional fitting)",
           "linear": "linear calibration (GREG)", "logit": "logit calibration"},
}


def methods_note(calibrated: pd.DataFrame, language: str = "nl") -> tuple[str, pd.DataFrame]:
    """The weighting paragraph of a report's methods note, and the table behind it.

    Parameters
    ----------
    calibrated : pandas.DataFrame
        A calibrated frame (from :func:`calibrate` or a survey definition with ``[calibration]``).
    language : {"nl", "en"}

    Returns
    -------
    (str, pandas.DataFrame)
        One paragraph (method, margin variables, bounds, weighting efficiency, range of the
        adjustment factors, and that the intervals take the calibration into account) and the
        :func:`weighting_report` table.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["m", "m", "f", "f", "f"]})
    >>> text, table = methods_note(calibrate(df, {"sex": {"m": 50, "f": 50}}), language="en")
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    The weights were calibrated to population counts of sex by raking (iterative proportional
    fitting). Weighting efficiency 96.0% (effective n 4.8 of 5); adjustment factors 0.83–1.25.
    Confidence intervals take the calibration into account.
    """
    if language not in _METHOD_TEXT:
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}")
    table = weighting_report(calibrated)
    calibration = calibration_of(calibrated)
    stats = table[table["part"] != "margin"].groupby(["part", "variable"])["after"]
    low_stats, high_stats = stats.min(), stats.max()
    columns = list(calibration.margins)
    labels = {}
    constructs = calibrated.attrs.get("constructs") or {}
    for column in columns:
        label = (constructs.get(column) or {}).get("label")
        labels[column] = (label.lower() if (language == "nl" and label)
                          else str(column).replace("_", " "))
    names = [labels[c] for c in columns]
    joined = (", ".join(names[:-1]) + (" en " if language == "nl" else " and ") + names[-1]
              if len(names) > 1 else names[0])
    method = _METHOD_TEXT[language][calibration.method]
    low, high = low_stats["adjustment", "min"], high_stats["adjustment", "max"]

    def num(x, digits=1):
        text = f"{x:,.{digits}f}"
        return text.replace(",", "_").replace(".", ",").replace("_", ".") if language == "nl" \
            else text

    def span(key, digits=1):
        a, b = low_stats["weights", key], high_stats["weights", key]
        return num(a, digits) if num(a, digits) == num(b, digits) else \
            f"{num(a, digits)}–{num(b, digits)}"

    eff, n_eff, n = span("efficiency"), span("n_eff"), span("n", 0)
    per = ""
    if calibration.parts and table[calibration.by].nunique() > 1:  # ranges over the years
        per = {"nl": " per jaar", "en": " per year"}[language]
    if language == "nl":
        text = (f"De gewichten zijn gekalibreerd op populatieaantallen naar {joined}, met "
                f"{method}"
                + (f", met grenzen {num(calibration.bounds[0], 2)}–"
                   f"{num(calibration.bounds[1], 2)} voor de aanpassingsfactor"
                   if calibration.bounds else "")
                + f". Weegefficiëntie{per} {eff}% (effectieve n {n_eff} van {n}); "
                  f"aanpassingsfactoren {num(low, 2)}–{num(high, 2)}. De betrouwbaarheids"
                  f"intervallen houden rekening met de kalibratie.")
    else:
        text = (f"The weights were calibrated to population counts of {joined} by {method}"
                + (f", with bounds {calibration.bounds[0]:.2f}–{calibration.bounds[1]:.2f} on "
                   f"the adjustment factor" if calibration.bounds else "")
                + f". Weighting efficiency{per} {eff}% (effective n {n_eff} of {n}); "
                  f"adjustment factors {low:.2f}–{high:.2f}. Confidence intervals take the "
                  f"calibration into account.")
    return text, table
