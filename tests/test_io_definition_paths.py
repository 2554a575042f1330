"""Issue 11: a survey definition reads only files inside its folder or folders it declares."""

from __future__ import annotations

import pytest

from kirc.errors import DefinitionError
from kirc.survey.definition import load_survey, survey_definition

DEFINITION = """\
name = "mini"
title = "Mini"
unit = "respondent"
{extra}
[constructs.nps]
type = "rating"
label = "Aanbeveling"
scale = [0, 10]

[questionnaires.q1.columns]
id = "resp"
nps = "aanbeveling"

[years]
2024 = {{ file = "{file}", questionnaire = "q1" }}
"""


def _definition(folder, file, extra=""):
    path = folder / "mini.toml"
    path.write_text(DEFINITION.format(file=file, extra=extra), encoding="utf-8")
    return path


def _data(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("resp;aanbeveling\n1;9\n2;6\n3;10\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["parent", "absolute", "symlink"])
def test_files_outside_the_definition_folder_are_refused(tmp_path, where):
    home = tmp_path / "surveys"
    home.mkdir()
    outside = _data(tmp_path / "elders" / "geheim.csv")
    if where == "parent":
        file = "../elders/geheim.csv"
    elif where == "absolute":
        file = str(outside)
    else:
        (home / "link.csv").symlink_to(outside)
        file = "link.csv"
    path = _definition(home, file)
    with pytest.raises(DefinitionError, match="outside the definition's folder") as err:
        survey_definition(path)
    assert err.value.file == str(path)


def test_declared_data_folder_is_allowed(tmp_path):
    home = tmp_path / "surveys"
    home.mkdir()
    _data(tmp_path / "exports" / "mini_2024.csv")
    path = _definition(home, "../exports/mini_2024.csv", extra='data_folders = ["../exports"]')
    df = load_survey(path)
    assert df["nps"].tolist() == [9, 6, 10]
    # a declared folder does not open the rest of the disk
    _data(tmp_path / "elders" / "x.csv")
    path = _definition(home, "../elders/x.csv", extra='data_folders = ["../exports"]')
    with pytest.raises(DefinitionError, match="data_folders"):
        survey_definition(path)


def test_files_in_the_definition_folder_and_below_are_read(tmp_path):
    _data(tmp_path / "data" / "mini_2024.csv")
    df = load_survey(_definition(tmp_path, "data/mini_2024.csv"))
    assert df["nps"].tolist() == [9, 6, 10]
