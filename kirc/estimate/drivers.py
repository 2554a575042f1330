"""Driver analysis: which aspects of a contact explain satisfaction, and how much of it?

:func:`drivers` splits the R² of a linear regression of an outcome (satisfaction, likelihood to
recommend) on its predictors (waiting time, the employee's expertise, whether the question was
solved, ...) into one share per predictor, in percent of the explained variance, so that the
shares sum to 100:

- ``method="lmg"`` (default): the LMG decomposition (Lindeman, Merenda & Gold 1980), the
  Shapley value of R²: a predictor's share is its increase in R² when it is added to the model,
  averaged over all orders in which the predictors can enter. This is relaimpo's ``type="lmg"``
  and pingouin's ``linear_regression(relimp=True)``. It needs the R² of all 2^p subsets of the
  predictors; here each is one small linear solve on the subset's correlation matrix (batched
  with numpy), not a regression on the data.
- ``method="relative-weights"``: Johnson's (2000) relative weights, which approximate LMG from
  one eigendecomposition and stay fast for many predictors.

Importance is not causation: a share says how much of the *differences in satisfaction between
respondents* go together with differences in a predictor, given the others; not what would
happen to satisfaction if the predictor were changed. :func:`driver_section` puts that caution
in the report.

Weights and design
------------------
With weights the R² is the weighted (WLS) R², computed from the weighted covariance matrix.
The intervals are percentile bootstrap intervals that follow the design: with primary sampling
units (PSUs) the PSUs are resampled within strata, otherwise the respondents (within strata when
there are strata). Each replicate uses the rescaling bootstrap of Rao & Wu (1988; Rao, Wu & Yue
1992): in a stratum with ``n_h`` units, ``n_h − 1`` are drawn with replacement and a unit's
weight is multiplied by ``n_h / (n_h − 1)`` times the number of times it was drawn, which makes
the bootstrap variance of a linear statistic unbiased even with two PSUs per stratum. The
finite population correction is not applied (conservative for the small organisation survey).

References
----------
Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to bivariate and
multivariate analysis*. Glenview, IL: Scott, Foresman.
Grömping, U. (2006). Relative importance for linear regression in R: the package relaimpo.
*Journal of Statistical Software*, 17(1).
Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
variables in multiple regression. *Multivariate Behavioral Research*, 35(1), 1–19.
Rao, J. N. K., Wu, C. F. J., & Yue, K. (1992). Some recent work on resampling methods for
complex surveys. *Survey Methodology*, 18(2), 209–217.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import factorial

import numpy as np
import pandas as pd

from .. import config, disclose, display
from ..errors import ColumnError, ParameterError, ScaleError
from ..report.texts import (DISPLAY_TEXT, DRIVER_ALT, DRIVER_CAUTION, DRIVER_HEADERS,
                            DRIVER_LABELS, DRIVER_SMALL_SAMPLE)
from ..survey.survey import FROM_DESIGN, survey_of

__all__ = ["drivers", "lmg_shares", "relative_weights", "driver_section"]

METHODS = ("lmg", "relative-weights")
#: Above this many predictors ``method="lmg"`` refuses (2^p subsets). Measured by
#: benchmarks/speed_drivers.py (n = 2,000, 1,000 replicates, 2 shared cores): exact LMG with
#: intervals takes 1.4 s at p = 10, 6 s at 12, 11 s at 13, 23 s at 14 and about 4 minutes at
#: 16, against at most a few seconds for relative weights; so from about 13 predictors use
#: ``method="relative-weights"`` (or fewer replicates).
MAX_LMG_PREDICTORS = 16
#: Bootstrap replicates by default.
N_BOOT = 1000


# --------------------------------------------------------------------------------------------
# The decompositions, from a covariance matrix
# --------------------------------------------------------------------------------------------
def _popcount(values: np.ndarray) -> np.ndarray:
    count = np.zeros_like(values)
    v = values.copy()
    while v.any():
        count += v & 1
        v >>= 1
    return count


def _subset_columns(groups: Sequence[Sequence[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """For every subset of the predictor groups (a bitmask), the covariance columns it holds.

    Returned as batches of subsets with the same number of columns, so that their systems can
    be solved by one batched ``numpy.linalg.solve``: ``[(masks, columns (m, c)), ...]``.
    """
    p = len(groups)
    masks = np.arange(1, 2**p)
    by_width: dict[int, tuple[list, list]] = {}
    for mask in masks:
        columns = [c for g in range(p) if mask >> g & 1 for c in groups[g]]
        entry = by_width.setdefault(len(columns), ([], []))
        entry[0].append(mask)
        entry[1].append(columns)
    return [(np.array(m), np.array(c)) for m, c in by_width.values()]


def _subset_r2(corr: np.ndarray, layout) -> np.ndarray:
    """R² of every subset of predictors, from correlation matrices ``(..., k+1, k+1)`` whose
    first row/column is the outcome. Returns ``(..., 2^p)`` with R²(empty set) = 0."""
    batch = corr.shape[:-2]
    n_subsets = 1 + sum(len(m) for m, _ in layout)
    r2 = np.zeros(batch + (n_subsets,))
    for masks, columns in layout:
        cols = columns + 1  # the outcome is column 0
        a = corr[..., cols[:, :, None], cols[:, None, :]]        # (..., m, c, c)
        b = corr[..., 0, :][..., cols]                            # (..., m, c)
        try:
            solution = np.linalg.solve(a, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            # a collinear subset (a category absent from a bootstrap replicate): the projection
            # R² is still defined, through the pseudo-inverse
            solution = (np.linalg.pinv(a, hermitian=True) @ b[..., None])[..., 0]
        r2[..., masks] = np.einsum("...i,...i->...", b, solution)
    return r2


def _lmg_from_r2(r2: np.ndarray, p: int) -> np.ndarray:
    """Shapley values of R² over ``p`` players from the R² of every subset (``(..., 2^p)``)."""
    masks = np.arange(2**p)
    sizes = _popcount(masks)
    weight = np.array([factorial(s) * factorial(p - 1 - s) / factorial(p) for s in range(p)])
    out = np.empty(r2.shape[:-1] + (p,))
    for j in range(p):
        without = masks[(masks >> j & 1) == 0]
        gain = r2[..., without | (1 << j)] - r2[..., without]
        out[..., j] = gain @ weight[sizes[without]]
    return out


def _correlation(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.einsum("...ii->...i", cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / sd[..., :, None] / sd[..., None, :]
    return np.nan_to_num(corr)


def lmg_shares(cov: np.ndarray, groups: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """LMG decomposition of R² from the covariance (or correlation) matrix of outcome and predictors.

    Parameters
    ----------
    cov : array ``(k+1, k+1)`` or a stack ``(..., k+1, k+1)``
        The outcome first, then the predictor columns.
    groups : list of lists of column numbers (0 = first predictor), optional
        Predictors that enter the model together (the dummies of a category). Default: every
        column on its own.

    Returns
    -------
    numpy.ndarray
        ``(..., p)``: each group's part of R² (they sum to R²).

    Notes
    -----
    Checked against the average over all p! orders of entry with separately fitted regressions
    (tests/test_drivers.py) and against R (``lm`` over all subsets of ``swiss``).

    Examples
    --------
    >>> import numpy as np
    >>> corr = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.0]])
    >>> lmg_shares(corr).round(4)
    array([0.2258, 0.0658])
    """
    cov = np.asarray(cov, dtype=float)
    k = cov.shape[-1] - 1
    groups = [[j] for j in range(k)] if groups is None else [list(g) for g in groups]
    layout = _subset_columns(groups)
    return _lmg_from_r2(_subset_r2(_correlation(cov), layout), len(groups))


def relative_weights(cov: np.ndarray, groups: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """Johnson's (2000) relative weights from the covariance matrix of outcome and predictors.

    The predictors are replaced by their closest orthogonal counterparts ``Z`` (through the
    symmetric square root of their correlation matrix), the outcome is regressed on ``Z``, and
    the squared coefficients are given back to the predictors in proportion to the squared
    correlations of each predictor with each ``Z``. The weights sum to R². For a group (a
    category's dummies) the weights of its columns are added.

    Examples
    --------
    >>> import numpy as np
    >>> corr = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.0]])
    >>> relative_weights(corr).round(4)
    array([0.2258, 0.0658])
    """
    corr = _correlation(np.asarray(cov, dtype=float))
    k = corr.shape[-1] - 1
    groups = [[j] for j in range(k)] if groups is None else [list(g) for g in groups]
    rxx, rxy = corr[..., 1:, 1:], corr[..., 1:, 0]
    values, vectors = np.linalg.eigh(rxx)
    values = np.clip(values, 0.0, None)
    root = vectors @ (np.sqrt(values)[..., :, None] * np.swapaxes(vectors, -1, -2))
    beta = (np.linalg.pinv(root, hermitian=True) @ rxy[..., None])[..., 0]
    raw = (root**2) @ (beta**2)[..., None]
    raw = raw[..., 0]
    return np.stack([raw[..., g].sum(axis=-1) for g in groups], axis=-1)


# --------------------------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------------------------
def _source(data: pd.DataFrame):
    return data.attrs.get("source") or data.attrs.get("survey")


def _numeric_column(data: pd.DataFrame, name: str) -> np.ndarray:
    values = data[name]
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float).to_numpy()
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        examples = ", ".join(map(repr, values[bad].unique()[:3]))
        raise ScaleError(f"{int(bad.sum())} values are not numbers (for example {examples}); "
                         "give a category column the dtype 'category' to use it as a "
                         "categorical predictor", file=_source(data), column=name)
    return numbers.to_numpy(float)


def _is_categorical(values: pd.Series) -> bool:
    """Categories enter as dummies: dtype ``category``, or texts none of which is a number.

    A text column of which only some values are numbers (``"weet niet"`` among the ratings) is
    a data error and is reported by :func:`_numeric_column`, not turned into dummies."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return False
    given = values.dropna()
    return bool(len(given)) and pd.to_numeric(given, errors="coerce").isna().all()


def _design_columns(data: pd.DataFrame, design, weights):
    """(weights, strata, psu) column names of the call's design (the survey's, by default)."""
    from ..survey.survey import resolve_design

    resolved = resolve_design(data, design, weights).design
    resolved.check(data, _source(data))
    strata = resolved.strata_columns
    strata = None if not strata else (strata[0] if len(strata) == 1 else tuple(strata))
    return resolved.weights, strata, resolved.first_psu   # a multistage design: its PSUs


class _Prepared:
    """The complete cases as a numeric matrix (outcome first), with weights and design."""

    def __init__(self, data, outcome, predictors, weights, strata, psu):
        if not isinstance(data, pd.DataFrame):
            raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        if isinstance(predictors, str):
            predictors = [predictors]
        predictors = list(predictors)
        if not predictors:
            raise ParameterError("give at least one predictor")
        if len(set(predictors)) != len(predictors):
            raise ParameterError("a predictor is listed twice")
        if outcome in predictors:
            raise ParameterError(f"the outcome {outcome!r} is also listed as a predictor")
        for column in [outcome, *predictors]:
            if column not in data.columns:
                raise ColumnError("no such column", file=_source(data), column=column)
        if _is_categorical(data[outcome]):
            raise ScaleError("the outcome must be numeric (a rating or score)",
                             file=_source(data), column=outcome)
        self.predictors = predictors
        valid = np.isfinite(_numeric_column(data, outcome))
        dummies_of = {}
        for name in predictors:
            values = data[name]
            if _is_categorical(values):
                dummies_of[name] = pd.Categorical(values)
                valid &= dummies_of[name].codes >= 0
            else:
                dummies_of[name] = None
                valid &= np.isfinite(_numeric_column(data, name))
        self.w = np.ones(len(data))
        if weights is not None:
            w = _numeric_column(data, weights)
            bad = valid & ~(np.isfinite(w) & (w >= 0))
            if bad.any():
                raise ScaleError(f"{int(bad.sum())} weights of complete cases are missing or "
                                 "negative", file=_source(data), column=weights)
            self.w = np.where(valid, w, 0.0)
        self.n_missing = int((~valid).sum())
        # rebuild in predictor order, categories as dummies of the categories present in the
        # complete cases (the first one is the reference)
        blocks, self.groups, width = [_numeric_column(data, outcome)[:, None]], [], 0
        for name in predictors:
            codes = dummies_of[name]
            if codes is None:
                blocks.append(_numeric_column(data, name)[:, None])
                self.groups.append([width])
                width += 1
            else:
                used = np.unique(codes.codes[valid])
                if len(used) < 2:
                    raise ScaleError("a categorical predictor needs at least two categories "
                                     "among the complete cases", file=_source(data), column=name)
                dummy = (codes.codes[:, None] == used[None, 1:]).astype(float)
                blocks.append(dummy)
                self.groups.append(list(range(width, width + dummy.shape[1])))
                width += dummy.shape[1]
        self.x = np.hstack(blocks)[valid]
        self.w = self.w[valid]
        self.n = int(valid.sum())
        if self.n <= width + 1:
            raise ParameterError(f"{self.n} complete cases are too few for {width} predictor "
                                 "columns")
        if not (self.w > 0).any():
            raise ScaleError("every weight of the complete cases is 0", file=_source(data),
                             column=weights)
        self.n_eff = float(self.w.sum() ** 2 / (self.w**2).sum())
        self.strata = (pd.factorize(data[strata].to_numpy()[valid])[0] if strata is not None
                       else np.zeros(self.n, dtype=int))
        if strata is not None and (self.strata < 0).any():
            raise ScaleError("the stratum is missing for some complete cases",
                             file=_source(data), column=strata)
        self.psu = (pd.factorize(data[psu].to_numpy()[valid])[0] if psu is not None
                    else np.arange(self.n))
        if psu is not None and (self.psu < 0).any():
            raise ScaleError("the PSU is missing for some complete cases", file=_source(data),
                             column=psu)
        self.source, self.strata_name = _source(data), strata
        if np.isclose(self.x[:, 0].var(), 0.0):
            raise ScaleError("the outcome does not vary among the complete cases",
                             file=_source(data), column=outcome)

    def covariance(self, w: np.ndarray) -> np.ndarray:
        """Weighted covariance matrices, one per row of ``w`` (``(B, n)`` or ``(n,)``)."""
        w = np.atleast_2d(w)
        total = w.sum(axis=1)
        # centre first (at the full-sample weighted mean) for numerical accuracy; then every
        # replicate's second moments are one matrix product with the column products
        centred = self.x - np.average(self.x, axis=0, weights=self.w)
        k = centred.shape[1]
        upper_i, upper_j = np.triu_indices(k)
        products = centred[:, upper_i] * centred[:, upper_j]
        mean = (w @ centred) / total[:, None]
        second = np.empty((len(w), k, k))
        second[:, upper_i, upper_j] = (w @ products) / total[:, None]
        second[:, upper_j, upper_i] = second[:, upper_i, upper_j]
        return second - mean[:, :, None] * mean[:, None, :]

    def replicate_factors(self, rng: np.random.Generator, n_boot: int) -> np.ndarray:
        """Rao–Wu rescaling bootstrap multipliers ``(n_boot, n)``: PSUs within strata."""
        factors = np.empty((n_boot, self.n))
        for stratum in np.unique(self.strata):
            rows = np.flatnonzero(self.strata == stratum)
            units, unit_of_row = np.unique(self.psu[rows], return_inverse=True)
            n_h = len(units)
            if n_h < 2:
                raise ParameterError(
                    f"stratum {stratum + 1} of {self.strata_name!r} has a single PSU: its "
                    "variance cannot be estimated by resampling (merge it with a neighbour)")
            draws = rng.integers(0, n_h, size=(n_boot, n_h - 1))
            flat = (np.arange(n_boot)[:, None] * n_h + draws).ravel()
            counts = np.bincount(flat, minlength=n_boot * n_h).reshape(n_boot, n_h)
            factors[:, rows] = counts[:, unit_of_row] * (n_h / (n_h - 1))
        return factors


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def drivers(data: pd.DataFrame, outcome: str, predictors: Sequence[str], *, design=None,
            weights=FROM_DESIGN, method: str = "lmg",
            confidence: float = config.CONFIDENCE, n_boot: int = N_BOOT,
            seed: int | None = 2018, min_n: int = config.MIN_N) -> pd.DataFrame:
    """Relative importance of each predictor for an outcome, in % of the explained variance.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    outcome : str
        Numeric outcome column (satisfaction, likelihood to recommend).
    predictors : list of str
        Numeric columns, or categorical ones (dtype ``category`` or text), which enter as a
        group of dummies (the first category present is the reference).
    design : kirc.Design, optional
        Survey design; its ``weights``, ``strata`` and ``psu`` are used (the finite population
        correction is not). Default: the survey's design, else a simple random sample.
    weights : str, None or "auto", optional
        Override the design's weights (``None``: unweighted).
    method : {"lmg", "relative-weights"}
        ``"lmg"``: exact LMG/Shapley decomposition (2^p subsets; at most
        :data:`MAX_LMG_PREDICTORS` predictors). ``"relative-weights"``: Johnson's relative
        weights, an approximation that stays fast for many predictors. The switch lies at
        about 13 predictors, where LMG with 1,000 replicates passes 10 s (measured, see
        :data:`MAX_LMG_PREDICTORS`).
    confidence : float, default 0.95
    n_boot : int, default 1000
        Bootstrap replicates; 0 for no intervals.
    seed : int or None, default 2018
        Seed of the bootstrap, so a report shows the same interval every time it is rendered.
    min_n : int, default 30
        Below this many complete cases every row is flagged.

    Returns
    -------
    pandas.DataFrame
        One row per predictor, in the given order: ``predictor``, ``importance`` (% of the
        explained variance; the column sums to 100), ``ci_low``, ``ci_high`` (percentile
        bootstrap interval of the importance), ``r2_part`` (the predictor's part of R², as a
        proportion), ``r2`` (the model's R², the same in every row), ``r2_low`` and
        ``r2_high`` (its bootstrap interval), ``n`` (complete cases), ``n_eff`` (Kish),
        ``n_missing`` (rows left out for a missing value), ``method``, ``flag``.

    Raises
    ------
    ColumnError
        A column is not in the data.
    ScaleError
        A column that should be numeric holds texts, the outcome does not vary, weights are
        negative or missing.
    ParameterError
        Unknown method, too many predictors for exact LMG, too few complete cases, a stratum
        with one PSU.

    Notes
    -----
    The R² of every subset of predictors comes from the (weighted) correlation matrix, which
    gives exactly the (weighted least squares) R² of the regression with an intercept.
    Validated against an average over all p! orders of entry with separately fitted
    regressions, unweighted and weighted (tests/test_drivers.py, 1e-9), and against R: ``lm``
    over all subsets of relaimpo's documented ``swiss`` examples (``calc.relimp(swiss)`` and the
    grouped example with ``weights = abs(-23:23)``); pingouin's ``linear_regression(relimp=True)``
    gives the same unweighted values. Coverage of the intervals: benchmarks/coverage_drivers.py.

    in R: ``relaimpo::calc.relimp(lm(y ~ ., data, weights = w), type = "lmg", rela = TRUE)``;
    ``boot.relimp(..., b = 1000)`` for intervals (without design).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(400, 3))
    >>> y = x @ [1.0, 0.5, 0.0] + rng.normal(size=400)
    >>> frame = pd.DataFrame({"tevredenheid": y, "wachttijd": x[:, 0], "deskundig": x[:, 1],
    ...                       "vriendelijk": x[:, 2]})
    >>> out = drivers(frame, "tevredenheid", ["wachttijd", "deskundig", "vriendelijk"],
    ...               n_boot=200)
    >>> out[["predictor", "importance", "n"]].round(1)
         predictor  importance    n
    0    wachttijd        72.1  400
    1    deskundig        27.9  400
    2  vriendelijk         0.0  400
    >>> float(round(out["importance"].sum(), 6)), bool((out["ci_low"] <= out["importance"]).all())
    (100.0, True)
    """
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie between 0 and 1, not {confidence!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ParameterError(f"n_boot must be a whole number ≥ 0, not {n_boot!r}")
    weight_column, strata, psu = _design_columns(data, design, weights)
    prepared = _Prepared(data, outcome, predictors, weight_column, strata, psu)
    p = len(prepared.groups)
    if method == "lmg" and p > MAX_LMG_PREDICTORS:
        raise ParameterError(f"{p} predictors are too many for the exact LMG decomposition "
                             f"(2^{p} subsets); use method='relative-weights'")
    if method == "lmg":
        layout = _subset_columns(prepared.groups)

        def decompose(cov):
            return _lmg_from_r2(_subset_r2(_correlation(cov), layout), p)
    else:
        def decompose(cov):
            return relative_weights(cov, prepared.groups)

    parts = decompose(prepared.covariance(prepared.w))[0]
    r2 = float(parts.sum())
    if r2 <= 0:
        raise ScaleError("the predictors explain nothing of the outcome (R² = 0)",
                         file=prepared.source, column=outcome)
    importance = 100.0 * parts / r2
    low = high = np.full(p, np.nan)
    r2_ci = (np.nan, np.nan)
    if n_boot:
        rng = np.random.default_rng(seed)
        factors = prepared.replicate_factors(rng, n_boot)
        boot_parts = np.empty((n_boot, p))
        # replicates per batch: bounded by the memory of the covariance products and of the
        # largest stack of subset systems (about 160 MB of float64 at most)
        systems = (max(len(m) * c.shape[1] ** 2 for m, c in layout) if method == "lmg"
                   else prepared.x.shape[1] ** 2)
        chunk = max(1, min(20_000_000 // max(1, prepared.n * prepared.x.shape[1] ** 2),
                           20_000_000 // systems))
        for start in range(0, n_boot, chunk):
            w = prepared.w * factors[start:start + chunk]
            boot_parts[start:start + chunk] = decompose(prepared.covariance(w))
        boot_r2 = boot_parts.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot_importance = 100.0 * boot_parts / boot_r2[:, None]
        tail = 100 * (1 - confidence) / 2
        low, high = np.nanpercentile(boot_importance, [tail, 100 - tail], axis=0)
        r2_ci = tuple(float(v) for v in np.nanpercentile(boot_r2, [tail, 100 - tail]))
    weighted = weight_column is not None
    interval = (f"percentile bootstrap, {n_boot} replicates"
                + (" (PSUs within strata)" if psu else " (within strata)" if strata else "")
                if n_boot else "no interval")
    label = {"lmg": "LMG", "relative-weights": "relative weights"}[method]
    out = pd.DataFrame({
        "predictor": prepared.predictors,
        "importance": importance,
        "ci_low": low,
        "ci_high": high,
        "r2_part": parts,
        "r2": r2,
        "r2_low": r2_ci[0],
        "r2_high": r2_ci[1],
        "n": prepared.n,
        "n_eff": prepared.n_eff if weighted else float(prepared.n),
        "n_missing": prepared.n_missing,
        "method": f"{label}{' (weighted)' if weighted else ''}; {interval}",
        "flag": disclose.flag(prepared.n, min_n).item(),
    })
    info = survey_of(data)
    language = display.language_of(info)
    r2_text = display.interval_text(r2, *r2_ci, "coefficient", language)
    return display.with_view(out, display.View(
        kind="drivers", title=DISPLAY_TEXT[language]["importance"], unit="percent",
        keys=("predictor",), language=language, min_n=min_n, confidence=confidence,
        value="importance", caption=DISPLAY_TEXT[language]["drivers"].format(
            outcome=display.caption_of(info, outcome), r2=r2_text)))


# --------------------------------------------------------------------------------------------
# Report section
# --------------------------------------------------------------------------------------------
#: Labels of the demo's driver constructs, Dutch and English (a definition's own construct
#: labels are used for the Dutch report when a name is not here).

#: The plain-language caution printed under every driver table.

#: Added to the caution when the analysis rests on fewer than min_n complete answers.



def _label(name: str, definition: dict | None, language: str) -> str:
    if name in DRIVER_LABELS:
        return DRIVER_LABELS[name][language]
    constructs = (definition or {}).get("constructs", {})
    return constructs.get(name, {}).get("label", name)


def driver_section(data: pd.DataFrame, definition=None, year: int | None = None,
                   language: str = "nl", key: str | None = None, **options) -> dict | None:
    """The content of the report section "Wat bepaalt de tevredenheid?".

    Parameters
    ----------
    data : pandas.DataFrame
        The survey as :func:`kirc.load_survey` returns it (harmonised construct columns).
    definition : dict, str or path, optional
        :func:`kirc.survey_definition` of the survey (or its name or path); its ``drivers``
        table names the outcome and predictors. Default: the definition the frame was loaded
        with.
    year : int, optional
        Restrict to this year (default: all rows of ``data``).
    language : {"nl", "en"}
    key : str, optional
        Which ``[drivers.<key>]`` entry (default: the first).
    **options
        Passed to :func:`drivers` (``n_boot``, ``method``, ``design``, ...). The weights
        default to the survey's ``weight`` construct when the data have one.

    Returns
    -------
    dict
        ``table`` (tidy: ``predictor``, ``label``, ``importance``, ``ci_low``, ``ci_high``,
        ``n``, ``flag``, ... ordered by importance), ``display`` (the table with headers in the
        report language), ``title``, ``alt`` (the chart's text), ``caution`` (text),
        ``r2``, ``n``. None when the definition declares no drivers.

    Examples
    --------
    >>> import kirc
    >>> definition = kirc.survey_definition("klantcontact")
    >>> data = kirc.load_survey("klantcontact", years=[2025])
    >>> section = driver_section(data, definition, 2025, n_boot=0)
    >>> section["display"].iloc[0].to_dict()
    {'Aspect': 'Wachttijd', 'Belang (%)': 33, '95%-interval': '', 'n': 1590}
    >>> section["title"]
    'Wat bepaalt de tevredenheid over het contact? (2025)'
    >>> section["table"]["predictor"].iloc[0]
    'wait_time'
    """
    if language not in DRIVER_HEADERS:
        raise ParameterError(f"unknown language {language!r} (known: nl, en)")
    if definition is None:
        definition = data.attrs.get("definition")
        if definition is None:
            raise ParameterError("give the survey definition: the data do not say which "
                                 "definition they were loaded with")
    if not isinstance(definition, dict):
        from ..survey.definition import survey_definition

        definition = survey_definition(definition)
    declared = definition.get("drivers") or {}
    if not declared:
        return None
    if key is None:
        key = next(iter(declared))
    if key not in declared:
        raise ParameterError(f"the definition declares no drivers {key!r} "
                             f"(declared: {', '.join(declared)})")
    spec = declared[key]
    frame = data
    if year is not None:
        if "year" not in data.columns:
            raise ColumnError("no such column", file=_source(data), column="year")
        frame = data[data["year"] == int(year)]
        if frame.empty:
            raise ParameterError(f"no respondents in {year}")
    result = drivers(frame, spec["outcome"], spec["predictors"], **options)
    table = result.assign(label=[_label(p, definition, language) for p in result["predictor"]])
    table = table.sort_values("importance", ascending=False, ignore_index=True)
    table = table[["predictor", "label", *[c for c in result.columns if c != "predictor"]]]
    headers = DRIVER_HEADERS[language]
    outcome = _label(spec["outcome"], definition, language)
    if spec["outcome"] not in DRIVER_LABELS:
        outcome = outcome.lower()
    title = headers["title"].format(outcome=outcome, year=year if year is not None else "")
    title = title.replace(" ()", "")
    interval = np.where(table["ci_low"].notna(),
                        [f"{lo:.0f}–{hi:.0f}" for lo, hi in zip(table["ci_low"].fillna(0),
                                                                  table["ci_high"].fillna(0))],
                        "")
    display = pd.DataFrame({headers["predictor"]: table["label"],
                            headers["importance"]: table["importance"].round(0).astype(int),
                            headers["ci"]: interval,
                            headers["n"]: table["n"]})
    r2 = float(result["r2"].iloc[0])
    caution = DRIVER_CAUTION[language].format(outcome=outcome, r2=r2)
    if (table["flag"] != "").any():
        caution += " " + DRIVER_SMALL_SAMPLE[language].format(n=int(table["n"].iloc[0]),
                                                       min_n=options.get("min_n", config.MIN_N))
    shares = ", ".join(f"{label} {value:.0f}%" for label, value in
                       zip(table["label"], table["importance"]))
    alt = DRIVER_ALT[language].format(title=title, shares=shares)
    return {"table": table, "display": display, "title": title, "alt": alt,
            "caution": caution, "r2": r2, "n": int(result["n"].iloc[0])}
