"""Returning units: change and trend tests with the covariance of units answering in two years.

**A fully linked panel against R.** ``apistrat`` holds every school's API of 1999 and 2000:
as two yearly samples of the same 200 schools (each year × school type a stratum, the schools
the linked units), the change 1999 → 2000 must be R's mean of the schools' differences in the
stratified design (R 4.2.2, survey 4.1.1)::

    suppressMessages(library(survey)); options(digits=15)
    st <- read.csv("../shared/realdata/survey_api/apistrat.csv")
    d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st)
    m <- svymean(~I(api00 - api99), d); cat(sprintf("%.12f", c(coef(m), SE(m))), degf(d), "\\n")
    b <- svyby(~I(api00 - api99), ~comp.imp, d, svymean); cat(sprintf("%.12f", c(coef(b), SE(b))), "\\n")
    sapply(c("No", "Yes"), function(g) degf(subset(d, comp.imp == g)))

    32.892518375360 2.051112407711 197
    10.760107011906 44.516600135920 2.071847293159 2.462564892054
     No Yes
     81 113

**Partial overlap against Tam's formula.** Two simple random samples of one population of N
units with n₁₂ units in common: Var(ȳ₂ − ȳ₁) = (1 − f₁)s₁²/n₁ + (1 − f₂)s₂²/n₂ − 2(n₁₂/(n₁n₂) −
1/N)s₁₂, s₁₂ the covariance of the common units' answers (Tam 1984, eq. 2; Kish 1965,
§12.4), computed in the test from the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import realdata_file
from engine_data import assert_same

R_PANEL = {"change": (32.892518375360, 2.051112407711, 197),
           "by": ([10.760107011906, 44.516600135920], [2.071847293159, 2.462564892054],
                  [81, 113])}
LINKED = "design (Taylor), returning units (Tam 1984), t"


@pytest.fixture(scope="module")
def panel():
    data = pd.read_csv(realdata_file("survey_api", "apistrat.csv"))
    long = pd.concat([data.assign(year=1999, api=data["api99"]),
                      data.assign(year=2000, api=data["api00"])], ignore_index=True)
    return long, kirc.Design(weights="pw", strata="stype", fpc="fpc", linked="snum")


def test_a_fully_linked_panel_is_the_mean_of_the_differences(panel):
    data, design = panel
    out = kirc.change(data, "mean", "api", design=design)
    estimate, se, df = R_PANEL["change"]
    assert out.loc[0, "estimate"] == pytest.approx(estimate, rel=1e-9)
    assert out.loc[0, "se"] == pytest.approx(se, rel=1e-9)
    assert out.loc[0, "df"] == df
    assert out.loc[0, "method"] == LINKED
    groups = kirc.change(data, "mean", "api", by="comp.imp", design=design)
    np.testing.assert_allclose(groups["estimate"], R_PANEL["by"][0], rtol=1e-9)
    np.testing.assert_allclose(groups["se"], R_PANEL["by"][1], rtol=1e-9)
    np.testing.assert_array_equal(groups["df"], R_PANEL["by"][2])
    # two periods: the trend's slope is the change, with the same standard error
    trend = kirc.trend_test(data, "mean", "api", design=design)
    assert trend.loc[0, "slope"] == pytest.approx(estimate, rel=1e-9)
    assert trend.loc[0, "se"] == pytest.approx(se, rel=1e-9)
    assert trend.loc[0, "method"] == "linear trend (WLS), " + LINKED
    # as unrelated samples (linked=None) the test is far too conservative
    unlinked = kirc.change(data, "mean", "api", design=design, linked=None)
    assert unlinked.loc[0, "se"] > 5 * se
    assert unlinked.loc[0, "method"] == "design (Taylor), t"


def _overlapping(seed=3, population=400, n1=120, n2=140, common=90, rho=0.6):
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 1, population)
    y1 = np.sqrt(rho) * level + np.sqrt(1 - rho) * rng.normal(0, 1, population)
    y2 = np.sqrt(rho) * level + np.sqrt(1 - rho) * rng.normal(0, 1, population) + 0.1
    units = rng.permutation(population)
    first = units[:n1]
    second = np.concatenate([units[:common], units[n1:n1 + n2 - common]])
    return pd.DataFrame({"year": [2024] * n1 + [2025] * n2,
                         "org": np.concatenate([first, second]),
                         "y": np.concatenate([y1[first], y2[second]])}), first, second, y1, y2


def test_partial_overlap_is_tams_covariance():
    data, first, second, y1, y2 = _overlapping()
    N, n1, n2 = 400, len(first), len(second)
    common = np.intersect1d(first, second)
    s1, s2 = np.var(y1[first], ddof=1), np.var(y2[second], ddof=1)
    s12 = np.cov(y1[common], y2[common], ddof=1)[0, 1]
    tam = ((1 - n1 / N) * s1 / n1 + (1 - n2 / N) * s2 / n2
           - 2 * (len(common) / (n1 * n2) - 1 / N) * s12)
    design = kirc.Design(population={2024: N, 2025: N}, linked="org")
    out = kirc.change(data, "mean", "y", design=design)
    assert out.loc[0, "estimate"] == pytest.approx(y2[second].mean() - y1[first].mean())
    assert out.loc[0, "se"] ** 2 == pytest.approx(tam, rel=1e-12)
    # df: the distinct units, minus one group of years joined by their common units
    assert out.loc[0, "df"] == len(np.union1d(first, second)) - 1
    # a share and the NPS take the same covariance
    shares = data.assign(ok=(data["y"] > 0).astype(float))
    assert kirc.change(shares, "share", "ok", design=design).loc[0, "method"] == LINKED


def test_domains_of_a_linked_survey_keep_the_whole_sample(panel):
    data, design = panel
    survey = kirc.as_survey(data, design)
    by = kirc.change(survey, "mean", "api", by="comp.imp")
    alone = kirc.change(survey[survey["comp.imp"] == "Yes"], "mean", "api")
    assert alone.loc[0, "se"] == pytest.approx(by.loc[1, "se"], rel=1e-12)
    assert alone.loc[0, "df"] == by.loc[1, "df"]


def test_engines_give_the_linked_covariance(panel):
    duckdb = pytest.importorskip("duckdb")
    data, design = panel
    expected = kirc.change(data, "mean", "api", by="comp.imp", design=design)
    assert_same(expected, kirc.change(duckdb.connect().from_df(data), "mean", "api",
                                      by="comp.imp", design=design))
    chunks = (data.iloc[i:i + 100] for i in range(0, len(data), 100))
    assert_same(expected, kirc.change(chunks, "mean", "api", by="comp.imp", design=design))


def test_the_sectorscan_declares_its_returning_organisations():
    orgs = kirc.load_survey("sectorscan", years=[2024, 2025])
    assert orgs.design.linked == "id"
    ids = [set(orgs.loc[orgs["year"] == year, "id"]) for year in (2024, 2025)]
    common = len(ids[0] & ids[1])
    # most members answer again: far more than two independent draws would share
    chance = len(ids[0]) * len(ids[1]) / 170
    assert common > 1.1 * chance and common / len(ids[1]) > 0.8
    linked = kirc.change(orgs, "share", "avg_ready", year=2025)
    unlinked = kirc.change(orgs, "share", "avg_ready", year=2025, linked=None)
    assert linked.loc[0, "method"] == LINKED
    assert linked.loc[0, "se"] < unlinked.loc[0, "se"]
    assert linked.loc[0, "estimate"] == pytest.approx(unlinked.loc[0, "estimate"])
    # one year alone has no covariance to add
    year = kirc.avg_readiness(orgs[orgs["year"] == 2025])
    alone = kirc.avg_readiness(kirc.load_survey("sectorscan", years=[2025]))
    assert year.loc[0, "se"] == pytest.approx(alone.loc[0, "se"], rel=1e-12)


def test_linked_errors_name_the_column(panel):
    data, design = panel
    with pytest.raises(kirc.ColumnError, match="did you mean"):
        kirc.change(data, "mean", "api", design=design, linked="snumm")
    with pytest.raises(kirc.ParameterError, match="replicate"):
        kirc.Design(linked="snum", replicates=kirc.Replicates(columns="rep*"))
    with pytest.raises(kirc.ColumnError, match="unit"):
        kirc.change(data.assign(snum=data["snum"].where(data.index != 5)), "mean", "api",
                    design=design)
