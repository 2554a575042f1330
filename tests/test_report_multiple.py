"""The report's multiple-response questions (issue 23): the channels used in the demo.

Every figure is checked against an independent reference: the report's options against
:func:`kirc.multiple_response` on the same rows (itself tested against R's ``survey`` in
tests/test_multiple.py), and, unweighted, against a hand count of the SPSS file as pyreadstat
reads it (no kirc in between).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest

import kirc
from kirc.report import content, sections

#: builds a report's content (about 10 s in all): outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

#: The options' columns in the 2024 and 2025 files (questionnaire v2022) and their labels.
COLUMNS = {"kanaal_telefoon": "telefoon", "kanaal_email": "e-mail", "kanaal_chat": "chat",
           "kanaal_whatsapp": "WhatsApp", "kanaal_social_media": "social media",
           "kanaal_chatbot": "chatbot", "kanaal_app": "app"}


@pytest.fixture(scope="module")
def report():
    return content.prepare("klantcontact", None, 2025, "all", "nl")


@pytest.fixture(scope="module")
def telecom():
    return content.prepare("klantcontact", None, 2025, "telecom", "en")


def test_the_options_are_multiple_response_on_the_same_rows(report):
    question = content.multiple_tables(report)["channels_used"]
    table = question.headline.set_index("label")
    rows = report.survey[report.survey["year"] == 2025]
    expected = kirc.multiple_response(rows, "channels_used").set_index("option")
    assert sorted(table.index) == sorted(expected.index) and len(table) == 7
    for column in ("estimate", "ci_low", "ci_high", "n"):
        assert np.allclose(table[column].astype(float),
                           expected.loc[table.index, column].astype(float), rtol=0, atol=1e-9)
    assert question.mean_options == pytest.approx(expected["mean_options"].iloc[0], abs=1e-12)
    assert question.answered == 2398
    # the bars' order: the largest share first
    assert list(question.headline["estimate"]) == sorted(question.headline["estimate"],
                                                         reverse=True)
    # the trend holds each year's multiple_response; the app only from 2022 (added then),
    # and a break in 2022 (the report settings: the app changed the question's scale)
    trend = question.trend
    for year in (2019, 2022):
        before = kirc.multiple_response(report.survey[report.survey["year"] == year],
                                        "channels_used").set_index("option")
        before = before[before["n"] > 0]          # the app was not asked before 2022
        part = trend[trend["year"] == year].set_index("label")
        assert sorted(part.index) == sorted(before.index)
        assert np.allclose(part["estimate"], before.loc[part.index, "estimate"], atol=1e-9)
        assert (part["n"] == before.loc[part.index, "n"]).all()
    assert trend.loc[trend["label"] == "app", "year"].min() == 2022
    assert set(trend.loc[trend["series_break"], "year"]) == {2022}
    # the change from 2024 is the difference of the two years' shares
    last = trend[trend["year"] == 2024].set_index("label")["estimate"]
    assert np.allclose(table["change"], table["estimate"] - last.loc[table.index], atol=1e-9)


def test_a_segment_is_the_domain_of_the_whole_survey_beside_the_market(telecom):
    question = content.multiple_tables(telecom)["channels_used"]
    table = question.headline.set_index("metric")
    whole = telecom.market["survey"]
    rows = whole[whole["year"] == 2025]
    by_sector = kirc.multiple_response(rows, "channels_used", by="sector")
    mine = by_sector[by_sector["sector"].astype(str) == "telecom"].set_index("option")
    market = kirc.multiple_response(rows, "channels_used").set_index("option")
    options = {o.key: o for o in question.options}
    for key, row in table.iterrows():
        # the option's Dutch label names multiple_response's row (English in the report)
        label = options[key].label["nl"]
        assert row["label"] == options[key].label["en"]
        for column in ("estimate", "ci_low", "ci_high", "n"):
            assert float(row[column]) == pytest.approx(float(mine.loc[label, column]),
                                                       abs=1e-9)
        assert row["market"] == pytest.approx(market.loc[label, "estimate"], abs=1e-9)
        # against the rest of the market: the spine's contrast on the option's column
        versus = kirc.contrast(rows, "share", options[key].construct, by="sector",
                               versus="rest")
        versus = versus[versus["sector"].astype(str) == "telecom"].iloc[0]
        assert row["versus"] == pytest.approx(versus["estimate"], abs=1e-9)
        assert row["versus_significant"] == bool(versus["significant"])


def test_unweighted_shares_are_a_hand_count_of_the_file(tmp_path):
    # The demo definition without its weight and calibration, for 2024 and 2025: every
    # figure is then a count of the file's 0/1 columns (pyreadstat, no kirc in between).
    import pyreadstat

    text = (ROOT / "surveys" / "klantcontact.toml").read_text(encoding="utf-8")
    text = text.split("[years]")[0].replace('[design]\nweights = "weight"\n', "")
    assert "[design]" not in text and "[calibration]" not in text
    folder = (ROOT / "surveys").as_posix()
    (tmp_path / "ongewogen.toml").write_text(
        text.replace('name = "klantcontact"', 'name = "ongewogen"')
        .replace("min_n = 30\n", f'min_n = 30\ndata_folders = ["{folder}"]\n', 1)
        .replace('org_survey = "sectorscan"\n', "")
        + "[years]\n" + "".join(f'{year} = {{ file = "{folder}/klantcontact_{year}.sav", '
                                 'questionnaire = "v2022" }\n' for year in (2024, 2025)),
        encoding="utf-8")
    report = content.prepare(str(tmp_path / "ongewogen.toml"), None, 2025, "all", "nl")
    question = content.multiple_tables(report)["channels_used"]
    table = question.headline.set_index("label")

    counts = {}
    for year in (2024, 2025):
        raw, _ = pyreadstat.read_sav(str(ROOT / "surveys" / f"klantcontact_{year}.sav"))
        answered = raw[list(COLUMNS)].notna().any(axis=1)
        counts[year] = (raw[answered], int(answered.sum()))
    raw, answered = counts[2025]
    before, answered_before = counts[2024]
    assert question.answered == answered == 2398
    for column, label in COLUMNS.items():
        share = 100 * (raw[column] == 1).sum() / answered
        share_before = 100 * (before[column] == 1).sum() / answered_before
        assert table.loc[label, "estimate"] == pytest.approx(share, abs=1e-9)
        assert table.loc[label, "n"] == answered
        assert table.loc[label, "change"] == pytest.approx(share - share_before, abs=1e-9)
    # 1606 of the 2398 who answered used the telephone
    assert table.loc["telefoon", "estimate"] == pytest.approx(100 * 1606 / 2398)
    mean = raw[list(COLUMNS)].sum(axis=1).mean()
    assert question.mean_options == pytest.approx(mean, abs=1e-9)
    # by age group: a count per group of the file's codes (1 = 18-34, ..., 4 = 65+)
    ages = dict(zip(["18-34", "35-49", "50-64", "65+"], [1, 2, 3, 4]))
    part = question.breakdowns[("age_group", "channels_used.chat")].set_index("age_group")
    for group, code in ages.items():
        rows = raw[raw["leeftijd"] == code]
        assert part.loc[group, "n"] == len(rows)
        assert part.loc[group, "estimate"] == pytest.approx(
            100 * (rows["kanaal_chat"] == 1).mean(), abs=1e-9)


def _svg_texts(page: str) -> str:
    """The text of the page with its SVG charts decoded (they are data URIs)."""
    charts = [base64.b64decode(data).decode("utf-8")
              for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)]
    return page + "".join(charts)


def test_the_section_shows_chart_table_trend_and_breakdowns(report):
    page = sections.multiple(report)
    question = content.multiple_tables(report)["channels_used"]
    assert 'id="meer-antwoorden"' in page and "#meer-antwoorden" in sections.contents(report)
    svg = _svg_texts(page)
    # every shown share with its n, in the chart and in the table, as the report writes them
    for _, row in question.headline.iterrows():
        share = content.format_value(row["estimate"], "percent", "nl")
        assert f"{share}  (n = 2.398)" in svg
        assert f"<td class=\"num\" data-label=\"Uitkomst\">{share}</td>" in page
    assert "Gemiddeld 3,0 antwoorden gekozen (n = 2.398)" in page
    # the trend: a chart per option, the table per year; a breakdown per breakdown
    assert svg.count("Lijndiagram van ") == 7
    assert page.count("<caption>Uitkomst per jaar</caption>") == 1
    for by in ("sector", "kanaal", "leeftijd"):
        assert f"<caption>Gebruikte kanalen naar {by}, 2025 (%)</caption>" in page
    # the methods name the question and its base
    assert "Respondenten die de vraag beantwoordden (vanaf 2019)." in \
        content.definitions_html(report)


def test_a_small_group_is_suppressed_in_the_options_breakdown(telecom):
    # telecom 2025: too few whose last contact was by WhatsApp or social media
    question = content.multiple_tables(telecom)["channels_used"]
    part = question.breakdowns[("channel", "channels_used.phone")]
    hidden = set(part.loc[part["suppressed"], "channel"].astype(str))
    assert hidden == {"WhatsApp", "social media"}
    assert part.loc[part["suppressed"], "estimate"].isna().all()
    html = content.options_breakdown_html(question, "channel", telecom)
    for group in hidden:
        row = re.search(rf"<tr class=\"muted\"><th scope=\"row\">{group}</th>(.*?)</tr>", html)
        assert row and not re.search(r"\d", row.group(1).replace("n<30", "")), group
    figures = content.figures_table(telecom, content.headline(telecom))
    options = figures[figures["metric"].str.startswith("channels_used.")]
    assert options.loc[options["suppressed"], "estimate"].isna().all()
    assert (options.loc[options["section"] == "headline", "label"]
            .str.startswith("Channels used: ")).all()


def test_key_messages_name_an_option_as_its_table_does(report):
    table = content.headline(report)
    messages = content.key_messages(table, report)
    question = content.multiple_tables(report)["channels_used"]
    sentences = {content.indicator_sentence(row, 2025, "nl"): row
                 for _, row in question.headline.iterrows()}
    said = [m for m in messages if m in sentences]
    # WhatsApp rose significantly by 5,7 pp: the option's own sentence, from its table's strings
    assert said and all(sentences[m]["significant"] for m in said)
    assert said[0].startswith("Het aandeel dat WhatsApp koos (gebruikte kanalen) steeg met 5,7")
    # one message per question and kind, however many options changed
    assert int(question.headline["significant"].sum()) >= 2 and len(said) == 1
