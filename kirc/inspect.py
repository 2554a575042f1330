"""``kirc inspect``: what kirc reads in a survey file, as a plain-text summary.

:func:`describe` reads a file exactly as the rest of kirc does (:func:`kirc.io.read_survey`)
and reports what was found and detected: the format and platform (with the evidence), the
encoding, separator and header rows of a CSV, the row and column counts, the weight variable
and file label, one line per column and the multiple-response sets. It is the first thing to
run on a new export, before writing a survey definition for it.
"""

from __future__ import annotations

import warnings
from os import PathLike

import pandas as pd

__all__ = ["describe", "format_summary"]

_LABEL_WIDTH = 60
_NAME_WIDTH = 32
_SHOWN_DETECTED = {"encoding", "sep", "decimal", "header_rows", "header_row", "platform",
                   "evidence", "bom", "import_ids", "decisions", "thousands", "rows_sampled"}

# Words (whole tokens of a column name, or two or three joined) that name a weight or a
# respondent id in Dutch and English exports.
WEIGHT_WORDS = {"weight", "weights", "gewicht", "gewichten", "weegfactor", "weegfactoren",
                "weging", "wgt", "wt", "pweight", "weightfactor", "factor"}
ID_WORDS = {"id", "respnr", "respondentnr", "respondentnummer", "respondentid", "respid",
            "responseid", "caseid", "volgnummer", "recordid", "interviewnr", "interviewid",
            "uuid", "resp"}


def describe(path: str | PathLike, source: str = "auto") -> str:
    """Read a survey file and summarise what kirc found in it.

    Parameters
    ----------
    path : str or path-like
        An SPSS, Stata, CSV, Excel or survey-platform export.
    source : str, default "auto"
        Passed to :func:`kirc.io.read_survey`: ``"auto"`` detects the format and platform,
        a platform name (``"qualtrics"``, ``"surveymonkey"``, ...) forces it.

    Returns
    -------
    str
        A multi-line summary: file, format, detection details, row and column counts, weight,
        file label, a fixed-width table with one line per column, the multiple-response sets
        and any warning raised while reading.

    Raises
    ------
    KircError
        Whatever :func:`kirc.io.read_survey` raises for a file it refuses (missing, empty,
        encrypted, corrupt, unknown format); ``kirc inspect`` prints it as one line and exits 2.

    See Also
    --------
    format_summary : the same summary for a DataFrame that is already read.
    """
    from .io import read_survey

    # Warnings while reading (dates out of range, ...) belong in the summary, not lost on stderr.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_survey(path, source=source)
    summary = format_summary(df, path)
    developer = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
    for w in caught:
        if issubclass(w.category, developer):  # about library versions, not about the file
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes = list(dict.fromkeys(_single_line(str(w.message)) for w in caught
                               if not issubclass(w.category, developer)))
    if notes:
        summary += "\n\nwarnings while reading:\n" + "\n".join(f"  {n}" for n in notes)
    return summary


def format_summary(df: pd.DataFrame, path: str | PathLike | None = None) -> str:
    """Summarise a DataFrame read by kirc, from its data and its ``attrs`` metadata.

    Parameters
    ----------
    df : pandas.DataFrame
        As returned by :func:`kirc.io.read_survey` (metadata in ``df.attrs``; absent keys are
        shown as unknown).
    path : str or path-like, optional
        Shown as the file; defaults to ``df.attrs["source"]``.

    Returns
    -------
    str
        The summary described in :func:`describe`.

    Examples
    --------
    >>> df = pd.DataFrame({"nps": [9.0, 6.0, None], "sector": ["bank", "zorg", "bank"]})
    >>> df.attrs = {"format": "csv", "variable_labels": {"nps": "Recommend (0-10)"},
    ...             "detected": {"encoding": "utf-8", "sep": ",", "decimal": ".",
    ...                          "header_rows": 1}}
    >>> print(format_summary(df, "klant.csv"))  # doctest: +NORMALIZE_WHITESPACE
    file          klant.csv
    format        csv
    encoding      utf-8
    separator     ','   decimal '.'
    header rows   1
    rows          3
    columns       2
    weight        none declared
    file label    none
    <BLANKLINE>
      #  column  type    valid  missing  label             value labels  missing codes
      1  nps     number      2        1  Recommend (0-10)             0
      2  sector  text        3        0                               0
    <BLANKLINE>
    multiple-response sets: none
    <BLANKLINE>
    weight candidates: none
    id candidates: none
    <BLANKLINE>
    personal data: not checked
    """
    attrs = df.attrs or {}
    detected = attrs.get("detected") or {}
    fmt = attrs.get("format") or "unknown"
    lines = [("file", str(path if path is not None else attrs.get("source", "?")))]

    platform = detected.get("platform")
    if platform and platform != fmt:
        lines.append(("format", f"{fmt} (platform {platform})"))
    else:
        lines.append(("format", _platform_title(fmt)))
    if detected.get("evidence"):
        lines.append(("evidence", str(detected["evidence"])))
    if detected.get("encoding"):
        bom = " with byte-order mark" if detected.get("bom") else ""
        lines.append(("encoding", f"{detected['encoding']}{bom}"))
    if detected.get("sep") is not None or detected.get("decimal"):
        decimal = detected.get("decimal")
        sep = detected.get("sep")
        text = (repr(sep) if sep is not None else "none (one column)") + (
            f"   decimal {decimal!r}" if decimal else "")
        if detected.get("thousands"):
            text += f"   thousands {detected['thousands']!r}"
        lines.append(("separator", text))
    if detected.get("header_rows") is not None:
        lines.append(("header rows", str(detected["header_rows"])))
    lines.append(("rows", str(len(df))))
    lines.append(("columns", str(df.shape[1])))
    weights = weight_candidates(df, attrs)
    declared = attrs.get("weight")
    others = [name for name, _ in weights if name != declared]
    if declared:
        lines.append(("weight", str(declared) + (
            f" (other candidates: {', '.join(map(str, others))})" if others else "")))
    else:
        lines.append(("weight", "none declared" + (
            f"; candidates: {', '.join(map(str, others))}" if others else "")))
    lines.append(("file label", attrs.get("file_label") or "none"))
    for key, value in detected.items():
        if key not in _SHOWN_DETECTED and value not in (None, "", {}, []):
            lines.append((key.replace("_", " "), _shorten(_plain(value), 160)))

    width = max(len(key) for key, _ in lines) + 2
    out = [f"{key:<{width}}{value}" for key, value in lines]
    out.append("")
    out.extend(_column_table(df, attrs))
    out.append("")
    out.extend(_mr_sets(attrs.get("mr_sets") or {}))
    out.append("")
    out.extend(_candidates(weights, id_candidates(df)))
    decisions = detected.get("decisions") or []
    if decisions:
        out.append("")
        out.append("decided while reading:")
        width = max(len(str(d.get("what", ""))) for d in decisions) + 2
        for d in decisions:
            out.append(f"  {str(d.get('what', '')):<{width}}{d.get('decided', '')}: "
                       f"{_single_line(str(d.get('why', '')))}")
    out.append("")
    out.extend(_personal_data(attrs.get("personal_data")))
    return "\n".join(out)


def _tokens(name) -> set[str]:
    from .privacy import _name_grams

    return _name_grams(name)


def weight_candidates(df: pd.DataFrame, attrs: dict | None = None) -> list[tuple[str, str]]:
    """Columns that may be the survey weight, with the reason: the weight the file declares
    (SPSS ``WEIGHT BY``), then positive numeric columns named like one (gewicht,
    weegfactor, weight, wgt, ...).

    Examples
    --------
    >>> df = pd.DataFrame({"respnr": [1, 2, 3], "Weegfactor": [0.8, 1.1, 1.1]})
    >>> weight_candidates(df)
    [('Weegfactor', 'named like a weight; positive, 0.8 to 1.1, mean 1')]
    """
    attrs = attrs if attrs is not None else (df.attrs or {})
    found = []
    declared = attrs.get("weight")
    if declared:
        found.append((declared, "declared by the file (WEIGHT BY)"))
    for column in df.columns:
        if column == declared or not _tokens(column) & WEIGHT_WORDS:
            continue
        values = df[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        present = values.dropna()
        if present.empty or (present <= 0).any():
            continue
        found.append((column, f"named like a weight; positive, {_number(present.min())} to "
                              f"{_number(present.max())}, mean {_number(present.mean())}"))
    return found


def id_candidates(df: pd.DataFrame) -> list[tuple[str, str]]:
    """Columns that may identify respondents: named like an id (respnr, respondent_id, id,
    ResponseId, ...) or holding unique whole numbers in every row.

    Examples
    --------
    >>> df = pd.DataFrame({"nr": [3, 1, 2], "nps": [9, 9, 7], "respnr": [1, 1, 2]})
    >>> id_candidates(df)
    [('nr', 'unique whole numbers in every row'), ('respnr', 'named like an id; 1 repeated value(s)')]
    """
    found = []
    for column in df.columns:
        values = df[column]
        named = bool(_tokens(column) & ID_WORDS)
        complete = len(values) > 0 and not values.isna().any()
        unique = complete and values.is_unique
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        whole = numeric and complete and bool((values == values.round()).all())
        if named:
            repeated = int(values.dropna().duplicated().sum())
            found.append((column, "named like an id" + (
                "; unique in every row" if unique else
                f"; {repeated} repeated value(s)" if repeated else "; some rows empty")))
        elif unique and whole and len(values) >= 3:
            found.append((column, "unique whole numbers in every row"))
    return found


def _candidates(weights, ids) -> list[str]:
    out = ["weight candidates: " + ("none" if not weights else str(len(weights)))]
    out += [f"  {name}: {why}" for name, why in weights]
    out.append("id candidates: " + ("none" if not ids else str(len(ids))))
    out += [f"  {name}: {why}" for name, why in ids]
    return out


def _personal_data(records) -> list[str]:
    if records is None:
        return ["personal data: not checked"]
    records = [r for r in records if isinstance(r, dict)]
    if not records:
        return ["personal data: none found"]
    out = [f"personal data: {len(records)} column(s)"]
    for r in records:
        what = f"{r.get('kind')}, {r.get('matches')} matching cell(s)"
        if r.get("action") in ("scrubbed", "pseudonymised"):
            what += f", {r.get('n_replaced')} cell(s) replaced"
        out.append(f"  {str(r.get('action')):<13} {r.get('column')}: {what}")
    return out


def _number(value) -> str:
    return f"{float(value):.4g}"


def _platform_title(fmt: str) -> str:
    from .io.platforms import PLATFORM_NAMES

    return f"{fmt} - {PLATFORM_NAMES[fmt]}" if fmt in PLATFORM_NAMES else fmt


def _column_table(df: pd.DataFrame, attrs: dict) -> list[str]:
    labels = attrs.get("variable_labels") or {}
    value_labels = attrs.get("value_labels") or {}
    missing_values = attrs.get("missing_values") or {}
    missing_counts = attrs.get("missing_counts") or {}
    header = ("#", "column", "type", "valid", "missing", "label", "value labels",
              "missing codes")
    rows = []
    for number, column in enumerate(df.columns, start=1):
        series = df[column]
        valid = int(series.notna().sum())
        rows.append((str(number), _shorten(str(column), _NAME_WIDTH), _kind(series), str(valid),
                     str(len(series) - valid),
                     _shorten(_single_line(labels.get(column) or ""), _LABEL_WIDTH),
                     str(len(value_labels.get(column) or {})),
                     _missing_codes(missing_values.get(column), value_labels.get(column) or {},
                                    missing_counts.get(column) or {})))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    right = {0, 3, 4, 6}  # counts line up on the right

    def line(cells):
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        return "  " + "  ".join(parts).rstrip()

    return [line(header)] + [line(r) for r in rows]


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if len(series) and series.isna().all():
        return "empty"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    return "text"


def _missing_codes(declared, value_labels: dict, counts: dict) -> str:
    """``-2=Don't know (12), -1=Refused (3); range 99..inf`` from a missing_values entry.

    The number of cells that held each code (``attrs["missing_counts"]``, keyed by the code's
    label, or the code as text) follows in brackets when it is known.

    >>> _missing_codes({"values": [8.0, 9.0], "ranges": []}, {8.0: "Don't know"},
    ...                {"Don't know": 12})
    "8=Don't know (12), 9"
    """
    if not declared:
        return ""
    parts = []
    for code in declared.get("values") or []:
        label = value_labels.get(code)
        text = f"{_code(code)}={label}" if label is not None else _code(code)
        count = counts.get(label if label is not None else _code(code))
        if count is None:
            count = counts.get(str(code))
        parts.append(text + (f" ({count})" if count is not None else ""))
    text = ", ".join(parts)
    ranges = [f"{_code(lo)}..{_code(hi)}" for lo, hi in declared.get("ranges") or []]
    if ranges:
        text += ("; " if text else "") + "range " + ", ".join(ranges)
    return text


def _code(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _mr_sets(sets: dict) -> list[str]:
    if not sets:
        return ["multiple-response sets: none"]
    out = [f"multiple-response sets: {len(sets)}"]
    for name, info in sets.items():
        variables = list(info.get("variables") or [])
        kind = info.get("type", "?")
        counted = info.get("counted_value")
        counted_text = f", counted value {_code(counted)}" if counted is not None else ""
        label = _single_line(info.get("label") or "")
        out.append(f"  {name}: {kind}{counted_text}, {len(variables)} variables"
                   + (f" - {_shorten(label, _LABEL_WIDTH)}" if label and label != name else ""))
        out.append("    " + _shorten(", ".join(map(str, variables)), 200))
    return out


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _single_line(text: str) -> str:
    return " ".join(str(text).split())


def _shorten(text: str, width: int) -> str:
    """Cut the middle out of a long text: the end often tells columns apart (``[option]``).

    >>> _shorten("Which platforms do you use? [Twitter]", 24)
    'Which platf... [Twitter]'
    """
    if len(text) <= width:
        return text
    tail = (width - 3) // 2
    return text[: width - 3 - tail] + "..." + text[len(text) - tail:]
