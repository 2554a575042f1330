"""Compatibility name: reading moved to :mod:`kirc.io` (kept for one release)."""

from __future__ import annotations

from .io.meta import SYSTEM_MISSING, FileMeta, KircWarning
from .io.reader import SOURCES, SUPPORTED_FORMATS, missing_reasons, read_survey
from .io.text import SEPARATOR_CANDIDATES, TEXT_NA_VALUES, detect_encoding, sniff_csv

__all__ = ["read_survey", "missing_reasons", "detect_encoding", "sniff_csv", "KircWarning",
           "SUPPORTED_FORMATS", "SOURCES", "SYSTEM_MISSING", "FileMeta", "SEPARATOR_CANDIDATES",
           "TEXT_NA_VALUES"]
