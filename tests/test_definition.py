"""The definition schema: text codes, labels_en, [indicators] and [report], with a clear
DefinitionError naming the file and the entry for each kind of bad input."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from kirc.errors import DefinitionError, ScaleError
from kirc.survey.definition import default_indicators, load_survey, survey_definition

ROWS = pd.DataFrame({
    "resp": [1, 2, 3, 4, 5, 6, 7],
    "afdeling": ["Noord", "Zuid", "Noord", "Zuid", "Noord", "Zuid", "Noord"],
    "aanbevelen": ["9", "10", "weet niet", "3", "7", "n.v.t.", "8"],
    "opgelost": ["Ja", "nee", "Ja", "weet niet", " ja ", "Nee", "n.v.t."],
    "opmerking": ["prima", "", "traag", "", "", "ok", ""],
})

CONSTRUCTS = """
[constructs.afdeling]
type = "category"
label = "Afdeling"
labels = { 1 = "Noord", 2 = "Zuid" }
labels_en = { 1 = "North", 2 = "South" }

[constructs.aanbevelen]
type = "rating"
label = "Aanbevelen (0–10)"
scale = [0, 10]
missing = { "weet niet" = "weet niet", "n.v.t." = "niet van toepassing" }

[constructs.opgelost]
type = "binary"
label = "Opgelost"
positive = ["Ja"]
negative = ["Nee"]
missing = ["weet niet", "n.v.t."]

[constructs.opmerking]
type = "text"
label = "Opmerking"
"""

QUESTIONNAIRE = """
[questionnaires.v1.columns]
id = "resp"
afdeling = "afdeling"
aanbevelen = "aanbevelen"
opgelost = "opgelost"
opmerking = "opmerking"

[years]
2024 = { file = "eigen_2024.csv" }
"""


def write(tmp_path, body: str = "", constructs: str = CONSTRUCTS, rows: pd.DataFrame = ROWS):
    rows.to_csv(tmp_path / "eigen_2024.csv", sep=";", index=False)
    text = ('name = "eigen"\ntitle = "Eigen onderzoek"\nunit = "respondenten"\n'
            + constructs + QUESTIONNAIRE.replace('file = "eigen_2024.csv"',
                                                 'file = "eigen_2024.csv", questionnaire = "v1"')
            + textwrap.dedent(body))
    path = tmp_path / "eigen.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# text codes
# --------------------------------------------------------------------------------------------
def test_text_codes_for_binary_and_missing(tmp_path):
    df = load_survey(write(tmp_path))
    # "Ja", " ja " positive; "nee", "Nee" negative; "weet niet" and "n.v.t." declared missing
    np.testing.assert_array_equal(df["opgelost"], [1.0, 0.0, 1.0, np.nan, 1.0, 0.0, np.nan])
    expected = ROWS["opgelost"].str.strip().str.lower()
    valid = expected[expected.isin(["ja", "nee"])]
    assert df["opgelost"].mean() == pytest.approx((valid == "ja").mean())
    assert df["aanbevelen"].tolist()[:2] == [9.0, 10.0] and df["aanbevelen"].isna().sum() == 2
    counts = df.attrs["missing_counts"][2024]
    assert counts["aanbevelen"] == {"weet niet": 1, "niet van toepassing": 1}
    assert counts["opgelost"] == {"weet niet": 1, "n.v.t.": 1}
    assert list(df["afdeling"].cat.categories) == ["Noord", "Zuid"]


def test_definition_keeps_text_codes_and_english_labels(tmp_path):
    definition = survey_definition(write(tmp_path))
    assert definition["constructs"]["opgelost"]["positive"] == ["Ja"]
    assert definition["constructs"]["opgelost"]["missing"] == {"weet niet": None, "n.v.t.": None}
    assert definition["constructs"]["aanbevelen"]["missing"] == {
        "weet niet": "weet niet", "n.v.t.": "niet van toepassing"}
    assert definition["constructs"]["afdeling"]["labels_en"] == {1: "North", 2: "South"}


def test_undeclared_text_in_a_rating_stays_a_scale_error(tmp_path):
    constructs = CONSTRUCTS.replace(
        'missing = { "weet niet" = "weet niet", "n.v.t." = "niet van toepassing" }',
        'missing = ["weet niet"]')
    with pytest.raises(ScaleError, match=r"aanbevelen.*'n\.v\.t\.'.*missing = \[\"n\.v\.t\.\"\]"):
        load_survey(write(tmp_path, constructs=constructs))


def test_undeclared_text_in_a_binary_is_a_scale_error(tmp_path):
    constructs = CONSTRUCTS.replace('missing = ["weet niet", "n.v.t."]', 'missing = ["weet niet"]')
    with pytest.raises(ScaleError, match=r"opgelost.*neither positive \['Ja'\].*'n\.v\.t\.'"):
        load_survey(write(tmp_path, constructs=constructs))


def test_numeric_codes_written_as_text_still_mean_numbers(tmp_path):
    rows = ROWS.assign(opgelost=["1", "2", "1", "99", "1", "2", "2"])
    constructs = CONSTRUCTS.replace('positive = ["Ja"]', 'positive = ["1"]').replace(
        'negative = ["Nee"]', "negative = [2]").replace('missing = ["weet niet", "n.v.t."]',
                                                        "missing = { 99 = \"weet niet\" }")
    df = load_survey(write(tmp_path, constructs=constructs, rows=rows))
    assert df["opgelost"].sum() == 3 and df["opgelost"].isna().sum() == 1


@pytest.mark.parametrize("change, message", [
    ('negative = ["Nee"]', r"opgelost.*both positive and negative"),
    ('negative = ["ja"]', r"opgelost.*both positive and negative"),
])
def test_a_code_both_positive_and_negative(tmp_path, change, message):
    constructs = CONSTRUCTS.replace('negative = ["Nee"]', change).replace(
        'positive = ["Ja"]', 'positive = ["Ja", "Nee"]' if "Nee" in change else 'positive = ["Ja"]')
    with pytest.raises(DefinitionError, match=message):
        survey_definition(write(tmp_path, constructs=constructs))


def test_missing_text_that_is_also_a_category_label(tmp_path):
    constructs = CONSTRUCTS.replace('labels_en = { 1 = "North", 2 = "South" }',
                                    'missing = ["zuid"]')
    with pytest.raises(DefinitionError, match=r"eigen\.toml.*afdeling.*both valid and missing"):
        survey_definition(write(tmp_path, constructs=constructs))


@pytest.mark.parametrize("labels_en, message", [
    ('{ 1 = "North" }', "lacks code"),
    ('{ 1 = "North", 2 = "South", 3 = "East" }', "code 3, which labels does not have"),
    ('{ 1 = "North", 2 = "North" }', "same English label"),
    ('"North"', "must be a table"),
])
def test_bad_english_labels(tmp_path, labels_en, message):
    constructs = CONSTRUCTS.replace('labels_en = { 1 = "North", 2 = "South" }',
                                    f"labels_en = {labels_en}")
    with pytest.raises(DefinitionError, match=rf"eigen\.toml.*'afdeling'.*{message}"):
        survey_definition(write(tmp_path, constructs=constructs))


# --------------------------------------------------------------------------------------------
# [indicators] and [report]
# --------------------------------------------------------------------------------------------
INDICATORS = """
[indicators.tevreden]
metric = "share"
construct = "opgelost"
label = { nl = "Opgelost", en = "Resolved" }
base = "alle respondenten"

[indicators.aanbeveling]
metric = "nps"
construct = "aanbevelen"
label = "Net Promoter Score"
definition = { nl = "promotors min criticasters", en = "promoters minus detractors" }

[report]
breakdowns = ["afdeling"]
segment_by = "afdeling"
org_survey = "organisaties.toml"
"""


def test_valid_indicators_and_report_in_the_file_order(tmp_path):
    definition = survey_definition(write(tmp_path, INDICATORS))
    assert list(definition["indicators"]) == ["tevreden", "aanbeveling"]
    assert definition["indicators"]["tevreden"] == {
        "metric": "share", "construct": "opgelost", "unit": "procent",
        "label": {"nl": "Opgelost", "en": "Resolved"},
        "base": {"nl": "alle respondenten", "en": "alle respondenten"}}
    nps = definition["indicators"]["aanbeveling"]
    assert nps["unit"] == "punten" and nps["label"] == {"nl": "Net Promoter Score",
                                                        "en": "Net Promoter Score"}
    assert nps["definition"]["en"] == "promoters minus detractors"
    assert definition["report"] == {"breakdowns": ["afdeling"], "segment_by": "afdeling",
                                    "org_survey": str(tmp_path / "organisaties.toml")}


def test_defaults_without_indicators_or_report(tmp_path):
    definition = survey_definition(write(tmp_path))
    assert {k: v["metric"] for k, v in definition["indicators"].items()} == {
        "aanbevelen": "nps", "opgelost": "share"}
    assert definition["indicators"]["opgelost"]["label"] == {"nl": "Opgelost", "en": "Opgelost"}
    assert definition["report"] == {"breakdowns": ["afdeling"], "segment_by": None,
                                    "org_survey": None}


def test_default_catalogue_of_a_five_point_rating():
    constructs = {"tevr": {"type": "rating", "label": "Tevredenheid", "scale": [1, 5]}}
    catalogue = default_indicators(constructs)
    assert list(catalogue) == ["tevr", "tevr_mean"]
    assert catalogue["tevr"]["metric"] == "top_box" and catalogue["tevr"]["top"] == 2
    assert catalogue["tevr_mean"]["unit"] == "schaal"


def test_top_box_indicator(tmp_path):
    body = '[indicators.top]\nmetric = "top_box"\nconstruct = "aanbevelen"\ntop = 3\nlabel = "x"\n'
    definition = survey_definition(write(tmp_path, body))
    assert definition["indicators"]["top"]["top"] == 3
    assert definition["indicators"]["top"]["unit"] == "procent"


def test_demo_definitions_declare_the_nine_indicators():
    consumers = survey_definition("klantcontact")
    organisations = survey_definition("sectorscan")
    assert list(consumers["indicators"]) == ["nps", "csat", "csat_mean", "chatbot_success",
                                             "fcr", "relation", "channels_used"]
    assert consumers["indicators"]["channels_used"]["metric"] == "multiple"
    assert list(organisations["indicators"]) == ["avg_ready", "staff_prepared"]
    assert consumers["indicators"]["csat"]["metric"] == "top_box"
    assert consumers["indicators"]["csat"]["top"] == 2
    assert consumers["report"] == {"breakdowns": ["sector", "channel", "age_group"],
                                   "segment_by": "sector", "org_survey": "sectorscan"}
    assert organisations["report"]["org_survey"] is None
    assert consumers["constructs"]["sector"]["labels_en"][3] == "financial services"


@pytest.mark.parametrize("body, message", [
    # an indicator on a construct of the wrong type
    ('[indicators.x]\nmetric = "share"\nconstruct = "aanbevelen"\n',
     r"indicator 'x': metric 'share' needs a construct of type binary, but 'aanbevelen' is a rating"),
    ('[indicators.x]\nmetric = "nps"\nconstruct = "opgelost"\n',
     r"indicator 'x': metric 'nps' needs a construct of type rating.*'opgelost' is a binary"),
    ('[indicators.x]\nmetric = "mean"\nconstruct = "afdeling"\n',
     r"indicator 'x': metric 'mean' needs.*'afdeling' is a category"),
    # an indicator naming a missing construct
    ('[indicators.x]\nmetric = "share"\nconstruct = "opgelsot"\n',
     r"indicator 'x' names construct 'opgelsot', which the definition does not have "
     r"\(did you mean 'opgelost'\?\)"),
    ('[indicators.x]\nmetric = "share"\n', r"indicator 'x' names construct None"),
    ('[indicators.x]\nmetric = "median"\nconstruct = "aanbevelen"\n',
     r"indicator 'x' has metric 'median'; known metrics: nps, share, top_box, mean"),
    ('[indicators.x]\nmetric = "share"\nconstruct = "opgelost"\nunit = "%"\n',
     r"indicator 'x': unit '%' is not one of punten, procent, schaal"),
    ('[indicators.x]\nmetric = "share"\nconstruct = "opgelost"\ntop = 2\n',
     r"indicator 'x': top applies to metric 'top_box' only"),
    ('[indicators.x]\nmetric = "top_box"\nconstruct = "aanbevelen"\ntop = 11\n',
     r"indicator 'x': top must be a whole number of boxes from 1 to 10"),
    ('[indicators.x]\nmetric = "share"\nconstruct = "opgelost"\nlabel = { en = "x" }\n',
     r"indicator 'x': label needs at least the Dutch text"),
    ('[indicators.x]\nmetric = "share"\nconstruct = "opgelost"\ncolour = "red"\n',
     r"indicator 'x': unknown key\(s\) 'colour'"),
    # a breakdown by a free-text column
    ('[report]\nbreakdowns = ["opmerking"]\n',
     r"\[report\] breakdowns: 'opmerking' is a free-text column; breakdowns and segments need "
     r"a construct of type category"),
    ('[report]\nbreakdowns = ["kanaal"]\n', r"\[report\] breakdowns names 'kanaal', which is not"),
    ('[report]\nbreakdowns = "afdeling"\n', r"\[report\] breakdowns must be a list"),
    ('[report]\nsegment_by = "aanbevelen"\n', r"\[report\] segment_by: 'aanbevelen' is a rating"),
    ('[report]\norg_survey = 3\n', r"\[report\] org_survey must be a survey name or a \.toml path"),
    ('[report]\ntrend = false\n', r"\[report\]: unknown key\(s\) 'trend'"),
])
def test_bad_indicators_and_report(tmp_path, body, message):
    with pytest.raises(DefinitionError, match=r"eigen\.toml: " + message):
        survey_definition(write(tmp_path, body))


def test_design_and_drivers_tables_are_accepted_beside_the_catalogue(tmp_path):
    body = ('[design]\nlonely_psu = "adjust"\n\n[drivers.x]\noutcome = "aanbevelen"\n'
            'predictors = ["opgelost"]\n')
    definition = survey_definition(write(tmp_path, body))
    assert "indicators" in definition
    assert definition["drivers"]["x"]["predictors"] == ["opgelost"]
    assert definition["design"]["lonely_psu"] == "adjust"


# --------------------------------------------------------------------------------------------
# exports without an id; one export holding several years
# --------------------------------------------------------------------------------------------
def test_a_questionnaire_without_id_numbers_the_rows(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text().replace('id = "resp"\n', ""))
    df = load_survey(path)
    assert df["id"].tolist() == ["1", "2", "3", "4", "5", "6", "7"]


def test_one_export_listed_under_several_years(tmp_path):
    rows = ROWS.assign(jaar=[2023, 2023, 2023, 2024, 2024, 2024, 2024])
    path = write(tmp_path, rows=rows)
    text = path.read_text().replace('id = "resp"\n', 'id = "resp"\nyear = "jaar"\n').replace(
        '2024 = { file', '2023 = { file = "eigen_2024.csv", questionnaire = "v1" }\n2024 = { file')
    path.write_text(text)
    df = load_survey(path)
    assert df.groupby("year").size().to_dict() == {2023: 3, 2024: 4}
    assert df["id"].tolist() == ["1", "2", "3", "4", "5", "6", "7"]
    assert load_survey(path, years=[2024])["opgelost"].tolist()[1:3] == [1.0, 0.0]
    path.write_text(text.replace('year = "jaar"\n', ""))
    with pytest.raises(DefinitionError, match=r"eigen_2024\.csv is listed under 2023–2024; "
                                              r"questionnaire 'v1' must map its year column"):
        survey_definition(path)
