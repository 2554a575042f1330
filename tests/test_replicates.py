"""Replicate-weight designs: supplied, made (kirc.with_replicates), exported, against R survey.

**Supplied.** R made JK1 and bootstrap replicates of the one-stage cluster sample ``apiclus1``
(``as.svrepdesign(..., compress=FALSE)``); their factors per district (the replicate weights
divided by ``pw``) are ``tests/data/apiclus1_replicate_factors.csv``, so the test has R's very
columns (the bootstrap is random: R's draw, not a new one). ``scd`` (R's BRR example) is used
with Levy & Lemeshow's four half-samples, as BRR and as Fay's variant (ρ = 0.3). The script
(R 4.2.2, survey 4.1.1; run from the project folder; output in ``R_SUPPLIED``)::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    cl <- read.csv(paste0(p, "apiclus1.csv"))
    cl$yes <- as.numeric(cl$sch.wide == "Yes")
    cl$rating <- pmin(10, pmax(0, floor((cl$api00 - 400) / 50)))
    cl$score <- ifelse(cl$rating >= 9, 1, ifelse(cl$rating <= 6, -1, 0))
    dc <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl)
    set.seed(20260101)
    designs <- list(jk1 = as.svrepdesign(dc, type = "JK1", compress = FALSE),
                    boot = as.svrepdesign(dc, type = "bootstrap", replicates = 50, compress = FALSE))
    # the replicate factors per district (the columns divided by pw), written for the test
    factors <- lapply(designs, function(r) { f <- matrix(as.numeric(unclass(r$repweights)), nrow(cl))
      f[!duplicated(cl$dnum), , drop = FALSE] })
    out <- data.frame(dnum = cl$dnum[!duplicated(cl$dnum)], factors$jk1, factors$boot)
    names(out) <- c("dnum", paste0("jk", 1:15), paste0("boot", 1:50))
    write.csv(out, "tests/data/apiclus1_replicate_factors.csv", row.names = FALSE)
    for (name in names(designs)) { r <- designs[[name]]
      cat(name, "scale", sprintf("%.15f", r$scale), "degf", degf(r), "\\n")
      for (v in c("api00", "yes", "score")) {
        m <- svymean(as.formula(paste0("~", v)), r); cat(name, v, sprintf("%.12f", c(coef(m), SE(m))), "\\n")
        b <- svyby(as.formula(paste0("~", v)), ~stype, r, svymean, covmat = TRUE)
        cat(name, v, "by", sprintf("%.12f", c(coef(b), SE(b))), "\\n")
        k <- svycontrast(b, c(E = -1, H = 0, M = 1)); cat(name, v, "M-E", sprintf("%.12f", c(coef(k), SE(k))), "\\n")
      }
      b <- svyby(~I(yes == 1), ~stype, r, svyciprop, method = "beta", vartype = "ci")
      cat(name, "beta by", sprintf("%.12f", c(b$ci_l, b$ci_u)), "\\n")
      cat(name, "degf by", sapply(c("E", "H", "M"), function(s) degf(subset(r, stype == s))), "\\n")
    }

**Made.** kirc makes JK1 (``apiclus1``), JKn (``apistrat``) and BRR (``scd``) replicates, and
JK1 replicates of ``apiclus1`` raked and GREG-calibrated to the ``apipop`` margins with every
replicate calibrated again; R makes the same (output in ``R_MADE``)::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    cl <- read.csv(paste0(p, "apiclus1.csv")); st <- read.csv(paste0(p, "apistrat.csv"))
    scd <- read.csv(paste0(p, "scd.csv"))
    cl$yes <- as.numeric(cl$sch.wide == "Yes"); st$yes <- as.numeric(st$sch.wide == "Yes")
    out <- function(...) cat(..., "\\n")
    made <- list(
      jk1 = as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl), type = "JK1", compress = FALSE),
      jkn = as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st), type = "JKn", compress = FALSE))
    pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)
    made$raked <- calibrate(made$jk1, ~stype + sch.wide, pop, calfun = "raking", epsilon = 1e-13, maxit = 200, compress = FALSE)
    made$greg <- calibrate(made$jk1, ~stype + sch.wide, pop, calfun = "linear", compress = FALSE)
    for (name in names(made)) { r <- made[[name]]
      m <- svymean(~api00 + yes, r); out(name, sprintf("%.12f", c(coef(m), SE(m))), degf(r))
      b <- svyby(~api00, ~comp.imp, r, svymean); out(name, "by", sprintf("%.12f", c(coef(b), SE(b))))
    }
    # BRR on scd: made from the design, the Levy & Lemeshow replicates, and Fay's (rho 0.3)
    des <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
    brr <- as.svrepdesign(des, type = "BRR", compress = FALSE)
    print(unclass(weights(brr, "analysis")))
    rw <- 2 * cbind(c(1,0,1,0,1,0), c(1,0,0,1,0,1), c(0,1,1,0,0,1), c(0,1,0,1,1,0))
    supplied <- list(brr = brr, ll = svrepdesign(data = scd, type = "BRR", repweights = rw, combined.weights = FALSE),
      fay = svrepdesign(data = scd, type = "Fay", rho = 0.3, repweights = 0.3 + 1.4 * rw / 2, combined.weights = FALSE))
    for (name in names(supplied)) { r <- supplied[[name]]; r <- update(r, big = as.numeric(arrests > 200))
      m <- svymean(~arrests + alive, r); out(name, sprintf("%.12f", c(coef(m), SE(m))), degf(r))
      b <- svyby(~alive, ~big, r, svymean); out(name, "by", sprintf("%.12f", c(coef(b), SE(b))))
    }

**Exported.** ``kirc.export_replicates`` of the made JK1 design of ``apiclus1`` (as ``.csv``,
``.sav`` and ``.dta``), read back by R with the lines it writes beside the file
(``source("apiclus1_jk1.R"); svyby(~api00, ~stype, design, svymean); degf(design)``), gives
R's own JK1 numbers above (E, H, M: SE 25.374303552398, 46.344121745186, 33.687619998631;
``degf`` 14) from every format: ``test_r_reads_the_export_back`` runs that when ``Rscript`` is
installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import ROOT, realdata_file
from engine_data import assert_same

RTOL = 1e-9
FACTORS = ROOT / "tests" / "data" / "apiclus1_replicate_factors.csv"

R_SUPPLIED = {
    "jk1": {"scale": 0.914839277851167, "degf": 14, "degf_by": [14, 7, 11],
            "api00": (644.169398907104, 26.329360589528),
            "api00_by": ([648.868055555556, 618.571428571429, 631.440000000000],
                         [25.374303552398, 46.344121745186, 33.687619998631]),
            "api00_contrast": (-17.428055555555, 14.903535739809),
            "yes": (0.874316939891, 0.020556014254),
            "yes_by": ([0.916666666667, 0.785714285714, 0.680000000000],
                       [0.023690412420, 0.098598154447, 0.114786537656]),
            "yes_contrast": (-0.236666666667, 0.127575844143),
            "score": (-0.836065573770, 0.052190204825),
            "score_by": ([-0.812500000000, -1.000000000000, -0.880000000000],
                         [0.056769891176, 0.000000000000, 0.061066854255]),
            "score_contrast": (-0.067500000000, 0.048672805913),
            "beta_by": ([0.850569039232, 0.497465663164, 0.391551206039],
                        [0.959970118998, 0.951767620550, 0.892867733074])},
    "boot": {"scale": 0.021865889212828, "degf": 14, "degf_by": [14, 7, 11],
             "api00": (644.169398907104, 22.395237085859),
             "api00_by": ([648.868055555556, 618.571428571429, 631.440000000000],
                          [20.879888073878, 45.663142599395, 32.439635126565]),
             "api00_contrast": (-17.428055555555, 17.407224008662),
             "yes": (0.874316939891, 0.021554219828),
             "yes_by": ([0.916666666667, 0.785714285714, 0.680000000000],
                        [0.018665176954, 0.104944973905, 0.119772301719]),
             "yes_contrast": (-0.236666666667, 0.127790060412),
             "score": (-0.836065573770, 0.048421112505),
             "score_by": ([-0.812500000000, -1.000000000000, -0.880000000000],
                          [0.053637922906, 0.000000000000, 0.059834301984]),
             "score_contrast": (-0.067500000000, 0.055829937461),
             "beta_by": ([0.867303693897, 0.475772759595, 0.378260190739],
                         [0.952082327487, 0.958133183967, 0.899797385849])},
}
R_MADE = {
    "jk1": ((644.169398907104, 0.874316939891, 26.329360589528, 0.020556014254), 14,
            (632.900000000000, 648.406015037594, 34.018227121289, 24.661118160471)),
    "jkn": ((662.287363159321, 0.827948011416, 9.408940802785, 0.024344780113), 197,
            (635.412356032104, 676.402286067281, 16.004704935463, 11.746845916192)),
    "raked": ((641.230320926820, 0.826929286406, 26.873980435667, 0.0), 14,
              (630.342010864131, 646.350522717371, 33.216628752525, 25.623469750201)),
    "greg": ((640.995870078881, 0.826929286406, 26.983675002868, 0.0), 14,
             (629.898644990014, 646.225002092297, 33.554168617130, 25.647387313697)),
}
#: R's as.svrepdesign(type="BRR") of scd: the replicate weights (rows × replicates)
R_BRR_WEIGHTS = [[2, 0, 2, 0], [0, 2, 0, 2], [2, 2, 0, 0], [0, 0, 2, 2], [2, 0, 0, 2],
                 [0, 2, 2, 0]]
R_SCD = {"brr": ((301.833333333333, 46.333333333333, 25.393021788585, 3.582364210034), 3,
                 (26.333333333333, 66.333333333333, 1.430690392782, 7.607562027351)),
         "ll": ((301.833333333333, 46.333333333333, 25.393021788585, 3.582364210034), 3,
                (26.333333333333, 66.333333333333, 1.430690392782, 7.607562027351)),
         "fay": ((301.833333333333, 46.333333333333, 25.393021788585, 3.582364210034), 3,
                 (26.333333333333, 66.333333333333, 1.342329255265, 7.102238888960))}
LEVY_LEMESHOW = 2 * np.array([[1, 0, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1],
                              [0, 1, 0, 1, 1, 0]], dtype=float).T
MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}


def _prep(data):
    data["yes"] = (data["sch.wide"] == "Yes").astype(float)
    data["rating"] = np.clip(np.floor((data["api00"] - 400) / 50), 0, 10)
    return data


@pytest.fixture(scope="module")
def apiclus1():
    return _prep(pd.read_csv(realdata_file("survey_api", "apiclus1.csv")))


@pytest.fixture(scope="module")
def apistrat():
    return _prep(pd.read_csv(realdata_file("survey_api", "apistrat.csv")))


@pytest.fixture(scope="module")
def scd():
    data = pd.read_csv(realdata_file("survey_api", "scd.csv"))
    data["big"] = (data["arrests"] > 200).astype(int)
    return data


def _supplied(apiclus1, name):
    factors = pd.read_csv(FACTORS)
    prefix = "jk" if name == "jk1" else "boot"
    columns = [c for c in factors.columns if c.startswith(prefix)]
    merged = apiclus1.merge(factors[["dnum", *columns]], on="dnum", how="left")
    weights = merged[columns].to_numpy() * merged[["pw"]].to_numpy()
    data = apiclus1.assign(**{f"rep{k + 1}": weights[:, k] for k in range(len(columns))})
    scale = R_SUPPLIED[name]["scale"]
    method = "JK1" if name == "jk1" else "bootstrap"
    return data, kirc.Design(weights="pw", replicates=kirc.Replicates(
        columns="rep*", method=method, scale=scale))


@pytest.mark.parametrize("name", ["jk1", "boot"])
def test_supplied_replicates_match_svrepdesign(apiclus1, name):
    data, design = _supplied(apiclus1, name)
    ref = R_SUPPLIED[name]
    for function, column, key, unit in ((kirc.mean_score, "api00", "api00", 1),
                                        (kirc.share, "yes", "yes", 100),
                                        (kirc.nps, "rating", "score", 100)):
        whole = function(data, column, design=design)
        assert whole.loc[0, "estimate"] == pytest.approx(unit * ref[key][0], rel=RTOL)
        assert whole.loc[0, "se"] == pytest.approx(unit * ref[key][1], rel=1e-9)
        assert whole.loc[0, "df"] == ref["degf"]
        by = function(data, column, by="stype", design=design)
        np.testing.assert_allclose(by["estimate"], unit * np.array(ref[f"{key}_by"][0]),
                                   rtol=RTOL)
        np.testing.assert_allclose(by["se"], unit * np.array(ref[f"{key}_by"][1]), rtol=1e-9,
                                   atol=1e-10)
        np.testing.assert_array_equal(by["df"], ref["degf_by"])
        contrast = kirc.contrast(data, function.metric_name, column, by="stype", versus="E",
                                 design=design).set_index("stype")
        assert contrast.loc["M", "estimate"] == pytest.approx(unit * ref[f"{key}_contrast"][0],
                                                              rel=1e-9)
        assert contrast.loc["M", "se"] == pytest.approx(unit * ref[f"{key}_contrast"][1],
                                                        rel=1e-9)
        assert contrast.loc["M", "method"] == \
            f"replicates ({design.replicates.method}), t"
    beta = kirc.share(data, "yes", by="stype", design=design, method="beta")
    np.testing.assert_allclose(beta["ci_low"], 100 * np.array(ref["beta_by"][0]), rtol=1e-8)
    np.testing.assert_allclose(beta["ci_high"], 100 * np.array(ref["beta_by"][1]), rtol=1e-8)


def test_made_jackknife_replicates_match_as_svrepdesign(apiclus1, apistrat):
    made = {
        "jk1": kirc.with_replicates(kirc.as_survey(
            apiclus1, kirc.Design(weights="pw", psu="dnum", fpc="fpc")), "JK1"),
        "jkn": kirc.with_replicates(kirc.as_survey(
            apistrat, kirc.Design(weights="pw", strata="stype", fpc="fpc")), "JKn"),
    }
    calibrated = {method: kirc.calibrate(kirc.as_survey(
        apiclus1, kirc.Design(weights="pw", psu="dnum", fpc="fpc")), MARGINS, method=method)
        for method in ("raking", "linear")}
    made["raked"] = kirc.with_replicates(calibrated["raking"], "JK1")
    made["greg"] = kirc.with_replicates(calibrated["linear"], "JK1")
    for name, survey in made.items():
        (mean, yes, mean_se, yes_se), degf, by = R_MADE[name]
        api = kirc.mean_score(survey, "api00")
        share = kirc.share(survey, "yes")
        assert api.loc[0, "estimate"] == pytest.approx(mean, rel=RTOL)
        assert api.loc[0, "se"] == pytest.approx(mean_se, rel=RTOL)
        assert share.loc[0, "estimate"] == pytest.approx(100 * yes, rel=RTOL)
        assert share.loc[0, "se"] == pytest.approx(100 * yes_se, rel=RTOL, abs=1e-9)
        assert api.loc[0, "df"] == degf
        groups = kirc.mean_score(survey, "api00", by="comp.imp")
        np.testing.assert_allclose(groups[["estimate", "se"]].to_numpy().T.ravel(),
                                   np.array(by)[[0, 1, 2, 3]], rtol=RTOL)
    # the calibration is repeated on every replicate: each replicate meets the margins
    raked = made["raked"]
    for column in raked.design.replicates.columns:
        kept = raked[raked[column] > 0]
        totals = kept.groupby("stype")[column].sum()
        np.testing.assert_allclose(totals[["E", "H", "M"]], [4421, 755, 1018], rtol=1e-9)


def test_brr_made_supplied_and_fay_on_scd(scd):
    made = kirc.with_replicates(kirc.as_survey(scd, kirc.Design(strata="ESA",
                                                                psu="ambulance")), "BRR")
    np.testing.assert_array_equal(made[list(made.design.replicates.columns)].to_numpy(),
                                  R_BRR_WEIGHTS)
    supplied = scd.assign(**{f"r{k + 1}": LEVY_LEMESHOW[:, k] for k in range(4)})
    fay = scd.assign(**{f"r{k + 1}": 0.3 + 1.4 * LEVY_LEMESHOW[:, k] / 2 for k in range(4)})
    cases = {"brr": (made, None),
             "ll": (supplied, kirc.Design(replicates=kirc.Replicates(columns="r*",
                                                                     method="BRR"))),
             "fay": (fay, kirc.Design(replicates=kirc.Replicates(columns="r*", method="Fay",
                                                                 rho=0.3)))}
    for name, (data, design) in cases.items():
        (arrests, alive, arrests_se, alive_se), degf, by = R_SCD[name]
        first = kirc.mean_score(data, "arrests", design=design)
        second = kirc.mean_score(data, "alive", design=design)
        np.testing.assert_allclose([first.loc[0, "estimate"], second.loc[0, "estimate"],
                                    first.loc[0, "se"], second.loc[0, "se"]],
                                   [arrests, alive, arrests_se, alive_se], rtol=RTOL)
        assert first.loc[0, "df"] == degf
        domains = kirc.mean_score(data, "alive", by="big", design=design)
        np.testing.assert_allclose(domains[["estimate", "se"]].to_numpy().T.ravel(), by,
                                   rtol=RTOL)
        # unweighted replicate weights in chunks keep their replicates (chunks carry no design)
        chunks = (pd.DataFrame(data.iloc[i:i + 2]) for i in range(0, len(data), 2))
        assert_same(domains, kirc.mean_score(chunks, "alive", by="big",
                                             design=design or kirc.design_of(data)))


def test_the_bootstrap_is_reproducible_and_close_to_the_linearised_variance(apistrat):
    survey = kirc.as_survey(apistrat, kirc.Design(weights="pw", strata="stype"))
    first = kirc.with_replicates(survey, "bootstrap", replicates=20, seed=7)
    again = kirc.with_replicates(survey, "bootstrap", replicates=20, seed=7)
    columns = list(first.design.replicates.columns)
    np.testing.assert_array_equal(first[columns].to_numpy(), again[columns].to_numpy())
    assert first.design.replicates.seed == 7
    drawn = kirc.with_replicates(survey, "bootstrap", replicates=20)
    assert isinstance(drawn.design.replicates.seed, int)          # drawn, and recorded
    # Canty & Davison's scale makes the replicate variance that of the linearisation, up to
    # the bootstrap's noise (about 3 % with 500 replicates): within 5 %
    many = kirc.with_replicates(survey, "bootstrap", replicates=500, seed=1)
    boot = kirc.mean_score(many, "api00")["se"].iloc[0]
    taylor = kirc.mean_score(survey, "api00")["se"].iloc[0]
    assert boot == pytest.approx(taylor, rel=0.05)


def test_engines_give_the_replicate_variance(apiclus1):
    duckdb = pytest.importorskip("duckdb")
    data, design = _supplied(apiclus1, "jk1")
    relation = duckdb.connect().from_df(data)
    for function, column in ((kirc.nps, "rating"), (kirc.share, "yes"),
                             (kirc.mean_score, "api00")):
        expected = function(data, column, by="stype", design=design)
        assert_same(expected, function(relation, column, by="stype", design=design))
        chunks = (data.iloc[i:i + 50] for i in range(0, len(data), 50))
        assert_same(expected, function(chunks, column, by="stype", design=design))
    # change and letters are comparisons of the same variance
    years = data.assign(year=np.where(data["stype"] == "E", 2024, 2025))
    assert_same(kirc.change(years, "share", "yes", design=design),
                kirc.change(duckdb.connect().from_df(years), "share", "yes", design=design))


def test_changes_and_crosstab_letters_take_the_replicate_covariance(apiclus1):
    data, design = _supplied(apiclus1, "jk1")
    survey = kirc.as_survey(data, design)
    years = survey.assign(year=np.where(survey["stype"] == "M", 2025, 2024))
    change = kirc.change(years[years["stype"] != "H"], "mean", "api00", year=2025)
    assert change.loc[0, "estimate"] == pytest.approx(R_SUPPLIED["jk1"]["api00_contrast"][0],
                                                      rel=RTOL)
    assert change.loc[0, "se"] == pytest.approx(R_SUPPLIED["jk1"]["api00_contrast"][1],
                                                rel=RTOL)
    assert change.loc[0, "method"] == "replicates (JK1), t"
    letters = kirc.compare_groups(survey, "share", "yes", by="stype", min_n=5)
    assert set(letters["test"]) == {"replicates (JK1), t, bonferroni"}


def test_a_definition_declares_replicate_columns_by_pattern(tmp_path, apiclus1):
    data, _ = _supplied(apiclus1, "jk1")
    data = data.assign(year=2000, schoolnr=data["snum"].astype(int))
    data[["schoolnr", "year", "stype", "api00", "pw", *[f"rep{k}" for k in range(1, 16)]]] \
        .to_csv(tmp_path / "api_2000.csv", index=False)
    (tmp_path / "api.toml").write_text(f'''\
name = "api"
title = "API"
unit = "scholen"

[constructs.stype]
type = "category"
label = "Schooltype"
labels = {{ 1 = "E", 2 = "H", 3 = "M" }}

[constructs.api00]
type = "number"
label = "API 2000"

[constructs.pw]
type = "weight"
label = "Gewicht"

[design]
weights = "pw"
replicates = {{ columns = "rep*", method = "JK1", scale = {R_SUPPLIED["jk1"]["scale"]!r} }}

[questionnaires.v1.columns]
id = "schoolnr"
year = "year"
stype = "stype"
api00 = "api00"
pw = "pw"

[years]
2000 = {{ file = "api_2000.csv", questionnaire = "v1" }}
''', encoding="utf-8")
    survey = kirc.load_survey(tmp_path / "api.toml")
    assert survey.design.replicates.columns == tuple(f"rep{k}" for k in range(1, 16))
    by = kirc.mean_score(survey, "api00", by="stype")
    np.testing.assert_allclose(by["se"], R_SUPPLIED["jk1"]["api00_by"][1], rtol=1e-9)
    bad = tmp_path / "api.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace('"rep*"', '"repw*"'),
                   encoding="utf-8")
    with pytest.raises(kirc.ColumnError, match="no column matches the replicate-weight "
                                               "pattern"):
        kirc.load_survey(bad)


def test_errors_name_the_column_and_say_what_to_do(apiclus1):
    data, design = _supplied(apiclus1, "jk1")
    broken = data.copy()
    broken.loc[broken.index[3], "rep4"] = np.nan
    with pytest.raises(kirc.ScaleError, match="missing or infinite") as error:
        kirc.mean_score(broken, "api00", design=design)
    assert error.value.column == "rep4"
    with pytest.raises(kirc.ColumnError, match="replicate-weight pattern"):
        kirc.mean_score(data, "api00", design=kirc.Design(replicates=kirc.Replicates(
            columns="jk*", method="JK1")))
    with pytest.raises(kirc.ParameterError, match="Must provide rscales|needs rscales"):
        kirc.Replicates(columns="rep*", method="JKn")
    with pytest.raises(kirc.ParameterError, match="no psu= or fpc="):
        kirc.Design(psu="dnum", replicates=kirc.Replicates(columns="rep*"))
    with pytest.raises(kirc.ParameterError, match="JKn"):
        kirc.with_replicates(kirc.as_survey(apiclus1, kirc.Design(
            weights="pw", strata="stype")), "JK1")


def _exported(apiclus1, folder: Path, suffix: str):
    survey = kirc.as_survey(apiclus1[["dnum", "snum", "stype", "api00", "pw", "fpc"]],
                            kirc.Design(weights="pw", psu="dnum", fpc="fpc"))
    made = kirc.with_replicates(survey, "JK1")
    return made, kirc.export_replicates(made, folder / f"apiclus1_jk1{suffix}")


@pytest.mark.parametrize("suffix", [".csv", ".sav", ".dta"])
def test_the_export_holds_the_weights_and_declares_the_design(apiclus1, tmp_path, suffix):
    made, paths = _exported(apiclus1, tmp_path, suffix)
    back = kirc.read_survey(paths["data"], personal_data="keep")
    columns = list(made.design.replicates.columns)
    assert list(back.columns[-16:]) == ["pw", *columns]
    np.testing.assert_allclose(back[columns].to_numpy(float), made[columns].to_numpy(),
                               rtol=1e-12)
    r_text = paths["r"].read_text(encoding="utf-8")
    assert "svrepdesign(data = data" in r_text and 'type = "JK1"' in r_text
    assert "scale = 0.91483927785116" in r_text and 'repweights = "^repw[0-9]+$"' in r_text
    stata = paths["stata"].read_text(encoding="utf-8").splitlines()
    assert stata[-1] == ("svyset [pweight=pw], jkrweight(repw1-repw15, multiplier("
                         "0.9148392778511668)) vce(jackknife) dof(14)")
    assert stata[-2].startswith({".csv": "import delimited", ".sav": "import spss",
                                 ".dta": "use"}[suffix])
    # the survey read back, declared as the lines say, gives R's standard errors
    reread = kirc.mean_score(back, "api00", by="stype", design=made.design)
    np.testing.assert_allclose(reread["se"], R_SUPPLIED["jk1"]["api00_by"][1], rtol=1e-9)


def test_stata_lines_of_brr_fay_and_sdr():
    from kirc.survey.replicates import stata_lines
    columns = [f"w{k}" for k in range(1, 5)]
    brr = kirc.Design(weights="pw", replicates=kirc.Replicates(columns=columns, method="BRR"))
    assert stata_lines("x.dta", brr).splitlines()[-1] == \
        "svyset [pweight=pw], brrweight(w1-w4) vce(brr)"
    fay = kirc.Design(weights="pw", replicates=kirc.Replicates(columns=columns, method="Fay",
                                                               rho=0.5, mse=True))
    assert stata_lines("x.dta", fay, 3).splitlines()[-1] == \
        "svyset [pweight=pw], brrweight(w1-w4) fay(0.5) vce(brr) mse dof(3)"
    sdr = kirc.Design(replicates=kirc.Replicates(columns=columns, method="SDR"))
    assert stata_lines("x.dta", sdr).splitlines()[-1] == "svyset, sdrweight(w1-w4) vce(sdr)"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_r_reads_the_export_back(apiclus1, tmp_path):
    check = subprocess.run(["Rscript", "-e", "cat(requireNamespace('survey', quietly=TRUE) && "
                            "requireNamespace('haven', quietly=TRUE))"],
                           capture_output=True, text=True)
    if check.stdout.strip() != "TRUE":
        pytest.skip("R's survey and haven packages are not installed")
    lines = []
    for suffix in (".csv", ".sav", ".dta"):
        folder = tmp_path / suffix[1:]
        made, paths = _exported(apiclus1, folder, suffix)
        lines += [f'setwd("{folder}"); suppressMessages(source("{paths["r"].name}"))',
                  'b <- svyby(~api00, ~stype, design, svymean)',
                  'cat(sprintf("%.12f", SE(b)), degf(design), "\\n")']
    script = tmp_path / "check.R"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(["Rscript", str(script)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    kirc_se = kirc.mean_score(made, "api00", by="stype")["se"].to_numpy()
    outputs = result.stdout.strip().splitlines()
    assert len(outputs) == 3
    for line in outputs:                      # the .csv, .sav and .dta read back by R
        values = line.split()
        np.testing.assert_allclose([float(v) for v in values[:3]], kirc_se, rtol=1e-9)
        assert int(values[3]) == 14


def test_a_definition_with_replicates_and_calibration_calibrates_every_replicate(tmp_path,
                                                                                 apiclus1):
    # R's JK1 columns of apiclus1 and [calibration] raking to the apipop margins: R's
    # calibrate() of the replicate design (R_MADE["raked"]), every replicate calibrated again
    data, _ = _supplied(apiclus1, "jk1")
    data = data.assign(year=2000, schoolnr=data["snum"].astype(int))
    data[["schoolnr", "year", "stype", "sch.wide", "api00", "pw",
          *[f"rep{k}" for k in range(1, 16)]]].to_csv(tmp_path / "api_2000.csv", index=False)
    (tmp_path / "api.toml").write_text(f'''\
name = "api"
title = "API"
unit = "scholen"

[constructs.stype]
type = "category"
label = "Schooltype"
labels = {{ 1 = "E", 2 = "H", 3 = "M" }}

[constructs.doel]
type = "category"
label = "Schooldoel gehaald"
labels = {{ 1 = "No", 2 = "Yes" }}

[constructs.api00]
type = "number"
label = "API 2000"

[constructs.pw]
type = "weight"
label = "Gewicht"

[design]
weights = "pw"
replicates = {{ columns = "rep*", method = "JK1", scale = {R_SUPPLIED["jk1"]["scale"]!r} }}

[calibration]
method = "raking"
start_weights = "pw"
weight = "gewicht"
[calibration.margins.stype]
E = 4421
H = 755
M = 1018
[calibration.margins.doel]
No = 1072
Yes = 5122

[questionnaires.v1.columns]
id = "schoolnr"
year = "year"
stype = "stype"
doel = "sch.wide"
api00 = "api00"
pw = "pw"

[years]
2000 = {{ file = "api_2000.csv", questionnaire = "v1" }}
''', encoding="utf-8")
    survey = kirc.load_survey(tmp_path / "api.toml")
    (mean, _, mean_se, _), degf, _ = R_MADE["raked"]
    out = kirc.mean_score(survey, "api00")
    assert out.loc[0, "estimate"] == pytest.approx(mean, rel=RTOL)
    assert out.loc[0, "se"] == pytest.approx(mean_se, rel=1e-9)
    assert out.loc[0, "df"] == degf
