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

from ..estimate.compare import change, trend
from ..estimate.metrics import estimate
from ..measures import measure_of

__all__ = ["Indicator", "ReportSpec", "indicators_of", "report_settings", "english_labels"]

#: Units as the definition writes them -> the units the formatting functions use.
UNITS = {"punten": "points", "procent": "percent", "schaal": "score",
         "points": "points", "percent": "percent", "score": "score"}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the report: a metric of one construct, in the API's units."""

    key: str
    metric: str                    # nps | share | top_box | mean
    construct: str
    label: dict                    # {"nl": ..., "en": ...}
    unit: str                      # points | percent | score
    source: str = "survey"         # survey | org_survey
    top: int | None = None
    scale: tuple | None = None
    definition: dict = field(default_factory=dict)
    base: dict = field(default_factory=dict)
    min_n: int = 30

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

    def trend(self, data: pd.DataFrame) -> pd.DataFrame:
        """The indicator per year (:func:`kirc.trend`)."""
        return trend(data, self.measure, self.construct)

    def change(self, data: pd.DataFrame, years, by=None) -> pd.DataFrame:
        """Change between two years (``(from, to)``), via :func:`kirc.change`."""
        return change(data, self.measure, self.construct, year=tuple(years), by=by)


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
            unit=UNITS.get(str(spec.get("unit") or ""), measure_of(metric).unit),
            source=source, top=spec.get("top"), scale=tuple(scale) if scale else None,
            definition=_text(spec.get("definition"), ""), base=_text(spec.get("base"), ""),
            min_n=min_n))
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
