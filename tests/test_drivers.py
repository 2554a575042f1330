"""Driver analysis (kirc.drivers): LMG against independent references, intervals, errors."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc.estimate.drivers import _Prepared, lmg_shares
from conftest import ROOT

SWISS = ROOT / "tests" / "data" / "swiss.csv"   # R's datasets::swiss, write.csv(swiss)
SWISS_PREDICTORS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def regression_r2(y, x, w=None):
    """(Weighted) least-squares R² with an intercept, fitted on the data (not the covariance)."""
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    design = np.column_stack([np.ones(len(y)), x]) if x.shape[1] else np.ones((len(y), 1))
    root = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
    residual = y - design @ coef
    centre = np.average(y, weights=w)
    return 1.0 - np.sum(w * residual**2) / np.sum(w * (y - centre) ** 2)


def brute_force_lmg(y, x, groups, w=None):
    """Average increase in R² over all p! orders of entry (the definition of LMG)."""
    p = len(groups)
    total = np.zeros(p)
    orders = list(permutations(range(p)))
    for order in orders:
        entered, before = [], 0.0
        for g in order:
            entered += groups[g]
            after = regression_r2(y, x[:, entered], w)
            total[g] += after - before
            before = after
    return total / len(orders)


def make_data(n=300, p=5, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(p, p)) * 0.6 + np.eye(p)
    x = rng.normal(size=(n, p)) @ mixing
    y = x @ rng.uniform(-1, 1, p) + rng.normal(size=n) * 2
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(p)]).assign(y=y)
    frame["w"] = rng.uniform(0.3, 3.0, n)
    return frame


@pytest.mark.parametrize("weighted", [False, True])
def test_lmg_equals_the_average_over_all_orders(weighted):
    frame = make_data(p=5)
    predictors = [f"x{i}" for i in range(5)]
    out = kirc.drivers(frame, "y", predictors, weights="w" if weighted else None, n_boot=0)
    expected = brute_force_lmg(frame["y"].to_numpy(), frame[predictors].to_numpy(),
                               [[i] for i in range(5)], frame["w"] if weighted else None)
    np.testing.assert_allclose(out["r2_part"], expected, atol=1e-9)
    assert out["importance"].sum() == pytest.approx(100.0, abs=1e-9)
    full = regression_r2(frame["y"].to_numpy(), frame[predictors].to_numpy(),
                         frame["w"] if weighted else None)
    assert out["r2"].iloc[0] == pytest.approx(full, abs=1e-9)


def test_categorical_predictor_enters_as_a_group_of_dummies():
    frame = make_data(p=3, seed=4)
    rng = np.random.default_rng(5)
    channel = rng.choice(["telefoon", "chat", "e-mail", "chatbot"], len(frame))
    frame["channel"] = pd.Categorical(channel)
    frame["y"] += pd.Series(channel).map({"telefoon": 0.0, "chat": 1.0, "e-mail": -1.0,
                                          "chatbot": 0.5})
    out = kirc.drivers(frame, "y", ["x0", "channel", "x1", "x2"], weights="w", n_boot=0)
    dummies = pd.get_dummies(frame["channel"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([frame["x0"], dummies, frame["x1"], frame["x2"]])
    groups = [[0], [1, 2, 3], [4], [5]]
    expected = brute_force_lmg(frame["y"].to_numpy(), x, groups, frame["w"])
    np.testing.assert_allclose(out["r2_part"], expected, atol=1e-9)


def swiss():
    return pd.read_csv(SWISS, index_col=0)


def test_lmg_equals_r_on_relaimpos_swiss_examples():
    # relaimpo's documented examples, calc.relimp(swiss) and the grouped, weighted one
    # (groups = c("Education", "Examination"), weights = abs(-23:23)), computed in R 4.2 by
    # hand with lm over all subsets (relaimpo itself is not installed here):
    #   lmg <- function(data, y, groups, w = NULL) {
    #     p <- length(groups)
    #     r2 <- function(set) { if (length(set) == 0) return(0)
    #       summary(lm(reformulate(unlist(groups[set]), response = y), data = data,
    #                  weights = w))$r.squared }
    #     sapply(seq_len(p), function(j) { others <- setdiff(seq_len(p), j); total <- 0
    #       for (m in 0:(2^(p - 1) - 1)) {
    #         set <- others[bitwAnd(m, 2^(seq_along(others) - 1)) > 0]; s <- length(set)
    #         total <- total + factorial(s) * factorial(p - 1 - s) / factorial(p) *
    #                  (r2(c(set, j)) - r2(set)) }
    #       total }) }
    #   data(swiss); lmg(swiss, "Fertility", as.list(names(swiss)[-1]))
    #   lmg(swiss, "Fertility", list("Agriculture", c("Education", "Examination"),
    #       "Catholic", "Infant.Mortality"), w = abs(-23:23))
    data = swiss()
    out = kirc.drivers(data, "Fertility", SWISS_PREDICTORS, n_boot=0)
    np.testing.assert_allclose(out["r2_part"], [0.057091220768, 0.171173028900, 0.260134678624,
                                                0.105570150373, 0.112765922927], atol=1e-10)
    # The grouped example, through lmg_shares on the weighted covariance matrix
    w = np.abs(np.arange(-23, 24))
    columns = ["Fertility", "Agriculture", "Education", "Examination", "Catholic",
               "Infant.Mortality"]
    cov = np.cov(data[columns].to_numpy().T, aweights=w)
    parts = lmg_shares(cov, groups=[[0], [1, 2], [3], [4]])
    np.testing.assert_allclose(parts, [0.076368586240, 0.499537512505, 0.056142860436,
                                       0.108013705851], atol=1e-10)


def test_lmg_equals_pingouin_unweighted():
    pingouin = pytest.importorskip("pingouin")
    data = swiss()
    fit = pingouin.linear_regression(data[SWISS_PREDICTORS], data["Fertility"], relimp=True)
    ours = kirc.drivers(data, "Fertility", SWISS_PREDICTORS, n_boot=0)
    np.testing.assert_allclose(ours["r2_part"], fit["relimp"].to_numpy()[1:], atol=1e-9)


def test_relative_weights_sum_to_r2_and_approximate_lmg():
    data = swiss()
    rw = kirc.drivers(data, "Fertility", SWISS_PREDICTORS, method="relative-weights", n_boot=0)
    lmg = kirc.drivers(data, "Fertility", SWISS_PREDICTORS, n_boot=0)
    assert rw["r2"].iloc[0] == pytest.approx(lmg["r2"].iloc[0], abs=1e-12)
    assert rw["importance"].sum() == pytest.approx(100.0)
    assert np.abs(rw["importance"] - lmg["importance"]).max() < 5  # percentage points
    # two predictors: relative weights and LMG coincide (Johnson 2000)
    two = ["Education", "Catholic"]
    np.testing.assert_allclose(
        kirc.drivers(data, "Fertility", two, method="relative-weights", n_boot=0)["r2_part"],
        kirc.drivers(data, "Fertility", two, n_boot=0)["r2_part"], atol=1e-12)


def test_relative_weights_match_johnsons_formula_written_out():
    # Johnson (2000): Lambda = R_xx^(1/2), beta = Lambda^-1 r_xy, eps_j = sum_k Lambda_jk^2 beta_k^2
    frame = make_data(p=4, seed=9)
    predictors = [f"x{i}" for i in range(4)]
    corr = frame[["y", *predictors]].corr().to_numpy()
    values, vectors = np.linalg.eigh(corr[1:, 1:])
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    beta = np.linalg.solve(lam, corr[1:, 0])
    expected = (lam**2) @ beta**2
    out = kirc.drivers(frame, "y", predictors, method="relative-weights", n_boot=0)
    np.testing.assert_allclose(out["r2_part"], expected, atol=1e-12)


def test_bootstrap_interval_covers_the_estimate_and_is_reproducible():
    frame = make_data(n=400, p=3, seed=2)
    first = kirc.drivers(frame, "y", ["x0", "x1", "x2"], weights="w", n_boot=200)
    again = kirc.drivers(frame, "y", ["x0", "x1", "x2"], weights="w", n_boot=200)
    pd.testing.assert_frame_equal(first, again)
    assert (first["ci_low"] <= first["importance"]).all()
    assert (first["importance"] <= first["ci_high"]).all()
    assert first["n_eff"].iloc[0] < first["n"].iloc[0]
    assert "weighted" in first["method"].iloc[0]
    low, high = first["r2_low"].iloc[0], first["r2_high"].iloc[0]
    assert low < first["r2"].iloc[0] < high


def test_design_bootstrap_resamples_psus_within_strata():
    # With a cluster effect, resampling clusters gives wider intervals than resampling people.
    rng = np.random.default_rng(3)
    n_psu, size = 40, 15
    psu = np.repeat(np.arange(n_psu), size)
    shared = rng.normal(size=(n_psu, 2))[psu] * 1.5
    x = shared + rng.normal(size=(len(psu), 2)) * 0.5
    y = x @ [1.0, 0.6] + rng.normal(size=n_psu)[psu] * 1.5 + rng.normal(size=len(psu))
    frame = pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1], "psu": psu,
                          "stratum": psu % 4, "w": 1.0})
    design = kirc.Design(weights="w", strata="stratum", psu="psu")
    clustered = kirc.drivers(frame, "y", ["a", "b"], design=design, n_boot=300)
    simple = kirc.drivers(frame, "y", ["a", "b"], weights="w", n_boot=300)
    width = lambda t: (t["ci_high"] - t["ci_low"]).iloc[0]
    assert width(clustered) > 1.3 * width(simple)
    assert "PSUs within strata" in clustered["method"].iloc[0]


def test_rao_wu_factors_keep_the_weight_total_per_stratum_in_expectation():
    frame = make_data(n=60, p=2, seed=1).assign(stratum=lambda d: np.arange(len(d)) % 3)
    prepared = _Prepared(frame, "y", ["x0", "x1"], None, "stratum", None)
    factors = prepared.replicate_factors(np.random.default_rng(0), 4000)
    for s in range(3):
        rows = prepared.strata == s
        # n_h - 1 draws rescaled by n_h / (n_h - 1): every replicate keeps the stratum's total
        np.testing.assert_allclose(factors[:, rows].sum(axis=1), rows.sum())
    assert abs(factors.mean() - 1) < 0.01


def test_missing_values_are_left_out_and_counted():
    frame = make_data(n=100, p=2)
    frame.loc[:4, "x0"] = np.nan
    frame.loc[10, "y"] = np.nan
    out = kirc.drivers(frame, "y", ["x0", "x1"], n_boot=0)
    assert out["n"].iloc[0] == 94 and out["n_missing"].iloc[0] == 6
    assert frame["x0"].isna().sum() == 5  # the input is not modified


def test_small_samples_are_flagged():
    frame = make_data(n=20, p=2)
    assert (kirc.drivers(frame, "y", ["x0", "x1"], n_boot=0)["flag"] == "n<30").all()


@pytest.mark.parametrize("call, error, text", [
    (dict(outcome="nope", predictors=["x0"]), kirc.ColumnError, "nope"),
    (dict(outcome="y", predictors=["x0", "x0"]), kirc.ParameterError, "twice"),
    (dict(outcome="y", predictors=["y"]), kirc.ParameterError, "outcome"),
    (dict(outcome="y", predictors=["x0"], method="shapley"), kirc.ParameterError, "unknown"),
    (dict(outcome="y", predictors=["text"]), kirc.ScaleError, "not numbers"),
    (dict(outcome="y", predictors=["x0"], weights="bad_w"), kirc.ScaleError, "negative"),
    (dict(outcome="y", predictors=["x0"], confidence=95), kirc.ParameterError, "confidence"),
])
def test_bad_input_gets_a_clear_error(call, error, text):
    frame = make_data(n=50, p=2)
    frame["text"] = pd.Series(["veel", "1"] * 25, dtype=object).astype("string").astype(object)
    frame["text"] = frame["text"].where(frame.index % 2 == 1, "veel")
    frame.loc[frame.index % 2 == 1, "text"] = 1
    frame["bad_w"] = -1.0
    with pytest.raises(error, match=text):
        kirc.drivers(frame, n_boot=0, **call)


def test_single_psu_stratum_is_refused():
    frame = make_data(n=50, p=2).assign(stratum=0, psu=lambda d: np.arange(len(d)) % 5)
    frame.loc[0, "stratum"] = 1
    with pytest.raises(kirc.ParameterError, match="single PSU"):
        kirc.drivers(frame, "y", ["x0", "x1"], design=kirc.Design(strata="stratum", psu="psu"),
                     n_boot=10)


def test_too_many_predictors_for_exact_lmg_points_to_relative_weights():
    frame = make_data(n=200, p=17)
    with pytest.raises(kirc.ParameterError, match="relative-weights"):
        kirc.drivers(frame, "y", [f"x{i}" for i in range(17)], n_boot=0)
    out = kirc.drivers(frame, "y", [f"x{i}" for i in range(17)], method="relative-weights",
                       n_boot=0)
    assert out["importance"].sum() == pytest.approx(100)


def test_public_names_whatever_was_imported_first():
    import subprocess
    import sys

    frame = "f = pd.DataFrame({'y': [1., 2, 3, 5], 'x': [1., 2, 2, 4]}); "
    call = "print(kirc.drivers(f, 'y', ['x'], n_boot=0)['importance'].iloc[0], "
    for first in ("import kirc.estimate.drivers, kirc", "import kirc",
                  "from kirc.estimate.drivers import driver_section; import kirc"):
        code = (f"{first}; import pandas as pd; {frame}{call}"
                "callable(kirc.driver_section))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=ROOT, check=True)
        assert out.stdout.strip() == "100.0 True", first


# --------------------------------------------------------------------------------------------
# The demo survey: its driver items were generated with known importances
# --------------------------------------------------------------------------------------------
# The truth documented in kirc/demo.py (2025; % of the explained variance of satisfaction).
DEMO_TRUTH_2025 = {"wait_time": 36.4, "expertise": 22.0, "thinking_along": 14.3, "speed": 11.6,
                   "fcr": 8.4, "clarity": 4.9, "friendliness": 2.4}


@pytest.fixture(scope="module")
def consumers():
    return kirc.load_survey("klantcontact")


@pytest.fixture(scope="module")
def truth():
    from kirc import demo

    return demo.generate(demo.DEFAULT_SEED, surveys=["klantcontact"])["klantcontact", 2025].attrs[
        "driver_truth"]


def test_the_generators_truth_is_the_documented_one(truth):
    assert truth.keys() == DEMO_TRUTH_2025.keys()
    for name, share in DEMO_TRUTH_2025.items():
        assert truth[name] == pytest.approx(share, abs=0.05), name
    assert sum(truth.values()) == pytest.approx(100, abs=0.05)


def test_the_definition_declares_the_drivers_of_csat():
    definition = kirc.survey_definition("klantcontact")
    assert definition["drivers"] == {"csat": {"outcome": "csat",
                                              "predictors": ["wait_time", "expertise",
                                                             "friendliness", "clarity", "speed",
                                                             "thinking_along", "fcr"]}}
    assert kirc.survey_definition("sectorscan")["drivers"] == {}


def test_report_section_recovers_the_generators_ordering(consumers, truth):
    from kirc.estimate.drivers import driver_section

    section = driver_section(consumers, kirc.survey_definition("klantcontact"), 2025)
    table = section["table"]
    # the committed demo data (default seed): the report year's table has the true order, and
    # every true share lies in its 95% interval (another seed may swap neighbours within their
    # intervals; the pooled test below has the precision to recover the order in any case)
    assert list(table["predictor"]) == sorted(truth, key=truth.get, reverse=True)
    for row in table.itertuples():
        assert row.ci_low <= truth[row.predictor] <= row.ci_high, row.predictor
    assert table["n"].iloc[0] > 1000 and (table["flag"] == "").all()
    assert "geen oorzaak" in section["caution"]
    assert section["title"] == "Wat bepaalt de tevredenheid over het contact? (2025)"
    assert list(section["display"].columns) == ["Aspect", "Belang (%)", "95%-interval", "n"]
    assert section["display"]["Aspect"].iloc[0] == "Wachttijd"
    from kirc.report.charts import drivers_chart

    svg = drivers_chart(section["table"], section["title"], "nl")
    assert svg.count("<rect x=") == 7                     # a bar per aspect
    first = section["table"].iloc[0]
    assert f">{first['label']}<" in svg and f">{first['importance']:.0f}%<" in svg


def test_all_years_recover_every_true_share_within_two_points(consumers, truth):
    definition = kirc.survey_definition("klantcontact")
    spec = definition["drivers"]["csat"]
    out = kirc.drivers(consumers, spec["outcome"], spec["predictors"], weights="weight",
                       n_boot=0)
    observed = dict(zip(out["predictor"], out["importance"]))
    assert sorted(observed, key=observed.get) == sorted(truth, key=truth.get)
    for name in truth:
        assert abs(observed[name] - truth[name]) < 2.0, name


def test_report_section_in_english_and_without_drivers(consumers):
    from kirc.estimate.drivers import driver_section

    definition = kirc.survey_definition("klantcontact")
    section = driver_section(consumers, definition, 2024, language="en", n_boot=0)
    assert section["title"] == "What drives satisfaction with the contact? (2024)"
    assert "not causation" in section["caution"]
    assert section["display"]["Aspect"].iloc[0] == "Waiting time"
    assert driver_section(consumers, {**definition, "drivers": {}}, 2024) is None
    with pytest.raises(kirc.ParameterError, match="no respondents"):
        driver_section(consumers, definition, 2016)


def test_definition_rejects_bad_drivers(tmp_path):
    text = (ROOT / "surveys" / "klantcontact.toml").read_text(encoding="utf-8")
    # the definition refers to its margins file beside it
    (tmp_path / "populatie_klantcontact.toml").write_bytes(
        (ROOT / "surveys" / "populatie_klantcontact.toml").read_bytes())
    for bad, message in (('predictors = ["wait_time", "waiting"]', "did you mean"),
                         ('predictors = ["toelichting"]', "text construct"),
                         ('predictors = ["csat"]', "twice or is the outcome"),
                         ('predictors = []', "non-empty")):
        path = tmp_path / "klantcontact.toml"
        changed = text.replace(
            'predictors = ["wait_time", "expertise", "friendliness", "clarity", "speed", '
            '"thinking_along", "fcr"]', bad)
        assert changed != text
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(kirc.DefinitionError, match=message):
            kirc.survey_definition(path)


def test_report_section_warns_when_the_sample_is_small(consumers):
    from kirc.estimate.drivers import driver_section

    few = consumers[consumers["year"] == 2025].head(35)
    section = driver_section(few, kirc.survey_definition("klantcontact"), 2025, n_boot=50)
    assert section["n"] < 30 and "minder dan 30" in section["caution"]
    assert (section["table"]["flag"] == "n<30").all()
