"""Tests of kirc.intervals against independent references.

References used: statsmodels (proportion_confint, confint_proportions_2indep, proportions_ztest,
test_proportions_2indep), scipy.stats.chi2_contingency, published worked examples (Newcombe
1998; Tango 1998; Agresti & Min 2005; Fagerland, Lydersen & Laake 2014), closed forms derived
by hand, and exact / simulated coverage.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from conftest import ROOT
from kirc.errors import ParameterError
from kirc.intervals import (  # noqa: I001  (the private helpers are tested directly)
    _bracketed_root,
    _invert_to_pvalue,
    _score_statistic,
    _tango_statistic,
    DEFAULT_BOOTSTRAP_SEED,
    DEFAULT_NPS_DIFFERENCE_COMPONENT,
    DEFAULT_NPS_METHOD,
    NPS_METHODS,
    PROPORTION_METHODS,
    design_nps_interval,
    design_proportion_interval,
    difference_interval,
    difference_pvalue,
    nps_difference_interval,
    nps_difference_pvalue,
    korn_graubard_nobs,
    nps_interval,
    proportion_interval,
)

Z95 = stats.norm.isf(0.025)

# kirc name -> statsmodels name
STATSMODELS_METHODS = {
    "wilson": "wilson",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
    "agresti-coull": "agresti_coull",
    "wald": "normal",
}


def _grid():
    """All counts 0..n for several n, including n = 1, as two flat arrays."""
    counts, totals = [], []
    for n in (1, 2, 3, 5, 10, 17, 50, 100, 1000):
        counts.extend(range(n + 1))
        totals.extend([n] * (n + 1))
    return np.array(counts, dtype=float), np.array(totals, dtype=float)


# --------------------------------------------------------------------------------------------
# proportion_interval
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", list(STATSMODELS_METHODS))
@pytest.mark.parametrize("confidence", [0.80, 0.95, 0.99])
def test_proportion_matches_statsmodels_on_grid(method, confidence):
    count, nobs = _grid()
    low, high = proportion_interval(count, nobs, method, confidence)
    ref_low, ref_high = proportion_confint(count, nobs, alpha=1 - confidence,
                                           method=STATSMODELS_METHODS[method])
    np.testing.assert_allclose(low, ref_low, rtol=0, atol=1e-10)
    np.testing.assert_allclose(high, ref_high, rtol=0, atol=1e-10)


@pytest.mark.parametrize("method", list(STATSMODELS_METHODS))
def test_proportion_matches_statsmodels_for_weighted_counts(method):
    count = np.array([0.0, 0.4, 3.7, 12.25, 12.4])
    nobs = np.full(5, 12.4)
    low, high = proportion_interval(count, nobs, method)
    ref_low, ref_high = proportion_confint(count, nobs, method=STATSMODELS_METHODS[method])
    np.testing.assert_allclose(low, ref_low, rtol=0, atol=1e-10)
    np.testing.assert_allclose(high, ref_high, rtol=0, atol=1e-10)


def test_proportion_boundary_conventions():
    # Clopper-Pearson: exactly 0 / 1 at the boundary; Wald: zero width;
    # Jeffreys (statsmodels convention, no Brown-Cai-DasGupta modification): strictly inside.
    low, high = proportion_interval([0, 10], 10, "clopper-pearson")
    assert low[0] == 0 and high[1] == 1
    # the one-sided exact limit at x = 0 is 1 - (alpha/2)^(1/n)
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)
    low, high = proportion_interval([0, 10], 10, "wald")
    np.testing.assert_array_equal(low, [0, 1])
    np.testing.assert_array_equal(high, [0, 1])
    low, high = proportion_interval([0, 10], 10, "jeffreys")
    assert 0 < low[0] < 1e-4 and 1 - 1e-4 < high[1] < 1
    low, high = proportion_interval([0, 1], 1, "agresti-coull")
    assert low.min() >= 0 and high.max() <= 1


def test_proportion_beta_alias_and_case():
    a = proportion_interval(3, 20, "beta")
    b = proportion_interval(3, 20, "Clopper-Pearson")
    np.testing.assert_array_equal(a, b)


def test_wilson_closed_form_by_hand():
    # Wilson (1927) for 1 of 29 (Newcombe 1998, single-proportion example): 0.0061 to 0.1718
    low, high = proportion_interval(1, 29)
    x, n, z = 1, 29, Z95
    centre = (x + z**2 / 2) / (n + z**2)
    half = z * np.sqrt(x * (n - x) / n + z**2 / 4) / (n + z**2)
    assert low == pytest.approx(centre - half, abs=1e-14)
    assert high == pytest.approx(centre + half, abs=1e-14)
    assert (round(float(low), 4), round(float(high), 4)) == (0.0061, 0.1718)


def test_proportion_empty_base_is_nan():
    low, high = proportion_interval([0, 3], [0, 10])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isfinite(low[1]) and np.isfinite(high[1])


def test_missing_counts_give_missing_limits():
    for low, high in (proportion_interval([np.nan, 3], [10, np.nan]),
                      nps_interval([np.nan, 3], 4, [2, 2], "score"),
                      nps_interval([np.nan, 3], 4, [2, 2], "bootstrap"),
                      difference_interval([np.nan, 3], 10, 2, 10)):
        assert np.isnan(low[0]) and np.isnan(high[0])
    low, high = proportion_interval([np.nan, 3], [10, 10])
    assert np.isfinite(low[1]) and np.isfinite(high[1])


def test_proportion_broadcasting_and_types():
    count = np.array([[0], [1], [5]])
    nobs = np.array([5, 10, 20, 40])
    low, high = proportion_interval(count, nobs)
    assert low.shape == high.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            one_low, one_high = proportion_interval(int(count[i, 0]), int(nobs[j]))
            assert isinstance(one_low, np.ndarray) and one_low.shape == ()
            assert low[i, j] == one_low and high[i, j] == one_high


@pytest.mark.parametrize("method", PROPORTION_METHODS)
def test_proportion_contains_estimate_and_is_monotone(method):
    n = 30
    count = np.arange(n + 1, dtype=float)
    low, high = proportion_interval(count, n, method)
    # The unmodified Jeffreys interval (statsmodels' convention) excludes 0 at x = 0 and 1 at
    # x = n; every other method contains the estimate everywhere.
    inner = slice(1, n) if method == "jeffreys" else slice(None)
    estimate = count / n
    assert np.all(low[inner] <= estimate[inner] + 1e-12)
    assert np.all(estimate[inner] <= high[inner] + 1e-12)
    assert np.all(np.diff(low) >= -1e-12) and np.all(np.diff(high) >= -1e-12)
    # wider at higher confidence
    low99, high99 = proportion_interval(count, n, method, 0.99)
    assert np.all(low99 <= low + 1e-12) and np.all(high99 >= high - 1e-12)


@pytest.mark.parametrize("bad", ["exact", "normal", "", None, ["wilson"]])
def test_unknown_proportion_method_lists_valid_names(bad):
    with pytest.raises(ParameterError) as info:
        proportion_interval(3, 10, bad)
    for name in PROPORTION_METHODS:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, 95, "high", float("nan")])
def test_confidence_outside_unit_interval(confidence):
    with pytest.raises(ParameterError):
        proportion_interval(3, 10, confidence=confidence)
    with pytest.raises(ParameterError):
        nps_interval(3, 4, 3, confidence=confidence)


def test_invalid_counts():
    with pytest.raises(ParameterError):
        proportion_interval(11, 10)
    with pytest.raises(ParameterError):
        proportion_interval(-1, 10)
    with pytest.raises(ParameterError):
        nps_interval(5, -1, 2)
    with pytest.raises(ParameterError):
        proportion_interval([1, 2, 3], [10, 10])  # cannot broadcast


# --------------------------------------------------------------------------------------------
# nps_interval: score (Tango)
# --------------------------------------------------------------------------------------------

# Paired tables (a, b, c, d) -> promoters = b, passives = a + d, detractors = c.
# Published Tango score intervals, 3 decimals, as reproduced in the test suite of the R package
# ratesci (github.com/PeteLaud/ratesci, tests/testthat/test3.R, pairbinci(x = c(a, b, c, d))).
TANGO_PUBLISHED = [
    # Tango (1998), Stat Med 17:891-908, worked example
    ((4, 9, 3, 16), 0.95, (-0.027, 0.390)),
    # Tango (1998), example with one discordant pair, 90 % interval
    ((43, 0, 1, 0), 0.90, (-0.096, 0.037)),
    # Agresti & Min (2005), Stat Med 24:729-740
    ((53, 16, 8, 9), 0.95, (-0.020, 0.207)),
    # Fagerland, Lydersen & Laake (2014), Stat Med 33:2850-2875, Bentur et al. airway data
    ((1, 1, 7, 12), 0.95, (-0.517, -0.026)),
]


@pytest.mark.parametrize("table, confidence, expected", TANGO_PUBLISHED)
def test_score_matches_published_tango_intervals(table, confidence, expected):
    a, b, c, d = table
    low, high = nps_interval(b, a + d, c, "score", confidence)
    assert (round(float(low), 3), round(float(high), 3)) == expected


def _tango_statistic_numeric(delta, promoters, passives, detractors):
    """Tango's statistic with the restricted MLE found by numerical maximisation of the
    trinomial likelihood under NPS = delta (independent of the closed form in kirc)."""
    n = promoters + passives + detractors

    def negative_loglik(p_detractor):
        p_promoter = p_detractor + delta
        p_passive = 1 - p_promoter - p_detractor
        terms = [(promoters, p_promoter), (detractors, p_detractor), (passives, p_passive)]
        return -sum(k * np.log(p) for k, p in terms if k > 0)

    lo, hi = max(0.0, -delta), (1 - delta) / 2
    result = optimize.minimize_scalar(negative_loglik, bounds=(lo + 1e-15, hi - 1e-15),
                                      method="bounded", options={"xatol": 1e-13})
    q = result.x
    return (promoters - detractors - n * delta) / np.sqrt(n * (2 * q + delta * (1 - delta)))


@pytest.mark.parametrize("counts", [(9, 20, 3), (0, 20, 4), (12, 3, 0), (5, 0, 5), (1, 1, 1),
                                    (40.5, 30.25, 29.25)])
def test_score_limits_solve_the_score_equation(counts):
    low, high = nps_interval(*counts, method="score")
    p, pa, d = counts
    if low > -1:
        assert _tango_statistic_numeric(float(low), p, pa, d) == pytest.approx(Z95, abs=1e-5)
    if high < 1:
        assert _tango_statistic_numeric(float(high), p, pa, d) == pytest.approx(-Z95, abs=1e-5)


def test_score_without_passives_is_twice_wilson_minus_one():
    count, nobs = _grid()
    low, high = nps_interval(count, 0, nobs - count, "score")
    wilson_low, wilson_high = proportion_confint(count, nobs, method="wilson")
    np.testing.assert_allclose(low, 2 * wilson_low - 1, atol=1e-12)
    np.testing.assert_allclose(high, 2 * wilson_high - 1, atol=1e-12)


def test_score_for_only_passives_has_closed_form():
    # b = c = 0: T(delta) = -sqrt(n delta / (1 - delta)), so the limits are +-z^2/(n + z^2).
    n = np.array([1, 5, 20, 300])
    low, high = nps_interval(0, n, 0, "score")
    np.testing.assert_allclose(high, Z95**2 / (n + Z95**2), atol=1e-13)
    np.testing.assert_allclose(low, -Z95**2 / (n + Z95**2), atol=1e-13)


def test_score_is_antisymmetric_in_promoters_and_detractors():
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 30, size=(200, 3)).astype(float)
    counts[counts.sum(axis=1) == 0, 1] = 1
    low, high = nps_interval(counts[:, 0], counts[:, 1], counts[:, 2], "score")
    low_swapped, high_swapped = nps_interval(counts[:, 2], counts[:, 1], counts[:, 0], "score")
    np.testing.assert_allclose(low, -high_swapped, atol=1e-13)
    np.testing.assert_allclose(high, -low_swapped, atol=1e-13)


# --------------------------------------------------------------------------------------------
# nps_interval: Wald, adjusted Wald, bootstrap, edge cases and sanity properties
# --------------------------------------------------------------------------------------------

def test_wald_nps_matches_hand_formula():
    # 45 promoters, 30 passives, 25 detractors: NPS 0.20,
    # var = (0.45 + 0.25 - 0.04) / 100 = 0.0066
    low, high = nps_interval(45, 30, 25, "wald")
    half = Z95 * np.sqrt(0.0066)
    assert low == pytest.approx(0.20 - half, abs=1e-14)
    assert high == pytest.approx(0.20 + half, abs=1e-14)


def test_adjusted_wald_matches_rocks_formula_by_hand():
    # Rocks (2016): + 0.75 promoter, 1.5 passives, 0.75 detractor.
    # 45/30/25 -> 45.75/31.5/25.75 of 103.
    p, d, n = 45.75 / 103, 25.75 / 103, 103
    nps = p - d
    half = Z95 * np.sqrt((p + d - nps**2) / n)
    low, high = nps_interval(45, 30, 25, "adjusted-wald")
    assert low == pytest.approx(nps - half, abs=1e-14)
    assert high == pytest.approx(nps + half, abs=1e-14)
    # a single promoter: adjusted to 1.75/1.5/0.75 of 4, the Wald upper limit 0.985 would
    # exclude NPS = 1; the boundary modification sets it to 1
    low, high = nps_interval(1, 0, 0, "adjusted-wald")
    assert (round(float(low), 3), float(high)) == (-0.485, 1.0)


def test_bootstrap_is_seeded_and_independent_of_batch():
    a = nps_interval(45, 30, 25, "bootstrap")
    b = nps_interval(45, 30, 25, "bootstrap", seed=DEFAULT_BOOTSTRAP_SEED)
    np.testing.assert_array_equal(a, b)
    batch_low, batch_high = nps_interval([10, 45], [10, 30], [10, 25], "bootstrap")
    assert batch_low[1] == a[0] and batch_high[1] == a[1]
    c = nps_interval(45, 30, 25, "bootstrap", seed=1)
    assert not np.array_equal(a, c)


def test_bootstrap_follows_its_documented_recipe():
    # weighted counts: size round(total) = 10, shares = counts / total
    counts = np.array([4.5, 3.25, 2.25])
    rng = np.random.default_rng(7)
    draws = rng.multinomial(10, counts / counts.sum(), size=500)
    expected = np.quantile((draws[:, 0] - draws[:, 2]) / 10, [0.025, 0.975])
    low, high = nps_interval(*counts, method="bootstrap", n_boot=500, seed=7)
    np.testing.assert_array_equal([low, high], expected)


def test_bootstrap_approaches_wald_in_large_samples():
    low, high = nps_interval(4500, 3000, 2500, "bootstrap")
    wald_low, wald_high = nps_interval(4500, 3000, 2500, "wald")
    assert abs(low - wald_low) < 0.005 and abs(high - wald_high) < 0.005


def test_bootstrap_rejects_bad_n_boot():
    with pytest.raises(ParameterError):
        nps_interval(4, 3, 3, "bootstrap", n_boot=0)
    with pytest.raises(ParameterError):
        nps_interval(4, 3, 3, "bootstrap", n_boot=10.5)


def test_unknown_nps_method_lists_valid_names():
    with pytest.raises(ParameterError) as info:
        nps_interval(4, 3, 3, "tango")
    for name in NPS_METHODS:
        assert repr(name) in str(info.value)
    with pytest.raises(ParameterError):
        nps_difference_interval(4, 3, 3, 4, 3, 3, "newcombe")
    with pytest.raises(ParameterError):
        difference_interval(4, 10, 3, 10, "mover")


@pytest.mark.parametrize("method", NPS_METHODS)
def test_nps_edge_cases(method):
    # total 0 -> nan; all promoters -> upper 1; all detractors -> lower -1
    low, high = nps_interval([0, 20, 0, 0, 1], [0, 0, 0, 20, 0], [0, 0, 20, 0, 0], method)
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert high[1] == 1 and low[2] == -1
    assert np.all(low[1:] >= -1) and np.all(high[1:] <= 1)
    if method in ("score", "adjusted-wald"):
        # these have non-zero width for one-category samples
        assert low[1] < 1 and high[2] > -1 and low[3] < 0 < high[3]


@pytest.mark.parametrize("method", NPS_METHODS)
def test_nps_contains_estimate_on_grid(method):
    n = 12 if method == "bootstrap" else 25
    b, c = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = b + c <= n
    b, c = b[keep].astype(float), c[keep].astype(float)
    low, high = nps_interval(b, n - b - c, c, method)
    estimate = (b - c) / n
    assert np.all(low <= estimate + 1e-12) and np.all(estimate <= high + 1e-12)
    assert np.all(low >= -1) and np.all(high <= 1)


@pytest.mark.parametrize("method", ["score", "adjusted-wald", "wald"])
def test_nps_limits_increase_when_a_detractor_becomes_a_promoter(method):
    n = 40
    promoters = np.arange(0, n + 1, dtype=float)
    low, high = nps_interval(promoters, 0, n - promoters, method)
    assert np.all(np.diff(low) >= 0) and np.all(np.diff(high) >= 0)
    # strictly, except where Wald-type limits are clipped at -1 or +1
    assert np.all((np.diff(low) > 0) | (low[1:] == -1))
    assert np.all((np.diff(high) > 0) | (high[:-1] == 1))


@pytest.mark.parametrize("method", NPS_METHODS)
def test_nps_weighted_non_integer_counts(method):
    low, high = nps_interval(40.5, 30.25, 29.25, method)
    estimate = (40.5 - 29.25) / 100
    assert -1 <= low <= estimate <= high <= 1
    # close to the interval of the nearest integer sample
    int_low, int_high = nps_interval(40, 31, 29, method)
    assert abs(low - int_low) < 0.02 and abs(high - int_high) < 0.02


def test_nps_broadcasting():
    promoters = np.array([[10], [20], [30]])
    passives = np.array([5, 15])
    low, high = nps_interval(promoters, passives, 8)
    assert low.shape == (3, 2)
    assert low[2, 1] == nps_interval(30, 15, 8)[0]


def test_nps_n_equal_one():
    for counts, estimate in (((1, 0, 0), 1), ((0, 1, 0), 0), ((0, 0, 1), -1)):
        low, high = nps_interval(*counts, method="score")
        assert -1 <= low <= estimate <= high <= 1 and high - low > 0.5


# --------------------------------------------------------------------------------------------
# difference_interval
# --------------------------------------------------------------------------------------------

# Newcombe (1998), Stat Med 17:873-890, Table II, method 10 (hybrid score), examples (a)-(h).
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize("counts, expected", NEWCOMBE_TABLE_II)
def test_newcombe_table_ii(counts, expected):
    low, high = difference_interval(*counts, method="newcombe")
    assert (round(float(low), 4), round(float(high), 4)) == expected


def test_newcombe_matches_statsmodels_on_grid():
    rng = np.random.default_rng(11)
    nobs1 = rng.integers(1, 80, size=400)
    nobs2 = rng.integers(1, 80, size=400)
    count1 = rng.integers(0, nobs1 + 1)
    count2 = rng.integers(0, nobs2 + 1)
    # include the corners explicitly
    count1[:4], count2[:4] = [0, nobs1[1], 0, nobs1[3]], [0, 0, nobs2[2], nobs2[3]]
    for confidence in (0.90, 0.95):
        low, high = difference_interval(count1, nobs1, count2, nobs2, "newcombe",
                                        confidence)
        ref_low, ref_high = confint_proportions_2indep(count1, nobs1, count2, nobs2,
                                                       method="newcomb", compare="diff",
                                                       alpha=1 - confidence)
        np.testing.assert_allclose(low, ref_low, atol=1e-10, rtol=0)
        np.testing.assert_allclose(high, ref_high, atol=1e-10, rtol=0)


def test_difference_wald_by_hand_and_empty():
    low, high = difference_interval(30, 50, 20, 60, "wald")
    half = Z95 * np.sqrt(0.6 * 0.4 / 50 + (1 / 3) * (2 / 3) / 60)
    assert low == pytest.approx(0.6 - 1 / 3 - half, abs=1e-14)
    assert high == pytest.approx(0.6 - 1 / 3 + half, abs=1e-14)
    low, high = difference_interval([0, 3], [0, 10], [2, 0], [10, 0])
    assert np.all(np.isnan(low)) and np.all(np.isnan(high))


# --------------------------------------------------------------------------------------------
# nps_difference_interval
# --------------------------------------------------------------------------------------------

def test_mover_without_passives_is_twice_newcombe():
    # With no passives NPS = 2p - 1 and the score interval is 2 * Wilson - 1, so MOVER on
    # score components must reproduce Newcombe's method 10 (statsmodels) times two.
    rng = np.random.default_rng(5)
    nobs1, nobs2 = rng.integers(1, 60, size=300), rng.integers(1, 60, size=300)
    count1, count2 = rng.integers(0, nobs1 + 1), rng.integers(0, nobs2 + 1)
    low, high = nps_difference_interval(count1, 0, nobs1 - count1, count2, 0, nobs2 - count2,
                                        component="score")
    ref_low, ref_high = confint_proportions_2indep(count1, nobs1, count2, nobs2,
                                                   method="newcomb", compare="diff")
    np.testing.assert_allclose(low, 2 * np.asarray(ref_low), atol=1e-11)
    np.testing.assert_allclose(high, 2 * np.asarray(ref_high), atol=1e-11)


def test_mover_combines_the_default_single_sample_intervals():
    p1, pa1, d1, p2, pa2, d2 = 45, 30, 25, 35, 35, 30
    low1, high1 = nps_interval(p1, pa1, d1, DEFAULT_NPS_DIFFERENCE_COMPONENT)
    low2, high2 = nps_interval(p2, pa2, d2, DEFAULT_NPS_DIFFERENCE_COMPONENT)
    nps1, nps2 = 0.20, 0.05
    low, high = nps_difference_interval(p1, pa1, d1, p2, pa2, d2)
    assert low == pytest.approx(0.15 - np.hypot(nps1 - low1, high2 - nps2), abs=1e-14)
    assert high == pytest.approx(0.15 + np.hypot(high1 - nps1, nps2 - low2), abs=1e-14)


def test_nps_difference_wald_by_hand():
    low, high = nps_difference_interval(45, 30, 25, 35, 35, 30, "wald")
    variance = (0.45 + 0.25 - 0.04) / 100 + (0.35 + 0.30 - 0.0025) / 100
    assert low == pytest.approx(0.15 - Z95 * np.sqrt(variance), abs=1e-14)
    assert high == pytest.approx(0.15 + Z95 * np.sqrt(variance), abs=1e-14)


@pytest.mark.parametrize("method", ["mover", "wald"])
def test_nps_difference_antisymmetry_and_empty(method):
    a = nps_difference_interval(12, 5, 3, 7, 9, 10, method)
    b = nps_difference_interval(7, 9, 10, 12, 5, 3, method)
    np.testing.assert_allclose(a, (-b[1], -b[0]), atol=1e-12)
    low, high = nps_difference_interval([0, 5], [0, 5], [0, 5], [3, 0], [3, 0], [3, 0], method)
    assert np.all(np.isnan(low)) and np.all(np.isnan(high))


# Typical survey compositions (true promoter, detractor shares) and sizes. Sparse ones (both
# shares <= 10 %) are left out on purpose: there MOVER is conservative (about 96.5-98 % at
# n = 20-40, see the nps_difference_interval docstring), which a +-1.5 band would flag.
MOVER_CONFIGS = [
    ((0.50, 0.20), 50, (0.40, 0.30), 60),
    ((0.80, 0.05), 100, (0.60, 0.10), 100),
    ((0.30, 0.30), 25, (0.35, 0.35), 25),
    ((0.05, 0.80), 40, (0.20, 0.60), 200),
    ((0.65, 0.10), 20, (0.65, 0.10), 20),
]


@pytest.mark.parametrize("shares1, n1, shares2, n2", MOVER_CONFIGS)
def test_mover_coverage_by_simulation(shares1, n1, shares2, n2):
    rng = np.random.default_rng(20240501)
    reps = 20_000

    def sample(shares, n):
        p, d = shares
        return rng.multinomial(n, [p, 1 - p - d, d], size=reps).T

    x1, x2 = sample(shares1, n1), sample(shares2, n2)
    truth = (shares1[0] - shares1[1]) - (shares2[0] - shares2[1])
    low, high = nps_difference_interval(*x1, *x2)
    coverage = np.mean((low <= truth) & (truth <= high))
    assert abs(coverage - 0.95) <= 0.015, coverage


# --------------------------------------------------------------------------------------------
# p-values
# --------------------------------------------------------------------------------------------

def test_difference_pvalue_matches_chi_square_and_ztest():
    # the default ("score") is the pooled z-test, = prop.test(correct = FALSE)
    tables = [(56, 70, 48, 80), (9, 10, 3, 10), (5, 56, 1, 29), (30, 50, 20, 60), (1, 3, 2, 4)]
    for x1, n1, x2, n2 in tables:
        chi2 = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
        _, z_p = proportions_ztest([x1, x2], [n1, n2])
        p = difference_pvalue(x1, n1, x2, n2)
        assert p == pytest.approx(chi2.pvalue, rel=1e-10)
        assert p == pytest.approx(z_p, rel=1e-10)
    vectorised = difference_pvalue(*np.array(tables).T)
    assert vectorised.shape == (5,)


def test_difference_pvalue_degenerate_cases():
    p = difference_pvalue([0, 10, 0, 0], [10, 10, 10, 0], [0, 20, 0, 1], [20, 20, 0, 5])
    assert p[0] == 1 and p[1] == 1
    assert np.isnan(p[2]) and np.isnan(p[3])


def test_nps_difference_pvalue_by_hand_and_against_statsmodels():
    p = nps_difference_pvalue(45, 30, 25, 35, 35, 30, "wald")
    variance = (0.45 + 0.25 - 0.04) / 100 + (0.35 + 0.30 - 0.0025) / 100
    assert p == pytest.approx(2 * stats.norm.sf(0.15 / np.sqrt(variance)), rel=1e-12)
    # without passives NPS = 2p - 1 and the test is statsmodels' unpooled Wald test of p1 = p2
    result = sm_proportion.test_proportions_2indep(30, 50, 20, 60, method="wald", compare="diff")
    assert nps_difference_pvalue(30, 0, 20, 20, 0, 40, "wald") == pytest.approx(result.pvalue,
                                                                      rel=1e-10)


def test_nps_difference_pvalue_degenerate_cases():
    p = nps_difference_pvalue([10, 10, 0, 0], [0, 0, 5, 0], [0, 0, 0, 0],
                              [20, 0, 0, 4], [0, 0, 7, 4], [0, 5, 0, 4], "wald")
    assert p[0] == 1        # both all promoters: no variance, equal scores
    assert p[1] == 0        # all promoters vs all detractors: no variance, different scores
    assert p[2] == 1        # both all passives
    assert np.isnan(p[3])   # empty first sample


def test_zero_degrees_of_freedom_give_nan_for_every_change():
    # R's qt(0.975, 0) is NaN, so is every limit and p-value on 0 df; the bisections gave the
    # inverted p-values as 2^-64 and the score limits as [-1, d] there
    for method in ("score", "miettinen-nurminen", "newcombe", "wald"):
        low, high = difference_interval(56, 70, 48, 80, method, df=0)
        assert np.isnan(low) and np.isnan(high)
        assert np.isnan(difference_pvalue(56, 70, 48, 80, method, df=0))
    for method, component in (("mover", "score"), ("mover", "adjusted-wald"),
                              ("mover", "wald"), ("wald", "score")):
        low, high = nps_difference_interval(45, 30, 25, 35, 35, 30, method, df=0,
                                            component=component)
        assert np.isnan(low) and np.isnan(high)
        assert np.isnan(nps_difference_pvalue(45, 30, 25, 35, 35, 30, method, df=0,
                                              component=component))
    # other elements of the same call keep their own df
    p = difference_pvalue(56, 70, 48, 80, "newcombe", df=[0, 7])
    assert np.isnan(p[0]) and p[1] == difference_pvalue(56, 70, 48, 80, "newcombe", df=7)


# --------------------------------------------------------------------------------------------
# the coverage claim in the nps_interval docstring
# --------------------------------------------------------------------------------------------

def _coverage_module():
    path = ROOT / "benchmarks" / "coverage_nps.py"
    spec = importlib.util.spec_from_file_location("coverage_nps", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_nps_method_meets_the_coverage_criterion():
    coverage = _coverage_module()
    table = coverage.coverage_table(methods=(DEFAULT_NPS_METHOD,), ns=(20, 50))
    summary = coverage.summarise(table)
    assert len(table) == 2 * len(coverage.DEFAULT_GRID) == 2 * 741
    ok, reason = coverage.meets_criterion(table)
    assert ok, reason
    assert summary["mean"].between(94.5, 95.8).all()


def test_documented_coverage_of_the_default_at_n_20_holds():
    # nps_interval's docstring: adjusted-wald at n = 20 on the dense grid, mean 95.03 %,
    # lowest 93.10 % (2.5 % passives), lowest with >= 5 % passives 93.41 %
    coverage = _coverage_module()
    table = coverage.coverage_table(methods=("adjusted-wald",), ns=(20,))
    row = coverage.summarise(table).iloc[0]
    assert round(row["mean"], 2) == 95.03
    assert round(row["min"], 2) == 93.10 and round(row["min5"], 2) == 93.41
    assert coverage.MINIMUM <= row["min"]


def test_dense_grid_is_every_valid_combination():
    coverage = _coverage_module()
    grid = np.array(coverage.DEFAULT_GRID)
    assert len({tuple(np.round(g, 4)) for g in grid}) == len(grid) == 741
    assert grid.min() == pytest.approx(0.025) and grid.sum(axis=1).max() == pytest.approx(0.975)
    assert np.allclose(np.round(grid / 0.025), grid / 0.025)


def test_exact_type1_error_matches_a_direct_sum():
    # the enumeration of benchmarks/coverage_nps.py --type1 at one point, re-done by a loop
    # over outcome pairs with the public p-value functions
    coverage = _coverage_module()
    n, p, d = 6, 0.45, 0.35
    table = coverage.type1_table(ns=(n,), grid=((p, d),))
    b, c = coverage.outcomes(n)
    pmf = stats.multinomial.pmf(np.c_[b, n - b - c, c], n, [p, 1 - p - d, d])
    x = np.repeat(np.arange(len(b)), len(b))
    y = np.tile(np.arange(len(b)), len(b))
    for test, kwargs in (("mover", dict(component="adjusted-wald")), ("wald", dict())):
        method = "mover" if test.startswith("mover") else "wald"
        pv = nps_difference_pvalue(b[x], n - b[x] - c[x], c[x], b[y], n - b[y] - c[y], c[y],
                                   method, **kwargs)
        direct = np.sum(pmf[x] * pmf[y] * (pv < 0.05))
        value = table[table["test"] == test]["rejection"].iloc[0]
        assert value == pytest.approx(direct, abs=1e-12)


def test_exact_coverage_of_wald_at_a_point_by_direct_sum():
    # Independent check of the enumeration: sum the trinomial pmf over outcomes directly.
    coverage = _coverage_module()
    n, p, d = 20, 0.35, 0.20
    table = coverage.coverage_table(methods=("wald",), ns=(n,), grid=((p, d),))
    total = 0.0
    for b in range(n + 1):
        for c in range(n + 1 - b):
            low, high = nps_interval(b, n - b - c, c, "wald")
            if low <= p - d <= high:
                total += stats.multinomial.pmf([b, n - b - c, c], n, [p, 1 - p - d, d])
    assert table["coverage"].iloc[0] == pytest.approx(total, abs=1e-12)


# --------------------------------------------------------------------------------------------
# design-based shares: logit and beta (Korn-Graubard) against R survey::svyciprop
# --------------------------------------------------------------------------------------------

# Produced with R 4.2.2, survey 4.1.1, on ../shared/realdata/survey_api/ (columns label,
# method, level, estimate, SE, degf, nrow, lower, upper):
#
#   library(survey)
#   d <- "/work/shared/realdata/survey_api/"
#   strat <- read.csv(paste0(d, "apistrat.csv")); clus <- read.csv(paste0(d, "apiclus1.csv"))
#   prep <- function(x) transform(x, awards_yes = as.numeric(awards == "Yes"),
#                                 meals_low = as.numeric(meals < 10),
#                                 schwide_no = as.numeric(sch.wide == "No"))
#   ds <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = prep(strat))
#   dc <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = prep(clus))
#   show <- function(label, f, des) {
#     m <- svymean(f, des)
#     for (lev in c(0.95, 0.90)) for (meth in c("logit", "beta")) {
#       ci <- svyciprop(f, des, method = meth, level = lev)
#       cat(sprintf('("%s", "%s", %.2f, %.15g, %.15g, %d, %d, %.15g, %.15g),\n', label, meth,
#           lev, coef(m)[1], SE(m)[1], degf(des), nrow(des), attr(ci, "ci")[1],
#           attr(ci, "ci")[2]))
#     }
#   }
#   show("apistrat awards", ~awards_yes, ds); show("apistrat meals<10", ~meals_low, ds)
#   show("apiclus1 awards", ~awards_yes, dc); show("apiclus1 sch.wide=No", ~schwide_no, dc)
SVYCIPROP = [
    ("apistrat awards", "logit", 0.95, 0.638936064050578, 0.0344059179972689, 197, 200, 0.568721098868047, 0.703675779368256),
    ("apistrat awards", "beta", 0.95, 0.638936064050578, 0.0344059179972689, 197, 200, 0.567218701479749, 0.706354783014459),
    ("apistrat awards", "logit", 0.90, 0.638936064050578, 0.0344059179972689, 197, 200, 0.580366536198634, 0.693645999868921),
    ("apistrat awards", "beta", 0.90, 0.638936064050578, 0.0344059179972689, 197, 200, 0.578458275973095, 0.696212933389592),
    ("apistrat meals<10", "logit", 0.95, 0.106640297587036, 0.022408538980509, 197, 200, 0.0698243081608835, 0.159538699193948),
    ("apistrat meals<10", "beta", 0.95, 0.106640297587036, 0.022408538980509, 197, 200, 0.0665710156843738, 0.159530174953878),
    ("apistrat meals<10", "logit", 0.90, 0.106640297587036, 0.022408538980509, 197, 200, 0.0748651642523171, 0.149719231753731),
    ("apistrat meals<10", "beta", 0.90, 0.106640297587036, 0.022408538980509, 197, 200, 0.0719844860323751, 0.150882342221598),
    ("apiclus1 awards", "logit", 0.95, 0.710382513661202, 0.0330182995537189, 14, 183, 0.634839191610184, 0.775816511445812),
    ("apiclus1 awards", "beta", 0.95, 0.710382513661202, 0.0330182995537189, 14, 183, 0.633436839061471, 0.7793385361783),
    ("apiclus1 awards", "logit", 0.90, 0.710382513661202, 0.0330182995537189, 14, 183, 0.64898407542833, 0.764931348918022),
    ("apiclus1 awards", "beta", 0.90, 0.710382513661202, 0.0330182995537189, 14, 183, 0.64697833951993, 0.768068505188668),
    ("apiclus1 sch.wide=No", "logit", 0.95, 0.12568306010929, 0.0203594772446274, 14, 183, 0.0880999229787773, 0.176201107620966),
    ("apiclus1 sch.wide=No", "beta", 0.95, 0.12568306010929, 0.0203594772446274, 14, 183, 0.0852955078731347, 0.176297789152499),
    ("apiclus1 sch.wide=No", "logit", 0.90, 0.12568306010929, 0.0203594772446274, 14, 183, 0.0939774392541732, 0.166124065931079),
    ("apiclus1 sch.wide=No", "beta", 0.90, 0.12568306010929, 0.0203594772446274, 14, 183, 0.0915876001416207, 0.167101704699135),
]


@pytest.mark.parametrize("label, method, level, p, se, df, n, r_low, r_high", SVYCIPROP)
def test_effective_counts_reproduce_svyciprop(label, method, level, p, se, df, n, r_low, r_high):
    n_eff = p * (1 - p) / se**2
    if method == "beta":
        n_eff = korn_graubard_nobs(n_eff, n, df, level)
    low, high = proportion_interval(p * n_eff, n_eff, method, level, df=df)
    # R printed 15 significant digits of p and SE: agreement is limited by that, ~1e-13
    assert low == pytest.approx(r_low, abs=1e-9)
    assert high == pytest.approx(r_high, abs=1e-9)
    low, high = design_proportion_interval(p, se**2, n, df, method, level)
    assert low == pytest.approx(r_low, abs=1e-9)
    assert high == pytest.approx(r_high, abs=1e-9)


def test_korn_graubard_nobs_formula_and_edges():
    t = stats.t.ppf
    expected = 150 * (t(0.025, 182) / t(0.025, 14)) ** 2
    assert korn_graubard_nobs(150, 183, 14) == pytest.approx(expected, rel=1e-14)
    # df = n - 1 (a simple random sample) leaves n_eff unchanged; df = 0 is NaN, as R's qt
    assert korn_graubard_nobs(37.5, 50, 49) == pytest.approx(37.5, rel=1e-14)
    values = korn_graubard_nobs([10, 10, 10], [1, 20, 20], [5, 0, np.inf])
    assert np.isnan(values[0]) and np.isnan(values[1])
    assert values[2] == pytest.approx(10 * (t(0.025, 19) / stats.norm.ppf(0.025)) ** 2)
    with pytest.raises(ParameterError):
        korn_graubard_nobs(10, 20, -1)


def test_logit_closed_form_and_boundaries():
    # logit: expit(logit(x/n) +- z sqrt(1/x + 1/(n-x))), by hand
    low, high = proportion_interval(7, 30, "logit")
    centre, half = np.log(7 / 23), Z95 * np.sqrt(1 / 7 + 1 / 23)
    assert low == pytest.approx(1 / (1 + np.exp(-(centre - half))), abs=1e-14)
    assert high == pytest.approx(1 / (1 + np.exp(-(centre + half))), abs=1e-14)
    # x = 0 and x = n: the exact one-sided limits (R's glm does not converge there)
    low, high = proportion_interval([0, 30], 30, "logit")
    assert low[0] == 0 and high[1] == 1
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / 30), abs=1e-14)
    assert low[1] == pytest.approx(0.025 ** (1 / 30), abs=1e-14)
    count = np.arange(31.0)
    low, high = proportion_interval(count, 30, "logit")
    assert np.all(low <= count / 30) and np.all(count / 30 <= high)
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) > 0)


@pytest.mark.parametrize("method", ["wilson", "agresti-coull", "wald", "logit"])
def test_df_replaces_the_normal_quantile_by_t(method):
    count, nobs = _grid()
    if method == "logit":  # its limits at 0 and n are the exact one-sided ones, no quantile
        inner = (count > 0) & (count < nobs)
        count, nobs = count[inner], nobs[inner]
    for df in (3, 14.5, 120):
        t = stats.t.isf(0.025, df)
        # a normal quantile equal to t_df is reached at the confidence 1 - 2 sf(t)
        level = 1 - 2 * stats.norm.sf(t)
        low, high = proportion_interval(count, nobs, method, 0.95, df=df)
        ref_low, ref_high = proportion_interval(count, nobs, method, level)
        np.testing.assert_allclose(low, ref_low, atol=1e-12)
        np.testing.assert_allclose(high, ref_high, atol=1e-12)
    np.testing.assert_array_equal(proportion_interval(count, nobs, method, df=np.inf),
                                  proportion_interval(count, nobs, method))
    low, high = proportion_interval(3, 10, method, df=0)
    assert np.isnan(low) and np.isnan(high)
    low, high = proportion_interval([3, 3], 10, method, df=[5, 50])
    assert high[0] > high[1]


def test_design_intervals_without_variation():
    # p = 0: R gives NaN; here the count-based interval of n respondents
    low, high = design_proportion_interval([0.0, 1.0], 0.0, 40, 39, "beta")
    ref_low, ref_high = proportion_interval([0, 40], 40, "beta")
    np.testing.assert_allclose(low, ref_low, atol=1e-14)
    np.testing.assert_allclose(high, ref_high, atol=1e-14)
    # a census: no sampling error
    low, high = design_proportion_interval(0.3, 0.0, 40, 39, "logit")
    assert low == high == 0.3


def test_design_nps_wald_is_estimate_plus_minus_t_se():
    variance = 0.0066 * 1.7
    low, high = design_nps_interval(0.45, 0.25, variance, 100, 23, "wald")
    t = stats.t.isf(0.025, 23)
    assert low == pytest.approx(0.20 - t * np.sqrt(variance), abs=1e-12)
    assert high == pytest.approx(0.20 + t * np.sqrt(variance), abs=1e-12)
    # with the simple-random-sampling variance it is the count-based interval
    for method in ("adjusted-wald", "score", "wald"):
        low, high = design_nps_interval(0.45, 0.25, 0.0066, 100, np.inf, method)
        ref = nps_interval(45, 30, 25, method)
        np.testing.assert_allclose((low, high), ref, atol=1e-12)
    with pytest.raises(ParameterError):
        design_nps_interval(0.45, 0.25, 0.0066, 100, 20, "bootstrap")


# --------------------------------------------------------------------------------------------
# score intervals for the change of a share, and interval-test consistency
# --------------------------------------------------------------------------------------------

def _score_limits_numeric(x1, n1, x2, n2, z, correction):
    """Independent reference: the restricted MLE by numerical maximisation of the likelihood
    and the limits by Brent's root finder. (statsmodels 0.15's confint_proportions_2indep(
    method="score") is not used for the limits: its cubic has count0 where nobs0 belongs,
    statsmodels issue #10269, so its restricted MLE is off whenever the difference is not 0.)"""
    def statistic(delta):
        def negative_loglik(p2):
            p1 = p2 + delta
            terms = [(x1, p1), (n1 - x1, 1 - p1), (x2, p2), (n2 - x2, 1 - p2)]
            return -sum(k * np.log(p) for k, p in terms if k > 0)

        lo, hi = max(0.0, -delta), min(1.0, 1.0 - delta)
        p2 = optimize.minimize_scalar(negative_loglik, bounds=(lo + 1e-13, hi - 1e-13),
                                      method="bounded", options={"xatol": 1e-14}).x
        p1 = p2 + delta
        var = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        if correction:
            var *= (n1 + n2) / (n1 + n2 - 1)
        return (x1 / n1 - x2 / n2 - delta) / np.sqrt(var)

    d = x1 / n1 - x2 / n2
    low = -1.0 if d == -1 else optimize.brentq(lambda t: statistic(t) - z, -1 + 1e-9, d,
                                               xtol=1e-13)
    high = 1.0 if d == 1 else optimize.brentq(lambda t: statistic(t) + z, d, 1 - 1e-9,
                                              xtol=1e-13)
    return low, high


@pytest.mark.parametrize("method, correction", [("score", False), ("miettinen-nurminen", True)])
def test_score_difference_matches_numerical_inversion(method, correction):
    tables = [(56, 70, 48, 80), (5, 55, 8, 12), (1, 18, 1, 2), (7, 34, 1, 34), (0, 10, 3, 10),
              (10, 10, 4, 9), (12.4, 30.2, 20.7, 41.5)]
    for x1, n1, x2, n2 in tables:
        low, high = difference_interval(x1, n1, x2, n2, method)
        ref = _score_limits_numeric(x1, n1, x2, n2, Z95, correction)
        assert (low, high) == pytest.approx(ref, abs=2e-7), (x1, n1, x2, n2)


@pytest.mark.parametrize("method, correction", [("score", False), ("miettinen-nurminen", True)])
def test_score_difference_against_statsmodels(method, correction):
    # statsmodels' restricted MLE is right at delta = 0, i.e. for its p-values; where the
    # hypothesised difference is not 0 it is not (issue #10269), see the numerical check above
    rng = np.random.default_rng(12)
    n1, n2 = rng.integers(2, 60, size=200), rng.integers(2, 60, size=200)
    x1, x2 = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
    x1[:3], x2[:3] = [0, n1[1], 0], [0, n2[1], n2[2]]
    p = difference_pvalue(x1, n1, x2, n2, method)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = [sm_proportion.test_proportions_2indep(a, b, c, d, method="score",
                                                     correction=correction).pvalue
               for a, b, c, d in zip(x1, n1, x2, n2)]
    # statsmodels gives NaN where both samples are all 0 or all 1 (0/0); kirc gives 1
    assert np.isnan(ref[0]) and np.isnan(ref[1]) and p[0] == p[1] == 1
    np.testing.assert_allclose(p, np.nan_to_num(ref, nan=1.0), rtol=1e-10, atol=1e-14)


def test_score_pvalue_is_prop_test_without_correction():
    # R 4.2.2: prop.test(c(56, 48), c(70, 80), correct = FALSE)$p.value -> 0.00805073...
    # (X-squared = 7.0255); the same as scipy's chi2_contingency(correction=False)
    chi2 = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert difference_pvalue(56, 70, 48, 80, "score") == pytest.approx(chi2.pvalue, rel=1e-12)
    # Miettinen-Nurminen: the statistic is shrunk by sqrt((N - 1) / N)
    z = np.sqrt(chi2.statistic * 149 / 150)
    assert difference_pvalue(56, 70, 48, 80, "mn") == pytest.approx(2 * stats.norm.sf(z))


def _all_tables(max_n):
    rows = [(x1, n1, x2, n2) for n1 in range(1, max_n + 1) for n2 in range(1, max_n + 1)
            for x1 in range(n1 + 1) for x2 in range(n2 + 1)]
    return np.array(rows, dtype=float).T


@pytest.mark.parametrize("method", ["score", "miettinen-nurminen", "newcombe", "wald"])
def test_share_interval_excludes_zero_iff_test_rejects(method):
    # every table with n1, n2 <= 10 (3,025 tables, all zero/all-one edge cases), plus
    # weighted counts, at three levels and with t quantiles
    x1, n1, x2, n2 = _all_tables(10)
    rng = np.random.default_rng(8)
    w = rng.uniform(0.5, 40, size=(2, 400))
    wx = w * rng.uniform(0, 1, size=(2, 400))
    x1, n1 = np.r_[x1, wx[0]], np.r_[n1, w[0]]
    x2, n2 = np.r_[x2, wx[1]], np.r_[n2, w[1]]
    for confidence, df in ((0.80, None), (0.95, None), (0.99, None), (0.95, 7)):
        low, high = difference_interval(x1, n1, x2, n2, method, confidence, df=df)
        p = difference_pvalue(x1, n1, x2, n2, method, df=df)
        excludes = ~((low <= 0) & (0 <= high))
        np.testing.assert_array_equal(excludes, p < 1 - confidence)
        assert np.all(low <= (x1 / n1 - x2 / n2) + 1e-12)
        assert np.all((x1 / n1 - x2 / n2) <= high + 1e-12)


def test_consistency_at_an_exact_tie():
    # choose the confidence equal to 1 - p of a table: the interval must then still agree
    p = float(difference_pvalue(56, 70, 48, 80, "score"))
    for confidence in (1 - p, np.nextafter(1 - p, 0), np.nextafter(1 - p, 1)):
        low, high = difference_interval(56, 70, 48, 80, "score", confidence)
        assert (low > 0) == (p < 1 - confidence)


def test_newcombe_pvalue_is_the_coverage_boundary():
    p = float(difference_pvalue(56, 70, 48, 80, "newcombe"))
    low, _ = difference_interval(56, 70, 48, 80, "newcombe", confidence=1 - p)
    assert abs(low) < 1e-12
    assert difference_interval(56, 70, 48, 80, "newcombe", 1 - p * 1.001)[0] > 0
    assert difference_interval(56, 70, 48, 80, "newcombe", 1 - p * 0.999)[0] < 0


# --------------------------------------------------------------------------------------------
# NPS change: interval-test consistency
# --------------------------------------------------------------------------------------------

def _nps_pairs():
    rng = np.random.default_rng(21)
    n1, n2 = rng.integers(1, 40, size=250), rng.integers(1, 40, size=250)
    cells = []
    for n in (n1, n2):
        b = rng.integers(0, n + 1)
        c = rng.integers(0, n - b + 1)
        cells += [b, n - b - c, c]
    cells = [np.r_[x, e] for x, e in zip(cells, ([5, 5, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5],
                                                 [5, 0, 0, 0], [0, 0, 5, 0], [0, 5, 0, 5]))]
    return [np.asarray(x, dtype=float) for x in cells]


@pytest.mark.parametrize("method, component", [("mover", "adjusted-wald"), ("mover", "score"),
                                               ("wald", "adjusted-wald")])
def test_nps_interval_excludes_zero_iff_test_rejects(method, component):
    cells = _nps_pairs()
    for confidence, df in ((0.90, None), (0.95, None), (0.95, 12)):
        low, high = nps_difference_interval(*cells, method, confidence, df,
                                            component=component)
        p = nps_difference_pvalue(*cells, method, df, component=component)
        excludes = ~((low <= 0) & (0 <= high))
        np.testing.assert_array_equal(excludes, p < 1 - confidence)


def test_mover_pvalue_is_the_coverage_boundary():
    p = float(nps_difference_pvalue(45, 30, 25, 30, 35, 35))
    assert 0.01 < p < 0.05
    low, _ = nps_difference_interval(45, 30, 25, 30, 35, 35, confidence=1 - p)
    assert abs(low) < 1e-12


def test_nps_difference_method_names_are_checked():
    with pytest.raises(ParameterError):
        nps_difference_pvalue(4, 3, 3, 4, 3, 3, "score")
    with pytest.raises(ParameterError):
        nps_difference_pvalue(4, 3, 3, 4, 3, 3, component="bootstrap")
    with pytest.raises(ParameterError):
        difference_pvalue(4, 10, 3, 10, "mover")


# --------------------------------------------------------------------------------------------
# the root finder (Chandrupatla) and the p-values it inverts
# --------------------------------------------------------------------------------------------

EPS = np.finfo(float).eps

# (function, target, lower, upper): decreasing on the bracket
ROOT_CASES = [
    (lambda x: np.cos(x) - x, 0.0, 0.0, 1.0),
    (lambda x: np.exp(-3.0 * x), 0.3, 0.0, 5.0),
    (lambda x: 1.0 / np.sqrt(x), 7.0, 0.0, 1.0),          # +inf at the lower end
    (lambda x: -(x - 0.3) ** 3, 0.0, 0.0, 1.0),          # triple root: bisection steps
    (lambda x: -np.arctan(1e4 * (x - 0.123)), -0.5, -1.0, 1.0),   # a near step
    (lambda x: _tango_statistic(x, 9.0, 3.0, 32.0), Z95, -1.0, 6 / 32),
    (lambda x: _tango_statistic(x, 40.5, 29.25, 100.0), -Z95, 0.1125, 1.0),
    (lambda x: _score_statistic(x, 56.0, 70.0, 48.0, 80.0, False), Z95, -1.0, 0.1),
]


@pytest.mark.parametrize("case", range(len(ROOT_CASES)))
def test_root_finder_agrees_with_brentq(case):
    function, target, lower, upper = ROOT_CASES[case]
    with np.errstate(divide="ignore"):
        root = _bracketed_root(function, target, np.array(lower), np.array(upper))
    # brentq needs finite ends: start it a hair inside the bracket
    ref = optimize.brentq(lambda x: float(function(np.array(x))) - target, lower + 1e-300,
                          upper, xtol=1e-300, rtol=4 * EPS, maxiter=500)
    assert abs(float(root) - ref) <= 1e-13


def test_root_finder_is_vectorised_per_element():
    # one call for many brackets and targets gives each element brentq's root
    promoters, detractors = np.array([9.0, 0.0, 12.0, 40.5]), np.array([3.0, 4.0, 0.0, 29.25])
    total = np.array([32.0, 24.0, 15.0, 100.0])
    estimate = (promoters - detractors) / total
    target = np.array([Z95, 1.0, 2.5, 0.1])
    roots = _bracketed_root(lambda d: _tango_statistic(d, promoters, detractors, total),
                            target, np.full(4, -1.0), estimate)
    for i in range(4):
        ref = optimize.brentq(lambda d: float(_tango_statistic(
            np.array(d), promoters[i], detractors[i], total[i])) - target[i],
            -1 + 1e-12, estimate[i], xtol=1e-300, rtol=4 * EPS)
        assert abs(roots[i] - ref) <= 1e-13


def test_root_finder_bracket_conventions():
    # as bisection: no sign change -> the end the function's side points to; an exact root at
    # an end -> that end; +-inf targets -> the ends a decreasing function reaches them; NaN
    target = np.array([0.5, 2.0, -2.0, 1.0, -1.0, np.inf, -np.inf, np.nan])
    root = _bracketed_root(lambda x: -x, target, np.full(8, -1.0), np.ones(8))
    np.testing.assert_array_equal(root[1:], [-1, 1, -1, 1, -1, 1, np.nan])
    assert abs(root[0] + 0.5) <= 1e-16


def test_root_finder_needs_few_evaluations():
    # the bisections took 64 evaluations a limit and 64 x 64 for a p-value; Chandrupatla's
    # method about 8, also for the hardest element of a large vectorised call
    calls = []

    def counted(*args):
        calls.append(1)
        return _tango_statistic(*args)

    rows = np.array([(p, n - p - d, d) for n in range(1, 41) for p in range(n + 1)
                     for d in range(n - p + 1)], dtype=float).T
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kirc.intervals._tango_statistic", counted)
        nps_interval(*rows, "score")
        assert len(calls) <= 40            # both limits of all 12,341 samples at once
        calls.clear()
        nps_difference_pvalue(45, 30, 25, 35, 35, 30)
        assert len(calls) <= 150           # was 16,640


def _newcombe_pvalue_reference(x1, n1, x2, n2):
    """The alpha at which statsmodels' Newcombe interval touches 0, by brentq over alpha."""
    d = x1 / n1 - x2 / n2

    def nearer_limit(alpha):
        low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", alpha=alpha)
        return low if d > 0 else -high

    return optimize.brentq(nearer_limit, 1e-20, 1 - 1e-12, xtol=1e-300, rtol=4 * EPS)


NEWCOMBE_TABLES = [(56, 70, 48, 80), (5, 20, 12, 25), (30, 50, 20, 60), (1, 18, 7, 19),
                   (0, 10, 4, 10), (12, 40, 12, 41), (150, 400, 100, 380), (9, 14, 11, 17),
                   (5000, 10000, 4800, 10000)]


@pytest.mark.parametrize("table", NEWCOMBE_TABLES)
def test_inverted_pvalues_match_statsmodels_newcombe(table):
    # Newcombe's p-value, and the MOVER score NPS p-value of samples without passives (the
    # score NPS interval is then 2 x Wilson - 1, MOVER twice Newcombe's interval)
    x1, n1, x2, n2 = table
    ref = _newcombe_pvalue_reference(*table)
    assert difference_pvalue(*table, "newcombe") == pytest.approx(ref, rel=1e-12, abs=1e-15)
    assert nps_difference_pvalue(x1, 0, n1 - x1, x2, 0, n2 - x2) == pytest.approx(
        ref, rel=1e-12, abs=1e-15)


NPS_PAIRS = [(45, 30, 25, 35, 35, 30), (20, 10, 15, 30, 10, 5), (300, 200, 150, 280, 260, 200),
             (9, 20, 3, 4, 20, 9), (4000, 3000, 3000, 4100, 2900, 3000)]


@pytest.mark.parametrize("cells", NPS_PAIRS)
@pytest.mark.parametrize("df", [None, 4.0, 30.0])
def test_mover_of_wald_components_inverts_to_the_wald_test(cells, df):
    # without clipping, MOVER of Wald limits is d +- q sqrt(v1 + v2): the inverted p-value is
    # the unpooled Wald test's 2 P(T > |d| / sqrt(v1 + v2)), by hand
    p1, pa1, d1, p2, pa2, d2 = cells
    n1, n2 = p1 + pa1 + d1, p2 + pa2 + d2
    nps1, nps2 = (p1 - d1) / n1, (p2 - d2) / n2
    v = ((p1 + d1) / n1 - nps1**2) / n1 + ((p2 + d2) / n2 - nps2**2) / n2
    t = abs(nps1 - nps2) / np.sqrt(v)
    ref = 2 * (stats.norm.sf(t) if df is None else stats.t.sf(t, df))
    p = nps_difference_pvalue(*cells, df=df, component="wald")
    assert p == pytest.approx(ref, rel=1e-12, abs=1e-15)


def test_mover_pvalue_where_a_limit_stays_at_zero():
    # a sample of only detractors has a Wald interval of zero width; against it the MOVER
    # lower limit is 0 from the quantile at which sample 1's lower limit is clipped at -1,
    # z0 = (nps1 + 1) / se1, onwards: the p-value is 2 Phi(-z0), by hand
    p = nps_difference_pvalue([2, 8], [1, 1], [8, 2], 0, 0, 34, component="wald")
    for (pro, pas, det), value in zip([(2, 1, 8), (8, 1, 2)], p):
        n = pro + pas + det
        nps = (pro - det) / n
        se = np.sqrt(((pro + det) / n - nps**2) / n)
        assert value == pytest.approx(2 * stats.norm.sf((nps + 1) / se), rel=1e-12)


def test_inverting_a_wald_family_gives_the_wald_pvalue_down_to_tiny_values():
    # the inversion machinery on d +- q se: p = 2 P(T > |d| / se) to 1e-12 relative, also for
    # p-values of 1e-20, and 2 Phi(-10) below that
    d = np.array([0.3, -0.1, 0.02, 1e-9, 0.25, 0.4])
    se = np.array([0.1, 0.2, 0.9, 0.3, 0.0265, 0.0001])
    for df in (None, np.array(5.0), np.array(np.inf)):
        p = _invert_to_pvalue(lambda q: (d - q * se, d + q * se), df, d.shape)
        t = np.abs(d) / se
        ref = 2 * (stats.t.sf(t, df) if df is not None and np.isfinite(df) else stats.norm.sf(t))
        ref = np.maximum(ref, 2 * stats.norm.sf(10))
        np.testing.assert_allclose(p, ref, rtol=1e-12)


def test_batched_pvalues_equal_single_calls():
    # each element's search is its own: a batch gives every element exactly its single value
    rng = np.random.default_rng(4)
    cells = np.array([rng.multinomial(n, [0.4, 0.3, 0.3]) for n in rng.integers(1, 60, 80)],
                     dtype=float).reshape(40, 6)
    batch = nps_difference_pvalue(*cells.T)
    single = [float(nps_difference_pvalue(*row)) for row in cells]
    np.testing.assert_array_equal(batch, single)


# --------------------------------------------------------------------------------------------
# adjusted Wald at other confidence levels
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("confidence", [0.80, 0.90, 0.95, 0.99])
def test_adjusted_wald_contains_the_estimate_for_every_sample_up_to_40(confidence):
    b, c, n = [], [], []
    for size in range(1, 41):
        pb, pc = np.meshgrid(np.arange(size + 1), np.arange(size + 1), indexing="ij")
        keep = pb + pc <= size
        b.append(pb[keep]), c.append(pc[keep]), n.append(np.full(keep.sum(), size))
    b, c, n = (np.concatenate(x).astype(float) for x in (b, c, n))
    low, high = nps_interval(b, n - b - c, c, "adjusted-wald", confidence)
    estimate = (b - c) / n
    assert np.all(low <= estimate) and np.all(estimate <= high)


def test_adjusted_wald_pseudo_counts_scale_with_the_squared_quantile():
    # the example: 20 promoters at 80 % gave [0.757, 0.983] with fixed pseudo-counts
    low, high = nps_interval(20, 0, 0, "adjusted-wald", 0.80)
    assert high == 1
    z = stats.norm.isf(0.10)
    scale = (z / Z95) ** 2
    p, d, n = (9 + 0.75 * scale), (4 + 0.75 * scale), 20 + 3 * scale
    p, d = p / n, d / n
    half = z * np.sqrt((p + d - (p - d) ** 2) / n)
    low, high = nps_interval(9, 7, 4, "adjusted-wald", 0.80)
    assert (low, high) == pytest.approx((p - d - half, p - d + half), abs=1e-14)
    # at 95 % it is Rocks' interval with 0.75 / 1.5 / 0.75
    assert nps_interval(9, 7, 4)[0] == pytest.approx(
        (9.75 - 4.75) / 23 - Z95 * np.sqrt((14.5 / 23 - (5 / 23) ** 2) / 23), abs=1e-14)


# --------------------------------------------------------------------------------------------
# the design coverage study (benchmarks/coverage_design.py)
# --------------------------------------------------------------------------------------------

def _design_module():
    path = ROOT / "benchmarks" / "coverage_design.py"
    spec = importlib.util.spec_from_file_location("coverage_design", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_design_study_variance_is_the_linearised_variance():
    study = _design_module()
    rng = np.random.default_rng(4)
    # equal weights, respondents as PSUs: n/(n-1) sum((y - p)/n)^2 = p(1-p)/(n-1)
    y = (rng.random((3, 40)) < 0.3) * 1.0
    p = y.mean(axis=1)
    v = study.linearised_variance(np.ones_like(y), y, p, 40)
    np.testing.assert_allclose(v, p * (1 - p) / 39, rtol=1e-12)
    # clusters by a direct loop over the PSUs of one sample
    w = rng.lognormal(size=(1, 30))
    y = (rng.random((1, 30)) < 0.4) * 1.0
    p = np.sum(w * y, axis=1) / w.sum()
    totals = [np.sum(w[0, c * 5:(c + 1) * 5] * (y[0, c * 5:(c + 1) * 5] - p[0])) / w.sum()
              for c in range(6)]
    expected = 6 / 5 * sum((t - np.mean(totals)) ** 2 for t in totals)
    assert study.linearised_variance(w, y, p, 6)[0] == pytest.approx(expected, rel=1e-12)


def test_design_study_truth_and_adopted_defaults():
    study = _design_module()
    # the quadrature truth matches a large simulation of the population (Z ~ N(0.6, 1))
    rng = np.random.default_rng(5)
    a = study.share_intercept(0.2, "weighted")
    z = rng.normal(study.WEIGHT_SD, 1, size=400_000)
    simulated = np.mean(1 / (1 + np.exp(-(a + study.RELATION * z))))
    assert simulated == pytest.approx(0.2, abs=0.002)
    from kirc import intervals
    assert intervals.DEFAULT_DESIGN_PROPORTION_METHOD == "beta"
    assert intervals.DEFAULT_DESIGN_NPS_METHOD == "score"
    # a reduced cell still shows the documented behaviour: beta covers weighted samples,
    # Wilson on Kish's n under-covers weighted clusters
    cell = study.share_cell("weighted", 300, 0.2, 600, np.random.default_rng(6))
    assert 0.93 <= cell["beta"] <= 0.985
    cell = study.share_cell("weighted-clustered", 300, 0.5, 600, np.random.default_rng(7))
    assert cell["wilson-kish"] < cell["beta"] - 0.08


# R 4.2.2, survey 4.1.1, on ../shared/realdata/survey_api/ (an NPS-like score of api00):
#
#   library(survey)
#   d <- "/work/shared/realdata/survey_api/"
#   clus <- read.csv(paste0(d, "apiclus1.csv")); strat <- read.csv(paste0(d, "apistrat.csv"))
#   sc <- function(x) transform(x, score = ifelse(api00 >= 750, 1, ifelse(api00 < 600, -1, 0)),
#                               pro = as.numeric(api00 >= 750), det = as.numeric(api00 < 600))
#   dc <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = sc(clus))
#   ds <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = sc(strat))
#   for (des in list(dc, ds)) {
#     m <- svymean(~score, des); sh <- svymean(~pro + det, des)
#     ci <- confint(m, df = degf(des))
#     cat(sprintf("(%.15g, %.15g, %.15g, %d, %d, %.15g, %.15g),\n", coef(sh)[1], coef(sh)[2],
#                 SE(m)[1], degf(des), nrow(des), ci[1], ci[2]))
#   }
SVYMEAN_SCORE = [
    (0.158469945355191, 0.360655737704918, 0.144677716530143, 14, 183, -0.512488632801922, 0.108117048102469),
    (0.265474651362673, 0.326750081298657, 0.0592183419839559, 197, 200, -0.178058680577669, 0.0555078207056998),
]


@pytest.mark.parametrize("promoters, detractors, se, df, n, r_low, r_high", SVYMEAN_SCORE)
def test_design_nps_wald_reproduces_svymean_confint(promoters, detractors, se, df, n, r_low,
                                                    r_high):
    low, high = design_nps_interval(promoters, detractors, se**2, n, df, "wald")
    assert (low, high) == pytest.approx((r_low, r_high), abs=1e-9)
    # the other methods use the same effective counts: nested around the estimate
    for method in ("adjusted-wald", "score"):
        low, high = design_nps_interval(promoters, detractors, se**2, n, df, method)
        assert low < promoters - detractors < high
        assert abs((high - low) - (r_high - r_low)) < 0.05


@pytest.mark.parametrize("confidence, mean, lowest", [(0.80, 79.90, 74.64), (0.90, 90.07, 86.76),
                                                      (0.99, 98.87, 97.28)])
def test_adjusted_wald_keeps_its_coverage_at_other_levels(confidence, mean, lowest):
    # the figures of nps_interval's docstring, n = 20, dense grid
    coverage = _coverage_module()
    table = coverage.coverage_table(methods=("adjusted-wald",), ns=(20,),
                                    confidence=confidence)
    row = coverage.summarise(table).iloc[0]
    assert round(row["mean"], 2) == mean and round(row["min"], 2) == lowest
