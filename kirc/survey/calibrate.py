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
call fails with :class:`CalibrationError` (R: "Calibration failed"). Without starting weights the
respondents start from the weights the design implies (``N_h / n_h`` per stratum when the fpc
gives strata different sampling fractions, as R's ``svydesign(fpc=)``), else from ``N / n``
each. As in R's ``grake``, when every population total is more than 20
times the weighted sample total (design weights of a sample from a much larger population than
they describe, say), the starting weights are first scaled by the mean of those ratios, so ``g``
and the bounds refer to weights already scaled up to the population.

Variance. A calibrated estimate is (to first order) the estimate from the residuals of the
variable on the calibration variables: its linearisation variance replaces every influence value
``z_i`` by ``z_i − w_i x_i'β`` with ``β`` the weighted (``d``) least-squares coefficients of
``z/w`` on ``x`` — R's ``svyrecvar`` does ``qr.resid(qr(x·√d), z/(g√d))·g√d`` for the
``greg_calibration`` that ``calibrate`` stores in ``design$postStrata``. ``x`` and ``g`` are the
same for every respondent of a *calibration cell* (one combination of margin categories), so a
:class:`Calibration` keeps one row per cell (its ``x``, its ``g``) and the inverse of
``Σ d x x'``; :mod:`kirc.estimate.variance` does the rest from the tally and the whole sample's
weight sums per cell. Strata, clusters and fpc of the starting design are kept. Validated
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
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from .._frozen import Shared
from ..errors import ColumnError, KircError, ParameterError, ScaleError, warn
from .design import Design, implied_weights
from ..report.formatting import format_count, format_number
from ..report.texts import CALIBRATION_METHODS, CALIBRATION_NOTE
from .survey import as_survey, design_of, survey_of

__all__ = ["calibrate", "calibrated_weights", "weighting_report", "calibration_of", "methods_note", "combine",
           "recalibrate", "Calibration", "CalibrationPart", "CalibrationError", "METHODS"]

METHODS = ("raking", "linear", "logit")
#: R grake: rescale the starting weights when every population/sample ratio exceeds this.
_RESCALE_THRESHOLD = 20.0
_QUANTILES = {"min": 0.0, "p01": 0.01, "p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75,
              "p95": 0.95, "p99": 0.99, "max": 1.0}


class CalibrationError(KircError, ValueError):
    """The margins cannot be reached (within the bounds), or the margins do not fit the data."""


@dataclass(frozen=True, eq=False)
class CalibrationPart(Shared):
    """One calibrated sample (a year of a survey, or the whole frame): its calibration cells.

    Attributes
    ----------
    margins : dict
        ``{column: {category: population count}}`` as used (shares already scaled).
    cells : pandas.DataFrame
        One row per combination of margin categories that occurs: the categories (as matched,
        see :func:`_key`) per margin column, and ``g``, the adjustment factor of the cell.
    x : numpy.ndarray
        ``(cells, p)``: intercept plus category indicators (first category of each margin left
        out), R's ``model.matrix``.
    inverse : numpy.ndarray
        ``(p, p)``: the pseudo-inverse of ``Σ d x x'`` (with R's ``qr`` tolerance, 1e-7 on the
        singular values), which residualising needs.
    start_column : str or None
        The starting weights' column; None: every row started from ``start_value``.
    start_value : float or None
    scale : float
        R's rescaling of the starting weights (1 unless every population total was more than 20
        times the weighted sample total).
    iterations : int
        Newton steps taken.
    n : int
        Rows calibrated (with a positive starting weight).
    """

    margins: dict
    cells: pd.DataFrame
    x: np.ndarray
    inverse: np.ndarray
    start_column: str | None
    start_value: float | None
    scale: float
    iterations: int
    n: int = 0

    def __post_init__(self):
        for array in (self.x, self.inverse):
            array.flags.writeable = False
        columns = list(self.margins)
        categories = [[_key(c) for c in self.margins[column]] for column in columns]
        sizes = [len(c) for c in categories]
        lookup = np.full(int(np.prod(sizes)), -1, dtype=np.int64)
        code = np.zeros(len(self.cells), dtype=np.int64)
        for column, keys, size in zip(columns, categories, sizes):
            code = code * size + pd.Index(keys).get_indexer(self.cells[column])
        lookup[code] = np.arange(len(self.cells))
        object.__setattr__(self, "_lookup", (categories, sizes, lookup))

    def cell_of(self, keyed: dict, rows: np.ndarray | None = None) -> np.ndarray:
        """The cell of every row (−1 for a combination that was not calibrated), from
        ``keyed``: per margin column, :func:`_key_codes` of its values; ``rows`` selects
        (a mask) the rows of this part."""
        categories, sizes, lookup = self._lookup
        n = len(next(iter(keyed.values()))[0]) if rows is None else int(rows.sum())
        code = np.zeros(n, dtype=np.int64)
        unknown = np.zeros(n, dtype=bool)
        for column, keys, size in zip(self.margins, categories, sizes):
            value_codes, value_keys = keyed[column]
            if rows is not None:
                value_codes = value_codes[rows]
            index = pd.Index(keys).get_indexer(value_keys)[value_codes]
            unknown |= index < 0
            code = code * size + np.maximum(index, 0)
        return np.where(unknown, -1, lookup[code])


@dataclass(frozen=True, eq=False)
class Calibration(Shared):
    """What a calibrated survey remembers about its calibration (see the module notes).

    Attributes
    ----------
    method, bounds, weight, start_weights :
        The call: method, bounds on ``g`` (or None), the name of the calibrated weight column
        and the name of the starting weight column (None: equal starting weights).
    parts : tuple of (label, CalibrationPart)
        The separately calibrated samples: one, labelled None, for :func:`calibrate`; one per
        year for a survey definition's ``[calibration]`` (labels the years).
    by : str or None
        The column that tells the parts apart (``"year"``).
    design : Design
        The starting design.
    x, g, inverse :
        Every part's cells one after the other (cells × parts' columns, block-diagonal): what
        :mod:`kirc.estimate.variance` uses.
    """

    method: str
    bounds: tuple | None
    weight: str
    start_weights: str | None
    parts: tuple
    by: str | None = None
    design: object = None

    def __post_init__(self):
        widths = [part.x.shape[1] for _, part in self.parts]
        heights = [len(part.cells) for _, part in self.parts]
        x = np.zeros((sum(heights), sum(widths)))
        inverse = np.zeros((sum(widths), sum(widths)))
        row = col = 0
        offsets = []
        for (_, part), height, width in zip(self.parts, heights, widths):
            x[row:row + height, col:col + width] = part.x
            inverse[col:col + width, col:col + width] = part.inverse
            offsets.append(row)
            row, col = row + height, col + width
        g = np.concatenate([part.cells["g"].to_numpy(float) for _, part in self.parts])
        for array in (x, inverse, g):
            array.flags.writeable = False
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "inverse", inverse)
        object.__setattr__(self, "g", g)
        object.__setattr__(self, "_offsets", offsets)

    def __repr__(self) -> str:
        years = (f", calibrated per {self.by} ({len(self.parts)} parts)" if self.by else "")
        bounds = f", bounds={self.bounds}" if self.bounds else ""
        n = sum(part.n for _, part in self.parts)
        return (f"Calibration({self.method}{bounds}, margins={list(self.columns)}, "
                f"weight={self.weight!r}, n={n}{years})")

    @property
    def columns(self) -> tuple:
        """The margin variables."""
        return tuple(self.parts[0][1].margins)

    @property
    def margins(self) -> dict:
        """The margins of the first part (a single calibration's margins)."""
        return self.parts[0][1].margins

    @property
    def iterations(self) -> int:
        return max(part.iterations for _, part in self.parts)

    def cell_codes(self, data: pd.DataFrame, source=None, check: bool = True) -> np.ndarray:
        """The calibration cell of every row of ``data`` (−1 where the weight is 0).

        With ``check`` the weights are checked to be the calibrated ones (``g`` times the
        starting weight): weights changed after calibration are an error.
        """
        w = pd.to_numeric(data[self.weight], errors="coerce").to_numpy(float)
        out = np.full(len(data), -1, dtype=np.int64)
        labels = data[self.by].to_numpy() if self.by else None
        # each column keyed once for all rows, not a copy of the frame's rows per part: a
        # report asks for the cells of its survey at every estimate (10.1 ms -> 3.8 ms for the
        # 26,346 rows and 9 yearly parts of the demo's klantcontact)
        keyed = {column: _key_codes(data[column]) for column in dict.fromkeys(
            column for _, part in self.parts for column in part.margins)}
        starts = {column: pd.to_numeric(data[column], errors="coerce").to_numpy(float)
                  for column in dict.fromkeys(part.start_column for _, part in self.parts)
                  if column and check}
        for (label, part), offset in zip(self.parts, self._offsets):
            rows = np.ones(len(data), bool) if labels is None else labels == label
            if not rows.any():
                continue
            every = bool(rows.all())
            cells = part.cell_of(keyed, None if every else rows)
            weighted = w[rows] > 0
            if (weighted & (cells < 0)).any():
                raise ParameterError(
                    "rows with a weight were not calibrated (a combination of margin "
                    "categories the calibration did not see); calibrate again",
                    file=source, column=self.weight)
            if check:
                g = part.cells["g"].to_numpy(float)[np.maximum(cells, 0)]
                start = (starts[part.start_column][rows] if part.start_column
                         else np.full(len(cells), part.start_value))
                expected = g * start * part.scale
                if not np.allclose(w[rows][weighted], expected[weighted], rtol=1e-9, atol=0):
                    raise ParameterError(f"the calibrated weights in {self.weight!r} were "
                                         "changed after calibration; calibrate again",
                                         file=source, column=self.weight)
            out[rows] = np.where(weighted & (cells >= 0), cells + offset, -1)
        return out

    def factors(self, data: pd.DataFrame) -> np.ndarray:
        """The adjustment factor ``g`` of every row (NaN where it was not calibrated)."""
        codes = self.cell_codes(data, check=False)
        return np.where(codes >= 0, self.g[np.maximum(codes, 0)], np.nan)


def combine(parts, by: str) -> Calibration:
    """One calibration for a frame whose groups (years) were calibrated separately.

    Parameters
    ----------
    parts : list of (label, Calibration)
        Each a single-part calibration (from :func:`calibrate`).
    by : str
        Column that tells the groups apart (``"year"``).

    The variance residualises within each part: a projection on the margin indicators of every
    year separately, i.e. on margin × year.
    """
    first = parts[0][1]
    return Calibration(method=first.method, bounds=first.bounds, weight=first.weight,
                       start_weights=first.start_weights,
                       parts=tuple((label, c.parts[0][1]) for label, c in parts), by=by,
                       design=first.design)


def _cells(codes: list[np.ndarray], sizes: list[int], X: np.ndarray, d: np.ndarray,
           g: np.ndarray, margins: dict):
    """The calibration cells of the rows: categories, ``g``, ``x`` and the inverse of Σ d x x'."""
    combined = np.zeros(len(d), dtype=np.int64)
    for code, size in zip(codes, sizes):
        combined = combined * size + code
    unique, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    spread = np.abs(g - g[first][inverse]).max() if len(g) else 0.0
    if spread > 1e-9 * max(1.0, float(np.abs(g).max())):   # pragma: no cover - F(x'λ) per cell
        raise CalibrationError("the adjustment factors differ within a calibration cell")
    cells = pd.DataFrame({column: [_key(list(counts)[k]) for k in code[first]]
                          for (column, counts), code in zip(margins.items(), codes)})
    cells["g"] = g[first]
    x = X[first]
    weight = np.bincount(inverse, weights=d, minlength=len(unique))
    u, singular, vt = np.linalg.svd(x * np.sqrt(weight)[:, None], full_matrices=False)
    rank = int(np.sum(singular > 1e-7 * singular[0])) if len(singular) else 0
    inverse_a = (vt[:rank].T / singular[:rank] ** 2) @ vt[:rank]
    return cells, x, inverse_a


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


#: What pandas.api.types.infer_dtype says of an object column whose equal values (as hashing
#: sees them: 1 == 1.0) always have the same :func:`_key`; True == 1 has not ("True", "1").
_ONE_KEY_PER_VALUE = {"string", "integer", "floating", "mixed-integer-float", "boolean", "empty"}


def _key_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, keys)`` with ``keys[codes]`` the :func:`_key` of every value of ``values``.

    :func:`_key` runs once per distinct value, not once per row (a survey's margin columns hold
    a handful of categories in thousands of rows). Missing values keep their own keys ("nan",
    "None", "<NA>") as ``values.astype(object).map(_key)`` gives them; an object column that
    mixes booleans with numbers (or other types whose equal values have different keys) is
    matched row by row.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        uniques = values.cat.categories.astype(object)
    elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) \
            not in _ONE_KEY_PER_VALUE:
        codes, uniques = pd.factorize(values.astype(object).map(_key), use_na_sentinel=True)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        codes = codes.astype(np.int64)
        uniques = pd.Index(uniques).astype(object)
    keys = [_key(value) for value in uniques]
    missing = codes < 0
    if missing.any():
        extra = pd.Series(values.to_numpy(dtype=object)[missing]).map(_key)
        extra_codes, extra_keys = pd.factorize(extra)
        codes[missing] = len(keys) + extra_codes
        keys += list(extra_keys)
    return codes, np.asarray(keys, dtype=object)


def _keys_of(values: pd.Series) -> np.ndarray:
    """The :func:`_key` of every value (an object array), as ``values.map(_key)``."""
    codes, keys = _key_codes(values)
    return keys[codes]


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
    value_codes, value_keys = _key_codes(values)
    seen = set(value_keys[np.unique(value_codes)])
    unknown = sorted(seen - set(keys))
    if unknown:
        raise CalibrationError(f"category {unknown[0]!r} occurs in the data but has no "
                               f"population count in the margins"
                               + (f" (also {unknown[1:]})" if len(unknown) > 1 else ""),
                               file=file, column=column)
    absent = [c for c in counts if _key(c) not in seen]
    if absent:
        raise CalibrationError(f"category {absent[0]!r} has a population count but no "
                               f"respondent in the data (with a positive weight); merge it "
                               f"with a neighbouring category", file=file, column=column)
    return np.array([keys.get(key, -1) for key in value_keys], dtype=np.int64)[value_codes]


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
    scale = 1.0
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
    return g, scale, iterations


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
        Column of starting weights, overriding the design's weights. Without either, the
        respondents start from the weights the design implies: ``N_h / n_h`` in each stratum
        when its finite population correction gives strata of different sampling fractions
        (or stages), as R's ``svydesign(fpc=)`` does, written to the column
        ``<weight>_start`` of the result; else every respondent starts from the same weight
        ``N / n`` (population size over sample size).
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
    agree to 1e-9, and on ``apistrat`` without weights (``svydesign(id=~1, strata=~stype,
    fpc=~fpc)``: starting from ``N_h / n_h``) the calibrated mean, its SE and a domain's agree
    to 1e-8 (``tests/test_weighting.py``, R scripts pasted there).

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
    survey = survey_of(data)
    if design is None:
        design = design_of(data)
    if start_weights is None and isinstance(design, Design):
        implied = implied_weights(data, design, _source(data))
        if implied is not None:
            # the design's own weights, in a column that the calibration refers to
            start_weights = f"{weight}_start"
            data = data.assign(**{start_weights: implied})
    weights, calibration = calibrated_weights(
        data, margins, design=design, method=method, bounds=bounds, weight=weight,
        start_weights=start_weights, total=total, max_iter=max_iter, tolerance=tolerance)
    out = pd.DataFrame(data, copy=True)
    out[weight] = weights
    # the survey's design points at the calibrated weights; strata, clusters, fpc are kept
    return as_survey(out, calibration.design.replace(weights=weight), calibration=calibration,
                     min_n=survey.min_n if survey is not None else None,
                     language=survey.language if survey is not None else "nl")


def calibrated_weights(data: pd.DataFrame, margins: Mapping, *, design=None,
                       method: str = "raking", bounds=None, weight: str = "weight_calibrated",
                       start_weights: str | None = None, total: float | None = None,
                       max_iter: int = 100, tolerance: float = 1e-10):
    """The calibrated weights (in row order) and their :class:`Calibration`: what
    :func:`calibrate` puts in its survey (same parameters), without making the survey.

    :func:`kirc.load_survey` calibrates every year this way and makes one survey of the
    joined years (making a survey of each year took 40% of its calibration, mostly the
    sample's calibration cells, which the joined survey finds again).
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
        design = design_of(data)
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
    codes = []
    for column, counts in population.items():
        code = _margin_codes(sub, column, counts)
        codes.append(code)
        indicator = np.zeros((len(code), len(counts)))
        indicator[np.arange(len(code)), code] = 1.0
        blocks.append(indicator[:, 1:])
        targets.extend(list(counts.values())[1:])
    X_sub = np.hstack(blocks)
    target = np.asarray(targets, dtype=float)
    g_sub, scale, iterations = _solve(X_sub, d[positive], target, method, lower, upper,
                                      max_iter, tolerance, file)
    weights = np.zeros(len(data))
    weights[positive] = g_sub * d[positive] * scale
    if np.any(weights < 0):
        warn(f"{int(np.sum(weights < 0))} calibrated weight(s) are negative (linear "
             f"calibration without bounds); consider bounds=")
    cells, x, inverse = _cells(codes, [len(c) for c in population.values()], X_sub,
                               d[positive] * scale, g_sub, population)
    part = CalibrationPart(margins=population, cells=cells, x=x, inverse=inverse,
                           start_column=start_column,
                           start_value=None if start_column else float(d[positive][0]),
                           scale=scale, iterations=iterations, n=int(positive.sum()))
    calibration = Calibration(method=method, bounds=bound_pair, weight=weight,
                              start_weights=start_column, parts=((None, part),), design=design)
    return weights, calibration


def recalibrate(data: pd.DataFrame, calibration: Calibration, start: np.ndarray, *,
                max_iter: int = 100, tolerance: float = 1e-10) -> np.ndarray:
    """Calibrate columns of starting weights as ``calibration`` calibrated its own.

    Each column of ``start`` (rows × R, e.g. replicate starting weights: the starting weights
    times a replicate's factors) is calibrated to the same margins, per part (year), with the
    same method and bounds, as R's ``calibrate`` does every replicate of a replicate-weight
    design. Rows outside the calibrated sample get 0.

    Returns
    -------
    numpy.ndarray
        The calibrated weights, rows × R.
    """
    file = _source(data)
    start = np.asarray(start, dtype=float)
    out = np.zeros_like(start)
    labels = data[calibration.by].to_numpy() if calibration.by else None
    _, lower, upper = _bounds(calibration.method, calibration.bounds)
    for label, part in calibration.parts:
        rows = np.ones(len(data), bool) if labels is None else labels == label
        sub = data[rows]
        base = (pd.to_numeric(sub[part.start_column], errors="coerce").to_numpy(float)
                if part.start_column else np.full(len(sub), part.start_value))
        positive = np.flatnonzero(rows)[base > 0]
        inside = sub[base > 0]
        blocks = [np.ones((len(inside), 1))]
        targets = [sum(next(iter(part.margins.values())).values())]
        for column, counts in part.margins.items():
            code = _margin_codes(inside, column, counts)
            indicator = np.zeros((len(code), len(counts)))
            indicator[np.arange(len(code)), code] = 1.0
            blocks.append(indicator[:, 1:])
            targets.extend(list(counts.values())[1:])
        X = np.hstack(blocks)
        target = np.asarray(targets, dtype=float)
        for r in range(start.shape[1]):
            d = start[positive, r]
            try:
                g, scale, _ = _solve(X, d, target, calibration.method, lower, upper, max_iter,
                                     tolerance, file)
            except CalibrationError as error:
                where = f" of {label}" if label is not None else ""
                raise CalibrationError(f"replicate {r + 1}{where}: {error.message}",
                                       file=file) from None
            out[positive, r] = g * d * scale
    return out


def calibration_of(data) -> Calibration | None:
    """The :class:`Calibration` of a calibrated survey (also of a filtered part), or None.

    None too when the survey's design no longer weights by the calibrated column, or that
    column is gone.
    """
    info = survey_of(data)
    calibration = info.calibration if info is not None and info.lost is None else None
    if calibration is None or calibration.weight not in data.columns or \
            info.design.weights != calibration.weight:
        return None
    return calibration


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
    codes = calibration.cell_codes(calibrated, check=False)
    w = pd.to_numeric(calibrated[calibration.weight], errors="coerce").to_numpy(float)
    labels = calibrated[calibration.by].to_numpy() if calibration.by else None
    tables = []
    for label, part in calibration.parts:
        rows = (codes >= 0) if labels is None else (codes >= 0) & (labels == label)
        if rows.any():
            g = calibration.g[codes[rows]]
            table = _report(calibrated[rows], part, calibration.bounds, w[rows], g)
            if calibration.by:
                table.insert(0, calibration.by, label)
            tables.append(table)
    if not tables:
        raise ParameterError("the frame holds no calibrated rows")
    return pd.concat(tables, ignore_index=True)


def _report(calibrated: pd.DataFrame, part: CalibrationPart, bounds, w, g) -> pd.DataFrame:
    d = w / g
    rows = []

    def add(kind, variable, category=None, population=np.nan, before=np.nan, after=np.nan):
        rows.append({"part": kind, "variable": variable, "category": category,
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
    for name, q in _QUANTILES.items():
        add("adjustment", name, after=float(np.quantile(g, q)))
    if bounds is not None:
        add("adjustment", "bounds", before=bounds[0], after=bounds[1])
    part_rows = len(rows)
    for column, counts in part.margins.items():
        keys = _keys_of(calibrated[column])
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
    if language not in CALIBRATION_METHODS:
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}")
    table = weighting_report(calibrated)
    calibration = calibration_of(calibrated)
    stats = table[table["part"] != "margin"].groupby(["part", "variable"])["after"]
    low_stats, high_stats = stats.min(), stats.max()
    columns = list(calibration.margins)
    labels = {}
    info = survey_of(calibrated)
    constructs = info.constructs if info is not None else {}
    for column in columns:
        label = (constructs.get(column) or {}).get("label")
        labels[column] = (label.lower() if (language == "nl" and label)
                          else str(column).replace("_", " "))
    words = CALIBRATION_NOTE[language]
    names = [labels[c] for c in columns]
    joined = (", ".join(names[:-1]) + words["and"] + names[-1] if len(names) > 1 else names[0])
    method = CALIBRATION_METHODS[language][calibration.method]
    low, high = low_stats["adjustment", "min"], high_stats["adjustment", "max"]

    def num(x, digits=1):
        # counts with a thousands separator, factors and percentages with their decimals
        return format_count(round(x), language) if digits == 0 else \
            format_number(x, digits, language)

    def span(key, digits=1):
        a, b = low_stats["weights", key], high_stats["weights", key]
        return num(a, digits) if num(a, digits) == num(b, digits) else \
            f"{num(a, digits)}–{num(b, digits)}"

    # an effective n of thousands in whole respondents; a tiny one keeps its decimal
    eff, n = span("efficiency"), span("n", 0)
    n_eff = span("n_eff", 0 if low_stats["weights", "n_eff"] >= 10 else 1)
    per = ""
    if calibration.by and table[calibration.by].nunique() > 1:  # ranges over the years
        per = words["per_year"]
    bounds = (words["bounds"].format(low=num(calibration.bounds[0], 2),
                                     high=num(calibration.bounds[1], 2))
              if calibration.bounds else "")
    text = words["text"].format(joined=joined, method=method, bounds=bounds, per=per, eff=eff,
                                n_eff=n_eff, n=n, low=num(low, 2), high=num(high, 2))
    return text, table
