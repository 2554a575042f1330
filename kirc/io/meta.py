"""The metadata record of a file read by :mod:`kirc.io`, and how a recorded warning is given again.

Every reader builds one :class:`FileMeta`; ``read_survey`` hands it out as ``df.attrs`` (the
plain-dict keys documented in :func:`kirc.io.read_survey`, kept for a release) so that frames
stay picklable and pandas copies the metadata along.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from dataclasses import dataclass, field

from ..errors import KircWarning, warn  # defined with the errors; re-exported here

__all__ = ["FileMeta", "KircWarning", "PersonalDataWarning", "SYSTEM_MISSING", "ATTRS_KEYS"]

#: Reason given to missing cells that carried no user-missing code (SPSS "system-missing").
SYSTEM_MISSING = "systeemontbrekend"


class PersonalDataWarning(KircWarning):
    """Columns were dropped as personal data (the warning says which, on what evidence, and
    how to keep them). :func:`kirc.load_survey` leaves it out: a column the definition maps
    is never dropped silently (that is an error), and the others are no part of the survey.
    """


@dataclass(frozen=True)
class FileMeta:
    """What a reader learnt about a file besides its cells.

    Attributes
    ----------
    source : str
        The file.
    format : str
        ``"sav"``, ``"zsav"``, ``"por"``, ``"dta"``, ``"csv"``, ``"xlsx"`` or a platform name.
    file_label : str or None
    variable_labels, value_labels, missing_values, missing_counts, measure_levels : dict
        Keyed by column.
    mr_sets : dict
        Multiple-response sets.
    weight : str or None
        The weight variable the file declares (SPSS ``WEIGHT BY``).
    detected : dict
        What was detected or decided while reading (encoding, separator, decimal mark,
        thousands separator, header rows, platform and evidence, ...), and under
        ``"decisions"`` a list of ``{"what", "decided", "why"}`` for ``kirc inspect``.

    Examples
    --------
    >>> meta = FileMeta(source="a.csv", format="csv", detected={"sep": ";"})
    >>> attrs = meta.to_attrs()
    >>> sorted(attrs)[:4], attrs["detected"]
    (['detected', 'file_label', 'format', 'measure_levels'], {'sep': ';'})
    >>> FileMeta.from_attrs(attrs) == meta
    True
    """

    source: str
    format: str
    file_label: str | None = None
    variable_labels: dict = field(default_factory=dict)
    value_labels: dict = field(default_factory=dict)
    missing_values: dict = field(default_factory=dict)
    missing_counts: dict = field(default_factory=dict)
    measure_levels: dict = field(default_factory=dict)
    mr_sets: dict = field(default_factory=dict)
    weight: str | None = None
    detected: dict = field(default_factory=dict)

    def to_attrs(self) -> dict:
        """The plain-dict form kept in ``df.attrs`` (a deep copy: editing it leaves this alone)."""
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_attrs(cls, attrs: dict) -> FileMeta:
        """The record back from ``df.attrs`` (keys it does not know are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: copy.deepcopy(v) for k, v in (attrs or {}).items() if k in names}
        values.setdefault("source", "")
        values.setdefault("format", "unknown")
        return cls(**values)

    def replace(self, **changes) -> FileMeta:
        return dataclasses.replace(self, **changes)


#: The ``attrs`` keys every frame from ``read_survey`` carries.
ATTRS_KEYS = tuple(f.name for f in dataclasses.fields(FileMeta))

def warn_again(message, category, filename, lineno) -> None:
    """Give a recorded warning (``warnings.catch_warnings(record=True)``) once more: kirc's own
    through :func:`warn`, other categories where they first arose."""
    if isinstance(category, type) and issubclass(category, KircWarning):
        warn(str(message), category)
    else:
        warnings.warn_explicit(message, category, filename, lineno)
