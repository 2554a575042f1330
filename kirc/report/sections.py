"""The report's sections as HTML, in order: each notebook cell displays one of them.

Each function takes the :class:`~kirc.report.content.ReportData` and what earlier sections
computed, and returns an HTML string (headings with fixed ids, so that the table of contents
and links from elsewhere can point at them).
"""

from __future__ import annotations

import html

import pandas as pd

from . import charts, content
from .formatting import format_count
from .texts import LABELS

__all__ = ["title", "contents", "key_messages", "headline", "trend", "breakdowns",
           "multiple", "composition", "methods", "downloads", "SECTIONS"]

#: Section ids in report order, with the catalogue key of their heading.
SECTIONS = (("kernboodschap", "key_messages"), ("kerncijfers", "headline"),
            ("ontwikkeling", "trends"), ("uitsplitsingen", "breakdown"),
            ("meer-antwoorden", "multiple"),
            ("samenstelling", "composition"), ("drijfveren", "drivers"),
            ("verantwoording", "methods"),
            ("bestanden", "downloads"))


def _heading(key: str, language: str, level: int = 2) -> str:
    ident = next(i for i, k in SECTIONS if k == key)
    return f'<h{level} id="{ident}">{html.escape(LABELS[language][key])}</h{level}>'


def _has(report, key: str) -> bool:
    if key == "trends":
        return report.has_trend
    if key == "breakdown":
        return bool(report.breakdowns())
    if key == "composition":
        return any(i.metric == "nps" for i in report.indicators) and bool(report.breakdowns())
    if key == "multiple":
        return bool(report.multiples)
    if key == "drivers":
        return bool(report.definitions["survey"].get("drivers"))
    return True


def title(report) -> str:
    """The title, and the printed pages' footer: the report's name and the page number."""
    name = f"{report.title} {report.year}: {report.segment_name()}"
    css_name = name.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    page = (f'<style>@page {{ @bottom-left {{ content: "{css_name}"; font: 8pt sans-serif; '
            'color: #555; } @bottom-right { content: counter(page) " / " counter(pages); '
            "font: 8pt sans-serif; color: #555; } }</style>")
    return (f'{page}<h1 id="top">{html.escape(report.title)} {report.year}: '
            f"{html.escape(report.segment_name())}</h1>")


def contents(report) -> str:
    """The table of contents: links to the sections this report has."""
    labels = LABELS[report.language]
    items = "".join(f'<li><a href="#{ident}">{html.escape(labels[key])}</a></li>'
                    for ident, key in SECTIONS if _has(report, key))
    return (f'<nav class="kirc-toc" aria-label="{labels["contents"]}"><h2 class="toc-title">'
            f"{labels['contents']}</h2><ol>{items}</ol></nav>")


def key_messages(report, table: pd.DataFrame, tables: dict | None = None) -> str:
    """The key messages (:func:`kirc.report.content.key_messages`; ``tables``: the breakdown
    tables, for the differences between groups of a first year)."""
    messages = content.key_messages(table, report, tables)
    report.cache["key_messages"] = messages
    items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
    return (f'<section class="kirc-key">{_heading("key_messages", report.language)}'
            f"<ul>{items}</ul></section>")


def headline(report, table: pd.DataFrame) -> str:
    return _heading("headline", report.language) + content.headline_html(table, report)


def trend(report, trend_table: pd.DataFrame) -> str:
    """A chart per indicator (with the market beside a segment) and the numbers per year;
    gaps and series breaks explained."""
    if not report.has_trend or trend_table.empty:
        return ""
    return (_heading("trends", report.language)
            + _trend_charts(report, trend_table, content.market_trend(report),
                            {i.key: i for i in report.indicators}))


def _trend_charts(report, trend_table: pd.DataFrame, market: pd.DataFrame | None,
                  indicators: dict, first: str = "metric") -> str:
    """A trend chart per indicator of ``trend_table`` (the market beside it), the notes on
    gaps and breaks, and the numbers per year."""
    labels = LABELS[report.language]
    years = sorted(trend_table["year"].unique())
    cells, gaps = [], []
    for key in dict.fromkeys(trend_table["metric"]):
        part = trend_table[trend_table["metric"] == key]
        beside = None
        if market is not None and len(market):
            beside = market[market["metric"] == key]
            beside = beside if len(beside) else None
        svg, alt, missing = charts.trend_chart(part, indicators[key], report, beside, years)
        gaps += missing
        cells.append(f'<div class="kirc-cell">{charts.chart_html(svg, alt)}</div>')
    parts = [f'<div class="kirc-grid">{"".join(cells)}</div>']
    notes = []
    if gaps:
        notes.append(labels["gap_note"].format(items=", ".join(gaps)))
    breaks = sorted(set(trend_table.loc[trend_table["series_break"].astype(bool), "year"]))
    if breaks:
        notes.append(labels["break_note"].format(years=", ".join(str(b) for b in breaks)))
    parts += [f'<p class="kirc-note">{html.escape(n)}</p>' for n in notes]
    parts.append(content.trend_html(trend_table, report, first))
    return "".join(parts)


def breakdowns(report, tables: dict, table: pd.DataFrame) -> str:
    """Every indicator by every breakdown: a chart with its table beside it."""
    if not tables:
        return ""
    labels = LABELS[report.language]
    totals = table.set_index("metric")["estimate"] if len(table) else pd.Series(dtype=float)
    indicators = {i.key: i for i in report.indicators}
    parts = [_heading("breakdown", report.language)]
    for by in report.breakdowns():
        keys = [key for (b, key) in tables if b == by]
        if not keys:
            continue
        by_label = content._by_label(report, by).lower()
        parts.append(f'<h3 id="naar-{html.escape(by)}">{html.escape(labels["by"].capitalize())} '
                     f"{html.escape(by_label)}</h3>")
        for key in keys:
            part, indicator = tables[(by, key)], indicators[key]
            total = totals.get(key)
            total = None if total is None or pd.isna(total) else float(total)
            if part["suppressed"].all():
                chart = ""
            else:
                svg, alt = charts.breakdown_chart(part, by, indicator, report, total,
                                                  f"{labels['by']} {by_label}")
                chart = charts.chart_html(svg, alt)
            link = (f'<p class="kirc-note kirc-sig-link"><a href="#verschillen-{html.escape(by)}">'
                    f'{html.escape(labels["significance_link"])}</a></p>')
            parts.append(f'<div class="kirc-pair"><div class="kirc-pair-chart">{chart}</div>'
                         f'<div class="kirc-pair-table">'
                         f"{content.breakdown_html(part, by, indicator, report)}{link}"
                         "</div></div>")
        parts.append(content.significance_html(report, by, tables))
    return "".join(parts)


def multiple(report) -> str:
    """Each multiple-response question (:func:`kirc.report.content.multiple_tables`): its
    options as bars with their table beside them, the trend of each option, the options by
    each breakdown."""
    questions = content.multiple_tables(report)
    if not questions:
        return ""
    labels = LABELS[report.language]
    language = report.language
    parts = [_heading("multiple", language)]
    for key, question in questions.items():
        name = question.indicator.name(language)
        parts.append(f'<h3 id="vraag-{html.escape(key)}">{html.escape(name)}</h3>')
        if question.headline.empty:
            continue
        chart = ""
        if not question.headline["suppressed"].all():
            chart = charts.chart_html(*charts.options_chart(question.headline,
                                                            question.indicator, report))
        table = content.options_html(question, report)
        if report.is_segment:
            # the market's columns make the table too wide to stand beside the chart
            parts.append(f"{chart}{table}")
        else:
            parts.append(f'<div class="kirc-pair"><div class="kirc-pair-chart">{chart}</div>'
                         f'<div class="kirc-pair-table">{table}</div></div>')
        if report.has_trend and len(question.trend["year"].unique()) > 1:
            parts.append(f"<h4>{html.escape(labels['trends'])}</h4>"
                         + _trend_charts(report, question.trend, question.market_trend,
                                         {o.key: o for o in question.all_options},
                                         "option"))
        for by in report.breakdowns():
            table = content.options_breakdown_html(question, by, report)
            if table:
                parts.append(f'<h4 id="vraag-{html.escape(key)}-{html.escape(by)}">'
                             f"{html.escape(labels['by'].capitalize())} "
                             f"{html.escape(content._by_label(report, by).lower())}</h4>"
                             + table)
    return "".join(parts)


def composition(report, tables: dict) -> str:
    """The NPS composition by the first breakdown (segment reports: their first one)."""
    nps = [i for i in report.indicators if i.metric == "nps"]
    if not nps or not report.breakdowns():
        return ""
    by = report.breakdowns()[0]
    table = tables.get((by, nps[0].key))
    if table is None or table["suppressed"].all():
        return ""
    svg, alt = charts.composition_chart(table, by, report, content._by_label(report, by).lower())
    return _heading("composition", report.language) + charts.chart_html(svg, alt)


def methods(report, table: pd.DataFrame, suppressed_cells: int) -> str:
    return (_heading("methods", report.language) + content.definitions_html(report)
            + content.fieldwork_html(report, table)
            + _md(content.methods_note(report, suppressed_cells=suppressed_cells)))


def _md(text: str) -> str:
    """Markdown of the methods note as HTML (mistune, which nbconvert itself uses)."""
    import mistune
    return mistune.html(text) if hasattr(mistune, "html") else mistune.markdown(text)


def downloads(report, written: dict) -> str:
    """Links to the report's figures as Excel and CSV (relative to the report's HTML)."""
    labels = LABELS[report.language]
    if not written:
        return ""
    folder = written["xlsx"].parent.name
    return (_heading("downloads", report.language)
            + f'<ul class="kirc-files"><li><a href="{folder}/figures.xlsx">{labels["xlsx"]}: '
            f"figures.xlsx</a></li><li><a href=\"{folder}/figures.csv\">{labels['csv']}: "
            f"figures.csv</a></li></ul>")


def drivers(report) -> str:
    """What drives the outcome (:func:`kirc.driver_section`): table, chart and the caution
    that importance is not causation; empty when the definition declares no drivers."""
    from ..estimate.drivers import driver_section

    if not _has(report, "drivers"):
        return ""
    section = driver_section(report.survey, report.definitions["survey"], report.year,
                             report.language)
    if section is None:
        return ""
    shown = section["display"].copy()
    shown[shown.columns[-1]] = [format_count(n, report.language) for n in shown.iloc[:, -1]]
    shown[shown.columns[1]] = shown.iloc[:, 1].astype(str)
    return (_heading("drivers", report.language)
            + content.html_table(shown, section["title"])
            + charts.chart_html(charts.drivers_chart(section["table"], section["title"],
                                                     report.language), section["alt"])
            + f'<p class="kirc-note">{html.escape(section["caution"])}</p>')


def deck(report, table: pd.DataFrame, trend_table: pd.DataFrame, tables: dict, path) -> None:
    """Write the report's deck (``kirc render --pptx``): nothing when ``path`` is None.

    The slides hold the same figures and sentences as the report
    (:func:`kirc.report.deck.write_deck`); returns None, so that the notebook shows nothing.
    """
    if not path:
        return None
    from .deck import write_deck
    write_deck(report, table, trend_table, tables, path)
    return None
