"""Compatibility name: the survey-platform readers moved to :mod:`kirc.io.platforms`."""

from __future__ import annotations

from .io.platforms import PLATFORM_NAMES, PLATFORMS, detect, read

__all__ = ["PLATFORMS", "PLATFORM_NAMES", "detect", "read"]
