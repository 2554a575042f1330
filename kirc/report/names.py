"""Names of reports and segments: slugs for file names, segment names resolved."""

from __future__ import annotations

import unicodedata

from ..errors import ParameterError
from .texts import BATCH_TEXT

__all__ = ["report_slug", "resolve_segment", "sector_labels", "available_years"]


def report_slug(segment: str, language: str = "nl", generic: bool = False) -> str:
    """The file name (without extension) of a segment's report.

    Parameters
    ----------
    segment : str
        ``"all"`` or a sector label.
    language : {"nl", "en"}
        Only used for ``"all"``: ``alle-sectoren`` or ``all-sectors``.
    generic : bool
        For a survey whose segments are not sectors: ``"all"`` is ``totaal`` / ``overall``.

    Returns
    -------
    str
        Lower case ASCII letters and digits separated by single hyphens.

    Examples
    --------
    >>> report_slug("all"), report_slug("all", "en")
    ('alle-sectoren', 'all-sectors')
    >>> report_slug("financiële dienstverlening"), report_slug("outsourcing / contactcenters")
    ('financiele-dienstverlening', 'outsourcing-contactcenters')
    """
    if segment == "all":
        key = "all_generic_slug" if generic else "all_slug"
        return BATCH_TEXT[language][key] if language in BATCH_TEXT else "alle-sectoren"
    ascii_text = unicodedata.normalize("NFKD", segment).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def sector_labels(definition: dict, construct: str | None = "sector") -> list[str]:
    """The category labels of the segment construct, in code order."""
    sector = (definition.get("constructs") or {}).get(construct or "") or {}
    labels = sector.get("labels") or {}
    if isinstance(labels, dict):
        try:
            ordered = sorted(labels.items(), key=lambda item: float(item[0]))
        except (TypeError, ValueError):
            ordered = list(labels.items())
        return [str(label) for _, label in ordered]
    return [str(label) for label in labels]


def available_years(definition: dict) -> list[int]:
    return sorted(int(year) for year in (definition.get("years") or {}))


def resolve_segment(segment: str, sectors: list[str]) -> str:
    """The sector label a segment name refers to: exact, case-insensitive, or as a slug.

    Parameters
    ----------
    segment : str
        ``"all"``, a sector label in any case, or its slug (``financiele-dienstverlening``).
    sectors : list of str
        The sector labels of the survey definition.

    Returns
    -------
    str
        ``"all"`` or the label exactly as the survey definition spells it.

    Raises
    ------
    ParameterError
        When the segment matches no sector; the message lists them.

    Examples
    --------
    >>> sectors = ["telecom", "financiële dienstverlening"]
    >>> resolve_segment("Financiële Dienstverlening", sectors)
    'financiële dienstverlening'
    >>> resolve_segment("financiele-dienstverlening", sectors)
    'financiële dienstverlening'
    >>> resolve_segment("ALL", sectors)
    'all'
    >>> resolve_segment("telcom", sectors)
    Traceback (most recent call last):
    ...
    kirc.errors.ParameterError: unknown segment 'telcom' (did you mean 'telecom'?); choose 'all' or one of: 'telecom', 'financiële dienstverlening'
    """
    if not isinstance(segment, str) or not segment.strip():
        raise ParameterError(f"segment must be a non-empty text, not {segment!r}")
    wanted = segment.strip()
    if wanted.lower() in ("all", "alle", "alle-sectoren", "alle sectoren", "all-sectors", "totaal",
                          "overall"):
        return "all"
    for label in sectors:
        if wanted == label or wanted.casefold() == label.casefold():
            return label
    for label in sectors:
        if report_slug(wanted) == report_slug(label):
            return label
    import difflib
    slugs = {report_slug(label): label for label in sectors}
    close = difflib.get_close_matches(report_slug(wanted), list(slugs), n=1, cutoff=0.6)
    hint = f" (did you mean {slugs[close[0]]!r}?)" if close else ""
    raise ParameterError(f"unknown segment {segment!r}{hint}; choose 'all' or one of: "
                         + ", ".join(repr(s) for s in sectors))

