"""What a report shows, read from the survey definition: its indicators and its breakdowns.

The definition's ``[indicators]`` (an ordered catalogue: metric, construct, unit, labels in
Dutch and English) and ``[report]`` (breakdowns, the segment construct, an optional second
survey joined by year) drive the report; see ``docs/definition.md`` for the format. A
definition without them (an older file) gets a catalogue derived from its constructs by the
same rules :func:`kirc.survey_definition` applies, so that the report never depends on the
demo's construct names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import metrics

__all__ = ["Indicator", "ReportSpec", "indicators_of", "report_settings", "english_labels"]

#: Units as the definition writes them -> the units the formatting functions use.
UNITS = {"punten": "points", "procent": "percent", "schaal": "score",
         "points": "points", "percent": "percent", "score": "score"}
DEFAULT_UNIT = {"nps": "points", "share": "percent", "top_box": "percent", "mean": "score"}


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

    def compute(self, data: pd.DataFrame, by=None) -> pd.DataFrame:
        """The metric of this indicator: :func:`kirc.nps`, :func:`kirc.share`, ..."""
        function, options = self._call(data)
        return function(data, self.construct, by=by, **options)

    def change(self, data: pd.DataFrame, years) -> pd.DataFrame:
        """Change between two years (``(from, to)``), via :func:`kirc.change`."""
        function, options = self._call(data)
        return metrics.change(data, function, self.construct, year=tuple(years), **options)

    def _call(self, data: pd.DataFrame):
        options: dict = {}
        weight = data.attrs.get("weight")
        if isinstance(weight, str) and weight in data.columns:
            options["weights"] = weight
        population = data.attrs.get("population") or {}
        if isinstance(population, dict) and any(population.values()):
            options["population"] = "auto"
        if self.metric == "nps":
            return metrics.nps, options
        if self.metric == "mean":
            return metrics.mean_score, options
        if self.metric == "top_box":
            options["top"] = int(self.top or 2)
            if self.scale:
                options["scale"] = tuple(int(v) for v in self.scale)
            return metrics.csat, options
        options["positive"] = 1
        return metrics.share, options


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


# Texts for the demo's eight indicators, used only while a definition has no [indicators]
# (the demo definitions declare them once the schema is validated on the `own` branch).
_DEMO = {
    "nps": ("nps", None, ("Net Promoter Score (NPS)", "Net Promoter Score (NPS)"),
            ("Percentage promotors (9–10) min percentage criticasters (0–6) op de vraag hoe "
             "waarschijnlijk men de organisatie aanbeveelt (0–10).",
             "Percentage of promoters (9–10) minus percentage of detractors (0–6) on how likely "
             "one is to recommend the organisation (0–10)."),
            ("Alle respondenten met een geldig antwoord.", "All respondents with a valid answer.")),
    "csat": ("top_box", 2, ("Klanttevredenheid (CSAT, % tevreden)",
                            "Customer satisfaction (CSAT, % satisfied)"),
             ("Aandeel tevreden of zeer tevreden (4 of 5 op een schaal van 1 tot 5) over het "
              "laatste contact.", "Share satisfied or very satisfied (4 or 5 on a 1–5 scale) "
              "with the last contact."),
             ("Alle respondenten met een geldig antwoord.", "All respondents with a valid answer.")),
    "csat_mean": ("mean", None, ("Gemiddelde tevredenheid (1–5)", "Mean satisfaction (1–5)"),
                  ("Gemiddelde score op de tevredenheidsvraag (1 = zeer ontevreden, 5 = zeer "
                   "tevreden).", "Mean score on the satisfaction question (1 = very "
                   "dissatisfied, 5 = very satisfied)."),
                  ("Alle respondenten met een geldig antwoord.",
                   "All respondents with a valid answer.")),
    "chatbot_success": ("share", None, ("Succesratio chatbot", "Chatbot success rate"),
                        ("Aandeel chatbotgebruikers bij wie de chatbot de vraag oploste.",
                         "Share of chatbot users whose question the chatbot resolved."),
                        ("Alleen respondenten die de chatbot gebruikten.",
                         "Only respondents who used the chatbot.")),
    "fcr": ("share", None, ("Opgelost bij eerste contact (FCR)",
                            "First-contact resolution (FCR)"),
            ("Aandeel contacten waarin de vraag bij het eerste contact werd opgelost.",
             "Share of contacts in which the question was resolved at the first contact."),
            ("Alle respondenten met een geldig antwoord.", "All respondents with a valid answer.")),
    "relation": ("share", None, ("Relatie Quotiënt", "Relationship Quotient"),
                 ("Aandeel contacten dat de relatie met de organisatie versterkte of behield "
                  "(antwoord 1 of 2 van 3).", "Share of contacts that strengthened or kept the "
                  "relationship with the organisation (answer 1 or 2 of 3)."),
                 ("Alle respondenten met een geldig antwoord.",
                  "All respondents with a valid answer.")),
    "avg_ready": ("share", None, ("Klaar voor de AVG (organisaties)",
                                  "Ready for the GDPR (organisations)"),
                  ("Aandeel aangesloten organisaties dat zegt volledig klaar te zijn voor de AVG.",
                   "Share of member organisations that say they are fully ready for the GDPR."),
                  ("Aangesloten organisaties die de sectorscan invulden.",
                   "Member organisations that completed the sector scan.")),
    "staff_prepared": ("share", None, ("Contactmedewerkers voorbereid op de AVG",
                                       "Contact staff prepared for the GDPR"),
                       ("Aandeel organisaties waarvan de klantcontactmedewerkers zijn voorbereid "
                        "op de AVG.", "Share of organisations whose contact staff are prepared "
                        "for the GDPR."),
                       ("Aangesloten organisaties die de sectorscan invulden.",
                        "Member organisations that completed the sector scan.")),
}
_DEMO_CONSTRUCT = {"csat_mean": "csat"}
_DEMO_EN = {"energie": "energy", "financiële dienstverlening": "financial services",
            "overheid": "government", "telefoon": "phone", "outsourcing / contactcenters":
            "outsourcing / contact centres", "zorgverzekeraars": "health insurers"}


def _derived_indicators(definition: dict) -> dict:
    """A catalogue from the constructs, for a definition without ``[indicators]``."""
    constructs = definition.get("constructs") or {}
    out = {}
    if definition.get("name") in ("klantcontact", "sectorscan"):
        for key, (metric, top, label, what, base) in _DEMO.items():
            construct = _DEMO_CONSTRUCT.get(key, key)
            if construct in constructs:
                out[key] = {"metric": metric, "construct": construct, "top": top,
                            "label": {"nl": label[0], "en": label[1]},
                            "unit": DEFAULT_UNIT[metric],
                            "definition": {"nl": what[0], "en": what[1]},
                            "base": {"nl": base[0], "en": base[1]}}
        return out
    for name, spec in constructs.items():
        kind = spec.get("type")
        label = str(spec.get("label") or name)
        if kind == "rating":
            low, high = (spec.get("scale") or [1, 5])[:2]
            metric = "nps" if (low, high) == (0, 10) else "mean"
        elif kind == "binary":
            metric = "share"
        else:
            continue
        out[name] = {"metric": metric, "construct": name, "label": {"nl": label, "en": label},
                     "unit": DEFAULT_UNIT[metric]}
    return out


def indicators_of(definition: dict, source: str = "survey") -> list[Indicator]:
    """The indicators a definition declares, in its order (derived when it declares none)."""
    catalogue = definition.get("indicators") or _derived_indicators(definition)
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
            unit=UNITS.get(str(spec.get("unit") or ""), DEFAULT_UNIT.get(metric, "percent")),
            source=source, top=spec.get("top"), scale=tuple(scale) if scale else None,
            definition=_text(spec.get("definition"), ""), base=_text(spec.get("base"), ""),
            min_n=min_n))
    return out


def _category_constructs(definition: dict) -> list[str]:
    return [name for name, spec in (definition.get("constructs") or {}).items()
            if spec.get("type") == "category"]


def report_settings(definition: dict) -> ReportSpec:
    """The definition's ``[report]`` table, with defaults where it has none."""
    settings = definition.get("report")
    categories = _category_constructs(definition)
    if settings is None:
        if definition.get("name") == "klantcontact":
            settings = {"breakdowns": ["sector", "channel", "age_group"],
                        "segment_by": "sector", "org_survey": "sectorscan"}
        else:
            settings = {"breakdowns": [c for c in categories
                                       if len((definition["constructs"][c].get("labels")
                                               or {})) <= 12],
                        "segment_by": "sector" if "sector" in categories else None,
                        "org_survey": None}
    org = settings.get("org_survey") or None
    if org and ("/" in org or org.lower().endswith(".toml")) and not Path(org).is_absolute() \
            and definition.get("path"):
        org = str((Path(definition["path"]).parent / org).resolve())
    return ReportSpec(breakdowns=tuple(settings.get("breakdowns") or ()),
                      segment_by=settings.get("segment_by"), org_survey=org)


def english_labels(*definitions: dict) -> dict:
    """Dutch category label -> English (``labels_en``), over all category constructs."""
    out = dict(_DEMO_EN) if any(d and d.get("name") in ("klantcontact", "sectorscan")
                                for d in definitions) else {}
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
