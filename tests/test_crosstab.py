"""kirc.crosstab: letters recomputed with scipy, a hand-computed table, a weighted table vs R."""

from __future__ import annotations

import types
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kirc
from kirc.estimate import groups as ct


@pytest.fixture(scope="module")
def ks2025():
    """The 2025 consumer survey as an unweighted simple random sample: the letters of SPSS's
    unweighted test are what these tests recompute with scipy (the weighted frame as loaded is
    tested against explicit weights below)."""
    return kirc.as_survey(pd.DataFrame(kirc.load_survey("klantcontact", years=[2025])),
                          kirc.Design())


def test_a_loaded_frame_uses_the_design_it_carries():
    loaded = kirc.load_survey("klantcontact", years=[2025])
    weight = kirc.design_of(loaded).weights
    carried = kirc.compare_groups(loaded, "share", "fcr", by="channel")
    explicit = kirc.compare_groups(loaded, "share", "fcr", by="channel",
                                   design=kirc.design_of(loaded))
    pd.testing.assert_frame_equal(carried, explicit)
    assert weight is not None
    np.testing.assert_allclose(carried["estimate"],
                               kirc.share(loaded, "fcr", by="channel")
                               .dropna(subset=["channel"])["estimate"])


def _scipy_letters(data, row, column, alpha=0.05, min_n=30, adjust=True):
    """The letters, recomputed independently: Pearson chi-square per pair, Bonferroni per row.

    The 2x2 chi-square without continuity correction is the square of the pooled z statistic.
    """
    frame = data[[row, column]].dropna()
    rows = sorted(frame[row].unique()) if not isinstance(data[row].dtype, pd.CategoricalDtype) \
        else list(data[row].cat.categories)
    cols = [c for c in (data[column].cat.categories
                        if isinstance(data[column].dtype, pd.CategoricalDtype)
                        else sorted(frame[column].unique())) if (frame[column] == c).any()]
    letters = [chr(ord("A") + k) for k in range(len(cols))]
    n = {c: int((frame[column] == c).sum()) for c in cols}
    expected = {}
    for r in rows:
        x = {c: int(((frame[column] == c) & (frame[row] == r)).sum()) for c in cols}
        tested = []
        for i, j in combinations(range(len(cols)), 2):
            a, b = cols[i], cols[j]
            if n[a] < min_n or n[b] < min_n or x[a] + x[b] in (0, n[a] + n[b]):
                continue
            table = np.array([[x[a], n[a] - x[a]], [x[b], n[b] - x[b]]])
            chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
            tested.append((i, j, p))
        m = len(tested) if adjust else 1
        higher = {c: "" for c in cols}
        for i, j, p in tested:
            if min(1.0, p * m) < alpha:
                a, b = cols[i], cols[j]
                if x[a] / n[a] > x[b] / n[b]:
                    higher[a] += letters[j]
                else:
                    higher[b] += letters[i]
        for c in cols:
            expected[(r, c)] = "".join(sorted(higher[c]))
    return expected


def _letters_of(table, row, column):
    return {(r, c): h for r, c, h in zip(table[row], table[column], table["higher_than"])}


# --------------------------------------------------------------------------------------------
# a small table computed by hand


def test_hand_computed_table():
    # Column A: 30 of 50 "ja" (60 %), B: 20 of 50 (40 %), C: 45 of 60 (75 %).
    # A vs B: pooled p = 50/100 = 0.5, se = sqrt(0.5 * 0.5 * (1/50 + 1/50)) = 0.1,
    #         z = (0.6 - 0.4) / 0.1 = 2.0, p = 2 * (1 - Phi(2.0)) = 0.04550, x3 = 0.1365: not sig.
    # A vs C: pooled p = 75/110 = 0.681818, se = sqrt(0.681818 * 0.318182 * (1/50 + 1/60))
    #         = sqrt(0.216942 * 0.0366667) = 0.089188, z = -0.15 / 0.089188 = -1.6818,
    #         p = 0.09260, x3 = 0.2778: not significant.
    # B vs C: pooled p = 65/110 = 0.590909, se = sqrt(0.241736 * 0.0366667) = 0.094147,
    #         z = -0.35 / 0.094147 = -3.7176, p = 0.000201, x3 = 0.000603: C higher than B.
    # In the "nee" row the same pairs with the signs reversed: B higher than C.
    # Without the Bonferroni adjustment A vs B (p = 0.0455 < 0.05) is significant as well.
    df = pd.DataFrame({
        "antwoord": ["ja"] * 30 + ["nee"] * 20 + ["ja"] * 20 + ["nee"] * 30
        + ["ja"] * 45 + ["nee"] * 15,
        "groep": ["A"] * 50 + ["B"] * 50 + ["C"] * 60})
    t = kirc.crosstab(df, "antwoord", "groep")
    assert list(t["count"]) == [30, 20, 45, 20, 30, 15]
    assert list(t["n"]) == [50, 50, 60] * 2
    np.testing.assert_allclose(t["percent"], [60, 40, 75, 40, 60, 25])
    assert list(t["letter"]) == ["A", "B", "C"] * 2
    assert list(t["higher_than"]) == ["", "", "B", "", "C", ""]
    pairs = ct.column_proportions(df, "antwoord", "groep")
    ja = pairs[pairs["row"] == "ja"].set_index(["letter_a", "letter_b"])
    np.testing.assert_allclose(ja["z"], [2.0, -1.6818, -3.7176], atol=1e-4)
    np.testing.assert_allclose(ja["p_value"], [0.04550, 0.09260, 0.000201], rtol=1e-3)
    np.testing.assert_allclose(ja["p_adjusted"], [0.1365, 0.2778, 0.000603], rtol=1e-3)
    unadjusted = kirc.crosstab(df, "antwoord", "groep", adjust="none")
    # "nee": A 40 %, B 60 %, C 25 %: B is higher than A and C
    assert list(unadjusted["higher_than"]) == ["B", "", "B", "", "AC", ""]


def test_pairs_at_zero_or_one_are_not_tested():
    # Both columns 100 % "ja": pooled proportion 1, no statistic; the other pairs are tested
    # and the Bonferroni factor counts only the tested pairs (2 instead of 3).
    df = pd.DataFrame({"q": [1] * 40 + [1] * 40 + [1] * 10 + [0] * 30,
                       "g": ["a"] * 40 + ["b"] * 40 + ["c"] * 40})
    pairs = ct.column_proportions(df, "q", "g")
    assert set(zip(pairs["letter_a"], pairs["letter_b"])) == {("A", "C"), ("B", "C")}
    p = pairs["p_value"].to_numpy()
    np.testing.assert_allclose(pairs["p_adjusted"], np.minimum(1, 2 * p))
    t = kirc.crosstab(df, "q", "g")
    assert t.loc[t["q"] == 1, "higher_than"].tolist() == ["C", "C", ""]


def test_small_bases_are_flagged_and_not_tested():
    df = pd.DataFrame({"q": [1] * 35 + [0] * 5 + [0] * 20 + [1] * 20 + [0] * 10,
                       "g": ["a"] * 40 + ["b"] * 40 + ["c"] * 10})
    t = kirc.crosstab(df, "q", "g")
    assert t.loc[t["g"] == "c", "flag"].unique().tolist() == ["n<30"]
    assert "C" not in "".join(t["higher_than"])
    assert t.loc[(t["g"] == "a") & (t["q"] == 1), "higher_than"].item() == "B"
    # the survey's own threshold (data.attrs["min_n"]) is the default, min_n= overrides it
    df.attrs["min_n"] = 5
    assert (kirc.crosstab(df, "q", "g")["flag"] == "").all()
    assert (kirc.crosstab(df, "q", "g", min_n=50)["flag"] == "n<50").all()


# --------------------------------------------------------------------------------------------
# demo tables, letters recomputed with scipy


@pytest.mark.parametrize("row, column", [
    ("fcr", "channel"),            # many significant pairs (e-mail lower)
    ("relation", "sector"),        # many significant pairs
    ("csat", "channel"),           # a five-category row variable
    ("fcr", "sector"),             # no significant pair at all
    ("fcr", "region"),             # no significant pair at all
])
def test_demo_letters_equal_scipy(ks2025, row, column):
    t = kirc.crosstab(ks2025, row, column)
    expected = _scipy_letters(ks2025, row, column)
    assert _letters_of(t, row, column) == expected
    letters = "".join(t["higher_than"])
    if (row, column) in {("fcr", "channel"), ("relation", "sector")}:
        assert len(letters) >= 8
    if (row, column) in {("fcr", "sector"), ("fcr", "region")}:
        assert letters == ""
        # not for want of tests: the unadjusted tests are there, just not significant
        assert len(ct.column_proportions(ks2025, row, column)) > 10


def test_demo_fcr_by_channel_reads_as_the_issue_says(ks2025):
    # "e-mail scores lower on first-contact resolution than telephone, chat and chatbot"
    t = kirc.crosstab(ks2025, "fcr", "channel")
    solved = t[t["fcr"] == 1].set_index("channel")
    email = solved.loc["e-mail", "letter"]
    for channel in ("telefoon", "chat", "chatbot"):
        assert email in solved.loc[channel, "higher_than"]
    pairs = ct.column_proportions(ks2025, "fcr", "channel")
    chi2 = [stats.chi2_contingency(np.array([[a, na - a], [b, nb - b]]), correction=False)[0]
            for a, na, b, nb in zip(
                np.round(pairs["percent_a"] * pairs["n_a"] / 100),
                pairs["n_a"], np.round(pairs["percent_b"] * pairs["n_b"] / 100),
                pairs["n_b"])]
    np.testing.assert_allclose(pairs["z"] ** 2, chi2, rtol=1e-9)


def test_categories_codes_and_inputs(ks2025):
    before = ks2025.copy()
    t = kirc.crosstab(ks2025, "age_group", "channel")
    pd.testing.assert_frame_equal(ks2025, before)
    assert isinstance(t["age_group"].dtype, pd.CategoricalDtype)
    assert t["age_group"].dtype == ks2025["age_group"].dtype
    assert len(t) == 4 * 6
    # percentages add to 100 within a column
    np.testing.assert_allclose(t.groupby("channel", observed=True)["percent"].sum(), 100)
    # codes: the values as they are in the data, sorted
    codes = pd.DataFrame({"q": [2, 1, 1, 2, np.nan], "g": [3, 3, 1, 1, 1]})
    t = kirc.crosstab(codes, "q", "g", min_n=1)
    assert list(t["q"]) == [1, 1, 2, 2] and list(t["g"]) == [1, 3, 1, 3]
    assert list(t["n"]) == [2, 2, 2, 2]          # the NaN answer is not in the base


def test_empty_column_categories_get_no_letter():
    df = pd.DataFrame({"q": [1, 0, 1, 0], "g": pd.Categorical(["b", "b", "c", "c"],
                                                              categories=["a", "b", "c"])})
    t = kirc.crosstab(df, "q", "g", min_n=1)
    assert list(t["g"].unique()) == ["b", "c"]
    assert list(t["letter"].unique()) == ["A", "B"]


def test_no_answers_give_an_empty_table():
    df = pd.DataFrame({"q": [np.nan] * 3, "g": ["a", "b", "c"], "w": [1.0, 2.0, 3.0]})
    for weights in (None, "w"):
        t = kirc.crosstab(df, "q", "g", weights=weights)
        assert t.empty and "higher_than" in t.columns


def test_public_names_after_submodule_import():
    import kirc.estimate.groups as module
    assert kirc.crosstab is module.crosstab
    df = pd.DataFrame({"q": [1, 0], "g": ["a", "b"]})
    assert len(kirc.crosstab(df, "q", "g", min_n=1)) == 4
    assert kirc.significance_table is module.significance_table


def test_errors_are_clear():
    df = pd.DataFrame({"q": [1, 0], "g": ["a", "b"], "w": [1.0, np.nan]})
    with pytest.raises(kirc.ColumnError, match="nope"):
        kirc.crosstab(df, "nope", "g")
    with pytest.raises(kirc.ParameterError, match="adjust"):
        kirc.crosstab(df, "q", "g", adjust="sidak")
    with pytest.raises(kirc.ParameterError, match="confidence"):
        kirc.crosstab(df, "q", "g", confidence=95)
    with pytest.raises(kirc.ScaleError, match="weights"):
        kirc.crosstab(df, "q", "g", weights="w")
    with pytest.raises(kirc.ParameterError, match="kirc.Design"):
        kirc.crosstab(df, "q", "g", design=types.SimpleNamespace(weights="x"))
    with pytest.raises(kirc.ParameterError, match="both"):
        kirc.crosstab(df, "q", "q")


# --------------------------------------------------------------------------------------------
# weighted and design-based, against R survey 4.1.1


def _r_table():
    """300 respondents built by arithmetic (no random generator, so R reads the same data):
    4 channels, 3 strata of 100, 60 clusters of 5 nested in the strata, weights 0.5–1.4,
    13 missing answers. Written to small.csv for the R script below."""
    i = np.arange(300)
    channel = 1 + (i * 7) % 4
    fcr = np.where(((i * 37) % 11) < 4 + 2 * (channel % 3), 1.0, 0.0)
    fcr[i % 23 == 0] = np.nan
    return pd.DataFrame({"fcr": fcr, "channel": channel, "stratum": 1 + i // 100,
                         "psu": 1 + i // 5, "w": 0.5 + ((i * 13) % 10) / 10})


# R 4.2.2, survey 4.1.1:
#   library(survey)
#   d <- read.csv("small.csv"); d$yes <- as.numeric(d$fcr == 1)
#   for (spec in c("weights", "strata+psu")) {
#     des <- if (spec == "weights") svydesign(ids = ~1, weights = ~w, data = d) else
#       svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d)
#     b <- svyby(~yes, ~channel, subset(des, !is.na(fcr)), svymean, covmat = TRUE)
#     print(b, digits = 10)
#     k <- svycontrast(b, c(1, -1, 0, 0)); cat(sprintf("%.10f %.10f\n", coef(k), SE(k)))
#     k2 <- svycontrast(b, c(0, 0, 1, -1)); cat(sprintf("%.10f %.10f\n", coef(k2), SE(k2)))
#   }
# weights:      yes 0.5289514867 0.7316384181 0.3703703704 0.5307262570
#               se  0.06221100904 0.05485689496 0.06004650553 0.06131533616
#               1-2: -0.2026869314 (SE 0.0829426824); 3-4: -0.1603558866 (SE 0.0858204712)
# strata+psu:   se  0.05930501273 0.05162002462 0.05927339255 0.04949673156
#               1-2: SE 0.0830986986; 3-4: SE 0.0921023635
R_SHARE = [0.5289514867, 0.7316384181, 0.3703703704, 0.5307262570]
R_SE = {"weights": [0.06221100904, 0.05485689496, 0.06004650553, 0.06131533616],
        "strata+psu": [0.05930501273, 0.05162002462, 0.05927339255, 0.04949673156]}
R_CONTRAST_SE_WEIGHTS = [0.0829426824, 0.0858204712]


R_CONTRAST_SE = {"weights": [0.0829426824, 0.0858204712],
                 "strata+psu": [0.0830986986, 0.0921023635]}


@pytest.mark.parametrize("spec", ["weights", "strata+psu"])
def test_weighted_table_against_r_survey(spec):
    data = _r_table()
    design = (kirc.Design(weights="w") if spec == "weights" else
              kirc.Design(weights="w", strata="stratum", psu="psu"))
    t = kirc.crosstab(data, "fcr", "channel", design=design)
    yes = t[t["fcr"] == 1]
    np.testing.assert_allclose(yes["percent"] / 100, R_SHARE, rtol=1e-9)
    np.testing.assert_allclose(yes["se"] / 100, R_SE[spec], rtol=1e-8)
    # the letters come from the contrasts of svycontrast, covariance included: with clusters
    # that hold several channels the SE of a difference is not the root of the two variances
    pairs = ct.column_proportions(data, "fcr", "channel", design=design)
    row = pairs[pairs["row"] == 1].set_index(["column_a", "column_b"])
    np.testing.assert_allclose([row.loc[(1, 2), "se"], row.loc[(3, 4), "se"]],
                               100 * np.array(R_CONTRAST_SE[spec]), rtol=1e-8)
    np.testing.assert_allclose(row.loc[(1, 2), "difference"], -20.26869314, rtol=1e-8)
    if spec == "strata+psu":
        assert row.loc[(3, 4), "se"] > 100 * np.hypot(R_SE[spec][2], R_SE[spec][3])
    # a letter is a Wald t-test with Bonferroni over the 6 pairs; df: the PSUs minus the
    # strata of the rows compared (R's degf of the two channels' domain)
    answered = data.dropna(subset=["fcr"])
    answered = answered.assign(u=answered.index if spec == "weights" else answered["psu"])
    df = [answered.loc[answered["channel"].isin([a, b])].pipe(
        lambda d: d["u"].nunique() - (1 if spec == "weights" else d["stratum"].nunique()))
        for a, b in row.index]
    t_stat = row["difference"] / row["se"]
    np.testing.assert_allclose(row["p_adjusted"],
                               np.minimum(1, 6 * 2 * stats.t.sf(abs(t_stat), df)), rtol=1e-9)
    assert yes.set_index("channel").loc[2, "higher_than"] == "C"
    # weighted counts never reach the disclosure rule: n and count stay unweighted
    assert yes["n"].tolist() == [71, 71, 72, 72]


def test_weights_route_equals_design_route():
    data = _r_table()
    a = kirc.crosstab(data, "fcr", "channel", weights="w")
    b = kirc.crosstab(data, "fcr", "channel", design=kirc.Design(weights="w"))
    pd.testing.assert_frame_equal(a, b)


def test_unit_weights_are_the_unweighted_table():
    # weights of 1: the same shares, standard errors and Kish bases (n) as no weights
    data = _r_table().assign(one=1.0)
    a = kirc.crosstab(data, "fcr", "channel")
    b = kirc.crosstab(data, "fcr", "channel", weights="one")
    for column in ("percent", "se", "n_eff"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12)
    np.testing.assert_allclose(b["n_eff"], b["n"])


def test_lonely_psu_fails_clearly():
    data = _r_table()
    data.loc[data["stratum"] == 3, "psu"] = 999
    with pytest.raises(kirc.ParameterError, match="stratum 3 has only one PSU"):
        kirc.crosstab(data, "fcr", "channel",
                      design=kirc.Design(weights="w", strata="stratum", psu="psu"))


# --------------------------------------------------------------------------------------------
# compare_groups


def _bonferroni_higher(estimates, pvalues, letters, alpha=0.05):
    m = len(pvalues)
    higher = {k: "" for k in letters}
    for (i, j), p in pvalues.items():
        if min(1, p * m) < alpha:
            if estimates[i] > estimates[j]:
                higher[letters[i]] += letters[j]
            else:
                higher[letters[j]] += letters[i]
    return ["".join(sorted(higher[k])) for k in letters]


def test_compare_groups_mean_is_welch(ks2025):
    out = kirc.compare_groups(ks2025, "mean", "csat", by="sector")
    groups = list(out["sector"])
    samples = [ks2025.loc[ks2025["sector"] == g, "csat"].dropna() for g in groups]
    np.testing.assert_allclose(out["estimate"], [s.mean() for s in samples])
    pvalues = {(i, j): stats.ttest_ind(samples[i], samples[j], equal_var=False).pvalue
               for i, j in combinations(range(len(groups)), 2)}
    assert list(out["higher_than"]) == _bonferroni_higher(
        out["estimate"].to_numpy(), pvalues, list(out["letter"]))
    assert out["test"].iloc[0] == "welch, bonferroni"


def test_compare_groups_share_is_the_crosstab_test(ks2025):
    out = kirc.compare_groups(ks2025, "share", "relation", by="sector")
    t = kirc.crosstab(ks2025, "relation", "sector")
    positive = t[t["relation"] == 1]
    assert list(out["higher_than"]) == list(positive["higher_than"])
    np.testing.assert_allclose(out["estimate"], positive["percent"])
    assert "".join(out["higher_than"]) != ""


def test_compare_groups_nps_by_hand_formula(ks2025):
    out = kirc.compare_groups(ks2025, "nps", "nps", by="sector")
    frame = ks2025.dropna(subset=["nps"])
    groups = list(out["sector"])
    parts = {}
    for g in groups:
        s = frame.loc[frame["sector"] == g, "nps"]
        pro, det = (s >= 9).mean(), (s <= 6).mean()
        parts[g] = (pro - det, (pro + det - (pro - det) ** 2) / len(s))   # Rocks (2016)
    pvalues = {}
    for i, j in combinations(range(len(groups)), 2):
        (a, va), (b, vb) = parts[groups[i]], parts[groups[j]]
        pvalues[(i, j)] = 2 * stats.norm.sf(abs(a - b) / np.sqrt(va + vb))
    np.testing.assert_allclose(out["estimate"], [100 * parts[g][0] for g in groups])
    assert list(out["higher_than"]) == _bonferroni_higher(
        out["estimate"].to_numpy(), pvalues, list(out["letter"]))
    assert "".join(out["higher_than"]) != ""


def test_compare_groups_weighted_nps_uses_design_variance():
    # weighted NPS variance = linearised variance of the mean of the -1/0/+1 score, which
    # R survey gives as svyby(~s, ~g, svydesign(ids=~1, weights=~w), svymean); checked here
    # against the closed form n/(n-1) Σ w²(s - m)² / (Σw)² of a single-domain design
    data = pd.DataFrame({"nps": [10, 9, 3, 7, 8, 10, 0, 6, 9, 9] * 4,
                         "g": ["a"] * 40, "w": [1.0, 2.0, 0.5, 1.5, 1.0] * 8})
    out = kirc.compare_groups(data, "nps", "nps", by="g", weights="w", min_n=1)
    s = np.where(data["nps"] >= 9, 1.0, np.where(data["nps"] <= 6, -1.0, 0.0))
    w = data["w"].to_numpy()
    m = (w * s).sum() / w.sum()
    var = 40 / 39 * (w ** 2 * (s - m) ** 2).sum() / w.sum() ** 2
    np.testing.assert_allclose(out["se"].item(), 100 * np.sqrt(var), rtol=1e-12)
    np.testing.assert_allclose(out["estimate"].item(), 100 * m)


def test_compare_groups_csat_top_box():
    df = pd.DataFrame({"csat": [5, 4, 4, 5, 3] * 10 + [1, 2, 4, 3, 3] * 10,
                       "g": ["x"] * 50 + ["y"] * 50})
    out = kirc.compare_groups(df, "csat", "csat", by="g")
    np.testing.assert_allclose(out["estimate"], [80, 20])
    assert list(out["higher_than"]) == ["B", ""]
    with pytest.raises(kirc.ParameterError, match="unknown metric"):
        kirc.compare_groups(df, "median", "csat", by="g")


def test_significance_table_from_indicator_catalogue(ks2025):
    indicators = {
        "nps": {"metric": "nps", "construct": "nps",
                "label": {"nl": "Net Promoter Score", "en": "Net Promoter Score"}},
        "fcr": {"metric": "share", "construct": "fcr",
                "label": {"nl": "Eerste keer opgelost", "en": "First-contact resolution"}},
        "csat": {"metric": "top_box", "construct": "csat", "top": 2,
                 "label": {"nl": "Tevreden", "en": "Satisfied"}},
    }
    t = ct.significance_table(ks2025, indicators, by="channel", language="en")
    assert list(t["indicator"].unique()) == ["nps", "fcr", "csat"]
    assert set(t["label"]) == {"Net Promoter Score", "First-contact resolution", "Satisfied"}
    fcr = t[t["indicator"] == "fcr"].reset_index(drop=True)
    expected = kirc.compare_groups(ks2025, "share", "fcr", by="channel")
    assert list(fcr["higher_than"]) == list(expected["higher_than"])


def _r_table_scores():
    """The table above with a 0–10 score (e-mail two points higher) and a finite population of
    40 PSUs per stratum (20 sampled), as small2.csv for the R script below."""
    data = _r_table()
    i = np.arange(300)
    score = ((i * 17) % 11 + (data["channel"].to_numpy() == 2) * 2).clip(0, 10).astype(float)
    score[i % 19 == 0] = np.nan
    return data.assign(score=score, fpc=40)


# R 4.2.2, survey 4.1.1, on small2.csv:
#   d$yes <- as.numeric(d$fcr == 1); d$s <- ifelse(d$score >= 9, 1, ifelse(d$score <= 6, -1, 0))
#   des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc, data = d)
#   SE(svyby(~yes, ~channel, subset(des, !is.na(fcr)), svymean))
#     0.04193497666 0.03650086946 0.04191261781 0.03499947453
#   des2 <- svydesign(ids = ~1, weights = ~w, data = d)
#   svyby(~s, ~channel, subset(des2, !is.na(score)), svymean)       # the NPS as a mean
#     -0.5086342229 -0.1120448179 -0.4648985959 -0.3672316384
#     SE 0.09038171782 0.10974489372 0.09888547280 0.10223325574
#   svyby(~score, ~channel, subset(des2, !is.na(score)), svymean)
#     4.8916797488 6.6274509804 4.8876755070 5.2796610169
#     SE 0.37289242980 0.34265475567 0.40429348621 0.40443418579


def test_finite_population_correction_against_r_survey():
    data = _r_table_scores()
    design = kirc.Design(weights="w", strata="stratum", psu="psu", fpc="fpc")
    yes = kirc.crosstab(data, "fcr", "channel", design=design).query("fcr == 1")
    np.testing.assert_allclose(yes["se"] / 100,
                               [0.04193497666, 0.03650086946, 0.04191261781, 0.03499947453],
                               rtol=1e-8)
    out = kirc.compare_groups(data, "share", "fcr", by="channel", design=design)
    np.testing.assert_allclose(out["se"] / 100,
                               [0.04193497666, 0.03650086946, 0.04191261781, 0.03499947453],
                               rtol=1e-8)


def test_weighted_nps_and_mean_against_r_survey():
    data = _r_table_scores()
    nps = kirc.compare_groups(data, "nps", "score", by="channel", weights="w")
    np.testing.assert_allclose(nps["estimate"] / 100,
                               [-0.5086342229, -0.1120448179, -0.4648985959, -0.3672316384],
                               rtol=1e-9)
    np.testing.assert_allclose(nps["se"] / 100,
                               [0.09038171782, 0.10974489372, 0.09888547280, 0.10223325574],
                               rtol=1e-8)
    mean = kirc.compare_groups(data, "mean", "score", by="channel", weights="w")
    np.testing.assert_allclose(mean["estimate"],
                               [4.8916797488, 6.6274509804, 4.8876755070, 5.2796610169],
                               rtol=1e-9)
    np.testing.assert_allclose(mean["se"],
                               [0.37289242980, 0.34265475567, 0.40429348621, 0.40443418579],
                               rtol=1e-8)
    # e-mail (B) scores two points higher by construction: higher than A and C
    assert mean.set_index("channel").loc[2, "higher_than"] == "AC"


def test_significance_table_wide_display(ks2025):
    data = ks2025.drop(ks2025.index[ks2025["channel"] == "social media"][10:])
    wide = ct.significance_table(data, [("share", "fcr"), ("nps", "nps")], by="channel",
                                   wide=True)
    assert list(wide.index) == ["fcr", "nps"]
    assert wide.columns[0] == "(A) telefoon"
    assert (wide["(E) social media"] == "n<30").all()
    tidy = ct.significance_table(data, [("share", "fcr")], by="channel")
    first = tidy.iloc[0]
    assert wide.iloc[0, 0] == f"{first['estimate']:.1f}".replace(".", ",") + \
        (f" {first['higher_than']}" if first["higher_than"] else "")
