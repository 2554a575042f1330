"""Excel workbooks (.xlsx, .xlsm), through openpyxl."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, ParameterError
from .frames import columns_selected, empty_attrs, slices
from .text import TEXT_NA_VALUES, ZIP_MAGIC, read_head, what_it_looks_like


def read_excel(path: Path, *, sheet, header_row, encoding, usecols, row_limit, row_offset,
                chunksize, apply_value_labels):
    head = read_head(path, 512)
    if not head.startswith(ZIP_MAGIC):
        raise InputFileError(
            f"this is not an .xlsx workbook (those are zip archives); it looks like "
            f"{what_it_looks_like(head)}", file=path)
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
    columns = columns_selected(usecols, names, path)
    start = header_row + 1 + row_offset
    stop = None if row_limit is None else start + row_limit
    frame = grid.iloc[start:stop].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    if columns is not None:
        frame = frame[columns]
    detected = {"sheet": sheet_name, "header_rows": 1, "header_row": header_row,
                "platform": None}
    attrs = empty_attrs(path, "xlsx", detected)
    return slices(frame, attrs, chunksize, apply_value_labels)


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

