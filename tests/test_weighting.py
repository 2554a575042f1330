"""kirc.calibrate / kirc.weighting_report and calibrated estimates, checked against R survey 4.1.1.

Reference numbers come from R 4.2 with survey 4.1.1 on ../shared/realdata/survey_api/ (the api
data of the survey package, exported as CSV), by the script below; the tests skip without the
shared folder. The 0–10 item ``rec`` is derived from api00 by fixed cut points,
``rec = min(max(floor((api00 − 400) / 50), 0), 10)`` (so promoters 9–10 are api00 ≥ 850 and
detractors 0–6 are api00 < 750); ``score`` is its NPS score (+1 / 0 / −1), whose mean ×100 is the
NPS. ``award`` is the share of schools with awards == "Yes".

Starting weights: R's ``svydesign(id = ~1, fpc = ~fpc)`` on apisrs gives every school the weight
6194/200 = 30.97; ``svydesign(id = ~dnum, fpc = ~fpc)`` on apiclus1 gives 757/15 (15 of the 757
districts), not the ``pw`` column (33.847). Bounds act on the ratio to these weights.

R script (output pasted into R_REFERENCE and R_DOMAINS below)::

    suppressMessages(library(survey))
    options(digits=15)
    dir <- "/work/shared/realdata/survey_api/"
    apisrs <- read.csv(paste0(dir, "apisrs.csv")); apiclus1 <- read.csv(paste0(dir, "apiclus1.csv"))
    prep <- function(d) { d$rec <- pmin(pmax(floor((d$api00 - 400) / 50), 0), 10)
      d$score <- ifelse(d$rec >= 9, 1, ifelse(d$rec <= 6, -1, 0)); d$award <- as.numeric(d$awards == "Yes"); d }
    apisrs <- prep(apisrs); apiclus1 <- prep(apiclus1)
    designs <- list(srs = svydesign(id=~1, fpc=~fpc, data=apisrs),
                    clus1 = svydesign(id=~dnum, fpc=~fpc, data=apiclus1))
    pop <- c(`(Intercept)`=6194, stypeH=755, stypeM=1018, sch.wideYes=5122)
    for (nm in names(designs)) { d <- designs[[nm]]
      cals <- list(
        rake = rake(d, list(~stype, ~sch.wide), list(data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018)),
                    data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))), control=list(maxit=200, epsilon=1e-13)),
        raking = calibrate(d, ~stype+sch.wide, pop, calfun="raking", epsilon=1e-13, maxit=200),
        linear = calibrate(d, ~stype+sch.wide, pop, calfun="linear"),
        linear_b = calibrate(d, ~stype+sch.wide, pop, calfun="linear", bounds=if (nm == "srs") c(0.5, 1.0175) else c(0.6, 3), epsilon=1e-13, maxit=200))
      cals$logit_b <- calibrate(d, ~stype+sch.wide, pop, calfun="logit", bounds=if (nm == "srs") c(0.5, 1.0175) else c(0.5, 1.6), epsilon=1e-13, maxit=200)
      if (nm == "srs") cals$raking_b <- calibrate(d, ~stype+sch.wide, pop, calfun="raking", bounds=c(0.5, 1.0175), epsilon=1e-13, maxit=200)
      for (cn in names(cals)) { cd <- cals[[cn]]
        w <- weights(cd); g <- w / weights(d)
        cells <- unique(data.frame(stype=cd$variables$stype, sch.wide=cd$variables$sch.wide, w=w))
        cells <- cells[order(cells$stype, cells$sch.wide),]
        cat(nm, cn, "g range", range(g), "\n")
        cat(sprintf("  (%s, %s): %.12f\n", cells$stype, cells$sch.wide, cells$w), sep="")
        m <- svymean(~api00 + award + score, cd)
        cat(sprintf("  mean %s = %.12f se %.12f\n", names(coef(m)), coef(m), SE(m)), sep="")
      }
      m <- svymean(~api00 + award + score, d); cat(nm, "uncalibrated\n")
      cat(sprintf("  mean %s = %.12f se %.12f\n", names(coef(m)), coef(m), SE(m)), sep="")
    }
    # raking within bounds that R cannot meet
    r <- try(calibrate(designs$clus1, ~stype+sch.wide, pop, calfun="raking", bounds=c(0.6, 3), epsilon=1e-13, maxit=200))
    # domains of calibrated designs (svyby keeps the whole calibrated design)
    for (nm in names(designs)) {
      cd <- calibrate(designs[[nm]], ~stype+sch.wide, pop, calfun="raking", epsilon=1e-13, maxit=200)
      b <- svyby(~api00 + award + score, ~awards, cd, svymean)
      for (i in 1:nrow(b)) cat(sprintf("%s by awards=%s: %s\n", nm, b$awards[i],
          paste(sprintf("%.12f", c(b$api00[i], b$se.api00[i], b$award[i], b$se.award[i], b$score[i], b$se.score[i])), collapse=" ")))
    }

Each calibration's weights depend only on the stype × sch.wide cell (the starting weights are
equal within a sample), so R's weights are pasted per cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc.survey import calibrate as weighting
from kirc.errors import ColumnError, KircError, ParameterError
from kirc.survey.calibrate import CalibrationError, calibrate, calibration_of

from conftest import realdata_file

MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}
BOUNDS = {"srs": (0.5, 1.0175), "clus1": (0.6, 3.0)}
LOGIT_BOUNDS = {"srs": (0.5, 1.0175), "clus1": (0.5, 1.6)}
# (R name) -> (kirc method, bounds key)
CALLS = {"rake": ("raking", None), "raking": ("raking", None), "linear": ("linear", None),
         "linear_b": ("linear", BOUNDS), "raking_b": ("raking", BOUNDS),
         "logit_b": ("logit", LOGIT_BOUNDS)}

R_REFERENCE = {
    ('srs', 'rake'): {
        "weights": {('E', 'No'): 28.910768297605, ('E', 'Yes'): 31.396365949102, ('H', 'No'): 29.003102680627, ('H', 'Yes'): 31.496638762651, ('M', 'No'): 29.033126743086, ('M', 'Yes'): 31.529244138009},
        "mean_se": {'api00': (657.791546332110, 8.825678543890), 'award': (0.628981615702, 0.026920701933), 'score': (-0.667204493363, 0.042215806880)},
    },
    ('srs', 'raking'): {
        "weights": {('E', 'No'): 28.910768297604, ('E', 'Yes'): 31.396365949102, ('H', 'No'): 29.003102680628, ('H', 'Yes'): 31.496638762653, ('M', 'No'): 29.033126743086, ('M', 'Yes'): 31.529244138009},
        "mean_se": {'api00': (657.791546332110, 8.825678543950), 'award': (0.628981615702, 0.026920701933), 'score': (-0.667204493363, 0.042215806881)},
    },
    ('srs', 'linear'): {
        "weights": {('E', 'No'): 28.906726990354, ('E', 'Yes'): 31.396843268856, ('H', 'No'): 29.004744186319, ('H', 'Yes'): 31.494860464821, ('M', 'No'): 29.037491191393, ('M', 'Yes'): 31.527607469894},
        "mean_se": {'api00': (657.791556364527, 8.825727743511), 'award': (0.628983115744, 0.026920596892), 'score': (-0.667203298684, 0.042215975599)},
    },
    ('srs', 'linear_b'): {
        "weights": {('E', 'No'): 28.889655545524, ('E', 'Yes'): 31.398859581237, ('H', 'No'): 28.995582062857, ('H', 'Yes'): 31.504786098571, ('M', 'No'): 29.079177777778, ('M', 'Yes'): 31.511975000000},
        "mean_se": {'api00': (657.787536787742, 8.825795144912), 'award': (0.628995082756, 0.026919864235), 'score': (-0.667209549122, 0.042215314417)},
    },
    ('srs', 'logit_b'): {
        "weights": {('E', 'No'): 28.717464071955, ('E', 'Yes'): 31.419197156856, ('H', 'No'): 29.062178637290, ('H', 'Yes'): 31.432639809603, ('M', 'No'): 29.269968515101, ('M', 'Yes'): 31.440428473504},
        "mean_se": {'api00': (657.787120253690, 8.827888749887), 'award': (0.629060166251, 0.026915360557), 'score': (-0.667160993703, 0.042222284519)},
    },
    ('srs', 'raking_b'): {
        "weights": {('E', 'No'): 28.892133237048, ('E', 'Yes'): 31.398566940506, ('H', 'No'): 28.992723188022, ('H', 'Yes'): 31.507883212977, ('M', 'No'): 29.079177777778, ('M', 'Yes'): 31.511975000000},
        "mean_se": {'api00': (657.787063155043, 8.825748745717), 'award': (0.628994811093, 0.026919895328), 'score': (-0.667211581723, 0.042215052648)},
    },
    ('srs', 'none'): {
        "mean_se": {'api00': (656.585000000000, 9.249722039283), 'award': (0.620000000000, 0.033848067130), 'score': (-0.670000000000, 0.042480704235)},
    },
    ('clus1', 'rake'): {
        "weights": {('E', 'No'): 39.839236247130, ('E', 'Yes'): 29.870675492685, ('H', 'No'): 67.125529241195, ('H', 'Yes'): 50.329401116039, ('M', 'No'): 49.069072163857, ('M', 'Yes'): 36.791024864070},
        "mean_se": {'api00': (641.230320926820, 23.703616887922), 'award': (0.661269730322, 0.021788600893), 'score': (-0.849990416501, 0.041709813795)},
    },
    ('clus1', 'raking'): {
        "weights": {('E', 'No'): 39.839236247131, ('E', 'Yes'): 29.870675492685, ('H', 'No'): 67.125529241194, ('H', 'Yes'): 50.329401116038, ('M', 'No'): 49.069072163856, ('M', 'Yes'): 36.791024864068},
        "mean_se": {'api00': (641.230320926820, 23.703616887922), 'award': (0.661269730322, 0.021788600893), 'score': (-0.849990416501, 0.041709813795)},
    },
    ('clus1', 'linear'): {
        "weights": {('E', 'No'): 41.236739161642, ('E', 'Yes'): 29.743629773184, ('H', 'No'): 62.958871662360, ('H', 'Yes'): 51.465762273902, ('M', 'No'): 48.535314384152, ('M', 'Yes'): 37.042204995693},
        "mean_se": {'api00': (640.995870078881, 23.829492992256), 'award': (0.660620946628, 0.022216105278), 'score': (-0.850549285074, 0.041667820039)},
    },
    ('clus1', 'linear_b'): {
        "weights": {('E', 'No'): 35.336666666667, ('E', 'Yes'): 30.280000000000, ('H', 'No'): 70.093440820813, ('H', 'Yes'): 49.519970685233, ('M', 'No'): 54.709959692195, ('M', 'Yes'): 34.136489556614},
        "mean_se": {'api00': (641.536271310522, 23.295670469723), 'award': (0.662249626792, 0.021411188262), 'score': (-0.848152576880, 0.041613443746)},
    },
    ('clus1', 'logit_b'): {
        "weights": {('E', 'No'): 38.890070298107, ('E', 'Yes'): 29.956963306233, ('H', 'No'): 66.601935944367, ('H', 'Yes'): 50.472199287900, ('M', 'No'): 50.689168573703, ('M', 'Yes'): 36.028626553552},
        "mean_se": {'api00': (641.245422526984, 23.615856880479), 'award': (0.661354257009, 0.021814244018), 'score': (-0.849598897167, 0.041661595546)},
    },
    ('clus1', 'none'): {
        "mean_se": {'api00': (644.169398907104, 23.542240693781), 'award': (0.710382513661, 0.033018299554), 'score': (-0.836065573770, 0.048229808208)},
    },
}


# svyby(~api00 + award + score, ~awards, <raking calibration>, svymean): mean, se per column
R_DOMAINS = {
    ("srs", "No"): (622.525201350761, 12.992507396562, -0.813905587166, 0.047839938204),
    ("srs", "Yes"): (678.594161239222, 11.803424540064, -0.580669686242, 0.060228108188),
    ("clus1", "No"): (622.980364174249, 30.387919500919, -0.905427341391, 0.039662319515),
    ("clus1", "Yes"): (650.578719150625, 21.502395022061, -0.821593283444, 0.049095353474),
}
DESIGNS = {"srs": kirc.Design(weights="w0", fpc="fpc"),
           "clus1": kirc.Design(weights="w0", psu="dnum", fpc="fpc")}


def _api(which: str) -> pd.DataFrame:
    name = {"srs": "apisrs.csv", "clus1": "apiclus1.csv"}[which]
    data = pd.read_csv(realdata_file("survey_api", name))
    data["rec"] = np.clip(np.floor((data["api00"] - 400) / 50), 0, 10)
    data["score"] = np.where(data["rec"] >= 9, 1.0, np.where(data["rec"] <= 6, -1.0, 0.0))
    data["award"] = (data["awards"] == "Yes").astype(float)
    # R's design weights from the fpc: N/n schools (srs), N/n districts (clus1)
    data["w0"] = data["fpc"] / 200 if which == "srs" else 757 / 15
    return data


def _calibrated(which: str, r_name: str) -> pd.DataFrame:
    method, bounds = CALLS[r_name]
    return calibrate(_api(which), MARGINS, design=DESIGNS[which], method=method,
                     bounds=None if bounds is None else bounds[which], weight="wcal")


def _se(frame: pd.DataFrame, column: str, which: str, calibrated: bool = True):
    """Mean and linearised SE of a column: of the calibrated survey, or of the starting design."""
    design = None if calibrated else DESIGNS[which].replace(weights="w0")
    out = kirc.mean_score(frame, column, design=design).iloc[0]
    return out["estimate"], out["se"]


CASES = [key for key in R_REFERENCE if key[1] != "none"]


@pytest.mark.parametrize("which, r_name", CASES)
def test_calibrated_weights_equal_r_and_hit_the_margins(which, r_name):
    frame = _calibrated(which, r_name)
    cells = frame.groupby(["stype", "sch.wide"])["wcal"]
    assert (cells.max() - cells.min()).max() < 1e-9   # one weight per cell, as in R
    expected = pd.Series(R_REFERENCE[which, r_name]["weights"])
    np.testing.assert_allclose(cells.first().loc[expected.index], expected, rtol=0, atol=1e-8)
    for column, counts in MARGINS.items():
        totals = frame.groupby(column)["wcal"].sum()
        np.testing.assert_allclose(totals.loc[list(counts)], list(counts.values()), rtol=1e-10)
    method, bounds = CALLS[r_name]
    if bounds is not None:
        g = frame["wcal"] / frame["w0"]
        low, high = bounds[which]
        assert g.min() >= low - 1e-12 and g.max() <= high + 1e-12


@pytest.mark.parametrize("which, r_name", CASES)
@pytest.mark.parametrize("column", ["api00", "award", "score"])
def test_calibrated_mean_and_se_equal_r_svymean(which, r_name, column):
    mean, se = _se(_calibrated(which, r_name), column, which)
    r_mean, r_se = R_REFERENCE[which, r_name]["mean_se"][column]
    assert mean == pytest.approx(r_mean, rel=0, abs=1e-9)
    # R's rake() stores its calibration as 10 backfitting sweeps, which agree with the exact
    # projection (that R's calibrate() and kirc use) to 1e-10 here.
    assert se == pytest.approx(r_se, rel=0, abs=1e-9)


@pytest.mark.parametrize("which", ["srs", "clus1"])
def test_the_starting_design_without_calibration_is_r_svymean(which):
    data = _api(which)
    for column in ("api00", "award", "score"):
        mean, se = _se(data, column, which, calibrated=False)
        r_mean, r_se = R_REFERENCE[which, "none"]["mean_se"][column]
        assert (mean, se) == pytest.approx((r_mean, r_se), rel=0, abs=1e-9)


# R 4.2.2, survey 4.1.1: a stratified design without weights starts from its fpc's weights
#   d <- svydesign(id=~1, strata=~stype, fpc=~fpc, data=apistrat)
#   pop <- c(`(Intercept)`=6194, sch.wideYes=5122)
#   for (f in c("raking", "linear")) {
#     c1 <- calibrate(d, ~sch.wide, pop, calfun=f); m <- svymean(~api00, c1)
#     cat(f, sprintf("%.10f %.10f", coef(m), SE(m)), sprintf("%.10f", range(weights(c1))), "\n")}
#   m <- svymean(~api00, subset(calibrate(d, ~sch.wide, pop, calfun="raking"), stype == "E"))
STRATIFIED_R = {"raking": (662.2030296364, 9.2725439731, 15.0814205850, 44.4717694707),
                "linear": (662.2030296382, 9.2725439731, 15.0814205849, 44.4717694639)}
STRATIFIED_R_DOMAIN_E = (674.3993114766, 12.3305114186)


@pytest.mark.parametrize("method", ["raking", "linear"])
def test_a_design_without_weights_starts_from_the_weights_its_fpc_implies(method):
    data = pd.read_csv(realdata_file("survey_api", "apistrat.csv"))
    before = data.copy()
    out = calibrate(data, {"sch.wide": {"No": 1072, "Yes": 5122}},
                    design=kirc.Design(strata="stype", fpc="fpc"), method=method)
    pd.testing.assert_frame_equal(data, before)
    # N_h / n_h per stratum (equal starting weights gave 658.64, se 8.16)
    start = out["weight_calibrated_start"]
    assert start.groupby(data["stype"]).first().to_dict() == pytest.approx(
        {"E": 4421 / 100, "M": 1018 / 50, "H": 755 / 50})
    mean, se, low, high = STRATIFIED_R[method]
    got = kirc.mean_score(out, "api00").iloc[0]
    assert (got["estimate"], got["se"]) == pytest.approx((mean, se), rel=0, abs=1e-8)
    weights = out["weight_calibrated"]
    assert (weights.min(), weights.max()) == pytest.approx((low, high), rel=0, abs=1e-8)
    if method == "raking":
        domain = kirc.mean_score(out[out["stype"] == "E"], "api00").iloc[0]
        assert (domain["estimate"], domain["se"]) == pytest.approx(STRATIFIED_R_DOMAIN_E,
                                                                   rel=0, abs=1e-8)


# R 4.2.2, survey 4.1.1, two stages without weights (the product of the stages' N/n):
#   d <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
#   c1 <- calibrate(d, ~stype, c(`(Intercept)`=6194, stypeH=755, stypeM=1018),
#                   calfun="raking", epsilon=1e-12, maxit=200)
#   m <- svymean(~api00, c1); sprintf("%.10f %.10f", coef(m), SE(m)); range(weights(c1))
def test_a_two_stage_design_without_weights_starts_from_the_product_of_its_stages():
    data = pd.read_csv(realdata_file("survey_api", "apiclus2.csv"))
    out = calibrate(data, {"stype": {"E": 4421, "H": 755, "M": 1018}},
                    design=kirc.Design(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]))
    got = kirc.mean_score(out, "api00").iloc[0]
    assert (got["estimate"], got["se"]) == pytest.approx((673.0023112745, 28.8318088123),
                                                         rel=0, abs=1e-8)
    weights = out["weight_calibrated"]
    assert (weights.min(), weights.max()) == pytest.approx((20.36, 344.8667388949),
                                                           rel=0, abs=1e-8)


def test_calibration_lowers_the_se_of_a_variable_related_to_the_margins():
    # awards go with sch.wide (the growth target): calibrating on it removes that variation
    _, before = _se(_api("clus1"), "award", "clus1", False)
    _, after = _se(_calibrated("clus1", "raking"), "award", "clus1")
    assert after < 0.7 * before


@pytest.mark.parametrize("which, r_name", CASES)
def test_estimators_on_a_calibrated_frame_give_r_svymean_on_the_calibrated_design(which, r_name):
    frame = _calibrated(which, r_name)
    design = kirc.design_of(frame)
    assert design == DESIGNS[which].replace(weights="wcal")   # clusters and fpc are kept
    expected = R_REFERENCE[which, r_name]["mean_se"]
    mean = kirc.mean_score(frame, "api00").iloc[0]
    assert (mean["estimate"], mean["se"]) == pytest.approx(expected["api00"], rel=0, abs=1e-9)
    share = kirc.share(frame, "award").iloc[0]            # percent
    assert (share["estimate"], share["se"]) == pytest.approx(
        tuple(100 * v for v in expected["award"]), rel=0, abs=1e-7)
    nps = kirc.nps(frame, "rec").iloc[0]                  # points: 100 x the score mean
    assert (nps["estimate"], nps["se"]) == pytest.approx(
        tuple(100 * v for v in expected["score"]), rel=0, abs=1e-7)
    # the interval is built from the calibrated SE (design effective n, t with #PSU - 1 df)
    assert nps["df"] == (199 if which == "srs" else 14)
    assert nps["ci_low"] < nps["estimate"] < nps["ci_high"]


@pytest.mark.parametrize("which", ["srs", "clus1"])
def test_domains_of_a_calibrated_design_equal_r_svyby(which):
    frame = _calibrated(which, "raking")
    means = kirc.mean_score(frame, "api00", by="awards").set_index("awards")
    nps = kirc.nps(frame, "rec", by="awards").set_index("awards")
    for level in ("No", "Yes"):
        mean, se, score, score_se = R_DOMAINS[which, level]
        assert (means.loc[level, "estimate"], means.loc[level, "se"]) == pytest.approx(
            (mean, se), rel=0, abs=1e-9)
        assert (nps.loc[level, "estimate"], nps.loc[level, "se"]) == pytest.approx(
            (100 * score, 100 * score_se), rel=0, abs=1e-7)
        # a filtered frame is the same domain (R: subset() of a calibrated design)
        alone = kirc.mean_score(frame[frame["awards"] == level], "api00").iloc[0]
        assert alone["se"] == pytest.approx(se, rel=0, abs=1e-9)


def test_changed_weights_are_not_taken_for_calibrated_ones():
    frame = _calibrated("srs", "raking")
    frame["wcal"] = frame["wcal"] * 1.01
    with pytest.raises(ParameterError, match="were changed after calibration"):
        kirc.mean_score(frame, "api00")
    # other weights on a calibrated frame: the ordinary design variance
    plain = kirc.mean_score(frame, "api00", weights="w0").iloc[0]
    assert plain["se"] == pytest.approx(R_REFERENCE["srs", "none"]["mean_se"]["api00"][1],
                                        rel=1e-9)


def test_bounded_raking_fails_where_r_fails_and_logit_finds_the_weights():
    # R (same data, survey 4.1.1): calibrate(s, ~leeftijd + regio, pop, calfun = "raking",
    # bounds = c(0.3, 3)) -> Calibration failed; calfun = "logit" -> g range 0.349 - 2.846;
    # calfun = "linear" -> 0.300 - 2.936 (data: 400 rows, age p = .15/.25/.3/.3, regions
    # uniform, from numpy default_rng(1), written to CSV for R)
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"leeftijd": rng.choice(["18-34", "35-49", "50-64", "65+"], 400,
                                              p=[.15, .25, .3, .3]),
                       "regio": rng.choice(["Noord", "Oost", "Zuid", "West"], 400)})
    margins = {"leeftijd": {"18-34": 3.8e6, "35-49": 3.2e6, "50-64": 3.7e6, "65+": 3.3e6},
               "regio": {"Noord": 1.4e6, "Oost": 3.0e6, "Zuid": 2.9e6, "West": 6.7e6}}
    with pytest.raises(CalibrationError, match="method='logit' keeps the factors"):
        calibrate(df, margins, bounds=(0.3, 3))
    for method, (low, high) in (("logit", (0.349, 2.846)), ("linear", (0.300, 2.936))):
        g = calibrate(df, margins, method=method, bounds=(0.3, 3))["weight_calibrated"] / 35_000
        assert (round(g.min(), 3), round(g.max(), 3)) == (low, high)


def test_unreachable_bounds_fail_as_in_r():
    # R: calibrate(clus1, ..., calfun = "raking", bounds = c(0.6, 3)) -> "Calibration failed"
    with pytest.raises(CalibrationError, match="calibration failed.*bounds 0.6–3"):
        calibrate(_api("clus1"), MARGINS, method="raking", bounds=(0.6, 3),
                  design=DESIGNS["clus1"])


# --------------------------------------------------------------------------------------------
# input checks (no R needed)
# --------------------------------------------------------------------------------------------
@pytest.fixture
def people():
    return pd.DataFrame({"sex": ["m", "m", "f", "f", "f", "m"],
                         "age": pd.Categorical(["y", "o", "y", "o", "o", "o"]),
                         "code": [1, 2, 1, 2, 2, 1], "w": [1.0, 2.0, 1.0, 1.0, 2.0, 1.0]})


def test_the_input_is_not_modified(people):
    before = people.copy()
    out = calibrate(people, {"sex": {"m": 50, "f": 50}}, start_weights="w")
    pd.testing.assert_frame_equal(people, before)
    assert people.attrs == {}
    assert out.attrs["weight"] == "weight_calibrated"
    assert calibration_of(out).start_weights == "w"


def test_shares_with_a_total_and_codes_matched_as_text(people):
    out = calibrate(people, {"sex": {"m": 0.4, "f": 0.6}, "code": {"1": 0.5, "2": 0.5}},
                    total=1000, weight="gewicht")
    assert out.groupby("sex")["gewicht"].sum().to_dict() == pytest.approx({"f": 600, "m": 400})
    assert out.groupby("code")["gewicht"].sum().to_dict() == pytest.approx({1: 500, 2: 500})
    assert kirc.calibrate is calibrate


@pytest.mark.parametrize("margins, message", [
    ({"sex": {"m": 50}}, "category 'f' occurs in the data but has no population count"),
    ({"sex": {"m": 50, "f": 40, "x": 10}}, "category 'x' has a population count but no "
                                           "respondent"),
    ({"sex": {"m": 50, "f": 0}}, "category 'f' must be a positive number, not 0"),
    ({"sex": {"m": 50, "f": -5}}, "category 'f' must be a positive number, not -5"),
    ({"sex": {"m": 50, "f": 50}, "age": {"y": 40, "o": 50}}, "add up to 90.*every margin"),
])
def test_margin_errors_name_the_column_and_the_category(people, margins, message):
    with pytest.raises(CalibrationError, match=message) as caught:
        calibrate(people, margins)
    assert caught.value.column in margins


def test_missing_values_in_a_margin_variable(people):
    people.loc[[1, 4], "sex"] = None
    with pytest.raises(CalibrationError, match=r"2 row\(s\) have no value .*rows \[1, 4\]") as c:
        calibrate(people, {"sex": {"m": 50, "f": 50}})
    assert c.value.column == "sex"


def test_other_errors(people):
    with pytest.raises(ColumnError, match="'region'"):
        calibrate(people, {"region": {"n": 1}})
    with pytest.raises(ParameterError, match="unknown calibration method 'rim'"):
        calibrate(people, {"sex": {"m": 50, "f": 50}}, method="rim")
    with pytest.raises(ParameterError, match="lower < 1 < upper"):
        calibrate(people, {"sex": {"m": 50, "f": 50}}, bounds=(1.2, 3))
    with pytest.raises(ParameterError, match="logit calibration needs finite bounds"):
        calibrate(people, {"sex": {"m": 50, "f": 50}}, method="logit")
    negative = people.assign(w=[1.0, -1.0, 1.0, 1.0, 1.0, 1.0])
    with pytest.raises(KircError, match="negative"):
        calibrate(negative, {"sex": {"m": 50, "f": 50}}, start_weights="w")


def test_zero_starting_weights_stay_zero_and_need_no_category(people):
    people["w"] = [1.0, 2.0, 1.0, 1.0, 2.0, 0.0]
    people.loc[5, "sex"] = None   # out of the sample: its missing value does not matter
    out = calibrate(people, {"sex": {"m": 30, "f": 70}}, start_weights="w")
    assert out.loc[5, "weight_calibrated"] == 0
    assert out.groupby("sex")["weight_calibrated"].sum().to_dict() == pytest.approx(
        {"f": 70, "m": 30})


def test_weighting_report_figures(people):
    out = calibrate(people, {"sex": {"m": 60, "f": 40}, "age": {"y": 30, "o": 70}},
                    start_weights="w", method="linear")
    report = kirc.weighting_report(out)
    assert list(report.columns) == ["part", "variable", "category", "population", "before",
                                    "after", "population_share", "before_share", "after_share"]
    margin = report[report.part == "margin"].set_index(["variable", "category"])
    np.testing.assert_allclose(margin["after"], margin["population"], rtol=1e-10)
    assert margin.loc[("sex", "m"), "before"] == 4.0   # 1 + 2 + 1
    assert margin.loc[("age", "o"), "after_share"] == pytest.approx(70.0)
    stats = report[report.part == "weights"].set_index("variable")
    w = out["weight_calibrated"].to_numpy()
    assert stats.loc["kish_deff", "after"] == pytest.approx(len(w) * np.sum(w**2) / w.sum()**2)
    assert stats.loc["efficiency", "after"] == pytest.approx(100 / stats.loc["kish_deff", "after"])
    g = w / people["w"].to_numpy()
    factors = report[report.part == "adjustment"].set_index("variable")["after"]
    assert factors["min"] == pytest.approx(g.min()) and factors["max"] == pytest.approx(g.max())
    assert factors["median"] == pytest.approx(np.median(g))
    # a filtered frame reports on its own rows
    part = kirc.weighting_report(out[out.sex == "m"])
    assert part.query("variable == 'n'")["after"].iloc[0] == 3


def test_methods_note_in_dutch(people):
    out = calibrate(people, {"sex": {"m": 3, "f": 3}}, bounds=(0.5, 2))
    text, table = weighting.methods_note(out)
    assert text.startswith("De gewichten zijn gekalibreerd op populatieaantallen naar sex, met "
                           "raking")
    assert "grenzen 0,50–2,00" in text and "Weegefficiëntie 100,0%" in text
    assert table.equals(kirc.weighting_report(out))
