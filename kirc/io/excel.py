"""Excel workbooks (.xlsx, .xlsm): python-calamine reads the cells, openpyxl where it cannot.

python-calamine (pandas' ``engine="calamine"``) parses a worksheet several times faster than
openpyxl and gives the same cells (numbers, texts, dates, times, durations, true/false; error
cells and formulas without a cached value are empty); ``tests/test_io_round3.py`` compares the
two on the workbooks of the tests and the demo. openpyxl remains for a workbook calamine
cannot open, and when python-calamine is not installed. Where the table sits on the sheet
(title rows, a header of two rows, blank rows, notes below it) is decided by
:mod:`kirc.io.layout`; a survey platform's export saved as Excel is read by its platform
reader (:mod:`kirc.io.platforms`).
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, ParameterError, warn
from . import layout, platforms
from .frames import columns_selected, empty_attrs, platform_frames, slices
from .text import TEXT_NA_VALUES, ZIP_MAGIC, duplicate_note, read_head, what_it_looks_like

#: Rows looked at to find the header (titles and notes above a table are a few rows).
HEAD_ROWS = 50


class _Book:
    """A workbook opened once: its worksheet names, and each sheet's cells as a grid."""

    def __init__(self, path: Path):
        self.path = path
        self.engine = "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"
        try:
            self.file = self._open(self.engine)
        except InputFileError:
            if self.engine == "openpyxl":
                raise
            self.engine = "openpyxl"
            self.file = self._open("openpyxl")
        self.sheet_names = list(self.file.sheet_names)
        if not self.sheet_names:
            raise InputFileError("this workbook holds no worksheet", file=path)

    def _open(self, engine: str):
        try:
            return pd.ExcelFile(self.path, engine=engine)
        except Exception as exc:            # noqa: BLE001 - every library error is this file's
            raise _damaged(self.path, exc) from exc

    def grid(self, name: str) -> pd.DataFrame:
        """Every cell of the sheet, row and column 0 being the sheet's A1 (none skipped)."""
        options = dict(sheet_name=name, header=None, keep_default_na=False,
                       na_values=TEXT_NA_VALUES)
        try:
            return pd.read_excel(self.file, **options)
        except Exception as exc:            # noqa: BLE001
            if self.engine != "calamine":
                raise _damaged(self.path, exc, name) from exc
            first = exc
        # a worksheet calamine cannot parse: openpyxl's verdict decides
        try:
            with self._open("openpyxl") as other:
                return pd.read_excel(other, **options)
        except Exception as exc:            # noqa: BLE001
            # openpyxl says where the XML breaks off; calamine's message is terser
            raise _damaged(self.path, exc, name) from first

    def close(self) -> None:
        self.file.close()

    def merges(self, name: str) -> list | None:
        """Merged cells as ((first row, first column), (last row, last column)), or None
        where the reader does not tell."""
        if self.engine != "calamine":
            return None
        try:
            return list(self.file.book.get_sheet_by_name(name).merged_cell_ranges or [])
        except Exception:                   # noqa: BLE001 - then the layout rules decide alone
            return None


def _damaged(path, exc, sheet=None) -> InputFileError:
    if isinstance(exc, MemoryError):
        raise exc
    detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    what = (f"worksheet {sheet!r} of this workbook is damaged (cut off or corrupt)"
            if sheet is not None else "this Excel workbook is damaged or not an .xlsx file")
    return InputFileError(f"{what} and cannot be read ({detail}); open it in Excel and save "
                          "it again, or export the sheet as CSV", file=path)


def read_excel(path: Path, *, source="auto", sheet, header_row, encoding, usecols, row_limit,
               row_offset, chunksize, apply_value_labels):
    head = read_head(path, 512)
    if not head.startswith(ZIP_MAGIC):
        raise InputFileError(
            f"this is not an .xlsx workbook (those are zip archives); it looks like "
            f"{what_it_looks_like(head)}", file=path)
    book = _Book(path)
    try:
        return _read_sheet(path, book, source, sheet, header_row, usecols, row_limit,
                           row_offset, chunksize, apply_value_labels)
    finally:
        book.close()


def _read_sheet(path, book, source, sheet, header_row, usecols, row_limit, row_offset,
                chunksize, apply_value_labels):
    decisions: list = []
    sheet_name, grid = _choose_sheet(book, sheet, header_row, decisions)

    if header_row is None and source != "generic":
        kind = source if source != "auto" else platforms.detect_rows(_text_rows(grid, 12))
        if kind:
            return _platform_export(path, kind, book, sheet_name, grid, usecols, row_limit,
                                    row_offset, chunksize, apply_value_labels)

    top = grid.head(HEAD_ROWS)
    rows = top.values.tolist()
    if header_row is None:
        found = layout.find_header(rows, layout.cell_kind)
        first, last, data = found["first"], found["last"], found["data"]
        _note_header(path, sheet_name, rows, first, last, data, decisions)
    else:
        if header_row >= len(grid):
            raise ParameterError(f"header_row {header_row} is past the last row "
                                 f"({len(grid)} rows)", file=path)
        first = last = header_row
        below = header_row + 1
        if below + 1 < len(grid) and layout.group_row(
                grid.iloc[header_row].tolist(), grid.iloc[below].tolist(), layout.cell_kind) \
                and "value" in map(layout.cell_kind, grid.iloc[below + 1].tolist()):
            last = below
        data = last + 1
    header = grid.iloc[first:last + 1].values.tolist()
    if last > first:
        names = _header_names(layout.joined_names(header, layout.cell_kind,
                                                  _spans(book.merges(sheet_name), first)))
        example = next(n for n, h in zip(names, header[-1]) if layout.cell_kind(h) != "empty")
        count = last - first + 1
        if count == 2:
            why = (f"row {last + 1} names the parts of the merged cells of row {first + 1} "
                   f"(such as {example!r})")
            said = "two header rows"
        else:
            why = (f"rows {first + 1}-{last + 1} name the columns together (groups, parts, "
                   f"units), joined as {example!r}")
            said = f"{count} header rows"
        decisions.append({"what": "header rows", "decided": str(count), "why": why})
        warn(f"{path}: worksheet {sheet_name!r}: {said}: {why}")
        raw_header = names
    else:
        raw_header = header[0]
        names = _header_names(raw_header)
    _note_duplicates(path, raw_header, names, decisions)
    columns = columns_selected(usecols, names, path)

    body = grid.iloc[data:]
    body = _without_notes(path, sheet_name, body, decisions)
    blank = body.isna().all(axis=1) if len(body) else pd.Series([], dtype=bool)
    if blank.any():
        skipped = [int(i) + 1 for i in body.index[blank.to_numpy()]]
        decisions.append({"what": "blank rows", "decided": "left out",
                          "why": f"row(s) {_rows_text(skipped)} of the table are empty"})
        body = body[~blank.to_numpy()]
    stop = None if row_limit is None else row_offset + row_limit
    frame = body.iloc[row_offset:stop].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    if columns is not None:
        frame = frame[columns]
    detected = {"sheet": sheet_name, "header_rows": last - first + 1, "header_row": first,
                "platform": None, "reader": book.engine, "decisions": decisions}
    attrs = empty_attrs(path, "xlsx", detected)
    return slices(frame, attrs, chunksize, apply_value_labels)


def _choose_sheet(book: _Book, sheet, header_row, decisions):
    path = book.path
    if sheet is None:
        skipped = []
        for sheet_name in book.sheet_names:
            grid = book.grid(sheet_name)
            if _has_table(grid):
                break
            skipped.append(sheet_name)
        else:
            raise InputFileError("no worksheet holds a table (sheets "
                                 + ", ".join(map(repr, book.sheet_names)) + ")", file=path)
        if skipped:
            why = (", ".join(map(repr, skipped)) + " hold(s) no table (a note or nothing); "
                   f"read worksheet {sheet_name!r}")
            warn(f"{path}: worksheet {why}; pass sheet= to choose another")
            decisions.append({"what": "worksheet", "decided": repr(sheet_name),
                              "why": "worksheet " + why})
        return sheet_name, grid
    sheet_name = _resolve_sheet(path, sheet, book.sheet_names)
    grid = book.grid(sheet_name)
    if header_row is None and not _has_table(grid):
        if grid.dropna(how="all").empty:
            raise InputFileError(f"worksheet {sheet_name!r} holds no data", file=path)
        others = [n for n in book.sheet_names if n != sheet_name]
        raise InputFileError(
            f"worksheet {sheet_name!r} holds no table, only a note in one column"
            + (f"; the other worksheets are {', '.join(map(repr, others))}: pass sheet="
               if others else ""), file=path)
    return sheet_name, grid


def _note_header(path, sheet_name, rows, first, last, data, decisions) -> None:
    """Record (and warn about) rows passed over above and below the header, saying what they
    held."""
    kinds = [[layout.cell_kind(v) for v in row] for row in rows]
    above = [r for r in range(first) if any(k != "empty" for k in kinds[r])]
    parts = []
    if above:
        texts = [str(v) for r in above for v, k in zip(rows[r], kinds[r]) if k != "empty"]
        shown = "; ".join(repr(" ".join(t.split())[:40]) for t in texts[:2])
        parts.append(f"row(s) {_rows_text([r + 1 for r in above])} above it hold text that "
                     f"is not the header of the data below ({shown}"
                     + (", ..." if len(texts) > 2 else "") + ")")
    elif first:
        parts.append(f"row(s) {_rows_text(list(range(1, first + 1)))} above it are empty")
    spacer = list(range(last + 1, data))
    if spacer:
        parts.append(f"the empty row(s) {_rows_text([r + 1 for r in spacer])} between the "
                     "header and the data are passed over")
    if not parts:
        return
    why = "; ".join(parts)
    decisions.append({"what": "header row", "decided": f"row {first + 1}", "why": why})
    if above:
        warn(f"{path}: worksheet {sheet_name!r}: the column names are taken from row "
             f"{first + 1}: {why}; pass header_row= to choose another")


def _rows_text(rows: list[int]) -> str:
    """'4' or '2-5' or '2, 4, 7' for 1-based row numbers."""
    if not rows:
        return ""
    if rows == list(range(rows[0], rows[-1] + 1)) and len(rows) > 2:
        return f"{rows[0]}-{rows[-1]}"
    return ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")


def _spans(merges, first: int) -> dict | None:
    """{(row within the header, first column): last column} of merged cells."""
    if merges is None:
        return None
    return {(r0 - first, c0): c1 for (r0, c0), (_r1, c1) in merges if r0 >= first}


def _without_notes(path, sheet_name, body: pd.DataFrame, decisions) -> pd.DataFrame:
    """The table without the footnotes and source lines below it (with a warning)."""
    tail = body.iloc[max(0, len(body) - 2 * layout.BODY_ROWS):]
    count = layout.trailing_notes(tail.values.tolist(), layout.cell_kind) if len(body) else 0
    if not count:
        return body
    notes = body.iloc[len(body) - count:]
    texts = [str(v) for row in notes.itertuples(index=False) for v in row
             if layout.cell_kind(v) != "empty"][:3]
    rows = [int(i) + 1 for i, row in zip(notes.index, notes.itertuples(index=False))
            if any(layout.cell_kind(v) != "empty" for v in row)]
    why = (f"row(s) {_rows_text(rows)} below the table hold only a note "
           f"({'; '.join(map(repr, texts))})")
    decisions.append({"what": "notes below the table", "decided": "left out", "why": why})
    warn(f"{path}: worksheet {sheet_name!r}: {why}; they were left out")
    return body.iloc[:len(body) - count]


def _has_table(grid: pd.DataFrame) -> bool:
    """A header and at least one row below it; a few lines of text in one column (a note,
    a read-me sheet) are not a table. The first rows decide (more than ten filled rows are
    a table whatever they hold)."""
    rows = []
    for row in grid.itertuples(index=False):
        cells = [v for v in row if layout.cell_kind(v) != "empty"]
        if cells:
            rows.append(cells)
            if len(rows) > 10:
                return True
    if len(rows) < 2:
        return False
    columns = int(grid.notna().any(axis=0).sum()) if len(grid) else 0
    all_text = all(isinstance(v, str) for r in rows for v in r)
    return not (columns == 1 and all_text)


def _note_duplicates(path, header, names, decisions) -> None:
    cells = [layout.name_text(v) if layout.cell_kind(v) != "empty" else "" for v in header]
    note = duplicate_note(cells, names)
    if note:
        warn(f"{path}: {note}")
        decisions.append({"what": "duplicate column names", "decided": "renamed", "why": note})


def _header_names(row) -> list[str]:
    """Column names from header cells as pandas would make them (``Unnamed: i``, ``x.1``)."""
    names, seen = [], {}
    for i, value in enumerate(row):
        name = f"Unnamed: {i}" if layout.cell_kind(value) == "empty" else \
            layout.name_text(value)
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            seen[candidate] = 0
            name = candidate
        else:
            seen[name] = 0
        names.append(name)
    return names


def _resolve_sheet(path: Path, sheet, names: list[str]) -> str:
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
    elif -len(names) <= sheet < len(names):
        return names[sheet]
    raise ParameterError(f"worksheet {sheet!r} does not exist; the workbook has "
                         f"{', '.join(repr(n) for n in names)}", file=path)


# --------------------------------------------------------------------------------------------
# a survey platform's export saved as Excel
# --------------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    """A cell as the platform's CSV export would write it."""
    kind = layout.cell_kind(value)
    if kind == "empty":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if (value.hour or value.minute
                                                       or value.second) else "%Y-%m-%d")
    if isinstance(value, _dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _text_rows(grid: pd.DataFrame, limit: int | None = None) -> list[list[str]]:
    """The first ``limit`` non-blank rows as texts (what platform detection looks at)."""
    rows = []
    for row in grid.itertuples(index=False):
        cells = [_cell_text(v) for v in row]
        if any(cells):
            rows.append(cells)
            if limit is not None and len(rows) >= limit:
                break
    return rows


def _platform_export(path, kind, book, sheet_name, grid, usecols, row_limit, row_offset,
                     chunksize, apply_value_labels):
    rows = [(number + 1, [_cell_text(v) for v in row])
            for number, row in enumerate(grid.itertuples(index=False))]
    frames = platforms.read_chunks(path, kind, grid=rows, chunksize=chunksize,
                                   row_offset=row_offset, row_limit=row_limit)
    chunks = platform_frames(frames, path, kind, usecols, apply_value_labels,
                             sheet=sheet_name, reader=book.engine)
    return next(chunks) if chunksize is None else chunks
