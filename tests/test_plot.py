"""kirc.plot on the demo survey: the small-base rule, the marks, the language, the order.

What a plot draws is read back from the matplotlib objects (tick labels, line data, marker
faces, texts) and compared with the result it was drawn from.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import kirc  # noqa: E402
from kirc.disclose import LOW_BASE_MARK  # noqa: E402

from conftest import SURVEYS  # noqa: E402


@pytest.fixture(scope="module")
def ks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kirc.KircWarning)
        return kirc.load_survey(SURVEYS / "klantcontact.toml")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def notes(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def test_the_telecom_2017_chatbot_group_is_not_drawn(ks):
    result = kirc.share(ks[ks.year == 2017], "chatbot_success", by="sector")
    assert result.loc[result.sector == "telecom", "n"].item() == 15
    ax = kirc.plot.estimates(result)
    assert not any(label.startswith("telecom") for label in labels(ax))
    assert "Niet getoond (te weinig antwoorden): telecom" in notes(ax)
    drawn = [line for line in ax.lines if len(line.get_xdata())]
    assert not any(np.isclose(line.get_xdata(), 60.2, atol=0.05).any() for line in drawn)


def test_groups_are_sorted_with_n_and_the_total_is_a_line(ks):
    year = ks[ks.year == 2025]
    result = kirc.nps(year, "nps", by="sector")
    total = kirc.nps(year, "nps")
    ax = kirc.plot.estimates(result, total=total)
    expected = result.sort_values("estimate", ascending=False)
    assert labels(ax) == [f"{s} (n = {n})" for s, n in zip(expected.sector, expected.n)]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == pytest.approx(total.estimate[0])
    assert ax.get_xlabel() == "NPS (punten, −100 tot +100)"
    assert "totaal " + kirc.display.figure_text(total.estimate[0], "points", "nl") in notes(ax)


def test_a_low_effective_base_is_hollow_and_marked():
    frame = pd.DataFrame({"ok": [1, 0] * 40, "kanaal": ["chat"] * 40 + ["mail"] * 40,
                          "w": [20.0] + [1.0] * 39 + [1.0] * 40})
    result = kirc.share(frame, "ok", by="kanaal", design=kirc.Design(weights="w"))
    assert result.flag.tolist() == ["n<30", ""]
    ax = kirc.plot.estimates(result)
    marked = [label for label in labels(ax) if label.endswith(LOW_BASE_MARK)]
    assert marked == [f"chat (n = 40) {LOW_BASE_MARK}"]
    faces = {to_hex(line.get_markerfacecolor()) for line in ax.lines if line.get_marker() == "o"}
    assert "#ffffff" in faces and kirc.plot.SERIES[0].lower() in faces
    assert f"{LOW_BASE_MARK} effectieve basis onder 30" in notes(ax)


def test_axis_labels_follow_the_surveys_language(ks):
    english = kirc.as_survey(pd.DataFrame(ks), ks.design, language="en")
    ax = kirc.plot.estimates(kirc.csat(english[english.year == 2025], "csat", by="channel"))
    assert ax.get_xlabel() == "percent"
    assert all("," not in t.get_text() for t in ax.get_xticklabels())
    ax = kirc.plot.change(kirc.change(english, "nps", "nps", by="sector", year=2025))
    assert ax.get_xlabel() == "Change (points)"


def test_a_trend_has_gaps_for_suppressed_years_and_a_break(ks):
    result = kirc.trend(ks, "share", "chatbot_success")
    ax = kirc.plot.trend(result, breaks=[2021])
    line = next(line for line in ax.lines if line.get_marker() == "o" and
                len(line.get_xdata()) == len(result))
    values = line.get_ydata()
    hidden = (result.n < 30).to_numpy()
    assert np.isnan(values[hidden]).all() and not np.isnan(values[~hidden]).any()
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert dotted[0].get_xdata()[0] == 2020.5
    assert "nieuwe vragenlijst" in notes(ax)

    by_sector = kirc.trend(ks, "share", "chatbot_success", by="sector")
    ax = kirc.plot.trend(by_sector)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(
        dict.fromkeys(by_sector.sector))
    assert "2017 (telecom, energie" in notes(ax)


def test_a_change_is_drawn_around_zero_significant_ones_filled(ks):
    result = kirc.change(ks, "csat", "csat", by="channel", year=(2018, 2025))
    result_sig = kirc.contrast(ks[ks.year == 2025], "nps", "nps", by="sector", versus="rest")
    ax = kirc.plot.change(result_sig)
    low, high = ax.get_xlim()
    assert low == -high
    filled = [to_hex(line.get_markerfacecolor()) != "#ffffff"
              for line in ax.lines if line.get_marker() == "o"]
    order = result_sig.sort_values("estimate", ascending=False)
    assert filled == order.significant.tolist()
    ax = kirc.plot.change(result)
    assert "2018–2025" in ax.get_title()


def test_composition_and_crosstab_show_their_parts(ks):
    year = ks[ks.year == 2025]
    result = kirc.nps(year, "nps", by="sector")
    ax = kirc.plot.composition(result)
    assert len(ax.patches) == 3 * len(result)
    widths = sorted({round(abs(p.get_width()), 6) for p in ax.patches})
    assert round(result.promoters.iloc[0], 6) in widths

    table = kirc.crosstab(year, "age_group", "channel")
    ax = kirc.plot.crosstab(table)
    with_letters = table[table.higher_than != ""]
    texts = [t.get_text() for t in ax.texts]
    for _, cell in with_letters.iterrows():
        assert f"{cell.percent:.0f} {cell.higher_than}" in texts

    # a multiple-response question: a bar per option and column, not stacked, each the
    # crosstab's percentage, the columns' letters beside the bars
    several = kirc.crosstab(year, "channels_used", "age_group")
    ax = kirc.plot.crosstab(several)
    assert len(ax.patches) == len(several)
    assert sorted(round(p.get_width(), 9) for p in ax.patches) == \
        sorted(round(v, 9) for v in several["percent"])
    assert ax.get_xlim() == (0, 100)
    assert sorted(t.get_text() for t in ax.texts) == \
        sorted(several.loc[several.higher_than != "", "higher_than"])


def test_drivers_are_sorted_and_a_plain_frame_is_refused(ks):
    result = kirc.drivers(ks[ks.year == 2025], "csat", ["wait_time", "expertise", "clarity"],
                          n_boot=50)
    ax = kirc.plot.drivers(result)
    assert labels(ax) == result.sort_values("importance", ascending=False)\
        .predictor.tolist()
    with pytest.raises(kirc.ParameterError, match="a plain DataFrame"):
        kirc.plot.estimates(pd.DataFrame(result))
