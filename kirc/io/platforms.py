"""Survey-platform CSV exports: recognise which platform wrote a file, and read it.

Survey platforms do not write plain CSV: Qualtrics puts three header rows above the answers,
SurveyMonkey two, LimeSurvey writes the full question text as column headers, and Google Forms
starts every file with a ``Timestamp`` column in the US date order. :func:`detect` recognises
each of these from concrete evidence in the first lines of the file, and :func:`read` turns the
export into one row per respondent with the question texts kept as variable labels, following
the metadata contract of :func:`kirc.io.read_survey` (``df.attrs``).

Detection rules (checked in this order; the first that matches wins)
-------------------------------------------------------------------
qualtrics
    Row 1 holds Qualtrics ids (at least one of ``StartDate``, ``EndDate``, ``RecordedDate``,
    ``ResponseId``/``ResponseID``) and at least half of the non-empty cells of row 3 are
    ``ImportId`` tags, either JSON (``{"ImportId":"QID1"}``, current exports) or single-quoted
    (``{'ImportId': 'QID1'}``, older exports).
qualtrics-legacy
    Row 1 starts with ``V1, V2, V3`` and row 2 contains ``ResponseID``.
surveymonkey
    Row 2 (the sub-header) contains ``Response`` or ``Open-Ended Response`` cells, and row 1
    either has the ``Respondent ID`` and ``Collector ID`` columns or has continuation columns
    (blank, or ``Unnamed: N`` after a pass through pandas) under a question header.
limesurvey
    At least three of LimeSurvey's fixed fields open the file (among the first ten columns):
    ``Response ID, Date submitted, Last page, Start language`` (headings export) or
    ``id, submitdate, lastpage, startlanguage`` (question-code export).
google-forms
    The first header is ``Timestamp`` (``Tijdstempel`` in Dutch) and the first data values are
    timestamps like ``9/30/2019 10:14:02``.

Column names and labels
-----------------------
Qualtrics exports keep their ids as column names (``Q1``, ``q6#1_1``, ``V1``); the question
text of row 2 becomes the variable label. Exports whose headers *are* the question text
(SurveyMonkey, LimeSurvey headings, Google Forms) get this naming rule: the label is the header
with runs of white space collapsed (LimeSurvey: HTML entities decoded; SurveyMonkey
sub-columns: ``"<question> [<option>]"``); the column name is that label when it is at most
64 characters long, unique in the file and free of braces and line breaks, otherwise ``qNNN``
where NNN is the 1-based column number in the export (so ``q013`` is spreadsheet column 13; a
leftover pandas index column in front is not counted).
LimeSurvey's fixed fields get LimeSurvey's own codes (``Response ID`` -> ``id``,
``Date submitted`` -> ``submitdate``, ...).

Multiple-response (check-all-that-apply) sets
---------------------------------------------
Every set is a ``"dichotomy"`` set with ``counted_value`` 1, named after its question when the
question text is at most 64 characters, else ``mr_<first member column>``. A member column
holds 1.0 when the option was ticked, 0.0 when the respondent answered the question but did not
tick this option, and NaN when the respondent left the whole question empty (no tick, no
"Other" text: skipped or not shown), as SPSS counts cases in a dichotomy set.
SurveyMonkey writes the option text for a tick and nothing otherwise; a block of columns under
one question header whose cells only ever hold their own option text is such a set, and is
converted to 1/0/NaN (the option text stays in the variable label and the value label of 1).
A block whose cells hold anything else (a matrix, "Other (please specify)") stays text.
LimeSurvey already writes 1/0 (blank when not shown), kept as written: consecutive
``"<question> [<option>]"`` columns holding only 0 and 1 form a set. Qualtrics sets come from the survey definition (a ``.qsf`` file with the same
name beside the export), which also supplies value labels (including negative recodes such as
-1 = "Never Tried It").

Values
------
A column whose every non-empty cell is a plain decimal number (``.`` as decimal mark, no
leading zeros such as ``0123``) becomes numeric (int64 when complete and integral, else
float64); a column whose every non-empty cell is an ISO timestamp (``2017-07-18 08:28:09``)
becomes datetime64. The Google Forms timestamp is read with an explicit format whose day/month
order is decided by evidence (a first field above 12 means day-first); the format is recorded
in ``attrs["detected"]["datetime_formats"]``. Empty cells are missing.
"""

from __future__ import annotations

import ast
import codecs
import copy
import csv
import html
import io
import json
import re
from collections import Counter
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, ParameterError, warn
from .meta import FileMeta
from .text import detect_file_encoding, duplicate_note, sniff_separator

__all__ = ["PLATFORMS", "detect", "detect_rows", "read"]

PLATFORMS = ("qualtrics", "qualtrics-legacy", "surveymonkey", "limesurvey", "google-forms")

#: Names a platform uses for itself, shown by ``kirc inspect``.
PLATFORM_NAMES = {
    "qualtrics": "Qualtrics CSV export",
    "qualtrics-legacy": "legacy Qualtrics CSV export",
    "surveymonkey": "SurveyMonkey CSV export",
    "limesurvey": "LimeSurvey CSV export",
    "google-forms": "Google Forms CSV export",
}

_NAME_MAX = 64
_QUALTRICS_IDS = ("StartDate", "EndDate", "RecordedDate", "ResponseId", "ResponseID")
_SURVEYMONKEY_SUBHEADERS = ("Response", "Open-Ended Response")
_LIMESURVEY_FIELDS = {
    # LimeSurvey's English field headings -> LimeSurvey's own field codes.
    "Response ID": "id",
    "Date submitted": "submitdate",
    "Last page": "lastpage",
    "Start language": "startlanguage",
    "Seed": "seed",
    "Token": "token",
    "Date started": "startdate",
    "Date last action": "datestamp",
    "IP address": "ipaddr",
    "Referrer URL": "refurl",
    "Total time": "interviewtime",
}
_LIMESURVEY_KEYS = (("Response ID", "Date submitted", "Last page", "Start language"),
                    ("id", "submitdate", "lastpage", "startlanguage"))
_GOOGLE_TIMESTAMP_HEADERS = ("Timestamp", "Tijdstempel")
_SLASH_TIMESTAMP = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4}) (\d{1,2}):(\d{2})(:\d{2})?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_LEADING_ZERO = re.compile(r"^[+-]?0\d")
_IMPORT_ID = re.compile(r"""ImportId['"]?\s*:\s*['"]([^'"]*)['"]""")
_ISO_FORMATS = {
    "%Y-%m-%d %H:%M:%S": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"),
    "%Y-%m-%dT%H:%M:%SZ": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"),
    "%Y-%m-%d %H:%M": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"),
    "%Y-%m-%d": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
}
_SURVEYMONKEY_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")


# --------------------------------------------------------------------------------------------
# detection


def detect(path: str | PathLike, text: str) -> str | None:
    """Name the survey platform that wrote a CSV export, or None for an ordinary CSV.

    Parameters
    ----------
    path : str or path-like
        The file (used only in messages).
    text : str
        The decoded beginning of the file (the first ~64 KB is plenty), byte-order mark removed.

    Returns
    -------
    str or None
        One of :data:`PLATFORMS`, or None when no platform's evidence is found. The evidence
        itself is recorded by :func:`read` in ``attrs["detected"]["evidence"]``.

    Notes
    -----
    The rules are listed in the module docstring; each was checked against real exports in
    ``../shared/realdata/exports`` (qualtRics, QualtricsTools, limonaid, OHBM, prepbench).

    Examples
    --------
    >>> detect("form.csv", "Timestamp,Score\\r\\n9/30/2019 10:14:02,9\\r\\n")
    'google-forms'
    >>> detect("plain.csv", "id,score\\n1,9\\n") is None
    True
    """
    return detect_rows(_head_rows(text))


def detect_rows(rows: list[list[str]]) -> str | None:
    """:func:`detect` for rows already split into cells (a worksheet's first rows, as text).

    Examples
    --------
    >>> detect_rows([["StartDate", "ResponseId", "Q1"], ["Start Date", "Response ID", "Hoe?"],
    ...              ['{"ImportId":"startDate"}', '{"ImportId":"_recordId"}',
    ...               '{"ImportId":"QID1"}']])
    'qualtrics'
    """
    kind, _ = _detect_rows([row for row in rows if any(cell.strip() for cell in row)])
    return kind


def _head_rows(text: str, limit: int = 12) -> list[list[str]]:
    """The first non-blank CSV rows of ``text``."""
    # the first 12 rows are well inside 128 KB; a StringIO of the whole 1 MiB sample would
    # take 4 MB
    text = text[:131072].lstrip("\ufeff")
    sep = _guess_sep(text)
    rows: list[list[str]] = []
    # A row cut by the 64 KB limit is kept: its complete cells are still evidence.
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        for row in reader:
            rows.append(row)
            if len(rows) > limit:
                break
    except csv.Error:
        pass
    return [r for r in rows if any(cell.strip() for cell in r)]


def _guess_sep(text: str) -> str:
    """The field separator, as :func:`kirc.io.text.sniff_separator` finds it in the first 64 KB
    (``,`` for an empty text or a file of one column)."""
    text = text[:65536]
    return (sniff_separator(text) or ",") if text.strip() else ","


def _detect_rows(rows: list[list[str]]) -> tuple[str | None, str]:
    """(platform, evidence) from the first rows of a file."""
    if not rows:
        return None, ""
    row1 = [c.strip() for c in rows[0]]
    row2 = [c.strip() for c in rows[1]] if len(rows) > 1 else []
    row3 = rows[2] if len(rows) > 2 else []

    ids = [c for c in _QUALTRICS_IDS if c in row1]
    layout, why = _qualtrics_layout(rows)
    if layout == "full":
        filled = [c for c in row3 if c.strip()]
        tagged = [c for c in filled if "ImportId" in c]
        style = "JSON" if any(_parse_import_id(c)[1] == "json" for c in tagged) \
            else "single-quoted"
        return "qualtrics", (f"row 1 has Qualtrics ids {', '.join(ids)}; row 3 holds "
                             f"{style} ImportId tags in {len(tagged)} of {len(filled)} "
                             f"non-empty cells")
    if layout is not None:
        return "qualtrics", (f"row 1 has Qualtrics ids {', '.join(ids)}; " if ids else "") + why

    if row1[:3] == ["V1", "V2", "V3"] and "ResponseID" in row2:
        n_v = next((i for i, c in enumerate(row1) if c != f"V{i + 1}"), len(row1))
        return "qualtrics-legacy", (f"row 1 starts with V1..V{n_v}; row 2 holds ResponseID "
                                    f"(legacy Qualtrics export)")

    sub = [c for c in row2 if c in _SURVEYMONKEY_SUBHEADERS]
    if sub:
        has_ids = "Respondent ID" in row1 and "Collector ID" in row1
        continuation = [i for i, c in enumerate(row1)
                        if i > 0 and _is_continuation(c) and i < len(row2) and row2[i]]
        if has_ids or continuation:
            why = ("row 1 has Respondent ID and Collector ID" if has_ids else
                   f"row 1 has {len(continuation)} continuation columns (blank or 'Unnamed: N')"
                   " under check-all question headers")
            return "surveymonkey", (f"{why}; row 2 is a sub-header with {len(sub)} "
                                    f"'Response'/'Open-Ended Response' cells")

    for keys in _LIMESURVEY_KEYS:
        found = [k for k in keys if k in row1[:10]]
        if len(found) >= 3:
            return "limesurvey", ("LimeSurvey fields " + ", ".join(repr(k) for k in found)
                                  + " among the first columns")

    if row1 and row1[0] in _GOOGLE_TIMESTAMP_HEADERS and len(rows) > 1:
        values = [r[0].strip() for r in rows[1:] if r and r[0].strip()]
        if values and all(_SLASH_TIMESTAMP.match(v) for v in values):
            return "google-forms", (f"first header {row1[0]!r} with timestamps like "
                                    f"{values[0]!r}")
    return None, ""


def _is_continuation(header: str) -> bool:
    return header.strip() == "" or re.fullmatch(r"Unnamed: \d+", header.strip()) is not None


def _parse_import_id(cell: str) -> tuple[str | None, str | None]:
    """(import id, style) of a Qualtrics row-3 cell; style is 'json' or 'python-literal'."""
    cell = cell.strip()
    if not cell:
        return None, None
    try:
        value = json.loads(cell)
        if isinstance(value, dict) and "ImportId" in value:
            return str(value["ImportId"]), "json"
    except ValueError:
        pass
    try:
        value = ast.literal_eval(cell)
        if isinstance(value, dict) and "ImportId" in value:
            return str(value["ImportId"]), "python-literal"
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    match = _IMPORT_ID.search(cell)
    if match:
        return match.group(1), "python-literal"
    return None, None


# --------------------------------------------------------------------------------------------
# reading


def read(path: str | PathLike, kind: str, *, text: str | None = None,
         encoding: str | None = None) -> pd.DataFrame:
    """Read a survey-platform CSV export into one row per respondent.

    Parameters
    ----------
    path : str or path-like
        The export.
    kind : str
        One of :data:`PLATFORMS` (as returned by :func:`detect`); ``"qualtrics"`` also accepts a
        legacy export and reads it as ``"qualtrics-legacy"``.
    text : str, optional
        The decoded beginning of the file, as given to :func:`detect`; used to find the
        separator. The whole file is always read from ``path``.
    encoding : str, optional
        The file's encoding; detected when not given.

    Returns
    -------
    pandas.DataFrame
        Metadata in ``df.attrs`` as documented for :func:`kirc.io.read_survey`:
        ``format`` is the platform, ``variable_labels`` the question texts, ``mr_sets`` the
        check-all-that-apply sets, ``detected`` the encoding, separator, header rows, platform,
        the evidence for it and any repair (a dropped pandas index column, empty columns).

    Raises
    ------
    InputFileError
        The file cannot be decoded or parsed, or lacks the header rows of ``kind``.
    ParameterError
        ``kind`` is not a known platform.

    Notes
    -----
    Validated against the real exports in ``../shared/realdata/exports``: the expected counts,
    labels and cells in ``tests/test_platforms.py`` were read from the raw files with Python's
    :mod:`csv` module, independently of this reader.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = tempfile.TemporaryDirectory()
    >>> export = pathlib.Path(folder.name, "form.csv")
    >>> _ = export.write_text("Timestamp,How likely are you to recommend us?\\n"
    ...                       "9/30/2019 10:14:02,9\\n10/1/2019 8:00:00,6\\n")
    >>> df = read(export, "google-forms")
    >>> df.shape
    (2, 2)
    >>> df["How likely are you to recommend us?"].tolist()
    [9, 6]
    >>> df.attrs["detected"]["datetime_formats"]
    {'Timestamp': '%m/%d/%Y %H:%M:%S'}
    >>> folder.cleanup()
    """
    frames = read_chunks(path, kind, text=text, encoding=encoding, chunksize=None)
    return next(frames)


def read_chunks(path: str | PathLike, kind: str, *, text: str | None = None,
                encoding: str | None = None, chunksize: int | None = None, row_offset: int = 0,
                row_limit: int | None = None, grid: list | None = None):
    """Read a survey-platform export in pieces of at most ``chunksize`` respondents.

    The file is streamed twice and never held whole: a first pass learns what every column
    holds (numbers, timestamps, ticks of a check-all question, ...; the same decisions
    :func:`read` makes over the whole file), a second builds the frames, converting at most
    a few thousand rows at a time. Peak memory stays about twice one chunk (measured in
    ``benchmarks/speed_read.py``). ``chunksize=None`` gives one frame. Every frame carries
    the same ``attrs``. ``grid`` is the export saved as a worksheet instead, as (row number,
    cells as text) for every row of the sheet; ``path`` then only names it.
    """
    if kind not in PLATFORMS:
        raise ParameterError(f"unknown survey platform {kind!r}; expected one of "
                             + ", ".join(PLATFORMS), file=path)
    source = _Source(path, encoding, text) if grid is None else _GridSource(path, grid)
    lines = source.head
    found, evidence = _detect_rows([row for _, row in lines[:12]])
    if kind == "qualtrics" and found == "qualtrics-legacy":
        kind = "qualtrics-legacy"
    if found != kind:
        evidence = (f"requested as {kind}" + (f" (the file looks like {found})" if found else
                                              " (no platform evidence found)"))
    reader = {"qualtrics": _qualtrics, "qualtrics-legacy": _qualtrics_legacy,
              "surveymonkey": _surveymonkey, "limesurvey": _limesurvey,
              "google-forms": _google_forms}[kind]
    parsed = reader(path, lines, source)

    detected = {
        "encoding": source.encoding,
        "sep": source.sep,
        "decimal": ".",
        "header_rows": parsed.header_rows,
        "header_row": 0,
        "platform": kind,
        "evidence": evidence,
        "bom": source.bom,
        "line_terminator": source.line_terminator,
    }
    if grid is not None:
        # a worksheet has cells, not an encoding, separators or line ends
        for key in ("encoding", "sep", "decimal", "bom", "line_terminator"):
            del detected[key]
    detected.update(parsed.detected)
    _check_width(path, parsed)
    plan = _plan(parsed, detected)
    attrs = FileMeta(
        source=str(path), format=kind, file_label=parsed.file_label,
        variable_labels={n: lab for n, lab in zip(parsed.names, parsed.labels) if lab},
        value_labels=parsed.value_labels,
        measure_levels={n: "unknown" for n in parsed.names},
        mr_sets=parsed.mr_sets, detected=detected).to_attrs()
    return _frames(path, source, parsed, plan, attrs, chunksize, row_offset, row_limit)


class _Parsed:
    """What a platform reader found: columns, labels, where their cells are, and metadata."""

    def __init__(self, names, labels, stats, header_rows, *, positions=None, source=None):
        self.names: list[str] = names
        self.labels: list[str] = labels
        self.stats: _Stats = stats
        self.header_rows: int = header_rows
        self.positions: list[int] = positions or list(range(1, len(names) + 1))
        # raw column index (in the file's rows) of every column
        self.source: list[int] = source if source is not None else list(range(len(names)))
        self.detected: dict = {}
        self.value_labels: dict = {}
        self.mr_sets: dict = {}
        self.dichotomies: dict = {}  # column -> text that marks a tick
        self.answer_columns: dict = {}  # set name -> every column of its question
        self.datetime_formats: dict = {}  # column -> explicit format
        self.file_label: str | None = None

    def raw(self, name: str) -> int:
        return self.source[self.names.index(name)]


_DISTINCT_CAP = 16          # distinct values kept per column (enough to judge ticks and 0/1)
_BATCH = 500                # rows converted at a time


class _Column:
    """What the first pass learnt about one raw column over all data rows."""

    __slots__ = ("filled", "blank", "distinct", "numeric", "leading_zero", "integral",
                 "max_abs", "iso", "checks")

    def __init__(self):
        self.filled = 0
        self.blank = 0
        self.distinct: set | None = set()
        self.numeric = True
        self.leading_zero = False
        self.integral = True
        self.max_abs = 0.0
        self.iso = {fmt: True for fmt in _ISO_FORMATS}
        self.checks: dict = {}          # explicit format -> all present values parse


class _Stats:
    """Per-column facts of the data rows (after the header rows), from one streamed pass."""

    def __init__(self, source: _Source, header_rows: int, checks: dict):
        self.columns: list[_Column] = []
        self.n_rows = 0
        self.widest: list[tuple[int, int, int]] = []   # (filled length, line, fields)
        self.first: dict = {"seq_ok": True, "seq_start": None, "seq_next": None,
                            "digits": True, "stamps": _StampStats()}
        batch: list[list[str]] = []
        for line, row in source.rows(header_rows):
            self.n_rows += 1
            self._width(line, row)
            batch.append(row)
            if len(batch) == _BATCH:
                self._add(batch, checks)
                batch = []
        if batch:
            self._add(batch, checks)

    def _width(self, line, row):
        top = self.widest[-1][0] if self.widest else 0
        if len(row) > top:
            filled = len(row)
            while filled and not row[filled - 1].strip():
                filled -= 1
            if filled > top:
                self.widest.append((filled, line, len(row)))

    def first_over(self, width: int):
        """(line, fields) of the first row with a filled cell beyond ``width``, or None."""
        for filled, line, fields in self.widest:
            if filled > width:
                return line, fields
        return None

    def _add(self, batch, checks):
        width = max(len(row) for row in batch)
        while len(self.columns) < width:
            self.columns.append(_Column())
        cells = list(zip(*[row + [""] * (width - len(row)) for row in batch]))
        self._first_column(cells[0] if cells else ())
        for j, values in enumerate(cells):
            column = self.columns[j]
            counts = Counter(values)
            for raw, n in counts.items():
                value = raw.strip()
                if not value:
                    column.blank += n
                    continue
                column.filled += n
                if column.distinct is not None:
                    column.distinct.add(value)
                    if len(column.distinct) > _DISTINCT_CAP:
                        column.distinct = None
                if column.numeric:
                    if not _NUMBER.match(value) or _LEADING_ZERO.match(value):
                        column.numeric = False
                    else:
                        number = float(value)
                        column.integral = column.integral and number.is_integer()
                        column.max_abs = max(column.max_abs, abs(number))
                for fmt, ok in column.iso.items():
                    if ok and not _ISO_FORMATS[fmt].match(value):
                        column.iso[fmt] = False
                for fmt in checks.get(j, ()):
                    if column.checks.get(fmt, True):
                        column.checks[fmt] = _parses(value, fmt)
        for j in range(width, len(self.columns)):
            self.columns[j].blank += len(batch)

    def _first_column(self, values):
        first = self.first
        for raw in values:
            value = raw.strip()
            first["stamps"].add(value)
            if first["digits"]:
                if not value.isdigit():
                    first["digits"] = False
                    first["seq_ok"] = False
                    continue
                number = int(value)
                if first["seq_start"] is None:
                    first["seq_start"] = number
                elif number != first["seq_next"]:
                    first["seq_ok"] = False
                first["seq_next"] = number + 1

    def column(self, j: int) -> _Column:
        if j < len(self.columns):
            return self.columns[j]
        empty = _Column()
        empty.blank = self.n_rows
        return empty

    def has_data(self, j: int) -> bool:
        return self.column(j).filled > 0

    def distinct(self, j: int) -> set | None:
        """The distinct non-blank values of raw column ``j``, or None when there are many."""
        values = self.column(j).distinct
        return None if values is None else set(values)


class _StampStats:
    """Google Forms timestamps in the first column: do all match, and which order."""

    def __init__(self):
        self.all_match = True
        self.bad = None
        self.count = 0
        self.first = None
        self.day_first = None
        self.month_first = None

    def add(self, value):
        if not value:
            return
        self.count += 1
        match = _SLASH_TIMESTAMP.match(value)
        if not match:
            if self.all_match:
                self.all_match, self.bad = False, value
            return
        if self.first is None:
            self.first = match
        if self.day_first is None and int(match.group(1)) > 12:
            self.day_first = match.group(0)
        if self.month_first is None and int(match.group(3)) > 12:
            self.month_first = match.group(0)


def _parses(value: str, fmt: str) -> bool:
    from datetime import datetime

    try:
        datetime.strptime(value, fmt)
        return True
    except ValueError:
        return False


class _Source:
    """A platform export, streamed: its encoding, separator and first rows, and its rows on
    request (``rows(skip)``), each decoded once per pass."""

    def __init__(self, path, encoding, text):
        self.path = Path(path)
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(65536)
        except FileNotFoundError as exc:
            raise InputFileError("does not exist", file=path) from exc
        except OSError as exc:
            raise InputFileError(f"cannot be read: {exc.strerror or exc}", file=path) from exc
        if not head.strip():
            raise InputFileError("is empty", file=path)
        self.encoding = encoding or detect_file_encoding(self.path)
        self.bom = head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if text is None:
            try:
                text = codecs.getincrementaldecoder(self.encoding)().decode(head, final=False)
            except (UnicodeDecodeError, LookupError) as exc:
                raise InputFileError(f"cannot be decoded as {self.encoding}: {exc}",
                                     file=path) from exc
        text = text.lstrip("\ufeff")
        self.sep = _guess_sep(text)
        self.line_terminator = "CRLF" if "\r\n" in text[:65536] else "LF"
        self.head = []
        for item in self.rows(0):
            self.head.append(item)
            if len(self.head) >= 12:
                break
        if not self.head:
            raise InputFileError("holds no rows", file=path)
        self._stats: dict = {}

    def rows(self, skip: int):
        """(line number, cells) of every non-blank row after the first ``skip`` of them."""
        try:
            handle = open(self.path, encoding=self.encoding, newline="")
        except LookupError as exc:
            raise InputFileError(f"cannot be decoded as {self.encoding}: {exc}",
                                 file=self.path) from exc
        with handle:
            try:
                if handle.read(1) != "\ufeff":      # a byte-order mark is not data
                    handle.seek(0)
            except UnicodeDecodeError as exc:
                raise InputFileError(f"cannot be decoded as {self.encoding}: {exc}",
                                     file=self.path) from exc
            reader = csv.reader(handle, delimiter=self.sep)
            line, seen = 1, 0
            try:
                for row in reader:
                    if any(cell.strip() for cell in row):
                        seen += 1
                        if seen > skip:
                            yield line, row
                    line = reader.line_num + 1
            except csv.Error as exc:
                raise InputFileError(f"is not valid CSV near line {reader.line_num}: {exc}",
                                     file=self.path) from exc
            except UnicodeDecodeError as exc:
                raise InputFileError(f"cannot be decoded as {self.encoding}: {exc}",
                                     file=self.path) from exc

    def stats(self, header_rows: int, checks: dict | None = None) -> _Stats:
        key = (header_rows, tuple(sorted((j, tuple(f)) for j, f in (checks or {}).items())))
        if key not in self._stats:
            self._stats[key] = _Stats(self, header_rows, checks or {})
        return self._stats[key]


class _GridSource(_Source):
    """A platform export saved as a worksheet: its rows are already cells (as texts)."""

    def __init__(self, path, grid: list):
        self.path = Path(path)
        self.encoding = self.sep = self.line_terminator = None
        self.bom = False
        self._rows = [(line, row) for line, row in grid if any(cell.strip() for cell in row)]
        self.head = self._rows[:12]
        if not self.head:
            raise InputFileError("holds no rows", file=path)
        self._stats = {}

    def rows(self, skip: int):
        yield from self._rows[skip:]


def _need_rows(path, lines, count: int, what: str) -> None:
    if len(lines) < count:
        raise InputFileError(f"has {len(lines)} non-blank line(s); {what} has {count} header "
                             "rows", file=path)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _text_names(labels: list[str], positions: list[int]) -> list[str]:
    """Column names from header texts: the text when short and unique, else ``qNNN``."""
    counts = Counter(labels)
    width = max(3, len(str(max(positions, default=0))))
    names = []
    for label, position in zip(labels, positions):
        usable = (label and len(label) <= _NAME_MAX and counts[label] == 1
                  and not set(label) & set("{}\n\r\t"))
        names.append(label if usable else f"q{position:0{width}d}")
    return _dedupe(names)


def _dedupe(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    taken = set(names)
    out = []
    for name in names:
        seen[name] += 1
        if seen[name] > 1:
            suffix = seen[name]
            while f"{name}_{suffix}" in taken:
                suffix += 1
            name = f"{name}_{suffix}"
            taken.add(name)
        out.append(name)
    return out


# ---- Qualtrics ------------------------------------------------------------------------------


def _tagged(row: list[str]) -> bool:
    """Whether at least half of a row's non-empty cells (and one or more) are ImportId tags."""
    filled = [c for c in row if c.strip()]
    tagged = sum(1 for c in filled if "ImportId" in c and _parse_import_id(c)[0] is not None)
    return tagged > 0 and 2 * tagged >= len(filled)


_TIMESTAMP_IDS = ("StartDate", "EndDate", "RecordedDate")


def _qualtrics_layout(rows: list[list[str]]) -> tuple[str | None, str]:
    """Which of Qualtrics' three header rows a file has: 'full', 'no-questions' (row 2 of
    question texts deleted), 'no-tags' (row 3 of ImportId tags deleted), 'no-ids' (row 1
    deleted) or None; with the evidence."""
    row1 = [c.strip() for c in rows[0]] if rows else []
    row2 = rows[1] if len(rows) > 1 else []
    row3 = rows[2] if len(rows) > 2 else []
    ids = [c for c in _QUALTRICS_IDS if c in row1]
    if ids and row3 and _tagged(row3):
        return "full", ""
    if ids and row2 and _tagged(row2):
        return "no-questions", ("row 2 holds the ImportId tags that belong in row 3: the row "
                                "of question texts was deleted")
    if not ids and row2 and _tagged(row2) and len(rows) > 2:
        return "no-ids", ("row 2 holds Qualtrics ImportId tags but row 1 has no Qualtrics ids "
                          "(StartDate, ResponseId, ...): the first header row was deleted")
    stamps = [row1.index(c) for c in _TIMESTAMP_IDS if c in row1]
    if len(ids) >= 2 and stamps and row3:
        j = stamps[0]
        second = row2[j].strip() if j < len(row2) else ""
        third = row3[j].strip() if j < len(row3) else ""
        iso = _ISO_FORMATS["%Y-%m-%d %H:%M:%S"]
        if second and not iso.match(second) and iso.match(third):
            return "no-tags", (f"row 2 holds question texts ({second!r} under {row1[j]}) and "
                               f"row 3 the first answers ({third!r}): the row of ImportId tags "
                               "was deleted")
    return None, ""


def _qualtrics(path, lines, source) -> _Parsed:
    _need_rows(path, lines, 3, "a Qualtrics export")
    layout, why = _qualtrics_layout([row for _, row in lines[:3]])
    if layout == "no-ids":
        raise InputFileError(f"this looks like a damaged Qualtrics export: {why}; export the "
                             "responses again from Qualtrics (Data & Analysis > Export)",
                             file=path)
    if layout is None:
        raise InputFileError(
            "is not a Qualtrics export: expected Qualtrics ids (StartDate, ResponseId, ...) in "
            "row 1, question text in row 2 and ImportId tags in row 3", file=path)
    ids = lines[0][1]
    width = len(ids)
    if layout == "full":
        questions, tags, header_rows = lines[1][1], lines[2][1], 3
    elif layout == "no-questions":
        questions, tags, header_rows = [], lines[1][1], 2
    else:
        questions, tags, header_rows = lines[1][1], [], 2
    if layout != "full":
        warn(f"{path}: {why}; read with {header_rows} header rows"
             + (" and no question texts as labels" if layout == "no-questions" else
                " and no ImportIds (value labels from a .qsf cannot be matched)"))
    parsed_tags = [_parse_import_id(cell) for cell in tags]
    names = _id_names(ids)
    _note_renamed(path, ids, names)
    labels = [_clean(questions[i]) if i < len(questions) else "" for i in range(width)]
    parsed = _Parsed(names, labels, source.stats(header_rows), header_rows)
    parsed.raw_width = width
    if why:
        parsed.detected["damaged_header"] = why
    _drop_empty_columns(parsed)
    import_ids = {name: parsed_tags[pos - 1][0]
                  for name, pos in zip(parsed.names, parsed.positions)
                  if pos <= len(parsed_tags) and parsed_tags[pos - 1][0] is not None}
    styles = {style for _, style in parsed_tags if style}
    if styles:
        parsed.detected["import_id_format"] = "json" if styles == {"json"} else "python-literal"
    parsed.detected["import_ids"] = import_ids
    _apply_qsf(path, parsed, import_ids)
    return parsed


def _qualtrics_legacy(path, lines, source) -> _Parsed:
    _need_rows(path, lines, 2, "a legacy Qualtrics export")
    ids, questions = (row for _, row in lines[:2])
    if [c.strip() for c in ids[:3]] != ["V1", "V2", "V3"] or "ResponseID" not in questions:
        raise InputFileError("is not a legacy Qualtrics export: expected V1, V2, V3, ... in row "
                             "1 and ResponseID in row 2", file=path)
    names = _id_names(ids)
    _note_renamed(path, ids, names)
    labels = [_clean(questions[i]) if i < len(questions) else "" for i in range(len(ids))]
    parsed = _Parsed(names, labels, source.stats(2), 2)
    parsed.raw_width = len(ids)
    _drop_empty_columns(parsed)
    return parsed


def _id_names(ids: list[str]) -> list[str]:
    """Qualtrics ids as column names; a blank id (a trailing comma) stays blank until dropped,
    a repeated id gets ``_2``, ``_3``."""
    names = [c.strip() for c in ids]
    blanks = [i for i, name in enumerate(names) if not name]
    unique = _dedupe([name or f"\0{i}" for i, name in enumerate(names)])
    return ["" if i in blanks else name for i, name in enumerate(unique)]


def _note_renamed(path, header, names) -> None:
    """A KircWarning when repeated header ids were renamed (``Q1``, ``Q1_2``)."""
    note = duplicate_note(header, names)
    if note:
        warn(f"{path}: {note}")


def _drop_empty_columns(parsed: _Parsed) -> None:
    """Drop columns without a name, a label or any value (a trailing comma on every line)."""
    keep = []
    for i, name in enumerate(parsed.names):
        has_data = parsed.stats.has_data(parsed.source[i])
        keep.append(bool(name or parsed.labels[i] or has_data))
    dropped = keep.count(False)
    if dropped:
        parsed.detected["dropped_empty_columns"] = dropped
        _select(parsed, keep)
    # a blank id above a labelled or filled column: name it by its position
    parsed.names = _dedupe([name or f"q{pos:03d}"
                            for name, pos in zip(parsed.names, parsed.positions)])


def _select(parsed: _Parsed, keep: list[bool]) -> None:
    pick = [i for i, k in enumerate(keep) if k]
    parsed.names = [parsed.names[i] for i in pick]
    parsed.labels = [parsed.labels[i] for i in pick]
    parsed.positions = [parsed.positions[i] for i in pick]
    parsed.source = [parsed.source[i] for i in pick]


_MC_SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB", "NPS"}
_MC_MULTI = {"MAVR", "MAHR", "MACOL", "MSB"}


def _apply_qsf(path, parsed: _Parsed, import_ids: dict[str, str]) -> None:
    """Value labels, multiple-response sets and the survey name from a ``.qsf`` beside the CSV.

    Only question types whose export coding is certain are used: multiple choice with one
    answer (labels for the column tagged ``QIDn``), Likert matrices with one answer per row
    (labels for ``QIDn-row`` / ``QIDn_row``) and multiple choice with several answers (one
    dichotomy set of the ``QIDn-choice`` columns, ticked = 1).
    """
    qsf = Path(path).with_suffix(".qsf")
    if not qsf.is_file():
        return
    try:
        definition = json.loads(qsf.read_text(encoding="utf-8-sig"))
        elements = definition["SurveyElements"]
    except (OSError, ValueError, KeyError, TypeError):
        parsed.detected["qsf"] = f"{qsf.name} (unreadable, ignored)"
        return
    questions = {}
    for element in elements:
        if isinstance(element, dict) and element.get("Element") == "SQ":
            payload = element.get("Payload") or {}
            if isinstance(payload, dict) and "QuestionID" in payload:
                questions[payload["QuestionID"]] = payload
    parsed.detected["qsf"] = qsf.name
    name = (definition.get("SurveyEntry") or {}).get("SurveyName")
    parsed.file_label = name or None

    columns_of: dict[str, list[tuple[str, str | None]]] = {}
    for column, tag in import_ids.items():
        match = re.fullmatch(r"(QID\d+)(?:[-_](\w+))?", tag)
        if match and column in parsed.names:
            columns_of.setdefault(match.group(1), []).append((column, match.group(2)))

    for qid, payload in questions.items():
        columns = columns_of.get(qid, [])
        qtype, selector = payload.get("QuestionType"), payload.get("Selector")
        recodes = payload.get("RecodeValues") or {}
        if qtype == "MC" and selector in _MC_SINGLE:
            labels = _choice_labels(payload.get("Choices"), recodes)
            for column, part in columns:
                if part is None and labels:
                    parsed.value_labels[column] = labels
        elif qtype == "Matrix" and payload.get("SubSelector") == "SingleAnswer":
            labels = _choice_labels(payload.get("Answers"), recodes)
            for column, part in columns:
                if part is not None and part.isdigit() and labels:
                    parsed.value_labels[column] = labels
        elif qtype == "MC" and selector in _MC_MULTI:
            members = [column for column, part in columns if part is not None and part.isdigit()]
            if len(members) >= 2 and all(_values(parsed, m) <= {"1"} for m in members):
                set_name = payload.get("DataExportTag") or qid
                parsed.mr_sets[set_name] = {
                    "type": "dichotomy",
                    "label": _clean(html.unescape(re.sub(r"<[^>]+>", " ",
                                                         payload.get("QuestionText", "")))),
                    "variables": members,
                    "counted_value": 1,
                }
                choices = payload.get("Choices") or {}
                parsed.answer_columns[set_name] = [column for column, _ in columns]
                for column, part in columns:
                    if column in members:
                        parsed.dichotomies[column] = "1"
                        option = (choices.get(part) or {}).get("Display", part)
                        parsed.value_labels[column] = {0: "not selected",
                                                       1: _clean(html.unescape(str(option)))}


def _values(parsed: _Parsed, column: str) -> set[str]:
    """The distinct non-blank values of a column (a set that fits nothing when they are many)."""
    values = parsed.stats.distinct(parsed.raw(column))
    return {"\0many"} if values is None else values


def _choice_labels(choices, recodes) -> dict:
    if not isinstance(choices, dict):
        return {}
    labels = {}
    for key, choice in choices.items():
        display = choice.get("Display") if isinstance(choice, dict) else None
        if display is None:
            continue
        code = recodes.get(key, key) if isinstance(recodes, dict) else key
        labels[_as_code(code)] = _clean(html.unescape(re.sub(r"<[^>]+>", " ", str(display))))
    return labels


def _as_code(value):
    text = str(value).strip()
    if _NUMBER.match(text):
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


# ---- SurveyMonkey ---------------------------------------------------------------------------


def _surveymonkey(path, lines, source) -> _Parsed:
    _need_rows(path, lines, 2, "a SurveyMonkey export")
    head, sub = (list(row) for _, row in lines[:2])
    width = max(len(head), len(sub))
    head += [""] * (width - len(head))
    sub += [""] * (width - len(sub))
    stamps = {j: _SURVEYMONKEY_DATE_FORMATS for j, h in enumerate(head)
              if h.strip() in ("Start Date", "End Date")}
    data = source.stats(2, stamps)
    detected = {}
    shaped = any(c.strip() in _SURVEYMONKEY_SUBHEADERS for c in sub) or any(
        _is_continuation(h) and s.strip() for h, s in zip(head[1:], sub[1:]))
    if not shaped:
        raise InputFileError("is not a SurveyMonkey export: row 2 should be the sub-header "
                             "('Response', 'Open-Ended Response' or the options of a "
                             "check-all question)", file=path)

    if _is_index_column(head, sub, data):
        detected["dropped_index_column"] = (
            f"column 1 (header {head[0]!r}) numbered the rows 0..{data.n_rows}: a pandas index "
            "written by an earlier to_csv, not survey data")
        first = 1
    else:
        first = 0

    # Group every question header with the continuation columns that follow it.
    groups: list[list[int]] = []
    for i in range(first, width):
        if _is_continuation(head[i]) and groups and sub[i].strip():
            groups[-1].append(i)
        else:
            groups.append([i])

    labels = [""] * width
    dichotomies: dict[int, str] = {}
    sets: list[tuple[str, list[int], list[int]]] = []
    for group in groups:
        question = _clean(head[group[0]])
        answers = [_clean(sub[i]) for i in group]
        if len(group) == 1 and answers[0] in ("",) + _SURVEYMONKEY_SUBHEADERS:
            labels[group[0]] = question
            continue
        ticks = []
        for i, option in zip(group, answers):
            labels[i] = f"{question} [{option}]" if option else question
            values = data.distinct(i)
            if option and values and values <= {sub[i].strip()}:
                ticks.append(i)
        if len(ticks) >= 2:
            sets.append((question, ticks, group))
            for i in ticks:
                dichotomies[i] = sub[i].strip()

    columns = list(range(first, width))
    # numbered as in the export itself: a pandas index column in front is not counted
    positions = [i + 1 - first for i in columns]
    col_labels = [labels[i] for i in columns]
    names = _text_names(col_labels, positions)
    parsed = _Parsed(names, col_labels, data, 2, positions=positions, source=columns)
    parsed.raw_width = width
    parsed.detected.update(detected)
    parsed.detected["naming_rule"] = _NAMING_RULE
    name_of = dict(zip(columns, names))
    for i, option in dichotomies.items():
        parsed.dichotomies[name_of[i]] = option
        parsed.value_labels[name_of[i]] = {0: "not selected", 1: option}
    for question, ticks, group in sets:
        set_name = _set_name(question, name_of[ticks[0]], names)
        parsed.mr_sets[set_name] = {"type": "dichotomy", "label": question,
                                    "variables": [name_of[i] for i in ticks],
                                    "counted_value": 1}
        parsed.answer_columns[set_name] = [name_of[i] for i in group]
    for column in ("Start Date", "End Date"):
        if column in parsed.names:
            parsed.datetime_formats[column] = _SURVEYMONKEY_DATE_FORMATS
    return parsed


_NAMING_RULE = ("column name = header text (white space collapsed) when it is at most 64 "
                "characters, unique and without braces; otherwise qNNN, NNN = column number "
                "in the export")


def _set_name(question: str, first_member: str, names: list[str]) -> str:
    """A set is named after its question when that is short, else ``mr_<first column>``."""
    if question and len(question) <= _NAME_MAX and question not in names:
        return question
    return f"mr_{first_member}"


def _is_index_column(head, sub, data: _Stats) -> bool:
    """Column 1 numbers the rows 0, 1, 2, ... (or 1, 2, ...), the sub-header row included
    when it has a number there: a pandas index left by an earlier to_csv."""
    if not _is_continuation(head[0]) or not data.n_rows:
        return False
    first = data.first
    if not (first["digits"] and first["seq_ok"]):
        return False
    top = sub[0].strip()
    if top == "":
        return first["seq_start"] in (0, 1)
    return top.isdigit() and int(top) in (0, 1) and first["seq_start"] == int(top) + 1


def _check_width(path, parsed: _Parsed) -> None:
    width = getattr(parsed, "raw_width", len(parsed.names))
    over = parsed.stats.first_over(width)
    if over is not None:
        line, fields = over
        shown = len(parsed.names) + (fields - width)
        raise InputFileError(f"line {line} has {shown} fields but the header has "
                             f"{len(parsed.names)}: the export is damaged or has a different "
                             "layout", file=path)


# ---- LimeSurvey -----------------------------------------------------------------------------


def _limesurvey(path, lines, source) -> _Parsed:
    _need_rows(path, lines, 1, "a LimeSurvey export")
    head = lines[0][1]
    codes = sum(1 for k in _LIMESURVEY_KEYS[1] if k in head[:10]) >= 3
    headings = sum(1 for k in _LIMESURVEY_KEYS[0] if k in head[:10]) >= 3
    if not (codes or headings):
        raise InputFileError("is not a LimeSurvey export: expected the fields Response ID, "
                             "Date submitted, Last page, Start language (or id, submitdate, "
                             "lastpage, startlanguage) among the first columns", file=path)
    labels = [_clean(html.unescape(c)) for c in head]
    positions = list(range(1, len(head) + 1))
    if codes:
        names = _dedupe([c.strip() for c in head])
        _note_renamed(path, head, names)
        rule = "LimeSurvey question codes kept as column names"
    else:
        names = _text_names(labels, positions)
        names = _dedupe([_LIMESURVEY_FIELDS.get(label, name)
                         for label, name in zip(labels, names)])
        rule = ("LimeSurvey fixed fields get LimeSurvey's codes (Response ID -> id, ...); "
                + _NAMING_RULE)
    parsed = _Parsed(names, labels, source.stats(1), 1, positions=positions)
    parsed.raw_width = len(head)
    parsed.detected["naming_rule"] = rule
    parsed.detected["header_style"] = "codes" if codes else "question text"
    _limesurvey_sets(parsed)
    return parsed


def _limesurvey_sets(parsed: _Parsed) -> None:
    """Consecutive ``question [option]`` columns holding only 0/1 form a dichotomy set."""
    runs: list[tuple[str, list[int]]] = []
    for i, label in enumerate(parsed.labels):
        match = re.fullmatch(r"(.*\S)\s*\[([^\[\]]+)\]", label)
        if not match:
            runs.append(("", []))
            continue
        stem = match.group(1)
        if runs and runs[-1][0] == stem:
            runs[-1][1].append(i)
        else:
            runs.append((stem, [i]))
    for stem, members in runs:
        binary = []
        for i in members:
            values = parsed.stats.distinct(parsed.source[i])
            if values and values <= {"0", "1"}:
                binary.append(i)
        if len(binary) >= 2:
            name = _set_name(stem, parsed.names[binary[0]], parsed.names)
            parsed.mr_sets[name] = {"type": "dichotomy", "label": stem,
                                    "variables": [parsed.names[i] for i in binary],
                                    "counted_value": 1}


# ---- Google Forms ---------------------------------------------------------------------------


def _google_forms(path, lines, source) -> _Parsed:
    _need_rows(path, lines, 1, "a Google Forms export")
    head = lines[0][1]
    data = source.stats(1)
    stamps = data.first["stamps"]
    if not head or head[0].strip() not in _GOOGLE_TIMESTAMP_HEADERS or not stamps.all_match:
        bad = stamps.bad
        raise InputFileError(
            "is not a Google Forms export: expected a first column 'Timestamp' holding values "
            "like 9/30/2019 10:14:02" + (f", found {bad!r}" if bad else ""), file=path)
    labels = [_clean(c) for c in head]
    positions = list(range(1, len(head) + 1))
    names = _text_names(labels, positions)
    parsed = _Parsed(names, labels, data, 1, positions=positions)
    parsed.raw_width = len(head)
    parsed.detected["naming_rule"] = _NAMING_RULE
    fmt, why = _timestamp_format(stamps)
    if not (stamps.day_first and stamps.month_first):   # mixed orders parse as neither
        parsed.datetime_formats[names[0]] = (fmt,)
    parsed.detected["timestamp_order"] = why
    return parsed


def _timestamp_format(stamps: _StampStats) -> tuple[str, str]:
    """Explicit strptime format of D/M/Y or M/D/Y timestamps, and the evidence for the order."""
    sep = stamps.first.group(2) if stamps.first else "/"
    seconds = ":%S" if stamps.first and stamps.first.group(7) else ""
    day_first, month_first = stamps.day_first, stamps.month_first
    if day_first and month_first:
        order, why = "%m/%d", f"mixed: {day_first!r} is day-first, {month_first!r} month-first"
    elif day_first:
        order, why = "%d/%m", f"day-first: {day_first!r} has a first field above 12"
    elif month_first:
        order, why = "%m/%d", f"month-first: {month_first!r} has a second field above 12"
    elif sep == "-":
        order, why = "%d/%m", "day-first assumed (dash-separated, no field above 12)"
    else:
        order, why = "%m/%d", "month-first assumed (Google's US default; no field above 12)"
    return order.replace("/", sep) + f"{sep}%Y %H:%M{seconds}", why


# --------------------------------------------------------------------------------------------
# building the frame


def _plan(parsed: _Parsed, detected: dict) -> dict:
    """How each column is converted, decided from the whole column (the first pass):
    ``("datetime", fmt)``, ``("int",)``, ``("float",)``, ``("text",)``, ``("empty",)`` or
    ``("tick", text)`` for a member of a check-all set."""
    plan, datetime_formats = {}, {}
    for name, j in zip(parsed.names, parsed.source):
        if name in parsed.dichotomies:
            plan[name] = ("tick", parsed.dichotomies[name])
            continue
        column = parsed.stats.column(j)
        formats = parsed.datetime_formats.get(name) or ()
        chosen = None
        for fmt in formats:
            if column.filled and column.checks.get(fmt, True):
                chosen = fmt
                break
        if chosen is not None:
            plan[name] = ("datetime", chosen)
            datetime_formats[name] = chosen
        elif column.filled and column.numeric:
            whole = column.blank == 0 and column.integral and column.max_abs < 2 ** 53
            plan[name] = ("int",) if whole else ("float",)
        elif column.filled and any(column.iso.values()):
            fmt = next(f for f, ok in column.iso.items() if ok)
            plan[name] = ("datetime", fmt)
            datetime_formats[name] = fmt
        elif not column.filled:
            plan[name] = ("empty",)
        else:
            plan[name] = ("text",)
    if datetime_formats:
        detected["datetime_formats"] = datetime_formats
    return plan


_TEXT_DTYPE = pd.Series(["x"]).dtype       # str on pandas 3, object before


def _frames(path, source: _Source, parsed: _Parsed, plan: dict, attrs: dict, chunksize,
            row_offset: int, row_limit: int | None):
    """The frames, ``chunksize`` rows each (all rows in one when None), converted
    ``_BATCH`` rows at a time so that the cells of only a few thousand rows are ever held as
    Python strings."""
    sets = [(info["variables"], parsed.answer_columns.get(name, info["variables"]))
            for name, info in parsed.mr_sets.items()
            if all(m in parsed.dichotomies for m in info["variables"])]
    index_of = dict(zip(parsed.names, parsed.source))
    end = None if row_limit is None else row_offset + row_limit
    parts: dict = {name: [] for name in parsed.names}
    batch: list[list[str]] = []
    in_chunk, start_line, made = 0, None, 0

    def convert(rows, first_line):
        width = max((len(r) for r in rows), default=0)
        cells = list(zip(*[r + [""] * (width - len(r)) for r in rows])) if rows else []
        n = len(rows)

        def raw(j):
            return cells[j] if j < len(cells) else ("",) * n
        for name in parsed.names:
            how = plan[name]
            if how[0] == "tick":
                continue
            parts[name].append(_convert_cells(raw(index_of[name]), how, path, name,
                                              first_line))
        for members, question in sets:
            ticked = np.array([[v.strip() == parsed.dichotomies[m] for v in raw(index_of[m])]
                               for m in members], dtype=bool).reshape(len(members), n)
            answered = ticked.any(axis=0)
            for other in question:
                if other not in members:
                    answered |= np.array([bool(v.strip()) for v in raw(index_of[other])],
                                         dtype=bool)
            for k, member in enumerate(members):
                parts[member].append(np.where(answered, ticked[k].astype(float), np.nan))

    def frame(n_rows):
        data = {}
        for name in parsed.names:
            pieces = parts[name]
            how = plan[name]
            if not pieces:
                values = np.array([], dtype=_empty_dtype(how))
            elif len(pieces) == 1:
                values = pieces[0]
            else:
                values = np.concatenate(pieces)
            parts[name] = []
            if how[0] == "text":
                values = pd.array(values, dtype=_TEXT_DTYPE) if len(values) else \
                    pd.array([], dtype=_TEXT_DTYPE)
            data[name] = values
        # copy=False: the column arrays become the frame's blocks as they are, instead of
        # being copied into one 2-D block per dtype (which would double the peak memory)
        df = pd.DataFrame(data, index=pd.RangeIndex(row_offset + made,
                                                      row_offset + made + n_rows), copy=False)
        del data
        df.attrs = copy.deepcopy(attrs)
        return df

    position = 0
    for line, row in source.rows(parsed.header_rows):
        if position < row_offset:
            position += 1
            continue
        if end is not None and position >= end:
            break
        position += 1
        if start_line is None:
            start_line = line
        batch.append(row)
        in_chunk += 1
        if len(batch) == _BATCH or (chunksize is not None and in_chunk == chunksize):
            convert(batch, start_line)
            batch, start_line = [], None
        if chunksize is not None and in_chunk == chunksize:
            yield frame(in_chunk)
            made += in_chunk
            in_chunk = 0
    if batch:
        convert(batch, start_line)
    if chunksize is None or in_chunk:
        yield frame(in_chunk)


def _empty_dtype(how) -> str:
    return {"int": "int64", "datetime": "datetime64[ns]"}.get(how[0], "float64") \
        if how[0] != "text" else object


def _convert_cells(values, how, path, name, first_line) -> np.ndarray:
    """One batch of a column's cells, converted as planned (blank cells are missing)."""
    kind = how[0]
    if kind == "empty":
        return np.full(len(values), np.nan)
    if kind in ("int", "float"):
        numbers = np.array([float(v) if v.strip() else np.nan for v in values],
                           dtype="float64")
        return numbers.astype("int64") if kind == "int" else numbers
    cleaned = [v if v.strip() else None for v in values]
    if kind == "text":
        return np.array(cleaned, dtype=object)
    converted = pd.to_datetime(pd.Series(cleaned, dtype="object"), format=how[1],
                               errors="coerce")
    failed = converted.isna().to_numpy() & np.array([c is not None for c in cleaned])
    if failed.any():
        bad = int(np.flatnonzero(failed)[0])
        raise InputFileError(f"a value in the rows from line {first_line} on, "
                             f"{cleaned[bad]!r}, is not a date and time like the rest of the "
                             f"column ({how[1]})", file=path, column=name)
    return converted.to_numpy()
