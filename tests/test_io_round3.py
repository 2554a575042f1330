"""Issue 26 (reading, round three): the shapes real files still took, each class read right or
refused with a KircError naming the file, the row or column and what to do.

Every test builds the file that shows its class (or uses a real file of ../shared/realdata)
and checks the values read, not only that something was read; read_unchanged checks that the
input is never modified.
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from conftest import ROOT, SURVEYS, read_unchanged, realdata_file
from kirc.errors import InputFileError
from kirc.io import read_survey

TABLE = [["id", "sector", "nps", "wachttijd"], [1, "bank", 9, 2.5], [2, "zorg", 6, 4.0],
         [3, "bank", 10, 1.0]]
EXPECTED = pd.DataFrame({"id": [1, 2, 3], "sector": ["bank", "zorg", "bank"],
                         "nps": [9, 6, 10], "wachttijd": [2.5, 4.0, 1.0]})


def workbook(path, rows, merges=(), sheet="Data"):
    """An .xlsx with one sheet of ``rows`` (None = empty cell) and merged ranges."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    for cells in merges:
        book.active.merge_cells(cells)
    book.save(path)
    return path


def same_values(df, expected):
    assert list(df.columns) == list(expected.columns)
    for column in expected.columns:
        assert df[column].tolist() == expected[column].tolist(), column


# ---- Excel header shapes --------------------------------------------------------------------

@pytest.mark.parametrize("above", [[], [["Klanttevredenheid 2024"], [None]]])
@pytest.mark.parametrize("spacers", [1, 2])
def test_excel_header_followed_by_blank_rows(tmp_path, above, spacers):
    path = workbook(tmp_path / "spacer.xlsx", above + TABLE[:1] + [[None]] * spacers + TABLE[1:])
    df, notes = read_unchanged(path)
    same_values(df, EXPECTED)
    detected = df.attrs["detected"]
    assert detected["header_row"] == len(above) and detected["header_rows"] == 1
    why = next(d["why"] for d in detected["decisions"] if d["what"] == "header row")
    assert "between the header and the data" in why
    if above:
        assert any("'Klanttevredenheid 2024'" in n for n in notes)
    else:
        # empty rows are no title or note: decided on evidence, no warning
        assert notes == [] and "title" not in why


def test_excel_merged_two_row_header_followed_by_a_blank_row(tmp_path):
    path = workbook(tmp_path / "merged.xlsx",
                    [["id", "Tevredenheid", None, None, "nps"],
                     [None, "service", "prijs", "snelheid", None], [None],
                     [1, 8, 7, 6, 9], [2, 5, 6, 7, 4]],
                    merges=("B1:D1", "A1:A2", "E1:E2"))
    df, notes = read_unchanged(path)
    assert list(df.columns) == ["id", "Tevredenheid - service", "Tevredenheid - prijs",
                                "Tevredenheid - snelheid", "nps"]
    assert df["id"].tolist() == [1, 2] and df["nps"].tolist() == [9, 4]
    assert df.attrs["detected"]["header_rows"] == 2
    assert any("two header rows" in n for n in notes)


def test_excel_group_name_covers_exactly_its_merged_cells(tmp_path):
    # no vertical merges: the group row is blank above 'id' and 'nps'
    path = workbook(tmp_path / "groups.xlsx",
                    [[None, "Tevredenheid", None, None, None],
                     ["id", "service", "prijs", "snelheid", "nps"], [1, 8, 7, 6, 9]],
                    merges=("B1:D1",))
    df, _ = read_unchanged(path)
    assert list(df.columns) == ["id", "Tevredenheid - service", "Tevredenheid - prijs",
                                "Tevredenheid - snelheid", "nps"]


def test_excel_lines_of_text_as_wide_as_the_table_are_not_the_header(tmp_path):
    notes_above = [["Toelichting", "Deze tabel", "bevat de", "antwoorden"],
                   ["Bron", "online", "panel", "2024"],
                   ["Methode", "gewogen", "naar", "regio"],
                   ["Vragen", "zie", "bijlage", "A"]]
    path = workbook(tmp_path / "wide.xlsx", notes_above + TABLE)
    df, notes = read_unchanged(path)
    same_values(df, EXPECTED)
    assert df.attrs["detected"]["header_row"] == 4
    assert any("row(s) 1-4 above it hold text" in n and "'Toelichting'" in n for n in notes)


@pytest.mark.parametrize("table, notes_below, expected", [
    # a two-column table: a note in the number column
    ([["id", "nps"], [1, 9], [2, 7], [3, 8]], [["* nps op een schaal 0-10"], ["Bron: panel"]],
     {"id": [1, 2, 3], "nps": [9, 7, 8]}),
    # a source line over two cells, after a blank row
    ([["id", "sector", "nps"], [1, "bank", 9], [2, "zorg", 7]], [[None], ["Bron:", "CBS"]],
     {"id": [1, 2], "sector": ["bank", "zorg"], "nps": [9, 7]}),
    # a copyright line in a text column
    ([["sector", "n", "nps"], ["bank", 120, 21.5], ["zorg", 80, -3.0]],
     [["© Klantcontact Instituut 2024"]],
     {"sector": ["bank", "zorg"], "n": [120, 80], "nps": [21.5, -3.0]}),
])
def test_excel_footnotes_below_the_table_are_left_out(tmp_path, table, notes_below, expected):
    path = workbook(tmp_path / "voet.xlsx", table + notes_below)
    df, notes = read_unchanged(path)
    same_values(df, pd.DataFrame(expected))
    numbers = [c for c, v in expected.items() if not isinstance(v[0], str)]
    assert all(pd.api.types.is_numeric_dtype(df[c]) for c in numbers)
    assert any("below the table" in n and "left out" in n for n in notes)


def test_excel_last_respondent_is_not_taken_for_a_note(tmp_path):
    path = workbook(tmp_path / "laatste.xlsx",
                    [["id", "opmerking", "nps"], [1, "prima", 9], [2, None, 7], [3, None, 8]])
    df, notes = read_unchanged(path)
    assert df["id"].tolist() == [1, 2, 3] and notes == []


# ---- a survey platform's export saved as Excel ----------------------------------------------

def qualtrics_rows(n=5):
    ids = ["StartDate", "EndDate", "Finished", "ResponseId", "Q1", "Q2"]
    texts = ["Start Date", "End Date", "Finished", "Response ID",
             "Hoe waarschijnlijk is het dat u ons aanbeveelt?", "Toelichting"]
    tags = ['{"ImportId":"startDate"}', '{"ImportId":"endDate"}', '{"ImportId":"finished"}',
            '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_TEXT"}']
    answers = [[dt.datetime(2024, 3, i + 1, 9, 30), dt.datetime(2024, 3, i + 1, 9, 41), 1,
                f"R_{i:04d}", i % 11, "prima" if i % 2 else None] for i in range(n)]
    return [ids, texts, tags] + answers


def test_qualtrics_export_saved_as_excel_is_read_as_qualtrics(tmp_path):
    rows = qualtrics_rows()
    path = workbook(tmp_path / "qualtrics.xlsx", rows)
    df, _ = read_unchanged(path)
    assert df.attrs["format"] == "qualtrics" and df.attrs["detected"]["sheet"] == "Data"
    assert len(df) == 5            # no question-text or ImportId row taken for a respondent
    assert df["Q1"].tolist() == [0, 1, 2, 3, 4]
    assert df["ResponseId"].tolist() == [f"R_{i:04d}" for i in range(5)]
    assert df.attrs["variable_labels"]["Q1"].startswith("Hoe waarschijnlijk")
    assert df.attrs["detected"]["import_ids"]["Q1"] == "QID1"
    assert df["StartDate"].iloc[0] == pd.Timestamp("2024-03-01 09:30")
    # the same export as CSV gives the same frame
    export = tmp_path / "qualtrics.csv"
    with open(export, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if v is None else v.strftime("%Y-%m-%d %H:%M:%S")
                             if isinstance(v, dt.datetime) else v for v in row])
    from_csv, _ = read_unchanged(export)
    pd.testing.assert_frame_equal(df, from_csv)
    # asked for as a plain sheet, it is read as one
    plain, _ = read_unchanged(path, source="generic")
    assert plain.attrs["format"] == "xlsx" and plain.attrs["detected"]["platform"] is None


def test_real_qualtrics_export_saved_as_excel(tmp_path):
    source = realdata_file("exports", "qualtRics__sample.csv")
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    path = workbook(tmp_path / "sample.xlsx", [[c or None for c in row] for row in rows])
    df, _ = read_unchanged(path)
    expected, _ = read_unchanged(source)
    assert df.attrs["format"] == expected.attrs["format"] == "qualtrics"
    assert df.shape == expected.shape
    assert list(df.columns) == list(expected.columns)
    assert df.attrs["variable_labels"] == expected.attrs["variable_labels"]


# ---- damaged workbooks ------------------------------------------------------------------------

def truncated_worksheet(tmp_path):
    whole = workbook(tmp_path / "heel.xlsx", TABLE * 40)
    path = tmp_path / "afgekapt.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[:len(data) // 2]       # the zip is whole, the sheet's XML is cut
            target.writestr(item, data)
    return path


def test_truncated_worksheet_is_an_input_file_error(tmp_path):
    path = truncated_worksheet(tmp_path)
    with pytest.raises(InputFileError) as err:
        read_unchanged(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "worksheet 'Data'" in message
    assert "cut off" in message and "save it again" in message


def test_kirc_inspect_on_a_truncated_worksheet_says_one_line_with_status_2(tmp_path):
    path = truncated_worksheet(tmp_path)
    run = subprocess.run([sys.executable, "-m", "kirc.cli", "inspect", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kirc inspect: ") and "Traceback" not in \
        run.stderr


# ---- python-calamine reads the same cells as openpyxl ----------------------------------------

def test_calamine_reads_the_same_cells_as_openpyxl(tmp_path):
    pytest.importorskip("python_calamine")
    books = [workbook(tmp_path / "kinds.xlsx", [
        ["id", "datum", "tijd", "ok", "aandeel", "code", "duur", "leeg"],
        [1, dt.date(2024, 3, 1), dt.time(10, 30), True, 0.25, "007",
         dt.timedelta(hours=30), None],
        [2, dt.datetime(2024, 3, 2, 11, 5), dt.time(11, 0), False, 0.5, "NA", None, None],
        [3.5, None, None, None, 1, "x", None, "=1/0"]])]
    books.append(workbook(tmp_path / "qualtrics.xlsx", qualtrics_rows()))
    books.append(workbook(tmp_path / "merged.xlsx", [["id", "T", None], [None, "a", "b"],
                                                     [1, 2, 3]], merges=("B1:C1",)))
    books += sorted(SURVEYS.glob("*.xlsx"))
    for path in books:
        theirs = pd.read_excel(path, header=None, sheet_name=None, engine="openpyxl")
        ours = pd.read_excel(path, header=None, sheet_name=None, engine="calamine")
        assert list(ours) == list(theirs), path
        for name in theirs:
            pd.testing.assert_frame_equal(ours[name], theirs[name])
    df, _ = read_unchanged(SURVEYS / "klantcontact_2023.xlsx")
    assert df.attrs["detected"]["reader"] == "calamine"



# ---- official statistics CSV files -----------------------------------------------------------

CBS = '''"Bevolking; geslacht, leeftijd en burgerlijke staat, 1 januari"

"Onderwerp";"Bevolking";"Bevolking";"Bevolking"
"Geslacht";"Totaal mannen en vrouwen";"Mannen";"Vrouwen"
"Perioden";"aantal";"aantal";"aantal"

{rows}

"Bron: CBS StatLine"
"© Centraal Bureau voor de Statistiek, Den Haag/Heerlen 14-06-2024"
'''

ELECTION = '''Uitslag gemeenteraadsverkiezing,,,
Gemeente Voorbeeld,,,
,,,
Partij,Stemmen,,Zetels
,aantal,procent,
{rows}
,,,
* voorlopige uitslag
(c) Kiesraad
'''


def cbs_rows(years):
    return "\n".join(f'"{year}";"{17_000_000 + i}";"{8_500_000 + i}";"{8_500_000 - i}"'
                     for i, year in enumerate(years))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_official_statistics_csv_with_a_header_of_three_rows(tmp_path, encoding):
    path = tmp_path / "bevolking.csv"
    path.write_text(CBS.format(rows=cbs_rows([2020, 2021, 2022])), encoding=encoding)
    df, notes = read_unchanged(path)
    assert list(df.columns) == ["Onderwerp - Geslacht - Perioden",
                                "Bevolking - Totaal mannen en vrouwen - aantal",
                                "Bevolking - Mannen - aantal", "Bevolking - Vrouwen - aantal"]
    assert df.iloc[:, 0].tolist() == [2020, 2021, 2022]
    assert df["Bevolking - Mannen - aantal"].tolist() == [8_500_000, 8_500_001, 8_500_002]
    assert all(pd.api.types.is_integer_dtype(df[c]) for c in df.columns)
    assert df.attrs["detected"]["header_rows"] == 3 and df.attrs["detected"]["header_row"] == 2
    assert any("lines 3-5 name the columns together" in n for n in notes)
    assert any("line(s) 11, 12 below the table" in n and "Bron: CBS StatLine" in n
               for n in notes)
    assert any("line(s) 1 above it" in n for n in notes)


def test_election_results_with_groups_units_and_notes(tmp_path):
    rows = "\n".join(f"{party},{votes},{share},{seats}" for party, votes, share, seats in
                     [("Partij A", 5120, "41.2", 8), ("Partij B", 3001, "24.1", 5),
                      ("Partij C", 4310, "34.7", 6)])
    path = tmp_path / "uitslag.csv"
    path.write_text(ELECTION.format(rows=rows), encoding="utf-8")
    df, notes = read_unchanged(path)
    assert list(df.columns) == ["Partij", "Stemmen - aantal", "Stemmen - procent", "Zetels"]
    assert df["Partij"].tolist() == ["Partij A", "Partij B", "Partij C"]
    assert df["Stemmen - aantal"].tolist() == [5120, 3001, 4310]
    assert df["Stemmen - procent"].tolist() == [41.2, 24.1, 34.7]
    assert df["Zetels"].tolist() == [8, 5, 6]
    assert any("voorlopige uitslag" in n and "left out" in n for n in notes)


def test_notes_at_the_end_of_a_file_larger_than_the_sample(tmp_path):
    years = list(range(1, 60_001))
    path = tmp_path / "groot.csv"
    path.write_text(CBS.format(rows=cbs_rows(years)), encoding="utf-8")
    assert path.stat().st_size > 1 << 20                  # past the 1 MiB sample
    df, notes = read_unchanged(path)
    assert len(df) == len(years) and df.iloc[-1, 0] == years[-1]
    assert pd.api.types.is_integer_dtype(df.iloc[:, 0])
    assert any("last 3 line(s) of the file hold only a note" in n for n in notes)
    chunks = list(read_survey(path, chunksize=25_000, personal_data="keep"))
    assert sum(map(len, chunks)) == len(years) and chunks[-1].iloc[-1, 0] == years[-1]


# ---- lines longer than the header, whatever the size of the file -----------------------------

@pytest.mark.parametrize("rows", [2, 5, 30_000])
def test_a_line_longer_than_the_header_is_refused_naming_it(tmp_path, rows):
    lines = ["id;nps"] + [f"{i};{i % 11}" for i in range(1, rows + 1)]
    lines[2] = "2;7;x"
    path = tmp_path / "kort.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_unchanged(path)
    assert str(err.value) == (f"{path}: line 3 has more fields than the header (3, the header "
                              "2): correct that line, or check the separator (sep=) and the "
                              "header row (header_row=)")


def test_a_one_column_file_with_commas_in_its_answers_stays_one_column(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text("opmerking\nsnel, goed geholpen\nprima\nte duur, te traag, te laat\n",
                    encoding="utf-8")
    df, _ = read_unchanged(path)
    assert df["opmerking"].tolist() == ["snel, goed geholpen", "prima",
                                        "te duur, te traag, te laat"]


# ---- linear in the number of columns -----------------------------------------------------------

def test_a_header_of_100000_columns_with_repeated_names(tmp_path):
    n = 100_000
    header = ";".join(f"v{i % (n // 2)}" for i in range(n))
    rows = "\n".join(";".join(str((i + r) % 10) for i in range(n)) for r in range(2))
    path = tmp_path / "breed.csv"
    path.write_text(header + "\n" + rows + "\n", encoding="utf-8")
    df, notes = read_unchanged(path)
    assert df.shape == (2, n)
    assert df.columns[n // 2] == "v0.1" and df["v0.1"].tolist() == [0, 1]
    [note] = [n for n in notes if "duplicate column names" in n]
    assert "'v0' occurs 2 times (columns 1, 50001)" in note
    assert "and 49995 more names occur more than once" in note and len(note) < 1000


def test_a_first_respondent_of_text_answers_is_not_taken_for_the_header(tmp_path):
    # the first respondent answered with texts only ("weet niet" where others gave a score)
    rows = [["respondent", "regio", "opgelost", "score"], ["R1", "Noord", "Ja", "weet niet"],
            ["R2", "Zuid", "Nee", 7], ["R3", "Noord", "Ja", 9], ["R4", "Zuid", "Ja", 6]]
    path = workbook(tmp_path / "tekst.xlsx", rows)
    df, notes = read_unchanged(path)
    assert list(df.columns) == rows[0] and df["respondent"].tolist() == ["R1", "R2", "R3", "R4"]
    assert df.attrs["detected"]["header_row"] == 0 and notes == []
    csv_path = tmp_path / "tekst.csv"
    csv_path.write_text("\n".join(";".join("" if v is None else str(v) for v in row)
                                  for row in rows) + "\n", encoding="utf-8")
    df, notes = read_unchanged(csv_path)
    assert list(df.columns) == rows[0] and len(df) == 4 and notes == []


def test_excel_statistical_table_with_a_header_of_three_rows(tmp_path):
    path = workbook(tmp_path / "statline.xlsx", [
        ["Bevolking; geslacht, 1 januari"], [None],
        ["Onderwerp", "Bevolking", "Bevolking"], ["Geslacht", "Mannen", "Vrouwen"],
        ["Perioden", "aantal", "aantal"], [None],
        [2020, 8648031, 8759554], [2021, 8686536, 8788879], [None],
        ["© Centraal Bureau voor de Statistiek"]])
    df, notes = read_unchanged(path)
    assert list(df.columns) == ["Onderwerp - Geslacht - Perioden", "Bevolking - Mannen - aantal",
                                "Bevolking - Vrouwen - aantal"]
    assert df.iloc[:, 0].tolist() == [2020, 2021]
    assert df["Bevolking - Vrouwen - aantal"].tolist() == [8759554, 8788879]
    assert df.attrs["detected"]["header_rows"] == 3
    assert any("3 header rows: rows 3-5" in n for n in notes)
    assert any("© Centraal Bureau" in n and "left out" in n for n in notes)
