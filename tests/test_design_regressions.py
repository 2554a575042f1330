"""One regression test per problem of issue 9, written from its description.

Reference numbers from R are those of ``tests/test_design_demo.py`` (script pasted there).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import kirc


@pytest.fixture(scope="module")
def ks():
    # the shipped weights and the [design] as R saw them (the calibration that the
    # definition also declares is tested in tests/test_weighting_definitions.py)
    return kirc.load_survey("klantcontact", years=[2024, 2025], calibrate=False)


@pytest.fixture(scope="module")
def orgs():
    # the shipped weights and the [design] as R saw them (the calibration that the
    # definition also declares is tested in tests/test_weighting_definitions.py)
    return kirc.load_survey("sectorscan", years=[2024, 2025], calibrate=False)


def test_change_pairs_groups_by_key_with_a_missing_sector_and_unequal_counts(ks):
    # A plain string by column (as from CSV/Excel), retail absent in 2024 and telecom absent in
    # 2025: every other sector keeps its own change (R: svycontrast, +2.74 and +2.55 points for
    # financiële dienstverlening and overheid), the one-year sectors get a row that says so.
    data = ks.assign(sector=ks["sector"].astype(str))
    data = data[~((data["year"] == 2024) & (data["sector"] == "retail"))
                & ~((data["year"] == 2025) & (data["sector"] == "telecom"))]
    out = kirc.change(data, "nps", "nps", year=2025, by="sector").set_index("sector")
    assert out.loc["financiële dienstverlening", "estimate"] == pytest.approx(2.74174181981988)
    assert out.loc["overheid", "estimate"] == pytest.approx(2.55123111891515)
    # (the SE moves a little: without telecom, 2025 is a smaller sample of the population)
    assert out.loc["overheid", "se"] == pytest.approx(6.5154331140509, rel=1e-3)
    assert not out.loc["overheid", "significant"]
    assert out.loc["retail", "note"] == "alleen in 2025"
    assert out.loc["telecom", "note"] == "alleen in 2024"
    for sector in ("retail", "telecom"):
        assert np.isnan(out.loc[sector, "estimate"]) and not out.loc[sector, "significant"]
    assert (out.drop(index=["retail", "telecom"])["note"] == "").all()
    shares = kirc.change(data, "share", "fcr", year=2025, by="sector")
    assert len(shares) == 7


def test_subgroup_fpc_uses_the_designs_sampling_fraction(orgs):
    # R: svyby(~avg_ready, ~sector, svydesign(ids=~1, fpc=~N, data=orgs2025), svymean):
    # telecom SE 0.0791293802802057 (7.9 points), not the 15.8 of 1 − n_sector/N.
    year = orgs[orgs["year"] == 2025]
    out = kirc.avg_readiness(year, by="sector").set_index("sector")
    assert out.loc["telecom", "se"] == pytest.approx(7.91293802802057, rel=1e-9)
    telecom = year[year["sector"] == "telecom"]["avg_ready"]
    n, fraction = len(telecom), len(year) / 170
    size = n / (1 - fraction)                     # unweighted SRS: count-based Wilson
    low, high = proportion_confint(telecom.mean() * size, size, method="wilson")
    assert out.loc["telecom", "ci_low"] == pytest.approx(100 * low, rel=1e-12)
    assert out.loc["telecom", "ci_high"] == pytest.approx(100 * high, rel=1e-12)


def test_weighted_intervals_use_the_design_variance(ks):
    # R: svyby(~fcr, ~year, svydesign(ids=~1, strata=~year, weights=~weight), svymean):
    # SE 2025 0.0101990482001299. Kish's n_eff would give a different interval.
    out = kirc.first_contact_resolution(ks[ks["year"] == 2025])
    assert out.loc[0, "se"] == pytest.approx(1.01990482001299, rel=1e-9)
    p, n_kish = out.loc[0, "estimate"] / 100, out.loc[0, "n_eff"]
    kish_low, _ = proportion_confint(p * n_kish, n_kish, method="wilson")
    assert out.loc[0, "ci_low"] != pytest.approx(100 * kish_low, rel=1e-6)
    assert out.loc[0, "deff"] > 1


def test_weights_auto_finds_gewicht_the_design_weight_and_proposes_weight_by(ks):
    df = pd.DataFrame({"ok": [1, 1, 0, 1, 0, 1], "gewicht": [0.5, 2.0, 1.0, 1.5, 3.0, 1.0]})
    auto = kirc.share(df, "ok", weights="auto")
    explicit = kirc.share(df, "ok", weights="gewicht")
    pd.testing.assert_frame_equal(auto, explicit)
    # the design's weight: a share and the named metric agree on a load_survey frame
    year = ks[ks["year"] == 2025]
    pd.testing.assert_frame_equal(kirc.share(year, "fcr"), kirc.first_contact_resolution(year))
    # an SPSS file declaring WEIGHT BY wgt: proposed, not silently used
    sav = pd.DataFrame({"ok": [1, 0, 1, 1], "wgt": [1.0, 3.0, 1.0, 1.0]})
    sav.attrs.update({"weight": "wgt", "source": "export.sav"})
    with pytest.warns(kirc.KircWarning, match="WEIGHT BY.*weights='wgt'"):
        plain = kirc.share(sav, "ok")
    assert plain.loc[0, "estimate"] == 75.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weighted = kirc.share(sav, "ok", weights="auto")
    assert weighted.loc[0, "estimate"] == pytest.approx(50.0)


@pytest.mark.parametrize("metric", ["nps", "share"])
def test_change_significance_agrees_with_its_interval(metric):
    # 40 small two-year samples at once, as groups of one call (the interval and its
    # p-value are vectorised, so this costs one inversion rather than forty)
    rng = np.random.default_rng(9)
    parts = []
    for sample in range(40):
        sizes = rng.integers(20, 31, 2)
        shift = 0.25 * sample / 39          # from no change to a large one: both verdicts occur
        probabilities = ([[0.3, 0.3, 0.4], [0.3 - shift, 0.3, 0.4 + shift]] if metric == "nps"
                         else [[0.45, 0.55], [0.45 - shift, 0.55 + shift]])
        values = [rng.choice([0, 7, 9] if metric == "nps" else [0, 1], n, p=chance)
                  for n, chance in zip(sizes, probabilities)]
        parts.append(pd.DataFrame({"sample": sample, "year": np.repeat([2024, 2025], sizes),
                                   "x": np.concatenate(values).astype(float)}))
    out = kirc.change(pd.concat(parts, ignore_index=True), metric, "x", year=2025, by="sample")
    assert len(out) == 40
    excludes_zero = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    assert (out["significant"].astype(bool) == excludes_zero).all()
    assert excludes_zero.any() and not excludes_zero.all()


def test_zero_weights_count_nowhere():
    df = pd.DataFrame({"ok": [1, 0, 1, 1, 0, 1], "w": [1.0, 2.0, 0.0, 1.0, 0.0, 1.5],
                       "year": 2025})
    out = kirc.share(df, "ok", weights="w", population={2025: 10})
    kept = kirc.share(df[df["w"] > 0], "ok", weights="w", population={2025: 10})
    pd.testing.assert_frame_equal(out, kept)
    assert out.loc[0, "n"] == 4 and out.loc[0, "df"] == 3


def test_share_refuses_or_warns_about_an_undeclared_99(ks):
    df = pd.DataFrame({"opgelost": [1, 2, 1, 99, 2, 1]})
    with pytest.warns(kirc.KircWarning, match="99.*undeclared missing"):
        out = kirc.share(df, "opgelost", positive=1)
    assert out.loc[0, "n"] == 6                        # today's meaning is kept
    with pytest.raises(kirc.ScaleError, match="'opgelost'.*neither positive.*99"):
        kirc.share(df, "opgelost", positive=1, negative=2)
    text = pd.DataFrame({"antwoord": ["Yes", "No", "Yes", "No"]})
    assert kirc.share(text, "antwoord", positive="Yes").loc[0, "estimate"] == 50.0
    # a load_survey frame takes the negative codes of its definition
    year = ks[ks["year"] == 2025].copy()
    year.loc[year.index[0], "fcr"] = 99.0
    with pytest.raises(kirc.ScaleError, match="'fcr'"):
        kirc.share(year, "fcr")


def test_missing_by_values_are_a_visible_group():
    df = pd.DataFrame({"ok": [1, 0, 1, 1, 0], "kanaal": ["chat", "chat", None, "telefoon", None]})
    out = kirc.share(df, "ok", by="kanaal")
    assert out["n"].sum() == len(df)
    missing = out[out["kanaal"].isna()]
    assert len(missing) == 1 and missing["n"].iloc[0] == 2
    categorical = df.assign(kanaal=pd.Categorical(df["kanaal"], categories=["chat", "telefoon",
                                                                            "mail"]))
    out = kirc.nps(categorical.assign(score=[10, 9, 3, 8, 10]), "score", by="kanaal")
    assert list(out["kanaal"].astype(object).fillna("?")) == ["chat", "telefoon", "mail", "?"]
    assert out["n"].sum() == len(df)


def test_small_group_flag_uses_the_effective_n():
    rng = np.random.default_rng(3)
    n = 40
    weights = np.where(np.arange(n) < 4, 12.0, 1.0)          # n = 40, Kish n_eff ≈ 15
    df = pd.DataFrame({"ok": rng.integers(0, 2, n), "w": weights})
    out = kirc.share(df, "ok", weights="w")
    assert out.loc[0, "n"] == 40 and out.loc[0, "n_eff"] < 30
    assert out.loc[0, "flag"] == "n<30"
    assert kirc.share(df, "ok", weights=None).loc[0, "flag"] == ""


def test_load_survey_proposes_a_declared_spss_weight_the_design_does_not_use(tmp_path,
                                                                            monkeypatch):
    # klantcontact without weights in [design], its file declaring WEIGHT BY gewicht
    from conftest import SURVEYS
    import kirc.io

    text = (SURVEYS / "klantcontact.toml").read_text(encoding="utf-8")
    text = text.split("\n[calibration]")[0] + "\n"   # the [design] alone, no margins file
    text = text.replace('[design]\nweights = "weight"\n', "[design]\n")
    text = text.replace('file = "klantcontact_', f'file = "{SURVEYS.as_posix()}/klantcontact_')
    # the demo exports stay where they are: declared as a data folder of this definition
    text = text.replace("min_n = 30\n", f'min_n = 30\ndata_folders = ["{SURVEYS.as_posix()}"]\n', 1)
    path = tmp_path / "eigen.toml"
    path.write_text(text, encoding="utf-8")
    real = kirc.io.read_survey

    def declaring(file, **options):
        frame = real(file, **options)
        frame.attrs["weight"] = "gewicht"
        return frame

    monkeypatch.setattr(kirc.io, "read_survey", declaring)
    with pytest.warns(kirc.KircWarning, match="WEIGHT BY.*add weights = 'weight' to"):
        data = kirc.load_survey(path, years=[2025])
    assert kirc.design_of(data).weights is None          # proposed, not used
