"""Design-based estimates (kirc.survey.design, kirc.estimate.tally, kirc.estimate.variance) against R ``survey`` 4.1.1.

Data: ``../shared/realdata/survey_api/`` (the ``api`` data of R's survey package): ``apisrs``
(simple random sample of 200 of 6194 schools), ``apistrat`` (stratified by school type, fpc),
``apiclus1`` (one-stage cluster sample of 15 of 757 districts, fpc). The share is
``sch.wide == "Yes"``; the 0–10 item for the NPS is made deterministically from api00,
``rating = min(10, max(0, floor((api00 − 400) / 50)))`` (400 → 0, ≥ 900 → 10), so that the NPS
score is +1 for api00 ≥ 850, −1 for api00 < 750, else 0.

Every reference number below was produced by this R script (R 4.2.2, survey 4.1.1) and pasted:

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    prep <- function(d) { d$yes <- as.numeric(d$sch.wide == "Yes")
      d$rating <- pmin(10, pmax(0, floor((d$api00 - 400) / 50)))
      d$score <- ifelse(d$rating >= 9, 1, ifelse(d$rating <= 6, -1, 0)); d }
    srs <- prep(read.csv(paste0(p,"apisrs.csv"))); str <- prep(read.csv(paste0(p,"apistrat.csv")))
    cl <- prep(read.csv(paste0(p,"apiclus1.csv")))
    designs <- list(
      srs = svydesign(id=~1, weights=~pw, fpc=~fpc, data=srs),
      strat = svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=str),
      clus1 = svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=cl))
    for (name in names(designs)) { d <- designs[[name]]
      cat("##", name, "degf", degf(d), "\\n")
      for (v in c("api00", "yes", "score")) { m <- svymean(as.formula(paste0("~", v)), d)
        cat(name, v, "mean", coef(m), "se", SE(m), "\\n") }
      for (meth in c("logit", "beta")) { ci <- svyciprop(~I(yes == 1), d, method=meth)
        cat(name, "yes", meth, confint(ci), "\\n") }
      for (v in c("api00", "yes", "score")) {
        b <- svyby(as.formula(paste0("~", v)), ~stype, d, svymean)
        cat(name, v, "by stype", coef(b), "se", SE(b), "\\n") }
      for (meth in c("logit", "beta")) {
        b <- svyby(~I(yes == 1), ~stype, d, svyciprop, method=meth, vartype="ci")
        cat(name, "yes by stype", meth, b$ci_l, b$ci_u, "\\n") }
      cat(name, "degf by stype", sapply(c("E", "H", "M"),
                                        function(s) degf(subset(d, stype == s))), "\\n")
      for (v in c("api00", "yes", "score")) {
        b <- svyby(as.formula(paste0("~", v)), ~stype, d, svymean, covmat=TRUE)
        k <- svycontrast(b, c(E=-1, H=0, M=1)); cat(name, v, "contrast M-E", coef(k), "se", SE(k), "\\n") }
    }
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc import intervals
from kirc.estimate.variance import domain_estimates
from conftest import realdata_file

TOL = dict(rel=1e-9, abs=1e-9)          # R prints 15 digits; agreement is far inside 1e-6

DESIGNS = {
    "srs": ("apisrs.csv", kirc.Design(weights="pw", fpc="fpc")),
    "strat": ("apistrat.csv", kirc.Design(weights="pw", strata="stype", fpc="fpc")),
    "clus1": ("apiclus1.csv", kirc.Design(weights="pw", psu="dnum", fpc="fpc")),
}

# R output, pasted (see the module docstring). Order of domains: E, H, M.
R = {
    "srs": {
        "degf": 199,
        "api00": (656.585, 9.24972203928281), "yes": (0.815, 0.0270776455620269),
        "score": (-0.67, 0.0424807042350355),
        "logit": (0.755596894577606, 0.862590610440252),
        "beta": (0.755071745623519, 0.86560434140683),
        "api00_by": ([666.140845070423, 605.36, 654.272727272727],
                     [11.1935233971644, 21.9266446973357, 21.8261159913155]),
        "yes_by": ([0.894366197183099, 0.48, 0.727272727272727],
                   [0.0254376039821328, 0.0985402170614205, 0.0764569895950769]),
        "score_by": ([-0.626760563380282, -0.88, -0.696969696969697],
                     [0.0534442378452244, 0.0640948570370601, 0.098979351460921]),
        "logit_by": ([0.83255514466363, 0.290109055028833, 0.548757370845164],
                     [0.935137769521597, 0.675850931916282, 0.853960434919846]),
        "beta_by": ([0.832794909457003, 0.28067277998293, 0.547606896158609],
                    [0.939115800161828, 0.684104751145859, 0.865336001464784]),
        "degf_by": [141, 24, 32],
    },
    "strat": {
        "degf": 197,
        "api00": (662.287363159321, 9.40894080278458),
        "yes": (0.827948011415823, 0.0243447801130748),
        "score": (-0.657988377829385, 0.0481282696150109),
        "logit": (0.774539654351568, 0.870814854544509),
        "beta": (0.774171328597313, 0.873431592620735),
        "api00_by": ([674.43, 625.82, 636.6],
                     [12.3824797939073, 14.9371291853931, 16.2147073081845]),
        "yes_by": ([0.91, 0.52, 0.7], [0.0284351962063673, 0.0689676349228163,
                                       0.0638374303471832]),
        "score_by": ([-0.6, -0.86, -0.76], [0.0643930392517305, 0.0552872800523401,
                                            0.0766049164166198]),
        "logit_by": ([0.835445944244483, 0.383379516621297, 0.558829150581904],
                     [0.952688893981645, 0.653693359751078, 0.811254786979948]),
        "beta_by": ([0.836607776954658, 0.377708302090239, 0.556335204120031],
                    [0.957767266166527, 0.659955363584561, 0.819707178812034]),
        "degf_by": [99, 49, 49],
        # svycontrast M − E (independent strata: the change between two "years")
        "contrast": {"api00": (-37.8299999999999, 20.4020229128539),
                     "yes": (-0.21, 0.0698840317714002), "score": (-0.16, 0.100073856342564)},
    },
    "clus1": {
        "degf": 14,
        "api00": (644.169398907104, 23.542240693781),
        "yes": (0.87431693989071, 0.0203594772446274),
        "score": (-0.836065573770492, 0.0482298082083941),
        "logit": (0.823798892379034, 0.911900077021223),
        "beta": (0.823702210847501, 0.914704492126865),
        "api00_by": ([648.868055555556, 618.571428571429, 631.44],
                     [22.3624088938319, 38.0202493594075, 31.6094652272455]),
        "yes_by": ([0.916666666666667, 0.785714285714286, 0.68],
                   [0.0209842789524908, 0.0914619099888493, 0.109502248398045]),
        "score_by": ([-0.8125, -1, -0.88], [0.0517714994791849, 0, 0.05820239818562]),
        "logit_by": ([0.859206537056401, 0.503687967865637, 0.412455444697252],
                     [0.95198680147212, 0.929812572364626, 0.86545626165112]),
        "beta_by": ([0.859765358737351, 0.521760971207249, 0.40570899167224],
                    [0.955816623310151, 0.943907693670807, 0.885241289543765]),
        "degf_by": [14, 7, 11],
    },
}


def api(name):
    file, design = DESIGNS[name]
    data = pd.read_csv(realdata_file("survey_api", file))
    data["yes"] = (data["sch.wide"] == "Yes").astype(float)
    data["rating"] = np.clip(np.floor((data["api00"] - 400) / 50), 0, 10)
    return data, design


def has_logit():
    return "logit" in getattr(intervals, "PROPORTION_METHODS", ())


@pytest.mark.parametrize("name", list(DESIGNS))
def test_whole_sample_means_shares_and_nps_match_svymean(name):
    data, design = api(name)
    ref = R[name]
    mean = kirc.mean_score(data, "api00", design=design)
    assert mean.loc[0, "estimate"] == pytest.approx(ref["api00"][0], **TOL)
    assert mean.loc[0, "se"] == pytest.approx(ref["api00"][1], **TOL)
    assert mean.loc[0, "df"] == ref["degf"]
    share = kirc.share(data, "yes", design=design)
    assert share.loc[0, "estimate"] == pytest.approx(100 * ref["yes"][0], **TOL)
    assert share.loc[0, "se"] == pytest.approx(100 * ref["yes"][1], **TOL)
    assert share.loc[0, "df"] == ref["degf"]
    nps = kirc.nps(data, "rating", design=design)
    assert nps.loc[0, "estimate"] == pytest.approx(100 * ref["score"][0], **TOL)
    assert nps.loc[0, "se"] == pytest.approx(100 * ref["score"][1], **TOL)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_domains_keep_the_whole_design_as_svyby(name):
    data, design = api(name)
    ref = R[name]
    for metric, column, key, unit in ((kirc.mean_score, "api00", "api00_by", 1),
                                      (kirc.share, "yes", "yes_by", 100),
                                      (kirc.nps, "rating", "score_by", 100)):
        out = metric(data, column, by="stype", design=design)
        assert list(out["stype"]) == ["E", "H", "M"]
        np.testing.assert_allclose(out["estimate"], unit * np.array(ref[key][0]), rtol=1e-9)
        np.testing.assert_allclose(out["se"], unit * np.array(ref[key][1]), rtol=1e-9,
                                   atol=1e-9)
        np.testing.assert_array_equal(out["df"], ref["degf_by"])


@pytest.mark.parametrize("name", list(DESIGNS))
def test_korn_graubard_beta_interval_matches_svyciprop(name):
    data, design = api(name)
    ref = R[name]
    whole = kirc.share(data, "yes", design=design, method="beta")
    assert whole.loc[0, "ci_low"] == pytest.approx(100 * ref["beta"][0], rel=1e-8)
    assert whole.loc[0, "ci_high"] == pytest.approx(100 * ref["beta"][1], rel=1e-8)
    by = kirc.share(data, "yes", by="stype", design=design, method="beta")
    np.testing.assert_allclose(by["ci_low"], 100 * np.array(ref["beta_by"][0]), rtol=1e-8)
    np.testing.assert_allclose(by["ci_high"], 100 * np.array(ref["beta_by"][1]), rtol=1e-8)


@pytest.mark.skipif(not has_logit(), reason="kirc.intervals has no logit method yet "
                                            "(branch intervals)")
@pytest.mark.parametrize("name", list(DESIGNS))
def test_logit_interval_matches_svyciprop(name):
    data, design = api(name)
    ref = R[name]
    whole = kirc.share(data, "yes", design=design, method="logit")
    assert whole.loc[0, "ci_low"] == pytest.approx(100 * ref["logit"][0], rel=1e-8)
    assert whole.loc[0, "ci_high"] == pytest.approx(100 * ref["logit"][1], rel=1e-8)
    by = kirc.share(data, "yes", by="stype", design=design, method="logit")
    np.testing.assert_allclose(by["ci_low"], 100 * np.array(ref["logit_by"][0]), rtol=1e-8)
    np.testing.assert_allclose(by["ci_high"], 100 * np.array(ref["logit_by"][1]), rtol=1e-8)


def test_change_between_independent_strata_matches_svycontrast():
    # The strata of apistrat are independent samples, as two survey years are: the change
    # M − E has the standard error of svycontrast(svyby(...), c(E=-1, H=0, M=1)).
    data, design = api("strat")
    data = data[data["stype"] != "H"].assign(year=lambda d: np.where(d["stype"] == "E",
                                                                     2024, 2025))
    ref = R["strat"]["contrast"]
    for metric, column, key, unit in (("mean", "api00", "api00", 1), ("share", "yes", "yes", 100),
                                      ("nps", "rating", "score", 100)):
        out = kirc.change(data, metric, column, year=2025, design=design)
        assert out.loc[0, "estimate"] == pytest.approx(unit * ref[key][0], **TOL)
        assert out.loc[0, "se"] == pytest.approx(unit * ref[key][1], **TOL)


def test_lonely_psu_rules_match_survey_lonely_psu():
    # Rscript: cl$h <- ifelse(cl$dnum == 637, 1, ifelse(cl$dnum < 400, 2, 3))  # 1, 5, 9 PSUs
    #   for (rule in c("remove", "certainty", "adjust", "average")) {
    #     options(survey.lonely.psu=rule)
    #     d <- svydesign(id=~dnum, strata=~h, weights=~pw, data=cl); m <- svymean(~api00, d)
    #     cat(rule, coef(m), SE(m), degf(d), "\n") }
    # remove 644.169398907104 23.0815183419791 12;  certainty (same SE);
    # adjust 23.1297253302783;  average 28.2689712132698;  degf 12
    data, _ = api("clus1")
    data["h"] = np.where(data["dnum"] == 637, 1, np.where(data["dnum"] < 400, 2, 3))
    expected = {"remove": 23.0815183419791, "certainty": 23.0815183419791,
                "adjust": 23.1297253302783, "average": 28.2689712132698}
    for rule, se in expected.items():
        design = kirc.Design(weights="pw", strata="h", psu="dnum", lonely_psu=rule)
        out = kirc.mean_score(data, "api00", design=design)
        assert out.loc[0, "estimate"] == pytest.approx(644.169398907104, **TOL)
        assert out.loc[0, "se"] == pytest.approx(se, **TOL), rule
        assert out.loc[0, "df"] == 12
    with pytest.raises(kirc.ParameterError, match="only one PSU"):
        kirc.mean_score(data, "api00", design=kirc.Design(weights="pw", strata="h", psu="dnum"))


# --------------------------------------------------------------------------------------------
# the tally


def test_tally_sums_equal_groupby_and_two_parts_combine_into_the_whole():
    data, design = api("clus1")
    whole = kirc.tally_of(data, "api00", by="stype", design=design)
    rows = data.assign(w=data["pw"], wy=data["pw"] * data["api00"])
    expected = rows.groupby(["stype", "dnum"])[["w", "wy"]].sum().reset_index()
    table = whole.table.sort_values(["stype", "_psu"]).reset_index(drop=True)
    np.testing.assert_allclose(table["sum_w"], expected["w"], rtol=1e-12)
    np.testing.assert_allclose(table["sum_wy"], expected["wy"], rtol=1e-12)
    assert list(table["_psu"]) == list(expected["dnum"])
    # split rows (also inside PSUs) into two parts: the combined tally is the whole one
    odd = np.arange(len(data)) % 2 == 1
    parts = (kirc.tally_of(data[odd], "api00", by="stype", design=design)
             + kirc.tally_of(data[~odd], "api00", by="stype", design=design))
    pd.testing.assert_frame_equal(parts.table.reset_index(drop=True),
                                  whole.table.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(domain_estimates(parts), domain_estimates(whole),
                                  check_dtype=False)


def test_zero_weights_are_out_of_n_df_and_the_sampling_fraction():
    data, design = api("clus1")
    extra = data.iloc[:40].assign(pw=0.0, dnum=data["dnum"].iloc[:40] + 10_000)
    padded = pd.concat([data, extra], ignore_index=True)
    for metric, column in ((kirc.mean_score, "api00"), (kirc.share, "yes")):
        a = metric(data, column, by="stype", design=design)
        b = metric(padded, column, by="stype", design=design)
        pd.testing.assert_frame_equal(a, b)


def test_negative_weights_are_an_error_naming_the_column():
    df = pd.DataFrame({"ok": [1.0, 0.0], "gewicht": [1.0, -0.5]})
    with pytest.raises(kirc.ScaleError, match="'gewicht'.*negative"):
        kirc.share(df, "ok", weights="gewicht")


def test_a_single_respondent_has_no_design_variance_but_keeps_its_count_interval():
    one = pd.DataFrame({"x": [1.0], "w": [2.0]})
    weighted = kirc.share(one, "x", weights="w")
    assert weighted.loc[0, "estimate"] == 100 and np.isnan(weighted.loc[0, "se"])
    assert np.isnan(weighted.loc[0, "ci_low"]) and weighted.loc[0, "df"] == 0
    plain = kirc.share(one, "x")                      # unweighted SRS: Wilson on 1 of 1
    low, high = intervals.proportion_interval(1, 1)
    assert plain.loc[0, "ci_low"] == pytest.approx(100 * float(low))
    with pytest.raises(kirc.ParameterError, match="stratum 'b' has only one PSU"):
        kirc.share(pd.DataFrame({"x": [1.0, 0, 1], "h": ["a", "a", "b"]}), "x",
                   design=kirc.Design(strata="h"))
