"""Rater calibration (kirc.quality.raters) against published and scipy references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kirc
from kirc.quality.raters import rater_agreement, rater_bias

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


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha and the kappas
# --------------------------------------------------------------------------------------------
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C-F: four
# observers, twelve units, missing values (None); his results: nominal .743, ordinal .815,
# interval .849, ratio .797.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def long_table(wide: dict) -> pd.DataFrame:
    rows = [(unit + 1, rater, value) for rater, values in wide.items()
            for unit, value in enumerate(values)]
    return pd.DataFrame(rows, columns=["eenheid", "waarnemer", "waarde"]).astype(
        {"waarde": float})


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815),
                                              ("interval", 0.849), ("ratio", 0.797)])
def test_alpha_equals_krippendorffs_worked_example(level, published):
    out = kirc.krippendorff_alpha(long_table(KRIPPENDORFF_2011), "eenheid", "waarnemer",
                                  "waarde", level=level, n_boot=500)
    alpha = out.iloc[0]
    assert alpha["statistic"] == "Krippendorff's alpha"
    assert round(alpha["estimate"], 3) == published
    assert alpha["n"] == 40 and alpha["n_targets"] == 11 and alpha["n_raters"] == 4
    assert alpha["ci_low"] < alpha["estimate"] < alpha["ci_high"] <= 1
    assert out.iloc[1]["statistic"] == "Fleiss' kappa"


def test_rows_without_rating_count_as_missing():
    table = long_table(KRIPPENDORFF_2011)
    dropped = table.dropna()
    a = kirc.krippendorff_alpha(table, "eenheid", "waarnemer", "waarde", n_boot=0)
    b = kirc.krippendorff_alpha(dropped, "eenheid", "waarnemer", "waarde", n_boot=0)
    assert a["estimate"].iloc[0] == b["estimate"].iloc[0]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alpha_equals_the_krippendorff_package_with_missing_ratings(level, seed):
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(seed)
    n_raters, n_units = int(rng.integers(2, 7)), int(rng.integers(15, 60))
    truth = rng.integers(1, 6, n_units)
    wide = np.clip(truth + rng.integers(-1, 2, (n_raters, n_units)), 1, 5).astype(float)
    wide[rng.random(wide.shape) < 0.25] = np.nan
    expected = krippendorff.alpha(reliability_data=wide, level_of_measurement=level)
    table = long_table({f"r{i}": list(row) for i, row in enumerate(wide)})
    out = kirc.krippendorff_alpha(table, "eenheid", "waarnemer", "waarde", level=level,
                                  n_boot=0)
    assert out["estimate"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_nominal_alpha_accepts_text_categories():
    table = long_table(KRIPPENDORFF_2011)
    table["waarde"] = table["waarde"].map({1: "a", 2: "b", 3: "c", 4: "d", 5: "e"})
    out = kirc.krippendorff_alpha(table, "eenheid", "waarnemer", "waarde", level="nominal",
                                  n_boot=0)
    assert round(out["estimate"].iloc[0], 3) == 0.743


def test_cohens_kappa_equals_statsmodels():
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(5)
    first = rng.integers(1, 5, 80)
    second = np.where(rng.random(80) < 0.7, first, rng.integers(1, 5, 80))
    table = pd.DataFrame({"gesprek": np.r_[np.arange(80), np.arange(80)],
                          "monitor": ["An"] * 80 + ["Bo"] * 80,
                          "score": np.r_[first, second].astype(float)})
    crosstab = pd.crosstab(first, second).to_numpy()
    for level, weights in (("nominal", None), ("ordinal", "linear"), ("interval", "quadratic")):
        out = kirc.krippendorff_alpha(table, "gesprek", "monitor", "score", level=level,
                                      n_boot=0)
        expected = inter_rater.cohens_kappa(crosstab, wt=weights).kappa
        assert out.iloc[1]["statistic"] == "Cohen's kappa"
        assert out.iloc[1]["estimate"] == pytest.approx(expected, abs=1e-12)


def test_fleiss_kappa_equals_statsmodels():
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(6)
    truth = rng.integers(0, 3, 40)
    wide = np.where(rng.random((40, 5)) < 0.6, truth[:, None], rng.integers(0, 3, (40, 5)))
    table = pd.DataFrame([(u, r, float(wide[u, r])) for u in range(40) for r in range(5)],
                         columns=["gesprek", "monitor", "score"])
    counts, _ = inter_rater.aggregate_raters(wide)
    out = kirc.krippendorff_alpha(table, "gesprek", "monitor", "score", level="nominal",
                                  n_boot=0)
    assert out.iloc[1]["estimate"] == pytest.approx(inter_rater.fleiss_kappa(counts),
                                                    abs=1e-12)


@pytest.mark.parametrize("bootstrap", ["pairs", "units"])
def test_alpha_interval_is_reproducible_and_narrows_with_more_targets(bootstrap):
    rng = np.random.default_rng(7)

    def sample(n_units):
        truth = rng.integers(1, 6, n_units)
        rows = [(u, r, float(np.clip(truth[u] + rng.integers(-1, 2), 1, 5)))
                for u in range(n_units) for r in range(3)]
        return pd.DataFrame(rows, columns=["gesprek", "monitor", "score"])

    small, large = sample(20), sample(320)
    args = ("gesprek", "monitor", "score")
    first = kirc.krippendorff_alpha(small, *args, n_boot=400, bootstrap=bootstrap)
    again = kirc.krippendorff_alpha(small, *args, n_boot=400, bootstrap=bootstrap)
    pd.testing.assert_frame_equal(first, again)
    wide = kirc.krippendorff_alpha(large, *args, n_boot=400, bootstrap=bootstrap)
    width = lambda t: t["ci_high"].iloc[0] - t["ci_low"].iloc[0]
    assert width(wide) < 0.5 * width(first)


@pytest.mark.parametrize("call, error, text", [
    (dict(level="metric"), kirc.ParameterError, "unknown level"),
    (dict(bootstrap="jackknife"), kirc.ParameterError, "unknown bootstrap"),
    (dict(ratings="nope"), kirc.ColumnError, "nope"),
])
def test_alpha_bad_input(call, error, text):
    args = dict(targets="eenheid", raters="waarnemer", ratings="waarde")
    args.update({k: v for k, v in call.items() if k in args})
    options = {k: v for k, v in call.items() if k not in args}
    with pytest.raises(error, match=text):
        kirc.krippendorff_alpha(long_table(KRIPPENDORFF_2011), **args, **options)


def test_alpha_rejects_texts_for_an_ordinal_level_and_double_ratings():
    table = long_table(KRIPPENDORFF_2011).astype({"waarde": object})
    table.loc[0, "waarde"] = "goed"
    with pytest.raises(kirc.ScaleError, match="not numbers"):
        kirc.krippendorff_alpha(table, "eenheid", "waarnemer", "waarde")
    twice = pd.concat([long_table(KRIPPENDORFF_2011)] * 2)
    with pytest.raises(kirc.ParameterError, match="twice"):
        kirc.krippendorff_alpha(twice, "eenheid", "waarnemer", "waarde")


def test_calibration_table_names_the_deviating_rater_per_criterion():
    rng = np.random.default_rng(8)
    rows = []
    for contact in range(30):
        quality = rng.integers(2, 5)
        for monitor in ("An", "Bo", "Cas", "Dewi"):
            lenient = 1 if monitor == "Dewi" else 0
            rows.append({"gesprek": contact, "monitor": monitor,
                         # "feel" criterion: noisy, Dewi scores a point higher
                         "empathie": float(np.clip(quality + lenient + rng.integers(-1, 2), 1, 5)),
                         # factual criterion: everybody agrees
                         "oplossing": float(quality >= 3)})
    form = pd.DataFrame(rows)
    table = kirc.calibration_table(form, "gesprek", "monitor", ["oplossing", "empathie"],
                                   n_boot=300)
    assert list(table["criterion"]) == ["empathie", "oplossing"]  # least agreement first
    empathy = table.iloc[0]
    assert empathy["deviating_rater"] == "Dewi" and empathy["deviation"] > 0.5
    assert empathy["deviation_ci_low"] > 0
    assert empathy["ci_low"] < empathy["estimate"] < empathy["ci_high"]
    assert table.iloc[1]["estimate"] == pytest.approx(1.0)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_unit_bootstrap_replicates_equal_alpha_of_the_resampled_targets(level):
    # The vectorised replicates against the krippendorff package on the resampled data
    krippendorff = pytest.importorskip("krippendorff")
    from kirc.quality.raters import _units_bootstrap, _distances

    wide = np.array([v for v in KRIPPENDORFF_2011.values()], dtype=float)
    table = long_table(KRIPPENDORFF_2011).dropna()
    unit, _ = pd.factorize(table["eenheid"])
    values, value = np.unique(table["waarde"].to_numpy(), return_inverse=True)
    counts = np.bincount(value, minlength=len(values)).astype(float)
    replicates = _units_bootstrap(np.random.default_rng(3), unit, value, values, level,
                                  _distances(values, counts, level), n_boot=5)
    order = pd.factorize(table["eenheid"])[1].to_numpy() - 1   # columns in factorized order
    pairable = [u for u in order if (~np.isnan(wide[:, u])).sum() >= 2]
    draws = np.random.default_rng(3).integers(0, len(pairable), size=(5, len(pairable)))
    for replicate, drawn in zip(replicates, draws):
        resampled = wide[:, [pairable[d] for d in drawn]]
        expected = krippendorff.alpha(reliability_data=resampled, level_of_measurement=level,
                                      value_domain=values)
        assert replicate == pytest.approx(expected, abs=1e-12)


def test_alpha_without_variation_is_undefined_and_flagged():
    same = pd.DataFrame({"gesprek": np.repeat(np.arange(12), 3), "monitor": list("abc") * 12,
                         "score": 5.0})
    out = kirc.krippendorff_alpha(same, "gesprek", "monitor", "score")
    assert np.isnan(out["estimate"].iloc[0]) and out["flag"].iloc[0] == "no variation"
    table = kirc.calibration_table(same, "gesprek", "monitor", ["score"], n_boot=0)
    assert table["flag"].iloc[0] == "no variation"
