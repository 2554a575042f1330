"""Plots of kirc's results, one call each, in seaborn's axes-level style.

Each function takes a result of the package (:func:`kirc.nps`, :func:`kirc.trend`,
:func:`kirc.change`, :func:`kirc.crosstab`, :func:`kirc.drivers`, ...) and returns the
matplotlib ``Axes`` it drew on (``ax=`` draws on yours):

================  ===========================================================================
:func:`estimates`  a dot and its interval per group, sorted, ``n`` in the labels, the total or
                   the market as a dashed line
:func:`trend`      a line per group over the years with its interval band; a suppressed year
                   is a gap, a questionnaire break a dotted line
:func:`change`     the change per group with its interval around zero; significant ones filled
:func:`composition` the NPS as detractors left of zero, passives and promoters right of it
:func:`crosstab`   column percentages as stacked bars, with the letters of significantly
                   higher columns (a multiple-response question: a bar per column and option)
:func:`drivers`    importance with its interval, largest first
:func:`agreement`  Krippendorff's alpha per criterion of a rater calibration, against .667/.800
:func:`deviations` each rater's mean deviation from the others per criterion, as a heatmap
================  ===========================================================================

Every function applies the one small-base rule (:mod:`kirc.disclose`): a figure on fewer than
the survey's ``min_n`` answers is not drawn and a note under the axes names it; a figure on a
low effective base is drawn hollow with the low-base mark. Axis labels and numbers are in the
survey's language, as the display of the same result (:mod:`kirc.display`). What is drawn for
a result — which rows, in which order, with which label and mark — is :func:`layout`, which
the report's charts use too.

Examples
--------
>>> import pandas as pd, kirc
>>> answers = pd.DataFrame({"nps": [10, 9, 7, 3, 10, 8] * 10, "sector": ["a", "b"] * 30})
>>> ax = kirc.plot.estimates(kirc.nps(answers, "nps", by="sector"))
>>> [label.get_text() for label in ax.get_yticklabels()]
['a (n = 30)', 'b (n = 30)']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import disclose
from .display import View, figure_text, view_of
from .errors import ParameterError
from .report.formatting import axis_formatter, format_count, format_number
from .report.texts import DISPLAY_TEXT, LABELS

__all__ = ["estimates", "trend", "change", "composition", "crosstab", "drivers", "agreement",
           "deviations", "layout", "PALETTE", "SERIES"]

#: Okabe & Ito (2008) colour-blind-safe colours: detractors, passives, promoters.
PALETTE = {"detractors": "#D55E00", "passives": "#BBBBBB", "promoters": "#0072B2"}
#: Colours of lines and points (Okabe & Ito, blue first).
SERIES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
          "#000000"]
#: The total, the market and zero.
REFERENCE = "#555555"


# --------------------------------------------------------------------------------------------
# what is drawn


def _view(result, kinds, function: str) -> View:
    view = view_of(result)
    if view is None or view.kind not in kinds:
        raise ParameterError(f"kirc.plot.{function}() draws a result of "
                             f"{' or '.join(kinds)} from kirc (such as kirc.nps(...)); got "
                             f"{'a plain DataFrame' if view is None else 'a ' + view.kind}")
    return view


def _name(row, keys) -> str:
    parts = []
    for key in keys:
        value = row[key]
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        parts.append("–" if pd.isna(value) else str(value))
    return " · ".join(parts)


def layout(result, *, keys=None, sort: bool = True, value: str | None = None) -> dict:
    """What a chart of ``result`` draws: the shown rows in order, and the suppressed ones.

    Parameters
    ----------
    result : kirc result
    keys : list of str, optional
        The columns that name a row (default the result's groups).
    sort : bool, default True
        Largest figure first.
    value : str, optional
        The figure's column (default the view's: ``estimate``, a driver's ``importance``).

    Returns
    -------
    dict
        ``rows``: a DataFrame of the drawn rows (``name``, ``label`` — the name with its ``n``
        and the low-base mark —, ``value``, ``ci_low``, ``ci_high``, ``low_base``, the
        result's columns), ``hidden``: the names of the suppressed rows, ``shown``: a
        boolean per row of ``result`` (in its order), ``view``.
    """
    view = view_of(result)
    keys = list(view.keys if keys is None else keys)
    value = value or view.value
    frame = pd.DataFrame(result).reset_index(drop=True)
    hidden = np.zeros(len(frame), dtype=bool)
    empty = np.zeros(len(frame), dtype=bool)
    for column in view.counts:
        counts = pd.to_numeric(frame[column], errors="coerce")
        hidden |= disclose.hidden(counts, view.min_n)
        empty |= ~(counts > 0).to_numpy()
    hidden |= frame[value].isna().to_numpy()
    low = frame["flag"].astype(str).str.startswith("n<").to_numpy() if "flag" in frame \
        else np.zeros(len(frame), dtype=bool)
    names = [_name(row, keys) for _, row in frame.iterrows()]
    counts = [c for c in view.counts if c in frame] or [
        c for c in view.also if isinstance(c, str) and c in frame]
    labels = []
    for (_, row), name, mark in zip(frame.iterrows(), names, low):
        text = name
        if counts:
            n = " / ".join(format_count(row[c], view.language) for c in counts)
            text = f"{name} (n = {n})"
        labels.append(disclose.marked(text, bool(mark)))
    rows = frame.assign(name=names, label=labels, value=frame[value].astype(float),
                        low_base=low)[~hidden]
    if sort:
        rows = rows.sort_values("value", ascending=False, kind="stable")
    # a group without answers is not a suppressed figure: it is not named
    return {"rows": rows.reset_index(drop=True),
            "hidden": [n for n, h, e in zip(names, hidden, empty) if h and not e],
            "shown": ~hidden, "view": view}


# --------------------------------------------------------------------------------------------
# shared pieces


def _axes(ax, size):
    if ax is None:
        # imported here: the colours and layout() serve the report's SVG charts, which do not
        # need matplotlib (about 0.3 s to import in each report kernel)
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def _row_axes(ax, rows, width: float = 7):
    """The Axes of a chart with a row per group, sized to the rows, and the rows' positions
    from the top."""
    ax = _axes(ax, (width, 0.45 * max(len(rows), 1) + 1.6))
    return ax, np.arange(len(rows))[::-1]


def _axis_label(view: View, *, difference: bool = False) -> str:
    labels = LABELS[view.language]
    if difference:
        return (f"{DISPLAY_TEXT[view.language]['change']} "
                f"({labels['pp_words'] if view.unit == 'percent' else labels['points']})")
    return {"percent": labels["axis_percent"], "points": labels["axis_points"],
            "score": labels["axis_score"]}.get(view.unit, view.title)


def _value_axis(ax, view: View, axis: str = "x", *, difference: bool = False,
                limits=None) -> None:
    """Origin and ticks of a value axis in the survey's language: shares 0–100, the NPS around
    zero, a difference around zero."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    setter = ax.set_xlim if axis == "x" else ax.set_ylim
    low, high = limits if limits is not None else (ax.get_xlim() if axis == "x"
                                                   else ax.get_ylim())
    decimals = 2 if view.unit in ("score", "coefficient") else 0
    if difference or view.unit == "points":
        bound = max(abs(low), abs(high))
        step = 10.0 if view.unit in ("percent", "points") else 0.5
        bound = max(step, math.ceil(bound / step) * step)
        setter(-bound, bound)
        target.set_major_formatter(axis_formatter(view.language, decimals=decimals if
                                                  view.unit == "score" else 0, sign=True))
        (ax.axvline if axis == "x" else ax.axhline)(0, color=REFERENCE, linewidth=0.8)
    elif view.unit == "percent":
        setter(0, 100)
        target.set_major_formatter(axis_formatter(view.language))
    else:
        target.set_major_formatter(axis_formatter(view.language, decimals=1))
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(_axis_label(view, difference=difference))


def _notes(ax, view: View, hidden, marked: bool) -> None:
    """Under the axes: what is not drawn (suppressed) and what the mark means."""
    words = DISPLAY_TEXT[view.language]
    lines = []
    if hidden:
        lines.append(LABELS[view.language]["gap_note"].format(items="; ".join(hidden)))
    if marked:
        lines.append(words["low_base"].format(mark=disclose.LOW_BASE_MARK, min_n=view.min_n))
    if lines:
        # below the axis label, in the axes' own coordinates: an Axes of a larger figure
        # keeps its note; a tight bounding box (Jupyter's inline figures) includes it
        ax.annotate("\n".join(lines), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -42), textcoords="offset points", fontsize="small",
                    color=REFERENCE, ha="left", va="top", wrap=True)


def _interval(ax, rows, y, colour, *, horizontal=True, filled=None) -> None:
    value = rows["value"].to_numpy(float)
    low = rows["ci_low"].to_numpy(float)
    high = rows["ci_high"].to_numpy(float)
    # a bound a rounding error beyond the figure (Wilson's 1e-15 at 0 of n) is drawn at it
    below = np.clip(np.nan_to_num(value - low), 0, None)
    above = np.clip(np.nan_to_num(high - value), 0, None)
    filled = ~rows["low_base"].to_numpy(bool) if filled is None else filled
    for yy, v, b, a, full in zip(y, value, below, above, filled):
        ax.errorbar(v if horizontal else yy, yy if horizontal else v,
                    xerr=[[b], [a]] if horizontal else None,
                    yerr=None if horizontal else [[b], [a]], fmt="o", color=colour,
                    ecolor=colour, capsize=3, markerfacecolor=colour if full else "white",
                    markersize=6)


def _reference(ax, value, text: str) -> None:
    if value is None or not np.isfinite(value):
        return
    ax.axvline(value, color=REFERENCE, linestyle="--", linewidth=1)
    ax.annotate(text, xy=(value, 1.0), xycoords=("data", "axes fraction"), xytext=(3, 2),
                textcoords="offset points", fontsize="small", color=REFERENCE, ha="left",
                va="bottom")


def _total(total, view: View):
    """The reference line: a number, or the one-row result of the same measure overall."""
    if total is None:
        return None, ""
    words = LABELS[view.language]
    if isinstance(total, pd.DataFrame):
        if len(total) != 1 or "estimate" not in total:
            raise ParameterError("total= is a number or a one-row result of the same measure "
                                 "without by= (such as kirc.nps(data, 'nps'))")
        total = float(total["estimate"].iloc[0])
    total = float(total)
    return total, f"{words['total']} {figure_text(total, view.unit, view.language)}"


# --------------------------------------------------------------------------------------------
# the plots


def estimates(result, *, total=None, sort: bool = True, ax=None, color: str = SERIES[0]):
    """A figure per group: a dot with its interval, sorted, ``n`` in the labels.

    Parameters
    ----------
    result : kirc result
        Of :func:`kirc.nps`, :func:`kirc.csat`, :func:`kirc.share`, :func:`kirc.mean_score`,
        :func:`kirc.estimate`, :func:`kirc.compare_groups` or :func:`kirc.multiple_response`.
    total : float or one-row result, optional
        A dashed reference line: the total, or the market beside a segment.
    sort : bool, default True
        Largest figure on top.
    ax : matplotlib Axes, optional
    color : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"ok": [1] * 40 + [0] * 20 + [1] * 5 + [0] * 5,
    ...                    "kanaal": ["chat"] * 60 + ["mail"] * 10})
    >>> ax = kirc.plot.estimates(kirc.share(df, "ok", by="kanaal"))
    >>> [label.get_text() for label in ax.get_yticklabels()]      # mail (n = 10): suppressed
    ['chat (n = 60)']
    """
    view = _view(result, ("estimates",), "estimates")
    drawn = layout(result, sort=sort)
    rows = drawn["rows"]
    ax, y = _row_axes(ax, rows)
    _interval(ax, rows, y, color)
    ax.set_yticks(y, list(rows["label"]))
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    reference, text = _total(total, view)
    values = np.r_[rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float),
                   [reference] if reference is not None else []]
    values = values[np.isfinite(values)]
    limits = (values.min(), values.max()) if len(values) else (0, 1)
    _value_axis(ax, view, "x", limits=limits)
    if view.unit not in ("percent", "points"):
        pad = 0.05 * (limits[1] - limits[0] or 1)
        ax.set_xlim(limits[0] - pad, limits[1] + pad)
    _reference(ax, reference, text)
    ax.set_title(view.caption or view.title, pad=14 if reference is not None else 6)
    _notes(ax, view, drawn["hidden"], bool(rows["low_base"].any()))
    return ax


def trend(result, *, breaks=(), ax=None):
    """A line per group over the years with its interval as a band.

    Parameters
    ----------
    result : kirc result
        Of :func:`kirc.trend` (with or without ``by=``).
    breaks : sequence of int
        Years of a new questionnaire: a dotted line before each.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    view = _view(result, ("estimates",), "trend")
    year = next((k for k in view.keys if k in ("year", "jaar")), view.keys[0] if view.keys
                else None)
    if year is None:
        raise ParameterError("kirc.plot.trend() draws a result per year (kirc.trend(...))")
    groups = [k for k in view.keys if k != year]
    drawn = layout(result, keys=[year, *groups], sort=False)
    visible = drawn["shown"]
    frame = pd.DataFrame(result).reset_index(drop=True)
    frame["name"] = [_name(row, groups) for _, row in frame.iterrows()] if groups else ""
    ax = _axes(ax, (8, 4))
    years = sorted(pd.unique(frame[year]))
    for colour, (name, rows) in zip(SERIES * 4, frame.assign(_v=visible)
                                    .groupby("name", sort=False)):
        rows = rows.sort_values(year)
        show = rows["_v"].to_numpy()
        x = rows[year].to_numpy(float)
        value = rows["estimate"].where(show).to_numpy(float)
        ax.fill_between(x, rows["ci_low"].where(show).to_numpy(float),
                        rows["ci_high"].where(show).to_numpy(float), color=colour, alpha=0.18,
                        linewidth=0)
        ax.plot(x, value, marker="o", markersize=4, color=colour,
                label=str(name) if groups and show.any() else None)
        low = show & rows["flag"].astype(str).str.startswith("n<").to_numpy()
        if low.any():
            ax.plot(x[low], value[low], "o", markersize=6, markerfacecolor="white",
                    color=colour)
    for year_of_break in breaks:
        ax.axvline(year_of_break - 0.5, color=REFERENCE, linestyle=":", linewidth=1.2)
        ax.annotate(LABELS[view.language]["series_break"], xy=(year_of_break - 0.5, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", fontsize="small", color=REFERENCE)
    ax.set_xticks(years, [str(int(y)) if len(years) <= 6 else f"’{int(y) % 100:02d}"
                          for y in years])
    ax.set_xlabel("")
    values = np.r_[frame["ci_low"].where(visible).to_numpy(float),
                   frame["ci_high"].where(visible).to_numpy(float)]
    values = values[np.isfinite(values)]
    _value_axis(ax, view, "y", limits=(values.min(), values.max()) if len(values) else (0, 1))
    ax.set_title(view.caption or view.title)
    if groups:
        ax.legend(frameon=False, fontsize="small", ncol=2)
    hidden = {}
    for (_, row), shown in zip(frame.iterrows(), visible):
        if not shown and row["n"] > 0:
            hidden.setdefault(_name(row, [year]), []).append(row["name"])
    _notes(ax, view, [f"{when} ({', '.join(names)})" if groups else when
                      for when, names in hidden.items()],
           bool(drawn["rows"]["low_base"].any()))
    return ax


def change(result, *, sort: bool = True, ax=None):
    """The change per group between two years (or a contrast per group) with its interval
    around zero; significant changes are filled, others hollow.

    Parameters
    ----------
    result : kirc result
        Of :func:`kirc.change` or :func:`kirc.contrast`.
    sort : bool, default True
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    view = _view(result, ("change", "contrast"), "change")
    keys = list(view.keys) + (["versus"] if view.kind == "contrast" and
                              result["versus"].nunique() > 1 else [])
    drawn = layout(result, keys=keys or None, sort=sort)
    rows = drawn["rows"]
    if not keys:
        rows = rows.assign(label=[f"{int(a)}–{int(b)}" for a, b in
                                  zip(rows["year_from"], rows["year_to"])])
    ax, y = _row_axes(ax, rows)
    significant = rows["significant"].fillna(False).to_numpy(bool)
    _interval(ax, rows, y, SERIES[0], filled=significant)
    ax.set_yticks(y, list(rows["label"]))
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    values = np.r_[rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)]
    values = values[np.isfinite(values)]
    _value_axis(ax, view, "x", difference=True,
                limits=(values.min(), values.max()) if len(values) else (-1, 1))
    title = view.caption or view.title
    if view.kind == "change" and len(rows):
        title += f", {int(rows['year_from'].iloc[0])}–{int(rows['year_to'].iloc[0])}"
    ax.set_title(title)
    _notes(ax, view, drawn["hidden"], bool(rows["low_base"].any()))
    return ax


def composition(result, *, ax=None):
    """The NPS per group as its parts: detractors left of zero, passives and promoters right.

    Parameters
    ----------
    result : kirc result
        Of :func:`kirc.nps` or :func:`kirc.trend` with the NPS.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    view = _view(result, ("estimates",), "composition")
    if "promoters" not in result:
        raise ParameterError("kirc.plot.composition() draws an NPS result (kirc.nps(...))")
    drawn = layout(result, sort=False)
    rows = drawn["rows"]
    labels = LABELS[view.language]
    ax, y = _row_axes(ax, rows, width=8)
    det, pas, pro = (rows[c].to_numpy(float) for c in ("detractors", "passives", "promoters"))
    names = labels["nps_groups"]
    ax.barh(y, -det, color=PALETTE["detractors"], label=names[0])
    ax.barh(y, pas, color=PALETTE["passives"], label=names[1])
    ax.barh(y, pro, left=pas, color=PALETTE["promoters"], label=names[2])
    for yy, d, p, q in zip(y, det, pas, pro):
        ax.text(-d / 2, yy, format_number(d, 0, view.language), va="center", ha="center",
                fontsize=8)
        ax.text(p + q / 2, yy, format_number(q, 0, view.language), va="center", ha="center",
                color="white", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, list(rows["label"]))
    ax.set_xlim(-100, 100)
    ax.set_xlabel(labels["axis_percent"])
    ax.xaxis.set_major_formatter(axis_formatter(view.language, absolute=True))
    ax.legend(frameon=False, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              fontsize="small")
    ax.set_title(view.caption or view.title, pad=24)
    _notes(ax, view, drawn["hidden"], bool(rows["low_base"].any()))
    return ax


def crosstab(result, *, ax=None):
    """Column percentages of :func:`kirc.crosstab` as a stacked bar per column, each part with
    its percentage and the letters of the columns it is significantly higher than.

    Returns
    -------
    matplotlib.axes.Axes
    """
    view = _view(result, ("crosstab",), "crosstab")
    row_key, column_key = view.keys
    frame = pd.DataFrame(result)
    columns = list(dict.fromkeys(frame[column_key]))
    answers = list(dict.fromkeys(frame[row_key]))
    base = frame.drop_duplicates(column_key).set_index(column_key)
    hidden = disclose.hidden(base["n"].to_numpy(float), view.min_n)
    shown = [c for c, h in zip(columns, hidden) if not h]
    if view.several:
        return _several(frame, view, answers, shown, base, ax)
    ax = _axes(ax, (8, 0.5 * max(len(shown), 1) + 1.8))
    y = np.arange(len(shown))[::-1]
    left = np.zeros(len(shown))
    for colour, answer in zip(SERIES * 4, answers):
        part = frame[frame[row_key] == answer].set_index(column_key).loc[shown]
        width = part["percent"].to_numpy(float)
        ax.barh(y, width, left=left, color=colour, label=str(answer))
        for yy, x0, w, letters in zip(y, left, width, part["higher_than"]):
            if w >= 7:
                text = format_number(w, 0, view.language) + (f" {letters}" if letters else "")
                ax.text(x0 + w / 2, yy, text, ha="center", va="center", fontsize=8,
                        color="white" if colour in SERIES[:1] + SERIES[5:6] + SERIES[7:]
                        else "black")
        left += width
    letters = base.loc[shown, "letter"] if "letter" in base else [""] * len(shown)
    low = base.loc[shown, "flag"].astype(str).str.startswith("n<").to_numpy()
    ax.set_yticks(y, [disclose.marked(f"{c} ({letter}, n = "
                                      f"{format_count(base.loc[c, 'n'], view.language)})",
                                      bool(m)) for c, letter, m in zip(shown, letters, low)])
    _percent_axis(ax, view, legend_columns=min(len(answers), 5))
    _notes(ax, view, [str(c) for c, h in zip(columns, hidden) if h], bool(low.any()))
    return ax


def _percent_axis(ax, view, legend_columns: int) -> None:
    """A crosstab's 0–100% axis in the survey's language, its legend above, its caption."""
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(axis_formatter(view.language))
    ax.set_xlabel(LABELS[view.language]["axis_percent"])
    ax.legend(frameon=False, ncol=legend_columns, loc="lower center",
              bbox_to_anchor=(0.5, 1.0), fontsize="small")
    ax.set_title(view.caption, pad=24)


def _several(frame, view, answers, shown, base, ax):
    """A multiple-response crosstab: per option a bar for each column (the parts of a column
    add up to more than 100%, so they are not stacked), with the letters."""
    row_key, column_key = view.keys
    height = 0.8 / max(len(shown), 1)
    ax = _axes(ax, (8, 0.35 * len(answers) * max(len(shown), 1) + 1.8))
    y = np.arange(len(answers))[::-1].astype(float)
    for k, (colour, column) in enumerate(zip(SERIES * 4, shown)):
        part = frame[frame[column_key] == column].set_index(row_key).loc[answers]
        offset = y + 0.4 - height * (k + 0.5)
        widths = part["percent"].to_numpy(float)
        letter = base.loc[column, "letter"] if "letter" in base else ""
        ax.barh(offset, widths, height=height * 0.9, color=colour,
                label=f"{column} ({letter}, n = "
                      f"{format_count(base.loc[column, 'n'], view.language)})")
        for yy, w, letters in zip(offset, widths, part["higher_than"]):
            if letters:
                ax.text(w + 0.5, yy, letters, va="center", fontsize=7)
    ax.set_yticks(y, [str(a) for a in answers])
    _percent_axis(ax, view, legend_columns=min(len(shown), 4))
    _notes(ax, view, [str(c) for c in base.index if c not in shown],
           bool(base["flag"].astype(str).str.startswith("n<").any()))
    return ax


def drivers(result, *, ax=None, color: str = SERIES[0]):
    """Importance of each predictor (% of the explained variance) with its interval, largest
    on top.

    Returns
    -------
    matplotlib.axes.Axes
    """
    view = _view(result, ("drivers",), "drivers")
    drawn = layout(result, sort=True)
    rows = drawn["rows"]
    ax, y = _row_axes(ax, rows)
    value = rows["value"].to_numpy(float)
    below = np.clip(np.nan_to_num(value - rows["ci_low"].to_numpy(float)), 0, None)
    above = np.clip(np.nan_to_num(rows["ci_high"].to_numpy(float) - value), 0, None)
    ax.barh(y, value, color=color, alpha=0.85, xerr=[below, above], ecolor=REFERENCE,
            capsize=3)
    ax.set_yticks(y, list(rows["name"]))
    ax.set_xlim(0, max(100.0 if len(value) < 3 else 0, float(np.nanmax(
        rows["ci_high"].to_numpy(float))) * 1.1 if len(rows) else 100))
    ax.xaxis.set_major_formatter(axis_formatter(view.language))
    ax.set_xlabel(view.title)
    ax.set_title(view.caption, fontsize="medium")
    _notes(ax, view, drawn["hidden"], bool(rows["low_base"].any()))
    return ax


def agreement(result, *, ax=None):
    """Krippendorff's alpha per criterion (:func:`kirc.calibration_table`) with its interval,
    against the customary thresholds .667 (tentative conclusions) and .800 (reliable):
    below .667 red, up to .800 amber, above blue.

    Returns
    -------
    matplotlib.axes.Axes
    """
    view = _view(result, ("agreement",), "agreement")
    rows = layout(result, sort=True)["rows"]
    ax, y = _row_axes(ax, rows)
    value = rows["value"].to_numpy(float)
    colours = np.where(value >= 0.8, SERIES[0], np.where(value >= 0.667, SERIES[1],
                                                          PALETTE["detractors"]))
    if rows["ci_low"].notna().all():
        ax.hlines(y, rows["ci_low"], rows["ci_high"], color=REFERENCE, linewidth=1.5)
    ax.scatter(value, y, color=colours, zorder=3)
    for threshold in (0.667, 0.8):
        ax.axvline(threshold, color="#999999", linestyle="--", linewidth=1)
    ax.set_yticks(y, list(rows["name"]))
    low = min(0.0, float(np.nanmin(np.r_[value, rows["ci_low"].to_numpy(float)])))
    ax.set_xlim(low - 0.05, 1.02)
    ax.xaxis.set_major_formatter(axis_formatter(view.language, decimals=1))
    ax.set_xlabel(DISPLAY_TEXT[view.language]["alpha_axis"])
    return ax


def deviations(data, targets: str, raters: str, criteria, *, ax=None, language: str = "nl"):
    """Each rater's mean deviation from the others on the same contacts (:func:`kirc.rater_bias`,
    score points) per criterion, as a heatmap: red scores higher, blue lower.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    from .quality.raters import rater_bias

    columns = {}
    for criterion in criteria:
        bias = rater_bias(data[data[criterion].notna()], targets, raters, criterion)
        columns[criterion] = bias.set_index(raters)["estimate"]
    matrix = pd.DataFrame(columns)
    ax = _axes(ax, (1.1 * len(matrix.columns) + 2.5, 0.5 * len(matrix) + 1.5))
    limit = max(0.5, float(np.nanmax(np.abs(matrix.to_numpy()))))
    labels = matrix.map(lambda v: format_number(v, 1, language, sign=True))
    sns.heatmap(matrix, ax=ax, cmap="RdBu_r", center=0, vmin=-limit, vmax=limit,
                annot=labels, fmt="",
                cbar_kws={"label": DISPLAY_TEXT[language]["deviation_axis"]})
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax
