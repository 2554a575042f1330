"""Tests of kirc.io on small files generated in tmp_path.

The expected values are the ones the test writes into the file, so each check is against data
known independently of the reader. Where a conversion could be wrong in a way the writer would
not reveal (dates, the weight variable), the expected value comes from PSPP 1.6.2, with the
command in a comment. Real third-party files are in tests/test_realdata_sav.py.
"""

from __future__ import annotations

import os
import pickle
import struct
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from kirc.io import platforms  # the module read_survey dispatches through
from kirc.errors import ColumnError, InputFileError, KircError, ParameterError
from kirc.io import KircWarning, detect_encoding, read_survey, sniff_csv


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture
def survey_sav(tmp_path):
    """A consumer survey with labelled items and every kind of SPSS missing-value declaration."""
    data = pd.DataFrame({
        "id": [1.0, 2, 3, 4, 5, 6, 7, 8],
        # 0-10 recommend score; 98 "weet niet", 99 "geen antwoord" declared missing
        "nps": [10.0, 9, 98, 3, 99, 7, 98, 0],
        # 1-5 satisfaction; LO THRU -1 declared missing (range)
        "csat": [5.0, -1, 4, -9, 2, np.nan, 1, 4],
        # channel; range -3 THRU -1 plus the discrete code 9 (range plus value)
        "kanaal": [1.0, 2, -2, 9, 3, -3, 1, 7],
        # string item with two discrete missing codes
        "sector": ["zorg", "XX", "energie", "zorg", "YY", "XX", "", "overheid"],
        "opmerking": ["prima", "", "traag", "snel geholpen", "", "", "Geïnformeerd", "n.v.t."],
    })
    path = tmp_path / "klantcontact_2024.sav"
    pyreadstat.write_sav(
        data, path,
        file_label="Klantcontact monitor 2024",
        column_labels={"nps": "Hoe waarschijnlijk is het dat u ons aanbeveelt?",
                       "csat": "Hoe tevreden bent u?", "kanaal": "Contactkanaal"},
        variable_value_labels={
            "nps": {0.0: "zeker niet", 10.0: "zeker wel", 98.0: "weet niet",
                    99.0: "geen antwoord"},
            # labels deliberately not in alphabetical order of the codes' labels
            "csat": {1.0: "zeer ontevreden", 2.0: "ontevreden", 3.0: "neutraal",
                     4.0: "tevreden", 5.0: "zeer tevreden", -1.0: "weet niet"},
            "kanaal": {1.0: "telefoon", 2.0: "chat", 3.0: "e-mail", 9.0: "anders"},
            "sector": {"zorg": "Zorg", "energie": "Energie", "overheid": "Overheid",
                       "XX": "onbekend"},
        },
        missing_ranges={
            "nps": [98, 99],
            "csat": [{"lo": -np.inf, "hi": -1}],
            "kanaal": [{"lo": -3, "hi": -1}, 9],
            "sector": ["XX", "YY"],
        },
        variable_measure={"nps": "scale", "csat": "ordinal", "kanaal": "nominal",
                          "sector": "nominal", "opmerking": "nominal", "id": "scale"},
    )
    return path


def _write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------------------------
# SPSS: user-missing values and metadata
# --------------------------------------------------------------------------------------------

def test_user_missing_codes_become_nan_and_are_counted_per_reason(survey_sav):
    df = read_survey(survey_sav)
    assert df["nps"].isna().tolist() == [False, False, True, False, True, False, True, False]
    assert df["nps"].dropna().tolist() == [10.0, 9.0, 3.0, 7.0, 0.0]
    # LO THRU -1: -1 and -9 are missing; the system-missing cell stays missing, uncounted
    assert df["csat"].tolist()[2] == 4.0
    assert df["csat"].isna().tolist() == [False, True, False, True, False, True, False, False]
    # -3 THRU -1 plus 9
    assert df["kanaal"].dropna().tolist() == [1.0, 2.0, 3.0, 1.0, 7.0]
    assert df["sector"].isna().tolist() == [False, True, False, False, True, True, False, False]
    assert df.attrs["missing_counts"] == {
        "nps": {"weet niet": 2, "geen antwoord": 1},
        "csat": {"-9": 1, "weet niet": 1},
        "kanaal": {"-3": 1, "-2": 1, "anders": 1},
        "sector": {"onbekend": 2, "YY": 1},
    }


def test_declared_missing_values_are_recorded(survey_sav):
    declared = read_survey(survey_sav).attrs["missing_values"]
    assert declared["nps"] == {"values": [98.0, 99.0], "ranges": []}
    assert declared["csat"] == {"values": [], "ranges": [[-np.inf, -1.0]]}
    assert declared["kanaal"] == {"values": [9.0], "ranges": [[-3.0, -1.0]]}
    assert declared["sector"] == {"values": ["XX", "YY"], "ranges": []}
    assert "opmerking" not in declared


def test_spss_metadata(survey_sav):
    attrs = read_survey(survey_sav).attrs
    assert attrs["source"] == str(survey_sav)
    assert attrs["format"] == "sav"
    assert attrs["file_label"] == "Klantcontact monitor 2024"
    assert attrs["variable_labels"]["csat"] == "Hoe tevreden bent u?"
    assert attrs["value_labels"]["kanaal"] == {1.0: "telefoon", 2.0: "chat", 3.0: "e-mail",
                                              9.0: "anders"}
    assert attrs["measure_levels"] == {"id": "scale", "nps": "scale", "csat": "ordinal",
                                       "kanaal": "nominal", "sector": "nominal",
                                       "opmerking": "nominal"}
    assert attrs["weight"] is None
    assert attrs["mr_sets"] == {}
    assert attrs["detected"]["encoding"].upper() == "UTF-8"
    # plain, picklable containers (they travel to worker processes)
    assert pickle.loads(pickle.dumps(attrs)) == attrs


def test_value_labels_not_applied_by_default(survey_sav):
    df = read_survey(survey_sav)
    assert df["csat"].dtype == np.float64
    assert df["sector"].tolist()[0] == "zorg"


def test_apply_value_labels_categories_in_code_order(survey_sav):
    df = read_survey(survey_sav, apply_value_labels=True)
    csat = df["csat"]
    assert isinstance(csat.dtype, pd.CategoricalDtype)
    # code order 1..5, not alphabetical; "weet niet" (-1) is declared missing so not a category
    assert list(csat.cat.categories) == ["zeer ontevreden", "ontevreden", "neutraal",
                                         "tevreden", "zeer tevreden"]
    assert csat.cat.ordered                                  # ordinal measure level
    assert csat.tolist()[0] == "zeer tevreden"
    # "neutraal" (3) has a label but does not occur: still a category, with count 0
    assert csat.value_counts()["neutraal"] == 0
    # a scale with labelled end points: unlabelled codes keep their place in code order
    assert list(df["nps"].cat.categories) == ["zeker niet", "3", "7", "9", "zeker wel"]
    kanaal = df["kanaal"]
    assert not kanaal.cat.ordered
    # 7 has no label: kept, after the labelled codes, as its code text
    assert list(kanaal.cat.categories) == ["telefoon", "chat", "e-mail", "7"]
    assert kanaal.isna().tolist() == [False, False, True, True, False, True, False, False]
    assert kanaal.dropna().tolist() == ["telefoon", "chat", "e-mail", "telefoon", "7"]
    assert kanaal.value_counts().to_dict() == {"telefoon": 2, "chat": 1, "e-mail": 1, "7": 1}
    sector = df["sector"]
    # string codes in code order (energie < overheid < zorg); the blank answer is missing
    assert list(sector.cat.categories) == ["Energie", "Overheid", "Zorg"]
    assert sector.value_counts().to_dict() == {"Energie": 1, "Overheid": 1, "Zorg": 2}
    # the unlabelled free-text column is left alone
    assert df["opmerking"].tolist()[6] == "Geïnformeerd"


def test_column_with_labels_only_on_missing_codes_stays_numeric(tmp_path):
    path = tmp_path / "bedrag.sav"
    pyreadstat.write_sav(pd.DataFrame({"bedrag": [12.5, 999.0, 30.0]}), path,
                         variable_value_labels={"bedrag": {999.0: "geweigerd"}},
                         missing_ranges={"bedrag": [999]})
    df = read_survey(path, apply_value_labels=True)
    assert df["bedrag"].dtype == np.float64
    assert df.attrs["missing_counts"] == {"bedrag": {"geweigerd": 1}}


def test_duplicated_labels_share_a_category(tmp_path):
    path = tmp_path / "dup.sav"
    pyreadstat.write_sav(pd.DataFrame({"q": [1.0, 2, 3, 2]}), path,
                         variable_value_labels={"q": {1.0: "ja", 2.0: "ja", 3.0: "nee"}})
    q = read_survey(path, apply_value_labels=True)["q"]
    assert list(q.cat.categories) == ["ja", "nee"]
    assert q.tolist() == ["ja", "ja", "nee", "ja"]


def test_usecols_selects_in_the_order_given_and_filters_metadata(survey_sav):
    df = read_survey(survey_sav, usecols=["kanaal", "nps"])
    assert list(df.columns) == ["kanaal", "nps"]
    assert set(df.attrs["missing_counts"]) == {"kanaal", "nps"}
    assert set(df.attrs["value_labels"]) == {"kanaal", "nps"}
    assert set(df.attrs["measure_levels"]) == {"kanaal", "nps"}


def test_usecols_unknown_column(survey_sav):
    with pytest.raises(ColumnError) as err:
        read_survey(survey_sav, usecols=["nps", "tevredenheid"])
    assert err.value.column == "tevredenheid"
    assert str(survey_sav) in str(err.value)


def test_row_limit_and_offset_match_slicing(survey_sav):
    whole = read_survey(survey_sav)
    part = read_survey(survey_sav, row_offset=2, row_limit=3)
    pd.testing.assert_frame_equal(part, whole.iloc[2:5].reset_index(drop=True))
    assert part.attrs["missing_counts"]["nps"] == {"weet niet": 1, "geen antwoord": 1}


def test_chunks_tally_to_the_whole(survey_sav):
    whole = read_survey(survey_sav, apply_value_labels=True)
    chunks = list(read_survey(survey_sav, chunksize=3, apply_value_labels=True))
    assert [len(c) for c in chunks] == [3, 3, 2]
    for chunk in chunks:
        assert chunk.attrs["value_labels"] == whole.attrs["value_labels"]
    tally = pd.concat([c["csat"].value_counts() for c in chunks]).groupby(level=0,
                                                                           observed=False).sum()
    pd.testing.assert_series_equal(tally.sort_index(), whole["csat"].value_counts().sort_index(),
                                   check_names=False, check_dtype=False)
    reasons: dict = {}
    for chunk in chunks:
        for column, counts in chunk.attrs["missing_counts"].items():
            for reason, n in counts.items():
                reasons.setdefault(column, {}).setdefault(reason, 0)
                reasons[column][reason] += n
    assert reasons == whole.attrs["missing_counts"]


def test_chunks_with_offset_and_limit(survey_sav):
    chunks = list(read_survey(survey_sav, chunksize=2, row_offset=1, row_limit=5))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert pd.concat(chunks)["id"].tolist() == [2.0, 3.0, 4.0, 5.0, 6.0]


def test_zsav_is_read_and_reported(tmp_path):
    path = tmp_path / "comp.zsav"
    pyreadstat.write_sav(pd.DataFrame({"q": [1.0, 2.0, 9.0]}), path, compress=True,
                         missing_ranges={"q": [9]})
    df = read_survey(path)
    assert df.attrs["format"] == "zsav"
    assert df.attrs["missing_counts"] == {"q": {"9": 1}}


def test_extension_is_case_insensitive(survey_sav, tmp_path):
    upper = tmp_path / "KLANT.SAV"
    upper.write_bytes(survey_sav.read_bytes())
    assert read_survey(upper).shape == (8, 6)


def test_non_ascii_names_and_values(tmp_path):
    path = tmp_path / "umlaut.sav"
    data = pd.DataFrame({"tevredenheid_ü": [1.0, 2.0], "toelichting": ["Geïnformeerd", "ΚΑΛΗΜΕΡΑ"]})
    pyreadstat.write_sav(data, path)
    df = read_survey(path)
    assert list(df.columns) == ["tevredenheid_ü", "toelichting"]
    assert df["toelichting"].tolist() == ["Geïnformeerd", "ΚΑΛΗΜΕΡΑ"]


def test_dates_far_out_of_range_become_nat_with_a_warning(tmp_path):
    # Seconds since 1582-10-14. PSPP 1.6.2 agrees on the valid values:
    #   GET FILE='dt.sav'. LIST.  ->  26-SEP-1994 23:06:40 | 00:01:30, and 30:00:00 for duur.
    path = tmp_path / "dt.sav"
    data = pd.DataFrame({"interview": [13_000_000_000.0, 6.3e12, np.nan, -1e13],
                         "duur": [90.0, 108_000.0, np.nan, 5.0]})
    pyreadstat.write_sav(data, path,
                         variable_format={"interview": "DATETIME20", "duur": "TIME8"})
    with pytest.raises(OverflowError):      # what a naive read does
        pyreadstat.read_sav(path)
    with pytest.warns(KircWarning, match=r"column 'interview': 2 row\(s\)"):
        df = read_survey(path)
    assert df["interview"].iloc[0] == pd.Timestamp("1994-09-26 23:06:40")
    assert df["interview"].isna().tolist() == [False, True, True, True]
    assert df["duur"].tolist()[:2] == [pd.Timedelta(seconds=90), pd.Timedelta(hours=30)]


def test_no_warning_for_ordinary_dates(tmp_path):
    path = tmp_path / "ok.sav"
    pyreadstat.write_sav(pd.DataFrame({"d": pd.to_datetime(["2024-03-01", "1999-12-31"])}),
                         path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = read_survey(path)
    assert df["d"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("1999-12-31")]


def _with_weight(source, target, slot):
    """Copy a .sav, declaring the variable in dictionary slot ``slot`` as weight (header
    field weight_index, bytes 76-79); pyreadstat cannot write a weight itself."""
    raw = bytearray(source.read_bytes())
    raw[76:80] = struct.pack("<i", slot)
    target.write_bytes(bytes(raw))
    return target


def test_weight_variable_read_from_the_header(tmp_path):
    # naam is A20: three 8-byte dictionary slots, so weegfactor_2024 is slot 4 and its
    # record holds the short name WEEGFACT; the long-names record maps it back.
    # PSPP 1.6.2 on the patched file: SYSFILE INFO FILE='w.sav'.  ->  Weight | weegfactor_2024
    plain = tmp_path / "plain.sav"
    data = pd.DataFrame({"naam": ["Anne-Wil van Dijk", "Bo"], "weegfactor_2024": [0.5, 1.5],
                         "nps": [8.0, 6.0]})
    pyreadstat.write_sav(data, plain)
    assert read_survey(plain).attrs["weight"] is None
    weighted = _with_weight(plain, tmp_path / "w.sav", 4)
    assert read_survey(weighted).attrs["weight"] == "weegfactor_2024"
    assert read_survey(_with_weight(plain, tmp_path / "w5.sav", 5)).attrs["weight"] == "nps"


def test_encoding_override_for_spss(tmp_path):
    path = tmp_path / "enc.sav"
    pyreadstat.write_sav(pd.DataFrame({"q": [1.0]}), path)
    assert read_survey(path, encoding="utf-8").attrs["detected"]["encoding"] == "utf-8"


# --------------------------------------------------------------------------------------------
# Stata
# --------------------------------------------------------------------------------------------

def test_stata_extended_missing_and_dates(tmp_path):
    path = tmp_path / "s.dta"
    data = pd.DataFrame({"q": pd.Series([1, 2, "a", 3, "b", 2], dtype=object),
                         "d": pd.to_datetime(["2020-01-01", "1999-12-31", None, "2020-01-01",
                                              "2020-01-01", "2021-06-30"])})
    pyreadstat.write_dta(data, path, missing_user_values={"q": ["a", "b"]},
                         variable_value_labels={"q": {1: "een", 2: "twee"}})
    df = read_survey(path)
    assert df.attrs["format"] == "dta"
    assert df["q"].tolist()[:2] == [1.0, 2.0] and df["q"].isna().sum() == 2
    assert df.attrs["missing_counts"] == {"q": {".a": 1, ".b": 1}}
    assert df.attrs["missing_values"] == {"q": {"values": [".a", ".b"], "ranges": []}}
    assert df["d"].iloc[1] == pd.Timestamp("1999-12-31")
    labelled = read_survey(path, apply_value_labels=True)["q"]
    assert list(labelled.cat.categories) == ["een", "twee", "3"]


# --------------------------------------------------------------------------------------------
# errors: every problem is an InputFileError naming the file, with the cause kept
# --------------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="does not exist") as err:
        read_survey(tmp_path / "weg.sav")
    assert err.value.file == str(tmp_path / "weg.sav")


def test_directory(tmp_path):
    with pytest.raises(InputFileError, match="directory"):
        read_survey(tmp_path)


@pytest.mark.parametrize("name", ["leeg.sav", "leeg.csv", "leeg.xlsx", "leeg.dta", "leeg.por"])
def test_empty_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"empty \(0 bytes\)") as err:
        read_survey(path)
    assert str(path) in str(err.value)


def test_unknown_extension_lists_supported_formats(tmp_path):
    path = tmp_path / "antwoorden.json"
    path.write_text("{}")
    with pytest.raises(InputFileError) as err:
        read_survey(path)
    message = str(err.value)
    assert str(path) in message and "'.json'" in message
    for ext in (".sav", ".zsav", ".por", ".dta", ".csv", ".tsv", ".xlsx"):
        assert ext in message


def test_old_excel_gets_a_hint(tmp_path):
    path = tmp_path / "oud.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputFileError, match=r"\.xlsx"):
        read_survey(path)


@pytest.mark.parametrize("keep", [3, 60, 176, 300, 600, -200, -9, -1])
def test_truncated_sav(survey_sav, tmp_path, keep):
    raw = survey_sav.read_bytes()
    path = tmp_path / "afgebroken.sav"
    path.write_bytes(raw[:keep] if keep > 0 else raw[:len(raw) + keep])
    with pytest.raises(InputFileError) as err:
        read_survey(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert any(word in message for word in ("truncated", "not an SPSS", "not a valid"))


def test_truncated_zsav(tmp_path):
    source = tmp_path / "heel.zsav"
    pyreadstat.write_sav(pd.DataFrame({"q": np.arange(500.0)}), source, compress=True)
    raw = source.read_bytes()
    path = tmp_path / "half.zsav"
    path.write_bytes(raw[: len(raw) - 40])
    with pytest.raises(InputFileError, match="truncated"):
        read_survey(path)


def test_garbage_with_sav_extension(tmp_path):
    path = tmp_path / "rommel.sav"
    path.write_bytes(os.urandom(3000).replace(b"$FL", b"xxx"))
    with pytest.raises(InputFileError, match="not an SPSS system file"):
        read_survey(path)


def test_text_file_named_sav(tmp_path):
    path = tmp_path / "eigenlijk.sav"
    path.write_text("id;nps\n1;9\n")
    with pytest.raises(InputFileError, match="looks like a text file"):
        read_survey(path)


def test_encrypted_sav_is_refused(survey_sav, tmp_path):
    # Encrypted system files start with a 36-byte header holding "ENCRYPTEDSAV" at offset 8
    # (PSPP manual, "Encrypted System Files"); the rest is AES ciphertext.
    path = tmp_path / "geheim.sav"
    path.write_bytes(b"\x1c\x00\x00\x00\x00\x00\x00\x00ENCRYPTEDSAV" + b"\x15" + b"\x00" * 15
                     + os.urandom(512))
    with pytest.raises(InputFileError, match="encrypted") as err:
        read_survey(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("name", ["rommel.dta", "rommel.por"])
def test_garbage_stata_and_portable(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"this is not a data file at all\n" * 3)
    with pytest.raises(InputFileError) as err:
        read_survey(path)
    assert err.value.__cause__ is not None            # the library's error is kept
    assert str(path) in str(err.value)


def test_xlsx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "nep.xlsx"
    path.write_text("id,nps\n1,9\n")
    with pytest.raises(InputFileError, match="not an .xlsx workbook.*text file"):
        read_survey(path)


def test_truncated_xlsx(tmp_path):
    source = tmp_path / "heel.xlsx"
    pd.DataFrame({"id": range(50), "nps": range(50)}).to_excel(source, index=False)
    path = tmp_path / "half.xlsx"
    path.write_bytes(source.read_bytes()[:1500])
    with pytest.raises(InputFileError, match="damaged") as err:
        read_survey(path)
    assert err.value.__cause__ is not None


def test_binary_file_named_csv(survey_sav, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(survey_sav.read_bytes())
    with pytest.raises(InputFileError, match="not a text file.*SPSS system file"):
        read_survey(path, source="generic")


def test_unknown_encoding(tmp_path):
    path = tmp_path / "cp.sav"
    pyreadstat.write_sav(pd.DataFrame({"q": [1.0]}), path)
    with pytest.raises(ParameterError, match="not a known text encoding"):
        read_survey(path, encoding="klingon")


@pytest.mark.parametrize("kwargs", [
    {"source": "typeform"}, {"row_offset": -1}, {"row_limit": 0}, {"chunksize": 0},
    {"header_row": -2}, {"usecols": "nps"}, {"sheet": 1.5}, {"sep": ""},
])
def test_bad_arguments(survey_sav, kwargs):
    with pytest.raises(ParameterError):
        read_survey(survey_sav, **kwargs)


def test_errors_are_kirc_errors(tmp_path):
    path = tmp_path / "x.sav"
    path.write_bytes(b"$FL2" + b"\x00" * 20)
    with pytest.raises(KircError):
        read_survey(path)


# --------------------------------------------------------------------------------------------
# text files
# --------------------------------------------------------------------------------------------

def test_detect_encoding():
    assert detect_encoding(b"\xef\xbb\xbfid;nps\n") == "utf-8-sig"
    assert detect_encoding("id\tnaam\n".encode("utf-16")) == "utf-16"
    assert detect_encoding("één;twee\n".encode("utf-8")) == "utf-8"
    assert detect_encoding("één;twee\n".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"plain ascii") == "utf-8"
    # a sample cut in the middle of a multi-byte character is still UTF-8
    assert detect_encoding("Geïnformeerd".encode("utf-8")[:3]) == "utf-8"
    # 0x81 is undefined in cp1252
    assert detect_encoding(b"a\x81b\xe9") == "latin-1"


@pytest.mark.parametrize("text, expected", [
    ("id;nps;wachttijd\n1;9;1,25\n2;6;3,5\n", {"sep": ";", "decimal": ","}),
    ("id;nps;wachttijd\n1;9;1.25\n2;6;3.5\n", {"sep": ";", "decimal": "."}),
    ("id,nps,wachttijd\n1,9,1.25\n2,6,3.5\n", {"sep": ",", "decimal": "."}),
    ("id\tnps\tnaam\n1\t9\tAnne\n2\t6\tBo\n", {"sep": "\t", "decimal": "."}),
    ("id|nps\n1|9\n2|6\n", {"sep": "|", "decimal": "."}),
    # quoted free text full of semicolons must not fool the separator detection
    ('id,opmerking,nps\n1,"snel; vriendelijk; goed",9\n2,"traag; slecht",3\n3,ok,7\n',
     {"sep": ",", "decimal": "."}),
    ('id;opmerking;cijfer\n1;"goed, snel, vriendelijk";7,5\n2;"matig, traag";5,5\n',
     {"sep": ";", "decimal": ","}),
])
def test_sniff_csv(text, expected):
    assert sniff_csv(text) == expected


def test_sniff_csv_ignores_a_cut_off_last_line():
    assert sniff_csv("a;b;c\n1;2;3\n4;5") == {"sep": ";", "decimal": "."}


@pytest.mark.parametrize("blank_lines", [False, True])
def test_sniffed_cells_of_a_large_sample_are_those_csv_reader_gives(tmp_path, blank_lines):
    """Over a thousand sampled rows are split at once (runs of lines joined, quoted rows
    from csv.reader); the decimal evidence and the leading zeros must still land in their
    own columns, past quoted fields with separators and line breaks, and blank lines."""
    import csv
    import io
    import random

    rng = random.Random(11)
    lines = ["id;opmerking;bedrag;code"]
    for i in range(1500):
        remark = rng.choice(["snel", '"traag; heel traag"', '"bel mij\nterug"', "", "ok"])
        amount = rng.choice(["12,50", "7", "3,25", "100"])
        code = f"{rng.randint(0, 99):04d}" if i > 1200 else str(rng.randint(100, 999))
        lines.append(f"{i};{remark};{amount};{code}")
        if blank_lines and i % 97 == 0:
            lines.append("")
    text = "\n".join(lines) + "\n"
    path = _write_csv(tmp_path / "groot.csv", text)
    df = read_survey(path, source="generic")
    # the reference: csv.reader over the whole text
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") if row]
    comma = sum("," in row[2] for row in rows[1:])
    decimal = next(d for d in df.attrs["detected"]["decisions"] if d["what"] == "decimal mark")
    assert decimal["why"].startswith(f"{comma} number(s) with a decimal comma against 0 ")
    assert df["code"].tolist() == [row[3] for row in rows[1:]]      # leading zeros kept
    assert df["bedrag"].tolist() == [float(row[2].replace(",", ".")) for row in rows[1:]]
    assert df["opmerking"].fillna("").tolist() == [row[1] for row in rows[1:]]


@pytest.mark.parametrize("ending", ["", "\n"])
def test_the_sample_holds_at_most_sample_lines_lines(ending):
    """A whole text of exactly SAMPLE_LINES + 1 lines is sampled to SAMPLE_LINES of them,
    with or without a line break at the end."""
    from kirc.io.text import SAMPLE_LINES, sniff_table

    lines = ["id;nps"] + [f"{i};{i % 11}" for i in range(SAMPLE_LINES)]
    sniffed = sniff_table("\n".join(lines) + ending, complete=True)
    assert sniffed["rows_sampled"] == SAMPLE_LINES - 1
    shorter = sniff_table("\n".join(lines[:-1]) + ending, complete=True)
    assert shorter["rows_sampled"] == SAMPLE_LINES - 1


def test_dutch_csv_cp1252(tmp_path):
    path = _write_csv(tmp_path / "nl.csv",
                      "respondent;sector;wachttijd;oordeel\n1;Energie;1,25;Geïnformeerd\n"
                      "2;Zorg;3,5;None\n3;Overheid;;#NULL!\n", encoding="cp1252")
    df = read_survey(path, source="generic")
    assert df["wachttijd"].tolist()[:2] == [1.25, 3.5] and np.isnan(df["wachttijd"].iloc[2])
    assert df["oordeel"].tolist()[:2] == ["Geïnformeerd", "None"]   # "None" is an answer
    assert pd.isna(df["oordeel"].iloc[2])                              # SPSS's #NULL!
    detected = df.attrs["detected"]
    assert {k: detected[k] for k in ("encoding", "sep", "decimal", "header_rows", "header_row",
                                     "platform")} == {
        "encoding": "cp1252", "sep": ";", "decimal": ",", "header_rows": 1, "header_row": 0,
        "platform": None}
    # what was decided, and why, for kirc inspect (issue 11)
    assert [d["what"] for d in detected["decisions"]] == ["separator", "decimal mark"]
    assert df.attrs["format"] == "csv"
    for key in ("file_label", "variable_labels", "value_labels", "missing_values",
                "missing_counts", "measure_levels", "mr_sets", "weight"):
        assert key in df.attrs


def test_csv_with_bom(tmp_path):
    path = _write_csv(tmp_path / "bom.csv", "\ufeffid,nps\n1,9\n2,10\n")
    df = read_survey(path, source="generic")
    assert list(df.columns) == ["id", "nps"]
    assert df.attrs["detected"]["encoding"] == "utf-8-sig"


def test_utf16_tab_separated(tmp_path):
    path = _write_csv(tmp_path / "unicode.txt", "id\tnaam\n1\tZoë\n2\tŁukasz\n", "utf-16")
    df = read_survey(path, source="generic", personal_data="keep")
    assert df["naam"].tolist() == ["Zoë", "Łukasz"]
    assert df.attrs["detected"]["sep"] == "\t"


def test_non_utf8_byte_after_the_sample_is_found(tmp_path):
    # the whole file is checked, not just the 64 KB sample
    body = "id;opmerking\n" + "".join(f"{i};goed\n" for i in range(20_000)) + "20000;café\n"
    path = _write_csv(tmp_path / "lang.csv", body, encoding="cp1252")
    df = read_survey(path, source="generic")
    assert df.attrs["detected"]["encoding"] == "cp1252"
    assert df["opmerking"].iloc[-1] == "café"


def test_csv_overrides_are_used_and_recorded(tmp_path):
    path = _write_csv(tmp_path / "o.csv", "titel\nid;score\n1;7,5\n2;8,0\n")
    df = read_survey(path, source="generic", sep=";", decimal=",", encoding="latin-1",
                     header_row=1)
    assert df["score"].tolist() == [7.5, 8.0]
    detected = df.attrs["detected"]
    assert {k: detected[k] for k in ("encoding", "sep", "decimal", "header_rows", "header_row",
                                     "platform")} == {
        "encoding": "latin-1", "sep": ";", "decimal": ",", "header_rows": 1, "header_row": 1,
        "platform": None}
    assert detected["decisions"] == []      # everything was given: nothing decided


def test_tsv_extension_defaults_to_tab(tmp_path):
    path = _write_csv(tmp_path / "a.tsv", "id\tcommentaar\n1\tja, prima\n")
    assert read_survey(path, source="generic")["commentaar"].tolist() == ["ja, prima"]


def test_csv_wrong_encoding_override(tmp_path):
    path = _write_csv(tmp_path / "cp.csv", "id;naam\n1;Zoë\n", encoding="cp1252")
    with pytest.raises(InputFileError, match="not valid utf-8") as err:
        read_survey(path, source="generic", encoding="utf-8")
    assert str(path) in str(err.value)


def test_csv_malformed(tmp_path):
    path = _write_csv(tmp_path / "kapot.csv", 'id,opmerking\n1,"nooit gesloten\n2,ok\n')
    with pytest.raises(InputFileError, match="not well-formed"):
        read_survey(path, source="generic")


def test_csv_blank(tmp_path):
    path = _write_csv(tmp_path / "blank.csv", "\n\n  \n")
    with pytest.raises(InputFileError, match="no data"):
        read_survey(path, source="generic")


def test_csv_usecols_rows_and_chunks(tmp_path):
    lines = "id,nps,sector\n" + "".join(f"{i},{i % 11},{'ab'[i % 2]}\n" for i in range(25))
    path = _write_csv(tmp_path / "n.csv", lines)
    whole = read_survey(path, source="generic")
    assert len(whole) == 25
    part = read_survey(path, source="generic", usecols=["sector", "id"], row_offset=5,
                       row_limit=4)
    assert list(part.columns) == ["sector", "id"]
    assert part["id"].tolist() == [5, 6, 7, 8]
    chunks = list(read_survey(path, source="generic", chunksize=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert all(c.attrs["detected"] == whole.attrs["detected"] for c in chunks)
    tally = pd.concat([c["nps"].value_counts() for c in chunks]).groupby(level=0).sum()
    pd.testing.assert_series_equal(tally.sort_index(), whole["nps"].value_counts().sort_index(),
                                   check_names=False, check_dtype=False)
    with pytest.raises(ColumnError):
        read_survey(path, source="generic", usecols=["nps", "csat"])


def test_auto_source_dispatches_to_the_platform_reader(tmp_path, monkeypatch):
    path = _write_csv(tmp_path / "q.csv", "StartDate,Q1\nStart Date,Hoe?\n2024-01-01,7\n"
                      "2024-01-02,8\n2024-01-03,9\n")
    seen = {}

    def fake_detect(p, text):
        seen["detect"] = (p, text)
        return "qualtrics"

    # read_survey streams platform exports through read_chunks (issue 11), which applies
    # row_offset and row_limit while streaming
    def fake_read(p, kind, *, text=None, encoding=None, chunksize=None, row_offset=0,
                  row_limit=None):
        seen["read"] = (p, kind, encoding)
        frame = pd.DataFrame({"StartDate": ["2024-01-01", "2024-01-02", "2024-01-03"],
                              "Q1": [7, 8, 9]})
        stop = None if row_limit is None else row_offset + row_limit
        frame = frame.iloc[row_offset:stop]
        frame.attrs = {"source": str(p), "format": "qualtrics",
                       "variable_labels": {"Q1": "Hoe?"},
                       "detected": {"header_rows": 2, "platform": "qualtrics"}}
        yield frame

    monkeypatch.setattr(platforms, "detect", fake_detect)
    monkeypatch.setattr(platforms, "read_chunks", fake_read)
    df = read_survey(path, usecols=["Q1"], row_offset=1)
    assert seen["detect"][1].startswith("StartDate,Q1")
    assert seen["read"] == (path, "qualtrics", "utf-8")
    assert df["Q1"].tolist() == [8, 9]
    assert df.attrs["format"] == "qualtrics"
    assert df.attrs["variable_labels"] == {"Q1": "Hoe?"}
    assert df.attrs["detected"]["header_rows"] == 2
    assert df.attrs["missing_counts"] == {}        # keys the platform did not fill
    # a named source skips detection
    seen.clear()
    read_survey(path, source="qualtrics")
    assert "detect" not in seen and seen["read"][1] == "qualtrics"
    # generic skips the platform module altogether
    seen.clear()
    # (as a plain table its header is the text line right above the values: issue 26)
    assert list(read_survey(path, source="generic").columns) == ["Start Date", "Hoe?"]
    assert seen == {}


def test_auto_source_falls_back_to_generic(tmp_path, monkeypatch):
    monkeypatch.setattr(platforms, "detect", lambda p, text: None)
    path = _write_csv(tmp_path / "plain.csv", "id;nps\n1;9\n")
    pd.testing.assert_frame_equal(read_survey(path), read_survey(path, source="generic"))


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

@pytest.fixture
def titled_xlsx(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Resultaten"
    sheet.append(["Klantcontact monitor 2024"])
    sheet.append([])
    sheet.append(["Bron: online panel", None])
    sheet.append(["id", "nps", "sector", 2024])
    sheet.append([1, 9, "Zorg", "x"])
    sheet.append([2, 6, "Energie", None])
    sheet.append([3, None, "Zorg", "y"])
    other = workbook.create_sheet("Organisaties")
    other.append(["org", "fte"])
    other.append(["A", 3.5])
    workbook.create_sheet("Leeg")
    path = tmp_path / "monitor.xlsx"
    workbook.save(path)
    return path


def test_excel_header_below_title_rows(titled_xlsx):
    df = read_survey(titled_xlsx)
    assert list(df.columns) == ["id", "nps", "sector", "2024"]
    assert df["id"].tolist() == [1, 2, 3]
    assert df["nps"].tolist()[:2] == [9.0, 6.0]
    assert df.attrs["detected"]["header_row"] == 3
    assert df.attrs["detected"]["sheet"] == "Resultaten"
    assert df.attrs["format"] == "xlsx"


def test_excel_options(titled_xlsx):
    df = read_survey(titled_xlsx, header_row=3, usecols=["2024", "id"], row_offset=1,
                     row_limit=1)
    assert list(df.columns) == ["2024", "id"]
    assert df["id"].tolist() == [2]
    assert read_survey(titled_xlsx, sheet="Organisaties")["fte"].tolist() == [3.5]
    assert read_survey(titled_xlsx, sheet=1)["org"].tolist() == ["A"]
    chunks = list(read_survey(titled_xlsx, chunksize=2))
    assert [len(c) for c in chunks] == [2, 1]


def test_excel_sheet_errors(titled_xlsx):
    with pytest.raises(ParameterError, match="'Resultaten', 'Organisaties', 'Leeg'"):
        read_survey(titled_xlsx, sheet="Blad1")
    with pytest.raises(ParameterError):
        read_survey(titled_xlsx, sheet=7)
    with pytest.raises(InputFileError, match="holds no data"):
        read_survey(titled_xlsx, sheet="Leeg")
    with pytest.raises(ColumnError):
        read_survey(titled_xlsx, usecols=["csat"])


# --------------------------------------------------------------------------------------------
# inputs are never modified
# --------------------------------------------------------------------------------------------

def _fingerprint(path):
    stat = path.stat()
    return path.read_bytes(), stat.st_mtime_ns


@pytest.mark.parametrize("kind", ["sav", "csv", "xlsx"])
def test_input_file_is_not_modified(survey_sav, titled_xlsx, tmp_path, kind):
    path = {"sav": survey_sav, "xlsx": titled_xlsx,
            "csv": _write_csv(tmp_path / "a.csv", "id;nps\n1;9\n2;98\n")}[kind]
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _fingerprint(path)
    read_survey(path, source="generic", apply_value_labels=True)
    list(read_survey(path, source="generic", chunksize=1))
    assert _fingerprint(path) == before


def test_caller_arguments_and_attrs_are_not_shared(survey_sav):
    wanted = ["nps", "csat"]
    first = read_survey(survey_sav, usecols=wanted)
    assert wanted == ["nps", "csat"]
    first.attrs["value_labels"]["nps"][0.0] = "veranderd"
    first.attrs["missing_counts"].clear()
    second = read_survey(survey_sav, usecols=wanted)
    assert second.attrs["value_labels"]["nps"][0.0] == "zeker niet"
    assert second.attrs["missing_counts"]
    chunks = list(read_survey(survey_sav, chunksize=4))
    chunks[0].attrs["value_labels"].clear()
    assert chunks[1].attrs["value_labels"]
