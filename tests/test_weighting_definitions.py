"""[calibration] in survey definitions: validation, load_survey, the demo margins."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from conftest import SURVEYS

import kirc
from kirc import demo
from kirc.survey import calibrate as weighting
from kirc.errors import DefinitionError
from kirc.survey.definition import available_surveys, load_survey, survey_definition
from kirc.survey.calibrate import CalibrationError, calibration_of

DEFINITION = """\
name = "mini"
title = "Mini"
unit = "respondenten"

[constructs.region]
type = "category"
label = "Regio"
labels = {{ 1 = "Noord", 2 = "Zuid" }}

[constructs.sex]
type = "category"
label = "Geslacht"
labels = {{ 1 = "man", 2 = "vrouw" }}

[constructs.fcr]
type = "binary"
label = "Opgelost"
positive = [1]
negative = [2]

[questionnaires.v1.columns]
id = "resp"
region = "regio"
sex = "geslacht"
fcr = "opgelost"

[years]
2023 = {{ file = "mini_2023.csv", questionnaire = "v1" }}
2024 = {{ file = "mini_2024.csv", questionnaire = "v1" }}

{calibration}
"""
ROWS = {2023: ["1;1;1;1", "2;1;2;2", "3;2;1;1", "4;2;2;1", "5;2;2;2", "6;1;2;1"],
        2024: ["1;1;1;1", "2;2;1;2", "3;2;1;1", "4;2;2;1", "5;1;2;2"]}
INLINE = """\
[calibration]
method = "linear"
weight = "gewicht"
[calibration.margins.region]
Noord = 400
Zuid = 600
[calibration.margins.sex]
man = 490
vrouw = 510
[calibration.margins.2024.region]
Noord = 500
Zuid = 500
"""


def mini(tmp_path, calibration=INLINE, extra=None):
    for year, rows in ROWS.items():
        (tmp_path / f"mini_{year}.csv").write_text("\n".join(["resp;regio;geslacht;opgelost",
                                                             *rows]) + "\n", encoding="utf-8")
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    path = tmp_path / "mini.toml"
    path.write_text(DEFINITION.format(calibration=calibration), encoding="utf-8")
    return path


def test_inline_margins_per_year_are_hit_by_load_survey(tmp_path):
    frame = load_survey(mini(tmp_path))
    assert frame.attrs["weight"] == "gewicht"
    totals = frame.groupby(["year", "region"], observed=True)["gewicht"].sum()
    assert totals.to_dict() == pytest.approx({(2023, "Noord"): 400, (2023, "Zuid"): 600,
                                              (2024, "Noord"): 500, (2024, "Zuid"): 500})
    sexes = frame.groupby(["year", "sex"], observed=True)["gewicht"].sum()
    assert sexes.to_dict() == pytest.approx({(y, s): c for y in (2023, 2024)
                                             for s, c in (("man", 490), ("vrouw", 510))})
    # the same as calibrating one year by hand
    one = frame[frame.year == 2023].drop(columns="gewicht")
    by_hand = kirc.calibrate(one, {"region": {"Noord": 400, "Zuid": 600},
                                   "sex": {"man": 490, "vrouw": 510}}, method="linear",
                             design=kirc.Design())
    np.testing.assert_allclose(frame.loc[one.index, "gewicht"], by_hand["weight_calibrated"])
    assert "gewicht" not in load_survey(mini(tmp_path), calibrate=False).columns


def test_the_calibration_travels_with_filtered_frames_and_is_per_year(tmp_path):
    frame = load_survey(mini(tmp_path))
    calibration = calibration_of(frame)
    assert [label for label, _ in calibration.parts] == [2023, 2024]
    report = kirc.weighting_report(frame)
    assert set(report["year"]) == {2023, 2024}
    one_year = frame[frame["year"] == 2024]
    assert calibration_of(one_year) is calibration   # filtering does not copy it
    report = kirc.weighting_report(one_year)
    margin = report[report.part == "margin"].set_index(["variable", "category"])
    assert margin.loc[("region", "Noord"), "after"] == pytest.approx(500)
    # residualising within years: a calibrated margin has no sampling error left, in each year
    for year in (2023, 2024):
        noord = kirc.share(frame[frame["year"] == year], "region", positive="Noord")
        assert noord["se"].iloc[0] < 1e-9


def test_strata_of_different_fractions_need_the_starting_weights_named(tmp_path):
    """kirc.calibrate starts a stratified design without weights from N_h / n_h; a
    definition says what each year started from, so equal starting weights are refused."""
    definition = DEFINITION.replace(
        "[questionnaires.v1.columns]",
        "[constructs.region_size]\ntype = \"number\"\nlabel = \"Regio's in de populatie\"\n\n"
        "[design]\nstrata = [\"region\"]\nfpc = [\"region_size\"]\n\n"
        "[questionnaires.v1.columns]\nregion_size = \"n_regio\"")
    for year, rows in ROWS.items():
        sizes = {"1": 400, "2": 600}          # 3 of 400 and 3 of 600 in 2023: fractions differ
        lines = [f"{row};{sizes[row.split(';')[1]]}" for row in rows]
        (tmp_path / f"mini_{year}.csv").write_text(
            "\n".join(["resp;regio;geslacht;opgelost;n_regio", *lines]) + "\n",
            encoding="utf-8")
    path = tmp_path / "mini.toml"
    path.write_text(definition.format(calibration=INLINE), encoding="utf-8")
    with pytest.raises(DefinitionError, match="different sampling fractions.*start_weights"):
        load_survey(path)
    assert load_survey(path, calibrate=False)["region_size"].notna().all()


def test_margins_file_beside_the_definition(tmp_path):
    margins = """\
        title = "test"
        [margins.region]
        Noord = 0.4
        Zuid = 0.6
        """
    path = mini(tmp_path, '[calibration]\nmargins = "populatie_mini.toml"\nbounds = [0.5, 2]\n'
                'method = "raking"', extra={"populatie_mini.toml": margins})
    definition = survey_definition(path)
    assert definition["calibration"]["margins"][2024] == {"region": {"Noord": 0.4, "Zuid": 0.6}}
    assert definition["calibration"]["source"] == str(tmp_path / "populatie_mini.toml")
    assert available_surveys(tmp_path) == ["mini"]   # the margins file is not a survey
    frame = load_survey(path)
    assert frame.groupby("year")["weight"].sum().to_dict() == pytest.approx({2023: 1, 2024: 1})


@pytest.mark.parametrize("calibration, message", [
    ('[calibration]\nmethod = "rim"\nmargins = "x.toml"', "method 'rim' is not one of"),
    ('[calibration]\nmargins = "x.toml"', "the margins file 'x.toml' does not exist"),
    ('[calibration]\nbounds = [1.2, 3]\n[calibration.margins.region]\nNoord = 1\nZuid = 1',
     "bounds must be"),
    ('[calibration]\nmethod = "logit"\n[calibration.margins.region]\nNoord = 1\nZuid = 1',
     "logit calibration needs bounds"),
    ('[calibration]\nweight = "fcr"\n[calibration.margins.region]\nNoord = 1\nZuid = 1',
     "would overwrite a construct that is not a weight"),
    ('[calibration]\n[calibration.margins.fcr]\n1 = 1', "'fcr' is not a construct of type "
                                                        "category"),
    ('[calibration]\n[calibration.margins.region]\nNoord = 1\nZud = 1',
     "'region' has no category 'Zud' \\(did you mean 'Zuid'\\?\\)"),
    ('[calibration]\n[calibration.margins.region]\nNoord = 1', "no population count for 'Zuid'"),
    ('[calibration]\n[calibration.margins.region]\nNoord = 1\nZuid = 0',
     "'region' = 'Zuid' must be a positive number, not 0"),
    ('[calibration]\n[calibration.margins.region]\nNoord = 1\nZuid = 1\n'
     '[calibration.margins.sex]\nman = 1\nvrouw = 2', "adds up to 3 but that of 'region' to 2"),
    ('[calibration]\n[calibration.margins.2019.region]\nNoord = 1\nZuid = 1',
     "year 2019 is not a year of the survey"),
    ('[calibration]\n[calibration.margins.2024.region]\nNoord = 1\nZuid = 1',
     "there are no margins for 2023"),
    ('[calibration]\nsize = 3\n[calibration.margins.region]\nNoord = 1\nZuid = 1',
     "unknown key\\(s\\) 'size'"),
])
def test_invalid_calibration_tables(tmp_path, calibration, message):
    with pytest.raises(DefinitionError, match=message) as caught:
        survey_definition(mini(tmp_path, calibration))
    assert caught.value.file == str(tmp_path / "mini.toml")


def test_unreachable_margins_name_the_year_and_the_definition(tmp_path):
    # 2024 has one man among five: bounds 0.8-1.25 cannot make him half the population
    path = mini(tmp_path, '[calibration]\nbounds = [0.8, 1.25]\n[calibration.margins.sex]\n'
                          'man = 500\nvrouw = 500')
    with pytest.raises(CalibrationError, match="calibration failed.*calibration of 20(23|24) "
                                               "declared in .*mini.toml"):
        load_survey(path)


def test_demo_margins_files_are_the_generators():
    for survey in demo.SURVEYS:
        committed = (SURVEYS / f"populatie_{survey}.toml").read_text(encoding="utf-8")
        assert committed == demo.margins_toml(survey, demo.DEFAULT_SEED)


def test_demo_surveys_are_calibrated_at_load_time():
    definition = survey_definition("sectorscan")
    consumers = load_survey("klantcontact", years=[2024, 2025])
    organisations = load_survey("sectorscan", years=[2024, 2025])
    for frame, weight in ((consumers, "weight"), (organisations, "weight_calibrated")):
        calibration = calibration_of(frame)
        assert frame.attrs["weight"] == weight
        report = kirc.weighting_report(frame)
        margin = report[report.part == "margin"]
        np.testing.assert_allclose(margin["after"], margin["population"], rtol=1e-9)
        assert calibration.method == "raking"
    # sector x size margins add up to the member list of the year (the fpc's N)
    totals = organisations.groupby("year")["weight_calibrated"].sum()
    assert totals.to_dict() == pytest.approx({y: definition["years"][y]["population"]
                                              for y in (2024, 2025)})
    # consumer adjustment factors stay within the declared bounds 0.3-3
    g = kirc.weighting_report(consumers).query("part == 'adjustment'")
    assert g["after"].between(0.3, 3.0).all()
    # raking on the margins reproduces the shipped joint-cell weights closely (same population)
    shipped = load_survey("klantcontact", years=[2025], calibrate=False)["weight"].to_numpy()
    ours = consumers.loc[consumers.year == 2025, "weight"].to_numpy()
    assert np.corrcoef(shipped, ours)[0, 1] > 0.95


def test_methods_note_of_a_demo_survey():
    text, table = weighting.methods_note(load_survey("klantcontact", years=[2024, 2025]))
    assert "naar leeftijdsgroep en landsdeel, met raking" in text
    assert "Weegefficiëntie per jaar" in text and "grenzen 0,30–3,00" in text
    text, _ = weighting.methods_note(load_survey("sectorscan", years=[2025]), language="en")
    assert "of sector and size by raking" in text and "per year" not in text
    text, _ = weighting.methods_note(load_survey("klantcontact", years=[2025]), language="en")
    assert "of age group and region by raking" in text


def test_a_calibration_pickles_and_prints_briefly():
    import pickle
    frame = load_survey("sectorscan", years=[2024, 2025])
    again = pickle.loads(pickle.dumps(frame))
    assert calibration_of(again) is not None
    assert kirc.avg_readiness(again)["se"].iloc[0] == kirc.avg_readiness(frame)["se"].iloc[0]
    assert repr(calibration_of(frame)) == ("Calibration(raking, margins=['sector', 'size'], "
                                           "weight='weight_calibrated', n=256, calibrated per "
                                           "year (2 parts))")


# The calibrated demo of 2025 against R survey 4.1.1. Data exported from kirc.load_survey(...,
# years=[2025], calibrate=False) with score = +1/0/-1 (NaN when nps is missing), w0 = 14e6/n
# (kirc's starting weight N/n) and N = 170 members; then this R script (R 4.2, survey 4.1.1):
#
#     suppressMessages(library(survey)); options(digits=15)
#     lv <- c("telecom", "energie", "financiële dienstverlening", "overheid", "retail", "e-commerce", "zorgverzekeraars")
#     ks <- read.csv("/tmp/wt/demo/ks.csv"); ks$sector <- factor(ks$sector, levels=lv)
#     ks$age_group <- factor(ks$age_group, levels=c("18-34","35-49","50-64","65+"))
#     ks$region <- factor(ks$region, levels=c("Noord","Oost","Zuid","West"))
#     d <- svydesign(ids=~1, weights=~w0, data=ks)
#     pop <- c(`(Intercept)`=14e6, `age_group35-49`=3213000, `age_group50-64`=3689000, `age_group65+`=3311000,
#              regionOost=3010000, regionZuid=2940000, regionWest=6650000)
#     cal <- calibrate(d, ~age_group+region, pop, calfun="raking", bounds=c(0.3, 3), epsilon=1e-13, maxit=200)
#     for (v in c("score", "fcr")) { m <- svymean(as.formula(paste0("~", v)), cal, na.rm=TRUE)
#       cat("ks 2025", v, sprintf("%.12f", coef(m)), "se", sprintf("%.12f", SE(m)), "\n")
#       b <- svyby(as.formula(paste0("~", v)), ~sector, cal, svymean, na.rm=TRUE)
#       cat("ks 2025", v, "by sector", sprintf("%.12f", coef(b)), "se", sprintf("%.12f", SE(b)), "\n") }
#     lv8 <- c(lv, "outsourcing / contactcenters")
#     orgs <- read.csv("/tmp/wt/demo/orgs.csv"); orgs$sector <- factor(orgs$sector, levels=lv8)
#     orgs$size <- factor(orgs$size, levels=c("klein","middel","groot"))
#     o <- svydesign(ids=~1, fpc=~N, data=orgs)
#     opop <- c(`(Intercept)`=170, sectorenergie=18, `sectorfinanciële dienstverlening`=35, sectoroverheid=29,
#               sectorretail=23, `sectore-commerce`=21, sectorzorgverzekeraars=8, `sectoroutsourcing / contactcenters`=24,
#               sizemiddel=79, sizegroot=33)
#     oc <- calibrate(o, ~sector+size, opop, calfun="raking", epsilon=1e-13, maxit=200)
#     m <- svymean(~avg_ready, oc); cat("orgs 2025 avg_ready", sprintf("%.12f", coef(m)), "se", sprintf("%.12f", SE(m)), "\n")
#     b <- svyby(~avg_ready, ~size, oc, svymean); cat("orgs 2025 avg_ready by size", sprintf("%.12f", coef(b)), "se", sprintf("%.12f", SE(b)), "\n")
#
# Its output: ks 2025 score -0.021741511767 se 0.019302964199; by sector se 0.045516471926
# 0.051293189995 ...; fcr by sector, zorgverzekeraars 0.683358429406 se 0.032666168045; orgs 2025
# avg_ready 0.740057879312 se 0.018520283115; by size 0.594576636052 0.788343602236
# 0.880159091372 se 0.036344539305 0.026088228384 0.032065587953.
# (Data-dependent: they change when the demo data files are regenerated.)
def test_calibrated_demo_2025_agrees_with_r():
    ks = load_survey("klantcontact", years=[2024, 2025])
    ks = ks[ks["year"] == 2025]       # one year of a two-year frame: that year's sample
    nps = kirc.nps(ks, "nps").iloc[0]
    assert (nps["estimate"], nps["se"]) == pytest.approx((-2.1741511767, 1.9302964199),
                                                         rel=0, abs=1e-7)
    sectors = kirc.nps(ks, "nps", by="sector").set_index("sector")["se"]
    assert sectors[["telecom", "energie"]].tolist() == pytest.approx(
        [4.5516471926, 5.1293189995], rel=0, abs=1e-7)
    fcr = kirc.share(ks, "fcr", by="sector").set_index("sector").loc["zorgverzekeraars"]
    assert (fcr["estimate"], fcr["se"]) == pytest.approx((68.3358429406, 3.2666168045),
                                                         rel=0, abs=1e-7)
    orgs = load_survey("sectorscan", years=[2025])
    ready = kirc.avg_readiness(orgs).iloc[0]
    assert (ready["estimate"], ready["se"]) == pytest.approx((74.0057879312, 1.8520283115),
                                                             rel=0, abs=1e-7)
    sizes = kirc.avg_readiness(orgs, by="size").set_index("size")
    assert sizes["estimate"].tolist() == pytest.approx([59.4576636052, 78.8343602236,
                                                        88.0159091372], rel=0, abs=1e-7)
    assert sizes["se"].tolist() == pytest.approx([3.6344539305, 2.6088228384, 3.2065587953],
                                                 rel=0, abs=1e-7)


def test_an_empty_selection_of_a_calibrated_frame_estimates_nothing_without_error():
    # a report filters groups away (suppression); a selection with no rows is no error
    org = kirc.load_survey("sectorscan", years=[2017])
    out = kirc.share(org.iloc[:0], "avg_ready")
    assert out["n"].tolist() == [0] and out["estimate"].isna().all()
