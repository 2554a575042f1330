"""kirc: research toolkit for the Dutch customer-contact sector.

Read survey exports, compute the sector's headline metrics (NPS, CSAT, chatbot success, AVG
readiness, first-contact resolution, Relatie Quotiënt) with honest confidence intervals, and
render yearly trend reports.

The public names are imported lazily so that ``import kirc`` stays fast and a command such as
``kirc inspect`` does not pay for plotting libraries it does not use.
"""

from __future__ import annotations

import importlib

from .errors import (ColumnError, DefinitionError, InputFileError, KircError,
                     ParameterError, ScaleError)

__version__ = "0.1.0"

# public name -> submodule that defines it
_LAZY = {
    # reading
    "read_survey": "kirc.read",
    "KircWarning": "kirc.read",
    "missing_reasons": "kirc.read",
    "load_survey": "kirc.surveys",
    "survey_definition": "kirc.surveys",
    "survey_design": "kirc.surveys",
    # the survey design and its sufficient statistics
    "Design": "kirc.design",
    "design_of": "kirc.design",
    "Tally": "kirc.tally",
    "tally_of": "kirc.tally",
    # metrics
    "nps": "kirc.metrics",
    "csat": "kirc.metrics",
    "mean_score": "kirc.metrics",
    "share": "kirc.metrics",
    "chatbot_success": "kirc.metrics",
    "avg_readiness": "kirc.metrics",
    "first_contact_resolution": "kirc.metrics",
    "relation_quotient": "kirc.metrics",
    "change": "kirc.compare",
    "trend": "kirc.compare",
    # weighting to the population
    "calibrate": "kirc.weighting",
    "weighting_report": "kirc.weighting",
    # rater calibration
    "rater_agreement": "kirc.calibration",
    "rater_bias": "kirc.calibration",
    # crosstabs and significance letters
    "crosstab": "kirc.crosstabs",
    "compare_groups": "kirc.crosstabs",
    "significance_table": "kirc.crosstabs",
    "krippendorff_alpha": "kirc.calibration",
    "calibration_table": "kirc.calibration",
    # what drives satisfaction
    "drivers": "kirc.driver_analysis",
    "driver_section": "kirc.driver_analysis",
}
_SUBMODULES = {"intervals", "metrics", "engines", "design", "variance", "compare", "tally", "read",
               "surveys", "demo", "privacy", "report", "plots", "platforms", "inspect", "config",
               "annual", "calibration", "resources", "draft", "crosstabs", "tabbook",
               "driver_analysis", "weighting"}

__all__ = [
    "KircError", "InputFileError", "ColumnError", "ScaleError", "DefinitionError",
    "ParameterError", *_LAZY, "drivers",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"kirc.{name}")
    raise AttributeError(f"module 'kirc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
