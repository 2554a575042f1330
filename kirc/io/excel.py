"""Excel workbooks (.xlsx, .xlsm), through openpyxl."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, ParameterError
from .frames import columns_selected, empty_attrs, slices
from .meta import warn
from .text import (NUMBERISH, TEXT_NA_VALUES, ZIP_MAGIC, duplicate_note, read_head,
                   what_it_looks_like)


def read_excel(path: Path, *, sheet, header_row, encoding, usecols, row_limit, row_offset,
               chunksize, apply_value_labels):
    head = read_head(path, 512)
    if not head.startswith(ZIP_MAGIC):
        raise InputFileError(
            f"this is not an .xlsx workbook (those are zip archives); it looks like "
            f"{what_it_looks_like(head)}", file=path)
    sheet_names = _excel_sheet_names(path)
    decisions: list = []

    def grid_of(name):
        # One pass over the sheet: openpyxl parses the whole XML whatever nrows says, so the
        # grid is read once and the header row and the data are taken from it.
        return _excel_call(lambda: pd.read_excel(
            path, header=None, sheet_name=name, engine="openpyxl", keep_default_na=False,
            na_values=TEXT_NA_VALUES), path)

    if sheet is None:
        skipped = []
        for sheet_name in sheet_names:
            grid = grid_of(sheet_name)
            if _has_table(grid):
                break
            skipped.append(sheet_name)
        else:
            raise InputFileError("no worksheet holds a table (sheets "
                                 + ", ".join(map(repr, sheet_names)) + ")", file=path)
        if skipped:
            why = (", ".join(map(repr, skipped)) + " hold(s) no table (a note or nothing); "
                   f"read worksheet {sheet_name!r}")
            warn(f"{path}: worksheet {why}; pass sheet= to choose another")
            decisions.append({"what": "worksheet", "decided": repr(sheet_name),
                              "why": "worksheet " + why})
    else:
        sheet_name = _resolve_sheet(path, sheet, sheet_names)
        grid = grid_of(sheet_name)
        if header_row is None and not _has_table(grid):
            if grid.dropna(how="all").empty:
                raise InputFileError(f"worksheet {sheet_name!r} holds no data", file=path)
            others = [n for n in sheet_names if n != sheet_name]
            raise InputFileError(
                f"worksheet {sheet_name!r} holds no table, only a note in one column"
                + (f"; the other worksheets are {', '.join(map(repr, others))}: pass sheet="
                   if others else ""), file=path)
    header_rows = 1
    if header_row is None:
        header_row, why = _detect_header_row(grid.head(50))
        if why:
            decisions.append({"what": "header row", "decided": f"row {header_row + 1}",
                              "why": why})
            warn(f"{path}: worksheet {sheet_name!r}: the column names are taken from row "
                 f"{header_row + 1} ({why}); pass header_row= to choose another")
    if header_row >= len(grid):
        raise ParameterError(f"header_row {header_row} is past the last row ({len(grid)} rows)",
                             file=path)
    top = grid.iloc[header_row]
    sub = _sub_header(grid, header_row)
    if sub is not None:
        names = _header_names(_joined_header(top, grid.iloc[header_row + 1]))
        header_rows = 2
        why = (f"row {header_row + 2} names the parts of the merged cells of row "
               f"{header_row + 1} (such as {names[sub]!r})")
        decisions.append({"what": "header rows", "decided": "2", "why": why})
        warn(f"{path}: worksheet {sheet_name!r}: two header rows: {why}")
    else:
        # Header cells can be numbers (a year); columns are named by their text.
        names = _header_names(top)
    _note_duplicates(path, top if sub is None else names, names, decisions)
    columns = columns_selected(usecols, names, path)
    first = header_row + header_rows
    body = grid.iloc[first:]
    notes = _trailing_notes(body)
    if notes:
        texts = [str(v) for label in notes for v in body.loc[label] if _filled(v)][:3]
        rows = ", ".join(str(i + 1) for i in notes
                         if any(_filled(v) for v in body.loc[i]))
        why = f"row(s) {rows} below the table hold only a note ({'; '.join(map(repr, texts))})"
        decisions.append({"what": "notes below the table", "decided": "left out", "why": why})
        warn(f"{path}: worksheet {sheet_name!r}: {why}; they were left out")
        body = body.drop(index=notes)
    start = row_offset
    stop = None if row_limit is None else start + row_limit
    frame = body.iloc[start:stop].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    if columns is not None:
        frame = frame[columns]
    detected = {"sheet": sheet_name, "header_rows": header_rows, "header_row": header_row,
                "platform": None, "decisions": decisions}
    attrs = empty_attrs(path, "xlsx", detected)
    return slices(frame, attrs, chunksize, apply_value_labels)


def _filled(value) -> bool:
    return not (value is None or (isinstance(value, float) and math.isnan(value))
                or (isinstance(value, str) and not value.strip()) or value is pd.NA)


def _has_table(grid: pd.DataFrame) -> bool:
    """A header and at least one row below it; a few lines of text in one column (a note,
    a read-me sheet) are not a table."""
    rows = [[v for v in row if _filled(v)] for row in grid.itertuples(index=False)]
    rows = [r for r in rows if r]
    if len(rows) < 2:
        return False
    columns = int(grid.map(_filled).any(axis=0).sum())
    all_text = all(isinstance(v, str) for r in rows for v in r)
    return not (columns == 1 and all_text and len(rows) <= 10)


def _sub_header(grid: pd.DataFrame, header_row: int) -> int | None:
    """Position of a column named by a second header row, or None for a one-row header.

    A second header row names the parts of a merged header cell: the header row is blank
    where the merged cell continues, the row below holds only text there, and the data start
    after it (the first data row is not text only).
    """
    if header_row + 2 >= len(grid):
        return None
    top = list(grid.iloc[header_row])
    below = list(grid.iloc[header_row + 1])
    after = list(grid.iloc[header_row + 2])
    filled_below = [v for v in below if _filled(v)]
    if not filled_below or not all(isinstance(v, str) for v in filled_below):
        return None
    if all(isinstance(v, str) for v in after if _filled(v)):
        return None                 # the row after is text too: data of text answers
    continued = [j for j in range(1, len(top)) if not _filled(top[j]) and _filled(below[j])
                 and any(_filled(top[i]) for i in range(j))]
    return continued[0] if continued else None


def _joined_header(top: pd.Series, below: pd.Series) -> list:
    """'group - part' names from a merged header cell and the row of parts below it."""
    names, group = [], None
    for value, part in zip(top, below):
        if _filled(value):
            group = str(value).strip()
            names.append(f"{group} - {str(part).strip()}" if _filled(part) else value)
        elif _filled(part):
            names.append(f"{group} - {str(part).strip()}" if group else part)
        else:
            names.append(value)
    return names


def _trailing_notes(body: pd.DataFrame) -> list:
    """Index labels of rows at the end of a table that hold one text cell and nothing else
    (a source line, a footnote), in a table at least three columns wide; blank rows among
    them count with them."""
    filled = body.map(_filled)
    if body.shape[1] < 3 or len(body) < 2:
        return []
    counts = filled.sum(axis=1)
    notes = []
    for label in reversed(body.index):
        n = int(counts[label])
        if n == 0:
            notes.append(label)
            continue
        if n == 1:
            value = body.loc[label][filled.loc[label]].iloc[0]
            if isinstance(value, str) and not NUMBERISH.fullmatch(value.strip()):
                notes.append(label)
                continue
        break
    if not any(counts[label] for label in notes):
        return []                 # only blank rows: pandas drops nothing, nor do we
    return sorted(notes)


def _note_duplicates(path, header, names, decisions) -> None:
    cells = [str(v) if _filled(v) else "" for v in header]
    note = duplicate_note([c.removesuffix(".0") for c in cells], names)
    if note:
        warn(f"{path}: {note}")
        decisions.append({"what": "duplicate column names", "decided": "renamed", "why": note})


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


def _excel_sheet_names(path: Path) -> list[str]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(
            f"this Excel workbook is damaged or not an .xlsx file ({type(exc).__name__}: "
            f"{exc})", file=path) from exc
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _resolve_sheet(path: Path, sheet, names: list[str]) -> str:
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
    elif -len(names) <= sheet < len(names):
        return names[sheet]
    raise ParameterError(f"worksheet {sheet!r} does not exist; the workbook has "
                         f"{', '.join(repr(n) for n in names)}", file=path)


def _detect_header_row(top: pd.DataFrame) -> tuple[int, str]:
    """(row of the column names, why when it is not the first row).

    The first row with mostly text cells that fills at least half of the table's width and is
    followed by a non-empty row. Title and note lines above a table fill only one or two
    cells, so they are passed over; so is a row of two or three texts (a title and a date)
    when the row after it is text as well and fills at least twice as many cells.
    """
    filled = top.map(_filled)
    width = int(filled.any(axis=0).sum())
    needed = 1 if width <= 1 else max(2, math.ceil(width / 2))
    rows = list(top.itertuples(index=False))
    counts = filled.sum(axis=1).tolist()

    def texty(i):
        cells = [v for v, f in zip(rows[i], filled.iloc[i]) if f]
        # a header is at least two-thirds text (a year may be a number)
        return cells and 3 * sum(isinstance(v, str) for v in cells) >= 2 * len(cells)

    for i in range(len(rows)):
        if counts[i] < needed or not texty(i):
            continue
        # a header fills (nearly) the width of the rows below it, alone or, for merged cells,
        # together with a second header row of text
        widest = max(counts[i + 1:i + 11], default=0)
        together = counts[i]
        if i + 1 < len(rows) and texty(i + 1) and all(
                isinstance(v, str) for v, f in zip(rows[i + 1], filled.iloc[i + 1]) if f):
            together = int((filled.iloc[i] | filled.iloc[i + 1]).sum())
        if together < 0.75 * widest:
            continue        # a title or note above the real header
        if i + 1 == len(rows) or counts[i + 1]:
            if i == 0:
                return 0, ""
            return i, f"the {i} row(s) above it fill fewer cells: a title or notes"
    return 0, ""
