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


# Texts already shown under the "default", "once" or "module" action. Python's own registry
# of shown warnings is emptied whenever a filter changes (every ``catch_warnings`` block, and
# reading takes several), so it cannot keep a text to once per process; this set can. A text
# names the file and the cause, so each is shown once however often the file is read (kirc
# init reads each export, then loads the draft that reads it again).
_SHOWN: set = set()


def _action(text: str, kind: type) -> str:
    """The action of the first filter that matches a warning of this text and category."""
    import warnings

    for action, message, category, module, lineno in warnings.filters:
        if ((message is None or message.match(text)) and issubclass(kind, category)
                and (module is None or module.match("kirc")) and lineno in (0, None)):
            return action
    return warnings.defaultaction


def did_you_mean(word, choices, otherwise: str = "") -> str:
    """The hint of an error about a name that is not one of ``choices``:
    ``" (did you mean 'x'?)"`` for the closest choice (:func:`difflib.get_close_matches`),
    else ``otherwise``.

    Examples
    --------
    >>> did_you_mean("telcom", ["telecom", "energie"])
    " (did you mean 'telecom'?)"
    >>> did_you_mean("xyz", ["telecom"], " (choose one of: telecom)")
    ' (choose one of: telecom)'
    """
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else otherwise


def warn(message: str, category: type[Warning] = KircWarning) -> None:
    """Issue a warning: a :class:`KircWarning` in one line, once per file and cause.

    Parameters
    ----------
    message : str
        What was decided, naming the file and the column or rows; white space (line breaks
        included) is collapsed to single spaces.
    category : type, default KircWarning
        :class:`KircWarning` or a subclass of it; or ``FutureWarning`` for a call that will
        stop working.

    Notes
    -----
    A :class:`KircWarning` is attributed to the pseudo-file ``kirc`` at line 0 rather than to
    a line of the caller's code: the decision is about the data, not about the line that read
    it, and Python prints no source line for it (``kirc:0: KircWarning: <message>``); the
    command line prints it as ``kirc: warning: <message>``. Any other category (a
    ``FutureWarning``) is attributed to the first caller outside the package: the line to
    change.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("a.csv: column 'nps':\\n   3 cells were read as missing")
    >>> str(caught[0].message), caught[0].filename, caught[0].lineno
    ("a.csv: column 'nps': 3 cells were read as missing", 'kirc', 0)
    """
    import sys
    import warnings

    text = " ".join(str(message).split())
    if not issubclass(category, KircWarning):
        # stacklevel 1 is this function, 2 its caller: go out to the first frame outside kirc
        level, frame = 2, sys._getframe(1)
        while frame is not None and frame.f_globals.get("__name__", "").startswith("kirc"):
            frame = frame.f_back
            level += 1
        warnings.warn(text, category, stacklevel=level)
        return
    if _action(text, category) in ("default", "once", "module"):
        if text in _SHOWN:
            return
        _SHOWN.add(text)
    # the action itself ("always", "error", "ignore", or showing it this first time) is
    # the warnings module's
    warnings.warn_explicit(text, category, filename="kirc", lineno=0, module="kirc")


# --------------------------------------------------------------------------------------------
# errors in a notebook

_PACKAGE = __file__.rsplit("/", 1)[0] if "/" in __file__ else ""


def _user_frames(tb):
    """The user's frames (cells, own functions) from the first up to where a library (kirc,
    pandas, ...) takes over, as a new chain (the original is not changed); IPython's own
    frames before the cell are left out too."""
    import sysconfig
    import types

    libraries = tuple(p for p in {_PACKAGE, sysconfig.get_paths().get("purelib"),
                                  sysconfig.get_paths().get("stdlib")} if p)
    kept = []
    while tb is not None:
        inside = tb.tb_frame.f_code.co_filename.startswith(libraries)
        if inside and kept:
            break
        if not inside:
            kept.append(tb)
        tb = tb.tb_next
    chain = None
    for item in reversed(kept):
        chain = types.TracebackType(chain, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return chain


def notebook_traceback(shell, etype, value, tb, tb_offset=None):
    """IPython's handler of a :class:`KircError`: the user's own lines and the message, the
    package's inner frames hidden (as pandas and seaborn errors read); ``%xmode Verbose``
    shows every frame."""
    formatter = shell.InteractiveTB
    if str(getattr(formatter, "mode", "")).lower() == "verbose":
        stb = formatter.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    else:
        context = (value.__cause__, value.__context__, value.__suppress_context__)
        value.__cause__, value.__suppress_context__ = None, True
        try:
            stb = formatter.structured_traceback(etype, value, _user_frames(tb),
                                                 tb_offset=tb_offset)
        finally:
            value.__cause__, value.__context__, value.__suppress_context__ = context
    shell._showtraceback(etype, value, stb)
    return stb


def install_notebook_traceback() -> bool:
    """Show kirc's errors short in the running IPython kernel (called on ``import kirc``);
    False outside IPython or where another handler is installed."""
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or (shell.custom_exceptions and
                         shell.custom_exceptions != (KircError,)):
        return False
    shell.set_custom_exc((KircError,), notebook_traceback)
    return True
