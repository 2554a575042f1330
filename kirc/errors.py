"""The package's own errors.

Every error that ``kirc`` raises on purpose derives from :class:`KircError`, so that a batch
script can catch them all in one ``except`` clause. Each carries the file and the column it is
about (where there is one), and says what is wrong in one sentence that a researcher can act on.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "KircError",
    "InputFileError",
    "ColumnError",
    "ScaleError",
    "DefinitionError",
    "ParameterError",
    "KircWarning",
]


class KircError(Exception):
    """Base class of every error that ``kirc`` raises on purpose.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence.
    file : str or path-like, optional
        The file the problem is in.
    column : str, optional
        The column the problem is in.

    Examples
    --------
    >>> err = KircError("rating 11 is outside the scale 0-10", file="ks2019.sav", column="nps")
    >>> str(err)
    "ks2019.sav, column 'nps': rating 11 is outside the scale 0-10"
    """

    def __init__(self, message: str, *, file: str | PathLike | None = None,
                 column: str | None = None):
        self.message = message
        self.file = None if file is None else str(file)
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def __reduce__(self):
        # Keeps the error picklable across worker processes (batch rendering).
        return (_rebuild, (type(self), self.message, self.file, self.column))


def _rebuild(cls, message, file, column):
    return cls(message, file=file, column=column)


class InputFileError(KircError):
    """A file cannot be read: missing, empty, truncated, corrupt, encrypted or of unknown format."""


class ColumnError(KircError, KeyError):
    """A column that is asked for (by a call or a survey definition) is not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self._format()


class ScaleError(KircError, ValueError):
    """Values fall outside the scale of a question, or are not numbers where ratings are expected."""


class DefinitionError(KircError):
    """A survey definition file is malformed or inconsistent."""


class ParameterError(KircError, ValueError):
    """An argument has a value that cannot be used (unknown method, year, segment, ...)."""


class KircWarning(UserWarning):
    """Something in the data was changed or decided for you while reading or estimating it.

    The work goes on; the warning says which file, column or rows were affected and what was
    decided (a renamed duplicate column, a guessed header row, a skipped sheet, a survey design
    that a pandas operation dropped, ...).
    """


def warn(message: str, category: type[Warning] = KircWarning) -> None:
    """Issue a warning attributed to the first caller outside the package.

    Where the user's own line is, not a line of kirc: the warning is then shown once per call
    site and can be filtered by the user's module.
    """
    import sys
    import warnings

    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("kirc"):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
