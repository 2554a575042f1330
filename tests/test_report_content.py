"""Report content without rendering: text and table agree, suppression is absence everywhere,
the workbook holds the API's figures, one-year surveys get no trend."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import kirc
from kirc.report import charts, content, sections
from kirc.report.formatting import MINUS

#: a report's content (charts, tables, workbooks): outside the inner loop of statistics and IO (pytest -m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report_2025():
    return content.prepare("klantcontact", None, 2025, "all", "nl")


@pytest.fixture(scope="module")
def telecom_2025():
    return content.prepare("klantcontact", None, 2025, "telecom", "nl")


def as_of(report, year):
    """The same report data as it stood in an earlier year (frames cut at that year)."""
    frames = {}
    for key, frame in report.frames.items():
        if frame is None:
            frames[key] = None
            continue
        cut = frame[frame["year"] <= year]
        cut.attrs = dict(frame.attrs)
        frames[key] = cut
    return dataclasses.replace(report, year=year, frames=frames)


def read_workbook(path, language="nl") -> list[dict]:
    """The appendix's rows keyed by the CSV's column names, its codes back to the CSV's."""
    from kirc.report.texts import WORKBOOK_TEXT
    text = WORKBOOK_TEXT[language]
    names = {v: k for k, v in text["headers"].items()}
    codes = {column: {v: k for k, v in text[table].items()} for column, table in
             (("section", "sections"), ("unit", "units"), ("suppression", "suppression"),
              ("change_note", "change_notes"))}
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [names[c.value] for c in sheet[1]]
    rows = []
    for cells in sheet.iter_rows(min_row=2):
        row = {}
        for name, cell in zip(header, cells):
            value = cell.value
            if value in (text["yes"], text["no"]) and name not in ("label", "group"):
                value = value == text["yes"]
            row[name] = codes.get(name, {}).get(value, value)
            row[name + ":format"] = cell.number_format
        rows.append(row)
    return rows


def _number(text: str) -> str:
    """'▲ +3,2 pp (significant)' -> '3,2'; '−1,8' -> '1,8'."""
    return re.search(r"\d[\d.,]*", text).group(0)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_text_and_table_agree_for_every_indicator_in_every_demo_year(report_2025, language):
    # The example: "bleef gelijk op 3,66" beside a table showing +0,04. Sentences are
    # built from the table's strings, so for every indicator and year the sentence names the
    # table's value, the table's change, and a verb that matches the change's sign.
    report = dataclasses.replace(report_2025, language=language)
    labels = content.LABELS[language]
    checked = 0
    for year in range(2017, 2026):
        state = as_of(report, year)
        table = content.headline(state)
        shown = content.headline_table(table, language, with_change=True)
        assert len(table) == 8
        for (_, row), (_, cells) in zip(table.iterrows(), shown.iterrows()):
            sentence = content.indicator_sentence(row, year, language)
            if row["suppressed"]:
                assert sentence == ""
                continue
            value, change = cells.iloc[1], cells.iloc[-1]
            assert value in sentence, (year, row["metric"], sentence)
            if not any(ch.isdigit() for ch in change):
                # no change: said why ("n.v.t. (eerste jaar)"), and the sentence states the level
                assert change in (labels["change_na"], "–") or change.startswith(
                    labels["change_too_few"][:10]), change
                assert f" {labels['was']} " in sentence
                continue
            number = _number(change)
            if number.strip("0,.") == "":
                assert labels["stayed"] in sentence, (year, row["metric"], sentence, change)
            else:
                assert f" {number} " in sentence, (year, row["metric"], sentence, change)
                verb = labels["rose"] if MINUS not in change else labels["fell"]
                assert f" {verb} " in sentence, (year, row["metric"], sentence, change)
            checked += 1
        # key messages: two to four, each one an indicator sentence, the "no change" line,
        # or the long-run sentence whose first-year value is the trend table's
        messages = content.key_messages(table, state)
        assert 2 <= len(messages) <= 4, (year, messages)
        trend = content.trend_table(state)
        # the options of the channels question are facts as well, from their own table
        options = [(r, question.trend) for question in content.multiple_tables(state).values()
                   for _, r in question.headline.iterrows()]
        rows = [(r, trend) for _, r in table.iterrows()] + options
        sentences = {content.indicator_sentence(r, year, language) for r, _ in rows}
        for message in messages:
            if message in sentences or message.startswith(labels["no_change"][:12]) \
                    or message.endswith(f" {year}.") and f" {labels['was']} " in message:
                continue
            row, years = next((r, t) for r, t in rows if not r["suppressed"]
                              and content.headline_cells(r, language)["estimate"] in message
                              and r["long_significant"])
            first = years[(years["metric"] == row["metric"])
                          & (years["year"] == row["first_year"])].iloc[0]
            assert kirc.report.formatting.format_value(first["estimate"], first["unit"],
                                                       language) in message
    assert checked > 40


def test_key_messages_put_the_significant_change_first_and_mark_no_break_the_settings_deny(
        report_2025):
    table = content.headline(report_2025)
    messages = content.key_messages(table, report_2025)
    significant = table[table["significant"].fillna(False).astype(bool)]
    assert len(significant) >= 1
    main = set(report_2025.main_keys())
    first = significant.assign(other=~significant["metric"].isin(main)).sort_values(
        ["other", "p_value"]).iloc[0]
    assert messages[0] == content.indicator_sentence(first, 2025)
    long = [m for m in messages if m.startswith("Sinds 2017")]
    # the questionnaires of 2019 and 2020 added the channels question (a delimited column,
    # then a column per option), 2021 renamed columns, 2022 added the app option: a new
    # questionnaire each time, yet none changed a question of an indicator, so no caveat and
    # no break in any series
    assert len(long) == 1 and "herzien" not in long[0]
    assert content.series_breaks(report_2025.definitions["survey"]) == [2019, 2020, 2021, 2022]
    assert not content.trend_table(report_2025)["series_break"].any()


def test_long_run_change_has_its_own_test(report_2025):
    table = content.headline(report_2025).set_index("metric")
    ready = kirc.change(report_2025.frames["org_survey"], "share", "avg_ready",
                        year=(2017, 2025))
    assert table.loc["avg_ready", "long_change"] == pytest.approx(ready.loc[0, "estimate"])
    assert table.loc["avg_ready", "long_p"] == pytest.approx(ready.loc[0, "p_value"])
    assert table.loc["avg_ready", "estimate_first"] == pytest.approx(
        ready.loc[0, "estimate_from"])


def test_a_suppressed_figure_is_in_no_table_chart_or_workbook(telecom_2025, tmp_path):
    # The case: telecom 2017 chatbot success, n = 15, was drawn as a hollow dot at
    # about 61%. Now it is absent from the trend table, the chart's data, the alt text, the
    # CSV and the workbook; the note names it.
    report = telecom_2025
    consumers = report.frames["survey"]
    hidden = kirc.share(consumers[consumers["year"] == 2017], "chatbot_success",
                        weights="weight").iloc[0]
    assert hidden["n"] < 30
    hidden_texts = {kirc.report.formatting.format_value(hidden["estimate"], "percent", "nl"),
                    kirc.report.formatting.format_number(hidden["estimate"], 1, "nl")}

    trend = content.trend_table(report)
    cell = trend[(trend["metric"] == "chatbot_success") & (trend["year"] == 2017)].iloc[0]
    assert cell["suppressed"] and np.isnan(cell["estimate"]) and np.isnan(cell["ci_low"])
    trend_html = content.trend_html(trend, report)
    from kirc.report import charts
    chatbot = next(i for i in report.indicators if i.key == "chatbot_success")
    part = trend[trend["metric"] == "chatbot_success"]
    svg, alt, gaps = charts.trend_chart(part, chatbot, report, None, sorted(trend["year"]
                                                                           .unique()))
    # a gap, not a point: the line and band start in 2018 (8 points, not 9)
    assert svg.count("<circle") == len(part) - 1
    assert "Succesratio chatbot 2017" in gaps

    table = content.headline(report)
    tables = content.breakdown_tables(report)
    everything = content.figures_table(report, table, trend, tables)
    written = content.write_outputs(report, table, everything, tmp_path / "telecom")
    section = sections.trend(report, trend)
    assert "Niet getoond (te weinig antwoorden): Succesratio chatbot 2017" in section
    # the hidden figure's row of the trend table and part of the alt text (another indicator
    # may show the same number)
    chatbot_row = next(row for row in trend_html.split("<tr>") if "Succesratio chatbot" in row)
    chatbot_alt = " ".join(part for part in alt.split("; ") if "Succesratio chatbot" in part)
    for text in hidden_texts:
        for where, page in (("trend table", chatbot_row), ("alt text", chatbot_alt),
                            ("csv", written["csv"].read_text(encoding="utf-8"))):
            assert text not in page, (where, text)
    rows = read_workbook(written["xlsx"])
    suppressed = [r for r in rows if r["suppressed"]]
    assert any(r["section"] == "trend" and r["metric"] == "chatbot_success"
               and r["year"] == 2017 for r in suppressed)
    for r in suppressed:
        assert r["estimate"] is None and r["ci_low"] is None and r["ci_high"] is None, r
        assert r["n_eff"] is None and r["suppression"], r
    values = [r["estimate"] for r in rows if r["estimate"] is not None]
    assert not any(abs(v - hidden["estimate"]) < 1e-9 for v in values)


def test_workbook_figures_equal_the_api(report_2025, tmp_path):
    report = report_2025
    table = content.headline(report)
    tables = content.breakdown_tables(report)
    trend = content.trend_table(report)
    written = content.write_outputs(report, table, content.figures_table(
        report, table, trend, tables), tmp_path / "all")
    book = openpyxl.load_workbook(written["xlsx"])
    sheet = book["cijfers"]
    rows = read_workbook(written["xlsx"])
    assert {r["section"] for r in rows} == {"headline", "trend", "breakdown"}
    # the report's language in headers and codes, numeric cells formatted as the report shows
    # them, a frozen header, and a print set-up
    assert sheet["A1"].value == "Segment" and sheet.freeze_panes == "A2"
    assert "Uitkomst" in [c.value for c in sheet[1]] and "estimate" not in [c.value for c in
                                                                            sheet[1]]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    formats = {"percent": '0.0"%"', "points": "+0.0;-0.0;0.0", "score": "0.00"}
    for row in rows:
        if row["estimate"] is not None:
            # a number (Excel writes 100.0 as 100, which openpyxl reads back as an int: the
            # channels used by those whose last contact was by telephone include it, 100%)
            assert isinstance(row["estimate"], (int, float)) and \
                not isinstance(row["estimate"], bool)
            assert row["estimate:format"] == formats[row["unit"]], row
        if row["n"] is not None:
            assert isinstance(row["n"], int) and row["n:format"] == "#,##0"
    assert all(isinstance(r["suppressed"], bool) for r in rows)      # ja/nee in the book

    def find(**where):
        return [r for r in rows if all(r[k] == v for k, v in where.items())]

    consumers = kirc.load_survey("klantcontact", years=[2025])
    organisations = kirc.load_survey("sectorscan", years=[2025])
    api = {"nps": kirc.nps(consumers, "nps", weights="weight"),
           "csat": kirc.csat(consumers, "csat", weights="weight"),
           "csat_mean": kirc.mean_score(consumers, "csat", weights="weight"),
           "fcr": kirc.share(consumers, "fcr", weights="weight"),
           "avg_ready": kirc.avg_readiness(organisations)}
    for key, expected in api.items():
        (row,) = find(section="headline", metric=key)
        for column in ("estimate", "ci_low", "ci_high", "n_eff"):
            assert row[column] == pytest.approx(expected.iloc[0][column]), (key, column)
        assert row["n"] == expected.iloc[0]["n"]
    change = kirc.change(kirc.load_survey("klantcontact", years=[2024, 2025]), "share", "fcr",
                         year=2025, weights="weight").iloc[0]
    (row,) = find(section="headline", metric="fcr")
    assert row["change"] == pytest.approx(change["estimate"])
    assert row["p_value"] == pytest.approx(change["p_value"])
    by_sector = kirc.nps(consumers, "nps", by="sector", weights="weight").set_index("sector")
    for row in find(section="breakdown", metric="nps", breakdown="sector"):
        if row["suppressed"]:
            continue
        assert row["estimate"] == pytest.approx(by_sector.loc[row["group"], "estimate"])
        assert row["n"] == by_sector.loc[row["group"], "n"]
    # every indicator by every breakdown of the definition (organisation figures only where
    # the organisation survey has the column)
    pairs = {(r["breakdown"], r["metric"]) for r in rows if r["section"] == "breakdown"}
    consumer_keys = ["nps", "csat", "csat_mean", "chatbot_success", "fcr", "relation"]
    for by in ("sector", "channel", "age_group"):
        assert {(by, key) for key in consumer_keys} <= pairs
    assert {("sector", "avg_ready"), ("sector", "staff_prepared")} <= pairs
    assert written["csv"].read_text(encoding="utf-8").splitlines()[0].startswith("segment,")


def test_breakdowns_are_sorted_and_ordered_categories_keep_their_order(report_2025):
    tables = content.breakdown_tables(report_2025)
    nps = tables[("sector", "nps")]
    shown = nps[~nps["suppressed"]]["estimate"].tolist()
    assert shown == sorted(shown, reverse=True)
    ages = tables[("age_group", "nps")]["age_group"].astype(str).tolist()
    assert ages == ["18-34", "35-49", "50-64", "65+"]


def test_numbers_use_one_minus_sign_and_the_decimal_comma(report_2025):
    table = content.headline(report_2025)
    page = content.headline_html(table, report_2025)
    # the 2025 NPS is negative: written with the minus sign, never a hyphen before a digit
    assert table.loc[table["metric"] == "nps", "estimate"].iloc[0] < 0
    assert re.search(f"{MINUS}\\d", page) and not re.search(r"(?<![\w-])-\d", page)
    assert "." not in _number(content.headline_table(table).iloc[0, 1])


def test_english_report_translates_category_labels(report_2025):
    english = dataclasses.replace(report_2025, language="en")
    tables = content.breakdown_tables(english)
    html = content.breakdown_html(tables[("sector", "nps")], "sector",
                                  english.indicators[0], english)
    assert "energy" in html and "financial services" in html
    assert "energie" not in html and "financiële" not in html
    assert "Result" in html and "Uitkomst" not in html


def test_one_year_survey_gets_no_trend_and_no_change_column(tmp_path):
    # A definition of one year only (the demo's 2025 file), and no second survey.
    definition = tomllib.loads((ROOT / "surveys" / "klantcontact.toml").read_text())
    lines = (ROOT / "surveys" / "klantcontact.toml").read_text().split("[years]")[0]
    data = ROOT / "surveys" / "klantcontact_2025.sav"
    (tmp_path / "een.toml").write_text(
        lines.replace('name = "klantcontact"', 'name = "eenjaar"')
        .replace("min_n = 30\n", f'min_n = 30\ndata_folders = ["{data.parent.as_posix()}"]\n', 1)
        .replace('org_survey = "sectorscan"\n', '')
        + f'[years]\n2025 = {{ file = "{data}", questionnaire = "v2021" }}\n',
        encoding="utf-8")
    assert definition["years"]
    report = content.prepare(str(tmp_path / "een.toml"), None, 2025, "all", "nl")
    assert report.frames["org_survey"] is None and not report.has_trend
    table = content.headline(report)
    assert table["significant"].isna().all()
    formatted = content.headline_table(table, "nl")
    assert content.LABELS["nl"]["change"] not in formatted.columns
    assert sections.trend(report, content.trend_table(report)) == ""
    toc = sections.contents(report)
    assert "#ontwikkeling" not in toc and "#kerncijfers" in toc
    messages = content.key_messages(table, report)
    assert 2 <= len(messages) <= 4 and not any("Sinds" in m for m in messages)
    assert not any(i.source == "org_survey" for i in report.indicators)
    assert "AVG" not in content.headline_html(table, report)


def test_render_plan_resolves_paths_and_takes_the_second_survey_from_the_definition(
        tmp_path, monkeypatch):
    from kirc.report import run

    monkeypatch.chdir(ROOT)
    plan, _, _ = run._plan([2025], ["all"], "surveys/klantcontact.toml", None, "nl", 1,
                           tmp_path / "out", None, "")
    parameters = plan[0].parameters
    assert parameters["survey"] == str(ROOT / "surveys" / "klantcontact.toml")
    assert parameters["org_survey"] == "sectorscan"           # the demo's own pairing
    plan, _, _ = run._plan([2025], ["all"], "klantcontact", "", "nl", 1, tmp_path / "out",
                           None, "")
    assert plan[0].parameters["org_survey"] == ""              # --org-survey "": none
    with pytest.raises(kirc.ParameterError, match="cannot write"):
        run._plan([2025], ["all"], "klantcontact", None, "nl", 1, "/proc/x", None, "")


def test_batch_workbook_stacks_the_reports(tmp_path, report_2025):
    from kirc.report import run
    for year in (2024, 2025):
        state = as_of(report_2025, year)
        table = content.headline(state)
        folder = tmp_path / str(year) / "alle-sectoren"
        content.write_outputs(state, table, content.figures_table(state, table), folder)
        (tmp_path / str(year) / "alle-sectoren.html").write_text("<html></html>")
    path = run.write_batch_figures(tmp_path)
    rows = read_workbook(path)
    assert sorted({r["report_year"] for r in rows}) == [2024, 2025]
    # per year the 8 indicators and the 7 options of the channels question
    assert len(rows) == 30 and all(isinstance(r["estimate"], float) for r in rows)
    frame = pd.read_csv(tmp_path / "figures.csv")         # for machines: the API's names
    assert len(frame) == 30 and frame["estimate"].dtype.kind == "f"


def test_breakdown_charts_of_every_demo_year_draw(report_2025):
    # 2017: 0 of 15 outsourcing organisations AVG-ready, whose Wilson lower bound is 1e-15
    # rather than 0; the chart draws it (it once refused a negative error bar).
    state = as_of(report_2025, 2017)
    tables = content.breakdown_tables(state)
    totals = content.headline(state).set_index("metric")["estimate"]
    indicators = {i.key: i for i in state.indicators}
    for (by, key), table in tables.items():
        if table["suppressed"].all():
            continue
        svg, alt = charts.breakdown_chart(table, by, indicators[key], state,
                                          float(totals[key]))
        assert svg.startswith("<svg") and alt


def test_significance_letters_are_compare_groups_and_respect_suppression(report_2025,
                                                                         telecom_2025):
    import kirc

    tables = content.breakdown_tables(report_2025)
    table = content.significance(report_2025, "channel", tables).set_index("Kanaal")
    fcr = next(i for i in report_2025.indicators if i.key == "fcr")
    rows = report_2025.survey[report_2025.survey["year"] == 2025]
    direct = kirc.compare_groups(rows, "share", "fcr", by="channel").dropna(subset=["channel"])
    for channel, letter, higher in zip(direct["channel"], direct["letter"],
                                       direct["higher_than"]):
        cell = table.loc[f"({letter}) {channel}", fcr.name("nl")]
        assert cell.split(" ")[-1] == higher if higher else " " not in cell
    assert "".join(direct["higher_than"])            # e-mail is lower than most: letters occur
    # a segment report: every group suppressed in a breakdown is "–" in its column, unnamed
    tables = content.breakdown_tables(telecom_2025)
    for (by, key), part in tables.items():
        hidden = part.loc[part["suppressed"], by]
        if hidden.empty:
            continue
        indicator = next(i for i in telecom_2025.indicators if i.key == key)
        sig = content.significance(telecom_2025, by, tables, indicator.source)
        column = sig[indicator.name("nl")]
        for value in hidden:
            row = sig[sig.iloc[:, 0].str.endswith(f") {value}")]
            assert (row[indicator.name("nl")] == "–").all()
        assert column.notna().all()
        break
    else:
        pytest.fail("the telecom report should suppress at least one small group")


def test_significance_of_a_breakdown_whose_groups_are_all_suppressed():
    # the 2017 sector scan: every sector is below 5 organisations for some indicator
    report = content.prepare("klantcontact", None, 2017, "all", "nl")
    tables = content.breakdown_tables(report)
    html = content.significance_html(report, "sector", tables)
    assert 'id="verschillen-sector"' in html


def test_driver_section_is_a_report_section_with_dutch_numbers(report_2025):
    from kirc.report import sections

    page = sections.drivers(report_2025)
    assert 'id="drijfveren"' in page and 'href="#drijfveren"' in sections.contents(report_2025)
    assert "Wachttijd" in page and "Belang is geen oorzaak" in page
    n = int(content._year_rows(report_2025.survey, 2025)[
        ["csat", "wait_time", "expertise", "friendliness", "clarity", "speed", "thinking_along",
         "fcr"]].dropna().shape[0])
    assert f"{n:,}".replace(",", ".") in page           # n written the Dutch way
    assert 'alt="Staafdiagram' in page


def test_workbook_cells_hold_the_values_in_the_language_and_empty_when_missing(tmp_path):
    """The row-by-row workbook: unrounded values formatted per unit, yes/no in words, the
    codes in the language, missing cells empty; the header frozen, the notes sheet after it;
    the CSV keeps the API's names and codes."""
    from kirc.report.files import write_workbook
    figures = pd.DataFrame({"metric": ["nps", "csat", None], "unit": ["points", "percent",
                                                                       "percent"],
                            "year": [2024, 2025, 2025],
                            "estimate": [9.5, np.nan, 71.25], "suppressed": [False, True, False],
                            "suppression": [None, "complementary", None],
                            "n": pd.array([400, None, 12], dtype="Int64")})
    for language, yes, reason in (("nl", "ja", "aanvullend onderdrukt"),
                                  ("en", "yes", "complementary suppression")):
        path = write_workbook(figures, tmp_path / f"{language}.xlsx", language)
        sheet = openpyxl.load_workbook(path).worksheets[0]
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[1][:4] == ["nps", "NPS-punten" if language == "nl" else "NPS points",
                                 2024, 9.5]
        assert values[2][3] is None and values[2][4] == yes and values[2][5] == reason
        assert sheet.cell(4, 4).value == 71.25 and sheet.cell(4, 4).number_format == '0.0"%"'
        assert sheet.freeze_panes == "A2"
        assert openpyxl.load_workbook(path).sheetnames[1] in ("toelichting", "notes")
