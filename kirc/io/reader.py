"""Read survey exports: SPSS (.sav, .zsav, .por), Stata (.dta), CSV/TSV and Excel (.xlsx).

:func:`read_survey` is the one entry point. It returns a :class:`pandas.DataFrame` whose
``attrs`` carry the file's metadata (variable and value labels, declared user-missing codes and
how many cells held them, measure levels, multiple-response sets, weight variable, and what was
detected about a text file) in plain dicts: the fields of one :class:`kirc.io.FileMeta`.

Every problem with the input file is raised as :class:`kirc.errors.InputFileError` naming the
file and the reason in plain words; the library's own exception is kept as ``__cause__``.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ColumnError, InputFileError, ParameterError
from . import delimited, excel, spss
from .meta import SYSTEM_MISSING, KircWarning
from .text import detect_encoding, sniff_csv

__all__ = ["read_survey", "missing_reasons", "detect_encoding", "sniff_csv", "KircWarning",
           "SUPPORTED_FORMATS", "SOURCES", "SYSTEM_MISSING"]

#: file extension -> reader
SUPPORTED_FORMATS = {
    ".sav": "sav", ".zsav": "sav", ".por": "por", ".dta": "dta",
    ".csv": "text", ".txt": "text", ".tsv": "text",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
}

#: accepted values of ``source``
SOURCES = ("auto", "generic", "qualtrics", "surveymonkey", "limesurvey", "google-forms")


def read_survey(path, *, source="auto", sep=None, decimal=None, encoding=None, sheet=None,
                header_row=None, apply_value_labels=False, usecols=None, row_limit=None,
                row_offset=0, chunksize=None, personal_data="drop", pseudonym_key=None,
                text_columns=None, keep_columns=None, progress=None):
    """Read a survey export into a DataFrame, with its metadata in ``df.attrs``.

    Parameters
    ----------
    path : str or path-like
        The file. The format follows from the extension (case-insensitive): ``.sav``/``.zsav``
        (SPSS system file), ``.por`` (SPSS portable), ``.dta`` (Stata), ``.csv``/``.tsv``/``.txt``
        (delimited text), ``.xlsx``/``.xlsm`` (Excel).
    source : {"auto", "generic", "qualtrics", "surveymonkey", "limesurvey", "google-forms"}
        For text and Excel files: ``"auto"`` asks :mod:`kirc.io.platforms` which survey platform
        wrote the file (a platform's export saved as Excel is recognised by the same header
        rows) and reads it the way that platform lays it out; a platform name skips
        detection; ``"generic"`` reads a plain table. Ignored for SPSS and Stata files, whose
        layout does not depend on the platform that wrote them.
    sep, decimal : str, optional
        Field separator and decimal mark of a generic text file. Detected when not given
        (see :func:`sniff_csv`). Platform exports are laid out by their platform reader.
    encoding : str, optional
        Text encoding. Detected for text files (see :func:`detect_encoding`); SPSS and Stata
        files declare their own, which this overrides (for old files that declare none or a
        wrong one).
    sheet : int or str, optional
        Excel worksheet, by position or name. By default the first worksheet that holds a
        table (a worksheet with only a note is skipped, with a :class:`KircWarning`); a
        worksheet given by position or name that holds no table is an error.
    header_row : int, optional
        0-based row that holds the column names in a generic text or an Excel file (after an
        Excel ``sep=`` line). By default the header is decided on evidence from the data
        (:mod:`kirc.io.layout`): the first row of text, filling (nearly) the table's width,
        whose next non-blank row holds a number under one of its texts. Title and note rows
        above it (however wide) and blank rows below it are passed over; rows of group names
        of merged cells, of a group written out over its columns, or a row of units below
        the names join it into one header of several rows (names such as ``"Bevolking -
        Mannen - aantal"``). A table without numbers takes the first row as wide as the rows
        below it; a text file of one column, its first line.
    apply_value_labels : bool
        Turn labelled columns into :class:`pandas.Categorical` of their value labels, with the
        categories in code order and ``ordered=True`` for ordinal variables (see Notes).
    usecols : list of str, optional
        Read only these columns; a name that is not in the file raises
        :class:`~kirc.errors.ColumnError`.
    row_limit : int, optional
        Read at most this many data rows.
    row_offset : int
        Skip this many data rows first.
    chunksize : int, optional
        Return an iterator of DataFrames of at most this many rows each instead of one
        DataFrame. Every chunk carries the same metadata and has its user-missing codes
        handled; ``attrs["missing_counts"]`` counts the cells of that chunk.
    personal_data : {"drop", "pseudonymise", "keep"}
        What to do with columns that hold personal data (e-mail addresses, phone numbers,
        names, postcodes, customer numbers, IBANs, BSNs, IP addresses; see
        :func:`kirc.privacy.find_personal_data`). ``"drop"`` (default) removes them;
        ``"pseudonymise"`` replaces identifiers by a keyed pseudonym (HMAC-SHA256 with
        ``pseudonym_key``); ``"keep"`` is the explicit opt-out that keeps them as they are.
        Free-text columns are scrubbed of such identifiers unless ``"keep"``. What was done is
        recorded in ``attrs["personal_data"]``; under ``"keep"`` nothing is scanned (it is
        empty). The scan costs little: numeric columns whose values stay below 10,000,000
        (ratings, years, counts) are passed after one min/max, and check digits and patterns
        are judged on 2,000 values spread over the column; only the scrubbing of free text
        touches every cell.
    pseudonym_key : str or bytes, optional
        The secret key for ``personal_data="pseudonymise"`` (at least 16 bytes).
    text_columns : list of str, optional
        Columns to treat as free text (scrubbed, never dropped) besides those detected.
    keep_columns : list of str, optional
        Columns kept as they are, whatever they look like: the way to keep a column that was
        dropped as personal data. Every drop is reported in one
        :class:`~kirc.io.PersonalDataWarning` line (the column, its kind, the evidence: how
        many of the examined cells hold an identifier, or its name) that names this option.
        A column is dropped on its name, or when at least half of its examined cells hold
        identifiers of one kind; fewer matching cells are scrubbed, not dropped.
    progress : bool, optional
        Show a progress bar (tqdm) on a read that takes more than two seconds. Default: only
        when standard error is a terminal, so never in scripts, notebooks run by papermill or
        tests.

    Returns
    -------
    pandas.DataFrame or iterator of pandas.DataFrame
        ``attrs`` holds ``source``, ``format``, ``file_label``, ``variable_labels``,
        ``value_labels``, ``missing_values``, ``missing_counts``, ``measure_levels``,
        ``mr_sets``, ``weight`` and ``detected`` (all keys are always present).

    Raises
    ------
    InputFileError
        The file is missing, a directory, empty, of an unsupported type, truncated, corrupt,
        encrypted, or cannot be decoded.
    ColumnError
        A name in ``usecols`` is not in the file.
    ParameterError
        An argument has an unusable value (unknown ``source``, negative ``row_offset``, a
        worksheet that does not exist, an unknown encoding...).

    Warns
    -----
    KircWarning
        Something was decided for you: date values outside the years 1-9999 were set to
        missing (NaT); duplicate column names were renamed (``nps.1``); a title line, a
        note-only worksheet or notes below an Excel table were skipped; a merged two-row
        header was joined; values such as ``1.250`` were read as thousands without a decimal
        comma elsewhere in the file; a Qualtrics export missing one header row was read with
        two; notes below a table were left out. The message names the file and the column
        or rows; each text is given once per process (see :func:`kirc.errors.warn`).

    Notes
    -----
    *Format.* ``attrs["format"]`` follows the content where it can: an SPSS system file is
    "zsav" when it is zlib-compressed (signature ``$FL3``) and "sav" otherwise, whatever its
    extension. Encrypted (password-protected) SPSS files are refused with an InputFileError
    that says how to decrypt them.

    *User-missing values* (SPSS ``MISSING VALUES``: up to three codes, or a range, or a range
    plus a code, on numeric and string variables, in .sav, .zsav and .por files; Stata's
    ``.a``-``.z``) are read as codes,
    counted per reason in ``attrs["missing_counts"]`` -- the reason is the code's value label,
    or the code as text (``"99"``) when it has none -- and then set to missing. This matches
    what PSPP's ``FREQUENCIES`` lists under "Missing" (checked against PSPP 1.6.2 output on
    ``pspp__nhtsa.sav`` and ``foreign__mval_bug.sav`` in ``tests/test_realdata_sav.py``).

    *Value labels.* With ``apply_value_labels=True`` a labelled column becomes a Categorical.
    Its categories are, in code order (numeric, or alphabetical for string codes), the labels
    of all codes that are not declared missing -- including labelled codes that do not
    occur -- and, for codes that occur without a label, the code as text (``"7"``) in its
    place among them. Several codes with one label share one category (at the first code's
    place). A column whose only labels are on missing codes is left as it is. Empty strings
    in a labelled string variable (SPSS blanks) become missing.

    *Dates.* SPSS date, datetime (DATE, ADATE, EDATE, JDATE, SDATE, QYR, MOYR, WKYR, DATETIME,
    YMDHMS) and Stata ``%td``/``%tc``/``%tC`` variables become ``datetime64[us]`` (``%tC``
    counts leap seconds; they are taken out as Stata's ``cofC()`` does); SPSS TIME, DTIME and
    MTIME variables (durations) become ``timedelta64[us]``. Values outside the years 1-9999
    become NaT with a :class:`KircWarning` instead of aborting the read (pyreadstat raises
    ``OverflowError`` on them).

    *Weight.* pyreadstat (up to 1.3.7 at least) does not expose the weight variable that an
    SPSS system file declares (``WEIGHT BY``), so it is read from the file's header
    (``weight_index``) and dictionary records; PSPP's ``SYSFILE INFO`` reports the same name.
    Portable (.por), Stata, CSV and Excel files declare no weight: ``attrs["weight"]`` is None.
    The declared name is reported even when ``usecols`` leaves that column out.

    *Multiple-response sets* come from pyreadstat's ``mr_sets`` as
    ``{name: {"type": "dichotomy"|"category", "label", "variables", "counted_value"}}``.

    *Text files.* Cells ``""``, ``#NULL!``, ``#N/A``, ``N/A``, ``NA``, ``NaN`` and ``NULL`` are
    missing; other texts (such as ``None``) are kept. Separator, decimal mark, thousands
    separator and header line are decided from the first 1 MiB (20,000 lines; the whole file
    when smaller), see :func:`kirc.io.text.sniff_table`; every decision and its evidence is in
    ``attrs["detected"]["decisions"]``. With a decimal comma, ``1.250`` is 1250; a column the
    sample judged numeric that holds another notation further down is converted over the
    whole column or refused naming the line. Numbers with leading zeros (``0012``) stay text.
    Lines below the table that hold only a note (``Bron: CBS``, ``© ...``, ``* ...``, or one
    text in a column of numbers), also past the sample at the end of a large file, are left
    out with a warning; a line with more fields than the header is refused naming it, in a
    file of three lines as in one of a million.
    A UTF-16 file without a byte-order mark is recognised (or read with ``encoding=``).

    *Damaged files.* An SPSS or Stata header that declares more cases than the file can
    hold is refused before memory is reserved for them; a named pipe, socket or device is
    refused without being opened; a file that cannot be read for lack of permission raises
    InputFileError.

    Examples
    --------
    An SPSS file whose ``nps`` item codes "weet niet" (don't know) as 99, declared missing:

    >>> import pathlib, tempfile
    >>> import pandas as pd, pyreadstat
    >>> answers = pd.DataFrame({"nps": [10.0, 7.0, 99.0, 3.0]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "ks2024.sav"
    ...     pyreadstat.write_sav(answers, path, missing_ranges={"nps": [99]},
    ...                          variable_value_labels={"nps": {99: "weet niet"}})
    ...     df = read_survey(path)
    >>> df["nps"].tolist()
    [10.0, 7.0, nan, 3.0]
    >>> df.attrs["missing_counts"]
    {'nps': {'weet niet': 1}}
    """
    from .. import privacy

    options = dict(mode=personal_data, key=pseudonym_key, text_columns=text_columns,
                   keep_columns=keep_columns)
    privacy.check_mode(personal_data, pseudonym_key)    # before any data are read
    bar = _progress_bar(path, progress, chunked=chunksize is not None)
    result = _read_unprotected(path, source=source, sep=sep, decimal=decimal,
                               encoding=encoding, sheet=sheet, header_row=header_row,
                               apply_value_labels=apply_value_labels, usecols=usecols,
                               row_limit=row_limit, row_offset=row_offset, chunksize=chunksize)
    if chunksize is not None:
        return _protect_chunks(result, options, bar)
    bar.update(1)
    try:
        if personal_data == "keep":
            # the explicit opt-out: nothing is scanned
            result.attrs["personal_data"] = []
            return result
        bar.set_postfix_str("personal data")
        return privacy.protect(result, **options)
    finally:
        bar.update(1)
        bar.close()


def _progress_bar(path, progress, *, chunked):
    """A tqdm bar that appears only when a read takes more than two seconds, and only where a
    person watches (stderr is a terminal) unless ``progress`` says otherwise."""
    from tqdm import tqdm

    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    return tqdm(total=None if chunked else 2, desc=f"reading {Path(os.fspath(path)).name}",
                unit="chunk" if chunked else "step", delay=2.0, disable=not enabled,
                leave=False)


def _protect_chunks(chunks, options, bar):
    """Every chunk loses the same columns: the plan is made on the first chunk."""
    from .. import privacy

    findings = None
    try:
        for chunk in chunks:
            if options["mode"] == "keep":
                chunk.attrs["personal_data"] = []
            else:
                if findings is None:
                    findings = privacy.find_personal_data(chunk)
                chunk = privacy.protect(chunk, findings=findings, **options)
            bar.update(1)
            yield chunk
            # not holding on to a chunk the caller is done with while the next is read:
            # that would double the memory of a chunked read
            del chunk
    finally:
        bar.close()


def _read_unprotected(path, *, source, sep, decimal, encoding, sheet, header_row,
                      apply_value_labels, usecols, row_limit, row_offset, chunksize):
    source = _check_arguments(path, source=source, sep=sep, decimal=decimal, encoding=encoding,
                              sheet=sheet, header_row=header_row, usecols=usecols,
                              row_limit=row_limit, row_offset=row_offset, chunksize=chunksize)
    path = Path(os.fspath(path))
    reader = _check_file(path)
    usecols = None if usecols is None else list(usecols)
    options = dict(encoding=encoding, usecols=usecols, row_limit=row_limit,
                   row_offset=row_offset, chunksize=chunksize,
                   apply_value_labels=apply_value_labels)
    if reader in ("sav", "por"):
        return spss.read_spss(path, reader, **options)
    if reader == "dta":
        return spss.read_stata(path, **options)
    if reader == "xlsx":
        return excel.read_excel(path, source=source, sheet=sheet, header_row=header_row,
                                **options)
    return delimited.read_text(path, source=source, sep=sep, decimal=decimal, header_row=header_row,
                      **options)


def missing_reasons(df, columns=None):
    """Missing answers per column and reason, as a tidy table.

    User-missing codes ("weet niet", "geweigerd", ...) are already missing in the data that
    :func:`read_survey` returns; their counts per reason come from ``attrs["missing_counts"]``.
    Cells that were missing without a code are counted as :data:`SYSTEM_MISSING`.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`read_survey` (or a subset of its rows, with the caveat that the
        per-reason counts in ``attrs`` are those of the whole file).
    columns : list of str, optional
        Default: every column with a missing cell.

    Returns
    -------
    pandas.DataFrame
        Columns ``column``, ``reason``, ``n``; user-missing reasons first, in the order of
        ``attrs``, then system-missing.

    Notes
    -----
    Validated against PSPP 1.6.2 ``FREQUENCIES`` on ``pspp__nhtsa.sav`` (tests/test_realdata_sav.py).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"nps": [10.0, None, None, 3.0]})
    >>> df.attrs["missing_counts"] = {"nps": {"weet niet": 1}}
    >>> missing_reasons(df)
      column             reason  n
    0    nps          weet niet  1
    1    nps  systeemontbrekend  1
    """
    counts = df.attrs.get("missing_counts") or {}
    if columns is None:
        columns = [c for c in df.columns if df[c].isna().any()]
    rows = []
    for column in columns:
        if column not in df.columns:
            raise ColumnError("is not in the data", file=df.attrs.get("source"), column=column)
        user = counts.get(column, {})
        rows += [{"column": column, "reason": reason, "n": int(n)} for reason, n in user.items()]
        system = int(df[column].isna().sum()) - sum(user.values())
        if system > 0:
            rows.append({"column": column, "reason": SYSTEM_MISSING, "n": system})
    return pd.DataFrame(rows, columns=["column", "reason", "n"])


# --------------------------------------------------------------------------------------------
# argument and file checks
# --------------------------------------------------------------------------------------------

def _check_arguments(path, *, source, sep, decimal, encoding, sheet, header_row, usecols,
                     row_limit, row_offset, chunksize) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"path must be a file name or path, not {type(path).__name__}")
    if not isinstance(source, str) or source.lower() not in SOURCES:
        raise ParameterError(f"source={source!r} is not one of {', '.join(SOURCES)}",
                             file=path)
    for name, value in (("sep", sep), ("decimal", decimal)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ParameterError(f"{name}={value!r} must be a non-empty string", file=path)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError) as exc:
            raise ParameterError(f"encoding={encoding!r} is not a known text encoding",
                                 file=path) from exc
    if sheet is not None and (not isinstance(sheet, (int, str)) or isinstance(sheet, bool)):
        raise ParameterError(f"sheet={sheet!r} must be a worksheet position or name", file=path)
    for name, value, least in (("header_row", header_row, 0), ("row_limit", row_limit, 1),
                               ("chunksize", chunksize, 1), ("row_offset", row_offset, 0)):
        if value is None and name != "row_offset":
            continue
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise ParameterError(f"{name}={value!r} must be a whole number >= {least}",
                                 file=path)
    if usecols is not None:
        if isinstance(usecols, str) or not all(isinstance(c, str) for c in usecols):
            raise ParameterError("usecols must be a list of column names", file=path)
    return source.lower()


def _check_file(path: Path) -> str:
    """Check that ``path`` is a non-empty regular file of a supported type; return its reader.

    The file is stat()ed before it is opened: opening a FIFO (named pipe) blocks until
    someone writes to it, so anything but a regular file is refused unopened.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputFileError("the file does not exist", file=path) from None
    except PermissionError as exc:
        raise InputFileError(
            "permission denied: the file, or a folder on its path, cannot be entered or read "
            "by this user; ask for read access or copy the file somewhere readable",
            file=path) from exc
    except OSError as exc:
        raise InputFileError(f"the file cannot be reached ({exc.strerror or exc})",
                             file=path) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError("this is a directory, not a file", file=path)
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "not a regular file")
        raise InputFileError(f"this is {kind}, not a regular file; save the data to a file "
                             "first", file=path)
    reader = SUPPORTED_FORMATS.get(path.suffix.lower())
    if reader is None:
        hint = ""
        if path.suffix.lower() == ".xls":
            hint = " Save the workbook as .xlsx in Excel."
        raise InputFileError(
            f"unsupported file type {path.suffix or '(no extension)'!r}; supported are "
            f"{', '.join(SUPPORTED_FORMATS)}.{hint}", file=path)
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except PermissionError as exc:
        raise InputFileError("permission denied: this user may not read the file; ask for "
                             "read access or copy it somewhere readable", file=path) from exc
    except OSError as exc:
        raise InputFileError(f"the file cannot be opened ({exc.strerror or exc})",
                             file=path) from exc
    if info.st_size == 0:
        raise InputFileError("the file is empty (0 bytes)", file=path)
    return reader


