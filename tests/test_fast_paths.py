"""Fast paths give what the plain code they replace gives.

Each fast path here replaces a Python call per row (or a slow search) by one per distinct
value (or a cheaper test); these tests hold it to the row-by-row answer on the inputs where
the two could part: missing values of every kind, values equal to hashing but not alike
(1, 1.0 and True), categoricals with unused categories, mixed object columns.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

# Columns on which a per-distinct-value shortcut could differ from the row-by-row rule.
AWKWARD = {
    "int": pd.Series([3, 1, 2, 3, 1]),
    "float": pd.Series([1.0, 2.5, np.nan, -0.0, 0.0, 1.0]),
    "text with spaces and missing": pd.Series(["a", " a", "b ", None, np.nan, "a"]),
    "bool and numbers": pd.Series([True, 1, 1.0, False, 0, np.True_], dtype=object),
    "bool": pd.Series([True, False, True]),
    "nullable int": pd.Series([1, 2, None, 2], dtype="Int64"),
    "string dtype": pd.Series(["x", pd.NA, "x", "y"], dtype="string"),
    "str dtype": pd.Series(["x", None, "x"], dtype="str"),
    "categorical": pd.Series(pd.Categorical(["a", None, "b", "a"], categories=["b", "a", "c"])),
    "numeric categorical": pd.Series(pd.Categorical([1, None, 2, 1])),
    "fractions and decimals": pd.Series([Fraction(3, 2), 1.5, Decimal("1.5")], dtype=object),
    "numpy scalars": pd.Series([np.float64(1.0), 1, np.int64(2), 2.5], dtype=object),
    "missing of every kind": pd.Series([None, np.nan, pd.NA, "a"], dtype=object),
    "empty": pd.Series([], dtype=object),
    "dates": pd.Series(pd.to_datetime(["2020-01-01", None, "2020-01-01"])),
}


@pytest.mark.parametrize("name", list(AWKWARD))
def test_calibration_keys_per_distinct_value_are_the_keys_per_row(name):
    from kirc.survey.calibrate import _key, _keys_of

    values = AWKWARD[name]
    assert list(_keys_of(values)) == list(values.astype(object).map(_key))


def test_calibration_cells_of_codes_given_as_text_numbers_and_categories():
    """The cell of a row is found from its category's key, whatever type holds the codes."""
    from kirc.survey.calibrate import calibrate, calibration_of

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"age": rng.integers(1, 4, 400), "region": rng.choice(list("NOZW"), 400)})
    margins = {"age": {"1": 30.0, "2": 40.0, "3": 30.0},
               "region": {"N": 20.0, "O": 20.0, "Z": 25.0, "W": 35.0}}
    calibrated = calibrate(frame, margins)
    calibration = calibration_of(calibrated)
    cells = calibration.cell_codes(calibrated)
    for age in (calibrated["age"].astype(float), calibrated["age"].astype(str) + " ",
                calibrated["age"].astype("category"), calibrated["age"].astype(object)):
        again = calibrated.assign(age=age)
        assert np.array_equal(calibration.cell_codes(again, check=False), cells)


@pytest.mark.parametrize("words", [("naam", "heet", "name"),
                                   ("ben", "groet", "mvg", "meneer", "mevr", "dhr", "heer", "mw",
                                    "mr")])
def test_the_name_quick_tests_find_what_the_case_insensitive_regex_finds(words):
    from kirc.privacy import _AnyWord

    quick = _AnyWord(*words)
    regex = re.compile("(?i)" + "|".join(words))
    texts = ["", "Mijn NAAM is Jan", "ik HeEt Piet", "Groetjes, Anna", "MVG", "dhr. Jansen",
             "geen van alle", "NaMe: x", "mEvRouw", "KC2025-00001", "Ǆ ǅ ǆ ß ſ K İ ı µ ﬀ",
             "De Heer", "mw.", "MR", "\x00ben\x00", "bEn", "b en", "gr oet"]
    for text in texts:
        assert bool(quick.search(text)) == bool(regex.search(text)), text
    with pytest.raises(ValueError):
        _AnyWord("ik")                # i matches İ and ı when the case is ignored


@pytest.mark.parametrize("name", list(AWKWARD))
def test_a_rule_per_distinct_value_is_the_rule_per_row(name):
    from kirc.survey.definition import _is_missing, _per_value

    values = AWKWARD[name]
    valid = {1, 2}

    def known(v):
        return _is_missing(v) or (not isinstance(v, str) and v in valid)

    expected = values.astype(object).map(known)
    assert _per_value(values.astype(object), known, bool).tolist() == expected.tolist()
