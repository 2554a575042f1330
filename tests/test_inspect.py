"""``kirc inspect`` (kirc.inspect.describe via kirc.cli.main): a summary or a clear refusal."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REALDATA, ROOT, realdata_file

from kirc.cli import main
from kirc.errors import InputFileError
from kirc.inspect import describe, format_summary

REAL_FILES = (sorted(str(p.relative_to(REALDATA)) for p in REALDATA.rglob("*") if p.is_file())
              if REALDATA.is_dir() else ["(../shared/realdata absent)"])

# Files the README says must be refused, and the Qualtrics survey definition (not a data file).
REFUSED = {"sav/pspp__hotel-encrypted.sav", "sav/pspp__CVE-2017-10791.sav",
           "exports/QualtricsTools__Better_Sample_Survey.qsf"}

# Row counts taken from the sources, not from kirc: the README (nhtsa 6,999; NPS 1,000), R's
# survey package (apisrs/apistrat 200, apiclus1 183 schools), and counting lines of the raw
# exports (header rows excluded).
KNOWN_ROWS = {"sav/pspp__nhtsa.sav": 6999, "nps/NPS_R__testdata.csv": 1000,
              "survey_api/apisrs.csv": 200, "survey_api/apistrat.csv": 200,
              "survey_api/apiclus1.csv": 183, "exports/ohbm__public_survey_data.csv": 311,
              "exports/prepbench__sudzilla_input_01.csv": 39,
              "exports/QualtricsTools__Better_Sample_Survey.csv": 10,
              "exports/limonaid__survey_100001_R_data_file.csv": 3,
              "exports/limonaid__survey_998192_R_data_file.csv": 7,
              "nps/prepbench__case_122__input_01.csv": 5723,
              "nps/prepbench__case_050__input_01.csv": 140}


def summary_fields(text: str) -> dict:
    fields = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = re.split(r"(\s{2,})", line, maxsplit=1)
        fields[key] = value
    return fields


def table_lines(text: str) -> list[str]:
    """The lines of the per-column table (after the header line)."""
    blocks = text.split("\n\n")
    return blocks[1].splitlines()[1:]


@pytest.mark.parametrize("name", REAL_FILES)
def test_inspect_every_realdata_file(name, capsys):
    path = realdata_file(*name.split("/"))
    code = main(["inspect", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if name in REFUSED:
        assert code == 2
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"kirc inspect: {path}: ")
        return
    assert code == 0, err
    fields = summary_fields(out)
    assert fields["file"] == str(path)
    rows, columns = int(fields["rows"]), int(fields["columns"])
    if name in KNOWN_ROWS:
        assert rows == KNOWN_ROWS[name]
    # every column has its own line in the table
    assert len(table_lines(out)) == columns


def test_reading_warnings_are_part_of_the_summary():
    # haven's datetime.sav holds a date far outside the years 1-9999
    out = describe(realdata_file("sav", "haven__datetime.sav"))
    tail = out.split("warnings while reading:\n")[1].splitlines()
    assert len(tail) == 1 and "date.posix" in tail[0]


def test_subprocess_exit_codes_end_to_end():
    good = realdata_file("exports", "qualtRics__sample_legacy.csv")
    refused = realdata_file("sav", "pspp__hotel-encrypted.sav")
    done = subprocess.run([sys.executable, "-m", "kirc.cli", "inspect", str(good)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert summary_fields(done.stdout)["format"].startswith("qualtrics-legacy")
    done = subprocess.run([sys.executable, "-m", "kirc.cli", "inspect", str(refused)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "encrypted" in done.stderr
    assert "Traceback" not in done.stderr


def test_surveymonkey_summary_content():
    path = realdata_file("exports", "ohbm__public_survey_data.csv")
    out = describe(path)
    fields = summary_fields(out)
    assert fields["format"] == "surveymonkey - SurveyMonkey CSV export"
    assert fields["header rows"] == "2"
    assert fields["separator"] == "','   decimal '.'"
    assert fields["rows"] == "311" and fields["columns"] == "47"
    assert "pandas index" in fields["dropped index column"]
    assert "continuation columns" in fields["evidence"]
    table = table_lines(out)
    first = table[0].split()
    assert first[0] == "1" and first[-1] == "0"
    # q004: number, 306 answered the question, 5 did not; 2 value labels (0/1)
    q004 = next(line for line in table if line.split()[1] == "q004").split()
    assert q004[2:5] == ["number", "306", "5"]
    assert q004[-1] == "2"
    assert "multiple-response sets: 3" in out
    assert "mr_q004: dichotomy, counted value 1, 10 variables" in out


def test_many_columns_stay_one_line_each_and_labels_are_cut():
    path = realdata_file("exports", "limonaid__survey_100001_R_data_file.csv")
    out = describe(path)
    table = table_lines(out)
    assert len(table) == 646
    # a fixed-width table: every line has the 'valid' count ending at the same position
    header = out.split("\n\n")[1].splitlines()[0]
    valid_end = header.index("valid") + len("valid")
    assert all(line[valid_end - 1].isdigit() for line in table)
    assert max(len(line) for line in table) < 200
    assert summary_fields(out)["encoding"].endswith("with byte-order mark")


def test_spss_missing_codes_labels_weight_and_file_label():
    path = realdata_file("sav", "savrw__spssio_test.sav")
    out = describe(path)
    fields = summary_fields(out)
    assert fields["weight"] == "weightVar"
    assert fields["file label"] == "This is a file label"
    table = {line.split()[1]: line for line in table_lines(out)}
    assert table["Income3"].rstrip().endswith("999, 888, 777")
    assert table["Income1"].rstrip().endswith("range -inf..-1")
    assert table["Age"].rstrip().endswith("range 0..18")


# ---- without ../shared/ ------------------------------------------------------------------------


def test_format_summary_of_a_small_frame():
    df = pd.DataFrame({"nps": [9.0, None, 3.0], "gevolgd": [1.0, 0.0, None],
                       "when": pd.to_datetime(["2024-01-01", "2024-01-02", None])})
    df.attrs = {
        "format": "sav", "file_label": "Klantcontact 2024", "weight": "gewicht",
        "variable_labels": {"nps": "Hoe waarschijnlijk is het dat u ons aanbeveelt aan "
                                   "vrienden, familie of collega's? (0-10)"},
        "value_labels": {"nps": {0.0: "zeer onwaarschijnlijk", 10.0: "zeer waarschijnlijk",
                                 99.0: "weet niet"}},
        "missing_values": {"nps": {"values": [99.0], "ranges": []}},
        "missing_counts": {"nps": {"weet niet": 1}},
        "mr_sets": {"kanalen": {"type": "dichotomy", "label": "Gebruikte kanalen",
                                "variables": ["gevolgd"], "counted_value": 1}},
        "detected": {"encoding": "UTF-8"},
    }
    out = format_summary(df, "ks2024.sav")
    fields = summary_fields(out)
    assert fields == {"file": "ks2024.sav", "format": "sav", "encoding": "UTF-8", "rows": "3",
                      "columns": "3", "weight": "gewicht", "file label": "Klantcontact 2024"}
    nps = table_lines(out)[0]
    assert nps.split()[:5] == ["1", "nps", "number", "2", "1"]
    assert "99=weet niet (1)" in nps
    # the 98-character label is cut in the middle to 60: its start and end stay readable
    start, end = nps.index("Hoe waarschijnlijk"), nps.index("(0-10)") + len("(0-10)")
    assert end - start == 60 and "..." in nps[start:end]
    assert table_lines(out)[2].split()[2] == "datetime"
    assert "kanalen: dichotomy, counted value 1, 1 variables - Gebruikte kanalen" in out
    assert df.attrs["detected"] == {"encoding": "UTF-8"}  # the caller's frame is untouched


def test_cli_on_a_synthetic_export_and_refusals(tmp_path, capsys):
    export = tmp_path / "form.csv"
    export.write_text("Timestamp,How likely are you to recommend us?\n"
                      "9/30/2019 10:14:02,9\n10/1/2019 8:00:00,6\n", encoding="utf-8")
    assert main(["inspect", str(export)]) == 0
    out = capsys.readouterr().out
    fields = summary_fields(out)
    assert fields["format"] == "google-forms - Google Forms CSV export"
    assert fields["rows"] == "2"
    assert fields["datetime formats"] == "Timestamp: %m/%d/%Y %H:%M:%S"

    # forcing a platform the file does not have: refused in one line
    assert main(["inspect", str(export), "--source", "qualtrics"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"kirc inspect: {export}: ") and "Qualtrics" in err

    missing = tmp_path / "missing.sav"
    assert main(["inspect", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kirc inspect: {missing}") and err.count("\n") == 1

    with pytest.raises(InputFileError):
        describe(missing)


# ---- issue 10/11: what inspect decided, the weight and id candidates, personal data ----------

def test_inspect_lists_weight_and_id_candidates_decisions_and_dropped_columns(tmp_path):
    path = tmp_path / "ks2024.csv"
    path.write_text("Respnr;Weegfactor;nps;bedrag;e_mail\n"
                    "0001;0,8;9;1.250;a@b.nl\n0002;1,2;6;12.000;c@d.nl\n"
                    "0003;1,0;10;850;e@f.nl\n", encoding="utf-8")
    out = describe(path)
    fields = summary_fields(out)
    assert fields["weight"] == "none declared; candidates: Weegfactor"
    assert fields["separator"] == "';'   decimal ','   thousands '.'"
    assert "  Weegfactor: named like a weight; positive, 0.8 to 1.2, mean 1" in out
    assert "  Respnr: named like an id; unique in every row" in out
    decided = out.split("decided while reading:\n")[1].split("\n\n")[0]
    assert "thousands separator  '.'" in decided and "'bedrag'" in decided
    assert "column 'Respnr'" in decided and "kept as text" in decided
    assert "  dropped       e_mail: e-mail" in out


def test_inspect_reports_the_declared_spss_weight_first(tmp_path):
    import pyreadstat

    path = tmp_path / "w.sav"
    df = pd.DataFrame({"id": [1.0, 2.0, 3.0], "gewicht": [0.5, 1.5, 1.0],
                       "wgt_alt": [1.0, 1.0, 1.0]})
    pyreadstat.write_sav(df, path)
    raw = bytearray(path.read_bytes())
    raw[76:80] = (2).to_bytes(4, "little")        # WEIGHT BY the second variable
    path.write_bytes(bytes(raw))
    out = describe(path)
    assert summary_fields(out)["weight"] == "gewicht (other candidates: wgt_alt)"
    assert "  gewicht: declared by the file (WEIGHT BY)" in out
    assert "  id: named like an id; unique in every row" in out
