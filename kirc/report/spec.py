"""What a report shows, read from the survey definition: its indicators and its breakdowns.

The definition's ``[indicators]`` (an ordered catalogue: metric, construct, unit, labels in
Dutch and English) and ``[report]`` (breakdowns, the segment construct, an optional second
survey joined by year) drive the report; see ``docs/definition.md`` for the format.
:func:`kirc.survey_definition` always returns both (a default catalogue derived from the
constructs when a file declares none), so the report never depends on the demo's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..estimate.compare import _change_of, _trend_of, _yearly, change, trend
from ..estimate.metrics import as_list
from ..survey.survey import FROM_DESIGN
from ..estimate.metrics import estimate
from ..measures import measure_of

__all__ = ["Indicator", "ReportSpec", "indicators_of", "option_indicators", "report_settings",
           "english_labels"]

#: Units as the definition writes them -> the units the formatting functions use.
UNITS = {"punten": "points", "procent": "percent", "schaal": "score",
         "points": "points", "percent": "percent", "score": "score"}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the report: a metric of one construct, in the API's units."""

    key: str
    metric: str                    # nps | share | top_box | mean | multiple
    construct: str
    label: dict                    # {"nl": ..., "en": ...}
    unit: str                      # points | percent | score
    source: str = "survey"         # survey | org_survey
    top: int | None = None
    scale: tuple | None = None
    definition: dict = field(default_factory=dict)
    base: dict = field(default_factory=dict)
    min_n: int = 30
    #: An option of a multiple-response indicator: that indicator's key (the option is the
    #: share of its respondents choosing it; ``construct`` is the option's column).
    parent: str | None = None

    def name(self, language: str) -> str:
        return self.label.get(language) or self.label.get("nl") or self.key

    @property
    def measure(self):
        """The :class:`kirc.measures.Measure` of this indicator (its metric and options)."""
        if self.metric == "top_box":
            return measure_of("top_box", scale=tuple(int(v) for v in self.scale or (1, 5)),
                              top=int(self.top or 2))
        if self.metric in ("nps", "mean"):
            return measure_of(self.metric)
        return measure_of("share", positive=1)

    def compute(self, data: pd.DataFrame, by=None) -> pd.DataFrame:
        """The indicator per ``by`` group of ``data`` (a survey or a domain of one)."""
        return estimate(data, self.measure, self.construct, by=by)

    def trend(self, data: pd.DataFrame, by=None, yearly=None) -> pd.DataFrame:
        """The indicator per year (:func:`kirc.trend`), per ``by`` group if given.
        ``yearly``: the tally of the years of ``data`` by ``by`` (:meth:`yearly`), if made."""
        if yearly is None:
            return trend(data, self.measure, self.construct, by=by)
        return _trend_of(data, self.construct, as_list(by), "year", yearly)

    def change(self, data: pd.DataFrame, years, by=None, yearly=None) -> pd.DataFrame:
        """Change between two years (``(from, to)``), via :func:`kirc.change`. ``yearly``:
        the tally of the years of ``data`` by ``by`` (:meth:`yearly`), if made."""
        if yearly is None:
            return change(data, self.measure, self.construct, year=tuple(years), by=by)
        return _change_of(data, self.construct, tuple(years), as_list(by), "year", yearly)

    def yearly(self, data: pd.DataFrame, by=None) -> tuple:
        """The tally of the years of ``data`` (per ``by`` group): what :meth:`trend` and
        every :meth:`change` of the same data and groups compute first, made once for all
        of them (a report's change from last year, since the first year and its trend)."""
        return _yearly(data, self.measure, self.construct, as_list(by), "year", None,
                       FROM_DESIGN, FROM_DESIGN, {})


@dataclass(frozen=True)
class ReportSpec:
    """The ``[report]`` settings: breakdowns, the segment construct, the second survey."""

    breakdowns: tuple
    segment_by: str | None
    org_survey: str | None


def _text(value, fallback: str) -> dict:
    if isinstance(value, dict):
        return {"nl": str(value.get("nl") or value.get("en") or fallback),
                "en": str(value.get("en") or value.get("nl") or fallback)}
    if value:
        return {"nl": str(value), "en": str(value)}
    return {}


def indicators_of(definition: dict, source: str = "survey") -> list[Indicator]:
    """The indicators a definition declares, in its order (derived when it declares none)."""
    catalogue = definition.get("indicators") or {}
    constructs = definition.get("constructs") or {}
    min_n = int(definition.get("min_n") or 30)
    out = []
    for key, spec in catalogue.items():
        construct = spec.get("construct", key)
        metric = spec.get("metric", "share")
        scale = (constructs.get(construct) or {}).get("scale")
        out.append(Indicator(
            key=key, metric=metric, construct=construct,
            label=_text(spec.get("label"), key) or {"nl": key, "en": key},
            unit=UNITS.get(str(spec.get("unit") or "")) or (
                "percent" if metric == "multiple" else measure_of(metric).unit),
            source=source, top=spec.get("top"), scale=tuple(scale) if scale else None,
            definition=_text(spec.get("definition"), ""), base=_text(spec.get("base"), ""),
            min_n=min_n))
    return out


def option_indicators(indicator: Indicator, definition: dict) -> list[Indicator]:
    """The options of a multiple-response indicator, each an indicator of its own: the share
    (%) of the respondents who answered the question that chose it, on the option's column.

    Examples
    --------
    >>> from kirc.survey.definition import survey_definition
    >>> definition = survey_definition("klantcontact")
    >>> channels = next(i for i in indicators_of(definition) if i.metric == "multiple")
    >>> [(o.key, o.construct, o.label["en"]) for o in option_indicators(channels, definition)][:2]
    [('channels_used.phone', 'channels_used_phone', 'telephone'), ('channels_used.email', 'channels_used_email', 'e-mail')]
    """
    spec = (definition.get("constructs") or {}).get(indicator.construct) or {}
    english = {column: label for label, column in (spec.get("options_en") or {}).items()}
    dutch = {column: label for label, column in (spec.get("options") or {}).items()}
    out = []
    for key, column in (spec.get("keys") or {}).items():
        out.append(Indicator(key=f"{indicator.key}.{key}", metric="share", construct=column,
                             label={"nl": dutch[column], "en": english.get(column, dutch[column])},
                             unit="percent", source=indicator.source,
                             base=indicator.base, min_n=indicator.min_n,
                             parent=indicator.key))
    return out


def report_settings(definition: dict) -> ReportSpec:
    """The definition's ``[report]`` table (:func:`kirc.survey_definition` fills defaults).

    A second survey given as a relative ``.toml`` path is relative to the definition's folder.
    """
    settings = definition.get("report") or {}
    org = settings.get("org_survey") or None
    if org and ("/" in org or org.lower().endswith(".toml")) and not Path(org).is_absolute() \
            and definition.get("path"):
        org = str((Path(definition["path"]).parent / org).resolve())
    return ReportSpec(breakdowns=tuple(settings.get("breakdowns") or ()),
                      segment_by=settings.get("segment_by"), org_survey=org)


def english_labels(*definitions: dict) -> dict:
    """Dutch category label -> English (``labels_en``), over all category constructs."""
    out: dict = {}
    for definition in definitions:
        if not definition:
            continue
        for spec in (definition.get("constructs") or {}).values():
            dutch, english = spec.get("labels") or {}, spec.get("labels_en") or {}
            if isinstance(dutch, dict) and isinstance(english, dict):
                for code, text in dutch.items():
                    if code in english:
                        out[str(text)] = str(english[code])
    return out


# --------------------------------------------------------------------------------------------
# report settings beside the definition


#: What a questionnaire may have changed in a construct's question, against the one before it.
CHANGES = ("wording", "scale", "columns")
#: Changes that may move a series (the report marks a break and adds a caveat); "columns"
#: (only the column was renamed) does not.
BREAKING = ("wording", "scale")
#: The folder beside a definition that holds its report settings (``report/<name>.toml``).
SETTINGS_FOLDER = "report"

_SETTINGS_KEYS = {"report", "years", "questionnaires", "constructs"}
_SETTINGS_REPORT = {"main"}
_SETTINGS_YEAR = {"fieldwork", "mode", "invited", "responded"}
_SETTINGS_QUESTIONNAIRE = {"label_en", "changes"}
_SETTINGS_CONSTRUCT = {"label_en", "scale_labels", "scale_labels_en"}


def settings_path(definition: dict) -> Path | None:
    """Where a definition's report settings live: ``report/<name>.toml`` beside it.

    Examples
    --------
    >>> from kirc.survey.definition import survey_definition
    >>> settings_path(survey_definition("klantcontact")).name
    'klantcontact.toml'
    """
    path = definition.get("path")
    if not path:
        return None
    path = Path(path)
    return path.parent / SETTINGS_FOLDER / path.name


def report_meta(definition: dict) -> dict:
    """The report settings of a survey: main indicators, fieldwork, changes, English texts.

    Read from ``report/<name>.toml`` beside the definition (see ``docs/definition.md``,
    "Report settings"), whose tables have the definition's own names (``[report]``,
    ``[years.<year>]``, ``[questionnaires.<version>]``, ``[constructs.<name>]``) so that they
    can move into the definition unchanged; keys the definition itself holds win. Checked
    against the definition: each problem is a :class:`kirc.DefinitionError` naming the file
    and the entry.

    Returns
    -------
    dict
        ``main`` (indicator keys, in order; empty: none declared), ``years`` ({year:
        {"fieldwork": (start, end) dates or {"nl", "en"} texts, "mode": {"nl", "en"},
        "invited": int, "responded": int}}), ``questionnaires`` ({version: {"label_en",
        "changes": {construct: "wording" | "scale" | "columns"}}}), ``constructs``
        ({name: {"label_en", "scale_labels": {"nl": {code: text}, "en": {...}}}}) and
        ``path`` (the settings file, or None).

    Examples
    --------
    >>> from kirc.survey.definition import survey_definition
    >>> meta = report_meta(survey_definition("klantcontact"))
    >>> meta["main"][:2], meta["questionnaires"]["v2021"]["changes"]["nps"]
    (['nps', 'csat'], 'columns')
    """
    path = settings_path(definition)
    raw: dict = {}
    if path is not None and path.is_file():
        raw = _read_settings(str(path), path.stat().st_mtime_ns)
    out = _check_settings(raw, definition, path)
    # keys the definition itself carries (once the survey core accepts them) come first
    if definition.get("report", {}).get("main"):
        out["main"] = list(definition["report"]["main"])
    for year, spec in (definition.get("years") or {}).items():
        for key in _SETTINGS_YEAR:
            if spec.get(key) is not None:
                out["years"].setdefault(int(year), {})[key] = spec[key]
    for version, spec in (definition.get("questionnaires") or {}).items():
        for key in _SETTINGS_QUESTIONNAIRE:
            if spec.get(key):
                out["questionnaires"].setdefault(version, {})[key] = spec[key]
    return out


def _read_settings(path: str, mtime: int) -> dict:
    return _cached_settings(path, mtime)


def _cached_settings(path: str, mtime: int, _cache: dict = {}) -> dict:
    import tomllib

    from ..errors import DefinitionError
    key = (path, mtime)
    if key not in _cache:
        try:
            with open(path, "rb") as handle:
                _cache[key] = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise DefinitionError(f"is not a valid TOML file: {exc}", file=path) from None
    return _cache[key]


def _check_settings(raw: dict, definition: dict, path) -> dict:
    import datetime

    from ..errors import DefinitionError

    def fail(message):
        return DefinitionError(message, file=path)

    def keys(table, allowed, where):
        if not isinstance(table, dict):
            raise fail(f"{where} must be a table")
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise fail(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (allowed: "
                       f"{', '.join(sorted(allowed))})")

    def texts(value, where):
        if isinstance(value, str) and value.strip():
            return {"nl": value, "en": value}
        if isinstance(value, dict) and value.get("nl") and set(value) <= {"nl", "en"}:
            return {"nl": str(value["nl"]), "en": str(value.get("en") or value["nl"])}
        raise fail(f"{where} must be a text or a table {{ nl = \"...\", en = \"...\" }}")

    def labels(value, where):
        if not isinstance(value, dict) or not value:
            raise fail(f"{where} must be a table of code = \"label\"")
        out = {}
        for code, text in value.items():
            try:
                number = float(code)
            except ValueError:
                raise fail(f"{where}: {code!r} is not a code (a number)") from None
            out[int(number) if number.is_integer() else number] = str(text)
        return out

    keys(raw, _SETTINGS_KEYS, "the report settings")
    out = {"main": [], "years": {}, "questionnaires": {}, "constructs": {},
           "path": str(path) if raw else None}
    indicators = list(definition.get("indicators") or {})
    report = raw.get("report", {})
    keys(report, _SETTINGS_REPORT, "[report]")
    main = report.get("main", [])
    if not isinstance(main, list) or not all(isinstance(k, str) for k in main):
        raise fail("[report] main must be a list of indicator keys, e.g. [\"nps\"]")
    for key in main:
        if key not in indicators:
            raise fail(f"[report] main names {key!r}, which is not an indicator (indicators: "
                       f"{', '.join(indicators)})")
    out["main"] = list(main)
    years = {int(y) for y in definition.get("years") or {}}
    for key, spec in (raw.get("years") or {}).items():
        where = f"[years.{key}]"
        if not str(key).isdigit() or int(key) not in years:
            raise fail(f"{where}: {key!r} is not a year of the definition")
        keys(spec, _SETTINGS_YEAR, where)
        item = {}
        if "fieldwork" in spec:
            value = spec["fieldwork"]
            if isinstance(value, dict) and set(value) == {"start", "end"}:
                start, end = value["start"], value["end"]
                if not all(isinstance(d, datetime.date) and not isinstance(d, datetime.datetime)
                           for d in (start, end)) or end < start:
                    raise fail(f"{where}: fieldwork = {{ start = 2025-09-01, end = 2025-10-15 }}"
                               " takes two dates, the end not before the start")
                item["fieldwork"] = (start, end)
            else:
                item["fieldwork"] = texts(value, f"{where} fieldwork")
        if "mode" in spec:
            item["mode"] = texts(spec["mode"], f"{where} mode")
        for count in ("invited", "responded"):
            if count in spec:
                value = spec[count]
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise fail(f"{where}: {count} must be a positive whole number")
                item[count] = value
        if item.get("responded", 0) > item.get("invited", float("inf")):
            raise fail(f"{where}: responded ({item['responded']}) exceeds invited "
                       f"({item['invited']})")
        out["years"][int(key)] = item
    constructs = definition.get("constructs") or {}
    for version, spec in (raw.get("questionnaires") or {}).items():
        where = f"[questionnaires.{version}]"
        if version not in (definition.get("questionnaires") or {}):
            raise fail(f"{where}: {version!r} is not a questionnaire of the definition")
        keys(spec, _SETTINGS_QUESTIONNAIRE, where)
        item = {}
        if "label_en" in spec:
            item["label_en"] = texts(spec["label_en"], f"{where} label_en")["nl"]
        changes = spec.get("changes", {})
        if not isinstance(changes, dict):
            raise fail(f"{where} changes must be a table of construct = \"wording\" | "
                       "\"scale\" | \"columns\"")
        for name, what in changes.items():
            if name not in constructs:
                raise fail(f"{where} changes names {name!r}, which is not a construct")
            if what not in CHANGES:
                raise fail(f"{where} changes: {name} = {what!r}; say what changed: "
                           + ", ".join(map(repr, CHANGES)))
        item["changes"] = dict(changes)
        out["questionnaires"][version] = item
    for name, spec in (raw.get("constructs") or {}).items():
        where = f"[constructs.{name}]"
        if name not in constructs:
            raise fail(f"{where}: {name!r} is not a construct of the definition")
        keys(spec, _SETTINGS_CONSTRUCT, where)
        item = {}
        if "label_en" in spec:
            item["label_en"] = texts(spec["label_en"], f"{where} label_en")["nl"]
        if "scale_labels" in spec:
            item["scale_labels"] = {"nl": labels(spec["scale_labels"], f"{where} scale_labels")}
            item["scale_labels"]["en"] = (labels(spec["scale_labels_en"],
                                                 f"{where} scale_labels_en")
                                          if "scale_labels_en" in spec
                                          else item["scale_labels"]["nl"])
        out["constructs"][name] = item
    return out


def construct_label(definition: dict, name: str, language: str) -> str:
    """A construct's label (its question) in the report's language.

    English from the report settings' ``label_en``; else the Dutch label (a definition
    without English texts).
    """
    spec = (definition.get("constructs") or {}).get(name) or {}
    if language == "en":
        english = report_meta(definition)["constructs"].get(name, {}).get("label_en")
        if english:
            return english
    return str(spec.get("label") or name)


def questionnaire_label(definition: dict, version: str | None, language: str) -> str:
    """A questionnaire's label in the report's language (``label_en`` for English)."""
    spec = (definition.get("questionnaires") or {}).get(version) or {}
    if language == "en":
        english = report_meta(definition)["questionnaires"].get(version, {}).get("label_en")
        if english:
            return english
    return str(spec.get("label") or version or "–")


def construct_breaks(definition: dict, construct: str) -> list[int]:
    """Years whose questionnaire changed this construct's question (wording or scale).

    A questionnaire that only renamed the column (``"columns"``), or declares nothing for the
    construct, is no break: the report marks a break, and adds a caveat to a change across
    it, only where the report settings say the question changed.

    Examples
    --------
    >>> definition = {"years": {2020: {"questionnaire": "a"}, 2021: {"questionnaire": "b"}},
    ...               "questionnaires": {"a": {}, "b": {}}, "constructs": {"nps": {}},
    ...               "indicators": {}}
    >>> construct_breaks(definition, "nps")
    []
    """
    meta = report_meta(definition)
    years = sorted((int(y), spec.get("questionnaire")) for y, spec in
                   (definition.get("years") or {}).items())
    out = []
    for (_, before), (year, now) in zip(years, years[1:]):
        if before == now:
            continue
        what = meta["questionnaires"].get(now, {}).get("changes", {}).get(construct)
        if what in BREAKING:
            out.append(year)
    return out
