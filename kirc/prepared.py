"""A cache of prepared survey years, so that a batch reads, protects and harmonises each once.

:func:`kirc.load_survey` prepares every year of a survey in one step — read the export, remove
personal data (:mod:`kirc.privacy`), harmonise to the definition's constructs, calibrate to the
year's margins — and then joins the years. The step per year is by far the dearest part of
loading (on the demo 0.1–1.4 s per year, mostly reading and scanning the files), and a batch of
reports needs the same years again and again. Inside :func:`prepared_cache` each prepared year
is kept in a private folder and reused; joining the years (the cheap part) still runs every
time, so a cached load gives exactly the frame an uncached one would.

What is kept is what the analysis frame holds and nothing more: the harmonised rows of one year
after personal data were removed (only loads with ``personal_data="drop"`` are cached), the
counts of user-missing codes, what the privacy scan found (column names and counts, never
values), the calibrated weights and their calibration, and the warnings the step gave (they
are given again on every load). The folder is readable by its owner only and, when
:func:`prepared_cache` made it, removed when the block ends.

An entry is found again only for the same kirc version, the same definition (its whole
content), the same year and the same data file (path, size and modification time), so a
changed export or definition is prepared afresh. A folder you keep across batches should be
emptied when you change kirc's own code without a new version (a development checkout).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["prepared_cache", "cache_folder", "ENVIRONMENT_VARIABLE"]

#: Child processes (report workers, their kernels) inherit the cache through this variable.
ENVIRONMENT_VARIABLE = "KIRC_PREPARED_CACHE"

# Bumped whenever what an entry holds changes shape.
_FORMAT = 1


@contextmanager
def prepared_cache(folder=None):
    """Cache prepared survey years for the duration of a block (and its child processes).

    Parameters
    ----------
    folder : str or path-like, optional
        Where to keep the entries. Default: a new private temporary folder, removed at the end
        of the block. A folder given is created if needed and kept.

    Yields
    ------
    pathlib.Path
        The folder.

    Examples
    --------
    >>> import kirc
    >>> with prepared_cache() as folder:
    ...     first = kirc.load_survey("sectorscan", years=[2017])
    ...     again = kirc.load_survey("sectorscan", years=[2017])   # from the cache
    >>> again.equals(first), folder.exists()
    (True, False)
    """
    previous = os.environ.get(ENVIRONMENT_VARIABLE)
    made = folder is None
    path = Path(tempfile.mkdtemp(prefix="kirc-prepared-")) if made else Path(folder)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ[ENVIRONMENT_VARIABLE] = str(path.resolve())
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(ENVIRONMENT_VARIABLE, None)
        else:
            os.environ[ENVIRONMENT_VARIABLE] = previous
        if made:
            shutil.rmtree(path, ignore_errors=True)


def cache_folder() -> Path | None:
    """The folder of the active :func:`prepared_cache`, or None when there is none."""
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(value) if value else None


def _canonical(value):
    """A deterministic, hash-seed independent structure for the cache key."""
    if isinstance(value, dict):
        return ("dict", sorted((repr(_canonical(k)), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", [_canonical(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return repr(value)


def entry_key(*parts) -> str:
    """The key of an entry: a hash of the kirc version, the format and ``parts``."""
    from . import __version__
    text = repr(_canonical((__version__, _FORMAT, parts)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_stamp(path) -> tuple:
    """(absolute path, size, modification time in ns) of a data file."""
    path = Path(path).resolve()
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def cached(key: str, prepare):
    """``prepare()``, or its result kept under ``key`` by the active cache.

    Without an active cache this is just ``prepare()``. An entry that cannot be read (say, cut
    short when a worker was killed) is prepared again.
    """
    folder = cache_folder()
    if folder is None:
        return prepare()
    entry = folder / f"{key}.pickle"
    if entry.is_file():
        try:
            with entry.open("rb") as stream:
                # Only this user can write the folder, and only kirc writes these entries.
                return pickle.load(stream)
        except Exception:
            pass
    value = prepare()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = folder / f".{key}.{os.getpid()}.partial"
        with partial.open("wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, entry)          # readers never see half an entry
    except OSError:
        pass                                # a cache that cannot be written is no cache
    return value
