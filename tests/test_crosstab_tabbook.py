"""The Excel tab book, read back with openpyxl: sheets, frozen header, formats, the numbers."""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl import load_workbook

import kirc
from kirc import cli
from kirc.report import tabbook


@pytest.fixture(scope="module")
def ks2025():
    return kirc.load_survey("klantcontact", years=[2025])


@pytest.fixture(scope="module")
def book_nl(tmp_path_factory, ks2025):
    path = tmp_path_factory.mktemp("tabs") / "tabs.xlsx"
    tabbook.write_tab_book("klantcontact", [2025], path, data=ks2025)
    return load_workbook(path)


def _columns(sheet, group_label):
    """{category label: column index} of one column group (row 3 = group, row 4 = category)."""
    starts = [c for c in range(2, sheet.max_column + 1) if sheet.cell(3, c).value]
    for k, start in enumerate(starts):
        if sheet.cell(3, start).value == group_label:
            end = starts[k + 1] if k + 1 < len(starts) else sheet.max_column + 1
            return {sheet.cell(4, c).value: c for c in range(start, end)
                    if sheet.cell(4, c).value is not None}
    raise AssertionError(f"no group {group_label!r}")


def _row(sheet, label):
    for r in range(7, sheet.max_row + 1):
        if sheet.cell(r, 1).value == label:
            return r
    raise AssertionError(f"no row {label!r}")


def test_sheets_frozen_header_and_widths(book_nl):
    # one sheet per indicator of the definition, in its order, named by its label (31 chars max);
    # the multiple-response question last, on a sheet of its own
    assert book_nl.sheetnames == [
        "Toelichting", "Net Promoter Score (NPS)", "Klanttevredenheid",
        "Succesratio chatbot", "Opgelost bij eerste contact", "Relatie Quotiënt",
        "Gebruikte kanalen"]
    for sheet in book_nl.worksheets[1:]:
        assert sheet.freeze_panes == "B7"
        assert sheet["A6"].value == "Basis (n)"
        assert sheet.column_dimensions["A"].width >= 24
        assert all(sheet.column_dimensions[k].width >= 9.5 for k in "BCDEFGH")
        legend = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
        assert "Legenda" in legend
        assert any("Bonferroni" in str(v) for v in legend)
        assert any("SPSS Custom Tables" in str(v) for v in legend)
    # chatbot success is asked of chatbot users only: a channel group would repeat the Total
    chatbot = book_nl["Succesratio chatbot"]
    groups = [chatbot.cell(3, c).value for c in range(2, chatbot.max_column + 1)]
    assert "Kanaal van het laatste contact" not in groups and "Leeftijdsgroep" in groups
    notes = book_nl["Toelichting"]
    assert notes["A5"].hyperlink is not None


def test_fcr_sheet_equals_crosstab(book_nl, ks2025):
    sheet = book_nl["Opgelost bij eerste contact"]
    table = kirc.crosstab(ks2025, "fcr", "channel", weights="weight")
    columns = _columns(sheet, "Kanaal van het laatste contact")
    assert list(columns) == list(ks2025["channel"].cat.categories)
    yes, no = _row(sheet, "ja"), _row(sheet, "nee")
    for value, row in ((1.0, yes), (0.0, no)):
        part = table[table["fcr"] == value].set_index("channel")
        for channel, c in columns.items():
            cell = sheet.cell(row, c)
            assert cell.value == pytest.approx(part.loc[channel, "percent"], abs=1e-9)
            assert cell.number_format == "0.0"
            assert (sheet.cell(row + 1, c).value or "") == part.loc[channel, "higher_than"]
            assert sheet.cell(5, c).value == f"({part.loc[channel, 'letter']})"
            base = sheet.cell(6, c)
            assert base.value == part.loc[channel, "n"] and base.number_format == "#,##0"
    # the Total column is the share of the whole sample
    total = kirc.share(ks2025, "fcr", weights="weight")
    assert sheet.cell(4, 2).value == "Totaal"
    assert sheet.cell(yes, 2).value == pytest.approx(total["estimate"].item())
    assert sheet.cell(6, 2).value == total["n"].item()
    # e-mail lower than telephone, chat and chatbot (the sentence), now in the book
    email = sheet.cell(5, columns["e-mail"]).value.strip("()")
    for channel in ("telefoon", "chat", "chatbot"):
        assert email in sheet.cell(yes + 1, columns[channel]).value


def test_nps_and_mean_rows_equal_compare_groups(book_nl, ks2025):
    sheet = book_nl["Net Promoter Score (NPS)"]
    row = _row(sheet, "NPS (punten)")
    result = kirc.compare_groups(ks2025, "nps", "nps", by="sector", weights="weight")
    columns = _columns(sheet, "Sector van de organisatie van het laatste contact")
    for sector, estimate, letters in zip(result["sector"], result["estimate"],
                                         result["higher_than"]):
        cell = sheet.cell(row, columns[sector])
        assert cell.value == pytest.approx(estimate)
        assert cell.number_format == "+0.0;-0.0;0.0"
        assert (sheet.cell(row + 1, columns[sector]).value or "") == letters
    assert "".join(result["higher_than"]) != ""
    csat = book_nl["Klanttevredenheid"]
    mean_row = _row(csat, "Gemiddelde")
    means = kirc.compare_groups(ks2025, "mean", "csat", by="age_group", weights="weight")
    columns = _columns(csat, "Leeftijdsgroep")
    for group, estimate in zip(means["age_group"], means["estimate"]):
        cell = csat.cell(mean_row, columns[group])
        assert cell.value == pytest.approx(estimate) and cell.number_format == "0.00"
    top = kirc.csat(ks2025, "csat", weights="weight")
    assert csat.cell(_row(csat, "Top-2 (4–5)"), 2).value == pytest.approx(top["estimate"].item())
    # scale points are labelled (the report settings' scale_labels); the distribution adds up
    # to 100 in every column
    labels = ["1 zeer ontevreden", "2 ontevreden", "3 neutraal", "4 tevreden", "5 zeer tevreden"]
    rows = [_row(csat, label) for label in labels]
    for c in range(2, csat.max_column + 1):
        assert sum(csat.cell(r, c).value for r in rows) == pytest.approx(100)


def test_small_columns_suppressed_with_complement(tmp_path, ks2025):
    # leave 20 social-media contacts: below min_n = 30, so hidden, and the next-smallest
    # channel is hidden too (else Total minus the others gives it away); neither is tested
    media = ks2025.index[ks2025["channel"] == "social media"]
    data = ks2025.drop(media[20:])
    data.attrs = dict(ks2025.attrs)
    path = tabbook.write_tab_book("klantcontact", [2025], tmp_path / "small.xlsx", data=data)
    sheet = load_workbook(path)["Opgelost bij eerste contact"]
    columns = _columns(sheet, "Kanaal van het laatste contact")
    assert sheet.cell(6, columns["social media"]).value == "n<30"
    bases = {k: sheet.cell(6, c).value for k, c in columns.items()}
    hidden = [k for k, v in bases.items() if v == "x"]
    assert hidden == ["WhatsApp"]                    # the smallest of the others (n = 241)
    yes = _row(sheet, "ja")
    for channel in ("social media", "WhatsApp"):
        assert sheet.cell(yes, columns[channel]).value is None
    letters = {sheet.cell(5, columns[k]).value.strip("()") for k in ("social media", "WhatsApp")}
    shown = "".join(str(sheet.cell(r, c).value or "") for r in range(7, 12)
                    for c in columns.values())
    assert not letters & set(shown)


def test_english_book_and_cli(tmp_path, ks2025):
    path = tmp_path / "tabs_en.xlsx"
    assert cli.main(["tabs", "--survey", "klantcontact", "--years", "2024-2025",
                     "--output", str(path), "--language", "en"]) == 0
    book = load_workbook(path)
    assert book.sheetnames[0] == "Notes"
    sheet = book.worksheets[1]
    assert sheet["A6"].value == "Base (n)" and sheet["B4"].value == "Total"
    assert "Year" in [sheet.cell(3, c).value for c in range(2, sheet.max_column + 1)]
    assert _row(sheet, "Promoters (9–10)") and _row(sheet, "NPS (points)")
    legend = " ".join(str(sheet.cell(r, 1).value) for r in range(1, sheet.max_row + 1))
    assert "Bonferroni-adjusted" in legend and "respondents" in str(sheet["A2"].value)


def test_bad_requests_are_clear(tmp_path, capsys):
    assert cli.main(["tabs", "--years", "2030", "--output", str(tmp_path / "x.xlsx")]) == 2
    assert "2030" in capsys.readouterr().err
    with pytest.raises(kirc.ParameterError, match="xlsx"):
        tabbook.write_tab_book("klantcontact", 2025, tmp_path / "x.csv")
    with pytest.raises(kirc.ParameterError, match="language"):
        tabbook.write_tab_book("klantcontact", 2025, tmp_path / "x.xlsx", language="de")


def test_adapter_uses_indicators_and_report_when_present():
    definition = {
        "constructs": {"nps": {"type": "rating", "scale": [0, 10]},
                       "sector": {"type": "category"}, "channel": {"type": "category"}},
        "indicators": {"nps": {"metric": "nps", "construct": "nps",
                               "label": {"nl": "NPS", "en": "NPS"}}},
        "report": {"breakdowns": ["channel"], "segment_by": None, "org_survey": None},
    }
    assert [(q.key, q.metric, q.scale) for q in tabbook.questions(definition)] == [
        ("nps", "nps", (0, 10))]
    assert tabbook.breakdowns(definition) == ["channel"]


def test_sheet_names_are_valid_and_unique():
    used = set()
    names = [tabbook._sheet_name("Vraag opgelost bij het eerste contact", used),
             tabbook._sheet_name("Vraag opgelost bij het eerste contact", used),
             tabbook._sheet_name("a/b [c]: d?", used)]
    assert names == ["Vraag opgelost bij het eerste", "Vraag opgelost bij het eers (2)",
                     "a_b _c__ d_"]
    assert all(len(n) <= 31 for n in names)
    assert np.all([n.lower() in used for n in names])
