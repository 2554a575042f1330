"""Confidence intervals and tests for shares, Net Promoter Scores and their changes.

Every function is vectorised: the counts may be scalars or NumPy arrays, which are broadcast
against each other, and each interval function returns a pair ``(low, high)`` of float
``numpy.ndarray`` with the broadcast shape (0-d arrays for scalar input). Shares are on the 0-1
scale, NPS on the -1..1 scale (multiply by 100 for the customary -100..100 points).

Counts may be non-integer (weighted or effective counts); a total of 0 gives ``(nan, nan)``,
and NaN counts give NaN limits. Negative counts, a count larger than its total, an unknown
method or a confidence level outside (0, 1) raise :class:`kirc.errors.ParameterError`.

Design-based intervals
----------------------
With a weighted, stratified or clustered sample the interval formulas are fed *effective
counts*: with :math:`\\hat p` the design-based estimate and :math:`\\widehat{Var}(\\hat p)` its
(Taylor-linearised) variance, :math:`n_{eff} = \\hat p(1-\\hat p)/\\widehat{Var}(\\hat p)`,
``count = p * n_eff`` and ``nobs = n_eff``, and ``df=`` (the design's degrees of freedom,
#PSU - #strata) replaces the normal quantile by Student's t, exactly as R's ``svyciprop``
does. :func:`design_proportion_interval` and :func:`design_nps_interval` do this in one call.

Methods
-------
Single share (:func:`proportion_interval`)
    ``"wilson"`` (default; Wilson 1927), ``"clopper-pearson"`` (alias ``"beta"``; exact),
    ``"jeffreys"`` (equal-tailed Beta(1/2, 1/2) posterior), ``"agresti-coull"``, ``"wald"``,
    ``"logit"`` (Wald interval on the log-odds, R ``svyciprop(method = "logit")``).
    Validated against ``statsmodels.stats.proportion.proportion_confint`` to 1e-10 and against
    R ``survey::svyciprop`` (logit, beta = Korn & Graubard 1998) to 1e-9.
Net Promoter Score (:func:`nps_interval`)
    ``"adjusted-wald"`` (default; Rocks 2016, pseudo-counts scaled with the squared quantile
    as Agresti & Coull 1998 scale theirs), ``"score"`` (Tango's 1998 score interval for the
    difference of two cells of one multinomial), ``"wald"`` and ``"bootstrap"`` (seeded
    percentile bootstrap of the trinomial). The default was chosen with the exact coverage
    study in ``benchmarks/coverage_nps.py`` (numbers in :func:`nps_interval`).
Change of a share (:func:`difference_interval` with :func:`difference_pvalue`)
    Consistent pairs of interval and test: ``"score"`` (default: the interval that inverts
    the pooled score test, Mee 1984 / Farrington & Manning 1990, whose p-value is
    ``prop.test(correct = FALSE)``), ``"miettinen-nurminen"`` (the same with the
    N/(N-1) variance correction), ``"newcombe"`` (Newcombe's 1998 hybrid score method 10,
    p-value by inverting the interval) and ``"wald"``.
Change of an NPS (:func:`nps_difference_interval` with :func:`nps_difference_pvalue`)
    Consistent pairs: ``"mover"`` (default; Zou & Donner's method of variance estimates
    recovery applied to the two single-sample intervals, p-value by inversion) and
    ``"wald"``.

For every pair, ``p < 1 - confidence`` if and only if the interval at ``confidence``
excludes 0 (proved on grids, ties included, in ``tests/test_intervals.py``).

Score limits (Tango, Mee) and inverted p-values (MOVER, Newcombe) are roots, found by
Chandrupatla's (1997) bracketed inverse-quadratic/bisection method, vectorised
(``_bracketed_root``): about 8 evaluations of the statistic a limit and one NPS-change
p-value in ~80, where bisection took 64 and 16,640 (``benchmarks/speed_intervals.py``).

References
----------
.. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. J Am Stat Assoc 22:209-212.
.. [2] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
   Statistical Science 16:101-133.
.. [3] Tango T (1998). Equivalence test and confidence interval for the difference in
   proportions for the paired-sample design. Stat Med 17:891-908.
.. [4] Rocks B (2016). Interval estimation for the "Net Promoter Score". The American
   Statistician 70:365-372 (arXiv:1601.07235).
.. [5] Newcombe RG (1998). Interval estimation for the difference between independent
   proportions: comparison of eleven methods. Stat Med 17:873-890.
.. [6] Zou GY, Donner A (2008). Construction of confidence limits about effect measures:
   a general approach. Stat Med 27:1693-1702.
.. [7] Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected
   number of positive counts estimated from survey data. Survey Methodology 24:193-201.
.. [8] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Stat Med 4:213-226.
.. [9] Agresti A, Coull BA (1998). Approximate is better than "exact" for interval
   estimation of binomial proportions. Am Stat 52:119-126.
.. [10] Chandrupatla TR (1997). A new hybrid quadratic/bisection algorithm for finding the
   zero of a nonlinear function without using derivatives. Advances in Engineering Software
   28:145-149.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from kirc.errors import ParameterError

__all__ = [
    "DEFAULT_NPS_METHOD",
    "DEFAULT_BOOTSTRAP_SEED",
    "DEFAULT_DIFFERENCE_METHOD",
    "DEFAULT_NPS_DIFFERENCE_METHOD",
    "DEFAULT_NPS_DIFFERENCE_COMPONENT",
    "DEFAULT_DESIGN_PROPORTION_METHOD",
    "DEFAULT_DESIGN_NPS_METHOD",
    "PROPORTION_METHODS",
    "NPS_METHODS",
    "DIFFERENCE_METHODS",
    "NPS_DIFFERENCE_METHODS",
    "proportion_interval",
    "korn_graubard_nobs",
    "design_proportion_interval",
    "nps_interval",
    "design_nps_interval",
    "difference_interval",
    "nps_difference_interval",
    "difference_pvalue",
    "nps_difference_pvalue",
    "wald_t",
]

#: Methods of :func:`proportion_interval` (``"beta"`` is accepted for ``"clopper-pearson"``).
PROPORTION_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald", "logit")
_PROPORTION_ALIASES = {"beta": "clopper-pearson"}

#: Methods of :func:`nps_interval`.
NPS_METHODS = ("adjusted-wald", "score", "wald", "bootstrap")

#: The NPS method used by default here and by :func:`nps_difference_interval` ("mover").
#: Chosen by the exact coverage study of ``benchmarks/coverage_nps.py``; see :func:`nps_interval`.
DEFAULT_NPS_METHOD = "adjusted-wald"

#: Seed of the bootstrap when none is given, so that reports are reproducible.
DEFAULT_BOOTSTRAP_SEED = 20180101

#: Methods of :func:`difference_interval` and :func:`difference_pvalue` (consistent pairs).
DIFFERENCE_METHODS = ("score", "miettinen-nurminen", "newcombe", "wald")
_DIFFERENCE_ALIASES = {"mee": "score", "mn": "miettinen-nurminen"}

#: Default pair for the change of a share: the pooled score test (``prop.test(correct =
#: FALSE)``, Pearson's chi-square) and the interval that inverts it. It is the pair whose test
#: is the one every textbook and R user knows, so a published p-value can be reproduced, and
#: its interval is the score interval recommended for two independent proportions (Newcombe
#: 1998 method 10 and the score interval have close coverage; Fagerland, Lydersen & Laake 2015).
DEFAULT_DIFFERENCE_METHOD = "score"

#: Methods of :func:`nps_difference_interval` and :func:`nps_difference_pvalue`.
NPS_DIFFERENCE_METHODS = ("mover", "wald")

#: Default pair for the change of an NPS (see :func:`nps_difference_pvalue` for its exact
#: type-I error).
DEFAULT_NPS_DIFFERENCE_METHOD = "mover"

#: Single-year intervals that "mover" combines by default. Score (Tango) components, not the
#: single-year default: exact enumeration (``benchmarks/coverage_nps.py --type1``) gives the
#: test a largest type-I error of 5.7 % at n = 20 per year against 6.7 % with adjusted-Wald
#: components (7.2 % for the Wald test), and the interval a lowest exact coverage of 94.7 %
#: against 93.8 % (``--change``).
DEFAULT_NPS_DIFFERENCE_COMPONENT = "score"

#: Share method for weighted / stratified / clustered data (:func:`design_proportion_interval`):
#: Korn & Graubard's beta interval, chosen by the simulation study
#: ``benchmarks/coverage_design.py`` (2,000 samples per cell; true shares 5, 20, 50 %; n = 20
#: to 2,000; lognormal weights related to the answer, clusters with ICC 0.10). Mean coverage
#: of nominal 95 %: weighted 93.7-96.2 %, clustered 95.8-98.0 % (conservative with few
#: clusters), weighted and clustered 90.3-96.7 %; its lowest cell, 88.5 % (weighted clusters,
#: n = 100 in 10 clusters, where every method is at 88-91 % because the linearised variance
#: itself is too small with few, unequally weighted PSUs), is the highest of the candidates
#: (logit 88.2, wilson 87.4, wald 45.6 %); Wilson on Kish's effective n, kirc's earlier
#: approach, fell to 71.5 %.
DEFAULT_DESIGN_PROPORTION_METHOD = "beta"

#: NPS method for weighted / stratified / clustered data (:func:`design_nps_interval`): the
#: score interval on effective counts, chosen by ``benchmarks/coverage_design.py`` (true
#: (promoters, detractors) 50/20, 30/30, 70/5 %). Mean coverage: weighted 94.6-95.8 %,
#: clustered 95.0-96.5 %, weighted and clustered 91.6-94.8 % (lowest cell 90.3 %, at n = 100 in
#: 10 clusters); adjusted-Wald was a close second (lowest 90.2 %, mean |error| 0.95 against
#: 0.83 points), Wald lowest 89.2 %, adjusted-Wald on Kish's n 70.7 %.
DEFAULT_DESIGN_NPS_METHOD = "score"

# Pseudo-observations of Rocks' (2016) adjusted-Wald NPS interval at 95 % confidence: 3/4
# promoter, 3/2 passive, 3/4 detractor (3 in all). At other levels they are scaled by
# (quantile / z_0.975)^2, as Agresti & Coull's z^2/2 pseudo-successes and -failures scale.
_ROCKS_PROMOTERS = 0.75
_ROCKS_PASSIVES = 1.5
_ROCKS_DETRACTORS = 0.75
_Z_975 = float(stats.norm.isf(0.025))

# Roots (interval limits, inverted p-values) are found by Chandrupatla's method
# (:func:`_bracketed_root`). It stops where the bracket is narrower than 4 ulp of the root
# (4 eps |x|) plus this absolute tolerance: about the rounding noise of the statistics (their
# float values fix a root to 1e-17..1e-16, to 1e-13 where Tango's restricted MLE is near a
# double root of its quadratic), and fine enough for a root that is 0.
_ROOT_XRTOL = 4.0 * np.finfo(float).eps
_ROOT_XATOL = 1e-18
# It also stops where the function is within this times its size at the root (|target|, or
# the scale of the terms of a function whose root is 0) of the target: its rounding level.
# Near the root a function of rounded limits is a staircase with steps of ~eps, on which
# interpolation only creeps (by half its tolerance a step); 1 eps was too tight for the margin
# of a MOVER limit that is itself a rounding error from 0 (54 steps instead of 3), 4 eps moved
# p-values by 3e-14. (The larger |function - target| at the ends is no scale: an end can be
# 1e9 where the statistic's variance is a rounding error from 0.)
_ROOT_FRTOL = 2.0 * np.finfo(float).eps
# It converges superlinearly and falls back to bisection, so it ends within about 10 steps
# (a few dozen for the hardest of a large vectorised batch) and never needs more than about
# the 64 of pure bisection; the cap is a safeguard.
_ROOT_MAX_STEPS = 100

# The p-value of an inverted interval is sought as the normal deviate s of alpha = 2 Phi(-s)
# on [0, _PVALUE_MAX_DEVIATE]; a smaller p-value than 2 Phi(-10) = 1.5e-23 is returned as that
# bound (the bisection over alpha before it stopped at 2^-64 = 5.4e-20 or, through the
# rounding of 1 - alpha, at 5.6e-17).
_PVALUE_MAX_DEVIATE = 10.0

# A limit this close to 0 may be on the wrong side of it by rounding error only.
_TIE = 1e-9

# Counts are floats (weighted data): a count may exceed its total by rounding error only.
_COUNT_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------
# argument checking
# --------------------------------------------------------------------------------------------

def _canonical_method(method, valid, what, aliases=None):
    aliases = aliases or {}
    name = aliases.get(method.lower(), method.lower()) if isinstance(method, str) else None
    if name not in valid:
        names = ", ".join(repr(m) for m in valid)
        extra = "".join(f" ({a!r} is accepted for {b!r})" for a, b in aliases.items())
        raise ParameterError(f"unknown {what} method {method!r}; valid methods are {names}{extra}")
    return name


def _confidence_level(confidence):
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ParameterError(f"confidence must be a number between 0 and 1, got {confidence!r}")
    if not 0.0 < level < 1.0:
        raise ParameterError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return level


def _degrees_of_freedom(df):
    """None (normal quantile) or a float array of degrees of freedom (inf = normal)."""
    if df is None:
        return None
    try:
        array = np.asarray(df, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"df must be a positive number or None, got {df!r}") from exc
    if np.any(array < 0):
        raise ParameterError(f"df must not be negative, got {df!r}")
    return array


def _quantile(level, df):
    """Two-sided quantile for confidence ``level`` (float or array): normal without ``df``,
    Student's t with ``df`` (NaN where df is 0 or NaN, as R's ``qt`` is with 0 df)."""
    tail = (1.0 - np.asarray(level, dtype=float)) / 2.0
    if df is None:
        q = stats.norm.isf(tail)
    else:
        with np.errstate(invalid="ignore"):
            q = np.where(np.isinf(df), stats.norm.isf(tail),
                         stats.t.isf(tail, np.where(df > 0, df, np.nan)))
    return q if np.ndim(q) else float(q)


def _critical_value(confidence, df=None):
    """Two-sided quantile (normal, or t with ``df``) for ``confidence``, after checking both."""
    level = _confidence_level(confidence)
    return _quantile(level, _degrees_of_freedom(df)), level


def _counts(**named):
    """Float arrays of the named counts, checked to be non-negative, broadcast together."""
    arrays = []
    for name, value in named.items():
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{name} must be numeric, got {value!r}") from exc
        if np.any(array < 0):  # NaN compares False and is passed through as missing
            shown = repr(value) if array.ndim == 0 else f"{array.min()!r} among {array.size} values"
            raise ParameterError(f"{name} must not be negative, got {shown}")
        arrays.append(array)
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError as exc:
        shapes = ", ".join(f"{n}{np.shape(a)}" for n, a in zip(named, arrays))
        raise ParameterError(f"the counts cannot be broadcast together: {shapes}") from exc


def _check_within(count, nobs, count_name, nobs_name):
    if np.any(count > nobs * (1 + _COUNT_TOLERANCE) + _COUNT_TOLERANCE):
        raise ParameterError(f"{count_name} must not exceed {nobs_name}")


def _pair(low, high):
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def _expit(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic function


# --------------------------------------------------------------------------------------------
# single share
# --------------------------------------------------------------------------------------------

def _wilson(count, nobs, q):
    p = count / nobs
    q2 = q * q
    denom = 1.0 + q2 / nobs
    centre = (p + q2 / (2.0 * nobs)) / denom
    half = q * np.sqrt(p * (1.0 - p) / nobs + q2 / (4.0 * nobs**2)) / denom
    return centre - half, centre + half


def proportion_interval(count, nobs, method="wilson", confidence=0.95, df=None):
    """Confidence interval for a share (binomial proportion).

    Parameters
    ----------
    count : float or array_like
        Number of respondents with the characteristic; may be a non-integer weighted or
        effective count.
    nobs : float or array_like
        Number of respondents (the base), or the effective sample size. Broadcast against
        ``count``.
    method : {"wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald", "logit"}, optional
        ``"beta"`` is accepted for ``"clopper-pearson"``. Default ``"wilson"``.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.
    df : float or array_like, optional
        Degrees of freedom of a design-based variance (R's ``degf(design)``). When given, the
        methods built on a normal quantile (wilson, agresti-coull, wald, logit) use the t
        quantile with ``df`` instead; ``inf`` is the normal quantile and 0 gives NaN limits
        (as R). The exact methods (clopper-pearson, jeffreys) do not use a quantile and ignore
        ``df``: for a design, the Korn-Graubard degrees-of-freedom correction enters through the
        effective count, see :func:`korn_graubard_nobs` and :func:`design_proportion_interval`.

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the 0-1 scale, of the broadcast shape of the inputs; NaN where ``nobs`` is 0.

    Raises
    ------
    kirc.errors.ParameterError
        Unknown method, confidence outside (0, 1), negative counts or df, ``count > nobs``.

    Notes
    -----
    With :math:`\\hat p = x/n` and :math:`z` the two-sided normal (or t) quantile:

    * Wilson: :math:`(\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2})/(1+z^2/n)`.
    * Clopper-Pearson: Beta quantiles :math:`B(\\alpha/2; x, n-x+1)` and
      :math:`B(1-\\alpha/2; x+1, n-x)`; the lower limit is 0 at :math:`x = 0` and the upper
      limit 1 at :math:`x = n`.
    * Jeffreys: quantiles :math:`\\alpha/2` and :math:`1-\\alpha/2` of
      :math:`\\mathrm{Beta}(x + 1/2, n - x + 1/2)`, *without* the boundary modification of
      Brown, Cai & DasGupta (2001) (who set the lower limit to 0 at :math:`x = 0` and the upper
      to 1 at :math:`x = n`): at :math:`x = 0` the lower limit is a small positive number, so
      the interval excludes the estimate 0 (and 1 at :math:`x = n`). This is the convention
      of statsmodels (checked with 0.15), which this function reproduces.
    * Agresti-Coull: Wald interval around :math:`\\tilde p = (x + z^2/2)/(n + z^2)` with
      :math:`\\tilde n = n + z^2`.
    * Wald: :math:`\\hat p \\pm z\\sqrt{\\hat p(1-\\hat p)/n}`; zero width at :math:`x = 0`
      and :math:`x = n`.
    * Logit: :math:`\\mathrm{expit}(\\log(x/(n-x)) \\pm z\\sqrt{1/x + 1/(n-x)})`. With effective
      counts (:math:`n = \\hat p(1-\\hat p)/\\widehat{Var}`) this is
      :math:`\\mathrm{expit}(\\mathrm{logit}\\,\\hat p \\pm t_{df}\\,SE(\\hat p)/(\\hat p(1-\\hat
      p)))`, the Wald interval of the intercept of R's quasibinomial ``svyglm`` that
      ``svyciprop(method = "logit")`` returns (its sandwich variance of the log-odds is exactly
      the delta-method one). At :math:`x = 0` the log-odds are :math:`-\\infty` and R's glm
      does not converge (it returns a meaningless interval near 1e-12); here the limits are then
      the Clopper-Pearson ones, :math:`[0, 1 - (\\alpha/2)^{1/n}]` (and
      :math:`[(\\alpha/2)^{1/n}, 1]` at :math:`x = n`).

    As in statsmodels, the Wilson, Agresti-Coull and Wald limits are clipped to [0, 1].
    Validated against ``statsmodels.stats.proportion.proportion_confint`` (methods
    ``wilson``, ``beta``, ``jeffreys``, ``agresti_coull``, ``normal``) to 1e-10 on a grid of
    counts and totals including 0 and n, and (logit, beta with t quantiles) against R
    ``survey::svyciprop`` on the stratified ``apistrat`` and clustered ``apiclus1`` designs to
    1e-9 (``tests/test_intervals.py``).

    in R: ``binom::binom.confint(x, n, methods = "wilson")``;
    ``survey::svyciprop(~y, design, method = "logit")`` (with ``count = p * n_eff``,
    ``nobs = n_eff``, ``df = degf(design)``).

    References
    ----------
    .. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
       inference. J Am Stat Assoc 22:209-212.
    .. [2] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
       in the case of the binomial. Biometrika 26:404-413.
    .. [3] Agresti A, Coull BA (1998). Approximate is better than "exact" for interval
       estimation of binomial proportions. Am Stat 52:119-126.
    .. [4] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
       Statistical Science 16:101-133.
    .. [5] Lumley T (2010). Complex Surveys: A Guide to Analysis Using R, section 2.3.1. Wiley.

    Examples
    --------
    >>> import numpy as np
    >>> low, high = proportion_interval(56, 70)
    >>> print(np.round(low, 4), np.round(high, 4))
    0.6918 0.877
    >>> low, high = proportion_interval([0, 5, 10], 10, method="clopper-pearson")
    >>> print(np.round(low, 4), np.round(high, 4))
    [0.     0.1871 0.6915] [0.3085 0.8129 1.    ]
    >>> low, high = proportion_interval(56, 70, method="logit", df=14)
    >>> print(np.round(low, 4), np.round(high, 4))
    0.6782 0.8836
    """
    method = _canonical_method(method, PROPORTION_METHODS, "proportion", _PROPORTION_ALIASES)
    z, level = _critical_value(confidence, df)
    count, nobs = _counts(count=count, nobs=nobs)
    _check_within(count, nobs, "count", "nobs")
    count = np.minimum(count, nobs)
    tail = (1.0 - level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / nobs
        if method == "wilson":
            low, high = _wilson(count, nobs, z)
        elif method == "clopper-pearson":
            low = stats.beta.ppf(tail, count, nobs - count + 1.0)
            high = stats.beta.isf(tail, count + 1.0, nobs - count)
            low = np.where(count == 0, 0.0, low)
            high = np.where(count == nobs, 1.0, high)
        elif method == "jeffreys":
            low = stats.beta.ppf(tail, count + 0.5, nobs - count + 0.5)
            high = stats.beta.isf(tail, count + 0.5, nobs - count + 0.5)
        elif method == "agresti-coull":
            nobs_tilde = nobs + z * z
            p_tilde = (count + z * z / 2.0) / nobs_tilde
            half = z * np.sqrt(p_tilde * (1.0 - p_tilde) / nobs_tilde)
            low, high = p_tilde - half, p_tilde + half
        elif method == "logit":
            log_odds = np.log(count) - np.log(nobs - count)
            half = z * np.sqrt(1.0 / count + 1.0 / (nobs - count))
            low, high = _expit(log_odds - half), _expit(log_odds + half)
            one_sided = tail ** (1.0 / nobs)
            low = np.where(count == 0, 0.0, np.where(count == nobs, one_sided, low))
            high = np.where(count == nobs, 1.0, np.where(count == 0, 1.0 - one_sided, high))
            low = np.where(np.isnan(z * count), np.nan, low)
            high = np.where(np.isnan(z * count), np.nan, high)
        else:  # wald
            half = z * np.sqrt(p * (1.0 - p) / nobs)
            low, high = p - half, p + half
    low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
    empty = ~(nobs > 0)
    low, high = np.where(empty, np.nan, low), np.where(empty, np.nan, high)
    return _pair(low, high)


def korn_graubard_nobs(n_eff, n, df, confidence=0.95):
    """Effective sample size with Korn & Graubard's (1998) degrees-of-freedom correction.

    Parameters
    ----------
    n_eff : float or array_like
        Design effective sample size :math:`\\hat p(1-\\hat p)/\\widehat{Var}(\\hat p)`.
    n : float or array_like
        Number of respondents the estimate is based on (R: ``nrow(design)`` of the design, or
        of the domain's design inside ``svyby``).
    df : float or array_like
        Design degrees of freedom (R: ``degf(design)``); ``None`` or ``inf`` for the normal
        quantile.
    confidence : float, optional
        Confidence level of the interval it will feed. Default 0.95.

    Returns
    -------
    numpy.ndarray
        :math:`n_{eff}\\,(t_{n-1,\\alpha/2}/t_{df,\\alpha/2})^2`; NaN where ``n <= 1`` or
        ``df`` is 0 (R's ``qt`` with 0 degrees of freedom is NaN, too).

    Notes
    -----
    ``proportion_interval(p * m, m, "beta")`` with ``m = korn_graubard_nobs(n_eff, n, df)``
    is the Clopper-Pearson interval of the effective counts that R's
    ``svyciprop(method = "beta")`` returns, line by line of its source (survey 4.1.1)::

        n.eff <- coef(m) * (1 - coef(m)) / vcov(m)
        n.eff <- n.eff * (qt(alpha/2, nrow(design) - 1) / qt(alpha/2, degf(design)))^2
        ci <- c(qbeta(alpha/2, n.eff * rval, n.eff * (1 - rval) + 1),
                qbeta(1 - alpha/2, n.eff * rval + 1, n.eff * (1 - rval)))

    Validated against R on ``apistrat`` and ``apiclus1`` to 1e-9 (``tests/test_intervals.py``).

    in R: ``survey::svyciprop(~y, design, method = "beta")``.

    References
    ----------
    .. [1] Korn EL, Graubard BI (1998). Confidence intervals for proportions with small
       expected number of positive counts estimated from survey data. Survey Methodology
       24:193-201.

    Examples
    --------
    >>> import numpy as np
    >>> print(np.round(korn_graubard_nobs(150.0, 183, 14), 3))
    126.945
    """
    level = _confidence_level(confidence)
    n_eff, n = _counts(n_eff=n_eff, n=n)
    df = _degrees_of_freedom(np.inf if df is None else df)
    tail = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"):
        t_n = stats.t.ppf(tail, np.where(n > 1, n - 1.0, np.nan))
        t_df = np.where(np.isinf(df), stats.norm.ppf(tail),
                        stats.t.ppf(tail, np.where(df > 0, df, np.nan)))
    return np.asarray(n_eff * (t_n / t_df) ** 2, dtype=float)


def _design_nobs(estimate, variance, unit_variance, n):
    """Effective n = unit variance / design variance; n where that is 0/0 (no variation)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = unit_variance / variance
    return np.where((variance == 0) & (unit_variance == 0), n, n_eff)


def design_proportion_interval(estimate, variance, n, df, method=DEFAULT_DESIGN_PROPORTION_METHOD,
                               confidence=0.95):
    """Interval for a design-based share from its estimate and (linearised) variance.

    Parameters
    ----------
    estimate : float or array_like
        The design-based share :math:`\\hat p` (0-1 scale).
    variance : float or array_like
        Its variance estimate :math:`\\widehat{Var}(\\hat p)` (e.g. Taylor linearisation with
        strata, clusters and fpc; R: ``vcov(svymean(~y, design))``).
    n : float or array_like
        Number of respondents (R: ``nrow(design)``); used by ``"beta"`` (Korn-Graubard) and
        where the variance is 0 because all answers are equal (then ``n`` is the base).
    df : float or array_like
        Design degrees of freedom (R: ``degf(design)``); ``inf`` for the normal quantile.
    method : str, optional
        A method of :func:`proportion_interval`; default
        :data:`DEFAULT_DESIGN_PROPORTION_METHOD`. ``"beta"`` / ``"clopper-pearson"`` is
        Korn & Graubard's interval; the others use the t quantile with ``df``.
    confidence : float, optional
        Default 0.95.

    Returns
    -------
    low, high : numpy.ndarray

    Notes
    -----
    The effective sample size is :math:`n_{eff} = \\hat p(1-\\hat p)/\\widehat{Var}(\\hat p)`
    and the interval is ``proportion_interval(p * n_eff, n_eff, method, confidence, df)``
    (for ``"beta"``, with :math:`n_{eff}` first corrected by :func:`korn_graubard_nobs`).
    Where :math:`\\hat p` is 0 or 1 the variance is 0 and R's ``svyciprop`` gives NaN
    (beta) or the output of a non-converged glm (logit); here :math:`n_{eff}` is then ``n``
    (no design effect can be estimated from a sample without variation), so the interval is
    the count-based one of ``n`` respondents, e.g. :math:`[0, 1-(\\alpha/2)^{1/n}]` for beta.
    A census (variance 0 with :math:`0 < \\hat p < 1`) gives the zero-width interval.

    Validated against R survey 4.1.1 ``svyciprop`` (logit and beta) on the stratified
    ``apistrat`` and the clustered ``apiclus1`` designs to 1e-9 (``tests/test_intervals.py``).

    in R: ``survey::svyciprop(~y, design, method = "beta", level = confidence)``.

    Examples
    --------
    >>> import numpy as np
    >>> # apiclus1, share of schools with awards: R gives 0.633436839061471, 0.7793385361783
    >>> low, high = design_proportion_interval(0.710382513661202, 0.0330182995537189**2,
    ...                                        n=183, df=14, method="beta")
    >>> print(np.round(low, 6), np.round(high, 6))
    0.633437 0.779339
    """
    method = _canonical_method(method, PROPORTION_METHODS, "proportion", _PROPORTION_ALIASES)
    level = _confidence_level(confidence)
    estimate, variance, n = _counts(estimate=estimate, variance=variance, n=n)
    if np.any(estimate > 1 + _COUNT_TOLERANCE):
        raise ParameterError("estimate is a share and must not exceed 1")
    estimate = np.minimum(estimate, 1.0)
    n_eff = _design_nobs(estimate, variance, estimate * (1.0 - estimate), n)
    if method == "clopper-pearson":
        n_eff = korn_graubard_nobs(n_eff, n, df, level)
    finite = np.isfinite(n_eff)
    low, high = proportion_interval(np.where(finite, estimate * n_eff, 0.0),
                                    np.where(finite, n_eff, 1.0), method, level, df)
    # infinite n_eff: a census, no sampling error
    low = np.where(finite, low, np.where(np.isinf(n_eff), estimate, np.nan))
    high = np.where(finite, high, np.where(np.isinf(n_eff), estimate, np.nan))
    return _pair(low, high)


# --------------------------------------------------------------------------------------------
# single NPS
# --------------------------------------------------------------------------------------------

def _tango_statistic(delta, promoters, detractors, total):
    """Tango's score statistic for H0: NPS = delta (decreasing in delta).

    ``promoters`` and ``detractors`` play the discordant cells b and c of a paired 2x2 table,
    passives the concordant ones. The restricted MLE of the detractor share under H0 is the
    larger root of  2n q^2 + B q + C = 0,  B = -b - c + (2n - b + c) delta,
    C = -c delta (1 - delta)  (Tango 1998).
    """
    a = 2.0 * total
    b = -promoters - detractors + (2.0 * total - promoters + detractors) * delta
    c = -detractors * delta * (1.0 - delta)
    root = np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        # For b > 0 the textbook form (root - b)/2a cancels catastrophically; the algebraically
        # equal -2c/(root + b) does not.
        q = np.where(b > 0, -2.0 * c / (root + b), (root - b) / (2.0 * a))
    q = np.where(np.isfinite(q), q, 0.0)
    variance = total * (2.0 * q + delta * (1.0 - delta))
    numerator = promoters - detractors - total * delta
    positive = variance > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = numerator / np.sqrt(np.where(positive, variance, 1.0))
    at_boundary = np.where(numerator > 0, np.inf, np.where(numerator < 0, -np.inf, 0.0))
    return np.where(positive, statistic, at_boundary)


def _bracketed_root(function, target, lower, upper, guess=None, values=None, ftol=None):
    """Vectorised root of ``function(x) == target`` on the bracket [lower, upper].

    Parameters
    ----------
    function : callable
        Vectorised: maps an array of x (broadcast against its own parameters) to an array.
        Decreasing on the bracket, ``function(lower) >= target >= function(upper)``; it may
        be +-inf at an end of the bracket.
    target : float or numpy.ndarray
        Value sought; +inf gives ``lower`` and -inf ``upper`` (the limits of the bracket,
        where a decreasing function reaches those values), NaN gives NaN.
    lower, upper : numpy.ndarray
        Ends of the bracket, ``lower <= upper``.
    guess : numpy.ndarray, optional
        First point to try instead of the midpoint (Chandrupatla's first step is a bisection);
        a good guess saves a step or two. Where it is NaN or not inside the bracket, the
        midpoint.
    values : tuple of numpy.ndarray, optional
        ``(function(lower), function(upper))`` where the caller has them already.
    ftol : numpy.ndarray, optional
        A point where ``|function - target| <= ftol`` is a root. Default: ``2 eps |target|``,
        the rounding level of the function at its root (for target 0: exact hits only).

    Returns
    -------
    numpy.ndarray
        The roots, of the broadcast shape of the arguments and of ``function``'s output.
        Where the function is above ``target`` on the whole bracket: ``upper``; below it:
        ``lower`` (what bisection converges to). Where an end of the bracket is a root, that
        end.

    Notes
    -----
    Chandrupatla's (1997) method: each step keeps a bracket [a, b] of the root and the
    previous point c; where the three points pass his test (the inverse quadratic through
    them is monotone on the bracket) the next point is that inverse quadratic at the target,
    otherwise the midpoint, and it is kept at least half the tolerance from the ends of the
    bracket. It needs no derivative, converges superlinearly (order about 1.8) on smooth
    functions and never needs more steps than about those of bisection. Each element stops
    when its bracket is narrower than ``4 eps |x| + 1e-18`` (:data:`_ROOT_XRTOL`,
    :data:`_ROOT_XATOL`) or the function is within ``ftol`` of the target (an exact hit
    included), and returns whichever end of the bracket has the smaller residual. The
    function tolerance matters for functions of rounded quantities (limits of intervals):
    near the root they are staircases with steps of a few eps, where the method could only
    creep towards a step's edge by half its tolerance per step. This is the method of scipy's
    ``scipy.optimize.elementwise.find_root`` (scipy >= 1.15, newer than kirc's lower bound).

    References
    ----------
    .. [1] Chandrupatla TR (1997). A new hybrid quadratic/bisection algorithm for finding the
       zero of a nonlinear function without using derivatives. Advances in Engineering
       Software 28:145-149.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        target = np.asarray(target, dtype=float)
        finite_target = np.where(np.isfinite(target), target, 0.0)
        x1 = np.asarray(lower, dtype=float)
        x2 = np.asarray(upper, dtype=float)
        if values is None:
            values = function(x1), function(x2)
        f1, f2 = (np.asarray(v, dtype=float) - finite_target for v in values)
        shape = np.broadcast_shapes(np.shape(target), x1.shape, x2.shape, f1.shape, f2.shape)
        x1, x2, f1, f2 = (np.broadcast_to(v, shape) for v in (x1, x2, f1, f2))
        if ftol is None:
            ftol = _ROOT_FRTOL * np.abs(finite_target)
        # the ends: an exact root, or no sign change (then the end bisection would reach)
        root = np.where(f1 == 0, x1, np.where(f2 == 0, x2, np.where(f2 > 0, x2, x1)))
        root = np.where(np.isnan(f1) | np.isnan(f2), np.nan, root)
        root = np.where(target == np.inf, x1, np.where(target == -np.inf, x2, root))
        root = np.where(np.isnan(target), np.nan, root)
        active = (f1 > 0) & (f2 < 0) & np.isfinite(target)
        # a is the newest point, b the other end of the bracket, c the point before
        a, fa, b, fb = x2, f2, x1, f1
        c, fc = a, fa
        if guess is None:
            t = np.full(shape, 0.5)
        else:
            t = (np.asarray(guess, dtype=float) - a) / (b - a)
            t = np.broadcast_to(np.where((t > 0.0) & (t < 1.0), t, 0.5), shape)
        width = np.abs(b - a)
        xm = np.where(np.abs(fa) < np.abs(fb), a, b)
        tolerance = _ROOT_XRTOL * np.abs(xm) + _ROOT_XATOL
        limit = np.where(width > 0, 0.5 * tolerance / width, 0.5)
        t = np.clip(t, limit, 1.0 - limit)
        for _ in range(_ROOT_MAX_STEPS):
            if not active.any():
                break
            x = a + t * (b - a)
            fx = function(x) - finite_target
            same = np.sign(fx) == np.sign(fa)
            c, fc = np.where(same, a, b), np.where(same, fa, fb)
            b, fb = np.where(same, b, a), np.where(same, fb, fa)
            a, fa = x, fx
            smaller = np.abs(fa) < np.abs(fb)
            xm, fm = np.where(smaller, a, b), np.where(smaller, fa, fb)
            width = np.abs(b - a)
            tolerance = _ROOT_XRTOL * np.abs(xm) + _ROOT_XATOL
            done = active & ((width < tolerance) | (np.abs(fm) <= ftol))
            root = np.where(done, xm, root)
            active = active & ~done
            # Chandrupatla's test: inverse quadratic interpolation where it is monotone
            xi = (a - b) / (c - b)
            phi = (fa - fb) / (fc - fb)
            quadratic = (1.0 - np.sqrt(1.0 - xi) < phi) & (phi < np.sqrt(xi))
            t = np.where(quadratic,
                         fa / (fb - fa) * fc / (fb - fc)
                         + (c - a) / (b - a) * fa / (fc - fa) * fb / (fc - fb), 0.5)
            limit = 0.5 * tolerance / width
            t = np.clip(t, limit, 1.0 - limit)
        # (not reached in practice) the best point so far where the cap stopped the search
        root = np.where(active, np.where(np.abs(fa) < np.abs(fb), a, b), root)
    return root


def _nps_score(promoters, detractors, total, z):
    shape = np.broadcast_shapes(np.shape(promoters), np.shape(total), np.shape(z))
    estimate = np.broadcast_to((promoters - detractors) / total, shape)
    z = np.broadcast_to(z, shape)
    half = z * np.sqrt(_nps_variance(promoters, detractors, total))   # Wald: the first guess
    statistic = lambda d: _tango_statistic(d, promoters, detractors, total)  # noqa: E731
    # both limits in one vectorised search (axis 0: low, high), half the numpy calls
    low, high = _bracketed_root(statistic, np.stack([z, -z]),
                                np.stack([np.full(shape, -1.0), estimate]),
                                np.stack([estimate, np.ones(shape)]),
                                np.stack([estimate - half, estimate + half]))
    # The statistic has no root below an estimate of -1 (all detractors) or above +1.
    low = np.where(detractors >= total, -1.0, low)
    high = np.where(promoters >= total, 1.0, high)
    return low, high


def _nps_wald(promoters, detractors, total, z):
    p_promoter, p_detractor = promoters / total, detractors / total
    nps = p_promoter - p_detractor
    variance = np.maximum(p_promoter + p_detractor - nps**2, 0.0) / total
    half = z * np.sqrt(variance)
    return nps - half, nps + half


def _nps_bootstrap(promoters, passives, detractors, total, confidence, n_boot, seed):
    tail = (1.0 - confidence) / 2.0
    low = np.full(total.shape, np.nan)
    high = np.full(total.shape, np.nan)
    for index in np.ndindex(total.shape):
        if not total[index] > 0:
            continue
        counts = np.array([promoters[index], passives[index], detractors[index]])
        # A fresh generator per interval: the result depends on this sample and the seed only,
        # not on which other samples share the call.
        rng = np.random.default_rng(seed)
        size = max(int(round(total[index])), 1)
        draws = rng.multinomial(size, counts / counts.sum(), size=n_boot)
        nps = (draws[:, 0] - draws[:, 2]) / size
        low[index], high[index] = np.quantile(nps, [tail, 1.0 - tail])
    return low, high


def nps_interval(promoters, passives, detractors, method=DEFAULT_NPS_METHOD, confidence=0.95,
                 df=None, *, n_boot=2000, seed=None):
    """Confidence interval for a Net Promoter Score, NPS = share promoters - share detractors.

    Parameters
    ----------
    promoters, passives, detractors : float or array_like
        Numbers of respondents scoring 9-10, 7-8 and 0-6; may be non-integer weighted
        counts. Broadcast against each other.
    method : {"adjusted-wald", "score", "wald", "bootstrap"}, optional
        Default ``"adjusted-wald"`` (see Notes for why).
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.
    df : float or array_like, optional
        Degrees of freedom of a design-based variance: the t quantile with ``df`` replaces the
        normal one (score, adjusted-wald, wald; the bootstrap ignores it). See
        :func:`design_nps_interval`.
    n_boot : int, optional
        Number of bootstrap resamples (``method="bootstrap"`` only). Default 2000.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` for the bootstrap; ``None`` uses the fixed
        :data:`DEFAULT_BOOTSTRAP_SEED` so that the same data always give the same interval.

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the -1..1 scale; NaN where the total is 0.

    Raises
    ------
    kirc.errors.ParameterError
        Unknown method, confidence outside (0, 1), negative counts or ``n_boot < 1``.

    Notes
    -----
    With :math:`b` promoters, :math:`c` detractors, :math:`n` respondents,
    :math:`\\hat p_P = b/n`, :math:`\\hat p_D = c/n` and
    :math:`\\widehat{NPS} = \\hat p_P - \\hat p_D`:

    ``"score"``
        Tango's (1998) score interval. The NPS is the difference of two cells of one
        multinomial, exactly like the difference of paired proportions with discordant cells
        :math:`b` and :math:`c` (the passives are the concordant pairs). The interval is
        :math:`\\{\\Delta : |T(\\Delta)| \\le z\\}` with
        :math:`T(\\Delta) = (b - c - n\\Delta)/\\sqrt{n(2\\tilde q_D + \\Delta(1-\\Delta))}`,
        :math:`\\tilde q_D` the closed-form restricted MLE of the detractor share under
        :math:`H_0: NPS = \\Delta`. Both limits are found by Chandrupatla's (1997) bracketed
        root finder, vectorised. It stays within [-1, 1], has non-zero width at 0 promoters
        or detractors, and reduces to :math:`2 \\times \\text{Wilson} - 1` when there are no
        passives. Validated against Tango (1998), Agresti & Min (2005) and Fagerland,
        Lydersen & Laake (2014) worked values.
    ``"adjusted-wald"``
        Rocks (2016), who found variants of the adjusted Wald and an iterative score
        interval to perform best: add pseudo-observations, 1/4 of them promoters, 1/2 passives
        and 1/4 detractors, then the Wald interval on the adjusted sample. Rocks adds 3 in all
        (0.75 / 1.5 / 0.75) for 95 % intervals; for a two-sided quantile :math:`z` this
        module adds :math:`T = 3 (z / z_{0.975})^2`, scaling the pseudo-counts with
        :math:`z^2` exactly as Agresti & Coull (1998) scale their :math:`z^2/2`
        pseudo-successes and -failures (their "add two successes and two failures" is the
        95 % case). With :math:`\\tilde n = n + T`,
        :math:`\\tilde p_P = (b + T/4)/\\tilde n`, :math:`\\tilde p_D = (c + T/4)/\\tilde n`,
        :math:`\\widetilde{NPS} = \\tilde p_P - \\tilde p_D`, the interval is
        :math:`\\widetilde{NPS} \\pm z\\sqrt{(\\tilde p_P + \\tilde p_D
        - \\widetilde{NPS}^2)/\\tilde n}`, clipped to [-1, 1]. At 95 % it is Rocks' interval;
        with fixed pseudo-counts the interval excluded the observed NPS at lower levels (at
        80 %: 20 promoters of 20 gave [0.757, 0.983]) and its exact coverage dropped to 66.8 %
        at n = 20 (grid below, 80 % nominal); scaled, the lowest point is 74.6 % and the mean
        79.9 %. Exact coverage on that grid, mean / lowest in %, n = 20 and n = 100: at 80 %
        79.90/74.64 and 79.95/78.97; at 90 % 90.07/86.76 and 90.00/89.21; at 99 %
        98.87/97.28 and 98.98/98.70. Like the Clopper-Pearson interval and Brown, Cai & DasGupta's (2001) boundary
        modification, a sample of only promoters gets the upper limit 1 (only detractors: the
        lower limit -1); without it one promoter (n = 1) gave [-0.485, 0.985]. So the interval
        contains the estimate for every sample (checked for every outcome with n <= 40 at
        80, 90, 95 and 99 %). Validated against that formula computed by hand in the tests.
    ``"wald"``
        :math:`\\widehat{NPS} \\pm z\\sqrt{(\\hat p_P + \\hat p_D - \\widehat{NPS}^2)/n}`
        (zero width for a sample of only promoters, only detractors or only passives).
    ``"bootstrap"``
        Percentile interval (``numpy.quantile``, linear interpolation) of the NPS of
        ``n_boot`` trinomial resamples drawn with ``np.random.default_rng(seed)``; weighted
        counts are resampled with size ``round(total)`` and the observed shares. Each element
        uses a fresh generator, so its interval does not depend on the rest of the call.

    The Wald and adjusted-Wald limits are clipped to [-1, 1].

    **Why "adjusted-wald" is the default.** Exact coverage (the trinomial pmf summed over
    every outcome whose interval covers; ``python benchmarks/coverage_nps.py``) at 95 %
    confidence over a dense grid of 741 true (promoter, detractor) shares: each in {2.5, 5,
    ..., 97.5} % with at least 2.5 % passives. Mean / lowest / lowest with at least 5 %
    passives, coverage in %:

    =============  =================  =================  =================  =================
    method         n = 20             n = 30             n = 50             n = 100
    =============  =================  =================  =================  =================
    adjusted-wald  95.03/93.10/93.41  95.06/93.63/93.83  95.04/94.11/94.11  95.04/94.60/94.62
    score          95.55/94.02/94.19  95.19/93.47/93.47  95.04/93.79/93.79  95.04/94.42/94.42
    wald           91.63/64.01/74.01  92.78/74.39/74.39  93.69/81.90/84.83  94.38/88.05/92.14
    bootstrap      92.22/63.10/63.10  93.08/75.42/75.42  93.86/81.16/85.78  (not enumerated)
    =============  =================  =================  =================  =================

    At n = 300: adjusted-wald 95.00/94.82/94.82, score 95.01/94.81/94.81, wald
    94.79/93.21/93.83.

    So the adjusted-Wald interval's mean coverage is 95.0-95.1 % at every n and its lowest
    point 93.1 % at n = 20 (at 50 % promoters, 47.5 % detractors, 2.5 % passives), 93.6 % at
    n = 30 and at least 94.1 % from n = 50; the score interval is a close second, slightly
    conservative at n = 20 (mean 95.55 %). Wald and the percentile bootstrap under-cover small
    samples badly at extreme shares. (An earlier version of this note claimed "mean
    95.2-95.7 %, lowest >= 94.2 %" from a coarse 34-point grid that missed the worst points.)
    Scanned at every n from 20 to 100 and at 120, 150, 200, 250, 300, 400, 500 (``--dense``),
    the adjusted-Wald means stay within 94.99-95.14 %; the lowest point of all is 92.74 % at
    n = 23 (40 % promoters, 57.5 % detractors; 93.01 % at n = 21 with at least 5 % passives),
    and every n from 26 up has no point below 93.3 %. The score interval's means are
    95.01-95.55 % and its lowest point 93.20 % (n = 36). ``tests/test_intervals.py`` re-checks
    the documented figures at n = 20.

    in R: ``PropCIs::scoreci.mp(b, c, n, conf.level)`` (``"score"``, Tango's interval with the
    promoters and detractors as the discordant pairs). The Wald interval of the +1 / 0 / -1
    score, ``confint(svymean(~score, design))``, is :func:`design_nps_interval` with
    ``method="wald"`` and R's variance.

    References
    ----------
    .. [1] Tango T (1998). Equivalence test and confidence interval for the difference in
       proportions for the paired-sample design. Stat Med 17:891-908.
    .. [2] Newcombe RG (1998). Improved confidence intervals for the difference between
       binomial proportions based on paired data. Stat Med 17:2635-2650.
    .. [3] Rocks B (2016). Interval estimation for the "Net Promoter Score". The American
       Statistician 70:365-372 (arXiv:1601.07235).
    .. [4] Agresti A, Min Y (2005). Simple improved confidence intervals for comparing
       matched proportions. Stat Med 24:729-740.
    .. [5] Fagerland MW, Lydersen S, Laake P (2014). Recommended tests and confidence
       intervals for paired binomial proportions. Stat Med 33:2850-2875.

    Examples
    --------
    >>> import numpy as np
    >>> low, high = nps_interval(45, 30, 25)            # NPS = 0.20, adjusted-Wald
    >>> print(np.round(low, 4), np.round(high, 4))
    0.0377 0.3506
    >>> low, high = nps_interval(45, 30, 25, method="score")
    >>> print(np.round(low, 4), np.round(high, 4))
    0.0365 0.3519
    >>> low, high = nps_interval(45, 30, 25, method="bootstrap")   # seeded: reproducible
    >>> print(np.round(low, 4), np.round(high, 4))
    0.04 0.36
    >>> low, high = nps_interval([10, 0], [0, 10], [0, 0])   # all promoters; all passives
    >>> print(np.round(low, 4), np.round(high, 4))
    [ 0.475  -0.1847] [1.     0.1847]
    """
    method = _canonical_method(method, NPS_METHODS, "NPS")
    z, level = _critical_value(confidence, df)
    promoters, passives, detractors = _counts(
        promoters=promoters, passives=passives, detractors=detractors)
    total = promoters + passives + detractors
    if method == "bootstrap":
        if int(n_boot) != n_boot or n_boot < 1:
            raise ParameterError(f"n_boot must be a positive whole number, got {n_boot!r}")
        seed = DEFAULT_BOOTSTRAP_SEED if seed is None else seed
        low, high = _nps_bootstrap(promoters, passives, detractors, total, level,
                                   int(n_boot), seed)
        return _pair(low, high)
    low, high = _nps_limits(method, promoters, passives, detractors, total, z)
    return _pair(low, high)


def _nps_limits(method, promoters, passives, detractors, total, z):
    """Closed-form / root-found NPS limits for quantile ``z`` (float or array)."""
    empty = ~(total > 0)
    safe_total = np.where(empty, 1.0, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "score":
            low, high = _nps_score(promoters, detractors, safe_total, z)
        elif method == "adjusted-wald":
            scale = (np.asarray(z, dtype=float) / _Z_975) ** 2
            low, high = _nps_wald(promoters + _ROCKS_PROMOTERS * scale,
                                  detractors + _ROCKS_DETRACTORS * scale,
                                  safe_total + (_ROCKS_PROMOTERS + _ROCKS_PASSIVES
                                                + _ROCKS_DETRACTORS) * scale, z)
            # boundary modification: a sample of one extreme category reaches that bound
            high = np.where((passives == 0) & (detractors == 0) & ~np.isnan(high), 1.0, high)
            low = np.where((passives == 0) & (promoters == 0) & ~np.isnan(low), -1.0, low)
        else:  # wald
            low, high = _nps_wald(promoters, detractors, safe_total, z)
    low, high = np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
    nan = empty | np.isnan(promoters + passives + detractors) | np.isnan(z)
    return np.where(nan, np.nan, low), np.where(nan, np.nan, high)


def design_nps_interval(promoters, detractors, variance, n, df, method=DEFAULT_DESIGN_NPS_METHOD,
                        confidence=0.95):
    """Interval for a design-based NPS from its estimated shares and (linearised) variance.

    Parameters
    ----------
    promoters, detractors : float or array_like
        Design-based shares of promoters and detractors (0-1 scale).
    variance : float or array_like
        Variance estimate of the NPS on the -1..1 scale (Taylor linearisation of the mean of
        the +1 / 0 / -1 score; R: ``vcov(svymean(~score, design))``).
    n : float or array_like
        Number of respondents; the base where the variance is 0 because all answers are equal.
    df : float or array_like
        Design degrees of freedom (R: ``degf(design)``); ``inf`` for the normal quantile.
    method : str, optional
        A method of :func:`nps_interval` other than ``"bootstrap"``; default
        :data:`DEFAULT_DESIGN_NPS_METHOD`.
    confidence : float, optional
        Default 0.95.

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the -1..1 scale.

    Notes
    -----
    As for shares (:func:`design_proportion_interval`): the effective sample size is the
    per-respondent variance of the score under simple random sampling over the design
    variance, :math:`n_{eff} = (\\hat p_P + \\hat p_D - \\widehat{NPS}^2)/\\widehat{Var}`, the
    effective counts are the shares times :math:`n_{eff}`, and the t quantile with ``df``
    replaces the normal one. With ``method="wald"`` the result is exactly
    :math:`\\widehat{NPS} \\pm t_{df}\\sqrt{\\widehat{Var}}`, R's
    ``confint(svymean(~score, design), df = degf(design))`` (checked in the tests).

    in R: ``confint(svymean(~score, design), df = degf(design))`` (the ``"wald"`` method).

    Examples
    --------
    >>> import numpy as np
    >>> low, high = design_nps_interval(0.45, 0.25, 0.0066 * 1.2, n=100, df=99, method="wald")
    >>> print(np.round(low, 4), np.round(high, 4))
    0.0234 0.3766
    """
    method = _canonical_method(method, NPS_METHODS, "NPS")
    if method == "bootstrap":
        raise ParameterError("design_nps_interval has no bootstrap: resampling respondents "
                             "ignores the design; use a closed-form method")
    z, level = _critical_value(confidence, df)
    share_p, share_d, variance, n = _counts(promoters=promoters, detractors=detractors,
                                            variance=variance, n=n)
    if np.any(share_p + share_d > 1 + _COUNT_TOLERANCE):
        raise ParameterError("the promoter and detractor shares must not add up to more than 1")
    unit = np.maximum(share_p + share_d - (share_p - share_d) ** 2, 0.0)
    n_eff = _design_nobs(share_p - share_d, variance, unit, n)
    finite = np.isfinite(n_eff)
    m = np.where(finite, n_eff, 1.0)
    share_pa = np.maximum(1.0 - share_p - share_d, 0.0)
    low, high = _nps_limits(method, share_p * m, share_pa * m, share_d * m, m, z)
    estimate = share_p - share_d
    low = np.where(finite, low, np.where(np.isinf(n_eff), estimate, np.nan))
    high = np.where(finite, high, np.where(np.isinf(n_eff), estimate, np.nan))
    return _pair(low, high)


# --------------------------------------------------------------------------------------------
# differences between two independent samples
# --------------------------------------------------------------------------------------------

def wald_t(estimate, se, df, confidence=0.95):
    """The Wald interval and two-sided p-value of an estimate with a design standard error:
    ``estimate ± t(df) · se`` and ``P(|T_df| > |estimate| / se)``.

    The design's t of every mean, contrast, change and option difference. A group without
    degrees of freedom (``df <= 0``) has no interval; an estimate with ``se == 0`` has p 1 when
    it is 0 and p 0 otherwise.

    Returns
    -------
    (low, high, p_value) : arrays

    Notes
    -----
    R: ``confint(svycontrast(...), df = degf(design))`` and
    ``2 * pt(-abs(coef / SE), degf(design))``.

    Examples
    --------
    >>> low, high, p = wald_t([2.0], [1.0], [10.0])
    >>> [round(float(v), 4) for v in (low[0], high[0], p[0])]
    [-0.2281, 4.2281, 0.0734]
    """
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        usable = np.where(df > 0, df, np.nan)
        t = stats.t.isf((1 - _confidence_level(confidence)) / 2, usable)
        p_value = 2 * stats.t.sf(np.abs(estimate) / se, usable)
    p_value = np.where(se == 0, np.where(estimate == 0, 1.0, 0.0), p_value)
    return estimate - t * se, estimate + t * se, p_value


def _mover(estimate1, low1, high1, estimate2, low2, high2):
    """Zou & Donner (2008) limits for estimate1 - estimate2 from the two separate intervals."""
    difference = estimate1 - estimate2
    low = difference - np.sqrt((estimate1 - low1) ** 2 + (high2 - estimate2) ** 2)
    high = difference + np.sqrt((high1 - estimate1) ** 2 + (estimate2 - low2) ** 2)
    return low, high


def _two_sided_p(statistic, df):
    """Two-sided p-value of a z (or, with ``df``, t) statistic; +-inf gives 0."""
    statistic = np.abs(statistic)
    if df is None:
        return stats.norm.sf(statistic) * 2.0
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(df), 2.0 * stats.norm.sf(statistic),
                        2.0 * stats.t.sf(statistic, np.where(df > 0, df, np.nan)))


def _ratio_statistic(numerator, variance):
    """numerator / sqrt(variance); without variance the sign of the numerator decides."""
    positive = variance > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = numerator / np.sqrt(np.where(positive, variance, 1.0))
    at_boundary = np.where(numerator > 0, np.inf, np.where(numerator < 0, -np.inf, 0.0))
    return np.where(positive, statistic, np.where(np.isnan(numerator), np.nan, at_boundary))


def _restricted_shares(delta, count1, nobs1, count2, nobs2):
    """Maximum-likelihood (p1, p2) of two binomials under p1 - p2 = delta.

    Miettinen & Nurminen (1985) / Farrington & Manning (1990): p2 is the root in
    [max(0, -delta), min(1, 1 - delta)] of Miettinen & Nurminen's cubic, solved in closed
    (trigonometric) form; delta = 0 gives the pooled share. (statsmodels 0.15 has count0 where
    nobs0 belongs in the linear coefficient, statsmodels issue #10269, so its score limits
    differ from these by up to ~6e-3.)
    """
    nobs = nobs1 + nobs2
    count = count1 + count2
    a3 = nobs
    a2 = (nobs1 + 2.0 * nobs2) * delta - nobs - count
    a1 = (nobs2 * delta - nobs - 2.0 * count2) * delta + count
    a0 = count2 * delta * (1.0 - delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (a2 / (3.0 * a3)) ** 3 - a1 * a2 / (6.0 * a3**2) + a0 / (2.0 * a3)
        u = np.sign(v) * np.sqrt(np.maximum((a2 / (3.0 * a3)) ** 2 - a1 / (3.0 * a3), 0.0))
        angle = (np.pi + np.arccos(np.clip(v / u**3, -1.0, 1.0))) / 3.0
        p2 = 2.0 * u * np.cos(angle) - a2 / (3.0 * a3)
        pooled = count / nobs
    p2 = np.where(np.isfinite(p2), p2, pooled)  # u = 0: the triple root is -a2 / 3a3
    p2 = np.where(u == 0, -a2 / (3.0 * a3), p2)
    p2 = np.where(delta == 0, pooled, p2)
    p2 = np.clip(p2, np.maximum(0.0, -delta), np.minimum(1.0, 1.0 - delta))
    return p2 + delta, p2


def _score_statistic(delta, count1, nobs1, count2, nobs2, correction):
    """Score statistic for H0: p1 - p2 = delta (decreasing in delta)."""
    p1, p2 = _restricted_shares(delta, count1, nobs1, count2, nobs2)
    variance = p1 * (1.0 - p1) / nobs1 + p2 * (1.0 - p2) / nobs2
    if correction:
        nobs = nobs1 + nobs2
        variance = variance * nobs / (nobs - 1.0)
    return _ratio_statistic(count1 / nobs1 - count2 / nobs2 - delta, variance)


def _score_difference_limits(count1, nobs1, count2, nobs2, z, correction):
    shape = np.broadcast(count1, nobs1, count2, nobs2, z).shape
    difference = np.broadcast_to(count1 / nobs1 - count2 / nobs2, shape)
    p1, p2 = count1 / nobs1, count2 / nobs2
    half = np.broadcast_to(z * np.sqrt(p1 * (1.0 - p1) / nobs1 + p2 * (1.0 - p2) / nobs2),
                           shape)   # Wald: the first guess
    statistic = lambda d: _score_statistic(d, count1, nobs1, count2, nobs2, correction)  # noqa: E731
    # both limits in one vectorised search (axis 0: low, high)
    z = np.broadcast_to(z, shape)
    low, high = _bracketed_root(statistic, np.stack([z, -z]),
                                np.stack([np.full(shape, -1.0), difference]),
                                np.stack([difference, np.full(shape, 1.0)]),
                                np.stack([difference - half, difference + half]))
    low = np.where(difference <= -1.0, -1.0, low)
    high = np.where(difference >= 1.0, 1.0, high)
    return low, high


def _quantile_at_deviate(deviate, df):
    """Two-sided quantile at alpha = 2 Phi(-deviate): the normal deviate itself, or the t
    quantile with ``df`` (NaN where df is 0 or NaN, as :func:`_quantile`). The same values as
    ``_quantile(1 - alpha, df)`` through scipy.special's ufuncs, which cost ~0.5 us against
    ~30 us for scipy.stats' methods, and without rounding alpha to 1 - alpha."""
    if df is None:
        return deviate
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(df), deviate,
                        -special.stdtrit(np.where(df > 0, df, np.nan), special.ndtr(-deviate)))


def _invert_to_pvalue(limits, df, shape, guess=None):
    """The p-value of a nested interval family: the largest alpha at which the 1 - alpha
    interval still covers 0.

    Parameters
    ----------
    limits : callable
        ``limits(quantile) -> (low, high)``, vectorised over a two-sided quantile; the
        intervals are nested (wider for a larger quantile) and a single point at quantile 0.
    df : None or numpy.ndarray
        Degrees of freedom of the quantile (None: normal).
    shape : tuple
        Shape of the p-values.
    guess : numpy.ndarray, optional
        Approximate quantile at which the interval reaches 0 (e.g. a Wald statistic), where
        the root finder starts.

    Returns
    -------
    numpy.ndarray
        p-values; NaN where ``df`` is 0 or NaN (no quantile), 1 where the interval at
        quantile 0 contains 0, ``2 Phi(-10)`` where even that interval excludes 0.

    Notes
    -----
    ``margin = min(-low, high)`` is >= 0 exactly when the interval covers 0 and, the
    intervals being nested, increases with the quantile; a limit that is NaN counts as not
    covering 0. The p-value is where the margin reaches 0, found by :func:`_bracketed_root`
    over the normal deviate s of alpha = 2 Phi(-s), s in [0, 10], rather than over alpha:
    the limits are smooth, close to linear functions of s (linear for a Wald interval) but
    of alpha only through a steep logarithm-like map near alpha = 0, and working in s keeps
    the relative precision of small p-values.

    The function handed to the root finder is ``-margin`` where the interval excludes 0 and
    ``-margin - 2 ftol`` where it covers 0 (ftol: the root finder's function tolerance, 2 eps
    times the size of the numbers the margin is made of, ``max(1, |estimate|)``: limits of
    shares and NPS are at most 1; not the margin at the upper end, which for t with few df
    is a quantile of 1e4 times a standard error). So a root within ``ftol`` can only
    be a quantile at which the interval just excludes 0, and the p-value is the boundary
    between excluding and covering, as the bisection over alpha found it, even where a limit
    stays at exactly 0 for every larger quantile (MOVER with a Wald component of zero width,
    a sample of only detractors, against a limit clipped at -1): not a point on that plateau.
    """
    def margin(deviate):
        low, high = limits(_quantile_at_deviate(deviate, df))
        return np.where(np.isnan(low) | np.isnan(high), -np.inf, np.minimum(-low, high))

    lower, upper = np.zeros(shape), np.full(shape, _PVALUE_MAX_DEVIATE)
    ends = margin(lower), margin(upper)
    # the margin is made of the estimate (|margin(0)|) and of limits of shares or NPS
    # (at most 1): its rounding level is a few eps times the larger of the two
    ftol = _ROOT_FRTOL * np.maximum(1.0, np.where(np.isfinite(ends[0]), np.abs(ends[0]), 0.0))

    def excess(deviate, covering=None):   # decreasing in the deviate; the p-value at 0
        m = margin(deviate) if covering is None else covering
        return np.where(m >= 0, -m - 2.0 * ftol, -m)

    if guess is not None and df is not None:   # the guess is a quantile of t: its deviate
        with np.errstate(invalid="ignore"):
            guess = np.where(np.isinf(df), guess, -special.ndtri(special.stdtr(
                np.where(df > 0, df, np.nan), -np.asarray(guess, dtype=float))))
    deviate = _bracketed_root(excess, 0.0, lower, upper, guess,
                              values=tuple(excess(None, m) for m in ends), ftol=ftol)
    p_value = 2.0 * special.ndtr(-deviate)
    if df is not None:
        p_value = np.where(df > 0, p_value, np.nan)
    return p_value


def _inverted_pvalue(limits, df, shape, low, high, want_p, guess=None):
    """p-value by inversion (:func:`_invert_to_pvalue`); for an interval only (``want_p``
    False) it is needed just to settle a possible tie, i.e. where a limit is within rounding
    error of 0, so the root finding over alpha is skipped (p = NaN leaves the interval as it
    is) unless one is."""
    near_tie = (np.abs(low) < _TIE) | (np.abs(high) < _TIE)
    if not want_p and not np.any(near_tie):
        return np.full(shape, np.nan)
    return _invert_to_pvalue(limits, df, shape, guess)


def _agree(low, high, p_value, level):
    """Make interval and test agree exactly: "excludes 0" <=> "p < 1 - level".

    Both come from one statistic, so they can differ only by rounding at a tie (a limit
    within about 1e-15 of 0 where the p-value is within about 1e-16 of alpha); the tie is
    resolved in favour of the p-value by moving that limit across 0 by one ulp.
    """
    significant = p_value < 1.0 - level
    covers = (low <= 0.0) & (0.0 <= high)
    tiny = np.nextafter(0.0, 1.0)
    right = low > -high   # the interval lies mostly above 0: its lower limit is the one at 0
    fix = significant & covers
    low = np.where(fix & right, tiny, low)
    high = np.where(fix & ~right, -tiny, high)
    fix = ~significant & ~covers & ~np.isnan(p_value)
    low = np.where(fix & (low > 0.0), 0.0, low)
    high = np.where(fix & (high < 0.0), 0.0, high)
    return low, high


def _share_difference(method, count1, nobs1, count2, nobs2, z, df, level, want_p):
    """Interval limits (without agreement fix) and p-value for one method."""
    p1, p2 = count1 / nobs1, count2 / nobs2
    difference = p1 - p2
    if method in ("score", "miettinen-nurminen"):
        correction = method == "miettinen-nurminen"
        low, high = _score_difference_limits(count1, nobs1, count2, nobs2, z, correction)
        statistic = _score_statistic(0.0, count1, nobs1, count2, nobs2, correction)
        p_value = _two_sided_p(statistic, df)
    elif method == "newcombe":
        def limits(quantile):
            low1, high1 = _wilson(count1, nobs1, quantile)
            low2, high2 = _wilson(count2, nobs2, quantile)
            return _mover(p1, low1, high1, p2, low2, high2)

        low, high = limits(z)
        shape = np.broadcast(count1, nobs1, count2, nobs2, z).shape
        wald = _ratio_statistic(difference, p1 * (1.0 - p1) / nobs1 + p2 * (1.0 - p2) / nobs2)
        p_value = _inverted_pvalue(limits, df, shape, low, high, want_p, np.abs(wald))
        p_value = np.where(difference == 0, 1.0, p_value)
    else:  # wald
        variance = p1 * (1.0 - p1) / nobs1 + p2 * (1.0 - p2) / nobs2
        half = z * np.sqrt(variance)
        low, high = difference - half, difference + half
        p_value = _two_sided_p(_ratio_statistic(difference, variance), df)
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0), p_value


def _share_difference_inputs(count1, nobs1, count2, nobs2, method, confidence, df,
                             want_p=True):
    method = _canonical_method(method, DIFFERENCE_METHODS, "difference", _DIFFERENCE_ALIASES)
    level = _confidence_level(confidence)
    df = _degrees_of_freedom(df)
    count1, nobs1, count2, nobs2 = _counts(count1=count1, nobs1=nobs1,
                                           count2=count2, nobs2=nobs2)
    _check_within(count1, nobs1, "count1", "nobs1")
    _check_within(count2, nobs2, "count2", "nobs2")
    empty = ~((nobs1 > 0) & (nobs2 > 0))
    nobs1, nobs2 = np.where(empty, 1.0, nobs1), np.where(empty, 1.0, nobs2)
    count1, count2 = np.minimum(count1, nobs1), np.minimum(count2, nobs2)
    missing = empty | np.isnan(count1 + count2 + nobs1 + nobs2)
    count1, count2 = np.where(missing, 0.0, count1), np.where(missing, 0.0, count2)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high, p_value = _share_difference(method, count1, nobs1, count2, nobs2,
                                               _quantile(level, df), df, level, want_p)
        low, high = _agree(low, high, p_value, level)
    missing = missing | (np.isnan(p_value) & want_p)
    return (np.where(missing, np.nan, low), np.where(missing, np.nan, high),
            np.where(missing, np.nan, p_value))


def difference_interval(count1, nobs1, count2, nobs2, method=DEFAULT_DIFFERENCE_METHOD,
                        confidence=0.95, df=None):
    """Confidence interval for the difference p1 - p2 of two shares from independent samples.

    Parameters
    ----------
    count1, nobs1 : float or array_like
        Count with the characteristic and base of sample 1 (e.g. this year); may be weighted
        or effective counts.
    count2, nobs2 : float or array_like
        The same for sample 2 (e.g. last year). All four are broadcast together.
    method : {"score", "miettinen-nurminen", "newcombe", "wald"}, optional
        Default :data:`DEFAULT_DIFFERENCE_METHOD` (``"score"``). Each method is one half of a
        consistent pair with :func:`difference_pvalue` of the same method.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.
    df : float or array_like, optional
        Degrees of freedom for a t quantile (design-based effective counts); default normal.

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the -1..1 scale; NaN where either base is 0.

    Notes
    -----
    ``"score"`` (Mee 1984; Farrington & Manning 1990) is
    :math:`\\{\\Delta: |T(\\Delta)| \\le z\\}` with the score statistic
    :math:`T(\\Delta) = (\\hat p_1 - \\hat p_2 - \\Delta)/\\sqrt{\\tilde p_1(1-\\tilde p_1)/n_1 +
    \\tilde p_2(1-\\tilde p_2)/n_2}`, :math:`\\tilde p_i` the maximum-likelihood shares under
    :math:`p_1 - p_2 = \\Delta` (closed-form root of Miettinen & Nurminen's cubic), both limits
    by Chandrupatla's vectorised root finder. At :math:`\\Delta = 0` the :math:`\\tilde p_i`
    are the pooled share and :math:`T(0)^2` is Pearson's chi-square, so the interval excludes 0
    exactly when ``prop.test(correct = FALSE)`` rejects. This is the interval of statsmodels
    ``confint_proportions_2indep(method="score", correction=False)``, but statsmodels 0.15
    computes the restricted MLE with a wrong linear coefficient of the cubic (issue #10269,
    open) and so misplaces the limits by up to ~6e-3; the limits here are therefore validated
    against an independent inversion (numerical maximisation of the restricted likelihood and
    Brent's root finder) to 2e-7, and the p-value at 0 against statsmodels to 1e-10.

    ``"miettinen-nurminen"`` multiplies the variance by :math:`N/(N-1)`,
    :math:`N = n_1 + n_2` (Miettinen & Nurminen 1985; statsmodels' default
    ``correction=True``), validated in the same two ways.

    ``"newcombe"`` is Newcombe's (1998) method 10, the hybrid score interval: with
    :math:`(l_i, u_i)` the Wilson limits of :math:`\\hat p_i`,

    .. math:: L = \\hat p_1 - \\hat p_2 - \\sqrt{(\\hat p_1 - l_1)^2 + (u_2 - \\hat p_2)^2},\\quad
              U = \\hat p_1 - \\hat p_2 + \\sqrt{(u_1 - \\hat p_1)^2 + (\\hat p_2 - l_2)^2}.

    Validated against Newcombe (1998, Table II) and statsmodels
    ``confint_proportions_2indep(method="newcomb")`` to 1e-10.

    ``"wald"`` is :math:`\\hat p_1 - \\hat p_2 \\pm z\\sqrt{\\hat p_1(1-\\hat p_1)/n_1 +
    \\hat p_2(1-\\hat p_2)/n_2}`, clipped to [-1, 1].

    **Interval and test never disagree.** For every method, the interval at ``confidence``
    excludes 0 if and only if ``difference_pvalue(..., method)`` is below
    ``1 - confidence``: both are built on one statistic, and a tie within rounding error is
    resolved in favour of the p-value (a limit moves across 0 by one ulp). Proved on a grid of
    all tables with n <= 15 per sample and on weighted counts in the tests.

    **Why "score" is the default.** Its test is the one an analyst reproduces with
    ``prop.test(correct = FALSE)`` or ``scipy.stats.chi2_contingency(correction=False)`` (the
    p-value ``kirc`` has always reported), its interval is the exact inversion of that test,
    and score intervals for two independent proportions have coverage close to nominal with
    no aberrations at 0 or n (Newcombe 1998: methods 10 and 11 of the eleven compared;
    Fagerland, Lydersen & Laake 2015 recommend Miettinen-Nurminen and Newcombe; the
    uncorrected score interval differs from Miettinen-Nurminen only by the factor
    :math:`\\sqrt{N/(N-1)}` on the standard error).

    in R: ``prop.test(c(x1, x2), c(n1, n2), correct = FALSE)`` (the test of ``"score"``);
    ``DescTools::BinomDiffCI(x1, n1, x2, n2, method = "mee")`` (``"score"``), ``method =
    "mn"`` (``"miettinen-nurminen"``), ``method = "score"`` (``"newcombe"``, method 10),
    ``method = "wald"``.

    References
    ----------
    .. [1] Mee RW (1984). Confidence bounds for the difference between two probabilities.
       Biometrics 40:1175-1176.
    .. [2] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Stat Med
       4:213-226.
    .. [3] Farrington CP, Manning G (1990). Test statistics and sample size formulae for
       comparative binomial trials with null hypothesis of non-zero risk difference or
       non-unity relative risk. Stat Med 9:1447-1454.
    .. [4] Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Stat Med 17:873-890.
    .. [5] Fagerland MW, Lydersen S, Laake P (2015). Recommended confidence intervals for two
       independent binomial proportions. Stat Methods Med Res 24:224-254.

    Examples
    --------
    >>> import numpy as np
    >>> low, high = difference_interval(56, 70, 48, 80)              # score (default)
    >>> print(np.round(low, 4), np.round(high, 4))
    0.0533 0.3377
    >>> low, high = difference_interval(56, 70, 48, 80, "newcombe")  # Newcombe (1998) (a)
    >>> print(np.round(low, 4), np.round(high, 4))
    0.0524 0.3339
    """
    low, high, _ = _share_difference_inputs(count1, nobs1, count2, nobs2, method, confidence,
                                            df, want_p=False)
    return _pair(low, high)


def difference_pvalue(count1, nobs1, count2, nobs2, method=DEFAULT_DIFFERENCE_METHOD, df=None):
    """Two-sided p-value of p1 = p2 for two independent samples, paired with an interval.

    Parameters
    ----------
    count1, nobs1, count2, nobs2 : float or array_like
        Counts and bases of the two samples; broadcast together.
    method : {"score", "miettinen-nurminen", "newcombe", "wald"}, optional
        The test that belongs to :func:`difference_interval` with the same method. Default
        :data:`DEFAULT_DIFFERENCE_METHOD` (``"score"``, the pooled z-test; the only test of
        earlier versions, so the default p-value is unchanged).
    df : float or array_like, optional
        Degrees of freedom for a t reference distribution; default normal.

    Returns
    -------
    numpy.ndarray
        p-values; NaN where either base is 0; 1 where the two shares are equal and there is
        no variance (both samples all 0 or all 1).

    Notes
    -----
    * ``"score"``: :math:`z = (\\hat p_1 - \\hat p_2)/\\sqrt{\\bar p(1-\\bar p)(1/n_1 + 1/n_2)}`
      with the pooled :math:`\\bar p = (x_1 + x_2)/(n_1 + n_2)`, :math:`p = 2\\Phi(-|z|)`;
      :math:`z^2` is Pearson's chi-square without continuity correction. Validated against
      ``scipy.stats.chi2_contingency(correction=False)``, statsmodels ``proportions_ztest`` and
      ``test_proportions_2indep(method="score", correction=False)``.
    * ``"miettinen-nurminen"``: the same :math:`z` times :math:`\\sqrt{(N-1)/N}`; validated
      against statsmodels ``test_proportions_2indep(method="score")`` (``correction=True``).
    * ``"newcombe"``: the interval has no test of its own, so the p-value is obtained by
      inverting it: the largest :math:`\\alpha` at which the :math:`1-\\alpha` interval still
      covers 0 (the intervals are nested; found by Chandrupatla's root finder over the
      normal deviate of :math:`\\alpha`). A p-value below :math:`2\\Phi(-10) = 1.5 \\times
      10^{-23}` is returned as that bound.
    * ``"wald"``: unpooled :math:`z = (\\hat p_1 - \\hat p_2)/\\sqrt{\\hat p_1(1-\\hat p_1)/n_1
      + \\hat p_2(1-\\hat p_2)/n_2}`; validated against statsmodels
      ``test_proportions_2indep(method="wald")``.

    For each method ``p < 1 - confidence`` exactly when ``difference_interval(...,
    method, confidence)`` excludes 0.

    in R: ``prop.test(c(x1, x2), c(n1, n2), correct = FALSE)$p.value`` (``"score"``).

    References
    ----------
    .. [1] Agresti A (2013). Categorical Data Analysis, 3rd ed., section 3.2. Wiley.
    .. [2] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Stat Med
       4:213-226.

    Examples
    --------
    >>> import numpy as np
    >>> print(np.round(difference_pvalue(56, 70, 48, 80), 5))
    0.00805
    >>> print(np.round(difference_pvalue(56, 70, 48, 80, "newcombe"), 5))
    0.00813
    """
    _, _, p_value = _share_difference_inputs(count1, nobs1, count2, nobs2, method, 0.95, df)
    return np.asarray(p_value, dtype=float)


# --------------------------------------------------------------------------------------------
# NPS differences
# --------------------------------------------------------------------------------------------

def _nps_variance(promoters, detractors, total):
    share_p, share_d = promoters / total, detractors / total
    return np.maximum(share_p + share_d - (share_p - share_d) ** 2, 0.0) / total


def _nps_difference_inputs(cells, method, component, confidence, df, want_p=True):
    method = _canonical_method(method, NPS_DIFFERENCE_METHODS, "NPS difference")
    component = _canonical_method(component, NPS_METHODS, "NPS")
    if method == "mover" and component == "bootstrap":
        raise ParameterError("component='bootstrap' cannot be combined by MOVER into a test; "
                             "use 'adjusted-wald' or 'score'")
    level = _confidence_level(confidence)
    df = _degrees_of_freedom(df)
    p1, pa1, d1, p2, pa2, d2 = _counts(**cells)
    total1, total2 = p1 + pa1 + d1, p2 + pa2 + d2
    missing = ~((total1 > 0) & (total2 > 0)) | np.isnan(total1 + total2)
    p1, pa1, d1, p2, pa2, d2 = (np.where(missing, 1.0, x) for x in (p1, pa1, d1, p2, pa2, d2))
    total1, total2 = p1 + pa1 + d1, p2 + pa2 + d2
    nps1, nps2 = (p1 - d1) / total1, (p2 - d2) / total2
    difference = nps1 - nps2
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mover":
            shape = np.broadcast(difference, _quantile(level, df)).shape
            # both samples in one call (axis 0: sample 1, sample 2), half the numpy calls
            both = [np.stack(np.broadcast_arrays(*pair, np.zeros(shape))[:2])
                    for pair in ((p1, p2), (pa1, pa2), (d1, d2), (total1, total2))]

            def limits(quantile):
                (low1, low2), (high1, high2) = _nps_limits(component, *both, quantile)
                return _mover(nps1, low1, high1, nps2, low2, high2)

            low, high = limits(_quantile(level, df))
            wald = _ratio_statistic(difference, _nps_variance(p1, d1, total1)
                                    + _nps_variance(p2, d2, total2))
            p_value = _inverted_pvalue(limits, df, shape, low, high, want_p, np.abs(wald))
            p_value = np.where(difference == 0, 1.0, p_value)
        else:
            variance = _nps_variance(p1, d1, total1) + _nps_variance(p2, d2, total2)
            half = _quantile(level, df) * np.sqrt(variance)
            low, high = difference - half, difference + half
            p_value = _two_sided_p(_ratio_statistic(difference, variance), df)
        low, high = np.clip(low, -2.0, 2.0), np.clip(high, -2.0, 2.0)
        low, high = _agree(low, high, p_value, level)
    missing = missing | (np.isnan(p_value) & want_p)
    return (np.where(missing, np.nan, low), np.where(missing, np.nan, high),
            np.where(missing, np.nan, p_value))


def nps_difference_interval(promoters1, passives1, detractors1, promoters2, passives2,
                            detractors2, method=DEFAULT_NPS_DIFFERENCE_METHOD, confidence=0.95,
                            df=None, *, component=DEFAULT_NPS_DIFFERENCE_COMPONENT):
    """Confidence interval for NPS1 - NPS2 of two independent samples.

    Parameters
    ----------
    promoters1, passives1, detractors1 : float or array_like
        Counts of sample 1 (e.g. this year); may be weighted or effective counts.
    promoters2, passives2, detractors2 : float or array_like
        Counts of sample 2 (e.g. last year). All six are broadcast together.
    method : {"mover", "wald"}, optional
        Default :data:`DEFAULT_NPS_DIFFERENCE_METHOD` (``"mover"``). Each is one half of a
        consistent pair with :func:`nps_difference_pvalue` of the same method.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.
    df : float or array_like, optional
        Degrees of freedom for t quantiles (design-based effective counts).
    component : str, optional
        Single-sample NPS method combined by ``"mover"`` (``"adjusted-wald"``, ``"score"`` or
        ``"wald"``); default :data:`DEFAULT_NPS_DIFFERENCE_COMPONENT` (``"score"``).

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the -2..2 scale; NaN where either sample is empty.

    Notes
    -----
    ``"mover"`` is the method of variance estimates recovery (Zou & Donner 2008): with
    :math:`(l_i, u_i)` the single-sample intervals of :math:`\\widehat{NPS}_i`,

    .. math:: L = \\hat d - \\sqrt{(\\widehat{NPS}_1 - l_1)^2 + (u_2 - \\widehat{NPS}_2)^2},\\quad
              U = \\hat d + \\sqrt{(u_1 - \\widehat{NPS}_1)^2 + (\\widehat{NPS}_2 - l_2)^2}.

    The :math:`\\widehat{NPS}_i` are the observed scores, as Newcombe uses the observed shares
    with Wilson limits. This is Newcombe's (1998) method 10 with NPS intervals in place of
    Wilson's: the score NPS interval of a sample without passives is
    :math:`2 \\times \\text{Wilson} - 1`, so with ``component="score"`` and no passives the
    result is exactly twice Newcombe's interval for the difference in promoter shares (checked
    in the tests). Exact coverage at 95 % (every pair of outcomes enumerated; 150 random
    pairs of true shares from the 2.5 % grid of :func:`nps_interval`, n per year;
    ``python benchmarks/coverage_nps.py --change``), mean / lowest in %:

    ==============  ===========  ===========  ===========  ===========
    component       n = 20       n = 30       n = 50       n = 100
    ==============  ===========  ===========  ===========  ===========
    score           95.48/94.68  95.24/94.76  95.13/94.77  95.07/94.91
    adjusted-wald   94.93/93.82  94.94/94.12  94.96/94.48  94.97/94.70
    ==============  ===========  ===========  ===========  ===========

    Score components (the default) are slightly conservative but never far below 95 %, and
    give the test a type-I error closer to 5 % (:func:`nps_difference_pvalue`).

    ``"wald"`` is :math:`\\hat d \\pm z\\sqrt{v_1 + v_2}`,
    :math:`v_i = (\\hat p_{P,i} + \\hat p_{D,i} - \\widehat{NPS}_i^2)/n_i`, clipped to [-2, 2].

    The interval excludes 0 exactly when :func:`nps_difference_pvalue` with the same method
    (and component) is below ``1 - confidence``.

    in R: no package implements it; the MOVER limits are those of Newcombe's method 10
    (``DescTools::BinomDiffCI(method = "score")``) times two for samples without passives.

    References
    ----------
    .. [1] Zou GY, Donner A (2008). Construction of confidence limits about effect measures:
       a general approach. Stat Med 27:1693-1702.
    .. [2] Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Stat Med 17:873-890.
    .. [3] Rocks B (2016). Interval estimation for the "Net Promoter Score". The American
       Statistician 70:365-372 (arXiv:1601.07235).
    .. [4] Tango T (1998). Equivalence test and confidence interval for the difference in
       proportions for the paired-sample design. Stat Med 17:891-908.

    Examples
    --------
    >>> import numpy as np
    >>> low, high = nps_difference_interval(45, 30, 25, 35, 35, 30)  # 0.20 - 0.05
    >>> print(np.round(low, 4), np.round(high, 4))
    -0.0753 0.369
    >>> low, high = nps_difference_interval(45, 30, 25, 35, 35, 30, component="adjusted-wald")
    >>> print(np.round(low, 4), np.round(high, 4))
    -0.0733 0.3671
    """
    cells = dict(promoters1=promoters1, passives1=passives1, detractors1=detractors1,
                 promoters2=promoters2, passives2=passives2, detractors2=detractors2)
    low, high, _ = _nps_difference_inputs(cells, method, component, confidence, df,
                                          want_p=False)
    return _pair(low, high)


def nps_difference_pvalue(promoters1, passives1, detractors1, promoters2, passives2,
                          detractors2, method=DEFAULT_NPS_DIFFERENCE_METHOD, df=None, *,
                          component=DEFAULT_NPS_DIFFERENCE_COMPONENT):
    """Two-sided p-value of NPS1 = NPS2 for two independent samples, paired with an interval.

    Parameters
    ----------
    promoters1, passives1, detractors1, promoters2, passives2, detractors2 : array_like
        Counts of the two samples; may be weighted; broadcast together.
    method : {"mover", "wald"}, optional
        The test belonging to :func:`nps_difference_interval` of the same method; default
        :data:`DEFAULT_NPS_DIFFERENCE_METHOD` (``"mover"``). (Earlier versions always used the
        Wald test, which contradicted the MOVER interval near p = 0.05.)
    df : float or array_like, optional
        Degrees of freedom for t quantiles (design-based effective counts).
    component : str, optional
        Single-sample method combined by ``"mover"``; default
        :data:`DEFAULT_NPS_DIFFERENCE_COMPONENT` (``"score"``).

    Returns
    -------
    numpy.ndarray
        p-values; NaN where either sample is empty; 1 where the two NPS are equal.

    Notes
    -----
    ``"mover"``: the MOVER interval has no test of its own; the p-value inverts it, as the
    largest :math:`\\alpha` at which the :math:`1-\\alpha` interval still covers 0
    (found by Chandrupatla's root finder over the normal deviate of :math:`\\alpha`; a p-value
    below :math:`2\\Phi(-10) = 1.5 \\times 10^{-23}` is returned as that bound).

    ``"wald"``: :math:`z = (\\widehat{NPS}_1 - \\widehat{NPS}_2)/\\sqrt{v_1 + v_2}` with the
    unpooled trinomial variances :math:`v_i = (\\hat p_{P,i} + \\hat p_{D,i} -
    \\widehat{NPS}_i^2)/n_i`, :math:`p = 2\\Phi(-|z|)`. Unpooled, because NPS1 = NPS2 does not
    make the two trinomials equal, so there is no pooled estimate under the null. Validated by
    hand and, without passives, against statsmodels ``test_proportions_2indep(method="wald")``.

    Exact type-I error at 5 % (both samples of size n from the same trinomial; every pair of
    outcomes enumerated; 741 true promoter and detractor shares on the 2.5 % grid of
    :func:`nps_interval`; ``python benchmarks/coverage_nps.py --type1``), mean / largest in %:

    ===========================  ===========  ===========  ===========  ===========
    test                         n = 20       n = 30       n = 50       n = 100
    ===========================  ===========  ===========  ===========  ===========
    mover, score (default)       4.24/5.70    4.61/5.72    4.81/5.19    4.89/5.12
    mover, adjusted-wald         4.56/6.72    4.67/6.01    4.80/5.70    4.91/5.39
    wald                         6.39/7.21    5.85/6.28    5.52/5.70    5.26/5.38
    ===========================  ===========  ===========  ===========  ===========

    The earlier pair (Wald test, MOVER interval with adjusted-Wald components) disagreed about
    significance with probability up to 4.8 % (n = 20) and 4.7 % (n = 30) per pair of samples.

    in R: ``2 * pnorm(-abs(d) / sqrt(v1 + v2))`` (``"wald"``).

    References
    ----------
    .. [1] Rocks B (2016). Interval estimation for the "Net Promoter Score" (the trinomial
       variance of the NPS). The American Statistician 70:365-372 (arXiv:1601.07235).
    .. [2] Zou GY, Donner A (2008). Construction of confidence limits about effect measures:
       a general approach. Stat Med 27:1693-1702.

    Examples
    --------
    >>> import numpy as np
    >>> print(np.round(nps_difference_pvalue(45, 30, 25, 35, 35, 30), 4))
    0.192
    >>> print(np.round(nps_difference_pvalue(45, 30, 25, 35, 35, 30, "wald"), 4))
    0.1896
    """
    cells = dict(promoters1=promoters1, passives1=passives1, detractors1=detractors1,
                 promoters2=promoters2, passives2=passives2, detractors2=detractors2)
    _, _, p_value = _nps_difference_inputs(cells, method, component, 0.95, df)
    return np.asarray(p_value, dtype=float)
