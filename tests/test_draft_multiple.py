"""``kirc init`` proposes multiple-response constructs, each marked ``# check:``.

From SPSS multiple-response sets (dichotomy and category sets, read by pyreadstat), from the
check-all blocks of platform exports (SurveyMonkey, Qualtrics), from column families without
such metadata (Qualtrics ``Q6_1`` … with 1/empty, LimeSurvey ``Q1[SQ001]`` with ``Y``/empty) and
from a column naming the options chosen (Google Forms' "a, b, c"). Every draft is loaded and
estimated by name; the expected shares are counted independently from the file (pyreadstat or
pandas on the raw cells), never by kirc.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import SURVEYS, realdata_file
from kirc.draft import write_draft


def _drafted(exports, output, **options):
    path, text = write_draft(exports, output, **options)
    return path, tomllib.loads(text), text


def _shares(chosen: pd.DataFrame, weights=None) -> tuple[np.ndarray, int]:
    """% of the answering rows (any option not empty) choosing each option; and their number."""
    answered = chosen.notna().any(axis=1)
    rows = chosen[answered].fillna(0).astype(float)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights)[answered.to_numpy()]
    return 100 * (rows.to_numpy() * w[:, None]).sum(axis=0) / w.sum(), int(answered.sum())


def test_spss_dichotomy_and_category_sets(tmp_path):
    import pyreadstat

    source = realdata_file("sav", "pyreadstat__simple_alltypes.sav")
    path, parsed, text = _drafted([source], tmp_path / "simple.toml", years=[2024])
    mine = parsed["constructs"]["mymrset"]
    assert mine["type"] == "multiple" and mine["label"] == "My multiple response set"
    assert list(mine["options"].values()) == ["Response #1", "Response #2", "Response #3"]
    assert parsed["questionnaires"]["v2024"]["columns"]["mymrset"] == {
        "response_1": "bool1", "response_2": "bool2", "response_3": "bool3"}
    assert parsed["questionnaires"]["v2024"]["columns"]["categorical_array"] == [
        "ca_subvar_1", "ca_subvar_2", "ca_subvar_3"]
    assert "# check: the file's multiple-response set 'mymrset'" in text
    survey = kirc.load_survey(path)
    raw, _ = pyreadstat.read_sav(source)
    expected, n = _shares(raw[["bool1", "bool2", "bool3"]])
    out = kirc.multiple_response(survey, "mymrset")
    np.testing.assert_allclose(out["estimate"], expected)
    assert (out["n"] == n).all()
    # a category set: each column names one option (a, b, c, d)
    named = raw[["ca_subvar_1", "ca_subvar_2", "ca_subvar_3"]].replace("", np.nan)
    expected = [100 * named.eq(option).any(axis=1)[named.notna().any(axis=1)].mean()
                for option in "abcd"]
    out = kirc.multiple_response(survey, "categorical_array")
    assert list(out["option"]) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(out["estimate"], expected)


def test_spss_sets_with_codes_labels_and_a_weight(tmp_path):
    import pyreadstat

    source = realdata_file("sav", "savrw__spssio_test.sav")
    path, parsed, text = _drafted([source], tmp_path / "spssio.toml")
    ages = parsed["constructs"]["ages"]
    assert list(ages["options"].values()) == ["27 y.o.", "34 y.o.", "50 y.o."]
    assert list(ages["codes"].values()) == [27, 34, 50]
    assert parsed["design"]["weights"] == "weightvar"
    survey = kirc.load_survey(path)
    raw, _ = pyreadstat.read_sav(source)
    w = raw["weightVar"]
    # the dichotomy set V1-V3, weighted by the file's weight
    expected, n = _shares(raw[["V1", "V2", "V3"]], w)
    out = kirc.multiple_response(survey, "v")
    np.testing.assert_allclose(out["estimate"], expected)
    assert (out["n"] == n).all()
    # the category set of ages: the codes 27, 34, 50 in Age, AGE2, AGE3 (labelled in Age only)
    cells = raw[["Age", "AGE2", "AGE3"]]
    answered = cells.notna().any(axis=1).to_numpy()
    expected = [100 * (w[answered] * cells.eq(code).any(axis=1)[answered]).sum()
                / w[answered].sum() for code in (27, 34, 50)]
    np.testing.assert_allclose(kirc.multiple_response(survey, "ages")["estimate"], expected)


def test_surveymonkey_check_all_blocks(tmp_path):
    source = realdata_file("exports", "ohbm__public_survey_data.csv")
    path, parsed, _ = _drafted([source], tmp_path / "ohbm.toml", years=[2022])
    platforms = parsed["constructs"]["mr_q004"]
    assert platforms["type"] == "multiple" and len(platforms["options"]) == 10
    assert list(platforms["options"].values())[1].startswith("Official OHBM Emails")
    # single-choice answers that hold commas are no multiple-response question
    assert not any(spec["type"] == "multiple" and "career" in spec["label"]
                   for spec in parsed["constructs"].values())
    survey = kirc.load_survey(path)
    # the raw cells: the option's text when ticked, empty otherwise (line 2 names the options)
    raw = pd.read_csv(source, header=None, skiprows=2, dtype=str, keep_default_na=False)
    ticked = raw.iloc[:, 4:14].ne("")
    answered = ticked.any(axis=1)
    expected, n = 100 * ticked[answered].mean().to_numpy(), int(answered.sum())
    out = kirc.multiple_response(survey, "mr_q004")
    np.testing.assert_allclose(out["estimate"], expected)
    assert (out["n"] == n).all() and n < len(raw)


def test_qualtrics_check_all_block_with_none_of_the_above(tmp_path):
    source = realdata_file("exports", "QualtricsTools__Better_Sample_Survey.csv")
    path, parsed, text = _drafted([source], tmp_path / "fruit.toml", years=[2023])
    fruit = parsed["constructs"]["q3_volunteer"]
    assert list(fruit["options"].values()) == ["Cantaloupe", "Kiwi", "Pomegranate",
                                               "None of the above"]
    assert fruit["none"] == "none_of_the_above"
    assert "'None of the above' is taken as the 'none of these' option" in text
    survey = kirc.load_survey(path)
    # the raw cells below the three header lines: 1 when ticked, empty otherwise
    raw = pd.read_csv(source, skiprows=[1, 2], dtype=str, keep_default_na=False)
    ticks = raw[[f"q3_volunteer_{k}" for k in range(1, 5)]].replace("", np.nan).astype(float)
    answered = ticks.notna().any(axis=1)
    expected = 100 * ticks[answered].fillna(0).mean().to_numpy()
    out = kirc.multiple_response(survey, "q3_volunteer")
    np.testing.assert_allclose(out["estimate"], expected)
    assert (out["n"] == answered.sum()).all()


FAMILIES = {
    # Qualtrics CSV without its .qsf: Q6_1 ... with 1 or empty
    "qualtrics": ("Q6_1,Q6_2,Q6_3,Q4\n1,,1,5\n,1,,4\n,,,3\n1,1,1,5\n", ",",
                  {"Q6_1": "1", "Q6_2": "2", "Q6_3": "3"}, [None, ["Q6_1", "Q6_2", "Q6_3"]]),
    # LimeSurvey: Q1[SQ001] ... with Y or empty
    "limesurvey": ("id;Q1[SQ001];Q1[SQ002];Q1[SQ003];Q2\n1;Y;;Y;5\n2;;Y;;4\n3;;;;3\n4;Y;;;2\n",
                   ";", {"Q1[SQ001]": "Y", "Q1[SQ002]": "Y", "Q1[SQ003]": "Y"}, ["Y", None]),
}


@pytest.mark.parametrize("platform", FAMILIES)
def test_column_families_of_platform_exports(tmp_path, platform):
    content, sep, _, (mark, _) = FAMILIES[platform]
    export = tmp_path / f"{platform}_2024.csv"
    export.write_text(content, encoding="utf-8")
    path, parsed, text = _drafted([export], tmp_path / f"{platform}.toml")
    (name, spec), = [(n, s) for n, s in parsed["constructs"].items()
                     if s["type"] == "multiple"]
    assert len(spec["options"]) == 3
    assert "# check: guessed from the column names and their answers" in text
    if mark:
        assert spec["selected"] == [mark]
    survey = kirc.load_survey(path)
    raw = pd.read_csv(export, sep=sep, dtype=str, keep_default_na=False)
    columns = [c for c in raw.columns if c.startswith(("Q6_", "Q1["))]
    ticked = raw[columns].ne("")
    answered = ticked.any(axis=1)
    expected = 100 * ticked[answered].mean().to_numpy()
    out = kirc.multiple_response(survey, name)
    np.testing.assert_allclose(out["estimate"], expected)
    assert (out["n"] == answered.sum()).all()


def test_a_column_naming_the_options_google_forms(tmp_path):
    answers = ["Telefoon, Chat", "Chat", "E-mail, Telefoon", "", "Telefoon", "Chat, E-mail",
               "Telefoon, E-mail, Chat", "E-mail", "weet niet"]
    export = tmp_path / "form_2024.csv"
    pd.DataFrame({"Timestamp": [f"1/{d + 1}/2024 10:00:00" for d in range(len(answers))],
                  "Welke kanalen gebruikte u?": answers,
                  "Cijfer": [7, 8, 6, 9, 7, 8, 5, 7, 6]}).to_csv(export, index=False)
    path, parsed, text = _drafted([export], tmp_path / "form.toml")
    (name, spec), = [(n, s) for n, s in parsed["constructs"].items()
                     if s["type"] == "multiple"]
    assert list(spec["options"].values()) == ["Telefoon", "Chat", "E-mail"]
    assert spec["missing"] == {"weet niet": "weet niet"}
    assert "one column naming the options chosen, joined by ','" in text
    survey = kirc.load_survey(path)
    out = kirc.multiple_response(survey, name, weights=None).set_index("option")
    # 7 answered (not the empty one, not "weet niet"); counted by hand above
    assert (out["n"] == 7).all()
    np.testing.assert_allclose(out.loc[["Telefoon", "Chat", "E-mail"], "estimate"],
                               100 * np.array([4, 4, 4]) / 7)


def test_the_demo_channels_in_four_forms_are_one_construct(tmp_path):
    exports = [SURVEYS / "klantcontact_2019.csv", SURVEYS / "klantcontact_2020.sav",
               SURVEYS / "klantcontact_2021.sav", SURVEYS / "klantcontact_2022.sav"]
    path, parsed, text = _drafted(exports, tmp_path / "kanalen.toml")
    (name, spec), = [(n, s) for n, s in parsed["constructs"].items()
                     if s["type"] == "multiple"]
    assert list(spec["options"].values()) == ["telefoon", "e-mail", "chat", "WhatsApp",
                                              "social media", "chatbot", "app"]
    assert "# check: option 'app' asked from 2022 on" in text
    columns = {v: q["columns"][name] for v, q in parsed["questionnaires"].items()}
    assert columns["v2019"] == {"column": "Q17_kanalen", "asked": list(spec["options"])[:6]}
    assert columns["v2020"]["telefoon"] == "Q17_1" and "app" not in columns["v2021"]
    assert columns["v2022"]["app"] == "kanaal_app"
    drafted = kirc.load_survey(path)
    demo = kirc.load_survey("klantcontact", years=[2019, 2020, 2021, 2022], calibrate=False)
    for key, column in zip(spec["options"], [f"channels_used_{k}" for k in (
            "phone", "email", "chat", "whatsapp", "social", "chatbot", "app")]):
        np.testing.assert_array_equal(drafted[f"{name}_{key}"].to_numpy(),
                                      demo[column].to_numpy())
