"""Issue 11: Excel layouts, damaged SPSS/Stata headers, odd files and Stata %tC datetimes."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import read_unchanged, realdata_file
from kirc.errors import InputFileError
from kirc.io import read_survey


_read = read_unchanged


def _workbook(path, sheets: dict):
    """sheets: name -> list of rows; a row is a list of cell values (None = empty)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return book


# ---- Excel ---------------------------------------------------------------------------------

TABLE = [["id", "sector", "nps", "wachttijd"], [1, "bank", 9, 2.5], [2, "zorg", 6, 4.0],
         [3, "bank", 10, 1.0]]


def test_excel_title_and_notes_above_the_table(tmp_path):
    path = tmp_path / "titel.xlsx"
    _workbook(path, {"Data": [["Klanttevredenheid 2024", None, "december"],
                              ["Bron: panel, n = 3"], [None]] + TABLE})
    df, notes = _read(path)
    assert list(df.columns) == ["id", "sector", "nps", "wachttijd"]
    assert df["nps"].tolist() == [9, 6, 10] and df["sector"].tolist() == ["bank", "zorg", "bank"]
    assert df.attrs["detected"]["header_row"] == 3
    assert any("row 4" in n for n in notes)


def test_excel_notes_below_the_table_are_not_respondents(tmp_path):
    path = tmp_path / "voet.xlsx"
    _workbook(path, {"Data": TABLE + [[None], ["* wachttijd in minuten"],
                                      ["Bron: KIRC klantpanel 2024"]]})
    df, notes = _read(path)
    assert len(df) == 3
    assert df["nps"].tolist() == [9, 6, 10] and df["id"].dtype == "int64"
    assert any("wachttijd in minuten" in n and "left out" in n for n in notes)


def test_excel_merged_two_row_header(tmp_path):
    import openpyxl

    path = tmp_path / "merged.xlsx"
    book = _workbook(path, {"Data": [
        ["id", "Tevredenheid", None, None, "nps"],
        [None, "service", "prijs", "snelheid", None],
        [1, 8, 7, 6, 9], [2, 5, 6, 7, 4]]})
    sheet = book["Data"]
    sheet.merge_cells("B1:D1")
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("E1:E2")
    book.save(path)
    df, notes = _read(path)
    assert list(df.columns) == ["id", "Tevredenheid - service", "Tevredenheid - prijs",
                                "Tevredenheid - snelheid", "nps"]
    assert df["Tevredenheid - prijs"].tolist() == [7, 6] and df["nps"].tolist() == [9, 4]
    assert len(df) == 2 and df.attrs["detected"]["header_rows"] == 2
    assert any("two header rows" in n for n in notes)
    assert openpyxl.load_workbook(path)["Data"]["B1"].value == "Tevredenheid"


def test_excel_first_sheet_with_only_a_note_is_skipped(tmp_path):
    path = tmp_path / "toelichting.xlsx"
    _workbook(path, {"Toelichting": [["Deze map bevat de ruwe antwoorden van 2024."]],
                     "Data": TABLE})
    df, notes = _read(path)
    assert df.shape == (3, 4) and df["nps"].tolist() == [9, 6, 10]
    assert df.attrs["detected"]["sheet"] == "Data"
    assert any("'Toelichting'" in n for n in notes)
    # asked for by position, the note sheet is refused with the way out
    with pytest.raises(InputFileError, match="holds no table.*'Data'"):
        read_survey(path, sheet=0)


def test_excel_duplicate_headers_warn(tmp_path):
    path = tmp_path / "dup.xlsx"
    _workbook(path, {"Data": [["id", "nps", "nps"], [1, 9, 8], [2, 7, 6]]})
    df, notes = _read(path)
    assert df["nps"].tolist() == [9, 7] and df["nps.1"].tolist() == [8, 6]
    assert any("'nps' occurs 2 times" in n for n in notes)


# ---- damaged SPSS and Stata headers --------------------------------------------------------

def _sav(tmp_path, name="ok.sav", compress=False):
    import pyreadstat

    path = tmp_path / name
    pyreadstat.write_sav(pd.DataFrame({"nps": [9.0, 6.0, 10.0], "t": ["a", "b", "c"]}), path,
                         compress=compress)
    return path


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("cases", [10 ** 8, 10 ** 9])
def test_sav_header_claiming_too_many_cases_is_refused_before_reading(tmp_path, cases,
                                                                      compress):
    path = _sav(tmp_path, "ok.zsav" if compress else "ok.sav", compress)
    raw = bytearray(path.read_bytes())
    raw[80:84] = struct.pack("<i", cases)
    bad = tmp_path / ("bad.zsav" if compress else "bad.sav")
    bad.write_bytes(bytes(raw))
    started = time.perf_counter()
    with pytest.raises(InputFileError, match=f"declares {cases:,} cases") as err:
        _read(bad)
    assert time.perf_counter() - started < 2      # refused from the header, nothing allocated
    assert err.value.file == str(bad)
    # the undamaged file reads, with its values
    assert _read(path)[0]["nps"].tolist() == [9.0, 6.0, 10.0]


def test_real_sav_files_pass_the_case_count_guard():
    path = realdata_file("sav", "pspp__nhtsa.sav")
    df, _ = _read(path)
    assert df.shape == (6999, 121)      # PSPP 1.6.2 SYSFILE INFO: 6999 cases, 121 variables


def test_dta_header_claiming_too_many_observations(tmp_path):
    import pyreadstat

    path = tmp_path / "ok.dta"
    pyreadstat.write_dta(pd.DataFrame({"nps": [9.0, 6.0]}), path)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"<N>") + 3
    raw[at:at + 8] = struct.pack("<Q", 10 ** 9)
    bad = tmp_path / "bad.dta"
    bad.write_bytes(bytes(raw))
    with pytest.raises(InputFileError, match="declares 1,000,000,000 observations"):
        _read(bad)


# ---- files that are not regular, or not readable -------------------------------------------

def test_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(InputFileError, match="named pipe"):
        read_survey(fifo)
    assert time.perf_counter() - started < 2


def test_permission_denied_is_an_input_file_error(tmp_path, monkeypatch):
    # The suite may run as root, for whom chmod does not deny anything: make stat() fail the
    # way it does for a file inside a folder the user cannot enter.
    path = tmp_path / "geheim" / "export.csv"
    path.parent.mkdir()
    path.write_text("id;nps\n1;9\n")
    real_stat = os.stat

    def denied(target, *args, **kwargs):
        if Path(target) == path:
            raise PermissionError(13, "Permission denied", str(target))
        return real_stat(target, *args, **kwargs)

    monkeypatch.setattr(os, "stat", denied)
    with pytest.raises(InputFileError, match="permission denied") as err:
        read_survey(path)
    assert err.value.file == str(path)


# ---- Stata %tC -------------------------------------------------------------------------------

def _ms(text: str) -> float:
    return float((np.datetime64(text, "ms") - np.datetime64("1960-01-01", "ms")).astype("int64"))


def test_stata_tC_leap_seconds(tmp_path):
    import pyreadstat

    # %tC counts leap seconds: value = %tc value + 1000 ms per leap second inserted before it
    # (IERS Bulletin C: 25 by 2012-07-01, 26 by 2015-07-01, 27 by 2017-01-01; Stata's Cofc()).
    stamps = ["1970-06-01 12:00:00", "2013-05-05 08:30:00", "2016-01-01 00:00:00",
              "2020-01-01 00:00:00"]
    leap = [0, 25, 26, 27]
    values = [_ms(s) + 1000 * k for s, k in zip(stamps, leap)]
    path = tmp_path / "tijden.dta"
    pyreadstat.write_dta(pd.DataFrame({"tC": values, "tc": [_ms(s) for s in stamps]}), path,
                         variable_format={"tC": "%tC", "tc": "%tc"})
    df, _ = _read(path)
    expected = pd.to_datetime(stamps).tolist()
    assert df["tC"].tolist() == expected
    assert df["tc"].tolist() == expected
