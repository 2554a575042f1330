"""kirc.regress (R's svyglm) and kirc.trend_test (its slope on the period) against R survey.

``svyglm(api00 ~ ell + stype)`` (gaussian) and ``svyglm(yes ~ ell + stype,
family=quasibinomial())`` on the stratified ``apistrat``, the one-stage cluster sample
``apiclus1``, the two-stage ``apiclus2`` and a JK1 replicate design of ``apiclus1``; the trend
on five yearly stratified samples made of ``apistrat`` (its schools split by ``snum %% 5`` into
the years 2017–2021, each year × school type a stratum), for the mean of api00, the share of
``sch.wide == "Yes"`` and the NPS score of the item made from api00 (as in
``tests/test_design.py``), overall and per ``comp.imp`` group. The script (R 4.2.2, survey
4.1.1), output in ``R_GLM`` and ``R_TREND``::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    st <- read.csv(paste0(p, "apistrat.csv")); cl <- read.csv(paste0(p, "apiclus1.csv"))
    cl2 <- read.csv(paste0(p, "apiclus2.csv"))
    prep <- function(d) { d$yes <- as.numeric(d$sch.wide == "Yes")
      d$rating <- pmin(10, pmax(0, floor((d$api00 - 400) / 50)))
      d$score <- ifelse(d$rating >= 9, 1, ifelse(d$rating <= 6, -1, 0)); d }
    st <- prep(st); cl <- prep(cl); cl2 <- prep(cl2)
    designs <- list(strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st),
                    clus1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl),
                    clus2 = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = cl2))
    designs$jk1 <- as.svrepdesign(designs$clus1, type = "JK1", compress = FALSE)
    tight <- glm.control(epsilon = 1e-15, maxit = 100)
    for (name in names(designs)) { d <- designs[[name]]
      m <- svyglm(api00 ~ ell + stype, d); s <- summary(m)$coefficients
      cat(name, "gaussian", sprintf("%.10f", c(coef(m), SE(m), s[, 4])), m$df.residual, "\\n")
      m <- svyglm(yes ~ ell + stype, d, family = quasibinomial(), control = tight)
      # once more from the converged coefficients: R's bread is the last iteration's weights
      m <- svyglm(yes ~ ell + stype, d, family = quasibinomial(), control = tight, start = coef(m))
      s <- summary(m)$coefficients
      cat(name, "quasibinomial", sprintf("%.10f", c(coef(m), SE(m), s[, 4])), m$df.residual, "\\n")
    }
    # five yearly stratified samples: apistrat's schools split by snum %% 5, the years 2017-2021
    st$year <- 2017 + st$snum %% 5
    pooled <- svydesign(id = ~1, strata = ~interaction(year, stype), weights = ~pw, fpc = ~fpc,
                        data = st)
    for (v in c("api00", "yes", "score")) {
      m <- svyglm(as.formula(paste0(v, " ~ year")), pooled); s <- summary(m)$coefficients
      cat("trend", v, sprintf("%.10f", c(coef(m)[2], SE(m)[2], s[2, 4])), m$df.residual, "\\n")
      for (g in c("No", "Yes")) {
        m <- svyglm(as.formula(paste0(v, " ~ year")), subset(pooled, comp.imp == g))
        s <- summary(m)$coefficients
        cat("trend", v, g, sprintf("%.10f", c(coef(m)[2], SE(m)[2], s[2, 4])), m$df.residual, "\\n")
      }
    }
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import realdata_file

# (coefficients, SEs, p-values) of (Intercept), ell, stypeH, stypeM; residual df
R_GLM = {
    ("strat", "gaussian"): (
        [775.7306583868, -4.0294613519, -94.3040917306, -59.7502697543],
        [11.8496490186, 0.3094400141, 13.7628827335, 15.8584819963],
        [0.0, 0.0, 0.0000000001, 0.0002184563], 194),
    ("strat", "binomial"): (
        [2.7633516154, -0.0156817002, -2.4670565648, -1.5962242199],
        [0.5622241686, 0.0114181419, 0.5273674354, 0.5014215870],
        [0.0000018841, 0.1712124862, 0.0000054205, 0.0016956557], 194),
    ("clus1", "gaussian"): (
        [771.8696821835, -4.1422437405, -91.1645975044, -46.4835941487],
        [26.2205375484, 0.4541214829, 19.7911115969, 13.5992418271],
        [0.0, 0.0000018382, 0.0007570519, 0.0057424550], 11),
    ("clus1", "binomial"): (
        [2.0559396340, 0.0120817534, -0.9295924549, -1.5706812599],
        [0.3352338858, 0.0121671835, 0.6264941086, 0.6437004095],
        [0.0000738464, 0.3420612771, 0.1659403033, 0.0328179920], 11),
    ("clus2", "gaussian"): (
        [822.7989454141, -4.8014817759, -124.1811859067, -61.0244906829],
        [23.0727493548, 0.4187818773, 22.0536291542, 17.8013584832],
        [0.0, 0.0, 0.0000021648, 0.0015376542], 36),
    ("clus2", "binomial"): (
        [3.8462851742, -0.0360967483, -4.9869865395, -2.8211083524],
        [1.2315951296, 0.0144525976, 1.2122584689, 1.3382460057],
        [0.0035240452, 0.0172126453, 0.0002159923, 0.0420524122], 36),
    ("jk1", "gaussian"): (
        [771.8696821835, -4.1422437405, -91.1645975044, -46.4835941487],
        [28.5798989460, 0.4714861296, 22.1853516137, 14.6563026940],
        [0.0, 0.0000026525, 0.0017320621, 0.0088935944], 11),
    ("jk1", "binomial"): (
        [2.0559396340, 0.0120817534, -0.9295924549, -1.5706812599],
        [0.3753435442, 0.0135462388, 0.7326004569, 0.7307348821],
        [0.0001926660, 0.3915444947, 0.2306716580, 0.0546988314], 11),
}
# slope, SE, p-value, residual df: overall, comp.imp No, comp.imp Yes
R_TREND = {
    "api00": [(10.5565778976, 7.0090158184, 0.1337453628, 184),
              (9.9549522716, 11.0778068594, 0.3720159050, 68),
              (11.5885535884, 9.0052973826, 0.2011141458, 100)],
    "yes": [(-0.0369581209, 0.0199191442, 0.0651377041, 184),
            (-0.0715481808, 0.0396108507, 0.0753001978, 68),
            (-0.0089755535, 0.0144056153, 0.5346639181, 100)],
    "score": [(0.0518093421, 0.0326086029, 0.1138168658, 184),
              (0.0172920538, 0.0417149354, 0.6797914786, 68),
              (0.0759184594, 0.0467437871, 0.1074939709, 100)],
}


def _read(name):
    data = pd.read_csv(realdata_file("survey_api", name))
    data["yes"] = (data["sch.wide"] == "Yes").astype(float)
    data["rating"] = np.clip(np.floor((data["api00"] - 400) / 50), 0, 10)
    return data


@pytest.fixture(scope="module")
def designs():
    strat, clus1, clus2 = _read("apistrat.csv"), _read("apiclus1.csv"), _read("apiclus2.csv")
    one_stage = kirc.Design(weights="pw", psu="dnum", fpc="fpc")
    return {
        "strat": (strat, kirc.Design(weights="pw", strata="stype", fpc="fpc")),
        "clus1": (clus1, one_stage),
        "clus2": (clus2, kirc.Design(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])),
        "jk1": (kirc.with_replicates(kirc.as_survey(clus1, one_stage), "JK1"), None),
    }


@pytest.mark.parametrize("name", ["strat", "clus1", "clus2", "jk1"])
@pytest.mark.parametrize("family, outcome", [("gaussian", "api00"), ("binomial", "yes")])
def test_regress_matches_svyglm(designs, name, family, outcome):
    data, design = designs[name]
    out = kirc.regress(data, outcome, ["ell", "stype"], family=family, design=design)
    estimate, se, p_value, df = R_GLM[name, family]
    assert list(out["term"]) == ["(Intercept)", "ell", "stype=H", "stype=M"]
    np.testing.assert_allclose(out["estimate"], estimate, rtol=1e-8)
    np.testing.assert_allclose(out["se"], se, rtol=1e-8)
    np.testing.assert_allclose(out["p_value"], p_value, rtol=1e-6, atol=1e-10)
    assert (out["df"] == df).all()
    assert (out["significant"] == (out["p_value"] < 0.05)).all()
    from scipy import stats
    quantile = stats.t.isf(0.025, df)
    np.testing.assert_allclose(out["ci_high"] - out["estimate"], quantile * out["se"])


def test_regress_reference_and_errors(designs):
    data, design = designs["strat"]
    other = kirc.regress(data, "api00", "stype", design=design, reference="H")
    assert list(other["term"]) == ["(Intercept)", "stype=E", "stype=M"]
    default = kirc.regress(data, "api00", "stype", design=design)
    # the same model, another reference: the intercept is that level's mean
    means = kirc.mean_score(data, "api00", by="stype", design=design).set_index("stype")
    assert other["estimate"].iloc[0] == pytest.approx(means.loc["H", "estimate"], rel=1e-12)
    assert default["estimate"].iloc[0] == pytest.approx(means.loc["E", "estimate"], rel=1e-12)
    with pytest.raises(kirc.ScaleError, match="0 and 1"):
        kirc.regress(data, "api00", "ell", family="binomial", design=design)
    with pytest.raises(kirc.ParameterError, match="not a level"):
        kirc.regress(data, "api00", "stype", design=design, reference="X")
    with pytest.raises(kirc.ColumnError, match="did you mean"):
        kirc.regress(data, "api00", "stipe", design=design)


@pytest.fixture(scope="module")
def yearly():
    data = _read("apistrat.csv")
    data["year"] = 2017 + data["snum"].astype(int) % 5
    return data, kirc.Design(weights="pw", strata="stype", fpc="fpc")


@pytest.mark.parametrize("metric, column, key, unit", [("mean", "api00", "api00", 1),
                                                      ("share", "yes", "yes", 100),
                                                      ("nps", "rating", "score", 100)])
def test_trend_test_is_svyglm_on_the_pooled_yearly_samples(yearly, metric, column, key, unit):
    data, design = yearly
    whole = kirc.trend_test(data, metric, column, design=design)
    groups = kirc.trend_test(data, metric, column, by="comp.imp", design=design)
    assert list(groups["comp.imp"]) == ["No", "Yes"]
    for row, reference in zip([whole.iloc[0], *groups.itertuples(index=False)], R_TREND[key]):
        row = pd.Series(row._asdict()) if not isinstance(row, pd.Series) else row
        slope, se, p_value, df = reference
        assert row["slope"] == pytest.approx(unit * slope, rel=1e-8)
        assert row["se"] == pytest.approx(unit * se, rel=1e-8)
        assert row["p_value"] == pytest.approx(p_value, rel=1e-6)
        assert row["df"] == df and row["n_periods"] == 5
    assert whole.loc[0, "method"] == "linear trend (WLS), design (Taylor), t"


def test_trend_test_of_one_period_has_no_slope(yearly):
    data, design = yearly
    data = data.assign(year=np.where(data["comp.imp"] == "Yes", data["year"], 2020))
    out = kirc.trend_test(data, "mean", "api00", by="comp.imp", design=design)
    assert out.loc[0, "n_periods"] == 1 and np.isnan(out.loc[0, "slope"])
    assert not out.loc[0, "significant"]
    assert out.loc[1, "n_periods"] == 5 and np.isfinite(out.loc[1, "slope"])
