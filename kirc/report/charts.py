"""The report's charts as SVG written directly: a trend per indicator, a breakdown, the NPS mix,
what drives satisfaction.

Each chart is a small, self-contained SVG (``<img>`` with a data URI and alt text in the
report's language, :func:`chart_html`), drawn from the same tidy tables as the report's
tables, with the same number formatting (decimal comma, U+2212 minus). Written as text,
without matplotlib, for three reasons:

- **Phones.** Every chart is at most :data:`WIDTH` units wide with type of at least
  :data:`MIN_FONT` units, and is shown at its own width or narrower: on a 400-pixel screen its
  smallest text is still about 10 pixels. A trend is one chart per indicator, so that the
  charts re-flow from two columns to one (CSS grid), and a breakdown puts each group's name
  above its interval, so that a long name needs no room beside the axis.
- **Print.** Two trend charts sit side by side on an A4 page, a breakdown beside its table.
- **Speed.** A report draws about 25 charts; matplotlib took 30–80 ms for each, this a
  millisecond.

What a chart shows follows the report's rules: a suppressed figure is a gap (never a point),
a figure on a low effective base is a hollow point with the low-base mark
(:data:`kirc.disclose.LOW_BASE_MARK`), a break in a series only where the questionnaire
changed the question (:func:`kirc.report.spec.construct_breaks`). Output is deterministic.

The plots for notebooks are :mod:`kirc.plot` (matplotlib Axes). Both draw from the same
rule (:mod:`kirc.disclose`: what is suppressed, what is marked) in the same colours
(:data:`kirc.plot.SERIES`, :data:`kirc.plot.PALETTE`).
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd

from .. import disclose
from ..plot import PALETTE, REFERENCE, SERIES
from .formatting import format_count, format_number, format_value
from .texts import LABELS

__all__ = ["trend_chart", "breakdown_chart", "options_chart", "composition_chart",
           "drivers_chart", "chart_html",
           "WIDTH", "MIN_FONT", "SEGMENT", "MARKET"]

#: Widest chart, in SVG units (CSS pixels at full size).
WIDTH = 460
#: Smallest type in a chart, in SVG units.
MIN_FONT = 13
SEGMENT = SERIES[0]             # Okabe & Ito blue
MARKET = REFERENCE
GRID = "#E3E6EA"
TEXT = "#222222"
MUTED = "#595959"
#: Detractors, passives, promoters (Okabe & Ito: no red/green pair).
MIX = (PALETTE["detractors"], PALETTE["passives"], PALETTE["promoters"])
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
#: Average glyph width as a share of the font size (DejaVu Sans, digits and lower case).
_GLYPH = 0.6


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _width(text: str, size: float) -> float:
    return len(str(text)) * size * _GLYPH


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Words of ``text`` in lines that fit ``width`` (at most two; the rest on the second)."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and _width(trial, size) > width and len(lines) == 0:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    return lines


def _text(x, y, text, size=MIN_FONT, anchor="start", weight="normal", fill=TEXT) -> str:
    extra = f' font-weight="{weight}"' if weight != "normal" else ""
    extra += f' text-anchor="{anchor}"' if anchor != "start" else ""
    extra += f' fill="{fill}"' if fill != TEXT else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{_esc(text)}</text>'


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" fill="{TEXT}">'
            f"<title>{_esc(title)}</title>"
            f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(body) + "</svg>")


def chart_html(svg: str, alt: str, css_class: str = "kirc-chart kirc-svg") -> str:
    """A chart as ``<img>`` with an SVG data URI and its alt text, shown at most at its width."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    width = svg.split('width="', 1)[1].split('"', 1)[0]
    return (f'<img class="{css_class}" src="data:image/svg+xml;base64,{data}" '
            f'alt="{_esc(alt)}" width="{width}" style="max-width: {width}px">')


# --------------------------------------------------------------------------------------------
# value axes


def _range(unit: str, values, scale=None) -> tuple[float, float, list[float]]:
    """Axis limits and ticks: shares 0–100, the NPS symmetric around zero, means on the
    scale."""
    if unit == "percent":
        return 0.0, 100.0, [0, 25, 50, 75, 100]
    if unit == "points":
        finite = [abs(v) for v in values if v is not None and np.isfinite(v)]
        bound = max(10.0, math.ceil(max(finite, default=0) / 10) * 10)
        return -bound, bound, [-bound, -bound / 2, 0.0, bound / 2, bound]
    low, high = (float(scale[0]), float(scale[1])) if scale else (
        math.floor(min(values, default=0)), math.ceil(max(values, default=1)))
    step = 1.0 if high - low <= 5 else 2.0
    return low, high, list(np.arange(low, high + 1e-9, step))


def _tick(value: float, unit: str, language: str) -> str:
    if unit == "percent":
        return format_number(value, 0, language) + "%"
    if unit == "points":
        return format_number(value, 0, language, sign=True)
    return format_number(value, 0 if float(value).is_integer() else 1, language)


# --------------------------------------------------------------------------------------------
# trend: one chart per indicator


def trend_chart(part: pd.DataFrame, indicator, report, market: pd.DataFrame | None = None,
                years=None):
    """One indicator per year with its 95% band; the market as a dashed line beside a segment.

    Parameters
    ----------
    part : pandas.DataFrame
        The indicator's rows of :func:`kirc.report.content.trend_table` (``year``,
        ``estimate``, ``ci_low``, ``ci_high``, ``suppressed``, ``low_base``,
        ``series_break``).
    market : pandas.DataFrame, optional
        The same rows of the whole market (:func:`kirc.report.content.market_trend`).
    years : list of int, optional
        The x axis (default the years of ``part``).

    Returns
    -------
    (svg, alt, gaps)
        The SVG text, its alt text and the suppressed years named ("Succesratio chatbot
        2017").

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> report = NS(language="nl", segment="all", segment_name=lambda: "alle sectoren")
    >>> fcr = NS(key="fcr", unit="percent", scale=None, name=lambda language: "FCR")
    >>> part = pd.DataFrame({"year": [2024, 2025], "estimate": [70.0, 72.0],
    ...     "ci_low": [68.0, 70.0], "ci_high": [72.0, 74.0], "suppressed": [False, False],
    ...     "low_base": [False, True], "series_break": [False, False]})
    >>> svg, alt, gaps = trend_chart(part, fcr, report)
    >>> svg.startswith("<svg") and "†" in svg, alt
    (True, 'Lijndiagram van FCR per jaar, 2024–2025, met 95%-interval: van 70,0% (2024) naar 72,0% (2025).')
    """
    labels = LABELS[report.language]
    language = report.language
    part = part.sort_values("year")
    years = sorted(years if years is not None else part["year"].unique())
    unit = indicator.unit
    values = list(part["ci_low"]) + list(part["ci_high"])
    if market is not None:
        market = market.sort_values("year")
        values += list(market["estimate"])
    low, high, ticks = _range(unit, [v for v in values if pd.notna(v)], indicator.scale)
    width, left, right = WIDTH, 50.0, 14.0
    title_lines = _wrap(indicator.name(language), 16, width - 8)
    top = 10 + 18 * len(title_lines) + (18 if market is not None else 0) + 8
    plot_h, bottom = 150.0, 26.0
    height = top + plot_h + bottom

    def x(year):
        if len(years) == 1:
            return left + (width - left - right) / 2
        return left + (years.index(year)) / (len(years) - 1) * (width - left - right)

    def y(value):
        return top + (high - value) / (high - low) * plot_h

    body = [_text(4, 10 + 16 * (i + 1), line, 16, weight="bold")
            for i, line in enumerate(title_lines)]
    if market is not None:
        legend_y = 10 + 18 * len(title_lines) + 14
        body += [f'<line x1="4" y1="{legend_y - 4}" x2="26" y2="{legend_y - 4}" '
                 f'stroke="{SEGMENT}" stroke-width="2.5"/>',
                 _text(30, legend_y, report.segment_name(), MIN_FONT),
                 f'<line x1="{40 + _width(report.segment_name(), MIN_FONT)}" '
                 f'y1="{legend_y - 4}" x2="{62 + _width(report.segment_name(), MIN_FONT)}" '
                 f'y2="{legend_y - 4}" stroke="{MARKET}" stroke-width="2" '
                 f'stroke-dasharray="5 3"/>',
                 _text(66 + _width(report.segment_name(), MIN_FONT), legend_y,
                       labels["market_line"], MIN_FONT, fill=MUTED)]
    for tick in ticks:
        body.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" '
                    f'y2="{y(tick):.1f}" stroke="{GRID if tick else "#9AA0A6"}" '
                    f'stroke-width="1"/>')
        body.append(_text(left - 6, y(tick) + 4, _tick(tick, unit, language), MIN_FONT,
                          anchor="end", fill=MUTED))
    short = len(years) > 6
    for year in years:
        body.append(_text(x(year), top + plot_h + 18,
                          f"’{year % 100:02d}" if short else str(year), MIN_FONT,
                          anchor="middle", fill=MUTED))
    for year in sorted(part.loc[part["series_break"].astype(bool), "year"]):
        if year in years and years.index(year) > 0:
            bx = (x(year) + x(years[years.index(year) - 1])) / 2
            body.append(f'<line x1="{bx:.1f}" y1="{top}" x2="{bx:.1f}" y2="{top + plot_h}" '
                        f'stroke="{MARKET}" stroke-width="1.2" stroke-dasharray="2 3"/>')
            body.append(_text(bx + 3, top + 12, labels["break_line"], MIN_FONT, fill=MUTED))
    if market is not None:
        body += _series(market, x, y, years, MARKET, band=False, dashed=True)
    body += _series(part, x, y, years, SEGMENT, band=True, dashed=False)
    shown = part[~part["suppressed"].astype(bool)]
    name = indicator.name(language)
    if len(shown):
        first, last = shown.iloc[0], shown.iloc[-1]
        alt = labels["trend_alt_one"].format(
            label=name, first=years[0], last=years[-1],
            start=format_value(first["estimate"], unit, language), start_year=int(first["year"]),
            end=format_value(last["estimate"], unit, language), end_year=int(last["year"]))
    else:
        alt = labels["trend_alt_none"].format(label=name, first=years[0], last=years[-1])
    if market is not None:
        alt += labels["trend_market_alt"]
    gaps = [f"{name} {int(year)}" for year in part.loc[part["suppressed"].astype(bool), "year"]]
    if gaps:
        alt += labels["trend_alt_gaps"].format(items=", ".join(gaps))
    return _svg(width, height, body, name), alt, gaps


def _series(rows: pd.DataFrame, x, y, years, colour: str, band: bool, dashed: bool) -> list:
    """A line with its band, in runs of shown years (a suppressed year is a gap)."""
    out, run = [], []
    runs = []
    for _, row in rows.iterrows():
        if int(row["year"]) not in years:
            continue
        if row["suppressed"] or pd.isna(row["estimate"]):
            if run:
                runs.append(run)
            run = []
        else:
            run.append(row)
    if run:
        runs.append(run)
    for run in runs:
        points = [(x(int(r["year"])), y(float(r["estimate"]))) for r in run]
        if band:
            upper = [(x(int(r["year"])), y(float(r["ci_high"]))) for r in run]
            lower = [(x(int(r["year"])), y(float(r["ci_low"]))) for r in run][::-1]
            if len(run) > 1:
                out.append('<polygon points="' + " ".join(f"{a:.1f},{b:.1f}"
                                                          for a, b in upper + lower)
                           + f'" fill="{colour}" fill-opacity="0.16"/>')
            else:
                (a, top), (_, bottom) = upper[0], lower[0]
                out.append(f'<line x1="{a:.1f}" y1="{top:.1f}" x2="{a:.1f}" y2="{bottom:.1f}" '
                           f'stroke="{colour}" stroke-opacity="0.45" stroke-width="6"/>')
        if len(points) > 1:
            dash = ' stroke-dasharray="5 3"' if dashed else ""
            out.append('<polyline points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
                       + f'" fill="none" stroke="{colour}" stroke-width="{2 if dashed else 2.5}"'
                       f'{dash}/>')
        for (a, b), row in zip(points, run):
            low = bool(row.get("low_base", False))
            radius = 2.5 if dashed else 4
            fill = "#ffffff" if low else colour
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{radius}" fill="{fill}" '
                       f'stroke="{colour}" stroke-width="1.5"/>')
            if low:
                out.append(_text(a + 5, b - 6, disclose.LOW_BASE_MARK, MIN_FONT, fill=colour))
    return out


# --------------------------------------------------------------------------------------------
# a breakdown: each group's name above its interval


def _horizontal_frame(title: str, ticks: list, low: float, high: float, top: float,
                      plot_h: float, unit: str, language: str, left: float = 14.0,
                      right: float = 14.0):
    """The frame of a chart with a row per group or option over a horizontal scale: ``x``
    (value to position), the title's lines, and a grid line and a label per tick."""
    def x(value):
        return left + (value - low) / (high - low) * (WIDTH - left - right)

    title_body = [_text(4, 10 + 16 * (i + 1), line, 16, weight="bold")
                  for i, line in enumerate(_wrap(title, 16, WIDTH - 8))]
    grid = []
    for tick in ticks:
        grid.append(f'<line x1="{x(tick):.1f}" y1="{top - 4}" x2="{x(tick):.1f}" '
                    f'y2="{top + plot_h}" stroke="{GRID}" stroke-width="1"/>')
        anchor = "start" if tick == ticks[0] else "end" if tick == ticks[-1] else "middle"
        grid.append(_text(x(tick), top + plot_h + 18, _tick(tick, unit, language), MIN_FONT,
                          anchor=anchor, fill=MUTED))
    return x, title_body, grid


def _row_heading(name: str, value: str, n, base: float, language: str,
                 left: float = 14.0, right: float = 14.0) -> list[str]:
    """A row's name at the left and its value with its n at the right."""
    return [_text(left, base, name, 14),
            _text(WIDTH - right, base, f"{value}  (n = {format_count(n, language)})", 14,
                  anchor="end", fill=MUTED)]


def breakdown_chart(table: pd.DataFrame, by: str, indicator, report, total: float | None,
                    by_words: str = ""):
    """One indicator by one breakdown: each shown group a row (name, n, value), its interval
    below, and the total as a dashed line; suppressed groups are left out (the table beside
    the chart names them).

    A group on a low effective base is a hollow point with the low-base mark; where the table
    holds the comparison with the rest of the market (``versus_significant``), ▲ or ▼ marks a
    group that differs from it.

    Returns
    -------
    (svg, alt)

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> report = NS(language="en", year=2025, category=str)
    >>> nps = NS(key="nps", unit="points", scale=None, name=lambda language: "NPS")
    >>> t = pd.DataFrame({"channel": ["chat", "mail"], "estimate": [10.0, -4.0],
    ...     "ci_low": [2.0, -12.0], "ci_high": [18.0, 4.0], "n": [400, 300],
    ...     "suppressed": [False, False], "low_base": [False, False]})
    >>> svg, alt = breakdown_chart(t, "channel", nps, report, 3.0, "by channel")
    >>> alt
    'Dot chart of NPS by channel in 2025 with 95% intervals, from high to low: chat +10.0; mail −4.0. Dashed line: total +3.0.'
    """
    labels = LABELS[report.language]
    language = report.language
    unit = indicator.unit
    hidden = table["suppressed"].fillna(False).astype(bool).to_numpy()
    rows = table[~hidden]
    names = [report.category(v) for v in table[by]]
    values = list(rows["ci_low"]) + list(rows["ci_high"]) + ([total] if total is not None
                                                             else [])
    low, high, ticks = _range(unit, [v for v in values if pd.notna(v)], indicator.scale)
    width = WIDTH
    title_lines = _wrap(indicator.name(language), 16, width - 8)
    top = 10 + 18 * len(title_lines) + 22
    row_h = 42.0
    plot_h = row_h * max(len(rows), 1)
    height = top + plot_h + 30
    x, body, grid = _horizontal_frame(indicator.name(language), ticks, low, high, top, plot_h,
                                      unit, language)
    body += grid
    total_text = format_value(total, unit, language) if total is not None else "–"
    if total is not None and np.isfinite(total):
        body.append(f'<line x1="{x(total):.1f}" y1="{top - 6}" x2="{x(total):.1f}" '
                    f'y2="{top + plot_h}" stroke="{MARKET}" stroke-width="1.2" '
                    f'stroke-dasharray="4 3"/>')
        label = f"{labels['total']} {total_text}"
        anchor = "end" if x(total) > width / 2 else "start"
        body.append(_text(x(total) + (-4 if anchor == "end" else 4), top - 8, label, MIN_FONT,
                          anchor=anchor, fill=MUTED))
    shown_names = [n for n, h in zip(names, hidden) if not h]
    items = []
    for k, ((_, row), name) in enumerate(zip(rows.iterrows(), shown_names)):
        base = top + k * row_h
        low_base = bool(row.get("low_base", False))
        mark = ""
        if pd.notna(row.get("versus_significant")) and row.get("versus_significant"):
            mark = " ▲" if row["versus"] > 0 else " ▼"
        value = disclose.marked(format_value(row["estimate"], unit, language), low_base)
        body += _row_heading(f"{name}{mark}", value, row["n"], base + 15, language)
        yy = base + 30
        a, b, e = x(float(row["ci_low"])), x(float(row["ci_high"])), x(float(row["estimate"]))
        body.append(f'<line x1="{a:.1f}" y1="{yy}" x2="{b:.1f}" y2="{yy}" stroke="{SEGMENT}" '
                    f'stroke-width="2"/>')
        for end in (a, b):
            body.append(f'<line x1="{end:.1f}" y1="{yy - 5}" x2="{end:.1f}" y2="{yy + 5}" '
                        f'stroke="{SEGMENT}" stroke-width="2"/>')
        body.append(f'<circle cx="{e:.1f}" cy="{yy}" r="5" '
                    f'fill="{"#ffffff" if low_base else SEGMENT}" stroke="{SEGMENT}" '
                    f'stroke-width="2"/>')
        items.append(f"{name} {format_value(row['estimate'], unit, language)}")
    hidden_names = [n for n, h in zip(names, hidden) if h]
    alt = labels["forest_alt"].format(label=indicator.name(language), by=by_words,
                                      year=report.year, items="; ".join(items),
                                      total_word=labels["total"], total=total_text)
    if hidden_names:
        alt += labels["forest_alt_hidden"].format(items=", ".join(hidden_names))
    return _svg(width, height, body, indicator.name(language)), alt


# --------------------------------------------------------------------------------------------
# a multiple-response question: a bar per option


def options_chart(table: pd.DataFrame, indicator, report):
    """The options of a multiple-response question as horizontal bars (0–100%), largest
    first, each with its 95% interval and its n; suppressed options are left out (the table
    beside the chart names them), an option on a low effective base is a hollow bar with the
    low-base mark. Beside a segment (a ``market`` column), the whole market's figure is a
    dashed mark across each bar.

    Parameters
    ----------
    table : pandas.DataFrame
        The options' rows (:attr:`kirc.report.content.MultipleTables.headline`: ``label``,
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``suppressed``, ``low_base``), in the
        order to draw.

    Returns
    -------
    (svg, alt)

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> report = NS(language="en", year=2025)
    >>> used = NS(key="used", unit="percent", name=lambda language: "Channels used")
    >>> t = pd.DataFrame({"label": ["phone", "chat"], "estimate": [62.0, 41.5],
    ...     "ci_low": [60.0, 39.3], "ci_high": [64.1, 43.8], "n": [2398, 2398],
    ...     "suppressed": [False, False], "low_base": [False, False]})
    >>> svg, alt = options_chart(t, used, report)
    >>> alt
    'Bar chart of Channels used in 2025, the share per answer with 95% interval, from high to low: phone 62.0%; chat 41.5%.'
    """
    labels = LABELS[report.language]
    language = report.language
    hidden = table["suppressed"].fillna(False).astype(bool).to_numpy()
    rows = table[~hidden]
    low, high, ticks = _range("percent", [])
    width = WIDTH
    title_lines = _wrap(indicator.name(language), 16, width - 8)
    market = "market" in rows and rows["market"].notna().any()
    top = 10 + 18 * len(title_lines) + 14 + (18 if market else 0)
    row_h = 40.0
    plot_h = row_h * max(len(rows), 1)
    height = top + plot_h + 30
    x, body, grid = _horizontal_frame(indicator.name(language), ticks, low, high, top, plot_h,
                                      "percent", language)
    if market:
        legend_y = 10 + 18 * len(title_lines) + 14
        body += [f'<line x1="8" y1="{legend_y - 10}" x2="8" y2="{legend_y + 2}" '
                 f'stroke="{MARKET}" stroke-width="2" stroke-dasharray="3 2"/>',
                 _text(16, legend_y, labels["market_line"], MIN_FONT, fill=MUTED)]
    body += grid
    items = []
    for k, (_, row) in enumerate(rows.iterrows()):
        base = top + k * row_h
        low_base = bool(row.get("low_base", False))
        value = disclose.marked(format_value(row["estimate"], "percent", language), low_base)
        body += _row_heading(row["label"], value, row["n"], base + 14, language)
        yy = base + 20
        e = x(float(row["estimate"]))
        body.append(f'<rect x="{x(0):.1f}" y="{yy}" width="{max(e - x(0), 0.5):.1f}" '
                    f'height="14" fill="{"#ffffff" if low_base else SEGMENT}" '
                    f'fill-opacity="{1 if low_base else 0.75}" stroke="{SEGMENT}" '
                    f'stroke-width="{1.5 if low_base else 0}"/>')
        a, b = x(float(row["ci_low"])), x(float(row["ci_high"]))
        body.append(f'<line x1="{a:.1f}" y1="{yy + 7}" x2="{b:.1f}" y2="{yy + 7}" '
                    f'stroke="{TEXT}" stroke-width="1.5"/>')
        for end in (a, b):
            body.append(f'<line x1="{end:.1f}" y1="{yy + 2}" x2="{end:.1f}" y2="{yy + 12}" '
                        f'stroke="{TEXT}" stroke-width="1.5"/>')
        if market and pd.notna(row.get("market")):
            m = x(float(row["market"]))
            body.append(f'<line x1="{m:.1f}" y1="{yy - 3}" x2="{m:.1f}" y2="{yy + 17}" '
                        f'stroke="{MARKET}" stroke-width="2" stroke-dasharray="3 2"/>')
        items.append(f"{row['label']} {format_value(row['estimate'], 'percent', language)}")
    alt = labels["options_chart_alt"].format(label=indicator.name(language), year=report.year,
                                             items="; ".join(items))
    if market:
        alt += labels["options_market_alt"]
    hidden_names = list(table.loc[hidden, "label"])
    if hidden_names:
        alt += labels["forest_alt_hidden"].format(items=", ".join(hidden_names))
    return _svg(width, height, body, indicator.name(language)), alt


# --------------------------------------------------------------------------------------------
# the NPS mix


def composition_chart(table: pd.DataFrame, by: str, report, by_words: str = ""):
    """Detractors to the left of zero, passives and promoters to the right, a row per shown
    group (name above its bar); suppressed groups left out.

    Returns
    -------
    (svg, alt)
    """
    labels = LABELS[report.language]
    rows = table[~table["suppressed"].fillna(False).astype(bool)]
    groups = [report.category(v) for v in rows[by]]
    width, left, right = WIDTH, 14.0, 14.0
    names = labels["nps_groups"]
    title = f"NPS {report.year}"
    top, row_h = 62.0, 38.0
    height = top + row_h * max(len(rows), 1) + 28

    def x(value):
        return left + (value + 100) / 200 * (width - left - right)

    body = [_text(4, 25, title, 16, weight="bold")]
    cursor = 4.0
    for colour, name in zip(MIX, names):
        body.append(f'<rect x="{cursor:.1f}" y="38" width="12" height="12" fill="{colour}"/>')
        body.append(_text(cursor + 16, 49, name, MIN_FONT))
        cursor += 16 + _width(name, MIN_FONT) + 10
    for tick in (-100, -50, 0, 50, 100):
        body.append(f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" '
                    f'y2="{top + row_h * len(rows)}" stroke="{GRID if tick else "#333333"}" '
                    f'stroke-width="1"/>')
        anchor = "start" if tick == -100 else "end" if tick == 100 else "middle"
        body.append(_text(x(tick), top + row_h * len(rows) + 18,
                          format_number(abs(tick), 0, report.language) + "%", MIN_FONT,
                          anchor=anchor, fill=MUTED))
    items = []
    for k, ((_, row), name) in enumerate(zip(rows.iterrows(), groups)):
        base = top + k * row_h
        det, pas, pro = (float(row[c]) for c in ("detractors", "passives", "promoters"))
        body.append(_text(left, base + 14, name, 14))
        yy = base + 17
        spans = ((x(-det), x(0), MIX[0], det, TEXT), (x(0), x(pas), MIX[1], pas, TEXT),
                 (x(pas), x(pas + pro), MIX[2], pro, "#ffffff"))
        for a, b, colour, share, ink in spans:
            body.append(f'<rect x="{a:.1f}" y="{yy}" width="{max(b - a, 0):.1f}" height="16" '
                        f'fill="{colour}"/>')
            if b - a > 26:
                body.append(_text((a + b) / 2, yy + 12.5, f"{share:.0f}", MIN_FONT,
                                  anchor="middle", fill=ink))
        items.append(labels["composition_item"].format(group=name, det=f"{det:.0f}",
                                                       pas=f"{pas:.0f}", pro=f"{pro:.0f}"))
    alt = labels["composition_alt"].format(by=by_words, year=report.year,
                                           items="; ".join(items))
    return _svg(width, height, body, title), alt


# --------------------------------------------------------------------------------------------
# what drives satisfaction


def drivers_chart(table: pd.DataFrame, title: str, language: str):
    """Importance per aspect (``label``, ``importance``, ``ci_low``, ``ci_high`` of
    :func:`kirc.estimate.drivers.driver_section`'s table), largest on top: the name above its
    bar, the share beside it, the percentile interval as a line (a bootstrap interval of a
    small sample need not contain the estimate). Returns the SVG."""
    rows = table.sort_values("importance", ascending=False, kind="stable")
    width, left, right = WIDTH, 14.0, 14.0
    title_lines = _wrap(title, 16, width - 8)
    top = 10 + 18 * len(title_lines) + 16
    row_h = 38.0
    plot_h = row_h * max(len(rows), 1)
    high = max(5.0, float(np.nanmax(rows[["importance", "ci_high"]].to_numpy(float))) * 1.08)
    high = math.ceil(high / 10) * 10
    ticks = list(range(0, int(high) + 1, 10 if high <= 50 else 20))

    def x(value):
        return left + value / high * (width - left - right)

    body = [_text(4, 10 + 16 * (i + 1), line, 16, weight="bold")
            for i, line in enumerate(title_lines)]
    for tick in ticks:
        body.append(f'<line x1="{x(tick):.1f}" y1="{top - 4}" x2="{x(tick):.1f}" '
                    f'y2="{top + plot_h}" stroke="{GRID}" stroke-width="1"/>')
        anchor = "start" if tick == ticks[0] else "end" if tick == ticks[-1] else "middle"
        body.append(_text(x(tick), top + plot_h + 18, _tick(tick, "percent", language),
                          MIN_FONT, anchor=anchor, fill=MUTED))
    for k, (_, row) in enumerate(rows.iterrows()):
        base = top + k * row_h
        body.append(_text(left, base + 14, row["label"], 14))
        body.append(_text(width - right, base + 14,
                          format_number(row["importance"], 0, language) + "%", 14,
                          anchor="end", fill=MUTED))
        yy = base + 26
        body.append(f'<rect x="{x(0):.1f}" y="{yy - 5}" width="{x(row["importance"]) - x(0):.1f}"'
                    f' height="10" fill="{SEGMENT}"/>')
        if pd.notna(row.get("ci_low")) and pd.notna(row.get("ci_high")):
            a, b = x(float(row["ci_low"])), x(float(row["ci_high"]))
            body.append(f'<line x1="{a:.1f}" y1="{yy}" x2="{b:.1f}" y2="{yy}" stroke="{TEXT}" '
                        f'stroke-width="1.5"/>')
            for end in (a, b):
                body.append(f'<line x1="{end:.1f}" y1="{yy - 5}" x2="{end:.1f}" y2="{yy + 5}" '
                            f'stroke="{TEXT}" stroke-width="1.5"/>')
    return _svg(width, top + plot_h + 30, body, title)
