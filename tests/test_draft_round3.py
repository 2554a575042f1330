"""Issue 26: a draft that is safe unedited. kirc init joins columns of several years only when
their answers agree, never lets one year's numbers fill the codes it made for another
year's texts, takes True/False, yes/no, 1/0 and Ja/Nee for one binary, takes --year, and
drafts a small report with the rest as suggestions.

The exports are written by the tests; every figure of the unedited draft is checked against
a plain pandas computation on the export it came from.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc.cli import main
from kirc.draft import MAX_BREAKDOWNS, MAX_INDICATORS, draft, write_draft
from kirc.errors import InputFileError, ParameterError
from kirc.survey.definition import load_survey, survey_definition

HURT = ("Do you feel that being identified as a person with a mental health issue would hurt "
        "your career?")
AFFECTED = ("Has being identified as a person with a mental health issue affected your "
            "career?")
TECH = "Is your employer primarily a tech company/organization?"
RECOMMEND = {2016: "How likely is it that you would recommend your employer?",
             2017: "How likely is it that you would recommend your employer?",
             2018: "Recommend your employer (0-10)", 2019: "Recommend your employer (0-10)"}
HURT_ANSWERS = ["Maybe", "Yes, I think it would", "No, I don't think it would",
                "Yes, it has", "No, it has not"]


def wave(year, n=150, seed=None):
    """One yearly wave of a survey whose question texts are its headers (as the OSMI mental
    health in tech survey publishes it): in 2016 the career question holds texts, from 2017
    another career question holds 0/1 (True/False in 2019); the recommend question is
    renamed in 2018; the tech-company question holds 1/0, then TRUE/FALSE."""
    rng = np.random.default_rng(seed or year)
    frame = pd.DataFrame({"Respondent": np.arange(1, n + 1) + 1000 * (year - 2000),
                          "Country": rng.choice(["Netherlands", "Belgium", "Germany"], n)})
    frame[RECOMMEND[year]] = rng.integers(0, 11, n)
    tech = rng.integers(0, 2, n).astype(object)
    if year == 2016:
        frame[HURT] = rng.choice(HURT_ANSWERS, n)
    else:
        affected = rng.integers(0, 2, n).astype(object)
        if year == 2019:
            affected = np.where(affected == 1, "TRUE", "FALSE").astype(object)
            affected[rng.random(n) < 0.1] = ""
            tech = np.where(tech == 1, "TRUE", "FALSE").astype(object)
            tech[rng.random(n) < 0.1] = ""
        frame[AFFECTED] = affected
    frame[TECH] = tech
    return frame


def write(frame, path):
    frame.to_csv(path, index=False)
    return path


def truth(value):
    """0/1 and TRUE/FALSE as 1.0/0.0, blanks as NaN (the plain reading of the export)."""
    return {"1": 1.0, "0": 0.0, "TRUE": 1.0, "FALSE": 0.0}.get(str(value), np.nan)


def test_kirc_init_on_four_waves_keeps_a_changed_question_apart(tmp_path, capsys):
    waves = {year: wave(year) for year in (2016, 2017, 2018, 2019)}
    exports = [write(frame, tmp_path / f"mhit_{year}.csv") for year, frame in waves.items()]
    output = tmp_path / "mhit.toml"
    assert main(["init", *map(str, exports), "--output", str(output)]) == 0
    said = capsys.readouterr().err
    assert "the draft loads: 600 rows" in said, said
    text = output.read_text(encoding="utf-8")
    definition = survey_definition(output)
    columns = {version: q["columns"] for version, q in definition["questionnaires"].items()}
    # the question whose answers changed kind is two constructs, never one
    hurt = [name for name, c in definition["constructs"].items() if c["label"] == HURT]
    affected = [name for name, c in definition["constructs"].items()
                if c["label"] == AFFECTED]
    assert len(hurt) == 1 and len(affected) == 1 and hurt != affected
    assert not any(HURT in m.values() and AFFECTED in m.values() for m in columns.values())
    assert "not joined to" in text
    # the renamed recommend question is one construct, its rename marked for checking
    recommend = {m[name] for m in columns.values() for name, c in
                 definition["constructs"].items() if c["type"] == "rating" and name in m}
    assert recommend == set(RECOMMEND.values())

    df = load_survey(output)
    assert df.groupby("year").size().to_dict() == {2016: 150, 2017: 150, 2018: 150, 2019: 150}
    [hurt], [affected] = hurt, affected
    # no figure mixes the two: each construct holds only its own years' answers
    assert df.loc[df.year > 2016, hurt].isna().all()
    assert df.loc[df.year == 2016, affected].isna().all()
    for year, frame in waves.items():
        this = df[df.year == year]
        if year == 2016:
            assert this[hurt].astype(str).tolist() == frame[HURT].tolist()
        else:
            expected = frame[AFFECTED].map(truth)
            share = kirc.share(this, affected)
            assert share["estimate"][0] == pytest.approx(100 * expected.mean())
            assert share["n"][0] == expected.notna().sum()
        tech = [n for n, c in definition["constructs"].items() if c["label"] == TECH]
        assert len(tech) == 1                        # 1/0 and TRUE/FALSE: one binary
        expected = frame[TECH].map(truth)
        assert kirc.share(this, tech[0])["estimate"][0] == pytest.approx(
            100 * expected.mean())
        scores = frame[RECOMMEND[year]]
        rating = next(n for n, c in definition["constructs"].items() if c["type"] == "rating")
        promoters, detractors = (scores >= 9).mean(), (scores <= 6).mean()
        assert kirc.nps(this, rating)["estimate"][0] == pytest.approx(
            100 * (promoters - detractors))


@pytest.mark.parametrize("spellings", [("Ja", "Nee"), ("yes", "no"), ("True", "False"),
                                       (1, 0)])
def test_every_spelling_of_yes_and_no_is_one_binary(tmp_path, spellings):
    rng = np.random.default_rng(3)
    frames = {}
    for year, (yes, no) in zip((2021, 2022), [("Ja", "Nee"), spellings]):
        answers = rng.integers(0, 2, 80)
        frames[year] = pd.DataFrame({"nr": range(1, 81), "score": rng.integers(1, 6, 80),
                                     "opgelost": np.where(answers == 1, yes, no)})
    exports = [write(frame, tmp_path / f"p_{year}.csv") for year, frame in frames.items()]
    output, text = write_draft(exports, tmp_path / "p.toml")
    parsed = tomllib.loads(text)
    assert parsed["questionnaires"]["v2021"]["columns"]["opgelost"] == "opgelost"
    assert len(parsed["questionnaires"]) == 1          # the same columns every year
    df = load_survey(output)
    for year, frame in frames.items():
        expected = frame["opgelost"].astype(str).str.lower().isin(["ja", "yes", "true", "1"])
        assert kirc.share(df[df.year == year], "opgelost")["estimate"][0] == pytest.approx(
            100 * expected.mean())


def test_numbers_never_fill_the_codes_of_another_years_texts(tmp_path):
    # the same column name: texts in one year, bare numbers in the next
    rng = np.random.default_rng(9)
    texts = pd.DataFrame({"nr": range(1, 61), "kanaal": rng.choice(["telefoon", "chat",
                                                                    "e-mail"], 60),
                          "nps": rng.integers(0, 11, 60)})
    numbers = pd.DataFrame({"nr": range(1, 61), "kanaal": rng.integers(1, 4, 60),
                            "nps": rng.integers(0, 11, 60)})
    exports = [write(texts, tmp_path / "k_2022.csv"), write(numbers, tmp_path / "k_2023.csv")]
    output, text = write_draft(exports, tmp_path / "k.toml")
    definition = survey_definition(output)
    kinds = {name: c for name, c in definition["constructs"].items()
             if name.startswith("kanaal")}
    assert len(kinds) == 2                              # kept apart, with the reason
    assert "not joined to construct 'kanaal'" in text
    df = load_survey(output)
    this, other = sorted(kinds)
    assert df.loc[df.year == 2022, this].astype(str).tolist() == texts["kanaal"].tolist()
    assert df.loc[df.year == 2023, this].isna().all()
    assert df.loc[df.year == 2022, other].isna().all()


def test_text_answers_take_the_codes_of_a_labelled_year(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(4)
    first = pd.DataFrame({"nr": range(1, 81), "kanaal": rng.choice(["telefoon", "chat",
                                                                    "e-mail"], 80),
                          "nps": rng.integers(0, 11, 80)})
    # codes other than the alphabetical ones kirc init gives the texts of 2022
    codes = {1.0: "telefoon", 2.0: "chat", 3.0: "e-mail", 4.0: "app"}
    second = pd.DataFrame({"nr": np.arange(1, 81, dtype=float),
                           "kanaal": rng.choice([1.0, 2.0, 3.0, 4.0], 80),
                           "nps": rng.integers(0, 11, 80).astype(float)})
    write(first, tmp_path / "k_2022.csv")
    pyreadstat.write_sav(second, tmp_path / "k_2023.sav",
                         variable_value_labels={"kanaal": codes})
    output, _ = write_draft([tmp_path / "k_2022.csv", tmp_path / "k_2023.sav"],
                            tmp_path / "k.toml")
    construct = survey_definition(output)["constructs"]["kanaal"]
    assert construct["labels"] == {1: "telefoon", 2: "chat", 3: "e-mail", 4: "app"}
    df = load_survey(output)
    assert df.loc[df.year == 2022, "kanaal"].astype(str).tolist() == first["kanaal"].tolist()
    assert df.loc[df.year == 2023, "kanaal"].astype(str).tolist() == \
        second["kanaal"].map(codes).tolist()


def test_year_for_an_export_without_a_year_in_its_name(tmp_path, capsys):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"nr": np.arange(1, 41, dtype=float),
                          "aanbevelen": np.arange(40, dtype=float) % 11})
    export = tmp_path / "leerboek.sav"
    pyreadstat.write_sav(frame, export)
    with pytest.raises(InputFileError) as err:
        draft([export], output=tmp_path / "x.toml")
    assert "--year" in str(err.value) and "leerboek_2024.sav" in str(err.value)
    output = tmp_path / "leerboek.toml"
    assert main(["init", str(export), "--year", "2023", "--output", str(output)]) == 0
    assert "the draft loads: 40 rows" in capsys.readouterr().err
    assert list(survey_definition(output)["years"]) == [2023]
    assert kirc.nps(load_survey(output), "aanbevelen")["n"][0] == 40
    with pytest.raises(ParameterError, match="one per export"):
        draft([export], output=tmp_path / "y.toml", years=[2023, 2024])
    with_year = tmp_path / "met_jaar.csv"
    frame.assign(jaar=2024).to_csv(with_year, index=False)
    with pytest.raises(ParameterError, match="has a year column"):
        draft([with_year], output=tmp_path / "z.toml", years=[2023])


def test_an_unedited_draft_shows_a_small_report_and_suggests_the_rest(tmp_path):
    rng = np.random.default_rng(12)
    n = 200
    frame = pd.DataFrame({"nr": range(1, n + 1)})
    for name in ("sector", "regio", "kanaal", "leeftijdsgroep", "geslacht", "opleiding"):
        frame[name] = rng.choice(["a", "b", "c", "d"], n)
    frame["aanbevelen"] = rng.integers(0, 11, n)
    for i in range(1, 21):
        frame[f"tevredenheid_{i}"] = rng.integers(1, 6, n)
    for i in range(1, 6):
        frame[f"opgelost_{i}"] = rng.choice(["Ja", "Nee"], n)
    export = write(frame, tmp_path / "groot_2024.csv")
    output, text = write_draft([export], tmp_path / "groot.toml")
    definition = survey_definition(output)
    assert len(definition["indicators"]) == MAX_INDICATORS
    assert next(iter(definition["indicators"].values()))["metric"] == "nps"
    assert len(definition["report"]["breakdowns"]) == MAX_BREAKDOWNS
    assert definition["report"]["breakdowns"][0] == "sector"
    # every other indicator is written out, commented, and is valid once uncommented
    suggested = text.count("\n# [indicators.")
    assert suggested == 20 * 2 + 5 + 1 - MAX_INDICATORS
    uncommented = text.replace("\n# [indicators.", "\n[indicators.")
    for key in ("metric", "construct", "top", "label"):
        uncommented = uncommented.replace(f"\n# {key} = ", f"\n{key} = ")
    assert len(tomllib.loads(uncommented)["indicators"]) == 20 * 2 + 5 + 1
    assert "# more breakdowns it could show:" in text
