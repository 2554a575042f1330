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

from ..errors import InputFileError, ParameterError
from .meta import FileMeta, warn
from .text import detect_encoding, sniff_separator

__all__ = ["PLATFORMS", "detect", "read"]

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
    kind, _ = _detect_rows(_head_rows(text))
    return kind


def _head_rows(text: str, limit: int = 12) -> list[list[str]]:
    """The first non-blank CSV rows of ``text``."""
    text = text.lstrip("\ufeff")
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
    if kind not in PLATFORMS:
        raise ParameterError(f"unknown survey platform {kind!r}; expected one of "
                             + ", ".join(PLATFORMS), file=path)
    raw = _read_bytes(path)
    encoding = encoding or _detect_encoding(raw)
    try:
        full = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputFileError(f"cannot be decoded as {encoding}: {exc}", file=path) from exc
    bom = raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    full = full.lstrip("\ufeff")
    sep = _guess_sep(text if text is not None else full[:65536])
    lines = _parse_rows(path, full, sep)

    found, evidence = _detect_rows([row for _, row in lines[:12]])
    if kind == "qualtrics" and found == "qualtrics-legacy":
        kind = "qualtrics-legacy"
    if found != kind:
        evidence = (f"requested as {kind}" + (f" (the file looks like {found})" if found else
                                              " (no platform evidence found)"))
    reader = {"qualtrics": _qualtrics, "qualtrics-legacy": _qualtrics_legacy,
              "surveymonkey": _surveymonkey, "limesurvey": _limesurvey,
              "google-forms": _google_forms}[kind]
    parsed = reader(path, lines)

    detected = {
        "encoding": encoding,
        "sep": sep,
        "decimal": ".",
        "header_rows": parsed.header_rows,
        "header_row": 0,
        "platform": kind,
        "evidence": evidence,
        "bom": bom,
        "line_terminator": "CRLF" if "\r\n" in full[:65536] else "LF",
    }
    detected.update(parsed.detected)
    return _build_frame(path, kind, parsed, detected)


class _Parsed:
    """What a platform reader found: columns, labels, data rows and extra metadata."""

    def __init__(self, names, labels, rows, header_rows, *, positions=None):
        self.names: list[str] = names
        self.labels: list[str] = labels
        self.rows: list[tuple[int, list[str]]] = rows  # (line number, cells)
        self.header_rows: int = header_rows
        self.positions: list[int] = positions or list(range(1, len(names) + 1))
        self.detected: dict = {}
        self.value_labels: dict = {}
        self.mr_sets: dict = {}
        self.dichotomies: dict = {}  # column -> text that marks a tick
        self.answer_columns: dict = {}  # set name -> every column of its question
        self.datetime_formats: dict = {}  # column -> explicit format
        self.file_label: str | None = None


def _read_bytes(path) -> bytes:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError("does not exist", file=path) from exc
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or exc}", file=path) from exc
    if not raw.strip():
        raise InputFileError("is empty", file=path)
    return raw


def _detect_encoding(raw: bytes) -> str:
    return detect_encoding(raw)


def _parse_rows(path, text: str, sep: str) -> list[tuple[int, list[str]]]:
    """All non-blank rows with the line number each starts on."""
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    line = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputFileError(f"is not valid CSV near line {reader.line_num}: {exc}",
                             file=path) from exc
    if not rows:
        raise InputFileError("holds no rows", file=path)
    return rows


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
    tagged = sum(1 for c in filled if _parse_import_id(c)[0] is not None)
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


def _qualtrics(path, lines) -> _Parsed:
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
    labels = [_clean(questions[i]) if i < len(questions) else "" for i in range(width)]
    parsed = _Parsed(names, labels, lines[header_rows:], header_rows)
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


def _qualtrics_legacy(path, lines) -> _Parsed:
    _need_rows(path, lines, 2, "a legacy Qualtrics export")
    ids, questions = (row for _, row in lines[:2])
    if [c.strip() for c in ids[:3]] != ["V1", "V2", "V3"] or "ResponseID" not in questions:
        raise InputFileError("is not a legacy Qualtrics export: expected V1, V2, V3, ... in row "
                             "1 and ResponseID in row 2", file=path)
    names = _id_names(ids)
    labels = [_clean(questions[i]) if i < len(questions) else "" for i in range(len(ids))]
    parsed = _Parsed(names, labels, lines[2:], 2)
    _drop_empty_columns(parsed)
    return parsed


def _id_names(ids: list[str]) -> list[str]:
    """Qualtrics ids as column names; a blank id (a trailing comma) stays blank until dropped,
    a repeated id gets ``_2``, ``_3``."""
    names = [c.strip() for c in ids]
    blanks = [i for i, name in enumerate(names) if not name]
    unique = _dedupe([name or f"\0{i}" for i, name in enumerate(names)])
    return ["" if i in blanks else name for i, name in enumerate(unique)]


def _drop_empty_columns(parsed: _Parsed) -> None:
    """Drop columns without a name, a label or any value (a trailing comma on every line)."""
    keep = []
    for i, name in enumerate(parsed.names):
        has_data = any(i < len(row) and row[i].strip() for _, row in parsed.rows)
        keep.append(bool(name or parsed.labels[i] or has_data))
    dropped = keep.count(False)
    if dropped:
        parsed.detected["dropped_empty_columns"] = dropped
        _select(parsed, keep)
    # a blank id above a labelled or filled column: name it by its position
    parsed.names = _dedupe([name or f"q{pos:03d}"
                            for name, pos in zip(parsed.names, parsed.positions)])


def _select(parsed: _Parsed, keep: list[bool]) -> None:
    width = len(parsed.names)
    pick = [i for i, k in enumerate(keep) if k]
    parsed.names = [parsed.names[i] for i in pick]
    parsed.labels = [parsed.labels[i] for i in pick]
    parsed.positions = [parsed.positions[i] for i in pick]
    rows = []
    for line, row in parsed.rows:
        row = row + [""] * (width - len(row))
        extra = row[width:]
        rows.append((line, [row[i] for i in pick] + extra))
    parsed.rows = rows


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
    j = parsed.names.index(column)
    return {row[j].strip() for _, row in parsed.rows if j < len(row) and row[j].strip()}


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


def _surveymonkey(path, lines) -> _Parsed:
    _need_rows(path, lines, 2, "a SurveyMonkey export")
    head, sub = (list(row) for _, row in lines[:2])
    width = max(len(head), len(sub))
    head += [""] * (width - len(head))
    sub += [""] * (width - len(sub))
    data = lines[2:]
    detected = {}
    shaped = any(c.strip() in _SURVEYMONKEY_SUBHEADERS for c in sub) or any(
        _is_continuation(h) and s.strip() for h, s in zip(head[1:], sub[1:]))
    if not shaped:
        raise InputFileError("is not a SurveyMonkey export: row 2 should be the sub-header "
                             "('Response', 'Open-Ended Response' or the options of a "
                             "check-all question)", file=path)

    if _is_index_column(head, sub, data):
        detected["dropped_index_column"] = (
            f"column 1 (header {head[0]!r}) numbered the rows 0..{len(data)}: a pandas index "
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
            values = {row[i].strip() for _, row in data if i < len(row) and row[i].strip()}
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
    parsed = _Parsed(names, col_labels, [(line, row[first:]) for line, row in data], 2,
                     positions=positions)
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


def _is_index_column(head, sub, data) -> bool:
    if not _is_continuation(head[0]) or not data:
        return False
    values = [sub[0].strip()] + [row[0].strip() if row else "" for _, row in data]
    if values[0] == "":
        values = values[1:]
    if not all(v.isdigit() for v in values):
        return False
    start = int(values[0])
    return start in (0, 1) and [int(v) for v in values] == list(range(start, start + len(values)))


def _check_width(path, parsed: _Parsed) -> None:
    width = len(parsed.names)
    for line, row in parsed.rows:
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise InputFileError(f"line {line} has {len(row)} fields but the header has "
                                 f"{width}: the export is damaged or has a different layout",
                                 file=path)


# ---- LimeSurvey -----------------------------------------------------------------------------


def _limesurvey(path, lines) -> _Parsed:
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
        rule = "LimeSurvey question codes kept as column names"
    else:
        names = _text_names(labels, positions)
        names = _dedupe([_LIMESURVEY_FIELDS.get(label, name)
                         for label, name in zip(labels, names)])
        rule = ("LimeSurvey fixed fields get LimeSurvey's codes (Response ID -> id, ...); "
                + _NAMING_RULE)
    parsed = _Parsed(names, labels, lines[1:], 1, positions=positions)
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
            values = {row[i].strip() for _, row in parsed.rows if i < len(row) and row[i].strip()}
            if values and values <= {"0", "1"}:
                binary.append(i)
        if len(binary) >= 2:
            name = _set_name(stem, parsed.names[binary[0]], parsed.names)
            parsed.mr_sets[name] = {"type": "dichotomy", "label": stem,
                                    "variables": [parsed.names[i] for i in binary],
                                    "counted_value": 1}


# ---- Google Forms ---------------------------------------------------------------------------


def _google_forms(path, lines) -> _Parsed:
    _need_rows(path, lines, 1, "a Google Forms export")
    head = lines[0][1]
    stamps = [row[0].strip() for _, row in lines[1:] if row and row[0].strip()]
    matches = [_SLASH_TIMESTAMP.match(v) for v in stamps]
    if not head or head[0].strip() not in _GOOGLE_TIMESTAMP_HEADERS or not all(matches):
        bad = next((v for v, m in zip(stamps, matches) if not m), None)
        raise InputFileError(
            "is not a Google Forms export: expected a first column 'Timestamp' holding values "
            "like 9/30/2019 10:14:02" + (f", found {bad!r}" if bad else ""), file=path)
    labels = [_clean(c) for c in head]
    positions = list(range(1, len(head) + 1))
    names = _text_names(labels, positions)
    parsed = _Parsed(names, labels, lines[1:], 1, positions=positions)
    parsed.detected["naming_rule"] = _NAMING_RULE
    fmt, why = _timestamp_format(matches)
    parsed.datetime_formats[names[0]] = (fmt,)
    parsed.detected["timestamp_order"] = why
    return parsed


def _timestamp_format(matches) -> tuple[str, str]:
    """Explicit strptime format of D/M/Y or M/D/Y timestamps, and the evidence for the order."""
    sep = matches[0].group(2) if matches else "/"
    seconds = ":%S" if matches and matches[0].group(7) else ""
    day_first = next((m.group(0) for m in matches if int(m.group(1)) > 12), None)
    month_first = next((m.group(0) for m in matches if int(m.group(3)) > 12), None)
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


def _build_frame(path, kind: str, parsed: _Parsed, detected: dict) -> pd.DataFrame:
    _check_width(path, parsed)
    width = len(parsed.names)
    cells = [row + [""] * (width - len(row)) for _, row in parsed.rows]
    columns = {}
    datetime_formats = {}
    for j, name in enumerate(parsed.names):
        values = [row[j] for row in cells]
        if name in parsed.dichotomies:
            continue
        series, fmt = _convert(values, parsed.datetime_formats.get(name))
        if fmt:
            datetime_formats[name] = fmt
        columns[name] = series
    for set_name, set_info in parsed.mr_sets.items():
        members = set_info["variables"]
        if not all(m in parsed.dichotomies for m in members):
            continue
        _dichotomise(columns, cells, parsed, members,
                     parsed.answer_columns.get(set_name, members))
    df = pd.DataFrame({name: columns[name] for name in parsed.names},
                      index=pd.RangeIndex(len(cells)))
    if datetime_formats:
        detected["datetime_formats"] = datetime_formats
    df.attrs = FileMeta(
        source=str(path), format=kind, file_label=parsed.file_label,
        variable_labels={n: lab for n, lab in zip(parsed.names, parsed.labels) if lab},
        value_labels=parsed.value_labels,
        measure_levels={n: "unknown" for n in parsed.names},
        mr_sets=parsed.mr_sets, detected=detected).to_attrs()
    return df


def _dichotomise(columns: dict, cells, parsed: _Parsed, members: list[str],
                 question_columns: list[str]) -> None:
    """1 = ticked, 0 = not ticked, NaN = the question was not answered at all.

    A respondent answered when any column of the question holds something: a tick, or the
    text of an "Other (please specify)" box.
    """
    index = [parsed.names.index(m) for m in members]
    ticked = np.array([[row[j].strip() == parsed.dichotomies[m] for j, m in zip(index, members)]
                       for row in cells], dtype=bool).reshape(len(cells), len(members))
    others = [parsed.names.index(c) for c in question_columns if c not in members]
    answered = ticked.any(axis=1) | np.array(
        [any(row[j].strip() for j in others) for row in cells], dtype=bool)
    for k, member in enumerate(members):
        values = np.where(answered, ticked[:, k].astype(float), np.nan)
        columns[member] = pd.Series(values, dtype="float64")


def _convert(values: list[str], formats=None) -> tuple[pd.Series, str | None]:
    """Text cells -> numbers, datetimes or text (empty cells missing)."""
    present = [v.strip() for v in values if v.strip()]
    cleaned = [v if v.strip() else None for v in values]
    if formats:
        for fmt in formats:
            converted = _try_datetime(cleaned, fmt)
            if converted is not None:
                return converted, fmt
    if present and all(_NUMBER.match(v) for v in present) \
            and not any(_LEADING_ZERO.match(v) for v in present):
        numbers = pd.Series([float(v) if v is not None else np.nan for v in cleaned],
                            dtype="float64")
        if len(present) == len(values) and all(float(v).is_integer() for v in present) \
                and numbers.abs().max() < 2 ** 53:
            return numbers.astype("int64"), None
        return numbers, None
    if present:
        for fmt, pattern in _ISO_FORMATS.items():
            if all(pattern.match(v) for v in present):
                converted = _try_datetime(cleaned, fmt)
                if converted is not None:
                    return converted, fmt
    if not present:  # an empty column reads as float NaN, as pandas.read_csv does
        return pd.Series(np.nan, index=range(len(values)), dtype="float64"), None
    return pd.Series(cleaned), None  # str dtype on pandas 3, object on pandas 2


def _try_datetime(cleaned: list[str | None], fmt: str) -> pd.Series | None:
    series = pd.Series(cleaned, dtype="object")
    try:
        converted = pd.to_datetime(series, format=fmt, errors="coerce")
    except (ValueError, TypeError):
        return None
    if converted.notna().sum() != series.notna().sum():
        return None
    return converted
