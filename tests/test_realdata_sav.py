"""read_survey on real SPSS files written by SPSS, PSPP, R and others (../shared/realdata/sav).

One test per file; each skips when ../shared/ is absent (a fresh clone). Expected values come
from outside kirc: the pyreadstat project's expected readings (pyreadstat__sample*.csv) and
PSPP 1.6.2 output, pasted in with the syntax that produced it. PSPP was run as

    pspp -O format=csv syntax.sps

on a syntax file holding the commands quoted in each test (``GET FILE='<file>'.`` first).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import realdata_file
from kirc.errors import InputFileError
from kirc.io import KircWarning, read_survey


def read(name, **kwargs):
    return read_survey(realdata_file("sav", name), **kwargs)


def expected_csv(name):
    """A pyreadstat expected-reading CSV; SPSS's '#NULL!' is system-missing."""
    return pd.read_csv(realdata_file("sav", name), encoding="utf-8-sig", na_values=["#NULL!"],
                       keep_default_na=False)


def assert_like_pyreadstat_csv(df, expected):
    df = df.rename(columns=str.lower)
    assert list(df.columns) == list(expected.columns)
    assert df["mychar"].fillna("").tolist() == expected["mychar"].fillna("").tolist()
    for column in ("mynum", "mylabl", "myord"):
        np.testing.assert_allclose(df[column].to_numpy(float), expected[column].to_numpy(float),
                                   equal_nan=True)
    for column in ("mydate", "dtime"):
        # microsecond units on both sides: pandas 2.2 would build nanoseconds, which cannot
        # hold the year 1583 and compare as integers 1000 times larger
        pd.testing.assert_series_equal(df[column], expected[column].astype("datetime64[us]"),
                                       check_dtype=False, check_names=False)
    mytime = pd.to_timedelta(expected["mytime"]).astype("timedelta64[us]")
    pd.testing.assert_series_equal(df["mytime"], mytime, check_dtype=False, check_names=False)


# --------------------------------------------------------------------------------------------
# pyreadstat test files
# --------------------------------------------------------------------------------------------

def test_pyreadstat_sample_sav():
    df = read("pyreadstat__sample.sav")
    assert_like_pyreadstat_csv(df, expected_csv("pyreadstat__sample.csv"))
    assert df.attrs["value_labels"]["myord"] == {1.0: "low", 2.0: "medium", 3.0: "high"}
    assert df.attrs["measure_levels"]["myord"] == "ordinal"
    assert df.attrs["variable_labels"]["mydate"] == "date"
    labelled = read("pyreadstat__sample.sav", apply_value_labels=True)
    assert list(labelled["myord"].cat.categories) == ["low", "medium", "high"]
    assert labelled["myord"].cat.ordered
    assert labelled["mylabl"].tolist() == ["Male", "Female", "Male", "Female", "Male"]


def test_pyreadstat_sample_zsav():
    df = read("pyreadstat__sample.zsav")
    assert df.attrs["format"] == "zsav"
    assert_like_pyreadstat_csv(df, expected_csv("pyreadstat__sample.csv"))


def test_pyreadstat_sample_por():
    df = read("pyreadstat__sample.por")
    assert df.attrs["format"] == "por"
    assert list(df.columns)[:2] == ["MYCHAR", "MYNUM"]       # portable files: upper case
    assert_like_pyreadstat_csv(df, expected_csv("pyreadstat__sample.csv"))
    assert df.attrs["value_labels"]["MYLABL"] == {1.0: "Male", 2.0: "Female"}
    assert df.attrs["weight"] is None


def test_pyreadstat_sample_missing():
    # pyreadstat__sample_missing.csv: the reading with user-missing codes as missing;
    # pyreadstat__sample_missing_user.csv: the reading with the codes kept.
    df = read("pyreadstat__sample_missing.sav")
    assert_like_pyreadstat_csv(df, expected_csv("pyreadstat__sample_missing.csv"))
    with_codes = expected_csv("pyreadstat__sample_missing_user.csv")
    without = expected_csv("pyreadstat__sample_missing.csv")
    coded = {}
    for column in ("mynum", "mylabl", "myord"):
        codes = with_codes[column][without[column].isna() & with_codes[column].notna()]
        coded[column] = sorted(codes.tolist())
    assert coded == {"mynum": [-1.0, 2500.0], "mylabl": [-1.0], "myord": [-3.0, -1.0]}
    # reasons: the value label where the code has one (-1 is labelled in mylabl and myord)
    assert df.attrs["missing_counts"] == {
        "mynum": {"-1": 1, "2500": 1},
        "mylabl": {"undetermined": 1},
        "myord": {"-3": 1, "missing": 1},
    }
    assert df.attrs["missing_values"]["mynum"] == {"values": [-1.0], "ranges": [[2000.0, 3000.0]]}
    assert df.attrs["missing_values"]["myord"] == {"values": [-1.0, -2.0, -3.0], "ranges": []}


def test_pyreadstat_missing_test():
    df = read("pyreadstat__missing_test.sav")
    assert df["var1"].isna().tolist() == [True, False]
    assert df.attrs["missing_counts"] == {"var1": {"missing": 1}}


def test_pyreadstat_missing_char():
    # FREQUENCIES VARIABLES=mychar.
    #   Valid,labeled,1 / Missing,Z,1
    df = read("pyreadstat__missing_char.sav", apply_value_labels=True)
    assert df["mychar"].value_counts().to_dict() == {"labeled": 1}
    assert df.attrs["missing_counts"] == {"mychar": {"Z": 1}}
    assert df.attrs["missing_values"] == {"mychar": {"values": ["Z"], "ranges": []}}


def test_pyreadstat_simple_alltypes_mr_sets():
    # MRSETS /DISPLAY NAME=ALL.
    #   $categorical_array,,Categories,,"ca_subvar_1 ca_subvar_2 ca_subvar_3"
    #   $mymrset,My multiple response set,Dichotomies,1,"bool1 bool2 bool3"
    # FREQUENCIES VARIABLES=x z /STATISTICS=NONE.
    #   x: Valid red 1, green 1, blue 1, 4 1, 9 1 / Missing 8 1
    #   z: Valid 1.23 1, 3.14 1 / Missing . 2, -9.00 1, skipped 1
    df = read("pyreadstat__simple_alltypes.sav", apply_value_labels=True)
    assert df.attrs["mr_sets"] == {
        "categorical_array": {"type": "category", "label": None,
                              "variables": ["ca_subvar_1", "ca_subvar_2", "ca_subvar_3"],
                              "counted_value": None},
        "mymrset": {"type": "dichotomy", "label": "My multiple response set",
                    "variables": ["bool1", "bool2", "bool3"], "counted_value": 1},
    }
    assert df["x"].value_counts(sort=False).to_dict() == {"red": 1, "green": 1, "blue": 1,
                                                          "4": 1, "9": 1}
    assert df.attrs["missing_counts"] == {"x": {"8": 1}, "z": {"-9": 1, "skipped": 1}}
    # z's only label is on a missing code, so z stays numeric
    assert sorted(df["z"].dropna().round(2).tolist()) == [1.23, 3.14]
    assert df["z"].isna().sum() == 4                      # 2 system- and 2 user-missing
    # a multiple-response set named in usecols keeps only the variables read
    part = read("pyreadstat__simple_alltypes.sav", usecols=["bool1", "bool3"])
    assert part.attrs["mr_sets"]["mymrset"]["variables"] == ["bool1", "bool3"]
    assert "categorical_array" not in part.attrs["mr_sets"]


def test_pyreadstat_tegulu_utf8_values():
    # LIST.  ->  210,నేను గతంలో వాడిన బ??  (the file cut the last character mid-way; PSPP
    # shows its stray bytes as ??, and the reader drops them)
    df = read("pyreadstat__tegulu.sav")
    assert df["record"].tolist() == [210.0]
    assert df["Q16br9oe_Q24br9oe"].iloc[0] == "నేను గతంలో వాడిన బ"
    assert df.attrs["detected"]["encoding"] == "UTF-8"


def test_pyreadstat_hebrews_non_ascii_name():
    df = read("pyreadstat__hebrews.sav")
    assert list(df.columns) == ["ותק_ב"]
    assert len(df) == 99
    assert df.attrs["file_label"] == "jamovi data set"


def test_pyreadstat_test_width_qualtrics_export():
    df = read("pyreadstat__test_width.sav", apply_value_labels=True)
    assert list(df.columns) == ["ResponseId", "StartDate", "Duration__in_seconds_", "Finished"]
    assert df["StartDate"].iloc[0] == "2020-07-13 23:19:55"       # dates stored as text
    assert df["Finished"].tolist() == ["True"] * 5                 # coded 2 = "True"
    assert list(df["Finished"].cat.categories) == ["False", "True"]
    assert df.attrs["variable_labels"]["Duration__in_seconds_"] == "Duration (in seconds)"


def test_pyreadstat_ordered_category():
    df = read("pyreadstat__ordered_category.sav", apply_value_labels=True)
    column = df["Col1"]
    assert column.cat.ordered
    assert list(column.cat.categories) == ["high", "low", "medium"]     # codes 1, 2, 3
    assert column.tolist() == ["high", "low", "medium", "low"]


# --------------------------------------------------------------------------------------------
# haven test files
# --------------------------------------------------------------------------------------------

def test_haven_labelled_num_na():
    # FREQUENCIES VARIABLES=ALL.  ->  Valid,This is one,1 / Missing,9,1
    df = read("haven__labelled-num-na.sav", apply_value_labels=True)
    assert df["VAR00002"].value_counts().to_dict() == {"This is one": 1}
    assert df.attrs["missing_counts"] == {"VAR00002": {"9": 1}}


def test_haven_labelled_str():
    df = read("haven__labelled-str.sav", apply_value_labels=True)
    assert df["gender"].tolist() == ["Male", "Female"]
    assert list(df["gender"].cat.categories) == ["Female", "Male"]    # codes "F" < "M"


def test_haven_umlauts():
    df = read("haven__umlauts.sav", apply_value_labels=True)
    assert df["var1"].tolist() == ["the ä umlaut", "the ü umlaut", "the ä umlaut",
                                   "the ö umlaut"]
    assert df.attrs["variable_labels"]["var1"] == "This is an ä-umlaut"


def test_haven_datetime_out_of_range():
    # LIST.
    #   date,date.posix,time
    #   09/22/2014,22-SEP-**** 00:00:00,12:11:10.09
    #   09/23/2014,23-SEP-2014 15:59:20,15:59:20.01
    path = realdata_file("sav", "haven__datetime.sav")
    import pyreadstat
    with pytest.raises(OverflowError):
        pyreadstat.read_sav(path)
    with pytest.warns(KircWarning, match=r"column 'date\.posix': 1 row\(s\)") as record:
        df = read_survey(path)
    assert str(path) in str(record[0].message)
    assert df["date"].tolist() == [pd.Timestamp("2014-09-22"), pd.Timestamp("2014-09-23")]
    assert pd.isna(df["date.posix"].iloc[0])
    assert df["date.posix"].iloc[1] == pd.Timestamp("2014-09-23 15:59:20")
    assert df["time"].tolist() == [pd.Timedelta("12:11:10.09"), pd.Timedelta("15:59:20.01")]


# --------------------------------------------------------------------------------------------
# savReaderWriter test files
# --------------------------------------------------------------------------------------------

def test_savrw_spssio_test():
    # SYSFILE INFO FILE='savrw__spssio_test.sav'.
    #   Label | This is a file label ; Weight | weightVar ; Encoding | UTF-8
    #   Missing Values: Age 0 THRU 18; Income1 LOWEST THRU -1; Income2 LOWEST THRU -1; 999;
    #                   Income3 999; 888; 777; aShortStringVar "x"; "y"
    # MRSETS /DISPLAY NAME=ALL.
    #   $ages,the ages,Categories,,"Age AGE2 AGE3"
    #   $incomes,three kinds of income,Categories,,"Income1 Income2 Income3 Age AGE2 AGE3"
    #   $V,,Dichotomies,1,"V1 V2 V3"
    # FREQUENCIES VARIABLES=aShortStringVar Age /STATISTICS=NONE.
    #   aShortStringVar: Missing,someValue label,5.00 / ,y,4.00
    #   Age: Valid,27 y.o.,3.00 / 34 y.o.,4.00 / 50 y.o.,2.00
    df = read("savrw__spssio_test.sav", apply_value_labels=True)
    attrs = df.attrs
    assert df.shape == (9, 22)
    assert attrs["file_label"] == "This is a file label"
    assert attrs["weight"] == "weightVar"
    assert attrs["missing_values"] == {
        "Age": {"values": [], "ranges": [[0.0, 18.0]]},
        "Income1": {"values": [], "ranges": [[-np.inf, -1.0]]},
        "Income2": {"values": [999.0], "ranges": [[-np.inf, -1.0]]},
        "Income3": {"values": [999.0, 888.0, 777.0], "ranges": []},
        "aShortStringVar": {"values": ["x", "y"], "ranges": []},
    }
    assert attrs["mr_sets"] == {
        "ages": {"type": "category", "label": "the ages", "variables": ["Age", "AGE2", "AGE3"],
                 "counted_value": None},
        "incomes": {"type": "category", "label": "three kinds of income",
                    "variables": ["Income1", "Income2", "Income3", "Age", "AGE2", "AGE3"],
                    "counted_value": None},
        "V": {"type": "dichotomy", "label": None, "variables": ["V1", "V2", "V3"],
              "counted_value": 1},
    }
    assert attrs["missing_counts"] == {"aShortStringVar": {"someValue label": 5, "y": 4}}
    assert df["aShortStringVar"].isna().all()
    assert df["Age"].value_counts(sort=False).to_dict() == {"27 y.o.": 3, "34 y.o.": 4,
                                                            "50 y.o.": 2}
    assert attrs["variable_labels"]["Age"] == "How old are you?"
    assert attrs["measure_levels"]["YEAR_"] == "ordinal"
    assert df["someDate"].iloc[0] == pd.Timestamp("2012-12-21")


def test_savrw_german_cp1252_names():
    df = read("savrw__german.sav")
    names = ["python", "programmieren", "macht", "überhaupt", "völlig", "spaß"]
    assert list(df.columns) == names
    assert df.attrs["detected"]["encoding"] == "windows-1252"
    assert list(read("savrw__german.sav", encoding="cp1252").columns) == names
    # Read as UTF-8, the cp1252 bytes of the umlauts cannot be decoded: refused, with the
    # reason, instead of columns that silently lose their names.
    with pytest.raises(InputFileError, match="could not be decoded with encoding='utf-8'"):
        read("savrw__german.sav", encoding="utf-8")


def test_savrw_greetings_utf8_values():
    # LIST.
    greetings = {
        0: ("Arabic", "السلام عليكم"), 1: ("Assamese", "নমস্কাৰ"),
        2: ("Bengali", "আসসালামুআলাইকুম"), 3: ("English", "Greetings and salutations"),
        4: ("Georgian", "გამარჯობა"), 5: ("Kazakh", "Сәлеметсіз бе"),
        6: ("Russian", "Здравствуйте"), 7: ("Spanish", "¡Hola!"),
        8: ("Swiss German", "Grüezi"), 9: ("Thai", "สวัสดี"), 10: ("Walloon", "Bondjoû"),
        11: ("Telugu", "ఏమండీ"),
    }
    df = read("savrw__greetings.sav")
    assert list(df.columns) == ["line", "Bondjoû", "greeting"]
    assert df["Bondjoû"].tolist() == [language for language, _ in greetings.values()]
    assert df["greeting"].tolist() == [text for _, text in greetings.values()]
    # line has MISSING VALUES 0 THRU 9: lines 0-9 are missing, one per code
    assert df["line"].tolist()[10:] == [10.0, 11.0] and df["line"].isna().sum() == 10
    assert df.attrs["missing_counts"]["line"] == {str(i): 1 for i in range(10)}
    # "¡Hola!" is declared missing for Bondjoû, but only occurs in greeting
    assert df.attrs["missing_values"]["Bondjoû"] == {"values": ["¡Hola!"], "ranges": []}
    assert "Bondjoû" not in df.attrs["missing_counts"]
    assert df.attrs["value_labels"]["Bondjoû"] == {"Thai": "สวัสดี"}
    # DISPLAY LABELS.  ->  greeting,3,السلام عليكم
    assert df.attrs["variable_labels"]["greeting"] == "السلام عليكم"


def test_savrw_zlib_compressed_zsav():
    # Despite its name this file is not zlib-compressed: it starts with "$FL2", not "$FL3",
    # and SYSFILE INFO FILE='savrw__zlib_compressed.zsav'. reports
    #   Product | File 'zlib_compressed.zsav' built using SavReaderWriter.py version 3.1.1
    #   Compression | SAV
    # so the format is reported from the content, not the extension.
    # LIST.  ->  Test1,1.00,1.00,2010-08-11 / Test2,2.00,1.00,1910-01-12
    df = read("savrw__zlib_compressed.zsav")
    assert df.attrs["format"] == "sav"
    assert df["var1"].tolist() == ["Test1", "Test2"]
    assert df["var2"].tolist() == [1.0, 2.0]
    assert df["bdate"].tolist() == ["2010-08-11", "1910-01-12"]          # an A10 string


# --------------------------------------------------------------------------------------------
# PSPP test files
# --------------------------------------------------------------------------------------------

def test_pspp_hotel():
    # FREQUENCIES VARIABLES=v1 v3 /STATISTICS=NONE.
    #   v1: Strongly Disagree 5, Disagree 4, No Opinion 3, Agree 4, Strongly Agree 1
    #   v3: Strongly Disagree 2, Disagree 2, No Opinion 4, Agree 4, Strongly Agree 5
    df = read("pspp__hotel.sav", apply_value_labels=True)
    assert df.shape == (17, 5)
    assert df["v1"].value_counts(sort=False).to_dict() == {
        "Strongly Disagree": 5, "Disagree": 4, "No Opinion": 3, "Agree": 4, "Strongly Agree": 1}
    assert df["v3"].value_counts(sort=False).to_dict() == {
        "Strongly Disagree": 2, "Disagree": 2, "No Opinion": 4, "Agree": 4, "Strongly Agree": 5}
    assert all(df[c].cat.ordered for c in df.columns)
    assert df.attrs["variable_labels"]["v3"] == "The staff were slow in responding"


def test_pspp_hotel_encrypted_is_refused():
    path = realdata_file("sav", "pspp__hotel-encrypted.sav")
    with pytest.raises(InputFileError, match="encrypted") as err:
        read_survey(path)
    assert err.value.file == str(path)
    assert str(path) in str(err.value)


def test_pspp_cve_2017_10791_is_refused():
    path = realdata_file("sav", "pspp__CVE-2017-10791.sav")
    with pytest.raises(InputFileError, match="not a valid SPSS file") as err:
        read_survey(path)
    assert str(path) in str(err.value)
    assert err.value.__cause__ is not None


def test_pspp_v13_long_strings():
    # COMPUTE l255 = LENGTH(RTRIM(A255)). (likewise l258, l2000)  LIST N l255 l258 l2000.
    #   1.00,255.00,258.00,2000.00 / 2.00,255.00,258.00,2000.00
    df = read("pspp__v13.sav")
    assert df["N"].tolist() == [1.0, 2.0]
    lengths = df[["A255", "A258", "A2000"]].map(len)
    assert lengths.to_numpy().tolist() == [[255, 258, 2000], [255, 258, 2000]]


def test_pspp_v14_long_strings():
    # COMPUTE l255 = LENGTH(RTRIM(vl255)). ...  LIST l255 l256 l1335 l2000.
    #   255.00,256.00,1335.00,2000.00
    df = read("pspp__v14.sav")
    assert [len(df[c].iloc[0]) for c in df.columns] == [255, 256, 1335, 2000]


# PSPP 1.6.2, `pspp -O format=txt freq.sps` with freq.sps:
#   GET FILE='pspp__nhtsa.sav'.
#   FREQUENCIES VARIABLES=QN1 QN17.
#
#          1. How often do you usually drive a car or other motor vehicle?
# |                             |Frequency|Percent|Valid Percent|Cumulative Percent|
# |Valid   Every day            |     4667|  66.7%|        66.9%|             66.9%|
# |        Several days a week  |     1274|  18.2%|        18.3%|             85.2%|
# |        Once a week or less  |      361|   5.2%|         5.2%|             90.4%|
# |        Only certain times a |      130|   1.9%|         1.9%|             92.3%|
# |        year                 |         |       |             |                  |
# |        Never                |      540|   7.7%|         7.7%|            100.0%|
# |Missing Don't know           |        8|    .1%|             |                  |
# |        Refused              |       19|    .3%|             |                  |
# |Total                        |     6999| 100.0%|             |                  |
#
#  17. When you drink alcoholic beverages, which ONE of the following beverages do
#                              you drink MOST OFTEN?
# |Valid   OR, something else    |        2|    .0%|        .0%|             .0%|
# |        Beer                  |     1073|  15.3%|      25.4%|           25.5%|
# |        Light beer            |      620|   8.9%|      14.7%|           40.2%|
# |        Wine                  |     1418|  20.3%|      33.6%|           73.8%|
# |        Wine coolers          |      137|   2.0%|       3.2%|           77.0%|
# |        Hard liquor or mixed  |      888|  12.7%|      21.0%|           98.0%|
# |        drinks                |         |       |           |                |
# |        Flavored malt drinks  |       83|   1.2%|       2.0%|          100.0%|
# |Missing .                     |     2764|  39.5%|           |                |
# |        Don't know            |       11|    .2%|           |                |
# |        Refused               |        3|    .0%|           |                |
# |Total                         |     6999| 100.0%|           |                |
PSPP_NHTSA = {
    "QN1": {
        "valid": {"Every day": 4667, "Several days a week": 1274, "Once a week or less": 361,
                  "Only certain times a year": 130, "Never": 540},
        "user_missing": {"Don't know": 8, "Refused": 19},
        "system_missing": 0,
    },
    "QN17": {
        "valid": {"OR, something else": 2, "Beer": 1073, "Light beer": 620, "Wine": 1418,
                  "Wine coolers": 137, "Hard liquor or mixed drinks": 888,
                  "Flavored malt drinks": 83},
        "user_missing": {"Don't know": 11, "Refused": 3},
        "system_missing": 2764,
    },
}


def test_pspp_nhtsa_matches_pspp_frequencies():
    df = read("pspp__nhtsa.sav", apply_value_labels=True)
    assert df.shape == (6999, 121)
    assert df.attrs["detected"]["encoding"] == "WINDOWS-1252"
    for column, expected in PSPP_NHTSA.items():
        counts = df[column].value_counts(sort=False)
        # categories in code order, as PSPP lists them; labelled user-missing codes are not
        # categories
        assert counts.to_dict() == expected["valid"], column
        assert list(counts.index) == list(expected["valid"]), column
        assert df.attrs["missing_counts"][column] == expected["user_missing"], column
        user_missing = sum(expected["user_missing"].values())
        assert df[column].isna().sum() == user_missing + expected["system_missing"], column


def test_missing_reasons_match_pspp_frequencies():
    from kirc.io import SYSTEM_MISSING, missing_reasons
    df = read("pspp__nhtsa.sav")
    table = missing_reasons(df, ["QN1", "QN17"])
    for column, expected in PSPP_NHTSA.items():
        rows = table[table["column"] == column]
        wanted = dict(expected["user_missing"])
        if expected["system_missing"]:
            wanted[SYSTEM_MISSING] = expected["system_missing"]
        assert dict(zip(rows["reason"], rows["n"])) == wanted, column


def test_pspp_nhtsa_in_chunks_tallies_like_whole():
    whole = read("pspp__nhtsa.sav")
    tally: dict = {}
    reasons: dict = {}
    for chunk in read("pspp__nhtsa.sav", chunksize=2000, usecols=["QN1", "QN17"]):
        assert chunk.attrs["value_labels"]["QN1"] == whole.attrs["value_labels"]["QN1"]
        for code, n in chunk["QN17"].value_counts().items():
            tally[code] = tally.get(code, 0) + n
        for reason, n in chunk.attrs["missing_counts"].get("QN1", {}).items():
            reasons[reason] = reasons.get(reason, 0) + n
    assert tally == whole["QN17"].value_counts().to_dict()
    assert reasons == whole.attrs["missing_counts"]["QN1"]


# --------------------------------------------------------------------------------------------
# R foreign test files
# --------------------------------------------------------------------------------------------

# FREQUENCIES VARIABLES=ALL /STATISTICS=NONE.  The "Missing" rows per variable; the
# variables declare -3/-2/-1/99 missing in ten different ways (none; one, two, three codes;
# -3 THRU -1; LO THRU -1; 97 THRU HI; and each range plus a code).
PSPP_MVAL_BUG_MISSING = {
    "Q1_MISSING_NONE": {},
    "Q1_MISSING_1": {"(-1) Refused": 5},
    "Q1_MISSING_2": {"(-2) Don't know": 8, "(-1) Refused": 5},
    "Q1_MISSING_3": {"(-3) Missing": 17, "(-2) Don't know": 8, "(-1) Refused": 5},
    "Q1_MISSING_RANGE": {"(-3) Missing": 17, "(-2) Don't know": 8, "(-1) Refused": 5},
    "Q1_MISSING_LOW": {"(-3) Missing": 17, "(-2) Don't know": 8, "(-1) Refused": 5},
    "Q1_MISSING_HIGH": {"(97) Refused": 5, "(98) Don't know": 8, "(99) Missing": 17},
    "Q1_MISSING_RANGE_1": {"(-3) Missing": 17, "(-2) Don't know": 8, "(-1) Refused": 5,
                           "(99) Coding error": 3},
    "Q1_MISSING_LOW_1": {"(-3) Missing": 17, "(-2) Don't know": 8, "(-1) Refused": 5,
                         "(99) Coding error": 3},
    "Q1_MISSING_HIGH_1": {"(-1) Coding error": 3, "(97) Refused": 5, "(98) Don't know": 8,
                          "(99) Missing": 17},
}


def test_foreign_mval_bug_matches_pspp():
    # and the valid rows of Q1_MISSING_3: (1) Approve STRONGLY 142, (2) Approve SOMEWHAT 104,
    # (3) Disapprove SOMEWHAT 71, (4) Disapprove STRONGLY 250, (99) Coding error 3
    df = read("foreign__mval_bug.sav", apply_value_labels=True)
    assert df.shape == (600, 10)
    for column, expected in PSPP_MVAL_BUG_MISSING.items():
        assert df.attrs["missing_counts"].get(column, {}) == expected, column
        assert df[column].notna().sum() == 600 - sum(expected.values()), column
    assert df["Q1_MISSING_3"].value_counts(sort=False).to_dict() == {
        "(1) Approve STRONGLY": 142, "(2) Approve SOMEWHAT": 104,
        "(3) Disapprove SOMEWHAT": 71, "(4) Disapprove STRONGLY": 250, "(99) Coding error": 3}
    assert df.attrs["missing_values"]["Q1_MISSING_HIGH_1"] == {"values": [-1.0],
                                                               "ranges": [[97.0, np.inf]]}


def test_foreign_testdata():
    # FREQUENCIES VARIABLES=factor_n_duplicated factor_n_undeclared /STATISTICS=NONE.
    #   factor_n_duplicated: Valid A 2, A 1, B 1 / Missing . 1
    #   factor_n_undeclared: Valid strongly disagree 2, 2 1, 3 1, 4 1
    # COMPUTE l500 = LENGTH(RTRIM(string_500)). LIST l500.  ->  493, 0, 397, 0, 499 (bytes)
    df = read("foreign__testdata.sav", apply_value_labels=True)
    # two codes labelled "A" share one category
    assert df["factor_n_duplicated"].value_counts(sort=False).to_dict() == {"A": 3, "B": 1}
    undeclared = df["factor_n_undeclared"]
    # codes 1 and 5 are labelled; 2, 3, 4 occur unlabelled and keep their place between them
    assert list(undeclared.cat.categories) == ["strongly disagree", "2", "3", "4",
                                               "strongly agree"]
    assert undeclared.value_counts(sort=False).to_dict() == {
        "strongly disagree": 2, "2": 1, "3": 1, "4": 1, "strongly agree": 0}
    lengths = [len(v.encode("utf-8")) for v in df["string_500"]]
    assert lengths == [493, 0, 397, 0, 499]
    assert df.attrs["missing_counts"]["factor_s_coded_miss"] == {"unknown": 1}
    assert df["factor_numeric"].cat.ordered


def test_foreign_electric_por():
    # FREQUENCIES VARIABLES=FIRSTCHD DAYOFWK /STATISTICS=NONE.
    #   FIRSTCHD: NO CHD 120, SUDDEN  DEATH 36, NONFATALMI 72, FATAL   MI 9, OTHER   CHD 3
    #   DAYOFWK: SUNDAY 19, MONDAY 11, TUESDAY 19, WEDNSDAY 17, THURSDAY 15, FRIDAY 13,
    #            SATURDAY 16 / Missing MISSING 130
    df = read("foreign__electric.por", apply_value_labels=True)
    assert df.shape == (240, 13)
    assert df["FIRSTCHD"].value_counts(sort=False).to_dict() == {
        "NO CHD": 120, "SUDDEN  DEATH": 36, "NONFATALMI": 72, "FATAL   MI": 9,
        "OTHER   CHD": 3}
    assert df["DAYOFWK"].value_counts(sort=False).to_dict() == {
        "SUNDAY": 19, "MONDAY": 11, "TUESDAY": 19, "WEDNSDAY": 17, "THURSDAY": 15,
        "FRIDAY": 13, "SATURDAY": 16}
    assert df.attrs["missing_counts"] == {"DAYOFWK": {"MISSING": 130}}


def test_no_file_triggers_unexpected_warnings():
    names = ["pyreadstat__sample.sav", "savrw__spssio_test.sav", "pspp__hotel.sav",
             "foreign__testdata.sav", "savrw__greetings.sav"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in names:
            read(name, apply_value_labels=True)
