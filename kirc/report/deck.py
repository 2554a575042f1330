"""A report as slides: ``kirc render --pptx`` writes ``<report>.pptx`` beside its HTML.

For presenting the figures (the centre's talk at the congress), in the report's language,
with python-pptx (PowerPoint's own format; LibreOffice Impress opens and prints it too):

1. a title slide (survey, year, segment);
2. the key messages, the report's own sentences;
3. one slide per indicator: its trend as an editable line chart (the segment and, beside a
   segment, the market; a suppressed year is a gap, a low effective base a ``†`` on the
   point) and the figure with its interval and n, the change from last year and the market;
4. per breakdown with significant differences between groups, those differences (the
   report's significance tables: :func:`kirc.compare_groups`);
5. the methods: fieldwork, response, intervals, the small-base rule.

Every figure and sentence comes from the objects the report itself shows
(:func:`kirc.report.content.headline_cells`, the key messages, the group tests), so a slide
cannot disagree with the report. The file's bytes are the same for the same figures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import disclose
from .formatting import format_value
from .texts import LABELS

__all__ = ["write_deck", "slide_texts"]

#: Most group differences on one slide (the rest: "… and N more; see the report").
MAX_DIFFERENCES = 8


def write_deck(report, table: pd.DataFrame, trend: pd.DataFrame, tables: dict, path) -> Path:
    """Write the report's deck to ``path`` (a ``.pptx``).

    Parameters
    ----------
    report : kirc.report.content.ReportData
    table : the headline table (:func:`kirc.report.content.headline`)
    trend : the trend table (:func:`kirc.report.content.trend_table`)
    tables : the breakdown tables (:func:`kirc.report.content.breakdown_tables`)
    path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    from pptx import Presentation
    from pptx.util import Inches

    from . import content
    from .files import _fix_workbook_dates

    labels = LABELS[report.language]
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    _title_slide(deck, report, labels)
    messages = report.cache.get("key_messages") or content.key_messages(table, report, tables)
    _bullets(deck, labels["key_messages"], messages)
    market = content.market_trend(report)
    for _, row in table.iterrows():
        _indicator_slide(deck, report, row, trend, market, labels)
    for question in content.multiple_tables(report).values():
        if len(question.headline):
            _options_slide(deck, report, question, labels)
    for by in report.breakdowns():
        lines = _differences(report, by, tables)
        if lines:
            if len(lines) > MAX_DIFFERENCES:
                lines = lines[:MAX_DIFFERENCES] + [labels["deck_more"].format(
                    count=len(lines) - MAX_DIFFERENCES)]
            title = (f"{labels['deck_breakdowns'].format(year=report.year)}: "
                     f"{content._by_label(report, by).lower()}")
            _bullets(deck, title, lines)
    _bullets(deck, labels["deck_methods"], _methods(report, table, labels))
    props = deck.core_properties
    props.title = f"{report.title} {report.year}: {report.segment_name()}"
    props.author = props.last_modified_by = "kirc"
    props.revision = 1
    import datetime
    props.created = props.modified = datetime.datetime(2000, 1, 1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deck.save(path)
    _fix_workbook_dates(path)
    return path


def _fit(shape, top=None, height=None) -> None:
    """A placeholder of the (4:3) default layouts across the 16:9 slide."""
    from pptx.util import Inches
    shape.left, shape.width = Inches(0.6), Inches(13.333 - 1.2)
    if top is not None:
        shape.top = Inches(top)
    if height is not None:
        shape.height = Inches(height)


def _title_slide(deck, report, labels) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    _fit(slide.shapes.title, 2.2, 1.6)
    _fit(slide.placeholders[1], 4.0, 1.2)
    slide.shapes.title.text = labels["deck_title"].format(title=report.title, year=report.year)
    slide.placeholders[1].text = labels["deck_subtitle"].format(segment=report.segment_name())


def _bullets(deck, title: str, lines: list[str]) -> None:
    from pptx.util import Pt

    slide = deck.slides.add_slide(deck.slide_layouts[1])
    _fit(slide.shapes.title, 0.4, 1.1)
    _fit(slide.placeholders[1], 1.7, 5.4)
    slide.shapes.title.text = title
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(32)
    body = slide.placeholders[1].text_frame
    body.word_wrap = True
    size = Pt(20) if len(lines) <= 5 else Pt(16)
    for k, line in enumerate(lines):
        paragraph = body.paragraphs[0] if k == 0 else body.add_paragraph()
        paragraph.text = line
        for run in paragraph.runs:
            run.font.size = size


def _indicator_slide(deck, report, row, trend, market, labels) -> None:
    from pptx.util import Inches, Pt

    from .content import headline_cells

    language = report.language
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    _fit(slide.shapes.title, 0.4, 1.0)
    slide.shapes.title.text = str(row["label"])
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(30)
    cells = headline_cells(row, language)
    part = trend[trend["metric"] == row["metric"]] if trend is not None and len(trend) else None
    beside = market[market["metric"] == row["metric"]] if market is not None else None
    text_left = Inches(0.6)
    if report.has_trend and part is not None and len(part):
        _trend_chart(slide, report, row, part, beside, labels)
        text_left = Inches(8.6)
    lines = []
    if row.get("suppressed"):
        lines.append(labels["deck_suppressed"].format(min_n=row.get("min_n", 30)))
    else:
        lines.append(labels["deck_figure"].format(value=cells["estimate"], year=report.year,
                                                  interval=cells["interval"], n=cells["n"]))
    if report.has_trend and row.get("previous_year") is not None or \
            row.get("change_note") == "too_few":
        change = cells["change"]
        if cells["change_direction"] is not None:
            change += (f" ({labels['significant']})" if row.get("significant") else
                       f" ({labels['not_significant']})")
        lines.append(labels["deck_change"].format(previous=row.get("previous_year")
                                                  or report.year - 1, change=change))
    if cells["market"] != "–" or cells["versus"] != "–":
        versus = cells["versus"]
        if cells["versus_direction"] is not None:
            versus += (f" ({labels['significant']})" if row.get("versus_significant") else
                       f" ({labels['not_significant']})")
        lines.append(labels["deck_market"].format(market=cells["market"], versus=versus,
                                                  rank=cells["rank"]))
    _lines_box(slide, text_left, Inches(13.333) - text_left - Inches(0.5), lines,
               labels, row.get("min_n", 30), sizes=[20] + [16] * len(lines), spacing=10,
               bold_first=True)


def _options_slide(deck, report, question, labels) -> None:
    """A multiple-response question: its options as an editable bar chart (the largest share
    on top, suppressed options left out) beside a line per option, as the report's section
    writes them."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches, Pt

    from .charts import SEGMENT
    from .content import headline_cells
    from .formatting import format_count, format_number

    language = report.language
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    _fit(slide.shapes.title, 0.4, 1.0)
    slide.shapes.title.text = question.indicator.name(language)
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(30)
    rows = question.headline
    shown = rows[~rows["suppressed"].astype(bool)]
    if len(shown):
        data = CategoryChartData()
        # a bar chart draws its first category at the bottom: the largest share goes last
        data.categories = [str(r["label"]) for _, r in shown.iloc[::-1].iterrows()]
        data.add_series(report.segment_name(),
                        [round(float(v), 1) for v in shown["estimate"].iloc[::-1]])
        shape = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(0.5), Inches(1.5),
                                       Inches(7.8), Inches(5.4), data)
        chart = shape.chart
        chart.has_legend = False
        axis = chart.value_axis
        axis.minimum_scale, axis.maximum_scale = 0, 100
        axis.has_major_gridlines = True
        axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = '0"%"', False
        axis.tick_labels.font.size = Pt(12)
        chart.category_axis.tick_labels.font.size = Pt(14)
        chart.series[0].format.fill.solid()
        chart.series[0].format.fill.fore_color.rgb = RGBColor.from_string(SEGMENT.lstrip("#"))
    lines = []
    for _, row in rows.iterrows():
        cells = headline_cells(row, language)
        if row["suppressed"]:
            lines.append(f"{row['label']}: " + labels["deck_suppressed"].format(
                min_n=row.get("min_n", 30)))
        else:
            market = (f"; {labels['market_line']} {cells['market']}"
                      if report.is_segment and cells["market"] != "–" else "")
            lines.append(f"{row['label']}: {cells['estimate']} ({cells['interval']}; "
                         f"n = {cells['n']}{market})")
    note = labels["several_answers"]
    if pd.notna(question.mean_options):
        note += " " + labels["mean_options"].format(
            mean=format_number(question.mean_options, 1, language),
            n=format_count(question.answered, language))
    lines.append(note)
    _lines_box(slide, Inches(8.6), Inches(4.2), lines, labels, rows["min_n"].iloc[0],
               sizes=[14] * len(rows) + [12, 12], spacing=6)


def _lines_box(slide, left, width, lines: list[str], labels, min_n, *, sizes: list[int],
               spacing: int, bold_first: bool = False) -> None:
    """The figures of a slide as paragraphs in a text box, with the low-base legend when a
    line carries the mark (``sizes``: the points of each line, the legend's last)."""
    from pptx.util import Inches, Pt

    if any(disclose.LOW_BASE_MARK in line for line in lines):
        lines = lines + [labels["low_base_legend"].format(min_n=min_n)]
    box = slide.shapes.add_textbox(left, Inches(1.6), width, Inches(5.2))
    frame = box.text_frame
    frame.word_wrap = True
    for k, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.space_after = Pt(spacing)
        for run in paragraph.runs:
            run.font.size = Pt(sizes[min(k, len(sizes) - 1)])
            run.font.bold = bold_first and k == 0


def _trend_chart(slide, report, row, part, market, labels) -> None:
    """The indicator per year as an editable line chart; a suppressed year is a gap."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.enum.dml import MSO_LINE
    from pptx.util import Inches, Pt

    from .charts import MARKET, SEGMENT, _range

    part = part.sort_values("year")
    years = [int(y) for y in part["year"]]
    data = CategoryChartData()
    data.categories = [str(y) for y in years]

    def values(rows):
        by_year = {int(r["year"]): r for _, r in rows.iterrows()}
        out = []
        for year in years:
            r = by_year.get(year)
            out.append(None if r is None or r["suppressed"] or pd.isna(r["estimate"])
                       else round(float(r["estimate"]), 1 if row["unit"] != "score" else 2))
        return out

    data.add_series(report.segment_name(), values(part))
    if market is not None and len(market):
        data.add_series(labels["market_line"], values(market))
    shape = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Inches(0.5), Inches(1.5),
                                   Inches(7.8), Inches(5.4), data)
    chart = shape.chart
    chart.has_legend = market is not None and len(market) > 0
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    low, high, _ = _range(row["unit"], [v for v in list(part["ci_low"]) + list(part["ci_high"])
                                        + (list(market["estimate"]) if market is not None
                                           else []) if pd.notna(v)], None)
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale = low, high
    axis.has_major_gridlines = True
    axis.tick_labels.font.size = Pt(12)
    axis.tick_labels.number_format = {"percent": '0"%"', "points": "+0;-0;0"}.get(
        row["unit"], "0.0")
    axis.tick_labels.number_format_is_linked = False
    chart.category_axis.tick_labels.font.size = Pt(12)
    # the years below the plot, not on the zero line where an NPS below zero runs
    from pptx.enum.chart import XL_TICK_LABEL_POSITION
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    colours = [SEGMENT, MARKET]
    for k, series in enumerate(chart.series):
        line = series.format.line
        line.color.rgb = RGBColor.from_string(colours[k].lstrip("#"))
        line.width = Pt(2.5 if k == 0 else 1.75)
        if k == 1:
            line.dash_style = MSO_LINE.DASH
        series.smooth = False
    # a low effective base: the point carries the mark, as in the report's charts
    lows = dict(zip(part["year"].astype(int), part["low_base"].fillna(False).astype(bool)))
    for position, year in enumerate(years):
        if lows.get(year):
            label = chart.series[0].points[position].data_label
            label.has_text_frame = True
            label.text_frame.text = disclose.LOW_BASE_MARK


def _differences(report, by: str, tables: dict) -> list[str]:
    """The significant differences between groups of one breakdown, largest first."""
    from .content import group_differences

    labels = LABELS[report.language]
    pairs = sorted(group_differences(report, by, tables), key=lambda pair: -abs(pair.size))
    return [labels["deck_higher"].format(
        indicator=pair.indicator.name(report.language), high=report.category(pair.high),
        high_value=format_value(pair.high_estimate, pair.indicator.unit, report.language),
        low=report.category(pair.low),
        low_value=format_value(pair.low_estimate, pair.indicator.unit, report.language))
        for pair in pairs]


def _methods(report, table, labels) -> list[str]:
    from . import content
    from .. import intervals
    from .texts import NPS_METHOD_NAMES

    lines = []
    for source in ("survey", "org_survey"):
        definition = report.definitions.get(source)
        if definition is None or report.frames.get(source) is None:
            continue
        meta = report.meta(source)["years"].get(report.year, {})
        period = content.fieldwork_period(meta, report.language) or labels["not_recorded"]
        mode = meta.get("mode", {}).get(report.language) if meta.get("mode") else None
        parts = [f"{definition.get('title') or definition['name']}: {period}"]
        if mode:
            parts.append(mode)
        if meta.get("invited") and meta.get("responded"):
            rate = 100 * meta["responded"] / meta["invited"]
            parts.append(f"{labels['response_rate'].lower()} "
                         f"{format_value(rate, 'percent', report.language)}")
        lines.append("; ".join(parts))
    nps = NPS_METHOD_NAMES[report.language].get(intervals.DEFAULT_NPS_METHOD,
                                               intervals.DEFAULT_NPS_METHOD)
    lines.append(labels["m_intervals"].format(nps=nps).split(". ")[0] + ".")
    min_n = min(content._min_n(f) for f in report.frames.values() if f is not None)
    lines.append(labels["m_threshold"].format(min_n=min_n))
    if report.is_segment:
        lines.append(labels["m_market"].split(". ")[0] + ".")
    return lines


def slide_texts(path) -> list[list[str]]:
    """Every slide's texts (title first), read back with python-pptx: for tests and checks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pptx import Presentation
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> deck = Presentation(); slide = deck.slides.add_slide(deck.slide_layouts[5])
    >>> slide.shapes.title.text = "NPS"; deck.save(folder / "d.pptx")
    >>> slide_texts(folder / "d.pptx")
    [['NPS']]
    """
    from pptx import Presentation

    out = []
    for slide in Presentation(str(path)).slides:
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                texts.append(shape.text_frame.text)
        out.append(texts)
    return out
