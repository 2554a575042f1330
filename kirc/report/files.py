"""The figures of a report as files: ``figures.csv`` for machines, ``figures.xlsx`` for people,
``headline.json`` for the index.

- ``figures.csv`` keeps the API's column names and codes (``estimate``, ``ci_low``,
  ``suppression = "complementary"``, ``True``/``False``), one row per figure the report
  shows, in the API's units (shares in percent, the NPS in points).
- ``figures.xlsx`` is the appendix a reader opens: the same rows with headers and codes in the
  report's language, numbers formatted as the report shows them (one decimal; a percent sign,
  signed NPS points, two decimals for a mean), the low-base mark and suppression in words, a
  frozen header with filters, and a print set-up (A4 landscape, fit to the page width, the
  header repeated on every page).
- Suppressed figures are empty cells, with the reason; nothing is in a file that the report
  does not show.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import disclose
from .texts import LABELS, WORKBOOK_TEXT

__all__ = ["FIGURE_COLUMNS", "figures_table", "write_workbook", "write_outputs",
           "write_headline"]

FIGURE_COLUMNS = ["section", "metric", "label", "unit", "year", "breakdown", "group",
                  "estimate", "ci_low", "ci_high", "n", "n_eff", "flag", "low_base",
                  "suppressed", "suppression", "change", "change_low", "change_high",
                  "p_value", "significant", "change_note", "market", "market_low",
                  "market_high", "versus", "versus_low", "versus_high", "versus_p",
                  "versus_significant", "rank", "ranked"]

_FLOATS = ("estimate", "ci_low", "ci_high", "n_eff", "change", "change_low", "change_high",
           "p_value", "market", "market_low", "market_high", "versus", "versus_low",
           "versus_high", "versus_p")
_HEADLINE = ("estimate", "ci_low", "ci_high", "n", "n_eff", "flag", "low_base", "suppressed",
             "change", "change_low", "change_high", "p_value", "significant", "change_note",
             "market", "market_low", "market_high", "versus", "versus_low", "versus_high",
             "versus_p", "versus_significant", "rank", "ranked")
_ROW = ("estimate", "ci_low", "ci_high", "n", "n_eff", "flag", "low_base", "suppressed",
        "suppression")


def figures_table(report, table: pd.DataFrame, trend: pd.DataFrame | None = None,
                  breakdowns: dict | None = None, market: pd.DataFrame | None = None,
                  indicators: list | None = None) -> pd.DataFrame:
    """Every figure the report shows, one row each, in the API's units (percent, NPS points).

    Sections: ``headline`` (with the change and, in a segment's report, the market, the
    difference with the rest of the market and the rank), ``trend``, ``market_trend`` (the
    whole market per year beside a segment) and ``breakdown`` (of ``indicators``, default the
    report's: the options of a multiple-response question). Suppressed figures are missing
    (empty cells), with ``suppressed`` and ``suppression`` saying why; ``low_base`` marks a
    shown figure whose effective base is below the threshold.
    """
    rows = []
    for _, row in table.iterrows():
        rows.append({"section": "headline", "metric": row["metric"], "label": row["label"],
                     "unit": row["unit"], "year": report.year, "breakdown": None,
                     "group": None, **{k: row.get(k) for k in _HEADLINE},
                     "suppression": disclose.label(row["min_n"]) if row["suppressed"]
                     else None})
    if trend is not None and report.has_trend:
        for section, part in (("trend", trend), ("market_trend", market)):
            if part is None:
                continue
            for _, row in part.iterrows():
                rows.append({"section": section, "breakdown": None, "group": None,
                             **{k: row.get(k) for k in ("metric", "label", "unit", "year",
                                                        *_ROW)}})
    labels = {i.key: i for i in (report.indicators if indicators is None else indicators)}
    for (by, key), part in (breakdowns or {}).items():
        indicator = labels[key]
        for _, row in part.iterrows():
            rows.append({"section": "breakdown", "metric": key,
                         "label": indicator.name(report.language), "unit": indicator.unit,
                         "year": report.year, "breakdown": by,
                         "group": report.category(row[by]),
                         **{k: row.get(k) for k in (*_ROW, "versus", "versus_low",
                                                    "versus_high", "versus_p",
                                                    "versus_significant")}})
    out = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    hidden = out["suppressed"].fillna(False).astype(bool)
    out.loc[hidden, [c for c in _FLOATS if c not in ("market", "market_low", "market_high")]] \
        = np.nan
    for column in ("n", "rank", "ranked"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    for column in _FLOATS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["suppressed"] = hidden
    out["low_base"] = out["low_base"].fillna(False).astype(bool) & ~hidden
    for column in ("suppression", "change_note", "significant", "versus_significant"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    out.insert(0, "segment", report.segment)
    return out


# --------------------------------------------------------------------------------------------
# the workbook


#: Number formats of the workbook per unit (values in the API's units: percent 0–100).
_VALUE_FORMATS = {"percent": '0.0"%"', "points": "+0.0;-0.0;0.0", "score": "0.00"}
_CHANGE_FORMATS = {"percent": '+0.0" pp";-0.0" pp";0.0" pp"', "points": "+0.0;-0.0;0.0",
                   "score": "+0.00;-0.00;0.00"}
_VALUES = ("estimate", "ci_low", "ci_high", "market", "market_low", "market_high")
_CHANGES = ("change", "change_low", "change_high", "versus", "versus_low", "versus_high")


def write_workbook(figures: pd.DataFrame, path, language: str = "nl") -> Path:
    """The figures as an Excel appendix in the report's language.

    Headers and codes in the language (:data:`kirc.report.texts.WORKBOOK_TEXT`), numbers
    formatted per row as the report shows them (percent with one decimal, signed NPS points,
    means with two decimals, changes signed; the values themselves unrounded), yes/no in
    words, a frozen header with filters, and a print set-up: A4 landscape, fit to the page
    width, the header row on every page. A second sheet explains the columns.

    Written row by row (openpyxl's write-only mode): a batch's appendix of thousands of rows
    took 3 s through ``DataFrame.to_excel``, which builds every cell as an object first.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    text = WORKBOOK_TEXT[language]
    labels = LABELS[language]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(labels["sheet"])
    columns = [c for c in figures.columns if c in text["headers"]]
    header = [text["headers"][c] for c in columns]
    units = figures["unit"].astype(object).tolist() if "unit" in figures else [None] * len(figures)
    values = {c: _excel_values(figures[c]) for c in columns}
    coded = {"section": text["sections"], "unit": text["units"],
             "suppression": text["suppression"], "change_note": text["change_notes"]}
    yes, no = text["yes"], text["no"]
    widths = [max(8, min(40, len(name) + 2)) for name in header]
    for position, column in enumerate(columns):
        sample = values[column][:199]
        if column in _VALUES or column in _CHANGES or column in ("n", "n_eff", "p_value"):
            longest = 10
        else:
            longest = max([len(str(coded.get(column, {}).get(v, v))) for v in sample
                           if v is not None] or [0])
        widths[position] = max(widths[position], min(40, longest + 2))
        sheet.column_dimensions[get_column_letter(position + 1)].width = widths[position]
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{len(figures) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"          # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF4")
    wrap = Alignment(wrap_text=True, vertical="top")
    head_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        head_cells.append(cell)
    sheet.append(head_cells)
    for r in range(len(figures)):
        unit = units[r]
        line = []
        for column in columns:
            value = values[column][r]
            if value is None:
                line.append(None)
                continue
            if isinstance(value, bool):
                line.append(yes if value else no)
                continue
            if column in coded:
                line.append(coded[column].get(value, value))
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell = WriteOnlyCell(sheet, value=value)
                if column in _VALUES:
                    cell.number_format = _VALUE_FORMATS.get(unit, "0.0")
                elif column in _CHANGES:
                    cell.number_format = _CHANGE_FORMATS.get(unit, "+0.0;-0.0;0.0")
                elif column in ("n", "n_eff", "year", "rank", "ranked", "report_year"):
                    cell.number_format = "0" if column in ("year", "report_year", "rank",
                                                           "ranked") else "#,##0"
                elif column in ("p_value", "versus_p"):
                    cell.number_format = "0.000"
                line.append(cell)
                continue
            line.append(value)
        sheet.append(line)
    notes = book.create_sheet(labels["sheet_notes"])
    notes.column_dimensions["A"].width = 110
    for note in text["notes"]:
        notes.append([note])
    book.save(path)
    _fix_workbook_dates(path)
    return path


def _excel_values(column: pd.Series) -> list:
    """A column's cells as Excel takes them: numbers, text, booleans; missing values empty."""
    values = column.astype(object).where(column.notna(), None).tolist()
    return [value.item() if isinstance(value, np.generic) else
            value if value is None or isinstance(value, (int, float, bool, str)) else str(value)
            for value in values]


def _fix_workbook_dates(path: Path) -> None:
    # openpyxl stamps the current time into docProps/core.xml; a fixed time keeps the bytes
    # of re-rendered reports the same.
    import re as _re
    import zipfile
    data = {}
    with zipfile.ZipFile(path) as archive:
        for item in archive.infolist():
            data[item.filename] = archive.read(item.filename)
    if "docProps/core.xml" in data:
        data["docProps/core.xml"] = _re.sub(
            rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z",
            data["docProps/core.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in data.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)


# --------------------------------------------------------------------------------------------
# writing a report's files


def write_outputs(report, table: pd.DataFrame, figures: pd.DataFrame, output_dir) -> dict:
    """Write ``headline.json`` (for the index), ``figures.csv`` and ``figures.xlsx``.

    ``output_dir=None`` (a notebook opened by hand) writes nothing and returns ``{}``.
    """
    if output_dir is None:
        return {}
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "figures.csv"
    figures.to_csv(csv, index=False, encoding="utf-8")
    xlsx = write_workbook(figures, folder / "figures.xlsx", report.language)
    trend = figures[figures["section"] == "trend"]
    series = {key: [[int(r["year"]), None if pd.isna(r["estimate"]) else round(
        float(r["estimate"]), 6), None if pd.isna(r["n"]) else int(r["n"])]
        for _, r in part.iterrows()]
        for key, part in trend.groupby("metric", sort=False)}
    headline_json = write_headline(table, folder, report.year, report.segment,
                                   title=report.title, series=series,
                                   segment_name=report.segment_name())
    return {"csv": csv, "xlsx": xlsx, "headline": headline_json}


def write_headline(table: pd.DataFrame, output_dir, year: int, segment: str,
                   title: str = "", series: dict | None = None,
                   segment_name: str | None = None) -> Path | None:
    """Write the headline figures as ``headline.json`` for the report index.

    ``output_dir=None`` (a notebook opened by hand) writes nothing and returns None.

    Examples
    --------
    >>> import tempfile, json
    >>> table = pd.DataFrame([{"metric": "nps", "label": "NPS", "estimate": 9.0,
    ...     "ci_low": 6.0, "ci_high": 12.0, "n": 3000, "change": 1.0, "significant": False,
    ...     "suppressed": False}])
    >>> path = write_headline(table, tempfile.mkdtemp(), 2025, "all")
    >>> json.loads(path.read_text())["rows"][0]["estimate"]
    9.0
    """
    def clean(value):
        if isinstance(value, (np.floating, float)):
            return None if math.isnan(value) else round(float(value), 6)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        return value

    if output_dir is None:
        return None
    keys = ["metric", "label", "estimate", "ci_low", "ci_high", "n", "n_eff", "change",
            "p_value", "significant", "suppressed", "unit", "low_base", "change_note",
            "change_low_base"]
    rows = [{k: clean(row[k]) for k in keys if k in row} for _, row in table.iterrows()]
    path = Path(output_dir) / "headline.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"year": int(year), "segment": segment, "title": title,
                                "segment_name": segment_name or segment,
                                "rows": rows, "series": series or {}},
                               ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return path
