"""The demo surveys with the designs of their definitions, against R ``survey`` 4.1.1.

The frames come from :func:`kirc.load_survey` (2024 and 2025), so the design is the one the
definitions declare: klantcontact weighted by its post-stratification weight, sectorscan a simple
random sample of the members with the population per year. They were exported to CSV and fed to
this R script (R 4.2.2, survey 4.1.1); its output is pasted below.

    # python: ks = kirc.load_survey("klantcontact", years=[2024, 2025])
    #   ks["score"] = +1 for nps >= 9, -1 for nps <= 6, 0 else (NaN when nps is missing)
    #   orgs = kirc.load_survey("sectorscan", years=[2024, 2025]); orgs["N"] = population of the year
    suppressMessages(library(survey)); options(digits=15)
    lv <- c("telecom", "energie", "financiële dienstverlening", "overheid", "retail",
            "e-commerce", "zorgverzekeraars")
    ks <- read.csv("ks.csv"); ks$sector <- factor(ks$sector, levels=lv)
    d <- svydesign(ids=~1, strata=~year, weights=~weight, data=ks)   # years: independent samples
    for (v in c("score", "fcr", "csat")) {
      b <- svyby(as.formula(paste0("~", v)), ~year, d, svymean, na.rm=TRUE)
      cat("ks", v, "by year", coef(b), "se", SE(b), "\\n") }
    d25 <- subset(d, year == 2025)
    for (v in c("score", "fcr")) {
      b <- svyby(as.formula(paste0("~", v)), ~sector, d25, svymean, na.rm=TRUE)
      cat("ks", v, "2025 by sector", coef(b), "se", SE(b), "\\n") }
    for (v in c("score", "fcr")) {
      dv <- subset(d, !is.na(ks[[v]]))
      b <- svyby(as.formula(paste0("~", v)), ~year+sector, dv, svymean, covmat=TRUE)
      est <- c(); se <- c(); p <- c()
      for (s in lv) { w <- setNames(rep(0, length(coef(b))), names(coef(b)))
        w[paste0("2024.", s)] <- -1; w[paste0("2025.", s)] <- 1
        k <- svycontrast(b, w); est <- c(est, coef(k)); se <- c(se, SE(k))
        p <- c(p, 2 * pnorm(-abs(coef(k) / SE(k)))) }
      cat("ks", v, "change 2024-2025 by sector", est, "se", se, "p", p, "\\n") }
    lv8 <- c(lv, "outsourcing / contactcenters")             # sectorscan has one more sector
    orgs <- read.csv("orgs.csv"); orgs$sector <- factor(orgs$sector, levels=lv8)
    o <- svydesign(ids=~1, strata=~year, fpc=~N, data=orgs)
    b <- svyby(~avg_ready, ~year, o, svymean); cat("orgs avg_ready by year", coef(b), "se", SE(b), "\\n")
    o25 <- svydesign(ids=~1, fpc=~N, data=subset(orgs, year == 2025))
    b <- svyby(~avg_ready, ~sector, o25, svymean)
    cat("orgs avg_ready 2025 by sector", coef(b), "se", SE(b), "\\n")
    cat("orgs 2025 degf by sector", sapply(lv8, function(s) degf(subset(o25, sector == s))), "\\n")
"""

from __future__ import annotations

import numpy as np
import pytest

import kirc

SECTORS = ["telecom", "energie", "financiële dienstverlening", "overheid", "retail",
           "e-commerce", "zorgverzekeraars"]
R = {
    "score_by_year": ([-0.0348994547832803, -0.0182097590836521],
                      [0.0183961574819407, 0.0194462774861007]),
    "fcr_by_year": ([0.688732578057978, 0.720579066409005],
                    [0.0101619876552737, 0.0101990482001299]),
    "csat_by_year": ([3.62079706130193, 3.66010907376829],
                     [0.0231349979260733, 0.024944561721932]),
    "score_2025": ([-0.0440447795954096, -0.0780384397526324, 0.0442800239240257,
                    -0.169951353706041, 0.119206737899619, 0.175073195238089,
                    -0.164755683525644],
                   [0.0459254862663493, 0.0515670790644922, 0.0460353339604314,
                    0.0482217379192371, 0.0551982867618696, 0.0547648646294371,
                    0.0600152445838488]),
    "fcr_2025": ([0.729207273139875, 0.705751784128059, 0.725687618584067, 0.676391382405745,
                  0.780151730353186, 0.74985557386142, 0.681220249195968],
                 [0.0234549283922201, 0.0275272096286425, 0.023469060684549,
                  0.0277067286529995, 0.0264391290697202, 0.0290313876282974,
                  0.0327422165865567]),
    "score_change": ([0.0345147468510802, -0.0366536934219364, 0.0274174181981988,
                      0.0255123111891515, 0.0373164102876648, -0.020513686072595,
                      0.0399463646781208],
                     [0.063009573481112, 0.0720203309485505, 0.0624002417695499,
                      0.065154331140509, 0.0759419669313208, 0.0778377627063811,
                      0.0821259909940219]),
    "fcr_change": ([0.023150014241654, 0.0473418077751364, -0.00809222490339767,
                    0.0291013903900406, 0.0899312876645961, 0.0317952107173225,
                    0.0392524550052032],
                   [0.0327904034980631, 0.0393448535055121, 0.0330094037496717,
                    0.0386052879676954, 0.0388673261125987, 0.0407353502716218,
                    0.0467219123919208]),
    "avg_by_year": ([0.723076923076923, 0.738095238095238], [0.0187376070559182,
                                                              0.0200066682227706]),
    "avg_2025": ([0.6, 0.538461538461539, 0.833333333333333, 0.8, 0.789473684210526, 0.8125,
                  0.666666666666667, 0.666666666666667],
                 [0.0791293802802057, 0.0706222842189392, 0.0388561954077934,
                  0.045685369005585, 0.047772433809753, 0.0498407390064181,
                  0.0982992629577619, 0.0567531059298056]),
    "avg_2025_degf": [9, 12, 23, 19, 18, 15, 5, 17],
}


@pytest.fixture(scope="module")
def ks():
    # the shipped weights and the [design] as R saw them (the calibration that the
    # definition also declares is tested in tests/test_weighting_definitions.py)
    return kirc.load_survey("klantcontact", years=[2024, 2025], calibrate=False)


@pytest.fixture(scope="module")
def orgs():
    # the shipped weights and the [design] as R saw them (the calibration that the
    # definition also declares is tested in tests/test_weighting_definitions.py)
    return kirc.load_survey("sectorscan", years=[2024, 2025], calibrate=False)


def close(actual, expected, unit=100.0):
    np.testing.assert_allclose(np.asarray(actual, float), unit * np.asarray(expected),
                               rtol=1e-9, atol=1e-10)


def test_consumer_trend_by_year_uses_the_definitions_weight(ks):
    assert kirc.design_of(ks).weights == "weight"
    for metric, column, key, unit in (("nps", "nps", "score_by_year", 100),
                                      ("share", "fcr", "fcr_by_year", 100),
                                      ("mean", "csat", "csat_by_year", 1)):
        out = kirc.trend(ks, metric, column)
        assert list(out["year"]) == [2024, 2025]
        close(out["estimate"], R[key][0], unit)
        close(out["se"], R[key][1], unit)


def test_consumer_sectors_of_one_year(ks):
    year = ks[ks["year"] == 2025]                  # filtering keeps the design
    for metric, column, key in ((kirc.nps, "nps", "score_2025"),
                                (kirc.share, "fcr", "fcr_2025")):
        out = metric(year, column, by="sector")
        assert [str(s) for s in out["sector"]] == SECTORS
        close(out["estimate"], R[key][0])
        close(out["se"], R[key][1])


def test_consumer_change_by_sector_matches_svycontrast(ks):
    for metric, column, key in (("nps", "nps", "score_change"), ("share", "fcr", "fcr_change")):
        out = kirc.change(ks, metric, column, year=2025, by="sector")
        assert [str(s) for s in out["sector"]] == SECTORS
        close(out["estimate"], R[key][0])
        close(out["se"], R[key][1])


def test_organisation_survey_fpc_by_year_and_by_sector(orgs):
    out = kirc.trend(orgs, "share", "avg_ready")
    close(out["estimate"], R["avg_by_year"][0])
    close(out["se"], R["avg_by_year"][1])
    sectors = kirc.avg_readiness(orgs[orgs["year"] == 2025], by="sector")
    close(sectors["estimate"], R["avg_2025"][0])
    close(sectors["se"], R["avg_2025"][1])
    np.testing.assert_array_equal(sectors["df"], R["avg_2025_degf"])


def test_the_design_travels_with_filtering_and_column_selection(ks, orgs):
    design = kirc.design_of(ks)
    assert kirc.design_of(ks[ks["year"] == 2025]) == design
    assert kirc.design_of(ks[["nps", "weight"]]) == design
    assert kirc.design_of(ks.loc[ks["sector"] == "telecom"]) == design
    assert kirc.design_of(orgs).population == {2024: 168.0, 2025: 170.0}
    # the definition declares the organisation number as the units that return each year
    assert hash(kirc.design_of(orgs)) == hash(kirc.Design(population={2024: 168, 2025: 170},
                                                          linked="id"))
    # a bare frame is a simple random sample
    import pandas as pd
    assert kirc.design_of(pd.DataFrame({"nps": [9.0]})) == kirc.Design()


@pytest.mark.parametrize("table,message", [
    ('weights = "gewicht"', "not a construct"),
    ('weights = "nps"', "of type 'rating'"),
    ('strata = ["sector", "region"]\nlonely_psu = "drop"', "lonely_psu must be one of"),
    ('clusters = "sector"', "unknown|not allowed|clusters"),
])
def test_a_bad_design_table_is_a_definition_error(tmp_path, table, message):
    from conftest import SURVEYS
    text = (SURVEYS / "klantcontact.toml").read_text(encoding="utf-8")
    text = text.split("\n[calibration]")[0] + "\n"   # the [design] alone, no margins file
    text = text.replace('[design]\nweights = "weight"\n', f"[design]\n{table}\n")
    path = tmp_path / "eigen.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(kirc.DefinitionError, match=message):
        kirc.survey_definition(path)


def test_a_design_table_with_strata_and_clusters_becomes_the_design(tmp_path):
    from conftest import SURVEYS
    from kirc.survey.definition import survey_design
    text = (SURVEYS / "klantcontact.toml").read_text(encoding="utf-8")
    text = text.split("\n[calibration]")[0] + "\n"   # the [design] alone, no margins file
    text = text.replace('[design]\nweights = "weight"\n',
                        '[design]\nweights = "weight"\nstrata = ["sector", "region"]\n'
                        'psu = "channel"\nlonely_psu = "adjust"\n')
    path = tmp_path / "eigen.toml"
    path.write_text(text, encoding="utf-8")
    design = survey_design(kirc.survey_definition(path))
    # the years are the outermost strata: each year a sample of its own
    assert design == kirc.Design(weights="weight", strata=("year", "sector", "region"),
                                 psu="channel", lonely_psu="adjust")


def test_pooled_years_are_a_stratified_estimate_as_svydesign_with_fpc(orgs):
    # Rscript (orgs.csv as in the module docstring):
    #   o <- svydesign(ids=~1, strata=~year, fpc=~N, data=orgs)      # weights N_year / n_year
    #   m <- svymean(~staff_prepared, o); coef(m), SE(m), degf(o)
    #     0.769706164972437 0.0130075562851285 254
    #   confint(svyciprop(~staff_prepared, o, method="beta"))  0.742995954147091 0.79489157892848
    #   svyby(~avg_ready, ~sector, o, svymean): telecom 0.648922991587316 (SE 0.0529846193393379),
    #     overheid 0.809328233241085 (SE 0.0300169191003495)
    # R's design takes the two years as unrelated samples: so does this one (linked=None); the
    # covariance of the organisations answering in both years is tests/test_linked.py's.
    unlinked = kirc.as_survey(orgs, kirc.design_of(orgs).replace(linked=None))
    out = kirc.share(unlinked, "staff_prepared", method="beta")
    assert out.loc[0, "estimate"] == pytest.approx(76.9706164972437, rel=1e-9)
    assert out.loc[0, "se"] == pytest.approx(1.30075562851285, rel=1e-9)
    assert out.loc[0, "df"] == 254
    assert out.loc[0, "ci_low"] == pytest.approx(74.2995954147091, rel=1e-8)
    assert out.loc[0, "ci_high"] == pytest.approx(79.489157892848, rel=1e-8)
    sectors = kirc.avg_readiness(unlinked, by="sector").set_index("sector")
    assert sectors.loc["telecom", "estimate"] == pytest.approx(64.8922991587316, rel=1e-9)
    assert sectors.loc["telecom", "se"] == pytest.approx(5.29846193393379, rel=1e-9)
    assert sectors.loc["overheid", "se"] == pytest.approx(3.00169191003495, rel=1e-9)
