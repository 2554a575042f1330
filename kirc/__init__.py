"""kirc: research toolkit for the Dutch customer-contact sector.

Read survey exports, compute the sector's headline metrics (NPS, CSAT, chatbot success, AVG
readiness, first-contact resolution, Relatie Quotiënt) with honest confidence intervals, and
render yearly trend reports.

The public names are imported lazily so that ``import kirc`` stays fast and a command such as
``kirc inspect`` does not pay for plotting libraries it does not use.
"""

from __future__ import annotations

import importlib

from . import _compat
from .errors import (ColumnError, DefinitionError, InputFileError, KircError, KircWarning,
                     ParameterError, ScaleError, install_notebook_traceback)

__version__ = "0.1.0"

_compat.install()
# in JupyterLab a kirc error reads as one message under the user's own line
install_notebook_traceback()

# public name -> submodule that defines it
_LAZY = {
    # reading
    "read_survey": "kirc.io",
    "missing_reasons": "kirc.io",
    "load_survey": "kirc.survey.definition",
    "survey_definition": "kirc.survey.definition",
    "survey_design": "kirc.survey.definition",
    # the survey, its design and the sufficient statistics
    "Survey": "kirc.survey.survey",
    "as_survey": "kirc.survey.survey",
    "Design": "kirc.survey.design",
    "Replicates": "kirc.survey.design",
    "with_replicates": "kirc.survey.replicates",
    "export_replicates": "kirc.survey.replicates",
    "design_of": "kirc.survey.survey",
    "Tally": "kirc.estimate.tally",
    "tally_of": "kirc.estimate.tally",
    # what is estimated, and the estimators
    "measure_of": "kirc.measures",
    "nps": "kirc.estimate.metrics",
    "csat": "kirc.estimate.metrics",
    "top_box": "kirc.estimate.metrics",
    "mean_score": "kirc.estimate.metrics",
    "share": "kirc.estimate.metrics",
    "chatbot_success": "kirc.estimate.metrics",
    "avg_readiness": "kirc.estimate.metrics",
    "first_contact_resolution": "kirc.estimate.metrics",
    "relation_quotient": "kirc.estimate.metrics",
    "change": "kirc.estimate.compare",
    "trend": "kirc.estimate.compare",
    "contrast": "kirc.estimate.contrast",
    "trend_test": "kirc.estimate.compare",
    "regress": "kirc.estimate.regress",
    # multiple-response questions
    "multiple_response": "kirc.estimate.multiple",
    "compare_options": "kirc.estimate.multiple",
    "marginal_independence": "kirc.estimate.multiple",
    # weighting to the population
    "calibrate": "kirc.survey.calibrate",
    "weighting_report": "kirc.survey.calibrate",
    # rater calibration
    "rater_agreement": "kirc.quality.raters",
    "rater_bias": "kirc.quality.raters",
    # crosstabs and significance letters
    "crosstab": "kirc.estimate.groups",
    "compare_groups": "kirc.estimate.groups",
    "significance_table": "kirc.estimate.groups",
    "krippendorff_alpha": "kirc.quality.raters",
    "calibration_table": "kirc.quality.raters",
    # what drives satisfaction
    "drivers": "kirc.estimate.drivers",
    "driver_section": "kirc.estimate.drivers",
}
#: Public subpackages and modules, imported on first use.
_SUBMODULES = {"intervals", "io", "report", "demo", "privacy", "inspect", "config", "resources",
               "draft", "estimate", "survey", "quality", "cli", "measures", "disclose", "display",
               "plot"}

__all__ = [
    "KircError", "KircWarning", "InputFileError", "ColumnError", "ScaleError",
    "DefinitionError", "ParameterError", *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"kirc.{name}")
    if f"kirc.{name}" in _compat.MOVED_MODULES or f"kirc.{name}" in _compat.ALIASES:
        return importlib.import_module(f"kirc.{name}")
    raise AttributeError(f"module 'kirc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES | {"engines"})
