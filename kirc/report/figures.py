"""Charts of tidy metric tables, and the report's charts as SVG with alt text.

General plots (seaborn style: a tidy table in, a matplotlib Axes out):

- :func:`trend_plot`: a metric per year with its confidence band; a missing (suppressed)
  estimate is a gap in the line, never a point;
- :func:`forest_plot`: a metric per group with interval whiskers and a labelled reference line;
- :func:`composition_plot`: detractors / passives / promoters as a diverging stacked bar.

Report charts (:func:`trend_chart`, :func:`breakdown_chart`, :func:`composition_chart`) return
``(figure, alt)``; :func:`chart_html` turns them into an ``<img>`` with an SVG data URI and the
alt text in the report's language (nbconvert's "No description has been provided" never
appears). Colours are Okabe & Ito's colour-blind-safe palette (no red/green pair); numbers on
axes follow the report's language (decimal comma, U+2212 minus). Figures are deterministic
(fixed SVG ids, no dates), so re-rendered reports are identical.
"""

from __future__ import annotations

import base64
import gc
import html
import io
import math
import re

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from .. import disclose
from .formatting import axis_formatter, format_value
from .texts import LABELS

__all__ = ["set_style", "trend_plot", "forest_plot", "composition_plot", "trend_chart",
           "breakdown_chart", "composition_chart", "chart_html", "chart_svg", "held_collection",
           "trend_figure", "PALETTE", "SERIES"]

#: Okabe & Ito (2008) colour-blind-safe colours: detractors, passives, promoters.
PALETTE = {"detractors": "#D55E00", "passives": "#BBBBBB", "promoters": "#0072B2"}
#: Colours of lines and points (Okabe & Ito, blue first).
SERIES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
          "#000000"]
_REFERENCE = "#555555"


def set_style() -> None:
    """House style: seaborn's whitegrid, readable sizes, SVG text as paths, fixed ids."""
    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 200, "figure.figsize": (8, 4),
                         "axes.titleweight": "bold", "axes.titlesize": "medium",
                         "svg.hashsalt": "kirc", "svg.fonttype": "none",
                         "axes.unicode_minus": True})


def _title_stays(ax) -> bool:
    """Whether matplotlib's automatic title position leaves the title at the top of the axes.

    It lifts the title above tick labels or an axis label on top, and above the y axis'
    offset text; with the x tick labels and label at the bottom, a y formatter that writes no
    offset (fixed labels, :func:`axis_formatter`) and no twin or inset axes it cannot move
    (titles aligned with ``Figure.align_titles`` are not considered: the report has none).
    """
    xaxis = ax.xaxis
    return (xaxis.get_label_position() == "bottom"
            and not any(tick.label2.get_visible() for tick in (xaxis.majorTicks[0],
                                                               xaxis.minorTicks[0]))
            and not isinstance(ax.yaxis.get_major_formatter(),
                               matplotlib.ticker.ScalarFormatter)
            and not ax.child_axes
            and ax.get_shared_x_axes().get_siblings(ax) == [ax]        # no twins
            and ax.get_shared_y_axes().get_siblings(ax) == [ax])


def _lean(figure) -> None:
    """Spare a finished figure the measuring that cannot change it (before it is saved).

    - A title that cannot move (:func:`_title_stays`): automatic positioning would measure
      every tick label of both axes again at each draw and for the tight bounding box; it is
      switched off (``Axes.set_title(y=...)`` would do the same, but resets pad and font).
    - An empty axis label: matplotlib still positions it at every draw, measuring all tick
      labels once more; an empty text has no extent and draws nothing, wherever it is.
    - A spine in place (not moved outward) whose axis draws no tick marks (seaborn's
      whitegrid): its extent, for which matplotlib updates all ticks, lies on the edge of the
      axes, which are in the layout anyway.

    What is drawn and the tight bounding box stay the same, to the byte, for about a third
    of the time of ``savefig`` (benchmarks/render_charts.py). The figure is not for further
    changes: the general plots (:func:`forest_plot`, ...) do not call this.
    """
    for ax in figure.axes:
        if _title_stays(ax):
            ax._autotitlepos = False      # what set_title(y=1.0) sets; the title is at y = 1
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.set_label_coords(0.5, 0.5)
        for spine in ax.spines.values():
            axis = spine.axis
            marked = axis is not None and any(
                tick.tick1line.get_visible() or tick.tick2line.get_visible()
                for tick in (axis.majorTicks[0], axis.minorTicks[0]))
            if not marked and spine.get_position() in (("outward", 0), ("outward", 0.0)):
                spine.set_in_layout(False)


def _axes(ax, size=(8, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _value_axis(ax, unit: str, language: str, axis: str = "y", scale=None) -> None:
    """Origin and ticks of a value axis: shares 0–100, NPS around zero, means on the scale."""
    labels = LABELS[language]
    setter = ax.set_ylim if axis == "y" else ax.set_xlim
    getter = ax.get_ylim if axis == "y" else ax.get_xlim
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit == "percent":
        setter(0, 100)
        target.set_major_formatter(axis_formatter(language))
        label = labels["axis_share"]
    elif unit == "points":
        low, high = getter()
        bound = max(10.0, math.ceil(max(abs(low), abs(high)) / 10) * 10)
        setter(-bound, bound)
        target.set_major_formatter(axis_formatter(language, sign=True))
        (ax.axhline if axis == "y" else ax.axvline)(0, color="#999999", linewidth=0.8)
        label = labels["axis_points"]
    else:
        if scale:
            setter(float(scale[0]), float(scale[1]))
        target.set_major_formatter(axis_formatter(language, decimals=1))
        label = labels["axis_score"]
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)


def trend_plot(data: pd.DataFrame, x: str = "year", hue: str | None = None, ax=None,
               title: str | None = None, ylabel: str | None = None, min_n: int = 30,
               unit: str | None = None, language: str = "nl", breaks=(), scale=None):
    """A metric over the years, with its confidence interval as a band.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`kirc.trend` (or any metric with a year column).
    x : str, default "year"
    hue : str, optional
        A grouping column: one line and band per group.
    ax : matplotlib Axes, optional
    title, ylabel : str, optional
    min_n : int
        Estimates based on fewer answers are left out: a gap in the line, not a point.
    unit : {"percent", "points", "score"}, optional
        Sets the axis origin (shares 0–100, the NPS symmetric around zero) and its label.
    language : {"nl", "en"}
        Number format of the ticks.
    breaks : sequence of int
        Years of a new questionnaire, marked with a dotted line before them.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [2017, 2018, 2019], "estimate": [61.0, 59.0, 61.0],
    ...                   "ci_low": [50.0, 55.0, 57.5], "ci_high": [70.0, 63.0, 64.5],
    ...                   "n": [15, 500, 520]})
    >>> ax = trend_plot(t, title="Chatbot", unit="percent")
    >>> [int(x) for x in ax.lines[0].get_xdata()]
    [2017, 2018, 2019]
    >>> bool(np.isnan(ax.lines[0].get_ydata()[0]))     # the 2017 figure (n = 15) is a gap
    True
    """
    ax = _axes(ax)
    groups = [(None, data)] if hue is None else list(data.groupby(hue, observed=True,
                                                                   sort=False))
    for colour, (name, rows) in zip(SERIES * 4, groups):
        rows = rows.sort_values(x)
        hidden = disclose.hidden(rows["n"], min_n) | rows["estimate"].isna().to_numpy()
        estimate = rows["estimate"].where(~hidden).to_numpy(float)
        low = rows["ci_low"].where(~hidden).to_numpy(float)
        high = rows["ci_high"].where(~hidden).to_numpy(float)
        years = rows[x].to_numpy()
        ax.fill_between(years, low, high, color=colour, alpha=0.18, linewidth=0)
        ax.plot(years, estimate, marker="o", markersize=4, color=colour,
                label=None if name is None else str(name))
    for year in breaks:
        ax.axvline(year - 0.5, color=_REFERENCE, linestyle=":", linewidth=1.2)
    years = sorted(pd.unique(data[x]))
    ax.set_xticks(years)
    # decided once: the formatter is called for every tick at every draw and measurement
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        (lambda v, _: f"’{int(v) % 100:02d}") if len(years) > 6 else (lambda v, _: f"{int(v)}")))
    ax.set_xlabel("")
    if unit:
        _value_axis(ax, unit, language, scale=scale)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if hue is not None:
        ax.legend(frameon=False, fontsize="small", ncol=2)
    return ax


def forest_plot(data: pd.DataFrame, label: str, ax=None, title: str | None = None,
                xlabel: str | None = None, reference: float | None = None,
                reference_label: str | None = None, unit: str | None = None,
                language: str = "nl", names=None, scale=None):
    """A metric per group as points with interval whiskers; suppressed groups are left out.

    Parameters
    ----------
    data : pandas.DataFrame
        A metric table with the column ``label``; rows with ``suppressed`` set (or a missing
        estimate) are not drawn (the table beside the chart names them).
    label : str
        The grouping column to label rows with.
    reference : float, optional
        A vertical reference line (for example the overall figure), labelled with
        ``reference_label``.
    unit : {"percent", "points", "score"}, optional
        Axis origin and label.
    names : sequence of str, optional
        Group names to show (default the ``label`` column), e.g. translated.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> t = pd.DataFrame({"sector": ["telecom", "retail"], "estimate": [10.0, np.nan],
    ...                   "ci_low": [5.0, np.nan], "ci_high": [15.0, np.nan], "n": [400, 12],
    ...                   "suppressed": [False, True]})
    >>> ax = forest_plot(t, "sector")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['telecom (n = 400)']
    """
    rows = data.reset_index(drop=True)
    suppressed = rows["suppressed"].fillna(False).to_numpy(bool) if "suppressed" in rows \
        else rows["estimate"].isna().to_numpy()
    shown = rows[~suppressed].reset_index(drop=True)
    group_names = list(names) if names is not None else list(rows[label].astype(str))
    group_names = [n for n, hide in zip(group_names, suppressed) if not hide]
    ax = _axes(ax, (6, 0.42 * max(len(shown), 1) + 1.4))
    y = np.arange(len(shown))[::-1]
    estimate, low, high = (shown[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
    # A bound a rounding error beyond the estimate (Wilson's lower bound 1e-15 at 0 of n) is
    # drawn at the estimate, not refused by matplotlib as a negative error bar.
    below, above = np.clip(estimate - low, 0, None), np.clip(high - estimate, 0, None)
    ax.errorbar(estimate, y, xerr=[below, above], fmt="o",
                color=SERIES[0], ecolor=SERIES[0], capsize=3)
    ax.set_yticks(y, [f"{name} (n = {int(n):,})".replace(",", "." if language == "nl" else ",")
                      for name, n in zip(group_names, shown["n"])])
    ax.set_ylim(-0.7, max(len(shown), 1) - 0.3)
    if unit:
        _value_axis(ax, unit, language, axis="x", scale=scale)
    if reference is not None and np.isfinite(reference):
        ax.axvline(reference, color=_REFERENCE, linestyle="--", linewidth=1)
        if reference_label:
            ax.annotate(reference_label, xy=(reference, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, 2), textcoords="offset points", fontsize="small",
                        color=_REFERENCE, ha="left", va="bottom")
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, pad=14 if reference_label else 6)
    return ax


def composition_plot(data: pd.DataFrame, label: str | None = None, ax=None,
                     title: str | None = None,
                     names: tuple[str, str, str] = ("criticasters", "passieven", "promotors"),
                     language: str = "nl", groups=None):
    """NPS composition: detractors to the left of zero, passives and promoters to the right.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`kirc.nps` (columns ``detractors``, ``passives``, ``promoters``).
        Suppressed rows (missing shares) are left out.
    label : str, optional
        Grouping column for the bar labels (for example ``year`` or ``sector``).
    names : three str
        Legend names of detractors, passives, promoters (Dutch by default).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [2024, 2025], "detractors": [30.0, 25.0],
    ...                   "passives": [40.0, 40.0], "promoters": [30.0, 35.0], "n": [900, 950]})
    >>> ax = composition_plot(t, "year")
    >>> len(ax.patches)
    6
    """
    keep = (data["n"].fillna(0) > 0) & data["promoters"].notna()
    rows = data[keep].reset_index(drop=True)
    group_names = ([g for g, k in zip(groups, keep) if k] if groups is not None
                   else ([str(v) for v in rows[label]] if label else [""] * len(rows)))
    ax = _axes(ax, (8, 0.42 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    det, pas, pro = (rows[c].to_numpy(float) for c in ("detractors", "passives", "promoters"))
    ax.barh(y, -det, color=PALETTE["detractors"], label=names[0])
    ax.barh(y, pas, color=PALETTE["passives"], label=names[1])
    ax.barh(y, pro, left=pas, color=PALETTE["promoters"], label=names[2])
    for yy, d, p, q in zip(y, det, pas, pro):
        ax.text(-d / 2, yy, f"{d:.0f}", va="center", ha="center", color="black", fontsize=8)
        ax.text(p + q / 2, yy, f"{q:.0f}", va="center", ha="center", color="white", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, group_names)
    ax.set_xlim(-100, 100)
    ax.set_xlabel("%")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              fontsize="small")
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------------------------
# the report's charts


def chart_html(figure, alt: str, css_class: str = "kirc-chart") -> str:
    """A figure as ``<img>`` with an SVG data URI and alt text (the figure is closed)."""
    svg = chart_svg(figure)
    plt.close(figure)
    data = base64.b64encode(svg).decode("ascii")
    width = figure.get_size_inches()[0] * 96
    return (f'<img class="{css_class}" src="data:image/svg+xml;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" style="max-width: {width:.0f}px">')


class held_collection:
    """Context manager: no cyclic garbage collection while one chart is built and written.

    A figure is tens of thousands of objects in reference cycles, alive until it is closed.
    Collections during its life scan it again and again and promote it to the oldest
    generation, which then fills up: Python scans the whole kernel (survey frames, pandas,
    IPython), about 0.2 s once per report, in the middle of the charts. Held, the figure
    dies young: the first collection after the block frees it. Drop the last reference to
    the figure inside the block. Does nothing if the collector is already off.
    """

    def __enter__(self):
        self._held = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        if self._held:
            gc.enable()
        return False


#: The size attributes of the ``<svg>`` element matplotlib writes.
_SVG_SIZE = re.compile(rb'<svg ([^>]*?)width="([0-9.]+)pt" height="([0-9.]+)pt" '
                       rb'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def _pt(inches: float) -> str:
    return f"{inches * 72:f}".rstrip("0").rstrip(".")      # as matplotlib writes SVG numbers


def chart_svg(figure) -> bytes:
    """The figure as SVG, cropped to its tight bounding box as ``bbox_inches="tight"`` does.

    ``savefig(bbox_inches="tight")`` lays the figure out twice before it writes it: a draw
    that only measures, and the tight bounding box. Here the figure is drawn once, the tight
    box is measured right after that draw with the same renderer (its text measurements
    cached), and the ``viewBox`` of the SVG crops to it, padded by :rc:`savefig.pad_inches`.
    The image has the same size and shows the same region; the background is extended beyond
    the canvas, so that what sticks out of it (long group names, the legend below the axes) is
    on white as in a tight crop. Deterministic, like everything else in the file. Falls back
    to ``bbox_inches="tight"`` if matplotlib ever writes the ``<svg>`` element differently.
    """
    _lean(figure)
    boxes = []
    listener = figure.canvas.mpl_connect(
        "draw_event", lambda event: boxes.append(figure.get_tightbbox(event.renderer)))
    bounds = figure.patch.get_bbox().bounds
    figure.patch.set_bounds(-1, -1, 3, 3)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        figure.canvas.mpl_disconnect(listener)
        figure.patch.set_bounds(*bounds)
    svg = buffer.getvalue()
    head = _SVG_SIZE.search(svg, 0, 2000)
    height = figure.get_size_inches()[1]
    if not boxes or head is None or float(head[3]) != float(_pt(height)):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        return buffer.getvalue()
    box = boxes[-1].padded(matplotlib.rcParams["savefig.pad_inches"])
    width, height_pt = _pt(box.width), _pt(box.height)
    size = (f'width="{width}pt" height="{height_pt}pt" '
            f'viewBox="{_pt(box.x0)} {_pt(height - box.y1)} {width} {height_pt}"')
    return svg[:head.start()] + b"<svg " + head[1] + size.encode() + svg[head.end():]


def _grid_layout(figure, rows: int, columns: int, margins=(0.65, 0.2, 0.4, 0.46),
                 gaps=(0.65, 0.7)) -> None:
    """Small multiples spaced by fixed margins and gaps in inches (left, right, top, bottom;
    between columns, between rows).

    What ``tight_layout`` measured for the trend chart (tick labels, one-line titles, the
    years below), without its measuring draw: a tenth of a second per report. The SVG is
    cropped to what is drawn anyway (:func:`chart_svg`), so only the gaps matter.
    """
    width, height = figure.get_size_inches()
    left, right, top, bottom = margins
    axis_width = (width - left - right - (columns - 1) * gaps[0]) / columns
    axis_height = (height - top - bottom - (rows - 1) * gaps[1]) / rows
    figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                           bottom=bottom / height, wspace=gaps[0] / axis_width,
                           hspace=gaps[1] / axis_height)


def trend_chart(trend: pd.DataFrame, report):
    """Small multiples: each indicator per year with its band; gaps where suppressed."""
    labels = LABELS[report.language]
    language = report.language
    keys = list(dict.fromkeys(trend["metric"]))
    columns = 2 if len(keys) > 1 else 1
    rows = math.ceil(len(keys) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 2.9 * rows),
                                squeeze=False)
    items, gaps = [], []
    indicators = {i.key: i for i in report.indicators}
    for ax, key in zip(axes.flat, keys):
        part = trend[trend["metric"] == key].sort_values("year")
        indicator = indicators[key]
        breaks = sorted(part.loc[part["series_break"], "year"])
        trend_plot(part, ax=ax, title=indicator.name(language), min_n=1, unit=indicator.unit,
                   language=language, breaks=breaks, scale=indicator.scale)
        ax.set_ylabel("")
        shown = part[~part["suppressed"]]
        if len(shown):
            first, last = shown.iloc[0], shown.iloc[-1]
            items.append(labels["trend_alt_item"].format(
                label=indicator.name(language), start=format_value(first["estimate"],
                                                                   indicator.unit, language),
                start_year=int(first["year"]), end=format_value(last["estimate"],
                                                                indicator.unit, language),
                end_year=int(last["year"])))
        for _, row in part[part["suppressed"]].iterrows():
            gaps.append(f"{indicator.name(language)} {int(row['year'])}")
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    _grid_layout(figure, rows, columns)
    years = sorted(trend["year"].unique())
    alt = labels["trend_alt"].format(first=years[0], last=years[-1], items="; ".join(items))
    if gaps:
        alt += labels["trend_alt_gaps"].format(items=", ".join(gaps))
    return figure, alt, gaps


def breakdown_chart(table: pd.DataFrame, by: str, indicator, report, total: float | None):
    """One indicator by one breakdown: sorted dots with intervals and the labelled total."""
    labels = LABELS[report.language]
    language = report.language
    names = [report.category(v) for v in table[by]]
    total_text = format_value(total, indicator.unit, language) if total is not None else "–"
    ax = forest_plot(table, by, unit=indicator.unit, language=language, names=names,
                     reference=total, scale=indicator.scale,
                     reference_label=f"{labels['total']} {total_text}",
                     title=indicator.name(language))
    shown = [f"{name} {format_value(e, indicator.unit, language)}" for name, e, s in
             zip(names, table["estimate"], table["suppressed"]) if not s]
    hidden = [name for name, s in zip(names, table["suppressed"]) if s]
    by_words = f"{labels['by']} {_by_word(report, by)}"
    alt = labels["forest_alt"].format(label=indicator.name(language), by=by_words,
                                      year=report.year, items="; ".join(shown),
                                      total_word=labels["total"], total=total_text)
    if hidden:
        alt += labels["forest_alt_hidden"].format(items=", ".join(hidden))
    return ax.figure, alt


def _by_word(report, by: str) -> str:
    labels = LABELS[report.language]
    return (labels.get(by) or by).lower() if isinstance(labels.get(by, by), str) else by


def composition_chart(table: pd.DataFrame, by: str, report):
    """The NPS composition per group (suppressed groups left out)."""
    labels = LABELS[report.language]
    shown = table[~table["suppressed"].fillna(False).astype(bool)]
    groups = [report.category(v) for v in shown[by]]
    ax = composition_plot(shown, by, names=labels["nps_groups"], language=report.language,
                          groups=groups, title=f"NPS {report.year}")
    items = [labels["composition_item"].format(group=g, det=f"{d:.0f}", pas=f"{p:.0f}",
                                               pro=f"{q:.0f}")
             for g, d, p, q in zip(groups, shown["detractors"], shown["passives"],
                                   shown["promoters"])]
    alt = labels["composition_alt"].format(by=_by_word(report, by), year=report.year,
                                           items="; ".join(items))
    return ax.figure, alt


def trend_figure(consumers, organisations=None, language: str = "nl"):
    """Compatibility: the trend small multiples of the frames' indicators (a Figure)."""
    from .content import _report_of, trend_table
    year = int(consumers["year"].max())
    report = _report_of(consumers, organisations, year, language)
    figure, _, _ = trend_chart(trend_table(report), report)
    return figure
