"""Generic delimited text (CSV, TSV), and the hand-over to the survey-platform readers."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, warn
from . import platforms
from .frames import columns_selected, empty_attrs, platform_frames, with_attrs
from .layout import BODY_ROWS
from .text import (NUMBERISH, SAMPLE_BYTES, TEXT_NA_VALUES, decoded_sample, detect_encoding,
                   detect_file_encoding, duplicate_note, mangle_names, note_rows, read_head,
                   sniff_table, what_it_looks_like)


def _text_encoding(path: Path, encoding, head: bytes, decisions: list) -> str:
    """The encoding to read with; refuses binary files before pandas sees them."""
    wide = encoding is not None and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    if b"\x00" in head and not wide and not head.startswith((codecs.BOM_UTF16_LE,
                                                              codecs.BOM_UTF16_BE)):
        guess = detect_encoding(head)
        if encoding is not None or guess not in ("utf-16-le", "utf-16-be"):
            raise InputFileError("this is not a text file: it looks like "
                                 f"{what_it_looks_like(head)}" + (
                                     "; if it is UTF-16 text, pass encoding='utf-16-le' (or "
                                     "'utf-16-be')" if encoding is None else ""), file=path)
        decisions.append({"what": "encoding", "decided": guess,
                          "why": "no byte-order mark, but every second byte is 0: UTF-16 "
                                 + ("little" if guess.endswith("le") else "big") + "-endian"})
        return guess
    return encoding or detect_file_encoding(path)


def read_text(path: Path, *, source, sep, decimal, header_row, encoding, usecols, row_limit,
              row_offset, chunksize, apply_value_labels):
    head = read_head(path, 1024)
    decisions: list = []
    encoding = _text_encoding(path, encoding, head, decisions)
    text = decoded_sample(path, encoding)
    if not text.strip():
        raise InputFileError("the file holds no data (only blank lines)", file=path)
    if source != "generic":
        kind = platforms.detect(path, text) if source == "auto" else source
        if kind:
            frames = platforms.read_chunks(path, kind, text=text, encoding=encoding,
                                           chunksize=chunksize, row_offset=row_offset,
                                           row_limit=row_limit)
            chunks = platform_frames(frames, path, kind, usecols, apply_value_labels,
                                     encoding=encoding)
            return next(chunks) if chunksize is None else chunks
    if sep is None and path.suffix.lower() == ".tsv":
        sep = "\t"
    complete = path.stat().st_size <= SAMPLE_BYTES
    sniffed = sniff_table(text, sep=sep, decimal=decimal, header_row=header_row,
                          complete=complete)
    decisions += sniffed["decisions"]
    for note in sniffed["warnings"]:
        warn(f"{path}: {note}")
    sep, decimal = sniffed["sep"], sniffed["decimal"]
    header_line = sniffed["header_line"]
    end = None
    if sniffed["notes_line"] is not None:
        end = _line_offset(text, sniffed["notes_line"], encoding)
    elif not complete and sep is not None:
        end = _notes_at_the_end(path, encoding, sep, decisions)
    names = mangle_names(sniffed["header"])
    duplicates = duplicate_note(sniffed["header"], names)
    if duplicates:
        warn(f"{path}: {duplicates}")
        decisions.append({"what": "duplicate column names", "decided": "renamed",
                          "why": duplicates})
    shapes = sniffed["columns"]
    as_text = [n for n, info in shapes.items() if info["leading_zeros"]
               or (info["grouped"] and decimal == ",")]
    detected = {"encoding": encoding, "sep": sep, "decimal": decimal,
                "thousands": sniffed["thousands"], "header_rows": sniffed["header_rows"],
                "header_row": header_line,
                "platform": None, "rows_sampled": sniffed["rows_sampled"],
                "decisions": decisions}
    attrs = empty_attrs(path, "csv", detected)
    columns = columns_selected(usecols, names, path)
    first_line = sniffed["data_line"] + row_offset   # 0-based line of the first data row read
    options = dict(sep=sep or "\x1f", decimal=decimal, encoding=encoding, header=None,
                   names=names, index_col=False, keep_default_na=False,
                   na_values=TEXT_NA_VALUES,
                   skiprows=first_line, usecols=columns, nrows=row_limit,
                   dtype={n: str for n in as_text} or None,
                   engine="python" if sep is not None and len(sep) > 1 else "c")

    def finish(frame, start):
        frame = _numbers_from_text(frame, shapes, decimal, path, first_line + start)
        return with_attrs(frame, attrs, apply_value_labels, columns)

    def long_line():
        return _long_line(path, encoding, sep, len(names), sniffed["data_line"])

    def source():
        # the notes below the table are not read: the file is read up to where they begin
        return path if end is None else io.BufferedReader(_Until(path, end))

    if chunksize is None:
        with _opened(source()) as handle:
            return finish(_csv_call(lambda: pd.read_csv(handle, **options), path, encoding,
                                    long_line), 0)

    def chunks():
        with _opened(source()) as handle, _csv_call(
                lambda: pd.read_csv(handle, chunksize=chunksize, **options), path, encoding,
                long_line) as reader:
            iterator = iter(reader)
            start = 0
            while True:
                frame = _csv_call(lambda: next(iterator, None), path, encoding, long_line)
                if frame is None:
                    return
                rows = len(frame)
                frame = finish(frame, start)
                yield frame
                del frame
                start += rows
    return chunks()


class _Until(io.RawIOBase):
    """The bytes of a file up to ``end``: the table without the notes below it."""

    def __init__(self, path: Path, end: int):
        self._file = open(path, "rb")
        self._left = end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[:min(len(buffer), self._left)]
        count = self._file.readinto(view) or 0
        self._left -= count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


@contextlib.contextmanager
def _opened(source):
    """A path as it is, a handle closed afterwards."""
    try:
        yield source
    finally:
        if not isinstance(source, (str, Path)):
            source.close()


def _encoded_length(text: str, encoding: str) -> int | None:
    """Bytes that ``text`` takes in the file (None for encodings of two or four bytes, whose
    lines this module does not cut)."""
    name = codecs.lookup(encoding).name
    if name.startswith(("utf-16", "utf-32")):
        return None
    return len(text.encode("utf-8" if name == "utf-8-sig" else encoding))


def _line_offset(text: str, line: int, encoding: str) -> int | None:
    """The byte offset in the file where 0-based ``line`` of the (whole) decoded text begins."""
    prefix = _encoded_length("".join(text.splitlines(keepends=True)[:line]), encoding)
    if prefix is None:
        return None
    bom = codecs.BOM_UTF8 if codecs.lookup(encoding).name == "utf-8-sig" else b""
    return len(bom) + prefix


#: How much of the end of a large file is read to find notes below the table.
TAIL_BYTES = 1 << 16


def _notes_at_the_end(path: Path, encoding: str, sep: str, decisions: list) -> int | None:
    """Where the notes below the table begin in a file larger than the sample (the sample
    does not reach its end), as a byte offset; None when it ends with data."""
    size = path.stat().st_size
    if _encoded_length("x", encoding) is None:
        return None
    with open(path, "rb") as handle:
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read()
    cut = tail.find(b"\n")
    if cut < 0:
        return None
    try:
        text = tail[cut + 1:].decode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeDecodeError:
        return None
    lines = text.splitlines(keepends=True)
    first = max(0, len(lines) - 2 * BODY_ROWS)       # the notes and the rows above them
    # each line on its own: the tail may begin inside a quoted field, and a note is one line
    rows = [(i, next(csv.reader([lines[i]], delimiter=sep), [])) for i in range(first,
                                                                                len(lines))]
    notes = note_rows(rows)
    if not notes:
        return None
    start = len(lines) - notes
    kept = [(n, cells) for n, cells in rows[start:] if any(c.strip() for c in cells)]
    texts = [" ".join(c.split()) for _, cells in kept for c in cells if c.strip()]
    why = (f"the last {notes} line(s) of the file hold only a note "
           f"({'; '.join(repr(t[:60]) for t in texts[:3])})")
    decisions.append({"what": "notes below the table", "decided": "left out", "why": why})
    warn(f"{path}: {why}; they were left out")
    return size - _encoded_length("".join(lines[start:]), encoding)


def _long_line(path: Path, encoding: str, sep: str, width: int, data_line: int) -> str:
    """Which line is longer than the header, for the refusal."""
    try:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=sep)
            line = 1
            for row in reader:
                if line > data_line and len(row) > width and any(c.strip()
                                                                 for c in row[width:]):
                    return (f"line {line} has more fields than the header ({len(row)}, the "
                            f"header {width}): correct that line, or check the separator "
                            "(sep=) and the header row (header_row=)")
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    return ("a line has more fields than the header, and pandas would drop its last cells; "
            "check the separator (sep=) and the header row (header_row=)")


_DUTCH_NUMBER = re.compile(r"[-+]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,\d+)?")
_ENGLISH_NUMBER = re.compile(r"[-+]?(?:\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _numbers_from_text(frame, shapes, decimal, path, first_line):
    """Numbers in the file's notation for columns pandas left as text (thousands points, or a
    value past the sample in another notation); refuse a number that fits neither."""
    pattern = _DUTCH_NUMBER if decimal == "," else _ENGLISH_NUMBER
    converted = {}
    for name in frame.columns:
        info = shapes.get(name)
        values = frame[name]
        if info is None or info["leading_zeros"] or not info["numeric"] \
                or pd.api.types.is_numeric_dtype(values):
            continue
        present = values.notna()
        texts = values[present].astype(str).str.strip()
        texts = texts[texts != ""]
        fits = texts.str.fullmatch(pattern.pattern)
        if not fits.all():
            bad = texts[~fits]
            numberish = bad[bad.str.fullmatch(NUMBERISH.pattern)]
            if len(numberish):
                row = frame.index.get_loc(numberish.index[0])
                notation = ("decimal comma, points only between groups of three digits "
                            "(1.250,5)" if decimal == "," else "decimal point (1250.5)")
                raise InputFileError(
                    f"line {first_line + row + 1}: {numberish.iloc[0]!r} is not a number in "
                    f"this file's notation ({notation}), which the rest of the column "
                    f"follows; correct the cell, or pass decimal= to say which mark the file "
                    f"uses", file=path, column=str(name))
            continue          # real text in the column: keep it as text
        numbers = texts.str.replace(".", "", regex=False).str.replace(",", ".", regex=False) \
            if decimal == "," else texts
        result = pd.Series(np.nan, index=values.index, dtype="float64")
        result[numbers.index] = numbers.astype("float64")
        whole = result.dropna()
        if len(whole) == len(result) and (whole == np.round(whole)).all() \
                and whole.abs().max() < 2 ** 53:
            result = result.astype("int64")
        converted[name] = result
    if not converted:
        return frame
    out = frame.copy()
    for name, series in converted.items():
        out[name] = series
    return out


def _csv_call(action, path, encoding, long_line=None):
    try:
        with warnings.catch_warnings():
            # "Length of header or names does not match length of data": pandas would drop
            # the cells of a line longer than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return action()
    except pd.errors.ParserWarning as exc:
        raise InputFileError(long_line() if long_line else
                             "a line has more fields than the header, and pandas would drop "
                             "its last cells; check the separator (sep=) and the header row "
                             "(header_row=)", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the file is not valid {encoding} text ({exc.reason} at byte {exc.start}); leave "
            "encoding=None to detect the encoding", file=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError("the file holds no data", file=path) from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        if long_line is not None and "Expected" in str(exc):
            # "Expected 2 fields in line 3, saw 3": a line longer than the header
            raise InputFileError(long_line(), file=path) from exc
        raise InputFileError(f"the file is not well-formed delimited text: {exc}",
                             file=path) from exc
