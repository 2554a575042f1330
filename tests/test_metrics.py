"""Tidy metrics (kirc.estimate.metrics) against independent references.

References used here:
- plain pandas ``value_counts`` / ``groupby`` for the tallies;
- statsmodels ``proportion_confint`` and ``confint_proportions_2indep`` for intervals;
- scipy ``chi2_contingency`` and ``ttest_ind`` for p-values and Welch intervals;
- R's ``survey`` package (4.x, Debian r-cran-survey) for weighted means and the finite population
  correction, numbers pasted in below with the script that produced them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

import kirc
from kirc._keys import factorize
from kirc import intervals
from conftest import realdata_file


@pytest.fixture
def survey():
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame({
        "sector": pd.Categorical(rng.choice(["telecom", "energie", "overheid"], n),
                                 categories=["telecom", "energie", "overheid", "retail"]),
        "kanaal": rng.choice(["telefoon", "chat"], n),
        "aanbeveling": rng.integers(0, 11, n).astype(float),
        "opgelost": rng.choice([1.0, 0.0], n, p=[0.7, 0.3]),
        "tevredenheid": rng.integers(1, 6, n).astype(float),
        "gewicht": rng.uniform(0.3, 3.0, n),
    })
    df.loc[rng.choice(n, 150, replace=False), "aanbeveling"] = np.nan
    df.loc[rng.choice(n, 90, replace=False), "opgelost"] = np.nan
    return df


def test_standard_columns_for_every_metric(survey):
    for out in (kirc.nps(survey, "aanbeveling", by="sector"),
                kirc.csat(survey, "tevredenheid", by="sector"),
                kirc.mean_score(survey, "tevredenheid", by="sector"),
                kirc.share(survey, "opgelost", by="sector")):
        assert list(out.columns[:9]) == ["sector", *kirc.estimate.metrics.STANDARD_COLUMNS]
        assert len(out) == 4


def test_nps_tally_matches_pandas_value_counts(survey):
    out = kirc.nps(survey, "aanbeveling", by=["sector", "kanaal"])
    rows = survey.dropna(subset=["aanbeveling"])
    category = pd.cut(rows["aanbeveling"], [-1, 6, 8, 10], labels=["det", "pas", "pro"])
    counts = (rows.assign(c=category).groupby(["sector", "kanaal"], observed=True)["c"]
              .value_counts().unstack())
    for _, row in out[out["n"] > 0].iterrows():
        expected = counts.loc[(row["sector"], row["kanaal"])]
        total = expected.sum()
        assert row["n"] == total
        assert row["promoters"] == pytest.approx(100 * expected["pro"] / total)
        assert row["detractors"] == pytest.approx(100 * expected["det"] / total)
        assert row["estimate"] == pytest.approx(100 * (expected["pro"] - expected["det"]) / total)
        low, high = intervals.nps_interval(expected["pro"], expected["pas"], expected["det"])
        assert row["ci_low"] == pytest.approx(100 * float(low))
        assert row["ci_high"] == pytest.approx(100 * float(high))
    missing = survey.groupby(["sector", "kanaal"], observed=True)["aanbeveling"].apply(
        lambda s: s.isna().sum())
    merged = out.set_index(["sector", "kanaal"])["n_missing"].reindex(missing.index)
    assert (merged == missing).all()


def test_share_matches_statsmodels(survey):
    out = kirc.share(survey, "opgelost", by="kanaal", method="clopper-pearson")
    for _, row in out.iterrows():
        answers = survey.loc[survey["kanaal"] == row["kanaal"], "opgelost"].dropna()
        low, high = proportion_confint(int(answers.sum()), len(answers), method="beta")
        assert row["estimate"] == pytest.approx(100 * answers.mean())
        assert row["ci_low"] == pytest.approx(100 * low, abs=1e-9)
        assert row["ci_high"] == pytest.approx(100 * high, abs=1e-9)
        assert row["n"] == len(answers) and row["n_eff"] == len(answers)


def test_csat_is_top_two_box_share(survey):
    out = kirc.csat(survey, "tevredenheid")
    satisfied = (survey["tevredenheid"] >= 4).sum()
    low, high = proportion_confint(satisfied, len(survey), method="wilson")
    assert out.loc[0, "estimate"] == pytest.approx(100 * satisfied / len(survey))
    assert out.loc[0, "ci_low"] == pytest.approx(100 * low)
    assert out.loc[0, "ci_high"] == pytest.approx(100 * high)
    top3 = kirc.csat(survey, "tevredenheid", top=3)
    assert top3.loc[0, "estimate"] == pytest.approx(100 * (survey["tevredenheid"] >= 3).mean())


def test_mean_score_matches_scipy_t_interval(survey):
    y = survey["tevredenheid"]
    out = kirc.mean_score(survey, "tevredenheid")
    low, high = stats.t.interval(0.95, len(y) - 1, loc=y.mean(), scale=stats.sem(y))
    assert out.loc[0, "ci_low"] == pytest.approx(low, rel=1e-12)
    assert out.loc[0, "ci_high"] == pytest.approx(high, rel=1e-12)
    # A group keeps the whole design (issue 9, as R's svyby): its variance is the domain
    # estimator's, s²/n_d · (n_d − 1)/n_d · n/(n − 1), with n_d − 1 degrees of freedom.
    by_channel = kirc.mean_score(survey, "tevredenheid", by="kanaal")
    n = len(survey)
    for _, row in by_channel.iterrows():
        y = survey.loc[survey["kanaal"] == row["kanaal"], "tevredenheid"]
        nd = len(y)
        se = stats.sem(y) * np.sqrt((nd - 1) / nd * n / (n - 1))
        low, high = stats.t.interval(0.95, nd - 1, loc=y.mean(), scale=se)
        assert row["estimate"] == pytest.approx(y.mean())
        assert row["ci_low"] == pytest.approx(low, rel=1e-12)
        assert row["ci_high"] == pytest.approx(high, rel=1e-12)
        assert row["df"] == nd - 1
        assert row["sd"] == pytest.approx(y.std(ddof=1))


@pytest.mark.parametrize("metric,args", [
    (kirc.nps, ("aanbeveling",)), (kirc.csat, ("tevredenheid",)),
    (kirc.mean_score, ("tevredenheid",)), (kirc.share, ("opgelost",)),
])
def test_unit_weights_give_the_unweighted_estimates(survey, metric, args):
    # Issue 9 changed the intervals of weighted data (design variance and t quantile, as
    # svyciprop): a weight column of ones is a weighted design, so only the estimates, the
    # sizes and the standard errors equal the unweighted ones; the method is the same.
    ones = survey.assign(w=1.0)
    weighted = metric(ones, *args, by="sector", weights="w")
    unweighted = metric(ones, *args, by="sector")
    same = ["sector", "estimate", "n", "n_eff", "n_missing", "flag", "se", "df"]
    pd.testing.assert_frame_equal(weighted[same], unweighted[same], check_exact=False,
                                  rtol=1e-12)


def test_weighted_share_uses_the_design_variance_not_kish(survey):
    # Issue 9: weighted intervals use the linearised variance and t(n − 1), not Kish's n_eff.
    out = kirc.share(survey, "opgelost", weights="gewicht", method="wilson")
    rows = survey.dropna(subset=["opgelost"])
    w, y = rows["gewicht"].to_numpy(), rows["opgelost"].to_numpy()
    n = len(rows)
    p = np.average(y, weights=w)
    n_kish = w.sum() ** 2 / (w ** 2).sum()
    # Rows whose answer is missing stay in the design (svymean(na.rm=TRUE)): m counts them.
    m = len(survey)
    variance = m / (m - 1) * np.sum((w * (y - p)) ** 2) / w.sum() ** 2
    n_design = p * (1 - p) / variance
    t, z = stats.t.isf(0.025, n - 1), stats.norm.isf(0.025)
    size = n_design * (z / t) ** 2           # Wilson with t in place of z
    low, high = proportion_confint(p * size, size, method="wilson")
    assert out.loc[0, "estimate"] == pytest.approx(100 * p)
    assert out.loc[0, "n_eff"] == pytest.approx(n_kish)          # n_eff keeps Kish's meaning
    assert out.loc[0, "n"] == n
    assert out.loc[0, "se"] == pytest.approx(100 * np.sqrt(variance), rel=1e-12)
    assert out.loc[0, "df"] == n - 1
    assert out.loc[0, "ci_low"] == pytest.approx(100 * low, rel=1e-12)
    assert out.loc[0, "ci_high"] == pytest.approx(100 * high, rel=1e-12)
    kish_low, _ = proportion_confint(p * n_kish, n_kish, method="wilson")
    assert abs(out.loc[0, "ci_low"] - 100 * kish_low) > 1e-4


def test_weighted_mean_matches_r_survey():
    # Rscript: library(survey); apistrat <- read.csv(".../apistrat.csv")
    #   dw <- svydesign(id=~1, weights=~pw, data=apistrat); mw <- svymean(~api00, dw)
    #   coef(mw) 662.287363159321; SE(mw) 9.58542887637313
    #   confint(mw, df=degf(dw)) 643.385313957097 681.189412361544
    api = pd.read_csv(realdata_file("survey_api", "apistrat.csv"))
    out = kirc.mean_score(api, "api00", weights="pw")
    assert out.loc[0, "estimate"] == pytest.approx(662.287363159321, rel=1e-12)
    assert out.loc[0, "se"] == pytest.approx(9.58542887637313, rel=1e-10)
    assert out.loc[0, "ci_low"] == pytest.approx(643.385313957097, rel=1e-10)
    assert out.loc[0, "ci_high"] == pytest.approx(681.189412361544, rel=1e-10)


def test_finite_population_correction_matches_r_survey():
    # Rscript: apisrs <- read.csv(".../apisrs.csv"); apisrs$yes <- as.numeric(apisrs$sch.wide=="Yes")
    #   d <- svydesign(id=~1, fpc=~fpc, data=apisrs)     # n = 200 of N = 6194
    #   svymean(~yes, d): 0.815, SE 0.0270776455620269
    #   svymean(~api00, d): 656.585, SE 9.24972203928281,
    #   confint(svymean(~api00, d), df=degf(d)): 638.344950092127 674.825049907873
    api = pd.read_csv(realdata_file("survey_api", "apisrs.csv"))
    api["yes"] = (api["sch.wide"] == "Yes").astype(float)
    n, population = len(api), 6194
    out = kirc.share(api, "yes", method="wald", population=population)
    z = stats.norm.ppf(0.975)
    half_width = (out.loc[0, "ci_high"] - out.loc[0, "ci_low"]) / 2 / 100
    # Wald on n/(1-n/N) gives the textbook SE; R uses the unbiased variance (factor n/(n-1)).
    assert half_width / z * np.sqrt(n / (n - 1)) == pytest.approx(0.0270776455620269, rel=1e-10)
    mean = kirc.mean_score(api, "api00", population=population)
    assert mean.loc[0, "se"] == pytest.approx(9.24972203928281, rel=1e-10)
    assert mean.loc[0, "ci_low"] == pytest.approx(638.344950092127, rel=1e-10)
    assert mean.loc[0, "ci_high"] == pytest.approx(674.825049907873, rel=1e-10)


def test_population_narrows_the_interval_and_a_census_has_none():
    orgs = pd.DataFrame({"year": 2017, "avg_ready": [1.0] * 10 + [0.0] * 110})
    free = kirc.share(orgs, "avg_ready")
    finite = kirc.share(orgs, "avg_ready", population=170)
    census = kirc.share(orgs, "avg_ready", population=120)
    assert finite.loc[0, "ci_high"] - finite.loc[0, "ci_low"] < \
        free.loc[0, "ci_high"] - free.loc[0, "ci_low"]
    low, high = proportion_confint(10 / 120 * 120 / (1 - 120 / 170), 120 / (1 - 120 / 170),
                                   method="wilson")
    assert finite.loc[0, "ci_low"] == pytest.approx(100 * low)
    assert finite.loc[0, "ci_high"] == pytest.approx(100 * high)
    assert census.loc[0, "ci_low"] == census.loc[0, "ci_high"] == census.loc[0, "estimate"]
    with pytest.raises(kirc.ParameterError):
        kirc.share(orgs, "avg_ready", population=100)
    by_year = kirc.avg_readiness(orgs, by="year", population={2017: 170}, weights=None)
    assert by_year.loc[0, "ci_low"] == pytest.approx(100 * low)


def test_edge_cases_return_rows():
    df = pd.DataFrame({
        "g": pd.Categorical(["a", "a", "b"], categories=["a", "b", "leeg"]),
        "score": [10.0, 9.0, 4.0],
    })
    out = kirc.nps(df, "score", by="g").set_index("g")
    assert out.loc["leeg", "n"] == 0 and np.isnan(out.loc["leeg", "estimate"])
    assert np.isnan(out.loc["leeg", "ci_low"]) and np.isnan(out.loc["leeg", "ci_high"])
    assert out.loc["a", "estimate"] == 100          # everyone a promoter
    assert out.loc["a", "ci_low"] < 100 and out.loc["a", "ci_high"] == pytest.approx(100)
    assert out.loc["b", "n"] == 1 and out.loc["b", "estimate"] == -100   # one respondent
    assert (out["flag"] == "n<30").all()
    single = kirc.mean_score(df, "score", by="g").set_index("g")
    assert single.loc["b", "estimate"] == 4 and np.isnan(single.loc["b", "ci_low"])
    none = kirc.share(df.iloc[:0], "score")
    assert none.loc[0, "n"] == 0 and np.isnan(none.loc[0, "estimate"])


def test_min_n_comes_from_the_survey_or_the_call():
    df = pd.DataFrame({"ok": [1.0] * 10})
    assert kirc.share(df, "ok").loc[0, "flag"] == "n<30"
    assert kirc.share(df, "ok", min_n=5).loc[0, "flag"] == ""
    df.attrs["min_n"] = 5
    assert kirc.share(df, "ok").loc[0, "flag"] == ""


def test_share_of_labelled_categories():
    df = pd.DataFrame({"status": pd.Categorical(["klaar", "deels", "niet", "klaar", None],
                                                categories=["klaar", "deels", "niet"])})
    out = kirc.share(df, "status", positive="klaar")
    assert out.loc[0, "estimate"] == 50 and out.loc[0, "n"] == 4
    assert out.loc[0, "n_missing"] == 1
    with pytest.raises(kirc.ParameterError, match="Klaar"):
        kirc.share(df, "status", positive="Klaar")


def test_share_change_matches_newcombe_and_chi_square():
    df = pd.DataFrame({"year": [2018] * 80 + [2019] * 70,
                       "ok": [1.0] * 48 + [0.0] * 32 + [1.0] * 56 + [0.0] * 14})
    # Issue 9: the default is the score pair (interval inverting the pooled z-test), so that
    # p-value and interval agree; Newcombe's interval stays available by name.
    out = kirc.change(df, "share", "ok", year=(2018, 2019))
    chi2, p, _, _ = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    row = out.iloc[0]
    assert row["method"] == "score"
    assert row["estimate"] == pytest.approx(100 * (56 / 70 - 48 / 80))
    assert row["p_value"] == pytest.approx(p)
    assert bool(row["significant"]) == (p < 0.05) == (row["ci_low"] > 0)
    assert (row["n_from"], row["n_to"]) == (80, 70)
    newcombe = kirc.change(df, "share", "ok", year=(2018, 2019), method="newcombe").iloc[0]
    low, high = confint_proportions_2indep(56, 70, 48, 80, method="newcomb")
    assert newcombe["ci_low"] == pytest.approx(100 * low)
    assert newcombe["ci_high"] == pytest.approx(100 * high)


def test_mean_change_matches_welch(survey):
    df = survey.assign(year=np.where(np.arange(len(survey)) < 1400, 2020, 2021))
    out = kirc.change(df, "mean", "tevredenheid").iloc[0]
    a = df.loc[df["year"] == 2020, "tevredenheid"]
    b = df.loc[df["year"] == 2021, "tevredenheid"]
    result = stats.ttest_ind(b, a, equal_var=False)
    ci = result.confidence_interval(0.95)
    assert out["estimate"] == pytest.approx(b.mean() - a.mean())
    assert out["p_value"] == pytest.approx(result.pvalue)
    assert out["ci_low"] == pytest.approx(ci.low)
    assert out["ci_high"] == pytest.approx(ci.high)


def test_nps_change_by_group(survey):
    df = survey.assign(year=np.where(np.arange(len(survey)) % 2 == 0, 2024, 2025))
    out = kirc.change(df, kirc.nps, "aanbeveling", by="kanaal")
    assert list(out["kanaal"]) == ["chat", "telefoon"]
    for _, row in out.iterrows():
        per_year = kirc.nps(df[df["kanaal"] == row["kanaal"]], "aanbeveling", by="year")
        assert row["estimate"] == pytest.approx(per_year["estimate"].diff().iloc[1])
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
        assert 0 <= row["p_value"] <= 1
    assert set(out["method"]) == {"mover"}


def test_change_names_a_missing_year():
    df = pd.DataFrame({"year": [2018, 2019], "ok": [1.0, 0.0]})
    with pytest.raises(kirc.ParameterError, match="2017"):
        kirc.change(df, "share", "ok", year=2018)


def test_trend_orders_years_first(survey):
    df = survey.assign(year=np.repeat([2019, 2020, 2021], len(survey) // 3))
    out = kirc.trend(df, "nps", "aanbeveling", by="kanaal")
    assert list(out.columns[:2]) == ["year", "kanaal"]
    assert list(out["year"]) == [2019, 2019, 2020, 2020, 2021, 2021]


def test_bad_input_names_the_column():
    df = pd.DataFrame({"aanbeveling": [10, 11, 3]})
    df.attrs["source"] = "ks2019.sav"
    with pytest.raises(kirc.ScaleError, match=r"ks2019\.sav, column 'aanbeveling'.*11"):
        kirc.nps(df, "aanbeveling")
    text = pd.DataFrame({"aanbeveling": ["10 - zeer waarschijnlijk", "8"]})
    with pytest.raises(kirc.ScaleError, match="'aanbeveling'.*not numbers"):
        kirc.nps(text, "aanbeveling")
    with pytest.raises(kirc.ColumnError, match="'nps'"):
        kirc.nps(df, "nps")
    with pytest.raises(kirc.ScaleError, match="outside the scale 1–5"):
        kirc.csat(pd.DataFrame({"t": [1, 99]}), "t")
    with pytest.raises(kirc.ScaleError, match="weights"):
        kirc.share(pd.DataFrame({"ok": [1.0], "w": [-1.0]}), "ok", weights="w")
    with pytest.raises(kirc.ParameterError):
        kirc.trend(pd.DataFrame({"year": [1], "ok": [1]}), "median", "ok")


def test_inputs_are_not_modified(survey):
    before = survey.copy()
    kirc.nps(survey, "aanbeveling", by="sector", weights="gewicht")
    kirc.csat(survey, "tevredenheid", by="kanaal")
    kirc.mean_score(survey, "tevredenheid", weights="gewicht")
    pd.testing.assert_frame_equal(survey, before)


@pytest.mark.parametrize("values", [
    [2019, 2017, 2019, 2025],                       # years: dense range
    [-3, 7, -3, 0],                                 # negative codes
    np.array([5, 5, 5], dtype=np.uint8),            # one value, unsigned
    [1, 10 ** 12, 1],                               # too wide a range for offsets
    pd.array([1, None, 3], dtype="Int64"),          # nullable integers
    ["b", "a", None, "b"],                          # strings with a missing key
])
def test_group_codes_equal_pandas_factorize(values):
    series = pd.Series(values, name="g")
    codes, uniques = factorize(series)
    expected_codes, expected_uniques = pd.factorize(series, sort=True)
    np.testing.assert_array_equal(codes, expected_codes)
    assert list(uniques) == list(expected_uniques)
