"""Content of the annual report: headline figures, key messages, breakdowns, methods, files.

The notebook ``notebooks/annual_report.ipynb`` only calls these functions (and
:mod:`kirc.report.sections`), so that everything a report says is computed, tested and reusable
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

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .. import disclose
from ..errors import ParameterError
from ..survey.calibrate import calibration_of, methods_note as weighting_note
from ..survey.survey import design_of, min_n_of
from .formatting import format_count, format_number, format_percent, format_value
from .names import resolve_segment
from .spec import (Indicator, ReportSpec, construct_breaks, construct_label, english_labels,
                   indicators_of, option_indicators, questionnaire_label, report_meta,
                   report_settings)
from .texts import LABELS, NPS_METHOD_NAMES, SUBJECTS, check_language as _check_language

__all__ = ["LABELS", "ReportData", "prepare", "select_segment", "headline", "headline_cells",
           "headline_table", "headline_html", "key_messages", "indicator_sentence",
           "trend_table", "series_breaks", "breakdown", "breakdown_tables", "methods_note",
           "definitions_html", "fieldwork_html", "figures_table", "write_outputs",
           "write_headline", "format_number", "format_percent", "format_value",
           "report_title", "count_suppressed", "load_report_data", "html_table",
           "MultipleTables", "multiple_tables", "options_html", "options_breakdown_html"]

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
    #: The whole survey of each source (every segment), for the market beside a segment;
    #: None in the whole survey's own report.
    market: dict = field(default_factory=dict)
    #: What the report computed once and uses in several sections (significance tables, ...).
    cache: dict = field(default_factory=dict, repr=False)
    #: The multiple-response indicators (metric "multiple"), shown in a section of their own
    #: (:func:`multiple_tables`); ``indicators`` holds the others.
    multiples: list = field(default_factory=list)

    @property
    def survey(self) -> pd.DataFrame:
        return self.frames["survey"]

    def frame(self, indicator: Indicator) -> pd.DataFrame | None:
        return self.frames.get(indicator.source)

    def market_frame(self, indicator: Indicator) -> pd.DataFrame | None:
        """The whole survey of the indicator's source (a segment report only), else None."""
        if self.segment == "all":
            return None
        return self.market.get(indicator.source)

    @property
    def is_segment(self) -> bool:
        return self.segment != "all" and any(f is not None for f in self.market.values())

    def meta(self, source: str = "survey") -> dict:
        """The report settings of a source's definition (:func:`kirc.report.spec.report_meta`)."""
        definition = self.definitions.get(source)
        return report_meta(definition) if definition else report_meta({})

    def main_keys(self) -> list[str]:
        """The main indicators (the report settings' ``[report] main``), in order."""
        keys = []
        for source in ("survey", "org_survey"):
            if self.definitions.get(source):
                keys += self.meta(source)["main"]
        return keys

    def min_n(self, indicator: Indicator) -> int:
        return _min_n(self.frame(indicator))

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
    whole = load_survey(survey, years=_years_until(definition, year, repr(str(survey))))
    label = segment_of(whole, segment, by)
    frame = select_segment(whole, segment, by)
    frames = {"survey": frame, "org_survey": None}
    market = {"survey": whole if label != "all" else None, "org_survey": None}
    definitions = {"survey": definition, "org_survey": None}
    indicators = indicators_of(definition, "survey")
    if org_survey:
        org_definition = survey_definition(org_survey)
        organisations = load_survey(org_survey, years=_years_until(
            org_definition, year, repr(str(org_survey))))
        try:
            whole_organisations = organisations
            organisations = select_segment(organisations, label, by)
        except ParameterError:
            # The second survey has no such segment: better no figures from it in this
            # segment's report than the whole survey's figures under the segment's name.
            organisations = None
        if organisations is not None:
            frames["org_survey"] = organisations
            market["org_survey"] = whole_organisations if label != "all" else None
            definitions["org_survey"] = org_definition
            indicators += indicators_of(org_definition, "org_survey")
    multiples = _multiples(indicators, frames, definitions)
    indicators = [i for i in indicators if frames[i.source] is not None
                  and i.construct in frames[i.source].columns]
    return ReportData(year=int(year), segment=label, language=language, indicators=indicators,
                      frames=frames, settings=settings, definitions=definitions,
                      english=english_labels(*definitions.values()), market=market,
                      multiples=multiples)


def _multiples(indicators: list, frames: dict, definitions: dict) -> list:
    """The multiple-response indicators whose option columns the data have, with answers
    (a question asked only from a later year has none in an earlier year's report)."""
    out = []
    for indicator in indicators:
        frame = frames.get(indicator.source)
        if indicator.metric != "multiple" or frame is None:
            continue
        options = option_indicators(indicator, definitions.get(indicator.source) or {})
        if options and all(o.construct in frame.columns for o in options) and \
                frame[[o.construct for o in options]].notna().any(axis=None):
            out.append(indicator)
    return out


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
    multiples = _multiples(indicators, frames, definitions)
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
                      english=english_labels(*definitions.values()), multiples=multiples)


# --------------------------------------------------------------------------------------------
# headline figures


def headline(report, organisations=None, year=None, language: str = "nl") -> pd.DataFrame:
    """The headline figures of the report's year: estimate, change from last year, since the
    first year, and (in a segment's report) the market beside it.

    Parameters
    ----------
    report : ReportData, or the survey's frame (then ``organisations``, ``year`` follow, as in
        earlier versions)

    Returns
    -------
    pandas.DataFrame
        One row per indicator, in the definition's order: ``metric`` (key), ``label``,
        ``unit``, ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``n_eff``, ``flag``,
        ``low_base`` (shown, but the effective base is below ``min_n``), ``suppressed``,
        ``change``, ``change_low``, ``change_high``, ``p_value``, ``significant`` (None
        without a change), ``change_note`` (why there is none: ``"first_year"`` or
        ``"too_few"``), ``change_low_base``, and the same for the change since the first year
        (``first_year``, ``estimate_first``, ``long_change``, ``long_low``, ``long_high``,
        ``long_p``, ``long_significant``, ``long_note``). In a segment's report also the
        market: ``market`` (the whole survey's figure, with ``market_low``, ``market_high``,
        ``market_n``), the segment against the rest of the market (``versus``,
        ``versus_low``, ``versus_high``, ``versus_p``, ``versus_significant``,
        ``versus_low_base``: :func:`kirc.contrast` with ``versus="rest"``) and its ``rank``
        among the ``ranked`` segments shown. Suppressed figures are missing (NaN), never
        present.

    Notes
    -----
    The figures are those of the public estimators (:func:`kirc.nps`, :func:`kirc.share`,
    :func:`kirc.csat`, :func:`kirc.mean_score`, :func:`kirc.change`, :func:`kirc.contrast`;
    validated there); this function only gathers them. Changes are tests of two independent
    years; the segment against the rest of the market is a contrast of two domains of one
    sample, with their covariance.
    """
    if not isinstance(report, ReportData):
        report = _report_of(report, organisations, year, language)
    _check_language(report.language)
    rows = [_headline_row(report, indicator) for indicator in report.indicators]
    return pd.DataFrame([row for row in rows if row is not None])


def _headline_row(report: ReportData, indicator: Indicator) -> dict | None:
    """One indicator's headline figures (see :func:`headline`); None without answers in the
    report's year."""
    data = report.frame(indicator)
    this_year = _year_rows(data, report.year)
    if this_year[indicator.construct].notna().sum() == 0:
        return None
    result = _figure(report, indicator, "estimate").iloc[0]
    min_n = _min_n(data)
    suppressed = bool(disclose.hidden(result["n"], min_n))
    row = {"metric": indicator.key, "label": indicator.name(report.language),
           "unit": indicator.unit, "source": indicator.source,
           "construct": indicator.construct,
           "estimate": result["estimate"], "ci_low": result["ci_low"],
           "ci_high": result["ci_high"], "n": int(result["n"]),
           "n_eff": float(result["n_eff"]), "flag": result["flag"],
           "low_base": bool(disclose.low_base(result["n_eff"], min_n)) and not suppressed,
           "suppressed": suppressed, "min_n": min_n}
    years = sorted(int(y) for y in data.loc[data[indicator.construct].notna(), "year"]
                   .unique())
    previous = [y for y in years if y < report.year]
    row.update(_change_fields("", indicator, report, previous[-1] if previous else None,
                              report.year, suppressed, min_n))
    first = years[0] if years and years[0] < report.year else None
    row.update(_change_fields("long_", indicator, report, first, report.year, suppressed,
                              min_n))
    row["first_year"] = first
    row["previous_year"] = previous[-1] if previous else None
    row.update(_market_fields(report, indicator, suppressed, min_n, result["n_eff"]))
    if suppressed:
        row.update(estimate=np.nan, ci_low=np.nan, ci_high=np.nan, n_eff=np.nan)
    return row


def _change_fields(prefix, indicator, report, year_from, year_to, suppressed, min_n) -> dict:
    """A change (``prefix`` "": from last year; "long_": since the first year), or why not.

    Computed whenever both years' figures are shown (each on at least ``min_n`` answers);
    a low effective base in either year marks it (``*_low_base``), it does not hide it.
    """
    name = "change" if not prefix else "long_change"
    low, high = f"{prefix or 'change_'}low", f"{prefix or 'change_'}high"
    p = f"{prefix}p" if prefix else "p_value"
    fields = {name: np.nan, low: np.nan, high: np.nan, p: np.nan,
              f"{prefix}significant": None, f"{prefix or 'change_'}note": None,
              f"{prefix or 'change_'}low_base": False}
    if prefix:
        fields["estimate_first"] = np.nan
    if year_from is None:
        fields[f"{prefix or 'change_'}note"] = "first_year"
        return fields
    if suppressed:
        fields[f"{prefix or 'change_'}note"] = "suppressed"
        return fields
    delta = _figure(report, indicator, "change", (year_from, year_to)).iloc[0]
    if disclose.hidden(delta["n_from"], min_n):
        fields[f"{prefix or 'change_'}note"] = "too_few"
        fields[f"{prefix or 'change_'}year"] = year_from
        return fields
    fields.update({name: delta["estimate"], low: delta["ci_low"], high: delta["ci_high"],
                   p: delta["p_value"], f"{prefix}significant": bool(delta["significant"]),
                   f"{prefix or 'change_'}low_base": delta["flag"] != ""})
    if prefix:
        fields["estimate_first"] = delta["estimate_from"]
    return fields


def _figure(report: ReportData, indicator: Indicator, kind: str, years=None) -> pd.DataFrame:
    """The report's figures of one indicator: ``"estimate"`` (this year), ``"change"``
    (between ``years``) or ``"trend"`` (every year).

    A segment is a domain of the whole survey, so its figures are its group's rows of the
    whole survey's figures by the segment construct — the same numbers as from its own rows
    (``ks[ks.sector == x]``), computed once for all segments of a batch (:func:`_shared`)
    instead of once per segment. The whole survey's report computes on its own frame.
    """
    whole = report.market_frame(indicator)
    by = report.settings.segment_by
    if whole is None or by is None or by not in whole.columns:
        data = report.frame(indicator)
        if kind == "estimate":
            return indicator.compute(_year_rows(data, report.year))
        if kind == "change":
            return indicator.change(data, years, yearly=_yearly(report, indicator, data))
        return indicator.trend(data, yearly=_yearly(report, indicator, data))

    def compute():
        if kind == "estimate":
            return indicator.compute(_year_rows(whole, report.year), by=by)
        if kind == "change":
            return indicator.change(whole, years, by=by,
                                    yearly=_yearly(report, indicator, whole, by))
        return indicator.trend(whole, by=by, yearly=_yearly(report, indicator, whole, by))

    table = _shared(report, indicator, f"segments-{kind}-{years}", report.year, compute)
    part = table[table[by].astype(str) == str(report.segment)]
    return part.drop(columns=by).reset_index(drop=True)


def _yearly(report: ReportData, indicator: Indicator, data: pd.DataFrame, by=None):
    """The tally of the years of ``data`` by ``by`` (:meth:`Indicator.yearly`), made once per
    report: an indicator's change from last year, its change since the first year and its
    trend are computed from the same tally (a tally of every year each; it was made three
    times)."""
    key = ("yearly", id(data), indicator.source, indicator.key, indicator.metric,
           indicator.construct, by)
    if key not in report.cache:
        # the frame is kept with its tally, so that its id is not reused while cached
        report.cache[key] = (data, indicator.yearly(data, by=by))
    return report.cache[key][1]


def _shared(report: ReportData, indicator: Indicator, kind: str, year: int, compute):
    """``compute()``, shared by the reports of a batch: figures of the whole survey (the
    market beside each segment, the all-sectors trend) are the same for every segment of a
    year, so a batch computes them once (:func:`kirc.prepared.cached`, the batch's private
    cache, removed when it ends). Outside a batch this is just ``compute()``."""
    from ..prepared import cache_folder, cached, entry_key, file_stamp

    definition = report.definitions.get(indicator.source) or {}
    if cache_folder() is None or not definition.get("path"):
        return compute()
    key = entry_key("report-figures", kind, file_stamp(definition["path"]), indicator.key,
                    indicator.metric, indicator.construct, indicator.top, indicator.scale,
                    int(year))
    return cached(key, compute)


def _market_fields(report: ReportData, indicator: Indicator, suppressed: bool,
                   min_n: int, result_n_eff: float = np.nan) -> dict:
    """The market beside a segment: the whole survey's figure, the segment against the rest
    of the market (:func:`kirc.contrast`, ``versus="rest"``) and the segment's rank."""
    from ..estimate.contrast import contrast

    whole = report.market_frame(indicator)
    by = report.settings.segment_by
    if whole is None or by is None or by not in whole.columns:
        return {}
    rows = _year_rows(whole, report.year)
    market, versus = _shared(report, indicator, "market", report.year, lambda: (
        indicator.compute(rows).iloc[0],
        contrast(rows, indicator.measure, indicator.construct, by=by, versus="rest")))
    shown = not disclose.hidden(market["n"], min_n)
    fields = {"market": market["estimate"] if shown else np.nan,
              "market_low": market["ci_low"] if shown else np.nan,
              "market_high": market["ci_high"] if shown else np.nan,
              "market_n": int(market["n"]),
              "market_low_base": bool(disclose.low_base(market["n_eff"], min_n)) and shown,
              "versus": np.nan, "versus_low": np.nan, "versus_high": np.nan,
              "versus_p": np.nan, "versus_significant": None, "versus_low_base": False,
              "rank": None, "ranked": None}
    if suppressed:
        return fields
    versus = versus[versus["n"] > 0]
    mine = versus[versus[by].astype(str) == str(report.segment)]
    if mine.empty:
        return fields
    mine = mine.iloc[0]
    if not disclose.hidden(mine["n_versus"], min_n):
        fields.update(versus=mine["estimate"], versus_low=mine["ci_low"],
                      versus_high=mine["ci_high"], versus_p=mine["p_value"],
                      versus_significant=bool(mine["significant"]),
                      # the segment's own effective base: contrast flags a comparison with
                      # the rest when any one domain of the rest is small
                      versus_low_base=bool(disclose.low_base(result_n_eff, min_n)))
    ranked = versus[~disclose.hidden(versus["n"], min_n)]
    ranks = ranked["estimate_group"].rank(ascending=False, method="min")
    position = ranked[by].astype(str) == str(report.segment)
    if position.any():
        fields["rank"] = int(ranks[position].iloc[0])
        fields["ranked"] = int(len(ranked))
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


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) \
        and not (value is pd.NA) and not pd.isna(value)


def headline_cells(row, language: str = "nl") -> dict:
    """The strings of one headline row: estimate, interval, n, n_eff, change, long change, the
    market; a low effective base marked (``†``), a missing change said why.

    Sentences and tables are both built from these strings, so that they cannot disagree.

    Examples
    --------
    >>> row = {"unit": "percent", "estimate": 71.234, "ci_low": 69.0, "ci_high": 73.4,
    ...        "n": 2800, "n_eff": 2513.4, "suppressed": False, "change": -0.04,
    ...        "significant": False, "flag": ""}
    >>> cells = headline_cells(row)
    >>> cells["estimate"], cells["interval"], cells["change"], cells["change_direction"]
    ('71,2%', '69,0% – 73,4%', '0,0 pp', 0)
    >>> headline_cells({**row, "change": None, "significant": None,
    ...                 "change_note": "first_year"})["change"]
    'n.v.t. (eerste jaar)'
    """
    labels = LABELS[language]
    unit = row["unit"]
    out = {"estimate": "–", "value": "–", "interval": "–",
           "n": format_count(row.get("n"), language), "n_eff": "–", "change": "–",
           "change_direction": None, "long_change": "–", "long_direction": None, "first": "–",
           "market": "–", "versus": "–", "versus_interval": "–", "versus_direction": None,
           "rank": "–"}
    if row.get("suppressed"):
        out["estimate"] = f"– ({labels['suppressed']})"
        out["change"] = labels["change_suppressed"]
        return out
    out["value"] = format_value(row["estimate"], unit, language)
    out["estimate"] = disclose.marked(out["value"], bool(row.get("low_base")))
    if _present(row.get("ci_low")):
        out["interval"] = (f"{format_value(row['ci_low'], unit, language)} – "
                           f"{format_value(row['ci_high'], unit, language)}")
    n_eff = row.get("n_eff")
    if _present(n_eff):
        out["n_eff"] = format_count(round(float(n_eff)), language)
    for prefix, key in (("", "change"), ("long_", "long_change")):
        value = row.get("change" if not prefix else "long_change")
        note = row.get(f"{prefix or 'change_'}note")
        if not _present(value) or row.get(f"{prefix}significant") is None:
            if note == "first_year":
                out[key] = labels["change_na"]
            elif note == "too_few":
                out[key] = labels["change_too_few"].format(
                    year=row.get(f"{prefix or 'change_'}year") or "")
            continue
        zero = _rounded_zero(value, unit)
        out[key] = disclose.marked(_change_text(0.0 if zero else value, unit, language),
                                   bool(row.get(f"{prefix or 'change_'}low_base")))
        out["change_direction" if not prefix else "long_direction"] = \
            0 if zero else (1 if value > 0 else -1)
    if _present(row.get("estimate_first")):
        out["first"] = format_value(row["estimate_first"], unit, language)
    if _present(row.get("market")):
        out["market"] = disclose.marked(format_value(row["market"], unit, language),
                                        bool(row.get("market_low_base")))
    if _present(row.get("versus")):
        zero = _rounded_zero(row["versus"], unit)
        out["versus"] = disclose.marked(
            _change_text(0.0 if zero else row["versus"], unit, language),
            bool(row.get("versus_low_base")))
        out["versus_interval"] = (f"{_change_text(row['versus_low'], unit, language)} "
                                  f"{labels['to']} "
                                  f"{_change_text(row['versus_high'], unit, language)}")
        out["versus_direction"] = 0 if zero else (1 if row["versus"] > 0 else -1)
    if row.get("rank") is not None and _present(row.get("rank")):
        out["rank"] = labels["rank_value"].format(rank=int(row["rank"]),
                                                  count=int(row["ranked"]))
    return out


def _significance(row, prefix: str, language: str) -> str:
    labels = LABELS[language]
    return labels["significant"] if row.get(f"{prefix}significant") else \
        labels["not_significant"]


def _arrow(significant, direction) -> str:
    if significant and direction:
        return "▲ " if direction > 0 else "▼ "
    return ""


def headline_table(table: pd.DataFrame, language: str = "nl",
                   with_change: bool | None = None, generic: bool = False) -> pd.DataFrame:
    """The headline figures formatted for reading: value, interval, n, change, the market.

    The change column is left out when no indicator has a previous year (a one-year survey);
    the market columns (the whole survey's figure, the difference with the rest of the market
    and its interval, the rank) are there in a segment's report. A significant change or
    difference carries ▲/▼ and ``*`` (:data:`~kirc.report.texts.LABELS` ``star_legend``); a
    missing change says why.

    Examples
    --------
    >>> table = pd.DataFrame([{"metric": "fcr", "label": "FCR", "unit": "percent",
    ...     "estimate": 71.23, "ci_low": 69.0, "ci_high": 73.4, "n": 2800, "n_eff": 2500.2,
    ...     "suppressed": False, "change": 3.1, "significant": True, "flag": ""}])
    >>> headline_table(table).iloc[0].tolist()
    ['FCR', '71,2%', '69,0% – 73,4%', '2.800', '▲ +3,1 pp*']
    """
    labels = _check_language(language)
    if with_change is None:
        with_change = "significant" in table and table["significant"].notna().any()
    with_market = "market" in table and table["market"].notna().any()
    out = []
    for _, row in table.iterrows():
        cells = headline_cells(row, language)
        line = {labels["metric"]: row["label"], labels["estimate"]: cells["estimate"],
                labels["interval_short"]: cells["interval"], labels["n"]: cells["n"]}
        if with_change:
            change = cells["change"]
            if cells["change_direction"] is not None:
                change = _starred(change, row.get("significant"), cells["change_direction"])
            line[labels["change"]] = change
        if with_market:
            suffix = "_generic" if generic else ""
            line[labels["market_col" + suffix]] = cells["market"]
            versus = cells["versus"]
            if cells["versus_direction"] is not None:
                versus = _starred(versus, row.get("versus_significant"),
                                  cells["versus_direction"])
            line[labels["versus_col" + suffix]] = versus
            line[labels["versus_interval"]] = cells["versus_interval"]
            line[labels["rank_col" + suffix]] = cells["rank"]
        out.append(line)
    return pd.DataFrame(out)


def _starred(text: str, significant, direction) -> str:
    """A change or difference as the tables write it: ▲/▼ and * when significant."""
    if significant and direction:
        return f"{'▲' if direction > 0 else '▼'} {text}*"
    return text


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


def low_base_note(report: "ReportData", *tables) -> str:
    """The legend of the low-base mark (HTML), when any of the tables marks a figure."""
    import html as _html
    marked = False
    for table in tables:
        if table is None or len(table) == 0:
            continue
        for column in ("low_base", "change_low_base", "versus_low_base", "market_low_base"):
            if column in table and table[column].fillna(False).astype(bool).any():
                marked = True
    if not marked:
        return ""
    min_n = min(_min_n(f) for f in report.frames.values() if f is not None)
    return (f'<p class="kirc-note kirc-lowbase">'
            f'{_html.escape(LABELS[report.language]["low_base_legend"].format(min_n=min_n))}'
            "</p>")


def headline_html(table: pd.DataFrame, report: ReportData) -> str:
    """The headline table as HTML, with the change column only when there is a last year, the
    market beside a segment, and the legend of the low-base mark where a figure has one."""
    labels = LABELS[report.language]
    formatted = headline_table(table, report.language, with_change=report.has_trend,
                               generic=report.settings.segment_by != "sector")
    muted = [i for i, s in enumerate(table["suppressed"]) if s]
    note = f'<p class="kirc-note">{labels["star_legend"]}</p>' if report.has_trend or \
        report.is_segment else ""
    note += low_base_note(report, table)
    return html_table(formatted, f"{labels['headline']} {report.year}", muted=muted) + note


# --------------------------------------------------------------------------------------------
# words


def _subject(row, language: str) -> str:
    # an option of a multiple-response question has its own subject ("the share choosing ...")
    subject = SUBJECTS[language].get(row["metric"]) or row.get("subject") or row["label"]
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


def _breaks_for(report: ReportData, indicator_row, first: int, last: int) -> list[int]:
    """Years between ``first`` and ``last`` whose questionnaire changed this indicator's
    question (wording or scale, as the report settings declare)."""
    definition = report.definitions.get(indicator_row["source"]) or {}
    # an option of a multiple-response question: the breaks of its question
    construct = indicator_row.get("question") or indicator_row.get("construct") or \
        indicator_row["metric"]
    return [y for y in construct_breaks(definition, construct) if first < y <= last]


#: At most this many key messages; at least two when there are two figures to state.
MAX_MESSAGES = 4


@dataclass
class _Candidate:
    kind: str            # change | long | market | groups
    key: str             # indicator key
    construct: str
    main: bool
    p: float
    size: float          # the difference on a 0-100 span
    sentence: str

    def order(self, by_p: bool = True):
        return (not self.main, self.p if by_p else 0.0, -self.size)


def _size(value, row, report: ReportData) -> float:
    """A difference on a 0–100 span: points and percentage points as they are, a mean's on
    the span of its scale."""
    value = abs(float(value))
    if row["unit"] != "score":
        return value
    indicator = next((i for i in report.indicators if i.key == row["metric"]), None)
    low, high = (indicator.scale if indicator is not None and indicator.scale else (1, 5))
    return 100 * value / max(float(high) - float(low), 1e-9)


def key_messages(table: pd.DataFrame, report: ReportData, tables: dict | None = None
                 ) -> list[str]:
    """Two to four sentences chosen by one rule, from the strings of the tables they summarise.

    **Candidates** are the report's significant facts (p < 0.05, each from its own test) about
    figures it shows — not suppressed, and not marked for a low effective base:

    - *change*: a change from last year (:func:`kirc.change`);
    - *long*: a change since the first year (its own test of the first year against this
      year), when the first year is not last year (that would say the same thing twice);
    - *market*: in a segment's report, the segment against the rest of the market
      (:func:`kirc.contrast`, ``versus="rest"``);
    - *groups*: in a survey's first year (no change to report), the largest difference
      between two groups of a breakdown that the report's significance table marks
      (:func:`kirc.compare_groups`, Bonferroni); needs ``tables`` (the breakdown tables).

    **Order.** Facts about the main indicators (the report settings' ``[report] main``; the
    consumer KPIs in the demo) come before the others. Then: changes from last year, smallest
    p-value first, then the largest (at most two); the largest change since the first year
    (one; with a caveat when the questionnaire changed that indicator's question — wording or
    scale — in between); the segment against the market, the largest difference (one); the
    largest group differences (at most two, of different indicators). Sizes are compared on a
    0–100 span (points, percentage points; a mean on its scale's span).

    **Then**, when there is a last year and no indicator changed significantly from it, one
    sentence says so; and when fewer than two messages remain, the levels of the main
    indicators (then the others) fill up to two — levels only, never a change that was not
    significant, so no sentence contradicts another. A fact is stated once: one message per
    kind and question (an indicator on the same construct as one already named, such as the
    mean satisfaction beside the CSAT, is not named again). At most four messages.

    The options of a multiple-response question (:func:`multiple_tables`) are candidates as
    well, with their own subject ("the share choosing WhatsApp (channels used)"); the
    question counts as one construct, so that one message per kind names at most one of its
    options.
    """
    shown = table[~table["suppressed"].astype(bool)]
    main = set(report.main_keys())
    low = shown["low_base"].fillna(False).astype(bool) if "low_base" in shown else \
        pd.Series(False, index=shown.index)
    candidates = _candidates(shown, low, report, main)
    # the options of the multiple-response questions: their changes and differences with the
    # market are facts as well; one message per question and kind (the question's construct
    # stands for all its options)
    for question in multiple_tables(report).values():
        rows = question.headline
        if len(rows):
            rows = rows[~rows["suppressed"].astype(bool)]
            candidates += [replace(c, construct=question.indicator.construct)
                           for c in _candidates(rows, rows["low_base"].fillna(False)
                                                .astype(bool), report, main)]
    has_previous = "significant" in shown and shown["significant"].notna().any()
    if not has_previous and tables:
        candidates += _group_candidates(report, tables, main)
    return _chosen_messages(candidates, shown, report, main, has_previous)


def _candidates(shown: pd.DataFrame, low: pd.Series, report: ReportData, main: set
                ) -> list[_Candidate]:
    """The significant changes (from last year, since the first year) and differences with
    the market of headline rows: what a key message may say."""
    labels = LABELS[report.language]
    language = report.language
    candidates: list[_Candidate] = []
    for index, row in shown.iterrows():
        if low[index]:
            continue
        construct = row.get("construct") or row["metric"]
        is_main = row["metric"] in main
        cells = headline_cells(row, language)
        if row.get("significant") and cells["change_direction"] and \
                not row.get("change_low_base"):
            candidates.append(_Candidate("change", row["metric"], construct, is_main,
                                         float(row["p_value"]), _size(row["change"], row, report),
                                         indicator_sentence(row, report.year, language)))
        if row.get("long_significant") and cells["long_direction"] and \
                not row.get("long_low_base") and row.get("first_year") is not None and \
                row.get("first_year") != row.get("previous_year"):
            verb = labels["rose"] if cells["long_direction"] > 0 else labels["fell"]
            sentence = labels["long_sentence"].format(
                first_year=int(row["first_year"]), subject=_lower_first(_subject(row, language)),
                verb=verb, first=cells["first"], now=cells["value"], year=report.year)
            breaks = _breaks_for(report, row, int(row["first_year"]), report.year)
            if breaks:
                sentence = sentence[:-1] + labels["break_clause"].format(
                    year=", ".join(str(y) for y in breaks)) + "."
            candidates.append(_Candidate("long", row["metric"], construct, is_main,
                                         float(row["long_p"]),
                                         _size(row["long_change"], row, report),
                                         sentence[0].upper() + sentence[1:]))
        if row.get("versus_significant") and cells["versus_direction"] and \
                not row.get("versus_low_base"):
            sentence = labels["market_sentence"].format(
                segment=report.segment_name(), subject=_lower_first(_subject(row, language)),
                value=cells["value"],
                direction=labels["higher"] if cells["versus_direction"] > 0 else labels["lower"],
                amount=_change_text(row["versus"], row["unit"], language, words=True),
                market=cells["market"])
            candidates.append(_Candidate("market", row["metric"], construct, is_main,
                                         float(row["versus_p"]),
                                         _size(row["versus"], row, report),
                                         sentence[0].upper() + sentence[1:]))
    return candidates


def _chosen_messages(candidates: list, shown: pd.DataFrame, report: ReportData, main: set,
                     has_previous: bool) -> list[str]:
    """The key messages chosen from the candidates by the rule of :func:`key_messages`."""
    labels = LABELS[report.language]
    language = report.language
    messages: list[str] = []
    said: set = set()

    named: set = set()

    def take(kind, limit, by_p):
        chosen = 0
        # an indicator not named yet before one already named, at the same rank of main
        for candidate in sorted((c for c in candidates if c.kind == kind),
                                key=lambda c: (c.order(by_p)[0], c.construct in named,
                                               *c.order(by_p)[1:])):
            if chosen >= limit:
                break
            if (kind, candidate.construct) in said:
                continue
            said.add((kind, candidate.construct))
            named.add(candidate.construct)
            messages.append(candidate.sentence)
            chosen += 1

    take("change", 2, by_p=True)
    if has_previous:
        # nothing changed significantly (or none of the main indicators did): said once
        tested = shown[shown["significant"].notna()]
        changed = {c.key for c in candidates if c.kind == "change"}
        previous = [y for y in report.years if y < report.year][-1]
        main_tested = tested[tested["metric"].isin(main)]
        if not changed:
            messages.append(labels["no_change"].format(count=len(tested), previous=previous))
        elif len(main_tested) and not changed & set(main_tested["metric"]):
            messages.append(labels["no_change_main"].format(count=len(main_tested),
                                                            previous=previous))
    take("long", 1, by_p=False)
    take("market", 1, by_p=False)
    take("groups", 2, by_p=False)
    messages = messages[:MAX_MESSAGES]
    fillers = sorted(shown.iterrows(), key=lambda item: item[1]["metric"] not in main)
    for _, row in fillers:
        if len(messages) >= 2:
            break
        construct = row.get("construct") or row["metric"]
        if construct in named or row.get("low_base"):
            continue
        named.add(construct)
        cells = headline_cells(row, language)
        messages.append(labels["level_sentence"].format(subject=_subject(row, language),
                                                        now=cells["estimate"],
                                                        year=report.year))
    return messages


@dataclass(frozen=True)
class GroupDifference:
    """One significant pair of a breakdown: ``high`` is significantly above ``low``."""

    indicator: object
    by: str
    high: object
    low: object
    high_estimate: float
    low_estimate: float

    @property
    def size(self) -> float:
        return self.high_estimate - self.low_estimate


def group_differences(report: ReportData, by: str, tables: dict) -> list[GroupDifference]:
    """The significant pairs of one breakdown's significance letters, for every indicator;
    a pair with a group on a low effective base is left out (the report marks such a figure
    and does not build a message on it). Used by the key messages and the deck."""
    found = []
    for source in dict.fromkeys(i.source for i in report.indicators):
        tests = group_tests(report, by, tables, source)
        for indicator in report.indicators:
            result = tests.get(indicator.key)
            if result is None or result.empty:
                continue
            estimates = dict(zip(result["letter"], result["estimate"]))
            groups = dict(zip(result["letter"], result[by]))
            low = dict(zip(result["letter"], result["n_eff"] < report.min_n(indicator))) \
                if "n_eff" in result else {}
            for letter, higher in zip(result["letter"], result["higher_than"]):
                for other in higher:
                    if not (low.get(letter) or low.get(other)):
                        found.append(GroupDifference(indicator, by, groups[letter],
                                                     groups[other], estimates[letter],
                                                     estimates[other]))
    return found


def _group_candidates(report: ReportData, tables: dict, main: set) -> list[_Candidate]:
    """The significant pairs of the significance tables, one candidate per (breakdown,
    indicator): its largest difference."""
    labels = LABELS[report.language]
    out = []
    for by in report.breakdowns():
        largest = {}
        for pair in group_differences(report, by, tables):
            key = pair.indicator.key
            if key not in largest or pair.size > largest[key].size:
                largest[key] = pair
        for pair in largest.values():
            indicator = pair.indicator
            row = {"metric": indicator.key, "label": indicator.name(report.language),
                   "unit": indicator.unit}
            sentence = labels["groups_sentence"].format(
                subject=_subject(row, report.language), year=report.year,
                by=_by_label(report, by).lower(),
                high=format_value(pair.high_estimate, indicator.unit, report.language),
                high_group=report.category(pair.high),
                low=format_value(pair.low_estimate, indicator.unit, report.language),
                low_group=report.category(pair.low))
            out.append(_Candidate("groups", indicator.key, indicator.construct,
                                  indicator.key in main, 0.0, _size(pair.size, row, report),
                                  sentence))
    return out


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
        ``n``, ``n_eff``, ``flag``, ``low_base``, ``suppressed``, ``suppression``,
        ``series_break`` (True in the first year of a questionnaire that changed this
        indicator's question: its wording or scale, as the report settings declare).
    """
    return _trends(report, report.frames, whole=report.segment == "all")


def market_trend(report: ReportData) -> pd.DataFrame | None:
    """The whole market per year beside a segment (None in the whole survey's report).

    The same columns as :func:`trend_table`: every indicator of the whole survey per year,
    for the market line of the trend charts and the files. Computed once per report.
    """
    if not report.is_segment:
        return None
    if "market_trend" not in report.cache:
        frames = {source: frame for source, frame in report.market.items()
                  if frame is not None}
        report.cache["market_trend"] = _trends(report, frames, whole=True)
    return report.cache["market_trend"]


def _trends(report: ReportData, frames: dict, whole: bool = False,
            indicators: list | None = None, question: str | None = None) -> pd.DataFrame:
    """Every indicator per year of ``frames``; ``whole``: frames of the whole survey (the
    all-sectors report, or the market beside a segment), shared by a batch's reports.
    ``indicators``: others than the report's (the options of a multiple-response question,
    whose series breaks are those of its construct, ``question``)."""
    parts = []
    for indicator in (report.indicators if indicators is None else indicators):
        data = frames.get(indicator.source)
        if data is None:
            continue
        if whole:
            table = _shared(report, indicator, "trend", report.year,
                            lambda: indicator.trend(data, yearly=_yearly(report, indicator,
                                                                          data)))
        else:
            table = _figure(report, indicator, "trend")
        table = table[table["n"] > 0].copy()
        min_n = _min_n(data)
        table["suppressed"] = disclose.hidden(table["n"], min_n)
        table["suppression"] = np.where(table["suppressed"], disclose.label(min_n), None)
        for column in ("estimate", "ci_low", "ci_high", "n_eff"):
            table.loc[table["suppressed"], column] = np.nan
        table["low_base"] = disclose.low_base(table["n_eff"], min_n) & ~table["suppressed"]
        breaks = construct_breaks(report.definitions.get(indicator.source) or {},
                                  question or indicator.construct)
        table["series_break"] = table["year"].isin(breaks)
        table.insert(0, "metric", indicator.key)
        table.insert(1, "label", indicator.name(report.language))
        table.insert(2, "unit", indicator.unit)
        parts.append(table[["metric", "label", "unit", "year", "estimate", "ci_low", "ci_high",
                            "n", "n_eff", "flag", "low_base", "suppressed", "suppression",
                            "series_break"]])
    if not parts:
        return pd.DataFrame(columns=["metric", "label", "unit", "year", "estimate", "low_base",
                                     "suppressed", "series_break"])
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out


def trend_html(trend: pd.DataFrame, report: ReportData, first: str = "metric") -> str:
    """The trend as one table: indicators × years, suppressed cells '–', low bases marked;
    ``first``: the catalogue key of the first column's header."""
    labels = LABELS[report.language]
    years = sorted(trend["year"].unique())
    rows = []
    for key, part in trend.groupby("metric", sort=False):
        by_year = part.set_index("year")
        line = {labels[first]: part["label"].iloc[0]}
        for year in years:
            if year not in by_year.index:
                line[str(year)] = ""
                continue
            cell = by_year.loc[year]
            line[str(year)] = "–" if cell["suppressed"] else disclose.marked(
                format_value(cell["estimate"], cell["unit"], report.language),
                bool(cell.get("low_base")))
        rows.append(line)
    return (html_table(pd.DataFrame(rows), labels["trend_table"])
            + low_base_note(report, trend))


def breakdown(data, indicator, by: str, year: int | None = None,
              language: str = "nl", figures: pd.DataFrame | None = None) -> pd.DataFrame:
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
    # ``figures``: the indicator per group when already computed (a segment's groups, from
    # the whole survey by segment and group: the same domain estimates)
    table = indicator.compute(rows, by=by) if figures is None else figures
    table = table[table["n"] > 0].reset_index(drop=True)
    values = [c for c in _VALUES if c in table.columns]
    min_n = _min_n(data)
    out = disclose.suppress(table, min_n=min_n, value_columns=values)
    out["n"] = out["n"].astype("Int64")
    out["low_base"] = disclose.low_base(out["n_eff"], min_n) & ~out["suppressed"]
    ordered = isinstance(rows[by].dtype, pd.CategoricalDtype) and rows[by].cat.ordered
    # Ordered categories (age groups) keep their order; others are sorted high to low.
    order = out.assign(_hidden=out["suppressed"]).sort_values(
        ["_hidden"] if ordered else ["_hidden", "estimate"],
        ascending=[True] if ordered else [True, False], kind="stable")
    return order.drop(columns="_hidden").reset_index(drop=True)


def breakdown_tables(report: ReportData, indicators: list | None = None) -> dict:
    """Every indicator by every breakdown of the definition: ``{(by, key): table}``.

    In the whole survey's report, the breakdown by the segments (``[report] segment_by``)
    also holds each shown segment against the rest of the market (:func:`kirc.contrast`,
    ``versus="rest"``): ``versus``, ``versus_low``, ``versus_high``, ``versus_p``,
    ``versus_significant``. ``indicators``: others than the report's (the options of a
    multiple-response question, :func:`multiple_tables`).
    """
    out = {}
    for by in report.breakdowns():
        for indicator in (report.indicators if indicators is None else indicators):
            frame = report.frame(indicator)
            if by not in frame.columns:
                continue
            table = breakdown(frame, indicator, by, report.year,
                              figures=_segment_groups(report, indicator, by))
            if len(table):
                if report.segment == "all" and by == report.settings.segment_by:
                    table = _against_the_rest(table, frame, indicator, by, report.year, report)
                out[(by, indicator.key)] = table
    return out


def _segment_groups(report: ReportData, indicator: Indicator, by: str) -> pd.DataFrame | None:
    """A segment's figures per group of ``by``: its rows of the whole survey's figures by
    segment and group, computed once for all segments of a batch; None in the whole survey's
    report."""
    whole = report.market_frame(indicator)
    segment_by = report.settings.segment_by
    if whole is None or segment_by is None or segment_by not in whole.columns:
        return None
    rows = _year_rows(whole, report.year)
    table = _shared(report, indicator, f"groups-{by}", report.year,
                    lambda: indicator.compute(rows, by=[segment_by, by]))
    part = table[table[segment_by].astype(str) == str(report.segment)]
    return part.drop(columns=segment_by).reset_index(drop=True)


def _against_the_rest(table, frame, indicator, by, year, report=None) -> pd.DataFrame:
    """Each shown group of the segments' breakdown against the rest of the market."""
    from ..estimate.contrast import contrast

    rows = _year_rows(frame, year)
    if report is not None:
        _, versus = _shared(report, indicator, "market", year, lambda: (
            indicator.compute(rows).iloc[0],
            contrast(rows, indicator.measure, indicator.construct, by=by, versus="rest")))
    else:
        versus = contrast(rows, indicator.measure, indicator.construct, by=by, versus="rest")
    versus = versus.set_index(versus[by].astype(str))
    min_n = _min_n(frame)
    out = table.copy()
    for column in ("versus", "versus_low", "versus_high", "versus_p"):
        out[column] = np.nan
    out["versus_significant"] = None
    out["versus_low_base"] = False
    for position, (value, hidden) in enumerate(zip(out[by], out["suppressed"])):
        key = str(value)
        if hidden or key not in versus.index or disclose.hidden(versus.loc[key, "n_versus"],
                                                                min_n):
            continue
        match = versus.loc[key]
        out.loc[out.index[position], ["versus", "versus_low", "versus_high", "versus_p"]] = [
            match["estimate"], match["ci_low"], match["ci_high"], match["p_value"]]
        out.at[out.index[position], "versus_significant"] = bool(match["significant"])
        # the group's own effective base (contrast flags the rest when any part is small)
        out.at[out.index[position], "versus_low_base"] = bool(out["low_base"].iloc[position])
    return out


def breakdown_html(table: pd.DataFrame, by: str, indicator: Indicator,
                   report: ReportData) -> str:
    """The numbers beside a breakdown chart: group, estimate, interval, n (and, for the
    segments in the whole survey's report, the difference with the rest of the market)."""
    labels = LABELS[report.language]
    language = report.language
    against = "versus" in table and table["versus"].notna().any()
    rows, muted = [], []
    for position, (_, row) in enumerate(table.iterrows()):
        group = report.category(row[by])
        line = {_by_label(report, by): group}
        if row["suppressed"]:
            reason = labels["complementary"] if row["suppression"] == "complementary" \
                else labels["suppressed"]
            line.update({labels["estimate"]: f"– ({reason})", labels["interval_short"]: "–",
                         labels["n"]: "–"})
            if against:
                line[labels["versus_short"]] = "–"
            rows.append(line)
            muted.append(position)
            continue
        unit = indicator.unit
        line.update({
            labels["estimate"]: disclose.marked(format_value(row["estimate"], unit, language),
                                                bool(row.get("low_base"))),
            labels["interval_short"]: f"{format_value(row['ci_low'], unit, language)}"
                                      f" – {format_value(row['ci_high'], unit, language)}",
            labels["n"]: format_count(row["n"], language)})
        if against:
            text = "–"
            if _present(row.get("versus")):
                zero = _rounded_zero(row["versus"], unit)
                direction = 0 if zero else (1 if row["versus"] > 0 else -1)
                text = _starred(disclose.marked(
                    _change_text(0.0 if zero else row["versus"], unit, language),
                    bool(row.get("versus_low_base"))), row.get("versus_significant"), direction)
            line[labels["versus_short"]] = text
        rows.append(line)
    notes = low_base_note(report, table)
    if against:
        notes += f'<p class="kirc-note">{labels["versus_legend"]}</p>'
    return html_table(pd.DataFrame(rows), f"{indicator.name(language)} "
                      f"{labels['by']} {_by_label(report, by).lower()}, {report.year}",
                      muted=muted) + notes


def group_tests(report: ReportData, by: str, tables: dict, source: str = "survey") -> dict:
    """:func:`kirc.compare_groups` of every indicator of one survey by one breakdown.

    Groups suppressed in the breakdown table are left out (neither tested nor named).
    Computed once per report (the significance tables, the key messages and the deck use
    them): ``{indicator key: compare_groups table}``.
    """
    from ..estimate.groups import compare_groups

    key = ("group_tests", by, source)
    if key in report.cache:
        return report.cache[key]
    out = {}
    for indicator in report.indicators:
        if indicator.source != source or (by, indicator.key) not in tables:
            continue
        data = _year_rows(report.frame(indicator), report.year)
        hidden = tables[(by, indicator.key)]
        hidden = set(hidden.loc[hidden["suppressed"], by])
        data = data[~data[by].isin(hidden)]
        if data.empty:
            out[indicator.key] = None
            continue
        if isinstance(data[by].dtype, pd.CategoricalDtype):
            data = data.assign(**{by: data[by].cat.remove_unused_categories()})
        out[indicator.key] = compare_groups(data, indicator.measure, indicator.construct, by=by,
                                            min_n=_min_n(report.frame(indicator)))
    report.cache[key] = out
    return out


def significance(report: ReportData, by: str, tables: dict,
                 source: str = "survey") -> pd.DataFrame | None:
    """Which groups differ: every indicator of one breakdown, with SPSS-style letters.

    One row per group, ``(A) telecom``, one column per indicator; a cell holds the
    figure and the letters of the groups it is significantly higher than
    (:func:`kirc.compare_groups`: the tests of the figures' own design, Bonferroni over the
    pairs). Letters are the groups' places in the breakdown's category order, the same in
    every row. A group suppressed in the breakdown table is suppressed here too ("–"), and is
    neither tested nor named; a figure on a low effective base carries the low-base mark.
    None when no indicator of the survey has this breakdown.
    """
    from ..estimate.groups import column_letters

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
    tests = group_tests(report, by, tables, source)
    rows = []
    for indicator in chosen:
        hidden = tables[(by, indicator.key)]
        hidden = set(hidden.loc[hidden["suppressed"], by])
        row = {labels["metric"]: indicator.name(report.language)}
        result = tests.get(indicator.key)
        if result is None:             # every group suppressed: nothing to test
            rows.append({**row, **{f"({letters[v]}) {report.category(v)}": "–" for v in groups}})
            continue
        own = dict(zip(result["letter"], result[by]))
        min_n = report.min_n(indicator)
        for value in groups:
            head = f"({letters[value]}) {report.category(value)}"
            match = result[result[by] == value]
            if value in hidden or match.empty or pd.isna(match["estimate"].iloc[0]):
                row[head] = "–"
                continue
            higher = "".join(sorted(letters[own[c]] for c in match["higher_than"].iloc[0]))
            text = format_value(match["estimate"].iloc[0], indicator.unit, report.language)
            text = disclose.marked(text, bool(disclose.low_base(match["n_eff"].iloc[0], min_n)))
            row[head] = text + (f" {higher}" if higher else "")
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
    if by in labels and isinstance(labels[by], str):
        return labels[by]
    for source in ("survey", "org_survey"):
        definition = report.definitions.get(source) or {}
        if by in (definition.get("constructs") or {}):
            return construct_label(definition, by, report.language)
    return by


# --------------------------------------------------------------------------------------------
# multiple-response questions: a share per option


@dataclass
class MultipleTables:
    """The figures of one multiple-response indicator in a report.

    Each option is an indicator of its own (:func:`kirc.report.spec.option_indicators`): the
    share of the respondents who answered the question that chose it, on the option's 0/1
    column (missing where the question was not answered) — the figure
    :func:`kirc.multiple_response` gives, so that every rule of the report's other indicators
    (change, market, trend, breakdown, suppression, the low-base mark) holds for it unchanged.
    """

    indicator: Indicator
    #: The options asked in the report's year (an option added later is left out before).
    options: list
    #: Every option of the question (the trend holds each in the years it was asked).
    all_options: list
    #: One headline row per option (:func:`headline`), the largest share first, suppressed last.
    headline: pd.DataFrame
    #: Every option per year (:func:`trend_table`), and beside a segment the market's.
    trend: pd.DataFrame
    market_trend: pd.DataFrame | None
    #: ``{(by, option key): table}`` (:func:`breakdown_tables`).
    breakdowns: dict
    #: The respondents who answered the question in the report's year, and the mean number of
    #: options they chose (:func:`kirc.multiple_response`; missing when suppressed).
    answered: int
    mean_options: float


def multiple_tables(report: ReportData) -> dict:
    """``{key: MultipleTables}`` of the report's multiple-response indicators (computed once
    per report)."""
    key = ("multiple", report.year, report.segment, report.language)
    if key not in report.cache:
        report.cache[key] = {indicator.key: _multiple_tables(report, indicator)
                             for indicator in report.multiples}
    return report.cache[key]


def _multiple_tables(report: ReportData, indicator: Indicator) -> MultipleTables:
    from ..estimate.multiple import multiple_response

    language = report.language
    definition = report.definitions.get(indicator.source) or {}
    every = option_indicators(indicator, definition)
    frame = report.frame(indicator)
    this_year = _year_rows(frame, report.year)
    options = [o for o in every if this_year[o.construct].notna().any()]
    question = _lower_first(indicator.name(language))
    rows = []
    for option in options:
        row = _headline_row(report, option)
        row.update(question=indicator.construct, parent=indicator.key,
                   subject=LABELS[language]["option_subject"].format(
                       option=option.name(language), question=question))
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):
        table = table.assign(_hidden=table["suppressed"]).sort_values(
            ["_hidden", "estimate"], ascending=[True, False], kind="stable").drop(
            columns="_hidden").reset_index(drop=True)
    # the trend in the order of the bars (an option not asked this year last)
    shown = list(table["metric"]) if len(table) else []
    every = sorted(every, key=lambda o: shown.index(o.key) if o.key in shown else len(shown))
    trend = _trends(report, report.frames, whole=report.segment == "all", indicators=every,
                    question=indicator.construct)
    market = None
    if report.is_segment:
        frames = {source: f for source, f in report.market.items() if f is not None}
        market = _trends(report, frames, whole=True, indicators=every,
                         question=indicator.construct)
    answered = int(table["n"].max()) if len(table) else 0
    mean = np.nan
    if options and not disclose.hidden(answered, _min_n(frame)):
        mean = float(multiple_response(this_year, indicator.construct)["mean_options"].iloc[0])
    return MultipleTables(indicator, options, every, table, trend, market,
                          breakdown_tables(report, options), answered, mean)


def options_html(question: MultipleTables, report: ReportData) -> str:
    """The options' table beside their chart: share, interval, n, the change (and beside a
    segment the market), as the headline table writes them."""
    labels = LABELS[report.language]
    table = question.headline
    formatted = headline_table(table, report.language, with_change=report.has_trend,
                               generic=report.settings.segment_by != "sector")
    formatted = formatted.rename(columns={labels["metric"]: labels["option"]})
    muted = [i for i, s in enumerate(table["suppressed"]) if s]
    note = labels["several_answers"]
    if _present(question.mean_options):
        note += " " + labels["mean_options"].format(
            mean=format_number(question.mean_options, 1, report.language),
            n=format_count(question.answered, report.language))
    note = f'<p class="kirc-note">{note}</p>'
    if report.has_trend or report.is_segment:
        note += f'<p class="kirc-note">{labels["star_legend"]}</p>'
    return (html_table(formatted, f"{question.indicator.name(report.language)} "
                       f"{report.year}", muted=muted) + note + low_base_note(report, table))


def options_breakdown_html(question: MultipleTables, by: str, report: ReportData) -> str:
    """The options by one breakdown: a row per group (the categories' order, suppressed groups
    last), a column per option (the options' order), the group's n; ▲/▼ a group that differs
    significantly from the rest of the market (the whole survey's report, by segment)."""
    labels = LABELS[report.language]
    language = report.language
    parts = {o.key: question.breakdowns.get((by, o.key)) for o in question.options}
    parts = {key: part for key, part in parts.items() if part is not None and len(part)}
    if not parts:
        return ""
    names = {o.key: o.name(language) for o in question.options}
    order = [key for key in question.headline["metric"] if key in parts]
    first = parts[order[0]]
    groups = list(first[by])
    # one order for every option: the categories' (the breakdown sorts each option by its
    # own figure), suppressed groups last
    column = report.frame(question.indicator)[by]
    categories = [str(c) for c in column.cat.categories] if isinstance(
        column.dtype, pd.CategoricalDtype) else sorted(str(g) for g in groups)
    hidden = dict(zip(first[by].astype(str), first["suppressed"].astype(bool)))
    groups.sort(key=lambda g: (hidden[str(g)], categories.index(str(g))
                               if str(g) in categories else len(categories)))
    cells = {key: part.set_index(part[by].astype(str)) for key, part in parts.items()}
    rows, muted = [], []
    for position, group in enumerate(groups):
        line = {_by_label(report, by): report.category(group)}
        ns, reason = set(), None
        for key in order:
            cell = cells[key].loc[str(group)] if str(group) in cells[key].index else None
            if cell is None or cell["suppressed"]:
                if cell is not None:
                    reason = labels["complementary"] if cell["suppression"] == \
                        "complementary" else labels["suppressed"]
                line[names[key]] = "–"
                continue
            text = disclose.marked(format_value(cell["estimate"], "percent", language),
                                   bool(cell.get("low_base")))
            if cell.get("versus_significant"):
                text = f"{'▲' if cell['versus'] > 0 else '▼'} {text}"
            line[names[key]] = text
            ns.add(int(cell["n"]))
        # the options share their respondents; were an option's base another, say both
        line[labels["n"]] = f"– ({reason})" if not ns else " / ".join(
            format_count(n, language) for n in sorted(ns, reverse=True))
        if reason and not ns:
            muted.append(position)
        rows.append(line)
    notes = low_base_note(report, *parts.values())
    if any("versus" in p and p["versus"].notna().any() for p in parts.values()):
        notes += f'<p class="kirc-note">{labels["versus_legend"]}</p>'
    if muted:
        text = labels["options_suppressed"].format(min_n=report.min_n(question.indicator))
        notes += f'<p class="kirc-note">{text}</p>'
    caption = (f"{question.indicator.name(language)} {labels['by']} "
               f"{_by_label(report, by).lower()}, {report.year} (%)")
    return html_table(pd.DataFrame(rows), caption, muted=muted) + notes


# --------------------------------------------------------------------------------------------
# methods




def definitions_html(report: ReportData) -> str:
    """What each indicator counts, who was asked (the base) and its unit, in the report's
    language (question texts from the report settings' ``label_en`` in English)."""
    labels = LABELS[report.language]
    rows = []
    for indicator in report.indicators + report.multiples:
        definition = report.definitions.get(indicator.source) or {}
        question = construct_label(definition, indicator.construct, report.language)
        what = indicator.definition.get(report.language) or labels[
            "metric_" + indicator.metric].format(construct=question, top=indicator.top or 2)
        unit = str(definition.get("unit") or "")
        base = indicator.base.get(report.language) or labels["base_all"].format(
            unit=labels["units"].get(unit, unit) or labels["units"]["respondenten"])
        what, base = (text if text.endswith(".") else text + "." for text in (what, base))
        rows.append({labels["metric"]: indicator.name(report.language),
                     labels["what"]: what[:1].upper() + what[1:],
                     labels["base"]: base[:1].upper() + base[1:],
                     labels["unit"]: labels["unit_" + indicator.unit]})
    return html_table(pd.DataFrame(rows), labels["definitions"], numeric_from=99)


def format_date(value, language: str) -> str:
    """A date as the language writes it: ``3 november 2025``, ``3 November 2025``.

    Examples
    --------
    >>> import datetime
    >>> format_date(datetime.date(2025, 11, 3), "nl"), format_date(datetime.date(2025, 11, 3), "en")
    ('3 november 2025', '3 November 2025')
    """
    return f"{value.day} {LABELS[language]['months'][value.month - 1]} {value.year}"


def fieldwork_period(spec: dict, language: str) -> str | None:
    """The fieldwork of a year as text (None when the report settings do not record it)."""
    value = spec.get("fieldwork")
    if value is None:
        return None
    if isinstance(value, tuple):
        start, end = value
        return LABELS[language]["period"].format(start=format_date(start, language),
                                                 end=format_date(end, language))
    return value.get(language) or value.get("nl")


def fieldwork_html(report: ReportData, table: pd.DataFrame) -> str:
    """Per survey of this year: questionnaire, fieldwork period, mode, invited, responded,
    response rate, n and effective n per indicator.

    From the report settings (:func:`kirc.report.spec.report_meta`); what they do not record
    is said to be not recorded — only a survey of your own can lack it, the demo records all.
    In a segment's report the responses are the segment's, the response rate the whole
    survey's (invitations are not known per segment).
    """
    labels = LABELS[report.language]
    language = report.language
    missing = labels["not_recorded"]
    rows = []
    for source in ("survey", "org_survey"):
        frame, definition = report.frames.get(source), report.definitions.get(source)
        if frame is None or definition is None:
            continue
        spec = definition["years"].get(report.year) or definition["years"].get(
            str(report.year)) or {}
        meta = report.meta(source)["years"].get(report.year, {})
        responses = int((frame["year"] == report.year).sum())
        whole = report.market.get(source)
        all_responses = meta.get("responded") or int(
            ((whole if whole is not None else frame)["year"] == report.year).sum())
        invited = meta.get("invited") or spec.get("population")
        rate = missing
        if invited:
            rate = format_percent(100 * all_responses / invited, 0, language)
            if report.segment != "all":
                rate = labels["whole_survey"].format(
                    rate=rate, responded=format_count(all_responses, language),
                    invited=format_count(invited, language))
        mode = meta.get("mode")
        part = table[table["source"] == source] if "source" in table else table
        rows.append({
            labels["survey"]: str(definition.get("title") or definition["name"]),
            labels["questionnaire"]: questionnaire_label(definition, spec.get("questionnaire"),
                                                         language),
            labels["fieldwork"]: fieldwork_period(meta, language) or missing,
            labels["mode"]: (mode.get(language) or mode.get("nl")) if mode else missing,
            labels["invited"]: format_count(invited, language) if invited and
            report.segment == "all" else (format_count(invited, language) if invited
                                          else missing),
            (labels["segment_responses"].format(segment=report.segment_name())
             if report.segment != "all" else labels["responded"]):
                format_count(responses, language),
            labels["response_rate"]: rate,
            labels["n_range"]: _range(part["n"], language),
            labels["n_eff_range_plain"]: _range(part["n_eff"].dropna().round(), language)})
    wide = pd.DataFrame(rows)
    # one column per survey: the labels down, so that long texts wrap in a narrow column
    out = wide.set_index(labels["survey"]).T.reset_index()
    out.columns = [labels["fieldwork_title"], *wide[labels["survey"]]]
    return html_table(out, f"{labels['fieldwork_title']} {report.year}", numeric_from=99)


def _range(values, language) -> str:
    values = [v for v in values if not pd.isna(v)]
    if not values:
        return "–"
    low, high = format_count(min(values), language), format_count(max(values), language)
    return low if low == high else f"{low}–{high}"


def _changes_method(consumers, organisations, labels) -> str:
    """How the report tests a change, as the designs of its surveys do it: count-based for an
    unweighted simple random sample, the design's t otherwise; years as separate samples, or
    returning organisations as repeated measurements (a design with ``linked``)."""
    designs = [design_of(frame) for frame in (consumers, organisations) if frame is not None]
    simple = all(d.weights is None and d.psu is None and not d.has_fpc for d in designs)
    text = labels["m_changes"] if simple else labels["m_changes_design"]
    years = ["m_years_linked" if d.linked else "m_years_independent" for d in designs]
    return " ".join([text, *(labels[key] for key in dict.fromkeys(years))])


def methods_note(consumers, organisations=None, suppressed_cells: int = 0,
                 language: str = "nl") -> str:
    """The methods note of a report (Markdown): intervals, weighting, thresholds, privacy.

    Records which columns were dropped, pseudonymised or scrubbed as personal data (from the
    frames' ``attrs["personal_data"]``) and how many cells were suppressed — counts, never
    values. ``consumers`` may be a :class:`ReportData`.
    """
    from .. import intervals
    market = False
    if isinstance(consumers, ReportData):
        language = consumers.language
        market = consumers.is_segment
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
             "- " + _changes_method(consumers, organisations, labels),
             "- " + (labels["m_weighted"] if weighted else labels["m_unweighted"])
             + calibrated
             + ((" " + (labels["m_fpc"] if fpc else labels["m_no_fpc"]))
                if organisations is not None else ""),
             "- " + (labels["m_threshold_org"].format(min_n=min_n, org_min=org_min)
                     if org_min is not None else labels["m_threshold"].format(min_n=min_n)),
             *(["- " + labels["m_market"]] if market else []),
             f"### {labels['privacy_heading']}",
             "- " + labels["p_found"] + ("; ".join(privacy_lines) if privacy_lines
                                        else labels["none_found"]) + ".",
             "- " + labels["p_cells"].format(count=suppressed_cells),
             "- " + labels["p_rows"]]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# the figures as files: kirc.report.files (names kept here for the notebook and the tests)

from . import files as _files  # noqa: E402
from .files import write_headline, write_outputs  # noqa: E402


def figures_table(report: ReportData, table: pd.DataFrame, trend: pd.DataFrame | None = None,
                  breakdowns: dict | None = None) -> pd.DataFrame:
    """Every figure the report shows, one row each (:func:`kirc.report.files.figures_table`),
    with the market's trend beside a segment."""
    market = market_trend(report) if trend is not None and report.has_trend else None
    parts = [_files.figures_table(report, table, trend, breakdowns, market)]
    # the options of the multiple-response questions, each named "question: option"
    for question in multiple_tables(report).values():
        part = _files.figures_table(
            report, question.headline, question.trend if trend is not None else None,
            question.breakdowns if breakdowns is not None else None,
            question.market_trend if trend is not None else None,
            indicators=question.all_options)
        names = {o.key: f"{question.indicator.name(report.language)}: "
                        f"{o.name(report.language)}" for o in question.all_options}
        part["label"] = part["metric"].map(names).fillna(part["label"])
        parts.append(part)
    # (empty parts left out: pandas warns of them)
    return pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)


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
        elif isinstance(table, MultipleTables):
            total += count_suppressed(table.headline, table.trend, table.breakdowns)
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
