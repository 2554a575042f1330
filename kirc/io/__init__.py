"""Reading survey files: files -> pandas DataFrame plus a :class:`FileMeta` record.

``kirc.io`` knows no survey definition. :func:`read_survey` is the entry point; the modules
``text`` (sniffing, a leaf), ``layout`` (where a table sits: header rows, notes around it),
``spss``, ``delimited``, ``excel`` and ``platforms`` hold the readers. ``kirc.read`` and
``kirc.platforms`` remain as compatibility names for one release.
"""

from __future__ import annotations

from .meta import SYSTEM_MISSING, FileMeta, KircWarning, PersonalDataWarning
from .reader import SOURCES, SUPPORTED_FORMATS, missing_reasons, read_survey
from .text import detect_encoding, sniff_csv

__all__ = ["read_survey", "missing_reasons", "FileMeta", "KircWarning", "PersonalDataWarning",
           "SYSTEM_MISSING", "detect_encoding", "sniff_csv", "SUPPORTED_FORMATS", "SOURCES",
           "file_meta"]


def file_meta(df) -> FileMeta:
    """The :class:`FileMeta` of a frame returned by :func:`read_survey` (from its ``attrs``)."""
    return FileMeta.from_attrs(df.attrs)
