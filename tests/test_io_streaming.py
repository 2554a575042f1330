"""Issue 11: platform exports stream with chunksize; chunks equal the whole read."""

from __future__ import annotations

import hashlib
import warnings

import pandas as pd

from conftest import realdata_file
from kirc.io import read_survey


def _export(path, rows: int) -> None:
    lines = ["StartDate,EndDate,Finished,ResponseId,Q1,Q2",
             "Start Date,End Date,Finished,Response ID,Aanbevelen?,Toelichting",
             '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}",'
             '"{""ImportId"":""finished""}","{""ImportId"":""_recordId""}",'
             '"{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}"']
    for i in range(rows):
        q2 = "" if i % 3 else f"antwoord {i}"
        lines.append(f"2024-03-01 09:{i % 60:02d}:00,2024-03-01 10:{i % 60:02d}:00,1,"
                     f"R_{i:06d},{i % 11},{q2}")
    # a value past the first chunk that makes Q1 a float column: decided from the whole column
    lines[-1] = lines[-1].replace(f",{(rows - 1) % 11},", ",7.5,")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def test_chunked_platform_read_equals_the_whole_read(tmp_path):
    path = tmp_path / "qualtrics.csv"
    _export(path, 2500)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = read_survey(path)
        chunks = list(read_survey(path, chunksize=1000))
        part = list(read_survey(path, chunksize=300, row_offset=1200, row_limit=700))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    joined = pd.concat(chunks)
    pd.testing.assert_frame_equal(joined, whole)
    assert whole["Q1"].dtype == "float64" and chunks[0]["Q1"].dtype == "float64"
    assert whole["Q1"].iloc[-1] == 7.5 and whole["Q1"].iloc[13] == 2.0
    assert whole["StartDate"].iloc[61] == pd.Timestamp("2024-03-01 09:01:00")
    assert whole["Q2"].iloc[3] == "antwoord 3" and pd.isna(whole["Q2"].iloc[4])
    assert all(c.attrs["format"] == "qualtrics" for c in chunks)
    assert [len(c) for c in part] == [300, 300, 100]
    pd.testing.assert_frame_equal(pd.concat(part), whole.iloc[1200:1900])


def test_chunked_real_surveymonkey_style_export_equals_whole():
    path = realdata_file("exports", "ohbm__public_survey_data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = read_survey(path)
        chunks = list(read_survey(path, chunksize=100))
    assert len(whole) == 311 and [len(c) for c in chunks] == [100, 100, 100, 11]
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)
