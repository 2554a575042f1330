"""The annual reports: content, figures, texts, batch rendering, HTML and the index.

Data flow one way: harmonised survey frames → :mod:`kirc.report.content` (tables and sentences)
and :mod:`kirc.report.charts` (SVG charts) → the notebook → :mod:`kirc.report.run` (papermill
pool) → :mod:`kirc.report.html` (self-contained pages and ``index.html``). Words live in
:mod:`kirc.report.texts`, number formatting in :mod:`kirc.report.formatting`.

``kirc.report.render`` and the other names of the former ``kirc/report.py`` stay importable
from here; ``kirc.annual`` and ``kirc.plots`` (now :mod:`kirc.plot`) are compatibility modules
for one release.
Importing this package does not import matplotlib.
"""

from __future__ import annotations

from .html import INDEX_METRICS, export_html, external_resources, write_index
from .names import report_slug, resolve_segment
from .names import sector_labels as _sector_labels  # noqa: F401  (used by tests)
from .run import (DEFAULT_NOTEBOOK, NOTEBOOK_PARAMETERS, PROJECT_ROOT, Failure, RenderInterrupted,
                  RenderResult, write_batch_figures,
                  _plan, render, validate_parameters)  # noqa: F401
from .texts import LANGUAGES

__all__ = ["render", "RenderResult", "RenderInterrupted", "write_batch_figures", "Failure", "validate_parameters", "report_slug",
           "resolve_segment", "external_resources", "write_index", "export_html",
           "DEFAULT_NOTEBOOK", "NOTEBOOK_PARAMETERS", "INDEX_METRICS", "LANGUAGES",
           "PROJECT_ROOT"]
