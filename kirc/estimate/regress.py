"""Design-based regression: R's ``svyglm`` (gaussian and quasibinomial) on the one variance.

:func:`regress` fits a linear or logistic model of one outcome on predictors, weighted by the
design, with standard errors from the design (Binder 1983): Taylor linearisation with strata,
clusters per stage, fpc and calibration, or replicate weights (each replicate refitted, as R
refits a replicate design).

The fit needs only sums: the rows of one *covariate pattern* (a combination of the predictors'
values) share their row of the model matrix ``x_p``, so the estimating equations
``Σ_p x_p (Y_p − W_p μ_p) = 0`` need Σw and Σw·y per pattern, and a coefficient's linearised
variable is, within a pattern, ``z = w (a_p + b_p y)`` with ``b_p = (A⁻¹ x_p)_k`` and ``a_p = −μ_p
b_p`` (``A = Σ_p W_p v_p x_p x_p'``, ``v_p`` = 1 for the linear model and μ(1 − μ) for the
logistic one). The patterns are the domains of a tally (:mod:`kirc.estimate.tally`), so the
coefficients' variances come from :func:`kirc.estimate.variance.influence_variance` like every
other estimate of the package; with replicate weights the model is refitted on every
replicate's pattern sums. Categorical predictors have few patterns; a numeric predictor with
many distinct values makes as many patterns (R does the same work per row).

The degrees of freedom are R's: the design's (PSUs minus strata of the rows used, or the rank of
their replicate weights minus one) plus one minus the number of coefficients; the interval is
``estimate ± t(df)·se`` and the test its t-test, so they agree.

:func:`kirc.trend_test` is a regression of the measure on the period, in each ``by`` group
(:mod:`kirc.estimate.compare`), made of the same parts.

References
----------
Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
surveys. *International Statistical Review*, 51, 279–292. Lumley, T. (2010). *Complex Surveys*,
ch. 5–6. Wiley.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from .. import config
from ..errors import ColumnError, ParameterError, ScaleError
from ..measures import measure_of
from ..survey.survey import FROM_DESIGN, resolve_design
from . import engines
from .metrics import require_columns
from .variance import Influence, domain_totals, influence_variance

__all__ = ["regress", "REGRESS_COLUMNS", "FAMILIES", "Model", "fit_influence"]

#: The columns of :func:`regress`.
REGRESS_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "df", "p_value",
                   "significant"]
FAMILIES = ("gaussian", "binomial")


class Model:
    """A model on covariate patterns: the rows ``x_p`` of the tally domains ``domains``."""

    def __init__(self, domains: np.ndarray, X: np.ndarray, family: str):
        self.domains = np.asarray(domains, dtype=np.int64)
        self.X = np.asarray(X, dtype=float)
        self.family = family

    @property
    def size(self) -> int:
        return self.X.shape[1]

    def mean(self, beta: np.ndarray) -> np.ndarray:
        """μ per pattern and column: (patterns, K)."""
        eta = self.X @ beta
        return expit(eta) if self.family == "binomial" else eta

    def fit(self, W: np.ndarray, Y: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
        """The coefficients (k, K) for every column of the domains' totals ``W``, ``Y``."""
        W, Y = W[self.domains], Y[self.domains]
        X = self.X
        K = W.shape[1]
        beta = np.zeros((X.shape[1], K))
        for column in range(K):
            w, y = W[:, column], Y[:, column]
            if self.family == "gaussian":
                A = (X * w[:, None]).T @ X
                beta[:, column] = _solve(A, X.T @ y)
                continue
            b = np.zeros(X.shape[1]) if start is None else start.copy()
            for _ in range(100):
                mu = expit(X @ b)
                A = (X * (w * mu * (1 - mu))[:, None]).T @ X
                step = _solve(A, X.T @ (y - w * mu))
                b = b + step
                if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(b))):
                    break
            beta[:, column] = b
        return beta

    def influence(self, W: np.ndarray, beta: np.ndarray):
        """The coefficients' linearised variables per pattern: ``a`` and ``b`` (patterns, k)."""
        w = W[self.domains, 0]
        mu = self.mean(beta[:, :1])[:, 0]
        v = mu * (1 - mu) if self.family == "binomial" else np.ones_like(mu)
        A = (self.X * (w * v)[:, None]).T @ self.X
        b = self.X @ np.linalg.inv(A).T               # (A⁻¹ x_p)_k
        return -mu[:, None] * b, b


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        raise ParameterError("the model's predictors are collinear (or a category has no "
                             "answers): leave one out") from None


def fit_influence(models: list[Model], W: np.ndarray, Y: np.ndarray):
    """The coefficients of ``models`` (each fitted on its own patterns) and one
    :class:`~kirc.estimate.variance.Influence` with a target per coefficient, whose statistic
    refits every model (a replicate design's replicates)."""
    betas = [model.fit(W[:, :1], Y[:, :1]) for model in models]
    domain, target, a, b = [], [], [], []
    offset = 0
    for model, beta in zip(models, betas):
        ca, cb = model.influence(W, beta)
        for k in range(model.size):
            domain.append(model.domains)
            target.append(np.full(len(model.domains), offset + k))
            a.append(ca[:, k])
            b.append(cb[:, k])
        offset += model.size

    def statistic(Wm, Ym):
        return np.vstack([model.fit(Wm, Ym, start=beta[:, 0])
                          for model, beta in zip(models, betas)])

    influence = Influence(np.concatenate(domain), np.concatenate(target), np.concatenate(a),
                          np.concatenate(b), offset, statistic)
    return np.concatenate([beta[:, 0] for beta in betas]), influence


def coefficients(models, tally, confidence) -> pd.DataFrame:
    """Estimate, se, t interval (R's residual df), p-value per coefficient of ``models``."""
    W, Y = domain_totals(tally)
    estimate, influence = fit_influence(models, W[:, :1], Y[:, :1])
    variances = influence_variance(tally, influence)
    se = np.sqrt(variances.variance)
    sizes = np.concatenate([np.full(model.size, model.size) for model in models])
    df = variances.df.astype(float) + 1 - sizes           # R: degf(design) + 1 − p
    with np.errstate(invalid="ignore", divide="ignore"):
        usable = np.where(df > 0, df, np.nan)
        quantile = stats.t.isf((1 - confidence) / 2, usable)
        p_value = 2 * stats.t.sf(np.abs(estimate) / se, usable)
    p_value = np.where(se == 0, np.where(estimate == 0, 1.0, 0.0), p_value)
    return pd.DataFrame({"estimate": estimate, "se": se, "ci_low": estimate - quantile * se,
                         "ci_high": estimate + quantile * se, "df": df, "p_value": p_value,
                         "significant": p_value < 1 - confidence})


def _categorical(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series):
        return True
    return not pd.api.types.is_numeric_dtype(series)


def _levels(series: pd.Series) -> list:
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    values = pd.unique(series.dropna())
    try:
        return sorted(values)
    except TypeError:
        return list(values)


def regress(data, outcome: str, predictors, *, family: str = "gaussian", design=None,
            reference=None, weights=FROM_DESIGN, confidence: float = config.CONFIDENCE
            ) -> pd.DataFrame:
    """Design-based linear or logistic regression, as R's ``svyglm``.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        A survey (its design) or a frame with ``design=``; also the engines' sources
        (:mod:`kirc.estimate.engines`).
    outcome : str
        The outcome column: numbers (``family="gaussian"``) or 0/1 (``"binomial"``). Rows
        whose outcome or a predictor is missing are left out of the fit (a domain: the design
        stays the whole sample's).
    predictors : str or list of str
        Numeric predictors enter as they are; categorical ones (categories, text, booleans)
        as indicator columns of each level but the reference.
    family : {"gaussian", "binomial"}
        The linear model, or the logistic model with R's quasibinomial variance (the
        coefficients of ``family=binomial``; the standard errors are the design's either way).
    design : kirc.Design, optional
        Default: the survey's (Taylor, multistage, calibrated, replicate weights).
    reference : dict or scalar, optional
        The reference level per categorical predictor (``{"stype": "E"}``; a scalar with one
        categorical predictor). Default the first level (category order, else sorted), as R.
    weights : str, None or "auto", optional
        Override the design's weights.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per term (:data:`REGRESS_COLUMNS`): ``term`` (``"(Intercept)"``, a numeric
        predictor's name, or ``"predictor=level"``), ``estimate``, ``se``, ``ci_low``,
        ``ci_high`` (``estimate ± t(df)·se``), ``df`` (R's residual degrees of freedom, the
        design's plus one minus the number of terms), ``p_value`` (t-test), ``significant``.
        Logistic coefficients are log odds ratios.

    Notes
    -----
    Validated against R ``survey`` 4.1.1 ``svyglm`` (gaussian and quasibinomial) on
    ``apistrat``, ``apiclus1``, the two-stage ``apiclus2`` and a JK1 replicate design
    (``tests/test_regress.py``, R script there) to 1e-8.

    In R: ``svyglm(api00 ~ ell + stype, design)``; ``summary()`` gives the same t-tests,
    ``confint(m, ddf = m$df.residual)`` the intervals.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"y": [3.0, 5, 4, 4, 6, 8, 7, 6], "x": [1.0, 2, 3, 2, 4, 5, 6, 4],
    ...                    "w": [1.0, 2, 1, 2, 1, 2, 1, 2]})
    >>> out = kirc.regress(df, "y", "x", design=kirc.Design(weights="w"))
    >>> out[["term", "estimate", "se", "df"]].round(4)
              term  estimate      se   df
    0  (Intercept)    2.3750  0.5947  6.0
    1            x    0.9375  0.1882  6.0

    In R: ``svyglm(y ~ x, svydesign(ids=~1, weights=~w, data=df))`` gives 2.375 (SE 0.5947)
    and 0.9375 (SE 0.1882), ``df.residual`` 6.
    """
    if family not in FAMILIES:
        raise ParameterError(f"family={family!r}: choose 'gaussian' or 'binomial'")
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    if not predictors:
        raise ParameterError("give at least one predictor")
    if outcome in predictors:
        raise ParameterError(f"{outcome!r} is the outcome and a predictor")
    call = resolve_design(data, design, weights)
    require_columns(data, [outcome, *predictors], call.source)
    frame = data if isinstance(data, pd.DataFrame) else None
    if frame is None:
        raise ParameterError("regress() takes a pandas DataFrame or survey")
    values = pd.to_numeric(frame[outcome], errors="coerce") \
        if not pd.api.types.is_bool_dtype(frame[outcome]) else frame[outcome].astype(float)
    if (values.isna() & frame[outcome].notna()).any():
        raise ScaleError("the outcome must be numbers", file=call.source, column=outcome)
    if family == "binomial" and not values.dropna().isin([0, 1]).all():
        raise ScaleError("a logistic regression needs an outcome of 0 and 1",
                         file=call.source, column=outcome)
    categorical = {p: _levels(frame[p]) for p in predictors if _categorical(frame[p])}
    references = _references(reference, categorical, call.source)
    # the covariate patterns are the tally's domains
    tally = engines.tally_measure(frame, measure_of("mean"), outcome, predictors, call)
    keys = tally.domains
    usable = keys[predictors].notna().all(axis=1).to_numpy().copy()
    for p in predictors:
        if p not in categorical:
            usable &= np.isfinite(pd.to_numeric(keys[p], errors="coerce").to_numpy(float))
    W, _ = domain_totals(tally)
    usable &= W[:, 0] > 0
    patterns = np.flatnonzero(usable)
    columns, terms = [np.ones(len(patterns))], ["(Intercept)"]
    for p in predictors:
        column = keys[p].iloc[patterns]
        if p in categorical:
            for level in categorical[p]:
                if level == references[p]:
                    continue
                columns.append((column == level).to_numpy(float))
                terms.append(f"{p}={level}")
        else:
            columns.append(pd.to_numeric(column).to_numpy(float))
            terms.append(p)
    model = Model(patterns, np.column_stack(columns), family)
    if len(patterns) < model.size:
        raise ParameterError("too few covariate patterns with answers for the model's terms",
                             file=call.source)
    out = coefficients([model], tally, confidence)
    out.insert(0, "term", terms)
    return out[REGRESS_COLUMNS]


def _references(reference, categorical: dict, source) -> dict:
    if reference is None:
        return {p: levels[0] for p, levels in categorical.items() if levels}
    if not isinstance(reference, dict):
        if len(categorical) != 1:
            raise ParameterError("give reference= as {predictor: level} (there are "
                                 f"{len(categorical)} categorical predictors)")
        reference = {next(iter(categorical)): reference}
    out = {p: levels[0] for p, levels in categorical.items() if levels}
    for p, level in reference.items():
        if p not in categorical:
            raise ColumnError("reference= names a predictor that is not categorical",
                              file=source, column=p)
        if level not in categorical[p]:
            raise ParameterError(f"reference={level!r} is not a level of {p!r} "
                                 f"({', '.join(map(str, categorical[p]))})")
        out[p] = level
    return out
