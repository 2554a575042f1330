"""Issue 11: every input that used to come through silently wrong is read right or refused.

Each test writes its own bad input (tmp_path), checks the VALUES read (or the error's file,
column, row and advice), and checks that the input file was not modified.
"""

from __future__ import annotations


import pandas as pd
import pytest

from conftest import read_unchanged, realdata_file
from kirc.errors import InputFileError
from kirc.io import read_survey


_read = read_unchanged


def _write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    with open(path, "w", encoding=encoding, newline=newline) as handle:
        handle.write(text)
    return path


# ---- thousands points --------------------------------------------------------------------

def test_thousands_point_with_decimal_comma_elsewhere(tmp_path):
    path = _write(tmp_path, "bedrag.csv", "id;bedrag;score\n1;1.250;7,5\n2;12.000;8\n3;850;6,5\n"
                                          "4;1.250.000;9\n")
    df, notes = _read(path)
    assert df["bedrag"].tolist() == [1250, 12000, 850, 1250000]
    assert df["score"].tolist() == [7.5, 8.0, 6.5, 9.0]
    assert df.attrs["detected"]["decimal"] == "," and df.attrs["detected"]["thousands"] == "."
    assert notes == []          # decided on evidence (decimal commas in the file): no warning


def test_thousands_point_without_any_decimal_comma_warns(tmp_path):
    # The sample holds no decimal comma at all: ';' separators (Dutch Excel) decide, with a word.
    path = _write(tmp_path, "bedrag.csv", "id;bedrag\n1;1.250\n2;12.000\n3;850\n")
    df, notes = _read(path)
    assert df["bedrag"].tolist() == [1250, 12000, 850]
    assert any("'bedrag'" in n and "decimal='.'" in n for n in notes)
    # ... and the user can overrule it
    df, _ = _read(path, decimal=".")
    assert df["bedrag"].tolist() == [1.25, 12.0, 850.0]


def test_comma_separated_points_stay_decimals(tmp_path):
    path = _write(tmp_path, "en.csv", "id,amount\n1,1.250\n2,12.000\n3,0.5\n")
    df, _ = _read(path)
    assert df["amount"].tolist() == [1.25, 12.0, 0.5]


def test_number_in_another_notation_is_refused_with_line_and_column(tmp_path):
    path = _write(tmp_path, "mix.csv", "id;bedrag;x\n1;1.250;2,5\n2;12.000;3\n3;1.25;4\n")
    with pytest.raises(InputFileError) as err:
        _read(path)
    assert err.value.column == "bedrag" and err.value.file == str(path)
    assert "line 4" in str(err.value) and "'1.25'" in str(err.value)
    assert "decimal=" in str(err.value)


def test_thousands_past_the_sample_are_converted_from_the_whole_column(tmp_path):
    # Only the last row has a thousands point: pandas leaves the column as text, and it is
    # converted over the whole column, not misread later as 1.25.
    rows = "".join(f"{i};{i % 7},5\n" for i in range(1, 30))
    path = _write(tmp_path, "late.csv", "id;bedrag\n" + rows + "30;1.250,5\n")
    df, _ = _read(path, row_offset=0)
    assert df["bedrag"].iloc[-1] == 1250.5 and df["bedrag"].iloc[0] == 1.5
    assert df["bedrag"].dtype == "float64"


# ---- separators, one column, sep= line, CR line ends --------------------------------------

def test_one_column_dutch_csv(tmp_path):
    path = _write(tmp_path, "wacht.csv", "wachttijd\n7,5\n8,0\n12,25\n")
    df, _ = _read(path)
    assert list(df.columns) == ["wachttijd"]
    assert df["wachttijd"].tolist() == [7.5, 8.0, 12.25]
    assert df.index.tolist() == [0, 1, 2]
    decided = {d["what"]: d["decided"] for d in df.attrs["detected"]["decisions"]}
    assert decided["separator"] == "none (one column)" and decided["decimal mark"] == "','"


def test_excel_sep_line_is_used_and_skipped(tmp_path):
    path = _write(tmp_path, "sep.csv", "sep=;\nid;nps;wacht\n1;9;2,5\n2;7;3\n")
    df, _ = _read(path)
    assert list(df.columns) == ["id", "nps", "wacht"]
    assert df["nps"].tolist() == [9, 7] and df["wacht"].tolist() == [2.5, 3.0]
    assert df.attrs["detected"]["header_row"] == 1


def test_cr_only_line_ends(tmp_path):
    path = _write(tmp_path, "mac.csv", "id;nps;opmerking\r1;9;goed\r2;7;traag, maar vriendelijk\r",
                  newline="")
    df, _ = _read(path)
    assert list(df.columns) == ["id", "nps", "opmerking"]
    assert df["nps"].tolist() == [9, 7]
    assert df["opmerking"].tolist() == ["goed", "traag, maar vriendelijk"]


def test_title_line_above_a_csv_table_is_skipped_with_a_warning(tmp_path):
    path = _write(tmp_path, "titel.csv", "Klanttevredenheid 2024\nid;nps;wacht\n1;9;7,5\n2;6;3\n")
    df, notes = _read(path)
    assert list(df.columns) == ["id", "nps", "wacht"] and df["nps"].tolist() == [9, 6]
    assert any("line 2" in n for n in notes)


def test_separator_is_decided_from_many_lines_not_the_first(tmp_path):
    # The header line alone would split on ',' into 2; the table is ';' separated.
    lines = "".join(f"{i};{i % 10};goed, snel\n" for i in range(300))
    path = _write(tmp_path, "many.csv", "id;nps;opmerking, vrij\n" + lines)
    df, _ = _read(path)
    assert list(df.columns) == ["id", "nps", "opmerking, vrij"] and len(df) == 300
    assert df["nps"].sum() == sum(i % 10 for i in range(300))


# ---- duplicates, leading zeros --------------------------------------------------------------

def test_duplicate_column_names_warn_and_say_the_new_names(tmp_path):
    path = _write(tmp_path, "dup.csv", "id,nps,nps\n1,9,8\n2,7,6\n")
    df, notes = _read(path)
    assert df["nps"].tolist() == [9, 7] and df["nps.1"].tolist() == [8, 6]
    assert any("'nps' occurs 2 times" in n and "'nps.1'" in n for n in notes)


def test_leading_zeros_of_ids_are_kept(tmp_path):
    path = _write(tmp_path, "ids.csv", "respnr;nps\n0012;9\n12;7\n0007;5\n")
    df, _ = _read(path)
    assert df["respnr"].tolist() == ["0012", "12", "0007"]
    assert df["nps"].tolist() == [9, 7, 5]


def test_leading_zeros_in_real_school_codes():
    # apiclus1.csv (R survey package): the CDS school code 01612910137588 starts with 0.
    path = realdata_file("survey_api", "apiclus1.csv")
    df, _ = _read(path)
    assert df["cds"].iloc[0] == "01612910137588"
    assert df["cds"].str.len().eq(14).all()
    assert df["api00"].iloc[0] == 608 and df["api00"].dtype == "int64"


# ---- encodings -------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path, encoding):
    path = tmp_path / "u16.csv"
    path.write_bytes("id;oordeel;wacht\n1;geïnformeerd;2,5\n2;prima;3\n".encode(encoding))
    for given in (encoding, None):       # explicit, and detected from the zero bytes
        df, _ = _read(path, encoding=given)
        assert df["oordeel"].tolist() == ["geïnformeerd", "prima"]
        assert df["wacht"].tolist() == [2.5, 3.0]


# ---- a Qualtrics export with a header row deleted -------------------------------------------

_IDS = "StartDate,EndDate,Finished,ResponseId,Q1\n"
_TEXT = "Start Date,End Date,Finished,Response ID,How likely are you to recommend us?\n"
_TAGS = ('"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}",'
         '"{""ImportId"":""finished""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\n')
_DATA = ("2024-03-01 09:00:00,2024-03-01 09:05:00,1,R_a,9\n"
         "2024-03-02 10:00:00,2024-03-02 10:01:00,0,R_b,6\n")


@pytest.mark.parametrize("header, why", [(_IDS + _TAGS, "question texts"),
                                         (_IDS + _TEXT, "ImportId")])
def test_qualtrics_with_one_header_row_deleted(tmp_path, header, why):
    path = _write(tmp_path, "q.csv", header + _DATA)
    df, notes = _read(path)
    assert df.attrs["format"] == "qualtrics"
    assert df["ResponseId"].tolist() == ["R_a", "R_b"]          # no header text as respondent
    assert df["Q1"].tolist() == [9, 6]
    assert any(why in n for n in notes)


def test_qualtrics_without_its_id_row_is_refused(tmp_path):
    path = _write(tmp_path, "q.csv", _TEXT + _TAGS + _DATA)
    with pytest.raises(InputFileError, match="first header row was deleted"):
        _read(path)


@pytest.mark.parametrize("deleted", [1, 2])
def test_real_qualtrics_export_with_a_header_row_deleted(tmp_path, deleted):
    # qualtRics' sample export with its question-text row (1) or ImportId row (2) cut out:
    # the answers must be those of the intact file, none of them a header text.
    original = realdata_file("exports", "qualtRics__sample.csv")
    lines = original.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    damaged = tmp_path / "sample.csv"
    damaged.write_text("".join(lines[:deleted] + lines[deleted + 1:]), encoding="utf-8")
    intact, _ = _read(original)
    df, notes = _read(damaged)
    assert df.attrs["format"] == "qualtrics" and notes
    assert list(df.columns) == list(intact.columns)
    pd.testing.assert_frame_equal(df, intact, check_dtype=False)


def test_load_survey_reads_thousands_in_a_decimal_comma_file(tmp_path):
    from kirc.survey.definition import load_survey

    (tmp_path / "ks_2024.csv").write_text("resp;fte;wacht\n1;1.250;2,5\n2;12.000;3\n3;850;1,5\n",
                                          encoding="utf-8")
    (tmp_path / "ks.toml").write_text(
        'name = "ks"\ntitle = "ks"\nunit = "organisatie"\n'
        '[constructs.fte]\ntype = "number"\nlabel = "Fte"\n'
        '[constructs.wacht]\ntype = "number"\nlabel = "Wachttijd"\n'
        '[questionnaires.q.columns]\nid = "resp"\nfte = "fte"\nwacht = "wacht"\n'
        '[years]\n2024 = { file = "ks_2024.csv", questionnaire = "q" }\n', encoding="utf-8")
    df = load_survey(tmp_path / "ks.toml")
    assert df["fte"].tolist() == [1250.0, 12000.0, 850.0]
    assert df["wacht"].tolist() == [2.5, 3.0, 1.5]


def test_progress_bar_is_off_when_nobody_watches(tmp_path, capsys):
    from kirc.io.reader import _progress_bar

    path = _write(tmp_path, "a.csv", "id;nps\n1;9\n")
    assert _progress_bar(path, None, chunked=False).disable      # pytest: stderr is no tty
    assert not _progress_bar(path, True, chunked=False).disable
    read_survey(path)
    assert capsys.readouterr().err == ""


def test_separator_at_the_end_of_every_data_line(tmp_path):
    # "1;9;" under "id;nps": pandas used to make 'id' the index and shift every value left
    path = _write(tmp_path, "eind.csv", "id;nps\n1;9;\n2;7;\n3;10;\n")
    df, _ = _read(path)
    assert list(df.columns) == ["id", "nps"]
    assert df["id"].tolist() == [1, 2, 3] and df["nps"].tolist() == [9, 7, 10]
    assert df.index.tolist() == [0, 1, 2]


def test_lines_longer_than_the_header_are_refused(tmp_path):
    path = _write(tmp_path, "lang.csv", "id;nps\n1;9;x\n2;7;y\n3;10;z\n")
    with pytest.raises(InputFileError, match="more fields than the header"):
        _read(path)


def test_repeated_qualtrics_ids_are_renamed_with_a_warning(tmp_path):
    header = _IDS.replace("Q1\n", "Q1,Q1\n")
    tags = _TAGS.replace('""QID1""}"\n', '""QID1""}","{""ImportId"":""QID9""}"\n')
    data = _DATA.replace(",9\n", ",9,3\n").replace(",6\n", ",6,4\n")
    path = _write(tmp_path, "q.csv", header + _TEXT.replace("?\n", "?,Nog eens?\n") + tags + data)
    df, notes = _read(path)
    assert df["Q1"].tolist() == [9, 6] and df["Q1_2"].tolist() == [3, 4]
    assert any("'Q1' occurs 2 times" in n and "'Q1_2'" in n for n in notes)
