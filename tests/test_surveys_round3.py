"""Issue 26: load_survey checks what an estimate would only stumble on later -- weights that
are missing, infinite or negative, respondents without a year -- naming the file and the
column; and a margins file obeys the folder rule of the data."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import kirc
from kirc.errors import DefinitionError, InputFileError, ScaleError
from kirc.survey.definition import load_survey, survey_definition

DEFINITION = """\
name = "peiling"
title = "Peiling"
unit = "respondenten"
{top}
[constructs.regio]
type = "category"
label = "Regio"
labels = {{ 1 = "Noord", 2 = "Zuid" }}

[constructs.nps]
type = "rating"
label = "Aanbeveling"
scale = [0, 10]

[constructs.gewicht]
type = "weight"
label = "Gewicht"

[design]
weights = "gewicht"

[questionnaires.v1.columns]
id = "resp"
{year_column}regio = "regio"
nps = "nps"
gewicht = "gewicht"

[years]
{years}
{calibration}
"""


def definition(folder, rows, *, years=None, year_column=False, top="", calibration="",
               file="peiling_2024.csv"):
    (folder / file).write_text("\n".join(rows) + "\n", encoding="utf-8")
    years = years or {2024: file}
    path = folder / "peiling.toml"
    path.write_text(DEFINITION.format(
        top=top, calibration=calibration,
        year_column='year = "jaar"\n' if year_column else "",
        years="\n".join(f'{y} = {{ file = "{f}", questionnaire = "v1" }}'
                        for y, f in years.items())), encoding="utf-8")
    return path


HEADER = "resp;regio;nps;gewicht"


@pytest.mark.parametrize("cell, words", [("", "have no weight"),
                                         ("inf", "not finite"), ("1e309", "not finite"),
                                         ("-0,5", "negative")])
def test_weights_are_checked_when_the_survey_loads(tmp_path, cell, words):
    path = definition(tmp_path, [HEADER, "1;1;9;1,2", f"2;2;6;{cell}", "3;1;10;0,8"])
    with pytest.raises(ScaleError) as err:
        load_survey(path)
    assert err.value.file.endswith("peiling_2024.csv") and err.value.column == "gewicht"
    assert words in str(err.value)
    if not cell:
        assert "id(s) '2'" in str(err.value)


def test_a_respondent_without_answers_needs_no_weight(tmp_path):
    path = definition(tmp_path, [HEADER, "1;1;9;1,2", "2;;;", "3;1;10;0,8"])
    df = load_survey(path)
    assert df["gewicht"].isna().tolist() == [False, True, False]
    assert kirc.nps(df, "nps")["n"][0] == 2


def test_a_blank_year_in_a_file_of_several_years_is_an_error(tmp_path):
    rows = ["resp;jaar;regio;nps;gewicht", "1;2023;1;9;1", "2;;2;6;1", "3;2024;1;10;1",
            "4;2024;2;3;1"]
    path = definition(tmp_path, rows, year_column=True, file="alle_jaren.csv",
                      years={2023: "alle_jaren.csv", 2024: "alle_jaren.csv"})
    with pytest.raises(InputFileError) as err:
        load_survey(path)
    assert err.value.file.endswith("alle_jaren.csv") and err.value.column == "jaar"
    assert "1 row(s) have no year (data row(s) 2 of the file)" in str(err.value)
    # with the year filled in, every respondent is loaded
    (tmp_path / "alle_jaren.csv").write_text("\n".join(rows).replace("2;;2", "2;2023;2") + "\n",
                                             encoding="utf-8")
    assert load_survey(path).groupby("year").size().to_dict() == {2023: 2, 2024: 2}


MARGINS = """\
[calibration]
margins = "{margins}"
weight = "kalibratie"
"""


def margins_file(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent("""\
        [margins.regio]
        Noord = 600
        Zuid = 400
        """), encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["../elders/populatie.toml", "absolute"])
def test_a_margins_file_outside_the_definitions_folders_is_refused(tmp_path, where):
    home = tmp_path / "surveys"
    home.mkdir()
    outside = margins_file(tmp_path / "elders" / "populatie.toml")
    margins = str(outside) if where == "absolute" else where
    path = definition(home, [HEADER, "1;1;9;1", "2;2;6;1"],
                      calibration=MARGINS.format(margins=margins))
    with pytest.raises(DefinitionError) as err:
        survey_definition(path)
    assert err.value.file == str(path)
    assert "outside the definition's folder" in str(err.value) and "data_folders" in str(
        err.value)


def test_a_margins_file_in_a_declared_data_folder_is_read(tmp_path):
    home = tmp_path / "surveys"
    home.mkdir()
    margins_file(tmp_path / "elders" / "populatie.toml")
    path = definition(home, [HEADER, "1;1;9;1", "2;2;6;1", "3;1;4;1"],
                      top='data_folders = ["../elders"]',
                      calibration=MARGINS.format(margins="../elders/populatie.toml"))
    df = load_survey(path)
    weights = df.groupby("regio", observed=True)["kalibratie"].sum()
    assert weights.to_dict() == pytest.approx({"Noord": 600.0, "Zuid": 400.0})
    assert isinstance(df, pd.DataFrame)
