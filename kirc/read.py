"""Read survey exports: SPSS (.sav, .zsav, .por), Stata (.dta), CSV/TSV and Excel (.xlsx).

:func:`read_survey` is the one entry point. It returns a :class:`pandas.DataFrame` whose
``attrs`` carry the file's metadata (variable and value labels, declared user-missing codes and
how many cells held them, measure levels, multiple-response sets, weight variable, and what was
detected about a text file) in plain dicts, as described in the package's metadata contract.

Every problem with the input file is raised as :class:`kirc.errors.InputFileError` naming the
file and the reason in plain words; the library's own exception is kept as ``__cause__``.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import math
import os
import re
import struct
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ColumnError, InputFileError, ParameterError

__all__ = ["read_survey", "missing_reasons", "detect_encoding", "sniff_csv", "KircWarning",
           "SUPPORTED_FORMATS", "SOURCES"]

#: Reason given to missing cells that carried no user-missing code (SPSS "system-missing").
SYSTEM_MISSING = "systeemontbrekend"


class KircWarning(UserWarning):
    """Something in the data was changed or could not be determined while reading it.

    The read goes on; the warning says which column and how many rows were affected.
    """


#: file extension -> reader
SUPPORTED_FORMATS = {
    ".sav": "sav", ".zsav": "sav", ".por": "por", ".dta": "dta",
    ".csv": "text", ".txt": "text", ".tsv": "text",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
}

#: accepted values of ``source``
SOURCES = ("auto", "generic", "qualtrics", "surveymonkey", "limesurvey", "google-forms")

#: separators that :func:`sniff_csv` chooses between
SEPARATOR_CANDIDATES = ";,\t|"

#: how much of a text file is decoded for sniffing and platform detection
SAMPLE_BYTES = 64 * 1024

# Cell texts read as missing in CSV and Excel files. pandas' default list also contains
# "None", "null" and "nan", which are real free-text answers in a survey ("Which improvement
# would you like? None"); "#NULL!" is what SPSS writes for system-missing when exporting.
TEXT_NA_VALUES = ["", "#NULL!", "#N/A", "N/A", "NA", "NaN", "NULL"]

_SPSS_MAGIC = (b"$FL2", b"$FL3")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .xls, or a password-protected .xlsx

# SPSS stores dates, datetimes and durations as seconds since 14 October 1582.
_SPSS_ORIGIN = np.datetime64("1582-10-14T00:00:00", "us")
_STATA_ORIGIN = np.datetime64("1960-01-01T00:00:00", "us")
_SPSS_DATE_FORMATS = {"DATE", "ADATE", "EDATE", "JDATE", "SDATE", "QYR", "MOYR", "WKYR",
                      "DATETIME", "YMDHMS"}
_SPSS_DURATION_FORMATS = {"TIME", "DTIME", "MTIME"}
# The range a datetime64[us] value (and a Python datetime) can hold.
_FIRST_INSTANT = np.datetime64("0001-01-01T00:00:00", "us")
_LAST_INSTANT = np.datetime64("9999-12-31T23:59:59.999999", "us")


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------

def read_survey(path, *, source="auto", sep=None, decimal=None, encoding=None, sheet=0,
                header_row=None, apply_value_labels=False, usecols=None, row_limit=None,
                row_offset=0, chunksize=None, personal_data="drop", pseudonym_key=None,
                text_columns=None):
    """Read a survey export into a DataFrame, with its metadata in ``df.attrs``.

    Parameters
    ----------
    path : str or path-like
        The file. The format follows from the extension (case-insensitive): ``.sav``/``.zsav``
        (SPSS system file), ``.por`` (SPSS portable), ``.dta`` (Stata), ``.csv``/``.tsv``/``.txt``
        (delimited text), ``.xlsx``/``.xlsm`` (Excel).
    source : {"auto", "generic", "qualtrics", "surveymonkey", "limesurvey", "google-forms"}
        For text files: ``"auto"`` asks :mod:`kirc.platforms` which survey platform wrote the
        file and reads it the way that platform lays it out; a platform name skips detection;
        ``"generic"`` reads a plain delimited file with one header row. Ignored for SPSS, Stata
        and Excel files, whose layout does not depend on the platform that wrote them.
    sep, decimal : str, optional
        Field separator and decimal mark of a generic text file. Detected when not given
        (see :func:`sniff_csv`). Platform exports are laid out by their platform reader.
    encoding : str, optional
        Text encoding. Detected for text files (see :func:`detect_encoding`); SPSS and Stata
        files declare their own, which this overrides (for old files that declare none or a
        wrong one).
    sheet : int or str
        Excel worksheet, by position or name.
    header_row : int, optional
        0-based row that holds the column names in a generic text or an Excel file. By
        default the first row of a text file, and for Excel the first row that looks like a
        header (at least two-thirds text, filling half the table's width or more, followed by
        a non-empty row), so that title lines above a table are skipped.
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
        recorded in ``attrs["personal_data"]``.
    pseudonym_key : str or bytes, optional
        The secret key for ``personal_data="pseudonymise"`` (at least 16 bytes).
    text_columns : list of str, optional
        Columns to treat as free text (scrubbed, never dropped) besides those detected.

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
        Date values outside the years 1-9999 were set to missing (NaT); the message names the
        column and the number of rows.

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
    YMDHMS) and Stata ``%td``/``%tc`` variables become ``datetime64[us]``; SPSS TIME, DTIME and
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
    missing; other texts (such as ``None``) are kept.

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
    from . import privacy

    result = _read_unprotected(path, source=source, sep=sep, decimal=decimal,
                               encoding=encoding, sheet=sheet, header_row=header_row,
                               apply_value_labels=apply_value_labels, usecols=usecols,
                               row_limit=row_limit, row_offset=row_offset, chunksize=chunksize)
    options = dict(mode=personal_data, key=pseudonym_key, text_columns=text_columns)
    privacy.check_mode(**options)
    if chunksize is None:
        return privacy.protect(result, **options)
    return _protect_chunks(result, options)


def _protect_chunks(chunks, options):
    """Every chunk loses the same columns: the plan is made on the first chunk."""
    from . import privacy

    findings = None
    for chunk in chunks:
        if findings is None:
            findings = privacy.find_personal_data(chunk)
        yield privacy.protect(chunk, findings=findings, **options)


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
        return _read_spss(path, reader, **options)
    if reader == "dta":
        return _read_stata(path, **options)
    if reader == "xlsx":
        return _read_excel(path, sheet=sheet, header_row=header_row, **options)
    return _read_text(path, source=source, sep=sep, decimal=decimal, header_row=header_row,
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
# detection helpers (also used by kirc.platforms)
# --------------------------------------------------------------------------------------------

def detect_encoding(raw: bytes) -> str:
    """Guess the text encoding of (the start of) a file.

    Parameters
    ----------
    raw : bytes
        The file's bytes, or its first part (a multi-byte character cut off at the end is
        allowed).

    Returns
    -------
    str
        ``"utf-8-sig"`` when the bytes start with the UTF-8 byte-order mark (Excel's "CSV UTF-8",
        LimeSurvey, legacy Qualtrics), ``"utf-16"`` after a UTF-16 byte-order mark (Excel's
        "Unicode text"), ``"utf-8"`` when the bytes are valid UTF-8, otherwise ``"cp1252"``
        (Windows Western European, what Excel writes on a Dutch Windows), or ``"latin-1"`` for
        the rare bytes that cp1252 leaves undefined.

    Examples
    --------
    >>> detect_encoding("Tevredenheid;Toelichting\\n8;prima geholpen\\n".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(b"\\xef\\xbb\\xbfid,nps\\n1,9\\n")
    'utf-8-sig'
    >>> detect_encoding("Privacyverklaring;Geïnformeerd\\n".encode("cp1252"))
    'cp1252'
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def sniff_csv(text: str, *, sep: str | None = None) -> dict:
    """Detect the field separator and decimal mark of delimited text.

    Parameters
    ----------
    text : str
        The first lines of the file (decoded). A last line that is cut off is ignored.
    sep : str, optional
        A known separator; only the decimal mark is then detected.

    Returns
    -------
    dict
        ``{"sep": ..., "decimal": ...}``. The separator is one of ``; , <tab> |``: the one
        :class:`csv.Sniffer` picks, provided every line then has as many fields as the header
        (quotes respected); otherwise the candidate that splits the most lines into that same
        number of fields (``","`` when nothing splits). The decimal mark is ``","`` when the
        separator is not a comma and numbers written like ``1,25`` outnumber ones written like
        ``1.25`` (Dutch and German exports), else ``"."``.

    Examples
    --------
    >>> sniff_csv("id;nps;wachttijd\\n1;9;1,25\\n2;6;3,5\\n")
    {'sep': ';', 'decimal': ','}
    >>> sniff_csv('id,opmerking\\n1,"snel, vriendelijk"\\n2,traag\\n')
    {'sep': ',', 'decimal': '.'}
    """
    sample = _complete_lines(text)
    if sep is None:
        sep = _sniff_separator(sample)
    return {"sep": sep, "decimal": _sniff_decimal(sample, sep)}


def _complete_lines(text: str, max_lines: int = 200) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]            # cut off by the sample size
    return "".join(lines[:max_lines])


def _field_counts(sample: str, sep: str) -> list[int]:
    try:
        return [len(row) for row in csv.reader(io.StringIO(sample), delimiter=sep) if row]
    except csv.Error:
        return []


def _consistency(sample: str, sep: str) -> tuple[float, int]:
    """Share of rows with as many fields as the header, and that number of fields."""
    counts = _field_counts(sample, sep)
    if not counts or counts[0] < 2:
        return 0.0, 0
    return sum(c == counts[0] for c in counts) / len(counts), counts[0]


def _sniff_separator(sample: str) -> str:
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=SEPARATOR_CANDIDATES).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and _consistency(sample, sniffed)[0] == 1.0:
        return sniffed
    # csv.Sniffer is thrown by quoted free text full of other separators; count fields instead.
    scores = {cand: _consistency(sample, cand) for cand in SEPARATOR_CANDIDATES}
    best = max(SEPARATOR_CANDIDATES, key=lambda c: scores[c])
    return best if scores[best][1] >= 2 else ","


_COMMA_DECIMAL = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_POINT_DECIMAL = re.compile(r"^\s*[-+]?\d+\.\d+\s*$")


def _sniff_decimal(sample: str, sep: str) -> str:
    if sep == ",":
        return "."
    comma = point = 0
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=sep):
            for cell in row:
                comma += bool(_COMMA_DECIMAL.match(cell))
                point += bool(_POINT_DECIMAL.match(cell))
    except csv.Error:
        return "."
    return "," if comma > point else "."


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
    if not isinstance(sheet, (int, str)) or isinstance(sheet, bool):
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
    """Check that ``path`` is a non-empty file of a supported type; return its reader."""
    if not path.exists():
        raise InputFileError("the file does not exist", file=path)
    if path.is_dir():
        raise InputFileError("this is a directory, not a file", file=path)
    reader = SUPPORTED_FORMATS.get(path.suffix.lower())
    if reader is None:
        hint = ""
        if path.suffix.lower() == ".xls":
            hint = " Save the workbook as .xlsx in Excel."
        raise InputFileError(
            f"unsupported file type {path.suffix or '(no extension)'!r}; supported are "
            f"{', '.join(SUPPORTED_FORMATS)}.{hint}", file=path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise InputFileError(f"the file cannot be opened ({exc.strerror or exc})",
                             file=path) from exc
    if size == 0:
        raise InputFileError("the file is empty (0 bytes)", file=path)
    return reader


def _warn(message: str) -> None:
    """Issue a KircWarning attributed to the first caller outside this module."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, KircWarning, stacklevel=level)


def _read_head(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _what_it_looks_like(head: bytes) -> str:
    """A phrase saying what kind of file the first bytes suggest, for error messages."""
    if head.startswith(_SPSS_MAGIC):
        return "an SPSS system file"
    if head[8:20] == b"ENCRYPTEDSAV":
        return "an encrypted SPSS file"
    if head.startswith(_ZIP_MAGIC):
        return "a zip archive (an .xlsx workbook?)"
    if head.startswith(_OLE2_MAGIC):
        return "a legacy Office file (.xls, or a password-protected workbook)"
    if b"SPSS PORT FILE" in head:
        return "an SPSS portable file"
    if head.startswith(b"<stata_dta>"):
        return "a Stata file"
    if b"\x00" not in head:
        return "a text file"
    return "an unrecognised binary file"


def _columns_selected(usecols, available, path) -> list[str] | None:
    if usecols is None:
        return None
    missing = [c for c in usecols if c not in available]
    if missing:
        shown = ", ".join(repr(c) for c in list(available)[:20])
        more = ", ..." if len(available) > 20 else ""
        others = ", ".join(repr(c) for c in missing[1:])
        nor = f" (nor are {others})" if others else ""
        raise ColumnError(f"not in the file{nor}; its columns are {shown}{more}", file=path,
                          column=missing[0])
    return list(usecols)


# --------------------------------------------------------------------------------------------
# SPSS (.sav, .zsav, .por) and Stata (.dta)
# --------------------------------------------------------------------------------------------

def _iconv_name(encoding: str) -> str:
    """ReadStat converts with iconv, which does not know every Python codec alias."""
    name = codecs.lookup(encoding).name          # 'latin-1' -> 'iso8859-1'
    special = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "mac-roman": "MACINTOSH"}
    if name in special:
        return special[name]
    match = re.fullmatch(r"iso8859-(\d+)", name)
    if match:
        return f"ISO-8859-{match.group(1)}"
    return name.upper()


def _pyreadstat_call(function, path: Path, kind: str, **options):
    """Call a pyreadstat reader, turning its exceptions into InputFileError."""
    import pyreadstat

    try:
        return function(os.fspath(path), **options)
    except pyreadstat.ReadstatError as exc:
        text = str(exc)
        if "expected number of rows" in text:
            reason = ("the file is truncated or damaged: it holds fewer cases than its "
                      "header declares")
        elif "Unable to read from file" in text:
            reason = (f"the file is truncated, damaged or not a {kind} file: it ends before its "
                      "contents are complete")
        elif "unsupported character set" in text:
            reason = (f"the text encoding {options.get('encoding')!r} is not supported "
                      f"for {kind} files")
        elif "Invalid file" in text:
            reason = (f"this is not a valid {kind} file, or it is damaged or uses features "
                      "that cannot be read")
        else:
            reason = f"this {kind} file cannot be read"
        raise InputFileError(f"{reason} (ReadStat: {text})", file=path) from exc
    except (pyreadstat.PyreadstatError, ValueError, UnicodeError, OSError) as exc:
        raise InputFileError(f"this {kind} file cannot be read ({type(exc).__name__}: {exc})",
                             file=path) from exc


def _read_por(path, **options):
    """pyreadstat.read_por with ``user_missing``.

    read_por (1.3.7) does not pass ``user_missing`` on to the parser, so declared missing
    codes in a portable file would silently become NaN and could not be counted. The parser
    itself supports it; call it directly, and fall back to read_por (no counts) should that
    private entry point change.
    """
    import pyreadstat

    try:
        from pyreadstat._readstat_parser import parser_entry_point
        return parser_entry_point(path, "por", **options)
    except (ImportError, TypeError):
        options.pop("user_missing", None)
        return pyreadstat.read_por(path, **options)


def _check_sav_signature(path: Path) -> str:
    """Refuse encrypted and non-SPSS files before ReadStat sees them; return 'sav'/'zsav'."""
    head = _read_head(path, 512)
    if head[8:20] == b"ENCRYPTEDSAV":
        raise InputFileError(
            "this SPSS file is encrypted (password-protected) and cannot be read; save an "
            "unencrypted copy in SPSS (File > Save As, without 'Encrypt file with password') "
            "or decrypt it with PSPP: pspp-convert -p PASSWORD in.sav out.sav", file=path)
    if not head.startswith(_SPSS_MAGIC):
        raise InputFileError(
            f"this is not an SPSS system file: it lacks the '$FL2' signature and looks like "
            f"{_what_it_looks_like(head)}", file=path)
    return "zsav" if head.startswith(b"$FL3") else "sav"


def _read_spss(path: Path, reader: str, *, encoding, usecols, row_limit, row_offset, chunksize,
               apply_value_labels):
    import pyreadstat

    if reader == "sav":
        file_format = _check_sav_signature(path)
        function = pyreadstat.read_sav
        # user_missing=True: codes declared missing come through as codes so that they can
        # be counted per reason before being set to NaN. Dates are converted here, per
        # column, because pyreadstat aborts the whole read on one out-of-range date.
        options = dict(user_missing=True, disable_datetime_conversion=True)
        if encoding is not None:
            options["encoding"] = _iconv_name(encoding)
    else:
        file_format = "por"
        function = _read_por
        options = dict(user_missing=True, disable_datetime_conversion=True)
    _, meta = _pyreadstat_call(function, path, "SPSS", metadataonly=True, **options)
    _check_variable_names(meta.column_names, path, encoding)
    columns = _columns_selected(usecols, meta.column_names, path)
    if columns is not None:
        options["usecols"] = columns
    attrs = _spss_attrs(path, meta, file_format, columns or list(meta.column_names), encoding)
    if file_format != "por":
        attrs["weight"] = _sav_weight_variable(path, meta)

    def finish(frame, frame_meta):
        if columns is not None:
            frame = frame[columns]      # in the order asked for
        return _finish_frame(frame, frame_meta, attrs, path, "spss", apply_value_labels)

    if chunksize is not None:
        chunks = _chunked(lambda **rows: _pyreadstat_call(function, path, "SPSS", **options,
                                                          **rows),
                          chunksize, row_offset, row_limit, meta.number_rows)
        return (finish(frame, frame_meta) for frame, frame_meta in chunks)
    frame, frame_meta = _pyreadstat_call(function, path, "SPSS", row_limit=row_limit or 0,
                                         row_offset=row_offset, **options)
    return finish(frame, frame_meta)


def _read_stata(path: Path, *, encoding, usecols, row_limit, row_offset, chunksize,
                apply_value_labels):
    import pyreadstat

    options = dict(user_missing=True, disable_datetime_conversion=True)
    if encoding is not None:
        options["encoding"] = _iconv_name(encoding)
    _, meta = _pyreadstat_call(pyreadstat.read_dta, path, "Stata", metadataonly=True,
                               **options)
    _check_variable_names(meta.column_names, path, encoding)
    columns = _columns_selected(usecols, meta.column_names, path)
    if columns is not None:
        options["usecols"] = columns
    attrs = _spss_attrs(path, meta, "dta", columns or list(meta.column_names), encoding)

    def finish(frame, frame_meta):
        if columns is not None:
            frame = frame[columns]
        return _finish_frame(frame, frame_meta, attrs, path, "stata", apply_value_labels)

    if chunksize is not None:
        chunks = _chunked(lambda **rows: _pyreadstat_call(pyreadstat.read_dta, path, "Stata",
                                                          **options, **rows),
                          chunksize, row_offset, row_limit, meta.number_rows)
        return (finish(frame, frame_meta) for frame, frame_meta in chunks)
    frame, frame_meta = _pyreadstat_call(pyreadstat.read_dta, path, "Stata",
                                         row_limit=row_limit or 0, row_offset=row_offset,
                                         **options)
    return finish(frame, frame_meta)


def _chunked(read, chunksize, row_offset, row_limit, number_rows):
    """Read ``row_limit`` rows from ``row_offset`` on in pieces of ``chunksize`` rows.

    Not pyreadstat.read_file_in_chunks: in 1.3.7 its last chunk is a full ``chunksize`` rows
    even when that runs past ``offset + limit``.
    """
    end = None if row_limit is None else row_offset + row_limit
    if number_rows:                        # unknown (None) for portable files
        end = number_rows if end is None else min(end, number_rows)
    position = row_offset
    while end is None or position < end:
        size = chunksize if end is None else min(chunksize, end - position)
        frame, meta = read(row_offset=position, row_limit=size)
        if len(frame) == 0:
            return
        yield frame, meta
        position += len(frame)
        if len(frame) < size:
            return


def _check_variable_names(names, path, encoding):
    # A wrong encoding override makes ReadStat drop undecodable names silently (NaN, or cut
    # short); refuse rather than hand back columns that cannot be found by name.
    bad = [i for i, name in enumerate(names) if not isinstance(name, str) or not name]
    if bad:
        raise InputFileError(
            f"{len(bad)} variable name(s) could not be decoded"
            + (f" with encoding={encoding!r}; leave encoding=None to use the file's own"
               if encoding else ""), file=path)


def _spss_attrs(path, meta, file_format, columns, encoding) -> dict:
    keep = set(columns)
    missing_values: dict = {}
    for column, ranges in (meta.missing_ranges or {}).items():
        if column not in keep:
            continue
        values, spans = [], []
        for span in ranges:
            lo, hi = span["lo"], span["hi"]
            if lo == hi:
                values.append(lo)
            else:
                spans.append([lo, hi])
        missing_values[column] = {"values": values, "ranges": spans}
    for column, letters in (getattr(meta, "missing_user_values", None) or {}).items():
        if column in keep:   # Stata .a-.z (SAS has them too)
            missing_values[column] = {"values": [f".{x}" for x in letters], "ranges": []}
    mr_sets = {}
    for name, mr in (getattr(meta, "mr_sets", None) or {}).items():
        members = [v for v in mr.get("variable_list", []) if v in keep]
        if members:
            mr_sets[name] = {
                "type": "dichotomy" if mr.get("type") == "D" else "category",
                "label": mr.get("label") or None,
                "variables": members,
                "counted_value": mr.get("counted_value"),
            }
    labels = meta.column_names_to_labels or {}
    return {
        "source": str(path),
        "format": file_format,
        "file_label": meta.file_label or None,
        "variable_labels": {c: labels[c] for c in columns if labels.get(c)},
        "value_labels": {c: dict(v) for c, v in (meta.variable_value_labels or {}).items()
                         if c in keep},
        "missing_values": missing_values,
        "missing_counts": {},
        "measure_levels": {c: (meta.variable_measure or {}).get(c, "unknown") for c in columns},
        "mr_sets": mr_sets,
        "weight": None,
        "detected": {"encoding": encoding or meta.file_encoding, "platform": None},
        # kept out of attrs: formats are needed for date conversion only
    }


def _sav_weight_variable(path: Path, meta) -> str | None:
    """Name of the weight variable an SPSS system file declares, or None.

    pyreadstat does not expose it, so it is read from the file: the header's ``weight_index``
    is the 1-based position of the weight among the dictionary's variable records (a string
    longer than 8 bytes takes one record per 8 bytes); that record gives the 8-character short
    name, which the long-variable-names record (type 7, subtype 13) maps to the real name.
    Layout from the PSPP manual, "System File Format".
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(176)
            endian = "<" if struct.unpack("<i", header[64:68])[0] in (2, 3) else ">"

            def ints(n):
                return struct.unpack(f"{endian}{n}i", handle.read(4 * n))

            weight_index = struct.unpack(f"{endian}i", header[76:80])[0]
            if weight_index <= 0:
                return None
            slot, short_name, long_names, file_encoding = 0, None, b"", None
            while True:
                (record,) = ints(1)
                if record == 2:
                    _type, has_label, n_missing, _print, _write = ints(5)
                    name = handle.read(8)
                    slot += 1
                    if slot == weight_index:
                        short_name = name
                    if has_label:
                        (length,) = ints(1)
                        handle.seek((length + 3) // 4 * 4, os.SEEK_CUR)
                    handle.seek(abs(n_missing) * 8, os.SEEK_CUR)
                elif record == 3:
                    (count,) = ints(1)
                    for _ in range(count):
                        handle.seek(8, os.SEEK_CUR)
                        (length,) = handle.read(1)
                        handle.seek((length + 8) // 8 * 8 - 1, os.SEEK_CUR)
                    (record4, n_vars) = ints(2)
                    if record4 != 4:
                        raise ValueError("value-label record not followed by record type 4")
                    handle.seek(4 * n_vars, os.SEEK_CUR)
                elif record == 6:
                    (lines,) = ints(1)
                    handle.seek(80 * lines, os.SEEK_CUR)
                elif record == 7:
                    subtype, size, count = ints(3)
                    data = handle.read(size * count)
                    if subtype == 13:
                        long_names = data
                    elif subtype == 20:
                        file_encoding = data.decode("ascii", "replace")
                elif record == 999:
                    break
                else:
                    raise ValueError(f"unexpected record type {record}")
    except (OSError, struct.error, ValueError) as exc:
        _warn(f"{path}: the weight variable could not be determined ({exc})")
        return None
    if short_name is None:
        return None
    codec = "cp1252"
    for candidate in (file_encoding, meta.file_encoding):
        if candidate:
            try:
                codec = codecs.lookup(candidate).name
                break
            except LookupError:
                continue
    short = short_name.decode(codec, "replace").rstrip()
    mapping = dict(pair.split("=", 1) for pair in long_names.decode(codec, "replace").split("\t")
                   if "=" in pair)
    name = mapping.get(short, short)
    return name if name in meta.column_names else None


# --------------------------------------------------------------------------------------------
# per-frame finishing: user-missing codes, dates, value labels
# --------------------------------------------------------------------------------------------

def _finish_frame(frame: pd.DataFrame, meta, attrs: dict, path: Path, family: str,
                  apply_value_labels: bool) -> pd.DataFrame:
    attrs = copy.deepcopy(attrs)
    labels = attrs["value_labels"]
    if family == "spss":
        frame, counts = _spss_user_missing(frame, meta.missing_ranges or {}, labels)
    else:
        # pyreadstat lists Stata's missing letters only after reading the data.
        declared = {c: v for c, v in (meta.missing_user_values or {}).items()
                    if c in frame.columns}
        attrs["missing_values"] = {c: {"values": [f".{x}" for x in v], "ranges": []}
                                   for c, v in declared.items()}
        frame, counts = _stata_user_missing(frame, declared, labels)
    attrs["missing_counts"] = counts
    frame = _convert_dates(frame, meta.original_variable_types or {}, family, path)
    if apply_value_labels:
        frame = _apply_value_labels(frame, attrs)
    frame.attrs = attrs
    return frame


def _code_text(code) -> str:
    """A code as a person writes it: 99.0 -> '99', 2.5 -> '2.5', 'x' -> 'x'."""
    if isinstance(code, (float, np.floating)) and math.isfinite(code) and code == int(code):
        return str(int(code))
    if isinstance(code, (float, np.floating)):
        return repr(float(code))
    return str(code)


def _label_of(code, labels: dict):
    if code in labels:
        return labels[code]
    if isinstance(code, str) and code.rstrip() in labels:
        return labels[code.rstrip()]
    return None


def _in_spans(value, spans) -> bool:
    """Whether one code falls in any declared missing range (``lo == hi``: a single code)."""
    for lo, hi in spans:
        if isinstance(value, str):
            # SPSS pads string values with blanks: compare without trailing blanks.
            if isinstance(lo, str) and lo.rstrip() <= value.rstrip() <= hi.rstrip():
                return True
        elif not isinstance(lo, str) and lo <= value <= hi:
            return True
    return False


def _missing_mask(values: pd.Series, spans: list) -> pd.Series:
    """Cells of ``values`` that fall in any declared missing range."""
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        mask = np.zeros(len(numbers), dtype=bool)
        with np.errstate(invalid="ignore"):
            for lo, hi in spans:
                if not isinstance(lo, str):
                    mask |= (numbers >= lo) & (numbers <= hi)
        return pd.Series(mask, index=values.index)
    return values.map(lambda v: isinstance(v, str) and _in_spans(v, spans)).astype(bool)


def _count_reasons(codes: pd.Series, labels: dict) -> dict:
    counts: dict = {}
    for code, n in sorted(codes.value_counts().items(), key=lambda item: _sort_key(item[0])):
        reason = _label_of(code, labels)
        reason = _code_text(code) if reason is None else str(reason)
        counts[reason] = counts.get(reason, 0) + int(n)
    return counts


def _sort_key(code):
    """Code order: numbers by value, then strings alphabetically."""
    if isinstance(code, (int, float, np.number)):
        return (0, float(code), "")
    return (1, 0.0, str(code))


def _spss_user_missing(frame, missing_ranges, value_labels):
    counts, replaced = {}, {}
    for column, ranges in missing_ranges.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        mask = _missing_mask(values, [(r["lo"], r["hi"]) for r in ranges])
        if mask.any():
            counts[column] = _count_reasons(values[mask], value_labels.get(column, {}))
            replaced[column] = values.mask(mask)
    return _replace(frame, replaced), counts


def _replace(frame, replaced):
    """A copy of ``frame`` with some columns replaced (the caller's frame is left alone)."""
    if not replaced:
        return frame
    if frame.columns.is_unique:
        # one new frame rather than many column assignments (121 columns in a real survey)
        result = pd.DataFrame({c: replaced.get(c, frame[c]) for c in frame.columns},
                              index=frame.index)
        result.attrs = frame.attrs
        return result
    frame = frame.copy()
    for column, values in replaced.items():
        frame[column] = values
    return frame


def _stata_user_missing(frame, missing_user_values, value_labels):
    # With user_missing=True pyreadstat gives Stata's extended missing values .a-.z as the
    # letters "a".."z" inside an otherwise numeric (object) column.
    counts, replaced = {}, {}
    for column, letters in missing_user_values.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        mask = values.map(lambda v: isinstance(v, str) and v in letters).astype(bool)
        labels = value_labels.get(column, {})
        if mask.any():
            reasons: dict = {}
            for letter, n in sorted(values[mask].value_counts().items()):
                label = _label_of(letter, labels) or _label_of(f".{letter}", labels)
                reason = str(label) if label is not None else f".{letter}"
                reasons[reason] = reasons.get(reason, 0) + int(n)
            counts[column] = reasons
        replaced[column] = pd.to_numeric(values.mask(mask), errors="coerce")
    return _replace(frame, replaced), counts


def _time_kind(variable_format: str, family: str):
    """('datetime'|'duration', origin, microseconds per unit) for a date format, else None."""
    if not variable_format:
        return None
    if family == "spss":
        match = re.match(r"[A-Za-z]+", variable_format)
        name = match.group(0).upper() if match else ""
        if name in _SPSS_DATE_FORMATS:
            return "datetime", _SPSS_ORIGIN, 1_000_000
        if name in _SPSS_DURATION_FORMATS:
            return "duration", None, 1_000_000
        return None
    fmt = variable_format.replace("%-", "%")
    if fmt.startswith(("%td", "%d")):
        return "datetime", _STATA_ORIGIN, 86_400_000_000
    if fmt.startswith(("%tc", "%tC")):
        return "datetime", _STATA_ORIGIN, 1_000
    return None


def _convert_dates(frame, formats, family, path):
    converted = {}
    for column in frame.columns:
        kind = _time_kind(formats.get(column, ""), family)
        if kind is None or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        what, origin, scale = kind
        raw = frame[column].to_numpy(dtype="float64")
        micro = raw * scale
        present = ~np.isnan(raw)
        if what == "datetime":
            low = (_FIRST_INSTANT - origin).astype("int64")
            high = (_LAST_INSTANT - origin).astype("int64")
        else:
            low, high = -(2.0 ** 62), 2.0 ** 62
        valid = present & (micro >= low) & (micro <= high)
        offsets = np.where(valid, np.round(np.where(valid, micro, 0.0)), 0).astype("int64")
        delta = offsets.astype("timedelta64[us]")
        if what == "datetime":
            result = np.where(valid, origin + delta, np.datetime64("NaT", "us"))
        else:
            result = np.where(valid, delta, np.timedelta64("NaT", "us"))
        converted[column] = pd.Series(result, index=frame.index, name=column)
        lost = int((present & ~valid).sum())
        if lost:
            _warn(f"{path}: column {column!r}: {lost} row(s) hold a date outside the years "
                  f"1-9999 and were set to missing (NaT)")
    return _replace(frame, converted)


def _apply_value_labels(frame: pd.DataFrame, attrs: dict) -> pd.DataFrame:
    converted = {}
    for column, labels in attrs["value_labels"].items():
        if column not in frame.columns or not labels:
            continue
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        if isinstance(values.dtype, pd.CategoricalDtype) or not (
                numeric or pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue     # dates, or already categorical
        declared = attrs["missing_values"].get(column, {"values": [], "ranges": []})
        spans = [(v, v) for v in declared["values"]] + [tuple(r) for r in declared["ranges"]]
        code_labels = {}
        for code, label in labels.items():
            key = _normal(code)
            if numeric != isinstance(key, float) or _in_spans(key, spans):
                continue   # a code of the wrong type, or one declared missing
            code_labels.setdefault(key, str(label))
        if not code_labels:
            continue   # only missing codes are labelled (999 "skipped" on an amount)
        if not numeric:
            values = values.map(lambda v: v.rstrip() if isinstance(v, str) else v)
            values = values.where(values != "", None)      # SPSS blank string: no answer
        mapping = dict(code_labels)
        for code in {_normal(v) for v in values.dropna().unique()} - set(code_labels):
            mapping[code] = _code_text(code)
        # Every code in code order, labelled or not, so that an unlabelled middle point of
        # a scale stays in the middle; codes sharing a label share the first one's place.
        categories = list(dict.fromkeys(mapping[c] for c in sorted(mapping, key=_sort_key)))
        place = {text: i for i, text in enumerate(categories)}
        position = {code: place[text] for code, text in mapping.items()}
        if numeric:
            found = values.astype("float64").map(position)     # dict lookup, vectorised
        else:
            found = values.map(lambda v: np.nan if _isna(v) else position[_normal(v)])
        codes = found.fillna(-1).to_numpy(dtype="int64")
        converted[column] = pd.Series(
            pd.Categorical.from_codes(codes, categories=categories,
                                      ordered=attrs["measure_levels"].get(column) == "ordinal"),
            index=frame.index, name=column)
    return _replace(frame, converted)


def _normal(code):
    """Codes as dictionary keys: numbers as float (1 and 1.0 alike), strings without padding."""
    if isinstance(code, (int, float, np.integer, np.floating)) and not isinstance(code, bool):
        return float(code)
    if isinstance(code, str):
        return code.rstrip()
    return code


def _isna(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


# --------------------------------------------------------------------------------------------
# delimited text
# --------------------------------------------------------------------------------------------

def _detect_file_encoding(path: Path) -> str:
    """:func:`detect_encoding` over the whole file, streamed, so that a non-UTF-8 byte on the
    last line is not missed."""
    block = 1 << 20
    with open(path, "rb") as handle:
        first = handle.read(block)
        guess = detect_encoding(first)
        if guess in ("utf-8-sig", "utf-16"):
            return guess
        if guess == "utf-8":
            decoder = codecs.getincrementaldecoder("utf-8")()
            chunk = first
            try:
                while chunk:
                    decoder.decode(chunk, final=False)
                    chunk = handle.read(block)
                decoder.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:
                pass
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(block):
                decoder.decode(chunk)
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def _decoded_sample(path: Path, encoding: str) -> str:
    head = _read_head(path, SAMPLE_BYTES)
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the file is not valid {encoding} text (byte {head[exc.start]:#04x} at position "
            f"{exc.start}); leave encoding=None to detect the encoding", file=path) from exc


def _empty_attrs(path: Path, file_format: str, detected: dict) -> dict:
    return {
        "source": str(path), "format": file_format, "file_label": None,
        "variable_labels": {}, "value_labels": {}, "missing_values": {},
        "missing_counts": {}, "measure_levels": {}, "mr_sets": {}, "weight": None,
        "detected": detected,
    }


def _read_text(path: Path, *, source, sep, decimal, header_row, encoding, usecols, row_limit,
               row_offset, chunksize, apply_value_labels):
    head = _read_head(path, 1024)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError(f"this is not a text file: it looks like {_what_it_looks_like(head)}",
                             file=path)
    encoding = encoding or _detect_file_encoding(path)
    text = _decoded_sample(path, encoding)
    if not text.strip():
        raise InputFileError("the file holds no data (only blank lines)", file=path)
    if source != "generic":
        from . import platforms   # imported lazily: it imports this module's helpers
        kind = platforms.detect(path, text) if source == "auto" else source
        if kind:
            frame = platforms.read(path, kind, text=text, encoding=encoding)
            return _post_process(frame, path, kind, encoding, usecols, row_limit, row_offset,
                                 chunksize, apply_value_labels)
    if sep is None and path.suffix.lower() == ".tsv":
        sep = "\t"
    sniffed = sniff_csv(text, sep=sep)
    sep = sniffed["sep"]
    decimal = decimal or sniffed["decimal"]
    header = 0 if header_row is None else header_row
    detected = {"encoding": encoding, "sep": sep, "decimal": decimal, "header_rows": 1,
                "header_row": header, "platform": None}
    attrs = _empty_attrs(path, "csv", detected)
    options = dict(sep=sep, decimal=decimal, encoding=encoding, header=header,
                   keep_default_na=False, na_values=TEXT_NA_VALUES, engine="python"
                   if len(sep) > 1 else "c")
    names = _csv_call(lambda: pd.read_csv(path, nrows=0, **options).columns, path, encoding)
    columns = _columns_selected(usecols, list(names), path)
    skip = range(header + 1, header + 1 + row_offset) if row_offset else None
    read = dict(options, usecols=columns, skiprows=skip, nrows=row_limit)
    if chunksize is None:
        frame = _csv_call(lambda: pd.read_csv(path, **read), path, encoding)
        return _with_attrs(frame, attrs, apply_value_labels, columns)

    def chunks():
        with _csv_call(lambda: pd.read_csv(path, chunksize=chunksize, **read), path,
                       encoding) as reader:
            iterator = iter(reader)
            while True:
                frame = _csv_call(lambda: next(iterator, None), path, encoding)
                if frame is None:
                    return
                yield _with_attrs(frame, attrs, apply_value_labels, columns)
    return chunks()


def _csv_call(action, path, encoding):
    try:
        return action()
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the file is not valid {encoding} text ({exc.reason} at byte {exc.start}); leave "
            "encoding=None to detect the encoding", file=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError("the file holds no data", file=path) from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputFileError(f"the file is not well-formed delimited text: {exc}",
                             file=path) from exc


def _with_attrs(frame: pd.DataFrame, attrs: dict, apply_value_labels: bool,
                columns=None) -> pd.DataFrame:
    if columns is not None:
        frame = frame[columns]
    frame.attrs = copy.deepcopy(attrs)
    if apply_value_labels:
        frame = _apply_value_labels(frame, frame.attrs)
        frame.attrs = copy.deepcopy(attrs)
    return frame


def _post_process(frame, path, kind, encoding, usecols, row_limit, row_offset, chunksize,
                  apply_value_labels):
    """Apply the generic options to a frame that a platform reader returned."""
    attrs = _empty_attrs(path, kind, {"encoding": encoding, "platform": kind})
    attrs.update(copy.deepcopy(frame.attrs))
    attrs["detected"] = {"encoding": encoding, "platform": kind, **attrs.get("detected", {})}
    columns = _columns_selected(usecols, list(frame.columns), path)
    if columns is not None:
        frame = frame[columns]
    stop = None if row_limit is None else row_offset + row_limit
    frame = frame.iloc[row_offset:stop]
    return _slices(frame, attrs, chunksize, apply_value_labels)


def _slices(frame, attrs, chunksize, apply_value_labels):
    if chunksize is None:
        return _with_attrs(frame.copy(), attrs, apply_value_labels)
    return (_with_attrs(frame.iloc[start:start + chunksize].copy(), attrs, apply_value_labels)
            for start in range(0, len(frame), chunksize))


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

def _read_excel(path: Path, *, sheet, header_row, encoding, usecols, row_limit, row_offset,
                chunksize, apply_value_labels):
    head = _read_head(path, 512)
    if not head.startswith(_ZIP_MAGIC):
        raise InputFileError(
            f"this is not an .xlsx workbook (those are zip archives); it looks like "
            f"{_what_it_looks_like(head)}", file=path)
    sheet_name = _excel_sheet_name(path, sheet)
    options = dict(sheet_name=sheet_name, engine="openpyxl", keep_default_na=False,
                   na_values=TEXT_NA_VALUES)
    # One pass over the sheet: openpyxl parses the whole XML whatever nrows says, so the grid
    # is read once and the header row and the data are taken from it.
    grid = _excel_call(lambda: pd.read_excel(path, header=None, **options), path)
    if header_row is None:
        if grid.head(50).dropna(how="all").empty:
            raise InputFileError(f"worksheet {sheet_name!r} holds no data", file=path)
        header_row = _detect_header_row(grid.head(50))
    if header_row >= len(grid):
        raise ParameterError(f"header_row {header_row} is past the last row ({len(grid)} rows)",
                             file=path)
    # Header cells can be numbers (a year); columns are named by their text.
    names = _header_names(grid.iloc[header_row])
    columns = _columns_selected(usecols, names, path)
    start = header_row + 1 + row_offset
    stop = None if row_limit is None else start + row_limit
    frame = grid.iloc[start:stop].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    if columns is not None:
        frame = frame[columns]
    detected = {"sheet": sheet_name, "header_rows": 1, "header_row": header_row,
                "platform": None}
    attrs = _empty_attrs(path, "xlsx", detected)
    return _slices(frame, attrs, chunksize, apply_value_labels)


def _header_names(row: pd.Series) -> list[str]:
    """Column names from a header row as pandas would make them (``Unnamed: i``, ``x.1``)."""
    names, seen = [], {}
    for i, value in enumerate(row):
        if pd.isna(value) or (isinstance(value, str) and not value.strip()):
            name = f"Unnamed: {i}"
        elif isinstance(value, float) and value.is_integer():
            name = str(int(value))
        else:
            name = str(value)
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _excel_call(action, path):
    try:
        return action()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputFileError(f"this Excel workbook cannot be read ({type(exc).__name__}: "
                             f"{exc})", file=path) from exc


def _excel_sheet_name(path: Path, sheet) -> str:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(
            f"this Excel workbook is damaged or not an .xlsx file ({type(exc).__name__}: "
            f"{exc})", file=path) from exc
    try:
        names = list(workbook.sheetnames)
    finally:
        workbook.close()
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
    elif -len(names) <= sheet < len(names):
        return names[sheet]
    raise ParameterError(f"worksheet {sheet!r} does not exist; the workbook has "
                         f"{', '.join(repr(n) for n in names)}", file=path)


def _detect_header_row(top: pd.DataFrame) -> int:
    """First row with mostly text cells that is followed by a non-empty row.

    Title and note lines above a table fill only one or two cells, so they are passed over;
    a header row fills at least half of the table's width.
    """
    filled = top.notna() & top.map(lambda v: not (isinstance(v, str) and not v.strip()))
    width = int(filled.any(axis=0).sum())
    needed = 1 if width <= 1 else max(2, math.ceil(width / 2))
    rows = list(top.itertuples(index=False))
    for i, row in enumerate(rows):
        cells = [v for v, f in zip(row, filled.iloc[i]) if f]
        if len(cells) < needed:
            continue
        if 3 * sum(isinstance(v, str) for v in cells) < 2 * len(cells):
            continue     # a header is at least two-thirds text (a year may be a number)
        if i + 1 == len(rows) or filled.iloc[i + 1].any():
            return i
    return 0
