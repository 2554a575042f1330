"""Rater calibration (kirc.calibration) against published and scipy references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kirc
from kirc.calibration import rater_agreement, rater_bias

# Shrout & Fleiss (1979), Psychological Bulletin 86:420-428, Table 2: six targets, four judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
                 [6, 2, 4, 7]]
# Their Table 4: ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62,
# ICC(3,4) .91 -- in McGraw & Wong's notation (1,1), (A,1), (C,1), (1,k), (A,k), (C,k).
PUBLISHED = {"ICC(1,1)": 0.17, "ICC(A,1)": 0.29, "ICC(C,1)": 0.71, "ICC(1,k)": 0.44,
             "ICC(A,k)": 0.62, "ICC(C,k)": 0.91}


def long(matrix):
    return pd.DataFrame([{"item": i, "rater": f"judge{j + 1}", "score": v}
                         for i, row in enumerate(matrix) for j, v in enumerate(row)])


def test_icc_matches_shrout_fleiss():
    out = rater_agreement(long(SHROUT_FLEISS), "item", "rater", "score").set_index("type")
    for form, value in PUBLISHED.items():
        assert out.loc[form, "estimate"] == pytest.approx(value, abs=0.005), form
        assert out.loc[form, "ci_low"] <= out.loc[form, "estimate"] <= out.loc[form, "ci_high"]
    assert set(out["n_items"]) == {6} and set(out["n_raters"]) == {4}


def test_items_not_scored_by_everyone_are_left_out():
    data = long(SHROUT_FLEISS)
    extra = pd.DataFrame({"item": [99], "rater": ["judge1"], "score": [3]})
    with_extra = rater_agreement(pd.concat([data, extra]), "item", "rater", "score")
    plain = rater_agreement(data, "item", "rater", "score")
    pd.testing.assert_frame_equal(with_extra, plain)


def test_bias_is_the_t_interval_of_deviations_from_the_others():
    data = long(SHROUT_FLEISS)
    out = rater_bias(data, "item", "rater", "score").set_index("rater")
    matrix = np.array(SHROUT_FLEISS, dtype=float)
    for j in range(4):
        deviation = matrix[:, j] - np.delete(matrix, j, axis=1).mean(axis=1)
        test = stats.ttest_1samp(deviation, 0)
        row = out.loc[f"judge{j + 1}"]
        assert row["estimate"] == pytest.approx(deviation.mean())
        assert row["ci_low"] == pytest.approx(test.confidence_interval(0.95).low)
        assert row["p_value"] == pytest.approx(test.pvalue)
        assert row["n"] == 6 and row["flag"] == "n<10"
    # judge 1 scores highest in Shrout & Fleiss' data, judge 2 lowest
    assert out["estimate"].idxmax() == "judge1" and out["estimate"].idxmin() == "judge2"


def test_bad_input_is_named():
    data = long(SHROUT_FLEISS)
    with pytest.raises(kirc.ColumnError, match="'beoordelaar'"):
        rater_agreement(data, "item", "beoordelaar", "score")
    with pytest.raises(kirc.ParameterError, match="twice"):
        rater_bias(pd.concat([data, data.iloc[:1]]), "item", "rater", "score")
    with pytest.raises(kirc.ParameterError, match="two raters"):
        rater_agreement(data[data["rater"] == "judge1"], "item", "rater", "score")
    with pytest.raises(kirc.ScaleError, match="not numbers"):
        rater_bias(data.assign(score=data["score"].astype(str).replace("9", "negen")),
                   "item", "rater", "score")
