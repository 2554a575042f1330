"""Confidence intervals and tests for shares, Net Promoter Scores and their changes.

Every function is vectorised: the counts may be scalars or NumPy arrays, which are broadcast
against each other, and each interval function returns a pair ``(low, high)`` of float
``numpy.ndarray`` with the broadcast shape (0-d arrays for scalar input). Shares are on the 0-1
scale, NPS on the -1..1 scale (multiply by 100 for the customary -100..100 points).

Counts may be non-integer (weighted or effective counts); a total of 0 gives ``(nan, nan)``,
and NaN counts give NaN limits. Negative counts, a count larger than its total, an unknown
method or a confidence level outside (0, 1) raise :class:`kirc.errors.ParameterError`.

Methods
-------
Single share (:func:`proportion_interval`)
    ``"wilson"`` (default; Wilson 1927), ``"clopper-pearson"`` (alias ``"beta"``; exact),
    ``"jeffreys"`` (equal-tailed Beta(1/2, 1/2) posterior), ``"agresti-coull"``, ``"wald"``.
    Validated against ``statsmodels.stats.proportion.proportion_confint`` to 1e-10.
Net Promoter Score (:func:`nps_interval`)
    ``"adjusted-wald"`` (default; Rocks 2016), ``"score"`` (Tango's 1998 score interval for
    the difference of two cells of one multinomial), ``"wald"`` and ``"bootstrap"`` (seeded
    percentile bootstrap of the trinomial). The default was chosen with the exact coverage
    study in ``benchmarks/coverage_nps.py`` (numbers in :func:`nps_interval`).
Difference of two independent shares (:func:`difference_interval`)
    ``"newcombe"`` (default; Newcombe's 1998 hybrid score method 10) and ``"wald"``.
Difference of two independent NPS (:func:`nps_difference_interval`)
    ``"mover"`` (default; Zou & Donner's method of variance estimates recovery applied to the
    two single-sample intervals, the NPS analogue of Newcombe's method 10) and ``"wald"``.
Tests for change (:func:`difference_pvalue`, :func:`nps_difference_pvalue`)
    Two-sided pooled z-test for two shares (= Pearson chi-square without continuity
    correction) and two-sided unpooled Wald z-test for two NPS.

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
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kirc.errors import ParameterError

__all__ = [
    "DEFAULT_NPS_METHOD",
    "DEFAULT_BOOTSTRAP_SEED",
    "PROPORTION_METHODS",
    "NPS_METHODS",
    "DIFFERENCE_METHODS",
    "NPS_DIFFERENCE_METHODS",
    "proportion_interval",
    "nps_interval",
    "difference_interval",
    "nps_difference_interval",
    "difference_pvalue",
    "nps_difference_pvalue",
]

#: Methods of :func:`proportion_interval` (``"beta"`` is accepted for ``"clopper-pearson"``).
PROPORTION_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald")
_PROPORTION_ALIASES = {"beta": "clopper-pearson"}

#: Methods of :func:`nps_interval`.
NPS_METHODS = ("adjusted-wald", "score", "wald", "bootstrap")

#: The NPS method used by default here and by :func:`nps_difference_interval` ("mover").
#: Chosen by the exact coverage study of ``benchmarks/coverage_nps.py``; see :func:`nps_interval`.
DEFAULT_NPS_METHOD = "adjusted-wald"

#: Seed of the bootstrap when none is given, so that reports are reproducible.
DEFAULT_BOOTSTRAP_SEED = 20180101

#: Methods of :func:`difference_interval`.
DIFFERENCE_METHODS = ("newcombe", "wald")

#: Methods of :func:`nps_difference_interval`.
NPS_DIFFERENCE_METHODS = ("mover", "wald")

# Pseudo-observations of Rocks' (2016) adjusted-Wald NPS interval: 3/4 promoter, 3/2 passive,
# 3/4 detractor (3 in all), whatever the confidence level.
_ROCKS_PROMOTERS = 0.75
_ROCKS_PASSIVES = 1.5
_ROCKS_DETRACTORS = 0.75

# Bisection halves the bracket each step; 64 halvings of a bracket of width <= 2 reach the
# spacing of doubles near the root, so more would not change the result.
_BISECTION_STEPS = 64

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


def _critical_value(confidence):
    """Two-sided standard-normal quantile for ``confidence``, after checking it."""
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ParameterError(f"confidence must be a number between 0 and 1, got {confidence!r}")
    if not 0.0 < level < 1.0:
        raise ParameterError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(stats.norm.isf((1.0 - level) / 2.0)), level


def _counts(**named):
    """Float arrays of the named counts, checked to be non-negative, broadcast together."""
    arrays = []
    for name, value in named.items():
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{name} must be numeric, got {value!r}") from exc
        if np.any(array < 0):  # NaN compares False and is passed through as missing
            raise ParameterError(f"{name} must not be negative, got {value!r}")
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


# --------------------------------------------------------------------------------------------
# single share
# --------------------------------------------------------------------------------------------

def proportion_interval(count, nobs, method="wilson", confidence=0.95):
    """Confidence interval for a share (binomial proportion).

    Parameters
    ----------
    count : float or array_like
        Number of respondents with the characteristic; may be a non-integer weighted count.
    nobs : float or array_like
        Number of respondents (the base). Broadcast against ``count``.
    method : {"wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald"}, optional
        ``"beta"`` is accepted for ``"clopper-pearson"``. Default ``"wilson"``.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the 0-1 scale, of the broadcast shape of the inputs; NaN where ``nobs`` is 0.

    Raises
    ------
    kirc.errors.ParameterError
        Unknown method, confidence outside (0, 1), negative counts or ``count > nobs``.

    Notes
    -----
    With :math:`\\hat p = x/n` and :math:`z` the two-sided normal quantile:

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

    As in statsmodels, the Wilson, Agresti-Coull and Wald limits are clipped to [0, 1].
    Validated against ``statsmodels.stats.proportion.proportion_confint`` (methods
    ``wilson``, ``beta``, ``jeffreys``, ``agresti_coull``, ``normal``) to 1e-10 on a grid of
    counts and totals including 0 and n (``tests/test_intervals.py``).

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

    Examples
    --------
    >>> import numpy as np
    >>> low, high = proportion_interval(56, 70)
    >>> print(np.round(low, 4), np.round(high, 4))
    0.6918 0.877
    >>> low, high = proportion_interval([0, 5, 10], 10, method="clopper-pearson")
    >>> print(np.round(low, 4), np.round(high, 4))
    [0.     0.1871 0.6915] [0.3085 0.8129 1.    ]
    """
    method = _canonical_method(method, PROPORTION_METHODS, "proportion", _PROPORTION_ALIASES)
    z, level = _critical_value(confidence)
    count, nobs = _counts(count=count, nobs=nobs)
    _check_within(count, nobs, "count", "nobs")
    count = np.minimum(count, nobs)
    tail = (1.0 - level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / nobs
        if method == "wilson":
            z2 = z * z
            denom = 1.0 + z2 / nobs
            centre = (p + z2 / (2.0 * nobs)) / denom
            half = z * np.sqrt(p * (1.0 - p) / nobs + z2 / (4.0 * nobs**2)) / denom
            low, high = centre - half, centre + half
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
        else:  # wald
            half = z * np.sqrt(p * (1.0 - p) / nobs)
            low, high = p - half, p + half
    low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
    empty = ~(nobs > 0)
    low, high = np.where(empty, np.nan, low), np.where(empty, np.nan, high)
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


def _bisect_decreasing(function, target, lower, upper):
    """Vectorised bisection for ``function(x) == target`` with ``function`` decreasing on
    [lower, upper] (``function(lower) >= target >= function(upper)``)."""
    lower, upper = lower.copy(), upper.copy()
    for _ in range(_BISECTION_STEPS):
        middle = 0.5 * (lower + upper)
        above = function(middle) > target
        lower = np.where(above, middle, lower)
        upper = np.where(above, upper, middle)
    return 0.5 * (lower + upper)


def _nps_score(promoters, detractors, total, z):
    estimate = (promoters - detractors) / total
    low = _bisect_decreasing(
        lambda d: _tango_statistic(d, promoters, detractors, total), z,
        np.full_like(estimate, -1.0), estimate)
    high = _bisect_decreasing(
        lambda d: _tango_statistic(d, promoters, detractors, total), -z,
        estimate, np.ones_like(estimate))
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
                 *, n_boot=2000, seed=None):
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
        :math:`H_0: NPS = \\Delta`. Both limits are found by vectorised bisection. It stays
        within [-1, 1], has non-zero width at 0 promoters or detractors, and reduces to
        :math:`2 \\times \\text{Wilson} - 1` when there are no passives. Validated against
        Tango (1998), Agresti & Min (2005) and Fagerland, Lydersen & Laake (2014) worked
        values.
    ``"adjusted-wald"``
        Rocks (2016), who found variants of the adjusted Wald and an iterative score
        interval to perform best: add 0.75 promoter, 1.5 passives and 0.75 detractor, then
        the Wald interval on the adjusted sample: with :math:`\\tilde n = n + 3`,
        :math:`\\tilde p_P = (b + 0.75)/\\tilde n`, :math:`\\tilde p_D = (c + 0.75)/\\tilde n`,
        :math:`\\widetilde{NPS} = \\tilde p_P - \\tilde p_D`, the interval is
        :math:`\\widetilde{NPS} \\pm z\\sqrt{(\\tilde p_P + \\tilde p_D
        - \\widetilde{NPS}^2)/\\tilde n}`.
        Validated against that formula computed by hand in the tests.
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
    confidence over 34 true (promoter, detractor) shares, each in {5, 10, 20, 35, 50, 65,
    80} % with at least 5 % passives. Mean / lowest coverage in %:

    ==============  ===========  ===========  ===========  ===========
    method          n = 20       n = 50       n = 100      n = 300
    ==============  ===========  ===========  ===========  ===========
    adjusted-wald   95.68/94.26  95.28/94.71  95.15/94.73  95.04/94.91
    score           95.87/94.64  95.05/94.43  95.04/94.78  95.01/94.81
    wald            91.75/85.80  93.75/92.15  94.36/93.55  94.79/94.57
    bootstrap       93.41/87.23  94.33/92.31  95.04/93.60  95.02/94.11
    ==============  ===========  ===========  ===========  ===========

    The project's criterion is a mean of 94.5-95.8 % and no point below 93.5 % from n = 20
    up. Checked at every n from 20 to 100 and at 120, 150, 200, 250, 300, 400, 500
    (``--dense``), the adjusted-Wald interval meets it everywhere (means 95.03-95.76 %,
    lowest point 93.97 % at n = 22); the score interval is a close second that is slightly
    conservative at the smallest samples (mean 95.87 % at n = 20 and 95.93 % at n = 21,
    lowest point 93.74 % at n = 42). Wald and the percentile bootstrap under-cover small
    samples. ``tests/test_intervals.py`` re-checks the default for n = 20 and 50.

    Caveat of the adjusted-Wald interval: its pseudo-counts do not grow with the confidence
    level, so for a single respondent, or at confidence levels far below 95 % with all
    respondents in one category, the interval can exclude the observed NPS (e.g. one
    promoter at 95 %: -0.485 to 0.985). The score interval always contains it.

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
    z, level = _critical_value(confidence)
    promoters, passives, detractors = _counts(
        promoters=promoters, passives=passives, detractors=detractors)
    total = promoters + passives + detractors
    empty = ~(total > 0)
    if method == "bootstrap":
        if int(n_boot) != n_boot or n_boot < 1:
            raise ParameterError(f"n_boot must be a positive whole number, got {n_boot!r}")
        seed = DEFAULT_BOOTSTRAP_SEED if seed is None else seed
        low, high = _nps_bootstrap(promoters, passives, detractors, total, level,
                                   int(n_boot), seed)
        return _pair(low, high)
    safe_total = np.where(empty, 1.0, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "score":
            low, high = _nps_score(promoters, detractors, safe_total, z)
        elif method == "adjusted-wald":
            low, high = _nps_wald(promoters + _ROCKS_PROMOTERS,
                                  detractors + _ROCKS_DETRACTORS,
                                  safe_total + _ROCKS_PROMOTERS + _ROCKS_PASSIVES
                                  + _ROCKS_DETRACTORS, z)
        else:  # wald
            low, high = _nps_wald(promoters, detractors, safe_total, z)
    low, high = np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
    low, high = np.where(empty, np.nan, low), np.where(empty, np.nan, high)
    return _pair(low, high)


# --------------------------------------------------------------------------------------------
# differences between two independent samples
# --------------------------------------------------------------------------------------------

def _mover(estimate1, low1, high1, estimate2, low2, high2):
    """Zou & Donner (2008) limits for estimate1 - estimate2 from the two separate intervals."""
    difference = estimate1 - estimate2
    low = difference - np.sqrt((estimate1 - low1) ** 2 + (high2 - estimate2) ** 2)
    high = difference + np.sqrt((high1 - estimate1) ** 2 + (estimate2 - low2) ** 2)
    return low, high


def difference_interval(count1, nobs1, count2, nobs2, method="newcombe", confidence=0.95):
    """Confidence interval for the difference p1 - p2 of two shares from independent samples.

    Parameters
    ----------
    count1, nobs1 : float or array_like
        Count with the characteristic and base of sample 1 (e.g. this year).
    count2, nobs2 : float or array_like
        The same for sample 2 (e.g. last year). All four are broadcast together.
    method : {"newcombe", "wald"}, optional
        Default ``"newcombe"``.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.

    Returns
    -------
    low, high : numpy.ndarray
        Limits on the -1..1 scale; NaN where either base is 0.

    Notes
    -----
    ``"newcombe"`` is Newcombe's (1998) method 10, the hybrid score interval: with
    :math:`(l_i, u_i)` the Wilson limits of :math:`\\hat p_i`,

    .. math:: L = \\hat p_1 - \\hat p_2 - \\sqrt{(\\hat p_1 - l_1)^2 + (u_2 - \\hat p_2)^2},\\quad
              U = \\hat p_1 - \\hat p_2 + \\sqrt{(u_1 - \\hat p_1)^2 + (\\hat p_2 - l_2)^2}.

    ``"wald"`` is :math:`\\hat p_1 - \\hat p_2 \\pm z\\sqrt{\\hat p_1(1-\\hat p_1)/n_1 +
    \\hat p_2(1-\\hat p_2)/n_2}`, clipped to [-1, 1].

    Validated against the worked examples of Newcombe (1998, Table II) and against
    ``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")`` to 1e-10.

    References
    ----------
    .. [1] Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Stat Med 17:873-890.

    Examples
    --------
    >>> import numpy as np
    >>> low, high = difference_interval(56, 70, 48, 80)   # Newcombe (1998) example (a)
    >>> print(np.round(low, 4), np.round(high, 4))
    0.0524 0.3339
    """
    method = _canonical_method(method, DIFFERENCE_METHODS, "difference")
    z, level = _critical_value(confidence)
    count1, nobs1, count2, nobs2 = _counts(count1=count1, nobs1=nobs1,
                                           count2=count2, nobs2=nobs2)
    _check_within(count1, nobs1, "count1", "nobs1")
    _check_within(count2, nobs2, "count2", "nobs2")
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = np.minimum(count1, nobs1) / nobs1, np.minimum(count2, nobs2) / nobs2
        if method == "newcombe":
            low1, high1 = proportion_interval(count1, nobs1, "wilson", level)
            low2, high2 = proportion_interval(count2, nobs2, "wilson", level)
            low, high = _mover(p1, low1, high1, p2, low2, high2)
        else:
            half = z * np.sqrt(p1 * (1 - p1) / nobs1 + p2 * (1 - p2) / nobs2)
            low, high = p1 - p2 - half, p1 - p2 + half
    low, high = np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
    empty = ~((nobs1 > 0) & (nobs2 > 0))
    return _pair(np.where(empty, np.nan, low), np.where(empty, np.nan, high))


def nps_difference_interval(promoters1, passives1, detractors1, promoters2, passives2,
                            detractors2, method="mover", confidence=0.95, *,
                            component=DEFAULT_NPS_METHOD):
    """Confidence interval for NPS1 - NPS2 of two independent samples.

    Parameters
    ----------
    promoters1, passives1, detractors1 : float or array_like
        Counts of sample 1 (e.g. this year); may be weighted.
    promoters2, passives2, detractors2 : float or array_like
        Counts of sample 2 (e.g. last year). All six are broadcast together.
    method : {"mover", "wald"}, optional
        Default ``"mover"``.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.
    component : str, optional
        Single-sample NPS method combined by ``"mover"`` (one of :data:`NPS_METHODS`);
        default :data:`DEFAULT_NPS_METHOD`.

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
    in the tests). With the default adjusted-Wald components, a seeded simulation (20,000
    pairs of samples per configuration, 150 random pairs of grid shares per n, equal n)
    gave mean coverage 95.2 / 95.1 / 95.1 % at n = 20 / 50 / 100, lowest 93.9 / 94.3 /
    94.6 %; the interval is conservative (up to 98 % at n = 20) when promoters and
    detractors are both rare. The tests re-check five typical configurations.

    ``"wald"`` is :math:`\\hat d \\pm z\\sqrt{v_1 + v_2}`,
    :math:`v_i = (\\hat p_{P,i} + \\hat p_{D,i} - \\widehat{NPS}_i^2)/n_i`, clipped to [-2, 2].

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
    -0.0733 0.3671
    """
    method = _canonical_method(method, NPS_DIFFERENCE_METHODS, "NPS difference")
    component = _canonical_method(component, NPS_METHODS, "NPS")
    z, level = _critical_value(confidence)
    p1, pa1, d1, p2, pa2, d2 = _counts(promoters1=promoters1, passives1=passives1,
                                       detractors1=detractors1, promoters2=promoters2,
                                       passives2=passives2, detractors2=detractors2)
    total1, total2 = p1 + pa1 + d1, p2 + pa2 + d2
    empty = ~((total1 > 0) & (total2 > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        nps1, nps2 = (p1 - d1) / total1, (p2 - d2) / total2
        if method == "mover":
            low1, high1 = nps_interval(p1, pa1, d1, component, level)
            low2, high2 = nps_interval(p2, pa2, d2, component, level)
            low, high = _mover(nps1, low1, high1, nps2, low2, high2)
        else:
            half = z * np.sqrt(_nps_variance(p1, d1, total1) + _nps_variance(p2, d2, total2))
            low, high = nps1 - nps2 - half, nps1 - nps2 + half
    low, high = np.clip(low, -2.0, 2.0), np.clip(high, -2.0, 2.0)
    return _pair(np.where(empty, np.nan, low), np.where(empty, np.nan, high))


# --------------------------------------------------------------------------------------------
# tests for change
# --------------------------------------------------------------------------------------------

def _nps_variance(promoters, detractors, total):
    share_p, share_d = promoters / total, detractors / total
    return np.maximum(share_p + share_d - (share_p - share_d) ** 2, 0.0) / total


def _two_sided_p(difference, variance):
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(difference) / np.sqrt(variance)
    p = 2.0 * stats.norm.sf(z)
    # Without sampling variance the test is decided by the estimates alone.
    degenerate = variance == 0
    p = np.where(degenerate & (difference == 0), 1.0, p)
    p = np.where(degenerate & (difference != 0), 0.0, p)
    return p


def difference_pvalue(count1, nobs1, count2, nobs2):
    """Two-sided p-value of the pooled z-test of p1 = p2 for two independent samples.

    Parameters
    ----------
    count1, nobs1, count2, nobs2 : float or array_like
        Counts and bases of the two samples; broadcast together.

    Returns
    -------
    numpy.ndarray
        p-values; NaN where either base is 0; 1 where both samples are all 0 or all 1
        (no variance, equal estimates).

    Notes
    -----
    :math:`z = (\\hat p_1 - \\hat p_2)/\\sqrt{\\bar p(1-\\bar p)(1/n_1 + 1/n_2)}` with the pooled
    :math:`\\bar p = (x_1 + x_2)/(n_1 + n_2)`, :math:`p = 2\\Phi(-|z|)`. :math:`z^2` is Pearson's
    chi-square of the 2x2 table without continuity correction. Validated against
    ``scipy.stats.chi2_contingency(correction=False)`` and
    ``statsmodels.stats.proportion.proportions_ztest``.

    References
    ----------
    .. [1] Agresti A (2013). Categorical Data Analysis, 3rd ed., section 3.2. Wiley.

    Examples
    --------
    >>> import numpy as np
    >>> print(np.round(difference_pvalue(56, 70, 48, 80), 5))
    0.00805
    """
    count1, nobs1, count2, nobs2 = _counts(count1=count1, nobs1=nobs1,
                                           count2=count2, nobs2=nobs2)
    _check_within(count1, nobs1, "count1", "nobs1")
    _check_within(count2, nobs2, "count2", "nobs2")
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (count1 + count2) / (nobs1 + nobs2)
        variance = np.maximum(pooled * (1.0 - pooled), 0.0) * (1.0 / nobs1 + 1.0 / nobs2)
        p = _two_sided_p(count1 / nobs1 - count2 / nobs2, variance)
    empty = ~((nobs1 > 0) & (nobs2 > 0))
    return np.asarray(np.where(empty, np.nan, p), dtype=float)


def nps_difference_pvalue(promoters1, passives1, detractors1, promoters2, passives2,
                          detractors2):
    """Two-sided p-value of the Wald z-test of NPS1 = NPS2 for two independent samples.

    Parameters
    ----------
    promoters1, passives1, detractors1, promoters2, passives2, detractors2 : array_like
        Counts of the two samples; may be weighted; broadcast together.

    Returns
    -------
    numpy.ndarray
        p-values; NaN where either sample is empty; 1 where neither sample has variance and
        the two NPS are equal (0 where they differ).

    Notes
    -----
    :math:`z = (\\widehat{NPS}_1 - \\widehat{NPS}_2)/\\sqrt{v_1 + v_2}` with the unpooled
    trinomial variances :math:`v_i = (\\hat p_{P,i} + \\hat p_{D,i} - \\widehat{NPS}_i^2)/n_i`,
    :math:`p = 2\\Phi(-|z|)`. Unpooled, because NPS1 = NPS2 does not make the two trinomials
    equal, so there is no pooled estimate under the null. The test is not exactly dual to the
    ``"mover"`` interval of :func:`nps_difference_interval`: close to p = 0.05 the two may
    disagree on significance.

    References
    ----------
    .. [1] Rocks B (2016). Interval estimation for the "Net Promoter Score" (the trinomial
       variance of the NPS). The American Statistician 70:365-372 (arXiv:1601.07235).

    Examples
    --------
    >>> import numpy as np
    >>> print(np.round(nps_difference_pvalue(45, 30, 25, 35, 35, 30), 4))
    0.1896
    """
    p1, pa1, d1, p2, pa2, d2 = _counts(promoters1=promoters1, passives1=passives1,
                                       detractors1=detractors1, promoters2=promoters2,
                                       passives2=passives2, detractors2=detractors2)
    total1, total2 = p1 + pa1 + d1, p2 + pa2 + d2
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = (p1 - d1) / total1 - (p2 - d2) / total2
        variance = _nps_variance(p1, d1, total1) + _nps_variance(p2, d2, total2)
        p = _two_sided_p(difference, variance)
    empty = ~((total1 > 0) & (total2 > 0))
    return np.asarray(np.where(empty, np.nan, p), dtype=float)
