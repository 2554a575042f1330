"""Content of the annual report: headline figures, key messages, breakdowns, methods, files.

The notebook ``notebooks/annual_report.ipynb`` only calls these functions (and
:mod:`kirc.report.figures`), so that everything a report says is computed, tested and reusable
outside the notebook. The flow is one way: the survey definition (:mod:`kirc.report.spec`: its
indicators and breakdowns) and harmonised frames from :func:`kirc.load_survey` → metrics from
:mod:`kirc.estimate.metrics` → tidy tables here → words (:mod:`kirc.report.texts`) formatted by
:mod:`kirc.report.formatting`.

Two rules hold everywhere:

- **One set of rounded figures.** Sentences are written from the strings of the headline
  table (:func:`headline_cells`), so text and table cannot disagree.
- **Suppression is absence.** A figure on fewer answers than the survey's ``min_n`` (30
  respondents, 5 organisations) is set to missing in every table, chart and file the report
  writes, with the reason; it is never drawn in another style.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import disclose
from ..errors import ParameterError
from ..survey.calibrate import calibration_of, methods_note as weighting_note
from ..survey.survey import design_of, min_n_of
from .formatting import format_count, format_number, format_percent, format_value
from .names import resolve_segment
from .spec import Indicator, ReportSpec, english_labels, indicators_of, report_settings
from .texts import LABELS, NPS_METHOD_NAMES, SUBJECTS, check_language as _check_language

__all__ = ["LABELS", "ReportData", "prepare", "select_segment", "headline", "headline_cells",
           "headline_table", "headline_html", "key_messages", "indicator_sentence",
           "trend_table", "series_breaks", "breakdown", "breakdown_tables", "methods_note",
           "definitions_html", "fieldwork_html", "figures_table", "write_outputs",
           "write_headline", "format_number", "format_percent", "format_value",
           "report_title", "count_suppressed", "load_report_data", "html_table"]

_VALUES = ("estimate", "ci_low", "ci_high", "n_eff", "promoters", "passives", "detractors",
           "sd", "se")


# --------------------------------------------------------------------------------------------
# what one report is about


@dataclass
class ReportData:
    """Everything one report is computed from: definition, indicators, frames, year, segment."""

    year: int
    segment: str
    language: str
    indicators: list
    frames: dict                       # {"survey": DataFrame, "org_survey": DataFrame | None}
    settings: ReportSpec
    definitions: dict                  # {"survey": dict, "org_survey": dict | None}
    english: dict = field(default_factory=dict)

    @property
    def survey(self) -> pd.DataFrame:
        return self.frames["survey"]

    def frame(self, indicator: Indicator) -> pd.DataFrame | None:
        return self.frames.get(indicator.source)

    @property
    def years(self) -> list[int]:
        years = set()
        for frame in self.frames.values():
            if frame is not None and "year" in frame:
                years |= set(int(y) for y in frame["year"].unique())
        return sorted(years)

    @property
    def has_trend(self) -> bool:
        return len(self.years) > 1

    @property
    def title(self) -> str:
        return str(self.survey.attrs.get("title") or self.definitions["survey"].get("name"))

    def category(self, value) -> str:
        """A category label in the report's language (``labels_en`` for English)."""
        text = str(value)
        return self.english.get(text, text) if self.language == "en" else text

    def segment_name(self) -> str:
        if self.segment == "all":
            # "alle sectoren" only where the segments are sectors (the demo's); else "totaal"
            return LABELS[self.language]["all" if self.settings.segment_by == "sector"
                                         else "all_generic"]
        return self.category(self.segment)

    def breakdowns(self) -> list[str]:
        """The definition's breakdowns present in the data (the segment's own left out)."""
        out = []
        for name in self.settings.breakdowns:
            if self.segment != "all" and name == self.settings.segment_by:
                continue
            if any(frame is not None and name in frame.columns for frame in self.frames.values()):
                out.append(name)
        return out


def select_segment(data: pd.DataFrame, segment: str, by: str | None = "sector") -> pd.DataFrame:
    """Rows of one segment (``segment="all"``: all rows): a domain of the whole survey.

    The segment keeps the survey's design, so each of its figures is estimated as a domain of
    the whole sample (R's ``subset(design, ...)``) and has the interval it has in the
    all-sectors report's breakdown.

    Examples
    --------
    >>> df = pd.DataFrame({"sector": pd.Categorical(["telecom", "retail"])})
    >>> len(select_segment(df, "telecom")), len(select_segment(df, "all"))
    (1, 2)
    """
    if segment == "all" or by is None or by not in data.columns:
        return data
    values = list(data[by].cat.categories) if isinstance(
        data[by].dtype, pd.CategoricalDtype) else sorted(data[by].dropna().unique())
    label = resolve_segment(segment, [str(s) for s in values])
    if label == "all":
        return data
    return data[data[by] == label]


def segment_of(data: pd.DataFrame, segment: str, by: str | None) -> str:
    """The segment's label as the data write it (``"all"`` for the whole survey)."""
    if segment == "all" or by is None or by not in data.columns:
        return "all"
    values = list(data[by].cat.categories) if isinstance(
        data[by].dtype, pd.CategoricalDtype) else sorted(data[by].dropna().unique())
    return resolve_segment(segment, [str(s) for s in values])


def _years_until(definition: dict, year: int, where: str) -> list[int]:
    from ..survey.definition import check_years
    available = sorted(int(y) for y in definition["years"])
    check_years(year, available, where)
    return [y for y in available if y <= year]


def prepare(survey, org_survey=None, year: int = 2025, segment: str = "all",
            language: str = "nl") -> ReportData:
    """Load what one report needs: the definition's indicators and every year up to ``year``.

    Parameters
    ----------
    survey : str or path-like
        The survey definition (name or ``.toml`` path).
    org_survey : str, optional
        A second survey joined by year (its indicators follow the survey's). None: the
        definition's ``[report] org_survey`` (none when it names none); ``""``: none.
    year : int
    segment : str
        ``"all"`` or a category of the definition's ``segment_by`` construct.
    language : {"nl", "en"}
    """
    from ..survey.definition import load_survey, survey_definition

    _check_language(language)
    definition = survey_definition(survey)
    settings = report_settings(definition)
    if org_survey is None:
        org_survey = settings.org_survey
    by = settings.segment_by
    frame = load_survey(survey, years=_years_until(definition, year, repr(str(survey))))
    label = segment_of(frame, segment, by)
    frame = select_segment(frame, segment, by)
    frames = {"survey": frame, "org_survey": None}
    definitions = {"survey": definition, "org_survey": None}
    indicators = indicators_of(definition, "survey")
    if org_survey:
        org_definition = survey_definition(org_survey)
        organisations = load_survey(org_survey, years=_years_until(
            org_definition, year, repr(str(org_survey))))
        try:
            organisations = select_segment(organisations, label, by)
        except ParameterError:
            # The second survey has no such segment: better no figures from it in this
            # segment's report than the whole survey's figures under the segment's name.
            organisations = None
        if organisations is not None:
            frames["org_survey"] = organisations
            definitions["org_survey"] = org_definition
            indicators += indicators_of(org_definition, "org_survey")
    indicators = [i for i in indicators if frames[i.source] is not None
                  and i.construct in frames[i.source].columns]
    return ReportData(year=int(year), segment=label, language=language, indicators=indicators,
                      frames=frames, settings=settings, definitions=definitions,
                      english=english_labels(*definitions.values()))


def load_report_data(survey: str, org_survey: str | None, year: int, segment: str = "all"):
    """The harmonised frames a report needs (compatibility name for :func:`prepare`).

    Returns
    -------
    (survey, org_survey) : two pandas.DataFrame (the second None without a second survey)
    """
    report = prepare(survey, org_survey if org_survey is not None else "", year, segment)
    return report.frames["survey"], report.frames["org_survey"]


def _min_n(frame: pd.DataFrame) -> int:
    return min_n_of(frame)


def _year_rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["year"] == year]


def _report_of(consumers, organisations, year, language) -> ReportData:
    """A ReportData around frames loaded by hand (the compatibility signature)."""
    from ..survey.definition import survey_definition
    definitions = {"survey": survey_definition(consumers.attrs["definition"]),
                   "org_survey": None}
    frames = {"survey": consumers, "org_survey": organisations}
    indicators = indicators_of(definitions["survey"])
    if organisations is not None:
        definitions["org_survey"] = survey_definition(organisations.attrs["definition"])
        indicators += indicators_of(definitions["org_survey"], "org_survey")
    indicators = [i for i in indicators if frames[i.source] is not None
                  and i.construct in frames[i.source].columns]
    by = report_settings(definitions["survey"]).segment_by
    segment = "all"
    if by and by in consumers.columns and isinstance(consumers[by].dtype, pd.CategoricalDtype):
        shown = consumers[by].dropna().unique()
        if len(shown) == 1 and len(consumers[by].cat.categories) > 1:
            segment = str(shown[0])
    return ReportData(year=int(year), segment=segment,
                      language=language, indicators=indicators, frames=frames,
                      settings=report_settings(definitions["survey"]), definitions=definitions,
                      english=english_labels(*definitions.values()))


# --------------------------------------------------------------------------------------------
# headline figures


def headline(report, organisations=None, year=None, language: str = "nl") -> pd.DataFrame:
    """The headline figures of the report's year: estimate, change from last year, since the
    first year.

    Parameters
    ----------
    report : ReportData, or the survey's frame (then ``organisations``, ``year`` follow, as in
        earlier versions)

    Returns
    -------
    pandas.DataFrame
        One row per indicator, in the definition's order: ``metric`` (key), ``label``,
        ``unit``, ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``n_eff``, ``flag``,
        ``suppressed``, ``change``, ``change_low``, ``change_high``, ``p_value``,
        ``significant`` (None without a previous year or when suppressed), and the same for
        the change since the first year: ``first_year``, ``estimate_first``,
        ``long_change``, ``long_low``, ``long_high``, ``long_p``, ``long_significant``.
        Suppressed figures are missing (NaN), never present.

    Notes
    -----
    The figures are those of the public estimators (:func:`kirc.nps`, :func:`kirc.share`,
    :func:`kirc.csat`, :func:`kirc.mean_score`, :func:`kirc.change`; validated there); this
    function only gathers them. Changes are tests of two independent years.
    """
    if not isinstance(report, ReportData):
        report = _report_of(report, organisations, year, language)
    _check_language(report.language)
    rows = []
    for indicator in report.indicators:
        data = report.frame(indicator)
        this_year = _year_rows(data, report.year)
        if this_year[indicator.construct].notna().sum() == 0:
            continue
        result = indicator.compute(this_year).iloc[0]
        min_n = _min_n(data)
        suppressed = bool(disclose.hidden(result["n"], min_n))
        row = {"metric": indicator.key, "label": indicator.name(report.language),
               "unit": indicator.unit, "source": indicator.source,
               "estimate": result["estimate"], "ci_low": result["ci_low"],
               "ci_high": result["ci_high"], "n": int(result["n"]),
               "n_eff": float(result["n_eff"]), "flag": result["flag"],
               "suppressed": suppressed, "min_n": min_n}
        years = sorted(int(y) for y in data.loc[data[indicator.construct].notna(), "year"]
                       .unique())
        previous = [y for y in years if y < report.year]
        row.update(_change_fields("", indicator, data, previous[-1] if previous else None,
                                  report.year, suppressed, min_n))
        first = years[0] if years and years[0] < report.year else None
        row.update(_change_fields("long_", indicator, data, first, report.year, suppressed,
                                  min_n))
        row["first_year"] = first
        if suppressed:
            row.update(estimate=np.nan, ci_low=np.nan, ci_high=np.nan, n_eff=np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _change_fields(prefix, indicator, data, year_from, year_to, suppressed, min_n) -> dict:
    name = "change" if not prefix else "long_change"
    fields = {name: np.nan, f"{prefix or 'change_'}low": np.nan,
              f"{prefix or 'change_'}high": np.nan, f"{prefix}p" if prefix else "p_value": np.nan,
              f"{prefix}significant": None}
    if prefix:
        fields["estimate_first"] = np.nan
    if year_from is None:
        return fields
    delta = indicator.change(data, (year_from, year_to)).iloc[0]
    if suppressed or delta["flag"] != "" or disclose.hidden(delta["n_from"], min_n):
        return fields
    fields.update({name: delta["estimate"], f"{prefix or 'change_'}low": delta["ci_low"],
                   f"{prefix or 'change_'}high": delta["ci_high"],
                   (f"{prefix}p" if prefix else "p_value"): delta["p_value"],
                   f"{prefix}significant": bool(delta["significant"])})
    if prefix:
        fields["estimate_first"] = delta["estimate_from"]
    return fields


def _decimals(unit: str) -> int:
    return 2 if unit == "score" else 1


def _change_text(value, unit: str, language: str, words: bool = False) -> str:
    """A change as the table writes it (signed), or as a sentence does (unsigned, with unit)."""
    decimals = _decimals(unit)
    if not words:
        text = format_number(value, decimals, language, sign=True)
        return text + {"percent": " pp", "points": ""}.get(unit, "")
    text = format_number(abs(value), decimals, language)
    labels = LABELS[language]
    return text + {"percent": f" {labels['pp_words']}", "points": f" {labels['points']}"
                   }.get(unit, "")


def _rounded_zero(value, unit) -> bool:
    return round(abs(float(value)), _decimals(unit)) == 0


def headline_cells(row, language: str = "nl") -> dict:
    """The strings of one headline row: estimate, interval, n, n_eff, change, long change.

    Sentences and tables are both built from these strings, so that they cannot disagree.

    Examples
    --------
    >>> row = {"unit": "percent", "estimate": 71.234, "ci_low": 69.0, "ci_high": 73.4,
    ...        "n": 2800, "n_eff": 2513.4, "suppressed": False, "change": -0.04,
    ...        "significant": False, "flag": ""}
    >>> cells = headline_cells(row)
    >>> cells["estimate"], cells["interval"], cells["change"], cells["change_direction"]
    ('71,2%', '69,0% – 73,4%', '0,0 pp', 0)
    """
    labels = LABELS[language]
    unit = row["unit"]
    out = {"estimate": "–", "interval": "–", "n": format_count(row.get("n"), language),
           "n_eff": "–", "change": "–", "change_direction": None, "long_change": "–",
           "long_direction": None, "first": "–"}
    if row.get("suppressed"):
        out["estimate"] = f"– ({labels['suppressed']})"
        return out
    out["estimate"] = format_value(row["estimate"], unit, language)
    if row.get("ci_low") is not None and not pd.isna(row.get("ci_low")):
        out["interval"] = (f"{format_value(row['ci_low'], unit, language)} – "
                           f"{format_value(row['ci_high'], unit, language)}")
    n_eff = row.get("n_eff")
    if n_eff is not None and not pd.isna(n_eff):
        out["n_eff"] = format_count(round(float(n_eff)), language)
    for prefix, key in (("", "change"), ("long_", "long_change")):
        value = row.get("change" if not prefix else "long_change")
        if value is None or pd.isna(value) or row.get(f"{prefix}significant") is None:
            continue
        zero = _rounded_zero(value, unit)
        out[key] = _change_text(0.0 if zero else value, unit, language)
        out["change_direction" if not prefix else "long_direction"] = \
            0 if zero else (1 if value > 0 else -1)
    if row.get("estimate_first") is not None and not pd.isna(row.get("estimate_first")):
        out["first"] = format_value(row["estimate_first"], unit, language)
    return out


def _significance(row, prefix: str, language: str) -> str:
    labels = LABELS[language]
    return labels["significant"] if row.get(f"{prefix}significant") else \
        labels["not_significant"]


def headline_table(table: pd.DataFrame, language: str = "nl",
                   with_change: bool | None = None) -> pd.DataFrame:
    """The headline figures formatted for reading: value, interval, n, n_eff, change.

    The change column is left out when no indicator has a previous year (a one-year survey).

    Examples
    --------
    >>> table = pd.DataFrame([{"metric": "fcr", "label": "FCR", "unit": "percent",
    ...     "estimate": 71.23, "ci_low": 69.0, "ci_high": 73.4, "n": 2800, "n_eff": 2500.2,
    ...     "suppressed": False, "change": 3.1, "significant": True, "flag": ""}])
    >>> headline_table(table).iloc[0].tolist()
    ['FCR', '71,2%', '69,0% – 73,4%', '2.800', '2.500', '▲ +3,1 pp (significant)']
    """
    labels = _check_language(language)
    if with_change is None:
        with_change = "significant" in table and table["significant"].notna().any()
    out = []
    for _, row in table.iterrows():
        cells = headline_cells(row, language)
        line = {labels["metric"]: row["label"], labels["estimate"]: cells["estimate"],
                labels["interval"]: cells["interval"], labels["n"]: cells["n"],
                labels["n_eff"]: cells["n_eff"]}
        if with_change:
            change = cells["change"]
            if change != "–":
                arrow = ""
                if row.get("significant") and cells["change_direction"]:
                    arrow = "▲ " if cells["change_direction"] > 0 else "▼ "
                change = f"{arrow}{change} ({_significance(row, '', language)})"
            line[labels["change"]] = change
        out.append(line)
    return pd.DataFrame(out)


def html_table(frame: pd.DataFrame, caption: str = "", numeric_from: int = 1,
               css_class: str = "kirc-table", muted: list | None = None) -> str:
    """A DataFrame of strings as an accessible HTML table (caption, header cells, no index).

    Columns from ``numeric_from`` on are right-aligned numbers; rows listed in ``muted`` are
    greyed out (suppressed figures). Wrapped in a scroll box so that a narrow screen scrolls
    the table, not the page.
    """
    import html as _html
    muted = set(muted or [])
    head = "".join(f'<th scope="col"{" class=num" if i >= numeric_from else ""}>'
                   f"{_html.escape(str(c))}</th>" for i, c in enumerate(frame.columns))
    body = []
    names = [_html.escape(str(c), quote=True) for c in frame.columns]
    for position, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for i, value in enumerate(row):
            text = _html.escape(str(value))
            label = f' data-label="{names[i]}"'
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="num"{label}>{text}</td>' if i >= numeric_from
                             else f"<td{label}>{text}</td>")
        style = ' class="muted"' if position in muted else ""
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    caption_html = f"<caption>{_html.escape(caption)}</caption>" if caption else ""
    return (f'<div class="kirc-scroll"><table class="{css_class}">{caption_html}'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def headline_html(table: pd.DataFrame, report: ReportData) -> str:
    """The headline table as HTML, with the change column only when there is a last year."""
    labels = LABELS[report.language]
    formatted = headline_table(table, report.language, with_change=report.has_trend)
    muted = [i for i, s in enumerate(table["suppressed"]) if s]
    return html_table(formatted, f"{labels['headline']} {report.year}", muted=muted)


# --------------------------------------------------------------------------------------------
# words


def _subject(row, language: str) -> str:
    subject = SUBJECTS[language].get(row["metric"]) or row["label"]
    return subject[0].upper() + subject[1:]


def _lower_first(text: str) -> str:
    # "Het aandeel ..." -> "het aandeel ..."; names such as "GDPR" or "NPS" keep their capitals.
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def indicator_sentence(row, year: int, language: str = "nl", previous: int | None = None) -> str:
    """One indicator in one sentence, from the same strings as the table (:func:`headline_cells`).

    Examples
    --------
    >>> row = {"metric": "nps", "label": "NPS", "unit": "points", "estimate": 9.04,
    ...        "change": 3.96, "significant": True, "suppressed": False, "n": 900}
    >>> indicator_sentence(row, 2025)
    'De NPS steeg met 4,0 punten tot +9,0 in 2025, een significante stijging.'
    """
    labels = LABELS[language]
    if row.get("suppressed"):
        return ""
    cells = headline_cells(row, language)
    subject = _subject(row, language)
    direction = cells["change_direction"]
    if direction is None:
        return f"{subject} {labels['was']} {cells['estimate']} in {year}."
    if direction == 0:
        return f"{subject} {labels['stayed']} {cells['estimate']} in {year}."
    verb = labels["rose"] if direction > 0 else labels["fell"]
    noun = labels["rise"] if direction > 0 else labels["fall"]
    amount = _change_text(row["change"], row["unit"], language, words=True)
    judgement = (labels["a_significant"] if row.get("significant")
                 else labels["not_a_significant"]).format(noun)
    return labels["change_sentence"].format(subject=subject, verb=verb, amount=amount,
                                            now=cells["estimate"], year=year,
                                            judgement=judgement)


def series_breaks(definition: dict) -> list[int]:
    """Years whose questionnaire differs from the year before (a possible break in a series).

    Examples
    --------
    >>> series_breaks({"years": {2019: {"questionnaire": "a"}, 2020: {"questionnaire": "a"},
    ...                          2021: {"questionnaire": "b"}}})
    [2021]
    """
    years = sorted((int(y), spec.get("questionnaire")) for y, spec in
                   (definition.get("years") or {}).items())
    return [year for (_, before), (year, now) in zip(years, years[1:]) if before != now]


def _breaks_for(report: ReportData, source: str, first: int, last: int) -> list[int]:
    definition = report.definitions.get(source) or {}
    return [y for y in series_breaks(definition) if first < y <= last]


def key_messages(table: pd.DataFrame, report: ReportData) -> list[str]:
    """Two to four sentences chosen by rule, from the strings of the headline table.

    1. Significant changes from last year, smallest p-value first (at most two).
    2. The largest significant change since the first year (its own test of first year against
       this year), with a note when the questionnaire changed in between.
    3. When nothing changed significantly from last year, that is said.
    4. Filled up to two sentences with the levels of the first indicators.
    """
    labels = LABELS[report.language]
    language = report.language
    shown = table[~table["suppressed"]]
    messages = []
    significant = shown[shown["significant"].fillna(False).astype(bool)]
    for _, row in significant.sort_values("p_value").head(2).iterrows():
        messages.append(indicator_sentence(row, report.year, language))
    long = shown[shown["long_significant"].fillna(False).astype(bool)]
    if len(long):
        strength = (long["long_change"].abs()
                    / (long["long_high"] - long["long_low"]).replace(0, np.nan)).fillna(0)
        row = long.loc[strength.idxmax()]
        cells = headline_cells(row, language)
        if cells["long_direction"]:
            verb = labels["rose"] if cells["long_direction"] > 0 else labels["fell"]
            sentence = labels["long_sentence"].format(
                first_year=int(row["first_year"]), subject=_lower_first(_subject(row, language)),
                verb=verb, first=cells["first"],
                now=cells["estimate"], year=report.year)
            breaks = _breaks_for(report, row["source"], int(row["first_year"]), report.year)
            if breaks:
                sentence = sentence[:-1] + labels["break_clause"].format(
                    year=", ".join(str(y) for y in breaks)) + "."
            messages.append(sentence[0].upper() + sentence[1:])
    has_previous = shown["significant"].notna().any()
    if has_previous and significant.empty:
        earlier = [y for y in report.years if y < report.year]
        messages.append(labels["no_change"].format(count=int(shown["significant"].notna()
                                                            .sum()), previous=earlier[-1]))
    for _, row in shown.iterrows():
        if len(messages) >= 2:
            break
        sentence = indicator_sentence(row, report.year, language)
        if sentence and sentence not in messages and not any(
                _subject(row, language) in m for m in messages):
            messages.append(sentence)
    return messages[:4]


def summary_text(table: pd.DataFrame, year: int, language: str = "nl",
                 bullets: bool = False) -> str:
    """One sentence per indicator (not suppressed), from the strings of the table.

    Examples
    --------
    >>> table = pd.DataFrame([{"metric": "nps", "label": "NPS", "unit": "points",
    ...     "estimate": 9.0, "change": 4.0, "significant": True, "suppressed": False}])
    >>> summary_text(table, 2025)
    'De NPS steeg met 4,0 punten tot +9,0 in 2025, een significante stijging.'
    """
    _check_language(language)
    sentences = [indicator_sentence(row, year, language) for _, row in table.iterrows()]
    sentences = [s for s in sentences if s]
    if bullets:
        return "\n".join(f"- {sentence}" for sentence in sentences)
    return " ".join(sentences)


# --------------------------------------------------------------------------------------------
# trends and breakdowns


def trend_table(report: ReportData) -> pd.DataFrame:
    """Every indicator per year (up to the report's year), suppressed figures missing.

    Returns
    -------
    pandas.DataFrame
        ``metric``, ``label``, ``unit``, ``year``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n``, ``n_eff``, ``flag``, ``suppressed``, ``suppression``, ``series_break`` (True in
        the first year of a new questionnaire).
    """
    parts = []
    for indicator in report.indicators:
        data = report.frame(indicator)
        table = indicator.trend(data)
        table = table[table["n"] > 0].copy()
        min_n = _min_n(data)
        table["suppressed"] = disclose.hidden(table["n"], min_n)
        table["suppression"] = np.where(table["suppressed"], disclose.label(min_n), None)
        for column in ("estimate", "ci_low", "ci_high", "n_eff"):
            table.loc[table["suppressed"], column] = np.nan
        breaks = series_breaks(report.definitions.get(indicator.source) or {})
        table["series_break"] = table["year"].isin(breaks)
        table.insert(0, "metric", indicator.key)
        table.insert(1, "label", indicator.name(report.language))
        table.insert(2, "unit", indicator.unit)
        parts.append(table[["metric", "label", "unit", "year", "estimate", "ci_low", "ci_high",
                            "n", "n_eff", "flag", "suppressed", "suppression", "series_break"]])
    if not parts:
        return pd.DataFrame(columns=["metric", "label", "unit", "year", "estimate"])
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out


def trend_html(trend: pd.DataFrame, report: ReportData) -> str:
    """The trend as one table: indicators × years, suppressed cells '–'."""
    labels = LABELS[report.language]
    years = sorted(trend["year"].unique())
    rows = []
    for key, part in trend.groupby("metric", sort=False):
        by_year = part.set_index("year")
        line = {labels["metric"]: part["label"].iloc[0]}
        for year in years:
            if year not in by_year.index:
                line[str(year)] = ""
                continue
            cell = by_year.loc[year]
            line[str(year)] = "–" if cell["suppressed"] else format_value(
                cell["estimate"], cell["unit"], report.language)
        rows.append(line)
    return html_table(pd.DataFrame(rows), labels["trend_table"])


def breakdown(data, indicator, by: str, year: int | None = None,
              language: str = "nl") -> pd.DataFrame:
    """One indicator of one year per group, small groups hidden, sorted high to low.

    Groups without answers are left out. Groups with fewer answers than the survey's ``min_n``
    are suppressed, and so is the next-smallest group when only one would be, so that a hidden
    figure cannot be worked back from the overall figure that the report also shows
    (:func:`kirc.disclose.suppress`). Suppressed groups come last.

    Parameters
    ----------
    data : pandas.DataFrame or ReportData
    indicator : Indicator or str (an indicator key of the data's definition)

    Returns
    -------
    pandas.DataFrame
        The metric's tidy table plus ``suppressed`` and ``suppression`` (None, ``"n<30"`` or
        ``"complementary"``); estimates, intervals, ``n_eff`` and ``n`` are missing where
        suppressed.

    Examples
    --------
    >>> from kirc.report.spec import Indicator
    >>> fcr = Indicator("fcr", "share", "fcr", {"nl": "FCR"}, "percent")
    >>> df = pd.DataFrame({"year": 2025, "channel": ["chat"] * 40 + ["e-mail"] * 5
    ...                    + ["telefoon"] * 60, "fcr": [1.0] * 30 + [0.0] * 15 + [1.0] * 60})
    >>> out = breakdown(df, fcr, "channel", 2025)
    >>> out[["channel", "estimate", "n", "suppression"]]
        channel  estimate     n    suppression
    0  telefoon     100.0    60           None
    1      chat       NaN  <NA>  complementary
    2    e-mail       NaN  <NA>           n<30
    """
    if isinstance(data, ReportData):
        report = data
        if isinstance(indicator, str):
            indicator = next(i for i in report.indicators if i.key == indicator)
        data, year = report.frame(indicator), report.year if year is None else year
    elif isinstance(indicator, str):
        from ..survey.definition import survey_definition
        catalogue = {i.key: i for i in indicators_of(survey_definition(data.attrs["definition"]))}
        indicator = catalogue[indicator]
    rows = _year_rows(data, year)
    table = indicator.compute(rows, by=by)
    table = table[table["n"] > 0].reset_index(drop=True)
    values = [c for c in _VALUES if c in table.columns]
    out = disclose.suppress(table, min_n=_min_n(data), value_columns=values)
    out["n"] = out["n"].astype("Int64")
    ordered = isinstance(rows[by].dtype, pd.CategoricalDtype) and rows[by].cat.ordered
    # Ordered categories (age groups) keep their order; others are sorted high to low.
    order = out.assign(_hidden=out["suppressed"]).sort_values(
        ["_hidden"] if ordered else ["_hidden", "estimate"],
        ascending=[True] if ordered else [True, False], kind="stable")
    return order.drop(columns="_hidden").reset_index(drop=True)


def breakdown_tables(report: ReportData) -> dict:
    """Every indicator by every breakdown of the definition: ``{(by, key): table}``."""
    out = {}
    for by in report.breakdowns():
        for indicator in report.indicators:
            frame = report.frame(indicator)
            if by not in frame.columns:
                continue
            table = breakdown(frame, indicator, by, report.year)
            if len(table):
                out[(by, indicator.key)] = table
    return out


def breakdown_html(table: pd.DataFrame, by: str, indicator: Indicator,
                   report: ReportData) -> str:
    """The numbers beside a breakdown chart: group, estimate, interval, n."""
    labels = LABELS[report.language]
    rows, muted = [], []
    for position, (_, row) in enumerate(table.iterrows()):
        group = report.category(row[by])
        if row["suppressed"]:
            reason = labels["complementary"] if row["suppression"] == "complementary" \
                else labels["suppressed"]
            rows.append({_by_label(report, by): group, labels["estimate"]: f"– ({reason})",
                         labels["interval_short"]: "–", labels["n"]: "–"})
            muted.append(position)
            continue
        rows.append({_by_label(report, by): group,
                     labels["estimate"]: format_value(row["estimate"], indicator.unit,
                                                      report.language),
                     labels["interval_short"]: f"{format_value(row['ci_low'], indicator.unit, report.language)}"
                                         f" – {format_value(row['ci_high'], indicator.unit, report.language)}",
                     labels["n"]: format_count(row["n"], report.language)})
    return html_table(pd.DataFrame(rows), f"{indicator.name(report.language)} "
                      f"{labels['by']} {_by_label(report, by).lower()}, {report.year}",
                      muted=muted)


def significance(report: ReportData, by: str, tables: dict,
                 source: str = "survey") -> pd.DataFrame | None:
    """Which groups differ: every indicator of one breakdown, with SPSS-style letters.

    One row per group, ``(A) telecom``, one column per indicator; a cell holds the
    figure and the letters of the groups it is significantly higher than
    (:func:`kirc.compare_groups`: the tests of the figures' own design, Bonferroni over the
    pairs). Letters are the groups' places in the breakdown's category order, the same in
    every row. A group suppressed in the breakdown table is suppressed here too ("–"), and is
    neither tested nor named. None when no indicator of the survey has this breakdown.
    """
    from ..estimate.groups import column_letters, compare_groups

    chosen = [i for i in report.indicators if (by, i.key) in tables and i.source == source]
    if not chosen:
        return None
    groups: list = []
    for indicator in chosen:
        for value in tables[(by, indicator.key)][by]:
            if value not in groups:
                groups.append(value)
    frame = report.frame(chosen[0])
    if isinstance(frame[by].dtype, pd.CategoricalDtype):
        order = list(frame[by].cat.categories)
        groups.sort(key=lambda v: order.index(v) if v in order else len(order))
    letters = dict(zip(groups, column_letters(len(groups))))
    labels = LABELS[report.language]
    rows = []
    for indicator in chosen:
        data = _year_rows(report.frame(indicator), report.year)
        hidden = tables[(by, indicator.key)]
        hidden = set(hidden.loc[hidden["suppressed"], by])
        data = data[~data[by].isin(hidden)]
        row = {labels["metric"]: indicator.name(report.language)}
        if data.empty:                 # every group suppressed: nothing to test
            rows.append({**row, **{f"({letters[v]}) {report.category(v)}": "–" for v in groups}})
            continue
        if isinstance(data[by].dtype, pd.CategoricalDtype):
            data = data.assign(**{by: data[by].cat.remove_unused_categories()})
        result = compare_groups(data, indicator.measure, indicator.construct, by=by,
                                min_n=_min_n(report.frame(indicator)))
        own = dict(zip(result["letter"], result[by]))
        for value in groups:
            head = f"({letters[value]}) {report.category(value)}"
            match = result[result[by] == value]
            if value in hidden or match.empty or pd.isna(match["estimate"].iloc[0]):
                row[head] = "–"
                continue
            higher = "".join(sorted(letters[own[c]] for c in match["higher_than"].iloc[0]))
            row[head] = (format_value(match["estimate"].iloc[0], indicator.unit, report.language)
                         + (f" {higher}" if higher else ""))
        rows.append(row)
    # groups down, indicators across: group lists are long, indicator headers wrap
    wide = pd.DataFrame(rows).set_index(labels["metric"]).T
    wide.index.name = _by_label(report, by)
    return wide.reset_index()


def significance_html(report: ReportData, by: str, tables: dict) -> str:
    """The significance table of one breakdown, with its anchor and legend."""
    labels = LABELS[report.language]
    caption = labels["significance_caption"].format(by=_by_label(report, by).lower(),
                                                    year=report.year)
    # one table per survey (the organisations' groups are not the respondents' groups), in
    # parts of three indicators, so that a table fits a page and a screen
    parts = []
    for source in dict.fromkeys(i.source for i in report.indicators):
        table = significance(report, by, tables, source)
        if table is None:
            continue
        first, *columns = list(table.columns)
        for start in range(0, len(columns), 3):
            parts.append(html_table(table[[first, *columns[start:start + 3]]], caption,
                                    css_class="kirc-table kirc-sig"))
    if not parts:
        return ""
    return (f'<div id="verschillen-{by}">' + "".join(parts)
            + f'<p class="kirc-note">{labels["significance_note"]}</p></div>')


def _by_label(report: ReportData, by: str) -> str:
    labels = LABELS[report.language]
    if by in labels:
        return labels[by]
    spec = (report.definitions["survey"].get("constructs") or {}).get(by) or {}
    return str(spec.get("label") or by)


# --------------------------------------------------------------------------------------------
# methods




def definitions_html(report: ReportData) -> str:
    """What each indicator counts, who was asked (the base) and its unit."""
    labels = LABELS[report.language]
    rows = []
    for indicator in report.indicators:
        definition = report.definitions.get(indicator.source) or {}
        spec = (definition.get("constructs") or {}).get(indicator.construct) or {}
        what = indicator.definition.get(report.language) or labels[
            "metric_" + indicator.metric].format(construct=spec.get("label")
                                                 or indicator.construct,
                                                 top=indicator.top or 2)
        if indicator.metric == "share" and spec.get("positive"):
            what += " " + labels["positive_codes"].format(
                codes=", ".join(str(c) for c in spec["positive"]))
        unit = str(definition.get("unit") or "")
        base = indicator.base.get(report.language) or labels["base_all"].format(
            unit=labels["units"].get(unit, unit) or labels["units"]["respondenten"])
        what, base = (text if text.endswith(".") else text + "." for text in (what, base))
        rows.append({labels["metric"]: indicator.name(report.language),
                     labels["what"]: what[:1].upper() + what[1:],
                     labels["base"]: base[:1].upper() + base[1:],
                     labels["unit"]: labels["unit_" + indicator.unit]})
    return html_table(pd.DataFrame(rows), labels["definitions"], numeric_from=99)


def fieldwork_html(report: ReportData, table: pd.DataFrame) -> str:
    """Per survey of this year: questionnaire, fieldwork, responses, response rate, n, n_eff."""
    labels = LABELS[report.language]
    rows = []
    for source in ("survey", "org_survey"):
        frame, definition = report.frames.get(source), report.definitions.get(source)
        if frame is None or definition is None:
            continue
        spec = definition["years"].get(report.year) or definition["years"].get(
            str(report.year)) or {}
        responses = int((frame["year"] == report.year).sum())
        population = spec.get("population")
        rate = (format_percent(100 * responses / population, 0, report.language)
                if population and report.segment == "all" else labels["unknown"])
        questionnaire = (definition.get("questionnaires") or {}).get(
            spec.get("questionnaire"), {}).get("label", spec.get("questionnaire", "–"))
        part = table[table["source"] == source] if "source" in table else table
        n_range = _range(part["n"], report.language)
        n_eff_range = _range(part["n_eff"].dropna().round(), report.language)
        rows.append({labels["survey"]: str(definition.get("title") or definition["name"]),
                     labels["questionnaire"]: str(questionnaire),
                     labels["fieldwork"]: str(spec.get("fieldwork") or labels[
                         "fieldwork_year"].format(year=report.year)),
                     labels["responses"]: format_count(responses, report.language),
                     labels["response_rate"]: rate,
                     labels["n_range"]: n_range, labels["n_eff_range"]: n_eff_range})
    return html_table(pd.DataFrame(rows), f"{labels['fieldwork_title']} {report.year}",
                      numeric_from=3)


def _range(values, language) -> str:
    values = [v for v in values if not pd.isna(v)]
    if not values:
        return "–"
    low, high = format_count(min(values), language), format_count(max(values), language)
    return low if low == high else f"{low}–{high}"


def methods_note(consumers, organisations=None, suppressed_cells: int = 0,
                 language: str = "nl") -> str:
    """The methods note of a report (Markdown): intervals, weighting, thresholds, privacy.

    Records which columns were dropped, pseudonymised or scrubbed as personal data (from the
    frames' ``attrs["personal_data"]``) and how many cells were suppressed — counts, never
    values. ``consumers`` may be a :class:`ReportData`.
    """
    from .. import intervals
    if isinstance(consumers, ReportData):
        language = consumers.language
        consumers, organisations = consumers.frames["survey"], consumers.frames["org_survey"]
    labels = _check_language(language)
    nps_method = NPS_METHOD_NAMES[language].get(intervals.DEFAULT_NPS_METHOD,
                                                intervals.DEFAULT_NPS_METHOD)
    min_n = min_n_of(consumers)
    fpc = organisations is not None and design_of(organisations).has_fpc
    org_min = min_n_of(organisations) if organisations is not None else None
    privacy_lines, seen = [], set()
    for frame in (consumers, organisations):
        if frame is None:
            continue
        for item in frame.attrs.get("personal_data", []) or []:
            key = (item.get("column"), item.get("action"))
            if key in seen:
                continue
            seen.add(key)
            action = labels["actions"].get(item.get("action"), item.get("action"))
            kind = labels["kinds"].get(item.get("kind"), item.get("kind"))
            privacy_lines.append(f"`{item.get('column')}` ({kind}): {action}")
    weighted = design_of(consumers).weights is not None
    calibrated = ""
    if calibration_of(consumers) is not None:
        calibrated = " " + weighting_note(consumers, language=language)[0]
    lines = [f"### {labels['method_heading']}",
             "- " + labels["m_intervals"].format(nps=nps_method),
             "- " + labels["m_changes"],
             "- " + (labels["m_weighted"] if weighted else labels["m_unweighted"])
             + calibrated
             + ((" " + (labels["m_fpc"] if fpc else labels["m_no_fpc"]))
                if organisations is not None else ""),
             "- " + (labels["m_threshold_org"].format(min_n=min_n, org_min=org_min)
                     if org_min is not None else labels["m_threshold"].format(min_n=min_n)),
             f"### {labels['privacy_heading']}",
             "- " + labels["p_found"] + ("; ".join(privacy_lines) if privacy_lines
                                        else labels["none_found"]) + ".",
             "- " + labels["p_cells"].format(count=suppressed_cells),
             "- " + labels["p_rows"]]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# the figures as files


FIGURE_COLUMNS = ["section", "metric", "label", "unit", "year", "breakdown", "group",
                  "estimate", "ci_low", "ci_high", "n", "n_eff", "flag", "suppressed",
                  "suppression", "change", "change_low", "change_high", "p_value",
                  "significant"]


def figures_table(report: ReportData, table: pd.DataFrame, trend: pd.DataFrame | None = None,
                  breakdowns: dict | None = None) -> pd.DataFrame:
    """Every figure the report shows, one row each, in the API's units (percent, NPS points).

    Suppressed figures are missing (empty cells), with ``suppressed`` and ``suppression``
    saying why; nothing is in the file that the report does not show.
    """
    rows = []
    for _, row in table.iterrows():
        rows.append({"section": "headline", "metric": row["metric"], "label": row["label"],
                     "unit": row["unit"], "year": report.year, "breakdown": None,
                     "group": None, **{k: row.get(k) for k in (
                         "estimate", "ci_low", "ci_high", "n", "n_eff", "flag", "suppressed",
                         "change", "change_low", "change_high", "p_value", "significant")},
                     "suppression": disclose.label(row["min_n"]) if row["suppressed"]
                     else None})
    if trend is not None and report.has_trend:
        for _, row in trend.iterrows():
            rows.append({"section": "trend", "breakdown": None, "group": None,
                         **{k: row[k] for k in ("metric", "label", "unit", "year", "estimate",
                                                "ci_low", "ci_high", "n", "n_eff", "flag",
                                                "suppressed", "suppression")}})
    labels = {i.key: i for i in report.indicators}
    for (by, key), part in (breakdowns or {}).items():
        indicator = labels[key]
        for _, row in part.iterrows():
            rows.append({"section": "breakdown", "metric": key,
                         "label": indicator.name(report.language), "unit": indicator.unit,
                         "year": report.year, "breakdown": by,
                         "group": report.category(row[by]),
                         **{k: row.get(k) for k in ("estimate", "ci_low", "ci_high", "n",
                                                    "n_eff", "flag", "suppressed",
                                                    "suppression")}})
    out = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    hidden = out["suppressed"].fillna(False).astype(bool)
    out.loc[hidden, ["estimate", "ci_low", "ci_high", "n_eff", "change", "change_low",
                     "change_high", "p_value"]] = np.nan
    out["n"] = pd.to_numeric(out["n"], errors="coerce").astype("Int64")
    for column in ("estimate", "ci_low", "ci_high", "n_eff", "change", "change_low",
                   "change_high", "p_value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["suppressed"] = hidden
    out.insert(0, "segment", report.segment)
    out["suppression"] = out["suppression"].where(out["suppression"].notna(), None)
    return out


def write_workbook(figures: pd.DataFrame, path, language: str = "nl") -> Path:
    """The figures as an Excel workbook: numeric cells, a header row, frozen, sized columns.

    Written row by row (openpyxl's write-only mode): a batch's appendix of thousands of rows
    took 3 s through ``DataFrame.to_excel``, which builds every cell as an object first.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    labels = LABELS[language]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(labels["sheet"])
    sheet.freeze_panes = "A2"
    header = [str(c) for c in figures.columns]
    columns = [_excel_values(figures[c]) for c in figures.columns]
    rows = list(zip(*columns)) if columns else []
    for position, name in enumerate(header):
        width = max([len(name)] + [len(str(row[position])) for row in rows[:199]
                                   if row[position] is not None])
        sheet.column_dimensions[get_column_letter(position + 1)].width = \
            min(max(8, width + 2), 40)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    notes = book.create_sheet(labels["sheet_notes"])
    for line in labels["workbook_notes"]:
        notes.append([line])
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
    import zipfile
    import re as _re
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


def write_outputs(report: ReportData, table: pd.DataFrame, figures: pd.DataFrame,
                  output_dir) -> dict:
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
        float(r["estimate"]), 6)] for _, r in part.iterrows()]
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
            "p_value", "significant", "suppressed", "unit"]
    rows = [{k: clean(row[k]) for k in keys if k in row} for _, row in table.iterrows()]
    path = Path(output_dir) / "headline.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"year": int(year), "segment": segment, "title": title,
                                "segment_name": segment_name or segment,
                                "rows": rows, "series": series or {}},
                               ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# small helpers the notebook uses


def report_title(report, year: int | None = None, segment: str | None = None,
                 language: str = "nl") -> str:
    """The report's title line (Markdown).

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2025]}); df.attrs["title"] = "Klantcontact Monitor"
    >>> report_title(df, 2025, "all")
    '# Klantcontact Monitor 2025: alle sectoren'
    """
    if isinstance(report, ReportData):
        return f"# {report.title} {report.year}: {report.segment_name()}"
    labels = _check_language(language)
    name = labels["all"] if segment == "all" else segment
    return f"# {report.attrs.get('title', 'kirc')} {year}: {name}"


def count_suppressed(*tables) -> int:
    """Number of suppressed cells over the tables of a report (for the methods note).

    Examples
    --------
    >>> count_suppressed(pd.DataFrame({"suppressed": [True, False]}),
    ...                  pd.DataFrame({"suppressed": [True]}))
    2
    """
    total = 0
    for table in tables:
        if isinstance(table, dict):
            total += count_suppressed(*table.values())
        elif table is not None and "suppressed" in table:
            total += int(table["suppressed"].fillna(False).astype(bool).sum())
    return total


def breakdown_group(segment: str) -> str:
    """Compatibility: the column the demo broke its NPS down by (sectors, or age groups).

    Examples
    --------
    >>> breakdown_group("all"), breakdown_group("telecom")
    ('sector', 'age_group')
    """
    return "sector" if segment == "all" else "age_group"
