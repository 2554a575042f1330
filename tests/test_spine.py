"""Regression tests for the problems of the issue "One estimation spine", written from its text.

Each test names the problem it guards against. The numbers it compares come from the package's
own validated paths (R-checked in test_design.py, test_contrast.py, test_weighting.py): here
the question is whether every path gives the same number, not what the number is.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kirc

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ks():
    return kirc.load_survey("klantcontact")


@pytest.fixture(scope="module")
def ks2025(ks):
    return ks[ks["year"] == 2025]


# --------------------------------------------------------------------------------------------
# the design travels with the survey, not in attrs


def test_a_merge_keeps_the_design_and_its_figure(ks2025):
    # "ks.merge(other, on='sector') drops it without a word: FCR 2025 goes from 72.01% to 70.11%"
    other = pd.DataFrame({"sector": ks2025["sector"].cat.categories,
                          "label": range(len(ks2025["sector"].cat.categories))})
    merged = ks2025.merge(other, on="sector")
    assert isinstance(merged, kirc.Survey) and merged.design == ks2025.design
    before = kirc.first_contact_resolution(ks2025)
    with warnings.catch_warnings():
        warnings.simplefilter("error", kirc.KircWarning)
        after = kirc.first_contact_resolution(merged)
    pd.testing.assert_frame_equal(before, after)


def test_a_merge_that_repeats_respondents_warns_and_so_does_a_plain_frame(ks2025):
    doubled = ks2025.merge(pd.DataFrame({"sector": list(ks2025["sector"].cat.categories) * 2}),
                           on="sector")
    with pytest.warns(kirc.KircWarning, match="lost.*repeated some respondents"):
        kirc.first_contact_resolution(doubled)
    plain = pd.merge(pd.DataFrame({"sector": ks2025["sector"].cat.categories}), ks2025,
                     on="sector")
    assert not isinstance(plain, kirc.Survey)
    with pytest.warns(kirc.KircWarning, match="holds the design columns of klantcontact"):
        kirc.first_contact_resolution(plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error", kirc.KircWarning)
        kirc.first_contact_resolution(plain, weights=None)       # said so: no warning


def test_concat_assign_and_groupby_apply_keep_the_design(ks):
    years = [ks[ks["year"] == y] for y in (2024, 2025)]
    both = pd.concat(years)
    assert isinstance(both, kirc.Survey) and both.design == ks.design
    pd.testing.assert_frame_equal(kirc.nps(both, "nps", by="year"),
                                  kirc.nps(ks[ks["year"].isin([2024, 2025])], "nps", by="year"))
    assigned = years[1].assign(double=lambda d: 2 * d["nps"])
    assert assigned.design == ks.design
    by_sector = years[1].groupby("sector", observed=True).apply(
        lambda g: kirc.nps(g, "nps").iloc[0]["estimate"], include_groups=False)
    direct = kirc.nps(years[1], "nps", by="sector").set_index("sector")["estimate"]
    np.testing.assert_allclose(by_sector.to_numpy(), direct.loc[by_sector.index].to_numpy())
    with pytest.warns(kirc.KircWarning, match="lost.*not part of the survey"):
        kirc.nps(pd.concat([years[1], pd.DataFrame({"nps": [10.0], "year": [2025]})]), "nps")


def test_results_carry_nothing_in_attrs(ks2025):
    for result in (kirc.nps(ks2025, "nps"), kirc.trend(ks2025, "nps", "nps"),
                   kirc.contrast(ks2025, "nps", "nps", by="channel"),
                   kirc.change(kirc.load_survey("klantcontact", years=[2024, 2025]), "nps",
                               "nps")):
        assert result.attrs == {} and not isinstance(result, kirc.Survey)


def test_weights_none_is_unweighted_everywhere(ks2025):
    # "weights=None means unweighted in the metrics (69.82%) and the design's weights in
    # compare_groups (72.56%)"
    share = kirc.share(ks2025, "fcr", by="sector", weights=None).dropna(subset=["sector"])
    groups = kirc.compare_groups(ks2025, "share", "fcr", by="sector", weights=None)
    np.testing.assert_allclose(groups["estimate"], share["estimate"][share["n"] > 0])
    designed = kirc.compare_groups(ks2025, "share", "fcr", by="sector")
    assert not np.allclose(designed["estimate"], groups["estimate"])


def test_n_eff_is_kish_in_every_result(ks2025):
    # "the same cell has a design-effective base of 357.4 in crosstab and 359.2 in share"
    table = kirc.crosstab(ks2025, "fcr", "channel").query("fcr == 1").set_index("channel")
    share = kirc.share(ks2025, "fcr", by="channel").set_index("channel")
    for channel in table.index:
        assert table.loc[channel, "n_eff"] == pytest.approx(share.loc[channel, "n_eff"],
                                                            rel=1e-12)
        assert table.loc[channel, "se"] == pytest.approx(share.loc[channel, "se"], rel=1e-9)
        assert table.loc[channel, "percent"] == pytest.approx(share.loc[channel, "estimate"])


def test_a_declared_fpc_column_is_not_replaced_by_a_population_number():
    # "The report re-injects attrs['population'] as call arguments, which replaces a declared
    # per-stratum fpc by a population number": the report's indicator takes the design as is
    from kirc.report.spec import Indicator
    data = pd.DataFrame({"ok": [1, 0, 1, 1, 0, 1] * 10, "h": ["a"] * 30 + ["b"] * 30,
                         "N": [40] * 30 + [300] * 30, "w": 1.0})
    survey = kirc.as_survey(data, kirc.Design(weights="w", strata="h", fpc="N"))
    indicator = Indicator("ok", "share", "ok", {"nl": "ok"}, "percent")
    pd.testing.assert_frame_equal(indicator.compute(survey), kirc.share(survey, "ok"))


# --------------------------------------------------------------------------------------------
# the measure


def test_top_box_works_in_change_trend_contrast_and_compare_groups():
    ks = kirc.load_survey("klantcontact", years=[2024, 2025])
    change = kirc.change(ks, "top_box", "csat", scale=(1, 5), top=2)
    trend = kirc.trend(ks, "top_box", "csat", scale=(1, 5), top=2)
    assert change["estimate"].iloc[0] == pytest.approx(trend["estimate"].diff().iloc[1])
    assert len(kirc.compare_groups(ks, "top_box", "csat", by="channel", scale=(1, 5)))
    assert len(kirc.contrast(ks, "csat", "csat", by="channel"))


def test_a_measure_of_the_wrong_kind_of_question_is_refused(ks2025):
    with pytest.raises(kirc.ScaleError, match="'csat'.*1–5 rating; an NPS needs"):
        kirc.nps(ks2025, "csat")                      # was −100
    with pytest.raises(kirc.ScaleError, match="'nps'.*0–10 rating; a share counts yes/no"):
        kirc.share(ks2025, "nps")                     # was 0.29%
    assert kirc.share(ks2025, "nps", positive=[9, 10]).iloc[0]["n"] > 0   # said what counts
    with pytest.raises(kirc.ScaleError, match="not a 1–5 scale"):
        kirc.top_box(ks2025, "nps", scale=(1, 5))


def test_an_old_call_that_gave_a_wrong_answer_is_refused_the_rest_warns():
    df = pd.DataFrame({"fcr": [1, 0, 1, 1], "sector": ["a", "a", "b", "b"]})
    with pytest.raises(kirc.ParameterError, match="did you mean by='sector'"):
        kirc.share(df, "fcr", "sector")               # was 0.0%: "sector" taken as yes
    with pytest.warns(FutureWarning, match="pass positive=, by= by keyword"):
        old = kirc.share(df, "fcr", 1, "sector")
    pd.testing.assert_frame_equal(old, kirc.share(df, "fcr", positive=1, by="sector"))
    with pytest.warns(FutureWarning, match="by= by keyword"):
        kirc.compare_groups(df, "share", "fcr", "sector")


def test_one_table_of_metric_names():
    from kirc.measures import METRICS, measure_of
    for name in METRICS:
        assert measure_of(name).name in ("nps", "top_box", "share", "mean")
    with pytest.raises(kirc.ParameterError, match="did you mean 'nps'"):
        kirc.trend(pd.DataFrame({"year": [1], "x": [1]}), "nsp", "x")


# --------------------------------------------------------------------------------------------
# the code's shape


def _imports(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [target] + [f"{target}.{alias.name}" for alias in node.names]
            out.update(n for n in names if n.startswith("kirc"))
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names if alias.name.startswith("kirc"))
    return out


def test_no_import_circles():
    modules = {}
    for path in (ROOT / "kirc").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if parts[-1] == "__init__" else ".".join(parts[:-1])
        modules[name] = (path, package)
    graph = {}
    for name, (path, package) in modules.items():
        targets = set()
        for target in _imports(path, package):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + ".") \
                    and target != "kirc":
                targets.add(target)
        graph[name] = targets
    cycles = []
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_fossils_of_parallel_branches():
    text = {p: p.read_text(encoding="utf-8") for p in (ROOT / "kirc").rglob("*.py")}
    for path, source in text.items():
        assert "getattr(intervals" not in source, path
        assert "inspect.signature(function).parameters" not in source, path
        assert "TALLY_HOOK" not in source, path
        assert "except ImportError" not in source or path.name == "__init__.py" \
            or "duckdb" in source or "pyspark" in source or "calamine" in source, path


def test_a_tally_makes_its_variance_layout_once_and_a_pickle_leaves_it_out(ks):
    import pickle

    from kirc.estimate.engines import tally as tally_of
    from kirc.estimate.variance import domain_estimates

    tally = tally_of(ks, "nps", "nps", by="year")
    first = domain_estimates(tally)
    layout = tally.once("layout", lambda _: pytest.fail("the layout was made again"))
    pd.testing.assert_frame_equal(domain_estimates(tally), first)
    assert tally.once("layout", lambda _: None) is layout
    copy = pickle.loads(pickle.dumps(tally))
    assert copy.once("made", lambda _: "anew") == "anew" and "layout" not in copy._once
    pd.testing.assert_frame_equal(domain_estimates(copy), first)
