"""Results that read like a report's table in a notebook and stay tidy frames for scripts.

Every estimator of the package returns a :class:`Result`: a ``pandas.DataFrame`` with the
documented columns and full-precision numbers (``to_csv``, ``merge`` and seaborn's ``data=``
see them all), which JupyterLab shows formatted as a report would:

* the groups first, then the figure with its confidence interval in the measure's unit and the
  language of the survey's definition ("−5,0 [−13,9; +3,9]" for a Dutch survey, "41.2%" for an
  English one), then ``n``;
* a figure on fewer answers than the survey's ``min_n`` as suppressed, one on a low effective
  base with the low-base mark (both from :mod:`kirc.disclose`, the one small-base rule);
* the method, the confidence level and the marks explained in a footnote.

A terminal and ``print`` show the plain frame; ``pd.DataFrame(result)`` is a plain frame. A
frame derived from a result (a filter, a sort, a merge) keeps the display as long as it has
the columns the display needs, and falls back to pandas' own otherwise.

Examples
--------
>>> import pandas as pd, kirc
>>> answers = pd.DataFrame({"nps": [10, 9, 7, 3, 10, 8] * 10, "sector": ["a", "b"] * 30})
>>> result = kirc.nps(answers, "nps", by="sector")
>>> type(result).__name__, list(result.columns[:4])
('Result', ['sector', 'estimate', 'ci_low', 'ci_high'])
>>> print(rows(result)[0])
{'sector': 'a', 'NPS': '+66,7 [+42,4; +78,8]', 'n': '30'}
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config, disclose
from .report.formatting import format_count, format_number, format_value
from .report.texts import DISPLAY_TEXT, check_language

__all__ = ["Result", "View", "with_view", "view_of", "rows", "to_html", "interval_text",
           "p_text"]


@dataclass(frozen=True)
class View:
    """How a result reads: which columns are its groups, what unit its figures have.

    Attributes
    ----------
    kind : str
        ``"estimates"`` (a figure per group, also per year or option), ``"contrast"``,
        ``"change"``, ``"crosstab"``, ``"drivers"`` or ``"agreement"``.
    title : str
        What the figure is ("NPS", "CSAT (%)", "aandeel (%)"), the header of its column.
    unit : {"percent", "points", "score", "coefficient"}
        The unit of ``estimate``, ``ci_low`` and ``ci_high``; of a contrast or change the
        unit of the two sides (the difference of percentages is in percentage points).
    keys : tuple of str
        The group columns, shown first.
    language : {"nl", "en"}
        The survey's language (Dutch for a plain frame, as the package's reports).
    min_n : int
        The survey's small-base threshold (:func:`kirc.survey.survey.min_n_of`).
    confidence : float
    counts : tuple of str
        Count columns shown after the figure; a figure is suppressed when any is below
        ``min_n`` (the default ``("n",)``).
    caption : str
        The question: the survey construct's label, else the column.
    value : str
        The column of the figure (``"estimate"``; a driver's ``"importance"``).
    signed : bool
        The figure is a difference (a rater's deviation): shown with its sign, in points.
    several : bool
        A multiple-response question: a respondent chose several answers, so the percentages
        add up to more than 100% (said in the footnote).
    also : tuple of str or (str, str)
        Further columns shown after the counts (not used for suppression): a count column,
        or ``(column, "text")`` shown as it is, or ``(column, "signed")`` a difference in
        the view's unit.
    """

    kind: str
    title: str
    unit: str = "percent"
    keys: tuple = ()
    language: str = "nl"
    min_n: int = config.MIN_N
    confidence: float = config.CONFIDENCE
    counts: tuple = ("n",)
    caption: str = ""
    value: str = "estimate"
    signed: bool = False
    also: tuple = ()
    several: bool = False

    def needs(self) -> set:
        """Columns the display reads; without them the result shows as a plain frame."""
        if self.kind == "crosstab":
            return {*self.keys, "percent", "n"}
        extra = {c if isinstance(c, str) else c[0] for c in self.also}
        return {*self.keys, self.value, "ci_low", "ci_high", *self.counts, *extra}


class Result(pd.DataFrame):
    """A tidy result: a DataFrame that shows itself formatted in a notebook (module notes)."""

    _metadata = ["_kirc_view"]
    _kirc_view = None

    @property
    def _constructor(self):
        return Result

    def __finalize__(self, other, method=None, **kwargs):
        view = None
        if isinstance(other, Result):
            view = other._kirc_view
        elif method == "concat":
            views = {getattr(obj, "_kirc_view", None) for obj in other.objs}
            view = views.pop() if len(views) == 1 else None
        elif method == "merge":
            view = getattr(other.left, "_kirc_view", None)
        object.__setattr__(self, "_kirc_view", view)
        return self

    def _repr_html_(self) -> str | None:
        view = self._kirc_view
        if view is None or not view.needs() <= set(self.columns):
            return super()._repr_html_()
        return to_html(self)


def with_view(frame: pd.DataFrame, view: View) -> Result:
    """``frame`` as a :class:`Result` that displays through ``view`` (not copied)."""
    result = frame if isinstance(frame, Result) else Result(frame, copy=False)
    object.__setattr__(result, "_kirc_view", view)
    return result


def view_of(result) -> View | None:
    """The :class:`View` of a result, or None for any other frame."""
    return getattr(result, "_kirc_view", None) if isinstance(result, Result) else None


# --------------------------------------------------------------------------------------------
# numbers as text


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _difference_unit(unit: str) -> str:
    return "points" if unit in ("percent", "points") else unit


def figure_text(value, unit: str, language: str) -> str:
    """A figure in its unit: ``format_value``'s, and coefficients (ICC, alpha) to 2 places."""
    if unit == "coefficient":
        return format_number(value, 2, language)
    return format_value(value, unit, language)


def interval_text(estimate, low, high, unit: str, language: str, *, signed: bool = False) -> str:
    """``"−5,0 [−13,9; +3,9]"``: a figure with its interval (signed: a difference).

    Examples
    --------
    >>> interval_text(41.25, 38.0, 44.5, "percent", "nl")
    '41,2% [38,0; 44,5]'
    >>> interval_text(-2.0, -5.5, 1.5, "percent", "en", signed=True)
    '−2.0 pp [−5.5; +1.5]'
    """
    if signed:
        decimals = 2 if unit in ("score", "coefficient") else 1
        words = DISPLAY_TEXT[language]

        def text(v):
            return format_number(v, decimals, language, sign=True)
        suffix = f" {words['pp']}" if unit == "percent" else ""
        head = text(estimate) + suffix
    else:
        def text(v):
            shown = figure_text(v, unit, language)
            return shown[:-1] if unit == "percent" and shown.endswith("%") else shown
        head = figure_text(estimate, unit, language)
    if _missing(estimate):
        return "–"
    if _missing(low) or _missing(high):
        return head
    separator = "; " if language == "nl" else "; "
    return f"{head} [{text(low)}{separator}{text(high)}]"


def p_text(p, language: str) -> str:
    """A p-value as a report writes it: three decimals, ``< 0,001`` below that.

    Examples
    --------
    >>> p_text(0.04321, "nl"), p_text(0.00002, "en"), p_text(float("nan"), "en")
    ('0,043', '< 0.001', '–')
    """
    if _missing(p):
        return "–"
    if p < 0.001:
        return "< " + format_number(0.001, 3, language)
    return format_number(p, 3, language)


# --------------------------------------------------------------------------------------------
# rows of text


def _confidence(view: View) -> str:
    return format_number(100 * view.confidence, 0, view.language)


def _count_header(column: str, row: dict, words: dict) -> str:
    if column in ("n_from", "n_to"):
        return f"{words['n']} {_key_text(row['year_from' if column == 'n_from' else 'year_to'])}"
    return words.get(column, column)


def _suppressed(frame: pd.DataFrame, view: View) -> np.ndarray:
    hidden = np.zeros(len(frame), dtype=bool)
    for column in view.counts:
        hidden |= disclose.hidden(pd.to_numeric(frame[column], errors="coerce"), view.min_n)
    return hidden


def _low_base(frame: pd.DataFrame, view: View) -> np.ndarray:
    """The estimators' ``flag`` (:func:`kirc.disclose.flag`: an effective base below
    ``min_n``, of either side of a comparison)."""
    if "flag" in frame.columns:
        return frame["flag"].astype(str).str.startswith("n<").to_numpy()
    if "n_eff" in frame.columns:
        return disclose.low_base(pd.to_numeric(frame["n_eff"], errors="coerce"), view.min_n)
    return np.zeros(len(frame), dtype=bool)


def _key_text(value) -> str:
    if _missing(value) or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def rows(result: pd.DataFrame) -> list[dict]:
    """The displayed cells of a result, one ``{header: text}`` per row (what :func:`to_html`
    writes; also a test's view of the display)."""
    view = view_of(result)
    if view is None:
        raise TypeError("rows() needs a kirc result (a kirc.display.Result with its view)")
    if view.kind == "crosstab":
        return _crosstab_rows(result, view)
    words = DISPLAY_TEXT[view.language]
    language = view.language
    suppressed = _suppressed(result, view)
    low = _low_base(result, view)
    out = []
    for i, row in enumerate(result.to_dict("records")):
        cells = {key: _key_text(row[key]) for key in view.keys}
        letters = "letter" in row and view.keys
        if letters:
            last = view.keys[-1]
            cells[last] = f"{cells[last]} ({row['letter']})"
        signed = view.kind in ("contrast", "change") or view.signed
        if view.kind == "contrast":
            versus = row.get("versus")
            cells[words["versus"]] = words.get(f"versus_{versus}", _key_text(versus))
            sides = {view.title: row.get("estimate_group"),
                     f"{view.title} {words['compared']}": row.get("estimate_versus")}
        elif view.kind == "change":
            sides = {f"{view.title} {_key_text(row.get(year))}": row.get(f"estimate_{side}")
                     for side, year in (("from", "year_from"), ("to", "year_to"))}
        else:
            sides = {}
        for header, value in sides.items():
            if value is not None:           # an option difference has no sides of its own
                cells[header] = (words["suppressed"] if suppressed[i]
                                 else figure_text(value, view.unit, language))
        header = {"contrast": words["difference"], "change": words["change"]}.get(
            view.kind, view.title)
        if suppressed[i]:
            cells[header] = words["suppressed"]
        else:
            text = interval_text(row[view.value], row["ci_low"], row["ci_high"], view.unit,
                                 language, signed=signed)
            if signed and bool(row.get("significant")):
                text += " *"
            if letters and isinstance(row.get("higher_than"), str) and row["higher_than"]:
                text += f" {row['higher_than']}"
            cells[header] = disclose.marked(text, bool(low[i]))
        if signed and "p_value" in row:
            cells[words["p"]] = "–" if suppressed[i] else p_text(row["p_value"], language)
        for column in view.counts:
            cells[_count_header(column, row, words)] = format_count(row[column], language)
        for column in view.also:
            column, kind = (column, "count") if isinstance(column, str) else column
            header = _count_header(column, row, words)
            value = row[column]
            if kind == "text":
                cells[header] = "" if _missing(value) or value is None else str(value)
            elif kind == "signed":
                cells[header] = "–" if _missing(value) else format_number(
                    value, 2 if view.unit in ("score", "coefficient") else 1, language,
                    sign=True)
            else:
                cells[header] = format_count(value, language)
        out.append(cells)
    return out


def _crosstab_rows(result: pd.DataFrame, view: View) -> list[dict]:
    """Column percentages as a tab book prints them: a row per answer, a column per group with
    its letter and base, the letters of the columns it is significantly higher than."""
    row_key, column_key = view.keys
    language = view.language
    words = DISPLAY_TEXT[language]
    frame = result.reset_index(drop=True)
    suppressed = disclose.hidden(pd.to_numeric(frame["n"], errors="coerce"), view.min_n)
    low = _low_base(frame, view)
    columns = list(dict.fromkeys(frame[column_key]))
    letters = dict(zip(frame[column_key], frame.get("letter", pd.Series([""] * len(frame)))))
    base = dict(zip(frame[column_key], frame["n"]))
    headers = {c: f"{_key_text(c)} ({letters.get(c, '')})".replace(" ()", "") +
               f", {words['n']} = {format_count(base[c], language)}" for c in columns}
    table: dict = {}
    for i, row in frame.iterrows():
        cells = table.setdefault(row[row_key], {row_key: _key_text(row[row_key])})
        if suppressed[i]:
            text = words["suppressed"]
        else:
            text = format_value(row["percent"], "percent", language)
            higher = row.get("higher_than")
            if isinstance(higher, str) and higher:
                text += f" {higher}"
            text = disclose.marked(text, bool(low[i]))
        cells[headers[row[column_key]]] = text
    return list(table.values())


def footnote(result: pd.DataFrame) -> str:
    """What the table's marks and intervals mean, and the method, in the survey's language."""
    view = view_of(result)
    words = DISPLAY_TEXT[view.language]
    parts = []
    if view.kind == "crosstab" or "higher_than" in result.columns:
        parts.append(words["crosstab" if view.kind == "crosstab" else "letters"])
    if view.several:
        parts.append(words["several"])
    if view.kind != "crosstab":
        parts.append(words["interval"].format(level=_confidence(view)))
        if view.kind in ("contrast", "change"):
            parts.append(words["significant"])
            if view.unit == "percent":
                parts.append(words["pp_note"])
    if "method" in result.columns:
        methods = [str(m) for m in dict.fromkeys(result["method"].dropna()) if str(m)]
        if methods:
            names = words["methods"]
            parts.append(words["method"].format(
                methods=", ".join(names.get(m, m) for m in methods)))
    if (_low_base(result, view) & ~_suppressed(result, view)).any():
        parts.append(words["low_base"].format(mark=disclose.LOW_BASE_MARK, min_n=view.min_n))
    if _suppressed(result, view).any():
        parts.append(words["suppressed_note"].format(min_n=view.min_n))
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# HTML

_STYLE = (
    "<style>"
    "table.kirc-result{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.2em 0}"
    "table.kirc-result caption{caption-side:top;text-align:left;font-weight:600;padding:.2em 0}"
    "table.kirc-result th,table.kirc-result td{padding:.25em .7em;text-align:right;"
    "border-bottom:1px solid rgba(127,127,127,.25)}"
    "table.kirc-result td{white-space:nowrap}"
    "table.kirc-result th.key,table.kirc-result td.key{text-align:left;white-space:normal}"
    "table.kirc-result thead th{border-bottom:1px solid rgba(127,127,127,.6)}"
    "table.kirc-result td.suppressed{color:rgba(127,127,127,.9);font-style:italic}"
    "table.kirc-result tfoot td{text-align:left;font-size:.85em;opacity:.8;border:0;"
    "max-width:60em;white-space:normal}"
    "</style>")


def to_html(result: pd.DataFrame, *, max_rows: int | None = None) -> str:
    """The formatted table of a result (what JupyterLab shows)."""
    view = view_of(result)
    if max_rows is None:
        max_rows = pd.get_option("display.max_rows") or len(result)
    words = DISPLAY_TEXT[view.language]
    shown = rows(result.iloc[:max_rows] if view.kind != "crosstab" else result)
    more = len(result) - max_rows if view.kind != "crosstab" and len(result) > max_rows else 0
    headers = list(dict.fromkeys(h for row in shown for h in row))
    keys = set(view.keys) | {words["versus"]}
    suppressed_text = words["suppressed"]

    def cell(tag, header, text):
        classes = ["key"] if header in keys else []
        if text == suppressed_text:
            classes.append("suppressed")
        attribute = f' class="{" ".join(classes)}"' if classes else ""
        return f"<{tag}{attribute}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", h, h) for h in headers)
    body = "".join("<tr>" + "".join(cell("td", h, row.get(h, "")) for h in headers) + "</tr>"
                   for row in shown)
    notes = footnote(result)
    if more:
        notes = words["more_rows"].format(rows=format_count(more, view.language)) + " " + notes
    caption = html.escape(view.caption or view.title)
    return (f'{_STYLE}<table class="kirc-result"><caption>{caption}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            f'<tfoot><tr><td colspan="{len(headers)}">{html.escape(notes)}</td></tr></tfoot>'
            "</table>")


def language_of(info) -> str:
    """The language of a survey's results: its definition's; Dutch without one."""
    language = getattr(info, "language", None) or "nl"
    check_language(language)
    return language


def title_of(measure, language: str) -> str:
    """The header of a measure's figure: "NPS", "CSAT (%)", "aandeel (%)", "gemiddelde"."""
    names = DISPLAY_TEXT[language]["measures"]
    name = measure.name
    if name == "top_box" and tuple(measure.scale) == (1, 5) and measure.top == 2:
        name = "csat"
    return names.get(name, name).format(top=getattr(measure, "top", ""))


def caption_of(info, column: str) -> str:
    """The question a column holds: its construct's label in the survey, else its name."""
    spec = info.constructs.get(column) if info is not None else None
    label = (spec or {}).get("label")
    return f"{label} ({column})" if label else str(column)


def estimates_view(measure, column: str, call, keys, *, min_n: int,
                   confidence: float, kind: str = "estimates", counts=("n",)) -> View:
    """The view of an estimator's result on ``call`` (a resolved design and its survey)."""
    language = language_of(call.info)
    return View(kind=kind, title=title_of(measure, language), unit=measure.unit,
                keys=tuple(keys), language=language, min_n=int(min_n),
                confidence=confidence, counts=tuple(counts),
                caption=caption_of(call.info, column))


# --------------------------------------------------------------------------------------------
# the survey object


def survey_summary(survey) -> dict:
    """What a survey shows in a notebook instead of its first rows: ``title``, ``lines``
    (source, rows, design, threshold) and ``years`` and ``constructs`` tables of text."""
    from .report.texts import design_words

    info = survey.info
    language = language_of(info)
    words = DISPLAY_TEXT[language]
    title = (info.title or info.name) if info is not None else words["survey"]
    unit = (info.unit if info is not None and info.unit else words["rows"])
    lines = [words["size"].format(rows=format_count(len(survey), language), unit=unit,
                                  columns=format_count(survey.shape[1], language))]
    if info is not None:
        if info.source:
            lines.append(words["source"].format(source=info.source))
        lines.append(words["design"].format(design=design_words(info.design, language)))
        lines.append(words["min_n"].format(min_n=info.min_n))
        if info.lost:
            lines.append(words["lost"].format(reason=info.lost))
    years = None
    if "year" in survey.columns:
        counts = survey["year"].value_counts(sort=False).sort_index()
        years = {_key_text(year): format_count(n, language) for year, n in counts.items()}
    constructs = []
    for name, spec in (info.constructs.items() if info is not None else ()):
        if name in survey.columns:
            constructs.append({words["column"]: name, words["type"]: spec.get("type", ""),
                               words["question"]: spec.get("label", "")})
    return {"title": title, "lines": lines, "years": years, "constructs": constructs}


def survey_html(survey) -> str:
    """The summary of a survey as HTML (``Survey._repr_html_``)."""
    summary = survey_summary(survey)
    language = language_of(survey.info)
    words = DISPLAY_TEXT[language]
    parts = [_STYLE, f"<div><strong>{html.escape(summary['title'])}</strong>"]
    parts += [f"<div>{html.escape(line)}</div>" for line in summary["lines"]]
    if summary["years"]:
        head = "".join(f"<th>{html.escape(y)}</th>" for y in summary["years"])
        body = "".join(f"<td>{html.escape(n)}</td>" for n in summary["years"].values())
        parts.append(f'<table class="kirc-result"><caption>{html.escape(words["per_year"])}'
                     f'</caption><thead><tr><th class="key">{words["year"]}</th>{head}</tr>'
                     f'</thead><tbody><tr><td class="key">{words["n"]}</td>{body}</tr></tbody>'
                     "</table>")
    if summary["constructs"]:
        headers = list(summary["constructs"][0])
        head = "".join(f'<th class="key">{html.escape(h)}</th>' for h in headers)
        body = "".join("<tr>" + "".join(f'<td class="key">{html.escape(str(row[h]))}</td>'
                                        for h in headers) + "</tr>"
                       for row in summary["constructs"])
        parts.append(f'<table class="kirc-result"><caption>{html.escape(words["constructs"])}'
                     f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</div>")
    return "".join(parts)
