"""Compatibility module: the report's charts now live in :mod:`kirc.report.figures`.

Kept for one release so that ``from kirc import plots`` in notebooks and scripts still works.
"""

from .report.figures import *  # noqa: F401,F403
from .report.figures import PALETTE, set_style  # noqa: F401
