"""Issue 26: a column is dropped as personal data only on evidence proportional to the column,
every drop is reported in one line with the way to keep it, and the scan of free text works
on distinct answers, not rows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import read_unchanged
from kirc.io import KircWarning, PersonalDataWarning, read_survey
from kirc.privacy import find_personal_data, protect, scrub_text


def codes(n=193, postcode_like=5, seed=3):
    """Codes of a register (letters and digits) of which a few look like postcodes."""
    rng = np.random.default_rng(seed)
    values = [f"{rng.choice(list('RVWX'))}{rng.integers(100, 999)}{rng.choice(list('abc'))}"
              for _ in range(n)]
    for i in range(postcode_like):
        values[i * 3] = f"{3056 + i}PC"
    return values


def write_csv(path, frame):
    frame.to_csv(path, sep=";", index=False)
    return path


@pytest.mark.parametrize("postcode_like", [1, 5, 60])
def test_a_few_cells_that_look_like_postcodes_do_not_drop_the_column(tmp_path, postcode_like):
    values = codes(postcode_like=postcode_like)
    path = write_csv(tmp_path / "feiten_2024.csv",
                     pd.DataFrame({"id": range(1, 194), "feitcode": values}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_survey(path)
    assert "feitcode" in df.columns
    untouched = [i for i, v in enumerate(values) if not v.endswith("PC")]
    assert df["feitcode"].iloc[untouched].tolist() == [values[i] for i in untouched]
    # the few that look like one are scrubbed in their cell, and recorded
    [record] = [r for r in df.attrs["personal_data"] if r["column"] == "feitcode"]
    assert record["action"] == "scrubbed" and record["n_replaced"] == postcode_like
    assert not [w for w in caught if issubclass(w.category, PersonalDataWarning)]


def test_a_column_mostly_of_postcodes_is_dropped_and_reported_in_one_line(tmp_path):
    rng = np.random.default_rng(1)
    values = [f"{rng.integers(1000, 9999)} {rng.choice(['AB', 'KL', 'XY'])}" for _ in range(150)]
    values += codes(43, postcode_like=0)
    path = write_csv(tmp_path / "klanten_2024.csv",
                     pd.DataFrame({"id": range(1, 194), "pc": values,
                                   "nps": rng.integers(0, 11, 193)}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_survey(path)
    assert list(df.columns) == ["id", "nps"]
    [warning] = [w for w in caught if issubclass(w.category, PersonalDataWarning)]
    assert issubclass(warning.category, KircWarning)
    text = str(warning.message)
    assert "\n" not in text and text.startswith(f"{path}: column(s) dropped as personal data")
    assert "'pc' (postcode: 150 of 193 examined cells hold one)" in text
    assert "keep_columns=['pc']" in text
    # ... and the way it names keeps the column as it is
    kept = read_survey(path, keep_columns=["pc"])
    assert kept["pc"].tolist() == values
    assert not [r for r in kept.attrs["personal_data"] if r["column"] == "pc"]


def test_keep_columns_must_name_columns_of_the_file(tmp_path):
    path = write_csv(tmp_path / "a_2024.csv", pd.DataFrame({"id": [1, 2], "nps": [9, 7]}))
    with pytest.raises(KeyError, match="keep_columns") as err:
        read_survey(path, keep_columns=["postcode"])
    assert err.value.file == str(path) and err.value.column == "postcode"


def test_drops_by_name_are_reported_with_their_evidence():
    df = pd.DataFrame({"klantnummer": ["K1", "K2", "K3"], "nps": [9, 7, 3]})
    df.attrs["source"] = "peiling.sav"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = protect(df)
    assert list(out.columns) == ["nps"]
    [warning] = caught
    assert str(warning.message).startswith(
        "peiling.sav: column(s) dropped as personal data: 'klantnummer' (customer-number: "
        "named like one)")


def test_the_scrub_of_a_long_column_equals_scrubbing_each_answer():
    rng = np.random.default_rng(8)
    answers = np.array(["prima geholpen", "bel me op 06-12345678", "mail jan@voorbeeld.nl",
                        "mijn naam is Jan de Vries", "rekening NL91 ABNA 0417 1643 00",
                        "postcode 1234 AB", "te lang gewacht", None], dtype=object)
    column = pd.Series(answers[rng.integers(0, len(answers), 50_000)], name="toelichting",
                       dtype=object)
    column[[3, 17]] = [12.5, "een\x00nul"]           # a number and a NUL among the answers
    frame = pd.DataFrame({"toelichting": column})
    out = protect(frame, text_columns=["toelichting"])
    expected = column.map(lambda v: scrub_text(v) if isinstance(v, str) else v)
    assert out["toelichting"].tolist()[:20] == expected.tolist()[:20]
    assert (out["toelichting"].astype(object).fillna("<na>")
            == expected.astype(object).fillna("<na>")).all()
    changed = (column.astype(object).fillna("<na>") != expected.astype(object).fillna("<na>"))
    [record] = out.attrs["personal_data"]
    assert record["n_replaced"] == int(changed.sum())


def test_numeric_columns_are_passed_in_one_reduction_but_identifiers_still_found():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({f"v{i}": rng.integers(0, 11, 100) for i in range(300)})
    frame["mobiel_als_getal"] = rng.integers(600_000_000, 699_999_999, 100)
    frame["postcode"] = rng.integers(1000, 9999, 100)          # named: a PC4 column
    found = find_personal_data(frame)
    assert dict(zip(found["column"], found["kind"])) == {"mobiel_als_getal": "phone",
                                                         "postcode": "postcode"}
    out = protect(frame)
    assert list(out.columns) == [f"v{i}" for i in range(300)]


def test_reading_a_file_keeps_it_unchanged_whatever_is_dropped(tmp_path):
    path = write_csv(tmp_path / "b_2024.csv",
                     pd.DataFrame({"id": [1, 2, 3], "email": ["a@b.nl", "c@d.nl", "e@f.nl"]}))
    df, notes = read_unchanged(path)         # personal_data="keep": nothing scanned
    assert list(df.columns) == ["id", "email"] and notes == []
