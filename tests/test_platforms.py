"""Survey-platform exports: detection and reading (kirc.io.platforms).

The real exports in ../shared/realdata/exports were read by hand (``head``, Python's ``csv``
module) and the expected values below were taken from the raw files; the synthetic files in
``tmp_path`` test each format's logic without ../shared/.
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import realdata_file

from kirc.io import platforms
from kirc.errors import InputFileError, ParameterError


def head_text(path) -> str:
    """The decoded first 64 KB, BOM removed: what kirc.io gives platforms.detect."""
    return path.read_bytes()[:65536].decode("utf-8").lstrip("\ufeff")


def read_export(path):
    text = head_text(path)
    kind = platforms.detect(path, text)
    assert kind is not None, f"{path.name} not recognised"
    return kind, platforms.read(path, kind, text=text, encoding="utf-8")


def write(tmp_path, name, text, *, bom=False, newline="\n"):
    path = tmp_path / name
    data = text.replace("\n", newline).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def raw_rows(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as handle:
        return [row for row in csv.reader(handle) if row]


# ---------------------------------------------------------------------------------------------
# real exports


def test_qualtrics_current_sample():
    path = realdata_file("exports", "qualtRics__sample.csv")
    kind, df = read_export(path)
    assert kind == "qualtrics"
    assert df.shape == (1, 20)
    assert df.attrs["format"] == "qualtrics"
    detected = df.attrs["detected"]
    assert detected["header_rows"] == 3
    assert detected["import_id_format"] == "json"
    assert "ImportId" in detected["evidence"] and "StartDate" in detected["evidence"]
    labels = df.attrs["variable_labels"]
    assert labels["Q1"] == "This is a multiple choice question."
    assert labels["RecipientLastName"] == "Nachname des Empfängers"
    assert df.loc[0, "Q1"] == 2
    assert df.loc[0, "Q2"] == "Hello World!"
    assert df.loc[0, "ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert df.loc[0, "StartDate"] == pd.Timestamp("2017-07-18 08:28:09")
    assert df.loc[0, "RecordedDate"] == pd.Timestamp("2017-07-18 08:28:48")
    assert df.loc[0, "LocationLatitude"] == pytest.approx(47.115097045898)
    assert detected["import_ids"]["Q1"] == "QID1"


def test_qualtrics_legacy_sample():
    path = realdata_file("exports", "qualtRics__sample_legacy.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    kind, df = read_export(path)
    assert kind == "qualtrics-legacy"
    # 16 fields per line, the last one empty everywhere (trailing comma)
    assert df.shape == (1, 15)
    assert df.attrs["detected"]["dropped_empty_columns"] == 1
    assert df.attrs["detected"]["header_rows"] == 2
    assert df.attrs["detected"]["bom"] is True
    assert list(df.columns[:3]) == ["V1", "V2", "V3"]
    labels = df.attrs["variable_labels"]
    assert labels["V1"] == "ResponseID"
    assert labels["V8"] == "StartDate"
    assert labels["Q1"] == "This is a multiple choice question."
    assert df.loc[0, "V1"] == "R_2YPOQ602ER1jkf1"
    assert df.loc[0, "V8"] == pd.Timestamp("2017-07-18 08:28:09")
    assert df.loc[0, "Q1"] == 2
    assert df.loc[0, "LocationAccuracy"] == -1


def test_qualtrics_tools_single_quoted_import_ids_matrix_and_negative_recodes():
    path = realdata_file("exports", "QualtricsTools__Better_Sample_Survey.csv")
    kind, df = read_export(path)
    assert kind == "qualtrics"
    assert df.shape == (10, 59)
    detected = df.attrs["detected"]
    assert detected["import_id_format"] == "python-literal"
    assert "single-quoted" in detected["evidence"]
    assert detected["import_ids"]["q6_reservations#1_1"] == "QID6#1-1"
    assert "q6_reservations#1_1" in df.columns
    assert df["q6_reservations#1_1"].tolist()[2:4] == [1, 1]
    # q4_rank_3 in the raw file: '', '', 1, -1, '', 3, -1, 2, -1, ''
    rank = df["q4_rank_3"]
    assert rank.isna().tolist() == [True, True, False, False, True, False, False, False, False,
                                    True]
    assert rank.dropna().tolist() == [1, -1, 3, -1, 2, -1]
    # The .qsf beside the export: RecodeValues {"4": "-1"} for the answer "Never Tried It"
    assert df.attrs["value_labels"]["q4_rank_3"][-1] == "Never Tried It"
    assert df.attrs["value_labels"]["q2_favorite"] == {1: "Canteloupe", 2: "Kiwi",
                                                       3: "Pomagranite"}
    assert df.attrs["file_label"] == "Better Sample Survey"
    mr = df.attrs["mr_sets"]["q3_volunteer"]
    assert mr["variables"] == ["q3_volunteer_1", "q3_volunteer_2", "q3_volunteer_3",
                               "q3_volunteer_4"]
    assert mr["type"] == "dichotomy" and mr["counted_value"] == 1
    # q3_volunteer_1 raw: only respondent 7 ticked it; respondents 1, 2, 5, 10 ticked nothing
    first = df["q3_volunteer_1"].tolist()
    assert [x for x in first if not math.isnan(x)] == [0, 0, 0, 1, 0, 0]
    assert [math.isnan(x) for x in first] == [True, True, False, False, True, False, False,
                                              False, False, True]
    assert df.loc[0, "StartDate"] == pd.Timestamp("2016-07-20 12:49:25")


def test_surveymonkey_ohbm_check_all_sets_and_pandas_index():
    path = realdata_file("exports", "ohbm__public_survey_data.csv")
    kind, df = read_export(path)
    assert kind == "surveymonkey"
    # 313 lines: 2 header rows + 311 respondents; 48 fields of which the first is an index
    assert df.shape == (311, 47)
    detected = df.attrs["detected"]
    assert "pandas index" in detected["dropped_index_column"]
    assert detected["header_rows"] == 2
    assert "Unnamed" in detected["evidence"]
    member = df["Are you a member of OHBM?"]
    assert member.value_counts().to_dict() == {"Yes": 254, "No": 56}
    assert member.isna().sum() == 1
    assert df.loc[0, "What geographic region are you currently located in?"] == "Asia"

    sets = df.attrs["mr_sets"]
    assert set(sets) == {"mr_q004", "mr_q032",
                         "How important is each of these types of content to you?"}
    platforms_set = sets["mr_q004"]
    assert platforms_set["label"].startswith("Which of the following platforms do you use")
    # numbered as columns of the export itself (the pandas index column is not counted)
    assert platforms_set["variables"] == [f"q{n:03d}" for n in range(4, 14)]
    assert platforms_set["counted_value"] == 1
    labels = df.attrs["variable_labels"]
    assert labels["q004"].endswith("[OHBM website (https://www.humanbrainmapping.org)]")
    assert labels["q013"].endswith("[OHBM Job Board]")
    assert df.attrs["value_labels"]["q004"] == {
        0: "not selected", 1: "OHBM website (https://www.humanbrainmapping.org)"}
    # raw file: 272 respondents ticked the website, 306 ticked at least one platform
    assert (df["q004"] == 1).sum() == 272
    assert df["q004"].notna().sum() == 306
    # raw file: 117 respondents follow at least one SIG platform, 23 the Student-Postdoc blog
    assert df["q035"].notna().sum() == 117
    assert (df["q035"] == 1).sum() == 23
    assert len(sets["How important is each of these types of content to you?"]["variables"]) == 8


def test_limesurvey_998192_dutch_language_and_naming_rule():
    path = realdata_file("exports", "limonaid__survey_998192_R_data_file.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    kind, df = read_export(path)
    assert kind == "limesurvey"
    assert df.shape == (7, 71)
    detected = df.attrs["detected"]
    assert detected["line_terminator"] == "CRLF" and detected["bom"] is True
    assert list(df.columns[:7]) == ["id", "submitdate", "lastpage", "startlanguage", "seed",
                                    "startdate", "datestamp"]
    assert df["id"].tolist() == [1, 4, 5, 6, 7, 8, 9]
    assert df["startlanguage"].value_counts().to_dict() == {"nl-informal": 6, "en": 1}
    assert df.loc[0, "submitdate"] == pd.Timestamp("2021-09-24 11:39:34")
    assert df["submitdate"].isna().sum() == 5
    assert df["How old are you?"].tolist()[1:3] == [66, 44]
    assert df.loc[0, "interviewtime"] == pytest.approx(339.28)
    # column 8 is a 150+ character consent text -> q008; the label keeps it whole
    assert df.attrs["variable_labels"]["q008"].startswith("Dear colleague, In the context of")
    # the 12 dual-scale columns (23-34) share one long Dutch question text
    assert all(f"q{n:03d}" in df.columns for n in range(23, 35))
    assert df.attrs["variable_labels"]["q023"].endswith("[Scale 1]")
    # HTML entities in equation headers are decoded in the label
    assert df.attrs["variable_labels"]["q022"].startswith("{if((age.NAOK > 65)")
    mr = df.attrs["mr_sets"]["mr_q013"]
    assert mr["variables"] == ["q013", "q014", "q015", "q016"]
    assert df.attrs["variable_labels"]["q013"].endswith("[Primary School]")


def test_limesurvey_100001_646_columns():
    path = realdata_file("exports", "limonaid__survey_100001_R_data_file.csv")
    kind, df = read_export(path)
    assert kind == "limesurvey"
    assert df.shape == (3, 646)
    assert df.columns.is_unique
    assert all(len(name) <= 64 for name in df.columns)
    assert len(df.attrs["variable_labels"]) >= 640
    live = df["Where do you live?"]  # the header ends in two spaces in the raw file
    assert live.iloc[[0, 2]].tolist() == ["af00", "nl00"] and pd.isna(live.iloc[1])
    stay = df.attrs["mr_sets"]["Where are you planning to stay?"]
    assert len(stay["variables"]) == 10
    assert stay["variables"][0] == "Where are you planning to stay? [Hotel]"
    # respondent 1 ticked 'Friends or family' and 'Couchsurfing'
    ticked = [v for v in stay["variables"] if df.loc[0, v] == 1]
    assert ticked == ["Where are you planning to stay? [Friends or family]",
                      "Where are you planning to stay? [Couchsurfing]"]
    visit = df.attrs["mr_sets"]["mr_q013"]
    assert len(visit["variables"]) == 14  # 14 ticked options; the '[Other]' text box is not


def test_google_forms_sudzilla():
    path = realdata_file("exports", "prepbench__sudzilla_input_01.csv")
    kind, df = read_export(path)
    assert kind == "google-forms"
    assert df.shape == (39, 11)
    detected = df.attrs["detected"]
    assert detected["datetime_formats"] == {"Timestamp": "%m/%d/%Y %H:%M:%S"}
    assert detected["line_terminator"] == "CRLF"
    assert df.loc[0, "Timestamp"] == pd.Timestamp("2019-11-01 08:51:12")
    assert df["Timestamp"].iloc[-1] == pd.Timestamp("2019-11-04 04:33:11")
    recommend = df["On a scale of 0-10, how would you rate Sudzilla?"]
    assert pd.api.types.is_integer_dtype(recommend)
    assert recommend.min() == 0 and recommend.max() == 10
    assert (recommend == 3).sum() == 8
    assert df.loc[0, "...why?"] == "Bad service"
    # 77 characters: too long for a name, kept as the label of column 6
    assert df.attrs["variable_labels"]["q006"] == (
        "Which three words would you use describe to Sudzilla? (separate with a comma)")


EXPECTED_PLATFORM = {
    "qualtRics__sample.csv": "qualtrics",
    "qualtRics__sample_legacy.csv": "qualtrics-legacy",
    "QualtricsTools__Better_Sample_Survey.csv": "qualtrics",
    "limonaid__survey_100001_R_data_file.csv": "limesurvey",
    "limonaid__survey_998192_R_data_file.csv": "limesurvey",
    "ohbm__public_survey_data.csv": "surveymonkey",
    "prepbench__sudzilla_input_01.csv": "google-forms",
    "NPS_R__testdata.csv": None,
    "prepbench__case_122__input_01.csv": None,
    "prepbench__case_050__input_01.csv": None,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PLATFORM))
def test_detection_per_file(name):
    folder = "nps" if EXPECTED_PLATFORM[name] is None else "exports"
    path = realdata_file(folder, name)
    assert platforms.detect(path, head_text(path)) == EXPECTED_PLATFORM[name]


@pytest.mark.parametrize("name", sorted(n for n, k in EXPECTED_PLATFORM.items() if k))
def test_read_survey_routes_exports_to_their_platform(name):
    read_survey = pytest.importorskip("kirc.io").read_survey
    df = read_survey(realdata_file("exports", name))
    assert df.attrs["format"] == EXPECTED_PLATFORM[name]
    assert df.attrs["detected"]["platform"] == EXPECTED_PLATFORM[name]


# ---- recommend-score CSVs: ordinary CSV, read by kirc.io's generic branch ------------------


def test_nps_r_testdata():
    read_survey = pytest.importorskip("kirc.io").read_survey
    path = realdata_file("nps", "NPS_R__testdata.csv")
    df = read_survey(path)
    assert len(df) == 1000
    assert df["REC"].min() == 0 and df["REC"].max() == 10
    assert df["REC"].notna().all()
    assert set(df["Region"].unique()) >= {"NAM", "EMEA"}


def test_prepbench_case_122_airlines():
    read_survey = pytest.importorskip("kirc.io").read_survey
    path = realdata_file("nps", "prepbench__case_122__input_01.csv")
    # counted in the raw file with the csv module: 5,723 scores for 98 airlines (the shared
    # README's "5,906 scores, 59 airlines" does not match this file)
    rows = raw_rows(path)[1:]
    assert len(rows) == 5723 and len({r[0] for r in rows}) == 98
    df = read_survey(path)
    assert len(df) == 5723
    assert df["Airline"].nunique() == 98
    score = df["How likely are you to recommend this airline?"]
    assert score.min() == 0 and score.max() == 10
    assert df.loc[0, "Airline"] == "Schmeler, Schimmel and Collier"  # quoted comma


def test_prepbench_case_050_day_first_dates():
    read_survey = pytest.importorskip("kirc.io").read_survey
    path = realdata_file("nps", "prepbench__case_050__input_01.csv")
    df = read_survey(path)
    assert len(df) == 140  # 28 customers x 5 questions (1, 2, 3, 3a, 3b)
    question = df["Question Number"].astype(str)
    scores = pd.to_numeric(df.loc[question == "3", "Answer"])
    assert len(scores) == 28 and scores.min() == 0 and scores.max() == 10
    # DoB is DD/MM/YYYY: 21/08/2002 has a first field above 12
    dob = df["DoB"]
    if pd.api.types.is_datetime64_any_dtype(dob):
        assert dob.iloc[0] == pd.Timestamp("2002-08-21")
    else:
        parsed = pd.to_datetime(dob, format="%d/%m/%Y", errors="raise")
        assert parsed.iloc[0] == pd.Timestamp("2002-08-21")
    assert dob.isna().sum() == 5


# ---------------------------------------------------------------------------------------------
# synthetic files: each format's logic without ../shared/


QUALTRICS_IDS = "StartDate,EndDate,Finished,ResponseId,Q1,Q2_1,Q2_2,Q3\n"
QUALTRICS_TEXT = ("Start Date,End Date,Finished,Response ID,How likely are you to recommend us?,"
                  "\"Why? - Price\",\"Why? - Service\",Comments\n")
QUALTRICS_DATA = ("2024-03-01 09:00:00,2024-03-01 09:05:00,1,R_a,9,1,,\"Fine, thanks\"\n"
                  "2024-03-02 10:00:00,2024-03-02 10:01:00,0,R_b,,,,\n")


def _import_row(style):
    ids = ["startDate", "endDate", "finished", "_recordId", "QID1", "QID2_1", "QID2_2",
           "QID3_TEXT"]
    if style == "json":
        cells = ['"{""ImportId"":""%s""}"' % i for i in ids]
    else:
        cells = ["{'ImportId': '%s'}" % i for i in ids]
    return ",".join(cells) + "\n"


@pytest.mark.parametrize("style", ["json", "single"])
def test_qualtrics_synthetic_both_import_id_styles(tmp_path, style):
    text = QUALTRICS_IDS + QUALTRICS_TEXT + _import_row(style) + QUALTRICS_DATA
    path = write(tmp_path, f"q_{style}.csv", text)
    assert platforms.detect(path, text) == "qualtrics"
    df = platforms.read(path, "qualtrics")
    assert df.shape == (2, 8)
    assert df.attrs["detected"]["import_id_format"] == (
        "json" if style == "json" else "python-literal")
    assert df.attrs["detected"]["import_ids"]["Q2_1"] == "QID2_1"
    assert df.attrs["variable_labels"]["Q1"] == "How likely are you to recommend us?"
    assert df["Q1"].tolist()[0] == 9 and math.isnan(df["Q1"].tolist()[1])
    assert df["Finished"].tolist() == [1, 0]
    assert df.loc[0, "Q3"] == "Fine, thanks"
    assert df.loc[1, "EndDate"] == pd.Timestamp("2024-03-02 10:01:00")
    assert df.attrs["mr_sets"] == {}  # sets need the survey definition (.qsf)


def test_qualtrics_json_and_single_quote_exports_read_identically(tmp_path):
    frames = []
    for style in ("json", "single"):
        text = QUALTRICS_IDS + QUALTRICS_TEXT + _import_row(style) + QUALTRICS_DATA
        frames.append(platforms.read(write(tmp_path, f"{style}.csv", text), "qualtrics"))
    pd.testing.assert_frame_equal(frames[0], frames[1], check_flags=False)
    assert frames[0].attrs["variable_labels"] == frames[1].attrs["variable_labels"]


def test_qualtrics_qsf_companion_gives_labels_and_sets(tmp_path):
    text = ("StartDate,ResponseId,Q1,Q2_1,Q2_2,Q2_3\n"
            "Start Date,Response ID,Satisfied?,Channels - Phone,Channels - Chat,Channels - Mail\n"
            + ",".join('"{""ImportId"":""%s""}"' % i for i in
                       ["startDate", "_recordId", "QID1", "QID2_1", "QID2_2", "QID2_3"]) + "\n"
            "2024-01-01 08:00:00,R_1,2,1,,1\n"
            "2024-01-01 09:00:00,R_2,-9,,,\n"
            "2024-01-01 10:00:00,R_3,1,,1,\n")
    path = write(tmp_path, "klant.csv", text)
    qsf = {"SurveyEntry": {"SurveyName": "Klantcontact 2024"},
           "SurveyElements": [
               {"Element": "SQ", "Payload": {
                   "QuestionID": "QID1", "QuestionType": "MC", "Selector": "SAVR",
                   "Choices": {"1": {"Display": "Yes"}, "2": {"Display": "No"},
                               "3": {"Display": "Don't know"}},
                   "RecodeValues": {"1": "1", "2": "2", "3": "-9"}}},
               {"Element": "SQ", "Payload": {
                   "QuestionID": "QID2", "QuestionType": "MC", "Selector": "MAVR",
                   "DataExportTag": "Q2", "QuestionText": "<b>Which channels?</b>",
                   "Choices": {"1": {"Display": "Phone"}, "2": {"Display": "Chat"},
                               "3": {"Display": "Mail"}}}}]}
    (tmp_path / "klant.qsf").write_text(json.dumps(qsf), encoding="utf-8")
    df = platforms.read(path, "qualtrics")
    assert df.attrs["value_labels"]["Q1"] == {1: "Yes", 2: "No", -9: "Don't know"}
    assert df.attrs["file_label"] == "Klantcontact 2024"
    assert df.attrs["mr_sets"]["Q2"]["variables"] == ["Q2_1", "Q2_2", "Q2_3"]
    assert df.attrs["mr_sets"]["Q2"]["label"] == "Which channels?"
    assert df["Q2_1"].tolist()[0::2] == [1.0, 0.0]
    assert math.isnan(df.loc[1, "Q2_1"])  # R_2 ticked no channel
    assert df["Q2_3"].tolist()[0::2] == [1.0, 0.0]


def test_qualtrics_legacy_synthetic(tmp_path):
    text = ("V1,V2,V3,Q1,Q2,\n"
            "ResponseID,ResponseSet,StartDate,How satisfied are you?,Anything else?,\n"
            "R_1,Default,2015-05-01 12:00:00,4,no,\n"
            "R_2,Default,2015-05-02 12:00:00,5,,\n")
    path = write(tmp_path, "legacy.csv", text, bom=True)
    assert platforms.detect(path, text) == "qualtrics-legacy"
    df = platforms.read(path, "qualtrics")  # the CLI's --source qualtrics covers legacy
    assert df.attrs["format"] == "qualtrics-legacy"
    assert list(df.columns) == ["V1", "V2", "V3", "Q1", "Q2"]
    assert df.attrs["variable_labels"]["Q1"] == "How satisfied are you?"
    assert df["Q1"].tolist() == [4, 5]
    assert df.attrs["detected"]["dropped_empty_columns"] == 1


SURVEYMONKEY = (
    "Respondent ID,Collector ID,Start Date,End Date,How did you contact us?,"
    "Which channels do you use? Tick all that apply.,,,,Rate the service,,Comments\n"
    ",,,,Response,Phone,Chat,E-mail,Other (please specify),Speed,Friendliness,"
    "Open-Ended Response\n"
    "101,9,11/03/2022 10:04:15 AM,11/03/2022 10:09:01 AM,Phone,Phone,,E-mail,,Good,Poor,ok\n"
    "102,9,11/03/2022 01:30:00 PM,11/03/2022 01:35:00 PM,Chat,,,,my bank's app,Poor,Good,\n"
    "103,9,11/04/2022 09:00:00 AM,11/04/2022 09:02:00 AM,,,,,,,,\n"
    "104,9,11/04/2022 09:10:00 AM,11/04/2022 09:12:00 AM,Chat,,Chat,,,Good,Good,\"a, b\"\n"
)


def test_surveymonkey_synthetic_check_all_other_and_matrix(tmp_path):
    path = write(tmp_path, "sm.csv", SURVEYMONKEY)
    assert platforms.detect(path, SURVEYMONKEY) == "surveymonkey"
    df = platforms.read(path, "surveymonkey")
    assert df.shape == (4, 12)
    assert "Respondent ID and Collector ID" in df.attrs["detected"]["evidence"]
    q = "Which channels do you use? Tick all that apply."
    mr = df.attrs["mr_sets"][q]
    # 'Other (please specify)' holds free text, so it is not part of the dichotomy set
    assert mr["variables"] == [f"{q} [Phone]", f"{q} [Chat]", f"{q} [E-mail]"]
    assert df[f"{q} [Phone]"].tolist()[:2] == [1.0, 0.0]
    assert math.isnan(df.loc[2, f"{q} [Phone]"])  # respondent 103 ticked nothing
    assert df[f"{q} [Chat]"].tolist()[3] == 1.0
    # respondent 102 only filled in 'Other': answered, so 0 for the ticked options
    assert df.loc[1, f"{q} [Chat]"] == 0.0
    # '<question> [Other (please specify)]' is 72 characters: named after column 9
    assert df.attrs["variable_labels"]["q009"] == f"{q} [Other (please specify)]"
    assert df.loc[1, "q009"] == "my bank's app"
    # a matrix keeps its answers as text, labelled with the row
    assert df["Rate the service [Friendliness]"].tolist()[:2] == ["Poor", "Good"]
    assert df.attrs["mr_sets"].keys() == {q}
    assert df.loc[0, "Start Date"] == pd.Timestamp("2022-11-03 10:04:15")
    assert df.loc[1, "Start Date"] == pd.Timestamp("2022-11-03 13:30:00")
    assert df["Respondent ID"].tolist() == [101, 102, 103, 104]
    assert df.loc[3, "Comments"] == "a, b"


def test_surveymonkey_after_pandas_round_trip(tmp_path):
    original = platforms.read(write(tmp_path, "sm.csv", SURVEYMONKEY), "surveymonkey")
    rows = list(csv.reader(SURVEYMONKEY.splitlines()))
    # what pandas.read_csv(...).to_csv() makes of it: an index column, 'Unnamed: N' headers
    head = [""] + [c if c else f"Unnamed: {i}" for i, c in enumerate(rows[0])]
    body = [[str(i)] + row for i, row in enumerate(rows[1:])]
    lines = [",".join(f'"{c}"' if "," in c else c for c in row) for row in [head] + body]
    text = "\n".join(lines) + "\n"
    path = write(tmp_path, "sm_pandas.csv", text)
    assert platforms.detect(path, text) == "surveymonkey"
    df = platforms.read(path, "surveymonkey")
    assert "pandas index" in df.attrs["detected"]["dropped_index_column"]
    assert df.shape == original.shape
    q = "Which channels do you use? Tick all that apply."
    assert df.attrs["mr_sets"][q]["variables"] == original.attrs["mr_sets"][q]["variables"]
    pd.testing.assert_frame_equal(df, original, check_flags=False)


def test_limesurvey_synthetic_headings(tmp_path):
    long_question = "Please tell us how satisfied you are with " + "the service " * 6
    text = ("Response ID,Date submitted,Last page,Start language,Date started,"
            "Which channels did you use? [Phone],Which channels did you use? [Chat],"
            "Which channels did you use? [Other],"
            f"\"{long_question}\",\"{long_question}\",Total time\n"
            "1,2024-02-01 10:00:00,3,nl,2024-02-01 09:50:00,1,0,,4,5,600.5\n"
            "2,,1,nl-informal,2024-02-01 11:00:00,,,,,,12.25\n"
            "3,2024-02-02 10:00:00,3,en,2024-02-02 09:55:00,0,1,fax,2,3,300\n")
    path = write(tmp_path, "survey_1_R_data_file.csv", text, bom=True, newline="\r\n")
    assert platforms.detect(path, text) == "limesurvey"
    df = platforms.read(path, "limesurvey")
    assert list(df.columns) == [
        "id", "submitdate", "lastpage", "startlanguage", "startdate",
        "Which channels did you use? [Phone]", "Which channels did you use? [Chat]",
        "Which channels did you use? [Other]", "q009", "q010", "interviewtime"]
    assert df.attrs["variable_labels"]["q009"] == long_question.strip()
    assert df.attrs["mr_sets"]["Which channels did you use?"]["variables"] == [
        "Which channels did you use? [Phone]", "Which channels did you use? [Chat]"]
    assert df["startlanguage"].tolist() == ["nl", "nl-informal", "en"]
    assert df["interviewtime"].tolist() == [600.5, 12.25, 300.0]
    assert pd.isna(df.loc[1, "submitdate"])
    assert df.attrs["detected"]["line_terminator"] == "CRLF"


def test_limesurvey_synthetic_question_codes(tmp_path):
    text = ("id,submitdate,lastpage,startlanguage,nps,channel_phone\n"
            "1,2024-02-01 10:00:00,3,nl,9,1\n")
    path = write(tmp_path, "codes.csv", text)
    assert platforms.detect(path, text) == "limesurvey"
    df = platforms.read(path, "limesurvey")
    assert list(df.columns) == ["id", "submitdate", "lastpage", "startlanguage", "nps",
                                "channel_phone"]
    assert df.attrs["detected"]["header_style"] == "codes"


@pytest.mark.parametrize("stamps, fmt", [
    (["9/30/2019 10:14:02", "10/1/2019 8:00:00"], "%m/%d/%Y %H:%M:%S"),
    (["30/9/2019 10:14:02", "1/10/2019 8:00:00"], "%d/%m/%Y %H:%M:%S"),
    (["1/10/2019 10:14", "2/10/2019 8:00"], "%m/%d/%Y %H:%M"),
])
def test_google_forms_timestamp_order_from_evidence(tmp_path, stamps, fmt):
    text = "Timestamp,How likely are you to recommend us? (0-10),Why?\r\n" + "".join(
        f"{s},{score},\r\n" for s, score in zip(stamps, (10, 0)))
    path = write(tmp_path, "form.csv", text)
    assert platforms.detect(path, text) == "google-forms"
    df = platforms.read(path, "google-forms")
    assert df.attrs["detected"]["datetime_formats"] == {"Timestamp": fmt}
    expected = pd.to_datetime(pd.Series(stamps), format=fmt)
    assert df["Timestamp"].tolist() == expected.tolist()
    assert df["How likely are you to recommend us? (0-10)"].tolist() == [10, 0]
    assert df["Why?"].isna().all()


def test_detect_plain_csv_and_edge_cases():
    assert platforms.detect("x.csv", "id,score,region\n1,9,NAM\n2,3,EMEA\n") is None
    assert platforms.detect("x.csv", "") is None
    # Timestamp header but no timestamps: not Google Forms
    assert platforms.detect("x.csv", "Timestamp,score\nyesterday,9\n") is None
    # a 'Response' value in the first data row alone is no SurveyMonkey sub-header
    assert platforms.detect("x.csv", "Q1,Q2\nResponse,4\n") is None
    # the 64 KB cut may end inside a row: detection still works on the rows before it
    text = QUALTRICS_IDS + QUALTRICS_TEXT + _import_row("json") + "2024-03-01 09:00:00,2024-0"
    assert platforms.detect("x.csv", text) == "qualtrics"


def test_values_with_leading_zeros_stay_text(tmp_path):
    text = ("Timestamp,Postcode,Score\n"
            "9/30/2019 10:14:02,0123,7\n9/30/2019 10:15:00,4811,8\n")
    df = platforms.read(write(tmp_path, "form.csv", text), "google-forms")
    assert df["Postcode"].tolist() == ["0123", "4811"]
    assert df["Score"].tolist() == [7, 8]


# ---- unparseable exports -----------------------------------------------------------------------


def test_unparseable_exports_raise_input_file_error(tmp_path):
    # Qualtrics header cut off after two rows
    truncated = write(tmp_path, "cut.csv", QUALTRICS_IDS + QUALTRICS_TEXT)
    with pytest.raises(InputFileError, match="3 header rows") as err:
        platforms.read(truncated, "qualtrics")
    assert err.value.file == str(truncated)

    # forced platform without its evidence
    plain = write(tmp_path, "plain.csv", "id,score\n1,9\n2,7\n3,8\n")
    with pytest.raises(InputFileError, match="not a Qualtrics export"):
        platforms.read(plain, "qualtrics")
    with pytest.raises(InputFileError, match="not a SurveyMonkey export"):
        platforms.read(plain, "surveymonkey")
    with pytest.raises(InputFileError, match="not a LimeSurvey export"):
        platforms.read(plain, "limesurvey")
    with pytest.raises(InputFileError, match="not a Google Forms export"):
        platforms.read(plain, "google-forms")

    # a data row longer than the header
    broken = write(tmp_path, "broken.csv",
                   "Timestamp,Score\n9/30/2019 10:14:02,7\n9/30/2019 10:15:00,8,extra,cells\n")
    with pytest.raises(InputFileError, match="line 3 has 4 fields but the header has 2"):
        platforms.read(broken, "google-forms")

    # bytes that are not the stated encoding
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Timestamp,Café\n9/30/2019 10:14:02,7\n".encode("cp1252"))
    with pytest.raises(InputFileError, match="cannot be decoded as utf-8"):
        platforms.read(latin, "google-forms", encoding="utf-8")

    empty = write(tmp_path, "empty.csv", "")
    with pytest.raises(InputFileError, match="is empty"):
        platforms.read(empty, "surveymonkey")
    with pytest.raises(InputFileError, match="does not exist"):
        platforms.read(tmp_path / "missing.csv", "surveymonkey")


def test_unknown_platform_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="unknown survey platform 'typeform'"):
        platforms.read(write(tmp_path, "x.csv", "a\n1\n"), "typeform")


def test_input_file_is_not_modified(tmp_path):
    path = write(tmp_path, "sm.csv", SURVEYMONKEY)
    before = path.read_bytes()
    platforms.read(path, "surveymonkey")
    assert path.read_bytes() == before


def test_attrs_follow_the_read_survey_contract(tmp_path):
    df = platforms.read(write(tmp_path, "sm.csv", SURVEYMONKEY), "surveymonkey")
    for key in ("source", "format", "file_label", "variable_labels", "value_labels",
                "missing_values", "missing_counts", "measure_levels", "mr_sets", "weight",
                "detected"):
        assert key in df.attrs
    for key in ("encoding", "sep", "decimal", "header_rows", "header_row", "platform",
                "evidence"):
        assert key in df.attrs["detected"]
    assert df.attrs["detected"]["sep"] == "," and df.attrs["detected"]["encoding"] == "utf-8"
    assert np.isin(list(df.attrs["measure_levels"].values()),
                   ["nominal", "ordinal", "scale", "unknown"]).all()


def test_qualtrics_repeated_and_blank_ids_get_unique_names(tmp_path):
    text = ("StartDate,ResponseId,Q1,Q1,,\n"
            "Start Date,Response ID,First,Second,Third,\n"
            + ",".join('"{""ImportId"":""%s""}"' % i for i in
                       ["startDate", "_recordId", "QID1", "QID2", "QID3"]) + ",\n"
            "2024-01-01 08:00:00,R_1,1,2,3,\n")
    df = platforms.read(write(tmp_path, "dup.csv", text), "qualtrics")
    assert list(df.columns) == ["StartDate", "ResponseId", "Q1", "Q1_2", "q005"]
    assert df.loc[0, "Q1_2"] == 2 and df.loc[0, "q005"] == 3
    assert df.attrs["variable_labels"]["q005"] == "Third"
    assert df.attrs["detected"]["dropped_empty_columns"] == 1
    assert df.attrs["detected"]["import_ids"]["q005"] == "QID3"
    assert df.attrs["detected"]["import_ids"]["Q1_2"] == "QID2"
