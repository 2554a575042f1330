"""The metadata record of a file read by :mod:`kirc.io`, and the warning the readers give.

Every reader builds one :class:`FileMeta`; ``read_survey`` hands it out as ``df.attrs`` (the
plain-dict keys documented in :func:`kirc.io.read_survey`, kept for a release) so that frames
stay picklable and pandas copies the metadata along.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from dataclasses import dataclass, field

from ..errors import KircWarning  # defined with the errors; re-exported here

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

# Texts already shown under the "default", "once" or "module" action. Python's own registry
# of shown warnings is emptied whenever a filter changes (every ``catch_warnings`` block, and
# reading takes several), so it cannot keep a text to once per process; this set can. A text
# names the file and the cause, so each is shown once however often the file is read (kirc
# init reads each export, then loads the draft that reads it again).
_SHOWN: set = set()


def _action(text: str, kind: type) -> str:
    """The action of the first filter that matches a warning of this text and category."""
    for action, message, category, module, lineno in warnings.filters:
        if ((message is None or message.match(text)) and issubclass(kind, category)
                and (module is None or module.match("kirc")) and lineno in (0, None)):
            return action
    return warnings.defaultaction


def warn(message: str, category: type = KircWarning) -> None:
    """Issue a :class:`KircWarning`: one line, once per file and cause, without a source line.

    Parameters
    ----------
    message : str
        What was decided, naming the file and the column or rows; white space (line breaks
        included) is collapsed to single spaces.
    category : type, default KircWarning
        :class:`KircWarning` or a subclass of it.

    Notes
    -----
    The warning is attributed to the pseudo-file ``kirc`` at line 0 rather than to a line of
    the caller's code: the decision is about the data file, not about the line that read it,
    and Python prints no source line for it (``kirc:0: KircWarning: <message>``). The command
    line prints it as ``kirc: warning: <message>``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("a.csv: column 'nps':\\n   3 cells were read as missing")
    >>> str(caught[0].message), caught[0].filename, caught[0].lineno
    ("a.csv: column 'nps': 3 cells were read as missing", 'kirc', 0)
    """
    text = " ".join(str(message).split())
    if _action(text, category) in ("default", "once", "module"):
        if text in _SHOWN:
            return
        _SHOWN.add(text)
    # the action itself ("always", "error", "ignore", or showing it this first time) is
    # the warnings module's
    warnings.warn_explicit(text, category, filename="kirc", lineno=0, module="kirc")


def warn_again(message, category, filename, lineno) -> None:
    """Give a recorded warning (``warnings.catch_warnings(record=True)``) once more: kirc's own
    through :func:`warn`, other categories where they first arose."""
    if isinstance(category, type) and issubclass(category, KircWarning):
        warn(str(message), category)
    else:
        warnings.warn_explicit(message, category, filename, lineno)
