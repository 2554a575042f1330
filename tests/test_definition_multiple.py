"""A multiple-response construct in a survey definition (``type = "multiple"``).

One harmonised 0/1 column per option, whatever form each year's export keeps the question in:
one 0/1 (or selected/empty) column per option, or one column naming the options chosen
(Google Forms' "a, b, c"), or several such columns (an SPSS category set). NaN where the
question was not answered or the option not asked; an explicit "none of these" option changes
what an empty answer means. The expected columns below are written out by hand from the
files' cells.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import kirc

HEAD = """
name = "proef"
title = "Proef"
unit = "respondenten"

[constructs.kanalen]
type = "multiple"
label = "Welke kanalen gebruikte u het afgelopen jaar?"
options = { telefoon = "Telefoon", email = "E-mail", social = "Social media, forums", app = "App"{more} }
options_en = { telefoon = "Telephone", email = "E-mail", social = "Social media, forums", app = "App"{more_en} }
missing = { 99 = "weet niet" }
{extra}

[constructs.opgelost]
type = "binary"
label = "Opgelost"
positive = [1]
"""


def _write(folder, files: dict, mappings: dict, extra: str = "", more: str = "",
           more_en: str = "") -> str:
    """A definition with one questionnaire per year (``mappings``: year -> the kanalen entry);
    ``extra`` keys of the construct, ``more`` options (Dutch and English)."""
    text = HEAD.replace("{extra}", extra).replace("{more}", more).replace("{more_en}", more_en)
    for year, mapping in mappings.items():
        text += f'\n[questionnaires.q{year}.columns]\nkanalen = {mapping}\nopgelost = "opgelost"\n'
    text += "\n[years]\n" + "".join(
        f'{year} = {{ file = "{year}.csv", questionnaire = "q{year}" }}\n' for year in mappings)
    for year, content in files.items():
        (folder / f"{year}.csv").write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")
    path = folder / "proef.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


COLUMNS = ["kanalen_telefoon", "kanalen_email", "kanalen_social", "kanalen_app"]
NAN = np.nan


def test_every_form_gives_one_column_per_option(tmp_path):
    files = {
        # one column per option, 0/1; a blank row did not answer, all zeros answered "none"
        2021: """\
            tel;mail;soc;opgelost
            1;0;1;1
            0;0;0;1
            ;;;0
            99;1;;1
            """,
        # one column naming the options (a label holds the separator); the app not yet asked
        2022: """\
            kanalen;opgelost
            "Telefoon, Social media, forums";1
            ;0
            e-mail;1
            99;1
            """,
        # selected/empty columns that hold the option's text (SurveyMonkey); app added
        2023: """\
            t;m;s;a;opgelost
            Telefoon;;;App;1
            ;;;;1
            ;E-mail;;;0
            """,
    }
    path = _write(tmp_path, files, {
        2021: '{ telefoon = "tel", email = "mail", social = "soc" }',
        2022: '{ column = "kanalen", asked = ["telefoon", "email", "social"] }',
        2023: '{ telefoon = "t", email = "m", social = "s", app = "a" }'})
    df = kirc.load_survey(path)
    expected = pd.DataFrame([
        [1, 0, 1, NAN], [0, 0, 0, NAN], [NAN] * 4, [0, 1, 0, NAN],       # 2021
        [1, 0, 1, NAN], [NAN] * 4, [0, 1, 0, NAN], [NAN] * 4,             # 2022
        [1, 0, 0, 1], [NAN] * 4, [0, 1, 0, 0]], columns=COLUMNS)         # 2023
    pd.testing.assert_frame_equal(df[COLUMNS].reset_index(drop=True), expected,
                                  check_dtype=False)
    # the 99 "weet niet" of 2021 (a cell) and 2022 (the whole answer) are counted
    assert df.info.missing_counts[2021]["kanalen"] == {"weet niet": 1}
    assert df.info.missing_counts[2022]["kanalen"] == {"weet niet": 1}
    spec = df.info.constructs["kanalen"]
    assert dict(spec["options"]) == {"Telefoon": "kanalen_telefoon", "E-mail": "kanalen_email",
                                     "Social media, forums": "kanalen_social",
                                     "App": "kanalen_app"}
    assert list(spec["options_en"])[0] == "Telephone"
    # by name, the app's base is the year that asked it; the others' every year answering
    out = kirc.multiple_response(df, "kanalen", weights=None).set_index("option")
    assert out.loc["App", "n"] == 2 and out.loc["Telefoon", "n"] == 7
    assert out.loc["App", "estimate"] == pytest.approx(50.0)
    assert out.loc["Telefoon", "estimate"] == pytest.approx(100 * 3 / 7)


def test_none_of_these_makes_an_empty_answer_unanswered(tmp_path):
    files = {2024: """\
        tel;mail;geen;opgelost
        1;0;0;1
        0;0;1;1
        0;0;0;1
        """}
    path = _write(tmp_path, files, {2024: '{ telefoon = "tel", email = "mail", geen = "geen" }'},
                  extra='none = "geen"', more=', geen = "Geen van deze"',
                  more_en=', geen = "None of these"')
    df = kirc.load_survey(path)
    # the third respondent chose nothing, not even "none of these": not answered
    np.testing.assert_array_equal(df["kanalen_geen"].to_numpy(), [0, 1, NAN])
    np.testing.assert_array_equal(df["kanalen_telefoon"].to_numpy(), [1, 0, NAN])


def test_codes_in_a_naming_column_and_in_several_columns(tmp_path):
    files = {2024: """\
        k1;k2;opgelost
        1;3;1
        2;;1
        ;;0
        """}
    path = _write(tmp_path, files, {2024: '["k1", "k2"]'},
                  extra="codes = { telefoon = 1, email = 2, social = 3, app = 4 }")
    df = kirc.load_survey(path)
    expected = pd.DataFrame([[1, 0, 1, 0], [0, 1, 0, 0], [NAN] * 4], columns=COLUMNS)
    pd.testing.assert_frame_equal(df[COLUMNS], expected, check_dtype=False)


@pytest.mark.parametrize("mapping, content, message", [
    ('"kanalen"', "kanalen;opgelost\nTelefoon, Fax;1\n",
     r"2024\.csv, column 'kanalen': .*answer\(s\) that are none of its options: 'Fax'"),
    ('{ column = "kanalen", asked = ["telefoon"] }', "kanalen;opgelost\nE-mail;1\n",
     r"column 'kanalen': .*name option\(s\) 'email', which questionnaire 'q2024' does not ask"),
    ('{ telefoon = "tel", email = "mail" }', "tel;mail;opgelost\n1;2;1\n0;1;1\n",
     r"2024\.csv, column 'mail': 1 value\(s\) of option 'email' .* neither selected .*: 2"),
    ('{ telefoon = "tel", email = "mial" }', "tel;mail;opgelost\n1;0;1\n",
     r"column 'mial'.*maps to 'kanalen'.*is not in the file; did you mean 'mail'"),
])
def test_bad_input_names_file_column_and_problem(tmp_path, mapping, content, message):
    (tmp_path / "2024.csv").write_text(content, encoding="utf-8")
    path = _write(tmp_path, {}, {2024: mapping})
    with pytest.raises((kirc.ScaleError, kirc.ColumnError), match=message):
        kirc.load_survey(path)
    assert (tmp_path / "2024.csv").read_text(encoding="utf-8") == content


@pytest.mark.parametrize("change, message", [
    (('options = {', 'options = { ok = "Telefoon", '), "two options have the same label"),
    (('app = "App" }', 'app = "App", column = "Kolom" }'), "'column' cannot be an option key"),
    (('missing = { 99 = "weet niet" }', 'none = "geen"'), "none = 'geen' must be the key"),
    (('missing = { 99 = "weet niet" }', 'missing = [1]'), "declared both valid and missing"),
    (('options_en = { telefoon = "Telephone", ', 'options_en = { '),
     "options_en lacks option\\(s\\) 'telefoon'"),
    (('kanalen = { telefoon = "tel" }', 'kanalen = { telefon = "tel" }'),
     "maps 'telefon', which is not one of its options \\(did you mean 'telefoon'\\?\\)"),
    (('[constructs.opgelost]', '[constructs.kanalen_app]\ntype = "number"\nlabel = "x"\n'
      '[constructs.opgelost]'), "makes the column 'kanalen_app', which is already construct"),
])
def test_definition_errors_name_the_construct(tmp_path, change, message):
    path = _write(tmp_path, {2024: "tel;opgelost\n1;1\n"}, {2024: '{ telefoon = "tel" }'})
    text = open(path, encoding="utf-8").read()
    assert change[0] in text
    open(path, "w", encoding="utf-8").write(text.replace(change[0], change[1], 1))
    with pytest.raises(kirc.DefinitionError, match=message):
        kirc.survey_definition(path)


def test_an_indicator_on_a_multiple_construct(tmp_path):
    path = _write(tmp_path, {2024: "tel;mail;opgelost\n1;0;1\n1;1;0\n"},
                  {2024: '{ telefoon = "tel", email = "mail" }'})
    definition = kirc.survey_definition(path)
    # without [indicators] the catalogue shows it, metric "multiple"
    assert definition["indicators"]["kanalen"]["metric"] == "multiple"
    text = open(path, encoding="utf-8").read()
    open(path, "w", encoding="utf-8").write(text + '\n[indicators.kanalen]\nmetric = "share"\n'
                                            'construct = "kanalen"\n')
    with pytest.raises(kirc.DefinitionError, match="needs a construct of type binary"):
        kirc.survey_definition(path)
