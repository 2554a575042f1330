"""Plots of tidy metric tables (seaborn style: tidy data in, a matplotlib Axes out).

Three plots carry the annual report:

- :func:`trend_plot`: a metric per year with its confidence band;
- :func:`forest_plot`: a metric per group with interval whiskers, suppressed groups greyed out;
- :func:`composition_plot`: detractors / passives / promoters as a diverging stacked bar.

Each takes the DataFrame that :mod:`kirc.metrics` returns (columns ``estimate``, ``ci_low``,
``ci_high``, ``n`` and the grouping columns), so a researcher can plot any metric by any column.
Figures are deterministic (no timestamps in the PNG metadata) so re-rendered reports are
identical.
"""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from .. import config
from .texts import check_language

__all__ = ["set_style", "trend_plot", "forest_plot", "composition_plot", "trend_figure", "PALETTE"]

#: Detractors, passives, promoters.
PALETTE = {"detractors": "#c0392b", "passives": "#bdc3c7", "promoters": "#27ae60"}
_GREY = "#b0b0b0"


def set_style() -> None:
    """House style: seaborn's whitegrid, readable sizes, PNGs without a creation date."""
    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (8, 4),
                         "axes.titleweight": "bold", "svg.hashsalt": "kirc"})


def _axes(ax, size=(8, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def trend_plot(data: pd.DataFrame, x: str = "year", hue: str | None = None, ax=None,
               title: str | None = None, ylabel: str | None = None,
               min_n: int = 30):
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
        Points based on fewer answers are drawn hollow and left out of the line.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [2018, 2019], "estimate": [59.0, 61.0],
    ...                   "ci_low": [55.0, 57.5], "ci_high": [63.0, 64.5], "n": [500, 520]})
    >>> ax = trend_plot(t, title="Chatbot")
    >>> len(ax.lines), len(ax.collections) >= 1
    (1, True)
    """
    ax = _axes(ax)
    groups = [(None, data)] if hue is None else list(data.groupby(hue, observed=True, sort=False))
    colours = sns.color_palette("colorblind", max(len(groups), 1))
    for colour, (name, rows) in zip(colours, groups):
        rows = rows.sort_values(x)
        reliable = rows[rows["n"] >= min_n]
        small = rows[(rows["n"] < min_n) & (rows["n"] > 0)]
        ax.fill_between(reliable[x], reliable["ci_low"], reliable["ci_high"], color=colour,
                        alpha=0.2, linewidth=0)
        ax.plot(reliable[x], reliable["estimate"], marker="o", color=colour,
                label=None if name is None else str(name))
        if len(small):
            ax.scatter(small[x], small["estimate"], facecolors="none", edgecolors=_GREY,
                       zorder=3)
    ax.set_xticks(sorted(pd.unique(data[x])))
    ax.set_xlabel("")
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if hue is not None:
        ax.legend(frameon=False, fontsize="small", ncol=2)
    return ax


def forest_plot(data: pd.DataFrame, label: str, ax=None, title: str | None = None,
                xlabel: str | None = None, reference: float | None = None,
                suppressed_text: str = "onderdrukt",
                complementary_text: str = "aanvullend onderdrukt"):
    """A metric per group as points with interval whiskers; suppressed groups greyed out.

    Parameters
    ----------
    data : pandas.DataFrame
        A metric table with the column ``label``; rows with a ``suppressed`` column set (or
        missing estimates) are shown as a grey note instead of a point.
    label : str
        The grouping column to label rows with.
    reference : float, optional
        A vertical reference line (for example the overall figure).
    suppressed_text, complementary_text : str
        Shown in place of a suppressed figure, and beside a group that is suppressed only so
        that another cannot be worked back (complementary suppression).

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
    ['telecom (n=400)', 'retail (n=12)']
    """
    rows = data.reset_index(drop=True)
    ax = _axes(ax, (8, 0.45 * len(rows) + 1.2))
    suppressed = rows["suppressed"].to_numpy(bool) if "suppressed" in rows else \
        rows["estimate"].isna().to_numpy()
    y = np.arange(len(rows))[::-1]
    shown = ~suppressed
    estimate, low, high = (rows.loc[shown, c].to_numpy(float)
                           for c in ("estimate", "ci_low", "ci_high"))
    ax.errorbar(estimate, y[shown], xerr=[estimate - low, high - estimate],
                fmt="o", color="#1f4e79", ecolor="#1f4e79", capsize=3)
    finite = rows.loc[shown, ["ci_low", "ci_high"]].to_numpy(float)
    centre = np.nanmean(finite) if finite.size and np.isfinite(finite).any() else 0.0
    for yy in y[suppressed]:
        ax.text(centre, yy, suppressed_text, color=_GREY, va="center", ha="center",
                fontstyle="italic")
    reasons = rows["suppression"] if "suppression" in rows else pd.Series([None] * len(rows))
    reasons = [complementary_text if r == "complementary" else r for r in reasons]
    names = [f"{value} ({reason})" if pd.isna(n) else f"{value} (n={int(n):,})".replace(",", ".")
             for value, n, reason in zip(rows[label].astype(str), rows["n"], reasons)]
    ax.set_yticks(y, names)
    for tick, small in zip(ax.get_yticklabels(), suppressed):
        if small:
            tick.set_color(_GREY)
    if reference is not None and np.isfinite(reference):
        ax.axvline(reference, color="#888888", linestyle="--", linewidth=1)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    return ax


def composition_plot(data: pd.DataFrame, label: str | None = None, ax=None,
                     title: str | None = None,
                     names: tuple[str, str, str] = ("criticasters", "passives", "promotors")):
    """NPS composition: detractors to the left of zero, passives and promoters to the right.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`kirc.nps` (columns ``detractors``, ``passives``, ``promoters``).
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
    rows = data[data["n"] > 0].reset_index(drop=True)
    ax = _axes(ax, (8, 0.45 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    det, pas, pro = (rows[c].to_numpy(float) for c in ("detractors", "passives", "promoters"))
    ax.barh(y, -det, color=PALETTE["detractors"], label=names[0])
    ax.barh(y, pas, color=PALETTE["passives"], label=names[1])
    ax.barh(y, pro, left=pas, color=PALETTE["promoters"], label=names[2])
    for yy, d, p, q in zip(y, det, pas, pro):
        ax.text(-d / 2, yy, f"{d:.0f}", va="center", ha="center", color="white", fontsize=8)
        ax.text(p + q / 2, yy, f"{q:.0f}", va="center", ha="center", color="white", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    labels = [str(v) for v in rows[label]] if label else [""] * len(rows)
    ax.set_yticks(y, labels)
    ax.set_xlabel("%")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18),
              fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def trend_figure(consumers: pd.DataFrame, organisations: pd.DataFrame | None,
                 language: str = "nl"):
    """Small multiples: each headline indicator per year with its 95% interval band."""
    import matplotlib.pyplot as plt

    from .content import HEADLINE_METRICS
    labels = check_language(language)
    frames = {"consumers": consumers, "organisations": organisations}
    panels = []
    for metric in HEADLINE_METRICS:
        data = frames[metric.source]
        if data is None or metric.column not in data.columns or metric.key == "csat_mean":
            continue
        panels.append((metric, metric.compute(data, by="year")))
    columns = 2
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(11, 3.2 * rows), squeeze=False)
    for ax, (metric, table) in zip(axes.flat, panels):
        min_n = int(frames[metric.source].attrs.get("min_n", config.MIN_N))
        trend_plot(table, ax=ax, title=labels[metric.key], min_n=min_n,
                         ylabel=labels["points"] if metric.unit == "points" else "%")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    figure.tight_layout()
    return figure
