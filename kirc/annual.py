"""Compatibility module: the report content now lives in :mod:`kirc.report.content`.

Kept for one release so that ``from kirc import annual`` in notebooks and scripts still works.
"""

from .report.content import *  # noqa: F401,F403
from .report.content import (SUBJECTS, breakdown_group, count_suppressed,  # noqa: F401
                             load_report_data, report_title, summary_text)
from .report.figures import trend_figure  # noqa: F401
from .report.formatting import format_number, format_percent, format_value  # noqa: F401
from .report.texts import LABELS  # noqa: F401
