"""load_survey / survey_definition: the harmonised frame over mixed .sav/.csv/.xlsx years, and
clear errors for broken definitions and bad data."""

from __future__ import annotations

import hashlib
import shutil
import textwrap

import numpy as np
import pandas as pd
import pytest

from conftest import SURVEYS
from kirc import demo
from kirc.errors import (ColumnError, DefinitionError, InputFileError, KircError,
                         ParameterError, ScaleError)
from kirc.survey.definition import harmonise, load_survey, survey_definition

YEARS = list(range(2017, 2026))


def is_text(values: pd.Series) -> bool:
    """pandas' default string column: dtype ``str`` in pandas 3, object holding str (and NaN
    for missing) in pandas 2."""
    return ((values.dtype == object or isinstance(values.dtype, pd.StringDtype))
            and values.dropna().map(type).eq(str).all())


def fingerprint(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file()}


@pytest.fixture(scope="module")
def committed_before():
    return fingerprint(SURVEYS)


@pytest.fixture(scope="module")
def consumers(committed_before):
    return load_survey("klantcontact", years=range(2017, 2026))


@pytest.fixture(scope="module")
def organisations(committed_before):
    return load_survey("sectorscan")


@pytest.fixture(scope="module")
def generated():
    return demo.generate(demo.DEFAULT_SEED)


# --------------------------------------------------------------------------------------------
# the bundled surveys
# --------------------------------------------------------------------------------------------
def test_all_years_from_mixed_formats(consumers, organisations):
    for frame in (consumers, organisations):
        assert sorted(frame["year"].unique()) == YEARS
        suffixes = {source.rsplit(".", 1)[1] for source in frame.attrs["sources"].values()}
        assert suffixes == {"sav", "csv", "xlsx"}
        assert list(frame.attrs["sources"]) == YEARS


def test_contracted_columns_and_dtypes(consumers, organisations):
    assert list(consumers.columns) == ["year", "id", "sector", "channel", "age_group", "region",
                                       "weight", "nps", "csat", "fcr", "chatbot_success",
                                       "relation", "toelichting", "wait_time", "expertise",
                                       "friendliness", "clarity", "speed", "thinking_along",
                                       *(f"channels_used_{key}" for key in demo.USED_CHANNELS)]
    assert list(organisations.columns) == ["year", "id", "sector", "size", "avg_status",
                                           "avg_ready", "avg_fte", "staff_prepared",
                                           "privacy_statement", "weight_calibrated"]
    for frame in (consumers, organisations):
        assert frame["year"].dtype == np.int64
        assert is_text(frame["id"]) and frame["id"].notna().all()
        assert frame.index.equals(pd.RangeIndex(len(frame)))
        for name, spec in frame.attrs["constructs"].items():
            if spec["type"] == "multiple":
                # one 0/1 column per option
                for column in spec["options"].values():
                    assert frame[column].dtype == np.float64, column
                    assert set(frame[column].dropna().unique()) <= {0.0, 1.0}, column
                continue
            values = frame[name]
            if spec["type"] == "category":
                assert isinstance(values.dtype, pd.CategoricalDtype), name
                assert list(values.cat.categories) == list(spec["labels"].values()), name
            elif spec["type"] == "text":
                assert is_text(values), name
            else:
                assert values.dtype == np.float64, name
    assert consumers["age_group"].cat.ordered and not consumers["sector"].cat.ordered


def test_same_dutch_categories_in_every_year(consumers, organisations):
    for frame, name in ((consumers, "sector"), (consumers, "channel"), (consumers, "region"),
                        (consumers, "age_group"), (organisations, "size"),
                        (organisations, "avg_status")):
        labels = list(frame[name].cat.categories)
        for year, group in frame.groupby("year"):
            counts = group[name].value_counts()
            # every label is used in every year, whatever the file format: codes were mapped
            assert (counts[labels] > 0).all(), (name, year)
    assert list(consumers["sector"].cat.categories)[2] == "financiële dienstverlening"
    assert list(organisations["sector"].cat.categories)[-1] == "outsourcing / contactcenters"


def test_harmonised_values_match_the_generated_codes(consumers, organisations, generated):
    """Each construct equals the generator's codes, recoded by hand the contracted way."""
    # the definition calibrates the weights at load time; the shipped weight without that
    shipped = load_survey("klantcontact", calibrate=False)["weight"]
    for year in YEARS:
        raw = generated["klantcontact", year]
        version = 0 if year < 2021 else 1
        source = {c: raw[names[version]] for c, names in demo.COLUMNS["klantcontact"].items()
                  if names[version] in raw}
        rows = consumers[consumers["year"] == year].reset_index(drop=True)
        nps = source["nps"].where(source["nps"] != 99)
        np.testing.assert_array_equal(rows["nps"].to_numpy(), nps.to_numpy())
        relation = source["relation"].map({1: 1.0, 2: 1.0, 3: 0.0})
        np.testing.assert_array_equal(rows["relation"].to_numpy(), relation.to_numpy())
        sector = source["sector"].map(demo.SECTORS)
        assert (rows["sector"].astype(str) == sector).all()
        np.testing.assert_allclose(shipped[consumers["year"] == year], source["weight"])
        assert (rows["id"] == source["id"].map(lambda v: v if isinstance(v, str)
                                               else str(int(v)))).all()
        for key in demo.USED_CHANNELS:
            # the 0/1 columns as they are (the CSV year's naming column: tests/test_demo.py);
            # missing where not asked
            column = f"channels_used_{key}"
            if column in source:
                np.testing.assert_array_equal(rows[column].to_numpy(), source[column].to_numpy())
            elif year != 2019:
                assert rows[column].isna().all(), (year, column)
    for year in YEARS:
        raw = generated["sectorscan", year]
        version = 0 if year < 2021 else 1
        status = raw[demo.COLUMNS["sectorscan"]["avg_status"][version]]
        rows = organisations[organisations["year"] == year].reset_index(drop=True)
        np.testing.assert_array_equal(rows["avg_ready"], (status == 1).astype(float))
        assert (rows["avg_status"].astype(str) == status.map(demo.AVG_STATUS)).all()


def test_user_missing_is_gone_and_counted(consumers, generated):
    assert consumers[["nps", "csat"]].max().max() <= 10
    assert consumers["nps"].between(0, 10).sum() == consumers["nps"].notna().sum()
    assert consumers["csat"].dropna().isin([1, 2, 3, 4, 5]).all()
    counts = consumers.attrs["missing_counts"]
    assert list(counts) == YEARS
    for year in YEARS:
        raw = generated["klantcontact", year]
        version = 0 if year < 2021 else 1
        for construct in ("nps", "csat"):
            column = raw[demo.COLUMNS["klantcontact"][construct][version]]
            expected = int((column == 99).sum())
            assert expected > 0
            assert counts[year][construct] == {"weet niet / geen antwoord": expected}


def test_binary_and_chatbot_constructs(consumers, organisations):
    for name in ("fcr", "chatbot_success", "relation"):
        assert set(consumers[name].dropna().unique()) == {0.0, 1.0}
    not_chatbot = consumers["channel"] != "chatbot"
    assert consumers.loc[not_chatbot, "chatbot_success"].isna().all()
    for name in ("avg_ready", "staff_prepared", "privacy_statement"):
        assert set(organisations[name].dropna().unique()) == {0.0, 1.0}
    assert ((organisations["avg_status"] == "klaar") == (organisations["avg_ready"] == 1)).all()


def test_attrs(consumers, organisations):
    assert consumers.attrs["survey"] == "klantcontact"
    assert consumers.attrs["unit"] == "respondenten" and consumers.attrs["min_n"] == 30
    assert consumers.attrs["weight"] == "weight"
    assert consumers.attrs["population"] == {year: None for year in YEARS}
    assert isinstance(consumers.attrs["personal_data"], list)
    assert consumers.attrs["constructs"]["nps"]["scale"] == [0, 10]
    assert consumers.attrs["constructs"]["nps"]["columns"][2020] == "Q5_aanbeveling"
    assert consumers.attrs["constructs"]["nps"]["columns"][2021] == "aanbevelen_0_10"
    assert organisations.attrs["unit"] == "organisaties" and organisations.attrs["min_n"] == 5
    population = organisations.attrs["population"]
    assert population[2017] == 170 and all(165 <= n <= 175 for n in population.values())
    sizes = organisations.groupby("year").size()
    assert all(sizes[year] <= population[year] for year in YEARS)


def test_personal_data_columns_are_not_carried(consumers, organisations):
    assert "email" not in consumers and "klantnummer" not in consumers
    assert "contact_email" not in organisations and "contactpersoon" not in organisations
    # the free text is a construct, so that reports can show how it is scrubbed
    assert 0.35 <= consumers["toelichting"].notna().mean() <= 0.55


def test_input_files_are_not_modified(consumers, organisations, committed_before):
    assert fingerprint(SURVEYS) == committed_before


def test_year_selection():
    one = load_survey("sectorscan", years=2019)
    assert one["year"].unique().tolist() == [2019]
    assert load_survey("sectorscan", years=[2021, 2017, 2021])["year"].unique().tolist() == \
        [2017, 2021]
    with pytest.raises(ParameterError) as info:
        load_survey("sectorscan", years=[2016])
    assert "2016" in str(info.value) and "2017" in str(info.value) and "2025" in str(info.value)
    # texts such as "2019" (from a command line) are years too; other texts are not
    assert load_survey("sectorscan", years="2019")["year"].unique().tolist() == [2019]
    with pytest.raises(ParameterError, match="'twintig' is not a year"):
        load_survey("sectorscan", years="twintig")
    with pytest.raises(ParameterError) as info:
        load_survey("geen_onderzoek")
    assert "klantcontact" in str(info.value)


def test_survey_definition_is_parsed_and_resolved():
    definition = survey_definition("sectorscan")
    assert definition["constructs"]["avg_ready"] == {
        "type": "binary", "label": "Klaar voor de AVG", "positive": [1], "negative": [2, 3]}
    assert definition["questionnaires"]["v2021"]["columns"]["avg_ready"] == "avg_status"
    assert definition["years"][2022]["file"] == str(SURVEYS / "sectorscan_2022.csv")
    assert definition["years"][2017]["population"] == 170
    assert survey_definition(SURVEYS / "sectorscan.toml") == definition


# --------------------------------------------------------------------------------------------
# custom definitions and bad input
# --------------------------------------------------------------------------------------------
DEFINITION = """\
name = "mini"
title = "Mini"
unit = "respondenten"
min_n = 30

[constructs.nps]
type = "rating"
label = "Aanbevelen"
scale = [0, 10]
missing = [99]

[constructs.kanaal]
type = "category"
label = "Kanaal"
labels = {{ 1 = "telefoon", 2 = "chat" }}

[constructs.opgelost]
type = "binary"
label = "Opgelost"
positive = [1]
negative = [2]

[constructs.fte]
type = "number"
label = "Fte"

[questionnaires.q1.columns]
id = "resp"
year = "jaar"
nps = "aanbeveling"
kanaal = "kanaal"
opgelost = "opgelost"
fte = "fte"

[years]
2024 = {{ file = "{file}", questionnaire = "q1" }}
"""


def mini_survey(tmp_path, rows, definition=DEFINITION, file="mini_2024.csv"):
    """A definition and a ;-separated CSV file in tmp_path; returns the definition's path."""
    header = "resp;jaar;aanbeveling;kanaal;opgelost;fte"
    (tmp_path / file).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    path = tmp_path / "mini.toml"
    path.write_text(textwrap.dedent(definition).format(file=file), encoding="utf-8")
    return path


GOOD_ROWS = ["1;2024;10;1;1;0,5", "2;2024;7;2;2;1,2", "3;2024;99;1;;0,8", "4;2024;0;2;1;"]


def test_custom_definition_with_list_missing_and_decimal_comma(tmp_path):
    path = mini_survey(tmp_path, GOOD_ROWS)
    before = fingerprint(tmp_path)
    frame = load_survey(path)
    assert frame["nps"].tolist()[:2] == [10.0, 7.0] and np.isnan(frame["nps"].iloc[2])
    np.testing.assert_array_equal(frame["opgelost"], [1.0, 0.0, np.nan, 1.0])
    assert frame["kanaal"].astype(str).tolist() == ["telefoon", "chat", "telefoon", "chat"]
    np.testing.assert_allclose(frame["fte"], [0.5, 1.2, 0.8, np.nan])
    assert frame["id"].tolist() == ["1", "2", "3", "4"]
    assert frame.attrs["missing_counts"] == {2024: {"nps": {"99": 1}}}
    assert fingerprint(tmp_path) == before


def test_rating_outside_scale(tmp_path):
    path = mini_survey(tmp_path, [*GOOD_ROWS, "5;2024;11;1;1;1", "6;2024;11;1;1;1"])
    with pytest.raises(ScaleError) as info:
        load_survey(path)
    message = str(info.value)
    assert "mini_2024.csv" in message and "'aanbeveling'" in message
    assert "11" in message and "2 value(s)" in message
    assert info.value.column == "aanbeveling"


def test_rating_with_text(tmp_path):
    path = mini_survey(tmp_path, [*GOOD_ROWS, "5;2024;10 - zeer waarschijnlijk;1;1;1"])
    with pytest.raises(ScaleError) as info:
        load_survey(path)
    message = str(info.value)
    assert "mini_2024.csv" in message and "'aanbeveling'" in message
    assert "'10 - zeer waarschijnlijk'" in message and "1 cell(s)" in message


def test_unknown_category_code_and_binary_code(tmp_path):
    path = mini_survey(tmp_path, [*GOOD_ROWS, "5;2024;8;3;1;1"])
    with pytest.raises(ScaleError, match=r"kanaal.*not among its codes \[1, 2\]: 3"):
        load_survey(path)
    path = mini_survey(tmp_path, [*GOOD_ROWS, "5;2024;8;1;7;1"])
    with pytest.raises(ScaleError, match=r"opgelost.*neither positive \[1\] nor negative \[2\]: 7"):
        load_survey(path)


def test_mapped_column_missing_from_file(tmp_path):
    definition = DEFINITION.replace('nps = "aanbeveling"', 'nps = "Q5_aanbeveling"')
    path = mini_survey(tmp_path, GOOD_ROWS, definition)
    with pytest.raises(ColumnError) as info:
        load_survey(path)
    message = str(info.value)
    assert "mini_2024.csv" in message and "Q5_aanbeveling" in message
    assert str(path) in message and "did you mean 'aanbeveling'" in message
    assert info.value.column == "Q5_aanbeveling"


def test_missing_data_file(tmp_path):
    path = mini_survey(tmp_path, GOOD_ROWS)
    (tmp_path / "mini_2024.csv").unlink()
    with pytest.raises(InputFileError) as info:
        load_survey(path)
    assert "mini_2024.csv" in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("change, expected", [
    (('type = "rating"', 'type = "schaal"'), "unknown type 'schaal'"),
    (('2024 = {{', '[years.2024]\nfile = "x.csv"\nquestionnaire = "q1"\n[years]\n2024 = {{'),
     "given twice"),
    (('questionnaire = "q1" }}', 'questionnaire = "q2" }}'), "questionnaire 'q2'"),
    (('opgelost = "opgelost"', 'opgelost_ = "opgelost"'), "did you mean 'opgelost'"),
    (('scale = [0, 10]', 'scale = [10, 0]'), "scale must be"),
    (('missing = [99]', 'missing = [5]'), "inside the scale"),
    (('positive = [1]', 'positive = [1, 2]'), "both positive and negative"),
    (('min_n = 30', 'min_n = 30\nminimum = 3'), "unknown key(s) 'minimum'"),
    (('[years]', '[years]\n17 = {{ file = "a.csv", questionnaire = "q1" }}'), "'17'"),
])
def test_broken_definitions(tmp_path, change, expected):
    definition = DEFINITION.replace(*change)
    assert definition != DEFINITION
    path = mini_survey(tmp_path, GOOD_ROWS, definition)
    with pytest.raises(DefinitionError) as info:
        survey_definition(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_year_in_file_differs_from_definition(tmp_path):
    path = mini_survey(tmp_path, [row.replace(";2024;", ";2023;", 1) for row in GOOD_ROWS])
    with pytest.raises(DefinitionError, match=r"year\(s\) 2023 .* lists it under 2024"):
        load_survey(path)


def test_duplicate_ids(tmp_path):
    path = mini_survey(tmp_path, [*GOOD_ROWS, "2;2024;8;1;1;1"])
    with pytest.raises(InputFileError, match=r"mini_2024.csv, column 'resp': 1 id\(s\) occur"):
        load_survey(path)


def test_population_smaller_than_the_file(tmp_path):
    definition = DEFINITION.replace('questionnaire = "q1" }}',
                                    'questionnaire = "q1", population = 3 }}')
    path = mini_survey(tmp_path, GOOD_ROWS, definition)
    with pytest.raises(DefinitionError, match="more than the population of 3"):
        load_survey(path)


def test_value_labels_of_sav_must_agree_with_definition(tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"resp": [1.0, 2.0], "jaar": [2024.0, 2024.0],
                          "aanbeveling": [8.0, 9.0], "kanaal": [1.0, 2.0],
                          "opgelost": [1.0, 2.0], "fte": [1.0, 2.0]})
    pyreadstat.write_sav(frame, tmp_path / "mini_2024.sav",
                         variable_value_labels={"kanaal": {1.0: "chat", 2.0: "telefoon"}})
    path = tmp_path / "mini.toml"
    path.write_text(DEFINITION.format(file="mini_2024.sav"), encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_survey(path)
    assert "mini_2024.sav" in str(info.value) and "'chat'" in str(info.value)
    assert info.value.column == "kanaal"


def test_every_error_is_a_kirc_error():
    for error in (ColumnError, DefinitionError, InputFileError, ParameterError, ScaleError):
        assert issubclass(error, KircError)


def test_surveys_folder_from_environment(tmp_path, monkeypatch):
    mini_survey(tmp_path, GOOD_ROWS)
    monkeypatch.setenv("KIRC_SURVEYS", str(tmp_path))
    assert len(load_survey("mini")) == 4
    with pytest.raises(ParameterError, match="mini"):
        load_survey("klantcontact")
    monkeypatch.delenv("KIRC_SURVEYS")
    other = tmp_path / "elders"
    other.mkdir()
    shutil.copy(tmp_path / "mini.toml", other / "mini.toml")
    shutil.copy(tmp_path / "mini_2024.csv", other / "mini_2024.csv")
    assert len(load_survey("mini", surveys_dir=other)) == 4


def test_harmonise_does_not_modify_its_input():
    definition = survey_definition("sectorscan")
    raw = pd.DataFrame({"organisatie_id": ["ORG-001"], "jaar": [2022], "sector": [3],
                        "omvang": [1], "avg_status": [2], "fte_avg": [0.5],
                        "medewerkers_voorbereid": [1], "privacyverklaring_begrijpelijk": [2]})
    copy = raw.copy()
    frame, counts = harmonise(raw, definition, 2022)
    pd.testing.assert_frame_equal(raw, copy)
    assert frame["avg_ready"].tolist() == [0.0] and counts == {}


def test_mapped_column_dropped_as_personal_data_is_named(tmp_path):
    definition = DEFINITION.replace('id = "resp"', 'id = "klantnummer"')
    path = mini_survey(tmp_path, [], definition)
    rows = ["KN-100001;2024;10;1;1;0,5", "KN-100002;2024;7;2;2;1,2", "KN-100003;2024;8;1;1;0,8",
            "KN-100004;2024;0;2;1;", "KN-100005;2024;9;1;2;1,0", "KN-100006;2024;6;2;1;0,2"]
    (tmp_path / "mini_2024.csv").write_text(
        "\n".join(["klantnummer;jaar;aanbeveling;kanaal;opgelost;fte", *rows]) + "\n",
        encoding="utf-8")
    with pytest.raises(ColumnError, match="holds personal data.*pseudonymise") as info:
        load_survey(path)
    assert info.value.column == "klantnummer"
    frame = load_survey(path, personal_data="pseudonymise", pseudonym_key="k" * 16)
    assert len(frame) == 6 and not frame["id"].str.startswith("KN-").any()
    assert frame["id"].nunique() == 6
