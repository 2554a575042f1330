"""Multistage designs (``Design(psu=[...], fpc=[...])``) against R ``survey`` 4.1.1.

``apiclus2`` is R's two-stage sample: 40 of 757 California school districts (``dnum``, ``fpc1``),
then up to five schools within each (``snum``, ``fpc2`` schools in the district). The variance is
R's ``svyrecvar``: the districts' contribution plus, per district, that of its schools times the
districts' sampling fraction. The share is ``sch.wide == "Yes"``; the NPS item is made from api00
as in ``tests/test_design.py`` (``rating = min(10, max(0, floor((api00 − 400) / 50)))``).

The R script (R 4.2.2, survey 4.1.1), output pasted in ``R``::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    cl2 <- read.csv(paste0(p, "apiclus2.csv"))
    cl2$yes <- as.numeric(cl2$sch.wide == "Yes")
    cl2$rating <- pmin(10, pmax(0, floor((cl2$api00 - 400) / 50)))
    cl2$score <- ifelse(cl2$rating >= 9, 1, ifelse(cl2$rating <= 6, -1, 0))
    d <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = cl2)
    out <- function(...) cat(..., "\\n")
    out("degf", degf(d))
    for (v in c("api00", "yes", "score")) {
      m <- svymean(as.formula(paste0("~", v)), d); out(v, sprintf("%.12f", c(coef(m), SE(m))))
      b <- svyby(as.formula(paste0("~", v)), ~stype, d, svymean)
      out(v, "by", sprintf("%.12f", c(coef(b), SE(b))))
      b <- svyby(as.formula(paste0("~", v)), ~stype, d, svymean, covmat = TRUE)
      k <- svycontrast(b, c(E = -1, H = 0, M = 1)); out(v, "M-E", sprintf("%.12f", c(coef(k), SE(k))))
    }
    for (meth in c("logit", "beta")) {
      ci <- svyciprop(~I(yes == 1), d, method = meth); out(meth, sprintf("%.12f", confint(ci)))
      b <- svyby(~I(yes == 1), ~stype, d, svyciprop, method = meth, vartype = "ci")
      out(meth, "by", sprintf("%.12f", c(b$ci_l, b$ci_u)))
    }
    out("degf by", sapply(c("E", "H", "M"), function(s) degf(subset(d, stype == s))))
    # the first-stage fpc alone (the issue's approximation) and the with-replacement one
    d1 <- svydesign(id = ~dnum, fpc = ~fpc1, weights = ~pw, data = cl2)
    d0 <- svydesign(id = ~dnum + snum, weights = ~pw, data = cl2)
    out("approx", sprintf("%.12f", c(SE(svymean(~api00, d1)), SE(svymean(~api00, d0)))))
    # a district of one sampled school among four: a lonely unit at the second stage
    cl2$fpc2[cl2$dnum == 15] <- 4
    for (rule in c("remove", "certainty", "adjust", "average")) {
      options(survey.lonely.psu = rule)
      dl <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = cl2)
      b <- svyby(~api00, ~stype, dl, svymean)
      out("lonely", rule, sprintf("%.12f", c(SE(svymean(~api00, dl)), SE(b))))
    }

Calibrated (raked to the ``apipop`` school types, starting from the design weights ``pw``),
the residuals are summed per school and district (output in ``R_CALIBRATED``)::

    d <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = cl2)
    pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018)
    cal <- calibrate(d, ~stype, pop, calfun = "raking", epsilon = 1e-13, maxit = 200)
    m <- svymean(~api00 + yes, cal); cat(sprintf("%.12f", c(coef(m), SE(m))), "\n")
    b <- svyby(~api00, ~comp.imp, cal, svymean); cat(sprintf("%.12f", SE(b)), "\n")

    673.002311274467 0.769125166638 28.831808812298 0.035847462201
    19.254622249181 30.756253586674

With ``options(survey.lonely.psu = "fail")`` R stops: "Stratum (1.15) has only one PSU at stage
2". The numbers are printed to 12 decimals; agreement is checked to 1e-9 (relative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import realdata_file
from engine_data import assert_same

DESIGN = kirc.Design(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])

R = {
    "degf": 39, "degf_by": [34, 13, 20],
    "api00": (670.811808118081, 30.099027376837),
    "api00_by": ([692.810400866739, 598.340659340659, 642.352000000000],
                 [29.926604237403, 17.694167126091, 45.091316300331]),
    "api00_contrast": (-50.458400866739, 25.302210024344),
    "yes": (0.751291512915, 0.066394988434),
    "yes_by": ([0.930660888407, 0.148351648352, 0.528000000000],
               [0.038696796171, 0.085375284831, 0.188592130112]),
    "yes_contrast": (-0.402660888407, 0.208765789089),
    "score": (-0.546125461255, 0.137755009600),
    "score_by": ([-0.433369447454, -0.945054945055, -0.672000000000],
                 [0.159141054303, 0.058116973385, 0.147754447853]),
    "score_contrast": (-0.238630552546, 0.085809393731),
    "logit": (0.595507870747, 0.861074379853),
    "logit_by": ([0.798706508114, 0.038886877218, 0.187487648327],
                 [0.978448908884, 0.428556940270, 0.844309982848]),
    "beta": (0.590771126113, 0.873292279657),
    "beta_by": ([0.806554050372, 0.024351673124, 0.154409274908],
                [0.986203954355, 0.408764295817, 0.878750223292]),
    "approx": (29.889162472471, 30.711576309329),
    "lonely": {"remove": [30.062021487771, 29.823330600771, 17.694167126091, 45.091316300331],
               "certainty": [30.062021487771, 29.823330600771, 17.694167126091,
                             45.091316300331],
               "adjust": [30.065120923977, 29.828136358417, 17.694167126091, 45.091316300331],
               "average": [np.nan, np.nan, 17.694167126091, 45.091316300331]},
}
R_CALIBRATED = ((673.002311274467, 0.769125166638, 28.831808812298, 0.035847462201),
                (19.254622249181, 30.756253586674))
RTOL = 1e-9
MEASURES = [(kirc.mean_score, "api00", "api00", 1), (kirc.share, "yes", "yes", 100),
            (kirc.nps, "rating", "score", 100)]


@pytest.fixture(scope="module")
def apiclus2():
    data = pd.read_csv(realdata_file("survey_api", "apiclus2.csv"))
    data["yes"] = (data["sch.wide"] == "Yes").astype(float)
    data["rating"] = np.clip(np.floor((data["api00"] - 400) / 50), 0, 10)
    return data


@pytest.mark.parametrize("function, column, key, unit", MEASURES)
def test_two_stage_estimates_and_domains_match_svyrecvar(apiclus2, function, column, key,
                                                         unit):
    whole = function(apiclus2, column, design=DESIGN)
    assert whole.loc[0, "estimate"] == pytest.approx(unit * R[key][0], rel=RTOL)
    assert whole.loc[0, "se"] == pytest.approx(unit * R[key][1], rel=RTOL)
    assert whole.loc[0, "df"] == R["degf"]
    by = function(apiclus2, column, by="stype", design=DESIGN)
    assert list(by["stype"]) == ["E", "H", "M"]
    np.testing.assert_allclose(by["estimate"], unit * np.array(R[f"{key}_by"][0]), rtol=RTOL)
    np.testing.assert_allclose(by["se"], unit * np.array(R[f"{key}_by"][1]), rtol=RTOL)
    np.testing.assert_array_equal(by["df"], R["degf_by"])
    # a comparison takes its covariance from the same variance: svycontrast(svyby(covmat))
    contrast = kirc.contrast(apiclus2, function.metric_name, column, by="stype", versus="E",
                             design=DESIGN)
    row = contrast[contrast["stype"] == "M"].iloc[0]
    assert row["estimate"] == pytest.approx(unit * R[f"{key}_contrast"][0], rel=RTOL)
    assert row["se"] == pytest.approx(unit * R[f"{key}_contrast"][1], rel=RTOL)


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_two_stage_intervals_match_svyciprop(apiclus2, method):
    whole = kirc.share(apiclus2, "yes", design=DESIGN, method=method)
    np.testing.assert_allclose(whole[["ci_low", "ci_high"]].to_numpy()[0],
                               100 * np.array(R[method]), rtol=1e-8)
    by = kirc.share(apiclus2, "yes", by="stype", design=DESIGN, method=method)
    np.testing.assert_allclose(by["ci_low"], 100 * np.array(R[f"{method}_by"][0]), rtol=1e-8)
    np.testing.assert_allclose(by["ci_high"], 100 * np.array(R[f"{method}_by"][1]), rtol=1e-8)


def test_weights_from_the_stages_fractions_equal_the_files(apiclus2):
    # without weights, each school weighs N1/n1 · N2/n2, R's weights(d), which apiclus2 ships
    given = kirc.mean_score(apiclus2, "api00", by="stype", design=DESIGN.replace(weights="pw"))
    made = kirc.mean_score(apiclus2, "api00", by="stype", design=DESIGN)
    np.testing.assert_allclose(made[["estimate", "se"]], given[["estimate", "se"]], rtol=1e-12)


def test_one_stage_or_no_fpc_are_the_approximations_of_the_issue(apiclus2):
    first = kirc.mean_score(apiclus2, "api00",
                            design=kirc.Design(weights="pw", psu="dnum", fpc="fpc1"))
    ultimate = kirc.mean_score(apiclus2, "api00",
                               design=kirc.Design(weights="pw", psu=["dnum", "snum"]))
    assert first.loc[0, "se"] == pytest.approx(R["approx"][0], rel=RTOL)
    assert ultimate.loc[0, "se"] == pytest.approx(R["approx"][1], rel=RTOL)
    with pytest.raises(kirc.ParameterError, match="needs an fpc per stage"):
        kirc.Design(psu=["dnum", "snum"], fpc="fpc1")


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_units_of_the_second_stage_follow_the_rule(apiclus2, rule):
    data = apiclus2.assign(fpc2=np.where(apiclus2["dnum"] == 15, 4, apiclus2["fpc2"]))
    design = DESIGN.replace(lonely_psu=rule)
    whole = kirc.mean_score(data, "api00", design=design)
    by = kirc.mean_score(data, "api00", by="stype", design=design)
    np.testing.assert_allclose([whole.loc[0, "se"], *by["se"]], R["lonely"][rule], rtol=RTOL)


def test_a_lonely_unit_fails_by_default_naming_it(apiclus2):
    data = apiclus2.assign(fpc2=np.where(apiclus2["dnum"] == 15, 4, apiclus2["fpc2"]))
    with pytest.raises(kirc.ParameterError, match="unit 15 of stage 1 has only one sampled "
                                                  "unit at stage 2"):
        kirc.mean_score(data, "api00", design=DESIGN)


def test_a_filtered_survey_is_a_domain_of_the_two_stage_sample(apiclus2):
    survey = kirc.as_survey(apiclus2, DESIGN)
    by = kirc.nps(survey, "rating", by="stype")
    alone = kirc.nps(survey[survey["stype"] == "H"], "rating")
    assert alone.loc[0, "se"] == pytest.approx(by.loc[1, "se"], rel=1e-12)
    assert alone.loc[0, "df"] == by.loc[1, "df"]


def test_engines_give_the_two_stage_variance(apiclus2):
    duckdb = pytest.importorskip("duckdb")
    design = DESIGN.replace(weights="pw")
    relation = duckdb.connect().from_df(apiclus2)
    chunks = (apiclus2.iloc[i:i + 40] for i in range(0, len(apiclus2), 40))
    for function, column, _, _ in MEASURES:
        expected = function(apiclus2, column, by="stype", design=design)
        assert_same(expected, function(relation, column, by="stype", design=design))
    assert_same(kirc.nps(apiclus2, "rating", by="stype", design=design),
                kirc.nps(chunks, "rating", by="stype", design=design))


def test_an_fpc_that_differs_within_a_district_is_an_error_naming_it(apiclus2):
    data = apiclus2.copy()
    data.loc[data.index[2], "fpc2"] = 99
    with pytest.raises(kirc.ScaleError, match="stage 2 differs within a unit of stage 1") \
            as error:
        kirc.mean_score(data, "api00", design=DESIGN)
    assert error.value.column == "fpc2"


def test_a_calibrated_two_stage_sample_matches_calibrate(apiclus2):
    survey = kirc.as_survey(apiclus2, DESIGN.replace(weights="pw"))
    raked = kirc.calibrate(survey, {"stype": {"E": 4421, "H": 755, "M": 1018}})
    mean, share = kirc.mean_score(raked, "api00"), kirc.share(raked, "yes")
    (api, yes, api_se, yes_se), by_se = R_CALIBRATED
    np.testing.assert_allclose([mean.loc[0, "estimate"], share.loc[0, "estimate"] / 100,
                                mean.loc[0, "se"], share.loc[0, "se"] / 100],
                               [api, yes, api_se, yes_se], rtol=RTOL)
    by = kirc.mean_score(raked, "api00", by="comp.imp")
    np.testing.assert_allclose(by["se"], by_se, rtol=RTOL)
    alone = kirc.mean_score(raked[raked["comp.imp"] == "Yes"], "api00")
    assert alone.loc[0, "se"] == pytest.approx(by_se[1], rel=RTOL)
