"""The one small-base rule (kirc.disclose): flags, primary and complementary suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kirc.disclose import flag, suppress, suppression_summary
from kirc.survey.survey import min_n_of as threshold
from kirc.errors import ColumnError, ParameterError


def test_flag_on_the_effective_base_and_the_survey_threshold():
    assert flag([29.9, 30.0, np.nan], 30).tolist() == ["n<30", "", ""]
    df = pd.DataFrame({"x": [1]})
    assert threshold(df) == 30 and threshold(df, 5) == 5
    import kirc
    survey = kirc.as_survey(df, kirc.Design(), min_n=5)
    assert threshold(survey) == 5 and threshold(survey[survey.x == 1]) == 5


# ---------------------------------------------------------------------------------------------
# Small-cell rule
# ---------------------------------------------------------------------------------------------

def sector_table():
    # Two years; within each year the sectors add up to the 'totaal' row.
    rows = [(2024, "banken", 120, 60), (2024, "energie", 25, 10), (2024, "telecom", 80, 30),
            (2024, "zorg", 95, 50), (2024, "totaal", 320, 150),
            (2025, "banken", 130, 70), (2025, "energie", 12, 5), (2025, "telecom", 20, 8),
            (2025, "zorg", 90, 45), (2025, "totaal", 252, 128)]
    table = pd.DataFrame(rows, columns=["year", "sector", "n", "positief"])
    table["share"] = table["positief"] / table["n"]
    table["is_total"] = table["sector"] == "totaal"
    return table


def test_one_small_cell_gets_a_complement():
    table = sector_table()
    out = suppress(table, by="year", total="is_total",
                               value_columns=["positief", "share"])
    y2024 = out[out["year"] == 2024].set_index("sector")
    assert y2024["suppression"].to_dict() == {"banken": None, "energie": "n<30",
                                              "telecom": "complementary", "zorg": None,
                                              "totaal": None}
    assert y2024.loc[["energie", "telecom"], ["n", "positief", "share"]].isna().all().all()
    assert y2024.loc["banken", "positief"] == 60 and y2024.loc["banken", "n"] == 120
    # The hidden figures cannot be recovered: the total minus the shown rows leaves the sum
    # of two unknowns (40 = 10 + 30 positives of energie and telecom), not either one.
    shown = y2024.drop(index="totaal")
    remainder = y2024.loc["totaal", "positief"] - shown["positief"].sum()
    assert remainder == 10 + 30
    assert shown["positief"].isna().sum() == 2 and shown["n"].isna().sum() == 2
    assert list(out.columns) == list(table.columns) + ["suppressed", "suppression"]


def test_two_small_cells_need_no_extra():
    out = suppress(sector_table(), by="year", total="is_total",
                               value_columns=["positief", "share"])
    y2025 = out[out["year"] == 2025].set_index("sector")
    assert y2025["suppression"].to_dict() == {"banken": None, "energie": "n<30",
                                              "telecom": "n<30", "zorg": None, "totaal": None}
    assert suppression_summary(out) == {"primary": 3, "complementary": 1, "total": 4}


def test_complement_is_the_next_smallest_cell_and_input_unchanged():
    table = pd.DataFrame({"n": [500, 29, 31, 40], "mean": [7.1, 6.0, 8.2, 7.7]})
    before = table.copy()
    out = suppress(table)
    assert out["suppression"].tolist() == [None, "n<30", "complementary", None]
    assert out["mean"].isna().tolist() == [False, True, True, False]
    assert out["suppressed"].dtype == bool
    pd.testing.assert_frame_equal(table, before)


def test_group_without_other_members_hides_its_total():
    table = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "n": [10, 10, 20, 200, 220],
                          "v": [1.0, 1.0, 2.0, 3.0, 5.0],
                          "tot": [False, True, False, False, True]})
    out = suppress(table, by="g", total="tot", value_columns=["v"])
    # Group a: its only member is small, and so is its total (primary for both).
    # Group b: the one small member, and the next-smallest (200) as complement.
    assert out["suppression"].tolist() == ["n<30", "n<30", "n<30", "complementary", None]
    single = pd.DataFrame({"g": ["a", "a"], "n": [10, 300], "v": [1.0, 2.0],
                           "tot": [False, True]})
    out = suppress(single, by="g", total="tot", value_columns=["v"], min_n=5)
    assert out["suppression"].tolist() == [None, None]
    out = suppress(single, by="g", total="tot", value_columns=["v"], min_n=30)
    assert out["suppression"].tolist() == ["n<30", "complementary"]


def test_min_n_for_organisations_and_missing_counts():
    table = pd.DataFrame({"n": [4, 5, np.nan, 9], "v": [1.0, 2.0, 3.0, 4.0]})
    out = suppress(table, min_n=5)
    assert out["suppression"].tolist() == ["n<5", None, "n<5", None]


def test_repeated_call_for_a_two_way_table():
    # sector x year; rows within a year add up (first call), and so do a sector's years
    # (second call). Hiding B-2024 as complement leaves B with one hidden year, etc.
    table = pd.DataFrame({"year": [2024] * 3 + [2025] * 3, "sector": list("ABC") * 2,
                          "n": [10, 100, 200, 100, 150, 300],
                          "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    first = suppress(table, by="year", value_columns=["v"])
    assert first["suppression"].tolist() == ["n<30", "complementary", None, None, None, None]
    second = suppress(first, by="sector", value_columns=["v"])
    assert second["suppression"].tolist() == ["n<30", "complementary", None,
                                              "complementary", "complementary", None]
    third = suppress(second, by="year", value_columns=["v"])
    assert suppression_summary(third) == suppression_summary(second) == {
        "primary": 1, "complementary": 3, "total": 4}
    assert third["v"].isna().tolist() == [True, True, False, True, True, False]


def test_suppression_bad_arguments():
    table = pd.DataFrame({"n": [1, 50]})
    with pytest.raises(ColumnError):
        suppress(table, n="aantal")
    with pytest.raises(ColumnError):
        suppress(table, by="jaar")
    with pytest.raises(ParameterError):
        suppress(table, min_n=0)
    with pytest.raises(ColumnError):
        suppression_summary(table)


def test_suppress_small_cells_on_an_empty_table():
    empty = pd.DataFrame({"sector": pd.Series([], dtype=object), "n": pd.Series([], dtype=int),
                          "estimate": pd.Series([], dtype=float)})
    out = suppress(empty, value_columns=["estimate"])
    assert len(out) == 0 and list(out.columns[-2:]) == ["suppressed", "suppression"]

