"""Numbers as the report's language writes them: decimal mark, signs, percentages."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_number", "format_percent", "format_value", "format_count",
           "axis_formatter", "MINUS"]


#: The one minus sign of every report (U+2212), never a hyphen.
MINUS = "\u2212"


def format_number(value: float, decimals: int = 1, language: str = "nl",
                  sign: bool = False) -> str:
    """A number with the decimal mark of the language, a real minus sign ("–" when missing).

    Examples
    --------
    >>> format_number(41.25, 1, "nl"), format_number(-3.0, 0, "en", sign=True)
    ('41,2', '−3')
    >>> format_number(float("nan")), format_number(-0.01, 1, sign=True)
    ('–', '0,0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        if value is pd.NA or pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    text = f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"
    if text.lstrip("+-").strip("0.") == "":
        text = text.lstrip("+-")      # no "+0,0" or "-0"
    text = text.replace("-", MINUS)
    return text.replace(".", ",") if language == "nl" else text


def axis_formatter(language: str = "nl", decimals: int = 0, sign: bool = False,
                   suffix: str = "", absolute: bool = False):
    """A matplotlib tick formatter that writes numbers as :func:`format_number` does
    (``absolute``: without their sign, for bars on both sides of zero)."""
    import matplotlib.ticker

    def text(value, _):
        value = abs(float(value)) if absolute else float(value)
        return format_number(value, decimals, language, sign) + suffix
    return matplotlib.ticker.FuncFormatter(text)


def format_percent(value: float, decimals: int = 1, language: str = "nl") -> str:
    """A percentage as the language writes it.

    Examples
    --------
    >>> format_percent(8.333), format_percent(8.333, language="en")
    ('8,3%', '8.3%')
    """
    text = format_number(value, decimals, language)
    return text if text == "–" else f"{text}%"


def format_value(value, unit: str, language: str = "nl") -> str:
    """A headline figure as reports show it: percent, NPS points (signed) or a mean score.

    Examples
    --------
    >>> format_value(-1.82, "points"), format_value(56.77, "percent"), format_value(3.66, "score")
    ('−1,8', '56,8%', '3,66')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "percent":
        return format_percent(value, 1, language)
    if unit == "points":
        return format_number(value, 1, language, sign=True)
    return format_number(value, 2, language)



def format_count(n, language: str) -> str:
    if n is None or n is pd.NA or (isinstance(n, float) and math.isnan(n)):
        return "–"
    text = f"{int(n):,}"
    return text.replace(",", ".") if language == "nl" else text


