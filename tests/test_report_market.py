"""What readers see in a rendered batch (2025, all sectors and each sector, with decks): the
market beside every sector equal to kirc.contrast, no caveat where no question changed, no
placeholder, no Dutch in an English report, the low-base mark, the decks read back."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc.report import content, deck
from kirc.report.formatting import format_value
from kirc.report.names import report_slug
from kirc.report.spec import indicators_of, option_indicators
from kirc.report.texts import LABELS, SUBJECTS, WORKBOOK_TEXT

#: a batch: outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

SECTORS = list(kirc.survey_definition("klantcontact")["constructs"]["sector"]["labels"]
               .values())
ESTIMATORS = {"nps": kirc.nps, "share": kirc.share, "top_box": kirc.top_box,
              "mean": kirc.mean_score}


def page_text(path) -> str:
    """A page's text as a reader sees it: no styles, no code identifiers, tags as spaces."""
    return html_text(path.read_text(encoding="utf-8"))


def html_text(page: str) -> str:
    """The text of HTML as a reader sees it (:func:`page_text`)."""
    page = re.sub(r"<(style|code)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


@pytest.fixture(scope="module")
def surveys():
    return {"survey": kirc.load_survey("klantcontact", years=[2025]),
            "org_survey": kirc.load_survey("sectorscan", years=[2025])}


@pytest.fixture(scope="module")
def indicators():
    """Every figure of a report's headline: a multiple-response question's options each."""
    out = []
    for name, source in (("klantcontact", "survey"), ("sectorscan", "org_survey")):
        definition = kirc.survey_definition(name)
        for indicator in indicators_of(definition, source):
            out += (option_indicators(indicator, definition) if indicator.metric == "multiple"
                    else [indicator])
    return out


def _api(data, indicator, **call):
    options = {}
    if indicator.metric == "top_box":
        options = {"scale": tuple(indicator.scale), "top": int(indicator.top or 2)}
    return ESTIMATORS[indicator.metric](data, indicator.construct, **options, **call)


def test_every_sector_report_holds_the_market_and_the_contrast_of_kirc_contrast(
        rendered_2025, surveys, indicators):
    output = rendered_2025["output"] / "2025"
    compared = 0
    for sector in SECTORS:
        figures = pd.read_csv(output / report_slug(sector) / "figures.csv")
        headline = figures[figures["section"] == "headline"].set_index("metric")
        text = page_text(output / f"{report_slug(sector)}.html")
        for indicator in indicators:
            data = surveys[indicator.source]
            row = headline.loc[indicator.key]
            market = _api(data, indicator).iloc[0]
            assert row["market"] == pytest.approx(market["estimate"])
            versus = kirc.contrast(data, indicator.measure, indicator.construct, by="sector",
                                   versus="rest")
            mine = versus[versus["sector"] == sector].iloc[0]
            if row["suppressed"]:
                assert np.isnan(row["versus"])
                continue
            for column, api in (("versus", "estimate"), ("versus_low", "ci_low"),
                                ("versus_high", "ci_high"), ("versus_p", "p_value")):
                assert row[column] == pytest.approx(mine[api]), (sector, indicator.key, column)
            assert bool(row["versus_significant"]) == bool(mine["significant"])
            min_n = 5 if indicator.source == "org_survey" else 30
            ranked = versus[versus["n"] >= min_n]
            rank = int((ranked["estimate_group"] > mine["estimate_group"]).sum()) + 1
            assert (row["rank"], row["ranked"]) == (rank, len(ranked))
            # and the reader sees them: the market figure, the difference, the rank
            cells = content.headline_cells(row.to_dict() | {"unit": indicator.unit,
                                                             "metric": indicator.key})
            for shown in (format_value(market["estimate"], indicator.unit, "nl"),
                          cells["versus_interval"],
                          LABELS["nl"]["rank_value"].format(rank=rank, count=len(ranked))):
                assert shown in text, (sector, indicator.key, shown)
            compared += 1
        # the trend charts draw the market line (the legend of every chart names it)
        assert text.count("markt") >= 1
        assert "Gestippelde grijze lijn: de hele markt" in (output / f"{report_slug(sector)}"
                                                            ".html").read_text()
    assert compared >= 50


def test_the_all_sectors_report_marks_the_sectors_that_differ_from_the_rest(
        rendered_2025, surveys, indicators):
    output = rendered_2025["output"] / "2025"
    figures = pd.read_csv(output / "alle-sectoren" / "figures.csv")
    rows = figures[(figures["section"] == "breakdown") & (figures["breakdown"] == "sector")]
    text = page_text(output / "alle-sectoren.html")
    marked = 0
    for indicator in indicators:
        versus = kirc.contrast(surveys[indicator.source], indicator.measure,
                               indicator.construct, by="sector", versus="rest")
        for _, row in rows[rows["metric"] == indicator.key].iterrows():
            if row["suppressed"]:
                continue
            mine = versus[versus["sector"] == row["group"]].iloc[0]
            assert row["versus"] == pytest.approx(mine["estimate"])
            assert bool(row["versus_significant"]) == bool(mine["significant"])
            marked += bool(mine["significant"])
    assert marked >= 3
    assert LABELS["nl"]["versus_legend"][:40] in text
    assert text.count("▲") + text.count("▼") >= marked


def test_no_caveat_and_no_placeholder_in_any_report(rendered_2025, rendered_english):
    pages = sorted((rendered_2025["output"] / "2025").glob("*.html"))
    pages += sorted((rendered_english / "2025").glob("*.html"))
    assert len(pages) == 10
    for path in pages:
        text = page_text(path)
        # the one break the report settings declare is the channels question's (2022: the app
        # added to its options): marked in its own section, and in a key message on an option
        page = path.read_text(encoding="utf-8")
        section = re.search(r'<h2 id="meer-antwoorden">.*?(?=<h2 id=)', page, flags=re.S)
        assert section and re.search(r"(vragenlijst|questionnaire) \(2022\)", section.group())
        page = page.replace(section.group(), "")
        page = re.sub(r"<li>[^<]*\((gebruikte kanalen|channels used)\)[^<]*</li>", "", page)
        # the 2021 questionnaire renamed columns only: no caveat, no break marked elsewhere
        for caveat in ("de vragenlijst is in", "the questionnaire was revised", "nieuwe vraag",
                       "new question", "stippellijn", "dotted line"):
            assert caveat not in html_text(page), (path.name, caveat)
        for placeholder in ("niet vastgelegd", "not recorded", "onbekend", "unknown",
                            "periode niet", "n_eff"):
            assert placeholder not in text, (path.name, placeholder)
        # fieldwork, mode and response are stated
        assert re.search(r"\d{1,2} (november|November) 2025", text), path.name
        assert re.search(r"\d+% \(", text) or re.search(r"\b\d+%", text)


def test_an_english_report_has_no_dutch(rendered_english):
    # Every Dutch word the report catalogue, the subjects and the definitions' texts could
    # put on a page, less the words English shares (NPS, FCR, e-mail, telecom, ...).
    def words(text):
        return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{4,}", text)}

    dutch, english = set(), set()
    for value in LABELS["nl"].values():
        dutch |= words(" ".join(value) if isinstance(value, (tuple, list)) else str(value))
    for value in LABELS["en"].values():
        english |= words(" ".join(value) if isinstance(value, (tuple, list)) else str(value))
    dutch |= words(" ".join(SUBJECTS["nl"].values()))
    english |= words(" ".join(SUBJECTS["en"].values()))
    for name in ("klantcontact", "sectorscan"):
        definition = kirc.survey_definition(name)
        for spec in definition["constructs"].values():
            dutch |= words(str(spec.get("label", "")))
            dutch |= words(" ".join(map(str, (spec.get("labels") or {}).values())))
            english |= words(" ".join(map(str, (spec.get("labels_en") or {}).values())))
        for spec in definition["indicators"].values():
            dutch |= words(spec["label"]["nl"])
            english |= words(spec["label"]["en"])
    only_dutch = dutch - english - {"klantcontact", "monitor", "sectorscan", "online"}
    assert {"onderdrukt", "uitkomst", "telefoon", "vragenlijst", "energie"} <= only_dutch
    for name in ("all-sectors.html", "telecom.html"):
        text = page_text(rendered_english / "2025" / name)
        found = words(text) & only_dutch
        assert not found, (name, sorted(found))
    for path in (rendered_english / "2025").glob("*.pptx"):
        text = " ".join(t for slide in deck.slide_texts(path) for t in slide)
        assert not words(text) & only_dutch, (path.name, sorted(words(text) & only_dutch))


def test_a_low_effective_base_is_marked_and_explained(rendered_2025, surveys):
    # A figure on at least 30 answers whose effective base is below 30 is shown with †, its
    # legend beside it, and low_base in the files; the API's n and n_eff decide.
    output = rendered_2025["output"] / "2025"
    found = 0
    for path in sorted(output.glob("*/figures.csv")):
        figures = pd.read_csv(path)
        low = figures[figures["low_base"].astype(bool)]
        assert (low["n"] >= 30).all() or (low["n"] >= 5).all()
        assert (low["n_eff"] < 30).all()
        shown = figures[~figures["suppressed"].astype(bool)]
        consumers = shown[shown["metric"].isin(["nps", "csat", "csat_mean", "fcr",
                                                "chatbot_success", "relation"])]
        assert ((consumers["n_eff"] < 30) == consumers["low_base"].astype(bool)).all()
        if len(low):
            text = page_text(path.parent.with_suffix(".html"))
            assert "† Lage effectieve basis" in text and text.count("†") >= 2
            found += len(low)
    assert found >= 1
    # and in the appendix, in words
    sheet = __import__("openpyxl").load_workbook(output / "telecom" / "figures.xlsx").active
    header = [c.value for c in sheet[1]]
    assert WORKBOOK_TEXT["nl"]["headers"]["low_base"] in header


def test_a_change_not_computed_says_why(rendered_2025):
    text = page_text(rendered_2025["output"] / "2025" / "telecom.html")
    # every change cell of the headline table holds a figure or a reason, never a bare dash
    table = text[text.index("Kerncijfers 2025"):text.index("▲/▼ en *")]
    assert " – – " not in table


def test_every_deck_holds_the_reports_figures_and_messages(rendered_2025):
    output = rendered_2025["output"] / "2025"
    for name in ("alle-sectoren", "telecom"):
        slides = deck.slide_texts(output / f"{name}.pptx")
        figures = pd.read_csv(output / name / "figures.csv")
        headline = figures[figures["section"] == "headline"]
        # a multiple-response question's options are "question.option": a slide per question
        is_option = headline["metric"].str.contains(".", regex=False)
        options, headline = headline[is_option], headline[~is_option]
        questions = list(dict.fromkeys(m.split(".")[0] for m in options["metric"]))
        text = page_text(output / f"{name}.html")
        # title, key messages, one slide per indicator, one per multiple-response question,
        # the breakdowns that differ, methods
        assert slides[0][0].startswith("Klantcontact Monitor 2025")
        assert slides[1][0] == LABELS["nl"]["key_messages"]
        for message in slides[1][1].splitlines():
            assert message in text                      # the report's own sentences
        indicator_slides = slides[2:2 + len(headline)]
        assert [s[0] for s in indicator_slides] == list(headline["label"])
        for slide, (_, row) in zip(indicator_slides, headline.iterrows()):
            cells = content.headline_cells(row.to_dict())
            body = "\n".join(slide[1:])
            if row["suppressed"]:
                assert "onderdrukt" in body
                continue
            assert cells["estimate"] in body and cells["interval"] in body
            assert f"n = {cells['n']}" in body
            if name != "alle-sectoren":
                assert cells["market"] in body and cells["rank"] in body
        question_slides = slides[2 + len(headline):2 + len(headline) + len(questions)]
        assert questions == ["channels_used"]
        for slide, question in zip(question_slides, questions):
            part = options[options["metric"].str.startswith(question + ".")]
            assert slide[0] == part["label"].iloc[0].split(": ")[0]       # "Gebruikte kanalen"
            lines = slide[1].splitlines()
            assert "samen meer dan 100%" in lines[-1]
            # the options in the report's order (largest first), each as the report has it
            for line, (_, row) in zip(lines, part.iterrows()):
                cells = content.headline_cells(row.to_dict())
                option = row["label"].split(": ", 1)[1]
                assert line.startswith(f"{option}: {cells['estimate']} ({cells['interval']}; "
                                       f"n = {cells['n']}"), (line, option)
                if name != "alle-sectoren":
                    assert f"markt {cells['market']}" in line
        rest = slides[2 + len(headline) + len(questions):]
        assert rest[-1][0] == LABELS["nl"]["deck_methods"]
        assert all(s[0].startswith("Significante verschillen") for s in rest[:-1])
        assert len(slides) == 2 + len(headline) + len(questions) + len(rest)
